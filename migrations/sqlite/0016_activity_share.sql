-- Issue 13, point 9: an organizer's contact on the activity (set by them, shown to the
-- community), and a share link for a WeChat group: an unguessable token for a public
-- page with the title, time and place only.
ALTER TABLE activities ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN share_token TEXT;
CREATE UNIQUE INDEX activities_share_token ON activities(share_token) WHERE share_token IS NOT NULL;
