//! Rules for account input: usernames, names, e-mail addresses, passwords, roles, sites.

use sea_orm::ConnectionTrait;

use crate::auth::Caller;
use crate::domain::{FieldErrors, Role};
use crate::error::AppError;
use crate::repo;

const MIN_PASSWORD: usize = 12;

pub(super) fn check_username(username: &str, errors: &mut FieldErrors) {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if !(3..=64).contains(&username.len())
        || !ok_chars
        || !username.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        errors.add("username", "must be 3–64 characters: lowercase letters, digits, '.' and '-', starting with a letter or digit");
    }
}

pub(super) fn check_display_name(name: &str, errors: &mut FieldErrors) {
    if name.trim().is_empty() || name.chars().count() > 120 {
        errors.add("display_name", "must be 1–120 characters");
    }
}

pub(super) fn check_email(email: Option<&str>, errors: &mut FieldErrors) {
    if let Some(email) = email
        && (email.len() > 254 || !email.contains('@') || email.contains(char::is_whitespace))
    {
        errors.add("email", "is not an e-mail address");
    }
}

pub(super) fn check_password(password: &str, errors: &mut FieldErrors) {
    if password.chars().count() < MIN_PASSWORD || password.len() > 1024 {
        errors.add("password", format!("must be at least {MIN_PASSWORD} characters"));
    }
}

pub(super) fn normalised_roles(mut roles: Vec<Role>, errors: &mut FieldErrors) -> Vec<Role> {
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        errors.add("roles", "name at least one role");
    }
    roles
}

pub(super) async fn site_id_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: Option<&str>,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, AppError> {
    let Some(code) = code else { return Ok(None) };
    match repo::sites::by_code(db, caller.organisation_id, code).await? {
        Some(site) if site.active => Ok(Some(site.id)),
        _ => {
            errors.add("site", format!("\"{code}\" is not an active site of the organisation"));
            Ok(None)
        }
    }
}
