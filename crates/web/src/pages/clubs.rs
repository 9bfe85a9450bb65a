//! Club lifecycle and activity pages: stage changes, the activities of a club, an
//! activity with sign-up, waiting list, cancellation, the AA fee and its arithmetic,
//! the organizer's attendance list and the check-in QR code shown at the door.

use super::PageQuery;
use crate::ctx::{Ctx, Layout};
use crate::error::{OrPage, PageError};
use crate::extract::{PageForm, Path, Query};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use linli_app::clubs::{self as app, ActivityView, NewActivity};
use linli_app::{AppError, Page};
use linli_domain::money::Fen;
use linli_store::clubs::ActivityRow;
use linli_store::organizations::OrgRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/stage", post(change_stage))
        .route("/orgs/{id}/activities", get(list_page).post(create))
        .route("/activities/{id}", get(activity_page))
        .route("/activities/{id}/signup", post(sign_up))
        .route("/activities/{id}/cancel", post(cancel))
        .route("/activities/{id}/capacity", post(capacity))
        .route("/activities/{id}/paid/{user_id}", post(paid))
        .route("/activities/{id}/checkin", get(checkin_page).post(check_in))
}

#[derive(Deserialize)]
struct StageForm {
    to: String,
    reason: Option<String>,
}

async fn change_stage(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<StageForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::change_stage(
        state.db(),
        actor,
        id,
        &f.to,
        f.reason.as_deref().unwrap_or(""),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/orgs/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/activities.html")]
struct ListPage {
    l: Layout,
    org: OrgRow,
    activities: Vec<ActivityRow>,
    organizer: bool,
}

async fn list_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    let (org, activities) = app::of_org(state.db(), actor, id, Page::new(q.page, None, 30))
        .await
        .page(&ctx)?;
    let organizer = matches!(
        linli_app::organizations::my_role(state.db(), actor, &org)
            .await
            .page(&ctx)?,
        Some(
            linli_domain::organizations::MemberRole::Leader
                | linli_domain::organizations::MemberRole::DeputyLeader
                | linli_domain::organizations::MemberRole::Treasurer
        )
    );
    Ok(ListPage {
        l: ctx.layout(),
        org,
        activities,
        organizer,
    })
}

#[derive(Deserialize)]
struct ActivityForm {
    title: String,
    description: Option<String>,
    place: String,
    starts_at: String,
    cancel_hours: Option<i64>,
    capacity: i64,
    planned_cost: Option<String>,
    surplus: Option<String>,
    fee: Option<String>,
}

fn optional_fen(s: &Option<String>) -> Result<Option<Fen>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Ok(Some(Fen::parse_yuan(v)?)),
    }
}

async fn create(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ActivityForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    let a = NewActivity {
        title: &f.title,
        description: f.description.as_deref().unwrap_or(""),
        place: &f.place,
        starts_at: &f.starts_at,
        cancel_hours: f.cancel_hours.unwrap_or(24),
        capacity: f.capacity,
        planned_cost: optional_fen(&f.planned_cost).page(&ctx)?,
        surplus_percent: f.surplus.as_deref().unwrap_or("0"),
        fee: optional_fen(&f.fee).page(&ctx)?,
    };
    let a = app::create_activity(state.db(), actor, id, a)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{}", a.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/activity.html")]
struct ActivityPage {
    l: Layout,
    v: ActivityView,
    qr_svg: String,
    checkin_url: String,
}

async fn activity_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ActivityPage, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    let (qr_svg, checkin_url) = match &v.checkin_code {
        Some(code) => {
            let base = if state.config.public_url.is_empty() {
                format!("http://{}", ctx.host)
            } else {
                state.config.public_url.trim_end_matches('/').to_string()
            };
            let url = format!("{base}/activities/{id}/checkin?code={code}");
            let svg = qrcode::QrCode::new(url.as_bytes())
                .map(|q| {
                    q.render::<qrcode::render::svg::Color>()
                        .min_dimensions(200, 200)
                        .build()
                })
                .unwrap_or_default();
            (svg, url)
        }
        None => (String::new(), String::new()),
    };
    Ok(ActivityPage {
        l: ctx.layout(),
        v,
        qr_svg,
        checkin_url,
    })
}

async fn sign_up(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::sign_up(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn cancel(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::cancel(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

#[derive(Deserialize)]
struct CapacityForm {
    capacity: i64,
}

async fn capacity(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CapacityForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::set_capacity(state.db(), actor, id, f.capacity)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn paid(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::mark_paid(state.db(), actor, id, user_id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/checkin.html")]
struct CheckinPage {
    l: Layout,
    v: ActivityView,
    code: String,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// Where the QR code at the door leads: one button to check in.
async fn checkin_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<CodeQuery>,
) -> Result<CheckinPage, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    Ok(CheckinPage {
        l: ctx.layout(),
        v,
        code: q.code.unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct CheckinForm {
    code: String,
}

async fn check_in(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CheckinForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor().page(&ctx)?;
    app::check_in(state.db(), actor, id, &f.code)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}
