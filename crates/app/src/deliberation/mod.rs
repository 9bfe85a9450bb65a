//! Deliberation (议事协商): issues raised by residents, bodies and their sittings,
//! votes and ballots, decisions' action items; they notify through `notifications`.

pub mod actions;
pub mod bodies;
pub mod issues;
pub mod sittings;
pub mod votes;
