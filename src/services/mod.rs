//! Use cases. Each public function is one use case and runs in one transaction: it checks the
//! caller's role, validates, changes the data, writes its audit entry, and commits — or leaves
//! nothing behind.

pub mod assignments;
pub mod audit_log;
pub mod auth;
pub mod booking;
pub mod calendar;
pub mod caseload;
pub mod clients;
pub mod courses;
pub mod coverage;
pub mod languages;
pub mod notify;
pub mod planning;
pub mod pool;
pub mod privacy;
pub mod profile;
pub mod referrals;
pub mod report;
pub mod sites;
pub mod trainings;
pub mod users;
pub mod views;

use chrono::{DateTime, SubsecRound, Utc};

/// The current instant, to whole microseconds, as both backends store it.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

use serde::{Deserialize, Deserializer};

use crate::auth::Caller;
use crate::repo::audit::{AuditEntry, record_all};

/// Records a change by the caller in the audit log, in the caller's transaction.
///
/// # Errors
/// Database errors.
pub(crate) async fn audit(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    action: &str,
    entity: &str,
    entity_id: i64,
    details: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    audit_each(db, caller, action, entity, &[entity_id], &details).await
}

/// Records the same change by the caller to several records of one table, in one statement.
///
/// # Errors
/// Database errors.
pub(crate) async fn audit_each(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    action: &str,
    entity: &str,
    entity_ids: &[i64],
    details: &serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    let entries = entity_ids
        .iter()
        .map(|id| AuditEntry {
            organisation_id: Some(caller.organisation_id),
            actor_user_id: Some(caller.user_id),
            action,
            entity,
            entity_id: Some(id.to_string()),
            details: details.clone(),
        })
        .collect();
    record_all(db, entries, now()).await
}

/// For PATCH bodies: tells a field that is absent (`None`) from one set to `null`
/// (`Some(None)`). Use with `#[serde(default, deserialize_with = "set_or_clear")]`.
pub(crate) fn set_or_clear<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Trims a free-text field; blank becomes `None`.
pub(crate) fn clean_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}
