//! The JSON API under `/api/v1`, for mobile clients and integrations, described by
//! the OpenAPI document at `/api/openapi.json` generated from these handlers.
//! Authentication: `POST /api/v1/sessions` returns a token to send as
//! `Authorization: Bearer <token>`; browser sessions work too, with `X-CSRF-Token`.

mod clubs;
mod deliberation;
mod grants;
mod money;
mod v1;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .nest(
            "/api/v1",
            v1::router()
                .merge(money::router())
                .merge(grants::router())
                .merge(clubs::router())
                .merge(deliberation::router()),
        )
        .route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = v1::ApiDoc::openapi();
    doc.merge(money::MoneyDoc::openapi());
    doc.merge(grants::GrantsDoc::openapi());
    doc.merge(clubs::ClubsDoc::openapi());
    doc.merge(deliberation::doc());
    Json(doc)
}
