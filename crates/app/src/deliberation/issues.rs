//! Issues (议题) raised by residents: support, the discussion thread and its moderation.
//!
//! Who may do what, checked here for pages and API alike:
//! - raise: anyone living on or holding a role on the node's line (the node, a node above
//!   it they hold a role at, or a building below it they live in), for a building,
//!   compound or community; a building representative may raise on behalf of a building
//!   and say how many households were consulted;
//! - read, support, post, report: whoever reads the node (`Actor::can_read`);
//! - hide posts: social workers and administrators of the node (moderators);
//! - move the status by hand (put on the agenda, decline with a reason): administrators.
//!
//! Support is counted on the issue row in the transaction that inserts the support, so
//! concurrent supporters are each counted once and exactly one of them carries the issue
//! over its body's threshold onto the agenda.

use crate::error::unique_as;
use crate::files::{FileRow, Purpose};
use crate::notifications::notify;
use crate::{Actor, AppError, AppResult, Page};
use linli_domain::accounts::Role;
use linli_domain::deliberation::issues::{self as d, IssueError, IssueStatus, Writing};
use linli_domain::notifications::NoticeKind;
use linli_domain::regions::RegionKind;
use linli_domain::search::Kind;
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::deliberation::issues::{
    self as st, EventRow, IssueRow, PhotoRef, PostRow, ReportedRow,
};
use linli_store::regions::RegionRow;
use linli_store::{Db, Tx};

impl From<IssueError> for AppError {
    fn from(e: IssueError) -> Self {
        AppError::Invalid(e.code())
    }
}

/// Largest photo accepted: the one file limit.
pub const PHOTO_MAX_BYTES: usize = crate::files::MAX_BYTES;
/// Photos per issue or per post.
pub const PHOTOS_MAX: usize = 3;
/// Posts per page of a thread.
pub const THREAD_PAGE: i64 = 50;

/// A photo as uploaded, still unchecked.
pub type Photo<'a> = crate::files::Upload<'a>;

/// Images only (JPEG, PNG, WebP, GIF), checked by their first bytes by the files
/// kernel, so nothing else is served as a photo.
fn check_photo(p: &Photo<'_>) -> AppResult<()> {
    crate::files::check(Purpose::Photo, p.mime, p.data)
}

