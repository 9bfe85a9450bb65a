//! The domain's refusal reasons. Each carries a stable snake_case code that the web
//! layer maps to a localized message; the code is also what API clients see.

/// Why a value or an action was refused by a domain rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid_phone")]
    InvalidPhone,
    #[error("invalid_password")]
    InvalidPassword,
    #[error("invalid_name")]
    InvalidName,
    #[error("invalid_invite_code")]
    InvalidInviteCode,
    #[error("invalid_sms_code")]
    InvalidSmsCode,
    #[error("unknown_role")]
    UnknownRole,
    #[error("unknown_org_kind")]
    UnknownOrgKind,
    #[error("unknown_member_role")]
    UnknownMemberRole,
    #[error("field_too_long")]
    FieldTooLong,
    #[error("invalid_amount")]
    InvalidAmount,
    #[error("invalid_date")]
    InvalidDate,
    #[error("unknown_account")]
    UnknownAccount,
    #[error("unbalanced")]
    Unbalanced,
    #[error("unknown_stage")]
    UnknownStage,
    #[error("stage_change")]
    StageChange,
    #[error("stage_needs_reason")]
    StageNeedsReason,
    #[error("control_character")]
    ControlCharacter,
    #[error("moves_nothing")]
    MovesNothing,
    #[error("invalid_month")]
    InvalidMonth,
    #[error("invalid_area")]
    InvalidArea,
    #[error("invalid_share")]
    InvalidShare,
    #[error("unknown_unit_kind")]
    UnknownUnitKind,
    #[error("invalid_unit_label")]
    InvalidUnitLabel,
}

impl DomainError {
    /// The stable code used in API errors and message catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidPassword => "invalid_password",
            Self::InvalidName => "invalid_name",
            Self::InvalidInviteCode => "invalid_invite_code",
            Self::InvalidSmsCode => "invalid_sms_code",
            Self::UnknownRole => "unknown_role",
            Self::UnknownOrgKind => "unknown_org_kind",
            Self::UnknownMemberRole => "unknown_member_role",
            Self::FieldTooLong => "field_too_long",
            Self::InvalidAmount => "invalid_amount",
            Self::InvalidDate => "invalid_date",
            Self::UnknownAccount => "unknown_account",
            Self::Unbalanced => "unbalanced",
            Self::UnknownStage => "unknown_stage",
            Self::StageChange => "stage_change",
            Self::StageNeedsReason => "stage_needs_reason",
            Self::ControlCharacter => "control_character",
            Self::MovesNothing => "moves_nothing",
            Self::InvalidMonth => "invalid_month",
            Self::InvalidArea => "invalid_area",
            Self::InvalidShare => "invalid_share",
            Self::UnknownUnitKind => "unknown_unit_kind",
            Self::InvalidUnitLabel => "invalid_unit_label",
        }
    }
}
