//! Logging in and out, registering with a phone number and SMS code, joining a
//! household with an invitation code, and preferences (language, elderly mode).

use crate::client::ClientAddr;
use crate::cookies::{ELDERLY_COOKIE, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::ctx::{Ctx, Layout, LoggedIn};
use crate::error::{OrPage, PageError};
use crate::extract::PageForm;
use crate::extract::Query;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linli_app::accounts::{self as acc, RegisterInput, SESSION_TTL_MS};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/code", post(send_login_code))
        .route("/login/sms", post(login_by_code))
        .route("/logout/everywhere", post(logout_everywhere))
        .route("/logout", post(logout))
        .route("/register", get(register_page).post(register))
        .route("/register/code", post(send_code))
        .route("/join", get(join_page).post(join))
        .route("/settings", get(settings_page))
        .route("/prefs", post(prefs))
}

/// Only same-site paths may be redirected to after logging in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && !n.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/regions/7")), "/regions/7");
        for bad in [
            "//evil.cn",
            "/\\evil.cn",
            "https://evil.cn",
            "/a\nb",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    phone: String,
    error: Option<String>,
    /// An SMS code was sent: show the field to type it.
    code_sent: bool,
    /// Password attempts are slowed down: offer the SMS code first.
    throttled: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage {
        l: ctx.layout(),
        next: safe_next(q.next.as_deref()),
        phone: String::new(),
        error: None,
        code_sent: false,
        throttled: false,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    phone: String,
    password: String,
    next: Option<String>,
}

async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let result = acc::login(state.db(), &f.phone, &f.password, &client).await;
    state.metrics.count_login(&result);
    logged_in(&ctx, &state, result, f.phone, f.next.as_deref(), false)
}

/// The answer to a login: the cookies of the new session (and a fresh CSRF token, so a
/// token planted before the login is worthless after it) and the way on; or the login
/// page with the refusal in words.
fn logged_in(
    ctx: &Ctx,
    state: &AppState,
    result: linli_app::AppResult<(String, linli_store::accounts::UserRow)>,
    phone: String,
    next: Option<&str>,
    code_sent: bool,
) -> Response {
    let secure = state.config.secure_cookies;
    match result {
        Ok((token, user)) => {
            let elderly = if user.elderly || ctx.elderly {
                "1"
            } else {
                "0"
            };
            let csrf = crate::cookies::set_csrf_cookie(&linli_app::tokens::random_token(), secure);
            let cookies = [
                (
                    SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &token, SESSION_TTL_MS / 1000, secure),
                ),
                (
                    SET_COOKIE,
                    set_cookie(LANG_COOKIE, &user.lang, 31_536_000, secure),
                ),
                (
                    SET_COOKIE,
                    set_cookie(ELDERLY_COOKIE, elderly, 31_536_000, secure),
                ),
                (SET_COOKIE, csrf),
            ];
            (AppendHeaders(cookies), Redirect::to(&safe_next(next))).into_response()
        }
        Err(e) => {
            let status = crate::error::status(&e);
            let page = LoginPage {
                throttled: e.code() == "login_throttled",
                error: Some(ctx.t(&format!("error.{}", e.code())).to_string()),
                l: ctx.layout(),
                next: safe_next(next),
                phone,
                code_sent,
            };
            (status, page).into_response()
        }
    }
}

#[derive(Deserialize)]
struct LoginCodeForm {
    phone: String,
    next: Option<String>,
}

/// Sends an SMS code to log in with (the captcha-free way back in when password
/// attempts are slowed down, or when the password is forgotten).
async fn send_login_code(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginCodeForm>,
) -> Response {
    let sent = acc::request_sms_code(
        state.db(),
        &state.sms,
        &f.phone,
        ctx.lang.code(),
        &client,
        state.config.sms_caps,
    )
    .await;
    state.metrics.count_throttle(&sent);
    let (status, error) = match &sent {
        Ok(()) => (axum::http::StatusCode::OK, None),
        Err(e) => (
            crate::error::status(e),
            Some(ctx.t(&format!("error.{}", e.code())).to_string()),
        ),
    };
    let page = LoginPage {
        l: ctx.layout(),
        next: safe_next(f.next.as_deref()),
        phone: f.phone,
        error,
        code_sent: sent.is_ok(),
        throttled: false,
    };
    (status, page).into_response()
}

#[derive(Deserialize)]
struct LoginSmsForm {
    phone: String,
    code: String,
    next: Option<String>,
}

async fn login_by_code(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginSmsForm>,
) -> Response {
    let result = acc::login_with_code(state.db(), &f.phone, &f.code, &client).await;
    state.metrics.count_login(&result);
    logged_in(&ctx, &state, result, f.phone, f.next.as_deref(), true)
}

/// Ends every session of the account, this one included ("log out everywhere", for a
/// lost phone or a shared computer).
async fn logout_everywhere(
    ctx: LoggedIn,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    acc::logout_everywhere(state.db(), actor).await.page(&ctx)?;
    Ok((
        AppendHeaders([(
            SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
        )]),
        Redirect::to("/login"),
    )
        .into_response())
}

