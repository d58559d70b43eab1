//! Reads what the optimiser needs from the database and writes it as a `Problem`: the
//! appointments to plan, every active interpreter with languages, windows, absences and caps,
//! the work already taken in the same weeks (confirmed, and proposals outside the plan), and
//! per appointment the client's exclusions, the declines, the previous and the proposed
//! interpreter.
//!
//! The pool comes from memory while it is unchanged (see `pool`); the work, the declines, the
//! exclusions and the previous interpreters are read each time, the work only of those who
//! could take a planned appointment if their time allowed.
//!
//! Two things the file format cannot say are turned into exclusions of the pair: a window that
//! is valid only between two dates, and a window for phone and video only.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entities::{appointment, availability_rule, interpreter};
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::holidays::nrw_holidays;
use crate::domain::time::{BERLIN, LocalTime, Weekday, WeeklyWindow, start_of_local_day};
use crate::domain::{Gender, Level, Mode};
use crate::repo;
use crate::scheduling::format::{
    Appointment, Fixed, Interpreter, LanguageFallback, PROBLEM_FORMAT, Period, Problem, Skill,
    Travel, Window,
};

/// The problem and how to map its answer back.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub problem: Problem,
    /// Database id of each appointment of the problem, in order.
    pub appointment_ids: Vec<i64>,
    /// Database id of each interpreter of the problem, in order.
    pub interpreter_ids: Vec<i64>,
    /// Database ids of the interpreters whose work was read: those who may take a planned
    /// appointment by the rules that do not depend on work. The fingerprint covers their work.
    pub working_ids: Vec<i64>,
    /// What the plan relies on: versions of the planned appointments and of the live assignments
    /// in the horizon. If any differs when the plan is applied, it is stale.
    pub fingerprint: Vec<(&'static str, i64, i32)>,
    /// The whole ISO weeks the plan covers.
    pub horizon: (DateTime<Utc>, DateTime<Utc>),
    /// Whether the planned appointments may have assignments already.
    pub planned: Planned,
}

/// What the planned appointments are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// Appointments that may have been planned before: their proposals and declines count.
    Existing,
    /// Appointments written in the same transaction, not visible to anyone else: none can
    /// have an assignment yet, so none is read.
    JustBooked,
}

