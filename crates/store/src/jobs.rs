//! Background jobs, durable in the `jobs` table. A job is enqueued inside the transaction
//! that causes the work (so a rolled-back change leaves no job), claimed under a lease
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several processes never claim the same row;
//! SQLite: inside a writer transaction, which serializes claims), and finished as done,
//! queued again for a retry, or dead.

use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Job)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    /// queued | running | done | dead
    #[sqlx(try_from = "String")]
    pub status: linli_domain::jobs::JobStatus,
    pub run_at: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, kind, payload, status, run_at, attempts, max_attempts, last_error, created_at, finished_at"
    };
}

macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2 + $3 WHERE id IN (SELECT id FROM jobs WHERE \
             (status = 'queued' AND run_at <= $2) OR (status = 'running' AND locked_until < $2) \
             ORDER BY run_at, id LIMIT $4",
            $lock,
            ") RETURNING ",
            columns!()
        )
    };
}

/// What to enqueue.
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    /// At most one queued or running job per key; a second enqueue is dropped.
    pub dedupe_key: Option<&'a str>,
    pub run_at: i64,
    pub max_attempts: i64,
}

/// Enqueues a job in the caller's transaction. `None` when a job with the same dedupe key
/// is already queued or running.
pub async fn enqueue(tx: &mut Tx, j: &NewJob<'_>, now: i64) -> StoreResult<Option<i64>> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING RETURNING id")
        .bind(j.kind).bind(j.payload).bind(j.dedupe_key).bind(j.run_at).bind(j.max_attempts)
        .bind(now).fetch_optional(c).await)
}

/// Moves a queued job with `dedupe_key` to `run_at`; false if none is queued.
pub async fn reschedule(tx: &mut Tx, dedupe_key: &str, run_at: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE jobs SET run_at = $2 WHERE dedupe_key = $1 AND status = 'queued'")
        .bind(dedupe_key).bind(run_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Claims up to `limit` due jobs for `worker` until `now + lease_ms`: queued jobs whose
/// time has come, and running jobs whose worker's lease ran out.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> StoreResult<Vec<JobRow>> {
    // A cheap read first: an idle queue never takes the writer lock (SQLite) or a row
    // lock (PostgreSQL) on the worker's every-second poll.
    let due: Option<i64> = on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
         OR (status = 'running' AND locked_until < $1) LIMIT 1")
        .bind(now).fetch_optional(p).await)?;
    if due.is_none() {
        return Ok(vec![]);
    }
    let mut tx = db.begin().await?;
    let mut rows: Vec<JobRow> = match &mut tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(claim_sql!(""))
                .bind(worker)
                .bind(now)
                .bind(lease_ms)
                .bind(limit)
                .fetch_all(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            sqlx::query_as(claim_sql!(" FOR UPDATE SKIP LOCKED"))
                .bind(worker)
                .bind(now)
                .bind(lease_ms)
                .bind(limit)
                .fetch_all(&mut **t)
                .await?
        }
    };
    tx.commit().await?;
    rows.sort_by_key(|r| (r.run_at, r.id));
    Ok(rows)
}

/// Marks a claimed job done. False if the worker no longer holds it.
pub async fn complete(db: &Db, id: i64, worker: &str, now: i64) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = 'done', finished_at = $3, locked_by = NULL, locked_until = NULL \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'")
        .bind(id).bind(worker).bind(now).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Puts a claimed job back in the queue for `run_at`. `error` is recorded (empty when the
/// job simply asked to run later); `count_attempt` false gives the attempt back.
pub async fn requeue(
    db: &Db,
    id: i64,
    worker: &str,
    run_at: i64,
    error: &str,
    count_attempt: bool,
) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = $3, last_error = $4, locked_by = NULL, \
         locked_until = NULL, attempts = CASE WHEN $5 THEN attempts ELSE attempts - 1 END \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'")
        .bind(id).bind(worker).bind(run_at).bind(error).bind(count_attempt)
        .execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Gives a claimed job up: it stays, dead, with its last error, for an administrator.
pub async fn bury(db: &Db, id: i64, worker: &str, error: &str, now: i64) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = 'dead', last_error = $3, finished_at = $4, locked_by = NULL, \
         locked_until = NULL WHERE id = $1 AND locked_by = $2 AND status = 'running'")
        .bind(id).bind(worker).bind(error).bind(now).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Queues a dead job again with fresh attempts. False if it was not dead.
pub async fn revive(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, finished_at = NULL \
         WHERE id = $1 AND status = 'dead'")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<JobRow>> {
    on_db!(db, p => sqlx::query_as(concat!("SELECT ", columns!(), " FROM jobs WHERE id = $1"))
        .bind(id).fetch_optional(p).await)
}

/// Jobs newest first, of one status or all.
pub async fn list(
    db: &Db,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<JobRow>> {
    on_db!(db, p => sqlx::query_as(concat!(
        "SELECT ", columns!(), " FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
         ORDER BY id DESC LIMIT $2 OFFSET $3"))
        .bind(status).bind(limit).bind(offset).fetch_all(p).await)
}

/// How many jobs there are per kind and status.
pub async fn counts(db: &Db) -> StoreResult<Vec<(String, String, i64)>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status ORDER BY kind, status")
        .fetch_all(p).await)
}

/// Jobs waiting to run whose time has come (`queued`, `run_at` passed): the queue's depth.
pub async fn due(db: &Db, now: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= $1")
        .bind(now).fetch_one(p).await)
}

/// Forgets done jobs finished before `before`.
pub async fn delete_done_before(db: &Db, before: i64) -> StoreResult<u64> {
    on_db!(db, p => sqlx::query("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1")
        .bind(before).execute(p).await.map(|r| r.rows_affected()))
}
