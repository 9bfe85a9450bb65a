//! Clubs from seedling to registered, and their activities: sign-up with a waiting
//! list that promotes in order, cancellation until a deadline, check-in with the code
//! shown at the door, and the AA fee derived from planned costs and a surplus margin.

use crate::files::{self, Purpose};
use crate::money::{self, Posting, VoucherInput};
use crate::{Actor, AppError, AppResult, Page};
use chrono::Datelike;
use linli_domain::DomainError;
use linli_domain::accounts::{Role, bounded_text};
use linli_domain::clubs::{self as d, Stage};
use linli_domain::clubs::{ActivityStatus, SignupStatus};
use linli_domain::money::Fen;
use linli_domain::organizations::{MemberRole, OrgKind};
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::clubs::{self as st, ActivityRow, SignupRow, StageChangeRow};
use linli_store::organizations::{self as orgs, OrgRow};
use linli_store::{Db, Tx};

/// A club's place in its lifecycle, with every dated, explained change.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub stage: String,
    pub history: Vec<StageChangeRow>,
    pub can_change: bool,
    /// Where it may move from here; the first is the next step up when there is one (the
    /// one move that needs no reason).
    pub moves: Vec<String>,
}

/// Who moves clubs along: social workers, the association (social organizations) and
/// the node's administrators.
fn incubates(actor: &Actor, org: &OrgRow) -> bool {
    actor
        .role_over(&org.region_path, |r| {
            r == Role::SocialWorker || r == Role::SocialOrganization || r.administers()
        })
        .is_some()
}

pub async fn stage(db: &Db, actor: &Actor, org: &OrgRow) -> AppResult<StageView> {
    Ok(StageView {
        moves: Stage::parse(&org.stage)
            .map(|s| {
                let mut m = s.moves();
                m.sort_by_key(|to| Some(*to) != s.next());
                m.into_iter().map(|to| to.as_str().to_string()).collect()
            })
            .unwrap_or_default(),
        stage: org.stage.clone(),
        history: st::stage_changes(db, org.id).await?,
        can_change: org.kind == OrgKind::Club.as_str() && incubates(actor, org),
    })
}

/// Moves a club to another stage; skipping, going dormant, reviving or dissolving needs
/// a reason.
pub async fn change_stage(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    to: &str,
    reason: &str,
) -> AppResult<()> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    if org.kind != OrgKind::Club.as_str() {
        return Err(AppError::Invalid("not_a_club"));
    }
    if !incubates(actor, &org) {
        return Err(AppError::Forbidden);
    }
    let to = Stage::parse(to)?;
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let from = Stage::parse(&st::stage_of(db, org.id).await?)?;
    from.change_to(to, reason)?;
    let mut tx = db.begin().await?;
    if !st::set_stage(&mut tx, org.id, from.as_str(), to.as_str()).await? {
        return Err(AppError::Conflict("stage_changed_meanwhile"));
    }
    st::insert_stage_change(
        &mut tx,
        org.id,
        from.as_str(),
        to.as_str(),
        reason.trim(),
        actor.id(),
        now_ms(),
    )
    .await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "club.stage",
            region_id: Some(org.region_id),
            target: format!("org:{}", org.id),
            detail: format!("{} → {}: {}", from.as_str(), to.as_str(), reason.trim()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records that a newly founded club starts as proposed (谁主张谁负责).
pub async fn start_as_proposed(tx: &mut Tx, org_id: i64, by: i64) -> AppResult<()> {
    st::set_stage(tx, org_id, "active", Stage::Proposed.as_str()).await?;
    st::insert_stage_change(tx, org_id, "", Stage::Proposed.as_str(), "", by, now_ms()).await?;
    Ok(())
}

// ---- activities ----------------------------------------------------------------------

/// An activity as the organizer enters it, still raw.
pub struct NewActivity<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub place: &'a str,
    /// `2026-12-05T19:30`, Asia/Shanghai.
    pub starts_at: &'a str,
    /// Sign-ups may be cancelled until this many hours before the start.
    pub cancel_hours: i64,
    pub capacity: i64,
    pub planned_cost: Option<Fen>,
    pub surplus_percent: &'a str,
    /// A fee the organizer sets instead of the derived one; never below it.
    pub fee: Option<Fen>,
    /// Open for sign-up now, or keep it as a plan to publish later.
    pub publish: bool,
}

