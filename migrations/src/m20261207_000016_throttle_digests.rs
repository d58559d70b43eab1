//! The failed-login counter keys its rows by a SHA-256 digest of the normalised username, no
//! longer by the text sent, which had no length limit. Rows keyed the old way are only counts
//! of recent failures: they are dropped.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.exec_stmt(Query::delete().from_table(LoginThrottle::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.exec_stmt(Query::delete().from_table(LoginThrottle::Table).to_owned()).await
    }
}
