//! The region tree and the households in its buildings.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::regions::{RegionKind, RegionPath};
use sqlx::QueryBuilder;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RegionRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub path: String,
    pub depth: i64,
    /// Where it is listed among its siblings (then by id).
    pub sort_order: i64,
    /// When it was retired (kept for history, hidden where new records are made).
    pub retired_at: Option<i64>,
}

impl RegionRow {
    pub fn region_path(&self) -> RegionPath {
        RegionPath::from_stored(self.path.clone())
    }

    pub fn kind(&self) -> RegionKind {
        RegionKind::parse(&self.kind).unwrap_or(RegionKind::Building)
    }
}

/// A child node with the number of households below it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ChildRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub households: i64,
}

/// Counts shown on a node's page.
#[derive(Debug, Clone, Default, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct RegionStats {
    pub households: i64,
    pub residents: i64,
    pub registered: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdRow {
    pub id: i64,
    pub region_id: i64,
    pub unit_label: String,
    pub floor_area: i64,
    /// residence | shop | garage.
    pub kind: String,
    pub residents: i64,
    pub registered: i64,
}

/// A resident with personal data, for the roles that need it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentRow {
    pub id: i64,
    pub household_id: i64,
    pub unit_label: String,
    pub name: String,
    pub phone: Option<String>,
    pub registered: bool,
    pub is_head: bool,
}

const COLS: &str = "id, parent_id, kind, name, path, depth, sort_order, retired_at";

/// Creates a node under `parent` (or a root) and sets its materialized path.
pub async fn insert(
    tx: &mut Tx,
    parent: Option<&RegionRow>,
    kind: RegionKind,
    name: &str,
) -> StoreResult<RegionRow> {
    let depth = parent.map_or(0, |p| p.depth + 1);
    let now = now_ms();
    // The path needs the new id: insert with a unique placeholder, then set it.
    let placeholder = format!("~new~{}~{}", now, rand_suffix());
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO regions (parent_id, kind, name, path, depth, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(parent.map(|p| p.id)).bind(kind.as_str()).bind(name).bind(&placeholder)
        .bind(depth).bind(now).fetch_one(c).await)?;
    let path = match parent {
        Some(p) => p.region_path().child(linli_domain::regions::RegionId(id)),
        None => RegionPath::root(linli_domain::regions::RegionId(id)),
    };
    on_tx!(tx, c => sqlx::query("UPDATE regions SET path = $1 WHERE id = $2")
        .bind(path.as_str()).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(RegionRow {
        id,
        parent_id: parent.map(|p| p.id),
        kind: kind.as_str().into(),
        name: name.into(),
        path: path.as_str().into(),
        depth,
        sort_order: 0,
        retired_at: None,
    })
}

/// Adds children of one kind under `parent` (an import's new buildings) in a few
/// statements, placed after its last child in the order given; returns (id, name) of each.
/// The caller holds `parent` locked.
pub async fn insert_children(
    tx: &mut Tx,
    parent: &RegionRow,
    kind: RegionKind,
    names: &[&str],
) -> StoreResult<Vec<(i64, String)>> {
    let now = now_ms();
    let first = next_sort_order(tx, parent.id).await?;
    let mut out = Vec::with_capacity(names.len());
    for (c_no, chunk) in names.chunks(1000).enumerate() {
        let rows: Vec<(i64, String)> = on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO regions (parent_id, kind, name, path, depth, sort_order, created_at) ");
            qb.push_values(chunk.iter().enumerate(), |mut b, (i, name)| {
                let n = c_no * 1000 + i;
                b.push_bind(parent.id).push_bind(kind.as_str()).push_bind(*name)
                    .push_bind(format!("~new~{now}~{}~{n}", rand_suffix()))
                    .push_bind(parent.depth + 1).push_bind(first + n as i64).push_bind(now);
            });
            qb.push(" RETURNING id, name");
            qb.build_query_as().fetch_all(&mut *c).await
        })?;
        out.extend(rows);
    }
    // Each path is the parent's with the new id: one statement for all of them.
    on_tx!(tx, c => sqlx::query(
        "UPDATE regions SET path = $1 || CAST(id AS TEXT) || '/' WHERE parent_id = $2 AND path LIKE '~new~%'")
        .bind(parent.path.as_str()).bind(parent.id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(out)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<RegionRow>> {
    const SQL: &str = "SELECT id, parent_id, kind, name, path, depth, sort_order, retired_at FROM regions WHERE id = $1";
    on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

/// A node and every node above it, from the root down (the node last), in one statement:
/// a walk up the parent links, each step a primary-key lookup.
pub async fn with_ancestors(db: &Db, id: i64) -> StoreResult<Vec<RegionRow>> {
    const SQL: &str = "WITH RECURSIVE up(id, parent_id) AS ( \
            SELECT id, parent_id FROM regions WHERE id = $1 \
            UNION ALL SELECT r.id, r.parent_id FROM regions r JOIN up ON r.id = up.parent_id) \
        SELECT r.id, r.parent_id, r.kind, r.name, r.path, r.depth, r.sort_order, r.retired_at FROM regions r \
        WHERE r.id IN (SELECT id FROM up) ORDER BY r.depth";
    on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_all(p).await)
}

/// Nodes by id, ordered from the root down (for breadcrumbs).
pub async fn get_many(db: &Db, ids: &[i64]) -> StoreResult<Vec<RegionRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(format!("SELECT {COLS} FROM regions WHERE id IN ("));
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(") ORDER BY depth");
        qb.build_query_as().fetch_all(p).await
    })
}

