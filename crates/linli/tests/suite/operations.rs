//! Running Linli for real (issue 14): the commands that read a database never create,
//! empty or migrate one; what holds residents' data is the owner's alone; SIGTERM stops
//! the server as cleanly as Ctrl-C, mid-write, with nothing acknowledged lost.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn linli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LINLI_DATA")
        .env("LINLI_LOG", "warn")
        .output()
        .expect("run linli")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("linli-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The deployment guide's backup line without `--data`, run from another folder, and a
/// typo in the data folder: each says there is no database, exits 1 and creates nothing.
/// An empty database file is refused as empty. `migrate --check` says what would change
/// and changes nothing; the database, its folder and a backup are the owner's alone.
#[test]
fn reading_commands_never_create_a_database_and_files_are_the_owners() {
    let dir = scratch("read");
    let backup = dir.join("linli-backup.db");
    let b = backup.to_string_lossy().to_string();
    let out = linli(&dir, &["backup", &b]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no database at"), "{}", text(&out));
    assert!(!backup.exists(), "no backup file is written");
    assert!(!dir.join("data").exists(), "no stray data folder");
    let out = linli(&dir, &["--data", "dta", "verify-ledger"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no database at") && !dir.join("dta").exists());
    for cmd in [
        &["tally", "1"][..],
        &["reindex"],
        &["admin", "grant", "13800000000"],
    ] {
        let out = linli(&dir, &[&["--data", "dta"][..], cmd].concat());
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", text(&out));
        assert!(!dir.join("dta").exists(), "{cmd:?} created nothing");
    }
    // An empty file where the database should be: refused as empty, and left empty.
    std::fs::create_dir_all(dir.join("hollow")).unwrap();
    std::fs::write(dir.join("hollow/linli.db"), b"").unwrap();
    let out = linli(&dir, &["--data", "hollow", "verify-ledger"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is empty"), "{}", text(&out));
    let out = linli(&dir, &["--data", "hollow", "backup", &b]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!backup.exists());
    assert_eq!(
        std::fs::metadata(dir.join("hollow/linli.db"))
            .unwrap()
            .len(),
        0,
        "not migrated"
    );

    // A real one: created owner-only; `migrate --check` reads it without changing it.
    let out = linli(&dir, &["--data", "data", "migrate", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing to check yet: {}",
        text(&out)
    );
    assert!(linli(&dir, &["--data", "data", "demo"]).status.success());
    assert_eq!(mode(&dir.join("data")), 0o700, "the data folder");
    assert_eq!(mode(&dir.join("data/linli.db")), 0o600, "the database");
    let out = linli(&dir, &["--data", "data", "migrate", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("up to date"), "{}", text(&out));
    let out = linli(&dir, &["--data", "data", "backup", &b]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&backup), 0o600, "the backup");
    assert!(
        std::fs::metadata(&backup).unwrap().len() > 1_000_000,
        "the whole demo"
    );
    let out = linli(&dir, &["--data", "data", "verify-ledger"]);
    assert!(
        out.status.success() && text(&out).contains("ledgers intact"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kill -TERM` while a treasurer posts as fast as the server takes it: the server
/// finishes what it started, checkpoints and exits 0; no write-ahead log is left beside
/// the database, the file is intact, every posting it acknowledged is there and the
/// ledger's chain checks. The server is started as the systemd unit would start it
/// (settings from a `linli.toml` named by `LINLI_CONFIG`, secure cookies on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_write_stops_cleanly_and_keeps_every_acknowledged_posting() {
    let dir = scratch("term");
    assert!(linli(&dir, &["--data", "data", "demo"]).status.success());
    let file = format!("sqlite://{}", dir.join("data/linli.db").display());
    let db = linli_store::Db::connect_existing(&file).await.unwrap();
    let linli_store::Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let club: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = '翠竹园读书会'")
        .fetch_one(pool)
        .await
        .unwrap();
    db.close().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("linli.toml");
    std::fs::write(
        &config,
        format!(
            "data = \"{}\"\nlisten = \"127.0.0.1:{port}\"\nsecure_cookies = true\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("serve")
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env_remove("LINLI_DATA")
        .env("LINLI_CONFIG", &config)
        .env("LINLI_LOG", "info")
        .stdout(std::fs::File::create(dir.join("serve.log")).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut up = false;
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server starts from its settings file");
    let mut t = linli_testkit::Client::new(addr)
        .api_login("13800000005", linli_testkit::DEMO_PASSWORD)
        .await;
    let url = format!("/api/v1/organizations/{club}/ledger/transactions");
    let today = linli_store::clock::today().as_str().to_string();
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let counter = acked.clone();
    // The test client panics on a refused connection: that is how this writer ends.
    let writer = tokio::spawn(async move {
        loop {
            let body = serde_json::json!({"occurred_on": today, "memo": "停机测试",
                "entries": [{"account": "cash", "debit_fen": 100}, {"account": "income_other", "credit_fen": 100}]});
            let r = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                t.json("POST", &url, body),
            )
            .await;
            match r {
                Ok(r) if r.status == 201 => {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                _ => return,
            }
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), writer)
        .await
        .expect("the writer stops when the server does");
    let acked = acked.load(std::sync::atomic::Ordering::SeqCst);
    let status = tokio::task::spawn_blocking(move || server.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    assert!(acked > 0, "postings were acknowledged before the stop");
    let wal = dir.join("data/linli.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the write-ahead log was folded in"
    );
    let db = linli_store::Db::connect_existing(&file).await.unwrap();
    let linli_store::Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_txns WHERE memo = '停机测试'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(kept >= acked, "{kept} kept of {acked} acknowledged");
    db.close().await;
    let out = linli(&dir, &["--data", "data", "verify-ledger"]);
    assert!(out.status.success(), "{}", text(&out));
    // One JSON line per request: status, duration, the local time beside the UTC stamp,
    // and in its span the request id (the one an error page shows) and the user.
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| {
            v["fields"]["message"] == "request"
                && v["fields"]["status"] == 201
                && v["span"]["path"] == format!("/api/v1/organizations/{club}/ledger/transactions")
        })
        .unwrap_or_else(|| panic!("no request line for a posting in {log}"));
    assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
    assert!(line["fields"]["ms"].is_number(), "{line}");
    assert_eq!(
        line["fields"]["shanghai"].as_str().unwrap().len(),
        19,
        "{line}"
    );
    assert_eq!(line["span"]["id"].as_str().unwrap().len(), 12, "{line}");
    assert!(line["span"]["user"].is_number(), "{line}");
    assert_eq!(line["span"]["method"], "POST", "{line}");
    assert!(
        log.contains("SIGTERM: stopping") && log.contains("stopped cleanly"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The deployment guide's commands, run as written by `deploy/check-guide.sh`: settings
/// file, `linli config`, first migration, the server as the unit starts it, `/healthz` and
/// `/metrics`, the nightly backup script keeping two copies (0600 in a 0700 folder),
/// SIGTERM, restore, `verify-ledger`, `migrate --check`.
#[test]
fn the_deployment_guides_commands_run_as_written() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/check-guide.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_linli"))
        .output()
        .expect("run deploy/check-guide.sh");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("all guide commands ran as written"),
        "{}",
        text(&out)
    );
}

/// Sets a resident's display name straight in the database (a change a restore undoes).
async fn rename(url: &str, name: &str) {
    let db = linli_store::Db::connect_existing(url).await.unwrap();
    match &db {
        linli_store::Db::Sqlite(p) => {
            sqlx::query("UPDATE users SET display_name = $1 WHERE phone = '13800000007'")
                .bind(name)
                .execute(p)
                .await
                .map(|_| ())
        }
        linli_store::Db::Postgres(p) => {
            sqlx::query("UPDATE users SET display_name = $1 WHERE phone = '13800000007'")
                .bind(name)
                .execute(p)
                .await
                .map(|_| ())
        }
    }
    .unwrap();
    db.close().await;
}

async fn name_of(url: &str) -> String {
    let db = linli_store::Db::connect_existing(url).await.unwrap();
    let n = match &db {
        linli_store::Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT display_name FROM users WHERE phone = '13800000007'")
                .fetch_one(p)
                .await
        }
        linli_store::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT display_name FROM users WHERE phone = '13800000007'")
                .fetch_one(p)
                .await
        }
    }
    .unwrap();
    db.close().await;
    n
}

/// Backup → change → restore gives back what the backup held, on SQLite: the copy is
/// checked before the live file is touched (an empty file, a file that is not Linli's, are
/// refused and change nothing), the replaced file is kept, the restored one is the
/// owner's alone and its ledgers check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_on_sqlite_and_a_bad_one_changes_nothing() {
    let dir = scratch("restore");
    assert!(linli(&dir, &["--data", "data", "demo"]).status.success());
    let url = format!("sqlite://{}", dir.join("data/linli.db").display());
    let original = name_of(&url).await;
    let backup = dir.join("b.db").to_string_lossy().to_string();
    assert!(
        linli(&dir, &["--data", "data", "backup", &backup])
            .status
            .success()
    );
    rename(&url, "改过的名字").await;
    std::fs::write(dir.join("empty.db"), b"").unwrap();
    std::fs::write(dir.join("notes.txt"), b"not a database at all, just words").unwrap();
    for (bad, why) in [
        ("empty.db", "is empty"),
        ("notes.txt", "not"),
        ("missing.db", "cannot read"),
    ] {
        let out = linli(&dir, &["--data", "data", "restore", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", text(&out));
        assert!(text(&out).contains(why), "{bad}: {}", text(&out));
        assert_eq!(name_of(&url).await, "改过的名字", "{bad} changed nothing");
    }
    let out = linli(&dir, &["--data", "data", "restore", &backup]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ledgers intact") && text(&out).contains("2976 households"),
        "{}",
        text(&out)
    );
    assert_eq!(name_of(&url).await, original, "the backup's data is back");
    assert_eq!(mode(&dir.join("data/linli.db")), 0o600);
    assert!(
        dir.join("data/linli.db.before-restore").exists(),
        "the replaced file is kept"
    );
    let out = linli(&dir, &["--data", "data", "verify-ledger"]);
    assert!(out.status.success(), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same round trip on PostgreSQL: `pg_dump` custom format out, `pg_restore` in one
/// transaction back; a file that is not a PostgreSQL backup is refused before anything runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(linli_skip_pg, ignore = "LINLI_SKIP_PG=1: PostgreSQL leg skipped")]
async fn a_backup_restores_on_postgresql() {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL (set by .ci/run) for the PostgreSQL leg");
    let name = format!("linli_restore_{}", std::process::id());
    let psql = |sql: String| {
        let out = Command::new("psql")
            .arg(&admin)
            .args(["-qtAc", &sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    psql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(format!("CREATE DATABASE {name}"));
    let base = admin.rsplit_once('/').unwrap().0;
    let url = format!("{base}/{name}");
    let dir = scratch("restore-pg");
    let pg = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_linli"))
            .args(args)
            .current_dir(&dir)
            .env("DATABASE_URL", &url)
            .env("LINLI_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(pg(&["demo"]).status.success());
    let original = name_of(&url).await;
    let backup = dir.join("b.dump").to_string_lossy().to_string();
    let out = pg(&["backup", &backup]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&dir.join("b.dump")), 0o600);
    rename(&url, "改过的名字").await;
    std::fs::write(dir.join("notes.txt"), b"not a dump").unwrap();
    let out = pg(&["restore", "notes.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not a PostgreSQL backup"),
        "{}",
        text(&out)
    );
    assert_eq!(name_of(&url).await, "改过的名字");
    let out = pg(&["restore", &backup]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ledgers intact") && text(&out).contains("2976 households"),
        "{}",
        text(&out)
    );
    assert_eq!(name_of(&url).await, original);
    assert!(pg(&["verify-ledger"]).status.success());
    psql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}
