//! Money: amounts in integer fen (分), the chart of accounts every ledger starts with,
//! balanced double entries, transaction dates, and the hash chain that makes a ledger
//! tamper-evident.

use crate::DomainError;
use blake2::{Blake2s256, Digest};
use serde::{Deserialize, Serialize};

crate::str_enum! {
    /// A grant's way: applied → approved (or rejected) → disbursed → closed (its report filed).
    pub enum GrantStatus {
        Applied = "applied",
        Approved = "approved",
        Rejected = "rejected",
        Disbursed = "disbursed",
        Closed = "closed",
    }
}

impl GrantStatus {
    /// The steps a grant that goes well walks through, for its progress bar.
    pub const STEPS: [GrantStatus; 4] =
        [Self::Applied, Self::Approved, Self::Disbursed, Self::Closed];
}

crate::str_enum! {
    /// A reimbursement claim: filed → approved (or rejected) → paid.
    pub enum ClaimStatus {
        Filed = "filed",
        Approved = "approved",
        Rejected = "rejected",
        Paid = "paid",
    }
}

/// An amount in fen (1 yuan = 100 fen). Never floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// The largest single amount accepted: 100 million yuan.
const MAX_FEN: i64 = 10_000_000_000;

impl Fen {
    /// A positive amount typed in yuan: `12`, `12.5`, `12.50`, `1,200.00`, `¥30`.
    /// Refuses negatives, zero, more than two decimals and anything not a number.
    pub fn parse_yuan(raw: &str) -> Result<Self, DomainError> {
        let s: String = raw
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let has_point = s.contains('.');
        if !digits(int) || frac.len() > 2 || (has_point && !digits(frac)) || int.len() > 12 {
            return Err(DomainError::InvalidAmount);
        }
        let yuan: i64 = int.parse().map_err(|_| DomainError::InvalidAmount)?;
        let fen: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| DomainError::InvalidAmount)?;
        Self::positive(yuan * 100 + fen)
    }

    /// A positive amount given in fen (API clients send integers).
    pub fn positive(fen: i64) -> Result<Self, DomainError> {
        if fen <= 0 || fen > MAX_FEN {
            return Err(DomainError::InvalidAmount);
        }
        Ok(Self(fen))
    }

    /// `1,234.50` (no currency sign; negative with a leading minus).
    pub fn display(self) -> String {
        display_fen(self.0)
    }
}

/// Formats fen as yuan with thousands separators: `-1,234.50`.
pub fn display_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let int = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

/// What an account records, which decides its normal side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Liability => "liability",
            Self::Equity => "equity",
            Self::Income => "income",
            Self::Expense => "expense",
        }
    }

    /// Entries are stored debit-positive; income, liabilities and equity grow on the
    /// credit side, so their balance is shown negated.
    pub fn shown(self, debit_sum: i64) -> i64 {
        match self {
            Self::Asset | Self::Expense => debit_sum,
            _ => -debit_sum,
        }
    }
}

/// The chart of accounts every ledger starts with: codes are stable identifiers, names
/// come from the message catalogues (`account.<code>`).
pub const CHART: &[(&str, AccountKind)] = &[
    ("cash", AccountKind::Asset),
    ("bank", AccountKind::Asset),
    ("wallet", AccountKind::Asset),
    ("receivable", AccountKind::Asset),
    ("payable", AccountKind::Liability),
    ("opening", AccountKind::Equity),
    ("income_grants", AccountKind::Income),
    ("income_donations", AccountKind::Income),
    ("income_fees", AccountKind::Income),
    ("income_other", AccountKind::Income),
    ("expense_activities", AccountKind::Expense),
    ("expense_materials", AccountKind::Expense),
    ("expense_venue", AccountKind::Expense),
    ("expense_food", AccountKind::Expense),
    ("expense_transport", AccountKind::Expense),
    ("expense_grants", AccountKind::Expense),
    ("expense_other", AccountKind::Expense),
];

/// The kind of an account code of the chart.
pub fn account_kind(code: &str) -> Result<AccountKind, DomainError> {
    CHART
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, k)| *k)
        .ok_or(DomainError::UnknownAccount)
}

/// Accounts that hold money (where payments come from and go to).
pub fn is_money_account(code: &str) -> bool {
    matches!(code, "cash" | "bank" | "wallet")
}

/// One line of a transaction: debit positive, credit negative, never zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub account: String,
    pub amount: i64,
}

/// Entries that sum to zero, at least two, every account in the chart, none zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balanced(Vec<Entry>);

