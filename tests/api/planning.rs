//! Planning runs: a team lead plans a horizon; confirmed work stays, every unfilled request
//! gets its reason, one run per organisation at a time.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use sprachpool::domain::time::BERLIN;

use crate::booking::weekday_at;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_run_plans_the_horizon_keeps_confirmed_work_and_explains_gaps() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let mut ids = Vec::new();
    for (language, mode) in [("en", "phone"), ("en", "phone"), ("gsg", "phone"), ("ar", "video")] {
        let body = json!({
            "client_ref": "K-77", "language": language, "min_level": "B1", "start": start, "end": end,
            "mode": mode, "kind": "first_interview", "priority": 2
        });
        let booked =
            app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        ids.push(booked.body["id"].as_i64().unwrap());
    }
    // The first proposal is confirmed: the run must not move it.
    let first = app.get(&format!("/api/v1/appointments/{}", ids[0]), &caseworker).await;
    let interpreter = first.body["interpreter"]["id"].as_i64().unwrap();
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "UPDATE assignment SET status = 'confirmed' WHERE appointment_id = {} AND status = 'proposed'; \
             UPDATE appointment SET status = 'confirmed' WHERE id = {}",
            ids[0], ids[0]
        ))
        .await
        .unwrap();

    let lead = app.login("teamleitung").await;
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let run = app
        .call(
            Method::POST,
            "/api/v1/planning-runs",
            Some(&lead),
            Some(json!({ "from": today.to_string(), "to": (today + Duration::weeks(4)).to_string(), "time_limit_seconds": 5 })),
        )
        .await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.text);
    assert_eq!(run.body["status"], "applied");
    assert_eq!(run.body["solver_status"], "optimal");
    assert!(run.body["appointments"].as_i64().unwrap() >= 3);
    let unfilled = run.body["unfilled"].as_array().unwrap();
    let sign = unfilled
        .iter()
        .find(|u| u["appointment_id"] == ids[2])
        .expect("the sign-language request is unfilled");
    assert_eq!(sign["reason"], "no_speaker");
    assert!(sign["detail"].as_str().unwrap().contains("gsg"));

    let kept = app.get(&format!("/api/v1/appointments/{}", ids[0]), &caseworker).await;
    assert_eq!(kept.body["status"], "confirmed");
    assert_eq!(kept.body["interpreter"]["id"].as_i64(), Some(interpreter));
    let second = app.get(&format!("/api/v1/appointments/{}", ids[1]), &caseworker).await;
    assert_eq!(second.body["status"], "proposed");
    assert_ne!(second.body["interpreter"]["id"].as_i64(), Some(interpreter));

    let listed = app.get("/api/v1/planning-runs", &lead).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(app.audited("planning_run.apply").await, 1);
}

#[tokio::test]
async fn one_run_at_a_time_and_only_for_team_leads() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let body = json!({ "from": today.to_string(), "to": (today + Duration::weeks(1)).to_string() });
    app.call(
        Method::POST,
        "/api/v1/planning-runs",
        Some(&app.login("fachkraft").await),
        Some(body.clone()),
    )
    .await
    .assert_problem(403, None);
    let backwards =
        json!({ "from": today.to_string(), "to": (today - Duration::days(1)).to_string() });
    app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(backwards))
        .await
        .assert_problem(422, Some("to"));
    let long =
        json!({ "from": today.to_string(), "to": (today + Duration::weeks(20)).to_string() });
    app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(long))
        .await
        .assert_problem(422, Some("to"));

    // A run marked running a minute ago.
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let minute_ago = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let horizon_end = (Utc::now() + Duration::days(7)).to_rfc3339();
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO planning_run (organisation_id, started_at, horizon_start, horizon_end, status, appointments, assigned) \
             VALUES (1, '{minute_ago}', '{minute_ago}', '{horizon_end}', 'running', 0, 0)"
        ))
        .await
        .unwrap();
    if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // On PostgreSQL a live run holds the organisation's lock: while it does, no other run
        // starts; a row without a live lock is a run that died with its process.
        let holder = app.db.begin().await.unwrap();
        holder.execute_unprepared("SELECT pg_advisory_xact_lock(728, 1)").await.unwrap();
        app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(body.clone()))
            .await
            .assert_problem(409, None);
        holder.rollback().await.unwrap();
    } else {
        // On SQLite a live run holds a lock on a file beside the database instead.
        let database = sprachpool::db::sqlite_file(&app.db).await.unwrap().unwrap();
        let holder = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(format!("{database}.planning-1.lock"))
            .unwrap();
        holder.lock().unwrap();
        app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(body.clone()))
            .await
            .assert_problem(409, None);
        drop(holder);
    }
    let run = app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(body)).await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.text);
    let dead = app.count("SELECT COUNT(*) AS n FROM planning_run WHERE status = 'failed'").await;
    assert_eq!(dead, 1, "the dead run is marked failed");
    // The partner organisation's team lead sees none of it.
    let partner = app.login("ki.teamleitung").await;
    app.get(&format!("/api/v1/planning-runs/{}", run.body["id"]), &partner)
        .await
        .assert_problem(404, None);
}

#[tokio::test]
async fn the_daily_schedule_plans_every_organisation_once() {
    use sprachpool::domain::time::LocalTime;
    use sprachpool::services::planning::schedule::{Schedule, run_due};

    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let body = json!({
        "client_ref": "K-78", "language": "en", "min_level": "B1", "start": start, "end": end,
        "mode": "phone", "kind": "counselling", "priority": 3
    });
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);

    let schedule = Schedule {
        at: LocalTime::parse("06:00").unwrap(),
        // The booking lies two to three weeks ahead.
        horizon_days: 28,
        time_limit_seconds: 2,
    };
    let due = Utc::now() - Duration::seconds(1);
    let planned = run_due(&app.db, schedule, due).await.unwrap();
    assert_eq!(planned, vec![1, 2], "both demo organisations");
    // A second instance waking for the same moment finds it done.
    assert!(run_due(&app.db, schedule, due).await.unwrap().is_empty());

    let lead = app.login("teamleitung").await;
    let runs = app.get("/api/v1/planning-runs", &lead).await;
    let runs = runs.body.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "applied");
    assert!(runs[0]["appointments"].as_i64().unwrap() >= 1);
    let started_by = app
        .count("SELECT COUNT(*) AS n FROM planning_run WHERE organisation_id = 1 AND started_by IS NULL")
        .await;
    assert_eq!(started_by, 1);
    let by_nobody = app
        .count("SELECT COUNT(*) AS n FROM audit_event WHERE action = 'planning_run.apply' AND actor_user_id IS NULL")
        .await;
    assert_eq!(by_nobody, 2);
}
