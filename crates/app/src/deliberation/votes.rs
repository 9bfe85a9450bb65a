//! Votes: electorates, ballots (open or secret), paper entries, proxies and the tally.

use crate::{Actor, AppError, AppResult};
use linli_store::Db;

/// A vote as its organizer sets it up, still raw.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NewVote {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// majority | two_thirds | consensus | approval | ranked | owners
    pub method: String,
    /// ordinary | major (art. 278 items 6–8), for owners' votes
    #[serde(default)]
    pub matter: Option<String>,
    /// body | residents | households | owners
    pub electorate: String,
    /// The node whose residents, households or owners vote (the body's node for `body`).
    pub region_id: i64,
    pub body_id: Option<i64>,
    pub sitting_id: Option<i64>,
    pub motion_id: Option<i64>,
    pub issue_id: Option<i64>,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub hide_results: bool,
    /// Minutes from now until the vote closes.
    pub minutes_open: i64,
    /// Option labels for approval and ranked votes (yes/no methods have none).
    #[serde(default)]
    pub options: Vec<String>,
    /// A later stage: runs only if the parent vote's winner is `parent_option`.
    pub parent_id: Option<i64>,
    pub parent_option: Option<i64>,
}

/// Sets up a vote and returns its id.
pub async fn create(_db: &Db, _actor: &Actor, _v: NewVote) -> AppResult<i64> {
    Err(AppError::Invalid("not_ready"))
}
