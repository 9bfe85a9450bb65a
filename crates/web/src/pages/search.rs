//! The search page: one box for everything the caller may read (issues and
//! organizations now), results labelled by kind with the matched words marked.

use super::Pager;
use crate::ctx::{Layout, LoggedIn};
use crate::error::{PageError, urlencode};
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use linli_app::Page;
use linli_app::search::{self as app, Hit};
use linli_domain::search::{Kind, QUERY_MAX};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search_page))
}

/// Where a result leads: the page of the issue or organization.
pub fn href(kind: &str, ref_id: i64) -> String {
    match Kind::parse(kind) {
        Ok(Kind::Issue) => format!("/issues/{ref_id}"),
        Ok(Kind::Org) => format!("/orgs/{ref_id}"),
        Err(_) => "/".into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    kind: String,
    kinds: Vec<&'static str>,
    max: usize,
    hits: Vec<Hit>,
    total: i64,
    /// Whether a search ran (a query was given and accepted).
    searched: bool,
    error: Option<String>,
    pager: Pager,
}

impl SearchPage {
    fn href(&self, h: &Hit) -> String {
        href(&h.kind, h.ref_id)
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
}

async fn search_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<(StatusCode, SearchPage), PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 20);
    let text = q.q.unwrap_or_default();
    let kind = q.kind.unwrap_or_default();
    let mut view = SearchPage {
        l: ctx.layout(),
        q: text.clone(),
        kind: kind.clone(),
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        max: QUERY_MAX,
        hits: vec![],
        total: 0,
        searched: false,
        error: None,
        pager: Pager::new(page, 0, String::new()),
    };
    if text.trim().is_empty() && q.page.is_none() {
        return Ok((StatusCode::OK, view));
    }
    let found = match app::parse_kinds(Some(&kind)) {
        Ok(kinds) => app::search(state.db(), actor, &text, &kinds, page).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(r) => {
            view.pager = Pager::new(
                page,
                r.total,
                format!(
                    "/search?q={}&kind={}&",
                    urlencode(&r.query),
                    urlencode(&kind)
                ),
            );
            view.total = r.total;
            view.hits = r.hits;
            view.searched = true;
            Ok((StatusCode::OK, view))
        }
        Err(e @ linli_app::AppError::Invalid(_)) => {
            let status = crate::error::status(&e);
            view.error = Some(ctx.t(&format!("error.{}", e.code())).to_string());
            Ok((status, view))
        }
        Err(e) => Err(PageError::new(e, &ctx)),
    }
}
