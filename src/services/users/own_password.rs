//! A user changes their own password: the current one is checked as a login's would be (the
//! same throttles, so a session left open is no way to guess it), the new one must be at
//! least 12 characters, and every other session of the user ends.

use std::net::IpAddr;

use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::super::{audit, now};
use super::checks::check_password;
use crate::app::App;
use crate::auth::throttle::username_key;
use crate::auth::{Caller, password};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::repo;

/// `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 1024, format = Password)]
    pub current_password: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub new_password: String,
}

/// Sets the caller's new password and ends their other sessions.
///
/// # Errors
/// The current password is wrong or the new one too short (422), too many attempts (429),
/// too many password checks at once (503), database errors.
pub async fn change_own_password(
    app: &App,
    caller: &Caller,
    change: PasswordChange,
    address: IpAddr,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    check_password(&change.new_password, &mut errors);
    let mut errors = errors.into_map();
    if let Some(messages) = errors.remove("password") {
        errors.insert("new_password".to_owned(), messages);
    }
    let mut refused = FieldErrors::new();
    for (field, messages) in errors {
        for message in messages {
            refused.add(field.clone(), message);
        }
    }
    if change.current_password.chars().count() > crate::services::auth::PASSWORD_MAX_CHARS {
        refused.add("current_password", "is not your current password");
    }
    refused.into_result(())?;

    let attempt = app.login_guard.begin(&caller.username, address)?;
    // Counted against the account's lock as a login is, so that a session left open gives no
    // way around it.
    let key = username_key(&caller.username);
    let limit = repo::throttle::Limit {
        window: repo::throttle::WINDOW,
        max_attempts: app.settings.login_username_max_failures,
    };
    let started = now();
    let txn = crate::db::write(&app.db).await?;
    let locked = repo::throttle::count_attempt(&txn, &key, started, limit).await?;
    txn.commit().await?;
    if let Some(until) = locked {
        let retry_after_secs = u64::try_from((until - started).num_seconds().max(1)).unwrap_or(1);
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }
    let user = repo::users::by_id(&app.db, caller.user_id).await?.ok_or(AppError::NotFound)?;
    let slot = app.login_guard.verification().await?;
    let valid =
        password::verify_holding(change.current_password, user.password_hash.clone(), slot).await;
    if !valid {
        return Err(AppError::validation("current_password", "is not your current password"));
    }
    app.login_guard.succeeded(attempt);

    let hash = password::hash_blocking(change.new_password).await.map_err(AppError::Internal)?;
    let txn = crate::db::write(&app.db).await?;
    let at = now();
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(at);
    active.update(&txn).await?;
    let ended =
        repo::sessions::revoke_others_of_user(&txn, caller.user_id, caller.session_id, at).await?;
    audit(
        &txn,
        caller,
        "user.password_change",
        "app_user",
        caller.user_id,
        serde_json::json!({ "sessions_ended": ended }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
