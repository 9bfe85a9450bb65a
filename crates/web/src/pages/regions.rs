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
        .route("/regions/{id}/setup", get(setup_page))
        .route("/regions/{id}/children", axum::routing::post(add_child))
        .route("/regions/{id}/rename", axum::routing::post(rename_node))
        .route("/regions/{id}/move", axum::routing::post(move_node))
        .route("/regions/{id}/retire", axum::routing::post(retire_node))
        .route("/regions/{id}/restore", axum::routing::post(restore_node))
        .route("/regions/{id}/households", axum::routing::post(add_unit))
        .route("/households/{id}", get(unit_page))
        .route(
            "/regions/{id}/invitations",
            axum::routing::post(invite_building),
        )
        .route("/regions/{id}/slips", get(slips_page))
        .route("/regions/{id}/slips.pdf", get(slips_pdf))
        .route("/households/{id}/edit", axum::routing::post(edit_unit))
        .route(
            "/households/{id}/residents",
            axum::routing::post(add_resident),
        )
        .route("/households/{id}/owner", axum::routing::post(set_owner))
        .route(
            "/households/{id}/residents/{resident}/remove",
            axum::routing::post(remove_resident),
        )
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

/// A node's setup page: add the nodes below it, and — for whoever administers its parent —
/// rename, reorder, move or retire it. A refusal re-renders the page with the reason.
#[derive(Template, WebTemplate)]
#[template(path = "regions/setup.html")]
struct SetupPage {
    l: Layout,
    region: RegionRow,
    ancestors: Vec<RegionRow>,
    children: Vec<linli_store::regions::ChildRow>,
    setup: linli_app::region_setup::SetupView,
    error: Option<String>,
    done: Option<String>,
    unit_kinds: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
struct SetupQuery {
    /// What was just done (`added`, `renamed`, `moved`, `retired`, `restored`).
    done: Option<String>,
}

async fn setup_render(
    ctx: &LoggedIn,
    state: &AppState,
    id: i64,
    error: Option<String>,
    done: Option<String>,
) -> Result<SetupPage, PageError> {
    let actor = ctx.actor();
    let mut ancestors = linli_store::regions::with_ancestors(state.db(), id)
        .await
        .map_err(linli_app::AppError::from)
        .page(ctx)?;
    let region = match ancestors.pop() {
        Some(r) if r.id == id => r,
        _ => {
            return Err(linli_app::AppError::NotFound("region_not_found")).page(ctx);
        }
    };
    let setup = linli_app::region_setup::setup_view(state.db(), actor, &region)
        .await
        .page(ctx)?;
    let children = linli_store::regions::children(state.db(), id, 200, 0)
        .await
        .map_err(linli_app::AppError::from)
        .page(ctx)?;
    let done = done
        .filter(|d| {
            [
                "added",
                "renamed",
                "moved",
                "retired",
                "restored",
                "unit_added",
            ]
            .contains(&d.as_str())
        })
        .map(|d| ctx.t(&format!("setup.done_{d}")).to_string());
    Ok(SetupPage {
        l: ctx.layout(),
        region,
        ancestors,
        children,
        setup,
        error,
        done,
        unit_kinds: linli_domain::regions::UnitKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
    })
}

async fn setup_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SetupQuery>,
) -> Result<SetupPage, PageError> {
    setup_render(&ctx, &state, id, None, q.done).await
}

/// After a setup action: back to the page with what was done, or the page again with why
/// not (and the refusal's status).
async fn setup_answer<T>(
    ctx: LoggedIn,
    state: AppState,
    id: i64,
    result: linli_app::AppResult<T>,
    done: &str,
    back_to: impl FnOnce(&T) -> i64,
) -> Result<Response, PageError> {
    match result {
        Ok(v) => Ok(
            Redirect::to(&format!("/regions/{}/setup?done={done}", back_to(&v))).into_response(),
        ),
        Err(e) => {
            let status = crate::error::status(&e);
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            let page = setup_render(&ctx, &state, id, Some(msg), None).await?;
            Ok((status, page).into_response())
        }
    }
}

/// An optional whole number from a form field ("" is none).
fn form_number(raw: &Option<String>) -> linli_app::AppResult<Option<i64>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| linli_app::AppError::Invalid("region_order_range")),
    }
}

#[derive(Deserialize)]
struct ChildForm {
    kind: String,
    name: String,
    sort_order: Option<String>,
}

async fn add_child(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ChildForm>,
) -> Result<Response, PageError> {
    let result = match form_number(&f.sort_order) {
        Ok(order) => {
            linli_app::region_setup::create_child(
                state.db(),
                ctx.actor(),
                id,
                &f.kind,
                &f.name,
                order,
            )
            .await
        }
        Err(e) => Err(e),
    };
    setup_answer(ctx, state, id, result, "added", |_| id).await
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
    sort_order: Option<String>,
}

async fn rename_node(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RenameForm>,
) -> Result<Response, PageError> {
    let result = match form_number(&f.sort_order) {
        Ok(order) => {
            linli_app::region_setup::update(state.db(), ctx.actor(), id, &f.name, order).await
        }
        Err(e) => Err(e),
    };
    setup_answer(ctx, state, id, result, "renamed", |_| id).await
}

