//! The load run's figures: per mix and request, how many were answered, the throughput, and
//! the latency percentiles (nearest rank over every sample, no histogram buckets), as a table
//! and as JSON rows.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::workload::{Measured, Operation, Pace};

/// Latency figures of a set of samples, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub requests: usize,
    pub failed: usize,
    pub per_second: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The nearest-rank percentile `q` (0–1) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (sorted.len() as f64 * q).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

/// The figures of `latencies` over `seconds`.
pub fn figures(latencies: &[Duration], failed: usize, seconds: f64) -> Figures {
    let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    Figures {
        requests: ms.len(),
        failed,
        per_second: ms.len() as f64 / seconds.max(f64::EPSILON),
        p50: percentile(&ms, 0.50),
        p95: percentile(&ms, 0.95),
        p99: percentile(&ms, 0.99),
        max: ms.last().copied().unwrap_or(0.0),
    }
}

/// Figures per operation of one run, and of all its requests (`None`, last).
pub fn by_operation(measured: &Measured) -> Vec<(Option<Operation>, Figures)> {
    let mut groups: BTreeMap<Operation, (Vec<Duration>, usize)> = BTreeMap::new();
    for sample in &measured.samples {
        let group = groups.entry(sample.operation).or_default();
        group.0.push(sample.latency);
        group.1 += usize::from(sample.failed);
    }
    let mut rows: Vec<(Option<Operation>, Figures)> = groups
        .iter()
        .map(|(op, (latencies, failed))| (Some(*op), figures(latencies, *failed, measured.seconds)))
        .collect();
    let all: Vec<Duration> = measured.samples.iter().map(|s| s.latency).collect();
    let failed = measured.samples.iter().filter(|s| s.failed).count();
    rows.push((None, figures(&all, failed, measured.seconds)));
    rows
}

pub fn print_header() {
    println!(
        "{:<8} {:<7} {:<24} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "mix",
        "pace",
        "request",
        "answered",
        "per s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "failed"
    );
}

pub fn print_rows(measured: &Measured, rows: &[(Option<Operation>, Figures)]) {
    let pace = match measured.phase.pace {
        Pace::Closed => "closed".to_owned(),
        Pace::Pause(p) => format!("{:.1}s", p.as_secs_f64()),
    };
    for (operation, f) in rows {
        println!(
            "{:<8} {:<7} {:<24} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>7}",
            measured.phase.mix.name(),
            pace,
            operation.map_or("all", Operation::label),
            f.requests,
            f.per_second,
            f.p50,
            f.p95,
            f.p99,
            f.max,
            f.failed
        );
    }
    if let Some(cpu) = measured.cpu {
        let seconds = measured.seconds.max(f64::EPSILON);
        let answered = measured.samples.len().max(1) as f64;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        println!(
            "{:<8} {:<7} processors: the service {:.2} and the load generator {:.2} of {cores} \
             cores; the service {:.2} ms per request",
            "",
            "",
            cpu.service.as_secs_f64() / seconds,
            cpu.generator.as_secs_f64() / seconds,
            cpu.service.as_secs_f64() * 1000.0 / answered,
        );
    }
}

/// The service's processor time per answered request of a run, in milliseconds.
fn service_cpu_ms_per_request(measured: &Measured) -> Option<f64> {
    let answered = measured.samples.len().max(1) as f64;
    measured.cpu.map(|cpu| cpu.service.as_secs_f64() * 1000.0 / answered)
}

/// One JSON row per request of a run and one for all of them (`"request": "all"`, which alone
/// carries the service's processor time per request).
pub fn json_rows(
    backend: &str,
    measured: &Measured,
    rows: &[(Option<Operation>, Figures)],
) -> Vec<Value> {
    let pace = match measured.phase.pace {
        Pace::Closed => "closed",
        Pace::Pause(_) => "paced",
    };
    rows.iter()
        .map(|(operation, f)| {
            let mut row = json!({
                "backend": backend,
                "mix": measured.phase.mix.name(),
                "pace": pace,
                "request": operation.map_or("all", Operation::label),
                "answered": f.requests,
                "per_s": f.per_second,
                "p50_ms": f.p50,
                "p95_ms": f.p95,
                "p99_ms": f.p99,
                "max_ms": f.max,
                "failed": f.failed,
            });
            if operation.is_none() {
                row["service_cpu_ms_per_request"] = json!(service_cpu_ms_per_request(measured));
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.50), 50.0);
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&values, 1.0), 100.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn figures_count_throughput_over_the_measured_time() {
        let latencies = vec![Duration::from_millis(2); 500];
        let f = figures(&latencies, 3, 10.0);
        assert_eq!(f.requests, 500);
        assert_eq!(f.failed, 3);
        assert!((f.per_second - 50.0).abs() < 1e-9);
        assert!((f.p99 - 2.0).abs() < 1e-9);
    }
}
