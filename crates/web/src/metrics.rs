//! Prometheus metrics in text format at `/metrics`: requests by status class and a
//! latency histogram. Plain atomics: no registry crate needed for a handful of series.

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
    res
}

impl Metrics {
    /// The exposition text.
    pub fn render(&self, db_up: bool) -> String {
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
        let _ = writeln!(s, "linli_db_up {}", u8::from(db_up));
        s
    }
}
