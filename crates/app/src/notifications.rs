//! In-app notifications, a platform service any area emits to. Stored as a catalogue key
//! and its argument so each reader sees them in their own language; sent inside the
//! transaction of the change they report (or by a job, for a whole electorate), and only
//! to users who have not muted the kind.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::notifications::NoticeKind;
use linli_store::clock::now_ms;
use linli_store::notifications::{self as st, NotificationRow};
use linli_store::{Db, Tx};

/// Notifies each of `users` once (duplicates dropped) with catalogue key `msg_key`,
/// unless they muted `kind`.
pub async fn notify(
    tx: &mut Tx,
    kind: NoticeKind,
    users: impl IntoIterator<Item = i64>,
    msg_key: &str,
    arg: &str,
    link: &str,
) -> AppResult<()> {
    let users: std::collections::BTreeSet<i64> = users.into_iter().collect();
    let users: Vec<i64> = users.into_iter().collect();
    st::insert_many(tx, &users, kind.as_str(), msg_key, arg, link, now_ms()).await?;
    Ok(())
}

/// The caller's notifications, newest first, and how many are unread.
pub async fn mine(db: &Db, actor: &Actor, page: Page) -> AppResult<(Vec<NotificationRow>, i64)> {
    let rows = st::of_user(db, actor.id(), page.size, page.offset()).await?;
    let unread = st::unread_count(db, actor.id()).await?;
    Ok((rows, unread))
}

/// How many of the caller's notifications are unread (the header's badge).
pub async fn unread(db: &Db, actor: &Actor) -> AppResult<i64> {
    Ok(st::unread_count(db, actor.id()).await?)
}

pub async fn mark_all_read(db: &Db, actor: &Actor) -> AppResult<()> {
    st::mark_all_read(db, actor.id(), now_ms()).await?;
    Ok(())
}

/// One kind and whether the caller receives it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct KindSetting {
    /// issue | action | vote_opened | vote_closing | waitlist | claim
    pub kind: String,
    pub enabled: bool,
}

/// Every kind, with whether the caller receives it.
pub async fn settings(db: &Db, actor: &Actor) -> AppResult<Vec<KindSetting>> {
    let muted = st::muted(db, actor.id()).await?;
    Ok(NoticeKind::ALL
        .iter()
        .map(|k| KindSetting {
            kind: k.as_str().into(),
            enabled: !muted.iter().any(|m| m == k.as_str()),
        })
        .collect())
}

/// Sets which kinds the caller receives: every kind named in `enabled` is on, every other
/// kind muted. An unknown kind is refused and nothing changes.
pub async fn set_enabled(db: &Db, actor: &Actor, enabled: &[String]) -> AppResult<()> {
    for e in enabled {
        if NoticeKind::parse(e).is_none() {
            return Err(AppError::Invalid("notice_unknown_kind"));
        }
    }
    let muted: Vec<&str> = NoticeKind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !enabled.iter().any(|e| e == k))
        .collect();
    let mut tx = db.begin().await?;
    st::set_muted(&mut tx, actor.id(), &muted).await?;
    tx.commit().await?;
    Ok(())
}
