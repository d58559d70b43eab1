//! `Caller`: the authenticated user behind a request, found from a bearer token (API) or a
//! session cookie (web pages). Every use case receives it and scopes its queries to
//! `caller.organisation_id`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::domain::Role;
use crate::domain::types::Locale;
use crate::error::AppError;

/// How a session's token travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// `Authorization: Bearer …`, for the JSON API.
    Bearer,
    /// The `sp_session` cookie, for the web pages.
    Cookie,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Bearer => "bearer",
            SessionKind::Cookie => "cookie",
        }
    }
}

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub organisation_id: i64,
    pub username: String,
    pub display_name: String,
    pub locale: Locale,
    pub roles: Vec<Role>,
    pub session_id: i64,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// # Errors
    /// [`AppError::Forbidden`] unless the caller holds `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        self.require_any(&[role])
    }

    /// # Errors
    /// [`AppError::Forbidden`] unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.iter().any(|r| self.has(*r)) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// The token of an `Authorization: Bearer` header, if any.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(AppError::Unauthenticated)?;
        crate::services::auth::authenticate(&state.db, &state.settings, token, SessionKind::Bearer)
            .await?
            .ok_or(AppError::Unauthenticated)
    }
}
