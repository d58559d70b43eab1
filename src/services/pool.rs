//! The interpreter pool as the organisation's staff see it: caseworkers look up who speaks
//! what; team leads also see availability and load limits, set caps and (de)activate
//! volunteers.

use entities::interpreter;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{self, InterpreterView, Visibility};
use super::{audit, now};
use crate::auth::Caller;
use crate::domain::{FieldErrors, LanguageTag, Level, Role};
use crate::error::AppError;
use crate::repo::{self, interpreters::PoolFilter};

/// Filters of `GET /api/v1/interpreters`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    /// Speaks this language (BCP 47 tag), or its macrolanguage, or one of its varieties:
    /// Levantine Arabic (`apc`) also lists Arabic (`ar`) speakers, Kurdish (`ku`) also lists
    /// Kurmanji (`kmr`) and Sorani (`ckb`) speakers.
    #[param(pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub language: Option<String>,
    /// At this level or above; needs `language`.
    pub min_level: Option<Level>,
    /// Home site code.
    #[param(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    pub active: Option<bool>,
}

/// `PATCH /api/v1/interpreters/{id}`, for team leads.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolChanges {
    /// Minutes of interpreting per ISO week, 0–10080.
    #[schema(minimum = 0, maximum = 10080)]
    pub weekly_cap_minutes: Option<i32>,
    /// Minutes of interpreting per day, 0–1440, at most the weekly cap.
    #[schema(minimum = 0, maximum = 1440)]
    pub daily_cap_minutes: Option<i32>,
    pub active: Option<bool>,
    /// Home site code.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
}

const READERS: &[Role] = &[Role::Caseworker, Role::TeamLead, Role::Admin];

fn visibility(caller: &Caller) -> Visibility {
    if caller.has(Role::TeamLead) { Visibility::Planning } else { Visibility::Directory }
}

/// The organisation's volunteers matching the filters.
///
/// # Errors
/// Forbidden for volunteers without another role; an unknown language or site (422).
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: PoolQuery,
) -> Result<Vec<InterpreterView>, AppError> {
    caller.require_any(READERS)?;
    let mut errors = FieldErrors::new();
    let mut filter = PoolFilter { active: query.active, ..PoolFilter::default() };
    if let Some(text) = query.language.as_deref() {
        match LanguageTag::parse(text) {
            Err(e) => errors.add("language", e.to_string()),
            Ok(tag) => {
                match repo::languages::by_tag(db, caller.organisation_id, tag.as_str()).await? {
                    None => errors.add(
                        "language",
                        format!("\"{tag}\" is not on the organisation's language list"),
                    ),
                    Some(language) => {
                        filter.language_ids = repo::languages::related_ids(db, &language).await?;
                    }
                }
            }
        }
    }
    if let Some(min) = query.min_level {
        if query.language.is_none() {
            errors.add("min_level", "needs a language");
        }
        filter.levels = Level::ALL.iter().copied().filter(|l| *l >= min).collect();
    }
    if let Some(code) = query.site.as_deref() {
        match repo::sites::by_code(db, caller.organisation_id, code).await? {
            Some(site) => filter.site_id = Some(site.id),
            None => errors.add("site", format!("\"{code}\" is not a site of the organisation")),
        }
    }
    errors.into_result(())?;
    let rows = repo::interpreters::search(db, caller.organisation_id, &filter).await?;
    Ok(views::interpreter_views(db, caller.organisation_id, rows, visibility(caller)).await?)
}

/// One volunteer of the organisation.
///
/// # Errors
/// Forbidden for volunteers without another role; not found, also for other organisations.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<InterpreterView, AppError> {
    caller.require_any(READERS)?;
    let row =
        repo::interpreters::get(db, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    views::interpreter_views(db, caller.organisation_id, vec![row], visibility(caller))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Sets caps, home site or the active flag of a volunteer.
///
/// # Errors
/// Forbidden unless team lead; not found; caps out of range or daily above weekly (422).
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    changes: PoolChanges,
) -> Result<InterpreterView, AppError> {
    caller.require(Role::TeamLead)?;
    let txn = crate::db::write(db).await?;
    let row = repo::interpreters::get(&txn, caller.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let weekly = changes.weekly_cap_minutes.unwrap_or(row.weekly_cap_minutes);
    let daily = changes.daily_cap_minutes.unwrap_or(row.daily_cap_minutes);
    if !(0..=7 * 24 * 60).contains(&weekly) {
        errors.add("weekly_cap_minutes", "must be between 0 and 10080");
    }
    if !(0..=24 * 60).contains(&daily) {
        errors.add("daily_cap_minutes", "must be between 0 and 1440");
    } else if daily > weekly {
        errors.add("daily_cap_minutes", "must not exceed the weekly cap");
    }
    let mut site_id = row.site_id;
    if let Some(code) = changes.site.as_deref() {
        match repo::sites::by_code(&txn, caller.organisation_id, code).await? {
            Some(site) if site.active => site_id = site.id,
            _ => {
                errors.add("site", format!("\"{code}\" is not an active site of the organisation"))
            }
        }
    }
    errors.into_result(())?;

    let mut fields = Vec::new();
    let mut active: interpreter::ActiveModel = row.clone().into_active_model();
    if changes.weekly_cap_minutes.is_some() {
        active.weekly_cap_minutes = Set(weekly);
        fields.push("weekly_cap_minutes");
    }
    if changes.daily_cap_minutes.is_some() {
        active.daily_cap_minutes = Set(daily);
        fields.push("daily_cap_minutes");
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
        fields.push("active");
    }
    if changes.site.is_some() {
        active.site_id = Set(site_id);
        fields.push("site");
    }
    active.updated_at = Set(now());
    let row = active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "interpreter.pool_update",
        "interpreter",
        row.id,
        serde_json::json!({ "fields": fields }),
    )
    .await?;
    let view =
        views::interpreter_views(&txn, caller.organisation_id, vec![row], Visibility::Planning)
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(view)
}
