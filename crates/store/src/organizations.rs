//! Organizations on a region node and their members.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct OrgRow {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub region_path: String,
    pub kind: String,
    pub name: String,
    pub intro: String,
    pub created_at: i64,
    pub members: i64,
    /// A club's stage (proposed, seedling, active…); `active` for other kinds.
    pub stage: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub phone: String,
    pub role: String,
    pub joined_at: i64,
}

const ORG_SELECT: &str = "SELECT o.id, o.region_id, r.name AS region_name, r.path AS region_path, \
    o.kind, o.name, o.intro, o.created_at, o.stage, \
    (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id) AS members \
    FROM organizations o JOIN regions r ON r.id = o.region_id";

pub async fn insert(
    tx: &mut Tx,
    region_id: i64,
    kind: &str,
    name: &str,
    intro: &str,
    created_by: i64,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO organizations (region_id, kind, name, intro, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(region_id).bind(kind).bind(name).bind(intro).bind(created_by).bind(now_ms())
        .fetch_one(c).await)
}

/// When an organization was founded, read inside a transaction.
pub async fn created_at(tx: &mut Tx, id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT created_at FROM organizations WHERE id = $1")
        .bind(id).fetch_one(&mut *c).await)
}

/// Changes the name and introduction.
pub async fn update(tx: &mut Tx, id: i64, name: &str, intro: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE organizations SET name = $1, intro = $2 WHERE id = $3")
        .bind(name).bind(intro).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<OrgRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ORG_SELECT} WHERE o.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Organizations on nodes within `[lo, hi)`, optionally of one kind, a page at a time.
/// A page of the organizations under a node, and how many there are in all: one
/// statement (the count rides along as a window) unless the page is past the end. The
/// member counts are taken for the page's rows only.
pub async fn list_in(
    db: &Db,
    lo: &str,
    hi: &str,
    kind: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<OrgRow>, i64)> {
    const SQL: &str = "SELECT x.id, x.region_id, x.region_name, x.region_path, x.kind, x.name, x.intro, \
        x.created_at, x.stage, (SELECT COUNT(*) FROM org_members m WHERE m.org_id = x.id) AS members, x.total \
        FROM (SELECT o.id, o.region_id, r.name AS region_name, r.path AS region_path, o.kind, o.name, o.intro, \
              o.created_at, o.stage, r.depth, COUNT(*) OVER () AS total \
              FROM organizations o JOIN regions r ON r.id = o.region_id \
              WHERE r.path >= $1 AND r.path < $2 AND ($3 IS NULL OR o.kind = $3) \
              ORDER BY r.depth, o.id LIMIT $4 OFFSET $5) x \
        ORDER BY x.depth, x.id";
    let rows: Vec<crate::Counted<OrgRow>> = on_db!(db, p => sqlx::query_as(SQL)
        .bind(lo).bind(hi).bind(kind).bind(limit).bind(offset).fetch_all(p).await)?;
    match crate::Counted::split(rows) {
        (rows, Some(total)) => Ok((rows, total)),
        (rows, None) if offset == 0 => Ok((rows, 0)),
        (rows, None) => Ok((rows, count_in(db, lo, hi, kind).await?)),
    }
}

pub async fn count_in(db: &Db, lo: &str, hi: &str, kind: Option<&str>) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM organizations o JOIN regions r ON r.id = o.region_id \
         WHERE r.path >= $1 AND r.path < $2 AND ($3 IS NULL OR o.kind = $3)")
        .bind(lo).bind(hi).bind(kind).fetch_one(p).await)
}

#[derive(sqlx::FromRow)]
struct OrgWithRole {
    #[sqlx(flatten)]
    org: OrgRow,
    my_role: String,
}

/// Organizations a user belongs to, with the user's role in each.
pub async fn of_user(db: &Db, user_id: i64) -> StoreResult<Vec<(OrgRow, String)>> {
    let rows: Vec<OrgWithRole> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM ({ORG_SELECT}) o2 JOIN (SELECT org_id, role AS my_role FROM org_members \
         WHERE user_id = $1) mm ON mm.org_id = o2.id ORDER BY o2.id LIMIT 100")))
        .bind(user_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.org, r.my_role)).collect())
}

pub async fn members(db: &Db, org_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<MemberRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT m.user_id, u.display_name AS name, u.phone, m.role, m.joined_at \
         FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 \
         ORDER BY CASE m.role WHEN 'leader' THEN 0 WHEN 'deputy_leader' THEN 1 \
         WHEN 'treasurer' THEN 2 WHEN 'secretary' THEN 3 ELSE 4 END, m.joined_at \
         LIMIT $2 OFFSET $3")
        .bind(org_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn member_role(db: &Db, org_id: i64, user_id: i64) -> StoreResult<Option<String>> {
    on_db!(db, p => sqlx::query_scalar("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).fetch_optional(p).await)
}

/// Adds a member, or changes the role of an existing one.
pub async fn upsert_member(tx: &mut Tx, org_id: i64, user_id: i64, role: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role")
        .bind(org_id).bind(user_id).bind(role).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Adds a member unless they already are one (never changes an existing role);
/// false if they were a member already.
pub async fn insert_member(
    tx: &mut Tx,
    org_id: i64,
    user_id: i64,
    role: &str,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, user_id) DO NOTHING")
        .bind(org_id).bind(user_id).bind(role).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Takes the organization's row lock for the rest of the transaction, so membership
/// changes of one organization run one after another (e.g. two leaders leaving at once
/// cannot both see the other as the remaining leader). A no-op update locks the row on
/// PostgreSQL; SQLite transactions already hold the database lock.
pub async fn lock(tx: &mut Tx, org_id: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE organizations SET id = id WHERE id = $1")
        .bind(org_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A member's role read inside a transaction (after `lock`).
pub async fn member_role_tx(tx: &mut Tx, org_id: i64, user_id: i64) -> StoreResult<Option<String>> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).fetch_optional(c).await)
}

/// Removes a member; false if they were not one.
pub async fn remove_member(tx: &mut Tx, org_id: i64, user_id: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Leaders remaining in an organization (one may not leave it leaderless).
pub async fn count_leaders(tx: &mut Tx, org_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM org_members WHERE org_id = $1 AND role = 'leader'")
        .bind(org_id).fetch_one(c).await)
}

/// Organizations with an id above `after`, by id, as search documents (name and
/// introduction), to rebuild the index.
pub async fn search_sources(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<crate::search::SourceDoc>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT o.id AS ref_id, o.region_id, r.path AS region_path, o.name AS title, \
         o.intro AS body, o.created_at AS updated_at \
         FROM organizations o JOIN regions r ON r.id = o.region_id \
         WHERE o.id > $1 ORDER BY o.id LIMIT $2")
        .bind(after).bind(limit).fetch_all(&mut *c).await)
}
