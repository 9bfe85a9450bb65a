//! Deliberation pages: action items with progress notes, and the accountability page of
//! a node (every decision at and below it with its items, owners, due dates, progress).

use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::deliberation::actions::{self as app, ActionView, Decision, NewAction};
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{id}/decisions", get(accountability_page))
        .route("/decisions/{id}/actions", post(create))
        .route("/actions/{id}", get(action_page))
        .route("/actions/{id}/progress", post(progress))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/accountability.html")]
struct AccountabilityPage {
    l: Layout,
    region: RegionRow,
    decisions: Vec<Decision>,
}

async fn accountability_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<AccountabilityPage, PageError> {
    let actor = ctx.actor();
    let (region, decisions) = app::accountability(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(AccountabilityPage {
        l: ctx.layout(),
        region,
        decisions,
    })
}

#[derive(Deserialize)]
struct ActionForm {
    title: String,
    owner_phone: String,
    due_on: String,
}

async fn create(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(issue): Path<i64>,
    PageForm(f): PageForm<ActionForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let a = app::create(
        state.db(),
        actor,
        issue,
        NewAction {
            title: &f.title,
            owner_phone: &f.owner_phone,
            owner_id: None,
            due_on: &f.due_on,
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!(
        "/regions/{}/decisions#issue-{issue}",
        a.region_id
    )))
}

#[derive(Template, WebTemplate)]
#[template(path = "deliberation/action.html")]
struct ActionPage {
    l: Layout,
    v: ActionView,
}

async fn action_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ActionPage, PageError> {
    let actor = ctx.actor();
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    Ok(ActionPage { l: ctx.layout(), v })
}

#[derive(Deserialize)]
struct ProgressForm {
    note: Option<String>,
    percent: Option<i64>,
    done: Option<String>,
}

async fn progress(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ProgressForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::progress(
        state.db(),
        actor,
        id,
        f.note.as_deref().unwrap_or(""),
        f.percent.unwrap_or(0),
        f.done.as_deref() == Some("1"),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/actions/{id}")))
}
