//! The volunteer's proposals and assignments: confirm with one click, decline with a reason,
//! and the own load against the weekly cap.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;

use super::home::language_name;
use super::page::{Layout, Page, WebError};
use super::pool::hours;
use super::profile::SavedQuery;
use crate::app::AppState;
use crate::domain::booking::AssignmentStatus;
use crate::error::AppError;
use crate::services::assignments::{self, DeclineRequest};
use crate::services::profile;

struct Row {
    id: i64,
    when: String,
    language: String,
    kind: String,
    mode: String,
    place: String,
    booked_by: String,
    proposed: bool,
    status: String,
}

struct Week {
    label: String,
    hours: String,
    cap: String,
    over_half: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "assignments.html")]
struct AssignmentsPage {
    layout: Layout,
    saved: bool,
    rows: Vec<Row>,
    weeks: Vec<Week>,
}

/// The list and the load per week.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let list = assignments::list(&state.db, &page.caller).await.map_err(fail)?;
    let me = profile::get(&state.db, &page.caller).await.map_err(fail)?;
    let cap = me.planning.as_ref().map_or(0, |p| p.weekly_cap_minutes);
    let mut load: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    for a in list
        .iter()
        .filter(|a| matches!(a.status, AssignmentStatus::Proposed | AssignmentStatus::Confirmed))
    {
        let week = a.start.date_naive().iso_week();
        *load.entry((week.year(), week.week())).or_default() += (a.end - a.start).num_minutes();
    }
    let weeks = load
        .into_iter()
        .map(|((year, week), minutes)| Week {
            label: t.fill(
                "assignments.week",
                &[("week", &week.to_string()), ("year", &year.to_string())],
            ),
            hours: hours(i32::try_from(minutes).unwrap_or(i32::MAX)),
            cap: hours(cap),
            over_half: minutes * 2 > i64::from(cap),
        })
        .collect();
    let rows = list
        .into_iter()
        .map(|a| Row {
            id: a.id,
            when: format!(
                "{} {}–{}",
                t.date(a.start.date_naive()),
                a.start.format("%H:%M"),
                a.end.format("%H:%M")
            ),
            language: language_name(t, &a.language_name_de, &a.language_name_en),
            kind: t.get(&format!("kind.{}", a.kind.as_str())).to_owned(),
            mode: t.get(&format!("mode.{}", a.mode.as_str())).to_owned(),
            place: a.place.unwrap_or_default(),
            booked_by: a.booked_by,
            proposed: a.status == AssignmentStatus::Proposed,
            status: t.get(&format!("assignment_status.{}", a.status.as_str())).to_owned(),
        })
        .collect();
    let body = AssignmentsPage {
        layout: page.layout("assignments.title"),
        saved: query.saved.is_some(),
        rows,
        weeks,
    };
    Ok(page.visitor.respond(StatusCode::OK, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    csrf: String,
    reason: String,
}

/// Confirms a proposal.
pub async fn confirm(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    assignments::confirm(&state.db, &page.caller, id).await.map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/assignments?saved=1").into_response())
}

/// Declines a proposal with a reason.
pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let result = assignments::decline(
        &state.db,
        &page.caller,
        id,
        DeclineRequest { reason: form.reason.clone() },
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/assignments?saved=1").into_response()),
        Err(e @ AppError::Validation(_)) => Err(page.visitor.error(e, "assignments.error.reason")),
        Err(e) => Err(page.visitor.fail(e)),
    }
}
