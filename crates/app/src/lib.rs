//! Use cases of Linli, one module per domain area. Each function takes the acting
//! user (`Actor`), checks what their roles allow on the region node concerned, runs
//! its writes in one transaction with the audit entry, and returns plain data for the
//! web layer to render as a page or as JSON.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod clubs;
pub mod deliberation;
pub mod error;
pub mod files;
pub mod grants;
pub mod imports;
pub mod jobs;
pub mod money;
pub mod notifications;
pub mod organizations;
pub mod region_setup;
pub mod regions;
pub mod roles;
pub mod search;
pub mod sms;
pub mod tokens;
pub mod units;
pub mod waiting;
pub mod xlsx;

pub use actor::Actor;
pub use error::{AppError, AppResult};

/// A page of a list: which page (from 1) and how many rows.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub const MAX_SIZE: i64 = 200;

    /// A page from user input, clamped to sane bounds.
    pub fn new(number: Option<i64>, size: Option<i64>, default_size: i64) -> Self {
        Self {
            number: number.unwrap_or(1).max(1),
            size: size.unwrap_or(default_size).clamp(1, Self::MAX_SIZE),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// How many pages `total` rows fill.
    pub fn count(&self, total: i64) -> i64 {
        ((total + self.size - 1) / self.size).max(1)
    }
}
