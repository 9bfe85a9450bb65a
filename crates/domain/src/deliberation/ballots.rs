//! Ballots as voters cast them: the vote methods and electorates, parsing a choice for a
//! method, its stored form, and the tally of a set of stored ballots. Everything the tally
//! needs is in the stored ballots (and, for owners' votes, the units), so `linli tally`
//! reproduces a result from the database alone.

use super::{Art278, Matter, OwnerVote, Rule, Runoff, Unit, YesNo, approval, art278};
use super::{check_ranking, instant_runoff};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

crate::str_enum! {
    /// Where a vote stands: pending (a later stage waiting for the earlier one's result) →
    /// open → closed; or void (its earlier stage chose another option).
    pub enum VoteStatus {
        Pending = "pending",
        Open = "open",
        Closed = "closed",
        Void = "void",
    }
}

impl VoteStatus {
    /// Whether its organiser may still change it (extend, add proxies, close early).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Open | Self::Pending)
    }
}

crate::str_enum! {
    /// What became of a paper ballot after a teller's entry.
    pub enum PaperStatus {
        /// One entry made; waiting for the second teller.
        Waiting = "waiting",
        /// Both entries agree: counted.
        Counted = "counted",
        /// The entries differ: not counted until re-entered.
        Mismatch = "mismatch",
        /// The voter had already voted (online or on another paper): the first ballot
        /// recorded counts, this one is flagged and not counted.
        Duplicate = "duplicate",
    }
}

/// Why a vote set-up or a ballot is refused; `code()` is the stable message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotError {
    UnknownMethod,
    UnknownElectorate,
    UnknownMatter,
    UnknownChoice,
    RankingEmpty,
    RankingDuplicate,
    UnknownOption,
    TooFewOptions,
    TooManyOptions,
    OwnersVoteIsOpen,
}

impl BallotError {
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownMethod => "vote_unknown_method",
            Self::UnknownElectorate => "vote_unknown_electorate",
            Self::UnknownMatter => "vote_unknown_matter",
            Self::UnknownChoice => "ballot_unknown_choice",
            Self::RankingEmpty => "ballot_ranking_empty",
            Self::RankingDuplicate => "ballot_ranking_duplicate",
            Self::UnknownOption => "ballot_unknown_option",
            Self::TooFewOptions => "vote_too_few_options",
            Self::TooManyOptions => "vote_too_many_options",
            Self::OwnersVoteIsOpen => "vote_owners_not_secret",
        }
    }
}

/// How a vote is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Yes / no: more than half of the ballots cast.
    Majority,
    /// Yes / no: at least two thirds of the ballots cast.
    TwoThirds,
    /// Yes / no: passes only with no objection; objections carry reasons.
    Consensus,
    /// Any number of options approved; most approvals win.
    Approval,
    /// Options ranked; instant runoff.
    Ranked,
    /// Owners' yes / no under Civil Code art. 278, counted by unit area and owners.
    Owners,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Self::Majority,
        Self::TwoThirds,
        Self::Consensus,
        Self::Approval,
        Self::Ranked,
        Self::Owners,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Majority => "majority",
            Self::TwoThirds => "two_thirds",
            Self::Consensus => "consensus",
            Self::Approval => "approval",
            Self::Ranked => "ranked",
            Self::Owners => "owners",
        }
    }

    pub fn parse(s: &str) -> Result<Self, BallotError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or(BallotError::UnknownMethod)
    }

    /// Whether ballots say yes / no / abstain (rather than choose among options).
    pub fn yes_no(self) -> bool {
        !matches!(self, Self::Approval | Self::Ranked)
    }

    fn rule(self) -> Rule {
        match self {
            Self::TwoThirds => Rule::TwoThirds,
            Self::Consensus => Rule::Consensus,
            _ => Rule::SimpleMajority,
        }
    }
}

/// Who may vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Electorate {
    /// The current members of a body.
    Body,
    /// Residents of a node with an account: one person, one vote.
    Residents,
    /// Households of a node: any member may cast, exactly one ballot counts (一户一票).
    Households,
    /// Owners of the units of a node, by area and by owners (art. 278).
    Owners,
}

