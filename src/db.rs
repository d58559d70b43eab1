//! Opening the database (embedded SQLite in WAL mode by default, PostgreSQL for shared
//! deployments), running the migrations, and the readiness check.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

use crate::config::Settings;

/// Connects with the settings' URL. For a SQLite file, its directory is created first.
///
/// # Errors
/// The URL is malformed, the directory cannot be created, or the server refuses.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.expose();
    if settings.database_url.is_sqlite() {
        ensure_sqlite_directory(url)?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // SQL statements carry personal data as parameters: never log them.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

fn ensure_sqlite_directory(url: &str) -> Result<(), DbErr> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// Applies every pending migration.
///
/// # Errors
/// A migration fails; the database is left at the last migration that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Ready means: the database answers, no migration is pending, and a SQLite database is still
/// the file at its path.
///
/// # Errors
/// Says which fails.
pub async fn check_ready(db: &DatabaseConnection) -> Result<(), String> {
    db.execute_unprepared("SELECT 1").await.map_err(|e| format!("database unreachable: {e}"))?;
    // Open connections keep reading and writing a SQLite file that was moved or deleted; what
    // they write then is lost to the next start. Only the path tells.
    if let Some(path) = sqlite_file(db).await.map_err(|e| format!("database unreachable: {e}"))?
        && !std::path::Path::new(&path).is_file()
    {
        return Err("the SQLite database file is no longer at its path".to_owned());
    }
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| format!("cannot read migration state: {e}"))?;
    if pending.is_empty() { Ok(()) } else { Err(format!("{} migration(s) pending", pending.len())) }
}

/// The file of a SQLite database; `None` on PostgreSQL and for an in-memory database.
///
/// # Errors
/// Database errors.
pub async fn sqlite_file(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    Ok(row.and_then(|r| r.try_get::<String>("", "file").ok()).filter(|f| !f.is_empty()))
}

/// Begins a transaction that only reads and sees one state of the database throughout: on
/// PostgreSQL `REPEATABLE READ READ ONLY`; on SQLite a deferred transaction, whose first read
/// fixes what it sees (WAL mode). Whatever is decided on several reads needs this, or a change
/// committed between two of them is half seen.
///
/// # Errors
/// The connection fails.
pub async fn read_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
    } else {
        db.begin().await
    }
}

/// Begins the transaction of a use case that writes. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait
/// for a concurrent writer and fails with "database is locked", whereas an immediate one
/// queues behind it for up to the busy timeout. PostgreSQL ignores the mode.
///
/// # Errors
/// The connection fails, or the lock is not granted within the busy timeout.
pub async fn write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
