//! Booking as caseworkers and volunteers live it: book → proposed → confirm → held; decline →
//! the next volunteer; cancel one or a series; unfilled with a reason → fallback; the races.

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use sprachpool::domain::holidays::is_nrw_holiday;
use sprachpool::domain::time::BERLIN;

use crate::helpers::TestApp;

/// A weekday (0 = Monday) at least two weeks ahead that is not a public holiday, at `hour:00`
/// Berlin time.
pub fn weekday_at(weekday: u32, hour: u32) -> (String, String) {
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let mut day: NaiveDate = today + Duration::days(14);
    while day.weekday().num_days_from_monday() != weekday || is_nrw_holiday(day) {
        day += Duration::days(1);
    }
    let at = |h: u32| {
        BERLIN.from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap()).unwrap().to_rfc3339()
    };
    (at(hour), at(hour + 1))
}

/// English by phone on Thursday mornings: seven demo volunteers could take it.
pub fn english_call(start: &str, end: &str) -> Value {
    json!({
        "client_ref": "987X654321", "language": "en", "min_level": "B1", "start": start, "end": end,
        "mode": "phone", "kind": "benefits", "priority": 4
    })
}

fn arabic_booking(start: &str, end: &str) -> Value {
    json!({
        "client_ref": "123D456789", "language": "ar", "min_level": "B2", "start": start, "end": end,
        "mode": "in_person", "site": "mitte", "kind": "counselling", "priority": 3
    })
}

/// As [`arabic_booking`], every week until the same weekday `weeks` weeks later.
fn arabic_series(start: &str, end: &str, weeks: i64) -> Value {
    let first = chrono::DateTime::parse_from_rfc3339(start).unwrap().date_naive();
    let mut body = arabic_booking(start, end);
    let until = first + Duration::weeks(weeks);
    body["series"] = json!({ "every_weeks": 1, "until": until.to_string() });
    body
}

/// The username of an interpreter profile.
pub async fn username_of(app: &TestApp, interpreter_id: i64) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT u.username AS name FROM app_user u JOIN interpreter i ON i.user_id = u.id WHERE i.id = {interpreter_id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "name").unwrap()
}

/// The volunteer's assignment for an appointment, as the volunteer lists them.
pub async fn assignment_for(app: &TestApp, token: &str, start: &str) -> Value {
    let list = app.get("/api/v1/me/assignments", token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let start = chrono::DateTime::parse_from_rfc3339(start).unwrap();
    list.body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            chrono::DateTime::parse_from_rfc3339(a["start"].as_str().unwrap()).unwrap() == start
                && a["status"] == "proposed"
        })
        .cloned()
        .expect("a proposal for the appointment")
}

#[tokio::test]
async fn book_propose_confirm_and_record_the_outcome() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(arabic_booking(&start, &end)),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert_eq!(booked.body["status"], "proposed", "{}", booked.text);
    assert_eq!(booked.body["client_ref"], "123D456789");
    let id = booked.body["id"].as_i64().unwrap();
    let interpreter = booked.body["interpreter"]["id"].as_i64().unwrap();

    // The volunteer sees time, place, language and kind — never the client.
    let volunteer = app.login(&username_of(&app, interpreter).await).await;
    let proposal = assignment_for(&app, &volunteer, &start).await;
    assert_eq!(proposal["language"], "ar");
    assert_eq!(proposal["kind"], "counselling");
    assert_eq!(proposal["place"], "Duisburg-Mitte");
    let listing = app.get("/api/v1/me/assignments", &volunteer).await;
    assert!(!listing.text.contains("123D456789"), "{}", listing.text);

    let confirmed = app
        .call(
            Method::POST,
            &format!("/api/v1/me/assignments/{}/confirm", proposal["id"]),
            Some(&volunteer),
            None,
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.body["status"], "confirmed");
    let seen = app.get(&format!("/api/v1/appointments/{id}"), &caseworker).await;
    assert_eq!(seen.body["status"], "confirmed");

    // Not before it has begun …
    let early = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{id}/outcome"),
            Some(&caseworker),
            Some(json!({ "outcome": "held" })),
        )
        .await;
    early.assert_problem(409, None);
    // … but once it has.
    let past = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let later = (Utc::now() - Duration::hours(1)).to_rfc3339();
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        &format!(
            "UPDATE appointment SET starts_at = '{past}', ends_at = '{later}' WHERE id = {id}"
        ),
    )
    .await
    .unwrap();
    let held = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{id}/outcome"),
            Some(&caseworker),
            Some(json!({ "outcome": "held" })),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    assert_eq!(held.body["status"], "held");
    for action in ["appointment.create", "assignment.confirm", "appointment.outcome"] {
        assert_eq!(app.audited(action).await, 1, "{action}");
    }
}

