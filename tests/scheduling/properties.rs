//! Properties over many generated problems.

use chrono::NaiveDate;
use proptest::prelude::*;
use sprachpool::scheduling::generate::{Spec, generate};
use sprachpool::scheduling::{self, SolveOptions, check};

fn spec(
    interpreters: usize,
    appointments: usize,
    sites: usize,
    weeks: u32,
    dense: bool,
    dst: bool,
) -> Spec {
    let first_day = if dst {
        NaiveDate::from_ymd_opt(2026, 10, 19).unwrap()
    } else {
        NaiveDate::from_ymd_opt(2026, 11, 9).unwrap()
    };
    Spec { name: "prop".into(), interpreters, appointments, sites, first_day, weeks, dense }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_plan_keeps_every_rule(
        interpreters in 2usize..12,
        appointments in 1usize..80,
        sites in 1usize..4,
        weeks in 1u32..3,
        dense in any::<bool>(),
        dst in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let problem = generate(&spec(interpreters, appointments, sites, weeks, dense, dst), seed);
        // A short limit keeps the suite fast; the rules hold whatever the limit.
        let limit = SolveOptions { time_limit: std::time::Duration::from_secs(2), exact: true };
        let solved = scheduling::solve(&problem, limit).unwrap();
        let plan = &solved.plan;
        let broken = check::check(&problem, plan);
        prop_assert!(broken.is_empty(), "{:#?}", broken);
        prop_assert_eq!(plan.assignments.len() + plan.unassigned.len(), problem.appointments.len());
        prop_assert!(plan.covered_priority >= solved.stats.greedy_value, "MILP {} < greedy {}", plan.covered_priority, solved.stats.greedy_value);
        prop_assert!(plan.bound >= plan.covered_priority);
        prop_assert!(plan.unassigned.iter().all(|u| !u.detail.is_empty()));
        // The greedy plan alone keeps the rules too.
        let greedy = scheduling::solve(&problem, SolveOptions { exact: false, ..SolveOptions::default() }).unwrap();
        prop_assert!(check::check(&problem, &greedy.plan).is_empty());
        prop_assert_eq!(greedy.plan.covered_priority, solved.stats.greedy_value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Planning reads work only for the interpreters `open_to` names: the work of everyone
    /// else must change neither an eligible pair, nor a reason, nor the plan.
    #[test]
    fn work_of_those_the_other_rules_exclude_changes_nothing(
        interpreters in 2usize..16,
        appointments in 1usize..40,
        sites in 1usize..4,
        dense in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let problem = generate(&spec(interpreters, appointments, sites, 1, dense, false), seed);
        work_of_others_changes_nothing(&problem)?;
    }
}

/// The check behind `work_of_those_the_other_rules_exclude_changes_nothing`.
fn work_of_others_changes_nothing(
    problem: &scheduling::format::Problem,
) -> Result<(), TestCaseError> {
    let open: Vec<String> = scheduling::instance::open_to(problem)
        .into_iter()
        .map(|index| problem.interpreters[index].id.clone())
        .collect();
    let mut trimmed = problem.clone();
    trimmed.fixed.retain(|f| open.contains(&f.interpreter));

    let full = scheduling::instance::compile(problem);
    let less = scheduling::instance::compile(&trimmed);
    prop_assert_eq!(&full.pairs, &less.pairs);
    prop_assert_eq!(&full.excluded, &less.excluded);
    let greedy = SolveOptions { exact: false, ..SolveOptions::default() };
    let plan = scheduling::solve(problem, greedy).unwrap().plan;
    let plan_trimmed = scheduling::solve(&trimmed, greedy).unwrap().plan;
    prop_assert_eq!(plan.assignments, plan_trimmed.assignments);
    prop_assert_eq!(plan.unassigned, plan_trimmed.unassigned);
    Ok(())
}

/// A case proptest once found: a volunteer whose daily or weekly cap is shorter than an appointment is
/// counted as "busy with confirmed appointments" when confirmed work overlaps it, and as "cap
/// reached" otherwise, so their work is read although no work could make them a candidate.
#[test]
fn work_of_one_whose_cap_is_too_small_still_decides_the_reason() {
    let problem = generate(&spec(9, 21, 2, 1, true, false), 13_014_174_154_681_881_592);
    work_of_others_changes_nothing(&problem).unwrap();
}
