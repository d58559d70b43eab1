//! Two `serve` processes on one database, no sticky sessions: a login on one instance works on
//! the other (bearer token and browser cookie), planning runs started on both at once for one
//! organisation run once (the other answers 409), and both instances' outbox workers together
//! send every message exactly once, even with a relay slow enough that a batch outlasts its
//! lease. On PostgreSQL this is the scale-out setup; on SQLite it is two processes on one file,
//! which must be just as safe.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use entities::outbox;
use sea_orm::{EntityTrait, Set};
use serde_json::json;
use sprachpool::domain::time::BERLIN;
use sprachpool::services::notify::{EventFacts, Notice, NoticeKind};

use crate::data;
use crate::harness::{Scratch, Server, get, login, number, post_json, request, wait_for};
use crate::outbox::{smtp, uid};
use crate::smtp_sink::{Answer, Sink};

/// Logs in through the login form, shown by the instance on `form_port` and sent to the one
/// on `port`: both sign CSRF tokens with the deployment's one key. The session cookie's value.
async fn web_login(form_port: u16, port: u16, username: &str) -> String {
    let page = get(form_port, "/login", None).await.unwrap();
    let nonce = page
        .header_values("set-cookie")
        .iter()
        .find_map(|c| c.strip_prefix("sp_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    let (_, after) = page.body.split_once(r#"name="csrf" value=""#).expect("a CSRF field");
    let csrf = after.split('"').next().unwrap_or_default();
    let cookie = format!("sp_csrf={nonce}");
    let form = format!("username={username}&password=demo&next=%2Fplanning&csrf={csrf}");
    let reply = request(
        port,
        "POST",
        "/login",
        &[("Cookie", &cookie)],
        Some(("application/x-www-form-urlencoded", &form)),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply
        .header_values("set-cookie")
        .iter()
        .find_map(|c| c.strip_prefix("sp_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_logins_and_plan_an_organisation_once() {
    let (scratch, db) = Scratch::with_demo_data().await;
    data::open_requests(&db, 400).await;
    let a = Server::start(&scratch, "a", &[]).await;
    let b = Server::start(&scratch, "b", &[]).await;

    // A token from A works on B, and a logout on B ends it on A too.
    let token = login(a.port, "teamleitung").await;
    let me = get(b.port, "/api/v1/me", Some(&token)).await.unwrap();
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["username"], "teamleitung");
    let other = login(b.port, "fachkraft").await;
    let out = post_json(b.port, "/api/v1/auth/logout", Some(&other), &json!({})).await.unwrap();
    assert!(out.status < 300, "{}", out.body);
    assert_eq!(get(a.port, "/api/v1/me", Some(&other)).await.unwrap().status, 401);
    // A browser session opened on B shows its pages on A.
    let session = web_login(a.port, b.port, "teamleitung").await;
    let cookie = format!("sp_session={session}");
    let page = request(a.port, "GET", "/planning", &[("Cookie", &cookie)], None).await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);

    // Both instances are asked to plan the organisation at the same moment.
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    let body = json!({
        "from": today.to_string(), "to": (today + chrono::Duration::weeks(6)).to_string(),
        "time_limit_seconds": 3
    });
    let started = Instant::now();
    let (on_a, on_b) = tokio::join!(
        post_json(a.port, "/api/v1/planning-runs", Some(&token), &body),
        post_json(b.port, "/api/v1/planning-runs", Some(&token), &body),
    );
    let took = started.elapsed();
    let (on_a, on_b) = (on_a.unwrap(), on_b.unwrap());
    let mut statuses = [on_a.status, on_b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "A: {}\nB: {}", on_a.body, on_b.body);
    let refused = if on_a.status == 409 { &on_a } else { &on_b };
    assert_eq!(refused.json()["code"], "conflict", "{}", refused.body);
    assert_eq!(number(&db, "SELECT COUNT(*) AS n FROM planning_run").await, 1);
    assert_eq!(
        number(&db, "SELECT COUNT(*) AS n FROM planning_run WHERE status = 'applied'").await,
        1
    );
    // Once it is done, either instance plans again.
    let again = post_json(b.port, "/api/v1/planning-runs", Some(&token), &body).await.unwrap();
    assert_eq!(again.status, 201, "{}", again.body);
    println!(
        "{}: two instances; runs started on both at once: {statuses:?} in {took:?}",
        scratch.backend()
    );
}

/// Messages a volunteer is to receive, each about another calendar event.
async fn queue(db: &sea_orm::DatabaseConnection, messages: usize) -> Vec<String> {
    let volunteer = sprachpool::repo::users::by_username(db, "dolmetscher")
        .await
        .unwrap()
        .expect("the demo volunteer");
    assert!(volunteer.email.is_some(), "the demo volunteer has an address");
    let now = Utc::now();
    let mut uids = Vec::new();
    for n in 0..messages {
        let uid = format!("instances-{n}@sprachpool");
        let start = now + chrono::Duration::days(14) + chrono::Duration::hours(n as i64);
        let notice = Notice {
            kind: NoticeKind::Proposal,
            event: Some(EventFacts {
                uid: uid.clone(),
                sequence: 0,
                start,
                end: start + chrono::Duration::minutes(30),
                language_de: "Englisch".into(),
                language_en: "English".into(),
                kind: "counselling".into(),
                place: String::new(),
                mode: "phone".into(),
                confirmed: false,
            }),
            due: None,
        };
        outbox::Entity::insert(outbox::ActiveModel {
            organisation_id: Set(volunteer.organisation_id),
            recipient_user_id: Set(Some(volunteer.id)),
            kind: Set("proposal".into()),
            payload: Set(serde_json::to_string(&notice).unwrap()),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
        uids.push(uid);
    }
    uids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_every_message_exactly_once() {
    const MESSAGES: usize = 24;
    let (scratch, db) = Scratch::with_demo_data().await;
    let queued = queue(&db, MESSAGES).await;
    // Half a second a message: the first instance's batch of 20 takes ten seconds, far longer
    // than its three-second lease. The second takes the other four, and when it looks again
    // five seconds later it finds the first one's last messages with their lease run out.
    let sink = Sink::answering(Answer::After(Duration::from_millis(500))).await;
    let started = Instant::now();
    let a = Server::start(&scratch, "a", &smtp(sink.port, "a@example.org")).await;
    let b = Server::start(&scratch, "b", &smtp(sink.port, "b@example.org")).await;
    wait_for("every message is sent", Duration::from_secs(90), || async {
        let sent = number(&db, "SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'").await;
        (sent == MESSAGES as i64).then_some(())
    })
    .await;
    // A duplicate could still be on its way: let both workers poll once more.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let delivered = sink.messages();
    let mut times: HashMap<String, usize> = HashMap::new();
    for message in &delivered {
        *times.entry(uid(&message.data)).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}\nA:\n{}\nB:\n{}", a.log(), b.log());
    for uid in &queued {
        assert_eq!(times.get(uid), Some(&1), "{uid}");
    }
    assert_eq!(delivered.len(), MESSAGES);
    let by_a = delivered.iter().filter(|m| m.from == "a@example.org").count();
    let by_b = delivered.iter().filter(|m| m.from == "b@example.org").count();
    assert!(by_a > 0 && by_b > 0, "both instances sent: A {by_a}, B {by_b}");
    println!(
        "{}: {MESSAGES} messages, sent by A {by_a} and by B {by_b}, each once, in {:?}",
        scratch.backend(),
        started.elapsed()
    );
}
