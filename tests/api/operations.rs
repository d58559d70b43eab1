//! Health, readiness and the OpenAPI document.

use axum::http::{Method, StatusCode};
use sea_orm::ConnectionTrait;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert!(ready.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::empty().await;
    app.db.clone().close().await.unwrap();
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    ready.assert_problem(503, None);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::empty().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc.body["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/profile",
        "/api/v1/me/languages",
        "/api/v1/me/availability",
        "/api/v1/me/availability/{id}",
        "/api/v1/me/absences",
        "/api/v1/me/absences/{id}",
        "/api/v1/interpreters",
        "/api/v1/interpreters/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/sites",
        "/api/v1/sites/{id}",
        "/api/v1/languages",
        "/api/v1/languages/{tag}",
        "/api/v1/audit-events",
        "/api/v1/holidays",
        "/api/v1/appointments",
        "/api/v1/appointments/{id}",
        "/api/v1/appointments/{id}/cancel",
        "/api/v1/appointments/{id}/outcome",
        "/api/v1/appointments/{id}/fallback",
        "/api/v1/me/assignments",
        "/api/v1/me/assignments/{id}/confirm",
        "/api/v1/me/assignments/{id}/decline",
        "/api/v1/planning-runs",
        "/api/v1/planning-runs/{id}",
        "/api/v1/clients/{reference}",
        "/api/v1/site-travel",
        "/api/v1/coverage",
        "/api/v1/coverage/outlook",
        "/api/v1/trainings",
        "/api/v1/trainings/{id}",
        "/api/v1/reports/{year}",
        "/api/v1/reports/{year}/measures",
        "/api/v1/course-providers",
        "/api/v1/courses",
        "/api/v1/courses/{id}",
        "/api/v1/courses/import",
        "/api/v1/course-referrals",
        "/api/v1/course-referrals/{id}",
        "/api/v1/course-referrals/{id}/status",
        "/api/v1/recognition-referrals",
        "/api/v1/recognition-referrals/{id}",
        "/api/v1/recognition-referrals/{id}/status",
        "/api/v1/me/calendar",
        "/api/v1/me/notifications",
        "/api/v1/outbox/parked",
        "/api/v1/outbox/{id}/retry",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    // Operation ids are unique, as OpenAPI requires and client generators rely on.
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operation ids");
    // Every secured operation documents its 401 and 403 as problem+json.
    let me = &paths["/api/v1/me/profile"]["patch"]["responses"];
    for status in ["401", "403", "422"] {
        assert!(me[status]["content"]["application/problem+json"].is_object(), "{status}");
    }
}

#[tokio::test]
async fn holidays_are_computed_for_any_year() {
    let app = TestApp::spawn().await;
    let token = app.login("fachkraft").await;
    let holidays = app.get("/api/v1/holidays?year=2031", &token).await;
    assert_eq!(holidays.status, StatusCode::OK);
    // Easter 2031 is on 13 April: Good Friday 11 April, Corpus Christi 12 June.
    let dates: Vec<&str> =
        holidays.body.as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(dates.contains(&"2031-04-11") && dates.contains(&"2031-06-12"), "{dates:?}");
    app.get("/api/v1/holidays?year=1200", &token).await.assert_problem(422, Some("year"));
}

#[tokio::test]
async fn the_embedded_database_runs_in_wal_mode() {
    let app = TestApp::empty().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "journal_mode").unwrap(), "wal");
}
