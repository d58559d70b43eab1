//! The application: shared state, the router (built without any I/O, so tests can drive it
//! in-process) and the server loop.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::secret::SecretKey;
use crate::auth::throttle::LoginGuard;
use crate::config::Settings;
use crate::metrics::{self, Metrics};
use crate::{api, web};

/// What every request handler can reach.
pub struct App {
    pub db: DatabaseConnection,
    pub settings: Settings,
    /// This instance's login throttles and its limit on password checks at once.
    pub login_guard: LoginGuard,
    /// Signs the pages' CSRF tokens.
    pub secret: SecretKey,
    /// What `/metrics` shows operators.
    pub metrics: Metrics,
}

/// Cheap to clone; derefs to [`App`].
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let login_guard = LoginGuard::new(&settings);
        let secret = SecretKey::from_settings(&settings);
        Self(Arc::new(App { db, settings, login_guard, secret, metrics: Metrics::default() }))
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Numbers requests within the process; enough to find one request's lines in the log.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{n:x}")).ok().map(RequestId::new)
    }
}

/// A request id sent by the client is kept (and logged, and echoed) only if it is a plain
/// token: 1–64 letters, digits, `.`, `_` or `-`. Anything else is dropped, and the request
/// gets a number of the service's own.
async fn plain_request_id(mut request: Request, next: Next) -> Response {
    let plain = request.headers().get(&REQUEST_ID).is_none_or(|value| {
        let bytes = value.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    if !plain {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// Headers that keep browsers from framing, sniffing or leaking the pages. Behind HTTPS
/// (`secure_cookies` on) browsers are also told to use nothing else for a year.
async fn security_headers(State(https): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// The whole service's routes with their middleware. Does no I/O.
pub fn build_router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            // The route, not the path: paths and query strings may carry a client's reference.
            let route =
                request.extensions().get::<MatchedPath>().map_or("(unrouted)", MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route, id)
        })
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros));
    Router::new()
        .merge(api::router())
        .merge(web::router())
        .fallback(web::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(crate::error::BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(state.settings.secure_cookies, security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::record))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(plain_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, Counter::default()))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight (see
/// [`crate::server`] for the limits on slow clients).
///
/// # Errors
/// The listener fails.
pub async fn run(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = crate::server::Limits {
        timeout: std::time::Duration::from_secs(u64::from(state.settings.http_timeout_seconds)),
        max_connections: usize::try_from(state.settings.max_connections).unwrap_or(usize::MAX),
    };
    crate::server::serve(build_router(state), listener, limits, shutdown).await
}
