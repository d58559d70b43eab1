//! Intercultural trainings: team leads and admins record them with participants by
//! department; bad input writes nothing; other organisations never see them.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

fn training() -> serde_json::Value {
    json!({
        "title": "Interkulturelle Kommunikation", "starts_on": "2026-03-10", "ends_on": "2026-03-11",
        "hours": 7.5, "trainer": "IQ Netzwerk NRW",
        "participants": [{ "department": "Leistung", "participants": 8 }, { "department": "Markt und Integration", "participants": 11 }]
    })
}

#[tokio::test]
async fn team_leads_record_trainings_for_the_report() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let created = app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(training())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["total_participants"], 19);
    assert_eq!(created.body["hours"], 7.5);
    let id = created.body["id"].as_i64().unwrap();

    let mut changed = training();
    changed["title"] = json!("Vorurteil & Stereotyp");
    changed["participants"] = json!([{ "department": "Eingangszone", "participants": 5 }]);
    let replaced =
        app.call(Method::PUT, &format!("/api/v1/trainings/{id}"), Some(&lead), Some(changed)).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(replaced.body["total_participants"], 5);

    let admin = app.login("admin").await;
    let listed = app.get("/api/v1/trainings?year=2026", &admin).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["title"], "Vorurteil & Stereotyp");
    assert_eq!(
        app.get("/api/v1/trainings?year=2025", &admin).await.body.as_array().unwrap().len(),
        0
    );

    // The partner organisation sees nothing of it and cannot touch it.
    let partner = app.login("ki.teamleitung").await;
    assert_eq!(app.get("/api/v1/trainings", &partner).await.body.as_array().unwrap().len(), 0);
    app.call(Method::DELETE, &format!("/api/v1/trainings/{id}"), Some(&partner), None)
        .await
        .assert_problem(404, None);
    app.get("/api/v1/trainings", &app.login("fachkraft").await).await.assert_problem(403, None);

    let deleted =
        app.call(Method::DELETE, &format!("/api/v1/trainings/{id}"), Some(&lead), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM training_participation").await, 0);
    assert_eq!(app.audited("training.create").await, 1);
    assert_eq!(app.audited("training.delete").await, 1);
}

#[tokio::test]
async fn a_bad_training_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let before = app.table_counts().await;
    for (change, field) in [
        (json!({ "ends_on": "2026-03-01" }), "ends_on"),
        (json!({ "hours": 0 }), "hours"),
        // Rounds to no minute at all.
        (json!({ "hours": 0.005 }), "hours"),
        (json!({ "hours": 200.5 }), "hours"),
        (json!({ "title": " " }), "title"),
        (
            json!({ "participants": [{ "department": "", "participants": 3 }] }),
            "participants[0].department",
        ),
        (
            json!({ "participants": [{ "department": "Leistung", "participants": -1 }] }),
            "participants[0].participants",
        ),
    ] {
        let mut body = training();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(body))
            .await
            .assert_problem(422, Some(field));
    }
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn trainings_through_the_page() {
    let app = TestApp::spawn().await;
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("admin").await;
    let page = browser.get("/trainings").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = browser.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("title", "Vorurteil & Stereotyp"),
        ("starts_on", "2026-05-04"),
        ("ends_on", "2026-05-04"),
        ("hours", "zwei"),
        ("department_1", "Leistung"),
        ("participants_1", "12"),
    ];
    let refused = browser.post("/trainings", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("href=\"#hours\""), "{}", refused.text);
    fields[4] = ("hours", "3,5");
    let saved = browser.post("/trainings", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let listed = browser.get("/trainings?saved=1").await;
    assert!(listed.text.contains("Vorurteil &#38; Stereotyp"), "{}", listed.text);
    assert!(listed.text.contains("Leistung: 12"));
    assert!(listed.text.contains("3.5"));
    let mut volunteer = crate::web::Browser::new(&app);
    volunteer.log_in("dolmetscher").await;
    assert_eq!(volunteer.get("/trainings").await.status, StatusCode::FORBIDDEN);
}
