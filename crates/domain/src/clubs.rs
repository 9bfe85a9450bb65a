//! Clubs (自组织) and their activities: the incubation lifecycle, and AA cost-sharing
//! where the per-person fee is derived from planned costs and a small planned surplus.

use crate::DomainError;

crate::str_enum! {
    /// Where an activity stands: planned (sign-ups open) → settled (the AA account is closed
    /// and each share known) → reviewed. `published` is kept for activities from before planning.
    pub enum ActivityStatus {
        Planned = "planned",
        Published = "published",
        Settled = "settled",
        Reviewed = "reviewed",
        /// Called off by its organizer before it took place, with a reason.
        Cancelled = "cancelled",
    }
}

crate::str_enum! {
    /// A place on an activity: confirmed, on the waiting list, or given up.
    pub enum SignupStatus {
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
    }
}

crate::str_enum! {
    /// Where a club stands: proposed → seedling (萌生, 1.0) → active → registered social
    /// organization, or dormant / dissolved.
    pub enum Stage {
        Proposed = "proposed",
        Seedling = "seedling",
        Active = "active",
        Registered = "registered",
        Dormant = "dormant",
        Dissolved = "dissolved",
    }
}

impl Stage {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::from_name(s).ok_or(DomainError::UnknownStage)
    }

    /// The next stage on the way up, if any.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Proposed => Some(Self::Seedling),
            Self::Seedling => Some(Self::Active),
            Self::Active => Some(Self::Registered),
            _ => None,
        }
    }

    /// The stages a club at this stage may move to (with a reason where one is needed):
    /// what a stage menu offers, so it never offers a move that is always refused.
    pub fn moves(self) -> Vec<Stage> {
        Self::ALL
            .iter()
            .copied()
            .filter(|to| self.change_to(*to, "reason").is_ok())
            .collect()
    }

    /// Checks a change of stage. One step up the ladder needs no explanation; anything
    /// else (skipping a stage, going dormant, reviving, dissolving) needs a reason.
    /// Nothing comes back from dissolved.
    pub fn change_to(self, to: Stage, reason: &str) -> Result<(), DomainError> {
        if self == to || self == Self::Dissolved {
            return Err(DomainError::StageChange);
        }
        let ordinary = self.next() == Some(to);
        if !ordinary && reason.trim().chars().count() < 2 {
            return Err(DomainError::StageNeedsReason);
        }
        if to == Self::Proposed {
            return Err(DomainError::StageChange);
        }
        Ok(())
    }
}

/// A planned surplus margin in basis points (500 = 5%), 0 to 30%.
pub fn surplus_bp(percent: &str) -> Result<i64, DomainError> {
    let t = percent.trim().trim_end_matches('%');
    let v: f64 = if t.is_empty() {
        0.0
    } else {
        t.parse().map_err(|_| DomainError::InvalidAmount)?
    };
    if !(0.0..=30.0).contains(&v) {
        return Err(DomainError::InvalidAmount);
    }
    Ok((v * 100.0).round() as i64)
}

/// The AA fee per person: planned costs plus the surplus margin, shared by the places,
/// rounded up to the fen so the costs are always covered.
pub fn aa_fee(planned_cost: i64, surplus_bp: i64, capacity: i64) -> i64 {
    if capacity <= 0 {
        return 0;
    }
    let total = planned_cost * (10_000 + surplus_bp);
    let per = total / (10_000 * capacity);
    if per * 10_000 * capacity < total {
        per + 1
    } else {
        per
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stage_offers_only_the_moves_it_accepts() {
        use Stage::*;
        assert_eq!(
            Proposed.moves(),
            [Seedling, Active, Registered, Dormant, Dissolved]
        );
        assert_eq!(Dormant.moves(), [Seedling, Active, Registered, Dissolved]);
        assert!(
            Dissolved.moves().is_empty(),
            "nothing comes back from dissolved"
        );
        for s in Stage::ALL {
            assert!(!s.moves().contains(s), "{s} does not move to itself");
        }
    }

    #[test]
    fn stages_move_one_step_freely_and_jump_only_with_a_reason() {
        assert!(Stage::Proposed.change_to(Stage::Seedling, "").is_ok());
        assert_eq!(
            Stage::Proposed.change_to(Stage::Active, ""),
            Err(DomainError::StageNeedsReason)
        );
        assert!(
            Stage::Proposed
                .change_to(Stage::Active, "已有成熟团队和固定活动")
                .is_ok()
        );
        assert_eq!(
            Stage::Active.change_to(Stage::Dormant, " "),
            Err(DomainError::StageNeedsReason)
        );
        assert!(
            Stage::Dormant
                .change_to(Stage::Active, "骨干回来了")
                .is_ok()
        );
        assert_eq!(
            Stage::Dissolved.change_to(Stage::Active, "想复活"),
            Err(DomainError::StageChange)
        );
        assert_eq!(
            Stage::Active.change_to(Stage::Active, "x"),
            Err(DomainError::StageChange)
        );
    }

    #[test]
    fn the_fee_shows_its_arithmetic() {
        // 1,000 yuan of costs, 5% surplus, 20 places: 52.50 yuan each.
        assert_eq!(aa_fee(100_000, 500, 20), 5_250);
        assert_eq!(aa_fee(100, 0, 3), 34, "rounded up to the fen");
        assert_eq!(surplus_bp("5%").unwrap(), 500);
        assert!(surplus_bp("50").is_err());
    }

    proptest! {
        /// The fees collected from a full activity always cover the planned costs and margin.
        #[test]
        fn a_full_activity_covers_its_costs(cost in 0i64..10_000_000, bp in 0i64..3000, cap in 1i64..500) {
            let fee = aa_fee(cost, bp, cap);
            prop_assert!(fee * cap * 10_000 >= cost * (10_000 + bp));
            prop_assert!((fee - 1) * cap * 10_000 < cost * (10_000 + bp) || fee == 0);
        }
    }
}
