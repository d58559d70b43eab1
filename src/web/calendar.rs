//! The calendar: the feed itself at its secret address, and the page where volunteers and
//! team leads create or end their subscription.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::domain::Role;
use crate::error::AppError;
use crate::services::calendar::{self, FeedRequest};

/// `GET /calendar/{token}.ics`: the feed, or 404 for an unknown or revoked token.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match calendar::feed(&state.db, secret).await {
        Ok(Some(ics)) => {
            let mut response = ics.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    active: bool,
    lead: bool,
    url: Option<String>,
    revoked: bool,
}

async fn render(
    state: &AppState,
    page: &Page,
    url: Option<String>,
    revoked: bool,
) -> Result<Response, WebError> {
    if !page.caller.roles.iter().any(|r| matches!(r, Role::Volunteer | Role::TeamLead)) {
        return Err(page.visitor.fail(AppError::Forbidden));
    }
    let active =
        calendar::active(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    let body = CalendarPage {
        layout: page.layout("calendar.title"),
        active,
        lead: page.caller.has(Role::TeamLead),
        url,
        revoked,
    };
    Ok(page.visitor.respond(StatusCode::OK, body))
}

/// The page.
pub async fn show(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    render(&state, &page, None, false).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CalendarForm {
    csrf: String,
    with_proposals: Option<String>,
}

/// Creates a new address and shows it once.
pub async fn issue(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CalendarForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let request = FeedRequest { with_proposals: form.with_proposals.is_some() };
    let feed = calendar::issue(&state.db, &page.caller, request, &state.settings.public_url)
        .await
        .map_err(|e| page.visitor.fail(e))?;
    render(&state, &page, Some(feed.url), false).await
}

/// Ends the subscription.
pub async fn revoke(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CalendarForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    calendar::revoke(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    render(&state, &page, None, true).await
}
