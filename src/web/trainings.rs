//! Intercultural trainings for team leads and admins: the list of those held and a form to
//! record one with up to four departments' participants.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::availability::DeleteForm;
use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::SavedQuery;
use crate::app::AppState;
use crate::domain::dates;
use crate::services::trainings::{self, Participation, TrainingInput, TrainingQuery};

/// Rows for departments on the form.
const DEPARTMENTS: usize = 4;

struct TrainingRow {
    id: i64,
    title: String,
    dates: String,
    hours: String,
    participants: String,
    total: i32,
}

/// The form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrainingForm {
    csrf: String,
    title: String,
    starts_on: String,
    ends_on: String,
    hours: String,
    trainer: String,
    department_1: String,
    participants_1: String,
    department_2: String,
    participants_2: String,
    department_3: String,
    participants_3: String,
    department_4: String,
    participants_4: String,
}

impl TrainingForm {
    fn departments(&self) -> [(&str, &str); DEPARTMENTS] {
        [
            (&self.department_1, &self.participants_1),
            (&self.department_2, &self.participants_2),
            (&self.department_3, &self.participants_3),
            (&self.department_4, &self.participants_4),
        ]
    }
}

struct DepartmentRow {
    n: usize,
    department: String,
    participants: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    layout: Layout,
    saved: bool,
    trainings: Vec<TrainingRow>,
    departments: Vec<DepartmentRow>,
    form: TrainingForm,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    page: &Page,
    form: TrainingForm,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let list = trainings::list(&state.db, &page.caller, TrainingQuery::default())
        .await
        .map_err(|e| page.visitor.fail(e))?;
    let rows = list
        .into_iter()
        .map(|tr| TrainingRow {
            id: tr.id,
            title: tr.title,
            dates: if tr.starts_on == tr.ends_on {
                t.date(tr.starts_on)
            } else {
                format!("{} – {}", t.date(tr.starts_on), t.date(tr.ends_on))
            },
            hours: format!("{:.1}", tr.hours),
            participants: tr
                .participants
                .iter()
                .map(|p| format!("{}: {}", p.department, p.participants))
                .collect::<Vec<_>>()
                .join(", "),
            total: tr.total_participants,
        })
        .collect();
    let departments = form
        .departments()
        .iter()
        .enumerate()
        .map(|(k, (d, p))| DepartmentRow {
            n: k + 1,
            department: (*d).to_owned(),
            participants: (*p).to_owned(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = TrainingsPage {
        layout: page.layout("trainings.title"),
        saved,
        trainings: rows,
        departments,
        form,
        errors,
    };
    Ok(page.visitor.respond(status, body))
}

/// The list and the form.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    render(&state, &page, TrainingForm::default(), FormErrors::default(), query.saved.is_some())
        .await
}

/// Records a training.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<TrainingForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let mut day = |field: &str, text: &str| {
        dates::parse_date(text).map_err(|_| errors.add(field, t.get("form.error.date"))).ok()
    };
    let starts_on = day("starts_on", &form.starts_on);
    let ends_on = day("ends_on", &form.ends_on);
    let hours = form
        .hours
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| errors.add("hours", t.get("trainings.error.hours")))
        .ok();
    let mut participants = Vec::new();
    // The form row of each participation sent, for messages about it.
    let mut rows = Vec::new();
    for (k, (department, count)) in form.departments().iter().enumerate() {
        if department.trim().is_empty() && count.trim().is_empty() {
            continue;
        }
        match count.trim().parse::<i32>() {
            Ok(n) => {
                participants.push(Participation {
                    department: department.trim().to_owned(),
                    participants: n,
                });
                rows.push(k + 1);
            }
            Err(_) => errors
                .add(&format!("participants_{}", k + 1), t.get("trainings.error.participants")),
        }
    }
    let (Some(starts_on), Some(ends_on), Some(hours), true) =
        (starts_on, ends_on, hours, errors.is_empty())
    else {
        return render(&state, &page, form, errors, false).await;
    };
    let input = TrainingInput {
        title: form.title.clone(),
        starts_on,
        ends_on,
        hours,
        trainer: Some(form.trainer.clone()),
        participants,
    };
    match trainings::create(&state.db, &page.caller, input).await {
        Ok(_) => Ok(Redirect::to("/trainings?saved=1").into_response()),
        Err(error) => {
            // `participants[1].department` → the control of the row it came from.
            let control = |path: &str| match path.strip_prefix("participants[") {
                Some(rest) => {
                    let (n, field) = rest.split_once("].").unwrap_or(("0", "department"));
                    let row =
                        n.parse::<usize>().ok().and_then(|n| rows.get(n).copied()).unwrap_or(1);
                    format!("{field}_{row}")
                }
                None => path.to_owned(),
            };
            match FormErrors::from_refusal(t, "trainings", &error, control) {
                Some(errors) => render(&state, &page, form, errors, false).await,
                None => Err(page.visitor.fail(error)),
            }
        }
    }
}

/// Deletes a training recorded by mistake.
pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    trainings::delete(&state.db, &page.caller, id).await.map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/trainings?saved=1").into_response())
}
