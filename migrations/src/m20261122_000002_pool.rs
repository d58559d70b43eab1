//! The interpreter pool: the organisation's language list, volunteers' profiles, their languages,
//! weekly availability rules and absences.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{date_null, integer, small_integer, string, string_null};

use crate::m20261122_000001_accounts::{AppUser, Organisation, Site};
use crate::util::{LEVELS, check, fk, flag, id, index, instant, one_of, reference, reference_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Language {
    Table,
    Id,
    OrganisationId,
    Tag,
    NameDe,
    NameEn,
    FallbackId,
    Active,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Interpreter {
    Table,
    Id,
    OrganisationId,
    UserId,
    SiteId,
    Gender,
    HomeTeam,
    OffersInPerson,
    OffersPhone,
    OffersVideo,
    WeeklyCapMinutes,
    DailyCapMinutes,
    WorksOnHolidays,
    DeclarationSignedOn,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum InterpreterLanguage {
    Table,
    Id,
    InterpreterId,
    LanguageId,
    Level,
    Written,
}

#[derive(DeriveIden, Clone, Copy)]
enum AvailabilityRule {
    Table,
    Id,
    InterpreterId,
    Weekday,
    StartMinute,
    EndMinute,
    ValidFrom,
    ValidUntil,
    SiteId,
    RemoteOnly,
    Timezone,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Absence {
    Table,
    Id,
    InterpreterId,
    StartsAt,
    EndsAt,
    Reason,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Language::Table)
                    .col(id(Language::Id))
                    .col(reference(Language::OrganisationId))
                    .col(string(Language::Tag))
                    .col(string(Language::NameDe))
                    .col(string(Language::NameEn))
                    .col(reference_null(Language::FallbackId))
                    .col(flag(Language::Active, true))
                    .check(check(
                        Language::Table,
                        "not_own_fallback",
                        Expr::col(Language::FallbackId).ne(Expr::col(Language::Id)),
                    ))
                    .foreign_key(&mut fk(
                        Language::Table,
                        Language::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        Language::Table,
                        Language::FallbackId,
                        Language::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(Language::Table, &[Language::OrganisationId, Language::Tag], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Interpreter::Table)
                    .col(id(Interpreter::Id))
                    .col(reference(Interpreter::OrganisationId))
                    .col(reference(Interpreter::UserId).unique_key())
                    .col(reference(Interpreter::SiteId))
                    .col(string_null(Interpreter::Gender))
                    .col(string_null(Interpreter::HomeTeam))
                    .col(flag(Interpreter::OffersInPerson, true))
                    .col(flag(Interpreter::OffersPhone, false))
                    .col(flag(Interpreter::OffersVideo, false))
                    .col(integer(Interpreter::WeeklyCapMinutes).default(240))
                    .col(integer(Interpreter::DailyCapMinutes).default(120))
                    .col(flag(Interpreter::WorksOnHolidays, false))
                    .col(date_null(Interpreter::DeclarationSignedOn))
                    .col(flag(Interpreter::Active, true))
                    .col(instant(Interpreter::CreatedAt))
                    .col(instant(Interpreter::UpdatedAt))
                    .check(one_of(Interpreter::Table, Interpreter::Gender, &["f", "m", "d"]))
                    .check(check(
                        Interpreter::Table,
                        "weekly_cap",
                        Expr::col(Interpreter::WeeklyCapMinutes).between(0, 7 * 24 * 60),
                    ))
                    .check(check(
                        Interpreter::Table,
                        "daily_cap",
                        Expr::col(Interpreter::DailyCapMinutes).between(0, 24 * 60),
                    ))
                    .foreign_key(&mut fk(
                        Interpreter::Table,
                        Interpreter::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        Interpreter::Table,
                        Interpreter::UserId,
                        AppUser::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        Interpreter::Table,
                        Interpreter::SiteId,
                        Site::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(Interpreter::Table, &[Interpreter::OrganisationId], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InterpreterLanguage::Table)
                    .col(id(InterpreterLanguage::Id))
                    .col(reference(InterpreterLanguage::InterpreterId))
                    .col(reference(InterpreterLanguage::LanguageId))
                    .col(string(InterpreterLanguage::Level))
                    .col(flag(InterpreterLanguage::Written, false))
                    .check(one_of(InterpreterLanguage::Table, InterpreterLanguage::Level, LEVELS))
                    .foreign_key(&mut fk(
                        InterpreterLanguage::Table,
                        InterpreterLanguage::InterpreterId,
                        Interpreter::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        InterpreterLanguage::Table,
                        InterpreterLanguage::LanguageId,
                        Language::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                InterpreterLanguage::Table,
                &[InterpreterLanguage::InterpreterId, InterpreterLanguage::LanguageId],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                InterpreterLanguage::Table,
                &[InterpreterLanguage::LanguageId],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityRule::Table)
                    .col(id(AvailabilityRule::Id))
                    .col(reference(AvailabilityRule::InterpreterId))
                    .col(small_integer(AvailabilityRule::Weekday))
                    .col(integer(AvailabilityRule::StartMinute))
                    .col(integer(AvailabilityRule::EndMinute))
                    .col(date_null(AvailabilityRule::ValidFrom))
                    .col(date_null(AvailabilityRule::ValidUntil))
                    .col(reference_null(AvailabilityRule::SiteId))
                    .col(flag(AvailabilityRule::RemoteOnly, false))
                    .col(string(AvailabilityRule::Timezone).default("Europe/Berlin"))
                    .col(instant(AvailabilityRule::CreatedAt))
                    .check(check(
                        AvailabilityRule::Table,
                        "weekday",
                        Expr::col(AvailabilityRule::Weekday).between(1, 7),
                    ))
                    .check(check(
                        AvailabilityRule::Table,
                        "window",
                        Expr::col(AvailabilityRule::StartMinute)
                            .gte(0)
                            .and(
                                Expr::col(AvailabilityRule::StartMinute)
                                    .lt(Expr::col(AvailabilityRule::EndMinute)),
                            )
                            .and(Expr::col(AvailabilityRule::EndMinute).lte(24 * 60)),
                    ))
                    .check(check(
                        AvailabilityRule::Table,
                        "validity",
                        Expr::col(AvailabilityRule::ValidFrom)
                            .is_null()
                            .or(Expr::col(AvailabilityRule::ValidUntil).is_null())
                            .or(Expr::col(AvailabilityRule::ValidFrom)
                                .lte(Expr::col(AvailabilityRule::ValidUntil))),
                    ))
                    .foreign_key(&mut fk(
                        AvailabilityRule::Table,
                        AvailabilityRule::InterpreterId,
                        Interpreter::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        AvailabilityRule::Table,
                        AvailabilityRule::SiteId,
                        Site::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(AvailabilityRule::Table, &[AvailabilityRule::InterpreterId], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Absence::Table)
                    .col(id(Absence::Id))
                    .col(reference(Absence::InterpreterId))
                    .col(instant(Absence::StartsAt))
                    .col(instant(Absence::EndsAt))
                    .col(string(Absence::Reason))
                    .col(instant(Absence::CreatedAt))
                    .check(one_of(Absence::Table, Absence::Reason, &["vacation", "sick", "other"]))
                    .check(check(
                        Absence::Table,
                        "period",
                        Expr::col(Absence::StartsAt).lt(Expr::col(Absence::EndsAt)),
                    ))
                    .foreign_key(&mut fk(
                        Absence::Table,
                        Absence::InterpreterId,
                        Interpreter::Table,
                        true,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                Absence::Table,
                &[Absence::InterpreterId, Absence::StartsAt],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Absence::Table.into_iden(),
            AvailabilityRule::Table.into_iden(),
            InterpreterLanguage::Table.into_iden(),
            Interpreter::Table.into_iden(),
            Language::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
