//! In-app notifications, stored as a catalogue key and its argument so each reader sees
//! them in their own language. Sent inside the transaction of the change they report.

use crate::{Actor, AppResult, Page};
use linli_store::clock::now_ms;
use linli_store::deliberation::notifications::{self as st, NotificationRow};
use linli_store::{Db, Tx};

/// Notifies each of `users` once (duplicates dropped) with catalogue key `msg_key`.
pub async fn notify(
    tx: &mut Tx,
    users: impl IntoIterator<Item = i64>,
    msg_key: &str,
    arg: &str,
    link: &str,
) -> AppResult<()> {
    let users: std::collections::BTreeSet<i64> = users.into_iter().collect();
    let users: Vec<i64> = users.into_iter().collect();
    st::insert_many(tx, &users, msg_key, arg, link, now_ms()).await?;
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
