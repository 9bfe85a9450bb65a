//! Club stages and their history, activities and sign-ups. Sign-ups serialize per
//! activity on the activity row (`lock`), so places are never over-booked and the
//! waiting list keeps its order.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::clubs::{ActivityStatus, SignupStatus};

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
    /// Who published it, the one participants pay the AA fee to.
    pub organizer_name: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub starts_at: i64,
    pub cancel_until: i64,
    pub capacity: i64,
    pub planned_cost: i64,
    pub surplus_bp: i64,
    pub fee: i64,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::clubs::ActivityStatus,
    /// What the organizers learned, written after settlement (the last step).
    pub review: String,
    /// Why it was called off (status `cancelled`).
    pub cancel_reason: String,
    /// How to reach the organizer, as they wrote it (a phone number, a WeChat id), or empty.
    pub contact: String,
    /// The public share link's token, once an organizer made one.
    pub share_token: Option<String>,
    pub confirmed: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

const ACTIVITY_SELECT: &str = "SELECT a.id, a.org_id, o.name AS org_name, a.region_id, r.path AS region_path, \
    u.display_name AS organizer_name, a.title, a.description, a.place, a.starts_at, a.cancel_until, a.capacity, a.planned_cost, a.surplus_bp, a.fee, \
    a.status, a.review, a.cancel_reason, a.contact, a.share_token, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.status = 'confirmed') AS confirmed, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.status = 'waitlisted') AS waitlisted, \
    (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.checked_in_at IS NOT NULL) AS checked_in \
    FROM activities a JOIN organizations o ON o.id = a.org_id JOIN regions r ON r.id = a.region_id \
    JOIN users u ON u.id = a.created_by";

/// The secret code shown at an activity's door. Kept off `ActivityRow`, which the API
/// returns, so no serialization rule has to hide it.
pub async fn checkin_code(db: &Db, activity_id: i64) -> StoreResult<String> {
    on_db!(db, p => sqlx::query_scalar("SELECT checkin_code FROM activities WHERE id = $1")
        .bind(activity_id).fetch_one(p).await)
}

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
    /// `planned` (a draft) or `published` (open for sign-up).
    pub status: linli_domain::clubs::ActivityStatus,
}

pub async fn insert_activity(tx: &mut Tx, a: NewActivity<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO activities (org_id, region_id, title, description, place, starts_at, cancel_until, capacity, \
         planned_cost, surplus_bp, fee, status, checkin_code, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $15, $12, $13, $14) RETURNING id")
        .bind(a.org_id).bind(a.region_id).bind(a.title).bind(a.description).bind(a.place).bind(a.starts_at)
        .bind(a.cancel_until).bind(a.capacity).bind(a.planned_cost).bind(a.surplus_bp).bind(a.fee)
        .bind(a.checkin_code).bind(a.created_by).bind(now_ms()).bind(a.status.as_str()).fetch_one(c).await)
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
pub async fn lock(tx: &mut Tx, id: i64) -> StoreResult<(i64, i64, ActivityStatus)> {
    on_tx!(tx, c => sqlx::query("UPDATE activities SET capacity = capacity WHERE id = $1").bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_as(
        "SELECT capacity, (SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed'), status \
         FROM activities WHERE id = $1")
        .bind(id).fetch_one(c).await)
    .and_then(|(cap, n, s): (i64, i64, String)| Ok((cap, n, crate::word(s)?)))
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
    #[sqlx(try_from = "String")]
    pub status: linli_domain::clubs::SignupStatus,
    pub position: i64,
    pub fee_paid: i64,
    pub checked_in_at: Option<i64>,
}

