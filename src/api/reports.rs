//! The annual report: `GET /reports/{year}`, `PUT /reports/{year}/measures`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::report::AnnualReport;
use crate::services::report::{self, Measures};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_report)).routes(routes!(set_measures))
}

/// The annual report's figures for the state ministry: aggregates only (team leads).
#[utoipa::path(
    get, path = "/reports/{year}", tag = "coverage", security(("bearer" = [])),
    params(("year" = i32, Path, description = "Year, 2000–2100", minimum = 2000, maximum = 2100)),
    responses(
        (status = 200, description = "The year's report", body = AnnualReport),
        (status = 422, description = "The year is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<Json<AnnualReport>> {
    Ok(Json(report::annual(&state.db, &caller, year).await?))
}

/// Keeps the report's free-text measures of the year (team leads).
#[utoipa::path(
    put, path = "/reports/{year}/measures", tag = "coverage", security(("bearer" = [])),
    params(("year" = i32, Path, description = "Year, 2000–2100", minimum = 2000, maximum = 2100)),
    request_body = Measures,
    responses((status = 204, description = "Kept"))
)]
async fn set_measures(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(year): ApiPath<i32>,
    ApiJson(body): ApiJson<Measures>,
) -> ApiResult<StatusCode> {
    report::set_measures(&state.db, &caller, year, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
