//! The caseworker's bookings: the booking form, the list with each request's state at a
//! glance (a word and a symbol, not colour alone), cancelling, fallbacks and outcomes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveTime, TimeZone};
use serde::Deserialize;

use super::forms::{FormErrors, ticked};
use super::home::{language_name, sort_key};
use super::i18n::Tr;
use super::page::{Layout, Page, WebError};
use super::profile::{Choice, level_label};
use crate::app::AppState;
use crate::domain::booking::{AppointmentKind, AppointmentStatus, FallbackKind, Outcome};
use crate::domain::dates;
use crate::domain::time::BERLIN;
use crate::domain::{Gender, Level, Mode};
use crate::error::AppError;
use crate::services::booking::views::AppointmentView;
use crate::services::booking::{
    self, AppointmentQuery, BookingRequest, CancelRequest, CancelScope, FallbackRequest,
    OutcomeRequest, SeriesRule,
};
use crate::services::{languages, sites};

/// The symbol and text key of a state: shape and word carry the meaning, colour only helps.
pub fn status_label(t: Tr, status: AppointmentStatus) -> (&'static str, &'static str, String) {
    let (symbol, class) = match status {
        AppointmentStatus::Confirmed | AppointmentStatus::Held => ("✔", "state-ok"),
        AppointmentStatus::Proposed | AppointmentStatus::Open => ("?", "state-wait"),
        AppointmentStatus::Unfilled => ("✖", "state-bad"),
        _ => ("–", "state-none"),
    };
    (symbol, class, t.get(&format!("status.{}", status.as_str())).to_owned())
}

struct Row {
    id: i64,
    when: String,
    language: String,
    client_ref: String,
    symbol: &'static str,
    class: &'static str,
    status: String,
    interpreter: String,
    reason: String,
    short_notice: bool,
    cancellable: bool,
    in_series: bool,
    needs_fallback: bool,
    needs_outcome: bool,
}

/// The booking form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    csrf: String,
    client_ref: String,
    language: String,
    min_level: String,
    date: String,
    start: String,
    end: String,
    mode: String,
    site: String,
    kind: String,
    priority: String,
    sensitive: Option<String>,
    gender_preference: String,
    /// Set when booking for a referral's advice appointment.
    course_referral_id: String,
    recognition_referral_id: String,
    repeat: Option<String>,
    every_weeks: String,
    until: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings.html")]
struct BookingsPage {
    layout: Layout,
    notice: Option<String>,
    form: BookingForm,
    errors: FormErrors,
    languages: Vec<Choice>,
    levels: Vec<Choice>,
    modes: Vec<Choice>,
    sites: Vec<Choice>,
    kinds: Vec<Choice>,
    priorities: Vec<Choice>,
    genders: Vec<Choice>,
    fallbacks: Vec<Choice>,
    rows: Vec<Row>,
}

pub(super) fn choices<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|&x| Choice { selected: value(x) == selected, value: value(x), label: label(x) })
        .collect()
}

pub fn when(t: Tr, view: &AppointmentView) -> String {
    format!(
        "{} {}–{}",
        t.date(view.start.date_naive()),
        view.start.format("%H:%M"),
        view.end.format("%H:%M")
    )
}

