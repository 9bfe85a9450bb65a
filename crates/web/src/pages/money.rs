//! Money pages: an organization's ledger (balances, transactions, posting with a
//! receipt, reversal, closing a period), the monthly public statement with a chart, the
//! hash-chain check, vouchers, reimbursement claims and donations.

use super::upload::{self, FileField, Upload};
use super::{PageQuery, Pager};
use crate::ctx::{Ctx, Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linli_app::money::{
    self as app, ChainReport, LedgerView, ManualPosting, Statement, VoucherInput,
};
use linli_app::{AppError, Page};
use linli_domain::money::ClaimStatus;
use linli_domain::money::{self as m, Balanced, Fen};
use linli_store::money::{ClaimRow, DonationRow};
use linli_store::organizations::OrgRow;
use serde::Deserialize;

/// Uploads carry a receipt photo or PDF.
const UPLOAD_LIMIT: usize = app::VOUCHER_MAX_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{id}/ledger",
            get(ledger_page)
                .post(post_txn)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/orgs/{id}/ledger/close", post(close))
        .route("/orgs/{id}/ledger/verify", get(verify_page))
        .route("/orgs/{id}/statement", get(statement_page))
        .route("/txns/{id}/reverse", post(reverse))
        .route("/vouchers/{id}", get(voucher))
        // Any stored file by id, for those who may read what it is attached to.
        .route("/files/{id}", get(voucher))
        .route(
            "/orgs/{id}/claims",
            get(claims_page)
                .post(file_claim)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/claims/{id}/decide", post(decide_claim))
        .route("/claims/{id}/pay", post(pay_claim))
        .route(
            "/orgs/{id}/donations",
            get(donations_page).post(record_donation),
        )
        .route("/donations/{id}/receipt", get(receipt_page))
}

fn codes(kind: Option<m::AccountKind>) -> Vec<&'static str> {
    m::CHART
        .iter()
        .filter(|(_, k)| kind.is_none_or(|x| x == *k))
        .map(|(c, _)| *c)
        .collect()
}

/// The file of a money form: one voucher (the last one sent counts).
pub(super) const VOUCHER: FileField = FileField {
    name: "voucher",
    default_filename: "receipt",
    too_large: "voucher_too_large",
    max: None,
};

impl Upload {
    /// The voucher as the app takes it: none if no file (or an empty one) was sent.
    pub(super) fn voucher(&self) -> VoucherInput<'_> {
        match self.files.last() {
            Some((name, mime, data)) if !data.is_empty() => VoucherInput::Upload {
                filename: name,
                mime,
                data,
            },
            _ => VoucherInput::None,
        }
    }
}

/// Reads a money form with its optional voucher.
pub(super) async fn read_upload(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, AppError> {
    upload::read(mp, &VOUCHER).await
}

#[derive(Template, WebTemplate)]
#[template(path = "money/ledger.html")]
struct LedgerPage {
    l: Layout,
    v: LedgerView,
    today: String,
    all_codes: Vec<&'static str>,
    pager: Pager,
    error: Option<String>,
}

fn ledger_template(ctx: &Ctx, v: LedgerView, page: Page, error: Option<String>) -> LedgerPage {
    let today = linli_store::clock::today().as_str().to_string();
    LedgerPage {
        l: ctx.layout(),
        pager: Pager::new(
            page,
            v.ledger.head_seq,
            format!("/orgs/{}/ledger?", v.org.id),
        ),
        today,
        v,
        all_codes: codes(None),
        error,
    }
}

async fn ledger_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<LedgerPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 20);
    let v = app::ledger(state.db(), actor, id, page).await.page(&ctx)?;
    Ok(ledger_template(&ctx, v, page, None))
}

