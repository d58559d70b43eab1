//! Notifications are written to the outbox in the same transaction as the change they tell
//! of: a proposal, a confirmation, a cancellation. A refused change writes none; a volunteer
//! who turned a kind off gets none; no message carries the client's reference.

use axum::http::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::booking::{assignment_for, english_call, username_of, weekday_at};
use crate::helpers::TestApp;

async fn outbox(app: &TestApp) -> Vec<(String, Value)> {
    use sea_orm::{EntityTrait, QueryOrder};
    entities::outbox::Entity::find()
        .order_by_asc(entities::outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.kind, serde_json::from_str(&o.payload).unwrap()))
        .collect()
}

#[tokio::test]
async fn each_change_queues_its_message_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(english_call(&start, &end)),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    let queued = outbox(&app).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].0, "proposal");
    let event = &queued[0].1["event"];
    assert!(event["uid"].as_str().unwrap().starts_with("assignment-"));
    assert_eq!(event["language_de"], "Englisch");
    assert!(!queued[0].1.to_string().contains("987X654321"), "no client reference in a message");

    let volunteer = username_of(&app, booked.body["interpreter"]["id"].as_i64().unwrap()).await;
    let token = app.login(&volunteer).await;
    let proposal = assignment_for(&app, &token, &start).await;
    let path = format!("/api/v1/me/assignments/{}/confirm", proposal["id"]);
    assert_eq!(app.call(Method::POST, &path, Some(&token), None).await.status, StatusCode::OK);
    // A second confirmation is refused and writes nothing.
    app.call(Method::POST, &path, Some(&token), None).await.assert_problem(409, None);
    let queued = outbox(&app).await;
    assert_eq!(queued.iter().map(|q| q.0.as_str()).collect::<Vec<_>>(), ["proposal", "confirmed"]);
    assert_eq!(queued[1].1["event"]["confirmed"], true);
    assert!(queued[1].1["event"]["sequence"].as_i64() > queued[0].1["event"]["sequence"].as_i64());

    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{}/cancel", booked.body["id"]),
            Some(&caseworker),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let queued = outbox(&app).await;
    assert_eq!(queued.last().unwrap().0, "cancelled");
    assert_eq!(
        queued.last().unwrap().1["event"]["uid"],
        queued[0].1["event"]["uid"],
        "the same calendar event"
    );
}

#[tokio::test]
async fn each_occurrence_of_a_series_proposed_queues_its_own_message() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let until = chrono::DateTime::parse_from_rfc3339(&start).unwrap().date_naive()
        + chrono::Duration::weeks(3);
    let mut body = english_call(&start, &end);
    body["series"] = json!({ "every_weeks": 1, "until": until.to_string() });
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    let occurrences = booked.body["occurrences"].as_array().unwrap();
    assert_eq!(occurrences.len(), 4);
    let mut proposed: Vec<String> = occurrences
        .iter()
        .filter(|o| o["status"] == "proposed")
        .map(|o| o["start"].as_str().unwrap().to_owned())
        .collect();
    assert!(!proposed.is_empty(), "{}", booked.text);
    let queued = outbox(&app).await;
    assert!(queued.iter().all(|q| q.0 == "proposal"), "{queued:?}");
    let mut told: Vec<String> = queued
        .iter()
        .map(|q| {
            let start = q.1["event"]["start"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(start)
                .unwrap()
                .with_timezone(&sprachpool::domain::time::BERLIN)
                .to_rfc3339()
        })
        .collect();
    proposed.sort();
    told.sort();
    assert_eq!(told, proposed, "one message per proposal, each of its own occurrence");
    let uids: std::collections::BTreeSet<&str> =
        queued.iter().map(|q| q.1["event"]["uid"].as_str().unwrap()).collect();
    assert_eq!(uids.len(), queued.len(), "each its own calendar event");
}

#[tokio::test]
async fn a_volunteer_who_turned_proposals_off_gets_none() {
    let app = TestApp::spawn().await;
    app.db
        .execute_unprepared("UPDATE app_user SET notifications_off = 'proposal,reminder'")
        .await
        .unwrap();
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(english_call(&start, &end)),
        )
        .await;
    assert_eq!(booked.body["status"], "proposed", "{}", booked.text);
    assert!(outbox(&app).await.is_empty());
}

#[tokio::test]
async fn users_choose_their_messages_and_admins_see_the_undeliverable() {
    let app = TestApp::spawn().await;
    let volunteer = app.login("dolmetscher").await;
    let current = app.get("/api/v1/me/notifications", &volunteer).await;
    assert_eq!(current.body["wanted"].as_array().unwrap().len(), 6);
    let changed = app
        .call(
            Method::PUT,
            "/api/v1/me/notifications",
            Some(&volunteer),
            Some(json!({ "wanted": ["confirmed", "cancelled"], "locale": "en" })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body, json!({ "wanted": ["confirmed", "cancelled"], "locale": "en" }));
    app.call(
        Method::PUT,
        "/api/v1/me/notifications",
        Some(&volunteer),
        Some(json!({ "wanted": ["gossip"], "locale": "en" })),
    )
    .await
    .assert_problem(422, Some("wanted[0]"));

    // Through the page, with checkboxes.
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("dolmetscher").await;
    assert_eq!(browser.get("/notifications").await.status, StatusCode::OK);
    let csrf = browser.csrf();
    let saved = browser
        .post(
            "/notifications",
            &[("csrf", &csrf), ("locale", "de"), ("wanted", "proposal"), ("wanted", "reminder")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let now = app.get("/api/v1/me/notifications", &volunteer).await;
    assert_eq!(now.body, json!({ "wanted": ["proposal", "reminder"], "locale": "de" }));

    app.db
        .execute_unprepared(
            "INSERT INTO outbox (organisation_id, recipient_user_id, kind, payload, status, attempts, next_attempt_at, last_error, created_at) \
             VALUES (1, (SELECT id FROM app_user WHERE username = 'dolmetscher'), 'proposal', '{}', 'parked', 8, '2026-01-01T00:00:00+00:00', 'SMTP: connection refused', '2026-01-01T00:00:00+00:00')",
        )
        .await
        .unwrap();
    let admin = app.login("admin").await;
    let parked = app.get("/api/v1/outbox/parked", &admin).await;
    assert_eq!(parked.body.as_array().unwrap().len(), 1, "{}", parked.text);
    assert_eq!(parked.body[0]["last_error"], "SMTP: connection refused");
    // Another organisation's admin sees none of it.
    let other = app.get("/api/v1/outbox/parked", &app.login("ki.admin").await).await;
    assert_eq!(other.body.as_array().unwrap().len(), 0);
    let id = parked.body[0]["id"].as_i64().unwrap();
    app.call(Method::POST, &format!("/api/v1/outbox/{id}/retry"), Some(&volunteer), None)
        .await
        .assert_problem(403, None);
    let retried =
        app.call(Method::POST, &format!("/api/v1/outbox/{id}/retry"), Some(&admin), None).await;
    assert_eq!(retried.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 0")
            .await,
        1
    );
}
