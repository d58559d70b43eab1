//! The course catalogue page: caseworkers search the courses a client can still join; admins
//! also import the catalogue by pasting CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::bookings::choices;
use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::Choice;
use crate::app::AppState;
use crate::domain::courses::{Programme, Schedule, TimeOfDay};
use crate::domain::dates;
use crate::domain::{Level, Role};
use crate::error::AppError;
use crate::services::courses::{self, CourseSearch, import};

/// The search form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    programme: String,
    target_level: String,
    starts_from: String,
    starts_until: String,
    site: String,
    schedule: String,
    time_of_day: String,
    childcare: Option<String>,
    free_seats: Option<String>,
    imported: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    csrf: String,
    csv: String,
}

pub(super) struct CourseRow {
    pub id: i64,
    pub programme: String,
    pub level: String,
    pub provider: String,
    pub dates: String,
    pub schedule: String,
    pub place: String,
    pub seats: String,
    pub childcare: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "courses.html")]
struct CoursesPage {
    layout: Layout,
    programmes: Vec<Choice>,
    levels: Vec<Choice>,
    schedules: Vec<Choice>,
    times: Vec<Choice>,
    sites: Vec<Choice>,
    form: SearchForm,
    rows: Vec<CourseRow>,
    admin: bool,
    csv: String,
    imported: Option<String>,
    errors: FormErrors,
    header: String,
}

fn date(text: &str) -> Option<NaiveDate> {
    dates::parse_date(text).ok()
}

pub(super) fn course_rows(t: crate::i18n::Tr, found: &[courses::CourseView]) -> Vec<CourseRow> {
    found
        .iter()
        .map(|c| CourseRow {
            id: c.id,
            programme: t.get(&format!("programme.{}", c.programme.as_str())).to_owned(),
            level: c.target_level.as_str().to_owned(),
            provider: c.provider.name.clone(),
            dates: match c.ends_on {
                Some(end) => format!("{} – {}", t.date(c.starts_on), t.date(end)),
                None => t.date(c.starts_on),
            },
            schedule: format!(
                "{}, {}",
                t.get(&format!("courses.schedule.{}", c.schedule.as_str())),
                t.get(&format!("courses.time.{}", c.time_of_day.as_str()))
            ),
            place: c
                .site
                .as_ref()
                .map(|s| s.name.clone())
                .or_else(|| c.address.clone())
                .unwrap_or_default(),
            seats: format!("{} / {}", c.free_seats, c.seats),
            childcare: c.childcare,
        })
        .collect()
}

async fn render(
    state: &AppState,
    page: &Page,
    form: SearchForm,
    csv: String,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let t = page.t();
    let search = CourseSearch {
        programme: form.programme.parse().ok(),
        target_level: form.target_level.parse().ok(),
        starts_from: date(&form.starts_from),
        starts_until: date(&form.starts_until),
        site: Some(form.site.clone()).filter(|s| !s.is_empty()),
        schedule: form.schedule.parse().ok(),
        time_of_day: form.time_of_day.parse().ok(),
        childcare: form.childcare.as_ref().map(|_| true),
        free_seats: form.free_seats.as_ref().map(|_| true),
        all: None,
    };
    let found =
        courses::search(&state.db, &page.caller, search).await.map_err(|e| page.visitor.fail(e))?;
    let sites = crate::repo::sites::list(&state.db, page.caller.organisation_id)
        .await
        .map_err(|e| page.visitor.fail(e.into()))?;
    let body = CoursesPage {
        layout: page.layout("courses.title"),
        programmes: choices(
            Programme::ALL,
            |p| p.as_str().to_owned(),
            |p| t.get(&format!("programme.{}", p.as_str())).to_owned(),
            &form.programme,
        ),
        levels: choices(
            &Level::ALL[..6],
            |l| l.as_str().to_owned(),
            |l| l.as_str().to_owned(),
            &form.target_level,
        ),
        schedules: choices(
            Schedule::ALL,
            |s| s.as_str().to_owned(),
            |s| t.get(&format!("courses.schedule.{}", s.as_str())).to_owned(),
            &form.schedule,
        ),
        times: choices(
            TimeOfDay::ALL,
            |s| s.as_str().to_owned(),
            |s| t.get(&format!("courses.time.{}", s.as_str())).to_owned(),
            &form.time_of_day,
        ),
        sites: sites
            .into_iter()
            .map(|s| Choice { selected: s.code == form.site, value: s.code, label: s.name })
            .collect(),
        rows: course_rows(t, &found),
        admin: page.caller.has(Role::Admin),
        imported: form.imported.clone(),
        form,
        csv,
        errors,
        header: import::HEADER.join(";"),
    };
    let status =
        if body.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page.visitor.respond(status, body))
}

/// The search and its results.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(form): Query<SearchForm>,
) -> Result<Response, WebError> {
    render(&state, &page, form, String::new(), FormErrors::default()).await
}

/// Imports pasted CSV (admins): all rows or none; every bad row is listed.
pub async fn import_csv(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ImportForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    match import::import(&state.db, &page.caller, &form.csv).await {
        Ok(done) => Ok(Redirect::to(&format!("/courses?imported={}", done.created + done.updated))
            .into_response()),
        Err(AppError::Validation(found)) => {
            let mut errors = FormErrors::default();
            for field in found.fields() {
                for message in found.messages(field) {
                    errors.add("csv", &format!("{field}: {message}"));
                }
            }
            render(&state, &page, SearchForm::default(), form.csv, errors).await
        }
        Err(error) => Err(page.visitor.fail(error)),
    }
}
