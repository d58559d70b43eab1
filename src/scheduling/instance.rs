//! A problem compiled for solving: instants as seconds, sites and interpreters as indices, the
//! local date and ISO week of every appointment, and the eligible interpreter–appointment pairs
//! (hard rules 1–8, plus what confirmed work already rules out under rules 10 and 11). For an
//! appointment nobody may take, the reason is found here.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::format::{Fixed, Problem, Reason};
use crate::domain::time::WeeklyWindow;
use crate::domain::{Level, Mode};

/// Minutes between two sites that `travel_minutes` does not list.
pub const DEFAULT_TRAVEL_MINUTES: u32 = 60;

/// A stretch of an interpreter's time: planned or confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: i64,
    pub end: i64,
    pub site: Option<usize>,
    pub in_person: bool,
}

/// An appointment to plan.
#[derive(Debug, Clone)]
pub struct Appt {
    pub busy: Busy,
    pub secs: i64,
    pub date: NaiveDate,
    pub week: (i32, u32),
    pub priority: u32,
}

/// An interpreter with what confirmed work already takes.
#[derive(Debug, Clone)]
pub struct Interp {
    pub site: usize,
    /// The first language listed: who can stand in for whom, for grouping.
    pub first_language: String,
    pub weekly_cap: i64,
    pub daily_cap: i64,
    pub fixed: Vec<Busy>,
    pub fixed_day: HashMap<NaiveDate, i64>,
    pub fixed_week: HashMap<(i32, u32), i64>,
}

/// Preference weights of a pair below the first objective level, in the format's order.
pub const PREFER_PROPOSED: u32 = 4;
pub const PREFER_PREVIOUS: u32 = 2;
pub const PREFER_SAME_SITE: u32 = 1;

/// An interpreter who may take an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub interp: usize,
    pub appt: usize,
    /// Sum of the `PREFER_*` weights that apply.
    pub preference: u32,
}

/// The compiled problem.
#[derive(Debug, Clone)]
pub struct Instance {
    pub appts: Vec<Appt>,
    pub interps: Vec<Interp>,
    pub pairs: Vec<Pair>,
    /// Per appointment: indices into `pairs`.
    pub candidates: Vec<Vec<usize>>,
    /// Per appointment without candidates: why.
    pub excluded: Vec<Option<(Reason, String)>>,
    /// Travel minutes between sites, `sites × sites`.
    travel: Vec<Vec<i64>>,
    /// Per interpreter: whether rules 1–8 let them take at least one appointment that is not
    /// sensitive, so that their work already taken (rules 10 and 11) decides a pair or a reason.
    work_decides: Vec<bool>,
}

impl Instance {
    /// Seconds needed to get from one place to the other: only between two in-person
    /// appointments at different sites.
    pub fn travel_secs(&self, a: &Busy, b: &Busy) -> i64 {
        match (a.in_person, b.in_person, a.site, b.site) {
            (true, true, Some(x), Some(y)) if x != y => self.travel[x][y] * 60,
            _ => 0,
        }
    }

    /// Whether one interpreter cannot do both (rule 10).
    pub fn conflict(&self, a: &Busy, b: &Busy) -> bool {
        let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
        first.end + self.travel_secs(first, second) > second.start
    }
}

/// Why a speaker cannot take an appointment: the first of rules 2–8 (and 10–11 against
/// confirmed work) that fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Exclusion {
    Mode,
    NotAvailable,
    Absent,
    Holiday,
    Gender,
    ExcludedForClient,
    Declined,
    OwnCaseworker,
    NoDeclaration,
    BusyWithConfirmed,
    CapReached,
}

impl Exclusion {
    fn words(self) -> &'static str {
        match self {
            Exclusion::Mode => "does not offer this mode",
            Exclusion::NotAvailable => "not available at that time",
            Exclusion::Absent => "absent",
            Exclusion::Holiday => "public holiday",
            Exclusion::Gender => "gender preference",
            Exclusion::ExcludedForClient => "excluded for this client",
            Exclusion::Declined => "declined it",
            Exclusion::OwnCaseworker => "is the booking caseworker",
            Exclusion::NoDeclaration => "no confidentiality declaration",
            Exclusion::BusyWithConfirmed => "busy with confirmed appointments",
            Exclusion::CapReached => "daily or weekly cap reached",
        }
    }

    /// Rules 10 and 11 against confirmed work: the time exists, it is just taken.
    fn is_capacity(self) -> bool {
        matches!(self, Exclusion::BusyWithConfirmed | Exclusion::CapReached)
    }
}

fn level_words(level: Level) -> &'static str {
    match level {
        Level::Native => "native level",
        other => other.as_str(),
    }
}

