//! Intercultural trainings held ("Interkulturelle Kommunikation", "Vorurteil & Stereotyp"),
//! with their dates, hours and participants by department, for the annual report. Team leads
//! and admins record them.

use chrono::{Datelike, NaiveDate};
use entities::{training, training_participation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{audit, clean_text, now};
use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo::First;

/// Participants of one department.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    /// e.g. "Leistung", "Markt und Integration".
    #[schema(min_length = 1, max_length = 100)]
    pub department: String,
    #[schema(minimum = 1, maximum = 10000)]
    pub participants: i32,
}

/// The longest trainer's name, and the most departments one training lists.
const TITLE_MAX_CHARS: usize = 200;
const TRAINER_MAX_CHARS: usize = 200;
const DEPARTMENTS_MAX: usize = 50;
const DEPARTMENT_MAX_CHARS: usize = 100;

/// `POST /trainings`, `PUT /trainings/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub ends_on: NaiveDate,
    /// Length in hours, e.g. 7.5; kept to the minute.
    #[schema(minimum = 0.01, maximum = 200.0)]
    pub hours: f64,
    #[schema(max_length = 200)]
    pub trainer: Option<String>,
    /// Participants by department, at most 50 departments.
    #[schema(max_items = 50)]
    pub participants: Vec<Participation>,
}

/// A training held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingView {
    pub id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hours: f64,
    pub trainer: Option<String>,
    pub participants: Vec<Participation>,
    pub total_participants: i32,
}

/// `GET /trainings?year=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrainingQuery {
    /// Only those that began in this year.
    pub year: Option<i32>,
}

const ROLES: [Role; 2] = [Role::TeamLead, Role::Admin];

fn check(input: &TrainingInput) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    text::required(&input.title, "title", TITLE_MAX_CHARS, &mut errors);
    if input.ends_on < input.starts_on {
        errors.add("ends_on", "must not be before starts_on");
    }
    // From 0.01 hours on, the length rounds to at least one minute, which the database
    // requires.
    if !(0.01..=200.0).contains(&input.hours) {
        errors.add("hours", "must be between 0.01 and 200");
    }
    text::optional(input.trainer.as_deref(), "trainer", TRAINER_MAX_CHARS, &mut errors);
    if input.participants.len() > DEPARTMENTS_MAX {
        errors.add("participants", format!("must list at most {DEPARTMENTS_MAX} departments"));
        return Err(errors.into());
    }
    let mut seen = std::collections::HashSet::new();
    for (k, p) in input.participants.iter().enumerate() {
        if !p.department.trim().is_empty() && !seen.insert(p.department.trim()) {
            errors.add(format!("participants[{k}].department"), "is listed twice");
        }
        let field = format!("participants[{k}].department");
        text::required(&p.department, &field, DEPARTMENT_MAX_CHARS, &mut errors);
        // A department nobody came from is not listed; the database holds counts of 1 and more.
        if !(1..=10_000).contains(&p.participants) {
            errors.add(format!("participants[{k}].participants"), "must be between 1 and 10000");
        }
    }
    Ok(errors.into_result(())?)
}

/// The organisation's trainings, newest first.
///
/// # Errors
/// Forbidden unless team lead or admin.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: TrainingQuery,
) -> Result<Vec<TrainingView>, AppError> {
    caller.require_any(&ROLES)?;
    let mut rows = training::Entity::find()
        .filter(training::Column::OrganisationId.eq(caller.organisation_id))
        .order_by_desc(training::Column::StartsOn)
        .order_by_desc(training::Column::Id)
        .all(db)
        .await?;
    if let Some(year) = query.year {
        rows.retain(|t| t.starts_on.year() == year);
    }
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let parts = training_participation::Entity::find()
        .filter(training_participation::Column::TrainingId.is_in(ids))
        .order_by_asc(training_participation::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let own: Vec<&training_participation::Model> =
                parts.iter().filter(|p| p.training_id == t.id).collect();
            view(t, &own)
        })
        .collect())
}

