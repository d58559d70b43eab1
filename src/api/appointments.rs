//! Booking: `POST|GET /appointments`, `GET /appointments/{id}`, and the actions cancel,
//! outcome and fallback.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::booking::views::AppointmentView;
use crate::services::booking::{
    self, AppointmentQuery, Booking, BookingRequest, CancelRequest, FallbackRequest, OutcomeRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(book_appointment, list_appointments))
        .routes(routes!(get_appointment))
        .routes(routes!(cancel_appointment))
        .routes(routes!(record_outcome))
        .routes(routes!(record_fallback))
}

/// Books an interpreter. The answer says at once who is proposed (`status: proposed`) or why
/// nobody can be (`status: unfilled`, `reason`, `reason_detail`). With `series`, every
/// occurrence is booked and planned.
#[utoipa::path(
    post, path = "/appointments", tag = "booking", security(("bearer" = [])),
    request_body = BookingRequest,
    responses((status = 201, description = "Booked and planned", body = Booking))
)]
async fn book_appointment(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BookingRequest>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    let booked = booking::book(&state.db, &caller, body).await;
    state.metrics.booked(&booked);
    Ok((StatusCode::CREATED, Json(booked?)))
}

/// The caller's bookings in a period; for team leads all of the organisation's, without
/// client references.
#[utoipa::path(
    get, path = "/appointments", tag = "booking", security(("bearer" = [])),
    params(AppointmentQuery),
    responses((status = 200, description = "Bookings by start", body = Vec<AppointmentView>))
)]
async fn list_appointments(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AppointmentQuery>,
) -> ApiResult<Json<Vec<AppointmentView>>> {
    Ok(Json(booking::list(&state.db, &caller, query).await?))
}

/// One booking.
#[utoipa::path(
    get, path = "/appointments/{id}", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses((status = 200, description = "The booking", body = AppointmentView))
)]
async fn get_appointment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AppointmentView>> {
    Ok(Json(booking::get(&state.db, &caller, id).await?))
}

/// Cancels the appointment, or with `scope: series_from_here` its series from it on.
#[utoipa::path(
    post, path = "/appointments/{id}/cancel", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    request_body = CancelRequest,
    responses(
        (status = 200, description = "The cancelled appointments", body = Vec<AppointmentView>),
        (status = 409, description = "Already held or cancelled, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn cancel_appointment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CancelRequest>,
) -> ApiResult<Json<Vec<AppointmentView>>> {
    Ok(Json(booking::cancel(&state.db, &caller, id, body).await?))
}

/// Records how a confirmed appointment went: `held` or `client_no_show`.
#[utoipa::path(
    post, path = "/appointments/{id}/outcome", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    request_body = OutcomeRequest,
    responses(
        (status = 200, description = "Recorded", body = AppointmentView),
        (status = 409, description = "Not confirmed, or not begun yet", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn record_outcome(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutcomeRequest>,
) -> ApiResult<Json<AppointmentView>> {
    Ok(Json(booking::record_outcome(&state.db, &caller, id, body).await?))
}

/// Records the fallback used for an unfilled appointment.
#[utoipa::path(
    post, path = "/appointments/{id}/fallback", tag = "booking", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    request_body = FallbackRequest,
    responses(
        (status = 200, description = "Recorded", body = AppointmentView),
        (status = 409, description = "The appointment is not unfilled", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn record_fallback(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FallbackRequest>,
) -> ApiResult<Json<AppointmentView>> {
    Ok(Json(booking::record_fallback(&state.db, &caller, id, body).await?))
}
