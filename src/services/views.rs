//! What the pool's readers see of a volunteer, and how much of it: the volunteer sees all of
//! their own profile; a team lead sees what planning needs but not why someone is absent; a
//! caseworker sees who speaks what, where.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entities::{absence, availability_rule, interpreter, language, site};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::time::{BERLIN, LocalTime, Weekday};
use crate::domain::{AbsenceReason, Gender, Level, Mode};
use crate::repo;

/// How much of a profile the reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The volunteer themself.
    Own,
    /// A team lead of the organisation.
    Planning,
    /// A caseworker or admin of the organisation.
    Directory,
}

/// A site, as shown next to a volunteer or a rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteRef {
    pub code: String,
    pub name: String,
}

/// A language a volunteer interprets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LanguageSkill {
    pub tag: String,
    pub name_de: String,
    pub name_en: String,
    pub level: Level,
    /// Also translates written text, not only speech.
    pub written: bool,
}

/// A weekly availability window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub id: i64,
    pub weekday: Weekday,
    pub start: LocalTime,
    pub end: LocalTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Site where the volunteer is in person during the window; `null`: their home site.
    pub site: Option<String>,
    /// Phone and video only during this window.
    pub remote_only: bool,
}

/// A period of absence, `[from, until)`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AbsenceView {
    pub id: i64,
    pub from: DateTime<FixedOffset>,
    pub until: DateTime<FixedOffset>,
    /// Shown to the volunteer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<AbsenceReason>,
}

/// What planning needs to know: caps, declaration, availability and absences.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanningView {
    pub weekly_cap_minutes: i32,
    pub daily_cap_minutes: i32,
    pub works_on_holidays: bool,
    /// Date the confidentiality declaration was signed; no assignment before it.
    pub declaration_signed_on: Option<NaiveDate>,
    pub availability: Vec<AvailabilityView>,
    /// Current and future absences.
    pub absences: Vec<AbsenceView>,
}

/// A volunteer of the pool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpreterView {
    pub id: i64,
    pub display_name: String,
    pub site: SiteRef,
    pub gender: Option<Gender>,
    /// The volunteer's own team, whose time interpreting takes.
    pub home_team: Option<String>,
    pub modes: Vec<Mode>,
    pub active: bool,
    pub languages: Vec<LanguageSkill>,
    /// Absent for caseworkers and admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning: Option<PlanningView>,
}

/// The instant as Berlin wall-clock time with its offset, as staff read it.
pub fn in_berlin(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&BERLIN).fixed_offset()
}

/// The modes a profile offers.
pub fn modes_of(row: &interpreter::Model) -> Vec<Mode> {
    [
        (row.offers_in_person, Mode::InPerson),
        (row.offers_phone, Mode::Phone),
        (row.offers_video, Mode::Video),
    ]
    .into_iter()
    .filter_map(|(offered, mode)| offered.then_some(mode))
    .collect()
}

pub fn availability_view(
    rule: &availability_rule::Model,
    sites: &HashMap<i64, site::Model>,
) -> AvailabilityView {
    AvailabilityView {
        id: rule.id,
        weekday: Weekday::from_iso_number(rule.weekday).unwrap_or(Weekday::Mon),
        start: LocalTime::clamped(rule.start_minute),
        end: LocalTime::clamped(rule.end_minute),
        valid_from: rule.valid_from,
        valid_until: rule.valid_until,
        site: rule.site_id.and_then(|id| sites.get(&id)).map(|s| s.code.clone()),
        remote_only: rule.remote_only,
    }
}

pub fn absence_view(row: &absence::Model, with_reason: bool) -> AbsenceView {
    AbsenceView {
        id: row.id,
        from: in_berlin(row.starts_at),
        until: in_berlin(row.ends_at),
        reason: if with_reason { row.reason.parse().ok() } else { None },
    }
}

/// Builds the views of several profiles with one query per kind of data, not one per profile.
///
/// # Errors
/// Database errors.
pub async fn interpreter_views(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    rows: Vec<interpreter::Model>,
    visibility: Visibility,
) -> Result<Vec<InterpreterView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let user_ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let names = repo::users::display_names(db, &user_ids).await?;
    let sites: HashMap<i64, site::Model> =
        repo::sites::list(db, organisation_id).await?.into_iter().map(|s| (s.id, s)).collect();
    let languages: HashMap<i64, language::Model> =
        repo::languages::list(db, organisation_id).await?.into_iter().map(|l| (l.id, l)).collect();

    let mut skills: HashMap<i64, Vec<LanguageSkill>> = HashMap::new();
    for skill in repo::interpreters::skills_of(db, &ids).await? {
        let (Some(language), Ok(level)) = (languages.get(&skill.language_id), skill.level.parse())
        else {
            continue;
        };
        skills.entry(skill.interpreter_id).or_default().push(LanguageSkill {
            tag: language.tag.clone(),
            name_de: language.name_de.clone(),
            name_en: language.name_en.clone(),
            level,
            written: skill.written,
        });
    }

    let mut availability: HashMap<i64, Vec<AvailabilityView>> = HashMap::new();
    let mut absences: HashMap<i64, Vec<AbsenceView>> = HashMap::new();
    if visibility != Visibility::Directory {
        for rule in repo::interpreters::availability_of(db, &ids).await? {
            availability
                .entry(rule.interpreter_id)
                .or_default()
                .push(availability_view(&rule, &sites));
        }
        let since = (visibility == Visibility::Planning).then(Utc::now);
        for row in repo::interpreters::absences_of(db, &ids, since).await? {
            absences
                .entry(row.interpreter_id)
                .or_default()
                .push(absence_view(&row, visibility == Visibility::Own));
        }
    }

    Ok(rows
        .into_iter()
        .map(|row| {
            let site = sites.get(&row.site_id).map_or_else(
                || SiteRef { code: String::new(), name: String::new() },
                |s| SiteRef { code: s.code.clone(), name: s.name.clone() },
            );
            let planning = (visibility != Visibility::Directory).then(|| PlanningView {
                weekly_cap_minutes: row.weekly_cap_minutes,
                daily_cap_minutes: row.daily_cap_minutes,
                works_on_holidays: row.works_on_holidays,
                declaration_signed_on: row.declaration_signed_on,
                availability: availability.remove(&row.id).unwrap_or_default(),
                absences: absences.remove(&row.id).unwrap_or_default(),
            });
            InterpreterView {
                id: row.id,
                display_name: names.get(&row.user_id).cloned().unwrap_or_default(),
                site,
                gender: row.gender.as_deref().and_then(|g| g.parse().ok()),
                home_team: row.home_team.clone(),
                modes: modes_of(&row),
                active: row.active,
                languages: skills.remove(&row.id).unwrap_or_default(),
                planning,
            }
        })
        .collect())
}
