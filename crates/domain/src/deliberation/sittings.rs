//! Sittings (meetings of a body): quorum, motions under simple rules of procedure, the speaking queue.
//!
//! A body (四方联席会议, 议事会, 业主大会, 专委会) seats members by party for a term; a
//! sitting has a quorum when enough seated members are present — and a joint meeting
//! also needs each of its four parties in the room, or it is not a four-party meeting.
//! The minutes are printed with the PDF writer in [`crate::pdf`].

use serde::{Deserialize, Serialize};

crate::str_enum! {
    /// A sitting (会议): scheduled → open (attendance, motions) → closed.
    pub enum SittingStatus {
        Scheduled = "scheduled",
        Open = "open",
        Closed = "closed",
    }
}

crate::str_enum! {
    /// A sitting's minutes: none yet → draft → approved (by the chair) → published.
    pub enum MinutesStatus {
        None = "none",
        Draft = "draft",
        Approved = "approved",
        Published = "published",
    }
}

/// Why a sitting rule refused something; the code is a catalogue key under `error.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

/// The kinds of body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// 四方联席会议: residents' committee, owners' committee, property, social organization.
    JointMeeting,
    /// 议事会.
    Council,
    /// 业主大会.
    OwnersAssembly,
    /// 专委会: proposes, supervises, assists.
    Committee,
}

impl BodyKind {
    pub const ALL: [BodyKind; 4] = [
        Self::JointMeeting,
        Self::Council,
        Self::OwnersAssembly,
        Self::Committee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JointMeeting => "joint_meeting",
            Self::Council => "council",
            Self::OwnersAssembly => "owners_assembly",
            Self::Committee => "committee",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Refused> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Refused("unknown_body_kind"))
    }
}

/// The side a member sits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// 居委会.
    ResidentsCommittee,
    /// 业委会.
    OwnersCommittee,
    /// 物业.
    Property,
    /// 社会组织.
    SocialOrg,
    Resident,
    Expert,
}

impl Party {
    pub const ALL: [Party; 6] = [
        Self::ResidentsCommittee,
        Self::OwnersCommittee,
        Self::Property,
        Self::SocialOrg,
        Self::Resident,
        Self::Expert,
    ];

    /// The four parties of a joint meeting (四方).
    pub const FOUR: [Party; 4] = [
        Self::ResidentsCommittee,
        Self::OwnersCommittee,
        Self::Property,
        Self::SocialOrg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ResidentsCommittee => "residents_committee",
            Self::OwnersCommittee => "owners_committee",
            Self::Property => "property",
            Self::SocialOrg => "social_org",
            Self::Resident => "resident",
            Self::Expert => "expert",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Refused> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(Refused("unknown_party"))
    }
}

/// A quorum in basis points of the seated members, from a percent such as "50" or "66.67".
pub fn quorum_bp(percent: &str) -> Result<i64, Refused> {
    let t = percent.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty()
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 3
    {
        return Err(Refused("invalid_quorum"));
    }
    let frac = format!("{frac:0<2}");
    let bp = int.parse::<i64>().unwrap_or(0) * 100 + frac.parse::<i64>().unwrap_or(0);
    if !(1..=10_000).contains(&bp) {
        return Err(Refused("invalid_quorum"));
    }
    Ok(bp)
}

/// Whether a sitting can decide, with the figures shown on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quorum {
    /// Members whose term covers the sitting.
    pub seated: u64,
    /// Seated members marked present.
    pub present: u64,
    /// Present members needed: ⌈seated × quorum⌉, at least one.
    pub needed: u64,
    /// For a joint meeting, the four parties not in the room (empty otherwise).
    pub parties_missing: Vec<Party>,
    pub met: bool,
}

/// The quorum rule: at least ⌈seated × `quorum_bp` ÷ 10 000⌉ (and at least one) of the
/// seated members present; a joint meeting also needs each of the four parties present.
/// `present` lists the party of each seated member present.
pub fn quorum(kind: BodyKind, quorum_bp: i64, seated: u64, present: &[Party]) -> Quorum {
    let bp = quorum_bp.clamp(1, 10_000) as u128;
    let needed = ((seated as u128 * bp).div_ceil(10_000) as u64).max(1);
    let parties_missing: Vec<Party> = if kind == BodyKind::JointMeeting {
        Party::FOUR
            .into_iter()
            .filter(|p| !present.contains(p))
            .collect()
    } else {
        vec![]
    };
    let n = present.len() as u64;
    Quorum {
        seated,
        present: n,
        needed,
        met: seated > 0 && n >= needed && parties_missing.is_empty(),
        parties_missing,
    }
}

crate::str_enum! {
    /// A motion's state: moved → seconded → voting → carried | failed; or withdrawn.
    pub enum MotionStatus {
        Moved = "moved",
        Seconded = "seconded",
        Voting = "voting",
        Carried = "carried",
        Failed = "failed",
        Withdrawn = "withdrawn",
    }
}

impl MotionStatus {
    pub fn parse(s: &str) -> Result<Self, Refused> {
        Self::from_name(s).ok_or(Refused("unknown_motion_status"))
    }

