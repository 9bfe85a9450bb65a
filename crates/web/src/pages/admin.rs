//! Administration: granting and revoking roles on region nodes, and reading the audit
//! log. Officers see only the nodes they administer.

use super::Pager;
use crate::ctx::{Ctx, Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::PageForm;
use crate::extract::{Path, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::{Page, audit, roles};
use linli_domain::accounts::Role;
use linli_domain::jobs::JobStatus;
use linli_store::accounts::GrantRow;
use linli_store::audit::AuditRow;
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/roles", get(roles_page).post(grant))
        .route("/admin/roles/{id}/revoke", post(revoke))
        .route("/admin/audit", get(audit_page))
        .route("/admin/jobs", get(jobs_page))
        .route("/admin/jobs/{id}/retry", post(retry_job))
}

#[derive(Deserialize)]
struct RegionQuery {
    region: Option<i64>,
    page: Option<i64>,
}

/// The node an admin page is about: the one asked for, or the widest the actor
/// administers.
async fn admin_region(
    ctx: &Ctx,
    state: &AppState,
    region: Option<i64>,
) -> Result<RegionRow, PageError> {
    let actor = ctx.actor().page(ctx)?;
    let id = match region {
        Some(id) => id,
        None => actor
            .administered_nodes()
            .first()
            .map(|g| g.region_id)
            .ok_or(linli_app::AppError::Forbidden)
            .page(ctx)?,
    };
    let r = linli_app::regions::readable(state.db(), actor, id)
        .await
        .page(ctx)?;
    if !actor.administers(&r.path) {
        return Err(PageError::new(linli_app::AppError::Forbidden, ctx));
    }
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/roles.html")]
struct RolesPage {
    l: Layout,
    region: RegionRow,
    grants: Vec<GrantRow>,
    roles: Vec<&'static str>,
    /// The nodes below `region`, offered in the form's picker.
    below: Vec<linli_store::regions::ChildRow>,
    pager: Pager,
}

async fn roles_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Query(q): Query<RegionQuery>,
) -> Result<RolesPage, PageError> {
    let region = admin_region(&ctx, &state, q.region).await?;
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let grants = roles::list(state.db(), actor, region.id, page)
        .await
        .page(&ctx)?;
    let total = if grants.len() as i64 == page.size {
        page.offset() + page.size + 1
    } else {
        page.offset() + grants.len() as i64
    };
    let mine = actor.role_over(&region.path, Role::administers);
    let roles = Role::ALL
        .iter()
        .filter(|r| mine.is_some_and(|m| m.may_grant(**r)))
        .map(|r| r.as_str())
        .collect();
    let pager = Pager::new(page, total, format!("/admin/roles?region={}&", region.id));
    let below = linli_app::regions::grantable_children(state.db(), actor, &region, 200)
        .await
        .page(&ctx)?;
    Ok(RolesPage {
        l: ctx.layout(),
        below,
        region,
        grants,
        roles,
        pager,
    })
}

#[derive(Deserialize)]
struct GrantForm {
    phone: String,
    region_id: i64,
    role: String,
}

async fn grant(
    ctx: LoggedIn,
    State(state): State<AppState>,
    PageForm(f): PageForm<GrantForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let g = roles::grant(state.db(), actor, &f.phone, f.region_id, &f.role)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!(
        "/admin/roles?region={}",
        g.region_id
    )))
}

#[derive(Deserialize)]
struct RevokeForm {
    back_region: Option<i64>,
}

async fn revoke(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RevokeForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    roles::revoke(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&match f.back_region {
        Some(r) => format!("/admin/roles?region={r}"),
        None => "/admin/roles".into(),
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    l: Layout,
    region: RegionRow,
    rows: Vec<AuditRow>,
    pager: Pager,
}

async fn audit_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Query(q): Query<RegionQuery>,
) -> Result<AuditPage, PageError> {
    let region = admin_region(&ctx, &state, q.region).await?;
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let rows = audit::list(state.db(), actor, q.region, page)
        .await
        .page(&ctx)?;
    let total = if rows.len() as i64 == page.size {
        page.offset() + page.size + 1
    } else {
        page.offset() + rows.len() as i64
    };
    let pager = Pager::new(page, total, format!("/admin/audit?region={}&", region.id));
    Ok(AuditPage {
        l: ctx.layout(),
        region,
        rows,
        pager,
    })
}

#[derive(Deserialize)]
struct JobsQuery {
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    l: Layout,
    status: String,
    statuses: &'static [JobStatus],
    counts: Vec<linli_app::jobs::JobCount>,
    jobs: Vec<linli_store::jobs::JobRow>,
    pager: Pager,
}

/// The background job queue: counts per kind and status, the jobs newest first, and a
/// retry button on the dead ones (platform administrators).
async fn jobs_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Query(q): Query<JobsQuery>,
) -> Result<JobsPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let status = q.status.unwrap_or_default();
    let (counts, jobs) = linli_app::jobs::overview(state.db(), actor, Some(&status), page)
        .await
        .page(&ctx)?;
    let total = if jobs.len() as i64 == page.size {
        page.offset() + page.size + 1
    } else {
        page.offset() + jobs.len() as i64
    };
    let pager = Pager::new(page, total, format!("/admin/jobs?status={status}&"));
    Ok(JobsPage {
        l: ctx.layout(),
        status,
        statuses: JobStatus::ALL,
        counts,
        jobs,
        pager,
    })
}

async fn retry_job(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    linli_app::jobs::retry(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to("/admin/jobs?status=dead"))
}
