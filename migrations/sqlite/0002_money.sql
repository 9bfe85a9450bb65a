-- Money: one double-entry ledger per organization, its chart of accounts, append-only
-- transactions chained by hash, entries in integer fen, vouchers, reimbursement claims
-- and donations. Dates of transactions are Asia/Shanghai calendar dates 'YYYY-MM-DD'.

CREATE TABLE ledgers (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT NOT NULL UNIQUE REFERENCES organizations(id),
    region_id      BIGINT NOT NULL REFERENCES regions(id),
    head_seq       BIGINT NOT NULL DEFAULT 0,
    head_hash      TEXT NOT NULL DEFAULT '',
    closed_through TEXT,
    created_at     BIGINT NOT NULL
);

CREATE TABLE ledger_accounts (
    id        INTEGER PRIMARY KEY,
    ledger_id BIGINT NOT NULL REFERENCES ledgers(id),
    code      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    balance   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (ledger_id, code)
);

CREATE TABLE vouchers (
    id          INTEGER PRIMARY KEY,
    ledger_id   BIGINT NOT NULL REFERENCES ledgers(id),
    filename    TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    digest      TEXT NOT NULL,
    data        BLOB NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE ledger_txns (
    id          INTEGER PRIMARY KEY,
    ledger_id   BIGINT NOT NULL REFERENCES ledgers(id),
    seq         BIGINT NOT NULL,
    occurred_on TEXT NOT NULL,
    kind        TEXT NOT NULL,
    memo        TEXT NOT NULL,
    reverses_id BIGINT REFERENCES ledger_txns(id),
    voucher_id  BIGINT REFERENCES vouchers(id),
    created_by  BIGINT NOT NULL REFERENCES users(id),
    posted_at   BIGINT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (ledger_id, seq)
);
CREATE UNIQUE INDEX ledger_txns_one_reversal ON ledger_txns(reverses_id) WHERE reverses_id IS NOT NULL;
-- A receipt backs one posting (a claim's payment reuses its claim's receipt).
CREATE UNIQUE INDEX ledger_txns_one_voucher ON ledger_txns(voucher_id) WHERE voucher_id IS NOT NULL;

CREATE TABLE ledger_entries (
    id          INTEGER PRIMARY KEY,
    txn_id      BIGINT NOT NULL REFERENCES ledger_txns(id),
    ledger_id   BIGINT NOT NULL REFERENCES ledgers(id),
    account_id  BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount      BIGINT NOT NULL CHECK (amount <> 0),
    occurred_on TEXT NOT NULL
);
CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);
CREATE INDEX ledger_entries_ledger_date ON ledger_entries(ledger_id, occurred_on, account_id, amount);

CREATE TABLE reimbursements (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id),
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    claimant_id BIGINT NOT NULL REFERENCES users(id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    category    TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    spent_on    TEXT NOT NULL,
    voucher_id  BIGINT NOT NULL REFERENCES vouchers(id),
    status      TEXT NOT NULL,
    decided_by  BIGINT REFERENCES users(id),
    reason      TEXT NOT NULL DEFAULT '',
    txn_id      BIGINT REFERENCES ledger_txns(id),
    created_at  BIGINT NOT NULL,
    decided_at  BIGINT
);
CREATE INDEX reimbursements_org ON reimbursements(org_id, id);
CREATE UNIQUE INDEX reimbursements_one_voucher ON reimbursements(voucher_id);

CREATE TABLE donations (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id),
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    kind        TEXT NOT NULL,
    donor_name  TEXT NOT NULL,
    donor_id    BIGINT REFERENCES users(id),
    anonymous   BOOLEAN NOT NULL DEFAULT FALSE,
    amount      BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
    goods       TEXT NOT NULL DEFAULT '',
    quantity    BIGINT NOT NULL DEFAULT 0,
    hours       BIGINT NOT NULL DEFAULT 0,
    receipt_no  TEXT NOT NULL UNIQUE,
    txn_id      BIGINT REFERENCES ledger_txns(id),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX donations_org ON donations(org_id, id);
