//! Sittings: agenda, attendance and quorum, motions, the speaking queue, minutes.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::deliberation::issues::IssueStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SittingRow {
    pub id: i64,
    pub body_id: i64,
    pub body_name: String,
    pub region_id: i64,
    pub region_path: String,
    pub title: String,
    pub starts_at: i64,
    pub place: String,
    /// scheduled → open → closed
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::sittings::SittingStatus,
    pub chair_id: Option<i64>,
    pub chair_name: Option<String>,
    #[serde(skip)]
    pub minutes: String,
    /// none → draft → approved → published
    #[sqlx(try_from = "String")]
    pub minutes_status: linli_domain::deliberation::sittings::MinutesStatus,
    pub minutes_drafted_by: Option<i64>,
    pub minutes_approved_by: Option<i64>,
    pub minutes_published_at: Option<i64>,
}

const SITTING_SELECT: &str = "SELECT s.id, s.body_id, b.name AS body_name, s.region_id, r.path AS region_path, \
    s.title, s.starts_at, s.place, s.status, s.chair_id, cu.display_name AS chair_name, s.minutes, s.minutes_status, \
    s.minutes_drafted_by, s.minutes_approved_by, s.minutes_published_at \
    FROM sittings s JOIN bodies b ON b.id = s.body_id JOIN regions r ON r.id = s.region_id \
    LEFT JOIN users cu ON cu.id = s.chair_id";

pub struct NewSitting<'a> {
    pub body_id: i64,
    pub region_id: i64,
    pub title: &'a str,
    pub starts_at: i64,
    pub place: &'a str,
    pub chair_id: i64,
    pub created_by: i64,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, s: NewSitting<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO sittings (body_id, region_id, title, starts_at, place, status, chair_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7, $8) RETURNING id")
        .bind(s.body_id).bind(s.region_id).bind(s.title).bind(s.starts_at).bind(s.place).bind(s.chair_id)
        .bind(s.created_by).bind(s.at).fetch_one(c).await)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<SittingRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{SITTING_SELECT} WHERE s.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn of_body(db: &Db, body_id: i64, limit: i64) -> StoreResult<Vec<SittingRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SITTING_SELECT} WHERE s.body_id = $1 ORDER BY s.starts_at DESC LIMIT $2")))
        .bind(body_id).bind(limit).fetch_all(p).await)
}

/// Moves a sitting from `from` to `to`; false if it was no longer at `from`.
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: linli_domain::deliberation::sittings::SittingStatus,
    to: linli_domain::deliberation::sittings::SittingStatus,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE sittings SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to.as_str()).bind(id).bind(from.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- agenda ----

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AgendaRow {
    pub issue_id: i64,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::issues::IssueStatus,
    pub decision: String,
    pub supporters: i64,
    pub position: i64,
}

pub async fn agenda(db: &Db, sitting_id: i64) -> StoreResult<Vec<AgendaRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT a.issue_id, i.title, i.status, i.decision, i.supporters, a.position FROM sitting_agenda a \
         JOIN issues i ON i.id = a.issue_id WHERE a.sitting_id = $1 ORDER BY a.position, a.issue_id")
        .bind(sitting_id).fetch_all(p).await)
}

/// Issues of a body waiting on its agenda (status `on_agenda`) and not yet on this sitting's.
pub async fn agenda_candidates(
    db: &Db,
    body_id: i64,
    sitting_id: i64,
) -> StoreResult<Vec<AgendaRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT i.id AS issue_id, i.title, i.status, i.decision, i.supporters, CAST(0 AS BIGINT) AS position FROM issues i \
         WHERE i.body_id = $1 AND i.status = 'on_agenda' \
         AND NOT EXISTS (SELECT 1 FROM sitting_agenda a WHERE a.sitting_id = $2 AND a.issue_id = i.id) \
         ORDER BY i.supporters DESC, i.id LIMIT 100")
        .bind(body_id).bind(sitting_id).fetch_all(p).await)
}

