//! `site_travel`: Travel minutes between two sites of an organisation, once per pair.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "site_travel")]
pub struct Model {
    pub organisation_id: i64,
    /// The smaller of the two site ids.
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_site_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub to_site_id: i64,
    pub minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
