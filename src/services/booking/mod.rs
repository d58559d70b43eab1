//! Booking an interpreter: a caseworker's request is planned at once and answered with the
//! proposed volunteer or the reason nobody can be; cancelling one appointment or a series from
//! a date on; recording the outcome and, for unfilled requests, the fallback used.

pub mod views;

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use entities::{appointment, appointment_series, assignment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::notify::NoticeKind;
use super::planning;
use super::{audit, clean_text, now};
use crate::auth::Caller;
use crate::domain::booking::{
    AppointmentKind, AppointmentStatus, FallbackKind, LONGEST_APPOINTMENT, Outcome, Timing,
};
use crate::domain::time::BERLIN;
use crate::domain::{FieldErrors, Gender, LanguageTag, Level, Mode, Role, text};
use crate::error::AppError;
use crate::repo;
use crate::repo::First;
use views::{AppointmentView, appointment_views, booked_views};

/// A weekly recurrence.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesRule {
    /// 1 = every week, 2 = every other week, up to 4.
    #[schema(minimum = 1, maximum = 4)]
    pub every_weeks: u8,
    /// Last date an occurrence may fall on (local date).
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub until: NaiveDate,
}

/// `POST /api/v1/appointments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// The client's pseudonymous customer reference (Kundennummer); taken from the referral
    /// when booking for one.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_/.-]{3,40}$")]
    pub client_ref: Option<String>,
    /// BCP 47 tag from the organisation's language list.
    #[schema(value_type = LanguageTag)]
    pub language: String,
    pub min_level: Level,
    #[serde(deserialize_with = "crate::domain::dates::instant")]
    pub start: DateTime<FixedOffset>,
    #[serde(deserialize_with = "crate::domain::dates::instant")]
    pub end: DateTime<FixedOffset>,
    pub mode: Mode,
    /// Site code; required for `in_person`.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    /// Required unless booking for a referral, which sets language-course or recognition
    /// advice.
    #[serde(default)]
    pub kind: Option<AppointmentKind>,
    /// 1 (can wait) to 5 (most important).
    #[schema(minimum = 1, maximum = 5)]
    pub priority: u8,
    /// Debt, health and similar topics: never given to lay interpreters.
    #[serde(default)]
    pub sensitive: bool,
    pub gender_preference: Option<Gender>,
    pub series: Option<SeriesRule>,
    /// Booking for the advice appointment of a language-course referral.
    #[serde(default)]
    pub course_referral_id: Option<i64>,
    /// Booking for the advice appointment of a recognition referral.
    #[serde(default)]
    pub recognition_referral_id: Option<i64>,
}

/// The answer to a booking: the (first) appointment, and for a series every occurrence.
#[derive(Debug, Serialize, ToSchema)]
pub struct Booking {
    #[serde(flatten)]
    pub appointment: AppointmentView,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<AppointmentView>,
}

const MAX_OCCURRENCES: usize = 52;

/// The start instants of the occurrences.
fn occurrences(
    start: DateTime<Utc>,
    series: Option<&SeriesRule>,
    errors: &mut FieldErrors,
) -> Vec<DateTime<Utc>> {
    let Some(rule) = series else { return vec![start] };
    if !(1..=4).contains(&rule.every_weeks) {
        errors.add("series.every_weeks", "must be between 1 and 4");
        return vec![start];
    }
    let first_day = start.with_timezone(&BERLIN).date_naive();
    if rule.until < first_day {
        errors.add("series.until", "must not be before the first appointment");
        return vec![start];
    }
    // The same local wall-clock time every time, across changes to and from summer time.
    let local = start.with_timezone(&BERLIN).naive_local();
    let mut starts = Vec::new();
    let mut week = 0i64;
    loop {
        let day = local + Duration::weeks(week * i64::from(rule.every_weeks));
        if day.date() > rule.until {
            break;
        }
        if let Some(t) = chrono::TimeZone::from_local_datetime(&BERLIN, &day).earliest() {
            starts.push(t.with_timezone(&Utc));
        }
        week += 1;
        if starts.len() > MAX_OCCURRENCES {
            errors
                .add("series.until", format!("a series has at most {MAX_OCCURRENCES} occurrences"));
            break;
        }
    }
    starts
}

