//! Accounts, sessions, SMS codes, login throttling, role grants and invitations.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};

/// An account. Its `Debug` leaves the password hash out, so a logged value never
/// carries it.
#[derive(Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UserRow {
    pub id: i64,
    pub phone: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub lang: String,
    pub elderly: bool,
    pub created_at: i64,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("phone", &self.phone)
            .field("display_name", &self.display_name)
            .field("password_hash", &"<redacted>")
            .field("lang", &self.lang)
            .field("elderly", &self.elderly)
            .field("created_at", &self.created_at)
            .finish()
    }
}

const USER_COLS: &str = "id, phone, display_name, password_hash, lang, elderly, created_at";

pub async fn insert_user(
    tx: &mut Tx,
    phone: &str,
    name: &str,
    password_hash: &str,
    lang: &str,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO users (phone, display_name, password_hash, lang, elderly, created_at) \
         VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id")
        .bind(phone).bind(name).bind(password_hash).bind(lang).bind(now_ms())
        .fetch_one(c).await)
}

pub async fn user_by_phone(db: &Db, phone: &str) -> StoreResult<Option<UserRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(
        format!("SELECT {USER_COLS} FROM users WHERE phone = $1")))
        .bind(phone).fetch_optional(p).await)
}

pub async fn user_by_id(db: &Db, id: i64) -> StoreResult<Option<UserRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(
        format!("SELECT {USER_COLS} FROM users WHERE id = $1")))
        .bind(id).fetch_optional(p).await)
}

pub async fn set_prefs(db: &Db, id: i64, lang: &str, elderly: bool) -> StoreResult<()> {
    on_db!(db, p => sqlx::query("UPDATE users SET lang = $1, elderly = $2 WHERE id = $3")
        .bind(lang).bind(elderly).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- sessions -------------------------------------------------------------------

/// Stores a session under the hash of its token; the token itself never reaches the DB.
pub async fn insert_session(
    db: &Db,
    id_hash: &str,
    user_id: i64,
    expires_at: i64,
) -> StoreResult<()> {
    on_db!(db, p => sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(id_hash).bind(user_id).bind(now_ms()).bind(expires_at).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The account behind a live session.
pub async fn session_user(db: &Db, id_hash: &str) -> StoreResult<Option<UserRow>> {
    Ok(check_session(db, id_hash, false).await?.map(|s| s.user))
}

/// What a request needs to know of its session, read in one statement: the user (without
/// the password hash), the version of their grants, and (when asked) their unread
/// notifications.
#[derive(Debug, Clone)]
pub struct SessionCheck {
    pub user: UserRow,
    pub grants_version: i64,
    pub unread: i64,
}

#[derive(sqlx::FromRow)]
struct SessionCheckRow {
    id: i64,
    phone: String,
    display_name: String,
    lang: String,
    elderly: bool,
    created_at: i64,
    grants_version: i64,
    unread: i64,
}

macro_rules! session_check_sql {
    ($unread:literal) => {
        concat!(
            "SELECT u.id, u.phone, u.display_name, u.lang, u.elderly, u.created_at, u.grants_version, ",
            $unread,
            " AS unread FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > $2"
        )
    };
}

/// The session `id_hash` if it is live, with its user, grants version and (if
/// `with_unread`) unread count.
pub async fn check_session(
    db: &Db,
    id_hash: &str,
    with_unread: bool,
) -> StoreResult<Option<SessionCheck>> {
    let now = now_ms();
    let row: Option<SessionCheckRow> = if with_unread {
        on_db!(db, p => sqlx::query_as(session_check_sql!(
            "(SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)"))
            .bind(id_hash).bind(now).fetch_optional(p).await)?
    } else {
        on_db!(db, p => sqlx::query_as(session_check_sql!("CAST(0 AS BIGINT)"))
            .bind(id_hash).bind(now).fetch_optional(p).await)?
    };
    Ok(row.map(|r| SessionCheck {
        user: UserRow {
            id: r.id,
            phone: r.phone,
            display_name: r.display_name,
            password_hash: String::new(),
            lang: r.lang,
            elderly: r.elderly,
            created_at: r.created_at,
        },
        grants_version: r.grants_version,
        unread: r.unread,
    }))
}

/// The current version of a user's grants (bumped by triggers on every change).
pub async fn grants_version(db: &Db, user_id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar("SELECT grants_version FROM users WHERE id = $1")
        .bind(user_id).fetch_one(p).await)
}

pub async fn delete_session(db: &Db, id_hash: &str) -> StoreResult<()> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id_hash).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_expired_sessions(db: &Db) -> StoreResult<u64> {
    let r = on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r)
}

// ---- SMS codes and throttling ------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SmsCodeRow {
    pub id: i64,
    pub code: String,
    pub attempts: i64,
    pub created_at: i64,
}

