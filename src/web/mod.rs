//! Server-rendered pages (askama), German first with English, usable without JavaScript:
//! login, a start page per role, the volunteer's profile, availability and absences, and the
//! pool for caseworkers and team leads; booking, the volunteer's proposals and planning runs. Every form carries a CSRF token.

mod absences;
mod assignments;
mod availability;
mod bookings;
mod calendar;
mod charts;
mod courses;
mod dashboard;
mod forms;
mod home;
pub use crate::i18n;
mod login;
mod notifications;
mod nul;
mod page;
mod password;
mod planning;
mod pool;
mod profile;
mod referrals;
mod report;
mod trainings;

use axum::Router;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::AppError;

/// The pages and their static assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::switch_language))
        .route("/profile", get(profile::show).post(profile::save))
        .route("/profile/languages", post(profile::add_language))
        .route("/profile/languages/remove", post(profile::remove_language))
        .route("/availability", get(availability::show).post(availability::add))
        .route("/availability/{id}/delete", post(availability::delete))
        .route("/absences", get(absences::show).post(absences::add))
        .route("/absences/{id}/delete", post(absences::delete))
        .route("/pool", get(pool::show))
        .route("/bookings", get(bookings::show).post(bookings::book))
        .route("/bookings/{id}/cancel", post(bookings::cancel))
        .route("/bookings/{id}/fallback", post(bookings::fallback))
        .route("/bookings/{id}/outcome", post(bookings::outcome))
        .route("/assignments", get(assignments::show))
        .route("/assignments/{id}/confirm", post(assignments::confirm))
        .route("/assignments/{id}/decline", post(assignments::decline))
        .route("/planning", get(planning::show).post(planning::start))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard/export.csv", get(dashboard::export_csv))
        .route("/dashboard/export.xlsx", get(dashboard::export_xlsx))
        .route("/report", get(report::show))
        .route("/report/measures", post(report::save_measures))
        .route("/report/download", get(report::download))
        .route("/referrals", get(referrals::show))
        .route("/referrals/course", post(referrals::add_course))
        .route("/referrals/recognition", post(referrals::add_recognition))
        .route("/referrals/course/{id}/status", post(referrals::course_step))
        .route("/referrals/recognition/{id}/status", post(referrals::recognition_step))
        .route("/calendar", get(calendar::show))
        .route("/calendar/issue", post(calendar::issue))
        .route("/calendar/revoke", post(calendar::revoke))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/password", get(password::show).post(password::change))
        .route("/notifications", get(notifications::show).post(notifications::save))
        .route("/notifications/{id}/retry", post(notifications::retry))
        .route("/courses", get(courses::show))
        .route("/courses/import", post(courses::import_csv))
        .route("/trainings", get(trainings::show).post(trainings::add))
        .route("/trainings/{id}/delete", post(trainings::delete))
        .route("/static/app.css", get(stylesheet))
        .layer(axum::middleware::from_fn(nul::refuse_nul))
}

async fn stylesheet() -> Response {
    let mut response = include_str!("static/app.css").into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// Anything unrouted: problem+json under `/api`, a page elsewhere.
pub async fn not_found(visitor: page::Visitor, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        page::not_found_page(visitor.t, uri.path())
    }
}