pub async fn signup_of(
    tx: &mut Tx,
    activity_id: i64,
    user_id: i64,
) -> StoreResult<Option<(SignupStatus, Option<i64>)>> {
    let row: Option<(String, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT status, checked_in_at FROM activity_signups WHERE activity_id = $1 AND user_id = $2")
        .bind(activity_id).bind(user_id).fetch_optional(c).await)?;
    row.map(|(s, at)| Ok((crate::word(s)?, at))).transpose()
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
    status: SignupStatus,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO activity_signups (activity_id, user_id, status, position, created_at) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM activity_signups WHERE activity_id = $1), $4) \
         ON CONFLICT (activity_id, user_id) DO UPDATE SET status = excluded.status, position = excluded.position, \
         fee_paid = 0, checked_in_at = NULL")
        .bind(activity_id).bind(user_id).bind(status.as_str()).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_signup_status(
    tx: &mut Tx,
    activity_id: i64,
    user_id: i64,
    status: SignupStatus,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE activity_signups SET status = $1 WHERE activity_id = $2 AND user_id = $3")
        .bind(status.as_str()).bind(activity_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
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
        set_signup_status(tx, activity_id, *u, SignupStatus::Confirmed).await?;
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

/// Who holds a confirmed place on an activity.
pub async fn confirmed_users(db: &Db, activity_id: i64) -> StoreResult<Vec<i64>> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT user_id FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed'")
        .bind(activity_id).fetch_all(p).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CostRow {
    pub id: i64,
    pub item: String,
    pub amount: i64,
    pub voucher_id: i64,
}

pub async fn insert_cost(
    tx: &mut Tx,
    activity_id: i64,
    item: &str,
    amount: i64,
    voucher_id: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO activity_costs (activity_id, item, amount, voucher_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(activity_id).bind(item).bind(amount).bind(voucher_id).bind(now_ms())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn costs(db: &Db, activity_id: i64) -> StoreResult<Vec<CostRow>> {
    on_db!(db, p => sqlx::query_as("SELECT id, item, amount, voucher_id FROM activity_costs WHERE activity_id = $1 ORDER BY id")
        .bind(activity_id).fetch_all(p).await)
}

pub async fn costs_tx(tx: &mut Tx, activity_id: i64) -> StoreResult<Vec<CostRow>> {
    on_tx!(tx, c => sqlx::query_as("SELECT id, item, amount, voucher_id FROM activity_costs WHERE activity_id = $1 ORDER BY id")
        .bind(activity_id).fetch_all(c).await)
}

/// Fees recorded as paid for an activity.
pub async fn fees_collected(tx: &mut Tx, activity_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(fee_paid), 0) AS BIGINT) FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed'")
        .bind(activity_id).fetch_one(c).await)
}

pub async fn mark_settled(tx: &mut Tx, activity_id: i64, txn: Option<i64>) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activities SET status = 'settled', settled_txn = $1 WHERE id = $2 AND status = 'published'")
        .bind(txn).bind(activity_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- life meetings -------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MeetingRow {
    pub id: i64,
    pub region_id: i64,
    pub region_path: String,
    pub title: String,
    pub held_on: String,
    pub shares: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ShareRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub speaker_name: String,
    pub story: String,
    pub money_used: i64,
    pub photo_id: Option<i64>,
}

const MEETING_SELECT: &str = "SELECT m.id, m.region_id, r.path AS region_path, m.title, m.held_on, \
    (SELECT COUNT(*) FROM life_meeting_shares s WHERE s.meeting_id = m.id) AS shares \
    FROM life_meetings m JOIN regions r ON r.id = m.region_id";

pub async fn insert_meeting(
    tx: &mut Tx,
    region_id: i64,
    title: &str,
    held_on: &str,
    by: i64,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO life_meetings (region_id, title, held_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(region_id).bind(title).bind(held_on).bind(by).bind(now_ms()).fetch_one(c).await)
}

pub async fn meeting(db: &Db, id: i64) -> StoreResult<Option<MeetingRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{MEETING_SELECT} WHERE m.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn meetings_in(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<MeetingRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MEETING_SELECT} WHERE r.path >= $1 AND r.path < $2 ORDER BY m.held_on DESC, m.id DESC LIMIT $3 OFFSET $4")))
        .bind(lo).bind(hi).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn insert_share(
    tx: &mut Tx,
    meeting_id: i64,
    org_id: i64,
    speaker: i64,
    story: &str,
    money_used: i64,
    photo: Option<i64>,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO life_meeting_shares (meeting_id, org_id, speaker_id, story, money_used, photo_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(meeting_id).bind(org_id).bind(speaker).bind(story).bind(money_used).bind(photo).bind(now_ms())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn shares(db: &Db, meeting_id: i64) -> StoreResult<Vec<ShareRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.id, s.org_id, o.name AS org_name, u.display_name AS speaker_name, s.story, s.money_used, s.photo_id \
         FROM life_meeting_shares s JOIN organizations o ON o.id = s.org_id JOIN users u ON u.id = s.speaker_id \
         WHERE s.meeting_id = $1 ORDER BY s.id LIMIT 200")
        .bind(meeting_id).fetch_all(p).await)
}

// ---- growth --------------------------------------------------------------------------

/// Clubs at and below a node with their creation time (for the growth chart).
pub async fn clubs_in(db: &Db, lo: &str, hi: &str) -> StoreResult<Vec<(i64, i64, String)>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT o.id, o.created_at, o.stage FROM organizations o JOIN regions r ON r.id = o.region_id \
         WHERE r.path >= $1 AND r.path < $2 AND o.kind = 'club' ORDER BY o.id LIMIT 5000")
        .bind(lo).bind(hi).fetch_all(p).await)
}

