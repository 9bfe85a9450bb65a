//! Issues (议题) raised by residents: support, the discussion thread and its moderation.
//! Status changes go through `transition`, which records each move in `issue_events`.

use crate::{StoreResult, Tx, on_tx};

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
