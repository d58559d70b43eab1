//! Logging in and out, and finding the caller behind a token.

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::net::IpAddr;

use super::now;
use crate::app::App;
use crate::auth::throttle;
use crate::auth::{Caller, SessionKind, password, token};
use crate::config::Settings;
use crate::domain::{FieldErrors, Locale, Role};
use crate::error::AppError;
use crate::repo::{self, audit::AuditEntry};

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 1024, format = Password)]
    pub password: String,
}

/// A successful login: the token to send as `Authorization: Bearer …`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
}

/// A token and the session it opened.
#[derive(Debug)]
pub struct Login {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub caller: Caller,
}

/// The caller of session `session_id`, from its account's fields and roles.
fn caller_of(
    (user_id, organisation_id): (i64, i64),
    (username, display_name): (String, String),
    locale: &str,
    roles: Vec<Role>,
    session_id: i64,
) -> Caller {
    Caller {
        user_id,
        organisation_id,
        locale: locale.parse().unwrap_or(Locale::De),
        username,
        display_name,
        roles,
        session_id,
    }
}

/// The longest username and password a login accepts: anything longer is refused before it
/// is stored or hashed.
pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// What a login sends, and from where.
#[derive(Debug)]
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub address: IpAddr,
}

/// Checks the password and opens a session.
///
/// Before the password is checked, the attempt passes the instance's login guard (password
/// checks at once, failures per address, growing waits per username and address; see
/// [`crate::auth::throttle`]) and is counted against the username's lock across all addresses
/// (`login_username_max_failures` an hour). The answer to a wrong password and to an unknown
/// user is the same.
///
/// # Errors
/// [`AppError::Validation`] for a username or password over its length,
/// [`AppError::InvalidCredentials`], [`AppError::TooManyAttempts`], [`AppError::Busy`],
/// database errors.
pub async fn login(
    app: &App,
    credentials: Credentials<'_>,
    kind: SessionKind,
) -> Result<Login, AppError> {
    let Credentials { username, password: password_text, address } = credentials;
    let mut errors = FieldErrors::new();
    if username.chars().count() > USERNAME_MAX_CHARS {
        errors.add("username", format!("must be at most {USERNAME_MAX_CHARS} characters"));
    }
    if password_text.chars().count() > PASSWORD_MAX_CHARS {
        errors.add("password", format!("must be at most {PASSWORD_MAX_CHARS} characters"));
    }
    errors.into_result(()).map_err(AppError::Validation)?;

    let attempt = app.login_guard.begin(username, address)?;
    let key = throttle::username_key(username);
    let limit = repo::throttle::Limit {
        window: repo::throttle::WINDOW,
        max_attempts: app.settings.login_username_max_failures,
    };
    let db = &app.db;
    let started = now();
    let txn = crate::db::write(db).await?;
    let locked = repo::throttle::count_attempt(&txn, &key, started, limit).await?;
    txn.commit().await?;
    if let Some(until) = locked {
        tracing::info!("login refused: the username is locked");
        let retry_after_secs = u64::try_from((until - started).num_seconds().max(1)).unwrap_or(1);
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }

    let user =
        repo::users::by_username(db, &username.trim().to_lowercase()).await?.filter(|u| u.active);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let slot = app.login_guard.verification().await?;
    let valid = password::verify_holding(password_text.to_owned(), stored, slot).await;
    let Some(user) = user.filter(|_| valid) else {
        tracing::info!("login refused");
        return Err(AppError::InvalidCredentials);
    };

    let txn = crate::db::write(db).await?;
    let at = now();
    repo::throttle::clear(&txn, &key).await?;
    let plain = token::generate();
    let expires_at = at + Duration::hours(i64::from(app.settings.session_max_hours));
    let session =
        repo::sessions::insert(&txn, user.id, token::digest(&plain), kind.as_str(), at, expires_at)
            .await?;
    let roles = repo::users::roles(&txn, user.id).await?;
    repo::audit::record(
        &txn,
        AuditEntry {
            organisation_id: Some(user.organisation_id),
            actor_user_id: Some(user.id),
            action: "auth.login",
            entity: "session",
            entity_id: Some(session.id.to_string()),
            details: serde_json::json!({ "kind": kind.as_str() }),
        },
        at,
    )
    .await?;
    txn.commit().await?;
    app.login_guard.succeeded(attempt);
    Ok(Login {
        token: plain,
        expires_at,
        caller: caller_of(
            (user.id, user.organisation_id),
            (user.username, user.display_name),
            &user.locale,
            roles,
            session.id,
        ),
    })
}

/// Revokes the caller's session.
///
/// # Errors
/// Database errors.
pub async fn logout(db: &DatabaseConnection, caller: &Caller) -> Result<(), AppError> {
    let txn = crate::db::write(db).await?;
    let at = now();
    repo::sessions::revoke(&txn, caller.session_id, at).await?;
    repo::audit::record(
        &txn,
        AuditEntry {
            organisation_id: Some(caller.organisation_id),
            actor_user_id: Some(caller.user_id),
            action: "auth.logout",
            entity: "session",
            entity_id: Some(caller.session_id.to_string()),
            details: serde_json::Value::Null,
        },
        at,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Touching `last_seen_at` on every request would turn each read into a write; once a minute
/// is precise enough for the idle timeout.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The caller behind a token: its session must be unrevoked, unexpired and not idle for longer
/// than `session_idle_minutes`, and its user active.
///
/// # Errors
/// Database errors.
pub async fn authenticate(
    db: &DatabaseConnection,
    settings: &Settings,
    token_text: &str,
    kind: SessionKind,
) -> Result<Option<Caller>, AppError> {
    let at = now();
    let rows = repo::sessions::find_live(db, &token::digest(token_text), kind.as_str(), at).await?;
    // One row per role of the session's user; none if there is no such session.
    let roles = repo::users::known_roles(
        &rows.iter().filter_map(|row| row.role.as_deref()).collect::<Vec<_>>(),
    );
    let Some(user) = rows.into_iter().next() else {
        return Ok(None);
    };
    if !user.active
        || user.last_seen_at + Duration::minutes(i64::from(settings.session_idle_minutes)) <= at
    {
        return Ok(None);
    }
    if at - user.last_seen_at >= TOUCH_EVERY {
        // In the writers' queue: a write outside it would meet SQLite's lock unannounced.
        let txn = crate::db::write(db).await?;
        repo::sessions::touch(&txn, user.session_id, at).await?;
        txn.commit().await?;
    }
    Ok(Some(caller_of(
        (user.user_id, user.organisation_id),
        (user.username, user.display_name),
        &user.locale,
        roles,
        user.session_id,
    )))
}

/// The caller's organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// The logged-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub organisation: OrganisationRef,
    pub roles: Vec<Role>,
    pub locale: Locale,
    /// The caller's interpreter profile, if they volunteer.
    pub interpreter_id: Option<i64>,
}

/// The caller's account with organisation and interpreter profile.
///
/// # Errors
/// Database errors.
pub async fn me(db: &DatabaseConnection, caller: Caller) -> Result<MeView, AppError> {
    let organisation =
        repo::organisations::get(db, caller.organisation_id).await?.ok_or(AppError::NotFound)?;
    let interpreter_id = repo::interpreters::by_user(db, caller.organisation_id, caller.user_id)
        .await?
        .map(|i| i.id);
    Ok(MeView {
        id: caller.user_id,
        username: caller.username,
        display_name: caller.display_name,
        organisation: OrganisationRef {
            id: organisation.id,
            slug: organisation.slug,
            name: organisation.name,
        },
        roles: caller.roles,
        locale: caller.locale,
        interpreter_id,
    })
}
