//! Issues (议题) raised by residents: support, the discussion thread and its moderation.
//! Status changes go through `transition`, which records each move in `issue_events`.

use crate::{Db, StoreResult, Tx, on_db, on_tx};

/// Moves an issue to `to` if its status is one of `from`; records the move. False if the
/// issue was not in one of those statuses (someone else moved it meanwhile).
pub async fn transition(
    tx: &mut Tx,
    issue_id: i64,
    from: &[&str],
    to: &str,
    reason: &str,
    by: Option<i64>,
    at: i64,
) -> StoreResult<bool> {
    let current: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT status FROM issues WHERE id = $1")
        .bind(issue_id).fetch_optional(c).await)?;
    let Some(current) = current else {
        return Ok(false);
    };
    if !from.contains(&current.as_str()) {
        return Ok(false);
    }
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE issues SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5")
        .bind(to).bind(reason).bind(at).bind(issue_id).bind(&current).execute(c).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO issue_events (issue_id, from_status, to_status, reason, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(issue_id).bind(&current).bind(to).bind(reason).bind(by).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// An issue with where it belongs, who raised it and the body that will hear it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct IssueRow {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub region_kind: String,
    pub region_path: String,
    pub body_id: Option<i64>,
    pub body_name: Option<String>,
    /// Supporters the body needs to put it on its agenda.
    pub support_threshold: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    /// Raised by a building representative on behalf of the building (`region_name`).
    pub on_behalf: bool,
    pub households_consulted: Option<i64>,
    pub title: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::issues::IssueStatus,
    pub status_reason: String,
    pub decision: String,
    pub supporters: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const ISSUE_SELECT: &str = "SELECT i.id, i.region_id, r.name AS region_name, r.kind AS region_kind, \
    r.path AS region_path, i.body_id, b.name AS body_name, b.support_threshold, i.author_id, \
    u.display_name AS author_name, i.on_behalf, i.households_consulted, i.title, i.body, i.status, \
    i.status_reason, i.decision, i.supporters, i.created_at, i.updated_at \
    FROM issues i JOIN regions r ON r.id = i.region_id JOIN users u ON u.id = i.author_id \
    LEFT JOIN bodies b ON b.id = i.body_id";

pub struct NewIssue<'a> {
    pub region_id: i64,
    pub body_id: Option<i64>,
    pub author_id: i64,
    pub on_behalf: bool,
    pub households_consulted: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
    pub status: linli_domain::deliberation::issues::IssueStatus,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, i: NewIssue<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO issues (region_id, body_id, author_id, on_behalf, households_consulted, title, body, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
        .bind(i.region_id).bind(i.body_id).bind(i.author_id).bind(i.on_behalf).bind(i.households_consulted)
        .bind(i.title).bind(i.body).bind(i.status.as_str()).bind(i.at).fetch_one(c).await)
}

/// Records a status event that is not a move between two statuses (the raising itself).
pub async fn insert_event(
    tx: &mut Tx,
    issue_id: i64,
    from: &str,
    to: &str,
    by: Option<i64>,
    at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO issue_events (issue_id, from_status, to_status, reason, by_user, at) VALUES ($1, $2, $3, '', $4, $5)")
        .bind(issue_id).bind(from).bind(to).bind(by).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<IssueRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ISSUE_SELECT} WHERE i.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Issues at and below a node (`[lo, hi)` on the path), newest first; `status` filters.
pub async fn list_in(
    db: &Db,
    lo: &str,
    hi: &str,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<IssueRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ISSUE_SELECT} WHERE r.path >= $1 AND r.path < $2 AND ($3 = '' OR i.status = $3) \
         ORDER BY i.id DESC LIMIT $4 OFFSET $5")))
        .bind(lo).bind(hi).bind(status.unwrap_or("")).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn count_in(db: &Db, lo: &str, hi: &str, status: Option<&str>) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM issues i JOIN regions r ON r.id = i.region_id \
         WHERE r.path >= $1 AND r.path < $2 AND ($3 = '' OR i.status = $3)")
        .bind(lo).bind(hi).bind(status.unwrap_or("")).fetch_one(p).await)
}

/// The body nearest to a node: among `ancestors` (ids from the root down to the node),
/// the deepest one holding a body; the oldest body there. Returns (id, threshold).
pub async fn nearest_body(db: &Db, ancestors: &[i64]) -> StoreResult<Option<(i64, i64)>> {
    if ancestors.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(i64, i64, i64)> = on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT id, region_id, support_threshold FROM bodies WHERE region_id IN (");
        let mut sep = qb.separated(", ");
        for a in ancestors {
            sep.push_bind(*a);
        }
        qb.push(") ORDER BY id");
        qb.build_query_as().fetch_all(p).await
    })?;
    Ok(ancestors.iter().rev().find_map(|a| {
        rows.iter()
            .find(|(_, r, _)| r == a)
            .map(|(id, _, t)| (*id, *t))
    }))
}