/// Compiles a problem that passed `validate`.
pub fn compile(problem: &Problem) -> Instance {
    compile_with(problem, &problem.fixed)
}

/// Indices of the interpreters who may take at least one of the problem's appointments by
/// the rules that do not depend on work already taken (1–8 of the format), in order. Work
/// counts only after all of those (rules 10 and 11), so the fixed work of anyone else changes
/// neither the pairs nor the reasons. Those whose cap alone is too small for an appointment
/// are named too: whether their work overlaps it decides which of the two capacity reasons
/// counts them.
pub fn open_to(problem: &Problem) -> Vec<usize> {
    let instance = compile_with(problem, &[]);
    (0..problem.interpreters.len()).filter(|&i| instance.work_decides[i]).collect()
}

fn compile_with(problem: &Problem, fixed: &[Fixed]) -> Instance {
    let zone: Tz = problem.timezone.parse().unwrap_or(chrono_tz::Europe::Berlin);
    let site_index: HashMap<&str, usize> =
        problem.sites.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let n_sites = problem.sites.len();
    let mut travel = vec![vec![i64::from(DEFAULT_TRAVEL_MINUTES); n_sites]; n_sites];
    for (i, row) in travel.iter_mut().enumerate() {
        row[i] = 0;
    }
    for t in &problem.travel_minutes {
        if let (Some(&a), Some(&b)) =
            (site_index.get(t.from.as_str()), site_index.get(t.to.as_str()))
        {
            travel[a][b] = i64::from(t.minutes);
            travel[b][a] = i64::from(t.minutes);
        }
    }
    let site_of = |s: &Option<String>| s.as_deref().and_then(|s| site_index.get(s).copied());
    let local_day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map_or(NaiveDate::MIN, |d| d.with_timezone(&zone).date_naive())
    };
    let week_of = |d: NaiveDate| (d.iso_week().year(), d.iso_week().week());
    let interp_index: HashMap<&str, usize> =
        problem.interpreters.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();

    let mut interps: Vec<Interp> = problem
        .interpreters
        .iter()
        .map(|it| Interp {
            site: site_index.get(it.site.as_str()).copied().unwrap_or(0),
            first_language: it.languages.first().map(|l| l.tag.clone()).unwrap_or_default(),
            weekly_cap: i64::from(it.weekly_cap_minutes) * 60,
            daily_cap: i64::from(it.daily_cap_minutes) * 60,
            fixed: Vec::new(),
            fixed_day: HashMap::new(),
            fixed_week: HashMap::new(),
        })
        .collect();
    for f in fixed {
        let Some(&i) = interp_index.get(f.interpreter.as_str()) else { continue };
        let busy = Busy {
            start: f.start.timestamp(),
            end: f.end.timestamp(),
            site: site_of(&f.site),
            in_person: f.mode == Mode::InPerson,
        };
        let day = local_day(busy.start);
        let secs = busy.end - busy.start;
        *interps[i].fixed_day.entry(day).or_default() += secs;
        *interps[i].fixed_week.entry(week_of(day)).or_default() += secs;
        interps[i].fixed.push(busy);
    }

    let appts: Vec<Appt> = problem
        .appointments
        .iter()
        .map(|a| {
            let busy = Busy {
                start: a.start.timestamp(),
                end: a.end.timestamp(),
                site: site_of(&a.site),
                in_person: a.mode == Mode::InPerson,
            };
            let date = local_day(busy.start);
            Appt {
                busy,
                secs: busy.end - busy.start,
                date,
                week: week_of(date),
                priority: a.priority,
            }
        })
        .collect();

    let mut instance = Instance {
        appts,
        interps,
        pairs: Vec::new(),
        candidates: vec![Vec::new(); problem.appointments.len()],
        excluded: vec![None; problem.appointments.len()],
        travel,
        work_decides: vec![false; problem.interpreters.len()],
    };
    let fallback: HashMap<&str, &str> = problem
        .languages
        .iter()
        .filter_map(|l| l.fallback.as_deref().map(|f| (l.tag.as_str(), f)))
        .collect();
    let holidays: HashSet<NaiveDate> = problem.holidays.iter().copied().collect();
    let windows: Vec<Vec<WeeklyWindow>> = problem
        .interpreters
        .iter()
        .map(|it| {
            it.availability
                .iter()
                .map(|w| WeeklyWindow {
                    weekday: w.weekday,
                    start: w.start,
                    end: w.end,
                    valid_from: None,
                    valid_until: None,
                })
                .collect()
        })
        .collect();

    for (a_idx, a) in problem.appointments.iter().enumerate() {
        let appt = instance.appts[a_idx].clone();
        let local_start: NaiveDateTime = a.start.with_timezone(&zone).naive_local();
        let local_end: NaiveDateTime = a.end.with_timezone(&zone).naive_local();
        let covering = fallback.get(a.language.as_str()).copied();
        let mut speakers = 0usize;
        let mut exclusions: HashMap<Exclusion, usize> = HashMap::new();
        for (i_idx, it) in problem.interpreters.iter().enumerate() {
            // Rule 1: the language or its fallback, one step, at the level.
            let speaks = it.languages.iter().any(|s| {
                (s.tag == a.language || Some(s.tag.as_str()) == covering) && s.level >= a.min_level
            });
            if !speaks {
                continue;
            }
            speakers += 1;
            let exclusion =
                if !it.modes.contains(&a.mode) {
                    Some(Exclusion::Mode)
                } else if !windows[i_idx].iter().any(|w| w.covers_local(local_start, local_end)) {
                    Some(Exclusion::NotAvailable)
                } else if it.absences.iter().any(|p| {
                    p.start.timestamp() < appt.busy.end && appt.busy.start < p.end.timestamp()
                }) {
                    Some(Exclusion::Absent)
                } else if holidays.contains(&local_start.date()) && !it.works_on_holidays {
                    Some(Exclusion::Holiday)
                } else if a.gender_preference.is_some_and(|g| it.gender != Some(g)) {
                    Some(Exclusion::Gender)
                } else if a.excluded_interpreters.contains(&it.id) {
                    Some(Exclusion::ExcludedForClient)
                } else if a.declined_by.contains(&it.id) {
                    Some(Exclusion::Declined)
                } else if it.user_id == a.caseworker_user_id {
                    Some(Exclusion::OwnCaseworker)
                } else if !it.declaration_signed {
                    Some(Exclusion::NoDeclaration)
                } else {
                    let interp = &instance.interps[i_idx];
                    if interp.fixed.iter().any(|f| instance.conflict(f, &appt.busy)) {
                        Some(Exclusion::BusyWithConfirmed)
                    } else if interp.fixed_day.get(&appt.date).copied().unwrap_or(0) + appt.secs
                        > interp.daily_cap
                        || interp.fixed_week.get(&appt.week).copied().unwrap_or(0) + appt.secs
                            > interp.weekly_cap
                    {
                        Some(Exclusion::CapReached)
                    } else {
                        None
                    }
                };
            if !a.sensitive && exclusion.is_none_or(Exclusion::is_capacity) {
                instance.work_decides[i_idx] = true;
            }
            match exclusion {
                Some(e) => *exclusions.entry(e).or_default() += 1,
                None if !a.sensitive => {
                    let mut preference = 0;
                    if a.proposed_interpreter.as_deref() == Some(it.id.as_str()) {
                        preference += PREFER_PROPOSED;
                    }
                    if a.previous_interpreter.as_deref() == Some(it.id.as_str()) {
                        preference += PREFER_PREVIOUS;
                    }
                    if appt.busy.site.is_some()
                        && appt.busy.site == Some(instance.interps[i_idx].site)
                    {
                        preference += PREFER_SAME_SITE;
                    }
                    instance.candidates[a_idx].push(instance.pairs.len());
                    instance.pairs.push(Pair { interp: i_idx, appt: a_idx, preference });
                }
                None => {}
            }
        }
        if instance.candidates[a_idx].is_empty() {
            instance.excluded[a_idx] = Some(explain(a, speakers, &exclusions));
        }
    }
    instance
}

