//! Reading the audit log (admins only). There is no way to change or delete an entry.

use chrono::{DateTime, FixedOffset};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::in_berlin;
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo;

/// Filters of `GET /api/v1/audit-events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Table of the records, e.g. `interpreter`, `absence`.
    #[param(max_length = 64)]
    pub entity: Option<String>,
    #[param(max_length = 64)]
    pub entity_id: Option<String>,
    /// Only entries older than this id (paging backwards).
    pub before: Option<i64>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// One entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    pub at: DateTime<FixedOffset>,
    /// Username of who did it.
    pub actor: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// What changed, if the entry records it.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// The newest entries of the organisation, newest first.
///
/// # Errors
/// Forbidden unless admin; a limit out of range (422).
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: AuditQuery,
) -> Result<Vec<AuditEventView>, AppError> {
    caller.require(Role::Admin)?;
    let limit = query.limit.unwrap_or(100);
    let mut errors = FieldErrors::new();
    if !(1..=500).contains(&limit) {
        errors.add("limit", "must be between 1 and 500");
    }
    text::optional(query.entity.as_deref(), "entity", 64, &mut errors);
    text::optional(query.entity_id.as_deref(), "entity_id", 64, &mut errors);
    errors.into_result(())?;
    let rows = repo::audit::list(
        db,
        caller.organisation_id,
        query.entity.as_deref(),
        query.entity_id.as_deref(),
        query.before,
        limit,
    )
    .await?;
    let actor_ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_user_id).collect();
    let usernames = repo::users::usernames(db, &actor_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEventView {
            id: r.id,
            at: in_berlin(r.at),
            actor: r.actor_user_id.and_then(|id| usernames.get(&id).cloned()),
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            details: r.details.and_then(|d| serde_json::from_str(&d).ok()),
        })
        .collect())
}
