//! Clubs and activities in the API.

use crate::api::common::{ApiResult, PageParams, fen, optional_fen};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::Page;
use linli_app::clubs::{self as app, ActivityView, Growth, NewActivity, Settlement, StageView};
use linli_store::clubs::{ActivityRow, CostRow, MeetingRow, ShareRow, SignupRow, StageChangeRow};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stage, change_stage))
        .routes(routes!(activities, create))
        .routes(routes!(activity, edit_activity))
        .routes(routes!(share_link))
        .routes(routes!(sign_up, cancel))
        .routes(routes!(capacity))
        .routes(routes!(check_in))
        .routes(routes!(paid))
        .routes(routes!(settlement, settle))
        .routes(routes!(publish))
        .routes(routes!(call_off))
        .routes(routes!(add_cost))
        .routes(routes!(review))
        .routes(routes!(create_meeting))
        .routes(routes!(share))
        .routes(routes!(growth))
        .routes(routes!(meetings))
        .routes(routes!(meeting))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    CostReq,
    EditActivityReq,
    ShareLink,
    ReviewReq,
    MeetingReq,
    ShareReq,
    Created,
    StageView,
    StageChangeRow,
    StageReq,
    ActivityRow,
    ActivityReq,
    ActivityView,
    SignupRow,
    CapacityReq,
    CodeReq,
    Settlement,
    CostRow,
    Growth,
    MeetingRow,
    ShareRow,
    MeetingOut
)))]
pub struct ClubsDoc;

