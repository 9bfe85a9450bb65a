//! Test support: spawn the whole application on a free port with a fresh SQLite file
//! or a fresh PostgreSQL database (from `TEST_DATABASE_URL`), seeded with the demo
//! data, and talk to it over real HTTP with a small cookie-keeping client.

use linli_app::sms::MemorySms;
use linli_store::Db;
use linli_store::clock::Clock;
use linli_web::AppState;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use linli_demo::DEMO_PASSWORD;
pub use linli_web::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running application for one test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub sms: MemorySms,
    pub backend: Backend,
    /// The database's URL, for a second process on the same database.
    pub db_url: String,
    /// The app's clock: tests read "now" from it and may move it.
    pub clock: Clock,
    cleanup: Cleanup,
    server: tokio::task::JoinHandle<()>,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The clock a test app starts on: `LINLI_TEST_NOW` (RFC 3339 or `2028-02-29 23:30` in
/// Asia/Shanghai) when set, as CI's date leg sets it, else the real time.
pub fn test_clock() -> Clock {
    match std::env::var("LINLI_TEST_NOW") {
        Ok(raw) if !raw.trim().is_empty() => Clock::starting_at(
            linli_store::clock::parse_instant(&raw)
                .unwrap_or_else(|| panic!("LINLI_TEST_NOW={raw} is not a date and time")),
        ),
        _ => Clock::system(),
    }
}

/// Starts the app on `backend`, on the test clock. On PostgreSQL it needs
/// `TEST_DATABASE_URL`, and panics without it or when it cannot connect: the
/// PostgreSQL leg is never skipped silently (skip it with `LINLI_SKIP_PG=1`).
pub async fn spawn(backend: Backend) -> TestApp {
    spawn_on(backend, app_clock(), test_config()).await
}

/// A clock of an app's own, reading the test date now. The first call also makes the
/// test clock the process clock, so code a test runs outside an app's scope reads the
/// same date.
fn app_clock() -> Clock {
    static PROCESS: std::sync::OnceLock<Clock> = std::sync::OnceLock::new();
    let base = PROCESS.get_or_init(|| {
        let c = test_clock();
        linli_store::clock::set_process_clock(c.clone());
        c
    });
    Clock::starting_at(base.now_ms())
}

/// Now by the clock of the running test (its app's, inside `on_both_databases`).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(linli_store::clock::now_ms())
        .expect("the clock reads a valid instant")
}

/// Starts the app on `backend` with the clock reading `at` now (see
/// `linli_store::clock::parse_instant` for the forms).
pub async fn spawn_at(backend: Backend, at: &str) -> TestApp {
    let ms = linli_store::clock::parse_instant(at).expect("a valid instant");
    spawn_on(backend, Clock::starting_at(ms), test_config()).await
}

async fn spawn_on(backend: Backend, clock: Clock, config: Config) -> TestApp {
    linli_store::clock::scope(clock.clone(), start(backend, clock, config)).await
}

/// The configuration tests run with: SMS caps high enough for scenarios that register
/// many neighbours from one address (the caps themselves are tested with `spawn_with`).
pub fn test_config() -> Config {
    Config {
        sms_caps: linli_app::accounts::SmsCaps {
            per_address_hour: 10_000,
            per_hour: 100_000,
        },
        ..Config::default()
    }
}

/// Starts the app on `backend` with a configuration of the test's own.
pub async fn spawn_with(backend: Backend, config: Config) -> TestApp {
    spawn_on(backend, app_clock(), config).await
}

static SQLITE_TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A SQLite file with every migration applied, made once per test process and copied for
/// each test (the demo data is not in it: it depends on each test's clock).
async fn sqlite_template() -> &'static PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = std::env::temp_dir().join(format!("linli-template-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("template dir");
            let file = dir.join("linli.db");
            let db = Db::connect(&format!("sqlite://{}", file.display()))
                .await
                .expect("template");
            db.migrate().await.expect("migrate template");
            // Closing the pool checkpoints the WAL into the file.
            db.close().await;
            file
        })
        .await
}

