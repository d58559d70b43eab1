//! The exact model of one component, built with good_lp and solved by HiGHS.
//!
//! Binary `x[p]` for each open pair. Rows: at most one interpreter per appointment; per
//! interpreter one row per maximal clique of overlapping appointments (the interval graph's
//! cliques, found by a sweep) and one row per pair that overlaps only once travel between sites
//! is added; daily and weekly minute caps net of confirmed work, where they can bind.
//!
//! Objective: the sum of priorities, plus terms worth less than half a priority point in total
//! for the lower levels (keep the proposal, the previous interpreter, the own site; then a
//! convex penalty on each interpreter's weekly load above half and three quarters of the cap).
//! Whatever those terms add, a plan with more covered priority always scores higher, so the
//! first level is exact; its bound is the solver's dual bound plus that half point, rounded
//! down.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, SolverModel, Variable, constraint, variable};

use super::instance::{Instance, PREFER_PREVIOUS, PREFER_PROPOSED, PREFER_SAME_SITE};

/// The part of the objective the lower levels may take, in priority points.
pub(crate) const PREFERENCE_BUDGET: f64 = 0.2;
pub(crate) const FAIRNESS_BUDGET: f64 = 0.2;

/// What a solve found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Chosen pairs.
    pub chosen: Vec<usize>,
    /// Upper bound on the covered priority of this component.
    pub bound: u64,
    pub variables: usize,
    pub constraints: usize,
}

/// Size of a model.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    pub variables: usize,
    pub constraints: usize,
}

/// A built model with what is needed to read it back.
struct Built {
    model: highs::Model,
    /// Columns of the penalty variables: (over half, over three quarters, cap, fixed, pairs).
    fairness: Vec<(usize, usize, f64, f64, Vec<usize>)>,
    size: Size,
    /// Sum of the priorities of the component's appointments: a bound needing no solver.
    all: u64,
}

/// Builds the model of the open pairs.
fn build(instance: &Instance, open: &[usize]) -> Result<Built, String> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = open.iter().map(|_| vars.add(variable().binary())).collect();

    let mut by_appt: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_interp: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &p) in open.iter().enumerate() {
        by_appt.entry(instance.pairs[p].appt).or_default().push(k);
        by_interp.entry(instance.pairs[p].interp).or_default().push(k);
    }

    let max_preference = f64::from(PREFER_PROPOSED + PREFER_PREVIOUS + PREFER_SAME_SITE);
    let per_point = PREFERENCE_BUDGET / (max_preference * by_appt.len().max(1) as f64);
    let mut objective = Expression::from(0.0);
    for (k, &p) in open.iter().enumerate() {
        let pair = instance.pairs[p];
        let priority = f64::from(instance.appts[pair.appt].priority);
        objective.add_mul(priority + per_point * f64::from(pair.preference), x[k]);
    }

    // Fairness: per interpreter and week, penalise load above 1/2 and (twice) above 3/4 of the
    // cap. Columns are numbered in the order they are added: the pairs first, then two per group.
    let mut fairness_rows = Vec::new();
    let mut fairness = Vec::new();
    let mut loads: BTreeMap<(usize, (i32, u32)), Vec<usize>> = BTreeMap::new();
    for (k, &p) in open.iter().enumerate() {
        let pair = instance.pairs[p];
        loads.entry((pair.interp, instance.appts[pair.appt].week)).or_default().push(k);
    }
    let minutes_of = |k: usize| instance.appts[instance.pairs[open[k]].appt].secs as f64 / 60.0;
    let heavy: Vec<_> = loads
        .iter()
        .filter(|((i, week), ks)| {
            let cap = instance.interps[*i].weekly_cap as f64 / 60.0;
            let fixed = week_load(instance, *i, *week) as f64 / 60.0;
            cap > 0.0 && fixed + ks.iter().map(|&k| minutes_of(k)).sum::<f64>() > cap / 2.0
        })
        .collect();
    let per_group = FAIRNESS_BUDGET / heavy.len().max(1) as f64;
    for ((i, week), ks) in heavy {
        let cap_min = instance.interps[*i].weekly_cap as f64 / 60.0;
        let fixed_min = week_load(instance, *i, *week) as f64 / 60.0;
        let load: Expression =
            ks.iter().map(|&k| minutes_of(k) * x[k]).sum::<Expression>() + fixed_min;
        let over_half = vars.add(variable().min(0.0));
        let over_three_quarters = vars.add(variable().min(0.0));
        objective.add_mul(-per_group / cap_min, over_half);
        objective.add_mul(-2.0 * per_group / cap_min, over_three_quarters);
        fairness_rows.push(constraint!(over_half >= load.clone() - 0.5 * cap_min));
        fairness_rows.push(constraint!(over_three_quarters >= load - 0.75 * cap_min));
        let column = open.len() + 2 * fairness.len();
        fairness.push((column, column + 1, cap_min, fixed_min, ks.clone()));
    }

    let mut model = vars.maximise(objective).using(highs);
    let mut rows = 0usize;
    let mut add = |model: &mut good_lp::solvers::highs::HighsProblem, c| {
        model.add_constraint(c);
        rows += 1;
    };
    for ks in by_appt.values() {
        if ks.len() > 1 {
            add(&mut model, constraint!(ks.iter().map(|&k| x[k]).sum::<Expression>() <= 1));
        }
    }
    for (&i, ks) in &by_interp {
        for clique in overlaps(instance, open, ks) {
            add(&mut model, constraint!(clique.iter().map(|&k| x[k]).sum::<Expression>() <= 1));
        }
        for (a, b) in travel_clashes(instance, open, ks) {
            add(&mut model, constraint!(x[a] + x[b] <= 1));
        }
        for clique in day_cap_cliques(instance, i, open, ks) {
            add(&mut model, constraint!(clique.iter().map(|&k| x[k]).sum::<Expression>() <= 1));
        }
        for (limit, group) in cap_groups(instance, i, open, ks) {
            let minutes: Expression = group.iter().map(|&k| minutes_of(k) * x[k]).sum();
            add(&mut model, constraint!(minutes <= limit));
        }
    }
    for row in fairness_rows {
        add(&mut model, row);
    }

    let mut inner = model.try_into_inner().map_err(|e| format!("HiGHS refused the model: {e}"))?;
    let size = Size { variables: inner.num_cols(), constraints: rows };
    // SPRACHPOOL_HIGHS_LOG=1 shows the solver's progress, for tuning.
    let verbose = std::env::var_os("SPRACHPOOL_HIGHS_LOG").is_some();
    if !verbose {
        inner.make_quiet();
    }
    inner.set_option("output_flag", verbose);
    inner.set_option("log_to_console", verbose);
    inner.set_option("threads", 1);
    inner.set_option("random_seed", 0);
    let all = by_appt.keys().map(|&a| u64::from(instance.appts[a].priority)).sum();
    Ok(Built { model: inner, fairness, size, all })
}

