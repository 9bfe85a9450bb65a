//! The background job queue, for platform administrators: what is queued, running, done
//! and dead, and retrying a dead job.

use crate::api::common::PageParams;
use crate::ctx::LoggedIn;
use crate::error::{ApiError, OrPage};
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::jobs::{self, JobCount};
use linli_store::jobs::JobRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(retry_job))
}

#[derive(OpenApi)]
#[openapi(components(schemas(JobsOut, JobCount, JobRow)))]
pub struct JobsDoc;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsParams {
    /// queued | running | done | dead; all when absent.
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobsOut {
    /// Jobs per kind and status.
    counts: Vec<JobCount>,
    /// The jobs of the page, newest first.
    jobs: Vec<JobRow>,
}

/// The job queue (platform administrators).
#[utoipa::path(get, path = "/api/v1/jobs", params(JobsParams, PageParams),
    responses((status = 200, body = JobsOut)))]
async fn list_jobs(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Query(q): Query<JobsParams>,
    Query(p): Query<PageParams>,
) -> Result<Json<JobsOut>, ApiError> {
    let a = ctx.actor();
    let (counts, jobs) = jobs::overview(s.db(), a, q.status.as_deref(), p.page(50))
        .await
        .api(&ctx)?;
    Ok(Json(JobsOut { counts, jobs }))
}

/// Queues a dead job again with fresh attempts.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", params(("id" = i64, Path)),
    responses((status = 204)))]
async fn retry_job(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let a = ctx.actor();
    jobs::retry(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}
