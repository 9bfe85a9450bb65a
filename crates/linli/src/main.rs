//! `linli`: the community platform's single binary. `linli serve --demo` starts the
//! server on an embedded SQLite database with demo data; `DATABASE_URL=postgres://…`
//! switches the store to PostgreSQL.

mod config;

use clap::{Parser, Subcommand};
use linli_store::Db;
use linli_web::{AppState, Config};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "linli",
    version,
    about = "邻里 Linli: community building and grassroots governance"
)]
struct Cli {
    /// Folder of the embedded database and uploads.
    #[arg(long, global = true, env = "LINLI_DATA", default_value = "data")]
    data: PathBuf,
    /// Database URL: sqlite://FILE or postgres://…; default: the SQLite file in --data.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Runs the clock from this instant instead of the real time, for reproducible demos
    /// and rehearsals: `2027-02-28 19:30` (Asia/Shanghai) or RFC 3339.
    #[arg(long, global = true, env = "LINLI_NOW")]
    now: Option<String>,
    /// Configuration file (TOML) whose settings apply where no flag or environment
    /// variable gives one; see `linli config`.
    #[arg(long, global = true, env = "LINLI_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web server (migrates the database first).
    Serve(ServeOpts),
    /// Prints the settings `serve` would run with and where each comes from (flag,
    /// environment, configuration file or default), secrets masked; exits 1 if they would
    /// not start (e.g. an SMS provider without its keys).
    Config(ServeOpts),
    /// Server-side administration, for when no admin is left to do it on the pages.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Applies database migrations (back up first). With --check, only says which ones
    /// would be applied, and changes nothing.
    Migrate {
        #[arg(long)]
        check: bool,
    },
    /// Loads the demo data into an empty database.
    Demo,
    /// Writes a consistent copy of the running database to FILE (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump custom format).
    Backup { file: PathBuf },
    /// Replaces the database with backup FILE (stop the server first). The backup is
    /// checked before anything is touched (a Linli database, intact, every ledger's chain
    /// whole); on SQLite the replaced file is kept beside it as `linli.db.before-restore`.
    Restore { file: PathBuf },
    /// Checks every ledger's hash chain and balances; exits 1 if any was tampered with.
    VerifyLedger,
    /// Rebuilds the search index from the database (issues, organizations…), in one
    /// transaction: for data that existed before search, or after segmentation changed.
    Reindex,
    /// Recounts vote VOTE from its stored ballots and prints the tally; exits 1 if a closed
    /// vote's stored result differs from the recount.
    Tally { vote: i64 },
    /// Load testing only: builds a compound of UNITS owned units with an owners' vote and
    /// ballots for about 80% of them, and prints the vote's id.
    FillOwnersVote {
        #[arg(long, default_value_t = 100_000)]
        units: i64,
    },
    /// Load testing only: COUNT synthetic residents with API sessions and an open vote for
    /// them; writes one bearer token per line to TOKENS and prints the vote's id.
    FillVoters {
        #[arg(long, default_value_t = 20_000)]
        count: i64,
        #[arg(long, default_value = "tokens.txt")]
        tokens: PathBuf,
    },
    /// Load testing only: writes an import sheet of UNITS units (buildings of 100, each unit
    /// with its owner and head of household) to OUT, for `bench/import.sh`.
    FillSheet {
        #[arg(long, default_value_t = 50_000)]
        units: usize,
        #[arg(long, default_value = "sheet.xlsx")]
        out: PathBuf,
    },
    /// Load testing only: appends COUNT synthetic transactions to organization ORG's ledger.
    FillLedger {
        #[arg(long)]
        org: i64,
        #[arg(long, default_value_t = 100_000)]
        count: i64,
    },
}

