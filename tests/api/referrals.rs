//! Referrals: a client from advice to a completed course, and from referral to a decided
//! recognition; every step the life cycle does not allow is refused with the allowed ones.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sprachpool::domain::referrals::CourseStatus;

use crate::helpers::{Answer, TestApp};

/// A course of the catalogue with `seats` free seats; its id.
async fn course(app: &TestApp, admin: &str, free: i32) -> i64 {
    let provider = app
        .call(
            Method::POST,
            "/api/v1/course-providers",
            Some(admin),
            Some(json!({ "name": "VHS Duisburg", "address": null, "contact": null })),
        )
        .await;
    let start = (Utc::now().date_naive() + Duration::days(30)).to_string();
    let added = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(admin),
            Some(json!({
                "provider_id": provider.body["id"], "programme": "integration_general", "target_level": "B1",
                "teaching_units": 700, "starts_on": start, "ends_on": null, "registration_deadline": null,
                "schedule": "part_time", "time_of_day": "morning", "site": "mitte", "address": null,
                "seats": 20, "free_seats": free, "childcare": false, "kursnet_ref": null
            })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    added.body["id"].as_i64().unwrap()
}

async fn refer(app: &TestApp, caseworker: &str, client: &str, course: Option<i64>) -> Answer {
    app.call(
        Method::POST,
        "/api/v1/course-referrals",
        Some(caseworker),
        Some(json!({ "client_ref": client, "course_id": course, "programme": null, "current_level": "A1", "target_level": "B1", "legal_basis": "obligation" })),
    )
    .await
}

/// A fresh service, a caseworker's token, and that caseworker's referral of client 777G888999
/// to a course with free seats.
pub async fn with_a_course_referral() -> (TestApp, String, i64) {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let course = course(&app, &admin, 5).await;
    let caseworker = app.login("fachkraft").await;
    let referral =
        refer(&app, &caseworker, "777G888999", Some(course)).await.body["id"].as_i64().unwrap();
    (app, caseworker, referral)
}

async fn step(app: &TestApp, caseworker: &str, id: i64, body: Value) -> Answer {
    app.call(
        Method::POST,
        &format!("/api/v1/course-referrals/{id}/status"),
        Some(caseworker),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_client_goes_from_advice_to_a_completed_course() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let course = course(&app, &admin, 1).await;
    let caseworker = app.login("fachkraft").await;
    let referred = refer(&app, &caseworker, "123A456789", Some(course)).await;
    assert_eq!(referred.status, StatusCode::CREATED, "{}", referred.text);
    assert_eq!(referred.body["status"], "advised");
    assert_eq!(referred.body["programme"], "integration_general");
    let id = referred.body["id"].as_i64().unwrap();
    for to in ["voucher_issued", "registered", "placed", "running", "exam"] {
        let moved = step(&app, &caseworker, id, json!({ "to": to })).await;
        assert_eq!(moved.status, StatusCode::OK, "{to}: {}", moved.text);
        assert_eq!(moved.body["status"], to);
    }
    // The one free seat is taken.
    let seats = app.get(&format!("/api/v1/courses/{course}"), &caseworker).await;
    assert_eq!(seats.body["free_seats"], 0);
    // The result is recorded only at the exam, and needed to complete.
    step(&app, &caseworker, id, json!({ "to": "completed" }))
        .await
        .assert_problem(422, Some("exam_result"));
    let done =
        step(&app, &caseworker, id, json!({ "to": "completed", "exam_result": "dtz_b1" })).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body["exam_result"], "dtz_b1");
    assert_eq!(done.body["follow_up_on"], Value::Null);
    let steps: Vec<&str> = done.body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["advised", "voucher_issued", "registered", "placed", "running", "exam", "completed"]
    );

    // The course is full now: the next clients go to its waiting list, in order.
    for (client, position) in [("222B333444", 1), ("333C444555", 2)] {
        let other =
            refer(&app, &caseworker, client, Some(course)).await.body["id"].as_i64().unwrap();
        step(&app, &caseworker, other, json!({ "to": "registered" })).await;
        let placed = step(&app, &caseworker, other, json!({ "to": "placed" })).await;
        assert_eq!(placed.status, StatusCode::OK, "{}", placed.text);
        assert_eq!(placed.body["status"], "waiting");
        assert_eq!(placed.body["waiting_position"], position);
        // Still full: staying on the list is no step.
        step(&app, &caseworker, other, json!({ "to": "placed" }))
            .await
            .assert_problem(409, Some("to"));
    }
    assert_eq!(app.audited("course_referral.status").await, 6 + 2 * 2);
}

