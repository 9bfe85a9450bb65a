//! Deliberation pages: bodies and their members, sittings with agenda, attendance and
//! quorum, motions, the speaking queue (htmx-polled, with a countdown), and minutes
//! drafted from what happened, approved, published and printed as PDF.

use crate::ctx::{Ctx, Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use linli_app::Page;
use linli_app::deliberation::bodies::{self as bodies, BodyView, NewBody, NewMember};
use linli_app::deliberation::sittings::{self as app, NewSitting, PutToVote, SittingView};
use linli_domain::deliberation::sittings::{MinutesStatus, SittingStatus};
use linli_store::deliberation::bodies::BodyRow;
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{id}/bodies", get(bodies_page).post(create_body))
        .route("/bodies/{id}", get(body_page))
        .route("/bodies/{id}/members", post(add_member))
        .route("/bodies/{id}/sittings", post(schedule))
        .route("/sittings/{id}", get(sitting_page))
        .route("/sittings/{id}/speaking", get(speaking_fragment))
        .route("/sittings/{id}/agenda", post(add_agenda))
        .route("/sittings/{id}/agenda/{issue}/remove", post(remove_agenda))
        .route("/sittings/{id}/agenda/{issue}/move", post(move_agenda))
        .route("/sittings/{id}/open", post(open))
        .route("/sittings/{id}/close", post(close))
        .route("/sittings/{id}/attend", post(attend))
        .route("/sittings/{id}/motions", post(move_motion))
        .route("/motions/{id}/second", post(second))
        .route("/motions/{id}/withdraw", post(withdraw))
        .route("/motions/{id}/vote", post(put_to_vote))
        .route("/sittings/{id}/speakers", post(ask_to_speak))
        .route("/sittings/{id}/speakers/next", post(next_speaker))
        .route("/sittings/{id}/speakers/end", post(end_speech))
        .route("/sittings/{id}/minutes", post(save_minutes))
        .route("/sittings/{id}/minutes/draft", post(draft_minutes))
        .route("/sittings/{id}/minutes/approve", post(approve_minutes))
        .route("/sittings/{id}/minutes/publish", post(publish_minutes))
        .route("/sittings/{id}/minutes.pdf", get(minutes_pdf))
}

fn to_sitting(id: i64) -> Redirect {
    Redirect::to(&format!("/sittings/{id}"))
}

// ---- bodies ----

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/bodies.html")]
struct BodiesPage {
    l: Layout,
    region: RegionRow,
    bodies: Vec<BodyRow>,
    can_admin: bool,
    kinds: Vec<&'static str>,
}

