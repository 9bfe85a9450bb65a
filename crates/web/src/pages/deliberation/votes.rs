//! Vote pages: the votes of a node with the form to set one up, a vote with its ballot
//! form (or the household's "already voted"), the result with its arithmetic (art. 278's
//! four figures for owners' votes), the live tally fragment, later stages, paper entry by
//! two tellers, and written proxies.

use crate::ctx::{Ctx, Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path, Query};
use crate::pages::{PageQuery, Pager};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linli_app::Page;
use linli_app::deliberation::votes::{
    self as app, BallotInput, NewVote, PaperInput, PaperOutcome, ProxyInput, Receipt, VoteView,
};
use linli_domain::deliberation::ballots::{Choice, Method, Tally};
use linli_domain::deliberation::ballots::{PaperStatus, VoteStatus};
use linli_store::deliberation::votes::{PaperRow, ProxyRow, VoteRow};
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{id}/votes", get(list_page).post(create))
        .route("/votes/{id}", get(vote_page))
        .route("/votes/{id}/tally", get(tally_fragment))
        .route("/votes/{id}/ballot", post(cast))
        .route("/votes/{id}/receipt", get(receipt))
        .route("/votes/{id}/close", post(close))
        .route("/votes/{id}/stages", post(add_stage))
        .route("/votes/{id}/paper", get(paper_page).post(enter_paper))
        .route("/votes/{id}/paper/reenter", post(reenter))
        .route("/votes/{id}/owners", get(owners_page))
        .route("/votes/{id}/ballots.pdf", get(ballots_pdf))
        .route(
            "/votes/{id}/proxies",
            get(proxies_page)
                .post(add_proxy)
                .layer(DefaultBodyLimit::max(
                    linli_app::money::VOUCHER_MAX_BYTES + 64 * 1024,
                )),
        )
        .route("/votes/{id}/proxies/{pid}/scan", get(proxy_scan))
}

/// One bar of a result chart.
pub struct Bar {
    pub label: String,
    /// The value as the page prints it (a count, or owners / area with the share).
    pub shown: String,
    /// Bar length, 0–200 (half of it is the percentage of the widest bar's track).
    pub width: u64,
    pub winner: bool,
}

/// One of art. 278's four figures against its bound.
pub struct Figure {
    pub key: &'static str,
    pub part: String,
    pub whole: String,
    pub percent: String,
    pub bound: &'static str,
    pub ok: bool,
}

/// A tally laid out for the page.
pub struct ResultView {
    pub cast: u64,
    pub passed: bool,
    pub bars: Vec<Bar>,
    pub tied: Vec<String>,
    /// Runoff rounds: for each round, the count of each option.
    pub rounds: Vec<Vec<u64>>,
    pub winner: Option<String>,
    pub figures: Vec<Figure>,
    pub valid: Option<bool>,
    /// Owners' votes: how the owners and the area divided, each bar a share of the whole
    /// electorate (those who did not take part last).
    pub owner_bars: Vec<Bar>,
    pub area_bars: Vec<Bar>,
}

fn area(hundredths: i64) -> String {
    format!("{}.{:02} m²", hundredths / 100, hundredths % 100)
}

fn percent(part: i128, whole: i128) -> String {
    if whole == 0 {
        return "—".into();
    }
    let bp = part * 10_000 / whole;
    format!("{}.{:02}%", bp / 100, bp % 100)
}

