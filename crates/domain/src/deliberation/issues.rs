//! Issues (议题): their statuses and the moves between them, raised → on agenda → decided → in action → done, or declined.
//!
//! Also the limits that keep a thread readable: text lengths, and how much a new account
//! may write in a day (spam and pile-ons come mostly from accounts made for the occasion).

crate::str_enum! {
    /// Where an issue stands.
    pub enum IssueStatus {
        /// Collecting support.
        Raised = "raised",
        /// Enough support, or put there by an administrator: the body will hear it.
        OnAgenda = "on_agenda",
        /// The body decided on it.
        Decided = "decided",
        /// The decision is being carried out (action items).
        InAction = "in_action",
        Done = "done",
        /// Refused, always with a reason.
        Declined = "declined",
    }
}

crate::str_enum! {
    /// An action item carrying out a decision: open → doing (some progress) → done.
    pub enum ActionStatus {
        Open = "open",
        Doing = "doing",
        Done = "done",
    }
}

impl IssueStatus {
    pub fn parse(s: &str) -> Result<Self, IssueError> {
        Self::from_name(s).ok_or(IssueError::UnknownStatus)
    }

    /// Whether an issue may move from `self` to `to`: one step forward along
    /// raised → on agenda → decided → in action → done, or declined before a decision.
    pub fn can_move(self, to: IssueStatus) -> bool {
        use IssueStatus::*;
        matches!(
            (self, to),
            (Raised, OnAgenda)
                | (OnAgenda, Decided)
                | (Decided, InAction)
                | (InAction, Done)
                | (Raised | OnAgenda, Declined)
        )
    }

    /// Whether neighbours can still add their support.
    pub fn takes_support(self) -> bool {
        matches!(self, Self::Raised | Self::OnAgenda)
    }

    /// Checks a move, and that a refusal says why.
    pub fn move_to(self, to: IssueStatus, reason: &str) -> Result<(), IssueError> {
        if !self.can_move(to) {
            return Err(IssueError::Move);
        }
        if to == Self::Declined && reason.trim().is_empty() {
            return Err(IssueError::DeclineNeedsReason);
        }
        Ok(())
    }
}

/// Why issue input was refused; each code is a catalogue key `error.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    #[error("issue_title_required")]
    TitleRequired,
    #[error("issue_text_required")]
    TextRequired,
    #[error("post_text_required")]
    PostRequired,
    #[error("hide_reason_required")]
    HideNeedsReason,
    #[error("decline_reason_required")]
    DeclineNeedsReason,
    #[error("field_too_long")]
    TooLong,
    #[error("unknown_issue_status")]
    UnknownStatus,
    #[error("issue_move")]
    Move,
    #[error("invalid_households_consulted")]
    Households,
}

impl IssueError {
    pub fn code(self) -> &'static str {
        match self {
            Self::TitleRequired => "issue_title_required",
            Self::TextRequired => "issue_text_required",
            Self::PostRequired => "post_text_required",
            Self::HideNeedsReason => "hide_reason_required",
            Self::DeclineNeedsReason => "decline_reason_required",
            Self::TooLong => "field_too_long",
            Self::UnknownStatus => "unknown_issue_status",
            Self::Move => "issue_move",
            Self::Households => "invalid_households_consulted",
        }
    }
}

pub const TITLE_MAX: usize = 80;
pub const TEXT_MAX: usize = 5000;
pub const POST_MAX: usize = 3000;
pub const REASON_MAX: usize = 300;

fn bounded(raw: &str, max: usize, empty: IssueError) -> Result<String, IssueError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(empty);
    }
    if t.chars().count() > max {
        return Err(IssueError::TooLong);
    }
    Ok(t.to_string())
}

/// An issue's title: 1 to 80 characters after trimming.
pub fn title(raw: &str) -> Result<String, IssueError> {
    bounded(raw, TITLE_MAX, IssueError::TitleRequired)
}

/// An issue's text: 1 to 5,000 characters.
pub fn text(raw: &str) -> Result<String, IssueError> {
    bounded(raw, TEXT_MAX, IssueError::TextRequired)
}

