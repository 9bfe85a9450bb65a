//! Version 1 of the API: accounts, regions, organizations, invitations, roles, audit.

use crate::api::common::{ApiResult, PageParams};
use crate::client::ClientAddr;
use crate::ctx::{Ctx, LoggedIn};
use crate::error::{ApiErrorBody, OrPage};
use crate::extract::ApiJson;
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_app::accounts::{self as acc, RegisterInput};
use linli_app::organizations::{self as orgs, NewOrg};
use linli_app::regions::{PersonRef, RegionView};
use linli_app::{Page, audit, roles};
use linli_store::accounts::{GrantRow, InvitationRow, MyHousehold};
use linli_store::audit::AuditRow;
use linli_store::organizations::{MemberRow, OrgRow};
use linli_store::regions::{ChildRow, HouseholdRow, RegionRow, RegionStats, ResidentRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_code))
        .routes(routes!(register))
        .routes(routes!(login, logout_everywhere))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(set_prefs))
        .routes(routes!(join_household))
        .routes(routes!(region, update_region))
        .routes(routes!(create_region_child))
        .routes(routes!(move_region))
        .routes(routes!(retire_region))
        .routes(routes!(restore_region))
        .routes(routes!(create_unit))
        .routes(routes!(building_slips, invite_building))
        .routes(routes!(unit, update_unit))
        .routes(routes!(add_unit_resident))
        .routes(routes!(set_unit_owner))
        .routes(routes!(remove_unit_resident))
        .routes(routes!(roster))
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(org, update_org))
        .routes(routes!(set_member))
        .routes(routes!(remove_member))
        .routes(routes!(join_org, leave_org))
        .routes(routes!(create_invitation))
        .routes(routes!(list_roles, grant_role))
        .routes(routes!(revoke_role))
        .routes(routes!(list_audit))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linli API",
        description = "邻里 community platform: places, people, roles, organizations."
    ),
    components(schemas(
        ApiErrorBody,
        PhoneReq,
        NewRegionReq,
        UnitReq,
        InviteBuildingReq,
        SlipsOut,
        ResidentReq,
        OwnerReq,
        UpdateRegionReq,
        MoveRegionReq,
        RetiredOut,
        RegisterReq,
        Created,
        LoginReq,
        LoginOut,
        MeOut,
        PrefsReq,
        JoinReq,
        RegionView,
        PersonRef,
        RegionRow,
        RegionStats,
        ChildRow,
        HouseholdRow,
        ResidentRow,
        OrgRow,
        MemberRow,
        NewOrgReq,
        UpdateOrgReq,
        OrgOut,
        MemberReq,
        InviteReq,
        InvitationRow,
        GrantReq,
        GrantRow,
        AuditRow,
        MyHousehold,
        RosterOut,
        OrgListOut
    ))
)]
pub struct ApiDoc;

#[derive(Deserialize, ToSchema)]
pub struct PhoneReq {
    /// Mainland mobile number, 11 digits.
    phone: String,
}

