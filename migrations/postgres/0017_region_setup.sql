-- Issue 15: a community's officers set up their own part of the tree. Nodes are shown in
-- the order the officers give (1号楼, 2号楼 … not by id); a retired node is kept for
-- history (its records, its votes) and hidden where new records are made.
ALTER TABLE regions ADD COLUMN sort_order BIGINT NOT NULL DEFAULT 0;
ALTER TABLE regions ADD COLUMN retired_at BIGINT;
CREATE INDEX regions_parent_order ON regions(parent_id, sort_order, id);
