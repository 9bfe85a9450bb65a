//! The request context: who is asking (from the session cookie or a bearer token),
//! in which language, whether elderly mode is on, and the CSRF token for forms.

use crate::cookies::{CsrfToken, ELDERLY_COOKIE, LANG_COOKIE, SESSION_COOKIE, bearer, cookie};
use crate::error::PageError;
use crate::i18n::{Catalog, Lang, lookup};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use linli_app::{Actor, AppError};
use std::sync::Arc;

/// Who is asking and how they want to see it.
pub struct Ctx {
    pub actor: Option<Actor>,
    pub lang: Lang,
    pub elderly: bool,
    pub csrf: String,
    pub catalog: Arc<Catalog>,
    /// The session token (cookie or bearer) the request carried.
    pub token: Option<String>,
    /// The path requested, for "back" links and login redirects.
    pub path: String,
    /// The element htmx will swap the answer into, when it asked for a fragment
    /// (boosted links and forms ask for whole pages and carry no target).
    pub htmx_target: Option<String>,
    /// `scheme://host` the client reached (through a trusted proxy's forwarding headers),
    /// for absolute links in QR codes when no public URL is configured.
    pub origin: String,
    /// Unread notifications, counted for pages only (GET outside `/api/`).
    pub unread: i64,
    /// The request is a form post (its refusal page says how to get back to the form).
    pub posted: bool,
}

impl Ctx {
    /// The logged-in user, or an error asking to log in.
    pub fn actor(&self) -> Result<&Actor, AppError> {
        self.actor
            .as_ref()
            .ok_or(AppError::Unauthorized("login_required"))
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        lookup(&self.catalog, key)
    }

    /// What every page template needs.
    pub fn layout(&self) -> Layout {
        Layout {
            lang: self.lang,
            elderly: self.elderly,
            csrf: self.csrf.clone(),
            user_name: self.actor.as_ref().map(|a| a.user.display_name.clone()),
            unread: self.unread,
            is_admin: self
                .actor
                .as_ref()
                .is_some_and(|a| !a.administered_nodes().is_empty()),
            path: self.path.clone(),
            catalog: self.catalog.clone(),
            posted: self.posted,
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let h = &parts.headers;
        let token = bearer(h)
            .or_else(|| cookie(h, SESSION_COOKIE))
            .map(str::to_string);
        // The language the request asks for, before knowing who asks: a failure to read
        // the session is told in it.
        let asked = Lang::of_request(h);
        // The header's unread badge is counted on pages only: API calls and form posts
        // (which redirect) skip it. It comes in the same statement as the session.
        let page_view =
            parts.method == axum::http::Method::GET && !parts.uri.path().starts_with("/api/");
        let (actor, unread) = match &token {
            Some(t) if !t.is_empty() => {
                match linli_app::accounts::actor_for_session(
                    state.db(),
                    &state.grants,
                    t,
                    page_view,
                )
                .await
                .map_err(|e| PageError::plain(e, asked, state))?
                {
                    Some((a, unread)) => (Some(a), unread),
                    None => (None, 0),
                }
            }
            _ => (None, 0),
        };
        if let Some(a) = &actor {
            tracing::Span::current().record("user", a.id());
        }
        let lang = cookie(h, LANG_COOKIE)
            .and_then(Lang::parse)
            .or_else(|| actor.as_ref().and_then(|a| Lang::parse(&a.user.lang)))
            .unwrap_or(asked);
        let elderly = match cookie(h, ELDERLY_COOKIE) {
            Some(v) => v == "1",
            None => actor.as_ref().is_some_and(|a| a.user.elderly),
        };
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        Ok(Ctx {
            unread,
            posted: parts.method == axum::http::Method::POST,
            actor,
            lang,
            elderly,
            csrf,
            catalog: state.catalogs.get(lang),
            token,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "/".into()),
            htmx_target: h
                .get("hx-target")
                .filter(|_| !h.contains_key("hx-boosted"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            origin: crate::client::request_origin(
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip()),
                h,
                &state.config.trusted_proxies,
            ),
        })
    }
}

/// What the base template needs on every page.
#[derive(Clone)]
pub struct Layout {
    pub lang: Lang,
    pub elderly: bool,
    pub csrf: String,
    pub user_name: Option<String>,
    /// Unread notifications of the signed-in user (0 on API calls and posts).
    pub unread: i64,
    pub is_admin: bool,
    pub path: String,
    pub catalog: Arc<Catalog>,
    /// The page answers a form post.
    pub posted: bool,
}

impl Layout {
    /// A message in the page's language.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        lookup(&self.catalog, key)
    }

