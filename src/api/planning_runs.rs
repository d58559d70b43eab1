//! Planning runs: `POST|GET /planning-runs`, `GET /planning-runs/{id}` (team leads).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::planning::runs::{self, RunRequest, RunView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_planning_run, list_planning_runs))
        .routes(routes!(get_planning_run))
}

/// Plans every open, proposed and unfilled appointment of a horizon and applies the plan.
/// Confirmed assignments stay; proposals move when that covers more.
#[utoipa::path(
    post, path = "/planning-runs", tag = "booking", security(("bearer" = [])),
    request_body = RunRequest,
    responses(
        (status = 201, description = "Planned and applied", body = RunView),
        (status = 409, description = "A run is in progress, or the pool kept changing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn start_planning_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RunRequest>,
) -> ApiResult<(StatusCode, Json<RunView>)> {
    Ok((StatusCode::CREATED, Json(runs::start(&state.db, &caller, body).await?)))
}

/// The organisation's latest runs.
#[utoipa::path(
    get, path = "/planning-runs", tag = "booking", security(("bearer" = [])),
    responses((status = 200, description = "Newest first", body = Vec<RunView>))
)]
async fn list_planning_runs(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<RunView>>> {
    Ok(Json(runs::list(&state.db, &caller).await?))
}

/// One run with the unfilled appointments and their reasons.
#[utoipa::path(
    get, path = "/planning-runs/{id}", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The run", body = RunView))
)]
async fn get_planning_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RunView>> {
    Ok(Json(runs::get(&state.db, &caller, id).await?))
}
