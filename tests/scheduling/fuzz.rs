//! Fuzzing of the problem file as `sprachpool solve` reads it: arbitrary text, and a valid
//! generated problem with fields dropped, renamed, swapped or replaced by odd values, truncated
//! or with characters flipped. Nothing panics; a refusal names the file, line and field; what
//! parses and validates is solved within the rules.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;
use sprachpool::commands::solve::{SolveError, parse, time_limit};
use sprachpool::scheduling::format::Problem;
use sprachpool::scheduling::{self, SolveOptions, check, locate, validate};

use crate::mutate::{
    BASE, Mutation, Step, at, at_mut, edge_for, leaves, mutated, mutation, places, spelled,
};

const NAME: &str = "fuzz.json";

/// `fuzz.json:LINE:COLUMN: …`: the line, checked to lie inside the text.
fn reported_line(message: &str, text: &str) -> Result<usize, TestCaseError> {
    let rest = message.strip_prefix(&format!("{NAME}:"));
    let line = rest.and_then(|r| r.split(':').next()).and_then(|l| l.parse::<usize>().ok());
    let Some(line) = line else {
        return Err(TestCaseError::fail(format!("no line in {message:?}")));
    };
    prop_assert!((1..=text.matches('\n').count() + 1).contains(&line), "{message}");
    Ok(line)
}

/// What must hold for any text: a refusal names a line; a problem that parses is either
/// refused by `validate` at fields the text holds, or solved within the rules.
fn read_and_solve(text: &str, solve: bool) -> Result<(), TestCaseError> {
    let problem = match parse(NAME, text) {
        Ok(problem) => problem,
        Err(SolveError::BadInput(message)) => return reported_line(&message, text).map(drop),
        Err(other) => return Err(TestCaseError::fail(format!("not bad input: {other}"))),
    };
    let found = validate::validate(&problem);
    for inconsistency in &found {
        prop_assert!(
            locate::line_of(text, &inconsistency.path).is_some(),
            "{} is not in the text",
            inconsistency.path
        );
    }
    if found.is_empty() && solve {
        solve_within_the_rules(&problem)?;
    }
    Ok(())
}

fn solve_within_the_rules(problem: &Problem) -> Result<(), TestCaseError> {
    let options = SolveOptions { time_limit: Duration::from_millis(300), exact: true };
    let solved = scheduling::solve(problem, options)
        .map_err(|found| TestCaseError::fail(format!("validated, then refused: {found:?}")))?;
    let broken = check::check(problem, &solved.plan);
    prop_assert!(broken.is_empty(), "{broken:#?}");
    let listed = solved.plan.assignments.len() + solved.plan.unassigned.len();
    prop_assert_eq!(listed, problem.appointments.len());
    Ok(())
}

#[test]
fn the_base_problem_is_read_and_solved() {
    let (text, _) = &*BASE;
    assert_eq!(mutated(&[]), *text);
    let problem = parse(NAME, text).unwrap();
    solve_within_the_rules(&problem).unwrap();
}

#[test]
fn instants_beyond_four_digit_years_are_refused_before_solving() {
    let mut value = BASE.1.clone();
    value["appointments"][0]["start"] = json!("+262142-12-31T23:30:00+00:00");
    value["holidays"][0] = json!("-000001-12-31");
    let problem = parse(NAME, &serde_json::to_string(&value).unwrap()).unwrap();
    let paths: Vec<String> = validate::validate(&problem).into_iter().map(|i| i.path).collect();
    assert_eq!(paths, ["holidays[0]", "appointments[0].start", "appointments[0].end"]);
    assert!(scheduling::solve(&problem, SolveOptions::default()).is_err());
}