    /// A message with its `{1}`, `{2}`… filled in from `args`, so each language puts the
    /// figures where its grammar wants them.
    pub fn tf(&self, key: &str, args: &[&str]) -> String {
        let mut out = self.t(key).to_string();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{}}}", i + 1), a);
        }
        out
    }

    /// A label followed by the language's colon: `出席：` / `Present: `.
    pub fn label(&self, key: &str) -> String {
        format!("{}{}", self.t(key), self.colon())
    }

    /// The colon between a label and its value: full-width in Chinese, `: ` in English.
    pub fn colon(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "：",
            Lang::En => ": ",
        }
    }

    /// The separator between the items of a list in running text: `、` / `, `.
    pub fn sep(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "、",
            Lang::En => ", ",
        }
    }

    /// A message whose key is `prefix.name` (role, kind… labels).
    pub fn tk(&self, prefix: &str, name: impl AsRef<str>) -> String {
        let key = format!("{prefix}.{}", name.as_ref());
        self.catalog.get(&key).cloned().unwrap_or(key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The language the switch offers.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh-CN",
        }
    }

    /// A stored UTC instant in Asia/Shanghai.
    pub fn time(&self, ms: &i64) -> String {
        linli_domain::time::format_shanghai(*ms)
    }

    /// A stored instant as a person plans by it, in Asia/Shanghai: the day with its
    /// weekday and the time, `12月3日（周四）19:30` / `Thu 3 Dec 19:30`.
    pub fn when(&self, ms: &i64) -> String {
        use chrono::Datelike;
        let t = linli_domain::time::to_shanghai(*ms);
        let wd = t.weekday().num_days_from_monday() as usize;
        match self.lang {
            Lang::Zh => {
                const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
                format!(
                    "{}月{}日（{}）{}",
                    t.month(),
                    t.day(),
                    DAYS[wd],
                    t.format("%H:%M")
                )
            }
            Lang::En => t.format("%a %-d %b %H:%M").to_string(),
        }
    }

    /// An amount in fen as yuan, `1,234.50`.
    pub fn yuan(&self, fen: &i64) -> String {
        linli_domain::money::display_fen(*fen)
    }

    /// A floor area in m².
    pub fn area(&self, cm2: &i64) -> String {
        linli_domain::regions::AreaCm2(*cm2).display()
    }
}

/// A request from a logged-in user: the context with its actor guaranteed. Taking it
/// instead of [`Ctx`] is the handler's whole login check: a page asked without a session
/// redirects to the login page (and back after it), an API call is refused with 401 in
/// the caller's language, before the handler or any other extractor runs.
pub struct LoggedIn(Ctx);

impl LoggedIn {
    /// Who is asking.
    pub fn actor(&self) -> &Actor {
        self.0
            .actor
            .as_ref()
            .expect("LoggedIn holds an actor by construction")
    }
}

impl std::ops::Deref for LoggedIn {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.0
    }
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let err = match ctx.actor() {
            Ok(_) => return Ok(LoggedIn(ctx)),
            Err(e) => e,
        };
        Err(if parts.uri.path().starts_with("/api/") {
            crate::error::ApiError::new(err, &ctx).into_response()
        } else {
            PageError::new(err, &ctx).into_response()
        })
    }
}
