//! Load for the benchmark harness (`linli fill`): a long ledger, a large owners' vote,
//! many voters with API sessions. Written for volume (multi-row inserts, one transaction
//! per thousand rows) and never used by the pages.

use linli_app::{AppError, AppResult};
use linli_domain::deliberation::ballots::VoteStatus;
use linli_domain::regions::RegionPath;
use linli_store::clock::now_ms;
use linli_store::deliberation::votes::{self as st, NewVoteRow};
use linli_store::money::{self as money_st, NewTxn};
use linli_store::organizations as orgs;
use linli_store::{Db, Tx};

/// Appends `count` synthetic transactions to an organization's ledger, spread over the
/// twelve months before today, in transactions of 1,000 postings: load for the
/// benchmark harness (`linli fill-ledger`), never used by the pages.
pub async fn fill_for_load_test(db: &Db, org_id: i64, count: i64) -> AppResult<i64> {
    let org = orgs::get(db, org_id)
        .await?
        .ok_or(AppError::NotFound("org_not_found"))?;
    let ledger = linli_app::money::ensure_ledger(db, &org).await?;
    let by = orgs::members(db, org.id, 1, 0)
        .await?
        .first()
        .map(|m| m.user_id)
        .ok_or(AppError::NotFound("org_not_found"))?;
    let today = chrono::NaiveDate::parse_from_str(linli_store::clock::today().as_str(), "%Y-%m-%d")
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let kinds = [
        ("wallet", "income_fees"),
        ("expense_food", "cash"),
        ("cash", "income_donations"),
        ("expense_materials", "wallet"),
    ];
    let mut done = 0;
    while done < count {
        let mut tx = db.begin().await?;
        for _ in 0..1000.min(count - done) {
            let head = money_st::lock(&mut tx, ledger.id).await?;
            let day = today - chrono::Days::new((365 - (done * 365 / count.max(1))) as u64);
            let (debit, credit) = kinds[(done % 4) as usize];
            let amount = 100 + (done * 37) % 20_000;
            let entries = [(debit.to_string(), amount), (credit.to_string(), -amount)];
            money_st::append(
                &mut tx,
                &head,
                NewTxn {
                    occurred_on: &day.format("%Y-%m-%d").to_string(),
                    kind: "manual",
                    memo: "load test",
                    reverses_id: None,
                    voucher_id: None,
                    created_by: by,
                    entries: &entries,
                },
            )
            .await?;
            done += 1;
        }
        tx.commit().await?;
    }
    // As autovacuum would after such a load: fresh planner statistics on PostgreSQL.
    linli_store::regions::analyze(db).await?;
    Ok(done)
}

