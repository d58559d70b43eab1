//! The pool: `GET /interpreters`, `GET|PATCH /interpreters/{id}`.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::pool::{self, PoolChanges, PoolQuery};
use crate::services::views::InterpreterView;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_interpreters))
        .routes(routes!(get_interpreter, update_interpreter))
}

/// The organisation's volunteers. Caseworkers and admins see who speaks what where; team
/// leads also see caps, availability and absence periods.
#[utoipa::path(
    get, path = "/interpreters", tag = "pool", security(("bearer" = [])),
    params(PoolQuery),
    responses((status = 200, description = "Matching volunteers", body = Vec<InterpreterView>))
)]
async fn list_interpreters(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PoolQuery>,
) -> ApiResult<Json<Vec<InterpreterView>>> {
    Ok(Json(pool::list(&state.db, &caller, query).await?))
}

/// One volunteer of the organisation.
#[utoipa::path(
    get, path = "/interpreters/{id}", tag = "pool", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Interpreter profile id")),
    responses((status = 200, description = "The volunteer", body = InterpreterView))
)]
async fn get_interpreter(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<InterpreterView>> {
    Ok(Json(pool::get(&state.db, &caller, id).await?))
}

/// Sets a volunteer's weekly and daily caps, home site, or active flag (team leads).
#[utoipa::path(
    patch, path = "/interpreters/{id}", tag = "pool", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Interpreter profile id")),
    request_body = PoolChanges,
    responses((status = 200, description = "The changed volunteer", body = InterpreterView))
)]
async fn update_interpreter(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PoolChanges>,
) -> ApiResult<Json<InterpreterView>> {
    Ok(Json(pool::update(&state.db, &caller, id, body).await?))
}
