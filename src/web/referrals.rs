//! Referrals for caseworkers and team leads. Caseworkers refer clients to a language course
//! or to recognition advice, move each referral on (only to the states its life cycle
//! allows), see which ones are due for follow-up, and book an interpreter for the advice.
//! Team leads see the pipeline: how many referrals stand where, and for how long.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::bookings::choices;
use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::{Choice, SavedQuery};
use crate::app::AppState;
use crate::domain::courses::Programme;
use crate::domain::referrals::{
    CourseStatus, ExamResult, LegalBasis, QualificationType, RecognitionOutcome, RecognitionStatus,
};
use crate::domain::{Level, Role};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::services::referrals::course::{
    self, CourseReferralQuery, CourseTransition, NewCourseReferral,
};
use crate::services::referrals::recognition::{
    self, NewRecognitionReferral, RecognitionQuery, RecognitionTransition,
};

struct ReferralRow {
    id: i64,
    client_ref: String,
    what: String,
    status: String,
    detail: String,
    since: String,
    due: bool,
    next: Vec<Choice>,
    book_href: String,
}

struct PipelineRow {
    status: String,
    count: usize,
    median_days: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CourseForm {
    csrf: String,
    client_ref: String,
    course_id: String,
    programme: String,
    current_level: String,
    target_level: String,
    legal_basis: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecognitionForm {
    csrf: String,
    client_ref: String,
    reference_occupation: String,
    country: String,
    qualification_type: String,
    regulated: Option<String>,
    competent_body: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    to: String,
    course_id: String,
    exam_result: String,
    outcome: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    layout: Layout,
    saved: bool,
    caseworker: bool,
    course_rows: Vec<ReferralRow>,
    recognition_rows: Vec<ReferralRow>,
    course_pipeline: Vec<PipelineRow>,
    recognition_pipeline: Vec<PipelineRow>,
    programmes: Vec<Choice>,
    levels: Vec<Choice>,
    current_levels: Vec<Choice>,
    bases: Vec<Choice>,
    qualifications: Vec<Choice>,
    exam_results: Vec<Choice>,
    outcomes: Vec<Choice>,
    course_form: CourseForm,
    recognition_form: RecognitionForm,
    errors: FormErrors,
}

fn days_since(at: Option<chrono::DateTime<Utc>>) -> Option<i64> {
    at.map(|at| (Utc::now() - at).num_days())
}

fn median(mut values: Vec<i64>) -> String {
    if values.is_empty() {
        return String::new();
    }
    values.sort_unstable();
    let n = values.len();
    let m = if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    };
    format!("{m:.0}")
}

fn pipeline<S: Copy + PartialEq>(
    t: Tr,
    all: &[S],
    rows: &[(S, Option<i64>)],
    key: impl Fn(S) -> String,
) -> Vec<PipelineRow> {
    all.iter()
        .map(|&status| {
            let days: Vec<i64> =
                rows.iter().filter(|(s, _)| *s == status).filter_map(|(_, d)| *d).collect();
            PipelineRow {
                status: t.get(&key(status)).to_owned(),
                count: rows.iter().filter(|(s, _)| *s == status).count(),
                median_days: median(days),
            }
        })
        .collect()
}

async fn render(
    state: &AppState,
    page: &Page,
    course_form: CourseForm,
    recognition_form: RecognitionForm,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let days = state.settings.referral_follow_up_days;
    let courses = course::list(&state.db, &page.caller, CourseReferralQuery::default())
        .await
        .map_err(fail)?;
    let recognitions =
        recognition::list(&state.db, &page.caller, RecognitionQuery::default(), days)
            .await
            .map_err(fail)?;
    let today = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    let caseworker = page.caller.has(Role::Caseworker);
    let course_rows = courses
        .iter()
        .filter(|r| r.client_ref.is_some())
        .map(|r| ReferralRow {
            id: r.id,
            client_ref: r.client_ref.clone().unwrap_or_default(),
            what: format!(
                "{} → {}",
                t.get(&format!("programme.{}", r.programme.as_str())),
                r.target_level.as_str()
            ),
            status: t.get(&format!("referrals.course_status.{}", r.status.as_str())).to_owned(),
            detail: match (r.waiting_position, r.exam_result) {
                (Some(p), _) => {
                    t.fill("referrals.waiting_position", &[("position", &p.to_string())])
                }
                (None, Some(e)) => t.get(&format!("referrals.exam.{}", e.as_str())).to_owned(),
                _ => r.course_id.map(|c| format!("#{c}")).unwrap_or_default(),
            },
            since: r
                .steps
                .last()
                .map(|s| t.date(s.at.with_timezone(&crate::domain::time::BERLIN).date_naive()))
                .unwrap_or_default(),
            due: r.follow_up_on.is_some_and(|d| d <= today),
            next: r
                .next
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: t.get(&format!("referrals.course_status.{}", s.as_str())).to_owned(),
                    selected: false,
                })
                .collect(),
            book_href: format!(
                "/bookings?course_referral={}&client_ref={}",
                r.id,
                r.client_ref.clone().unwrap_or_default()
            ),
        })
        .collect();
    let recognition_rows = recognitions
        .iter()
        .filter(|r| r.client_ref.is_some())
        .map(|r| ReferralRow {
            id: r.id,
            client_ref: r.client_ref.clone().unwrap_or_default(),
            what: format!("{} ({})", r.reference_occupation, r.country),
            status: t
                .get(&format!("referrals.recognition_status.{}", r.status.as_str()))
                .to_owned(),
            detail: r
                .outcome
                .map(|o| t.get(&format!("referrals.outcome.{}", o.as_str())).to_owned())
                .unwrap_or_default(),
            since: r
                .steps
                .last()
                .map(|s| t.date(s.at.with_timezone(&crate::domain::time::BERLIN).date_naive()))
                .unwrap_or_default(),
            due: r.follow_up_on.is_some_and(|d| d <= today),
            next: r
                .next
                .iter()
                .map(|s| Choice {
                    value: s.as_str().to_owned(),
                    label: t
                        .get(&format!("referrals.recognition_status.{}", s.as_str()))
                        .to_owned(),
                    selected: false,
                })
                .collect(),
            book_href: format!(
                "/bookings?recognition_referral={}&client_ref={}",
                r.id,
                r.client_ref.clone().unwrap_or_default()
            ),
        })
        .collect();
    let lead = page.caller.has(Role::TeamLead);
    let course_pipeline = if lead {
        let rows: Vec<(CourseStatus, Option<i64>)> =
            courses.iter().map(|r| (r.status, days_since(r.steps.last().map(|s| s.at)))).collect();
        pipeline(t, CourseStatus::ALL, &rows, |s| format!("referrals.course_status.{}", s.as_str()))
    } else {
        Vec::new()
    };
    let recognition_pipeline = if lead {
        let rows: Vec<(RecognitionStatus, Option<i64>)> = recognitions
            .iter()
            .map(|r| (r.status, days_since(r.steps.last().map(|s| s.at))))
            .collect();
        pipeline(t, RecognitionStatus::ALL, &rows, |s| {
            format!("referrals.recognition_status.{}", s.as_str())
        })
    } else {
        Vec::new()
    };
    let body = ReferralsPage {
        layout: page.layout("referrals.title"),
        saved,
        caseworker,
        course_rows,
        recognition_rows,
        course_pipeline,
        recognition_pipeline,
        programmes: choices(
            Programme::ALL,
            |p| p.as_str().to_owned(),
            |p| t.get(&format!("programme.{}", p.as_str())).to_owned(),
            &course_form.programme,
        ),
        levels: choices(
            &Level::ALL[..6],
            |l| l.as_str().to_owned(),
            |l| l.as_str().to_owned(),
            &course_form.target_level,
        ),
        current_levels: choices(
            &Level::ALL[..6],
            |l| l.as_str().to_owned(),
            |l| l.as_str().to_owned(),
            &course_form.current_level,
        ),
        bases: choices(
            LegalBasis::ALL,
            |b| b.as_str().to_owned(),
            |b| t.get(&format!("referrals.basis.{}", b.as_str())).to_owned(),
            &course_form.legal_basis,
        ),
        qualifications: choices(
            QualificationType::ALL,
            |q| q.as_str().to_owned(),
            |q| t.get(&format!("referrals.qualification.{}", q.as_str())).to_owned(),
            &recognition_form.qualification_type,
        ),
        exam_results: choices(
            ExamResult::ALL,
            |e| e.as_str().to_owned(),
            |e| t.get(&format!("referrals.exam.{}", e.as_str())).to_owned(),
            "",
        ),
        outcomes: choices(
            RecognitionOutcome::ALL,
            |o| o.as_str().to_owned(),
            |o| t.get(&format!("referrals.outcome.{}", o.as_str())).to_owned(),
            "",
        ),
        course_form,
        recognition_form,
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
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    if !page.caller.roles.iter().any(|r| matches!(r, Role::Caseworker | Role::TeamLead)) {
        return Err(page.visitor.fail(AppError::Forbidden));
    }
    let course_form = CourseForm {
        target_level: "B1".into(),
        legal_basis: "entitlement".into(),
        ..CourseForm::default()
    };
    render(
        &state,
        &page,
        course_form,
        RecognitionForm::default(),
        FormErrors::default(),
        query.saved.is_some(),
    )
    .await
}

