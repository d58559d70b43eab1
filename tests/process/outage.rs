//! The database goes away under a running service and comes back: `/readyz` answers 503
//! promptly while it is gone and 200 again by itself once it is back, and requests work again
//! with the sessions opened before. On PostgreSQL the database refuses connections and every
//! open one is terminated, or the network to the server stops passing anything; on SQLite the
//! file is moved away from its path and back.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};

use crate::harness::{Scratch, Server, get, login, wait_for};
use crate::proxy::Proxy;

async fn away(scratch: &Scratch, back: bool) {
    match scratch.postgres() {
        Some((admin, name)) => {
            let server = Database::connect(admin).await.unwrap();
            server
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {}",
                    if back { "true" } else { "false" }
                ))
                .await
                .unwrap();
            if !back {
                server
                    .execute_unprepared(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                    ))
                    .await
                    .unwrap();
            }
            server.close().await.unwrap();
        }
        None => {
            let file = scratch.sqlite_file();
            let moved = file.with_extension("away");
            let (from, to) = if back { (moved, file) } else { (file, moved) };
            std::fs::rename(from, to).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_away_and_back() {
    let (scratch, db) = Scratch::with_demo_data().await;
    db.close().await.unwrap();
    let server = Server::start(&scratch, "outage", &[]).await;
    let port = server.port;
    let token = login(port, "fachkraft").await;
    assert_eq!(get(port, "/api/v1/me", Some(&token)).await.unwrap().status, 200);

    away(&scratch, false).await;
    let gone = Instant::now();
    let answer = wait_for("/readyz says 503", Duration::from_secs(30), || async {
        let asked = Instant::now();
        let reply = get(port, "/readyz", None).await.unwrap();
        (reply.status == 503).then_some((reply, asked.elapsed()))
    })
    .await;
    assert!(answer.1 < Duration::from_secs(4), "/readyz kept the probe waiting {:?}", answer.1);
    assert_eq!(answer.0.header_values("content-type"), ["application/problem+json"]);
    // The process itself is fine.
    assert_eq!(get(port, "/healthz", None).await.unwrap().status, 200);
    // Still gone a little later: not a single failed probe.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(get(port, "/readyz", None).await.unwrap().status, 503);
    if scratch.postgres().is_some() {
        // Requests fail cleanly as unavailable instead of hanging or crashing the process.
        let refused = get(port, "/api/v1/me", Some(&token)).await.unwrap();
        assert_eq!(refused.status, 503, "{}", refused.body);
    }
    let outage = gone.elapsed();

    away(&scratch, true).await;
    let back = Instant::now();
    wait_for("/readyz says 200 again", Duration::from_secs(30), || async {
        (get(port, "/readyz", None).await.unwrap().status == 200).then_some(())
    })
    .await;
    let recovered = back.elapsed();
    let me = get(port, "/api/v1/me", Some(&token)).await.unwrap();
    assert_eq!(me.status, 200, "the session opened before the outage still works: {}", me.body);
    assert_eq!(me.json()["username"], "fachkraft", "{}", me.body);
    println!(
        "{}: database away for {outage:?}, /readyz 503 after {:?}, 200 again {recovered:?} after it was back",
        scratch.backend(),
        answer.1
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_answers_in_time_when_the_database_server_goes_silent() {
    let (scratch, db) = Scratch::with_demo_data().await;
    db.close().await.unwrap();
    if scratch.postgres().is_none() {
        println!("skipped on SQLite: an embedded database has no network to lose");
        return;
    }
    let mut url = url::Url::parse(&scratch.url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let server =
        Server::start(&scratch, "partition", &[("SPRACHPOOL_DATABASE_URL", url.to_string())]).await;
    let port = server.port;
    let token = login(port, "fachkraft").await;

    // Open connections hang and new ones never finish their handshake.
    proxy.stall(true);
    let asked = std::time::Instant::now();
    let reply = get(port, "/readyz", None).await.unwrap();
    let waited = asked.elapsed();
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(waited < Duration::from_secs(4), "/readyz kept the probe waiting {waited:?}");
    assert_eq!(get(port, "/healthz", None).await.unwrap().status, 200);

    proxy.stall(false);
    let back = Instant::now();
    wait_for("/readyz says 200 again", Duration::from_secs(30), || async {
        (get(port, "/readyz", None).await.unwrap().status == 200).then_some(())
    })
    .await;
    let me = get(port, "/api/v1/me", Some(&token)).await.unwrap();
    assert_eq!(me.status, 200, "{}", me.body);
    println!(
        "postgres: network silent, /readyz 503 after {waited:?}, 200 again {:?} after it was back",
        back.elapsed()
    );
    drop(server);
}
