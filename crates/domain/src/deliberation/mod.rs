//! Deliberation (议事协商), its pure rules. This module counts decisions: the vote rules
//! of rooms and ballots, and owners' votes under Civil Code art. 278 with owners counted
//! per the Supreme People's Court interpretation on building ownership (arts. 8–9). Pure
//! functions, so a tally is reproducible from stored ballots. The submodules hold the
//! rules of issues, sittings and ballots.

pub mod ballots;
pub mod issues;
pub mod sittings;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How a motion passes among the ballots cast (abstentions are cast ballots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// More than half of the ballots cast say yes.
    SimpleMajority,
    /// At least two thirds of the ballots cast say yes.
    TwoThirds,
    /// Nobody objects (objections are recorded with reasons).
    Consensus,
}

/// Yes / no / abstain counts of a yes-no motion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YesNo {
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
}

impl YesNo {
    pub fn cast(&self) -> u64 {
        self.yes + self.no + self.abstain
    }

    /// Whether the motion passes under `rule`; nothing passes with no ballot cast.
    pub fn passes(&self, rule: Rule) -> bool {
        let cast = self.cast() as u128;
        let yes = self.yes as u128;
        if cast == 0 {
            return false;
        }
        match rule {
            Rule::SimpleMajority => yes * 2 > cast,
            Rule::TwoThirds => yes * 3 >= cast * 2,
            Rule::Consensus => self.no == 0 && self.yes > 0,
        }
    }
}

/// Approval voting: every ballot approves any set of options; the options with the most
/// approvals win (several on a tie).
pub fn approval(options: usize, ballots: &[BTreeSet<usize>]) -> (Vec<u64>, Vec<usize>) {
    let mut counts = vec![0u64; options];
    for b in ballots {
        for &o in b {
            if o < options {
                counts[o] += 1;
            }
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    let winners = if best == 0 {
        vec![]
    } else {
        (0..options).filter(|&o| counts[o] == best).collect()
    };
    (counts, winners)
}

/// Why a ranked ballot is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankedError {
    Empty,
    Duplicate,
    UnknownOption,
}

/// Checks a ranked ballot: non-empty, known options, no option twice.
pub fn check_ranking(options: usize, ranking: &[usize]) -> Result<(), RankedError> {
    if ranking.is_empty() {
        return Err(RankedError::Empty);
    }
    let mut seen = BTreeSet::new();
    for &o in ranking {
        if o >= options {
            return Err(RankedError::UnknownOption);
        }
        if !seen.insert(o) {
            return Err(RankedError::Duplicate);
        }
    }
    Ok(())
}

/// The rounds and the winner of an instant-runoff count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runoff {
    /// Votes per option in each round (eliminated options show 0).
    pub rounds: Vec<Vec<u64>>,
    pub eliminated: Vec<usize>,
    pub winner: Option<usize>,
}

/// Instant runoff (ranked choice): each round counts every ballot for its highest
/// option still standing; an option with more than half of the ballots still counting
/// wins; otherwise the option with the fewest votes is eliminated — on a tie, the one
/// with fewer first preferences, then the higher option number.
pub fn instant_runoff(options: usize, ballots: &[Vec<usize>]) -> Runoff {
    let firsts: Vec<u64> = (0..options)
        .map(|o| ballots.iter().filter(|b| b.first() == Some(&o)).count() as u64)
        .collect();
    let mut standing: BTreeSet<usize> = (0..options).collect();
    let mut out = Runoff {
        rounds: vec![],
        eliminated: vec![],
        winner: None,
    };
    while !standing.is_empty() {
        let mut counts = vec![0u64; options];
        let mut live = 0u64;
        for b in ballots {
            if let Some(&o) = b.iter().find(|o| standing.contains(o)) {
                counts[o] += 1;
                live += 1;
            }
        }
        out.rounds.push(counts.clone());
        if live == 0 {
            break;
        }
        if let Some(&w) = standing.iter().find(|&&o| counts[o] * 2 > live) {
            out.winner = Some(w);
            break;
        }
        if standing.len() == 1 {
            out.winner = standing.iter().next().copied();
            break;
        }
        let loser = *standing
            .iter()
            .min_by_key(|&&o| (counts[o], firsts[o], std::cmp::Reverse(o)))
            .expect("standing is not empty");
        standing.remove(&loser);
        out.eliminated.push(loser);
    }
    out
}

// ---- owners' votes, Civil Code art. 278 ----------------------------------------------

