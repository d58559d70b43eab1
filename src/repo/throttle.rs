//! The lock per username across all addresses and instances: failed logins counted in the
//! database under a digest of the normalised username (never the text sent), whether or not
//! such a user exists, so that the answer never reveals which usernames are real.
//!
//! An attempt is counted before its password is checked, in one statement, so that parallel
//! attempts are all counted; a successful login clears the count. Rows go once their window
//! has passed and they hold no lock.

use chrono::{DateTime, Utc};
use entities::login_throttle::{self, Column, Entity};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, Set};

use crate::repo::First;

/// The window of the count and the length of a lock: an hour.
pub const WINDOW: chrono::Duration = chrono::Duration::hours(1);

/// How many attempts the window holds before a lock.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub window: chrono::Duration,
    /// Attempts counted within the window beyond which the username is locked.
    pub max_attempts: u32,
}

/// Counts one attempt for `key` and answers until when logins for it are refused, if they are
/// (the attempt included).
///
/// # Errors
/// Database errors.
pub async fn count_attempt(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    limit: Limit,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    expire(db, now, limit.window).await?;
    if let Some(until) = locked_until(db, key, now).await? {
        return Ok(Some(until));
    }
    let counted = Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .filter(Column::Key.eq(key))
        .exec(db)
        .await?
        .rows_affected;
    if counted == 0 {
        Entity::insert(login_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(1),
            window_started_at: Set(now),
            locked_until: Set(None),
        })
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(Column::Failures, Expr::col((Entity, Column::Failures)).add(1))
                .to_owned(),
        )
        .exec(db)
        .await?;
    }
    let limit_reached = Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(now + limit.window))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gt(i32::try_from(limit.max_attempts).unwrap_or(i32::MAX)))
        .exec(db)
        .await?
        .rows_affected;
    Ok((limit_reached > 0).then_some(now + limit.window))
}

/// Deletes the rows whose window has passed and that hold no lock.
///
/// # Errors
/// Database errors.
pub async fn expire(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::WindowStartedAt.lte(now - window))
        .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lte(now)))
        .exec(db)
        .await
        .map(|_| ())
}

/// Until when logins for `key` are refused, if they are.
///
/// # Errors
/// Database errors.
pub async fn locked_until(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(Entity::find_by_id(key.to_owned())
        .first(db)
        .await?
        .and_then(|row| row.locked_until)
        .filter(|until| *until > now))
}

/// Forgets the attempts of `key`: after a successful login, or when an admin lifts a lock.
///
/// # Errors
/// Database errors.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(key.to_owned()).exec(db).await.map(|_| ())
}