#[tokio::test]
async fn a_decline_goes_to_the_next_volunteer_and_is_never_proposed_again() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(english_call(&start, &end)),
        )
        .await;
    assert_eq!(booked.body["status"], "proposed", "{}", booked.text);
    let id = booked.body["id"].as_i64().unwrap();
    let mut declined = Vec::new();
    let mut current = booked.body["interpreter"]["id"].as_i64();
    while let Some(interpreter) = current {
        assert!(
            !declined.contains(&interpreter),
            "{interpreter} was proposed again after declining"
        );
        let volunteer = app.login(&username_of(&app, interpreter).await).await;
        let proposal = assignment_for(&app, &volunteer, &start).await;
        let answer = app
            .call(
                Method::POST,
                &format!("/api/v1/me/assignments/{}/decline", proposal["id"]),
                Some(&volunteer),
                Some(json!({ "reason": "eigener Termin" })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        declined.push(interpreter);
        let now = app.get(&format!("/api/v1/appointments/{id}"), &caseworker).await;
        current = now.body["interpreter"]["id"].as_i64();
        if current.is_none() {
            assert_eq!(now.body["status"], "unfilled");
            assert!(now.body["reason"].is_string());
        }
    }
    assert!(
        declined.len() >= 3,
        "seven demo volunteers speak English by phone on Thursday mornings: {declined:?}"
    );
}

#[tokio::test]
async fn unfilled_requests_say_why_and_take_a_fallback() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let mut sign = arabic_booking(&start, &end);
    sign["language"] = json!("gsg");
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(sign)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert_eq!(booked.body["status"], "unfilled");
    assert_eq!(booked.body["reason"], "no_speaker");
    assert!(
        booked.body["reason_detail"].as_str().unwrap().contains("Nobody in the pool speaks gsg")
    );

    let mut sensitive = arabic_booking(&start, &end);
    sensitive["sensitive"] = json!(true);
    let booked_sensitive =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(sensitive)).await;
    assert_eq!(booked_sensitive.body["reason"], "sensitive_topic");

    let id = booked.body["id"].as_i64().unwrap();
    let fallback = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{id}/fallback"),
            Some(&caseworker),
            Some(json!({ "kind": "phone_video_service", "note": "Videodolmetschdienst" })),
        )
        .await;
    assert_eq!(fallback.status, StatusCode::OK, "{}", fallback.text);
    assert_eq!(fallback.body["status"], "fallback");
    assert_eq!(fallback.body["fallback"]["kind"], "phone_video_service");
    // A fallback only for unfilled appointments.
    let proposed = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(arabic_booking(&start, &end)),
        )
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/appointments/{}/fallback", proposed.body["id"]),
        Some(&caseworker),
        Some(json!({ "kind": "paid_interpreter" })),
    )
    .await
    .assert_problem(409, None);
}

