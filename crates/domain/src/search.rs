//! Chinese search: text → weighted terms, and a query → the terms to look up.
//!
//! Text is cut into *runs* of units with no space or punctuation between them; a unit
//! is one Han character or one Latin/digit token (lowercased, full-width folded, so
//! `３号楼` and `3号楼` agree). Three kinds of term are indexed:
//! - every unit on its own (`停`, `车`, `3`, `wifi`), so a one-character query works;
//! - every pair of neighbouring units in a run (`停车`, `车难`, `3号`, `号楼`), so any
//!   part of a word or a name is found without knowing where words end;
//! - the words jieba (its built-in dictionary) finds, which adds weight to a pair that
//!   is a real word (`理发` in 理发店, not in 管理发票) and indexes longer words whole
//!   (`广场舞`).
//!
//! A query must match most of its pairs (all of them when it has one or two), so 停车
//! finds 小区停车难 but 理发 does not rank 管理发票 above a barber's; words of the query
//! only add to the score. Title terms weigh three times body terms. There are no
//! positions: two pairs far apart match like two pairs side by side, which is why
//! ranking, not matching, separates them.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Longest query accepted, in characters.
pub const QUERY_MAX: usize = 50;
/// Latin or digit tokens are cut to this many characters.
const TOKEN_MAX: usize = 32;
/// Body text indexed, in characters (the rest is not searched).
pub const BODY_MAX: usize = 5000;

/// Weight of a unit, a pair and a dictionary word, per occurrence (at most `CAP`).
const UNIT: i64 = 1;
const PAIR: i64 = 2;
const WORD: i64 = 3;
const CAP: i64 = 3;
const TITLE: i64 = 3;
const BODY: i64 = 1;

static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// Loads the dictionary now (it takes a moment), e.g. at start-up rather than on the
/// first search.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// What kind of thing a search document is; each area registers its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An issue (议题), `issues.id`.
    Issue,
    /// An organization, clubs included, `organizations.id`.
    Org,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Issue, Kind::Org];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Org => "org",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, SearchError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(SearchError::UnknownKind)
    }
}

/// Why a query was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("search_query_empty")]
    Empty,
    #[error("search_query_too_long")]
    TooLong,
    #[error("search_query_control")]
    Control,
    #[error("search_kind_unknown")]
    UnknownKind,
}

impl SearchError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "search_query_empty",
            Self::TooLong => "search_query_too_long",
            Self::Control => "search_query_control",
            Self::UnknownKind => "search_kind_unknown",
        }
    }
}

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}' | '\u{30000}'..='\u{3134F}' | '〇')
}

/// One character as it is compared: full-width ASCII folded, lowercased when that
/// stays one character (so positions in the folded text are positions in the text).
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// The runs of units of a text.
fn runs(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut token = String::new();
    let flush_token = |token: &mut String, run: &mut Vec<String>| {
        if !token.is_empty() {
            run.push(token.chars().take(TOKEN_MAX).collect());
            token.clear();
        }
    };
    for c in text.chars().map(fold) {
        if is_han(c) {
            flush_token(&mut token, &mut run);
            run.push(c.to_string());
        } else if c.is_alphanumeric() {
            token.push(c);
        } else {
            flush_token(&mut token, &mut run);
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
        }
    }
    flush_token(&mut token, &mut run);
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// Dictionary words of two Han characters or more.
fn words(text: &str) -> Vec<String> {
    let folded: String = text.chars().map(fold).collect();
    JIEBA
        .cut_for_search(&folded, true)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| w.chars().count() >= 2 && w.chars().all(is_han))
        .map(str::to_string)
        .collect()
}

/// The weighted terms of a document, sorted by term. The body counts up to `BODY_MAX`
/// characters.
pub fn doc_terms(title: &str, body: &str) -> Vec<(String, i64)> {
    let body: String = body.chars().take(BODY_MAX).collect();
    let mut total: HashMap<String, i64> = HashMap::new();
    for (text, factor) in [(title, TITLE), (body.as_str(), BODY)] {
        let mut seen: HashMap<(String, i64), i64> = HashMap::new();
        let mut add = |term: String, base: i64| *seen.entry((term, base)).or_default() += 1;
        for run in runs(text) {
            for u in &run {
                add(u.clone(), UNIT);
            }
            for pair in run.windows(2) {
                add(pair.concat(), PAIR);
            }
        }
        for w in words(text) {
            add(w, WORD);
        }
        for ((term, base), n) in seen {
            *total.entry(term).or_default() += factor * base * n.min(CAP);
        }
    }
    let mut v: Vec<(String, i64)> = total.into_iter().collect();
    v.sort();
    v
}

