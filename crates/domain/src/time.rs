//! Time is stored as UTC epoch milliseconds and shown in Asia/Shanghai.
//!
//! China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
//! for every date the platform stores and spares us a time-zone database.

use chrono::{DateTime, FixedOffset, TimeZone};

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMs = i64;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;
/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;
/// Asia/Shanghai is UTC+8 all year.
const OFFSET_MS: i64 = 8 * HOUR_MS;

/// A wall-clock time in Asia/Shanghai as a stored instant.
pub fn shanghai_local_ms(t: chrono::NaiveDateTime) -> EpochMs {
    t.and_utc().timestamp_millis() - OFFSET_MS
}

/// The instant a local Asia/Shanghai day begins (00:00 there, 16:00 UTC the day before).
pub fn shanghai_day_start_ms(d: chrono::NaiveDate) -> EpochMs {
    shanghai_local_ms(d.and_time(chrono::NaiveTime::MIN))
}

/// A local time typed into a form (`2026-12-05T19:30`, as `<input type="datetime-local">`
/// sends it), read as Asia/Shanghai.
pub fn parse_shanghai_local(raw: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()
}

/// The local Asia/Shanghai date of an instant.
pub fn shanghai_date(ms: EpochMs) -> chrono::NaiveDate {
    to_shanghai(ms).date_naive()
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
    use chrono::Utc;

    #[test]
    fn utc_midnight_is_eight_in_the_morning_in_shanghai() {
        let ms = Utc
            .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(format_shanghai(ms), "2026-11-25 08:00");
    }

    #[test]
    fn a_shanghai_day_starts_at_sixteen_utc_the_day_before() {
        let d = chrono::NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        let ms = shanghai_day_start_ms(d);
        assert_eq!(
            Utc.timestamp_millis_opt(ms).unwrap().to_rfc3339(),
            "2028-02-29T16:00:00+00:00"
        );
        assert_eq!(shanghai_date(ms - 1).to_string(), "2028-02-29");
        assert_eq!(shanghai_date(ms).to_string(), "2028-03-01");
    }
}
