-- Deliberation (议事协商): bodies with seats and terms; issues raised by residents, with
-- support and a moderated thread; sittings (meetings of a body) with agenda, attendance,
-- motions, a speaking queue and minutes; votes with ballots (open or secret), paper
-- entries and proxies; decisions' action items; in-app notifications.

-- Files not tied to a ledger: photos of issues and posts, scanned proxies (委托书).
CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    filename    TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    digest      TEXT NOT NULL,
    data        BLOB NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

-- Who owns each unit (household), for owners' votes. One buyer of several units shares
-- an owner_key; the developer's unsold or undelivered units are marked `developer`.
CREATE TABLE unit_owners (
    household_id BIGINT PRIMARY KEY REFERENCES households(id),
    region_id    BIGINT NOT NULL REFERENCES regions(id),
    owner_key    TEXT NOT NULL,
    owner_name   TEXT NOT NULL,
    user_id      BIGINT REFERENCES users(id),
    developer    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX unit_owners_region ON unit_owners(region_id);
CREATE INDEX unit_owners_user ON unit_owners(user_id);

-- 四方联席会议, 议事会, 业主大会, 专委会.
CREATE TABLE bodies (
    id                INTEGER PRIMARY KEY,
    region_id         BIGINT NOT NULL REFERENCES regions(id),
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    -- Supporters an issue needs to go on this body's agenda.
    support_threshold BIGINT NOT NULL DEFAULT 10 CHECK (support_threshold >= 1),
    -- Members present for a quorum, in basis points of the seated members (5000 = half).
    quorum_bp         BIGINT NOT NULL DEFAULT 5000 CHECK (quorum_bp > 0 AND quorum_bp <= 10000),
    requires_second   BOOLEAN NOT NULL DEFAULT TRUE,
    speech_seconds    BIGINT NOT NULL DEFAULT 180 CHECK (speech_seconds > 0),
    created_by        BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    UNIQUE (region_id, name)
);

-- A seat on a body for a term; party is one of the four parties or another seat kind.
CREATE TABLE body_members (
    id         INTEGER PRIMARY KEY,
    body_id    BIGINT NOT NULL REFERENCES bodies(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    party      TEXT NOT NULL,
    seat       TEXT NOT NULL DEFAULT '',
    term_start TEXT NOT NULL,
    term_end   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (body_id, user_id, term_start)
);
CREATE INDEX body_members_user ON body_members(user_id);

CREATE TABLE issues (
    id                   INTEGER PRIMARY KEY,
    region_id            BIGINT NOT NULL REFERENCES regions(id),
    body_id              BIGINT REFERENCES bodies(id),
    author_id            BIGINT NOT NULL REFERENCES users(id),
    -- Raised by a building representative on behalf of the building.
    on_behalf            BOOLEAN NOT NULL DEFAULT FALSE,
    households_consulted BIGINT CHECK (households_consulted >= 0),
    title                TEXT NOT NULL,
    body                 TEXT NOT NULL,
    -- raised → on_agenda → decided → in_action → done, or declined.
    status               TEXT NOT NULL,
    status_reason        TEXT NOT NULL DEFAULT '',
    decision             TEXT NOT NULL DEFAULT '',
    supporters           BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX issues_region ON issues(region_id, id);
CREATE INDEX issues_body ON issues(body_id, status);
CREATE INDEX issues_author ON issues(author_id, created_at);

CREATE TABLE issue_supports (
    issue_id BIGINT NOT NULL REFERENCES issues(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    at       BIGINT NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);

CREATE TABLE issue_events (
    id          INTEGER PRIMARY KEY,
    issue_id    BIGINT NOT NULL REFERENCES issues(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    by_user     BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX issue_events_issue ON issue_events(issue_id, id);

CREATE TABLE issue_posts (
    id            INTEGER PRIMARY KEY,
    issue_id      BIGINT NOT NULL REFERENCES issues(id),
    author_id     BIGINT NOT NULL REFERENCES users(id),
    quote_id      BIGINT REFERENCES issue_posts(id),
    body          TEXT NOT NULL,
    hidden_reason TEXT,
    hidden_by     BIGINT REFERENCES users(id),
    hidden_at     BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX issue_posts_issue ON issue_posts(issue_id, id);
CREATE INDEX issue_posts_author ON issue_posts(author_id, created_at);

-- Photos of an issue (post_id NULL) or of a post.
CREATE TABLE issue_files (
    id       INTEGER PRIMARY KEY,
    issue_id BIGINT NOT NULL REFERENCES issues(id),
    post_id  BIGINT REFERENCES issue_posts(id),
    file_id  BIGINT NOT NULL REFERENCES files(id)
);
CREATE INDEX issue_files_issue ON issue_files(issue_id);

CREATE TABLE post_reports (
    post_id BIGINT NOT NULL REFERENCES issue_posts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason  TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- A meeting of a body.
CREATE TABLE sittings (
    id                INTEGER PRIMARY KEY,
    body_id           BIGINT NOT NULL REFERENCES bodies(id),
    region_id         BIGINT NOT NULL REFERENCES regions(id),
    title             TEXT NOT NULL,
    starts_at         BIGINT NOT NULL,
    place             TEXT NOT NULL DEFAULT '',
    -- scheduled → open → closed
    status            TEXT NOT NULL,
    chair_id          BIGINT REFERENCES users(id),
    minutes           TEXT NOT NULL DEFAULT '',
    -- none → draft → approved → published
    minutes_status    TEXT NOT NULL DEFAULT 'none',
    minutes_approved_by BIGINT REFERENCES users(id),
    minutes_published_at BIGINT,
    created_by        BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL
);
CREATE INDEX sittings_body ON sittings(body_id, starts_at);
CREATE INDEX sittings_region ON sittings(region_id, starts_at);

CREATE TABLE sitting_agenda (
    sitting_id BIGINT NOT NULL REFERENCES sittings(id),
    issue_id   BIGINT NOT NULL REFERENCES issues(id),
    position   BIGINT NOT NULL,
    PRIMARY KEY (sitting_id, issue_id)
);
CREATE INDEX sitting_agenda_issue ON sitting_agenda(issue_id);

CREATE TABLE sitting_attendance (
    sitting_id BIGINT NOT NULL REFERENCES sittings(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    party      TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (sitting_id, user_id)
);

-- moved → seconded → voting → carried | failed; or withdrawn. An amendment has a parent.
CREATE TABLE motions (
    id          INTEGER PRIMARY KEY,
    sitting_id  BIGINT NOT NULL REFERENCES sittings(id),
    issue_id    BIGINT REFERENCES issues(id),
    parent_id   BIGINT REFERENCES motions(id),
    text        TEXT NOT NULL,
    mover_id    BIGINT NOT NULL REFERENCES users(id),
    seconder_id BIGINT REFERENCES users(id),
    status      TEXT NOT NULL,
    vote_id     BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX motions_sitting ON motions(sitting_id, id);

CREATE TABLE speaking_queue (
    id            INTEGER PRIMARY KEY,
    sitting_id    BIGINT NOT NULL REFERENCES sittings(id),
    user_id       BIGINT NOT NULL REFERENCES users(id),
    limit_seconds BIGINT NOT NULL,
    requested_at  BIGINT NOT NULL,
    started_at    BIGINT,
    ended_at      BIGINT
);
CREATE INDEX speaking_queue_sitting ON speaking_queue(sitting_id, id);

CREATE TABLE votes (
    id                   INTEGER PRIMARY KEY,
    region_id            BIGINT NOT NULL REFERENCES regions(id),
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    body_id              BIGINT REFERENCES bodies(id),
    sitting_id           BIGINT REFERENCES sittings(id),
    motion_id            BIGINT REFERENCES motions(id),
    issue_id             BIGINT REFERENCES issues(id),
    -- majority | two_thirds | consensus | approval | ranked | owners
    method               TEXT NOT NULL,
    -- ordinary | major (art. 278 items 6–8), for owners' votes
    matter               TEXT NOT NULL DEFAULT 'ordinary',
    -- body | residents | households | owners
    electorate           TEXT NOT NULL,
    electorate_region_id BIGINT NOT NULL REFERENCES regions(id),
    secret               BOOLEAN NOT NULL DEFAULT FALSE,
    hide_results         BOOLEAN NOT NULL DEFAULT FALSE,
    opens_at             BIGINT NOT NULL,
    closes_at            BIGINT NOT NULL,
    -- pending (a later stage waiting for the earlier one) → open → closed; or void
    status               TEXT NOT NULL,
    parent_id            BIGINT REFERENCES votes(id),
    parent_option        BIGINT,
    result               TEXT NOT NULL DEFAULT '',
    winner               BIGINT,
    passed               BOOLEAN,
    created_by           BIGINT NOT NULL REFERENCES users(id),
    created_at           BIGINT NOT NULL,
    closed_at            BIGINT,
    CHECK (closes_at > opens_at)
);
CREATE INDEX votes_region ON votes(region_id, id);
CREATE INDEX votes_parent ON votes(parent_id);
CREATE INDEX votes_sitting ON votes(sitting_id);

CREATE TABLE vote_options (
    vote_id  BIGINT NOT NULL REFERENCES votes(id),
    position BIGINT NOT NULL,
    label    TEXT NOT NULL,
    PRIMARY KEY (vote_id, position)
);

-- Who took part: one row per voter (a person `p:ID`, a household `h:ID` or an owner's
-- unit `u:ID`) per vote. The primary key is what makes a second ballot impossible.
CREATE TABLE vote_participation (
    vote_id   BIGINT NOT NULL REFERENCES votes(id),
    voter_key TEXT NOT NULL,
    cast_by   BIGINT REFERENCES users(id),
    -- online | room | paper | proxy
    channel   TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (vote_id, voter_key)
);
CREATE INDEX vote_participation_cast_by ON vote_participation(cast_by);

-- What was voted. An open ballot names its voter; a secret ballot has voter_key NULL, a
-- random id and no time, so it cannot be joined to vote_participation.
CREATE TABLE ballots (
    id        TEXT NOT NULL PRIMARY KEY,
    vote_id   BIGINT NOT NULL REFERENCES votes(id),
    voter_key TEXT,
    -- yes | no | abstain, or option positions joined by commas (ranked: in order)
    choice    TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX ballots_vote ON ballots(vote_id);
CREATE UNIQUE INDEX ballots_open_voter ON ballots(vote_id, voter_key) WHERE voter_key IS NOT NULL;

-- Paper ballots, entered twice by different tellers; counted once both entries agree.
CREATE TABLE paper_entries (
    id        INTEGER PRIMARY KEY,
    vote_id   BIGINT NOT NULL REFERENCES votes(id),
    paper_no  TEXT NOT NULL,
    entry     BIGINT NOT NULL CHECK (entry IN (1, 2)),
    teller_id BIGINT NOT NULL REFERENCES users(id),
    voter_key TEXT NOT NULL,
    choice    TEXT NOT NULL,
    at        BIGINT NOT NULL,
    UNIQUE (vote_id, paper_no, entry)
);
-- The outcome of each paper ballot: counted | mismatch | duplicate (the voter had already
-- voted; the first ballot recorded counts).
CREATE TABLE paper_ballots (
    vote_id   BIGINT NOT NULL REFERENCES votes(id),
    paper_no  TEXT NOT NULL,
    voter_key TEXT NOT NULL,
    status    TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (vote_id, paper_no)
);

-- 委托书: an owner appoints a proxy in writing, scanned and attached.
CREATE TABLE proxies (
    id            INTEGER PRIMARY KEY,
    vote_id       BIGINT NOT NULL REFERENCES votes(id),
    voter_key     TEXT NOT NULL,
    proxy_user_id BIGINT NOT NULL REFERENCES users(id),
    file_id       BIGINT NOT NULL REFERENCES files(id),
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    UNIQUE (vote_id, voter_key)
);
CREATE INDEX proxies_proxy ON proxies(proxy_user_id);

-- What a decision becomes (议而有行): items with an owner and a due date.
CREATE TABLE action_items (
    id         INTEGER PRIMARY KEY,
    issue_id   BIGINT REFERENCES issues(id),
    vote_id    BIGINT REFERENCES votes(id),
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    title      TEXT NOT NULL,
    owner_id   BIGINT NOT NULL REFERENCES users(id),
    due_on     TEXT NOT NULL,
    -- open → doing → done
    status     TEXT NOT NULL,
    progress   BIGINT NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    done_at    BIGINT
);
CREATE INDEX action_items_issue ON action_items(issue_id);
CREATE INDEX action_items_region ON action_items(region_id, id);

CREATE TABLE action_notes (
    id        INTEGER PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES action_items(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    note      TEXT NOT NULL,
    progress  BIGINT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX action_notes_action ON action_notes(action_id, id);

-- In-app notifications: a message key of the catalogue plus its argument, so each
-- reader sees it in their own language.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    msg_key    TEXT NOT NULL,
    arg        TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
