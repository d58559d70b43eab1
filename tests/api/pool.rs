//! The pool as caseworkers and team leads see it: filters, what each role may see, caps and
//! (de)activation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["display_name"].as_str().unwrap().to_owned())
        .collect()
}

fn speaks(interpreter: &Value, tag: &str) -> bool {
    interpreter["languages"].as_array().unwrap().iter().any(|l| l["tag"] == tag)
}

#[tokio::test]
async fn filters_by_language_level_and_site() {
    let app = TestApp::spawn().await;
    let token = app.login("teamleitung").await;
    let all = app.get("/api/v1/interpreters", &token).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body.as_array().unwrap().len(), 25);

    let turkish = app.get("/api/v1/interpreters?language=tr", &token).await;
    assert!(!names(&turkish.body).is_empty());
    assert!(turkish.body.as_array().unwrap().iter().all(|i| speaks(i, "tr")));

    // Levantine Arabic: its own speakers plus speakers of its macrolanguage, Arabic.
    let levantine = app.get("/api/v1/interpreters?language=apc", &token).await;
    let arabic = app.get("/api/v1/interpreters?language=ar", &token).await;
    for i in levantine.body.as_array().unwrap() {
        assert!(speaks(i, "apc") || speaks(i, "ar"));
    }
    // Every Arabic speaker is listed for Levantine Arabic.
    for i in arabic.body.as_array().unwrap().iter().filter(|i| speaks(i, "ar")) {
        assert!(names(&levantine.body).contains(&i["display_name"].as_str().unwrap().to_owned()));
    }
    // Arabic also lists speakers of its varieties, e.g. the Iraqi Arabic speaker.
    assert!(arabic.body.as_array().unwrap().iter().any(|i| speaks(i, "acm")));

    // Kurdish, the macrolanguage, lists the speakers of its varieties Kurmanji and Sorani.
    let kurdish = app.get("/api/v1/interpreters?language=ku", &token).await;
    let kurdish = kurdish.body.as_array().unwrap();
    assert!(kurdish.iter().any(|i| speaks(i, "kmr")) && kurdish.iter().any(|i| speaks(i, "ckb")));
    assert!(
        kurdish
            .iter()
            .all(|i| speaks(i, "ku") || speaks(i, "kmr") || speaks(i, "ckb") || speaks(i, "sdh"))
    );

    // Native level only.
    let native = app.get("/api/v1/interpreters?language=ru&min_level=native", &token).await;
    for i in native.body.as_array().unwrap() {
        let ru = i["languages"].as_array().unwrap().iter().find(|l| l["tag"] == "ru").unwrap();
        assert_eq!(ru["level"], "native");
    }
    let any_russian = app.get("/api/v1/interpreters?language=ru", &token).await;
    assert!(any_russian.body.as_array().unwrap().len() >= native.body.as_array().unwrap().len());

    let hamborn = app.get("/api/v1/interpreters?site=hamborn", &token).await;
    assert!(!hamborn.body.as_array().unwrap().is_empty());
    assert!(hamborn.body.as_array().unwrap().iter().all(|i| i["site"]["code"] == "hamborn"));

    app.get("/api/v1/interpreters?language=xx", &token).await.assert_problem(422, Some("language"));
    app.get("/api/v1/interpreters?site=atlantis", &token).await.assert_problem(422, Some("site"));
    app.get("/api/v1/interpreters?min_level=B2", &token)
        .await
        .assert_problem(422, Some("min_level"));
    app.get("/api/v1/interpreters?language=ar&min_level=Z9", &token)
        .await
        .assert_problem(422, Some("min_level"));
    app.get("/api/v1/interpreters?colour=blue", &token).await.assert_problem(422, Some("colour"));
}

#[tokio::test]
async fn each_role_sees_what_it_needs() {
    let app = TestApp::spawn().await;
    let volunteer = app.login("dolmetscher").await;
    let id = app.get("/api/v1/me", &volunteer).await.body["interpreter_id"].as_i64().unwrap();
    let path = format!("/api/v1/interpreters/{id}");

    let lead = app.get(&path, &app.login("teamleitung").await).await;
    assert_eq!(lead.status, StatusCode::OK);
    let planning = &lead.body["planning"];
    assert!(planning["weekly_cap_minutes"].is_number());
    assert!(!planning["availability"].as_array().unwrap().is_empty());
    // Team leads see that someone is away, not why.
    assert!(planning["absences"].as_array().unwrap().iter().all(|a| a.get("reason").is_none()));

    let caseworker = app.get(&path, &app.login("fachkraft").await).await;
    assert_eq!(caseworker.status, StatusCode::OK);
    assert!(caseworker.body.get("planning").is_none());
    assert!(!caseworker.body["languages"].as_array().unwrap().is_empty());

    // A volunteer without another role does not browse the pool.
    let plain_volunteer = app.login("e.schmidt").await;
    app.get("/api/v1/interpreters", &plain_volunteer).await.assert_problem(403, None);
}

#[tokio::test]
async fn a_team_lead_sets_caps_and_deactivates_a_volunteer() {
    let app = TestApp::spawn().await;
    let volunteer = app.login("dolmetscher").await;
    let id = app.get("/api/v1/me", &volunteer).await.body["interpreter_id"].as_i64().unwrap();
    let lead = app.login("teamleitung").await;
    let path = format!("/api/v1/interpreters/{id}");

    let changed = app
        .call(
            Method::PATCH,
            &path,
            Some(&lead),
            Some(json!({ "weekly_cap_minutes": 180, "daily_cap_minutes": 90, "active": false })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["planning"]["weekly_cap_minutes"], 180);
    assert_eq!(changed.body["active"], false);
    let inactive = app.get("/api/v1/interpreters?active=false", &lead).await;
    assert!(inactive.body.as_array().unwrap().iter().any(|i| i["id"] == id));
    assert_eq!(app.audited("interpreter.pool_update").await, 1);

    // The volunteer sees the caps but cannot change them.
    let own = app.get("/api/v1/me/profile", &volunteer).await;
    assert_eq!(own.body["planning"]["daily_cap_minutes"], 90);
    app.call(
        Method::PATCH,
        "/api/v1/me/profile",
        Some(&volunteer),
        Some(json!({ "weekly_cap_minutes": 999 })),
    )
    .await
    .assert_problem(422, Some("weekly_cap_minutes"));

    let caseworker = app.login("fachkraft").await;
    let before = app.table_counts().await;
    let profile_before = app.get(&path, &lead).await.body;
    app.call(Method::PATCH, &path, Some(&lead), Some(json!({ "daily_cap_minutes": 200 })))
        .await
        .assert_problem(422, Some("daily_cap_minutes"));
    app.call(Method::PATCH, &path, Some(&lead), Some(json!({ "weekly_cap_minutes": -5 })))
        .await
        .assert_problem(422, Some("weekly_cap_minutes"));
    app.call(Method::PATCH, &path, Some(&caseworker), Some(json!({ "active": true })))
        .await
        .assert_problem(403, None);
    assert_eq!(app.table_counts().await, before);
    assert_eq!(app.get(&path, &lead).await.body, profile_before);
}
