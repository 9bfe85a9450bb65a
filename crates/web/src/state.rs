//! The application state shared by every handler: one cheap-to-clone handle.

use crate::i18n::Catalogs;
use crate::metrics::Metrics;
use linli_app::sms::SmsSender;
use linli_store::Db;
use std::sync::Arc;

/// Settings read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Marks cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The public base URL used in QR codes (`https://linli.example.cn`); when empty the
    /// request's Host header is used.
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` / `X-Real-IP` name the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Caps on SMS codes, which cost money.
    pub sms_caps: linli_app::accounts::SmsCaps,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    /// The configured sender, counted for `/metrics`.
    pub sms: linli_app::sms::Counted,
    pub catalogs: Catalogs,
    pub metrics: Metrics,
    pub config: Config,
    /// The clock every request of this app reads.
    pub clock: linli_store::clock::Clock,
    /// Users' grants, reused while their version is unchanged (the hot path).
    pub grants: linli_app::accounts::GrantsCache,
}

impl AppState {
    /// The address links and QR codes use: the configured public URL, else where the
    /// request came in (`origin`, which follows a trusted proxy's `X-Forwarded-Proto`/`-Host`).
    pub fn public_base(&self, origin: &str) -> String {
        if self.config.public_url.is_empty() {
            origin.to_string()
        } else {
            self.config.public_url.trim_end_matches('/').to_string()
        }
    }

    /// An app on the current clock (the process clock, unless called inside a scope).
    pub fn new(db: Db, sms: Arc<dyn SmsSender>, config: Config) -> Self {
        Self::with_clock(db, sms, config, linli_store::clock::current())
    }

    pub fn with_clock(
        db: Db,
        sms: Arc<dyn SmsSender>,
        config: Config,
        clock: linli_store::clock::Clock,
    ) -> Self {
        Self(Arc::new(Inner {
            db,
            sms: linli_app::sms::Counted::new(sms),
            catalogs: Catalogs::load(),
            metrics: Metrics::default(),
            config,
            clock,
            grants: Default::default(),
        }))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
