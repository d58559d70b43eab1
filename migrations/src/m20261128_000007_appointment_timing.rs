//! The local date and ISO week of each appointment, its length and its lead time, kept with
//! the appointment so that coverage figures are grouped and summed in the database on every
//! backend (SQLite knows no time zones). Written by the service when an appointment is
//! booked; filled here for the appointments that exist.

use chrono::{DateTime, Datelike, Utc};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Appointment {
    Table,
    Id,
    OrganisationId,
    StartsAt,
    EndsAt,
    CreatedAt,
    LanguageId,
    SiteId,
    Kind,
    Status,
    UnfilledReason,
    FallbackKind,
    LocalDate,
    LocalWeek,
    DurationMinutes,
    LeadMinutes,
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Appointment::LocalDate).date().not_null().default("1970-01-01").take(),
            ColumnDef::new(Appointment::LocalWeek).integer().not_null().default(0).take(),
            ColumnDef::new(Appointment::DurationMinutes).integer().not_null().default(0).take(),
            ColumnDef::new(Appointment::LeadMinutes).integer().not_null().default(0).take(),
        ];
        // SQLite adds one column per statement.
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter().table(Appointment::Table).add_column(&mut column).take(),
                )
                .await?;
        }
        // Covers the coverage queries: a period's appointments are read from the index alone.
        manager
            .create_index(
                Index::create()
                    .name("ix_appointment_organisation_local_date")
                    .table(Appointment::Table)
                    .col(Appointment::OrganisationId)
                    .col(Appointment::LocalDate)
                    .col(Appointment::LanguageId)
                    .col(Appointment::LocalWeek)
                    .col(Appointment::SiteId)
                    .col(Appointment::Kind)
                    .col(Appointment::Status)
                    .col(Appointment::UnfilledReason)
                    .col(Appointment::FallbackKind)
                    .col(Appointment::DurationMinutes)
                    .col(Appointment::LeadMinutes)
                    .take(),
            )
            .await?;

        let db = manager.get_connection();
        let select = Query::select()
            .columns([
                Appointment::Id,
                Appointment::StartsAt,
                Appointment::EndsAt,
                Appointment::CreatedAt,
            ])
            .from(Appointment::Table)
            .to_owned();
        let backend = db.get_database_backend();
        let rows = Row::find_by_statement(backend.build(&select)).all(db).await?;
        for row in rows {
            let local = row.starts_at.with_timezone(&chrono_tz::Europe::Berlin).date_naive();
            let week = local.iso_week();
            let update = Query::update()
                .table(Appointment::Table)
                .values([
                    (Appointment::LocalDate, local.into()),
                    (Appointment::LocalWeek, (week.year() * 100 + week.week() as i32).into()),
                    (
                        Appointment::DurationMinutes,
                        ((row.ends_at - row.starts_at).num_minutes() as i32).into(),
                    ),
                    (
                        Appointment::LeadMinutes,
                        (Ord::max((row.starts_at - row.created_at).num_minutes(), 0) as i32).into(),
                    ),
                ])
                .and_where(Expr::col(Appointment::Id).eq(row.id))
                .to_owned();
            db.execute(&update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_appointment_organisation_local_date")
                    .table(Appointment::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Appointment::LocalDate,
            Appointment::LocalWeek,
            Appointment::DurationMinutes,
            Appointment::LeadMinutes,
        ] {
            manager
                .alter_table(Table::alter().table(Appointment::Table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
