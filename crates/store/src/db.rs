//! Connecting, migrating and transactions, for both backends.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Which database a `Db` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so writers queue on
/// the database lock instead of failing at commit time.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// The pool's size: `LINLI_DB_POOL` if set (read when the pool is opened), else `default`
/// (8 SQLite connections, 16 PostgreSQL ones).
fn pool_size(default: u32) -> u32 {
    std::env::var("LINLI_DB_POOL")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=256).contains(n))
        .unwrap_or(default)
}

impl Db {
    /// Opens `url`: `sqlite://path` (created if missing, WAL mode) or `postgres://…`.
    ///
    /// On SQLite, `LINLI_SQLITE_SYNC` (read here, when the pool is opened: the server and
    /// every command open it once, at start-up) chooses `PRAGMA synchronous`: `normal` (the default) keeps every
    /// commit across a crash of the process but may lose the last commits on a power loss
    /// or an OS crash; `full` syncs the WAL at every commit, so commits also survive a
    /// power loss, at a cost per commit. sqlx's SQLite URL accepts no `synchronous`
    /// parameter (only mode, cache, immutable, vfs), hence an environment variable.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, true).await
    }

    /// Opens a database that must exist already: an SQLite file is never created (for the
    /// commands that read one: backup, verify-ledger, tally…).
    pub async fn connect_existing(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, false).await
    }

    async fn connect_with(url: &str, create: bool) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(pool_size(16))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let sync = sqlite_synchronous(std::env::var("LINLI_SQLITE_SYNC").ok().as_deref())
                .map_err(sqlx::Error::Configuration)?;
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sync)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .after_connect(|conn, _| Box::pin(async move { plan_stably(conn).await }))
                .max_connections(pool_size(8))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The migrations this build knows that the database has not applied yet (version and
    /// description), and how many it has applied; `None` if it holds no Linli schema at
    /// all (an empty database).
    pub async fn migration_status(&self) -> Result<Option<(i64, Vec<(i64, String)>)>, sqlx::Error> {
        let (migrator, applied): (sqlx::migrate::Migrator, Option<Vec<i64>>) = match self {
            Db::Sqlite(p) => {
                let has: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')")
                    .fetch_one(p).await?;
                let v = if has {
                    Some(
                        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                            .fetch_all(p)
                            .await?,
                    )
                } else {
                    None
                };
                (sqlx::migrate!("../../migrations/sqlite"), v)
            }
            Db::Postgres(p) => {
                let has: bool =
                    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                        .fetch_one(p)
                        .await?;
                let v = if has {
                    Some(
                        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                            .fetch_all(p)
                            .await?,
                    )
                } else {
                    None
                };
                (sqlx::migrate!("../../migrations/postgres"), v)
            }
        };
        let Some(applied) = applied.filter(|a| !a.is_empty()) else {
            return Ok(None);
        };
        let pending = migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| (m.version, m.description.to_string()))
            .collect();
        Ok(Some((applied.len() as i64, pending)))
    }

    /// Folds SQLite's write-ahead log into the database file (a clean stop leaves no
    /// `-wal` to lose or to mismatch a copied-back file); nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if let Db::Sqlite(p) = self {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// Applies the migrations of this backend's folder.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("../../migrations/sqlite").run(p).await,
            Db::Postgres(p) => sqlx::migrate!("../../migrations/postgres").run(p).await,
        }
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Begins a read-only transaction that sees one snapshot of the database, so a
    /// check that reads in several statements is not confused by writes in between.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN").await?),
            Db::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
    }

    /// SQLite's `PRAGMA synchronous` as a connection of the pool reports it (`"NORMAL"`,
    /// `"FULL"`, …), so start-up can print what is in force rather than what was asked;
    /// `None` on PostgreSQL.
    pub async fn sqlite_synchronous(&self) -> Result<Option<&'static str>, sqlx::Error> {
        match self {
            Db::Sqlite(p) => {
                let n: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(p)
                    .await?;
                Ok(Some(match n {
                    0 => "OFF",
                    1 => "NORMAL",
                    2 => "FULL",
                    3 => "EXTRA",
                    _ => "unknown",
                }))
            }
            Db::Postgres(_) => Ok(None),
        }
    }

    /// The database's size on disk in bytes (SQLite: pages × page size, the WAL aside;
    /// PostgreSQL: `pg_database_size`), for `/metrics`: receipts and photos live inside.
    pub async fn size_bytes(&self) -> Result<i64, sqlx::Error> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT CAST(page_count * page_size AS BIGINT) \
                     FROM pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(p)
                .await
            }
            Db::Postgres(p) => {
                sqlx::query_scalar("SELECT CAST(pg_database_size(current_database()) AS BIGINT)")
                    .fetch_one(p)
                    .await
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        let r: Result<i64, _> = match self {
            Db::Sqlite(p) => {
                sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
                    .fetch_one(p)
                    .await
            }
            Db::Postgres(p) => {
                sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
                    .fetch_one(p)
                    .await
            }
        };
        r.is_ok()
    }

    /// Writes a consistent copy of a SQLite database to `dest` while it is in use
    /// (`VACUUM INTO`). PostgreSQL is backed up with `pg_dump` by the caller.
    pub async fn backup_sqlite(&self, dest: &str) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1").bind(dest).execute(p).await?;
                Ok(())
            }
            Db::Postgres(_) => Err(sqlx::Error::Configuration(
                "backup_sqlite called on PostgreSQL".into(),
            )),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Turns on SQLite's query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) for
