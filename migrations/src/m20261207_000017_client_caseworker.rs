//! `client_caseworker`: the caseworkers a client was handed over to. Who serves a client is
//! otherwise read from what they did (booked for, or referred, the client); a handover adds
//! the colleague who takes over.

use sea_orm_migration::prelude::*;

use crate::util::{fk, index, instant, reference};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ClientCaseworker {
    Table,
    ClientId,
    UserId,
    OrganisationId,
    HandedOverAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Client {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum AppUser {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClientCaseworker::Table)
                    .col(reference(ClientCaseworker::ClientId))
                    .col(reference(ClientCaseworker::UserId))
                    .col(reference(ClientCaseworker::OrganisationId))
                    .col(instant(ClientCaseworker::HandedOverAt))
                    .primary_key(
                        Index::create()
                            .col(ClientCaseworker::ClientId)
                            .col(ClientCaseworker::UserId),
                    )
                    .foreign_key(&mut fk(
                        ClientCaseworker::Table,
                        ClientCaseworker::ClientId,
                        Client::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ClientCaseworker::Table,
                        ClientCaseworker::UserId,
                        AppUser::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ClientCaseworker::Table,
                        ClientCaseworker::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(ClientCaseworker::Table, &[ClientCaseworker::UserId], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ClientCaseworker::Table).take()).await
    }
}
