//! A volunteer keeps their own profile: general settings, languages, weekly availability and
//! absences. Only the volunteer's own records are reachable here; another volunteer's rule or
//! absence id answers 404.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use entities::{interpreter, interpreter_language};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{self, InterpreterView, Visibility};
use super::{audit, clean_text, now, set_or_clear};
use crate::auth::Caller;
use crate::domain::time::BERLIN;
use crate::domain::{FieldErrors, Gender, LanguageTag, Level, Mode, Role, text};
use crate::error::AppError;
use crate::repo;

/// `PATCH /api/v1/me/profile`: absent fields stay as they are; `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileChanges {
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<Gender>)]
    pub gender: Option<Option<Gender>>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub home_team: Option<Option<String>>,
    /// At least one of `in_person`, `phone`, `video`; a mode named twice counts once.
    #[schema(min_items = 1, max_items = 10)]
    pub modes: Option<Vec<Mode>>,
    /// Available on public holidays too (otherwise holidays count as absent).
    pub works_on_holidays: Option<bool>,
    #[serde(default, deserialize_with = "crate::domain::dates::set_or_clear_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub declaration_signed_on: Option<Option<NaiveDate>>,
}

/// One language of `PUT /api/v1/me/languages`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSkillInput {
    /// BCP 47 tag from the organisation's language list.
    #[schema(value_type = LanguageTag)]
    pub tag: String,
    pub level: Level,
    #[serde(default)]
    pub written: bool,
}

/// `PUT /api/v1/me/languages`: the complete new list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguagesInput {
    #[schema(max_items = 20)]
    pub languages: Vec<LanguageSkillInput>,
}

const MAX_LANGUAGES: usize = 20;

/// The caller's own profile row.
pub(super) async fn own_row(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> Result<interpreter::Model, AppError> {
    caller.require(Role::Volunteer)?;
    repo::interpreters::by_user(db, caller.organisation_id, caller.user_id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn own_view(
    db: &impl ConnectionTrait,
    caller: &Caller,
    row: interpreter::Model,
) -> Result<InterpreterView, AppError> {
    views::interpreter_views(db, caller.organisation_id, vec![row], Visibility::Own)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The volunteer's whole profile, absences with their reasons.
///
/// # Errors
/// Forbidden without the volunteer role; not found without a profile.
pub async fn get(db: &DatabaseConnection, caller: &Caller) -> Result<InterpreterView, AppError> {
    let row = own_row(db, caller).await?;
    own_view(db, caller, row).await
}

/// Changes the general settings of the profile.
///
/// # Errors
/// Validation errors per field; forbidden; not found.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    changes: ProfileChanges,
) -> Result<InterpreterView, AppError> {
    let mut errors = FieldErrors::new();
    if changes.modes.as_ref().is_some_and(Vec::is_empty) {
        errors.add("modes", "name at least one mode");
    }
    if changes.modes.as_ref().is_some_and(|modes| modes.len() > 10) {
        errors.add("modes", "must name at most 10 modes");
    }
    if let Some(Some(signed)) = changes.declaration_signed_on
        && signed > Utc::now().with_timezone(&BERLIN).date_naive()
    {
        errors.add("declaration_signed_on", "must not be in the future");
    }
    if let Some(team) = &changes.home_team {
        text::optional(team.as_deref(), "home_team", 100, &mut errors);
    }
    errors.into_result(())?;

    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let mut changed = Vec::new();
    let mut active = row.clone().into_active_model();
    if let Some(gender) = changes.gender {
        active.gender = Set(gender.map(|g| g.as_str().to_owned()));
        changed.push("gender");
    }
    if let Some(team) = changes.home_team {
        active.home_team = Set(clean_text(team));
        changed.push("home_team");
    }
    if let Some(modes) = &changes.modes {
        active.offers_in_person = Set(modes.contains(&Mode::InPerson));
        active.offers_phone = Set(modes.contains(&Mode::Phone));
        active.offers_video = Set(modes.contains(&Mode::Video));
        changed.push("modes");
    }
    if let Some(works) = changes.works_on_holidays {
        active.works_on_holidays = Set(works);
        changed.push("works_on_holidays");
    }
    if let Some(signed) = changes.declaration_signed_on {
        active.declaration_signed_on = Set(signed);
        changed.push("declaration_signed_on");
    }
    active.updated_at = Set(now());
    let row = active.update(&txn).await?;
    audit(
        &txn,
        caller,
        "interpreter.update",
        "interpreter",
        row.id,
        serde_json::json!({ "fields": changed }),
    )
    .await?;
    let view = own_view(&txn, caller, row).await?;
    txn.commit().await?;
    Ok(view)
}

/// Replaces the volunteer's languages with `input.languages`.
///
/// # Errors
/// Per entry: a malformed or unknown tag, a tag listed twice; forbidden; not found.
pub async fn replace_languages(
    db: &DatabaseConnection,
    caller: &Caller,
    input: LanguagesInput,
) -> Result<InterpreterView, AppError> {
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let known = repo::languages::list(&txn, caller.organisation_id).await?;
    let mut errors = FieldErrors::new();
    if input.languages.len() > MAX_LANGUAGES {
        errors.add("languages", format!("at most {MAX_LANGUAGES} languages"));
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (i, skill) in input.languages.iter().enumerate() {
        let field = format!("languages[{i}].tag");
        let tag = match LanguageTag::parse(&skill.tag) {
            Ok(tag) => tag,
            Err(e) => {
                errors.add(field, e.to_string());
                continue;
            }
        };
        let Some(language) = known.iter().find(|l| l.tag == tag.as_str() && l.active) else {
            errors.add(field, format!("\"{tag}\" is not on the organisation's language list"));
            continue;
        };
        if !seen.insert(language.id) {
            errors.add(field, format!("\"{tag}\" is listed twice"));
            continue;
        }
        rows.push(interpreter_language::ActiveModel {
            interpreter_id: Set(row.id),
            language_id: Set(language.id),
            level: Set(skill.level.as_str().to_owned()),
            written: Set(skill.written),
            ..Default::default()
        });
    }
    errors.into_result(())?;

    interpreter_language::Entity::delete_many()
        .filter(interpreter_language::Column::InterpreterId.eq(row.id))
        .exec(&txn)
        .await?;
    if !rows.is_empty() {
        interpreter_language::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    }
    let tags: Vec<String> =
        input.languages.iter().map(|s| format!("{}:{}", s.tag, s.level)).collect();
    audit(
        &txn,
        caller,
        "interpreter.languages.replace",
        "interpreter",
        row.id,
        serde_json::json!({ "languages": tags }),
    )
    .await?;
    let view = own_view(&txn, caller, row).await?;
    txn.commit().await?;
    Ok(view)
}

mod absences;
mod availability;

pub use absences::{AbsenceInput, add_absence, delete_absence, update_absence};
pub use availability::{
    AvailabilityInput, add_availability, delete_availability, update_availability,
};
