//! Money everyone can see: every organization's double-entry ledger, postings and
//! reversals (the ledger is append-only), closing periods, vouchers, monthly public
//! statements, reimbursement of advance payments, donations, and the hash-chain check.
//!
//! Who keeps the books: the organization's leader and treasurer. Who reads them:
//! everyone who can read the organization's node — transparency is the point.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::money::ClaimStatus;
use linli_domain::money::{self as m, AccountKind, Balanced, ChainLink, Day, Entry, Fen};
use linli_domain::organizations::MemberRole;
use linli_store::audit::{self, NewAudit};
use linli_store::money::{
    self as st, AccountRow, ClaimRow, DonationRow, EntryRow, LedgerRow, NewTxn, TxnRow,
};
use linli_store::organizations::{self as orgs, OrgRow};
use linli_store::{Db, Tx};
use std::collections::HashMap;

/// Largest voucher accepted: the files kernel's one limit (5 MB).
pub const VOUCHER_MAX_BYTES: usize = crate::files::MAX_BYTES;

/// The organization's ledger, created with the standard chart on first use.
pub async fn ensure_ledger(db: &Db, org: &OrgRow) -> AppResult<LedgerRow> {
    if let Some(l) = st::ledger_of_org(db, org.id).await? {
        return Ok(l);
    }
    let mut tx = db.begin().await?;
    match st::create_ledger(&mut tx, org.id, org.region_id).await {
        Ok(_) => tx.commit().await?,
        // Another request created it first: use theirs.
        Err(e) if linli_store::is_unique_violation(&e) => drop(tx),
        Err(e) => return Err(e.into()),
    }
    st::ledger_of_org(db, org.id)
        .await?
        .ok_or(AppError::Internal("ledger vanished".into()))
}

/// Whether the actor keeps this organization's books (leader or treasurer).
pub async fn keeps_books(db: &Db, actor: &Actor, org: &OrgRow) -> AppResult<bool> {
    Ok(matches!(
        orgs::member_role(db, org.id, actor.id())
            .await?
            .as_deref()
            .map(MemberRole::parse),
        Some(Ok(MemberRole::Leader | MemberRole::Treasurer))
    ))
}

async fn bookkeeper_org(db: &Db, actor: &Actor, org_id: i64) -> AppResult<(OrgRow, LedgerRow)> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    if !keeps_books(db, actor, &org).await? {
        return Err(AppError::Forbidden);
    }
    let ledger = ensure_ledger(db, &org).await?;
    Ok((org, ledger))
}

/// An account with its balance on its normal side.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub code: String,
    pub kind: String,
    pub balance: i64,
}

fn shown(a: &AccountRow) -> AccountView {
    let kind = m::account_kind(&a.code).unwrap_or(AccountKind::Asset);
    AccountView {
        code: a.code.clone(),
        kind: a.kind.clone(),
        balance: kind.shown(a.balance),
    }
}

/// A transaction with its lines.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TxnView {
    #[serde(flatten)]
    pub txn: TxnRow,
    pub entries: Vec<EntryRow>,
}

impl TxnView {
    /// What the transaction did to the money (cash, bank, WeChat/Alipay), in fen: positive
    /// is money in (收入), negative money out (支出), zero a booking that moved no money
    /// (goods donated, an amount owed).
    pub fn money_change(&self) -> i64 {
        self.entries
            .iter()
            .filter(|e| m::is_money_account(&e.account))
            .map(|e| e.amount)
            .sum()
    }

    /// What it was for: the first account on the other side of the money.
    pub fn purpose(&self) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| !m::is_money_account(&e.account))
            .map(|e| e.account.as_str())
    }

    /// Whether the receipt is a picture the page can show inline.
    pub fn receipt_is_picture(&self) -> bool {
        self.txn
            .voucher_mime
            .as_deref()
            .is_some_and(|m| m.starts_with("image/"))
    }
}

async fn with_entries(db: &Db, txns: Vec<TxnRow>) -> AppResult<Vec<TxnView>> {
    let ids: Vec<i64> = txns.iter().map(|t| t.id).collect();
    let mut by_txn: HashMap<i64, Vec<EntryRow>> = HashMap::new();
    for e in st::entries_of(db, &ids).await? {
        by_txn.entry(e.txn_id).or_default().push(e);
    }
    Ok(txns
        .into_iter()
        .map(|t| TxnView {
            entries: by_txn.remove(&t.id).unwrap_or_default(),
            txn: t,
        })
        .collect())
}

/// Everything a ledger's page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerView {
    pub org: OrgRow,
    pub ledger: LedgerRow,
    pub accounts: Vec<AccountView>,
    /// Cash + bank + WeChat/Alipay.
    pub money: i64,
    pub txns: Vec<TxnView>,
    pub can_post: bool,
}

