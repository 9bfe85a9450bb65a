//! Body extractors whose rejections (malformed JSON, a missing or mistyped form field)
//! answer like every other error: a 4xx with a message in the caller's language, JSON
//! for the API and a page for forms, instead of axum's plain English text.

use crate::csrf::refuse;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// `axum::Json` with localized rejections.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => {
                tracing::debug!(error = %e, "rejected JSON body");
                let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    e.status()
                } else {
                    StatusCode::BAD_REQUEST
                };
                Err(refuse(state, &headers, status, "error.bad_request"))
            }
        }
    }
}

/// `axum::Form` with localized rejections.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Self(v)),
            Err(e) => {
                tracing::debug!(error = %e, "rejected form body");
                Err(refuse(
                    state,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "error.bad_form",
                ))
            }
        }
    }
}
