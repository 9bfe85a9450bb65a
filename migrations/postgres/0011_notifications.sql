-- Notifications become a platform service: each carries its kind, and a user may mute a
-- kind (a row here means "do not send me these"); everything is on by default.
ALTER TABLE notifications ADD COLUMN kind TEXT NOT NULL DEFAULT 'issue';
CREATE TABLE notification_mutes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
