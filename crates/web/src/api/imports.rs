//! Importing units, owners and residents from a sheet, through the API (issue 15): the
//! dry run (the request body is the `.xlsx`), the report, the choice and the progress.
//! The export is the page's `/regions/{id}/units.xlsx`, which takes the same bearer.

use crate::api::common::{ApiResult, UploadParams};
use crate::ctx::LoggedIn;
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::{ApiJson, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use linli_app::AppError;
use linli_app::imports::{self as app, Problem, Written};
use linli_store::imports::ImportRow;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check).layer(DefaultBodyLimit::max(app::MAX_BYTES + 1024)))
        .routes(routes!(report))
        .routes(routes!(commit))
}

#[derive(OpenApi)]
#[openapi(components(schemas(ImportOut, ImportRow, Problem, Written, CommitReq)))]
pub struct ImportsDoc;

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    import: ImportRow,
    /// The dry run's problems, row by row (the first 500; `import.bad_rows` counts all).
    problems: Vec<Problem>,
    /// What was written, once done.
    written: Option<Written>,
}

async fn out(ctx: &LoggedIn, s: &AppState, id: i64) -> ApiResult<Json<ImportOut>> {
    let (import, _, problems) = app::get(s.db(), ctx.actor(), id).await.api(ctx)?;
    let written = serde_json::from_str(&import.result).ok();
    Ok(Json(ImportOut {
        import,
        problems,
        written,
    }))
}

/// Checks a sheet (the dry run): the request body is the `.xlsx` file, `filename` its
/// name. Nothing is written to the tree, units or owners; the report is kept.
#[utoipa::path(post, path = "/api/v1/regions/{id}/imports", params(("id" = i64, Path), UploadParams),
    responses((status = 201, body = ImportOut), (status = 422, body = ApiErrorBody)))]
async fn check(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UploadParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    let a = ctx.actor();
    let body = body
        .map_err(|_| AppError::Invalid("import_too_large"))
        .api(&ctx)?;
    let name = q.filename.as_deref().unwrap_or("sheet.xlsx");
    let row = app::check(s.db(), a, id, name, body.to_vec())
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, out(&ctx, &s, row.id).await?))
}

/// An import: its report, and once chosen its progress and what it wrote.
#[utoipa::path(get, path = "/api/v1/imports/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ImportOut)))]
async fn report(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ImportOut>> {
    out(&ctx, &s, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct CommitReq {
    /// all (only a sheet without problems) | valid (the rows that passed).
    mode: String,
}

/// Writes a checked sheet, in the background; poll the import for its progress.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", params(("id" = i64, Path)),
    request_body = CommitReq,
    responses((status = 202, body = ImportOut), (status = 422, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn commit(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CommitReq>,
) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    let a = ctx.actor();
    let mode = app::Mode::parse(&r.mode).api(&ctx)?;
    app::commit(s.db(), a, id, mode).await.api(&ctx)?;
    Ok((StatusCode::ACCEPTED, out(&ctx, &s, id).await?))
}
