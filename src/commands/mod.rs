//! What the CLI's subcommands do: `serve`, `migrate`, `seed`, `add-organisation`, and the
//! optimiser's `solve` and `bench`.

pub mod bench;
pub mod bench_reports;
pub mod report;
pub mod solve;

use std::io::BufRead;

use tokio::net::TcpListener;

use crate::app::{self, AppState};
use crate::config::Settings;
use crate::domain::{Locale, Role};
use crate::seed::{self, DemoOutcome};
use crate::services::planning::schedule::{self, Schedule};
use crate::{db, repo};

pub type CommandResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Applies pending migrations, optionally loads the demo data into an empty database, and
/// serves until Ctrl-C or SIGTERM.
///
/// # Errors
/// The database cannot be opened or migrated, or the address cannot be bound.
pub async fn serve(mut settings: Settings, demo: bool) -> CommandResult {
    crate::auth::secret::ensure(&mut settings, demo)?;
    // Bind first: a busy port should stop the start before anything touches the database.
    let listener = TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    tracing::info!(database = %settings.database_url.redacted(), "opening database");
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    if demo {
        if repo::organisations::count(&db).await? == 0 {
            report_demo(seed::load_demo(&db).await?);
        } else {
            tracing::info!("database holds data already; demo data not loaded");
        }
    }
    if let Some(at) = settings.planning_daily_at {
        let schedule = Schedule {
            at,
            horizon_days: settings.planning_horizon_days,
            time_limit_seconds: settings.planning_time_limit_seconds,
        };
        tokio::spawn(schedule::run_forever(db.clone(), schedule));
    }
    tokio::spawn(crate::services::notify::reminders::run_forever(
        db.clone(),
        settings.referral_follow_up_days,
    ));
    tokio::spawn(crate::services::privacy::retention::run_forever(
        db.clone(),
        settings.retention_months,
    ));
    match crate::services::notify::worker::Mailer::from_settings(&settings)? {
        Some(mailer) => {
            tokio::spawn(crate::services::notify::worker::run_forever(db.clone(), mailer));
        }
        None => tracing::info!("no smtp_host set: notifications wait in the outbox"),
    }
    tracing::info!(address = %listener.local_addr()?, "listening; open http://{}/ in a browser", listener.local_addr()?);
    let state = AppState::new(db, settings);
    if let Some(address) = state.settings.metrics_bind {
        let metrics = TcpListener::bind(address).await?;
        tracing::info!(address = %metrics.local_addr()?, "metrics for operators at /metrics");
        let router = crate::metrics::router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, router).await {
                tracing::warn!(error = %e, "the metrics address stopped serving");
            }
        });
    }
    app::run(state, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Applies the retention rules now and prints what each organisation forgot; with
/// `dry_run` nothing is changed.
///
/// # Errors
/// The database cannot be opened or migrated, or a retention transaction fails.
pub async fn retention(settings: Settings, dry_run: bool) -> CommandResult {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let now = crate::services::now();
    let before = crate::services::privacy::retention::cutoff(now, settings.retention_months);
    let runs =
        crate::services::privacy::retention::run(&db, now, settings.retention_months, !dry_run)
            .await?;
    let verb = if dry_run { "would forget" } else { "forgot" };
    println!(
        "retention: {} months; data older than {} ({verb})",
        settings.retention_months,
        before.with_timezone(&crate::domain::time::BERLIN).format("%Y-%m-%d %H:%M")
    );
    for r in runs {
        println!(
            "organisation {}: {} clients erased, {} appointments and {} declines cleared, \
             {} absence reasons cleared, {} messages and {} logins deleted",
            r.organisation_id,
            r.clients_erased,
            r.appointments_cleared,
            r.declines_cleared,
            r.absences_cleared,
            r.messages_deleted,
            r.logins_deleted
        );
    }
    Ok(())
}

/// Applies pending migrations.
///
/// # Errors
/// The database cannot be opened, or a migration fails.
pub async fn migrate(settings: Settings) -> CommandResult {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    tracing::info!("migrations applied");
    println!("migrations applied");
    Ok(())
}

/// Loads the demo data (after applying migrations).
///
/// # Errors
/// The database cannot be opened, or the data cannot be written.
pub async fn seed_demo(settings: Settings) -> CommandResult {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let outcome = seed::load_demo(&db).await?;
    report_demo(outcome);
    Ok(())
}

fn report_demo(outcome: DemoOutcome) {
    match outcome {
        DemoOutcome::Loaded { organisations, users } => {
            tracing::info!(
                organisations,
                users,
                "demo data loaded; every demo account's password is \"demo\""
            );
            println!(
                "demo data loaded: {organisations} organisations, {users} accounts (password \"demo\")"
            );
        }
        DemoOutcome::AlreadyPresent => println!("demo data is present already; nothing loaded"),
    }
}

/// Creates an organisation with the reference language list and its first admin account.
/// The password is read from `SPRACHPOOL_ADMIN_PASSWORD` or, if that is unset, from the first
/// line of standard input, so that it never appears in the process list or shell history.
///
/// # Errors
/// A slug or username in use, a password shorter than 12 characters, database errors.
pub async fn add_organisation(
    settings: Settings,
    slug: &str,
    name: &str,
    admin: &str,
    admin_name: &str,
) -> CommandResult {
    let password = match std::env::var("SPRACHPOOL_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {admin} (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.chars().count() < 12 {
        return Err("the admin password needs at least 12 characters".into());
    }
    let username = admin.trim().to_lowercase();
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let hash = crate::auth::password::hash_blocking(password).await?;
    let txn = crate::db::write(&db).await?;
    if repo::users::by_username(&txn, &username).await?.is_some() {
        return Err(format!("username {username} is taken").into());
    }
    if repo::organisations::by_slug(&txn, slug).await?.is_some() {
        return Err(format!("an organisation with the slug {slug} exists already").into());
    }
    let org = seed::create_organisation(&txn, slug, name, "Europe/Berlin", "cli").await?;
    let user = crate::services::users::insert_account(
        &txn,
        org.id,
        &username,
        admin_name,
        None,
        None,
        Locale::De,
        &hash,
    )
    .await?;
    repo::users::set_roles(&txn, user.id, &[Role::Admin]).await?;
    txn.commit().await?;
    println!("organisation {slug} created; log in as {username}");
    Ok(())
}
