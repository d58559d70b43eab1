//! A stamp of the work already taken as planning reads it — the live assignments with their
//! appointments' time, place and mode — that a SQLite database sets to a new random value on
//! every change to an assignment and on every appointment added, deleted or given another
//! place or mode, by triggers, so that no writer can forget it. An appointment's time reaches
//! its assignments (migration `assignment_period`). Deleting an appointment deletes its
//! assignments, but only with foreign keys on, which the `sqlite3` shell leaves off: its own
//! trigger renews the stamp either way, as does an appointment added where assignments are
//! left without one.
//!
//! On a SQLite file every booking plans under the one write lock, and reading the work of the
//! volunteers who could take it was a fifth of a booking's time there. The service keeps the
//! work it read in memory with the stamp it was read at, adds a booking's own proposals to it,
//! and reads it again only when the stamp in the next booking's transaction is not the one it
//! kept (see the service's `planning::work`). Random rather than counted, as the pool's stamp
//! (migration `pool_stamp`), so that a database restored from a copy never repeats a stamp it
//! had for other work.
//!
//! PostgreSQL gets neither table nor triggers: there the service reads work each time, and a
//! stamp row that every assignment's change updates would make bookings of different
//! organisations, which now go on side by side, wait for each other.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The changes that renew the stamp: trigger name, and what it follows.
const WATCHED: [(&str, &str); 6] = [
    ("work_stamp_assignment_insert", "INSERT ON assignment"),
    ("work_stamp_assignment_update", "UPDATE ON assignment"),
    ("work_stamp_assignment_delete", "DELETE ON assignment"),
    ("work_stamp_appointment_insert", "INSERT ON appointment"),
    ("work_stamp_appointment_place", "UPDATE OF id, site_id, mode ON appointment"),
    ("work_stamp_appointment_delete", "DELETE ON appointment"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE TABLE work_stamp (\
               id integer NOT NULL PRIMARY KEY CHECK (id = 1), \
               stamp integer NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO work_stamp (id, stamp) VALUES (1, random())").await?;
        for (name, event) in WATCHED {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} AFTER {event} BEGIN \
                   UPDATE work_stamp SET stamp = random(); \
                 END"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for (name, _) in WATCHED {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
        }
        db.execute_unprepared("DROP TABLE IF EXISTS work_stamp").await?;
        Ok(())
    }
}
