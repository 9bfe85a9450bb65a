//! Votes: their options, who took part (`vote_participation`, one row per voter, which
//! the primary key keeps unique) and what was voted (`ballots`; a secret ballot has no
//! voter and no time). Paper entries, proxies, and the electorates the app checks.

use crate::{Db, StoreResult, Tx, on_db, on_tx};
use linli_domain::deliberation::ballots::VoteStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct VoteRow {
    pub id: i64,
    pub region_id: i64,
    pub region_path: String,
    pub region_name: String,
    pub title: String,
    pub description: String,
    pub body_id: Option<i64>,
    pub sitting_id: Option<i64>,
    pub motion_id: Option<i64>,
    pub issue_id: Option<i64>,
    pub method: String,
    pub matter: String,
    pub electorate: String,
    pub electorate_region_id: i64,
    pub electorate_path: String,
    pub secret: bool,
    pub hide_results: bool,
    /// Whether a voter may change an online ballot until the close (open ballots only).
    pub changeable: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::ballots::VoteStatus,
    pub parent_id: Option<i64>,
    pub parent_option: Option<i64>,
    /// The stored tally (JSON), once closed.
    #[serde(skip)]
    pub result: String,
    pub winner: Option<i64>,
    pub passed: Option<bool>,
    pub created_by: i64,
    pub closed_at: Option<i64>,
    /// Voters who took part so far.
    pub turnout: i64,
}

const VOTE_SELECT: &str = "SELECT v.id, v.region_id, r.path AS region_path, r.name AS region_name, v.title, \
    v.description, v.body_id, v.sitting_id, v.motion_id, v.issue_id, v.method, v.matter, v.electorate, \
    v.electorate_region_id, er.path AS electorate_path, v.secret, v.hide_results, v.changeable, v.opens_at, v.closes_at, \
    v.status, v.parent_id, v.parent_option, v.result, v.winner, v.passed, v.created_by, v.closed_at, \
    (SELECT COUNT(*) FROM vote_participation p WHERE p.vote_id = v.id) AS turnout \
    FROM votes v JOIN regions r ON r.id = v.region_id JOIN regions er ON er.id = v.electorate_region_id";

pub struct NewVoteRow<'a> {
    pub region_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub body_id: Option<i64>,
    pub sitting_id: Option<i64>,
    pub motion_id: Option<i64>,
    pub issue_id: Option<i64>,
    pub method: &'a str,
    pub matter: &'a str,
    pub electorate: &'a str,
    pub electorate_region_id: i64,
    pub secret: bool,
    pub hide_results: bool,
    pub changeable: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    pub status: linli_domain::deliberation::ballots::VoteStatus,
    pub parent_id: Option<i64>,
    pub parent_option: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
}

pub async fn insert_vote(tx: &mut Tx, v: &NewVoteRow<'_>) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO votes (region_id, title, description, body_id, sitting_id, motion_id, issue_id, method, matter, \
         electorate, electorate_region_id, secret, hide_results, opens_at, closes_at, status, parent_id, parent_option, \
         created_by, created_at, changeable) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
         RETURNING id")
        .bind(v.region_id).bind(v.title).bind(v.description).bind(v.body_id).bind(v.sitting_id).bind(v.motion_id)
        .bind(v.issue_id).bind(v.method).bind(v.matter).bind(v.electorate).bind(v.electorate_region_id)
        .bind(v.secret).bind(v.hide_results).bind(v.opens_at).bind(v.closes_at).bind(v.status.as_str()).bind(v.parent_id)
        .bind(v.parent_option).bind(v.created_by).bind(v.created_at).bind(v.changeable).fetch_one(c).await)
}

