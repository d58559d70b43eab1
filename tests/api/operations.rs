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

/// Operators scrape `/metrics` on an address of its own: requests and their latency by route
/// template, bookings by outcome, and, read when scraped, the planning runs, the outbox and
/// the database pool. No label carries a client's reference or a path.
#[tokio::test]
async fn operators_scrape_requests_bookings_runs_outbox_and_pool() {
    use tower::ServiceExt;

    use crate::booking::{english_call, weekday_at};
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let lead = app.login("teamleitung").await;
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
    assert_eq!(booked.body["status"], "proposed");
    let mut refused = english_call(&start, &end);
    refused["priority"] = serde_json::json!(9);
    let answer =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(refused)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let client = app.get("/api/v1/clients/987X654321", &caseworker).await;
    assert_eq!(client.status, StatusCode::OK, "{}", client.text);
    let today = chrono::Utc::now().date_naive();
    let run = serde_json::json!({ "from": today, "to": today + chrono::Days::new(7), "time_limit_seconds": 1 });
    let planned = app.call(Method::POST, "/api/v1/planning-runs", Some(&lead), Some(run)).await;
    assert_eq!(planned.status, StatusCode::CREATED, "{}", planned.text);

    let scrape = axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
    let answer = sprachpool::metrics::router(app.state.clone()).oneshot(scrape).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(answer.into_body()).await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    for line in [
        r#"sprachpool_http_request_duration_seconds_count{method="POST",route="/api/v1/appointments",status="2xx"} 1"#,
        r#"sprachpool_http_request_duration_seconds_count{method="POST",route="/api/v1/appointments",status="4xx"} 1"#,
        r#"sprachpool_http_request_duration_seconds_count{method="GET",route="/api/v1/clients/{reference}",status="2xx"} 1"#,
        r#"sprachpool_bookings_total{outcome="proposed"} 1"#,
        r#"sprachpool_bookings_total{outcome="refused"} 1"#,
        r#"sprachpool_planning_runs{status="applied"} 1"#,
    ] {
        assert!(text.contains(line), "{line} is not in:\n{text}");
    }
    let value = |name: &str| -> f64 {
        let line =
            text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // The proposal's message waits, as no mail server is set.
    assert!(value("sprachpool_outbox_pending ") >= 1.0, "{text}");
    assert!(value("sprachpool_outbox_oldest_pending_seconds ") >= 0.0);
    assert!(value("sprachpool_database_pool_connections ") >= 1.0, "{text}");
    assert!(text.contains(r#"sprachpool_planning_run_gap{organisation="#), "{text}");
    assert!(!text.contains("987X654321"), "a client's reference in the metrics");
    // Only on the operators' address, never where the users are.
    assert_eq!(app.call(Method::GET, "/metrics", None, None).await.status, StatusCode::NOT_FOUND);
}