/// a new connection. Without it, SQLite plans some statements around the values bound to
/// them (a `LIMIT $n` under `ORDER BY`/`GROUP BY`, a `$n IS NULL` test) and then prepares
/// the statement again every time it is bound: measured with callgrind and gdb on the
/// building page, two statements (its households and its organizations) were prepared
/// anew on every request, a fifth of the page's instructions. With it, a cached statement
/// keeps its plan, as a PostgreSQL prepared statement does.
async fn plan_stably(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut now: std::ffi::c_int = 0;
    // SAFETY: `db` is this connection's open handle, held locked (no other call runs on
    // it) for the duration; the variadic arguments are the int and int* this option takes.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            &mut now as *mut std::ffi::c_int,
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK || now != 1 {
        return Err(sqlx::Error::Configuration(
            format!("SQLite refused the stable query plans option (code {rc})").into(),
        ));
    }
    Ok(())
}

/// The SQLite `synchronous` setting named by `LINLI_SQLITE_SYNC`: unset or empty means
/// `normal`; an unknown value is an error rather than a silent default, so a benchmark
/// or a deployment that asks for `full` cannot run on `normal` by a typo.
fn sqlite_synchronous(
    value: Option<&str>,
) -> Result<SqliteSynchronous, Box<dyn std::error::Error + Send + Sync>> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("normal") => Ok(SqliteSynchronous::Normal),
        Some("full") => Ok(SqliteSynchronous::Full),
        Some(other) => Err(format!("LINLI_SQLITE_SYNC={other}: expected normal or full").into()),
    }
}

/// Whether a store error is a unique-constraint violation, the one place constraint
/// violations are recognized so the app layer can turn them into user errors.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn names(dir: &str) -> BTreeSet<String> {
        std::fs::read_dir(format!(
            "{}/../../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
    }

    #[test]
    fn sqlite_sync_setting() {
        use super::sqlite_synchronous;
        use sqlx::sqlite::SqliteSynchronous as S;
        assert!(matches!(sqlite_synchronous(None), Ok(S::Normal)));
        assert!(matches!(sqlite_synchronous(Some("")), Ok(S::Normal)));
        assert!(matches!(sqlite_synchronous(Some("normal")), Ok(S::Normal)));
        assert!(matches!(sqlite_synchronous(Some("FULL")), Ok(S::Full)));
        assert!(sqlite_synchronous(Some("ful")).is_err());
        assert!(sqlite_synchronous(Some("off")).is_err());
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let (s, p) = (names("sqlite"), names("postgres"));
        assert!(!s.is_empty());
        assert_eq!(s, p);
    }
}