/// Adds one supporter; a second support by the same person violates the primary key.
pub async fn insert_support(tx: &mut Tx, issue_id: i64, user_id: i64, at: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO issue_supports (issue_id, user_id, at) VALUES ($1, $2, $3)")
        .bind(issue_id).bind(user_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Everyone who supported the issue (as many as its supporters: a threshold's worth when
/// it reaches the agenda).
pub async fn supporter_ids(tx: &mut Tx, issue_id: i64) -> StoreResult<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT user_id FROM issue_supports WHERE issue_id = $1 ORDER BY user_id")
        .bind(issue_id).fetch_all(c).await)
}

/// Counts one more supporter on the issue row (locking it for the rest of the
/// transaction); returns the new count and the status.
pub async fn bump_supporters(tx: &mut Tx, issue_id: i64) -> StoreResult<(i64, String)> {
    on_tx!(tx, c => sqlx::query_as(
        "UPDATE issues SET supporters = supporters + 1 WHERE id = $1 RETURNING supporters, status")
        .bind(issue_id).fetch_one(c).await)
}

pub async fn supports(db: &Db, issue_id: i64, user_id: i64) -> StoreResult<bool> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM issue_supports WHERE issue_id = $1 AND user_id = $2")
        .bind(issue_id).bind(user_id).fetch_one(p).await)?;
    Ok(n > 0)
}

/// One status change, with who made it (none when support carried it).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub by_name: Option<String>,
    pub at: i64,
}

pub async fn events(db: &Db, issue_id: i64) -> StoreResult<Vec<EventRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT e.from_status, e.to_status, e.reason, u.display_name AS by_name, e.at \
         FROM issue_events e LEFT JOIN users u ON u.id = e.by_user WHERE e.issue_id = $1 ORDER BY e.id LIMIT 200")
        .bind(issue_id).fetch_all(p).await)
}

// ---- the thread ------------------------------------------------------------------------

/// A post of the thread, with the post it quotes. Hidden posts keep their text in the
/// store; the app layer blanks it before anyone sees it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct PostRow {
    pub id: i64,
    pub issue_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub hidden_reason: Option<String>,
    pub quote_id: Option<i64>,
    pub quote_author: Option<String>,
    pub quote_body: Option<String>,
    pub quote_hidden_reason: Option<String>,
    /// How many people reported it.
    pub reports: i64,
    pub created_at: i64,
}

const POST_SELECT: &str = "SELECT p.id, p.issue_id, p.author_id, u.display_name AS author_name, p.body, \
    p.hidden_reason, p.quote_id, qu.display_name AS quote_author, q.body AS quote_body, \
    q.hidden_reason AS quote_hidden_reason, \
    (SELECT COUNT(*) FROM post_reports pr WHERE pr.post_id = p.id) AS reports, p.created_at \
    FROM issue_posts p JOIN users u ON u.id = p.author_id \
    LEFT JOIN issue_posts q ON q.id = p.quote_id LEFT JOIN users qu ON qu.id = q.author_id";