/// What `serve` runs with. Each has a flag, an environment variable and a key in the
/// configuration file (`LINLI_SMS_KEY_ID` is `key_id` under `[sms]`).
#[derive(clap::Args)]
struct ServeOpts {
    /// Address to listen on.
    #[arg(long, env = "LINLI_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Loads the demo data into an empty database and prints the demo logins.
    #[arg(long)]
    demo: bool,
    /// Public base URL used in QR codes (e.g. https://linli.example.cn).
    #[arg(long, env = "LINLI_PUBLIC_URL", default_value = "")]
    public_url: String,
    /// Marks cookies Secure (when served over HTTPS behind a proxy). The variable takes
    /// the usual words: 1/0, true/false, yes/no, on/off.
    #[arg(long, env = "LINLI_SECURE_COOKIES", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    secure_cookies: bool,
    /// Reverse proxies (IP addresses, comma separated) whose X-Forwarded-For or
    /// X-Real-IP names the client, e.g. 127.0.0.1 for nginx on the same machine.
    #[arg(
        long = "trusted-proxy",
        env = "LINLI_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// SMS codes one client address may ask for in an hour (each SMS costs money).
    #[arg(long, env = "LINLI_SMS_PER_ADDRESS_HOUR", default_value_t = 10)]
    sms_per_address_hour: i64,
    /// SMS codes the whole platform sends in an hour.
    #[arg(long, env = "LINLI_SMS_PER_HOUR", default_value_t = 500)]
    sms_per_hour: i64,
    /// Who sends the SMS codes: log (writes them to the log; nobody receives them),
    /// aliyun (阿里云短信服务) or tencent (腾讯云短信).
    #[arg(long, env = "LINLI_SMS_PROVIDER", default_value = "log")]
    sms_provider: String,
    /// The provider's AccessKey ID (Aliyun) or SecretId (Tencent).
    #[arg(long, env = "LINLI_SMS_KEY_ID", default_value = "")]
    sms_key_id: String,
    /// The provider's AccessKey secret (Aliyun) or SecretKey (Tencent).
    #[arg(
        long,
        env = "LINLI_SMS_KEY_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    sms_key_secret: String,
    /// The approved sign name (短信签名), e.g. 邻里.
    #[arg(long, env = "LINLI_SMS_SIGN_NAME", default_value = "")]
    sms_sign_name: String,
    /// The approved template (模板) for a code to a new number; its one parameter is the code.
    #[arg(long, env = "LINLI_SMS_TEMPLATE", default_value = "")]
    sms_template: String,
    /// The template for a number that already has an account (default: --sms-template).
    #[arg(long, env = "LINLI_SMS_TEMPLATE_REGISTERED", default_value = "")]
    sms_template_registered: String,
    /// Tencent only: the SmsSdkAppId of the SMS application.
    #[arg(long, env = "LINLI_SMS_APP_ID", default_value = "")]
    sms_app_id: String,
    /// Tencent only: the API region (default ap-guangzhou).
    #[arg(long, env = "LINLI_SMS_REGION", default_value = "")]
    sms_region: String,
    /// Another address for the provider's API (an outbound gateway), http:// or https://.
    #[arg(long, env = "LINLI_SMS_ENDPOINT", default_value = "")]
    sms_endpoint: String,
}

impl ServeOpts {
    fn sms(&self) -> linli_app::sms::ProviderConfig {
        linli_app::sms::ProviderConfig {
            provider: self.sms_provider.clone(),
            key_id: self.sms_key_id.clone(),
            key_secret: self.sms_key_secret.clone(),
            sign_name: self.sms_sign_name.clone(),
            template: self.sms_template.clone(),
            template_registered: self.sms_template_registered.clone(),
            app_id: self.sms_app_id.clone(),
            region: self.sms_region.clone(),
            endpoint: Some(self.sms_endpoint.clone()).filter(|e| !e.is_empty()),
        }
    }
}

#[derive(Subcommand)]
enum AdminAction {
    /// Makes the registered account with this phone number a platform admin.
    Grant { phone: String },
}

