//! What operators watch: `/metrics` in the Prometheus text format, served on an address of its
//! own (`metrics_bind`, off by default) so that it never reaches the users' network. Requests
//! and their latency per route template, and bookings by outcome, are counted as they happen,
//! by this instance. The planning runs, the outbox and the database pool are read when
//! scraped: the runs and the outbox are the database's, which all instances share.
//!
//! No label names a client, a user or a path: routes are templates (`/api/v1/clients/{reference}`),
//! organisations are named by their slug.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use prometheus_client::encoding::{EncodeLabelSet, prometheus_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::app::AppState;
use crate::error::AppError;
use crate::services::booking::Booking;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route template, `(unrouted)` for a path no route matches.
    route: String,
    /// `2xx`, `4xx`, …
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    /// `proposed`, `unfilled`, or `refused` (the booking was not made).
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrganisationLabels {
    organisation: String,
}

type Seconds = Gauge<f64, AtomicU64>;

/// The instance's metrics, a field of `App`.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    bookings: Family<OutcomeLabels, Counter>,
    runs: Family<StatusLabels, Gauge>,
    run_seconds: Family<OrganisationLabels, Seconds>,
    run_gap: Family<OrganisationLabels, Seconds>,
    outbox_pending: Gauge,
    outbox_oldest_seconds: Seconds,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

/// From 1 ms to about 16 s, doubling.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("sprachpool");
        let requests = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Requests answered by this instance, and how long each took, by route template",
            requests.clone(),
        );
        let bookings = Family::default();
        registry.register(
            "bookings",
            "Appointments booked through this instance, by what the booking gave them",
            bookings.clone(),
        );
        let runs = Family::default();
        registry.register("planning_runs", "Planning runs, by status", runs.clone());
        let run_seconds = Family::default();
        registry.register(
            "planning_run_solve_seconds",
            "The optimiser's time in each organisation's latest applied planning run",
            run_seconds.clone(),
        );
        let run_gap = Family::default();
        registry.register(
            "planning_run_gap",
            "Relative gap between plan and bound of each organisation's latest applied run",
            run_gap.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register("outbox_pending", "Messages waiting to be sent", outbox_pending.clone());
        let outbox_oldest_seconds = Seconds::default();
        registry.register(
            "outbox_oldest_pending_seconds",
            "Age of the oldest message waiting to be sent (0 if none waits)",
            outbox_oldest_seconds.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "database_pool_connections",
            "Open connections of this instance's database pool",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "database_pool_idle_connections",
            "Of those, the ones not in use",
            pool_idle.clone(),
        );
        Self {
            registry,
            requests,
            bookings,
            runs,
            run_seconds,
            run_gap,
            outbox_pending,
            outbox_oldest_seconds,
            pool_connections,
            pool_idle,
        }
    }
}

impl Metrics {
    /// Counts what a booking gave its appointments, each `proposed` or `unfilled`, or the
    /// booking `refused`.
    pub fn booked(&self, result: &Result<Booking, AppError>) {
        let count = |outcome: &str| {
            let outcome = outcome.to_owned();
            self.bookings.get_or_create(&OutcomeLabels { outcome }).inc();
        };
        match result {
            Ok(booking) if booking.occurrences.is_empty() => {
                count(booking.appointment.status.as_str());
            }
            Ok(booking) => booking.occurrences.iter().for_each(|a| count(a.status.as_str())),
            Err(_) => count("refused"),
        }
    }

    /// Reads what the database holds and encodes everything in the Prometheus text format.
    ///
    /// # Errors
    /// Database errors.
    pub async fn render(&self, db: &DatabaseConnection) -> Result<String, DbErr> {
        self.read_database(db).await?;
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)
            .map_err(|e| DbErr::Custom(format!("encoding the metrics: {e}")))?;
        Ok(text)
    }

    async fn read_database(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let rows = |sql: &str| db.query_all_raw(Statement::from_string(backend, sql.to_owned()));
        for row in rows("SELECT status, COUNT(*) AS n FROM planning_run GROUP BY status").await? {
            let status = row.try_get::<String>("", "status")?;
            self.runs.get_or_create(&StatusLabels { status }).set(row.try_get::<i64>("", "n")?);
        }
        let latest = "SELECT o.slug AS slug, r.duration_ms AS ms, r.gap AS gap \
                      FROM planning_run r JOIN organisation o ON o.id = r.organisation_id \
                      WHERE r.id = (SELECT MAX(l.id) FROM planning_run l \
                                    WHERE l.organisation_id = r.organisation_id \
                                      AND l.status = 'applied')";
        for row in rows(latest).await? {
            let organisation = OrganisationLabels { organisation: row.try_get("", "slug")? };
            let ms: Option<i64> = row.try_get("", "ms")?;
            let gap: Option<f64> = row.try_get("", "gap")?;
            #[allow(clippy::cast_precision_loss)]
            self.run_seconds.get_or_create(&organisation).set(ms.unwrap_or(0) as f64 / 1000.0);
            self.run_gap.get_or_create(&organisation).set(gap.unwrap_or(0.0));
        }
        let outbox = "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox \
                      WHERE status = 'pending'";
        if let Some(row) = rows(outbox).await?.first() {
            self.outbox_pending.set(row.try_get::<i64>("", "n")?);
            let oldest: Option<DateTime<Utc>> = row.try_get("", "oldest")?;
            let age = oldest.map_or(0.0, |at| (Utc::now() - at).as_seconds_f64().max(0.0));
            self.outbox_oldest_seconds.set(age);
        }
        let (size, idle) = match backend {
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        self.pool_connections.set(i64::from(size));
        self.pool_idle.set(i64::try_from(idle).unwrap_or(i64::MAX));
        Ok(())
    }
}

/// Middleware: times every request and counts it under its route template.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unrouted)".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels { method, route, status })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The operators' router: `GET /metrics` only.
pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.db).await {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "reading the metrics failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
