//! The stamp of the volunteer pool, renewed by the database on every change to what planning
//! reads of it (see the migration `pool_stamp`), with the database it belongs to.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// The pool's stamp now, and which database it is of: the SQLite file, or the PostgreSQL
/// database with its server's port. One process may open several databases (the tests do).
///
/// # Errors
/// Database errors; a database without the stamp's row.
pub async fn stamp(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT stamp, current_database() || ':' || COALESCE(inet_server_port(), 0) AS origin \
             FROM pool_stamp WHERE id = 1"
        }
        _ => {
            "SELECT stamp, (SELECT file FROM pragma_database_list WHERE name = 'main') AS origin \
             FROM pool_stamp WHERE id = 1"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("pool_stamp".to_owned()))?;
    Ok((row.try_get::<i64>("", "stamp")?, row.try_get::<String>("", "origin")?))
}
