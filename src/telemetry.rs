//! Logging: one subscriber for the whole process, human-readable or JSON, filtered by
//! `RUST_LOG` or the `log_level` setting. Requests get a span each (see `app`), carrying the
//! method, the route template (never the path or query string, which may name a client) and a
//! request id.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber. Calling it again (as tests do) keeps the first one.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!("{},sqlx=warn,sea_orm=warn", settings.log_level))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false)
        // Logs go to standard error, so that commands can write their results to standard output.
        .with_writer(std::io::stderr)
        // Colour codes only for people at a terminal, never into files or collectors.
        .with_ansi(std::io::stderr().is_terminal());
    // `try_init` fails only when a subscriber is already installed, which is fine.
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
