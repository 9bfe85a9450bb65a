//! Deliberation through HTTP on SQLite and PostgreSQL: issues and their threads, bodies
//! and sittings, votes and ballots, actions. One test binary, one file per part.

mod issues;
mod sittings;
mod votes;
