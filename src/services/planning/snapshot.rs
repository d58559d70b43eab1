//! Reads what the optimiser needs from the database and writes it as a `Problem`: the
//! appointments to plan, the active interpreters who speak their languages (or fallbacks) at
//! the level, with languages, windows, absences and caps, the work already taken in the same
//! weeks (confirmed, and proposals outside the plan), and per appointment the client's
//! exclusions, the declines, the previous and the proposed interpreter.
//!
//! The pool is read with what every plan takes from it worked out once (see `pool`); the work
//! is read only of those who could take a planned appointment if their time allowed.
//!
//! Two things the file format cannot say are turned into exclusions of the pair: a window that
//! is valid only between two dates, and a window for phone and video only.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entities::{appointment, availability_rule};
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::holidays::nrw_holidays;
use crate::domain::time::{BERLIN, LocalTime, Weekday, WeeklyWindow, start_of_local_day};
use crate::domain::{Gender, Level, Mode};
use crate::repo;
use crate::scheduling::format::{Appointment, Fixed, PROBLEM_FORMAT, Period, Problem};

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
    /// in the horizon. If any differs when the plan is applied, it is stale. Empty for a
    /// booking's appointments (`Planned::JustBooked`), whose plan is written in the transaction
    /// that read it.
    pub fingerprint: Vec<(&'static str, i64, i32)>,
    /// The whole ISO weeks the plan covers.
    pub horizon: (DateTime<Utc>, DateTime<Utc>),
}

/// What the planned appointments are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// Appointments that may have been planned before: their proposals and declines count.
    Existing,
    /// A booking's appointments, planned before they are written: none can have an
    /// assignment yet, so none is read.
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

pub(super) fn problem_interpreter_id(id: i64) -> String {
    format!("i{id}")
}

pub(super) fn problem_user_id(id: i64) -> String {
    format!("u{id}")
}

/// The Monday starting the ISO week of `date`.
fn monday(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// Reads the snapshot for planning `to_plan`, appointments written before, all in the
/// organisation.
///
/// # Errors
/// Database errors.
pub async fn read(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    to_plan: &[appointment::Model],
    today: NaiveDate,
) -> Result<Snapshot, DbErr> {
    let mut pools = super::pool::ReadInTransaction::default();
    read_in(db, organisation_id, (to_plan, Planned::Existing), today, &mut pools).await
}

/// As [`read`], with the pool the transaction read before, if any (see
/// [`super::pool::ReadInTransaction`]).
///
/// # Errors
/// Database errors.
pub async fn read_in(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    (to_plan, planned_as): (&[appointment::Model], Planned),
    today: NaiveDate,
    pools: &mut super::pool::ReadInTransaction,
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

    let pool = super::pool::current_in(db, organisation_id, from, pools).await?;
    let derived = &pool.derived;
    let site_code = &derived.site_code;
    let tag_of = &derived.tag_of;

    // Only those who speak a planned appointment's language or its fallback at the level can
    // take one (rule 1); the others change neither the plan nor its reasons, and leaving
    // them and their work out keeps a booking's planning small in a large pool.
    let mut asked: HashMap<i64, Level> = HashMap::new();
    for a in to_plan {
        let level = a.min_level.parse().unwrap_or(Level::C2);
        for language in
            std::iter::once(a.language_id).chain(derived.fallback_of.get(&a.language_id).copied())
        {
            let lowest = asked.entry(language).or_insert(level);
            *lowest = (*lowest).min(level);
        }
    }
    // Positions in the pool, in its order.
    let mut chosen: Vec<usize> = asked
        .iter()
        .flat_map(|(language, lowest)| {
            derived
                .speakers
                .get(language)
                .into_iter()
                .flatten()
                .filter(|(_, level)| level >= lowest)
                .map(|&(at, _)| at)
        })
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    let interpreter_ids: Vec<i64> = chosen.iter().map(|&at| pool.interpreters[at].id).collect();
    // Exclusions, declines and a client's earlier interpreter may name anyone the organisation
    // ever had: a volunteer since deactivated, or one who does not speak this language. The
    // problem names only its own interpreters; the others could not be chosen anyway.
    let in_problem: std::collections::HashSet<i64> = interpreter_ids.iter().copied().collect();
    let profiles: Vec<&super::pool::Profile> =
        chosen.iter().map(|&at| &derived.profiles[at]).collect();
    let rules_of = |profile: &super::pool::Profile| -> Vec<&availability_rule::Model> {
        profile.rules.iter().map(|&r| &pool.availability[r]).collect()
    };

    let planned_ids: Vec<i64> = to_plan.iter().map(|a| a.id).collect();
    let mut declined: HashMap<i64, Vec<String>> = HashMap::new();
    let declines = match planned_as {
        Planned::Existing => repo::booking::assignments_of(db, &planned_ids, &["declined"]).await?,
        Planned::JustBooked => Vec::new(),
    };
    for d in declines.iter().filter(|d| in_problem.contains(&d.interpreter_id)) {
        declined
            .entry(d.appointment_id)
            .or_default()
            .push(problem_interpreter_id(d.interpreter_id));
    }
    let client_ids: Vec<i64> = to_plan.iter().map(|a| a.client_id).collect();
    let history = repo::booking::client_history(db, &client_ids, from).await?;
    let mut excluded: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(client_id, interpreter_id) in
        history.exclusions.iter().filter(|(_, interpreter)| in_problem.contains(interpreter))
    {
        excluded.entry(client_id).or_default().push(interpreter_id);
    }
    let previous: HashMap<i64, i64> = history
        .previous
        .into_iter()
        .filter(|(_, interpreter)| in_problem.contains(interpreter))
        .collect();

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
        for (profile, &id) in profiles.iter().zip(&interpreter_ids) {
            if !profile.limited {
                continue;
            }
            let own = rules_of(profile);
            if !window_allows(&own, a, mode) && window_allows_ignoring_limits(&own, a) {
                excluded_interpreters.push(problem_interpreter_id(id));
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
    let problem_interpreters = chosen
        .iter()
        .zip(&profiles)
        .map(|(&at, profile)| {
            let mut interpreter = profile.problem.clone();
            interpreter.absences = profile
                .absences
                .iter()
                .map(|&index| &pool.absences[index])
                .filter(|a| a.ends_at > from && a.starts_at < to)
                .map(|a| Period {
                    start: a.starts_at.with_timezone(&BERLIN).fixed_offset(),
                    end: a.ends_at.with_timezone(&BERLIN).fixed_offset(),
                })
                .collect();
            interpreter.declaration_signed =
                pool.interpreters[at].declaration_signed_on.is_some_and(|d| d <= today);
            interpreter
        })
        .collect();

    let mut problem = Problem {
        format: PROBLEM_FORMAT.to_owned(),
        timezone: BERLIN.name().to_owned(),
        holidays,
        sites: derived.site_codes.clone(),
        travel_minutes: derived.travel.clone(),
        languages: derived.languages.clone(),
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
        fingerprint: match planned_as {
            Planned::Existing => fingerprint_of(
                &to_plan.iter().map(|a| (a.id, a.version)).collect::<Vec<_>>(),
                &live,
            ),
            Planned::JustBooked => Vec::new(),
        },
        appointment_ids: to_plan.iter().map(|a| a.id).collect(),
        interpreter_ids,
        working_ids,
        horizon: (from, to),
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
