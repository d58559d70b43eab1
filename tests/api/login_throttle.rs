//! What failed logins hold back, and what they leave alone: growing waits per username and
//! address, a limit per address, a lock per username from all addresses that admins lift,
//! attempts counted before the password is checked, bounded input, and a limit on password
//! checks at once.

use axum::http::{Method, StatusCode};
use futures_util::future::join_all;

use crate::helpers::{Answer, TestApp};

fn retry_after(answer: &Answer) -> u64 {
    answer.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn failures_make_that_address_wait_but_leave_other_addresses_and_users_alone() {
    let app = TestApp::spawn().await;
    let here = "192.0.2.10";
    for _ in 0..app.settings.login_max_failures {
        app.login_from(here, "Fachkraft", "wrong").await.assert_problem(401, None);
    }
    // From here even the right password now waits, and is told how long.
    let held = app.login_from(here, "fachkraft", "demo").await;
    held.assert_problem(429, None);
    assert_eq!(retry_after(&held), 1);
    // The user logs in from elsewhere; nobody can lock them out from one address.
    let elsewhere = app.login_from("192.0.2.11", "fachkraft", "demo").await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text);
    assert_eq!(app.login_from(here, "teamleitung", "demo").await.status, StatusCode::OK);
    // An unknown username is held back the same way, so a wait reveals nothing.
    for _ in 0..app.settings.login_max_failures {
        app.login_from(here, "niemand", "x").await.assert_problem(401, None);
    }
    app.login_from(here, "niemand", "x").await.assert_problem(429, None);
}

#[tokio::test]
async fn the_right_password_after_the_wait_is_accepted() {
    let app = TestApp::spawn_with(|s| s.login_max_failures = 1).await;
    let here = "192.0.2.20";
    app.login_from(here, "fachkraft", "wrong").await.assert_problem(401, None);
    app.login_from(here, "fachkraft", "demo").await.assert_problem(429, None);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = app.login_from(here, "fachkraft", "demo").await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
}

#[tokio::test]
async fn an_address_with_too_many_failures_is_refused_for_any_username() {
    let app = TestApp::spawn_with(|s| s.login_address_max_failures = 4).await;
    let here = "198.51.100.1";
    for name in ["a", "b", "c", "d"] {
        app.login_from(here, name, "x").await.assert_problem(401, None);
    }
    let refused = app.login_from(here, "fachkraft", "demo").await;
    refused.assert_problem(429, None);
    assert!(retry_after(&refused) > 1);
    assert_eq!(app.login_from("198.51.100.2", "fachkraft", "demo").await.status, StatusCode::OK);
}

#[tokio::test]
async fn many_failures_from_everywhere_lock_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn_with(|s| s.login_username_max_failures = 6).await;
    // Three failures each from three addresses: under each address's free failures.
    for n in 0..9 {
        let address = format!("203.0.113.{}", n / 3 + 1);
        let answer = app.login_from(&address, "fachkraft", "wrong").await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&answer.status),
            "{}",
            answer.text
        );
    }
    let locked = app.login_from("203.0.113.99", "fachkraft", "demo").await;
    locked.assert_problem(429, None);
    assert!(retry_after(&locked) > 60 * 50, "locked for about an hour: {}", retry_after(&locked));

    let admin = app.login("admin").await;
    let users = app.get("/api/v1/users", &admin).await;
    let id = users.body.as_array().unwrap().iter().find(|u| u["username"] == "fachkraft").unwrap()
        ["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/users/{id}/unlock");
    app.call(Method::POST, &path, Some(&app.login("teamleitung").await), None)
        .await
        .assert_problem(403, None);
    let unlocked = app.call(Method::POST, &path, Some(&admin), None).await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.text);
    assert_eq!(unlocked.body["was_locked"], true);
    assert_eq!(app.audited("user.unlock").await, 1);
    let back = app.login_from("203.0.113.99", "fachkraft", "demo").await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
}

#[tokio::test]
async fn parallel_attempts_are_counted_before_their_passwords_are_checked() {
    let app = TestApp::spawn().await;
    let here = "192.0.2.30";
    let mut attempts = Vec::new();
    for n in 0..60 {
        let password = if n == 59 { "demo" } else { "wrong" };
        attempts.push(app.login_from(here, "fachkraft", password));
    }
    let answers = join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|a| [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(&a.status))
        .count();
    let held = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(
        checked <= app.settings.login_max_failures as usize,
        "{checked} passwords checked of 60"
    );
    assert_eq!(checked + held, 60);
}

#[tokio::test]
async fn an_overlong_username_is_refused_before_anything_is_stored() {
    let app = TestApp::spawn().await;
    let before = app.table_counts().await;
    let long = "x".repeat(200_000);
    let refused = app.login_from("192.0.2.40", &long, "x").await;
    refused.assert_problem(422, Some("username"));
    app.login_from("192.0.2.40", &"y".repeat(65), "x").await.assert_problem(422, Some("username"));
    assert_eq!(app.table_counts().await, before);

    // What is stored for a failure is a digest of the username, never its text.
    let name = "a".repeat(64);
    app.login_from("192.0.2.40", &name, "x").await.assert_problem(401, None);
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM login_throttle WHERE key = '{}' AND LENGTH(key) = 64",
            sprachpool::auth::throttle::username_key(&name)
        ))
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM login_throttle WHERE key = '{name}'")).await,
        0
    );
}

#[tokio::test]
async fn a_flood_of_logins_is_answered_busy_beyond_the_password_checks_at_once() {
    let app = TestApp::spawn_with(|s| {
        s.login_max_verifications = 1;
        s.login_address_max_failures = 1_000;
    })
    .await;
    let names: Vec<String> = (0..40).map(|n| format!("unbekannt{n}")).collect();
    let answers = join_all(names.iter().map(|name| app.login_from("192.0.2.50", name, "x"))).await;
    let busy: Vec<&Answer> =
        answers.iter().filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(!busy.is_empty(), "none of 40 logins at once was answered busy");
    for answer in &busy {
        answer.assert_problem(503, None);
        assert_eq!(retry_after(answer), 1);
    }
    assert!(answers.iter().all(|a| [401, 503].contains(&a.status.as_u16())));
    // Nothing waits behind them: the next login goes through.
    assert_eq!(app.login_from("192.0.2.51", "fachkraft", "demo").await.status, StatusCode::OK);
}
