//! Each user's notification settings: which kinds of messages they want, and their language.
//! And, for admins, the messages that could not be sent.

use chrono::{DateTime, Utc};
use entities::outbox;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::NoticeKind;
use crate::auth::Caller;
use crate::domain::{Locale, Role};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;
use crate::services::{audit, now};

/// The kinds a user can turn off.
pub const KINDS: [NoticeKind; 6] = [
    NoticeKind::Proposal,
    NoticeKind::Confirmed,
    NoticeKind::Cancelled,
    NoticeKind::Withdrawn,
    NoticeKind::Reminder,
    NoticeKind::ReferralsDue,
];

/// `GET|PUT /me/notifications`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// The kinds of messages wanted: `proposal`, `confirmed`, `cancelled`, `withdrawn`,
    /// `reminder`, `referrals_due`. A kind named twice counts once.
    #[schema(max_items = 20)]
    pub wanted: Vec<NoticeKind>,
    /// Language of the messages (and of the pages).
    pub locale: Locale,
}

/// The caller's settings.
///
/// # Errors
/// Database errors.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<NotificationSettings, AppError> {
    let user = repo::users::by_id(db, caller.user_id).await?.ok_or(AppError::NotFound)?;
    Ok(NotificationSettings {
        wanted: KINDS
            .iter()
            .copied()
            .filter(|k| !super::muted(&user.notifications_off, *k))
            .collect(),
        locale: user.locale.parse().unwrap_or(Locale::De),
    })
}

/// Keeps the caller's settings.
///
/// # Errors
/// More than 20 kinds (422), database errors.
pub async fn put(
    db: &DatabaseConnection,
    caller: &Caller,
    settings: NotificationSettings,
) -> Result<NotificationSettings, AppError> {
    if settings.wanted.len() > 20 {
        return Err(AppError::validation("wanted", "must name at most 20 kinds"));
    }
    let off: Vec<&str> =
        KINDS.iter().filter(|k| !settings.wanted.contains(k)).map(|k| k.as_str()).collect();
    let txn = crate::db::write(db).await?;
    let user = repo::users::by_id(&txn, caller.user_id).await?.ok_or(AppError::NotFound)?;
    let mut active = user.into_active_model();
    active.notifications_off = Set(off.join(","));
    active.locale = Set(settings.locale.as_str().to_owned());
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "notifications.settings",
        "app_user",
        caller.user_id,
        serde_json::json!({ "off": off }),
    )
    .await?;
    txn.commit().await?;
    get(db, caller).await
}

/// A message that could not be sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParkedMessage {
    pub id: i64,
    pub kind: String,
    pub recipient: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The organisation's parked messages, newest first (admins).
///
/// # Errors
/// Forbidden unless admin.
pub async fn parked(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<ParkedMessage>, AppError> {
    caller.require(Role::Admin)?;
    let rows = outbox::Entity::find()
        .filter(outbox::Column::OrganisationId.eq(caller.organisation_id))
        .filter(outbox::Column::Status.eq("parked"))
        .order_by_desc(outbox::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.recipient_user_id).collect();
    let names = repo::users::display_names(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| ParkedMessage {
            id: r.id,
            kind: r.kind,
            recipient: r.recipient_user_id.and_then(|id| names.get(&id).cloned()),
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
        })
        .collect())
}

/// Puts a parked message back in line (admins), e.g. after the relay was fixed.
///
/// # Errors
/// Forbidden unless admin; not found.
pub async fn retry(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<(), AppError> {
    caller.require(Role::Admin)?;
    let txn = crate::db::write(db).await?;
    let row = outbox::Entity::find_by_id(id)
        .filter(outbox::Column::OrganisationId.eq(caller.organisation_id))
        .filter(outbox::Column::Status.eq("parked"))
        .first(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active = row.into_active_model();
    active.status = Set("pending".to_owned());
    active.attempts = Set(0);
    active.next_attempt_at = Set(now());
    active.update(&txn).await?;
    audit(&txn, caller, "outbox.retry", "outbox", id, serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(())
}
