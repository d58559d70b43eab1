//! `sprachpool bench`: generates seeded instances, solves each several times and prints a table
//! of size, model, greedy and MILP values, bound, gap, status and median wall time.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use crate::repo::First;
use crate::scheduling::generate::{Spec, generate};
use crate::scheduling::{self, SolveOptions, Solved, check};

/// The instances of the bench.
pub fn specs() -> Vec<Spec> {
    let monday = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    vec![
        Spec {
            name: "25x300".into(),
            interpreters: 25,
            appointments: 300,
            sites: 5,
            first_day: monday(2026, 11, 9),
            weeks: 2,
            dense: false,
        },
        Spec {
            name: "25x600".into(),
            interpreters: 25,
            appointments: 600,
            sites: 5,
            first_day: monday(2026, 11, 9),
            weeks: 2,
            dense: false,
        },
        // Crosses the change to summer time on 29 March 2026, with Good Friday in the horizon.
        Spec {
            name: "25x600-dst".into(),
            interpreters: 25,
            appointments: 600,
            sites: 5,
            first_day: monday(2026, 3, 23),
            weeks: 2,
            dense: false,
        },
        Spec {
            name: "250x5000".into(),
            interpreters: 250,
            appointments: 5000,
            sites: 10,
            first_day: monday(2026, 11, 9),
            weeks: 2,
            dense: false,
        },
    ]
}

/// One row of the table.
struct Row {
    name: String,
    size: String,
    solved: Solved,
    times: Vec<Duration>,
    broken: usize,
}

