//! In-app notifications, stored as a catalogue key and its argument so each reader sees
//! them in their own language.

use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub msg_key: String,
    pub arg: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Sends one notification to each of `users` (duplicates removed by the caller), in one
/// multi-row insert.
pub async fn insert_many(
    tx: &mut Tx,
    users: &[i64],
    msg_key: &str,
    arg: &str,
    link: &str,
    at: i64,
) -> StoreResult<()> {
    for chunk in users.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO notifications (user_id, msg_key, arg, link, created_at) ");
            qb.push_values(chunk, |mut b, u| {
                b.push_bind(*u).push_bind(msg_key).push_bind(arg).push_bind(link).push_bind(at);
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

pub async fn of_user(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<NotificationRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, msg_key, arg, link, created_at, read_at FROM notifications WHERE user_id = $1 \
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
