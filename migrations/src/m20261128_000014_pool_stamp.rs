//! A stamp of the volunteer pool as planning reads it — sites, travel times, languages,
//! profiles, their languages, availability and absences — that the database sets to a new
//! random value on every change to one of those tables, by triggers, so that no writer can
//! forget it.
//!
//! The service keeps each organisation's pool in memory with the stamp it was read at, and a
//! booking, which plans while it holds the write lock, reads the stamp instead of the pool
//! whenever it is unchanged. The stamp is random rather than counted so that a database
//! restored from a copy never repeats a stamp it had for another pool; and it is one for all
//! organisations, since the pool changes seldom. Changing the pool's tables with triggers
//! switched off (a data-only restore with `--disable-triggers`, say) must be followed by a
//! restart of the service.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PoolStamp {
    Table,
    Id,
    Stamp,
}

/// The tables of the pool.
const WATCHED: [&str; 7] = [
    "site",
    "site_travel",
    "language",
    "interpreter",
    "interpreter_language",
    "availability_rule",
    "absence",
];

const OPERATIONS: [&str; 3] = ["insert", "update", "delete"];

/// A random 63-bit value, in each backend's SQL.
fn random(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "floor(random() * 9.2e18)::bigint",
        _ => "random()",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PoolStamp::Table)
                    .col(ColumnDef::new(PoolStamp::Id).integer().not_null().primary_key())
                    // One row only.
                    .check(Expr::col(PoolStamp::Id).eq(1))
                    .col(ColumnDef::new(PoolStamp::Stamp).big_integer().not_null())
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let random = random(backend);
        db.execute_unprepared(&format!("INSERT INTO pool_stamp (id, stamp) VALUES (1, {random})"))
            .await?;
        match backend {
            DbBackend::Sqlite => {
                for table in WATCHED {
                    for operation in OPERATIONS {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER pool_stamp_{table}_{operation} \
                             AFTER {operation} ON {table} BEGIN \
                               UPDATE pool_stamp SET stamp = {random}; \
                             END"
                        ))
                        .await?;
                    }
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION pool_stamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN UPDATE pool_stamp SET stamp = {random}; RETURN NULL; END $$"
                ))
                .await?;
                // Before each statement, truncation included, so that a transaction changing the
                // pool takes the stamp's row lock before it changes any row of the pool: pool
                // writers, of all organisations, take turns there, which they can afford as the
                // pool changes seldom. The transaction's own later reads see the new stamp.
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER pool_stamp_{table} \
                         BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION pool_stamp_renew()"
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                for table in WATCHED {
                    for operation in OPERATIONS {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS pool_stamp_{table}_{operation}"
                        ))
                        .await?;
                    }
                }
            }
            DbBackend::Postgres => {
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS pool_stamp_{table} ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS pool_stamp_renew()").await?;
            }
            _ => {}
        }
        manager.drop_table(Table::drop().table(PoolStamp::Table).take()).await
    }
}
