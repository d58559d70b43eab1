//! The secret calendar feed of a user: the digest of its token (the token itself is shown once
//! and never stored), and whether the feed also carries proposals, as tentative events.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_accounts::AppUser;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Feed {
    CalendarTokenDigest,
    CalendarWithProposals,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AppUser::Table)
                    .add_column(ColumnDef::new(Feed::CalendarTokenDigest).string().null())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AppUser::Table)
                    .add_column(
                        ColumnDef::new(Feed::CalendarWithProposals)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_app_user_calendar_token")
                    .table(AppUser::Table)
                    .col(Feed::CalendarTokenDigest)
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("uq_app_user_calendar_token").table(AppUser::Table).to_owned(),
            )
            .await?;
        for column in [Feed::CalendarWithProposals, Feed::CalendarTokenDigest] {
            manager
                .alter_table(Table::alter().table(AppUser::Table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
