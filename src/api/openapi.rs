//! The frame of the OpenAPI document (title, security scheme, shared schemas) and the error
//! answers every operation may give, added in one place so that no operation forgets them.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{OpenApi as _, PartialSchema};

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

/// Adds the bearer scheme and the standard error answers to every operation.
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
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
            .into_iter()
            .flatten()
        {
            add_error_answers(op);
        }
    }
    doc
}

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

fn add_error_answers(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_param = |place: ParameterIn| {
        op.parameters.as_ref().is_some_and(|ps| {
            ps.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
        })
    };
    let has_path_param = has_param(ParameterIn::Path);
    let has_query = has_param(ParameterIn::Query);
    let answers = &mut op.responses.responses;
    let mut add = |status: &str, description: &str| {
        answers.entry(status.to_owned()).or_insert_with(|| problem(description));
    };
    if has_body {
        add("400", "The body is not valid JSON");
        add("415", "The body is not sent as application/json");
    }
    if has_body || has_query {
        add("422", "A field is not valid; `errors` names it");
    }
    if secured {
        add("401", "Not logged in, or the token has expired or was revoked");
        add("403", "The caller's roles do not allow this");
    }
    if has_path_param {
        add("404", "No such record in the caller's organisation");
    }
    add("500", "Internal error; details are in the service's log");
    add("503", "The database is unreachable");
}