#[tokio::test]
async fn a_weekly_series_is_booked_and_cancelled_from_a_date_on() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let body = arabic_series(&start, &end, 3);
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    let occurrences = booked.body["occurrences"].as_array().unwrap().clone();
    assert_eq!(occurrences.len(), 4);
    // Every appointment of the series is audited on its own, naming the series.
    for o in &occurrences {
        let id = o["id"].as_i64().unwrap();
        let entries = app
            .count(&format!(
                "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'appointment.create' \
                 AND entity = 'appointment' AND entity_id = '{id}' \
                 AND details LIKE '{{\"series_id\":%' AND details NOT LIKE '%null%'"
            ))
            .await;
        assert_eq!(entries, 1, "appointment {id}");
    }
    assert_eq!(app.audited("appointment.create").await, 4);
    // Same local time every week, across a change of summer time if there is one.
    for o in &occurrences {
        let local = chrono::DateTime::parse_from_rfc3339(o["start"].as_str().unwrap())
            .unwrap()
            .with_timezone(&BERLIN);
        assert_eq!(local.format("%H:%M").to_string(), "10:00");
    }
    let third = occurrences[2]["id"].as_i64().unwrap();
    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{third}/cancel"),
            Some(&caseworker),
            Some(json!({ "scope": "series_from_here" })),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.body.as_array().unwrap().len(), 2);
    let first = occurrences[0]["id"].as_i64().unwrap();
    assert_ne!(
        app.get(&format!("/api/v1/appointments/{first}"), &caseworker).await.body["status"],
        "cancelled"
    );
    assert_eq!(
        app.get(&format!("/api/v1/appointments/{third}"), &caseworker).await.body["status"],
        "cancelled"
    );
    // Cancelled appointments free their volunteers: no live assignment is left on them.
    let live = app
        .count(&format!("SELECT COUNT(*) AS n FROM assignment WHERE appointment_id = {third} AND status IN ('proposed', 'confirmed')"))
        .await;
    assert_eq!(live, 0);
    // Twice is a conflict.
    app.call(
        Method::POST,
        &format!("/api/v1/appointments/{third}/cancel"),
        Some(&caseworker),
        Some(json!({})),
    )
    .await
    .assert_problem(409, None);
}

#[tokio::test]
async fn bad_bookings_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let before = app.table_counts().await;
    let past = (Utc::now() - Duration::days(1)).to_rfc3339();
    let past_end = (Utc::now() - Duration::days(1) + Duration::hours(1)).to_rfc3339();
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut b = arabic_booking(&end, &start);
                b["end"] = json!(start.clone());
                b
            },
            "end",
        ),
        (arabic_booking(&past, &past_end), "start"),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["language"] = json!("xx");
                b
            },
            "language",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["site"] = json!("atlantis");
                b
            },
            "site",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["site"] = Value::Null;
                b
            },
            "site",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["min_level"] = json!("native+");
                b
            },
            "min_level",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["priority"] = json!(9);
                b
            },
            "priority",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["client_ref"] = json!("a b");
                b
            },
            "client_ref",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["kind"] = json!("party");
                b
            },
            "kind",
        ),
        (
            {
                let mut b = arabic_booking(&start, &end);
                b["series"] = json!({ "every_weeks": 1, "until": "2000-01-01" });
                b
            },
            "series.until",
        ),
    ];
    for (body, field) in cases {
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body))
            .await
            .assert_problem(422, Some(field));
    }
    assert_eq!(app.table_counts().await, before);
    // Volunteers and team leads do not book.
    let volunteer = app.login("e.schmidt").await;
    app.call(
        Method::POST,
        "/api/v1/appointments",
        Some(&volunteer),
        Some(arabic_booking(&start, &end)),
    )
    .await
    .assert_problem(403, None);
}

#[tokio::test]
async fn bookings_are_private_to_their_caseworker_and_organisation() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(arabic_booking(&start, &end)),
        )
        .await;
    let id = booked.body["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/appointments/{id}"), &app.login("m.becker").await)
        .await
        .assert_problem(404, None);
    app.get(&format!("/api/v1/appointments/{id}"), &app.login("ki.fachkraft").await)
        .await
        .assert_problem(404, None);
    // Team leads see it, without the client reference.
    let lead =
        app.get(&format!("/api/v1/appointments/{id}"), &app.login("teamleitung").await).await;
    assert_eq!(lead.status, StatusCode::OK);
    assert!(lead.body.get("client_ref").is_none());
}

