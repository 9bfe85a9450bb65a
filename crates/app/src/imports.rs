//! Loading a compound's (or a community's) buildings, units, floor areas, owners and
//! residents from a sheet, the way community workers hold them (issue 15, spec §10).
//!
//! 1. **Check** (the dry run): the `.xlsx` is read in memory, every row checked, and the
//!    problems — row, column, value, why — kept and shown; the file itself is dropped.
//! 2. **Choose**: "all or nothing" writes only a sheet without problems; "valid rows
//!    only" writes the rows that passed and leaves the rest.
//! 3. **Write**, in the background (`jobs::Kind::Import`): the valid units, a batch of
//!    5,000 to a transaction with the count written in the same transaction, so the page's
//!    progress bar is true at every reload and a job cut off half-way resumes where it was
//!    (units are matched by building and label: a second run, or a re-import of the same
//!    sheet, updates what changed instead of adding twice).
//!
//! A sheet's columns are found by their headers (any order; Chinese or English); one unit
//! may take several rows, one per person living there. One buyer of several units is one
//! owner: the same name and phone across rows (and the same account, if that phone has
//! one) are one owner key.

use crate::{Actor, AppError, AppResult};
use linli_domain::accounts::{PersonName, Phone};
use linli_domain::regions::{AreaCm2, RegionKind, UnitKind, unit_label};
use linli_store::Db;
use linli_store::audit::{self, NewAudit};
use linli_store::imports::{
    self as st, ChangeWrite, ImportRow, OwnerWrite, ResidentWrite, UnitWrite,
};
use linli_store::regions::{self, RegionRow};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The largest sheet accepted, in bytes (a 50,000-unit sheet with owners and residents is
/// about 3 MB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most data rows a sheet may have.
pub const MAX_ROWS: usize = 200_000;
/// Problems kept for the report (the count is always whole).
const MAX_PROBLEMS: usize = 500;
/// Units written per transaction.
const BATCH: usize = 5_000;
/// How long a checked sheet waits for "import" before its kept units are dropped (the
/// report stays; the sheet is uploaded again to import it).
pub const KEEP_CHECKED_MS: i64 = 7 * 24 * 3600 * 1000;

/// A column of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Building,
    Unit,
    Area,
    Kind,
    Owner,
    OwnerPhone,
    Developer,
    Resident,
    ResidentPhone,
    Head,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Self::Building,
        Self::Unit,
        Self::Area,
        Self::Kind,
        Self::Owner,
        Self::OwnerPhone,
        Self::Developer,
        Self::Resident,
        Self::ResidentPhone,
        Self::Head,
    ];

    /// Headers that name the column, the template's first.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Building => &["楼栋", "楼号", "building"],
            Self::Unit => &["房号", "单元房号", "门牌", "unit"],
            Self::Area => &[
                "面积",
                "建筑面积",
                "面积(m²)",
                "面积（m²）",
                "area",
                "area (m²)",
            ],
            Self::Kind => &["用途", "类型", "kind"],
            Self::Owner => &["业主", "业主姓名", "owner"],
            Self::OwnerPhone => &["业主电话", "业主手机", "owner phone"],
            Self::Developer => &["开发商持有", "开发商", "developer"],
            Self::Resident => &["住户", "住户姓名", "居民", "resident"],
            Self::ResidentPhone => &["住户电话", "住户手机", "居民电话", "resident phone"],
            Self::Head => &["户主", "head"],
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Self::Building | Self::Unit | Self::Area)
    }

    fn of_header(h: &str) -> Option<Self> {
        let h = h.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|c| c.headers().iter().any(|x| x.to_lowercase() == h))
    }
}

/// The template's header row.
pub fn template_header() -> Vec<&'static str> {
    Column::ALL.iter().map(|c| c.headers()[0]).collect()
}

/// A row the sheet cannot be imported with: where (row as the sheet numbers it, column
/// as Excel names it, and its header), what it said and why (an error code).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub header: String,
    pub value: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetOwner {
    pub name: String,
    pub phone: Option<String>,
    pub developer: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetResident {
    pub name: String,
    pub phone: Option<String>,
    pub head: bool,
}

/// A unit as the valid rows describe it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetUnit {
    pub row: usize,
    pub building: String,
    pub label: String,
    pub area: i64,
    pub kind: String,
    pub owner: Option<SheetOwner>,
    pub residents: Vec<SheetResident>,
}