/// The root nodes (usually one network).
pub async fn roots(db: &Db) -> StoreResult<Vec<RegionRow>> {
    const SQL: &str = "SELECT id, parent_id, kind, name, path, depth, sort_order, retired_at FROM regions WHERE parent_id IS NULL ORDER BY id";
    on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

/// Children of a node (retired ones left out) with the households each holds, in the
/// officers' order, a page at a time.
pub async fn children(db: &Db, id: i64, limit: i64, offset: i64) -> StoreResult<Vec<ChildRow>> {
    const SQL: &str = "SELECT c.id, c.kind, c.name, \
        (SELECT COUNT(*) FROM households h JOIN regions b ON b.id = h.region_id \
           WHERE b.path >= c.path AND b.path < SUBSTR(c.path, 1, LENGTH(c.path) - 1) || '0') AS households \
        FROM regions c WHERE c.parent_id = $1 AND c.retired_at IS NULL \
        ORDER BY c.sort_order, c.id LIMIT $2 OFFSET $3";
    on_db!(db, p => sqlx::query_as(SQL).bind(id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn count_children(db: &Db, id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM regions WHERE parent_id = $1 AND retired_at IS NULL")
        .bind(id).fetch_one(p).await)
}

/// The live children of a node as rows, in order (pickers: where a node may move).
pub async fn live_children_rows(db: &Db, id: i64, limit: i64) -> StoreResult<Vec<RegionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM regions WHERE parent_id = $1 AND retired_at IS NULL \
         ORDER BY sort_order, id LIMIT $2")))
        .bind(id).bind(limit).fetch_all(p).await)
}

/// Whether a live child of `parent_id` other than `except` is named `name`.
pub async fn live_child_named(
    tx: &mut Tx,
    parent_id: i64,
    name: &str,
    except: i64,
) -> StoreResult<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM regions WHERE parent_id = $1 AND name = $2 AND id <> $3 \
         AND retired_at IS NULL")
        .bind(parent_id).bind(name).bind(except).fetch_one(c).await)?;
    Ok(n > 0)
}

/// The place after the last of a node's children.
pub async fn next_sort_order(tx: &mut Tx, parent_id: i64) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(sort_order), 0) + 1 AS BIGINT) FROM regions WHERE parent_id = $1")
        .bind(parent_id).fetch_one(c).await)
}

/// The highest place among a node's children (0 without children).
pub async fn max_sort_order(db: &Db, parent_id: i64) -> StoreResult<i64> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(sort_order), 0) AS BIGINT) FROM regions WHERE parent_id = $1")
        .bind(parent_id).fetch_one(p).await)
}

/// The retired children of a node, for its officers (kept for history), newest first.
pub async fn retired_children(db: &Db, id: i64, limit: i64) -> StoreResult<Vec<RegionRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM regions WHERE parent_id = $1 AND retired_at IS NOT NULL \
         ORDER BY retired_at DESC, id LIMIT $2")))
        .bind(id).bind(limit).fetch_all(p).await)
}

