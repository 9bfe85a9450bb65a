//! Deliberation API: bodies and their members, sittings with agenda, attendance and
//! quorum, motions, the speaking queue and minutes.

use crate::api::common::ApiResult;
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::Page;
use linli_app::deliberation::bodies::{self as bodies, BodyView, NewBody, NewMember};
use linli_app::deliberation::sittings::{
    self as app, MotionView, NewSitting, PutToVote, QuorumView, SittingView,
};
use linli_store::deliberation::bodies::{BodyRow, MemberRow};
use linli_store::deliberation::sittings::{
    AgendaRow, AttendanceRow, MotionRow, SittingRow, SpeechRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bodies, create_body))
        .routes(routes!(body))
        .routes(routes!(add_member))
        .routes(routes!(schedule))
        .routes(routes!(sitting))
        .routes(routes!(add_agenda))
        .routes(routes!(remove_agenda))
        .routes(routes!(move_agenda))
        .routes(routes!(set_status))
        .routes(routes!(attend))
        .routes(routes!(move_motion))
        .routes(routes!(second))
        .routes(routes!(withdraw))
        .routes(routes!(put_to_vote))
        .routes(routes!(ask_to_speak))
        .routes(routes!(next_speaker))
        .routes(routes!(end_speech))
        .routes(routes!(save_minutes))
        .routes(routes!(draft_minutes))
        .routes(routes!(approve_minutes))
        .routes(routes!(publish_minutes))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    BodyReq,
    BodyRow,
    BodyView,
    MemberReq,
    MemberRow,
    SittingReq,
    Scheduled,
    SittingRow,
    SittingView,
    AgendaRow,
    AttendanceRow,
    QuorumView,
    MotionRow,
    MotionView,
    SpeechRow,
    IssueReq,
    MoveReq,
    StatusReq,
    AttendReq,
    MotionReq,
    MotionCreated,
    VoteReq,
    VoteCreated,
    MinutesReq,
    MinutesOut
)))]
pub struct Doc;

#[derive(Deserialize, ToSchema)]
pub struct BodyReq {
    /// joint_meeting | council | owners_assembly | committee
    kind: String,
    name: String,
    support_threshold: Option<i64>,
    /// Percent of the seated members, e.g. "50".
    quorum_percent: Option<String>,
    requires_second: Option<bool>,
    speech_seconds: Option<i64>,
}

