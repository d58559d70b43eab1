//! Access checks generated from the OpenAPI document, which lists every route: each one is
//! called without a login and must answer 401 as problem+json; each is called by every role
//! of the other organisation with the first organisation's records in its path, and must
//! never answer with them; and each is called by a user of every single role with a body of
//! the documented shape, and must answer 403 exactly where the matrix below says the role may
//! not call it. A new route missing from the matrix, or without its check, fails here.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Routes anyone may call.
const PUBLIC: [&str; 1] = ["/api/v1/auth/login"];

/// Every operation of the document: (method, path template).
async fn operations(app: &TestApp) -> Vec<(Method, String)> {
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let mut out = Vec::new();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") || PUBLIC.contains(&path.as_str()) {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    assert!(out.len() > 60, "{} operations", out.len());
    out
}

/// The path with the first organisation's records: ids that exist there, its languages and
/// clients.
async fn concrete(app: &TestApp, template: &str) -> String {
    let appointment =
        app.count("SELECT MIN(id) AS n FROM appointment WHERE organisation_id = 1").await;
    let site = app.count("SELECT MIN(id) AS n FROM site WHERE organisation_id = 1").await;
    let interpreter =
        app.count("SELECT MIN(id) AS n FROM interpreter WHERE organisation_id = 1").await;
    let user = app.count("SELECT MIN(id) AS n FROM app_user WHERE organisation_id = 1").await;
    let id = if template.contains("/sites/") {
        site
    } else if template.contains("/interpreters/") {
        interpreter
    } else if template.contains("/users/") {
        user
    } else {
        appointment
    };
    template
        .replace("{id}", &id.to_string())
        .replace("{tag}", "ar")
        .replace("{reference}", "DEMO-0001")
        .replace("{year}", "2026")
}

#[tokio::test]
async fn every_route_asks_for_a_login() {
    let app = TestApp::spawn().await;
    for (method, template) in operations(&app).await {
        let path = concrete(&app, &template).await;
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
        let answer = app.call(method.clone(), &path, None, body).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", answer.text);
        assert_eq!(answer.content_type(), "application/problem+json", "{method} {path}");
    }
}

#[tokio::test]
async fn no_role_of_another_organisation_reads_or_changes_its_records() {
    let app = TestApp::spawn().await;
    let before = app.table_counts().await;
    for user in ["ki.fachkraft", "ki.dolmetscher", "ki.teamleitung", "ki.admin"] {
        let token = app.login(user).await;
        for (method, template) in operations(&app).await {
            // Only routes that name a record of the first organisation. Language tags name
            // the caller's own organisation's list, which every organisation has.
            if !template.contains('{') || template.contains("{year}") || template.contains("{tag}")
            {
                continue;
            }
            let path = concrete(&app, &template).await;
            let body =
                matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let answer = app.call(method.clone(), &path, Some(&token), body).await;
            assert!(
                matches!(answer.status.as_u16(), 400 | 403 | 404 | 409 | 415 | 422),
                "{user}: {method} {path} answered {}: {}",
                answer.status,
                answer.text
            );
            assert!(
                !answer.text.contains("DEMO-0001")
                    || answer.status.is_client_error()
                        && !answer.text.contains("\"reference\":\"DEMO-0001\"")
            );
        }
    }
    // Logins are the only writes.
    let after = app.table_counts().await;
    for (table, n) in &before {
        if !matches!(*table, "session" | "audit_event" | "login_throttle") {
            assert_eq!(after[table], *n, "{table} changed");
        }
    }
}

