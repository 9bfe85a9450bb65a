//! The caller's notifications, and which kinds they receive.

use crate::api::common::{ApiResult, PageParams};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::notifications::{self as app, KindSetting};
use linli_store::notifications::NotificationRow;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(settings, set_settings))
}

#[derive(OpenApi)]
#[openapi(components(schemas(Notifications, NotificationRow, KindSetting, SettingsReq)))]
pub struct NotificationsDoc;

/// The caller's notifications and how many are unread.
#[derive(Serialize, ToSchema)]
pub struct Notifications {
    items: Vec<NotificationRow>,
    unread: i64,
}

/// The caller's notifications, newest first (reading them does not mark them read).
#[utoipa::path(get, path = "/api/v1/notifications", params(PageParams),
    responses((status = 200, body = Notifications), (status = 401, body = ApiErrorBody)))]
async fn notifications(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Notifications>> {
    let a = ctx.actor();
    let (items, unread) = app::mine(s.db(), a, p.page(30)).await.api(&ctx)?;
    Ok(Json(Notifications { items, unread }))
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn mark_read(ctx: LoggedIn, State(s): State<AppState>) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    app::mark_all_read(s.db(), a).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every kind of notification, with whether the caller receives it.
#[utoipa::path(get, path = "/api/v1/notifications/settings",
    responses((status = 200, body = Vec<KindSetting>), (status = 401, body = ApiErrorBody)))]
async fn settings(ctx: LoggedIn, State(s): State<AppState>) -> ApiResult<Json<Vec<KindSetting>>> {
    let a = ctx.actor();
    Ok(Json(app::settings(s.db(), a).await.api(&ctx)?))
}

#[derive(Deserialize, ToSchema)]
pub struct SettingsReq {
    /// The kinds to receive; every other kind is muted.
    enabled: Vec<String>,
}

/// Sets which kinds the caller receives.
#[utoipa::path(put, path = "/api/v1/notifications/settings", request_body = SettingsReq,
    responses((status = 200, body = Vec<KindSetting>), (status = 422, body = ApiErrorBody)))]
async fn set_settings(
    ctx: LoggedIn,
    State(s): State<AppState>,
    ApiJson(r): ApiJson<SettingsReq>,
) -> ApiResult<Json<Vec<KindSetting>>> {
    let a = ctx.actor();
    app::set_enabled(s.db(), a, &r.enabled).await.api(&ctx)?;
    Ok(Json(app::settings(s.db(), a).await.api(&ctx)?))
}
