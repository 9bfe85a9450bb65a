//! Setting up the region tree, by its own officers (issue 15): a district officer adds
//! streets, a street officer communities, a residents' committee its compounds and
//! buildings; each renames, reorders, moves and retires the nodes below their own.
//!
//! Rules, each checked inside the transaction that writes, against rows locked there:
//! the kind order (`RegionKind::may_hold`), no cycle (a node never moves below itself),
//! nothing new under a retired node, one live name per parent. The one who acts must
//! administer the node's parent (and, for a move, the new parent too), so an officer
//! shapes only what lies below their own node. Every change is in the audit log.

use crate::{Actor, AppError, AppResult};
use linli_domain::error::DomainError;
use linli_domain::regions::RegionKind;
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::regions::{self, RegionRow};
use linli_store::{Db, Tx};

/// A node's name: 1–60 characters, no control characters.
fn node_name(raw: &str) -> AppResult<String> {
    Ok(linli_domain::text::bounded_text(
        raw,
        60,
        DomainError::InvalidName,
    )?)
}

fn order(raw: Option<i64>) -> AppResult<Option<i64>> {
    match raw {
        Some(n) if !(0..=100_000).contains(&n) => Err(AppError::Invalid("region_order_range")),
        other => Ok(other),
    }
}

async fn locked(tx: &mut Tx, id: i64) -> AppResult<RegionRow> {
    regions::get_locked(tx, id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))
}

/// The node's parent, which the actor must administer to change the node.
async fn parent_administered(tx: &mut Tx, actor: &Actor, node: &RegionRow) -> AppResult<RegionRow> {
    let Some(pid) = node.parent_id else {
        // The root (the network) is the platform's; it is not renamed or moved here.
        return Err(AppError::Invalid("region_is_root"));
    };
    let parent = locked(tx, pid).await?;
    if !actor.administers(&parent.path) {
        return Err(if actor.can_read(&node.path) {
            AppError::Forbidden
        } else {
            AppError::NotFound("region_not_found")
        });
    }
    Ok(parent)
}

async fn name_free(tx: &mut Tx, parent_id: i64, name: &str, except: Option<i64>) -> AppResult<()> {
    if regions::live_child_named(tx, parent_id, name, except.unwrap_or(0)).await? {
        return Err(AppError::Conflict("region_name_taken"));
    }
    Ok(())
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &'static str,
    node: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action,
            region_id: Some(node),
            target: format!("region:{node}"),
            detail,
        },
    )
    .await?;
    Ok(())
}

/// Adds a node of `kind` under `parent_id`; `sort_order` places it among its siblings
/// (after the last when absent).
pub async fn create_child(
    db: &Db,
    actor: &Actor,
    parent_id: i64,
    kind: &str,
    name: &str,
    sort_order: Option<i64>,
) -> AppResult<RegionRow> {
    let kind = RegionKind::parse(kind.trim()).ok_or(AppError::Invalid("region_kind_unknown"))?;
    let name = node_name(name)?;
    let sort_order = order(sort_order)?;
    let mut tx = db.begin().await?;
    let parent = locked(&mut tx, parent_id).await?;
    if !actor.administers(&parent.path) {
        return Err(if actor.can_read(&parent.path) {
            AppError::Forbidden
        } else {
            AppError::NotFound("region_not_found")
        });
    }
    if parent.retired_at.is_some() {
        return Err(AppError::Conflict("region_retired"));
    }
    if !parent.kind().may_hold(kind) {
        return Err(AppError::Invalid("region_kind_order"));
    }
    name_free(&mut tx, parent.id, &name, None).await?;
    let sort_order = match sort_order {
        Some(n) => n,
        None => regions::next_sort_order(&mut tx, parent.id).await?,
    };
    let mut node = regions::insert(&mut tx, Some(&parent), kind, &name).await?;
    regions::rename(&mut tx, node.id, &name, sort_order).await?;
    node.sort_order = sort_order;
    record(
        &mut tx,
        actor,
        "region.create",
        node.id,
        format!("{} {name} under {}", kind.as_str(), parent.name),
    )
    .await?;
    tx.commit().await?;
    Ok(node)
}

/// Renames a node and (optionally) sets its place among its siblings.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    name: &str,
    sort_order: Option<i64>,
) -> AppResult<RegionRow> {
    let name = node_name(name)?;
    let sort_order = order(sort_order)?;
    let mut tx = db.begin().await?;
    let mut node = locked(&mut tx, id).await?;
    let parent = parent_administered(&mut tx, actor, &node).await?;
    if node.name != name {
        name_free(&mut tx, parent.id, &name, Some(node.id)).await?;
    }
    let sort_order = sort_order.unwrap_or(node.sort_order);
    regions::rename(&mut tx, id, &name, sort_order).await?;
    record(
        &mut tx,
        actor,
        "region.rename",
        id,
        format!("{} → {name} (order {sort_order})", node.name),
    )
    .await?;
    tx.commit().await?;
    node.name = name;
    node.sort_order = sort_order;
    Ok(node)
}