fn refused(page: &Page, form: &str, error: AppError) -> Result<FormErrors, WebError> {
    FormErrors::from_refusal(page.t(), form, &error, |path| format!("{form}_{path}"))
        .ok_or_else(|| page.visitor.fail(error))
}

/// Refers a client to a course or programme.
pub async fn add_course(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CourseForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let input = NewCourseReferral {
        client_ref: form.client_ref.clone(),
        course_id: form.course_id.trim().parse().ok(),
        programme: form.programme.parse().ok(),
        current_level: form.current_level.parse().ok(),
        target_level: form.target_level.parse().unwrap_or(Level::B1),
        legal_basis: form.legal_basis.parse().unwrap_or(LegalBasis::Entitlement),
    };
    match course::create(&state.db, &page.caller, input, state.settings.referral_follow_up_days)
        .await
    {
        Ok(_) => Ok(Redirect::to("/referrals?saved=1").into_response()),
        Err(error) => {
            let errors = refused(&page, "course", error)?;
            render(&state, &page, form, RecognitionForm::default(), errors, false).await
        }
    }
}

/// Refers a client to recognition advice.
pub async fn add_recognition(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<RecognitionForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let input = NewRecognitionReferral {
        client_ref: form.client_ref.clone(),
        reference_occupation: form.reference_occupation.clone(),
        country: form.country.clone(),
        qualification_type: form.qualification_type.parse().unwrap_or(QualificationType::Other),
        regulated: form.regulated.is_some(),
        competent_body: Some(form.competent_body.clone()),
    };
    match recognition::create(
        &state.db,
        &page.caller,
        input,
        state.settings.referral_follow_up_days,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/referrals?saved=1").into_response()),
        Err(error) => {
            let errors = refused(&page, "recognition", error)?;
            let course_form = CourseForm {
                target_level: "B1".into(),
                legal_basis: "entitlement".into(),
                ..CourseForm::default()
            };
            render(&state, &page, course_form, form, errors, false).await
        }
    }
}