pub async fn ledger(db: &Db, actor: &Actor, org_id: i64, page: Page) -> AppResult<LedgerView> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let ledger = ensure_ledger(db, &org).await?;
    let accounts: Vec<AccountView> = st::accounts(db, ledger.id)
        .await?
        .iter()
        .map(shown)
        .collect();
    let money = accounts
        .iter()
        .filter(|a| m::is_money_account(&a.code))
        .map(|a| a.balance)
        .sum();
    let txns = with_entries(db, st::txns(db, ledger.id, page.size, page.offset()).await?).await?;
    Ok(LedgerView {
        can_post: keeps_books(db, actor, &org).await?,
        org,
        ledger,
        accounts,
        money,
        txns,
    })
}

/// A receipt that comes with a posting or claim: none, one uploaded before, or a file
/// uploaded with it (stored in the same transaction, so a refused posting leaves no
/// orphan file behind).
pub enum VoucherInput<'a> {
    None,
    Existing(i64),
    Upload {
        filename: &'a str,
        mime: &'a str,
        data: &'a [u8],
    },
}

impl VoucherInput<'_> {
    /// What can be refused before any transaction opens: a missing receipt where one
    /// is `required`, an upload that fails the files kernel's check.
    pub fn precheck(&self, required: bool) -> AppResult<()> {
        match self {
            VoucherInput::None if required => Err(AppError::Invalid("voucher_required")),
            VoucherInput::Upload { mime, data, .. } => {
                crate::files::check(crate::files::Purpose::Voucher, mime, data)
            }
            _ => Ok(()),
        }
    }
}

/// The voucher file to give a `Posting` (or a claim, a cost, a grant report), inside
/// the caller's transaction: an upload is stored as a voucher of `ledger`; an id given
/// must be a voucher of that ledger that backs no posting yet. `None` when there is no
/// receipt and none is `required`.
pub async fn attach_voucher(
    tx: &mut Tx,
    actor: &Actor,
    ledger: &LedgerRow,
    v: &VoucherInput<'_>,
    required: bool,
) -> AppResult<Option<i64>> {
    v.precheck(required)?;
    Ok(match v {
        VoucherInput::None => None,
        VoucherInput::Existing(id) => {
            if !crate::files::is_voucher_of(tx, *id, ledger.id).await? {
                return Err(AppError::Invalid("voucher_not_found"));
            }
            if st::voucher_used(tx, *id).await? {
                return Err(AppError::Invalid("voucher_used"));
            }
            Some(*id)
        }
        VoucherInput::Upload {
            filename,
            mime,
            data,
        } => Some(
            crate::files::store_voucher(
                tx,
                actor.id(),
                ledger,
                crate::files::Upload {
                    filename,
                    mime,
                    data,
                },
            )
            .await?,
        ),
    })
}

/// Stores a receipt (image or PDF) for the organization's ledger; any member may. Its
/// id is then given with a posting or claim (the API's two-step upload).
pub async fn upload_voucher(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    filename: &str,
    mime: &str,
    data: &[u8],
) -> AppResult<i64> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    if orgs::member_role(db, org.id, actor.id()).await?.is_none() {
        return Err(AppError::Forbidden);
    }
    crate::files::check(crate::files::Purpose::Voucher, mime, data)?;
    let ledger = ensure_ledger(db, &org).await?;
    let mut tx = db.begin().await?;
    let id = crate::files::store_voucher(
        &mut tx,
        actor.id(),
        &ledger,
        crate::files::Upload {
            filename,
            mime,
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A bookkeeper's posting as entered on the ledger page or through the API, still raw.
pub struct ManualPosting<'a> {
    pub occurred_on: &'a str,
    pub memo: &'a str,
    pub entries: Vec<Entry>,
    pub voucher: VoucherInput<'a>,
}

/// Posts a balanced transaction by hand. Refused: unbalanced or unknown accounts, a
/// date in a closed period, an expense without a voucher, a voucher of another ledger.
pub async fn post_manual(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    p: ManualPosting<'_>,
) -> AppResult<TxnRow> {
    let (org, ledger) = bookkeeper_org(db, actor, org_id).await?;
    let day = Day::parse(p.occurred_on)?;
    let memo = bounded_text(p.memo, 200, DomainError::InvalidName).map_err(|e| match e {
        DomainError::InvalidName => AppError::Invalid("memo_required"),
        e => e.into(),
    })?;
    let entries = Balanced::new(p.entries)?;
    if entries.debits_expense() || entries.moves_money_out() {
        follows_fund_rules(db, &org).await?;
    }
    p.voucher.precheck(entries.debits_expense())?;
    let mut tx = db.begin().await?;
    let voucher = attach_voucher(
        &mut tx,
        actor,
        &ledger,
        &p.voucher,
        entries.debits_expense(),
    )
    .await?;
    let id = post(
        &mut tx,
        &Posting::new(ledger.id, "manual", actor.id())
            .dated(day)
            .memo(memo)
            .balanced(&entries)
            .voucher(voucher),
    )
    .await?;
    tx.commit().await?;
    txn_row(db, id.0).await
}

/// Locks ledgers for the rest of the transaction, in id order, so two transactions
/// that each post to the same two ledgers (a grant: fund and applicant) cannot
/// deadlock. `post` locks its ledger itself; call this first when posting to several.
pub async fn lock_ledgers(tx: &mut Tx, ledger_ids: &[i64]) -> AppResult<()> {
    let mut ids = ledger_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        st::lock(tx, id).await?;
    }
    Ok(())
}

