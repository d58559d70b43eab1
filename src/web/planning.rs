//! The team lead's planning page: start a run for a horizon, see its result and the unfilled
//! requests with their reasons.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;

use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::domain::dates;
use crate::services::planning::runs::{self, RunRequest, RunView};

struct RunRow {
    id: i64,
    started: String,
    horizon: String,
    status: String,
    assigned: String,
    gap: String,
}

struct UnfilledRow {
    appointment_id: i64,
    when: String,
    language: String,
    reason: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning.html")]
struct PlanningPage {
    layout: Layout,
    from: String,
    to: String,
    limit: String,
    errors: FormErrors,
    selected: Option<RunRow>,
    solver: String,
    unfilled: Vec<UnfilledRow>,
    runs: Vec<RunRow>,
}

fn row(t: super::i18n::Tr, r: &RunView) -> RunRow {
    RunRow {
        id: r.id,
        started: format!("{} {}", t.date(r.started_at.date_naive()), r.started_at.format("%H:%M")),
        horizon: format!(
            "{} – {}",
            t.date(r.horizon_start.date_naive()),
            t.date((r.horizon_end - Duration::seconds(1)).date_naive())
        ),
        status: t.get(&format!("planning.status.{}", r.status)).to_owned(),
        assigned: format!("{} / {}", r.assigned, r.appointments),
        gap: r.gap.map(|g| format!("{:.1} %", g * 100.0)).unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize)]
pub struct RunQuery {
    run: Option<i64>,
}

async fn render(
    state: &AppState,
    page: &Page,
    form: RunForm,
    errors: FormErrors,
    selected: Option<i64>,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let all = runs::list(&state.db, &page.caller).await.map_err(fail)?;
    let chosen = match selected.or_else(|| all.first().map(|r| r.id)) {
        Some(id) => Some(runs::get(&state.db, &page.caller, id).await.map_err(fail)?),
        None => None,
    };
    let body = PlanningPage {
        layout: page.layout("planning.title"),
        from: form.from,
        to: form.to,
        limit: form.time_limit,
        solver: chosen
            .as_ref()
            .and_then(|r| r.solver_status.clone())
            .map(|s| t.get(&format!("planning.solver.{s}")).to_owned())
            .unwrap_or_default(),
        unfilled: chosen
            .as_ref()
            .map(|r| {
                r.unfilled
                    .iter()
                    .map(|u| UnfilledRow {
                        appointment_id: u.appointment_id,
                        when: format!(
                            "{} {}–{}",
                            t.date(u.start.date_naive()),
                            u.start.format("%H:%M"),
                            u.end.format("%H:%M")
                        ),
                        language: u.language.clone(),
                        reason: t.get(&format!("reason.{}", u.reason.as_str())).to_owned(),
                        detail: u.detail.clone().unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        selected: chosen.as_ref().map(|r| row(t, r)),
        runs: all.iter().map(|r| row(t, r)).collect(),
        errors,
    };
    let status =
        if body.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page.visitor.respond(status, body))
}

/// The page.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<RunQuery>,
) -> Result<Response, WebError> {
    let today = chrono::Utc::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let form = RunForm {
        csrf: String::new(),
        from: today.to_string(),
        to: (today + Duration::weeks(2)).to_string(),
        time_limit: "10".into(),
    };
    render(&state, &page, form, FormErrors::default(), query.run).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunForm {
    csrf: String,
    from: String,
    to: String,
    time_limit: String,
}

/// Starts a run and shows its result.
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<RunForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let from = dates::parse_date(&form.from)
        .map_err(|_| errors.add("from", t.get("form.error.date")))
        .ok();
    let to =
        dates::parse_date(&form.to).map_err(|_| errors.add("to", t.get("form.error.date"))).ok();
    let limit = form
        .time_limit
        .trim()
        .parse::<u32>()
        .map_err(|_| errors.add("time_limit", t.get("planning.error.time_limit_seconds")))
        .ok();
    let (Some(from), Some(to), Some(limit)) = (from, to, limit) else {
        return render(&state, &page, form, errors, None).await;
    };
    match runs::start(
        &state.db,
        &page.caller,
        RunRequest { from, to, time_limit_seconds: Some(limit) },
    )
    .await
    {
        Ok(run) => Ok(Redirect::to(&format!("/planning?run={}", run.id)).into_response()),
        Err(error) => {
            let control = |path: &str| {
                if path == "time_limit_seconds" { "time_limit".to_owned() } else { path.to_owned() }
            };
            match FormErrors::from_refusal(t, "planning", &error, control) {
                Some(errors) => render(&state, &page, form, errors, None).await,
                None => Err(page.visitor.fail(error)),
            }
        }
    }
}
