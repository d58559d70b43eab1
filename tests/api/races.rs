//! Races: concurrent confirmations, a cancel against a confirm, bookings competing for the
//! last free volunteer. Exactly one wins, the others get 409, nobody is booked twice.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

/// Thursday 09:00–10:00 two weeks ahead: seven demo volunteers take English calls then.
fn thursday_nine() -> (String, String) {
    crate::booking::weekday_at(3, 9)
}

async fn book(
    app: &TestApp,
    token: &str,
    language: &str,
    start: &str,
    end: &str,
) -> serde_json::Value {
    let body = json!({
        "client_ref": "R-1", "language": language, "min_level": "B1", "start": start, "end": end,
        "mode": "phone", "kind": "benefits", "priority": 3
    });
    let answer = app.call(Method::POST, "/api/v1/appointments", Some(token), Some(body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.body
}

async fn proposal_of(app: &TestApp, appointment: i64) -> (i64, String) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT a.id AS id, u.username AS name FROM assignment a JOIN interpreter i ON i.id = a.interpreter_id \
                 JOIN app_user u ON u.id = i.user_id WHERE a.appointment_id = {appointment} AND a.status = 'proposed'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    (row.try_get::<i64>("", "id").unwrap(), row.try_get::<String>("", "name").unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_confirmations_confirm_once() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = thursday_nine();
    let booked = book(&app, &caseworker, "en", &start, &end).await;
    assert_eq!(booked["status"], "proposed");
    let (assignment, username) = proposal_of(&app, booked["id"].as_i64().unwrap()).await;
    let volunteer = app.login(&username).await;
    let path = format!("/api/v1/me/assignments/{assignment}/confirm");
    let answers = futures_util::future::join_all(
        (0..50).map(|_| app.call(Method::POST, &path, Some(&volunteer), None)),
    )
    .await;
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    let conflicts = answers.iter().filter(|a| a.status == StatusCode::CONFLICT).count();
    assert_eq!(
        (ok, conflicts),
        (1, 49),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(app.audited("assignment.confirm").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_racing_a_confirm_lets_exactly_one_win() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = thursday_nine();
    for _ in 0..5 {
        let booked = book(&app, &caseworker, "en", &start, &end).await;
        let id = booked["id"].as_i64().unwrap();
        assert_eq!(booked["status"], "proposed", "{booked}");
        let (assignment, username) = proposal_of(&app, id).await;
        let volunteer = app.login(&username).await;
        let confirm_path = format!("/api/v1/me/assignments/{assignment}/confirm");
        let cancel_path = format!("/api/v1/appointments/{id}/cancel");
        let (confirm, cancel) = tokio::join!(
            app.call(Method::POST, &confirm_path, Some(&volunteer), None),
            app.call(Method::POST, &cancel_path, Some(&caseworker), Some(json!({}))),
        );
        let outcome =
            app.get(&format!("/api/v1/appointments/{id}"), &caseworker).await.body["status"]
                .clone();
        match (confirm.status, cancel.status) {
            // Cancel came second: it still cancels a confirmed appointment.
            (StatusCode::OK, StatusCode::OK) => assert_eq!(outcome, "cancelled"),
            // Cancel first: the confirmation finds no proposal any more.
            (StatusCode::CONFLICT, StatusCode::OK) => assert_eq!(outcome, "cancelled"),
            // Confirm first and the cancel saw a stale version.
            (StatusCode::OK, StatusCode::CONFLICT) => assert_eq!(outcome, "confirmed"),
            other => panic!("unexpected pair {other:?}: {} / {}", confirm.text, cancel.text),
        }
        let live = app
            .count(&format!("SELECT COUNT(*) AS n FROM assignment WHERE appointment_id = {id} AND status IN ('proposed', 'confirmed')"))
            .await;
        assert!(live <= 1);
        if outcome == "cancelled" {
            assert_eq!(live, 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bookings_competing_for_the_last_volunteer_never_double_book() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = thursday_nine();
    // Ten simultaneous requests for an hour that seven volunteers could take.
    let answers = futures_util::future::join_all(
        (0..10).map(|_| book(&app, &caseworker, "en", &start, &end)),
    )
    .await;
    let proposed: Vec<i64> = answers
        .iter()
        .filter(|b| b["status"] == "proposed")
        .map(|b| b["interpreter"]["id"].as_i64().unwrap())
        .collect();
    let mut distinct = proposed.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        proposed.len(),
        "one volunteer proposed twice for the same hour: {proposed:?}"
    );
    assert!(proposed.len() >= 2 && proposed.len() <= 7, "{proposed:?}");
    assert!(
        answers.iter().any(|b| b["status"] == "unfilled"),
        "seven volunteers cannot cover ten calls at once"
    );
}
