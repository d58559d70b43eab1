//! The shortfall outlook: which languages will fall short in the next four weeks, and by how
//! many hours — the basis for recruiting volunteers. Demand is the average week of the last
//! twelve (requests not cancelled), supply what the pool can offer in the coming four weeks as
//! it stands (windows, absences, holidays, caps).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::pool;
use crate::auth::Caller;
use crate::domain::{Locale, Role};
use crate::error::AppError;
use crate::repo;
use crate::repo::coverage::{Key, Period};

/// Weeks of demand looked back on, and weeks looked ahead.
pub const PAST_WEEKS: i64 = 12;
pub const AHEAD_WEEKS: i64 = 4;

/// One language's outlook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LanguageOutlook {
    pub language: String,
    pub label: String,
    /// Minutes asked for in the past weeks, on average per week.
    pub weekly_demand_minutes: i64,
    /// That demand over the weeks ahead.
    pub expected_minutes: i64,
    /// Minutes the pool can offer in the weeks ahead.
    pub offered_minutes: i64,
    /// Expected minus offered, in hours; zero when the pool suffices.
    pub shortfall_hours: f64,
}

/// The outlook of the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outlook {
    /// The past weeks whose demand is averaged.
    pub demand_from: NaiveDate,
    pub demand_to: NaiveDate,
    /// The weeks ahead.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Languages asked for or offered, the largest shortfall first.
    pub languages: Vec<LanguageOutlook>,
}

/// # Errors
/// Forbidden unless team lead; database errors.
pub async fn outlook(
    db: &DatabaseConnection,
    caller: &Caller,
    today: NaiveDate,
) -> Result<Outlook, AppError> {
    caller.require(Role::TeamLead)?;
    let demand_from = today - Duration::weeks(PAST_WEEKS);
    let demand_to = today - Duration::days(1);
    let (from, to) = (today, today + Duration::weeks(AHEAD_WEEKS) - Duration::days(1));
    let past = Period {
        organisation_id: caller.organisation_id,
        from: demand_from,
        to: demand_to,
        site_id: None,
    };
    let mut demand: BTreeMap<i64, i64> = BTreeMap::new();
    for t in repo::coverage::tallies(db, past, Key::Language).await? {
        if t.status != "cancelled"
            && let Ok(language) = t.key.parse::<i64>()
        {
            *demand.entry(language).or_default() += t.minutes;
        }
    }
    let mut supply: BTreeMap<i64, i64> = BTreeMap::new();
    for v in pool::read(db, caller.organisation_id, from, to).await? {
        let minutes: i64 = v.offered.values().sum();
        for &language in &v.covers {
            *supply.entry(language).or_default() += minutes;
        }
    }
    let mut languages = Vec::new();
    for l in repo::languages::list(db, caller.organisation_id).await? {
        let (past, offered) =
            (demand.get(&l.id).copied().unwrap_or(0), supply.get(&l.id).copied().unwrap_or(0));
        if past == 0 && offered == 0 {
            continue;
        }
        let weekly = past / PAST_WEEKS;
        let expected = past * AHEAD_WEEKS / PAST_WEEKS;
        languages.push(LanguageOutlook {
            language: l.tag,
            label: if caller.locale == Locale::De { l.name_de } else { l.name_en },
            weekly_demand_minutes: weekly,
            expected_minutes: expected,
            offered_minutes: offered,
            shortfall_hours: ((expected - offered).max(0) as f64 / 6.0).round() / 10.0,
        });
    }
    languages.sort_by(|a, b| {
        b.shortfall_hours
            .total_cmp(&a.shortfall_hours)
            .then(b.expected_minutes.cmp(&a.expected_minutes))
            .then(a.language.cmp(&b.language))
    });
    Ok(Outlook { demand_from, demand_to, from, to, languages })
}
