//! Decisions become action items with an owner, a due date and progress notes (议而有行).
//!
//! A decided issue's items are set by the node's administrator or the chair of a
//! sitting that had the issue on its agenda; the issue then is in action. Owners record
//! progress; when every item of the issue is done the issue is done, and the people who
//! raised and supported it and their building representatives are told (行而有效).
//! The accountability page lists every decision at and below a node with its items.

use crate::deliberation::bodies::{parse_day, today};
use crate::notifications::notify;
use crate::{Actor, AppError, AppResult};
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::deliberation::issues::ActionStatus;
use linli_domain::deliberation::issues::IssueStatus;
use linli_domain::notifications::NoticeKind;
use linli_domain::regions::RegionPath;
use linli_store::Db;
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::deliberation::actions::{self as st, ActionRow, DecidedIssueRow, NoteRow};
use linli_store::deliberation::bodies as bst;
use linli_store::deliberation::issues::transition;
use linli_store::regions::RegionRow;

/// An item as the chair enters it, still raw.
pub struct NewAction<'a> {
    pub title: &'a str,
    /// The owner's phone number (or `owner_id`).
    pub owner_phone: &'a str,
    pub owner_id: Option<i64>,
    /// `YYYY-MM-DD`, today or later.
    pub due_on: &'a str,
}

async fn issue_readable(db: &Db, actor: &Actor, issue_id: i64) -> AppResult<DecidedIssueRow> {
    let i = st::issue(db, issue_id)
        .await?
        .ok_or(AppError::NotFound("issue_not_found"))?;
    if !actor.can_read(&i.region_path) {
        return Err(AppError::Forbidden);
    }
    Ok(i)
}

/// Who sets an issue's items: an administrator of its node, or the chair of a sitting
/// that had it on the agenda.
async fn steers(db: &Db, actor: &Actor, issue: &DecidedIssueRow) -> AppResult<bool> {
    Ok(actor.administers(&issue.region_path)
        || st::chaired_with_issue(db, issue.id, actor.id()).await?)
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    issue_id: i64,
    a: NewAction<'_>,
) -> AppResult<ActionRow> {
    let issue = issue_readable(db, actor, issue_id).await?;
    if !steers(db, actor, &issue).await? {
        return Err(AppError::Forbidden);
    }
    if !matches!(issue.status, IssueStatus::Decided | IssueStatus::InAction) {
        return Err(AppError::Invalid("issue_not_decided"));
    }
    let title = bounded_text(a.title, 120, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("action_title_required"))?;
    let due = parse_day(a.due_on)?;
    if due < today() {
        return Err(AppError::Invalid("due_in_past"));
    }
    let owner = match a.owner_id {
        Some(id) => id,
        None => {
            let phone = linli_domain::accounts::Phone::parse(a.owner_phone)?;
            bst::user_by_phone(db, phone.as_str())
                .await?
                .ok_or(AppError::Invalid("unknown_user"))?
                .0
        }
    };
    let at = now_ms();
    let mut tx = db.begin().await?;
    let id = st::insert(
        &mut tx,
        st::NewAction {
            issue_id,
            region_id: issue.region_id,
            title: &title,
            owner_id: owner,
            due_on: &due,
            created_by: actor.id(),
            at,
        },
    )
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            AppError::Invalid("unknown_user")
        }
        _ => AppError::from(e),
    })?;
    if issue.status == IssueStatus::Decided
        && !transition(
            &mut tx,
            issue_id,
            &["decided"],
            "in_action",
            "",
            Some(actor.id()),
            at,
        )
        .await?
    {
        return Err(AppError::Conflict("issue_changed_meanwhile"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "action.create",
            region_id: Some(issue.region_id),
            target: format!("action:{id}"),
            detail: format!("issue:{issue_id} owner:{owner} due:{due} {title}"),
        },
    )
    .await?;
    notify(
        &mut tx,
        NoticeKind::Action,
        [owner],
        "notice.action_assigned",
        &title,
        &format!("/actions/{id}"),
    )
    .await?;
    tx.commit().await?;
    st::get(db, id)
        .await?
        .ok_or(AppError::Internal("action vanished".into()))
}

/// An item with its notes and what the viewer may do.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ActionView {
    pub action: ActionRow,
    pub notes: Vec<NoteRow>,
    pub overdue: bool,
    pub can_update: bool,
}

