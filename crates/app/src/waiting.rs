//! "What needs me now": the top of a resident's home page. Every list is read in one
//! statement (`linli_store::waiting`) and only for the caller, so nothing here can show
//! another person's business.

use crate::{Actor, AppResult};
use linli_store::Db;
pub use linli_store::waiting::WaitingRow;

/// The caller's waiting things, by kind, each list short and soonest first.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Waiting {
    /// Open votes the caller (or their household, units) may still vote in; `at` closes.
    pub votes: Vec<WaitingRow>,
    /// Activities signed up for (or waitlisted) that have not happened yet.
    pub activities: Vec<WaitingRow>,
    /// Sittings of bodies the caller sits on, scheduled or open.
    pub sittings: Vec<WaitingRow>,
    /// Action items the caller owns and has not finished.
    pub actions: Vec<WaitingRow>,
    /// Claims waiting for the caller's approval as a leader or treasurer.
    pub claims: Vec<WaitingRow>,
    /// Issues of the caller's building, compound or community halfway or more to their
    /// support threshold, not yet supported by the caller.
    pub issues: Vec<WaitingRow>,
}

impl Waiting {
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
            && self.activities.is_empty()
            && self.sittings.is_empty()
            && self.actions.is_empty()
            && self.claims.is_empty()
            && self.issues.is_empty()
    }
}

pub async fn of(db: &Db, actor: &Actor) -> AppResult<Waiting> {
    let me = actor.id();
    let rows = linli_store::waiting::of_user(
        db,
        me,
        linli_store::clock::now_ms(),
        linli_store::clock::today().as_str(),
        &format!("p:{me}"),
    )
    .await?;
    let mut w = Waiting::default();
    for r in rows {
        let list = match r.kind.as_str() {
            "vote" => &mut w.votes,
            "activity" => &mut w.activities,
            "sitting" => &mut w.sittings,
            "action" => &mut w.actions,
            "claim" => &mut w.claims,
            _ => &mut w.issues,
        };
        list.push(r);
    }
    Ok(w)
}
