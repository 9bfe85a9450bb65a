//! Reading the audit log: administrators read the entries of the nodes they
//! administer; platform admins also read entries without a node (registrations).

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::regions::RegionPath;
use linli_store::audit::{self, AuditRow};
use linli_store::{Db, regions};

/// Entries for `region_id` and below, or for the actor's widest administered node.
pub async fn list(
    db: &Db,
    actor: &Actor,
    region_id: Option<i64>,
    page: Page,
) -> AppResult<Vec<AuditRow>> {
    let path = match region_id {
        Some(id) => {
            regions::get(db, id)
                .await?
                .ok_or(AppError::NotFound("region_not_found"))?
                .path
        }
        None => actor
            .administered_nodes()
            .first()
            .map(|g| g.region_path.clone())
            .ok_or(AppError::Forbidden)?,
    };
    if !actor.administers(&path) {
        return Err(AppError::Forbidden);
    }
    let global = actor.is_platform_admin() && region_id.is_none();
    let (lo, hi) = RegionPath::from_stored(path).subtree_bounds();
    Ok(audit::list(db, &lo, &hi, global, page.size, page.offset()).await?)
}
