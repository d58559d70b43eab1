//! What every page needs: the logged-in user from the session cookie (or a redirect to the
//! login page), the language (the `sp_lang` cookie, else the user's setting, else German), the
//! CSRF token checked on every form post, and the frame around the page.
//!
//! A logged-in user's CSRF token is an HMAC of their session under the deployment's secret key:
//! it changes with every login and no other session's token passes. A visitor without a
//! session (the login form) gets a random value in the `sp_csrf` cookie and a token signed from
//! it; a login and a logout replace that cookie.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::i18n::Tr;
use crate::app::AppState;
use crate::auth::{Caller, SessionKind, token};
use crate::domain::{Locale, Role};
use crate::error::AppError;
use crate::services;

pub const SESSION_COOKIE: &str = "sp_session";
pub const CSRF_COOKIE: &str = "sp_csrf";
pub const LANG_COOKIE: &str = "sp_lang";

/// A link of the main navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame of every page: language, title, navigation, CSRF token, language switch.
pub struct Layout {
    pub t: Tr,
    pub title: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavLink>,
    pub csrf: String,
    /// Where the language switch leads: `/lang/en?next=/profile`.
    pub switch_href: String,
    pub switch_label: &'static str,
    pub switch_code: &'static str,
}

/// Who asks for a page and in which language; with [`Page`] the caller is logged in.
pub struct Visitor {
    pub t: Tr,
    /// The token the page's forms carry.
    pub csrf: String,
    /// Without a session: the value of the `sp_csrf` cookie, and whether this visit made it.
    visitor_nonce: Option<(String, bool)>,
    pub path: String,
    secure: bool,
}

/// What the CSRF token of a session is signed for.
const SESSION_PURPOSE: &str = "csrf-session";
/// What the CSRF token of a visitor without a session is signed for.
const VISITOR_PURPOSE: &str = "csrf-visitor";

impl Visitor {
    fn from_parts(parts: &Parts, state: &AppState, caller: Option<&Caller>) -> Self {
        let jar = CookieJar::from_headers(&parts.headers);
        let locale = jar
            .get(LANG_COOKIE)
            .and_then(|c| c.value().parse::<Locale>().ok())
            .or(caller.map(|c| c.locale))
            .unwrap_or(Locale::De);
        let (csrf, visitor_nonce) = match caller {
            Some(caller) => {
                (state.secret.sign(SESSION_PURPOSE, caller.session_id.to_string().as_bytes()), None)
            }
            None => {
                let existing = jar
                    .get(CSRF_COOKIE)
                    .map(|c| c.value().to_owned())
                    .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
                let fresh = existing.is_none();
                let nonce = existing.unwrap_or_else(token::generate);
                (state.secret.sign(VISITOR_PURPOSE, nonce.as_bytes()), Some((nonce, fresh)))
            }
        };
        Self {
            t: Tr(locale),
            csrf,
            visitor_nonce,
            path: parts.uri.path().to_owned(),
            secure: state.settings.secure_cookies,
        }
    }

    /// The frame, for a page titled with the text `title_key`.
    pub fn layout(&self, title_key: &str, caller: Option<&Caller>) -> Layout {
        let t = self.t;
        let mut nav = Vec::new();
        if let Some(caller) = caller {
            let mut link = |href: &'static str, key: &'static str| {
                nav.push(NavLink { href, label: t.get(key), current: self.path == href });
            };
            link("/", "nav.home");
            if caller.has(Role::Caseworker) {
                link("/bookings", "nav.bookings");
            }
            if caller.has(Role::Volunteer) {
                link("/assignments", "nav.assignments");
                link("/profile", "nav.profile");
                link("/availability", "nav.availability");
                link("/absences", "nav.absences");
            }
            if caller.has(Role::TeamLead) {
                link("/planning", "nav.planning");
                link("/dashboard", "nav.dashboard");
                link("/report", "nav.report");
            }
            if caller.roles.iter().any(|r| matches!(r, Role::TeamLead | Role::Admin)) {
                link("/trainings", "nav.trainings");
            }
            if caller
                .roles
                .iter()
                .any(|r| matches!(r, Role::Caseworker | Role::TeamLead | Role::Admin))
            {
                link("/pool", "nav.pool");
                link("/courses", "nav.courses");
            }
            if caller.roles.iter().any(|r| matches!(r, Role::Caseworker | Role::TeamLead)) {
                link("/referrals", "nav.referrals");
            }
            if caller.roles.iter().any(|r| matches!(r, Role::Volunteer | Role::TeamLead)) {
                link("/calendar", "nav.calendar");
            }
            link("/notifications", "nav.notifications");
            link("/password", "nav.password");
        }
        let other = match t.0 {
            Locale::De => Locale::En,
            Locale::En => Locale::De,
        };
        Layout {
            t,
            title: t.get(title_key).to_owned(),
            user_name: caller.map(|c| c.display_name.clone()),
            nav,
            csrf: self.csrf.clone(),
            switch_href: format!("/lang/{}?next={}", other.as_str(), self.path),
            switch_label: match other {
                Locale::De => "Deutsch",
                Locale::En => "English",
            },
            switch_code: other.as_str(),
        }
    }

