//! Rules for account input: usernames, names, e-mail addresses, passwords, roles, sites.

use sea_orm::ConnectionTrait;

use crate::auth::Caller;
use crate::domain::{FieldErrors, Role, text};
use crate::error::AppError;
use crate::repo;

const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 1024;
/// More than every role there is, so that a list naming one twice is still taken.
const MAX_ROLES: usize = 8;

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
    text::required(name, "display_name", 120, errors);
}

pub(super) fn check_email(email: Option<&str>, errors: &mut FieldErrors) {
    if let Some(email) = email
        && (email.chars().count() > 254
            || !email.contains('@')
            || email.contains(|c: char| c.is_whitespace() || c.is_control()))
    {
        errors.add("email", "is not an e-mail address");
    }
}

pub(super) fn check_password(password: &str, errors: &mut FieldErrors) {
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&password.chars().count()) {
        errors.add("password", format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"));
    }
}

pub(super) fn normalised_roles(mut roles: Vec<Role>, errors: &mut FieldErrors) -> Vec<Role> {
    if roles.len() > MAX_ROLES {
        errors.add("roles", format!("must name at most {MAX_ROLES} roles"));
    }
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