/// A PostgreSQL database with every migration applied, made once per test process; each
/// test's database is `CREATE DATABASE … TEMPLATE` it. Templates of processes that are no
/// longer running are dropped on the way.
async fn pg_template(admin_url: &str) -> &'static str {
    PG_TEMPLATE
        .get_or_init(|| async {
            let admin = sqlx::PgPool::connect(admin_url).await.expect("admin");
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'linli\\_tpl\\_%'",
            )
            .fetch_all(&admin)
            .await
            .expect("list templates");
            for name in old {
                let pid = name.trim_start_matches("linli_tpl_");
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                }
            }
            let name = format!("linli_tpl_{}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await
            .expect("drop template");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("create template");
            admin.close().await;
            let db = Db::connect(&with_database(admin_url, &name))
                .await
                .expect("template");
            db.migrate().await.expect("migrate template");
            db.close().await;
            name
        })
        .await
}

async fn start(backend: Backend, clock: Clock, config: Config) -> TestApp {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let (url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!(
                "linli-test-{}-{n}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            // A copy of the migrated schema, made once per test process.
            std::fs::copy(sqlite_template().await, dir.join("linli.db")).expect("copy template");
            (
                format!("sqlite://{}", dir.join("linli.db").display()),
                Cleanup::Dir(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = match std::env::var("TEST_DATABASE_URL") {
                Ok(u) if !u.is_empty() => u,
                _ => panic!(
                    "TEST_DATABASE_URL is not set: the PostgreSQL leg cannot run \
                     (set it, e.g. postgres://postgres@127.0.0.1:5432/test, or skip the leg \
                     explicitly with LINLI_SKIP_PG=1)"
                ),
            };
            let name = format!(
                "linli_t_{}_{n}_{}",
                std::process::id(),
                rand::random::<u32>()
            );
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
            let template = pg_template(&admin_url).await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template}"
            )))
            .execute(&admin)
            .await
            .expect("create test database");
            admin.close().await;
            (
                with_database(&admin_url, &name),
                Cleanup::PgDatabase { admin_url, name },
            )
        }
    };
    let db = Db::connect(&url).await.expect("connect");
    // Copied from the migrated template: nothing to apply, but a check that it is current.
    db.migrate().await.expect("migrate");
    linli_demo::seed_base(&db).await.expect("demo data");
    let sms = MemorySms::default();
    let state = AppState::with_clock(db.clone(), Arc::new(sms.clone()), config, clock.clone());
    let app = linli_web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .ok();
    });
    TestApp {
        addr,
        db,
        sms,
        backend,
        db_url: url,
        clock,
        cleanup,
        server,
    }
}

/// `postgres://host/test` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

impl TestApp {
    /// Now by the app's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// `YYYY-MM-DDTHH:MM` in Asia/Shanghai, `days` from now by the app's clock, at
    /// `hh:mm` local time: the form a `datetime-local` field sends.
    pub fn local_at(&self, days: i64, hh: u32, mm: u32) -> String {
        let d = linli_domain::time::shanghai_date(self.now_ms()) + chrono::Duration::days(days);
        format!("{}T{hh:02}:{mm:02}", d.format("%Y-%m-%d"))
    }

