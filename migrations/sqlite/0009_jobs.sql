-- Background jobs, durable: enqueued inside the transaction that causes the work, claimed
-- by a worker (FOR UPDATE SKIP LOCKED on PostgreSQL, a writer transaction on SQLite)
-- under a lease, retried with backoff, and kept as 'dead' when they give up.
-- status: queued | running | done | dead. A running job whose lease ran out (its worker
-- died) is claimed again. dedupe_key: at most one queued or running job per key.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '',
    dedupe_key   TEXT,
    status       TEXT NOT NULL DEFAULT 'queued',
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_by    TEXT,
    locked_until BIGINT,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs(status, run_at);
CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key) WHERE status IN ('queued', 'running');
-- Votes open before this migration close through the queue too.
INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, created_at)
SELECT 'vote.close', CAST(id AS TEXT), 'vote.close:' || CAST(id AS TEXT), closes_at, 10, opens_at
FROM votes WHERE status = 'open';