#[tokio::test]
async fn every_step_the_life_cycle_does_not_allow_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let course = course(&app, &admin, 5).await;
    let caseworker = app.login("fachkraft").await;
    // Two referrals between them pass through every state.
    let paths: [&[&str]; 2] = [
        &["voucher_issued", "registered", "placed", "running", "interrupted", "running", "exam"],
        &["registered", "dropped"],
    ];
    let mut checked = 0;
    for (n, path) in paths.iter().enumerate() {
        let id = refer(&app, &caseworker, &format!("CL-{n}00"), Some(course)).await.body["id"]
            .as_i64()
            .unwrap();
        let mut at = CourseStatus::Advised;
        for next in path.iter().copied().chain(std::iter::once("")) {
            for &to in CourseStatus::ALL {
                if at.can_move_to(to) {
                    continue;
                }
                let refused = step(&app, &caseworker, id, json!({ "to": to.as_str() })).await;
                refused.assert_problem(409, Some("to"));
                for allowed in at.next() {
                    assert!(
                        refused.body["errors"]["to"][0]
                            .as_str()
                            .unwrap()
                            .contains(allowed.as_str()),
                        "{}",
                        refused.text
                    );
                }
                checked += 1;
            }
            let current = app.get(&format!("/api/v1/course-referrals/{id}"), &caseworker).await;
            assert_eq!(current.body["status"], at.as_str(), "refusals change nothing");
            if next.is_empty() {
                break;
            }
            assert_eq!(
                step(&app, &caseworker, id, json!({ "to": next })).await.status,
                StatusCode::OK
            );
            at = next.parse().unwrap();
        }
    }
    assert!(checked > 60, "{checked} refusals tried");
    // From exam, a result out of place is refused too.
    let early = refer(&app, &caseworker, "CL-900", Some(course)).await.body["id"].as_i64().unwrap();
    step(&app, &caseworker, early, json!({ "to": "voucher_issued", "exam_result": "dtz_a2" }))
        .await
        .assert_problem(422, Some("exam_result"));
}

