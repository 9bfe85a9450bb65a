//! Deliberation API: issues, their support, thread, moderation and photos.

use crate::api::common::{ApiResult, PageParams, UploadParams, content_type};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use linli_app::Page;
use linli_app::deliberation::issues::{
    self as app, IssueView, NewIssue, PHOTO_MAX_BYTES, Photo, PostView, Posted, THREAD_PAGE, Thread,
};
use linli_store::deliberation::issues::{EventRow, IssueRow, PostRow, ReportedRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, raise))
        .routes(routes!(reported))
        .routes(routes!(issue))
        .routes(routes!(support))
        .routes(routes!(set_status))
        .routes(routes!(thread, reply))
        .routes(routes!(issue_photo).layer(DefaultBodyLimit::max(PHOTO_MAX_BYTES + 1024)))
        .routes(routes!(post_photo).layer(DefaultBodyLimit::max(PHOTO_MAX_BYTES + 1024)))
        .routes(routes!(report))
        .routes(routes!(hide))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    IssueRow,
    IssueList,
    IssueReq,
    IssueView,
    EventRow,
    StatusReq,
    Thread,
    PostView,
    PostRow,
    PostReq,
    Posted,
    ReasonReq,
    PhotoOut,
    IssueOf,
    ReportedRow,
)))]
pub struct Doc;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// raised, on_agenda, decided, in_action, done or declined.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// A page of issues and how many there are in all.
#[derive(Serialize, ToSchema)]
pub struct IssueList {
    items: Vec<IssueRow>,
    total: i64,
}

/// Issues at and below a node, newest first.
#[utoipa::path(get, path = "/api/v1/regions/{id}/issues", params(("id" = i64, Path), ListParams),
    responses((status = 200, body = IssueList), (status = 403, body = ApiErrorBody)))]