impl Balanced {
    pub fn new(entries: Vec<Entry>) -> Result<Self, DomainError> {
        if entries.len() < 2 || entries.iter().any(|e| e.amount == 0) {
            return Err(DomainError::Unbalanced);
        }
        for e in &entries {
            account_kind(&e.account)?;
            if e.amount.abs() > MAX_FEN {
                return Err(DomainError::InvalidAmount);
            }
        }
        if entries.iter().map(|e| e.amount).sum::<i64>() != 0 {
            return Err(DomainError::Unbalanced);
        }
        // Both sides on one account (cash to cash) would put a transaction in the public
        // ledger that moves nothing: every account must net to something or be absent.
        let mut net: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for e in &entries {
            *net.entry(e.account.as_str()).or_default() += e.amount;
        }
        if net.values().all(|n| *n == 0) {
            return Err(DomainError::MovesNothing);
        }
        Ok(Self(entries))
    }

    /// A two-line transaction: `amount` debited to `debit`, credited to `credit`.
    pub fn pair(debit: &str, credit: &str, amount: Fen) -> Result<Self, DomainError> {
        Self::new(vec![
            Entry {
                account: debit.into(),
                amount: amount.0,
            },
            Entry {
                account: credit.into(),
                amount: -amount.0,
            },
        ])
    }

    pub fn entries(&self) -> &[Entry] {
        &self.0
    }

    /// The same transaction with every line on the other side (a correction).
    pub fn reversed(&self) -> Self {
        Self(
            self.0
                .iter()
                .map(|e| Entry {
                    account: e.account.clone(),
                    amount: -e.amount,
                })
                .collect(),
        )
    }

    /// Whether any line takes money out of cash, bank or WeChat/Alipay.
    pub fn moves_money_out(&self) -> bool {
        self.0
            .iter()
            .any(|e| e.amount < 0 && is_money_account(&e.account))
    }

    /// Whether any line debits an expense account (such postings need a voucher).
    pub fn debits_expense(&self) -> bool {
        self.0
            .iter()
            .any(|e| e.amount > 0 && account_kind(&e.account) == Ok(AccountKind::Expense))
    }
}

