//! E-mail when the process dies: SIGKILL while the relay holds a message in its DATA phase
//! without answering. Started again with a relay that works, the service sends every queued
//! message, the interrupted one included: at least once, none lost.

use std::time::Duration;

use serde_json::json;

use crate::data::thursday_at;
use crate::harness::{Scratch, Server, login, number, post_json, wait_for};
use crate::smtp_sink::{Answer, Sink};

/// Short, so that the interrupted message is due again soon after the restart.
const LEASE_SECONDS: &str = "3";

pub fn smtp(port: u16, from: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SPRACHPOOL_SMTP_HOST", "127.0.0.1".to_owned()),
        ("SPRACHPOOL_SMTP_PORT", port.to_string()),
        ("SPRACHPOOL_SMTP_TLS", "none".to_owned()),
        ("SPRACHPOOL_SMTP_FROM", format!("sprachpool <{from}>")),
        ("SPRACHPOOL_OUTBOX_LEASE_SECONDS", LEASE_SECONDS.to_owned()),
    ]
}

/// The UID of the calendar event a raw message carries.
pub fn uid(raw: &str) -> String {
    use mail_parser::{MessageParser, MimeHeaders};
    let message = MessageParser::default().parse(raw.as_bytes()).expect("the message parses");
    let ics = message
        .attachments()
        .find(|a| {
            a.content_type().is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
        })
        .and_then(|a| a.text_contents().map(str::to_owned))
        .expect("a calendar attachment");
    ics.lines().find_map(|l| l.strip_prefix("UID:")).expect("a UID").trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_cut_off_by_a_crash_is_sent_after_the_restart() {
    let (scratch, db) = Scratch::with_demo_data().await;
    let hanging = Sink::answering(Answer::Hang).await;
    let mut server = Server::start(&scratch, "mail", &smtp(hanging.port, "pool@example.org")).await;
    let caseworker = login(server.port, "fachkraft").await;
    for hour in [9, 10, 11] {
        let (start, end) = thursday_at(hour);
        let body = json!({
            "client_ref": "987X654321", "language": "en", "min_level": "B1", "start": start,
            "end": end, "mode": "phone", "kind": "benefits", "priority": 4
        });
        let booked =
            post_json(server.port, "/api/v1/appointments", Some(&caseworker), &body).await.unwrap();
        assert_eq!(booked.status, 201, "{}", booked.body);
        assert_eq!(booked.json()["status"], "proposed", "{}", booked.body);
    }
    let queued = number(&db, "SELECT COUNT(*) AS n FROM outbox").await;
    assert_eq!(queued, 3, "one proposal each");

    // The relay has the first message's data and says nothing; the process dies meanwhile.
    let hung = wait_for("the relay holds a message", Duration::from_secs(30), || async {
        hanging.hung_messages().first().cloned()
    })
    .await;
    server.kill();
    assert_eq!(
        number(
            &db,
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND sent_at IS NULL"
        )
        .await,
        3,
        "nothing was accepted, so nothing is marked sent"
    );

    let working = Sink::start().await;
    let server = Server::start(&scratch, "mail", &smtp(working.port, "pool@example.org")).await;
    wait_for("every message is sent", Duration::from_secs(60), || async {
        let sent = number(&db, "SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'").await;
        (sent == queued).then_some(())
    })
    .await;
    let delivered = working.messages();
    let uids: Vec<String> = delivered.iter().map(|m| uid(&m.data)).collect();
    assert!(
        uids.contains(&uid(&hung.data)),
        "the interrupted message arrives after the restart: {uids:?}\n{}",
        server.log()
    );
    let mut distinct = uids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "every message arrives: {uids:?}");
    // At least once; here, with one instance and a relay that answers, exactly once.
    assert_eq!(uids.len(), 3, "{uids:?}");
    println!("{}: 1 kill during DATA; 3 messages delivered after the restart", scratch.backend());
}