/// Sends a code by SMS that proves the phone: it registers a new number or logs in a
/// registered one. The answer does not say which the number is.
#[utoipa::path(post, path = "/api/v1/sms-codes", request_body = PhoneReq,
    responses((status = 202, description = "Code sent"), (status = 422, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn send_code(
    ctx: Ctx,
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(r): ApiJson<PhoneReq>,
) -> ApiResult<StatusCode> {
    let sent = acc::request_sms_code(
        s.db(),
        &s.sms,
        &r.phone,
        ctx.lang.code(),
        &client,
        s.config.sms_caps,
    )
    .await;
    s.metrics.count_throttle(&sent);
    sent.api(&ctx)?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterReq {
    phone: String,
    /// The six-digit SMS code.
    code: String,
    name: String,
    password: String,
    /// Optional invitation code of a household.
    invite_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Registers an account.
#[utoipa::path(post, path = "/api/v1/users", request_body = RegisterReq,
    responses((status = 201, body = Created), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn register(
    ctx: Ctx,
    State(s): State<AppState>,
    ApiJson(r): ApiJson<RegisterReq>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let input = RegisterInput {
        phone: &r.phone,
        sms_code: &r.code,
        password: &r.password,
        name: &r.name,
        invite_code: r.invite_code.as_deref(),
        lang: ctx.lang.code(),
    };
    let id = acc::register(s.db(), input).await.api(&ctx)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Log in with the password, or with an SMS code from `POST /api/v1/sms-codes`
/// (exactly one of the two).
#[derive(Deserialize, ToSchema)]
pub struct LoginReq {
    phone: String,
    password: Option<String>,
    /// The six-digit SMS code.
    sms_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginOut {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    user_id: i64,
}

/// Logs in; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = LoginReq,
    responses((status = 201, body = LoginOut), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn login(
    ctx: Ctx,
    State(s): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(r): ApiJson<LoginReq>,
) -> ApiResult<(StatusCode, Json<LoginOut>)> {
    let result = match (&r.password, &r.sms_code) {
        (Some(p), None) => acc::login(s.db(), &r.phone, p, &client).await,
        (None, Some(c)) => acc::login_with_code(s.db(), &r.phone, c, &client).await,
        _ => Err(linli_app::AppError::Invalid("password_or_code")),
    };
    s.metrics.count_login(&result);
    let (token, user) = result.api(&ctx)?;
    Ok((
        StatusCode::CREATED,
        Json(LoginOut {
            token,
            user_id: user.id,
        }),
    ))
}

/// Ends every session of the account, this one included.
#[utoipa::path(delete, path = "/api/v1/sessions", responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn logout_everywhere(ctx: LoggedIn, State(s): State<AppState>) -> ApiResult<StatusCode> {
    let actor = ctx.actor();
    acc::logout_everywhere(s.db(), actor).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends the current session.
#[utoipa::path(delete, path = "/api/v1/sessions/current", responses((status = 204)))]
async fn logout(ctx: Ctx, State(s): State<AppState>) -> ApiResult<StatusCode> {
    if let Some(t) = &ctx.token {
        acc::logout(s.db(), t).await.api(&ctx)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeOut {
    id: i64,
    name: String,
    phone: String,
    lang: String,
    elderly: bool,
    household: Option<MyHousehold>,
    roles: Vec<GrantRow>,
}

/// The caller's account, household and roles.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeOut), (status = 401, body = ApiErrorBody)))]
async fn me(ctx: LoggedIn, State(s): State<AppState>) -> ApiResult<Json<MeOut>> {
    let a = ctx.actor();
    let household = acc::my_household(s.db(), a).await.api(&ctx)?;
    Ok(Json(MeOut {
        id: a.user.id,
        name: a.user.display_name.clone(),
        phone: a.user.phone.clone(),
        lang: a.user.lang.clone(),
        elderly: a.user.elderly,
        household,
        roles: a.grants.clone(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PrefsReq {
    /// `zh-CN` or `en`.
    lang: String,
    /// Large-font, high-contrast elderly mode (长辈版).
    elderly: bool,
}

/// Saves language and elderly mode.
#[utoipa::path(put, path = "/api/v1/me/preferences", request_body = PrefsReq,
    responses((status = 204), (status = 422, body = ApiErrorBody)))]
async fn set_prefs(
    ctx: LoggedIn,
    State(s): State<AppState>,
    ApiJson(r): ApiJson<PrefsReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    acc::set_prefs(s.db(), a, &r.lang, r.elderly)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct JoinReq {
    /// Invitation code, e.g. `K7QF-3MWA`.
    code: String,
}

/// Joins a household with an invitation code.
#[utoipa::path(post, path = "/api/v1/me/household", request_body = JoinReq,
    responses((status = 200, body = MyHousehold), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn join_household(
    ctx: LoggedIn,
    State(s): State<AppState>,
    ApiJson(r): ApiJson<JoinReq>,
) -> ApiResult<Json<MyHousehold>> {
    let a = ctx.actor();
    Ok(Json(
        acc::join_household(s.db(), a, &r.code).await.api(&ctx)?,
    ))
}

/// A region node with its ancestors, counts, children (or households) and organizations.
#[utoipa::path(get, path = "/api/v1/regions/{id}", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = RegionView), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn region(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<RegionView>> {
    let a = ctx.actor();
    Ok(Json(
        linli_app::regions::view(s.db(), a, id, p.page(24))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewRegionReq {
    /// district | street | community | compound | building (what the parent may hold).
    kind: String,
    /// 1–60 characters, unique among the parent's live children.
    name: String,
    /// Place among the siblings (0–100000); after the last when absent.
    sort_order: Option<i64>,
}

/// Adds a node below this one (officers who administer it): streets under a district,
/// communities under a street, compounds or lone buildings under a community, buildings
/// under a compound.
#[utoipa::path(post, path = "/api/v1/regions/{id}/children", params(("id" = i64, Path)),
    request_body = NewRegionReq, responses((status = 201, body = RegionRow)))]
async fn create_region_child(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<NewRegionReq>,
) -> ApiResult<(StatusCode, Json<RegionRow>)> {
    let a = ctx.actor();
    let node = linli_app::region_setup::create_child(s.db(), a, id, &r.kind, &r.name, r.sort_order)
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(node)))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateRegionReq {
    name: String,
    sort_order: Option<i64>,
}

/// Renames a node and sets its place among its siblings (who administers its parent).
#[utoipa::path(patch, path = "/api/v1/regions/{id}", params(("id" = i64, Path)),
    request_body = UpdateRegionReq, responses((status = 200, body = RegionRow)))]
async fn update_region(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<UpdateRegionReq>,
) -> ApiResult<Json<RegionRow>> {
    let a = ctx.actor();
    Ok(Json(
        linli_app::region_setup::update(s.db(), a, id, &r.name, r.sort_order)
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRegionReq {
    /// The new parent: it must be able to hold this kind, and not lie below this node.
    parent_id: i64,
}

/// Moves a node with everything below it under another parent, in one transaction.
#[utoipa::path(post, path = "/api/v1/regions/{id}/move", params(("id" = i64, Path)),
    request_body = MoveRegionReq, responses((status = 200, body = RegionRow)))]
async fn move_region(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MoveRegionReq>,
) -> ApiResult<Json<RegionRow>> {
    let a = ctx.actor();
    Ok(Json(
        linli_app::region_setup::move_node(s.db(), a, id, r.parent_id)
            .await
            .api(&ctx)?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RetiredOut {
    /// How many nodes were retired (the node and the live nodes below it).
    retired: u64,
}

/// Retires a node and the live nodes below it: kept for history, hidden where new
/// records are made.
#[utoipa::path(post, path = "/api/v1/regions/{id}/retire", params(("id" = i64, Path)),
    responses((status = 200, body = RetiredOut)))]
async fn retire_region(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RetiredOut>> {
    let a = ctx.actor();
    let retired = linli_app::region_setup::retire(s.db(), a, id)
        .await
        .api(&ctx)?;
    Ok(Json(RetiredOut { retired }))
}

/// Brings a retired node back under its live parent.
#[utoipa::path(post, path = "/api/v1/regions/{id}/restore", params(("id" = i64, Path)),
    responses((status = 200, body = RegionRow)))]
async fn restore_region(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RegionRow>> {
    let a = ctx.actor();
    Ok(Json(
        linli_app::region_setup::restore(s.db(), a, id)
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteBuildingReq {
    /// How many people may join with each code (1–10, default 4).
    max_uses: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SlipsOut {
    /// Codes made by this call (households that had one keep it).
    made: usize,
    /// The live code of each household nobody has joined, by unit.
    slips: Vec<InvitationRow>,
}

/// Makes an invitation code for every household of a building that nobody has joined and
/// that holds none, for a printed sheet of slips (building representatives and officers).
#[utoipa::path(post, path = "/api/v1/regions/{id}/invitations", params(("id" = i64, Path)),
    request_body = InviteBuildingReq, responses((status = 201, body = SlipsOut)))]
async fn invite_building(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<InviteBuildingReq>,
) -> ApiResult<(StatusCode, Json<SlipsOut>)> {
    let a = ctx.actor();
    let made = acc::invite_building(s.db(), a, id, r.max_uses.unwrap_or(4))
        .await
        .api(&ctx)?;
    let (_, slips) = acc::building_slips(s.db(), a, id).await.api(&ctx)?;
    Ok((StatusCode::CREATED, Json(SlipsOut { made, slips })))
}

/// The live invitation codes of a building's households (its sheet of slips).
#[utoipa::path(get, path = "/api/v1/regions/{id}/invitations", params(("id" = i64, Path)),
    responses((status = 200, body = SlipsOut)))]
async fn building_slips(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SlipsOut>> {
    let a = ctx.actor();
    let (_, slips) = acc::building_slips(s.db(), a, id).await.api(&ctx)?;
    Ok(Json(SlipsOut { made: 0, slips }))
}

#[derive(Deserialize, ToSchema)]
pub struct UnitReq {
    /// As the building writes it: `1单元201` (1–30 characters, unique in the building).
    unit_label: String,
    /// Floor area in m², at most two decimals: `"89.50"`.
    floor_area: String,
    /// residence (default) | shop | garage.
    kind: Option<String>,
}

/// Adds a unit to a building (officers and social workers).
#[utoipa::path(post, path = "/api/v1/regions/{id}/households", params(("id" = i64, Path)),
    request_body = UnitReq, responses((status = 201, body = HouseholdRow)))]
async fn create_unit(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<UnitReq>,
) -> ApiResult<(StatusCode, Json<HouseholdRow>)> {
    let a = ctx.actor();
    let h = linli_app::units::create(
        s.db(),
        a,
        id,
        &r.unit_label,
        &r.floor_area,
        r.kind.as_deref().unwrap_or(""),
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(h)))
}

/// A unit with who lives there (the read is logged) and its history of changes.
#[utoipa::path(get, path = "/api/v1/households/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = linli_app::units::UnitView)))]
async fn unit(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<linli_app::units::UnitView>> {
    let a = ctx.actor();
    Ok(Json(linli_app::units::view(s.db(), a, id).await.api(&ctx)?))
}

/// Changes a unit's label, area or use; each change is a line of its history.
#[utoipa::path(patch, path = "/api/v1/households/{id}", params(("id" = i64, Path)),
    request_body = UnitReq, responses((status = 200, body = HouseholdRow)))]
async fn update_unit(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<UnitReq>,
) -> ApiResult<Json<HouseholdRow>> {
    let a = ctx.actor();
    Ok(Json(
        linli_app::units::update(
            s.db(),
            a,
            id,
            &r.unit_label,
            &r.floor_area,
            r.kind.as_deref().unwrap_or(""),
        )
        .await
        .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct OwnerReq {
    /// An owner already recorded (their `owner_key`: one buyer of several units is one
    /// owner); or absent, with `name` for a new owner; or `developer: true`.
    owner_key: Option<String>,
    name: Option<String>,
    /// A new owner's mobile number; links their account if they have one.
    phone: Option<String>,
    #[serde(default)]
    developer: bool,
    /// The day of the transfer (YYYY-MM-DD), kept in the unit's history.
    date: Option<String>,
    /// The owner's share of the unit (产权份额) as a percentage, such as `50` or `33.33`;
    /// absent: the whole unit.
    share: Option<String>,
}

/// Records who owns a unit (a sale: the old owner stays in the unit's history).
#[utoipa::path(put, path = "/api/v1/households/{id}/owner", params(("id" = i64, Path)),
    request_body = OwnerReq, responses((status = 200, body = linli_store::regions::UnitOwnerRow)))]
async fn set_unit_owner(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<OwnerReq>,
) -> ApiResult<Json<linli_store::regions::UnitOwnerRow>> {
    use linli_app::units::NewOwner;
    let a = ctx.actor();
    let owner = match (&r.owner_key, r.developer) {
        (Some(_), true) => {
            return Err(linli_app::AppError::Invalid("owner_is_developer")).api(&ctx);
        }
        (Some(k), false) => NewOwner::Known(k),
        (None, true) => NewOwner::Developer,
        (None, false) => NewOwner::Named {
            name: r.name.as_deref().unwrap_or(""),
            phone: r.phone.as_deref().unwrap_or(""),
        },
    };
    Ok(Json(
        linli_app::units::set_owner(
            s.db(),
            a,
            id,
            owner,
            r.date.as_deref().unwrap_or(""),
            r.share.as_deref().unwrap_or(""),
        )
        .await
        .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResidentReq {
    name: String,
    /// A mainland mobile number, or absent.
    phone: Option<String>,
    /// Head of household (replaces the current head).
    #[serde(default)]
    is_head: bool,
}

/// Lists a person in a unit.
#[utoipa::path(post, path = "/api/v1/households/{id}/residents", params(("id" = i64, Path)),
    request_body = ResidentReq, responses((status = 201, body = Created)))]
async fn add_unit_resident(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ResidentReq>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let a = ctx.actor();
    let id = linli_app::units::add_resident(
        s.db(),
        a,
        id,
        &r.name,
        r.phone.as_deref().unwrap_or(""),
        r.is_head,
    )
    .await
    .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Takes a person off a unit's list (moved out); an account they have stays.
#[utoipa::path(delete, path = "/api/v1/households/{id}/residents/{resident}",
    params(("id" = i64, Path), ("resident" = i64, Path)), responses((status = 204)))]
async fn remove_unit_resident(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path((id, resident)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    linli_app::units::remove_resident(s.db(), a, id, resident)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RosterOut {
    building: RegionRow,
    residents: Vec<ResidentRow>,
    total: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterParams {
    /// Only residents whose name, unit or number contains this (at most 50 characters).
    q: Option<String>,
    /// Only residents not registered yet.
    unregistered: Option<bool>,
}

/// Residents of a building with phone numbers (social workers and officers; logged).
#[utoipa::path(get, path = "/api/v1/regions/{id}/roster", params(("id" = i64, Path), PageParams, RosterParams),
    responses((status = 200, body = RosterOut), (status = 403, body = ApiErrorBody)))]
async fn roster(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
    Query(f): Query<RosterParams>,
) -> ApiResult<Json<RosterOut>> {
    let a = ctx.actor();
    let filter = linli_store::regions::RosterFilter {
        search: f.q.unwrap_or_default().trim().to_string(),
        unregistered: f.unregistered.unwrap_or(false),
    };
    let (building, residents, total) =
        linli_app::regions::roster(s.db(), a, id, &filter, p.page(50))
            .await
            .api(&ctx)?;
    Ok(Json(RosterOut {
        building,
        residents,
        total,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgListParams {
    /// Only this kind (club, mutual_aid, …).
    kind: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgListOut {
    organizations: Vec<OrgRow>,
    total: i64,
}

/// Organizations at and below a node.
#[utoipa::path(get, path = "/api/v1/regions/{id}/organizations", params(("id" = i64, Path), OrgListParams),
    responses((status = 200, body = OrgListOut), (status = 403, body = ApiErrorBody)))]
async fn list_orgs(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<OrgListParams>,
) -> ApiResult<Json<OrgListOut>> {
    let a = ctx.actor();
    let page = Page::new(q.page, q.per_page, 20);
    let (organizations, total) = orgs::list(s.db(), a, id, q.kind.as_deref(), page)
        .await
        .api(&ctx)?;
    Ok(Json(OrgListOut {
        organizations,
        total,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewOrgReq {
    /// club, mutual_aid, social_organization, residents_committee, owners_committee,
    /// property_manager or foundation.
    kind: String,
    name: String,
    intro: Option<String>,
}

/// Founds an organization on a node; the caller becomes its leader.
#[utoipa::path(post, path = "/api/v1/regions/{id}/organizations", params(("id" = i64, Path)), request_body = NewOrgReq,
    responses((status = 201, body = OrgRow), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_org(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<NewOrgReq>,
) -> ApiResult<(StatusCode, Json<OrgRow>)> {
    let a = ctx.actor();
    let input = NewOrg {
        region_id: id,
        kind: &r.kind,
        name: &r.name,
        intro: r.intro.as_deref().unwrap_or(""),
    };
    Ok((
        StatusCode::CREATED,
        Json(orgs::create(s.db(), a, input).await.api(&ctx)?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    organization: OrgRow,
    members: Vec<MemberRow>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateOrgReq {
    name: String,
    intro: Option<String>,
}

/// Changes an organization's name and introduction (its leaders and deputies, and the
/// node's administrators).
#[utoipa::path(put, path = "/api/v1/organizations/{id}", params(("id" = i64, Path)), request_body = UpdateOrgReq,
    responses((status = 200, body = OrgRow), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_org(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<UpdateOrgReq>,
) -> ApiResult<Json<OrgRow>> {
    let a = ctx.actor();
    let intro = r.intro.as_deref().unwrap_or("");
    Ok(Json(
        orgs::update(s.db(), a, id, &r.name, intro)
            .await
            .api(&ctx)?,
    ))
}

/// An organization with its members (phones masked unless the caller needs them).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = OrgOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn org(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<OrgOut>> {
    let a = ctx.actor();
    let organization = orgs::get(s.db(), a, id).await.api(&ctx)?;
    let members = orgs::members(s.db(), a, &organization, p.page(30))
        .await
        .api(&ctx)?;
    Ok(Json(OrgOut {
        organization,
        members,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MemberReq {
    phone: String,
    /// leader, deputy_leader, treasurer, secretary or member.
    role: String,
}

/// Adds a member or changes a member's role.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", params(("id" = i64, Path)), request_body = MemberReq,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn set_member(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MemberReq>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    orgs::set_member(s.db(), a, id, &r.phone, &r.role)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (leaders, deputies and administrators).
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{user_id}", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn remove_member(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    orgs::remove_member(s.db(), a, id, user_id)
        .await
        .api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Joins a club or the mutual-aid association.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/membership", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn join_org(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    orgs::join(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leaves an organization.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/membership", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ApiErrorBody)))]
async fn leave_org(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    orgs::leave(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct InviteReq {
    /// How many people may join with the code (1–10).
    max_uses: Option<i64>,
}

/// Issues an invitation code for a household (building representatives and staff).
#[utoipa::path(post, path = "/api/v1/households/{id}/invitations", params(("id" = i64, Path)), request_body = InviteReq,
    responses((status = 201, body = InvitationRow), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn create_invitation(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<InviteReq>,
) -> ApiResult<(StatusCode, Json<InvitationRow>)> {
    let a = ctx.actor();
    let inv = acc::create_invitation(s.db(), a, id, r.max_uses.unwrap_or(4))
        .await
        .api(&ctx)?;
    Ok((StatusCode::CREATED, Json(inv)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParams {
    /// The region node; defaults to the widest node the caller administers.
    region: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Active role grants at and below a node the caller administers.
#[utoipa::path(get, path = "/api/v1/roles", params(RegionParams),
    responses((status = 200, body = Vec<GrantRow>), (status = 403, body = ApiErrorBody)))]
async fn list_roles(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Query(q): Query<RegionParams>,
) -> ApiResult<Json<Vec<GrantRow>>> {
    let a = ctx.actor();
    let region = match q.region {
        Some(r) => r,
        None => a
            .administered_nodes()
            .first()
            .map(|g| g.region_id)
            .ok_or(linli_app::AppError::Forbidden)
            .api(&ctx)?,
    };
    Ok(Json(
        roles::list(s.db(), a, region, Page::new(q.page, q.per_page, 50))
            .await
            .api(&ctx)?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantReq {
    /// The account's phone number.
    phone: String,
    region_id: i64,
    /// e.g. building_rep, social_worker, owner.
    role: String,
}

/// Grants a role on a node (it holds for everything below it).
#[utoipa::path(post, path = "/api/v1/roles", request_body = GrantReq,
    responses((status = 201, body = GrantRow), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn grant_role(
    ctx: LoggedIn,
    State(s): State<AppState>,
    ApiJson(r): ApiJson<GrantReq>,
) -> ApiResult<(StatusCode, Json<GrantRow>)> {
    let a = ctx.actor();
    Ok((
        StatusCode::CREATED,
        Json(
            roles::grant(s.db(), a, &r.phone, r.region_id, &r.role)
                .await
                .api(&ctx)?,
        ),
    ))
}

/// Revokes a role grant.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn revoke_role(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let a = ctx.actor();
    roles::revoke(s.db(), a, id).await.api(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log of a node the caller administers, newest first.
#[utoipa::path(get, path = "/api/v1/audit", params(RegionParams),
    responses((status = 200, body = Vec<AuditRow>), (status = 403, body = ApiErrorBody)))]
async fn list_audit(
    ctx: LoggedIn,
    State(s): State<AppState>,
    Query(q): Query<RegionParams>,
) -> ApiResult<Json<Vec<AuditRow>>> {
    let a = ctx.actor();
    Ok(Json(
        audit::list(s.db(), a, q.region, Page::new(q.page, q.per_page, 50))
            .await
            .api(&ctx)?,
    ))
}