impl Electorate {
    pub const ALL: [Electorate; 4] = [Self::Body, Self::Residents, Self::Households, Self::Owners];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Body => "body",
            Self::Residents => "residents",
            Self::Households => "households",
            Self::Owners => "owners",
        }
    }

    pub fn parse(s: &str) -> Result<Self, BallotError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or(BallotError::UnknownElectorate)
    }
}

pub fn parse_matter(s: &str) -> Result<Matter, BallotError> {
    match s {
        "" | "ordinary" => Ok(Matter::Ordinary),
        "major" => Ok(Matter::Major),
        _ => Err(BallotError::UnknownMatter),
    }
}

pub fn matter_str(m: Matter) -> &'static str {
    match m {
        Matter::Ordinary => "ordinary",
        Matter::Major => "major",
    }
}

/// Checks the shape of a vote: methods that choose among options need 2–20 of them,
/// yes / no methods none; an owners' vote is always an owners' electorate and never
/// secret (the count needs each unit's area and owner).
pub fn check_setup(
    method: Method,
    electorate: Electorate,
    secret: bool,
    options: usize,
) -> Result<(), BallotError> {
    if method.yes_no() {
        if options != 0 {
            return Err(BallotError::TooManyOptions);
        }
    } else if options < 2 {
        return Err(BallotError::TooFewOptions);
    } else if options > 20 {
        return Err(BallotError::TooManyOptions);
    }
    if (method == Method::Owners) != (electorate == Electorate::Owners) {
        return Err(BallotError::UnknownElectorate);
    }
    if method == Method::Owners && secret {
        return Err(BallotError::OwnersVoteIsOpen);
    }
    Ok(())
}

/// A voter's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Yes,
    No,
    Abstain,
    /// Approved options (0-based positions).
    Approve(BTreeSet<usize>),
    /// Options in order of preference (0-based positions).
    Rank(Vec<usize>),
}

impl Choice {
    /// Parses a choice as a form or the API sends it: `yes` / `no` / `abstain`, or option
    /// numbers counted from 1, separated by commas (in order of preference for ranked).
    pub fn parse(method: Method, options: usize, raw: &str) -> Result<Self, BallotError> {
        let raw = raw.trim();
        if method.yes_no() {
            return match raw {
                "yes" => Ok(Self::Yes),
                "no" => Ok(Self::No),
                "abstain" => Ok(Self::Abstain),
                _ => Err(BallotError::UnknownChoice),
            };
        }
        let mut picked = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let n: usize = part.parse().map_err(|_| BallotError::UnknownChoice)?;
            if n == 0 || n > options {
                return Err(BallotError::UnknownOption);
            }
            picked.push(n - 1);
        }
        match method {
            Method::Ranked => {
                check_ranking(options, &picked).map_err(|e| match e {
                    super::RankedError::Empty => BallotError::RankingEmpty,
                    super::RankedError::Duplicate => BallotError::RankingDuplicate,
                    super::RankedError::UnknownOption => BallotError::UnknownOption,
                })?;
                Ok(Self::Rank(picked))
            }
            _ => {
                let set: BTreeSet<usize> = picked.iter().copied().collect();
                if set.len() != picked.len() {
                    return Err(BallotError::RankingDuplicate);
                }
                Ok(Self::Approve(set))
            }
        }
    }

    /// The stored form: `yes` / `no` / `abstain`, or 0-based positions joined by commas.
    pub fn stored(&self) -> String {
        match self {
            Self::Yes => "yes".into(),
            Self::No => "no".into(),
            Self::Abstain => "abstain".into(),
            Self::Approve(s) => join(s.iter()),
            Self::Rank(v) => join(v.iter()),
        }
    }

    /// The form a page or the API sends (what [`Choice::parse`] reads): `yes` / `no` /
    /// `abstain`, or option numbers counted from 1, in order of preference for ranked.
    pub fn as_form(&self) -> String {
        let from_one = |v: &mut dyn Iterator<Item = &usize>| {
            v.map(|p| (p + 1).to_string()).collect::<Vec<_>>().join(",")
        };
        match self {
            Self::Approve(s) => from_one(&mut s.iter()),
            Self::Rank(v) => from_one(&mut v.iter()),
            other => other.stored(),
        }
    }

    /// Reads a stored choice back; `None` if it does not fit the method (never counted).
    pub fn from_stored(method: Method, options: usize, s: &str) -> Option<Self> {
        if method.yes_no() {
            return match s {
                "yes" => Some(Self::Yes),
                "no" => Some(Self::No),
                "abstain" => Some(Self::Abstain),
                _ => None,
            };
        }
        let positions: Option<Vec<usize>> = if s.is_empty() {
            Some(vec![])
        } else {
            s.split(',').map(|p| p.parse().ok()).collect()
        };
        let positions = positions?;
        if positions.iter().any(|&p| p >= options) {
            return None;
        }
        match method {
            Method::Ranked => check_ranking(options, &positions)
                .ok()
                .map(|_| Self::Rank(positions)),
            _ => Some(Self::Approve(positions.into_iter().collect())),
        }
    }
}