#[test]
fn time_limits_are_checked_before_they_become_durations() {
    for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e300, 1e20, 86_400.5] {
        assert!(time_limit(bad).is_err(), "{bad}");
    }
    assert_eq!(time_limit(0.25).unwrap(), Duration::from_millis(250));
    assert_eq!(time_limit(86_400.0).unwrap(), Duration::from_secs(86_400));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_text_is_read_or_refused_with_a_line(text in any::<String>()) {
        read_and_solve(&text, false)?;
    }

    #[test]
    fn any_bytes_are_read_or_refused_with_a_line(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        read_and_solve(&String::from_utf8_lossy(&bytes), false)?;
    }

    #[test]
    fn json_like_text_is_read_or_refused_with_a_line(
        text in r#"[{}\[\]":, \n0-9a-z_.+-]{0,300}"#,
    ) {
        read_and_solve(&text, false)?;
    }

    #[test]
    fn any_time_limit_is_a_duration_within_bounds_or_refused(seconds in any::<f64>()) {
        if let Ok(limit) = time_limit(seconds) {
            prop_assert!(limit > Duration::ZERO && limit <= scheduling::MAX_TIME_LIMIT);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn mutated_problem_files_are_refused_with_a_line_or_solved(
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        read_and_solve(&mutated(&mutations), true)?;
    }

    /// A truncated file is never a problem, and the refusal points inside what is left.
    #[test]
    fn truncated_files_are_refused(cut in any::<usize>()) {
        let text = mutated(&[Mutation::Truncate(cut)]);
        prop_assert!(parse(NAME, &text).is_err());
        read_and_solve(&text, false)?;
    }

    /// A value of the wrong type is reported at its own field and on its own line.
    #[test]
    fn a_value_of_the_wrong_type_is_named_with_its_line(n in any::<usize>()) {
        let leaves = leaves(&BASE.1);
        let path = &leaves[n % leaves.len()];
        let mut value = BASE.1.clone();
        *at_mut(&mut value, path).unwrap() = json!({});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let Err(SolveError::BadInput(message)) = parse(NAME, &text) else {
            return Err(TestCaseError::fail(format!("{} accepted an object", spelled(path))));
        };
        prop_assert!(message.contains(&format!(": {}: ", spelled(path))), "{message}");
        let line = locate::line_of(&text, &spelled(path)).unwrap();
        prop_assert_eq!(reported_line(&message, &text)?, line, "{}", message);
    }

    /// A missing or unknown member is named.
    #[test]
    fn a_missing_or_unknown_member_is_named(n in any::<usize>(), rename in any::<bool>()) {
        let all = places(&BASE.1);
        let members: Vec<usize> =
            (0..all.len()).filter(|&k| matches!(all[k].last(), Some(Step::Key(_)))).collect();
        let index = members[n % members.len()];
        let path = &all[index];
        let Some(Step::Key(key)) = path.last() else { unreachable!("members end in a key") };
        let (text, expected) = if rename {
            (mutated(&[Mutation::Rename(index)]), format!("unknown field `{key}_`"))
        } else {
            (mutated(&[Mutation::Drop(index)]), format!("missing field `{key}`"))
        };
        let Err(SolveError::BadInput(message)) = parse(NAME, &text) else {
            return Err(TestCaseError::fail(format!("{} accepted: {expected}", spelled(path))));
        };
        prop_assert!(message.contains(&expected), "{message}");
        reported_line(&message, &text)?;
    }
}

proptest! {
    // About half the cases run the optimiser, on a small problem with a short limit.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn edge_values_are_refused_or_solved_within_the_rules(
        edits in prop::collection::vec((any::<usize>(), any::<usize>()), 1..6),
    ) {
        let mut value = BASE.1.clone();
        for (n, pick) in edits {
            let leaves = leaves(&value);
            let path = &leaves[n % leaves.len()];
            let edge = edge_for(path, at(&value, path).unwrap(), pick);
            *at_mut(&mut value, path).unwrap() = edge;
        }
        read_and_solve(&serde_json::to_string_pretty(&value).unwrap(), true)?;
    }
}