async fn render(
    state: &AppState,
    page: &Page,
    form: BookingForm,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let list =
        booking::list(&state.db, &page.caller, AppointmentQuery::default()).await.map_err(fail)?;
    let names: std::collections::HashMap<String, String> = languages::list(&state.db, &page.caller)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|l| (l.tag.clone(), language_name(t, &l.name_de, &l.name_en)))
        .collect();
    let now = chrono::Utc::now();
    let rows = list
        .iter()
        .map(|v| {
            let (symbol, class, status) = status_label(t, v.status);
            Row {
                id: v.id,
                when: when(t, v),
                language: names.get(&v.language).cloned().unwrap_or_else(|| v.language.clone()),
                client_ref: v.client_ref.clone().unwrap_or_default(),
                symbol,
                class,
                status,
                interpreter: v
                    .interpreter
                    .as_ref()
                    .map(|i| i.display_name.clone())
                    .unwrap_or_default(),
                reason: v.reason_detail.clone().unwrap_or_default(),
                short_notice: v.short_notice,
                cancellable: v.status.is_cancellable() && v.start > now,
                in_series: v.series_id.is_some(),
                needs_fallback: v.status == AppointmentStatus::Unfilled,
                needs_outcome: v.status == AppointmentStatus::Confirmed && v.start <= now,
            }
        })
        .collect();
    let mut language_choices: Vec<Choice> = names
        .iter()
        .map(|(tag, name)| Choice {
            value: tag.clone(),
            label: format!("{name} ({tag})"),
            selected: *tag == form.language,
        })
        .collect();
    language_choices.sort_by_cached_key(|c| sort_key(&c.label));
    language_choices.insert(
        0,
        Choice {
            value: String::new(),
            label: t.get("bookings.choose_language").to_owned(),
            selected: form.language.is_empty(),
        },
    );
    let mut site_choices = vec![Choice {
        value: String::new(),
        label: t.get("bookings.no_site").to_owned(),
        selected: form.site.is_empty(),
    }];
    site_choices.extend(
        sites::list(&state.db, &page.caller)
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| Choice { selected: s.code == form.site, value: s.code, label: s.name }),
    );
    let mut genders = vec![Choice {
        value: String::new(),
        label: t.get("gender.unspecified").to_owned(),
        selected: form.gender_preference.is_empty(),
    }];
    genders.extend(choices(
        Gender::ALL,
        |g| g.as_str().to_owned(),
        |g| t.get(&format!("gender.{}", g.as_str())).to_owned(),
        &form.gender_preference,
    ));
    let body = BookingsPage {
        layout: page.layout("bookings.title"),
        notice,
        languages: language_choices,
        levels: choices(
            Level::ALL,
            |l| l.as_str().to_owned(),
            |l| level_label(t, l),
            &form.min_level,
        ),
        modes: choices(
            Mode::ALL,
            |m| m.as_str().to_owned(),
            |m| t.get(&format!("mode.{}", m.as_str())).to_owned(),
            &form.mode,
        ),
        sites: site_choices,
        kinds: choices(
            AppointmentKind::ALL,
            |k| k.as_str().to_owned(),
            |k| t.get(&format!("kind.{}", k.as_str())).to_owned(),
            &form.kind,
        ),
        priorities: choices(
            &[1u8, 2, 3, 4, 5],
            |p| p.to_string(),
            |p| t.get(&format!("priority.p{p}")).to_owned(),
            &form.priority,
        ),
        genders,
        fallbacks: choices(
            FallbackKind::ALL,
            |f| f.as_str().to_owned(),
            |f| t.get(&format!("fallback.{}", f.as_str())).to_owned(),
            "",
        ),
        rows,
        form,
        errors,
    };
    let status =
        if body.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page.visitor.respond(status, body))
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    booked: Option<i64>,
    done: Option<String>,
    /// Booking for a referral: its client and the kind of advice, prefilled.
    client_ref: Option<String>,
    course_referral: Option<i64>,
    recognition_referral: Option<i64>,
}

/// The form and the list.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let t = page.t();
    let notice = match (query.booked, query.done) {
        (Some(id), _) => {
            let view = booking::get(&state.db, &page.caller, id)
                .await
                .map_err(|e| page.visitor.fail(e))?;
            Some(match (&view.interpreter, view.status) {
                (Some(i), _) => t.fill("bookings.booked_proposed", &[("name", &i.display_name)]),
                (None, _) => t.fill(
                    "bookings.booked_unfilled",
                    &[("reason", view.reason_detail.as_deref().unwrap_or_default())],
                ),
            })
        }
        (None, Some(_)) => Some(t.get("form.saved").to_owned()),
        (None, None) => None,
    };
    let kind = match (query.course_referral, query.recognition_referral) {
        (Some(_), _) => "language_course_advice",
        (None, Some(_)) => "recognition_advice",
        (None, None) => "counselling",
    };
    let form = BookingForm {
        min_level: "B1".into(),
        mode: "in_person".into(),
        kind: kind.into(),
        client_ref: query.client_ref.clone().unwrap_or_default(),
        course_referral_id: query.course_referral.map(|id| id.to_string()).unwrap_or_default(),
        recognition_referral_id: query
            .recognition_referral
            .map(|id| id.to_string())
            .unwrap_or_default(),
        priority: "3".into(),
        every_weeks: "1".into(),
        ..BookingForm::default()
    };
    render(&state, &page, form, FormErrors::default(), notice).await
}

