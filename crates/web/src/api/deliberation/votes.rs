//! Votes in the API: set-up (with later stages), ballots, closing, the result (with
//! art. 278's figures for owners' votes), paper entries and proxies.

use crate::api::common::{ApiResult, PageParams};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::Page;
use linli_app::deliberation::votes::{
    self as app, BallotInput, NewVote, PaperInput, PaperOutcome, Voice, VoteView,
};
use linli_store::deliberation::votes::{
    PaperRow, ParticipationRow, ProxyRow, ReasonRow, VoteOwnerRow, VoteRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(vote))
        .routes(routes!(cast))
        .routes(routes!(receipt))
        .routes(routes!(close))
        .routes(routes!(papers, enter_paper))
        .routes(routes!(reenter_paper))
        .routes(routes!(owners))
        .routes(routes!(proxies))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    NewVote,
    VoteRow,
    VoteView,
    Voice,
    ParticipationRow,
    ReasonRow,
    BallotInput,
    app::Cast,
    app::Receipt,
    PaperInput,
    PaperOutcome,
    PaperRow,
    ProxyRow,
    VoteCreated,
    PaperEntered,
    PaperCleared,
    OwnerEntry
)))]
pub struct Doc;

#[derive(Serialize, ToSchema)]
pub struct VoteCreated {
    id: i64,
}

/// Votes at and below a node, newest first.
#[utoipa::path(get, path = "/api/v1/regions/{id}/votes", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = [VoteRow])))]
async fn list(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> ApiResult<Json<Vec<VoteRow>>> {
    let a = ctx.actor();
    let (_, votes, _) = app::list(s.db(), a, id, Page::new(q.page, q.per_page, 30))
        .await
        .api(&ctx)?;
    Ok(Json(votes))
}

/// Sets up a vote at a node (administrators, the owners' committee; a body's members for
/// a body vote). With `parent_id` and `parent_option` it is a later stage that runs only
/// if that option wins.
#[utoipa::path(post, path = "/api/v1/regions/{id}/votes", params(("id" = i64, Path)), request_body = NewVote,
    responses((status = 201, body = VoteCreated), (status = 422, body = ApiErrorBody)))]
async fn create(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(mut r): ApiJson<NewVote>,
) -> ApiResult<(StatusCode, Json<VoteCreated>)> {
    let a = ctx.actor();
    r.region_id = id;
    let id = app::create(s.db(), a, r).await.api(&ctx)?;
    Ok((StatusCode::CREATED, Json(VoteCreated { id })))
}

/// A vote with the caller's voices (and whether each has voted) and the result or live
/// count where it may be seen.
#[utoipa::path(get, path = "/api/v1/votes/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = VoteView), (status = 404, body = ApiErrorBody)))]
async fn vote(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<VoteView>> {
    let a = ctx.actor();
    Ok(Json(app::view(s.db(), a, id).await.api(&ctx)?))
}

/// Casts a ballot: `yes` / `no` / `abstain`, or option numbers from 1 separated by
/// commas. Exactly one ballot counts per voter, household or unit: a second gets 409,
/// unless the vote lets open ballots change before the close (then it replaces the first,
/// `changed: true`). A secret ballot's `receipts` are the voter's to check it is counted.
#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", params(("id" = i64, Path)), request_body = BallotInput,
    responses((status = 201, body = app::Cast), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn cast(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<BallotInput>,
) -> ApiResult<(StatusCode, Json<app::Cast>)> {
    let a = ctx.actor();
    let c = app::cast(s.db(), a, id, &r).await.api(&ctx)?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptParams {
    /// The receipt shown when the secret ballot was cast (spaces allowed).
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    status: app::Receipt,
}

/// Checks a secret ballot's receipt: `received` while the vote is open, `counted` once
/// closed, `not_found` otherwise. It never says what the ballot says.
#[utoipa::path(get, path = "/api/v1/votes/{id}/receipt", params(("id" = i64, Path), ReceiptParams),
    responses((status = 200, body = ReceiptOut), (status = 422, body = ApiErrorBody)))]
async fn receipt(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ReceiptParams>,
) -> ApiResult<Json<ReceiptOut>> {
    let a = ctx.actor();
    let (_, status) = app::check_receipt(s.db(), a, id, &q.code).await.api(&ctx)?;
    Ok(Json(ReceiptOut { status }))
}

/// Closes a vote now and stores its tally (its organizer or an administrator).
#[utoipa::path(post, path = "/api/v1/votes/{id}/close", params(("id" = i64, Path)),
    responses((status = 200, body = VoteView), (status = 422, body = ApiErrorBody)))]
