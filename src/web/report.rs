//! The annual report page for team leads: choose the year, keep the measures text, see the
//! figures, and download the report as a printable page or as a workbook.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;

use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::error::AppError;
use crate::export::Table;
use crate::services::report::{self, Measures};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i32>,
    format: String,
    saved: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeasuresForm {
    csrf: String,
    year: i32,
    measures: String,
}

struct YearOption {
    year: i32,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_page.html")]
struct ReportPage {
    layout: Layout,
    year: i32,
    years: Vec<YearOption>,
    measures: String,
    tables: Vec<Table>,
    saved: bool,
    errors: FormErrors,
}

fn this_year() -> i32 {
    crate::services::now().with_timezone(&crate::domain::time::BERLIN).year()
}

async fn render(
    state: &AppState,
    page: &Page,
    year: i32,
    measures: Option<String>,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let figures =
        report::annual(&state.db, &page.caller, year).await.map_err(|e| page.visitor.fail(e))?;
    let current = this_year();
    let body = ReportPage {
        layout: page.layout("report.title"),
        year,
        years: (current - 5..=current)
            .rev()
            .map(|y| YearOption { year: y, selected: y == year })
            .collect(),
        measures: measures.unwrap_or_else(|| figures.measures.clone()),
        tables: crate::report::xlsx::tables(t, &figures)
            .into_iter()
            .filter(|t| t.name != "measures")
            .collect(),
        saved,
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
    Query(query): Query<YearQuery>,
) -> Result<Response, WebError> {
    render(
        &state,
        &page,
        query.year.unwrap_or_else(this_year),
        None,
        FormErrors::default(),
        query.saved.is_some(),
    )
    .await
}

/// Keeps the measures text.
pub async fn save_measures(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<MeasuresForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    match report::set_measures(
        &state.db,
        &page.caller,
        form.year,
        Measures { text: form.measures.clone() },
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/report?year={}&saved=1", form.year)).into_response()),
        Err(error) => {
            let control =
                |path: &str| if path == "text" { "measures".to_owned() } else { path.to_owned() };
            match FormErrors::from_refusal(page.t(), "report", &error, control) {
                Some(errors) => {
                    render(&state, &page, form.year, Some(form.measures), errors, false).await
                }
                None => Err(page.visitor.fail(error)),
            }
        }
    }
}

/// The report as a printable page (`format=html`) or a workbook (`format=xlsx`).
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<YearQuery>,
) -> Result<Response, WebError> {
    let t = page.t();
    let year = query.year.unwrap_or_else(this_year);
    let figures =
        report::annual(&state.db, &page.caller, year).await.map_err(|e| page.visitor.fail(e))?;
    let internal = |e: String| page.visitor.fail(AppError::Internal(e));
    let (bytes, content_type, extension) = match query.format.as_str() {
        "xlsx" => (
            crate::report::xlsx::workbook(t, &figures).map_err(|e| internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "html" | "" => (
            crate::report::html::render(t, &figures)
                .map_err(|e| internal(e.to_string()))?
                .into_bytes(),
            "text/html; charset=utf-8",
            "html",
        ),
        _ => return Err(page.visitor.fail(AppError::NotFound)),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if extension == "xlsx"
        && let Ok(value) = HeaderValue::from_str(&format!(
            "attachment; filename=\"sprachpool-jahresbericht-{year}.xlsx\""
        ))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
