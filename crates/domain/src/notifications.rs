//! What a notification is about. Each kind can be muted by each user; all are on by
//! default.

/// The kinds of notification, in the order the settings page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// An issue I raised or follow moved (on the agenda, declined, done).
    Issue,
    /// An action item was given to me.
    Action,
    /// A vote opened in which I may vote.
    VoteOpened,
    /// A vote I may vote in and have not voted in closes soon.
    VoteClosing,
    /// A place on an activity came free for me from the waiting list.
    Waitlist,
    /// A claim I filed was approved or refused.
    Claim,
    /// An activity I signed up for is tomorrow.
    Activity,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 7] = [
        Self::Issue,
        Self::Action,
        Self::VoteOpened,
        Self::VoteClosing,
        Self::Waitlist,
        Self::Claim,
        Self::Activity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Action => "action",
            Self::VoteOpened => "vote_opened",
            Self::VoteClosing => "vote_closing",
            Self::Waitlist => "waitlist",
            Self::Claim => "claim",
            Self::Activity => "activity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// When to remind those signed up for an activity starting at `starts_at`: a day before,
/// or `None` if that moment has passed at `now` (whoever signs up within the last day
/// knows when it is).
pub fn activity_reminder_at(now: i64, starts_at: i64) -> Option<i64> {
    let at = starts_at - crate::time::DAY_MS;
    (at > now).then_some(at)
}

/// When to remind the electorate of a vote that runs from `opens_at` to `closes_at`: a day
/// before it closes, or halfway through a vote shorter than two days; `None` for a vote
/// shorter than an hour (the opening notice is enough).
pub fn closing_reminder_at(opens_at: i64, closes_at: i64) -> Option<i64> {
    use crate::time::{DAY_MS, HOUR_MS};
    let window = closes_at - opens_at;
    if window < HOUR_MS {
        None
    } else if window >= 2 * DAY_MS {
        Some(closes_at - DAY_MS)
    } else {
        Some(opens_at + window / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{DAY_MS, HOUR_MS};

    #[test]
    fn kinds_round_trip() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NoticeKind::parse("spam"), None);
    }

    #[test]
    fn reminders_come_a_day_before_or_halfway() {
        assert_eq!(closing_reminder_at(0, 7 * DAY_MS), Some(6 * DAY_MS));
        assert_eq!(closing_reminder_at(0, 2 * DAY_MS), Some(DAY_MS));
        assert_eq!(closing_reminder_at(0, 10 * HOUR_MS), Some(5 * HOUR_MS));
        assert_eq!(closing_reminder_at(0, 30 * 60_000), None);
    }
}