    /// Checks the token a form sent against the session's, or the visitor cookie's.
    ///
    /// # Errors
    /// A page saying the form has expired (403).
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        let fresh = self.visitor_nonce.as_ref().is_some_and(|(_, fresh)| *fresh);
        let matches = !fresh
            && !self.csrf.is_empty()
            && sent.len() == self.csrf.len()
            && sent.bytes().zip(self.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if matches { Ok(()) } else { Err(self.error(AppError::Forbidden, "error.csrf")) }
    }

    /// The answer, with the CSRF cookie set if this visit created it.
    pub fn respond(&self, status: StatusCode, body: impl IntoResponse) -> Response {
        let mut jar = CookieJar::new();
        if let Some((nonce, true)) = &self.visitor_nonce {
            jar = jar.add(self.cookie(CSRF_COOKIE, nonce.clone(), SameSite::Strict));
        }
        (status, jar, body).into_response()
    }

    /// A new `sp_csrf` cookie, for a login or a logout: no token from before passes again.
    pub fn renewed_csrf_cookie(&self) -> Cookie<'static> {
        self.cookie(CSRF_COOKIE, token::generate(), SameSite::Strict)
    }

    pub fn cookie(
        &self,
        name: &'static str,
        value: String,
        same_site: SameSite,
    ) -> Cookie<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .build()
    }

    /// An error page in the visitor's language.
    pub fn error(&self, error: AppError, message_key: &'static str) -> WebError {
        WebError {
            status: error.status(),
            t: self.t,
            message_key,
            path: self.path.clone(),
            error: Some(error),
        }
    }

    /// The error page for a failed use case.
    pub fn fail(&self, error: AppError) -> WebError {
        let key = match &error {
            AppError::Forbidden => "error.forbidden",
            AppError::NotFound => "error.not_found",
            AppError::Unauthenticated | AppError::InvalidCredentials => "error.login_required",
            AppError::Conflict { .. } | AppError::Validation(_) | AppError::BadRequest { .. } => {
                "error.invalid"
            }
            _ => "error.internal",
        };
        self.error(error, key)
    }
}

/// A page for a logged-in user.
pub struct Page {
    pub caller: Caller,
    pub visitor: Visitor,
}

impl Page {
    pub fn layout(&self, title_key: &str) -> Layout {
        self.visitor.layout(title_key, Some(&self.caller))
    }

    pub fn t(&self) -> Tr {
        self.visitor.t
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let caller = match jar.get(SESSION_COOKIE) {
            Some(cookie) => services::auth::authenticate(
                &state.db,
                &state.settings,
                cookie.value(),
                SessionKind::Cookie,
            )
            .await
            .map_err(|e| Visitor::from_parts(parts, state, None).fail(e).into_response())?,
            None => None,
        };
        match caller {
            Some(caller) => {
                let visitor = Visitor::from_parts(parts, state, Some(&caller));
                Ok(Page { caller, visitor })
            }
            None => {
                // Come back to the page asked for; a form post cannot be repeated, so after
                // one the start page it is.
                let next = if parts.method == Method::GET { parts.uri.path() } else { "/" };
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Visitor::from_parts(parts, state, None))
    }
}

/// A path inside the service to return to after login, or `/`: never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.parse::<Uri>().map(|u| u.path().to_owned()).unwrap_or_else(|_| "/".to_owned())
        }
        _ => "/".to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

/// A failed page: rendered as an error page in the visitor's language.
pub struct WebError {
    status: StatusCode,
    t: Tr,
    message_key: &'static str,
    path: String,
    error: Option<AppError>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Some(error) = &self.error
            && matches!(error, AppError::Internal(_) | AppError::Unavailable(_))
        {
            tracing::error!(error = %error, "page failed");
        }
        let visitor = Visitor {
            t: self.t,
            csrf: String::new(),
            visitor_nonce: None,
            path: self.path,
            secure: false,
        };
        let mut layout = visitor.layout("error.title", None);
        layout.title = format!("{} – {}", self.status.as_u16(), layout.title);
        let page = ErrorPage { message: self.t.get(self.message_key).to_owned(), layout };
        (self.status, page).into_response()
    }
}

/// The 404 page for paths outside the API.
pub fn not_found_page(t: Tr, path: &str) -> Response {
    WebError {
        status: StatusCode::NOT_FOUND,
        t,
        message_key: "error.not_found",
        path: path.to_owned(),
        error: None,
    }
    .into_response()
}
