//! HTML pages. Each area has its module; handlers parse, call one use case, render.

mod admin;
mod auth;
mod clubs;
mod deliberation;
mod grants;
mod home;
mod imports;
mod money;
mod notifications;
mod orgs;
mod regions;
pub(crate) mod search;
mod upload;

use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(auth::router())
        .merge(regions::router())
        .merge(imports::router())
        .merge(orgs::router())
        .merge(admin::router())
        .merge(money::router())
        .merge(grants::router())
        .merge(clubs::router())
        .merge(deliberation::router())
        .merge(notifications::router())
        .merge(search::router())
        .route("/static/{file}", get(static_file))
        .route("/favicon.ico", get(|| static_file(Path("icon.svg".into()))))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

const CSS: &str = include_str!("../../static/app.css");
const HTMX: &str = include_str!("../../static/htmx.min.js");
const APP_JS: &str = include_str!("../../static/app.js");
const ICON: &str = include_str!("../../static/icon.svg");

/// Everything the pages need is served by linli itself: no CDN, no font service.
async fn static_file(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "icon.svg" => (ICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.db().ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let db = state.db();
    let up = db.ping().await;
    let mut jobs: std::collections::BTreeMap<String, i64> = Default::default();
    for (_, status, n) in linli_store::jobs::counts(db).await.unwrap_or_default() {
        *jobs.entry(status).or_default() += n;
    }
    let (sms_sent, sms_failed) = state.sms.counts();
    let snap = crate::metrics::Snapshot {
        db_up: up,
        db_bytes: db.size_bytes().await.ok(),
        jobs_due: linli_store::jobs::due(db, linli_store::clock::now_ms())
            .await
            .ok(),
        jobs: jobs.into_iter().collect(),
        sms_sent,
        sms_failed,
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&snap),
    )
        .into_response()
}

/// A `?page=` query.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<i64>,
}

/// A QR code of `url` as inline SVG, at least `px` pixels square (printed sheets, the
/// check-in and share codes).
pub fn qr_svg(url: &str, px: u32) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(px, px)
                .build()
        })
        .unwrap_or_default()
}

/// The modules of a QR code for `url` (its width and, row by row, which are dark), for
/// printing with `linli_domain::pdf`.
pub fn qr_modules(url: &str) -> (usize, Vec<bool>) {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(q) => (
            q.width(),
            q.to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        ),
        Err(_) => (0, vec![]),
    }
}

/// A PDF answer: shown in the browser (`inline`) or saved (`attachment`) as `filename`;
/// `private` ones (owners' names, codes) are never kept by a cache.
pub fn pdf_response(pdf: Vec<u8>, inline: bool, filename: &str, private: bool) -> Response {
    let disposition = if inline { "inline" } else { "attachment" };
    let mut r = (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{filename}\""),
            ),
        ],
        pdf,
    )
        .into_response();
    if private {
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    r
}

/// Page links for a list.
pub struct Pager {
    pub number: i64,
    pub count: i64,
    /// The URL without the page parameter, ending in `?` or `&`.
    pub base: String,
}

impl Pager {
    pub fn new(page: linli_app::Page, total: i64, base: String) -> Self {
        Self {
            number: page.number,
            count: page.count(total),
            base,
        }
    }
    pub fn prev(&self) -> Option<String> {
        (self.number > 1).then(|| format!("{}page={}", self.base, self.number - 1))
    }
    pub fn next(&self) -> Option<String> {
        (self.number < self.count).then(|| format!("{}page={}", self.base, self.number + 1))
    }
}
