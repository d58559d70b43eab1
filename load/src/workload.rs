//! What the simulated users do. Each holds one connection. Without a pause, a user sends its
//! next request as soon as the last is answered (a closed loop, as oha and wrk do): `clients`
//! requests are always in flight and the throughput is the service's capacity. With a pause,
//! each user sends at random moments, on average one request per pause (an open loop: the
//! requests of all users together arrive as a Poisson stream). A request that could not be
//! sent when due, because its user still waited for the previous answer, is timed from the
//! moment it was due, so a slow answer also counts against the requests that waited for it.
//!
//! Three mixes: caseworkers only booking; only reading (caseworkers their appointment lists,
//! single appointments, the pool and their account, one user in ten a team lead reading the
//! coverage of the next four weeks); and both, one request in ten a booking.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Days;
use http::Method;
use rand::{Rng, SeedableRng};
use tokio::sync::Mutex;

use crate::client::Connection;
use crate::cpu;
use crate::setup::Fixture;

/// A mix of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    Booking,
    Reading,
    Mixed,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Booking => "booking",
            Mix::Reading => "reading",
            Mix::Mixed => "mixed",
        }
    }
}

/// The requests, as the report names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    Book,
    ListAppointments,
    Appointment,
    Pool,
    Me,
    Coverage,
}

impl Operation {
    pub fn label(self) -> &'static str {
        match self {
            Operation::Book => "POST /appointments",
            Operation::ListAppointments => "GET /appointments",
            Operation::Appointment => "GET /appointments/{id}",
            Operation::Pool => "GET /interpreters",
            Operation::Me => "GET /me",
            Operation::Coverage => "GET /coverage",
        }
    }
}

/// One answered request.
pub struct Sample {
    pub operation: Operation,
    pub latency: Duration,
    /// The status was not the one the request must get.
    pub failed: bool,
}

/// What one mix measured.
pub struct Measured {
    pub phase: Phase,
    pub samples: Vec<Sample>,
    /// The measured interval (after the warm-up).
    pub seconds: f64,
    /// The first few failures, as status and body, to show.
    pub failures: Vec<String>,
    /// Processor time over the measured interval, where it can be read.
    pub cpu: Option<cpu::Usage>,
}

/// State the users share: the next booking to make, and appointments booked so far (which
/// the reading users look at).
pub struct Shared {
    next_booking: AtomicUsize,
    booked: Mutex<Vec<Vec<i64>>>,
}

impl Shared {
    pub fn new(clients: usize) -> Arc<Self> {
        Arc::new(Self {
            next_booking: AtomicUsize::new(0),
            booked: Mutex::new(vec![Vec::new(); clients]),
        })
    }
}

/// How often each user sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// The next request as soon as the last is answered.
    Closed,
    /// On average one request per this interval, at random moments.
    Pause(Duration),
}

/// How long and how hard one mix runs.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    pub mix: Mix,
    pub pace: Pace,
    pub clients: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// Runs a phase; samples of the warm-up are dropped.
///
/// # Errors
/// A connection cannot be opened or breaks.
pub async fn run(
    (addr, service_pid): (SocketAddr, u32),
    fixture: &Arc<Fixture>,
    shared: &Arc<Shared>,
    phase: Phase,
) -> Result<Measured, String> {
    let Phase { mix, pace, clients, warmup, duration } = phase;
    let started = Instant::now();
    let measure_from = started + warmup;
    let until = measure_from + duration;
    let mut users = Vec::with_capacity(clients);
    for n in 0..clients {
        let fixture = Arc::clone(fixture);
        let shared = Arc::clone(shared);
        users.push(tokio::spawn(async move {
            user(addr, &fixture, &shared, (mix, pace), n, measure_from, until).await
        }));
    }
    let cpu = tokio::spawn(async move {
        use cpu::used_by;
        tokio::time::sleep_until(measure_from.into()).await;
        let start = (used_by(service_pid)?, used_by(std::process::id())?);
        tokio::time::sleep_until(until.into()).await;
        let end = (used_by(service_pid)?, used_by(std::process::id())?);
        Some(cpu::Usage {
            service: end.0.saturating_sub(start.0),
            generator: end.1.saturating_sub(start.1),
        })
    });
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for handle in users {
        let (mut s, mut f) = handle.await.map_err(|e| e.to_string())??;
        samples.append(&mut s);
        failures.append(&mut f);
    }
    failures.truncate(5);
    let cpu = cpu.await.map_err(|e| e.to_string())?;
    Ok(Measured { phase, samples, seconds: duration.as_secs_f64(), failures, cpu })
}

