//! Sittings: agenda, attendance and quorum, motions, the speaking queue, minutes.
//!
//! The chair (or an administrator of the node) schedules and runs a sitting; seated
//! members mark themselves present, move, second, amend and withdraw motions and ask to
//! speak. A motion goes to a vote only once seconded where the body requires it; the
//! vote itself is a `votes` vote tied to the motion, whose close decides the motion.
//! Minutes are drafted from what happened, approved by someone other than the drafter
//! and published to the node's readers.

use crate::deliberation::bodies::{parse_day, readable as body_readable};
use crate::deliberation::votes::{self, NewVote};
use crate::{Actor, AppError, AppResult};
use chrono::Months;
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::deliberation::sittings::{BodyKind, MotionStatus, Party, Refused, quorum};
use linli_domain::time::{now_ms, to_shanghai};
use linli_store::audit::{self, NewAudit};
use linli_store::deliberation::bodies::{self as bst, BodyRow, MemberRow};
use linli_store::deliberation::sittings::{
    self as st, AgendaRow, AttendanceRow, MotionRow, SittingRow, SpeechRow,
};
use linli_store::{Db, Tx};

fn refused(r: Refused) -> AppError {
    AppError::Invalid(r.0)
}

/// `2026-12-05T19:30` in Asia/Shanghai as epoch ms.
fn parse_local(raw: &str) -> AppResult<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| AppError::Invalid("invalid_date"))
}

fn local_ms(t: chrono::NaiveDateTime) -> i64 {
    (t - chrono::Duration::hours(8))
        .and_utc()
        .timestamp_millis()
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    s: &SittingRow,
    detail: String,
) -> AppResult<()> {
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action,
            region_id: Some(s.region_id),
            target: format!("sitting:{}", s.id),
            detail,
        },
    )
    .await?;
    Ok(())
}

/// A sitting as the chair schedules it, still raw.
pub struct NewSitting<'a> {
    pub title: &'a str,
    /// `YYYY-MM-DDTHH:MM`, Asia/Shanghai.
    pub starts_at: &'a str,
    pub place: &'a str,
    /// The chair's phone number; the scheduler chairs when empty.
    pub chair_phone: &'a str,
    /// How many monthly sittings to schedule from this one (1 = just this one).
    pub months: i64,
}