/// A checked sheet.
#[derive(Debug, Default)]
pub struct Checked {
    pub units: Vec<SheetUnit>,
    pub problems: Vec<Problem>,
    pub total_rows: usize,
    pub bad_rows: usize,
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "n" | "0" | "false" | "×" => Some(false),
        "是" | "yes" | "y" | "1" | "true" | "√" | "✓" => Some(true),
        _ => None,
    }
}

fn unit_kind(raw: &str) -> Option<UnitKind> {
    match raw.trim() {
        "" | "住宅" | "住房" => Some(UnitKind::Residence),
        "商铺" | "商业" | "门面" => Some(UnitKind::Shop),
        "车库" | "车位" => Some(UnitKind::Garage),
        other => UnitKind::parse(&other.to_lowercase()).ok(),
    }
}

/// Checks every row of a sheet (its first row the headers) without writing anything.
pub fn check_rows(rows: &[Vec<String>]) -> Checked {
    let mut out = Checked::default();
    let Some(header) = rows.first() else {
        out.problems.push(Problem {
            row: 1,
            column: "A".into(),
            header: String::new(),
            value: String::new(),
            code: "import_empty".into(),
        });
        return out;
    };
    let mut at: HashMap<Column, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(c) = Column::of_header(h) {
            at.entry(c).or_insert(i);
        }
    }
    let missing: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|c| c.required() && !at.contains_key(c))
        .collect();
    out.total_rows = rows.len().saturating_sub(1);
    if !missing.is_empty() {
        for c in missing {
            out.problems.push(Problem {
                row: 1,
                column: crate::xlsx::column_name(header.len()),
                header: c.headers()[0].into(),
                value: header.join(" | "),
                code: "import_column_missing".into(),
            });
        }
        out.bad_rows = out.total_rows;
        return out;
    }
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let sheet_row = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            out.total_rows -= 1;
            continue;
        }
        let cell = |c: Column| -> &str {
            at.get(&c)
                .and_then(|&j| row.get(j))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut problems: Vec<Problem> = vec![];
        let mut bad = |c: Column, code: &str| {
            let j = at.get(&c).copied().unwrap_or(0);
            problems.push(Problem {
                row: sheet_row,
                column: crate::xlsx::column_name(j),
                header: header.get(j).cloned().unwrap_or_default(),
                value: cell(c).chars().take(60).collect(),
                code: code.to_string(),
            });
        };
        let building = match linli_domain::text::bounded_text(
            cell(Column::Building),
            60,
            linli_domain::error::DomainError::InvalidName,
        ) {
            Ok(b) => b,
            Err(e) => {
                bad(Column::Building, e.code());
                String::new()
            }
        };
        let label = unit_label(cell(Column::Unit)).unwrap_or_else(|e| {
            bad(Column::Unit, e.code());
            String::new()
        });
        let key = (building.clone(), label.clone());
        let seen = index.get(&key).copied();
        let area = match (cell(Column::Area), seen) {
            ("", Some(_)) => None,
            (raw, _) => match AreaCm2::parse(raw) {
                Ok(a) => Some(a.0),
                Err(e) => {
                    bad(Column::Area, e.code());
                    None
                }
            },
        };
        let kind = match (cell(Column::Kind), seen) {
            ("", Some(_)) => None,
            (raw, _) => match unit_kind(raw) {
                Some(k) => Some(k),
                None => {
                    bad(Column::Kind, "unknown_unit_kind");
                    None
                }
            },
        };
        let developer = yes_no(cell(Column::Developer)).unwrap_or_else(|| {
            bad(Column::Developer, "import_yes_no");
            false
        });
        let owner_name = cell(Column::Owner);
        let owner_phone = match cell(Column::OwnerPhone) {
            "" => None,
            p => match Phone::parse(p) {
                Ok(p) => Some(p.as_str().to_string()),
                Err(e) => {
                    bad(Column::OwnerPhone, e.code());
                    None
                }
            },
        };
        let owner = if developer {
            if !owner_name.is_empty() && owner_name != "开发商" {
                bad(Column::Developer, "owner_is_developer");
            }
            Some(SheetOwner {
                name: "开发商".into(),
                phone: None,
                developer: true,
            })
        } else if owner_name.is_empty() {
            None
        } else {
            match PersonName::parse(owner_name) {
                Ok(n) => Some(SheetOwner {
                    name: n.as_str().to_string(),
                    phone: owner_phone,
                    developer: false,
                }),
                Err(e) => {
                    bad(Column::Owner, e.code());
                    None
                }
            }
        };
        let resident = match cell(Column::Resident) {
            "" => None,
            raw => match PersonName::parse(raw) {
                Ok(n) => Some(n.as_str().to_string()),
                Err(e) => {
                    bad(Column::Resident, e.code());
                    None
                }
            },
        };
        let resident_phone = match cell(Column::ResidentPhone) {
            "" => None,
            p => match Phone::parse(p) {
                Ok(p) => Some(p.as_str().to_string()),
                Err(e) => {
                    bad(Column::ResidentPhone, e.code());
                    None
                }
            },
        };
        let head = yes_no(cell(Column::Head)).unwrap_or_else(|| {
            bad(Column::Head, "import_yes_no");
            false
        });
        // A later row of a unit lists more people; what it says of the unit must agree.
        if let Some(u) = seen.map(|k| &out.units[k]) {
            if area.is_some_and(|a| a != u.area) {
                bad(Column::Area, "import_unit_differs");
            }
            if kind.is_some_and(|k| k.as_str() != u.kind) {
                bad(Column::Kind, "import_unit_differs");
            }
            if owner.as_ref().is_some_and(|o| u.owner.as_ref() != Some(o)) {
                bad(Column::Owner, "import_owner_differs");
            }
        }
        if !problems.is_empty() {
            out.bad_rows += 1;
            for p in problems {
                if out.problems.len() < MAX_PROBLEMS {
                    out.problems.push(p);
                }
            }
            continue;
        }
        let person = resident.map(|name| SheetResident {
            name,
            phone: resident_phone,
            head,
        });
        match seen {
            Some(k) => {
                let u = &mut out.units[k];
                if u.owner.is_none() {
                    u.owner = owner;
                }
                u.residents.extend(person);
            }
            None => {
                index.insert(key, out.units.len());
                out.units.push(SheetUnit {
                    row: sheet_row,
                    building,
                    label,
                    area: area.unwrap_or_default(),
                    kind: kind.unwrap_or(UnitKind::Residence).as_str().to_string(),
                    owner,
                    residents: person.into_iter().collect(),
                });
            }
        }
    }
    out
}