/// Refuses to pay more than a money account holds: locks the ledger and compares its
/// balance with `amount` (fen), so no concurrent posting spends the same money.
pub async fn ensure_funds(
    tx: &mut Tx,
    ledger_id: i64,
    account: &str,
    amount: i64,
) -> AppResult<()> {
    st::lock(tx, ledger_id).await?;
    if st::balance_of(tx, ledger_id, account).await? < amount {
        return Err(AppError::Invalid("insufficient_funds"));
    }
    Ok(())
}

/// A fund with spending rules pays out only through grants its committee approved by
/// those rules; a bookkeeper alone cannot spend from it.
async fn follows_fund_rules(db: &Db, org: &OrgRow) -> AppResult<()> {
    let is_fund = matches!(org.kind.as_str(), "foundation" | "mutual_aid");
    if is_fund && !linli_store::grants::rules(db, org.id).await?.is_empty() {
        return Err(AppError::Invalid("fund_spending_needs_approval"));
    }
    Ok(())
}

// ---- posting: the one entry point ----------------------------------------------------

/// The id of a ledger transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct TxnId(pub i64);

/// One transaction to post to a ledger: the only way any area writes money. Built with
/// `Posting::new(ledger, category, who)` and chained setters; `post` checks and
/// appends it.
///
/// ```ignore
/// let sale = Posting::new(ledger.id, "shop_sale", actor.id())
///     .memo(format!("义卖 #{sale_id} {item}"))
///     .pair("wallet", "income_other", Fen(1_500));
/// let txn = money::post(&mut tx, &sale).await?;
/// ```
#[derive(Debug, Clone)]
pub struct Posting {
    ledger_id: i64,
    occurred_on: Day,
    category: &'static str,
    memo: String,
    lines: Vec<Entry>,
    voucher: Option<i64>,
    reverses: Option<i64>,
    by: i64,
}

impl Posting {
    /// A posting to `ledger_id`, of `category` (stored as the transaction's kind:
    /// `manual`, `activity`, `grant`, `donation`, …), by user `by`, dated today (the
    /// app clock's local day) with no lines yet.
    pub fn new(ledger_id: i64, category: &'static str, by: i64) -> Self {
        Self {
            ledger_id,
            occurred_on: linli_store::clock::today(),
            category,
            memo: String::new(),
            lines: vec![],
            voucher: None,
            reverses: None,
            by,
        }
    }

    /// The day the money moved (default: today).
    pub fn dated(mut self, day: Day) -> Self {
        self.occurred_on = day;
        self
    }

    /// The text shown in the public ledger (hashed into the chain).
    pub fn memo(mut self, memo: impl Into<String>) -> Self {
        self.memo = memo.into();
        self
    }

    /// A line in integer fen, debit positive, credit negative.
    pub fn line(mut self, account: &str, amount: i64) -> Self {
        self.lines.push(Entry {
            account: account.into(),
            amount,
        });
        self
    }

    /// `amount` debited to `debit` and credited to `credit`.
    pub fn pair(self, debit: &str, credit: &str, amount: Fen) -> Self {
        self.line(debit, amount.0).line(credit, -amount.0)
    }

    /// Every line of an already balanced transaction.
    pub fn balanced(mut self, entries: &Balanced) -> Self {
        self.lines.extend(entries.entries().iter().cloned());
        self
    }

    /// The receipt backing it: a voucher file of the same ledger (see `attach_voucher`).
    pub fn voucher(mut self, file_id: Option<i64>) -> Self {
        self.voucher = file_id;
        self
    }

    /// The transaction this one corrects (at most one reversal per original).
    pub fn reverses(mut self, txn_id: i64) -> Self {
        self.reverses = Some(txn_id);
        self
    }

    pub fn ledger_id(&self) -> i64 {
        self.ledger_id
    }
}

