//! `assignment`: A volunteer assigned to an appointment: proposed, then confirmed or declined.
//!
//! The table also holds a copy of the appointment's start and end (`appointment_starts_at`,
//! `appointment_ends_at`) for reading a volunteer's work in a period by index. The database
//! writes it (migration `assignment_period`); the service only reads it, in
//! `repo::booking::live_work_between`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub appointment_id: i64,
    pub interpreter_id: i64,
    pub planning_run_id: Option<i64>,
    pub status: String,
    pub decline_reason: Option<String>,
    pub version: i32,
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
        belongs_to = "super::appointment::Entity",
        from = "Column::AppointmentId",
        to = "super::appointment::Column::Id"
    )]
    Appointment,
    #[sea_orm(
        belongs_to = "super::interpreter::Entity",
        from = "Column::InterpreterId",
        to = "super::interpreter::Column::Id"
    )]
    Interpreter,
    #[sea_orm(
        belongs_to = "super::planning_run::Entity",
        from = "Column::PlanningRunId",
        to = "super::planning_run::Column::Id"
    )]
    PlanningRun,
}

impl ActiveModelBehavior for ActiveModel {}
