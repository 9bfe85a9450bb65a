-- Sittings: who drafted the minutes, so that someone else approves them.
ALTER TABLE sittings ADD COLUMN minutes_drafted_by BIGINT REFERENCES users(id);
