-- Issue 15: units of a building as its officers keep them — what each is used as, and a
-- history of every change (label, area, kind, who lives there), shown on the unit's page.
ALTER TABLE households ADD COLUMN kind TEXT NOT NULL DEFAULT 'residence'
    CHECK (kind IN ('residence', 'shop', 'garage'));
CREATE TABLE household_changes (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    actor_id     BIGINT REFERENCES users(id),
    field        TEXT NOT NULL,
    old_value    TEXT NOT NULL,
    new_value    TEXT NOT NULL,
    changed_at   BIGINT NOT NULL
);
CREATE INDEX household_changes_household ON household_changes(household_id, id);