pub async fn insert_sms_code(
    db: &Db,
    phone: &str,
    code: &str,
    purpose: &str,
    ttl_ms: i64,
) -> StoreResult<()> {
    let now = now_ms();
    on_db!(db, p => sqlx::query(
        "INSERT INTO sms_codes (phone, code, purpose, attempts, used, created_at, expires_at) \
         VALUES ($1, $2, $3, 0, FALSE, $4, $5)")
        .bind(phone).bind(code).bind(purpose).bind(now).bind(now + ttl_ms).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The newest live, unused code for a phone and purpose.
pub async fn latest_sms_code(
    db: &Db,
    phone: &str,
    purpose: &str,
) -> StoreResult<Option<SmsCodeRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, code, attempts, created_at FROM sms_codes \
         WHERE phone = $1 AND purpose = $2 AND used = FALSE AND expires_at > $3 \
         ORDER BY id DESC LIMIT 1")
        .bind(phone).bind(purpose).bind(now_ms()).fetch_optional(p).await)
}

/// Counts one verification attempt against a code, unless it has had `max` already;
/// the conditional update makes the limit hold under parallel guesses.
pub async fn take_sms_attempt(db: &Db, id: i64, max: i64) -> StoreResult<bool> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2")
        .bind(id).bind(max).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks a code used; false if another request used it first.
pub async fn consume_sms_code(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE sms_codes SET used = TRUE WHERE id = $1 AND used = FALSE")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Ends every session of a user; returns how many there were.
pub async fn delete_sessions_of_user(db: &Db, user_id: i64) -> StoreResult<u64> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id).execute(p).await.map(|r| r.rows_affected()))
}

/// Forgets throttling records older than `before` (run with the session sweep).
pub async fn delete_old_throttle_rows(db: &Db, before: i64) -> StoreResult<()> {
    crate::throttle::delete_idle(db, before).await?;
    on_db!(db, p => sqlx::query("DELETE FROM sms_codes WHERE expires_at < $1")
        .bind(before).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- role grants --------------------------------------------------------------------

/// An active role of a user, with the node it is held on.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub user_phone: String,
    pub region_id: i64,
    pub region_name: String,
    pub region_path: String,
    pub region_kind: String,
    pub role: String,
    pub granted_at: i64,
}

const GRANT_SELECT: &str = "SELECT g.id, g.user_id, u.display_name AS user_name, \
    u.phone AS user_phone, g.region_id, r.name AS region_name, r.path AS region_path, \
    r.kind AS region_kind, g.role, g.granted_at \
    FROM role_grants g JOIN users u ON u.id = g.user_id JOIN regions r ON r.id = g.region_id";

pub async fn grants_of_user(db: &Db, user_id: i64) -> StoreResult<Vec<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{GRANT_SELECT} WHERE g.user_id = $1 AND g.revoked_at IS NULL ORDER BY r.depth, g.id")))
        .bind(user_id).fetch_all(p).await)
}

/// Active grants on nodes within `[lo, hi)`, a page at a time.
pub async fn grants_in(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{GRANT_SELECT} WHERE r.path >= $1 AND r.path < $2 AND g.revoked_at IS NULL \
         ORDER BY r.depth, r.id, g.id LIMIT $3 OFFSET $4")))
        .bind(lo).bind(hi).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn grant_by_id(db: &Db, id: i64) -> StoreResult<Option<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{GRANT_SELECT} WHERE g.id = $1 AND g.revoked_at IS NULL")))
        .bind(id).fetch_optional(p).await)
}

/// Holders of `role` on exactly this node (e.g. a building's representatives).
pub async fn holders_at(db: &Db, region_id: i64, role: &str) -> StoreResult<Vec<GrantRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{GRANT_SELECT} WHERE g.region_id = $1 AND g.role = $2 AND g.revoked_at IS NULL ORDER BY g.id")))
        .bind(region_id).bind(role).fetch_all(p).await)
}

/// Grants a role; the partial unique index refuses a second active grant of the same
/// role on the same node.
pub async fn insert_grant(
    tx: &mut Tx,
    user_id: i64,
    region_id: i64,
    role: &str,
    by: Option<i64>,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO role_grants (user_id, region_id, role, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(user_id).bind(region_id).bind(role).bind(by).bind(now_ms()).fetch_one(c).await)
}

/// Grants a role unless the user already holds it there.
pub async fn ensure_grant(
    tx: &mut Tx,
    user_id: i64,
    region_id: i64,
    role: &str,
    by: Option<i64>,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO role_grants (user_id, region_id, role, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, region_id, role) WHERE revoked_at IS NULL DO NOTHING")
        .bind(user_id).bind(region_id).bind(role).bind(by).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ids of the active grants of `role` anywhere, locked until the transaction ends (on
/// SQLite the writer transaction holds the lock), so two revokes cannot both see the
/// other's grant still standing.
pub async fn lock_active_grants_of_role(tx: &mut Tx, role: &str) -> StoreResult<Vec<i64>> {
    const SQL: &str =
        "SELECT id FROM role_grants WHERE role = $1 AND revoked_at IS NULL ORDER BY id";
    match tx {
        Tx::Sqlite(t) => sqlx::query_scalar(SQL).bind(role).fetch_all(&mut **t).await,
        Tx::Postgres(t) => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{SQL} FOR UPDATE")))
                .bind(role)
                .fetch_all(&mut **t)
                .await
        }
    }
}

/// The root of the region tree (the network), for platform-wide roles.
pub async fn root_region(db: &Db) -> StoreResult<Option<i64>> {
    on_db!(db, p => sqlx::query_scalar("SELECT id FROM regions WHERE parent_id IS NULL ORDER BY id LIMIT 1")
        .fetch_optional(p).await)
}

/// Revokes an active grant; false if it was already revoked.
pub async fn revoke_grant(tx: &mut Tx, id: i64, by: i64) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE role_grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now_ms()).bind(by).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- households and invitations -----------------------------------------------------

