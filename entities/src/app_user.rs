//! `app_user`: A user account. Roles live in `user_role`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub site_id: Option<i64>,
    pub password_hash: Option<String>,
    pub locale: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// SHA-256 of the secret calendar-feed token, if a feed is on.
    pub calendar_token_digest: Option<String>,
    /// The feed also shows proposals, as tentative.
    pub calendar_with_proposals: bool,
    /// Kinds of messages turned off, comma-separated (`proposal,reminder`).
    pub notifications_off: String,
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
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id"
    )]
    Site,
}

impl ActiveModelBehavior for ActiveModel {}