/// Books an interpreter for a request (or a weekly series) and proposes a volunteer at once.
///
/// # Errors
/// Forbidden unless caseworker; 422 naming the field for bad input (start after end, in the
/// past, unknown language or site, …); nothing is written then.
pub async fn book(
    db: &DatabaseConnection,
    caller: &Caller,
    input: BookingRequest,
) -> Result<Booking, AppError> {
    caller.require(Role::Caseworker)?;
    let at = now();
    let mut errors = FieldErrors::new();
    let reference = input.client_ref.as_deref().map(|r| r.trim().to_owned());
    if let Some(reference) = &reference {
        super::clients::check_reference(reference, "client_ref", &mut errors);
    }
    let start = input.start.with_timezone(&Utc);
    let end = input.end.with_timezone(&Utc);
    if end <= start {
        errors.add("end", "must be after start");
    } else if end - start > LONGEST_APPOINTMENT {
        errors.add("end", "an appointment lasts at most 8 hours");
    }
    if start <= at {
        errors.add("start", "lies in the past");
    }
    if !(1..=5).contains(&input.priority) {
        errors.add("priority", "must be between 1 and 5");
    }
    let starts = occurrences(start, input.series.as_ref(), &mut errors);

    // What the request names is looked up before the write lock, which other writers wait
    // for; a language or site switched off meanwhile still exists, so the rows stay sound.
    let language = match LanguageTag::parse(&input.language) {
        Err(e) => {
            errors.add("language", e.to_string());
            None
        }
        Ok(tag) => match repo::languages::by_tag(db, caller.organisation_id, tag.as_str()).await? {
            Some(l) if l.active => Some(l),
            _ => {
                errors.add(
                    "language",
                    format!("\"{tag}\" is not on the organisation's language list"),
                );
                None
            }
        },
    };
    let site_id = match input.site.as_deref() {
        Some(code) => match repo::sites::by_code(db, caller.organisation_id, code).await? {
            Some(site) if site.active => Some(site.id),
            _ => {
                errors.add("site", format!("\"{code}\" is not an active site of the organisation"));
                None
            }
        },
        None if input.mode == Mode::InPerson => {
            errors.add("site", "an in_person appointment needs a site");
            None
        }
        None => None,
    };
    let referral = super::referrals::for_booking(
        db,
        caller,
        input.course_referral_id,
        input.recognition_referral_id,
        reference.as_deref(),
        input.kind,
        &mut errors,
    )
    .await?;
    let kind = referral.as_ref().map(|r| r.kind).or(input.kind);
    if kind.is_none() {
        errors.add("kind", "is needed");
    }
    if reference.is_none() && referral.is_none() {
        errors.add("client_ref", "is needed");
    }
    let language =
        errors.into_result(language)?.ok_or_else(|| AppError::validation("language", "missing"))?;
    let kind = kind.ok_or_else(|| AppError::validation("kind", "is needed"))?;

    let checked = Checked {
        language_id: language.id,
        language_tag: language.tag,
        site_id,
        kind,
        referral_client: referral.map(|r| r.client),
        reference,
        starts,
        length: end - start,
        at,
    };
    let site = input.site.clone().filter(|_| checked.site_id.is_some());
    let language = checked.language_tag.clone();
    let written = write(db, &Written { caller: caller.clone(), input, checked }).await?;

    // The answer is the booking as its transaction wrote it.
    let mut views = booked_views(&written, &language, site.as_deref());
    let appointment = views.first().cloned().ok_or(AppError::NotFound)?;
    if written.series_id.is_none() {
        views.clear();
    }
    Ok(Booking { appointment, occurrences: views })
}

