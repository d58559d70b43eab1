//! The language list: `GET|POST /languages`, `PATCH /languages/{tag}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::languages::{self, LanguageChanges, LanguageView, NewLanguage};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_languages, create_language))
        .routes(routes!(update_language))
}

/// The organisation's language list with macrolanguage fallbacks (any role).
#[utoipa::path(
    get, path = "/languages", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The languages", body = Vec<LanguageView>))
)]
async fn list_languages(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<LanguageView>>> {
    Ok(Json(languages::list(&state.db, &caller).await?))
}

/// Adds a language (admins).
#[utoipa::path(
    post, path = "/languages", tag = "admin", security(("bearer" = [])),
    request_body = NewLanguage,
    responses(
        (status = 201, description = "Created", body = LanguageView),
        (status = 409, description = "The tag is on the list already", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_language(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewLanguage>,
) -> ApiResult<(StatusCode, Json<LanguageView>)> {
    Ok((StatusCode::CREATED, Json(languages::create(&state.db, &caller, body).await?)))
}

/// Renames a language, sets or clears its fallback, or (de)activates it (admins).
#[utoipa::path(
    patch, path = "/languages/{tag}", tag = "admin", security(("bearer" = [])),
    params(("tag" = String, Path, description = "BCP 47 tag", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")),
    request_body = LanguageChanges,
    responses((status = 200, description = "The changed language", body = LanguageView))
)]
async fn update_language(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(tag): ApiPath<String>,
    ApiJson(body): ApiJson<LanguageChanges>,
) -> ApiResult<Json<LanguageView>> {
    Ok(Json(languages::update(&state.db, &caller, &tag, body).await?))
}