#[tokio::test]
async fn a_client_never_gets_an_excluded_interpreter() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let call = english_call(&start, &end);
    let first =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(call.clone())).await;
    let excluded = first.body["interpreter"]["id"].as_i64().expect("someone is proposed");
    let id = first.body["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/api/v1/appointments/{id}/cancel"),
        Some(&caseworker),
        Some(json!({})),
    )
    .await;

    let record = json!({ "languages": ["en", "ti"], "gender_preference": null, "exclusions": [{ "interpreter_id": excluded, "reason": "Verwandtschaft" }] });
    let put =
        app.call(Method::PUT, "/api/v1/clients/987X654321", Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["languages"], json!(["en", "ti"]));
    let again =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(call.clone())).await;
    assert_ne!(again.body["interpreter"]["id"].as_i64(), Some(excluded), "{}", again.text);

    // Unknown interpreters and languages are refused; another organisation's client is not found.
    let bad = json!({ "languages": ["xx"], "gender_preference": null, "exclusions": [{ "interpreter_id": 999999, "reason": null }] });
    let refused =
        app.call(Method::PUT, "/api/v1/clients/987X654321", Some(&caseworker), Some(bad)).await;
    refused.assert_problem(422, Some("languages[0]"));
    assert!(refused.error_fields().contains(&"exclusions[0].interpreter_id".to_owned()));
    app.get("/api/v1/clients/987X654321", &app.login("ki.fachkraft").await)
        .await
        .assert_problem(404, None);
    assert_eq!(
        app.get("/api/v1/clients/987X654321", &caseworker).await.body["exclusions"][0]["interpreter_id"],
        excluded
    );
}

#[tokio::test]
async fn a_list_holds_what_runs_into_its_period_and_a_caseworker_sees_only_their_own() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, _) = weekday_at(2, 10);
    let day = chrono::DateTime::parse_from_rfc3339(&start).unwrap().date_naive();
    // From 21:00 the evening before until 01:00: it starts before the listed day.
    let at = |d: NaiveDate, h: u32| {
        BERLIN.from_local_datetime(&d.and_hms_opt(h, 0, 0).unwrap()).unwrap().to_rfc3339()
    };
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(english_call(&at(day - Duration::days(1), 21), &at(day, 1))),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    let id = booked.body["id"].as_i64().unwrap();
    let listed = |token: String, from: NaiveDate| {
        let app = &app;
        async move {
            let list =
                app.get(&format!("/api/v1/appointments?from={from}&to={from}"), &token).await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.text);
            list.body.as_array().unwrap().iter().any(|a| a["id"].as_i64() == Some(id))
        }
    };
    assert!(listed(caseworker.clone(), day).await);
    assert!(listed(app.login("teamleitung").await, day).await);
    assert!(!listed(app.login("m.becker").await, day).await);
    assert!(!listed(caseworker, day + Duration::days(1)).await);
}

#[tokio::test]
async fn a_variety_nobody_speaks_goes_to_a_speaker_of_its_fallback() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let mut request = arabic_booking(&start, &end);
    request["language"] = "acm".into();
    let booked =
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(request)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert_eq!(booked.body["status"], "proposed", "{}", booked.text);
    let interpreter = booked.body["interpreter"]["id"].as_i64().unwrap();
    let profile = app.get(&format!("/api/v1/interpreters/{interpreter}"), &caseworker).await;
    let languages = profile.body["languages"].as_array().unwrap();
    assert!(languages.iter().any(|l| l["tag"] == "ar"), "{}", profile.text);
    assert!(!languages.iter().any(|l| l["tag"] == "acm"), "{}", profile.text);
}

#[tokio::test]
async fn a_booking_plans_with_the_pool_as_the_database_holds_it_now() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let book = |client: &str| {
        let mut request = english_call(&start, &end);
        request["client_ref"] = json!(client);
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(request))
    };
    let first = book("987X654321").await;
    assert_eq!(first.body["status"], "proposed", "{}", first.text);

    // Changed in the database by no path of the service: the next plan still sees it.
    app.db.execute_unprepared("UPDATE interpreter SET active = false").await.unwrap();
    let second = book("987X654322").await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert_eq!(second.body["status"], "unfilled", "{}", second.text);

    app.db.execute_unprepared("UPDATE interpreter SET active = true").await.unwrap();
    let third = book("987X654323").await;
    assert_eq!(third.body["status"], "proposed", "{}", third.text);
}