/// Runs the bench.
///
/// # Errors
/// A generated problem cannot be written to `write_dir`.
pub fn run(
    runs: usize,
    time_limit: f64,
    only: Option<&str>,
    seed: u64,
    write_dir: Option<&Path>,
) -> Result<(), String> {
    let specs: Vec<Spec> =
        specs().into_iter().filter(|s| only.is_none_or(|o| s.name == o)).collect();
    if specs.is_empty() {
        return Err(format!("no instance named {}", only.unwrap_or_default()));
    }
    let runs = runs.max(1);
    let bar = ProgressBar::new((specs.len() * runs) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut rows = Vec::new();
    for spec in &specs {
        let problem = generate(spec, seed);
        if let Some(dir) = write_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let path = dir.join(format!("{}.json", spec.name));
            let json = serde_json::to_string_pretty(&problem).map_err(|e| e.to_string())?;
            std::fs::write(&path, json)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let options =
            SolveOptions { time_limit: super::solve::time_limit(time_limit)?, exact: true };
        let mut times = Vec::new();
        let mut last = None;
        for run in 0..runs {
            bar.set_message(format!("{} run {}", spec.name, run + 1));
            let started = Instant::now();
            let solved = scheduling::solve(&problem, options)
                .map_err(|e| format!("{}: {e:?}", spec.name))?;
            times.push(started.elapsed());
            last = Some(solved);
            bar.inc(1);
        }
        let Some(solved) = last else { continue };
        let broken = check::check(&problem, &solved.plan).len();
        rows.push(Row {
            name: spec.name.clone(),
            size: format!("{}×{}", spec.interpreters, spec.appointments),
            solved,
            times,
            broken,
        });
    }
    bar.finish_and_clear();
    print_table(&rows, runs, time_limit, seed);
    if rows.iter().any(|r| r.broken > 0) {
        return Err("a plan breaks the rules (see the `rules` column)".into());
    }
    Ok(())
}

fn print_table(rows: &[Row], runs: usize, time_limit: f64, seed: u64) {
    println!(
        "seed {seed}, {runs} run(s) each, time limit {time_limit} s; times are wall clock, model build included"
    );
    println!(
        "{:<12} {:>9} {:>6} {:>9} {:>11} {:>7} {:>6} {:>6} {:>7} {:>10} {:>10} {:>18} {:>5}",
        "instance",
        "size",
        "parts",
        "variables",
        "constraints",
        "greedy",
        "milp",
        "bound",
        "gap",
        "status",
        "median ms",
        "min–max ms",
        "rules"
    );
    for row in rows {
        let mut ms: Vec<f64> = row.times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let median = ms[ms.len() / 2];
        let plan = &row.solved.plan;
        let stats = &row.solved.stats;
        let gap = if plan.bound == 0 {
            0.0
        } else {
            (plan.bound - plan.covered_priority) as f64 / plan.bound as f64 * 100.0
        };
        println!(
            "{:<12} {:>9} {:>6} {:>9} {:>11} {:>7} {:>6} {:>6} {:>6.2}% {:>10} {:>10.1} {:>18} {:>5}",
            row.name,
            row.size,
            stats.components,
            stats.variables,
            stats.constraints,
            stats.greedy_value,
            plan.covered_priority,
            plan.bound,
            gap,
            plan.status.as_str(),
            median,
            format!("{:.1}–{:.1}", ms[0], ms[ms.len() - 1]),
            if row.broken == 0 { "ok".to_owned() } else { row.broken.to_string() },
        );
    }
}

/// `sprachpool bench --booking N`: books `n` appointments against the demo data on a fresh
/// SQLite database through the whole HTTP stack (in process, no network) and prints the
/// latency of each booking's answer: median, p95, p99 and maximum.
///
/// # Errors
/// The database cannot be set up or a booking is refused.
pub async fn booking(n: usize) -> Result<(), String> {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;

    use crate::app::{AppState, build_router};
    use crate::config::{DatabaseUrl, Settings};

    let dir = std::env::temp_dir().join(format!("sprachpool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let settings = Settings {
        database_url: DatabaseUrl::new(format!("sqlite://{}/bench.db?mode=rwc", dir.display())),
        ..Settings::default()
    };
    let db = crate::db::connect(&settings).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    crate::seed::load_demo(&db).await.map_err(|e| e.to_string())?;
    let db_for_requests = db.clone();
    let router = build_router(AppState::new(db, settings));
    let send = |request: Request<Body>| {
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await.map_err(|e| e.to_string())?;
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((status, bytes))
        }
    };
    let login = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username":"fachkraft","password":"demo"}"#))
        .map_err(|e| e.to_string())?;
    let (_, body) = send(login).await?;
    let token =
        serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| e.to_string())?["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

    let requests = servable_requests(&db_for_requests, 1, n, 3).await?;
    let mut times = Vec::with_capacity(n);
    let mut proposed = 0;
    let bar = ProgressBar::new(n as u64);
    for (k, body) in requests.into_iter().enumerate() {
        let request = Request::post("/api/v1/appointments")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let (status, bytes) = send(request).await?;
        times.push(started.elapsed());
        if !status.is_success() {
            return Err(format!(
                "booking {k} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        if bytes.windows(10).any(|w| w == b"\"proposed\"") {
            proposed += 1;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&dir);
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let pick =
        |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).saturating_sub(1).min(ms.len() - 1)];
    println!(
        "{} bookings on the demo data (SQLite, in process): {} proposed at once, {} unfilled with a reason",
        ms.len(),
        proposed,
        ms.len() - proposed
    );
    println!(
        "latency ms: median {:.1}, p95 {:.1}, p99 {:.1}, max {:.1}",
        pick(0.5),
        pick(0.95),
        pick(0.99),
        ms[ms.len() - 1]
    );
    Ok(())
}

/// Requests an organisation's pool could serve, as a caseworker books them: the `k`-th in a
/// weekly window of the volunteers in turn, on its weekday `first_week` to `first_week + 3`
/// weeks ahead, in the volunteer's first language, by phone where they offer it and at their
/// site otherwise. The pool's caps fill up as the bookings go on, so the later ones are also
/// left unfilled.
///
/// # Errors
/// Database errors.
pub async fn servable_requests(
    db: &sea_orm::DatabaseConnection,
    organisation_id: i64,
    n: usize,
    first_week: i64,
) -> Result<Vec<serde_json::Value>, String> {
    use chrono::{Duration as Days, TimeZone, Utc};
    use entities::{availability_rule, interpreter, interpreter_language, language, site};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    use crate::domain::time::{BERLIN, Weekday};

    let text = |e: sea_orm::DbErr| e.to_string();
    let pool = interpreter::Entity::find()
        .filter(interpreter::Column::OrganisationId.eq(organisation_id))
        .filter(interpreter::Column::Active.eq(true))
        .order_by_asc(interpreter::Column::Id)
        .all(db)
        .await
        .map_err(text)?;
    let tags: std::collections::HashMap<i64, String> = language::Entity::find()
        .all(db)
        .await
        .map_err(text)?
        .into_iter()
        .map(|l| (l.id, l.tag))
        .collect();
    let sites: std::collections::HashMap<i64, String> = site::Entity::find()
        .all(db)
        .await
        .map_err(text)?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let mut offers = Vec::new();
    for volunteer in &pool {
        let first = interpreter_language::Entity::find()
            .filter(interpreter_language::Column::InterpreterId.eq(volunteer.id))
            .order_by_asc(interpreter_language::Column::Id)
            .first(db)
            .await
            .map_err(text)?;
        let windows = availability_rule::Entity::find()
            .filter(availability_rule::Column::InterpreterId.eq(volunteer.id))
            .order_by_asc(availability_rule::Column::Id)
            .all(db)
            .await
            .map_err(text)?;
        let Some(tag) = first.and_then(|l| tags.get(&l.language_id).cloned()) else { continue };
        for window in windows {
            offers.push((volunteer, tag.clone(), window));
        }
    }
    if offers.is_empty() {
        return Err("the pool has no availability".into());
    }
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let mut requests = Vec::with_capacity(n);
    for k in 0..n {
        let (volunteer, tag, window) = &offers[k % offers.len()];
        let Some(weekday) = Weekday::from_iso_number(window.weekday) else { continue };
        let mut day = today + Days::weeks(first_week + (k / offers.len()) as i64 % 4);
        while Weekday::of(day) != weekday || crate::domain::holidays::is_nrw_holiday(day) {
            day += Days::days(1);
        }
        let minutes = window.start_minute.min(window.end_minute - 30).max(0);
        let length = (window.end_minute - window.start_minute).clamp(30, 60);
        let at = |m: i32| {
            let m = u32::try_from(m).unwrap_or(0);
            day.and_hms_opt(m / 60, m % 60, 0)
                .and_then(|t| BERLIN.from_local_datetime(&t).earliest())
                .map(|t| t.to_rfc3339())
        };
        let (Some(start), Some(end)) = (at(minutes), at(minutes + length)) else { continue };
        let by_phone = volunteer.offers_phone || window.remote_only;
        let site = window.site_id.or(Some(volunteer.site_id)).and_then(|s| sites.get(&s).cloned());
        requests.push(serde_json::json!({
            "client_ref": format!("BENCH-{k:05}"), "language": tag, "min_level": "B1",
            "start": start, "end": end, "mode": if by_phone { "phone" } else { "in_person" },
            "site": if by_phone { None } else { site }, "kind": "counselling", "priority": 1 + k % 5,
        }));
    }
    Ok(requests)
}
