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

/// A floor area in hundredths of a square metre, as registered (不动产登记).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AreaCm2(pub i64);

impl AreaCm2 {
    /// `89.50` m².
    pub fn display(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(AreaCm2(12005).display(), "120.05");
    }
}
