//! The volunteer's weekly availability windows.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::{Choice, SavedQuery};
use crate::app::AppState;
use crate::domain::dates;
use crate::domain::time::{LocalTime, Weekday};
use crate::error::AppError;
use crate::services::profile::{self, AvailabilityInput};
use crate::services::sites;

struct WindowRow {
    id: i64,
    weekday: String,
    start: String,
    end: String,
    validity: String,
    place: String,
}

/// The add form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WindowForm {
    csrf: String,
    weekday: String,
    start: String,
    end: String,
    valid_from: String,
    valid_until: String,
    /// `home`, `remote`, or a site code.
    place: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "availability.html")]
struct AvailabilityPage {
    layout: Layout,
    saved: bool,
    windows: Vec<WindowRow>,
    weekdays: Vec<Choice>,
    places: Vec<Choice>,
    form: WindowForm,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    page: &Page,
    form: WindowForm,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let view = profile::get(&state.db, &page.caller).await.map_err(fail)?;
    let all_sites = sites::list(&state.db, &page.caller).await.map_err(fail)?;
    let site_name = |code: &str| {
        all_sites.iter().find(|s| s.code == code).map_or(code.to_owned(), |s| s.name.clone())
    };
    let windows = view
        .planning
        .map(|p| p.availability)
        .unwrap_or_default()
        .into_iter()
        .map(|w| WindowRow {
            id: w.id,
            weekday: t.weekday(w.weekday).to_owned(),
            start: w.start.to_string(),
            end: w.end.to_string(),
            validity: match (w.valid_from, w.valid_until) {
                (None, None) => t.get("availability.always").to_owned(),
                (Some(from), None) => t.fill("availability.from", &[("date", &t.date(from))]),
                (None, Some(until)) => t.fill("availability.until", &[("date", &t.date(until))]),
                (Some(from), Some(until)) => format!("{} – {}", t.date(from), t.date(until)),
            },
            place: if w.remote_only {
                t.get("availability.remote").to_owned()
            } else {
                w.site.as_deref().map_or_else(|| view.site.name.clone(), site_name)
            },
        })
        .collect();
    let weekdays = Weekday::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str().to_owned(),
            label: t.weekday(*d).to_owned(),
            selected: form.weekday == d.as_str(),
        })
        .collect();
    let mut places = vec![
        Choice {
            value: "home".into(),
            label: t.fill("availability.home", &[("site", &view.site.name)]),
            selected: form.place.is_empty() || form.place == "home",
        },
        Choice {
            value: "remote".into(),
            label: t.get("availability.remote").to_owned(),
            selected: form.place == "remote",
        },
    ];
    places.extend(all_sites.iter().filter(|s| s.active && s.code != view.site.code).map(|s| {
        Choice { value: s.code.clone(), label: s.name.clone(), selected: form.place == s.code }
    }));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = AvailabilityPage {
        layout: page.layout("availability.title"),
        saved,
        windows,
        weekdays,
        places,
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
    let form = WindowForm {
        weekday: "mon".into(),
        start: "09:00".into(),
        end: "12:00".into(),
        ..WindowForm::default()
    };
    render(&state, &page, form, FormErrors::default(), query.saved.is_some()).await
}

fn optional_date(
    text: &str,
    field: &str,
    errors: &mut FormErrors,
    message: &str,
) -> Option<NaiveDate> {
    match text.trim() {
        "" => None,
        text => dates::parse_date(text).map_err(|_| errors.add(field, message)).ok(),
    }
}

/// Adds a window.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<WindowForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let weekday = form
        .weekday
        .parse::<Weekday>()
        .map_err(|_| errors.add("weekday", t.get("availability.error.weekday")))
        .ok();
    let start = LocalTime::parse(&form.start)
        .map_err(|_| errors.add("start", t.get("form.error.time")))
        .ok();
    let end =
        LocalTime::parse(&form.end).map_err(|_| errors.add("end", t.get("form.error.time"))).ok();
    let valid_from =
        optional_date(&form.valid_from, "valid_from", &mut errors, t.get("form.error.date"));
    let valid_until =
        optional_date(&form.valid_until, "valid_until", &mut errors, t.get("form.error.date"));
    let (Some(weekday), Some(start), Some(end)) = (weekday, start, end) else {
        return render(&state, &page, form, errors, false).await;
    };
    if !errors.is_empty() {
        return render(&state, &page, form, errors, false).await;
    }
    let (site, remote_only) = match form.place.as_str() {
        "" | "home" => (None, false),
        "remote" => (None, true),
        code => (Some(code.to_owned()), false),
    };
    let input =
        AvailabilityInput { weekday, start, end, valid_from, valid_until, site, remote_only };
    match profile::add_availability(&state.db, &page.caller, input).await {
        Ok(_) => Ok(Redirect::to("/availability?saved=1").into_response()),
        Err(error) => refused(&state, &page, error, form).await,
    }
}

async fn refused(
    state: &AppState,
    page: &Page,
    error: AppError,
    form: WindowForm,
) -> Result<Response, WebError> {
    let control = |path: &str| if path == "site" { "place".to_owned() } else { path.to_owned() };
    match FormErrors::from_refusal(page.t(), "availability", &error, control) {
        Some(errors) => render(state, page, form, errors, false).await,
        None => Err(page.visitor.fail(error)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub csrf: String,
}

/// Removes a window.
pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    profile::delete_availability(&state.db, &page.caller, id)
        .await
        .map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/availability?saved=1").into_response())
}