#[derive(Deserialize)]
struct MoveForm {
    parent_id: i64,
}

async fn move_node(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    let result = linli_app::region_setup::move_node(state.db(), ctx.actor(), id, f.parent_id).await;
    setup_answer(ctx, state, id, result, "moved", |_| id).await
}

async fn retire_node(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let parent = linli_store::regions::get(state.db(), id)
        .await
        .ok()
        .flatten()
        .and_then(|r| r.parent_id);
    let result = linli_app::region_setup::retire(state.db(), ctx.actor(), id).await;
    // Retired, the node's own setup page has nothing to add: back to its parent's.
    setup_answer(ctx, state, id, result, "retired", |_| parent.unwrap_or(id)).await
}

async fn restore_node(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let result = linli_app::region_setup::restore(state.db(), ctx.actor(), id).await;
    setup_answer(ctx, state, id, result, "restored", |r| {
        r.parent_id.unwrap_or(id)
    })
    .await
}

#[derive(Deserialize)]
struct UnitForm {
    unit_label: String,
    floor_area: String,
    kind: Option<String>,
}

async fn add_unit(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<UnitForm>,
) -> Result<Response, PageError> {
    let result = linli_app::units::create(
        state.db(),
        ctx.actor(),
        id,
        &f.unit_label,
        &f.floor_area,
        f.kind.as_deref().unwrap_or(""),
    )
    .await;
    setup_answer(ctx, state, id, result, "unit_added", |_| id).await
}

/// A unit's page, for officers and social workers: its label, area and kind (editable),
/// who lives there (add, take off), and its history. A refusal re-renders it with why.
#[derive(Template, WebTemplate)]
#[template(path = "regions/unit.html")]
struct UnitPage {
    l: Layout,
    v: linli_app::units::UnitView,
    unit_kinds: Vec<&'static str>,
    error: Option<String>,
    done: Option<String>,
}

impl UnitPage {
    fn share(&self, bp: &i64) -> String {
        linli_domain::regions::ShareBp(*bp).display()
    }
}

async fn unit_render(
    ctx: &LoggedIn,
    state: &AppState,
    id: i64,
    error: Option<String>,
    done: Option<String>,
) -> Result<UnitPage, PageError> {
    let v = linli_app::units::view(state.db(), ctx.actor(), id)
        .await
        .page(ctx)?;
    let done = done
        .filter(|d| {
            ["saved", "resident_added", "resident_removed", "owner_set"].contains(&d.as_str())
        })
        .map(|d| ctx.t(&format!("unit.done_{d}")).to_string());
    Ok(UnitPage {
        l: ctx.layout(),
        v,
        unit_kinds: linli_domain::regions::UnitKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
        error,
        done,
    })
}

async fn unit_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SetupQuery>,
) -> Result<UnitPage, PageError> {
    unit_render(&ctx, &state, id, None, q.done).await
}

async fn unit_answer<T>(
    ctx: LoggedIn,
    state: AppState,
    id: i64,
    result: linli_app::AppResult<T>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}?done={done}")).into_response()),
        Err(e) => {
            let status = crate::error::status(&e);
            let msg = ctx.t(&format!("error.{}", e.code())).to_string();
            let page = unit_render(&ctx, &state, id, Some(msg), None).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn edit_unit(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<UnitForm>,
) -> Result<Response, PageError> {
    let result = linli_app::units::update(
        state.db(),
        ctx.actor(),
        id,
        &f.unit_label,
        &f.floor_area,
        f.kind.as_deref().unwrap_or(""),
    )
    .await;
    unit_answer(ctx, state, id, result, "saved").await
}

#[derive(Deserialize)]
struct ResidentForm {
    name: String,
    phone: Option<String>,
    /// `1` when checked.
    is_head: Option<String>,
}

async fn add_resident(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ResidentForm>,
) -> Result<Response, PageError> {
    let result = linli_app::units::add_resident(
        state.db(),
        ctx.actor(),
        id,
        &f.name,
        f.phone.as_deref().unwrap_or(""),
        f.is_head.is_some(),
    )
    .await;
    unit_answer(ctx, state, id, result, "resident_added").await
}

async fn remove_resident(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, resident)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let result = linli_app::units::remove_resident(state.db(), ctx.actor(), id, resident).await;
    unit_answer(ctx, state, id, result, "resident_removed").await
}

#[derive(Deserialize)]
struct InviteBuildingForm {
    max_uses: Option<i64>,
}

/// Makes codes for every household of the building nobody has joined yet, then shows the
/// sheet of slips to print.
async fn invite_building(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<InviteBuildingForm>,
) -> Result<Redirect, PageError> {
    let made = acc::invite_building(state.db(), ctx.actor(), id, f.max_uses.unwrap_or(4))
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/regions/{id}/slips?made={made}")))
}

/// One slip: where, the code, the link and its QR code.
struct Slip {
    unit_label: String,
    display: String,
    url: String,
    qr_svg: String,
    expires_at: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "regions/slips.html")]
