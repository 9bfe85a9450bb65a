//! Reading the region tree: a node's page with its ancestors, children, counts,
//! organizations, households and building representatives; the residents' roster for
//! those who need personal data, with every read logged.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::accounts::Role;
use linli_domain::regions::{RegionKind, RegionPath};
use linli_store::Db;
use linli_store::accounts::{self as st, GrantRow};
use linli_store::audit::{self, NewAudit};
use linli_store::organizations::{self as orgs, OrgRow};
use linli_store::regions::{self, ChildRow, HouseholdRow, RegionRow, RegionStats, ResidentRow};

/// Everything a node's page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RegionView {
    pub region: RegionRow,
    /// From the root down to the parent.
    pub ancestors: Vec<RegionRow>,
    pub stats: RegionStats,
    pub children: Vec<ChildRow>,
    pub children_total: i64,
    pub organizations: Vec<OrgRow>,
    pub organizations_total: i64,
    /// For a building: its households, a page at a time.
    pub households: Vec<HouseholdRow>,
    pub households_total: i64,
    /// For a building: its representatives (楼栋代表), names only.
    pub representatives: Vec<PersonRef>,
    /// Whether the viewer may see the residents' roster.
    pub can_see_roster: bool,
    /// Whether the viewer may issue invitation codes here.
    pub can_invite: bool,
    /// Whether the viewer may grant roles here.
    pub can_admin: bool,
}

/// A person named on a public page: no contact details.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub user_id: i64,
    pub name: String,
}

impl From<GrantRow> for PersonRef {
    fn from(g: GrantRow) -> Self {
        Self {
            user_id: g.user_id,
            name: g.user_name,
        }
    }
}

/// Loads a node the actor may read.
pub async fn readable(db: &Db, actor: &Actor, id: i64) -> AppResult<RegionRow> {
    let r = regions::get(db, id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    ensure_readable(actor, r)
}

/// The node if the actor may read it (and the request's span names it).
fn ensure_readable(actor: &Actor, r: RegionRow) -> AppResult<RegionRow> {
    tracing::Span::current().record("region", r.id);
    if !actor.can_read(&r.path) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

/// The nodes directly below one the actor administers, for the roles form's picker (the
/// form grants on the node itself or one of these; deeper nodes are a link away). At most
/// `limit`, by name.
pub async fn grantable_children(
    db: &Db,
    actor: &Actor,
    region: &RegionRow,
    limit: i64,
) -> AppResult<Vec<ChildRow>> {
    if !actor.administers(&region.path) {
        return Err(AppError::Forbidden);
    }
    Ok(regions::children(db, region.id, limit, 0).await?)
}

pub async fn view(db: &Db, actor: &Actor, id: i64, page: Page) -> AppResult<RegionView> {
    // The node and the nodes above it, in one statement.
    let mut ancestors = regions::with_ancestors(db, id).await?;
    let region = match ancestors.pop() {
        Some(r) if r.id == id => ensure_readable(actor, r)?,
        _ => return Err(AppError::NotFound("region_not_found")),
    };
    let path = region.region_path();
    let (lo, hi) = path.subtree_bounds();
    let stats = regions::stats(db, &lo, &hi).await?;
    let is_building = region.kind() == RegionKind::Building;
    let (children, children_total, households, households_total, representatives) = if is_building {
        (
            vec![],
            0,
            regions::households(db, id, page.size, page.offset()).await?,
            // A building has no nodes below it: its subtree's households are its own.
            stats.households,
            st::holders_at(db, id, Role::BuildingRep.as_str())
                .await?
                .into_iter()
                .map(PersonRef::from)
                .collect(),
        )
    } else {
        (
            regions::children(db, id, page.size, page.offset()).await?,
            regions::count_children(db, id).await?,
            vec![],
            0,
            vec![],
        )
    };
    let (organizations, organizations_total) = orgs::list_in(db, &lo, &hi, None, 10, 0).await?;
    Ok(RegionView {
        can_see_roster: is_building && actor.sees_personal_data(&region.path),
        can_invite: is_building && actor.role_over(&region.path, Role::invites).is_some(),
        can_admin: actor.administers(&region.path),
        region,
        ancestors,
        stats,
        children,
        children_total,
        organizations,
        organizations_total,
        households,
        households_total,
        representatives,
    })
}

/// The nodes a user starts from: their readable scopes' nodes.
pub async fn my_nodes(db: &Db, actor: &Actor) -> AppResult<Vec<RegionRow>> {
    let ids: Vec<i64> = actor
        .read_scopes()
        .iter()
        .filter_map(|s| RegionPath::from_stored(s.clone()).ids().last().map(|r| r.0))
        .collect();
    Ok(regions::get_many(db, &ids).await?)
}

/// Residents of a building with phone numbers, for social workers and officers. The
/// read is written to the audit log.
pub async fn roster(
    db: &Db,
    actor: &Actor,
    building_id: i64,
    filter: &regions::RosterFilter,
    page: Page,
) -> AppResult<(RegionRow, Vec<ResidentRow>, i64)> {
    let b = readable(db, actor, building_id).await?;
    if b.kind() != RegionKind::Building {
        return Err(AppError::Invalid("not_a_building"));
    }
    if !actor.sees_personal_data(&b.path) {
        return Err(AppError::Forbidden);
    }
    if filter.search.chars().count() > 50 {
        return Err(AppError::Invalid("search_too_long"));
    }
    let (rows, total) =
        regions::residents(db, building_id, filter, page.size, page.offset()).await?;
    audit::record_now(
        db,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "pii.read",
            region_id: Some(building_id),
            target: format!("roster:{building_id}"),
            detail: format!(
                "{} · {}{}{}",
                page.number,
                rows.len(),
                if filter.search.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", filter.search)
                },
                if filter.unregistered {
                    " · unregistered"
                } else {
                    ""
                }
            ),
        },
    )
    .await?;
    Ok((b, rows, total))
}

/// A household, for those who may issue its invitation codes.
pub async fn household(db: &Db, actor: &Actor, id: i64) -> AppResult<HouseholdRow> {
    let h = regions::get_household(db, id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))?;
    let b = readable(db, actor, h.region_id).await?;
    if actor.role_over(&b.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(h)
}

/// The user's household and the places around it: building, compound, community.
pub async fn my_places(
    db: &Db,
    actor: &Actor,
) -> AppResult<(Option<st::MyHousehold>, Vec<RegionRow>)> {
    let Some(h) = st::household_of_user(db, actor.id()).await? else {
        return Ok((None, vec![]));
    };
    let ids: Vec<i64> = RegionPath::from_stored(h.building_path.clone())
        .ids()
        .iter()
        .map(|r| r.0)
        .collect();
    let mut rows = regions::get_many(db, &ids).await?;
    rows.retain(|r| r.kind() >= RegionKind::Community);
    rows.reverse();
    Ok((Some(h), rows))
}