#[tokio::test]
async fn bad_referrals_write_nothing_and_others_see_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let course = course(&app, &admin, 5).await;
    let caseworker = app.login("fachkraft").await;
    let before = app.table_counts().await;
    let body = |change: Value| {
        let mut b = json!({ "client_ref": "123A456789", "course_id": course, "programme": null, "current_level": "B1", "target_level": "B2", "legal_basis": "entitlement" });
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (change, field) in [
        (json!({ "target_level": "A2" }), "target_level"),
        (json!({ "course_id": 99999 }), "course_id"),
        (json!({ "course_id": null }), "programme"),
        (json!({ "programme": "job_b2_c1" }), "programme"),
        (json!({ "client_ref": "x" }), "client_ref"),
        (json!({ "legal_basis": "luck" }), "legal_basis"),
    ] {
        app.call(Method::POST, "/api/v1/course-referrals", Some(&caseworker), Some(body(change)))
            .await
            .assert_problem(422, Some(field));
    }
    assert_eq!(app.table_counts().await, before);

    let id =
        refer(&app, &caseworker, "123A456789", Some(course)).await.body["id"].as_i64().unwrap();
    // The team lead sees the referral, not the client.
    let lead =
        app.get(&format!("/api/v1/course-referrals/{id}"), &app.login("teamleitung").await).await;
    assert_eq!(lead.status, StatusCode::OK);
    assert_eq!(lead.body["client_ref"], Value::Null);
    app.get(&format!("/api/v1/course-referrals/{id}"), &app.login("ki.fachkraft").await)
        .await
        .assert_problem(404, None);
    app.get("/api/v1/course-referrals", &app.login("e.schmidt").await)
        .await
        .assert_problem(403, None);

    // A referral that did not move for the follow-up time comes up on the list; a new one not.
    assert_eq!(
        app.get("/api/v1/course-referrals?due=true", &caseworker)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let past = (Utc::now().date_naive() - Duration::days(1)).to_string();
    app.db
        .execute_unprepared(&format!(
            "UPDATE course_referral SET follow_up_on = '{past}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let due = app.get("/api/v1/course-referrals?due=true", &caseworker).await;
    assert_eq!(due.body.as_array().unwrap().len(), 1);
    assert_eq!(due.body[0]["client_ref"], "123A456789");
}

#[tokio::test]
async fn a_recognition_goes_from_referral_to_decision() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let referred = app
        .call(
            Method::POST,
            "/api/v1/recognition-referrals",
            Some(&caseworker),
            Some(json!({ "client_ref": "555E666777", "reference_occupation": "Pflegefachfrau", "country": "sy", "qualification_type": "vocational", "regulated": true, "competent_body": null })),
        )
        .await;
    assert_eq!(referred.status, StatusCode::CREATED, "{}", referred.text);
    assert_eq!(referred.body["country"], "SY");
    let id = referred.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/recognition-referrals/{id}/status");
    app.call(Method::POST, &path, Some(&caseworker), Some(json!({ "to": "applied" })))
        .await
        .assert_problem(409, Some("to"));
    for to in ["counselled", "documents", "applied", "complete"] {
        let moved =
            app.call(Method::POST, &path, Some(&caseworker), Some(json!({ "to": to }))).await;
        assert_eq!(moved.status, StatusCode::OK, "{to}: {}", moved.text);
    }
    app.call(Method::POST, &path, Some(&caseworker), Some(json!({ "to": "decided" })))
        .await
        .assert_problem(422, Some("outcome"));
    let decided = app
        .call(
            Method::POST,
            &path,
            Some(&caseworker),
            Some(json!({ "to": "decided", "outcome": "compensation_measure" })),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    assert_eq!(decided.body["outcome"], "compensation_measure");
    assert_eq!(decided.body["steps"].as_array().unwrap().len(), 6, "a date for every step");
    assert_eq!(decided.body["next"], json!([]));
    app.call(Method::POST, &path, Some(&caseworker), Some(json!({ "to": "complete" })))
        .await
        .assert_problem(409, Some("to"));

    // The annual report counts it.
    let year = Utc::now().format("%Y").to_string();
    let report = app.get(&format!("/api/v1/reports/{year}"), &app.login("teamleitung").await).await;
    let outcomes = report.body["recognition_outcomes"].as_array().unwrap();
    assert!(
        outcomes.iter().any(|o| o["key"] == "compensation_measure" && o["count"] == 1),
        "{}",
        report.text
    );
}

#[tokio::test]
async fn an_interpreter_is_booked_from_a_referral() {
    let (app, caseworker, referral) = with_a_course_referral().await;
    let (start, end) = crate::booking::weekday_at(3, 9);
    let booking = |extra: Value| {
        let mut body = json!({
            "language": "en", "min_level": "B1", "start": start, "end": end, "mode": "phone", "priority": 3
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // The client and the kind come from the referral.
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&caseworker),
            Some(booking(json!({ "course_referral_id": referral }))),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert_eq!(booked.body["kind"], "language_course_advice");
    assert_eq!(booked.body["client_ref"], "777G888999");
    let linked = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM appointment WHERE course_referral_id = {referral}"
        ))
        .await;
    assert_eq!(linked, 1);

    let before = app.table_counts().await;
    for (extra, field) in [
        (json!({ "course_referral_id": referral, "client_ref": "000X000000" }), "client_ref"),
        (json!({ "course_referral_id": referral, "kind": "benefits" }), "kind"),
        (json!({ "course_referral_id": 99999 }), "course_referral_id"),
        (
            json!({ "course_referral_id": referral, "recognition_referral_id": 1 }),
            "recognition_referral_id",
        ),
        (json!({ "kind": "counselling" }), "client_ref"),
        (json!({ "client_ref": "777G888999" }), "kind"),
    ] {
        app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(booking(extra)))
            .await
            .assert_problem(422, Some(field));
    }
    assert_eq!(app.table_counts().await, before);
    // Another organisation's caseworker cannot book for it.
    app.call(
        Method::POST,
        "/api/v1/appointments",
        Some(&app.login("ki.fachkraft").await),
        Some(booking(json!({ "course_referral_id": referral }))),
    )
    .await
    .assert_problem(422, Some("course_referral_id"));
}

/// A booking for a referral whose client is erased while the booking waits for the write lock
/// fails under the lock with its own 409; the bookings that waited with it are all written,
/// and nothing of the failed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_failing_under_the_lock_leaves_those_waiting_with_it_written() {
    let (app, caseworker, referral) = with_a_course_referral().await;
    let app = &app;
    let referred = |column: &'static str| async move {
        app.count(&format!("SELECT {column} AS n FROM course_referral WHERE id = {referral}")).await
    };
    let (client, organisation) = (referred("client_id").await, referred("organisation_id").await);
    let (start, end) = crate::booking::weekday_at(3, 9);
    let booking = |extra: Value| {
        let mut body = json!({
            "language": "en", "min_level": "B1", "start": start, "end": end, "mode": "phone",
            "priority": 3, "kind": "benefits"
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let book =
        |body: Value| app.call(Method::POST, "/api/v1/appointments", Some(&caseworker), Some(body));
    let appointments_before = app.count("SELECT COUNT(*) AS n FROM appointment").await;

    // A writer of the organisation holds the lock while the bookings come and wait for it.
    let held = sprachpool::db::write(&app.db).await.unwrap();
    sprachpool::services::planning::lock_organisation(&held, organisation).await.unwrap();
    let first = futures_util::future::join_all(
        (0..3).map(|n| book(booking(json!({ "client_ref": format!("{n}00A000000") })))),
    );
    let then = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let with_others = (3..6)
            .map(|n| booking(json!({ "client_ref": format!("{n}00A000000") })))
            .chain([booking(json!({ "course_referral_id": referral, "kind": null }))])
            .chain((6..9).map(|n| booking(json!({ "client_ref": format!("{n}00A000000") }))));
        futures_util::future::join_all(with_others.map(book)).await
    };
    let erase = async {
        tokio::time::sleep(std::time::Duration::from_millis(900)).await;
        // The referral's client is erased by the writer holding the lock; then it lets go.
        held.execute_raw(sea_orm::Statement::from_sql_and_values(
            held.get_database_backend(),
            match held.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE client SET anonymised_at = $1 WHERE id = $2"
                }
                _ => "UPDATE client SET anonymised_at = ? WHERE id = ?",
            },
            [Utc::now().into(), client.into()],
        ))
        .await
        .unwrap();
        held.commit().await.unwrap();
    };
    let (first, then, ()) = tokio::join!(first, then, erase);

    let failed = &then[3];
    failed.assert_problem(409, Some("course_referral_id"));
    for answer in first.iter().chain(&then[..3]).chain(&then[4..]) {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let written = app.count("SELECT COUNT(*) AS n FROM appointment").await - appointments_before;
    assert_eq!(written, 9);
    assert_eq!(app.audited("appointment.create").await, 9);
    let for_referral = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM appointment WHERE course_referral_id = {referral}"
        ))
        .await;
    assert_eq!(for_referral, 0);
}

