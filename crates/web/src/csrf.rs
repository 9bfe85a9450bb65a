//! CSRF protection for every form and every cookie-authenticated API call.
//!
//! Each browser gets a random `linli_csrf` cookie (HttpOnly, SameSite=Strict). Every
//! form carries the same value in a hidden `_csrf` field, and cookie-authenticated API
//! calls in an `X-CSRF-Token` header; a cross-site page can neither read the cookie nor
//! forge the field. Requests with a bearer token carry no ambient credentials and are
//! exempt. The check sits in one middleware, so no handler can forget it.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::cookies::{CSRF_COOKIE, CsrfToken, SESSION_COOKIE, bearer, cookie, set_csrf_cookie};
use crate::error::refuse;
use crate::state::AppState;
use axum::extract::State;

const FORM_LIMIT: usize = 64 * 1024;

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let existing = cookie(&parts.headers, CSRF_COOKIE).map(str::to_string);
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if unsafe_method && bearer(&parts.headers).is_none() {
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let ok = if is_form {
            let bytes = match to_bytes(body, FORM_LIMIT).await {
                Ok(b) => b,
                Err(_) => {
                    return refuse(
                        &state,
                        &parts.headers,
                        parts.uri.path(),
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "error.body_too_large",
                    );
                }
            };
            let sent = form_field(&bytes, "_csrf");
            body = Body::from(bytes);
            matches!((&existing, sent), (Some(c), Some(s)) if !c.is_empty() && *c == s)
        } else if is_multipart(&parts.headers) {
            // File uploads from pages: the token rides in the query string, since the
            // middleware does not buffer multi-megabyte bodies to find a field.
            let sent = parts
                .uri
                .query()
                .and_then(|q| form_field(q.as_bytes(), "_csrf"));
            matches!((&existing, sent), (Some(c), Some(s)) if !c.is_empty() && *c == s)
        } else if cookie(&parts.headers, SESSION_COOKIE).is_some() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            matches!((&existing, sent), (Some(c), Some(s)) if !c.is_empty() && c == s)
        } else {
            // No cookie session and no form: nothing ambient to abuse (e.g. API login).
            true
        };
        if !ok {
            return refuse(
                &state,
                &parts.headers,
                parts.uri.path(),
                StatusCode::FORBIDDEN,
                "error.csrf_failed",
            );
        }
    }
    let token = existing
        .clone()
        .unwrap_or_else(linli_app::tokens::random_token);
    parts.extensions.insert(CsrfToken(token.clone()));
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if existing.is_none() {
        if let Ok(v) = HeaderValue::from_str(&set_csrf_cookie(&token, state.config.secure_cookies))
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The `Set-Cookie` value that gives a browser `token` as its CSRF token.
fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The value of one field of an urlencoded body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = decode(it.next()?);
        let v = decode(it.next().unwrap_or_default());
        Some((k, v))
    })
}

fn decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_url_decoded() {
        assert_eq!(
            form_field(b"a=1&_csrf=ab%2Fc+d", "_csrf").as_deref(),
            Some("ab/c d")
        );
        assert_eq!(form_field(b"a=1", "_csrf"), None);
        assert_eq!(form_field(b"_csrf=%", "_csrf").as_deref(), Some("%"));
    }
}
