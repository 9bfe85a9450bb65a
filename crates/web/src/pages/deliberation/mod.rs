//! Deliberation pages (议事协商): issues and their threads, bodies and sittings, votes and
//! ballots, action items and the accountability page.

mod actions;
mod issues;
mod sittings;
mod votes;

use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(issues::router())
        .merge(sittings::router())
        .merge(votes::router())
        .merge(actions::router())
}
