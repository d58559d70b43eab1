//! Request extractors that answer bad input with the service's own problem+json, naming the
//! field at fault: a malformed body is 400, a body of the wrong shape (unknown field, wrong
//! type, missing field, value out of a closed set) is 422 with the field's path.
//!
//! No text may hold the NUL character: PostgreSQL cannot store it and fails the whole query,
//! and no field has a use for it. A body or query naming one is 422 with the field's path; a
//! path holding one names no record (404).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::FieldErrors;
use crate::error::AppError;

/// A JSON body, deserialised with field paths in its errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
            });
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The whole body: 413 beyond the service's limit, 400 if it cannot be read.
///
/// # Errors
/// [`AppError::PayloadTooLarge`], [`AppError::BadRequest`].
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest {
                detail: format!("cannot read the body: {e}"),
                errors: FieldErrors::new(),
            }
        }
    })
}

/// Parses a JSON document into `T`.
///
/// # Errors
/// 400 for text that is not JSON, 422 naming the field for JSON of the wrong shape or for a
/// text holding the NUL character.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Whether the body is JSON decides between 400 and 422, not the first fault serde meets
    // while filling `T`: `5 x` is malformed even though `5` is already of the wrong shape.
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AppError::BadRequest {
            detail: format!("the body is not valid JSON: {e}"),
            errors: FieldErrors::new(),
        })?;
    if let Some(field) = nul_field(&value, "") {
        return Err(nul_error(if field.is_empty() { "body" } else { &field }));
    }
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = match inner.classify() {
            serde_json::error::Category::Data => strip_position(&inner.to_string()),
            // serde_json calls a number or an object where a closed set's value belongs "expected
            // value", a syntax error, though the body is JSON.
            _ => "is not one of the allowed values".to_owned(),
        };
        shape_error(&path, &message)
    })
}

/// A query string, deserialised with the parameter's name in its errors.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = form_urlencoded::parse(query.as_bytes());
        if let Some((name, _)) =
            pairs.into_iter().find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_error(&name));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|err| {
            let path = err.path().to_string();
            shape_error(&path, &err.into_inner().to_string())
        })
    }
}

/// A path parameter such as `{id}`; one that does not parse names no existing record.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // `%00` is the only way a path can spell NUL, and no record's key holds one.
        if parts.uri.path().contains("%00") {
            return Err(AppError::NotFound);
        }
        Path::<T>::from_request_parts(parts, state).await.map(|Path(value)| ApiPath(value)).map_err(
            |e: PathRejection| {
                tracing::debug!(error = %e, "unparseable path parameter");
                AppError::NotFound
            },
        )
    }
}

/// The path of the first text (value or key) in `value` that holds the NUL character, in
/// the form serde_path_to_error gives (`languages[1].level`); `""` for the document itself.
fn nul_field(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0').then(|| path.to_owned()),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| nul_field(item, &format!("{path}[{i}]")))
        }
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            let inner = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            if name.contains('\0') { Some(inner) } else { nul_field(member, &inner) }
        }),
        _ => None,
    }
}

/// JSON does not tell `3` from `3.0` (RFC 8259 knows one kind of number, and JSON Schema's
/// `integer` takes both), but serde refuses `3.0` for an integer field. A whole number
/// written with a fraction or an exponent is read as the integer it is.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            // Within ±2^53 every integer is exact as a float, so none is misread.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                #[allow(clippy::cast_possible_truncation)]
                let whole = float as i64;
                *number = whole.into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(members) => members.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// The answer to a text holding the NUL character.
pub fn nul_error(field: &str) -> AppError {
    AppError::validation(field, "must not contain the NUL character (U+0000)")
}

/// serde's messages end in " at line 1 column 17": the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// serde's "unknown variant `B9`, expected one of `A1`, `A2`, …" as a person would say it.
fn plain_message(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown variant `") else {
        return message.to_owned();
    };
    let Some((value, expected)) = rest.split_once("`, expected ") else {
        return message.to_owned();
    };
    let choices = expected.trim_start_matches("one of ").replace(" or ", ", ").replace('`', "");
    format!("\"{value}\" is not allowed; use one of: {choices}")
}

