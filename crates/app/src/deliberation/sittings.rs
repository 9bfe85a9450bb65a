//! Sittings: agenda, attendance and quorum, motions, the speaking queue, minutes.
//!
//! The chair (or an administrator of the node) schedules and runs a sitting; seated
//! members mark themselves present, move, second, amend and withdraw motions and ask to
//! speak. A motion goes to a vote only once seconded where the body requires it; the
//! vote itself is a `votes` vote tied to the motion, whose close decides the motion.
//! Minutes are drafted from what happened, approved by someone other than the drafter
//! and published to the node's readers.

use crate::deliberation::bodies::{parse_day, readable as body_readable};
use crate::{Actor, AppError, AppResult};
use chrono::Months;
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::deliberation::issues::IssueStatus;
use linli_domain::deliberation::sittings::MinutesStatus;
use linli_domain::deliberation::sittings::SittingStatus;
use linli_domain::deliberation::sittings::{BodyKind, MotionStatus, Party, Refused, quorum};
use linli_domain::time::{shanghai_local_ms as local_ms, to_shanghai};
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::deliberation::bodies::{self as bst, BodyRow, MemberRow};
use linli_store::deliberation::sittings::{
    self as st, AgendaRow, AttendanceRow, MotionRow, SittingRow, SpeechRow,
};
use linli_store::{Db, Tx};

mod minutes;
mod motions;

pub use minutes::{
    approve_minutes, draft_minutes, publish_minutes, published_minutes, save_minutes,
};
pub use motions::{
    PutToVote, ask_to_speak, end_speech, move_motion, next_speaker, put_to_vote, second, withdraw,
};

fn refused(r: Refused) -> AppError {
    AppError::Invalid(r.0)
}

/// `2026-12-05T19:30` in Asia/Shanghai.
fn parse_local(raw: &str) -> AppResult<chrono::NaiveDateTime> {
    linli_domain::time::parse_shanghai_local(raw).ok_or(AppError::Invalid("invalid_date"))
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
    if s.status == SittingStatus::Open {
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
    let open = s.status == SittingStatus::Open;
    let rows = st::motions(db, id).await?;
    let motions = rows
        .iter()
        .map(|m| {
            let status = m.status;
            let carried = rows
                .iter()
                .rfind(|a| a.parent_id == Some(m.id) && a.status == MotionStatus::Carried);
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
    let minutes = (s.minutes_status == MinutesStatus::Published
        || (takes_part && s.minutes_status != MinutesStatus::None))
        .then(|| s.minutes.clone());
    let can_draft = (chair || is_secretary(&my_seat))
        && s.status != SittingStatus::Scheduled
        && s.minutes_status != MinutesStatus::Published;
    // Four eyes: whoever drafted the minutes (even an administrator) never approves them.
    let can_approve = s.minutes_status == MinutesStatus::Draft
        && s.minutes_drafted_by != Some(actor.id())
        && (actor.administers(&s.region_path) || my_seat.is_some());
    Ok(SittingView {
        agenda: st::agenda(db, id).await?,
        candidates: if chair && s.status != SittingStatus::Closed {
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
    if s.status == SittingStatus::Closed {
        return Err(AppError::Invalid("sitting_closed"));
    }
    let (body_id, status, _, title) = st::issue_brief(db, issue_id)
        .await?
        .ok_or(AppError::NotFound("issue_not_found"))?;
    if body_id != Some(s.body_id) || status != IssueStatus::OnAgenda {
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
    if s.status == SittingStatus::Closed {
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
        (SittingStatus::Scheduled, SittingStatus::Open)
    } else {
        (SittingStatus::Open, SittingStatus::Closed)
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

/// Checks a `YYYY-MM-DD` day from input (re-exported for the sitting forms).
pub fn day(raw: &str) -> AppResult<String> {
    parse_day(raw)
}
