//! Sites: `GET|POST /sites`, `PATCH /sites/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::sites::{self, NewSite, SiteChanges, SiteView, Travel};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sites, create_site))
        .routes(routes!(update_site))
        .routes(routes!(list_site_travel, set_site_travel))
}

/// The organisation's sites (any role).
#[utoipa::path(
    get, path = "/sites", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The sites", body = Vec<SiteView>))
)]
async fn list_sites(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SiteView>>> {
    Ok(Json(sites::list(&state.db, &caller).await?))
}

/// Adds a site (admins).
#[utoipa::path(
    post, path = "/sites", tag = "admin", security(("bearer" = [])),
    request_body = NewSite,
    responses(
        (status = 201, description = "Created", body = SiteView),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_site(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSite>,
) -> ApiResult<(StatusCode, Json<SiteView>)> {
    Ok((StatusCode::CREATED, Json(sites::create(&state.db, &caller, body).await?)))
}

/// Renames, readdresses or (de)activates a site (admins).
#[utoipa::path(
    patch, path = "/sites/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Site id")),
    request_body = SiteChanges,
    responses((status = 200, description = "The changed site", body = SiteView))
)]
async fn update_site(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SiteChanges>,
) -> ApiResult<Json<SiteView>> {
    Ok(Json(sites::update(&state.db, &caller, id, body).await?))
}

/// Travel times between the organisation's sites (any role); unlisted pairs count 60 minutes.
#[utoipa::path(
    get, path = "/site-travel", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Travel times", body = Vec<Travel>))
)]
async fn list_site_travel(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Travel>>> {
    Ok(Json(sites::list_travel(&state.db, &caller).await?))
}

/// Sets the travel time between two sites, either way (admins).
#[utoipa::path(
    put, path = "/site-travel", tag = "admin", security(("bearer" = [])),
    request_body = Travel,
    responses((status = 200, description = "Set", body = Travel))
)]
async fn set_site_travel(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Travel>,
) -> ApiResult<Json<Travel>> {
    Ok(Json(sites::set_travel(&state.db, &caller, body).await?))
}