fn join<'a>(it: impl Iterator<Item = &'a usize>) -> String {
    it.map(|p| p.to_string()).collect::<Vec<_>>().join(",")
}

/// The result of a vote, stored as JSON when it closes and shown on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Tally {
    /// Ballots counted.
    pub cast: u64,
    pub yes_no: Option<YesNo>,
    /// Approvals per option (approval votes).
    pub approvals: Option<Vec<u64>>,
    pub runoff: Option<Runoff>,
    pub art278: Option<Art278>,
    /// The winning option (0-based), for approval and ranked votes; none on a tie.
    pub winner: Option<usize>,
    /// Options tied for first place (approval), when there is no single winner.
    pub tied: Vec<usize>,
    pub passed: bool,
}

/// Counts stored ballots. `ballots` are (voter key, stored choice); for owners' votes the
/// voter key is `u:<unit id>` and `units` is the electorate.
pub fn tally(
    method: Method,
    matter: Matter,
    options: usize,
    ballots: &[(Option<String>, String)],
    units: &[Unit],
) -> Tally {
    let choices: Vec<Choice> = ballots
        .iter()
        .filter_map(|(_, c)| Choice::from_stored(method, options, c))
        .collect();
    let mut t = Tally {
        cast: choices.len() as u64,
        ..Tally::default()
    };
    match method {
        Method::Approval => {
            let sets: Vec<BTreeSet<usize>> = choices
                .into_iter()
                .filter_map(|c| match c {
                    Choice::Approve(s) => Some(s),
                    _ => None,
                })
                .collect();
            let (counts, winners) = approval(options, &sets);
            if winners.len() == 1 {
                t.winner = Some(winners[0]);
                t.passed = true;
            } else {
                t.tied = winners;
            }
            t.approvals = Some(counts);
        }
        Method::Ranked => {
            let ranks: Vec<Vec<usize>> = choices
                .into_iter()
                .filter_map(|c| match c {
                    Choice::Rank(v) => Some(v),
                    _ => None,
                })
                .collect();
            let r = instant_runoff(options, &ranks);
            t.winner = r.winner;
            t.passed = r.winner.is_some();
            t.runoff = Some(r);
        }
        Method::Owners => {
            let mut votes = BTreeMap::new();
            for (key, c) in ballots {
                let Some(unit) = key
                    .as_deref()
                    .and_then(|k| k.strip_prefix("u:"))
                    .and_then(|k| k.parse::<i64>().ok())
                else {
                    continue;
                };
                let v = match Choice::from_stored(method, options, c) {
                    Some(Choice::Yes) => OwnerVote::Yes,
                    Some(Choice::No) => OwnerVote::No,
                    Some(Choice::Abstain) => OwnerVote::Abstain,
                    _ => continue,
                };
                votes.insert(unit, v);
            }
            let a = art278(matter, units, &votes);
            t.passed = a.passed;
            t.yes_no = Some(yes_no_of(&choices));
            t.art278 = Some(a);
        }
        _ => {
            let yn = yes_no_of(&choices);
            t.passed = yn.passes(method.rule());
            t.yes_no = Some(yn);
        }
    }
    t
}

