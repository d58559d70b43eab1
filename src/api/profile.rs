//! The volunteer's own profile: `/me/profile`, `/me/languages`, `/me/availability`,
//! `/me/absences`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::profile::{
    self, AbsenceInput, AvailabilityInput, LanguagesInput, ProfileChanges,
};
use crate::services::views::{AbsenceView, AvailabilityView, InterpreterView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, update_profile))
        .routes(routes!(replace_languages))
        .routes(routes!(list_availability, add_availability))
        .routes(routes!(update_availability, delete_availability))
        .routes(routes!(list_absences, add_absence))
        .routes(routes!(update_absence, delete_absence))
}

/// The caller's own interpreter profile with languages, availability and absences.
#[utoipa::path(
    get, path = "/me/profile", tag = "profile", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = InterpreterView),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_profile(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<InterpreterView>> {
    Ok(Json(profile::get(&state.db, &caller).await?))
}

/// Changes gender, home team, modes, holiday opt-in or the declaration date.
#[utoipa::path(
    patch, path = "/me/profile", tag = "profile", security(("bearer" = [])),
    request_body = ProfileChanges,
    responses(
        (status = 200, description = "The changed profile", body = InterpreterView),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_profile(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ProfileChanges>,
) -> ApiResult<Json<InterpreterView>> {
    Ok(Json(profile::update(&state.db, &caller, body).await?))
}

/// Replaces the caller's languages with the list sent.
#[utoipa::path(
    put, path = "/me/languages", tag = "profile", security(("bearer" = [])),
    request_body = LanguagesInput,
    responses(
        (status = 200, description = "The profile with its new languages", body = InterpreterView),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn replace_languages(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LanguagesInput>,
) -> ApiResult<Json<InterpreterView>> {
    Ok(Json(profile::replace_languages(&state.db, &caller, body).await?))
}

/// The caller's weekly availability windows.
#[utoipa::path(
    get, path = "/me/availability", tag = "profile", security(("bearer" = [])),
    responses(
        (status = 200, description = "The windows", body = Vec<AvailabilityView>),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_availability(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AvailabilityView>>> {
    let view = profile::get(&state.db, &caller).await?;
    Ok(Json(view.planning.map(|p| p.availability).unwrap_or_default()))
}

/// Adds a weekly availability window (Europe/Berlin wall-clock time).
#[utoipa::path(
    post, path = "/me/availability", tag = "profile", security(("bearer" = [])),
    request_body = AvailabilityInput,
    responses(
        (status = 201, description = "The new window", body = AvailabilityView),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many windows", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_availability(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AvailabilityInput>,
) -> ApiResult<(StatusCode, Json<AvailabilityView>)> {
    Ok((StatusCode::CREATED, Json(profile::add_availability(&state.db, &caller, body).await?)))
}

/// Replaces one of the caller's windows.
#[utoipa::path(
    put, path = "/me/availability/{id}", tag = "profile", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Window id")),
    request_body = AvailabilityInput,
    responses((status = 200, description = "The changed window", body = AvailabilityView))
)]
async fn update_availability(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AvailabilityInput>,
) -> ApiResult<Json<AvailabilityView>> {
    Ok(Json(profile::update_availability(&state.db, &caller, id, body).await?))
}

/// Removes one of the caller's windows.
#[utoipa::path(
    delete, path = "/me/availability/{id}", tag = "profile", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Window id")),
    responses((status = 204, description = "Removed"))
)]
async fn delete_availability(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    profile::delete_availability(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's absences, with reasons.
#[utoipa::path(
    get, path = "/me/absences", tag = "profile", security(("bearer" = [])),
    responses(
        (status = 200, description = "The absences", body = Vec<AbsenceView>),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_absences(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AbsenceView>>> {
    let view = profile::get(&state.db, &caller).await?;
    Ok(Json(view.planning.map(|p| p.absences).unwrap_or_default()))
}

/// Records an absence `[from, until)`.
#[utoipa::path(
    post, path = "/me/absences", tag = "profile", security(("bearer" = [])),
    request_body = AbsenceInput,
    responses(
        (status = 201, description = "The new absence", body = AbsenceView),
        (status = 404, description = "The caller has no interpreter profile", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Overlaps another absence; `errors.from` says which", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_absence(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AbsenceInput>,
) -> ApiResult<(StatusCode, Json<AbsenceView>)> {
    Ok((StatusCode::CREATED, Json(profile::add_absence(&state.db, &caller, body).await?)))
}

/// Changes one of the caller's absences.
#[utoipa::path(
    put, path = "/me/absences/{id}", tag = "profile", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Absence id")),
    request_body = AbsenceInput,
    responses(
        (status = 200, description = "The changed absence", body = AbsenceView),
        (status = 409, description = "Overlaps another absence", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_absence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AbsenceInput>,
) -> ApiResult<Json<AbsenceView>> {
    Ok(Json(profile::update_absence(&state.db, &caller, id, body).await?))
}

/// Removes one of the caller's absences.
#[utoipa::path(
    delete, path = "/me/absences/{id}", tag = "profile", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Absence id")),
    responses((status = 204, description = "Removed"))
)]
async fn delete_absence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    profile::delete_absence(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
