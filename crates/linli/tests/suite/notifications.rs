//! Notifications as a platform service: a vote tells its electorate it opened and
//! reminds those who have not voted before it closes (both through the job queue); each
//! person chooses on a page (or the API) which kinds they receive, and a muted kind is not
//! sent.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const COMMITTEE: &str = "13800000003";
const RESIDENT: &str = "13800000007";

async fn drain(app: &TestApp) {
    while linli_app::jobs::run_due(&app.db, "t", 50).await.unwrap() > 0 {}
}

async fn a_vote_tells_its_electorate_and_reminds_who_has_not_voted(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let resident_id = app
        .i64s(&format!("SELECT id FROM users WHERE phone = '{RESIDENT}'"))
        .await[0];
    let electorate = app
        .i64s(&format!(
            "SELECT COUNT(*) FROM residents s JOIN regions r ON r.id = s.region_id \
             WHERE s.user_id IS NOT NULL AND r.path LIKE (SELECT path FROM regions WHERE id = {community}) || '%'"
        ))
        .await[0];
    assert!(electorate > 1, "several residents with accounts");

    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            json!({"title": "楼道灯改声控", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 600}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let vote = r.json()["id"].as_i64().unwrap();
    let sent = |key: &str| {
        format!(
            "SELECT user_id FROM notifications WHERE msg_key = '{key}' AND link = '/votes/{vote}' ORDER BY user_id"
        )
    };
    drain(app).await;
    let opened = app.i64s(&sent("notice.vote_opened")).await;
    assert_eq!(
        opened.len() as i64,
        electorate,
        "everyone who may vote is told, once"
    );
    assert!(opened.contains(&resident_id));

    // The resident votes; halfway through the ten hours the others are reminded.
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get("/notifications").await;
    assert!(
        page.body.contains("有一项投票开始了") && page.body.contains("楼道灯改声控"),
        "{}",
        page.body
    );
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.clock.advance(4 * 3_600_000);
    drain(app).await;
    assert!(
        app.i64s(&sent("notice.vote_closing")).await.is_empty(),
        "not yet"
    );
    app.clock.advance(3_600_000 + 60_000);
    drain(app).await;
    let reminded = app.i64s(&sent("notice.vote_closing")).await;
    assert_eq!(
        reminded.len() as i64,
        electorate - 1,
        "all but the one who voted"
    );
    assert!(!reminded.contains(&resident_id), "no reminder after voting");
}

/// Those confirmed for an activity are reminded the day before, through the job queue;
/// someone who cancelled is not, and the reminder says when and where.
async fn an_activity_reminds_those_signed_up_the_day_before(app: &TestApp) {
    let club = app.org_id("翠竹园读书会").await;
    let mut leader = app.login("13800000008").await;
    let starts = app.local_in_minutes(3 * 24 * 60);
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "读书分享会"),
                ("place", "社区活动室"),
                ("starts_at", &starts),
                ("capacity", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let activity = r.location().to_string();
    let mut resident = app.login(RESIDENT).await;
    assert_eq!(
        resident
            .post_form(&format!("{activity}/signup"), &[])
            .await
            .status,
        303
    );
    let mut rep = app.login("13800000005").await;
    assert_eq!(
        rep.post_form(&format!("{activity}/signup"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        rep.post_form(&format!("{activity}/cancel"), &[])
            .await
            .status,
        303
    );
    let told = format!(
        "SELECT u.phone FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.msg_key = 'notice.activity_tomorrow' AND n.link = '{activity}' ORDER BY u.phone"
    );
    drain(app).await;
    assert!(app.strings(&told).await.is_empty(), "not three days ahead");
    app.clock.advance(2 * 24 * 3_600_000 + 60_000);
    drain(app).await;
    assert_eq!(
        app.strings(&told).await,
        vec![RESIDENT.to_string()],
        "the one confirmed, once"
    );
    let page = resident.get("/notifications").await;
    assert!(
        page.body.contains("您报名的活动明天举行：读书分享会") && page.body.contains("社区活动室"),
        "{}",
        page.body
    );
}

async fn a_muted_kind_is_not_sent_and_the_choice_is_kept(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get("/notifications").await;
    assert!(page.body.contains("接收哪些通知"), "{}", page.body);
    assert_eq!(page.body.matches("name=\"kind\"").count(), 7);
    assert_eq!(
        page.body.matches(" checked>").count(),
        7,
        "all on by default"
    );
    // Everything but new votes.
    let form: Vec<(&str, &str)> = [
        "issue",
        "action",
        "vote_closing",
        "waitlist",
        "claim",
        "activity",
    ]
    .iter()
    .map(|k| ("kind", *k))
    .collect();
    let r = resident.post_form("/notifications/settings", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = resident.get("/notifications?saved=1").await;
    assert!(page.body.contains("已保存"));
    assert_eq!(
        page.body.matches(" checked>").count(),
        6,
        "the choice is kept"
    );

    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            json!({"title": "快递柜位置", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 60}),
        )
        .await;
    let vote = r.json()["id"].as_i64().unwrap();
    drain(app).await;
    let mine = app
        .i64s(&format!(
            "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE u.phone = '{RESIDENT}' AND n.link = '/votes/{vote}'"
        ))
        .await[0];
    assert_eq!(mine, 0, "a muted kind is not sent");
    let others = app
        .i64s(&format!(
            "SELECT COUNT(*) FROM notifications WHERE link = '/votes/{vote}'"
        ))
        .await[0];
    assert!(others > 0, "the others are told");

    // The API reads and sets the same choice; an unknown kind is refused and changes nothing.
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let s = api.get("/api/v1/notifications/settings").await.json();
    let off: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["enabled"] == false)
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(off, ["vote_opened"]);
    let bad = api
        .json(
            "PUT",
            "/api/v1/notifications/settings",
            json!({"enabled": ["issue", "spam"]}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("没有这种通知"), "{}", bad.body);
    let s = api.get("/api/v1/notifications/settings").await.json();
    assert_eq!(
        s.as_array()
            .unwrap()
            .iter()
            .filter(|k| k["enabled"] == false)
            .count(),
        1
    );
    let all = api
        .json(
            "PUT",
            "/api/v1/notifications/settings",
            json!({"enabled": ["issue", "action", "vote_opened", "vote_closing", "waitlist", "claim", "activity"]}),
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(
        all.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["enabled"] == true)
    );
}

on_both_databases!(
    an_activity_reminds_those_signed_up_the_day_before,
    a_vote_tells_its_electorate_and_reminds_who_has_not_voted,
    a_muted_kind_is_not_sent_and_the_choice_is_kept,
);
