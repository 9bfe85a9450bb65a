//! Club stages and their history, activities and sign-ups. Sign-ups serialize per
//! activity on the activity row (`lock`), so places are never over-booked and the
//! waiting list keeps its order.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::time::now_ms;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct StageChangeRow {
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub changed_by_name: String,
    pub at: i64,
}

pub async fn stage_of(db: &Db, org_id: i64) -> StoreResult<String> {
    on_db!(db, p => sqlx::query_scalar("SELECT stage FROM organizations WHERE id = $1").bind(org_id).fetch_one(p).await)
}

/// Moves a club from `from` to `to`; false if it was no longer at `from`.
pub async fn set_stage(tx: &mut Tx, org_id: i64, from: &str, to: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE organizations SET stage = $1 WHERE id = $2 AND stage = $3")
        .bind(to).bind(org_id).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn insert_stage_change(
    tx: &mut Tx,
    org_id: i64,
    from: &str,
    to: &str,
    reason: &str,
    by: i64,
    at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO club_stage_changes (org_id, from_stage, to_stage, reason, changed_by, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(org_id).bind(from).bind(to).bind(reason).bind(by).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn stage_changes(db: &Db, org_id: i64) -> StoreResult<Vec<StageChangeRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.from_stage, s.to_stage, s.reason, u.display_name AS changed_by_name, s.at \
         FROM club_stage_changes s JOIN users u ON u.id = s.changed_by WHERE s.org_id = $1 ORDER BY s.id LIMIT 200")
        .bind(org_id).fetch_all(p).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ActivityRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub region_id: i64,
    pub region_path: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub starts_at: i64,
    pub cancel_until: i64,
    pub capacity: i64,
    pub planned_cost: i64,
    pub surplus_bp: i64,
    pub fee: i64,
    pub status: String,
    #[serde(skip)]
    pub checkin_code: String,
    pub confirmed: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

const ACTIVITY_SELECT: &str = "SELECT a.id, a.org_id, o.name AS org_name, a.region_id, r.path AS region_path, \
    a.title, a.description, a.place, a.starts_at, a.cancel_until, a.capacity, a.planned_cost, a.surplus_bp, a.fee, \
    a.status, a.checkin_code, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.status = 'confirmed') AS confirmed, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.status = 'waitlisted') AS waitlisted, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.checked_in_at IS NOT NULL) AS checked_in \
    FROM activities a JOIN organizations o ON o.id = a.org_id JOIN regions r ON r.id = a.region_id";

pub struct NewActivity<'a> {
    pub org_id: i64,
    pub region_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub place: &'a str,
    pub starts_at: i64,
    pub cancel_until: i64,
    pub capacity: i64,
    pub planned_cost: i64,
    pub surplus_bp: i64,
    pub fee: i64,
    pub checkin_code: &'a str,
    pub created_by: i64,
}

pub async fn insert_activity(tx: &mut Tx, a: NewActivity<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO activities (org_id, region_id, title, description, place, starts_at, cancel_until, capacity, \
         planned_cost, surplus_bp, fee, status, checkin_code, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'published', $12, $13, $14) RETURNING id")
        .bind(a.org_id).bind(a.region_id).bind(a.title).bind(a.description).bind(a.place).bind(a.starts_at)
        .bind(a.cancel_until).bind(a.capacity).bind(a.planned_cost).bind(a.surplus_bp).bind(a.fee)
        .bind(a.checkin_code).bind(a.created_by).bind(now_ms()).fetch_one(c).await)
}

pub async fn activity(db: &Db, id: i64) -> StoreResult<Option<ActivityRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ACTIVITY_SELECT} WHERE a.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn activities_of_org(
    db: &Db,
    org_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<ActivityRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACTIVITY_SELECT} WHERE a.org_id = $1 ORDER BY a.starts_at DESC LIMIT $2 OFFSET $3")))
        .bind(org_id).bind(limit).bind(offset).fetch_all(p).await)
}

/// Activities at and below a node starting after `from`, soonest first.
pub async fn upcoming_in(
    db: &Db,
    lo: &str,
    hi: &str,
    from: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<ActivityRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACTIVITY_SELECT} WHERE r.path >= $1 AND r.path < $2 AND a.starts_at >= $3 AND a.status = 'published' \
         ORDER BY a.starts_at LIMIT $4 OFFSET $5")))
        .bind(lo).bind(hi).bind(from).bind(limit).bind(offset).fetch_all(p).await)
}