    /// `YYYY-MM-DDTHH:MM` in Asia/Shanghai, `minutes` from now by the app's clock.
    pub fn local_in_minutes(&self, minutes: i64) -> String {
        linli_domain::time::to_shanghai(self.now_ms() + minutes * 60_000)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// The reading club's leader (`13800000008`) publishes 读书分享会 at 社区活动室, 19:30
    /// local time `days` from now, 10 places, ¥100 planned; returns the leader's session
    /// and the activity's path.
    pub async fn reading_evening(&self, days: i64) -> (Client, String) {
        let club = self.org_id("翠竹园读书会").await;
        let mut leader = self.login("13800000008").await;
        let start = self.local_at(days, 19, 30);
        let r = leader
            .post_form(
                &format!("/orgs/{club}/activities"),
                &[
                    ("title", "读书分享会"),
                    ("place", "社区活动室"),
                    ("starts_at", &start),
                    ("capacity", "10"),
                    ("planned_cost", "100"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "the activity is published: {}", r.body);
        let path = r.location().to_string();
        (leader, path)
    }

    /// Runs `fut` on this app's clock (for tests that call the app or store directly).
    pub async fn on_clock<F: std::future::Future>(&self, fut: F) -> F::Output {
        linli_store::clock::scope(self.clock.clone(), fut).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A new client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }

    /// A client logged in as a demo account.
    pub async fn login(&self, phone: &str) -> Client {
        self.login_with(phone, DEMO_PASSWORD).await
    }

    /// A client logged in through the login page.
    pub async fn login_with(&self, phone: &str, password: &str) -> Client {
        let mut c = self.client();
        c.get("/login").await;
        let r = c
            .post_form("/login", &[("phone", phone), ("password", password)])
            .await;
        assert_eq!(r.status, 303, "login of {phone} failed: {}", r.body);
        c
    }

    /// A value of one SQL count, for asserting that nothing changed.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// Stops the server and removes the database.
    pub async fn finish(self) {
        self.server.abort();
        self.db.close().await;
        // Drop removes the files or the PostgreSQL database.
    }
}

impl Drop for TestApp {
    /// Runs on success and when a test panics, so no test database is left behind.
    fn drop(&mut self) {
        self.server.abort();
        match &self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let (url, sql) = (
                    admin_url.clone(),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
                // Drop cannot await: run the statement on a runtime of its own thread.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let admin = sqlx::PgPool::connect(&url).await.ok()?;
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&admin)
                            .await
                            .ok()?;
                        admin.close().await;
                        Some(())
                    })
                })
                .join();
            }
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (a PDF, a spreadsheet).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A minimal HTTP/1 client that keeps cookies like a browser and sends the CSRF
/// token with forms, as the pages do.
pub struct Client {
    addr: SocketAddr,
    jar: HashMap<String, String>,
    pub bearer: Option<String>,
    pub lang: Option<&'static str>,
    inner: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<hyper::body::Bytes>,
    >,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        let inner =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        Self {
            addr,
            jar: HashMap::new(),
            bearer: None,
            lang: None,
            inner,
        }
    }

    /// Logs in through the API and keeps the bearer token (any server, e.g. a `linli serve`
    /// a test started itself).
    pub async fn api_login(mut self, phone: &str, password: &str) -> Client {
        let r = self
            .json(
                "POST",
                "/api/v1/sessions",
                serde_json::json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(r.status, 201, "api login of {phone}: {}", r.body);
        self.bearer = Some(r.json()["token"].as_str().unwrap().to_string());
        self
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    pub fn csrf(&self) -> String {
        self.jar.get("linli_csrf").cloned().unwrap_or_default()
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(format!("http://{}{}", self.addr, path));
        if !self.jar.is_empty() {
            let c: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            b = b.header("cookie", c.join("; "));
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        if let Some(t) = &self.bearer {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(l) = self.lang {
            b = b.header("accept-language", l);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let req = b
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .expect("request");
        let res = self.inner.request(req).await.expect("http request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for v in headers.get_all("set-cookie") {
            if let Some((k, v)) = v
                .to_str()
                .unwrap_or("")
                .split_once(';')
                .and_then(|(kv, _)| kv.split_once('='))
            {
                if v.is_empty() {
                    self.jar.remove(k);
                } else {
                    self.jar.insert(k.to_string(), v.to_string());
                }
            }
        }
        use http_body_util::BodyExt;
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, None, vec![], &[]).await
    }

    /// Posts a form with this browser's CSRF token added.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if self.csrf().is_empty() {
            self.get("/").await;
        }
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = encode_form(&all);
        self.send(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[],
        )
        .await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.send(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            encode_form(fields).into_bytes(),
            &[],
        )
        .await
    }

    /// Posts a multipart form as a page does: the CSRF token in the query string, text
    /// fields, and an optional file `(field, filename, content type, bytes)`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &str, &[u8])>,
        with_token: bool,
    ) -> Resp {
        if self.csrf().is_empty() {
            self.get("/").await;
        }
        let boundary = "----linli-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((field, filename, mime, data)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if with_token {
            format!("{path}{sep}_csrf={}", self.csrf())
        } else {
            path.to_string()
        };
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", &url, Some(&ct), body, &[]).await
    }

    /// Sends JSON (with the CSRF header when a browser session is used).
    pub async fn json(&mut self, method: &str, path: &str, body: serde_json::Value) -> Resp {
        self.json_with(method, path, body, &[]).await
    }

    /// Sends JSON with extra headers (e.g. `X-Forwarded-For` as a proxy would).
    pub async fn json_with(
        &mut self,
        method: &str,
        path: &str,
        body: serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        let csrf = self.csrf();
        let mut extra: Vec<(&str, &str)> = if self.bearer.is_none() && !csrf.is_empty() {
            vec![("x-csrf-token", csrf.as_str())]
        } else {
            vec![]
        };
        extra.extend_from_slice(headers);
        self.send(
            method,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
            &extra,
        )
        .await
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Declares each listed `async fn name(app: TestApp)` as two tests, `name::sqlite` and
/// `name::postgres`, so every scenario runs on both databases, each on its app's clock.
/// With `LINLI_SKIP_PG=1` at build time the PostgreSQL tests are ignored (and counted as
/// such in the summary line); otherwise they fail if PostgreSQL cannot be reached.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::spawn($crate::Backend::Sqlite).await;
                    app.on_clock(super::$name(&app)).await;
                    app.finish().await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(linli_skip_pg, ignore = "LINLI_SKIP_PG=1: PostgreSQL leg skipped")]
                async fn postgres() {
                    let app = $crate::spawn($crate::Backend::Postgres).await;
                    app.on_clock(super::$name(&app)).await;
                    app.finish().await;
                }
            }
        )*
    };
}

