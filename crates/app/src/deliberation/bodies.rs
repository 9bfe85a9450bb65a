//! Bodies (四方联席会议, 议事会, 业主大会, 专委会), their members, seats by party and terms.
//!
//! An administrator of a node sets up its bodies and seats their members for a term;
//! a member whose term has ended stays on the page as former, so the record of who sat
//! when is kept.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::deliberation::sittings::{BodyKind, Party, quorum_bp};
use linli_domain::regions::RegionPath;
use linli_store::Db;
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::deliberation::bodies::{self as st, BodyRow, MemberRow};
use linli_store::deliberation::sittings::{self as sst, SittingRow};
use linli_store::regions::RegionRow;

/// Today in Asia/Shanghai, `YYYY-MM-DD`.
pub fn today() -> String {
    linli_store::clock::today().as_str().to_string()
}

/// A `YYYY-MM-DD` date from input.
pub fn parse_day(raw: &str) -> AppResult<String> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| AppError::Invalid("invalid_date"))
}

/// A body as its administrator enters it, still raw.
pub struct NewBody<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub support_threshold: i64,
    /// Percent of the seated members, e.g. "50".
    pub quorum_percent: &'a str,
    pub requires_second: bool,
    pub speech_seconds: i64,
}

/// Loads a body the actor may read: readers of its node, and its own members (a
/// property manager seated from a compound reads the community's joint meeting).
pub async fn readable(db: &Db, actor: &Actor, id: i64) -> AppResult<BodyRow> {
    let b = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("body_not_found"))?;
    if !actor.can_read(&b.region_path) && !st::ever_member(db, id, actor.id()).await? {
        return Err(AppError::Forbidden);
    }
    Ok(b)
}

pub async fn create(db: &Db, actor: &Actor, region_id: i64, b: NewBody<'_>) -> AppResult<BodyRow> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    if !actor.administers(&region.path) {
        return Err(AppError::Forbidden);
    }
    let kind = BodyKind::parse(b.kind).map_err(|r| AppError::Invalid(r.0))?;
    let name = bounded_text(b.name, 60, DomainError::InvalidName)?;
    let quorum = quorum_bp(b.quorum_percent).map_err(|r| AppError::Invalid(r.0))?;
    if !(1..=100_000).contains(&b.support_threshold) {
        return Err(AppError::Invalid("invalid_support_threshold"));
    }
    if !(10..=3600).contains(&b.speech_seconds) {
        return Err(AppError::Invalid("invalid_speech_seconds"));
    }
    let mut tx = db.begin().await?;
    let id = st::insert(
        &mut tx,
        st::NewBody {
            region_id: region.id,
            kind: kind.as_str(),
            name: &name,
            support_threshold: b.support_threshold,
            quorum_bp: quorum,
            requires_second: b.requires_second,
            speech_seconds: b.speech_seconds,
            created_by: actor.id(),
            at: now_ms(),
        },
    )
    .await
    .map_err(crate::error::unique_as("body_name_taken"))?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "body.create",
            region_id: Some(region.id),
            target: format!("body:{id}"),
            detail: format!("{} {name}", kind.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    readable(db, actor, id).await
}

/// A seat as the administrator enters it.
pub struct NewMember<'a> {
    /// The member's phone number (or `user_id`).
    pub phone: &'a str,
    pub user_id: Option<i64>,
    pub party: &'a str,
    pub seat: &'a str,
    pub term_start: &'a str,
    pub term_end: &'a str,
}

pub async fn add_member(
    db: &Db,
    actor: &Actor,
    body_id: i64,
    m: NewMember<'_>,
) -> AppResult<MemberRow> {
    let body = readable(db, actor, body_id).await?;
    if !actor.administers(&body.region_path) {
        return Err(AppError::Forbidden);
    }
    let user_id = match m.user_id {
        Some(id) => id,
        None => {
            let phone = linli_domain::accounts::Phone::parse(m.phone)?;
            st::user_by_phone(db, phone.as_str())
                .await?
                .ok_or(AppError::Invalid("unknown_user"))?
                .0
        }
    };
    let party = Party::parse(m.party).map_err(|r| AppError::Invalid(r.0))?;
    let seat = m.seat.trim();
    if seat.chars().count() > 40 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let start = parse_day(m.term_start)?;
    let end = parse_day(m.term_end)?;
    if end < start {
        return Err(AppError::Invalid("term_ends_before_start"));
    }
    let mut tx = db.begin().await?;
    let id = st::insert_member(
        &mut tx,
        st::NewMember {
            body_id,
            user_id,
            party: party.as_str(),
            seat,
            term_start: &start,
            term_end: &end,
            at: now_ms(),
        },
    )
    .await
    .map_err(|e| {
        if linli_store::is_unique_violation(&e) {
            AppError::Conflict("member_exists")
        } else if matches!(&e, sqlx::Error::Database(d) if d.is_foreign_key_violation()) {
            AppError::Invalid("unknown_user")
        } else {
            AppError::from(e)
        }
    })?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "body.member",
            region_id: Some(body.region_id),
            target: format!("body:{body_id}"),
            detail: format!(
                "member:{id} user:{user_id} {} {start}..{end}",
                party.as_str()
            ),
        },
    )
    .await?;
    tx.commit().await?;
    st::members(db, body_id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::Internal("member vanished".into()))
}

/// Everything a body's page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BodyView {
    pub body: BodyRow,
    /// Members whose term has not ended.
    pub members: Vec<MemberRow>,
    /// Members whose term has ended.
    pub former: Vec<MemberRow>,
    pub sittings: Vec<SittingRow>,
    pub can_admin: bool,
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<BodyView> {
    let body = readable(db, actor, id).await?;
    let today = today();
    let (members, former): (Vec<MemberRow>, Vec<MemberRow>) = st::members(db, id)
        .await?
        .into_iter()
        .partition(|m| m.term_end >= today);
    Ok(BodyView {
        can_admin: actor.administers(&body.region_path),
        sittings: sst::of_body(db, id, 100).await?,
        members,
        former,
        body,
    })
}

/// The bodies at and below a node, and whether the actor may set one up there.
pub async fn of_region(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    page: Page,
) -> AppResult<(RegionRow, Vec<BodyRow>, bool)> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = RegionPath::from_stored(region.path.clone()).subtree_bounds();
    let bodies = st::in_subtree(db, &lo, &hi, page.size, page.offset()).await?;
    let can_admin = actor.administers(&region.path);
    Ok((region, bodies, can_admin))
}