/// The node sheets are imported into, if the actor may: a compound or a community,
/// kept by an officer or a social worker above it.
async fn target(db: &Db, actor: &Actor, region_id: i64) -> AppResult<RegionRow> {
    let r = crate::regions::readable(db, actor, region_id).await?;
    if !actor.sees_personal_data(&r.path) {
        return Err(AppError::Forbidden);
    }
    if !matches!(r.kind(), RegionKind::Compound | RegionKind::Community) {
        return Err(AppError::Invalid("import_target_kind"));
    }
    if r.retired_at.is_some() {
        return Err(AppError::Conflict("region_retired"));
    }
    Ok(r)
}

/// An import and its node, if the actor may see it.
pub async fn get(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> AppResult<(ImportRow, RegionRow, Vec<Problem>)> {
    let row = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("import_not_found"))?;
    let region = target(db, actor, row.region_id)
        .await
        .map_err(|e| match e {
            AppError::Invalid(_) | AppError::Conflict(_) => AppError::Forbidden,
            e => e,
        })?;
    let problems = serde_json::from_str(&row.problems).unwrap_or_default();
    Ok((row, region, problems))
}

/// The latest imports into a node.
pub async fn recent(
    db: &Db,
    actor: &Actor,
    region_id: i64,
) -> AppResult<(RegionRow, Vec<ImportRow>)> {
    let r = target(db, actor, region_id).await?;
    let rows = st::of_region(db, r.id, 10).await?;
    Ok((r, rows))
}