fn result_view(l: &Layout, t: &Tally, options: &[String]) -> ResultView {
    let mut bars: Vec<(String, u64, bool)> = Vec::new();
    // An owners' vote is read in owners and area, never in ballots: a bar of ballots can
    // look like a pass while art. 278 says otherwise.
    if let (Some(yn), None) = (&t.yes_no, &t.art278) {
        bars.push((l.t("ballot.yes").into(), yn.yes, false));
        bars.push((l.t("ballot.no").into(), yn.no, false));
        bars.push((l.t("ballot.abstain").into(), yn.abstain, false));
    }
    if let Some(a) = &t.approvals {
        for (i, n) in a.iter().enumerate() {
            bars.push((options[i].clone(), *n, t.winner == Some(i)));
        }
    }
    if let Some(first) = t.runoff.as_ref().and_then(|r| r.rounds.first()) {
        for (i, n) in first.iter().enumerate() {
            bars.push((options[i].clone(), *n, t.winner == Some(i)));
        }
    }
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = bars
        .into_iter()
        .map(|(label, value, winner)| Bar {
            shown: value.to_string(),
            label,
            width: value * 200 / max,
            winner,
        })
        .collect();
    let (mut owner_bars, mut area_bars) = (Vec::new(), Vec::new());
    if let (Some(a), Some(sp)) = (&t.art278, &t.owners_split) {
        let words = [
            l.t("ballot.yes"),
            l.t("ballot.no"),
            l.t("ballot.abstain"),
            l.t("art278.absent"),
        ];
        let owners = [
            sp.yes_owners,
            sp.no_owners,
            sp.abstain_owners,
            a.total_owners.saturating_sub(a.voting_owners),
        ];
        let areas = [
            sp.yes_area,
            sp.no_area,
            sp.abstain_area,
            (a.total_area - a.voting_area).max(0),
        ];
        let whole_o = a.total_owners.max(1);
        let whole_a = a.total_area.max(1);
        for i in 0..4 {
            owner_bars.push(Bar {
                label: words[i].to_string(),
                shown: format!(
                    "{} · {}",
                    l.tf("art278.n_owners", &[&owners[i].to_string()]),
                    percent(owners[i] as i128, a.total_owners as i128)
                ),
                width: owners[i] * 200 / whole_o,
                winner: false,
            });
            area_bars.push(Bar {
                label: words[i].to_string(),
                shown: format!(
                    "{} · {}",
                    area(areas[i]),
                    percent(areas[i] as i128, a.total_area as i128)
                ),
                width: (areas[i].max(0) * 200 / whole_a) as u64,
                winner: false,
            });
        }
    }
    let mut figures = Vec::new();
    let mut valid = None;
    if let Some(a) = &t.art278 {
        figures = vec![
            Figure {
                key: "art278.area_participation",
                part: area(a.voting_area),
                whole: area(a.total_area),
                percent: percent(a.voting_area as i128, a.total_area as i128),
                bound: "≥ 2/3",
                ok: a.area_participation_ok,
            },
            Figure {
                key: "art278.owner_participation",
                part: a.voting_owners.to_string(),
                whole: a.total_owners.to_string(),
                percent: percent(a.voting_owners as i128, a.total_owners as i128),
                bound: "≥ 2/3",
                ok: a.owner_participation_ok,
            },
            Figure {
                key: "art278.area_approval",
                part: area(a.yes_area),
                whole: area(a.voting_area),
                percent: percent(a.yes_area as i128, a.voting_area as i128),
                bound: "",
                ok: a.area_approval_ok,
            },
            Figure {
                key: "art278.owner_approval",
                part: a.yes_owners.to_string(),
                whole: a.voting_owners.to_string(),
                percent: percent(a.yes_owners as i128, a.voting_owners as i128),
                bound: "",
                ok: a.owner_approval_ok,
            },
        ];
        valid = Some(a.valid);
    }
    ResultView {
        cast: t.cast,
        passed: t.passed,
        bars,
        tied: t.tied.iter().map(|i| options[*i].clone()).collect(),
        rounds: t
            .runoff
            .as_ref()
            .map(|r| r.rounds.clone())
            .unwrap_or_default(),
        winner: t.winner.map(|w| options[w].clone()),
        figures,
        valid,
        owner_bars,
        area_bars,
    }
}