fn check_photos(photos: &[Photo<'_>]) -> AppResult<()> {
    if photos.len() > PHOTOS_MAX {
        return Err(AppError::Invalid("too_many_photos"));
    }
    photos.iter().try_for_each(check_photo)
}

/// Stores photos inside the caller's transaction and links them to the issue or post.
async fn store_photos(
    tx: &mut Tx,
    actor: &Actor,
    issue: &IssueRow,
    post_id: Option<i64>,
    photos: &[Photo<'_>],
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(photos.len());
    for p in photos {
        let file = crate::files::store_file(
            tx,
            actor.id(),
            Purpose::Photo,
            issue.region_id,
            p.filename,
            p.mime,
            p.data,
        )
        .await?;
        st::link_file(tx, issue.id, post_id, file).await?;
        ids.push(file);
    }
    Ok(ids)
}

/// Refuses when the actor has written too much lately (new accounts less).
async fn within_limit(db: &Db, actor: &Actor, what: Writing) -> AppResult<()> {
    let now = now_ms();
    let Some(limit) = d::limit(now - actor.user.created_at, what) else {
        return Ok(());
    };
    let since = now - limit.window_ms;
    let n = match what {
        Writing::Post => st::count_posts_since(db, actor.id(), since).await?,
        Writing::Issue => st::count_issues_since(db, actor.id(), since).await?,
    };
    if n >= limit.max {
        return Err(AppError::TooMany(match (what, limit.max < 60) {
            (Writing::Post, true) => "new_account_post_limit",
            (Writing::Post, false) => "post_limit",
            (Writing::Issue, _) => "new_account_issue_limit",
        }));
    }
    Ok(())
}

/// Moderators of a node: its social workers and administrators.
fn moderates(actor: &Actor, path: &str) -> bool {
    actor
        .role_over(path, |r| r == Role::SocialWorker || r.administers())
        .is_some()
}

/// Whether the actor lives on or holds a role on the line through `path`: at the node or
/// above it, or at a node below it (a resident of a building raising for the community).
fn on_the_line(actor: &Actor, path: &str) -> bool {
    actor.grants.iter().any(|g| {
        Role::parse(&g.role).is_ok()
            && (path.starts_with(g.region_path.as_str()) || g.region_path.starts_with(path))
    })
}

/// Whether the actor may raise an issue at `region`.
pub fn may_raise(actor: &Actor, region: &RegionRow) -> bool {
    matches!(
        region.kind(),
        RegionKind::Building | RegionKind::Compound | RegionKind::Community
    ) && on_the_line(actor, &region.path)
}

/// Whether the actor may raise on behalf of the building `region`.
pub fn may_speak_for(actor: &Actor, region: &RegionRow) -> bool {
    region.kind() == RegionKind::Building
        && actor
            .role_over(&region.path, |r| r == Role::BuildingRep)
            .is_some()
}

/// An issue as its author enters it, still raw.
pub struct NewIssue<'a> {
    pub title: &'a str,
    pub text: &'a str,
    /// Raised by a building representative on behalf of the building.
    pub on_behalf: bool,
    pub households_consulted: Option<i64>,
    pub photos: Vec<Photo<'a>>,
}

/// Raises an issue at a node. It goes to the nearest body at or above the node (none:
/// it only collects support) and starts as raised.
pub async fn raise(db: &Db, actor: &Actor, region_id: i64, n: NewIssue<'_>) -> AppResult<IssueRow> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    if !may_raise(actor, &region) {
        return Err(AppError::Forbidden);
    }
    let title = d::title(n.title)?;
    let text = d::text(n.text)?;
    if n.on_behalf && !may_speak_for(actor, &region) {
        return Err(AppError::Invalid("not_building_rep"));
    }
    let households = match (n.on_behalf, n.households_consulted) {
        (true, Some(h)) => Some(d::households_consulted(h)?),
        (false, Some(_)) => return Err(AppError::Invalid("households_only_on_behalf")),
        (_, None) => None,
    };
    check_photos(&n.photos)?;
    within_limit(db, actor, Writing::Issue).await?;
    let ancestors: Vec<i64> = region.region_path().ids().iter().map(|r| r.0).collect();
    let body = st::nearest_body(db, &ancestors).await?;
    let at = now_ms();
    let mut tx = db.begin().await?;
    let id = st::insert(
        &mut tx,
        st::NewIssue {
            region_id: region.id,
            body_id: body.map(|b| b.0),
            author_id: actor.id(),
            on_behalf: n.on_behalf,
            households_consulted: households,
            title: &title,
            body: &text,
            status: IssueStatus::Raised,
            at,
        },
    )
    .await?;
    st::insert_event(
        &mut tx,
        id,
        "",
        IssueStatus::Raised.as_str(),
        Some(actor.id()),
        at,
    )
    .await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "issue.raise",
            region_id: Some(region.id),
            target: format!("issue:{id}"),
            detail: title.clone(),
        },
    )
    .await?;
    let row = IssueRow {
        id,
        region_id: region.id,
        region_name: region.name.clone(),
        region_kind: region.kind.clone(),
        region_path: region.path.clone(),
        body_id: body.map(|b| b.0),
        body_name: None,
        support_threshold: body.map(|b| b.1),
        author_id: actor.id(),
        author_name: actor.user.display_name.clone(),
        on_behalf: n.on_behalf,
        households_consulted: households,
        title,
        body: text,
        status: IssueStatus::Raised,
        status_reason: String::new(),
        decision: String::new(),
        supporters: 0,
        created_at: at,
        updated_at: at,
    };
    store_photos(&mut tx, actor, &row, None, &n.photos).await?;
    crate::search::index(
        &mut tx,
        crate::search::Doc {
            kind: Kind::Issue,
            ref_id: id,
            region_id: region.id,
            region_path: &region.path,
            title: &row.title,
            body: &row.body,
            updated_at: at,
        },
    )
    .await?;
    tx.commit().await?;
    issue(db, actor, id).await
}

/// Indexes an issue again from its stored text (after its decision was written),
/// inside the caller's transaction.
pub(crate) async fn reindex(tx: &mut Tx, id: i64) -> AppResult<()> {
    match st::search_source(tx, id).await? {
        Some(s) => {
            crate::search::index(
                tx,
                crate::search::Doc {
                    kind: Kind::Issue,
                    ref_id: s.ref_id,
                    region_id: s.region_id,
                    region_path: &s.region_path,
                    title: &s.title,
                    body: &s.body,
                    updated_at: s.updated_at,
                },
            )
            .await
        }
        None => crate::search::remove(tx, Kind::Issue, id).await,
    }
}