/// Checks an uploaded sheet (the dry run) and keeps its report and valid units; the
/// file is not kept. Nothing in the tree, units or owners changes here.
pub async fn check(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    filename: &str,
    bytes: Vec<u8>,
) -> AppResult<ImportRow> {
    let region = target(db, actor, region_id).await?;
    if bytes.len() > MAX_BYTES {
        return Err(AppError::Invalid("import_too_large"));
    }
    if !filename.to_lowercase().ends_with(".xlsx") {
        return Err(AppError::Invalid("import_not_xlsx"));
    }
    // Reading and checking 50,000 rows is CPU work: off the request threads.
    let checked = tokio::task::spawn_blocking(move || {
        let rows = crate::xlsx::read_first_sheet(&bytes)?;
        if rows.len() > MAX_ROWS + 1 {
            return Err(AppError::Invalid("import_too_many_rows"));
        }
        Ok(check_rows(&rows))
    })
    .await
    .map_err(|e| AppError::Internal(format!("import check: {e}")))??;
    let mut checked = checked;
    // Buildings the sheet names that do not stand there yet are added at import, which
    // is for those who shape the tree; others are told which rows name one.
    if !actor.administers(&region.path) {
        let known: HashSet<String> = regions::live_children_rows(db, region.id, 10_000)
            .await?
            .into_iter()
            .filter(|c| c.kind() == RegionKind::Building)
            .map(|c| c.name)
            .collect();
        let (keep, unknown): (Vec<SheetUnit>, Vec<SheetUnit>) = checked
            .units
            .into_iter()
            .partition(|u| known.contains(&u.building));
        for u in &unknown {
            checked.bad_rows += 1;
            if checked.problems.len() < MAX_PROBLEMS {
                checked.problems.push(Problem {
                    row: u.row,
                    column: "A".into(),
                    header: Column::Building.headers()[0].into(),
                    value: u.building.clone(),
                    code: "import_building_unknown".into(),
                });
            }
        }
        checked.units = keep;
    }
    checked.problems.sort_by_key(|p| p.row);
    let problems =
        serde_json::to_string(&checked.problems).map_err(|e| AppError::Internal(e.to_string()))?;
    let payload =
        serde_json::to_string(&checked.units).map_err(|e| AppError::Internal(e.to_string()))?;
    let filename: String = filename
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let id = st::insert(
        db,
        &st::NewImport {
            region_id: region.id,
            actor_id: actor.id(),
            filename: &filename,
            total_rows: checked.total_rows as i64,
            bad_rows: checked.bad_rows as i64,
            units: checked.units.len() as i64,
            problems: &problems,
            payload: &payload,
        },
    )
    .await?;
    st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("import_not_found"))
}

/// How a checked sheet is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only a sheet without problems; otherwise nothing.
    All,
    /// The rows that passed; the others are left out.
    Valid,
}

impl Mode {
    pub fn parse(s: &str) -> AppResult<Self> {
        match s {
            "all" => Ok(Self::All),
            "valid" => Ok(Self::Valid),
            _ => Err(AppError::Invalid("import_mode")),
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Valid => "valid",
        }
    }
}

/// Queues the writing of a checked sheet.
pub async fn commit(db: &Db, actor: &Actor, id: i64, mode: Mode) -> AppResult<ImportRow> {
    let (row, _, _) = get(db, actor, id).await?;
    if row.status == "failed" && row.error == "import_expired" {
        return Err(AppError::Invalid("import_expired"));
    }
    if mode == Mode::All && row.bad_rows > 0 {
        return Err(AppError::Invalid("import_has_problems"));
    }
    if row.units == 0 {
        return Err(AppError::Invalid("import_nothing_valid"));
    }
    let mut tx = db.begin().await?;
    if !st::queue(&mut tx, id, mode.as_str()).await? {
        return Err(AppError::Conflict("import_already_started"));
    }
    crate::jobs::enqueue(
        &mut tx,
        crate::jobs::Kind::Import,
        &id.to_string(),
        Some(&format!("import:{id}")),
        linli_store::clock::now_ms(),
    )
    .await?;
    tx.commit().await?;
    crate::jobs::wake();
    st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("import_not_found"))
}

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Written {
    pub buildings_added: i64,
    pub units_added: i64,
    pub units_changed: i64,
    pub units_unchanged: i64,
    pub owners_set: i64,
    pub residents_added: i64,
}

/// A stable owner key for a person named in a sheet: their account's if their phone has
/// one (the same key the unit pages give), else one made from the node, name and phone,
/// so importing the same sheet again finds the same owner.
fn owner_key(region_id: i64, o: &SheetOwner, user: Option<i64>) -> String {
    use sha2::Digest;
    if o.developer {
        return "developer".into();
    }
    if let Some(u) = user {
        return format!("u{u}");
    }
    let h = sha2::Sha256::digest(
        format!(
            "{region_id}\u{1f}{}\u{1f}{}",
            o.name,
            o.phone.as_deref().unwrap_or("")
        )
        .as_bytes(),
    );
    let hex: String = h.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("i{hex}")
}