/// What a booking asks for, checked and looked up before the write lock.
struct Checked {
    language_id: i64,
    language_tag: String,
    site_id: Option<i64>,
    kind: AppointmentKind,
    /// The client of the referral the booking is for.
    referral_client: Option<entities::client::Model>,
    reference: Option<String>,
    starts: Vec<DateTime<Utc>>,
    length: Duration,
    at: DateTime<Utc>,
}

/// A booking checked and ready to be written.
struct Written {
    caller: Caller,
    input: BookingRequest,
    checked: Checked,
}

/// A booking as its transaction wrote it: the appointments in order with their proposals,
/// the series they belong to, the client's reference, and the display names of the volunteers
/// proposed, by interpreter profile (from [`record_written`]).
struct WrittenBooking {
    booked: Vec<planning::Booked>,
    series_id: Option<i64>,
    client_reference: String,
    proposed_names: HashMap<i64, String>,
}

/// The part of a booking that holds the write lock, in the write transaction `txn`: the
/// client, the series, the appointments and the plan; the audit entries and the proposals'
/// messages follow with [`record_written`]. After an error, the transaction is to be rolled
/// back: part of the booking may be written in it.
async fn write_booking(
    txn: &DatabaseTransaction,
    Written { caller, input, checked }: &Written,
    reads: &mut planning::BookingReads,
) -> Result<WrittenBooking, AppError> {
    let from_referral = checked.referral_client.is_some();
    planning::lock_organisation(txn, caller.organisation_id).await?;
    let client = match (&checked.referral_client, &checked.reference) {
        // Read again under the lock: the client may have been erased meanwhile, and an erased
        // client gets no appointments to come.
        (Some(client), _) => match entities::client::Entity::find_by_id(client.id)
            .first(txn)
            .await?
        {
            Some(current) if current.anonymised_at.is_none() => current,
            _ => {
                let field = if input.course_referral_id.is_some() {
                    "course_referral_id"
                } else {
                    "recognition_referral_id"
                };
                return Err(AppError::conflict_on(field, "the referral's client has been erased"));
            }
        },
        (None, Some(reference)) => super::clients::find_or_create(txn, caller, reference).await?,
        (None, None) => return Err(AppError::validation("client_ref", "is needed")),
    };
    let series_id = match &input.series {
        Some(rule) => {
            let series = appointment_series::ActiveModel {
                organisation_id: Set(caller.organisation_id),
                every_weeks: Set(i32::from(rule.every_weeks)),
                until: Set(rule.until),
                created_at: Set(checked.at),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Some(series.id)
        }
        None => None,
    };
    let (at, length) = (checked.at, checked.length);
    let mut unwritten = Vec::with_capacity(checked.starts.len());
    for (placeholder, occurrence) in (1..).map(|n: i64| -n).zip(&checked.starts) {
        let timing = Timing::of(*occurrence, *occurrence + length, at);
        unwritten.push(appointment::Model {
            id: placeholder,
            organisation_id: caller.organisation_id,
            caseworker_id: caller.user_id,
            client_id: client.id,
            series_id,
            course_referral_id: input.course_referral_id.filter(|_| from_referral),
            recognition_referral_id: input.recognition_referral_id.filter(|_| from_referral),
            language_id: checked.language_id,
            min_level: input.min_level.as_str().to_owned(),
            starts_at: *occurrence,
            ends_at: *occurrence + length,
            mode: input.mode.as_str().to_owned(),
            site_id: checked.site_id,
            kind: checked.kind.as_str().to_owned(),
            priority: i32::from(input.priority),
            sensitive: input.sensitive,
            // The booking's own preference, else the one on the client's record.
            gender_preference: input
                .gender_preference
                .map(|g| g.as_str().to_owned())
                .or_else(|| client.gender_preference.clone()),
            status: AppointmentStatus::Open.as_str().to_owned(),
            unfilled_reason: None,
            fallback_kind: None,
            fallback_note: None,
            unfilled_detail: None,
            version: 0,
            created_at: at,
            updated_at: at,
            local_date: timing.local_date,
            local_week: timing.local_week,
            duration_minutes: timing.duration_minutes,
            lead_minutes: timing.lead_minutes,
        });
    }
    let booked = planning::book(txn, caller.organisation_id, unwritten, at, reads).await?;
    Ok(WrittenBooking {
        booked,
        series_id,
        client_reference: client.reference,
        proposed_names: HashMap::new(),
    })
}

/// Writes a checked booking in a transaction of its own: all of it, or nothing.
async fn write(db: &DatabaseConnection, booking: &Written) -> Result<WrittenBooking, AppError> {
    let txn = crate::db::write(db).await?;
    let mut reads = planning::BookingReads::default();
    let mut written = write_booking(&txn, booking, &mut reads).await?;
    record_written(&txn, booking, &mut written).await?;
    txn.commit().await?;
    Ok(written)
}

/// Records a written booking's appointments in the audit log and queues the messages of its
/// proposals, in one statement each. The read of what the messages say also gives the
/// booking the names of its proposed volunteers: its answer is then complete when the
/// transaction commits, and nothing is read after the commit that could fail, or wait for a
/// connection, once the booking is saved.
async fn record_written(
    txn: &DatabaseTransaction,
    Written { caller, .. }: &Written,
    written: &mut WrittenBooking,
) -> Result<(), sea_orm::DbErr> {
    let details = serde_json::json!({ "series_id": written.series_id });
    let entries = written
        .booked
        .iter()
        .map(|b| repo::audit::AuditEntry {
            organisation_id: Some(caller.organisation_id),
            actor_user_id: Some(caller.user_id),
            action: "appointment.create",
            entity: "appointment",
            entity_id: Some(b.appointment.id.to_string()),
            details: details.clone(),
        })
        .collect();
    let proposals: Vec<_> = written
        .booked
        .iter()
        .filter_map(|b| Some((b.proposal?.assignment_id, NoticeKind::Proposal)))
        .collect();
    repo::audit::record_all(txn, entries, now()).await?;
    let names = super::notify::assignments_changed(txn, &proposals).await?;
    written.proposed_names = written
        .booked
        .iter()
        .filter_map(|b| b.proposal)
        .filter_map(|p| Some((p.interpreter_id, names.get(&p.interpreter_id)?.clone())))
        .collect();
    Ok(())
}

/// Filters of `GET /api/v1/appointments`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AppointmentQuery {
    /// From this local date (default: today).
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub from: Option<NaiveDate>,
    /// Until this local date, inclusive (default: 8 weeks after `from`).
    #[serde(default, deserialize_with = "crate::domain::dates::optional_date")]
    pub to: Option<NaiveDate>,
    pub status: Option<AppointmentStatus>,
}