fn view(t: training::Model, parts: &[&training_participation::Model]) -> TrainingView {
    let participants: Vec<Participation> = parts
        .iter()
        .map(|p| Participation { department: p.department.clone(), participants: p.participants })
        .collect();
    TrainingView {
        id: t.id,
        title: t.title,
        starts_on: t.starts_on,
        ends_on: t.ends_on,
        hours: f64::from(t.duration_minutes) / 60.0,
        trainer: t.trainer,
        total_participants: participants.iter().map(|p| p.participants).sum(),
        participants,
    }
}

/// Records a training.
///
/// # Errors
/// Forbidden unless team lead or admin; bad input (422).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: TrainingInput,
) -> Result<TrainingView, AppError> {
    caller.require_any(&ROLES)?;
    check(&input)?;
    let txn = crate::db::write(db).await?;
    let row = training::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        title: Set(input.title.trim().to_owned()),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        duration_minutes: Set((input.hours * 60.0).round() as i32),
        trainer: Set(clean_text(input.trainer)),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let parts = insert_participation(&txn, row.id, &input.participants).await?;
    audit(
        &txn,
        caller,
        "training.create",
        "training",
        row.id,
        serde_json::json!({ "departments": parts.len() }),
    )
    .await?;
    txn.commit().await?;
    Ok(view(row, &parts.iter().collect::<Vec<_>>()))
}

async fn insert_participation(
    db: &impl sea_orm::ConnectionTrait,
    training_id: i64,
    participants: &[Participation],
) -> Result<Vec<training_participation::Model>, sea_orm::DbErr> {
    let mut parts = Vec::with_capacity(participants.len());
    for p in participants {
        parts.push(
            training_participation::ActiveModel {
                training_id: Set(training_id),
                department: Set(p.department.trim().to_owned()),
                participants: Set(p.participants),
                ..Default::default()
            }
            .insert(db)
            .await?,
        );
    }
    Ok(parts)
}

/// Replaces a training's record.
///
/// # Errors
/// Forbidden unless team lead or admin; not found; bad input (422).
pub async fn replace(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    input: TrainingInput,
) -> Result<TrainingView, AppError> {
    caller.require_any(&ROLES)?;
    check(&input)?;
    let txn = crate::db::write(db).await?;
    let row = own(&txn, caller, id).await?;
    let mut active: training::ActiveModel = row.into();
    active.title = Set(input.title.trim().to_owned());
    active.starts_on = Set(input.starts_on);
    active.ends_on = Set(input.ends_on);
    active.duration_minutes = Set((input.hours * 60.0).round() as i32);
    active.trainer = Set(clean_text(input.trainer));
    let row = active.update(&txn).await?;
    training_participation::Entity::delete_many()
        .filter(training_participation::Column::TrainingId.eq(id))
        .exec(&txn)
        .await?;
    let parts = insert_participation(&txn, id, &input.participants).await?;
    audit(&txn, caller, "training.update", "training", id, serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(view(row, &parts.iter().collect::<Vec<_>>()))
}

/// Deletes a training recorded by mistake.
///
/// # Errors
/// Forbidden unless team lead or admin; not found.
pub async fn delete(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<(), AppError> {
    caller.require_any(&ROLES)?;
    let txn = crate::db::write(db).await?;
    own(&txn, caller, id).await?;
    training_participation::Entity::delete_many()
        .filter(training_participation::Column::TrainingId.eq(id))
        .exec(&txn)
        .await?;
    training::Entity::delete_by_id(id).exec(&txn).await?;
    audit(&txn, caller, "training.delete", "training", id, serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(())
}

async fn own(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<training::Model, AppError> {
    training::Entity::find_by_id(id)
        .filter(training::Column::OrganisationId.eq(caller.organisation_id))
        .first(db)
        .await?
        .ok_or(AppError::NotFound)
}