/// The job: writes an import's units in batches, counting its progress.
pub async fn run(db: &Db, id: i64) -> AppResult<()> {
    let Some(row) = st::get(db, id).await? else {
        return Ok(());
    };
    if !matches!(row.status.as_str(), "queued" | "running") {
        return Ok(());
    }
    match write(db, &row).await {
        Ok(()) => Ok(()),
        Err(AppError::Internal(e)) => Err(AppError::Internal(e)),
        Err(e) => {
            // Not worth retrying (the node was retired, a name is taken): say why.
            st::fail(db, id, e.code()).await?;
            Ok(())
        }
    }
}

async fn write(db: &Db, row: &ImportRow) -> AppResult<()> {
    let started = std::time::Instant::now();
    st::set_running(db, row.id).await?;
    let Some(payload) = st::payload(db, row.id).await? else {
        return Err(AppError::Invalid("import_nothing_valid"));
    };
    let units: Vec<SheetUnit> =
        serde_json::from_str(&payload).map_err(|e| AppError::Internal(format!("payload: {e}")))?;
    drop(payload);
    let target = regions::get(db, row.region_id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    if target.retired_at.is_some() {
        return Err(AppError::Conflict("region_retired"));
    }
    let mut written = Written::default();
    // The buildings, added first if new (a few hundred at most: one statement each).
    let mut building_of: HashMap<String, i64> = regions::live_children_rows(db, target.id, 10_000)
        .await?
        .into_iter()
        .filter(|c| c.kind() == RegionKind::Building)
        .map(|c| (c.name, c.id))
        .collect();
    let mut new_names: Vec<&str> = vec![];
    for u in &units {
        if !building_of.contains_key(&u.building) && !new_names.contains(&u.building.as_str()) {
            new_names.push(&u.building);
        }
    }
    if !new_names.is_empty() {
        let mut tx = db.begin().await?;
        let parent = regions::get_locked(&mut tx, target.id)
            .await?
            .ok_or(AppError::NotFound("region_not_found"))?;
        let added =
            regions::insert_children(&mut tx, &parent, RegionKind::Building, &new_names).await?;
        let entries: Vec<NewAudit> = added
            .iter()
            .map(|(id, name)| NewAudit {
                actor_id: Some(row.actor_id),
                action: "region.create",
                region_id: Some(*id),
                target: format!("region:{id}"),
                detail: format!("building {name} under {} (import {})", parent.name, row.id),
            })
            .collect();
        audit::record_many(&mut tx, &entries).await?;
        for (id, name) in added {
            building_of.insert(name, id);
            written.buildings_added += 1;
        }
        tx.commit().await?;
    }
    let building_ids: Vec<i64> = {
        let mut v: Vec<i64> = building_of.values().copied().collect();
        v.sort_unstable();
        v
    };
    // What stands now, read once: units, owners, who is listed, accounts by phone.
    let mut unit_now: HashMap<(i64, String), st::UnitNow> = st::units_of(db, &building_ids)
        .await?
        .into_iter()
        .map(|u| ((u.region_id, u.unit_label.clone()), u))
        .collect();
    let owner_now: HashMap<i64, st::OwnerNow> = st::owners_of(db, &building_ids)
        .await?
        .into_iter()
        .map(|o| (o.household_id, o))
        .collect();
    let mut listed: HashSet<(i64, String)> = st::residents_of(db, &building_ids)
        .await?
        .into_iter()
        .collect();
    let phones: Vec<String> = {
        let mut p: Vec<String> = units
            .iter()
            .filter_map(|u| u.owner.as_ref().and_then(|o| o.phone.clone()))
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let user_of: HashMap<String, i64> = st::users_by_phone(db, &phones)
        .await?
        .into_iter()
        .map(|(id, phone)| (phone, id))
        .collect();

    let mut done = 0i64;
    let mut spent = [std::time::Duration::ZERO; 6];
    let prefetch = std::time::Instant::now();
    for batch in units.chunks(BATCH) {
        let t = std::time::Instant::now();
        let mut changes: Vec<ChangeWrite> = vec![];
        let mut unit_writes: Vec<UnitWrite> = vec![];
        for u in batch {
            let b = building_of[&u.building];
            let kind = unit_kind(&u.kind).unwrap_or(UnitKind::Residence).as_str();
            match unit_now.get(&(b, u.label.clone())) {
                Some(now) if now.floor_area == u.area && now.kind == kind => {
                    written.units_unchanged += 1;
                }
                Some(now) => {
                    if now.floor_area != u.area {
                        changes.push(ChangeWrite {
                            household_id: now.id,
                            field: "area",
                            old: AreaCm2(now.floor_area).display(),
                            new: AreaCm2(u.area).display(),
                        });
                    }
                    if now.kind != kind {
                        changes.push(ChangeWrite {
                            household_id: now.id,
                            field: "kind",
                            old: now.kind.clone(),
                            new: kind.to_string(),
                        });
                    }
                    written.units_changed += 1;
                    unit_writes.push(UnitWrite {
                        building_id: b,
                        label: u.label.clone(),
                        floor_area: u.area,
                        kind,
                    });
                }
                None => {
                    written.units_added += 1;
                    unit_writes.push(UnitWrite {
                        building_id: b,
                        label: u.label.clone(),
                        floor_area: u.area,
                        kind,
                    });
                }
            }
        }
        spent[0] += t.elapsed();
        let t = std::time::Instant::now();
        let mut tx = db.begin().await?;
        let ids = st::upsert_units(&mut tx, &unit_writes).await?;
        spent[1] += t.elapsed();
        let written_now: HashMap<(i64, &str), &UnitWrite> = unit_writes
            .iter()
            .map(|w| ((w.building_id, w.label.as_str()), w))
            .collect();
        // A new unit's history starts with one line that says all it came with.
        let mut imported_at: HashMap<i64, usize> = HashMap::new();
        for (hid, b, label) in ids {
            let Some(w) = written_now.get(&(b, label.as_str())) else {
                continue;
            };
            if !unit_now.contains_key(&(b, label.clone())) {
                imported_at.insert(hid, changes.len());
                changes.push(ChangeWrite {
                    household_id: hid,
                    field: "imported",
                    old: String::new(),
                    new: format!(
                        "{} · {} m² · {}",
                        label,
                        AreaCm2(w.floor_area).display(),
                        w.kind
                    ),
                });
            }
            let now = st::UnitNow {
                id: hid,
                region_id: b,
                unit_label: label.clone(),
                floor_area: w.floor_area,
                kind: w.kind.to_string(),
            };
            unit_now.insert((b, label), now);
        }
        let mut owners: Vec<OwnerWrite> = vec![];
        let mut people: Vec<ResidentWrite> = vec![];
        for u in batch {
            let b = building_of[&u.building];
            let hid = unit_now[&(b, u.label.clone())].id;
            if let Some(o) = &u.owner {
                let user = o.phone.as_ref().and_then(|p| user_of.get(p)).copied();
                let key = owner_key(target.id, o, user);
                let before = owner_now.get(&hid);
                if before.is_none_or(|x| {
                    x.owner_key != key || x.owner_name != o.name || x.phone != o.phone
                }) {
                    let shown = if o.developer {
                        "developer".to_string()
                    } else {
                        o.name.clone()
                    };
                    if let Some(&i) = imported_at.get(&hid) {
                        changes[i].new.push_str(&format!(" · 业主 {shown}"));
                    } else {
                        changes.push(ChangeWrite {
                            household_id: hid,
                            field: "owner",
                            old: before
                                .map(|x| {
                                    if x.developer {
                                        "developer".into()
                                    } else {
                                        x.owner_name.clone()
                                    }
                                })
                                .unwrap_or_default(),
                            new: shown,
                        });
                    }
                    owners.push(OwnerWrite {
                        household_id: hid,
                        building_id: b,
                        key,
                        name: o.name.clone(),
                        user_id: user,
                        developer: o.developer,
                        phone: o.phone.clone(),
                    });
                }
            }
            for r in &u.residents {
                if listed.insert((hid, r.name.clone())) {
                    let shown = if r.head {
                        format!("{} (户主)", r.name)
                    } else {
                        r.name.clone()
                    };
                    if let Some(&i) = imported_at.get(&hid) {
                        changes[i].new.push_str(&format!(" · 住户 {shown}"));
                    } else {
                        changes.push(ChangeWrite {
                            household_id: hid,
                            field: "resident_added",
                            old: String::new(),
                            new: shown,
                        });
                    }
                    people.push(ResidentWrite {
                        household_id: hid,
                        building_id: b,
                        name: r.name.clone(),
                        phone: r.phone.clone(),
                        is_head: r.head,
                    });
                }
            }
        }
        written.owners_set += owners.len() as i64;
        written.residents_added += people.len() as i64;
        let t = std::time::Instant::now();
        st::upsert_owners(&mut tx, &owners).await?;
        spent[2] += t.elapsed();
        let t = std::time::Instant::now();
        st::insert_residents(&mut tx, &people).await?;
        spent[3] += t.elapsed();
        let t = std::time::Instant::now();
        st::insert_changes(&mut tx, row.actor_id, &changes).await?;
        spent[4] += t.elapsed();
        let t = std::time::Instant::now();
        done += batch.len() as i64;
        st::progress(&mut tx, row.id, done).await?;
        tx.commit().await?;
        spent[5] += t.elapsed();
    }
    tracing::info!(
        import = row.id,
        units = done,
        total_ms = started.elapsed().as_millis() as u64,
        setup_ms = (prefetch - started).as_millis() as u64,
        plan_ms = spent[0].as_millis() as u64,
        units_ms = spent[1].as_millis() as u64,
        owners_ms = spent[2].as_millis() as u64,
        residents_ms = spent[3].as_millis() as u64,
        history_ms = spent[4].as_millis() as u64,
        commit_ms = spent[5].as_millis() as u64,
        "import written"
    );
    let result = serde_json::to_string(&written).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(row.actor_id),
            action: "units.import",
            region_id: Some(target.id),
            target: format!("import:{}", row.id),
            detail: format!(
                "{}: {} units added, {} changed, {} unchanged; {} owners set; {} residents added; {} buildings added",
                row.filename,
                written.units_added,
                written.units_changed,
                written.units_unchanged,
                written.owners_set,
                written.residents_added,
                written.buildings_added
            ),
        },
    )
    .await?;
    st::finish(&mut tx, row.id, &result).await?;
    tx.commit().await?;
    Ok(())
}

