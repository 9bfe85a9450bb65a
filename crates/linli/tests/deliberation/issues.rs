//! Deliberation scenarios: issues.