/// An issue the actor may read.
pub async fn issue(db: &Db, actor: &Actor, id: i64) -> AppResult<IssueRow> {
    let i = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("issue_not_found"))?;
    if !actor.can_read(&i.region_path) {
        return Err(AppError::Forbidden);
    }
    Ok(i)
}

/// Issues at and below a node, newest first, with the total; `status` filters.
pub async fn list(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    status: Option<&str>,
    page: Page,
) -> AppResult<(RegionRow, Vec<IssueRow>, i64)> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(IssueStatus::parse(s)?.as_str()),
        None => None,
    };
    let (lo, hi) = region.region_path().subtree_bounds();
    let rows = st::list_in(db, &lo, &hi, status, page.size, page.offset()).await?;
    let total = st::count_in(db, &lo, &hi, status).await?;
    Ok((region, rows, total))
}

/// Everything an issue's page shows to this viewer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssueView {
    pub issue: IssueRow,
    /// File ids of the issue's own photos.
    pub photos: Vec<i64>,
    pub history: Vec<EventRow>,
    pub supported: bool,
    pub can_support: bool,
    /// The viewer raised it (and may not support it).
    pub is_author: bool,
    /// May hide posts and sees how often each was reported.
    pub can_moderate: bool,
    /// Statuses an administrator may move the issue to.
    pub moves: Vec<String>,
}

impl IssueView {
    /// Supporters still missing before the issue goes on its body's agenda by itself
    /// (`None` once it is past collecting support, or when no body hears it).
    pub fn supporters_missing(&self) -> Option<i64> {
        let t = self.issue.support_threshold?;
        (self.issue.status == IssueStatus::Raised && self.issue.supporters < t)
            .then(|| t - self.issue.supporters)
    }
}

pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<IssueView> {
    let issue = issue(db, actor, id).await?;
    let status = issue.status;
    let photos = st::photos(db, id)
        .await?
        .into_iter()
        .filter(|p| p.post_id.is_none())
        .map(|p| p.file_id)
        .collect();
    let supported = st::supports(db, id, actor.id()).await?;
    let is_author = issue.author_id == actor.id();
    let moves = if actor.administers(&issue.region_path) {
        IssueStatus::ALL
            .into_iter()
            .filter(|to| status.can_move(**to))
            .map(|s| s.as_str().to_string())
            .collect()
    } else {
        vec![]
    };
    Ok(IssueView {
        history: st::events(db, id).await?,
        can_support: !supported && status.takes_support() && !is_author,
        is_author,
        can_moderate: moderates(actor, &issue.region_path),
        supported,
        photos,
        moves,
        issue,
    })
}

/// Adds the actor's support, once. At the body's threshold the issue goes on the agenda
/// in the same transaction and its author is told.
pub async fn support(db: &Db, actor: &Actor, id: i64) -> AppResult<IssueRow> {
    let i = issue(db, actor, id).await?;
    if !i.status.takes_support() {
        return Err(AppError::Invalid("issue_closed"));
    }
    if i.author_id == actor.id() {
        // Raising it is the author's voice already: support has to come from neighbours.
        return Err(AppError::Invalid("own_issue_support"));
    }
    let at = now_ms();
    let mut tx = db.begin().await?;
    st::insert_support(&mut tx, id, actor.id(), at)
        .await
        .map_err(unique_as("already_supported"))?;
    let (supporters, status) = st::bump_supporters(&mut tx, id).await?;
    if !IssueStatus::parse(&status)?.takes_support() {
        return Err(AppError::Invalid("issue_closed"));
    }
    let reached = i.support_threshold.is_some_and(|t| supporters >= t);
    if reached
        && status == IssueStatus::Raised.as_str()
        && st::transition(
            &mut tx,
            id,
            &[IssueStatus::Raised.as_str()],
            IssueStatus::OnAgenda.as_str(),
            "",
            None,
            at,
        )
        .await?
    {
        notify_on_agenda(&mut tx, &i).await?;
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "issue.support",
            region_id: Some(i.region_id),
            target: format!("issue:{id}"),
            detail: format!("{supporters}"),
        },
    )
    .await?;
    tx.commit().await?;
    issue(db, actor, id).await
}

/// Tells the author, and everyone whose support put it there, that the issue is on the
/// agenda of its body's joint meeting.
async fn notify_on_agenda(tx: &mut Tx, i: &IssueRow) -> AppResult<()> {
    let link = format!("/issues/{}", i.id);
    notify(
        tx,
        NoticeKind::Issue,
        [i.author_id],
        "notice.issue_on_agenda",
        &i.title,
        &link,
    )
    .await?;
    let supporters = st::supporter_ids(tx, i.id).await?;
    notify(
        tx,
        NoticeKind::Issue,
        supporters.into_iter().filter(|u| *u != i.author_id),
        "notice.supported_issue_on_agenda",
        &i.title,
        &link,
    )
    .await
}

