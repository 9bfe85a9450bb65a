//! Cookies and credentials of a request: reading a cookie, writing `Set-Cookie` values,
//! the bearer token of API clients. Depends on nothing else in the crate.

use axum::http::{HeaderMap, header};

pub const SESSION_COOKIE: &str = "linli_session";
pub const LANG_COOKIE: &str = "linli_lang";
pub const ELDERLY_COOKIE: &str = "linli_elderly";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, for the whole site.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The bearer token of an API client, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

pub const CSRF_COOKIE: &str = "linli_csrf";

/// The CSRF cookie: HttpOnly, SameSite=Strict, for the whole site.
pub fn set_csrf_cookie(token: &str, secure: bool) -> String {
    format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The CSRF token of this browser, put in the request extensions for templates.
#[derive(Clone)]
pub struct CsrfToken(pub String);
