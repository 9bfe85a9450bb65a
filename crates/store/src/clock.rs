//! The app's one clock. Every reading of "now" in the platform goes through [`now_ms`];
//! nothing else reads the system clock (a test scans the sources for it).
//!
//! A [`Clock`] is the wall clock shifted by an offset, so time keeps flowing from the
//! instant it was set to: production runs with offset zero, `linli --now …` starts a
//! reproducible demo at a chosen instant, and a test pins the date it needs (the last day
//! of a month, 29 February, 23:30 in Asia/Shanghai) and may move it on.
//!
//! Which clock is read: the clock of the current task, if the code runs inside
//! [`scope`] (the web layer scopes every request to its app's clock, so apps with
//! different clocks can share one test process), otherwise the process clock set once at
//! start-up with [`set_process_clock`] (the system clock if never set).

use linli_domain::time::EpochMs;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

/// The wall clock plus an offset, cheap to clone; clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

/// The one reading of the operating system's clock.
fn wall_ms() -> EpochMs {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: EpochMs) -> Self {
        let c = Self::default();
        c.set(at);
        c
    }

    pub fn now_ms(&self) -> EpochMs {
        wall_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Makes the clock read `at` now.
    pub fn set(&self, at: EpochMs) {
        self.offset_ms.store(at - wall_ms(), Ordering::Relaxed);
    }

    /// Moves the clock on by `ms` (back if negative).
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

tokio::task_local! {
    static TASK_CLOCK: Clock;
}

static PROCESS_CLOCK: OnceLock<Clock> = OnceLock::new();

/// Sets the process clock, once, at start-up. Returns false if it was already set.
pub fn set_process_clock(clock: Clock) -> bool {
    PROCESS_CLOCK.set(clock).is_ok()
}

/// The clock code running here reads: the task's, else the process's.
pub fn current() -> Clock {
    TASK_CLOCK
        .try_with(Clock::clone)
        .unwrap_or_else(|_| PROCESS_CLOCK.get_or_init(Clock::system).clone())
}

/// Now, as epoch milliseconds, by the current clock.
pub fn now_ms() -> EpochMs {
    TASK_CLOCK
        .try_with(Clock::now_ms)
        .unwrap_or_else(|_| PROCESS_CLOCK.get_or_init(Clock::system).now_ms())
}

/// Today in Asia/Shanghai by the current clock.
pub fn today() -> linli_domain::money::Day {
    linli_domain::money::Day::of(now_ms())
}

/// Runs `fut` with `clock` as its clock.
pub async fn scope<F: std::future::Future>(clock: Clock, fut: F) -> F::Output {
    TASK_CLOCK.scope(clock, fut).await
}

/// Spawns a task that keeps the current clock.
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let clock = current();
    tokio::spawn(TASK_CLOCK.scope(clock, fut))
}

/// Parses an instant given on the command line or in a test setting: RFC 3339
/// (`2028-02-29T23:30:00+08:00`) or a local Asia/Shanghai time (`2028-02-29 23:30`).
pub fn parse_instant(raw: &str) -> Option<EpochMs> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(t.timestamp_millis());
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(raw, f) {
            return Some(linli_domain::time::shanghai_local_ms(t));
        }
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .map(linli_domain::time::shanghai_local_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_its_instant_and_runs_on() {
        let at = parse_instant("2028-02-29 23:30").unwrap();
        let c = Clock::starting_at(at);
        let read = c.now_ms();
        assert!((at..at + 5_000).contains(&read));
        c.advance(3_600_000);
        assert_eq!(
            linli_domain::time::format_shanghai(c.now_ms()),
            "2028-03-01 00:30"
        );
    }

    #[test]
    fn instants_parse_as_rfc3339_or_shanghai_local_time() {
        assert_eq!(
            parse_instant("2026-12-31T16:00:00Z"),
            parse_instant("2027-01-01 00:00")
        );
        assert!(parse_instant("yesterday").is_none());
    }

    #[tokio::test]
    async fn a_scoped_task_reads_its_own_clock() {
        let at = parse_instant("2027-12-31 23:59").unwrap();
        let inside = scope(Clock::starting_at(at), async {
            spawn(async { now_ms() }).await.unwrap()
        })
        .await;
        assert!((at..at + 5_000).contains(&inside));
    }

    /// Time is an input: outside this file no code (production or test) reads the
    /// calendar clock itself. `Instant::now` (durations for metrics) is allowed.
    #[test]
    fn nothing_else_reads_the_system_clock() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = vec![];
        walk(&crates, &mut files);
        assert!(files.len() > 50, "the sources were found");
        let forbidden = [
            concat!("Utc", "::now"),
            concat!("Local", "::now"),
            concat!("SystemTime", "::now"),
            concat!("chrono::offset::", "Local"),
        ];
        let mut found = vec![];
        for f in &files {
            if f.ends_with("store/src/clock.rs") {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap();
            for (n, line) in text.lines().enumerate() {
                if forbidden.iter().any(|w| line.contains(w)) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "read the clock through linli_store::clock:\n{}",
            found.join("\n")
        );
    }
}