/// Posts inside the caller's transaction: the lines must balance (`Balanced`: at least
/// two, in the chart, summing to zero); under the ledger's lock the date must be after
/// the closed period and the voucher a voucher of this ledger backing no other
/// posting; then the next sequence number, the hash chained to the head, the entries,
/// the balances, the new head and an audit entry (`ledger.post`) are written. Who may
/// post, and from which account, is the calling area's rule.
pub async fn post(tx: &mut Tx, p: &Posting) -> AppResult<TxnId> {
    let entries = Balanced::new(p.lines.clone())?;
    let ledger = st::lock(tx, p.ledger_id).await?;
    if ledger
        .closed_through
        .as_deref()
        .is_some_and(|c| p.occurred_on.as_str() <= c)
    {
        return Err(AppError::Invalid("period_closed"));
    }
    // Under the ledger lock, so two postings cannot both claim one receipt.
    if let Some(v) = p.voucher {
        if !crate::files::is_voucher_of(tx, v, ledger.id).await? {
            return Err(AppError::Invalid("voucher_not_found"));
        }
        if st::voucher_used(tx, v).await? {
            return Err(AppError::Invalid("voucher_used"));
        }
    }
    let lines: Vec<(String, i64)> = entries
        .entries()
        .iter()
        .map(|e| (e.account.clone(), e.amount))
        .collect();
    let id = st::append(
        tx,
        &ledger,
        NewTxn {
            occurred_on: p.occurred_on.as_str(),
            kind: p.category,
            memo: &p.memo,
            reverses_id: p.reverses,
            voucher_id: p.voucher,
            created_by: p.by,
            entries: &lines,
        },
    )
    .await
    .map_err(crate::error::unique_as("already_reversed"))?;
    let total: i64 = lines.iter().filter(|(_, a)| *a > 0).map(|(_, a)| a).sum();
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(p.by),
            action: "ledger.post",
            region_id: Some(ledger.region_id),
            target: format!("org:{}/txn:{id}", ledger.org_id),
            detail: format!("{} {} {}", p.category, m::display_fen(total), p.memo),
        },
    )
    .await?;
    Ok(TxnId(id))
}

async fn txn_row(db: &Db, id: i64) -> AppResult<TxnRow> {
    st::txn(db, id)
        .await?
        .ok_or(AppError::Internal("posted transaction vanished".into()))
}

/// Corrects a transaction with a reversing one dated today; the original stays.
pub async fn reverse(db: &Db, actor: &Actor, txn_id: i64, reason: &str) -> AppResult<TxnRow> {
    let t = st::txn(db, txn_id)
        .await?
        .ok_or(AppError::NotFound("txn_not_found"))?;
    let org_id = st::ledger_org(db, t.ledger_id)
        .await?
        .ok_or(AppError::NotFound("txn_not_found"))?;
    let (_, ledger) = bookkeeper_org(db, actor, org_id).await?;
    if t.reverses_id.is_some() {
        return Err(AppError::Invalid("cannot_reverse_reversal"));
    }
    // Claims, donations and grants are corrected through their own steps, or their
    // records would disagree with the ledger.
    if !matches!(t.kind.as_str(), "manual" | "opening") {
        return Err(AppError::Invalid("reverse_in_workflow"));
    }
    if t.reversed {
        return Err(AppError::Conflict("already_reversed"));
    }
    let reason = bounded_text(reason, 200, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("reason_required"))?;
    let stored: Vec<Entry> = st::entries_of(db, &[t.id])
        .await?
        .into_iter()
        .map(|e| Entry {
            account: e.account,
            amount: -e.amount,
        })
        .collect();
    let entries = Balanced::new(stored)?;
    let memo = format!("冲销 #{}: {reason}", t.seq);
    let mut tx = db.begin().await?;
    let id = post(
        &mut tx,
        &Posting::new(ledger.id, "reversal", actor.id())
            .memo(memo)
            .balanced(&entries)
            .reverses(t.id),
    )
    .await?;
    tx.commit().await?;
    txn_row(db, id.0).await
}

