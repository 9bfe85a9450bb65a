-- Micro-grants (小额资金) from a fund to an organization: budget lines, a timeline of
-- every step (application, comments, votes, decision, disbursement, reports, return,
-- closing), one vote per committee member, and the fund's spending rules.

CREATE TABLE grants (
    id             INTEGER PRIMARY KEY,
    fund_org_id    BIGINT NOT NULL REFERENCES organizations(id),
    applicant_org_id BIGINT NOT NULL REFERENCES organizations(id),
    region_id      BIGINT NOT NULL REFERENCES regions(id),
    title          TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount > 0),
    status         TEXT NOT NULL,
    disbursed      BIGINT NOT NULL DEFAULT 0,
    spent          BIGINT NOT NULL DEFAULT 0,
    returned       BIGINT NOT NULL DEFAULT 0,
    paid_from      TEXT,
    created_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX grants_fund ON grants(fund_org_id, id);
CREATE INDEX grants_applicant ON grants(applicant_org_id, id);

CREATE TABLE grant_lines (
    id       INTEGER PRIMARY KEY,
    grant_id BIGINT NOT NULL REFERENCES grants(id),
    item     TEXT NOT NULL,
    amount   BIGINT NOT NULL CHECK (amount > 0)
);
CREATE INDEX grant_lines_grant ON grant_lines(grant_id);

CREATE TABLE grant_votes (
    grant_id BIGINT NOT NULL REFERENCES grants(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    vote     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (grant_id, user_id)
);

CREATE TABLE grant_events (
    id       INTEGER PRIMARY KEY,
    grant_id BIGINT NOT NULL REFERENCES grants(id),
    at       BIGINT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    kind     TEXT NOT NULL,
    body     TEXT NOT NULL DEFAULT '',
    amount   BIGINT NOT NULL DEFAULT 0,
    voucher_id BIGINT REFERENCES vouchers(id)
);
CREATE INDEX grant_events_grant ON grant_events(grant_id, id);

CREATE TABLE fund_rules (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id),
    max_amount  BIGINT NOT NULL CHECK (max_amount > 0),
    approvals   BIGINT NOT NULL CHECK (approvals > 0),
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, max_amount)
);