    pub fn is_pending(self) -> bool {
        matches!(self, Self::Moved | Self::Seconded)
    }

    /// Whether `by` may second a motion moved by `mover` in this state.
    pub fn second(self, mover: i64, by: i64) -> Result<Self, Refused> {
        if mover == by {
            return Err(Refused("cannot_second_own_motion"));
        }
        match self {
            Self::Moved => Ok(Self::Seconded),
            Self::Seconded => Err(Refused("motion_already_seconded")),
            _ => Err(Refused("motion_closed")),
        }
    }

    /// Whether the chair may put the motion to a vote.
    pub fn put_to_vote(self, requires_second: bool) -> Result<Self, Refused> {
        match self {
            Self::Moved if requires_second => Err(Refused("motion_needs_second")),
            Self::Moved | Self::Seconded => Ok(Self::Voting),
            _ => Err(Refused("motion_closed")),
        }
    }

    /// Whether the mover may withdraw it (only before the vote).
    pub fn withdraw(self) -> Result<Self, Refused> {
        if self.is_pending() {
            Ok(Self::Withdrawn)
        } else {
            Err(Refused("motion_closed"))
        }
    }
}

/// How long a speaker has gone over the limit, in seconds (0 while within it).
pub fn overrun(started_at_ms: i64, limit_seconds: i64, now_ms: i64) -> i64 {
    ((now_ms - started_at_ms) / 1000 - limit_seconds).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Party::*;

    #[test]
    fn half_of_ten_seated_is_five_and_four_is_not_enough() {
        let five = [Resident; 5];
        assert!(quorum(BodyKind::Council, 5000, 10, &five).met);
        assert!(!quorum(BodyKind::Council, 5000, 10, &five[..4]).met);
        assert_eq!(quorum(BodyKind::Council, 5000, 10, &five).needed, 5);
    }

    #[test]
    fn a_fraction_of_a_member_rounds_up() {
        // Half of seven seated is 3.5: four are needed, three are not enough.
        let q = quorum(BodyKind::Council, 5000, 7, &[Resident; 3]);
        assert_eq!((q.needed, q.met), (4, false));
        assert!(quorum(BodyKind::Council, 5000, 7, &[Resident; 4]).met);
        // Two thirds of nine is exactly six.
        assert_eq!(quorum(BodyKind::Council, 6667, 9, &[]).needed, 7);
        assert_eq!(quorum(BodyKind::Council, 6666, 9, &[]).needed, 6);
    }

    #[test]
    fn a_joint_meeting_needs_each_of_the_four_parties() {
        let three = [ResidentsCommittee, OwnersCommittee, Property, Property];
        let q = quorum(BodyKind::JointMeeting, 5000, 4, &three);
        assert!(!q.met, "enough people but no social organization");
        assert_eq!(q.parties_missing, vec![SocialOrg]);
        let four = [ResidentsCommittee, OwnersCommittee, Property, SocialOrg];
        assert!(quorum(BodyKind::JointMeeting, 5000, 8, &four).met);
        assert!(
            quorum(BodyKind::Council, 5000, 4, &three)
                .parties_missing
                .is_empty(),
            "other bodies have no party rule"
        );
    }

    #[test]
    fn nobody_seated_means_no_quorum() {
        let q = quorum(BodyKind::Council, 5000, 0, &[]);
        assert_eq!((q.needed, q.met), (1, false));
        assert!(quorum(BodyKind::Council, 10_000, 3, &[Expert; 3]).met);
        assert!(!quorum(BodyKind::Council, 10_000, 3, &[Expert; 2]).met);
    }

    #[test]
    fn quorum_percent_parses_to_basis_points() {
        assert_eq!(quorum_bp("50"), Ok(5000));
        assert_eq!(quorum_bp("66.67"), Ok(6667));
        assert_eq!(quorum_bp("100"), Ok(10_000));
        assert_eq!(quorum_bp("0.5"), Ok(50));
        for bad in ["0", "100.01", "", "abc", "-5", "50.123", "1000"] {
            assert!(quorum_bp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn motions_follow_simple_rules() {
        use MotionStatus::*;
        assert_eq!(Moved.second(1, 1), Err(Refused("cannot_second_own_motion")));
        assert_eq!(Moved.second(1, 2), Ok(Seconded));
        assert!(Seconded.second(1, 3).is_err());
        assert_eq!(Moved.put_to_vote(true), Err(Refused("motion_needs_second")));
        assert_eq!(Moved.put_to_vote(false), Ok(Voting));
        assert_eq!(Seconded.put_to_vote(true), Ok(Voting));
        assert!(Withdrawn.put_to_vote(false).is_err());
        assert_eq!(Seconded.withdraw(), Ok(Withdrawn));
        assert!(Voting.withdraw().is_err());
    }

    #[test]
    fn a_speaker_overruns_only_past_the_limit() {
        assert_eq!(overrun(0, 180, 180_000), 0);
        assert_eq!(overrun(0, 180, 181_000), 1);
        assert_eq!(overrun(10_000, 60, 20_000), 0);
    }
}
