//! The web pages as a browser uses them: session cookie, CSRF tokens, forms, language switch.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::{Answer, TestApp};

/// A minimal cookie-keeping client for the in-process router.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
    /// The CSRF token of the last page that had a form.
    csrf: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: HashMap::new(), csrf: None }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        let body = match form {
            Some(fields) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(serde_urlencoded::to_string(fields).unwrap())
            }
            None => Body::empty(),
        };
        let answer = self.app.send(request.body(body).unwrap()).await;
        for cookie in answer.headers.get_all(header::SET_COOKIE) {
            let text = cookie.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        if let Some(token) = form_token(&answer.text) {
            self.csrf = Some(token);
        }
        answer
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        self.send(Method::POST, path, Some(fields)).await
    }

    /// The CSRF token the last page with a form put into it.
    pub fn csrf(&self) -> String {
        self.csrf.clone().expect("a page with a form was shown")
    }

    /// Logs in through the form and opens the start page, as a person would.
    pub async fn log_in(&mut self, username: &str) {
        self.get("/login").await;
        let csrf = self.csrf();
        let answer = self
            .post(
                "/login",
                &[("username", username), ("password", "demo"), ("next", "/"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
        self.get("/").await;
    }
}

/// The value of a page's hidden `csrf` field.
fn form_token(html: &str) -> Option<String> {
    let (_, after) = html.split_once(r#"name="csrf" value=""#)?;
    after.split_once('"').map(|(token, _)| token.to_owned()).filter(|t| !t.is_empty())
}

fn location(answer: &Answer) -> &str {
    answer.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn pages_ask_for_a_login_first() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let answer = browser.get("/availability").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/login?next=/availability");
}

#[tokio::test]
async fn logging_in_and_out_through_the_form() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("<html lang=\"de\">"));
    let csrf = browser.csrf();
    // A failed login stays on the page with a message and sets no session.
    let failed = browser
        .post("/login", &[("username", "dolmetscher"), ("password", "x"), ("csrf", &csrf)])
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert!(failed.text.contains("Benutzername oder Passwort ist falsch"));
    assert!(!browser.cookies.contains_key("sp_session"));

    let ok = browser
        .post(
            "/login",
            &[
                ("username", "dolmetscher"),
                ("password", "demo"),
                ("next", "/absences"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/absences");
    let set_cookie = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sp_session="))
        .unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Leyla Haddad"));

    // The token from before the login no longer passes; the session's own does.
    let stale = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let csrf = browser.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(location(&out), "/login");
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audited("auth.logout").await, 1);
}

#[tokio::test]
async fn the_login_never_redirects_to_another_site() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        browser.cookies.remove("sp_session");
        browser.get("/login").await;
        let csrf = browser.csrf();
        let answer = browser
            .post(
                "/login",
                &[("username", "fachkraft"), ("password", "demo"), ("next", next), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(location(&answer), "/", "{next}");
    }
}

#[tokio::test]
async fn a_csrf_token_belongs_to_its_session_and_changes_at_login_and_logout() {
    let app = TestApp::spawn().await;
    // Any value in cookie and form alike was taken once: no longer.
    let mut forger = Browser::new(&app);
    let made_up = "ab".repeat(32);
    forger.cookies.insert("sp_csrf".to_owned(), made_up.clone());
    let refused = forger
        .post("/login", &[("username", "fachkraft"), ("password", "demo"), ("csrf", &made_up)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!forger.cookies.contains_key("sp_session"));

    // Another session's token does not pass, not even another session of the same user.
    let mut one = Browser::new(&app);
    one.log_in("dolmetscher").await;
    let mut two = Browser::new(&app);
    two.log_in("dolmetscher").await;
    assert_ne!(one.csrf(), two.csrf());
    let before = app.table_counts().await;
    let window = [("weekday", "mon"), ("start", "07:00"), ("end", "08:00")];
    let crossed =
        one.post("/availability", &[&window[..], &[("csrf", &two.csrf())]].concat()).await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    assert_eq!(app.table_counts().await, before);

    // Logging in again gives a new token; the old one is refused.
    let old = one.csrf();
    one.log_in("dolmetscher").await;
    assert_ne!(one.csrf(), old);
    let stale = one.post("/availability", &[&window[..], &[("csrf", &old)]].concat()).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.log_in("dolmetscher").await;
    let before = app.table_counts().await;
    let forged = browser
        .post(
            "/availability",
            &[("weekday", "mon"), ("start", "07:00"), ("end", "08:00"), ("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing =
        browser.post("/absences", &[("first_day", "2027-01-01"), ("last_day", "2027-01-02")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn a_volunteer_keeps_availability_and_absences_through_the_pages() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.log_in("dolmetscher").await;
    let csrf = browser.csrf();
    let windows_before = app.count("SELECT COUNT(*) AS n FROM availability_rule").await;

    let added = browser
        .post(
            "/availability",
            &[
                ("weekday", "thu"),
                ("start", "14:00"),
                ("end", "16:30"),
                ("place", "remote"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(location(&added), "/availability?saved=1");
    let page = browser.get("/availability?saved=1").await;
    assert!(page.text.contains("Donnerstag") && page.text.contains("14:00–16:30"), "{}", page.text);
    assert!(page.text.contains("Gespeichert."));

    // A window that would cross midnight is refused with a German message, and nothing is stored.
    let refused = browser
        .post(
            "/availability",
            &[
                ("weekday", "fri"),
                ("start", "22:00"),
                ("end", "02:00"),
                ("place", "home"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("nicht über Mitternacht"), "{}", refused.text);
    assert!(refused.text.contains("aria-invalid=\"true\""));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM availability_rule").await, windows_before + 1);

    // Absences are entered as first and last day and stored as whole local days.
    let added = browser
        .post(
            "/absences",
            &[
                ("first_day", "2027-02-01"),
                ("last_day", "2027-02-05"),
                ("reason", "vacation"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(location(&added), "/absences?saved=1");
    let token = app.login("dolmetscher").await;
    let absences = app.get("/api/v1/me/absences", &token).await;
    let february = absences
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["from"] == "2027-02-01T00:00:00+01:00")
        .cloned();
    assert_eq!(february.unwrap()["until"], "2027-02-06T00:00:00+01:00");
    let overlapping = browser
        .post(
            "/absences",
            &[
                ("first_day", "2027-02-05"),
                ("last_day", "2027-02-07"),
                ("reason", "sick"),
                ("csrf", &csrf),
            ],
        )
        .await;
    // The page shows the overlap as a form error.
    assert_eq!(overlapping.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(overlapping.text.contains("überschneidet sich"));
}

#[tokio::test]
async fn a_volunteer_adds_a_language_through_the_profile_page() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.log_in("dolmetscher").await;
    let csrf = browser.csrf();
    let added = browser
        .post(
            "/profile/languages",
            &[("tag", "tr"), ("level", "B1"), ("written", "on"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&added), "/profile?saved=1");
    // The table of the volunteer's languages (not the select offering every language).
    let row = "<td>Türkisch <span class=\"code\">tr</span></td>";
    let page = browser.get("/profile").await;
    assert!(page.text.contains(row), "{}", page.text);
    let unknown = browser
        .post("/profile/languages", &[("tag", "xx"), ("level", "B1"), ("csrf", &csrf)])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text.contains("nicht in der Sprachliste"));
    let removed =
        browser.post("/profile/languages/remove", &[("tag", "tr"), ("csrf", &csrf)]).await;
    assert_eq!(location(&removed), "/profile?saved=1");
    assert!(!browser.get("/profile").await.text.contains(row));
}

#[tokio::test]
async fn pages_switch_to_english_and_back() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let switched = browser.get("/lang/en?next=/login").await;
    assert_eq!(location(&switched), "/login");
    let login = browser.get("/login").await;
    assert!(login.text.contains("<html lang=\"en\">"));
    assert!(login.text.contains("Log in with your username and password."));
    browser.log_in("teamleitung").await;
    assert!(browser.get("/pool").await.text.contains("Interpreter pool"));
    browser.get("/lang/de?next=/pool").await;
    assert!(browser.get("/pool").await.text.contains("Sprachpool"));
}

#[tokio::test]
async fn each_role_gets_its_own_start_page() {
    let app = TestApp::spawn().await;
    for (username, shows, hides) in [
        ("dolmetscher", "Mein Einsatz", "Der Pool auf einen Blick"),
        ("fachkraft", "Sprachen im Pool", "Mein Einsatz"),
        ("teamleitung", "Der Pool auf einen Blick", "Verwaltung"),
        ("admin", "Verwaltung", "Mein Einsatz"),
    ] {
        let mut browser = Browser::new(&app);
        browser.log_in(username).await;
        let home = browser.get("/").await;
        assert!(home.text.contains(shows), "{username} should see {shows}");
        assert!(!home.text.contains(hides), "{username} should not see {hides}");
    }
    let mut browser = Browser::new(&app);
    browser.log_in("e.schmidt").await;
    let forbidden = browser.get("/pool").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.text.contains("Ihre Rolle erlaubt"));
    let mut lead = Browser::new(&app);
    lead.log_in("teamleitung").await;
    let bad_level = lead.get("/pool?language=ar&min_level=Z9").await;
    assert_eq!(bad_level.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_level.text.contains("Bitte ein Niveau"));
    let missing = browser.get("/nirgendwo").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("<html lang=\"de\">"));
}

#[tokio::test]
async fn book_accept_and_plan_through_the_pages() {
    let app = TestApp::spawn().await;
    let (start, _) = crate::booking::weekday_at(3, 9);
    let day = &start[..10];
    let mut caseworker = Browser::new(&app);
    caseworker.log_in("fachkraft").await;
    let csrf = caseworker.csrf();
    let booked = caseworker
        .post(
            "/bookings",
            &[
                ("client_ref", "555K12345"),
                ("language", "en"),
                ("min_level", "B1"),
                ("date", day),
                ("start", "09:00"),
                ("end", "10:00"),
                ("mode", "phone"),
                ("site", ""),
                ("kind", "benefits"),
                ("priority", "3"),
                ("gender_preference", ""),
                ("every_weeks", "1"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.text);
    assert!(location(&booked).starts_with("/bookings?booked="));
    let page = caseworker.get(location(&booked)).await;
    assert!(page.text.contains("Vorgeschlagen ist"), "{}", page.text);
    assert!(page.text.contains("555K12345"));

    // The end before the start is refused on the page; nothing is booked.
    let before = app.count("SELECT COUNT(*) AS n FROM appointment").await;
    let refused = caseworker
        .post(
            "/bookings",
            &[
                ("client_ref", "555K12345"),
                ("language", "en"),
                ("min_level", "B1"),
                ("date", day),
                ("start", "10:00"),
                ("end", "09:00"),
                ("mode", "phone"),
                ("kind", "benefits"),
                ("priority", "3"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Das Ende muss nach dem Beginn liegen"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM appointment").await, before);

    // The proposed volunteer accepts on their page.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT a.id AS id, u.username AS name FROM assignment a JOIN interpreter i ON i.id = a.interpreter_id \
             JOIN app_user u ON u.id = i.user_id WHERE a.status = 'proposed'"
                .to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let (assignment, username): (i64, String) =
        (row.try_get("", "id").unwrap(), row.try_get("", "name").unwrap());
    let mut volunteer = Browser::new(&app);
    volunteer.log_in(&username).await;
    let list = volunteer.get("/assignments").await;
    assert!(list.text.contains("Zusagen"));
    assert!(!list.text.contains("555K12345"), "the volunteer never sees the client reference");
    let csrf = volunteer.csrf();
    let accepted =
        volunteer.post(&format!("/assignments/{assignment}/confirm"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&accepted), "/assignments?saved=1");
    assert!(volunteer.get("/assignments").await.text.contains("zugesagt"));

    // The team lead plans the next weeks from the planning page.
    let mut lead = Browser::new(&app);
    lead.log_in("teamleitung").await;
    let csrf = lead.csrf();
    let today = chrono::Utc::now().date_naive();
    let run = lead
        .post(
            "/planning",
            &[
                ("from", &today.to_string()),
                ("to", &(today + chrono::Duration::weeks(3)).to_string()),
                ("time_limit", "5"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(location(&run).starts_with("/planning?run="), "{}", run.text);
    let result = lead.get(location(&run)).await;
    assert!(result.text.contains("übernommen"), "{}", result.text);
}

#[tokio::test]
async fn a_user_changes_their_password_on_its_page() {
    let app = TestApp::spawn().await;
    let mut elsewhere = Browser::new(&app);
    elsewhere.log_in("fachkraft").await;
    let mut browser = Browser::new(&app);
    browser.log_in("fachkraft").await;
    let page = browser.get("/password").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Aktuelles Passwort"), "{}", page.text);
    let csrf = browser.csrf();
    let form = |current: &'static str, new: &'static str, again: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("new_password_again", again),
            ("csrf", csrf.as_str()),
        ]
    };
    for (fields, message) in [
        (form("demo", "ein-neues-passwort", "ein-anderes-passwort"), "stimmen nicht überein"),
        (
            form("falsch", "ein-neues-passwort", "ein-neues-passwort"),
            "aktuelle Passwort stimmt nicht",
        ),
        (form("demo", "kurz", "kurz"), "mindestens 12 Zeichen"),
    ] {
        let refused = browser.post("/password", &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
        assert!(refused.text.contains(message), "{message}: {}", refused.text);
        assert!(!refused.text.contains("ein-neues-passwort"), "a password was sent back");
    }
    let changed =
        browser.post("/password", &form("demo", "ein-neues-passwort", "ein-neues-passwort")).await;
    assert_eq!(location(&changed), "/password?saved=1", "{}", changed.text);
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(elsewhere.get("/").await.status, StatusCode::SEE_OTHER, "the other session ended");
}