impl TestApp {
    /// The id of the region node with a unique `name` (e.g. "清泉社区").
    pub async fn region_id(&self, name: &str) -> i64 {
        const SQL: &str = "SELECT id FROM regions WHERE name = $1 ORDER BY id LIMIT 1";
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(SQL)
                .bind(name)
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(SQL)
                .bind(name)
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// Runs one statement directly on the database (tests that tamper with stored rows).
    pub async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Runs one statement with one bytes parameter (restoring a tampered file).
    pub async fn exec_bytes(&self, sql: &'static str, bytes: &[u8]) {
        match &self.db {
            Db::Sqlite(p) => sqlx::query(sql).bind(bytes).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).bind(bytes).execute(p).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The id of the organization with a unique `name` (e.g. "翠竹园读书会").
    pub async fn org_id(&self, name: &str) -> i64 {
        self.count_where("SELECT id FROM organizations WHERE name = $1", name)
            .await
    }

    /// The integers one SQL query returns, in its order.
    pub async fn i64s(&self, sql: &str) -> Vec<i64> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }

    /// The texts one SQL query returns, in its order.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }

    /// A count from a query with one text parameter.
    pub async fn count_where(&self, sql: &'static str, arg: &str) -> i64 {
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql)
                .bind(arg)
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql)
                .bind(arg)
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// Registers a new account through the API (SMS code read from the test sender).
    pub async fn register(&self, phone: &str, name: &str, invite: Option<&str>) -> Resp {
        let mut c = self.client();
        let r = c
            .json(
                "POST",
                "/api/v1/sms-codes",
                serde_json::json!({"phone": phone}),
            )
            .await;
        assert_eq!(r.status, 202, "sms code for {phone}: {}", r.body);
        let code = self.sms.last_code(phone).expect("code sent");
        c.json("POST", "/api/v1/users", serde_json::json!({
            "phone": phone, "code": code, "name": name, "password": "neighbour-2026", "invite_code": invite
        }))
        .await
    }

    /// A client holding an API bearer token for `phone`.
    pub async fn api_client(&self, phone: &str, password: &str) -> Client {
        self.client().api_login(phone, password).await
    }
}