/// A caseworker's own bookings, or, for team leads, all of the organisation's (without client
/// references), in a period.
///
/// # Errors
/// Forbidden for other roles; `from` after `to` or a period over a year (422).
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    query: AppointmentQuery,
) -> Result<Vec<AppointmentView>, AppError> {
    caller.require_any(&[Role::Caseworker, Role::TeamLead])?;
    let today = now().with_timezone(&BERLIN).date_naive();
    let from = query.from.unwrap_or(today);
    let to = query.to.unwrap_or(from + Duration::weeks(8));
    if to < from {
        return Err(AppError::validation("to", "must not be before from"));
    }
    if to - from > Duration::days(366) {
        return Err(AppError::validation("to", "a period covers at most a year"));
    }
    let start = crate::domain::time::start_of_local_day(from, BERLIN);
    let end = crate::domain::time::start_of_local_day(to + Duration::days(1), BERLIN);
    let own_only = !caller.has(Role::TeamLead);
    let booked_by = own_only.then_some(caller.user_id);
    let mut rows =
        repo::booking::appointments_between(db, caller.organisation_id, booked_by, start, end)
            .await?;
    if let Some(status) = query.status {
        rows.retain(|a| a.status == status.as_str());
    }
    Ok(appointment_views(db, caller.organisation_id, &rows, own_only).await?)
}

