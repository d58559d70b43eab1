//! Seeded instances that look like a Jobcenter's pool: a realistic language mix (Arabic and its
//! varieties, Turkish, Russian, Ukrainian, Kurdish, Farsi/Dari, Balkan and African languages),
//! volunteers with two to four weekly windows, absences, confirmed work, and requests spread
//! over the working days of the horizon. The same spec and seed give the same problem.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::format::{
    Appointment, Fixed, Interpreter, LanguageFallback, PROBLEM_FORMAT, Period, Problem, Skill,
    Travel, Window,
};
use crate::domain::holidays::nrw_holidays;
use crate::domain::time::{BERLIN, LocalTime, Weekday};
use crate::domain::{Gender, Level, Mode};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub interpreters: usize,
    pub appointments: usize,
    pub sites: usize,
    /// A Monday.
    pub first_day: NaiveDate,
    pub weeks: u32,
    /// Few languages and full working days for everyone: many interpreters compete for the
    /// same requests. For small instances that exercise the exact model.
    pub dense: bool,
}

/// Languages with how often they are asked for, and the macrolanguage of varieties.
const LANGUAGES: &[(&str, u32, Option<&str>)] = &[
    ("ar", 18, None),
    ("apc", 4, Some("ar")),
    ("acm", 2, Some("ar")),
    ("tr", 12, None),
    ("ru", 8, None),
    ("uk", 8, None),
    ("bg", 6, None),
    ("ro", 6, None),
    ("fa", 5, None),
    ("prs", 3, Some("fa")),
    ("ku", 1, None),
    ("kmr", 4, Some("ku")),
    ("ckb", 2, Some("ku")),
    ("ps", 2, None),
    ("pl", 3, None),
    ("sq", 2, None),
    ("sr", 2, None),
    ("ti", 2, None),
    ("so", 2, None),
    ("en", 4, None),
    ("fr", 3, None),
];

fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (item, weight) in items {
        if pick < *weight {
            return item;
        }
        pick -= weight;
    }
    &items[items.len() - 1].0
}

fn time(minutes: u32) -> LocalTime {
    LocalTime::clamped(i32::try_from(minutes).unwrap_or(0))
}

fn instant(date: NaiveDate, minutes: u32) -> chrono::DateTime<chrono::FixedOffset> {
    let naive = date
        .and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN));
    BERLIN.from_local_datetime(&naive).earliest().map_or_else(
        || {
            chrono::DateTime::from_naive_utc_and_offset(
                naive,
                chrono::FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
            )
        },
        |t| t.fixed_offset(),
    )
}

