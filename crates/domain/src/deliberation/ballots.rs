//! Ballots as voters cast them: the vote methods and electorates, parsing a choice for a
//! method, its stored form, and the tally of a set of stored ballots. Everything the tally
//! needs is in the stored ballots (and, for owners' votes, the units), so `linli tally`
//! reproduces a result from the database alone.

use super::{Art278, Matter, OwnerVote, OwnersSplit, Rule, Runoff, Unit, YesNo, approval, art278};
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
    BallotNoBad,
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
            Self::BallotNoBad => "ballot_no_bad",
        }
    }
}

// ---- paper ballot numbers ----------------------------------------------------------------

/// The Luhn check digit of `n`: a teller's single mistyped digit, or two neighbouring
/// digits swapped, never yields another owner's valid number.
fn check_digit(n: u64) -> u64 {
    let mut sum = 0;
    for (i, d) in n.to_string().bytes().rev().enumerate() {
        let d = u64::from(d - b'0');
        sum += if i % 2 == 0 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
    }
    (10 - sum % 10) % 10
}

/// The number printed on an owner's paper ballot: their number in the vote, four digits
/// at least, then a check digit (`0007-5`).
pub fn ballot_code(no: i64) -> String {
    let n = no.max(0) as u64;
    format!("{n:04}-{}", check_digit(n))
}

/// Reads a ballot number as a teller types it (spaces, dashes and full-width digits
/// allowed) back into the owner's number; refuses a wrong check digit.
pub fn parse_ballot_code(raw: &str) -> Result<i64, BallotError> {
    let digits: String = raw
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            ' ' | '-' | '－' | '—' | '　' => None,
            _ => Some('x'),
        })
        .collect();
    if digits.len() < 2 || digits.len() > 12 || digits.contains('x') {
        return Err(BallotError::BallotNoBad);
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let n: u64 = body.parse().map_err(|_| BallotError::BallotNoBad)?;
    if n == 0 || check_digit(n).to_string() != check {
        return Err(BallotError::BallotNoBad);
    }
    Ok(n as i64)
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
    /// For owners' votes: for, against and abstaining, by owners and by area.
    #[serde(default)]
    pub owners_split: Option<OwnersSplit>,
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
            // An owner's one ballot (`o:KEY`) carries every unit they own in the electorate;
            // a ballot per unit (`u:ID`, before owners voted as owners) carries its unit.
            let mut by_owner: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
            for u in units {
                let key = if u.developer {
                    "developer"
                } else {
                    u.owner_key.as_str()
                };
                by_owner.entry(key).or_default().push(u.unit_id);
            }
            let mut votes = BTreeMap::new();
            for (key, c) in ballots {
                let v = match Choice::from_stored(method, options, c) {
                    Some(Choice::Yes) => OwnerVote::Yes,
                    Some(Choice::No) => OwnerVote::No,
                    Some(Choice::Abstain) => OwnerVote::Abstain,
                    _ => continue,
                };
                let key = key.as_deref().unwrap_or("");
                if let Some(owner) = key.strip_prefix("o:") {
                    for unit in by_owner.get(owner).into_iter().flatten() {
                        votes.insert(*unit, v);
                    }
                } else if let Some(unit) =
                    key.strip_prefix("u:").and_then(|k| k.parse::<i64>().ok())
                {
                    votes.entry(unit).or_insert(v);
                }
            }
            let a = art278(matter, units, &votes);
            t.owners_split = Some(super::owners_split(units, &votes));
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
    fn a_ballot_number_reads_back_and_a_mistyped_digit_is_refused() {
        for n in [1, 7, 42, 999, 1234, 98_765] {
            let code = ballot_code(n);
            assert_eq!(parse_ballot_code(&code), Ok(n), "{code}");
            // Every single wrong digit and every swap of two neighbours is refused.
            let digits: Vec<char> = code.chars().filter(|c| c.is_ascii_digit()).collect();
            for i in 0..digits.len() {
                for d in '0'..='9' {
                    if d == digits[i] {
                        continue;
                    }
                    let mut t = digits.clone();
                    t[i] = d;
                    let typed: String = t.iter().collect();
                    assert!(
                        parse_ballot_code(&typed).map_or(true, |m| m != n),
                        "{typed}"
                    );
                    assert!(parse_ballot_code(&typed).is_err(), "{typed} for {code}");
                }
                if i + 1 < digits.len() && digits[i] != digits[i + 1] {
                    let mut t = digits.clone();
                    t.swap(i, i + 1);
                    let typed: String = t.iter().collect();
                    // Luhn misses only the swap of 0 and 9.
                    if !matches!((digits[i], digits[i + 1]), ('0', '9') | ('9', '0')) {
                        assert!(parse_ballot_code(&typed).is_err(), "{typed} for {code}");
                    }
                }
            }
        }
        assert_eq!(ballot_code(7), "0007-5");
        assert_eq!(parse_ballot_code(" ０００７－５ "), Ok(7));
        for bad in ["", "7", "0000-0", "abc", "0007-4", "12345678901234"] {
            assert_eq!(
                parse_ballot_code(bad),
                Err(BallotError::BallotNoBad),
                "{bad}"
            );
        }
    }

    #[test]
    fn one_owner_ballot_carries_all_their_units() {
        let unit = |id: i64, area: i64, owner: &str, developer: bool| Unit {
            unit_id: id,
            area,
            owner_key: owner.into(),
            developer,
        };
        // a owns three units (300 m²), b and c one each; the developer two unsold ones.
        let units = vec![
            unit(1, 10_000, "a", false),
            unit(2, 10_000, "a", false),
            unit(3, 10_000, "a", false),
            unit(4, 10_000, "b", false),
            unit(5, 10_000, "c", false),
            unit(6, 10_000, "x", true),
            unit(7, 10_000, "y", true),
        ];
        let ballots = vec![
            (Some("o:a".to_string()), "yes".to_string()),
            (Some("o:b".to_string()), "no".to_string()),
            (Some("o:developer".to_string()), "abstain".to_string()),
        ];
        let t = tally(Method::Owners, Matter::Ordinary, 0, &ballots, &units);
        let a = t.art278.unwrap();
        assert_eq!((a.total_owners, a.total_area), (4, 70_000));
        assert_eq!((a.voting_owners, a.voting_area), (3, 60_000));
        assert_eq!((a.yes_owners, a.yes_area), (1, 30_000));
        assert_eq!(t.cast, 3, "three ballots, one per owner");
        let split = t.owners_split.unwrap();
        assert_eq!(
            (
                split.no_owners,
                split.no_area,
                split.abstain_owners,
                split.abstain_area
            ),
            (1, 10_000, 1, 20_000)
        );
        // Half the area says yes, a third of the owners: not passed.
        assert!(!t.passed);
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