/// Who may call each operation: `V`olunteer, `C`aseworker, `T`eam lead, `A`dmin, or `*` for
/// every logged-in user. A route missing here, or listed but not in the document, fails the
/// matrix test.
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/appointments", "CT"),
    ("POST", "/api/v1/appointments", "C"),
    ("GET", "/api/v1/appointments/{id}", "CT"),
    ("POST", "/api/v1/appointments/{id}/cancel", "CT"),
    ("POST", "/api/v1/appointments/{id}/fallback", "CT"),
    ("POST", "/api/v1/appointments/{id}/outcome", "CT"),
    ("GET", "/api/v1/audit-events", "A"),
    ("POST", "/api/v1/auth/logout", "*"),
    ("POST", "/api/v1/caseload/handover", "CT"),
    ("GET", "/api/v1/clients/{reference}", "C"),
    ("PUT", "/api/v1/clients/{reference}", "C"),
    ("POST", "/api/v1/clients/{reference}/erase", "C"),
    ("GET", "/api/v1/clients/{reference}/export", "C"),
    ("GET", "/api/v1/course-providers", "CTA"),
    ("POST", "/api/v1/course-providers", "A"),
    ("GET", "/api/v1/course-referrals", "CT"),
    ("POST", "/api/v1/course-referrals", "C"),
    ("GET", "/api/v1/course-referrals/{id}", "CT"),
    ("POST", "/api/v1/course-referrals/{id}/status", "C"),
    ("GET", "/api/v1/courses", "CTA"),
    ("POST", "/api/v1/courses", "A"),
    ("POST", "/api/v1/courses/import", "A"),
    ("DELETE", "/api/v1/courses/{id}", "A"),
    ("GET", "/api/v1/courses/{id}", "CTA"),
    ("PUT", "/api/v1/courses/{id}", "A"),
    ("GET", "/api/v1/coverage", "T"),
    ("GET", "/api/v1/coverage/outlook", "T"),
    ("GET", "/api/v1/holidays", "*"),
    ("GET", "/api/v1/interpreters", "CTA"),
    ("GET", "/api/v1/interpreters/{id}", "CTA"),
    ("PATCH", "/api/v1/interpreters/{id}", "T"),
    ("GET", "/api/v1/languages", "*"),
    ("POST", "/api/v1/languages", "A"),
    ("PATCH", "/api/v1/languages/{tag}", "A"),
    ("GET", "/api/v1/me", "*"),
    ("POST", "/api/v1/me/password", "*"),
    ("GET", "/api/v1/me/absences", "V"),
    ("POST", "/api/v1/me/absences", "V"),
    ("DELETE", "/api/v1/me/absences/{id}", "V"),
    ("PUT", "/api/v1/me/absences/{id}", "V"),
    ("GET", "/api/v1/me/assignments", "V"),
    ("POST", "/api/v1/me/assignments/{id}/confirm", "V"),
    ("POST", "/api/v1/me/assignments/{id}/decline", "V"),
    ("GET", "/api/v1/me/availability", "V"),
    ("POST", "/api/v1/me/availability", "V"),
    ("DELETE", "/api/v1/me/availability/{id}", "V"),
    ("PUT", "/api/v1/me/availability/{id}", "V"),
    ("DELETE", "/api/v1/me/calendar", "VT"),
    ("GET", "/api/v1/me/calendar", "VT"),
    ("POST", "/api/v1/me/calendar", "VT"),
    ("PUT", "/api/v1/me/languages", "V"),
    ("GET", "/api/v1/me/notifications", "*"),
    ("PUT", "/api/v1/me/notifications", "*"),
    ("GET", "/api/v1/me/profile", "V"),
    ("PATCH", "/api/v1/me/profile", "V"),
    ("GET", "/api/v1/outbox/parked", "A"),
    ("POST", "/api/v1/outbox/{id}/retry", "A"),
    ("GET", "/api/v1/planning-runs", "T"),
    ("POST", "/api/v1/planning-runs", "T"),
    ("GET", "/api/v1/planning-runs/{id}", "T"),
    ("GET", "/api/v1/recognition-referrals", "CT"),
    ("POST", "/api/v1/recognition-referrals", "C"),
    ("GET", "/api/v1/recognition-referrals/{id}", "CT"),
    ("POST", "/api/v1/recognition-referrals/{id}/status", "C"),
    ("GET", "/api/v1/reports/{year}", "T"),
    ("PUT", "/api/v1/reports/{year}/measures", "T"),
    ("GET", "/api/v1/site-travel", "*"),
    ("PUT", "/api/v1/site-travel", "A"),
    ("GET", "/api/v1/sites", "*"),
    ("POST", "/api/v1/sites", "A"),
    ("PATCH", "/api/v1/sites/{id}", "A"),
    ("GET", "/api/v1/trainings", "TA"),
    ("POST", "/api/v1/trainings", "TA"),
    ("DELETE", "/api/v1/trainings/{id}", "TA"),
    ("PUT", "/api/v1/trainings/{id}", "TA"),
    ("GET", "/api/v1/users", "A"),
    ("POST", "/api/v1/users", "A"),
    ("GET", "/api/v1/users/{id}", "A"),
    ("PATCH", "/api/v1/users/{id}", "A"),
    ("POST", "/api/v1/users/{id}/unlock", "A"),
];

