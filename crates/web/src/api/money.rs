//! Money in the API: ledgers, postings, reversals, vouchers, statements, the chain
//! check, reimbursement claims and donations. Amounts are integer fen.

use crate::api::common::{ApiResult, PageParams, UploadParams, content_type, fen};
use crate::ctx::LoggedIn;
use crate::error::{ApiError, ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use linli_app::money::{
    self as app, ChainReport, LedgerView, ManualPosting, Statement, VoucherInput,
};
use linli_app::{AppError, Page};
use linli_domain::money::Entry;
use linli_store::money::{ClaimRow, DonationRow, TxnRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ledger))
        .routes(routes!(post_txn))
        .routes(routes!(close))
        .routes(routes!(statement))
        .routes(routes!(verify))
        .routes(routes!(upload).layer(DefaultBodyLimit::max(app::VOUCHER_MAX_BYTES + 1024)))
        .routes(routes!(reverse))
        .routes(routes!(claims, file_claim))
        .routes(routes!(decide))
        .routes(routes!(pay))
        .routes(routes!(donations, donate))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    LedgerView,
    TxnRow,
    EntryReq,
    PostingReq,
    ReasonReq,
    CloseReq,
    Statement,
    ChainReport,
    VoucherOut,
    ClaimReq,
    ClaimRow,
    DecisionReq,
    PaymentReq,
    DonationReq,
    DonationRow
)))]
pub struct MoneyDoc;

