//! Deliberation pages: issues (议题) of a node and below, raising one (with photos), an
//! issue with its origin, support, status history and moderated thread, the issue's
//! photos.

use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path, Query};
use crate::pages::Pager;
use crate::pages::upload::{self, FileField, Upload};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linli_app::deliberation::issues::{
    self as app, IssueView, NewIssue, PHOTO_MAX_BYTES, PHOTOS_MAX, Photo, THREAD_PAGE, Thread,
};
use linli_app::{AppError, Page};
use linli_domain::deliberation::issues::IssueStatus;
use linli_store::deliberation::issues::{IssueRow, ReportedRow};
use linli_store::regions::RegionRow;
use serde::Deserialize;

/// A form with up to `PHOTOS_MAX` photos.
const UPLOAD_LIMIT: usize = PHOTOS_MAX * PHOTO_MAX_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/regions/{id}/issues",
            get(list_page)
                .post(raise)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/issues/new", get(new_issue))
        .route("/issues/{id}", get(issue_page))
        .route("/issues/{id}/support", post(support))
        .route("/issues/{id}/status", post(set_status))
        .route(
            "/issues/{id}/posts",
            post(reply).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/issues/{id}/photos/{file_id}", get(photo))
        .route("/posts/{id}/report", post(report))
        .route("/posts/{id}/hide", post(hide))
}

/// The files of an issue or post form: up to `PHOTOS_MAX` photos.
const PHOTOS: FileField = FileField {
    name: "photo",
    default_filename: "photo",
    too_large: "photo_too_large",
    max: Some((PHOTOS_MAX, "too_many_photos")),
};

impl Upload {
    /// The photos actually chosen (an empty file input sends an empty part).
    fn photos(&self) -> Vec<Photo<'_>> {
        self.files
            .iter()
            .filter(|(_, _, d)| !d.is_empty())
            .map(|(name, mime, data)| Photo {
                filename: name,
                mime,
                data,
            })
            .collect()
    }
}

async fn read_upload(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, AppError> {
    upload::read(mp, &PHOTOS).await
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
    status: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/issues.html")]
struct ListPage {
    l: Layout,
    region: RegionRow,
    issues: Vec<IssueRow>,
    total: i64,
    status: String,
    statuses: Vec<&'static str>,
    can_raise: bool,
    can_speak_for: bool,
    /// For moderators: reported posts still shown.
    reported: Vec<ReportedRow>,
    pager: Pager,
}

async fn list_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 30);
    let status = q.status.unwrap_or_default();
    let (region, issues, total) = app::list(state.db(), actor, id, Some(&status), page)
        .await
        .page(&ctx)?;
    // Rights come from the node `list` already read: no second read of it.
    let (can_raise, can_speak_for) = app::raise_rights(actor, &region);
    let reported = if app::moderates_region(actor, &region) {
        app::reported_at(state.db(), actor, &region)
            .await
            .page(&ctx)?
    } else {
        vec![]
    };
    let base = if status.is_empty() {
        format!("/regions/{id}/issues?")
    } else {
        format!("/regions/{id}/issues?status={status}&")
    };
    Ok(ListPage {
        l: ctx.layout(),
        pager: Pager::new(page, total, base),
        region,
        issues,
        total,
        status,
        statuses: IssueStatus::ALL.iter().map(|s| s.as_str()).collect(),
        can_raise,
        can_speak_for,
        reported,
    })
}

#[derive(Deserialize)]
struct NewQuery {
    region: i64,
}

/// `/issues/new?region=ID`: the raise form lives on the node's issue list.
async fn new_issue(Query(q): Query<NewQuery>) -> Redirect {
    Redirect::to(&format!("/regions/{}/issues#raise", q.region))
}

async fn raise(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = read_upload(mp).await.page(&ctx)?;
    let on_behalf = up.get("on_behalf") == "1";
    let households = match up.get("households_consulted").trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| AppError::Invalid("invalid_households_consulted"))
                .page(&ctx)?,
        ),
    };
    let i = app::raise(
        state.db(),
        actor,
        id,
        NewIssue {
            title: up.get("title"),
            text: up.get("text"),
            on_behalf,
            households_consulted: if on_behalf { households } else { None },
            photos: up.photos(),
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/issues/{}", i.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/issue.html")]
struct IssuePage {
    l: Layout,
    v: IssueView,
    t: Thread,
    pager: Pager,
    /// The post being quoted by the reply form (`?quote=`).
    quote: Option<i64>,
}

#[derive(Deserialize, Default)]
struct IssueQuery {
    page: Option<i64>,
    quote: Option<i64>,
}

async fn issue_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<IssueQuery>,
) -> Result<IssuePage, PageError> {
    let actor = ctx.actor();
    let v = app::view(state.db(), actor, id).await.page(&ctx)?;
    let page = Page::new(q.page, Some(THREAD_PAGE), THREAD_PAGE);
    let t = app::thread(state.db(), actor, id, page).await.page(&ctx)?;
    Ok(IssuePage {
        l: ctx.layout(),
        pager: Pager::new(page, t.total, format!("/issues/{id}?")),
        v,
        t,
        quote: q.quote,
    })
}

async fn support(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::support(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/issues/{id}")))
}

#[derive(Deserialize)]
struct StatusForm {
    to: String,
    reason: Option<String>,
}

async fn set_status(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<StatusForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::set_status(
        state.db(),
        actor,
        id,
        &f.to,
        f.reason.as_deref().unwrap_or(""),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/issues/{id}")))
}

async fn reply(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = read_upload(mp).await.page(&ctx)?;
    let quote = app::parse_quote(up.get("quote_id")).page(&ctx)?;
    let post = app::reply(state.db(), actor, id, up.get("text"), quote, up.photos())
        .await
        .page(&ctx)?;
    // The last page of the thread, where the new post is.
    let last = ((post.total + THREAD_PAGE - 1) / THREAD_PAGE).max(1);
    Ok(Redirect::to(&format!(
        "/issues/{id}?page={last}#post-{}",
        post.id
    )))
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: Option<String>,
}

async fn report(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReasonForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let issue = app::report(state.db(), actor, id, f.reason.as_deref().unwrap_or(""))
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/issues/{issue}#post-{id}")))
}

async fn hide(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReasonForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let issue = app::hide(state.db(), actor, id, f.reason.as_deref().unwrap_or(""))
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/issues/{issue}#post-{id}")))
}

/// A photo, served as stored (only JPEG or PNG were accepted) with `nosniff`.
async fn photo(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let f = app::photo(state.db(), actor, id, file_id)
        .await
        .page(&ctx)?;
    Ok((
        [
            (header::CONTENT_TYPE, f.mime.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"photo-{}\"", f.id),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        f.data,
    )
        .into_response())
}
