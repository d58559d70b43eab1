//! `interpreter_language`: A language a volunteer interprets, at a CEFR level or native.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "interpreter_language")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub interpreter_id: i64,
    pub language_id: i64,
    pub level: String,
    pub written: bool,
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
        belongs_to = "super::language::Entity",
        from = "Column::LanguageId",
        to = "super::language::Column::Id"
    )]
    Language,
}

impl ActiveModelBehavior for ActiveModel {}
