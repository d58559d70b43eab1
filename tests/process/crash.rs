//! A planning run killed with its process (SIGKILL): before its plan is written (while it reads
//! the pool and the optimiser works), and while the plan is being written. Afterwards the database holds none of the plan, the service starts
//! again, the dead run is marked failed and the next run starts and is applied in full.

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;
use sprachpool::domain::time::BERLIN;

use crate::data::{self, digest};
use crate::harness::{Scratch, Server, login, number, post_json, wait_for};
use crate::invariants;

/// Enough for the optimiser to take its time and for the plan to take a while to write.
const REQUESTS: usize = 400;

#[derive(Debug, Clone, Copy)]
enum Moment {
    /// The run has begun: it reads the pool and the optimiser works; nothing is written yet.
    Planning,
    /// The plan is being written in its transaction.
    Writing,
}

fn horizon(limit: u32) -> serde_json::Value {
    let today = Utc::now().with_timezone(&BERLIN).date_naive();
    json!({
        "from": today.to_string(),
        "to": (today + chrono::Duration::weeks(6)).to_string(),
        "time_limit_seconds": limit
    })
}

/// A run after `after` marked running, if there is one.
async fn running_run(db: &DatabaseConnection, after: i64) -> Option<i64> {
    let n = number(
        db,
        &format!(
            "SELECT COALESCE(MAX(id), 0) AS n FROM planning_run \
             WHERE status = 'running' AND id > {after}"
        ),
    )
    .await;
    (n > 0).then_some(n)
}

async fn run_status(db: &DatabaseConnection, id: i64) -> String {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT status FROM planning_run WHERE id = {id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "status").unwrap()
}

/// Whether the plan is being written right now. On PostgreSQL: the connection holding the
/// organisation's write lock has changed an assignment in its open transaction. On SQLite:
/// another connection holds the write lock (nothing but the run writes during these tests).
async fn writing(scratch: &Scratch, db: &DatabaseConnection) -> Option<()> {
    if scratch.postgres().is_some() {
        let n = number(
            db,
            "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_locks a ON a.pid = l.pid \
             WHERE a.locktype = 'advisory' AND a.classid = 727 AND a.objid = 1 AND a.granted \
             AND l.locktype = 'relation' AND l.relation = 'assignment'::regclass \
             AND l.mode = 'RowExclusiveLock'",
        )
        .await;
        return (n > 0).then_some(());
    }
    use sea_orm::sqlx::{Connection, sqlite::SqliteConnectOptions};
    use std::str::FromStr;
    let options =
        SqliteConnectOptions::from_str(&scratch.url).unwrap().busy_timeout(Duration::ZERO);
    let mut probe = sea_orm::sqlx::SqliteConnection::connect_with(&options).await.unwrap();
    let locked = match sea_orm::sqlx::query("BEGIN IMMEDIATE").execute(&mut probe).await {
        Ok(_) => {
            sea_orm::sqlx::query("ROLLBACK").execute(&mut probe).await.unwrap();
            false
        }
        Err(_) => true,
    };
    probe.close().await.unwrap();
    locked.then_some(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_with_its_process_leaves_nothing_half_written() {
    let started = Instant::now();
    let (scratch, db) = Scratch::with_demo_data().await;
    data::open_requests(&db, REQUESTS).await;
    let since = invariants::last_assignment(&db).await;
    let mut server = Server::start(&scratch, "crash", &[]).await;
    let mut dead = Vec::new();
    for moment in [Moment::Planning, Moment::Writing] {
        let lead = login(server.port, "teamleitung").await;
        let before = digest(&db).await;
        let port = server.port;
        let request = tokio::spawn(async move {
            post_json(port, "/api/v1/planning-runs", Some(&lead), &horizon(20)).await
        });
        let after = dead.last().copied().unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(30);
        let run = loop {
            if let Some(run) = running_run(&db, after).await {
                break run;
            }
            if request.is_finished() {
                let answer = request.await.unwrap();
                panic!("the run did not begin ({moment:?}): {answer:?}");
            }
            assert!(Instant::now() < deadline, "the run did not begin within 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        match moment {
            Moment::Planning => {
                assert!(writing(&scratch, &db).await.is_none(), "the plan is written already");
            }
            Moment::Writing => {
                wait_for("the plan is written", Duration::from_secs(60), || writing(&scratch, &db))
                    .await;
                // Some way into the writing, not at its first statement.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        server.kill();
        let log = server.log();
        let answer = request.await.unwrap();
        assert!(
            answer.as_ref().is_err(),
            "the run answered before it was killed ({moment:?}): {answer:?}"
        );
        assert_eq!(
            run_status(&db, run).await,
            "running",
            "the run ended before it was killed ({moment:?}):\n{log}"
        );
        // Not one row of the plan: no proposal, no withdrawal, no changed appointment, no
        // message, no reason, no audit entry.
        assert_eq!(digest(&db).await, before, "after a kill while {moment:?}");
        dead.push(run);
        server = Server::start(&scratch, "crash", &[]).await;
    }

    // Back up: the next run starts at once (the dead run's lock died with its process), marks
    // the dead runs failed and is applied.
    let lead = login(server.port, "teamleitung").await;
    let reply =
        post_json(server.port, "/api/v1/planning-runs", Some(&lead), &horizon(3)).await.unwrap();
    assert_eq!(reply.status, 201, "{}\n{}", reply.body, server.log());
    let run = reply.json();
    assert_eq!(run["status"], "applied", "{}", reply.body);
    for id in &dead {
        assert_eq!(run_status(&db, *id).await, "failed");
    }
    let proposed = number(
        &db,
        &format!(
            "SELECT COUNT(*) AS n FROM assignment WHERE planning_run_id = {} AND status = 'proposed'",
            run["id"]
        ),
    )
    .await;
    assert_eq!(Some(proposed), run["assigned"].as_i64(), "the run's proposals are all written");
    let broken = invariants::broken(&db, since).await;
    assert!(broken.is_empty(), "{broken:#?}");
    println!(
        "{}: {} requests, 2 kills mid-run, run after restart assigned {} in {:?} total",
        scratch.backend(),
        REQUESTS,
        run["assigned"],
        started.elapsed()
    );
}
