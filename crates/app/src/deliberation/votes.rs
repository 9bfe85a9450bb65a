//! Votes: set-up, electorates, ballots (open or secret), paper entries, proxies and the
//! tally. Exactly one ballot counts per voter — a person `p:ID`, a household `h:ID` or an
//! owner `o:KEY` — because `vote_participation` has that key as its primary key.
//! A secret ballot is stored without voter or time, apart from the participation row.
//! An owners' vote copies its electorate (units, areas, owners) when it opens: an owner
//! of several units casts one ballot carrying all their area, and the count and the
//! paper ballots (numbered per owner) read that copy, not today's register.

use crate::deliberation::bodies::today;
use crate::files::Purpose;
use crate::{Actor, AppError, AppResult, Page};
use linli_domain::accounts::Role;
use linli_domain::deliberation::Unit;
use linli_domain::deliberation::ballots::VoteStatus;
use linli_domain::deliberation::ballots::{
    self as b, BallotError, Choice, Electorate, Method, Tally,
};
use linli_domain::notifications::NoticeKind;
use linli_domain::regions::RegionPath;
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::deliberation::bodies as bodies_st;
use linli_store::deliberation::issues as issues_st;
use linli_store::deliberation::votes::{
    self as st, NewVoteRow, PaperRow, ParticipationRow, ProxyRow, ReasonRow, VoteRow,
};
use linli_store::{Db, Tx, is_unique_violation};

impl From<BallotError> for AppError {
    fn from(e: BallotError) -> Self {
        AppError::Invalid(e.code())
    }
}

/// A vote as its organizer sets it up, still raw.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NewVote {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// majority | two_thirds | consensus | approval | ranked | owners
    pub method: String,
    /// ordinary | major (art. 278 items 6–8), for owners' votes
    #[serde(default)]
    pub matter: Option<String>,
    /// body | residents | households | owners
    pub electorate: String,
    /// The node whose residents, households or owners vote (the body's node for `body`):
    /// the node in the request's path, never taken from the body.
    #[serde(skip)]
    pub region_id: i64,
    pub body_id: Option<i64>,
    pub sitting_id: Option<i64>,
    pub motion_id: Option<i64>,
    pub issue_id: Option<i64>,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub hide_results: bool,
    /// Voters may change an online ballot until the close (open ballots only).
    #[serde(default)]
    pub changeable: bool,
    /// Minutes from now (or from the earlier stage's end) until the vote closes.
    pub minutes_open: i64,
    /// Option labels for approval and ranked votes (yes/no methods have none).
    #[serde(default)]
    pub options: Vec<String>,
    /// A later stage: runs only if the parent vote's winner is `parent_option` (from 0).
    pub parent_id: Option<i64>,
    pub parent_option: Option<i64>,
}

fn bounds(path: &str) -> (String, String) {
    RegionPath::from_stored(path.to_string()).subtree_bounds()
}

fn text(s: &str, max: usize, empty_code: &'static str) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(AppError::Invalid(empty_code));
    }
    if t.chars().count() > max {
        return Err(AppError::Invalid("field_too_long"));
    }
    Ok(t.to_string())
}

/// Who runs votes at a node: its administrators and the owners' committee.
fn manages(actor: &Actor, path: &str) -> bool {
    actor
        .role_over(path, |r| r.administers() || r == Role::OwnersCommittee)
        .is_some()
}

/// Who enters paper ballots and registers proxies: those who run votes, social workers
/// and building representatives (who collect ballots door to door).
fn tells(actor: &Actor, path: &str) -> bool {
    manages(actor, path)
        || actor
            .role_over(path, |r| r == Role::SocialWorker || r == Role::BuildingRep)
            .is_some()
}