/// The database to use. For the embedded one, `create` makes the data folder (`0700`) and
/// an empty database file (`0600`, so its WAL and backups' readers are the owner alone) if
/// missing; without it, a missing file is an error that names the folder looked in.
fn database_url(cli: &Cli, create: bool) -> Result<String, String> {
    if let Some(u) = &cli.database_url {
        return Ok(u.clone());
    }
    let file = cli.data.join("linli.db");
    if create {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if !cli.data.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&cli.data)
                .map_err(|e| format!("cannot create {}: {e}", cli.data.display()))?;
        }
        if !file.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&file)
                .map_err(|e| format!("cannot create {}: {e}", file.display()))?;
        }
    } else if !file.is_file() {
        return Err(format!(
            "no database at {} — name the data folder with --data DIR (or LINLI_DATA), or give DATABASE_URL",
            file.display()
        ));
    } else if std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) == 0 {
        // Refused before SQLite opens it, which would write a header into it.
        return Err(format!(
            "the database at {} is empty: it holds no Linli data (wrong --data?)",
            file.display()
        ));
    }
    Ok(format!("sqlite://{}", file.display()))
}

/// Opens a database that must hold Linli already, for the commands that read it: never
/// creates or migrates one, and refuses an empty one or one a migration behind.
async fn open_existing(cli: &Cli) -> Result<(Db, String), String> {
    let url = database_url(cli, false)?;
    let db = Db::connect_existing(&url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match db.migration_status().await {
        Ok(Some((_, pending))) if pending.is_empty() => Ok((db, url)),
        Ok(Some((_, pending))) => Err(format!(
            "the database is {} migration(s) behind this linli ({}): back it up, then run `linli migrate`",
            pending.len(),
            pending
                .iter()
                .map(|(v, d)| format!("{v} {d}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Ok(None) => Err(format!(
            "the database at {} is empty: it holds no Linli data (wrong --data or DATABASE_URL?)",
            shown_url(&url)
        )),
        Err(e) => Err(format!("cannot read the database: {e}")),
    }
}

/// A database URL without its password, for messages.
fn shown_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .json()
        .with_timer(AppClockTimer)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINLI_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli: Cli = config::parse();
    if let Some(raw) = &cli.now {
        let Some(at) = linli_store::clock::parse_instant(raw) else {
            eprintln!("linli: --now {raw}: expected e.g. 2027-02-28 19:30 or 2027-02-28T11:30:00Z");
            std::process::exit(2);
        };
        linli_store::clock::set_process_clock(linli_store::clock::Clock::starting_at(at));
    }
    if let Err(e) = run(cli).await {
        eprintln!("linli: {e}");
        std::process::exit(1);
    }
}

/// Log timestamps in UTC, read from the app's clock (so a rehearsal with `--now` logs the
/// time it plays).
struct AppClockTimer;

impl tracing_subscriber::fmt::time::FormatTime for AppClockTimer {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let t = chrono::DateTime::from_timestamp_millis(linli_store::clock::now_ms())
            .unwrap_or_default();
        write!(w, "{}", t.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

async fn open(cli: &Cli) -> Result<(Db, String), String> {
    let url = database_url(cli, true)?;
    let db = Db::connect(&url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok((db, url))
}

async fn run(cli: Cli) -> Result<(), String> {
    match &cli.command {
        Command::Migrate { check: true } => {
            let url = database_url(&cli, false)?;
            let db = Db::connect_existing(&url)
                .await
                .map_err(|e| format!("cannot open the database: {e}"))?;
            match db
                .migration_status()
                .await
                .map_err(|e| format!("cannot read the database: {e}"))?
            {
                None => {
                    println!("the database is empty: `linli migrate` would create the whole schema")
                }
                Some((applied, pending)) if pending.is_empty() => {
                    println!("up to date: {applied} migrations applied, none pending")
                }
                Some((applied, pending)) => {
                    println!(
                        "{applied} migrations applied; `linli migrate` would apply (back up first):"
                    );
                    for (v, d) in pending {
                        println!("  {v} {d}");
                    }
                }
            }
            db.close().await;
        }
        Command::Migrate { check: false } => {
            open(&cli).await?;
            println!("migrations applied");
        }
        Command::Demo => {
            let (db, _) = open(&cli).await?;
            print_logins(&seed(&db).await?);
        }
        Command::Backup { file } => backup(&cli, file).await?,
        Command::Restore { file } => restore(&cli, file).await?,
        Command::Admin {
            action: AdminAction::Grant { phone },
        } => {
            let (db, _) = open_existing(&cli).await?;
            let g = linli_app::roles::grant_admin_from_server(&db, phone)
                .await
                .map_err(|e| format!("admin grant: {e}"))?;
            println!(
                "{} ({}) is now a platform admin (grant {})",
                g.user_name, phone, g.id
            );
        }
        Command::FillLedger { org, count } => {
            let (db, _) = open(&cli).await?;
            let started = std::time::Instant::now();
            let n = linli_demo::fill::fill_for_load_test(&db, *org, *count)
                .await
                .map_err(|e| format!("fill: {e}"))?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "appended {n} transactions in {secs:.1} s ({:.0} postings/s, 1,000 per commit)",
                n as f64 / secs
            );
        }
        Command::Tally { vote } => {
            let (db, _) = open_existing(&cli).await?;
            tally(&db, *vote).await?;
        }
        Command::FillOwnersVote { units } => {
            let (db, _) = open(&cli).await?;
            let started = std::time::Instant::now();
            let id = linli_demo::fill::fill_owners_vote_for_load_test(&db, *units)
                .await
                .map_err(|e| format!("fill: {e}"))?;
            println!(
                "vote {id}: {units} units with ballots loaded in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::FillSheet { units, out } => {
            let bytes = linli_demo::fill::import_sheet_for_load_test(*units)
                .map_err(|e| format!("fill-sheet: {e}"))?;
            std::fs::write(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "{units} units written to {} ({} bytes)",
                out.display(),
                bytes.len()
            );
        }
        Command::FillVoters { count, tokens } => {
            let (db, _) = open(&cli).await?;
            let (vote, list) = linli_demo::fill::fill_voters_for_load_test(&db, *count)
                .await
                .map_err(|e| format!("fill: {e}"))?;
            std::fs::write(tokens, list.join("\n") + "\n")
                .map_err(|e| format!("cannot write {}: {e}", tokens.display()))?;
            println!(
                "vote {vote}: {} voters, tokens in {}",
                list.len(),
                tokens.display()
            );
        }
        Command::Reindex => {
            let (db, _) = open_existing(&cli).await?;
            let started = std::time::Instant::now();
            let n = linli_app::search::rebuild(&db, &mut |kind, done| {
                println!("reindex: {} {done} documents", kind.as_str());
            })
            .await
            .map_err(|e| format!("reindex: {e}"))?;
            println!(
                "reindex: {n} documents indexed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::VerifyLedger => {
            let (db, _) = open_existing(&cli).await?;
            let reports = linli_app::money::verify_all(&db).await;
            // Closed before anything is said: a checked copy keeps no -wal or -shm beside it.
            db.close().await;
            let reports = reports.map_err(|e| format!("verify: {e}"))?;
            let broken: Vec<_> = reports.iter().filter(|r| !r.ok).collect();
            for r in &reports {
                match (&r.problem, r.first_bad_seq) {
                    (Some(p), Some(seq)) => println!(
                        "ledger {}: BROKEN at #{seq} ({p}); {} transactions read",
                        r.ledger_id, r.checked
                    ),
                    _ => println!("ledger {}: intact, {} transactions", r.ledger_id, r.checked),
                }
            }
            if !broken.is_empty() {
                return Err(format!(
                    "{} of {} ledgers failed the check",
                    broken.len(),
                    reports.len()
                ));
            }
            println!("all {} ledgers intact", reports.len());
        }
        Command::Config(opts) => {
            print!("{}", config::describe());
            linli_app::sms::sender(&opts.sms())?;
            println!("settings are valid");
        }
        Command::Serve(opts) => {
            let ServeOpts {
                listen,
                demo,
                public_url,
                secure_cookies,
                trusted_proxies,
                sms_per_address_hour,
                sms_per_hour,
                ..
            } = opts;
            // A wrong SMS setting stops the start, not the first resident who registers.
            let sms = linli_app::sms::sender(&opts.sms())?;
            if opts.sms_provider == "log" && *secure_cookies {
                tracing::warn!(
                    "SMS provider is `log`: codes are written to the log and nobody receives them; set LINLI_SMS_PROVIDER"
                );
            }
            let (db, _) = open(&cli).await?;
            if *demo {
                print_logins(&seed(&db).await?);
            }
            let config = Config {
                secure_cookies: *secure_cookies,
                public_url: public_url.clone(),
                trusted_proxies: trusted_proxies.clone(),
                sms_caps: linli_app::accounts::SmsCaps {
                    per_address_hour: *sms_per_address_hour,
                    per_hour: *sms_per_hour,
                },
            };
            // The segmentation dictionary loads in the background, not on the first search.
            tokio::task::spawn_blocking(linli_domain::search::warm_up);
            let state = AppState::new(db.clone(), sms, config);
            // Background work (closing votes at their time, hourly housekeeping) runs from
            // the durable job queue; several processes on one PostgreSQL share it.
            linli_app::jobs::schedule_maintenance(&db)
                .await
                .map_err(|e| format!("cannot schedule maintenance: {e}"))?;
            linli_store::clock::spawn(linli_app::jobs::worker(db.clone()));
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            // On SQLite, say which `synchronous` the pool really runs with (NORMAL by
            // default, FULL with LINLI_SQLITE_SYNC=full): durability claims depend on it,
            // and bench/*.sh check this line.
            let backend = match db
                .sqlite_synchronous()
                .await
                .map_err(|e| format!("cannot read PRAGMA synchronous: {e}"))?
            {
                None => "PostgreSQL".to_string(),
                Some(sync) => format!("SQLite, synchronous={sync}"),
            };
            println!("Linli 邻里 is running at http://{listen}/  (database: {backend})");
            tracing::info!(%listen, backend, "listening");
            axum_serve(listener, linli_web::router(state)).await?;
            // Requests are drained; fold the WAL in before closing, as a clean stop should.
            if let Err(e) = db.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint at shutdown failed");
            }
            db.close().await;
            tracing::info!("stopped cleanly");
        }
    }
    Ok(())
}

/// Prints a recount of a vote and checks it against the stored result.
async fn tally(db: &Db, vote: i64) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (v, options, t) = linli_app::deliberation::votes::recount(db, vote)
        .await
        .map_err(|e| format!("tally: {e}"))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "vote {}: {} ({}, {}, {})",
        v.id, v.title, v.method, v.electorate, v.status
    );
    println!("ballots counted: {}", t.cast);
    if let Some(yn) = &t.yes_no {
        println!("yes {} · no {} · abstain {}", yn.yes, yn.no, yn.abstain);
    }
    if let Some(a) = &t.approvals {
        for (o, n) in options.iter().zip(a) {
            println!("  {o}: {n}");
        }
    }
    if let Some(r) = &t.runoff {
        for (i, round) in r.rounds.iter().enumerate() {
            println!("  round {}: {:?}", i + 1, round);
        }
    }
    if let Some(a) = &t.art278 {
        let pct = |p: i64, w: i64| {
            if w == 0 {
                0.0
            } else {
                p as f64 * 100.0 / w as f64
            }
        };
        println!(
            "area taking part   {} / {} = {:.2}% (>= 2/3: {})",
            a.voting_area,
            a.total_area,
            pct(a.voting_area, a.total_area),
            a.area_participation_ok
        );
        println!(
            "owners taking part {} / {} = {:.2}% (>= 2/3: {})",
            a.voting_owners,
            a.total_owners,
            pct(a.voting_owners as i64, a.total_owners as i64),
            a.owner_participation_ok
        );
        println!(
            "area saying yes    {} / {} = {:.2}% ({}: {})",
            a.yes_area,
            a.voting_area,
            pct(a.yes_area, a.voting_area),
            v.matter,
            a.area_approval_ok
        );
        println!(
            "owners saying yes  {} / {} = {:.2}% ({}: {})",
            a.yes_owners,
            a.voting_owners,
            pct(a.yes_owners as i64, a.voting_owners as i64),
            v.matter,
            a.owner_approval_ok
        );
        println!("valid: {}", a.valid);
    }
    if let Some(w) = t.winner {
        println!("winner: {}", options[w]);
    }
    println!("passed: {}", t.passed);
    println!("counted in {ms:.0} ms");
    if v.status == linli_domain::deliberation::ballots::VoteStatus::Closed {
        match linli_app::deliberation::votes::stored_tally(&v) {
            Some(stored) if stored == t => println!("matches the stored result"),
            _ => return Err("the recount differs from the stored result".into()),
        }
    }
    Ok(())
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: axum_router::Router,
) -> Result<(), String> {
    axum_router::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        // SIGTERM (systemd, docker, kill) stops as cleanly as Ctrl-C: in-flight requests
        // finish, then the database is checkpointed and closed.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        }
    })
    .await
    .map_err(|e| format!("server error: {e}"))
}

use linli_web::axum as axum_router;

async fn seed(db: &Db) -> Result<Vec<linli_demo::DemoLogin>, String> {
    let started = std::time::Instant::now();
    let logins = linli_demo::seed(db)
        .await
        .map_err(|e| format!("demo data: {e}"))?;
    tracing::info!(ms = started.elapsed().as_millis() as u64, "demo data ready");
    Ok(logins)
}

fn print_logins(logins: &[linli_demo::DemoLogin]) {
    println!("Demo logins (password: {}):", linli_demo::DEMO_PASSWORD);
    for l in logins {
        println!(
            "  {}  {:<4}  {:<20} @ {}",
            l.phone,
            l.name,
            l.role.as_str(),
            l.node
        );
    }
}

async fn backup(cli: &Cli, file: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if file.exists() {
        return Err(format!(
            "{} exists already; choose a new file",
            file.display()
        ));
    }
    // The database must exist and hold Linli: an empty or missing one is an error, never
    // an empty backup reported as written.
    let (db, url) = open_existing(cli).await?;
    // Created empty and owner-only first: the copy holds password hashes, phone numbers
    // and receipts.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("cannot create {}: {e}", file.display()))?;
    let written = async {
        if url.starts_with("postgres") {
            let status = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg(format!("--file={}", file.display()))
                .arg(&url)
                .status()
                .await
                .map_err(|e| format!("cannot run pg_dump: {e}"))?;
            if !status.success() {
                return Err(format!("pg_dump failed: {status}"));
            }
        } else {
            let abs = std::path::absolute(file).map_err(|e| e.to_string())?;
            db.backup_sqlite(&abs.to_string_lossy())
                .await
                .map_err(|e| format!("backup failed: {e}"))?;
        }
        Ok(())
    }
    .await;
    db.close().await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(file);
        return Err(e);
    }
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", file.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes)", file.display());
    Ok(())
}

