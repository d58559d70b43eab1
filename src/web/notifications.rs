//! The notifications page: each user chooses which messages they want and in which language;
//! admins also see the messages that could not be sent and can queue them again.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{Layout, Page, WebError};
use super::profile::{Choice, SavedQuery};
use crate::app::AppState;
use crate::domain::{Locale, Role};
use crate::services::notify::settings::{self, KINDS, NotificationSettings};

struct ParkedRow {
    id: i64,
    kind: String,
    recipient: String,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    saved: bool,
    kinds: Vec<Choice>,
    locales: Vec<Choice>,
    admin: bool,
    parked: Vec<ParkedRow>,
}

/// The page.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let current = settings::get(&state.db, &page.caller).await.map_err(fail)?;
    let admin = page.caller.has(Role::Admin);
    let parked = if admin {
        settings::parked(&state.db, &page.caller).await.map_err(fail)?
    } else {
        Vec::new()
    };
    let body = NotificationsPage {
        layout: page.layout("notifications.title"),
        saved: query.saved.is_some(),
        kinds: KINDS
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: t.get(&format!("notifications.kind.{}", k.as_str())).to_owned(),
                selected: current.wanted.contains(k),
            })
            .collect(),
        locales: [(Locale::De, "Deutsch"), (Locale::En, "English")]
            .iter()
            .map(|(l, label)| Choice {
                value: l.as_str().to_owned(),
                label: (*label).to_owned(),
                selected: current.locale == *l,
            })
            .collect(),
        admin,
        parked: parked
            .into_iter()
            .map(|p| ParkedRow {
                id: p.id,
                kind: t.get(&format!("notifications.kind.{}", p.kind)).to_owned(),
                recipient: p.recipient.unwrap_or_default(),
                error: p.last_error.unwrap_or_default(),
            })
            .collect(),
    };
    Ok(page.visitor.respond(StatusCode::OK, body))
}

#[derive(Debug, Default)]
struct SettingsForm {
    csrf: String,
    locale: String,
    /// Every ticked kind, as repeated `wanted` fields.
    wanted: Vec<String>,
}

/// Keeps the settings.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    body: String,
) -> Result<Response, WebError> {
    // Repeated fields (`wanted=a&wanted=b`) need a parser that collects them.
    let mut form = SettingsForm::default();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "csrf" => form.csrf = value.into_owned(),
            "locale" => form.locale = value.into_owned(),
            "wanted" => form.wanted.push(value.into_owned()),
            _ => {}
        }
    }
    page.visitor.check_csrf(&form.csrf)?;
    let wanted =
        KINDS.iter().copied().filter(|k| form.wanted.iter().any(|w| w == k.as_str())).collect();
    let locale = form.locale.parse().unwrap_or(page.caller.locale);
    settings::put(&state.db, &page.caller, NotificationSettings { wanted, locale })
        .await
        .map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/notifications?saved=1").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetryForm {
    csrf: String,
}

/// Queues a parked message again (admins).
pub async fn retry(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<RetryForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    settings::retry(&state.db, &page.caller, id).await.map_err(|e| page.visitor.fail(e))?;
    Ok(Redirect::to("/notifications?saved=1").into_response())
}