/// The kind of matter (art. 278 para. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    /// Items 6–8: raising the repair fund, rebuilding, changing the use of common parts
    /// or running a business on them — three quarters of the participating area and owners.
    Major,
    /// Every other matter (including using the repair fund) — more than half of both.
    Ordinary,
}

/// One exclusive unit of the electorate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub unit_id: i64,
    /// Registered area in hundredths of m².
    pub area: i64,
    /// Who owns it: one buyer of several units counts once (interpretation art. 9).
    pub owner_key: String,
    /// Unsold or undelivered units of the developer count together as one owner.
    pub developer: bool,
}

/// Total area and owners of an electorate, counted per the interpretation.
pub fn electorate(units: &[Unit]) -> (i64, u64) {
    let area = units.iter().map(|u| u.area).sum();
    (area, count_owners(units.iter()))
}

fn count_owners<'a>(units: impl Iterator<Item = &'a Unit>) -> u64 {
    let mut owners = BTreeSet::new();
    for u in units {
        owners.insert(if u.developer {
            "\u{0}developer".to_string()
        } else {
            u.owner_key.clone()
        });
    }
    owners.len() as u64
}

/// A unit's vote in an owners' ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerVote {
    Yes,
    No,
    Abstain,
}

/// The four figures against their bounds, with the arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Art278 {
    pub total_area: i64,
    pub total_owners: u64,
    pub voting_area: i64,
    pub voting_owners: u64,
    pub yes_area: i64,
    pub yes_owners: u64,
    /// Participation: ≥ 2/3 of the area and ≥ 2/3 of the owners.
    pub area_participation_ok: bool,
    pub owner_participation_ok: bool,
    /// Approval among participants: ≥ 3/4 (major) or > 1/2 (ordinary) of both.
    pub area_approval_ok: bool,
    pub owner_approval_ok: bool,
    pub valid: bool,
    pub passed: bool,
}

