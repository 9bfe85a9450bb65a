//! Organizations: the list on a node, founding one, its page with members, joining,
//! leaving, and setting a member's role.

use super::{PageQuery, Pager};
use crate::ctx::{Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::PageForm;
use crate::extract::{Path, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::Page;
use linli_app::organizations::{self as app, NewOrg};
use linli_domain::organizations::{MemberRole, OrgKind};
use linli_store::organizations::{MemberRow, OrgRow};
use linli_store::regions::RegionRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{id}/orgs", get(list_page).post(create))
        .route("/regions/{id}/orgs/new", get(new_page))
        .route("/orgs/{id}", get(org_page))
        .route("/orgs/{id}/edit", post(edit))
        .route("/orgs/{id}/join", post(join))
        .route("/orgs/{id}/leave", post(leave))
        .route("/orgs/{id}/members", post(set_member))
        .route("/orgs/{id}/members/{user_id}/remove", post(remove_member))
}

fn kinds() -> Vec<&'static str> {
    OrgKind::ALL.iter().map(|k| k.as_str()).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/list.html")]
struct ListPage {
    l: Layout,
    region: RegionRow,
    orgs: Vec<OrgRow>,
    kind: String,
    kinds: Vec<&'static str>,
    pager: Pager,
}

#[derive(Deserialize)]
struct ListQuery {
    kind: Option<String>,
    page: Option<i64>,
}

async fn list_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 20);
    let kind = q.kind.unwrap_or_default();
    let region = linli_app::regions::readable(state.db(), actor, id)
        .await
        .page(&ctx)?;
    let (orgs, total) = app::list(state.db(), actor, id, Some(&kind), page)
        .await
        .page(&ctx)?;
    let pager = Pager::new(page, total, format!("/regions/{id}/orgs?kind={kind}&"));
    Ok(ListPage {
        l: ctx.layout(),
        region,
        orgs,
        kind,
        kinds: kinds(),
        pager,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/new.html")]
struct NewPage {
    l: Layout,
    region: RegionRow,
    kinds: Vec<&'static str>,
}

async fn new_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<NewPage, PageError> {
    let actor = ctx.actor();
    let region = linli_app::regions::readable(state.db(), actor, id)
        .await
        .page(&ctx)?;
    let kinds = if actor.administers(&region.path) {
        kinds()
    } else {
        vec![OrgKind::Club.as_str()]
    };
    Ok(NewPage {
        l: ctx.layout(),
        region,
        kinds,
    })
}

#[derive(Deserialize)]
struct NewForm {
    kind: String,
    name: String,
    intro: Option<String>,
}

async fn create(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<NewForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let input = NewOrg {
        region_id: id,
        kind: &f.kind,
        name: &f.name,
        intro: f.intro.as_deref().unwrap_or(""),
    };
    let org = app::create(state.db(), actor, input).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{}", org.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/org.html")]
struct OrgPage {
    l: Layout,
    org: OrgRow,
    members: Vec<MemberRow>,
    my_role: Option<String>,
    can_manage: bool,
    can_join: bool,
    member_roles: Vec<&'static str>,
    pager: Pager,
    stage: Option<linli_app::clubs::StageView>,
    stages: Vec<&'static str>,
    money: i64,
    activities: Vec<linli_store::clubs::ActivityRow>,
}

async fn org_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<OrgPage, PageError> {
    let actor = ctx.actor();
    let db = state.db();
    let page = Page::new(q.page, None, 30);
    let org = app::get(db, actor, id).await.page(&ctx)?;
    let members = app::members(db, actor, &org, page).await.page(&ctx)?;
    let my_role = app::my_role(db, actor, &org).await.page(&ctx)?;
    let can_manage =
        actor.administers(&org.region_path) || my_role.is_some_and(MemberRole::manages);
    let can_join = my_role.is_none() && matches!(org.kind.as_str(), "club" | "mutual_aid");
    let pager = Pager::new(page, org.members, format!("/orgs/{id}?"));
    let money = linli_app::money::money_balance(db, &org).await.page(&ctx)?;
    let activities = linli_app::clubs::activities_of(db, &org, Page::new(None, Some(5), 5))
        .await
        .page(&ctx)?;
    let stage = if org.kind == "club" {
        Some(linli_app::clubs::stage(db, actor, &org).await.page(&ctx)?)
    } else {
        None
    };
    Ok(OrgPage {
        l: ctx.layout(),
        org,
        members,
        my_role: my_role.map(|r| r.as_str().to_string()),
        can_manage,
        can_join,
        member_roles: MemberRole::ALL.iter().map(|r| r.as_str()).collect(),
        pager,
        stage,
        stages: linli_domain::clubs::Stage::ALL
            .iter()
            .map(|s| s.as_str())
            .collect(),
        money,
        activities,
    })
}

#[derive(Deserialize)]
struct EditForm {
    name: String,
    intro: Option<String>,
}

async fn edit(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<EditForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::update(
        state.db(),
        actor,
        id,
        &f.name,
        f.intro.as_deref().unwrap_or(""),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}

async fn join(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::join(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}

async fn leave(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::leave(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}

#[derive(Deserialize)]
struct MemberForm {
    phone: String,
    role: String,
}

async fn set_member(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MemberForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::set_member(state.db(), actor, id, &f.phone, &f.role)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}

async fn remove_member(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::remove_member(state.db(), actor, id, user_id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}
