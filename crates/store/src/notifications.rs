//! In-app notifications, stored as a catalogue key and its argument so each reader sees
//! them in their own language.

use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    /// What it is about (issue, action, vote_opened, vote_closing, waitlist, claim).
    pub kind: String,
    pub msg_key: String,
    pub arg: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Sends one notification of `kind` to each of `users` (duplicates removed by the caller)
/// who has not muted that kind, in one multi-row insert per 500 users.
pub async fn insert_many(
    tx: &mut Tx,
    users: &[i64],
    kind: &str,
    msg_key: &str,
    arg: &str,
    link: &str,
    at: i64,
) -> StoreResult<()> {
    for chunk in users.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new("WITH v(user_id) AS (");
            qb.push_values(chunk, |mut b, u| {
                b.push_bind(*u);
            });
            qb.push(") INSERT INTO notifications (user_id, kind, msg_key, arg, link, created_at) SELECT v.user_id, ")
                .push_bind(kind).push(", ").push_bind(msg_key).push(", ").push_bind(arg).push(", ")
                .push_bind(link).push(", ").push_bind(at)
                .push(" FROM v WHERE NOT EXISTS (SELECT 1 FROM notification_mutes m \
                       WHERE m.user_id = v.user_id AND m.kind = ")
                .push_bind(kind).push(")");
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// The kinds `user_id` has muted.
pub async fn muted(db: &Db, user_id: i64) -> StoreResult<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT kind FROM notification_mutes WHERE user_id = $1 ORDER BY kind")
        .bind(user_id).fetch_all(p).await)
}

/// Replaces the kinds `user_id` has muted.
pub async fn set_muted(tx: &mut Tx, user_id: i64, kinds: &[&str]) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM notification_mutes WHERE user_id = $1")
        .bind(user_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if kinds.is_empty() {
        return Ok(());
    }
    on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new("INSERT INTO notification_mutes (user_id, kind) ");
        qb.push_values(kinds, |mut b, k| {
            b.push_bind(user_id).push_bind(*k);
        });
        qb.build().execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn of_user(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<NotificationRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, kind, msg_key, arg, link, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY id DESC LIMIT $2 OFFSET $3")
        .bind(user_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn unread_count(db: &Db, user_id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id).fetch_one(p).await)
}

pub async fn mark_all_read(db: &Db, user_id: i64, at: i64) -> StoreResult<u64> {
    on_db!(db, p => sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id).bind(at).execute(p).await.map(|r| r.rows_affected()))
}
