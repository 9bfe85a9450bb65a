//! Search through HTTP on SQLite and PostgreSQL: Chinese words that are only part of a
//! title or description find issues and clubs; a neighbour of another community finds
//! nothing of ours (page and API); refused and rolled-back writes leave no document;
//! edits re-index; bad queries are refused in the caller's language; a rebuild (the app
//! function and `linli reindex`) answers the same.

use linli_testkit::{Client, DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::{Value, json};

const RESIDENT: &str = "13800000007";
const BUILDING_REP: &str = "13800000005";
const LEADER: &str = "13800000008";
const OUTSIDER: &str = "13800000015";
const COMMUNITY: &str = "翠竹园社区";
const OTHER_COMMUNITY: &str = "清泉社区";

/// Raises an issue through the page form; returns its id.
async fn raise(c: &mut Client, region: i64, title: &str, text: &str) -> i64 {
    let r = c
        .post_multipart(
            &format!("/regions/{region}/issues"),
            &[("title", title), ("text", text)],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 303, "raising failed: {}", r.body);
    r.location().trim_start_matches("/issues/").parse().unwrap()
}

/// Founds a club through the page form; returns its id.
async fn found_club(c: &mut Client, region: i64, name: &str, intro: &str) -> i64 {
    let r = c
        .post_form(
            &format!("/regions/{region}/orgs"),
            &[("kind", "club"), ("name", name), ("intro", intro)],
        )
        .await;
    assert_eq!(r.status, 303, "founding failed: {}", r.body);
    r.location().trim_start_matches("/orgs/").parse().unwrap()
}

fn enc(s: &str) -> String {
    linli_testkit::encode_form(&[("q", s)])
        .trim_start_matches("q=")
        .to_string()
}

/// The API's answer to `q` (and more parameters), which must be 200.
async fn api_search(c: &mut Client, q: &str, more: &str) -> Value {
    let r = c.get(&format!("/api/v1/search?q={}{more}", enc(q))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// `(kind, ref_id)` of each hit, in order.
fn hits(v: &Value) -> Vec<(String, i64)> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_string(),
                h["ref_id"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn a_resident_finds_an_issue_of_their_community_by_part_of_its_title(app: &TestApp) {
    let community = app.region_id(COMMUNITY).await;
    let mut author = app.login(RESIDENT).await;
    let issue = raise(
        &mut author,
        community,
        "小区停车难",
        "晚上回来找不到车位，3号楼门口总是堵。",
    )
    .await;

    // A neighbour searches the page, plain HTTP as without JavaScript.
    let mut neighbour = app.login(BUILDING_REP).await;
    let page = neighbour.get(&format!("/search?q={}", enc("停车"))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("小区<mark>停车</mark>难")
            && page.body.contains(&format!("href=\"/issues/{issue}\"")),
        "the page lists the issue with its link: {}",
        page.body
    );
    assert!(page.body.contains("议题"), "the result is labelled by kind");
    let by_number = neighbour.get(&format!("/search?q={}", enc("3号楼"))).await;
    assert!(
        by_number.body.contains("<mark>3号楼</mark>"),
        "a number and a word of the body find it, marked in the excerpt: {}",
        by_number.body
    );
    let home = neighbour.get("/").await;
    assert!(
        home.body.contains("action=\"/search\""),
        "the header holds a search box"
    );

    // The API answers the same, as JSON.
    let mut api = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let v = api_search(&mut api, "停车", "").await;
    assert_eq!(hits(&v), vec![("issue".to_string(), issue)]);
    assert_eq!(v["hits"][0]["url"], format!("/issues/{issue}"));
    assert_eq!(v["hits"][0]["title"], "小区停车难");
    assert_eq!(v["total"], 1);
    let other = api_search(&mut api, "停电", "").await;
    assert_eq!(other["total"], 0, "another word does not find it");

    // A resident of another community finds nothing of it, on the page or in the API,
    // and their own community's issue stays theirs.
    let mut outsider = app.login(OUTSIDER).await;
    let page = outsider.get(&format!("/search?q={}", enc("停车"))).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(&format!("/issues/{issue}")) && page.body.contains("search-count"),
        "{}",
        page.body
    );
    let theirs = raise(
        &mut outsider,
        app.region_id(OTHER_COMMUNITY).await,
        "清泉停车位规划",
        "希望划线。",
    )
    .await;
    let mut outsider_api = app.api_client(OUTSIDER, DEMO_PASSWORD).await;
    let v = api_search(&mut outsider_api, "停车", "").await;
    assert_eq!(hits(&v), vec![("issue".to_string(), theirs)]);
    let v = api_search(&mut api, "停车", "").await;
    assert_eq!(hits(&v), vec![("issue".to_string(), issue)]);
}

async fn a_club_is_found_by_a_word_of_its_description(app: &TestApp) {
    let community = app.region_id(COMMUNITY).await;
    let mut founder = app.login(RESIDENT).await;
    let club = found_club(
        &mut founder,
        community,
        "夕阳红舞蹈队",
        "每天傍晚在中心广场跳广场舞，欢迎邻居加入。",
    )
    .await;
    let mut api = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    // The demo's 广场舞队 (indexed when the demo was seeded) has the word in its name,
    // which weighs more than a description.
    let demo_club = app.org_id("广场舞队").await;
    let v = api_search(&mut api, "广场舞", "").await;
    assert_eq!(
        hits(&v),
        vec![("org".to_string(), demo_club), ("org".to_string(), club)]
    );
    assert_eq!(v["hits"][1]["snippet"]["hit"], "广场舞");
    assert_eq!(v["hits"][1]["url"], format!("/orgs/{club}"));
    assert_eq!(
        api_search(&mut api, "广场舞", "&kind=issue").await["total"],
        0
    );
    assert_eq!(
        api_search(&mut api, "广场舞", "&kind=org").await["total"],
        2
    );
    let v = api_search(&mut api, "傍晚", "").await;
    assert_eq!(hits(&v), vec![("org".to_string(), club)]);

    // Pages of results: every page holds different hits, and the total is the same.
    let all = api_search(&mut api, "翠竹", "&per_page=200").await;
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 4, "{all}");
    let first = api_search(&mut api, "翠竹", "&per_page=2").await;
    let second = api_search(&mut api, "翠竹", "&per_page=2&page=2").await;
    assert_eq!(first["total"], total);
    assert_eq!(second["total"], total);
    let (a, b) = (hits(&first), hits(&second));
    assert_eq!((a.len(), b.len()), (2, 2));
    assert!(a.iter().all(|h| !b.contains(h)), "{a:?} {b:?}");
    assert_eq!(hits(&all)[2..4], b[..], "pages follow the ranking");
    let past = api_search(&mut api, "翠竹", "&per_page=200&page=9").await;
    assert_eq!(
        past["total"], total,
        "a page past the end still says the total"
    );
    assert!(hits(&past).is_empty());
    let mut neighbour = app.login(BUILDING_REP).await;
    let page = neighbour.get(&format!("/search?q={}", enc("翠竹"))).await;
    if total > 20 {
        assert!(page.body.contains("class=\"pager\""), "{}", page.body);
    }
    assert!(page.body.contains("search-hit"));

    // Nothing of it for the neighbour from another community.
    let mut outsider = app.api_client(OUTSIDER, DEMO_PASSWORD).await;
    assert_eq!(api_search(&mut outsider, "广场舞", "").await["total"], 0);
    assert_eq!(api_search(&mut outsider, "翠竹", "").await["total"], 0);
}

async fn refused_and_rolled_back_writes_leave_no_document(app: &TestApp) {
    let community = app.region_id(COMMUNITY).await;
    let docs = app.count("search_docs").await;
    // A club whose name is taken is refused: its words find nothing.
    let mut founder = app.login(RESIDENT).await;
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[
                ("kind", "club"),
                ("name", "晨练太极队"),
                ("intro", "独一无二的萤火虫观察"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    // An issue the outsider may not raise here is refused too.
    let mut outsider = app.login(OUTSIDER).await;
    let r = outsider
        .post_multipart(
            &format!("/regions/{community}/issues"),
            &[("title", "萤火虫栖息地"), ("text", "x")],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(app.count("search_docs").await, docs);
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    assert_eq!(api_search(&mut api, "萤火虫", "").await["total"], 0);

    // A document indexed in a transaction that rolls back is gone with it.
    let path = app
        .strings(&format!("SELECT path FROM regions WHERE id = {community}"))
        .await
        .remove(0);
    let mut tx = app.db.begin().await.unwrap();
    linli_app::search::index(
        &mut tx,
        linli_app::search::Doc {
            kind: linli_domain::search::Kind::Issue,
            ref_id: 999_999,
            region_id: community,
            region_path: &path,
            title: "萤火虫",
            body: "",
            updated_at: 0,
        },
    )
    .await
    .unwrap();
    drop(tx);
    assert_eq!(app.count("search_docs").await, docs);
    assert_eq!(api_search(&mut api, "萤火虫", "").await["total"], 0);
}

async fn edits_re_index_the_organization(app: &TestApp) {
    let club = app.org_id("晨练太极队").await;
    let mut api = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    assert_eq!(
        hits(&api_search(&mut api, "太极拳", "").await),
        vec![("org".to_string(), club)]
    );
    // A member who does not lead it may not change it.
    let mut member = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = member
        .json(
            "PUT",
            &format!("/api/v1/organizations/{club}"),
            json!({"name": "晨练八段锦队", "intro": "改成八段锦。"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(api_search(&mut api, "八段锦", "").await["total"], 0);

    // Its leader does, through the API: the old words no longer find it, the new do.
    let mut leader = app.api_client(LEADER, DEMO_PASSWORD).await;
    let r = leader
        .json(
            "PUT",
            &format!("/api/v1/organizations/{club}"),
            json!({"name": "晨练八段锦队", "intro": "每天清晨在中心花园练习八段锦。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "晨练八段锦队");
    assert_eq!(api_search(&mut api, "太极拳", "").await["total"], 0);
    let v = api_search(&mut api, "八段锦", "").await;
    assert_eq!(hits(&v), vec![("org".to_string(), club)]);
    assert_eq!(v["hits"][0]["title"], "晨练八段锦队");

    // And through the page form.
    let mut page = app.login(LEADER).await;
    let org = page.get(&format!("/orgs/{club}")).await;
    assert!(org.body.contains("id=\"org-edit\""), "leaders see the form");
    let r = page
        .post_form(
            &format!("/orgs/{club}/edit"),
            &[
                ("name", "晨练太极队"),
                ("intro", "太极拳与太极剑，每天清晨。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(api_search(&mut api, "八段锦", "").await["total"], 0);
    assert_eq!(
        hits(&api_search(&mut api, "太极剑", "").await),
        vec![("org".to_string(), club)]
    );
    let refused = page
        .post_form(&format!("/orgs/{club}/edit"), &[("name", "  ")])
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(api_search(&mut api, "太极剑", "").await["total"], 1);
}

async fn bad_queries_are_refused_in_the_callers_language(app: &TestApp) {
    let mut c = app.login(RESIDENT).await;
    let landing = c.get("/search").await;
    assert_eq!(landing.status, 200, "an empty box is just the form");
    assert!(landing.body.contains("name=\"q\""));
    let long = "停".repeat(51);
    let r = c.get(&format!("/search?q={}", enc(&long))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("搜索的字词太长了"), "{}", r.body);
    assert!(r.body.contains("name=\"q\""), "the form stays to try again");
    let r = c.get(&format!("/search?q={}", enc("！？"))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请输入要搜索的字词"));
    let r = c
        .post_form("/prefs", &[("lang", "en"), ("back", "/")])
        .await;
    assert_eq!(r.status, 303);
    let r = c.get(&format!("/search?q={}", enc(&long))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("The search is too long"), "{}", r.body);

    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    for (query, status, code) in [
        ("/api/v1/search?q=", 422, "search_query_empty"),
        ("/api/v1/search?q=%20%20", 422, "search_query_empty"),
        ("/api/v1/search", 422, "search_query_empty"),
        (
            &*format!("/api/v1/search?q={}", enc(&long)),
            422,
            "search_query_too_long",
        ),
        ("/api/v1/search?q=a%00b", 422, "control_character"),
        ("/api/v1/search?q=a&kind=bogus", 422, "search_kind_unknown"),
        ("/api/v1/search?q=a&per_page=0", 400, "bad_query"),
    ] {
        let r = api.get(query).await;
        assert_eq!(r.status, status, "{query}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{query}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = app.client().get("/api/v1/search?q=a").await;
    assert_eq!(r.status, 401, "no search without an account");
    // The account now reads English (set on the page above).
    let r = api.get("/api/v1/search?q=").await;
    assert_eq!(
        r.json()["error"]["message"],
        "Please type what to search for."
    );
}

async fn a_rebuild_answers_the_same(app: &TestApp) {
    let community = app.region_id(COMMUNITY).await;
    let mut author = app.login(RESIDENT).await;
    raise(&mut author, community, "小区停车难", "3号楼门口总是堵。").await;
    found_club(&mut author, community, "夕阳红舞蹈队", "跳广场舞").await;
    let mut api = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let queries = ["停车", "广场舞", "翠竹", "3号楼", "读书"];
    let mut before = Vec::new();
    for q in queries {
        before.push(api_search(&mut api, q, "&per_page=200").await);
    }
    let docs = app.count("search_docs").await;
    let terms = app.count("search_terms").await;
    app.exec("DELETE FROM search_terms").await;
    app.exec("DELETE FROM search_docs").await;
    assert_eq!(api_search(&mut api, "停车", "").await["total"], 0);

    let mut seen = Vec::new();
    let n = linli_app::search::rebuild(&app.db, &mut |kind, done| seen.push((kind.as_str(), done)))
        .await
        .unwrap();
    assert_eq!(n as i64, docs);
    assert!(seen.iter().any(|(k, _)| *k == "issue") && seen.iter().any(|(k, _)| *k == "org"));
    assert_eq!(app.count("search_docs").await, docs);
    assert_eq!(app.count("search_terms").await, terms);
    for (q, b) in queries.iter().zip(&before) {
        let after = api_search(&mut api, q, "&per_page=200").await;
        assert_eq!(hits(&after), hits(b), "{q}");
        assert!(after["total"].as_i64().unwrap() > 0, "{q}");
    }
}

on_both_databases!(
    a_resident_finds_an_issue_of_their_community_by_part_of_its_title,
    a_club_is_found_by_a_word_of_its_description,
    refused_and_rolled_back_writes_leave_no_document,
    edits_re_index_the_organization,
    bad_queries_are_refused_in_the_callers_language,
    a_rebuild_answers_the_same,
);

/// `linli reindex` rebuilds the index of an existing database, with progress lines.
#[tokio::test]
async fn the_reindex_command_rebuilds_the_index() {
    let bin = env!("CARGO_BIN_EXE_linli");
    let dir = std::env::temp_dir().join(format!("linli-reindex-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_string_lossy().to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env_remove("DATABASE_URL")
            .env("LINLI_LOG", "warn")
            .output()
            .expect("run linli")
    };
    assert!(run(&["--data", &data, "demo"]).status.success());
    let url = format!("sqlite://{}", dir.join("linli.db").display());
    let db = linli_store::Db::connect(&url).await.unwrap();
    let orgs = linli_store::search::count_kind(&db, "org").await.unwrap();
    let issues = linli_store::search::count_kind(&db, "issue").await.unwrap();
    assert!(orgs > 10 && issues >= 2, "the demo indexes what it seeds");
    let mut tx = db.begin().await.unwrap();
    for kind in ["org", "issue"] {
        linli_store::search::clear_kind(&mut tx, kind)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let out = run(&["--data", &data, "reindex"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("reindex: org") && stdout.contains("documents indexed"),
        "{stdout}"
    );
    assert_eq!(
        linli_store::search::count_kind(&db, "org").await.unwrap(),
        orgs
    );
    assert_eq!(
        linli_store::search::count_kind(&db, "issue").await.unwrap(),
        issues
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