/// BLAKE2s-256 of a file, hex: stored with each voucher and covered by the chain.
pub fn digest(data: &[u8]) -> String {
    Blake2s256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A calendar date in Asia/Shanghai, `2026-11-25`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Day(String);

impl Day {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| DomainError::InvalidDate)?;
        if !(2000..=2100).contains(&chrono::Datelike::year(&d)) {
            return Err(DomainError::InvalidDate);
        }
        Ok(Self(d.format("%Y-%m-%d").to_string()))
    }

    /// The Asia/Shanghai day of instant `at` (pass the app clock's now for "today").
    pub fn of(at: crate::time::EpochMs) -> Self {
        Self(
            crate::time::shanghai_date(at)
                .format("%Y-%m-%d")
                .to_string(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A month `2026-11` and its date bounds `[first day, first day of next month)`.
pub fn month_bounds(raw: &str) -> Result<(String, String), DomainError> {
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d")
        .map_err(|_| DomainError::InvalidMonth)?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or(DomainError::InvalidMonth)?;
    Ok((
        first.format("%Y-%m-%d").to_string(),
        next.format("%Y-%m-%d").to_string(),
    ))
}

/// A period given by its first and last day (inclusive), as bounds `[from, to + 1 day)`.
/// At most ten years, and not backwards.
pub fn period_bounds(from: &str, to: &str) -> Result<(String, String), DomainError> {
    let (a, b) = (Day::parse(from)?, Day::parse(to)?);
    let parse = |d: &Day| {
        chrono::NaiveDate::parse_from_str(d.as_str(), "%Y-%m-%d")
            .map_err(|_| DomainError::InvalidDate)
    };
    let (a, b) = (parse(&a)?, parse(&b)?);
    if b < a || (b - a).num_days() > 3660 {
        return Err(DomainError::InvalidDate);
    }
    let end = b.succ_opt().ok_or(DomainError::InvalidDate)?;
    Ok((
        a.format("%Y-%m-%d").to_string(),
        end.format("%Y-%m-%d").to_string(),
    ))
}

/// What the hash of a transaction covers: everything that makes it what it is.
pub struct ChainLink<'a> {
    pub prev_hash: &'a str,
    pub ledger_id: i64,
    pub seq: i64,
    pub occurred_on: &'a str,
    pub kind: &'a str,
    pub memo: &'a str,
    pub reverses_id: Option<i64>,
    pub voucher_id: Option<i64>,
    /// The digest of the voucher file, so a swapped receipt breaks the chain too.
    pub voucher_digest: Option<&'a str>,
    pub created_by: i64,
    pub posted_at: i64,
    /// (account code, amount) in the order stored.
    pub entries: &'a [(String, i64)],
}

impl ChainLink<'_> {
    /// BLAKE2s-256 over a canonical, length-prefixed encoding of the link, hex.
    pub fn hash(&self) -> String {
        let mut h = Blake2s256::new();
        let mut field = |s: &str| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        field(self.prev_hash);
        field(&self.ledger_id.to_string());
        field(&self.seq.to_string());
        field(self.occurred_on);
        field(self.kind);
        field(self.memo);
        field(&format!("{:?}", self.reverses_id));
        field(&format!("{:?}", self.voucher_id));
        field(self.voucher_digest.unwrap_or(""));
        field(&self.created_by.to_string());
        field(&self.posted_at.to_string());
        for (code, amount) in self.entries {
            field(code);
            field(&amount.to_string());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_amounts_become_exact_fen() {
        assert_eq!(Fen::parse_yuan("12").unwrap(), Fen(1200));
        assert_eq!(Fen::parse_yuan("12.5").unwrap(), Fen(1250));
        assert_eq!(Fen::parse_yuan("¥1,200.05").unwrap(), Fen(120005));
        assert_eq!(Fen::parse_yuan("0.01").unwrap(), Fen(1));
        for bad in [
            "-5", "0", "0.00", "1.234", "abc", "", "1e3", "12.", ".5", "1.-5",
        ] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(display_fen(123456789), "1,234,567.89");
        assert_eq!(display_fen(-5), "-0.05");
    }

    #[test]
    fn entries_must_balance() {
        let e = |a: &str, n: i64| Entry {
            account: a.into(),
            amount: n,
        };
        assert!(Balanced::new(vec![e("cash", 100), e("income_fees", -100)]).is_ok());
        assert_eq!(
            Balanced::new(vec![e("cash", 100), e("income_fees", -99)]),
            Err(DomainError::Unbalanced)
        );
        assert_eq!(
            Balanced::new(vec![e("cash", 100)]),
            Err(DomainError::Unbalanced)
        );
        assert_eq!(
            Balanced::new(vec![e("cash", 0), e("bank", 0)]),
            Err(DomainError::Unbalanced)
        );
        assert_eq!(
            Balanced::new(vec![e("gold", 1), e("cash", -1)]),
            Err(DomainError::UnknownAccount)
        );
        let t = Balanced::pair("expense_food", "cash", Fen(500)).unwrap();
        assert!(t.debits_expense());
        assert!(!t.reversed().debits_expense());
    }

    #[test]
    fn periods_include_their_last_day() {
        assert_eq!(
            period_bounds("2026-01-01", "2026-03-31").unwrap(),
            ("2026-01-01".into(), "2026-04-01".into())
        );
        assert!(period_bounds("2026-03-01", "2026-01-01").is_err());
    }

    #[test]
    fn months_and_days_are_checked() {
        assert_eq!(
            month_bounds("2026-12").unwrap(),
            ("2026-12-01".into(), "2027-01-01".into())
        );
        assert!(month_bounds("2026-13").is_err());
        assert!(Day::parse("2026-02-30").is_err());
        assert_eq!(Day::parse("2026-02-28").unwrap().as_str(), "2026-02-28");
    }

    fn link<'a>(prev: &'a str, memo: &'a str, entries: &'a [(String, i64)]) -> ChainLink<'a> {
        ChainLink {
            prev_hash: prev,
            ledger_id: 1,
            seq: 1,
            occurred_on: "2026-11-25",
            kind: "manual",
            memo,
            reverses_id: None,
            voucher_id: None,
            voucher_digest: None,
            created_by: 1,
            posted_at: 0,
            entries,
        }
    }

    proptest! {
        /// Changing any amount changes the hash, so an edited row is detected.
        #[test]
        fn any_change_of_an_amount_changes_the_hash(a in 1i64..1_000_000, d in 1i64..1000) {
            let e1 = vec![("cash".to_string(), a), ("income_fees".to_string(), -a)];
            let e2 = vec![("cash".to_string(), a + d), ("income_fees".to_string(), -a - d)];
            prop_assert_ne!(link("", "x", &e1).hash(), link("", "x", &e2).hash());
        }

        /// Fields cannot be shifted into each other without changing the hash.
        #[test]
        fn field_boundaries_matter(m in "[a-z]{0,6}") {
            let e = vec![("cash".to_string(), 1), ("bank".to_string(), -1)];
            let a = link("ab", &m, &e).hash();
            let joined = format!("b{m}");
            prop_assert_ne!(a, link("a", &joined, &e).hash());
        }
    }
}
