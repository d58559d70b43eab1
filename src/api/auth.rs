//! `POST /auth/login`, `POST /auth/logout`, `GET /me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::app::AppState;
use crate::auth::{Caller, SessionKind};
use crate::error::{ApiResult, Problem};
use crate::services::auth::{self, LoginRequest, LoginResponse, MeView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(logout)).routes(routes!(me))
}

/// Logs in with username and password and returns a bearer token.
///
/// Wrong usernames and wrong passwords get the same answer. After too many failures for one
/// username, logins for it are refused for a while (429 with `Retry-After`).
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Username or password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this username", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let login = auth::login(
        &state.db,
        &state.settings,
        &body.username,
        &body.password,
        SessionKind::Bearer,
    )
    .await?;
    Ok(Json(LoginResponse {
        token: login.token,
        token_type: "Bearer",
        expires_at: login.expires_at,
    }))
}

/// Ends the session of the token sent; the token stops working at once.
#[utoipa::path(
    post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"))
)]
async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    auth::logout(&state.db, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is logged in: account, organisation and roles.
#[utoipa::path(
    get, path = "/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeView))
)]
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<MeView>> {
    Ok(Json(auth::me(&state.db, caller).await?))
}
