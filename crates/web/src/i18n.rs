//! Message catalogues, one per language, in lines of `key = text`, kept as one file per
//! area and language (`locales/zh-CN/<area>.txt`, `locales/en/<area>.txt`) listed in
//! [`AREAS`] and merged at start; a key defined twice (in one file or across areas) is
//! refused. Every string a user sees comes from here; unit tests check that both
//! catalogues, and each area's pair of files, hold the same keys.

use std::collections::HashMap;
use std::sync::Arc;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for before anyone is known: the language cookie, else
    /// `Accept-Language`.
    pub fn of_request(headers: &axum::http::HeaderMap) -> Self {
        crate::cookies::cookie(headers, crate::cookies::LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_else(|| {
                Lang::from_accept(
                    headers
                        .get(axum::http::header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                )
            })
    }

    /// The language an `Accept-Language` header prefers, Chinese unless English comes first.
    pub fn from_accept(header: &str) -> Self {
        match header.split(',').next().map(str::trim) {
            Some(first) if first.starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

/// Every area's catalogue files: `(area, zh-CN text, en text)`. A new area adds
/// `locales/zh-CN/<area>.txt`, `locales/en/<area>.txt` and one line here.
pub const AREAS: &[(&str, &str, &str)] = &[
    (
        "core",
        include_str!("../locales/zh-CN/core.txt"),
        include_str!("../locales/en/core.txt"),
    ),
    (
        "money",
        include_str!("../locales/zh-CN/money.txt"),
        include_str!("../locales/en/money.txt"),
    ),
    (
        "clubs",
        include_str!("../locales/zh-CN/clubs.txt"),
        include_str!("../locales/en/clubs.txt"),
    ),
    (
        "deliberation",
        include_str!("../locales/zh-CN/deliberation.txt"),
        include_str!("../locales/en/deliberation.txt"),
    ),
    (
        "jobs",
        include_str!("../locales/zh-CN/jobs.txt"),
        include_str!("../locales/en/jobs.txt"),
    ),
    (
        "notifications",
        include_str!("../locales/zh-CN/notifications.txt"),
        include_str!("../locales/en/notifications.txt"),
    ),
    (
        "search",
        include_str!("../locales/zh-CN/search.txt"),
        include_str!("../locales/en/search.txt"),
    ),
];

/// A parsed catalogue.
pub type Catalog = HashMap<String, String>;

/// Both catalogues, parsed once.
#[derive(Clone)]
pub struct Catalogs {
    zh: Arc<Catalog>,
    en: Arc<Catalog>,
}

/// The `(key, text)` entries of one catalogue file, in order.
fn entries(src: &str) -> impl Iterator<Item = (&str, &str)> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

pub fn parse(src: &str) -> Catalog {
    entries(src)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Merges one language's area files (`(area, text)`) into one catalogue, or names every
/// key defined twice, with the areas defining it.
pub fn merge<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Catalog, String> {
    let mut cat = Catalog::new();
    let mut from: HashMap<&str, &str> = HashMap::new();
    let mut twice = vec![];
    for (area, src) in files {
        for (k, v) in entries(src) {
            if let Some(first) = from.insert(k, area) {
                twice.push(format!("{k} ({first}, {area})"));
            }
            cat.insert(k.to_string(), v.to_string());
        }
    }
    if twice.is_empty() {
        Ok(cat)
    } else {
        Err(format!("defined twice: {}", twice.join(", ")))
    }
}

/// One language's merged catalogue from [`AREAS`]; panics on a key defined twice.
fn merged(lang: Lang) -> Catalog {
    merged_from(lang, AREAS)
}

fn merged_from(lang: Lang, areas: &[(&str, &str, &str)]) -> Catalog {
    let files = areas.iter().map(|&(area, zh, en)| match lang {
        Lang::Zh => (area, zh),
        Lang::En => (area, en),
    });
    merge(files).unwrap_or_else(|e| panic!("catalogue {}: {e}", lang.code()))
}

impl Catalogs {
    pub fn load() -> Self {
        Self {
            zh: Arc::new(merged(Lang::Zh)),
            en: Arc::new(merged(Lang::En)),
        }
    }

    pub fn get(&self, lang: Lang) -> Arc<Catalog> {
        match lang {
            Lang::Zh => self.zh.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

/// Looks `key` up; a missing key shows itself so it is noticed, never a blank.
pub fn lookup<'a>(cat: &'a Catalog, key: &'a str) -> &'a str {
    cat.get(key).map(String::as_str).unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn no_key_is_defined_twice() {
        for lang in [Lang::Zh, Lang::En] {
            let files = AREAS.iter().map(|&(area, zh, en)| match lang {
                Lang::Zh => (area, zh),
                Lang::En => (area, en),
            });
            if let Err(e) = merge(files) {
                panic!("catalogue {}: {e}", lang.code());
            }
        }
    }

    #[test]
    fn a_key_defined_twice_is_refused() {
        let err = merge([("core", "a = 1\nb = 2"), ("money", "c = 3\nb = 4")]).unwrap_err();
        assert!(err.contains("b (core, money)"), "{err}");
        assert!(merge([("core", "a = 1\na = 2")]).is_err());
        let ok = merge([("core", "# c\na = 1"), ("money", "b = 2")]).unwrap();
        assert_eq!(ok.len(), 2);
    }

    #[test]
    #[should_panic(expected = "defined twice: a (core, money)")]
    fn loading_panics_on_a_key_defined_twice() {
        merged_from(Lang::En, &[("core", "", "a = 1"), ("money", "", "a = 2")]);
    }

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        let zh: BTreeSet<_> = merged(Lang::Zh).into_keys().collect();
        let en: BTreeSet<_> = merged(Lang::En).into_keys().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh only: {only_zh:?}; en only: {only_en:?}"
        );
    }

    #[test]
    fn each_area_file_has_an_english_twin_with_the_same_keys() {
        let dir = |lang: &str| {
            let path = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
            let mut names: Vec<String> = std::fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        let listed: Vec<String> = {
            let mut v: Vec<String> = AREAS.iter().map(|(a, _, _)| format!("{a}.txt")).collect();
            v.sort();
            v
        };
        assert_eq!(dir("zh-CN"), listed, "locales/zh-CN/ and AREAS differ");
        assert_eq!(dir("en"), listed, "locales/en/ and AREAS differ");
        for &(area, zh, en) in AREAS {
            let zh: BTreeSet<_> = parse(zh).into_keys().collect();
            let en: BTreeSet<_> = parse(en).into_keys().collect();
            let only_zh: Vec<_> = zh.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&zh).collect();
            assert!(
                only_zh.is_empty() && only_en.is_empty(),
                "{area}: zh only: {only_zh:?}; en only: {only_en:?}"
            );
        }
    }

    #[test]
    fn every_template_key_is_in_the_catalogue() {
        let zh = merged(Lang::Zh);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = vec![];
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let sub = std::path::Path::new(dir);
        for d in std::fs::read_dir(sub).unwrap() {
            let p = d.unwrap().path();
            if p.is_dir() {
                files.extend(std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()));
            }
        }
        for f in files.into_iter().filter(|p| p.is_file()) {
            let s = std::fs::read_to_string(&f).unwrap();
            for opener in ["l.t(\"", "l.tf(\"", "l.label(\""] {
                for part in s.split(opener).skip(1) {
                    let key = &part[..part.find('"').unwrap()];
                    if !zh.contains_key(key) {
                        missing.push(format!("{}: {key}", f.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    /// The audit page shows each action by its label: every action the app writes (a
    /// literal after `action:`, or given to the areas' `record` helpers) has one in both
    /// languages, so the page never shows a raw `audit_action.…` key.
    #[test]
    fn every_audit_action_has_a_label() {
        let (zh, en) = (merged(Lang::Zh), merged(Lang::En));
        let mut files = vec![];
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../app/src"
        ))];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let (mut actions, mut missing) = (BTreeSet::new(), vec![]);
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            let lines: Vec<&str> = src.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let t = line.trim_start();
                let window = if t.starts_with("action:") {
                    lines[i..(i + 4).min(lines.len())].join(" ")
                } else if t.starts_with("record(") || t.starts_with("record_member(") {
                    line.to_string()
                } else if (t.starts_with("\"grant.") || t.starts_with("\"org.member."))
                    && t.ends_with("\",")
                {
                    line.to_string()
                } else {
                    continue;
                };
                let window = window.split("region_id:").next().unwrap_or_default();
                for lit in window.split('"').skip(1).step_by(2) {
                    if lit.contains('.')
                        && lit
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
                    {
                        actions.insert(lit.to_string());
                    }
                }
            }
        }
        assert!(actions.len() > 40, "found only {actions:?}");
        for a in &actions {
            let key = format!("audit_action.{a}");
            if !zh.contains_key(&key) || !en.contains_key(&key) {
                missing.push(key);
            }
        }
        assert!(
            missing.is_empty(),
            "audit actions without a label: {missing:?}"
        );
    }

    /// English pages carry no Chinese punctuation: not in the English catalogue, and not
    /// in the templates (which take colons and list separators from `Layout::colon`,
    /// `label` and `sep`).
    #[test]
    fn english_pages_carry_no_chinese_punctuation() {
        const CJK: &[char] = &['：', '，', '、', '；', '（', '）', '。'];
        let en = merged(Lang::En);
        let bad: Vec<_> = en
            .iter()
            .filter(|(_, v)| v.contains(CJK))
            .map(|(k, _)| k.clone())
            .collect();
        assert!(
            bad.is_empty(),
            "Chinese punctuation in English messages: {bad:?}"
        );
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))];
        let mut in_templates = vec![];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    let s = std::fs::read_to_string(&p).unwrap();
                    for (n, line) in s.lines().enumerate() {
                        if line.contains(CJK) {
                            in_templates.push(format!("{}:{}", p.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            in_templates.is_empty(),
            "hard-coded Chinese punctuation: {in_templates:?}"
        );
    }

    /// The jobs page names every kind of job, and the notification settings every kind of
    /// notice, in both languages.
    #[test]
    fn every_job_and_notice_kind_has_a_label() {
        let (zh, en) = (merged(Lang::Zh), merged(Lang::En));
        let keys = linli_app::jobs::Kind::ALL
            .iter()
            .map(|k| format!("job_kind.{}", k.as_str()))
            .chain(
                linli_domain::notifications::NoticeKind::ALL
                    .iter()
                    .map(|k| format!("notice_kind.{}", k.as_str())),
            );
        let missing: Vec<String> = keys
            .filter(|k| !zh.contains_key(k) || !en.contains_key(k))
            .collect();
        assert!(missing.is_empty(), "no label: {missing:?}");
    }

    #[test]
    fn english_first_in_accept_language_picks_english() {
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
    }
}
