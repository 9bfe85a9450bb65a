//! How use-case errors reach the user: an HTML page with a localized message (or a
//! redirect to the login page) for page routes, and JSON `{"error": {code, message}}`
//! for the API. Internal causes are logged, never shown.

use crate::ctx::{Ctx, Layout};
use crate::i18n::{Lang, lookup};
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use linli_app::AppError;

/// The status code of an error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    message: String,
    /// Shown on internal errors, so a user can quote it and the log line be found.
    request_id: String,
}

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served ("" outside one).
pub fn request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

/// Gives each request a short random id: recorded in its tracing span (so every log line
/// of the request carries it), sent back as `X-Request-Id`, and shown on an internal-error
/// page.
pub async fn with_request_id(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = linli_app::tokens::random_token()[..12].to_string();
    tracing::Span::current().record("id", id.as_str());
    let mut res = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Renders a refusal as the error page, in `lang`, when no request context exists (the
/// CSRF guard, extractor rejections, a failed session read): the same template as every
/// other error, with an anonymous layout.
pub fn refusal_page(
    state: &AppState,
    lang: Lang,
    elderly: bool,
    path: &str,
    status: StatusCode,
    message: String,
) -> Response {
    render(anonymous(state, lang, elderly, path), status, message)
}

/// The layout of a page shown before anyone is known.
fn anonymous(state: &AppState, lang: Lang, elderly: bool, path: &str) -> Layout {
    Layout {
        lang,
        elderly,
        csrf: String::new(),
        user_name: None,
        unread: 0,
        is_admin: false,
        path: path.to_string(),
        catalog: state.catalogs.get(lang),
        posted: false,
    }
}

fn render(l: Layout, st: StatusCode, message: String) -> Response {
    let page = ErrorPage {
        l,
        status: st.as_u16(),
        message,
        request_id: request_id(),
    };
    match page.render() {
        Ok(html) => (st, Html(html)).into_response(),
        Err(_) => (st, page.message).into_response(),
    }
}

/// An error on a page route.
pub struct PageError {
    err: AppError,
    layout: Option<Box<Layout>>,
    message: String,
}

impl PageError {
    pub fn new(err: AppError, ctx: &Ctx) -> Self {
        let message = ctx.t(&format!("error.{}", err.code())).to_string();
        Self {
            err,
            layout: Some(Box::new(ctx.layout())),
            message,
        }
    }

    /// An error raised before the context exists.
    pub fn plain(err: AppError, lang: Lang, state: &AppState) -> Self {
        let layout = anonymous(state, lang, false, "");
        let message = lookup(&layout.catalog, &format!("error.{}", err.code())).to_string();
        Self {
            err,
            layout: Some(Box::new(layout)),
            message,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self.err {
            tracing::error!(%cause, "internal error on a page");
        }
        if matches!(self.err, AppError::Unauthorized("login_required")) {
            let next = self
                .layout
                .as_ref()
                .map(|l| l.path.clone())
                .unwrap_or_default();
            return Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response();
        }
        let st = status(&self.err);
        match self.layout {
            Some(l) => render(*l, st, self.message),
            None => (st, self.message).into_response(),
        }
    }
}

/// An error on an API route.
pub struct ApiError {
    err: AppError,
    message: String,
}

impl ApiError {
    pub fn new(err: AppError, ctx: &Ctx) -> Self {
        let message = ctx.t(&format!("error.{}", err.code())).to_string();
        Self { err, message }
    }
}

/// The body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// Stable snake_case code, e.g. `invalid_phone`.
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
    /// On internal errors: the request's id, which the server's log line carries too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self.err {
            tracing::error!(%cause, "internal error on the API");
        }
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code: self.err.code().to_string(),
                message: self.message,
                request_id: matches!(self.err, AppError::Internal(_)).then(request_id),
            },
        };
        (status(&self.err), Json(body)).into_response()
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Lets handlers write `app_call().await.page(&ctx)?`.
pub trait OrPage<T> {
    fn page(self, ctx: &Ctx) -> Result<T, PageError>;
    fn api(self, ctx: &Ctx) -> Result<T, ApiError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(e, ctx))
    }
    fn api(self, ctx: &Ctx) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::new(e, ctx))
    }
}

/// A refusal made before any handler runs, in the caller's language: JSON for the
/// API (or a JSON request), a small page otherwise.
pub(crate) fn refuse(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    path: &str,
    status: StatusCode,
    key: &str,
) -> Response {
    let lang = Lang::of_request(headers);
    let cat = state.catalogs.get(lang);
    let msg = lookup(&cat, key).to_string();
    let code = key.trim_start_matches("error.");
    let wants_json = path.starts_with("/api/")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
    if wants_json {
        (
            status,
            axum::Json(serde_json::json!({"error": {"code": code, "message": msg}})),
        )
            .into_response()
    } else {
        let elderly = crate::cookies::cookie(headers, crate::cookies::ELDERLY_COOKIE) == Some("1");
        refusal_page(state, lang, elderly, path, status, msg)
    }
}
