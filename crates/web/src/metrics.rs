//! Prometheus metrics in text format at `/metrics`: requests by status class and a
//! latency histogram, login failures and throttled attempts, SMS sent and failed, the
//! database's size and the job queue. Plain atomics: no registry crate needed for a
//! handful of series. Each request also leaves one log line here (status, duration),
//! inside the request's span (its id, user and region).

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    login_failures: AtomicU64,
    throttled: AtomicU64,
}

/// What `/metrics` reads from outside the counters, at the time of the scrape.
pub struct Snapshot {
    pub db_up: bool,
    pub db_bytes: Option<i64>,
    pub jobs_due: Option<i64>,
    /// Jobs per status (`queued`, `running`, `done`, `dead`…).
    pub jobs: Vec<(String, i64)>,
    pub sms_sent: u64,
    pub sms_failed: u64,
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let res = next.run(req).await;
    let m = &state.metrics;
    let class = (res.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    m.by_class[class].fetch_add(1, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    for (i, b) in BUCKETS.iter().enumerate() {
        if secs <= *b {
            m.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    m.count.fetch_add(1, Ordering::Relaxed);
    m.sum_micros
        .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    let status = res.status().as_u16();
    let ms = (secs * 1e4).round() / 10.0;
    // The timestamp is UTC; the local time is beside it for whoever reads the line.
    let shanghai = linli_domain::time::to_shanghai(linli_store::clock::now_ms())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    if status >= 500 {
        tracing::error!(status, ms, shanghai, "request");
    } else {
        tracing::info!(status, ms, shanghai, "request");
    }
    res
}

impl Metrics {
    /// Counts a login attempt's outcome: a wrong password or code is a failure, a
    /// slowed-down attempt is throttled. Both are logged by the app, phones masked.
    pub fn count_login<T>(&self, r: &linli_app::error::AppResult<T>) {
        use linli_app::error::AppError;
        match r {
            Err(AppError::Unauthorized(_)) | Err(AppError::Invalid("sms_code_wrong")) => {
                self.login_failures.fetch_add(1, Ordering::Relaxed);
            }
            Err(AppError::TooMany(_)) => {
                self.throttled.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    /// Counts a refused SMS request (too soon, too many).
    pub fn count_throttle<T>(&self, r: &linli_app::error::AppResult<T>) {
        if let Err(linli_app::error::AppError::TooMany(_)) = r {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The exposition text.
    pub fn render(&self, snap: &Snapshot) -> String {
        let mut s = String::new();
        s.push_str("# HELP linli_http_requests_total HTTP requests served, by status class.\n");
        s.push_str("# TYPE linli_http_requests_total counter\n");
        for (i, c) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                s,
                "linli_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                c.load(Ordering::Relaxed)
            );
        }
        s.push_str("# HELP linli_http_request_duration_seconds Time to serve a request.\n");
        s.push_str("# TYPE linli_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "linli_http_request_duration_seconds_bucket{{le=\"{b}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "linli_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "linli_http_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "linli_http_request_duration_seconds_count {count}");
        s.push_str("# HELP linli_db_up Whether the database answered the last health check.\n");
        s.push_str("# TYPE linli_db_up gauge\n");
        let _ = writeln!(s, "linli_db_up {}", u8::from(snap.db_up));
        let counter = |s: &mut String, name: &str, help: &str, kind: &str, v: String| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        counter(
            &mut s,
            "linli_login_failures_total",
            "Logins refused for a wrong password or code.",
            "counter",
            self.login_failures.load(Ordering::Relaxed).to_string(),
        );
        counter(
            &mut s,
            "linli_throttled_total",
            "Login and SMS attempts refused as too many or too soon.",
            "counter",
            self.throttled.load(Ordering::Relaxed).to_string(),
        );
        counter(
            &mut s,
            "linli_sms_sent_total",
            "SMS messages the provider accepted.",
            "counter",
            snap.sms_sent.to_string(),
        );
        counter(
            &mut s,
            "linli_sms_failed_total",
            "SMS messages the provider refused or never answered.",
            "counter",
            snap.sms_failed.to_string(),
        );
        if let Some(b) = snap.db_bytes {
            counter(
                &mut s,
                "linli_db_size_bytes",
                "The database's size on disk (receipts and photos included).",
                "gauge",
                b.to_string(),
            );
        }
        if let Some(d) = snap.jobs_due {
            counter(
                &mut s,
                "linli_jobs_due",
                "Queued background jobs whose time has come (the queue's depth).",
                "gauge",
                d.to_string(),
            );
        }
        s.push_str("# HELP linli_jobs Background jobs by status.\n# TYPE linli_jobs gauge\n");
        for (status, n) in &snap.jobs {
            let _ = writeln!(s, "linli_jobs{{status=\"{status}\"}} {n}");
        }
        s
    }
}
