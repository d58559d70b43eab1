//! Data protection: a client's data exported (GDPR Art. 15) and erased (Art. 17) by a
//! caseworker, both audited; the retention job forgetting what is older than the period while
//! the figures stay the same; HSTS behind HTTPS.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use entities::client;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use sprachpool::services::privacy::retention;
use tower::ServiceExt;

use crate::booking::{english_call, weekday_at};
use crate::helpers::TestApp;

async fn book(app: &TestApp, caseworker: &str, client_ref: &str, weekday: u32, hour: u32) -> i64 {
    let (start, end) = weekday_at(weekday, hour);
    let mut body = english_call(&start, &end);
    body["client_ref"] = json!(client_ref);
    let booked = app.call(Method::POST, "/api/v1/appointments", Some(caseworker), Some(body)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    booked.body["id"].as_i64().unwrap()
}

/// Refers the client to recognition advice for a nursing qualification from `country`.
async fn refer_for_recognition(
    app: &TestApp,
    caseworker: &str,
    client_ref: &str,
    country: &str,
) -> i64 {
    let referral = app
        .call(
            Method::POST,
            "/api/v1/recognition-referrals",
            Some(caseworker),
            Some(json!({ "client_ref": client_ref, "reference_occupation": "Pflegefachfrau", "country": country, "qualification_type": "vocational", "regulated": true, "competent_body": null })),
        )
        .await;
    assert_eq!(referral.status, StatusCode::CREATED, "{}", referral.text);
    referral.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_caseworker_exports_what_is_stored_about_a_client() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let record = json!({ "languages": ["en", "fa"], "gender_preference": "f", "exclusions": [] });
    let put =
        app.call(Method::PUT, "/api/v1/clients/777K000111", Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let appointment = book(&app, &caseworker, "777K000111", 3, 9).await;
    refer_for_recognition(&app, &caseworker, "777K000111", "ir").await;

    let export = app.get("/api/v1/clients/777K000111/export", &caseworker).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    let body = &export.body;
    assert_eq!(body["reference"], "777K000111");
    assert_eq!(body["languages"], json!(["en", "fa"]));
    assert_eq!(body["gender_preference"], "f");
    let appointments = body["appointments"].as_array().unwrap();
    assert_eq!(appointments.len(), 1);
    assert_eq!(appointments[0]["id"], appointment);
    assert_eq!(appointments[0]["language"], "en");
    // Whoever was proposed got the appointment's details: a recipient the client is told of.
    let recipients = appointments[0]["interpreters"].as_array().unwrap();
    assert_eq!(recipients.len(), 1, "{}", export.text);
    assert!(!recipients[0]["interpreter"].as_str().unwrap().is_empty());
    let referral = &body["recognition_referrals"][0];
    assert_eq!(referral["reference_occupation"], "Pflegefachfrau");
    assert_eq!(referral["country"], "IR");
    assert_eq!(referral["steps"][0]["status"], "referred");
    assert_eq!(app.audited("client.export").await, 1);

    // Only caseworkers of the organisation; a team lead never sees a client's file.
    let lead = app.login("teamleitung").await;
    app.get("/api/v1/clients/777K000111/export", &lead).await.assert_problem(403, None);
    let other = app.login("ki.fachkraft").await;
    app.get("/api/v1/clients/777K000111/export", &other).await.assert_problem(404, None);
    app.get("/api/v1/clients/000X000000/export", &caseworker).await.assert_problem(404, None);
    assert_eq!(app.audited("client.export").await, 1);
}

#[tokio::test]
async fn erasure_waits_for_appointments_to_come_and_then_leaves_nothing_that_leads_back() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let record = json!({ "languages": ["en"], "gender_preference": "m", "exclusions": [] });
    app.call(Method::PUT, "/api/v1/clients/888E000222", Some(&caseworker), Some(record)).await;
    let appointment = book(&app, &caseworker, "888E000222", 3, 9).await;
    let path = "/api/v1/clients/888E000222/erase";

    let before = app.table_counts().await;
    let refused = app.call(Method::POST, path, Some(&caseworker), None).await;
    refused.assert_problem(409, Some("appointments"));
    assert!(refused.text.contains(&appointment.to_string()), "{}", refused.text);
    assert_eq!(app.table_counts().await, before, "a refused erasure changes nothing");
    let other = app.login("ki.fachkraft").await;
    app.call(Method::POST, path, Some(&other), None).await.assert_problem(404, None);
    let lead = app.login("teamleitung").await;
    app.call(Method::POST, path, Some(&lead), None).await.assert_problem(403, None);

    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{appointment}/cancel"),
            Some(&caseworker),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let erased = app.call(Method::POST, path, Some(&caseworker), None).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
    assert_eq!(erased.body["appointments_kept"], 1);
    assert_eq!(app.audited("client.erase").await, 1);

    // The reference is gone: not found, not in any table, and free for a new client.
    app.get("/api/v1/clients/888E000222", &caseworker).await.assert_problem(404, None);
    app.get("/api/v1/clients/888E000222/export", &caseworker).await.assert_problem(404, None);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM client WHERE reference = '888E000222'").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM client WHERE gender_preference IS NOT NULL AND anonymised_at IS NOT NULL").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM client_language cl JOIN client c ON c.id = cl.client_id WHERE c.anonymised_at IS NOT NULL").await,
        0
    );
    // The appointment itself stays for the figures, still cancelled.
    let kept = app.get(&format!("/api/v1/appointments/{appointment}"), &caseworker).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    assert_eq!(kept.body["status"], "cancelled");
    assert_ne!(kept.body["client_ref"], "888E000222");
    let again = app.get("/api/v1/clients/888E000222", &caseworker).await;
    again.assert_problem(404, None);
    let fresh = json!({ "languages": [], "gender_preference": null, "exclusions": [] });
    let reused =
        app.call(Method::PUT, "/api/v1/clients/888E000222", Some(&caseworker), Some(fresh)).await;
    assert_eq!(reused.status, StatusCode::OK, "{}", reused.text);
    assert_eq!(reused.body["languages"], json!([]));
}

