//! One running planning run per organisation, enforced by the database on every backend; and
//! the readable sentence explaining why an appointment is unfilled.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PlanningRun {
    Table,
    OrganisationId,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum Appointment {
    Table,
    UnfilledDetail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("uq_planning_run_running")
                    .table(PlanningRun::Table)
                    .col(PlanningRun::OrganisationId)
                    .unique()
                    .and_where(Expr::col(PlanningRun::Status).eq("running"))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Appointment::Table)
                    .add_column(text_null(Appointment::UnfilledDetail))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Appointment::Table)
                    .drop_column(Appointment::UnfilledDetail)
                    .take(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop().name("uq_planning_run_running").table(PlanningRun::Table).to_owned(),
            )
            .await
    }
}