/// A node read inside a write transaction, locked on PostgreSQL until it ends (SQLite's
/// write transaction holds the whole database already), so two moves or a move and a
/// new child under it never interleave.
pub async fn get_locked(tx: &mut Tx, id: i64) -> StoreResult<Option<RegionRow>> {
    let sql = format!("SELECT {COLS} FROM regions WHERE id = $1");
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{sql} FOR UPDATE")))
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
    }
}

/// Locks several nodes at once, in id order, before a change that touches them all (a
/// move locks the node, its parent and its new parent). Two moves that cross — A under B
/// while B goes under A — then queue on the same first lock instead of each holding one
/// the other needs, which PostgreSQL would end as a deadlock. On SQLite the write
/// transaction already holds the whole database.
pub async fn lock_in_order(tx: &mut Tx, ids: &[i64]) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        sqlx::query("SELECT id FROM regions WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(ids)
            .fetch_all(&mut **t)
            .await?;
    }
    Ok(())
}

/// Renames a node and sets its place among its siblings.
pub async fn rename(tx: &mut Tx, id: i64, name: &str, sort_order: i64) -> StoreResult<u64> {
    on_tx!(tx, c => sqlx::query("UPDATE regions SET name = $1, sort_order = $2 WHERE id = $3")
        .bind(name).bind(sort_order).bind(id).execute(c).await.map(|r| r.rows_affected()))
}

