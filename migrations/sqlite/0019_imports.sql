-- Issue 15: loading a community's buildings, units, owners and residents from a sheet.
-- An upload is checked at once (the dry run: the problems, row by row, are kept here and
-- shown); the valid units wait in `payload` until the officer chooses how to import, are
-- then written by a background job that counts its progress in `done_units`, and are
-- dropped when written. The uploaded file itself is never kept.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    actor_id    BIGINT NOT NULL REFERENCES users(id),
    filename    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('checked', 'queued', 'running', 'done', 'failed')),
    mode        TEXT CHECK (mode IN ('all', 'valid')),
    total_rows  BIGINT NOT NULL,
    bad_rows    BIGINT NOT NULL,
    units       BIGINT NOT NULL,
    problems    TEXT NOT NULL,
    payload     TEXT,
    done_units  BIGINT NOT NULL DEFAULT 0,
    result      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX imports_region ON imports(region_id, id);
-- A re-import finds a unit's people by name.
CREATE INDEX residents_household_name ON residents(household_id, name);
-- An owner's contact (a mainland mobile number), as the sheet or the unit page gives it;
-- an owner with an account is reached through the account as well.
ALTER TABLE unit_owners ADD COLUMN phone TEXT;
-- residents(household_id, name) serves every lookup residents(household_id) did.
DROP INDEX residents_household;