#[tokio::test]
async fn retention_erases_clients_without_activity_and_keeps_those_with_appointments_to_come() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let record = json!({ "languages": ["en"], "gender_preference": null, "exclusions": [] });
    for reference in ["STALE00001", "ACTIVE0001"] {
        let put = app
            .call(
                Method::PUT,
                &format!("/api/v1/clients/{reference}"),
                Some(&caseworker),
                Some(record.clone()),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    }
    book(&app, &caseworker, "ACTIVE0001", 3, 9).await;
    // Both records were last changed three years ago; only one has an appointment to come.
    client::Entity::update_many()
        .col_expr(client::Column::UpdatedAt, Expr::value(Utc::now() - Duration::days(3 * 365)))
        .filter(client::Column::Reference.is_in(["STALE00001", "ACTIVE0001"]))
        .exec(&app.db)
        .await
        .unwrap();

    let dry = retention::run(&app.db, Utc::now(), 24, false).await.unwrap();
    assert_eq!(dry.iter().map(|r| r.clients_erased).sum::<u64>(), 1);
    assert_eq!(app.get("/api/v1/clients/STALE00001", &caseworker).await.status, StatusCode::OK);

    let runs = retention::run(&app.db, Utc::now(), 24, true).await.unwrap();
    assert_eq!(runs.len(), 2, "one run per organisation");
    assert_eq!(runs.iter().map(|r| r.clients_erased).sum::<u64>(), 1);
    app.get("/api/v1/clients/STALE00001", &caseworker).await.assert_problem(404, None);
    assert_eq!(app.get("/api/v1/clients/ACTIVE0001", &caseworker).await.status, StatusCode::OK);
    assert_eq!(app.audited("retention.run").await, 2);
    // A second run finds nothing more.
    let again = retention::run(&app.db, Utc::now(), 24, true).await.unwrap();
    assert_eq!(again.iter().map(|r| r.clients_erased).sum::<u64>(), 0);
}

#[tokio::test]
async fn retention_forgets_old_details_and_the_figures_stay_the_same() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let caseworker = app.login("fachkraft").await;
    let today = Utc::now().date_naive();
    let coverage = format!(
        "/api/v1/coverage?from={}&to={}&group_by=language",
        today - Duration::days(84),
        today
    );
    let year = format!("/api/v1/reports/{}", today.format("%Y"));
    let coverage_before = app.get(&coverage, &lead).await;
    let report_before = app.get(&year, &lead).await;
    assert_eq!(coverage_before.status, StatusCode::OK, "{}", coverage_before.text);
    assert_eq!(report_before.status, StatusCode::OK, "{}", report_before.text);
    let appointments = app.count("SELECT COUNT(*) AS n FROM appointment").await;
    assert!(appointments > 100, "the demo history has appointments");
    app.count("SELECT COUNT(*) AS n FROM appointment").await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "UPDATE appointment SET fallback_note = 'Klient bringt seinen Bruder mit', gender_preference = 'f' WHERE status = 'fallback'",
    )
    .await
    .unwrap();
    assert!(
        app.count("SELECT COUNT(*) AS n FROM appointment WHERE fallback_note IS NOT NULL").await
            > 0
    );
    assert!(app.count("SELECT COUNT(*) AS n FROM absence WHERE reason <> 'other'").await > 0);

    // Thirty months on, with a period of 24 months, everything the demo holds is old.
    let later = Utc::now() + Duration::days(30 * 31);
    let runs = retention::run(&app.db, later, 24, true).await.unwrap();
    let clients = app.count("SELECT COUNT(*) AS n FROM client").await;
    assert_eq!(runs.iter().map(|r| r.clients_erased).sum::<u64>() as i64, clients);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM client WHERE anonymised_at IS NULL").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM appointment WHERE fallback_note IS NOT NULL").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM appointment WHERE gender_preference IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM assignment WHERE decline_reason IS NOT NULL").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM absence WHERE reason <> 'other'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM appointment").await, appointments);
    // Logins ended before the cutoff are gone: these two were ended by then.
    assert_eq!(app.get("/api/v1/me", &caseworker).await.status, StatusCode::UNAUTHORIZED);
    let (lead, caseworker) = (app.login("teamleitung").await, app.login("fachkraft").await);
    app.get("/api/v1/clients/DEMO-0001", &caseworker).await.assert_problem(404, None);

    // The figures count the same appointments, referrals and hours as before.
    let coverage_after = app.get(&coverage, &lead).await;
    assert_eq!(coverage_after.body, coverage_before.body);
    let report_after = app.get(&year, &lead).await;
    assert_eq!(report_after.body, report_before.body);
}

