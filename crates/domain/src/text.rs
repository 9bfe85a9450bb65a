//! Free text as people type it: trimmed, bounded, and free of control characters.
//!
//! Control characters (NUL, escape, the C0 and C1 ranges; tab, line feed and carriage
//! return excepted) are never typed by a person. PostgreSQL cannot store NUL in text while
//! SQLite can, so refusing them at the edge keeps both databases answering the same, and
//! keeps them out of the ledger's hash chain and out of printed notices.

use crate::DomainError;

/// Whether `s` holds a control character other than tab, line feed or carriage return.
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Trims a free-text field and checks it is non-empty, at most `max` characters and free
/// of control characters.
pub fn bounded_text(raw: &str, max: usize, empty: DomainError) -> Result<String, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(empty);
    }
    if t.chars().count() > max {
        return Err(DomainError::FieldTooLong);
    }
    if has_control(t) {
        return Err(DomainError::ControlCharacter);
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escape_and_c1_are_control_but_line_breaks_are_text() {
        for bad in ["a\0b", "\u{1b}[31m", "x\u{85}", "\u{7f}"] {
            assert!(has_control(bad), "{bad:?}");
        }
        for good in ["第一行\n第二行", "a\tb", "windows\r\n", "邻里 ¥12.50"] {
            assert!(!has_control(good), "{good:?}");
        }
    }

    #[test]
    fn bounded_text_refuses_control_characters() {
        assert_eq!(
            bounded_text("买菜\0", 10, DomainError::InvalidName),
            Err(DomainError::ControlCharacter)
        );
        assert_eq!(
            bounded_text("  买菜 ", 10, DomainError::InvalidName).unwrap(),
            "买菜"
        );
    }
}
