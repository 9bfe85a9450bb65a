//! Deliberation scenarios: votes.
