//! Access checks generated from the OpenAPI document, which lists every route: each one is
//! called without a login and must answer 401 as problem+json — so a new route without a
//! check fails here — and each is called by every role of the other organisation with the
//! first organisation's records in its path, and must never answer with them.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

/// Routes anyone may call.
const PUBLIC: [&str; 1] = ["/api/v1/auth/login"];

/// Every operation of the document: (method, path template).
async fn operations(app: &TestApp) -> Vec<(Method, String)> {
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let mut out = Vec::new();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") || PUBLIC.contains(&path.as_str()) {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    assert!(out.len() > 60, "{} operations", out.len());
    out
}

/// The path with the first organisation's records: ids that exist there, its languages and
/// clients.
async fn concrete(app: &TestApp, template: &str) -> String {
    let appointment =
        app.count("SELECT MIN(id) AS n FROM appointment WHERE organisation_id = 1").await;
    let site = app.count("SELECT MIN(id) AS n FROM site WHERE organisation_id = 1").await;
    let interpreter =
        app.count("SELECT MIN(id) AS n FROM interpreter WHERE organisation_id = 1").await;
    let user = app.count("SELECT MIN(id) AS n FROM app_user WHERE organisation_id = 1").await;
    let id = if template.contains("/sites/") {
        site
    } else if template.contains("/interpreters/") {
        interpreter
    } else if template.contains("/users/") {
        user
    } else {
        appointment
    };
    template
        .replace("{id}", &id.to_string())
        .replace("{tag}", "ar")
        .replace("{reference}", "DEMO-0001")
        .replace("{year}", "2026")
}

#[tokio::test]
async fn every_route_asks_for_a_login() {
    let app = TestApp::spawn().await;
    for (method, template) in operations(&app).await {
        let path = concrete(&app, &template).await;
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
        let answer = app.call(method.clone(), &path, None, body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", answer.text);
        assert_eq!(answer.content_type(), "application/problem+json", "{method} {path}");
    }
}

#[tokio::test]
async fn no_role_of_another_organisation_reads_or_changes_its_records() {
    let app = TestApp::spawn().await;
    let before = app.table_counts().await;
    for user in ["ki.fachkraft", "ki.dolmetscher", "ki.teamleitung", "ki.admin"] {
        let token = app.login(user).await;
        for (method, template) in operations(&app).await {
            // Only routes that name a record of the first organisation. Language tags name
            // the caller's own organisation's list, which every organisation has.
            if !template.contains('{') || template.contains("{year}") || template.contains("{tag}")
            {
                continue;
            }
            let path = concrete(&app, &template).await;
            let body =
                matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let answer = app.call(method.clone(), &path, Some(&token), body).await;
            assert!(
                matches!(answer.status.as_u16(), 400 | 403 | 404 | 409 | 415 | 422),
                "{user}: {method} {path} answered {}: {}",
                answer.status,
                answer.text
            );
            assert!(
                !answer.text.contains("DEMO-0001")
                    || answer.status.is_client_error()
                        && !answer.text.contains("\"reference\":\"DEMO-0001\"")
            );
        }
    }
    // Logins are the only writes.
    let after = app.table_counts().await;
    for (table, n) in &before {
        if !matches!(*table, "session" | "audit_event" | "login_throttle") {
            assert_eq!(after[table], *n, "{table} changed");
        }
    }
}
