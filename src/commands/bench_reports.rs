//! `sprachpool bench --coverage`: the coverage views, the shortfall outlook and the annual
//! report over a year of a large Jobcenter (250 volunteers, 60,000 appointments, generated) on
//! SQLite or PostgreSQL, each timed over several runs.

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::auth::Caller;
use crate::config::{DatabaseUrl, Settings};
use crate::domain::{Locale, Role};
use crate::seed::large::{Size, load_large};
use crate::services::coverage::{self, CoverageQuery, GroupBy};

/// The generated organisation's slug; a database holding it already is used as it is.
const SLUG: &str = "bench-jobcenter";
const YEAR: i32 = 2026;

/// Runs the coverage benchmark on `database_url` (a fresh temporary SQLite file if `None`).
///
/// # Errors
/// The database cannot be set up, or a view fails.
pub async fn coverage(runs: usize, database_url: Option<String>) -> Result<(), String> {
    let temporary = database_url
        .is_none()
        .then(|| std::env::temp_dir().join(format!("sprachpool-coverage-{}", std::process::id())));
    let url = match (&database_url, &temporary) {
        (Some(url), _) => url.clone(),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            format!("sqlite://{}/bench.db?mode=rwc", dir.display())
        }
        (None, None) => unreachable!(),
    };
    let settings = Settings { database_url: DatabaseUrl::new(url), ..Settings::default() };
    let db = crate::db::connect(&settings).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    let organisation_id =
        match crate::repo::organisations::by_slug(&db, SLUG).await.map_err(|e| e.to_string())? {
            Some(org) => org.id,
            None => {
                let started = Instant::now();
                let txn = crate::db::write(&db).await.map_err(|e| e.to_string())?;
                let id = load_large(&txn, SLUG, Size::large(YEAR), 2026)
                    .await
                    .map_err(|e| e.to_string())?;
                txn.commit().await.map_err(|e| e.to_string())?;
                eprintln!("generated a year of {SLUG} in {:.1} s", started.elapsed().as_secs_f64());
                id
            }
        };
    let caller = Caller {
        user_id: 0,
        organisation_id,
        username: "bench".into(),
        display_name: "bench".into(),
        locale: Locale::De,
        roles: vec![Role::TeamLead],
        session_id: 0,
    };
    let year = |m, d| NaiveDate::from_ymd_opt(YEAR, m, d).unwrap_or(NaiveDate::MIN);
    println!(
        "{} on {}: {runs} runs each, wall clock per answer",
        SLUG,
        if settings.database_url.is_sqlite() { "SQLite" } else { "PostgreSQL" }
    );
    println!(
        "{:<28} {:>8} {:>10} {:>10} {:>10}",
        "view", "requests", "median ms", "min ms", "max ms"
    );
    for group_by in [GroupBy::Language, GroupBy::Week, GroupBy::Site, GroupBy::Kind] {
        let mut times = Vec::with_capacity(runs);
        let mut requests = 0;
        for _ in 0..runs.max(1) {
            let query = CoverageQuery {
                from: year(1, 1),
                to: year(12, 31),
                site: None,
                group_by: Some(group_by),
            };
            let started = Instant::now();
            let answer =
                coverage::coverage(&db, &caller, query).await.map_err(|e| format!("{e:?}"))?;
            times.push(started.elapsed());
            requests = answer.total.requests;
        }
        print_row(
            &format!("coverage by {group_by:?} ({YEAR})").to_lowercase(),
            requests,
            &mut times,
        );
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        coverage::outlook::outlook(&db, &caller, year(11, 28))
            .await
            .map_err(|e| format!("{e:?}"))?;
        times.push(started.elapsed());
    }
    print_row("shortfall outlook", 0, &mut times);
    let mut times = Vec::with_capacity(runs);
    let mut requests = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let report = crate::report::gather(&db, organisation_id, YEAR, Locale::De)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no organisation")?;
        times.push(started.elapsed());
        requests = report.interpreting.requests;
    }
    print_row(&format!("annual report ({YEAR})"), requests, &mut times);
    if let Some(dir) = temporary {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

fn print_row(view: &str, requests: i64, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{view:<28} {requests:>8} {:>10.1} {:>10.1} {:>10.1}",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
