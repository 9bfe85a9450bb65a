-- The hot path: a request checks its session and reads the user, the user's
-- grants_version and the unread count in one statement, and takes the grants from an
-- in-process cache while the version is unchanged. Every change to a user's grants (and
-- to the name or path of a node they hold a grant on) bumps the version in the same
-- transaction, so no process serves a revoked role.
ALTER TABLE users ADD COLUMN grants_version BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER role_grants_version_insert AFTER INSERT ON role_grants BEGIN
    UPDATE users SET grants_version = grants_version + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER role_grants_version_update AFTER UPDATE ON role_grants BEGIN
    UPDATE users SET grants_version = grants_version + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER role_grants_version_delete AFTER DELETE ON role_grants BEGIN
    UPDATE users SET grants_version = grants_version + 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER regions_grants_version AFTER UPDATE ON regions BEGIN
    UPDATE users SET grants_version = grants_version + 1
    WHERE id IN (SELECT user_id FROM role_grants WHERE region_id = NEW.id);
END;
