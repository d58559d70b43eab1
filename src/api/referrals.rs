//! Referrals: `GET|POST /course-referrals`, `GET /course-referrals/{id}`,
//! `POST /course-referrals/{id}/status`, and the same under `/recognition-referrals`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::referrals::course::{
    self, CourseReferralQuery, CourseReferralView, CourseTransition, NewCourseReferral,
};
use crate::services::referrals::recognition::{
    self, NewRecognitionReferral, RecognitionQuery, RecognitionReferralView, RecognitionTransition,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_course_referrals, create_course_referral))
        .routes(routes!(get_course_referral))
        .routes(routes!(move_course_referral))
        .routes(routes!(list_recognition_referrals, create_recognition_referral))
        .routes(routes!(get_recognition_referral))
        .routes(routes!(move_recognition_referral))
}

/// Language-course referrals: a caseworker's own, or for team leads all of the organisation's
/// without client references; `due=true` lists those to follow up.
#[utoipa::path(
    get, path = "/course-referrals", tag = "referrals", security(("bearer" = [])),
    params(CourseReferralQuery),
    responses((status = 200, description = "Referrals", body = Vec<CourseReferralView>))
)]
async fn list_course_referrals(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CourseReferralQuery>,
) -> ApiResult<Json<Vec<CourseReferralView>>> {
    Ok(Json(course::list(&state.db, &caller, query).await?))
}

/// Refers a client to a language course or programme (caseworkers).
#[utoipa::path(
    post, path = "/course-referrals", tag = "referrals", security(("bearer" = [])),
    request_body = NewCourseReferral,
    responses((status = 201, description = "Referred", body = CourseReferralView))
)]
async fn create_course_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCourseReferral>,
) -> ApiResult<(StatusCode, Json<CourseReferralView>)> {
    let created =
        course::create(&state.db, &caller, body, state.settings.referral_follow_up_days).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One language-course referral with its steps.
#[utoipa::path(
    get, path = "/course-referrals/{id}", tag = "referrals", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Referral id")),
    responses((status = 200, description = "The referral", body = CourseReferralView))
)]
async fn get_course_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CourseReferralView>> {
    Ok(Json(course::get(&state.db, &caller, id).await?))
}

/// Moves a language-course referral on; a step its life cycle does not allow answers 409 with
/// the states that may follow (caseworkers).
#[utoipa::path(
    post, path = "/course-referrals/{id}/status", tag = "referrals", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Referral id")),
    request_body = CourseTransition,
    responses(
        (status = 200, description = "Moved on", body = CourseReferralView),
        (status = 409, description = "Not allowed from here; the allowed next states are named", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn move_course_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CourseTransition>,
) -> ApiResult<Json<CourseReferralView>> {
    Ok(Json(
        course::transition(&state.db, &caller, id, body, state.settings.referral_follow_up_days)
            .await?,
    ))
}

/// Recognition referrals: a caseworker's own, or for team leads all of the organisation's
/// without client references; `due=true` lists those to follow up.
#[utoipa::path(
    get, path = "/recognition-referrals", tag = "referrals", security(("bearer" = [])),
    params(RecognitionQuery),
    responses((status = 200, description = "Referrals", body = Vec<RecognitionReferralView>))
)]
async fn list_recognition_referrals(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<RecognitionQuery>,
) -> ApiResult<Json<Vec<RecognitionReferralView>>> {
    Ok(Json(
        recognition::list(&state.db, &caller, query, state.settings.referral_follow_up_days)
            .await?,
    ))
}

/// Refers a client to recognition advice for a foreign qualification (caseworkers).
#[utoipa::path(
    post, path = "/recognition-referrals", tag = "referrals", security(("bearer" = [])),
    request_body = NewRecognitionReferral,
    responses((status = 201, description = "Referred", body = RecognitionReferralView))
)]
async fn create_recognition_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRecognitionReferral>,
) -> ApiResult<(StatusCode, Json<RecognitionReferralView>)> {
    let created =
        recognition::create(&state.db, &caller, body, state.settings.referral_follow_up_days)
            .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One recognition referral with the dates of its steps.
#[utoipa::path(
    get, path = "/recognition-referrals/{id}", tag = "referrals", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Referral id")),
    responses((status = 200, description = "The referral", body = RecognitionReferralView))
)]
async fn get_recognition_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RecognitionReferralView>> {
    Ok(Json(
        recognition::get(&state.db, &caller, id, state.settings.referral_follow_up_days).await?,
    ))
}

/// Moves a recognition referral on; the decision carries the outcome (caseworkers).
#[utoipa::path(
    post, path = "/recognition-referrals/{id}/status", tag = "referrals", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Referral id")),
    request_body = RecognitionTransition,
    responses(
        (status = 200, description = "Moved on", body = RecognitionReferralView),
        (status = 409, description = "Not allowed from here; the allowed next states are named", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn move_recognition_referral(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecognitionTransition>,
) -> ApiResult<Json<RecognitionReferralView>> {
    Ok(Json(
        recognition::transition(
            &state.db,
            &caller,
            id,
            body,
            state.settings.referral_follow_up_days,
        )
        .await?,
    ))
}