/// The bodies at and below a node.
#[utoipa::path(get, path = "/api/v1/regions/{id}/bodies", params(("id" = i64, Path)), responses((status = 200, body = Vec<BodyRow>)))]
async fn list_bodies(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<BodyRow>>> {
    let a = ctx.actor();
    Ok(Json(
        bodies::of_region(s.db(), a, id, Page::new(None, Some(200), 200))
            .await
            .api(&ctx)?
            .1,
    ))
}

/// Sets up a body at a node (its administrators).
#[utoipa::path(post, path = "/api/v1/regions/{id}/bodies", params(("id" = i64, Path)), request_body = BodyReq,
    responses((status = 201, body = BodyRow), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_body(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<BodyReq>,
) -> ApiResult<(StatusCode, Json<BodyRow>)> {
    let a = ctx.actor();
    let b = bodies::create(
        s.db(),
        a,
        id,
        NewBody {
            kind: &r.kind,
            name: &r.name,
            support_threshold: r.support_threshold.unwrap_or(10),
            quorum_percent: r.quorum_percent.as_deref().unwrap_or("50"),
            requires_second: r.requires_second.unwrap_or(true),
            speech_seconds: r.speech_seconds.unwrap_or(180),
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(b)))
}

/// A body with its current and former members and its sittings.
#[utoipa::path(get, path = "/api/v1/bodies/{id}", params(("id" = i64, Path)), responses((status = 200, body = BodyView)))]
async fn body(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<BodyView>> {
    let a = ctx.actor();
    Ok(Json(bodies::get(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = BodyMemberReq)]
pub struct MemberReq {
    /// The member's phone number, or `user_id`.
    phone: Option<String>,
    user_id: Option<i64>,
    /// residents_committee | owners_committee | property | social_org | resident | expert
    party: String,
    seat: Option<String>,
    /// `YYYY-MM-DD`
    term_start: String,
    /// `YYYY-MM-DD`
    term_end: String,
}

/// Seats a member for a term (the body's administrators).
#[utoipa::path(post, path = "/api/v1/bodies/{id}/members", params(("id" = i64, Path)), request_body = MemberReq,
    responses((status = 201, body = MemberRow), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_member(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MemberReq>,
) -> ApiResult<(StatusCode, Json<MemberRow>)> {
    let a = ctx.actor();
    let m = bodies::add_member(
        s.db(),
        a,
        id,
        NewMember {
            phone: r.phone.as_deref().unwrap_or(""),
            user_id: r.user_id,
            party: &r.party,
            seat: r.seat.as_deref().unwrap_or(""),
            term_start: &r.term_start,
            term_end: &r.term_end,
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[derive(Deserialize, ToSchema)]
pub struct SittingReq {
    title: String,
    /// `YYYY-MM-DDTHH:MM`, Asia/Shanghai.
    starts_at: String,
    place: Option<String>,
    /// The chair's phone number (default: the caller).
    chair_phone: Option<String>,
    /// Schedule this many monthly sittings (default 1).
    months: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Scheduled {
    ids: Vec<i64>,
}

/// Schedules a sitting, or the next N monthly sittings.
#[utoipa::path(post, path = "/api/v1/bodies/{id}/sittings", params(("id" = i64, Path)), request_body = SittingReq,
    responses((status = 201, body = Scheduled), (status = 422, body = ApiErrorBody)))]
async fn schedule(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<SittingReq>,
) -> ApiResult<(StatusCode, Json<Scheduled>)> {
    let a = ctx.actor();
    let ids = app::schedule(
        s.db(),
        a,
        id,
        NewSitting {
            title: &r.title,
            starts_at: &r.starts_at,
            place: r.place.as_deref().unwrap_or(""),
            chair_phone: r.chair_phone.as_deref().unwrap_or(""),
            months: r.months.unwrap_or(1),
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(Scheduled { ids })))
}

/// A sitting: agenda, attendance and quorum, motions, the floor, minutes (when readable).
#[utoipa::path(get, path = "/api/v1/sittings/{id}", params(("id" = i64, Path)), responses((status = 200, body = SittingView)))]
async fn sitting(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SittingView>> {
    let a = ctx.actor();
    Ok(Json(app::get(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AgendaIssueReq)]
pub struct IssueReq {
    issue_id: i64,
}

/// Puts an issue of the body (status on_agenda) on the sitting's agenda (the chair).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/agenda", params(("id" = i64, Path)), request_body = IssueReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn add_agenda(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<IssueReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::add_agenda(s.db(), a, id, r.issue_id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes an issue off the agenda (the chair).
#[utoipa::path(delete, path = "/api/v1/sittings/{id}/agenda/{issue_id}", params(("id" = i64, Path), ("issue_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
async fn remove_agenda(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path((id, issue)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::remove_agenda(s.db(), a, id, issue).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MoveReq {
    /// true moves the item one place up, false one down.
    up: bool,
}

/// Reorders the agenda (the chair).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/agenda/{issue_id}/move", params(("id" = i64, Path), ("issue_id" = i64, Path)),
    request_body = MoveReq, responses((status = 204)))]
async fn move_agenda(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path((id, issue)): Path<(i64, i64)>,
    ApiJson(r): ApiJson<MoveReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::move_agenda(s.db(), a, id, issue, r.up)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SittingStatusReq)]
pub struct StatusReq {
    /// true opens a scheduled sitting, false closes an open one.
    open: bool,
}

/// Opens or closes the sitting (the chair).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/status", params(("id" = i64, Path)), request_body = StatusReq,
    responses((status = 204), (status = 409, body = ApiErrorBody)))]
async fn set_status(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<StatusReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::set_status(s.db(), a, id, r.open).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AttendReq {
    /// Another member to mark present (the chair); the caller when absent.
    user_id: Option<i64>,
}

/// Marks a seated member present.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/attendance", params(("id" = i64, Path)), request_body = AttendReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn attend(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<AttendReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::attend(s.db(), a, id, r.user_id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MotionReq {
    text: String,
    /// The agenda issue moved on (not needed for an amendment).
    issue_id: Option<i64>,
    /// The pending motion this amends.
    parent_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MotionCreated {
    id: i64,
}

/// Moves a motion, or an amendment (a present member).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/motions", params(("id" = i64, Path)), request_body = MotionReq,
    responses((status = 201, body = MotionCreated), (status = 422, body = ApiErrorBody)))]
async fn move_motion(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MotionReq>,
) -> ApiResult<(StatusCode, Json<MotionCreated>)> {
    let a = ctx.actor();
    let id = app::move_motion(s.db(), a, id, &r.text, r.issue_id, r.parent_id)
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(MotionCreated { id })))
}

/// Seconds a motion (a present member other than the mover).
#[utoipa::path(post, path = "/api/v1/motions/{id}/second", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn second(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::second(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws a motion before the vote (its mover).
#[utoipa::path(post, path = "/api/v1/motions/{id}/withdrawal", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn withdraw(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::withdraw(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct VoteReq {
    /// majority | two_thirds | consensus
    method: String,
    minutes_open: Option<i64>,
    secret: Option<bool>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = MotionVoteCreated)]
pub struct VoteCreated {
    vote_id: i64,
}

/// Puts a motion to a vote of the body (the chair); refused without a required second.
#[utoipa::path(post, path = "/api/v1/motions/{id}/vote", params(("id" = i64, Path)), request_body = VoteReq,
    responses((status = 201, body = VoteCreated), (status = 422, body = ApiErrorBody)))]
async fn put_to_vote(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<VoteReq>,
) -> ApiResult<(StatusCode, Json<VoteCreated>)> {
    let a = ctx.actor();
    let vote_id = app::put_to_vote(
        s.db(),
        a,
        id,
        PutToVote {
            method: &r.method,
            minutes_open: r.minutes_open.unwrap_or(15),
            secret: r.secret.unwrap_or(false),
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(VoteCreated { vote_id })))
}

/// Asks for the floor (a present member).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/speakers", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ApiErrorBody)))]
async fn ask_to_speak(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::ask_to_speak(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the floor to the next speaker (the chair).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/speakers/next", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn next_speaker(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::next_speaker(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends the current speech (the chair).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/speakers/end", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn end_speech(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::end_speech(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MinutesReq {
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct MinutesOut {
    text: String,
}

/// Saves edited minutes as a draft (the chair or secretary).
#[utoipa::path(put, path = "/api/v1/sittings/{id}/minutes", params(("id" = i64, Path)), request_body = MinutesReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn save_minutes(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MinutesReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::save_minutes(s.db(), a, id, &r.text).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drafts the minutes from what happened, in the caller's language.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/minutes/draft", params(("id" = i64, Path)),
    responses((status = 200, body = MinutesOut), (status = 422, body = ApiErrorBody)))]
async fn draft_minutes(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<MinutesOut>> {
    let a = ctx.actor();
    let t = |k: &str| ctx.t(k).to_string();
    let text = app::draft_minutes(s.db(), a, id, &t).await.api(&ctx)?;
    Ok(Json(MinutesOut { text }))
}

/// Approves the draft (a member other than the drafter, or an administrator).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/minutes/approval", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn approve_minutes(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::approve_minutes(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes approved minutes (the chair); then `/sittings/{id}/minutes.pdf` serves them.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/minutes/publication", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn publish_minutes(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::publish_minutes(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}
