//! Consistency of a problem beyond its shape: references resolve, periods run forwards,
//! identifiers are unique. Every finding names the field by its path in the file.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use super::format::{PROBLEM_FORMAT, Problem};
use crate::domain::Mode;
use crate::domain::dates::{OUTSIDE_YEARS, date_in_range, instant_in_range};

/// An inconsistency, at a path such as `appointments[3].site`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    pub path: String,
    pub message: String,
}

/// Travel between two sites takes less than a day.
pub const MAX_TRAVEL_MINUTES: u32 = 24 * 60;

fn issue(path: impl Into<String>, message: impl Into<String>) -> Inconsistency {
    Inconsistency { path: path.into(), message: message.into() }
}

/// The `start` and `end` under `at` whose year is not one of four digits: RFC 3339 does not
/// write them, and the local time of such an instant may lie beyond the calendar.
fn outside_years(
    at: &str,
    start: &DateTime<FixedOffset>,
    end: &DateTime<FixedOffset>,
) -> Vec<Inconsistency> {
    [("start", start), ("end", end)]
        .into_iter()
        .filter(|(_, instant)| !instant_in_range(instant))
        .map(|(field, _)| issue(format!("{at}.{field}"), OUTSIDE_YEARS))
        .collect()
}

/// Checks a parsed problem; returns every inconsistency found, in file order.
pub fn validate(problem: &Problem) -> Vec<Inconsistency> {
    let mut found = Vec::new();
    if problem.format != PROBLEM_FORMAT {
        found.push(issue("format", format!("must be \"{PROBLEM_FORMAT}\"")));
    }
    if problem.timezone.parse::<Tz>().is_err() {
        found.push(issue("timezone", "is not an IANA time zone such as Europe/Berlin"));
    }
    for (i, day) in problem.holidays.iter().enumerate() {
        if !date_in_range(*day) {
            found.push(issue(format!("holidays[{i}]"), OUTSIDE_YEARS));
        }
    }
    let mut sites = HashSet::new();
    for (i, site) in problem.sites.iter().enumerate() {
        if !sites.insert(site.as_str()) {
            found.push(issue(format!("sites[{i}]"), format!("site \"{site}\" is listed twice")));
        }
    }
    let known_site = |s: &str| sites.contains(s);
    for (i, t) in problem.travel_minutes.iter().enumerate() {
        // The optimiser looks for travel clashes only among appointments less than a day
        // apart; a longer journey would slip past it.
        if t.minutes >= MAX_TRAVEL_MINUTES {
            found.push(issue(
                format!("travel_minutes[{i}].minutes"),
                format!("must be below {MAX_TRAVEL_MINUTES} (a day)"),
            ));
        }
        for (field, site) in [("from", &t.from), ("to", &t.to)] {
            if !known_site(site) {
                found.push(issue(
                    format!("travel_minutes[{i}].{field}"),
                    format!("unknown site \"{site}\""),
                ));
            }
        }
    }
    let mut tags = HashSet::new();
    for (i, l) in problem.languages.iter().enumerate() {
        if !tags.insert(l.tag.as_str()) {
            found.push(issue(
                format!("languages[{i}].tag"),
                format!("\"{}\" is listed twice", l.tag),
            ));
        }
        if l.fallback.as_deref() == Some(l.tag.as_str()) {
            found.push(issue(
                format!("languages[{i}].fallback"),
                "a language cannot be its own fallback",
            ));
        }
    }

    let mut interpreters = HashSet::new();
    for (i, it) in problem.interpreters.iter().enumerate() {
        let at = |field: &str| format!("interpreters[{i}].{field}");
        if !interpreters.insert(it.id.as_str()) {
            found.push(issue(at("id"), format!("interpreter \"{}\" is listed twice", it.id)));
        }
        if !known_site(&it.site) {
            found.push(issue(at("site"), format!("unknown site \"{}\"", it.site)));
        }
        for (w, window) in it.availability.iter().enumerate() {
            if window.end <= window.start {
                found.push(issue(
                    format!("interpreters[{i}].availability[{w}].end"),
                    "must be after start: a window never crosses midnight",
                ));
            }
        }
        for (a, period) in it.absences.iter().enumerate() {
            found.extend(outside_years(
                &format!("interpreters[{i}].absences[{a}]"),
                &period.start,
                &period.end,
            ));
            if period.end <= period.start {
                found.push(issue(
                    format!("interpreters[{i}].absences[{a}].end"),
                    "must be after start",
                ));
            }
        }
    }
    let known_interpreter = |id: &str| interpreters.contains(id);

    let mut appointments = HashSet::new();
    for (i, a) in problem.appointments.iter().enumerate() {
        let at = |field: &str| format!("appointments[{i}].{field}");
        if !appointments.insert(a.id.as_str()) {
            found.push(issue(at("id"), format!("appointment \"{}\" is listed twice", a.id)));
        }
        found.extend(outside_years(&format!("appointments[{i}]"), &a.start, &a.end));
        if a.end <= a.start {
            found.push(issue(at("end"), "must be after start"));
        }
        match a.site.as_deref() {
            Some(site) if !known_site(site) => {
                found.push(issue(at("site"), format!("unknown site \"{site}\"")))
            }
            None if a.mode == Mode::InPerson => {
                found.push(issue(at("site"), "an in_person appointment needs a site"))
            }
            _ => {}
        }
        if a.priority == 0 {
            found.push(issue(at("priority"), "must be at least 1"));
        }
        for (list, ids) in
            [("excluded_interpreters", &a.excluded_interpreters), ("declined_by", &a.declined_by)]
        {
            for (k, id) in ids.iter().enumerate() {
                if !known_interpreter(id) {
                    found.push(issue(
                        format!("appointments[{i}].{list}[{k}]"),
                        format!("unknown interpreter \"{id}\""),
                    ));
                }
            }
        }
        for (field, id) in [
            ("previous_interpreter", &a.previous_interpreter),
            ("proposed_interpreter", &a.proposed_interpreter),
        ] {
            if let Some(id) = id
                && !known_interpreter(id)
            {
                found.push(issue(at(field), format!("unknown interpreter \"{id}\"")));
            }
        }
    }

    let mut fixed = HashSet::new();
    for (i, f) in problem.fixed.iter().enumerate() {
        let at = |field: &str| format!("fixed[{i}].{field}");
        if appointments.contains(f.appointment.as_str()) {
            found.push(issue(
                at("appointment"),
                format!("\"{}\" is also among the appointments to plan", f.appointment),
            ));
        }
        if !fixed.insert(f.appointment.as_str()) {
            found.push(issue(at("appointment"), format!("\"{}\" is fixed twice", f.appointment)));
        }
        if !known_interpreter(&f.interpreter) {
            found.push(issue(
                at("interpreter"),
                format!("unknown interpreter \"{}\"", f.interpreter),
            ));
        }
        found.extend(outside_years(&format!("fixed[{i}]"), &f.start, &f.end));
        if f.end <= f.start {
            found.push(issue(at("end"), "must be after start"));
        }
        match f.site.as_deref() {
            Some(site) if !known_site(site) => {
                found.push(issue(at("site"), format!("unknown site \"{site}\"")))
            }
            None if f.mode == Mode::InPerson => {
                found.push(issue(at("site"), "an in_person appointment needs a site"))
            }
            _ => {}
        }
    }
    found
}