/// An issue's body and status: (body_id, status, region_id, title).
pub async fn issue_brief(
    db: &Db,
    issue_id: i64,
) -> StoreResult<Option<(Option<i64>, IssueStatus, i64, String)>> {
    let row: Option<(Option<i64>, String, i64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT body_id, status, region_id, title FROM issues WHERE id = $1")
        .bind(issue_id).fetch_optional(p).await)?;
    row.map(|(b, s, r, t)| Ok((b, crate::word(s)?, r, t)))
        .transpose()
}

pub async fn add_agenda(tx: &mut Tx, sitting_id: i64, issue_id: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sitting_agenda (sitting_id, issue_id, position) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sitting_agenda WHERE sitting_id = $1))")
        .bind(sitting_id).bind(issue_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn remove_agenda(tx: &mut Tx, sitting_id: i64, issue_id: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM sitting_agenda WHERE sitting_id = $1 AND issue_id = $2")
        .bind(sitting_id).bind(issue_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn set_position(
    tx: &mut Tx,
    sitting_id: i64,
    issue_id: i64,
    position: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE sitting_agenda SET position = $1 WHERE sitting_id = $2 AND issue_id = $3")
        .bind(position).bind(sitting_id).bind(issue_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- attendance ----

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AttendanceRow {
    pub user_id: i64,
    pub name: String,
    pub party: String,
    pub at: i64,
}

pub async fn attendance(db: &Db, sitting_id: i64) -> StoreResult<Vec<AttendanceRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT a.user_id, u.display_name AS name, a.party, a.at FROM sitting_attendance a \
         JOIN users u ON u.id = a.user_id WHERE a.sitting_id = $1 ORDER BY a.party, a.at LIMIT 500")
        .bind(sitting_id).fetch_all(p).await)
}

/// Marks a member present; false if they already were.
pub async fn mark_present(
    tx: &mut Tx,
    sitting_id: i64,
    user_id: i64,
    party: &str,
    at: i64,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO sitting_attendance (sitting_id, user_id, party, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sitting_id, user_id) DO NOTHING")
        .bind(sitting_id).bind(user_id).bind(party).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- motions ----

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MotionRow {
    pub id: i64,
    pub sitting_id: i64,
    pub issue_id: Option<i64>,
    pub issue_title: Option<String>,
    /// The motion this one amends.
    pub parent_id: Option<i64>,
    pub text: String,
    pub mover_id: i64,
    pub mover_name: String,
    pub seconder_id: Option<i64>,
    pub seconder_name: Option<String>,
    /// moved → seconded → voting → carried | failed; or withdrawn
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::sittings::MotionStatus,
    /// The vote it was put to (see `/votes/{vote_id}`).
    pub vote_id: Option<i64>,
    /// The vote's result, once closed: passed, and the tally in words.
    pub vote_passed: Option<bool>,
    pub vote_result: Option<String>,
    pub created_at: i64,
}

const MOTION_SELECT: &str = "SELECT m.id, m.sitting_id, m.issue_id, i.title AS issue_title, m.parent_id, m.text, \
    m.mover_id, mu.display_name AS mover_name, m.seconder_id, su.display_name AS seconder_name, m.status, m.vote_id, \
    v.passed AS vote_passed, v.result AS vote_result, m.created_at \
    FROM motions m JOIN users mu ON mu.id = m.mover_id LEFT JOIN users su ON su.id = m.seconder_id \
    LEFT JOIN issues i ON i.id = m.issue_id LEFT JOIN votes v ON v.id = m.vote_id";

pub async fn motions(db: &Db, sitting_id: i64) -> StoreResult<Vec<MotionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MOTION_SELECT} WHERE m.sitting_id = $1 ORDER BY m.id LIMIT 500")))
        .bind(sitting_id).fetch_all(p).await)
}

pub async fn motion(db: &Db, id: i64) -> StoreResult<Option<MotionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{MOTION_SELECT} WHERE m.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub struct NewMotion<'a> {
    pub sitting_id: i64,
    pub issue_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub text: &'a str,
    pub mover_id: i64,
    pub at: i64,
}

