-- Clubs and activities: the club lifecycle with dated, explained changes; life meetings
-- (自组织生活会) with the stories leaders share; activities with capacity, a waiting list,
-- sign-ups, check-in, AA cost-sharing and settlement.

ALTER TABLE organizations ADD COLUMN stage TEXT NOT NULL DEFAULT 'active';

CREATE TABLE club_stage_changes (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES organizations(id),
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users(id),
    at         BIGINT NOT NULL
);
CREATE INDEX club_stage_changes_org ON club_stage_changes(org_id, id);
CREATE INDEX club_stage_changes_at ON club_stage_changes(at);

CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    region_id       BIGINT NOT NULL REFERENCES regions(id),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL,
    starts_at       BIGINT NOT NULL,
    cancel_until    BIGINT NOT NULL,
    capacity        BIGINT NOT NULL CHECK (capacity > 0),
    planned_cost    BIGINT NOT NULL DEFAULT 0 CHECK (planned_cost >= 0),
    surplus_bp      BIGINT NOT NULL DEFAULT 0 CHECK (surplus_bp >= 0),
    fee             BIGINT NOT NULL DEFAULT 0 CHECK (fee >= 0),
    status          TEXT NOT NULL,
    checkin_code    TEXT NOT NULL,
    settled_txn     BIGINT REFERENCES ledger_txns(id),
    review          TEXT NOT NULL DEFAULT '',
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX activities_org ON activities(org_id, starts_at);
CREATE INDEX activities_region ON activities(region_id, starts_at);

CREATE TABLE activity_signups (
    id            INTEGER PRIMARY KEY,
    activity_id   BIGINT NOT NULL REFERENCES activities(id),
    user_id       BIGINT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL,
    position      BIGINT NOT NULL,
    fee_paid      BIGINT NOT NULL DEFAULT 0,
    checked_in_at BIGINT,
    created_at    BIGINT NOT NULL,
    UNIQUE (activity_id, user_id)
);
CREATE INDEX activity_signups_queue ON activity_signups(activity_id, status, position);

CREATE TABLE activity_costs (
    id          INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    item        TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount > 0),
    voucher_id  BIGINT NOT NULL REFERENCES vouchers(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX activity_costs_activity ON activity_costs(activity_id);
CREATE UNIQUE INDEX activity_costs_one_voucher ON activity_costs(voucher_id);

-- 自组织生活会: recurring meetings where club leaders share what they did.
CREATE TABLE life_meetings (
    id         INTEGER PRIMARY KEY,
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    title      TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX life_meetings_region ON life_meetings(region_id, held_on);

CREATE TABLE life_meeting_shares (
    id          INTEGER PRIMARY KEY,
    meeting_id  BIGINT NOT NULL REFERENCES life_meetings(id),
    org_id      BIGINT NOT NULL REFERENCES organizations(id),
    speaker_id  BIGINT NOT NULL REFERENCES users(id),
    story       TEXT NOT NULL,
    money_used  BIGINT NOT NULL DEFAULT 0 CHECK (money_used >= 0),
    photo_id    BIGINT REFERENCES vouchers(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX life_meeting_shares_meeting ON life_meeting_shares(meeting_id, id);
