//! `planning_run_unfilled`: Why a planning run left an appointment unfilled.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "planning_run_unfilled")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub planning_run_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_id: i64,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::planning_run::Entity",
        from = "Column::PlanningRunId",
        to = "super::planning_run::Column::Id"
    )]
    PlanningRun,
    #[sea_orm(
        belongs_to = "super::appointment::Entity",
        from = "Column::AppointmentId",
        to = "super::appointment::Column::Id"
    )]
    Appointment,
}

impl ActiveModelBehavior for ActiveModel {}
