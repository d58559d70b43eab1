//! Health and readiness, public holidays, and the embedded database's journal mode.

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
async fn a_request_id_from_the_client_is_kept_only_as_a_plain_token() {
    let app = TestApp::spawn().await;
    let with_id = |id: &str| {
        axum::http::Request::builder()
            .uri("/healthz")
            .header("x-request-id", id)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let plain = app.send(with_id("req-2026.12_07")).await;
    assert_eq!(plain.headers["x-request-id"], "req-2026.12_07");
    for sent in ["a b", "x\" injected=\"1", "a/b", &"x".repeat(65)] {
        let answer = app.send(with_id(sent)).await;
        let kept = answer.headers["x-request-id"].to_str().unwrap_or_default();
        assert_ne!(kept, sent);
        assert!(kept.chars().all(|c| c.is_ascii_hexdigit()), "{kept:?}");
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::empty().await;
    app.db.clone().close().await.unwrap();
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    ready.assert_problem(503, None);
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