#[tokio::test]
async fn a_pool_kept_for_later_weeks_is_read_again_for_an_earlier_one() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (early_start, early_end) = weekday_at(3, 9);
    // Three weeks later, on a Thursday that is no holiday either.
    let mut later = chrono::DateTime::parse_from_rfc3339(&early_start).unwrap();
    loop {
        later += Duration::weeks(3);
        if !is_nrw_holiday(later.with_timezone(&BERLIN).date_naive()) {
            break;
        }
    }
    let (late_start, late_end) = (later.to_rfc3339(), (later + Duration::hours(1)).to_rfc3339());
    // Everyone is away on the early day, as recorded before any booking read the pool.
    let day = chrono::DateTime::parse_from_rfc3339(&early_start).unwrap().with_timezone(&Utc);
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO absence (interpreter_id, starts_at, ends_at, reason, created_at) \
             SELECT id, '{}', '{}', 'other', '{}' FROM interpreter",
            (day - Duration::hours(3)).to_rfc3339(),
            (day + Duration::hours(6)).to_rfc3339(),
            Utc::now().to_rfc3339()
        ))
        .await
        .unwrap();
    let book = |start: &str, end: &str, client: &str| {
        let mut request = english_call(start, end);
        request["client_ref"] = json!(client);
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(request))
    };
    let late = book(&late_start, &late_end, "987X654321").await;
    assert_eq!(late.body["status"], "proposed", "{}", late.text);
    let early = book(&early_start, &early_end, "987X654322").await;
    assert_eq!(early.status, StatusCode::CREATED, "{}", early.text);
    assert_eq!(early.body["status"], "unfilled", "{}", early.text);
}

/// The work already taken decides who is free, as the database holds it now: a booking's own
/// proposals count for the next booking at once, and so do assignments changed by no path of
/// the service (by hand, or by another instance on the same database).
#[tokio::test]
async fn a_booking_plans_with_the_work_as_the_database_holds_it_now() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    let mut clients = (0..).map(|n| format!("987X6543{n:02}"));
    let mut book = async || {
        let mut request = english_call(&start, &end);
        request["client_ref"] = json!(clients.next());
        let booked =
            app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(request)).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        booked.body
    };
    // Seven volunteers could take the call; each takes one.
    let mut taken = Vec::new();
    for _ in 0..7 {
        let booked = book().await;
        assert_eq!(booked["status"], "proposed", "{booked}");
        taken.push(booked["interpreter"]["id"].as_i64().unwrap());
    }
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(taken.len(), 7, "a volunteer was proposed twice for one hour: {taken:?}");
    let eighth = book().await;
    assert_eq!(eighth["status"], "unfilled", "{eighth}");
    assert_eq!(eighth["reason"], "capacity", "{eighth}");

    // One proposal withdrawn by hand: its volunteer is free again.
    let freed = taken[3];
    let withdrawn = app
        .db
        .execute_unprepared(&format!(
            "UPDATE assignment SET status = 'withdrawn' \
             WHERE interpreter_id = {freed} AND status = 'proposed'"
        ))
        .await
        .unwrap();
    assert_eq!(withdrawn.rows_affected(), 1);
    let ninth = book().await;
    assert_eq!(ninth["status"], "proposed", "{ninth}");
    assert_eq!(ninth["interpreter"]["id"], freed, "{ninth}");

    // Every proposal of that hour withdrawn, and a confirmed assignment of the freed volunteer
    // in the same hour written by hand: all but that one are free.
    app.db
        .execute_unprepared("UPDATE assignment SET status = 'withdrawn' WHERE status = 'proposed'")
        .await
        .unwrap();
    let at = Utc::now().to_rfc3339();
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, \
               version, created_at, updated_at) \
             SELECT organisation_id, id, {freed}, 'confirmed', 0, '{at}', '{at}' FROM appointment \
             WHERE id = {}",
            eighth["id"]
        ))
        .await
        .unwrap();
    let mut proposed = Vec::new();
    for _ in 0..6 {
        let booked = book().await;
        assert_eq!(booked["status"], "proposed", "{booked}");
        proposed.push(booked["interpreter"]["id"].as_i64().unwrap());
    }
    assert!(!proposed.contains(&freed), "proposed while confirmed elsewhere: {proposed:?}");
    let last = book().await;
    assert_eq!(last["status"], "unfilled", "{last}");

    // Proposals withdrawn by another transaction, outside the service: the next booking
    // finds those volunteers free again.
    app.db
        .execute_unprepared("UPDATE assignment SET status = 'withdrawn' WHERE status = 'proposed'")
        .await
        .unwrap();
    let freed_again = book().await;
    assert_eq!(
        freed_again["status"], "proposed",
        "the withdrawn work still counted: {freed_again}"
    );
}