/// The bound of the approval figures: 3/4 for art. 278 items 6–8, else more than half.
fn approval_bound(v: &VoteRow) -> &'static str {
    if v.matter == "major" {
        "≥ 3/4"
    } else {
        "> 1/2"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/votes.html")]
struct ListPage {
    l: Layout,
    region: RegionRow,
    votes: Vec<VoteRow>,
    manages: bool,
    picks: app::VotePicks,
    pager: Pager,
}

async fn list_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 30);
    let (region, votes, manages) = app::list(state.db(), actor, id, page).await.page(&ctx)?;
    let seen = page.offset() + votes.len() as i64 + i64::from(votes.len() as i64 == page.size);
    let picks = if manages {
        app::picks(state.db(), &region.path).await.page(&ctx)?
    } else {
        Default::default()
    };
    Ok(ListPage {
        l: ctx.layout(),
        pager: Pager::new(page, seen, format!("/regions/{id}/votes?")),
        region,
        votes,
        manages,
        picks,
    })
}

#[derive(Deserialize)]
struct VoteForm {
    title: String,
    #[serde(default)]
    description: String,
    method: String,
    electorate: String,
    #[serde(default)]
    matter: String,
    body_id: Option<String>,
    issue_id: Option<String>,
    secret: Option<String>,
    hide_results: Option<String>,
    changeable: Option<String>,
    minutes_open: String,
    #[serde(default)]
    options: String,
    parent_option: Option<String>,
}

fn opt_id(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|s| s.trim().parse().ok())
}

impl VoteForm {
    fn into_new(self, region_id: i64) -> NewVote {
        NewVote {
            title: self.title,
            description: self.description,
            method: self.method,
            matter: Some(self.matter),
            electorate: self.electorate,
            region_id,
            body_id: opt_id(&self.body_id),
            issue_id: opt_id(&self.issue_id),
            secret: self.secret.is_some(),
            hide_results: self.hide_results.is_some(),
            changeable: self.changeable.is_some(),
            // Hours in the form; the app takes minutes.
            minutes_open: self
                .minutes_open
                .trim()
                .parse::<i64>()
                .map(|h| h.saturating_mul(60))
                .unwrap_or(0),
            options: self.options.lines().map(str::to_string).collect(),
            parent_option: opt_id(&self.parent_option),
            ..NewVote::default()
        }
    }
}

async fn create(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let vote = app::create(state.db(), actor, f.into_new(id))
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{vote}")))
}

/// A later stage of a vote: runs only if the given option wins.
async fn add_stage(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let parent = app::get(state.db(), actor, id).await.page(&ctx)?;
    let mut new = f.into_new(parent.region_id);
    new.parent_id = Some(id);
    new.issue_id = new.issue_id.or(parent.issue_id);
    new.body_id = new.body_id.or(parent.body_id);
    let vote = app::create(state.db(), actor, new).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{vote}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote.html")]
struct VotePage {
    l: Layout,
    v: VoteView,
    result: Option<ResultView>,
    approval_bound: &'static str,
    /// Poll the live tally (an open vote in a sitting whose results are shown).
    live: bool,
    /// For the later-stage form, shown to those who run the vote.
    picks: app::VotePicks,
}

/// A choice in words, as the voter sees it: 赞成 / 反对 / 弃权, the options ticked, or the
/// options in order of preference. `stored` is the ballot's stored form.
fn choice_words(l: &Layout, method: &str, options: &[String], stored: &str) -> String {
    let Ok(m) = Method::parse(method) else {
        return String::new();
    };
    match Choice::from_stored(m, options.len(), stored) {
        Some(c) => words_of(l, &c, options),
        None => String::new(),
    }
}

fn words_of(l: &Layout, c: &Choice, options: &[String]) -> String {
    let label = |p: &usize| options.get(*p).cloned().unwrap_or_default();
    match c {
        Choice::Yes => l.t("ballot.yes").to_string(),
        Choice::No => l.t("ballot.no").to_string(),
        Choice::Abstain => l.t("ballot.abstain").to_string(),
        Choice::Approve(s) if s.is_empty() => l.t("ballot.none_approved").to_string(),
        Choice::Approve(s) => s.iter().map(label).collect::<Vec<_>>().join(" / "),
        Choice::Rank(v) => v
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}. {}", i + 1, label(p)))
            .collect::<Vec<_>>()
            .join(" → "),
    }
}

