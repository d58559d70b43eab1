//! Accounts: `GET|POST /users`, `GET|PATCH /users/{id}`, `POST /users/{id}/unlock` (admins).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::users::{self, NewUser, UserChanges, UserView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(unlock_user))
}

/// Lifts the login lock of an account: the lock that many failed logins from anywhere set,
/// and this instance's waits after failed logins. Answers whether the account was locked.
#[utoipa::path(
    post, path = "/users/{id}/unlock", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "Unlocked", body = UnlockView))
)]
async fn unlock_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UnlockView>> {
    Ok(Json(UnlockView { was_locked: users::unlock(&state, &caller, id).await? }))
}

/// The answer to an unlock.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnlockView {
    /// Whether logins for the account were refused until now.
    pub was_locked: bool,
}

/// Every account of the organisation.
#[utoipa::path(
    get, path = "/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The accounts", body = Vec<UserView>))
)]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(users::list(&state.db, &caller).await?))
}

/// Creates an account; the volunteer role opens an interpreter profile at the home site.
#[utoipa::path(
    post, path = "/users", tag = "admin", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((StatusCode::CREATED, Json(users::create(&state.db, &caller, body).await?)))
}

/// One account of the organisation.
#[utoipa::path(
    get, path = "/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "The account", body = UserView))
)]
async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::get(&state.db, &caller, id).await?))
}

/// Changes an account: name, e-mail, password, roles, site, language, active flag.
#[utoipa::path(
    patch, path = "/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserChanges,
    responses(
        (status = 200, description = "The changed account", body = UserView),
        (status = 409, description = "Removing one's own admin role or deactivating oneself", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserChanges>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::update(&state.db, &caller, id, body).await?))
}
