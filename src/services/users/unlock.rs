//! An admin lifts the login lock of an account of the organisation: the lock across all
//! addresses, and this instance's waits for the username.

use super::super::{audit, now};
use crate::app::App;
use crate::auth::Caller;
use crate::auth::throttle::username_key;
use crate::domain::Role;
use crate::error::AppError;
use crate::repo;

/// Lifts the lock; answers whether there was one.
///
/// # Errors
/// Forbidden unless admin; not found, also for other organisations.
pub async fn unlock(app: &App, caller: &Caller, id: i64) -> Result<bool, AppError> {
    caller.require(Role::Admin)?;
    let txn = crate::db::write(&app.db).await?;
    let user =
        repo::users::get(&txn, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    let key = username_key(&user.username);
    let was_locked = repo::throttle::locked_until(&txn, &key, now()).await?.is_some();
    repo::throttle::clear(&txn, &key).await?;
    audit(
        &txn,
        caller,
        "user.unlock",
        "app_user",
        user.id,
        serde_json::json!({ "was_locked": was_locked }),
    )
    .await?;
    txn.commit().await?;
    app.login_guard.forget(&user.username);
    Ok(was_locked)
}