/// Generates the problem of `spec` with `seed`.
pub fn generate(spec: &Spec, seed: u64) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let sites: Vec<String> = (1..=spec.sites).map(|n| format!("site{n:02}")).collect();
    let mut travel_minutes = Vec::new();
    for (a, from) in sites.iter().enumerate() {
        for to in &sites[a + 1..] {
            // Neighbouring sites are listed; the rest fall back to 60 minutes.
            if rng.random_bool(0.6) {
                travel_minutes.push(Travel {
                    from: from.clone(),
                    to: to.clone(),
                    minutes: rng.random_range(15..=45),
                });
            }
        }
    }
    let demand: Vec<(&str, u32)> = if spec.dense {
        vec![("ar", 3), ("apc", 1), ("tr", 2)]
    } else {
        LANGUAGES.iter().map(|(t, w, _)| (*t, *w)).collect()
    };
    let languages = LANGUAGES
        .iter()
        .map(|(tag, _, fallback)| LanguageFallback {
            tag: (*tag).to_owned(),
            fallback: fallback.map(str::to_owned),
        })
        .collect();
    let days: Vec<NaiveDate> = (0..spec.weeks * 7)
        .map(|d| spec.first_day + Duration::days(i64::from(d)))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    let mut holidays: Vec<NaiveDate> = Vec::new();
    for year in [spec.first_day.year(), spec.first_day.year() + 1] {
        holidays
            .extend(nrw_holidays(year).into_iter().map(|h| h.date).filter(|d| days.contains(d)));
    }

    let interpreters: Vec<Interpreter> = (0..spec.interpreters)
        .map(|n| {
            let native = *weighted(&mut rng, &demand);
            let mut skills = vec![Skill { tag: native.to_owned(), level: Level::Native }];
            for _ in 0..rng.random_range(0..=2) {
                let tag = *weighted(&mut rng, &demand);
                if skills.iter().all(|s| s.tag != tag) {
                    let level =
                        [Level::B1, Level::B2, Level::C1, Level::C2][rng.random_range(0..4)];
                    skills.push(Skill { tag: tag.to_owned(), level });
                }
            }
            let mut availability: Vec<Window> = Vec::new();
            if spec.dense {
                for weekday in &Weekday::ALL[..5] {
                    availability.push(Window {
                        weekday: *weekday,
                        start: time(8 * 60),
                        end: time(17 * 60),
                    });
                }
            }
            for _ in 0..rng.random_range(2..=4) {
                let weekday = Weekday::ALL[rng.random_range(0..5)];
                let start = rng.random_range(16..=28) * 30;
                let end = (start + rng.random_range(4..=8) * 30).min(17 * 60);
                if availability.iter().all(|w| w.weekday != weekday) {
                    availability.push(Window { weekday, start: time(start), end: time(end) });
                }
            }
            let absences = if rng.random_bool(0.15) {
                let day = days[rng.random_range(0..days.len())];
                vec![Period {
                    start: instant(day, 0),
                    end: instant(day + Duration::days(rng.random_range(1..=5)), 0),
                }]
            } else {
                Vec::new()
            };
            let mut modes = vec![Mode::InPerson];
            if rng.random_bool(0.6) {
                modes.push(Mode::Phone);
            }
            if rng.random_bool(0.3) {
                modes.push(Mode::Video);
            }
            let daily = rng.random_range(2..=6) * 30;
            Interpreter {
                id: format!("i{n:03}"),
                user_id: format!("u{n:03}"),
                site: sites[rng.random_range(0..sites.len())].clone(),
                gender: Some(if rng.random_bool(0.5) { Gender::Female } else { Gender::Male }),
                modes,
                languages: skills,
                weekly_cap_minutes: (daily + rng.random_range(2..=6) * 30).max(daily),
                daily_cap_minutes: daily,
                availability,
                absences,
                works_on_holidays: rng.random_bool(0.1),
                declaration_signed: rng.random_bool(0.95),
            }
        })
        .collect();

    let mut appointments: Vec<Appointment> = Vec::with_capacity(spec.appointments);
    for n in 0..spec.appointments {
        let day = days[rng.random_range(0..days.len())];
        let start = rng.random_range(32..=62) * 15;
        let length = [30, 45, 60, 60, 90][rng.random_range(0..5)];
        let mode =
            *weighted(&mut rng, &[(Mode::InPerson, 70), (Mode::Phone, 20), (Mode::Video, 10)]);
        let language = *weighted(&mut rng, &demand);
        let pick_interpreter =
            |rng: &mut StdRng| format!("i{:03}", rng.random_range(0..spec.interpreters));
        appointments.push(Appointment {
            id: format!("a{n:05}"),
            start: instant(day, start),
            end: instant(day, start + length),
            language: language.to_owned(),
            min_level: *weighted(&mut rng, &[(Level::B1, 60), (Level::B2, 30), (Level::C1, 10)]),
            site: (mode == Mode::InPerson).then(|| sites[rng.random_range(0..sites.len())].clone()),
            mode,
            priority: *weighted(&mut rng, &[(1, 15), (2, 25), (3, 35), (4, 15), (5, 10)]),
            sensitive: rng.random_bool(0.03),
            caseworker_user_id: if rng.random_bool(0.02) {
                format!("u{:03}", rng.random_range(0..spec.interpreters))
            } else {
                format!("cw{:03}", rng.random_range(0..60))
            },
            gender_preference: rng
                .random_bool(0.05)
                .then(|| if rng.random_bool(0.5) { Gender::Female } else { Gender::Male }),
            excluded_interpreters: if rng.random_bool(0.02) {
                vec![pick_interpreter(&mut rng)]
            } else {
                Vec::new()
            },
            declined_by: if rng.random_bool(0.03) {
                vec![pick_interpreter(&mut rng)]
            } else {
                Vec::new()
            },
            previous_interpreter: rng.random_bool(0.2).then(|| pick_interpreter(&mut rng)),
            proposed_interpreter: rng.random_bool(0.1).then(|| pick_interpreter(&mut rng)),
        });
    }

    // Confirmed work of some volunteers, inside their windows, so that it takes real capacity.
    let mut fixed = Vec::new();
    for (n, interp) in interpreters.iter().enumerate() {
        if !rng.random_bool(0.2) || interp.availability.is_empty() {
            continue;
        }
        let window = &interp.availability[rng.random_range(0..interp.availability.len())];
        let Some(day) = days.iter().find(|d| Weekday::of(**d) == window.weekday) else { continue };
        let start = u32::try_from(window.start.minutes()).unwrap_or(0);
        fixed.push(Fixed {
            appointment: format!("f{n:03}"),
            interpreter: interp.id.clone(),
            start: instant(*day, start),
            end: instant(*day, start + 30),
            site: Some(interp.site.clone()),
            mode: Mode::InPerson,
        });
    }

    Problem {
        format: PROBLEM_FORMAT.to_owned(),
        timezone: BERLIN.name().to_owned(),
        holidays,
        sites,
        travel_minutes,
        languages,
        interpreters,
        appointments,
        fixed,
    }
}