/// Sets up a vote and returns its id.
pub async fn create(db: &Db, actor: &Actor, v: NewVote) -> AppResult<i64> {
    let method = Method::parse(&v.method)?;
    let electorate = Electorate::parse(&v.electorate)?;
    let matter = b::parse_matter(v.matter.as_deref().unwrap_or(""))?;
    let title = text(&v.title, 120, "vote_title_required")?;
    if v.description.chars().count() > 4000 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let options: Vec<String> = v
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if options.iter().any(|o| o.chars().count() > 80) {
        return Err(AppError::Invalid("field_too_long"));
    }
    b::check_setup(method, electorate, v.secret, options.len())?;
    if v.secret && v.changeable {
        // Nothing links a secret ballot to its voter, so there is no ballot to replace.
        return Err(AppError::Invalid("secret_ballots_final"));
    }
    if !(1..=60 * 24 * 60).contains(&v.minutes_open) {
        return Err(AppError::Invalid("vote_window"));
    }
    // The node: the body's own for a body vote, else the one given.
    let region_id = if electorate == Electorate::Body {
        let body = v.body_id.ok_or(AppError::Invalid("vote_body_required"))?;
        bodies_st::get(db, body)
            .await?
            .ok_or(AppError::NotFound("body_not_found"))?
            .region_id
    } else {
        v.region_id
    };
    let region = crate::regions::readable(db, actor, region_id).await?;
    let allowed = manages(actor, &region.path)
        || match (electorate, v.body_id) {
            (Electorate::Body, Some(body)) => is_seated(db, body, actor.id()).await?,
            _ => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if let Some(issue) = v.issue_id {
        let issue = issues_st::get(db, issue).await?;
        if !issue.is_some_and(|i| actor.can_read(&i.region_path)) {
            return Err(AppError::NotFound("issue_not_found"));
        }
    }
    let now = now_ms();
    let mut status = VoteStatus::Open;
    if let Some(parent) = v.parent_id {
        let p = st::vote(db, parent)
            .await?
            .ok_or(AppError::NotFound("vote_not_found"))?;
        let parent_method = Method::parse(&p.method)?;
        let n = st::options(db, parent).await?.len() as i64;
        if p.region_id != region.id
            || parent_method.yes_no()
            || !p.status.is_live()
            || !(0..n).contains(&v.parent_option.unwrap_or(-1))
        {
            return Err(AppError::Invalid("vote_bad_stage"));
        }
        status = VoteStatus::Pending;
    }
    let mut tx = db.begin().await?;
    let id = st::insert_vote(
        &mut tx,
        &NewVoteRow {
            region_id: region.id,
            title: &title,
            description: v.description.trim(),
            body_id: v.body_id,
            sitting_id: v.sitting_id,
            motion_id: v.motion_id,
            issue_id: v.issue_id,
            method: method.as_str(),
            matter: b::matter_str(matter),
            electorate: electorate.as_str(),
            electorate_region_id: region.id,
            secret: v.secret,
            hide_results: v.hide_results,
            changeable: v.changeable && !v.secret,
            opens_at: now,
            closes_at: now + v.minutes_open * 60_000,
            status,
            parent_id: v.parent_id,
            parent_option: v.parent_id.and(v.parent_option),
            created_by: actor.id(),
            created_at: now,
        },
    )
    .await?;
    st::insert_options(&mut tx, id, &options).await?;
    if electorate == Electorate::Owners {
        // A later stage copies its electorate again when it opens.
        let (lo, hi) = bounds(&region.path);
        st::snapshot_owners(&mut tx, id, &lo, &hi).await?;
    }
    if status == VoteStatus::Open {
        crate::jobs::schedule_vote(&mut tx, id, now, now + v.minutes_open * 60_000).await?;
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "vote.create",
            region_id: Some(region.id),
            target: format!("vote:{id}"),
            detail: format!("{} · {} · {}", method.as_str(), electorate.as_str(), title),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether a user holds a seat on a body today.
async fn is_seated(db: &Db, body: i64, user: i64) -> AppResult<bool> {
    Ok(bodies_st::seat_on(db, body, user, &today())
        .await?
        .is_some())
}

/// Loads a vote the actor may read, closing it first if its time is up.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<VoteRow> {
    let mut v = st::vote(db, id)
        .await?
        .ok_or(AppError::NotFound("vote_not_found"))?;
    // A body's members (current or former, as for the body's page) read its votes even
    // when their own roles sit lower in the tree (the owners' committee of one compound
    // on the community's joint meeting).
    let member = match v.body_id {
        Some(body) if !actor.can_read(&v.region_path) => {
            linli_store::deliberation::bodies::ever_member(db, body, actor.id()).await?
        }
        _ => false,
    };
    if !actor.can_read(&v.region_path) && !member {
        return Err(AppError::NotFound("vote_not_found"));
    }
    if v.status == VoteStatus::Open && v.closes_at <= now_ms() {
        finish(db, id, None).await?;
        v = st::vote(db, id)
            .await?
            .ok_or(AppError::NotFound("vote_not_found"))?;
    }
    Ok(v)
}

/// One way the actor may take part: as themselves, their household, their units, or as
/// a proxy for an owner.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Voice {
    /// self | household | units | proxy
    pub kind: String,
    pub keys: Vec<String>,
    /// The owner's units (with the owner's name, for a proxy), for owners' votes.
    pub label: String,
    /// The owner's area in hundredths of m² and ballot number, for owners' votes.
    pub area: i64,
    pub ballot: String,
    pub proxy_id: Option<i64>,
    /// Who already voted for these keys (the household member, the proxy…), if anyone.
    pub voted: Vec<ParticipationRow>,
    /// What was voted, in its stored form, once voted on an open (not secret) ballot.
    pub choice: Option<String>,
}

impl Voice {
    pub fn done(&self) -> bool {
        self.voted.len() >= self.keys.len()
    }
}

impl Voice {
    /// A voice with nothing voted yet, and no owner's label, area or ballot number.
    fn new(kind: &str, key: String) -> Self {
        Voice {
            kind: kind.into(),
            keys: vec![key],
            label: String::new(),
            area: 0,
            ballot: String::new(),
            proxy_id: None,
            voted: vec![],
            choice: None,
        }
    }
}

/// The voices the actor has in a vote (empty if outside its electorate).
pub async fn voices(db: &Db, actor: &Actor, v: &VoteRow) -> AppResult<Vec<Voice>> {
    let (lo, hi) = bounds(&v.electorate_path);
    let me = actor.id();
    let mut out: Vec<Voice> = Vec::new();
    match Electorate::parse(&v.electorate)? {
        Electorate::Body => {
            if let Some(body) = v.body_id
                && is_seated(db, body, me).await?
            {
                out.push(Voice::new("self", format!("p:{me}")));
            }
        }
        Electorate::Residents => {
            if let Some((_, path)) = st::home_of(db, me).await?
                && path.as_str() >= lo.as_str()
                && path.as_str() < hi.as_str()
            {
                out.push(Voice::new("self", format!("p:{me}")));
            }
        }
        Electorate::Households => {
            if let Some((household, path)) = st::home_of(db, me).await?
                && path.as_str() >= lo.as_str()
                && path.as_str() < hi.as_str()
            {
                out.push(Voice::new("household", format!("h:{household}")));
            }
        }
        Electorate::Owners => {
            for o in st::owners_of_user(db, v.id, me).await? {
                out.push(Voice {
                    label: o.unit_labels.clone(),
                    area: o.area,
                    ballot: b::ballot_code(o.ballot_no),
                    ..Voice::new("units", owner_key(&o))
                });
            }
            for p in st::proxies_held(db, v.id, me).await? {
                out.push(Voice {
                    label: format!("{} · {}", p.owner_name, p.unit_label),
                    area: p.area,
                    ballot: b::ballot_code(p.ballot_no),
                    proxy_id: Some(p.id),
                    ..Voice::new("proxy", p.voter_key.clone())
                });
            }
        }
    }
    let keys: Vec<String> = out.iter().flat_map(|v| v.keys.clone()).collect();
    let voted = st::participation_of(db, v.id, &keys).await?;
    for voice in &mut out {
        voice.voted = voted
            .iter()
            .filter(|p| voice.keys.contains(&p.voter_key))
            .cloned()
            .map(|mut p| {
                // Who cast a secret ballot for the household is nobody else's business.
                if v.secret && voice.kind == "household" {
                    p.cast_by_name = None;
                }
                p
            })
            .collect();
    }
    if !v.secret && !voted.is_empty() {
        let done: Vec<String> = voted.iter().map(|p| p.voter_key.clone()).collect();
        let choices = st::open_choices(db, v.id, &done).await?;
        for voice in &mut out {
            voice.choice = choices
                .iter()
                .find(|(k, _)| voice.keys.contains(k))
                .map(|(_, c)| c.clone());
        }
    }
    Ok(out)
}

/// The voter key of an owner in an owners' vote.
fn owner_key(o: &st::VoteOwnerRow) -> String {
    format!("o:{}", o.owner_key)
}

/// A ballot as the voter sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct BallotInput {
    /// `yes` / `no` / `abstain`, or option numbers from 1 separated by commas (ranked:
    /// in order of preference).
    pub choice: String,
    #[serde(default)]
    pub reason: String,
    /// Cast as the proxy registered with this id (owners' votes).
    pub proxy_id: Option<i64>,
}