fn explain(
    a: &super::format::Appointment,
    speakers: usize,
    exclusions: &HashMap<Exclusion, usize>,
) -> (Reason, String) {
    let level = level_words(a.min_level);
    if a.sensitive {
        return (
            Reason::SensitiveTopic,
            "Sensitive topics (debt, health) never go to lay interpreters: book a professional service.".to_owned(),
        );
    }
    if speakers == 0 {
        return (
            Reason::NoSpeaker,
            format!("Nobody in the pool speaks {} at {level} or above.", a.language),
        );
    }
    let mut counted: Vec<(Exclusion, usize)> = exclusions.iter().map(|(e, n)| (*e, *n)).collect();
    counted.sort();
    let listing =
        counted.iter().map(|(e, n)| format!("{} ({n})", e.words())).collect::<Vec<_>>().join(", ");
    let who = if speakers == 1 {
        format!("1 interpreter speaks {} at {level} or above", a.language)
    } else {
        format!("{speakers} interpreters speak {} at {level} or above", a.language)
    };
    if counted.iter().any(|(e, _)| e.is_capacity()) {
        (Reason::Capacity, format!("{who}, but their time is taken: {listing}."))
    } else {
        (Reason::NoEligibleInterpreter, format!("{who}, but none can take it: {listing}."))
    }
}
