//! The organisation's volunteer pool as planning reads it, in the caller's transaction: the
//! profiles, languages, windows and absences, and what every plan takes from them, worked out
//! once per read. A series' occurrences share one read ([`ReadInTransaction`]).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entities::{
    absence, availability_rule, interpreter, interpreter_language, language, site, site_travel,
};
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::Level;
use crate::domain::time::{LocalTime, Weekday};
use crate::repo;
use crate::scheduling::format::{Interpreter, LanguageFallback, Skill, Travel, Window};

/// What planning reads of an organisation's pool: the rows a plan looks at each time, and what
/// it takes from the pool's sites, travel times, languages and profiles, worked out once.
#[derive(Debug)]
pub struct Pool {
    /// Absences that ended by then are left out.
    since: DateTime<Utc>,
    /// The active profiles, by id.
    pub interpreters: Vec<interpreter::Model>,
    /// Their weekly windows.
    pub availability: Vec<availability_rule::Model>,
    /// Their absences that end after `since`, by start.
    pub absences: Vec<absence::Model>,
    pub derived: Derived,
}

/// The pool as the optimiser's problem states it, and the indexes a plan picks its volunteers
/// by: a booking holds the write lock while it plans, and this spares it going through every
/// profile, language, window and absence of a large pool each time.
#[derive(Debug)]
pub struct Derived {
    /// Each site's code, by id.
    pub site_code: HashMap<i64, String>,
    /// Each language's tag, by id.
    pub tag_of: HashMap<i64, String>,
    /// Each language's fallback, by id.
    pub fallback_of: HashMap<i64, i64>,
    /// The sites' codes, in order.
    pub site_codes: Vec<String>,
    pub travel: Vec<Travel>,
    pub languages: Vec<LanguageFallback>,
    /// Who speaks each language (by id), and how well: positions in `interpreters`.
    pub speakers: HashMap<i64, Vec<(usize, Level)>>,
    /// One per profile of `interpreters`, in the same order.
    pub profiles: Vec<Profile>,
}

/// A volunteer as plans state them.
#[derive(Debug)]
pub struct Profile {
    /// As the problem states them, without absences and with the declaration unsigned: both
    /// depend on the plan's weeks and day.
    pub problem: Interpreter,
    /// Their weekly windows: positions in `availability`.
    pub rules: Vec<usize>,
    /// Whether a window of theirs is valid only between dates, or for phone and video only,
    /// which the problem's weekly windows cannot say.
    pub limited: bool,
    /// Their absences: positions in `absences`.
    pub absences: Vec<usize>,
}

/// The pools one transaction has read so far, by organisation. Only that transaction's own
/// writes could change them since, and a booking writes none of the pool's tables: a series'
/// occurrences read the pool once, not once each.
#[derive(Debug, Default)]
pub struct ReadInTransaction(HashMap<i64, Arc<Pool>>);

/// As [`current`], taking the pool the transaction read before if it holds the absences asked
/// for. Only for transactions that do not change the pool.
///
/// # Errors
/// Database errors.
pub async fn current_in(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    since: DateTime<Utc>,
    read: &mut ReadInTransaction,
) -> Result<Arc<Pool>, DbErr> {
    if let Some(pool) = read.0.get(&organisation_id).filter(|pool| pool.since <= since) {
        return Ok(pool.clone());
    }
    let pool = current(db, organisation_id, since).await?;
    read.0.insert(organisation_id, pool.clone());
    Ok(pool)
}

/// The organisation's pool as `db` sees it, with every absence that ends after `since`.
///
/// # Errors
/// Database errors.
pub async fn current(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    since: DateTime<Utc>,
) -> Result<Arc<Pool>, DbErr> {
    Ok(Arc::new(read(db, organisation_id, since).await?))
}

async fn read(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    since: DateTime<Utc>,
) -> Result<Pool, DbErr> {
    let interpreters = repo::interpreters::active(db, organisation_id).await?;
    let ids: Vec<i64> = interpreters.iter().map(|i| i.id).collect();
    let sites = repo::sites::list(db, organisation_id).await?;
    let travel = repo::sites::travel(db, organisation_id).await?;
    let languages = repo::languages::list(db, organisation_id).await?;
    let skills = repo::interpreters::skills_of(db, &ids).await?;
    let availability = repo::interpreters::availability_of(db, &ids).await?;
    let absences = repo::interpreters::absences_of(db, &ids, Some(since)).await?;
    let derived =
        derive(&sites, &travel, &languages, &interpreters, &skills, &availability, &absences);
    Ok(Pool { since, interpreters, availability, absences, derived })
}

