//! The region tree: network → district → street → community → compound → building.
//!
//! Each node keeps a materialized path of its ancestors' ids (`/1/4/17/`), so "this node
//! and everything below it" is one indexed range query on both databases.

use serde::{Deserialize, Serialize};

/// Identifies a node of the region tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionId(pub i64);

/// The level of a region node, from the widest to the narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// A network of organizations above districts (全民社造平台).
    Network,
    /// 区 / 县.
    District,
    /// 街道 / 镇.
    Street,
    /// 社区 / 村.
    Community,
    /// 小区.
    Compound,
    /// 楼栋.
    Building,
}

impl RegionKind {
    pub const ALL: [RegionKind; 6] = [
        Self::Network,
        Self::District,
        Self::Street,
        Self::Community,
        Self::Compound,
        Self::Building,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::District => "district",
            Self::Street => "street",
            Self::Community => "community",
            Self::Compound => "compound",
            Self::Building => "building",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a node of this kind may hold a node of `child`'s kind: the next level down,
    /// or — the one shortcut real communities take — a building straight under a
    /// community (a lone building, 散居楼, in no compound). A building never sits under a
    /// street, a community never under a district.
    pub fn may_hold(self, child: Self) -> bool {
        self.child() == Some(child) || (self == Self::Community && child == Self::Building)
    }

    /// The kinds a node of this kind may hold, widest first.
    pub fn child_kinds(self) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|k| self.may_hold(*k))
            .collect()
    }

    /// The kind a child of this node has; buildings hold households, not nodes.
    pub fn child(self) -> Option<Self> {
        match self {
            Self::Network => Some(Self::District),
            Self::District => Some(Self::Street),
            Self::Street => Some(Self::Community),
            Self::Community => Some(Self::Compound),
            Self::Compound => Some(Self::Building),
            Self::Building => None,
        }
    }
}

/// The materialized path of a node: its ancestors' ids and its own, `/1/4/17/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionPath(String);

impl RegionPath {
    /// The path of a root node.
    pub fn root(id: RegionId) -> Self {
        Self(format!("/{}/", id.0))
    }

    /// The path of a child `id` of the node at `self`.
    pub fn child(&self, id: RegionId) -> Self {
        Self(format!("{}{}/", self.0, id.0))
    }

    /// Wraps a stored path; the store only writes paths built by `root`/`child`.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Ancestor ids from the root down to this node itself.
    pub fn ids(&self) -> Vec<RegionId> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .map(RegionId)
            .collect()
    }

    /// Whether `other` is this node or lies below it.
    pub fn contains(&self, other: &RegionPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Half-open bounds `[lo, hi)` on the path column that select exactly this node and
    /// its descendants: every such path starts with `lo`, and `hi` is `lo` with its final
    /// `/` replaced by the next byte, `0`. Works with a plain B-tree index in byte order
    /// (PostgreSQL needs the column in the "C" collation).
    pub fn subtree_bounds(&self) -> (String, String) {
        let mut hi = self.0.clone();
        hi.pop();
        hi.push('0');
        (self.0.clone(), hi)
    }
}

/// A decimal number as people write it (`89`, `89.5`, `89.50`: up to `whole_digits`
/// digits, at most two decimals, nothing else) in hundredths.
fn hundredths(t: &str, whole_digits: usize) -> Option<i64> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || t.ends_with('.')
        || whole.len() > whole_digits
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    Some(whole * 100 + frac)
}

/// An owner's share of their unit (产权份额), in basis points of the whole (10000 = all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareBp(pub i64);

impl ShareBp {
    pub const WHOLE: Self = Self(10_000);

    /// `50%`, `33.33%`, `100%`.
    pub fn display(self) -> String {
        match self.0 % 100 {
            0 => format!("{}%", self.0 / 100),
            f => format!("{}.{:02}%", self.0 / 100, f),
        }
    }

    /// A share as people write it: `50`, `50%`, `33.33` — a percentage above 0 and at
    /// most 100 with two decimals at most (a fraction such as `1/2` is refused); empty
    /// means the whole unit.
    pub fn parse(raw: &str) -> Result<Self, crate::error::DomainError> {
        use crate::error::DomainError::InvalidShare;
        let t = raw.trim();
        let t = t
            .strip_suffix('%')
            .or_else(|| t.strip_suffix('％'))
            .unwrap_or(t)
            .trim();
        if t.is_empty() {
            return Ok(Self::WHOLE);
        }
        let bp = hundredths(t, 3).ok_or(InvalidShare)?;
        if bp <= 0 || bp > 10_000 {
            return Err(InvalidShare);
        }
        Ok(Self(bp))
    }
}

/// A floor area in hundredths of a square metre, as registered (不动产登记).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AreaCm2(pub i64);

impl AreaCm2 {
    /// The largest floor area taken: 100,000 m² (a whole mall is one unit at most).
    pub const MAX: i64 = 100_000 * 100;