/// Load testing only: builds a compound of `units` owned units under the first
/// community (one buyer in fifty owns two units; 1% are the developer's), an owners' vote
/// on a major matter, and one ballot from about 80% of the owners; returns the vote's id.
pub async fn fill_owners_vote_for_load_test(db: &Db, units: i64) -> AppResult<i64> {
    use linli_domain::regions::RegionKind;
    let community: i64 = linli_store::on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM regions WHERE kind = 'community' ORDER BY id LIMIT 1").fetch_one(p).await)?;
    let community = linli_store::regions::get(db, community)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    let admin: i64 = linli_store::on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM users ORDER BY id LIMIT 1").fetch_one(p).await)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let compound = linli_store::regions::insert(
        &mut tx,
        Some(&community),
        RegionKind::Compound,
        &format!("压测小区{now}"),
    )
    .await?;
    let mut ballots = Vec::new();
    let mut voted = std::collections::HashSet::new();
    let mut made = 0i64;
    let mut b_no = 0;
    while made < units {
        b_no += 1;
        let building = linli_store::regions::insert(
            &mut tx,
            Some(&compound),
            RegionKind::Building,
            &format!("{b_no}栋"),
        )
        .await?;
        let n = (units - made).min(1000);
        let specs: Vec<(String, i64)> = (0..n)
            .map(|i| (format!("{}-{}", b_no, i + 1), 6_000 + (made + i) % 97 * 100))
            .collect();
        let ids = st::bulk_households(&mut tx, building.id, &specs, now).await?;
        let owners: Vec<st::NewOwner> = ids
            .iter()
            .enumerate()
            .map(|(i, &h)| {
                let k = made + i as i64;
                st::NewOwner {
                    household_id: h,
                    region_id: building.id,
                    // Every fiftieth buyer also owns the next unit.
                    owner_key: format!("o{}", if k % 50 == 1 { k - 1 } else { k }),
                    owner_name: format!("业主{k}"),
                    user_id: None,
                    developer: k % 100 == 99,
                }
            })
            .collect();
        st::bulk_owners(&mut tx, &owners).await?;
        // One ballot per owner (the developer's unsold units are one owner), as its
        // first unit would have it.
        for (i, o) in owners.iter().enumerate() {
            let k = made + i as i64;
            let key = if o.developer {
                "developer".to_string()
            } else {
                o.owner_key.clone()
            };
            if k % 5 != 4 && voted.insert(key.clone()) {
                let choice = if k % 7 == 3 { "no" } else { "yes" };
                ballots.push((
                    format!("o:{key}"),
                    choice.to_string(),
                    linli_app::deliberation::votes::ballot_id(),
                ));
            }
        }
        made += n;
    }
    let vote = load_test_vote(
        &mut tx,
        compound.id,
        "压测：筹集维修资金",
        "owners",
        admin,
        now,
    )
    .await?;
    let (lo, hi) = compound.region_path().subtree_bounds();
    st::snapshot_owners(&mut tx, vote, &lo, &hi).await?;
    st::bulk_ballots(&mut tx, vote, &ballots, "paper", now).await?;
    tx.commit().await?;
    // Fresh planner statistics after the bulk load (PostgreSQL), as the other fillers do.
    linli_store::regions::analyze(db).await?;
    Ok(vote)
}