pub async fn insert_options(tx: &mut Tx, vote_id: i64, labels: &[String]) -> StoreResult<()> {
    if labels.is_empty() {
        return Ok(());
    }
    on_tx!(tx, c => {
        let mut qb = sqlx::QueryBuilder::new("INSERT INTO vote_options (vote_id, position, label) ");
        qb.push_values(labels.iter().enumerate(), |mut b, (i, l)| {
            b.push_bind(vote_id).push_bind(i as i64).push_bind(l.as_str());
        });
        qb.build().execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn vote(db: &Db, id: i64) -> StoreResult<Option<VoteRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{VOTE_SELECT} WHERE v.id = $1")))
        .bind(id).fetch_optional(p).await)
}

/// Votes whose node is at or below a node, newest first.
pub async fn votes_in(
    db: &Db,
    lo: &str,
    hi: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<VoteRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VOTE_SELECT} WHERE r.path >= $1 AND r.path < $2 ORDER BY v.id DESC LIMIT $3 OFFSET $4")))
        .bind(lo).bind(hi).bind(limit).bind(offset).fetch_all(p).await)
}

/// The stages that follow a vote.
pub async fn children(db: &Db, parent: i64) -> StoreResult<Vec<VoteRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VOTE_SELECT} WHERE v.parent_id = $1 ORDER BY v.id LIMIT 50")))
        .bind(parent).fetch_all(p).await)
}

/// Open votes past their closing time, for closing them.
pub async fn due_to_close(db: &Db, now: i64, limit: i64) -> StoreResult<Vec<i64>> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM votes WHERE status = 'open' AND closes_at <= $1 ORDER BY closes_at LIMIT $2")
        .bind(now).bind(limit).fetch_all(p).await)
}

pub async fn options(db: &Db, vote_id: i64) -> StoreResult<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar(
        "SELECT label FROM vote_options WHERE vote_id = $1 ORDER BY position")
        .bind(vote_id).fetch_all(p).await)
}

/// Reads the vote's status and closing time inside a ballot's transaction, holding it
/// against a concurrent close: PostgreSQL takes a shared row lock (ballots do not wait
/// for each other, only for a close); SQLite's `BEGIN IMMEDIATE` already serializes.
pub async fn status_for_ballot(
    tx: &mut Tx,
    id: i64,
) -> StoreResult<Option<(VoteStatus, i64, i64)>> {
    let row: Option<(String, i64, i64)> = match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as("SELECT status, opens_at, closes_at FROM votes WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as("SELECT status, opens_at, closes_at FROM votes WHERE id = $1 FOR SHARE")
                .bind(id)
                .fetch_optional(&mut **t)
                .await
        }
    }?;
    row.map(|(s, o, c)| Ok((crate::word(s)?, o, c))).transpose()
}

