//! The units of a building, kept by the community's officers and social workers (issue
//! 15): label (`1单元201`), floor area to the hundredth of a m², what it is used as, and who
//! lives there. Every change is a line of the unit's history (shown on its page) and of
//! the audit log; reading who lives there is logged as a read of personal data.

use crate::error::unique_as;
use crate::{Actor, AppError, AppResult};
use linli_domain::accounts::{PersonName, Phone};
use linli_domain::regions::{AreaCm2, RegionKind, UnitKind, unit_label};
use linli_store::audit::{self, NewAudit};
use linli_store::regions::{
    self, HouseholdChangeRow, HouseholdRow, RegionRow, ResidentRow, UnitOwnerRow,
};
use linli_store::{Db, Tx};

/// A unit's page: the unit, its building, who lives there and what changed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub household: HouseholdRow,
    pub building: RegionRow,
    pub residents: Vec<ResidentRow>,
    pub history: Vec<HouseholdChangeRow>,
    /// Who owns it (业主), if recorded.
    pub owner: Option<UnitOwnerRow>,
    /// The owners of the compound's other units, for "the same owner as".
    pub owners_nearby: Vec<UnitOwnerRow>,
}

/// The building, if the actor keeps its units (officers and social workers above it).
async fn kept_building(db: &Db, actor: &Actor, building_id: i64) -> AppResult<RegionRow> {
    let b = crate::regions::readable(db, actor, building_id).await?;
    if b.kind() != RegionKind::Building {
        return Err(AppError::Invalid("not_a_building"));
    }
    if !actor.sees_personal_data(&b.path) {
        return Err(AppError::Forbidden);
    }
    Ok(b)
}

/// A unit and its building, if the actor keeps the building's units.
async fn kept_unit(db: &Db, actor: &Actor, id: i64) -> AppResult<(HouseholdRow, RegionRow)> {
    let h = regions::get_household(db, id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))?;
    let building = kept_building(db, actor, h.region_id).await?;
    Ok((h, building))
}

async fn locked_unit(tx: &mut Tx, id: i64) -> AppResult<(i64, String, i64, String)> {
    regions::household_locked(tx, id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))
}

async fn change(
    tx: &mut Tx,
    actor: &Actor,
    building: &RegionRow,
    unit: i64,
    field: &'static str,
    old: &str,
    new: &str,
) -> AppResult<()> {
    regions::insert_household_change(tx, unit, actor.id(), field, old, new).await?;
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "unit.change",
            region_id: Some(building.id),
            target: format!("household:{unit}"),
            detail: format!("{field}: {old} → {new}"),
        },
    )
    .await?;
    Ok(())
}

/// What a form gives for a unit, checked.
struct UnitInput {
    label: String,
    area: AreaCm2,
    kind: UnitKind,
}

fn unit_input(label: &str, area: &str, kind: &str) -> AppResult<UnitInput> {
    Ok(UnitInput {
        label: unit_label(label)?,
        area: AreaCm2::parse(area)?,
        kind: UnitKind::parse(if kind.trim().is_empty() {
            "residence"
        } else {
            kind
        })?,
    })
}

/// Adds a unit to a building.
pub async fn create(
    db: &Db,
    actor: &Actor,
    building_id: i64,
    label: &str,
    area: &str,
    kind: &str,
) -> AppResult<HouseholdRow> {
    let input = unit_input(label, area, kind)?;
    let building = kept_building(db, actor, building_id).await?;
    let mut tx = db.begin().await?;
    let id = regions::insert_household(
        &mut tx,
        building.id,
        &input.label,
        input.area.0,
        input.kind.as_str(),
    )
    .await
    .map_err(unique_as("unit_label_taken"))?;
    let summary = format!(
        "{} · {} m² · {}",
        input.label,
        input.area.display(),
        input.kind.as_str()
    );
    change(&mut tx, actor, &building, id, "created", "", &summary).await?;
    tx.commit().await?;
    regions::get_household(db, id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))
}

/// Changes a unit's label, area or kind; each changed field is a line of its history.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    label: &str,
    area: &str,
    kind: &str,
) -> AppResult<HouseholdRow> {
    let input = unit_input(label, area, kind)?;
    let (_, building) = kept_unit(db, actor, id).await?;
    let mut tx = db.begin().await?;
    let (_, old_label, old_area, old_kind) = locked_unit(&mut tx, id).await?;
    regions::update_household(&mut tx, id, &input.label, input.area.0, input.kind.as_str())
        .await
        .map_err(unique_as("unit_label_taken"))?;
    if old_label != input.label {
        change(
            &mut tx,
            actor,
            &building,
            id,
            "label",
            &old_label,
            &input.label,
        )
        .await?;
    }
    if old_area != input.area.0 {
        let (old, new) = (AreaCm2(old_area).display(), input.area.display());
        change(&mut tx, actor, &building, id, "area", &old, &new).await?;
    }
    if old_kind != input.kind.as_str() {
        change(
            &mut tx,
            actor,
            &building,
            id,
            "kind",
            &old_kind,
            input.kind.as_str(),
        )
        .await?;
    }
    tx.commit().await?;
    regions::get_household(db, id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))
}

/// A unit with who lives there (names and numbers: the read is logged) and its history.
pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<UnitView> {
    let (household, building) = kept_unit(db, actor, id).await?;
    let residents = regions::residents_of(db, id).await?;
    let history = regions::household_changes(db, id, 50).await?;
    let owner = regions::unit_owner(db, id).await?;
    // The compound (or the community, for a lone building) the building stands in.
    let around = match building.parent_id {
        Some(p) => regions::get(db, p)
            .await?
            .unwrap_or_else(|| building.clone()),
        None => building.clone(),
    };
    let (lo, hi) = around.region_path().subtree_bounds();
    let owners_nearby = regions::owners_within(db, &lo, &hi, 300).await?;
    audit::record_now(
        db,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "pii.read",
            region_id: Some(building.id),
            target: format!("household:{id}"),
            detail: format!("{} residents", residents.len()),
        },
    )
    .await?;
    Ok(UnitView {
        household,
        building,
        residents,
        history,
        owner,
        owners_nearby,
    })
}

