//! Background work, durable: any area enqueues a job inside the transaction that causes
//! it (`enqueue`), and the server's workers run it (`run_due`, `worker`), retrying with
//! backoff and giving up into a visible dead state (the admin page `/admin/jobs`).
//!
//! Adding a kind: a `Kind` variant, its name, and its arm in `run`. Handlers must be
//! idempotent (a job whose worker died mid-way runs again after the lease) and finish
//! well within `LEASE_MS`.

use crate::{Actor, AppError, AppResult, Page};
use linli_domain::jobs::{DEFAULT_ATTEMPTS, JobStatus, LEASE_MS, backoff_ms};
use linli_domain::time::{DAY_MS, HOUR_MS};
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::jobs::{self as st, JobRow, NewJob};
use linli_store::{Db, Tx};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Closes a vote at its closing time (payload: the vote's id).
    VoteClose,
    /// Tells a vote's electorate that it opened (payload: the vote's id).
    VoteOpened,
    /// Reminds those of a vote's electorate who have not voted that it closes soon.
    VoteClosing,
    /// Reminds those signed up for an activity the day before (payload: its id).
    ActivityReminder,
    /// Writes a checked sheet's units, owners and residents (payload: the import's id).
    Import,
    /// Hourly housekeeping: expired sessions, idle throttle rows, old done jobs, and any
    /// vote whose time is up that no job closed (a safety net).
    Maintenance,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::VoteClose,
        Kind::VoteOpened,
        Kind::VoteClosing,
        Kind::ActivityReminder,
        Kind::Import,
        Kind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::VoteClose => "vote.close",
            Kind::VoteOpened => "vote.opened",
            Kind::VoteClosing => "vote.closing",
            Kind::ActivityReminder => "activity.reminder",
            Kind::Import => "import",
            Kind::Maintenance => "maintenance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a handler asks for when it returns.
enum Outcome {
    Done,
    /// Not yet: run again at this instant (not counted as a failed attempt).
    Later(i64),
}

/// Enqueues a job of `kind` in `tx`, to run at `run_at`. With a `dedupe_key`, nothing is
/// added while a job with that key is queued or running.
pub async fn enqueue(
    tx: &mut Tx,
    kind: Kind,
    payload: &str,
    dedupe_key: Option<&str>,
    run_at: i64,
) -> AppResult<()> {
    st::enqueue(
        tx,
        &NewJob {
            kind: kind.as_str(),
            payload,
            dedupe_key,
            run_at,
            max_attempts: DEFAULT_ATTEMPTS,
        },
        now_ms(),
    )
    .await?;
    Ok(())
}

/// Schedules what an open vote needs: its closing at `closes_at`, the notice to its
/// electorate now, and the reminder before it closes.
pub async fn schedule_vote(tx: &mut Tx, id: i64, opens_at: i64, closes_at: i64) -> AppResult<()> {
    let payload = id.to_string();
    let key = format!("vote.close:{id}");
    enqueue(tx, Kind::VoteClose, &payload, Some(&key), closes_at).await?;
    enqueue(tx, Kind::VoteOpened, &payload, None, opens_at).await?;
    if let Some(at) = linli_domain::notifications::closing_reminder_at(opens_at, closes_at) {
        enqueue(tx, Kind::VoteClosing, &payload, None, at).await?;
    }
    Ok(())
}

/// Schedules the reminder a day before an activity starting at `starts_at` (once: a
/// reminder already queued for it is kept).
pub async fn schedule_activity(tx: &mut Tx, id: i64, starts_at: i64) -> AppResult<()> {
    if let Some(at) = linli_domain::notifications::activity_reminder_at(now_ms(), starts_at) {
        let key = format!("activity.reminder:{id}");
        // A new start time moves a queued reminder (earlier or later) rather than adding one.
        if !st::reschedule(tx, &key, at).await? {
            enqueue(tx, Kind::ActivityReminder, &id.to_string(), Some(&key), at).await?;
        }
    }
    Ok(())
}

/// Makes sure the recurring housekeeping job exists (at server start).
pub async fn schedule_maintenance(db: &Db) -> AppResult<()> {
    let mut tx = db.begin().await?;
    enqueue(
        &mut tx,
        Kind::Maintenance,
        "",
        Some(Kind::Maintenance.as_str()),
        now_ms() + HOUR_MS,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A name for this worker, unique across processes.
pub fn worker_name() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        &crate::tokens::random_token()[..8]
    )
}

/// Claims and runs the jobs that are due, up to `limit`; returns how many ran.
pub async fn run_due(db: &Db, worker: &str, limit: i64) -> AppResult<usize> {
    let jobs = st::claim(db, worker, now_ms(), LEASE_MS, limit).await?;
    for job in &jobs {
        let outcome = match Kind::parse(&job.kind) {
            Some(kind) => run(db, kind, job).await,
            None => Err(AppError::Internal(format!("unknown job kind {}", job.kind))),
        };
        let now = now_ms();
        match outcome {
            Ok(Outcome::Done) => {
                st::complete(db, job.id, worker, now).await?;
            }
            Ok(Outcome::Later(at)) => {
                st::requeue(db, job.id, worker, at, "", false).await?;
            }
            Err(e) => {
                let error = e.to_string();
                if job.attempts >= job.max_attempts {
                    tracing::error!(job = job.id, kind = %job.kind, %error, "job gave up");
                    st::bury(db, job.id, worker, &error, now).await?;
                } else {
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed; will retry");
                    let at = now + backoff_ms(job.attempts);
                    st::requeue(db, job.id, worker, at, &error, true).await?;
                }
            }
        }
    }
    Ok(jobs.len())
}

async fn run(db: &Db, kind: Kind, job: &JobRow) -> AppResult<Outcome> {
    match kind {
        Kind::VoteClose => {
            let id: i64 = job
                .payload
                .parse()
                .map_err(|_| AppError::Internal(format!("bad vote id {:?}", job.payload)))?;
            crate::deliberation::votes::close_when_due(db, id)
                .await
                .map(|later| later.map_or(Outcome::Done, Outcome::Later))
        }
        Kind::VoteOpened | Kind::VoteClosing => {
            let id = vote_id(job)?;
            crate::deliberation::votes::notify_electorate(db, id, kind == Kind::VoteClosing)
                .await?;
            Ok(Outcome::Done)
        }
        Kind::ActivityReminder => {
            let id: i64 = job
                .payload
                .parse()
                .map_err(|_| AppError::Internal(format!("bad activity id {:?}", job.payload)))?;
            Ok(crate::clubs::remind_participants(db, id)
                .await?
                .map_or(Outcome::Done, Outcome::Later))
        }
        Kind::Import => {
            let id: i64 = job
                .payload
                .parse()
                .map_err(|_| AppError::Internal(format!("bad import id {:?}", job.payload)))?;
            crate::imports::run(db, id).await?;
            Ok(Outcome::Done)
        }
        Kind::Maintenance => {
            let now = now_ms();
            linli_store::accounts::delete_expired_sessions(db).await?;
            linli_store::accounts::delete_old_throttle_rows(db, now - DAY_MS).await?;
            st::delete_done_before(db, now - 7 * DAY_MS).await?;
            // A dry run never committed does not keep its units (a sheet's worth) forever.
            linli_store::imports::expire_checked(db, now - crate::imports::KEEP_CHECKED_MS, now)
                .await?;
            crate::deliberation::votes::close_due(db).await?;
            Ok(Outcome::Later(now + HOUR_MS))
        }
    }
}

fn vote_id(job: &JobRow) -> AppResult<i64> {
    job.payload
        .parse()
        .map_err(|_| AppError::Internal(format!("bad vote id {:?}", job.payload)))
}

static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Tells this process's worker that a job is due now (after committing it), so work a
/// user waits for (an import) starts at once rather than at the next second's poll.
/// Other processes' workers find it at their next poll.
pub fn wake() {
    WAKE.notify_one();
}

/// Runs jobs until the process ends: claims what is due every second, or at once when
/// woken (and again at once after a full batch).
pub async fn worker(db: Db) {
    let name = worker_name();
    tracing::info!(worker = %name, "job worker started");
    loop {
        match run_due(&db, &name, 20).await {
            Ok(20) => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "job worker"),
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = WAKE.notified() => {}
        }
    }
}

