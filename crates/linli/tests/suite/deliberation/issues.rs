//! Deliberation scenarios: issues (议题) raised by residents, support up to the agenda,
//! the moderated thread, photos, rate limits for new accounts, region scoping, status
//! moves by administrators, notifications, and the same through the API.

use linli_testkit::{Client, DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const COMMITTEE: &str = "13800000003";
const SOCIAL_WORKER: &str = "13800000004";
const BUILDING_REP: &str = "13800000005";
const OTHER_REP: &str = "13800000006";
const RESIDENT: &str = "13800000007";
const OUTSIDER: &str = "13800000015";
const COMMUNITY: &str = "翠竹园社区";

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-small-test-picture";

/// The building of the demo's building representatives (翠竹园一期 1号楼).
async fn building_id(app: &TestApp) -> i64 {
    app.count_where(
        "SELECT g.region_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE u.phone = $1 AND g.role = 'building_rep'",
        BUILDING_REP,
    )
    .await
}

/// A body at node `id` that puts an issue on its agenda at `threshold` supporters.
async fn body_at(app: &TestApp, id: i64, name: &str, threshold: i64) {
    app.exec(&format!(
        "INSERT INTO bodies (region_id, kind, name, support_threshold, created_by, created_at) \
         VALUES ({id}, 'joint_meeting', '{name}', {threshold}, \
         (SELECT id FROM users WHERE phone = '{COMMITTEE}'), 0)"
    ))
    .await;
}

/// Raises an issue through the page form; returns its id.
async fn raise(c: &mut Client, region: i64, fields: &[(&str, &str)]) -> i64 {
    let r = c
        .post_multipart(&format!("/regions/{region}/issues"), fields, None, true)
        .await;
    assert_eq!(r.status, 303, "raising failed: {}", r.body);
    r.location().trim_start_matches("/issues/").parse().unwrap()
}

/// The status of an issue, read from the database.
async fn status_of(app: &TestApp, issue: i64) -> &'static str {
    for st in [
        "raised",
        "on_agenda",
        "decided",
        "in_action",
        "done",
        "declined",
    ] {
        let n = app
            .count_where(
                "SELECT COUNT(*) FROM issues WHERE status || ':' || CAST(id AS TEXT) = $1",
                &format!("{st}:{issue}"),
            )
            .await;
        if n == 1 {
            return st;
        }
    }
    panic!("issue {issue} has no known status")
}

async fn count(app: &TestApp, sql: &'static str, issue: i64) -> i64 {
    app.count_where(sql, &issue.to_string()).await
}

/// `n` neighbours of the building representative's building, each with a new account
/// joined through an invitation code, logged in through the pages.
async fn neighbours(app: &TestApp, n: usize) -> Vec<Client> {
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
        .take(n.div_ceil(10))
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
            if clients.len() == n {
                break;
            }
            let phone = format!("1360000{i:02}{j:02}");
            let r = app.register(&phone, "邻居", inv["code"].as_str()).await;
            assert_eq!(r.status, 201, "{}", r.body);
            let mut c = app.login_with(&phone, "neighbour-2026").await;
            c.get("/").await;
            clients.push(c);
        }
    }
    assert_eq!(clients.len(), n);
    clients
}