#[tokio::test]
async fn a_client_who_drops_out_frees_the_seat_for_the_next_in_line() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let course = course(&app, &admin, 1).await;
    let caseworker = app.login("fachkraft").await;
    let free = || async {
        app.get(&format!("/api/v1/courses/{course}"), &caseworker).await.body["free_seats"].clone()
    };
    let first =
        refer(&app, &caseworker, "111A111111", Some(course)).await.body["id"].as_i64().unwrap();
    let second =
        refer(&app, &caseworker, "222B222222", Some(course)).await.body["id"].as_i64().unwrap();
    for id in [first, second] {
        step(&app, &caseworker, id, json!({ "to": "registered" })).await;
        step(&app, &caseworker, id, json!({ "to": "placed" })).await;
    }
    assert_eq!(free().await, 0);
    step(&app, &caseworker, first, json!({ "to": "running" })).await;
    assert_eq!(
        step(&app, &caseworker, first, json!({ "to": "dropped" })).await.status,
        StatusCode::OK
    );
    assert_eq!(free().await, 1);
    let placed = step(&app, &caseworker, second, json!({ "to": "placed" })).await;
    assert_eq!(placed.body["status"], "placed", "{}", placed.text);
    assert_eq!(placed.body["waiting_position"], Value::Null);
    assert_eq!(free().await, 0);
}

