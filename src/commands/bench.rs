//! `sprachpool bench`: generates seeded instances, solves each several times and prints a table
//! of size, model, greedy and MILP values, bound, gap, status and median wall time.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

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
            let path = dir.join(format!("{}.json", spec.name));
            let json = serde_json::to_string_pretty(&problem).map_err(|e| e.to_string())?;
            std::fs::write(&path, json)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let options = SolveOptions { time_limit: Duration::from_secs_f64(time_limit), exact: true };
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
    use chrono::{Datelike, Duration as Days, TimeZone, Utc};
    use tower::ServiceExt;

    use crate::app::{AppState, build_router};
    use crate::config::{DatabaseUrl, Settings};
    use crate::domain::time::BERLIN;

    let dir = std::env::temp_dir().join(format!("sprachpool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let settings = Settings {
        database_url: DatabaseUrl::new(format!("sqlite://{}/bench.db?mode=rwc", dir.display())),
        ..Settings::default()
    };
    let db = crate::db::connect(&settings).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    crate::seed::load_demo(&db).await.map_err(|e| e.to_string())?;
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

    let languages = ["ar", "tr", "ru", "en", "uk", "bg", "ro", "fa", "apc", "kmr"];
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let mut times = Vec::with_capacity(n);
    let mut proposed = 0;
    let bar = ProgressBar::new(n as u64);
    for k in 0..n {
        let mut day = today + Days::days(14 + (k as i64 % 20));
        while day.weekday().num_days_from_monday() >= 5 {
            day += Days::days(1);
        }
        let hour = 8 + u32::try_from(k % 8).unwrap_or(0);
        let at = |h: u32| {
            BERLIN
                .from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap_or_default())
                .earliest()
                .map(|t| t.to_rfc3339())
        };
        let (Some(start), Some(end)) = (at(hour), at(hour + 1)) else { continue };
        let in_person = k % 3 == 0;
        let body = serde_json::json!({
            "client_ref": format!("BENCH-{k:05}"), "language": languages[k % languages.len()], "min_level": "B1",
            "start": start, "end": end, "mode": if in_person { "in_person" } else { "phone" },
            "site": if in_person { Some("mitte") } else { None }, "kind": "counselling", "priority": 1 + k % 5,
        });
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