async fn an_issue_goes_on_the_agenda_when_enough_neighbours_support_it(app: &TestApp) {
    body_at(
        app,
        app.region_id(COMMUNITY).await,
        "翠竹园社区四方联席会议",
        3,
    )
    .await;
    let building = building_id(app).await;
    let community = app.region_id(COMMUNITY).await;
    let mut author = app.login(RESIDENT).await;
    let issue = raise(
        &mut author,
        building,
        &[
            ("title", "1号楼电梯经常停运"),
            ("text", "上周停了三次，老人下不了楼。"),
        ],
    )
    .await;
    let page = author.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body.contains("征集支持中"),
        "a new issue collects support"
    );
    assert!(
        page.body.contains("翠竹园社区四方联席会议"),
        "the nearest body above the building hears it"
    );
    assert!(
        page.body.contains("0/3"),
        "supporters against the threshold"
    );

    assert!(
        page.body
            .contains("再有 3 位邻居支持，这个议题就会自动列入翠竹园社区四方联席会议的议程"),
        "the page says what the threshold does"
    );
    assert!(
        page.body.contains("这是您提出的议题")
            && !page.body.contains("action=\"/issues/{issue}/support\""),
        "the author is told support comes from neighbours, and offered no button"
    );
    let r = author
        .post_form(&format!("/issues/{issue}/support"), &[])
        .await;
    assert_eq!(r.status, 422, "the author cannot support their own issue");
    assert!(r.body.contains("不能自己支持"), "{}", r.body);

    let mut rep = app.login(BUILDING_REP).await;
    let mut other = app.login(OTHER_REP).await;
    let mut third = neighbours(app, 1).await.pop().unwrap();
    for c in [&mut third, &mut rep] {
        let r = c.post_form(&format!("/issues/{issue}/support"), &[]).await;
        assert_eq!(r.status, 303);
    }
    assert_eq!(status_of(app, issue).await, "raised", "two of three");
    let r = rep
        .post_form(&format!("/issues/{issue}/support"), &[])
        .await;
    assert_eq!(r.status, 409, "one support per person");
    assert!(r.body.contains("每人只能支持一次"), "{}", r.body);
    assert_eq!(
        count(
            app,
            "SELECT supporters FROM issues WHERE id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        2,
        "a refused support changes nothing"
    );

    let r = other
        .post_form(&format!("/issues/{issue}/support"), &[])
        .await;
    assert_eq!(r.status, 303);
    let page = other.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body.contains("已列入议程"),
        "the third support carries it"
    );
    assert!(page.body.contains("3/3"));
    assert!(page.body.contains("您已支持这个议题"));
    assert!(
        page.body.contains("支持人数达到门槛"),
        "the history says why it moved"
    );
    // Everyone whose support carried it is told, the one who tipped it too.
    for c in [&mut third, &mut rep, &mut other] {
        let inbox = c.get("/notifications").await;
        assert!(
            inbox
                .body
                .contains("您支持的议题人数已够，列入了联席会议议程")
                && inbox.body.contains("1号楼电梯经常停运"),
            "{}",
            inbox.body
        );
    }

    let list = other
        .get(&format!("/regions/{community}/issues?status=on_agenda"))
        .await;
    assert!(list.body.contains("1号楼电梯经常停运") && list.body.contains("3/3"));
    let list = other
        .get(&format!("/regions/{community}/issues?status=done"))
        .await;
    assert!(!list.body.contains("1号楼电梯经常停运"), "the filter holds");

    let home = author.get("/").await;
    assert!(
        home.body.contains("1 条未读"),
        "the header shows the unread count"
    );
    let notes = author.get("/notifications").await;
    assert_eq!(notes.status, 200);
    assert!(
        notes.body.contains("您提出的议题已列入议程")
            && notes.body.contains("1号楼电梯经常停运")
            && notes.body.contains(&format!("/issues/{issue}")),
        "the author is told: {}",
        notes.body
    );
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let n = api.get("/api/v1/notifications").await.json();
    assert_eq!(n["unread"], 0, "opening the page marked them read");
    assert!(!author.get("/").await.body.contains("条未读"));
    assert_eq!(n["items"][0]["msg_key"], "notice.issue_on_agenda");
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "issue.support"
        )
        .await,
        3
    );
}

async fn twenty_neighbours_supporting_at_once_are_each_counted_once(app: &TestApp) {
    body_at(app, app.region_id(COMMUNITY).await, "翠竹园议事会", 20).await;
    let building = building_id(app).await;
    let mut author = app.login(RESIDENT).await;
    let issue = raise(
        &mut author,
        building,
        &[
            ("title", "增设电动车充电桩"),
            ("text", "楼道充电有火灾隐患。"),
        ],
    )
    .await;
    let clients = neighbours(app, 20).await;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                c.post_form(&format!("/issues/{issue}/support"), &[])
                    .await
                    .status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 303);
    }
    assert_eq!(
        count(
            app,
            "SELECT supporters FROM issues WHERE id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        20
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM issue_supports WHERE issue_id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        20
    );
    assert_eq!(status_of(app, issue).await, "on_agenda");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM issue_events WHERE to_status = 'on_agenda' AND issue_id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        1,
        "exactly one move onto the agenda"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM notifications WHERE msg_key = $1",
            "notice.issue_on_agenda"
        )
        .await,
        1,
        "the author is told once"
    );
}

