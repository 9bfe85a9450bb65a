//! Linli's integration tests: one binary, one module per area (kanidm's lesson: every
//! test binary links the whole platform again, so a new area adds a module here, never a
//! new file beside this folder). HTTP scenarios run on SQLite and PostgreSQL through
//! `on_both_databases!`; `browser` drives the pages in headless Chromium.

mod browser;
mod clubs;
mod deliberation;
mod home;
mod http;
mod imports;
mod jobs;
mod money;
mod notifications;
mod operations;
mod search;
mod setup;
mod sms;