/// Records that `voter_key` took part; false if they (or their household) already had.
pub async fn insert_participation(
    tx: &mut Tx,
    vote_id: i64,
    voter_key: &str,
    cast_by: Option<i64>,
    channel: &str,
    at: i64,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO vote_participation (vote_id, voter_key, cast_by, channel, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (vote_id, voter_key) DO NOTHING")
        .bind(vote_id).bind(voter_key).bind(cast_by).bind(channel).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Replaces the open ballot of `voter_key` with a new choice (a changeable vote, before its
/// close) and moves its participation's time; false if there was no such ballot.
pub async fn replace_ballot(
    tx: &mut Tx,
    vote_id: i64,
    voter_key: &str,
    choice: &str,
    reason: &str,
    at: i64,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE ballots SET choice = $3, reason = $4 WHERE vote_id = $1 AND voter_key = $2")
        .bind(vote_id).bind(voter_key).bind(choice).bind(reason)
        .execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE vote_participation SET at = $3 WHERE vote_id = $1 AND voter_key = $2")
        .bind(vote_id).bind(voter_key).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether a ballot with this id is stored for the vote: a secret ballot's receipt check
/// (it tells that the ballot is in the count, never what it says).
pub async fn ballot_stored(db: &Db, vote_id: i64, ballot_id: &str) -> StoreResult<bool> {
    on_db!(db, p => sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ballots WHERE vote_id = $1 AND id = $2)")
        .bind(vote_id).bind(ballot_id).fetch_one(p).await)
}

pub async fn insert_ballot(
    tx: &mut Tx,
    id: &str,
    vote_id: i64,
    voter_key: Option<&str>,
    choice: &str,
    reason: &str,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO ballots (id, vote_id, voter_key, choice, reason) VALUES ($1, $2, $3, $4, $5)")
        .bind(id).bind(vote_id).bind(voter_key).bind(choice).bind(reason)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every stored ballot of a vote: (voter key — none if secret —, choice).
pub async fn ballots(tx: &mut Tx, vote_id: i64) -> StoreResult<Vec<(Option<String>, String)>> {
    on_tx!(tx, c => sqlx::query_as("SELECT voter_key, choice FROM ballots WHERE vote_id = $1")
        .bind(vote_id).fetch_all(c).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ReasonRow {
    pub choice: String,
    pub reason: String,
    /// The voter's name on an open ballot; none on a secret one.
    pub voter_name: Option<String>,
}

/// Reasons voters gave (objections for a consensus), with names on open ballots.
pub async fn reasons(db: &Db, vote_id: i64, limit: i64) -> StoreResult<Vec<ReasonRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT b.choice, b.reason, u.display_name AS voter_name FROM ballots b \
         LEFT JOIN vote_participation p ON p.vote_id = b.vote_id AND p.voter_key = b.voter_key \
         LEFT JOIN users u ON u.id = p.cast_by \
         WHERE b.vote_id = $1 AND b.reason <> '' ORDER BY b.choice, b.reason LIMIT $2")
        .bind(vote_id).bind(limit).fetch_all(p).await)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ParticipationRow {
    pub voter_key: String,
    pub cast_by_name: Option<String>,
    pub channel: String,
    pub at: i64,
}

/// Whether (and by whom) each of `keys` took part.
pub async fn participation_of(
    db: &Db,
    vote_id: i64,
    keys: &[String],
) -> StoreResult<Vec<ParticipationRow>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT p.voter_key, u.display_name AS cast_by_name, p.channel, p.at FROM vote_participation p \
             LEFT JOIN users u ON u.id = p.cast_by WHERE p.vote_id = ");
        qb.push_bind(vote_id).push(" AND p.voter_key");
        push_in(&mut qb, keys);
        qb.build_query_as().fetch_all(p).await
    })
}

/// Appends ` IN ($n, …)` binding each key (the caller makes sure there is at least one).
fn push_in<'k, DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<DB>, keys: &'k [String])
where
    &'k str: sqlx::Encode<'k, DB> + sqlx::Type<DB>,
{
    qb.push(" IN (");
    let mut sep = qb.separated(", ");
    for k in keys {
        sep.push_bind(k.as_str());
    }
    qb.push(")");
}

/// The choices stored for these voter keys (open ballots only keep their voter key), as
/// (voter key, stored choice).
pub async fn open_choices(
    db: &Db,
    vote_id: i64,
    keys: &[String],
) -> StoreResult<Vec<(String, String)>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT voter_key, choice FROM ballots WHERE vote_id = ");
        qb.push_bind(vote_id).push(" AND voter_key");
        push_in(&mut qb, keys);
        qb.build_query_as().fetch_all(p).await
    })
}