/// The template to fill in: the headers and two example rows (a unit with its owner and
/// head of household; the developer's unsold shop).
pub fn template() -> AppResult<Vec<u8>> {
    use crate::xlsx::{Cell, Writer};
    let header = template_header();
    let mut w = Writer::new(Vec::new(), "住户名册", &header)?;
    w.row(&[
        Cell::Text("1栋"),
        Cell::Text("1单元101"),
        Cell::Number(89.5),
        Cell::Text("住宅"),
        Cell::Text("张三"),
        Cell::Text("13800001111"),
        Cell::Text("否"),
        Cell::Text("张三"),
        Cell::Text("13800001111"),
        Cell::Text("是"),
    ])?;
    w.row(&[
        Cell::Text("1栋"),
        Cell::Text("商铺1"),
        Cell::Number(45.0),
        Cell::Text("商铺"),
        Cell::Empty,
        Cell::Empty,
        Cell::Text("是"),
    ])?;
    w.finish()
}

/// An export the actor may make: the node, and whether names and numbers are masked.
pub struct Export {
    pub region: RegionRow,
    /// True unless the actor's role may see residents' personal data there.
    pub masked: bool,
}

/// Opens an export of the units list (buildings, units, areas, owners, residents) under
/// a node: for officers and social workers in full, for a building's representative
/// masked; the export is logged as a read of personal data.
pub async fn export(db: &Db, actor: &Actor, region_id: i64) -> AppResult<Export> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let full = actor.sees_personal_data(&region.path);
    if !full
        && actor
            .role_over(&region.path, linli_domain::accounts::Role::invites)
            .is_none()
    {
        return Err(AppError::Forbidden);
    }
    audit::record_now(
        db,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "pii.export",
            region_id: Some(region.id),
            target: format!("region:{}", region.id),
            detail: if full {
                "units.xlsx"
            } else {
                "units.xlsx (masked)"
            }
            .to_string(),
        },
    )
    .await?;
    Ok(Export {
        region,
        masked: !full,
    })
}

