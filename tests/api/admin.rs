//! Admins manage users, roles, sites and the language list; every change is audited.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn an_admin_creates_a_volunteer_who_can_log_in_and_keep_a_profile() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let created = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({
                "username": "A.Neu", "display_name": "Aylin Neu", "password": "lang-genug-123",
                "roles": ["volunteer", "caseworker"], "site": "hamborn", "locale": "en"
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["username"], "a.neu");
    assert!(created.body["interpreter_id"].is_number());

    let login = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": "a.neu", "password": "lang-genug-123" })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let token = login.body["token"].as_str().unwrap();
    let profile = app.get("/api/v1/me/profile", token).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text);
    assert_eq!(profile.body["site"]["code"], "hamborn");
    assert_eq!(app.audited("user.create").await, 1);

    // Taking the role away deactivates the profile.
    let id = created.body["id"].as_i64().unwrap();
    let changed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({ "roles": ["caseworker"] })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let lead = app.login("teamleitung").await;
    let pool =
        app.get(&format!("/api/v1/interpreters/{}", created.body["interpreter_id"]), &lead).await;
    assert_eq!(pool.body["active"], false);
}

#[tokio::test]
async fn user_input_is_checked_and_nothing_is_half_written() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let before = app.table_counts().await;
    let cases = [
        (
            json!({ "username": "x", "display_name": "X", "password": "lang-genug-123", "roles": ["caseworker"] }),
            422,
            "username",
        ),
        (
            json!({ "username": "neu", "display_name": "Neu", "password": "kurz", "roles": ["caseworker"] }),
            422,
            "password",
        ),
        (
            json!({ "username": "neu", "display_name": "Neu", "password": "lang-genug-123", "roles": [] }),
            422,
            "roles",
        ),
        (
            json!({ "username": "neu", "display_name": "Neu", "password": "lang-genug-123", "roles": ["boss"] }),
            422,
            "roles[0]",
        ),
        (
            json!({ "username": "neu", "display_name": "Neu", "password": "lang-genug-123", "roles": ["volunteer"] }),
            422,
            "site",
        ),
        (
            json!({ "username": "fachkraft", "display_name": "Doppelt", "password": "lang-genug-123", "roles": ["caseworker"] }),
            409,
            "username",
        ),
        (
            json!({ "username": "ki.admin", "display_name": "Andere Org", "password": "lang-genug-123", "roles": ["caseworker"] }),
            409,
            "username",
        ),
    ];
    for (body, status, field) in cases {
        app.call(Method::POST, "/api/v1/users", Some(&admin), Some(body))
            .await
            .assert_problem(status, Some(field));
    }
    assert_eq!(app.table_counts().await, before);

    // Admins cannot lock themselves out.
    let me = app.get("/api/v1/me", &admin).await.body["id"].as_i64().unwrap();
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{me}"),
        Some(&admin),
        Some(json!({ "roles": ["caseworker"] })),
    )
    .await
    .assert_problem(409, Some("roles"));
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{me}"),
        Some(&admin),
        Some(json!({ "active": false })),
    )
    .await
    .assert_problem(409, Some("active"));
    // Only admins manage users.
    app.get("/api/v1/users", &app.login("teamleitung").await).await.assert_problem(403, None);
}

