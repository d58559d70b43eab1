//! Coverage: for team leads, how well the pool met the organisation's requests in a period —
//! per language, week, site or kind the requests and minutes asked for, the minutes the pool
//! could offer, the fill rate, the unfilled by reason, fallbacks, no-shows and the median lead
//! time; per volunteer the load against the cap and the share of their home team's time.
//! Demand is counted in the database in one grouped query; supply is the volunteers' windows
//! expanded per date (`pool`).

pub mod outlook;
pub mod pool;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::domain::Role;
use crate::domain::booking::iso_week_number;
use crate::error::AppError;
use crate::repo;
use crate::repo::coverage::{Key, Period};

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    Language,
    Week,
    Site,
    Kind,
}

/// `GET /api/v1/coverage`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// First local date of the period.
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub from: NaiveDate,
    /// Last local date, inclusive; at most two years after `from`.
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub to: NaiveDate,
    /// Site code: in-person appointments at that site, and the volunteers based there.
    #[param(pattern = "^[a-z0-9-]{1,32}$")]
    pub site: Option<String>,
    /// `language` (default), `week`, `site` or `kind`.
    pub group_by: Option<GroupBy>,
}

/// The figures of one group, or of all.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Figures {
    /// Language tag, ISO week (`2026-W48`), site code (`remote` for phone and video) or kind.
    pub key: String,
    /// Language or site name in the caller's language; the key otherwise.
    pub label: String,
    /// Requests not cancelled.
    pub requests: i64,
    pub requested_minutes: i64,
    /// Minutes the pool could offer: volunteers' windows less absences and holidays, within
    /// their caps (for a language: its speakers and those of its macrolanguage). None for
    /// kinds and for phone and video.
    pub offered_minutes: Option<i64>,
    /// Proposed, confirmed, held or client did not come.
    pub filled: i64,
    pub fill_rate: Option<f64>,
    pub open: i64,
    pub proposed: i64,
    pub confirmed: i64,
    pub held: i64,
    pub no_shows: i64,
    pub cancelled: i64,
    /// Unfilled (with or without a fallback) by reason.
    pub unfilled: BTreeMap<String, i64>,
    /// Fallbacks used, by kind.
    pub fallbacks: BTreeMap<String, i64>,
    /// Median time from booking to appointment, in hours.
    pub median_lead_hours: Option<f64>,
}

/// A volunteer's load in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VolunteerLoad {
    pub interpreter_id: i64,
    pub display_name: String,
    pub home_team: Option<String>,
    pub confirmed_minutes: i64,
    pub proposed_minutes: i64,
    /// The weekly cap over the period's days.
    pub cap_minutes: i64,
    pub share_of_cap: Option<f64>,
    /// Share of the confirmed interpreting minutes of the volunteer's home team.
    pub share_of_team: Option<f64>,
}

/// Interpreting time taken from a home team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamLoad {
    pub home_team: String,
    pub volunteers: i64,
    pub confirmed_minutes: i64,
}

/// The coverage of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub site: Option<String>,
    pub group_by: GroupBy,
    pub groups: Vec<Figures>,
    pub total: Figures,
    pub volunteers: Vec<VolunteerLoad>,
    pub teams: Vec<TeamLoad>,
}

/// The longest period asked for at once.
const MAX_DAYS: i64 = 2 * 366;

