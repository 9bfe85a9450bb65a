//! Deliberation scenarios: votes. One ballot per person, household or unit under
//! concurrency; secret ballots that cannot be joined to their voters; owners' votes with
//! art. 278's four figures; paper ballots entered twice; proxies; multi-stage votes; the
//! recount from stored ballots.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::{Value, json};

const COMMITTEE: &str = "13800000003";
const SOCIAL_WORKER: &str = "13800000004";
const REP: &str = "13800000005";
const RESIDENT: &str = "13800000007";
const LEADER: &str = "13800000008";
const OUTSIDER: &str = "13800000015";

async fn new_vote(app: &TestApp, region: i64, body: Value) -> i64 {
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json("POST", &format!("/api/v1/regions/{region}/votes"), body)
        .await;
    assert_eq!(r.status, 201, "vote created: {}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn close(app: &TestApp, vote: i64) -> Value {
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json("POST", &format!("/api/v1/votes/{vote}/close"), json!({}))
        .await;
    assert_eq!(r.status, 200, "closed: {}", r.body);
    r.json()
}

/// The recount from stored ballots (what `linli tally` prints) equals the stored result.
async fn assert_reproducible(app: &TestApp, vote: i64) {
    let (v, _, recount) = linli_app::deliberation::votes::recount(&app.db, vote)
        .await
        .unwrap();
    assert_eq!(
        linli_app::deliberation::votes::stored_tally(&v),
        Some(recount),
        "the tally is reproducible from the stored ballots"
    );
}

async fn a_residents_vote_counts_one_ballot_per_person_and_nothing_after_it_closes(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let vote = new_vote(
        app,
        community,
        json!({"title": "周末开放活动室", "method": "majority", "electorate": "residents",
               "region_id": community, "minutes_open": 60}),
    )
    .await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("投出选票") || page.body.contains("赞成"));
    assert!(
        page.body.contains("投出后不能更改"),
        "the form says a ballot is final"
    );
    // The first tap asks to confirm, naming the matter and the choice; nothing is cast.
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("choice", "yes"), ("reason", "孩子们需要地方")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let confirm = &r.body[r
        .body
        .find("id=\"confirm-ballot\"")
        .expect("a confirmation step")..];
    assert!(
        confirm.contains("周末开放活动室") && confirm.contains("赞成"),
        "{confirm}"
    );
    assert!(confirm.contains("name=\"confirm\" value=\"1\""));
    assert_eq!(
        app.count("ballots").await,
        0,
        "confirming casts, not the first tap"
    );
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[
                ("confirm", "1"),
                ("choice", "yes"),
                ("reason", "孩子们需要地方"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let again = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "no")],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("每人只计一票"), "{}", again.body);
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("已投票"));
    assert!(
        page.body.contains("您投了：赞成"),
        "an open ballot shows what was voted"
    );
    let mut leader = app.login(LEADER).await;
    assert_eq!(
        leader
            .post_form(
                &format!("/votes/{vote}/ballot"),
                &[("confirm", "1"), ("choice", "no")]
            )
            .await
            .status,
        303
    );
    let mut rep = app.login(REP).await;
    assert_eq!(
        rep.post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")]
        )
        .await
        .status,
        303
    );
    // Someone from another community is not among the voters and cannot even see it.
    let mut outsider = app.login(OUTSIDER).await;
    let r = outsider
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "no")],
        )
        .await;
    assert!(r.status == 404 || r.status == 403, "{}", r.status);
    let result = close(app, vote).await;
    assert_eq!(result["tally"]["yes_no"]["yes"], 2);
    assert_eq!(result["tally"]["yes_no"]["no"], 1);
    assert_eq!(result["tally"]["passed"], true);
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("通过") && page.body.contains("孩子们需要地方"));
    let late = leader
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "abstain")],
        )
        .await;
    assert!(late.status == 409 || late.status == 422);
    assert!(late.body.contains("表决已经结束"), "{}", late.body);
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &vote.to_string()
        )
        .await,
        3,
        "a closed vote accepts nothing"
    );
    assert_reproducible(app, vote).await;
}

