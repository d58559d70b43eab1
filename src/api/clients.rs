//! Clients: `GET|PUT /clients/{reference}`, and a client's data-protection rights:
//! `GET /clients/{reference}/export` (GDPR Art. 15) and `POST /clients/{reference}/erase`
//! (Art. 17). Caseworkers only.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::clients::{self, ClientInput, ClientView};
use crate::services::privacy::subject::{self, Erasure, SubjectExport};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_client, put_client))
        .routes(routes!(export_client))
        .routes(routes!(erase_client))
}

/// A client's languages, preferred interpreter gender and exclusions.
#[utoipa::path(
    get, path = "/clients/{reference}", tag = "booking", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Pseudonymous customer reference", pattern = "^[A-Za-z0-9_/.-]{3,40}$")),
    responses((status = 200, description = "The client", body = ClientView))
)]
async fn get_client(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<ClientView>> {
    Ok(Json(clients::get(&state.db, &caller, &reference).await?))
}

/// Creates or replaces a client's record; exclusions are never proposed to the client.
#[utoipa::path(
    put, path = "/clients/{reference}", tag = "booking", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Pseudonymous customer reference", pattern = "^[A-Za-z0-9_/.-]{3,40}$")),
    request_body = ClientInput,
    responses((status = 200, description = "The client", body = ClientView))
)]
async fn put_client(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(reference): ApiPath<String>,
    ApiJson(body): ApiJson<ClientInput>,
) -> ApiResult<Json<ClientView>> {
    Ok(Json(clients::put(&state.db, &caller, &reference, body).await?))
}

/// Everything stored about a client, for a request under GDPR Art. 15; the disclosure is
/// audited.
#[utoipa::path(
    get, path = "/clients/{reference}/export", tag = "booking", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Pseudonymous customer reference", pattern = "^[A-Za-z0-9_/.-]{3,40}$")),
    responses(
        (status = 200, description = "The client's data", body = SubjectExport),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn export_client(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<SubjectExport>> {
    Ok(Json(subject::export(&state.db, &caller, &reference).await?))
}

/// Erases a client under GDPR Art. 17: the reference and everything written about the client;
/// appointments and referrals stay for the figures, without anything that leads back.
#[utoipa::path(
    post, path = "/clients/{reference}/erase", tag = "booking", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Pseudonymous customer reference", pattern = "^[A-Za-z0-9_/.-]{3,40}$")),
    responses(
        (status = 200, description = "Erased", body = Erasure),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Appointments still to come; cancel them first", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn erase_client(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<Erasure>> {
    Ok(Json(subject::erase(&state.db, &caller, &reference).await?))
}