/// Moves a course referral on.
pub async fn course_step(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let Ok(to) = form.to.parse() else {
        return Err(page.visitor.fail(AppError::validation("to", "unknown state")));
    };
    let step = CourseTransition {
        to,
        course_id: form.course_id.trim().parse().ok(),
        exam_result: form.exam_result.parse().ok(),
    };
    step_result(
        &state,
        &page,
        course::transition(
            &state.db,
            &page.caller,
            id,
            step,
            state.settings.referral_follow_up_days,
        )
        .await
        .map(|_| ()),
    )
    .await
}

/// Moves a recognition referral on.
pub async fn recognition_step(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let Ok(to) = form.to.parse() else {
        return Err(page.visitor.fail(AppError::validation("to", "unknown state")));
    };
    let step = RecognitionTransition { to, outcome: form.outcome.parse().ok() };
    step_result(
        &state,
        &page,
        recognition::transition(
            &state.db,
            &page.caller,
            id,
            step,
            state.settings.referral_follow_up_days,
        )
        .await
        .map(|_| ()),
    )
    .await
}

async fn step_result(
    state: &AppState,
    page: &Page,
    done: Result<(), AppError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to("/referrals?saved=1").into_response()),
        Err(error) => {
            let errors = refused(page, "step", error)?;
            let course_form = CourseForm {
                target_level: "B1".into(),
                legal_basis: "entitlement".into(),
                ..CourseForm::default()
            };
            render(state, page, course_form, RecognitionForm::default(), errors, false).await
        }
    }
}
