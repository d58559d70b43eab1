//! The course catalogue: `GET|POST /course-providers`, `GET|POST /courses`,
//! `GET|DELETE /courses/{id}`, `POST /courses/import` (CSV).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::StringRejection;
use axum::http::{HeaderMap, StatusCode, header};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, nul_error};
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::FieldErrors;
use crate::error::{ApiResult, AppError};
use crate::services::courses::import::{self, Imported};
use crate::services::courses::{
    self, CourseInput, CourseSearch, CourseView, ProviderInput, ProviderView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_providers, add_provider))
        .routes(routes!(search_courses, add_course))
        .routes(routes!(get_course, replace_course, delete_course))
        .routes(routes!(import_courses))
}

/// Course providers (Kursträger), by name (caseworkers, team leads, admins).
#[utoipa::path(
    get, path = "/course-providers", tag = "courses", security(("bearer" = [])),
    responses((status = 200, description = "Providers", body = Vec<ProviderView>))
)]
async fn list_providers(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ProviderView>>> {
    Ok(Json(courses::providers(&state.db, &caller).await?))
}

/// Adds a course provider (admins).
#[utoipa::path(
    post, path = "/course-providers", tag = "courses", security(("bearer" = [])),
    request_body = ProviderInput,
    responses((status = 201, description = "Added", body = ProviderView))
)]
async fn add_provider(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ProviderInput>,
) -> ApiResult<(StatusCode, Json<ProviderView>)> {
    Ok((StatusCode::CREATED, Json(courses::add_provider(&state.db, &caller, body).await?)))
}

/// Searches the catalogue: by default the courses a client can still join (caseworkers, team
/// leads, admins).
#[utoipa::path(
    get, path = "/courses", tag = "courses", security(("bearer" = [])),
    params(CourseSearch),
    responses((status = 200, description = "Courses by start", body = Vec<CourseView>))
)]
async fn search_courses(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CourseSearch>,
) -> ApiResult<Json<Vec<CourseView>>> {
    Ok(Json(courses::search(&state.db, &caller, query).await?))
}

/// Adds a course (admins).
#[utoipa::path(
    post, path = "/courses", tag = "courses", security(("bearer" = [])),
    request_body = CourseInput,
    responses((status = 201, description = "Added", body = CourseView))
)]
async fn add_course(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CourseInput>,
) -> ApiResult<(StatusCode, Json<CourseView>)> {
    Ok((StatusCode::CREATED, Json(courses::add_course(&state.db, &caller, body).await?)))
}

/// One course.
#[utoipa::path(
    get, path = "/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Course id")),
    responses((status = 200, description = "The course", body = CourseView))
)]
async fn get_course(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CourseView>> {
    Ok(Json(courses::get(&state.db, &caller, id).await?))
}

/// Replaces a course's record (admins).
#[utoipa::path(
    put, path = "/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Course id")),
    request_body = CourseInput,
    responses((status = 200, description = "Replaced", body = CourseView))
)]
async fn replace_course(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CourseInput>,
) -> ApiResult<Json<CourseView>> {
    Ok(Json(courses::replace_course(&state.db, &caller, id, body).await?))
}

/// Removes a course no referral names (admins).
#[utoipa::path(
    delete, path = "/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Course id")),
    responses((status = 204, description = "Removed"))
)]
async fn delete_course(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    courses::delete_course(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports courses from CSV (`text/csv`, semicolon-separated, header as documented in the
/// README): every row or none; each bad row's faults are named under `line N.field` (admins).
#[utoipa::path(
    post, path = "/courses/import", tag = "courses", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "Imported", body = Imported))
)]
async fn import_courses(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> ApiResult<Json<Imported>> {
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv") || v.starts_with("text/plain"));
    if !csv {
        return Err(AppError::UnsupportedMediaType);
    }
    // axum's own rejection (bytes that are not UTF-8, a body too large) is plain text.
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest {
                detail: format!("the body is not UTF-8 text: {}", e.body_text()),
                errors: FieldErrors::new(),
            }
        }
    })?;
    if body.contains('\0') {
        return Err(nul_error("body"));
    }
    Ok(Json(import::import(&state.db, &caller, &body).await?))
}
