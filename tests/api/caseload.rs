//! Whose clients a caseworker acts on: referrals through their own caseworker only, export
//! and erasure by a caseworker who serves the client, and handovers of one client or of a
//! whole caseload.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::booking::{english_call, weekday_at};
use crate::helpers::TestApp;
use crate::referrals::with_a_course_referral;

const CLIENT: &str = "777G888999";

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let users = app.get("/api/v1/users", &app.login("admin").await).await;
    users.body.as_array().unwrap().iter().find(|u| u["username"] == username).unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn hand_over(app: &TestApp, token: &str, body: Value) -> crate::helpers::Answer {
    app.call(Method::POST, "/api/v1/caseload/handover", Some(token), Some(body)).await
}

#[tokio::test]
async fn another_caseworker_neither_reads_moves_books_from_exports_nor_erases() {
    let (app, owner, referral) = with_a_course_referral().await;
    let other = app.login("m.becker").await;
    let before = app.table_counts().await;
    let path = format!("/api/v1/course-referrals/{referral}");
    app.get(&path, &other).await.assert_problem(404, None);
    app.call(
        Method::POST,
        &format!("{path}/status"),
        Some(&other),
        Some(json!({ "to": "voucher_issued" })),
    )
    .await
    .assert_problem(404, None);
    let listed = app.get("/api/v1/course-referrals", &other).await;
    assert!(!listed.text.contains(CLIENT), "{}", listed.text);
    let (start, end) = weekday_at(3, 9);
    let mut booking = english_call(&start, &end);
    booking["client_ref"] = Value::Null;
    booking["kind"] = Value::Null;
    booking["course_referral_id"] = json!(referral);
    let refused = app.call(Method::POST, "/api/v1/appointments", Some(&other), Some(booking)).await;
    refused.assert_problem(422, Some("course_referral_id"));
    assert!(!refused.text.contains(CLIENT), "{}", refused.text);
    app.get(&format!("/api/v1/clients/{CLIENT}/export"), &other).await.assert_problem(404, None);
    app.call(Method::POST, &format!("/api/v1/clients/{CLIENT}/erase"), Some(&other), None)
        .await
        .assert_problem(404, None);
    assert_eq!(app.table_counts().await, before, "nothing was written");

    // The referring caseworker does all of it.
    assert_eq!(app.get(&path, &owner).await.body["client_ref"], CLIENT);
    let export = app.get(&format!("/api/v1/clients/{CLIENT}/export"), &owner).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
}

#[tokio::test]
async fn a_caseworker_hands_over_one_client_and_a_team_lead_a_whole_caseload() {
    let (app, owner, referral) = with_a_course_referral().await;
    let (fachkraft, becker, schulte, lead_id) = (
        user_id(&app, "fachkraft").await,
        user_id(&app, "m.becker").await,
        user_id(&app, "j.schulte").await,
        user_id(&app, "teamleitung").await,
    );
    let becker_token = app.login("m.becker").await;
    let path = format!("/api/v1/course-referrals/{referral}");

    // Refused: a colleague who is no caseworker, oneself, someone else's client.
    hand_over(
        &app,
        &owner,
        json!({ "from_user_id": fachkraft, "to_user_id": lead_id, "client_ref": CLIENT }),
    )
    .await
    .assert_problem(422, Some("to_user_id"));
    hand_over(
        &app,
        &owner,
        json!({ "from_user_id": becker, "to_user_id": schulte, "client_ref": CLIENT }),
    )
    .await
    .assert_problem(422, Some("from_user_id"));
    hand_over(&app, &owner, json!({ "from_user_id": fachkraft, "to_user_id": becker }))
        .await
        .assert_problem(422, Some("client_ref"));
    hand_over(
        &app,
        &becker_token,
        json!({ "from_user_id": becker, "to_user_id": schulte, "client_ref": CLIENT }),
    )
    .await
    .assert_problem(404, None);

    let moved = hand_over(
        &app,
        &owner,
        json!({ "from_user_id": fachkraft, "to_user_id": becker, "client_ref": CLIENT }),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body, json!({ "clients": 1, "appointments": 0, "referrals": 1 }));
    assert_eq!(app.get(&path, &becker_token).await.body["client_ref"], CLIENT);
    app.get(&path, &owner).await.assert_problem(404, None);
    let export_path = format!("/api/v1/clients/{CLIENT}/export");
    let export = app.get(&export_path, &becker_token).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    // The one who handed the client on no longer serves them.
    app.get(&export_path, &owner).await.assert_problem(404, None);

    // M. Becker leaves: the team lead hands all of their clients to J. Schulte, and never
    // sees a reference.
    let lead = app.login("teamleitung").await;
    hand_over(
        &app,
        &lead,
        json!({ "from_user_id": becker, "to_user_id": schulte, "client_ref": CLIENT }),
    )
    .await
    .assert_problem(422, Some("client_ref"));
    let all =
        hand_over(&app, &lead, json!({ "from_user_id": becker, "to_user_id": schulte })).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert!(all.body["clients"].as_u64().unwrap() >= 1, "{}", all.text);
    assert!(!all.text.contains(CLIENT));
    let schulte_token = app.login("j.schulte").await;
    assert_eq!(app.get(&path, &schulte_token).await.body["client_ref"], CLIENT);
    app.get(&export_path, &becker_token).await.assert_problem(404, None);
    assert_eq!(app.audited("caseload.handover").await, 2);
}