/// Organizers: the club's leaders and treasurer.
async fn organizes(db: &Db, actor: &Actor, org_id: i64) -> AppResult<bool> {
    Ok(matches!(
        orgs::member_role(db, org_id, actor.id())
            .await?
            .as_deref()
            .map(MemberRole::parse),
        Some(Ok(MemberRole::Leader
            | MemberRole::DeputyLeader
            | MemberRole::Treasurer))
    ))
}

/// `2026-12-05T19:30` in Asia/Shanghai as epoch ms.
fn parse_local(raw: &str) -> AppResult<i64> {
    linli_domain::time::parse_shanghai_local(raw)
        .map(linli_domain::time::shanghai_local_ms)
        .ok_or(AppError::Invalid("invalid_date"))
}

pub async fn create_activity(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    a: NewActivity<'_>,
) -> AppResult<ActivityRow> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    if org.kind != OrgKind::Club.as_str() {
        return Err(AppError::Invalid("not_a_club"));
    }
    if matches!(
        st::stage_of(db, org.id).await?.as_str(),
        "dormant" | "dissolved"
    ) {
        return Err(AppError::Invalid("club_not_running"));
    }
    if !organizes(db, actor, org.id).await? {
        return Err(AppError::Forbidden);
    }
    let title = bounded_text(a.title, 80, DomainError::InvalidName)?;
    let place = bounded_text(a.place, 100, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("place_required"))?;
    let description = a.description.trim();
    if description.chars().count() > 2000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    if !(1..=10_000).contains(&a.capacity) {
        return Err(AppError::Invalid("invalid_capacity"));
    }
    if !(0..=24 * 30).contains(&a.cancel_hours) {
        return Err(AppError::Invalid("invalid_cancel_hours"));
    }
    let starts_at = parse_local(a.starts_at)?;
    if starts_at <= now_ms() {
        return Err(AppError::Invalid("starts_in_past"));
    }
    let planned = a.planned_cost.map_or(0, |f| f.0);
    let surplus = d::surplus_bp(a.surplus_percent)?;
    let derived = d::aa_fee(planned, surplus, a.capacity);
    let fee = match a.fee {
        Some(f) if f.0 < derived => return Err(AppError::Invalid("fee_below_cost")),
        Some(f) => f.0,
        None => derived,
    };
    let code = crate::tokens::random_token()[..8].to_uppercase();
    let mut tx = db.begin().await?;
    let id = st::insert_activity(
        &mut tx,
        st::NewActivity {
            org_id: org.id,
            region_id: org.region_id,
            title: &title,
            description,
            place: &place,
            starts_at,
            cancel_until: starts_at - a.cancel_hours * 3_600_000,
            capacity: a.capacity,
            planned_cost: planned,
            surplus_bp: surplus,
            fee,
            checkin_code: &code,
            created_by: actor.id(),
            status: if a.publish {
                ActivityStatus::Published
            } else {
                ActivityStatus::Planned
            },
        },
    )
    .await?;
    crate::jobs::schedule_activity(&mut tx, id, starts_at).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "activity.create",
            region_id: Some(org.region_id),
            target: format!("activity:{id}"),
            detail: title.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await.map(|v| v.activity)
}