/// Closes an open vote with its tally; false if it was not open any more.
pub async fn close(
    tx: &mut Tx,
    id: i64,
    result: &str,
    winner: Option<i64>,
    passed: bool,
    at: i64,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE votes SET status = 'closed', result = $2, winner = $3, passed = $4, closed_at = $5 \
         WHERE id = $1 AND status = 'open'")
        .bind(id).bind(result).bind(winner).bind(passed).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Opens the later stages that follow the winning option and voids the others; returns
/// the opened stages with their closing times and electorates.
pub async fn start_stages(
    tx: &mut Tx,
    parent: i64,
    winner: Option<i64>,
    now: i64,
) -> StoreResult<Vec<(i64, i64, String)>> {
    let opened: Vec<(i64, i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE votes SET status = 'open', closes_at = $3 + (closes_at - opens_at), opens_at = $3 \
         WHERE parent_id = $1 AND status = 'pending' AND parent_option = $2 RETURNING id, closes_at, electorate")
        .bind(parent).bind(winner.unwrap_or(-1)).bind(now).fetch_all(&mut *c).await)?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE votes SET status = 'void' WHERE parent_id = $1 AND status = 'pending'")
        .bind(parent).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(opened)
}

/// Marks the motion a vote decided as carried or failed; a carried amendment's text
/// replaces its parent's. Returns whether the motion was an amendment.
pub async fn settle_motion(tx: &mut Tx, motion_id: i64, carried: bool) -> StoreResult<bool> {
    on_tx!(tx, c => sqlx::query("UPDATE motions SET status = $2 WHERE id = $1 AND status = 'voting'")
        .bind(motion_id).bind(if carried { "carried" } else { "failed" })
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let parent: Option<Option<i64>> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT parent_id FROM motions WHERE id = $1").bind(motion_id).fetch_optional(&mut *c).await)?;
    let parent = parent.flatten();
    if let (Some(parent), true) = (parent, carried) {
        on_tx!(tx, c => sqlx::query(
            "UPDATE motions SET text = (SELECT a.text FROM motions a WHERE a.id = $1) WHERE id = $2")
            .bind(motion_id).bind(parent).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(parent.is_some())
}

/// Records the decision of an issue (shown on its page and the accountability page).
pub async fn set_decision(tx: &mut Tx, issue_id: i64, decision: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE issues SET decision = $2 WHERE id = $1")
        .bind(issue_id).bind(decision).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- electorates -----------------------------------------------------------------------

/// A user's household and the path of its building, if they live somewhere.
pub async fn home_of(db: &Db, user_id: i64) -> StoreResult<Option<(i64, String)>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT s.household_id, r.path FROM residents s JOIN regions r ON r.id = s.region_id WHERE s.user_id = $1")
        .bind(user_id).fetch_optional(p).await)
}

/// Whether a household lies at or below a node.
pub async fn household_in(db: &Db, household_id: i64, lo: &str, hi: &str) -> StoreResult<bool> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM households h JOIN regions r ON r.id = h.region_id \
         WHERE h.id = $1 AND r.path >= $2 AND r.path < $3")
        .bind(household_id).bind(lo).bind(hi).fetch_one(p).await)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    pub household_id: i64,
    pub area: i64,
    pub owner_key: String,
    pub developer: bool,
}

/// One owner of an owners' vote's electorate, as it stood when the vote opened.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct VoteOwnerRow {
    pub owner_key: String,
    /// The owner's number in this vote (printed on the paper ballot with a check digit).
    pub ballot_no: i64,
    pub owner_name: String,
    pub user_id: Option<i64>,
    pub developer: bool,
    /// Their units' area, in hundredths of m².
    pub area: i64,
    pub units: i64,
    pub unit_labels: String,
    /// Whether the owner's ballot has been cast (online, by proxy or on paper).
    pub voted: bool,
}