    /// `89.50` m².
    pub fn display(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// A floor area as people write it: `89`, `89.5`, `89.50`, with `m²`, `㎡`, `平` or
    /// `平米` after it; more than two decimals, zero, a negative or a word (`一百平`) is
    /// refused.
    pub fn parse(raw: &str) -> Result<Self, crate::error::DomainError> {
        use crate::error::DomainError::InvalidArea;
        let mut t = raw.trim();
        for unit in ["平方米", "平米", "平", "m²", "m2", "㎡"] {
            if let Some(rest) = t.strip_suffix(unit) {
                t = rest.trim_end();
                break;
            }
        }
        let cm2 = hundredths(t, 6).ok_or(InvalidArea)?;
        if cm2 <= 0 || cm2 > Self::MAX {
            return Err(InvalidArea);
        }
        Ok(Self(cm2))
    }
}

/// What a unit is used as (业主大会 counts every kind's area; lists tell them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 住宅.
    Residence,
    /// 商铺.
    Shop,
    /// 车库 / 车位.
    Garage,
}

impl UnitKind {
    pub const ALL: [UnitKind; 3] = [Self::Residence, Self::Shop, Self::Garage];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Residence => "residence",
            Self::Shop => "shop",
            Self::Garage => "garage",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::error::DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or(crate::error::DomainError::UnknownUnitKind)
    }
}

/// A unit's label as the building writes it (`1单元201`, `A-1203`, `商铺3`): 1–30
/// characters, no control characters, inner spaces kept.
pub fn unit_label(raw: &str) -> Result<String, crate::error::DomainError> {
    crate::text::bounded_text(raw, 30, crate::error::DomainError::InvalidUnitLabel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_a_percentage_of_the_unit() {
        assert_eq!(ShareBp::parse(""), Ok(ShareBp::WHOLE));
        assert_eq!(ShareBp::parse("50"), Ok(ShareBp(5_000)));
        assert_eq!(ShareBp::parse("33.33%"), Ok(ShareBp(3_333)));
        assert_eq!(ShareBp::parse(" 12.5 ％"), Ok(ShareBp(1_250)));
        assert_eq!(ShareBp(5_000).display(), "50%");
        assert_eq!(ShareBp(3_333).display(), "33.33%");
        for bad in ["0", "100.01", "一半", "1/2", "-5", "50.", "12.345", "1000"] {
            assert_eq!(
                ShareBp::parse(bad),
                Err(crate::error::DomainError::InvalidShare),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_hold_the_next_level_or_a_lone_building_under_a_community() {
        use RegionKind::*;
        assert!(District.may_hold(Street) && Street.may_hold(Community));
        assert!(Community.may_hold(Compound) && Compound.may_hold(Building));
        assert!(
            Community.may_hold(Building),
            "a lone building in no compound"
        );
        assert!(!Street.may_hold(Building) && !District.may_hold(Community));
        assert!(!Building.may_hold(Building) && !Compound.may_hold(Compound));
        assert_eq!(Community.child_kinds(), vec![Compound, Building]);
        assert!(Building.child_kinds().is_empty());
    }
    use proptest::prelude::*;

    #[test]
    fn a_child_path_extends_its_parent() {
        let p = RegionPath::root(RegionId(1)).child(RegionId(4));
        assert_eq!(p.as_str(), "/1/4/");
        assert_eq!(p.ids(), vec![RegionId(1), RegionId(4)]);
    }

    proptest! {
        /// The range bounds select exactly the paths the prefix test selects, so the
        /// indexed query and the in-memory rule agree.
        #[test]
        fn subtree_bounds_agree_with_prefix(a in prop::collection::vec(1i64..200, 1..4),
                                            b in prop::collection::vec(1i64..200, 1..5)) {
            let mk = |ids: &[i64]| {
                let mut p = RegionPath::root(RegionId(ids[0]));
                for i in &ids[1..] { p = p.child(RegionId(*i)); }
                p
            };
            let (pa, pb) = (mk(&a), mk(&b));
            let (lo, hi) = pa.subtree_bounds();
            let in_range = pb.as_str() >= lo.as_str() && pb.as_str() < hi.as_str();
            prop_assert_eq!(in_range, pa.contains(&pb));
        }
    }

    #[test]
    fn area_shows_two_decimals() {
        assert_eq!(AreaCm2(8950).display(), "89.50");
        for (raw, cm2) in [
            ("89", 8900),
            ("89.5", 8950),
            ("89.50", 8950),
            (" 120.05 ㎡", 12005),
            ("75平", 7500),
            ("60.3m²", 6030),
            ("0.01", 1),
        ] {
            assert_eq!(AreaCm2::parse(raw), Ok(AreaCm2(cm2)), "{raw}");
        }
        for raw in [
            "一百平",
            "0",
            "0.00",
            "-5",
            "89.505",
            "",
            "平",
            "8 9",
            "1e3",
            "100001",
            ".5",
            "89.",
        ] {
            assert!(AreaCm2::parse(raw).is_err(), "{raw} is refused");
        }
        assert_eq!(AreaCm2(12005).display(), "120.05");
    }
}
