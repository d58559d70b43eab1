//! Organisations share a deployment but never each other's data: another organisation's
//! record answers 404, exactly like a record that does not exist.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn interpreter_id_of(app: &TestApp, username: &str) -> i64 {
    let token = app.login(username).await;
    app.get("/api/v1/me", &token).await.body["interpreter_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_caseworker_of_another_organisation_cannot_see_the_pool() {
    let app = TestApp::spawn().await;
    let duisburg_volunteer = interpreter_id_of(&app, "dolmetscher").await;
    let partner_volunteer = interpreter_id_of(&app, "ki.dolmetscher").await;

    let partner = app.login("ki.fachkraft").await;
    app.get(&format!("/api/v1/interpreters/{duisburg_volunteer}"), &partner)
        .await
        .assert_problem(404, None);
    let own = app.get(&format!("/api/v1/interpreters/{partner_volunteer}"), &partner).await;
    assert_eq!(own.status, StatusCode::OK);

    // The list holds only the partner's own volunteers, even for a language both pools speak.
    let listed = app.get("/api/v1/interpreters?language=ar", &partner).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let ids: Vec<i64> =
        listed.body.as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&partner_volunteer));
    assert!(!ids.contains(&duisburg_volunteer));
    let all = app.get("/api/v1/interpreters", &partner).await;
    assert_eq!(all.body.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn admins_and_team_leads_cannot_reach_another_organisations_records() {
    let app = TestApp::spawn().await;
    let duisburg_volunteer = interpreter_id_of(&app, "dolmetscher").await;
    let duisburg_admin = app.login("admin").await;
    let users = app.get("/api/v1/users", &duisburg_admin).await;
    let duisburg_user = users.body[0]["id"].as_i64().unwrap();
    let sites = app.get("/api/v1/sites", &duisburg_admin).await;
    let duisburg_site = sites.body[0]["id"].as_i64().unwrap();

    let partner_admin = app.login("ki.admin").await;
    let partner_lead = app.login("ki.teamleitung").await;
    let before = app.table_counts().await;
    app.get(&format!("/api/v1/users/{duisburg_user}"), &partner_admin)
        .await
        .assert_problem(404, None);
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{duisburg_user}"),
        Some(&partner_admin),
        Some(json!({ "active": false })),
    )
    .await
    .assert_problem(404, None);
    app.call(
        Method::PATCH,
        &format!("/api/v1/sites/{duisburg_site}"),
        Some(&partner_admin),
        Some(json!({ "name": "Gekapert" })),
    )
    .await
    .assert_problem(404, None);
    app.call(
        Method::PATCH,
        &format!("/api/v1/interpreters/{duisburg_volunteer}"),
        Some(&partner_lead),
        Some(json!({ "weekly_cap_minutes": 0 })),
    )
    .await
    .assert_problem(404, None);
    assert_eq!(app.table_counts().await, before);

    // Lists show the caller's organisation only.
    let partner_users = app.get("/api/v1/users", &partner_admin).await;
    assert!(
        partner_users
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["username"].as_str().unwrap().starts_with("ki."))
    );
    let partner_sites = app.get("/api/v1/sites", &partner_admin).await;
    assert_eq!(partner_sites.body.as_array().unwrap().len(), 2);
    let audit = app.get("/api/v1/audit-events", &partner_admin).await;
    assert!(
        audit
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"].as_str().is_none_or(|a| a.starts_with("ki.")))
    );
}
