//! Micro-grant pages: a fund's grants and spending rules with the application form, and
//! each grant's page with its budget, votes, timeline and the next step's form.

use super::PageQuery;
use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::grants::{self as app, Application, GrantView, ReportLine};
use linli_app::{AppError, Page};
use linli_domain::money::{self as m, Fen};
use linli_store::grants::{GrantRow, RuleRow};
use linli_store::organizations::OrgRow;
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/grants", get(list_page).post(apply))
        .route("/orgs/{id}/fund-rules", post(set_rule))
        .route("/grants/{id}", get(grant_page))
        .route("/grants/{id}/comment", post(comment))
        .route("/grants/{id}/vote", post(vote))
        .route("/grants/{id}/disburse", post(disburse))
        .route(
            "/grants/{id}/report",
            post(report).layer(DefaultBodyLimit::max(
                linli_app::money::VOUCHER_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/grants/{id}/close", post(close))
}

#[derive(Template, WebTemplate)]
#[template(path = "money/grants.html")]
struct ListPage {
    l: Layout,
    org: OrgRow,
    grants: Vec<GrantRow>,
    rules: Vec<RuleRow>,
    is_fund: bool,
    applicants: Vec<OrgRow>,
    rows: Vec<i64>,
}

async fn list_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor();
    let (org, grants, rules) = app::list(state.db(), actor, id, Page::new(q.page, None, 30))
        .await
        .page(&ctx)?;
    let applicants = app::applicants(state.db(), actor)
        .await
        .page(&ctx)?
        .into_iter()
        .filter(|o| o.id != org.id)
        .collect();
    Ok(ListPage {
        l: ctx.layout(),
        is_fund: matches!(org.kind.as_str(), "foundation" | "mutual_aid"),
        org,
        grants,
        rules,
        applicants,
        rows: (1..=5).collect(),
    })
}

/// The application form sends `title`, `purpose`, `applicant`, and budget lines as
/// `item1`/`amount1` … `item5`/`amount5` (empty rows skipped).
async fn apply(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let mut lines = vec![];
    for i in 1..=20 {
        let (item, amount) = (
            get(&format!("item{i}")).trim(),
            get(&format!("amount{i}")).trim(),
        );
        if item.is_empty() && amount.is_empty() {
            continue;
        }
        lines.push((
            item.to_string(),
            Fen::parse_yuan(amount).map_err(AppError::from).page(&ctx)?,
        ));
    }
    let applicant = get("applicant").parse().unwrap_or(0);
    let a = Application {
        applicant_org_id: applicant,
        title: get("title"),
        purpose: get("purpose"),
        lines,
    };
    let g = app::apply(state.db(), actor, id, a).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{}", g.id)))
}

#[derive(Deserialize)]
struct RuleForm {
    max_amount: String,
    approvals: i64,
}

async fn set_rule(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RuleForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let max = Fen::parse_yuan(&f.max_amount)
        .map_err(AppError::from)
        .page(&ctx)?;
    app::set_rule(state.db(), actor, id, max, f.approvals)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}/grants")))
}

#[derive(Template, WebTemplate)]
#[template(path = "money/grant.html")]
struct GrantPage {
    l: Layout,
    v: GrantView,
    expense_codes: Vec<&'static str>,
    steps: &'static [m::GrantStatus],
}

async fn grant_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<GrantPage, PageError> {
    let actor = ctx.actor();
    let v = app::view(state.db(), actor, id).await.page(&ctx)?;
    Ok(GrantPage {
        l: ctx.layout(),
        v,
        expense_codes: m::CHART
            .iter()
            .filter(|(_, k)| *k == m::AccountKind::Expense)
            .map(|(c, _)| *c)
            .collect(),
        steps: &m::GrantStatus::STEPS,
    })
}

#[derive(Deserialize)]
struct CommentForm {
    body: String,
}

async fn comment(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CommentForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::comment(state.db(), actor, id, &f.body)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{id}")))
}

#[derive(Deserialize)]
struct VoteForm {
    approve: String,
    reason: Option<String>,
}

async fn vote(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::vote(
        state.db(),
        actor,
        id,
        f.approve == "1",
        f.reason.as_deref().unwrap_or(""),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{id}")))
}

#[derive(Deserialize)]
struct DisburseForm {
    from: String,
}

async fn disburse(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DisburseForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::disburse(state.db(), actor, id, &f.from)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{id}")))
}

async fn report(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = super::money::read_upload(mp).await.page(&ctx)?;
    let line = ReportLine {
        item: up.get("item"),
        amount: Fen::parse_yuan(up.get("amount"))
            .map_err(AppError::from)
            .page(&ctx)?,
        category: up.get("category"),
        voucher: up.voucher(),
    };
    app::report(state.db(), actor, id, line).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{id}")))
}

async fn close(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::close(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/grants/{id}")))
}
