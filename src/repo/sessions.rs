//! Login sessions: created at login, looked up by the hash of their token, revoked at logout.

use chrono::{DateTime, Utc};
use entities::session;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::repo::First;

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

/// The unrevoked session of this token hash and kind that has not reached its expiry.
///
/// # Errors
/// Database errors.
pub async fn find_live(
    db: &impl ConnectionTrait,
    token_hash: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::Kind.eq(kind))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .first(db)
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
