//! Races: concurrent confirmations, a cancel against a confirm, bookings competing for the
//! last free volunteer, and planning runs applied while volunteers answer their proposals and
//! caseworkers record fallbacks. Exactly one wins, the others get 409 (or the run plans again),
//! nobody is booked twice and no answer is lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::helpers::TestApp;
use crate::invariants;

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

/// Planning runs started back to back until `stop` is set: what each answered.
async fn plan_until(
    app: &TestApp,
    lead: &str,
    stop: &AtomicBool,
    running: &AtomicUsize,
) -> Vec<StatusCode> {
    let today = chrono::Utc::now().with_timezone(&sprachpool::domain::time::BERLIN).date_naive();
    let body = json!({
        "from": today.to_string(), "to": (today + chrono::Duration::weeks(5)).to_string(),
        "time_limit_seconds": 1
    });
    let mut answers = Vec::new();
    while !stop.load(Ordering::SeqCst) || answers.is_empty() {
        running.fetch_add(1, Ordering::SeqCst);
        let run =
            app.call(Method::POST, "/api/v1/planning-runs", Some(lead), Some(body.clone())).await;
        running.fetch_sub(1, Ordering::SeqCst);
        assert!(
            run.status == StatusCode::CREATED || run.status == StatusCode::CONFLICT,
            "a run answered {}: {}",
            run.status,
            run.text
        );
        if run.status == StatusCode::CREATED {
            assert_eq!(run.body["status"], "applied", "{}", run.text);
        }
        answers.push(run.status);
    }
    answers
}

/// The open proposals: assignment id and the volunteer's username.
async fn proposals(app: &TestApp) -> Vec<(i64, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    app.db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT a.id AS id, u.username AS name FROM assignment a \
             JOIN interpreter i ON i.id = a.interpreter_id JOIN app_user u ON u.id = i.user_id \
             WHERE a.status = 'proposed' ORDER BY a.id"
                .to_owned(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get::<i64>("", "id").unwrap(), r.try_get::<String>("", "name").unwrap()))
        .collect()
}

