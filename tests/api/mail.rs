//! E-mail through a real SMTP server on loopback: the outbox worker delivers each queued
//! message in the recipient's language with an iCalendar attachment (UID stable, SEQUENCE
//! rising, METHOD:CANCEL on cancellation); when the server goes away nothing is lost, and
//! everything arrives after it returns.

use axum::http::{Method, StatusCode};
use mail_parser::{MessageParser, MimeHeaders};
use sea_orm::ConnectionTrait;
use serde_json::json;
use sprachpool::config::{Settings, SmtpTls};
use sprachpool::services::notify::worker::{Mailer, run_once};

use crate::booking::{assignment_for, english_call, username_of, weekday_at};
use crate::helpers::TestApp;
use crate::smtp_sink::Sink;

fn mailer(port: u16) -> Mailer {
    let settings = Settings {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: port,
        smtp_tls: SmtpTls::None,
        smtp_from: "sprachpool <pool@jobcenter.example>".into(),
        outbox_max_attempts: 3,
        ..Settings::default()
    };
    Mailer::from_settings(&settings).unwrap().unwrap()
}

/// Subject and the calendar attachment's (METHOD, UID, SEQUENCE, DTSTART) of a raw message.
fn read(raw: &str) -> (String, (String, String, String, String)) {
    let message = MessageParser::default().parse(raw.as_bytes()).expect("the message parses");
    let subject = message.subject().unwrap_or_default().to_owned();
    let ics = message
        .attachments()
        .find(|a| {
            a.content_type().is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
        })
        .and_then(|a| a.text_contents().map(str::to_owned))
        .expect("a calendar attachment");
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = parser.next().expect("a calendar").expect("it parses");
    let prop = |props: &Vec<ical::property::Property>, name: &str| {
        props.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    let event = &calendar.events[0].properties;
    (
        subject,
        (
            prop(&calendar.properties, "METHOD"),
            prop(event, "UID"),
            prop(event, "SEQUENCE"),
            prop(event, "DTSTART"),
        ),
    )
}

#[tokio::test]
async fn messages_arrive_with_their_calendar_event_and_survive_an_outage() {
    let app = TestApp::spawn().await;
    let mut sink = Sink::start().await;
    let mailer = mailer(sink.port);
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
    assert_eq!(booked.status, StatusCode::CREATED);
    let volunteer = username_of(&app, booked.body["interpreter"]["id"].as_i64().unwrap()).await;

    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 1);
    let first = sink.messages();
    assert_eq!(first.len(), 1);
    let (subject, (method, uid, sequence, dtstart)) = read(&first[0].data);
    assert!(subject.starts_with("Dolmetschvorschlag: Englisch"), "{subject}");
    assert_eq!(method, "REQUEST");
    assert!(uid.starts_with("assignment-"));
    // Local wall-clock time, as booked.
    assert_eq!(dtstart, start[..16].replace(['-', ':'], "") + "00");
    assert!(!first[0].data.contains("987X654321"), "no client reference");
    assert!(first[0].rcpt[0].ends_with(".example"), "{:?}", first[0].rcpt);
    // Sent once: a second round sends nothing.
    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 0);

    // The server goes away: the confirmation waits, nothing is lost.
    sink.stop();
    let token = app.login(&volunteer).await;
    let proposal = assignment_for(&app, &token, &start).await;
    let confirm = format!("/api/v1/me/assignments/{}/confirm", proposal["id"]);
    assert_eq!(app.call(Method::POST, &confirm, Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 0);
    let waiting = app
        .count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 1")
        .await;
    assert_eq!(waiting, 1, "the failed message waits for its next attempt");
    // It comes back; the retry is due (the pause is shortened here) and the message arrives.
    sink.restart().await;
    app.db.execute_unprepared("UPDATE outbox SET next_attempt_at = created_at").await.unwrap();
    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 1);
    let confirmed = read(&sink.messages()[1].data);
    assert!(confirmed.0.starts_with("Dolmetscheinsatz bestätigt"), "{}", confirmed.0);
    assert_eq!(confirmed.1.1, uid, "the same calendar event");
    assert!(
        confirmed.1.2.parse::<i64>().unwrap() > sequence.parse::<i64>().unwrap(),
        "SEQUENCE rises"
    );

    // Cancelled: the event leaves the calendar; in English for a volunteer who reads English.
    app.db
        .execute_unprepared(&format!(
            "UPDATE app_user SET locale = 'en' WHERE username = '{volunteer}'"
        ))
        .await
        .unwrap();
    let cancel = format!("/api/v1/appointments/{}/cancel", booked.body["id"]);
    assert_eq!(
        app.call(Method::POST, &cancel, Some(&caseworker), Some(json!({}))).await.status,
        StatusCode::OK
    );
    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 1);
    let cancelled = read(&sink.messages()[2].data);
    assert!(cancelled.0.starts_with("Interpreting cancelled: English"), "{}", cancelled.0);
    assert_eq!(cancelled.1.0, "CANCEL");
    assert_eq!(cancelled.1.1, uid);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'").await, 3);
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_parked() {
    let app = TestApp::spawn().await;
    let mut sink = Sink::start().await;
    let mailer = mailer(sink.port);
    sink.stop();
    let caseworker = app.login("fachkraft").await;
    let (start, end) = weekday_at(3, 9);
    app.call(
        Method::POST,
        "/api/v1/appointments",
        Some(&caseworker),
        Some(english_call(&start, &end)),
    )
    .await;
    for _ in 0..3 {
        app.db.execute_unprepared("UPDATE outbox SET next_attempt_at = created_at").await.unwrap();
        assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 0);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'parked' AND attempts = 3")
            .await,
        1
    );
    // A parked message is not tried again.
    sink.restart().await;
    app.db.execute_unprepared("UPDATE outbox SET next_attempt_at = created_at").await.unwrap();
    assert_eq!(run_once(&app.db, &mailer).await.unwrap(), 0);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn two_workers_never_claim_the_same_message() {
    use sprachpool::services::notify::worker::claim;
    let app = TestApp::spawn().await;
    for n in 0..30 {
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO outbox (organisation_id, recipient_user_id, kind, payload, status, attempts, next_attempt_at, created_at) \
                 VALUES (1, NULL, 'proposal', '{{\"n\": {n}}}', 'pending', 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
            ))
            .await
            .unwrap();
    }
    let now = chrono::Utc::now();
    let (a, b) = tokio::join!(claim(&app.db, now), claim(&app.db, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} / {b:?}");
    assert_eq!(a.len() + b.len(), 30);
    // While leased, nobody else takes them.
    assert!(claim(&app.db, now).await.unwrap().is_empty());
}