pub async fn posts(db: &Db, issue_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<PostRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{POST_SELECT} WHERE p.issue_id = $1 ORDER BY p.id LIMIT $2 OFFSET $3")))
        .bind(issue_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn count_posts(db: &Db, issue_id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM issue_posts WHERE issue_id = $1")
        .bind(issue_id).fetch_one(p).await)
}

pub async fn post(db: &Db, id: i64) -> StoreResult<Option<PostRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{POST_SELECT} WHERE p.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// The issue a post belongs to.
pub async fn issue_of_post(db: &Db, post_id: i64) -> StoreResult<Option<i64>> {
    on_db!(db, p => sqlx::query_scalar("SELECT issue_id FROM issue_posts WHERE id = $1")
        .bind(post_id).fetch_optional(p).await)
}

pub async fn insert_post(
    tx: &mut Tx,
    issue_id: i64,
    author_id: i64,
    quote_id: Option<i64>,
    body: &str,
    at: i64,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO issue_posts (issue_id, author_id, quote_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(issue_id).bind(author_id).bind(quote_id).bind(body).bind(at).fetch_one(c).await)
}

/// Reports a post; a second report by the same person violates the primary key.
pub async fn insert_report(
    tx: &mut Tx,
    post_id: i64,
    user_id: i64,
    reason: &str,
    at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO post_reports (post_id, user_id, reason, at) VALUES ($1, $2, $3, $4)")
        .bind(post_id).bind(user_id).bind(reason).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Hides a post with a reason; false if it was hidden already.
pub async fn hide(tx: &mut Tx, post_id: i64, reason: &str, by: i64, at: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE issue_posts SET hidden_reason = $1, hidden_by = $2, hidden_at = $3 WHERE id = $4 AND hidden_at IS NULL")
        .bind(reason).bind(by).bind(at).bind(post_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Posts of `author_id` since `since` (rate limits; served by `issue_posts_author`).
pub async fn count_posts_since(db: &Db, author_id: i64, since: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM issue_posts WHERE author_id = $1 AND created_at >= $2")
        .bind(author_id).bind(since).fetch_one(p).await)
}

/// Issues raised by `author_id` since `since` (served by `issues_author`).
pub async fn count_issues_since(db: &Db, author_id: i64, since: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM issues WHERE author_id = $1 AND created_at >= $2")
        .bind(author_id).bind(since).fetch_one(p).await)
}

// ---- photos ----------------------------------------------------------------------------

/// A photo of an issue (`post_id` none) or of one of its posts.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct PhotoRef {
    pub file_id: i64,
    pub post_id: Option<i64>,
}

pub async fn link_file(
    tx: &mut Tx,
    issue_id: i64,
    post_id: Option<i64>,
    file_id: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("INSERT INTO issue_files (issue_id, post_id, file_id) VALUES ($1, $2, $3)")
        .bind(issue_id).bind(post_id).bind(file_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every photo of an issue and its posts (a few per post), in upload order.
pub async fn photos(db: &Db, issue_id: i64) -> StoreResult<Vec<PhotoRef>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT file_id, post_id FROM issue_files WHERE issue_id = $1 ORDER BY id LIMIT 1000")
        .bind(issue_id).fetch_all(p).await)
}

/// Photos already attached to an issue (post_id none) or to one post.
pub async fn count_photos(tx: &mut Tx, issue_id: i64, post_id: Option<i64>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM issue_files WHERE issue_id = $1 AND \
         ((post_id IS NULL AND $2 IS NULL) OR post_id = $2)")
        .bind(issue_id).bind(post_id).fetch_one(c).await)
}

/// Whether a file is a photo of this issue (or of one of its posts).
pub async fn is_photo_of(db: &Db, issue_id: i64, file_id: i64) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM issue_files WHERE issue_id = $1 AND file_id = $2)")
        .bind(issue_id).bind(file_id).fetch_one(p).await)
}

/// A reported post still shown, for the moderators of a node.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ReportedRow {
    pub post_id: i64,
    pub issue_id: i64,
    pub issue_title: String,
    pub author_name: String,
    pub body: String,
    pub reports: i64,
    /// The latest report's time.
    pub last_at: i64,
}

/// Posts reported and not hidden, in issues at and below a node, most reported first.
pub async fn reported_in(db: &Db, lo: &str, hi: &str, limit: i64) -> StoreResult<Vec<ReportedRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT p.id AS post_id, p.issue_id, i.title AS issue_title, u.display_name AS author_name, p.body, \
         COUNT(*) AS reports, MAX(pr.at) AS last_at \
         FROM post_reports pr JOIN issue_posts p ON p.id = pr.post_id JOIN issues i ON i.id = p.issue_id \
         JOIN regions r ON r.id = i.region_id JOIN users u ON u.id = p.author_id \
         WHERE r.path >= $1 AND r.path < $2 AND p.hidden_at IS NULL \
         GROUP BY p.id, p.issue_id, i.title, u.display_name, p.body \
         ORDER BY COUNT(*) DESC, MAX(pr.at) DESC LIMIT $3")
        .bind(lo).bind(hi).bind(limit).fetch_all(p).await)
}

/// Issues with an id above `after`, by id, as search documents (title; body and
/// decision as text; recency is when the issue was raised, which status moves do not
/// change, so the live index and a rebuild agree), to rebuild the index.
pub async fn search_sources(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<crate::search::SourceDoc>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT i.id AS ref_id, i.region_id, r.path AS region_path, i.title, \
         CASE WHEN i.decision = '' THEN i.body ELSE i.body || '\n' || i.decision END AS body, \
         i.created_at AS updated_at FROM issues i JOIN regions r ON r.id = i.region_id \
         WHERE i.id > $1 ORDER BY i.id LIMIT $2")
        .bind(after).bind(limit).fetch_all(&mut *c).await)
}

/// One issue as a search document (after its title, body or decision changed).
pub async fn search_source(tx: &mut Tx, id: i64) -> StoreResult<Option<crate::search::SourceDoc>> {
    Ok(search_sources(tx, id - 1, 1)
        .await?
        .into_iter()
        .find(|d| d.ref_id == id))
}
