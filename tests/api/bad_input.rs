//! Every kind of bad input gets a 4xx problem+json naming the field, and nothing is written.

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Sends `body` and checks status, the field named, and that no table changed.
async fn refused(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
    status: u16,
    field: &str,
) {
    let before = app.table_counts().await;
    let answer = app.call(method, path, Some(token), Some(body.clone())).await;
    answer.assert_problem(status, Some(field));
    assert_eq!(app.table_counts().await, before, "{path} with {body} wrote something");
}

#[tokio::test]
async fn bad_profile_input_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let token = app.login("dolmetscher").await;
    let profile_before = app.get("/api/v1/me/profile", &token).await.body;

    // Unknown field, wrong type.
    refused(
        &app,
        &token,
        Method::PATCH,
        "/api/v1/me/profile",
        json!({ "moods": ["phone"] }),
        422,
        "moods",
    )
    .await;
    refused(
        &app,
        &token,
        Method::PATCH,
        "/api/v1/me/profile",
        json!({ "works_on_holidays": "yes" }),
        422,
        "works_on_holidays",
    )
    .await;
    refused(
        &app,
        &token,
        Method::PATCH,
        "/api/v1/me/profile",
        json!({ "modes": [] }),
        422,
        "modes",
    )
    .await;

    // Unknown language tag, malformed tag, a level that is not a CEFR level.
    let unknown =
        json!({ "languages": [{ "tag": "ar", "level": "B2" }, { "tag": "xx", "level": "B2" }] });
    refused(&app, &token, Method::PUT, "/api/v1/me/languages", unknown, 422, "languages[1].tag")
        .await;
    let malformed = json!({ "languages": [{ "tag": "arabic", "level": "B2" }] });
    refused(&app, &token, Method::PUT, "/api/v1/me/languages", malformed, 422, "languages[0].tag")
        .await;
    let level = json!({ "languages": [{ "tag": "ar", "level": "native" }, { "tag": "tr", "level": "B3" }] });
    refused(&app, &token, Method::PUT, "/api/v1/me/languages", level, 422, "languages[1].level")
        .await;
    let twice =
        json!({ "languages": [{ "tag": "ar", "level": "B2" }, { "tag": "AR", "level": "C1" }] });
    refused(&app, &token, Method::PUT, "/api/v1/me/languages", twice, 422, "languages[1].tag")
        .await;

    // Availability: end before start, crossing midnight, a time that is no time, unknown site.
    let backwards = json!({ "weekday": "mon", "start": "12:00", "end": "09:00" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", backwards, 422, "end").await;
    let midnight = json!({ "weekday": "fri", "start": "22:00", "end": "02:00" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", midnight, 422, "end").await;
    let bad_time = json!({ "weekday": "mon", "start": "25:00", "end": "10:00" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", bad_time, 422, "start").await;
    let bad_day = json!({ "weekday": "monday", "start": "09:00", "end": "10:00" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", bad_day, 422, "weekday").await;
    let site = json!({ "weekday": "mon", "start": "09:00", "end": "10:00", "site": "atlantis" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", site, 422, "site").await;
    let validity = json!({ "weekday": "mon", "start": "09:00", "end": "10:00", "valid_from": "2027-05-01", "valid_until": "2027-04-01" });
    refused(&app, &token, Method::POST, "/api/v1/me/availability", validity, 422, "valid_until")
        .await;

    // Absences: until before from, a missing field, and one overlapping an existing absence.
    let backwards = json!({ "from": "2027-01-10T00:00:00+01:00", "until": "2027-01-05T00:00:00+01:00", "reason": "vacation" });
    refused(&app, &token, Method::POST, "/api/v1/me/absences", backwards, 422, "until").await;
    let missing = json!({ "from": "2027-01-10T00:00:00+01:00", "reason": "vacation" });
    refused(&app, &token, Method::POST, "/api/v1/me/absences", missing, 422, "until").await;
    let no_offset = json!({ "from": "2027-01-10T00:00:00", "until": "2027-01-12T00:00:00", "reason": "vacation" });
    refused(&app, &token, Method::POST, "/api/v1/me/absences", no_offset, 422, "from").await;
    let first = json!({ "from": "2027-01-10T00:00:00+01:00", "until": "2027-01-15T00:00:00+01:00", "reason": "vacation" });
    let created = app.call(Method::POST, "/api/v1/me/absences", Some(&token), Some(first)).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let overlapping = json!({ "from": "2027-01-14T12:00:00+01:00", "until": "2027-01-20T00:00:00+01:00", "reason": "sick" });
    refused(&app, &token, Method::POST, "/api/v1/me/absences", overlapping, 409, "from").await;
    // Touching periods do not overlap: [10, 15) and [15, 20).
    let adjacent = json!({ "from": "2027-01-15T00:00:00+01:00", "until": "2027-01-20T00:00:00+01:00", "reason": "sick" });
    let ok = app.call(Method::POST, "/api/v1/me/absences", Some(&token), Some(adjacent)).await;
    assert_eq!(ok.status.as_u16(), 201, "{}", ok.text);

    let mut profile_after = app.get("/api/v1/me/profile", &token).await.body;
    // Apart from the two absences added on purpose, the profile is as before.
    let absences = profile_after["planning"]["absences"].as_array_mut().unwrap();
    absences.retain(|a| !a["from"].as_str().unwrap().starts_with("2027-01-1"));
    assert_eq!(profile_after, profile_before);
}

#[tokio::test]
async fn malformed_bodies_and_wrong_media_types_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("dolmetscher").await;
    let before = app.table_counts().await;
    let raw = |content_type: &'static str, body: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/me/availability")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    app.send(raw("application/json", "{\"weekday\": \"mon\", ")).await.assert_problem(400, None);
    app.send(raw("application/json", "[1, 2")).await.assert_problem(400, None);
    app.send(raw("text/plain", "{\"weekday\": \"mon\"}")).await.assert_problem(415, None);
    app.send(raw("application/json", "\"just a string\"")).await.assert_problem(422, Some("body"));
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn unparseable_ids_and_unknown_routes_answer_404() {
    let app = TestApp::spawn().await;
    let token = app.login("teamleitung").await;
    app.get("/api/v1/interpreters/abc", &token).await.assert_problem(404, None);
    app.get("/api/v1/nonsense", &token).await.assert_problem(404, None);
}

/// chrono reads years of up to six digits with a sign; at the edge of its calendar adding a
/// day or reading the local time panics, so such a date is refused where it comes in.
#[tokio::test]
async fn dates_beyond_four_digit_years_are_refused() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let edge = json!({ "from": "+262142-12-31", "to": "+262142-12-31" });
    refused(&app, &lead, Method::POST, "/api/v1/planning-runs", edge, 422, "from").await;

    let caseworker = app.login("fachkraft").await;
    app.get("/api/v1/appointments?from=%2B262142-12-31", &caseworker)
        .await
        .assert_problem(422, Some("from"));
    let booking = json!({
        "client_ref": "K-4711", "language": "ar", "min_level": "B1",
        "start": "+262142-12-31T23:00:00+00:00", "end": "2026-03-24T10:00:00+01:00",
        "mode": "phone", "site": null, "kind": "counselling", "priority": 3,
        "gender_preference": null, "series": null
    });
    refused(&app, &caseworker, Method::POST, "/api/v1/appointments", booking, 422, "start").await;

    let mut page = crate::web::Browser::new(&app);
    page.log_in("teamleitung").await;
    let csrf = page.csrf();
    let form = [("from", "+262142-12-31"), ("to", "+262142-12-31"), ("time_limit", "5")];
    let answer = page.post("/planning", &[&form[..], &[("csrf", csrf.as_str())]].concat()).await;
    assert_eq!(answer.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
}

#[tokio::test]
async fn a_method_a_route_does_not_have_answers_405_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let token = app.login("teamleitung").await;
    let answer = app.call(Method::DELETE, "/api/v1/me", Some(&token), None).await;
    answer.assert_problem(405, None);
    assert_eq!(answer.headers[header::ALLOW], "GET,HEAD");
    let answer = app.call(Method::PUT, "/healthz", None, None).await;
    answer.assert_problem(405, None);
}

#[tokio::test]
async fn a_course_import_that_is_not_utf8_text_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("admin").await;
    let before = app.table_counts().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/courses/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(&b"provider;programme\n\xff\xfe;x\n"[..]))
        .unwrap();
    app.send(request).await.assert_problem(400, None);
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_nul_character_anywhere_is_refused_naming_its_field() {
    // PostgreSQL cannot store NUL and failed the whole request with 500.
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let admin = app.login("admin").await;
    let caseworker = app.login("fachkraft").await;
    let before = app.table_counts().await;
    let training = json!({
        "title": "Interkulturelle\u{0}Kompetenz", "starts_on": "2026-03-02",
        "ends_on": "2026-03-02", "hours": 7.5, "trainer": null,
        "participants": [{ "department": "Leistung", "participants": 3 }],
    });
    let answer = app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(training)).await;
    answer.assert_problem(422, Some("title"));
    let answer = app
        .call(
            Method::POST,
            "/api/v1/course-providers",
            Some(&admin),
            Some(json!({ "name": "VHS", "address": "Duis\u{0}burg" })),
        )
        .await;
    answer.assert_problem(422, Some("address"));
    app.get("/api/v1/interpreters?language=a%00r", &lead)
        .await
        .assert_problem(422, Some("language"));
    app.get("/api/v1/clients/DEMO%000001", &caseworker).await.assert_problem(404, None);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/courses/import")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from("provider;programme\nVHS\u{0};x\n"))
        .unwrap();
    app.send(request).await.assert_problem(422, Some("body"));
    assert_eq!(app.table_counts().await, before);
    // A login with NUL in the name is refused like any other bad input, and counted nowhere.
    let answer = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": "admin\u{0}", "password": "demo" })),
        )
        .await;
    answer.assert_problem(422, Some("username"));
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_page_form_holding_the_nul_character_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let mut page = crate::web::Browser::new(&app);
    page.log_in("teamleitung").await;
    let csrf = page.csrf();
    let before = app.table_counts().await;
    let form = [
        ("title", "Interkulturelle\0Kompetenz"),
        ("starts_on", "2026-03-02"),
        ("ends_on", "2026-03-02"),
        ("hours", "7"),
        ("csrf", csrf.as_str()),
    ];
    let answer = page.post("/trainings", &form).await;
    assert_eq!(answer.status, axum::http::StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(app.table_counts().await, before);
    // A "%00" typed as text is no NUL and reaches the page.
    let form = [("from", "%00"), ("to", "2026-03-02"), ("csrf", csrf.as_str())];
    assert_ne!(page.post("/planning", &form).await.status, axum::http::StatusCode::BAD_REQUEST);
}

/// Instants at the edges of the calendar: written in a four-digit year, but outside it in
/// UTC, or far from any appointment. Refused, naming the field, not a server error.
#[tokio::test]
async fn instants_at_the_edges_of_the_calendar_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let volunteer = app.login("dolmetscher").await;
    let booking = |start: &str, end: &str| {
        json!({
            "client_ref": "987X654321", "language": "en", "min_level": "B1", "start": start,
            "end": end, "mode": "phone", "kind": "benefits", "priority": 3
        })
    };
    let late = booking("9999-12-31T23:00:00-12:00", "2027-01-10T10:00:00+01:00");
    refused(&app, &caseworker, Method::POST, "/api/v1/appointments", late, 422, "start").await;
    let early = booking("1850-03-01T09:00:00+01:00", "2027-01-10T10:00:00+01:00");
    refused(&app, &caseworker, Method::POST, "/api/v1/appointments", early, 422, "start").await;

    let until_edge = json!({ "from": "2027-01-10T00:00:00+01:00", "until": "9999-12-31T23:00:00-12:00", "reason": "vacation" });
    refused(&app, &volunteer, Method::POST, "/api/v1/me/absences", until_edge, 422, "until").await;
    let from_edge = json!({ "from": "0000-01-01T00:00:00+14:00", "until": "2027-01-12T00:00:00+01:00", "reason": "vacation" });
    refused(&app, &volunteer, Method::POST, "/api/v1/me/absences", from_edge, 422, "from").await;
}

/// Lists and texts have a documented maximum, and a body beyond the service's limit is 413.
#[tokio::test]
async fn oversized_lists_texts_and_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let training = |trainer: String, departments: usize| {
        json!({
            "title": "Interkulturelle Kompetenz", "starts_on": "2026-03-02", "ends_on": "2026-03-02",
            "hours": 7.5, "trainer": trainer,
            "participants": (0..departments)
                .map(|n| json!({ "department": format!("Team {n}"), "participants": 1 }))
                .collect::<Vec<_>>(),
        })
    };
    let many = training("Frau Meyer".to_owned(), 35_000);
    refused(&app, &lead, Method::POST, "/api/v1/trainings", many, 422, "participants").await;
    let long = training("x".repeat(100_000), 1);
    refused(&app, &lead, Method::POST, "/api/v1/trainings", long, 422, "trainer").await;

    // A department listed twice, or with nobody from it, is refused, not a server error.
    let mut twice = training("Frau Meyer".to_owned(), 1);
    twice["participants"] = json!([{ "department": "Leistung", "participants": 2 }, { "department": " Leistung", "participants": 1 }]);
    refused(
        &app,
        &lead,
        Method::POST,
        "/api/v1/trainings",
        twice,
        422,
        "participants[1].department",
    )
    .await;
    let mut nobody = training("Frau Meyer".to_owned(), 1);
    nobody["participants"] = json!([{ "department": "Leistung", "participants": 0 }]);
    refused(
        &app,
        &lead,
        Method::POST,
        "/api/v1/trainings",
        nobody,
        422,
        "participants[0].participants",
    )
    .await;

    let before = app.table_counts().await;
    let huge = training("x".repeat(3 * 1024 * 1024), 1);
    let answer = app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(huge)).await;
    answer.assert_problem(413, None);
    assert_eq!(app.table_counts().await, before);
}

/// The texts and lists that had no maximum before: a client's languages and exclusions and an
/// exclusion's reason, a site's address, a provider's contact, the audit log's filters, the
/// wanted kinds of messages. Each is refused naming the field, and nothing is written.
#[tokio::test]
async fn every_list_and_text_has_a_maximum() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let admin = app.login("admin").await;
    let client = |languages: usize, exclusions: usize, reason: &str| {
        json!({
            "languages": vec!["ar"; languages],
            "gender_preference": null,
            "exclusions": (0..exclusions)
                .map(|i| json!({ "interpreter_id": i + 1, "reason": reason }))
                .collect::<Vec<_>>(),
        })
    };
    let path = "/api/v1/clients/MAX-1";
    refused(&app, &caseworker, Method::PUT, path, client(21, 0, ""), 422, "languages").await;
    refused(&app, &caseworker, Method::PUT, path, client(1, 51, ""), 422, "exclusions").await;
    let long = "x".repeat(201);
    let field = "exclusions[0].reason";
    refused(&app, &caseworker, Method::PUT, path, client(1, 1, &long), 422, field).await;

    let site = json!({ "code": "nord", "name": "Nord", "address": "y".repeat(201) });
    refused(&app, &admin, Method::POST, "/api/v1/sites", site, 422, "address").await;
    let provider = json!({ "name": "VHS", "contact": "z".repeat(201) });
    refused(&app, &admin, Method::POST, "/api/v1/course-providers", provider, 422, "contact").await;
    let kinds = json!({ "wanted": vec!["proposal"; 21], "locale": "de" });
    refused(&app, &admin, Method::PUT, "/api/v1/me/notifications", kinds, 422, "wanted").await;
    let audit = app.get(&format!("/api/v1/audit-events?entity={}", "e".repeat(65)), &admin).await;
    audit.assert_problem(422, Some("entity"));
}

/// No free text holds a control character: no form sends one, and a log line or a CSV row
/// would carry it on. Texts of lines (the report's measures) take line breaks and tabs.
#[tokio::test]
async fn control_characters_in_free_text_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let lead = app.login("teamleitung").await;
    for (name, field) in [("Nord\u{1b}[31m", "name"), ("Nord\nSüd", "name")] {
        let site = json!({ "code": "nord", "name": name });
        refused(&app, &admin, Method::POST, "/api/v1/sites", site, 422, field).await;
    }
    let measures = json!({ "text": "Werbung\u{7}" });
    refused(&app, &lead, Method::PUT, "/api/v1/reports/2026/measures", measures, 422, "text").await;
    let lines = json!({ "text": "Werbung in Teams:\n\t- Nord\r\n\t- Süd" });
    let answer =
        app.call(Method::PUT, "/api/v1/reports/2026/measures", Some(&lead), Some(lines)).await;
    assert!(answer.status.is_success(), "{}", answer.text);
}

/// JSON knows one kind of number: `5.0` where an integer belongs is the integer 5, as the
/// document's `integer` says; `5.5` is refused naming the field.
#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_taken_as_an_integer() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    let training = |participants: Value| {
        json!({
            "title": "Dolmetschen im Jobcenter", "starts_on": "2026-03-02", "ends_on": "2026-03-02",
            "hours": 3, "participants": [{ "department": "Eingangszone", "participants": participants }],
        })
    };
    let taken =
        app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(training(json!(12.0)))).await;
    assert_eq!(taken.status, 201, "{}", taken.text);
    assert_eq!(taken.body["participants"][0]["participants"], 12);
    assert_eq!(taken.body["hours"], 3.0);
    let field = "participants[0].participants";
    refused(&app, &lead, Method::POST, "/api/v1/trainings", training(json!(12.5)), 422, field)
        .await;
}
