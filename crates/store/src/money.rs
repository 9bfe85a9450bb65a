//! Ledgers, accounts, append-only hash-chained transactions, reimbursement
//! claims and donations (vouchers are rows of `files`, see `crate::files`). Postings serialize per ledger on the ledger row: `lock` is a
//! no-op update that takes the row lock on PostgreSQL (SQLite's `BEGIN IMMEDIATE`
//! already serializes writers), so the sequence, the chain head and the balances never
//! interleave.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::money::{CHART, ChainLink};
use sqlx::QueryBuilder;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub id: i64,
    pub org_id: i64,
    pub region_id: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub closed_through: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AccountRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    /// Sum of entries, debit positive.
    pub balance: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct TxnRow {
    pub id: i64,
    pub ledger_id: i64,
    pub seq: i64,
    pub occurred_on: String,
    pub kind: String,
    pub memo: String,
    pub reverses_id: Option<i64>,
    pub voucher_id: Option<i64>,
    /// The receipt's type, so a page shows a picture inline and links anything else.
    pub voucher_mime: Option<String>,
    pub created_by: i64,
    pub created_by_name: String,
    pub posted_at: i64,
    pub prev_hash: String,
    pub hash: String,
    pub reversed: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EntryRow {
    pub txn_id: i64,
    pub account: String,
    pub amount: i64,
}

const LEDGER_COLS: &str = "id, org_id, region_id, head_seq, head_hash, closed_through";

pub async fn ledger_of_org(db: &Db, org_id: i64) -> StoreResult<Option<LedgerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LEDGER_COLS} FROM ledgers WHERE org_id = $1")))
        .bind(org_id).fetch_optional(p).await)
}

/// Creates an organization's ledger with the standard chart of accounts.
pub async fn create_ledger(tx: &mut Tx, org_id: i64, region_id: i64) -> StoreResult<i64> {
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO ledgers (org_id, region_id, head_seq, head_hash, created_at) VALUES ($1, $2, 0, '', $3) RETURNING id")
        .bind(org_id).bind(region_id).bind(now_ms()).fetch_one(c).await)?;
    on_tx!(tx, c => {
        let mut qb = QueryBuilder::new("INSERT INTO ledger_accounts (ledger_id, code, kind, balance) ");
        qb.push_values(CHART, |mut b, (code, kind)| {
            b.push_bind(id).push_bind(*code).push_bind(kind.as_str()).push_bind(0i64);
        });
        qb.build().execute(&mut *c).await?;
    });
    Ok(id)
}

/// Takes the ledger's row lock for the rest of the transaction and reads its head.
pub async fn lock(tx: &mut Tx, ledger_id: i64) -> StoreResult<LedgerRow> {
    on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE ledgers SET head_seq = head_seq WHERE id = $1 RETURNING {LEDGER_COLS}")))
        .bind(ledger_id).fetch_one(c).await)
}

pub async fn accounts(db: &Db, ledger_id: i64) -> StoreResult<Vec<AccountRow>> {
    on_db!(db, p => sqlx::query_as("SELECT id, code, kind, balance FROM ledger_accounts WHERE ledger_id = $1 ORDER BY id")
        .bind(ledger_id).fetch_all(p).await)
}

async fn accounts_tx(tx: &mut Tx, ledger_id: i64) -> StoreResult<Vec<AccountRow>> {
    on_tx!(tx, c => sqlx::query_as("SELECT id, code, kind, balance FROM ledger_accounts WHERE ledger_id = $1 ORDER BY id")
        .bind(ledger_id).fetch_all(c).await)
}

/// A transaction to append.
pub struct NewTxn<'a> {
    pub occurred_on: &'a str,
    pub kind: &'a str,
    pub memo: &'a str,
    pub reverses_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub created_by: i64,
    /// (account code, amount) — already balanced by the domain.
    pub entries: &'a [(String, i64)],
}

