//! The stamps planning keeps what it read by, renewed by the database on every change to what
//! they cover: the volunteer pool (migration `pool_stamp`) and, on SQLite, the work already
//! taken (migration `work_stamp`); each with the database it belongs to.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// The pool's stamp now, and which database it is of: the SQLite file, or the PostgreSQL
/// database with its server's port. One process may open several databases (the tests do).
///
/// # Errors
/// Database errors; a database without the stamp's row.
pub async fn stamp(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    stamp_in(db, "pool_stamp").await
}

/// The stamp of the work already taken now, and the SQLite file it is of.
///
/// # Errors
/// Database errors; a database without the stamp's row, as PostgreSQL.
pub async fn work_stamp(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    stamp_in(db, "work_stamp").await
}

/// The stamp in the one row of `table`, and the database's origin.
async fn stamp_in(db: &impl ConnectionTrait, table: &str) -> Result<(i64, String), DbErr> {
    let backend = db.get_database_backend();
    let origin = match backend {
        DbBackend::Postgres => "current_database() || ':' || COALESCE(inet_server_port(), 0)",
        _ => "(SELECT file FROM pragma_database_list WHERE name = 'main')",
    };
    let sql = format!("SELECT stamp, {origin} AS origin FROM {table} WHERE id = 1");
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(table.to_owned()))?;
    Ok((row.try_get::<i64>("", "stamp")?, row.try_get::<String>("", "origin")?))
}
