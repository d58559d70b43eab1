//! The calendar feed: a secret address per volunteer (and per team lead for their site) that
//! an independent iCalendar parser reads, with local times right on both sides of a
//! daylight-saving change, nothing about the client, and 404 once revoked.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::TestApp;

/// Assignments of the demo volunteer `dolmetscher`: confirmed ones in winter and in summer
/// time of 2027, a proposal, and one whose appointment was cancelled.
async fn assignments(app: &TestApp) {
    let rows = [
        (
            "CAL-1",
            "2027-03-25T08:00:00+00:00",
            "2027-03-25T09:00:00+00:00",
            "2027-03-25",
            202712,
            "confirmed",
            "confirmed",
        ),
        (
            "CAL-2",
            "2027-04-01T07:00:00+00:00",
            "2027-04-01T08:30:00+00:00",
            "2027-04-01",
            202713,
            "confirmed",
            "confirmed",
        ),
        (
            "CAL-3",
            "2027-04-08T07:00:00+00:00",
            "2027-04-08T08:00:00+00:00",
            "2027-04-08",
            202714,
            "proposed",
            "proposed",
        ),
        (
            "CAL-4",
            "2027-04-15T07:00:00+00:00",
            "2027-04-15T08:00:00+00:00",
            "2027-04-15",
            202715,
            "cancelled",
            "confirmed",
        ),
    ];
    for (client, start, end, date, week, appointment_status, assignment_status) in rows {
        for sql in [
            format!(
                "INSERT INTO client (organisation_id, reference, created_at, updated_at) VALUES (1, '{client}', '{start}', '{start}')"
            ),
            format!(
                "INSERT INTO appointment (organisation_id, caseworker_id, client_id, language_id, min_level, starts_at, ends_at, mode, site_id, kind, priority, sensitive, status, version, created_at, updated_at, local_date, local_week, duration_minutes, lead_minutes) \
                 VALUES (1, (SELECT id FROM app_user WHERE username = 'fachkraft'), (SELECT id FROM client WHERE reference = '{client}'), \
                 (SELECT id FROM language WHERE organisation_id = 1 AND tag = 'ar'), 'B1', '{start}', '{end}', 'in_person', \
                 (SELECT id FROM site WHERE code = 'mitte'), 'counselling', 3, false, '{appointment_status}', 2, '{start}', '{start}', '{date}', {week}, 60, 1000)"
            ),
            format!(
                "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
                 VALUES (1, (SELECT a.id FROM appointment a JOIN client c ON c.id = a.client_id WHERE c.reference = '{client}'), \
                 (SELECT i.id FROM interpreter i JOIN app_user u ON u.id = i.user_id WHERE u.username = 'dolmetscher'), '{assignment_status}', 1, '{start}', '{start}')"
            ),
        ] {
            app.db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

/// The events of a feed in 2027 (the demo's past weeks are in it too), read by the `ical`
/// crate: (UID, DTSTART with its TZID, STATUS, SUMMARY).
fn events(text: &str) -> Vec<(String, String, String, String)> {
    all_events(text).into_iter().filter(|e| e.1.starts_with("Europe/Berlin:2027")).collect()
}

fn all_events(text: &str) -> Vec<(String, String, String, String)> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("a calendar").expect("it parses");
    assert!(parser.next().is_none());
    assert!(
        calendar
            .properties
            .iter()
            .any(|p| p.name == "VERSION" && p.value.as_deref() == Some("2.0"))
    );
    calendar
        .events
        .iter()
        .map(|e| {
            let get =
                |name: &str| e.properties.iter().find(|p| p.name == name).cloned().expect(name);
            let start = get("DTSTART");
            let zone = start
                .params
                .as_ref()
                .and_then(|ps| ps.iter().find(|(k, _)| k == "TZID"))
                .map(|(_, v)| v.join(","))
                .unwrap_or_default();
            (
                get("UID").value.unwrap_or_default(),
                format!("{zone}:{}", start.value.unwrap_or_default()),
                get("STATUS").value.unwrap_or_default(),
                get("SUMMARY").value.unwrap_or_default(),
            )
        })
        .collect()
}

async fn fetch(app: &TestApp, url: &str) -> crate::helpers::Answer {
    let path = url.trim_start_matches("http://127.0.0.1:8080");
    app.send(Request::get(path).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_volunteer_subscribes_to_their_assignments() {
    let app = TestApp::spawn().await;
    assignments(&app).await;
    let volunteer = app.login("dolmetscher").await;
    let issued =
        app.call(Method::POST, "/api/v1/me/calendar", Some(&volunteer), Some(json!({}))).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
    let url = issued.body["url"].as_str().unwrap().to_owned();
    assert!(url.len() > 60, "a long random token: {url}");

    let feed = fetch(&app, &url).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(feed.text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"));
    let found = events(&feed.text);
    assert_eq!(found.len(), 2, "confirmed ones only: {found:?}");
    // Both at 09:00 on the wall clock, before and after the change to summer time on 28 March.
    assert_eq!(found[0].1, "Europe/Berlin:20270325T090000");
    assert_eq!(found[1].1, "Europe/Berlin:20270401T090000");
    assert!(found.iter().all(|e| e.0.starts_with("assignment-") && e.0.ends_with("@sprachpool")));
    assert!(found.iter().all(|e| e.2 == "CONFIRMED"));
    assert!(found[0].3.contains("Arabisch"), "{found:?}");
    for personal in ["CAL-1", "CAL-2", "fachkraft", "Sabine"] {
        assert!(!feed.text.contains(personal), "{personal} in the feed");
    }

    // A new address with proposals: the old one is gone, the proposal shows as tentative.
    let again = app
        .call(
            Method::POST,
            "/api/v1/me/calendar",
            Some(&volunteer),
            Some(json!({ "with_proposals": true })),
        )
        .await;
    let new_url = again.body["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &url).await.status, StatusCode::NOT_FOUND);
    let with = events(&fetch(&app, &new_url).await.text);
    assert_eq!(with.len(), 3);
    assert_eq!(with.iter().filter(|e| e.2 == "TENTATIVE").count(), 1);

    let revoked = app.call(Method::DELETE, "/api/v1/me/calendar", Some(&volunteer), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(&app, &new_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, "/calendar/not-a-token.ics").await.status, StatusCode::NOT_FOUND);
    app.call(
        Method::POST,
        "/api/v1/me/calendar",
        Some(&app.login("fachkraft").await),
        Some(json!({})),
    )
    .await
    .assert_problem(403, None);
}

#[tokio::test]
async fn a_team_lead_subscribes_to_the_pool_of_their_site() {
    let app = TestApp::spawn().await;
    assignments(&app).await;
    let lead = app.login("teamleitung").await;
    let issued = app.call(Method::POST, "/api/v1/me/calendar", Some(&lead), Some(json!({}))).await;
    let feed = fetch(&app, issued.body["url"].as_str().unwrap()).await;
    let found = events(&feed.text);
    assert_eq!(found.len(), 2, "{found:?}");
    // The team lead sees who interprets, for every volunteer of the site.
    assert!(found.iter().all(|e| e.3.ends_with(" – Leyla Haddad")), "{found:?}");
    let names: std::collections::HashSet<String> = all_events(&feed.text)
        .iter()
        .filter_map(|e| e.3.split(" – ").nth(1).map(str::to_owned))
        .collect();
    assert!(names.len() > 1, "{names:?}");
}

#[tokio::test]
async fn a_feed_ends_with_a_password_reset_a_role_taken_away_and_a_deactivation() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let users = app.get("/api/v1/users", &admin).await;
    let id = users
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "dolmetscher")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let subscribe = || async {
        let volunteer = app.login("dolmetscher").await;
        let issued =
            app.call(Method::POST, "/api/v1/me/calendar", Some(&volunteer), Some(json!({}))).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
        let url = issued.body["url"].as_str().unwrap().to_owned();
        assert_eq!(fetch(&app, &url).await.status, StatusCode::OK);
        url
    };
    let change = |body: serde_json::Value| {
        let (app, admin) = (&app, &admin);
        async move {
            let path = format!("/api/v1/users/{id}");
            let changed = app.call(Method::PATCH, &path, Some(admin), Some(body)).await;
            assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        }
    };
    let url = subscribe().await;
    change(json!({ "password": "ein-neues-passwort" })).await;
    assert_eq!(fetch(&app, &url).await.status, StatusCode::NOT_FOUND, "after a password reset");
    change(json!({ "password": "demo-demo-demo" })).await;
    // The demo password no longer works; log in with the one the admin set.
    let token = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": "dolmetscher", "password": "demo-demo-demo" })),
        )
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let issued = app.call(Method::POST, "/api/v1/me/calendar", Some(&token), Some(json!({}))).await;
    let url = issued.body["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &url).await.status, StatusCode::OK);
    change(json!({ "roles": ["volunteer"] })).await;
    assert_eq!(fetch(&app, &url).await.status, StatusCode::NOT_FOUND, "after a role was taken");
    change(json!({ "active": false })).await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM app_user WHERE id = {id} AND calendar_token_digest IS NOT NULL")).await,
        0
    );
}
