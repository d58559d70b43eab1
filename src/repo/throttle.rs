//! The failed-login counter, keyed by the normalised username whether or not such a user
//! exists, so that the answer never reveals which usernames are real. Increments are single
//! SQL statements, so concurrent failures are all counted.

use chrono::{DateTime, Utc};
use entities::login_throttle::{self, Column};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, Set};

use crate::repo::First;

/// Until when logins for `key` are refused, if they are.
///
/// # Errors
/// Database errors.
pub async fn locked_until(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(login_throttle::Entity::find_by_id(key.to_owned())
        .first(db)
        .await?
        .and_then(|row| row.locked_until)
        .filter(|until| *until > now))
}

/// Counts one failure. A failure outside the current window starts a new window; reaching
/// `max_failures` within it locks the key until `now + window`.
///
/// # Errors
/// Database errors.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
    max_failures: u32,
) -> Result<(), DbErr> {
    let counted = login_throttle::Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .filter(Column::Key.eq(key))
        .filter(Column::WindowStartedAt.gt(now - window))
        .exec(db)
        .await?
        .rows_affected;
    if counted == 0 {
        login_throttle::Entity::insert(login_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(1),
            window_started_at: Set(now),
            locked_until: Set(None),
        })
        .on_conflict(
            OnConflict::column(Column::Key)
                .update_columns([Column::Failures, Column::WindowStartedAt, Column::LockedUntil])
                .to_owned(),
        )
        .exec(db)
        .await?;
    }
    login_throttle::Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(now + window))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gte(i32::try_from(max_failures).unwrap_or(i32::MAX)))
        .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lte(now)))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the failures of `key` after a successful login.
///
/// # Errors
/// Database errors.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    login_throttle::Entity::delete_by_id(key.to_owned()).exec(db).await.map(|_| ())
}
