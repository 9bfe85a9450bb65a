//! The HTTP edge of Linli: server-rendered pages (askama + htmx, no CDN) and the JSON
//! API under `/api/v1`, both calling the same use cases in `linli-app`. Each domain
//! area owns its routes; `router` merges them with the cross-cutting layers (CSRF,
//! metrics, tracing, compression, body limits).

mod api;
mod client;
mod cookies;
mod csrf;
mod ctx;
mod error;
mod extract;
pub mod i18n;
mod metrics;
mod pages;
mod state;

pub use state::{AppState, Config};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::middleware;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms and JSON); uploads get their own limit later.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// The whole application: pages, API, static files, health and metrics.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .fallback(extract::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // gzip at its fastest level: a page compresses to about a quarter either way, and
        // level 6 (the default) costs several times the CPU per page.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(security_header(0))
        .layer(security_header(1))
        .layer(security_header(2))
        .layer(security_header(3))
        .layer(middleware::from_fn(error::with_request_id))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(middleware::from_fn_with_state(state.clone(), on_app_clock))
        .with_state(state)
}

/// Headers every answer carries: scripts only from Linli itself (no inline script, so an
/// injected one does not run), no framing by other sites, no referrer to other sites.
/// Inline `style` attributes stay allowed: the result bars set their width with one.
const SECURITY_HEADERS: [(axum::http::HeaderName, &str); 4] = [
    (
        axum::http::header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    (axum::http::header::X_FRAME_OPTIONS, "DENY"),
    (axum::http::header::REFERRER_POLICY, "same-origin"),
    (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

fn security_header(i: usize) -> SetResponseHeaderLayer<HeaderValue> {
    let (name, value) = &SECURITY_HEADERS[i];
    SetResponseHeaderLayer::if_not_present(name.clone(), HeaderValue::from_static(value))
}

/// Each request's span names its method and path, its id (the one an error page shows),
/// and — once known — the user (recorded
/// by the `Ctx` extractor) and the region node it reads (recorded by the app's
/// `regions::readable`), so a log line of any handler or store call says who and where.
fn request_span(req: &axum::extract::Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        id = tracing::field::Empty,
        user = tracing::field::Empty,
        region = tracing::field::Empty,
    )
}

/// Runs each request on its app's clock, so every "now" it reads is the app's.
async fn on_app_clock(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    linli_store::clock::scope(state.clock.clone(), next.run(req)).await
}
pub use axum;
