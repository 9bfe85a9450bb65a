//! Deliberation scenarios: sittings.