/// Variables and rows of the exact model of the open pairs, for reports.
///
/// # Errors
/// HiGHS refused the model.
pub fn size(instance: &Instance, open: &[usize]) -> Result<(usize, usize), String> {
    build(instance, open).map(|built| (built.size.variables, built.size.constraints))
}

/// Seconds of interpreter `i`'s week taken by confirmed work.
fn week_load(instance: &Instance, i: usize, week: (i32, u32)) -> i64 {
    instance.interps[i].fixed_week.get(&week).copied().unwrap_or(0)
}

/// The first-level bound proven by a bound on the whole objective: the lower levels add at most
/// PREFERENCE_BUDGET and take at most FAIRNESS_BUDGET.
pub(crate) fn first_level_bound(objective_bound: f64, all: u64) -> u64 {
    if objective_bound.is_finite() {
        ((objective_bound + FAIRNESS_BUDGET + 1e-6).floor().max(0.0) as u64).min(all)
    } else {
        all
    }
}

/// Solves one component's open pairs exactly, starting from `start` (a feasible choice of
/// pairs).
///
/// # Errors
/// HiGHS refused the model or found no solution within `seconds`.
pub fn solve(
    instance: &Instance,
    open: &[usize],
    start: &[usize],
    seconds: f64,
) -> Result<Outcome, String> {
    let Built { model: mut inner, fairness, size, all } = build(instance, open)?;
    inner.set_option("time_limit", seconds.max(0.01));
    inner.set_option("mip_rel_gap", 0.0);
    inner.set_option("mip_abs_gap", 0.01);
    let index: HashMap<usize, usize> = open.iter().enumerate().map(|(k, &p)| (p, k)).collect();
    let mut warm = vec![0.0; size.variables];
    for p in start {
        if let Some(&k) = index.get(p) {
            warm[k] = 1.0;
        }
    }
    // The penalty columns of the start follow from its loads.
    for (over_half, over_three_quarters, cap_min, fixed_min, ks) in &fairness {
        let load: f64 = fixed_min
            + ks.iter()
                .filter(|&&k| warm[k] > 0.5)
                .map(|&k| instance.appts[instance.pairs[open[k]].appt].secs as f64 / 60.0)
                .sum::<f64>();
        warm[*over_half] = (load - 0.5 * cap_min).max(0.0);
        warm[*over_three_quarters] = (load - 0.75 * cap_min).max(0.0);
    }
    // A rejected start only costs time; the solve goes on without it.
    let _ = inner.try_set_solution(Some(&warm), None, None, None);
    let solved = inner.try_solve().map_err(|e| format!("HiGHS failed: {e:?}"))?;
    if solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return Err(format!("HiGHS found no solution ({:?})", solved.status()));
    }
    let values = solved.get_solution();
    let chosen: Vec<usize> = open
        .iter()
        .enumerate()
        .filter(|(k, _)| values.columns()[*k] > 0.5)
        .map(|(_, &p)| p)
        .collect();
    let dual_bound = solved.double_info_value(c"mip_dual_bound").unwrap_or(f64::INFINITY);
    Ok(Outcome {
        chosen,
        bound: first_level_bound(dual_bound, all),
        variables: size.variables,
        constraints: size.constraints,
    })
}

