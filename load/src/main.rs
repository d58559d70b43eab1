//! `sprachpool-load`: the service under many users at once. It fills a database with the demo
//! data and a generated large Jobcenter, then, for each mix of requests, starts the service
//! binary it is given (`--service`) as its own process on a fresh copy of that database and lets
//! `clients` simulated users book and read through real HTTP connections: first without
//! pauses (closed), which measures the capacity, then at 10 requests a second in all (paced),
//! which measures what users wait at a Jobcenter's busiest. Every run starts from the same
//! data, so that a reading run does not read what a booking run wrote. It prints throughput,
//! latency percentiles and the service's processor time per request, writes them as JSON with
//! `--json`, and fails if a request gets an answer it must not.

mod client;
mod cpu;
mod report;
mod setup;
mod workload;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use http::Method;

use setup::Target;
use workload::{Mix, Pace, Phase, Shared};

/// Requests a second of all users together in the paced runs.
const PACED_REQUESTS_PER_SECOND: f64 = 10.0;
/// Seconds of each run not measured, first.
const WARM_UP: Duration = Duration::from_secs(3);
/// Bookings prepared; more are made by booking the same slots again for other clients.
const BOOKINGS: usize = 20_000;

/// Runs the sprachpool service under simulated users and measures it.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The service's binary, e.g. target/release/sprachpool.
    #[arg(long)]
    service: PathBuf,
    /// A PostgreSQL server, on which the run creates its databases and drops them afterwards
    /// (default: SQLite files in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    /// Seconds measured per closed run.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds measured per paced run.
    #[arg(long, default_value_t = 60)]
    paced_seconds: u64,
    /// Simulated users at once.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Only this mix; may be given more than once (default: booking, reading, mixed).
    #[arg(long, value_enum)]
    mix: Vec<Mix>,
    /// Also write the figures to this file as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sprachpool-load: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if cli.clients == 0 || cli.seconds == 0 || cli.paced_seconds == 0 {
        return Err("--clients, --seconds and --paced-seconds must be at least 1".into());
    }
    if !cli.service.is_file() {
        return Err(format!("--service {}: no such file", cli.service.display()));
    }
    let target = Target::create(cli.database_url.as_deref()).await?;
    let result = measure(&cli, &target).await;
    target.remove().await;
    result
}

async fn measure(cli: &Cli, target: &Target) -> Result<(), String> {
    let started = Instant::now();
    let fixture = Arc::new(setup::prepare(&target.template_url(), cli.clients, BOOKINGS).await?);
    eprintln!("data ready in {:.1} s", started.elapsed().as_secs_f64());
    let pause = Duration::from_secs_f64(cli.clients as f64 / PACED_REQUESTS_PER_SECOND);
    println!(
        "{} on {}: demo data and {} ({} volunteers, {} appointments); {} clients; closed: no \
         pauses, {} s; paced: {PACED_REQUESTS_PER_SECOND} requests/s in all, {} s; each after \
         {} s of warm-up, on a fresh copy of the data",
        cli.service.display(),
        target.backend(),
        setup::SLUG,
        fixture.volunteers,
        fixture.appointments,
        cli.clients,
        cli.seconds,
        cli.paced_seconds,
        WARM_UP.as_secs(),
    );
    report::print_header();
    let mixes = if cli.mix.is_empty() {
        vec![Mix::Booking, Mix::Reading, Mix::Mixed]
    } else {
        cli.mix.clone()
    };
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for mix in mixes {
        for (pace, seconds) in
            [(Pace::Closed, cli.seconds), (Pace::Pause(pause), cli.paced_seconds)]
        {
            let url = target.fresh_copy().await?;
            let server = Server::start(&cli.service, &url).await?;
            let phase = Phase {
                mix,
                pace,
                clients: cli.clients,
                warmup: WARM_UP,
                duration: Duration::from_secs(seconds),
            };
            let shared = Shared::new(cli.clients);
            let measured =
                workload::run((server.addr, server.child.id()), &fixture, &shared, phase).await?;
            drop(server);
            let figures = report::by_operation(&measured);
            report::print_rows(&measured, &figures);
            rows.extend(report::json_rows(target.backend(), &measured, &figures));
            failures.extend(measured.failures);
        }
    }
    if let Some(path) = &cli.json {
        let document = serde_json::json!({ "runs": rows });
        let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("requests got answers they must not:\n{}", failures.join("\n")))
    }
}

/// The service as its own process, as in production (with its background work), on a free
/// loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    async fn start(service: &std::path::Path, database_url: &str) -> Result<Self, String> {
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?;
        let child = Command::new(service)
            .arg("serve")
            .env("SPRACHPOOL_DATABASE_URL", database_url)
            .env("SPRACHPOOL_BIND", addr.to_string())
            .env("SPRACHPOOL_LOG_LEVEL", "warn")
            // Every instance of a deployment shares one; on PostgreSQL the service needs it.
            .env("SPRACHPOOL_SECRET_KEY", "sprachpool-load-secret-key-of-32-characters-or-more")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", service.display()))?;
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
