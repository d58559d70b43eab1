//! Lagrangian decomposition of a large part into one small problem per interpreter and week.
//!
//! Give every appointment a price λ and let "at most one interpreter per appointment" go: the
//! part falls apart into independent weeks of single interpreters, each asking which of their
//! candidate appointments, worth their priority minus λ, fit their clashes, travel and caps
//! best (`week`, solved exactly). For any prices, the weeks' best values plus the prices bound
//! the part from above; subgradient steps lower that bound towards the best one, which is at
//! least as strong as the linear relaxation of the whole model.
//!
//! Every round also gives a plan: the weeks' choices with each appointment kept by one
//! interpreter only, filled up greedily, the most important and most contested appointments
//! first. The best plan is the start for the neighbourhood search (`lns`).

mod week;

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;

use super::greedy::Ledger;
use super::instance::{Instance, PREFER_PREVIOUS, PREFER_PROPOSED, PREFER_SAME_SITE};
use super::milp::{FAIRNESS_BUDGET, PREFERENCE_BUDGET, first_level_bound};
use week::{Choice, Day, Week};

/// Most candidates of one interpreter on one day that a week's search takes.
const MAX_DAY_PAIRS: usize = 128;

/// A part split into weeks. Pairs and appointments are numbered locally.
pub struct Decomposition<'a> {
    instance: &'a Instance,
    weeks: Vec<Week>,
    /// The global pair of each local pair, and its local appointment.
    pairs: Vec<usize>,
    appt_of: Vec<usize>,
    /// The global appointment of each local one, and its local pairs.
    appts: Vec<usize>,
    candidates: Vec<Vec<usize>>,
    /// Priority plus the preference levels of each local pair.
    worth: Vec<f64>,
    /// The most the fairness penalty of one week may take.
    fairness: f64,
}

/// What the rounds found.
#[derive(Debug, Clone)]
pub struct Found {
    /// The best plan: chosen (global) pairs.
    pub chosen: Vec<usize>,
    /// Its covered priority.
    pub value: u64,
    /// Upper bound on the part's covered priority, from the rounds in which every week was
    /// solved exactly.
    pub bound: Option<u64>,
    pub rounds: usize,
}

impl<'a> Decomposition<'a> {
    /// Splits the open pairs of a part into weeks, or `None` if the weeks and days are not
    /// independent (an appointment that clashes across midnight or across a week's end) or a
    /// day holds too many candidates.
    pub fn new(instance: &'a Instance, open: &[usize]) -> Option<Self> {
        let mut pairs: Vec<usize> = open.to_vec();
        pairs.sort_unstable();
        let mut local_appt: BTreeMap<usize, usize> = BTreeMap::new();
        for &p in &pairs {
            let next = local_appt.len();
            local_appt.entry(instance.pairs[p].appt).or_insert(next);
        }
        let mut appts = vec![0; local_appt.len()];
        for (&global, &local) in &local_appt {
            appts[local] = global;
        }
        let appt_of: Vec<usize> =
            pairs.iter().map(|&p| local_appt[&instance.pairs[p].appt]).collect();
        let mut candidates = vec![Vec::new(); appts.len()];
        // Per interpreter and week, per day: local pairs.
        type Days = BTreeMap<NaiveDate, Vec<usize>>;
        let mut grouped: BTreeMap<(usize, (i32, u32)), Days> = BTreeMap::new();
        for (k, &p) in pairs.iter().enumerate() {
            let pair = instance.pairs[p];
            let appt = &instance.appts[pair.appt];
            candidates[appt_of[k]].push(k);
            grouped
                .entry((pair.interp, appt.week))
                .or_default()
                .entry(appt.date)
                .or_default()
                .push(k);
        }
        let busy = |k: usize| &instance.appts[instance.pairs[pairs[k]].appt];
        let mut weeks = Vec::with_capacity(grouped.len());
        for ((i, week), days) in grouped {
            let interp = &instance.interps[i];
            let all: Vec<usize> = days.values().flatten().copied().collect();
            if clashes_across_days(instance, &all, &busy) {
                return None;
            }
            let mut week_days = Vec::with_capacity(days.len());
            for (date, mut day) in days {
                if day.len() > MAX_DAY_PAIRS {
                    return None;
                }
                day.sort_by_key(|&k| (busy(k).busy.start, k));
                let clashes = day
                    .iter()
                    .map(|&k| {
                        day.iter()
                            .enumerate()
                            .filter(|&(_, &j)| {
                                j != k && instance.conflict(&busy(k).busy, &busy(j).busy)
                            })
                            .fold(0u128, |mask, (n, _)| mask | (1 << n))
                    })
                    .collect();
                week_days.push(Day {
                    secs: day.iter().map(|&k| busy(k).secs).collect(),
                    pairs: day,
                    clashes,
                    left: interp.daily_cap - interp.fixed_day.get(&date).copied().unwrap_or(0),
                });
            }
            let fixed_week = interp.fixed_week.get(&week).copied().unwrap_or(0);
            weeks.push(Week {
                interp: i,

                days: week_days,
                weekly_left: interp.weekly_cap - fixed_week,
                cap_min: interp.weekly_cap as f64 / 60.0,
                fixed_min: fixed_week as f64 / 60.0,
            });
        }
        if weeks_clash(instance, &weeks, &busy) {
            return None;
        }
        let max_preference = f64::from(PREFER_PROPOSED + PREFER_PREVIOUS + PREFER_SAME_SITE);
        let per_point = PREFERENCE_BUDGET / (max_preference * appts.len().max(1) as f64);
        let worth = pairs
            .iter()
            .map(|&p| {
                let pair = instance.pairs[p];
                f64::from(instance.appts[pair.appt].priority)
                    + per_point * f64::from(pair.preference)
            })
            .collect();
        let fairness = FAIRNESS_BUDGET / weeks.len().max(1) as f64;
        Some(Self { instance, weeks, pairs, appt_of, appts, candidates, worth, fairness })
    }

