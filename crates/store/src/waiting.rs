//! What is waiting for one person, for the top of their home page: open votes they may
//! still vote in, activities they signed up for, sittings of bodies they sit on, action
//! items they own, claims waiting for their approval and issues of their neighbourhood
//! close to their support threshold. One statement (a `UNION ALL` of six short lists),
//! the same SQL on both databases.

use crate::{Db, StoreResult, on_db};

/// One thing waiting. The meaning of `at`, `place`, `word`, `n` and `m` depends on `kind`:
///
/// | kind | at | place | word | n | m |
/// |---|---|---|---|---|---|
/// | `vote` | closes | | electorate | | |
/// | `activity` | starts | place | sign-up status | fee | fee paid |
/// | `sitting` | starts | place | body name | | |
/// | `action` | created | due day | status | progress % | |
/// | `claim` | filed | organization | category | amount | organization id |
/// | `issue` | raised | region | body name | supporters | threshold |
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct WaitingRow {
    pub kind: String,
    pub id: i64,
    pub title: String,
    pub at: i64,
    pub place: String,
    pub word: String,
    pub n: i64,
    pub m: i64,
}

/// Each list's length on the home page.
pub const EACH: i64 = 5;

/// `me`'s waiting things at `now` (ms) on `today` (`YYYY-MM-DD`, Asia/Shanghai);
/// `person_key` is the voter key of `me` as a person (`p:{id}`).
pub async fn of_user(
    db: &Db,
    me: i64,
    now: i64,
    today: &str,
    person_key: &str,
) -> StoreResult<Vec<WaitingRow>> {
    // A node's subtree is every path that starts with the node's path.
    const SQL: &str = "\
SELECT * FROM (SELECT 'vote' AS kind, v.id, v.title, v.closes_at AS at, '' AS place, v.electorate AS word, \
  CAST(0 AS BIGINT) AS n, CAST(0 AS BIGINT) AS m \
  FROM votes v JOIN regions er ON er.id = v.electorate_region_id \
  WHERE v.status = 'open' AND v.opens_at <= $2 AND v.closes_at > $2 AND ( \
   (v.electorate IN ('residents', 'households') AND EXISTS (SELECT 1 FROM residents s \
      JOIN regions r ON r.id = s.region_id \
      WHERE s.user_id = $1 AND substr(r.path, 1, length(er.path)) = er.path \
      AND NOT EXISTS (SELECT 1 FROM vote_participation p WHERE p.vote_id = v.id AND p.voter_key = \
        CASE WHEN v.electorate = 'residents' THEN $4 ELSE 'h:' || CAST(s.household_id AS TEXT) END))) \
   OR (v.electorate = 'body' AND EXISTS (SELECT 1 FROM body_members bm WHERE bm.body_id = v.body_id \
      AND bm.user_id = $1 AND bm.term_start <= $3 AND bm.term_end >= $3) \
      AND NOT EXISTS (SELECT 1 FROM vote_participation p WHERE p.vote_id = v.id AND p.voter_key = $4)) \
   OR (v.electorate = 'owners' AND EXISTS (SELECT 1 FROM vote_owners o \
      WHERE o.vote_id = v.id AND o.user_id = $1 \
      AND NOT EXISTS (SELECT 1 FROM vote_participation p WHERE p.vote_id = v.id \
        AND p.voter_key = 'o:' || o.owner_key)))) \
  ORDER BY v.closes_at, v.id LIMIT $5) AS w1 \
UNION ALL \
SELECT * FROM (SELECT 'activity' AS kind, a.id, a.title, a.starts_at AS at, a.place, s.status AS word, \
  a.fee AS n, s.fee_paid AS m \
  FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
  WHERE s.user_id = $1 AND s.status IN ('confirmed', 'waitlisted') AND a.status = 'published' \
  AND a.starts_at > $2 - 3 * 3600000 \
  ORDER BY a.starts_at, a.id LIMIT $5) AS w2 \
UNION ALL \
SELECT * FROM (SELECT 'sitting' AS kind, st.id, st.title, st.starts_at AS at, st.place, b.name AS word, \
  CAST(0 AS BIGINT) AS n, CAST(0 AS BIGINT) AS m \
  FROM sittings st JOIN bodies b ON b.id = st.body_id \
  WHERE st.status IN ('scheduled', 'open') AND st.starts_at > $2 - 6 * 3600000 \
  AND EXISTS (SELECT 1 FROM body_members bm WHERE bm.body_id = st.body_id AND bm.user_id = $1 \
    AND bm.term_start <= $3 AND bm.term_end >= $3) \
  ORDER BY st.starts_at, st.id LIMIT $5) AS w3 \
UNION ALL \
SELECT * FROM (SELECT 'action' AS kind, ai.id, ai.title, ai.created_at AS at, ai.due_on AS place, \
  ai.status AS word, ai.progress AS n, CAST(0 AS BIGINT) AS m \
  FROM action_items ai WHERE ai.owner_id = $1 AND ai.status <> 'done' \
  ORDER BY ai.due_on, ai.id LIMIT $5) AS w4 \
UNION ALL \
SELECT * FROM (SELECT 'claim' AS kind, c.id, c.purpose AS title, c.created_at AS at, o.name AS place, \
  c.category AS word, c.amount AS n, c.org_id AS m \
  FROM reimbursements c JOIN organizations o ON o.id = c.org_id \
  JOIN org_members om ON om.org_id = c.org_id AND om.user_id = $1 AND om.role IN ('leader', 'treasurer') \
  WHERE c.status = 'filed' AND c.claimant_id <> $1 \
  ORDER BY c.created_at, c.id LIMIT $5) AS w5 \
UNION ALL \
SELECT * FROM (SELECT 'issue' AS kind, i.id, i.title, i.created_at AS at, ir.name AS place, b.name AS word, \
  i.supporters AS n, b.support_threshold AS m \
  FROM issues i JOIN regions ir ON ir.id = i.region_id JOIN bodies b ON b.id = i.body_id \
  JOIN residents s ON s.user_id = $1 JOIN regions hr ON hr.id = s.region_id \
  WHERE i.status = 'raised' AND i.author_id <> $1 AND i.supporters * 2 >= b.support_threshold \
  AND substr(hr.path, 1, length(ir.path)) = ir.path \
  AND NOT EXISTS (SELECT 1 FROM issue_supports su WHERE su.issue_id = i.id AND su.user_id = $1) \
  ORDER BY b.support_threshold - i.supporters, i.id LIMIT $5) AS w6";
    on_db!(db, p => sqlx::query_as(SQL)
        .bind(me).bind(now).bind(today).bind(person_key).bind(EACH)
        .fetch_all(p).await)
}