/// Load testing only: `count` synthetic residents of the first community, each with an
/// API session, and an open residents' vote for them. Returns the vote id and the bearer
/// tokens (one voter each), for driving ballots through HTTP.
pub async fn fill_voters_for_load_test(db: &Db, count: i64) -> AppResult<(i64, Vec<String>)> {
    let (community_id, path): (i64, String) = linli_store::on_db!(db, p => sqlx::query_as(
        "SELECT id, path FROM regions WHERE kind = 'community' ORDER BY id LIMIT 1").fetch_one(p).await)?;
    let (lo, hi) = RegionPath::from_stored(path).subtree_bounds();
    let homes: Vec<(i64, i64)> = linli_store::on_db!(db, p => sqlx::query_as(
        "SELECT h.id, h.region_id FROM households h JOIN regions r ON r.id = h.region_id \
         WHERE r.path >= $1 AND r.path < $2 ORDER BY h.id LIMIT 5000")
        .bind(&lo).bind(&hi).fetch_all(p).await)?;
    if homes.is_empty() {
        return Err(AppError::NotFound("region_not_found"));
    }
    let now = now_ms();
    let tag = now % 1_000_000;
    let mut tokens = Vec::with_capacity(count as usize);
    let mut tx = db.begin().await?;
    let mut made = 0i64;
    while made < count {
        let n = (count - made).min(500);
        let phones: Vec<String> = (made..made + n)
            .map(|i| format!("19{:03}{:06}", tag % 1000, i))
            .collect();
        let ids: Vec<i64> = linli_store::on_tx!(&mut tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO users (phone, display_name, password_hash, created_at) ");
            qb.push_values(&phones, |mut b, p| {
                b.push_bind(p.as_str()).push_bind("压测居民").push_bind("!").push_bind(now);
            });
            qb.push(" RETURNING id");
            qb.build_query_scalar().fetch_all(c).await
        })?;
        let batch: Vec<(i64, (i64, i64), String)> = ids
            .iter()
            .enumerate()
            .map(|(i, &u)| {
                (
                    u,
                    homes[(made as usize + i) % homes.len()],
                    linli_app::tokens::random_token(),
                )
            })
            .collect();
        linli_store::on_tx!(&mut tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO residents (household_id, region_id, name, user_id, created_at) ");
            qb.push_values(&batch, |mut b, (u, (h, r), _)| {
                b.push_bind(*h).push_bind(*r).push_bind("压测居民").push_bind(*u).push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO role_grants (user_id, region_id, role, granted_at) ");
            qb.push_values(&batch, |mut b, (u, (_, r), _)| {
                b.push_bind(*u).push_bind(*r).push_bind("resident").push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO sessions (id, user_id, created_at, expires_at) ");
            qb.push_values(&batch, |mut b, (u, _, t)| {
                b.push_bind(linli_app::tokens::session_key(t)).push_bind(*u).push_bind(now)
                    .push_bind(now + 7 * 24 * 3600 * 1000);
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        })?;
        tokens.extend(batch.into_iter().map(|(_, _, t)| t));
        made += n;
    }
    let admin: i64 = linli_store::on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT id FROM users ORDER BY id LIMIT 1").fetch_one(c).await)?;
    let vote = load_test_vote(
        &mut tx,
        community_id,
        "压测：居民表决",
        "majority",
        admin,
        now,
    )
    .await?;
    tx.commit().await?;
    linli_store::regions::analyze(db).await?;
    Ok((vote, tokens))
}

/// An open week-long vote of a load test: owners' (a major matter) or residents'.
async fn load_test_vote(
    tx: &mut Tx,
    region: i64,
    title: &str,
    method: &str,
    admin: i64,
    now: i64,
) -> AppResult<i64> {
    let owners = method == "owners";
    Ok(st::insert_vote(
        tx,
        &NewVoteRow {
            region_id: region,
            title,
            description: "",
            body_id: None,
            sitting_id: None,
            motion_id: None,
            issue_id: None,
            method,
            matter: if owners { "major" } else { "ordinary" },
            electorate: if owners { "owners" } else { "residents" },
            electorate_region_id: region,
            secret: false,
            hide_results: false,
            changeable: false,
            opens_at: now,
            closes_at: now + 7 * 24 * 3600 * 1000,
            status: VoteStatus::Open,
            parent_id: None,
            parent_option: None,
            created_by: admin,
            created_at: now,
        },
    )
    .await?)
}

/// Load testing only: an import sheet (`.xlsx`) of `units` units in buildings of 100,
/// each with an area, an owner with a phone (one buyer in fifty owns two units) and a
/// head of household — the shape `linli_app::imports` reads.
pub fn import_sheet_for_load_test(units: usize) -> AppResult<Vec<u8>> {
    use linli_app::xlsx::{Cell, Writer};
    let header = linli_app::imports::template_header();
    let mut w = Writer::new(Vec::new(), "住户名册", &header)?;
    for i in 0..units {
        let building = format!("{}栋", i / 100 + 1);
        let unit = i % 100;
        let label = format!(
            "{}单元{}{:02}",
            unit / 50 + 1,
            (unit % 50) / 2 + 1,
            unit % 2 + 1
        );
        let owner_no = if i % 50 == 1 { i - 1 } else { i };
        let owner = format!("业主{owner_no}");
        let phone = format!("139{owner_no:08}");
        let resident = format!("住户{i}");
        w.row(&[
            Cell::Text(&building),
            Cell::Text(&label),
            Cell::Number(60.0 + (i % 90) as f64 + 0.25),
            Cell::Text("住宅"),
            Cell::Text(&owner),
            Cell::Text(&phone),
            Cell::Text("否"),
            Cell::Text(&resident),
            Cell::Empty,
            Cell::Text("是"),
        ])?;
    }
    w.finish()
}
