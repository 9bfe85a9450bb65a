//! The home page: a welcome for visitors; for residents, first what is waiting for them
//! (votes to cast, activities they signed up for, sittings, action items, claims to
//! approve, issues close to their threshold), then their household, building, compound
//! and community, their roles and their organizations.

use crate::ctx::{Ctx, Layout};
use crate::error::{OrPage, PageError};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use linli_store::accounts::{GrantRow, MyHousehold};
use linli_store::organizations::OrgRow;
use linli_store::regions::RegionRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
    household: Option<MyHousehold>,
    /// Building, compound and community of the household (root first, without the
    /// levels above the community).
    places: Vec<RegionRow>,
    nodes: Vec<RegionRow>,
    grants: Vec<GrantRow>,
    orgs: Vec<(OrgRow, String)>,
    waiting: linli_app::waiting::Waiting,
}

async fn home(ctx: Ctx, State(state): State<AppState>) -> Result<Home, PageError> {
    let db = state.db();
    let mut page = Home {
        l: ctx.layout(),
        household: None,
        places: vec![],
        nodes: vec![],
        grants: vec![],
        orgs: vec![],
        waiting: Default::default(),
    };
    if let Some(actor) = &ctx.actor {
        let (household, places) = linli_app::regions::my_places(db, actor).await.page(&ctx)?;
        page.household = household;
        page.places = places;
        page.nodes = linli_app::regions::my_nodes(db, actor).await.page(&ctx)?;
        page.grants = actor.grants.clone();
        page.orgs = linli_app::organizations::mine(db, actor).await.page(&ctx)?;
        page.waiting = linli_app::waiting::of(db, actor).await.page(&ctx)?;
    }
    Ok(page)
}
