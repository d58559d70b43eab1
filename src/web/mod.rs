//! Server-rendered pages (askama), German first with English, usable without JavaScript.

use axum::Router;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::AppError;

/// The pages.
pub fn router() -> Router<AppState> {
    Router::new()
}

/// Anything unrouted.
pub async fn not_found(uri: Uri) -> Response {
    let _ = uri;
    AppError::NotFound.into_response()
}