/// Turns serde's message into a field error, naming the unknown or missing field itself
/// rather than its parent.
fn shape_error(path: &str, message: &str) -> AppError {
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let parent = if path == "." { "" } else { path };
    let field = match named {
        // An unknown field is part of the path already; a missing one is not.
        Some(name) if parent == name || parent.ends_with(&format!(".{name}")) => parent.to_owned(),
        Some(name) if parent.is_empty() => name.to_owned(),
        Some(name) => format!("{parent}.{name}"),
        None if parent.is_empty() => "body".to_owned(),
        None => parent.to_owned(),
    };
    AppError::Validation(FieldErrors::single(field, plain_message(message)))
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Skill {
        tag: String,
        level: crate::domain::Level,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        languages: Vec<Skill>,
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::Validation(errors) => errors.fields().collect::<Vec<_>>().join(","),
            other => format!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn names_the_field_of_a_wrong_value() {
        let err = parse_json::<Body>(
            br#"{"languages":[{"tag":"ar","level":"B2"},{"tag":"tr","level":"B3"}]}"#,
        )
        .unwrap_err();
        assert_eq!(field_of(err), "languages[1].level");
    }

    #[test]
    fn names_unknown_and_missing_fields() {
        let err = parse_json::<Body>(br#"{"languages":[{"tag":"ar","level":"B2","extra":1}]}"#)
            .unwrap_err();
        assert_eq!(field_of(err), "languages[0].extra");
        let err = parse_json::<Body>(br#"{"languages":[{"tag":"ar"}]}"#).unwrap_err();
        assert_eq!(field_of(err), "languages[0].level");
        let err = parse_json::<Body>(br#"{"langs":[]}"#).unwrap_err();
        assert_eq!(field_of(err), "langs");
    }

    #[test]
    fn closed_sets_are_explained_in_plain_words() {
        let err = parse_json::<Body>(br#"{"languages":[{"tag":"tr","level":"B9"}]}"#).unwrap_err();
        let AppError::Validation(errors) = err else { panic!("not a validation error") };
        assert_eq!(
            errors.messages("languages[0].level"),
            ["\"B9\" is not allowed; use one of: A1, A2, B1, B2, C1, C2, native"]
        );
    }

    #[test]
    fn a_value_of_the_wrong_kind_for_a_closed_set_is_a_shape_error() {
        for body in [
            &br#"{"languages":[{"tag":"ar","level":{}}]}"#[..],
            br#"{"languages":[{"tag":"ar","level":5}]}"#,
        ] {
            let err = parse_json::<Body>(body).unwrap_err();
            assert_eq!(field_of(err), "languages[0].level");
        }
    }

    #[test]
    fn a_nul_character_is_refused_naming_its_field() {
        let err = parse_json::<Body>(
            br#"{"languages":[{"tag":"ar","level":"B2"},{"tag":"t\u0000r","level":"B2"}]}"#,
        )
        .unwrap_err();
        assert_eq!(field_of(err), "languages[1].tag");
        let err = parse_json::<Body>(br#""\u0000""#).unwrap_err();
        assert_eq!(field_of(err), "body");
        // An escaped backslash before "u0000" is no NUL.
        let err =
            parse_json::<Body>(br#"{"languages":[{"tag":"\\u0000","level":"B9"}]}"#).unwrap_err();
        assert_eq!(field_of(err), "languages[0].level");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse_json::<Body>(b"0\0"), Err(AppError::BadRequest { .. })));
        assert!(matches!(
            parse_json::<Body>(b"{\"languages\": ["),
            Err(AppError::BadRequest { .. })
        ));
        assert!(matches!(
            parse_json::<Body>(b"{\"languages\": []} x"),
            Err(AppError::BadRequest { .. })
        ));
    }

    #[test]
    fn a_whole_number_with_a_fraction_is_an_integer() {
        #[derive(Debug, serde::Deserialize)]
        struct Seats {
            seats: i32,
        }
        for body in [&br#"{"seats": 12}"#[..], br#"{"seats": 12.0}"#, br#"{"seats": 1.2e1}"#] {
            assert_eq!(parse_json::<Seats>(body).unwrap().seats, 12, "{body:?}");
        }
        let err = parse_json::<Seats>(br#"{"seats": 12.5}"#).unwrap_err();
        assert_eq!(field_of(err), "seats");
        let err = parse_json::<Seats>(br#"{"seats": 1e300}"#).unwrap_err();
        assert_eq!(field_of(err), "seats");
    }
}
