//! Deliberation scenarios: bodies, sittings (agenda, attendance and quorum, motions,
//! the speaking queue, minutes and their PDF), action items and the accountability page.
//! Issues are set up in SQL here, since the issues part is built beside this one; votes
//! are not relied on (putting a motion to the vote is tested up to its refusals).

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const COMMITTEE: &str = "13800000003"; // 周红, 居委会 at 翠竹园社区 (administers it)
const SOCIAL_WORKER: &str = "13800000004"; // 吴静
const REP: &str = "13800000005"; // 郑强, building representative of 1号楼
const REP2: &str = "13800000006"; // 冯梅, building representative of 1号楼
const RESIDENT: &str = "13800000007"; // 陈晓, 1号楼
const LEADER: &str = "13800000008"; // 褚琳
const OWNERS: &str = "13800000009"; // 卫东, 业委会 at 翠竹园一期
const PROPERTY: &str = "13800000010"; // 蒋涛, 物业 at 翠竹园一期
const SOCIAL_ORG: &str = "13800000011"; // 沈芳, 社会组织 at 翠竹园社区
const OUTSIDER: &str = "13800000015"; // 秦川, 清泉社区

async fn uid(app: &TestApp, phone: &str) -> i64 {
    app.count_where("SELECT id FROM users WHERE phone = $1", phone)
        .await
}

/// 翠竹园一期1号楼, where 陈晓 lives (building nodes are named just "1号楼").
async fn building_of_resident(app: &TestApp) -> i64 {
    app.count_where(
        "SELECT g.region_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE u.phone = $1 AND g.role = 'resident'",
        RESIDENT,
    )
    .await
}

