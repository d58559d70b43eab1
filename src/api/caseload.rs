//! `POST /caseload/handover`: clients handed over to a colleague.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::caseload::{self, Handover, HandoverView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(handover))
}

/// Hands clients over to another caseworker, who then serves them: with `client_ref`, a
/// caseworker hands over one of their own clients; without, a team lead hands over all of a
/// caseworker's clients, for example when someone leaves. Every appointment the giver booked
/// for them and every referral they made move along, so the giver no longer serves them.
/// Both are audited.
#[utoipa::path(
    post, path = "/caseload/handover", tag = "booking", security(("bearer" = [])),
    request_body = Handover,
    responses(
        (status = 200, description = "Handed over", body = HandoverView),
        (status = 422, description = "A colleague who is not an active caseworker of the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn handover(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Handover>,
) -> ApiResult<Json<HandoverView>> {
    Ok(Json(caseload::hand_over(&state.db, &caller, body).await?))
}