/// Closes the books through `day`: nothing dated on or before it may be posted.
pub async fn close_through(db: &Db, actor: &Actor, org_id: i64, day: &str) -> AppResult<()> {
    let (org, ledger) = bookkeeper_org(db, actor, org_id).await?;
    let day = Day::parse(day)?;
    if day > linli_store::clock::today() {
        return Err(AppError::Invalid("close_future"));
    }
    let mut tx = db.begin().await?;
    let locked = st::lock(&mut tx, ledger.id).await?;
    if locked
        .closed_through
        .as_deref()
        .is_some_and(|c| day.as_str() < c)
    {
        return Err(AppError::Invalid("close_backwards"));
    }
    st::set_closed_through(&mut tx, ledger.id, day.as_str()).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "ledger.close",
            region_id: Some(org.region_id),
            target: format!("org:{}", org.id),
            detail: day.as_str().into(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A public statement (财务公示) of a month or any period.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub org: OrgRow,
    /// `2026-11` for a monthly statement; the month the period starts in otherwise.
    pub month: String,
    /// First and last day of the period (inclusive).
    pub from: String,
    pub to: String,
    pub opening_money: i64,
    pub closing_money: i64,
    /// (account code, amount) both shown positive.
    pub income: Vec<(String, i64)>,
    pub expense: Vec<(String, i64)>,
    pub total_income: i64,
    pub total_expense: i64,
    /// Transactions in the ledger so far (the verify page checks all of them).
    pub txn_count: i64,
    /// The hash of the newest transaction. Printed on the public notice, it anchors the
    /// chain outside the database: a ledger cut short and re-chained would not match it.
    pub head_hash: String,
}

/// The statement of a month, `2026-11`.
pub async fn statement(db: &Db, actor: &Actor, org_id: i64, month: &str) -> AppResult<Statement> {
    let (from, to) = m::month_bounds(month)?;
    statement_between(db, actor, org_id, from, to).await
}

/// The statement of any period, `from` and `to` both inclusive.
pub async fn statement_for_period(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    from: &str,
    to: &str,
) -> AppResult<Statement> {
    let (from, to) = m::period_bounds(from, to)?;
    statement_between(db, actor, org_id, from, to).await
}

/// `[from, to)` as dates.
async fn statement_between(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    from: String,
    to: String,
) -> AppResult<Statement> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let last_day = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.pred_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| to.clone());
    let ledger = ensure_ledger(db, &org).await?;
    // The opening balance is today's stored balance minus everything dated from the
    // month's first day on: only recent entries are read, however long the ledger is.
    let since = st::sums(db, ledger.id, &from, "9999-12-31").await?;
    let during = st::sums(db, ledger.id, &from, &to).await?;
    let money = |rows: &[st::AccountSum]| -> i64 {
        rows.iter()
            .filter(|r| m::is_money_account(&r.code))
            .map(|r| r.total)
            .sum()
    };
    let now: i64 = st::accounts(db, ledger.id)
        .await?
        .iter()
        .filter(|a| m::is_money_account(&a.code))
        .map(|a| a.balance)
        .sum();
    let opening_money = now - money(&since);
    let pick = |kind: AccountKind| -> Vec<(String, i64)> {
        during
            .iter()
            .filter(|r| m::account_kind(&r.code) == Ok(kind) && r.total != 0)
            .map(|r| (r.code.clone(), kind.shown(r.total)))
            .collect()
    };
    let income = pick(AccountKind::Income);
    let expense = pick(AccountKind::Expense);
    Ok(Statement {
        month: from[..7].to_string(),
        to: last_day,
        closing_money: opening_money + money(&during),
        total_income: income.iter().map(|(_, a)| a).sum(),
        total_expense: expense.iter().map(|(_, a)| a).sum(),
        income,
        expense,
        opening_money,
        txn_count: ledger.head_seq,
        head_hash: ledger.head_hash.clone(),
        org,
        from,
    })
}

/// The result of checking a ledger's hash chain and balances.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub ledger_id: i64,
    pub checked: i64,
    pub ok: bool,
    /// The first transaction (by sequence number) that does not match, if any.
    pub first_bad_seq: Option<i64>,
    /// What did not match: gap, prev_hash, unbalanced, hash, head, balance.
    pub problem: Option<String>,
}

const CHAIN_PAGE: i64 = 5000;