#[tokio::test]
async fn tomorrows_confirmed_assignments_get_one_reminder() {
    use sprachpool::services::notify::reminders;
    let app = TestApp::spawn().await;
    let today = chrono::Utc::now().with_timezone(&sprachpool::domain::time::BERLIN).date_naive();
    let tomorrow = today + chrono::Duration::days(1);
    let start = format!("{tomorrow}T08:00:00+00:00");
    let end = format!("{tomorrow}T09:00:00+00:00");
    for sql in [
        format!(
            "INSERT INTO client (organisation_id, reference, created_at, updated_at) VALUES (1, 'REM-1', '{start}', '{start}')"
        ),
        format!(
            "INSERT INTO appointment (organisation_id, caseworker_id, client_id, language_id, min_level, starts_at, ends_at, mode, kind, priority, sensitive, status, version, created_at, updated_at, local_date, local_week, duration_minutes, lead_minutes) \
             VALUES (1, (SELECT id FROM app_user WHERE username = 'fachkraft'), (SELECT id FROM client WHERE reference = 'REM-1'), \
             (SELECT id FROM language WHERE organisation_id = 1 AND tag = 'ar'), 'B1', '{start}', '{end}', 'phone', 'counselling', 3, false, 'confirmed', 1, '{start}', '{start}', '{tomorrow}', 0, 60, 60)"
        ),
        format!(
            "INSERT INTO assignment (organisation_id, appointment_id, interpreter_id, status, version, created_at, updated_at) \
             VALUES (1, (SELECT a.id FROM appointment a JOIN client c ON c.id = a.client_id WHERE c.reference = 'REM-1'), \
             (SELECT i.id FROM interpreter i JOIN app_user u ON u.id = i.user_id WHERE u.username = 'dolmetscher'), 'confirmed', 1, '{start}', '{start}')"
        ),
    ] {
        app.db.execute_unprepared(&sql).await.unwrap();
    }
    assert_eq!(reminders::queue(&app.db, today).await.unwrap(), 1);
    // A second run (another instance, a restart) queues nothing more.
    assert_eq!(reminders::queue(&app.db, today).await.unwrap(), 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'reminder'").await, 1);
    // And it is sent like any other message.
    let sink = Sink::start().await;
    assert_eq!(run_once(&app.db, &mailer(sink.port)).await.unwrap(), 1);
    assert!(read(&sink.messages()[0].data).0.starts_with("Erinnerung – morgen: Arabisch"));
}

#[tokio::test]
async fn caseworkers_hear_of_referrals_due_for_follow_up_once_a_day() {
    use sprachpool::services::notify::reminders;
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let referred = app
        .call(
            Method::POST,
            "/api/v1/course-referrals",
            Some(&caseworker),
            Some(json!({ "client_ref": "FU-1", "course_id": null, "programme": "job_b1_b2", "current_level": "B1", "target_level": "B2", "legal_basis": "obligation" })),
        )
        .await;
    assert_eq!(referred.status, StatusCode::CREATED, "{}", referred.text);
    let today = chrono::Utc::now().with_timezone(&sprachpool::domain::time::BERLIN).date_naive();
    assert_eq!(reminders::queue_referrals_due(&app.db, today, 28).await.unwrap(), 0, "not due yet");
    app.db
        .execute_unprepared("UPDATE course_referral SET follow_up_on = '2026-01-01'")
        .await
        .unwrap();
    assert_eq!(reminders::queue_referrals_due(&app.db, today, 28).await.unwrap(), 1);
    assert_eq!(reminders::queue_referrals_due(&app.db, today, 28).await.unwrap(), 0, "once a day");
    let sink = Sink::start().await;
    assert_eq!(run_once(&app.db, &mailer(sink.port)).await.unwrap(), 1);
    let raw = sink.messages()[0].data.clone();
    let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
    assert!(message.subject().unwrap().starts_with("Wiedervorlage: 1"), "{:?}", message.subject());
    assert!(!sink.messages()[0].data.contains("FU-1"), "no client reference");
}