#[tokio::test]
async fn referrals_through_the_pages() {
    let app = TestApp::spawn().await;
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("fachkraft").await;
    assert_eq!(browser.get("/referrals").await.status, StatusCode::OK);
    let csrf = browser.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("client_ref", "123A456789"),
        ("course_id", ""),
        ("programme", "job_b1_b2"),
        ("current_level", "B2"),
        ("target_level", "B1"),
        ("legal_basis", "obligation"),
    ];
    let refused = browser.post("/referrals/course", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("href=\"#course_target_level\""), "{}", refused.text);
    fields[5] = ("target_level", "C1");
    assert_eq!(browser.post("/referrals/course", &fields).await.status, StatusCode::SEE_OTHER);
    let listed = browser.get("/referrals?saved=1").await;
    assert!(listed.text.contains("<th scope=\"row\">123A456789</th>"), "{}", listed.text);
    let id: i64 = app.count("SELECT MAX(id) AS n FROM course_referral").await;
    let moved = browser
        .post(
            &format!("/referrals/course/{id}/status"),
            &[("csrf", &csrf), ("to", "voucher_issued")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    let skipped = browser
        .post(&format!("/referrals/course/{id}/status"), &[("csrf", &csrf), ("to", "exam")])
        .await;
    // The page shows the refusal with the steps that are allowed.
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", skipped.text);
    assert!(skipped.text.contains("registered"), "{}", skipped.text);
    // Booking an interpreter starts from the referral: client and kind prefilled.
    let form = browser.get(&format!("/bookings?course_referral={id}&client_ref=123A456789")).await;
    assert!(
        form.text.contains(&format!("name=\"course_referral_id\" value=\"{id}\"")),
        "{}",
        form.text
    );
    assert!(form.text.contains("value=\"123A456789\""));

    let mut lead = crate::web::Browser::new(&app);
    lead.log_in("teamleitung").await;
    let pipeline = lead.get("/referrals").await;
    assert_eq!(pipeline.status, StatusCode::OK);
    assert!(
        pipeline.text.contains("Berechtigung erteilt</th><td class=\"number\">1</td>"),
        "{}",
        pipeline.text
    );
    assert!(!pipeline.text.contains("123A456789"), "team leads see no client references");
}
