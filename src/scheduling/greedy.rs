//! The greedy plan: most important appointments first, each to the most preferred interpreter
//! who still has the time. Feasible by construction and instant; the MILP starts from it.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::instance::{Busy, Instance};

/// What each interpreter has taken so far: confirmed work plus planned appointments.
pub struct Ledger<'a> {
    instance: &'a Instance,
    busy: Vec<Vec<Busy>>,
    day: Vec<HashMap<NaiveDate, i64>>,
    week: Vec<HashMap<(i32, u32), i64>>,
}

impl<'a> Ledger<'a> {
    /// Starts from the confirmed (fixed) work.
    pub fn new(instance: &'a Instance) -> Self {
        Self {
            instance,
            busy: instance.interps.iter().map(|i| i.fixed.clone()).collect(),
            day: instance.interps.iter().map(|i| i.fixed_day.clone()).collect(),
            week: instance.interps.iter().map(|i| i.fixed_week.clone()).collect(),
        }
    }

    /// Whether interpreter `i` can still take appointment `a` (rules 10 and 11).
    pub fn fits(&self, i: usize, a: usize) -> bool {
        let appt = &self.instance.appts[a];
        let interp = &self.instance.interps[i];
        self.day[i].get(&appt.date).copied().unwrap_or(0) + appt.secs <= interp.daily_cap
            && self.week[i].get(&appt.week).copied().unwrap_or(0) + appt.secs <= interp.weekly_cap
            && !self.busy[i].iter().any(|b| self.instance.conflict(b, &appt.busy))
    }

    pub fn take(&mut self, i: usize, a: usize) {
        let appt = &self.instance.appts[a];
        *self.day[i].entry(appt.date).or_default() += appt.secs;
        *self.week[i].entry(appt.week).or_default() += appt.secs;
        self.busy[i].push(appt.busy);
    }

    /// Seconds of interpreter `i`'s week taken so far.
    pub fn week_used(&self, i: usize, week: (i32, u32)) -> i64 {
        self.week[i].get(&week).copied().unwrap_or(0)
    }
}

/// The greedy plan: per appointment, the chosen pair (index into `instance.pairs`).
pub fn plan(instance: &Instance) -> Vec<Option<usize>> {
    let mut order: Vec<usize> =
        (0..instance.appts.len()).filter(|&a| !instance.candidates[a].is_empty()).collect();
    // Most important first; among equals the hardest to place (fewest candidates), then by time.
    order.sort_by_key(|&a| {
        (
            std::cmp::Reverse(instance.appts[a].priority),
            instance.candidates[a].len(),
            instance.appts[a].busy.start,
        )
    });
    // Demand still waiting for each interpreter and week, in seconds: an interpreter many
    // other requests need is given away last.
    let mut waiting: HashMap<(usize, (i32, u32)), i64> = HashMap::new();
    for &a in &order {
        for &p in &instance.candidates[a] {
            *waiting.entry((instance.pairs[p].interp, instance.appts[a].week)).or_default() +=
                instance.appts[a].secs;
        }
    }
    let mut ledger = Ledger::new(instance);
    let mut chosen = vec![None; instance.appts.len()];
    for a in order {
        let week = instance.appts[a].week;
        let pressure = |ledger: &Ledger, i: usize| {
            let left = (instance.interps[i].weekly_cap - ledger.week_used(i, week)).max(1) as f64;
            waiting.get(&(i, week)).copied().unwrap_or(0) as f64 / left
        };
        let best = instance.candidates[a]
            .iter()
            .copied()
            .filter(|&p| ledger.fits(instance.pairs[p].interp, a))
            .max_by(|&p, &q| {
                let (pp, qq) = (&instance.pairs[p], &instance.pairs[q]);
                pressure(&ledger, qq.interp)
                    .total_cmp(&pressure(&ledger, pp.interp))
                    .then_with(|| pp.preference.cmp(&qq.preference))
                    .then_with(|| qq.interp.cmp(&pp.interp))
            });
        for &p in &instance.candidates[a] {
            if let Some(w) = waiting.get_mut(&(instance.pairs[p].interp, week)) {
                *w -= instance.appts[a].secs;
            }
        }
        if let Some(p) = best {
            ledger.take(instance.pairs[p].interp, a);
            chosen[a] = Some(p);
        }
    }
    chosen
}