/// Copies the owners' electorate of the subtree `lo..hi` into vote `vote_id` (replacing
/// any earlier copy): every owned unit outside retired nodes, and one row per owner
/// numbered in the order of their first unit. The developer's units are one owner.
/// Returns how many owners there are.
pub async fn snapshot_owners(tx: &mut Tx, vote_id: i64, lo: &str, hi: &str) -> StoreResult<i64> {
    on_tx!(tx, c => sqlx::query("DELETE FROM vote_owners WHERE vote_id = $1")
        .bind(vote_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM vote_units WHERE vote_id = $1")
        .bind(vote_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO vote_units (vote_id, household_id, owner_key, area, unit_label, developer) \
         SELECT $1, o.household_id, CASE WHEN o.developer THEN 'developer' ELSE o.owner_key END, \
         h.floor_area, r.name || ' ' || h.unit_label, o.developer FROM unit_owners o \
         JOIN households h ON h.id = o.household_id JOIN regions r ON r.id = o.region_id \
         WHERE r.path >= $2 AND r.path < $3 AND r.retired_at IS NULL")
        .bind(vote_id).bind(lo).bind(hi).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    // (owner key, name, user, unit label, area), in the order of the units.
    let rows: Vec<(String, String, Option<i64>, String, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT vu.owner_key, CASE WHEN vu.developer THEN '' ELSE o.owner_name END, \
         CASE WHEN vu.developer THEN NULL ELSE o.user_id END, vu.unit_label, vu.area \
         FROM vote_units vu JOIN unit_owners o ON o.household_id = vu.household_id \
         JOIN regions r ON r.id = o.region_id WHERE vu.vote_id = $1 ORDER BY r.path, vu.household_id")
        .bind(vote_id).fetch_all(&mut *c).await)?;
    let mut owners: Vec<VoteOwnerRow> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (key, name, user, label, area) in rows {
        let i = *at.entry(key.clone()).or_insert_with(|| {
            owners.push(VoteOwnerRow {
                developer: key == "developer",
                ballot_no: owners.len() as i64 + 1,
                owner_key: key,
                owner_name: name,
                user_id: user,
                area: 0,
                units: 0,
                unit_labels: String::new(),
                voted: false,
            });
            owners.len() - 1
        });
        let o = &mut owners[i];
        o.area += area;
        o.units += 1;
        if o.units <= 3 {
            if !o.unit_labels.is_empty() {
                o.unit_labels.push('、');
            }
            o.unit_labels.push_str(&label);
        } else if o.units == 4 {
            o.unit_labels.push('…');
        }
        if o.user_id.is_none() {
            o.user_id = user;
        }
    }
    for chunk in owners.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO vote_owners (vote_id, owner_key, ballot_no, owner_name, user_id, developer, area, units, unit_labels) ");
            qb.push_values(chunk, |mut b, o| {
                b.push_bind(vote_id).push_bind(o.owner_key.as_str()).push_bind(o.ballot_no)
                    .push_bind(o.owner_name.as_str()).push_bind(o.user_id).push_bind(o.developer)
                    .push_bind(o.area).push_bind(o.units).push_bind(o.unit_labels.as_str());
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(owners.len() as i64)
}

/// The units of an owners' vote as they stood when it opened, in one query.
pub async fn units(tx: &mut Tx, vote_id: i64) -> StoreResult<Vec<UnitRow>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT household_id, area, owner_key, developer FROM vote_units WHERE vote_id = $1")
        .bind(vote_id).fetch_all(c).await)
}

const OWNER_SELECT: &str = "SELECT vo.owner_key, vo.ballot_no, vo.owner_name, vo.user_id, vo.developer, \
    vo.area, vo.units, vo.unit_labels, EXISTS (SELECT 1 FROM vote_participation p \
    WHERE p.vote_id = vo.vote_id AND p.voter_key = 'o:' || vo.owner_key) AS voted FROM vote_owners vo";

/// The owners an account speaks for in vote `vote_id` (usually one).
pub async fn owners_of_user(db: &Db, vote_id: i64, user_id: i64) -> StoreResult<Vec<VoteOwnerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OWNER_SELECT} WHERE vo.vote_id = $1 AND vo.user_id = $2 ORDER BY vo.ballot_no LIMIT 20")))
        .bind(vote_id).bind(user_id).fetch_all(p).await)
}

/// The owner whose paper ballot carries number `ballot_no`.
pub async fn owner_by_ballot(
    db: &Db,
    vote_id: i64,
    ballot_no: i64,
) -> StoreResult<Option<VoteOwnerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OWNER_SELECT} WHERE vo.vote_id = $1 AND vo.ballot_no = $2")))
        .bind(vote_id).bind(ballot_no).fetch_optional(p).await)
}

/// The owner of unit `household_id` in vote `vote_id`'s electorate.
pub async fn owner_of_unit(
    db: &Db,
    vote_id: i64,
    household_id: i64,
) -> StoreResult<Option<VoteOwnerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OWNER_SELECT} JOIN vote_units vu ON vu.vote_id = vo.vote_id AND vu.owner_key = vo.owner_key \
         WHERE vo.vote_id = $1 AND vu.household_id = $2")))
        .bind(vote_id).bind(household_id).fetch_optional(p).await)
}

/// The owners of vote `vote_id` by ballot number, from `after` (exclusive) on.
pub async fn owners_page(
    db: &Db,
    vote_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<VoteOwnerRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OWNER_SELECT} WHERE vo.vote_id = $1 AND vo.ballot_no > $2 ORDER BY vo.ballot_no LIMIT $3")))
        .bind(vote_id).bind(after).bind(limit).fetch_all(p).await)
}

