-- The hot path: a request checks its session and reads the user, the user's
-- grants_version and the unread count in one statement, and takes the grants from an
-- in-process cache while the version is unchanged. Every change to a user's grants (and
-- to the name or path of a node they hold a grant on) bumps the version in the same
-- transaction, so no process serves a revoked role.
ALTER TABLE users ADD COLUMN grants_version BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION role_grants_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET grants_version = grants_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id) THEN
        UPDATE users SET grants_version = grants_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER role_grants_version AFTER INSERT OR UPDATE OR DELETE ON role_grants
    FOR EACH ROW EXECUTE FUNCTION role_grants_version();
CREATE FUNCTION regions_grants_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET grants_version = grants_version + 1
    WHERE id IN (SELECT user_id FROM role_grants WHERE region_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER regions_grants_version AFTER UPDATE ON regions
    FOR EACH ROW EXECUTE FUNCTION regions_grants_version();