/// An organization's ledger: balances and transactions, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/ledger", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = LedgerView), (status = 403, body = ApiErrorBody)))]
async fn ledger(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<LedgerView>> {
    let a = ctx.actor();
    Ok(Json(
        app::ledger(s.db(), a, id, Page::new(p.page, p.per_page, 20))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct EntryReq {
    /// Account code (cash, bank, wallet, expense_food, income_fees, …).
    account: String,
    /// Debit in fen (whole number), or
    #[schema(value_type = Option<i64>)]
    debit_fen: Option<serde_json::Number>,
    /// credit in fen; exactly one of the two.
    #[schema(value_type = Option<i64>)]
    credit_fen: Option<serde_json::Number>,
}

#[derive(Deserialize, ToSchema)]
pub struct PostingReq {
    /// `YYYY-MM-DD`, Asia/Shanghai.
    occurred_on: String,
    memo: String,
    entries: Vec<EntryReq>,
    /// A voucher uploaded first; required when an expense is debited.
    voucher_id: Option<i64>,
}

/// Posts a balanced transaction (treasurer or leader).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/ledger/transactions", params(("id" = i64, Path)), request_body = PostingReq,
    responses((status = 201, body = TxnRow), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn post_txn(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PostingReq>,
) -> ApiResult<(StatusCode, Json<TxnRow>)> {
    let a = ctx.actor();
    let mut entries = Vec::with_capacity(r.entries.len());
    for e in &r.entries {
        let amount = match (&e.debit_fen, &e.credit_fen) {
            (Some(d), None) => fen(d).api(&ctx)?.0,
            (None, Some(c)) => -fen(c).api(&ctx)?.0,
            _ => return Err(ApiError::new(AppError::Invalid("invalid_amount"), &ctx)),
        };
        entries.push(Entry {
            account: e.account.clone(),
            amount,
        });
    }
    let voucher = r
        .voucher_id
        .map_or(VoucherInput::None, VoucherInput::Existing);
    let p = ManualPosting {
        occurred_on: &r.occurred_on,
        memo: &r.memo,
        entries,
        voucher,
    };
    Ok((
        StatusCode::CREATED,
        Json(app::post_manual(s.db(), a, id, p).await.api(&ctx)?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ReversalReq)]
pub struct ReasonReq {
    reason: String,
}

/// Reverses a transaction with a new, opposite one (the ledger is append-only).
#[utoipa::path(post, path = "/api/v1/transactions/{id}/reversal", params(("id" = i64, Path)), request_body = ReasonReq,
    responses((status = 201, body = TxnRow), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn reverse(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReasonReq>,
) -> ApiResult<(StatusCode, Json<TxnRow>)> {
    let a = ctx.actor();
    Ok((
        StatusCode::CREATED,
        Json(app::reverse(s.db(), a, id, &r.reason).await.api(&ctx)?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CloseReq {
    /// Close the books through this date (inclusive).
    through: String,
}

/// Closes a period: nothing dated on or before `through` may be posted afterwards.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/ledger/close", params(("id" = i64, Path)), request_body = CloseReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn close(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CloseReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::close_through(s.db(), a, id, &r.through)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// `YYYY-MM` for a month, or
    month: Option<String>,
    /// `from` and `to` (`YYYY-MM-DD`, inclusive) for any period.
    from: Option<String>,
    to: Option<String>,
}

/// The public statement of a month or any period: opening and closing money, income and expenses by category.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/ledger/statement", params(("id" = i64, Path), MonthParams),
    responses((status = 200, body = Statement), (status = 422, body = ApiErrorBody)))]
async fn statement(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MonthParams>,
) -> ApiResult<Json<Statement>> {
    let a = ctx.actor();
    let st = match (&q.from, &q.to, &q.month) {
        (Some(f), Some(t), _) => app::statement_for_period(s.db(), a, id, f, t).await,
        (_, _, Some(m)) => app::statement(s.db(), a, id, m).await,
        _ => Err(AppError::Invalid("invalid_date")),
    };
    Ok(Json(st.api(&ctx)?))
}

/// Checks the ledger's hash chain and balances.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/ledger/verify", params(("id" = i64, Path)),
    responses((status = 200, body = ChainReport)))]
async fn verify(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ChainReport>> {
    let a = ctx.actor();
    Ok(Json(app::verify_org(s.db(), a, id).await.api(&ctx)?.1))
}

#[derive(Serialize, ToSchema)]
pub struct VoucherOut {
    id: i64,
}

/// Uploads a voucher: the request body is the file (JPEG, PNG, WebP, GIF or PDF, at most
/// 5 MB) with its Content-Type.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/vouchers", params(("id" = i64, Path), UploadParams),
    responses((status = 201, body = VoucherOut), (status = 422, body = ApiErrorBody)))]
async fn upload(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<VoucherOut>)> {
    let a = ctx.actor();
    let mime = content_type(&headers);
    let name = q.filename.as_deref().unwrap_or("voucher");
    let id = app::upload_voucher(s.db(), a, id, name, mime, &body)
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(VoucherOut { id })))
}

/// Reimbursement claims of an organization, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/claims", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = Vec<ClaimRow>)))]
async fn claims(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Vec<ClaimRow>>> {
    let a = ctx.actor();
    Ok(Json(
        app::claims(s.db(), a, id, Page::new(p.page, p.per_page, 50))
            .await
            .api(&ctx)?
            .1,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ClaimReq {
    #[schema(value_type = i64)]
    amount_fen: serde_json::Number,
    /// An expense account code.
    category: String,
    purpose: String,
    spent_on: String,
    voucher_id: i64,
}

/// Files a claim for an advance payment, with its voucher.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/claims", params(("id" = i64, Path)), request_body = ClaimReq,
    responses((status = 201, body = ClaimRow), (status = 422, body = ApiErrorBody)))]
async fn file_claim(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ClaimReq>,
) -> ApiResult<(StatusCode, Json<ClaimRow>)> {
    let a = ctx.actor();
    let c = app::NewClaim {
        amount: fen(&r.amount_fen).api(&ctx)?,
        category: &r.category,
        purpose: &r.purpose,
        spent_on: &r.spent_on,
        voucher: VoucherInput::Existing(r.voucher_id),
    };
    Ok((
        StatusCode::CREATED,
        Json(app::file_claim(s.db(), a, id, c).await.api(&ctx)?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionReq {
    approve: bool,
    /// Required when rejecting.
    reason: Option<String>,
}

/// Approves or rejects a claim (treasurer or leader; never one's own).
#[utoipa::path(post, path = "/api/v1/claims/{id}/decision", params(("id" = i64, Path)), request_body = DecisionReq,
    responses((status = 200, body = ClaimRow), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn decide(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DecisionReq>,
) -> ApiResult<Json<ClaimRow>> {
    let a = ctx.actor();
    Ok(Json(
        app::decide_claim(s.db(), a, id, r.approve, r.reason.as_deref().unwrap_or(""))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentReq {
    /// cash, bank or wallet.
    from_account: String,
}

/// Pays an approved claim; the expense is posted to the ledger.
#[utoipa::path(post, path = "/api/v1/claims/{id}/payment", params(("id" = i64, Path)), request_body = PaymentReq,
    responses((status = 200, body = ClaimRow), (status = 409, body = ApiErrorBody)))]
async fn pay(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PaymentReq>,
) -> ApiResult<Json<ClaimRow>> {
    let a = ctx.actor();
    Ok(Json(
        app::pay_claim(s.db(), a, id, &r.from_account)
            .await
            .api(&ctx)?,
    ))
}

/// Donations received (anonymous donors' names hidden from non-bookkeepers).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/donations", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = Vec<DonationRow>)))]
async fn donations(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Vec<DonationRow>>> {
    let a = ctx.actor();
    Ok(Json(
        app::donations(s.db(), a, id, Page::new(p.page, p.per_page, 30))
            .await
            .api(&ctx)?
            .1,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DonationReq {
    /// money, goods or time.
    kind: String,
    donor_name: String,
    #[serde(default)]
    anonymous: bool,
    #[schema(value_type = Option<i64>)]
    amount_fen: Option<serde_json::Number>,
    /// cash, bank or wallet (money).
    into_account: Option<String>,
    goods: Option<String>,
    quantity: Option<i64>,
    hours: Option<i64>,
}

/// Records a donation of money (posted to the ledger), goods or time.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/donations", params(("id" = i64, Path)), request_body = DonationReq,
    responses((status = 201, body = DonationRow), (status = 422, body = ApiErrorBody)))]
async fn donate(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DonationReq>,
) -> ApiResult<(StatusCode, Json<DonationRow>)> {
    let a = ctx.actor();
    let amount = r.amount_fen.as_ref().map(fen).transpose().api(&ctx)?;
    let d = app::NewDonation {
        kind: &r.kind,
        donor_name: &r.donor_name,
        anonymous: r.anonymous,
        amount,
        into_account: r.into_account.as_deref().unwrap_or("cash"),
        goods: r.goods.as_deref().unwrap_or(""),
        quantity: r.quantity.unwrap_or(0),
        hours: r.hours.unwrap_or(0),
    };
    Ok((
        StatusCode::CREATED,
        Json(app::record_donation(s.db(), a, id, d).await.api(&ctx)?),
    ))
}
