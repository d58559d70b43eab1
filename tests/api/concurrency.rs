//! Concurrent writers wait for each other instead of failing: on SQLite every use case takes
//! the write lock when its transaction begins.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_changes_by_several_volunteers_all_succeed() {
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    for username in ["dolmetscher", "v.yilmaz", "n.petrova", "a.ionescu", "o.shevchenko"] {
        tokens.push(app.login(username).await);
    }
    let before = app.count("SELECT COUNT(*) AS n FROM availability_rule").await;
    let mut requests = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        for hour in 0..6 {
            let body = json!({ "weekday": "sat", "start": format!("{:02}:00", 7 + hour), "end": format!("{:02}:30", 7 + hour) });
            let app = &app;
            requests.push(async move {
                let answer = app
                    .call(Method::POST, "/api/v1/me/availability", Some(token), Some(body))
                    .await;
                (i, answer.status, answer.text)
            });
        }
    }
    let answers = futures_util::future::join_all(requests).await;
    for (i, status, text) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "volunteer {i}: {text}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM availability_rule").await, before + 30);
    assert_eq!(app.audited("availability_rule.create").await, 30);
}