fn local(date: &str, time: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let date = dates::parse_date(date).ok()?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    BERLIN.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.fixed_offset())
}

/// Books from the form.
pub async fn book(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<BookingForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let start = local(&form.date, &form.start);
    let end = local(&form.date, &form.end);
    if start.is_none() {
        errors.add("start", t.get("bookings.error.start"));
    }
    if end.is_none() {
        errors.add("end", t.get("form.error.time"));
    }
    let min_level: Option<Level> = form.min_level.parse().ok();
    let mode: Option<Mode> = form.mode.parse().ok();
    let kind: Option<AppointmentKind> = form.kind.parse().ok();
    let priority = form.priority.parse::<u8>().ok();
    let series = if ticked(&form.repeat) {
        match (form.every_weeks.parse::<u8>(), dates::parse_date(&form.until)) {
            (Ok(every_weeks), Ok(until)) => Some(SeriesRule { every_weeks, until }),
            _ => {
                errors.add("until", t.get("form.error.date"));
                None
            }
        }
    } else {
        None
    };
    let (Some(start), Some(end), Some(min_level), Some(mode), Some(kind), Some(priority)) =
        (start, end, min_level, mode, kind, priority)
    else {
        if errors.is_empty() {
            errors.add("client_ref", t.get("error.invalid"));
        }
        return render(&state, &page, form, errors, None).await;
    };
    if !errors.is_empty() {
        return render(&state, &page, form, errors, None).await;
    }
    let request = BookingRequest {
        client_ref: Some(form.client_ref.clone()),
        language: form.language.clone(),
        min_level,
        start,
        end,
        mode,
        site: Some(form.site.clone()).filter(|s| !s.is_empty()),
        kind: Some(kind),
        priority,
        sensitive: ticked(&form.sensitive),
        gender_preference: form.gender_preference.parse().ok(),
        series,
        course_referral_id: form.course_referral_id.parse().ok(),
        recognition_referral_id: form.recognition_referral_id.parse().ok(),
    };
    let booked = booking::book(&state.db, &page.caller, request).await;
    state.metrics.booked(&booked);
    match booked {
        Ok(booked) => {
            Ok(Redirect::to(&format!("/bookings?booked={}", booked.appointment.id)).into_response())
        }
        Err(error) => {
            let control = |path: &str| match path {
                "series.until" | "series.every_weeks" => "until".to_owned(),
                other => other.to_owned(),
            };
            match FormErrors::from_refusal(t, "bookings", &error, control) {
                Some(errors) => render(&state, &page, form, errors, None).await,
                None => Err(page.visitor.fail(error)),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    scope: String,
    kind: String,
    note: String,
    outcome: String,
}

async fn act(page: &Page, result: Result<(), AppError>) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to("/bookings?done=1").into_response()),
        Err(error) => Err(page.visitor.fail(error)),
    }
}

/// Cancels one appointment or its series from it on.
pub async fn cancel(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let scope = if form.scope == "series_from_here" {
        CancelScope::SeriesFromHere
    } else {
        CancelScope::One
    };
    act(
        &page,
        booking::cancel(&state.db, &page.caller, id, CancelRequest { scope }).await.map(|_| ()),
    )
    .await
}

/// Records the fallback of an unfilled appointment.
pub async fn fallback(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let Ok(kind) = form.kind.parse::<FallbackKind>() else {
        return Err(page.visitor.fail(AppError::validation("kind", "unknown fallback")));
    };
    let request = FallbackRequest { kind, note: Some(form.note.clone()) };
    act(&page, booking::record_fallback(&state.db, &page.caller, id, request).await.map(|_| ()))
        .await
}

/// Records the outcome of a confirmed appointment.
pub async fn outcome(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let Ok(outcome) = form.outcome.parse::<Outcome>() else {
        return Err(page.visitor.fail(AppError::validation("outcome", "unknown outcome")));
    };
    act(
        &page,
        booking::record_outcome(&state.db, &page.caller, id, OutcomeRequest { outcome })
            .await
            .map(|_| ()),
    )
    .await
}
