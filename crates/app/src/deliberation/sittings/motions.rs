//! Motions under simple rules (move, second, amend, withdraw, put to the vote) and the
//! speaking queue of a sitting.

use super::{load, must_be_open, must_preside, present_member, record, refused};
use crate::deliberation::votes::{self, NewVote};
use crate::{Actor, AppError, AppResult};
use linli_store::Db;
use linli_store::clock::now_ms;
use linli_store::deliberation::bodies::BodyRow;
use linli_store::deliberation::sittings::{self as st, MotionRow, SittingRow};

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
            if !parent.status.is_pending() {
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
    let from = m.status;
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
    let from = m.status;
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
    let from = m.status;
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
