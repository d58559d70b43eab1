//! The stamp of the volunteer pool, renewed by the database on every change to what planning
//! reads of it (see the migration `pool_stamp`).

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The pool's stamp now.
///
/// # Errors
/// Database errors; a database without the stamp's row.
pub async fn stamp(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, "SELECT stamp FROM pool_stamp"))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("pool_stamp".to_owned()))?;
    row.try_get::<i64>("", "stamp")
}
