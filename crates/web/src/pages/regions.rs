//! Region node pages (district … building), the residents' roster, and invitation
//! codes with their printable QR code.

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
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use linli_app::regions::RegionView;
use linli_app::{Page, accounts as acc};
use linli_store::accounts::InvitationRow;
use linli_store::regions::{HouseholdRow, RegionRow, ResidentRow};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{id}", get(region_page))
        .route("/regions/{id}/roster", get(roster_page))
        .route(
            "/households/{id}/invitations",
            get(invitations_page).post(create_invitation),
        )
        .route("/invitations/{code}", get(invitation_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/region.html")]
struct RegionPage {
    l: Layout,
    v: RegionView,
    pager: Pager,
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/_households.html")]
struct HouseholdsPartial {
    l: Layout,
    v: RegionView,
    pager: Pager,
}

async fn region_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 24);
    let v = linli_app::regions::view(state.db(), actor, id, page)
        .await
        .page(&ctx)?;
    let total = if v.region.kind == "building" {
        v.households_total
    } else {
        v.children_total
    };
    let pager = Pager::new(page, total, format!("/regions/{id}?"));
    if ctx.htmx_target.as_deref() == Some("households") && v.region.kind == "building" {
        return Ok(HouseholdsPartial {
            l: ctx.layout(),
            v,
            pager,
        }
        .into_response());
    }
    Ok(RegionPage {
        l: ctx.layout(),
        v,
        pager,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/roster.html")]
struct RosterPage {
    l: Layout,
    building: RegionRow,
    rows: Vec<ResidentRow>,
    total: i64,
    q: String,
    unregistered: bool,
    pager: Pager,
}

#[derive(Deserialize)]
struct RosterQuery {
    page: Option<i64>,
    q: Option<String>,
    /// `1`: only residents not registered yet.
    unregistered: Option<String>,
}

async fn roster_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RosterQuery>,
) -> Result<RosterPage, PageError> {
    let actor = ctx.actor();
    let page = Page::new(q.page, None, 50);
    let filter = linli_store::regions::RosterFilter {
        search: q.q.unwrap_or_default().trim().to_string(),
        unregistered: q.unregistered.as_deref() == Some("1"),
    };
    let (building, rows, total) = linli_app::regions::roster(state.db(), actor, id, &filter, page)
        .await
        .page(&ctx)?;
    let mut base = format!("/regions/{id}/roster?");
    if !filter.search.is_empty() {
        base.push_str(&format!("q={}&", crate::error::urlencode(&filter.search)));
    }
    if filter.unregistered {
        base.push_str("unregistered=1&");
    }
    Ok(RosterPage {
        l: ctx.layout(),
        pager: Pager::new(page, total, base),
        building,
        rows,
        total,
        q: filter.search,
        unregistered: filter.unregistered,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/invitations.html")]
struct InvitationsPage {
    l: Layout,
    household: HouseholdRow,
    invitations: Vec<InvitationRow>,
}

async fn invitations_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<InvitationsPage, PageError> {
    let actor = ctx.actor();
    let invitations = acc::invitations_of_household(state.db(), actor, id)
        .await
        .page(&ctx)?;
    let household = linli_app::regions::household(state.db(), actor, id)
        .await
        .page(&ctx)?;
    Ok(InvitationsPage {
        l: ctx.layout(),
        household,
        invitations,
    })
}

#[derive(Deserialize)]
struct InviteForm {
    max_uses: Option<i64>,
}

async fn create_invitation(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<InviteForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let inv = acc::create_invitation(state.db(), actor, id, f.max_uses.unwrap_or(4))
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/invitations/{}", inv.code)))
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/invitation.html")]
struct InvitationPage {
    l: Layout,
    inv: InvitationRow,
    display: String,
    url: String,
    qr_svg: String,
}

/// A printable sheet: the code in large letters and a QR code to the join page.
async fn invitation_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<InvitationPage, PageError> {
    let actor = ctx.actor();
    let inv = acc::invitation(state.db(), actor, &code).await.page(&ctx)?;
    let display = format!("{}-{}", &inv.code[..4], &inv.code[4..]);
    let url = format!("{}/join?code={display}", state.public_base(&ctx.origin));
    let qr_svg = crate::pages::qr_svg(&url, 220);
    Ok(InvitationPage {
        l: ctx.layout(),
        inv,
        display,
        url,
        qr_svg,
    })
}
