-- Throttle buckets (login attempts per phone and per client address, SMS per phone,
-- per address and overall), taken atomically: the row is locked in the writer
-- transaction that checks and records a hit. Replaces login_failures.
CREATE TABLE throttle (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    next_at      BIGINT NOT NULL
);
DROP TABLE login_failures;
