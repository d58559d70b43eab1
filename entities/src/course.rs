//! `course`: A language course (Integrationskurs or Berufssprachkurs) of a provider.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "course")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub provider_id: i64,
    pub programme: String,
    pub target_level: String,
    pub teaching_units: i32,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub registration_deadline: Option<Date>,
    pub rolling_entry: bool,
    pub schedule: String,
    pub time_of_day: String,
    pub site_id: Option<i64>,
    pub address: Option<String>,
    pub seats: i32,
    pub free_seats: i32,
    pub childcare: bool,
    pub kursnet_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "super::course_provider::Entity",
        from = "Column::ProviderId",
        to = "super::course_provider::Column::Id"
    )]
    CourseProvider,
    #[sea_orm(
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id"
    )]
    Site,
}

impl ActiveModelBehavior for ActiveModel {}
