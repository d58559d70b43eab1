//! `sprachpool bench --load`: the service under many users at once. It fills a fresh database
//! with the demo data and a generated large Jobcenter, starts `sprachpool serve` on it as its
//! own process on a loopback port, and lets `clients` simulated users book and read through
//! real HTTP connections, one mix after the other: first without pauses, which measures the
//! capacity, then each user pausing `pause` seconds on average, which measures what users
//! wait at that rate. It prints throughput and latency percentiles per request and fails if a
//! request gets a wrong answer, or if bookings' p99 with pauses on SQLite is over the budget.

mod client;
mod cpu;
mod report;
mod setup;
mod workload;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Method;
use sea_orm::{ConnectionTrait, Database};

use crate::config::{DatabaseUrl, Settings};
pub use workload::Mix;
use workload::{Operation, Pace, Phase, Shared};

/// How hard and how long.
#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub seconds: u64,
    pub warmup_seconds: u64,
    /// Each user's average pause between requests in the paced runs, in seconds.
    pub pause_seconds: f64,
    /// A PostgreSQL server; a fresh database is created on it and dropped afterwards.
    /// `None`: a fresh temporary SQLite file.
    pub database_url: Option<String>,
    /// Bookings' p99 in milliseconds that SQLite must hold in the paced booking run.
    pub booking_p99_budget_ms: f64,
    /// The mixes to run, in this order (all three if empty).
    pub mixes: Vec<Mix>,
}

/// Bookings prepared; more are made by booking the same slots again for other clients.
const BOOKINGS: usize = 20_000;

/// Runs the benchmark.
///
/// # Errors
/// The database cannot be set up, the server does not start, a connection breaks, a request
/// gets an answer it must not, or bookings' p99 on SQLite is over the budget.
pub async fn run(options: Options) -> Result<(), String> {
    if options.clients == 0 || options.seconds == 0 {
        return Err("--clients and --seconds must be at least 1".into());
    }
    if !(options.pause_seconds > 0.0 && options.pause_seconds <= 3600.0) {
        return Err("--pause must be above 0 and at most 3600 seconds".into());
    }
    let target = Target::create(options.database_url.as_deref()).await?;
    let result = measure(&options, &target).await;
    target.remove().await;
    result
}

async fn measure(options: &Options, target: &Target) -> Result<(), String> {
    let started = Instant::now();
    let settings = Settings { database_url: DatabaseUrl::new(target.url()), ..Settings::default() };
    let db = crate::db::connect(&settings).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    let fixture = Arc::new(setup::prepare(&db, options.clients, BOOKINGS).await?);
    db.close().await.map_err(|e| e.to_string())?;
    eprintln!("data ready in {:.1} s; starting the service", started.elapsed().as_secs_f64());

    let server = Server::start(&target.url()).await?;
    let shared = Shared::new(options.clients);
    let pause = Duration::from_secs_f64(options.pause_seconds);
    println!(
        "{} on {}: demo data and {} ({} volunteers, {} appointments); {} clients; \
         {} s per run after {} s warm-up; closed: no pauses; {:.1}s: pauses of {:.1} s on \
         average ({:.1} requests/s in all)",
        env!("CARGO_PKG_NAME"),
        target.backend(),
        setup::SLUG,
        fixture.volunteers,
        fixture.appointments,
        options.clients,
        options.seconds,
        options.warmup_seconds,
        options.pause_seconds,
        options.pause_seconds,
        options.clients as f64 / options.pause_seconds
    );
    report::print_header();
    let mut paced_booking_p99 = None;
    let mut failures = Vec::new();
    let mixes = if options.mixes.is_empty() {
        vec![Mix::Booking, Mix::Reading, Mix::Mixed]
    } else {
        options.mixes.clone()
    };
    for mix in mixes {
        for pace in [Pace::Closed, Pace::Pause(pause)] {
            let phase = Phase {
                mix,
                pace,
                clients: options.clients,
                warmup: Duration::from_secs(options.warmup_seconds),
                duration: Duration::from_secs(options.seconds),
            };
            let measured =
                workload::run((server.addr, server.child.id()), &fixture, &shared, phase).await?;
            let rows = report::by_operation(&measured);
            report::print_rows(&measured, &rows);
            if mix == Mix::Booking && pace != Pace::Closed {
                paced_booking_p99 =
                    rows.iter().find(|(op, _)| *op == Some(Operation::Book)).map(|(_, f)| f.p99);
            }
            failures.extend(measured.failures);
        }
    }
    drop(server);
    if !failures.is_empty() {
        return Err(format!("requests got answers they must not:\n{}", failures.join("\n")));
    }
    match paced_booking_p99 {
        Some(p99) if target.is_sqlite() && p99 > options.booking_p99_budget_ms => Err(format!(
            "bookings' p99 is {p99:.1} ms at {} clients pausing {} s, over the budget of {} ms",
            options.clients, options.pause_seconds, options.booking_p99_budget_ms
        )),
        _ => Ok(()),
    }
}

/// The database the benchmark fills: a temporary SQLite file, or a database created on a
/// PostgreSQL server for this run.
enum Target {
    Sqlite { dir: PathBuf },
    Postgres { server: String, name: String, url: String },
}

impl Target {
    async fn create(server: Option<&str>) -> Result<Self, String> {
        let Some(server) = server else {
            let dir = std::env::temp_dir().join(format!("sprachpool-load-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            return Ok(Target::Sqlite { dir });
        };
        if !server.starts_with("postgres") {
            return Err("--database-url must be a PostgreSQL server (postgres://…); without it \
                        the benchmark uses a temporary SQLite file"
                .into());
        }
        let name = format!("sprachpool_load_{}", std::process::id());
        let mut url = url::Url::parse(server).map_err(|e| format!("--database-url: {e}"))?;
        url.set_path(&name);
        let admin = Database::connect(server).await.map_err(|e| e.to_string())?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| e.to_string())?;
        admin.close().await.map_err(|e| e.to_string())?;
        Ok(Target::Postgres { server: server.to_owned(), name, url: url.into() })
    }

    fn url(&self) -> String {
        match self {
            Target::Sqlite { dir } => format!("sqlite://{}/load.db?mode=rwc", dir.display()),
            Target::Postgres { url, .. } => url.clone(),
        }
    }

    fn is_sqlite(&self) -> bool {
        matches!(self, Target::Sqlite { .. })
    }

    fn backend(&self) -> &'static str {
        if self.is_sqlite() { "SQLite" } else { "PostgreSQL" }
    }

    async fn remove(&self) {
        match self {
            Target::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Target::Postgres { server, name, .. } => {
                if let Ok(admin) = Database::connect(server.as_str()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// `sprachpool serve` as its own process, as in production (with its background work), on a
/// free loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    async fn start(database_url: &str) -> Result<Self, String> {
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let child = Command::new(exe)
            .arg("serve")
            .env("SPRACHPOOL_DATABASE_URL", database_url)
            .env("SPRACHPOOL_BIND", addr.to_string())
            .env("SPRACHPOOL_LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the service: {e}"))?;
        // From here on, dropping the server stops the process.
        let server = Server { child, addr };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut c) = client::Connection::open(addr, "-").await
                && let Ok(answer) = c.send(Method::GET, "/readyz", None).await
                && answer.status.is_success()
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err("the service did not become ready within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
