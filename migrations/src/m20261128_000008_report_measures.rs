//! The free-text section of the annual report to the state ministry: the measures an
//! organisation took in a year, in its own words, one text per organisation and year.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, text};

use crate::m20261122_000001_accounts::{AppUser, Organisation};
use crate::util::{fk, id, instant, reference, reference_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ReportMeasures {
    Table,
    Id,
    OrganisationId,
    Year,
    Text,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportMeasures::Table)
                    .col(id(ReportMeasures::Id))
                    .col(reference(ReportMeasures::OrganisationId))
                    .col(integer(ReportMeasures::Year))
                    .col(text(ReportMeasures::Text))
                    .col(reference_null(ReportMeasures::UpdatedBy))
                    .col(instant(ReportMeasures::UpdatedAt))
                    .foreign_key(&mut fk(
                        ReportMeasures::Table,
                        ReportMeasures::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        ReportMeasures::Table,
                        ReportMeasures::UpdatedBy,
                        AppUser::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_report_measures_organisation_year")
                    .table(ReportMeasures::Table)
                    .col(ReportMeasures::OrganisationId)
                    .col(ReportMeasures::Year)
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ReportMeasures::Table).take()).await
    }
}
