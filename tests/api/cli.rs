//! The `sprachpool` binary as an operator runs it: migrate, seed, serve with JSON logs.

use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sprachpool");

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/cli.db?mode=rwc", dir.path().display())
}

fn run(dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .env("SPRACHPOOL_DATABASE_URL", sqlite_url(dir))
        .env_remove("RUST_LOG")
        .output()
        .expect("binary runs")
}

#[test]
fn migrate_and_seed_are_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(&dir, &["migrate"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(run(&dir, &["migrate"]).status.success());
    let seeded = run(&dir, &["seed", "--demo"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    assert!(String::from_utf8_lossy(&seeded.stdout).contains("demo data loaded"));
    let again = run(&dir, &["seed", "--demo"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("present already"));
    // `seed` without `--demo` would load nothing; it is refused.
    assert!(!run(&dir, &["seed"]).status.success());
}

#[test]
fn retention_reports_per_organisation_and_refuses_a_period_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&dir, &["seed", "--demo"]).status.success());
    let dry = run(&dir, &["retention", "--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(out.contains("24 months") && out.contains("would forget"), "{out}");
    assert!(out.contains("organisation 1: 0 clients erased"), "{out}");
    assert!(out.contains("organisation 2: 0 clients erased"), "{out}");
    let refused = Command::new(BIN)
        .args(["retention"])
        .current_dir(dir.path())
        .env("SPRACHPOOL_DATABASE_URL", sqlite_url(&dir))
        .env("SPRACHPOOL_RETENTION_MONTHS", "0")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("retention_months"));
}

#[test]
fn add_organisation_creates_an_admin_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let add = |slug: &str, admin: &str, password: &str| {
        Command::new(BIN)
            .args([
                "add-organisation",
                "--slug",
                slug,
                "--name",
                "Jobcenter Essen",
                "--admin",
                admin,
            ])
            .current_dir(dir.path())
            .env("SPRACHPOOL_DATABASE_URL", sqlite_url(&dir))
            .env("SPRACHPOOL_ADMIN_PASSWORD", password)
            .output()
            .unwrap()
    };
    let created = add("jobcenter-essen", "Admin.Essen", "ein-langes-passwort");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("log in as admin.essen"));

    let short = add("jobcenter-mh", "admin.mh", "kurz");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let twice = add("jobcenter-essen", "admin.zwei", "ein-langes-passwort");
    assert!(!twice.status.success());
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&twice.stderr)
    );

    // The new admin logs in and finds the language list and an empty organisation.
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve"])
        .current_dir(dir.path())
        .env("SPRACHPOOL_DATABASE_URL", sqlite_url(&dir))
        .env("SPRACHPOOL_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    wait_ready(port);
    let body = r#"{"username":"admin.essen","password":"ein-langes-passwort"}"#;
    let login = http_post_json(port, "/api/v1/auth/login", body).unwrap();
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
}

#[test]
fn bad_settings_stop_the_binary_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sprachpool.toml"), "bnid = \"127.0.0.1:1\"\n").unwrap();
    let out = run(&dir, &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bnid"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http(port: u16, request: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

fn http_get(port: u16, path: &str) -> Option<String> {
    http(port, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
}

fn http_post_json(port: u16, path: &str, body: &str) -> Option<String> {
    http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Waits until `/readyz` answers 200.
fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http_get(port, "/readyz").is_some_and(|a| a.starts_with("HTTP/1.1 200")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the server did not become ready");
}

#[test]
fn serve_with_demo_data_logs_json_with_a_span_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--demo"])
        .current_dir(dir.path())
        .env("SPRACHPOOL_DATABASE_URL", sqlite_url(&dir))
        .env("SPRACHPOOL_BIND", format!("127.0.0.1:{port}"))
        .env("SPRACHPOOL_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    wait_ready(port);
    let page = http_get(port, "/login").unwrap();
    assert!(page.starts_with("HTTP/1.1 200"));
    assert!(page.contains("content-security-policy"));
    let _ = server.0.kill();
    let _ = server.0.wait();
    let mut logs = String::new();
    server.0.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    let lines: Vec<serde_json::Value> = BufReader::new(logs.as_bytes())
        .lines()
        .filter_map(|l| serde_json::from_str(&l.ok()?).ok())
        .collect();
    assert!(!lines.is_empty(), "no JSON log lines in {logs:?}");
    assert!(
        lines.iter().any(|l| l["span"]["name"] == "request" && l["span"]["route"] == "/login"),
        "no request span in {logs}"
    );
    assert!(
        lines.iter().any(|l| l["message"].as_str().is_some_and(|m| m.contains("demo data loaded")))
    );
}

#[test]
fn logs_name_routes_not_client_references() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--demo"])
        .current_dir(dir.path())
        .env("SPRACHPOOL_DATABASE_URL", sqlite_url(&dir))
        .env("SPRACHPOOL_BIND", format!("127.0.0.1:{port}"))
        .env("SPRACHPOOL_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    wait_ready(port);
    let login =
        http_post_json(port, "/api/v1/auth/login", r#"{"username":"fachkraft","password":"demo"}"#)
            .unwrap();
    let token = login.split("\"token\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let request = format!(
        "GET /api/v1/clients/SECRET4711?q=SECRET4711 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let answer = http(port, &request).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404") || answer.starts_with("HTTP/1.1 422"), "{answer}");
    let _ = server.0.kill();
    let _ = server.0.wait();
    let mut logs = String::new();
    server.0.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(logs.contains("/api/v1/clients/{reference}"), "{logs}");
    assert!(!logs.contains("SECRET4711"), "a client reference reached the log");
    assert!(!logs.contains(&token), "a token reached the log");
}

#[test]
fn report_writes_the_annual_report_for_one_organisation() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&dir, &["seed", "--demo"]).status.success());
    let year = chrono::Utc::now().format("%Y").to_string();
    // Two organisations: the report must be told which.
    let unnamed = run(&dir, &["report", "--year", &year]);
    assert!(!unnamed.status.success());
    assert!(String::from_utf8_lossy(&unnamed.stderr).contains("--organisation"));
    let html = run(
        &dir,
        &[
            "report",
            "--year",
            &year,
            "--format",
            "html",
            "--organisation",
            "jobcenter-duisburg",
            "--out",
            "report.html",
        ],
    );
    assert!(html.status.success(), "{}", String::from_utf8_lossy(&html.stderr));
    let text = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(text.contains(&format!("Jahresbericht {year}: Jobcenter Duisburg")), "{text}");
    assert!(text.contains("@page { size: A4"));
    // Aggregates only: no client reference, no volunteer's name.
    assert!(!text.contains("DEMO-0"));
    assert!(!text.contains("Volkan"));
    let xlsx = run(
        &dir,
        &["report", "--year", &year, "--organisation", "jobcenter-duisburg", "--lang", "en"],
    );
    assert!(xlsx.status.success(), "{}", String::from_utf8_lossy(&xlsx.stderr));
    let written = dir.path().join(format!("sprachpool-report-jobcenter-duisburg-{year}.xlsx"));
    assert!(written.exists());
    assert!(
        !run(&dir, &["report", "--year", "1999", "--organisation", "jobcenter-duisburg"])
            .status
            .success()
    );
}