/// A ballot checked as far as it can be without casting it: the vote, the choice read
/// against its options, and the voice it is cast with.
pub struct BallotPreview {
    pub vote: VoteRow,
    pub options: Vec<String>,
    pub choice: Choice,
    pub reason: String,
    pub voice: Voice,
}

/// Checks a ballot for the confirmation step: refuses it with the same words as
/// [`cast`] would (a closed vote, a bad choice, no voice, already voted), writes nothing.
pub async fn preview(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    input: &BallotInput,
) -> AppResult<BallotPreview> {
    let p = prepare(db, actor, vote_id, input).await?;
    takes_ballots(p.vote.status, p.vote.opens_at, p.vote.closes_at)?;
    if p.voice.done() && !may_change(&p.vote, input) {
        return Err(already_voted(&p.voice));
    }
    Ok(p)
}

/// Whether a ballot cast again replaces the first: the vote's creator allowed it, the
/// ballots are open (named), and it is cast online by the voter themself.
fn may_change(v: &VoteRow, input: &BallotInput) -> bool {
    v.changeable && !v.secret && v.sitting_id.is_none() && input.proxy_id.is_none()
}

/// What casting did: the ballot ids, which are a secret ballot's receipts (the voter can
/// check each is in the count), and whether it replaced an earlier ballot.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Cast {
    /// One per voice key; shown to the voter of a secret ballot as their receipt, never
    /// stored with who they are.
    pub receipts: Vec<String>,
    pub changed: bool,
    /// The vote as it was read for the ballot.
    #[serde(skip)]
    pub vote: VoteRow,
}

/// Refuses a ballot unless a vote in `status` takes ballots now (its window is open).
fn takes_ballots(status: VoteStatus, opens_at: i64, closes_at: i64) -> AppResult<()> {
    let now = now_ms();
    match status {
        VoteStatus::Open if now >= opens_at && now < closes_at => Ok(()),
        VoteStatus::Pending => Err(AppError::Invalid("vote_not_open_yet")),
        _ => Err(AppError::Invalid("vote_closed")),
    }
}

