//! The caller's notifications, and which kinds they receive.

use super::Pager;
use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::Page;
use linli_app::notifications::{self as app, KindSetting};
use linli_store::notifications::NotificationRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/settings", post(save_settings))
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<NotificationRow>,
    unread: i64,
    settings: Vec<KindSetting>,
    saved: bool,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    page: Option<i64>,
    saved: Option<String>,
}

/// The caller's notifications, newest first; opening the page marks them read (the
/// unread ones are still marked as new on this view). Below them, the kinds to receive.
async fn notifications_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Result<NotificationsPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 30);
    let (items, unread) = app::mine(state.db(), actor, page).await.page(&ctx)?;
    if unread > 0 {
        app::mark_all_read(state.db(), actor).await.page(&ctx)?;
    }
    let settings = app::settings(state.db(), actor).await.page(&ctx)?;
    // Without a total count, offer a next page whenever this one is full.
    let count = if items.len() as i64 == page.size {
        page.number + 1
    } else {
        page.number
    };
    Ok(NotificationsPage {
        l: ctx.layout(),
        pager: Pager {
            number: page.number,
            count,
            base: "/notifications?".into(),
        },
        items,
        unread,
        settings,
        saved: q.saved.is_some(),
    })
}

async fn save_settings(
    ctx: LoggedIn,
    State(state): State<AppState>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    // The checked kinds arrive as repeated `kind` fields.
    let kinds: Vec<String> = fields
        .into_iter()
        .filter(|(k, _)| k == "kind")
        .map(|(_, v)| v)
        .collect();
    app::set_enabled(state.db(), actor, &kinds)
        .await
        .page(&ctx)?;
    Ok(Redirect::to("/notifications?saved=1#settings"))
}
