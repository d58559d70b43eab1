//! A volunteer keeps their own profile, and only their own.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_volunteer_edits_languages_availability_and_absences_and_reads_them_back() {
    let app = TestApp::spawn().await;
    let token = app.login("dolmetscher").await;

    let languages = json!({ "languages": [
        { "tag": "ar", "level": "native", "written": true },
        { "tag": "APC", "level": "C2" },
        { "tag": "tr", "level": "B1" },
    ]});
    let put = app.call(Method::PUT, "/api/v1/me/languages", Some(&token), Some(languages)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    let window = json!({ "weekday": "tue", "start": "08:30", "end": "11:00", "site": "hamborn" });
    let added = app.call(Method::POST, "/api/v1/me/availability", Some(&token), Some(window)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let window_id = added.body["id"].as_i64().unwrap();

    let absence = json!({ "from": "2027-02-01T00:00:00+01:00", "until": "2027-02-06T00:00:00+01:00", "reason": "vacation" });
    let added = app.call(Method::POST, "/api/v1/me/absences", Some(&token), Some(absence)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);

    let changes = json!({ "modes": ["phone", "video"], "works_on_holidays": true, "gender": null });
    let patched = app.call(Method::PATCH, "/api/v1/me/profile", Some(&token), Some(changes)).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);

    let profile = app.get("/api/v1/me/profile", &token).await;
    assert_eq!(profile.status, StatusCode::OK);
    let skills: Vec<(String, String)> = profile.body["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["tag"].as_str().unwrap().to_owned(), s["level"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        skills,
        [("ar".into(), "native".into()), ("apc".into(), "C2".into()), ("tr".into(), "B1".into())]
    );
    assert_eq!(profile.body["modes"], json!(["phone", "video"]));
    assert_eq!(profile.body["gender"], json!(null));
    assert_eq!(profile.body["planning"]["works_on_holidays"], json!(true));
    let windows = profile.body["planning"]["availability"].as_array().unwrap();
    let tuesday = windows.iter().find(|w| w["id"] == window_id).unwrap();
    assert_eq!(
        (tuesday["weekday"].as_str(), tuesday["start"].as_str(), tuesday["end"].as_str()),
        (Some("tue"), Some("08:30"), Some("11:00"))
    );
    assert_eq!(tuesday["site"], "hamborn");
    let absences = profile.body["planning"]["absences"].as_array().unwrap();
    let february = absences.iter().find(|a| a["from"] == "2027-02-01T00:00:00+01:00").unwrap();
    assert_eq!(february["until"], "2027-02-06T00:00:00+01:00");
    assert_eq!(february["reason"], "vacation");

    // The separate list endpoints agree with the profile.
    let listed = app.get("/api/v1/me/availability", &token).await;
    assert_eq!(listed.body.as_array().unwrap().len(), windows.len());
    let listed = app.get("/api/v1/me/absences", &token).await;
    assert_eq!(listed.body.as_array().unwrap().len(), absences.len());

    // Every change is in the audit log.
    for action in [
        "interpreter.languages.replace",
        "availability_rule.create",
        "absence.create",
        "interpreter.update",
    ] {
        assert_eq!(app.audited(action).await, 1, "{action}");
    }
}

#[tokio::test]
async fn a_volunteer_changes_and_removes_their_windows_and_absences() {
    let app = TestApp::spawn().await;
    let token = app.login("dolmetscher").await;
    let profile = app.get("/api/v1/me/profile", &token).await;
    let window_id = profile.body["planning"]["availability"][0]["id"].as_i64().unwrap();
    let moved = app
        .call(
            Method::PUT,
            &format!("/api/v1/me/availability/{window_id}"),
            Some(&token),
            Some(
                json!({ "weekday": "thu", "start": "13:00", "end": "16:00", "remote_only": true }),
            ),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.body["weekday"], "thu");
    assert_eq!(moved.body["remote_only"], true);

    let deleted = app
        .call(Method::DELETE, &format!("/api/v1/me/availability/{window_id}"), Some(&token), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/me/availability", &token).await;
    assert!(after.body.as_array().unwrap().iter().all(|w| w["id"] != window_id));

    let absence_id = profile.body["planning"]["absences"][0]["id"].as_i64().unwrap();
    let changed = app
        .call(
            Method::PUT,
            &format!("/api/v1/me/absences/{absence_id}"),
            Some(&token),
            Some(json!({ "from": "2027-03-01T00:00:00+01:00", "until": "2027-03-02T00:00:00+01:00", "reason": "other" })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let gone = app
        .call(Method::DELETE, &format!("/api/v1/me/absences/{absence_id}"), Some(&token), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(app.audited("availability_rule.update").await, 1);
    assert_eq!(app.audited("availability_rule.delete").await, 1);
    assert_eq!(app.audited("absence.update").await, 1);
    assert_eq!(app.audited("absence.delete").await, 1);
}

#[tokio::test]
async fn a_volunteer_cannot_edit_another_volunteer() {
    let app = TestApp::spawn().await;
    let other = app.login("v.yilmaz").await;
    let other_profile = app.get("/api/v1/me/profile", &other).await;
    let other_window = other_profile.body["planning"]["availability"][0]["id"].as_i64().unwrap();
    let other_id = other_profile.body["id"].as_i64().unwrap();

    let token = app.login("dolmetscher").await;
    let before = app.table_counts().await;
    let window = json!({ "weekday": "mon", "start": "07:00", "end": "08:00" });
    app.call(
        Method::PUT,
        &format!("/api/v1/me/availability/{other_window}"),
        Some(&token),
        Some(window),
    )
    .await
    .assert_problem(404, None);
    app.call(
        Method::DELETE,
        &format!("/api/v1/me/availability/{other_window}"),
        Some(&token),
        None,
    )
    .await
    .assert_problem(404, None);
    // The team lead's endpoint is not open to volunteers.
    app.call(
        Method::PATCH,
        &format!("/api/v1/interpreters/{other_id}"),
        Some(&token),
        Some(json!({ "active": false })),
    )
    .await
    .assert_problem(403, None);
    assert_eq!(app.table_counts().await, before);
    let unchanged = app.get("/api/v1/me/profile", &other).await;
    assert_eq!(unchanged.body, other_profile.body);
}

#[tokio::test]
async fn staff_without_the_volunteer_role_have_no_profile_endpoints() {
    let app = TestApp::spawn().await;
    let token = app.login("fachkraft").await;
    app.get("/api/v1/me/profile", &token).await.assert_problem(403, None);
    app.call(Method::PUT, "/api/v1/me/languages", Some(&token), Some(json!({ "languages": [] })))
        .await
        .assert_problem(403, None);
}
