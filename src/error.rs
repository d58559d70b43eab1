//! `AppError`: every failure a request can meet, answered as RFC 9457
//! `application/problem+json` with a stable `code` and, for bad input, the messages per field.
//! Internal errors are logged in full and answered with the status text only.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldErrors;

/// The largest request body the service reads: 2 MiB, far above any form or JSON document it
/// takes (a course catalogue of a few thousand rows included).
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `urn:sprachpool:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: &'static str,
    /// Messages per field path, e.g. `{"languages[1].level": ["must be one of: …"]}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body is not JSON, or not an object of the expected shape.
    #[error("malformed request: {detail}")]
    BadRequest { detail: String, errors: FieldErrors },
    /// The body is larger than the service takes ([`BODY_LIMIT_BYTES`]).
    #[error("the body is too large")]
    PayloadTooLarge,
    /// The body was not sent as `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Well-formed, but the values are not acceptable.
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password; never says which.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden")]
    Forbidden,
    /// Absent, or belongs to another organisation: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The path exists, but not with this method; `Allow` names the ones it has.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Clashes with the current state (a duplicate, an overlap, a concurrent change).
    #[error("conflict: {detail}")]
    Conflict { detail: String, errors: FieldErrors },
    #[error("too many failed logins")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Too many password checks under way; the login may be sent again shortly.
    #[error("too many logins at once")]
    Busy { retry_after_secs: u64 },
    /// The database cannot be reached or is not migrated.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::single(field, message))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict { detail: detail.into(), errors: FieldErrors::new() }
    }

    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Conflict { detail: message.clone(), errors: FieldErrors::single(field, message) }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "malformed_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict { .. } => "conflict",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Busy { .. } => "busy",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The problem document; internal details stay in the log.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (detail, errors) = match self {
            Self::BadRequest { detail, errors } => (Some(detail.clone()), errors.clone()),
            Self::UnsupportedMediaType => {
                (Some("send the body as application/json".to_owned()), FieldErrors::new())
            }
            Self::Validation(errors) => {
                (Some("some fields are not valid".to_owned()), errors.clone())
            }
            Self::InvalidCredentials => {
                (Some("username or password is wrong".to_owned()), FieldErrors::new())
            }
            Self::Unauthenticated => (
                Some("log in and send the token as `Authorization: Bearer …`".to_owned()),
                FieldErrors::new(),
            ),
            Self::Forbidden => {
                (Some("your roles do not allow this action".to_owned()), FieldErrors::new())
            }
            Self::MethodNotAllowed => (
                Some("the `Allow` header names the methods this path has".to_owned()),
                FieldErrors::new(),
            ),
            Self::Conflict { detail, errors } => (Some(detail.clone()), errors.clone()),
            Self::TooManyAttempts { retry_after_secs } => (
                Some(format!("too many failed logins; try again in {retry_after_secs} seconds")),
                FieldErrors::new(),
            ),
            Self::Busy { retry_after_secs } => (
                Some(format!("too many logins at once; try again in {retry_after_secs} seconds")),
                FieldErrors::new(),
            ),
            Self::PayloadTooLarge => (
                Some(format!("a request body may hold at most {BODY_LIMIT_BYTES} bytes")),
                FieldErrors::new(),
            ),
            Self::NotFound | Self::Unavailable(_) | Self::Internal(_) => (None, FieldErrors::new()),
        };
        Problem {
            kind: format!("urn:sprachpool:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code(),
            errors: errors.into_map(),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict("a record with these values exists already")
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::conflict("the record is still referenced or refers to a missing record")
            }
            _ => match err {
                DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(err.to_string()),
                // A conditional update found the row changed by someone else meanwhile.
                DbErr::RecordNotUpdated => {
                    Self::conflict("the record changed meanwhile; reload and try again")
                }
                _ => Self::Internal(err.to_string()),
            },
        }
    }
}

impl<E: std::fmt::Display> From<sea_orm::TransactionError<E>> for AppError
where
    AppError: From<E>,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(_) | Self::Unavailable(_) => {
                tracing::error!(error = %self, "request failed")
            }
            _ => tracing::debug!(code = self.code(), "request refused"),
        }
        let status = self.status();
        let mut response = (status, axum::Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyAttempts { retry_after_secs } | Self::Busy { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}
