//! The frame of the OpenAPI document (title, security scheme, shared schemas) and the error
//! answers every operation may give, added in one place so that no operation forgets them.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{OpenApi as _, PartialSchema};

use crate::domain::text;
use crate::error::Problem;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "sprachpool",
        description = "Schedules a Jobcenter's voluntary interpreter pool and its language-support referrals. \
                       Errors are RFC 9457 `application/problem+json` documents with a stable `code` and, \
                       for bad input, messages per field in `errors`.",
        license(name = "EUPL-1.2")
    ),
    components(schemas(Problem)),
    tags(
        (name = "auth", description = "Login and the caller's account"),
        (name = "profile", description = "A volunteer's own profile, languages, availability and absences"),
        (name = "pool", description = "The interpreter pool, for caseworkers and team leads"),
        (name = "booking", description = "Booking interpreters, volunteers' proposals, planning runs"),
        (name = "coverage", description = "Coverage by language, week, site and kind, trainings and the annual report, for team leads"),
        (name = "courses", description = "The language-course catalogue and its CSV import"),
        (name = "referrals", description = "Language-course and recognition referrals and their life cycles"),
        (name = "admin", description = "Users, sites, the language list and the audit log"),
        (name = "reference", description = "Reference data such as public holidays"),
        (name = "operations", description = "Health and readiness")
    )
)]
struct Base;

/// The document before the routes are added.
pub fn base() -> OpenApi {
    Base::openapi()
}

/// The error answers shared by many operations: (status, name under
/// `#/components/responses`, description). Each is declared once there and referenced.
const SHARED_ANSWERS: [(&str, &str, &str); 10] = [
    ("400", "MalformedRequest", "The body cannot be read: not valid JSON, or not UTF-8 text"),
    ("413", "PayloadTooLarge", "The body is larger than 2 MiB"),
    ("415", "UnsupportedMediaType", "The body is not sent in the media type the operation takes"),
    ("422", "ValidationFailed", "A field is not valid; `errors` names it"),
    ("401", "Unauthenticated", "Not logged in, or the token has expired or was revoked"),
    ("403", "Forbidden", "The caller's roles do not allow this"),
    ("404", "NotFound", "No such record in the caller's organisation"),
    (
        "409",
        "Conflict",
        "Clashes with the current state: a duplicate, a record still referred to, or a concurrent change",
    ),
    ("500", "InternalError", "Internal error; details are in the service's log"),
    ("503", "Unavailable", "The database is unreachable"),
];

/// Adds the bearer scheme, the shared error answers and, to every operation, the ones it may
/// give, and states the free-text rules at every bounded text.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("Token from POST /api/v1/auth/login"))
                .build(),
        ),
    );
    components.schemas.entry("Problem".to_owned()).or_insert_with(Problem::schema);
    for (_, name, description) in SHARED_ANSWERS {
        components.responses.insert(name.to_owned(), problem(description));
    }
    for item in doc.paths.paths.values_mut() {
        for (op, writes) in [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ] {
            if let Some(op) = op {
                add_error_answers(op, writes);
            }
        }
    }
    // A document that does not travel through JSON keeps its fields' own rules only; the
    // OpenAPI tests would name every text left without its pattern.
    let Ok(mut tree) = serde_json::to_value(&doc) else { return doc };
    add_text_patterns(&mut tree);
    serde_json::from_value(tree).unwrap_or(doc)
}

/// Gives every text with a `maxLength` and no format, enumeration or pattern of its own the
/// pattern of `domain::text`: a required text (`minLength` 1 or more) must hold something
/// besides spaces, and no text a control character. Written here once rather than at each of
/// the fields, which state their lengths.
fn add_text_patterns(node: &mut serde_json::Value) {
    match node {
        serde_json::Value::Object(map) => {
            let is_text = match map.get("type") {
                Some(serde_json::Value::String(t)) => t == "string",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let open = ["format", "enum", "pattern"].iter().all(|k| !map.contains_key(*k));
            if is_text && open && map.contains_key("maxLength") {
                let required = map.get("minLength").and_then(serde_json::Value::as_u64) > Some(0);
                let pattern =
                    if required { text::REQUIRED_PATTERN } else { text::OPTIONAL_PATTERN };
                map.insert("pattern".to_owned(), pattern.into());
            }
            map.values_mut().for_each(add_text_patterns);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(add_text_patterns),
        _ => {}
    }
}

/// A problem+json answer.
fn problem(description: &str) -> RefOr<utoipa::openapi::response::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .build(),
    )
}

/// Which of the shared answers an operation may give, from what it takes: a body can be
/// malformed, of the wrong media type or invalid; a token can be missing or lack a role; a
/// record named in the path can be missing; a write can clash with the database's
/// constraints.
fn add_error_answers(op: &mut Operation, writes: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_param = |place: ParameterIn| {
        op.parameters.as_ref().is_some_and(|ps| {
            ps.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
        })
    };
    let has_path_param = has_param(ParameterIn::Path);
    let has_query = has_param(ParameterIn::Query);
    let gives = |status: &str| match status {
        "400" | "413" | "415" => has_body,
        "422" => has_body || has_query,
        "401" | "403" => secured,
        "404" => has_path_param,
        "409" => writes && secured,
        _ => true,
    };
    let answers = &mut op.responses.responses;
    for (status, name, _) in SHARED_ANSWERS {
        if gives(status) {
            answers
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
}