struct SlipsPage {
    l: Layout,
    building: RegionRow,
    slips: Vec<Slip>,
    made: Option<i64>,
}

#[derive(Deserialize)]
struct SlipsQuery {
    made: Option<i64>,
}

/// A printable A4 sheet of invitation slips, one per household with a live code, to cut
/// and slip under doors: each with the unit, the code in large letters and a QR code that
/// opens the join page with the code filled in.
async fn slips_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SlipsQuery>,
) -> Result<SlipsPage, PageError> {
    let (building, rows) = acc::building_slips(state.db(), ctx.actor(), id)
        .await
        .page(&ctx)?;
    let base = state.public_base(&ctx.origin);
    let slips = rows
        .into_iter()
        .map(|inv| {
            let display = format!("{}-{}", &inv.code[..4], &inv.code[4..]);
            let url = format!("{base}/join?code={display}");
            Slip {
                qr_svg: crate::pages::qr_svg(&url, 132),
                unit_label: inv.unit_label,
                display,
                url,
                expires_at: inv.expires_at,
            }
        })
        .collect();
    Ok(SlipsPage {
        l: ctx.layout(),
        building,
        slips,
        made: q.made,
    })
}

/// The same slips as one A4 PDF to print: eight to a page (two columns, four rows), cut
/// along the dashed lines; each with the building and unit, the QR code, the code in
/// large letters, when it expires and the address to type instead.
async fn slips_pdf(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    use linli_domain::pdf::{A4, Document, Font, Page, wrap};
    let (building, rows) = acc::building_slips(state.db(), ctx.actor(), id)
        .await
        .page(&ctx)?;
    let base = state.public_base(&ctx.origin);
    let l = ctx.layout();
    let invite = l.t("slips.invite");
    let expires = l.t("invite.expires");
    let (cols, per_page) = (2usize, 8usize);
    let (w, h) = (A4.0 / cols as f32, A4.1 / (per_page / cols) as f32);
    let mut doc = Document::new(&format!("{} · {}", l.t("slips.title"), building.name));
    for chunk in rows.chunks(per_page) {
        let mut page = Page::default();
        for (i, inv) in chunk.iter().enumerate() {
            let (x, y) = ((i % cols) as f32 * w, A4.1 - ((i / cols) + 1) as f32 * h);
            page.cut_box(x + 6.0, y + 6.0, w - 12.0, h - 12.0);
            let display = format!("{}-{}", &inv.code[..4], &inv.code[4..]);
            let url = format!("{base}/join?code={display}");
            let top = y + h - 34.0;
            page.text(
                x + 18.0,
                top,
                Font::Song,
                14.0,
                &format!("{} · {}", building.name, inv.unit_label),
            );
            let qr = 116.0;
            let (n, dark) = crate::pages::qr_modules(&url);
            page.qr(x + 12.0, top - 10.0 - qr, qr, n, &dark);
            let tx = x + 12.0 + qr + 4.0;
            let mut ty = top - 26.0;
            for line in wrap(Font::Song, 10.0, w - (tx - x) - 16.0, &invite) {
                page.text(tx, ty, Font::Song, 10.0, &line);
                ty -= 14.0;
            }
            page.text(tx, ty - 18.0, Font::Mono, 20.0, &display);
            page.text(
                tx,
                ty - 40.0,
                Font::Song,
                9.0,
                &format!("{expires} {}", l.time(&inv.expires_at)),
            );
            page.text(x + 18.0, y + 20.0, Font::Sans, 7.5, &url);
        }
        doc.push(page);
    }
    if rows.is_empty() {
        let mut page = Page::default();
        page.text(40.0, A4.1 - 60.0, Font::Song, 14.0, &l.t("slips.none"));
        doc.push(page);
    }
    let name = format!("slips-{}.pdf", building.id);
    Ok(crate::pages::pdf_response(doc.render(), true, &name, false))
}

#[derive(Deserialize)]
struct OwnerForm {
    /// `new`, `developer`, or an owner's key ("the same owner as").
    who: String,
    name: Option<String>,
    phone: Option<String>,
    /// The day of the transfer (YYYY-MM-DD), for the history.
    date: Option<String>,
    /// The owner's share of the unit, a percentage (empty: the whole unit).
    share: Option<String>,
}

async fn set_owner(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<OwnerForm>,
) -> Result<Response, PageError> {
    use linli_app::units::NewOwner;
    let owner = match f.who.as_str() {
        "new" => NewOwner::Named {
            name: f.name.as_deref().unwrap_or(""),
            phone: f.phone.as_deref().unwrap_or(""),
        },
        "developer" => NewOwner::Developer,
        key => NewOwner::Known(key),
    };
    let result = linli_app::units::set_owner(
        state.db(),
        ctx.actor(),
        id,
        owner,
        f.date.as_deref().unwrap_or(""),
        f.share.as_deref().unwrap_or(""),
    )
    .await;
    unit_answer(ctx, state, id, result, "owner_set").await
}