/// How many may vote in vote `vote_id`: body members on `today`, residents with an
/// account, households, or the owners copied when an owners' vote opened.
pub async fn electorate_size(
    db: &Db,
    vote_id: i64,
    kind: &str,
    body_id: Option<i64>,
    lo: &str,
    hi: &str,
    today: &str,
) -> StoreResult<i64> {
    on_db!(db, p => match kind {
        "body" => sqlx::query_scalar(
            "SELECT COUNT(DISTINCT user_id) FROM body_members WHERE body_id = $1 AND term_start <= $2 AND term_end >= $2")
            .bind(body_id.unwrap_or(0)).bind(today).fetch_one(p).await,
        "residents" => sqlx::query_scalar(
            "SELECT COUNT(*) FROM residents s JOIN regions r ON r.id = s.region_id \
             WHERE s.user_id IS NOT NULL AND r.path >= $1 AND r.path < $2")
            .bind(lo).bind(hi).fetch_one(p).await,
        "households" => sqlx::query_scalar(
            "SELECT COUNT(*) FROM households h JOIN regions r ON r.id = h.region_id WHERE r.path >= $1 AND r.path < $2")
            .bind(lo).bind(hi).fetch_one(p).await,
        _ => sqlx::query_scalar("SELECT COUNT(*) FROM vote_owners WHERE vote_id = $1")
            .bind(vote_id).fetch_one(p).await,
    })
}

/// The accounts that may take part in vote `vote_id` (of electorate `kind` over the
/// subtree `lo..hi`); with `not_voted`, only those whose voice (themselves, their
/// household, one of their units) has not taken part yet. For notifications.
pub async fn electorate_users(
    db: &Db,
    vote_id: i64,
    kind: &str,
    body_id: Option<i64>,
    lo: &str,
    hi: &str,
    today: &str,
    not_voted: bool,
) -> StoreResult<Vec<i64>> {
    on_db!(db, p => match kind {
        "body" => sqlx::query_scalar(
            "SELECT DISTINCT m.user_id FROM body_members m WHERE m.body_id = $1 AND m.term_start <= $2 \
             AND m.term_end >= $2 AND (NOT $4 OR NOT EXISTS (SELECT 1 FROM vote_participation v \
             WHERE v.vote_id = $3 AND v.voter_key = 'p:' || CAST(m.user_id AS TEXT)))")
            .bind(body_id.unwrap_or(0)).bind(today).bind(vote_id).bind(not_voted).fetch_all(p).await,
        "residents" => sqlx::query_scalar(
            "SELECT s.user_id FROM residents s JOIN regions r ON r.id = s.region_id \
             WHERE s.user_id IS NOT NULL AND r.path >= $1 AND r.path < $2 AND (NOT $4 OR NOT EXISTS \
             (SELECT 1 FROM vote_participation v WHERE v.vote_id = $3 AND v.voter_key = 'p:' || CAST(s.user_id AS TEXT)))")
            .bind(lo).bind(hi).bind(vote_id).bind(not_voted).fetch_all(p).await,
        "households" => sqlx::query_scalar(
            "SELECT s.user_id FROM residents s JOIN households h ON h.id = s.household_id \
             JOIN regions r ON r.id = h.region_id WHERE s.user_id IS NOT NULL AND r.path >= $1 AND r.path < $2 \
             AND (NOT $4 OR NOT EXISTS (SELECT 1 FROM vote_participation v WHERE v.vote_id = $3 \
             AND v.voter_key = 'h:' || CAST(h.id AS TEXT)))")
            .bind(lo).bind(hi).bind(vote_id).bind(not_voted).fetch_all(p).await,
        _ => sqlx::query_scalar(
            "SELECT DISTINCT o.user_id FROM vote_owners o WHERE o.vote_id = $1 AND o.user_id IS NOT NULL \
             AND (NOT $2 OR NOT EXISTS (SELECT 1 FROM vote_participation v WHERE v.vote_id = $1 \
             AND v.voter_key = 'o:' || o.owner_key))")
            .bind(vote_id).bind(not_voted).fetch_all(p).await,
    })
}

// ---- proxies -------------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ProxyRow {
    pub id: i64,
    pub voter_key: String,
    /// The owner's ballot number in this vote, and their area (hundredths of m²).
    pub ballot_no: i64,
    pub area: i64,
    pub unit_label: String,
    pub owner_name: String,
    pub proxy_name: String,
    pub proxy_user_id: i64,
    pub file_id: i64,
    pub voted: bool,
}