impl VotePage {
    fn area_text(&self, a: &i64) -> String {
        area(*a)
    }

    /// What this voice voted, in words (open ballots only).
    fn voted_words(&self, voice: &linli_app::deliberation::votes::Voice) -> String {
        voice
            .choice
            .as_deref()
            .map(|c| choice_words(&self.l, &self.v.vote.method, &self.v.options, c))
            .unwrap_or_default()
    }

    /// The label of the option a later stage follows.
    fn option_label(&self, o: &Option<i64>) -> &str {
        o.and_then(|o| self.v.options.get(usize::try_from(o).ok()?))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The parts both the page and the live-tally fragment show.
async fn vote_parts(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
) -> Result<(Layout, VoteView, Option<ResultView>, bool), PageError> {
    let actor = ctx.actor().page(ctx)?;
    let v = app::view(state.db(), actor, id).await.page(ctx)?;
    let l = ctx.layout();
    let result = v.tally.as_ref().map(|t| result_view(&l, t, &v.options));
    let live = v.vote.status == VoteStatus::Open && !v.vote.hide_results;
    Ok((l, v, result, live))
}

async fn vote_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<VotePage, PageError> {
    let (l, v, result, live) = vote_parts(&ctx, &state, id).await?;
    let staged = matches!(v.vote.method.as_str(), "approval" | "ranked") && v.vote.status.is_live();
    let picks = if v.can_manage && staged {
        app::picks(state.db(), &v.vote.region_path)
            .await
            .page(&ctx)?
    } else {
        Default::default()
    };
    Ok(VotePage {
        picks,
        approval_bound: approval_bound(&v.vote),
        l,
        v,
        result,
        live,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/_tally.html")]
struct TallyFragment {
    l: Layout,
    v: VoteView,
    result: Option<ResultView>,
    approval_bound: &'static str,
    live: bool,
}

async fn tally_fragment(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<TallyFragment, PageError> {
    let (l, v, result, live) = vote_parts(&ctx, &state, id).await?;
    Ok(TallyFragment {
        approval_bound: approval_bound(&v.vote),
        l,
        v,
        result,
        live,
    })
}

#[derive(Deserialize)]
struct BallotForm {
    /// yes / no / abstain, for yes-no votes.
    choice: Option<String>,
    /// Everything else: ticked options `pick_N` (approval), ranks `rank_N` (ranked), `reason`.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
    proxy_id: Option<String>,
}

/// Builds the choice from the form: `choice` directly, or the ticked `pick_N` boxes
/// (approval), or the ranks given as `rank_N` (ranked: 1 = first preference).
fn choice_of(f: &BallotForm) -> String {
    if let Some(c) = f.choice.as_deref().filter(|c| !c.trim().is_empty()) {
        return c.trim().to_string();
    }
    let mut picks: Vec<usize> = f
        .rest
        .keys()
        .filter_map(|k| k.strip_prefix("pick_"))
        .filter_map(|n| n.parse().ok())
        .collect();
    picks.sort();
    if !picks.is_empty() {
        return picks
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",");
    }
    let mut ranks: Vec<(u64, usize)> = f
        .rest
        .iter()
        .filter_map(|(k, v)| {
            Some((
                v.trim().parse().ok()?,
                k.strip_prefix("rank_")?.parse().ok()?,
            ))
        })
        .collect();
    ranks.sort();
    if ranks.windows(2).any(|w| w[0].0 == w[1].0) {
        // Two options given the same rank: a duplicate the domain refuses with its message.
        return format!("{0},{0}", ranks[0].1);
    }
    ranks
        .iter()
        .map(|r| r.1.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote_confirm.html")]
struct ConfirmPage {
    l: Layout,
    vote: VoteRow,
    /// The choice in words, and in the form the confirming post sends again.
    words: String,
    form_choice: String,
    reason: String,
    proxy_id: Option<i64>,
    /// Whom the ballot is cast for, when not only for oneself.
    voice_kind: String,
    voice_label: String,
}

/// A ballot is cast in two steps on the page: the first post shows the choice and the
/// matter to confirm (no pop-up, so it works without JavaScript and reads aloud); the
/// confirming post (`confirm=1`) casts it. Either step refuses a bad ballot in words.
async fn cast(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<BallotForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let input = BallotInput {
        choice: choice_of(&f),
        reason: f.rest.get("reason").cloned().unwrap_or_default(),
        proxy_id: opt_id(&f.proxy_id),
    };
    if f.rest.get("confirm").map(String::as_str) == Some("1") {
        let c = app::cast(state.db(), actor, id, &input).await.page(&ctx)?;
        if c.vote.secret {
            // The receipt is shown once, here: nothing stored links it to the voter.
            return Ok(ReceiptPage {
                l: ctx.layout(),
                receipts: c.receipts.iter().map(|r| grouped(r)).collect(),
                vote: c.vote,
                status: None,
                code: String::new(),
            }
            .into_response());
        }
        return Ok(Redirect::to(&format!("/votes/{id}#my-ballot")).into_response());
    }
    let p = app::preview(state.db(), actor, id, &input)
        .await
        .page(&ctx)?;
    let l = ctx.layout();
    Ok(ConfirmPage {
        words: words_of(&l, &p.choice, &p.options),
        form_choice: p.choice.as_form(),
        reason: p.reason,
        proxy_id: p.voice.proxy_id,
        voice_kind: p.voice.kind,
        voice_label: if p.voice.ballot.is_empty() {
            p.voice.label
        } else {
            format!(
                "{} · {} · {}{}",
                p.voice.label,
                area(p.voice.area),
                l.label("paper.no"),
                p.voice.ballot
            )
        },
        vote: p.vote,
        l,
    }
    .into_response())
}

/// A receipt in groups of four, easier to copy down by hand.
fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote_receipt.html")]
struct ReceiptPage {
    l: Layout,
    vote: VoteRow,
    /// Just cast: the receipts to write down.
    receipts: Vec<String>,
    /// Checked: where the receipt stands.
    status: Option<app::Receipt>,
    code: String,
}

#[derive(Deserialize)]
struct ReceiptQuery {
    code: Option<String>,
}

/// Checks a secret ballot's receipt: received (still open), counted (closed), or not found.
async fn receipt(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ReceiptQuery>,
) -> Result<ReceiptPage, PageError> {
    let actor = ctx.actor();
    let code = q.code.unwrap_or_default();
    let (vote, status) = app::check_receipt(state.db(), actor, id, &code)
        .await
        .page(&ctx)?;
    Ok(ReceiptPage {
        l: ctx.layout(),
        vote,
        receipts: vec![],
        status: Some(status),
        code: code.trim().to_string(),
    })
}

async fn close(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::close(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote_paper.html")]
struct PaperPage {
    l: Layout,
    vote: VoteRow,
    papers: Vec<PaperRow>,
    outcome: Option<String>,
    pager: Pager,
}

#[derive(Deserialize)]
struct PaperQuery {
    page: Option<i64>,
    outcome: Option<String>,
}

async fn paper_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PaperQuery>,
) -> Result<PaperPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let (vote, papers) = app::papers(state.db(), actor, id, page).await.page(&ctx)?;
    let seen = page.offset() + papers.len() as i64 + i64::from(papers.len() as i64 == page.size);
    Ok(PaperPage {
        l: ctx.layout(),
        pager: Pager::new(page, seen, format!("/votes/{id}/paper?")),
        outcome: q
            .outcome
            .filter(|o| ["waiting", "counted", "mismatch", "duplicate"].contains(&o.as_str())),
        vote,
        papers,
    })
}

#[derive(Deserialize)]
struct PaperForm {
    paper_no: String,
    #[serde(default)]
    household_id: String,
    #[serde(default)]
    choice: String,
}

async fn enter_paper(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<PaperForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let input = PaperInput {
        paper_no: f.paper_no,
        household_id: f.household_id.trim().parse().ok(),
        choice: f.choice,
    };
    let outcome: PaperOutcome = app::enter_paper(state.db(), actor, id, &input)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!(
        "/votes/{id}/paper?outcome={}",
        outcome.as_str()
    )))
}

#[derive(Deserialize)]
struct ReenterForm {
    paper_no: String,
}

async fn reenter(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReenterForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::reenter_paper(state.db(), actor, id, &f.paper_no)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{id}/paper")))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote_proxies.html")]
struct ProxiesPage {
    l: Layout,
    vote: VoteRow,
    proxies: Vec<ProxyRow>,
    pager: Pager,
}

impl ProxiesPage {
    fn code(&self, no: &i64) -> String {
        linli_domain::deliberation::ballots::ballot_code(*no)
    }
}

async fn proxies_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<ProxiesPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let (vote, proxies) = app::proxies(state.db(), actor, id, page).await.page(&ctx)?;
    let seen = page.offset() + proxies.len() as i64 + i64::from(proxies.len() as i64 == page.size);
    Ok(ProxiesPage {
        l: ctx.layout(),
        pager: Pager::new(page, seen, format!("/votes/{id}/proxies?")),
        vote,
        proxies,
    })
}

async fn add_proxy(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = crate::pages::money::read_upload(mp).await.page(&ctx)?;
    let (filename, mime, data) = up.file_parts();
    app::add_proxy(
        state.db(),
        actor,
        id,
        ProxyInput {
            ballot_no: up.get("ballot_no"),
            household_id: None,
            proxy_phone: up.get("proxy_phone"),
            filename,
            mime,
            data,
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{id}/proxies")))
}

async fn proxy_scan(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, pid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let (mime, data) = app::proxy_scan(state.db(), actor, id, pid)
        .await
        .page(&ctx)?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        data,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/vote_owners.html")]
struct OwnersPage {
    l: Layout,
    vote: VoteRow,
    owners: Vec<linli_store::deliberation::votes::VoteOwnerRow>,
    next: Option<i64>,
}

impl OwnersPage {
    fn code(&self, no: &i64) -> String {
        linli_domain::deliberation::ballots::ballot_code(*no)
    }

    fn area(&self, a: &i64) -> String {
        area(*a)
    }

    fn n_units(&self, n: &i64) -> String {
        self.l.tf("ballots.n_units", &[&n.to_string()])
    }
}

#[derive(Deserialize)]
struct RollQuery {
    after: Option<i64>,
}

const ROLL_PAGE: i64 = 100;

/// The owners of an owners' vote with their ballot numbers (tellers), 100 at a time.
async fn owners_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RollQuery>,
) -> Result<OwnersPage, PageError> {
    let (vote, owners) =
        app::owner_roll(state.db(), ctx.actor(), id, q.after.unwrap_or(0), ROLL_PAGE)
            .await
            .page(&ctx)?;
    let next = (owners.len() as i64 == ROLL_PAGE)
        .then(|| owners.last().map(|o| o.ballot_no))
        .flatten();
    Ok(OwnersPage {
        l: ctx.layout(),
        vote,
        owners,
        next,
    })
}

/// The paper ballots of an owners' vote, two to an A4 page: the question, the owner's
/// name, units and area, the ballot number (with its check digit) the tellers enter, the
/// three boxes, and a QR code to vote online instead.
async fn ballots_pdf(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    use linli_domain::deliberation::ballots::ballot_code;
    use linli_domain::pdf::{A4, Document, Font, Page, wrap};
    let (vote, owners) = app::paper_ballots(state.db(), ctx.actor(), id)
        .await
        .page(&ctx)?;
    let l = ctx.layout();
    let url = format!("{}/votes/{}", state.public_base(&ctx.origin), vote.id);
    let (n, dark) = crate::pages::qr_modules(&url);
    let title = l.t("ballots.title");
    let mut doc = Document::new(&format!("{title} · {}", vote.title));
    let h = A4.1 / 2.0;
    let question: Vec<String> = wrap(Font::Song, 11.0, A4.0 - 80.0, vote.description.trim())
        .into_iter()
        .take(5)
        .collect();
    let closes = format!("{} {}", l.t("ballots.closes"), l.time(&vote.closes_at));
    let boxes = [l.t("ballot.yes"), l.t("ballot.no"), l.t("ballot.abstain")];
    for pair in owners.chunks(2) {
        let mut page = Page::default();
        for (i, o) in pair.iter().enumerate() {
            let y0 = A4.1 - (i + 1) as f32 * h;
            page.cut_box(14.0, y0 + 10.0, A4.0 - 28.0, h - 20.0);
            let mut y = y0 + h - 46.0;
            page.text(
                40.0,
                y,
                Font::Song,
                16.0,
                &format!("{title} · {}", vote.region_name),
            );
            page.text(A4.0 - 190.0, y, Font::Mono, 18.0, &ballot_code(o.ballot_no));
            y -= 24.0;
            for line in wrap(Font::Song, 13.0, A4.0 - 80.0, &vote.title)
                .into_iter()
                .take(2)
            {
                page.text(40.0, y, Font::Song, 13.0, &line);
                y -= 18.0;
            }
            for line in &question {
                page.text(40.0, y, Font::Song, 11.0, line);
                y -= 15.0;
            }
            y -= 6.0;
            let name = if o.developer {
                l.t("owner.developer").to_string()
            } else {
                o.owner_name.clone()
            };
            page.text(
                40.0,
                y,
                Font::Song,
                13.0,
                &format!("{}{name}", l.label("ballots.owner")),
            );
            y -= 18.0;
            // The CJK font has no "²": the area is printed with the word.
            let sqm = format!(
                "{} {}",
                linli_domain::regions::AreaCm2(o.area).display(),
                l.t("ballots.sqm")
            );
            let units = if o.units > 1 {
                format!(
                    "{}{} · {} · {sqm}",
                    l.label("ballots.units"),
                    o.unit_labels,
                    l.tf("ballots.n_units", &[&o.units.to_string()]),
                )
            } else {
                format!("{}{} · {sqm}", l.label("ballots.units"), o.unit_labels)
            };
            for line in wrap(Font::Song, 11.0, A4.0 - 200.0, &units)
                .into_iter()
                .take(2)
            {
                page.text(40.0, y, Font::Song, 11.0, &line);
                y -= 15.0;
            }
            y -= 14.0;
            for (k, word) in boxes.iter().enumerate() {
                let x = 40.0 + k as f32 * 120.0;
                page.tick_box(x, y - 6.0, 22.0, 22.0);
                page.text(x + 30.0, y, Font::Song, 15.0, word);
            }
            y -= 40.0;
            page.text(40.0, y, Font::Song, 11.0, &l.t("ballots.sign"));
            page.text(40.0, y0 + 40.0, Font::Song, 9.0, &l.t("ballots.rule"));
            page.text(40.0, y0 + 26.0, Font::Song, 9.0, &closes);
            let qr = 84.0;
            page.qr(A4.0 - 40.0 - qr, y0 + 24.0, qr, n, &dark);
        }
        doc.push(page);
    }
    if owners.is_empty() {
        let mut page = Page::default();
        page.text(40.0, A4.1 - 60.0, Font::Song, 14.0, &l.t("ballots.none"));
        doc.push(page);
    }
    Ok(crate::pages::pdf_response(
        doc.render(),
        true,
        &format!("ballots-{}.pdf", vote.id),
        true,
    ))
}
