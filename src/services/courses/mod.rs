//! The course catalogue: providers (Kursträger) and their language courses. Admins keep it,
//! by hand or by CSV import (`import`); caseworkers search it for a course a client can
//! actually join.

pub mod import;

use std::collections::HashMap;

use chrono::NaiveDate;
use entities::{course, course_provider};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::SiteRef;
use super::{audit, clean_text, now};
use crate::auth::Caller;
use crate::domain::courses::{Programme, Schedule, TimeOfDay};
use crate::domain::time::BERLIN;
use crate::domain::{FieldErrors, Level, Role, text};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;

/// Who may read the catalogue.
const READERS: [Role; 3] = [Role::Caseworker, Role::TeamLead, Role::Admin];

/// A course provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub contact: Option<String>,
}

/// `POST /course-providers`, `PUT /course-providers/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// Phone or e-mail of the provider's office.
    #[schema(max_length = 200)]
    pub contact: Option<String>,
}

/// A course as admins enter it and as the import reads it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    pub provider_id: i64,
    pub programme: Programme,
    /// A1–C2.
    pub target_level: Level,
    /// Unterrichtseinheiten (45 minutes each).
    #[schema(minimum = 1, maximum = 2000)]
    pub teaching_units: i32,
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub starts_on: NaiveDate,
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub ends_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub registration_deadline: Option<NaiveDate>,
    /// Joining possible after the start.
    #[serde(default)]
    pub rolling_entry: bool,
    pub schedule: Schedule,
    pub time_of_day: TimeOfDay,
    /// Site code of the organisation, if the course is held there.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    #[schema(max_length = 200)]
    pub address: Option<String>,
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: i32,
    /// At most `seats`.
    #[schema(minimum = 0, maximum = 1000)]
    pub free_seats: i32,
    #[serde(default)]
    pub childcare: bool,
    /// BAMF/KURSNET reference; a second import with the same reference updates the course.
    #[schema(max_length = 64)]
    pub kursnet_ref: Option<String>,
}

/// A course in the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseView {
    pub id: i64,
    pub provider: ProviderView,
    pub programme: Programme,
    pub target_level: Level,
    pub teaching_units: i32,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub registration_deadline: Option<NaiveDate>,
    pub rolling_entry: bool,
    pub schedule: Schedule,
    pub time_of_day: TimeOfDay,
    pub site: Option<SiteRef>,
    pub address: Option<String>,
    pub seats: i32,
    pub free_seats: i32,
    pub childcare: bool,
    pub kursnet_ref: Option<String>,
}

/// `GET /courses`: the courses a client can still join, unless `all` is set.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseSearch {
    pub programme: Option<Programme>,
    pub target_level: Option<Level>,
    /// Starting on or after this date.
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub starts_from: Option<NaiveDate>,
    /// Starting on or before this date.
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub starts_until: Option<NaiveDate>,
    /// Site code.
    #[param(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    pub schedule: Option<Schedule>,
    pub time_of_day: Option<TimeOfDay>,
    /// Only courses with childcare.
    pub childcare: Option<bool>,
    /// Only courses with free seats.
    pub free_seats: Option<bool>,
    /// Also courses that ended or whose registration closed.
    pub all: Option<bool>,
}

/// Checks a course's own consistency.
pub(crate) fn check(input: &CourseInput) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if input.target_level == Level::Native {
        errors.add("target_level", "a course leads to a level from A1 to C2");
    }
    if !(1..=2000).contains(&input.teaching_units) {
        errors.add("teaching_units", "must be between 1 and 2000");
    }
    if input.ends_on.is_some_and(|end| end < input.starts_on) {
        errors.add("ends_on", "must not be before starts_on");
    }
    if let (Some(deadline), Some(end)) = (input.registration_deadline, input.ends_on)
        && deadline > end
    {
        errors.add("registration_deadline", "must not be after ends_on");
    }
    if !(1..=1000).contains(&input.seats) {
        errors.add("seats", "must be between 1 and 1000");
    }
    if input.free_seats < 0 || input.free_seats > input.seats {
        errors.add("free_seats", "must be between 0 and seats");
    }
    text::optional(input.address.as_deref(), "address", 200, &mut errors);
    text::optional(input.kursnet_ref.as_deref(), "kursnet_ref", 64, &mut errors);
    errors
}

fn provider_view(p: &course_provider::Model) -> ProviderView {
    ProviderView {
        id: p.id,
        name: p.name.clone(),
        address: p.address.clone(),
        contact: p.contact.clone(),
    }
}