/// Recomputes every transaction's hash from the stored rows, in order, and compares it
/// with the stored hash and the next transaction's link; checks that the copies the
/// statements read (each entry's ledger and date, its account's ledger and kind) agree
/// with the hashed originals, that every voucher file still has its recorded digest, and
/// that the stored balances equal the sum of the entries. Any edited, removed or inserted
/// row shows. Everything is read in one snapshot, so postings made meanwhile cannot
/// look like tampering.
pub async fn verify(db: &Db, ledger_id: i64) -> AppResult<ChainReport> {
    let mut tx = db.begin_read().await?;
    let ledger = st::ledger_in(&mut tx, ledger_id)
        .await?
        .ok_or(AppError::NotFound("ledger_not_found"))?;
    let mut report = ChainReport {
        ledger_id,
        checked: 0,
        ok: true,
        first_bad_seq: None,
        problem: None,
    };
    let fail = |r: &mut ChainReport, seq: i64, what: &str| {
        if r.ok {
            r.ok = false;
            r.first_bad_seq = Some(seq);
            r.problem = Some(what.to_string());
        }
    };
    let (mut last_seq, mut head) = (0i64, String::new());
    loop {
        let rows = st::chain_page(&mut tx, ledger_id, last_seq, CHAIN_PAGE).await?;
        let Some(upto) = rows.last().map(|r| r.seq) else {
            break;
        };
        let mut lines: HashMap<i64, Vec<st::ChainEntry>> = HashMap::new();
        for e in st::chain_entries(&mut tx, ledger_id, last_seq, upto).await? {
            lines.entry(e.txn_id).or_default().push(e);
        }
        for r in &rows {
            let stored = lines.remove(&r.id).unwrap_or_default();
            let entries: Vec<(String, i64)> = stored
                .iter()
                .map(|e| (e.account.clone(), e.amount))
                .collect();
            let copies_agree = stored.iter().all(|e| {
                e.entry_ledger == ledger_id
                    && e.account_ledger == ledger_id
                    && e.entry_on == r.occurred_on
                    && m::account_kind(&e.account).is_ok_and(|k| k.as_str() == e.account_kind)
            });
            if r.seq != last_seq + 1 {
                fail(&mut report, last_seq + 1, "gap");
            } else if r.prev_hash != head {
                fail(&mut report, r.seq, "prev_hash");
            } else if entries.iter().map(|(_, a)| a).sum::<i64>() != 0 || entries.len() < 2 {
                fail(&mut report, r.seq, "unbalanced");
            } else if !copies_agree {
                fail(&mut report, r.seq, "copy");
            }
            let expect = ChainLink {
                prev_hash: &r.prev_hash,
                ledger_id,
                seq: r.seq,
                occurred_on: &r.occurred_on,
                kind: &r.kind,
                memo: &r.memo,
                reverses_id: r.reverses_id,
                voucher_id: r.voucher_id,
                voucher_digest: r.voucher_digest.as_deref(),
                created_by: r.created_by,
                posted_at: r.posted_at,
                entries: &entries,
            }
            .hash();
            if expect != r.hash {
                fail(&mut report, r.seq, "hash");
            }
            report.checked += 1;
            last_seq = r.seq;
            head = r.hash.clone();
        }
        if rows.len() < CHAIN_PAGE as usize {
            break;
        }
    }
    if report.ok && (last_seq != ledger.head_seq || head != ledger.head_hash) {
        fail(&mut report, last_seq + 1, "head");
    }
    if report.ok && st::stray_entries(&mut tx, ledger_id).await? > 0 {
        fail(&mut report, last_seq, "copy");
    }
    if report.ok {
        let stored = st::accounts_in(&mut tx, ledger_id).await?;
        let sums = st::recomputed_balances(&mut tx, ledger_id).await?;
        let bad = stored.len() != sums.len()
            || stored
                .iter()
                .zip(&sums)
                .any(|(a, (id, sum))| a.id != *id || a.balance != *sum);
        if bad {
            fail(&mut report, last_seq, "balance");
        }
    }
    if report.ok {
        let mut after = 0;
        loop {
            let page = linli_store::files::voucher_page(&mut tx, ledger_id, after, 16).await?;
            for (id, digest, data) in &page {
                if m::digest(data) != *digest {
                    fail(&mut report, last_seq, "voucher");
                }
                after = *id;
            }
            if page.len() < 16 {
                break;
            }
        }
    }
    Ok(report)
}

/// Checks every ledger (the `linli verify-ledger` command).
pub async fn verify_all(db: &Db) -> AppResult<Vec<ChainReport>> {
    let mut out = vec![];
    for id in st::all_ledger_ids(db).await? {
        out.push(verify(db, id).await?);
    }
    Ok(out)
}

/// The chain report of an organization's ledger, for anyone who reads the organization.
pub async fn verify_org(db: &Db, actor: &Actor, org_id: i64) -> AppResult<(OrgRow, ChainReport)> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let ledger = ensure_ledger(db, &org).await?;
    Ok((org, verify(db, ledger.id).await?))
}

/// A voucher (or any file a ledger page links), for those who may read what it is
/// attached to (see `files::read`).
pub async fn voucher(db: &Db, actor: &Actor, id: i64) -> AppResult<crate::files::FileRow> {
    crate::files::read(db, actor, id).await
}

// ---- reimbursement of advance payments (垫付报销) -------------------------------------

pub struct NewClaim<'a> {
    pub amount: Fen,
    pub category: &'a str,
    pub purpose: &'a str,
    pub spent_on: &'a str,
    pub voucher: VoucherInput<'a>,
}

fn expense_category(code: &str) -> AppResult<&str> {
    match m::account_kind(code) {
        Ok(AccountKind::Expense) => Ok(code),
        _ => Err(AppError::Invalid("unknown_account")),
    }
}