async fn bodies_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<BodiesPage, PageError> {
    let actor = ctx.actor();
    let (region, bodies, can_admin) =
        bodies::of_region(state.db(), actor, id, Page::new(None, Some(200), 200))
            .await
            .page(&ctx)?;
    Ok(BodiesPage {
        l: ctx.layout(),
        region,
        bodies,
        can_admin,
        kinds: linli_domain::deliberation::sittings::BodyKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

#[derive(Deserialize)]
struct BodyForm {
    kind: String,
    name: String,
    support_threshold: Option<i64>,
    quorum: Option<String>,
    requires_second: Option<String>,
    speech_seconds: Option<i64>,
}

async fn create_body(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<BodyForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let b = bodies::create(
        state.db(),
        actor,
        id,
        NewBody {
            kind: &f.kind,
            name: &f.name,
            support_threshold: f.support_threshold.unwrap_or(10),
            quorum_percent: f.quorum.as_deref().unwrap_or("50"),
            requires_second: f.requires_second.as_deref() != Some("0"),
            speech_seconds: f.speech_seconds.unwrap_or(180),
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/bodies/{}", b.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/body.html")]
struct BodyPage {
    l: Layout,
    v: BodyView,
    parties: Vec<&'static str>,
}

async fn body_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<BodyPage, PageError> {
    let actor = ctx.actor();
    let v = bodies::get(state.db(), actor, id).await.page(&ctx)?;
    Ok(BodyPage {
        l: ctx.layout(),
        v,
        parties: linli_domain::deliberation::sittings::Party::ALL
            .iter()
            .map(|p| p.as_str())
            .collect(),
    })
}

#[derive(Deserialize)]
struct MemberForm {
    phone: String,
    party: String,
    seat: Option<String>,
    term_start: String,
    term_end: String,
}

async fn add_member(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MemberForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    bodies::add_member(
        state.db(),
        actor,
        id,
        NewMember {
            phone: &f.phone,
            user_id: None,
            party: &f.party,
            seat: f.seat.as_deref().unwrap_or(""),
            term_start: &f.term_start,
            term_end: &f.term_end,
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/bodies/{id}")))
}

#[derive(Deserialize)]
struct SittingForm {
    title: String,
    starts_at: String,
    place: Option<String>,
    chair_phone: Option<String>,
    months: Option<i64>,
}

async fn schedule(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<SittingForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let ids = app::schedule(
        state.db(),
        actor,
        id,
        NewSitting {
            title: &f.title,
            starts_at: &f.starts_at,
            place: f.place.as_deref().unwrap_or(""),
            chair_phone: f.chair_phone.as_deref().unwrap_or(""),
            months: f.months.unwrap_or(1),
        },
    )
    .await
    .page(&ctx)?;
    Ok(to_sitting(ids[0]))
}

// ---- a sitting ----

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/sitting.html")]
struct SittingPage {
    l: Layout,
    v: SittingView,
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/sitting_speaking.html")]
struct SpeakingFragment {
    l: Layout,
    v: SittingView,
}

async fn sitting_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<SittingPage, PageError> {
    let actor = ctx.actor();
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    Ok(SittingPage { l: ctx.layout(), v })
}

/// Who is speaking and who waits, polled every few seconds by htmx.
async fn speaking_fragment(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<SpeakingFragment, PageError> {
    let actor = ctx.actor();
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    Ok(SpeakingFragment { l: ctx.layout(), v })
}

#[derive(Deserialize)]
struct IssueForm {
    issue_id: i64,
}

async fn add_agenda(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<IssueForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::add_agenda(state.db(), actor, id, f.issue_id)
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

async fn remove_agenda(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, issue)): Path<(i64, i64)>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::remove_agenda(state.db(), actor, id, issue)
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

#[derive(Deserialize)]
struct MoveForm {
    /// `up` or `down`.
    dir: String,
}

async fn move_agenda(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, issue)): Path<(i64, i64)>,
    PageForm(f): PageForm<MoveForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::move_agenda(state.db(), actor, id, issue, f.dir == "up")
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

async fn open(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::set_status(state.db(), actor, id, true)
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

async fn close(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::set_status(state.db(), actor, id, false)
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

#[derive(Deserialize)]
struct AttendForm {
    user_id: Option<i64>,
}

async fn attend(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<AttendForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::attend(state.db(), actor, id, f.user_id)
        .await
        .page(&ctx)?;
    Ok(to_sitting(id))
}

#[derive(Deserialize)]
struct MotionForm {
    text: String,
    issue_id: Option<i64>,
    parent_id: Option<i64>,
}

async fn move_motion(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MotionForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let m = app::move_motion(state.db(), actor, id, &f.text, f.issue_id, f.parent_id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/sittings/{id}#motion-{m}")))
}

async fn sitting_of_motion(state: &AppState, ctx: &Ctx, motion: i64) -> Result<i64, PageError> {
    linli_store::deliberation::sittings::motion(state.db(), motion)
        .await
        .map_err(linli_app::AppError::from)
        .page(ctx)?
        .map(|m| m.sitting_id)
        .ok_or(linli_app::AppError::NotFound("motion_not_found"))
        .page(ctx)
}

async fn second(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::second(state.db(), actor, id).await.page(&ctx)?;
    Ok(to_sitting(sitting_of_motion(&state, &ctx, id).await?))
}

async fn withdraw(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::withdraw(state.db(), actor, id).await.page(&ctx)?;
    Ok(to_sitting(sitting_of_motion(&state, &ctx, id).await?))
}

#[derive(Deserialize)]
struct VoteForm {
    method: String,
    minutes_open: Option<i64>,
    secret: Option<String>,
}

async fn put_to_vote(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let vote = app::put_to_vote(
        state.db(),
        actor,
        id,
        PutToVote {
            method: &f.method,
            minutes_open: f.minutes_open.unwrap_or(15),
            secret: f.secret.as_deref() == Some("1"),
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/votes/{vote}")))
}

async fn ask_to_speak(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::ask_to_speak(state.db(), actor, id).await.page(&ctx)?;
    Ok(to_sitting(id))
}

async fn next_speaker(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::next_speaker(state.db(), actor, id).await.page(&ctx)?;
    Ok(to_sitting(id))
}

async fn end_speech(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::end_speech(state.db(), actor, id).await.page(&ctx)?;
    Ok(to_sitting(id))
}

// ---- minutes ----

async fn draft_minutes(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let t = |k: &str| ctx.t(k).to_string();
    app::draft_minutes(state.db(), actor, id, &t)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/sittings/{id}#minutes")))
}

#[derive(Deserialize)]
struct MinutesForm {
    text: String,
}

async fn save_minutes(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MinutesForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::save_minutes(state.db(), actor, id, &f.text)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/sittings/{id}#minutes")))
}

async fn approve_minutes(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::approve_minutes(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/sittings/{id}#minutes")))
}

async fn publish_minutes(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::publish_minutes(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/sittings/{id}#minutes")))
}

/// The published minutes as a PDF (STSong-Light, no embedded font).
async fn minutes_pdf(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let (title, text) = app::published_minutes(state.db(), actor, id)
        .await
        .page(&ctx)?;
    let pdf = linli_domain::pdf::text_document(&title, &text);
    Ok(crate::pages::pdf_response(
        pdf,
        false,
        &format!("sitting-{id}-minutes.pdf"),
        false,
    ))
}
