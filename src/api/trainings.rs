//! Trainings: `GET|POST /trainings`, `PUT|DELETE /trainings/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::trainings::{self, TrainingInput, TrainingQuery, TrainingView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_trainings, create_training))
        .routes(routes!(replace_training, delete_training))
}

/// Intercultural trainings held, newest first (team leads, admins).
#[utoipa::path(
    get, path = "/trainings", tag = "coverage", security(("bearer" = [])),
    params(TrainingQuery),
    responses((status = 200, description = "Trainings", body = Vec<TrainingView>))
)]
async fn list_trainings(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<TrainingQuery>,
) -> ApiResult<Json<Vec<TrainingView>>> {
    Ok(Json(trainings::list(&state.db, &caller, query).await?))
}

/// Records a training with its participants by department (team leads, admins).
#[utoipa::path(
    post, path = "/trainings", tag = "coverage", security(("bearer" = [])),
    request_body = TrainingInput,
    responses((status = 201, description = "Recorded", body = TrainingView))
)]
async fn create_training(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TrainingInput>,
) -> ApiResult<(StatusCode, Json<TrainingView>)> {
    Ok((StatusCode::CREATED, Json(trainings::create(&state.db, &caller, body).await?)))
}

/// Replaces a training's record (team leads, admins).
#[utoipa::path(
    put, path = "/trainings/{id}", tag = "coverage", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Training id")),
    request_body = TrainingInput,
    responses((status = 200, description = "Replaced", body = TrainingView))
)]
async fn replace_training(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TrainingInput>,
) -> ApiResult<Json<TrainingView>> {
    Ok(Json(trainings::replace(&state.db, &caller, id, body).await?))
}

/// Deletes a training recorded by mistake (team leads, admins).
#[utoipa::path(
    delete, path = "/trainings/{id}", tag = "coverage", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Training id")),
    responses((status = 204, description = "Deleted"))
)]
async fn delete_training(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    trainings::delete(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
