//! `availability_rule`: A weekly availability window: local weekday (1 = Monday) and local minutes since midnight.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "availability_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub interpreter_id: i64,
    pub weekday: i16,
    pub start_minute: i32,
    pub end_minute: i32,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub site_id: Option<i64>,
    pub remote_only: bool,
    pub timezone: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::interpreter::Entity",
        from = "Column::InterpreterId",
        to = "super::interpreter::Column::Id"
    )]
    Interpreter,
    #[sea_orm(
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id"
    )]
    Site,
}

impl ActiveModelBehavior for ActiveModel {}
