//! Time is stored as UTC epoch milliseconds and shown in Asia/Shanghai.
//!
//! China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
//! for every date the platform stores and spares us a time-zone database.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMs = i64;

/// The current time as epoch milliseconds.
pub fn now_ms() -> EpochMs {
    Utc::now().timestamp_millis()
}

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A stored instant in Asia/Shanghai local time.
pub fn to_shanghai(ms: EpochMs) -> DateTime<FixedOffset> {
    shanghai()
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(|| {
            shanghai()
                .timestamp_millis_opt(0)
                .single()
                .expect("epoch is valid")
        })
}

/// `2026-11-25 09:30` in Asia/Shanghai, the form every page uses.
pub fn format_shanghai(ms: EpochMs) -> String {
    to_shanghai(ms).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_midnight_is_eight_in_the_morning_in_shanghai() {
        let ms = Utc
            .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(format_shanghai(ms), "2026-11-25 08:00");
    }
}
