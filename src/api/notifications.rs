//! Notification settings and the outbox: `GET|PUT /me/notifications`, `GET /outbox/parked`,
//! `POST /outbox/{id}/retry`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::notify::settings::{self, NotificationSettings, ParkedMessage};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_parked))
        .routes(routes!(retry_parked))
}

/// The caller's notification settings.
#[utoipa::path(
    get, path = "/me/notifications", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = NotificationSettings))
)]
async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(settings::get(&state.db, &caller).await?))
}

/// Which messages the caller wants, and in which language.
#[utoipa::path(
    put, path = "/me/notifications", tag = "profile", security(("bearer" = [])),
    request_body = NotificationSettings,
    responses((status = 200, description = "Kept", body = NotificationSettings))
)]
async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NotificationSettings>,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(settings::put(&state.db, &caller, body).await?))
}

/// Messages that could not be sent (admins).
#[utoipa::path(
    get, path = "/outbox/parked", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Parked messages", body = Vec<ParkedMessage>))
)]
async fn list_parked(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ParkedMessage>>> {
    Ok(Json(settings::parked(&state.db, &caller).await?))
}

/// Puts a parked message back in line (admins).
#[utoipa::path(
    post, path = "/outbox/{id}/retry", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Message id")),
    responses((status = 204, description = "Queued again"))
)]
async fn retry_parked(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    settings::retry(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
