//! The migrations build the schema the entities expect, with the constraints that keep bad
//! data out even if a code path forgets a check.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use sprachpool::repo::First;

use crate::helpers::TestApp;

macro_rules! read_every_entity {
    ($db:expr, $($entity:ident),+ $(,)?) => {
        $( entities::$entity::Entity::find().all($db).await.unwrap_or_else(|e| panic!("{}: {e}", stringify!($entity))); )+
    };
}

#[tokio::test]
async fn every_entity_matches_its_table() {
    let app = TestApp::spawn().await;
    // Reading every column of every table fails if a column is missing or of another type.
    read_every_entity!(
        &app.db,
        organisation,
        site,
        app_user,
        user_role,
        session,
        login_throttle,
        audit_event,
        language,
        interpreter,
        interpreter_language,
        availability_rule,
        absence,
        client,
        client_language,
        client_exclusion,
        client_caseworker,
        course_provider,
        course,
        course_referral,
        recognition_referral,
        referral_step,
        training,
        training_participation,
        appointment_series,
        appointment,
        assignment,
        planning_run,
        planning_run_unfilled,
        outbox,
        site_travel,
        report_measures,
    );
    assert_eq!(entities::TABLES.len(), 31);
}

async fn exec(app: &TestApp, sql: &str) -> Result<(), sea_orm::DbErr> {
    let backend = app.db.get_database_backend();
    app.db.execute_raw(Statement::from_string(backend, sql.to_owned())).await.map(|_| ())
}

#[tokio::test]
async fn the_database_refuses_what_the_domain_forbids() {
    let app = TestApp::spawn().await;
    // A level outside the CEFR scale.
    assert!(exec(&app, "UPDATE interpreter_language SET level = 'B3'").await.is_err());
    // An availability window that ends before it starts.
    assert!(
        exec(&app, "UPDATE availability_rule SET end_minute = start_minute - 1").await.is_err()
    );
    // An absence that ends before it starts.
    assert!(exec(&app, "UPDATE absence SET ends_at = starts_at").await.is_err());
    // A role that does not exist.
    assert!(exec(&app, "UPDATE user_role SET role = 'superuser'").await.is_err());
    // A profile pointing at a missing site.
    assert!(exec(&app, "UPDATE interpreter SET site_id = 999999").await.is_err());
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_deleted() {
    let app = TestApp::spawn().await;
    app.login("admin").await;
    assert_eq!(app.audited("auth.login").await, 1);
    assert!(exec(&app, "UPDATE audit_event SET action = 'rewritten'").await.is_err());
    assert!(exec(&app, "DELETE FROM audit_event").await.is_err());
    assert_eq!(app.audited("auth.login").await, 1);
}

/// Statements that record client `reference` and a phone appointment in Arabic for it, booked
/// at `booked`, in organisation 1.
fn client_with_appointment(
    reference: &str,
    start: &str,
    end: &str,
    booked: &str,
    status: &str,
) -> [String; 2] {
    [
        format!(
            "INSERT INTO client (organisation_id, reference, created_at, updated_at) VALUES (1, '{reference}', '{booked}', '{booked}')"
        ),
        format!(
            "INSERT INTO appointment (organisation_id, caseworker_id, client_id, language_id, min_level, starts_at, ends_at, mode, kind, priority, sensitive, status, version, created_at, updated_at) \
             VALUES (1, 1, (SELECT id FROM client WHERE reference = '{reference}'), (SELECT id FROM language WHERE organisation_id = 1 AND tag = 'ar'), 'B2', '{start}', '{end}', 'phone', 'counselling', 3, false, '{status}', 0, '{booked}', '{booked}')"
        ),
    ]
}

#[tokio::test]
async fn at_most_one_live_assignment_per_appointment() {
    let app = TestApp::spawn().await;
    let now = "2027-01-11T09:00:00+00:00";
    let later = "2027-01-11T10:00:00+00:00";
    for sql in &client_with_appointment("K-1", now, later, now, "proposed") {
        exec(&app, sql).await.unwrap();
    }
    let assign = |interpreter: i64, status: &str| {
        format!(
            "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
             VALUES (1, (SELECT MAX(id) FROM appointment), {interpreter}, '{status}', 0, '{now}', '{now}')"
        )
    };
    exec(&app, &assign(1, "proposed")).await.unwrap();
    let second = exec(&app, &assign(2, "confirmed")).await.unwrap_err();
    assert!(
        matches!(second.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))),
        "{second}"
    );
    // Declined assignments do not count.
    exec(&app, &assign(3, "declined")).await.unwrap();
}

