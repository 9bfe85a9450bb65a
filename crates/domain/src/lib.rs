//! Pure types and rules of Linli: no database, web or async code lives here.
//!
//! Every value that enters from outside (a phone number, an invitation code, a role
//! name) is parsed into one of these types at the edge, so the layers below never
//! handle raw strings. Each area of the product has a module of the same name here,
//! in `store`, `app` and `web`.

pub mod accounts;
pub mod clubs;
pub mod deliberation;
pub mod error;
pub mod files;
pub mod jobs;
pub mod money;
pub mod notifications;
pub mod organizations;
pub mod pdf;
pub mod regions;
pub mod search;
pub mod status;
pub mod text;
pub mod throttle;
pub mod time;

pub use error::DomainError;

#[cfg(test)]
mod edge_tests;