/// The organisation's providers, by name.
///
/// # Errors
/// Forbidden for volunteers without another role.
pub async fn providers(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<ProviderView>, AppError> {
    caller.require_any(&READERS)?;
    Ok(provider_rows(db, caller.organisation_id).await?.iter().map(provider_view).collect())
}

async fn provider_rows(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Vec<course_provider::Model>, sea_orm::DbErr> {
    course_provider::Entity::find()
        .filter(course_provider::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(course_provider::Column::Name)
        .all(db)
        .await
}

/// Adds a provider (admins).
///
/// # Errors
/// Forbidden unless admin; an empty name (422).
pub async fn add_provider(
    db: &DatabaseConnection,
    caller: &Caller,
    input: ProviderInput,
) -> Result<ProviderView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    text::required(&input.name, "name", 200, &mut errors);
    text::optional(input.address.as_deref(), "address", 200, &mut errors);
    text::optional(input.contact.as_deref(), "contact", 200, &mut errors);
    errors.into_result(())?;
    let txn = crate::db::write(db).await?;
    let row = course_provider::ActiveModel {
        organisation_id: Set(caller.organisation_id),
        name: Set(input.name.trim().to_owned()),
        address: Set(clean_text(input.address)),
        contact: Set(clean_text(input.contact)),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit(
        &txn,
        caller,
        "course_provider.create",
        "course_provider",
        row.id,
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    Ok(provider_view(&row))
}

/// Writes a checked course: inserts it, or updates `existing`.
pub(crate) async fn write_course(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    input: &CourseInput,
    site_id: Option<i64>,
    existing: Option<course::Model>,
) -> Result<course::Model, sea_orm::DbErr> {
    let at = now();
    let mut row: course::ActiveModel = match existing {
        Some(model) => model.into(),
        None => course::ActiveModel {
            organisation_id: Set(organisation_id),
            created_at: Set(at),
            ..Default::default()
        },
    };
    row.provider_id = Set(input.provider_id);
    row.programme = Set(input.programme.as_str().to_owned());
    row.target_level = Set(input.target_level.as_str().to_owned());
    row.teaching_units = Set(input.teaching_units);
    row.starts_on = Set(input.starts_on);
    row.ends_on = Set(input.ends_on);
    row.registration_deadline = Set(input.registration_deadline);
    row.rolling_entry = Set(input.rolling_entry);
    row.schedule = Set(input.schedule.as_str().to_owned());
    row.time_of_day = Set(input.time_of_day.as_str().to_owned());
    row.site_id = Set(site_id);
    row.address = Set(clean_text(input.address.clone()));
    row.seats = Set(input.seats);
    row.free_seats = Set(input.free_seats);
    row.childcare = Set(input.childcare);
    row.kursnet_ref = Set(clean_text(input.kursnet_ref.clone()));
    row.updated_at = Set(at);
    sea_orm::TryIntoModel::try_into_model(row.save(db).await?)
}

/// Adds a course (admins).
///
/// # Errors
/// Forbidden unless admin; bad input, an unknown provider or site (422).
pub async fn add_course(
    db: &DatabaseConnection,
    caller: &Caller,
    input: CourseInput,
) -> Result<CourseView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = check(&input);
    let txn = crate::db::write(db).await?;
    let site_id = known(&txn, caller, &input, &mut errors).await?;
    errors.into_result(())?;
    let row = write_course(&txn, caller.organisation_id, &input, site_id, None).await?;
    audit(&txn, caller, "course.create", "course", row.id, serde_json::Value::Null).await?;
    txn.commit().await?;
    one(db, caller.organisation_id, row.id).await?.ok_or(AppError::NotFound)
}

/// Replaces a course's record (admins).
///
/// # Errors
/// Forbidden unless admin; not found; bad input, an unknown provider or site (422).
pub async fn replace_course(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    input: CourseInput,
) -> Result<CourseView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = check(&input);
    let txn = crate::db::write(db).await?;
    let existing = own_course(&txn, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    let site_id = known(&txn, caller, &input, &mut errors).await?;
    errors.into_result(())?;
    write_course(&txn, caller.organisation_id, &input, site_id, Some(existing)).await?;
    audit(&txn, caller, "course.update", "course", id, serde_json::Value::Null).await?;
    txn.commit().await?;
    one(db, caller.organisation_id, id).await?.ok_or(AppError::NotFound)
}

async fn own_course(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<course::Model>, sea_orm::DbErr> {
    course::Entity::find_by_id(id)
        .filter(course::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await
}

/// Checks that the course's provider and site belong to the organisation; the site's id.
async fn known(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: &CourseInput,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let provider = course_provider::Entity::find_by_id(input.provider_id)
        .filter(course_provider::Column::OrganisationId.eq(caller.organisation_id))
        .first(db)
        .await?;
    if provider.is_none() {
        errors.add("provider_id", "is not a course provider of the organisation");
    }
    Ok(match input.site.as_deref() {
        Some(code) => match repo::sites::by_code(db, caller.organisation_id, code).await? {
            Some(site) => Some(site.id),
            None => {
                errors.add("site", format!("\"{code}\" is not a site of the organisation"));
                None
            }
        },
        None => None,
    })
}

/// One course of the caller's organisation.
///
/// # Errors
/// Forbidden for volunteers without another role; not found.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<CourseView, AppError> {
    caller.require_any(&READERS)?;
    one(db, caller.organisation_id, id).await?.ok_or(AppError::NotFound)
}

async fn one(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: i64,
) -> Result<Option<CourseView>, sea_orm::DbErr> {
    let Some(row) = course::Entity::find_by_id(id)
        .filter(course::Column::OrganisationId.eq(organisation_id))
        .first(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(views(db, organisation_id, vec![row]).await?.pop())
}

async fn views(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    rows: Vec<course::Model>,
) -> Result<Vec<CourseView>, sea_orm::DbErr> {
    let providers: HashMap<i64, ProviderView> = provider_rows(db, organisation_id)
        .await?
        .iter()
        .map(|p| (p.id, provider_view(p)))
        .collect();
    let sites: HashMap<i64, SiteRef> = repo::sites::list(db, organisation_id)
        .await?
        .into_iter()
        .map(|s| (s.id, SiteRef { code: s.code, name: s.name }))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            Some(CourseView {
                id: c.id,
                provider: providers.get(&c.provider_id)?.clone(),
                programme: c.programme.parse().ok()?,
                target_level: c.target_level.parse().ok()?,
                teaching_units: c.teaching_units,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                registration_deadline: c.registration_deadline,
                rolling_entry: c.rolling_entry,
                schedule: c.schedule.parse().ok()?,
                time_of_day: c.time_of_day.parse().ok()?,
                site: c.site_id.and_then(|id| sites.get(&id).cloned()),
                address: c.address,
                seats: c.seats,
                free_seats: c.free_seats,
                childcare: c.childcare,
                kursnet_ref: c.kursnet_ref,
            })
        })
        .collect())
}

/// Courses matching the search, by start date. By default only those a client can still
/// join: not ended, and with registration open or rolling entry.
///
/// # Errors
/// Forbidden for volunteers without another role; an unknown site, a start window ending
/// before it begins (422).
pub async fn search(
    db: &DatabaseConnection,
    caller: &Caller,
    query: CourseSearch,
) -> Result<Vec<CourseView>, AppError> {
    caller.require_any(&READERS)?;
    if let (Some(from), Some(until)) = (query.starts_from, query.starts_until)
        && until < from
    {
        return Err(AppError::validation("starts_until", "must not be before starts_from"));
    }
    let mut select =
        course::Entity::find().filter(course::Column::OrganisationId.eq(caller.organisation_id));
    if let Some(code) = query.site.as_deref() {
        let site =
            repo::sites::by_code(db, caller.organisation_id, code).await?.ok_or_else(|| {
                AppError::validation(
                    "site",
                    format!("\"{code}\" is not a site of the organisation"),
                )
            })?;
        select = select.filter(course::Column::SiteId.eq(site.id));
    }
    if let Some(p) = query.programme {
        select = select.filter(course::Column::Programme.eq(p.as_str()));
    }
    if let Some(l) = query.target_level {
        select = select.filter(course::Column::TargetLevel.eq(l.as_str()));
    }
    if let Some(from) = query.starts_from {
        select = select.filter(course::Column::StartsOn.gte(from));
    }
    if let Some(until) = query.starts_until {
        select = select.filter(course::Column::StartsOn.lte(until));
    }
    if let Some(s) = query.schedule {
        select = select.filter(course::Column::Schedule.eq(s.as_str()));
    }
    if let Some(t) = query.time_of_day {
        select = select.filter(course::Column::TimeOfDay.eq(t.as_str()));
    }
    if query.childcare == Some(true) {
        select = select.filter(course::Column::Childcare.eq(true));
    }
    if query.free_seats == Some(true) {
        select = select.filter(course::Column::FreeSeats.gt(0));
    }
    let mut rows = select
        .order_by_asc(course::Column::StartsOn)
        .order_by_asc(course::Column::Id)
        .all(db)
        .await?;
    if query.all != Some(true) {
        let today = now().with_timezone(&BERLIN).date_naive();
        rows.retain(|c| {
            let running = c.ends_on.is_none_or(|end| end >= today);
            let open = c.rolling_entry
                || c.registration_deadline.map_or(c.starts_on >= today, |d| d >= today);
            running && open
        });
    }
    Ok(views(db, caller.organisation_id, rows).await?)
}

/// Removes a course (admins).
///
/// # Errors
/// Forbidden unless admin; not found; 409 if referrals name it.
pub async fn delete_course(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    caller.require(Role::Admin)?;
    let txn = crate::db::write(db).await?;
    let row = course::Entity::find_by_id(id)
        .filter(course::Column::OrganisationId.eq(caller.organisation_id))
        .first(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    match course::Entity::delete_by_id(row.id).exec(&txn).await {
        Ok(_) => {}
        Err(e)
            if matches!(e.sql_err(), Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))) =>
        {
            return Err(AppError::conflict(
                "referrals name this course; it stays in the catalogue",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    audit(&txn, caller, "course.delete", "course", id, serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(())
}
