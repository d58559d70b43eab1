//! Logging in and out in the browser, and switching the page language.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cookie::time::Duration;
use serde::Deserialize;

use super::page::{LANG_COOKIE, Layout, Page, SESSION_COOKIE, Visitor, WebError, safe_next};
use crate::app::AppState;
use crate::auth::{ClientAddress, SessionKind};
use crate::domain::Locale;
use crate::error::AppError;
use crate::services::auth::{self, Credentials};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    /// A refusal to show above the form.
    problem: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login form.
pub async fn form(visitor: Visitor, Query(query): Query<NextQuery>) -> Response {
    let page = LoginPage {
        layout: visitor.layout("login.title", None),
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        problem: None,
    };
    visitor.respond(StatusCode::OK, page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: String,
    csrf: String,
}

/// Checks the credentials, sets the session cookie and goes on to the page asked for.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    visitor.check_csrf(&form.csrf)?;
    let next = safe_next(Some(&form.next));
    let credentials = Credentials { username: &form.username, password: &form.password, address };
    match auth::login(&state, credentials, SessionKind::Cookie).await {
        Ok(login) => {
            let max_age = Duration::hours(i64::from(state.settings.session_max_hours));
            let mut session = visitor.cookie(SESSION_COOKIE, login.token, SameSite::Lax);
            session.set_max_age(max_age);
            let jar = CookieJar::new().add(session).add(visitor.renewed_csrf_cookie());
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(
            error @ (AppError::InvalidCredentials
            | AppError::TooManyAttempts { .. }
            | AppError::Busy { .. }
            | AppError::Validation(_)),
        ) => {
            let (status, key) = match error {
                AppError::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "login.locked"),
                AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "login.busy"),
                AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "login.too_long"),
                _ => (StatusCode::UNAUTHORIZED, "login.failed"),
            };
            let mut username = form.username;
            if username.chars().count() > auth::USERNAME_MAX_CHARS {
                username.clear();
            }
            let page = LoginPage {
                layout: visitor.layout("login.title", None),
                next,
                username,
                problem: Some(visitor.t.get(key).to_owned()),
            };
            Ok(visitor.respond(status, page))
        }
        Err(other) => Err(visitor.fail(other)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session and forgets the cookie.
pub async fn logout(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    auth::logout(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    let jar = CookieJar::new()
        .remove(Cookie::build(SESSION_COOKIE).path("/"))
        .add(page.visitor.renewed_csrf_cookie());
    Ok((jar, Redirect::to("/login")).into_response())
}

/// Sets the page language and returns to the page the visitor came from.
pub async fn switch_language(
    visitor: Visitor,
    Path(code): Path<String>,
    Query(query): Query<NextQuery>,
) -> Response {
    let Ok(locale) = code.parse::<Locale>() else {
        return super::page::not_found_page(visitor.t, &visitor.path);
    };
    let mut cookie = visitor.cookie(LANG_COOKIE, locale.as_str().to_owned(), SameSite::Lax);
    cookie.set_max_age(Duration::days(365));
    (CookieJar::new().add(cookie), Redirect::to(&safe_next(query.next.as_deref()))).into_response()
}
