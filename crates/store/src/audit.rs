//! The audit log: every change of roles, memberships, money, votes and bookings, and
//! every read of residents' personal data.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};

/// One entry to write.
pub struct NewAudit<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub region_id: Option<i64>,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub target: String,
    pub detail: String,
}

const INSERT: &str = "INSERT INTO audit_log (at, actor_id, action, region_id, target, detail) \
                      VALUES ($1, $2, $3, $4, $5, $6)";

/// Appends an entry inside the transaction that makes the change, so the change and its
/// record commit together or not at all.
pub async fn record(tx: &mut Tx, a: NewAudit<'_>) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(INSERT)
        .bind(now_ms()).bind(a.actor_id).bind(a.action).bind(a.region_id)
        .bind(a.target).bind(a.detail)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Appends several entries in one statement per thousand (an import's new buildings).
pub async fn record_many(tx: &mut Tx, entries: &[NewAudit<'_>]) -> StoreResult<()> {
    let now = now_ms();
    for chunk in entries.chunks(1000) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO audit_log (at, actor_id, action, region_id, target, detail) ");
            qb.push_values(chunk, |mut b, a| {
                b.push_bind(now).push_bind(a.actor_id).push_bind(a.action).push_bind(a.region_id)
                    .push_bind(a.target.as_str()).push_bind(a.detail.as_str());
            });
            qb.build().execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Appends an entry outside a transaction (reads of personal data).
pub async fn record_now(db: &Db, a: NewAudit<'_>) -> StoreResult<()> {
    on_db!(db, p => sqlx::query(INSERT)
        .bind(now_ms()).bind(a.actor_id).bind(a.action).bind(a.region_id)
        .bind(a.target).bind(a.detail)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Entries about nodes within `[lo, hi)`, newest first. Entries without a node (such as
/// logins) are shown to those who read the whole platform (`include_global`).
pub async fn list(
    db: &Db,
    lo: &str,
    hi: &str,
    include_global: bool,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<AuditRow>> {
    const SQL: &str = "SELECT a.id, a.at, a.actor_id, u.display_name AS actor_name, a.action, \
        a.region_id, r.name AS region_name, a.target, a.detail \
        FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
        LEFT JOIN regions r ON r.id = a.region_id \
        WHERE (r.path >= $1 AND r.path < $2) OR (a.region_id IS NULL AND $3) \
        ORDER BY a.id DESC LIMIT $4 OFFSET $5";
    on_db!(db, p => sqlx::query_as(SQL).bind(lo).bind(hi).bind(include_global)
        .bind(limit).bind(offset).fetch_all(p).await)
}
