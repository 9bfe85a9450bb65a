//! Throttles: how many attempts a key (a phone number, a client address, the whole
//! platform) may make, and how long it waits after that. The store takes a hit
//! atomically (check and record in one transaction); the rule here decides.
//!
//! A bucket counts hits in a window that starts at its first hit. The first `free` hits
//! of a window pass at once. Past them, a hit must wait after the previous one: either a
//! delay that doubles with each further hit (for a person who may just be mistyping,
//! so they are slowed down, never locked out for long), or until the window ends (for
//! caps that cost money, such as SMS).

use crate::time::EpochMs;

/// What happens past the free hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Wait `step_ms · 2^(hits − free)` after the previous hit, at most `cap_ms`.
    Doubling { step_ms: i64, cap_ms: i64 },
    /// Wait until the window is over.
    UntilWindowEnds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub window_ms: i64,
    pub free: i64,
    pub backoff: Backoff,
}

/// A bucket as stored: when its window started, how many hits it holds, and the
/// earliest instant the next hit may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bucket {
    pub window_start: EpochMs,
    pub hits: i64,
    pub next_at: EpochMs,
}

impl Rule {
    /// Takes a hit at `now`: the bucket after it, or the instant a hit is allowed again.
    pub fn take(&self, b: Bucket, now: EpochMs) -> Result<Bucket, EpochMs> {
        let b = if b.hits == 0 || b.window_start + self.window_ms <= now {
            Bucket {
                window_start: now,
                hits: 0,
                next_at: now,
            }
        } else {
            b
        };
        if now < b.next_at {
            return Err(b.next_at);
        }
        let hits = b.hits + 1;
        Ok(Bucket {
            window_start: b.window_start,
            hits,
            next_at: now + self.wait_after(hits, b.window_start, now),
        })
    }

    /// How long the hit after the `hits`-th must wait.
    fn wait_after(&self, hits: i64, window_start: EpochMs, now: EpochMs) -> i64 {
        if hits < self.free {
            return 0;
        }
        match self.backoff {
            Backoff::Doubling { step_ms, cap_ms } => {
                let doublings = (hits - self.free).min(30) as u32;
                step_ms.saturating_mul(1i64 << doublings).min(cap_ms)
            }
            Backoff::UntilWindowEnds => (window_start + self.window_ms - now).max(0),
        }
    }

    /// Gives a hit back (a login that succeeded): the bucket as if it had not come.
    pub fn give_back(&self, b: Bucket, now: EpochMs) -> Bucket {
        let hits = (b.hits - 1).max(0);
        Bucket {
            window_start: b.window_start,
            hits,
            next_at: if hits < self.free { now } else { b.next_at },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn login() -> Rule {
        Rule {
            window_ms: 15 * MIN,
            free: 5,
            backoff: Backoff::Doubling {
                step_ms: 1_000,
                cap_ms: 15 * MIN,
            },
        }
    }

    #[test]
    fn five_pass_at_once_then_each_waits_twice_as_long() {
        let r = login();
        let mut b = Bucket::default();
        for _ in 0..5 {
            b = r.take(b, 0).unwrap();
        }
        assert_eq!(r.take(b, 0), Err(1_000), "the sixth waits a second");
        b = r.take(b, 1_000).unwrap();
        assert_eq!(r.take(b, 1_000), Err(3_000), "then two seconds");
        b = r.take(b, 3_000).unwrap();
        assert_eq!(r.take(b, 3_000), Err(7_000), "then four");
    }

    #[test]
    fn the_wait_never_exceeds_its_cap_and_a_new_window_starts_afresh() {
        let r = login();
        let mut b = Bucket::default();
        let mut now = 0;
        for _ in 0..40 {
            match r.take(b, now) {
                Ok(nb) => b = nb,
                Err(at) => {
                    assert!(at - now <= 15 * MIN);
                    now = at;
                }
            }
        }
        let later = b.window_start + 15 * MIN;
        let fresh = r.take(b, later.max(b.next_at)).unwrap();
        assert_eq!(fresh.hits, 1);
    }

    #[test]
    fn a_cap_that_costs_money_waits_until_its_window_ends() {
        let r = Rule {
            window_ms: 60 * MIN,
            free: 3,
            backoff: Backoff::UntilWindowEnds,
        };
        let mut b = Bucket::default();
        for t in [0, 10, 20] {
            b = r.take(b, t).unwrap();
        }
        assert_eq!(r.take(b, 30), Err(60 * MIN));
        assert_eq!(r.take(b, 60 * MIN).unwrap().hits, 1);
    }

    #[test]
    fn a_success_gives_its_hit_back() {
        let r = login();
        let mut b = Bucket::default();
        for _ in 0..5 {
            b = r.take(b, 0).unwrap();
        }
        let b = r.give_back(b, 0);
        assert_eq!(b.hits, 4);
        assert!(r.take(b, 0).is_ok());
    }
}
