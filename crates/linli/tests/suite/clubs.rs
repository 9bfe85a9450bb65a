//! Clubs and activities through HTTP on SQLite and PostgreSQL: the lifecycle, the AA
//! fee, sign-ups with a waiting list under concurrency, cancellation, capacity and
//! check-in.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const LEADER: &str = "13800000008";
const SOCIAL_WORKER: &str = "13800000004";
const RESIDENT: &str = "13800000007";
const BUILDING_REP: &str = "13800000005";

async fn reading_club(app: &TestApp) -> i64 {
    app.org_id("翠竹园读书会").await
}

/// `YYYY-MM-DDTHH:MM` in Shanghai, `days` from now.
fn local_in(days: i64) -> String {
    let t = linli_testkit::now() + chrono::Duration::days(days) + chrono::Duration::hours(8);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

async fn a_club_grows_from_proposal_and_jumps_only_with_a_reason(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut founder = app.login(RESIDENT).await;
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[
                ("kind", "club"),
                ("name", "夜跑小分队"),
                ("intro", "晚饭后跳舞"),
            ],
        )
        .await;
    let org = r.location().to_string();
    let page = founder.get(&org).await;
    assert!(
        page.body.contains("id=\"club-stage\"") && page.body.contains("发起"),
        "a new club starts as proposed"
    );
    let mut worker = app.login(SOCIAL_WORKER).await;
    // The stage menu offers only moves the server accepts, the next step up first.
    let page = worker.get(&org).await;
    let menu = &page.body[page
        .body
        .find("<select name=\"to\">")
        .expect("a stage menu")..];
    let menu = &menu[..menu.find("</select>").unwrap()];
    assert!(
        menu.starts_with("<select name=\"to\"><option value=\"seedling\">"),
        "{menu}"
    );
    assert!(
        !menu.contains("value=\"proposed\""),
        "not the stage it is at: {menu}"
    );
    assert_eq!(
        worker
            .post_form(&format!("{org}/stage"), &[("to", "seedling")])
            .await
            .status,
        303,
        "one step needs no reason"
    );
    let r = worker
        .post_form(&format!("{org}/stage"), &[("to", "registered")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("需要写明理由"));
    assert_eq!(
        worker
            .post_form(
                &format!("{org}/stage"),
                &[("to", "registered"), ("reason", "已在民政局登记")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        founder
            .post_form(
                &format!("{org}/stage"),
                &[("to", "dormant"), ("reason", "想休息")]
            )
            .await
            .status,
        403,
        "residents do not move stages"
    );
    assert_eq!(
        worker
            .post_form(
                &format!("{org}/stage"),
                &[("to", "dormant"), ("reason", "骨干搬家")]
            )
            .await
            .status,
        303
    );
    let r = founder
        .post_form(
            &format!("{org}/activities"),
            &[
                ("title", "x"),
                ("place", "y"),
                ("starts_at", &local_in(3)),
                ("capacity", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "a dormant club publishes nothing");
    let page = founder.get(&org).await;
    assert!(
        page.body.contains("已在民政局登记") && page.body.contains("萌生（1.0）"),
        "the history is dated and explained"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM club_stage_changes WHERE reason = $1",
            "已在民政局登记"
        )
        .await,
        1
    );
}

async fn the_aa_fee_is_derived_and_never_below_the_costs(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let form = |fee: &'static str| {
        vec![
            ("title", "读书分享会".to_string()),
            ("place", "社区活动室".to_string()),
            ("starts_at", local_in(7)),
            ("capacity", "3".to_string()),
            ("planned_cost", "100".to_string()),
            ("surplus", "5".to_string()),
            ("fee", fee.to_string()),
        ]
    };
    fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
    let low = form("20");
    let r = leader
        .post_form(&format!("/orgs/{club}/activities"), &as_refs(&low))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能低于成本分摊"));
    let ok = form("");
    let r = leader
        .post_form(&format!("/orgs/{club}/activities"), &as_refs(&ok))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = leader.get(r.location()).await;
    assert!(
        page.body.contains("¥100.00 × (1 + 5.0%) ÷ 3 = ¥35.00"),
        "the fee shows its arithmetic: {}",
        page.body
    );
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(&format!("/orgs/{club}/activities"), &as_refs(&ok))
        .await;
    assert_eq!(r.status, 403, "members who do not organize publish nothing");
}

async fn n_places_admit_exactly_n_under_a_rush_and_the_queue_moves_up(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "茶话会"),
                ("place", "活动室"),
                ("starts_at", &local_in(3)),
                ("capacity", "3"),
            ],
        )
        .await;
    let activity: i64 = r
        .location()
        .trim_start_matches("/activities/")
        .parse()
        .unwrap();
    // Thirty neighbours of the community, each with an account.
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let me = rep.get("/api/v1/me").await.json();
    let b = me["household"]["building_id"].as_i64().unwrap();
    let v = rep.get(&format!("/api/v1/regions/{b}")).await.json();
    let households: Vec<i64> = v["households"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["registered"] == 0)
        .map(|h| h["id"].as_i64().unwrap())
        .take(3)
        .collect();
    let mut clients = vec![];
    for (i, h) in households.iter().enumerate() {
        let inv = rep
            .json(
                "POST",
                &format!("/api/v1/households/{h}/invitations"),
                json!({"max_uses": 10}),
            )
            .await
            .json();
        for j in 0..10 {
            let phone = format!("1350000{:02}{:02}", i, j);
            assert_eq!(
                app.register(&phone, "邻居", inv["code"].as_str())
                    .await
                    .status,
                201
            );
            let mut c = app.login_with(&phone, "neighbour-2026").await;
            c.get("/").await;
            clients.push(c);
        }
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let s = c
                    .post_form(&format!("/activities/{activity}/signup"), &[])
                    .await
                    .status;
                (s, c)
            })
        })
        .collect();
    let mut people = vec![];
    for t in tasks {
        let (status, c) = t.await.unwrap();
        assert_eq!(status, 303);
        people.push(c);
    }
    let confirmed = app.count_where("SELECT COUNT(*) FROM activity_signups WHERE status = 'confirmed' AND activity_id = CAST($1 AS BIGINT)", &activity.to_string()).await;
    let waiting = app.count_where("SELECT COUNT(*) FROM activity_signups WHERE status = 'waitlisted' AND activity_id = CAST($1 AS BIGINT)", &activity.to_string()).await;
    assert_eq!(
        (confirmed, waiting),
        (3, 27),
        "exactly the places were given"
    );
    let distinct = app.count_where("SELECT COUNT(DISTINCT position) FROM activity_signups WHERE activity_id = CAST($1 AS BIGINT)", &activity.to_string()).await;
    assert_eq!(distinct, 30, "everyone holds a distinct place in the queue");

    // The capacity cannot drop below those signed up; a cancellation promotes the first waiting.
    let r = leader
        .post_form(
            &format!("/activities/{activity}/capacity"),
            &[("capacity", "2")],
        )
        .await;
    assert_eq!(r.status, 422);
    let first_waiting: i64 = app
        .count_where("SELECT user_id FROM activity_signups WHERE status = 'waitlisted' AND activity_id = CAST($1 AS BIGINT) ORDER BY position LIMIT 1", &activity.to_string())
        .await;
    let mut in_user = None;
    for c in people.iter_mut() {
        let page = c.get(&format!("/activities/{activity}")).await;
        if page.body.contains("您已报名成功") {
            in_user = Some(c);
            break;
        }
    }
    let canceller = in_user.expect("a confirmed participant");
    assert_eq!(
        canceller
            .post_form(&format!("/activities/{activity}/cancel"), &[])
            .await
            .status,
        303
    );
    let first_is_in = app
        .count_where("SELECT COUNT(*) FROM activity_signups WHERE status = 'confirmed' AND user_id = CAST($1 AS BIGINT)", &first_waiting.to_string())
        .await;
    assert_eq!(first_is_in, 1, "the one who waited longest moved up");
    assert_eq!(
        app.strings(&format!(
            "SELECT msg_key || ' ' || link FROM notifications WHERE kind = 'waitlist' AND user_id = {first_waiting}"
        ))
        .await,
        [format!("notice.waitlist_promoted /activities/{activity}")],
        "the one who moved up is told, once"
    );
    let status_of_first: i64 = app
        .count_where("SELECT COUNT(*) FROM activity_signups WHERE status = 'confirmed' AND activity_id = CAST($1 AS BIGINT)", &activity.to_string())
        .await;
    assert_eq!(
        status_of_first, 3,
        "the freed place was taken from the waiting list"
    );
    assert_eq!(
        leader
            .post_form(
                &format!("/activities/{activity}/capacity"),
                &[("capacity", "5")]
            )
            .await
            .status,
        303
    );
    let confirmed = app.count_where("SELECT COUNT(*) FROM activity_signups WHERE status = 'confirmed' AND activity_id = CAST($1 AS BIGINT)", &activity.to_string()).await;
    assert_eq!(confirmed, 5, "new places go to the waiting list in order");
}

