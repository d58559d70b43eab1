//! The volunteer's weekly availability windows.

use chrono::NaiveDate;
use entities::availability_rule;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::own_row;
use crate::auth::Caller;
use crate::domain::Role;
use crate::domain::time::{BERLIN, LocalTime, Weekday, WeeklyWindow};
use crate::error::AppError;
use crate::repo;
use crate::services::views::{self, AvailabilityView};
use crate::services::{audit, now};

const MAX_RULES: usize = 50;

/// A weekly availability window, in Europe/Berlin wall-clock time.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    pub weekday: Weekday,
    pub start: LocalTime,
    /// Later than `start` on the same day: a window never crosses midnight.
    pub end: LocalTime,
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub valid_until: Option<NaiveDate>,
    /// Code of the site where the volunteer is in person; absent: the home site.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    #[serde(default)]
    pub remote_only: bool,
}

/// Checks a window and resolves its site; field names are those of [`AvailabilityInput`].
async fn window_row(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: &AvailabilityInput,
) -> Result<(WeeklyWindow, Option<i64>), AppError> {
    let window = WeeklyWindow {
        weekday: input.weekday,
        start: input.start,
        end: input.end,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
    };
    let mut errors = window.validate().err().unwrap_or_default();
    let mut site_id = None;
    if let Some(code) = input.site.as_deref() {
        if input.remote_only {
            errors.add("site", "a remote-only window has no site");
        }
        match repo::sites::by_code(db, caller.organisation_id, code).await? {
            Some(site) if site.active => site_id = Some(site.id),
            _ => {
                errors.add("site", format!("\"{code}\" is not an active site of the organisation"))
            }
        }
    }
    errors.into_result((window, site_id)).map_err(AppError::from)
}

fn apply_window(
    active: &mut availability_rule::ActiveModel,
    window: &WeeklyWindow,
    site_id: Option<i64>,
    remote_only: bool,
) {
    active.weekday = Set(window.weekday.iso_number());
    active.start_minute = Set(window.start.minutes());
    active.end_minute = Set(window.end.minutes());
    active.valid_from = Set(window.valid_from);
    active.valid_until = Set(window.valid_until);
    active.site_id = Set(site_id);
    active.remote_only = Set(remote_only);
}

async fn availability_out(
    db: &impl ConnectionTrait,
    caller: &Caller,
    rule: &availability_rule::Model,
) -> Result<AvailabilityView, AppError> {
    let sites = repo::sites::list(db, caller.organisation_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(views::availability_view(rule, &sites))
}

/// Adds a weekly availability window.
///
/// # Errors
/// `end` not after `start`, `valid_until` before `valid_from`, an unknown `site`; forbidden.
pub async fn add_availability(
    db: &DatabaseConnection,
    caller: &Caller,
    input: AvailabilityInput,
) -> Result<AvailabilityView, AppError> {
    // The role first: a caller who may not do this learns nothing from validation.
    caller.require(Role::Volunteer)?;
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let (window, site_id) = window_row(&txn, caller, &input).await?;
    if repo::interpreters::availability_of(&txn, &[row.id]).await?.len() >= MAX_RULES {
        return Err(AppError::conflict(format!("at most {MAX_RULES} availability windows")));
    }
    let mut active = availability_rule::ActiveModel {
        interpreter_id: Set(row.id),
        timezone: Set(BERLIN.name().to_owned()),
        created_at: Set(now()),
        ..Default::default()
    };
    apply_window(&mut active, &window, site_id, input.remote_only);
    let rule = active.insert(&txn).await?;
    audit(
        &txn,
        caller,
        "availability_rule.create",
        "availability_rule",
        rule.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    let view = availability_out(&txn, caller, &rule).await?;
    txn.commit().await?;
    Ok(view)
}

/// Replaces one of the volunteer's windows.
///
/// # Errors
/// As [`add_availability`]; not found for a window that is not the caller's.
pub async fn update_availability(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    input: AvailabilityInput,
) -> Result<AvailabilityView, AppError> {
    // The role first: a caller who may not do this learns nothing from validation.
    caller.require(Role::Volunteer)?;
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let rule = repo::interpreters::rule_of(&txn, row.id, id).await?.ok_or(AppError::NotFound)?;
    let (window, site_id) = window_row(&txn, caller, &input).await?;
    let mut active = rule.into_active_model();
    apply_window(&mut active, &window, site_id, input.remote_only);
    let rule = active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "availability_rule.update",
        "availability_rule",
        rule.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    let view = availability_out(&txn, caller, &rule).await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes one of the volunteer's windows.
///
/// # Errors
/// Not found for a window that is not the caller's; forbidden.
pub async fn delete_availability(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let rule = repo::interpreters::rule_of(&txn, row.id, id).await?.ok_or(AppError::NotFound)?;
    availability_rule::Entity::delete_by_id(rule.id).exec(&txn).await?;
    audit(
        &txn,
        caller,
        "availability_rule.delete",
        "availability_rule",
        rule.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
