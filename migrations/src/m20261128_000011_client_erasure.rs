//! When a client's pseudonym was erased (on request, GDPR Art. 17) or anonymised after the
//! retention period; their appointments and referrals stay, for the reports' aggregates.

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_clients_referrals::Client;
use crate::util::instant_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Erasure {
    AnonymisedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Client::Table)
                    .add_column(instant_null(Erasure::AnonymisedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Client::Table).drop_column(Erasure::AnonymisedAt).take(),
            )
            .await
    }
}
