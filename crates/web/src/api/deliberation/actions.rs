//! Deliberation API: action items, progress notes and the accountability list of a node.

use crate::api::common::ApiResult;
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::deliberation::actions::{self as app, ActionView, Decision, ItemView, NewAction};
use linli_store::deliberation::actions::{ActionRow, DecidedIssueRow, NoteRow};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(decisions))
        .routes(routes!(create))
        .routes(routes!(action))
        .routes(routes!(progress))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    Decision,
    ItemView,
    DecidedIssueRow,
    ActionRow,
    ActionView,
    NoteRow,
    ActionReq,
    ProgressReq
)))]
pub struct Doc;

/// Every decided, in-action and done issue at and below a node with its items.
#[utoipa::path(get, path = "/api/v1/regions/{id}/decisions", params(("id" = i64, Path)), responses((status = 200, body = Vec<Decision>)))]
async fn decisions(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Decision>>> {
    let a = ctx.actor();
    Ok(Json(app::accountability(s.db(), a, id).await.api(&ctx)?.1))
}

#[derive(Deserialize, ToSchema)]
pub struct ActionReq {
    title: String,
    /// The owner's phone number, or `owner_id`.
    owner_phone: Option<String>,
    owner_id: Option<i64>,
    /// `YYYY-MM-DD`, today or later.
    due_on: String,
}

/// Adds an action item to a decided issue (its node's administrator or the sitting's chair).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/actions", params(("id" = i64, Path, description = "the issue")),
    request_body = ActionReq, responses((status = 201, body = ActionRow), (status = 422, body = ApiErrorBody)))]
async fn create(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ActionReq>,
) -> ApiResult<(StatusCode, Json<ActionRow>)> {
    let a = ctx.actor();
    let row = app::create(
        s.db(),
        a,
        id,
        NewAction {
            title: &r.title,
            owner_phone: r.owner_phone.as_deref().unwrap_or(""),
            owner_id: r.owner_id,
            due_on: &r.due_on,
        },
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// An action item with its progress notes.
#[utoipa::path(get, path = "/api/v1/actions/{id}", params(("id" = i64, Path)), responses((status = 200, body = ActionView)))]
async fn action(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ActionView>> {
    let a = ctx.actor();
    Ok(Json(app::get(s.db(), a, id).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressReq {
    note: Option<String>,
    /// 0–100
    percent: Option<i64>,
    /// Marks the item done (100%).
    done: Option<bool>,
}

/// Records progress (the owner or an administrator); the last item done closes the issue.
#[utoipa::path(post, path = "/api/v1/actions/{id}/progress", params(("id" = i64, Path)), request_body = ProgressReq,
    responses((status = 200, body = ActionView), (status = 422, body = ApiErrorBody)))]
async fn progress(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ProgressReq>,
) -> ApiResult<Json<ActionView>> {
    let a = ctx.actor();
    Ok(Json(
        app::progress(
            s.db(),
            a,
            id,
            r.note.as_deref().unwrap_or(""),
            r.percent.unwrap_or(0),
            r.done.unwrap_or(false),
        )
        .await
        .api(&ctx)?,
    ))
}