/// The simple posting form: one debit, one credit, an amount in yuan, an optional receipt.
async fn post_txn(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let db = state.db();
    let result = async {
        let up = read_upload(mp).await?;
        let amount = Fen::parse_yuan(up.get("amount"))?;
        let entries = Balanced::pair(up.get("debit"), up.get("credit"), amount)?;
        let posting = ManualPosting {
            occurred_on: up.get("occurred_on"),
            memo: up.get("memo"),
            entries: entries.entries().to_vec(),
            voucher: up.voucher(),
        };
        app::post_manual(db, actor, id, posting).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}/ledger")).into_response()),
        Err(e) if matches!(e, AppError::Invalid(_)) => {
            let page = Page::new(None, None, 20);
            let v = app::ledger(db, actor, id, page).await.page(&ctx)?;
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            Ok((
                crate::error::status(&e),
                ledger_template(&ctx, v, page, Some(msg)),
            )
                .into_response())
        }
        Err(e) => Err(PageError::new(e, &ctx)),
    }
}

#[derive(Deserialize)]
struct CloseForm {
    through: String,
}

async fn close(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CloseForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::close_through(state.db(), actor, id, &f.through)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}/ledger")))
}

#[derive(Deserialize)]
struct ReverseForm {
    reason: String,
}

async fn reverse(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReverseForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let t = app::reverse(state.db(), actor, id, &f.reason)
        .await
        .page(&ctx)?;
    let org = linli_store::money::ledger_org(state.db(), t.ledger_id)
        .await
        .map_err(AppError::from)
        .page(&ctx)?
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/orgs/{org}/ledger")))
}

#[derive(Template, WebTemplate)]
#[template(path = "money/verify.html")]
struct VerifyPage {
    l: Layout,
    org: OrgRow,
    r: ChainReport,
}

async fn verify_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<VerifyPage, PageError> {
    let actor = ctx.actor();
    let (org, r) = app::verify_org(state.db(), actor, id).await.page(&ctx)?;
    Ok(VerifyPage {
        l: ctx.layout(),
        org,
        r,
    })
}

/// One bar of the statement chart.
pub struct Bar {
    pub code: String,
    pub amount: i64,
    /// Width in percent of the largest bar.
    pub width: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "money/statement.html")]
struct StatementPage {
    l: Layout,
    s: Statement,
    bars: Vec<Bar>,
    prev: String,
    next: String,
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn shift_month(month: &str, delta: i32) -> String {
    let (y, mo) = month.split_once('-').unwrap_or(("2026", "01"));
    let (y, mo): (i32, i32) = (y.parse().unwrap_or(2026), mo.parse().unwrap_or(1));
    let idx = y * 12 + (mo - 1) + delta;
    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
}

async fn statement_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<StatementPage, PageError> {
    let actor = ctx.actor();
    let s = match (&q.from, &q.to) {
        (Some(from), Some(to)) => app::statement_for_period(state.db(), actor, id, from, to).await,
        _ => {
            let month = q
                .month
                .clone()
                .unwrap_or_else(|| linli_store::clock::today().as_str()[..7].to_string());
            app::statement(state.db(), actor, id, &month).await
        }
    }
    .page(&ctx)?;
    let max = s
        .income
        .iter()
        .chain(&s.expense)
        .map(|(_, a)| *a)
        .max()
        .unwrap_or(1)
        .max(1);
    let bars: Vec<Bar> = s
        .income
        .iter()
        .chain(&s.expense)
        .map(|(code, amount)| Bar {
            code: code.clone(),
            amount: *amount,
            width: (amount * 100 / max).max(1),
        })
        .collect();
    Ok(StatementPage {
        l: ctx.layout(),
        prev: shift_month(&s.month, -1),
        next: shift_month(&s.month, 1),
        bars,
        s,
    })
}

/// A receipt (or a life-meeting photo), served as stored; `nosniff` and an attachment disposition for anything
/// but images keep a crafted file from running as a page.
async fn voucher(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let v = app::voucher(state.db(), actor, id).await.page(&ctx)?;
    let disposition = if v.mime.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (header::CONTENT_TYPE, v.mime.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"voucher-{}\"", v.id),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        v.data,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "money/claims.html")]
struct ClaimsPage {
    l: Layout,
    org: OrgRow,
    claims: Vec<ClaimRow>,
    can_decide: bool,
    my_id: i64,
    today: String,
    expense_codes: Vec<&'static str>,
    error: Option<String>,
}

