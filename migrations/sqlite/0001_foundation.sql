-- Foundation: the region tree, households, accounts, sessions, roles, organizations,
-- invitations and the audit log. Times are UTC epoch milliseconds.

CREATE TABLE regions (
    id         INTEGER PRIMARY KEY,
    parent_id  BIGINT REFERENCES regions(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE,
    depth      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_id, name);

CREATE TABLE households (
    id         INTEGER PRIMARY KEY,
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    unit_label TEXT NOT NULL,
    floor_area BIGINT NOT NULL CHECK (floor_area > 0),
    created_at BIGINT NOT NULL,
    UNIQUE (region_id, unit_label)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    phone         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    elderly       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

-- People living in a household. Most demo residents have no account (user_id NULL);
-- a resident who joins with an invitation code gets a row with their account.
CREATE TABLE residents (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    name         TEXT NOT NULL,
    phone        TEXT,
    user_id      BIGINT REFERENCES users(id),
    is_head      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_region ON residents(region_id);
CREATE UNIQUE INDEX residents_one_household_per_user ON residents(user_id) WHERE user_id IS NOT NULL;

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sms_codes (
    id         INTEGER PRIMARY KEY,
    phone      TEXT NOT NULL,
    code       TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    used       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sms_codes_phone ON sms_codes(phone, created_at);

CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE role_grants (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    role       TEXT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    granted_at BIGINT NOT NULL,
    revoked_by BIGINT REFERENCES users(id),
    revoked_at BIGINT
);
CREATE UNIQUE INDEX role_grants_active ON role_grants(user_id, region_id, role) WHERE revoked_at IS NULL;
CREATE INDEX role_grants_region ON role_grants(region_id);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    intro      TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (region_id, name)
);

CREATE TABLE org_members (
    org_id    BIGINT NOT NULL REFERENCES organizations(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id);

CREATE TABLE invitations (
    code         TEXT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    created_by   BIGINT NOT NULL REFERENCES users(id),
    max_uses     BIGINT NOT NULL,
    uses         BIGINT NOT NULL DEFAULT 0 CHECK (uses <= max_uses),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX invitations_household ON invitations(household_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  BIGINT REFERENCES users(id),
    action    TEXT NOT NULL,
    region_id BIGINT REFERENCES regions(id),
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_region ON audit_log(region_id, id);