    /// Subgradient rounds until `deadline` or until the bound is reached; `start` is a feasible
    /// plan of the part (global pairs).
    pub fn run(&self, start: &[usize], deadline: Instant) -> Found {
        let instance = self.instance;
        let all: u64 = self.appts.iter().map(|&a| u64::from(instance.appts[a].priority)).sum();
        let mut lambda = vec![0.0; self.appts.len()];
        let mut best =
            Found { chosen: start.to_vec(), value: value(instance, start), bound: None, rounds: 0 };
        let mut best_bound = f64::INFINITY;
        // Polyak steps towards the best plan's value; the step shrinks when the bound stalls.
        let mut theta = 1.0;
        let mut stalled = 0;
        while Instant::now() < deadline && theta > 1e-3 {
            best.rounds += 1;
            let profit: Vec<f64> =
                self.worth.iter().zip(&self.appt_of).map(|(w, &a)| w - lambda[a]).collect();
            let choices: Vec<Choice> =
                self.weeks.iter().map(|w| w.best(&profit, self.fairness)).collect();
            let bound = lambda.iter().sum::<f64>() + choices.iter().map(|c| c.value).sum::<f64>();
            if choices.iter().all(|c| c.exact) && bound < best_bound - 1e-9 {
                best_bound = bound;
                stalled = 0;
            } else {
                stalled += 1;
                if stalled >= 10 {
                    theta /= 2.0;
                    stalled = 0;
                }
            }
            let plan = self.repair(&choices, &lambda);
            let v = value(instance, &plan);
            if v > best.value {
                best.value = v;
                best.chosen = plan;
            }
            if best_bound.is_finite() && first_level_bound(best_bound, all) <= best.value {
                break;
            }
            // The bound's subgradient in λ_a is 1 − (weeks choosing a); a price at zero that
            // would fall further stays.
            let mut count = vec![0u32; self.appts.len()];
            for &p in choices.iter().flat_map(|c| &c.pairs) {
                count[self.appt_of[p]] += 1;
            }
            let step: Vec<f64> = count
                .iter()
                .zip(&lambda)
                .map(|(&n, &l)| if n == 0 && l <= 0.0 { 0.0 } else { f64::from(n) - 1.0 })
                .collect();
            let norm: f64 = step.iter().map(|g| g * g).sum();
            if norm == 0.0 {
                break;
            }
            let t = theta * (bound - best.value as f64).max(1e-3 * bound.abs()) / norm;
            for (l, g) in lambda.iter_mut().zip(&step) {
                *l = (*l + t * g).max(0.0);
            }
        }
        best.bound = best_bound.is_finite().then(|| first_level_bound(best_bound, all));
        best
    }