/// Versions of the planned appointments and of the live assignments in `[from, to)` of the
/// interpreters the plan may use (a snapshot's `working_ids`), sorted.
///
/// # Errors
/// Database errors.
pub async fn fingerprint(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    planned: &[i64],
    interpreters: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(&'static str, i64, i32)>, DbErr> {
    let versions = repo::booking::appointment_versions(db, planned).await?;
    let work =
        repo::booking::live_work_between(db, organisation_id, interpreters, from, to).await?;
    Ok(fingerprint_of(&versions, &work))
}

fn fingerprint_of(
    planned: &[(i64, i32)],
    work: &[repo::booking::LiveWork],
) -> Vec<(&'static str, i64, i32)> {
    let mut out: Vec<(&'static str, i64, i32)> =
        planned.iter().map(|&(id, version)| ("appointment", id, version)).collect();
    out.extend(work.iter().map(|w| ("assignment", w.id, w.version)));
    out.sort_unstable();
    out
}

fn problem_appointment_id(id: i64) -> String {
    format!("a{id}")
}

fn problem_interpreter_id(id: i64) -> String {
    format!("i{id}")
}

fn problem_user_id(id: i64) -> String {
    format!("u{id}")
}

/// The Monday starting the ISO week of `date`.
fn monday(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// Reads the snapshot for planning `to_plan`, all in the organisation.
///
/// # Errors
/// Database errors.
pub async fn read(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    to_plan: &[appointment::Model],
    planned_as: Planned,
    today: NaiveDate,
) -> Result<Snapshot, DbErr> {
    let (first, last) =
        to_plan.iter().fold((None::<DateTime<Utc>>, None::<DateTime<Utc>>), |(lo, hi), a| {
            (
                Some(lo.map_or(a.starts_at, |l| l.min(a.starts_at))),
                Some(hi.map_or(a.ends_at, |h| h.max(a.ends_at))),
            )
        });
    let first_day = first.map_or(today, |t| t.with_timezone(&BERLIN).date_naive());
    let last_day = last.map_or(today, |t| t.with_timezone(&BERLIN).date_naive());
    // Whole ISO weeks: weekly caps count everything in them.
    let from = start_of_local_day(monday(first_day), BERLIN);
    let to = start_of_local_day(monday(last_day) + Duration::days(7), BERLIN);

    let pool = super::pool::current(db, organisation_id, from).await?;
    let sites = &pool.sites;
    let site_code: HashMap<i64, String> = sites.iter().map(|s| (s.id, s.code.clone())).collect();
    let travel_minutes: Vec<Travel> = pool
        .travel
        .iter()
        .filter_map(|t| {
            Some(Travel {
                from: site_code.get(&t.from_site_id)?.clone(),
                to: site_code.get(&t.to_site_id)?.clone(),
                minutes: u32::try_from(t.minutes).ok()?,
            })
        })
        .collect();
    let languages = &pool.languages;
    let tag_of: HashMap<i64, String> = languages.iter().map(|l| (l.id, l.tag.clone())).collect();

    // Only those who speak a planned appointment's language or its fallback at the level can
    // take one (rule 1); the others change neither the plan nor its reasons, and leaving
    // them and their work out keeps a booking's planning small in a large pool.
    let fallback_of: HashMap<i64, i64> =
        languages.iter().filter_map(|l| Some((l.id, l.fallback_id?))).collect();
    let mut asked: HashMap<i64, Level> = HashMap::new();
    for a in to_plan {
        let level = a.min_level.parse().unwrap_or(Level::C2);
        for language in
            std::iter::once(a.language_id).chain(fallback_of.get(&a.language_id).copied())
        {
            let lowest = asked.entry(language).or_insert(level);
            *lowest = (*lowest).min(level);
        }
    }
    let candidates: HashSet<i64> = pool
        .skills
        .iter()
        .filter(|s| {
            s.level
                .parse::<Level>()
                .is_ok_and(|level| asked.get(&s.language_id).is_some_and(|l| level >= *l))
        })
        .map(|s| s.interpreter_id)
        .collect();
    let interpreters: Vec<&interpreter::Model> =
        pool.interpreters.iter().filter(|i| candidates.contains(&i.id)).collect();
    let interpreter_ids: Vec<i64> = interpreters.iter().map(|i| i.id).collect();
    let mut skills: HashMap<i64, Vec<Skill>> = HashMap::new();
    for s in pool.skills.iter().filter(|s| candidates.contains(&s.interpreter_id)) {
        if let (Some(tag), Ok(level)) = (tag_of.get(&s.language_id), s.level.parse::<Level>()) {
            skills.entry(s.interpreter_id).or_default().push(Skill { tag: tag.clone(), level });
        }
    }
    let mut rules: HashMap<i64, Vec<&availability_rule::Model>> = HashMap::new();
    for r in pool.availability.iter().filter(|r| candidates.contains(&r.interpreter_id)) {
        rules.entry(r.interpreter_id).or_default().push(r);
    }
    let mut absences: HashMap<i64, Vec<Period>> = HashMap::new();
    for a in &pool.absences {
        if candidates.contains(&a.interpreter_id) && a.ends_at > from && a.starts_at < to {
            absences.entry(a.interpreter_id).or_default().push(Period {
                start: a.starts_at.with_timezone(&BERLIN).fixed_offset(),
                end: a.ends_at.with_timezone(&BERLIN).fixed_offset(),
            });
        }
    }

    let planned_ids: Vec<i64> = to_plan.iter().map(|a| a.id).collect();
    let mut declined: HashMap<i64, Vec<String>> = HashMap::new();
    let declines = match planned_as {
        Planned::Existing => repo::booking::assignments_of(db, &planned_ids, &["declined"]).await?,
        Planned::JustBooked => Vec::new(),
    };
    for d in declines {
        declined
            .entry(d.appointment_id)
            .or_default()
            .push(problem_interpreter_id(d.interpreter_id));
    }
    let client_ids: Vec<i64> = to_plan.iter().map(|a| a.client_id).collect();
    let mut excluded: HashMap<i64, Vec<i64>> = HashMap::new();
    for e in repo::booking::exclusions_of(db, &client_ids).await? {
        excluded.entry(e.client_id).or_default().push(e.interpreter_id);
    }
    let previous = repo::booking::previous_interpreters(db, &client_ids, from).await?;

    let mut appointments = Vec::with_capacity(to_plan.len());
    for a in to_plan {
        let mode: Mode = a.mode.parse().unwrap_or(Mode::Phone);
        let mut excluded_interpreters: Vec<String> = excluded
            .get(&a.client_id)
            .into_iter()
            .flatten()
            .map(|&i| problem_interpreter_id(i))
            .collect();
        // Windows valid only on some dates, or for phone and video only, exclude the pairs the
        // weekly windows of the format would wrongly allow.
        for interp in &interpreters {
            let own = rules.get(&interp.id).map(Vec::as_slice).unwrap_or_default();
            if !window_allows(own, a, mode) && window_allows_ignoring_limits(own, a) {
                excluded_interpreters.push(problem_interpreter_id(interp.id));
            }
        }
        excluded_interpreters.sort();
        excluded_interpreters.dedup();
        appointments.push(Appointment {
            id: problem_appointment_id(a.id),
            start: a.starts_at.with_timezone(&BERLIN).fixed_offset(),
            end: a.ends_at.with_timezone(&BERLIN).fixed_offset(),
            language: tag_of.get(&a.language_id).cloned().unwrap_or_default(),
            min_level: a.min_level.parse().unwrap_or(Level::C2),
            site: a.site_id.and_then(|id| site_code.get(&id).cloned()),
            mode,
            priority: u32::try_from(a.priority).unwrap_or(1).max(1),
            sensitive: a.sensitive,
            caseworker_user_id: problem_user_id(a.caseworker_id),
            gender_preference: a
                .gender_preference
                .as_deref()
                .and_then(|g| g.parse::<Gender>().ok()),
            excluded_interpreters,
            declined_by: declined.remove(&a.id).unwrap_or_default(),
            previous_interpreter: previous.get(&a.client_id).map(|&i| problem_interpreter_id(i)),
            // From the work read below.
            proposed_interpreter: None,
        });
    }

    let mut holidays = Vec::new();
    for year in first_day.year()..=last_day.year() + 1 {
        holidays.extend(nrw_holidays(year).into_iter().map(|h| h.date));
    }
    let problem_interpreters = interpreters
        .iter()
        .map(|i| {
            let mut windows: Vec<Window> = rules
                .get(&i.id)
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some(Window {
                        weekday: Weekday::from_iso_number(r.weekday)?,
                        start: LocalTime::clamped(r.start_minute),
                        end: LocalTime::clamped(r.end_minute),
                    })
                })
                .collect();
            windows.sort_by_key(|w| (w.weekday, w.start, w.end));
            windows.dedup();
            Interpreter {
                id: problem_interpreter_id(i.id),
                user_id: problem_user_id(i.user_id),
                site: site_code.get(&i.site_id).cloned().unwrap_or_default(),
                gender: i.gender.as_deref().and_then(|g| g.parse().ok()),
                modes: crate::services::views::modes_of(i),
                languages: skills.remove(&i.id).unwrap_or_default(),
                weekly_cap_minutes: u32::try_from(i.weekly_cap_minutes).unwrap_or(0),
                daily_cap_minutes: u32::try_from(i.daily_cap_minutes).unwrap_or(0),
                availability: windows,
                absences: absences.remove(&i.id).unwrap_or_default(),
                works_on_holidays: i.works_on_holidays,
                declaration_signed: i.declaration_signed_on.is_some_and(|d| d <= today),
            }
        })
        .collect();

    let mut problem = Problem {
        format: PROBLEM_FORMAT.to_owned(),
        timezone: BERLIN.name().to_owned(),
        holidays,
        sites: sites.iter().map(|s| s.code.clone()).collect(),
        travel_minutes,
        languages: languages
            .iter()
            .map(|l| LanguageFallback {
                tag: l.tag.clone(),
                fallback: l.fallback_id.and_then(|f| tag_of.get(&f).cloned()),
            })
            .collect(),
        interpreters: problem_interpreters,
        appointments,
        fixed: Vec::new(),
    };

    // Work already taken in the horizon (confirmed assignments, and proposals of appointments
    // outside this plan) is read only for the interpreters whom the rules that do not depend
    // on it (1–8) let take a planned appointment. For the others it changes neither a pair
    // nor a reason: they are excluded, and counted in the reason, before their work is looked
    // at. In a large pool that leaves a booking a few volunteers' weeks to read, not dozens.
    let working_ids: Vec<i64> = crate::scheduling::instance::open_to(&problem)
        .into_iter()
        .map(|index| interpreter_ids[index])
        .collect();
    let live =
        repo::booking::live_work_between(db, organisation_id, &working_ids, from, to).await?;
    let index_of: HashMap<i64, usize> =
        to_plan.iter().enumerate().map(|(index, a)| (a.id, index)).collect();
    for work in &live {
        if let Some(&index) = index_of.get(&work.appointment_id)
            && work.status == "proposed"
        {
            problem.appointments[index].proposed_interpreter =
                Some(problem_interpreter_id(work.interpreter_id));
            continue;
        }
        problem.fixed.push(Fixed {
            appointment: problem_appointment_id(work.appointment_id),
            interpreter: problem_interpreter_id(work.interpreter_id),
            start: work.starts_at.with_timezone(&BERLIN).fixed_offset(),
            end: work.ends_at.with_timezone(&BERLIN).fixed_offset(),
            site: work.site_id.and_then(|id| site_code.get(&id).cloned()),
            mode: work.mode.parse().unwrap_or(Mode::Phone),
        });
    }

    Ok(Snapshot {
        problem,
        fingerprint: fingerprint_of(
            &to_plan.iter().map(|a| (a.id, a.version)).collect::<Vec<_>>(),
            &live,
        ),
        appointment_ids: to_plan.iter().map(|a| a.id).collect(),
        interpreter_ids,
        working_ids,
        horizon: (from, to),
        planned: planned_as,
    })
}

fn window_of(rule: &availability_rule::Model, with_limits: bool) -> Option<WeeklyWindow> {
    Some(WeeklyWindow {
        weekday: Weekday::from_iso_number(rule.weekday)?,
        start: LocalTime::clamped(rule.start_minute),
        end: LocalTime::clamped(rule.end_minute),
        valid_from: if with_limits { rule.valid_from } else { None },
        valid_until: if with_limits { rule.valid_until } else { None },
    })
}

/// Whether a window that is valid on the date and open to the mode covers the appointment.
fn window_allows(rules: &[&availability_rule::Model], a: &appointment::Model, mode: Mode) -> bool {
    rules.iter().any(|r| {
        (mode != Mode::InPerson || !r.remote_only)
            && window_of(r, true).is_some_and(|w| w.covers(a.starts_at, a.ends_at, BERLIN))
    })
}

/// Whether the weekly windows alone, without dates and modes, would cover it.
fn window_allows_ignoring_limits(
    rules: &[&availability_rule::Model],
    a: &appointment::Model,
) -> bool {
    rules
        .iter()
        .any(|r| window_of(r, false).is_some_and(|w| w.covers(a.starts_at, a.ends_at, BERLIN)))
}
