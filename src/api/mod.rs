//! The JSON API under `/api/v1`, one module per resource, and its OpenAPI 3.1 document, which
//! is generated from the handlers and served at `/api/openapi.json`.

mod appointments;
mod assignments;
mod audit;
mod auth;
mod calendar;
mod caseload;
mod clients;
mod courses;
mod coverage;
pub mod extract;
mod health;
mod holidays;
mod interpreters;
mod languages;
mod notifications;
mod openapi;
mod planning_runs;
mod profile;
mod referrals;
mod reports;
mod sites;
mod trainings;
mod users;

use axum::Json;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::AppError;

/// The routes and their generated document.
fn documented() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(auth::router())
        .merge(profile::router())
        .merge(interpreters::router())
        .merge(users::router())
        .merge(sites::router())
        .merge(languages::router())
        .merge(audit::router())
        .merge(holidays::router())
        .merge(appointments::router())
        .merge(assignments::router())
        .merge(planning_runs::router())
        .merge(clients::router())
        .merge(caseload::router())
        .merge(coverage::router())
        .merge(trainings::router())
        .merge(reports::router())
        .merge(courses::router())
        .merge(referrals::router())
        .merge(calendar::router())
        .merge(notifications::router());
    let (router, doc) = OpenApiRouter::with_openapi(openapi::base())
        .nest("/api/v1", v1)
        .merge(health::router())
        .split_for_parts();
    (router, openapi::finish(doc))
}

/// Every API route, plus `/api/openapi.json`. `/healthz` and `/readyz` sit at the root.
pub fn router() -> axum::Router<AppState> {
    let (router, doc) = documented();
    router
        .route("/api/openapi.json", get(move || async move { Json(doc) }))
        // Only these routes: the web pages keep axum's plain answer.
        .method_not_allowed_fallback(method_not_allowed)
}

/// A known path called with a method it does not have; axum adds the `Allow` header.
async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// The OpenAPI document, for tools and tests.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    documented().1
}
