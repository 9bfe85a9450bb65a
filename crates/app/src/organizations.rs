//! Organizations on a region node and their members. Any resident may found a club
//! and becomes its leader (谁主张谁负责); the other kinds are recorded by those who
//! administer the node. Member phone numbers are masked for everyone but the roles
//! that need them.

use crate::error::unique_as;
use crate::{Actor, AppError, AppResult, Page};
use linli_domain::DomainError;
use linli_domain::accounts::{Phone, bounded_text, mask_phone};
use linli_domain::organizations::{MemberRole, OrgKind};
use linli_domain::regions::RegionPath;
use linli_domain::search::Kind;
use linli_store::accounts as st;
use linli_store::audit::{self, NewAudit};
use linli_store::organizations::{self as orgs, MemberRow, OrgRow};
use linli_store::{Db, Tx, regions};

/// What a new organization needs, still raw.
pub struct NewOrg<'a> {
    pub region_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub intro: &'a str,
}

/// A name (1–60 characters) and an introduction (at most 2,000), trimmed and free of
/// control characters.
fn name_and_intro(name: &str, intro: &str) -> AppResult<(String, String)> {
    let name = bounded_text(name, 60, DomainError::InvalidName)?;
    let intro = intro.trim();
    if intro.chars().count() > 2000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    if linli_domain::text::has_control(intro) {
        return Err(AppError::Invalid("control_character"));
    }
    Ok((name, intro.to_string()))
}

/// Registers an organization's name and introduction with search, inside the
/// transaction that wrote them. Organizations have no time of change, so their search
/// recency is their founding, as `linli reindex` reads it.
async fn index(
    tx: &mut Tx,
    id: i64,
    region_id: i64,
    path: &str,
    name: &str,
    intro: &str,
) -> AppResult<()> {
    let founded = orgs::created_at(tx, id).await?;
    crate::search::index(
        tx,
        crate::search::Doc {
            kind: Kind::Org,
            ref_id: id,
            region_id,
            region_path: path,
            title: name,
            body: intro,
            updated_at: founded,
        },
    )
    .await
}

pub async fn create(db: &Db, actor: &Actor, input: NewOrg<'_>) -> AppResult<OrgRow> {
    let kind = OrgKind::parse(input.kind)?;
    let (name, intro) = name_and_intro(input.name, input.intro)?;
    let intro = intro.as_str();
    let region = regions::get(db, input.region_id)
        .await?
        .ok_or(AppError::Invalid("region_not_found"))?;
    let allowed = if kind.residents_may_found() {
        actor.can_read(&region.path)
    } else {
        actor.administers(&region.path)
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let id = orgs::insert(&mut tx, region.id, kind.as_str(), &name, intro, actor.id())
        .await
        .map_err(unique_as("org_name_taken"))?;
    orgs::upsert_member(&mut tx, id, actor.id(), MemberRole::Leader.as_str()).await?;
    linli_store::money::create_ledger(&mut tx, id, region.id).await?;
    if kind == OrgKind::Club {
        crate::clubs::start_as_proposed(&mut tx, id, actor.id()).await?;
    }
    index(&mut tx, id, region.id, &region.path, &name, intro).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "org.create",
            region_id: Some(region.id),
            target: format!("org:{id}"),
            detail: format!("{}: {name}", kind.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Changes an organization's name and introduction (its leaders and deputies, and the
/// node's administrators); search finds it by the new words only.
pub async fn update(db: &Db, actor: &Actor, id: i64, name: &str, intro: &str) -> AppResult<OrgRow> {
    let org = get(db, actor, id).await?;
    if !manages(db, actor, &org).await? {
        return Err(AppError::Forbidden);
    }
    let (name, intro) = name_and_intro(name, intro)?;
    let mut tx = db.begin().await?;
    orgs::update(&mut tx, org.id, &name, &intro)
        .await
        .map_err(unique_as("org_name_taken"))?;
    index(
        &mut tx,
        org.id,
        org.region_id,
        &org.region_path,
        &name,
        &intro,
    )
    .await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "org.update",
            region_id: Some(org.region_id),
            target: format!("org:{}", org.id),
            detail: name,
        },
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// An organization the actor may read.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<OrgRow> {
    let o = orgs::get(db, id)
        .await?
        .ok_or(AppError::NotFound("org_not_found"))?;
    if !actor.can_read(&o.region_path) {
        return Err(AppError::Forbidden);
    }
    Ok(o)
}

/// Organizations at and below a node, optionally of one kind, with the total.
pub async fn list(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    kind: Option<&str>,
    page: Page,
) -> AppResult<(Vec<OrgRow>, i64)> {
    let kind = kind
        .filter(|k| !k.is_empty())
        .map(OrgKind::parse)
        .transpose()?;
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = RegionPath::from_stored(region.path).subtree_bounds();
    let k = kind.map(OrgKind::as_str);
    let (rows, total) = orgs::list_in(db, &lo, &hi, k, page.size, page.offset()).await?;
    Ok((rows, total))
}

/// Organizations the actor belongs to, with their role in each.
pub async fn mine(db: &Db, actor: &Actor) -> AppResult<Vec<(OrgRow, String)>> {
    Ok(orgs::of_user(db, actor.id()).await?)
}

/// Members, with phone numbers masked unless the actor needs them.
pub async fn members(
    db: &Db,
    actor: &Actor,
    org: &OrgRow,
    page: Page,
) -> AppResult<Vec<MemberRow>> {
    let mut rows = orgs::members(db, org.id, page.size, page.offset()).await?;
    if !actor.sees_personal_data(&org.region_path) {
        for m in &mut rows {
            m.phone = mask_phone(&m.phone);
        }
    }
    Ok(rows)
}

/// What the actor may do with an organization.
pub async fn my_role(db: &Db, actor: &Actor, org: &OrgRow) -> AppResult<Option<MemberRole>> {
    Ok(orgs::member_role(db, org.id, actor.id())
        .await?
        .and_then(|r| MemberRole::parse(&r).ok()))
}

async fn manages(db: &Db, actor: &Actor, org: &OrgRow) -> AppResult<bool> {
    Ok(actor.administers(&org.region_path)
        || my_role(db, actor, org)
            .await?
            .is_some_and(MemberRole::manages))
}

/// Whether the actor may hand out or take away leadership (leader, deputy): the
/// leader and the node's administrators. Deputies manage ordinary members only.
async fn leads(db: &Db, actor: &Actor, org: &OrgRow) -> AppResult<bool> {
    Ok(actor.administers(&org.region_path)
        || my_role(db, actor, org).await? == Some(MemberRole::Leader))
}

fn is_leadership(role: &str) -> bool {
    MemberRole::parse(role).is_ok_and(MemberRole::manages)
}

/// Writes a membership change to the audit log.
async fn record_member(
    tx: &mut Tx,
    actor: &Actor,
    org: &OrgRow,
    user_id: i64,
    action: &'static str,
    detail: &str,
) -> AppResult<()> {
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action,
            region_id: Some(org.region_id),
            target: format!("org:{}/user:{user_id}", org.id),
            detail: detail.into(),
        },
    )
    .await?;
    Ok(())
}

