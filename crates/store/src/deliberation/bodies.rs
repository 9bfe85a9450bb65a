//! Bodies (四方联席会议, 议事会, 业主大会, 专委会), their members, seats by party and terms.

use crate::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct BodyRow {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub region_path: String,
    /// joint_meeting | council | owners_assembly | committee
    pub kind: String,
    pub name: String,
    /// Supporters an issue needs to go on this body's agenda.
    pub support_threshold: i64,
    /// Members present for a quorum, in basis points of the seated members.
    pub quorum_bp: i64,
    pub requires_second: bool,
    /// Each speaker's time limit.
    pub speech_seconds: i64,
    pub created_at: i64,
}

const BODY_SELECT: &str = "SELECT b.id, b.region_id, r.name AS region_name, r.path AS region_path, b.kind, b.name, \
    b.support_threshold, b.quorum_bp, b.requires_second, b.speech_seconds, b.created_at \
    FROM bodies b JOIN regions r ON r.id = b.region_id";

pub struct NewBody<'a> {
    pub region_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub support_threshold: i64,
    pub quorum_bp: i64,
    pub requires_second: bool,
    pub speech_seconds: i64,
    pub created_by: i64,
    pub at: i64,
}

pub async fn insert(tx: &mut Tx, b: NewBody<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO bodies (region_id, kind, name, support_threshold, quorum_bp, requires_second, speech_seconds, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(b.region_id).bind(b.kind).bind(b.name).bind(b.support_threshold).bind(b.quorum_bp)
        .bind(b.requires_second).bind(b.speech_seconds).bind(b.created_by).bind(b.at).fetch_one(c).await)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<BodyRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{BODY_SELECT} WHERE b.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Bodies at and below a node (`[lo, hi)` of paths), by node then name.
pub async fn in_subtree(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<BodyRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BODY_SELECT} WHERE r.path >= $1 AND r.path < $2 ORDER BY r.path, b.name LIMIT $3 OFFSET $4")))
        .bind(lo).bind(hi).bind(limit).bind(offset).fetch_all(p).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = BodyMemberRow)]
pub struct MemberRow {
    pub id: i64,
    pub body_id: i64,
    pub user_id: i64,
    pub name: String,
    /// residents_committee | owners_committee | property | social_org | resident | expert
    pub party: String,
    pub seat: String,
    /// `YYYY-MM-DD`, inclusive.
    pub term_start: String,
    /// `YYYY-MM-DD`, inclusive.
    pub term_end: String,
}

pub struct NewMember<'a> {
    pub body_id: i64,
    pub user_id: i64,
    pub party: &'a str,
    pub seat: &'a str,
    pub term_start: &'a str,
    pub term_end: &'a str,
    pub at: i64,
}

pub async fn insert_member(tx: &mut Tx, m: NewMember<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO body_members (body_id, user_id, party, seat, term_start, term_end, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(m.body_id).bind(m.user_id).bind(m.party).bind(m.seat).bind(m.term_start).bind(m.term_end)
        .bind(m.at).fetch_one(c).await)
}

/// Every seat of a body, current and past, latest terms first.
pub async fn members(db: &Db, body_id: i64) -> StoreResult<Vec<MemberRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT m.id, m.body_id, m.user_id, u.display_name AS name, m.party, m.seat, m.term_start, m.term_end \
         FROM body_members m JOIN users u ON u.id = m.user_id WHERE m.body_id = $1 \
         ORDER BY m.term_end DESC, m.party, m.id LIMIT 500")
        .bind(body_id).fetch_all(p).await)
}

/// The seat `user_id` holds on `day` (`YYYY-MM-DD`), if any.
pub async fn seat_on(
    db: &Db,
    body_id: i64,
    user_id: i64,
    day: &str,
) -> StoreResult<Option<MemberRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT m.id, m.body_id, m.user_id, u.display_name AS name, m.party, m.seat, m.term_start, m.term_end \
         FROM body_members m JOIN users u ON u.id = m.user_id \
         WHERE m.body_id = $1 AND m.user_id = $2 AND m.term_start <= $3 AND m.term_end >= $3 \
         ORDER BY m.id LIMIT 1")
        .bind(body_id).bind(user_id).bind(day).fetch_optional(p).await)
}

/// A user by phone number, for adding members and action owners: (id, name).
pub async fn user_by_phone(db: &Db, phone: &str) -> StoreResult<Option<(i64, String)>> {
    on_db!(db, p => sqlx::query_as("SELECT id, display_name FROM users WHERE phone = $1")
        .bind(phone).fetch_optional(p).await)
}

/// Whether `user_id` holds or held a seat on the body.
pub async fn ever_member(db: &Db, body_id: i64, user_id: i64) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM body_members WHERE body_id = $1 AND user_id = $2)")
        .bind(body_id).bind(user_id).fetch_one(p).await)
}