async fn logout(ctx: Ctx, State(state): State<AppState>) -> Response {
    if let Some(t) = &ctx.token {
        let _ = acc::logout(state.db(), t).await;
    }
    (
        AppendHeaders([(
            SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
        )]),
        Redirect::to("/"),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    l: Layout,
    phone: String,
    name: String,
    invite: String,
    code_sent: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct RegisterQuery {
    phone: Option<String>,
    invite: Option<String>,
    sent: Option<String>,
}

async fn register_page(ctx: Ctx, Query(q): Query<RegisterQuery>) -> RegisterPage {
    RegisterPage {
        l: ctx.layout(),
        phone: q.phone.unwrap_or_default(),
        name: String::new(),
        invite: q.invite.unwrap_or_default(),
        code_sent: q.sent.is_some(),
        error: None,
    }
}

#[derive(Deserialize)]
struct SendCodeForm {
    phone: String,
    invite: Option<String>,
}

async fn send_code(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<SendCodeForm>,
) -> Response {
    let invite = f.invite.clone().unwrap_or_default();
    let sent = acc::request_sms_code(
        state.db(),
        &state.sms,
        &f.phone,
        ctx.lang.code(),
        &client,
        state.config.sms_caps,
    )
    .await;
    state.metrics.count_throttle(&sent);
    match sent {
        Ok(()) => Redirect::to(&format!(
            "/register?sent=1&phone={}&invite={}",
            crate::error::urlencode(f.phone.trim()),
            crate::error::urlencode(invite.trim())
        ))
        .into_response(),
        Err(e) => {
            let status = crate::error::status(&e);
            let page = RegisterPage {
                error: Some(ctx.t(&format!("error.{}", e.code())).to_string()),
                l: ctx.layout(),
                phone: f.phone,
                name: String::new(),
                invite,
                code_sent: false,
            };
            (status, page).into_response()
        }
    }
}

#[derive(Deserialize)]
struct RegisterForm {
    phone: String,
    code: String,
    name: String,
    password: String,
    invite: Option<String>,
}

async fn register(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<RegisterForm>,
) -> Response {
    let input = RegisterInput {
        phone: &f.phone,
        sms_code: &f.code,
        password: &f.password,
        name: &f.name,
        invite_code: f.invite.as_deref(),
        lang: ctx.lang.code(),
    };
    let result = match acc::register(state.db(), input).await {
        Ok(_) => acc::login(state.db(), &f.phone, &f.password, &client).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((token, _)) => (
            AppendHeaders([(
                SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &token,
                    SESSION_TTL_MS / 1000,
                    state.config.secure_cookies,
                ),
            )]),
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => {
            let status = crate::error::status(&e);
            let page = RegisterPage {
                error: Some(ctx.t(&format!("error.{}", e.code())).to_string()),
                l: ctx.layout(),
                phone: f.phone,
                name: f.name,
                invite: f.invite.unwrap_or_default(),
                code_sent: true,
            };
            (status, page).into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/join.html")]
struct JoinPage {
    l: Layout,
    code: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// Scanning an invitation QR code lands here: logged-in users join, visitors are sent
/// to register with the code filled in.
async fn join_page(ctx: Ctx, Query(q): Query<CodeQuery>) -> Response {
    let code = q.code.unwrap_or_default();
    if ctx.actor.is_none() {
        return Redirect::to(&format!(
            "/register?invite={}",
            crate::error::urlencode(&code)
        ))
        .into_response();
    }
    JoinPage {
        l: ctx.layout(),
        code,
        error: None,
    }
    .into_response()
}

#[derive(Deserialize)]
struct JoinForm {
    code: String,
}

async fn join(
    ctx: LoggedIn,
    State(state): State<AppState>,
    PageForm(f): PageForm<JoinForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor();
    match acc::join_household(state.db(), actor, &f.code).await {
        Ok(h) => Ok(Redirect::to(&format!("/regions/{}", h.building_id)).into_response()),
        Err(e) => {
            let status = crate::error::status(&e);
            let page = JoinPage {
                error: Some(ctx.t(&format!("error.{}", e.code())).to_string()),
                l: ctx.layout(),
                code: f.code,
            };
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/settings.html")]
struct SettingsPage {
    l: Layout,
}

async fn settings_page(ctx: Ctx) -> SettingsPage {
    SettingsPage { l: ctx.layout() }
}

#[derive(Deserialize)]
struct PrefsForm {
    lang: Option<String>,
    elderly: Option<String>,
    back: Option<String>,
}

/// Switches language or elderly mode. Kept in cookies for visitors and saved on the
/// account for logged-in users, so the choice is made once and follows them.
async fn prefs(
    ctx: Ctx,
    State(state): State<AppState>,
    PageForm(f): PageForm<PrefsForm>,
) -> Result<Response, PageError> {
    let lang = f
        .lang
        .as_deref()
        .and_then(crate::i18n::Lang::parse)
        .unwrap_or(ctx.lang);
    let elderly = match f.elderly.as_deref() {
        Some("1") => true,
        Some("0") => false,
        _ => ctx.elderly,
    };
    if let Some(actor) = &ctx.actor {
        acc::set_prefs(state.db(), actor, lang.code(), elderly)
            .await
            .page(&ctx)?;
    }
    let secure = state.config.secure_cookies;
    Ok((
        AppendHeaders([
            (
                SET_COOKIE,
                set_cookie(LANG_COOKIE, lang.code(), 31_536_000, secure),
            ),
            (
                SET_COOKIE,
                set_cookie(
                    ELDERLY_COOKIE,
                    if elderly { "1" } else { "0" },
                    31_536_000,
                    secure,
                ),
            ),
        ]),
        Redirect::to(&safe_next(f.back.as_deref())),
    )
        .into_response())
}