/// A member files a claim for money they advanced, with the receipt.
pub async fn file_claim(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    c: NewClaim<'_>,
) -> AppResult<ClaimRow> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    if orgs::member_role(db, org.id, actor.id()).await?.is_none() {
        return Err(AppError::Forbidden);
    }
    let category = expense_category(c.category)?;
    let purpose = bounded_text(c.purpose, 200, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("purpose_required"))?;
    let day = Day::parse(c.spent_on)?;
    let ledger = ensure_ledger(db, &org).await?;
    c.voucher.precheck(true)?;
    let mut tx = db.begin().await?;
    let voucher_id = attach_voucher(&mut tx, actor, &ledger, &c.voucher, true)
        .await?
        .unwrap_or_default();
    let id = st::insert_claim(
        &mut tx,
        st::NewClaim {
            org_id: org.id,
            region_id: org.region_id,
            claimant_id: actor.id(),
            amount: c.amount.0,
            category,
            purpose: &purpose,
            spent_on: day.as_str(),
            voucher_id,
        },
    )
    .await
    .map_err(crate::error::unique_as("voucher_used"))?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "claim.file",
            region_id: Some(org.region_id),
            target: format!("org:{}/claim:{id}", org.id),
            detail: m::display_fen(c.amount.0),
        },
    )
    .await?;
    tx.commit().await?;
    st::claim(db, id)
        .await?
        .ok_or(AppError::Internal("claim vanished".into()))
}

pub async fn claims(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    page: Page,
) -> AppResult<(OrgRow, Vec<ClaimRow>)> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let rows = st::claims(db, org.id, page.size, page.offset()).await?;
    Ok((org, rows))
}