fn day(offset_days: i64) -> String {
    (linli_testkit::now() + chrono::Duration::hours(8) + chrono::Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

fn local_in(days: i64) -> String {
    let t = linli_testkit::now() + chrono::Duration::days(days) + chrono::Duration::hours(8);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches('/')
        .split('/')
        .nth(1)
        .and_then(|s| s.split('#').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location:?}"))
}

/// An issue raised by 陈晓 for 1号楼, waiting on `body`'s agenda, supported by two neighbours.
async fn issue_on_agenda(app: &TestApp, body: i64, title: &str) -> i64 {
    let building = building_of_resident(app).await;
    let author = uid(app, RESIDENT).await;
    app.exec(&format!(
        "INSERT INTO issues (region_id, body_id, author_id, title, body, status, supporters, created_at, updated_at) \
         VALUES ({building}, {body}, {author}, '{title}', '老人推车进出困难', 'on_agenda', 2, 0, 0)"
    ))
    .await;
    let id = app
        .count_where("SELECT id FROM issues WHERE title = $1", title)
        .await;
    for p in [SOCIAL_WORKER, LEADER] {
        let u = uid(app, p).await;
        app.exec(&format!(
            "INSERT INTO issue_supports (issue_id, user_id, at) VALUES ({id}, {u}, 0)"
        ))
        .await;
    }
    id
}

struct Setup {
    body: i64,
    sitting: i64,
    issue: i64,
}

/// 翠竹园社区's four-party joint meeting with its five seated members and one former,
/// a sitting chaired by 沈芳 with one issue on its agenda; opened, and when `all_present`
/// everyone seated marked present.
/// The quorum line of a sitting's page.
fn quorum_line(page: &str) -> &str {
    let q = &page[page.find("id=\"quorum\"").expect("a quorum line")..];
    &q[..q.find("</p>").unwrap()]
}

/// The demo's two past sittings agree with their published minutes: five attended, the
/// quorum was met.
async fn the_demo_sittings_agree_with_their_minutes(app: &TestApp) {
    linli_demo::seed_stories(&app.db).await.unwrap();
    let mut chair = app.login(COMMITTEE).await;
    let ids = app
        .i64s("SELECT id FROM sittings WHERE minutes_status = 'published' ORDER BY id")
        .await;
    assert_eq!(ids.len(), 2, "the demo holds two sittings");
    for id in ids {
        let page = chair.get(&format!("/sittings/{id}")).await;
        assert_eq!(page.status, 200);
        let q = quorum_line(&page.body);
        assert!(
            q.contains("出席 5") && q.contains("✓ 达到法定人数"),
            "sitting {id}: {q}"
        );
    }
}

async fn joint_meeting(app: &TestApp, all_present: bool) -> Setup {
    let community = app.region_id("翠竹园社区").await;
    let mut admin = app.login(COMMITTEE).await;
    let r = admin
        .post_form(
            &format!("/regions/{community}/bodies"),
            &[
                ("kind", "joint_meeting"),
                ("name", "翠竹园四方联席会议"),
                ("quorum", "50"),
                ("requires_second", "1"),
                ("speech_seconds", "120"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let body = id_from(r.location());
    let (start, end) = (day(-100), day(265));
    for (phone, party, seat) in [
        (COMMITTEE, "residents_committee", "主任"),
        (OWNERS, "owners_committee", "业委会主任"),
        (PROPERTY, "property", "项目经理"),
        (SOCIAL_ORG, "social_org", "秘书"),
        (RESIDENT, "resident", "居民代表"),
    ] {
        let r = admin
            .post_form(
                &format!("/bodies/{body}/members"),
                &[
                    ("phone", phone),
                    ("party", party),
                    ("seat", seat),
                    ("term_start", &start),
                    ("term_end", &end),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{phone}: {}", r.body);
    }
    let r = admin
        .post_form(
            &format!("/bodies/{body}/members"),
            &[
                ("phone", LEADER),
                ("party", "resident"),
                ("term_start", "2024-01-01"),
                ("term_end", "2025-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = admin
        .post_form(
            &format!("/bodies/{body}/sittings"),
            &[
                ("title", "十二月联席会议"),
                ("starts_at", &local_in(1)),
                ("place", "社区活动中心二楼"),
                ("chair_phone", SOCIAL_ORG),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sitting = id_from(r.location());
    let issue = issue_on_agenda(app, body, "东门加装无障碍坡道").await;
    let mut chair = app.login(SOCIAL_ORG).await;
    let page = chair.get(&format!("/sittings/{sitting}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("从待上会的议题中添加") && page.body.contains("东门加装无障碍坡道"),
        "the chair picks from the body's waiting issues"
    );
    let q = quorum_line(&page.body);
    assert!(
        q.contains("尚未开会") && !q.contains("未达到法定人数"),
        "a sitting not opened yet has no quorum to fail: {q}"
    );
    let r = chair
        .post_form(
            &format!("/sittings/{sitting}/agenda"),
            &[("issue_id", &issue.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        chair
            .post_form(&format!("/sittings/{sitting}/open"), &[])
            .await
            .status,
        303
    );
    if all_present {
        for p in [COMMITTEE, OWNERS, PROPERTY, SOCIAL_ORG, RESIDENT] {
            let u = uid(app, p).await.to_string();
            let r = chair
                .post_form(&format!("/sittings/{sitting}/attend"), &[("user_id", &u)])
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
    }
    Setup {
        body,
        sitting,
        issue,
    }
}

async fn status_of_motion(app: &TestApp, id: i64) -> i64 {
    app.count_where(
        "SELECT COUNT(*) FROM motions WHERE id = CAST($1 AS BIGINT) AND status = 'moved'",
        &id.to_string(),
    )
    .await
}

async fn a_joint_meeting_seats_four_parties_and_keeps_former_members(app: &TestApp) {
    let s = joint_meeting(app, false).await;
    let mut admin = app.login(COMMITTEE).await;
    let page = admin.get(&format!("/bodies/{}", s.body)).await;
    assert_eq!(page.status, 200);
    for text in [
        "四方联席会议",
        "居委会",
        "业委会",
        "物业",
        "社会组织",
        "十二月联席会议",
    ] {
        assert!(page.body.contains(text), "body page shows {text}");
    }
    let former = &page.body[page
        .body
        .find("id=\"former\"")
        .expect("former members listed")..];
    assert!(former.contains("褚琳") && former.contains("任期已满"));
    let r = admin
        .post_form(
            &format!("/bodies/{}/members", s.body),
            &[
                ("phone", SOCIAL_WORKER),
                ("party", "expert"),
                ("term_start", "2026-05-01"),
                ("term_end", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("任期结束日期不能早于开始日期"));
    let community = app.region_id("翠竹园社区").await;
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(
            &format!("/regions/{community}/bodies"),
            &[("kind", "council"), ("name", "居民自己的议事会")],
        )
        .await;
    assert_eq!(r.status, 403, "only administrators set up bodies");
    let list = resident.get(&format!("/regions/{community}/bodies")).await;
    assert!(list.body.contains("翠竹园四方联席会议"));
    let mut api = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let b = api
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/bodies"),
            json!({"kind": "committee", "name": "环境专委会", "quorum_percent": "66.67", "requires_second": false}),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.json()["quorum_bp"], 6667);
    let r = api
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/bodies"),
            json!({"kind": "committee", "name": "另一个", "quorum_percent": "0"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "invalid_quorum");
    // Monthly sittings, and never one in the past.
    let r = api
        .json(
            "POST",
            &format!("/api/v1/bodies/{}/sittings", s.body),
            json!({"title": "月度联席会议", "starts_at": local_in(3), "months": 3}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ids: Vec<i64> = r.json()["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let at = |v: serde_json::Value| v["sitting"]["starts_at"].as_i64().unwrap();
    let first = at(api
        .get(&format!("/api/v1/sittings/{}", ids[0]))
        .await
        .json());
    let next = at(api
        .get(&format!("/api/v1/sittings/{}", ids[1]))
        .await
        .json());
    let days = (next - first) / 86_400_000;
    assert!((28..=31).contains(&days), "a month apart: {days} days");
    let r = api
        .json(
            "POST",
            &format!("/api/v1/bodies/{}/sittings", s.body),
            json!({"title": "补开", "starts_at": local_in(-1)}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "starts_in_past");
    // The agenda is built from the body's waiting issues and reordered.
    let garden = issue_on_agenda(app, s.body, "小花园改造").await;
    let agenda = format!("/api/v1/sittings/{}/agenda", s.sitting);
    let r = api.json("POST", &agenda, json!({"issue_id": garden})).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = api
        .json(
            "POST",
            &format!("{agenda}/{garden}/move"),
            json!({"up": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let v = api
        .get(&format!("/api/v1/sittings/{}", s.sitting))
        .await
        .json();
    assert_eq!(v["agenda"][0]["issue_id"], garden, "moved up");
    assert_eq!(v["agenda"][1]["issue_id"], s.issue);
    let raised = issue_on_agenda(app, s.body, "还在征集支持的议题").await;
    app.exec(&format!(
        "UPDATE issues SET status = 'raised' WHERE id = {raised}"
    ))
    .await;
    let r = api.json("POST", &agenda, json!({"issue_id": raised})).await;
    assert_eq!(r.json()["error"]["code"], "issue_not_for_agenda");
    assert_eq!(
        api.send("DELETE", &format!("{agenda}/{garden}"), None, vec![], &[])
            .await
            .status,
        204
    );
    let v = api
        .get(&format!("/api/v1/sittings/{}", s.sitting))
        .await
        .json();
    assert_eq!(v["agenda"].as_array().unwrap().len(), 1);
    let v = api.get(&format!("/api/v1/bodies/{}", s.body)).await.json();
    assert_eq!(v["members"].as_array().unwrap().len(), 5);
    assert_eq!(v["former"][0]["name"], "褚琳");
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "body.member"
        )
        .await,
        6
    );
}

async fn attendance_by_party_decides_the_quorum_of_a_joint_meeting(app: &TestApp) {
    let s = joint_meeting(app, false).await;
    let url = format!("/sittings/{}", s.sitting);
    let mut resident = app.login(RESIDENT).await;
    let mut owners = app.login(OWNERS).await;
    let mut chair = app.login(SOCIAL_ORG).await;
    for c in [&mut resident, &mut owners] {
        let r = c.post_form(&format!("{url}/attend"), &[]).await;
        assert_eq!(r.status, 303, "members mark themselves present: {}", r.body);
    }
    let committee = uid(app, COMMITTEE).await.to_string();
    let r = resident
        .post_form(&format!("{url}/attend"), &[("user_id", &committee)])
        .await;
    assert_eq!(r.status, 422, "only the chair marks others");
    assert!(r.body.contains("只有会议主持人"));
    let r = chair
        .post_form(&format!("{url}/attend"), &[("user_id", &committee)])
        .await;
    assert_eq!(r.status, 303);
    let page = chair.get(&url).await;
    let q = quorum_line(&page.body);
    assert!(
        q.contains("出席 3") && q.contains("在任成员 5") && q.contains("法定人数 3"),
        "{q}"
    );
    assert!(
        q.contains("未达到法定人数") && q.contains("物业、社会组织"),
        "three of five is enough people, but two parties are missing: {q}"
    );
    let worker = uid(app, SOCIAL_WORKER).await.to_string();
    let r = chair
        .post_form(&format!("{url}/attend"), &[("user_id", &worker)])
        .await;
    assert_eq!(r.status, 422, "a non-member is not marked present");
    assert!(r.body.contains("不是这个议事机构的在任成员"));
    for p in [PROPERTY, SOCIAL_ORG] {
        let u = uid(app, p).await.to_string();
        chair
            .post_form(&format!("{url}/attend"), &[("user_id", &u)])
            .await;
    }
    let mut api = app.api_client(OWNERS, DEMO_PASSWORD).await;
    let v = api.get(&format!("/api/v1{url}")).await.json();
    assert_eq!(v["quorum"]["met"], true, "{}", v["quorum"]);
    assert_eq!(v["quorum"]["present"], 5);
    assert_eq!(v["quorum"]["parties_missing"].as_array().unwrap().len(), 0);
    assert!(chair.get(&url).await.body.contains("✓ 达到法定人数"));
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM sitting_attendance WHERE party = $1",
            "residents_committee"
        )
        .await,
        1,
        "attendance is kept by party"
    );
}

async fn motions_need_a_second_before_the_vote_and_follow_simple_rules(app: &TestApp) {
    let s = joint_meeting(app, true).await;
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let mut owners = app.api_client(OWNERS, DEMO_PASSWORD).await;
    let mut property = app.login(PROPERTY).await;
    let mut chair = app.login(SOCIAL_ORG).await;
    let mut worker = app.login(SOCIAL_WORKER).await;

    let r = worker
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[("text", "建坡道"), ("issue_id", &s.issue.to_string())],
        )
        .await;
    assert_eq!(r.status, 422, "a non-member cannot move");
    assert!(r.body.contains("不是这个议事机构的在任成员"));

    let r = resident
        .json(
            "POST",
            &format!("/api/v1/sittings/{}/motions", s.sitting),
            json!({"text": "在东门建一条无障碍坡道，由物业在一个月内完成。", "issue_id": s.issue}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let motion = r.json()["id"].as_i64().unwrap();

    let r = chair
        .post_form(
            &format!("/motions/{motion}/vote"),
            &[("method", "majority"), ("minutes_open", "10")],
        )
        .await;
    assert_eq!(r.status, 422, "no second, no vote");
    assert!(r.body.contains("还没有人附议，不能付诸表决"), "{}", r.body);
    assert_eq!(status_of_motion(app, motion).await, 1, "nothing changed");
    assert_eq!(app.count("votes").await, 0);

    let r = resident
        .json(
            "POST",
            &format!("/api/v1/motions/{motion}/second"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "cannot_second_own_motion");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不能附议自己的动议")
    );

    let r = owners
        .json(
            "POST",
            &format!("/api/v1/motions/{motion}/second"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = property
        .post_form(&format!("/motions/{motion}/second"), &[])
        .await;
    assert_eq!(r.status, 422, "seconded once");

    let r = property
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[
                ("text", "在东门建一条无障碍坡道，由物业在两个月内完成。"),
                ("parent_id", &motion.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = chair.get(&format!("/sittings/{}", s.sitting)).await;
    assert!(
        page.body.contains(&format!("修正 #{motion}")),
        "the amendment names its motion"
    );
    assert!(
        page.body.contains("其文字取代原动议的文字"),
        "the page explains amendments"
    );
    assert!(page.body.contains("附议人：卫东"));

    let r = owners
        .json(
            "POST",
            &format!("/api/v1/motions/{motion}/withdrawal"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "not_the_mover");
    let r = resident
        .json(
            "POST",
            &format!("/api/v1/motions/{motion}/withdrawal"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    let r = property
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[("text", "改为三个月"), ("parent_id", &motion.to_string())],
        )
        .await;
    assert_eq!(r.status, 422, "a withdrawn motion cannot be amended");
    assert!(r.body.contains("已经撤回或表决"));
    let r = chair
        .post_form(
            &format!("/motions/{motion}/vote"),
            &[("method", "majority")],
        )
        .await;
    assert_eq!(r.status, 422, "nor put to the vote");
    let mut api_chair = app.api_client(SOCIAL_ORG, DEMO_PASSWORD).await;
    let r = api_chair
        .json(
            "POST",
            &format!("/api/v1/motions/{motion}/vote"),
            json!({"method": "majority"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "motion_closed");
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM motions WHERE status = $1",
            "withdrawn"
        )
        .await,
        1
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE $1",
            "motion.%"
        )
        .await,
        4,
        "moved, seconded, amended, withdrawn"
    );
}

async fn the_chair_gives_the_floor_in_turn_and_an_overrun_is_said_in_words(app: &TestApp) {
    let s = joint_meeting(app, true).await;
    let url = format!("/sittings/{}", s.sitting);
    let mut resident = app.login(RESIDENT).await;
    let mut owners = app.login(OWNERS).await;
    let mut chair = app.login(SOCIAL_ORG).await;
    assert_eq!(
        resident
            .post_form(&format!("{url}/speakers"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        owners
            .post_form(&format!("{url}/speakers"), &[])
            .await
            .status,
        303
    );
    let r = resident.post_form(&format!("{url}/speakers"), &[]).await;
    assert_eq!(r.status, 409, "one place in the queue at a time");
    let r = resident
        .post_form(&format!("{url}/speakers/next"), &[])
        .await;
    assert_eq!(r.status, 422, "only the chair gives the floor");
    assert!(r.body.contains("只有会议主持人"));
    assert_eq!(
        chair
            .post_form(&format!("{url}/speakers/next"), &[])
            .await
            .status,
        303
    );
    let frag = owners.get(&format!("{url}/speaking")).await;
    assert!(
        frag.body.contains("正在发言") && frag.body.contains("陈晓"),
        "{}",
        frag.body
    );
    assert!(frag.body.contains("还剩") && frag.body.contains("hx-trigger=\"every 5s\""));
    assert!(frag.body.contains("1. 卫东"), "卫东 waits next");
    // Two and a half minutes later the 120-second limit is passed.
    app.exec(&format!(
        "UPDATE speaking_queue SET started_at = started_at - 150000 WHERE sitting_id = {} AND started_at IS NOT NULL",
        s.sitting
    ))
    .await;
    let page = owners.get(&url).await;
    assert!(page.body.contains("已超时 3"), "overrun in words");
    assert!(
        page.body.contains("data-speech-end"),
        "the countdown script has its clock"
    );
    assert_eq!(
        chair
            .post_form(&format!("{url}/speakers/next"), &[])
            .await
            .status,
        303
    );
    let frag = owners.get(&format!("{url}/speaking")).await;
    assert!(
        frag.body.contains("<strong>卫东</strong>"),
        "the floor passes in turn"
    );
    let mut api = app.api_client(SOCIAL_ORG, DEMO_PASSWORD).await;
    assert_eq!(
        api.json("POST", &format!("/api/v1{url}/speakers/end"), json!({}))
            .await
            .status,
        204
    );
    let r = api
        .json("POST", &format!("/api/v1{url}/speakers/end"), json!({}))
        .await;
    assert_eq!(r.json()["error"]["code"], "nobody_speaking");
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM speaking_queue WHERE ended_at IS NOT NULL AND limit_seconds = CAST($1 AS BIGINT)",
            "120"
        )
        .await,
        2
    );
}

async fn minutes_are_drafted_from_the_sitting_approved_by_another_member_and_printed(
    app: &TestApp,
) {
    let s = joint_meeting(app, true).await;
    let url = format!("/sittings/{}", s.sitting);
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = resident
        .json(
            "POST",
            &format!("/api/v1{url}/motions"),
            json!({"text": "建无障碍坡道", "issue_id": s.issue}),
        )
        .await;
    let motion = r.json()["id"].as_i64().unwrap();
    let mut owners = app.login(OWNERS).await;
    owners
        .post_form(&format!("/motions/{motion}/second"), &[])
        .await;
    let mut reader = app.login(SOCIAL_WORKER).await;
    assert_eq!(
        reader.get(&format!("{url}/minutes.pdf")).await.status,
        404,
        "nothing printed before publication"
    );
    let r = owners.post_form(&format!("{url}/minutes/draft"), &[]).await;
    assert_eq!(r.status, 422, "only the chair or the secretary drafts");

    let mut chair = app.login(SOCIAL_ORG).await;
    assert_eq!(
        chair
            .post_form(&format!("{url}/minutes/draft"), &[])
            .await
            .status,
        303
    );
    let page = chair.get(&url).await;
    for text in [
        "居委会：周红",
        "物业：蒋涛",
        "达到法定人数",
        "1. 东门加装无障碍坡道",
        "建无障碍坡道",
        "动议人：陈晓",
        "附议人：卫东",
        "状态：已附议",
    ] {
        assert!(page.body.contains(text), "the draft says {text}");
    }
    assert!(
        !reader.get(&url).await.body.contains("出席（按所属方）"),
        "a draft is not shown to readers"
    );
    let r = chair
        .post_form(
            &format!("{url}/minutes"),
            &[(
                "text",
                "十二月联席会议纪要\n出席：四方均到。\n会议决定：建坡道。",
            )],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = chair
        .post_form(&format!("{url}/minutes/approve"), &[])
        .await;
    assert_eq!(
        r.status, 422,
        "the drafter does not approve their own minutes"
    );
    assert!(r.body.contains("起草人以外"));
    let r = chair
        .post_form(&format!("{url}/minutes/publish"), &[])
        .await;
    assert_eq!(r.status, 422, "not before approval");
    assert_eq!(
        owners
            .post_form(&format!("{url}/minutes/approve"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        chair
            .post_form(&format!("{url}/minutes/publish"), &[])
            .await
            .status,
        303
    );
    let page = reader.get(&url).await;
    assert!(
        page.body.contains("会议决定：建坡道。"),
        "published minutes are public to readers"
    );
    let pdf = reader.get(&format!("{url}/minutes.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.body.starts_with("%PDF-1.4"));
    let hex: String = "会议决定"
        .encode_utf16()
        .map(|u| format!("{u:04X}"))
        .collect();
    assert!(pdf.body.contains(&hex), "the text is in the PDF as UTF-16");
    let title: String = "十二月联席会议"
        .encode_utf16()
        .map(|u| format!("{u:04X}"))
        .collect();
    assert!(pdf.body.contains("<FEFF") && pdf.body.contains(&title));
    let r = chair
        .post_form(&format!("{url}/minutes"), &[("text", "改一下")])
        .await;
    assert_eq!(r.status, 422, "published minutes do not change");
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE $1",
            "minutes.%"
        )
        .await,
        4
    );
}

async fn decisions_become_action_items_and_the_last_one_done_reports_back(app: &TestApp) {
    let s = joint_meeting(app, true).await;
    let community = app.region_id("翠竹园社区").await;
    let mut admin = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = admin
        .json(
            "POST",
            &format!("/api/v1/decisions/{}/actions", s.issue),
            json!({"title": "施工", "owner_phone": PROPERTY, "due_on": day(30)}),
        )
        .await;
    assert_eq!(r.status, 422, "the issue is not decided yet");
    assert_eq!(r.json()["error"]["code"], "issue_not_decided");
    app.exec(&format!(
        "UPDATE issues SET status = 'decided', decision = '东门建无障碍坡道' WHERE id = {}",
        s.issue
    ))
    .await;
    let r = admin
        .json(
            "POST",
            &format!("/api/v1/decisions/{}/actions", s.issue),
            json!({"title": "施工", "owner_phone": PROPERTY, "due_on": day(-1)}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "due_in_past");
    let mut chair = app.login(SOCIAL_ORG).await;
    let r = chair
        .post_form(
            &format!("/decisions/{}/actions", s.issue),
            &[
                ("title", "坡道施工"),
                ("owner_phone", PROPERTY),
                ("due_on", &day(30)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "the sitting's chair sets items: {}", r.body);
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM issues WHERE status = $1", "in_action")
            .await,
        1,
        "decided → in action"
    );
    let r = admin
        .json(
            "POST",
            &format!("/api/v1/decisions/{}/actions", s.issue),
            json!({"title": "验收", "owner_phone": OWNERS, "due_on": day(40)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.json()["id"].as_i64().unwrap();
    let first = app
        .count_where("SELECT id FROM action_items WHERE title = $1", "坡道施工")
        .await;

    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(
            &format!("/actions/{first}/progress"),
            &[("note", "我来"), ("percent", "50")],
        )
        .await;
    assert_eq!(r.status, 403, "only the owner records progress");
    let mut property = app.login(PROPERTY).await;
    let r = property
        .post_form(
            &format!("/actions/{first}/progress"),
            &[("note", "材料到场"), ("percent", "150")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("0 到 100"));
    let r = property
        .post_form(
            &format!("/actions/{first}/progress"),
            &[("note", "材料到场"), ("percent", "40")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = property
        .post_form(
            &format!("/actions/{first}/progress"),
            &[("note", "完工"), ("done", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM issues WHERE status = $1", "in_action")
            .await,
        1,
        "one item still open"
    );
    let page = resident.get(&format!("/actions/{first}")).await;
    assert!(
        page.body.contains("材料到场")
            && page.body.contains("完工")
            && page.body.contains("已完成"),
        "the item's page keeps its progress notes"
    );
    assert!(
        !page.body.contains("记录进展"),
        "only its owner records progress"
    );
    let page = resident
        .get(&format!("/regions/{community}/decisions"))
        .await;
    assert_eq!(page.status, 200);
    for text in [
        "东门加装无障碍坡道",
        "东门建无障碍坡道",
        "坡道施工",
        "蒋涛",
        "100%",
        "验收",
        "卫东",
        "落实中",
    ] {
        assert!(
            page.body.contains(text),
            "the accountability page shows {text}"
        );
    }
    let mut owners = app.api_client(OWNERS, DEMO_PASSWORD).await;
    let r = owners
        .json(
            "POST",
            &format!("/api/v1/actions/{second}/progress"),
            json!({"note": "验收合格", "done": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["action"]["status"], "done");
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM issues WHERE status = $1", "done")
            .await,
        1,
        "the last item done closes the issue"
    );
    for p in [RESIDENT, SOCIAL_WORKER, LEADER, REP, REP2] {
        let u = uid(app, p).await;
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) FROM notifications WHERE msg_key = 'notice.issue_done' AND user_id = CAST($1 AS BIGINT)",
                &u.to_string()
            )
            .await,
            1,
            "{p} hears the issue is done"
        );
    }
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM notifications WHERE msg_key = $1",
            "notice.issue_done"
        )
        .await,
        5,
        "author, two supporters, two building representatives"
    );
    let r = owners
        .json(
            "POST",
            &format!("/api/v1/actions/{second}/progress"),
            json!({"note": "again", "done": true}),
        )
        .await;
    assert_eq!(r.status, 409);

    // An item overdue is said so in words.
    let other = issue_on_agenda(app, s.body, "楼道灯维修").await;
    let owner = uid(app, PROPERTY).await;
    let building = building_of_resident(app).await;
    app.exec(&format!(
        "UPDATE issues SET status = 'in_action' WHERE id = {other}"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO action_items (issue_id, region_id, title, owner_id, due_on, status, created_by, created_at) \
         VALUES ({other}, {building}, '换灯泡', {owner}, '2020-01-01', 'open', {owner}, 0)"
    ))
    .await;
    let v = admin
        .get(&format!("/api/v1/regions/{community}/decisions"))
        .await
        .json();
    let overdue: Vec<bool> = v
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["overdue"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(overdue.iter().filter(|o| **o).count(), 1, "{overdue:?}");
    let page = resident
        .get(&format!("/regions/{community}/decisions"))
        .await;
    assert!(page.body.contains("换灯泡") && page.body.contains("已逾期"));
}

async fn a_resident_of_another_community_neither_sees_nor_acts(app: &TestApp) {
    let s = joint_meeting(app, true).await;
    let community = app.region_id("翠竹园社区").await;
    let mut outsider = app.login(OUTSIDER).await;
    for path in [
        format!("/bodies/{}", s.body),
        format!("/sittings/{}", s.sitting),
        format!("/sittings/{}/speaking", s.sitting),
        format!("/regions/{community}/decisions"),
        format!("/regions/{community}/bodies"),
    ] {
        assert_eq!(outsider.get(&path).await.status, 403, "{path}");
    }
    let r = outsider
        .post_form(&format!("/sittings/{}/attend", s.sitting), &[])
        .await;
    assert_eq!(r.status, 403);
    let r = outsider
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[("text", "x"), ("issue_id", &s.issue.to_string())],
        )
        .await;
    assert_eq!(r.status, 403);
    let mut api = app.api_client(OUTSIDER, DEMO_PASSWORD).await;
    assert_eq!(
        api.get(&format!("/api/v1/sittings/{}", s.sitting))
            .await
            .status,
        403
    );
    assert_eq!(
        api.get(&format!("/api/v1/regions/{community}/decisions"))
            .await
            .status,
        403
    );
    assert_eq!(app.count("motions").await, 0);
    // The documented paths.
    let doc = app.client().get("/api/openapi.json").await.json();
    for p in [
        "/api/v1/regions/{id}/bodies",
        "/api/v1/sittings/{id}",
        "/api/v1/motions/{id}/vote",
        "/api/v1/sittings/{id}/minutes/publication",
        "/api/v1/regions/{id}/decisions",
        "/api/v1/actions/{id}/progress",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
}

/// The id of the newest motion of a sitting.
async fn newest_motion(app: &TestApp, sitting: i64) -> i64 {
    app.count_where(
        "SELECT MAX(id) FROM motions WHERE sitting_id = CAST($1 AS BIGINT)",
        &sitting.to_string(),
    )
    .await
}

/// Puts a seconded motion to a vote in the room, has every present member vote `choice`,
/// closes it and returns the vote's id.
async fn vote_in_the_room(app: &TestApp, motion: i64, choices: &[(&str, &str)]) -> i64 {
    let mut chair = app.login(SOCIAL_ORG).await;
    let r = chair
        .post_form(
            &format!("/motions/{motion}/vote"),
            &[("method", "majority"), ("minutes_open", "10")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let vote: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    for (phone, choice) in choices {
        let mut m = app.login(phone).await;
        let r = m
            .post_form(
                &format!("/votes/{vote}/ballot"),
                &[("confirm", "1"), ("choice", choice)],
            )
            .await;
        assert_eq!(r.status, 303, "{phone}: {}", r.body);
    }
    let mut admin = app.login(COMMITTEE).await;
    assert_eq!(
        admin
            .post_form(&format!("/votes/{vote}/close"), &[])
            .await
            .status,
        303
    );
    vote
}

async fn a_carried_amendment_rewrites_the_motion_and_the_carried_motion_decides_the_issue(
    app: &TestApp,
) {
    let s = joint_meeting(app, true).await;
    let mut resident = app.login(RESIDENT).await;
    let mut owners = app.login(OWNERS).await;
    let mut property = app.login(PROPERTY).await;
    let r = resident
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[
                ("text", "在东门建一条无障碍坡道，一个月内完成。"),
                ("issue_id", &s.issue.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let motion = newest_motion(app, s.sitting).await;
    owners
        .post_form(&format!("/motions/{motion}/second"), &[])
        .await;
    let r = property
        .post_form(
            &format!("/sittings/{}/motions", s.sitting),
            &[
                ("text", "在东门建一条无障碍坡道，两个月内完成。"),
                ("parent_id", &motion.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let amendment = newest_motion(app, s.sitting).await;
    owners
        .post_form(&format!("/motions/{amendment}/second"), &[])
        .await;
    let all_yes = [
        (COMMITTEE, "yes"),
        (OWNERS, "yes"),
        (PROPERTY, "yes"),
        (SOCIAL_ORG, "no"),
        (RESIDENT, "yes"),
    ];
    vote_in_the_room(app, amendment, &all_yes).await;
    let page = resident.get(&format!("/sittings/{}", s.sitting)).await;
    assert!(
        page.body.contains("两个月内完成"),
        "the amendment's text replaces the motion's"
    );
    let issue = resident.get(&format!("/issues/{}", s.issue)).await;
    assert!(
        !issue.body.contains("已形成决定"),
        "an amendment never decides the issue"
    );
    vote_in_the_room(app, motion, &all_yes).await;
    let issue = resident.get(&format!("/issues/{}", s.issue)).await;
    assert!(issue.body.contains("已形成决定"), "{}", issue.body);
    assert!(issue.body.contains("两个月内完成") || issue.body.contains("id=\"decision\""));
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM motions WHERE status = $1", "carried")
            .await,
        2
    );
}

on_both_databases!(
    the_demo_sittings_agree_with_their_minutes,
    a_carried_amendment_rewrites_the_motion_and_the_carried_motion_decides_the_issue,
    a_joint_meeting_seats_four_parties_and_keeps_former_members,
    attendance_by_party_decides_the_quorum_of_a_joint_meeting,
    motions_need_a_second_before_the_vote_and_follow_simple_rules,
    the_chair_gives_the_floor_in_turn_and_an_overrun_is_said_in_words,
    minutes_are_drafted_from_the_sitting_approved_by_another_member_and_printed,
    decisions_become_action_items_and_the_last_one_done_reports_back,
    a_resident_of_another_community_neither_sees_nor_acts,
);