const PROXY_SELECT: &str = "SELECT x.id, x.voter_key, vo.ballot_no, vo.area, vo.unit_labels AS unit_label, vo.owner_name, \
    u.display_name AS proxy_name, x.proxy_user_id, x.file_id, \
    EXISTS (SELECT 1 FROM vote_participation p WHERE p.vote_id = x.vote_id AND p.voter_key = x.voter_key) AS voted \
    FROM proxies x JOIN vote_owners vo ON vo.vote_id = x.vote_id AND 'o:' || vo.owner_key = x.voter_key \
    JOIN users u ON u.id = x.proxy_user_id";

pub async fn insert_proxy(
    tx: &mut Tx,
    vote_id: i64,
    voter_key: &str,
    proxy_user_id: i64,
    file_id: i64,
    by: i64,
    at: i64,
) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO proxies (vote_id, voter_key, proxy_user_id, file_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (vote_id, voter_key) DO NOTHING")
        .bind(vote_id).bind(voter_key).bind(proxy_user_id).bind(file_id).bind(by).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn proxies(db: &Db, vote_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<ProxyRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PROXY_SELECT} WHERE x.vote_id = $1 ORDER BY x.id LIMIT $2 OFFSET $3")))
        .bind(vote_id).bind(limit).bind(offset).fetch_all(p).await)
}