/// Moves an issue by hand (administrators of its node): on the agenda, declined with a
/// reason, and on through decided, in action, done.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    id: i64,
    to: &str,
    reason: &str,
) -> AppResult<IssueRow> {
    let i = issue(db, actor, id).await?;
    if !actor.administers(&i.region_path) {
        return Err(AppError::Forbidden);
    }
    let to = IssueStatus::parse(to)?;
    let from = i.status;
    let reason = d::optional_reason(reason)?;
    from.move_to(to, &reason)?;
    let mut tx = db.begin().await?;
    if !st::transition(
        &mut tx,
        id,
        &[from.as_str()],
        to.as_str(),
        &reason,
        Some(actor.id()),
        now_ms(),
    )
    .await?
    {
        return Err(AppError::Conflict("issue_changed_meanwhile"));
    }
    match to {
        IssueStatus::OnAgenda => notify_on_agenda(&mut tx, &i).await?,
        IssueStatus::Declined => {
            notify(
                &mut tx,
                NoticeKind::Issue,
                [i.author_id],
                "notice.issue_declined",
                &i.title,
                &format!("/issues/{id}"),
            )
            .await?
        }
        _ => {}
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "issue.status",
            region_id: Some(i.region_id),
            target: format!("issue:{id}"),
            detail: format!("{} → {}: {reason}", from.as_str(), to.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    issue(db, actor, id).await
}

// ---- the thread ------------------------------------------------------------------------

/// A page of the thread as this viewer sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Thread {
    pub posts: Vec<PostView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A post as everyone sees it: a hidden post's text (and a quote of it) is blanked and
/// only the reason shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PostView {
    #[serde(flatten)]
    pub post: PostRow,
    pub photos: Vec<i64>,
}

fn blank_hidden(mut p: PostRow, moderator: bool) -> PostRow {
    if p.hidden_reason.is_some() {
        p.body.clear();
    }
    if p.quote_hidden_reason.is_some() {
        p.quote_body = Some(String::new());
    }
    if !moderator {
        p.reports = 0;
    }
    p
}

pub async fn thread(db: &Db, actor: &Actor, id: i64, page: Page) -> AppResult<Thread> {
    let i = issue(db, actor, id).await?;
    let moderator = moderates(actor, &i.region_path);
    let rows = st::posts(db, id, page.size, page.offset()).await?;
    let photos: Vec<PhotoRef> = if rows.is_empty() {
        vec![]
    } else {
        st::photos(db, id).await?
    };
    Ok(Thread {
        posts: rows
            .into_iter()
            .map(|p| PostView {
                photos: photos
                    .iter()
                    .filter(|f| f.post_id == Some(p.id))
                    .map(|f| f.file_id)
                    .collect(),
                post: blank_hidden(p, moderator),
            })
            .collect(),
        total: st::count_posts(db, id).await?,
        page: page.number,
        per_page: page.size,
    })
}

/// A new post and the number of posts its thread now holds (to find its page).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Posted {
    pub id: i64,
    pub total: i64,
}

/// Replies in an issue's thread, optionally quoting an earlier post of the same issue.
pub async fn reply(
    db: &Db,
    actor: &Actor,
    id: i64,
    text: &str,
    quote_id: Option<i64>,
    photos: Vec<Photo<'_>>,
) -> AppResult<Posted> {
    let i = issue(db, actor, id).await?;
    let text = d::post_text(text)?;
    if let Some(q) = quote_id
        && st::issue_of_post(db, q).await? != Some(id)
    {
        return Err(AppError::Invalid("quote_not_in_issue"));
    }
    check_photos(&photos)?;
    within_limit(db, actor, Writing::Post).await?;
    let mut tx = db.begin().await?;
    let post = st::insert_post(&mut tx, id, actor.id(), quote_id, &text, now_ms()).await?;
    store_photos(&mut tx, actor, &i, Some(post), &photos).await?;
    tx.commit().await?;
    Ok(Posted {
        id: post,
        total: st::count_posts(db, id).await?,
    })
}

/// A post and its issue, if the actor reads the issue.
async fn post_in_scope(db: &Db, actor: &Actor, post_id: i64) -> AppResult<(PostRow, IssueRow)> {
    let p = st::post(db, post_id)
        .await?
        .ok_or(AppError::NotFound("post_not_found"))?;
    let i = issue(db, actor, p.issue_id).await?;
    Ok((p, i))
}

