//! How use-case errors reach the user: an HTML page with a localized message (or a
//! redirect to the login page) for page routes, and JSON `{"error": {code, message}}`
//! for the API. Internal causes are logged, never shown.

use crate::ctx::{Ctx, Layout};
use crate::i18n::{Lang, lookup};
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
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
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    message: String,
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
        let cat = state.catalogs.get(lang);
        let message = lookup(&cat, &format!("error.{}", err.code())).to_string();
        Self {
            err,
            layout: None,
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
            Some(l) => {
                let page = ErrorPage {
                    l: *l,
                    status: st.as_u16(),
                    message: self.message,
                };
                match page.render() {
                    Ok(html) => (st, Html(html)).into_response(),
                    Err(_) => (st, self.err.code()).into_response(),
                }
            }
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
