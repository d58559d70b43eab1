//! The pool as the coverage figures see it: each active volunteer with a signed declaration,
//! the languages they can cover, their home site and team, their weekly cap, and the minutes
//! they could give on each date of a period (`domain::supply`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::supply::Availability;
use crate::domain::time::Weekday;
use crate::domain::time::{LocalTime, WeeklyWindow};
use crate::repo;

/// One volunteer's side of the figures.
#[derive(Debug, Clone)]
pub struct Volunteer {
    pub interpreter_id: i64,
    pub display_name: String,
    pub site_id: i64,
    pub home_team: Option<String>,
    pub weekly_cap_minutes: i64,
    pub declaration_signed_on: Option<NaiveDate>,
    /// Languages spoken, and the varieties their macrolanguage covers.
    pub covers: HashSet<i64>,
    pub offered: BTreeMap<NaiveDate, i64>,
}

/// The pool over `[from, to]` (local dates, inclusive).
///
/// # Errors
/// Database errors.
pub async fn read(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Volunteer>, DbErr> {
    let profiles = repo::interpreters::active(db, organisation_id).await?;
    let ids: Vec<i64> = profiles.iter().map(|p| p.id).collect();
    let languages = repo::languages::list(db, organisation_id).await?;
    // A speaker of a macrolanguage covers its varieties too (Arabic for Levantine Arabic).
    let mut varieties: HashMap<i64, Vec<i64>> = HashMap::new();
    for l in &languages {
        if let Some(macro_id) = l.fallback_id {
            varieties.entry(macro_id).or_default().push(l.id);
        }
    }
    let mut covers: HashMap<i64, HashSet<i64>> = HashMap::new();
    for skill in repo::interpreters::skills_of(db, &ids).await? {
        let set = covers.entry(skill.interpreter_id).or_default();
        set.insert(skill.language_id);
        set.extend(varieties.get(&skill.language_id).into_iter().flatten());
    }
    let mut windows: HashMap<i64, Vec<WeeklyWindow>> = HashMap::new();
    for rule in repo::interpreters::availability_of(db, &ids).await? {
        let Some(weekday) = Weekday::from_iso_number(rule.weekday) else { continue };
        windows.entry(rule.interpreter_id).or_default().push(WeeklyWindow {
            weekday,
            start: LocalTime::clamped(rule.start_minute),
            end: LocalTime::clamped(rule.end_minute),
            valid_from: rule.valid_from,
            valid_until: rule.valid_until,
        });
    }
    let since = crate::domain::time::start_of_local_day(from, crate::domain::time::BERLIN);
    let mut absences: HashMap<i64, Vec<_>> = HashMap::new();
    for a in repo::interpreters::absences_of(db, &ids, Some(since)).await? {
        absences.entry(a.interpreter_id).or_default().push((a.starts_at, a.ends_at));
    }
    let user_ids: Vec<i64> = profiles.iter().map(|p| p.user_id).collect();
    let names = repo::users::display_names(db, &user_ids).await?;

    Ok(profiles
        .into_iter()
        .map(|p| {
            // No interpreting before the confidentiality declaration is signed.
            let signed = p.declaration_signed_on;
            let availability = Availability {
                windows: windows.remove(&p.id).unwrap_or_default(),
                absences: absences.remove(&p.id).unwrap_or_default(),
                works_on_holidays: p.works_on_holidays,
                daily_cap_minutes: i64::from(p.daily_cap_minutes),
                weekly_cap_minutes: i64::from(p.weekly_cap_minutes),
            };
            let mut offered = availability.offered(from, to);
            offered.retain(|date, _| signed.is_some_and(|s| s <= *date));
            Volunteer {
                interpreter_id: p.id,
                display_name: names.get(&p.user_id).cloned().unwrap_or_default(),
                site_id: p.site_id,
                home_team: p.home_team,
                weekly_cap_minutes: i64::from(p.weekly_cap_minutes),
                declaration_signed_on: signed,
                covers: covers.remove(&p.id).unwrap_or_default(),
                offered,
            }
        })
        .collect())
}
