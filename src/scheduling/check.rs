//! An independent check of a plan against every hard rule of the format, written directly
//! from `PROBLEM_FORMAT.md` and sharing no code with the solver: tests and `sprachpool solve
//! --check` use it to catch a solver that breaks a rule.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use chrono_tz::Tz;

use super::format::{Plan, Problem};
use crate::domain::Mode;

/// One stretch of an interpreter's time in the plan.
struct Slot<'a> {
    id: &'a str,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    site: Option<&'a str>,
    in_person: bool,
    /// Planned here (not confirmed before): only a planned slot can break a rule.
    planned: bool,
}

/// Every rule the plan breaks, as sentences; empty when it keeps them all.
pub fn check(problem: &Problem, plan: &Plan) -> Vec<String> {
    let mut broken = Vec::new();
    let Ok(zone) = problem.timezone.parse::<Tz>() else {
        return vec![format!("unknown time zone {}", problem.timezone)];
    };
    let appointments: HashMap<&str, &super::format::Appointment> =
        problem.appointments.iter().map(|a| (a.id.as_str(), a)).collect();
    let interpreters: HashMap<&str, &super::format::Interpreter> =
        problem.interpreters.iter().map(|i| (i.id.as_str(), i)).collect();

    // Every appointment exactly once.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in plan
        .assignments
        .iter()
        .map(|a| a.appointment.as_str())
        .chain(plan.unassigned.iter().map(|u| u.appointment.as_str()))
    {
        *seen.entry(id).or_default() += 1;
        if !appointments.contains_key(id) {
            broken.push(format!("{id} is not an appointment of the problem"));
        }
    }
    for a in &problem.appointments {
        match seen.get(a.id.as_str()) {
            Some(1) => {}
            Some(n) => broken.push(format!("{} appears {n} times", a.id)),
            None => broken.push(format!("{} is missing from the plan", a.id)),
        }
    }

    let fallbacks: HashMap<&str, &str> = problem
        .languages
        .iter()
        .filter_map(|l| Some((l.tag.as_str(), l.fallback.as_deref()?)))
        .collect();
    let holidays: HashSet<NaiveDate> = problem.holidays.iter().copied().collect();
    let mut covered = 0u64;
    let mut slots: HashMap<&str, Vec<Slot>> = HashMap::new();
    for f in &problem.fixed {
        slots.entry(f.interpreter.as_str()).or_default().push(Slot {
            id: &f.appointment,
            start: f.start,
            end: f.end,
            site: f.site.as_deref(),
            in_person: f.mode == Mode::InPerson,
            planned: false,
        });
    }
    for assignment in &plan.assignments {
        let (Some(a), Some(i)) = (
            appointments.get(assignment.appointment.as_str()),
            interpreters.get(assignment.interpreter.as_str()),
        ) else {
            broken.push(format!(
                "{} → {}: unknown interpreter",
                assignment.appointment, assignment.interpreter
            ));
            continue;
        };
        covered += u64::from(a.priority);
        let what = format!("{} → {}", a.id, i.id);
        // 1. Language or its fallback at the level.
        let fallback = fallbacks.get(a.language.as_str()).copied();
        if !i.languages.iter().any(|s| {
            (s.tag == a.language || Some(s.tag.as_str()) == fallback) && s.level >= a.min_level
        }) {
            broken.push(format!("{what}: does not speak {} at {}", a.language, a.min_level));
        }
        // 2. Mode.
        if !i.modes.contains(&a.mode) {
            broken.push(format!("{what}: does not offer {}", a.mode));
        }
        // 3. Inside one window on the same local date.
        let (start, end) = (a.start.with_timezone(&zone), a.end.with_timezone(&zone));
        let weekday = crate::domain::time::Weekday::of(start.date_naive());
        let inside = start.date_naive() == end.date_naive()
            && i.availability.iter().any(|w| {
                w.weekday == weekday
                    && w.start.naive() <= start.time()
                    && end.time() <= w.end.naive()
            });
        if !inside {
            broken.push(format!("{what}: outside the availability windows"));
        }
        // 4. No absence overlaps.
        if i.absences.iter().any(|p| p.start < a.end && a.start < p.end) {
            broken.push(format!("{what}: during an absence"));
        }
        // 5. Holidays.
        if holidays.contains(&start.date_naive()) && !i.works_on_holidays {
            broken.push(format!("{what}: on a public holiday"));
        }
        // 6. Gender preference.
        if let Some(wanted) = a.gender_preference
            && i.gender != Some(wanted)
        {
            broken.push(format!("{what}: gender preference not met"));
        }
        // 7. Exclusions, declines, own caseworker.
        if a.excluded_interpreters.contains(&i.id)
            || a.declined_by.contains(&i.id)
            || i.user_id == a.caseworker_user_id
        {
            broken.push(format!("{what}: excluded, declined or own caseworker"));
        }
        // 8. Declaration, sensitive topics.
        if !i.declaration_signed || a.sensitive {
            broken.push(format!("{what}: no declaration or a sensitive topic"));
        }
        slots.entry(i.id.as_str()).or_default().push(Slot {
            id: &a.id,
            start: a.start,
            end: a.end,
            site: a.site.as_deref(),
            in_person: a.mode == Mode::InPerson,
            planned: true,
        });
    }
    if covered != plan.covered_priority {
        broken.push(format!(
            "covered_priority says {}, the assignments sum to {covered}",
            plan.covered_priority
        ));
    }
    if plan.bound < plan.covered_priority {
        broken.push("the bound is below the covered priority".to_owned());
    }

    let travel = |x: &str, y: &str| -> i64 {
        if x == y {
            return 0;
        }
        problem
            .travel_minutes
            .iter()
            .find(|t| (t.from == x && t.to == y) || (t.from == y && t.to == x))
            .map_or(60, |t| i64::from(t.minutes))
    };
    for (interpreter, mut list) in slots {
        let Some(i) = interpreters.get(interpreter) else { continue };
        list.sort_by_key(|s| s.start);
        // 9 is implied by "exactly once"; 10: no overlap, travel between sites.
        for (k, p) in list.iter().enumerate() {
            for q in &list[k + 1..] {
                let minutes = match (p.in_person && q.in_person, p.site, q.site) {
                    (true, Some(x), Some(y)) => travel(x, y),
                    _ => 0,
                };
                if (p.planned || q.planned) && p.end + chrono::Duration::minutes(minutes) > q.start
                {
                    broken.push(format!(
                        "{interpreter}: {} and {} clash (travel {minutes} min)",
                        p.id, q.id
                    ));
                }
            }
        }
        // 11. Daily and weekly caps, planned plus fixed.
        let mut days: HashMap<NaiveDate, (i64, bool)> = HashMap::new();
        let mut weeks: HashMap<(i32, u32), (i64, bool)> = HashMap::new();
        for s in &list {
            let day = s.start.with_timezone(&zone).date_naive();
            let secs = (s.end - s.start).num_seconds();
            for entry in [
                days.entry(day).or_default(),
                weeks.entry((day.iso_week().year(), day.iso_week().week())).or_default(),
            ] {
                entry.0 += secs;
                entry.1 |= s.planned;
            }
        }
        for (day, (secs, planned)) in days {
            if planned && secs > i64::from(i.daily_cap_minutes) * 60 {
                broken.push(format!(
                    "{interpreter}: {} minutes on {day}, cap {}",
                    secs / 60,
                    i.daily_cap_minutes
                ));
            }
        }
        for ((year, week), (secs, planned)) in weeks {
            if planned && secs > i64::from(i.weekly_cap_minutes) * 60 {
                broken.push(format!(
                    "{interpreter}: {} minutes in week {year}-W{week}, cap {}",
                    secs / 60,
                    i.weekly_cap_minutes
                ));
            }
        }
    }
    broken
}