/// The refusal of a second ballot for a voice, in its own words.
fn already_voted(voice: &Voice) -> AppError {
    AppError::Conflict(if voice.kind == "household" {
        "household_already_voted"
    } else {
        "already_voted"
    })
}

async fn prepare(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    input: &BallotInput,
) -> AppResult<BallotPreview> {
    let v = get(db, actor, vote_id).await?;
    let method = Method::parse(&v.method)?;
    let options = st::options(db, vote_id).await?;
    let choice = Choice::parse(method, options.len(), &input.choice)?;
    let reason = input.reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let voice = voices(db, actor, &v)
        .await?
        .into_iter()
        .find(|x| x.proxy_id == input.proxy_id)
        .ok_or(AppError::Forbidden)?;
    Ok(BallotPreview {
        vote: v,
        options,
        choice,
        reason: reason.to_string(),
        voice,
    })
}

/// Casts the actor's ballot (or their household's, units', or a proxied owner's).
pub async fn cast(db: &Db, actor: &Actor, vote_id: i64, input: &BallotInput) -> AppResult<Cast> {
    let BallotPreview {
        vote: v,
        choice,
        reason,
        voice,
        ..
    } = prepare(db, actor, vote_id, input).await?;
    let reason = reason.as_str();
    let channel = if input.proxy_id.is_some() {
        "proxy"
    } else if v.sitting_id.is_some() {
        "room"
    } else {
        "online"
    };
    let stored = choice.stored();
    let mut tx = db.begin().await?;
    open_for_ballots(&mut tx, vote_id).await?;
    let now = now_ms();
    let (mut receipts, mut changed) = (vec![], false);
    for key in &voice.keys {
        if !st::insert_participation(&mut tx, vote_id, key, Some(actor.id()), channel, now).await? {
            if may_change(&v, input)
                && st::replace_ballot(&mut tx, vote_id, key, &stored, reason, now).await?
            {
                changed = true;
                continue;
            }
            return Err(already_voted(&voice));
        }
        let voter = (!v.secret).then_some(key.as_str());
        let id = ballot_id();
        st::insert_ballot(&mut tx, &id, vote_id, voter, &stored, reason).await?;
        receipts.push(id);
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "vote.ballot",
            region_id: Some(v.region_id),
            target: format!("vote:{vote_id}"),
            detail: format!(
                "{channel} · {}{}",
                voice.keys.len(),
                if changed { " · changed" } else { "" }
            ),
        },
    )
    .await?;
    tx.commit().await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("already_voted")
        } else {
            e.into()
        }
    })?;
    Ok(Cast {
        receipts,
        changed,
        vote: v,
    })
}

/// Refuses a ballot unless the vote is open now; holds the vote against a concurrent close.
async fn open_for_ballots(tx: &mut Tx, vote_id: i64) -> AppResult<()> {
    let (status, opens_at, closes_at) = st::status_for_ballot(tx, vote_id)
        .await?
        .ok_or(AppError::NotFound("vote_not_found"))?;
    takes_ballots(status, opens_at, closes_at)
}

/// A random id for a ballot row, so rows say nothing about the order they were cast in
/// (public for the load fillers, which write ballots in bulk).
pub fn ballot_id() -> String {
    crate::tokens::random_token()[..32].to_string()
}

/// Whether the actor may close a vote and see who enters paper ballots.
pub fn can_manage(actor: &Actor, v: &VoteRow) -> bool {
    v.created_by == actor.id() || manages(actor, &v.region_path)
}

pub fn can_tell(actor: &Actor, v: &VoteRow) -> bool {
    tells(actor, &v.region_path)
}

/// Where a secret ballot's receipt stands: not found, received (the vote is still open),
/// or counted (closed). Says nothing of what the ballot says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Receipt {
    NotFound,
    Received,
    Counted,
}

pub async fn check_receipt(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    code: &str,
) -> AppResult<(VoteRow, Receipt)> {
    let v = get(db, actor, vote_id).await?;
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::Invalid("receipt_code_bad"));
    }
    let r = if !st::ballot_stored(db, vote_id, &code).await? {
        Receipt::NotFound
    } else if v.status == VoteStatus::Closed {
        Receipt::Counted
    } else {
        Receipt::Received
    };
    Ok((v, r))
}

/// Closes a vote now (its organizer or an administrator).
pub async fn close(db: &Db, actor: &Actor, vote_id: i64) -> AppResult<()> {
    let v = get(db, actor, vote_id).await?;
    if !can_manage(actor, &v) {
        return Err(AppError::Forbidden);
    }
    if v.status != VoteStatus::Open {
        return Err(AppError::Invalid("vote_closed"));
    }
    finish(db, vote_id, Some(actor.id())).await
}

/// Closes every open vote whose time is up (run periodically by the server).
pub async fn close_due(db: &Db) -> AppResult<usize> {
    let due = st::due_to_close(db, now_ms(), 100).await?;
    for id in &due {
        finish(db, *id, None).await?;
    }
    Ok(due.len())
}

