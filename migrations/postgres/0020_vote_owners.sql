-- Issue 15: an owners' vote counts the owners and areas as they stood when it opened. The
-- electorate is copied here when the vote opens (a sale or a new unit afterwards does not
-- change it): every owned unit with its area and owner, and one row per owner with the
-- number printed on their paper ballot. An owner of several units casts one ballot, keyed
-- `o:<owner_key>` (the developer's unsold units: `o:developer`), that carries all their area.
CREATE TABLE vote_units (
    vote_id      BIGINT NOT NULL REFERENCES votes(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    owner_key    TEXT NOT NULL,
    area         BIGINT NOT NULL,
    unit_label   TEXT NOT NULL,
    developer    BOOLEAN NOT NULL,
    PRIMARY KEY (vote_id, household_id)
);
CREATE TABLE vote_owners (
    vote_id     BIGINT NOT NULL REFERENCES votes(id),
    owner_key   TEXT NOT NULL,
    -- 1, 2, 3 … in the order of the owners' first units; printed with a check digit.
    ballot_no   BIGINT NOT NULL,
    owner_name  TEXT NOT NULL,
    user_id     BIGINT REFERENCES users(id),
    developer   BOOLEAN NOT NULL,
    area        BIGINT NOT NULL,
    units       BIGINT NOT NULL,
    -- The owner's unit labels as printed on the ballot (the first few, then "…").
    unit_labels TEXT NOT NULL,
    PRIMARY KEY (vote_id, owner_key),
    UNIQUE (vote_id, ballot_no)
);
CREATE INDEX vote_owners_user ON vote_owners(user_id, vote_id);
