//! `POST /auth/login`, `POST /auth/logout`, `GET /me`, `POST /me/password`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::app::AppState;
use crate::auth::{Caller, ClientAddress, SessionKind};
use crate::error::{ApiResult, Problem};
use crate::services::auth::{self, Credentials, LoginRequest, LoginResponse, MeView};
use crate::services::users::{self, PasswordChange};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

/// Changes the caller's own password. The current password is checked as at a login, with the
/// same throttles; the new one needs at least 12 characters. Every other session of the
/// caller ends; this one goes on.
#[utoipa::path(
    post, path = "/me/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "The current password is wrong, or the new one too short", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong attempts; wait for `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many password checks at once", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    users::change_own_password(&state, &caller, body, address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Logs in with username and password and returns a bearer token.
///
/// Wrong usernames and wrong passwords get the same answer. Failed logins make further attempts
/// of that username from that address wait, longer each time; too many from one address, or
/// for one username from everywhere, are refused for a while (429 with `Retry-After`). When
/// too many logins arrive at once, some are answered 503 with `Retry-After`.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Username or password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Username or password too long", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; wait for `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many logins at once; try again after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let credentials = Credentials { username: &body.username, password: &body.password, address };
    let login = auth::login(&state, credentials, SessionKind::Bearer).await?;
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
