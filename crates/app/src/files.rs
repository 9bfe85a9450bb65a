//! The files kernel: every area stores its uploads here — receipts (vouchers), photos
//! of issues, posts and life meetings, scanned letters — through one check
//! (`linli_domain::files::check`: 5 MB, five types sniffed by their first bytes), one
//! filename cleaner and one table. A file is written inside the caller's transaction
//! (a refused change leaves no orphan) and read only by those who may read what it is
//! attached to.

use crate::{Actor, AppError, AppResult};
use linli_domain::files as d;
use linli_store::files::{self as st, Attachment, NewFile};
use linli_store::money::LedgerRow;
use linli_store::{Db, Tx};

pub use linli_domain::files::{MAX_BYTES, Purpose};
pub use linli_store::files::FileRow;

/// A file as uploaded, still unchecked.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub filename: &'a str,
    pub mime: &'a str,
    pub data: &'a [u8],
}

/// The one check, with the purpose's error code (`voucher_type`, `photo_too_large`, …).
/// Call it before opening a transaction to refuse early; `store_file` checks again.
pub fn check(purpose: Purpose, mime: &str, data: &[u8]) -> AppResult<()> {
    d::check(purpose, mime, data).map_err(|e| AppError::Invalid(e.code(purpose)))
}

/// Checks and stores a file that is not a voucher (a photo, a letter) on a region node,
/// in the caller's transaction; returns its id for the area to link.
pub async fn store_file(
    tx: &mut Tx,
    uploaded_by: i64,
    purpose: Purpose,
    region_id: i64,
    filename: &str,
    mime: &str,
    data: &[u8],
) -> AppResult<i64> {
    if purpose == Purpose::Voucher {
        return Err(AppError::Internal(
            "a voucher belongs to a ledger: use store_voucher".into(),
        ));
    }
    insert(
        tx,
        uploaded_by,
        purpose,
        region_id,
        None,
        filename,
        mime,
        data,
    )
    .await
}

/// Checks and stores a receipt of a ledger (on the ledger's node), in the caller's
/// transaction. The chain check (`money::verify`) compares it with its digest.
pub async fn store_voucher(
    tx: &mut Tx,
    uploaded_by: i64,
    ledger: &LedgerRow,
    up: Upload<'_>,
) -> AppResult<i64> {
    insert(
        tx,
        uploaded_by,
        Purpose::Voucher,
        ledger.region_id,
        Some(ledger.id),
        up.filename,
        up.mime,
        up.data,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    tx: &mut Tx,
    uploaded_by: i64,
    purpose: Purpose,
    region_id: i64,
    ledger_id: Option<i64>,
    filename: &str,
    mime: &str,
    data: &[u8],
) -> AppResult<i64> {
    check(purpose, mime, data)?;
    let name = d::clean_filename(filename);
    Ok(st::insert(
        tx,
        NewFile {
            purpose: purpose.as_str(),
            region_id,
            ledger_id,
            filename: &name,
            mime,
            data,
            uploaded_by,
        },
    )
    .await?)
}

/// Whether file `id` is a voucher of `ledger_id` (a receipt uploaded first, given by id).
pub async fn is_voucher_of(tx: &mut Tx, id: i64, ledger_id: i64) -> AppResult<bool> {
    Ok(matches!(
        st::head(tx, id).await?,
        Some((p, Some(l))) if p == Purpose::Voucher.as_str() && l == ledger_id
    ))
}

/// Makes an unused voucher of `ledger_id` a photo (the API's two-step way to share a
/// life-meeting photo: upload to the organization, then give the id).
pub async fn adopt_as_photo(tx: &mut Tx, id: i64, ledger_id: i64) -> AppResult<()> {
    if st::make_photo(tx, id, ledger_id).await? {
        Ok(())
    } else {
        Err(AppError::Invalid("voucher_not_found"))
    }
}

fn not_found(f: &FileRow) -> AppError {
    AppError::NotFound(match Purpose::parse(&f.purpose) {
        Some(Purpose::Voucher) => "voucher_not_found",
        Some(Purpose::Photo) => "photo_not_found",
        _ => "file_not_found",
    })
}

/// A file, for those who may read what it is attached to: a voucher for those who read
/// its organization (transparency), a photo for the readers of its issue or its life
/// meeting. Scanned proxy letters are never served (they name owners and their units).
pub async fn read(db: &Db, actor: &Actor, id: i64) -> AppResult<FileRow> {
    let f = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("file_not_found"))?;
    match st::attachment(db, &f).await? {
        Attachment::Ledger { org_id } => {
            crate::organizations::get(db, actor, org_id).await?;
        }
        Attachment::Issue { issue_id } => {
            crate::deliberation::issues::issue(db, actor, issue_id).await?;
        }
        Attachment::Meeting { meeting_id } => {
            crate::clubs::meeting(db, actor, meeting_id).await?;
        }
        Attachment::Proxy { .. } | Attachment::Nothing => return Err(not_found(&f)),
    }
    Ok(f)
}

/// A file only if it is a photo of this issue, for the issue's readers (served under
/// the issue's URL).
pub async fn issue_photo(db: &Db, actor: &Actor, issue_id: i64, id: i64) -> AppResult<FileRow> {
    crate::deliberation::issues::issue(db, actor, issue_id).await?;
    if !linli_store::deliberation::issues::is_photo_of(db, issue_id, id).await? {
        return Err(AppError::NotFound("photo_not_found"));
    }
    st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("photo_not_found"))
}
