//! A volunteer's assignments: `GET /me/assignments`, confirm, decline.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::assignments::{self, AssignmentView, DeclineRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_assignments))
        .routes(routes!(confirm_assignment))
        .routes(routes!(decline_assignment))
}

/// The caller's proposals and assignments from a week ago on: time, place, language and kind
/// — never the client.
#[utoipa::path(
    get, path = "/me/assignments", tag = "booking", security(("bearer" = [])),
    responses((status = 200, description = "By start", body = Vec<AssignmentView>))
)]
async fn list_assignments(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AssignmentView>>> {
    Ok(Json(assignments::list(&state.db, &caller).await?))
}

/// Accepts a proposal.
#[utoipa::path(
    post, path = "/me/assignments/{id}/confirm", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "Confirmed", body = AssignmentView),
        (status = 409, description = "No longer a proposal", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn confirm_assignment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AssignmentView>> {
    Ok(Json(assignments::confirm(&state.db, &caller, id).await?))
}

/// Declines a proposal with a reason; the appointment goes to the next best volunteer at once.
#[utoipa::path(
    post, path = "/me/assignments/{id}/decline", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Assignment id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = AssignmentView),
        (status = 409, description = "No longer a proposal", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn decline_assignment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DeclineRequest>,
) -> ApiResult<Json<AssignmentView>> {
    Ok(Json(assignments::decline(&state.db, &caller, id, body).await?))
}