/// Moves the node at `old_path` (and everything below it) under `new_parent`, in one
/// statement over the subtree: every path's prefix is replaced and every depth shifted;
/// the search index's copies of the paths follow in the same transaction.
pub async fn move_subtree(
    tx: &mut Tx,
    node: &RegionRow,
    new_parent: &RegionRow,
) -> StoreResult<u64> {
    let (lo, hi) = node.region_path().subtree_bounds();
    let new_prefix = new_parent
        .region_path()
        .child(linli_domain::regions::RegionId(node.id));
    let old_len = node.path.len() as i64;
    let delta = new_parent.depth + 1 - node.depth;
    let moved = on_tx!(tx, c => sqlx::query(
        "UPDATE regions SET path = $1 || SUBSTR(path, CAST($2 AS INTEGER) + 1), depth = depth + $3 \
         WHERE path >= $4 AND path < $5")
        .bind(new_prefix.as_str()).bind(old_len).bind(delta).bind(&lo).bind(&hi)
        .execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE regions SET parent_id = $1 WHERE id = $2")
        .bind(new_parent.id).bind(node.id).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE search_docs SET region_path = $1 || SUBSTR(region_path, CAST($2 AS INTEGER) + 1) \
         WHERE region_path >= $3 AND region_path < $4")
        .bind(new_prefix.as_str()).bind(old_len).bind(&lo).bind(&hi)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(moved)
}

/// Retires a node and every live node below it at `now`; returns how many.
pub async fn retire_subtree(tx: &mut Tx, node: &RegionRow, now: i64) -> StoreResult<u64> {
    let (lo, hi) = node.region_path().subtree_bounds();
    on_tx!(tx, c => sqlx::query(
        "UPDATE regions SET retired_at = $1 WHERE path >= $2 AND path < $3 AND retired_at IS NULL")
        .bind(now).bind(&lo).bind(&hi).execute(c).await.map(|r| r.rows_affected()))
}

/// Brings a retired node back (its parent must be live); the nodes below stay retired
/// until brought back one by one.
pub async fn restore(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    on_tx!(tx, c => sqlx::query("UPDATE regions SET retired_at = NULL WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))
}

/// Households, residents and registered residents within `[lo, hi)`.
pub async fn stats(db: &Db, lo: &str, hi: &str) -> StoreResult<RegionStats> {
    const SQL: &str = "SELECT \
        (SELECT COUNT(*) FROM households h JOIN regions r ON r.id = h.region_id \
           WHERE r.path >= $1 AND r.path < $2) AS households, \
        (SELECT COUNT(*) FROM residents x JOIN regions r ON r.id = x.region_id \
           WHERE r.path >= $1 AND r.path < $2) AS residents, \
        (SELECT COUNT(*) FROM residents x JOIN regions r ON r.id = x.region_id \
           WHERE r.path >= $1 AND r.path < $2 AND x.user_id IS NOT NULL) AS registered";
    on_db!(db, p => sqlx::query_as(SQL).bind(lo).bind(hi).fetch_one(p).await)
}

/// Households of a building with their resident counts, a page at a time.
pub async fn households(
    db: &Db,
    building_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<HouseholdRow>> {
    const SQL: &str = "SELECT h.id, h.region_id, h.unit_label, h.floor_area, h.kind, \
        COUNT(x.id) AS residents, COUNT(x.user_id) AS registered \
        FROM households h LEFT JOIN residents x ON x.household_id = h.id \
        WHERE h.region_id = $1 GROUP BY h.id, h.region_id, h.unit_label, h.floor_area, h.kind \
        ORDER BY h.id LIMIT $2 OFFSET $3";
    on_db!(db, p => sqlx::query_as(SQL).bind(building_id).bind(limit).bind(offset).fetch_all(p).await)
}

pub async fn get_household(db: &Db, id: i64) -> StoreResult<Option<HouseholdRow>> {
    const SQL: &str = "SELECT h.id, h.region_id, h.unit_label, h.floor_area, h.kind, \
        COUNT(x.id) AS residents, COUNT(x.user_id) AS registered \
        FROM households h LEFT JOIN residents x ON x.household_id = h.id \
        WHERE h.id = $1 GROUP BY h.id, h.region_id, h.unit_label, h.floor_area, h.kind";
    on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

/// One change to a unit, as its page lists them.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdChangeRow {
    pub id: i64,
    /// label | area | kind | resident_added | head_added | resident_removed | created.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub actor_name: Option<String>,
    pub changed_at: i64,
}

/// A unit's label, area and kind, read for a change (locked on PostgreSQL).
pub async fn household_locked(
    tx: &mut Tx,
    id: i64,
) -> StoreResult<Option<(i64, String, i64, String)>> {
    const SQL: &str =
        "SELECT region_id, unit_label, floor_area, kind FROM households WHERE id = $1";
    match tx {
        Tx::Sqlite(t) => sqlx::query_as(SQL).bind(id).fetch_optional(&mut **t).await,
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SQL} FOR UPDATE")))
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
    }
}

/// Adds a unit to a building; a label the building already has is a unique violation.
pub async fn insert_household(
    tx: &mut Tx,
    building_id: i64,
    label: &str,
    floor_area: i64,
    kind: &str,
) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO households (region_id, unit_label, floor_area, kind, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(building_id).bind(label).bind(floor_area).bind(kind).bind(now_ms())
        .fetch_one(c).await)
}

pub async fn update_household(
    tx: &mut Tx,
    id: i64,
    label: &str,
    floor_area: i64,
    kind: &str,
) -> StoreResult<u64> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE households SET unit_label = $1, floor_area = $2, kind = $3 WHERE id = $4")
        .bind(label).bind(floor_area).bind(kind).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// Writes one line of a unit's history.
pub async fn insert_household_change(
    tx: &mut Tx,
    household_id: i64,
    actor_id: i64,
    field: &str,
    old_value: &str,
    new_value: &str,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO household_changes (household_id, actor_id, field, old_value, new_value, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(household_id).bind(actor_id).bind(field).bind(old_value).bind(new_value).bind(now_ms())
        .execute(c).await.map(|_| ()))
}

/// A unit's history, newest first.
pub async fn household_changes(
    db: &Db,
    household_id: i64,
    limit: i64,
) -> StoreResult<Vec<HouseholdChangeRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT c.id, c.field, c.old_value, c.new_value, u.display_name AS actor_name, c.changed_at \
         FROM household_changes c LEFT JOIN users u ON u.id = c.actor_id \
         WHERE c.household_id = $1 ORDER BY c.id DESC LIMIT $2")
        .bind(household_id).bind(limit).fetch_all(p).await)
}

/// Who owns a unit (业主), for its page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UnitOwnerRow {
    /// The same for every unit of one owner.
    pub owner_key: String,
    pub owner_name: String,
    /// The owner's account, when they have one.
    pub user_id: Option<i64>,
    /// The developer's unsold or undelivered unit.
    pub developer: bool,
    /// How many units this owner holds in all.
    pub units: i64,
    /// Their share of this unit, in basis points (10000: the whole unit).
    pub share_bp: i64,
}

const OWNER_SELECT: &str = "SELECT o.owner_key, o.owner_name, o.user_id, o.developer, o.share_bp, \
    (SELECT COUNT(*) FROM unit_owners o2 WHERE o2.owner_key = o.owner_key) AS units FROM unit_owners o";

