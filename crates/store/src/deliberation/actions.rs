//! Decisions become action items with an owner, a due date and progress notes (议而有行).

use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ActionRow {
    pub id: i64,
    pub issue_id: Option<i64>,
    pub issue_title: Option<String>,
    pub region_id: i64,
    pub region_path: String,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    /// `YYYY-MM-DD`
    pub due_on: String,
    /// open → doing → done
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::issues::ActionStatus,
    /// Percent done, from the latest note.
    pub progress: i64,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

const ACTION_SELECT: &str = "SELECT a.id, a.issue_id, i.title AS issue_title, a.region_id, r.path AS region_path, \
    a.title, a.owner_id, u.display_name AS owner_name, a.due_on, a.status, a.progress, a.created_at, a.done_at \
    FROM action_items a JOIN regions r ON r.id = a.region_id JOIN users u ON u.id = a.owner_id \
    LEFT JOIN issues i ON i.id = a.issue_id";

pub struct NewAction<'a> {
    pub issue_id: i64,
    pub region_id: i64,
    pub title: &'a str,
    pub owner_id: i64,
    pub due_on: &'a str,
    pub created_by: i64,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, a: NewAction<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO action_items (issue_id, region_id, title, owner_id, due_on, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id")
        .bind(a.issue_id).bind(a.region_id).bind(a.title).bind(a.owner_id).bind(a.due_on).bind(a.created_by)
        .bind(a.at).fetch_one(c).await)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<ActionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ACTION_SELECT} WHERE a.id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn of_issue(db: &Db, issue_id: i64) -> StoreResult<Vec<ActionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACTION_SELECT} WHERE a.issue_id = $1 ORDER BY a.due_on, a.id LIMIT 200")))
        .bind(issue_id).fetch_all(p).await)
}

/// Items of the issues whose node lies in `[lo, hi)`, in one query.
pub async fn in_subtree(db: &Db, lo: &str, hi: &str) -> StoreResult<Vec<ActionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACTION_SELECT} JOIN regions ir ON ir.id = i.region_id \
         WHERE ir.path >= $1 AND ir.path < $2 AND i.status IN ('decided', 'in_action', 'done') \
         ORDER BY a.issue_id, a.due_on, a.id LIMIT 5000")))
        .bind(lo).bind(hi).fetch_all(p).await)
}

/// Records progress; `done` closes the item. False if it was already done.
pub async fn set_progress(
    tx: &mut Tx,
    id: i64,
    progress: i64,
    done: bool,
    at: i64,
) -> StoreResult<bool> {
    let status = if done { "done" } else { "doing" };
    let done_at = done.then_some(at);
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE action_items SET progress = $1, status = $2, done_at = $3 WHERE id = $4 AND status <> 'done'")
        .bind(progress).bind(status).bind(done_at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Items of an issue not yet done.
pub async fn open_count(tx: &mut Tx, issue_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM action_items WHERE issue_id = $1 AND status <> 'done'")
        .bind(issue_id).fetch_one(c).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct NoteRow {
    pub id: i64,
    pub author_name: String,
    pub note: String,
    pub progress: i64,
    pub at: i64,
}

pub async fn insert_note(
    tx: &mut Tx,
    action_id: i64,
    author_id: i64,
    note: &str,
    progress: i64,
    at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO action_notes (action_id, author_id, note, progress, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(action_id).bind(author_id).bind(note).bind(progress).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn notes(db: &Db, action_id: i64) -> StoreResult<Vec<NoteRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT n.id, u.display_name AS author_name, n.note, n.progress, n.at FROM action_notes n \
         JOIN users u ON u.id = n.author_id WHERE n.action_id = $1 ORDER BY n.id LIMIT 500")
        .bind(action_id).fetch_all(p).await)
}

/// An issue as the accountability page shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct DecidedIssueRow {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub region_path: String,
    pub body_id: Option<i64>,
    pub title: String,
    pub decision: String,
    /// decided | in_action | done
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::issues::IssueStatus,
    pub author_id: i64,
    pub updated_at: i64,
}

const ISSUE_SELECT: &str = "SELECT i.id, i.region_id, r.name AS region_name, r.path AS region_path, i.body_id, \
    i.title, i.decision, i.status, i.author_id, i.updated_at FROM issues i JOIN regions r ON r.id = i.region_id";

/// Decided, in-action and done issues at and below a node, newest change first.
pub async fn decided_in(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
) -> StoreResult<Vec<DecidedIssueRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ISSUE_SELECT} WHERE r.path >= $1 AND r.path < $2 AND i.status IN ('decided', 'in_action', 'done') \
         ORDER BY i.updated_at DESC, i.id DESC LIMIT $3")))
        .bind(lo).bind(hi).bind(limit).fetch_all(p).await)
}

pub async fn issue(db: &Db, id: i64) -> StoreResult<Option<DecidedIssueRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ISSUE_SELECT} WHERE i.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Who hears that an issue is done: its author, its supporters, and the building
/// representatives of its node and of the author's building.
pub async fn report_back_to(tx: &mut Tx, issue_id: i64) -> StoreResult<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT author_id FROM issues WHERE id = $1 \
         UNION SELECT user_id FROM issue_supports WHERE issue_id = $1 \
         UNION SELECT g.user_id FROM role_grants g WHERE g.role = 'building_rep' AND g.revoked_at IS NULL \
           AND (g.region_id = (SELECT region_id FROM issues WHERE id = $1) \
             OR g.region_id IN (SELECT rs.region_id FROM residents rs JOIN issues i ON i.author_id = rs.user_id WHERE i.id = $1) \
             OR g.region_id IN (SELECT ag.region_id FROM role_grants ag JOIN issues i ON i.author_id = ag.user_id \
               JOIN regions rr ON rr.id = ag.region_id WHERE i.id = $1 AND ag.revoked_at IS NULL AND rr.kind = 'building'))")
        .bind(issue_id).fetch_all(c).await)
}

/// Whether `user_id` chaired a sitting that had the issue on its agenda.
pub async fn chaired_with_issue(db: &Db, issue_id: i64, user_id: i64) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sitting_agenda a JOIN sittings s ON s.id = a.sitting_id \
         WHERE a.issue_id = $1 AND s.chair_id = $2)")
        .bind(issue_id).bind(user_id).fetch_one(p).await)
}