/// The coverage of the caller's organisation.
///
/// # Errors
/// Forbidden unless team lead; `to` before `from` or over two years later, an unknown site
/// (422); database errors.
pub async fn coverage(
    db: &DatabaseConnection,
    caller: &Caller,
    query: CoverageQuery,
) -> Result<Coverage, AppError> {
    caller.require(Role::TeamLead)?;
    let (from, to) = (query.from, query.to);
    if to < from {
        return Err(AppError::validation("to", "must not be before from"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(AppError::validation("to", "a period covers at most two years"));
    }
    let site = match query.site.as_deref() {
        Some(code) => Some(
            repo::sites::by_code(db, caller.organisation_id, code).await?.ok_or_else(|| {
                AppError::validation(
                    "site",
                    format!("\"{code}\" is not a site of the organisation"),
                )
            })?,
        ),
        None => None,
    };
    let group_by = query.group_by.unwrap_or_default();
    let key = match group_by {
        GroupBy::Language => Key::Language,
        GroupBy::Week => Key::Week,
        GroupBy::Site => Key::Site,
        GroupBy::Kind => Key::Kind,
    };
    let period = Period {
        organisation_id: caller.organisation_id,
        from,
        to,
        site_id: site.as_ref().map(|s| s.id),
    };
    // Independent reads, each on a connection of its own: the answer takes as long as the
    // slowest, not the sum.
    let (tallies, medians, median, loads, mut volunteers) = tokio::try_join!(
        repo::coverage::tallies(db, period, key),
        repo::coverage::median_leads(db, period, key),
        repo::coverage::median_lead(db, period),
        repo::coverage::loads(db, period),
        pool::read(db, caller.organisation_id, from, to),
    )?;
    if let Some(site) = &site {
        volunteers.retain(|v| v.site_id == site.id);
    }

    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    let mut total = Figures { key: "*".into(), ..Figures::default() };
    for t in &tallies {
        let figures = groups
            .entry(t.key.clone())
            .or_insert_with(|| Figures { key: t.key.clone(), ..Figures::default() });
        count(figures, t);
        count(&mut total, t);
    }
    // Supply per group.
    let offered = |v: &pool::Volunteer| v.offered.values().sum::<i64>();
    match group_by {
        GroupBy::Language => {
            let mut by_language: HashMap<i64, i64> = HashMap::new();
            for v in &volunteers {
                for &language in &v.covers {
                    *by_language.entry(language).or_default() += offered(v);
                }
            }
            for (language, minutes) in by_language {
                if minutes > 0 {
                    groups
                        .entry(language.to_string())
                        .or_insert_with(|| Figures {
                            key: language.to_string(),
                            ..Figures::default()
                        })
                        .offered_minutes = Some(minutes);
                }
            }
        }
        GroupBy::Week => {
            let mut day = from;
            while day <= to {
                let week = day.iso_week();
                let key = iso_week_number(week.year(), week.week()).to_string();
                let minutes: i64 = volunteers.iter().filter_map(|v| v.offered.get(&day)).sum();
                let figures = groups
                    .entry(key.clone())
                    .or_insert_with(|| Figures { key, ..Figures::default() });
                *figures.offered_minutes.get_or_insert(0) += minutes;
                day += Duration::days(1);
            }
        }
        GroupBy::Site => {
            for v in &volunteers {
                let key = v.site_id.to_string();
                let figures = groups
                    .entry(key.clone())
                    .or_insert_with(|| Figures { key, ..Figures::default() });
                *figures.offered_minutes.get_or_insert(0) += offered(v);
            }
        }
        GroupBy::Kind => {}
    }
    total.offered_minutes = Some(volunteers.iter().map(offered).sum());
    let hours = |minutes: f64| (minutes / 60.0 * 10.0).round() / 10.0;
    for m in &medians {
        if let Some(figures) = groups.get_mut(&m.key) {
            figures.median_lead_hours = Some(hours(m.minutes));
        }
    }
    total.median_lead_hours = median.map(hours);

    // Keys and labels as people read them.
    let languages: HashMap<String, (String, String)> =
        repo::languages::list(db, caller.organisation_id)
            .await?
            .into_iter()
            .map(|l| {
                (
                    l.id.to_string(),
                    (
                        l.tag,
                        if caller.locale == crate::domain::Locale::De {
                            l.name_de
                        } else {
                            l.name_en
                        },
                    ),
                )
            })
            .collect();
    let sites: HashMap<String, (String, String)> = repo::sites::list(db, caller.organisation_id)
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), (s.code, s.name)))
        .collect();
    let mut groups: Vec<Figures> = groups
        .into_values()
        .map(|mut f| {
            let (key, label) = match group_by {
                GroupBy::Language => {
                    languages.get(&f.key).cloned().unwrap_or_else(|| (f.key.clone(), f.key.clone()))
                }
                GroupBy::Site if f.key == "0" => ("remote".to_owned(), "remote".to_owned()),
                GroupBy::Site => {
                    sites.get(&f.key).cloned().unwrap_or_else(|| (f.key.clone(), f.key.clone()))
                }
                GroupBy::Week => {
                    let n: i32 = f.key.parse().unwrap_or(0);
                    let key = format!("{}-W{:02}", n / 100, n % 100);
                    (key.clone(), key)
                }
                GroupBy::Kind => (f.key.clone(), f.key.clone()),
            };
            f.key = key;
            f.label = label;
            if group_by == GroupBy::Site && f.key == "remote" {
                f.offered_minutes = None;
            }
            finish(&mut f);
            f
        })
        .collect();
    finish(&mut total);
    match group_by {
        GroupBy::Language => groups.sort_by(|a, b| {
            b.requested_minutes
                .cmp(&a.requested_minutes)
                .then(b.offered_minutes.cmp(&a.offered_minutes))
                .then(a.key.cmp(&b.key))
        }),
        GroupBy::Site => groups.sort_by(|a, b| a.label.cmp(&b.label)),
        GroupBy::Week | GroupBy::Kind => groups.sort_by(|a, b| a.key.cmp(&b.key)),
    }

    let (volunteers, teams) = loads_of(&volunteers, &loads, (to - from).num_days() + 1);
    Ok(Coverage {
        from,
        to,
        site: site.map(|s| s.code),
        group_by,
        groups,
        total,
        volunteers,
        teams,
    })
}

