//! Importing a compound's units, owners and residents from a sheet, and exporting them
//! (issue 15): the import page (template, upload), the dry run's report with its two
//! choices, the progress of the writing (refreshing itself, so it survives a reload and
//! needs no script), and the `.xlsx` export, streamed.

use super::upload::{self, FileField};
use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linli_app::AppError;
use linli_app::imports::{self as app, Problem, Written};
use linli_store::imports::ImportRow;
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/regions/{id}/import",
            get(start_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(app::MAX_BYTES + 64 * 1024)),
        )
        .route("/regions/{id}/import/template.xlsx", get(template))
        .route("/regions/{id}/units.xlsx", get(export))
        .route("/imports/{id}", get(report_page))
        .route("/imports/{id}/commit", post(commit))
}

const SHEET: FileField = FileField {
    name: "sheet",
    default_filename: "sheet.xlsx",
    too_large: "import_too_large",
    max: None,
};

#[derive(Template, WebTemplate)]
#[template(path = "imports/start.html")]
struct StartPage {
    l: Layout,
    region: RegionRow,
    recent: Vec<ImportRow>,
    columns: Vec<(&'static str, bool)>,
    error: Option<String>,
}

async fn start_template(
    ctx: &LoggedIn,
    state: &AppState,
    id: i64,
    error: Option<String>,
) -> Result<StartPage, PageError> {
    let (region, recent) = app::recent(state.db(), ctx.actor(), id).await.page(ctx)?;
    Ok(StartPage {
        l: ctx.layout(),
        region,
        recent,
        columns: app::Column::ALL
            .iter()
            .map(|c| (c.headers()[0], c.required()))
            .collect(),
        error,
    })
}

/// The import page: what the sheet holds, the template, the upload.
async fn start_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StartPage, PageError> {
    start_template(&ctx, &state, id, None).await
}

/// Checks an uploaded sheet (nothing is written) and shows its report.
async fn upload(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let result = async {
        let mut up = upload::read(mp, &SHEET).await?;
        let (name, _, data) = up.files.pop().unwrap_or_default();
        if data.is_empty() {
            return Err(AppError::Invalid("import_no_file"));
        }
        app::check(state.db(), ctx.actor(), id, &name, data).await
    }
    .await;
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/imports/{}", row.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            let page = start_template(&ctx, &state, id, Some(msg)).await?;
            Ok((crate::error::status(&e), page).into_response())
        }
        Err(e) => Err(PageError::new(e, &ctx)),
    }
}

fn xlsx_response(name: &str, body: Body) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The sheet to fill in: the headers and two example rows.
async fn template(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    app::recent(state.db(), ctx.actor(), id).await.page(&ctx)?;
    let bytes = app::template().page(&ctx)?;
    Ok(xlsx_response(
        "linli-import-template.xlsx",
        Body::from(bytes),
    ))
}

/// The units list under a node as `.xlsx`, in the import's columns (so it can be edited
/// and imported again), streamed a page at a time; masked unless the role may see it.
async fn export(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let e = app::export(state.db(), ctx.actor(), id).await.page(&ctx)?;
    let name = format!("units-{}.xlsx", e.region.id);
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = state.db().clone();
    linli_store::clock::spawn(async move {
        if let Err(err) = app::write_export(&db, &e, tx).await {
            tracing::error!(error = %err, region = e.region.id, "export failed");
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(axum::body::Bytes::from(chunk)), rx))
    });
    Ok(xlsx_response(&name, Body::from_stream(stream)))
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/report.html")]
struct ReportPage {
    l: Layout,
    imp: ImportRow,
    region: RegionRow,
    problems: Vec<Problem>,
    written: Option<Written>,
    error: Option<String>,
}

impl ReportPage {
    /// Percent written, for the progress bar.
    fn percent(&self) -> i64 {
        (self.imp.done_units * 100)
            .checked_div(self.imp.units)
            .unwrap_or(0)
    }
    fn working(&self) -> bool {
        matches!(self.imp.status.as_str(), "queued" | "running")
    }
}

async fn report_template(
    ctx: &LoggedIn,
    state: &AppState,
    id: i64,
    error: Option<String>,
) -> Result<ReportPage, PageError> {
    let (imp, region, problems) = app::get(state.db(), ctx.actor(), id).await.page(ctx)?;
    let written = serde_json::from_str(&imp.result).ok();
    Ok(ReportPage {
        l: ctx.layout(),
        imp,
        region,
        problems,
        written,
        error,
    })
}

/// The dry run's report, the choice, then the progress and what was written.
async fn report_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ReportPage, PageError> {
    report_template(&ctx, &state, id, None).await
}

#[derive(Deserialize)]
struct CommitForm {
    mode: String,
}

async fn commit(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CommitForm>,
) -> Result<Response, PageError> {
    let result = async {
        let mode = app::Mode::parse(&f.mode)?;
        app::commit(state.db(), ctx.actor(), id, mode).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            let page = report_template(&ctx, &state, id, Some(msg)).await?;
            Ok((crate::error::status(&e), page).into_response())
        }
        Err(e) => Err(PageError::new(e, &ctx)),
    }
}