/// Schedules one sitting, or the next `months` monthly sittings; returns their ids.
pub async fn schedule(
    db: &Db,
    actor: &Actor,
    body_id: i64,
    n: NewSitting<'_>,
) -> AppResult<Vec<i64>> {
    let body = body_readable(db, actor, body_id).await?;
    if !actor.administers(&body.region_path) {
        return Err(AppError::Forbidden);
    }
    let title = bounded_text(n.title, 80, DomainError::InvalidName)?;
    let place = n.place.trim();
    if place.chars().count() > 100 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let first = parse_local(n.starts_at)?;
    if local_ms(first) <= now_ms() {
        return Err(AppError::Invalid("starts_in_past"));
    }
    if !(1..=12).contains(&n.months) {
        return Err(AppError::Invalid("invalid_months"));
    }
    let chair = match n.chair_phone.trim() {
        "" => actor.id(),
        raw => {
            let phone = linli_domain::accounts::Phone::parse(raw)?;
            bst::user_by_phone(db, phone.as_str())
                .await?
                .ok_or(AppError::Invalid("unknown_user"))?
                .0
        }
    };
    let mut tx = db.begin().await?;
    let mut ids = vec![];
    for k in 0..n.months {
        let at = first
            .checked_add_months(Months::new(k as u32))
            .ok_or(AppError::Invalid("invalid_date"))?;
        let id = st::insert(
            &mut tx,
            st::NewSitting {
                body_id,
                region_id: body.region_id,
                title: &title,
                starts_at: local_ms(at),
                place,
                chair_id: chair,
                created_by: actor.id(),
                at: now_ms(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            NewAudit {
                actor_id: Some(actor.id()),
                action: "sitting.schedule",
                region_id: Some(body.region_id),
                target: format!("sitting:{id}"),
                detail: format!("body:{body_id} {title} {at}"),
            },
        )
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// The quorum as the page shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QuorumView {
    pub seated: u64,
    pub present: u64,
    pub needed: u64,
    /// For a joint meeting: the four parties not present.
    pub parties_missing: Vec<String>,
    pub met: bool,
}

/// A motion with what it says now and what the viewer may do with it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MotionView {
    pub motion: MotionRow,
    /// The text in force: a carried amendment's text replaces its parent's.
    pub text_now: String,
    /// The carried amendment that gave `text_now`, if any.
    pub amended_by: Option<i64>,
    pub can_second: bool,
    pub can_withdraw: bool,
    pub can_amend: bool,
    pub can_put: bool,
}

/// Everything a sitting's page shows to this viewer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SittingView {
    pub sitting: SittingRow,
    pub body: BodyRow,
    pub agenda: Vec<AgendaRow>,
    /// Issues of the body waiting for a sitting (chair only).
    pub candidates: Vec<AgendaRow>,
    /// Members whose term covers the sitting's day.
    pub seated: Vec<MemberRow>,
    pub attendance: Vec<AttendanceRow>,
    pub quorum: QuorumView,
    pub motions: Vec<MotionView>,
    /// The speaker holding the floor, and those waiting.
    pub speaking: Option<SpeechRow>,
    pub waiting: Vec<SpeechRow>,
    /// Seconds the current speaker is over their limit.
    pub overrun: i64,
    /// The viewer's seat, and whether they are marked present.
    pub my_seat: Option<MemberRow>,
    pub present: bool,
    /// The viewer chairs (or administers the node).
    pub presides: bool,
    /// The minutes, when the viewer may read them (published, or the viewer takes part).
    pub minutes: Option<String>,
    pub can_draft: bool,
    pub can_approve: bool,
    pub now: i64,
}

impl SittingView {
    /// Whether the member `user_id` is marked present.
    pub fn is_present(&self, user_id: &i64) -> bool {
        self.attendance.iter().any(|a| a.user_id == *user_id)
    }

    /// Whether `user_id` is the viewer's own seat.
    pub fn is_me(&self, user_id: &i64) -> bool {
        self.my_seat.as_ref().is_some_and(|m| m.user_id == *user_id)
    }
}

fn sitting_day(s: &SittingRow) -> String {
    to_shanghai(s.starts_at).format("%Y-%m-%d").to_string()
}

fn presides(actor: &Actor, s: &SittingRow) -> bool {
    s.chair_id == Some(actor.id()) || actor.administers(&s.region_path)
}

async fn load(db: &Db, actor: &Actor, id: i64) -> AppResult<(SittingRow, BodyRow)> {
    let s = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("sitting_not_found"))?;
    let b = body_readable(db, actor, s.body_id).await?;
    Ok((s, b))
}

fn must_preside(actor: &Actor, s: &SittingRow) -> AppResult<()> {
    if presides(actor, s) {
        Ok(())
    } else {
        Err(AppError::Invalid("chair_only"))
    }
}

fn must_be_open(s: &SittingRow) -> AppResult<()> {
    if s.status == "open" {
        Ok(())
    } else {
        Err(AppError::Invalid("sitting_not_open"))
    }
}

/// The actor's seat, if they are a member present at this open sitting.
async fn present_member(db: &Db, actor: &Actor, s: &SittingRow) -> AppResult<MemberRow> {
    must_be_open(s)?;
    let seat = bst::seat_on(db, s.body_id, actor.id(), &sitting_day(s))
        .await?
        .ok_or(AppError::Invalid("not_a_member"))?;
    if !st::attendance(db, s.id)
        .await?
        .iter()
        .any(|a| a.user_id == actor.id())
    {
        return Err(AppError::Invalid("not_present"));
    }
    Ok(seat)
}

