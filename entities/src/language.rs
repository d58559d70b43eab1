//! `language`: A language of the organisation's list, by BCP 47 tag, with an optional macrolanguage fallback.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "language")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub tag: String,
    pub name_de: String,
    pub name_en: String,
    pub fallback_id: Option<i64>,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    #[sea_orm(belongs_to = "Entity", from = "Column::FallbackId", to = "Column::Id")]
    Fallback,
}

impl ActiveModelBehavior for ActiveModel {}