/// Jobs per kind and status, for the admin page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct JobCount {
    pub kind: String,
    pub status: String,
    pub count: i64,
}

fn platform_admin(actor: &Actor) -> AppResult<()> {
    if actor.is_platform_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The queue at a glance and its jobs, newest first (platform administrators only: jobs
/// belong to no one community).
pub async fn overview(
    db: &Db,
    actor: &Actor,
    status: Option<&str>,
    page: Page,
) -> AppResult<(Vec<JobCount>, Vec<JobRow>)> {
    platform_admin(actor)?;
    let status = match status.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(JobStatus::from_name(s).ok_or(AppError::Invalid("job_bad_status"))?),
    };
    let counts = st::counts(db)
        .await?
        .into_iter()
        .map(|(kind, status, count)| JobCount {
            kind,
            status,
            count,
        })
        .collect();
    let rows = st::list(db, status.map(JobStatus::as_str), page.size, page.offset()).await?;
    Ok((counts, rows))
}

/// Queues a dead job again, with fresh attempts.
pub async fn retry(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    platform_admin(actor)?;
    let job = st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("job_not_found"))?;
    let mut tx = db.begin().await?;
    let revived = st::revive(&mut tx, id, now_ms())
        .await
        .map_err(crate::error::unique_as("job_already_queued"))?;
    if !revived {
        return Err(AppError::Conflict("job_not_dead"));
    }
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "job.retry",
            region_id: None,
            target: format!("job:{id}"),
            detail: job.kind.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
