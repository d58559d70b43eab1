//! Which messages a user does not want: the kinds turned off, comma-separated.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_accounts::AppUser;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Settings {
    NotificationsOff,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AppUser::Table)
                    .add_column(
                        ColumnDef::new(Settings::NotificationsOff).string().not_null().default(""),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AppUser::Table).drop_column(Settings::NotificationsOff).take(),
            )
            .await
    }
}