/// Adds one tally to the figures.
fn count(figures: &mut Figures, t: &repo::coverage::Tally) {
    let n = t.appointments;
    match t.status.as_str() {
        "cancelled" => figures.cancelled += n,
        status => {
            figures.requests += n;
            figures.requested_minutes += t.minutes;
            match status {
                "open" => figures.open += n,
                "proposed" => figures.proposed += n,
                "confirmed" => figures.confirmed += n,
                "held" => figures.held += n,
                "client_no_show" => figures.no_shows += n,
                _ => {
                    let reason = if t.reason.is_empty() { "capacity" } else { t.reason.as_str() };
                    *figures.unfilled.entry(reason.to_owned()).or_default() += n;
                    if !t.fallback.is_empty() {
                        *figures.fallbacks.entry(t.fallback.clone()).or_default() += n;
                    }
                }
            }
        }
    }
}

/// Derived figures: filled and the fill rate.
fn finish(figures: &mut Figures) {
    figures.filled = figures.proposed + figures.confirmed + figures.held + figures.no_shows;
    figures.fill_rate =
        (figures.requests > 0).then(|| figures.filled as f64 / figures.requests as f64);
}

fn loads_of(
    volunteers: &[pool::Volunteer],
    loads: &[repo::coverage::Load],
    days: i64,
) -> (Vec<VolunteerLoad>, Vec<TeamLoad>) {
    let mut minutes: HashMap<(i64, &str), i64> = HashMap::new();
    for l in loads {
        *minutes.entry((l.interpreter_id, l.status.as_str())).or_default() += l.minutes;
    }
    let mut teams: BTreeMap<String, TeamLoad> = BTreeMap::new();
    for v in volunteers {
        if let Some(team) = &v.home_team {
            let entry = teams.entry(team.clone()).or_insert_with(|| TeamLoad {
                home_team: team.clone(),
                volunteers: 0,
                confirmed_minutes: 0,
            });
            entry.volunteers += 1;
            entry.confirmed_minutes +=
                minutes.get(&(v.interpreter_id, "confirmed")).copied().unwrap_or(0);
        }
    }
    let mut out: Vec<VolunteerLoad> = volunteers
        .iter()
        .map(|v| {
            let confirmed = minutes.get(&(v.interpreter_id, "confirmed")).copied().unwrap_or(0);
            let cap = v.weekly_cap_minutes * days / 7;
            let team_minutes =
                v.home_team.as_ref().and_then(|t| teams.get(t)).map_or(0, |t| t.confirmed_minutes);
            VolunteerLoad {
                interpreter_id: v.interpreter_id,
                display_name: v.display_name.clone(),
                home_team: v.home_team.clone(),
                confirmed_minutes: confirmed,
                proposed_minutes: minutes
                    .get(&(v.interpreter_id, "proposed"))
                    .copied()
                    .unwrap_or(0),
                cap_minutes: cap,
                share_of_cap: (cap > 0).then(|| confirmed as f64 / cap as f64),
                share_of_team: (team_minutes > 0).then(|| confirmed as f64 / team_minutes as f64),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.share_of_cap
            .unwrap_or(0.0)
            .total_cmp(&a.share_of_cap.unwrap_or(0.0))
            .then(a.display_name.cmp(&b.display_name))
    });
    (out, teams.into_values().collect())
}
