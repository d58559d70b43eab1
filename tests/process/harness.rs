//! Running the real binary: a scratch database per test (a temporary SQLite file, or a
//! throwaway PostgreSQL database when `TEST_DATABASE_URL` names a server), `sprachpool serve`
//! on a free loopback port and killed with SIGKILL when its guard is dropped — also when a test
//! fails — and a small HTTP/1.1 client for its API.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use sprachpool::config::{DatabaseUrl, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const BIN: &str = env!("CARGO_BIN_EXE_sprachpool");

/// Generous: the binary shares two cores with the compiler and other tests.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A database of the test's own, removed when the test ends.
pub struct Scratch {
    pub url: String,
    /// Holds the SQLite file, the servers' logs and anything else the test writes.
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Scratch {
    /// An empty database.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => {
                let name = format!("sprachpool_proc_{:016x}", rand::random::<u64>());
                let server = Database::connect(&admin).await.expect("TEST_DATABASE_URL reachable");
                server
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("the scratch database is created");
                server.close().await.expect("the admin connection closes");
                let url = replace_database(&admin, &name);
                Self { url, dir, postgres: Some((admin, name)) }
            }
            _ => {
                let url = format!("sqlite://{}/sprachpool.db?mode=rwc", dir.path().display());
                Self { url, dir, postgres: None }
            }
        }
    }

    /// A migrated database with the demo data, and a connection to it for the test's own
    /// checks.
    pub async fn with_demo_data() -> (Self, DatabaseConnection) {
        let scratch = Self::new().await;
        let db = scratch.connect().await;
        sprachpool::db::migrate(&db).await.expect("migrations run");
        sprachpool::seed::load_demo(&db).await.expect("demo data loads");
        (scratch, db)
    }

    pub async fn connect(&self) -> DatabaseConnection {
        let settings =
            Settings { database_url: DatabaseUrl::new(self.url.clone()), ..Settings::default() };
        sprachpool::db::connect(&settings).await.expect("the scratch database opens")
    }

    /// The PostgreSQL server's admin URL and the scratch database's name.
    pub fn postgres(&self) -> Option<(&str, &str)> {
        self.postgres.as_ref().map(|(admin, name)| (admin.as_str(), name.as_str()))
    }

    /// The SQLite file.
    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.path().join("sprachpool.db")
    }

    pub fn backend(&self) -> &'static str {
        if self.postgres.is_some() { "postgres" } else { "sqlite" }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else { return };
        // Drop runs outside async context; a short-lived runtime on its own thread removes the
        // database, whoever is still connected.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                if let Ok(db) = Database::connect(&admin).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = db.close().await;
                }
            });
        })
        .join();
    }
}

/// The same server URL with another database name (keeps user, host, port and parameters).
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let cut = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A running `sprachpool serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on the scratch database with these extra settings, and waits until it
    /// is ready.
    pub async fn start(scratch: &Scratch, name: &str, settings: &[(&str, String)]) -> Self {
        let port = free_port();
        let log = scratch.dir.path().join(format!("{name}-{port}.log"));
        let file = std::fs::File::create(&log).expect("a log file");
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .current_dir(scratch.dir.path())
            .env_remove("RUST_LOG")
            .env("SPRACHPOOL_DATABASE_URL", &scratch.url)
            .env("SPRACHPOOL_BIND", format!("127.0.0.1:{port}"))
            // Every instance of a deployment shares one key; on PostgreSQL serve needs it.
            .env("SPRACHPOOL_SECRET_KEY", "process-tests-secret-key-of-at-least-32-characters")
            .stdout(Stdio::null())
            .stderr(file);
        for (key, value) in settings {
            command.env(key, value);
        }
        let child = command.spawn().expect("the binary starts");
        let mut server = Self { child, port, log };
        server.wait_ready().await;
        server
    }

    /// Waits until `/readyz` answers 200; fails with the server's log if it exits or never
    /// gets there.
    pub async fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}) before it was ready:\n{}", self.log());
            }
            if get(self.port, "/readyz", None).await.is_ok_and(|r| r.status == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server was not ready within {READY_WITHIN:?}:\n{}", self.log());
    }

    /// SIGKILL: no shutdown handler, no flush, no rollback by the process itself.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Every value of a header, by its lower-case name.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// One request on a fresh connection (`Connection: close`), answered within 60 s.
///
/// # Errors
/// The connection fails or the answer does not come in time.
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> std::io::Result<Reply> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some((content_type, content)) = body {
            head.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                content.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(body.map_or("", |(_, content)| content));
        stream.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse(&raw)
    };
    tokio::time::timeout(Duration::from_secs(60), exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 60 s"))?
}

fn parse(raw: &[u8]) -> std::io::Result<Reply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8_lossy(raw);
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked =
        headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_owned() };
    Ok(Reply { status, headers, body })
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

pub async fn get(port: u16, path: &str, token: Option<&str>) -> std::io::Result<Reply> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> =
        auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
    request(port, "GET", path, &headers, None).await
}

pub async fn post_json(
    port: u16,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> std::io::Result<Reply> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> =
        auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
    request(port, "POST", path, &headers, Some(("application/json", &body.to_string()))).await
}

/// Logs in with the demo password; the bearer token.
pub async fn login(port: u16, username: &str) -> String {
    let body = serde_json::json!({ "username": username, "password": "demo" });
    let reply = post_json(port, "/api/v1/auth/login", None, &body).await.expect("login answers");
    assert_eq!(reply.status, 200, "login of {username}: {}", reply.body);
    reply.json()["token"].as_str().expect("a token").to_owned()
}

/// Polls `probe` every 50 ms until it gives a value; fails after `within`.
pub async fn wait_for<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The single number a `SELECT COUNT(*) AS n …` (or another `n`) returns.
pub async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(backend, sql.to_owned()))
        .await
        .expect("the query runs")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a number")
}