/// Adds a member by phone, or changes a member's role. Leaders, deputies and the
/// node's administrators may do so (only leaders and administrators touch leadership);
/// the person must live within the organization's reach. Whether the number is not
/// registered or belongs to someone elsewhere gets one answer, so the form cannot be
/// used to find out who lives where.
pub async fn set_member(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    phone: &str,
    role: &str,
) -> AppResult<()> {
    let role = MemberRole::parse(role)?;
    let phone = Phone::parse(phone)?;
    let org = get(db, actor, org_id).await?;
    if !manages(db, actor, &org).await? {
        return Err(AppError::Forbidden);
    }
    let user = st::user_by_phone(db, phone.as_str())
        .await?
        .ok_or(AppError::Invalid("user_not_reachable"))?;
    let target = crate::Actor {
        grants: st::grants_of_user(db, user.id).await?,
        user,
    };
    if !target.can_read(&org.region_path) {
        return Err(AppError::Invalid("user_not_reachable"));
    }
    let leads = leads(db, actor, &org).await?;
    let mut tx = db.begin().await?;
    orgs::lock(&mut tx, org.id).await?;
    let current = orgs::member_role_tx(&mut tx, org.id, target.id()).await?;
    if !leads && (role.manages() || current.as_deref().is_some_and(is_leadership)) {
        return Err(AppError::Forbidden);
    }
    orgs::upsert_member(&mut tx, org.id, target.id(), role.as_str()).await?;
    ensure_a_leader(&mut tx, org.id).await?;
    record_member(
        &mut tx,
        actor,
        &org,
        target.id(),
        "org.member.set",
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member (leaders, deputies, administrators; leadership only by leaders and
/// administrators). The last leader cannot be removed.
pub async fn remove_member(db: &Db, actor: &Actor, org_id: i64, user_id: i64) -> AppResult<()> {
    let org = get(db, actor, org_id).await?;
    if !manages(db, actor, &org).await? {
        return Err(AppError::Forbidden);
    }
    let leads = leads(db, actor, &org).await?;
    let mut tx = db.begin().await?;
    orgs::lock(&mut tx, org.id).await?;
    let current = orgs::member_role_tx(&mut tx, org.id, user_id)
        .await?
        .ok_or(AppError::Conflict("not_member"))?;
    if !leads && is_leadership(&current) {
        return Err(AppError::Forbidden);
    }
    orgs::remove_member(&mut tx, org.id, user_id).await?;
    ensure_a_leader(&mut tx, org.id).await?;
    record_member(&mut tx, actor, &org, user_id, "org.member.remove", &current).await?;
    tx.commit().await?;
    Ok(())
}

/// Joins a club or the mutual-aid association as a member.
pub async fn join(db: &Db, actor: &Actor, org_id: i64) -> AppResult<()> {
    let org = get(db, actor, org_id).await?;
    let kind = OrgKind::parse(&org.kind)?;
    if !matches!(kind, OrgKind::Club | OrgKind::MutualAid) {
        return Err(AppError::Invalid("org_not_open"));
    }
    let mut tx = db.begin().await?;
    orgs::lock(&mut tx, org.id).await?;
    if !orgs::insert_member(&mut tx, org.id, actor.id(), MemberRole::Member.as_str()).await? {
        return Err(AppError::Conflict("already_member"));
    }
    record_member(&mut tx, actor, &org, actor.id(), "org.member.join", "").await?;
    tx.commit().await?;
    Ok(())
}

/// Leaves an organization; the last leader cannot leave it leaderless.
pub async fn leave(db: &Db, actor: &Actor, org_id: i64) -> AppResult<()> {
    let org = get(db, actor, org_id).await?;
    let mut tx = db.begin().await?;
    orgs::lock(&mut tx, org.id).await?;
    if !orgs::remove_member(&mut tx, org.id, actor.id()).await? {
        return Err(AppError::Conflict("not_member"));
    }
    ensure_a_leader(&mut tx, org.id).await?;
    record_member(&mut tx, actor, &org, actor.id(), "org.member.leave", "").await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses (and so rolls back) a change that would leave an organization without a
/// leader: someone must answer for it.
async fn ensure_a_leader(tx: &mut Tx, org_id: i64) -> AppResult<()> {
    if orgs::count_leaders(tx, org_id).await? == 0 {
        return Err(AppError::Conflict("last_leader"));
    }
    Ok(())
}
