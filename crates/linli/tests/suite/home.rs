//! The home page starts with what is waiting for the person: a vote they may still cast,
//! an activity they signed up for (when, where, the AA fee and how to pay it); what is
//! done leaves the list, and nobody sees another community's business there.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const COMMITTEE: &str = "13800000003";
const LEADER: &str = "13800000008";
const RESIDENT: &str = "13800000007";
const OUTSIDER: &str = "13800000015";

/// The "waiting" section of a home page.
fn waiting(page: &str) -> &str {
    let w = &page[page.find("id=\"waiting\"").expect("a waiting section")..];
    &w[..w.find("</section>").unwrap()]
}

async fn home_starts_with_what_is_waiting_and_drops_what_is_done(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut resident = app.login(RESIDENT).await;
    let home = resident.get("/").await;
    assert!(
        waiting(&home.body).contains("现在没有等着您的事"),
        "an empty list says what will arrive there"
    );

    // The committee calls a residents' vote of the community.
    let mut committee = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = committee
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            json!({"title": "周末开放活动室", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 60}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let vote = r.json()["id"].as_i64().unwrap();
    let w = resident.get("/").await.body;
    let w = waiting(&w);
    assert!(
        w.contains("等您投票")
            && w.contains("周末开放活动室")
            && w.contains("截止")
            && w.contains(&format!("href=\"/votes/{vote}#my-ballot\"")),
        "{w}"
    );
    let mut outsider = app.login(OUTSIDER).await;
    let other = outsider.get("/").await.body;
    assert!(
        !waiting(&other).contains("周末开放活动室"),
        "another community's vote is not theirs to cast"
    );

    // The leader publishes an activity with a fee; the resident joins and signs up.
    let club = app.org_id("翠竹园读书会").await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{club}/activities"),
            &[
                ("title", "读书分享会"),
                ("place", "社区活动室"),
                ("starts_at", &app.local_in_minutes(3 * 24 * 60)),
                ("capacity", "10"),
                ("planned_cost", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let activity = r.location().trim_start_matches("/activities/").to_string();
    resident.post_form(&format!("/orgs/{club}/join"), &[]).await;
    let r = resident
        .post_form(&format!("/activities/{activity}/signup"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let w = resident.get("/").await.body;
    let w = waiting(&w);
    assert!(
        w.contains("您报名的活动") && w.contains("读书分享会") && w.contains("社区活动室"),
        "{w}"
    );
    assert!(
        w.contains("AA 费 ¥10.00") && w.contains("到场时交给组织者"),
        "the fee and how to pay it: {w}"
    );
    assert!(w.contains("（周"), "the day comes with its weekday: {w}");

    // Voting takes the vote off the list.
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let w = resident.get("/").await.body;
    assert!(!waiting(&w).contains("周末开放活动室"), "{}", waiting(&w));
    assert!(waiting(&w).contains("读书分享会"));

    // A member's claim waits on the leader's home page, not on the claimant's.
    let mut member = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let voucher = member
        .send(
            "POST",
            &format!("/api/v1/organizations/{club}/vouchers?filename=receipt.png"),
            Some("image/png"),
            include_bytes!("../../../demo/src/receipts/print.png").to_vec(),
            &[],
        )
        .await;
    assert_eq!(voucher.status, 201, "{}", voucher.body);
    let r = member
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/claims"),
            json!({"amount_fen": 4560, "category": "expense_food", "purpose": "读书会茶点",
                   "spent_on": linli_store::clock::today().as_str(),
                   "voucher_id": voucher.json()["id"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let w = leader.get("/").await.body;
    let w = waiting(&w);
    assert!(
        w.contains("等您审批的报销")
            && w.contains("读书会茶点")
            && w.contains("¥45.60")
            && w.contains(&format!("href=\"/orgs/{club}/claims\"")),
        "{w}"
    );
    let own = resident.get("/").await.body;
    assert!(
        !waiting(&own).contains("读书会茶点"),
        "one's own claim waits on others"
    );
}

/// Issues, votes and decisions are reached from the community and compound pages
/// directly, not only through a building page.
async fn community_and_compound_pages_lead_to_issues_votes_and_decisions(app: &TestApp) {
    let mut resident = app.login(RESIDENT).await;
    for name in ["翠竹园社区", "翠竹园一期"] {
        let id = app.region_id(name).await;
        let page = resident.get(&format!("/regions/{id}")).await;
        assert_eq!(page.status, 200);
        let d = &page.body[page
            .body
            .find("id=\"deliberation\"")
            .expect("a deliberation card")..];
        let d = &d[..d.find("</section>").unwrap()];
        for part in ["issues", "votes", "decisions", "bodies"] {
            assert!(
                d.contains(&format!("href=\"/regions/{id}/{part}\"")),
                "{name}: {d}"
            );
        }
    }
}

on_both_databases!(
    home_starts_with_what_is_waiting_and_drops_what_is_done,
    community_and_compound_pages_lead_to_issues_votes_and_decisions,
);
