//! PostgreSQL cannot store the NUL character, and a text holding one would fail the whole
//! request there. No person types it into a form, so a page request whose form or query holds
//! one is refused with 400 before any handler reads it; the API names the field instead
//! (`api::extract`).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Larger than any form of the pages, the pasted course catalogue included.
const FORM_LIMIT: usize = 8 * 1024 * 1024;

/// Whether URL-encoded text spells NUL.
fn holds_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
}

fn refused() -> Response {
    (StatusCode::BAD_REQUEST, "The form holds the NUL character (U+0000), which no field may hold.")
        .into_response()
}

/// Refuses page requests whose query or URL-encoded form holds the NUL character.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    if request.uri().query().is_some_and(|q| holds_nul(q.as_bytes())) {
        return refused();
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
    };
    if holds_nul(&bytes) {
        return refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::holds_nul;

    #[test]
    fn nul_is_found_however_it_is_spelled() {
        assert!(holds_nul(b"title=a%00b"));
        assert!(holds_nul(b"title=%00"));
        assert!(holds_nul(b"a\0b"));
        assert!(!holds_nul(b"title=100%25+sicher&n=500"));
        // Someone typing the three characters "%00" sends "%2500": no NUL.
        assert!(!holds_nul(b"note=%2500"));
    }
}