fn derive(
    sites: &[site::Model],
    travel: &[site_travel::Model],
    languages: &[language::Model],
    interpreters: &[interpreter::Model],
    skills: &[interpreter_language::Model],
    availability: &[availability_rule::Model],
    absences: &[absence::Model],
) -> Derived {
    let site_code: HashMap<i64, String> = sites.iter().map(|s| (s.id, s.code.clone())).collect();
    let tag_of: HashMap<i64, String> = languages.iter().map(|l| (l.id, l.tag.clone())).collect();
    let position: HashMap<i64, usize> =
        interpreters.iter().enumerate().map(|(at, i)| (i.id, at)).collect();
    let mut profiles: Vec<Profile> = interpreters
        .iter()
        .map(|i| Profile {
            problem: Interpreter {
                id: super::snapshot::problem_interpreter_id(i.id),
                user_id: super::snapshot::problem_user_id(i.user_id),
                site: site_code.get(&i.site_id).cloned().unwrap_or_default(),
                gender: i.gender.as_deref().and_then(|g| g.parse().ok()),
                modes: crate::services::views::modes_of(i),
                languages: Vec::new(),
                weekly_cap_minutes: u32::try_from(i.weekly_cap_minutes).unwrap_or(0),
                daily_cap_minutes: u32::try_from(i.daily_cap_minutes).unwrap_or(0),
                availability: Vec::new(),
                absences: Vec::new(),
                works_on_holidays: i.works_on_holidays,
                declaration_signed: false,
            },
            rules: Vec::new(),
            limited: false,
            absences: Vec::new(),
        })
        .collect();
    let mut speakers: HashMap<i64, Vec<(usize, Level)>> = HashMap::new();
    for s in skills {
        let (Some(&at), Ok(level)) = (position.get(&s.interpreter_id), s.level.parse::<Level>())
        else {
            continue;
        };
        speakers.entry(s.language_id).or_default().push((at, level));
        if let Some(tag) = tag_of.get(&s.language_id) {
            profiles[at].problem.languages.push(Skill { tag: tag.clone(), level });
        }
    }
    for (index, r) in availability.iter().enumerate() {
        let Some(&at) = position.get(&r.interpreter_id) else { continue };
        let profile = &mut profiles[at];
        profile.rules.push(index);
        profile.limited |= r.remote_only || r.valid_from.is_some() || r.valid_until.is_some();
        if let Some(weekday) = Weekday::from_iso_number(r.weekday) {
            profile.problem.availability.push(Window {
                weekday,
                start: LocalTime::clamped(r.start_minute),
                end: LocalTime::clamped(r.end_minute),
            });
        }
    }
    for profile in &mut profiles {
        profile.problem.availability.sort_by_key(|w| (w.weekday, w.start, w.end));
        profile.problem.availability.dedup();
    }
    for (index, a) in absences.iter().enumerate() {
        if let Some(&at) = position.get(&a.interpreter_id) {
            profiles[at].absences.push(index);
        }
    }
    Derived {
        site_codes: sites.iter().map(|s| s.code.clone()).collect(),
        travel: travel
            .iter()
            .filter_map(|t| {
                Some(Travel {
                    from: site_code.get(&t.from_site_id)?.clone(),
                    to: site_code.get(&t.to_site_id)?.clone(),
                    minutes: u32::try_from(t.minutes).ok()?,
                })
            })
            .collect(),
        languages: languages
            .iter()
            .map(|l| LanguageFallback {
                tag: l.tag.clone(),
                fallback: l.fallback_id.and_then(|f| tag_of.get(&f).cloned()),
            })
            .collect(),
        fallback_of: languages.iter().filter_map(|l| Some((l.id, l.fallback_id?))).collect(),
        site_code,
        tag_of,
        speakers,
        profiles,
    }
}
