//! Imports from a sheet (issue 15): the `imports` table (a checked upload, its problems,
//! the units waiting to be written and the progress), and the bulk reads and writes the
//! import job makes — a batch of units in a handful of statements, never one per row.

use crate::clock::now_ms;
use crate::{Db, StoreResult, Tx, on_db, on_tx};
use sqlx::QueryBuilder;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Import)]
pub struct ImportRow {
    pub id: i64,
    pub region_id: i64,
    pub actor_id: i64,
    pub filename: String,
    /// checked | queued | running | done | failed
    pub status: String,
    /// all | valid, once chosen.
    pub mode: Option<String>,
    /// Data rows in the sheet (the header not counted).
    pub total_rows: i64,
    /// Rows with a problem.
    pub bad_rows: i64,
    /// Units the valid rows describe (several rows may list one unit's people).
    pub units: i64,
    /// The problems, as JSON (`[{row, column, value, code}]`, the first 500).
    #[serde(skip)]
    pub problems: String,
    pub done_units: i64,
    /// What was written, as JSON counts, once done.
    #[serde(skip)]
    pub result: String,
    pub error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, region_id, actor_id, filename, status, mode, total_rows, bad_rows, units, \
                    problems, done_units, result, error, created_at, updated_at";

pub struct NewImport<'a> {
    pub region_id: i64,
    pub actor_id: i64,
    pub filename: &'a str,
    pub total_rows: i64,
    pub bad_rows: i64,
    pub units: i64,
    pub problems: &'a str,
    pub payload: &'a str,
}

pub async fn insert(db: &Db, n: &NewImport<'_>) -> StoreResult<i64> {
    let now = now_ms();
    on_db!(db, p => sqlx::query_scalar(
        "INSERT INTO imports (region_id, actor_id, filename, status, total_rows, bad_rows, units, \
         problems, payload, created_at, updated_at) \
         VALUES ($1, $2, $3, 'checked', $4, $5, $6, $7, $8, $9, $9) RETURNING id")
        .bind(n.region_id).bind(n.actor_id).bind(n.filename).bind(n.total_rows)
        .bind(n.bad_rows).bind(n.units).bind(n.problems).bind(n.payload).bind(now)
        .fetch_one(p).await)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<ImportRow>> {
    let sql = format!("SELECT {COLS} FROM imports WHERE id = $1");
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)
}

/// The latest imports into a node, newest first.
pub async fn of_region(db: &Db, region_id: i64, limit: i64) -> StoreResult<Vec<ImportRow>> {
    let sql = format!("SELECT {COLS} FROM imports WHERE region_id = $1 ORDER BY id DESC LIMIT $2");
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(region_id).bind(limit)
        .fetch_all(p).await)
}

/// The units waiting to be written (JSON), if not written yet.
pub async fn payload(db: &Db, id: i64) -> StoreResult<Option<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, Option<String>>("SELECT payload FROM imports WHERE id = $1")
        .bind(id).fetch_optional(p).await.map(Option::flatten))
}

/// Moves a checked import to queued with its mode; false if it was not checked (already
/// started, by this officer in another tab or by another).
pub async fn queue(tx: &mut Tx, id: i64, mode: &str) -> StoreResult<bool> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE imports SET status = 'queued', mode = $1, updated_at = $2 \
         WHERE id = $3 AND status = 'checked'")
        .bind(mode).bind(now_ms()).bind(id).execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn set_running(db: &Db, id: i64) -> StoreResult<()> {
    on_db!(db, p => sqlx::query(
        "UPDATE imports SET status = 'running', updated_at = $1 WHERE id = $2 AND status IN ('queued', 'running')")
        .bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
}

/// Counts units written, in the transaction that wrote them.
pub async fn progress(tx: &mut Tx, id: i64, done_units: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE imports SET done_units = $1, updated_at = $2 WHERE id = $3")
        .bind(done_units).bind(now_ms()).bind(id).execute(c).await.map(|_| ()))
}

/// Marks an import written, with what it wrote, and drops the units it held.
pub async fn finish(tx: &mut Tx, id: i64, result: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE imports SET status = 'done', result = $1, payload = NULL, updated_at = $2 WHERE id = $3")
        .bind(result).bind(now_ms()).bind(id).execute(c).await.map(|_| ()))
}