fn overdue(a: &ActionRow, today: &str) -> bool {
    a.status != ActionStatus::Done && a.due_on.as_str() < today
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<ActionView> {
    let a = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("action_not_found"))?;
    // Its owner reads the item even from outside its node (a compound's property company
    // owning a community's item).
    if !actor.can_read(&a.region_path) && a.owner_id != actor.id() {
        return Err(AppError::Forbidden);
    }
    Ok(ActionView {
        notes: st::notes(db, id).await?,
        overdue: overdue(&a, &today()),
        can_update: a.status != ActionStatus::Done
            && (a.owner_id == actor.id() || actor.administers(&a.region_path)),
        action: a,
    })
}

/// Records progress on an item (its owner, or an administrator); `done` closes it. When
/// the issue's last item is done, the issue is done and its people are told.
pub async fn progress(
    db: &Db,
    actor: &Actor,
    id: i64,
    note: &str,
    percent: i64,
    done: bool,
) -> AppResult<ActionView> {
    let v = get(db, actor, id).await?;
    let a = &v.action;
    if a.status == ActionStatus::Done {
        return Err(AppError::Conflict("action_done"));
    }
    if !v.can_update {
        return Err(AppError::Forbidden);
    }
    let percent = if done { 100 } else { percent };
    if !(0..=100).contains(&percent) {
        return Err(AppError::Invalid("invalid_progress"));
    }
    let note = note.trim();
    if note.is_empty() && !done {
        return Err(AppError::Invalid("note_required"));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let at = now_ms();
    let mut tx = db.begin().await?;
    if !st::set_progress(&mut tx, id, percent, done, at).await? {
        return Err(AppError::Conflict("action_done"));
    }
    st::insert_note(&mut tx, id, actor.id(), note, percent, at).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: if done {
                "action.done"
            } else {
                "action.progress"
            },
            region_id: Some(a.region_id),
            target: format!("action:{id}"),
            detail: format!("{percent}% {note}"),
        },
    )
    .await?;
    if let Some(issue_id) = a.issue_id.filter(|_| done)
        && st::open_count(&mut tx, issue_id).await? == 0
        && transition(
            &mut tx,
            issue_id,
            &["in_action"],
            "done",
            "",
            Some(actor.id()),
            at,
        )
        .await?
    {
        let people = st::report_back_to(&mut tx, issue_id).await?;
        let title = a.issue_title.clone().unwrap_or_default();
        notify(
            &mut tx,
            NoticeKind::Issue,
            people,
            "notice.issue_done",
            &title,
            &format!("/issues/{issue_id}"),
        )
        .await?;
        audit::record(
            &mut tx,
            NewAudit {
                actor_id: Some(actor.id()),
                action: "issue.done",
                region_id: Some(a.region_id),
                target: format!("issue:{issue_id}"),
                detail: String::new(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    get(db, actor, id).await
}

/// A decision with its items, as the accountability page lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub issue: DecidedIssueRow,
    pub items: Vec<ItemView>,
    /// The viewer may add items (administrator of the node).
    pub can_add: bool,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub item: ActionRow,
    pub overdue: bool,
}

/// Every decided, in-action and done issue at and below a node with its items: two
/// queries, whatever the number of issues.
pub async fn accountability(
    db: &Db,
    actor: &Actor,
    region_id: i64,
) -> AppResult<(RegionRow, Vec<Decision>)> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = RegionPath::from_stored(region.path.clone()).subtree_bounds();
    let issues = st::decided_in(db, &lo, &hi, 500).await?;
    let items = st::in_subtree(db, &lo, &hi).await?;
    let today = today();
    let mut by_issue: std::collections::HashMap<i64, Vec<ItemView>> =
        std::collections::HashMap::new();
    for it in items {
        if let Some(i) = it.issue_id {
            by_issue.entry(i).or_default().push(ItemView {
                overdue: overdue(&it, &today),
                item: it,
            });
        }
    }
    let decisions = issues
        .into_iter()
        .map(|i| Decision {
            items: by_issue.remove(&i.id).unwrap_or_default(),
            can_add: i.status != IssueStatus::Done && actor.administers(&i.region_path),
            issue: i,
        })
        .collect();
    Ok((region, decisions))
}
