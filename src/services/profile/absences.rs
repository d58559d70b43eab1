//! The volunteer's absences.

use chrono::{DateTime, Duration, FixedOffset, SubsecRound, Utc};
use entities::absence;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::own_row;
use crate::auth::Caller;
use crate::domain::{AbsenceReason, Role};
use crate::error::AppError;
use crate::repo;
use crate::services::views::{self, AbsenceView};
use crate::services::{audit, now};

/// An absence `[from, until)`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceInput {
    #[serde(deserialize_with = "crate::domain::dates::instant")]
    pub from: DateTime<FixedOffset>,
    #[serde(deserialize_with = "crate::domain::dates::instant")]
    pub until: DateTime<FixedOffset>,
    pub reason: AbsenceReason,
}

/// The longest absence one entry may cover; longer leave is entered in parts.
const MAX_ABSENCE: Duration = Duration::days(366);

fn absence_period(input: &AbsenceInput) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let from = input.from.with_timezone(&Utc).trunc_subsecs(0);
    let until = input.until.with_timezone(&Utc).trunc_subsecs(0);
    if until <= from {
        return Err(AppError::validation("until", "must be after from"));
    }
    if until - from > MAX_ABSENCE {
        return Err(AppError::validation(
            "until",
            "an absence covers at most 366 days; enter longer leave in parts",
        ));
    }
    Ok((from, until))
}

/// Refuses a period that overlaps another absence of the same volunteer.
async fn refuse_overlap(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    except: Option<i64>,
) -> Result<(), AppError> {
    let overlapping =
        repo::interpreters::overlapping_absences(db, interpreter_id, from, until, except).await?;
    match overlapping.first() {
        None => Ok(()),
        Some(other) => Err(AppError::conflict_on(
            "from",
            format!(
                "overlaps your absence from {} until {}",
                views::in_berlin(other.starts_at).format("%Y-%m-%d %H:%M"),
                views::in_berlin(other.ends_at).format("%Y-%m-%d %H:%M")
            ),
        )),
    }
}

/// Records an absence.
///
/// # Errors
/// `until` not after `from` (422), an overlap with another absence (409); forbidden.
pub async fn add_absence(
    db: &DatabaseConnection,
    caller: &Caller,
    input: AbsenceInput,
) -> Result<AbsenceView, AppError> {
    // The role first: a caller who may not do this learns nothing from validation.
    caller.require(Role::Volunteer)?;
    let (from, until) = absence_period(&input)?;
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    refuse_overlap(&txn, row.id, from, until, None).await?;
    let created = absence::ActiveModel {
        interpreter_id: Set(row.id),
        starts_at: Set(from),
        ends_at: Set(until),
        reason: Set(input.reason.as_str().to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit(
        &txn,
        caller,
        "absence.create",
        "absence",
        created.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(views::absence_view(&created, true))
}

/// Changes an absence.
///
/// # Errors
/// As [`add_absence`]; not found for an absence that is not the caller's.
pub async fn update_absence(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    input: AbsenceInput,
) -> Result<AbsenceView, AppError> {
    // The role first: a caller who may not do this learns nothing from validation.
    caller.require(Role::Volunteer)?;
    let (from, until) = absence_period(&input)?;
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let existing =
        repo::interpreters::absence_of(&txn, row.id, id).await?.ok_or(AppError::NotFound)?;
    refuse_overlap(&txn, row.id, from, until, Some(existing.id)).await?;
    let mut active = existing.into_active_model();
    active.starts_at = Set(from);
    active.ends_at = Set(until);
    active.reason = Set(input.reason.as_str().to_owned());
    let updated = active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "absence.update",
        "absence",
        updated.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(views::absence_view(&updated, true))
}

/// Removes an absence.
///
/// # Errors
/// Not found for an absence that is not the caller's; forbidden.
pub async fn delete_absence(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let existing =
        repo::interpreters::absence_of(&txn, row.id, id).await?.ok_or(AppError::NotFound)?;
    absence::Entity::delete_by_id(existing.id).exec(&txn).await?;
    audit(
        &txn,
        caller,
        "absence.delete",
        "absence",
        existing.id,
        serde_json::json!({ "interpreter_id": row.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
