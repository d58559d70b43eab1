//! The OpenAPI document is complete and says what the service does: every route the router
//! serves is in it with each of its methods, every error answer is declared as problem+json,
//! and closed value sets are spelled as they travel. Clients are generated from it, and the API
//! fuzzing (`api-fuzz/run.sh`) holds every answer to it.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::{Method, StatusCode, header};
use serde_json::Value;
use sprachpool::domain::{booking, courses, referrals, time, types};

use crate::helpers::TestApp;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    doc.body
}

/// Every path the router matches. axum's `Debug` output of a router lists its paths; it is
/// the only place the router names them.
fn routed_paths(router: &Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let paths: BTreeSet<String> = debug
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .map(str::to_owned)
        .collect();
    // Guards against a change of that output hiding every route from this test.
    assert!(paths.contains("/api/v1/me") && paths.contains("/login"), "{paths:?}");
    paths
}

/// The part of the router that the document covers: the JSON API and the probes.
fn is_api(path: &str) -> bool {
    (path.starts_with("/api/") && path != "/api/openapi.json")
        || path == "/healthz"
        || path == "/readyz"
}

/// The path with each `{parameter}` filled in; which value does not matter for routing.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') { "1" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_with_each_method() {
    let app = TestApp::empty().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    let routed = routed_paths(&app.router);
    for path in routed.iter().filter(|p| is_api(p)) {
        assert!(paths.contains_key(path), "{path} is served but not in the document");
    }
    for (path, item) in paths {
        assert!(routed.contains(path), "{path} is in the document but not served");
        // A method no route of the path has answers 405, and `Allow` lists those it has.
        let answer = app.call(Method::TRACE, &concrete(path), None, None).await;
        answer.assert_problem(405, None);
        let allowed: BTreeSet<String> = answer.headers[header::ALLOW]
            .to_str()
            .unwrap()
            .split(',')
            .map(|m| m.trim().to_lowercase())
            .filter(|m| m != "head")
            .collect();
        let documented: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| METHODS.contains(&k.as_str()))
            .cloned()
            .collect();
        assert_eq!(allowed, documented, "{path}: methods served and methods documented");
    }
}

/// A response object, following a `$ref` into `#/components/responses`.
fn resolve<'a>(doc: &'a Value, answer: &'a Value) -> &'a Value {
    match answer["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/responses/").unwrap();
            &doc["components"]["responses"][name]
        }
        None => answer,
    }
}

#[tokio::test]
async fn every_error_answer_is_declared_as_problem_json() {
    let app = TestApp::empty().await;
    let doc = document(&app).await;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let answers = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let mut expected = vec!["500", "503"];
            if secured {
                expected.extend(["401", "403"]);
            }
            if op["requestBody"].is_object() {
                expected.extend(["400", "415", "422"]);
            }
            for status in expected {
                assert!(answers.contains_key(status), "{method} {path} does not declare {status}");
            }
            for (status, answer) in answers {
                if status.as_str() < "400" {
                    continue;
                }
                let content = &resolve(&doc, answer)["content"];
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}: {answer}"
                );
                assert_eq!(content.as_object().map(|c| c.len()), Some(1), "{method} {path}");
            }
        }
    }
    assert!(operations > 70, "{operations} operations");
}

/// The spellings of each closed value set, by the name of its schema.
macro_rules! spellings {
    ($($value_set:ty),+ $(,)?) => {
        vec![$((
            stringify!($value_set).rsplit("::").next().unwrap_or_default().trim(),
            <$value_set>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        )),+]
    };
}

#[tokio::test]
async fn closed_value_sets_are_documented_as_they_are_spelled() {
    let app = TestApp::empty().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let value_sets = spellings![
        types::Role,
        types::Level,
        types::Gender,
        types::Mode,
        types::AbsenceReason,
        types::Locale,
        booking::AppointmentKind,
        booking::AppointmentStatus,
        booking::AssignmentStatus,
        booking::FallbackKind,
        booking::Outcome,
        courses::Programme,
        courses::Schedule,
        courses::TimeOfDay,
        referrals::CourseStatus,
        referrals::LegalBasis,
        referrals::ExamResult,
        referrals::RecognitionStatus,
        referrals::RecognitionOutcome,
        referrals::QualificationType,
        time::Weekday,
    ];
    for (name, spelled) in value_sets {
        let documented: Vec<&str> = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not in the document as an enum"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(documented, spelled, "{name}");
    }
}

