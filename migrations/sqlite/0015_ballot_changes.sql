-- Issue 13, point 4: the creator of a vote with open ballots may let voters change their
-- ballot until the vote closes (secret ballots stay final: nothing links them to a voter).
ALTER TABLE votes ADD COLUMN changeable BOOLEAN NOT NULL DEFAULT FALSE;
