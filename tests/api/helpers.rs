//! The test application: a fresh database per test (a temporary SQLite file, or a throwaway
//! PostgreSQL database when `TEST_DATABASE_URL` names a server), migrated and loaded with the
//! demo data, and the router driven in-process.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;
use sprachpool::app::{AppState, build_router};
use sprachpool::config::{DatabaseUrl, Settings};
use tower::ServiceExt;

/// Where the test's database lives, removed when the test ends.
enum Scratch {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async context; a short-lived runtime on its own thread
            // removes the database.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(db) = Database::connect(&admin_url).await {
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
}

/// A response, its body parsed as JSON where it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The field names a problem+json answer lists under `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }

    pub fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// Asserts a problem+json answer with this status naming `field`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, field: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.content_type(), "application/problem+json", "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["code"].is_string(), "no code: {}", self.text);
        if let Some(field) = field {
            assert!(
                self.error_fields().iter().any(|f| f == field),
                "{field} not named in {}",
                self.text
            );
        }
    }
}

pub struct TestApp {
    pub db: DatabaseConnection,
    pub router: Router,
    /// What the router serves from; the operators' metrics router takes it too.
    pub state: AppState,
    pub settings: Settings,
    _scratch: Scratch,
}

impl TestApp {
    /// A migrated database with the demo data.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// As [`TestApp::spawn`], with settings changed from their defaults.
    pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> Self {
        let app = Self::empty_with(change).await;
        sprachpool::seed::load_demo(&app.db).await.expect("demo data loads");
        app
    }

    /// A migrated database without data.
    pub async fn empty() -> Self {
        Self::empty_with(|_| {}).await
    }

    async fn empty_with(change: impl FnOnce(&mut Settings)) -> Self {
        let (url, scratch) = scratch_database().await;
        let mut settings = Settings { database_url: DatabaseUrl::new(url), ..Settings::default() };
        change(&mut settings);
        if std::env::var_os("TEST_LOG").is_some() {
            sprachpool::telemetry::init(&settings);
        }
        let db = sprachpool::db::connect(&settings).await.expect("test database opens");
        sprachpool::db::migrate(&db).await.expect("migrations run");
        let state = AppState::new(db.clone(), settings.clone());
        let router = build_router(state.clone());
        Self { db, router, state, settings, _scratch: scratch }
    }

    /// Sends a request; `token` goes into `Authorization: Bearer`, `body` as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request builds")).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body reads").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body, text, bytes: bytes.to_vec() }
    }

    /// A login as sent from `address`, the connection's peer.
    pub async fn login_from(&self, address: &str, username: &str, password: &str) -> Answer {
        let peer: std::net::SocketAddr =
            format!("{address}:40000").parse().expect("an IPv4 address");
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({ "username": username, "password": password }).to_string(),
            ))
            .expect("request builds");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Logs in with the demo password and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let answer = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({ "username": username, "password": "demo" })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "login of {username}: {}", answer.text);
        answer.body["token"].as_str().expect("token").to_owned()
    }

    /// Row counts of every table: equal before and after means nothing was written.
    pub async fn table_counts(&self) -> BTreeMap<&'static str, i64> {
        let mut counts = BTreeMap::new();
        for table in entities::TABLES {
            counts.insert(*table, self.count(&format!("SELECT COUNT(*) AS n FROM {table}")).await);
        }
        counts
    }

    /// The single number a `SELECT COUNT(*) AS n …` returns.
    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("count query runs")
            .expect("count returns a row");
        row.try_get::<i64>("", "n").expect("count is a number")
    }

    /// Audit entries with this action.
    pub async fn audited(&self, action: &str) -> i64 {
        self.count(&format!("SELECT COUNT(*) AS n FROM audit_event WHERE action = '{action}'"))
            .await
    }
}

async fn scratch_database() -> (String, Scratch) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("sprachpool_test_{:016x}", rand_suffix());
            let admin = Database::connect(&url).await.expect("TEST_DATABASE_URL reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.expect("admin connection closes");
            let test_url = replace_database(&url, &name);
            (test_url, Scratch::Postgres { admin_url: url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
            (url, Scratch::Sqlite(dir))
        }
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
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
