//! Every stored file (vouchers, photos, scanned letters) is one row of `files`, written
//! in the caller's transaction so a refused change leaves no orphan. What a file is
//! attached to lives in the area's own table (`ledger_txns.voucher_id`, `issue_files`,
//! `life_meeting_shares.photo_id`, `proxies`); `attachment` finds it for the read check.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};

/// A file as stored, to serve.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub purpose: String,
    pub region_id: i64,
    /// The ledger a voucher belongs to; `None` for other purposes.
    pub ledger_id: Option<i64>,
    pub filename: String,
    pub mime: String,
    pub data: Vec<u8>,
}

/// A file to store, already checked and its name cleaned (`app::files` does both).
pub struct NewFile<'a> {
    pub purpose: &'a str,
    pub region_id: i64,
    pub ledger_id: Option<i64>,
    pub filename: &'a str,
    pub mime: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: i64,
}

pub async fn insert(tx: &mut Tx, f: NewFile<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO files (purpose, region_id, ledger_id, filename, mime, size, digest, data, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
        .bind(f.purpose).bind(f.region_id).bind(f.ledger_id).bind(f.filename).bind(f.mime)
        .bind(f.data.len() as i64).bind(linli_domain::money::digest(f.data)).bind(f.data)
        .bind(f.uploaded_by).bind(now_ms()).fetch_one(c).await)
}

const COLS: &str = "id, purpose, region_id, ledger_id, filename, mime, data";

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<FileRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM files WHERE id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Purpose and ledger of a file, without its bytes.
pub async fn head(tx: &mut Tx, id: i64) -> StoreResult<Option<(String, Option<i64>)>> {
    on_tx!(tx, c => sqlx::query_as("SELECT purpose, ledger_id FROM files WHERE id = $1")
        .bind(id).fetch_optional(c).await)
}

/// What a file hangs on, for deciding who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// A voucher of this ledger's organization.
    Ledger { org_id: i64 },
    /// A photo of this issue (or of one of its posts).
    Issue { issue_id: i64 },
    /// A photo shared at this life meeting.
    Meeting { meeting_id: i64 },
    /// A scanned proxy letter of this vote.
    Proxy { vote_id: i64 },
    /// Nothing (yet): an uploaded voucher with no ledger cannot happen, so a file here
    /// is never served.
    Nothing,
}

pub async fn attachment(db: &Db, file: &FileRow) -> StoreResult<Attachment> {
    if let Some(ledger) = file.ledger_id {
        let org: Option<i64> = on_db!(db, p => sqlx::query_scalar("SELECT org_id FROM ledgers WHERE id = $1")
            .bind(ledger).fetch_optional(p).await)?;
        return Ok(org.map_or(Attachment::Nothing, |org_id| Attachment::Ledger { org_id }));
    }
    let issue: Option<i64> = on_db!(db, p => sqlx::query_scalar(
        "SELECT issue_id FROM issue_files WHERE file_id = $1 ORDER BY id LIMIT 1")
        .bind(file.id).fetch_optional(p).await)?;
    if let Some(issue_id) = issue {
        return Ok(Attachment::Issue { issue_id });
    }
    let meeting: Option<i64> = on_db!(db, p => sqlx::query_scalar(
        "SELECT meeting_id FROM life_meeting_shares WHERE photo_id = $1 ORDER BY id LIMIT 1")
        .bind(file.id).fetch_optional(p).await)?;
    if let Some(meeting_id) = meeting {
        return Ok(Attachment::Meeting { meeting_id });
    }
    let vote: Option<i64> = on_db!(db, p => sqlx::query_scalar(
        "SELECT vote_id FROM proxies WHERE file_id = $1 ORDER BY id LIMIT 1")
        .bind(file.id).fetch_optional(p).await)?;
    Ok(vote.map_or(Attachment::Nothing, |vote_id| Attachment::Proxy { vote_id }))
}

/// Vouchers of a ledger with id above `after`, a few at a time (files are large): the
/// chain check compares each with its recorded digest.
pub async fn voucher_page(
    tx: &mut Tx,
    ledger_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String, Vec<u8>)>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT id, digest, data FROM files WHERE ledger_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(ledger_id).bind(after).bind(limit).fetch_all(c).await)
}

/// Whether a file already backs something as a receipt: a posting, a claim, an
/// activity cost or a grant report.
pub async fn used_as_voucher(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ledger_txns WHERE voucher_id = $1) \
         OR EXISTS (SELECT 1 FROM reimbursements WHERE voucher_id = $1) \
         OR EXISTS (SELECT 1 FROM activity_costs WHERE voucher_id = $1) \
         OR EXISTS (SELECT 1 FROM grant_events WHERE voucher_id = $1)")
        .bind(id).fetch_one(c).await)
}

/// Turns an unused voucher into a photo (the API uploads a life-meeting photo through
/// the organization's voucher upload, then shares it): it leaves the ledger, so it can
/// no longer back a posting. False if it is not an unused voucher of `ledger_id`.
pub async fn make_photo(tx: &mut Tx, id: i64, ledger_id: i64) -> StoreResult<bool> {
    if used_as_voucher(tx, id).await? {
        return Ok(false);
    }
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE files SET purpose = 'photo', ledger_id = NULL WHERE id = $1 AND purpose = 'voucher' AND ledger_id = $2")
        .bind(id).bind(ledger_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
