//! Organizations on a region node: clubs, the mutual-aid association, social
//! organizations, the committees, the property manager and foundations. Later areas
//! hang ledgers, activities, seats and grants on them.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Identifies an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub i64);

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 自组织: a residents' club.
    Club,
    /// 社区互助会.
    MutualAid,
    /// 社会组织.
    SocialOrganization,
    /// 居委会.
    ResidentsCommittee,
    /// 业委会.
    OwnersCommittee,
    /// 物业.
    PropertyManager,
    /// 社区基金会 / 专项资金.
    Foundation,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        Self::Club,
        Self::MutualAid,
        Self::SocialOrganization,
        Self::ResidentsCommittee,
        Self::OwnersCommittee,
        Self::PropertyManager,
        Self::Foundation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Club => "club",
            Self::MutualAid => "mutual_aid",
            Self::SocialOrganization => "social_organization",
            Self::ResidentsCommittee => "residents_committee",
            Self::OwnersCommittee => "owners_committee",
            Self::PropertyManager => "property_manager",
            Self::Foundation => "foundation",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(DomainError::UnknownOrgKind)
    }

    /// Any resident may found a club (谁主张谁负责); the other kinds are recorded by
    /// those who administer the node.
    pub fn residents_may_found(self) -> bool {
        matches!(self, Self::Club)
    }
}

/// A member's role inside an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Leader,
    DeputyLeader,
    Treasurer,
    Secretary,
    /// 委员: sits on a fund's committee and votes on its grants.
    Committee,
    Member,
}

impl MemberRole {
    pub const ALL: [MemberRole; 6] = [
        Self::Leader,
        Self::DeputyLeader,
        Self::Treasurer,
        Self::Secretary,
        Self::Committee,
        Self::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::DeputyLeader => "deputy_leader",
            Self::Treasurer => "treasurer",
            Self::Secretary => "secretary",
            Self::Committee => "committee",
            Self::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(DomainError::UnknownMemberRole)
    }

    /// Who decides a fund's grants: its leader, deputies and committee members.
    pub fn on_committee(self) -> bool {
        matches!(self, Self::Leader | Self::DeputyLeader | Self::Committee)
    }

    /// Leaders and deputies manage the membership.
    pub fn manages(self) -> bool {
        matches!(self, Self::Leader | Self::DeputyLeader)
    }
}
