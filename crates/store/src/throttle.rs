//! Throttle buckets, taken atomically: each call checks and records its hits in one
//! writer transaction, with the bucket rows locked (`BEGIN IMMEDIATE` on SQLite, `FOR
//! UPDATE` on PostgreSQL), so a hundred requests at once are counted one after another
//! and exactly as many pass as the rule allows, on one server or several.

use crate::{Db, StoreResult, Tx};
use linli_domain::throttle::{Bucket, Rule};
use linli_domain::time::EpochMs;

async fn lock(tx: &mut Tx, key: &str, now: EpochMs) -> StoreResult<Bucket> {
    crate::on_tx!(tx, c => sqlx::query(
        "INSERT INTO throttle (key, window_start, hits, next_at) VALUES ($1, $2, 0, $2) \
         ON CONFLICT (key) DO NOTHING")
        .bind(key).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    const SELECT: &str = "SELECT window_start, hits, next_at FROM throttle WHERE key = $1";
    let (window_start, hits, next_at): (i64, i64, i64) = match tx {
        // The writer transaction already holds the database's write lock.
        Tx::Sqlite(t) => sqlx::query_as(SELECT).bind(key).fetch_one(&mut **t).await?,
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} FOR UPDATE")))
                .bind(key)
                .fetch_one(&mut **t)
                .await?
        }
    };
    Ok(Bucket {
        window_start,
        hits,
        next_at,
    })
}

async fn save(tx: &mut Tx, key: &str, b: Bucket) -> StoreResult<()> {
    crate::on_tx!(tx, c => sqlx::query(
        "UPDATE throttle SET window_start = $2, hits = $3, next_at = $4 WHERE key = $1")
        .bind(key).bind(b.window_start).bind(b.hits).bind(b.next_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes one hit from every bucket, or from none: `Err(at)` is the earliest instant the
/// refusing bucket allows a hit again.
pub async fn take(
    db: &Db,
    buckets: &[(&str, Rule)],
    now: EpochMs,
) -> StoreResult<Result<(), EpochMs>> {
    let mut tx = db.begin().await?;
    let mut taken = Vec::with_capacity(buckets.len());
    for (key, rule) in buckets {
        let b = lock(&mut tx, key, now).await?;
        match rule.take(b, now) {
            Ok(nb) => taken.push((*key, nb)),
            // Dropping the transaction rolls it back: no bucket is charged.
            Err(at) => return Ok(Err(at)),
        }
    }
    for (key, b) in taken {
        save(&mut tx, key, b).await?;
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Gives one hit back to a bucket (an attempt that turned out well).
pub async fn give_back(db: &Db, key: &str, rule: Rule, now: EpochMs) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let b = lock(&mut tx, key, now).await?;
    save(&mut tx, key, rule.give_back(b, now)).await?;
    tx.commit().await?;
    Ok(())
}

/// Empties a bucket (its owner proved who they are).
pub async fn clear(db: &Db, key: &str) -> StoreResult<()> {
    crate::on_db!(db, p => sqlx::query("DELETE FROM throttle WHERE key = $1")
        .bind(key).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets buckets idle since before `before` (run with the session sweep).
pub async fn delete_idle(db: &Db, before: EpochMs) -> StoreResult<()> {
    crate::on_db!(db, p => sqlx::query("DELETE FROM throttle WHERE next_at < $1 AND window_start < $1")
        .bind(before).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}
