//! The decomposition into weeks (used for large parts), on instances small enough to search
//! exhaustively: its plans keep every rule, and its bound is never below the true optimum.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use proptest::prelude::*;
use sprachpool::scheduling::check;
use sprachpool::scheduling::format::{
    Assignment, PLAN_FORMAT, Plan, PlanStatus, Reason, Unassigned,
};
use sprachpool::scheduling::generate::{Spec, generate};
use sprachpool::scheduling::instance::compile;
use sprachpool::scheduling::lagrange::Decomposition;

use crate::brute_force::optimum;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_decomposition_keeps_the_rules_and_bounds_the_optimum(
        interpreters in 2usize..5,
        appointments in 2usize..11,
        sites in 1usize..4,
        weeks in 1u32..3,
        seed in any::<u64>(),
    ) {
        let spec = Spec {
            name: "tiny".into(),
            interpreters,
            appointments,
            sites,
            first_day: NaiveDate::from_ymd_opt(2026, 10, 19).unwrap(),
            weeks,
            dense: true,
        };
        let problem = generate(&spec, seed);
        let instance = compile(&problem);
        let all: Vec<usize> = (0..instance.pairs.len()).collect();
        let Some(decomposition) = Decomposition::new(&instance, &all) else {
            return Ok(());
        };
        let found = decomposition.run(&[], Instant::now() + Duration::from_secs(1));

        let mut by_appt = vec![None; problem.appointments.len()];
        for &p in &found.chosen {
            prop_assert!(by_appt[instance.pairs[p].appt].is_none(), "an appointment planned twice");
            by_appt[instance.pairs[p].appt] = Some(instance.pairs[p].interp);
        }
        let plan = Plan {
            format: PLAN_FORMAT.into(),
            status: PlanStatus::Heuristic,
            covered_priority: found.value,
            bound: found.value,
            solve_ms: 0,
            assignments: by_appt
                .iter()
                .enumerate()
                .filter_map(|(a, i)| {
                    Some(Assignment {
                        appointment: problem.appointments[a].id.clone(),
                        interpreter: problem.interpreters[(*i)?].id.clone(),
                    })
                })
                .collect(),
            unassigned: by_appt
                .iter()
                .enumerate()
                .filter(|(_, i)| i.is_none())
                .map(|(a, _)| Unassigned {
                    appointment: problem.appointments[a].id.clone(),
                    reason: Reason::Capacity,
                    detail: String::new(),
                })
                .collect(),
        };
        let broken = check::check(&problem, &plan);
        prop_assert!(broken.is_empty(), "{:#?}", broken);
        let best = optimum(&instance);
        prop_assert!(found.value <= best);
        if let Some(bound) = found.bound {
            prop_assert!(bound >= best, "bound {} below the optimum {}", bound, best);
        }
    }
}