/// Appends a transaction to a locked ledger: next sequence number, hash chained to the
/// head, entries, balances and the new head, all in the caller's transaction.
pub async fn append(tx: &mut Tx, ledger: &LedgerRow, t: NewTxn<'_>) -> StoreResult<i64> {
    let seq = ledger.head_seq + 1;
    let posted_at = now_ms();
    let voucher_digest: Option<String> = match t.voucher_id {
        Some(v) => on_tx!(tx, c => sqlx::query_scalar("SELECT digest FROM files WHERE id = $1")
            .bind(v).fetch_optional(c).await)?,
        None => None,
    };
    let hash = ChainLink {
        prev_hash: &ledger.head_hash,
        ledger_id: ledger.id,
        seq,
        occurred_on: t.occurred_on,
        kind: t.kind,
        memo: t.memo,
        reverses_id: t.reverses_id,
        voucher_id: t.voucher_id,
        voucher_digest: voucher_digest.as_deref(),
        created_by: t.created_by,
        posted_at,
        entries: t.entries,
    }
    .hash();
    let accounts = accounts_tx(tx, ledger.id).await?;
    let id_of = |code: &str| accounts.iter().find(|a| a.code == code).map(|a| a.id);
    let mut lines = Vec::with_capacity(t.entries.len());
    for (code, amount) in t.entries {
        let id = id_of(code).ok_or_else(|| sqlx::Error::Protocol(format!("no account {code}")))?;
        lines.push((id, *amount));
    }
    let txn_id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO ledger_txns (ledger_id, seq, occurred_on, kind, memo, reverses_id, voucher_id, created_by, posted_at, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .bind(ledger.id).bind(seq).bind(t.occurred_on).bind(t.kind).bind(t.memo).bind(t.reverses_id)
        .bind(t.voucher_id).bind(t.created_by).bind(posted_at).bind(&ledger.head_hash).bind(&hash)
        .fetch_one(c).await)?;
    on_tx!(tx, c => {
        let mut qb = QueryBuilder::new("INSERT INTO ledger_entries (txn_id, ledger_id, account_id, amount, occurred_on) ");
        qb.push_values(&lines, |mut b, (account_id, amount)| {
            b.push_bind(txn_id).push_bind(ledger.id).push_bind(*account_id).push_bind(*amount).push_bind(t.occurred_on);
        });
        qb.build().execute(&mut *c).await?;
        for (account_id, amount) in &lines {
            sqlx::query("UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2")
                .bind(*amount).bind(*account_id).execute(&mut *c).await?;
        }
        sqlx::query("UPDATE ledgers SET head_seq = $1, head_hash = $2 WHERE id = $3")
            .bind(seq).bind(&hash).bind(ledger.id).execute(&mut *c).await?;
    });
    Ok(txn_id)
}

pub async fn set_closed_through(tx: &mut Tx, ledger_id: i64, day: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE ledgers SET closed_through = $1 WHERE id = $2")
        .bind(day).bind(ledger_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

const TXN_SELECT: &str = "SELECT t.id, t.ledger_id, t.seq, t.occurred_on, t.kind, t.memo, t.reverses_id, \
    t.voucher_id, f.mime AS voucher_mime, t.created_by, u.display_name AS created_by_name, t.posted_at, \
    t.prev_hash, t.hash, EXISTS (SELECT 1 FROM ledger_txns r WHERE r.reverses_id = t.id) AS reversed \
    FROM ledger_txns t JOIN users u ON u.id = t.created_by LEFT JOIN files f ON f.id = t.voucher_id";

pub async fn txn(db: &Db, id: i64) -> StoreResult<Option<TxnRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{TXN_SELECT} WHERE t.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Transactions newest first, a page at a time.
pub async fn txns(db: &Db, ledger_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<TxnRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TXN_SELECT} WHERE t.ledger_id = $1 ORDER BY t.seq DESC LIMIT $2 OFFSET $3")))
        .bind(ledger_id).bind(limit).bind(offset).fetch_all(p).await)
}

/// Entries of the given transactions (one query for a whole page).
pub async fn entries_of(db: &Db, txn_ids: &[i64]) -> StoreResult<Vec<EntryRow>> {
    if txn_ids.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT e.txn_id, a.code AS account, e.amount FROM ledger_entries e \
             JOIN ledger_accounts a ON a.id = e.account_id WHERE e.txn_id IN (");
        let mut sep = qb.separated(", ");
        for id in txn_ids {
            sep.push_bind(*id);
        }
        qb.push(") ORDER BY e.txn_id, e.id");
        qb.build_query_as().fetch_all(p).await
    })
}

/// Sum of entries per account between two dates `[from, to)` (either bound optional).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AccountSum {
    pub code: String,
    pub kind: String,
    pub total: i64,
}

pub async fn sums(db: &Db, ledger_id: i64, from: &str, to: &str) -> StoreResult<Vec<AccountSum>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT a.code, a.kind, CAST(SUM(e.amount) AS BIGINT) AS total FROM ledger_entries e \
         JOIN ledger_accounts a ON a.id = e.account_id \
         WHERE e.ledger_id = $1 AND e.occurred_on >= $2 AND e.occurred_on < $3 \
         GROUP BY a.code, a.kind ORDER BY a.code")
        .bind(ledger_id).bind(from).bind(to).fetch_all(p).await)
}