async fn status_of(app: &TestApp, table: &str, id: i64) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT status FROM {table} WHERE id = {id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "status").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn runs_applied_while_volunteers_answer_lose_no_answer_and_book_nobody_twice() {
    const ROUNDS: usize = 12;
    let app = Arc::new(TestApp::spawn().await);
    let since = invariants::last_assignment(&app.db).await;
    let caseworker = app.login("fachkraft").await;
    let lead = Arc::new(app.login("teamleitung").await);
    let mut tokens: HashMap<String, Arc<String>> = HashMap::new();
    let mut rng = StdRng::seed_from_u64(2026);
    let (mut answered, mut during_a_run, mut refused) = (0, 0, 0);
    let mut run_answers = Vec::new();
    let mut confirmed = Vec::new();
    let mut declined = Vec::new();
    for round in 0..ROUNDS {
        // New calls every round, so that there are fresh proposals to answer.
        for k in 0..4 {
            let (start, end) =
                crate::booking::weekday_at(((round + k) % 5) as u32, 9 + (round % 6) as u32);
            let booked = app
                .call(
                    Method::POST,
                    "/api/v1/appointments",
                    Some(&caseworker),
                    Some(crate::booking::english_call(&start, &end)),
                )
                .await;
            assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        }
        let mut answers = Vec::new();
        for (assignment, username) in proposals(&app).await {
            if !tokens.contains_key(&username) {
                tokens.insert(username.clone(), Arc::new(app.login(&username).await));
            }
            let token = Arc::clone(&tokens[&username]);
            let confirm = rng.random_bool(0.6);
            let pause = Duration::from_millis(rng.random_range(0..60));
            answers.push((assignment, confirm, token, pause));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicUsize::new(0));
        let planner = {
            let (app, lead, stop, running) =
                (Arc::clone(&app), Arc::clone(&lead), Arc::clone(&stop), Arc::clone(&running));
            tokio::spawn(async move { plan_until(&app, &lead, &stop, &running).await })
        };
        let tasks: Vec<_> = answers
            .into_iter()
            .map(|(assignment, confirm, token, pause)| {
                let (app, running) = (Arc::clone(&app), Arc::clone(&running));
                tokio::spawn(async move {
                    tokio::time::sleep(pause).await;
                    let overlapped = running.load(Ordering::SeqCst) > 0;
                    let answer = if confirm {
                        let path = format!("/api/v1/me/assignments/{assignment}/confirm");
                        app.call(Method::POST, &path, Some(&token), None).await
                    } else {
                        let path = format!("/api/v1/me/assignments/{assignment}/decline");
                        let body = json!({ "reason": "Termin beim Arzt" });
                        app.call(Method::POST, &path, Some(&token), Some(body)).await
                    };
                    let overlapped = overlapped || running.load(Ordering::SeqCst) > 0;
                    (assignment, confirm, answer.status, answer.text, overlapped)
                })
            })
            .collect();
        for task in tasks {
            let (assignment, confirm, status, text, overlapped) = task.await.unwrap();
            answered += 1;
            during_a_run += usize::from(overlapped);
            match status {
                StatusCode::OK if confirm => confirmed.push(assignment),
                StatusCode::OK => declined.push(assignment),
                // A run withdrew the proposal first.
                StatusCode::CONFLICT => refused += 1,
                other => panic!("answer to assignment {assignment}: {other} {text}"),
            }
        }
        stop.store(true, Ordering::SeqCst);
        run_answers.extend(planner.await.unwrap());
        let broken = invariants::broken(&app.db, since).await;
        assert!(broken.is_empty(), "after round {round}: {broken:#?}");
    }
    // No answer that was accepted is lost: a later run neither undid nor replaced it.
    for &assignment in &confirmed {
        assert_eq!(
            status_of(&app, "assignment", assignment).await,
            "confirmed",
            "assignment {assignment}"
        );
    }
    for &assignment in &declined {
        assert_eq!(
            status_of(&app, "assignment", assignment).await,
            "declined",
            "assignment {assignment}"
        );
    }
    // A declined pair is never proposed again, however the runs went.
    let again = app
        .count(
            "SELECT COUNT(*) AS n FROM assignment d JOIN assignment l ON l.appointment_id = d.appointment_id \
             AND l.interpreter_id = d.interpreter_id AND l.id > d.id WHERE d.status = 'declined'",
        )
        .await;
    assert_eq!(again, 0, "a declined volunteer was proposed again for the same appointment");
    let applied = run_answers.iter().filter(|s| **s == StatusCode::CREATED).count();
    println!(
        "{} runs ({applied} applied, {} refused); {answered} answers, {during_a_run} while a run was in flight, {refused} refused",
        run_answers.len(),
        run_answers.len() - applied
    );
    assert!(applied > 0, "no run was ever applied");
    assert!(
        during_a_run * 2 >= answered,
        "too few answers met a run: {during_a_run} of {answered}"
    );
    assert!(!confirmed.is_empty() && !declined.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fallback_recorded_while_runs_are_applied_is_never_undone() {
    const REQUESTS: usize = 24;
    let app = Arc::new(TestApp::spawn().await);
    let since = invariants::last_assignment(&app.db).await;
    let caseworker = Arc::new(app.login("fachkraft").await);
    let lead = Arc::new(app.login("teamleitung").await);
    // Sign language: nobody in the pool speaks it, so every request stays unfilled and every
    // run plans it again.
    let mut unfilled = Vec::new();
    for k in 0..REQUESTS {
        let (start, end) = crate::booking::weekday_at((k % 5) as u32, 8 + (k % 8) as u32);
        let body = json!({
            "client_ref": "G-1", "language": "gsg", "min_level": "B1", "start": start, "end": end,
            "mode": "phone", "kind": "counselling", "priority": 2
        });
        let booked =
            app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        assert_eq!(booked.body["status"], "unfilled", "{}", booked.text);
        unfilled.push(booked.body["id"].as_i64().unwrap());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let running = Arc::new(AtomicUsize::new(0));
    let planner = {
        let (app, lead, stop, running) =
            (Arc::clone(&app), Arc::clone(&lead), Arc::clone(&stop), Arc::clone(&running));
        tokio::spawn(async move { plan_until(&app, &lead, &stop, &running).await })
    };
    let mut recorded = Vec::new();
    let mut during_a_run = 0;
    for id in &unfilled {
        // One after the other, so that they spread over several runs.
        tokio::time::sleep(Duration::from_millis(15)).await;
        let overlapped = running.load(Ordering::SeqCst) > 0;
        let body = json!({ "kind": "phone_video_service", "note": "Telefondolmetscher" });
        let answer = app
            .call(
                Method::POST,
                &format!("/api/v1/appointments/{id}/fallback"),
                Some(&caseworker),
                Some(body),
            )
            .await;
        during_a_run += usize::from(overlapped || running.load(Ordering::SeqCst) > 0);
        match answer.status {
            StatusCode::OK => recorded.push(*id),
            // A run changed the appointment meanwhile; the caseworker reloads.
            StatusCode::CONFLICT => {}
            other => panic!("fallback of {id}: {other} {}", answer.text),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let runs = planner.await.unwrap();
    for id in &recorded {
        assert_eq!(status_of(&app, "appointment", *id).await, "fallback", "appointment {id}");
    }
    let broken = invariants::broken(&app.db, since).await;
    assert!(broken.is_empty(), "{broken:#?}");
    println!(
        "{} runs; {} fallbacks, {} recorded, {during_a_run} while a run was in flight",
        runs.len(),
        unfilled.len(),
        recorded.len()
    );
    assert!(during_a_run * 2 >= unfilled.len(), "too few fallbacks met a run");
    assert!(!recorded.is_empty());
}