async fn a_building_representative_raises_on_behalf_of_the_building_and_the_origin_shows(
    app: &TestApp,
) {
    let building = building_id(app).await;
    let mut rep = app.login(BUILDING_REP).await;
    let issue = raise(
        &mut rep,
        building,
        &[
            ("title", "楼顶漏水"),
            ("text", "顶楼三户家里渗水。"),
            ("on_behalf", "1"),
            ("households_consulted", "24"),
        ],
    )
    .await;
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get(&format!("/issues/{issue}")).await;
    assert!(page.body.contains("提出人： 郑强"), "who raised it");
    assert!(
        page.body.contains("楼栋代表代表本楼提出： 1号楼"),
        "on behalf of which building"
    );
    assert!(
        page.body.contains("已征求意见 24 户"),
        "households consulted"
    );
    assert!(
        page.body.contains("这里还没有议事机构"),
        "without a body it just collects support"
    );

    let r = resident
        .get(&format!("/issues/new?region={building}"))
        .await;
    assert_eq!(
        r.location(),
        format!("/regions/{building}/issues#raise"),
        "the raise form lives on the node's issue list"
    );
    let list = resident.get(&format!("/regions/{building}/issues")).await;
    assert!(list.body.contains("id=\"raise-form\""));
    assert!(
        !list.body.contains("name=\"on_behalf\""),
        "only building representatives are offered to speak for the building"
    );
    let before = app.count("issues").await;
    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "代表全楼"), ("text", "x"), ("on_behalf", "1")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只有本楼的楼栋代表"), "{}", r.body);
    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "  "), ("text", "内容")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写议题标题"));
    let long = "长".repeat(5001);
    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "标题"), ("text", &long)],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("填写的内容太长了"));
    assert_eq!(app.count("issues").await, before, "nothing was raised");
}

