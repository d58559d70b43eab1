//! Login sessions: created at login, looked up by the hash of their token, revoked at logout.

use chrono::{DateTime, Utc};
use entities::{app_user, session, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
};

/// Stores a new session and returns it.
///
/// # Errors
/// Database errors.
pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: i64,
    token_hash: String,
    kind: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<session::Model, DbErr> {
    session::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        kind: Set(kind.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_seen_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A live session with its user and one of the user's roles: a row per role, or one row
/// without a role for a user who holds none.
#[derive(Debug, FromQueryResult)]
pub struct SessionUserRole {
    pub session_id: i64,
    pub last_seen_at: DateTime<Utc>,
    pub user_id: i64,
    pub organisation_id: i64,
    pub username: String,
    pub display_name: String,
    pub locale: String,
    pub active: bool,
    pub role: Option<String>,
}

/// The unrevoked session of this token hash and kind that has not reached its expiry, with its
/// user and their roles, in one query: every request with a token asks this before anything
/// else. No rows if there is no such session.
///
/// # Errors
/// Database errors.
pub async fn find_live(
    db: &impl ConnectionTrait,
    token_hash: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Vec<SessionUserRole>, DbErr> {
    session::Entity::find()
        .select_only()
        .column_as(session::Column::Id, "session_id")
        .column(session::Column::LastSeenAt)
        .column(session::Column::UserId)
        .column(app_user::Column::OrganisationId)
        .column(app_user::Column::Username)
        .column(app_user::Column::DisplayName)
        .column(app_user::Column::Locale)
        .column(app_user::Column::Active)
        .column(user_role::Column::Role)
        .join(JoinType::InnerJoin, session::Relation::AppUser.def())
        .join(JoinType::LeftJoin, user_role::Relation::AppUser.def().rev())
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::Kind.eq(kind))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        // A token's hash names one session; the order only makes the rows' order certain.
        .order_by_asc(session::Column::Id)
        .into_model::<SessionUserRole>()
        .all(db)
        .await
}

/// Records that the session was used.
///
/// # Errors
/// Database errors.
pub async fn touch(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Revokes one session.
///
/// # Errors
/// Database errors.
pub async fn revoke(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// Revokes every live session of a user but `keep`: the user changed their own password.
///
/// # Errors
/// Database errors.
pub async fn revoke_others_of_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.ne(keep))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}

/// Revokes every session of a user (deactivation, password change).
///
/// # Errors
/// Database errors.
pub async fn revoke_all_of_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}
