//! The demo's deliberation story, from seed 004 (社邻家): a cleared space the street wants
//! as a construction-waste room; the four-party joint meeting declines it; residents
//! raise their own proposal, a two-stage vote of the compound's households chooses a
//! footpath with a small garden and then design A; the decision becomes action items,
//! done, and a residents' self-management group looks after the garden (议而有行).
//!
//! Votes are counted and closed by the real closing code, so their stored results, the
//! stage that follows the winner and the issues' statuses come from the same rules as in
//! use; afterwards the dates are moved into the past months the story covers.

use linli_app::AppResult;
use linli_app::deliberation::votes::finish;
use linli_domain::clubs::Stage;
use linli_store::clock::now_ms;
use linli_store::deliberation::votes as st;
use linli_store::{Db, Tx, on_tx};

const DAY: i64 = 24 * 3600 * 1000;
const HOUR: i64 = 3600 * 1000;

async fn id(tx: &mut Tx, sql: String) -> AppResult<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(c).await)?)
}

async fn run(tx: &mut Tx, sql: String) -> AppResult<()> {
    on_tx!(tx, c => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The body's five parties sign in to a sitting through the store's own `mark_present`
/// (the sitting's minutes say all five attended).
async fn attend_all(tx: &mut Tx, sitting: i64, u: impl Fn(usize) -> i64, at: i64) -> AppResult<()> {
    for (who, party) in [
        (3, "residents_committee"),
        (9, "owners_committee"),
        (10, "property"),
        (11, "social_org"),
        (5, "resident"),
    ] {
        linli_store::deliberation::sittings::mark_present(tx, sitting, u(who), party, at).await?;
    }
    Ok(())
}

/// The demo people the story needs, by their demo account index.
pub struct Cast<'a> {
    pub community: i64,
    pub compound: i64,
    pub users: &'a [i64],
}

pub async fn seed_garden_story(db: &Db, cast: Cast<'_>) -> AppResult<()> {
    let u = |i: usize| cast.users[i];
    let (community, compound) = (cast.community, cast.compound);
    // The story starts at 09:00 local time 150 days ago, so every step happens in the
    // daytime and the meetings in the evening, whatever time the demo is loaded.
    let today = linli_domain::time::shanghai_date(now_ms());
    let t0 = linli_domain::time::shanghai_day_start_ms(today - chrono::Days::new(150)) + 9 * HOUR;
    let evening = 10 * HOUR + 30 * 60_000;
    let month_of = |at: i64| chrono::Datelike::month(&linli_domain::time::shanghai_date(at));
    let mut tx = db.begin().await?;
    let body = id(&mut tx, format!(
        "INSERT INTO bodies (region_id, kind, name, support_threshold, quorum_bp, requires_second, speech_seconds, created_by, created_at) \
         VALUES ({community}, 'joint_meeting', '翠竹园社区四方联席会议', 5, 5000, TRUE, 180, {}, {t0}) RETURNING id", u(3))).await?;
    for (who, party, seat) in [
        (3, "residents_committee", "召集人"),
        (9, "owners_committee", "业委会主任"),
        (10, "property", "物业经理"),
        (11, "social_org", "互助会秘书长"),
        (5, "resident", "居民代表"),
    ] {
        run(&mut tx, format!(
            "INSERT INTO body_members (body_id, user_id, party, seat, term_start, term_end, created_at) \
             VALUES ({body}, {}, '{party}', '{seat}', '2026-01-01', '2028-12-31', {t0})", u(who))).await?;
    }
    // The street's proposal, heard and declined at the first sitting.
    let waste = id(&mut tx, format!(
        "INSERT INTO issues (region_id, body_id, author_id, title, body, status, created_at, updated_at) \
         VALUES ({compound}, {body}, {}, '把清理出的空地建成建筑垃圾房', \
         '一期北侧清理出一块空地。小区没有建筑垃圾房，街道今年的规划想在这里建一个，请联席会议议一议。', \
         'on_agenda', {}, {})  RETURNING id", u(3), t0 + DAY, t0 + DAY)).await?;
    let sitting1 = id(&mut tx, format!(
        "INSERT INTO sittings (body_id, region_id, title, starts_at, place, status, chair_id, minutes, minutes_status, \
         minutes_approved_by, minutes_published_at, created_by, created_at) VALUES ({body}, {community}, \
         '{}月四方联席会议', {}, '社区议事厅', 'closed', {}, \
         '出席：居委会、业委会、物业、互助会、居民代表共5人，达到法定人数。\n议题：把清理出的空地建成建筑垃圾房。\n动议：周红提出，蒋涛附议。\n表决：赞成2票，反对3票，未通过。\n居民代表提出：担心异味、噪音和安全，希望先了解居民真正需要什么。\n会后：居委会走访反对者，了解他们的想法。', \
         'published', {}, {}, {}, {}) RETURNING id",
        month_of(t0 + 10 * DAY), t0 + 10 * DAY + evening, u(3), u(11), t0 + 12 * DAY, u(3), t0 + 2 * DAY)).await?;
    run(&mut tx, format!("INSERT INTO sitting_agenda (sitting_id, issue_id, position) VALUES ({sitting1}, {waste}, 1)")).await?;
    attend_all(&mut tx, sitting1, u, t0 + 10 * DAY + evening).await?;
    let motion1 = id(&mut tx, format!(
        "INSERT INTO motions (sitting_id, issue_id, text, mover_id, seconder_id, status, created_at) \
         VALUES ({sitting1}, {waste}, '在一期北侧空地建设建筑垃圾房', {}, {}, 'voting', {}) RETURNING id",
        u(3), u(10), t0 + 10 * DAY + evening + 20 * 60_000)).await?;
    let v1 = insert_vote(
        &mut tx,
        VoteSpec {
            region: community,
            title: "在一期北侧空地建设建筑垃圾房",
            method: "majority",
            electorate: "body",
            electorate_region: community,
            body: Some(body),
            sitting: Some(sitting1),
            motion: Some(motion1),
            issue: Some(waste),
            parent: None,
            by: u(3),
            at: t0 + 10 * DAY + evening + 40 * 60_000,
        },
    )
    .await?;
    run(
        &mut tx,
        format!("UPDATE motions SET vote_id = {v1} WHERE id = {motion1}"),
    )
    .await?;
    let body_ballots: Vec<(String, String, String)> =
        [(3, "yes"), (10, "yes"), (9, "no"), (11, "no"), (5, "no")]
            .iter()
            .map(|(who, c)| {
                (
                    format!("p:{}", u(*who)),
                    c.to_string(),
                    format!("demo-v1-{who}"),
                )
            })
            .collect();
    st::bulk_ballots(
        &mut tx,
        v1,
        &body_ballots,
        "room",
        t0 + 10 * DAY + evening + 50 * 60_000,
    )
    .await?;
    run(
        &mut tx,
        "UPDATE ballots SET reason = '担心异味和噪音，先问问住在旁边的人' WHERE id = 'demo-v1-5'"
            .into(),
    )
    .await?;
    run(&mut tx, format!(
        "UPDATE vote_participation SET cast_by = CAST(SUBSTR(voter_key, 3) AS BIGINT) WHERE vote_id = {v1}")).await?;
    tx.commit().await?;
    finish(db, v1, Some(u(3))).await?;

    // Residents' own proposal: raised by 陈晓, supported by neighbours, on the agenda.
    let mut tx = db.begin().await?;
    let garden = id(&mut tx, format!(
        "INSERT INTO issues (region_id, body_id, author_id, on_behalf, households_consulted, title, body, status, supporters, created_at, updated_at) \
         VALUES ({compound}, {body}, {}, FALSE, NULL, '空地改成行人步道和小花园', \
         '走访后大家说：缺的不是垃圾房，是一条安全的步道和老人孩子能坐一坐的地方。建议把空地做成行人通道和小花园，请设计师出方案。', \
         'raised', 0, {}, {}) RETURNING id", u(7), t0 + 30 * DAY, t0 + 30 * DAY)).await?;
    for (k, who) in [5usize, 6, 8, 9, 11].iter().enumerate() {
        run(
            &mut tx,
            format!(
                "INSERT INTO issue_supports (issue_id, user_id, at) VALUES ({garden}, {}, {})",
                u(*who),
                t0 + 31 * DAY + k as i64 * 3_600_000
            ),
        )
        .await?;
    }
    run(
        &mut tx,
        format!("UPDATE issues SET supporters = 5 WHERE id = {garden}"),
    )
    .await?;
    linli_store::deliberation::issues::transition(
        &mut tx,
        garden,
        &["raised"],
        "on_agenda",
        "",
        None,
        t0 + 33 * DAY,
    )
    .await?;
    let first_post = id(
        &mut tx,
        format!(
            "INSERT INTO issue_posts (issue_id, author_id, body, created_at) VALUES ({garden}, {}, \
         '赞成！我妈妈每天下楼散步，现在只能走车道。', {}) RETURNING id",
            u(6),
            t0 + 31 * DAY
        ),
    )
    .await?;
    run(&mut tx, format!(
        "INSERT INTO issue_posts (issue_id, author_id, quote_id, body, created_at) VALUES ({garden}, {}, {first_post}, \
         '物业可以负责步道的日常保洁，花草希望有居民一起照看。', {})", u(10), t0 + 32 * DAY)).await?;
    let sitting2 = id(&mut tx, format!(
        "INSERT INTO sittings (body_id, region_id, title, starts_at, place, status, chair_id, minutes, minutes_status, \
         minutes_approved_by, minutes_published_at, created_by, created_at) VALUES ({body}, {community}, \
         '{}月四方联席会议：空地怎么用', {}, '社区议事厅', 'closed', {}, \
         '出席5人，达到法定人数。\n议题：空地改成行人步道和小花园（陈晓提出，5位邻居附议）。\n决定：分两步请一期全体住户一户一票表决：先定方向（建筑垃圾房，或行人通道和小花园），再定花园方案（设计师的方案A或方案B）。', \
         'published', {}, {}, {}, {}) RETURNING id",
        month_of(t0 + 45 * DAY), t0 + 45 * DAY + evening, u(3), u(11), t0 + 47 * DAY, u(3), t0 + 35 * DAY)).await?;
    run(&mut tx, format!("INSERT INTO sitting_agenda (sitting_id, issue_id, position) VALUES ({sitting2}, {garden}, 1)")).await?;
    // Its minutes say five attended: the five parties signed in as the meeting opened.
    attend_all(&mut tx, sitting2, u, t0 + 45 * DAY + evening).await?;
    let stage1 = insert_vote(
        &mut tx,
        VoteSpec {
            region: compound,
            title: "一期北侧空地：建筑垃圾房，还是行人通道和小花园？",
            method: "approval",
            electorate: "households",
            electorate_region: compound,
            body: None,
            sitting: None,
            motion: None,
            issue: Some(garden),
            parent: None,
            by: u(3),
            at: t0 + 46 * DAY,
        },
    )
    .await?;
    st::insert_options(
        &mut tx,
        stage1,
        &["建筑垃圾房".into(), "行人通道和小花园".into()],
    )
    .await?;
    let stage2 = insert_vote(
        &mut tx,
        VoteSpec {
            region: compound,
            title: "小花园选哪个方案？",
            method: "approval",
            electorate: "households",
            electorate_region: compound,
            body: None,
            sitting: None,
            motion: None,
            issue: Some(garden),
            parent: Some((stage1, 1)),
            by: u(3),
            at: t0 + 46 * DAY,
        },
    )
    .await?;
    st::insert_options(
        &mut tx,
        stage2,
        &[
            "方案A：樱花步道和雨水花园".into(),
            "方案B：香草花园和儿童沙池".into(),
        ],
    )
    .await?;
    let homes: Vec<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT h.id FROM households h JOIN regions r ON r.id = h.region_id JOIN regions cp ON cp.id = $1 \
         WHERE r.parent_id = cp.id ORDER BY h.id LIMIT 420").bind(compound).fetch_all(c).await)?;
    let ballots: Vec<(String, String, String)> = homes
        .iter()
        .take(230)
        .enumerate()
        .map(|(i, h)| {
            (
                format!("h:{h}"),
                if i % 6 == 0 { "0" } else { "1" }.to_string(),
                format!("demo-s1-{h}"),
            )
        })
        .collect();
    st::bulk_ballots(&mut tx, stage1, &ballots, "paper", t0 + 50 * DAY).await?;
    tx.commit().await?;
    finish(db, stage1, Some(u(3))).await?;
    let mut tx = db.begin().await?;
    let ballots: Vec<(String, String, String)> = homes
        .iter()
        .take(205)
        .enumerate()
        .map(|(i, h)| {
            (
                format!("h:{h}"),
                if i % 5 < 3 { "0" } else { "1" }.to_string(),
                format!("demo-s2-{h}"),
            )
        })
        .collect();
    st::bulk_ballots(&mut tx, stage2, &ballots, "paper", t0 + 58 * DAY).await?;
    tx.commit().await?;
    finish(db, stage2, Some(u(3))).await?;

    // The decision becomes action items, all done; the self-management group takes over.
    let mut tx = db.begin().await?;
    let group = linli_store::organizations::insert(
        &mut tx,
        community,
        "club",
        "一期小花园自管小组",
        "花园建成后居民自发成立，负责浇水、垃圾分类和每月的花园开放日。",
        u(7),
    )
    .await?;
    linli_store::organizations::insert_member(&mut tx, group, u(7), "leader").await?;
    linli_store::organizations::insert_member(&mut tx, group, u(6), "member").await?;
    linli_app::clubs::start_as_proposed(&mut tx, group, u(7)).await?;
    run(
        &mut tx,
        format!(
            "UPDATE organizations SET stage = '{}' WHERE id = {group}",
            Stage::Seedling.as_str()
        ),
    )
    .await?;
    for (k, (title, owner, due, note)) in [
        (
            "按方案A施工：樱花步道和雨水花园",
            10,
            100,
            "施工完成，验收通过，步道已开放。",
        ),
        (
            "成立小花园自管小组",
            7,
            110,
            "自管小组成立，12户报名轮流照看。",
        ),
        (
            "制定花园养护公约并公示",
            11,
            120,
            "公约经自管小组讨论通过，已在楼道公示。",
        ),
    ]
    .iter()
    .enumerate()
    {
        let due_on = linli_domain::time::to_shanghai(t0 + due * DAY)
            .format("%Y-%m-%d")
            .to_string();
        let item = id(&mut tx, format!(
            "INSERT INTO action_items (issue_id, vote_id, region_id, title, owner_id, due_on, status, progress, created_by, created_at, done_at) \
             VALUES ({garden}, {stage2}, {compound}, '{title}', {}, '{due_on}', 'done', 100, {}, {}, {}) RETURNING id",
            u(*owner), u(3), t0 + 60 * DAY, t0 + (due - 5) * DAY)).await?;
        run(&mut tx, format!(
            "INSERT INTO action_notes (action_id, author_id, note, progress, at) VALUES ({item}, {}, '已开始。', 30, {}), \
             ({item}, {}, '{note}', 100, {})",
            u(*owner), t0 + (62 + k as i64 * 5) * DAY, u(*owner), t0 + (due - 5) * DAY)).await?;
    }
    linli_store::deliberation::issues::transition(
        &mut tx,
        garden,
        &["decided"],
        "in_action",
        "",
        Some(u(3)),
        t0 + 60 * DAY,
    )
    .await?;
    linli_store::deliberation::issues::transition(
        &mut tx,
        garden,
        &["in_action"],
        "done",
        "",
        Some(u(3)),
        t0 + 115 * DAY,
    )
    .await?;
    // Move the dates the closing code stamped "now" back into the story's months.
    // The room vote at the first sitting's evening, the household votes over a week each.
    let room = t0 + 10 * DAY + evening;
    for (vote, opened, closed) in [
        (v1, room + 40 * 60_000, room + 55 * 60_000),
        (stage1, t0 + 46 * DAY, t0 + 52 * DAY + HOUR),
        (stage2, t0 + 53 * DAY, t0 + 59 * DAY + HOUR),
    ] {
        run(
            &mut tx,
            format!(
                "UPDATE votes SET opens_at = {opened}, closes_at = {closed}, closed_at = {closed} WHERE id = {vote}"
            ),
        )
        .await?;
    }
    run(
        &mut tx,
        format!(
            "UPDATE issue_events SET at = {} WHERE issue_id = {waste} AND to_status = 'declined'",
            room + 55 * 60_000
        ),
    )
    .await?;
    run(
        &mut tx,
        format!(
            "UPDATE issue_events SET at = {} WHERE issue_id = {garden} AND to_status = 'decided'",
            t0 + 59 * DAY
        ),
    )
    .await?;
    run(
        &mut tx,
        format!(
            "UPDATE issues SET updated_at = {} WHERE id IN ({waste}, {garden})",
            t0 + 115 * DAY
        ),
    )
    .await?;
    // The story's issues and its garden group are inserted directly: index them from
    // the tables, in bulk.
    for kind in linli_domain::search::Kind::ALL {
        linli_app::search::rebuild_kind(&mut tx, kind, &mut |_, _| {}).await?;
    }
    tx.commit().await?;
    Ok(())
}

struct VoteSpec<'a> {
    region: i64,
    title: &'a str,
    method: &'a str,
    electorate: &'a str,
    electorate_region: i64,
    body: Option<i64>,
    sitting: Option<i64>,
    motion: Option<i64>,
    issue: Option<i64>,
    parent: Option<(i64, i64)>,
    by: i64,
    at: i64,
}

async fn insert_vote(tx: &mut Tx, v: VoteSpec<'_>) -> AppResult<i64> {
    let closes_at = now_ms() + DAY;
    let id = st::insert_vote(
        tx,
        &st::NewVoteRow {
            region_id: v.region,
            title: v.title,
            description: "",
            body_id: v.body,
            sitting_id: v.sitting,
            motion_id: v.motion,
            issue_id: v.issue,
            method: v.method,
            matter: "ordinary",
            electorate: v.electorate,
            electorate_region_id: v.electorate_region,
            secret: false,
            hide_results: false,
            changeable: false,
            opens_at: v.at,
            // Open until the closing code counts it (just after seeding).
            closes_at,
            status: if v.parent.is_some() {
                linli_domain::deliberation::ballots::VoteStatus::Pending
            } else {
                linli_domain::deliberation::ballots::VoteStatus::Open
            },
            parent_id: v.parent.map(|p| p.0),
            parent_option: v.parent.map(|p| p.1),
            created_by: v.by,
            created_at: v.at,
        },
    )
    .await?;
    if v.parent.is_none() {
        linli_app::jobs::schedule_vote(tx, id, v.at, closes_at).await?;
    }
    Ok(id)
}
