//! The HTTP edge of Linli: server-rendered pages (askama + htmx, no CDN) and the JSON
//! API under `/api/v1`, both calling the same use cases in `linli-app`. Each domain
//! area owns its routes; `router` merges them with the cross-cutting layers (CSRF,
//! metrics, tracing, compression, body limits).

mod api;
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
use axum::middleware;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms and JSON); uploads get their own limit later.
const BODY_LIMIT: usize = 64 * 1024;

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
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(state.clone(), on_app_clock))
        .with_state(state)
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