/// Maximal cliques of one interpreter's overlapping candidate appointments (size ≥ 2).
fn overlaps(instance: &Instance, open: &[usize], ks: &[usize]) -> Vec<Vec<usize>> {
    // Events: ends sort before starts at the same instant, since intervals are half-open.
    let mut events: Vec<(i64, bool, usize)> = Vec::with_capacity(ks.len() * 2);
    for &k in ks {
        let busy = instance.appts[instance.pairs[open[k]].appt].busy;
        events.push((busy.start, true, k));
        events.push((busy.end, false, k));
    }
    events.sort_by_key(|&(t, is_start, k)| (t, is_start, k));
    let mut active: Vec<usize> = Vec::new();
    let mut grew = false;
    let mut cliques = Vec::new();
    for (_, is_start, k) in events {
        if is_start {
            active.push(k);
            grew = true;
        } else {
            if grew && active.len() >= 2 {
                cliques.push(active.clone());
            }
            grew = false;
            active.retain(|&j| j != k);
        }
    }
    cliques
}

/// Pairs of one interpreter's candidate appointments that do not overlap but leave too little
/// time to travel between their sites.
fn travel_clashes(instance: &Instance, open: &[usize], ks: &[usize]) -> Vec<(usize, usize)> {
    let mut sorted: Vec<usize> = ks.to_vec();
    sorted.sort_by_key(|&k| instance.appts[instance.pairs[open[k]].appt].busy.start);
    let mut clashes = Vec::new();
    for (n, &a) in sorted.iter().enumerate() {
        let x = instance.appts[instance.pairs[open[a]].appt].busy;
        for &b in &sorted[n + 1..] {
            let y = instance.appts[instance.pairs[open[b]].appt].busy;
            if y.start >= x.end + 24 * 3600 {
                break;
            }
            let overlapping = y.start < x.end;
            if !overlapping && instance.conflict(&x, &y) {
                clashes.push((a, b));
            }
        }
    }
    clashes
}

/// Cliques of appointments of one interpreter and day of which the daily cap (net of confirmed
/// work) leaves room for one only, together with the clashes in time: the cap row alone lets
/// the relaxation take halves of each, these rows do not.
fn day_cap_cliques(instance: &Instance, i: usize, open: &[usize], ks: &[usize]) -> Vec<Vec<usize>> {
    let interp = &instance.interps[i];
    let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for &k in ks {
        days.entry(instance.appts[instance.pairs[open[k]].appt].date).or_default().push(k);
    }
    let mut cliques = Vec::new();
    for (day, group) in days {
        let left = interp.daily_cap - interp.fixed_day.get(&day).copied().unwrap_or(0);
        let busy = |k: usize| &instance.appts[instance.pairs[open[k]].appt];
        let adjacent = |a: usize, b: usize| {
            busy(a).secs + busy(b).secs > left || instance.conflict(&busy(a).busy, &busy(b).busy)
        };
        // Only pairs excluded by the cap matter here: pure clashes have their rows already.
        let mut uncovered: Vec<(usize, usize)> = Vec::new();
        for (n, &a) in group.iter().enumerate() {
            for &b in &group[n + 1..] {
                if busy(a).secs + busy(b).secs > left {
                    uncovered.push((a, b));
                }
            }
        }
        let mut covered = std::collections::HashSet::new();
        for &(a, b) in &uncovered {
            if covered.contains(&(a, b)) {
                continue;
            }
            let mut clique = vec![a, b];
            for &c in &group {
                if !clique.contains(&c) && clique.iter().all(|&m| adjacent(m, c)) {
                    clique.push(c);
                }
            }
            for (n, &u) in clique.iter().enumerate() {
                for &v in &clique[n + 1..] {
                    covered.insert((u.min(v), u.max(v)));
                    covered.insert((u, v));
                }
            }
            cliques.push(clique);
        }
    }
    cliques
}

/// Daily and weekly cap rows that can bind: (minutes left, the pairs counted).
fn cap_groups(
    instance: &Instance,
    i: usize,
    open: &[usize],
    ks: &[usize],
) -> Vec<(f64, Vec<usize>)> {
    let interp = &instance.interps[i];
    let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    let mut weeks: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for &k in ks {
        let appt = &instance.appts[instance.pairs[open[k]].appt];
        days.entry(appt.date).or_default().push(k);
        weeks.entry(appt.week).or_default().push(k);
    }
    let secs = |group: &[usize]| -> i64 {
        group.iter().map(|&k| instance.appts[instance.pairs[open[k]].appt].secs).sum()
    };
    let mut rows = Vec::new();
    for (day, group) in days {
        let left = interp.daily_cap - interp.fixed_day.get(&day).copied().unwrap_or(0);
        if secs(&group) > left && group.len() > 1 {
            rows.push((left as f64 / 60.0, group));
        }
    }
    for (week, group) in weeks {
        let left = interp.weekly_cap - week_load(instance, i, week);
        if secs(&group) > left && group.len() > 1 {
            rows.push((left as f64 / 60.0, group));
        }
    }
    rows
}
