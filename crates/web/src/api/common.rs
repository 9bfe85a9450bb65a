//! What every API module shares: the handlers' result type, paging parameters, the
//! query of raw-body uploads and the reading of amounts in fen.

use crate::error::ApiError;
use axum::http::{HeaderMap, header};
use linli_app::{AppError, Page};
use linli_domain::money::Fen;
use serde::Deserialize;
use utoipa::IntoParams;

/// What an API handler returns: its body, or a refusal as `{"error": {"code", "message"}}`.
pub type ApiResult<T> = Result<T, ApiError>;

/// `?page=&per_page=` of every list. Out-of-range values are refused (400), not clamped,
/// so a client learns the bounds the document states.
#[derive(Deserialize, IntoParams)]
#[serde(try_from = "RawPage")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1 to 200.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

#[derive(Deserialize)]
struct RawPage {
    page: Option<i64>,
    per_page: Option<i64>,
}

impl TryFrom<RawPage> for PageParams {
    type Error = &'static str;

    fn try_from(r: RawPage) -> Result<Self, Self::Error> {
        check_page(r.page, r.per_page)?;
        Ok(Self {
            page: r.page,
            per_page: r.per_page,
        })
    }
}

/// The bounds of `page` and `per_page`, for query structs that carry more parameters
/// (serde cannot flatten numbers out of a query string).
pub fn check_page(page: Option<i64>, per_page: Option<i64>) -> Result<(), &'static str> {
    if page.is_some_and(|p| p < 1) {
        return Err("page starts at 1");
    }
    if per_page.is_some_and(|n| !(1..=Page::MAX_SIZE).contains(&n)) {
        return Err("per_page is 1 to 200");
    }
    Ok(())
}

impl PageParams {
    /// The page asked for, `default` rows if the client did not say.
    pub fn page(&self, default: i64) -> Page {
        Page::new(self.page, self.per_page, default)
    }
}

/// `?filename=` of an upload whose request body is the file itself.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    pub filename: Option<String>,
}

/// The declared type of a raw-body upload (`Content-Type`), empty when absent.
pub fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A JSON number that must be a positive whole number of fen.
pub fn fen(n: &serde_json::Number) -> Result<Fen, AppError> {
    let v = n.as_i64().ok_or(AppError::Invalid("invalid_amount"))?;
    Ok(Fen::positive(v)?)
}

/// An optional amount: absent stays absent, present must be as for [`fen`].
pub fn optional_fen(n: &Option<serde_json::Number>) -> Result<Option<Fen>, AppError> {
    n.as_ref().map(fen).transpose()
}
