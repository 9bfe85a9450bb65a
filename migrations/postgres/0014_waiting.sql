-- The home page's "waiting for you" list reads, per person: the activities they signed up
-- for, the action items they own, the votes still open. Without these the first two were
-- whole-table scans on every home page.
CREATE INDEX activity_signups_user ON activity_signups(user_id, status);
CREATE INDEX action_items_owner ON action_items(owner_id, status);
CREATE INDEX votes_open ON votes(status, closes_at);

-- Why an organizer called an activity off (status 'cancelled').
ALTER TABLE activities ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
