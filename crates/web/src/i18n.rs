//! Message catalogues, one per language (`locales/zh-CN.txt`, `locales/en.txt`), in
//! lines of `key = text`. Every string a user sees comes from here; a unit test checks
//! that both catalogues hold the same keys.

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

const ZH: &str = include_str!("../locales/zh-CN.txt");
const EN: &str = include_str!("../locales/en.txt");

/// A parsed catalogue.
pub type Catalog = HashMap<String, String>;

/// Both catalogues, parsed once.
#[derive(Clone)]
pub struct Catalogs {
    zh: Arc<Catalog>,
    en: Arc<Catalog>,
}

pub fn parse(src: &str) -> Catalog {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

impl Catalogs {
    pub fn load() -> Self {
        Self {
            zh: Arc::new(parse(ZH)),
            en: Arc::new(parse(EN)),
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
        for src in [ZH, EN] {
            let mut seen = BTreeSet::new();
            let twice: Vec<&str> = src
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
                .filter(|k| !seen.insert(*k))
                .collect();
            assert!(twice.is_empty(), "defined twice: {twice:?}");
        }
    }

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        let zh: BTreeSet<_> = parse(ZH).into_keys().collect();
        let en: BTreeSet<_> = parse(EN).into_keys().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh only: {only_zh:?}; en only: {only_en:?}"
        );
    }

    #[test]
    fn every_template_key_is_in_the_catalogue() {
        let zh = parse(ZH);
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
            for part in s.split("l.t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                if !zh.contains_key(key) {
                    missing.push(format!("{}: {key}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn english_first_in_accept_language_picks_english() {
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
    }
}
