//! `/healthz` (the process is up) and `/readyz` (the database answers in time and is migrated).

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{ApiResult, AppError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// The database is reachable and every migration is applied.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready", body = String))
)]
async fn readyz(State(state): State<AppState>) -> ApiResult<(StatusCode, &'static str)> {
    // A database that does not answer would otherwise hold the probe for the pool's acquire
    // timeout; load balancers give up sooner and learn nothing.
    tokio::time::timeout(READY_WITHIN, crate::db::check_ready(&state.db))
        .await
        .map_err(|_| AppError::Unavailable("the database did not answer in time".to_owned()))?
        .map_err(AppError::Unavailable)?;
    Ok((StatusCode::OK, "ready"))
}

/// How long the readiness check waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);