/// Lists a person in a unit (name; a mainland mobile number if known; whether head of
/// the household — a new head replaces the old one).
pub async fn add_resident(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    name: &str,
    phone: &str,
    is_head: bool,
) -> AppResult<i64> {
    let name = PersonName::parse(name)?;
    let phone = match phone.trim() {
        "" => None,
        p => Some(Phone::parse(p)?),
    };
    let (_, building) = kept_unit(db, actor, household_id).await?;
    let mut tx = db.begin().await?;
    locked_unit(&mut tx, household_id).await?;
    let id = regions::insert_resident(
        &mut tx,
        household_id,
        building.id,
        name.as_str(),
        phone.as_ref().map(Phone::as_str),
        is_head,
    )
    .await?;
    let shown = if is_head {
        format!("{} (户主)", name.as_str())
    } else {
        name.as_str().to_string()
    };
    change(
        &mut tx,
        actor,
        &building,
        household_id,
        "resident_added",
        "",
        &shown,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes a person off a unit's list (moved out); their account, if any, stays.
pub async fn remove_resident(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    resident_id: i64,
) -> AppResult<()> {
    let (_, building) = kept_unit(db, actor, household_id).await?;
    let mut tx = db.begin().await?;
    locked_unit(&mut tx, household_id).await?;
    let name = regions::delete_resident(&mut tx, household_id, resident_id)
        .await?
        .ok_or(AppError::NotFound("resident_not_found"))?;
    change(
        &mut tx,
        actor,
        &building,
        household_id,
        "resident_removed",
        &name,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who a unit passes to: an owner already known (by key: one buyer of several units is
/// one owner), a new owner by name (and phone, which links their account if they have
/// one), or the developer (unsold or undelivered).
pub enum NewOwner<'a> {
    Known(&'a str),
    Named { name: &'a str, phone: &'a str },
    Developer,
}

/// Records a unit's owner — at a sale, on `date` (the day of the transfer, for the
/// history) — with their share of the unit (`share`, a percentage; empty: the whole
/// unit; the developer always holds the whole), keeping the previous owner in the unit's
/// history.
pub async fn set_owner(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    owner: NewOwner<'_>,
    date: &str,
    share: &str,
) -> AppResult<UnitOwnerRow> {
    let date = match date.trim() {
        "" => None,
        d => Some(linli_domain::money::Day::parse(d)?),
    };
    let share = linli_domain::regions::ShareBp::parse(share)?;
    if matches!(owner, NewOwner::Developer) && share != linli_domain::regions::ShareBp::WHOLE {
        return Err(AppError::Invalid("invalid_share"));
    }
    let (_, building) = kept_unit(db, actor, household_id).await?;
    let named = match &owner {
        NewOwner::Named { name, phone } => {
            let name = PersonName::parse(name)?;
            let phone = match phone.trim() {
                "" => None,
                p => Some(Phone::parse(p)?),
            };
            let user = match &phone {
                Some(p) => linli_store::accounts::user_by_phone(db, p.as_str()).await?,
                None => None,
            };
            Some((name, user.map(|u| u.id), phone))
        }
        _ => None,
    };
    let mut tx = db.begin().await?;
    locked_unit(&mut tx, household_id).await?;
    let (key, name, user_id, developer, phone) = match (&owner, named) {
        (NewOwner::Known(key), _) => {
            let (name, user_id, developer, phone) = regions::owner_by_key(&mut tx, key)
                .await?
                .ok_or(AppError::NotFound("owner_not_found"))?;
            if developer {
                return Err(AppError::Invalid("owner_is_developer"));
            }
            (key.to_string(), name, user_id, false, phone)
        }
        (NewOwner::Named { .. }, Some((name, user_id, phone))) => {
            // The same account is the same owner across units.
            let key = match user_id {
                Some(u) => format!("u{u}"),
                None => format!("o{}", &crate::tokens::random_token()[..16]),
            };
            let phone = phone.map(|p| p.as_str().to_string());
            (key, name.as_str().to_string(), user_id, false, phone)
        }
        _ => (
            "developer".to_string(),
            "开发商".to_string(),
            None,
            true,
            None,
        ),
    };
    let old = regions::unit_owner(db, household_id).await?;
    regions::set_unit_owner(
        &mut tx,
        household_id,
        building.id,
        &key,
        &name,
        user_id,
        developer,
        phone.as_deref(),
        share.0,
    )
    .await?;
    let shown = |n: &str, dev: bool| {
        if dev {
            "developer".to_string()
        } else {
            n.to_string()
        }
    };
    let mut new_value = shown(&name, developer);
    if share != linli_domain::regions::ShareBp::WHOLE {
        new_value.push_str(&format!(" · {}", share.display()));
    }
    if let Some(d) = &date {
        new_value.push_str(&format!(" ({})", d.as_str()));
    }
    let old_value = old
        .map(|o| shown(&o.owner_name, o.developer))
        .unwrap_or_default();
    change(
        &mut tx,
        actor,
        &building,
        household_id,
        "owner",
        &old_value,
        &new_value,
    )
    .await?;
    tx.commit().await?;
    regions::unit_owner(db, household_id)
        .await?
        .ok_or(AppError::Internal("owner vanished".into()))
}