/// One connection for schema changes: SQLite connections that prepared statements against the
/// old schema must not take part while columns come and go.
async fn one_connection(app: &TestApp) -> sea_orm::DatabaseConnection {
    sprachpool::db::connect(&sprachpool::config::Settings {
        database_max_connections: 1,
        ..app.settings.clone()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_timing_of_existing_appointments_is_filled_in_by_the_migration() {
    use migrations::{Migrator, MigratorTrait};
    let app = TestApp::spawn().await;
    let db = one_connection(&app).await;
    // Back to the schema before appointments kept their timing, with one booked then.
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let timing = names.iter().position(|n| n == "m20261128_000007_appointment_timing").unwrap();
    Migrator::down(&db, Some(u32::try_from(names.len() - timing).unwrap())).await.unwrap();
    // 09:00 local on the day summer time begins, booked two days before at the same instant.
    let (start, end, booked) =
        ("2026-03-29T07:00:00+00:00", "2026-03-29T08:30:00+00:00", "2026-03-27T07:00:00+00:00");
    for sql in client_with_appointment("K-2", start, end, booked, "held") {
        db.execute_unprepared(&sql).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let client = entities::client::Entity::find()
        .filter(entities::client::Column::Reference.eq("K-2"))
        .first(&app.db)
        .await
        .unwrap()
        .unwrap();
    let row = entities::appointment::Entity::find()
        .filter(entities::appointment::Column::ClientId.eq(client.id))
        .first(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.local_date.to_string(), "2026-03-29");
    assert_eq!(row.local_week, 202613);
    assert_eq!(row.duration_minutes, 90);
    assert_eq!(row.lead_minutes, 2 * 24 * 60);
}

/// Counts the assignments whose copy of their appointment's start and end is missing or
/// differs.
const OUT_OF_STEP: &str = "SELECT COUNT(*) AS n FROM assignment s JOIN appointment a ON a.id = s.appointment_id \
     WHERE s.appointment_starts_at IS NULL OR s.appointment_ends_at IS NULL \
     OR s.appointment_starts_at <> a.starts_at OR s.appointment_ends_at <> a.ends_at";

#[tokio::test]
async fn every_assignment_carries_its_appointments_period_kept_by_the_database() {
    use migrations::{Migrator, MigratorTrait};
    let app = TestApp::spawn().await;
    let db = one_connection(&app).await;
    // An assignment made before assignments carried the period (migration 13, six back) is
    // filled in by the migration.
    Migrator::down(&db, Some(6)).await.unwrap();
    let (start, end, booked) =
        ("2027-02-01T09:00:00+00:00", "2027-02-01T10:00:00+00:00", "2027-01-20T09:00:00+00:00");
    let declined = format!(
        "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
         VALUES (1, (SELECT MAX(id) FROM appointment), 1, 'declined', 0, '{booked}', '{booked}')"
    );
    for sql in
        client_with_appointment("K-3", start, end, booked, "proposed").into_iter().chain([declined])
    {
        db.execute_unprepared(&sql).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(app.count(OUT_OF_STEP).await, 0);

    // A new assignment gets it from its appointment, whoever writes it.
    db.execute_unprepared(&format!(
        "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
         VALUES (1, (SELECT MAX(id) FROM appointment), 2, 'proposed', 0, '{booked}', '{booked}')"
    ))
    .await
    .unwrap();
    assert_eq!(app.count(OUT_OF_STEP).await, 0);

    // A copy written by hand is taken from the appointment again.
    db.execute_unprepared(
        "UPDATE assignment SET appointment_starts_at = NULL, appointment_ends_at = '2027-03-01T09:00:00+00:00' \
         WHERE interpreter_id = 2",
    )
    .await
    .unwrap();
    assert_eq!(app.count(OUT_OF_STEP).await, 0);
    // An assignment of no appointment is refused as the foreign key's violation.
    let orphan = db
        .execute_unprepared(&format!(
            "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
             VALUES (1, 999999, 3, 'declined', 0, '{booked}', '{booked}')"
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(orphan.sql_err(), Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))),
        "{orphan}"
    );

    // If the appointment moves, its assignments move with it.
    db.execute_unprepared(
        "UPDATE appointment SET starts_at = '2027-02-02T09:00:00+00:00', ends_at = '2027-02-02T11:00:00+00:00' \
         WHERE id = (SELECT MAX(id) FROM appointment)",
    )
    .await
    .unwrap();
    assert_eq!(app.count(OUT_OF_STEP).await, 0);
    let moved = app
        .count(
            "SELECT COUNT(*) AS n FROM assignment WHERE appointment_ends_at > appointment_starts_at \
             AND appointment_id = (SELECT MAX(id) FROM appointment)",
        )
        .await;
    assert_eq!(moved, 2);
}

/// `First` (the project's replacement for SeaORM's `one`, with the limit written into the SQL)
/// gives the first row in the query's order, through an entity query and through a selector,
/// and nothing where nothing matches.
#[tokio::test]
async fn first_reads_the_first_row_in_order_or_none() {
    use entities::language;
    use sea_orm::{QueryOrder, QuerySelect};

    let app = TestApp::spawn().await;
    let ordered = || language::Entity::find().order_by_desc(language::Column::Tag);
    let all = ordered().all(&app.db).await.unwrap();
    assert!(all.len() > 1, "the demo data has several languages");

    let first = ordered().first(&app.db).await.unwrap().expect("a language");
    assert_eq!(first, all[0]);

    let tag: Option<String> = ordered()
        .select_only()
        .column(language::Column::Tag)
        .into_tuple()
        .first(&app.db)
        .await
        .unwrap();
    assert_eq!(tag.as_deref(), Some(all[0].tag.as_str()));

    let none =
        ordered().filter(language::Column::Tag.eq("no-such-tag")).first(&app.db).await.unwrap();
    assert_eq!(none, None);
}

/// Planning reads the pool and the work already taken from the tables each time and keeps
/// nothing between transactions: no stamp is left for triggers to renew, and no write of one
/// organisation's pool waits on a row all organisations share.
#[tokio::test]
async fn no_stamp_tables_triggers_or_functions_remain() {
    let app = TestApp::spawn().await;
    let sqlite = app.db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let (tables, triggers) = if sqlite {
        (
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name LIKE '%stamp%'",
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%stamp%'",
        )
    } else {
        (
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name LIKE '%stamp%'",
            "SELECT COUNT(*) AS n FROM information_schema.triggers WHERE trigger_name LIKE '%stamp%'",
        )
    };
    assert_eq!(app.count(tables).await, 0);
    assert_eq!(app.count(triggers).await, 0);
    if !sqlite {
        let functions = "SELECT COUNT(*) AS n FROM pg_proc p \
                         JOIN pg_namespace s ON s.oid = p.pronamespace \
                         WHERE s.nspname = current_schema() AND p.proname LIKE '%stamp%'";
        assert_eq!(app.count(functions).await, 0);
    }
}
