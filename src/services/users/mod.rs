//! Admins manage the organisation's accounts and their roles. Giving someone the volunteer role
//! opens an interpreter profile for them; taking it away deactivates the profile (the history of
//! their assignments stays).

use entities::{app_user, interpreter};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audit, clean_text, now, set_or_clear};
use crate::auth::{Caller, password};
use crate::domain::{FieldErrors, Locale, Role};
use crate::error::AppError;
use crate::repo;
use checks::{
    check_display_name, check_email, check_password, check_username, normalised_roles, site_id_of,
};

/// An account as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    /// Home site code.
    pub site: Option<String>,
    pub locale: Locale,
    pub active: bool,
    /// The interpreter profile, for volunteers.
    pub interpreter_id: Option<i64>,
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3–64 characters: lowercase letters, digits, `.` and `-`.
    #[schema(pattern = "^[a-z0-9][a-z0-9.-]{2,63}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 120)]
    pub display_name: String,
    /// Blank means none.
    #[schema(
        max_length = 254,
        pattern = "^([^\\s\\u0000-\\u001f\\u007f-\\u009f]*@[^\\s\\u0000-\\u001f\\u007f-\\u009f]*)?$"
    )]
    pub email: Option<String>,
    /// 12 to 1024 characters.
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub password: String,
    /// At least one role.
    #[schema(min_items = 1, max_items = 8)]
    pub roles: Vec<Role>,
    /// Home site code; required for volunteers.
    #[schema(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    pub locale: Option<Locale>,
}

/// `PATCH /api/v1/users/{id}`: absent fields stay; `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    #[schema(min_length = 1, max_length = 120)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 254, pattern = "^([^\\s\\u0000-\\u001f\\u007f-\\u009f]*@[^\\s\\u0000-\\u001f\\u007f-\\u009f]*)?$")]
    pub email: Option<Option<String>>,
    /// A new password, 12 to 1024 characters; every session of the user ends.
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub password: Option<String>,
    #[schema(min_items = 1, max_items = 8)]
    pub roles: Option<Vec<Role>>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<Option<String>>,
    pub locale: Option<Locale>,
    /// `false` ends every session of the user and refuses further logins.
    pub active: Option<bool>,
}