/// Tallies an owners' vote. `votes` maps unit ids to their vote; units without a vote
/// did not take part. An owner takes part (and approves) if any of their units does;
/// the developer's units form one owner, who approves only if all its voting units do.
pub fn art278(matter: Matter, units: &[Unit], votes: &BTreeMap<i64, OwnerVote>) -> Art278 {
    let (total_area, total_owners) = electorate(units);
    let voting: Vec<&Unit> = units
        .iter()
        .filter(|u| votes.contains_key(&u.unit_id))
        .collect();
    let voting_area: i64 = voting.iter().map(|u| u.area).sum();
    let voting_owners = count_owners(voting.iter().copied());
    let yes_units: Vec<&Unit> = voting
        .iter()
        .copied()
        .filter(|u| votes.get(&u.unit_id) == Some(&OwnerVote::Yes))
        .collect();
    let yes_area: i64 = yes_units.iter().map(|u| u.area).sum();
    // An owner approves when all the units they voted with say yes.
    let mut by_owner: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for u in &voting {
        let key = if u.developer {
            "\u{0}developer".to_string()
        } else {
            u.owner_key.clone()
        };
        let e = by_owner.entry(key).or_default();
        e.0 += 1;
        if votes.get(&u.unit_id) == Some(&OwnerVote::Yes) {
            e.1 += 1;
        }
    }
    let yes_owners = by_owner.values().filter(|(n, y)| n == y).count() as u64;
    let (ta, va, ya) = (total_area as i128, voting_area as i128, yes_area as i128);
    let (to, vo, yo) = (
        total_owners as i128,
        voting_owners as i128,
        yes_owners as i128,
    );
    let area_participation_ok = ta > 0 && va * 3 >= ta * 2;
    let owner_participation_ok = to > 0 && vo * 3 >= to * 2;
    let (area_approval_ok, owner_approval_ok) = match matter {
        Matter::Major => (va > 0 && ya * 4 >= va * 3, vo > 0 && yo * 4 >= vo * 3),
        Matter::Ordinary => (ya * 2 > va, yo * 2 > vo),
    };
    let valid = area_participation_ok && owner_participation_ok;
    Art278 {
        total_area,
        total_owners,
        voting_area,
        voting_owners,
        yes_area,
        yes_owners,
        area_participation_ok,
        owner_participation_ok,
        area_approval_ok,
        owner_approval_ok,
        valid,
        passed: valid && area_approval_ok && owner_approval_ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(id: i64, area: i64, owner: &str) -> Unit {
        Unit {
            unit_id: id,
            area,
            owner_key: owner.into(),
            developer: false,
        }
    }

    #[test]
    fn exactly_two_thirds_takes_part_and_exactly_three_quarters_pass_a_major_matter() {
        // Six owners of 100 m² each; four take part (exactly 2/3 of area and owners),
        // three of them say yes (exactly 3/4).
        let units: Vec<Unit> = (0..6).map(|i| unit(i, 10_000, &format!("o{i}"))).collect();
        let votes: BTreeMap<i64, OwnerVote> = [
            (0, OwnerVote::Yes),
            (1, OwnerVote::Yes),
            (2, OwnerVote::Yes),
            (3, OwnerVote::No),
        ]
        .into();
        let r = art278(Matter::Major, &units, &votes);
        assert!(r.valid && r.passed, "{r:?}");
        // Ordinary matters need strictly more than half: 3 of 4 passes, 2 of 4 does not.
        let tie: BTreeMap<i64, OwnerVote> = [
            (0, OwnerVote::Yes),
            (1, OwnerVote::Yes),
            (2, OwnerVote::No),
            (3, OwnerVote::No),
        ]
        .into();
        assert!(
            !art278(Matter::Ordinary, &units, &tie).passed,
            "half is not more than half"
        );
        // Three of six take part: below 2/3, invalid whatever they say.
        let few: BTreeMap<i64, OwnerVote> = [
            (0, OwnerVote::Yes),
            (1, OwnerVote::Yes),
            (2, OwnerVote::Yes),
        ]
        .into();
        assert!(!art278(Matter::Ordinary, &units, &few).valid);
    }

    #[test]
    fn one_buyer_of_several_units_and_the_developer_count_once() {
        let mut units = vec![
            unit(1, 9_000, "王"),
            unit(2, 9_000, "王"),
            unit(3, 9_000, "李"),
        ];
        units.push(Unit {
            unit_id: 4,
            area: 9_000,
            owner_key: "dev-a".into(),
            developer: true,
        });
        units.push(Unit {
            unit_id: 5,
            area: 9_000,
            owner_key: "dev-b".into(),
            developer: true,
        });
        assert_eq!(electorate(&units), (45_000, 3), "王, 李 and the developer");
    }

    #[test]
    fn consensus_fails_on_one_objection_and_majority_needs_more_than_half() {
        assert!(
            YesNo {
                yes: 5,
                no: 0,
                abstain: 2
            }
            .passes(Rule::Consensus)
        );
        assert!(
            !YesNo {
                yes: 5,
                no: 1,
                abstain: 0
            }
            .passes(Rule::Consensus)
        );
        assert!(
            !YesNo {
                yes: 2,
                no: 1,
                abstain: 1
            }
            .passes(Rule::SimpleMajority),
            "2 of 4 is half"
        );
        assert!(
            YesNo {
                yes: 2,
                no: 1,
                abstain: 0
            }
            .passes(Rule::TwoThirds),
            "exactly 2/3"
        );
        assert!(!YesNo::default().passes(Rule::SimpleMajority));
    }

    #[test]
    fn ranked_ballots_with_duplicates_are_refused() {
        assert_eq!(check_ranking(3, &[0, 1, 0]), Err(RankedError::Duplicate));
        assert_eq!(check_ranking(3, &[3]), Err(RankedError::UnknownOption));
        assert_eq!(check_ranking(3, &[]), Err(RankedError::Empty));
        assert!(check_ranking(3, &[2, 0]).is_ok());
    }

    #[test]
    fn instant_runoff_transfers_votes() {
        // A 4, B 3, C 2 first preferences; C's voters prefer B: B wins in round two.
        let mut ballots = vec![vec![0]; 4];
        ballots.extend(vec![vec![1]; 3]);
        ballots.extend(vec![vec![2, 1]; 2]);
        let r = instant_runoff(3, &ballots);
        assert_eq!(r.winner, Some(1));
        assert_eq!(r.eliminated, vec![2]);
        assert_eq!(r.rounds[1], vec![4, 5, 0]);
    }

    /// A plain reference of art. 278 with rational numbers, written differently.
    fn reference(matter: Matter, units: &[Unit], votes: &BTreeMap<i64, OwnerVote>) -> (bool, bool) {
        use std::collections::HashMap;
        let owner = |u: &Unit| {
            if u.developer {
                "DEV".to_string()
            } else {
                format!("p{}", u.owner_key)
            }
        };
        let total_area: f64 = units.iter().map(|u| u.area as f64).sum();
        let all: std::collections::HashSet<String> = units.iter().map(owner).collect();
        let mut part: HashMap<String, bool> = HashMap::new();
        let (mut va, mut ya) = (0f64, 0f64);
        for u in units {
            if let Some(v) = votes.get(&u.unit_id) {
                va += u.area as f64;
                let yes = *v == OwnerVote::Yes;
                if yes {
                    ya += u.area as f64;
                }
                let e = part.entry(owner(u)).or_insert(true);
                *e = *e && yes;
            }
        }
        let vo = part.len() as f64;
        let yo = part.values().filter(|y| **y).count() as f64;
        let to = all.len() as f64;
        // Compare exactly with integers scaled: areas are integers, so use them directly.
        let ge = |a: f64, num: f64, b: f64, den: f64| (a * den) >= (b * num) - 1e-9;
        let valid =
            total_area > 0.0 && ge(va, 2.0, total_area, 3.0) && to > 0.0 && ge(vo, 2.0, to, 3.0);
        let pass = match matter {
            Matter::Major => va > 0.0 && ge(ya, 3.0, va, 4.0) && vo > 0.0 && ge(yo, 3.0, vo, 4.0),
            Matter::Ordinary => ya * 2.0 > va && yo * 2.0 > vo,
        };
        (valid, valid && pass)
    }

    proptest! {
        #[test]
        fn art278_agrees_with_a_reference(
            areas in prop::collection::vec(1i64..20_000, 1..12),
            owners in prop::collection::vec(0u8..6, 12),
            dev in prop::collection::vec(any::<bool>(), 12),
            votes in prop::collection::vec(0u8..4, 12),
            major in any::<bool>(),
        ) {
            let units: Vec<Unit> = areas.iter().enumerate().map(|(i, a)| Unit {
                unit_id: i as i64, area: *a, owner_key: owners[i].to_string(), developer: dev[i] && i % 3 == 0,
            }).collect();
            let ballot: BTreeMap<i64, OwnerVote> = units.iter().filter_map(|u| match votes[u.unit_id as usize] {
                0 => None, 1 => Some((u.unit_id, OwnerVote::Yes)), 2 => Some((u.unit_id, OwnerVote::No)), _ => Some((u.unit_id, OwnerVote::Abstain)),
            }).collect();
            let matter = if major { Matter::Major } else { Matter::Ordinary };
            let r = art278(matter, &units, &ballot);
            prop_assert_eq!((r.valid, r.passed), reference(matter, &units, &ballot));
        }

        /// The winner of an instant runoff holds a majority of the ballots still counting
        /// in the last round, and never was eliminated.
        #[test]
        fn instant_runoff_winner_has_the_final_majority(
            ballots in prop::collection::vec(prop::collection::btree_set(0usize..4, 1..4), 1..40)
        ) {
            let ballots: Vec<Vec<usize>> = ballots.into_iter().map(|s| s.into_iter().collect()).collect();
            let r = instant_runoff(4, &ballots);
            let w = r.winner.expect("some ballot counts");
            prop_assert!(!r.eliminated.contains(&w));
            let last = r.rounds.last().unwrap();
            let live: u64 = last.iter().sum();
            prop_assert!(last[w] * 2 > live || r.eliminated.len() == 3);
        }

        /// Approval winners have the highest count, computed independently.
        #[test]
        fn approval_winners_have_the_most_approvals(
            ballots in prop::collection::vec(prop::collection::btree_set(0usize..5, 0..5), 0..30)
        ) {
            let (counts, winners) = approval(5, &ballots);
            for o in 0..5 {
                let c = ballots.iter().filter(|b| b.contains(&o)).count() as u64;
                prop_assert_eq!(counts[o], c);
            }
            let best = *counts.iter().max().unwrap();
            for w in &winners { prop_assert_eq!(counts[*w], best); }
        }

        /// Simple majority and two thirds agree with a rational reference.
        #[test]
        fn yes_no_rules_agree_with_fractions(yes in 0u64..50, no in 0u64..50, abstain in 0u64..50) {
            let v = YesNo { yes, no, abstain };
            let cast = (yes + no + abstain) as f64;
            prop_assert_eq!(v.passes(Rule::SimpleMajority), cast > 0.0 && (yes as f64) > cast / 2.0);
            prop_assert_eq!(v.passes(Rule::TwoThirds), cast > 0.0 && (yes as f64) * 3.0 >= cast * 2.0);
        }
    }
}