async fn claims_template(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
    error: Option<String>,
) -> Result<ClaimsPage, PageError> {
    let actor = ctx.actor().page(ctx)?;
    let (org, claims) = app::claims(state.db(), actor, id, Page::new(None, None, 50))
        .await
        .page(ctx)?;
    let can_decide = app::keeps_books(state.db(), actor, &org).await.page(ctx)?;
    Ok(ClaimsPage {
        l: ctx.layout(),
        org,
        claims,
        can_decide,
        my_id: actor.id(),
        today: linli_store::clock::today().as_str().to_string(),
        expense_codes: codes(Some(m::AccountKind::Expense)),
        error,
    })
}

async fn claims_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ClaimsPage, PageError> {
    claims_template(&ctx, &state, id, None).await
}

async fn file_claim(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let result = async {
        let up = read_upload(mp).await?;
        let claim = app::NewClaim {
            amount: Fen::parse_yuan(up.get("amount"))?,
            category: up.get("category"),
            purpose: up.get("purpose"),
            spent_on: up.get("spent_on"),
            voucher: up.voucher(),
        };
        app::file_claim(state.db(), actor, id, claim).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}/claims")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            Ok((
                crate::error::status(&e),
                claims_template(&ctx, &state, id, Some(msg)).await?,
            )
                .into_response())
        }
        Err(e) => Err(PageError::new(e, &ctx)),
    }
}

#[derive(Deserialize)]
struct DecideForm {
    approve: String,
    reason: Option<String>,
}

async fn decide_claim(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let c = app::decide_claim(
        state.db(),
        actor,
        id,
        f.approve == "1",
        f.reason.as_deref().unwrap_or(""),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{}/claims", c.org_id)))
}

#[derive(Deserialize)]
struct PayForm {
    from: String,
}

async fn pay_claim(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<PayForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let c = app::pay_claim(state.db(), actor, id, &f.from)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{}/claims", c.org_id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "money/donations.html")]
struct DonationsPage {
    l: Layout,
    org: OrgRow,
    donations: Vec<DonationRow>,
    can_record: bool,
    pager: Pager,
}

async fn donations_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<DonationsPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 30);
    let (org, donations) = app::donations(state.db(), actor, id, page)
        .await
        .page(&ctx)?;
    let can_record = app::keeps_books(state.db(), actor, &org).await.page(&ctx)?;
    let total =
        page.offset() + donations.len() as i64 + i64::from(donations.len() as i64 == page.size);
    Ok(DonationsPage {
        l: ctx.layout(),
        pager: Pager::new(page, total, format!("/orgs/{id}/donations?")),
        org,
        donations,
        can_record,
    })
}

#[derive(Deserialize)]
struct DonationForm {
    kind: String,
    donor_name: String,
    anonymous: Option<String>,
    amount: Option<String>,
    into_account: Option<String>,
    goods: Option<String>,
    quantity: Option<String>,
    hours: Option<String>,
}

async fn record_donation(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DonationForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let amount = match f.kind.as_str() {
        "money" => Some(
            Fen::parse_yuan(f.amount.as_deref().unwrap_or(""))
                .map_err(AppError::from)
                .page(&ctx)?,
        ),
        _ => None,
    };
    let number = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("")
            .trim()
            .parse::<i64>()
            .unwrap_or(0)
    };
    let d = app::NewDonation {
        kind: &f.kind,
        donor_name: &f.donor_name,
        anonymous: f.anonymous.is_some(),
        amount,
        into_account: f.into_account.as_deref().unwrap_or("cash"),
        goods: f.goods.as_deref().unwrap_or(""),
        quantity: number(&f.quantity),
        hours: number(&f.hours),
    };
    let d = app::record_donation(state.db(), actor, id, d)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/donations/{}/receipt", d.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "money/receipt.html")]
struct ReceiptPage {
    l: Layout,
    org: OrgRow,
    d: DonationRow,
}

async fn receipt_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ReceiptPage, PageError> {
    let actor = ctx.actor();
    let (org, d) = app::donation_receipt(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(ReceiptPage {
        l: ctx.layout(),
        org,
        d,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_shift_across_years() {
        assert_eq!(super::shift_month("2026-01", -1), "2025-12");
        assert_eq!(super::shift_month("2026-12", 1), "2027-01");
    }
}
