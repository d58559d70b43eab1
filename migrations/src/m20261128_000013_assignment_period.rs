//! Each assignment carries its appointment's start and end, with an index by interpreter and
//! start: the work that holds a volunteer's time in a week is then read from that volunteer's
//! few assignments, not picked out of every appointment of the organisation in the week, which
//! every booking's planning does.
//!
//! The database keeps the copy, not the service: triggers take it from the appointment when an
//! assignment is inserted, pointed at another appointment, or given a copy of its own, and
//! carry it along if an appointment's time ever changes. No writer can forget it or set it
//! wrongly, and an assignment whose copy went stale would let planning double-book.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::util::instant_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Assignment {
    Table,
    InterpreterId,
    Status,
    AppointmentStartsAt,
    AppointmentEndsAt,
}

const INDEX: &str = "ix_assignment_interpreter_period";

const SQLITE_UP: [&str; 4] = [
    "UPDATE assignment SET \
       appointment_starts_at = (SELECT starts_at FROM appointment WHERE appointment.id = assignment.appointment_id), \
       appointment_ends_at = (SELECT ends_at FROM appointment WHERE appointment.id = assignment.appointment_id)",
    // SQLite's triggers cannot change the row being written, so the copy is written just after.
    "CREATE TRIGGER assignment_copies_period AFTER INSERT ON assignment BEGIN \
       UPDATE assignment SET \
         appointment_starts_at = (SELECT starts_at FROM appointment WHERE id = NEW.appointment_id), \
         appointment_ends_at = (SELECT ends_at FROM appointment WHERE id = NEW.appointment_id) \
       WHERE id = NEW.id; \
     END",
    // An update that points an assignment elsewhere or sets the copy itself gets the copy from
    // the appointment again.
    "CREATE TRIGGER assignment_keeps_period \
     AFTER UPDATE OF appointment_id, appointment_starts_at, appointment_ends_at ON assignment \
     WHEN NEW.appointment_starts_at IS NOT (SELECT starts_at FROM appointment WHERE id = NEW.appointment_id) \
       OR NEW.appointment_ends_at IS NOT (SELECT ends_at FROM appointment WHERE id = NEW.appointment_id) \
     BEGIN \
       UPDATE assignment SET \
         appointment_starts_at = (SELECT starts_at FROM appointment WHERE id = NEW.appointment_id), \
         appointment_ends_at = (SELECT ends_at FROM appointment WHERE id = NEW.appointment_id) \
       WHERE id = NEW.id; \
     END",
    "CREATE TRIGGER appointment_period_to_assignments AFTER UPDATE OF starts_at, ends_at ON appointment BEGIN \
       UPDATE assignment SET appointment_starts_at = NEW.starts_at, appointment_ends_at = NEW.ends_at \
       WHERE appointment_id = NEW.id; \
     END",
];

const SQLITE_DOWN: [&str; 3] = [
    "DROP TRIGGER IF EXISTS assignment_copies_period",
    "DROP TRIGGER IF EXISTS assignment_keeps_period",
    "DROP TRIGGER IF EXISTS appointment_period_to_assignments",
];

const POSTGRES_UP: [&str; 6] = [
    "UPDATE assignment SET appointment_starts_at = a.starts_at, appointment_ends_at = a.ends_at \
     FROM appointment a WHERE a.id = assignment.appointment_id",
    "ALTER TABLE assignment ALTER COLUMN appointment_starts_at SET NOT NULL, \
       ALTER COLUMN appointment_ends_at SET NOT NULL",
    // A missing appointment is the foreign key's violation, as without the trigger.
    "CREATE FUNCTION assignment_copies_period() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
       SELECT starts_at, ends_at INTO NEW.appointment_starts_at, NEW.appointment_ends_at \
       FROM appointment WHERE id = NEW.appointment_id; \
       IF NOT FOUND THEN \
         RAISE EXCEPTION 'appointment % does not exist', NEW.appointment_id \
           USING ERRCODE = 'foreign_key_violation'; \
       END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER assignment_copies_period \
     BEFORE INSERT OR UPDATE OF appointment_id, appointment_starts_at, appointment_ends_at \
     ON assignment FOR EACH ROW EXECUTE FUNCTION assignment_copies_period()",
    "CREATE FUNCTION appointment_period_to_assignments() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
       UPDATE assignment SET appointment_starts_at = NEW.starts_at, appointment_ends_at = NEW.ends_at \
       WHERE appointment_id = NEW.id; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER appointment_period_to_assignments AFTER UPDATE OF starts_at, ends_at \
     ON appointment FOR EACH ROW EXECUTE FUNCTION appointment_period_to_assignments()",
];

const POSTGRES_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS appointment_period_to_assignments ON appointment",
    "DROP FUNCTION IF EXISTS appointment_period_to_assignments()",
    "DROP TRIGGER IF EXISTS assignment_copies_period ON assignment",
    "DROP FUNCTION IF EXISTS assignment_copies_period()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [Assignment::AppointmentStartsAt, Assignment::AppointmentEndsAt] {
            manager
                .alter_table(
                    Table::alter().table(Assignment::Table).add_column(instant_null(column)).take(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_UP,
            DbBackend::Postgres => &POSTGRES_UP,
            _ => &[],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Assignment::Table)
                    .col(Assignment::InterpreterId)
                    .col(Assignment::AppointmentStartsAt)
                    .col(Assignment::AppointmentEndsAt)
                    .col(Assignment::Status)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Assignment::Table).to_owned()).await?;
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_DOWN,
            DbBackend::Postgres => &POSTGRES_DOWN,
            _ => &[],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        for column in [Assignment::AppointmentStartsAt, Assignment::AppointmentEndsAt] {
            manager
                .alter_table(Table::alter().table(Assignment::Table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