async fn list(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<IssueList>> {
    let a = ctx.actor();
    let (_, items, total) = app::list(
        s.db(),
        a,
        id,
        p.status.as_deref(),
        Page::new(p.page, p.per_page, 30),
    )
    .await
    .api(&ctx)?;
    Ok(Json(IssueList { items, total }))
}

/// Reported posts still shown in issues at and below a node, most reported first
/// (social workers and administrators).
#[utoipa::path(get, path = "/api/v1/regions/{id}/reported-posts", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ReportedRow>), (status = 403, body = ApiErrorBody)))]
async fn reported(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ReportedRow>>> {
    let a = ctx.actor();
    Ok(Json(app::reported(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct IssueReq {
    title: String,
    text: String,
    /// Raised by a building representative on behalf of the building (the node).
    #[serde(default)]
    on_behalf: bool,
    households_consulted: Option<i64>,
}

/// Raises an issue at a building, compound or community; photos are added afterwards
/// with `POST /api/v1/issues/{id}/photos`.
#[utoipa::path(post, path = "/api/v1/regions/{id}/issues", params(("id" = i64, Path)), request_body = IssueReq,
    responses((status = 201, body = IssueRow), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody)))]
async fn raise(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<IssueReq>,
) -> ApiResult<(StatusCode, Json<IssueRow>)> {
    let a = ctx.actor();
    let i = app::raise(
        s.db(),
        a,
        id,
        NewIssue {
            title: &r.title,
            text: &r.text,
            on_behalf: r.on_behalf,
            households_consulted: r.households_consulted,
            photos: vec![],
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// An issue with its origin, photos, history and what the caller may do.
#[utoipa::path(get, path = "/api/v1/issues/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = IssueView), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn issue(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<IssueView>> {
    let a = ctx.actor();
    Ok(Json(app::view(s.db(), a, id).await.api(&ctx)?))
}

/// Supports an issue, once per person; at the body's threshold it goes on the agenda.
#[utoipa::path(post, path = "/api/v1/issues/{id}/support", params(("id" = i64, Path)),
    responses((status = 200, body = IssueRow), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn support(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<IssueRow>> {
    let a = ctx.actor();
    Ok(Json(app::support(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusReq {
    /// on_agenda, decided, in_action, done or declined.
    to: String,
    /// Required when declining.
    reason: Option<String>,
}

/// Moves an issue by hand (administrators of its node).
#[utoipa::path(post, path = "/api/v1/issues/{id}/status", params(("id" = i64, Path)), request_body = StatusReq,
    responses((status = 200, body = IssueRow), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn set_status(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<StatusReq>,
) -> ApiResult<Json<IssueRow>> {
    let a = ctx.actor();
    Ok(Json(
        app::set_status(s.db(), a, id, &r.to, r.reason.as_deref().unwrap_or(""))
            .await
            .api(&ctx)?,
    ))
}

/// A page of the issue's thread, oldest first; hidden posts show only the reason.
#[utoipa::path(get, path = "/api/v1/issues/{id}/posts", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = Thread), (status = 403, body = ApiErrorBody)))]
async fn thread(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Thread>> {
    let a = ctx.actor();
    Ok(Json(
        app::thread(s.db(), a, id, Page::new(p.page, p.per_page, THREAD_PAGE))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PostReq {
    text: String,
    /// An earlier post of the same issue.
    quote_id: Option<i64>,
}

/// Replies in an issue's thread; photos are added afterwards with
/// `POST /api/v1/posts/{id}/photos`.
#[utoipa::path(post, path = "/api/v1/issues/{id}/posts", params(("id" = i64, Path)), request_body = PostReq,
    responses((status = 201, body = Posted), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody)))]
async fn reply(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PostReq>,
) -> ApiResult<(StatusCode, Json<Posted>)> {
    let a = ctx.actor();
    let p = app::reply(s.db(), a, id, &r.text, r.quote_id, vec![])
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[derive(Serialize, ToSchema)]
pub struct PhotoOut {
    /// Served at `/issues/{issue_id}/photos/{id}`.
    id: i64,
}

/// Adds a photo to an issue (its author): the body is the file, JPEG or PNG, at most
/// 5 MB, with its Content-Type; at most 3 per issue.
#[utoipa::path(post, path = "/api/v1/issues/{id}/photos", params(("id" = i64, Path), UploadParams),
    responses((status = 201, body = PhotoOut), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn issue_photo(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<PhotoOut>)> {
    let a = ctx.actor();
    let photo = Photo {
        filename: q.filename.as_deref().unwrap_or("photo"),
        mime: content_type(&headers),
        data: &body,
    };
    let id = app::add_photo(s.db(), a, id, None, photo).await.api(&ctx)?;
    Ok((StatusCode::CREATED, Json(PhotoOut { id })))
}

/// Adds a photo to a post (its author), as for issues.
#[utoipa::path(post, path = "/api/v1/posts/{id}/photos", params(("id" = i64, Path), UploadParams),
    responses((status = 201, body = PhotoOut), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn post_photo(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<PhotoOut>)> {
    let a = ctx.actor();
    let issue = app::issue_of_post(s.db(), a, id).await.api(&ctx)?;
    let photo = Photo {
        filename: q.filename.as_deref().unwrap_or("photo"),
        mime: content_type(&headers),
        data: &body,
    };
    let id = app::add_photo(s.db(), a, issue, Some(id), photo)
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(PhotoOut { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonReq {
    /// Optional for reports, required for hiding.
    reason: Option<String>,
}

/// The issue a post belongs to.
#[derive(Serialize, ToSchema)]
pub struct IssueOf {
    issue_id: i64,
}

/// Reports a post to the moderators, once per person.
#[utoipa::path(post, path = "/api/v1/posts/{id}/reports", params(("id" = i64, Path)), request_body = ReasonReq,
    responses((status = 201, body = IssueOf), (status = 409, body = ApiErrorBody)))]
async fn report(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReasonReq>,
) -> ApiResult<(StatusCode, Json<IssueOf>)> {
    let a = ctx.actor();
    let issue_id = app::report(s.db(), a, id, r.reason.as_deref().unwrap_or(""))
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(IssueOf { issue_id })))
}

/// Hides a post for everyone with a reason (social workers and administrators).
#[utoipa::path(post, path = "/api/v1/posts/{id}/hide", params(("id" = i64, Path)), request_body = ReasonReq,
    responses((status = 200, body = IssueOf), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn hide(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReasonReq>,
) -> ApiResult<Json<IssueOf>> {
    let a = ctx.actor();
    let issue_id = app::hide(s.db(), a, id, r.reason.as_deref().unwrap_or(""))
        .await
        .api(&ctx)?;
    Ok(Json(IssueOf { issue_id }))
}