/// Windows for phone and video only, and windows valid only between two dates, decide who is
/// proposed, though the optimiser's weekly windows cannot state them.
#[tokio::test]
async fn windows_for_calls_only_or_for_some_dates_only_decide_who_is_proposed() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    // One Arabic speaker is free then, in person or on the phone.
    let (start, end) = weekday_at(0, 10);
    let book = |client: &str, mode: &str| {
        let mut request = arabic_booking(&start, &end);
        request["client_ref"] = json!(client);
        request["mode"] = json!(mode);
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(request))
    };
    let status = |answer: &crate::helpers::Answer| answer.body["status"].clone();
    let (app, caseworker) = (&app, &caseworker);
    let cancel = |answer: crate::helpers::Answer| async move {
        let path = format!("/api/v1/appointments/{}/cancel", answer.body["id"]);
        let cancelled = app.call(Method::POST, &path, Some(caseworker), Some(json!({}))).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    };
    let in_person = book("123D456780", "in_person").await;
    assert_eq!(status(&in_person), "proposed", "{}", in_person.text);
    cancel(in_person).await;

    // Every window for calls only: nobody may come in person, anyone may take the call.
    app.db.execute_unprepared("UPDATE availability_rule SET remote_only = true").await.unwrap();
    let in_person = book("123D456781", "in_person").await;
    assert_eq!(status(&in_person), "unfilled", "{}", in_person.text);
    let call = book("123D456782", "phone").await;
    assert_eq!(status(&call), "proposed", "{}", call.text);
    cancel(call).await;

    // Every window ended yesterday: nobody, whatever the mode.
    let yesterday =
        (Utc::now().with_timezone(&BERLIN).date_naive() - Duration::days(1)).to_string();
    app.db
        .execute_unprepared(&format!(
            "UPDATE availability_rule SET remote_only = false, valid_until = '{yesterday}'"
        ))
        .await
        .unwrap();
    let in_person = book("123D456783", "in_person").await;
    assert_eq!(status(&in_person), "unfilled", "{}", in_person.text);
    let call = book("123D456784", "phone").await;
    assert_eq!(status(&call), "unfilled", "{}", call.text);
}

/// The appointments a booking answered with (each occurrence of a series, else the one), each
/// checked to be as a read of it afterwards shows it; the answer's own fields are the first
/// occurrence's.
async fn appointments_as_read(app: &TestApp, token: &str, answer: &Value) -> Vec<Value> {
    let mut first = answer.clone();
    let occurrences = first
        .as_object_mut()
        .unwrap()
        .remove("occurrences")
        .map_or_else(|| vec![answer.clone()], |o| o.as_array().unwrap().clone());
    let read = app.get(&format!("/api/v1/appointments/{}", first["id"]), token).await;
    assert_eq!(read.body, first);
    for occurrence in &occurrences {
        let read = app.get(&format!("/api/v1/appointments/{}", occurrence["id"]), token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(&read.body, occurrence);
    }
    occurrences
}

#[tokio::test]
async fn a_booking_answers_with_the_appointments_as_they_are_read_afterwards() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let series = arabic_series(&start, &end, 2);
    let mut nobody = arabic_booking(&start, &end);
    nobody["language"] = json!("gsg");
    nobody["client_ref"] = json!("987X654321");
    let (call_start, call_end) = weekday_at(3, 9);
    // Nobody speaks Gurage; seven volunteers take English calls. Whether the Arabic bookings
    // find a volunteer depends on the demo's absences around the date, and does not matter:
    // each answer must be what is read afterwards.
    let mut occurrences = 0;
    for (body, proposed) in [
        (arabic_booking(&start, &end), None),
        (nobody, Some(false)),
        (english_call(&call_start, &call_end), Some(true)),
        (series, None),
    ] {
        let booked =
            app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body)).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        if let Some(proposed) = proposed {
            assert_eq!(booked.body["status"] == "proposed", proposed, "{}", booked.text);
        }
        for occurrence in appointments_as_read(&app, &caseworker, &booked.body).await {
            occurrences += 1;
            if occurrence["status"] == "proposed" {
                assert!(
                    occurrence["interpreter"]["display_name"]
                        .as_str()
                        .is_some_and(|n| !n.is_empty())
                );
            }
        }
    }
    assert_eq!(occurrences, 6, "three single bookings and a series of three");
}

