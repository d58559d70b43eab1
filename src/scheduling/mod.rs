//! The optimiser: a planning problem in, a plan out. Pure and synchronous: no database, no
//! HTTP. The contract is `PROBLEM_FORMAT.md`.
//!
//! The steps: check the problem (`validate`), compile it and find every eligible pair
//! (`instance`), plan greedily (`greedy`), split into independent parts (`components`), settle
//! what dominance allows (`reduce`), and solve the parts on worker threads within the time
//! limit (`parts`): each exactly with HiGHS (`milp`) from the greedy plan, or, when a part is
//! too large for that, by a decomposition into interpreters' weeks that gives a plan and a
//! bound (`lagrange`), improved group by group with exact sub-models (`lns`). A part the
//! greedy plan already covers completely is optimal as it is.

pub mod check;
pub mod components;
pub mod format;
pub mod generate;
pub mod greedy;
pub mod instance;
pub mod lagrange;
pub mod lns;
pub mod locate;
pub mod milp;
pub mod parts;
pub mod reduce;
pub mod validate;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use format::{Assignment, PLAN_FORMAT, Plan, PlanStatus, Problem, Reason, Unassigned};
use instance::Instance;
pub use validate::Inconsistency;

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveOptions {
    /// Wall time the whole solve may take; at most [`MAX_TIME_LIMIT`].
    pub time_limit: Duration,
    /// `false`: the greedy plan only.
    pub exact: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self { time_limit: Duration::from_secs(10), exact: true }
    }
}

/// Figures about a solve, for the bench table.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub components: usize,
    pub exact_components: usize,
    pub variables: usize,
    pub constraints: usize,
    pub greedy_value: u64,
}

/// The plan with the figures behind it.
#[derive(Debug, Clone)]
pub struct Solved {
    pub plan: Plan,
    pub stats: Stats,
}

/// The longest a solve runs, whatever its time limit says: a day is far beyond any planning
/// run, and a deadline that far ahead always fits an `Instant`.
pub const MAX_TIME_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Part of the time limit kept back for solvers that overrun theirs, and for writing the plan.
const MARGIN: f64 = 0.05;

/// Plans the problem.
///
/// # Errors
/// The problem's inconsistencies (a shape error is caught earlier, by parsing).
pub fn solve(problem: &Problem, options: SolveOptions) -> Result<Solved, Vec<Inconsistency>> {
    let started = Instant::now();
    let until = started + options.time_limit.min(MAX_TIME_LIMIT).mul_f64(1.0 - MARGIN);
    let found = validate::validate(problem);
    if !found.is_empty() {
        return Err(found);
    }
    let instance = Arc::new(instance::compile(problem));
    let greedy = greedy::plan(&instance);
    let value = |chosen: &[usize]| -> u64 {
        chosen.iter().map(|&p| u64::from(instance.appts[instance.pairs[p].appt].priority)).sum()
    };
    let mut stats = Stats {
        greedy_value: greedy
            .iter()
            .flatten()
            .map(|&p| u64::from(instance.appts[instance.pairs[p].appt].priority))
            .sum(),
        ..Stats::default()
    };

    let all_pairs: Vec<usize> = (0..instance.pairs.len()).collect();
    let components = components::split(&instance, &all_pairs);
    stats.components = components.len();

    let mut chosen: Vec<usize> = Vec::new();
    let mut bound = 0u64;
    let mut proven = true;
    let mut jobs = Vec::new();
    let mut parts = Vec::new();
    for component in &components {
        let from_greedy: Vec<usize> = component.appts.iter().filter_map(|&a| greedy[a]).collect();
        let total: u64 =
            component.appts.iter().map(|&a| u64::from(instance.appts[a].priority)).sum();
        if from_greedy.len() == component.appts.len() {
            // Every appointment of the part is covered: nothing can be better.
            bound += total;
            chosen.extend(from_greedy);
            continue;
        }
        if !options.exact {
            bound += total;
            proven = false;
            chosen.extend(from_greedy);
            continue;
        }
        let reduced = reduce::reduce(&instance, component);
        let settled_appts: HashSet<usize> =
            reduced.settled.iter().map(|&p| instance.pairs[p].appt).collect();
        let start: Vec<usize> = from_greedy
            .iter()
            .copied()
            .filter(|&p| !settled_appts.contains(&instance.pairs[p].appt))
            .collect();
        parts.push(Part { reduced, from_greedy, total });
        jobs.push(parts::Job { open: parts[parts.len() - 1].reduced.open.clone(), start });
    }

    let answers = parts::run(&instance, jobs, until);
    for (job, answer) in parts.iter().zip(answers) {
        let settled_value = value(&job.reduced.settled);
        let fallback = |proven: &mut bool| {
            *proven = false;
            (job.from_greedy.clone(), job.total)
        };
        let (mut picked, part_bound) = match answer {
            Some(answer) => {
                stats.exact_components += 1;
                stats.variables += answer.variables;
                stats.constraints += answer.constraints;
                let mut picked = job.reduced.settled.clone();
                picked.extend(&answer.chosen);
                (picked, answer.bound.map_or(job.total, |b| settled_value + b))
            }
            None => fallback(&mut proven),
        };
        // The exact plan is never worse than the greedy one.
        if value(&picked) < value(&job.from_greedy) {
            picked = job.from_greedy.clone();
        }
        let part_bound = part_bound.max(value(&picked));
        if value(&picked) < part_bound {
            proven = false;
        }
        bound += part_bound;
        chosen.extend(picked);
    }

    let plan = assemble(problem, &instance, &chosen, bound, proven, options.exact, started);
    Ok(Solved { plan, stats })
}