#[tokio::test]
async fn browsers_are_told_to_keep_to_https_only_behind_https() {
    let app = TestApp::spawn().await;
    let plain = app.get("/login", "").await;
    assert!(plain.headers.get("strict-transport-security").is_none());
    assert_eq!(plain.headers["referrer-policy"], "no-referrer");
    assert!(
        plain.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );

    let settings = sprachpool::config::Settings { secure_cookies: true, ..app.settings.clone() };
    let router =
        sprachpool::app::build_router(sprachpool::app::AppState::new(app.db.clone(), settings));
    let request = axum::http::Request::get("/login").body(axum::body::Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    let hsts = response.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
}

#[tokio::test]
async fn a_referral_whose_client_was_erased_gets_no_appointments_to_come() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let referral_id = refer_for_recognition(&app, &caseworker, "999E000333", "sy").await;
    let erased =
        app.call(Method::POST, "/api/v1/clients/999E000333/erase", Some(&caseworker), None).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
    // The referral stays, without what leads back to the client.
    let forgotten = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM recognition_referral WHERE id = {referral_id} \
             AND country = 'XX' AND reference_occupation = '' AND competent_body IS NULL"
        ))
        .await;
    assert_eq!(forgotten, 1);

    let (start, end) = weekday_at(3, 9);
    let mut body = english_call(&start, &end);
    body.as_object_mut().unwrap().remove("client_ref");
    body["kind"] = json!("recognition_advice");
    body["recognition_referral_id"] = json!(referral_id);
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
    assert_eq!(booked.status, StatusCode::CONFLICT, "{}", booked.text);
    assert_eq!(
        booked.error_fields(),
        vec!["recognition_referral_id".to_owned()],
        "{}",
        booked.text
    );
    let appointments = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM appointment WHERE recognition_referral_id = {referral_id}"
        ))
        .await;
    assert_eq!(appointments, 0);
}

/// On SQLite an erased client's reference and exclusion reason are gone from the database
/// file and its WAL, not only from what queries return. (On PostgreSQL dead rows stay until a
/// vacuum, as the README says; nothing of that is the service's to check.)
#[tokio::test]
async fn an_erased_client_leaves_no_trace_in_the_sqlite_files() {
    let app = TestApp::spawn().await;
    let url = app.settings.database_url.expose().to_owned();
    let Some(path) = url.strip_prefix("sqlite://").and_then(|rest| rest.split('?').next()) else {
        return;
    };
    let caseworker = app.login("fachkraft").await;
    let leyla =
        app.get("/api/v1/me", &app.login("dolmetscher").await).await.body["interpreter_id"].clone();
    let record = json!({ "languages": ["ar"], "gender_preference": "f", "exclusions": [{ "interpreter_id": leyla, "reason": "Schwagerin-Q7" }] });
    let put =
        app.call(Method::PUT, "/api/v1/clients/EXCL-Q7Z", Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let files = || {
        [path.to_owned(), format!("{path}-wal")]
            .iter()
            .map(|file| std::fs::read(file).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let holds =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(files().iter().any(|f| holds(f, "EXCL-Q7Z")), "the reference was written");

    let erased =
        app.call(Method::POST, "/api/v1/clients/EXCL-Q7Z/erase", Some(&caseworker), None).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
    for (file, bytes) in [path.to_owned(), format!("{path}-wal")].iter().zip(files()) {
        assert!(!holds(&bytes, "EXCL-Q7Z"), "the reference is still in {file}");
        assert!(!holds(&bytes, "Schwagerin-Q7"), "the exclusion's reason is still in {file}");
    }
}
