//! The parsers at the edge, fed arbitrary input (proptest, 256 cases a property on every
//! test run): whatever arrives from a form, a JSON body or an imported row, they answer
//! without panicking, and whatever they accept is in its canonical, bounded form.

use crate::accounts::Phone;
use crate::deliberation::ballots::{Choice, Method};
use crate::money::{Day, Fen, month_bounds};
use crate::text::{bounded_text, has_control};
use crate::time::{parse_shanghai_local, shanghai_local_ms, to_shanghai};
use proptest::prelude::*;

/// Anything at all, and text shaped like what each field expects (so the accepting
/// branches are reached too, not only the refusals).
fn any_or(shape: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), shape.prop_map(|s| s)]
}

proptest! {
    #[test]
    fn amounts_in_yuan_are_positive_whole_fen_within_bounds(raw in any_or("[¥￥ ]?[0-9,，]{0,14}(\\.[0-9]{0,3})?")) {
        if let Ok(f) = Fen::parse_yuan(&raw) {
            prop_assert!(f.0 > 0 && f.0 <= 10_000_000_000);
            let again = Fen::parse_yuan(&format!("{}.{:02}", f.0 / 100, f.0 % 100));
            prop_assert_eq!(again.map(|g| g.0), Ok(f.0), "the canonical form reads back");
        }
    }

    #[test]
    fn phone_numbers_are_eleven_mainland_digits(raw in any_or("(\\+86)?[ -]?1[0-9 -]{9,12}")) {
        if let Ok(p) = Phone::parse(&raw) {
            let s = p.as_str();
            prop_assert!(s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()) && s.starts_with('1'));
            let again = Phone::parse(s).unwrap();
            prop_assert_eq!(again.as_str(), s);
        }
    }

    #[test]
    fn dates_and_months_are_real_calendar_days(raw in any_or("20[0-9]{2}-[01]?[0-9](-[0-3]?[0-9])?")) {
        if let Ok(d) = Day::parse(&raw) {
            prop_assert_eq!(Day::parse(d.as_str()).unwrap(), d.clone());
            prop_assert_eq!(d.as_str().len(), 10);
        }
        if let Ok((from, to)) = month_bounds(&raw) {
            prop_assert!(from < to && from.ends_with("-01") && to.ends_with("-01"));
        }
    }

    #[test]
    fn local_times_read_as_shanghai_round_trip(raw in any_or("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]")) {
        if let Some(t) = parse_shanghai_local(&raw) {
            let ms = shanghai_local_ms(t);
            prop_assert_eq!(to_shanghai(ms).naive_local(), t);
        }
    }

    #[test]
    fn ballots_parse_or_refuse_for_every_method(
        raw in any_or("(yes|no|abstain|[0-9]{1,2}(,[0-9]{1,2}){0,5})"),
        options in 0usize..8,
        m in 0usize..6,
    ) {
        let method = [Method::Majority, Method::TwoThirds, Method::Consensus, Method::Approval, Method::Ranked, Method::Owners][m];
        // Whatever it says, it answers; an accepted ranking names each option once.
        let _ = Choice::parse(method, options, &raw);
    }

    #[test]
    fn bounded_text_is_trimmed_bounded_and_printable(raw in any::<String>(), max in 1usize..50) {
        if let Ok(t) = bounded_text(&raw, max, crate::DomainError::InvalidName) {
            prop_assert!(!t.is_empty() && t.chars().count() <= max && !has_control(&t));
            prop_assert_eq!(t.trim(), t.as_str());
        }
    }
}
