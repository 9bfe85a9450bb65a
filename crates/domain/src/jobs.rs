//! Background jobs: their states and the retry schedule.

use crate::time::{HOUR_MS, MINUTE_MS};

crate::str_enum! {
    /// Where a job stands.
    pub enum JobStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        /// Gave up after its last attempt; kept for an administrator to read and retry.
        Dead = "dead",
    }
}

/// How long a claimed job is its worker's: after this, another worker may take it (the
/// first one died). Handlers must finish well within it.
pub const LEASE_MS: i64 = 5 * MINUTE_MS;

/// Attempts before a job is given up, unless its kind says otherwise.
pub const DEFAULT_ATTEMPTS: i64 = 8;

/// The wait before attempt `attempt + 1` after `attempt` failed (1-based): 30 s, then
/// doubling, at most an hour.
pub fn backoff_ms(attempt: i64) -> i64 {
    let doublings = (attempt.max(1) - 1).min(20) as u32;
    (30_000i64 << doublings).min(HOUR_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(5), 480_000);
        assert_eq!(backoff_ms(8), 3_840_000.min(HOUR_MS));
        assert_eq!(backoff_ms(1_000), HOUR_MS);
        assert_eq!(backoff_ms(0), 30_000);
    }

    #[test]
    fn statuses_round_trip() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::from_name(s.as_str()), Some(*s));
        }
        assert_eq!(JobStatus::from_name("gone"), None);
    }
}
