//! Exclusions, declines, a client's earlier interpreter, deactivations and absences may name
//! volunteers who cannot take the appointment being planned: they do not speak its language,
//! or they left the pool. Booking, declining and a planning run must answer all the same,
//! whatever the mix.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use sprachpool::domain::time::BERLIN;

use crate::booking::{username_of, weekday_at};
use crate::helpers::{Answer, TestApp};
use crate::invariants;

const CLIENTS: [&str; 2] = ["987X654321", "123D456789"];
const LANGUAGES: [&str; 5] = ["tr", "en", "ar", "ti", "bg"];

#[derive(Debug, Clone)]
enum Step {
    /// The caseworker adds the `volunteer`-th volunteer to a client's exclusions.
    Exclude { client: usize, volunteer: usize },
    /// The caseworker books a phone call for a client.
    Book { client: usize, language: usize, weekday: u32, hour: u32 },
    /// The volunteer proposed for the latest booking declines it.
    DeclineLatest,
    /// The team lead takes a volunteer out of the pool.
    Deactivate { volunteer: usize },
    /// A volunteer is sick for some days from two weeks ahead.
    Absent { volunteer: usize, days: i64 },
    /// The team lead starts a planning run over the next four weeks.
    Plan,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..CLIENTS.len(), 0..25usize)
            .prop_map(|(client, volunteer)| Step::Exclude { client, volunteer }),
        (0..CLIENTS.len(), 0..LANGUAGES.len(), 0..5u32, 8..15u32).prop_map(
            |(client, language, weekday, hour)| Step::Book { client, language, weekday, hour }
        ),
        Just(Step::DeclineLatest),
        (0..25usize).prop_map(|volunteer| Step::Deactivate { volunteer }),
        (0..25usize, 1..10i64).prop_map(|(volunteer, days)| Step::Absent { volunteer, days }),
        Just(Step::Plan),
    ]
}

/// A server error, in words, if the answer is one.
fn server_error(what: &str, answer: &Answer) -> Result<(), String> {
    if answer.status.is_server_error() {
        return Err(format!("{what}: {} {}", answer.status, answer.text));
    }
    Ok(())
}

async fn play(steps: Vec<Step>) -> Result<(), String> {
    let app = TestApp::spawn().await;
    let since = invariants::last_assignment(&app.db).await;
    let caseworker = app.login("fachkraft").await;
    let lead = app.login("teamleitung").await;
    let pool = app.get("/api/v1/interpreters", &lead).await;
    let volunteers: Vec<i64> =
        pool.body.as_array().into_iter().flatten().filter_map(|v| v["id"].as_i64()).collect();
    assert!(!volunteers.is_empty(), "{}", pool.text);
    let volunteer = |index: usize| volunteers[index % volunteers.len()];
    // The latest booking's appointment start and proposed volunteer, if any.
    let mut latest: Option<(String, i64)> = None;

    for step in steps {
        match step {
            Step::Exclude { client, volunteer: index } => {
                let path = format!("/api/v1/clients/{}", CLIENTS[client]);
                let record = app.get(&path, &caseworker).await;
                server_error("reading the client", &record)?;
                let mut exclusions: Vec<Value> =
                    record.body["exclusions"].as_array().cloned().unwrap_or_default();
                exclusions.push(json!({ "interpreter_id": volunteer(index), "reason": null }));
                let body = json!({
                    "languages": record.body["languages"].as_array().cloned().unwrap_or_default(),
                    "gender_preference": record.body["gender_preference"],
                    "exclusions": exclusions,
                });
                let put = app.call(Method::PUT, &path, Some(&caseworker), Some(body)).await;
                server_error("excluding a volunteer", &put)?;
            }
            Step::Book { client, language, weekday, hour } => {
                let (start, end) = weekday_at(weekday, hour);
                let body = json!({
                    "client_ref": CLIENTS[client], "language": LANGUAGES[language],
                    "min_level": "B1", "start": start, "end": end, "mode": "phone",
                    "kind": "counselling", "priority": 3
                });
                let booked = app
                    .call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body))
                    .await;
                server_error("booking", &booked)?;
                latest = booked.body["interpreter"]["id"].as_i64().map(|id| (start, id));
            }
            Step::DeclineLatest => {
                let Some((start, interpreter)) = latest.take() else { continue };
                let token = app.login(&username_of(&app, interpreter).await).await;
                let list = app.get("/api/v1/me/assignments", &token).await;
                server_error("listing the proposals", &list)?;
                let start = chrono::DateTime::parse_from_rfc3339(&start).unwrap();
                let proposal = list.body.as_array().into_iter().flatten().find(|a| {
                    a["status"] == "proposed"
                        && a["start"]
                            .as_str()
                            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                            == Some(start)
                });
                // A planning run may have moved it to someone else since.
                let Some(proposal) = proposal else { continue };
                let declined = app
                    .call(
                        Method::POST,
                        &format!("/api/v1/me/assignments/{}/decline", proposal["id"]),
                        Some(&token),
                        Some(json!({ "reason": "eigener Termin" })),
                    )
                    .await;
                server_error("declining", &declined)?;
            }
            Step::Deactivate { volunteer: index } => {
                let changed = app
                    .call(
                        Method::PATCH,
                        &format!("/api/v1/interpreters/{}", volunteer(index)),
                        Some(&lead),
                        Some(json!({ "active": false })),
                    )
                    .await;
                server_error("deactivating", &changed)?;
            }
            Step::Absent { volunteer: index, days } => {
                let token = app.login(&username_of(&app, volunteer(index)).await).await;
                let (from, _) = weekday_at(0, 0);
                let from = chrono::DateTime::parse_from_rfc3339(&from).unwrap();
                let body = json!({
                    "from": from.to_rfc3339(), "until": (from + Duration::days(days)).to_rfc3339(),
                    "reason": "sick"
                });
                let absent =
                    app.call(Method::POST, "/api/v1/me/absences", Some(&token), Some(body)).await;
                server_error("recording an absence", &absent)?;
            }
            Step::Plan => {
                let today = Utc::now().with_timezone(&BERLIN).date_naive();
                let body = json!({
                    "from": today.to_string(), "to": (today + Duration::weeks(4)).to_string(),
                    "time_limit_seconds": 2
                });
                let run =
                    app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(body)).await;
                server_error("a planning run", &run)?;
            }
        }
    }
    let broken = invariants::broken(&app.db, since).await;
    if !broken.is_empty() {
        return Err(format!("the booking tables disagree: {broken:?}"));
    }
    Ok(())
}