/// Removes an SQLite file's write-ahead log and shared-memory index, if any.
fn remove_sidecars(db: &std::path::Path) {
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}

/// Checks a database's ledgers and counts what it holds, for restore's report.
async fn check_restored(db: &Db) -> Result<String, String> {
    let reports = linli_app::money::verify_all(db)
        .await
        .map_err(|e| format!("verify: {e}"))?;
    if let Some(bad) = reports.iter().find(|r| !r.ok) {
        return Err(format!("ledger {} fails its check", bad.ledger_id));
    }
    let stats = linli_store::regions::stats(db, "/", "0")
        .await
        .map_err(|e| format!("cannot count: {e}"))?;
    Ok(format!(
        "{} ledgers intact, {} households, {} residents",
        reports.len(),
        stats.households,
        stats.residents
    ))
}

async fn restore(cli: &Cli, file: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let size = std::fs::metadata(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?
        .len();
    if size == 0 {
        return Err(format!("{} is empty: not a backup", file.display()));
    }
    if let Some(url) = &cli.database_url {
        if !url.starts_with("postgres") {
            return Err(
                "restore works on the data folder's linli.db or a PostgreSQL DATABASE_URL".into(),
            );
        }
        let mut magic = [0u8; 5];
        use std::io::Read;
        std::fs::File::open(file)
            .and_then(|mut f| f.read_exact(&mut magic))
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        if &magic != b"PGDMP" {
            return Err(format!(
                "{} is not a PostgreSQL backup (pg_dump custom format)",
                file.display()
            ));
        }
        let status = tokio::process::Command::new("pg_restore")
            .args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg(format!("--dbname={url}"))
            .arg(file)
            .status()
            .await
            .map_err(|e| format!("cannot run pg_restore: {e}"))?;
        if !status.success() {
            return Err(format!(
                "pg_restore failed ({status}); the database is as it was"
            ));
        }
        let (db, _) = open_existing(cli).await?;
        let report = check_restored(&db).await;
        db.close().await;
        println!(
            "restored {} into {}: {}",
            file.display(),
            shown_url(url),
            report?
        );
        return Ok(());
    }
    // SQLite: the backup is copied beside the live file (owner-only, synced), the copy is
    // checked on its own, and only then renamed over the live file: a failed check or a
    // crash leaves the old database in place, never half of one.
    let target = cli.data.join("linli.db");
    let wal = cli.data.join("linli.db-wal");
    if std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        return Err(format!(
            "{} is in use (its write-ahead log is open): stop the server first",
            target.display()
        ));
    }
    if !cli.data.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&cli.data)
            .map_err(|e| format!("cannot create {}: {e}", cli.data.display()))?;
    }
    let tmp = cli.data.join("linli.db.restoring");
    let clean = |tmp: &std::path::Path| {
        let _ = std::fs::remove_file(tmp);
        remove_sidecars(tmp);
    };
    clean(&tmp);
    {
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let mut inp = std::fs::File::open(file).map_err(|e| e.to_string())?;
        std::io::copy(&mut inp, &mut out).map_err(|e| format!("copy failed: {e}"))?;
        out.sync_all().map_err(|e| format!("sync failed: {e}"))?;
    }
    let checked = async {
        let db = Db::connect_existing(&format!("sqlite://{}", tmp.display()))
            .await
            .map_err(|e| format!("{} is not a database: {e}", file.display()))?;
        let r = async {
            match db.migration_status().await {
                Ok(Some((_, pending))) if pending.is_empty() => check_restored(&db).await,
                Ok(Some(_)) => Err(format!(
                    "{} is from an older Linli: restore it with that version, then upgrade",
                    file.display()
                )),
                Ok(None) => Err(format!("{} holds no Linli data", file.display())),
                Err(e) => Err(format!("{} is not a Linli backup: {e}", file.display())),
            }
        }
        .await;
        let _ = db.checkpoint().await;
        db.close().await;
        r
    }
    .await;
    let report = match checked {
        Ok(r) => r,
        Err(e) => {
            clean(&tmp);
            return Err(format!("{e}; nothing was changed"));
        }
    };
    remove_sidecars(&tmp);
    if target.exists() {
        let kept = cli.data.join("linli.db.before-restore");
        let _ = std::fs::remove_file(&kept);
        std::fs::rename(&target, &kept)
            .map_err(|e| format!("cannot keep the old database: {e}"))?;
        println!("the replaced database is kept as {}", kept.display());
    }
    remove_sidecars(&target);
    std::fs::rename(&tmp, &target).map_err(|e| format!("cannot move the copy in place: {e}"))?;
    println!(
        "restored {} into {}: {report}",
        file.display(),
        target.display()
    );
    Ok(())
}
