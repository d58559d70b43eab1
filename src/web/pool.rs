//! The pool page: who speaks what, where — with caps and status for team leads.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::forms::FormErrors;
use super::home::language_name;
use super::page::{Layout, Page, WebError};
use super::profile::{Choice, level_label};
use crate::app::AppState;
use crate::domain::{Level, Role};
use crate::services::pool::{self, PoolQuery};
use crate::services::{languages, sites};

/// Minutes as hours, `2,5 h` style kept neutral: `150 min` → `2.5`.
pub fn hours(minutes: i32) -> String {
    let hours = f64::from(minutes) / 60.0;
    if minutes % 60 == 0 { format!("{hours:.0}") } else { format!("{hours:.1}") }
}

struct Row {
    name: String,
    site: String,
    languages: String,
    modes: String,
    weekly_cap: String,
    active: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    language: String,
    min_level: String,
    site: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pool.html")]
struct PoolPage {
    layout: Layout,
    planning: bool,
    rows: Vec<Row>,
    language_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    site_choices: Vec<Choice>,
    errors: FormErrors,
}

/// The filtered list.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let t = page.t();
    let fail = |e| page.visitor.fail(e);
    let min_level = match filter.min_level.as_str() {
        "" => Ok(None),
        text => text.parse::<Level>().map(Some),
    };
    let query = PoolQuery {
        language: Some(filter.language.clone()).filter(|l| !l.is_empty()),
        min_level: min_level.clone().ok().flatten(),
        site: Some(filter.site.clone()).filter(|s| !s.is_empty()),
        active: None,
    };
    let (rows, mut errors) = match pool::list(&state.db, &page.caller, query).await {
        Ok(list) => (list, FormErrors::default()),
        Err(error) => match FormErrors::from_refusal(t, "pool", &error, str::to_owned) {
            Some(errors) => (Vec::new(), errors),
            None => return Err(fail(error)),
        },
    };
    if min_level.is_err() {
        errors.add("min_level", t.get("pool.error.level"));
    }
    let planning = page.caller.has(Role::TeamLead);
    let rows = rows
        .into_iter()
        .map(|v| Row {
            languages: v
                .languages
                .iter()
                .map(|l| {
                    format!(
                        "{} {}",
                        language_name(t, &l.name_de, &l.name_en),
                        level_label(t, l.level)
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
            modes: v
                .modes
                .iter()
                .map(|m| t.get(&format!("mode.{}", m.as_str())).to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            weekly_cap: v
                .planning
                .as_ref()
                .map(|p| hours(p.weekly_cap_minutes))
                .unwrap_or_default(),
            name: v.display_name,
            site: v.site.name,
            active: v.active,
        })
        .collect();
    let mut language_choices: Vec<Choice> = languages::list(&state.db, &page.caller)
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|l| l.active)
        .map(|l| Choice {
            label: format!("{} ({})", language_name(t, &l.name_de, &l.name_en), l.tag),
            selected: l.tag == filter.language,
            value: l.tag,
        })
        .collect();
    language_choices.sort_by_cached_key(|c| super::home::sort_key(&c.label));
    let level_choices = Level::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: level_label(t, *l),
            selected: filter.min_level == l.as_str(),
        })
        .collect();
    let site_choices = sites::list(&state.db, &page.caller)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|s| Choice { selected: s.code == filter.site, value: s.code, label: s.name })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = PoolPage {
        layout: page.layout("pool.title"),
        planning,
        rows,
        language_choices,
        level_choices,
        site_choices,
        errors,
    };
    Ok(page.visitor.respond(status, body))
}
