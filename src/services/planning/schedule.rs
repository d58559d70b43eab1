//! Planning runs on a schedule: every day at a set local time, the next days of each
//! organisation are planned as if a team lead had started the run (the run has no user).
//! Several `serve` instances on one database plan once: a run of the organisation that began at
//! or after the scheduled moment means the moment is taken care of.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::planning_run;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::runs::{RunRequest, Starter, plan_horizon};
use crate::domain::time::{BERLIN, LocalTime, start_of_local_day};
use crate::error::AppError;
use crate::repo;

/// When and how far to plan.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Local time of day (Europe/Berlin).
    pub at: LocalTime,
    /// Days planned, today included.
    pub horizon_days: u32,
    pub time_limit_seconds: u32,
}

/// The first moment after `after` at which the local clock shows `at`. On the day the change
/// to summer time skips that time, an hour later; when the change back repeats it, the first.
pub fn next_moment(at: LocalTime, after: DateTime<Utc>) -> DateTime<Utc> {
    let today = after.with_timezone(&BERLIN).date_naive();
    (0..3)
        .map(|d| moment_on(today + Duration::days(d), at))
        .find(|&m| m > after)
        .unwrap_or_else(|| moment_on(today + Duration::days(1), at))
}

fn moment_on(date: NaiveDate, at: LocalTime) -> DateTime<Utc> {
    use chrono::TimeZone;
    match BERLIN.from_local_datetime(&date.and_time(at.naive())).earliest() {
        Some(moment) => moment.with_timezone(&Utc),
        // Inside the gap: the wall clock resumes at the gap's end, an hour later.
        None => {
            let later = date.and_time(at.naive()) + Duration::hours(1);
            BERLIN
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(|| start_of_local_day(date, BERLIN), |m| m.with_timezone(&Utc))
        }
    }
}

/// Plans every organisation for the scheduled moment `due`, unless a run of it began at or
/// after `due` already. The organisations planned.
///
/// # Errors
/// Database errors. A failed run of one organisation is logged, and the others still run.
pub async fn run_due(
    db: &DatabaseConnection,
    schedule: Schedule,
    due: DateTime<Utc>,
) -> Result<Vec<i64>, AppError> {
    let from = due.with_timezone(&BERLIN).date_naive();
    let to = from + Duration::days(i64::from(schedule.horizon_days.max(1)) - 1);
    let mut planned = Vec::new();
    for organisation_id in repo::organisations::ids(db).await? {
        let begun = planning_run::Entity::find()
            .filter(planning_run::Column::OrganisationId.eq(organisation_id))
            .filter(planning_run::Column::StartedAt.gte(due))
            .count(db)
            .await?;
        if begun > 0 {
            continue;
        }
        let request =
            RunRequest { from, to, time_limit_seconds: Some(schedule.time_limit_seconds) };
        match plan_horizon(db, Starter { organisation_id, user_id: None }, request).await {
            Ok(run) => {
                tracing::info!(organisation_id, run, "scheduled planning run applied");
                planned.push(organisation_id);
            }
            Err(e) => tracing::warn!(organisation_id, error = %e, "scheduled planning run failed"),
        }
    }
    Ok(planned)
}

/// Runs the schedule until the process ends.
pub async fn run_forever(db: DatabaseConnection, schedule: Schedule) {
    tracing::info!(at = %schedule.at, days = schedule.horizon_days, "planning runs scheduled daily");
    loop {
        let now = Utc::now();
        let due = next_moment(schedule.at, now);
        let wait = (due - now).to_std().unwrap_or(StdDuration::ZERO);
        tokio::time::sleep(wait).await;
        if let Err(e) = run_due(&db, schedule, due).await {
            tracing::warn!(error = %e, "scheduled planning failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> LocalTime {
        LocalTime::parse(text).unwrap_or_else(|_| unreachable!())
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn the_next_moment_follows_the_local_clock_across_daylight_saving() {
        // Winter: 06:00 in Berlin is 05:00 UTC.
        assert_eq!(
            next_moment(at("06:00"), utc("2026-03-27T04:00:00Z")),
            utc("2026-03-27T05:00:00Z")
        );
        // Already past today: tomorrow.
        assert_eq!(
            next_moment(at("06:00"), utc("2026-03-27T05:00:00Z")),
            utc("2026-03-28T05:00:00Z")
        );
        // Summer time from 29 March: 06:00 is 04:00 UTC.
        assert_eq!(
            next_moment(at("06:00"), utc("2026-03-28T06:00:00Z")),
            utc("2026-03-29T04:00:00Z")
        );
        // 02:30 does not exist on 29 March: the clock jumps from 02:00 to 03:00.
        assert_eq!(
            next_moment(at("02:30"), utc("2026-03-28T12:00:00Z")),
            utc("2026-03-29T01:30:00Z")
        );
        // 02:30 happens twice on 25 October: the first one.
        assert_eq!(
            next_moment(at("02:30"), utc("2026-10-24T12:00:00Z")),
            utc("2026-10-25T00:30:00Z")
        );
    }
}