/// One stored transaction, as the chain check reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainRow {
    pub id: i64,
    pub seq: i64,
    pub occurred_on: String,
    pub kind: String,
    pub memo: String,
    pub reverses_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub voucher_digest: Option<String>,
    pub created_by: i64,
    pub posted_at: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// One stored entry with the copies the statements read (its own ledger and date, its
/// account's ledger and kind), so the check can compare them with the hashed originals.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainEntry {
    pub txn_id: i64,
    pub account: String,
    pub amount: i64,
    pub entry_ledger: i64,
    pub entry_on: String,
    pub account_ledger: i64,
    pub account_kind: String,
}

/// Transactions with `seq` in `(after, after + limit]`, in order (the check pages
/// through long ledgers instead of loading them whole).
pub async fn chain_page(
    tx: &mut Tx,
    ledger_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<ChainRow>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT t.id, t.seq, t.occurred_on, t.kind, t.memo, t.reverses_id, t.voucher_id, v.digest AS voucher_digest, \
         t.created_by, t.posted_at, t.prev_hash, t.hash \
         FROM ledger_txns t LEFT JOIN files v ON v.id = t.voucher_id \
         WHERE t.ledger_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3")
        .bind(ledger_id).bind(after).bind(limit).fetch_all(c).await)
}

/// Entries of the ledger's transactions with `seq` in `(after, upto]`, ordered as stored.
pub async fn chain_entries(
    tx: &mut Tx,
    ledger_id: i64,
    after: i64,
    upto: i64,
) -> StoreResult<Vec<ChainEntry>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT e.txn_id, a.code AS account, e.amount, e.ledger_id AS entry_ledger, e.occurred_on AS entry_on, \
         a.ledger_id AS account_ledger, a.kind AS account_kind FROM ledger_entries e \
         JOIN ledger_accounts a ON a.id = e.account_id JOIN ledger_txns t ON t.id = e.txn_id \
         WHERE t.ledger_id = $1 AND t.seq > $2 AND t.seq <= $3 ORDER BY e.txn_id, e.id")
        .bind(ledger_id).bind(after).bind(upto).fetch_all(c).await)
}

/// Entries that claim this ledger but belong to another ledger's transaction (moved rows).
pub async fn stray_entries(tx: &mut Tx, ledger_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id \
         WHERE e.ledger_id = $1 AND t.ledger_id <> $1")
        .bind(ledger_id).fetch_one(c).await)
}

/// Sum of all entries per account, to compare with the stored balances.
pub async fn recomputed_balances(tx: &mut Tx, ledger_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT a.id, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM ledger_accounts a \
         LEFT JOIN ledger_entries e ON e.account_id = a.id WHERE a.ledger_id = $1 GROUP BY a.id ORDER BY a.id")
        .bind(ledger_id).fetch_all(c).await)
}

pub async fn accounts_in(tx: &mut Tx, ledger_id: i64) -> StoreResult<Vec<AccountRow>> {
    accounts_tx(tx, ledger_id).await
}

pub async fn ledger_in(tx: &mut Tx, id: i64) -> StoreResult<Option<LedgerRow>> {
    on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LEDGER_COLS} FROM ledgers WHERE id = $1")))
        .bind(id).fetch_optional(c).await)
}

/// The balance (debit positive) of one account of a locked ledger.
pub async fn balance_of(tx: &mut Tx, ledger_id: i64, code: &str) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE ledger_id = $1 AND code = $2")
        .bind(ledger_id).bind(code).fetch_one(c).await)
}

/// Whether a voucher already backs a transaction.
pub async fn voucher_used(tx: &mut Tx, voucher_id: i64) -> StoreResult<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM ledger_txns WHERE voucher_id = $1")
        .bind(voucher_id).fetch_one(c).await)?;
    Ok(n > 0)
}

pub async fn all_ledger_ids(db: &Db) -> StoreResult<Vec<i64>> {
    on_db!(db, p => sqlx::query_scalar("SELECT id FROM ledgers ORDER BY id").fetch_all(p).await)
}

// ---- reimbursement claims ------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ClaimRow {
    pub id: i64,
    pub org_id: i64,
    pub claimant_id: i64,
    pub claimant_name: String,
    pub amount: i64,
    pub category: String,
    pub purpose: String,
    pub spent_on: String,
    pub voucher_id: i64,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::money::ClaimStatus,
    pub decided_by: Option<i64>,
    pub reason: String,
    pub txn_id: Option<i64>,
    pub created_at: i64,
}