fn yes_no_of(choices: &[Choice]) -> YesNo {
    let mut yn = YesNo::default();
    for c in choices {
        match c {
            Choice::Yes => yn.yes += 1,
            Choice::No => yn.no += 1,
            Choice::Abstain => yn.abstain += 1,
            _ => {}
        }
    }
    yn
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_ranked_ballot_with_a_duplicate_or_an_unknown_option_is_refused() {
        assert_eq!(
            Choice::parse(Method::Ranked, 3, "1,1"),
            Err(BallotError::RankingDuplicate)
        );
        assert_eq!(
            Choice::parse(Method::Ranked, 3, "4"),
            Err(BallotError::UnknownOption)
        );
        assert_eq!(
            Choice::parse(Method::Ranked, 3, ""),
            Err(BallotError::RankingEmpty)
        );
        assert_eq!(
            Choice::parse(Method::Majority, 0, "maybe"),
            Err(BallotError::UnknownChoice)
        );
        assert_eq!(
            Choice::parse(Method::Ranked, 3, "2, 1").unwrap().stored(),
            "1,0"
        );
    }

    /// The confirmation page sends the choice back in its form: what it sends reads back
    /// as the same choice.
    #[test]
    fn a_choice_survives_the_round_trip_through_its_form() {
        for (method, raw) in [
            (Method::Ranked, "3,1,2"),
            (Method::Approval, "1,3"),
            (Method::Majority, "abstain"),
        ] {
            let c = Choice::parse(method, 3, raw).unwrap();
            assert_eq!(c.as_form(), raw);
            assert_eq!(Choice::parse(method, 3, &c.as_form()).unwrap(), c);
        }
    }

    #[test]
    fn an_owners_vote_is_never_secret_and_choices_need_options() {
        assert_eq!(
            check_setup(Method::Owners, Electorate::Owners, true, 0),
            Err(BallotError::OwnersVoteIsOpen)
        );
        assert_eq!(
            check_setup(Method::Owners, Electorate::Residents, false, 0),
            Err(BallotError::UnknownElectorate)
        );
        assert_eq!(
            check_setup(Method::Ranked, Electorate::Residents, false, 1),
            Err(BallotError::TooFewOptions)
        );
        assert!(check_setup(Method::Approval, Electorate::Households, true, 2).is_ok());
    }

    #[test]
    fn an_approval_tie_has_no_winner_and_names_the_tied_options() {
        let b = |s: &str| (None, s.to_string());
        let t = tally(
            Method::Approval,
            Matter::Ordinary,
            3,
            &[b("0,1"), b("1"), b("0")],
            &[],
        );
        assert_eq!(t.winner, None);
        assert_eq!(t.tied, vec![0, 1]);
        assert!(!t.passed);
    }

    proptest! {
        /// What is stored reads back as the same choice, for every method.
        #[test]
        fn a_choice_round_trips_through_its_stored_form(
            picks in proptest::collection::vec(0usize..6, 1..6),
            which in 0usize..3,
        ) {
            let method = [Method::Approval, Method::Ranked, Method::Majority][which];
            let mut seen = BTreeSet::new();
            let unique: Vec<usize> = picks.into_iter().filter(|p| seen.insert(*p)).collect();
            let raw = if method.yes_no() {
                ["yes", "no", "abstain"][unique[0] % 3].to_string()
            } else {
                unique.iter().map(|p| (p + 1).to_string()).collect::<Vec<_>>().join(",")
            };
            let c = Choice::parse(method, 6, &raw).unwrap();
            prop_assert_eq!(Choice::from_stored(method, 6, &c.stored()), Some(c));
        }

        /// A yes/no tally equals counting the stored words by hand; two thirds passes with
        /// at least two yes ballots for every other ballot cast (abstentions included).
        #[test]
        fn a_yes_no_tally_matches_a_plain_count(words in proptest::collection::vec(0usize..3, 0..60)) {
            let ballots: Vec<(Option<String>, String)> = words
                .iter()
                .map(|w| (None, ["yes", "no", "abstain"][*w].to_string()))
                .collect();
            let t = tally(Method::TwoThirds, Matter::Ordinary, 0, &ballots, &[]);
            let count = |word: usize| words.iter().filter(|w| **w == word).count() as u64;
            let (yes, no, abstain) = (count(0), count(1), count(2));
            prop_assert_eq!(t.yes_no, Some(YesNo { yes, no, abstain }));
            prop_assert_eq!(t.cast, words.len() as u64);
            prop_assert_eq!(t.passed, !words.is_empty() && yes >= 2 * (no + abstain));
        }
    }
}