/// Everything an activity's page shows to this viewer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub activity: ActivityRow,
    pub mine: Option<SignupRow>,
    /// The attendance list (organizers only).
    pub signups: Vec<SignupRow>,
    pub organizer: bool,
    /// The check-in code to show at the door (organizers only).
    pub checkin_code: Option<String>,
    /// Planned costs × (1 + surplus) ÷ capacity, rounded up to the fen.
    pub derived_fee: i64,
    pub can_cancel: bool,
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<ActivityView> {
    let a = st::activity(db, id)
        .await?
        .ok_or(AppError::NotFound("activity_not_found"))?;
    if !actor.can_read(&a.region_path) {
        return Err(AppError::Forbidden);
    }
    let organizer = organizes(db, actor, a.org_id).await?;
    let mine = st::my_signup(db, id, actor.id())
        .await?
        .filter(|s| s.status != SignupStatus::Cancelled);
    Ok(ActivityView {
        signups: if organizer {
            st::signups(db, id, 500, 0).await?
        } else {
            vec![]
        },
        checkin_code: if organizer {
            Some(st::checkin_code(db, id).await?)
        } else {
            None
        },
        derived_fee: d::aa_fee(a.planned_cost, a.surplus_bp, a.capacity),
        can_cancel: mine.is_some() && now_ms() < a.cancel_until,
        organizer,
        mine,
        activity: a,
    })
}

/// A club's activities, a page of them, and whether the reader organizes them (plans,
/// settles and checks people in: the club's leaders and treasurer).
pub struct OrgActivities {
    pub org: OrgRow,
    pub activities: Vec<ActivityRow>,
    pub can_organize: bool,
}

/// The newest activities of an organization the caller already read (its page): no
/// second read of the organization or of the caller's role in it.
pub async fn activities_of(db: &Db, org: &OrgRow, page: Page) -> AppResult<Vec<ActivityRow>> {
    Ok(st::activities_of_org(db, org.id, page.size, page.offset()).await?)
}

pub async fn of_org(db: &Db, actor: &Actor, org_id: i64, page: Page) -> AppResult<OrgActivities> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let activities = st::activities_of_org(db, org.id, page.size, page.offset()).await?;
    let can_organize = organizes(db, actor, org.id).await?;
    Ok(OrgActivities {
        org,
        activities,
        can_organize,
    })
}

/// Signs the actor up: confirmed while places are left, else on the waiting list in
/// order. The activity row is locked, so N places admit exactly N people.
pub async fn sign_up(db: &Db, actor: &Actor, id: i64) -> AppResult<SignupRow> {
    let a = get(db, actor, id).await?.activity;
    if a.starts_at <= now_ms() {
        return Err(AppError::Invalid("activity_started"));
    }
    let mut tx = db.begin().await?;
    let (capacity, confirmed, status) = st::lock(&mut tx, id).await?;
    if status != ActivityStatus::Published {
        return Err(AppError::Invalid("activity_closed"));
    }
    if let Some((s, _)) = st::signup_of(&mut tx, id, actor.id()).await?
        && s != SignupStatus::Cancelled
    {
        return Err(AppError::Conflict("already_signed_up"));
    }
    let status = if confirmed < capacity {
        SignupStatus::Confirmed
    } else {
        SignupStatus::Waitlisted
    };
    st::upsert_signup(&mut tx, id, actor.id(), status).await?;
    tx.commit().await?;
    st::my_signup(db, id, actor.id())
        .await?
        .ok_or(AppError::Internal("sign-up vanished".into()))
}

