//! Clients: `GET|PUT /clients/{reference}` (caseworkers).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::clients::{self, ClientInput, ClientView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_client, put_client))
}

/// A client's languages, preferred interpreter gender and exclusions.
#[utoipa::path(
    get, path = "/clients/{reference}", tag = "booking", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Pseudonymous customer reference")),
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
    params(("reference" = String, Path, description = "Pseudonymous customer reference")),
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
