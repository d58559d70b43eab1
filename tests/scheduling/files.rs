//! The problem file as `sprachpool solve` reads it: the bench instances round-trip through
//! JSON and are solved within the rules; bad files are reported with line and field.

use std::process::Command;

use sprachpool::commands::bench::specs;
use sprachpool::scheduling::check;
use sprachpool::scheduling::format::{Plan, Problem};
use sprachpool::scheduling::generate::generate;

const BIN: &str = env!("CARGO_BIN_EXE_sprachpool");

fn solve_file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::process::Output {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Command::new(BIN)
        .args(["solve", "--problem"])
        .arg(&path)
        .args(["--time-limit", "10", "--check"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn bench_instances_round_trip_through_solve() {
    let dir = tempfile::tempdir().unwrap();
    for spec in specs() {
        let problem = generate(&spec, 2026);
        let text = serde_json::to_string_pretty(&problem).unwrap();
        let reparsed: Problem = serde_json::from_str(&text).unwrap();
        assert_eq!(reparsed, problem, "{} does not round-trip", spec.name);
        let out = solve_file(&dir, &format!("{}.json", spec.name), &text);
        assert!(out.status.success(), "{}: {}", spec.name, String::from_utf8_lossy(&out.stderr));
        let plan: Plan = serde_json::from_slice(&out.stdout).unwrap();
        assert!(check::check(&problem, &plan).is_empty());
        assert_eq!(plan.assignments.len() + plan.unassigned.len(), problem.appointments.len());
    }
}

fn small_problem_text() -> String {
    let spec = specs().into_iter().next().unwrap();
    serde_json::to_string_pretty(&generate(&spec, 1)).unwrap()
}

#[test]
fn a_malformed_file_names_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = small_problem_text().replacen("\"min_level\": \"B1\"", "\"min_level\": \"B7\"", 1);
    let out = solve_file(&dir, "bad-level.json", &text);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().position(|l| l.contains("\"B7\"")).unwrap() + 1;
    assert!(message.contains(&format!("bad-level.json:{line}:")), "{message}");
    assert!(message.contains("min_level"), "{message}");

    let unknown = small_problem_text().replacen(
        "\"sensitive\": false",
        "\"sensitive\": false, \"sensitve\": true",
        1,
    );
    let out = solve_file(&dir, "typo.json", &unknown);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sensitve"));

    let out = solve_file(&dir, "truncated.json", &small_problem_text()[..500]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_inconsistent_file_names_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut problem: serde_json::Value = serde_json::from_str(&small_problem_text()).unwrap();
    problem["appointments"][3]["site"] = serde_json::json!("atlantis");
    problem["appointments"][3]["mode"] = serde_json::json!("in_person");
    let text = serde_json::to_string_pretty(&problem).unwrap();
    let out = solve_file(&dir, "inconsistent.json", &text);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().position(|l| l.contains("\"atlantis\"")).unwrap() + 1;
    assert!(
        message.contains(&format!("inconsistent.json:{line}: appointments[3].site: unknown site")),
        "{message}"
    );
}

#[test]
fn travel_of_a_day_or_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut problem: serde_json::Value = serde_json::from_str(&small_problem_text()).unwrap();
    let sites = problem["sites"].as_array().unwrap().clone();
    assert!(sites.len() >= 2, "the small problem has two sites");
    problem["travel_minutes"] =
        serde_json::json!([{ "from": sites[0], "to": sites[1], "minutes": 10080 }]);
    let out = solve_file(&dir, "far.json", &serde_json::to_string_pretty(&problem).unwrap());
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("travel_minutes[0].minutes: must be below 1440"), "{message}");
}