/// A proxy's vote, proxy and scanned letter: (vote id, proxy user id, file id).
pub async fn proxy(db: &Db, id: i64) -> StoreResult<Option<(i64, i64, i64)>> {
    on_db!(db, p => sqlx::query_as("SELECT vote_id, proxy_user_id, file_id FROM proxies WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

pub async fn proxies_held(db: &Db, vote_id: i64, user_id: i64) -> StoreResult<Vec<ProxyRow>> {
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PROXY_SELECT} WHERE x.vote_id = $1 AND x.proxy_user_id = $2 ORDER BY x.id LIMIT 200")))
        .bind(vote_id).bind(user_id).fetch_all(p).await)
}

/// A stored file: (mime, data).
pub async fn file(db: &Db, id: i64) -> StoreResult<Option<(String, Vec<u8>)>> {
    on_db!(db, p => sqlx::query_as("SELECT mime, data FROM files WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

// ---- paper ballots -------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub entry: i64,
    pub teller_id: i64,
    pub voter_key: String,
    pub choice: String,
}

/// A teller's entry of a paper ballot.
pub struct NewEntry<'a> {
    pub vote_id: i64,
    pub paper_no: &'a str,
    /// 1 or 2.
    pub entry: i64,
    pub teller_id: i64,
    pub voter_key: &'a str,
    pub choice: &'a str,
    pub at: i64,
}

/// Adds a teller's entry; false if that entry number was already made.
pub async fn insert_entry(tx: &mut Tx, e: &NewEntry<'_>) -> StoreResult<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO paper_entries (vote_id, paper_no, entry, teller_id, voter_key, choice, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vote_id, paper_no, entry) DO NOTHING")
        .bind(e.vote_id).bind(e.paper_no).bind(e.entry).bind(e.teller_id).bind(e.voter_key).bind(e.choice).bind(e.at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn entries(tx: &mut Tx, vote_id: i64, paper_no: &str) -> StoreResult<Vec<EntryRow>> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT entry, teller_id, voter_key, choice FROM paper_entries WHERE vote_id = $1 AND paper_no = $2 ORDER BY entry")
        .bind(vote_id).bind(paper_no).fetch_all(c).await)
}

pub async fn delete_entries(tx: &mut Tx, vote_id: i64, paper_no: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM paper_entries WHERE vote_id = $1 AND paper_no = $2")
        .bind(vote_id).bind(paper_no).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM paper_ballots WHERE vote_id = $1 AND paper_no = $2 AND status = 'mismatch'")
        .bind(vote_id).bind(paper_no).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the outcome of a paper ballot (counted, mismatch or duplicate).
pub async fn set_paper_outcome(
    tx: &mut Tx,
    vote_id: i64,
    paper_no: &str,
    voter_key: &str,
    status: linli_domain::deliberation::ballots::PaperStatus,
    at: i64,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO paper_ballots (vote_id, paper_no, voter_key, status, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (vote_id, paper_no) DO UPDATE SET voter_key = EXCLUDED.voter_key, status = EXCLUDED.status, at = EXCLUDED.at")
        .bind(vote_id).bind(paper_no).bind(voter_key).bind(status.as_str()).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct PaperRow {
    pub paper_no: String,
    pub entries: i64,
    /// waiting (one entry) | counted | mismatch | duplicate
    #[sqlx(try_from = "String")]
    pub status: linli_domain::deliberation::ballots::PaperStatus,
    pub unit_label: Option<String>,
}

/// Paper ballots of a vote, one row per paper number, problems first.
pub async fn papers(db: &Db, vote_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<PaperRow>> {
    on_db!(db, p => sqlx::query_as(
        "SELECT e.paper_no, COUNT(*) AS entries, COALESCE(MAX(b.status), 'waiting') AS status, \
         COALESCE(MAX(vo.owner_name || ' · ' || vo.unit_labels), MAX(h.unit_label)) AS unit_label \
         FROM paper_entries e LEFT JOIN paper_ballots b ON b.vote_id = e.vote_id AND b.paper_no = e.paper_no \
         LEFT JOIN vote_owners vo ON vo.vote_id = e.vote_id AND 'o:' || vo.owner_key = e.voter_key \
         LEFT JOIN households h ON h.id = CASE WHEN e.voter_key LIKE 'h:%' THEN CAST(SUBSTR(e.voter_key, 3) AS BIGINT) END \
         WHERE e.vote_id = $1 GROUP BY e.paper_no \
         ORDER BY CASE COALESCE(MAX(b.status), 'waiting') WHEN 'mismatch' THEN 0 WHEN 'duplicate' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, e.paper_no \
         LIMIT $2 OFFSET $3")
        .bind(vote_id).bind(limit).bind(offset).fetch_all(p).await)
}

// ---- bulk loading (demo data and load tests) -------------------------------------------

/// Adds households to a building in multi-row inserts; returns their ids in order.
pub async fn bulk_households(
    tx: &mut Tx,
    building_id: i64,
    units: &[(String, i64)],
    at: i64,
) -> StoreResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(units.len());
    for chunk in units.chunks(500) {
        let got: Vec<i64> = on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO households (region_id, unit_label, floor_area, created_at) ");
            qb.push_values(chunk, |mut b, (label, area)| {
                b.push_bind(building_id).push_bind(label.as_str()).push_bind(*area).push_bind(at);
            });
            qb.push(" RETURNING id");
            qb.build_query_scalar().fetch_all(c).await
        })?;
        ids.extend(got);
    }
    Ok(ids)
}

/// Who owns a unit, for loading.
pub struct NewOwner {
    pub household_id: i64,
    pub region_id: i64,
    pub owner_key: String,
    pub owner_name: String,
    pub user_id: Option<i64>,
    pub developer: bool,
}

pub async fn bulk_owners(tx: &mut Tx, owners: &[NewOwner]) -> StoreResult<()> {
    for chunk in owners.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO unit_owners (household_id, region_id, owner_key, owner_name, user_id, developer) ");
            qb.push_values(chunk, |mut b, o| {
                b.push_bind(o.household_id).push_bind(o.region_id).push_bind(o.owner_key.as_str())
                    .push_bind(o.owner_name.as_str()).push_bind(o.user_id).push_bind(o.developer);
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Records open ballots in bulk: (voter key, stored choice, ballot id), one participation
/// row each.
pub async fn bulk_ballots(
    tx: &mut Tx,
    vote_id: i64,
    ballots: &[(String, String, String)],
    channel: &str,
    at: i64,
) -> StoreResult<()> {
    for chunk in ballots.chunks(500) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO vote_participation (vote_id, voter_key, cast_by, channel, at) ");
            qb.push_values(chunk, |mut b, (key, _, _)| {
                b.push_bind(vote_id).push_bind(key.as_str()).push_bind(None::<i64>).push_bind(channel).push_bind(at);
            });
            qb.build().execute(&mut *c).await?;
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO ballots (id, vote_id, voter_key, choice, reason) ");
            qb.push_values(chunk, |mut b, (key, choice, id)| {
                b.push_bind(id.as_str()).push_bind(vote_id).push_bind(key.as_str()).push_bind(choice.as_str()).push_bind("");
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}