/// A club's stage and its dated history.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/stage", params(("id" = i64, Path)), responses((status = 200, body = StageView)))]
async fn stage(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<StageView>> {
    let a = ctx.actor();
    let org = linli_app::organizations::get(s.db(), a, id)
        .await
        .api(&ctx)?;
    Ok(Json(app::stage(s.db(), a, &org).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct StageReq {
    /// proposed, seedling, active, registered, dormant or dissolved.
    to: String,
    /// Needed unless moving one step up.
    reason: Option<String>,
}

/// Moves a club along its lifecycle (social workers, the association, officers).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/stage", params(("id" = i64, Path)), request_body = StageReq,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn change_stage(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<StageReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::change_stage(s.db(), a, id, &r.to, r.reason.as_deref().unwrap_or(""))
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A club's activities, newest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/activities", params(("id" = i64, Path), PageParams), responses((status = 200, body = Vec<ActivityRow>)))]
async fn activities(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Vec<ActivityRow>>> {
    let a = ctx.actor();
    Ok(Json(
        app::of_org(s.db(), a, id, Page::new(p.page, p.per_page, 30))
            .await
            .api(&ctx)?
            .activities,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivityReq {
    title: String,
    description: Option<String>,
    place: String,
    /// `YYYY-MM-DDTHH:MM`, Asia/Shanghai.
    starts_at: String,
    cancel_hours: Option<i64>,
    capacity: i64,
    #[schema(value_type = Option<i64>)]
    planned_cost_fen: Option<serde_json::Number>,
    /// Planned surplus in percent, e.g. "5".
    surplus_percent: Option<String>,
    #[schema(value_type = Option<i64>)]
    fee_fen: Option<serde_json::Number>,
    /// false keeps it as a plan (default: published).
    publish: Option<bool>,
}

/// Publishes an activity (leaders and treasurer); the AA fee is derived unless set higher.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/activities", params(("id" = i64, Path)), request_body = ActivityReq,
    responses((status = 201, body = ActivityRow), (status = 422, body = ApiErrorBody)))]
async fn create(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ActivityReq>,
) -> ApiResult<(StatusCode, Json<ActivityRow>)> {
    let a = ctx.actor();
    let n = NewActivity {
        title: &r.title,
        description: r.description.as_deref().unwrap_or(""),
        place: &r.place,
        starts_at: &r.starts_at,
        cancel_hours: r.cancel_hours.unwrap_or(24),
        capacity: r.capacity,
        planned_cost: optional_fen(&r.planned_cost_fen).api(&ctx)?,
        surplus_percent: r.surplus_percent.as_deref().unwrap_or("0"),
        fee: optional_fen(&r.fee_fen).api(&ctx)?,
        publish: r.publish.unwrap_or(true),
    };
    Ok((
        StatusCode::CREATED,
        Json(app::create_activity(s.db(), a, id, n).await.api(&ctx)?),
    ))
}

/// An activity with the caller's sign-up (and, for organizers, the attendance list).
#[utoipa::path(get, path = "/api/v1/activities/{id}", params(("id" = i64, Path)), responses((status = 200, body = ActivityView)))]
async fn activity(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ActivityView>> {
    let a = ctx.actor();
    Ok(Json(app::get(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct EditActivityReq {
    title: String,
    #[serde(default)]
    description: String,
    place: String,
    /// `2026-12-05T19:30`, Asia/Shanghai.
    starts_at: String,
    /// Sign-ups may be cancelled until this many hours before the start.
    #[serde(default)]
    cancel_hours: i64,
    /// How to reach the organizer (a phone number, a WeChat id), at most 60 characters.
    #[serde(default)]
    contact: String,
}

/// Changes an activity before it takes place (its organizers); those signed up are told
/// when its time or place changed.
#[utoipa::path(put, path = "/api/v1/activities/{id}", params(("id" = i64, Path)), request_body = EditActivityReq,
    responses((status = 200, body = ActivityView), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn edit_activity(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<EditActivityReq>,
) -> ApiResult<Json<ActivityView>> {
    let a = ctx.actor();
    app::edit_activity(
        s.db(),
        a,
        id,
        app::EditActivity {
            title: &r.title,
            description: &r.description,
            place: &r.place,
            starts_at: &r.starts_at,
            cancel_hours: r.cancel_hours,
            contact: &r.contact,
        },
    )
    .await
    .api(&ctx)?;
    Ok(Json(app::get(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Serialize, ToSchema)]
pub struct ShareLink {
    /// The public page's path, `/s/{token}`: title, time and place, for a WeChat group.
    path: String,
}

/// The activity's share link, made on first use (its organizers).
#[utoipa::path(post, path = "/api/v1/activities/{id}/share", params(("id" = i64, Path)),
    responses((status = 200, body = ShareLink), (status = 403, body = ApiErrorBody)))]
async fn share_link(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ShareLink>> {
    let t = app::share_token(s.db(), ctx.actor(), id).await.api(&ctx)?;
    Ok(Json(ShareLink {
        path: format!("/s/{t}"),
    }))
}

/// Signs up (confirmed while places are left, else on the waiting list).
#[utoipa::path(post, path = "/api/v1/activities/{id}/signup", params(("id" = i64, Path)),
    responses((status = 201, body = SignupRow), (status = 409, body = ApiErrorBody)))]
async fn sign_up(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<SignupRow>)> {
    let a = ctx.actor();
    Ok((
        StatusCode::CREATED,
        Json(app::sign_up(s.db(), a, id).await.api(&ctx)?),
    ))
}

/// Cancels the caller's sign-up before the deadline; the waiting list moves up.
#[utoipa::path(delete, path = "/api/v1/activities/{id}/signup", params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn cancel(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::cancel(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CapacityReq {
    capacity: i64,
}

/// Changes the number of places (never below those signed up).
#[utoipa::path(post, path = "/api/v1/activities/{id}/capacity", params(("id" = i64, Path)), request_body = CapacityReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn capacity(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CapacityReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::set_capacity(s.db(), a, id, r.capacity)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CodeReq {
    /// The code shown at the door.
    code: String,
}

/// Checks in with the door code (confirmed participants only).
#[utoipa::path(post, path = "/api/v1/activities/{id}/checkin", params(("id" = i64, Path)), request_body = CodeReq,
    responses((status = 204), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn check_in(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CodeReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::check_in(s.db(), a, id, &r.code).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records that a participant paid the AA fee (organizers).
#[utoipa::path(post, path = "/api/v1/activities/{id}/payments/{user_id}", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody)))]
async fn paid(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path((id, user)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::mark_paid(s.db(), a, id, user).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fees collected, costs with receipts and the surplus.
#[utoipa::path(get, path = "/api/v1/activities/{id}/settlement", params(("id" = i64, Path)), responses((status = 200, body = Settlement)))]
async fn settlement(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Settlement>> {
    let a = ctx.actor();
    Ok(Json(app::settlement(s.db(), a, id).await.api(&ctx)?))
}

/// Settles a held activity into the club's ledger.
#[utoipa::path(post, path = "/api/v1/activities/{id}/settlement", params(("id" = i64, Path)),
    responses((status = 200, body = Settlement), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn settle(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Settlement>> {
    let a = ctx.actor();
    Ok(Json(app::settle(s.db(), a, id).await.api(&ctx)?))
}

/// Clubs per stage per month, members, activities and households reached.
#[utoipa::path(get, path = "/api/v1/regions/{id}/growth", params(("id" = i64, Path)), responses((status = 200, body = Growth)))]
async fn growth(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Growth>> {
    let a = ctx.actor();
    Ok(Json(app::growth(s.db(), a, id).await.api(&ctx)?))
}

/// Life meetings at and below a node.
#[utoipa::path(get, path = "/api/v1/regions/{id}/life-meetings", params(("id" = i64, Path), PageParams), responses((status = 200, body = Vec<MeetingRow>)))]
async fn meetings(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Vec<MeetingRow>>> {
    let a = ctx.actor();
    Ok(Json(
        app::meetings(s.db(), a, id, Page::new(p.page, p.per_page, 30))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MeetingOut {
    meeting: MeetingRow,
    shares: Vec<ShareRow>,
}

/// A life meeting with the stories shared.
#[utoipa::path(get, path = "/api/v1/life-meetings/{id}", params(("id" = i64, Path)), responses((status = 200, body = MeetingOut)))]
async fn meeting(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<MeetingOut>> {
    let a = ctx.actor();
    let (meeting, shares) = app::meeting(s.db(), a, id).await.api(&ctx)?;
    Ok(Json(MeetingOut { meeting, shares }))
}

/// Publishes a planned activity.
#[utoipa::path(post, path = "/api/v1/activities/{id}/publication", params(("id" = i64, Path)), responses((status = 204), (status = 409, body = ApiErrorBody)))]
async fn publish(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::publish(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CallOffReq {
    /// Why it is called off, told to everyone signed up.
    reason: String,
}

/// Calls an activity off before it takes place (its organizers); everyone signed up is
/// told why, and those who paid to collect their fee.
#[utoipa::path(post, path = "/api/v1/activities/{id}/cancellation", params(("id" = i64, Path)), request_body = CallOffReq,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn call_off(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CallOffReq>,
) -> ApiResult<StatusCode> {
    app::call_off(s.db(), ctx.actor(), id, &r.reason)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CostReq {
    item: String,
    #[schema(value_type = i64)]
    amount_fen: serde_json::Number,
    /// A voucher uploaded to the club's ledger first.
    voucher_id: i64,
}

/// Enters an actual cost with its receipt (before settling).
#[utoipa::path(post, path = "/api/v1/activities/{id}/costs", params(("id" = i64, Path)), request_body = CostReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn add_cost(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CostReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    let amount = fen(&r.amount_fen).api(&ctx)?;
    app::add_cost(
        s.db(),
        a,
        id,
        &r.item,
        amount,
        linli_app::money::VoucherInput::Existing(r.voucher_id),
    )
    .await
    .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewReq {
    review: String,
}

/// Writes the review of a settled activity.
#[utoipa::path(post, path = "/api/v1/activities/{id}/review", params(("id" = i64, Path)), request_body = ReviewReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn review(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReviewReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::review(s.db(), a, id, &r.review).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingReq {
    title: String,
    /// `YYYY-MM-DD`.
    held_on: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ClubCreated)]
pub struct Created {
    id: i64,
}

/// Schedules a life meeting on a node (social workers, the association, officers).
#[utoipa::path(post, path = "/api/v1/regions/{id}/life-meetings/new", params(("id" = i64, Path)), request_body = MeetingReq,
    responses((status = 201, body = Created), (status = 403, body = ApiErrorBody)))]
async fn create_meeting(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MeetingReq>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let a = ctx.actor();
    let id = app::create_meeting(s.db(), a, id, &r.title, &r.held_on)
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ShareReq {
    org_id: i64,
    story: String,
    #[schema(value_type = Option<i64>)]
    money_used_fen: Option<serde_json::Number>,
    /// A photo uploaded to the club's files first.
    photo_id: Option<i64>,
}

/// A club leader shares what the club did at a life meeting.
#[utoipa::path(post, path = "/api/v1/life-meetings/{id}/shares", params(("id" = i64, Path)), request_body = ShareReq,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn share(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ShareReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    let photo = r.photo_id.map_or(
        linli_app::money::VoucherInput::None,
        linli_app::money::VoucherInput::Existing,
    );
    app::share(
        s.db(),
        a,
        id,
        r.org_id,
        &r.story,
        optional_fen(&r.money_used_fen).api(&ctx)?,
        photo,
    )
    .await
    .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}
