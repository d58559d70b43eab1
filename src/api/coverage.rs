//! Coverage: `GET /coverage`, the figures of the team lead's dashboard.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::coverage::outlook::{self, Outlook};
use crate::services::coverage::{self, Coverage, CoverageQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_coverage)).routes(routes!(get_outlook))
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

/// Which languages will fall short in the next four weeks, and by how many hours: the average
/// week of the last twelve against what the pool can offer (team leads).
#[utoipa::path(
    get, path = "/coverage/outlook", tag = "coverage", security(("bearer" = [])),
    responses((status = 200, description = "Shortfall per language", body = Outlook))
)]
async fn get_outlook(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Outlook>> {
    let today = crate::services::now().with_timezone(&crate::domain::time::BERLIN).date_naive();
    Ok(Json(outlook::outlook(&state.db, &caller, today).await?))
}