pub async fn unit_owner(db: &Db, household_id: i64) -> StoreResult<Option<UnitOwnerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{OWNER_SELECT} WHERE o.household_id = $1")))
        .bind(household_id).fetch_optional(p).await)
}

/// The owners of units within `[lo, hi)` (a compound), by name, for the "same owner as"
/// picker: one line per owner, however many units they hold.
pub async fn owners_within(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
) -> StoreResult<Vec<UnitOwnerRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT o.owner_key, MIN(o.owner_name) AS owner_name, MIN(o.user_id) AS user_id, \
         FALSE AS developer, COUNT(*) AS units, CAST(10000 AS BIGINT) AS share_bp \
         FROM unit_owners o JOIN regions r ON r.id = o.region_id \
         WHERE r.path >= $1 AND r.path < $2 AND NOT o.developer \
         GROUP BY o.owner_key ORDER BY MIN(o.owner_name), o.owner_key LIMIT $3")
        .bind(lo).bind(hi).bind(limit).fetch_all(p).await)
}

/// An owner known by key: their name and account (any of their units says).
pub async fn owner_by_key(
    tx: &mut Tx,
    key: &str,
) -> StoreResult<Option<(String, Option<i64>, bool, Option<String>)>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT owner_name, user_id, developer, phone FROM unit_owners WHERE owner_key = $1 ORDER BY household_id LIMIT 1")
        .bind(key).fetch_optional(c).await)
}

/// Sets who owns a unit (a sale replaces the owner; the history keeps the old one).
pub async fn set_unit_owner(
    tx: &mut Tx,
    household_id: i64,
    building_id: i64,
    key: &str,
    name: &str,
    user_id: Option<i64>,
    developer: bool,
    phone: Option<&str>,
    share_bp: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO unit_owners (household_id, region_id, owner_key, owner_name, user_id, developer, phone, share_bp) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (household_id) DO UPDATE SET region_id = EXCLUDED.region_id, \
           owner_key = EXCLUDED.owner_key, owner_name = EXCLUDED.owner_name, \
           user_id = EXCLUDED.user_id, developer = EXCLUDED.developer, phone = EXCLUDED.phone, \
           share_bp = EXCLUDED.share_bp")
        .bind(household_id).bind(building_id).bind(key).bind(name).bind(user_id).bind(developer)
        .bind(phone).bind(share_bp)
        .execute(c).await.map(|_| ()))
}

/// Everyone listed in a unit, the head first.
pub async fn residents_of(db: &Db, household_id: i64) -> StoreResult<Vec<ResidentRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT x.id, x.household_id, h.unit_label, x.name, x.phone, \
         (x.user_id IS NOT NULL) AS registered, x.is_head \
         FROM residents x JOIN households h ON h.id = x.household_id \
         WHERE x.household_id = $1 ORDER BY x.is_head DESC, x.id LIMIT 50")
        .bind(household_id).fetch_all(p).await)
}

/// Lists a person in a unit; a new head replaces the old one.
pub async fn insert_resident(
    tx: &mut Tx,
    household_id: i64,
    building_id: i64,
    name: &str,
    phone: Option<&str>,
    is_head: bool,
) -> StoreResult<i64> {
    if is_head {
        on_tx!(tx, c => sqlx::query("UPDATE residents SET is_head = FALSE WHERE household_id = $1 AND is_head")
            .bind(household_id).execute(c).await.map(|_| ()))?;
    }
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO residents (household_id, region_id, name, phone, is_head, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(household_id).bind(building_id).bind(name).bind(phone).bind(is_head).bind(now_ms())
        .fetch_one(c).await)
}

/// Takes a person off a unit's list; returns their name if they were on it.
pub async fn delete_resident(
    tx: &mut Tx,
    household_id: i64,
    id: i64,
) -> StoreResult<Option<String>> {
    on_tx!(tx, c => sqlx::query_scalar(
        "DELETE FROM residents WHERE id = $1 AND household_id = $2 RETURNING name")
        .bind(id).bind(household_id).fetch_optional(c).await)
}

/// Residents of a building with their phone numbers, a page at a time.
/// Which residents of a building a roster shows: those whose name, unit or number contains
/// `search` (empty: all), only the not yet registered ones if `unregistered`.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    pub search: String,
    pub unregistered: bool,
}

