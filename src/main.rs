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
}

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
    telemetry::init(&settings);
    let result = match cli.command {
        Command::Serve { demo } => commands::serve(settings, demo).await,
        Command::Migrate => commands::migrate(settings).await,
        Command::Seed { .. } => commands::seed_demo(settings).await,
        Command::AddOrganisation { slug, name, admin, admin_name } => {
            commands::add_organisation(settings, &slug, &name, &admin, &admin_name).await
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
