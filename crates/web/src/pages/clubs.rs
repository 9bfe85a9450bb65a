//! Club lifecycle and activity pages: stage changes, the activities of a club, an
//! activity with sign-up, waiting list, cancellation, the AA fee and its arithmetic,
//! the organizer's attendance list and the check-in QR code shown at the door.

use super::PageQuery;
use crate::ctx::{Layout, LoggedIn};
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
use linli_domain::clubs::{ActivityStatus, SignupStatus};
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
        .route("/activities/{id}/publish", post(publish))
        .route("/activities/{id}/cancel", post(cancel))
        .route("/activities/{id}/call-off", post(call_off))
        .route("/activities/{id}/capacity", post(capacity))
        .route("/activities/{id}/edit", post(edit_activity))
        .route("/activities/{id}/share", post(make_share))
        .route("/s/{token}", get(shared_page))
        .route("/activities/{id}/paid/{user_id}", post(paid))
        .route("/activities/{id}/checkin", get(checkin_page).post(check_in))
        .route(
            "/activities/{id}/costs",
            post(add_cost).layer(axum::extract::DefaultBodyLimit::max(
                linli_app::money::VOUCHER_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/activities/{id}/settle", post(settle))
        .route("/activities/{id}/review", post(review))
        .route(
            "/regions/{id}/meetings",
            get(meetings_page).post(create_meeting),
        )
        .route(
            "/meetings/{id}",
            get(meeting_page)
                .post(share)
                .layer(axum::extract::DefaultBodyLimit::max(
                    linli_app::money::VOUCHER_MAX_BYTES + 64 * 1024,
                )),
        )
        .route("/regions/{id}/growth", get(growth_page))
}

#[derive(Deserialize)]
struct StageForm {
    to: String,
    reason: Option<String>,
}

async fn change_stage(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<StageForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
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
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<ListPage, PageError> {
    let actor = ctx.actor();
    let v = app::of_org(state.db(), actor, id, Page::new(q.page, None, 30))
        .await
        .page(&ctx)?;
    Ok(ListPage {
        l: ctx.layout(),
        org: v.org,
        activities: v.activities,
        organizer: v.can_organize,
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
    /// "1" publishes now; anything else saves the plan.
    publish: Option<String>,
}

fn optional_fen(s: &Option<String>) -> Result<Option<Fen>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Ok(Some(Fen::parse_yuan(v)?)),
    }
}

async fn create(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ActivityForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
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
        publish: f.publish.as_deref() != Some("0"),
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
    s: linli_app::clubs::Settlement,
    qr_svg: String,
    checkin_url: String,
    /// The public share link and its QR code, once made.
    share_url: String,
    share_qr: String,
    /// The edit form's values: the start as `2026-12-05T19:30` and the cancel window.
    starts_local: String,
    cancel_hours: i64,
}

async fn activity_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ActivityPage, PageError> {
    let actor = ctx.actor();
    let v = app::get(state.db(), actor, id).await.page(&ctx)?;
    let base = state.public_base(&ctx.origin);
    let (qr_svg, checkin_url) = match &v.checkin_code {
        Some(code) => {
            let url = format!("{base}/activities/{id}/checkin?code={code}");
            (super::qr_svg(&url, 200), url)
        }
        None => (String::new(), String::new()),
    };
    let (share_url, share_qr) = match &v.activity.share_token {
        Some(t) => {
            let url = format!("{base}/s/{t}");
            (url.clone(), super::qr_svg(&url, 200))
        }
        None => (String::new(), String::new()),
    };
    let s = app::settlement(state.db(), actor, id).await.page(&ctx)?;
    let starts_local = linli_domain::time::format_shanghai(v.activity.starts_at).replace(' ', "T");
    let cancel_hours = (v.activity.starts_at - v.activity.cancel_until) / 3_600_000;
    Ok(ActivityPage {
        s,
        l: ctx.layout(),
        v,
        qr_svg,
        checkin_url,
        share_url,
        share_qr,
        starts_local,
        cancel_hours,
    })
}

async fn sign_up(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::sign_up(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn cancel(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::cancel(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

#[derive(Deserialize)]
struct CallOffForm {
    #[serde(default)]
    reason: String,
}

/// The organizer calls the activity off, saying why.
async fn call_off(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CallOffForm>,
) -> Result<Redirect, PageError> {
    app::call_off(state.db(), ctx.actor(), id, &f.reason)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    cancel_hours: String,
    #[serde(default)]
    contact: String,
}

async fn edit_activity(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<EditForm>,
) -> Result<Redirect, PageError> {
    let cancel_hours = f
        .cancel_hours
        .trim()
        .parse()
        .map_err(|_| AppError::Invalid("invalid_cancel_hours"))
        .page(&ctx)?;
    app::edit_activity(
        state.db(),
        ctx.actor(),
        id,
        app::EditActivity {
            title: &f.title,
            description: &f.description,
            place: &f.place,
            starts_at: &f.starts_at,
            cancel_hours,
            contact: &f.contact,
        },
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn make_share(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    app::share_token(state.db(), ctx.actor(), id)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}#share")))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/shared.html")]
struct SharedPage {
    l: Layout,
    a: ActivityRow,
    url: String,
}

/// What a share link opens, for anyone: the activity's invitation with a preview card's
/// tags (title, time, place), and the way in to sign up.
async fn shared_page(
    ctx: crate::ctx::Ctx,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<SharedPage, PageError> {
    let a = app::shared(state.db(), &token).await.page(&ctx)?;
    Ok(SharedPage {
        url: format!("{}/s/{token}", state.public_base(&ctx.origin)),
        l: ctx.layout(),
        a,
    })
}

#[derive(Deserialize)]
struct CapacityForm {
    capacity: i64,
}

async fn capacity(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CapacityForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::set_capacity(state.db(), actor, id, f.capacity)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn paid(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
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
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<CodeQuery>,
) -> Result<CheckinPage, PageError> {
    let actor = ctx.actor();
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
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CheckinForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::check_in(state.db(), actor, id, &f.code)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn add_cost(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = super::money::read_upload(mp).await.page(&ctx)?;
    let amount = Fen::parse_yuan(up.get("amount"))
        .map_err(AppError::from)
        .page(&ctx)?;
    app::add_cost(state.db(), actor, id, up.get("item"), amount, up.voucher())
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn settle(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::settle(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/meetings.html")]
struct MeetingsPage {
    l: Layout,
    region_id: i64,
    meetings: Vec<linli_store::clubs::MeetingRow>,
    today: String,
}

async fn meetings_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<MeetingsPage, PageError> {
    let actor = ctx.actor();
    let meetings = app::meetings(state.db(), actor, id, Page::new(q.page, None, 30))
        .await
        .page(&ctx)?;
    Ok(MeetingsPage {
        l: ctx.layout(),
        region_id: id,
        meetings,
        today: linli_store::clock::today().as_str().to_string(),
    })
}

#[derive(Deserialize)]
struct MeetingForm {
    title: String,
    held_on: String,
}

async fn create_meeting(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MeetingForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let m = app::create_meeting(state.db(), actor, id, &f.title, &f.held_on)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/meetings/{m}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/meeting.html")]
struct MeetingPage {
    l: Layout,
    m: linli_store::clubs::MeetingRow,
    shares: Vec<linli_store::clubs::ShareRow>,
    my_clubs: Vec<OrgRow>,
}

async fn meeting_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<MeetingPage, PageError> {
    let actor = ctx.actor();
    let (m, shares) = app::meeting(state.db(), actor, id).await.page(&ctx)?;
    let my_clubs = linli_app::grants::applicants(state.db(), actor)
        .await
        .page(&ctx)?;
    Ok(MeetingPage {
        l: ctx.layout(),
        m,
        shares,
        my_clubs,
    })
}

async fn share(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    let up = super::money::read_upload(mp).await.page(&ctx)?;
    let money = optional_fen(&Some(up.get("money_used").to_string())).page(&ctx)?;
    let org: i64 = up.get("org_id").parse().unwrap_or(0);
    app::share(
        state.db(),
        actor,
        id,
        org,
        up.get("story"),
        money,
        up.voucher(),
    )
    .await
    .page(&ctx)?;
    Ok(Redirect::to(&format!("/meetings/{id}")))
}

/// One month's row of the growth chart: a bar split by stage.
pub struct Column {
    pub label: String,
    /// (stage, width in percent of the longest bar, clubs) segments, in stage order.
    pub segments: Vec<(&'static str, i64, i64)>,
    pub total: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs/growth.html")]
struct GrowthPage {
    l: Layout,
    region: linli_store::regions::RegionRow,
    g: linli_app::clubs::Growth,
    columns: Vec<Column>,
    stages: Vec<&'static str>,
}

async fn growth_page(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<GrowthPage, PageError> {
    let actor = ctx.actor();
    let region = linli_app::regions::readable(state.db(), actor, id)
        .await
        .page(&ctx)?;
    let g = app::growth(state.db(), actor, id).await.page(&ctx)?;
    let stages: Vec<&'static str> = linli_domain::clubs::Stage::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let max = g
        .counts
        .iter()
        .map(|c| c.iter().sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let columns = g
        .months
        .iter()
        .zip(&g.counts)
        .map(|(label, c)| Column {
            label: label.clone(),
            segments: c
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| (stages[k], n * 100 / max, *n))
                .collect(),
            total: c.iter().sum(),
        })
        .collect();
    Ok(GrowthPage {
        l: ctx.layout(),
        region,
        g,
        columns,
        stages,
    })
}

#[derive(Deserialize)]
struct ReviewForm {
    review: String,
}

async fn review(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReviewForm>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::review(state.db(), actor, id, &f.review)
        .await
        .page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}

async fn publish(
    ctx: LoggedIn,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let actor = ctx.actor();
    app::publish(state.db(), actor, id).await.page(&ctx)?;
    Ok(Redirect::to(&format!("/activities/{id}")))
}
