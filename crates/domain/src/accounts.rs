//! People and their standing: phone numbers, names, passwords, invitation codes and
//! the roles a person holds on a region node.

use crate::DomainError;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Identifies an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// Identifies a household (户) in a building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HouseholdId(pub i64);

/// A mainland China mobile number: 11 digits starting with 1 and a digit 3–9.
/// Spaces, dashes and a leading +86 are accepted and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let mut s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if let Some(rest) = s.strip_prefix("+86") {
            s = rest.to_string();
        }
        let b = s.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidPhone)
        }
    }

    /// Wraps a number read back from the store.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: what roles without a need to know see.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// A person's name as shown to those who may not see it: the family name and a star
/// for each other character (`张**`).
pub fn mask_name(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => std::iter::once(first).chain(c.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Masks the middle four digits of a stored phone number.
pub fn mask_phone(s: &str) -> String {
    if s.len() == 11 && s.is_ascii() {
        format!("{}****{}", &s[..3], &s[7..])
    } else {
        "****".to_string()
    }
}

/// A password as typed: 8 to 128 characters, not only digits.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let n = raw.chars().count();
        if !(8..=128).contains(&n) || raw.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::InvalidPassword);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

pub use crate::text::bounded_text;

/// A display name: 1 to 40 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        bounded_text(raw, 40, DomainError::InvalidName).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Letters used in invitation codes: no 0/O, 1/I/L, so codes survive being read aloud
/// or copied from paper.
const INVITE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// An invitation code that brings a resident into a household, `K7QF-3MWA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InviteCode(String);

impl InviteCode {
    /// Accepts any case, with or without the dash or spaces.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s: String = raw
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() == 8 && s.bytes().all(|b| INVITE_ALPHABET.contains(&b)) {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidInviteCode)
        }
    }

    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self(
            (0..8)
                .map(|_| INVITE_ALPHABET[rng.random_range(0..INVITE_ALPHABET.len())] as char)
                .collect(),
        )
    }

    /// The stored form, without the dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form, `K7QF-3MWA`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A six-digit SMS verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::InvalidSmsCode)
        }
    }

    pub fn generate() -> Self {
        Self(format!("{:06}", rand::rng().random_range(0..1_000_000)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role held on a region node. It holds for the node and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    HouseholdHead,
    Owner,
    BuildingRep,
    ClubLeader,
    SocialWorker,
    ResidentsCommittee,
    OwnersCommittee,
    PropertyManager,
    SocialOrganization,
    FundCommittee,
    StreetOfficer,
    DistrictOfficer,
    Expert,
    Designer,
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 16] = [
        Self::Resident,
        Self::HouseholdHead,
        Self::Owner,
        Self::BuildingRep,
        Self::ClubLeader,
        Self::SocialWorker,
        Self::ResidentsCommittee,
        Self::OwnersCommittee,
        Self::PropertyManager,
        Self::SocialOrganization,
        Self::FundCommittee,
        Self::StreetOfficer,
        Self::DistrictOfficer,
        Self::Expert,
        Self::Designer,
        Self::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::HouseholdHead => "household_head",
            Self::Owner => "owner",
            Self::BuildingRep => "building_rep",
            Self::ClubLeader => "club_leader",
            Self::SocialWorker => "social_worker",
            Self::ResidentsCommittee => "residents_committee",
            Self::OwnersCommittee => "owners_committee",
            Self::PropertyManager => "property_manager",
            Self::SocialOrganization => "social_organization",
            Self::FundCommittee => "fund_committee",
            Self::StreetOfficer => "street_officer",
            Self::DistrictOfficer => "district_officer",
            Self::Expert => "expert",
            Self::Designer => "designer",
            Self::PlatformAdmin => "platform_admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(DomainError::UnknownRole)
    }

    /// Roles a resident holds by living somewhere. Their holder reads the whole
    /// community around the node (its compound and community pages, its clubs), not
    /// only the node itself.
    pub fn is_neighbourhood_role(self) -> bool {
        matches!(
            self,
            Self::Resident
                | Self::HouseholdHead
                | Self::Owner
                | Self::BuildingRep
                | Self::ClubLeader
        )
    }

    /// Roles that administer a node: they grant and revoke roles below it, read its
    /// audit log and see residents' personal data.
    pub fn administers(self) -> bool {
        matches!(
            self,
            Self::ResidentsCommittee
                | Self::StreetOfficer
                | Self::DistrictOfficer
                | Self::PlatformAdmin
        )
    }

    /// Roles that need residents' contact details for their work (visits, notices);
    /// everyone else sees phone numbers masked.
    pub fn sees_personal_data(self) -> bool {
        self.administers() || matches!(self, Self::SocialWorker)
    }

    /// Roles that may issue invitation codes for households of a building.
    pub fn invites(self) -> bool {
        self.sees_personal_data() || matches!(self, Self::BuildingRep)
    }

    /// Whether a holder of `self` may grant `other`. Only a platform admin creates
    /// another platform admin; officers grant every other role below their node.
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Self::PlatformAdmin => true,
            r if r.administers() => other != Self::PlatformAdmin,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalized_and_checked() {
        assert_eq!(
            Phone::parse("+86 138-0013-8000").unwrap().as_str(),
            "13800138000"
        );
        assert!(Phone::parse("12800138000").is_err());
        assert!(Phone::parse("1380013800").is_err());
        assert!(Phone::parse("1380013800x").is_err());
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
    }

    #[test]
    fn invite_codes_accept_what_people_type() {
        let c = InviteCode::parse("k7qf-3mwa").unwrap();
        assert_eq!(c.display(), "K7QF-3MWA");
        assert!(
            InviteCode::parse("K7QF-3MW0").is_err(),
            "0 is not in the alphabet"
        );
        assert!(InviteCode::parse("K7QF").is_err());
        let g = InviteCode::generate();
        assert_eq!(InviteCode::parse(&g.display()).unwrap(), g);
    }

    #[test]
    fn passwords_need_length_and_not_only_digits() {
        assert!(Password::parse("12345678").is_err());
        assert!(Password::parse("short1").is_err());
        assert!(Password::parse("linli2026").is_ok());
    }

    #[test]
    fn officers_cannot_make_platform_admins() {
        assert!(!Role::StreetOfficer.may_grant(Role::PlatformAdmin));
        assert!(Role::StreetOfficer.may_grant(Role::SocialWorker));
        assert!(Role::PlatformAdmin.may_grant(Role::PlatformAdmin));
        assert!(!Role::SocialWorker.may_grant(Role::Resident));
    }

    #[test]
    fn names_are_bounded() {
        assert!(PersonName::parse("   ").is_err());
        assert_eq!(PersonName::parse(" 王小明 ").unwrap().as_str(), "王小明");
        assert_eq!(
            PersonName::parse(&"名".repeat(41)),
            Err(DomainError::FieldTooLong)
        );
    }
}
