//! Drops the stamps of migrations 14 and 15 (`pool_stamp`, `work_stamp`) with their triggers
//! and, on PostgreSQL, their function: planning reads the pool and the work already taken from
//! the tables each time, and keeps nothing between transactions that a stamp would have to
//! vouch for. The statement triggers on PostgreSQL also serialised every organisation's pool
//! writes on the one stamp row.

use sea_orm_migration::prelude::*;

use crate::{m20261128_000014_pool_stamp as pool_stamp, m20261129_000015_work_stamp as work_stamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        work_stamp::Migration.down(manager).await?;
        pool_stamp::Migration.down(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        pool_stamp::Migration.up(manager).await?;
        work_stamp::Migration.up(manager).await
    }
}