/// One appointment the caller may see: their own booking, or any for team leads.
async fn visible(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<appointment::Model, AppError> {
    caller.require_any(&[Role::Caseworker, Role::TeamLead])?;
    let row = repo::booking::appointment(db, caller.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.caseworker_id != caller.user_id && !caller.has(Role::TeamLead) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

async fn view_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    row: &appointment::Model,
) -> Result<AppointmentView, AppError> {
    let own = row.caseworker_id == caller.user_id;
    appointment_views(db, caller.organisation_id, std::slice::from_ref(row), own)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// One appointment.
///
/// # Errors
/// Not found, also for another caseworker's booking.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<AppointmentView, AppError> {
    let row = visible(db, caller, id).await?;
    view_of(db, caller, &row).await
}

/// Changes an appointment only if nobody changed it since it was read (its version): the
/// second of two racing writers gets a conflict instead of overwriting the first.
///
/// # Errors
/// 409 if the appointment changed meanwhile; database errors.
async fn update_unchanged(
    db: &impl ConnectionTrait,
    row: &appointment::Model,
    changes: Vec<(appointment::Column, sea_orm::sea_query::SimpleExpr)>,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut update = appointment::Entity::update_many()
        .col_expr(appointment::Column::Version, Expr::col(appointment::Column::Version).add(1))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(at))
        .filter(appointment::Column::Id.eq(row.id))
        .filter(appointment::Column::Version.eq(row.version));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Err(AppError::conflict("the appointment changed meanwhile; reload and try again"));
    }
    Ok(())
}

/// What to cancel.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelScope {
    /// This appointment only.
    #[default]
    One,
    /// This one and every later occurrence of its series.
    SeriesFromHere,
}

/// `POST /api/v1/appointments/{id}/cancel`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub scope: CancelScope,
}

/// Cancels an appointment, or its series from it on; live assignments end with it.
///
/// # Errors
/// Not found; 409 if it already took place or was cancelled — or a confirmation came first.
pub async fn cancel(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    request: CancelRequest,
) -> Result<Vec<AppointmentView>, AppError> {
    let txn = crate::db::write(db).await?;
    planning::lock_organisation(&txn, caller.organisation_id).await?;
    let row = visible(&txn, caller, id).await?;
    let status: AppointmentStatus = row.status.parse().unwrap_or(AppointmentStatus::Open);
    if !status.is_cancellable() {
        return Err(AppError::conflict(format!(
            "the appointment is {} and cannot be cancelled",
            status.as_str()
        )));
    }
    let mut targets = vec![row.clone()];
    if request.scope == CancelScope::SeriesFromHere {
        let Some(series_id) = row.series_id else {
            return Err(AppError::validation("scope", "the appointment is not part of a series"));
        };
        targets = appointment::Entity::find()
            .filter(appointment::Column::SeriesId.eq(series_id))
            .filter(appointment::Column::StartsAt.gte(row.starts_at))
            .order_by_asc(appointment::Column::StartsAt)
            .all(&txn)
            .await?
            .into_iter()
            .filter(|a| a.status.parse().is_ok_and(AppointmentStatus::is_cancellable))
            .collect();
    }
    let at = now();
    for target in &targets {
        // Conditional on the version read: a confirmation or another cancel that came first wins.
        update_unchanged(
            &txn,
            target,
            vec![(appointment::Column::Status, Expr::value("cancelled"))],
            at,
        )
        .await?;
        let live = repo::booking::assignments_of(&txn, &[target.id], &repo::booking::LIVE).await?;
        assignment::Entity::update_many()
            .col_expr(assignment::Column::Status, Expr::value("cancelled"))
            .col_expr(assignment::Column::Version, Expr::col(assignment::Column::Version).add(1))
            .col_expr(assignment::Column::UpdatedAt, Expr::value(at))
            .filter(assignment::Column::AppointmentId.eq(target.id))
            .filter(assignment::Column::Status.is_in(repo::booking::LIVE))
            .exec(&txn)
            .await?;
        for a in live {
            super::notify::assignment_changed(&txn, a.id, super::notify::NoticeKind::Cancelled)
                .await?;
        }
        audit(
            &txn,
            caller,
            "appointment.cancel",
            "appointment",
            target.id,
            serde_json::json!({ "scope": format!("{:?}", request.scope) }),
        )
        .await?;
    }
    let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
    let fresh = appointment::Entity::find()
        .filter(appointment::Column::Id.is_in(ids))
        .order_by_asc(appointment::Column::StartsAt)
        .all(&txn)
        .await?;
    let own = row.caseworker_id == caller.user_id;
    let views = appointment_views(&txn, caller.organisation_id, &fresh, own).await?;
    txn.commit().await?;
    Ok(views)
}

