//! A volunteer keeps their own profile: general settings, languages, weekly availability and
//! absences. Only the volunteer's own records are reachable here; another volunteer's rule or
//! absence id answers 404.

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SubsecRound, Utc};
use entities::{absence, availability_rule, interpreter, interpreter_language};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{self, AbsenceView, AvailabilityView, InterpreterView, Visibility};
use super::{audit, clean_text, now, set_or_clear};
use crate::auth::Caller;
use crate::domain::time::{BERLIN, LocalTime, Weekday, WeeklyWindow};
use crate::domain::{AbsenceReason, FieldErrors, Gender, LanguageTag, Level, Mode, Role};
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
    #[schema(value_type = Option<String>)]
    pub home_team: Option<Option<String>>,
    /// At least one of `in_person`, `phone`, `video`.
    pub modes: Option<Vec<Mode>>,
    /// Available on public holidays too (otherwise holidays count as absent).
    pub works_on_holidays: Option<bool>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<NaiveDate>)]
    pub declaration_signed_on: Option<Option<NaiveDate>>,
}

/// One language of `PUT /api/v1/me/languages`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSkillInput {
    /// BCP 47 tag from the organisation's language list.
    pub tag: String,
    pub level: Level,
    #[serde(default)]
    pub written: bool,
}

/// `PUT /api/v1/me/languages`: the complete new list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguagesInput {
    pub languages: Vec<LanguageSkillInput>,
}

/// A weekly availability window, in Europe/Berlin wall-clock time.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    pub weekday: Weekday,
    pub start: LocalTime,
    /// Later than `start` on the same day: a window never crosses midnight.
    pub end: LocalTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Code of the site where the volunteer is in person; absent: the home site.
    pub site: Option<String>,
    #[serde(default)]
    pub remote_only: bool,
}

/// An absence `[from, until)`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceInput {
    pub from: DateTime<FixedOffset>,
    pub until: DateTime<FixedOffset>,
    pub reason: AbsenceReason,
}

const MAX_LANGUAGES: usize = 20;
const MAX_RULES: usize = 50;

/// The caller's own profile row.
async fn own_row(
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
    if let Some(Some(signed)) = changes.declaration_signed_on
        && signed > Utc::now().with_timezone(&BERLIN).date_naive()
    {
        errors.add("declaration_signed_on", "must not be in the future");
    }
    if let Some(Some(team)) = &changes.home_team
        && team.chars().count() > 100
    {
        errors.add("home_team", "must be at most 100 characters");
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

async fn own_rule(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    id: i64,
) -> Result<availability_rule::Model, AppError> {
    availability_rule::Entity::find_by_id(id)
        .filter(availability_rule::Column::InterpreterId.eq(interpreter_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
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
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let rule = own_rule(&txn, row.id, id).await?;
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
    let rule = own_rule(&txn, row.id, id).await?;
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

async fn own_absence(
    db: &impl ConnectionTrait,
    interpreter_id: i64,
    id: i64,
) -> Result<absence::Model, AppError> {
    absence::Entity::find_by_id(id)
        .filter(absence::Column::InterpreterId.eq(interpreter_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
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
    let (from, until) = absence_period(&input)?;
    let txn = crate::db::write(db).await?;
    let row = own_row(&txn, caller).await?;
    let existing = own_absence(&txn, row.id, id).await?;
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
    let existing = own_absence(&txn, row.id, id).await?;
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