/// A part with what the exact solver does not see: the pairs settled by dominance and the
/// greedy plan to fall back on.
struct Part {
    reduced: reduce::Reduced,
    from_greedy: Vec<usize>,
    total: u64,
}

fn assemble(
    problem: &Problem,
    instance: &Instance,
    chosen: &[usize],
    bound: u64,
    proven: bool,
    exact: bool,
    started: Instant,
) -> Plan {
    let mut by_appt = vec![None; instance.appts.len()];
    for &p in chosen {
        by_appt[instance.pairs[p].appt] = Some(instance.pairs[p].interp);
    }
    let mut assignments = Vec::new();
    let mut unassigned = Vec::new();
    let mut covered = 0u64;
    for (a, appointment) in problem.appointments.iter().enumerate() {
        match by_appt[a] {
            Some(i) => {
                covered += u64::from(appointment.priority);
                assignments.push(Assignment {
                    appointment: appointment.id.clone(),
                    interpreter: problem.interpreters[i].id.clone(),
                });
            }
            None => {
                let (reason, detail) = instance.excluded[a].clone().unwrap_or_else(|| {
                    let n = instance.candidates[a].len();
                    (
                        Reason::Capacity,
                        format!(
                            "{n} interpreter{} could take it, but the plan needs {} for other appointments of \
                             equal or higher priority, or their caps are reached.",
                            if n == 1 { "" } else { "s" },
                            if n == 1 { "them" } else { "all of them" }
                        ),
                    )
                });
                unassigned.push(Unassigned { appointment: appointment.id.clone(), reason, detail });
            }
        }
    }
    let status = if proven && covered >= bound {
        PlanStatus::Optimal
    } else if exact {
        PlanStatus::TimeLimit
    } else {
        PlanStatus::Heuristic
    };
    Plan {
        format: PLAN_FORMAT.to_owned(),
        status,
        covered_priority: covered,
        bound: bound.max(covered),
        solve_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        assignments,
        unassigned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use generate::{Spec, generate};

    fn small(seed: u64) -> Problem {
        let spec = Spec {
            name: "small".into(),
            interpreters: 25,
            appointments: 300,
            sites: 5,
            first_day: chrono::NaiveDate::from_ymd_opt(2026, 3, 23).unwrap(),
            weeks: 2,
            dense: false,
        };
        generate(&spec, seed)
    }

    #[test]
    fn a_generated_problem_is_solved_within_the_rules() {
        let problem = small(7);
        assert!(validate::validate(&problem).is_empty());
        let solved = solve(&problem, SolveOptions::default()).unwrap();
        let broken = check::check(&problem, &solved.plan);
        assert!(broken.is_empty(), "{broken:#?}");
        assert_eq!(
            solved.plan.assignments.len() + solved.plan.unassigned.len(),
            problem.appointments.len()
        );
        assert!(solved.plan.covered_priority >= solved.stats.greedy_value);
        eprintln!(
            "status {:?} value {} bound {} greedy {} comps {} exact {} vars {} rows {} ms {}",
            solved.plan.status,
            solved.plan.covered_priority,
            solved.plan.bound,
            solved.stats.greedy_value,
            solved.stats.components,
            solved.stats.exact_components,
            solved.stats.variables,
            solved.stats.constraints,
            solved.plan.solve_ms
        );
    }
}
