//! Solving the independent parts on worker threads within the time limit.
//!
//! Parts are taken smallest first, each with a share of the time left in proportion to its
//! open pairs, so that small parts are proven at once and the large ones get the rest. A
//! part publishes every better answer as soon as it has one; whatever is published when the
//! time is up is the answer, so a solver that overruns its limit never delays the plan.
//!
//! A part small enough goes to the exact model (`milp`) directly. A large one first gets a
//! plan and a bound from the decomposition into weeks (`lagrange`), then improves that plan
//! group by group (`lns`), and gives the whole model whatever time is left.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::instance::Instance;
use super::{lagrange, lns, milp};

/// One part for the exact solver: its open pairs and a feasible start among them.
pub struct Job {
    pub open: Vec<usize>,
    pub start: Vec<usize>,
}

/// The best known answer of a part.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub chosen: Vec<usize>,
    /// Upper bound on the part's covered priority, once one is proven.
    pub bound: Option<u64>,
    pub variables: usize,
    pub constraints: usize,
}

type Shared = Arc<Mutex<Vec<Option<Answer>>>>;

/// Solves the jobs until `until`; answers are read at that moment. `None`: a job never started.
pub fn run(instance: &Arc<Instance>, jobs: Vec<Job>, until: Instant) -> Vec<Option<Answer>> {
    let count = jobs.len();
    let answers: Shared = Arc::new(Mutex::new(vec![None; count]));
    if count == 0 {
        return Vec::new();
    }
    let mut order: Vec<(usize, Job)> = jobs.into_iter().enumerate().collect();
    order.sort_by_key(|(n, job)| (std::cmp::Reverse(job.open.len()), std::cmp::Reverse(*n)));
    // Popped from the back: the smallest first.
    let queue = Arc::new(Mutex::new(order));
    let (done, finished) = mpsc::channel();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count);
    for _ in 0..workers {
        let (queue, answers, done) = (Arc::clone(&queue), Arc::clone(&answers), done.clone());
        let instance = Arc::clone(instance);
        std::thread::spawn(move || {
            loop {
                let next = queue.lock().ok().and_then(|mut q| {
                    let left: usize = q.iter().map(|(_, j)| j.open.len()).sum();
                    q.pop().map(|(n, job)| (n, job, left))
                });
                let Some((n, job, left)) = next else { break };
                // This part's share of the time left, among the workers.
                let share = (workers * job.open.len()) as f64 / left.max(1) as f64;
                let own = Instant::now()
                    + until.saturating_duration_since(Instant::now()).mul_f64(share.min(1.0));
                let publish = |answer: Answer| {
                    if let Ok(mut all) = answers.lock() {
                        all[n] = Some(answer);
                    }
                };
                solve_part(&instance, &job, own, &publish);
                if done.send(n).is_err() {
                    break;
                }
            }
        });
    }
    drop(done);
    for _ in 0..count {
        if finished.recv_timeout(until.saturating_duration_since(Instant::now())).is_err() {
            break;
        }
    }
    answers.lock().map(|a| a.clone()).unwrap_or_else(|_| vec![None; count])
}

fn value(instance: &Instance, chosen: &[usize]) -> u64 {
    chosen.iter().map(|&p| u64::from(instance.appts[instance.pairs[p].appt].priority)).sum()
}

fn solve_part(instance: &Instance, job: &Job, until: Instant, publish: &dyn Fn(Answer)) {
    let seconds = |from: Instant| until.saturating_duration_since(from).as_secs_f64();
    if job.open.len() <= 2 * lns::GROUP_PAIRS {
        if let Ok(outcome) = milp::solve(instance, &job.open, &job.start, seconds(Instant::now())) {
            publish(Answer {
                chosen: outcome.chosen,
                bound: Some(outcome.bound),
                variables: outcome.variables,
                constraints: outcome.constraints,
            });
        }
        return;
    }
    // Too large to solve whole in time.
    let (variables, constraints) = milp::size(instance, &job.open).unwrap_or_default();
    let mut best = Answer { chosen: job.start.clone(), variables, constraints, bound: None };
    if let Some(decomposition) = lagrange::Decomposition::new(instance, &job.open) {
        let found =
            decomposition.run(&job.start, Instant::now() + (until - Instant::now().min(until)) / 4);
        best.chosen = found.chosen;
        best.bound = found.bound;
        publish(best.clone());
        if found.bound == Some(found.value) {
            return;
        }
    }
    let bound = best.bound;
    let better = |chosen: &[usize]| {
        publish(Answer { chosen: chosen.to_vec(), bound, variables, constraints })
    };
    best.chosen = lns::improve(instance, &job.open, best.chosen, until, &better);
    let left = seconds(Instant::now());
    if left < 0.5 {
        return;
    }
    if let Ok(outcome) = milp::solve(instance, &job.open, &best.chosen, left) {
        if value(instance, &outcome.chosen) >= value(instance, &best.chosen) {
            best.chosen = outcome.chosen;
        }
        best.bound = Some(best.bound.map_or(outcome.bound, |b| b.min(outcome.bound)));
        publish(best);
    }
}
