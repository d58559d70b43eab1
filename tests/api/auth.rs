//! Logging in as each role, logging out, and what a failed login reveals.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn each_demo_role_logs_in_and_sees_its_roles() {
    let app = TestApp::spawn().await;
    for (username, role) in [
        ("fachkraft", "caseworker"),
        ("dolmetscher", "volunteer"),
        ("teamleitung", "team_lead"),
        ("admin", "admin"),
    ] {
        let token = app.login(username).await;
        let me = app.get("/api/v1/me", &token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["username"], username);
        assert_eq!(me.body["organisation"]["slug"], "jobcenter-duisburg");
        let roles: Vec<&str> =
            me.body["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        assert!(roles.contains(&role), "{username}: {roles:?}");
    }
    assert_eq!(app.audited("auth.login").await, 4);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let login = |username: &'static str, password: &'static str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": username, "password": password })),
        )
    };
    let wrong_password = login("fachkraft", "not-demo").await;
    let unknown_user = login("niemand", "demo").await;
    wrong_password.assert_problem(401, None);
    unknown_user.assert_problem(401, None);
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM session").await, 0);
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let token = app.login("fachkraft").await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    let out = app.call(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/me", &token).await.assert_problem(401, None);
    assert_eq!(app.audited("auth.logout").await, 1);
}

#[tokio::test]
async fn a_token_carries_every_role_its_user_holds_now() {
    use sprachpool::domain::Role;
    let app = TestApp::spawn().await;
    let token = app.login("fachkraft").await;
    let me = app.get("/api/v1/me", &token).await;
    let id = me.body["id"].as_i64().unwrap();
    let roles_now = || async {
        let me = app.get("/api/v1/me", &token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        me.body["roles"].clone()
    };
    sprachpool::repo::users::set_roles(&app.db, id, &[Role::Volunteer, Role::Caseworker])
        .await
        .unwrap();
    assert_eq!(roles_now().await, json!(["caseworker", "volunteer"]));
    // A user whose roles were all taken keeps the session, and reaches nothing that needs one.
    sprachpool::repo::users::set_roles(&app.db, id, &[]).await.unwrap();
    assert_eq!(roles_now().await, json!([]));
    app.get("/api/v1/appointments", &token).await.assert_problem(403, None);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = TestApp::spawn().await;
    let anonymous = app.call(Method::GET, "/api/v1/me", None, None).await;
    anonymous.assert_problem(401, None);
    assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
    app.get("/api/v1/me", "not-a-token").await.assert_problem(401, None);
}

#[tokio::test]
async fn a_deactivated_user_is_logged_out_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let token = app.login("fachkraft").await;
    let users = app.get("/api/v1/users", &admin).await;
    let id = users.body.as_array().unwrap().iter().find(|u| u["username"] == "fachkraft").unwrap()
        ["id"]
        .clone();
    let off = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    app.get("/api/v1/me", &token).await.assert_problem(401, None);
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({ "username": "fachkraft", "password": "demo" })),
    )
    .await
    .assert_problem(401, None);
}

#[tokio::test]
async fn a_user_changes_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::spawn().await;
    let here = app.login("fachkraft").await;
    let elsewhere = app.login("fachkraft").await;
    let change = |current: &str, new: &str| {
        let body = json!({ "current_password": current, "new_password": new });
        app.call(Method::POST, "/api/v1/me/password", Some(&here), Some(body))
    };
    change("falsch", "ein-ganz-neues-passwort").await.assert_problem(422, Some("current_password"));
    change("demo", "kurz").await.assert_problem(422, Some("new_password"));
    let changed = change("demo", "ein-ganz-neues-passwort").await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    assert_eq!(app.audited("user.password_change").await, 1);

    // This session goes on; the other one ends; the old password is gone.
    assert_eq!(app.get("/api/v1/me", &here).await.status, StatusCode::OK);
    app.get("/api/v1/me", &elsewhere).await.assert_problem(401, None);
    let login = |password: &str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": "fachkraft", "password": password })),
        )
    };
    login("demo").await.assert_problem(401, None);
    assert_eq!(login("ein-ganz-neues-passwort").await.status, StatusCode::OK);
}