/// A `Write` whose bytes are taken out between pages (to go down the response).
#[derive(Clone, Default)]
struct Pending(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pending {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

/// Writes the export as `.xlsx` into `out`, a page of 2,000 rows at a time: memory holds
/// one page and what the channel buffers, whatever the list's size. Returns the rows
/// written; stops early (quietly) if the receiver went away.
pub async fn write_export(
    db: &Db,
    e: &Export,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> AppResult<usize> {
    use crate::xlsx::{Cell, Writer};
    use linli_domain::accounts::{mask_name, mask_phone};
    let pending = Pending::default();
    let header = template_header();
    let mut w = Writer::new(pending.clone(), &e.region.name, &header)?;
    let (lo, hi) = e.region.region_path().subtree_bounds();
    let mut after = 0i64;
    loop {
        let page = st::export_page(db, &lo, &hi, after, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = last.household_id;
        for r in &page {
            let name = |n: &Option<String>| match n {
                Some(n) if e.masked => mask_name(n),
                Some(n) => n.clone(),
                None => String::new(),
            };
            let phone = |p: &Option<String>| match p {
                Some(p) if e.masked => mask_phone(p),
                Some(p) => p.clone(),
                None => String::new(),
            };
            let area = AreaCm2(r.floor_area).display();
            let kind = match r.kind.as_str() {
                "shop" => "商铺",
                "garage" => "车库",
                _ => "住宅",
            };
            let developer = r.developer == Some(true);
            let owner = if developer {
                String::new()
            } else {
                name(&r.owner_name)
            };
            let owner_phone = if developer {
                String::new()
            } else {
                phone(&r.owner_phone)
            };
            let resident = name(&r.resident_name);
            let resident_phone = phone(&r.resident_phone);
            let yes = |b: bool| if b { "是" } else { "否" };
            w.row(&[
                Cell::Text(&r.building),
                Cell::Text(&r.unit_label),
                Cell::Text(&area),
                Cell::Text(kind),
                Cell::Text(&owner),
                Cell::Text(&owner_phone),
                Cell::Text(yes(developer)),
                Cell::Text(&resident),
                Cell::Text(&resident_phone),
                Cell::Text(if r.resident_name.is_some() {
                    yes(r.is_head == Some(true))
                } else {
                    ""
                }),
            ])?;
        }
        if out.send(pending.take()).await.is_err() {
            return Ok(w.rows());
        }
    }
    let rows = w.rows() - 1;
    w.finish()?;
    let _ = out.send(pending.take()).await;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn rows_become_units_with_their_owners_and_people() {
        let c = check_rows(&sheet(&[
            &["楼栋", "房号", "面积", "业主", "业主电话", "住户", "户主"],
            &[
                "1栋",
                "1单元101",
                "89.5",
                "张三",
                "13800001111",
                "张三",
                "是",
            ],
            &["1栋", "1单元101", "", "", "", "李四", "否"],
            &["1栋", "1单元102", "90", "张三", "13800001111", "", ""],
        ]));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!((c.total_rows, c.bad_rows, c.units.len()), (3, 0, 2));
        assert_eq!(c.units[0].residents.len(), 2);
        assert_eq!(c.units[0].area, 8950);
        assert_eq!(c.units[0].owner, c.units[1].owner, "one buyer, one owner");
    }

    #[test]
    fn each_bad_cell_is_named_by_row_and_column() {
        let c = check_rows(&sheet(&[
            &["楼栋", "房号", "面积", "业主", "业主电话", "开发商持有"],
            &["1栋", "101", "一百平", "", "", ""],
            &["1栋", "102", "0", "", "", ""],
            &["1栋", "103", "80", "王五", "12345", ""],
            &["1栋", "104", "80", "王五", "", "是"],
            &["1栋", "105", "80", "", "", "也许"],
            &["1栋", "106", "80", "", "", ""],
            &["1栋", "106", "81", "", "", ""],
        ]));
        let at: Vec<(usize, &str, &str)> = c
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(at[0].0, 2);
        assert_eq!(at[0].1, "C");
        assert_eq!(at[1].0, 3);
        assert_eq!((at[2].0, at[2].1), (4, "E"));
        assert_eq!((at[3].0, at[3].2), (5, "owner_is_developer"));
        assert_eq!((at[4].0, at[4].2), (6, "import_yes_no"));
        assert_eq!((at[5].0, at[5].2), (8, "import_unit_differs"));
        assert_eq!(c.bad_rows, 6);
        assert_eq!(c.units.len(), 1, "only 106 passed");
    }

    #[test]
    fn a_sheet_without_the_needed_columns_says_which() {
        let c = check_rows(&sheet(&[&["姓名", "电话"], &["张三", "13800001111"]]));
        assert_eq!(c.units.len(), 0);
        let missing: Vec<&str> = c.problems.iter().map(|p| p.header.as_str()).collect();
        assert_eq!(missing, ["楼栋", "房号", "面积"]);
        assert!(
            c.problems
                .iter()
                .all(|p| p.row == 1 && p.code == "import_column_missing")
        );
    }

    #[test]
    fn the_template_reads_back_as_a_valid_sheet() {
        let bytes = template().unwrap();
        let rows = crate::xlsx::read_first_sheet(&bytes).unwrap();
        let c = check_rows(&rows);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.units.len(), 2);
        assert!(c.units[1].owner.as_ref().unwrap().developer);
    }
}