async fn close(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<VoteView>> {
    let a = ctx.actor();
    app::close(s.db(), a, id).await.api(&ctx)?;
    Ok(Json(app::view(s.db(), a, id).await.api(&ctx)?))
}

/// Paper ballots entered so far, problems first (tellers).
#[utoipa::path(get, path = "/api/v1/votes/{id}/paper", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = [PaperRow])))]
async fn papers(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> ApiResult<Json<Vec<PaperRow>>> {
    let a = ctx.actor();
    let (_, rows) = app::papers(s.db(), a, id, Page::new(q.page, q.per_page, 50))
        .await
        .api(&ctx)?;
    Ok(Json(rows))
}

#[derive(Serialize, ToSchema)]
pub struct PaperEntered {
    outcome: PaperOutcome,
}

/// A teller's entry of a paper ballot; the second entry, by another teller, counts it if
/// both agree.
#[utoipa::path(post, path = "/api/v1/votes/{id}/paper", params(("id" = i64, Path)), request_body = PaperInput,
    responses((status = 200, body = PaperEntered), (status = 422, body = ApiErrorBody)))]
async fn enter_paper(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PaperInput>,
) -> ApiResult<Json<PaperEntered>> {
    let a = ctx.actor();
    let outcome = app::enter_paper(s.db(), a, id, &r).await.api(&ctx)?;
    Ok(Json(PaperEntered { outcome }))
}

#[derive(Deserialize, ToSchema)]
pub struct PaperCleared {
    /// The number of the paper ballot whose two entries disagreed.
    paper_no: String,
}

/// Clears both entries of a paper ballot whose entries disagreed (tellers), so two
/// tellers can enter it again; any other paper is refused and left as it is.
#[utoipa::path(post, path = "/api/v1/votes/{id}/paper/reenter", params(("id" = i64, Path)), request_body = PaperCleared,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn reenter_paper(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PaperCleared>,
) -> ApiResult<StatusCode> {
    app::reenter_paper(s.db(), ctx.actor(), id, &r.paper_no)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// An owner of an owners' vote, as the electorate stood when it opened.
#[derive(Serialize, ToSchema)]
pub struct OwnerEntry {
    /// The number printed on the owner's paper ballot, with its check digit (`0007-5`):
    /// what tellers enter.
    ballot_code: String,
    #[serde(flatten)]
    owner: VoteOwnerRow,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RollParams {
    /// Owners after this number (the `ballot_no` of the last one read, as an integer).
    #[serde(default)]
    after: i64,
    /// How many (1–500; 100 if not given).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The owners of an owners' vote with their ballot numbers, units and areas (tellers;
/// the read is logged), by number.
#[utoipa::path(get, path = "/api/v1/votes/{id}/owners", params(("id" = i64, Path), RollParams),
    responses((status = 200, body = [OwnerEntry])))]
async fn owners(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RollParams>,
) -> ApiResult<Json<Vec<OwnerEntry>>> {
    let (_, rows) = app::owner_roll(s.db(), ctx.actor(), id, q.after, q.limit.unwrap_or(100))
        .await
        .api(&ctx)?;
    Ok(Json(
        rows.into_iter()
            .map(|owner| OwnerEntry {
                ballot_code: linli_domain::deliberation::ballots::ballot_code(owner.ballot_no),
                owner,
            })
            .collect(),
    ))
}

/// Registered proxies (委托书) of an owners' vote (tellers). Proxies are registered on
/// the page, with the scanned letter.
#[utoipa::path(get, path = "/api/v1/votes/{id}/proxies", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = [ProxyRow])))]
async fn proxies(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> ApiResult<Json<Vec<ProxyRow>>> {
    let a = ctx.actor();
    let (_, rows) = app::proxies(s.db(), a, id, Page::new(q.page, q.per_page, 50))
        .await
        .api(&ctx)?;
    Ok(Json(rows))
}
