-- One table for every stored file (issue 12, point 1): the ledger vouchers and the
-- deliberation files (issue and post photos, scanned proxies) become rows of `files`,
-- told apart by `purpose` ('voucher', 'photo', 'letter').
--
-- Ids: a voucher keeps its id, because a posting's hash covers its voucher's id (and
-- digest); the old `files` rows follow the highest voucher id, and `issue_files` and
-- `proxies` are moved with them. Life-meeting photos, stored as vouchers until now,
-- become photos with no ledger (unless some posting, claim, cost or grant report also
-- uses them as its receipt). Foreign keys follow a renamed table on PostgreSQL, so the
-- `vouchers` table itself becomes `files`; the identity sequence is moved past the
-- copied ids at the end.

CREATE TEMP TABLE photo_only ON COMMIT DROP AS
SELECT DISTINCT s.photo_id AS id FROM life_meeting_shares s
WHERE s.photo_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ledger_txns t WHERE t.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM reimbursements r WHERE r.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM activity_costs c WHERE c.voucher_id = s.photo_id)
  AND NOT EXISTS (SELECT 1 FROM grant_events g WHERE g.voucher_id = s.photo_id);

CREATE TEMP TABLE file_shift ON COMMIT DROP AS SELECT COALESCE(MAX(id), 0) AS n FROM vouchers;

ALTER TABLE vouchers ADD COLUMN purpose TEXT NOT NULL DEFAULT 'voucher';
ALTER TABLE vouchers ADD COLUMN region_id BIGINT REFERENCES regions(id);
ALTER TABLE vouchers ALTER COLUMN ledger_id DROP NOT NULL;
UPDATE vouchers v SET region_id = l.region_id FROM ledgers l WHERE l.id = v.ledger_id;
UPDATE vouchers SET purpose = 'photo', ledger_id = NULL WHERE id IN (SELECT id FROM photo_only);

INSERT INTO vouchers (id, purpose, region_id, ledger_id, filename, mime, size, digest, data, uploaded_by, created_at)
SELECT f.id + (SELECT n FROM file_shift),
       CASE WHEN EXISTS (SELECT 1 FROM proxies x WHERE x.file_id = f.id) THEN 'letter' ELSE 'photo' END,
       f.region_id, NULL, f.filename, f.mime, f.size, f.digest, f.data, f.uploaded_by, f.created_at
FROM files f;

ALTER TABLE issue_files DROP CONSTRAINT issue_files_file_id_fkey;
ALTER TABLE proxies DROP CONSTRAINT proxies_file_id_fkey;
UPDATE issue_files SET file_id = file_id + (SELECT n FROM file_shift);
UPDATE proxies SET file_id = file_id + (SELECT n FROM file_shift);
DROP TABLE files;

ALTER TABLE vouchers ALTER COLUMN purpose DROP DEFAULT;
ALTER TABLE vouchers ALTER COLUMN region_id SET NOT NULL;
ALTER TABLE vouchers RENAME TO files;
ALTER INDEX vouchers_pkey RENAME TO files_pkey;
ALTER SEQUENCE vouchers_id_seq RENAME TO files_id_seq;
ALTER TABLE files RENAME CONSTRAINT vouchers_ledger_id_fkey TO files_ledger_id_fkey;
ALTER TABLE files RENAME CONSTRAINT vouchers_uploaded_by_fkey TO files_uploaded_by_fkey;
ALTER TABLE issue_files ADD CONSTRAINT issue_files_file_id_fkey FOREIGN KEY (file_id) REFERENCES files(id);
ALTER TABLE proxies ADD CONSTRAINT proxies_file_id_fkey FOREIGN KEY (file_id) REFERENCES files(id);
CREATE INDEX files_ledger ON files(ledger_id, id);

SELECT setval(pg_get_serial_sequence('files', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM files), false);