async fn only_participants_check_in_with_the_door_code(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "观影"),
                ("place", "活动室"),
                ("starts_at", &local_in(2)),
                ("capacity", "10"),
            ],
        )
        .await;
    let activity = r.location().to_string();
    let page = leader.get(&activity).await;
    assert!(
        page.body.contains("<svg"),
        "the organizer sees the QR code for the door"
    );
    let code = page.body.split("checkin?code=").nth(1).unwrap()[..8].to_string();
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(&format!("{activity}/checkin"), &[("code", &code)])
        .await;
    assert_eq!(r.status, 422, "not signed up");
    assert!(r.body.contains("只有报名成功的人才能签到"));
    resident.post_form(&format!("{activity}/signup"), &[]).await;
    assert_eq!(
        resident
            .post_form(&format!("{activity}/checkin"), &[("code", "WRONG123")])
            .await
            .status,
        422
    );
    assert_eq!(
        resident
            .post_form(&format!("{activity}/checkin"), &[("code", &code)])
            .await
            .status,
        303
    );
    assert_eq!(
        resident
            .post_form(&format!("{activity}/checkin"), &[("code", &code)])
            .await
            .status,
        409
    );
    assert!(resident.get(&activity).await.body.contains("已签到"));
}

const PNG: &[u8] = include_bytes!("../../../demo/src/receipts/print.png");