/// The household a user has joined, with its building.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MyHousehold {
    pub household_id: i64,
    pub unit_label: String,
    pub floor_area: i64,
    pub building_id: i64,
    pub building_name: String,
    pub building_path: String,
}

pub async fn household_of_user(db: &Db, user_id: i64) -> StoreResult<Option<MyHousehold>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT h.id AS household_id, h.unit_label, h.floor_area, r.id AS building_id, \
         r.name AS building_name, r.path AS building_path \
         FROM residents x JOIN households h ON h.id = x.household_id JOIN regions r ON r.id = h.region_id \
         WHERE x.user_id = $1")
        .bind(user_id).fetch_optional(p).await)
}

/// Adds an account to a household as a resident.
pub async fn insert_resident_account(
    tx: &mut Tx,
    household_id: i64,
    region_id: i64,
    name: &str,
    phone: &str,
    user_id: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO residents (household_id, region_id, name, phone, user_id, is_head, created_at) \
         VALUES ($1, $2, $3, $4, $5, FALSE, $6)")
        .bind(household_id).bind(region_id).bind(name).bind(phone).bind(user_id).bind(now_ms())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct InvitationRow {
    pub code: String,
    pub household_id: i64,
    pub region_id: i64,
    pub unit_label: String,
    pub building_name: String,
    pub max_uses: i64,
    pub uses: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

const INVITE_SELECT: &str = "SELECT i.code, i.household_id, i.region_id, h.unit_label, \
    r.name AS building_name, i.max_uses, i.uses, i.created_at, i.expires_at \
    FROM invitations i JOIN households h ON h.id = i.household_id JOIN regions r ON r.id = i.region_id";

pub async fn insert_invitation(
    tx: &mut Tx,
    code: &str,
    household_id: i64,
    region_id: i64,
    created_by: i64,
    max_uses: i64,
    expires_at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO invitations (code, household_id, region_id, created_by, max_uses, uses, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)")
        .bind(code).bind(household_id).bind(region_id).bind(created_by).bind(max_uses)
        .bind(now_ms()).bind(expires_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The newest live invitation (unexpired, uses left) of each household of a building, by
/// unit: what a printed sheet of slips carries.
pub async fn live_invitations_of_building(
    db: &Db,
    building_id: i64,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<InvitationRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{INVITE_SELECT} WHERE i.region_id = $1 AND i.code = ( \
            SELECT i2.code FROM invitations i2 WHERE i2.household_id = i.household_id \
            AND i2.uses < i2.max_uses AND i2.expires_at > $2 \
            ORDER BY i2.created_at DESC, i2.code LIMIT 1) \
         ORDER BY h.id LIMIT $3")))
        .bind(building_id).bind(now).bind(limit).fetch_all(p).await)
}

/// Households of a building that nobody has joined and that hold no live invitation:
/// the ones a new sheet of slips needs codes for.
pub async fn households_needing_invitations(
    tx: &mut Tx,
    building_id: i64,
    now: i64,
) -> StoreResult<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT h.id FROM households h WHERE h.region_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM residents x WHERE x.household_id = h.id AND x.user_id IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.household_id = h.id \
                         AND i.uses < i.max_uses AND i.expires_at > $2) \
         ORDER BY h.id")
        .bind(building_id).bind(now).fetch_all(c).await)
}

pub async fn invitation(db: &Db, code: &str) -> StoreResult<Option<InvitationRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{INVITE_SELECT} WHERE i.code = $1")))
        .bind(code).fetch_optional(p).await)
}

/// Live invitations of a household.
pub async fn invitations_of_household(
    db: &Db,
    household_id: i64,
) -> StoreResult<Vec<InvitationRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{INVITE_SELECT} WHERE i.household_id = $1 AND i.expires_at > $2 AND i.uses < i.max_uses \
         ORDER BY i.created_at DESC LIMIT 20")))
        .bind(household_id).bind(now_ms()).fetch_all(p).await)
}

/// Uses one place of a live invitation; returns it if a place was left. The conditional
/// update is the guard: two people racing for the last place cannot both get it.
pub async fn use_invitation(tx: &mut Tx, code: &str) -> StoreResult<Option<(i64, i64)>> {
    on_tx!(tx, c => sqlx::query_as(
        "UPDATE invitations SET uses = uses + 1 \
         WHERE code = $1 AND uses < max_uses AND expires_at > $2 RETURNING household_id, region_id")
        .bind(code).bind(now_ms()).fetch_optional(c).await)
}