/// The user's part in the mix: one in ten is a team lead when reading; when mixing, every tenth
/// request of a caseworker is a booking.
fn next_operation(mix: Mix, user: usize, k: usize, has_booked: bool) -> Operation {
    let team_lead = user % 10 == 9;
    match mix {
        Mix::Booking => Operation::Book,
        Mix::Mixed if !team_lead && k.is_multiple_of(10) => Operation::Book,
        _ if team_lead => Operation::Coverage,
        _ => match k % 4 {
            0 => Operation::ListAppointments,
            1 if has_booked => Operation::Appointment,
            1 | 2 => Operation::Pool,
            _ => Operation::Me,
        },
    }
}

async fn user(
    addr: SocketAddr,
    fixture: &Fixture,
    shared: &Shared,
    (mix, pace): (Mix, Pace),
    n: usize,
    measure_from: Instant,
    until: Instant,
) -> Result<(Vec<Sample>, Vec<String>), String> {
    let team_lead = mix != Mix::Booking && n % 10 == 9;
    let token = if team_lead {
        &fixture.team_lead
    } else {
        &fixture.caseworkers[n % fixture.caseworkers.len()]
    };
    let mut connection = Connection::open(addr, token).await?;
    let today =
        sprachpool::services::now().with_timezone(&sprachpool::domain::time::BERLIN).date_naive();
    let in_four_weeks = today + Days::new(28);
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    let mut k = n;
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let mut due = Instant::now();
    let mut previous_answered: Option<Instant> = None;
    loop {
        due = match pace {
            Pace::Closed => Instant::now(),
            Pace::Pause(mean) => {
                // Exponential pauses: each user, and all of them together, a Poisson stream.
                let u: f64 = rng.random_range(f64::EPSILON..1.0);
                due + mean.mul_f64(-u.ln())
            }
        };
        if due >= until {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        // One of the user's own bookings, to read back.
        let own = {
            let booked = shared.booked.lock().await;
            booked[n].get(k % booked[n].len().max(1)).copied()
        };
        let operation = next_operation(mix, n, k, own.is_some());
        let (method, path, body, expected) = match operation {
            Operation::Book => {
                let i = shared.next_booking.fetch_add(1, Ordering::Relaxed);
                let mut body = fixture.bookings[i % fixture.bookings.len()].clone();
                // Each caseworker books for clients of their own, returning ones as well as new.
                body["client_ref"] = format!("LOAD-{n:03}-{:03}", i % 100).into();
                (Method::POST, "/api/v1/appointments".to_owned(), Some(body.to_string()), 201)
            }
            Operation::ListAppointments => {
                (Method::GET, format!("/api/v1/appointments?from={today}"), None, 200)
            }
            Operation::Appointment => {
                let id = own.unwrap_or_default();
                (Method::GET, format!("/api/v1/appointments/{id}"), None, 200)
            }
            Operation::Pool => {
                (Method::GET, "/api/v1/interpreters?language=ar".to_owned(), None, 200)
            }
            Operation::Me => (Method::GET, "/api/v1/me".to_owned(), None, 200),
            Operation::Coverage => (
                Method::GET,
                format!("/api/v1/coverage?from={today}&to={in_four_weeks}"),
                None,
                200,
            ),
        };
        // A request sent late because the user still waited for the previous answer is timed
        // from when it was due: that wait is the service's. One sent on time is timed from
        // sending, so that the timer's own lateness (up to a millisecond) is not counted.
        let late = previous_answered.is_some_and(|answered| answered > due);
        let answer = connection.send(method, &path, body).await?;
        let latency = if late { due.elapsed() } else { answer.latency };
        previous_answered = Some(Instant::now());
        let failed = answer.status.as_u16() != expected;
        if failed && failures.len() < 5 {
            failures.push(format!(
                "{} {}: {}",
                operation.label(),
                answer.status,
                String::from_utf8_lossy(&answer.body).chars().take(300).collect::<String>()
            ));
        }
        if operation == Operation::Book && !failed {
            let id = serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v["id"].as_i64());
            if let Some(id) = id {
                shared.booked.lock().await[n].push(id);
            }
        }
        if due >= measure_from {
            samples.push(Sample { operation, latency, failed });
        }
        k += 1;
    }
    Ok((samples, failures))
}