const CLAIM_SELECT: &str = "SELECT c.id, c.org_id, c.claimant_id, u.display_name AS claimant_name, c.amount, \
    c.category, c.purpose, c.spent_on, c.voucher_id, c.status, c.decided_by, c.reason, c.txn_id, c.created_at \
    FROM reimbursements c JOIN users u ON u.id = c.claimant_id";

pub struct NewClaim<'a> {
    pub org_id: i64,
    pub region_id: i64,
    pub claimant_id: i64,
    pub amount: i64,
    pub category: &'a str,
    pub purpose: &'a str,
    pub spent_on: &'a str,
    pub voucher_id: i64,
}

pub async fn insert_claim(tx: &mut Tx, c: NewClaim<'_>) -> StoreResult<i64> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO reimbursements (org_id, region_id, claimant_id, amount, category, purpose, spent_on, voucher_id, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'filed', $9) RETURNING id")
        .bind(c.org_id).bind(c.region_id).bind(c.claimant_id).bind(c.amount).bind(c.category).bind(c.purpose)
        .bind(c.spent_on).bind(c.voucher_id).bind(now_ms()).fetch_one(conn).await)
}

pub async fn claim(db: &Db, id: i64) -> StoreResult<Option<ClaimRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{CLAIM_SELECT} WHERE c.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn claims(db: &Db, org_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<ClaimRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CLAIM_SELECT} WHERE c.org_id = $1 ORDER BY c.id DESC LIMIT $2 OFFSET $3")))
        .bind(org_id).bind(limit).bind(offset).fetch_all(p).await)
}

/// Moves a claim from `from` to `to`; false if it was no longer in `from` (someone else
/// decided first).
pub async fn move_claim(
    tx: &mut Tx,
    id: i64,
    from: linli_domain::money::ClaimStatus,
    to: linli_domain::money::ClaimStatus,
    by: i64,
    reason: &str,
    txn_id: Option<i64>,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE reimbursements SET status = $1, decided_by = $2, reason = $3, txn_id = COALESCE($4, txn_id), decided_at = $5 \
         WHERE id = $6 AND status = $7")
        .bind(to.as_str()).bind(by).bind(reason).bind(txn_id).bind(now_ms()).bind(id).bind(from.as_str())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- donations -----------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct DonationRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub donor_name: String,
    pub anonymous: bool,
    pub amount: i64,
    pub goods: String,
    pub quantity: i64,
    pub hours: i64,
    pub receipt_no: String,
    pub txn_id: Option<i64>,
    pub created_at: i64,
}

pub struct NewDonation<'a> {
    pub org_id: i64,
    pub region_id: i64,
    pub kind: &'a str,
    pub donor_name: &'a str,
    pub anonymous: bool,
    pub amount: i64,
    pub goods: &'a str,
    pub quantity: i64,
    pub hours: i64,
    pub receipt_no: &'a str,
    pub txn_id: Option<i64>,
    pub recorded_by: i64,
}

const DONATION_COLS: &str = "id, org_id, kind, donor_name, anonymous, amount, goods, quantity, hours, receipt_no, txn_id, created_at";

pub async fn insert_donation(tx: &mut Tx, d: NewDonation<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO donations (org_id, region_id, kind, donor_name, anonymous, amount, goods, quantity, hours, receipt_no, txn_id, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
        .bind(d.org_id).bind(d.region_id).bind(d.kind).bind(d.donor_name).bind(d.anonymous).bind(d.amount)
        .bind(d.goods).bind(d.quantity).bind(d.hours).bind(d.receipt_no).bind(d.txn_id).bind(d.recorded_by)
        .bind(now_ms()).fetch_one(c).await)
}

pub async fn donation(db: &Db, id: i64) -> StoreResult<Option<DonationRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DONATION_COLS} FROM donations WHERE id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn donations(
    db: &Db,
    org_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<DonationRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DONATION_COLS} FROM donations WHERE org_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3")))
        .bind(org_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn ledger_by_id(db: &Db, id: i64) -> StoreResult<Option<LedgerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LEDGER_COLS} FROM ledgers WHERE id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn ledger_org(db: &Db, ledger_id: i64) -> StoreResult<Option<i64>> {
    on_db!(db, p => sqlx::query_scalar("SELECT org_id FROM ledgers WHERE id = $1")
        .bind(ledger_id).fetch_optional(p).await)
}
