//! Search in the API: the same results as the search page, as JSON.

use crate::api::common::check_page;
use crate::ctx::LoggedIn;
use crate::error::{ApiError, ApiErrorBody, OrPage};
use crate::extract::Query;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use linli_app::Page;
use linli_app::search::{self as app, Hit, Results, Snippet};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(OpenApi)]
#[openapi(components(schemas(SearchOut, SearchHit, Snippet)))]
pub struct SearchDoc;

/// `?q=&kind=&page=&per_page=`.
#[derive(Deserialize, IntoParams)]
#[serde(try_from = "RawSearch")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: Chinese, pinyin, English or numbers, 1 to 50 characters.
    #[param(min_length = 1, max_length = 50)]
    q: String,
    /// Only these kinds, comma separated: `issue`, `org` (empty: all).
    kind: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    page: Option<i64>,
    /// Results per page, 1 to 200.
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i64>,
}

#[derive(Deserialize)]
struct RawSearch {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl TryFrom<RawSearch> for SearchParams {
    type Error = &'static str;

    fn try_from(r: RawSearch) -> Result<Self, Self::Error> {
        check_page(r.page, r.per_page)?;
        Ok(Self {
            q: r.q,
            kind: r.kind,
            page: r.page,
            per_page: r.per_page,
        })
    }
}

/// One result, with the page that shows it.
#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    hit: Hit,
    /// The page of the issue or organization.
    url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// The query as understood (trimmed).
    query: String,
    hits: Vec<SearchHit>,
    total: i64,
    page: i64,
    per_page: i64,
}

/// Searches the issues and organizations the caller may read (their community and the
/// nodes their roles cover), best match first.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchOut), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn search(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Query(q): Query<SearchParams>,
) -> Result<Json<SearchOut>, ApiError> {
    let a = ctx.actor();
    let kinds = app::parse_kinds(q.kind.as_deref()).api(&ctx)?;
    let page = Page::new(q.page, q.per_page, 20);
    let r: Results = app::search(s.db(), a, &q.q, &kinds, page).await.api(&ctx)?;
    Ok(Json(SearchOut {
        query: r.query,
        hits: r
            .hits
            .into_iter()
            .map(|h| SearchHit {
                url: crate::pages::search::href(&h.kind, h.ref_id),
                hit: h,
            })
            .collect(),
        total: r.total,
        page: r.page,
        per_page: r.per_page,
    }))
}
