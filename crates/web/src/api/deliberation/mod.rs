//! Deliberation in the JSON API: issues, bodies and sittings, votes and ballots, actions.

mod actions;
mod issues;
mod sittings;
mod votes;

use crate::state::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(issues::router())
        .merge(sittings::router())
        .merge(votes::router())
        .merge(actions::router())
}

/// The OpenAPI description of the deliberation endpoints.
pub fn doc() -> utoipa::openapi::OpenApi {
    let mut doc = issues::Doc::openapi();
    doc.merge(sittings::Doc::openapi());
    doc.merge(votes::Doc::openapi());
    doc.merge(actions::Doc::openapi());
    doc
}