async fn an_activity_is_settled_into_the_club_ledger_with_receipts(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "包饺子"),
                ("place", "社区厨房"),
                ("starts_at", &local_in(1)),
                ("capacity", "3"),
                ("planned_cost", "100"),
                ("surplus", "5"),
                ("cancel_hours", "1"),
            ],
        )
        .await;
    let activity = r.location().to_string();
    let id: i64 = activity.trim_start_matches("/activities/").parse().unwrap();
    let mut resident = app.login(RESIDENT).await;
    resident.post_form(&format!("{activity}/signup"), &[]).await;
    let resident_id = app
        .count_where("SELECT id FROM users WHERE phone = $1", RESIDENT)
        .await;
    assert_eq!(
        leader
            .post_form(&format!("{activity}/paid/{resident_id}"), &[])
            .await
            .status,
        303
    );
    let r = resident.post_form(&format!("{activity}/cancel"), &[]).await;
    assert_eq!(
        r.status, 422,
        "a paid sign-up is cancelled by the organizer, with a refund"
    );
    assert!(r.body.contains("联系组织者退费"));
    let r = leader
        .post_form(&format!("{activity}/capacity"), &[("capacity", "2")])
        .await;
    assert_eq!(r.status, 422, "two places at 35.00 no longer cover 105.00");
    assert!(r.body.contains("不能低于成本分摊"));
    let r = leader
        .post_multipart(
            &format!("{activity}/costs"),
            &[("item", "面粉和肉馅"), ("amount", "30")],
            Some(("voucher", "r.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = leader.post_form(&format!("{activity}/settle"), &[]).await;
    assert_eq!(r.status, 422, "not held yet");
    let r = leader
        .post_form(&format!("{activity}/review"), &[("review", "太早了")])
        .await;
    assert_eq!(r.status, 422, "no review before settlement");
    app.exec(&format!(
        "UPDATE activities SET starts_at = starts_at - 3 * 86400000 WHERE id = {id}"
    ))
    .await;
    let mut api = app.api_client(LEADER, DEMO_PASSWORD).await;
    let before = api
        .get(&format!("/api/v1/organizations/{club}/ledger"))
        .await
        .json();
    assert_eq!(
        leader
            .post_form(&format!("{activity}/settle"), &[])
            .await
            .status,
        303
    );
    let after = api
        .get(&format!("/api/v1/organizations/{club}/ledger"))
        .await
        .json();
    let bal = |v: &serde_json::Value, code: &str| {
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap()["balance"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        bal(&after, "income_fees"),
        bal(&before, "income_fees") + 3500,
        "the fee paid"
    );
    assert_eq!(
        bal(&after, "expense_activities"),
        bal(&before, "expense_activities") + 3000,
        "the cost with its receipt"
    );
    assert_eq!(
        bal(&after, "wallet"),
        bal(&before, "wallet") + 500,
        "the surplus stays with the club"
    );
    let page = resident.get(&activity).await;
    assert!(
        page.body.contains("您已交 ¥35.00")
            && page.body.contains("面粉和肉馅")
            && page.body.contains("已结算")
    );
    assert_eq!(
        leader
            .post_form(&format!("{activity}/settle"), &[])
            .await
            .status,
        409
    );
}

async fn the_growth_page_tells_three_clubs_becoming_thirty_one(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/regions/{community}/growth")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<b>31</b><span>个自组织"),
        "thirty-one clubs now"
    );
    assert!(page.body.contains("<ul class=\"bars stacked\""));
    let g = app
        .count("club_stage_changes WHERE to_stage = 'dormant'")
        .await;
    assert_eq!(g, 2);
    // Month by month, the same on any day of any month: clubs per stage at each month's
    // end (proposed, seedling, active, registered, dormant, dissolved), oldest first.
    let api = resident
        .get(&format!("/api/v1/regions/{community}/growth"))
        .await
        .json();
    let expected: [[i64; 6]; 12] = [
        [0, 0, 3, 0, 0, 0],
        [0, 3, 3, 0, 0, 0],
        [0, 6, 3, 0, 0, 0],
        [0, 6, 6, 0, 0, 0],
        [0, 6, 9, 0, 0, 0],
        [0, 5, 12, 0, 0, 0],
        [0, 5, 15, 0, 0, 0],
        [0, 6, 17, 0, 0, 0],
        [0, 6, 20, 0, 0, 0],
        [0, 6, 23, 0, 0, 0],
        [0, 5, 24, 0, 2, 0],
        [0, 5, 24, 0, 2, 0],
    ];
    let counts: Vec<Vec<i64>> = serde_json::from_value(api["counts"].clone()).unwrap();
    assert_eq!(counts, expected.map(|m| m.to_vec()).to_vec());
    let this_month = linli_testkit::now() + chrono::Duration::hours(8);
    assert_eq!(
        api["months"][11].as_str().unwrap(),
        this_month.format("%Y-%m").to_string(),
        "the last column is this month in Asia/Shanghai"
    );
    let mut outsider = app.login("13800000015").await;
    assert_eq!(
        outsider
            .get(&format!("/regions/{community}/growth"))
            .await
            .status,
        403
    );
}

async fn life_meetings_keep_the_stories_leaders_share(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut worker = app.login(SOCIAL_WORKER).await;
    let r = worker
        .post_form(
            &format!("/regions/{community}/meetings"),
            &[("title", "十一月自组织生活会"), ("held_on", "2026-11-20")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let meeting = r.location().to_string();
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_multipart(
            &meeting,
            &[
                ("org_id", &club.to_string()),
                ("story", "我们读完了《乡土中国》，老人讲了村里的故事"),
                ("money_used", "168"),
            ],
            Some(("voucher", "photo.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&meeting).await;
    assert!(
        page.body.contains("老人讲了村里的故事")
            && page.body.contains("¥168.00")
            && page.body.contains("<img")
    );
    let r = resident
        .post_multipart(
            &meeting,
            &[("org_id", &club.to_string()), ("story", "我也想说")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 403, "members share through their leaders");
    let mut outsider = app.login("13800000015").await;
    assert_eq!(outsider.get(&meeting).await.status, 403);
    assert_eq!(
        resident
            .post_form(
                &format!("/regions/{community}/meetings"),
                &[("title", "x"), ("held_on", "2026-11-20")]
            )
            .await
            .status,
        403
    );
}

async fn the_api_runs_an_activity_end_to_end(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.api_client(LEADER, DEMO_PASSWORD).await;
    let r = leader
        .json("POST", &format!("/api/v1/organizations/{club}/activities"),
              json!({"title": "周末读书", "place": "图书角", "starts_at": local_in(5), "capacity": 1, "planned_cost_fen": 1000, "surplus_percent": "10"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["fee"], 1100);
    let plan = leader
        .json("POST", &format!("/api/v1/organizations/{club}/activities"),
              json!({"title": "草案", "place": "活动室", "starts_at": local_in(9), "capacity": 5, "publish": false}))
        .await
        .json();
    assert_eq!(plan["status"], "planned");
    let mut early = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = early
        .json(
            "POST",
            &format!("/api/v1/activities/{}/signup", plan["id"]),
            json!({}),
        )
        .await;
    assert_eq!(
        r.json()["error"]["code"],
        "activity_closed",
        "a plan takes no sign-ups until published"
    );
    let r = leader.json("POST", &format!("/api/v1/organizations/{club}/activities"),
        json!({"title": "x", "place": "y", "starts_at": local_in(5), "capacity": 1, "planned_cost_fen": 12.5})).await;
    assert_eq!(r.json()["error"]["code"], "invalid_amount");
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    assert_eq!(
        resident
            .json(
                "POST",
                &format!("/api/v1/activities/{id}/signup"),
                json!({})
            )
            .await
            .json()["status"],
        "confirmed"
    );
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    assert_eq!(
        rep.json(
            "POST",
            &format!("/api/v1/activities/{id}/signup"),
            json!({})
        )
        .await
        .json()["status"],
        "waitlisted"
    );
    let code = leader.get(&format!("/api/v1/activities/{id}")).await.json()["checkin_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        resident
            .get(&format!("/api/v1/activities/{id}"))
            .await
            .json()["checkin_code"]
            .is_null(),
        "only organizers see the code"
    );
    assert_eq!(
        rep.json(
            "POST",
            &format!("/api/v1/activities/{id}/checkin"),
            json!({"code": code})
        )
        .await
        .json()["error"]["code"],
        "not_signed_up_to_check_in"
    );
    assert_eq!(
        resident
            .send(
                "DELETE",
                &format!("/api/v1/activities/{id}/signup"),
                None,
                vec![],
                &[]
            )
            .await
            .status,
        204
    );
    assert_eq!(
        rep.get(&format!("/api/v1/activities/{id}")).await.json()["mine"]["status"],
        "confirmed",
        "promoted"
    );
    assert_eq!(
        rep.json(
            "POST",
            &format!("/api/v1/activities/{id}/checkin"),
            json!({"code": code})
        )
        .await
        .status,
        204
    );
    let g = resident
        .get(&format!(
            "/api/v1/regions/{}/growth",
            app.region_id("翠竹园社区").await
        ))
        .await
        .json();
    let doc = app.client().get("/api/openapi.json").await.json();
    for p in [
        "/api/v1/activities/{id}/publication",
        "/api/v1/activities/{id}/costs",
        "/api/v1/activities/{id}/review",
        "/api/v1/life-meetings/{id}/shares",
        "/api/v1/regions/{id}/growth",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
    assert_eq!(g["clubs_now"], 31);
    assert_eq!(g["months"].as_array().unwrap().len(), 12);
    let total = |i: usize| {
        g["counts"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(
        (total(0), total(11)),
        (3, 31),
        "three clubs a year ago, thirty-one now"
    );
}

/// The activity page says when (with the weekday), whom to pay and how; the organizer can
/// call it off with a reason, everyone signed up is told (those who paid to collect their
/// fee), and it takes no more sign-ups.
fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The organizer moves an activity and adds a contact: those signed up are told, the
/// reminder moves with it; a share link opens a public page with the title, time and
/// place only, the preview card's tags included.
async fn an_organizer_edits_and_shares_an_activity(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "读书分享会"),
                ("place", "社区活动室"),
                ("starts_at", &local_in(5)),
                ("capacity", "10"),
                ("planned_cost", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let activity = r.location().to_string();
    let id: i64 = activity.rsplit('/').next().unwrap().parse().unwrap();
    let mut resident = app.login(RESIDENT).await;
    assert_eq!(
        resident
            .post_form(&format!("{activity}/signup"), &[])
            .await
            .status,
        303
    );
    let key = format!("activity.reminder:{id}");
    let queued =
        format!("SELECT run_at FROM jobs WHERE dedupe_key = '{key}' AND status = 'queued'");
    let before = app.i64s(&queued).await;
    assert_eq!(before.len(), 1, "one reminder queued");

    // Refusals change nothing: a past start, and someone who does not organize it.
    let edit = |start: String| {
        vec![
            ("title".to_string(), "读书分享会（改期）".to_string()),
            ("place".to_string(), "二楼会议室".to_string()),
            ("starts_at".to_string(), start),
            ("cancel_hours".to_string(), "12".to_string()),
            ("contact".to_string(), "微信 chulin-reads".to_string()),
            ("description".to_string(), "带一本最近在读的书".to_string()),
        ]
    };
    let past = edit(local_in(-1));
    let r = leader
        .post_form(&format!("{activity}/edit"), &refs(&past))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("开始时间"), "{}", r.body);
    let later = edit(local_in(8));
    let r = resident
        .post_form(&format!("{activity}/edit"), &refs(&later))
        .await;
    assert_eq!(r.status, 403);
    assert!(
        resident.get(&activity).await.body.contains("社区活动室"),
        "unchanged"
    );

    let r = leader
        .post_form(&format!("{activity}/edit"), &refs(&later))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = resident.get(&activity).await;
    assert!(page.body.contains("二楼会议室") && page.body.contains("读书分享会（改期）"));
    assert!(
        page.body.contains("组织者联系方式：微信 chulin-reads"),
        "the contact shows"
    );
    let inbox = resident.get("/notifications").await;
    assert!(inbox.body.contains("您报名的活动改了时间或地点") && inbox.body.contains("二楼会议室"));
    let after = app.i64s(&queued).await;
    assert_eq!(after.len(), 1, "still one reminder");
    assert_eq!(
        after[0] - before[0],
        3 * 24 * 3_600_000,
        "the reminder moved with the start"
    );

    // Sharing: only an organizer makes the link; anyone opens it, without logging in.
    let page = resident.get(&activity).await;
    assert!(page.body.contains("组织者还没有生成分享链接"));
    assert_eq!(
        resident
            .post_form(&format!("{activity}/share"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        leader
            .post_form(&format!("{activity}/share"), &[])
            .await
            .status,
        303
    );
    let page = resident.get(&activity).await;
    let at = page.body.find("/s/").expect("a share link") + 3;
    let token = page.body[at..at + 24].to_string();
    let public = app.client().get(&format!("/s/{token}")).await;
    assert_eq!(public.status, 200);
    assert!(
        public
            .body
            .contains("<meta property=\"og:title\" content=\"读书分享会（改期） · 翠竹园读书会\">")
    );
    assert!(public.body.contains("二楼会议室") && public.body.contains("登录后报名"));
    assert!(
        !public.body.contains("陈晓") && !public.body.contains("chulin-reads"),
        "no names, no contact"
    );
    assert_eq!(
        app.client().get("/s/0123456789abcdef01234567").await.status,
        404
    );
    assert_eq!(app.client().get("/s/x").await.status, 404);
    let mut api = app.api_client(LEADER, DEMO_PASSWORD).await;
    let r = api
        .json("POST", &format!("/api/v1/activities/{id}/share"), json!({}))
        .await;
    assert_eq!(
        r.json()["path"],
        format!("/s/{token}"),
        "the same link again"
    );
    let r = api
        .json(
            "PUT",
            &format!("/api/v1/activities/{id}"),
            json!({"title": "读书分享会", "place": "二楼会议室", "starts_at": local_in(8), "cancel_hours": 12}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["activity"]["title"], "读书分享会");
}

async fn an_organizer_calls_an_activity_off_and_everyone_signed_up_is_told(app: &TestApp) {
    let club = reading_club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "包饺子"),
                ("place", "社区厨房"),
                ("starts_at", &local_in(5)),
                ("capacity", "10"),
                ("planned_cost", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let activity = r.location().to_string();
    let mut resident = app.login(RESIDENT).await;
    let mut rep = app.login(BUILDING_REP).await;
    for c in [&mut resident, &mut rep] {
        assert_eq!(
            c.post_form(&format!("{activity}/signup"), &[]).await.status,
            303
        );
    }
    let page = resident.get(&activity).await;
    assert!(page.body.contains("（周"), "the day comes with its weekday");
    assert!(
        page.body
            .contains("AA 费 ¥10.00：活动当天到场时交给组织者褚琳"),
        "whom to pay and how: {}",
        page.body
    );
    let resident_id = app
        .count_where("SELECT id FROM users WHERE phone = $1", RESIDENT)
        .await;
    assert_eq!(
        leader
            .post_form(&format!("{activity}/paid/{resident_id}"), &[])
            .await
            .status,
        303
    );

    let r = resident
        .post_form(&format!("{activity}/call-off"), &[("reason", "下雨")])
        .await;
    assert_eq!(r.status, 403, "only its organizers call it off");
    let r = leader
        .post_form(&format!("{activity}/call-off"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请写下取消的原因"), "{}", r.body);
    let r = leader
        .post_form(
            &format!("{activity}/call-off"),
            &[("reason", "厨房水管维修")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = resident.get(&activity).await;
    assert!(
        page.body.contains("已取消") && page.body.contains("厨房水管维修"),
        "{}",
        page.body
    );
    let told = app
        .strings(&format!(
            "SELECT u.phone || ' ' || n.msg_key FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.link = '{activity}' ORDER BY u.phone"
        ))
        .await;
    assert_eq!(
        told,
        vec![
            format!("{BUILDING_REP} notice.activity_cancelled"),
            format!("{RESIDENT} notice.activity_cancelled_refund"),
        ]
    );
    let mut newcomer = app.login(SOCIAL_WORKER).await;
    let r = newcomer.post_form(&format!("{activity}/signup"), &[]).await;
    assert!(
        r.status >= 400 && r.status < 500,
        "no sign-ups once cancelled: {}",
        r.status
    );
    let mut api = app.api_client(LEADER, DEMO_PASSWORD).await;
    let r = api
        .json(
            "POST",
            &format!("/api/v1{activity}/cancellation"),
            json!({"reason": "再取消一次"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
}

on_both_databases!(
    an_organizer_edits_and_shares_an_activity,
    an_organizer_calls_an_activity_off_and_everyone_signed_up_is_told,
    the_api_runs_an_activity_end_to_end,
    an_activity_is_settled_into_the_club_ledger_with_receipts,
    the_growth_page_tells_three_clubs_becoming_thirty_one,
    life_meetings_keep_the_stories_leaders_share,
    a_club_grows_from_proposal_and_jumps_only_with_a_reason,
    the_aa_fee_is_derived_and_never_below_the_costs,
    n_places_admit_exactly_n_under_a_rush_and_the_queue_moves_up,
    only_participants_check_in_with_the_door_code,
);