#[tokio::test]
async fn the_document_lists_every_route() {
    let app = TestApp::empty().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/profile",
        "/api/v1/me/languages",
        "/api/v1/me/availability",
        "/api/v1/me/availability/{id}",
        "/api/v1/me/absences",
        "/api/v1/me/absences/{id}",
        "/api/v1/interpreters",
        "/api/v1/interpreters/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/sites",
        "/api/v1/sites/{id}",
        "/api/v1/languages",
        "/api/v1/languages/{tag}",
        "/api/v1/audit-events",
        "/api/v1/holidays",
        "/api/v1/appointments",
        "/api/v1/appointments/{id}",
        "/api/v1/appointments/{id}/cancel",
        "/api/v1/appointments/{id}/outcome",
        "/api/v1/appointments/{id}/fallback",
        "/api/v1/me/assignments",
        "/api/v1/me/assignments/{id}/confirm",
        "/api/v1/me/assignments/{id}/decline",
        "/api/v1/planning-runs",
        "/api/v1/planning-runs/{id}",
        "/api/v1/clients/{reference}",
        "/api/v1/site-travel",
        "/api/v1/coverage",
        "/api/v1/coverage/outlook",
        "/api/v1/trainings",
        "/api/v1/trainings/{id}",
        "/api/v1/reports/{year}",
        "/api/v1/reports/{year}/measures",
        "/api/v1/course-providers",
        "/api/v1/courses",
        "/api/v1/courses/{id}",
        "/api/v1/courses/import",
        "/api/v1/course-referrals",
        "/api/v1/course-referrals/{id}",
        "/api/v1/course-referrals/{id}/status",
        "/api/v1/recognition-referrals",
        "/api/v1/recognition-referrals/{id}",
        "/api/v1/recognition-referrals/{id}/status",
        "/api/v1/me/calendar",
        "/api/v1/me/notifications",
        "/api/v1/outbox/parked",
        "/api/v1/outbox/{id}/retry",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    // Operation ids are unique, as OpenAPI requires and client generators rely on.
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operation ids");
}

/// A schema, following `$ref`s into `#/components/schemas`.
fn schema_at<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").unwrap();
            schema_at(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Whether a pattern bounds a text's length by itself: anchored at both ends, and no `*` or
/// `+` repeating anything.
fn pattern_bounds_length(pattern: &str) -> bool {
    pattern.starts_with('^') && pattern.ends_with('$') && !pattern.contains(['*', '+'])
}

/// Collects, under `at`, each text and list in `schema` that does not state its maximum.
fn unbounded(doc: &Value, schema: &Value, at: &str, found: &mut Vec<String>) {
    let schema = schema_at(doc, schema);
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            unbounded(doc, part, at, found);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.contains(&"string") {
        let bounded = schema.get("maxLength").is_some()
            || schema.get("enum").is_some()
            || matches!(schema["format"].as_str(), Some("date" | "date-time"))
            || schema["pattern"].as_str().is_some_and(pattern_bounds_length);
        if !bounded {
            found.push(format!("{at}: text without maxLength"));
        }
        if schema.get("maxLength").is_some()
            && schema.get("pattern").is_none()
            && schema.get("format").is_none()
        {
            found.push(format!("{at}: text without the free-text pattern"));
        }
    }
    if types.contains(&"array") {
        if schema.get("maxItems").is_none() {
            found.push(format!("{at}: list without maxItems"));
        }
        unbounded(doc, &schema["items"], &format!("{at}[]"), found);
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        unbounded(doc, property, &format!("{at}.{name}"), found);
    }
}

/// Every text and every list a request may send states its maximum in the document (the
/// service refuses anything longer with 422, and any body over 2 MiB with 413), and every
/// free text the rule against control characters: a client knows before sending what is
/// taken.
#[tokio::test]
async fn every_text_and_list_a_request_sends_states_its_maximum() {
    let app = TestApp::empty().await;
    let doc = document(&app).await;
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let label = format!("{} {path}", method.to_uppercase());
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                unbounded(&doc, &parameter["schema"], &format!("{label} ?{name}"), &mut found);
            }
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                if media == "application/json" {
                    unbounded(&doc, &content["schema"], &format!("{label} body"), &mut found);
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
