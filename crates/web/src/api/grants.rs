//! Micro-grants in the API.

use crate::api::common::{ApiResult, PageParams, fen};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::Page;
use linli_app::grants::{self as app, Application, GrantView, ReportLine};
use linli_app::money::VoucherInput;
use linli_store::grants::{EventRow, GrantRow, LineRow, RuleRow};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, apply))
        .routes(routes!(set_rule))
        .routes(routes!(view))
        .routes(routes!(comment))
        .routes(routes!(vote))
        .routes(routes!(disburse))
        .routes(routes!(report))
        .routes(routes!(close))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    GrantList,
    GrantRow,
    RuleRow,
    ApplyReq,
    LineReq,
    GrantView,
    LineRow,
    EventRow,
    RuleReq,
    CommentReq,
    VoteReq,
    DisburseReq,
    ReportReq
)))]
pub struct GrantsDoc;

#[derive(Serialize, ToSchema)]
pub struct GrantList {
    grants: Vec<GrantRow>,
    rules: Vec<RuleRow>,
}

/// Grants given or received by an organization, and its spending rules.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/grants", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = GrantList), (status = 403, body = ApiErrorBody)))]
async fn list(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<GrantList>> {
    let a = ctx.actor();
    let (_, grants, rules) = app::list(s.db(), a, id, Page::new(p.page, p.per_page, 30))
        .await
        .api(&ctx)?;
    Ok(Json(GrantList { grants, rules }))
}

#[derive(Deserialize, ToSchema)]
pub struct LineReq {
    item: String,
    #[schema(value_type = i64)]
    amount_fen: serde_json::Number,
}

#[derive(Deserialize, ToSchema)]
pub struct ApplyReq {
    applicant_org_id: i64,
    title: String,
    purpose: String,
    lines: Vec<LineReq>,
}

/// Applies to a fund (organization `id`) for a micro-grant.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/grants", params(("id" = i64, Path)), request_body = ApplyReq,
    responses((status = 201, body = GrantRow), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn apply(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ApplyReq>,
) -> ApiResult<(StatusCode, Json<GrantRow>)> {
    let a = ctx.actor();
    let mut lines = vec![];
    for l in &r.lines {
        lines.push((l.item.clone(), fen(&l.amount_fen).api(&ctx)?));
    }
    let app_ = Application {
        applicant_org_id: r.applicant_org_id,
        title: &r.title,
        purpose: &r.purpose,
        lines,
    };
    Ok((
        StatusCode::CREATED,
        Json(app::apply(s.db(), a, id, app_).await.api(&ctx)?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RuleReq {
    #[schema(value_type = i64)]
    max_amount_fen: serde_json::Number,
    approvals: i64,
}

/// Sets a fund's spending rule (the fund's leader).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/fund-rules", params(("id" = i64, Path)), request_body = RuleReq,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn set_rule(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<RuleReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::set_rule(
        s.db(),
        a,
        id,
        fen(&r.max_amount_fen).api(&ctx)?,
        r.approvals,
    )
    .await
    .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A grant with its budget, votes and timeline.
#[utoipa::path(get, path = "/api/v1/grants/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = GrantView), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn view(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<GrantView>> {
    let a = ctx.actor();
    Ok(Json(app::view(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentReq {
    body: String,
}

/// Comments on a grant's timeline.
#[utoipa::path(post, path = "/api/v1/grants/{id}/comments", params(("id" = i64, Path)), request_body = CommentReq,
    responses((status = 204), (status = 403, body = ApiErrorBody)))]
async fn comment(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CommentReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::comment(s.db(), a, id, &r.body).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = GrantVoteReq)]
pub struct VoteReq {
    approve: bool,
    reason: Option<String>,
}

/// A committee member's vote (once).
#[utoipa::path(post, path = "/api/v1/grants/{id}/votes", params(("id" = i64, Path)), request_body = VoteReq,
    responses((status = 200, body = GrantRow), (status = 409, body = ApiErrorBody)))]
async fn vote(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<VoteReq>,
) -> ApiResult<Json<GrantRow>> {
    let a = ctx.actor();
    Ok(Json(
        app::vote(s.db(), a, id, r.approve, r.reason.as_deref().unwrap_or(""))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DisburseReq {
    /// cash, bank or wallet of the fund.
    from_account: String,
}

/// Disburses an approved grant: posted to the fund's and the applicant's ledgers.
#[utoipa::path(post, path = "/api/v1/grants/{id}/disbursement", params(("id" = i64, Path)), request_body = DisburseReq,
    responses((status = 200, body = GrantRow), (status = 409, body = ApiErrorBody)))]
async fn disburse(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DisburseReq>,
) -> ApiResult<Json<GrantRow>> {
    let a = ctx.actor();
    Ok(Json(
        app::disburse(s.db(), a, id, &r.from_account)
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportReq {
    item: String,
    #[schema(value_type = i64)]
    amount_fen: serde_json::Number,
    /// An expense account code.
    category: String,
    /// A voucher uploaded to the applicant's ledger.
    voucher_id: i64,
}

/// Reports actual spending of a disbursed grant, with its voucher.
#[utoipa::path(post, path = "/api/v1/grants/{id}/reports", params(("id" = i64, Path)), request_body = ReportReq,
    responses((status = 200, body = GrantRow), (status = 422, body = ApiErrorBody)))]
async fn report(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReportReq>,
) -> ApiResult<Json<GrantRow>> {
    let a = ctx.actor();
    let line = ReportLine {
        item: &r.item,
        amount: fen(&r.amount_fen).api(&ctx)?,
        category: &r.category,
        voucher: VoucherInput::Existing(r.voucher_id),
    };
    Ok(Json(app::report(s.db(), a, id, line).await.api(&ctx)?))
}

/// Closes a disbursed grant, returning the unused part to the fund.
#[utoipa::path(post, path = "/api/v1/grants/{id}/closing", params(("id" = i64, Path)),
    responses((status = 200, body = GrantRow), (status = 409, body = ApiErrorBody)))]
async fn close(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<GrantRow>> {
    let a = ctx.actor();
    Ok(Json(app::close(s.db(), a, id).await.api(&ctx)?))
}
