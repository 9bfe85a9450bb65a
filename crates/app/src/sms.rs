//! Sending verification codes by SMS.
//!
//! `SmsSender` is the interface a real provider implements (Aliyun SMS, Tencent Cloud
//! SMS…): one call with the number and the text. Development uses `LogSms`, which
//! writes the message to the log; tests use `MemorySms` and read the codes back.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Delivers a text message to a mainland mobile number.
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `phone` (11 digits). An error is logged and shown to the user as
    /// "could not send the code".
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a>;
}

/// Writes every message to the log instead of sending it (development and demo).
pub struct LogSms;

impl SmsSender for LogSms {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(phone, text, "sms (log sender, not sent)");
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
        let sent = self.sent.lock().ok()?;
        sent.iter()
            .rev()
            .find(|(p, _)| p == phone)
            .and_then(|(_, text)| {
                text.split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .map(str::to_string)
            })
    }
}

impl MemorySms {
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
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            self.sent
                .lock()
                .map_err(|e| e.to_string())?
                .push((phone.to_string(), text.to_string()));
            Ok(())
        })
    }
}