fn is_secretary(seat: &Option<MemberRow>) -> bool {
    seat.as_ref().is_some_and(|m| {
        let s = m.seat.to_lowercase();
        s.contains("秘书") || s.contains("secretary")
    })
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<SittingView> {
    let (s, body) = load(db, actor, id).await?;
    let day = sitting_day(&s);
    let seated: Vec<MemberRow> = bst::members(db, s.body_id)
        .await?
        .into_iter()
        .filter(|m| m.term_start <= day && m.term_end >= day)
        .collect();
    let attendance = st::attendance(db, id).await?;
    let present_parties: Vec<Party> = attendance
        .iter()
        .filter(|a| seated.iter().any(|m| m.user_id == a.user_id))
        .filter_map(|a| Party::parse(&a.party).ok())
        .collect();
    let kind = BodyKind::parse(&body.kind).unwrap_or(BodyKind::Council);
    let q = quorum(kind, body.quorum_bp, seated.len() as u64, &present_parties);
    let my_seat = seated.iter().find(|m| m.user_id == actor.id()).cloned();
    let present = attendance.iter().any(|a| a.user_id == actor.id());
    let chair = presides(actor, &s);
    let open = s.status == "open";
    let rows = st::motions(db, id).await?;
    let motions = rows
        .iter()
        .map(|m| {
            let status = MotionStatus::parse(&m.status).unwrap_or(MotionStatus::Withdrawn);
            let carried = rows
                .iter()
                .rfind(|a| a.parent_id == Some(m.id) && a.status == "carried");
            let member_here = open && present && my_seat.is_some();
            MotionView {
                text_now: carried.map_or_else(|| m.text.clone(), |a| a.text.clone()),
                amended_by: carried.map(|a| a.id),
                can_second: member_here
                    && status == MotionStatus::Moved
                    && m.mover_id != actor.id(),
                can_withdraw: open && status.is_pending() && m.mover_id == actor.id(),
                can_amend: member_here && status.is_pending(),
                can_put: open && chair && status.is_pending(),
                motion: m.clone(),
            }
        })
        .collect();
    let queue = st::queue(db, id).await?;
    let (speaking, waiting): (Vec<SpeechRow>, Vec<SpeechRow>) =
        queue.into_iter().partition(|q| q.started_at.is_some());
    let speaking = speaking.into_iter().next();
    let now = now_ms();
    let overrun = speaking.as_ref().map_or(0, |sp| {
        linli_domain::deliberation::sittings::overrun(
            sp.started_at.unwrap_or(now),
            sp.limit_seconds,
            now,
        )
    });
    let takes_part = chair || my_seat.is_some();
    let minutes = (s.minutes_status == "published" || (takes_part && s.minutes_status != "none"))
        .then(|| s.minutes.clone());
    let can_draft = (chair || is_secretary(&my_seat))
        && s.status != "scheduled"
        && s.minutes_status != "published";
    let can_approve = s.minutes_status == "draft"
        && (actor.administers(&s.region_path)
            || (my_seat.is_some() && s.minutes_drafted_by != Some(actor.id())));
    Ok(SittingView {
        agenda: st::agenda(db, id).await?,
        candidates: if chair && s.status != "closed" {
            st::agenda_candidates(db, s.body_id, id).await?
        } else {
            vec![]
        },
        quorum: QuorumView {
            seated: q.seated,
            present: q.present,
            needed: q.needed,
            parties_missing: q
                .parties_missing
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            met: q.met,
        },
        seated,
        attendance,
        motions,
        speaking,
        waiting,
        overrun,
        my_seat,
        present,
        presides: chair,
        minutes,
        can_draft,
        can_approve,
        now,
        sitting: s,
        body,
    })
}

// ---- agenda ----

/// Adds an issue of the body that waits on its agenda (`on_agenda`).
pub async fn add_agenda(db: &Db, actor: &Actor, id: i64, issue_id: i64) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    if s.status == "closed" {
        return Err(AppError::Invalid("sitting_closed"));
    }
    let (body_id, status, _, title) = st::issue_brief(db, issue_id)
        .await?
        .ok_or(AppError::NotFound("issue_not_found"))?;
    if body_id != Some(s.body_id) || status != "on_agenda" {
        return Err(AppError::Invalid("issue_not_for_agenda"));
    }
    let mut tx = db.begin().await?;
    st::add_agenda(&mut tx, id, issue_id)
        .await
        .map_err(crate::error::unique_as("already_on_agenda"))?;
    record(
        &mut tx,
        actor,
        "sitting.agenda_add",
        &s,
        format!("issue:{issue_id} {title}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_agenda(db: &Db, actor: &Actor, id: i64, issue_id: i64) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    if s.status == "closed" {
        return Err(AppError::Invalid("sitting_closed"));
    }
    let mut tx = db.begin().await?;
    if !st::remove_agenda(&mut tx, id, issue_id).await? {
        return Err(AppError::NotFound("issue_not_found"));
    }
    record(
        &mut tx,
        actor,
        "sitting.agenda_remove",
        &s,
        format!("issue:{issue_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an agenda item one place up (or down) and renumbers the agenda 1, 2, 3…
pub async fn move_agenda(
    db: &Db,
    actor: &Actor,
    id: i64,
    issue_id: i64,
    up: bool,
) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    let mut items: Vec<i64> = st::agenda(db, id)
        .await?
        .into_iter()
        .map(|a| a.issue_id)
        .collect();
    let i = items
        .iter()
        .position(|x| *x == issue_id)
        .ok_or(AppError::NotFound("issue_not_found"))?;
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|j| *j < items.len())
    };
    let Some(j) = j else { return Ok(()) };
    items.swap(i, j);
    let mut tx = db.begin().await?;
    for (k, issue) in items.iter().enumerate() {
        st::set_position(&mut tx, id, *issue, k as i64 + 1).await?;
    }
    record(
        &mut tx,
        actor,
        "sitting.agenda_move",
        &s,
        format!("issue:{issue_id} {}", if up { "up" } else { "down" }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- running the sitting ----

/// Opens (scheduled → open) or closes (open → closed) the sitting.
pub async fn set_status(db: &Db, actor: &Actor, id: i64, open: bool) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    let (from, to) = if open {
        ("scheduled", "open")
    } else {
        ("open", "closed")
    };
    let mut tx = db.begin().await?;
    if !st::set_status(&mut tx, id, from, to).await? {
        return Err(AppError::Conflict(if open {
            "sitting_not_scheduled"
        } else {
            "sitting_not_open"
        }));
    }
    if !open {
        st::end_current(&mut tx, id, now_ms()).await?;
    }
    record(
        &mut tx,
        actor,
        "sitting.status",
        &s,
        format!("{from} → {to}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a seated member present: the member themself, or anyone seated by the chair.
pub async fn attend(db: &Db, actor: &Actor, id: i64, user_id: Option<i64>) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_be_open(&s)?;
    let who = user_id.unwrap_or(actor.id());
    if who != actor.id() {
        must_preside(actor, &s)?;
    }
    let seat = bst::seat_on(db, s.body_id, who, &sitting_day(&s))
        .await?
        .ok_or(AppError::Invalid("not_a_member"))?;
    let mut tx = db.begin().await?;
    if st::mark_present(&mut tx, id, who, &seat.party, now_ms()).await? {
        record(
            &mut tx,
            actor,
            "sitting.attend",
            &s,
            format!("user:{who} {}", seat.party),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---- motions ----

/// Moves a motion on an agenda issue, or an amendment to a pending motion (`parent_id`).
pub async fn move_motion(
    db: &Db,
    actor: &Actor,
    id: i64,
    text: &str,
    issue_id: Option<i64>,
    parent_id: Option<i64>,
) -> AppResult<i64> {
    let (s, _) = load(db, actor, id).await?;
    present_member(db, actor, &s).await?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Invalid("motion_text_required"));
    }
    if text.chars().count() > 2000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let issue_id = match parent_id {
        Some(p) => {
            let parent = st::motion(db, p)
                .await?
                .filter(|m| m.sitting_id == id)
                .ok_or(AppError::NotFound("motion_not_found"))?;
            if !MotionStatus::parse(&parent.status)
                .map_err(refused)?
                .is_pending()
            {
                return Err(AppError::Invalid("motion_closed"));
            }
            parent.issue_id
        }
        None => {
            let issue = issue_id.ok_or(AppError::Invalid("motion_needs_issue"))?;
            if !st::agenda(db, id)
                .await?
                .iter()
                .any(|a| a.issue_id == issue)
            {
                return Err(AppError::Invalid("issue_not_on_agenda"));
            }
            Some(issue)
        }
    };
    let mut tx = db.begin().await?;
    let mid = st::insert_motion(
        &mut tx,
        st::NewMotion {
            sitting_id: id,
            issue_id,
            parent_id,
            text,
            mover_id: actor.id(),
            at: now_ms(),
        },
    )
    .await?;
    let what = if parent_id.is_some() { "amend" } else { "move" };
    record(
        &mut tx,
        actor,
        "motion.move",
        &s,
        format!("motion:{mid} {what} parent:{parent_id:?} {text}"),
    )
    .await?;
    tx.commit().await?;
    Ok(mid)
}

async fn motion_of(
    db: &Db,
    actor: &Actor,
    motion_id: i64,
) -> AppResult<(MotionRow, SittingRow, BodyRow)> {
    let m = st::motion(db, motion_id)
        .await?
        .ok_or(AppError::NotFound("motion_not_found"))?;
    let (s, b) = load(db, actor, m.sitting_id).await?;
    Ok((m, s, b))
}

pub async fn second(db: &Db, actor: &Actor, motion_id: i64) -> AppResult<()> {
    let (m, s, _) = motion_of(db, actor, motion_id).await?;
    present_member(db, actor, &s).await?;
    let from = MotionStatus::parse(&m.status).map_err(refused)?;
    let to = from.second(m.mover_id, actor.id()).map_err(refused)?;
    let mut tx = db.begin().await?;
    if !st::set_motion_status(
        &mut tx,
        m.id,
        from.as_str(),
        to.as_str(),
        Some(actor.id()),
        None,
    )
    .await?
    {
        return Err(AppError::Conflict("motion_changed_meanwhile"));
    }
    record(
        &mut tx,
        actor,
        "motion.second",
        &s,
        format!("motion:{}", m.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn withdraw(db: &Db, actor: &Actor, motion_id: i64) -> AppResult<()> {
    let (m, s, _) = motion_of(db, actor, motion_id).await?;
    must_be_open(&s)?;
    if m.mover_id != actor.id() {
        return Err(AppError::Invalid("not_the_mover"));
    }
    let from = MotionStatus::parse(&m.status).map_err(refused)?;
    let to = from.withdraw().map_err(refused)?;
    let mut tx = db.begin().await?;
    if !st::set_motion_status(&mut tx, m.id, from.as_str(), to.as_str(), None, None).await? {
        return Err(AppError::Conflict("motion_changed_meanwhile"));
    }
    record(
        &mut tx,
        actor,
        "motion.withdraw",
        &s,
        format!("motion:{}", m.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How the chair puts a motion to the vote.
pub struct PutToVote<'a> {
    /// majority | two_thirds | consensus
    pub method: &'a str,
    pub minutes_open: i64,
    pub secret: bool,
}

/// Puts a motion to a vote of the body; returns the vote's id (see `/votes/{id}`).
pub async fn put_to_vote(
    db: &Db,
    actor: &Actor,
    motion_id: i64,
    p: PutToVote<'_>,
) -> AppResult<i64> {
    let (m, s, body) = motion_of(db, actor, motion_id).await?;
    must_be_open(&s)?;
    must_preside(actor, &s)?;
    let from = MotionStatus::parse(&m.status).map_err(refused)?;
    let to = from.put_to_vote(body.requires_second).map_err(refused)?;
    if !matches!(p.method, "majority" | "two_thirds" | "consensus") {
        return Err(AppError::Invalid("invalid_vote_method"));
    }
    if !(1..=7 * 24 * 60).contains(&p.minutes_open) {
        return Err(AppError::Invalid("invalid_minutes_open"));
    }
    let title: String = m.text.chars().take(80).collect();
    let vote_id = votes::create(
        db,
        actor,
        NewVote {
            title,
            method: p.method.to_string(),
            electorate: "body".into(),
            region_id: body.region_id,
            body_id: Some(body.id),
            sitting_id: Some(s.id),
            motion_id: Some(m.id),
            issue_id: m.issue_id,
            secret: p.secret,
            minutes_open: p.minutes_open,
            ..Default::default()
        },
    )
    .await?;
    let mut tx = db.begin().await?;
    if !st::set_motion_status(
        &mut tx,
        m.id,
        from.as_str(),
        to.as_str(),
        None,
        Some(vote_id),
    )
    .await?
    {
        return Err(AppError::Conflict("motion_changed_meanwhile"));
    }
    record(
        &mut tx,
        actor,
        "motion.vote",
        &s,
        format!("motion:{} vote:{vote_id} {}", m.id, p.method),
    )
    .await?;
    tx.commit().await?;
    Ok(vote_id)
}

/// When an amendment is carried, its text replaces its parent's. For the vote's close,
/// inside its transaction; a no-op for a motion that is not a carried amendment.
pub async fn apply_carried_amendment(tx: &mut Tx, amendment: &MotionRow) -> AppResult<()> {
    if let (Some(parent), "carried") = (amendment.parent_id, amendment.status.as_str()) {
        st::set_motion_text(tx, parent, &amendment.text).await?;
    }
    Ok(())
}

// ---- speaking queue ----

pub async fn ask_to_speak(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (s, body) = load(db, actor, id).await?;
    present_member(db, actor, &s).await?;
    if st::queue(db, id)
        .await?
        .iter()
        .any(|q| q.user_id == actor.id())
    {
        return Err(AppError::Conflict("already_in_queue"));
    }
    let mut tx = db.begin().await?;
    let q = st::request_speech(&mut tx, id, actor.id(), body.speech_seconds, now_ms()).await?;
    record(&mut tx, actor, "speech.request", &s, format!("queue:{q}")).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends the current speech and gives the floor to the next speaker (chair only).
pub async fn next_speaker(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    must_be_open(&s)?;
    if !st::queue(db, id)
        .await?
        .iter()
        .any(|q| q.started_at.is_none())
    {
        return Err(AppError::Invalid("queue_empty"));
    }
    let mut tx = db.begin().await?;
    let at = now_ms();
    st::end_current(&mut tx, id, at).await?;
    let q = st::start_next(&mut tx, id, at).await?;
    record(&mut tx, actor, "speech.start", &s, format!("queue:{q:?}")).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn end_speech(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    let mut tx = db.begin().await?;
    if st::end_current(&mut tx, id, now_ms()).await? == 0 {
        return Err(AppError::Invalid("nobody_speaking"));
    }
    record(&mut tx, actor, "speech.end", &s, String::new()).await?;
    tx.commit().await?;
    Ok(())
}

// ---- minutes ----

/// Drafts the minutes from what happened — attendance by party, quorum, agenda,
/// motions with mover, seconder and outcome, votes' results — with labels from `t`
/// (the drafter's catalogue), and saves them as a draft to edit.
pub async fn draft_minutes(
    db: &Db,
    actor: &Actor,
    id: i64,
    t: &(dyn Fn(&str) -> String + Sync),
) -> AppResult<String> {
    let v = get(db, actor, id).await?;
    if !v.can_draft {
        return Err(AppError::Invalid("cannot_draft_minutes"));
    }
    let s = &v.sitting;
    let mut out = String::new();
    let line = |out: &mut String, l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(&mut out, format!("{} · {}", v.body.name, s.title));
    line(
        &mut out,
        format!(
            "{}：{}",
            t("minutes.when"),
            linli_domain::time::format_shanghai(s.starts_at)
        ),
    );
    if !s.place.is_empty() {
        line(&mut out, format!("{}：{}", t("minutes.place"), s.place));
    }
    if let Some(c) = &s.chair_name {
        line(&mut out, format!("{}：{}", t("minutes.chair"), c));
    }
    line(&mut out, String::new());
    line(&mut out, t("minutes.attendance"));
    for p in Party::ALL {
        let names: Vec<&str> = v
            .attendance
            .iter()
            .filter(|a| a.party == p.as_str())
            .map(|a| a.name.as_str())
            .collect();
        if !names.is_empty() {
            line(
                &mut out,
                format!(
                    "  {}：{}",
                    t(&format!("party.{}", p.as_str())),
                    names.join("、")
                ),
            );
        }
    }
    let q = &v.quorum;
    let mut ql = format!(
        "{}：{} {} / {} {}，{} {} — {}",
        t("minutes.quorum"),
        t("quorum.present"),
        q.present,
        t("quorum.seated"),
        q.seated,
        t("quorum.needed"),
        q.needed,
        t(if q.met {
            "quorum.met"
        } else {
            "quorum.not_met"
        })
    );
    if !q.parties_missing.is_empty() {
        let missing: Vec<String> = q
            .parties_missing
            .iter()
            .map(|p| t(&format!("party.{p}")))
            .collect();
        ql.push_str(&format!(
            "（{}：{}）",
            t("quorum.parties_missing"),
            missing.join("、")
        ));
    }
    line(&mut out, ql);
    line(&mut out, String::new());
    line(&mut out, t("minutes.agenda"));
    for (i, a) in v.agenda.iter().enumerate() {
        line(&mut out, format!("  {}. {}", i + 1, a.title));
    }
    line(&mut out, String::new());
    line(&mut out, t("minutes.motions"));
    for mv in &v.motions {
        let m = &mv.motion;
        let mut l = format!("  #{} {}", m.id, mv.text_now);
        if let Some(p) = m.parent_id {
            l.push_str(&format!("（{} #{p}）", t("motion.amends")));
        }
        l.push_str(&format!("\n    {}：{}", t("motion.mover"), m.mover_name));
        if let Some(sn) = &m.seconder_name {
            l.push_str(&format!("；{}：{}", t("motion.seconder"), sn));
        }
        l.push_str(&format!(
            "；{}：{}",
            t("motion.status"),
            t(&format!("motion_status.{}", m.status))
        ));
        if let Some(passed) = m.vote_passed {
            l.push_str(&format!(
                "；{}：{}",
                t("minutes.vote"),
                t(if passed {
                    "minutes.passed"
                } else {
                    "minutes.not_passed"
                })
            ));
        }
        if let Some(r) = m.vote_result.as_deref().filter(|r| !r.is_empty()) {
            l.push_str(&format!("（{r}）"));
        }
        line(&mut out, l);
    }
    if v.motions.is_empty() {
        line(&mut out, format!("  {}", t("motion.none")));
    }
    let others = st::other_votes(db, id).await?;
    if !others.is_empty() {
        line(&mut out, String::new());
        line(&mut out, t("minutes.votes"));
        for (title, status, passed, result) in others {
            let outcome = match passed {
                Some(true) => t("minutes.passed"),
                Some(false) => t("minutes.not_passed"),
                None => status,
            };
            line(&mut out, format!("  {title}：{outcome} {result}"));
        }
    }
    let mut tx = db.begin().await?;
    if !st::set_minutes(&mut tx, id, &out, actor.id()).await? {
        return Err(AppError::Invalid("minutes_published"));
    }
    record(
        &mut tx,
        actor,
        "minutes.draft",
        s,
        format!("{} chars", out.chars().count()),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Saves an edited draft (approval starts again).
pub async fn save_minutes(db: &Db, actor: &Actor, id: i64, text: &str) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if !v.can_draft {
        return Err(AppError::Invalid("cannot_draft_minutes"));
    }
    if text.trim().is_empty() {
        return Err(AppError::Invalid("minutes_required"));
    }
    if text.chars().count() > 50_000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let mut tx = db.begin().await?;
    if !st::set_minutes(&mut tx, id, text.trim(), actor.id()).await? {
        return Err(AppError::Invalid("minutes_published"));
    }
    record(
        &mut tx,
        actor,
        "minutes.edit",
        &v.sitting,
        format!("{} chars", text.chars().count()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves the draft: a member other than the drafter, or an administrator.
pub async fn approve_minutes(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let v = get(db, actor, id).await?;
    if v.sitting.minutes_status != "draft" {
        return Err(AppError::Invalid("minutes_not_draft"));
    }
    if !v.can_approve {
        return Err(AppError::Invalid("cannot_approve_minutes"));
    }
    let mut tx = db.begin().await?;
    if !st::approve_minutes(&mut tx, id, actor.id()).await? {
        return Err(AppError::Conflict("minutes_changed_meanwhile"));
    }
    record(&mut tx, actor, "minutes.approve", &v.sitting, String::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes approved minutes to the node's readers (chair or administrator).
pub async fn publish_minutes(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let (s, _) = load(db, actor, id).await?;
    must_preside(actor, &s)?;
    if s.minutes_status != "approved" {
        return Err(AppError::Invalid("minutes_not_approved"));
    }
    let mut tx = db.begin().await?;
    if !st::publish_minutes(&mut tx, id, now_ms()).await? {
        return Err(AppError::Conflict("minutes_changed_meanwhile"));
    }
    record(&mut tx, actor, "minutes.publish", &s, String::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// The published minutes of a sitting: (title, text) for printing.
pub async fn published_minutes(db: &Db, actor: &Actor, id: i64) -> AppResult<(String, String)> {
    let (s, b) = load(db, actor, id).await?;
    if s.minutes_status != "published" {
        return Err(AppError::NotFound("minutes_not_published"));
    }
    Ok((format!("{} · {}", b.name, s.title), s.minutes))
}

/// Checks a `YYYY-MM-DD` day from input (re-exported for the sitting forms).
pub fn day(raw: &str) -> AppResult<String> {
    parse_day(raw)
}
