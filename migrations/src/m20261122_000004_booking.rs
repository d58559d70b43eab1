//! Booking: appointment series, appointments (the interpreter requests), assignments of volunteers,
//! planning runs of the optimiser with the reason for every unfilled request, and the outbox of
//! notifications.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, date, double_null, integer, integer_null, string, string_null, text,
    text_null,
};

use crate::m20261122_000001_accounts::{AppUser, Organisation, Site};
use crate::m20261122_000002_pool::{Interpreter, Language};
use crate::m20261122_000003_clients_referrals::{Client, CourseReferral, RecognitionReferral};
use crate::util::{
    LEVELS, check, fk, flag, id, index, instant, instant_null, one_of, reference, reference_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AppointmentSeries {
    Table,
    Id,
    OrganisationId,
    EveryWeeks,
    Until,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Appointment {
    Table,
    Id,
    OrganisationId,
    CaseworkerId,
    ClientId,
    SeriesId,
    CourseReferralId,
    RecognitionReferralId,
    LanguageId,
    MinLevel,
    StartsAt,
    EndsAt,
    Mode,
    SiteId,
    Kind,
    Priority,
    Sensitive,
    GenderPreference,
    Status,
    UnfilledReason,
    FallbackKind,
    FallbackNote,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Assignment {
    Table,
    Id,
    OrganisationId,
    AppointmentId,
    InterpreterId,
    PlanningRunId,
    Status,
    DeclineReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanningRun {
    Table,
    Id,
    OrganisationId,
    StartedBy,
    StartedAt,
    FinishedAt,
    HorizonStart,
    HorizonEnd,
    Status,
    SolverStatus,
    Appointments,
    Assigned,
    CoveredPriority,
    Bound,
    Gap,
    DurationMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanningRunUnfilled {
    Table,
    PlanningRunId,
    AppointmentId,
    Reason,
}

#[derive(DeriveIden, Clone, Copy)]
enum Outbox {
    Table,
    Id,
    OrganisationId,
    RecipientUserId,
    Kind,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

const UNFILLED_REASONS: &[&str] =
    &["sensitive_topic", "no_speaker", "no_eligible_interpreter", "capacity"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        appointments(manager).await?;
        planning(manager).await?;
        outbox(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            PlanningRunUnfilled::Table.into_iden(),
            Assignment::Table.into_iden(),
            PlanningRun::Table.into_iden(),
            Appointment::Table.into_iden(),
            AppointmentSeries::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

async fn appointments(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AppointmentSeries::Table)
                .col(id(AppointmentSeries::Id))
                .col(reference(AppointmentSeries::OrganisationId))
                .col(integer(AppointmentSeries::EveryWeeks).default(1))
                .col(date(AppointmentSeries::Until))
                .col(instant(AppointmentSeries::CreatedAt))
                .check(check(
                    AppointmentSeries::Table,
                    "every_weeks",
                    Expr::col(AppointmentSeries::EveryWeeks).between(1, 52),
                ))
                .foreign_key(&mut fk(
                    AppointmentSeries::Table,
                    AppointmentSeries::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .take(),
        )
        .await?;

    manager
        .create_table(
            Table::create()
                .table(Appointment::Table)
                .col(id(Appointment::Id))
                .col(reference(Appointment::OrganisationId))
                .col(reference(Appointment::CaseworkerId))
                .col(reference(Appointment::ClientId))
                .col(reference_null(Appointment::SeriesId))
                .col(reference_null(Appointment::CourseReferralId))
                .col(reference_null(Appointment::RecognitionReferralId))
                .col(reference(Appointment::LanguageId))
                .col(string(Appointment::MinLevel))
                .col(instant(Appointment::StartsAt))
                .col(instant(Appointment::EndsAt))
                .col(string(Appointment::Mode))
                .col(reference_null(Appointment::SiteId))
                .col(string(Appointment::Kind))
                .col(integer(Appointment::Priority))
                .col(flag(Appointment::Sensitive, false))
                .col(string_null(Appointment::GenderPreference))
                .col(string(Appointment::Status).default("open"))
                .col(string_null(Appointment::UnfilledReason))
                .col(string_null(Appointment::FallbackKind))
                .col(text_null(Appointment::FallbackNote))
                .col(integer(Appointment::Version).default(0))
                .col(instant(Appointment::CreatedAt))
                .col(instant(Appointment::UpdatedAt))
                .check(one_of(Appointment::Table, Appointment::MinLevel, LEVELS))
                .check(one_of(
                    Appointment::Table,
                    Appointment::Mode,
                    &["in_person", "phone", "video"],
                ))
                .check(one_of(
                    Appointment::Table,
                    Appointment::Kind,
                    &[
                        "first_interview",
                        "counselling",
                        "benefits",
                        "placement",
                        "language_course_advice",
                        "recognition_advice",
                        "other",
                    ],
                ))
                .check(one_of(
                    Appointment::Table,
                    Appointment::Status,
                    &[
                        "open",
                        "proposed",
                        "confirmed",
                        "held",
                        "client_no_show",
                        "cancelled",
                        "unfilled",
                        "fallback",
                    ],
                ))
                .check(one_of(Appointment::Table, Appointment::GenderPreference, &["f", "m", "d"]))
                .check(one_of(Appointment::Table, Appointment::UnfilledReason, UNFILLED_REASONS))
                .check(one_of(
                    Appointment::Table,
                    Appointment::FallbackKind,
                    &["phone_video_service", "paid_interpreter", "bridge_language"],
                ))
                .check(check(
                    Appointment::Table,
                    "priority",
                    Expr::col(Appointment::Priority).between(1, 5),
                ))
                .check(check(
                    Appointment::Table,
                    "period",
                    Expr::col(Appointment::StartsAt).lt(Expr::col(Appointment::EndsAt)),
                ))
                .check(check(
                    Appointment::Table,
                    "site_in_person",
                    Expr::col(Appointment::Mode)
                        .ne("in_person")
                        .or(Expr::col(Appointment::SiteId).is_not_null()),
                ))
                .check(check(
                    Appointment::Table,
                    "fallback",
                    Expr::col(Appointment::Status)
                        .ne("fallback")
                        .or(Expr::col(Appointment::FallbackKind).is_not_null()),
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::CaseworkerId,
                    AppUser::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::ClientId,
                    Client::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::SeriesId,
                    AppointmentSeries::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::CourseReferralId,
                    CourseReferral::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::RecognitionReferralId,
                    RecognitionReferral::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Appointment::Table,
                    Appointment::LanguageId,
                    Language::Table,
                    false,
                ))
                .foreign_key(&mut fk(Appointment::Table, Appointment::SiteId, Site::Table, false))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            Appointment::Table,
            &[Appointment::OrganisationId, Appointment::StartsAt],
            false,
        ))
        .await?;
    manager.create_index(index(Appointment::Table, &[Appointment::ClientId], false)).await?;
    manager.create_index(index(Appointment::Table, &[Appointment::SeriesId], false)).await
}

async fn planning(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PlanningRun::Table)
                .col(id(PlanningRun::Id))
                .col(reference(PlanningRun::OrganisationId))
                .col(reference_null(PlanningRun::StartedBy))
                .col(instant(PlanningRun::StartedAt))
                .col(instant_null(PlanningRun::FinishedAt))
                .col(instant(PlanningRun::HorizonStart))
                .col(instant(PlanningRun::HorizonEnd))
                .col(string(PlanningRun::Status))
                .col(string_null(PlanningRun::SolverStatus))
                .col(integer(PlanningRun::Appointments).default(0))
                .col(integer(PlanningRun::Assigned).default(0))
                .col(integer_null(PlanningRun::CoveredPriority))
                .col(integer_null(PlanningRun::Bound))
                .col(double_null(PlanningRun::Gap))
                .col(big_integer_null(PlanningRun::DurationMs))
                .check(one_of(
                    PlanningRun::Table,
                    PlanningRun::Status,
                    &["running", "applied", "discarded", "failed"],
                ))
                .check(one_of(
                    PlanningRun::Table,
                    PlanningRun::SolverStatus,
                    &["optimal", "time_limit", "heuristic"],
                ))
                .check(check(
                    PlanningRun::Table,
                    "horizon",
                    Expr::col(PlanningRun::HorizonStart).lt(Expr::col(PlanningRun::HorizonEnd)),
                ))
                .foreign_key(&mut fk(
                    PlanningRun::Table,
                    PlanningRun::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    PlanningRun::Table,
                    PlanningRun::StartedBy,
                    AppUser::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            PlanningRun::Table,
            &[PlanningRun::OrganisationId, PlanningRun::StartedAt],
            false,
        ))
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Assignment::Table)
                .col(id(Assignment::Id))
                .col(reference(Assignment::OrganisationId))
                .col(reference(Assignment::AppointmentId))
                .col(reference(Assignment::InterpreterId))
                .col(reference_null(Assignment::PlanningRunId))
                .col(string(Assignment::Status))
                .col(string_null(Assignment::DeclineReason))
                .col(integer(Assignment::Version).default(0))
                .col(instant(Assignment::CreatedAt))
                .col(instant(Assignment::UpdatedAt))
                .check(one_of(
                    Assignment::Table,
                    Assignment::Status,
                    &["proposed", "confirmed", "declined", "withdrawn", "cancelled"],
                ))
                .foreign_key(&mut fk(
                    Assignment::Table,
                    Assignment::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Assignment::Table,
                    Assignment::AppointmentId,
                    Appointment::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    Assignment::Table,
                    Assignment::InterpreterId,
                    Interpreter::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Assignment::Table,
                    Assignment::PlanningRunId,
                    PlanningRun::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    // At most one live (proposed or confirmed) assignment per appointment: the database, not
    // the application, is what makes a double booking impossible under concurrent requests.
    manager
        .create_index(
            Index::create()
                .name("uq_assignment_live_appointment")
                .table(Assignment::Table)
                .col(Assignment::AppointmentId)
                .unique()
                .and_where(Expr::col(Assignment::Status).is_in(["proposed", "confirmed"]))
                .take(),
        )
        .await?;
    manager.create_index(index(Assignment::Table, &[Assignment::AppointmentId], false)).await?;
    manager
        .create_index(index(
            Assignment::Table,
            &[Assignment::InterpreterId, Assignment::Status],
            false,
        ))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(PlanningRunUnfilled::Table)
                .col(reference(PlanningRunUnfilled::PlanningRunId))
                .col(reference(PlanningRunUnfilled::AppointmentId))
                .col(string(PlanningRunUnfilled::Reason))
                .primary_key(
                    Index::create()
                        .col(PlanningRunUnfilled::PlanningRunId)
                        .col(PlanningRunUnfilled::AppointmentId),
                )
                .check(one_of(
                    PlanningRunUnfilled::Table,
                    PlanningRunUnfilled::Reason,
                    UNFILLED_REASONS,
                ))
                .foreign_key(&mut fk(
                    PlanningRunUnfilled::Table,
                    PlanningRunUnfilled::PlanningRunId,
                    PlanningRun::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    PlanningRunUnfilled::Table,
                    PlanningRunUnfilled::AppointmentId,
                    Appointment::Table,
                    true,
                ))
                .take(),
        )
        .await
}

async fn outbox(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Outbox::Table)
                .col(id(Outbox::Id))
                .col(reference(Outbox::OrganisationId))
                .col(reference_null(Outbox::RecipientUserId))
                .col(string(Outbox::Kind))
                .col(text(Outbox::Payload))
                .col(string(Outbox::Status).default("pending"))
                .col(integer(Outbox::Attempts).default(0))
                .col(instant(Outbox::NextAttemptAt))
                .col(instant_null(Outbox::LockedUntil))
                .col(text_null(Outbox::LastError))
                .col(instant(Outbox::CreatedAt))
                .col(instant_null(Outbox::SentAt))
                .check(one_of(Outbox::Table, Outbox::Status, &["pending", "sent", "parked"]))
                .check(check(Outbox::Table, "attempts", Expr::col(Outbox::Attempts).gte(0)))
                .foreign_key(&mut fk(
                    Outbox::Table,
                    Outbox::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(Outbox::Table, Outbox::RecipientUserId, AppUser::Table, true))
                .take(),
        )
        .await?;
    manager
        .create_index(index(Outbox::Table, &[Outbox::Status, Outbox::NextAttemptAt], false))
        .await
}