async fn household_members_voting_at_once_count_exactly_one_ballot(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    // Five more adults join 陈晓's household.
    let mut phones = Vec::new();
    for i in 0..5 {
        let phone = format!("1390000100{i}");
        assert_eq!(app.register(&phone, "家人", None).await.status, 201);
        app.exec(&format!(
            "INSERT INTO residents (household_id, region_id, name, user_id, created_at) \
             SELECT s.household_id, s.region_id, '家人', u.id, 0 FROM residents s, users u \
             WHERE s.user_id = (SELECT id FROM users WHERE phone = '{RESIDENT}') AND u.phone = '{phone}'"
        ))
        .await;
        app.exec(&format!(
            "INSERT INTO role_grants (user_id, region_id, role, granted_at) \
             SELECT u.id, s.region_id, 'resident', 0 FROM residents s JOIN users u ON u.id = s.user_id \
             WHERE u.phone = '{phone}'"
        ))
        .await;
        phones.push(phone);
    }
    phones.push(RESIDENT.to_string());
    let vote = new_vote(
        app,
        community,
        json!({"title": "楼道加装扶手", "method": "majority", "electorate": "households",
               "region_id": community, "minutes_open": 60}),
    )
    .await;
    let mut clients = Vec::new();
    for p in &phones {
        let password = if p == RESIDENT {
            DEMO_PASSWORD
        } else {
            "neighbour-2026"
        };
        clients.push(app.api_client(p, password).await);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            tokio::spawn(async move {
                let choice = if i % 2 == 0 { "yes" } else { "no" };
                c.json(
                    "POST",
                    &format!("/api/v1/votes/{vote}/ballots"),
                    json!({"choice": choice}),
                )
                .await
                .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "exactly one member's ballot counts: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &vote.to_string()
        )
        .await,
        1
    );
    // The others see that their household has voted, and by whom (an open ballot).
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("您家已经投过票了"), "{}", page.body);
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("一户只计一票"));
}

/// A vote whose creator lets ballots change: a resident votes, changes their mind before the
/// close, and the last ballot is the one counted; a secret vote cannot be set up that way.
async fn an_open_ballot_may_change_before_the_close_when_the_creator_allows_it(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            json!({"title": "暗箱", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 60, "secret": true, "changeable": true}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不记名投票不能设为可以改票"), "{}", r.body);
    let vote = new_vote(
        app,
        community,
        json!({"title": "周末开放活动室", "method": "majority", "electorate": "residents",
               "region_id": community, "minutes_open": 60, "changeable": true}),
    )
    .await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("截止前可以改票") && page.body.contains("以最后一次为准"));
    let r = resident
        .post_form(&format!("/votes/{vote}/ballot"), &[("choice", "yes")])
        .await;
    assert!(
        r.body.contains("截止前您可以回到这里改投"),
        "the confirmation says it may change"
    );
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("您投了：赞成") && page.body.contains("id=\"change-ballot\""));
    // Changing goes through the same confirmation.
    let r = resident
        .post_form(&format!("/votes/{vote}/ballot"), &[("choice", "no")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "no")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("您投了：反对"), "the new choice shows");
    let v = vote.to_string();
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &v
        )
        .await,
        1,
        "one ballot, replaced"
    );
    let result = close(app, vote).await;
    assert_eq!(result["tally"]["yes_no"]["no"], 1, "{result}");
    assert_eq!(result["tally"]["yes_no"]["yes"], 0, "{result}");
    assert_reproducible(app, vote).await;
    let after = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(after.status, 422, "nothing changes after the close");
    let audit = app
        .strings("SELECT detail FROM audit_log WHERE action = 'vote.ballot' ORDER BY id")
        .await;
    assert!(audit.iter().any(|d| d.ends_with("· changed")), "{audit:?}");
}

async fn a_secret_ballot_cannot_be_joined_to_its_voter(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let vote = new_vote(
        app,
        community,
        json!({"title": "推选楼组长", "method": "approval", "electorate": "residents",
               "region_id": community, "minutes_open": 60, "secret": true, "hide_results": true,
               "options": ["张阿姨", "李师傅", "王老师"]}),
    )
    .await;
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("pick_1", "1"), ("pick_3", "1")],
        )
        .await;
    // Cast, the voter is shown a receipt once: the ballot's id, in groups of four.
    assert_eq!(r.status, 200, "{}", r.body);
    let needle = "class=\"code receipt-code\">";
    let at = r.body.find(needle).expect("a receipt") + needle.len();
    let receipt = r.body[at..at + 39].to_string();
    assert_eq!(receipt.len(), 39, "32 characters in 8 groups: {receipt}");
    assert!(r.body.contains("查不到您投了什么"));
    let check = |code: String| {
        let q = linli_testkit::encode_form(&[("code", &code)]);
        format!("/votes/{vote}/receipt?{q}")
    };
    let page = resident.get(&check(receipt.clone())).await;
    assert!(
        page.body.contains("这张选票已经收到，投票截止后计入结果"),
        "{}",
        page.body
    );
    let page = resident.get(&check("0000 1111".into())).await;
    assert!(page.body.contains("没有找到这个凭证码的选票"));
    let bad = resident.get(&check("  ".into())).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请输入投票时看到的凭证码"));
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(
        page.body.contains("id=\"check-receipt\""),
        "the vote page offers the check"
    );
    assert!(
        page.body.contains("您已投票。这是不记名投票") && !page.body.contains("您投了："),
        "a secret ballot is confirmed without its choice"
    );
    let mut leader = app.login(LEADER).await;
    leader
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("pick_3", "1")],
        )
        .await;
    let v = vote.to_string();
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT) AND voter_key IS NULL",
            &v
        )
        .await,
        2,
        "secret ballots carry no voter"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM vote_participation WHERE vote_id = CAST($1 AS BIGINT)",
            &v
        )
        .await,
        2,
        "who voted is recorded apart"
    );
    // Results stay hidden until the close.
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("票数在表决结束后公布"));
    let result = close(app, vote).await;
    assert_eq!(result["tally"]["approvals"], json!([1, 0, 2]));
    let page = resident.get(&check(receipt.to_uppercase())).await;
    assert!(
        page.body.contains("这张选票已计入投票结果"),
        "{}",
        page.body
    );
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = api
        .get(&check(receipt.clone()).replace("/votes/", "/api/v1/votes/"))
        .await;
    assert_eq!(r.json()["status"], "counted");
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("王老师 ★") || page.body.contains("胜出：王老师"));
    assert_reproducible(app, vote).await;
}

