//! Pseudonymous clients, the course catalogue, language-course and recognition referrals with
//! their step history, and the intercultural trainings held.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, date, date_null, integer, integer_null, string, string_null,
};

use crate::m20261122_000001_accounts::{AppUser, Organisation, Site};
use crate::m20261122_000002_pool::{Interpreter, Language};
use crate::util::{LEVELS, check, fk, flag, id, index, instant, one_of, reference, reference_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Client {
    Table,
    Id,
    OrganisationId,
    Reference,
    GenderPreference,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClientLanguage {
    Table,
    ClientId,
    LanguageId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClientExclusion {
    Table,
    ClientId,
    InterpreterId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseProvider {
    Table,
    Id,
    OrganisationId,
    Name,
    Address,
    Contact,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Course {
    Table,
    Id,
    OrganisationId,
    ProviderId,
    Programme,
    TargetLevel,
    TeachingUnits,
    StartsOn,
    EndsOn,
    RegistrationDeadline,
    RollingEntry,
    Schedule,
    TimeOfDay,
    SiteId,
    Address,
    Seats,
    FreeSeats,
    Childcare,
    KursnetRef,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum CourseReferral {
    Table,
    Id,
    OrganisationId,
    ClientId,
    CaseworkerId,
    CourseId,
    Programme,
    CurrentLevel,
    TargetLevel,
    LegalBasis,
    Status,
    WaitingPosition,
    ExamResult,
    StatusChangedAt,
    FollowUpOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum RecognitionReferral {
    Table,
    Id,
    OrganisationId,
    ClientId,
    CaseworkerId,
    ReferenceOccupation,
    Country,
    QualificationType,
    Regulated,
    CompetentBody,
    Status,
    Outcome,
    StatusChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReferralStep {
    Table,
    Id,
    OrganisationId,
    CourseReferralId,
    RecognitionReferralId,
    Status,
    At,
    ActorUserId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Training {
    Table,
    Id,
    OrganisationId,
    Title,
    StartsOn,
    EndsOn,
    DurationMinutes,
    Trainer,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrainingParticipation {
    Table,
    Id,
    TrainingId,
    Department,
    Participants,
}

/// Integrationskurs and Berufssprachkurs programmes (BAMF).
const PROGRAMMES: &[&str] = &[
    "integration_general",
    "integration_literacy",
    "integration_second_script",
    "integration_intensive",
    "integration_youth",
    "integration_parents",
    "integration_women",
    "job_b1_b2",
    "job_b2_c1",
    "job_c1_c2",
    "job_special_a2",
    "job_special_b1",
    "job_vocational",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        clients(manager).await?;
        courses(manager).await?;
        referrals(manager).await?;
        trainings(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TrainingParticipation::Table.into_iden(),
            Training::Table.into_iden(),
            ReferralStep::Table.into_iden(),
            RecognitionReferral::Table.into_iden(),
            CourseReferral::Table.into_iden(),
            Course::Table.into_iden(),
            CourseProvider::Table.into_iden(),
            ClientExclusion::Table.into_iden(),
            ClientLanguage::Table.into_iden(),
            Client::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

async fn clients(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Client::Table)
                .col(id(Client::Id))
                .col(reference(Client::OrganisationId))
                .col(string(Client::Reference))
                .col(string_null(Client::GenderPreference))
                .col(instant(Client::CreatedAt))
                .col(instant(Client::UpdatedAt))
                .check(one_of(Client::Table, Client::GenderPreference, &["f", "m", "d"]))
                .foreign_key(&mut fk(
                    Client::Table,
                    Client::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(Client::Table, &[Client::OrganisationId, Client::Reference], true))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(ClientLanguage::Table)
                .col(reference(ClientLanguage::ClientId))
                .col(reference(ClientLanguage::LanguageId))
                .primary_key(
                    Index::create().col(ClientLanguage::ClientId).col(ClientLanguage::LanguageId),
                )
                .foreign_key(&mut fk(
                    ClientLanguage::Table,
                    ClientLanguage::ClientId,
                    Client::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    ClientLanguage::Table,
                    ClientLanguage::LanguageId,
                    Language::Table,
                    false,
                ))
                .take(),
        )
        .await?;

    manager
        .create_table(
            Table::create()
                .table(ClientExclusion::Table)
                .col(reference(ClientExclusion::ClientId))
                .col(reference(ClientExclusion::InterpreterId))
                .col(string_null(ClientExclusion::Reason))
                .col(instant(ClientExclusion::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(ClientExclusion::ClientId)
                        .col(ClientExclusion::InterpreterId),
                )
                .foreign_key(&mut fk(
                    ClientExclusion::Table,
                    ClientExclusion::ClientId,
                    Client::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    ClientExclusion::Table,
                    ClientExclusion::InterpreterId,
                    Interpreter::Table,
                    true,
                ))
                .take(),
        )
        .await
}

async fn courses(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CourseProvider::Table)
                .col(id(CourseProvider::Id))
                .col(reference(CourseProvider::OrganisationId))
                .col(string(CourseProvider::Name))
                .col(string_null(CourseProvider::Address))
                .col(string_null(CourseProvider::Contact))
                .col(instant(CourseProvider::CreatedAt))
                .foreign_key(&mut fk(
                    CourseProvider::Table,
                    CourseProvider::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            CourseProvider::Table,
            &[CourseProvider::OrganisationId, CourseProvider::Name],
            true,
        ))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(Course::Table)
                .col(id(Course::Id))
                .col(reference(Course::OrganisationId))
                .col(reference(Course::ProviderId))
                .col(string(Course::Programme))
                .col(string(Course::TargetLevel))
                .col(integer(Course::TeachingUnits))
                .col(date(Course::StartsOn))
                .col(date_null(Course::EndsOn))
                .col(date_null(Course::RegistrationDeadline))
                .col(flag(Course::RollingEntry, false))
                .col(string(Course::Schedule))
                .col(string(Course::TimeOfDay))
                .col(reference_null(Course::SiteId))
                .col(string_null(Course::Address))
                .col(integer(Course::Seats))
                .col(integer(Course::FreeSeats))
                .col(flag(Course::Childcare, false))
                .col(string_null(Course::KursnetRef))
                .col(instant(Course::CreatedAt))
                .col(instant(Course::UpdatedAt))
                .check(one_of(Course::Table, Course::Programme, PROGRAMMES))
                .check(one_of(Course::Table, Course::TargetLevel, LEVELS))
                .check(one_of(Course::Table, Course::Schedule, &["full_time", "part_time"]))
                .check(one_of(
                    Course::Table,
                    Course::TimeOfDay,
                    &["morning", "afternoon", "evening"],
                ))
                .check(check(Course::Table, "units", Expr::col(Course::TeachingUnits).gt(0)))
                .check(check(
                    Course::Table,
                    "seats",
                    Expr::col(Course::FreeSeats)
                        .gte(0)
                        .and(Expr::col(Course::FreeSeats).lte(Expr::col(Course::Seats))),
                ))
                .check(check(
                    Course::Table,
                    "dates",
                    Expr::col(Course::EndsOn)
                        .is_null()
                        .or(Expr::col(Course::StartsOn).lte(Expr::col(Course::EndsOn))),
                ))
                .foreign_key(&mut fk(
                    Course::Table,
                    Course::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    Course::Table,
                    Course::ProviderId,
                    CourseProvider::Table,
                    false,
                ))
                .foreign_key(&mut fk(Course::Table, Course::SiteId, Site::Table, false))
                .take(),
        )
        .await?;
    manager
        .create_index(index(Course::Table, &[Course::OrganisationId, Course::StartsOn], false))
        .await
}

async fn referrals(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CourseReferral::Table)
                .col(id(CourseReferral::Id))
                .col(reference(CourseReferral::OrganisationId))
                .col(reference(CourseReferral::ClientId))
                .col(reference(CourseReferral::CaseworkerId))
                .col(reference_null(CourseReferral::CourseId))
                .col(string(CourseReferral::Programme))
                .col(string_null(CourseReferral::CurrentLevel))
                .col(string(CourseReferral::TargetLevel))
                .col(string(CourseReferral::LegalBasis))
                .col(string(CourseReferral::Status))
                .col(integer_null(CourseReferral::WaitingPosition))
                .col(string_null(CourseReferral::ExamResult))
                .col(instant(CourseReferral::StatusChangedAt))
                .col(date_null(CourseReferral::FollowUpOn))
                .col(instant(CourseReferral::CreatedAt))
                .col(instant(CourseReferral::UpdatedAt))
                .check(one_of(CourseReferral::Table, CourseReferral::Programme, PROGRAMMES))
                .check(one_of(CourseReferral::Table, CourseReferral::CurrentLevel, LEVELS))
                .check(one_of(CourseReferral::Table, CourseReferral::TargetLevel, LEVELS))
                .check(one_of(
                    CourseReferral::Table,
                    CourseReferral::LegalBasis,
                    &["entitlement", "obligation", "admission", "self_payer"],
                ))
                .check(one_of(
                    CourseReferral::Table,
                    CourseReferral::Status,
                    &[
                        "advised",
                        "voucher_issued",
                        "registered",
                        "placed",
                        "waiting",
                        "running",
                        "interrupted",
                        "dropped",
                        "exam",
                        "completed",
                    ],
                ))
                .check(one_of(
                    CourseReferral::Table,
                    CourseReferral::ExamResult,
                    &[
                        "dtz_b1",
                        "dtz_a2",
                        "dtz_below_a2",
                        "dtb_a2",
                        "dtb_b1",
                        "dtb_b2",
                        "dtb_c1",
                        "dtb_c2",
                        "dtb_not_passed",
                    ],
                ))
                .check(check(
                    CourseReferral::Table,
                    "waiting_position",
                    Expr::col(CourseReferral::WaitingPosition)
                        .is_null()
                        .or(Expr::col(CourseReferral::WaitingPosition).gt(0)),
                ))
                .foreign_key(&mut fk(
                    CourseReferral::Table,
                    CourseReferral::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    CourseReferral::Table,
                    CourseReferral::ClientId,
                    Client::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    CourseReferral::Table,
                    CourseReferral::CaseworkerId,
                    AppUser::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    CourseReferral::Table,
                    CourseReferral::CourseId,
                    Course::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            CourseReferral::Table,
            &[CourseReferral::OrganisationId, CourseReferral::Status],
            false,
        ))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(RecognitionReferral::Table)
                .col(id(RecognitionReferral::Id))
                .col(reference(RecognitionReferral::OrganisationId))
                .col(reference(RecognitionReferral::ClientId))
                .col(reference(RecognitionReferral::CaseworkerId))
                .col(string(RecognitionReferral::ReferenceOccupation))
                .col(string(RecognitionReferral::Country))
                .col(string(RecognitionReferral::QualificationType))
                .col(boolean(RecognitionReferral::Regulated))
                .col(string_null(RecognitionReferral::CompetentBody))
                .col(string(RecognitionReferral::Status))
                .col(string_null(RecognitionReferral::Outcome))
                .col(instant(RecognitionReferral::StatusChangedAt))
                .col(instant(RecognitionReferral::CreatedAt))
                .col(instant(RecognitionReferral::UpdatedAt))
                .check(one_of(
                    RecognitionReferral::Table,
                    RecognitionReferral::QualificationType,
                    &["academic", "vocational", "school", "other"],
                ))
                .check(one_of(
                    RecognitionReferral::Table,
                    RecognitionReferral::Status,
                    &[
                        "referred",
                        "counselled",
                        "documents",
                        "funding",
                        "applied",
                        "complete",
                        "decided",
                    ],
                ))
                .check(one_of(
                    RecognitionReferral::Table,
                    RecognitionReferral::Outcome,
                    &[
                        "full",
                        "partial",
                        "compensation_measure",
                        "none",
                        "zab_statement",
                        "withdrawn",
                    ],
                ))
                .check(check(
                    RecognitionReferral::Table,
                    "country",
                    Func::char_length(Expr::col(RecognitionReferral::Country)).eq(2),
                ))
                .foreign_key(&mut fk(
                    RecognitionReferral::Table,
                    RecognitionReferral::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    RecognitionReferral::Table,
                    RecognitionReferral::ClientId,
                    Client::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    RecognitionReferral::Table,
                    RecognitionReferral::CaseworkerId,
                    AppUser::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            RecognitionReferral::Table,
            &[RecognitionReferral::OrganisationId, RecognitionReferral::Status],
            false,
        ))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(ReferralStep::Table)
                .col(id(ReferralStep::Id))
                .col(reference(ReferralStep::OrganisationId))
                .col(reference_null(ReferralStep::CourseReferralId))
                .col(reference_null(ReferralStep::RecognitionReferralId))
                .col(string(ReferralStep::Status))
                .col(instant(ReferralStep::At))
                .col(reference_null(ReferralStep::ActorUserId))
                .check(check(
                    ReferralStep::Table,
                    "one_referral",
                    Expr::col(ReferralStep::CourseReferralId)
                        .is_null()
                        .ne(Expr::col(ReferralStep::RecognitionReferralId).is_null()),
                ))
                .foreign_key(&mut fk(
                    ReferralStep::Table,
                    ReferralStep::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .foreign_key(&mut fk(
                    ReferralStep::Table,
                    ReferralStep::CourseReferralId,
                    CourseReferral::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    ReferralStep::Table,
                    ReferralStep::RecognitionReferralId,
                    RecognitionReferral::Table,
                    true,
                ))
                .foreign_key(&mut fk(
                    ReferralStep::Table,
                    ReferralStep::ActorUserId,
                    AppUser::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(ReferralStep::Table, &[ReferralStep::CourseReferralId], false))
        .await?;
    manager
        .create_index(index(ReferralStep::Table, &[ReferralStep::RecognitionReferralId], false))
        .await
}

async fn trainings(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Training::Table)
                .col(id(Training::Id))
                .col(reference(Training::OrganisationId))
                .col(string(Training::Title))
                .col(date(Training::StartsOn))
                .col(date(Training::EndsOn))
                .col(integer(Training::DurationMinutes))
                .col(string_null(Training::Trainer))
                .col(instant(Training::CreatedAt))
                .check(check(
                    Training::Table,
                    "dates",
                    Expr::col(Training::StartsOn).lte(Expr::col(Training::EndsOn)),
                ))
                .check(check(
                    Training::Table,
                    "duration",
                    Expr::col(Training::DurationMinutes).gt(0),
                ))
                .foreign_key(&mut fk(
                    Training::Table,
                    Training::OrganisationId,
                    Organisation::Table,
                    false,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            Training::Table,
            &[Training::OrganisationId, Training::StartsOn],
            false,
        ))
        .await?;

    manager
        .create_table(
            Table::create()
                .table(TrainingParticipation::Table)
                .col(id(TrainingParticipation::Id))
                .col(reference(TrainingParticipation::TrainingId))
                .col(string(TrainingParticipation::Department))
                .col(integer(TrainingParticipation::Participants))
                .check(check(
                    TrainingParticipation::Table,
                    "participants",
                    Expr::col(TrainingParticipation::Participants).gt(0),
                ))
                .foreign_key(&mut fk(
                    TrainingParticipation::Table,
                    TrainingParticipation::TrainingId,
                    Training::Table,
                    true,
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(index(
            TrainingParticipation::Table,
            &[TrainingParticipation::TrainingId, TrainingParticipation::Department],
            true,
        ))
        .await
}