/// A reply in the thread: 1 to 3,000 characters.
pub fn post_text(raw: &str) -> Result<String, IssueError> {
    bounded(raw, POST_MAX, IssueError::PostRequired)
}

/// Why a post is hidden: required, at most 300 characters.
pub fn hide_reason(raw: &str) -> Result<String, IssueError> {
    bounded(raw, REASON_MAX, IssueError::HideNeedsReason)
}

/// An optional reason (reports, status moves): at most 300 characters.
pub fn optional_reason(raw: &str) -> Result<String, IssueError> {
    let t = raw.trim();
    if t.chars().count() > REASON_MAX {
        return Err(IssueError::TooLong);
    }
    Ok(t.to_string())
}

/// How many households a building representative consulted: 0 to 10,000.
pub fn households_consulted(n: i64) -> Result<i64, IssueError> {
    if (0..=10_000).contains(&n) {
        Ok(n)
    } else {
        Err(IssueError::Households)
    }
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// An account younger than this is new.
pub const NEW_ACCOUNT_MS: i64 = 7 * DAY_MS;

/// What an author writes, for rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    Post,
    Issue,
}

/// At most `max` writings within the last `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window_ms: i64,
}

/// The limit for an account of age `age_ms`: a new account may post 5 times and raise 2
/// issues per 24 hours; older accounts post at most 60 times an hour and raise issues freely.
pub fn limit(age_ms: i64, what: Writing) -> Option<Limit> {
    let new = age_ms < NEW_ACCOUNT_MS;
    match (new, what) {
        (true, Writing::Post) => Some(Limit {
            max: 5,
            window_ms: DAY_MS,
        }),
        (true, Writing::Issue) => Some(Limit {
            max: 2,
            window_ms: DAY_MS,
        }),
        (false, Writing::Post) => Some(Limit {
            max: 60,
            window_ms: HOUR_MS,
        }),
        (false, Writing::Issue) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_move_one_step_forward_or_are_declined_before_a_decision() {
        use IssueStatus::*;
        assert!(Raised.can_move(OnAgenda));
        assert!(OnAgenda.can_move(Decided));
        assert!(Decided.can_move(InAction));
        assert!(InAction.can_move(Done));
        assert!(Raised.can_move(Declined) && OnAgenda.can_move(Declined));
        assert!(!Raised.can_move(Decided), "no skipping the agenda");
        assert!(!Done.can_move(Raised) && !Declined.can_move(Raised));
        assert!(!Decided.can_move(Declined), "a decision is carried out");
        for &s in IssueStatus::ALL {
            assert!(!s.can_move(s), "{s:?} does not move to itself");
            assert_eq!(IssueStatus::parse(s.as_str()), Ok(s));
        }
        assert_eq!(IssueStatus::parse("open"), Err(IssueError::UnknownStatus));
    }

    #[test]
    fn declining_needs_a_reason() {
        use IssueStatus::*;
        assert_eq!(
            Raised.move_to(Declined, "  "),
            Err(IssueError::DeclineNeedsReason)
        );
        assert!(Raised.move_to(Declined, "已由物业处理").is_ok());
        assert_eq!(Done.move_to(Declined, "x"), Err(IssueError::Move));
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(title("  电梯维修 "), Ok("电梯维修".to_string()));
        assert_eq!(title(" "), Err(IssueError::TitleRequired));
        assert_eq!(title(&"字".repeat(81)), Err(IssueError::TooLong));
        assert_eq!(text(""), Err(IssueError::TextRequired));
        assert_eq!(post_text(&"字".repeat(3001)), Err(IssueError::TooLong));
        assert_eq!(hide_reason(""), Err(IssueError::HideNeedsReason));
        assert_eq!(optional_reason(""), Ok(String::new()));
        assert!(households_consulted(-1).is_err());
    }

    #[test]
    fn new_accounts_write_less() {
        let day = DAY_MS;
        assert_eq!(limit(day, Writing::Post).unwrap().max, 5);
        assert_eq!(limit(day, Writing::Issue).unwrap().max, 2);
        assert_eq!(
            limit(8 * day, Writing::Post),
            Some(Limit {
                max: 60,
                window_ms: HOUR_MS
            })
        );
        assert_eq!(limit(8 * day, Writing::Issue), None);
    }
}
