//! Sending verification codes by SMS.
//!
//! `SmsSender` is the interface a provider implements. `sender` picks one from the
//! configuration, without code: `log` (development: the message goes to the log),
//! `aliyun` (阿里云短信服务) or `tencent` (腾讯云短信). Providers in China send only
//! approved templates under an approved sign name, so a message carries the code and
//! which template applies (a new number or a registered one) as well as the full text the
//! log sender and the tests read. `Counted` wraps whichever sender is chosen, logs its
//! failures (phones masked) and counts sent and failed for `/metrics`.

mod aliyun;
pub mod http;
mod tencent;

pub use aliyun::Aliyun;
pub use tencent::Tencent;

/// The signing functions, public so a test's fake endpoint can check a request.
pub mod signing {
    pub use super::aliyun::{outcome as aliyun_outcome, sign as aliyun_sign};
    pub use super::tencent::{authorization as tencent_authorization, outcome as tencent_outcome};
}

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One verification message.
#[derive(Debug, Clone)]
pub struct SmsMessage<'a> {
    /// The 11-digit mainland number.
    pub phone: &'a str,
    /// The six-digit code (the template's one parameter).
    pub code: &'a str,
    /// The number already has an account (the "log in with this code" template).
    pub registered: bool,
    /// The whole text in the user's language (what a template renders to).
    pub text: &'a str,
}

/// Delivers a text message to a mainland mobile number.
pub trait SmsSender: Send + Sync {
    /// Sends `msg`. An error is logged and shown to the user as "could not send the code".
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a>;
}

/// A provider's settings, as configured (`LINLI_SMS_*` or `[sms]` in `linli.toml`).
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    /// `log`, `aliyun` or `tencent`.
    pub provider: String,
    /// AccessKey ID (Aliyun) or SecretId (Tencent).
    pub key_id: String,
    /// AccessKey secret (Aliyun) or SecretKey (Tencent).
    pub key_secret: String,
    /// The approved sign name (签名), e.g. `邻里`.
    pub sign_name: String,
    /// The template for a new number (`SMS_123456789` / `1234567`), with one parameter: the code.
    pub template: String,
    /// The template for a registered number; the first one when empty.
    pub template_registered: String,
    /// Tencent's SmsSdkAppId.
    pub app_id: String,
    /// Tencent's region (`ap-guangzhou` when empty).
    pub region: String,
    /// Another endpoint than the provider's own (a gateway, or a test's fake).
    pub endpoint: Option<String>,
}

impl ProviderConfig {
    pub fn template_for_registered(&self) -> &str {
        if self.template_registered.is_empty() {
            &self.template
        } else {
            &self.template_registered
        }
    }

    fn require(&self, fields: &[(&str, &str)]) -> Result<(), String> {
        let missing: Vec<&str> = fields
            .iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| *k)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "SMS provider {:?} needs {}",
                self.provider,
                missing.join(", ")
            ))
        }
    }
}

/// The sender the configuration names; an error names what is missing.
pub fn sender(c: &ProviderConfig) -> Result<Arc<dyn SmsSender>, String> {
    let common = [
        ("sms.key_id (LINLI_SMS_KEY_ID)", c.key_id.as_str()),
        (
            "sms.key_secret (LINLI_SMS_KEY_SECRET)",
            c.key_secret.as_str(),
        ),
        ("sms.sign_name (LINLI_SMS_SIGN_NAME)", c.sign_name.as_str()),
        ("sms.template (LINLI_SMS_TEMPLATE)", c.template.as_str()),
    ];
    match c.provider.as_str() {
        "" | "log" => Ok(Arc::new(LogSms)),
        "aliyun" => {
            c.require(&common)?;
            Ok(Arc::new(Aliyun::new(c)?))
        }
        "tencent" => {
            c.require(&common)?;
            c.require(&[("sms.app_id (LINLI_SMS_APP_ID)", c.app_id.as_str())])?;
            Ok(Arc::new(Tencent::new(c)?))
        }
        other => Err(format!(
            "unknown SMS provider {other:?}: expected log, aliyun or tencent"
        )),
    }
}

/// Any sender, counted: failures are logged with the phone masked.
pub struct Counted {
    inner: Arc<dyn SmsSender>,
    sent: AtomicU64,
    failed: AtomicU64,
}

impl Counted {
    pub fn new(inner: Arc<dyn SmsSender>) -> Self {
        Self {
            inner,
            sent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Messages the provider accepted, and those it refused or never answered.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

impl SmsSender for Counted {
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            match self.inner.send(msg).await {
                Ok(()) => {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Err(e) => {
                    self.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        phone = %linli_domain::accounts::mask_phone(msg.phone),
                        error = %e,
                        "sms not sent"
                    );
                    Err(e)
                }
            }
        })
    }
}

/// Writes every message to the log instead of sending it (development and demo).
pub struct LogSms;

impl SmsSender for LogSms {
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(
                phone = msg.phone,
                text = msg.text,
                "sms (log sender, not sent)"
            );
            Ok(())
        })
    }
}

/// Keeps messages in memory so tests can read the codes.
#[derive(Default, Clone)]
pub struct MemorySms {
    sent: Arc<Mutex<Vec<(String, String)>>>,
}

impl MemorySms {
    /// The last six-digit code sent to `phone`.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        let text = self.last_text(phone)?;
        text.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .map(str::to_string)
    }

    /// The last message sent to `phone`.
    pub fn last_text(&self, phone: &str) -> Option<String> {
        let sent = self.sent.lock().ok()?;
        sent.iter()
            .rev()
            .find(|(p, _)| p == phone)
            .map(|(_, t)| t.clone())
    }

    /// How many messages were sent in all.
    pub fn count(&self) -> usize {
        self.sent.lock().map_or(0, |s| s.len())
    }
}

impl SmsSender for MemorySms {
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            self.sent
                .lock()
                .map_err(|e| e.to_string())?
                .push((msg.phone.to_string(), msg.text.to_string()));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_names_the_sender_and_what_is_missing() {
        assert!(sender(&ProviderConfig::default()).is_ok());
        let mut c = ProviderConfig {
            provider: "aliyun".into(),
            key_id: "id".into(),
            ..Default::default()
        };
        let e = sender(&c).err().unwrap();
        assert!(
            e.contains("key_secret") && e.contains("sign_name") && !e.contains("key_id"),
            "{e}"
        );
        c.key_secret = "s".into();
        c.sign_name = "邻里".into();
        c.template = "SMS_1".into();
        assert!(sender(&c).is_ok());
        c.provider = "tencent".into();
        assert!(sender(&c).err().unwrap().contains("app_id"));
        c.app_id = "1400000000".into();
        assert!(sender(&c).is_ok());
        c.provider = "twilio".into();
        assert!(sender(&c).err().unwrap().contains("unknown SMS provider"));
        assert_eq!(c.template_for_registered(), "SMS_1");
    }
}
