//! The caller's calendar feed: `GET|POST|DELETE /me/calendar`. The feed itself is served at
//! `/calendar/{token}.ics` (see `web`), outside the API: calendar programs know no bearer
//! tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::calendar::{self, Feed, FeedRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(feed_state, issue_feed, revoke_feed))
}

/// Whether the caller has a feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedState {
    pub active: bool,
}

/// Whether the caller's calendar feed is on (volunteers, team leads).
#[utoipa::path(
    get, path = "/me/calendar", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "Feed state", body = FeedState))
)]
async fn feed_state(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<FeedState>> {
    caller.require_any(&[crate::domain::Role::Volunteer, crate::domain::Role::TeamLead])?;
    Ok(Json(FeedState { active: calendar::active(&state.db, &caller).await? }))
}

/// Creates a new secret feed address, shown this once; the old one stops working.
#[utoipa::path(
    post, path = "/me/calendar", tag = "profile", security(("bearer" = [])),
    request_body = FeedRequest,
    responses((status = 201, description = "The new address", body = Feed))
)]
async fn issue_feed(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<FeedRequest>,
) -> ApiResult<(StatusCode, Json<Feed>)> {
    Ok((
        StatusCode::CREATED,
        Json(calendar::issue(&state.db, &caller, body, &state.settings.public_url).await?),
    ))
}

/// Ends the feed: its address answers 404 from now on.
#[utoipa::path(
    delete, path = "/me/calendar", tag = "profile", security(("bearer" = [])),
    responses((status = 204, description = "Ended"))
)]
async fn revoke_feed(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    calendar::revoke(&state.db, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
