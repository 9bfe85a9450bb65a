//! Test support: spawn the whole application on a free port with a fresh SQLite file
//! or a fresh PostgreSQL database (from `TEST_DATABASE_URL`), seeded with the demo
//! data, and talk to it over real HTTP with a small cookie-keeping client.

use linli_app::sms::MemorySms;
use linli_store::Db;
use linli_web::{AppState, Config};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use linli_app::demo::DEMO_PASSWORD;

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
    cleanup: Cleanup,
    server: tokio::task::JoinHandle<()>,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Starts the app on `backend`. Returns `None` for PostgreSQL when `TEST_DATABASE_URL`
/// is not set, unless `LINLI_REQUIRE_PG` is set (as CI does): then it panics, so the
/// PostgreSQL leg can never be skipped silently.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let (url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!(
                "linli-test-{}-{n}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            (
                format!("sqlite://{}", dir.join("linli.db").display()),
                Cleanup::Dir(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = match std::env::var("TEST_DATABASE_URL") {
                Ok(u) if !u.is_empty() => u,
                _ => {
                    if std::env::var("LINLI_REQUIRE_PG").is_ok() {
                        panic!("LINLI_REQUIRE_PG is set but TEST_DATABASE_URL is not");
                    }
                    eprintln!("TEST_DATABASE_URL not set: PostgreSQL leg not run");
                    return None;
                }
            };
            let name = format!(
                "linli_t_{}_{n}_{}",
                std::process::id(),
                rand::random::<u32>()
            );
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
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
    db.migrate().await.expect("migrate");
    linli_app::demo::seed_base(&db).await.expect("demo data");
    let sms = MemorySms::default();
    let state = AppState::new(db.clone(), Arc::new(sms.clone()), Config::default());
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
    Some(TestApp {
        addr,
        db,
        sms,
        backend,
        cleanup,
        server,
    })
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
        let csrf = self.csrf();
        let extra: Vec<(&str, &str)> = if self.bearer.is_none() && !csrf.is_empty() {
            vec![("x-csrf-token", csrf.as_str())]
        } else {
            vec![]
        };
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
/// `name::postgres`, so every scenario runs on both databases.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::spawn($crate::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(&app).await;
                    app.finish().await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::spawn($crate::Backend::Postgres).await {
                        super::$name(&app).await;
                        app.finish().await;
                    }
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
        let mut c = self.client();
        let r = c
            .json(
                "POST",
                "/api/v1/sessions",
                serde_json::json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(r.status, 201, "api login of {phone}: {}", r.body);
        c.bearer = Some(r.json()["token"].as_str().unwrap().to_string());
        c
    }
}
