//! `sprachpool solve`: reads a problem file, writes the plan. Bad input is reported with the
//! file, line and field, and exit code 2.

use std::path::Path;
use std::time::Duration;

use crate::scheduling::format::{Plan, Problem};
use crate::scheduling::{self, SolveOptions, check, locate};

/// Why `solve` stopped.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The problem file is malformed or inconsistent: exit code 2.
    #[error("{0}")]
    BadInput(String),
    /// Anything else (reading, writing, a plan that breaks a rule): exit code 1.
    #[error("{0}")]
    Failed(String),
}

/// Parses a problem, naming the file, line, column and field of the first shape error.
///
/// # Errors
/// [`SolveError::BadInput`] for JSON that is not a problem.
pub fn parse(name: &str, text: &str) -> Result<Problem, SolveError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let problem: Problem = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        SolveError::BadInput(format!(
            "{name}:{}:{}: {path}: {message}",
            inner.line(),
            inner.column()
        ))
    })?;
    de.end()
        .map_err(|e| SolveError::BadInput(format!("{name}:{}:{}: {e}", e.line(), e.column())))?;
    Ok(problem)
}

/// The `--time-limit` in seconds as a duration: at least a nanosecond and at most
/// [`scheduling::MAX_TIME_LIMIT`]. Checked before converting, because the conversion panics
/// on a negative, infinite or huge number.
///
/// # Errors
/// A sentence naming the option, for a limit outside those bounds or not a number.
pub fn time_limit(seconds: f64) -> Result<Duration, String> {
    let most = scheduling::MAX_TIME_LIMIT;
    Some(seconds)
        .filter(|s| *s > 0.0 && *s <= most.as_secs_f64())
        .map(Duration::from_secs_f64)
        .filter(|limit| !limit.is_zero())
        .ok_or_else(|| {
            format!(
                "--time-limit must be a number of seconds above 0 and at most {}",
                most.as_secs()
            )
        })
}

/// Reads, solves and writes.
///
/// # Errors
/// See [`SolveError`].
pub fn run(
    problem_file: &Path,
    out: Option<&Path>,
    time_limit: f64,
    verify: bool,
) -> Result<Plan, SolveError> {
    let name = problem_file.display().to_string();
    let text = std::fs::read_to_string(problem_file)
        .map_err(|e| SolveError::Failed(format!("cannot read {name}: {e}")))?;
    let problem = parse(&name, &text)?;
    let options = SolveOptions {
        time_limit: self::time_limit(time_limit).map_err(SolveError::BadInput)?,
        exact: true,
    };
    let solved = scheduling::solve(&problem, options).map_err(|found| {
        let lines: Vec<String> = found
            .iter()
            .map(|i| match locate::line_of(&text, &i.path) {
                Some(line) => format!("{name}:{line}: {}: {}", i.path, i.message),
                None => format!("{name}: {}: {}", i.path, i.message),
            })
            .collect();
        SolveError::BadInput(lines.join("\n"))
    })?;
    if verify {
        let broken = check::check(&problem, &solved.plan);
        if !broken.is_empty() {
            return Err(SolveError::Failed(format!(
                "the plan breaks rules:\n{}",
                broken.join("\n")
            )));
        }
        eprintln!("check: the plan keeps every hard rule");
    }
    let json = serde_json::to_string_pretty(&solved.plan)
        .map_err(|e| SolveError::Failed(e.to_string()))?;
    match out {
        Some(path) => std::fs::write(path, json + "\n")
            .map_err(|e| SolveError::Failed(format!("cannot write {}: {e}", path.display())))?,
        None => println!("{json}"),
    }
    let plan = solved.plan;
    eprintln!(
        "{}: {} of {} appointments assigned, covered priority {} (bound {}), {} ms",
        plan.status.as_str(),
        plan.assignments.len(),
        problem.appointments.len(),
        plan.covered_priority,
        plan.bound,
        plan.solve_ms
    );
    Ok(plan)
}