/// The ids of the first 24 units of a building (demo ids run on within a building).
async fn units_of(app: &TestApp, building: i64) -> Vec<i64> {
    let first = app
        .count_where(
            "SELECT MIN(household_id) FROM unit_owners WHERE region_id = CAST($1 AS BIGINT)",
            &building.to_string(),
        )
        .await;
    (first..first + 24).collect()
}

/// The number printed on the paper ballot of the owner of `unit` in `vote`.
async fn ballot_of(app: &TestApp, vote: i64, unit: i64) -> String {
    let no = app
        .i64s(&format!(
            "SELECT o.ballot_no FROM vote_owners o JOIN vote_units u ON u.vote_id = o.vote_id \
             AND u.owner_key = o.owner_key WHERE u.vote_id = {vote} AND u.household_id = {unit}"
        ))
        .await;
    assert_eq!(no.len(), 1, "unit {unit} has one owner in vote {vote}");
    linli_domain::deliberation::ballots::ballot_code(no[0])
}

async fn an_owners_vote_counts_paper_ballots_entered_twice_and_shows_the_four_figures(
    app: &TestApp,
) {
    let building = app.count_where(
        "SELECT region_id FROM residents WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
        RESIDENT,
    )
    .await;
    let vote = new_vote(
        app,
        building,
        json!({"title": "使用维修资金更换电梯", "method": "owners", "electorate": "owners",
               "matter": "major", "region_id": building, "minutes_open": 600}),
    )
    .await;
    // 陈晓 votes online as the owner of his unit; the page names his ballot number.
    let own: i64 = app
        .count_where(
            "SELECT household_id FROM unit_owners WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
            RESIDENT,
        )
        .await;
    let own_ballot = ballot_of(app, vote, own).await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("您作为业主投票"), "{}", page.body);
    assert!(page.body.contains(&own_ballot), "{}", page.body);
    assert_eq!(
        resident
            .post_form(
                &format!("/votes/{vote}/ballot"),
                &[("confirm", "1"), ("choice", "yes")]
            )
            .await
            .status,
        303
    );
    let units = units_of(app, building).await;
    let mut teller1 = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let mut teller2 = app.api_client(SOCIAL_WORKER, DEMO_PASSWORD).await;
    let enter = |no: &str, choice: &str| json!({"paper_no": no, "choice": choice});
    let path = format!("/api/v1/votes/{vote}/paper");
    // Entries that disagree are a mismatch and count nothing; the API clears them and two
    // tellers enter the paper again.
    let first_other = *units.iter().find(|u| **u != own).unwrap();
    let mismatched = ballot_of(app, vote, first_other).await;
    let r = teller1.json("POST", &path, enter(&mismatched, "yes")).await;
    assert_eq!(r.json()["outcome"], "waiting", "{}", r.body);
    let r = teller2.json("POST", &path, enter(&mismatched, "no")).await;
    assert_eq!(r.json()["outcome"], "mismatch", "{}", r.body);
    let clear = format!("/api/v1/votes/{vote}/paper/reenter");
    let r = teller2
        .json("POST", &clear, json!({"paper_no": mismatched}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = teller2
        .json("POST", &clear, json!({"paper_no": mismatched}))
        .await;
    assert_eq!(
        r.json()["error"]["code"],
        "paper_not_mismatched",
        "only a mismatch is cleared"
    );
    // Paper ballots for every other owner, by the number printed on them: entered twice,
    // by two tellers (typed with spaces instead of the dash, as a teller might).
    let mut counted = 0;
    let mut said_no = vec![];
    for (i, u) in units.iter().enumerate() {
        if *u == own {
            continue;
        }
        let choice = if i % 4 == 3 { "no" } else { "yes" };
        if choice == "no" {
            said_no.push(*u);
        }
        let no = ballot_of(app, vote, *u).await;
        let r = teller1.json("POST", &path, enter(&no, choice)).await;
        assert_eq!(r.json()["outcome"], "waiting", "{}", r.body);
        let same = teller1.json("POST", &path, enter(&no, choice)).await;
        assert_eq!(same.status, 422, "the same teller cannot enter twice");
        let typed = no.replace('-', " ");
        let r = teller2.json("POST", &path, enter(&typed, choice)).await;
        assert_eq!(r.json()["outcome"], "counted", "{}", r.body);
        counted += 1;
    }
    // A number with a wrong check digit, and a number no owner has, are refused.
    let digits: String = own_ballot.chars().filter(|c| c.is_ascii_digit()).collect();
    let last = digits.chars().last().unwrap().to_digit(10).unwrap();
    let wrong = format!("{}-{}", &digits[..digits.len() - 1], (last + 1) % 10);
    let r = teller1.json("POST", &path, enter(&wrong, "yes")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "ballot_no_bad");
    let unknown = linli_domain::deliberation::ballots::ballot_code(999);
    let r = teller1.json("POST", &path, enter(&unknown, "yes")).await;
    assert_eq!(r.json()["error"]["code"], "ballot_no_unknown", "{}", r.body);
    // A paper ballot of an owner who voted online is flagged and not counted.
    teller1.json("POST", &path, enter(&own_ballot, "no")).await;
    let r = teller2.json("POST", &path, enter(&own_ballot, "no")).await;
    assert_eq!(r.json()["outcome"], "duplicate");
    let mut web_teller = app.login(SOCIAL_WORKER).await;
    let page = web_teller.get(&format!("/votes/{vote}/paper")).await;
    assert!(page.body.contains("已投过票"), "{}", page.body);
    let result = close(app, vote).await;
    let a = &result["tally"]["art278"];
    assert_eq!(result["tally"]["cast"], counted + 1);
    // The figures, counted here from the units themselves: the building's 24 units have
    // 24 different owners and every owner took part (one online, the rest on paper).
    let ids = |v: &[i64]| {
        v.iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let area = |v: Vec<i64>| async move {
        app.i64s(&format!(
            "SELECT CAST(COALESCE(SUM(floor_area), 0) AS BIGINT) FROM households WHERE id IN ({})",
            ids(&v)
        ))
        .await[0]
    };
    let total_area = area(units.clone()).await;
    let no_area = area(said_no.clone()).await;
    let yes_area = total_area - no_area;
    let yes_owners = 24 - said_no.len() as i64;
    assert_eq!(said_no.len(), 6, "units 3, 7, …, 23 said no");
    let figures = [
        ("total_area", total_area),
        ("total_owners", 24),
        ("voting_area", total_area),
        ("voting_owners", 24),
        ("yes_area", yes_area),
        ("yes_owners", yes_owners),
    ];
    for (name, want) in figures {
        assert_eq!(a[name].as_i64().unwrap(), want, "{name}");
    }
    let split = &result["tally"]["owners_split"];
    assert_eq!(split["no_owners"], 6);
    assert_eq!(split["no_area"].as_i64().unwrap(), no_area);
    // A major matter: everyone took part (valid); it passes with ≥ 3/4 of the area and
    // ≥ 3/4 of the owners (18 of 24 is exactly 3/4).
    let area_ok = yes_area * 4 >= total_area * 3;
    assert_eq!(a["area_participation_ok"], true);
    assert_eq!(a["owner_participation_ok"], true);
    assert_eq!(a["owner_approval_ok"], true, "18 of 24 owners is 3/4");
    assert_eq!(a["area_approval_ok"], area_ok);
    assert_eq!(a["valid"], true);
    assert_eq!(a["passed"], area_ok);
    assert_eq!(result["tally"]["passed"], area_ok);
    let page = resident.get(&format!("/votes/{vote}")).await;
    for figure in [
        "参与表决的专有面积",
        "参与表决的业主人数",
        "同意的面积",
        "同意的人数",
        "≥ 2/3",
        "≥ 3/4",
        "按业主人数",
        "按专有部分面积",
        "18 人 · 75.00%",
        "业主总数（开始表决时） 24",
    ] {
        assert!(page.body.contains(figure), "shows {figure}");
    }
    assert_reproducible(app, vote).await;
}

async fn mismatched_paper_entries_are_not_counted_until_entered_again(app: &TestApp) {
    let building = app.count_where(
        "SELECT region_id FROM residents WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
        RESIDENT,
    )
    .await;
    let unit = units_of(app, building).await[5];
    let vote = new_vote(
        app,
        building,
        json!({"title": "更换门禁", "method": "owners", "electorate": "owners",
               "region_id": building, "minutes_open": 600}),
    )
    .await;
    let no = ballot_of(app, vote, unit).await;
    let mut t1 = app.login(COMMITTEE).await;
    let mut t2 = app.login(SOCIAL_WORKER).await;
    // The page asks for the printed number and offers the three choices as big buttons.
    let page = t1.get(&format!("/votes/{vote}/paper")).await;
    assert!(page.body.contains(r#"name="choice" value="abstain""#));
    assert!(
        !page.body.contains(r#"name="household_id""#),
        "no internal ids to type"
    );
    let yes = [("paper_no", no.as_str()), ("choice", "yes")];
    let nay = [("paper_no", no.as_str()), ("choice", "no")];
    assert_eq!(
        t1.post_form(&format!("/votes/{vote}/paper"), &yes)
            .await
            .status,
        303
    );
    let r = t2.post_form(&format!("/votes/{vote}/paper"), &nay).await;
    assert!(r.location().contains("outcome=mismatch"));
    let page = t2.get(&format!("/votes/{vote}/paper")).await;
    assert!(page.body.contains("两次录入不一致"));
    let v = vote.to_string();
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &v
        )
        .await,
        0
    );
    // A wrong number is refused on the page, in words.
    let bad = t1
        .post_form(
            &format!("/votes/{vote}/paper"),
            &[("paper_no", "0007-4"), ("choice", "yes")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("校验位对不上"), "{}", bad.body);
    assert_eq!(
        t2.post_form(
            &format!("/votes/{vote}/paper/reenter"),
            &[("paper_no", no.as_str())]
        )
        .await
        .status,
        303
    );
    t1.post_form(&format!("/votes/{vote}/paper"), &nay).await;
    let r = t2.post_form(&format!("/votes/{vote}/paper"), &nay).await;
    assert!(r.location().contains("outcome=counted"));
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &v
        )
        .await,
        1
    );
}

/// Owners vote as owners: a buyer of three units casts one ballot that carries all three
/// areas; the electorate is the one of the opening (a sale afterwards changes nothing, a
/// vote opened after it counts the buyer); the roll and the printed ballots are per owner
/// and for tellers only.
async fn an_owner_of_three_units_casts_one_ballot_and_a_later_sale_changes_nothing(app: &TestApp) {
    let building = app.count_where(
        "SELECT region_id FROM residents WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
        RESIDENT,
    )
    .await;
    let own: i64 = app
        .count_where(
            "SELECT household_id FROM unit_owners WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
            RESIDENT,
        )
        .await;
    let units = units_of(app, building).await;
    let others: Vec<i64> = units.iter().copied().filter(|u| *u != own).collect();
    let (second, third) = (others[10], others[11]);
    let mut sw = app.api_client(SOCIAL_WORKER, DEMO_PASSWORD).await;
    let r = sw
        .json(
            "PUT",
            &format!("/api/v1/households/{second}/owner"),
            json!({"name": "陈晓", "phone": RESIDENT}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let key = r.json()["owner_key"].as_str().unwrap().to_string();
    for u in [own, third] {
        let r = sw
            .json(
                "PUT",
                &format!("/api/v1/households/{u}/owner"),
                json!({"owner_key": key}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let vote = new_vote(
        app,
        building,
        json!({"title": "加装电梯", "method": "owners", "electorate": "owners",
               "region_id": building, "minutes_open": 600}),
    )
    .await;
    // One of the three sold after the opening: this vote still counts it as the seller's.
    let r = sw
        .json(
            "PUT",
            &format!("/api/v1/households/{third}/owner"),
            json!({"name": "新买家", "date": "2026-12-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let v = resident.get(&format!("/api/v1/votes/{vote}")).await.json();
    assert_eq!(
        v["electorate_size"], 22,
        "24 units, one owner of three: 22 owners"
    );
    let voices = v["voices"].as_array().unwrap();
    assert_eq!(voices.len(), 1, "one voice for three units: {v}");
    assert_eq!(voices[0]["keys"].as_array().unwrap().len(), 1);
    let r = resident
        .json(
            "POST",
            &format!("/api/v1/votes/{vote}/ballots"),
            json!({"choice": "yes"}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let again = resident
        .json(
            "POST",
            &format!("/api/v1/votes/{vote}/ballots"),
            json!({"choice": "no"}),
        )
        .await;
    assert_eq!(again.status, 409, "one ballot per owner: {}", again.body);
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM ballots WHERE vote_id = CAST($1 AS BIGINT)",
            &vote.to_string()
        )
        .await,
        1
    );
    // The roll: 22 owners with their numbers; the buyer of three has one line; residents
    // do not read it.
    let roll = sw
        .get(&format!("/api/v1/votes/{vote}/owners?limit=100"))
        .await;
    assert_eq!(roll.status, 200, "{}", roll.body);
    let roll = roll.json();
    let roll = roll.as_array().unwrap();
    assert_eq!(roll.len(), 22);
    let mine = roll
        .iter()
        .find(|o| o["owner_key"] == key.as_str())
        .unwrap();
    assert_eq!(mine["units"], 3);
    assert_eq!(mine["voted"], true);
    assert!(
        !roll.iter().any(|o| o["owner_name"] == "新买家"),
        "the sale came after the opening"
    );
    assert_eq!(
        resident
            .get(&format!("/api/v1/votes/{vote}/owners"))
            .await
            .status,
        403
    );
    // The printed ballots: one per owner, each with its number and the QR code of the vote.
    let mut web = app.login(SOCIAL_WORKER).await;
    let pdf = web.get(&format!("/votes/{vote}/ballots.pdf")).await;
    assert_eq!(pdf.status, 200);
    let (text, urls) = crate::setup::read_pdf(&pdf.bytes);
    let code = mine["ballot_code"].as_str().unwrap();
    assert!(text.contains(code), "{text}");
    assert!(text.contains("共 3 套"), "{text}");
    assert_eq!(text.matches("业主大会表决票").count(), 22, "{text}");
    assert!(
        !urls.is_empty() && urls.iter().all(|u| u.ends_with(&format!("/votes/{vote}"))),
        "{urls:?}"
    );
    let mut page = app.login(RESIDENT).await;
    assert_eq!(
        page.get(&format!("/votes/{vote}/ballots.pdf")).await.status,
        403
    );

    let result = close(app, vote).await;
    let a = &result["tally"]["art278"];
    let area3 = app
        .i64s(&format!(
            "SELECT CAST(SUM(floor_area) AS BIGINT) FROM households WHERE id IN ({own}, {second}, {third})"
        ))
        .await[0];
    assert_eq!(a["total_owners"], 22);
    assert_eq!(a["voting_owners"], 1);
    assert_eq!(a["yes_owners"], 1);
    assert_eq!(
        a["voting_area"].as_i64().unwrap(),
        area3,
        "one ballot, three units' area"
    );
    assert_eq!(a["yes_area"].as_i64().unwrap(), area3);
    assert_eq!(
        result["tally"]["passed"], false,
        "1 of 22 owners is no quorum"
    );
    assert_reproducible(app, vote).await;
    // A vote opened after the sale counts the buyer as one more owner.
    let later = new_vote(
        app,
        building,
        json!({"title": "更换门禁", "method": "owners", "electorate": "owners",
               "region_id": building, "minutes_open": 600}),
    )
    .await;
    let v = resident.get(&format!("/api/v1/votes/{later}")).await.json();
    assert_eq!(v["electorate_size"], 23);
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000IHDR";

async fn a_proxy_casts_the_owners_ballot_with_the_letter_attached(app: &TestApp) {
    let building = app.count_where(
        "SELECT region_id FROM residents WHERE user_id = (SELECT id FROM users WHERE phone = $1)",
        RESIDENT,
    )
    .await;
    let unit = units_of(app, building).await[7];
    let vote = new_vote(
        app,
        building,
        json!({"title": "增设非机动车棚", "method": "owners", "electorate": "owners",
               "region_id": building, "minutes_open": 600}),
    )
    .await;
    let no = ballot_of(app, vote, unit).await;
    let mut teller = app.login(SOCIAL_WORKER).await;
    let r = teller
        .post_multipart(
            &format!("/votes/{vote}/proxies"),
            &[("ballot_no", no.as_str()), ("proxy_phone", LEADER)],
            Some(("voucher", "weituoshu.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let again = teller
        .post_multipart(
            &format!("/votes/{vote}/proxies"),
            &[("ballot_no", no.as_str()), ("proxy_phone", LEADER)],
            Some(("voucher", "weituoshu.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(again.status, 409, "one proxy per owner");
    let mut proxy = app.login(LEADER).await;
    let page = proxy.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("您受委托代为投票"), "{}", page.body);
    let pid = app
        .count_where(
            "SELECT id FROM proxies WHERE vote_id = CAST($1 AS BIGINT)",
            &vote.to_string(),
        )
        .await
        .to_string();
    let r = proxy
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes"), ("proxy_id", &pid)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let by_proxy = app
        .i64s(&format!(
            "SELECT COUNT(*) FROM vote_participation WHERE vote_id = {vote} AND channel = 'proxy' \
             AND voter_key = (SELECT 'o:' || owner_key FROM vote_units WHERE vote_id = {vote} \
             AND household_id = {unit})"
        ))
        .await;
    assert_eq!(
        by_proxy,
        vec![1],
        "the owner's one ballot, cast by the proxy"
    );
    let scan = teller
        .get(&format!("/votes/{vote}/proxies/{pid}/scan"))
        .await;
    assert_eq!(scan.status, 200);
    let mut outsider = app.login(OUTSIDER).await;
    assert_eq!(
        outsider
            .get(&format!("/votes/{vote}/proxies/{pid}/scan"))
            .await
            .status,
        404
    );
    let list = teller.get(&format!("/votes/{vote}/proxies")).await;
    assert!(list.body.contains("已投票"));
}

async fn a_two_stage_vote_runs_the_stage_that_follows_the_winner(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let first = new_vote(
        app,
        community,
        json!({"title": "空地怎么用", "method": "ranked", "electorate": "residents",
               "region_id": community, "minutes_open": 60,
               "options": ["建筑垃圾房", "步道和小花园"]}),
    )
    .await;
    let garden = new_vote(
        app,
        community,
        json!({"title": "花园方案", "method": "approval", "electorate": "residents",
               "region_id": community, "minutes_open": 60, "options": ["方案A", "方案B"],
               "parent_id": first, "parent_option": 1}),
    )
    .await;
    let waste = new_vote(
        app,
        community,
        json!({"title": "垃圾房选址", "method": "majority", "electorate": "residents",
               "region_id": community, "minutes_open": 60, "parent_id": first, "parent_option": 0}),
    )
    .await;
    let mut resident = app.login(RESIDENT).await;
    // A stage that has not started accepts nothing.
    let r = resident
        .post_form(
            &format!("/votes/{garden}/ballot"),
            &[("confirm", "1"), ("pick_1", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("还没开始"));
    // A ranked ballot giving two options the same rank is refused and changes nothing.
    let r = resident
        .post_form(
            &format!("/votes/{first}/ballot"),
            &[("confirm", "1"), ("rank_1", "1"), ("rank_2", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能出现两次"), "{}", r.body);
    for (phone, ranks) in [
        (RESIDENT, [("rank_1", "2"), ("rank_2", "1")]),
        (LEADER, [("rank_1", "2"), ("rank_2", "1")]),
        (REP, [("rank_1", "1"), ("rank_2", "2")]),
    ] {
        let mut c = app.login(phone).await;
        let r = c.post_form(&format!("/votes/{first}/ballot"), &ranks).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The confirmation names the order of preference and sends it back as it is.
        let choice = r.body.split("name=\"choice\" value=\"").nth(1).unwrap();
        let choice = &choice[..choice.find('"').unwrap()];
        assert_eq!(choice, if phone == REP { "1,2" } else { "2,1" });
        assert!(
            r.body.contains("1. ") && r.body.contains(" → 2. "),
            "{}",
            r.body
        );
        let r = c
            .post_form(
                &format!("/votes/{first}/ballot"),
                &[("confirm", "1"), ("choice", choice)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let result = close(app, first).await;
    assert_eq!(result["tally"]["winner"], 1);
    let status = |id: i64| async move {
        let mut c = app.api_client(RESIDENT, DEMO_PASSWORD).await;
        c.json("GET", &format!("/api/v1/votes/{id}"), json!(null))
            .await
            .json()["vote"]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(garden).await, "open");
    assert_eq!(status(waste).await, "void");
    let r = resident
        .post_form(
            &format!("/votes/{garden}/ballot"),
            &[("confirm", "1"), ("pick_2", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_reproducible(app, first).await;
}

async fn a_consensus_fails_on_one_objection_and_shows_why(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let vote = new_vote(
        app,
        community,
        json!({"title": "晚上十点后不在广场跳舞", "method": "consensus", "electorate": "residents",
               "region_id": community, "minutes_open": 60}),
    )
    .await;
    let mut a = app.login(RESIDENT).await;
    let r = a
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[("confirm", "1"), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 303, "the yes is taken");
    let mut b = app.login(LEADER).await;
    let r = b
        .post_form(
            &format!("/votes/{vote}/ballot"),
            &[
                ("confirm", "1"),
                ("choice", "no"),
                ("reason", "九点半就该停"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "the objection is taken");
    let result = close(app, vote).await;
    assert_eq!(result["tally"]["cast"], 2);
    assert_eq!(result["tally"]["yes_no"]["yes"], 1);
    assert_eq!(result["tally"]["yes_no"]["no"], 1);
    assert_eq!(result["tally"]["passed"], false, "one objection blocks");
    let page = a.get(&format!("/votes/{vote}")).await;
    assert!(page.body.contains("九点半就该停") && page.body.contains("未通过"));
}

async fn bad_vote_setups_are_refused_and_change_nothing(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let before = app.count("votes").await;
    let path = format!("/api/v1/regions/{community}/votes");
    for (body, message) in [
        (
            json!({"title": "x", "method": "owners", "electorate": "owners", "region_id": community,
                   "minutes_open": 60, "secret": true}),
            "必须记名",
        ),
        (
            json!({"title": "x", "method": "ranked", "electorate": "residents", "region_id": community,
                   "minutes_open": 60, "options": ["只有一个"]}),
            "至少需要两个选项",
        ),
        (
            json!({"title": "x", "method": "majority", "electorate": "owners", "region_id": community,
                   "minutes_open": 60}),
            "业主表决只能由业主投票",
        ),
        (
            json!({"title": " ", "method": "majority", "electorate": "residents", "region_id": community,
                   "minutes_open": 60}),
            "请填写表决事项",
        ),
    ] {
        let r = c.json("POST", &path, body).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    // A resident cannot start a community vote.
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = resident
        .json(
            "POST",
            &path,
            json!({"title": "x", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 60}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("votes").await, before);
}

async fn the_demo_tells_the_garden_story_of_seed_004(app: &TestApp) {
    linli_demo::seed_stories(&app.db).await.unwrap();
    let community = app.region_id("翠竹园社区").await;
    let mut resident = app.login(RESIDENT).await;
    let decisions = resident
        .get(&format!("/regions/{community}/decisions"))
        .await;
    assert_eq!(decisions.status, 200);
    assert!(decisions.body.contains("空地改成行人步道和小花园"));
    assert!(decisions.body.contains("成立小花园自管小组"));
    let votes = resident.get(&format!("/regions/{community}/votes")).await;
    for title in ["在一期北侧空地建设建筑垃圾房", "小花园选哪个方案？"] {
        assert!(votes.body.contains(title), "{title}");
    }
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let list = api
        .json(
            "GET",
            &format!("/api/v1/regions/{community}/votes"),
            json!(null),
        )
        .await
        .json();
    let by_title = |t: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|v| v["title"] == t)
            .unwrap_or_else(|| panic!("{t}"))
            .clone()
    };
    let waste = by_title("在一期北侧空地建设建筑垃圾房");
    assert_eq!(waste["passed"], false, "the waste room was declined");
    let direction = by_title("一期北侧空地：建筑垃圾房，还是行人通道和小花园？");
    assert_eq!(direction["winner"], 1, "the footpath and garden won");
    let design = by_title("小花园选哪个方案？");
    assert_eq!(design["winner"], 0, "design A");
    for v in [&waste, &direction, &design] {
        assert_reproducible(app, v["id"].as_i64().unwrap()).await;
    }
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM issues WHERE status = $1", "done")
            .await,
        1
    );
    assert!(app.org_id("一期小花园自管小组").await > 0);
    // The story keeps the calendar whatever day it is loaded: meetings in the evening,
    // the room vote during the meeting, everything else in the daytime, all in the past.
    let local = |ms: i64| linli_domain::time::format_shanghai(ms);
    for at in app.i64s("SELECT starts_at FROM sittings ORDER BY id").await {
        assert!(local(at).ends_with(" 19:30"), "a sitting at {}", local(at));
    }
    let room = app
        .i64s("SELECT closed_at FROM votes WHERE sitting_id IS NOT NULL")
        .await;
    assert!(local(room[0]).ends_with(" 20:25"), "{}", local(room[0]));
    let now = app.now_ms();
    for at in app
        .i64s("SELECT created_at FROM issues UNION ALL SELECT created_at FROM issue_posts")
        .await
    {
        let hour = linli_domain::time::to_shanghai(at).format("%H").to_string();
        assert!(
            at < now && ("07".."22").contains(&hour.as_str()),
            "{}",
            local(at)
        );
    }
}

on_both_databases!(
    the_demo_tells_the_garden_story_of_seed_004,
    a_residents_vote_counts_one_ballot_per_person_and_nothing_after_it_closes,
    household_members_voting_at_once_count_exactly_one_ballot,
    a_secret_ballot_cannot_be_joined_to_its_voter,
    an_open_ballot_may_change_before_the_close_when_the_creator_allows_it,
    an_owners_vote_counts_paper_ballots_entered_twice_and_shows_the_four_figures,
    mismatched_paper_entries_are_not_counted_until_entered_again,
    a_proxy_casts_the_owners_ballot_with_the_letter_attached,
    an_owner_of_three_units_casts_one_ballot_and_a_later_sale_changes_nothing,
    a_two_stage_vote_runs_the_stage_that_follows_the_winner,
    a_consensus_fails_on_one_objection_and_shows_why,
    bad_vote_setups_are_refused_and_change_nothing,
);