/// Stores a new active account (without roles) with an already hashed password.
///
/// # Errors
/// Database errors, among them a username in use.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_account(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    username: &str,
    display_name: &str,
    email: Option<&str>,
    site_id: Option<i64>,
    locale: Locale,
    password_hash: &str,
) -> Result<app_user::Model, sea_orm::DbErr> {
    let at = now();
    app_user::ActiveModel {
        organisation_id: Set(organisation_id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        email: Set(email.map(str::to_owned)),
        site_id: Set(site_id),
        password_hash: Set(Some(password_hash.to_owned())),
        locale: Set(locale.as_str().to_owned()),
        active: Set(true),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Opens (or reopens) the interpreter profile of a new volunteer at their home site.
async fn ensure_interpreter(
    db: &impl ConnectionTrait,
    user: &app_user::Model,
) -> Result<(), AppError> {
    let at = now();
    match repo::interpreters::by_user(db, user.organisation_id, user.id).await? {
        Some(existing) => {
            let mut active = existing.into_active_model();
            active.active = Set(true);
            active.updated_at = Set(at);
            active.update(db).await?;
        }
        None => {
            let site_id = user
                .site_id
                .ok_or_else(|| AppError::validation("site", "a volunteer needs a home site"))?;
            interpreter::ActiveModel {
                organisation_id: Set(user.organisation_id),
                user_id: Set(user.id),
                site_id: Set(site_id),
                offers_in_person: Set(true),
                offers_phone: Set(false),
                offers_video: Set(false),
                weekly_cap_minutes: Set(240),
                daily_cap_minutes: Set(120),
                works_on_holidays: Set(false),
                active: Set(true),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

async fn retire_interpreter(
    db: &impl ConnectionTrait,
    user: &app_user::Model,
) -> Result<(), AppError> {
    if let Some(existing) = repo::interpreters::by_user(db, user.organisation_id, user.id).await? {
        let mut active = existing.into_active_model();
        active.active = Set(false);
        active.updated_at = Set(now());
        active.update(db).await?;
    }
    Ok(())
}

async fn view(
    db: &impl ConnectionTrait,
    caller: &Caller,
    user: app_user::Model,
) -> Result<UserView, AppError> {
    views_of(db, caller, vec![user]).await?.pop().ok_or(AppError::NotFound)
}

async fn views_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    users: Vec<app_user::Model>,
) -> Result<Vec<UserView>, AppError> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut roles = repo::users::roles_of(db, &ids).await?;
    let sites: std::collections::HashMap<i64, String> =
        repo::sites::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
    let interpreters = repo::interpreters::ids_by_user(db, caller.organisation_id, &ids).await?;
    Ok(users
        .into_iter()
        .map(|u| UserView {
            id: u.id,
            roles: roles.remove(&u.id).unwrap_or_default(),
            site: u.site_id.and_then(|id| sites.get(&id).cloned()),
            locale: u.locale.parse().unwrap_or(Locale::De),
            interpreter_id: interpreters.get(&u.id).copied(),
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            active: u.active,
        })
        .collect())
}

/// Every account of the organisation.
///
/// # Errors
/// Forbidden unless admin.
pub async fn list(db: &DatabaseConnection, caller: &Caller) -> Result<Vec<UserView>, AppError> {
    caller.require(Role::Admin)?;
    let users = repo::users::list(db, caller.organisation_id).await?;
    views_of(db, caller, users).await
}

/// One account of the organisation.
///
/// # Errors
/// Forbidden unless admin; not found, also for other organisations.
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<UserView, AppError> {
    caller.require(Role::Admin)?;
    let user = repo::users::get(db, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    view(db, caller, user).await
}

/// Creates an account.
///
/// # Errors
/// Forbidden unless admin; invalid fields (422); a username taken in any organisation (409).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewUser,
) -> Result<UserView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    let username = input.username.trim().to_lowercase();
    check_username(&username, &mut errors);
    check_display_name(&input.display_name, &mut errors);
    let email = clean_text(input.email);
    check_email(email.as_deref(), &mut errors);
    check_password(&input.password, &mut errors);
    let roles = normalised_roles(input.roles, &mut errors);
    let txn = crate::db::write(db).await?;
    let site_id = site_id_of(&txn, caller, input.site.as_deref(), &mut errors).await?;
    if roles.contains(&Role::Volunteer) && site_id.is_none() && input.site.is_none() {
        errors.add("site", "a volunteer needs a home site");
    }
    errors.into_result(())?;
    if repo::users::by_username(&txn, &username).await?.is_some() {
        return Err(AppError::conflict_on("username", "is taken"));
    }
    let hash = password::hash_blocking(input.password).await.map_err(AppError::Internal)?;
    let locale = input.locale.unwrap_or(Locale::De);
    let user = insert_account(
        &txn,
        caller.organisation_id,
        &username,
        input.display_name.trim(),
        email.as_deref(),
        site_id,
        locale,
        &hash,
    )
    .await?;
    repo::users::set_roles(&txn, user.id, &roles).await?;
    if roles.contains(&Role::Volunteer) {
        ensure_interpreter(&txn, &user).await?;
    }
    audit(&txn, caller, "user.create", "app_user", user.id, serde_json::json!({ "roles": roles }))
        .await?;
    let out = view(&txn, caller, user).await?;
    txn.commit().await?;
    Ok(out)
}

/// Changes an account.
///
/// # Errors
/// Forbidden unless admin; not found; invalid fields (422); removing one's own admin role or
/// deactivating oneself (409).
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    changes: UserChanges,
) -> Result<UserView, AppError> {
    caller.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    if let Some(name) = &changes.display_name {
        check_display_name(name, &mut errors);
    }
    let email = changes.email.clone().map(clean_text);
    if let Some(email) = &email {
        check_email(email.as_deref(), &mut errors);
    }
    if let Some(password) = &changes.password {
        check_password(password, &mut errors);
    }
    let roles = changes.roles.clone().map(|r| normalised_roles(r, &mut errors));

    let txn = crate::db::write(db).await?;
    let user =
        repo::users::get(&txn, caller.organisation_id, id).await?.ok_or(AppError::NotFound)?;
    let site_id = match &changes.site {
        Some(code) => Some(site_id_of(&txn, caller, code.as_deref(), &mut errors).await?),
        None => None,
    };
    errors.into_result(())?;
    let is_self = user.id == caller.user_id;
    if is_self && roles.as_ref().is_some_and(|r| !r.contains(&Role::Admin)) {
        return Err(AppError::conflict_on("roles", "you cannot remove your own admin role"));
    }
    if is_self && changes.active == Some(false) {
        return Err(AppError::conflict_on("active", "you cannot deactivate your own account"));
    }

    let before_roles = repo::users::roles(&txn, user.id).await?;
    let mut fields = Vec::new();
    let mut active = user.clone().into_active_model();
    if let Some(name) = changes.display_name {
        active.display_name = Set(name.trim().to_owned());
        fields.push("display_name");
    }
    if let Some(email) = email {
        active.email = Set(email);
        fields.push("email");
    }
    if let Some(site_id) = site_id {
        active.site_id = Set(site_id);
        fields.push("site");
    }
    if let Some(locale) = changes.locale {
        active.locale = Set(locale.as_str().to_owned());
        fields.push("locale");
    }
    let mut end_sessions = false;
    if let Some(password) = changes.password {
        let hash = password::hash_blocking(password).await.map_err(AppError::Internal)?;
        active.password_hash = Set(Some(hash));
        fields.push("password");
        end_sessions = true;
    }
    if let Some(flag) = changes.active {
        active.active = Set(flag);
        fields.push("active");
        end_sessions |= !flag;
    }
    active.updated_at = Set(now());
    let user = active.update(&txn).await?;
    // A calendar feed is a login of its own: a password reset, a role taken away or a
    // deactivation ends it as it ends the sessions.
    let loses_a_role = roles.as_ref().is_some_and(|r| before_roles.iter().any(|b| !r.contains(b)));
    if (end_sessions || loses_a_role) && user.calendar_token_digest.is_some() {
        let mut feed = user.clone().into_active_model();
        feed.calendar_token_digest = Set(None);
        feed.update(&txn).await?;
        fields.push("calendar_feed");
    }
    if let Some(roles) = &roles {
        repo::users::set_roles(&txn, user.id, roles).await?;
        fields.push("roles");
        let was_volunteer = before_roles.contains(&Role::Volunteer);
        let is_volunteer = roles.contains(&Role::Volunteer);
        if is_volunteer && !was_volunteer {
            ensure_interpreter(&txn, &user).await?;
        } else if was_volunteer && !is_volunteer {
            retire_interpreter(&txn, &user).await?;
        }
    }
    if end_sessions {
        repo::sessions::revoke_all_of_user(&txn, user.id, now()).await?;
    }
    audit(
        &txn,
        caller,
        "user.update",
        "app_user",
        user.id,
        serde_json::json!({ "fields": fields, "roles": roles }),
    )
    .await?;
    let out = view(&txn, caller, user).await?;
    txn.commit().await?;
    Ok(out)
}

mod checks;
mod own_password;
mod unlock;

pub use own_password::{PasswordChange, change_own_password};
pub use unlock::unlock;
