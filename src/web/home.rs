//! The start page: one section per role the user holds.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

use super::i18n::Tr;
use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::domain::{Locale, Role};
use crate::services::pool::PoolQuery;
use crate::services::views::InterpreterView;
use crate::services::{languages, pool, profile, sites, users};

/// The volunteer's own summary.
struct OwnSummary {
    languages: Vec<String>,
    windows: usize,
    next_absence: Option<String>,
    declaration_missing: bool,
    weekly_cap_hours: String,
}

/// Active volunteers per language.
struct LanguageCount {
    name: String,
    tag: String,
    volunteers: usize,
}

/// The team lead's figures.
struct PoolFigures {
    active: usize,
    inactive: usize,
    without_declaration: usize,
    absent_now: usize,
}

/// The admin's figures.
struct AdminFigures {
    users: usize,
    sites: usize,
    languages: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    own: Option<OwnSummary>,
    coverage: Option<Vec<LanguageCount>>,
    figures: Option<PoolFigures>,
    admin: Option<AdminFigures>,
}

pub fn language_name(t: Tr, name_de: &str, name_en: &str) -> String {
    match t.0 {
        Locale::De => name_de.to_owned(),
        Locale::En => name_en.to_owned(),
    }
}

/// A key that sorts names as people expect: `Ägyptisch` with the A's, not after Z.
pub fn sort_key(name: &str) -> String {
    name.to_lowercase().replace('ä', "a").replace('ö', "o").replace('ü', "u").replace('ß', "ss")
}

fn coverage(t: Tr, pool: &[InterpreterView]) -> Vec<LanguageCount> {
    let mut counts: BTreeMap<String, LanguageCount> = BTreeMap::new();
    for volunteer in pool.iter().filter(|v| v.active) {
        for skill in &volunteer.languages {
            let name = language_name(t, &skill.name_de, &skill.name_en);
            counts
                .entry(sort_key(&name))
                .or_insert(LanguageCount { name, tag: skill.tag.clone(), volunteers: 0 })
                .volunteers += 1;
        }
    }
    counts.into_values().collect()
}

/// The start page.
pub async fn page(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let t = page.t();
    let caller = &page.caller;
    let db = &state.db;
    let fail = |e| page.visitor.fail(e);

    let own = if caller.has(Role::Volunteer) {
        let me = profile::get(db, caller).await.map_err(fail)?;
        let planning = me.planning.as_ref();
        let now = Utc::now();
        Some(OwnSummary {
            languages: me
                .languages
                .iter()
                .map(|l| {
                    format!(
                        "{} ({})",
                        language_name(t, &l.name_de, &l.name_en),
                        super::profile::level_label(t, l.level)
                    )
                })
                .collect(),
            windows: planning.map_or(0, |p| p.availability.len()),
            next_absence: planning.and_then(|p| p.absences.iter().find(|a| a.until > now)).map(
                |a| {
                    format!(
                        "{} – {}",
                        t.date(a.from.date_naive()),
                        t.date(super::absences::last_day(a.until))
                    )
                },
            ),
            declaration_missing: planning.is_none_or(|p| p.declaration_signed_on.is_none()),
            weekly_cap_hours: planning
                .map_or_else(String::new, |p| super::pool::hours(p.weekly_cap_minutes)),
        })
    } else {
        None
    };

    let reads_pool =
        caller.roles.iter().any(|r| matches!(r, Role::Caseworker | Role::TeamLead | Role::Admin));
    let everyone = if reads_pool {
        pool::list(db, caller, PoolQuery::default()).await.map_err(fail)?
    } else {
        Vec::new()
    };
    let coverage = (caller.has(Role::Caseworker) || caller.has(Role::TeamLead))
        .then(|| coverage(t, &everyone));
    let figures = caller.has(Role::TeamLead).then(|| {
        let now = Utc::now();
        PoolFigures {
            active: everyone.iter().filter(|v| v.active).count(),
            inactive: everyone.iter().filter(|v| !v.active).count(),
            without_declaration: everyone
                .iter()
                .filter(|v| {
                    v.active
                        && v.planning.as_ref().is_some_and(|p| p.declaration_signed_on.is_none())
                })
                .count(),
            absent_now: everyone
                .iter()
                .filter(|v| {
                    v.planning
                        .as_ref()
                        .is_some_and(|p| p.absences.iter().any(|a| a.from <= now && now < a.until))
                })
                .count(),
        }
    });
    let admin = if caller.has(Role::Admin) {
        Some(AdminFigures {
            users: users::list(db, caller).await.map_err(fail)?.len(),
            sites: sites::list(db, caller).await.map_err(fail)?.len(),
            languages: languages::list(db, caller).await.map_err(fail)?.len(),
        })
    } else {
        None
    };
    let body = HomePage { layout: page.layout("home.title"), own, coverage, figures, admin };
    Ok(page.visitor.respond(StatusCode::OK, body))
}