/// The demo accounts that hold exactly one role, by the matrix's letter.
const ONE_ROLE: [(char, &str); 4] =
    [('V', "e.schmidt"), ('C', "fachkraft"), ('T', "teamleitung"), ('A', "admin")];

/// A JSON value of the shape `schema` asks for: required fields only, the first of every
/// choice, the first enum value, plausible strings for dates and times. The service may still
/// refuse its content, but only after it has checked the caller's role.
fn sample(doc: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return sample(doc, &doc["components"]["schemas"][name]);
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(options) = schema[choice].as_array() {
            let option = options.iter().find(|o| o["type"] != "null").unwrap_or(&options[0]);
            return sample(doc, option);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(doc, part) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(values) = schema["enum"].as_array() {
        return values[0].clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds.iter().find(|k| *k != "null").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("object") => {
            let mut fields = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                fields.insert(name.to_owned(), sample(doc, &schema["properties"][name]));
            }
            Value::Object(fields)
        }
        Some("array") => json!([]),
        Some("integer") => json!(1),
        Some("number") => json!(1.0),
        Some("boolean") => json!(false),
        Some("string") => match schema["format"].as_str() {
            Some("date") => json!("2027-03-01"),
            Some("date-time") => json!("2027-03-01T09:00:00+01:00"),
            _ => json!("09:00"),
        },
        _ => Value::Null,
    }
}

#[tokio::test]
async fn each_role_reaches_exactly_the_routes_the_matrix_gives_it() {
    let app = TestApp::spawn().await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    let listed: BTreeSet<(String, String)> =
        MATRIX.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    let documented: BTreeSet<(String, String)> =
        operations(&app).await.into_iter().map(|(m, p)| (m.to_string(), p)).collect();
    assert_eq!(listed, documented, "the matrix and the document list different operations");

    let mut tokens = Vec::new();
    for (letter, user) in ONE_ROLE {
        tokens.push((letter, user, app.login(user).await));
    }
    let mut checked = 0;
    for (method, template, allowed) in MATRIX {
        // Logging out would end the session the rest of the test uses.
        if template.ends_with("/auth/logout") {
            continue;
        }
        let operation = &doc["paths"][template][method.to_lowercase()];
        let content = &operation["requestBody"]["content"];
        let body = content["application/json"]["schema"]
            .as_object()
            .map(|s| sample(&doc, &Value::Object(s.clone())));
        let mut path = concrete(&app, template).await;
        let mut query = form_urlencoded::Serializer::new(String::new());
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "query" && parameter["required"] == true {
                let value = match sample(&doc, &parameter["schema"]) {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                query.append_pair(parameter["name"].as_str().unwrap(), &value);
            }
        }
        let query = query.finish();
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        for (letter, user, token) in &tokens {
            let answer = if content.get("text/csv").is_some() {
                // The catalogue import takes CSV: its header line alone.
                let request = Request::builder()
                    .method(*method)
                    .uri(&path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "text/csv")
                    .body(Body::from("provider;programme\n"))
                    .unwrap();
                app.send(request).await
            } else {
                app.call(method.parse().unwrap(), &path, Some(token), body.clone()).await
            };
            if allowed.contains('*') || allowed.contains(*letter) {
                assert!(
                    !matches!(answer.status.as_u16(), 401 | 403)
                        && !answer.status.is_server_error(),
                    "{user} may {method} {path}, but got {}: {}",
                    answer.status,
                    answer.text
                );
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{user} may not {method} {path}: {}",
                    answer.text
                );
                assert_eq!(answer.content_type(), "application/problem+json");
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked} calls");
}
