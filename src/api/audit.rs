//! `GET /audit-events` (admins).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::audit_log::{self, AuditEventView, AuditQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}

/// The organisation's audit log, newest first.
#[utoipa::path(
    get, path = "/audit-events", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "Entries", body = Vec<AuditEventView>))
)]
async fn list_audit_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEventView>>> {
    Ok(Json(audit_log::list(&state.db, &caller, query).await?))
}
