//! The acting user and what their roles allow where.
//!
//! A role holds on the node it was granted on and everything below it. Roles a person
//! holds by living somewhere (resident, owner, building representative…) also let them
//! read their whole community: its compound and community pages and its clubs.

use linli_domain::accounts::Role;
use linli_domain::regions::RegionKind;
use linli_store::accounts::{GrantRow, UserRow};

/// Depth of community nodes in the tree (network 0, district 1, street 2).
const COMMUNITY_DEPTH: usize = 3;

#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserRow,
    pub grants: Vec<GrantRow>,
}

impl Actor {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    fn roles(&self) -> impl Iterator<Item = (Role, &GrantRow)> {
        self.grants
            .iter()
            .filter_map(|g| Role::parse(&g.role).ok().map(|r| (r, g)))
    }

    /// Path prefixes this user may read.
    pub fn read_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = self
            .roles()
            .map(|(role, g)| {
                let kind = RegionKind::parse(&g.region_kind).unwrap_or(RegionKind::Building);
                if role.is_neighbourhood_role() && kind > RegionKind::Community {
                    community_prefix(&g.region_path)
                } else {
                    g.region_path.clone()
                }
            })
            .collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// Whether this user may read the node at `path`.
    pub fn can_read(&self, path: &str) -> bool {
        self.read_scopes()
            .iter()
            .any(|s| path.starts_with(s.as_str()))
    }

    /// The first role satisfying `pred` held on `path` or above it.
    pub fn role_over(&self, path: &str, pred: impl Fn(Role) -> bool) -> Option<Role> {
        self.roles()
            .filter(|(r, g)| pred(*r) && path.starts_with(g.region_path.as_str()))
            .map(|(r, _)| r)
            .max_by_key(|r| (*r == Role::PlatformAdmin, r.administers()))
    }

    /// Whether this user administers the node at `path` (grants roles, reads the audit log).
    pub fn administers(&self, path: &str) -> bool {
        self.role_over(path, Role::administers).is_some()
    }

    /// Whether this user sees residents' personal data on the node at `path`.
    pub fn sees_personal_data(&self, path: &str) -> bool {
        self.role_over(path, Role::sees_personal_data).is_some()
    }

    /// A platform admin on a root node reads the whole platform, including entries that
    /// belong to no node.
    pub fn is_platform_admin(&self) -> bool {
        self.roles()
            .any(|(r, g)| r == Role::PlatformAdmin && g.region_path.matches('/').count() == 2)
    }

    /// Grants held by this user whose role administers, widest first.
    pub fn administered_nodes(&self) -> Vec<&GrantRow> {
        let mut v: Vec<&GrantRow> = self
            .roles()
            .filter(|(r, _)| r.administers())
            .map(|(_, g)| g)
            .collect();
        v.sort_by_key(|g| g.region_path.len());
        v
    }
}

/// The community ancestor's prefix of a path below community level.
fn community_prefix(path: &str) -> String {
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let keep = ids.len().min(COMMUNITY_DEPTH + 1);
    format!("/{}/", ids[..keep].join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: &str, path: &str, kind: &str) -> GrantRow {
        GrantRow {
            id: 1,
            user_id: 1,
            user_name: "x".into(),
            user_phone: "13800000000".into(),
            region_id: 1,
            region_name: "n".into(),
            region_path: path.into(),
            region_kind: kind.into(),
            role: role.into(),
            granted_at: 0,
        }
    }

    fn actor(grants: Vec<GrantRow>) -> Actor {
        Actor {
            user: UserRow {
                id: 1,
                phone: "13800000000".into(),
                display_name: "x".into(),
                password_hash: String::new(),
                lang: "zh-CN".into(),
                elderly: false,
                created_at: 0,
            },
            grants,
        }
    }

    #[test]
    fn a_resident_reads_their_community_but_not_the_next() {
        let a = actor(vec![grant("resident", "/1/2/3/4/5/6/", "building")]);
        assert!(a.can_read("/1/2/3/4/"));
        assert!(a.can_read("/1/2/3/4/9/"));
        assert!(!a.can_read("/1/2/3/40/"));
        assert!(!a.can_read("/1/2/3/"));
        assert!(!a.administers("/1/2/3/4/5/6/"));
    }

    #[test]
    fn an_officer_administers_below_their_node_only() {
        let a = actor(vec![grant("street_officer", "/1/2/3/", "street")]);
        assert!(a.administers("/1/2/3/4/5/"));
        assert!(!a.administers("/1/2/"));
        assert!(!a.can_read("/1/2/7/"));
    }
}
