//! The `sprachpool` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sprachpool::config::Settings;
use sprachpool::{commands, telemetry};

/// Schedules a Jobcenter's voluntary interpreter pool and its language-support referrals.
#[derive(Debug, Parser)]
#[command(name = "sprachpool", version, about)]
struct Cli {
    /// Settings file (TOML). Default: ./sprachpool.toml if it exists.
    #[arg(long, global = true, env = "SPRACHPOOL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service (applies pending migrations first).
    Serve {
        /// Load the demo data if the database is empty (demo accounts, password "demo").
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo organisations, sites, accounts and volunteers (password "demo").
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Plan a problem file (sprachpool.problem/1) and write the plan (sprachpool.plan/1).
    Solve {
        /// The problem file.
        #[arg(long)]
        problem: PathBuf,
        /// Where to write the plan; default: standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seconds the solver may take.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        /// Check the plan against every rule of the format before writing it.
        #[arg(long)]
        check: bool,
    },
    /// Solve generated instances and print a table of sizes, values, bounds and times.
    Bench {
        /// Solves per instance; the table shows the median time.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Seconds each solve may take.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        /// Only this instance (25x300, 25x600, 25x600-dst, 250x5000).
        #[arg(long)]
        only: Option<String>,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Also write each generated problem as JSON into this directory.
        #[arg(long)]
        write_problems: Option<PathBuf>,
        /// Instead: book this many appointments on the demo data and report the latency.
        #[arg(long)]
        booking: Option<usize>,
        /// Instead: time the coverage views over a generated year of a large Jobcenter.
        #[arg(long)]
        coverage: bool,
        /// With --coverage: this database (default: a fresh temporary SQLite file).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Write an organisation's annual report for the state ministry.
    Report {
        /// The year, e.g. 2026.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value = "xlsx")]
        format: commands::report::Format,
        /// The organisation's slug; needed when the database holds several.
        #[arg(long)]
        organisation: Option<String>,
        /// The file to write (default: sprachpool-report-SLUG-YEAR.xlsx or .html).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Language of the report: de or en.
        #[arg(long, default_value = "de")]
        lang: String,
    },
    /// Create an organisation with the reference language list and its first admin.
    AddOrganisation {
        /// Short name, e.g. jobcenter-essen.
        #[arg(long)]
        slug: String,
        /// Full name, e.g. "Jobcenter Essen".
        #[arg(long)]
        name: String,
        /// Username of the first admin.
        #[arg(long)]
        admin: String,
        /// Display name of the first admin.
        #[arg(long, default_value = "Administration")]
        admin_name: String,
    },
    /// Forget what is older than retention_months: erase clients without activity, clear the
    /// free text of older appointments and absences, delete old messages and logins (also
    /// run daily by serve at 02:30).
    Retention {
        /// Only show what would be forgotten; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// mimalloc instead of the system's malloc: planning a booking inside the write lock builds
/// and drops its problem, instance and model, many small values each time, and every other
/// writer waits meanwhile (see `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // The optimiser's commands print their results; request and progress logs would drown them.
    if matches!(cli.command, Command::Solve { .. } | Command::Bench { .. }) {
        // The highs crate reports a time limit reached as a warning; the table says it already.
        telemetry::init(&Settings { log_level: "warn,highs=error".to_owned(), ..settings.clone() });
    } else {
        telemetry::init(&settings);
    }
    let result = match cli.command {
        Command::Serve { demo } => commands::serve(settings, demo).await,
        Command::Migrate => commands::migrate(settings).await,
        Command::Seed { .. } => commands::seed_demo(settings).await,
        Command::AddOrganisation { slug, name, admin, admin_name } => {
            commands::add_organisation(settings, &slug, &name, &admin, &admin_name).await
        }
        Command::Retention { dry_run } => commands::retention(settings, dry_run).await,
        Command::Solve { problem, out, time_limit, check } => {
            return match commands::solve::run(&problem, out.as_deref(), time_limit, check) {
                Ok(_) => ExitCode::SUCCESS,
                Err(commands::solve::SolveError::BadInput(message)) => {
                    eprintln!("{message}");
                    ExitCode::from(2)
                }
                Err(commands::solve::SolveError::Failed(message)) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Report { year, format, organisation, out, lang } => {
            let Ok(locale) = lang.parse() else {
                eprintln!("--lang must be de or en");
                return ExitCode::from(2);
            };
            match commands::report::run(
                settings,
                year,
                format,
                organisation.as_deref(),
                out.as_deref(),
                locale,
            )
            .await
            {
                Ok(path) => {
                    println!("{}", path.display());
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Bench { coverage: true, runs, database_url, .. } => {
            commands::bench_reports::coverage(runs, database_url).await.map_err(Into::into)
        }
        Command::Bench { booking: Some(n), .. } => {
            commands::bench::booking(n).await.map_err(Into::into)
        }
        Command::Bench { runs, time_limit, only, seed, write_problems, booking: None, .. } => {
            commands::bench::run(runs, time_limit, only.as_deref(), seed, write_problems.as_deref())
                .map_err(Into::into)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