pub async fn insert_motion(tx: &mut Tx, m: NewMotion<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO motions (sitting_id, issue_id, parent_id, text, mover_id, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'moved', $6) RETURNING id")
        .bind(m.sitting_id).bind(m.issue_id).bind(m.parent_id).bind(m.text).bind(m.mover_id).bind(m.at)
        .fetch_one(c).await)
}

/// Moves a motion from `from` to `to` (with a seconder or a vote when given); false if
/// it was no longer at `from`.
pub async fn set_motion_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    seconder: Option<i64>,
    vote_id: Option<i64>,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE motions SET status = $1, seconder_id = COALESCE($2, seconder_id), vote_id = COALESCE($3, vote_id) \
         WHERE id = $4 AND status = $5")
        .bind(to).bind(seconder).bind(vote_id).bind(id).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- speaking queue ----

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SpeechRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub limit_seconds: i64,
    pub requested_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// Speeches not yet ended, in the order asked.
pub async fn queue(db: &Db, sitting_id: i64) -> StoreResult<Vec<SpeechRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT q.id, q.user_id, u.display_name AS name, q.limit_seconds, q.requested_at, q.started_at, q.ended_at \
         FROM speaking_queue q JOIN users u ON u.id = q.user_id \
         WHERE q.sitting_id = $1 AND q.ended_at IS NULL ORDER BY q.id LIMIT 200")
        .bind(sitting_id).fetch_all(p).await)
}

pub async fn request_speech(
    tx: &mut Tx,
    sitting_id: i64,
    user_id: i64,
    limit_seconds: i64,
    at: i64,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO speaking_queue (sitting_id, user_id, limit_seconds, requested_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(sitting_id).bind(user_id).bind(limit_seconds).bind(at).fetch_one(c).await)
}

/// Ends whoever is speaking; the number of speeches ended (0 or 1).
pub async fn end_current(tx: &mut Tx, sitting_id: i64, at: i64) -> StoreResult<u64> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE speaking_queue SET ended_at = $1 WHERE sitting_id = $2 AND started_at IS NOT NULL AND ended_at IS NULL")
        .bind(at).bind(sitting_id).execute(c).await.map(|r| r.rows_affected()))
}

/// Gives the floor to the first waiting speaker; their queue id, if anyone waited.
pub async fn start_next(tx: &mut Tx, sitting_id: i64, at: i64) -> StoreResult<Option<i64>> {
    let next: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT id FROM speaking_queue WHERE sitting_id = $1 AND started_at IS NULL ORDER BY id LIMIT 1")
        .bind(sitting_id).fetch_optional(c).await)?;
    if let Some(id) = next {
        on_tx!(tx, c => sqlx::query("UPDATE speaking_queue SET started_at = $1 WHERE id = $2 AND started_at IS NULL")
            .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(next)
}

// ---- minutes ----

pub async fn set_minutes(tx: &mut Tx, id: i64, text: &str, drafted_by: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE sittings SET minutes = $1, minutes_status = 'draft', minutes_drafted_by = $2, minutes_approved_by = NULL \
         WHERE id = $3 AND minutes_status IN ('none', 'draft', 'approved')")
        .bind(text).bind(drafted_by).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn approve_minutes(tx: &mut Tx, id: i64, by: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE sittings SET minutes_status = 'approved', minutes_approved_by = $1 WHERE id = $2 AND minutes_status = 'draft'")
        .bind(by).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn publish_minutes(tx: &mut Tx, id: i64, at: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE sittings SET minutes_status = 'published', minutes_published_at = $1 WHERE id = $2 AND minutes_status = 'approved'")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Votes taken at a sitting that are not tied to a motion: (title, status, passed, result).
pub async fn other_votes(
    db: &Db,
    sitting_id: i64,
) -> StoreResult<Vec<(String, String, Option<bool>, String)>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT title, status, passed, result FROM votes WHERE sitting_id = $1 AND motion_id IS NULL ORDER BY id LIMIT 100")
        .bind(sitting_id).fetch_all(p).await)
}
