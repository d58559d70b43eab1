//! The page where every user changes their own password: the current one, the new one twice.
//! Their other sessions end; this one goes on.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::forms::FormErrors;
use super::page::{Layout, Page, WebError};
use super::profile::SavedQuery;
use crate::app::AppState;
use crate::auth::ClientAddress;
use crate::error::AppError;
use crate::services::users::{self, PasswordChange};

/// One password field of the form.
struct PasswordField {
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    hint: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    saved: bool,
    fields: Vec<PasswordField>,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
    csrf: String,
}

fn render(page: &Page, errors: FormErrors, saved: bool) -> Response {
    let t = page.t();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let field = |id, label, autocomplete, hint: Option<&'static str>| PasswordField {
        id,
        label: t.get(label),
        autocomplete,
        hint: hint.map(|key| t.get(key)),
    };
    let body = PasswordPage {
        layout: page.layout("password.title"),
        saved,
        fields: vec![
            field("current_password", "password.current_password", "current-password", None),
            field(
                "new_password",
                "password.new_password",
                "new-password",
                Some("password.new_password_hint"),
            ),
            field("new_password_again", "password.new_password_again", "new-password", None),
        ],
        errors,
    };
    page.visitor.respond(status, body)
}

/// The form.
pub async fn show(page: Page, Query(query): Query<SavedQuery>) -> Response {
    render(&page, FormErrors::default(), query.saved.is_some())
}

/// Changes the password; the fields are never sent back.
pub async fn change(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    page: Page,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    if form.new_password != form.new_password_again {
        let mut errors = FormErrors::default();
        errors.add("new_password_again", t.get("password.error.new_password_again"));
        return Ok(render(&page, errors, false));
    }
    let change =
        PasswordChange { current_password: form.current_password, new_password: form.new_password };
    match users::change_own_password(&state, &page.caller, change, address).await {
        Ok(()) => Ok(Redirect::to("/password?saved=1").into_response()),
        Err(AppError::TooManyAttempts { .. } | AppError::Busy { .. }) => {
            let mut errors = FormErrors::default();
            errors.add("current_password", t.get("password.error.wait"));
            Ok(render(&page, errors, false))
        }
        Err(error) => match FormErrors::from_refusal(t, "password", &error, str::to_owned) {
            Some(errors) => Ok(render(&page, errors, false)),
            None => Err(page.visitor.fail(error)),
        },
    }
}