/// `POST /api/v1/appointments/{id}/outcome`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: Outcome,
}

/// Records how a confirmed appointment went, once it has begun.
///
/// # Errors
/// Not found; 409 unless confirmed and begun.
pub async fn record_outcome(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    request: OutcomeRequest,
) -> Result<AppointmentView, AppError> {
    let txn = crate::db::write(db).await?;
    let row = visible(&txn, caller, id).await?;
    let at = now();
    if row.status != AppointmentStatus::Confirmed.as_str() {
        return Err(AppError::conflict(format!(
            "only a confirmed appointment has an outcome; this one is {}",
            row.status
        )));
    }
    if row.starts_at > at {
        return Err(AppError::conflict("the appointment has not begun yet"));
    }
    update_unchanged(
        &txn,
        &row,
        vec![(appointment::Column::Status, Expr::value(request.outcome.as_str()))],
        at,
    )
    .await?;
    audit(
        &txn,
        caller,
        "appointment.outcome",
        "appointment",
        row.id,
        serde_json::json!({ "outcome": request.outcome }),
    )
    .await?;
    let fresh = repo::booking::appointment(&txn, caller.organisation_id, row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = view_of(&txn, caller, &fresh).await?;
    txn.commit().await?;
    Ok(view)
}

/// `POST /api/v1/appointments/{id}/fallback`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FallbackRequest {
    pub kind: FallbackKind,
    /// E.g. the service used or the bridge language; no client data.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Records the fallback used for an unfilled appointment.
///
/// # Errors
/// Not found; 409 unless unfilled; a note over 500 characters (422).
pub async fn record_fallback(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    request: FallbackRequest,
) -> Result<AppointmentView, AppError> {
    let mut errors = FieldErrors::new();
    text::optional(request.note.as_deref(), "note", 500, &mut errors);
    errors.into_result(())?;
    let note = clean_text(request.note);
    let txn = crate::db::write(db).await?;
    let row = visible(&txn, caller, id).await?;
    if row.status != AppointmentStatus::Unfilled.as_str() {
        return Err(AppError::conflict(format!(
            "only an unfilled appointment gets a fallback; this one is {}",
            row.status
        )));
    }
    let changes = vec![
        (appointment::Column::Status, Expr::value("fallback")),
        (appointment::Column::FallbackKind, Expr::value(request.kind.as_str())),
        (appointment::Column::FallbackNote, Expr::value(note)),
    ];
    update_unchanged(&txn, &row, changes, now()).await?;
    audit(
        &txn,
        caller,
        "appointment.fallback",
        "appointment",
        row.id,
        serde_json::json!({ "kind": request.kind }),
    )
    .await?;
    let fresh = repo::booking::appointment(&txn, caller.organisation_id, row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = view_of(&txn, caller, &fresh).await?;
    txn.commit().await?;
    Ok(view)
}
