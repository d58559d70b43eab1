//! Processor time the service and the load generator use while a mix is measured, read from
//! Linux's `/proc/<pid>/stat`. Both run on the same machine, so this shows whether the
//! processors, rather than the service's locks, are what bounds the throughput.

use std::time::Duration;

/// User and system time a process has used so far, over all its threads; `None` where there
/// is no `/proc` (not Linux) or the process is gone.
pub fn used_by(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat, rustix::param::clock_ticks_per_second())
}

/// Fields 14 and 15 of `stat` (utime and stime, in clock ticks). The command name in field 2
/// may hold spaces and parentheses, so the fields are counted from the last `)`.
fn parse_stat(stat: &str, ticks_per_second: u64) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_ascii_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    if ticks_per_second == 0 {
        return None;
    }
    Some(Duration::from_secs_f64((user + system) as f64 / ticks_per_second as f64))
}

/// Processor time over the measured interval of one mix.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub service: Duration,
    pub generator: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_and_stime_are_read_after_the_command_name() {
        // pid, (comm with a space and a parenthesis), state, then fields 4–13, utime, stime, …
        let stat = "4242 (sprach pool)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9";
        assert_eq!(parse_stat(stat, 100), Some(Duration::from_millis(3250)));
        assert_eq!(parse_stat("4242 (x) S 1", 100), None);
        assert_eq!(parse_stat(stat, 0), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_running_process_time_is_read() {
        let before = used_by(std::process::id()).expect("this process's own stat");
        // Busy until a clock tick has been counted, so the reading is seen to move.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while used_by(std::process::id()) == Some(before) {
            assert!(std::time::Instant::now() < deadline, "no processor time counted in 10 s");
            std::hint::black_box((0..10_000u64).sum::<u64>());
        }
        assert_eq!(used_by(u32::MAX), None);
    }
}