impl RosterFilter {
    /// `%…%` with the LIKE wildcards in the search taken literally (escape `\\`).
    fn pattern(&self) -> String {
        let mut p = String::from("%");
        for c in self.search.chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        p
    }
}

const ROSTER_WHERE: &str = "WHERE x.region_id = $1 \
    AND ($2 = '%%' OR x.name LIKE $2 ESCAPE '\\' OR h.unit_label LIKE $2 ESCAPE '\\' \
         OR COALESCE(x.phone, '') LIKE $2 ESCAPE '\\') \
    AND ($3 = 0 OR x.user_id IS NULL)";

/// A page of a building's residents matching `filter`, with how many match in all (one
/// statement: the count rides along as a window).
pub async fn residents(
    db: &Db,
    building_id: i64,
    filter: &RosterFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<ResidentRow>, i64)> {
    let sql = format!(
        "SELECT x.id, x.household_id, h.unit_label, x.name, x.phone, \
         (x.user_id IS NOT NULL) AS registered, x.is_head, COUNT(*) OVER () AS total \
         FROM residents x JOIN households h ON h.id = x.household_id {ROSTER_WHERE} \
         ORDER BY h.id, x.id LIMIT $4 OFFSET $5"
    );
    let pattern = filter.pattern();
    let only: i64 = filter.unregistered.into();
    let rows: Vec<crate::Counted<ResidentRow>> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(building_id).bind(&pattern).bind(only).bind(limit).bind(offset).fetch_all(p).await)?;
    let (rows, total) = crate::Counted::split(rows);
    let total = match total {
        Some(t) => t,
        None if offset > 0 => on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM residents x JOIN households h ON h.id = x.household_id {ROSTER_WHERE}")))
            .bind(building_id).bind(&pattern).bind(only).fetch_one(p).await)?,
        None => 0,
    };
    Ok((rows, total))
}

/// Whether the database holds any region yet (a fresh install has none).
pub async fn is_empty(db: &Db) -> StoreResult<bool> {
    let n: i64 =
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM regions").fetch_one(p).await)?;
    Ok(n == 0)
}

/// A household to insert in bulk.
pub struct NewHousehold {
    pub id: i64,
    pub region_id: i64,
    pub unit_label: String,
    pub floor_area: i64,
}

/// A resident to insert in bulk.
pub struct NewResident {
    pub household_id: i64,
    pub region_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub user_id: Option<i64>,
    pub is_head: bool,
}

/// A node to insert in bulk with its id and path chosen by the caller (demo data on an
/// empty database).
pub struct NewRegion {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: RegionKind,
    pub name: String,
    pub path: String,
    pub depth: i64,
}

/// Multi-row inserts: demo and import data go in a few hundred rows per statement.
pub async fn bulk_insert(
    tx: &mut Tx,
    regions: &[NewRegion],
    households: &[NewHousehold],
    residents: &[NewResident],
) -> StoreResult<()> {
    let now = now_ms();
    on_tx!(tx, c => {
        for chunk in regions.chunks(500) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO regions (id, parent_id, kind, name, path, depth, created_at) ");
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(r.id).push_bind(r.parent_id).push_bind(r.kind.as_str())
                    .push_bind(r.name.clone()).push_bind(r.path.clone()).push_bind(r.depth)
                    .push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
        for chunk in households.chunks(500) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO households (id, region_id, unit_label, floor_area, created_at) ");
            qb.push_values(chunk, |mut b, h| {
                b.push_bind(h.id).push_bind(h.region_id).push_bind(h.unit_label.clone())
                    .push_bind(h.floor_area).push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
        for chunk in residents.chunks(500) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO residents (household_id, region_id, name, phone, user_id, is_head, created_at) ");
            qb.push_values(chunk, |mut b, x| {
                b.push_bind(x.household_id).push_bind(x.region_id).push_bind(x.name.clone())
                    .push_bind(x.phone.clone()).push_bind(x.user_id).push_bind(x.is_head)
                    .push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
    });
    Ok(())
}

/// After a bulk load on PostgreSQL: move the identity sequences past the explicit ids
/// so later inserts do not collide.
pub async fn reset_sequences(tx: &mut Tx) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        for table in ["regions", "households"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?;
        }
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load (PostgreSQL). Without it the
/// planner guesses table sizes and scans whole tables until autovacuum catches up.
pub async fn analyze(db: &Db) -> StoreResult<()> {
    if let Db::Postgres(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    Ok(())
}