/// Cancels the actor's sign-up before the deadline; a freed place goes to the person
/// who has waited longest.
pub async fn cancel(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let a = get(db, actor, id).await?.activity;
    if now_ms() >= a.cancel_until {
        return Err(AppError::Invalid("cancel_deadline_passed"));
    }
    let mut tx = db.begin().await?;
    let (capacity, confirmed, _) = st::lock(&mut tx, id).await?;
    let Some((status, _)) = st::signup_of(&mut tx, id, actor.id())
        .await?
        .filter(|(s, _)| *s != SignupStatus::Cancelled)
    else {
        return Err(AppError::Conflict("not_signed_up"));
    };
    // A paid fee is refunded by the organizer, not silently kept or lost.
    if st::fee_paid_of(&mut tx, id, actor.id()).await? > 0 {
        return Err(AppError::Invalid("paid_ask_organizer"));
    }
    st::set_signup_status(&mut tx, id, actor.id(), SignupStatus::Cancelled).await?;
    if status == SignupStatus::Confirmed {
        let promoted = st::promote(&mut tx, id, capacity - (confirmed - 1)).await?;
        notify_promoted(&mut tx, &a, promoted).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Tells the people a freed place went to.
async fn notify_promoted(tx: &mut Tx, a: &ActivityRow, users: Vec<i64>) -> AppResult<()> {
    crate::notifications::notify(
        tx,
        linli_domain::notifications::NoticeKind::Waitlist,
        users,
        "notice.waitlist_promoted",
        &a.title,
        &format!("/activities/{}", a.id),
    )
    .await
}

/// Changes the number of places; never below the people already confirmed. Extra
/// places go to the waiting list in order.
pub async fn set_capacity(db: &Db, actor: &Actor, id: i64, capacity: i64) -> AppResult<()> {
    let a = get(db, actor, id).await?;
    if !a.organizer {
        return Err(AppError::Forbidden);
    }
    if !(1..=10_000).contains(&capacity) {
        return Err(AppError::Invalid("invalid_capacity"));
    }
    // Fewer places must still cover the planned costs at the fee people were told.
    let act = &a.activity;
    if d::aa_fee(act.planned_cost, act.surplus_bp, capacity) > act.fee {
        return Err(AppError::Invalid("fee_below_cost"));
    }
    let mut tx = db.begin().await?;
    let (_, confirmed, status) = st::lock(&mut tx, id).await?;
    if !matches!(status, ActivityStatus::Planned | ActivityStatus::Published) {
        return Err(AppError::Conflict("activity_settled"));
    }
    if capacity < confirmed {
        return Err(AppError::Invalid("capacity_below_signups"));
    }
    st::set_capacity(&mut tx, id, capacity).await?;
    let promoted = st::promote(&mut tx, id, capacity - confirmed).await?;
    notify_promoted(&mut tx, &a.activity, promoted).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the actor in with the code shown at the door; only confirmed participants.
pub async fn check_in(db: &Db, actor: &Actor, id: i64, code: &str) -> AppResult<()> {
    let a = get(db, actor, id).await?.activity;
    if !code
        .trim()
        .eq_ignore_ascii_case(&st::checkin_code(db, a.id).await?)
    {
        return Err(AppError::Invalid("checkin_code_wrong"));
    }
    let mut tx = db.begin().await?;
    match st::signup_of(&mut tx, id, actor.id()).await? {
        Some((SignupStatus::Confirmed, _)) => {}
        _ => return Err(AppError::Invalid("not_signed_up_to_check_in")),
    }
    if !st::check_in(&mut tx, id, actor.id()).await? {
        return Err(AppError::Conflict("already_checked_in"));
    }
    tx.commit().await?;
    Ok(())
}

/// The organizer records that a participant paid the AA fee.
pub async fn mark_paid(db: &Db, actor: &Actor, id: i64, user_id: i64) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    let club = crate::organizations::get(db, actor, v.activity.org_id).await?;
    if !money::keeps_books(db, actor, &club).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let (_, _, status) = st::lock(&mut tx, id).await?;
    if status != ActivityStatus::Published {
        return Err(AppError::Conflict("activity_settled"));
    }
    if !st::mark_paid(&mut tx, id, user_id, v.activity.fee).await? {
        return Err(AppError::Invalid("not_signed_up"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "activity.fee_paid",
            region_id: Some(v.activity.region_id),
            target: format!("activity:{id}/user:{user_id}"),
            detail: linli_domain::money::display_fen(v.activity.fee),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- settlement ----------------------------------------------------------------------

/// The organizer enters an actual cost with its receipt (before settling).
pub async fn add_cost(
    db: &Db,
    actor: &Actor,
    id: i64,
    item: &str,
    amount: Fen,
    voucher: VoucherInput<'_>,
) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    let club = crate::organizations::get(db, actor, v.activity.org_id).await?;
    if !money::keeps_books(db, actor, &club).await? {
        return Err(AppError::Forbidden);
    }
    let item = bounded_text(item, 100, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("purpose_required"))?;
    let ledger = money::ensure_ledger(db, &club).await?;
    voucher.precheck(true)?;
    let mut tx = db.begin().await?;
    let (_, _, status) = st::lock(&mut tx, id).await?;
    if status != ActivityStatus::Published {
        return Err(AppError::Conflict("activity_settled"));
    }
    let voucher_id = money::attach_voucher(&mut tx, actor, &ledger, &voucher, true)
        .await?
        .ok_or(AppError::Invalid("voucher_required"))?;
    st::insert_cost(&mut tx, id, &item, amount.0, voucher_id)
        .await
        .map_err(crate::error::unique_as("voucher_used"))?;
    tx.commit().await?;
    Ok(())
}

/// What a settlement shows: each participant's payment and where the money went.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Settlement {
    pub fees: i64,
    pub costs: Vec<st::CostRow>,
    pub total_costs: i64,
    /// Fees minus costs: the club keeps it (or covers it, when negative).
    pub surplus: i64,
    pub settled: bool,
}

pub async fn settlement(db: &Db, actor: &Actor, id: i64) -> AppResult<Settlement> {
    let v = get(db, actor, id).await?;
    let costs = st::costs(db, id).await?;
    let fees: i64 = st::signups(db, id, 10_000, 0)
        .await?
        .iter()
        .map(|s| s.fee_paid)
        .sum();
    let total_costs = costs.iter().map(|c| c.amount).sum();
    Ok(Settlement {
        fees,
        total_costs,
        surplus: fees - total_costs,
        costs,
        settled: matches!(
            v.activity.status,
            ActivityStatus::Settled | ActivityStatus::Reviewed
        ),
    })
}

/// Settles a held activity: the fees collected and every cost (with its receipt) are
/// posted to the club's ledger in one transaction; the activity is then closed.
pub async fn settle(db: &Db, actor: &Actor, id: i64) -> AppResult<Settlement> {
    let v = get(db, actor, id).await?;
    let club = crate::organizations::get(db, actor, v.activity.org_id).await?;
    if !money::keeps_books(db, actor, &club).await? {
        return Err(AppError::Forbidden);
    }
    if v.activity.starts_at > now_ms() {
        return Err(AppError::Invalid("not_held_yet"));
    }
    let ledger = money::ensure_ledger(db, &club).await?;
    let mut tx = db.begin().await?;
    let (_, _, status) = st::lock(&mut tx, id).await?;
    if status != ActivityStatus::Published {
        return Err(AppError::Conflict("activity_settled"));
    }
    let fees = st::fees_collected(&mut tx, id).await?;
    let costs = st::costs_tx(&mut tx, id).await?;
    let total: i64 = costs.iter().map(|c| c.amount).sum();
    money::ensure_funds(&mut tx, ledger.id, "wallet", total - fees).await?;
    let mut first = None;
    if fees > 0 {
        let fees_in = Posting::new(ledger.id, "activity", actor.id())
            .memo(format!("活动 #{id} {} AA 费", v.activity.title))
            .pair("wallet", "income_fees", Fen(fees));
        first = Some(money::post(&mut tx, &fees_in).await?.0);
    }
    for c in costs {
        let cost = Posting::new(ledger.id, "activity", actor.id())
            .memo(format!("活动 #{id} {}：{}", v.activity.title, c.item))
            .pair("expense_activities", "wallet", Fen(c.amount))
            .voucher(Some(c.voucher_id));
        let t = money::post(&mut tx, &cost).await?.0;
        first = first.or(Some(t));
    }
    if !st::mark_settled(&mut tx, id, first).await? {
        return Err(AppError::Conflict("activity_settled"));
    }
    tx.commit().await?;
    settlement(db, actor, id).await
}

// ---- life meetings (自组织生活会) -------------------------------------------------------

/// Schedules a life meeting on a node: social workers, the association, administrators.
pub async fn create_meeting(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    title: &str,
    held_on: &str,
) -> AppResult<i64> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let can = actor
        .role_over(&region.path, |r| {
            r == Role::SocialWorker || r == Role::SocialOrganization || r.administers()
        })
        .is_some();
    if !can {
        return Err(AppError::Forbidden);
    }
    let title = bounded_text(title, 80, DomainError::InvalidName)?;
    let day = linli_domain::money::Day::parse(held_on)?;
    let mut tx = db.begin().await?;
    let id = st::insert_meeting(&mut tx, region.id, &title, day.as_str(), actor.id()).await?;
    tx.commit().await?;
    Ok(id)
}

/// A leader shares what their club did: a story, the money used, a photo.
pub async fn share(
    db: &Db,
    actor: &Actor,
    meeting_id: i64,
    org_id: i64,
    story: &str,
    money_used: Option<Fen>,
    photo: VoucherInput<'_>,
) -> AppResult<()> {
    let m = st::meeting(db, meeting_id)
        .await?
        .ok_or(AppError::NotFound("meeting_not_found"))?;
    if !actor.can_read(&m.region_path) {
        return Err(AppError::Forbidden);
    }
    let org = crate::organizations::get(db, actor, org_id).await?;
    if org.kind != OrgKind::Club.as_str() || !org.region_path.starts_with(&m.region_path) {
        return Err(AppError::Invalid("not_a_club"));
    }
    if !crate::organizations::my_role(db, actor, &org)
        .await?
        .is_some_and(MemberRole::manages)
    {
        return Err(AppError::Forbidden);
    }
    let story = bounded_text(story, 3000, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("story_required"))?;
    if let VoucherInput::Upload { mime, data, .. } = &photo {
        files::check(Purpose::Photo, mime, data)?;
    }
    // A photo given by id was uploaded through the club's voucher upload (the API).
    let ledger = match photo {
        VoucherInput::Existing(_) => Some(money::ensure_ledger(db, &org).await?),
        _ => None,
    };
    let mut tx = db.begin().await?;
    let photo_id = match photo {
        VoucherInput::None => None,
        VoucherInput::Existing(file) => {
            let ledger = ledger.ok_or(AppError::Invalid("voucher_not_found"))?;
            files::adopt_as_photo(&mut tx, file, ledger.id).await?;
            Some(file)
        }
        VoucherInput::Upload {
            filename,
            mime,
            data,
        } => Some(
            files::store_file(
                &mut tx,
                actor.id(),
                Purpose::Photo,
                org.region_id,
                filename,
                mime,
                data,
            )
            .await?,
        ),
    };
    st::insert_share(
        &mut tx,
        m.id,
        org.id,
        actor.id(),
        &story,
        money_used.map_or(0, |f| f.0),
        photo_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn meetings(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    page: Page,
) -> AppResult<Vec<st::MeetingRow>> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = region.region_path().subtree_bounds();
    Ok(st::meetings_in(db, &lo, &hi, page.size, page.offset()).await?)
}

pub async fn meeting(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> AppResult<(st::MeetingRow, Vec<st::ShareRow>)> {
    let m = st::meeting(db, id)
        .await?
        .ok_or(AppError::NotFound("meeting_not_found"))?;
    if !actor.can_read(&m.region_path) {
        return Err(AppError::Forbidden);
    }
    let shares = st::shares(db, id).await?;
    Ok((m, shares))
}

// ---- growth --------------------------------------------------------------------------

/// Clubs per stage at the end of each of the last twelve months, with reach figures.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Growth {
    /// `YYYY-MM` labels, oldest first.
    pub months: Vec<String>,
    /// For each month: counts per stage in `Stage::ALL` order.
    pub counts: Vec<Vec<i64>>,
    pub clubs_now: i64,
    pub members: i64,
    pub activities: i64,
    pub households_reached: i64,
}

pub async fn growth(db: &Db, actor: &Actor, region_id: i64) -> AppResult<Growth> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = region.region_path().subtree_bounds();
    let history = st::stage_history_in(db, &lo, &hi).await?;
    let clubs = st::clubs_in(db, &lo, &hi).await?;
    let (members, activities, households_reached) = st::reach_in(db, &lo, &hi).await?;
    let now = linli_domain::time::shanghai_date(now_ms());
    let first = now.with_day(1).unwrap_or(now);
    let mut months = vec![];
    let mut counts = vec![];
    for back in (0..12).rev() {
        let m = first
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(first);
        let end = m.checked_add_months(chrono::Months::new(1)).unwrap_or(m);
        let end_ms = linli_domain::time::shanghai_day_start_ms(end);
        // Stage of each club at the month's end: its last change before then; clubs
        // founded without recorded history count as their current stage from founding.
        let mut state: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for (org, created, stage) in &clubs {
            if *created < end_ms && !history.iter().any(|(o, _, _)| o == org) {
                state.insert(*org, stage.clone());
            }
        }
        for (org, to, at) in &history {
            if *at < end_ms {
                state.insert(*org, to.clone());
            }
        }
        counts.push(
            Stage::ALL
                .iter()
                .map(|s| state.values().filter(|v| *v == s.as_str()).count() as i64)
                .collect(),
        );
        months.push(m.format("%Y-%m").to_string());
    }
    Ok(Growth {
        months,
        counts,
        clubs_now: clubs.len() as i64,
        members,
        activities,
        households_reached,
    })
}

/// The last step of the standard process (plan → publish → sign up → run → settle →
/// review): the organizers write what went well and what to change.
pub async fn review(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if !v.organizer {
        return Err(AppError::Forbidden);
    }
    let text = bounded_text(text, 3000, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("story_required"))?;
    let mut tx = db.begin().await?;
    if !st::set_review(&mut tx, id, &text).await? {
        return Err(AppError::Invalid("not_settled_yet"));
    }
    tx.commit().await?;
    Ok(())
}

/// What an organizer changes on an activity before it takes place.
pub struct EditActivity<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub place: &'a str,
    /// `2026-12-05T19:30`, Asia/Shanghai.
    pub starts_at: &'a str,
    pub cancel_hours: i64,
    /// How to reach the organizer (a phone number, a WeChat id), shown on the activity.
    pub contact: &'a str,
}

/// Changes an activity before it takes place (its organizers). Those signed up are told
/// when the time or the place changed; the reminder moves with the start.
pub async fn edit_activity(db: &Db, actor: &Actor, id: i64, e: EditActivity<'_>) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if !v.organizer {
        return Err(AppError::Forbidden);
    }
    let title = bounded_text(e.title, 80, DomainError::InvalidName)?;
    let place = bounded_text(e.place, 100, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("place_required"))?;
    let description = e.description.trim();
    let contact = e.contact.trim();
    if description.chars().count() > 2000 || contact.chars().count() > 60 {
        return Err(AppError::Invalid("field_too_long"));
    }
    if !(0..=24 * 30).contains(&e.cancel_hours) {
        return Err(AppError::Invalid("invalid_cancel_hours"));
    }
    let starts_at = parse_local(e.starts_at)?;
    let now = now_ms();
    if v.activity.starts_at <= now {
        return Err(AppError::Invalid("activity_started_edit"));
    }
    if starts_at <= now {
        return Err(AppError::Invalid("starts_in_past"));
    }
    let mut tx = db.begin().await?;
    let (_, _, status) = st::lock(&mut tx, id).await?;
    if !matches!(status, ActivityStatus::Planned | ActivityStatus::Published) {
        return Err(AppError::Conflict("activity_settled"));
    }
    let edit = st::ActivityEdit {
        title: &title,
        description,
        place: &place,
        starts_at,
        cancel_until: starts_at - e.cancel_hours * 3_600_000,
        contact,
    };
    st::edit_activity(&mut tx, id, &edit).await?;
    let moved = starts_at != v.activity.starts_at || place != v.activity.place;
    if moved {
        let people = st::signed_up(&mut tx, id).await?;
        let when = linli_domain::time::format_shanghai(starts_at);
        crate::notifications::notify(
            &mut tx,
            linli_domain::notifications::NoticeKind::Activity,
            people.into_iter().map(|(u, _)| u),
            "notice.activity_changed",
            &format!("{title} · {when} · {place}"),
            &format!("/activities/{id}"),
        )
        .await?;
    }
    if status == ActivityStatus::Published {
        crate::jobs::schedule_activity(&mut tx, id, starts_at).await?;
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "activity.edit",
            region_id: Some(v.activity.region_id),
            target: format!("activity:{id}"),
            detail: if moved {
                format!("{title} · moved")
            } else {
                title.clone()
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The activity's share link token, made on first use (its organizers): the link opens a
/// public page with the title, time and place, for a WeChat group.
pub async fn share_token(db: &Db, actor: &Actor, id: i64) -> AppResult<String> {
    let v = get(db, actor, id).await?;
    if !v.organizer {
        return Err(AppError::Forbidden);
    }
    if let Some(t) = v.activity.share_token {
        return Ok(t);
    }
    let mut tx = db.begin().await?;
    let token = st::ensure_share_token(&mut tx, id, &crate::tokens::random_token()[..24]).await?;
    tx.commit().await?;
    Ok(token)
}

/// What a share link shows anyone, logged in or not: only what an invitation to the
/// activity says (title, time, place, club, fee, places left), never who signed up.
pub async fn shared(db: &Db, token: &str) -> AppResult<ActivityRow> {
    if token.len() != 24 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("activity_not_found"));
    }
    st::activity_by_share(db, token)
        .await?
        .ok_or(AppError::NotFound("activity_not_found"))
}

/// Publishes a planned activity: sign-ups open.
pub async fn publish(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if !v.organizer {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    st::lock(&mut tx, id).await?;
    if !st::publish(&mut tx, id).await? {
        return Err(AppError::Conflict("activity_published"));
    }
    crate::jobs::schedule_activity(&mut tx, id, v.activity.starts_at).await?;
    tx.commit().await?;
    Ok(())
}

/// Calls an activity off before it takes place (its organizers): everyone signed up is
/// told why, and those who paid are told to collect their fee from the organizer. Fees
/// are only posted to the ledger at settlement, so nothing is reversed there.
pub async fn call_off(db: &Db, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if !v.organizer {
        return Err(AppError::Forbidden);
    }
    if reason.trim().is_empty() {
        return Err(AppError::Invalid("call_off_reason"));
    }
    let reason = bounded_text(reason, 200, DomainError::InvalidName)?;
    let mut tx = db.begin().await?;
    let (_, _, status) = st::lock(&mut tx, id).await?;
    if !matches!(status, ActivityStatus::Planned | ActivityStatus::Published) {
        return Err(AppError::Conflict("activity_settled"));
    }
    if v.activity.starts_at <= now_ms() {
        return Err(AppError::Invalid("activity_started"));
    }
    let people = st::signed_up(&mut tx, id).await?;
    st::call_off(&mut tx, id, &reason).await?;
    let (paid, unpaid): (Vec<_>, Vec<_>) = people.into_iter().partition(|(_, fee)| *fee > 0);
    let link = format!("/activities/{id}");
    let arg = format!("{} · {reason}", v.activity.title);
    let kind = linli_domain::notifications::NoticeKind::Activity;
    let users = |v: Vec<(i64, i64)>| v.into_iter().map(|(u, _)| u);
    crate::notifications::notify(
        &mut tx,
        kind,
        users(unpaid),
        "notice.activity_cancelled",
        &arg,
        &link,
    )
    .await?;
    crate::notifications::notify(
        &mut tx,
        kind,
        users(paid),
        "notice.activity_cancelled_refund",
        &arg,
        &link,
    )
    .await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "activity.call_off",
            region_id: Some(v.activity.region_id),
            target: format!("activity:{id}"),
            detail: reason.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The day-before reminder (a job): everyone confirmed for a published activity that has
/// not started is told when and where. Running it twice tells them twice at most, never
/// someone who cancelled. If the activity moved later, it answers when to run instead.
pub async fn remind_participants(db: &Db, id: i64) -> AppResult<Option<i64>> {
    let Some(a) = st::activity(db, id).await? else {
        return Ok(None);
    };
    let now = now_ms();
    if a.status != ActivityStatus::Published || a.starts_at <= now {
        return Ok(None);
    }
    if let Some(at) = linli_domain::notifications::activity_reminder_at(now, a.starts_at) {
        return Ok(Some(at));
    }
    let users = st::confirmed_users(db, id).await?;
    let when = linli_domain::time::format_shanghai(a.starts_at);
    let mut tx = db.begin().await?;
    crate::notifications::notify(
        &mut tx,
        linli_domain::notifications::NoticeKind::Activity,
        users,
        "notice.activity_tomorrow",
        &format!("{} · {when} · {}", a.title, a.place),
        &format!("/activities/{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(None)
}
