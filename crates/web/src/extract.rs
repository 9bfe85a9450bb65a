//! Body extractors whose rejections (malformed JSON, a missing or mistyped form field)
//! answer like every other error: a 4xx with a message in the caller's language, JSON
//! for the API and a page for forms, instead of axum's plain English text.

use crate::error::refuse;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use linli_domain::text::has_control;
use serde::de::DeserializeOwned;

/// `axum::Json` with localized rejections.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let path = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| req.uri().path().to_string(), |u| u.path().to_string());
        let refused = |status, key| Err(refuse(state, &headers, &path, status, key));
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(e) => {
                tracing::debug!(error = %e, "rejected JSON body");
                let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    e.status()
                } else {
                    StatusCode::BAD_REQUEST
                };
                return refused(status, "error.bad_request");
            }
        };
        if json_has_control(&value) {
            return refused(StatusCode::UNPROCESSABLE_ENTITY, "error.control_character");
        }
        match serde_json::from_value(value) {
            Ok(v) => Ok(Self(v)),
            Err(e) => {
                tracing::debug!(error = %e, "rejected JSON body");
                refused(StatusCode::BAD_REQUEST, "error.bad_request")
            }
        }
    }
}

/// Whether any string (or key) in a JSON document holds a control character.
fn json_has_control(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => has_control(s),
        Value::Array(a) => a.iter().any(json_has_control),
        Value::Object(o) => o.iter().any(|(k, v)| has_control(k) || json_has_control(v)),
        _ => false,
    }
}

/// Whether a decoded `application/x-www-form-urlencoded` body or query holds a control
/// character in any name or value.
fn urlencoded_has_control(raw: &[u8]) -> bool {
    form_urlencoded::parse(raw).any(|(k, v)| has_control(&k) || has_control(&v))
}

/// `axum::Form` with localized rejections.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let path = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| req.uri().path().to_string(), |u| u.path().to_string());
        let refused = |key| {
            Err(refuse(
                state,
                &headers,
                &path,
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
            ))
        };
        if req
            .uri()
            .query()
            .is_some_and(|q| urlencoded_has_control(q.as_bytes()))
        {
            return refused("error.control_character");
        }
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
            return refused("error.bad_form");
        };
        if urlencoded_has_control(&bytes) {
            return refused("error.control_character");
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Self(v)),
            Err(e) => {
                tracing::debug!(error = %e, "rejected form body");
                refused("error.bad_form")
            }
        }
    }
}

/// `axum::extract::Path` with localized rejections (e.g. `/regions/abc`).
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(_) => Err(refuse(
                state,
                &parts.headers,
                &full_path(parts),
                StatusCode::NOT_FOUND,
                "error.not_found",
            )),
        }
    }
}

/// `axum::extract::Query` with localized rejections (e.g. `?page=x`).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if parts
            .uri
            .query()
            .is_some_and(|q| urlencoded_has_control(q.as_bytes()))
        {
            return Err(refuse(
                state,
                &parts.headers,
                &full_path(parts),
                StatusCode::UNPROCESSABLE_ENTITY,
                "error.control_character",
            ));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(_) => Err(refuse(
                state,
                &parts.headers,
                &full_path(parts),
                StatusCode::BAD_REQUEST,
                "error.bad_query",
            )),
        }
    }
}

/// Unknown routes: a localized 404 (JSON under `/api/`).
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
) -> Response {
    refuse(
        &state,
        req.headers(),
        req.uri().path(),
        StatusCode::NOT_FOUND,
        "error.not_found",
    )
}

/// The path as the client sent it (nested routers see it without their prefix).
fn full_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string())
}
