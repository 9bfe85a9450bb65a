//! Granting and revoking roles on region nodes. Every grant and revoke is written to
//! the audit log in the same transaction.

use crate::error::unique_as;
use crate::{Actor, AppError, AppResult, Page};
use linli_domain::accounts::{Phone, Role};
use linli_domain::regions::RegionPath;
use linli_store::accounts::{self as st, GrantRow};
use linli_store::audit::{self, NewAudit};
use linli_store::{Db, regions};

/// Grants `role` on `region_id` to the account with `phone`.
pub async fn grant(
    db: &Db,
    actor: &Actor,
    phone: &str,
    region_id: i64,
    role: &str,
) -> AppResult<GrantRow> {
    let role = Role::parse(role)?;
    let phone = Phone::parse(phone)?;
    let region = regions::get(db, region_id)
        .await?
        .ok_or(AppError::Invalid("region_not_found"))?;
    let may = actor
        .role_over(&region.path, Role::administers)
        .is_some_and(|mine| mine.may_grant(role));
    if !may {
        return Err(AppError::Forbidden);
    }
    let user = st::user_by_phone(db, phone.as_str())
        .await?
        .ok_or(AppError::Invalid("user_not_found"))?;
    insert_grant(
        db,
        Some(actor.id()),
        user.id,
        region.id,
        role,
        role.as_str().into(),
    )
    .await
}

/// Writes a grant and its audit entry in one transaction; `by` is `None` when the
/// server's command line grants it.
async fn insert_grant(
    db: &Db,
    by: Option<i64>,
    user_id: i64,
    region_id: i64,
    role: Role,
    detail: String,
) -> AppResult<GrantRow> {
    let mut tx = db.begin().await?;
    let id = st::insert_grant(&mut tx, user_id, region_id, role.as_str(), by)
        .await
        .map_err(unique_as("role_already_held"))?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: by,
            action: "role.grant",
            region_id: Some(region_id),
            target: format!("user:{user_id}"),
            detail,
        },
    )
    .await?;
    tx.commit().await?;
    st::grant_by_id(db, id)
        .await?
        .ok_or(AppError::Internal("grant vanished".into()))
}

/// Revokes an active grant.
pub async fn revoke(db: &Db, actor: &Actor, grant_id: i64) -> AppResult<()> {
    let g = st::grant_by_id(db, grant_id)
        .await?
        .ok_or(AppError::NotFound("grant_not_found"))?;
    let role = Role::parse(&g.role)?;
    let may = actor
        .role_over(&g.region_path, Role::administers)
        .is_some_and(|mine| mine.may_grant(role));
    if !may {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    if role == Role::PlatformAdmin {
        // Someone must always be able to grant roles: never remove the last admin.
        let admins = st::lock_active_grants_of_role(&mut tx, role.as_str()).await?;
        if admins.len() <= 1 && admins.contains(&grant_id) {
            return Err(AppError::Conflict("last_admin"));
        }
    }
    if !st::revoke_grant(&mut tx, grant_id, actor.id()).await? {
        return Err(AppError::Conflict("grant_already_revoked"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "role.revoke",
            region_id: Some(g.region_id),
            target: format!("user:{}", g.user_id),
            detail: g.role.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes the account with `phone` a platform admin, from the server's command line
/// (`linli admin grant PHONE`): the way back in when no admin is left to grant roles.
/// Whoever can run this already holds the server; it is written to the audit log.
pub async fn grant_admin_from_server(db: &Db, phone: &str) -> AppResult<GrantRow> {
    let phone = Phone::parse(phone)?;
    let user = st::user_by_phone(db, phone.as_str())
        .await?
        .ok_or(AppError::Invalid("user_not_found"))?;
    let root = st::root_region(db)
        .await?
        .ok_or(AppError::Invalid("region_not_found"))?;
    let role = Role::PlatformAdmin;
    let detail = format!("{} (linli admin grant)", role.as_str());
    insert_grant(db, None, user.id, root, role, detail).await
}

/// Active grants at and below a node the actor administers.
pub async fn list(db: &Db, actor: &Actor, region_id: i64, page: Page) -> AppResult<Vec<GrantRow>> {
    let region = regions::get(db, region_id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    if !actor.administers(&region.path) {
        return Err(AppError::Forbidden);
    }
    let (lo, hi) = RegionPath::from_stored(region.path).subtree_bounds();
    Ok(st::grants_in(db, &lo, &hi, page.size, page.offset()).await?)
}
