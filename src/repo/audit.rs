//! The audit log: one row per change, written in the same transaction as the change itself.
//! Details hold ids and changed field names, never client data or secrets.

use chrono::{DateTime, Utc};
use entities::audit_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// What happened, to be recorded.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub organisation_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// Dotted verb, e.g. `interpreter.languages.replace`.
    pub action: &'a str,
    /// The table of the record changed.
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub details: serde_json::Value,
}

/// Appends an entry.
///
/// # Errors
/// Database errors; the caller's transaction then rolls back with the change.
pub async fn record(
    db: &impl ConnectionTrait,
    entry: AuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    record_all(db, vec![entry], now).await
}

/// Appends entries in one statement, in order; nothing is read back. A booking of a series
/// writes one per appointment while it holds the write lock.
///
/// # Errors
/// Database errors; the caller's transaction then rolls back with the change.
pub async fn record_all(
    db: &impl ConnectionTrait,
    entries: Vec<AuditEntry<'_>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries.into_iter().map(|entry| audit_event::ActiveModel {
        organisation_id: Set(entry.organisation_id),
        actor_user_id: Set(entry.actor_user_id),
        action: Set(entry.action.to_owned()),
        entity: Set(entry.entity.to_owned()),
        entity_id: Set(entry.entity_id),
        at: Set(now),
        details: Set((!entry.details.is_null()).then(|| entry.details.to_string())),
        ..Default::default()
    });
    audit_event::Entity::insert_many(rows).exec_without_returning(db).await.map(|_| ())
}

/// The newest entries of an organisation, optionally for one entity type and record.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    entity: Option<&str>,
    entity_id: Option<&str>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    let mut query =
        audit_event::Entity::find().filter(audit_event::Column::OrganisationId.eq(organisation_id));
    if let Some(entity) = entity {
        query = query.filter(audit_event::Column::Entity.eq(entity));
    }
    if let Some(entity_id) = entity_id {
        query = query.filter(audit_event::Column::EntityId.eq(entity_id));
    }
    if let Some(before) = before_id {
        query = query.filter(audit_event::Column::Id.lt(before));
    }
    query.order_by_desc(audit_event::Column::Id).limit(limit).all(db).await
}