#[tokio::test]
async fn an_admin_manages_sites_and_the_language_list() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let site = app
        .call(Method::POST, "/api/v1/sites", Some(&admin), Some(json!({ "code": "walsum", "name": "Walsum", "address": "Friedrich-Ebert-Straße 1" })))
        .await;
    assert_eq!(site.status, StatusCode::CREATED, "{}", site.text);
    app.call(
        Method::POST,
        "/api/v1/sites",
        Some(&admin),
        Some(json!({ "code": "walsum", "name": "Noch mal" })),
    )
    .await
    .assert_problem(409, Some("code"));
    let id = site.body["id"].as_i64().unwrap();
    let closed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/sites/{id}"),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(closed.body["active"], false);

    let added = app
        .call(
            Method::POST,
            "/api/v1/languages",
            Some(&admin),
            Some(json!({ "tag": "AJP", "name_de": "Südlevantinisches Arabisch", "name_en": "South Levantine Arabic", "fallback": "ar" })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.body["tag"], "ajp");
    assert_eq!(added.body["fallback"], "ar");
    // Fallbacks go one step only.
    app.call(
        Method::POST,
        "/api/v1/languages",
        Some(&admin),
        Some(json!({ "tag": "xyz", "name_de": "X", "name_en": "X", "fallback": "apc" })),
    )
    .await
    .assert_problem(422, Some("fallback"));
    app.call(
        Method::PATCH,
        "/api/v1/languages/ar",
        Some(&admin),
        Some(json!({ "fallback": "en" })),
    )
    .await
    .assert_problem(422, Some("fallback"));
    let renamed = app
        .call(
            Method::PATCH,
            "/api/v1/languages/ajp",
            Some(&admin),
            Some(json!({ "name_de": "Palästinensisches Arabisch", "fallback": null })),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["fallback"], json!(null));

    // Every role reads the lists; only admins write them.
    let caseworker = app.login("fachkraft").await;
    let languages = app.get("/api/v1/languages", &caseworker).await;
    assert!(
        languages
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["tag"] == "kmr" && l["fallback"] == "ku")
    );
    app.call(
        Method::POST,
        "/api/v1/languages",
        Some(&caseworker),
        Some(json!({ "tag": "abc", "name_de": "A", "name_en": "A" })),
    )
    .await
    .assert_problem(403, None);

    for action in ["site.create", "site.update", "language.create", "language.update"] {
        assert_eq!(app.audited(action).await, 1, "{action}");
    }
    let log = app.get("/api/v1/audit-events?entity=language", &admin).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert_eq!(log.body.as_array().unwrap().len(), 2);
    assert_eq!(log.body[0]["action"], "language.update");
    assert_eq!(log.body[0]["actor"], "admin");
}

#[tokio::test]
async fn travel_times_between_sites_reach_the_planner() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let listed = app.get("/api/v1/site-travel", &admin).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let demo = listed.body.as_array().unwrap();
    assert!(demo.iter().any(|t| t["minutes"] == 15
        && ((t["from"] == "mitte" && t["to"] == "meiderich")
            || (t["from"] == "meiderich" && t["to"] == "mitte"))));

    let set = app
        .call(
            Method::PUT,
            "/api/v1/site-travel",
            Some(&admin),
            Some(json!({ "from": "sued", "to": "mitte", "minutes": 35 })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    for (body, field) in [
        (json!({ "from": "sued", "to": "sued", "minutes": 5 }), "to"),
        (json!({ "from": "sued", "to": "atlantis", "minutes": 5 }), "to"),
        (json!({ "from": "sued", "to": "mitte", "minutes": 900 }), "minutes"),
    ] {
        app.call(Method::PUT, "/api/v1/site-travel", Some(&admin), Some(body))
            .await
            .assert_problem(422, Some(field));
    }
    app.call(
        Method::PUT,
        "/api/v1/site-travel",
        Some(&app.login("teamleitung").await),
        Some(json!({ "from": "sued", "to": "mitte", "minutes": 5 })),
    )
    .await
    .assert_problem(403, None);

    // What the planner reads: the pair once, with the new time.
    let today = chrono::Utc::now().date_naive();
    let snapshot =
        sprachpool::services::planning::snapshot::read(&app.db, 1, &[], today).await.unwrap();
    let pair: Vec<_> = snapshot
        .problem
        .travel_minutes
        .iter()
        .filter(|t| (t.from == "sued" && t.to == "mitte") || (t.from == "mitte" && t.to == "sued"))
        .collect();
    assert_eq!(pair.len(), 1);
    assert_eq!(pair[0].minutes, 35);
    assert_eq!(app.audited("site_travel.set").await, 1);
}
