//! Coverage: `GET /coverage`, the figures of the team lead's dashboard.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::coverage::{self, Coverage, CoverageQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_coverage))
}

/// How well the pool met the requests of a period, grouped by language, week, site or kind,
/// with each volunteer's load against their cap (team leads).
#[utoipa::path(
    get, path = "/coverage", tag = "coverage", security(("bearer" = [])),
    params(CoverageQuery),
    responses((status = 200, description = "Coverage of the period", body = Coverage))
)]
async fn get_coverage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<Coverage>> {
    Ok(Json(coverage::coverage(&state.db, &caller, query).await?))
}
