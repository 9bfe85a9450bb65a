-- Search: one document per searchable thing (an issue, an organization, …), registered
-- by its area in the transaction of the write, and its weighted terms (jieba words, Han
-- characters and their pairs, Latin/digit tokens; see domain::search). Every process on
-- one database answers the same, and a backup holds the index.
CREATE TABLE search_docs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref_id      BIGINT NOT NULL,
    region_id   BIGINT NOT NULL REFERENCES regions(id),
    -- The node's path, copied (nodes never move), so reading rules filter without a join.
    region_path TEXT NOT NULL,
    -- Who may find it: 'readers' = whoever reads the node. Other values are for areas
    -- whose documents only some readers see; the query finds only what it knows.
    visibility  TEXT NOT NULL DEFAULT 'readers',
    title       TEXT NOT NULL,
    snippet     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);

CREATE TABLE search_terms (
    term   TEXT NOT NULL,
    doc_id BIGINT NOT NULL REFERENCES search_docs(id) ON DELETE CASCADE,
    weight BIGINT NOT NULL,
    PRIMARY KEY (term, doc_id)
);
CREATE INDEX search_terms_doc ON search_terms(doc_id);