/// Closes vote `id` if its time is up (the `vote.close` job). `Some(at)` when it is open
/// and closes later (its window moved); nothing to do when it is already closed.
pub async fn close_when_due(db: &Db, id: i64) -> AppResult<Option<i64>> {
    let Some(v) = st::vote(db, id).await? else {
        return Ok(None);
    };
    if v.status != VoteStatus::Open {
        return Ok(None);
    }
    if v.closes_at > now_ms() {
        return Ok(Some(v.closes_at));
    }
    finish(db, id, None).await?;
    Ok(None)
}

/// Tells vote `id`'s electorate that it opened, or (`closing`) reminds those who have not
/// voted that it closes soon. Nothing once the vote is no longer open.
pub async fn notify_electorate(db: &Db, id: i64, closing: bool) -> AppResult<()> {
    let Some(v) = st::vote(db, id).await? else {
        return Ok(());
    };
    if v.status != VoteStatus::Open {
        return Ok(());
    }
    let (lo, hi) = bounds(&v.electorate_path);
    let users = st::electorate_users(
        db,
        id,
        &v.electorate,
        v.body_id,
        &lo,
        &hi,
        &today(),
        closing,
    )
    .await?;
    let (kind, key) = if closing {
        (NoticeKind::VoteClosing, "notice.vote_closing")
    } else {
        (NoticeKind::VoteOpened, "notice.vote_opened")
    };
    let mut tx = db.begin().await?;
    crate::notifications::notify(&mut tx, kind, users, key, &v.title, &format!("/votes/{id}"))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Counts a vote from its stored ballots inside `tx`.
async fn count(tx: &mut Tx, v: &VoteRow, options: usize) -> AppResult<Tally> {
    let method = Method::parse(&v.method)?;
    let matter = b::parse_matter(&v.matter)?;
    let ballots = st::ballots(tx, v.id).await?;
    let units = if method == Method::Owners {
        st::units(tx, v.id)
            .await?
            .into_iter()
            .map(|u| Unit {
                unit_id: u.household_id,
                area: u.area,
                owner_key: u.owner_key,
                developer: u.developer,
            })
            .collect()
    } else {
        vec![]
    };
    Ok(b::tally(method, matter, options, &ballots, &units))
}

/// Recounts a vote from the stored ballots in one snapshot (what `linli tally` prints).
pub async fn recount(db: &Db, vote_id: i64) -> AppResult<(VoteRow, Vec<String>, Tally)> {
    let v = st::vote(db, vote_id)
        .await?
        .ok_or(AppError::NotFound("vote_not_found"))?;
    let options = st::options(db, vote_id).await?;
    let mut tx = db.begin_read().await?;
    let t = count(&mut tx, &v, options.len()).await?;
    tx.commit().await?;
    Ok((v, options, t))
}

/// The stored result of a closed vote.
pub fn stored_tally(v: &VoteRow) -> Option<Tally> {
    serde_json::from_str(&v.result).ok()
}

/// Closes a vote with its tally, starts the stage that follows the winner, and settles
/// the motion and the issue it decided. Does nothing if it was closed meanwhile.
pub async fn finish(db: &Db, vote_id: i64, by: Option<i64>) -> AppResult<()> {
    let v = st::vote(db, vote_id)
        .await?
        .ok_or(AppError::NotFound("vote_not_found"))?;
    let options = st::options(db, vote_id).await?;
    let mut tx = db.begin().await?;
    let t = count(&mut tx, &v, options.len()).await?;
    let winner = t.winner.map(|w| w as i64);
    let now = now_ms();
    let json = serde_json::to_string(&t).map_err(|e| AppError::Internal(e.to_string()))?;
    if !st::close(&mut tx, vote_id, &json, winner, t.passed, now).await? {
        return Ok(());
    }
    // The issue is decided by the last stage: none follows if no stage opened here.
    let opened = st::start_stages(&mut tx, vote_id, winner, now).await?;
    let (lo, hi) = bounds(&v.electorate_path);
    for (stage, closes_at, electorate) in &opened {
        if electorate == Electorate::Owners.as_str() {
            // An owners' stage counts the owners as they stand when it opens.
            st::snapshot_owners(&mut tx, *stage, &lo, &hi).await?;
        }
        crate::jobs::schedule_vote(&mut tx, *stage, now, *closes_at).await?;
    }
    let next_stage = !opened.is_empty();
    // An amendment changes its motion's text; only the motion itself decides the issue.
    let amendment = match v.motion_id {
        Some(m) => st::settle_motion(&mut tx, m, t.passed).await?,
        None => false,
    };
    if let Some(issue) = v.issue_id
        && !next_stage
        && !amendment
    {
        let before = ["raised", "on_agenda"];
        if t.passed {
            let decision = match winner {
                Some(w) => format!("{}（{}）", options[w as usize], v.title),
                None => v.title.clone(),
            };
            if issues_st::transition(&mut tx, issue, &before, "decided", "", by, now).await? {
                st::set_decision(&mut tx, issue, &decision).await?;
                crate::deliberation::issues::reindex(&mut tx, issue).await?;
            }
        } else if Method::parse(&v.method)?.yes_no() {
            let reason = format!("表决未通过（{}）", v.title);
            issues_st::transition(&mut tx, issue, &before, "declined", &reason, by, now).await?;
        }
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: by,
            action: "vote.close",
            region_id: Some(v.region_id),
            target: format!("vote:{vote_id}"),
            detail: format!("{} · {}", t.cast, if t.passed { "✓" } else { "✗" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything a vote's page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VoteView {
    pub vote: VoteRow,
    pub options: Vec<String>,
    /// The result (closed) or the live count (open, unless hidden until the close).
    #[schema(value_type = Option<Object>)]
    pub tally: Option<Tally>,
    /// How many may vote (owners for an owners' vote, as it opened).
    pub electorate_size: i64,
    pub voices: Vec<Voice>,
    pub reasons: Vec<ReasonRow>,
    pub parent: Option<VoteRow>,
    pub stages: Vec<VoteRow>,
    pub can_manage: bool,
    pub can_tell: bool,
}

pub async fn view(db: &Db, actor: &Actor, vote_id: i64) -> AppResult<VoteView> {
    let v = get(db, actor, vote_id).await?;
    let options = st::options(db, vote_id).await?;
    let tally = live_tally(db, &v, options.len()).await?;
    let (lo, hi) = bounds(&v.electorate_path);
    let electorate_size =
        st::electorate_size(db, vote_id, &v.electorate, v.body_id, &lo, &hi, &today()).await?;
    let reasons = if tally.is_some() {
        st::reasons(db, vote_id, 200).await?
    } else {
        vec![]
    };
    let parent = match v.parent_id {
        Some(p) => st::vote(db, p).await?,
        None => None,
    };
    Ok(VoteView {
        voices: voices(db, actor, &v).await?,
        stages: st::children(db, vote_id).await?,
        can_manage: can_manage(actor, &v),
        can_tell: can_tell(actor, &v),
        vote: v,
        options,
        tally,
        electorate_size,
        reasons,
        parent,
    })
}

/// The tally a reader may see now: the stored result once closed; the live count while
/// open unless results are hidden until the close.
pub async fn live_tally(db: &Db, v: &VoteRow, options: usize) -> AppResult<Option<Tally>> {
    Ok(match v.status {
        VoteStatus::Closed => stored_tally(v),
        VoteStatus::Open if !v.hide_results => {
            let mut tx = db.begin_read().await?;
            let t = count(&mut tx, v, options).await?;
            tx.commit().await?;
            Some(t)
        }
        _ => None,
    })
}

/// Votes at and below a node, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    region_id: i64,
    page: Page,
) -> AppResult<(linli_store::regions::RegionRow, Vec<VoteRow>, bool)> {
    let region = crate::regions::readable(db, actor, region_id).await?;
    let (lo, hi) = bounds(&region.path);
    let votes = st::votes_in(db, &lo, &hi, page.size, page.offset()).await?;
    let manages = manages(actor, &region.path);
    Ok((region, votes, manages))
}

/// What the vote form offers to pick from at a node, so nobody types an internal number:
/// the bodies at and below it, and its issues still open to a decision.
#[derive(Debug, Clone, Default)]
pub struct VotePicks {
    pub bodies: Vec<bodies_st::BodyRow>,
    pub issues: Vec<issues_st::IssueRow>,
}

/// The picks for the vote form at the node `path` (read by those who run votes there).
pub async fn picks(db: &Db, path: &str) -> AppResult<VotePicks> {
    let (lo, hi) = bounds(path);
    let bodies = bodies_st::in_subtree(db, &lo, &hi, 100, 0).await?;
    let issues = issues_st::list_in(db, &lo, &hi, None, 100, 0)
        .await?
        .into_iter()
        .filter(|i| {
            matches!(
                i.status,
                linli_domain::deliberation::issues::IssueStatus::Raised
                    | linli_domain::deliberation::issues::IssueStatus::OnAgenda
            )
        })
        .collect();
    Ok(VotePicks { bodies, issues })
}

// ---- paper ballots and proxies ---------------------------------------------------------

/// What became of a paper ballot after an entry.
pub use linli_domain::deliberation::ballots::PaperStatus as PaperOutcome;

/// A teller's entry of a paper ballot.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PaperInput {
    /// The number printed on the paper ballot: for an owners' vote the owner's ballot
    /// number with its check digit (`0007-5`), which says whose ballot it is.
    pub paper_no: String,
    /// For a households' vote: the household the ballot is for, as printed on it.
    #[serde(default)]
    pub household_id: Option<i64>,
    pub choice: String,
}

/// The owner a printed ballot number belongs to in an owners' vote; refuses a number with
/// a wrong check digit or one no owner has.
pub async fn owner_by_ballot(db: &Db, v: &VoteRow, raw: &str) -> AppResult<st::VoteOwnerRow> {
    let no = b::parse_ballot_code(raw)?;
    st::owner_by_ballot(db, v.id, no)
        .await?
        .ok_or(AppError::Invalid("ballot_no_unknown"))
}

/// The paper number as stored and the voter key a paper ballot is for.
async fn paper_key(db: &Db, v: &VoteRow, input: &PaperInput) -> AppResult<(String, String)> {
    match v.electorate.as_str() {
        "owners" => {
            let o = owner_by_ballot(db, v, &input.paper_no).await?;
            Ok((b::ballot_code(o.ballot_no), owner_key(&o)))
        }
        "households" => {
            let paper_no = text(&input.paper_no, 40, "paper_no_required")?;
            let household = input.household_id.unwrap_or(0);
            let (lo, hi) = bounds(&v.electorate_path);
            if !st::household_in(db, household, &lo, &hi).await? {
                return Err(AppError::Invalid("paper_unit_outside"));
            }
            Ok((paper_no, format!("h:{household}")))
        }
        _ => Err(AppError::Invalid("paper_not_for_this_vote")),
    }
}

/// Enters a paper ballot: the first entry waits, the second (by another teller) counts it
/// if both agree on the unit and the choice.
pub async fn enter_paper(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    input: &PaperInput,
) -> AppResult<PaperOutcome> {
    let v = get(db, actor, vote_id).await?;
    if !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    let (paper_no, key) = paper_key(db, &v, input).await?;
    let method = Method::parse(&v.method)?;
    let n_options = st::options(db, vote_id).await?.len();
    let choice = Choice::parse(method, n_options, &input.choice)?.stored();
    let mut tx = db.begin().await?;
    open_for_ballots(&mut tx, vote_id).await?;
    let existing = st::entries(&mut tx, vote_id, &paper_no).await?;
    let now = now_ms();
    let entry = |n: i64| st::NewEntry {
        vote_id,
        paper_no: &paper_no,
        entry: n,
        teller_id: actor.id(),
        voter_key: &key,
        choice: &choice,
        at: now,
    };
    let outcome = match existing.as_slice() {
        [] => {
            st::insert_entry(&mut tx, &entry(1)).await?;
            PaperOutcome::Waiting
        }
        [first] => {
            if first.teller_id == actor.id() {
                return Err(AppError::Invalid("paper_same_teller"));
            }
            if !st::insert_entry(&mut tx, &entry(2)).await? {
                return Err(AppError::Conflict("paper_already_entered"));
            }
            let outcome = if first.voter_key != key || first.choice != choice {
                PaperOutcome::Mismatch
            } else if st::insert_participation(&mut tx, vote_id, &key, None, "paper", now).await? {
                let voter = (!v.secret).then_some(key.as_str());
                st::insert_ballot(&mut tx, &ballot_id(), vote_id, voter, &choice, "").await?;
                PaperOutcome::Counted
            } else {
                PaperOutcome::Duplicate
            };
            st::set_paper_outcome(&mut tx, vote_id, &paper_no, &key, outcome, now).await?;
            outcome
        }
        _ => return Err(AppError::Conflict("paper_already_entered")),
    };
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "vote.paper",
            region_id: Some(v.region_id),
            target: format!("vote:{vote_id}"),
            detail: format!("{paper_no} · {}", outcome.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Clears both entries of a paper ballot whose entries disagreed, so it can be entered
/// again.
pub async fn reenter_paper(db: &Db, actor: &Actor, vote_id: i64, paper_no: &str) -> AppResult<()> {
    let v = get(db, actor, vote_id).await?;
    if !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    // An owners' ballot number is stored as printed, whichever way it was typed.
    let normalized;
    let paper_no = if v.electorate == "owners" {
        normalized = b::ballot_code(b::parse_ballot_code(paper_no)?);
        normalized.as_str()
    } else {
        paper_no.trim()
    };
    let mut tx = db.begin().await?;
    let entries = st::entries(&mut tx, vote_id, paper_no).await?;
    let mismatch = matches!(entries.as_slice(), [a, b2] if a.voter_key != b2.voter_key || a.choice != b2.choice);
    if !mismatch {
        return Err(AppError::Invalid("paper_not_mismatched"));
    }
    st::delete_entries(&mut tx, vote_id, paper_no).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "vote.paper_reenter",
            region_id: Some(v.region_id),
            target: format!("vote:{vote_id}"),
            detail: paper_no.to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn papers(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    page: Page,
) -> AppResult<(VoteRow, Vec<PaperRow>)> {
    let v = get(db, actor, vote_id).await?;
    if !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    let rows = st::papers(db, vote_id, page.size, page.offset()).await?;
    Ok((v, rows))
}

/// A written proxy (委托书) as the teller or the owner registers it: for the owner whose
/// printed ballot number is `ballot_no` (or, through the API, the owner of a unit).
pub struct ProxyInput<'a> {
    pub ballot_no: &'a str,
    pub household_id: Option<i64>,
    pub proxy_phone: &'a str,
    pub filename: &'a str,
    pub mime: &'a str,
    pub data: &'a [u8],
}

/// Registers a proxy for an owner's unit, with the scanned document.
pub async fn add_proxy(db: &Db, actor: &Actor, vote_id: i64, p: ProxyInput<'_>) -> AppResult<()> {
    let v = get(db, actor, vote_id).await?;
    if v.electorate != "owners" {
        return Err(AppError::Invalid("proxy_owners_only"));
    }
    if !v.status.is_live() {
        return Err(AppError::Invalid("vote_closed"));
    }
    let owner = match p.household_id {
        Some(h) if p.ballot_no.trim().is_empty() => st::owner_of_unit(db, vote_id, h)
            .await?
            .ok_or(AppError::Invalid("paper_unit_outside"))?,
        _ => owner_by_ballot(db, &v, p.ballot_no).await?,
    };
    let own = owner.user_id == Some(actor.id());
    if !own && !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    let proxy = linli_store::accounts::user_by_phone(db, p.proxy_phone.trim())
        .await?
        .ok_or(AppError::Invalid("proxy_unknown_phone"))?;
    crate::files::check(Purpose::Letter, p.mime, p.data)?;
    let key = owner_key(&owner);
    let now = now_ms();
    let mut tx = db.begin().await?;
    let file = crate::files::store_file(
        &mut tx,
        actor.id(),
        Purpose::Letter,
        v.region_id,
        p.filename,
        p.mime,
        p.data,
    )
    .await?;
    if !st::insert_proxy(&mut tx, vote_id, &key, proxy.id, file, actor.id(), now).await? {
        return Err(AppError::Conflict("proxy_exists"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "vote.proxy",
            region_id: Some(v.region_id),
            target: format!("vote:{vote_id}"),
            detail: format!("{key} → user:{}", proxy.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn proxies(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    page: Page,
) -> AppResult<(VoteRow, Vec<ProxyRow>)> {
    let v = get(db, actor, vote_id).await?;
    if !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    let rows = st::proxies(db, vote_id, page.size, page.offset()).await?;
    Ok((v, rows))
}

/// The scanned proxy document, for tellers and the proxy.
pub async fn proxy_scan(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    proxy_id: i64,
) -> AppResult<(String, Vec<u8>)> {
    let v = get(db, actor, vote_id).await?;
    let (pv, proxy_user, file) = st::proxy(db, proxy_id)
        .await?
        .ok_or(AppError::NotFound("proxy_not_found"))?;
    if pv != vote_id || !(can_tell(actor, &v) || proxy_user == actor.id()) {
        return Err(AppError::NotFound("proxy_not_found"));
    }
    st::file(db, file)
        .await?
        .ok_or(AppError::NotFound("proxy_not_found"))
}

// ---- the owners of an owners' vote and their paper ballots ---------------------------------

/// The owners of an owners' vote, as it opened, by ballot number from `after` on: the
/// roll a teller finds a lost ballot's number in. Owners' names are for those who count
/// the vote; the read is logged.
pub async fn owner_roll(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
    after: i64,
    limit: i64,
) -> AppResult<(VoteRow, Vec<st::VoteOwnerRow>)> {
    let v = owners_vote_for_teller(db, actor, vote_id).await?;
    let rows = st::owners_page(db, vote_id, after.max(0), limit.clamp(1, 500)).await?;
    log_owner_read(db, actor, &v, rows.len()).await?;
    Ok((v, rows))
}

/// An owners' vote the actor counts (enters paper ballots, registers proxies).
async fn owners_vote_for_teller(db: &Db, actor: &Actor, vote_id: i64) -> AppResult<VoteRow> {
    let v = get(db, actor, vote_id).await?;
    if v.electorate != "owners" {
        return Err(AppError::Invalid("proxy_owners_only"));
    }
    if !can_tell(actor, &v) {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

async fn log_owner_read(db: &Db, actor: &Actor, v: &VoteRow, n: usize) -> AppResult<()> {
    audit::record_now(
        db,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "pii.read",
            region_id: Some(v.region_id),
            target: format!("vote:{}", v.id),
            detail: format!("{n} owners"),
        },
    )
    .await?;
    Ok(())
}

/// Most paper ballots printed at once (one vote's owners).
pub const PAPER_BALLOTS_MAX: usize = 20_000;

/// Everything the paper ballots of an owners' vote print: the vote, its options and
/// every owner (name, units, area, ballot number), for those who count the vote.
pub async fn paper_ballots(
    db: &Db,
    actor: &Actor,
    vote_id: i64,
) -> AppResult<(VoteRow, Vec<st::VoteOwnerRow>)> {
    let v = owners_vote_for_teller(db, actor, vote_id).await?;
    let mut all: Vec<st::VoteOwnerRow> = Vec::new();
    loop {
        let after = all.last().map_or(0, |o| o.ballot_no);
        let page = st::owners_page(db, vote_id, after, 1000).await?;
        let done = page.len() < 1000;
        all.extend(page);
        if done || all.len() >= PAPER_BALLOTS_MAX {
            break;
        }
    }
    all.truncate(PAPER_BALLOTS_MAX);
    log_owner_read(db, actor, &v, all.len()).await?;
    Ok((v, all))
}
