-- no-transaction
-- One table for every stored file (issue 12, point 1): the ledger vouchers and the
-- deliberation files (issue and post photos, scanned proxies) become rows of `files`,
-- told apart by `purpose` ('voucher', 'photo', 'letter').
--
-- Ids: a voucher keeps its id, because a posting's hash covers its voucher's id (and
-- digest); the old `files` rows follow the highest voucher id, and `issue_files` and
-- `proxies` are moved with them. Life-meeting photos, stored as vouchers until now,
-- become photos with no ledger (unless some posting, claim, cost or grant report also
-- uses them as its receipt).
--
-- SQLite cannot change a table's columns or the tables a foreign key names: the
-- `vouchers` references of five tables are moved by renaming `vouchers` to `files` (with
-- legacy_alter_table off, SQLite rewrites the REFERENCES clauses of other tables), the
-- old `files` is renamed aside without touching `issue_files` and `proxies` (legacy
-- on), and the new table takes the name last. That needs foreign keys off, which
-- SQLite only allows outside a transaction: hence `no-transaction` above and an
-- explicit BEGIN … COMMIT here. Before the commit, any dangling reference fails the
-- migration (the CHECK on the temporary table).

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

PRAGMA legacy_alter_table = ON;
ALTER TABLE files RENAME TO files_0005;
PRAGMA legacy_alter_table = OFF;
ALTER TABLE vouchers RENAME TO files;

CREATE TABLE files_0010 (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT NOT NULL,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    ledger_id   BIGINT REFERENCES ledgers(id),
    filename    TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    digest      TEXT NOT NULL,
    data        BLOB NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

CREATE TEMP TABLE photo_only AS
SELECT DISTINCT s.photo_id AS id FROM life_meeting_shares s
WHERE s.photo_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ledger_txns t WHERE t.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM reimbursements r WHERE r.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM activity_costs c WHERE c.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM grant_events g WHERE g.voucher_id = s.photo_id);

INSERT INTO files_0010 (id, purpose, region_id, ledger_id, filename, mime, size, digest, data, uploaded_by, created_at)
SELECT v.id,
       CASE WHEN v.id IN (SELECT id FROM photo_only) THEN 'photo' ELSE 'voucher' END,
       l.region_id,
       CASE WHEN v.id IN (SELECT id FROM photo_only) THEN NULL ELSE v.ledger_id END,
       v.filename, v.mime, v.size, v.digest, v.data, v.uploaded_by, v.created_at
FROM files v JOIN ledgers l ON l.id = v.ledger_id;

CREATE TEMP TABLE file_shift AS SELECT COALESCE(MAX(id), 0) AS n FROM files;

INSERT INTO files_0010 (id, purpose, region_id, ledger_id, filename, mime, size, digest, data, uploaded_by, created_at)
SELECT f.id + (SELECT n FROM file_shift),
       CASE WHEN EXISTS (SELECT 1 FROM proxies x WHERE x.file_id = f.id) THEN 'letter' ELSE 'photo' END,
       f.region_id, NULL, f.filename, f.mime, f.size, f.digest, f.data, f.uploaded_by, f.created_at
FROM files_0005 f;

UPDATE issue_files SET file_id = file_id + (SELECT n FROM file_shift);
UPDATE proxies SET file_id = file_id + (SELECT n FROM file_shift);

DROP TABLE files;
DROP TABLE files_0005;
PRAGMA legacy_alter_table = ON;
ALTER TABLE files_0010 RENAME TO files;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX files_ledger ON files(ledger_id, id);

DROP TABLE photo_only;
DROP TABLE file_shift;
CREATE TEMP TABLE fk_check_0010 (dangling BIGINT CHECK (dangling = 0));
INSERT INTO fk_check_0010 SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE fk_check_0010;

COMMIT;
PRAGMA foreign_keys = ON;