async fn the_thread_quotes_reports_and_hides_with_a_reason_shown_in_place(app: &TestApp) {
    let building = building_id(app).await;
    let mut resident = app.login(RESIDENT).await;
    let issue = raise(
        &mut resident,
        building,
        &[("title", "楼道灯不亮"), ("text", "晚上上楼很危险。")],
    )
    .await;
    let other_issue = raise(
        &mut resident,
        building,
        &[("title", "垃圾分类点太远"), ("text", "希望挪近一点。")],
    )
    .await;
    let mut rep = app.login(BUILDING_REP).await;
    let r = rep
        .post_multipart(
            &format!("/issues/{issue}/posts"),
            &[("text", "灯坏了三个月了，有事打我电话13912345678")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let first: i64 = r
        .location()
        .rsplit("#post-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = resident
        .post_multipart(
            &format!("/issues/{issue}/posts"),
            &[
                ("text", "同意，物业应尽快修。"),
                ("quote_id", &first.to_string()),
            ],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 303);
    let page = resident.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body.contains("引用 郑强") && page.body.contains("同意，物业应尽快修。"),
        "the reply shows the quoted post"
    );

    let posts_before = app.count("issue_posts").await;
    let r = resident
        .post_multipart(
            &format!("/issues/{other_issue}/posts"),
            &[("text", "串楼了"), ("quote_id", &first.to_string())],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422, "quoting a post of another issue");
    assert!(r.body.contains("只能引用本议题下的发言"));
    let r = resident
        .post_multipart(
            &format!("/issues/{issue}/posts"),
            &[("text", " ")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写发言内容"));
    assert_eq!(app.count("issue_posts").await, posts_before);

    let r = resident
        .post_form(&format!("/posts/{first}/report"), &[("reason", "泄露电话")])
        .await;
    assert_eq!(r.status, 303);
    let r = resident
        .post_form(&format!("/posts/{first}/report"), &[("reason", "再报")])
        .await;
    assert_eq!(r.status, 409, "one report per reader");
    assert!(r.body.contains("您已经举报过这条发言了"));

    let r = resident
        .post_form(&format!("/posts/{first}/hide"), &[("reason", "我不喜欢")])
        .await;
    assert_eq!(r.status, 403, "residents do not moderate");
    let mut worker = app.login(SOCIAL_WORKER).await;
    let page = worker.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body.contains("被举报次数： 1"),
        "moderators see the reports"
    );
    let community = app.region_id(COMMUNITY).await;
    let list = worker.get(&format!("/regions/{community}/issues")).await;
    assert!(
        list.body.contains("待处理的举报") && list.body.contains(&format!("#post-{first}")),
        "moderators find reported posts from the list"
    );
    let list = resident.get(&format!("/regions/{community}/issues")).await;
    assert!(!list.body.contains("待处理的举报"));
    let r = worker
        .post_form(&format!("/posts/{first}/hide"), &[("reason", " ")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("隐藏发言必须写明理由"));
    let r = worker
        .post_form(&format!("/posts/{first}/hide"), &[("reason", "含个人电话")])
        .await;
    assert_eq!(r.status, 303);

    let page = resident.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body.contains("已隐藏：含个人电话"),
        "the reason stands in place"
    );
    assert!(
        !page.body.contains("13912345678"),
        "the hidden text is shown to nobody, not even in the quote"
    );
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let t = api
        .get(&format!("/api/v1/issues/{issue}/posts"))
        .await
        .json();
    assert_eq!(t["posts"][0]["body"], "");
    assert_eq!(t["posts"][0]["hidden_reason"], "含个人电话");
    assert_eq!(t["total"], 2);
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "issue.hide_post"
        )
        .await,
        1
    );
}

async fn a_new_account_may_post_five_times_and_raise_two_issues_a_day(app: &TestApp) {
    let building = building_id(app).await;
    let mut newcomer = neighbours(app, 1).await.pop().unwrap();
    let first = raise(
        &mut newcomer,
        building,
        &[("title", "第一件事"), ("text", "内容")],
    )
    .await;
    raise(
        &mut newcomer,
        building,
        &[("title", "第二件事"), ("text", "内容")],
    )
    .await;
    let r = newcomer
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "第三件事"), ("text", "内容")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("每天最多提出 2 个议题"), "{}", r.body);
    for i in 0..5 {
        let r = newcomer
            .post_multipart(
                &format!("/issues/{first}/posts"),
                &[("text", &format!("第{i}条"))],
                None,
                true,
            )
            .await;
        assert_eq!(r.status, 303);
    }
    let r = newcomer
        .post_multipart(
            &format!("/issues/{first}/posts"),
            &[("text", "第六条")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("每天最多发言 5 次"));
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM issue_posts WHERE issue_id = CAST($1 AS BIGINT)",
            first
        )
        .await,
        5
    );

    // An account of a month posts on.
    app.exec(&format!(
        "UPDATE users SET created_at = created_at - {} WHERE phone = '{RESIDENT}'",
        30i64 * 24 * 3_600_000
    ))
    .await;
    let mut resident = app.login(RESIDENT).await;
    for i in 0..6 {
        let r = resident
            .post_multipart(
                &format!("/issues/{first}/posts"),
                &[("text", &format!("老住户第{i}条"))],
                None,
                true,
            )
            .await;
        assert_eq!(r.status, 303);
    }
}

async fn another_community_can_neither_read_nor_post(app: &TestApp) {
    let building = building_id(app).await;
    let community = app.region_id(COMMUNITY).await;
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "小区大门"), ("text", "门禁坏了。")],
            Some(("photo", "gate.png", "image/png", PNG)),
            true,
        )
        .await;
    let issue: i64 = r.location().trim_start_matches("/issues/").parse().unwrap();
    let file = count(
        app,
        "SELECT file_id FROM issue_files WHERE issue_id = CAST($1 AS BIGINT)",
        issue,
    )
    .await;
    let mut outsider = app.login(OUTSIDER).await;
    assert_eq!(outsider.get(&format!("/issues/{issue}")).await.status, 403);
    assert_eq!(
        outsider
            .get(&format!("/issues/{issue}/photos/{file}"))
            .await
            .status,
        403
    );
    assert_eq!(
        outsider
            .get(&format!("/regions/{community}/issues"))
            .await
            .status,
        403
    );
    let posts = app.count("issue_posts").await;
    let r = outsider
        .post_multipart(
            &format!("/issues/{issue}/posts"),
            &[("text", "我来说两句")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("您没有权限"));
    assert_eq!(app.count("issue_posts").await, posts);
    assert_eq!(
        outsider
            .post_form(&format!("/issues/{issue}/support"), &[])
            .await
            .status,
        403
    );
    let r = outsider
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "越界"), ("text", "x")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 403, "no raising for another community");
    let mut api = app.api_client(OUTSIDER, DEMO_PASSWORD).await;
    let r = api.get(&format!("/api/v1/issues/{issue}")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "forbidden");
    assert_eq!(
        count(
            app,
            "SELECT supporters FROM issues WHERE id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        0
    );
}

