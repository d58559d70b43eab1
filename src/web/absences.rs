//! The volunteer's absences, entered as whole days.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::Deserialize;

use super::availability::DeleteForm;
use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::{Choice, SavedQuery};
use crate::app::AppState;
use crate::domain::AbsenceReason;
use crate::domain::dates;
use crate::domain::time::{BERLIN, start_of_local_day};
use crate::error::AppError;
use crate::services::profile::{self, AbsenceInput};

/// The last local day an absence `[from, until)` covers.
pub fn last_day(until: DateTime<FixedOffset>) -> NaiveDate {
    (until - Duration::seconds(1)).with_timezone(&BERLIN).date_naive()
}

struct AbsenceRow {
    id: i64,
    first: String,
    last: String,
    reason: String,
}

/// The add form as sent: first and last day, both included.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AbsenceForm {
    csrf: String,
    first_day: String,
    last_day: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "absences.html")]
struct AbsencesPage {
    layout: Layout,
    saved: bool,
    absences: Vec<AbsenceRow>,
    reasons: Vec<Choice>,
    form: AbsenceForm,
    errors: FormErrors,
}

fn reason_key(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::Vacation => "absences.reasons.vacation",
        AbsenceReason::Sick => "absences.reasons.sick",
        AbsenceReason::Other => "absences.reasons.other",
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    form: AbsenceForm,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let view = profile::get(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    let absences = view
        .planning
        .map(|p| p.absences)
        .unwrap_or_default()
        .into_iter()
        .map(|a| AbsenceRow {
            id: a.id,
            first: t.date(a.from.with_timezone(&BERLIN).date_naive()),
            last: t.date(last_day(a.until)),
            reason: a.reason.map(|r| t.get(reason_key(r)).to_owned()).unwrap_or_default(),
        })
        .collect();
    let reasons = AbsenceReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: t.get(reason_key(*r)).to_owned(),
            selected: form.reason == r.as_str(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = AbsencesPage {
        layout: page.layout("absences.title"),
        saved,
        absences,
        reasons,
        form,
        errors,
    };
    Ok(page.visitor.respond(status, body))
}

/// The list and the add form.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let form = AbsenceForm { reason: "vacation".into(), ..AbsenceForm::default() };
    render(&state, &page, form, FormErrors::default(), query.saved.is_some()).await
}

/// Adds an absence from the first day's start to the end of the last day (local time).
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<AbsenceForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let mut day = |field: &str, text: &str| {
        dates::parse_date(text).map_err(|_| errors.add(field, t.get("form.error.date"))).ok()
    };
    let first = day("first_day", &form.first_day);
    let last = day("last_day", &form.last_day);
    let reason = form
        .reason
        .parse::<AbsenceReason>()
        .map_err(|_| errors.add("reason", t.get("absences.error.reason")))
        .ok();
    let (Some(first), Some(last), Some(reason)) = (first, last, reason) else {
        return render(&state, &page, form, errors, false).await;
    };
    let input = AbsenceInput {
        from: start_of_local_day(first, BERLIN).fixed_offset(),
        until: start_of_local_day(last + Duration::days(1), BERLIN).fixed_offset(),
        reason,
    };
    match profile::add_absence(&state.db, &page.caller, input).await {
        Ok(_) => Ok(Redirect::to("/absences?saved=1").into_response()),
        Err(error) => refused(&state, &page, error, form).await,
    }
}

async fn refused(
    state: &AppState,
    page: &Page,
    error: AppError,
    form: AbsenceForm,
) -> Result<Response, WebError> {
    let control = |path: &str| match path {
        "from" => "first_day".to_owned(),
        "until" => "last_day".to_owned(),
        other => other.to_owned(),
    };
    match FormErrors::from_refusal(page.t(), "absences", &error, control) {
        Some(errors) => render(state, page, form, errors, false).await,
        None => Err(page.visitor.fail(error)),
    }
}

/// Removes an absence.
pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    profile::delete_absence(&state.db, &page.caller, id).await.map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/absences?saved=1").into_response())
}