pub async fn fail(db: &Db, id: i64, error: &str) -> StoreResult<()> {
    on_db!(db, p => sqlx::query(
        "UPDATE imports SET status = 'failed', error = $1, payload = NULL, updated_at = $2 WHERE id = $3")
        .bind(error).bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
}

/// A unit as stored, to compare a sheet with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitNow {
    pub id: i64,
    pub region_id: i64,
    pub unit_label: String,
    pub floor_area: i64,
    pub kind: String,
}

/// An owner as stored, for the units of some buildings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnerNow {
    pub household_id: i64,
    pub owner_key: String,
    pub owner_name: String,
    pub developer: bool,
    pub phone: Option<String>,
}

fn in_list<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, ids: &[i64])
where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(")");
}

/// Every unit of these buildings.
pub async fn units_of(db: &Db, building_ids: &[i64]) -> StoreResult<Vec<UnitNow>> {
    if building_ids.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT id, region_id, unit_label, floor_area, kind FROM households WHERE region_id IN (");
        in_list(&mut qb, building_ids);
        qb.build_query_as().fetch_all(p).await
    })
}

/// The owners of these buildings' units.
pub async fn owners_of(db: &Db, building_ids: &[i64]) -> StoreResult<Vec<OwnerNow>> {
    if building_ids.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT household_id, owner_key, owner_name, developer, phone FROM unit_owners WHERE region_id IN (");
        in_list(&mut qb, building_ids);
        qb.build_query_as().fetch_all(p).await
    })
}

/// (unit, name) of everyone listed in these buildings.
pub async fn residents_of(db: &Db, building_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
    if building_ids.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT household_id, name FROM residents WHERE region_id IN (");
        in_list(&mut qb, building_ids);
        qb.build_query_as().fetch_all(p).await
    })
}

/// Drops the kept units of imports checked before `before` and never committed: the
/// dry run's report stays readable, the import is marked failed (`import_expired`) and
/// cannot be committed any more. Returns how many were dropped.
pub async fn expire_checked(db: &Db, before: i64, at: i64) -> StoreResult<u64> {
    on_db!(db, p => sqlx::query(
        "UPDATE imports SET status = 'failed', error = 'import_expired', payload = NULL, updated_at = $2 \
         WHERE status = 'checked' AND created_at < $1")
        .bind(before).bind(at).execute(p).await.map(|r| r.rows_affected()))
}