/// The treasurer (or leader) approves or rejects a claim; never their own; a rejection
/// carries a reason.
pub async fn decide_claim(
    db: &Db,
    actor: &Actor,
    claim_id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<ClaimRow> {
    let c = st::claim(db, claim_id)
        .await?
        .ok_or(AppError::NotFound("claim_not_found"))?;
    let (org, _) = bookkeeper_org(db, actor, c.org_id).await?;
    if c.claimant_id == actor.id() {
        return Err(AppError::Invalid("own_claim"));
    }
    let reason = reason.trim();
    if !approve && reason.is_empty() {
        return Err(AppError::Invalid("reason_required"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let to = if approve {
        ClaimStatus::Approved
    } else {
        ClaimStatus::Rejected
    };
    let mut tx = db.begin().await?;
    if !st::move_claim(
        &mut tx,
        c.id,
        ClaimStatus::Filed,
        to,
        actor.id(),
        reason,
        None,
    )
    .await?
    {
        return Err(AppError::Conflict("claim_already_decided"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: if approve {
                "claim.approve"
            } else {
                "claim.reject"
            },
            region_id: Some(org.region_id),
            target: format!("org:{}/claim:{}", org.id, c.id),
            detail: reason.into(),
        },
    )
    .await?;
    crate::notifications::notify(
        &mut tx,
        linli_domain::notifications::NoticeKind::Claim,
        [c.claimant_id],
        if approve {
            "notice.claim_approved"
        } else {
            "notice.claim_rejected"
        },
        &c.purpose,
        &format!("/orgs/{}/claims", org.id),
    )
    .await?;
    tx.commit().await?;
    st::claim(db, c.id)
        .await?
        .ok_or(AppError::Internal("claim vanished".into()))
}

/// Pays an approved claim from a money account: posts the expense with the claim's
/// voucher and marks the claim paid, in one transaction.
pub async fn pay_claim(
    db: &Db,
    actor: &Actor,
    claim_id: i64,
    from_account: &str,
) -> AppResult<ClaimRow> {
    let c = st::claim(db, claim_id)
        .await?
        .ok_or(AppError::NotFound("claim_not_found"))?;
    let (org, ledger) = bookkeeper_org(db, actor, c.org_id).await?;
    if c.claimant_id == actor.id() {
        return Err(AppError::Invalid("own_claim"));
    }
    if !m::is_money_account(from_account) {
        return Err(AppError::Invalid("unknown_account"));
    }
    if c.status == ClaimStatus::Paid {
        return Err(AppError::Conflict("claim_already_paid"));
    }
    if c.status != ClaimStatus::Approved {
        return Err(AppError::Conflict("claim_not_approved"));
    }
    let entries = Balanced::pair(&c.category, from_account, Fen(c.amount))?;
    follows_fund_rules(db, &org).await?;
    let memo = format!("报销 #{} {}: {}", c.id, c.claimant_name, c.purpose);
    let mut tx = db.begin().await?;
    st::lock(&mut tx, ledger.id).await?;
    // Payers queue on the ledger's lock; whoever comes after the first finds it paid.
    if st::claim(db, c.id)
        .await?
        .is_some_and(|now| now.status == ClaimStatus::Paid)
    {
        return Err(AppError::Conflict("claim_already_paid"));
    }
    ensure_funds(&mut tx, ledger.id, from_account, c.amount).await?;
    let txn = post(
        &mut tx,
        &Posting::new(ledger.id, "reimbursement", actor.id())
            .memo(memo)
            .balanced(&entries)
            .voucher(Some(c.voucher_id)),
    )
    .await?;
    if !st::move_claim(
        &mut tx,
        c.id,
        ClaimStatus::Approved,
        ClaimStatus::Paid,
        actor.id(),
        &c.reason,
        Some(txn.0),
    )
    .await?
    {
        return Err(AppError::Conflict("claim_not_approved"));
    }
    tx.commit().await?;
    st::claim(db, c.id)
        .await?
        .ok_or(AppError::Internal("claim vanished".into()))
}

// ---- donations -----------------------------------------------------------------------

/// A donation as recorded by the treasurer: money (posted to the ledger), goods (kept
/// for the charity shop) or time (volunteer hours pledged).
pub struct NewDonation<'a> {
    pub kind: &'a str,
    pub donor_name: &'a str,
    pub anonymous: bool,
    pub amount: Option<Fen>,
    pub into_account: &'a str,
    pub goods: &'a str,
    pub quantity: i64,
    pub hours: i64,
}

pub async fn record_donation(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    d: NewDonation<'_>,
) -> AppResult<DonationRow> {
    let (org, ledger) = bookkeeper_org(db, actor, org_id).await?;
    let donor = bounded_text(d.donor_name, 60, DomainError::InvalidName)?;
    let receipt_no = format!(
        "{}-{}",
        linli_store::clock::today().as_str().replace('-', ""),
        &crate::tokens::random_token()[..8].to_uppercase()
    );
    let mut tx = db.begin().await?;
    let (amount, goods, quantity, hours, txn) = match d.kind {
        "money" => {
            let amount = d.amount.ok_or(AppError::Invalid("invalid_amount"))?;
            if !m::is_money_account(d.into_account) {
                return Err(AppError::Invalid("unknown_account"));
            }
            let entries = Balanced::pair(d.into_account, "income_donations", amount)?;
            let shown = if d.anonymous {
                "匿名".to_string()
            } else {
                donor.clone()
            };
            let memo = format!("捐赠 {receipt_no} {shown}");
            let txn = post(
                &mut tx,
                &Posting::new(ledger.id, "donation", actor.id())
                    .memo(memo)
                    .balanced(&entries),
            )
            .await?;
            (amount.0, String::new(), 0, 0, Some(txn.0))
        }
        "goods" => {
            let goods = bounded_text(d.goods, 200, DomainError::InvalidName)
                .map_err(|_| AppError::Invalid("goods_required"))?;
            if !(1..=100_000).contains(&d.quantity) {
                return Err(AppError::Invalid("invalid_quantity"));
            }
            (0, goods, d.quantity, 0, None)
        }
        "time" => {
            if !(1..=10_000).contains(&d.hours) {
                return Err(AppError::Invalid("invalid_hours"));
            }
            (0, String::new(), 0, d.hours, None)
        }
        _ => return Err(AppError::Invalid("unknown_donation_kind")),
    };
    let id = st::insert_donation(
        &mut tx,
        st::NewDonation {
            org_id: org.id,
            region_id: org.region_id,
            kind: d.kind,
            donor_name: &donor,
            anonymous: d.anonymous,
            amount,
            goods: &goods,
            quantity,
            hours,
            receipt_no: &receipt_no,
            txn_id: txn,
            recorded_by: actor.id(),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "donation.record",
            region_id: Some(org.region_id),
            target: format!("org:{}/donation:{id}", org.id),
            detail: format!("{} {receipt_no}", d.kind),
        },
    )
    .await?;
    tx.commit().await?;
    st::donation(db, id)
        .await?
        .ok_or(AppError::Internal("donation vanished".into()))
}

/// Donations for the public list: anonymous donors' names are hidden from everyone but
/// the organization's bookkeepers.
pub async fn donations(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    page: Page,
) -> AppResult<(OrgRow, Vec<DonationRow>)> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let books = keeps_books(db, actor, &org).await?;
    let mut rows = st::donations(db, org.id, page.size, page.offset()).await?;
    if !books {
        for d in rows.iter_mut().filter(|d| d.anonymous) {
            d.donor_name = "匿名".into();
        }
    }
    Ok((org, rows))
}

/// A donation's receipt, for the organization's bookkeepers.
pub async fn donation_receipt(db: &Db, actor: &Actor, id: i64) -> AppResult<(OrgRow, DonationRow)> {
    let d = st::donation(db, id)
        .await?
        .ok_or(AppError::NotFound("donation_not_found"))?;
    let org = crate::organizations::get(db, actor, d.org_id).await?;
    if !keeps_books(db, actor, &org).await? {
        return Err(AppError::Forbidden);
    }
    Ok((org, d))
}

/// Cash + bank + WeChat/Alipay of an organization (for its page).
pub async fn money_balance(db: &Db, org: &OrgRow) -> AppResult<i64> {
    let ledger = ensure_ledger(db, org).await?;
    Ok(st::accounts(db, ledger.id)
        .await?
        .iter()
        .filter(|a| m::is_money_account(&a.code))
        .map(|a| a.balance)
        .sum())
}
