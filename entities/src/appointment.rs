//! `appointment`: An interpreter request for a counselling appointment.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "appointment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub caseworker_id: i64,
    pub client_id: i64,
    pub series_id: Option<i64>,
    pub course_referral_id: Option<i64>,
    pub recognition_referral_id: Option<i64>,
    pub language_id: i64,
    pub min_level: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub mode: String,
    pub site_id: Option<i64>,
    pub kind: String,
    pub priority: i32,
    pub sensitive: bool,
    pub gender_preference: Option<String>,
    pub status: String,
    pub unfilled_reason: Option<String>,
    pub fallback_kind: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub fallback_note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub unfilled_detail: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Local date of the start (Europe/Berlin).
    pub local_date: Date,
    /// ISO week of `local_date` as year × 100 + week, e.g. 202648.
    pub local_week: i32,
    pub duration_minutes: i32,
    /// Minutes from the booking to the start.
    pub lead_minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    #[sea_orm(
        belongs_to = "super::app_user::Entity",
        from = "Column::CaseworkerId",
        to = "super::app_user::Column::Id"
    )]
    AppUser,
    #[sea_orm(
        belongs_to = "super::client::Entity",
        from = "Column::ClientId",
        to = "super::client::Column::Id"
    )]
    Client,
    #[sea_orm(
        belongs_to = "super::appointment_series::Entity",
        from = "Column::SeriesId",
        to = "super::appointment_series::Column::Id"
    )]
    AppointmentSeries,
    #[sea_orm(
        belongs_to = "super::course_referral::Entity",
        from = "Column::CourseReferralId",
        to = "super::course_referral::Column::Id"
    )]
    CourseReferral,
    #[sea_orm(
        belongs_to = "super::recognition_referral::Entity",
        from = "Column::RecognitionReferralId",
        to = "super::recognition_referral::Column::Id"
    )]
    RecognitionReferral,
    #[sea_orm(
        belongs_to = "super::language::Entity",
        from = "Column::LanguageId",
        to = "super::language::Column::Id"
    )]
    Language,
    #[sea_orm(
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id"
    )]
    Site,
}

impl ActiveModelBehavior for ActiveModel {}