/// Locks an activity for the rest of the transaction; returns (capacity, confirmed, status).
pub async fn lock(tx: &mut Tx, id: i64) -> StoreResult<(i64, i64, String)> {
    on_tx!(tx, c => sqlx::query("UPDATE activities SET capacity = capacity WHERE id = $1").bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_as(
        "SELECT capacity, (SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed'), status \
         FROM activities WHERE id = $1")
        .bind(id).fetch_one(c).await)
}

pub async fn set_capacity(tx: &mut Tx, id: i64, capacity: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE activities SET capacity = $1 WHERE id = $2")
        .bind(capacity).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SignupRow {
    pub user_id: i64,
    pub name: String,
    pub status: String,
    pub position: i64,
    pub fee_paid: i64,
    pub checked_in_at: Option<i64>,
}

pub async fn signup_of(
    tx: &mut Tx,
    activity_id: i64,
    user_id: i64,
) -> StoreResult<Option<(String, Option<i64>)>> {
    on_tx!(tx, c => sqlx::query_as("SELECT status, checked_in_at FROM activity_signups WHERE activity_id = $1 AND user_id = $2")
        .bind(activity_id).bind(user_id).fetch_optional(c).await)
}

pub async fn my_signup(db: &Db, activity_id: i64, user_id: i64) -> StoreResult<Option<SignupRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.user_id, u.display_name AS name, s.status, s.position, s.fee_paid, s.checked_in_at \
         FROM activity_signups s JOIN users u ON u.id = s.user_id WHERE s.activity_id = $1 AND s.user_id = $2")
        .bind(activity_id).bind(user_id).fetch_optional(p).await)
}

/// Adds or re-opens a sign-up at the end of the queue with `status`.
pub async fn upsert_signup(
    tx: &mut Tx,
    activity_id: i64,
    user_id: i64,
    status: &str,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO activity_signups (activity_id, user_id, status, position, created_at) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM activity_signups WHERE activity_id = $1), $4) \
         ON CONFLICT (activity_id, user_id) DO UPDATE SET status = excluded.status, position = excluded.position")
        .bind(activity_id).bind(user_id).bind(status).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_signup_status(
    tx: &mut Tx,
    activity_id: i64,
    user_id: i64,
    status: &str,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE activity_signups SET status = $1 WHERE activity_id = $2 AND user_id = $3")
        .bind(status).bind(activity_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Promotes the `n` longest-waiting people to confirmed; returns who was promoted.
pub async fn promote(tx: &mut Tx, activity_id: i64, n: i64) -> StoreResult<Vec<i64>> {
    if n <= 0 {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT user_id FROM activity_signups WHERE activity_id = $1 AND status = 'waitlisted' ORDER BY position LIMIT $2")
        .bind(activity_id).bind(n).fetch_all(c).await)?;
    for u in &ids {
        set_signup_status(tx, activity_id, *u, "confirmed").await?;
    }
    Ok(ids)
}

pub async fn check_in(tx: &mut Tx, activity_id: i64, user_id: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activity_signups SET checked_in_at = $1 WHERE activity_id = $2 AND user_id = $3 \
         AND status = 'confirmed' AND checked_in_at IS NULL")
        .bind(now_ms()).bind(activity_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn mark_paid(tx: &mut Tx, activity_id: i64, user_id: i64, fee: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activity_signups SET fee_paid = $1 WHERE activity_id = $2 AND user_id = $3 AND status = 'confirmed'")
        .bind(fee).bind(activity_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Everyone signed up, confirmed first, each list in queue order, a page at a time.
pub async fn signups(
    db: &Db,
    activity_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<SignupRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.user_id, u.display_name AS name, s.status, s.position, s.fee_paid, s.checked_in_at \
         FROM activity_signups s JOIN users u ON u.id = s.user_id WHERE s.activity_id = $1 AND s.status <> 'cancelled' \
         ORDER BY CASE s.status WHEN 'confirmed' THEN 0 ELSE 1 END, s.position LIMIT $2 OFFSET $3")
        .bind(activity_id).bind(limit).bind(offset).fetch_all(p).await)
}