#[test]
fn no_mix_of_exclusions_declines_history_deactivations_and_absences_breaks_planning() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Each case is a fresh database with the demo pool: a few cases of many steps.
    let config = Config { cases: 16, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&prop::collection::vec(step(), 1..10), |steps| {
        runtime.block_on(play(steps)).map_err(TestCaseError::fail)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// The findings as reported: an exclusion of a volunteer who does not speak the language, a
/// deactivated excluded volunteer, and a client whose previous interpreter left the pool.
#[tokio::test]
async fn exclusions_and_history_outside_the_problem_leave_booking_and_planning_working() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let lead = app.login("teamleitung").await;
    // Leyla Haddad (Arabic, English) does not speak Turkish.
    let leyla = app.get("/api/v1/me", &app.login("dolmetscher").await).await.body["interpreter_id"]
        .as_i64()
        .unwrap();
    let record = json!({ "languages": ["tr"], "gender_preference": null, "exclusions": [{ "interpreter_id": leyla, "reason": "Verwandtschaft" }] });
    let put =
        app.call(Method::PUT, "/api/v1/clients/987X654321", Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    let turkish = |weekday: u32, hour: u32| {
        let (start, end) = weekday_at(weekday, hour);
        json!({
            "client_ref": "987X654321", "language": "tr", "min_level": "B1", "start": start,
            "end": end, "mode": "phone", "kind": "counselling", "priority": 3
        })
    };
    let booked = app
        .call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(turkish(1, 9)))
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    let previous = booked.body["interpreter"]["id"].as_i64().expect("a Turkish speaker proposed");

    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let plan = json!({ "from": today.to_string(), "to": (today + Duration::weeks(4)).to_string(), "time_limit_seconds": 2 });
    let run = app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(plan)).await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.text);

    // The excluded volunteer and the client's previous interpreter both leave the pool.
    for id in [leyla, previous] {
        let off = app
            .call(
                Method::PATCH,
                &format!("/api/v1/interpreters/{id}"),
                Some(&lead),
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    }
    let again = app
        .call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(turkish(1, 10)))
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_ne!(again.body["interpreter"]["id"].as_i64(), Some(previous));
}
