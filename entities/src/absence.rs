//! `absence`: A period in which a volunteer is not available (half-open, UTC).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "absence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub interpreter_id: i64,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub reason: String,
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
}

impl ActiveModelBehavior for ActiveModel {}
