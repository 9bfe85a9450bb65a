//! The store: one `Db` over SQLite or PostgreSQL, chosen from the URL scheme, with the
//! same SQL run on either pool. One module per domain area; every list takes a limit
//! and offset, and every read that concerns community data takes the caller's region
//! bounds from the app layer.

pub mod accounts;
pub mod audit;
pub mod clock;
pub mod clubs;
mod db;
pub mod deliberation;
pub mod files;
pub mod grants;
pub mod imports;
pub mod jobs;
pub mod money;
pub mod notifications;
pub mod organizations;
pub mod regions;
pub mod search;
pub mod throttle;
pub mod waiting;

pub use db::{Backend, Db, Tx, is_unique_violation};

#[doc(hidden)]
pub use tracing as __tracing;

/// Result of a store call.
pub type StoreResult<T> = Result<T, sqlx::Error>;

/// A page of rows with how many match in all, read in one statement: the list's query
/// selects `COUNT(*) OVER () AS total` beside its columns.
#[derive(sqlx::FromRow)]
pub struct Counted<T> {
    #[sqlx(flatten)]
    pub row: T,
    pub total: i64,
}

impl<T> Counted<T> {
    /// The rows and the total; `None` when the page came back empty (past the last page
    /// the window has no row to ride on, so the caller counts apart, only then).
    pub fn split(rows: Vec<Counted<T>>) -> (Vec<T>, Option<i64>) {
        let total = rows.first().map(|r| r.total);
        (rows.into_iter().map(|r| r.row).collect(), total)
    }
}

/// Reads a stored word (a status) into its enum; a word the code does not know is a decode
/// error, as it is for a row field marked `#[sqlx(try_from = "String")]`.
pub fn word<T>(s: String) -> StoreResult<T>
where
    T: TryFrom<String, Error = linli_domain::status::UnknownWord>,
{
    T::try_from(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Runs `$body` with `$p` bound to the pool of whichever backend `$db` uses. The body is
/// compiled once per backend, so the SQL must be in the dialect both accept. Each call
/// runs in a `store` span (debug level) naming where it was made; its parent is the
/// request's span, which names the user and the region.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($p) => $crate::traced!(async { Ok::<_, sqlx::Error>($body) }),
            $crate::Db::Postgres($p) => $crate::traced!(async { Ok::<_, sqlx::Error>($body) }),
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of an open transaction.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $crate::traced!(async { Ok::<_, sqlx::Error>($body) })
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $crate::traced!(async { Ok::<_, sqlx::Error>($body) })
            }
        }
    };
}

/// Awaits a store call inside its span. The body is wrapped in `Ok` so that a `?` inside
/// it still leaves the enclosing function, as it did before the span.
#[doc(hidden)]
#[macro_export]
macro_rules! traced {
    ($fut:expr) => {
        $crate::__tracing::Instrument::instrument(
            $fut,
            $crate::__tracing::debug_span!("store", at = concat!(module_path!(), ":", line!())),
        )
        .await?
    };
}