/// Reports a post to the moderators, once per reader. Returns the issue id.
pub async fn report(db: &Db, actor: &Actor, post_id: i64, reason: &str) -> AppResult<i64> {
    let (p, _) = post_in_scope(db, actor, post_id).await?;
    let reason = d::optional_reason(reason)?;
    let mut tx = db.begin().await?;
    st::insert_report(&mut tx, post_id, actor.id(), &reason, now_ms())
        .await
        .map_err(unique_as("already_reported"))?;
    tx.commit().await?;
    Ok(p.issue_id)
}

/// Hides a post for everyone, with a reason shown in its place (moderators). Returns
/// the issue id.
pub async fn hide(db: &Db, actor: &Actor, post_id: i64, reason: &str) -> AppResult<i64> {
    let (p, i) = post_in_scope(db, actor, post_id).await?;
    if !moderates(actor, &i.region_path) {
        return Err(AppError::Forbidden);
    }
    let reason = d::hide_reason(reason)?;
    let mut tx = db.begin().await?;
    if !st::hide(&mut tx, post_id, &reason, actor.id(), now_ms()).await? {
        return Err(AppError::Conflict("already_hidden"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "issue.hide_post",
            region_id: Some(i.region_id),
            target: format!("post:{post_id}"),
            detail: reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p.issue_id)
}

/// Adds a photo to an issue (its author) or to a post (the post's author), up to
/// `PHOTOS_MAX` each: the API's way to attach photos after creating.
pub async fn add_photo(
    db: &Db,
    actor: &Actor,
    issue_id: i64,
    post_id: Option<i64>,
    photo: Photo<'_>,
) -> AppResult<i64> {
    let i = issue(db, actor, issue_id).await?;
    let author = match post_id {
        Some(p) => {
            let p = st::post(db, p)
                .await?
                .filter(|p| p.issue_id == issue_id)
                .ok_or(AppError::NotFound("post_not_found"))?;
            p.author_id
        }
        None => i.author_id,
    };
    if author != actor.id() {
        return Err(AppError::Forbidden);
    }
    check_photo(&photo)?;
    let mut tx = db.begin().await?;
    if st::count_photos(&mut tx, issue_id, post_id).await? >= PHOTOS_MAX as i64 {
        return Err(AppError::Invalid("too_many_photos"));
    }
    let ids = store_photos(&mut tx, actor, &i, post_id, std::slice::from_ref(&photo)).await?;
    tx.commit().await?;
    ids.first()
        .copied()
        .ok_or(AppError::Internal("photo not stored".into()))
}

/// The post id of a quoted post, for the API and forms: empty means none.
pub fn parse_quote(raw: &str) -> AppResult<Option<i64>> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::Invalid("quote_not_in_issue")),
    }
}

/// A photo of an issue or of one of its posts, for those who read the issue.
pub async fn photo(db: &Db, actor: &Actor, issue_id: i64, file_id: i64) -> AppResult<FileRow> {
    crate::files::issue_photo(db, actor, issue_id, file_id).await
}

/// Looks a node up for the raise form: may the actor raise here, and on behalf?
pub fn raise_rights(actor: &Actor, r: &RegionRow) -> (bool, bool) {
    (may_raise(actor, r), may_speak_for(actor, r))
}

/// The issue a post belongs to, if the actor reads it.
pub async fn issue_of_post(db: &Db, actor: &Actor, post_id: i64) -> AppResult<i64> {
    Ok(post_in_scope(db, actor, post_id).await?.1.id)
}

/// Reported posts still shown in issues at and below a node (moderators only), most
/// reported first, so they need not search the threads.
pub async fn reported(db: &Db, actor: &Actor, region_id: i64) -> AppResult<Vec<ReportedRow>> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    reported_at(db, actor, &region).await
}

/// [`reported`] at a node the caller already read.
pub async fn reported_at(
    db: &Db,
    actor: &Actor,
    region: &RegionRow,
) -> AppResult<Vec<ReportedRow>> {
    if !moderates(actor, &region.path) {
        return Err(AppError::Forbidden);
    }
    let (lo, hi) = region.region_path().subtree_bounds();
    Ok(st::reported_in(db, &lo, &hi, 100).await?)
}

/// Whether the actor moderates the threads of a node.
pub fn moderates_region(actor: &Actor, region: &RegionRow) -> bool {
    moderates(actor, &region.path)
}