async fn photos_are_checked_by_their_first_bytes_and_served_in_scope(app: &TestApp) {
    let building = building_id(app).await;
    let mut resident = app.login(RESIDENT).await;
    let files = app.count("files").await;
    let issues = app.count("issues").await;
    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "伪装的照片"), ("text", "x")],
            Some((
                "photo",
                "evil.jpg",
                "image/jpeg",
                b"<html><script>alert(1)</script>",
            )),
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只能上传 JPEG 或 PNG 照片"));
    assert_eq!(app.count("files").await, files, "nothing stored");
    assert_eq!(app.count("issues").await, issues, "and no issue either");

    let r = resident
        .post_multipart(
            &format!("/regions/{building}/issues"),
            &[("title", "墙皮脱落"), ("text", "单元门口墙皮掉了一大块。")],
            Some(("photo", "wall.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let issue: i64 = r.location().trim_start_matches("/issues/").parse().unwrap();
    let file = count(
        app,
        "SELECT file_id FROM issue_files WHERE issue_id = CAST($1 AS BIGINT)",
        issue,
    )
    .await;
    let page = resident.get(&format!("/issues/{issue}")).await;
    assert!(
        page.body
            .contains(&format!("/issues/{issue}/photos/{file}"))
    );
    let mut neighbour = app.login(BUILDING_REP).await;
    let img = neighbour
        .get(&format!("/issues/{issue}/photos/{file}"))
        .await;
    assert_eq!(img.status, 200);
    assert_eq!(img.headers["content-type"], "image/png");
    assert_eq!(img.headers["x-content-type-options"], "nosniff");
    assert!(
        img.body.contains("PNG") && img.body.contains("IHDR"),
        "the bytes as stored"
    );
    // A photo of one issue is not served under another.
    let other = raise(
        &mut neighbour,
        building,
        &[("title", "另一件"), ("text", "x")],
    )
    .await;
    assert_eq!(
        neighbour
            .get(&format!("/issues/{other}/photos/{file}"))
            .await
            .status,
        404
    );
    // A reply with a photo.
    let r = neighbour
        .post_multipart(
            &format!("/issues/{issue}/posts"),
            &[("text", "我家门口也是")],
            Some(("photo", "mine.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM issue_files WHERE post_id IS NOT NULL AND issue_id = CAST($1 AS BIGINT)",
            issue
        )
        .await,
        1
    );
    let page = resident.get(&format!("/issues/{issue}")).await;
    assert_eq!(
        page.body
            .matches(&format!("/issues/{issue}/photos/"))
            .count(),
        4,
        "two photos, each a link around an image"
    );
}

async fn an_administrator_declines_with_a_reason_or_puts_an_issue_on_the_agenda(app: &TestApp) {
    let building = building_id(app).await;
    let mut resident = app.login(RESIDENT).await;
    let a = raise(
        &mut resident,
        building,
        &[("title", "广场舞太吵"), ("text", "晚上九点后还在跳。")],
    )
    .await;
    let b = raise(
        &mut resident,
        building,
        &[("title", "增加休息座椅"), ("text", "老人散步需要歇脚。")],
    )
    .await;
    let r = resident
        .post_form(
            &format!("/issues/{a}/status"),
            &[("to", "declined"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 403, "residents do not move issues");
    let mut committee = app.login(COMMITTEE).await;
    let page = committee.get(&format!("/issues/{a}")).await;
    assert!(page.body.contains("id=\"status-form\""));
    let r = committee
        .post_form(&format!("/issues/{a}/status"), &[("to", "declined")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不予受理必须写明理由"));
    assert_eq!(status_of(app, a).await, "raised");
    let r = committee
        .post_form(
            &format!("/issues/{a}/status"),
            &[("to", "declined"), ("reason", "已转城管部门处理")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = resident.get(&format!("/issues/{a}")).await;
    assert!(page.body.contains("不予受理") && page.body.contains("已转城管部门处理"));
    assert!(!page.body.contains("id=\"status-form\""));
    let r = committee
        .post_form(&format!("/issues/{a}/status"), &[("to", "raised")])
        .await;
    assert_eq!(r.status, 422, "a declined issue stays declined");
    let r = resident
        .post_form(&format!("/issues/{a}/support"), &[])
        .await;
    assert_eq!(r.status, 422, "a declined issue takes no support");

    let r = committee
        .post_form(&format!("/issues/{b}/status"), &[("to", "decided")])
        .await;
    assert_eq!(r.status, 422, "no skipping the agenda");
    let r = committee
        .post_form(&format!("/issues/{b}/status"), &[("to", "on_agenda")])
        .await;
    assert_eq!(r.status, 303);
    let page = resident.get(&format!("/issues/{b}")).await;
    assert!(page.body.contains("已列入议程"));
    let notes = resident.get("/notifications").await;
    assert!(notes.body.contains("您提出的议题已列入议程") && notes.body.contains("增加休息座椅"));
    assert!(notes.body.contains("您提出的议题不予受理"));
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "issue.status"
        )
        .await,
        2
    );
}

async fn the_api_raises_supports_discusses_and_notifies(app: &TestApp) {
    body_at(app, building_id(app).await, "1号楼楼栋议事会", 2).await;
    let building = building_id(app).await;
    let mut author = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = author
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/issues"),
            json!({"title": "自行车棚漏雨", "text": "车都淋湿了。"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let issue = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["status"], "raised");
    assert_eq!(r.json()["support_threshold"], 2);
    let r = author
        .send(
            "POST",
            &format!("/api/v1/issues/{issue}/photos?filename=shed.png"),
            Some("image/png"),
            PNG.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = author
        .send(
            "POST",
            &format!("/api/v1/issues/{issue}/photos"),
            Some("image/png"),
            b"GIF89a".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "photo_type");

    let r = author
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/support"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "the author's own support is refused");
    assert_eq!(r.json()["error"]["code"], "own_issue_support");
    let mut neighbour = app.api_client(OTHER_REP, DEMO_PASSWORD).await;
    let r = neighbour
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/support"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["supporters"], 1);
    let r = neighbour
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/support"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "already_supported");
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let r = rep
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/support"),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["status"], "on_agenda");

    let r = rep
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/posts"),
            json!({"text": "建议换成阳光板顶棚"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let post = r.json()["id"].as_i64().unwrap();
    let r = author
        .json(
            "POST",
            &format!("/api/v1/issues/{issue}/posts"),
            json!({"text": "赞成", "quote_id": post}),
        )
        .await;
    assert_eq!(r.status, 201);
    let t = author
        .get(&format!("/api/v1/issues/{issue}/posts"))
        .await
        .json();
    assert_eq!(t["total"], 2);
    assert_eq!(t["posts"][1]["quote_body"], "建议换成阳光板顶棚");
    let r = author
        .json(
            "POST",
            &format!("/api/v1/posts/{post}/reports"),
            json!({"reason": "跑题"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = author
        .json(
            "POST",
            &format!("/api/v1/posts/{post}/hide"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let mut worker = app.api_client(SOCIAL_WORKER, DEMO_PASSWORD).await;
    let t = worker
        .get(&format!("/api/v1/issues/{issue}/posts"))
        .await
        .json();
    assert_eq!(t["posts"][0]["reports"], 1, "moderators see reports");
    let reported = worker
        .get(&format!("/api/v1/regions/{building}/reported-posts"))
        .await
        .json();
    assert_eq!(reported[0]["post_id"], post);
    assert_eq!(reported[0]["reports"], 1);
    assert_eq!(
        author
            .get(&format!("/api/v1/regions/{building}/reported-posts"))
            .await
            .status,
        403
    );
    let r = worker
        .json(
            "POST",
            &format!("/api/v1/posts/{post}/hide"),
            json!({"reason": "离题"}),
        )
        .await;
    assert_eq!(r.status, 200);

    let v = author.get(&format!("/api/v1/issues/{issue}")).await.json();
    assert_eq!(v["issue"]["body_name"], "1号楼楼栋议事会");
    assert_eq!(v["photos"].as_array().unwrap().len(), 1);
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(v["supported"], false, "the author does not support it");
    assert_eq!(v["is_author"], true);
    assert_eq!(v["can_support"], false);

    let list = author
        .get(&format!(
            "/api/v1/regions/{building}/issues?status=on_agenda"
        ))
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["supporters"], 2);
    let r = author
        .get(&format!("/api/v1/regions/{building}/issues?status=bogus"))
        .await;
    assert_eq!(r.status, 422);

    let n = author.get("/api/v1/notifications").await.json();
    assert_eq!(n["unread"], 1);
    assert_eq!(n["items"][0]["link"], format!("/issues/{issue}"));
    let r = author
        .json("POST", "/api/v1/notifications/read", json!({}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        author.get("/api/v1/notifications").await.json()["unread"],
        0
    );

    let doc = author.get("/api/openapi.json").await.json();
    for p in [
        "/api/v1/regions/{id}/issues",
        "/api/v1/issues/{id}/support",
        "/api/v1/issues/{id}/posts",
        "/api/v1/posts/{id}/hide",
        "/api/v1/notifications",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} is documented");
    }
}

/// The vote form offers the node's bodies and its open issues by name: nobody types an
/// internal number; a vote set up from the picks is tied to the body and the issue.
async fn the_vote_form_offers_bodies_and_issues_by_name(app: &TestApp) {
    let community = app.region_id(COMMUNITY).await;
    body_at(app, community, "翠竹园社区四方联席会议", 3).await;
    let body = app
        .i64s("SELECT id FROM bodies WHERE name = '翠竹园社区四方联席会议'")
        .await[0];
    let building = building_id(app).await;
    let mut author = app.login(RESIDENT).await;
    let issue = raise(
        &mut author,
        building,
        &[("title", "楼道灯坏了"), ("text", "三楼到五楼都不亮。")],
    )
    .await;
    let mut committee = app.login(COMMITTEE).await;
    let page = committee.get(&format!("/regions/{community}/votes")).await;
    let form = &page.body[page.body.find("id=\"new-vote\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains(&format!("<option value=\"{body}\">翠竹园社区四方联席会议"))
            && form.contains(&format!("<option value=\"{issue}\">楼道灯坏了")),
        "{form}"
    );
    assert!(!form.contains("编号"), "no internal numbers asked: {form}");
    let r = committee
        .post_form(
            &format!("/regions/{community}/votes"),
            &[
                ("title", "修复楼道灯"),
                ("method", "majority"),
                ("electorate", "body"),
                ("body_id", &body.to_string()),
                ("issue_id", &issue.to_string()),
                ("minutes_open", "24"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let tied = app
        .i64s("SELECT COUNT(*) FROM votes WHERE title = '修复楼道灯' AND body_id IS NOT NULL AND issue_id IS NOT NULL")
        .await;
    assert_eq!(tied, vec![1]);
}

on_both_databases!(
    the_vote_form_offers_bodies_and_issues_by_name,
    an_issue_goes_on_the_agenda_when_enough_neighbours_support_it,
    twenty_neighbours_supporting_at_once_are_each_counted_once,
    a_building_representative_raises_on_behalf_of_the_building_and_the_origin_shows,
    the_thread_quotes_reports_and_hides_with_a_reason_shown_in_place,
    a_new_account_may_post_five_times_and_raise_two_issues_a_day,
    another_community_can_neither_read_nor_post,
    photos_are_checked_by_their_first_bytes_and_served_in_scope,
    an_administrator_declines_with_a_reason_or_puts_an_issue_on_the_agenda,
    the_api_raises_supports_discusses_and_notifies,
);
