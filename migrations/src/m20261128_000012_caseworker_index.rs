//! Indexes for reading a period quickly in a large organisation: a caseworker's own
//! appointments from an index of their own, not picked out of every appointment of the
//! organisation; and the appointments overlapping a period from the index alone, with their
//! end beside the start, so that planning a booking does not read every row of its week.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Appointment {
    Table,
    OrganisationId,
    CaseworkerId,
    StartsAt,
    EndsAt,
}

const OWN: &str = "ix_appointment_caseworker_starts_at";
const PERIOD: &str = "ix_appointment_organisation_period";
/// Superseded by `PERIOD`, which begins with the same columns.
const START: &str = "ix_appointment_organisation_id_starts_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OWN)
                    .table(Appointment::Table)
                    .col(Appointment::CaseworkerId)
                    .col(Appointment::StartsAt)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PERIOD)
                    .table(Appointment::Table)
                    .col(Appointment::OrganisationId)
                    .col(Appointment::StartsAt)
                    .col(Appointment::EndsAt)
                    .take(),
            )
            .await?;
        manager.drop_index(Index::drop().name(START).table(Appointment::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(START)
                    .table(Appointment::Table)
                    .col(Appointment::OrganisationId)
                    .col(Appointment::StartsAt)
                    .take(),
            )
            .await?;
        for name in [PERIOD, OWN] {
            manager
                .drop_index(Index::drop().name(name).table(Appointment::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