    /// A plan from the weeks' choices: an appointment chosen by several interpreters stays
    /// with the one who prefers it most; then the rest is filled greedily, the appointments
    /// with the highest priority and price first.
    fn repair(&self, choices: &[Choice], lambda: &[f64]) -> Vec<usize> {
        let instance = self.instance;
        let mut owner: Vec<Option<usize>> = vec![None; self.appts.len()];
        for &p in choices.iter().flat_map(|c| &c.pairs) {
            let a = self.appt_of[p];
            let preference = |q: usize| instance.pairs[self.pairs[q]].preference;
            if owner[a].is_none_or(|q| preference(q) < preference(p)) {
                owner[a] = Some(p);
            }
        }
        let mut ledger = Ledger::new(instance);
        let mut chosen = Vec::new();
        for p in owner.iter().flatten() {
            let pair = instance.pairs[self.pairs[*p]];
            ledger.take(pair.interp, pair.appt);
            chosen.push(self.pairs[*p]);
        }
        let mut rest: Vec<usize> = (0..self.appts.len()).filter(|&a| owner[a].is_none()).collect();
        rest.sort_by(|&a, &b| {
            let (x, y) = (&instance.appts[self.appts[a]], &instance.appts[self.appts[b]]);
            y.priority
                .cmp(&x.priority)
                .then(lambda[b].total_cmp(&lambda[a]))
                .then(x.secs.cmp(&y.secs))
                .then(a.cmp(&b))
        });
        for a in rest {
            let global = self.appts[a];
            let fitting = self.candidates[a]
                .iter()
                .map(|&p| self.pairs[p])
                .filter(|&p| ledger.fits(instance.pairs[p].interp, global))
                .max_by_key(|&p| (instance.pairs[p].preference, std::cmp::Reverse(p)));
            if let Some(p) = fitting {
                ledger.take(instance.pairs[p].interp, global);
                chosen.push(p);
            }
        }
        chosen
    }
}

fn value(instance: &Instance, chosen: &[usize]) -> u64 {
    chosen.iter().map(|&p| u64::from(instance.appts[instance.pairs[p].appt].priority)).sum()
}

/// Whether two of one week's candidates on different days clash (travel past midnight).
fn clashes_across_days<'b>(
    instance: &Instance,
    week: &[usize],
    busy: &dyn Fn(usize) -> &'b super::instance::Appt,
) -> bool {
    let mut sorted = week.to_vec();
    sorted.sort_by_key(|&k| busy(k).busy.start);
    sorted.iter().enumerate().any(|(n, &k)| {
        sorted[n + 1..]
            .iter()
            .take_while(|&&j| busy(j).busy.start < busy(k).busy.end + 24 * 3600)
            .any(|&j| {
                busy(j).date != busy(k).date && instance.conflict(&busy(k).busy, &busy(j).busy)
            })
    })
}

/// Whether an interpreter's candidates in two consecutive weeks clash.
fn weeks_clash<'b>(
    instance: &Instance,
    weeks: &[Week],
    busy: &dyn Fn(usize) -> &'b super::instance::Appt,
) -> bool {
    weeks.windows(2).any(|pair| {
        let (first, second) = (&pair[0], &pair[1]);
        first.interp == second.interp && {
            let all: Vec<usize> = first
                .days
                .iter()
                .chain(&second.days)
                .flat_map(|d| d.pairs.iter().copied())
                .collect();
            let mut sorted = all;
            sorted.sort_by_key(|&k| busy(k).busy.start);
            sorted.windows(2).any(|w| {
                busy(w[0]).week != busy(w[1]).week
                    && instance.conflict(&busy(w[0]).busy, &busy(w[1]).busy)
            })
        }
    })
}
