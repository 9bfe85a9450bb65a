//! Minutes (纪要) of a sitting: drafted from what happened, edited, approved by someone
//! other than the drafter, published to the node's readers.

use super::{get, load, must_preside, record};
use crate::{Actor, AppError, AppResult};
use linli_domain::deliberation::sittings::MinutesStatus;
use linli_domain::deliberation::sittings::Party;
use linli_store::Db;
use linli_store::clock::now_ms;
use linli_store::deliberation::sittings as st;

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
    if v.sitting.minutes_status != MinutesStatus::Draft {
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
    if s.minutes_status != MinutesStatus::Approved {
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
    if s.minutes_status != MinutesStatus::Published {
        return Err(AppError::NotFound("minutes_not_published"));
    }
    Ok((format!("{} · {}", b.name, s.title), s.minutes))
}
