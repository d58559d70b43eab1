//! On small instances the exact plan's covered priority equals the best that exhaustive search
//! over every choice of interpreters finds.

use std::collections::HashMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use sprachpool::scheduling::format::PlanStatus;
use sprachpool::scheduling::generate::{Spec, generate};
use sprachpool::scheduling::instance::{Busy, Instance, compile};
use sprachpool::scheduling::{self, SolveOptions, check};

struct Search<'a> {
    instance: &'a Instance,
    order: Vec<usize>,
    suffix: Vec<u64>,
    busy: Vec<Vec<Busy>>,
    day: HashMap<(usize, NaiveDate), i64>,
    week: HashMap<(usize, (i32, u32)), i64>,
    best: u64,
}

impl Search<'_> {
    fn fits(&self, i: usize, a: usize) -> bool {
        let appt = &self.instance.appts[a];
        let interp = &self.instance.interps[i];
        let day = interp.fixed_day.get(&appt.date).copied().unwrap_or(0)
            + self.day.get(&(i, appt.date)).copied().unwrap_or(0);
        let week = interp.fixed_week.get(&appt.week).copied().unwrap_or(0)
            + self.week.get(&(i, appt.week)).copied().unwrap_or(0);
        day + appt.secs <= interp.daily_cap
            && week + appt.secs <= interp.weekly_cap
            && !self.busy[i]
                .iter()
                .chain(&interp.fixed)
                .any(|b| self.instance.conflict(b, &appt.busy))
    }

    fn go(&mut self, depth: usize, value: u64) {
        if value > self.best {
            self.best = value;
        }
        if depth == self.order.len() || value + self.suffix[depth] <= self.best {
            return;
        }
        let a = self.order[depth];
        let appt = self.instance.appts[a].clone();
        for &p in &self.instance.candidates[a].clone() {
            let i = self.instance.pairs[p].interp;
            if self.fits(i, a) {
                self.busy[i].push(appt.busy);
                *self.day.entry((i, appt.date)).or_default() += appt.secs;
                *self.week.entry((i, appt.week)).or_default() += appt.secs;
                self.go(depth + 1, value + u64::from(appt.priority));
                self.busy[i].pop();
                *self.day.entry((i, appt.date)).or_default() -= appt.secs;
                *self.week.entry((i, appt.week)).or_default() -= appt.secs;
            }
        }
        self.go(depth + 1, value);
    }
}

pub fn optimum(instance: &Instance) -> u64 {
    let mut order: Vec<usize> =
        (0..instance.appts.len()).filter(|&a| !instance.candidates[a].is_empty()).collect();
    order.sort_by_key(|&a| std::cmp::Reverse(instance.appts[a].priority));
    let mut suffix = vec![0u64; order.len() + 1];
    for k in (0..order.len()).rev() {
        suffix[k] = suffix[k + 1] + u64::from(instance.appts[order[k]].priority);
    }
    let mut search = Search {
        instance,
        order,
        suffix,
        busy: vec![Vec::new(); instance.interps.len()],
        day: HashMap::new(),
        week: HashMap::new(),
        best: 0,
    };
    search.go(0, 0);
    search.best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_exact_plan_reaches_the_exhaustive_optimum(
        interpreters in 2usize..5,
        appointments in 2usize..11,
        seed in any::<u64>(),
    ) {
        let spec = Spec {
            name: "tiny".into(),
            interpreters,
            appointments,
            sites: 2,
            first_day: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
            weeks: 1,
            dense: true,
        };
        let problem = generate(&spec, seed);
        let solved = scheduling::solve(&problem, SolveOptions::default()).unwrap();
        prop_assert!(check::check(&problem, &solved.plan).is_empty());
        prop_assert_eq!(solved.plan.status, PlanStatus::Optimal);
        prop_assert_eq!(solved.plan.covered_priority, optimum(&compile(&problem)));
        prop_assert_eq!(solved.plan.bound, solved.plan.covered_priority);
    }
}
