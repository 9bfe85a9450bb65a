//! Search across areas (kernel): areas register their documents here, inside the
//! transaction of the write that creates or changes them, and readers search what they
//! may read.
//!
//! An area registers a kind (`domain::search::Kind`), calls `index` when a document is
//! created or its text changes and `remove` when it must no longer be found, and adds
//! its source to `sources` so `rebuild` (the demo, `linli reindex`) can read it back.
//! A document belongs to a region node; whoever reads the node (`Actor::read_scopes`,
//! the rule issues and organizations apply when they are opened) finds it.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::regions::RegionPath;
use linli_domain::search::{self as d, Kind, SearchError};
use linli_store::search::{self as st, Lookup, NewDoc, SourceDoc};
use linli_store::{Db, Tx};

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        AppError::Invalid(e.code())
    }
}

/// Characters of a body kept with the document for showing excerpts.
const SNIPPET_MAX: usize = 500;
/// Characters of an excerpt shown with a result.
const EXCERPT_WIDTH: usize = 80;
/// Documents read and written per batch when rebuilding.
const BATCH: i64 = 500;

/// A document as an area registers it.
pub struct Doc<'a> {
    pub kind: Kind,
    pub ref_id: i64,
    pub region_id: i64,
    pub region_path: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub updated_at: i64,
}

fn new_doc(kind: Kind, s: SourceDoc) -> NewDoc {
    NewDoc {
        kind: kind.as_str(),
        ref_id: s.ref_id,
        region_id: s.region_id,
        terms: d::doc_terms(&s.title, &s.body),
        snippet: s.body.chars().take(SNIPPET_MAX).collect(),
        region_path: s.region_path,
        title: s.title,
        updated_at: s.updated_at,
    }
}

/// Adds or replaces a document, inside the caller's transaction: if the write rolls
/// back, so does the document.
pub async fn index(tx: &mut Tx, doc: Doc<'_>) -> AppResult<()> {
    let source = SourceDoc {
        ref_id: doc.ref_id,
        region_id: doc.region_id,
        region_path: doc.region_path.to_string(),
        title: doc.title.to_string(),
        body: doc.body.to_string(),
        updated_at: doc.updated_at,
    };
    st::upsert(tx, &[new_doc(doc.kind, source)]).await?;
    Ok(())
}

/// Removes a document (nothing happens if there was none), inside the caller's
/// transaction.
pub async fn remove(tx: &mut Tx, kind: Kind, ref_id: i64) -> AppResult<()> {
    st::remove(tx, kind.as_str(), ref_id).await?;
    Ok(())
}

/// Documents of `kind` with an id above `after`, read from their area's tables: the
/// one place each area's source is registered.
async fn sources(tx: &mut Tx, kind: Kind, after: i64) -> AppResult<Vec<SourceDoc>> {
    Ok(match kind {
        Kind::Issue => linli_store::deliberation::issues::search_sources(tx, after, BATCH).await?,
        Kind::Org => linli_store::organizations::search_sources(tx, after, BATCH).await?,
    })
}

/// Rebuilds the documents of one kind from their area's tables, in bulk, inside the
/// caller's transaction; `progress` hears the number done after each batch.
pub async fn rebuild_kind(
    tx: &mut Tx,
    kind: Kind,
    progress: &mut (dyn FnMut(Kind, usize) + Send),
) -> AppResult<usize> {
    st::clear_kind(tx, kind.as_str()).await?;
    let (mut after, mut done) = (0i64, 0usize);
    loop {
        let batch = sources(tx, kind, after).await?;
        let Some(last) = batch.last().map(|s| s.ref_id) else {
            break;
        };
        after = last;
        done += batch.len();
        let docs: Vec<NewDoc> = batch.into_iter().map(|s| new_doc(kind, s)).collect();
        st::upsert(tx, &docs).await?;
        progress(kind, done);
    }
    Ok(done)
}

/// Rebuilds the whole index in one transaction (for data that existed before search,
/// or after a change of segmentation): readers see the old index until it commits.
pub async fn rebuild(db: &Db, progress: &mut (dyn FnMut(Kind, usize) + Send)) -> AppResult<usize> {
    let mut tx = db.begin().await?;
    let mut n = 0;
    for kind in Kind::ALL {
        n += rebuild_kind(&mut tx, kind, progress).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// A result's text around the first match, split so the match can be marked.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Snippet {
    pub before: String,
    pub hit: String,
    pub after: String,
}

/// One result.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// `issue` or `org`.
    pub kind: String,
    /// The id of the issue or organization.
    pub ref_id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub title: String,
    /// The title split around its first match (all of it in `before` when none).
    pub title_marked: Snippet,
    /// The text around the first match in the body.
    pub snippet: Snippet,
    pub score: i64,
    /// The recency that breaks ties, as the area registers it (issues: raised;
    /// organizations: founded), UTC epoch ms.
    pub updated_at: i64,
}

/// A page of results.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Results {
    /// The query as understood (trimmed).
    pub query: String,
    pub hits: Vec<Hit>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Kinds from `issue,org` (empty: all).
pub fn parse_kinds(raw: Option<&str>) -> AppResult<Vec<Kind>> {
    let mut kinds = Vec::new();
    for part in raw.unwrap_or("").split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let k = Kind::parse(part)?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.is_empty() {
        kinds = Kind::ALL.to_vec();
    }
    Ok(kinds)
}

/// Searches what the actor may read: documents on nodes within their reading scopes,
/// of the given kinds, best first.
pub async fn search(
    db: &Db,
    actor: &Actor,
    raw: &str,
    kinds: &[Kind],
    page: Page,
) -> AppResult<Results> {
    let q = d::parse_query(raw)?;
    let scopes: Vec<(String, String)> = actor
        .read_scopes()
        .into_iter()
        .map(|s| RegionPath::from_stored(s).subtree_bounds())
        .collect();
    let mut results = Results {
        query: q.text.clone(),
        hits: vec![],
        total: 0,
        page: page.number,
        per_page: page.size,
    };
    let kinds: Vec<&str> = if kinds.is_empty() {
        Kind::ALL.iter().map(|k| k.as_str()).collect()
    } else {
        kinds.iter().map(|k| k.as_str()).collect()
    };
    if scopes.is_empty() {
        return Ok(results);
    }
    let terms = q.terms();
    let lookup = Lookup {
        terms: &terms,
        must: &q.must,
        required: q.required as i64,
        scopes: &scopes,
        kinds: &kinds,
        limit: page.size,
        offset: page.offset(),
    };
    let rows = st::query(db, &lookup).await?;
    results.total = match rows.first() {
        Some(r) => r.total,
        None if page.number > 1 => st::count(db, &lookup).await?,
        None => 0,
    };
    results.hits = rows
        .into_iter()
        .map(|r| {
            let text = if r.snippet.is_empty() {
                &r.title
            } else {
                &r.snippet
            };
            let e = d::excerpt(text, &terms, EXCERPT_WIDTH);
            let t = d::mark(&r.title, &terms);
            Hit {
                title_marked: Snippet {
                    before: t.before,
                    hit: t.hit,
                    after: t.after,
                },
                kind: r.kind,
                ref_id: r.ref_id,
                region_id: r.region_id,
                region_name: r.region_name,
                title: r.title,
                snippet: Snippet {
                    before: e.before,
                    hit: e.hit,
                    after: e.after,
                },
                score: r.score,
                updated_at: r.updated_at,
            }
        })
        .collect();
    Ok(results)
}