/// Every stage change of clubs at and below a node: (org, to_stage, at), oldest first.
pub async fn stage_history_in(db: &Db, lo: &str, hi: &str) -> StoreResult<Vec<(i64, String, i64)>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.org_id, s.to_stage, s.at FROM club_stage_changes s JOIN organizations o ON o.id = s.org_id \
         JOIN regions r ON r.id = o.region_id WHERE r.path >= $1 AND r.path < $2 ORDER BY s.at, s.id LIMIT 50000")
        .bind(lo).bind(hi).fetch_all(p).await)
}

/// Members of clubs, activities held and households reached at and below a node.
pub async fn reach_in(db: &Db, lo: &str, hi: &str) -> StoreResult<(i64, i64, i64)> {
    on_db!(db, p => sqlx::query_as(
        "SELECT \
          (SELECT COUNT(DISTINCT m.user_id) FROM org_members m JOIN organizations o ON o.id = m.org_id \
             JOIN regions r ON r.id = o.region_id WHERE r.path >= $1 AND r.path < $2 AND o.kind = 'club'), \
          (SELECT COUNT(*) FROM activities a JOIN regions r ON r.id = a.region_id WHERE r.path >= $1 AND r.path < $2), \
          (SELECT COUNT(DISTINCT x.household_id) FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
             JOIN regions r ON r.id = a.region_id JOIN residents x ON x.user_id = s.user_id \
             WHERE r.path >= $1 AND r.path < $2 AND s.status = 'confirmed')")
        .bind(lo).bind(hi).fetch_one(p).await)
}

/// Sets a club's founding time (demo data tells a year's story).
pub async fn backdate_club(tx: &mut Tx, org_id: i64, at: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE organizations SET created_at = $1 WHERE id = $2")
        .bind(at).bind(org_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes the review of a settled activity (the standard process's last step).
pub async fn set_review(tx: &mut Tx, activity_id: i64, review: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activities SET review = $1, status = 'reviewed' WHERE id = $2 AND status IN ('settled', 'reviewed')")
        .bind(review).bind(activity_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Opens a planned activity for sign-up.
pub async fn publish(tx: &mut Tx, activity_id: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE activities SET status = 'published' WHERE id = $1 AND status = 'planned'")
        .bind(activity_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What an organizer may change on a planned or published activity.
pub struct ActivityEdit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub place: &'a str,
    pub starts_at: i64,
    pub cancel_until: i64,
    pub contact: &'a str,
}

/// Changes a planned or published activity; false if it is neither any more.
pub async fn edit_activity(
    tx: &mut Tx,
    activity_id: i64,
    e: &ActivityEdit<'_>,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activities SET title = $2, description = $3, place = $4, starts_at = $5, cancel_until = $6, \
         contact = $7 WHERE id = $1 AND status IN ('planned', 'published')")
        .bind(activity_id).bind(e.title).bind(e.description).bind(e.place).bind(e.starts_at)
        .bind(e.cancel_until).bind(e.contact).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives the activity a share token unless it has one; returns the token it has.
pub async fn ensure_share_token(tx: &mut Tx, activity_id: i64, token: &str) -> StoreResult<String> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE activities SET share_token = $2 WHERE id = $1 AND share_token IS NULL")
        .bind(activity_id).bind(token).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_scalar("SELECT share_token FROM activities WHERE id = $1")
        .bind(activity_id).fetch_one(c).await)
}

/// The activity a share link names.
pub async fn activity_by_share(db: &Db, token: &str) -> StoreResult<Option<ActivityRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ACTIVITY_SELECT} WHERE a.share_token = $1")))
        .bind(token).fetch_optional(p).await)
}

/// Calls a planned or published activity off; false if it was neither.
pub async fn call_off(tx: &mut Tx, activity_id: i64, reason: &str) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE activities SET status = 'cancelled', cancel_reason = $2 \
         WHERE id = $1 AND status IN ('planned', 'published')")
        .bind(activity_id).bind(reason).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Everyone still signed up (confirmed or waiting), with what they paid.
pub async fn signed_up(tx: &mut Tx, activity_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT user_id, fee_paid FROM activity_signups WHERE activity_id = $1 AND status <> 'cancelled'")
        .bind(activity_id).fetch_all(c).await)
}

pub async fn fee_paid_of(tx: &mut Tx, activity_id: i64, user_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT fee_paid FROM activity_signups WHERE activity_id = $1 AND user_id = $2")
        .bind(activity_id).bind(user_id).fetch_one(c).await)
}
