//! `referral_step`: One status step of a course or recognition referral, with its date.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "referral_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub course_referral_id: Option<i64>,
    pub recognition_referral_id: Option<i64>,
    pub status: String,
    pub at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
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
        belongs_to = "super::app_user::Entity",
        from = "Column::ActorUserId",
        to = "super::app_user::Column::Id"
    )]
    AppUser,
}

impl ActiveModelBehavior for ActiveModel {}