/// (account, phone) for the phones that have an account.
pub async fn users_by_phone(db: &Db, phones: &[String]) -> StoreResult<Vec<(i64, String)>> {
    let mut out = vec![];
    for chunk in phones.chunks(500) {
        let rows: Vec<(i64, String)> = on_db!(db, p => {
            let mut qb = QueryBuilder::new("SELECT id, phone FROM users WHERE phone IN (");
            let mut sep = qb.separated(", ");
            for ph in chunk {
                sep.push_bind(ph.clone());
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// A unit to write: new, or changed in area or kind.
pub struct UnitWrite {
    pub building_id: i64,
    pub label: String,
    pub floor_area: i64,
    pub kind: &'static str,
}

/// Statement sizes, well under both databases' limits on bound values. On PostgreSQL a
/// whole batch goes in one statement instead, as arrays (`UNNEST`): a few bound values
/// however many rows, which is several times faster than thousands of parameters.
const CHUNK: usize = 1000;

/// Adds or updates units by (building, label); returns (id, building, label) of each.
pub async fn upsert_units(
    tx: &mut Tx,
    units: &[UnitWrite],
) -> StoreResult<Vec<(i64, i64, String)>> {
    let now = now_ms();
    if let Tx::Postgres(t) = tx {
        let rows = sqlx::query_as(
            "INSERT INTO households (region_id, unit_label, floor_area, kind, created_at) \
             SELECT r, l, a, k, $5 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[]) AS u(r, l, a, k) \
             ON CONFLICT (region_id, unit_label) DO UPDATE SET \
             floor_area = excluded.floor_area, kind = excluded.kind \
             RETURNING id, region_id, unit_label",
        )
        .bind(units.iter().map(|u| u.building_id).collect::<Vec<_>>())
        .bind(units.iter().map(|u| u.label.as_str()).collect::<Vec<_>>())
        .bind(units.iter().map(|u| u.floor_area).collect::<Vec<_>>())
        .bind(units.iter().map(|u| u.kind).collect::<Vec<_>>())
        .bind(now)
        .fetch_all(&mut **t)
        .await?;
        return Ok(rows);
    }
    let mut out = Vec::with_capacity(units.len());
    for chunk in units.chunks(CHUNK) {
        let rows: Vec<(i64, i64, String)> = on_tx!(tx, c => {
            let mut qb = QueryBuilder::new(
                "INSERT INTO households (region_id, unit_label, floor_area, kind, created_at) ");
            qb.push_values(chunk, |mut b, u| {
                b.push_bind(u.building_id).push_bind(u.label.clone()).push_bind(u.floor_area)
                    .push_bind(u.kind).push_bind(now);
            });
            qb.push(" ON CONFLICT (region_id, unit_label) DO UPDATE SET \
                floor_area = excluded.floor_area, kind = excluded.kind \
                RETURNING id, region_id, unit_label");
            qb.build_query_as().fetch_all(&mut *c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// An owner to record for a unit.
pub struct OwnerWrite {
    pub household_id: i64,
    pub building_id: i64,
    pub key: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub developer: bool,
    pub phone: Option<String>,
}

pub async fn upsert_owners(tx: &mut Tx, owners: &[OwnerWrite]) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query(
            "INSERT INTO unit_owners (household_id, region_id, owner_key, owner_name, user_id, developer, phone) \
             SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], \
             $6::BOOLEAN[], $7::TEXT[]) \
             ON CONFLICT (household_id) DO UPDATE SET region_id = excluded.region_id, \
             owner_key = excluded.owner_key, owner_name = excluded.owner_name, \
             user_id = excluded.user_id, developer = excluded.developer, phone = excluded.phone",
        )
        .bind(owners.iter().map(|o| o.household_id).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.building_id).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.key.as_str()).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.name.as_str()).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.user_id).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.developer).collect::<Vec<_>>())
        .bind(owners.iter().map(|o| o.phone.as_deref()).collect::<Vec<_>>())
        .execute(&mut **t)
        .await?;
        return Ok(());
    }
    for chunk in owners.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = QueryBuilder::new(
                "INSERT INTO unit_owners (household_id, region_id, owner_key, owner_name, user_id, developer, phone) ");
            qb.push_values(chunk, |mut b, o| {
                b.push_bind(o.household_id).push_bind(o.building_id).push_bind(o.key.clone())
                    .push_bind(o.name.clone()).push_bind(o.user_id).push_bind(o.developer)
                    .push_bind(o.phone.clone());
            });
            qb.push(" ON CONFLICT (household_id) DO UPDATE SET region_id = excluded.region_id, \
                owner_key = excluded.owner_key, owner_name = excluded.owner_name, \
                user_id = excluded.user_id, developer = excluded.developer, phone = excluded.phone");
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A person to list in a unit.
pub struct ResidentWrite {
    pub household_id: i64,
    pub building_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub is_head: bool,
}

pub async fn insert_residents(tx: &mut Tx, people: &[ResidentWrite]) -> StoreResult<()> {
    let now = now_ms();
    // A new head of a household replaces the old one.
    let heads: Vec<i64> = people
        .iter()
        .filter(|r| r.is_head)
        .map(|r| r.household_id)
        .collect();
    if let Tx::Postgres(t) = tx {
        if !heads.is_empty() {
            sqlx::query(
                "UPDATE residents SET is_head = FALSE WHERE is_head AND household_id = ANY($1)",
            )
            .bind(&heads)
            .execute(&mut **t)
            .await?;
        }
        sqlx::query(
            "INSERT INTO residents (household_id, region_id, name, phone, is_head, created_at) \
             SELECT h, r, n, p, i, $6 FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], \
             $5::BOOLEAN[]) AS x(h, r, n, p, i)",
        )
        .bind(people.iter().map(|r| r.household_id).collect::<Vec<_>>())
        .bind(people.iter().map(|r| r.building_id).collect::<Vec<_>>())
        .bind(people.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
        .bind(people.iter().map(|r| r.phone.as_deref()).collect::<Vec<_>>())
        .bind(people.iter().map(|r| r.is_head).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut **t)
        .await?;
        return Ok(());
    }
    for chunk in heads.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = QueryBuilder::new(
                "UPDATE residents SET is_head = FALSE WHERE is_head AND household_id IN (");
            in_list(&mut qb, chunk);
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    for chunk in people.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = QueryBuilder::new(
                "INSERT INTO residents (household_id, region_id, name, phone, is_head, created_at) ");
            qb.push_values(chunk, |mut b, r| {
                b.push_bind(r.household_id).push_bind(r.building_id).push_bind(r.name.clone())
                    .push_bind(r.phone.clone()).push_bind(r.is_head).push_bind(now);
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A line of a unit's history.
pub struct ChangeWrite {
    pub household_id: i64,
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

pub async fn insert_changes(
    tx: &mut Tx,
    actor_id: i64,
    changes: &[ChangeWrite],
) -> StoreResult<()> {
    let now = now_ms();
    if let Tx::Postgres(t) = tx {
        sqlx::query(
            "INSERT INTO household_changes (household_id, actor_id, field, old_value, new_value, changed_at) \
             SELECT h, $2, f, o, n, $6 FROM UNNEST($1::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) AS x(h, f, o, n)",
        )
        .bind(changes.iter().map(|c| c.household_id).collect::<Vec<_>>())
        .bind(actor_id)
        .bind(changes.iter().map(|c| c.field).collect::<Vec<_>>())
        .bind(changes.iter().map(|c| c.old.as_str()).collect::<Vec<_>>())
        .bind(changes.iter().map(|c| c.new.as_str()).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut **t)
        .await?;
        return Ok(());
    }
    for chunk in changes.chunks(CHUNK) {
        on_tx!(tx, c => {
            let mut qb = QueryBuilder::new(
                "INSERT INTO household_changes (household_id, actor_id, field, old_value, new_value, changed_at) ");
            qb.push_values(chunk, |mut b, ch| {
                b.push_bind(ch.household_id).push_bind(actor_id).push_bind(ch.field)
                    .push_bind(ch.old.clone()).push_bind(ch.new.clone()).push_bind(now);
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// One row of the units list as exported: a unit, its owner and one person living there
/// (a unit with several people takes several rows, as the import sheet does).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub household_id: i64,
    pub resident_key: i64,
    pub building: String,
    pub unit_label: String,
    pub floor_area: i64,
    pub kind: String,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub developer: Option<bool>,
    pub resident_name: Option<String>,
    pub resident_phone: Option<String>,
    pub is_head: Option<bool>,
}

/// The next page of the units list under `[lo, hi)`: the next `limit` units after unit
/// `after` (keyset paging on the unit id alone, an index range), each with all its people,
/// in unit order — so an export of any size reads a page at a time and no page sorts more
/// than its own rows.
pub async fn export_page(
    db: &Db,
    lo: &str,
    hi: &str,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<ExportRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT h.id AS household_id, COALESCE(x.id, 0) AS resident_key, b.name AS building, \
         h.unit_label, h.floor_area, h.kind, o.owner_name, COALESCE(o.phone, u.phone) AS owner_phone, o.developer, \
         x.name AS resident_name, x.phone AS resident_phone, x.is_head \
         FROM (SELECT h0.id FROM households h0 JOIN regions b0 ON b0.id = h0.region_id \
               WHERE b0.path >= $1 AND b0.path < $2 AND h0.id > $3 ORDER BY h0.id LIMIT $4) AS pg \
         JOIN households h ON h.id = pg.id JOIN regions b ON b.id = h.region_id \
         LEFT JOIN unit_owners o ON o.household_id = h.id \
         LEFT JOIN users u ON u.id = o.user_id \
         LEFT JOIN residents x ON x.household_id = h.id \
         ORDER BY h.id, COALESCE(x.id, 0)")
        .bind(lo).bind(hi).bind(after).bind(limit)
        .fetch_all(p).await)
}