/// Moves a node, with everything below it, under `new_parent_id`: one transaction
/// rewrites the whole subtree's paths.
pub async fn move_node(
    db: &Db,
    actor: &Actor,
    id: i64,
    new_parent_id: i64,
) -> AppResult<RegionRow> {
    let parent_id = regions::get(db, id).await?.and_then(|n| n.parent_id);
    let mut tx = db.begin().await?;
    let mut ids = vec![id, new_parent_id];
    ids.extend(parent_id);
    regions::lock_in_order(&mut tx, &ids).await?;
    let node = locked(&mut tx, id).await?;
    let old_parent = parent_administered(&mut tx, actor, &node).await?;
    let target = locked(&mut tx, new_parent_id).await?;
    if !actor.administers(&target.path) {
        return Err(if actor.can_read(&target.path) {
            AppError::Forbidden
        } else {
            AppError::NotFound("region_not_found")
        });
    }
    if node.region_path().contains(&target.region_path()) {
        return Err(AppError::Invalid("region_move_cycle"));
    }
    if target.retired_at.is_some() {
        return Err(AppError::Conflict("region_retired"));
    }
    if !target.kind().may_hold(node.kind()) {
        return Err(AppError::Invalid("region_kind_order"));
    }
    if target.id == old_parent.id {
        return Ok(node);
    }
    name_free(&mut tx, target.id, &node.name, Some(node.id)).await?;
    let moved = regions::move_subtree(&mut tx, &node, &target).await?;
    record(
        &mut tx,
        actor,
        "region.move",
        id,
        format!(
            "{}: {} → {} ({moved} nodes)",
            node.name, old_parent.name, target.name
        ),
    )
    .await?;
    tx.commit().await?;
    regions::get(db, id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))
}

/// Retires a node and every live node below it: kept, with its records, for history;
/// gone from the lists where new records are made. Returns how many nodes were retired.
pub async fn retire(db: &Db, actor: &Actor, id: i64) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let node = locked(&mut tx, id).await?;
    parent_administered(&mut tx, actor, &node).await?;
    if node.retired_at.is_some() {
        return Err(AppError::Conflict("region_already_retired"));
    }
    let n = regions::retire_subtree(&mut tx, &node, now_ms()).await?;
    record(
        &mut tx,
        actor,
        "region.retire",
        id,
        format!("{} ({n} nodes)", node.name),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Brings a retired node back under a live parent (the nodes below it stay retired until
/// brought back one by one).
pub async fn restore(db: &Db, actor: &Actor, id: i64) -> AppResult<RegionRow> {
    let mut tx = db.begin().await?;
    let mut node = locked(&mut tx, id).await?;
    let parent = parent_administered(&mut tx, actor, &node).await?;
    if node.retired_at.is_none() {
        return Err(AppError::Conflict("region_not_retired"));
    }
    if parent.retired_at.is_some() {
        return Err(AppError::Conflict("region_retired"));
    }
    name_free(&mut tx, parent.id, &node.name, Some(node.id)).await?;
    regions::restore(&mut tx, id).await?;
    record(&mut tx, actor, "region.restore", id, node.name.clone()).await?;
    tx.commit().await?;
    node.retired_at = None;
    Ok(node)
}

/// What the setup form of a node offers: the kinds it may hold, its retired children, and
/// where its children could move (its siblings of a kind that may hold them).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SetupView {
    pub child_kinds: Vec<&'static str>,
    pub retired: Vec<RegionRow>,
    /// Whether the actor may change this node itself (rename, move, retire): they
    /// administer its parent.
    pub can_change_node: bool,
    /// Nodes this node could move under: the children of its grandparent that may hold it.
    pub move_targets: Vec<RegionRow>,
    pub next_order: i64,
}

/// The setup form's data, for those who administer `node` (and, on a building, for the
/// social workers who keep its units).
pub async fn setup_view(db: &Db, actor: &Actor, node: &RegionRow) -> AppResult<SetupView> {
    let keeps_units = node.kind() == RegionKind::Building && actor.sees_personal_data(&node.path);
    if !actor.administers(&node.path) && !keeps_units {
        return Err(if actor.can_read(&node.path) {
            AppError::Forbidden
        } else {
            AppError::NotFound("region_not_found")
        });
    }
    let retired = regions::retired_children(db, node.id, 50).await?;
    let parent = match node.parent_id {
        Some(p) => regions::get(db, p).await?,
        None => None,
    };
    let can_change_node = parent.as_ref().is_some_and(|p| actor.administers(&p.path));
    // Where it could go: a sibling that may hold it (a lone building into a compound), or
    // a sibling of its parent (a building from one compound into the next).
    let mut move_targets = vec![];
    if let (Some(p), true) = (&parent, can_change_node) {
        let mut near = regions::live_children_rows(db, p.id, 200).await?;
        if let Some(gp) = p.parent_id {
            near.extend(regions::live_children_rows(db, gp, 200).await?);
        }
        move_targets = near
            .into_iter()
            .filter(|c| c.id != p.id && c.id != node.id)
            .filter(|c| c.kind().may_hold(node.kind()) && actor.administers(&c.path))
            .collect();
    }
    Ok(SetupView {
        child_kinds: node
            .kind()
            .child_kinds()
            .into_iter()
            .map(RegionKind::as_str)
            .collect(),
        retired,
        can_change_node,
        move_targets,
        next_order: regions::max_sort_order(db, node.id).await? + 1,
    })
}