/// A query, parsed: the terms a document must mostly hold and the terms that only add
/// to its score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The query as typed, trimmed.
    pub text: String,
    /// Pairs of each run (a run of one unit: the unit).
    pub must: Vec<String>,
    /// Dictionary words of three characters or more (two-character ones are pairs).
    pub boost: Vec<String>,
    /// How many of `must` a document needs: all of one or two, three in five beyond.
    pub required: usize,
}

impl Query {
    /// Every term to look up.
    pub fn terms(&self) -> Vec<String> {
        let mut v: Vec<String> = self.must.iter().chain(&self.boost).cloned().collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Parses what a person typed: trimmed, at most `QUERY_MAX` characters, no control
/// characters, and at least one letter, digit or Han character.
pub fn parse_query(raw: &str) -> Result<Query, SearchError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(SearchError::Empty);
    }
    if text.chars().count() > QUERY_MAX {
        return Err(SearchError::TooLong);
    }
    if crate::text::has_control(text) {
        return Err(SearchError::Control);
    }
    let mut must: Vec<String> = Vec::new();
    for run in runs(text) {
        if run.len() == 1 {
            must.push(run[0].clone());
        } else {
            must.extend(run.windows(2).map(|p| p.concat()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    must.retain(|t| seen.insert(t.clone()));
    if must.is_empty() {
        return Err(SearchError::Empty);
    }
    let mut boost: Vec<String> = words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 3)
        .collect();
    boost.sort();
    boost.dedup();
    let n = must.len();
    let required = if n <= 2 { n } else { (n * 3).div_ceil(5) };
    Ok(Query {
        text: text.to_string(),
        must,
        boost,
        required,
    })
}

/// A piece of text around the first match, split so the match can be marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Excerpt {
    pub before: String,
    pub hit: String,
    pub after: String,
}

/// About `width` characters of `text` around the longest run of touching matches of
/// `terms` (the earliest of equal length), so 3号 + 号楼 mark 3号楼 and 广场舞 is
/// preferred to an earlier 广场; the start of the text when none occurs. "…" marks a cut.
pub fn excerpt(text: &str, terms: &[String], width: usize) -> Excerpt {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars.iter().copied().map(fold).collect();
    let terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.chars().collect::<Vec<char>>())
        .filter(|t| !t.is_empty())
        .collect();
    let at_pos = |q: usize, t: &[char]| q + t.len() <= folded.len() && folded[q..q + t.len()] == *t;
    // The end of the span of touching matches that starts at `start`.
    let grow = |start: usize, mut end: usize| {
        let mut grown = true;
        while grown {
            grown = false;
            for t in &terms {
                for q in start..=end.min(folded.len()) {
                    if q + t.len() > end && at_pos(q, t) {
                        end = q + t.len();
                        grown = true;
                    }
                }
            }
        }
        end
    };
    let mut best: Option<(usize, usize)> = None;
    for q in 0..folded.len() {
        let Some(first) = terms.iter().filter(|t| at_pos(q, t)).map(Vec::len).max() else {
            continue;
        };
        let end = grow(q, q + first);
        if best.is_none_or(|(b, l)| end - q > l || (end - q == l && q < b)) {
            best = Some((q, end - q));
        }
    }
    let s = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let Some((at, len)) = best else {
        let end = chars.len().min(width);
        let mut before = s(0, end);
        if end < chars.len() {
            before.push('…');
        }
        return Excerpt {
            before,
            hit: String::new(),
            after: String::new(),
        };
    };
    let lead = width / 4;
    let start = at.saturating_sub(lead);
    let end = chars.len().min((start + width).max(at + len));
    let mut before = s(start, at);
    if start > 0 {
        before.insert(0, '…');
    }
    let mut after = s(at + len, end);
    if end < chars.len() {
        after.push('…');
    }
    Excerpt {
        before,
        hit: s(at, at + len),
        after,
    }
}

/// All of `text`, split around its longest run of matches (for titles).
pub fn mark(text: &str, terms: &[String]) -> Excerpt {
    excerpt(text, terms, usize::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(terms: &[(String, i64)], t: &str) -> Option<i64> {
        terms.iter().find(|(x, _)| x == t).map(|(_, w)| *w)
    }

    /// Whether a document holds enough of the query's pairs, as the SQL decides.
    fn matches(title: &str, body: &str, q: &str) -> bool {
        let terms = doc_terms(title, body);
        let q = parse_query(q).unwrap();
        q.must.iter().filter(|t| has(&terms, t).is_some()).count() >= q.required
    }

    #[test]
    fn part_of_a_title_finds_it() {
        assert!(matches("小区停车难", "", "停车"));
        assert!(matches("小区停车难", "", "停车难"));
        assert!(!matches("小区停车难", "", "停电"));
    }

    #[test]
    fn a_club_is_found_by_a_word_of_its_description() {
        assert!(matches(
            "夕阳红舞蹈队",
            "每天傍晚在中心广场跳广场舞",
            "广场舞"
        ));
        assert!(matches("夕阳红舞蹈队", "每天傍晚在中心广场跳广场舞", "舞"));
    }

    #[test]
    fn numbers_latin_and_full_width_work() {
        assert!(matches("3号楼电梯坏了", "", "3号楼"));
        assert!(matches("３号楼电梯坏了", "", "3号楼"));
        assert!(!matches("13号楼电梯坏了", "", "3号楼"));
        assert!(matches("WiFi 信号差", "", "wifi"));
        assert!(matches("AA制读书会", "", "aa"));
        assert!(matches("Reading club", "we read books", "READING books"));
    }

    #[test]
    fn a_title_weighs_more_than_a_body() {
        let t = doc_terms("停车", "");
        let b = doc_terms("", "停车");
        assert!(has(&t, "停车").unwrap() > has(&b, "停车").unwrap());
    }

    #[test]
    fn a_real_word_outweighs_a_pair_across_words() {
        let barber = doc_terms("", "楼下新开了理发店");
        let invoice = doc_terms("", "物业管理发票");
        assert!(has(&barber, "理发").unwrap() > has(&invoice, "理发").unwrap_or(0));
    }

    #[test]
    fn repetition_is_capped() {
        let once = has(&doc_terms("", "停车"), "停车").unwrap();
        let many = has(&doc_terms("", &"停车，".repeat(50)), "停车").unwrap();
        assert!(many <= once * CAP);
    }

    #[test]
    fn long_queries_need_most_pairs_not_all() {
        let q = parse_query("小区停车收费").unwrap();
        assert_eq!(q.must.len(), 5);
        assert_eq!(q.required, 3);
        assert!(matches("小区停车难", "", "小区停车收费"));
        assert_eq!(parse_query("广场舞").unwrap().required, 2);
    }

    #[test]
    fn bad_queries_are_refused() {
        assert_eq!(parse_query("   "), Err(SearchError::Empty));
        assert_eq!(parse_query("！？。"), Err(SearchError::Empty));
        assert_eq!(parse_query(&"停".repeat(51)), Err(SearchError::TooLong));
        assert!(parse_query(&"停".repeat(50)).is_ok());
        assert_eq!(parse_query("停\u{0}车"), Err(SearchError::Control));
    }

    #[test]
    fn the_excerpt_marks_the_first_match() {
        let e = excerpt(
            "这是一段很长的说明文字，讲到停车难的问题",
            &["停车".into()],
            12,
        );
        assert_eq!(e.hit, "停车");
        assert!(e.before.starts_with('…') && e.before.ends_with("讲到"));
        let none = excerpt("没有匹配", &["停车".into()], 2);
        assert_eq!(none.before, "没有…");
        let latin = excerpt("Free WiFi here", &["wifi".into()], 40);
        assert_eq!(latin.hit, "WiFi");
        let q = parse_query("3号楼").unwrap();
        assert_eq!(excerpt("门口：3号楼前", &q.terms(), 40).hit, "3号楼");
        let q = parse_query("广场舞").unwrap();
        assert_eq!(excerpt("在中心广场跳广场舞", &q.terms(), 40).hit, "广场舞");
        let q = parse_query("停车").unwrap();
        let m = mark("小区停车难", &q.terms());
        assert_eq!(
            (m.before.as_str(), m.hit.as_str(), m.after.as_str()),
            ("小区", "停车", "难")
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(Kind::parse("x"), Err(SearchError::UnknownKind));
    }
}
