//! `training_participation`: Participants of a training from one department.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "training_participation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub training_id: i64,
    pub department: String,
    pub participants: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::training::Entity",
        from = "Column::TrainingId",
        to = "super::training::Column::Id"
    )]
    Training,
}

impl ActiveModelBehavior for ActiveModel {}
