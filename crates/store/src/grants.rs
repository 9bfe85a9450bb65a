//! Micro-grants: applications with budget lines, votes, a timeline of events, and the
//! funds' spending rules.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use sqlx::QueryBuilder;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = MicroGrantRow)]
pub struct GrantRow {
    pub id: i64,
    pub fund_org_id: i64,
    pub fund_name: String,
    pub applicant_org_id: i64,
    pub applicant_name: String,
    pub region_id: i64,
    pub title: String,
    pub purpose: String,
    pub amount: i64,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::money::GrantStatus,
    pub disbursed: i64,
    pub spent: i64,
    pub returned: i64,
    /// The fund's account the grant was paid from (the unused part returns there).
    pub paid_from: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LineRow {
    pub item: String,
    pub amount: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = GrantEventRow)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor_name: String,
    pub kind: String,
    pub body: String,
    pub amount: i64,
    pub voucher_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RuleRow {
    pub id: i64,
    pub max_amount: i64,
    pub approvals: i64,
}

const GRANT_SELECT: &str = "SELECT g.id, g.fund_org_id, f.name AS fund_name, g.applicant_org_id, \
    a.name AS applicant_name, g.region_id, g.title, g.purpose, g.amount, g.status, g.disbursed, g.spent, \
    g.returned, g.paid_from, g.created_by, g.created_at FROM grants g \
    JOIN organizations f ON f.id = g.fund_org_id JOIN organizations a ON a.id = g.applicant_org_id";

pub struct NewGrant<'a> {
    pub fund_org_id: i64,
    pub applicant_org_id: i64,
    pub region_id: i64,
    pub title: &'a str,
    pub purpose: &'a str,
    pub lines: &'a [(String, i64)],
    pub created_by: i64,
}

pub async fn insert(tx: &mut Tx, g: NewGrant<'_>) -> StoreResult<i64> {
    let amount: i64 = g.lines.iter().map(|(_, a)| a).sum();
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO grants (fund_org_id, applicant_org_id, region_id, title, purpose, amount, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'applied', $7, $8) RETURNING id")
        .bind(g.fund_org_id).bind(g.applicant_org_id).bind(g.region_id).bind(g.title).bind(g.purpose)
        .bind(amount).bind(g.created_by).bind(now_ms()).fetch_one(c).await)?;
    on_tx!(tx, c => {
        let mut qb = QueryBuilder::new("INSERT INTO grant_lines (grant_id, item, amount) ");
        qb.push_values(g.lines, |mut b, (item, amount)| {
            b.push_bind(id).push_bind(item.clone()).push_bind(*amount);
        });
        qb.build().execute(&mut *c).await?;
    });
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{GRANT_SELECT} WHERE g.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Locks the grant row for the rest of the transaction and reads it.
pub async fn lock(tx: &mut Tx, id: i64) -> StoreResult<GrantRow> {
    on_tx!(tx, c => sqlx::query("UPDATE grants SET id = id WHERE id = $1").bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!("{GRANT_SELECT} WHERE g.id = $1")))
        .bind(id).fetch_one(c).await)
}

/// Grants of a fund (as funder) or of an organization (as applicant), newest first.
pub async fn list_for_org(
    db: &Db,
    org_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{GRANT_SELECT} WHERE g.fund_org_id = $1 OR g.applicant_org_id = $1 ORDER BY g.id DESC LIMIT $2 OFFSET $3")))
        .bind(org_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn lines(db: &Db, grant_id: i64) -> StoreResult<Vec<LineRow>> {
    on_db!(db, p => sqlx::query_as("SELECT item, amount FROM grant_lines WHERE grant_id = $1 ORDER BY id")
        .bind(grant_id).fetch_all(p).await)
}

pub async fn events(db: &Db, grant_id: i64) -> StoreResult<Vec<EventRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.display_name AS actor_name, e.kind, e.body, e.amount, e.voucher_id \
         FROM grant_events e JOIN users u ON u.id = e.actor_id WHERE e.grant_id = $1 ORDER BY e.id LIMIT 500")
        .bind(grant_id).fetch_all(p).await)
}

pub async fn insert_event(
    tx: &mut Tx,
    grant_id: i64,
    actor: i64,
    kind: &str,
    body: &str,
    amount: i64,
    voucher_id: Option<i64>,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO grant_events (grant_id, at, actor_id, kind, body, amount, voucher_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(grant_id).bind(now_ms()).bind(actor).bind(kind).bind(body).bind(amount).bind(voucher_id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Casts a vote; false if this member has voted on this grant already.
pub async fn insert_vote(
    tx: &mut Tx,
    grant_id: i64,
    user_id: i64,
    vote: &str,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO grant_votes (grant_id, user_id, vote, at) VALUES ($1, $2, $3, $4) ON CONFLICT (grant_id, user_id) DO NOTHING")
        .bind(grant_id).bind(user_id).bind(vote).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// (yes, no) votes.
pub async fn tally(tx: &mut Tx, grant_id: i64) -> StoreResult<(i64, i64)> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN vote = 'yes' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN vote = 'no' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM grant_votes WHERE grant_id = $1")
        .bind(grant_id).fetch_one(c).await)
}

pub async fn votes(db: &Db, grant_id: i64) -> StoreResult<Vec<(i64, String)>> {
    on_db!(db, p => sqlx::query_as("SELECT user_id, vote FROM grant_votes WHERE grant_id = $1")
        .bind(grant_id).fetch_all(p).await)
}

/// Moves the grant from `from` to `to`; false if it was no longer in `from`.
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: linli_domain::money::GrantStatus,
    to: linli_domain::money::GrantStatus,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE grants SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to.as_str()).bind(id).bind(from.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Adds to the disbursed, spent and returned totals.
pub async fn add_amounts(
    tx: &mut Tx,
    id: i64,
    disbursed: i64,
    spent: i64,
    returned: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE grants SET disbursed = disbursed + $1, spent = spent + $2, returned = returned + $3 WHERE id = $4")
        .bind(disbursed).bind(spent).bind(returned).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_paid_from(tx: &mut Tx, id: i64, account: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE grants SET paid_from = $1 WHERE id = $2")
        .bind(account).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Members of a fund who sit on its committee (leader, deputies, committee members).
pub async fn committee(db: &Db, org_id: i64) -> StoreResult<Vec<i64>> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT user_id FROM org_members WHERE org_id = $1 AND role IN ('leader', 'deputy_leader', 'committee')")
        .bind(org_id).fetch_all(p).await)
}

pub async fn rules(db: &Db, org_id: i64) -> StoreResult<Vec<RuleRow>> {
    on_db!(db, p => sqlx::query_as("SELECT id, max_amount, approvals FROM fund_rules WHERE org_id = $1 ORDER BY max_amount")
        .bind(org_id).fetch_all(p).await)
}

pub async fn upsert_rule(
    tx: &mut Tx,
    org_id: i64,
    max_amount: i64,
    approvals: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO fund_rules (org_id, max_amount, approvals, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, max_amount) DO UPDATE SET approvals = excluded.approvals")
        .bind(org_id).bind(max_amount).bind(approvals).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Members of an organization (the size of a fund's committee).
pub async fn committee_size(db: &Db, org_id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM org_members WHERE org_id = $1")
        .bind(org_id).fetch_one(p).await)
}
