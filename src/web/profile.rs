//! The volunteer's profile page: general settings and languages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::forms::{FormErrors, ticked};
use super::home::language_name;
use super::i18n::Tr;
use super::page::{Layout, Page, WebError};
use crate::app::AppState;
use crate::domain::dates;
use crate::domain::{Gender, Level, Mode};
use crate::error::AppError;
use crate::services::profile::{self, LanguageSkillInput, LanguagesInput, ProfileChanges};
use crate::services::{languages, views::InterpreterView};

/// A level as the page shows it.
pub fn level_label(t: Tr, level: Level) -> String {
    match level {
        Level::Native => t.get("level.native").to_owned(),
        other => other.as_str().to_owned(),
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

struct SkillRow {
    tag: String,
    name: String,
    level: String,
    written: bool,
}

/// The general settings as shown in the form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    csrf: String,
    gender: String,
    home_team: String,
    mode_in_person: Option<String>,
    mode_phone: Option<String>,
    mode_video: Option<String>,
    works_on_holidays: Option<String>,
    declaration_signed_on: String,
}

impl ProfileForm {
    fn of(view: &InterpreterView) -> Self {
        let planning = view.planning.as_ref();
        let on = |yes: bool| yes.then(|| "on".to_owned());
        Self {
            csrf: String::new(),
            gender: view.gender.map(|g| g.as_str().to_owned()).unwrap_or_default(),
            home_team: view.home_team.clone().unwrap_or_default(),
            mode_in_person: on(view.modes.contains(&Mode::InPerson)),
            mode_phone: on(view.modes.contains(&Mode::Phone)),
            mode_video: on(view.modes.contains(&Mode::Video)),
            works_on_holidays: on(planning.is_some_and(|p| p.works_on_holidays)),
            declaration_signed_on: planning
                .and_then(|p| p.declaration_signed_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    saved: bool,
    form: ProfileForm,
    genders: Vec<Choice>,
    skills: Vec<SkillRow>,
    language_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    site_name: String,
    errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

async fn render(
    state: &AppState,
    page: &Page,
    form: Option<ProfileForm>,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let t = page.t();
    let view = profile::get(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    let form = form.unwrap_or_else(|| ProfileForm::of(&view));
    let genders = std::iter::once(("", "gender.unspecified"))
        .chain(Gender::ALL.iter().map(|g| (g.as_str(), gender_key(*g))))
        .map(|(value, key)| Choice {
            value: value.to_owned(),
            label: t.get(key).to_owned(),
            selected: form.gender == value,
        })
        .collect();
    let mut language_choices: Vec<Choice> = languages::list(&state.db, &page.caller)
        .await
        .map_err(|e| page.visitor.fail(e))?
        .into_iter()
        .filter(|l| l.active)
        .map(|l| Choice {
            label: format!("{} ({})", language_name(t, &l.name_de, &l.name_en), l.tag),
            value: l.tag,
            selected: false,
        })
        .collect();
    language_choices.sort_by_cached_key(|c| super::home::sort_key(&c.label));
    let level_choices = Level::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: level_label(t, *l),
            selected: *l == Level::B2,
        })
        .collect();
    let skills = view
        .languages
        .iter()
        .map(|s| SkillRow {
            tag: s.tag.clone(),
            name: language_name(t, &s.name_de, &s.name_en),
            level: level_label(t, s.level),
            written: s.written,
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = ProfilePage {
        layout: page.layout("profile.title"),
        saved,
        form,
        genders,
        skills,
        language_choices,
        level_choices,
        site_name: view.site.name.clone(),
        errors,
    };
    Ok(page.visitor.respond(status, body))
}

fn gender_key(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "gender.f",
        Gender::Male => "gender.m",
        Gender::Diverse => "gender.d",
    }
}

/// The profile page.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    render(&state, &page, None, FormErrors::default(), query.saved.is_some()).await
}

/// Saves the general settings.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ProfileForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let t = page.t();
    let mut errors = FormErrors::default();
    let gender = match form.gender.as_str() {
        "" => None,
        text => match text.parse::<Gender>() {
            Ok(g) => Some(g),
            Err(_) => {
                errors.add("gender", t.get("profile.error.gender"));
                None
            }
        },
    };
    let declaration = match form.declaration_signed_on.trim() {
        "" => None,
        text => match dates::parse_date(text) {
            Ok(date) => Some(date),
            Err(_) => {
                errors.add("declaration_signed_on", t.get("form.error.date"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return render(&state, &page, Some(form), errors, false).await;
    }
    let modes = [
        (ticked(&form.mode_in_person), Mode::InPerson),
        (ticked(&form.mode_phone), Mode::Phone),
        (ticked(&form.mode_video), Mode::Video),
    ]
    .into_iter()
    .filter_map(|(on, mode)| on.then_some(mode))
    .collect();
    let changes = ProfileChanges {
        gender: Some(gender),
        home_team: Some(Some(form.home_team.clone())),
        modes: Some(modes),
        works_on_holidays: Some(ticked(&form.works_on_holidays)),
        declaration_signed_on: Some(declaration),
    };
    match profile::update(&state.db, &page.caller, changes).await {
        Ok(_) => Ok(Redirect::to("/profile?saved=1").into_response()),
        Err(e) => refused(&state, &page, e, Some(form)).await,
    }
}

/// Re-renders the page with the use case's refusal, or fails for other errors.
async fn refused(
    state: &AppState,
    page: &Page,
    error: AppError,
    form: Option<ProfileForm>,
) -> Result<Response, WebError> {
    let control = |path: &str| {
        // `languages[3].level` → `level`: the add form has one row.
        path.rsplit('.').next().unwrap_or(path).to_owned()
    };
    match FormErrors::from_refusal(page.t(), "profile", &error, control) {
        Some(errors) => render(state, page, form, errors, false).await,
        None => Err(page.visitor.fail(error)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddLanguageForm {
    csrf: String,
    tag: String,
    level: String,
    written: Option<String>,
}

async fn current_languages(
    state: &AppState,
    page: &Page,
) -> Result<Vec<LanguageSkillInput>, WebError> {
    let view = profile::get(&state.db, &page.caller).await.map_err(|e| page.visitor.fail(e))?;
    Ok(view
        .languages
        .into_iter()
        .map(|s| LanguageSkillInput { tag: s.tag, level: s.level, written: s.written })
        .collect())
}

/// Adds a language, or changes its level if it is listed already.
pub async fn add_language(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<AddLanguageForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let Ok(level) = form.level.parse::<Level>() else {
        let mut errors = FormErrors::default();
        errors.add("level", page.t().get("profile.error.level"));
        return render(&state, &page, None, errors, false).await;
    };
    let mut list = current_languages(&state, &page).await?;
    list.retain(|s| !s.tag.eq_ignore_ascii_case(&form.tag));
    list.push(LanguageSkillInput { tag: form.tag.clone(), level, written: ticked(&form.written) });
    match profile::replace_languages(&state.db, &page.caller, LanguagesInput { languages: list })
        .await
    {
        Ok(_) => Ok(Redirect::to("/profile?saved=1").into_response()),
        Err(e) => refused(&state, &page, e, None).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveLanguageForm {
    csrf: String,
    tag: String,
}

/// Removes a language from the profile.
pub async fn remove_language(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<RemoveLanguageForm>,
) -> Result<Response, WebError> {
    page.visitor.check_csrf(&form.csrf)?;
    let mut list = current_languages(&state, &page).await?;
    list.retain(|s| s.tag != form.tag);
    match profile::replace_languages(&state.db, &page.caller, LanguagesInput { languages: list })
        .await
    {
        Ok(_) => Ok(Redirect::to("/profile?saved=1").into_response()),
        Err(e) => refused(&state, &page, e, None).await,
    }
}