/// Bookings that come at once each answer with their own appointments as they are read
/// afterwards, and no volunteer is proposed twice for one hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bookings_at_once_answer_each_with_their_own_appointments() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(0, 10);
    let series = arabic_series(&start, &end, 2);
    let (call_start, call_end) = weekday_at(3, 9);
    let mut bodies = vec![arabic_booking(&start, &end), series];
    for n in 0..6 {
        let mut call = english_call(&call_start, &call_end);
        call["client_ref"] = json!(format!("987X65432{n}"));
        bodies.push(call);
    }
    let answers =
        futures_util::future::join_all(bodies.into_iter().map(|body| {
            app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body))
        }))
        .await;

    let mut proposed = Vec::new();
    for booked in answers {
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
        for occurrence in appointments_as_read(&app, &caseworker, &booked.body).await {
            if occurrence["status"] == "proposed" {
                proposed
                    .push((occurrence["interpreter"]["id"].clone(), occurrence["start"].clone()));
            }
        }
    }
    let calls = proposed.iter().filter(|(_, at)| at.as_str() == Some(call_start.as_str()));
    assert_eq!(calls.count(), 6, "seven volunteers take six calls at once: {proposed:?}");
    let mut distinct = proposed.clone();
    distinct.sort_by_key(|(id, at)| (id.to_string(), at.to_string()));
    distinct.dedup();
    assert_eq!(distinct.len(), proposed.len(), "a volunteer proposed twice at once: {proposed:?}");
}

#[tokio::test]
async fn planning_reads_a_clients_exclusions_and_latest_interpreter_together() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let mut held = Vec::new();
    for hour in [9, 10] {
        let (start, end) = weekday_at(3, hour);
        let booked = app
            .call(
                Method::POST,
                "/api/v1/appointments",
                Some(&caseworker),
                Some(english_call(&start, &end)),
            )
            .await;
        assert_eq!(booked.body["status"], "proposed", "{}", booked.text);
        let interpreter = booked.body["interpreter"]["id"].as_i64().unwrap();
        let volunteer = app.login(&username_of(&app, interpreter).await).await;
        let proposal = assignment_for(&app, &volunteer, &start).await;
        let path = format!("/api/v1/me/assignments/{}/confirm", proposal["id"]);
        assert_eq!(
            app.call(Method::POST, &path, Some(&volunteer), None).await.status,
            StatusCode::OK
        );
        held.push((booked.body["id"].as_i64().unwrap(), interpreter));
    }
    assert_ne!(held[0].1, held[1].1, "two volunteers, so that the latest one is told apart");
    // Both are held in the past, the second a day after the first.
    for (days_ago, (id, _)) in [(3, held[0]), (2, held[1])] {
        let start = (Utc::now() - Duration::days(days_ago)).to_rfc3339();
        let end = (Utc::now() - Duration::days(days_ago) + Duration::hours(1)).to_rfc3339();
        app.db
            .execute_unprepared(&format!(
                "UPDATE appointment SET starts_at = '{start}', ends_at = '{end}', status = 'held' \
                 WHERE id = {id}"
            ))
            .await
            .unwrap();
    }
    let excluded = held[0].1;
    let record = json!({ "languages": ["en"], "gender_preference": null, "exclusions": [{ "interpreter_id": excluded, "reason": null }] });
    let put =
        app.call(Method::PUT, "/api/v1/clients/987X654321", Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let client = app.count("SELECT id AS n FROM client WHERE reference = '987X654321'").await;

    let history =
        sprachpool::repo::booking::client_history(&app.db, &[client, client + 1000], Utc::now())
            .await
            .unwrap();
    assert_eq!(history.exclusions, [(client, excluded)]);
    assert_eq!(history.previous, [(client, held[1].1)].into_iter().collect());
    // Before the second began, the first was the latest.
    let between = Utc::now() - Duration::days(2) - Duration::hours(1);
    let earlier =
        sprachpool::repo::booking::client_history(&app.db, &[client], between).await.unwrap();
    assert_eq!(earlier.previous, [(client, held[0].1)].into_iter().collect());
}
