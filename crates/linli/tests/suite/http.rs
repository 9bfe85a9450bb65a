//! The foundation through HTTP, on SQLite and PostgreSQL: registration with an
//! invitation code, region scoping, roles and the audit log, organizations, CSRF,
//! login throttling, preferences, the API and its errors, health and metrics.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const ADMIN: &str = "13800000000";
const STREET_OFFICER: &str = "13800000002";
const COMMUNITY_OFFICER: &str = "13800000003";
const SOCIAL_WORKER: &str = "13800000004";
const BUILDING_REP: &str = "13800000005";
const RESIDENT: &str = "13800000007";
const CLUB_LEADER: &str = "13800000008";
const OTHER_RESIDENT: &str = "13800000015";

/// The first building of the demo (where the building representatives live).
async fn first_building(app: &TestApp) -> i64 {
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let me = rep.get("/api/v1/me").await.json();
    me["household"]["building_id"].as_i64().unwrap()
}

/// A household of the first building that nobody has joined yet.
async fn empty_household(app: &TestApp, building: i64, nth: usize) -> i64 {
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let v = rep.get(&format!("/api/v1/regions/{building}")).await.json();
    let free: Vec<i64> = v["households"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["registered"] == 0)
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    free[nth]
}

async fn a_neighbour_registers_with_an_invitation_code_and_sees_their_building(app: &TestApp) {
    let building = first_building(app).await;
    let household = empty_household(app, building, 0).await;
    let mut rep = app.login(BUILDING_REP).await;
    let r = rep
        .post_form(
            &format!("/households/{household}/invitations"),
            &[("max_uses", "3")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sheet_url = r.location().to_string();
    let sheet = rep.get(&sheet_url).await;
    assert_eq!(sheet.status, 200);
    assert!(
        sheet.body.contains("<svg"),
        "the printable sheet carries a QR code"
    );
    let code = sheet_url.trim_start_matches("/invitations/").to_string();

    let mut newcomer = app.client();
    newcomer.get("/register").await;
    let r = newcomer
        .post_form(
            "/register/code",
            &[("phone", "139 1234 5678"), ("invite", &code)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sms = app
        .sms
        .last_code("13912345678")
        .expect("an SMS code was sent");
    let r = newcomer
        .post_form(
            "/register",
            &[
                ("phone", "13912345678"),
                ("code", &sms),
                ("name", "刘新"),
                ("password", "neighbour-2026"),
                ("invite", &code.to_lowercase()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        newcomer.cookie("linli_session").is_some(),
        "registering logs the newcomer in"
    );

    let home = newcomer.get("/").await;
    assert!(
        home.body.contains("1号楼"),
        "home shows the building: {}",
        home.body
    );
    assert!(
        home.body.contains("翠竹园一期") && home.body.contains("翠竹园社区"),
        "and the compound and community"
    );
    let page = newcomer.get(&format!("/regions/{building}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("郑强"),
        "the building page lists its representatives"
    );
    let joins = app
        .count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "household.join",
        )
        .await;
    assert_eq!(joins, 1);
}

async fn bad_registration_input_is_refused_with_a_clear_message_and_changes_nothing(app: &TestApp) {
    let users = app.count("users").await;
    let mut c = app.client();
    c.get("/register").await;
    c.post_form("/register/code", &[("phone", "13700001111")])
        .await;
    let sms = app.sms.last_code("13700001111").unwrap();
    let base = [
        ("phone", "13700001111"),
        ("code", sms.as_str()),
        ("name", "王五"),
        ("password", "neighbour-2026"),
    ];

    let long_name = "名".repeat(41);
    let cases: [(&str, &str, &str); 4] = [
        ("invite", "NOT-A-CODE!", "邀请码格式不对"),
        ("invite", "ZZZZ-ZZZZ", "没有这个邀请码"),
        ("name", &long_name, "太长"),
        ("code", "000000", "验证码不对"),
    ];
    for (field, value, message) in cases {
        let mut form: Vec<(&str, &str)> =
            base.iter().filter(|(k, _)| *k != field).copied().collect();
        form.push((field, value));
        let r = c.post_form("/register", &form).await;
        assert_eq!(r.status, 422, "{field}={value}");
        assert!(r.body.contains(message), "{field}={value}: {}", r.body);
    }

    // A registered number is answered exactly like a new one, so nobody learns who has
    // an account here; only its owner reads, in the SMS, that it is registered.
    let r = c.post_form("/register/code", &[("phone", RESIDENT)]).await;
    assert_eq!(r.status, 303, "the same answer as for a new number");
    assert!(app.sms.last_text(RESIDENT).unwrap().contains("已注册"));
    let code = app.sms.last_code(RESIDENT).unwrap();
    let r = c
        .post_form(
            "/register",
            &[
                ("phone", RESIDENT),
                ("code", &code),
                ("name", "冒名"),
                ("password", "neighbour-2026"),
            ],
        )
        .await;
    assert_eq!(
        r.status, 409,
        "with the code in hand, registering says it is taken"
    );
    assert!(r.body.contains("已经注册"));

    let r = c.post_form("/register/code", &[("phone", "12345")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("手机号格式不对"));

    let mut en = app.client();
    en.lang = Some("en");
    let r = en.json("POST", "/api/v1/users", json!({"phone": "13700001111", "code": "12", "name": "x", "password": "neighbour-2026"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "invalid_sms_code");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("6 digits")
    );

    let mut raw = app.client();
    let r = raw
        .send(
            "POST",
            "/api/v1/users",
            Some("application/json"),
            b"{not json".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("请求格式不正确")
    );

    assert_eq!(app.count("users").await, users, "no account was created");
    assert_eq!(
        app.count("residents WHERE user_id IS NOT NULL").await,
        5,
        "no household was joined"
    );
}

async fn a_resident_reads_their_own_community_and_nothing_of_another(app: &TestApp) {
    let own = app.region_id("翠竹园社区").await;
    let other = app.region_id("清泉社区").await;
    let mut resident = app.login(RESIDENT).await;
    assert_eq!(resident.get(&format!("/regions/{own}")).await.status, 200);
    let r = resident.get(&format!("/regions/{other}")).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("没有权限"));
    assert_eq!(
        resident.get(&format!("/regions/{other}/orgs")).await.status,
        403
    );

    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = api.get(&format!("/api/v1/regions/{other}")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "forbidden");
    let r = api
        .get(&format!("/api/v1/regions/{other}/organizations"))
        .await;
    assert_eq!(r.status, 403);

    let mut neighbour = app.api_client(OTHER_RESIDENT, DEMO_PASSWORD).await;
    assert_eq!(
        neighbour
            .get(&format!("/api/v1/regions/{own}"))
            .await
            .status,
        403
    );

    // A street officer reads both communities of the street, not the other street's.
    let mut officer = app.api_client(STREET_OFFICER, DEMO_PASSWORD).await;
    assert_eq!(
        officer.get(&format!("/api/v1/regions/{own}")).await.status,
        200
    );
    let wutong = app.region_id("梧桐里社区").await;
    assert_eq!(
        officer
            .get(&format!("/api/v1/regions/{wutong}"))
            .await
            .status,
        200
    );
    assert_eq!(
        officer
            .get(&format!("/api/v1/regions/{other}"))
            .await
            .status,
        403
    );
    // The district officer reads both streets.
    let mut district = app.api_client("13800000001", DEMO_PASSWORD).await;
    assert_eq!(
        district
            .get(&format!("/api/v1/regions/{other}"))
            .await
            .status,
        200
    );
}

async fn roles_are_granted_and_revoked_on_nodes_with_an_audit_trail(app: &TestApp) {
    let compound = app.region_id("翠竹园二期").await;
    let other = app.region_id("清泉社区").await;
    let mut officer = app.login(COMMUNITY_OFFICER).await;
    let grants = app.count("role_grants").await;

    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", &compound.to_string()),
                ("role", "social_worker"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let roles = officer
        .get(&format!("/admin/roles?region={compound}"))
        .await;
    assert!(roles.body.contains("陈晓") && roles.body.contains("社工"));
    // The form offers the node and the buildings below it by name, not a number to type.
    assert!(
        roles.body.contains("<select name=\"region_id\" required>")
            && !roles.body.contains("type=\"number\" required value"),
        "the region is picked, not typed"
    );
    let buildings = app
        .i64s(&format!(
            "SELECT id FROM regions WHERE parent_id = {compound} ORDER BY name"
        ))
        .await;
    for b in &buildings {
        assert!(
            roles.body.contains(&format!("<option value=\"{b}\">")),
            "building {b} is offered"
        );
    }
    // The role holds below the node: the resident now sees the roster of a building there.
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let me = api.get("/api/v1/me").await.json();
    let grant = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "social_worker")
        .unwrap()
        .clone();
    let v = api.get(&format!("/api/v1/regions/{compound}")).await.json();
    let building = v["children"][0]["id"].as_i64().unwrap();
    assert_eq!(
        api.get(&format!("/api/v1/regions/{building}/roster"))
            .await
            .status,
        200
    );

    // Refusals: another community, a platform admin, a node that does not exist, twice.
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", &other.to_string()),
                ("role", "social_worker"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", &compound.to_string()),
                ("role", "platform_admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", "999999"),
                ("role", "social_worker"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("找不到这个区域"));
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", &compound.to_string()),
                ("role", "social_worker"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", &compound.to_string()),
                ("role", "mayor"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("没有这个角色"));
    let r = officer
        .post_form(
            "/admin/roles",
            &[
                ("phone", RESIDENT),
                ("region_id", "二期"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "a region number that is not a number");
    assert!(r.body.contains("表单填写不完整"));
    assert_eq!(
        app.count("role_grants").await,
        grants + 1,
        "refused grants changed nothing"
    );
    let mut resident = app.login(RESIDENT).await;
    let r = resident
        .post_form(
            "/admin/roles",
            &[
                ("phone", CLUB_LEADER),
                ("region_id", &compound.to_string()),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "a resident grants nothing");

    let id = grant["id"].as_i64().unwrap();
    let r = officer
        .post_form(&format!("/admin/roles/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        api.get(&format!("/api/v1/regions/{building}/roster"))
            .await
            .status,
        403,
        "revoked roles stop working"
    );
    let audit = officer.get("/admin/audit").await;
    assert_eq!(audit.status, 200);
    assert!(
        audit.body.contains("授予角色") && audit.body.contains("撤销角色"),
        "{}",
        audit.body
    );
    let r = resident.get("/admin/audit").await;
    assert_eq!(r.status, 403, "residents do not read the audit log");
}

async fn organizations_have_members_roles_and_always_a_leader(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut founder = app.login(RESIDENT).await;
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[
                ("kind", "club"),
                ("name", "羽毛球队"),
                ("intro", "周末打球"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let org = r.location().to_string();
    let page = founder.get(&org).await;
    assert!(
        page.body.contains("羽毛球队") && page.body.contains("负责人"),
        "the founder leads the club"
    );

    let mut joiner = app.login(CLUB_LEADER).await;
    assert_eq!(
        joiner.post_form(&format!("{org}/join"), &[]).await.status,
        303
    );
    let r = founder
        .post_form(
            &format!("{org}/members"),
            &[("phone", CLUB_LEADER), ("role", "treasurer")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = founder.get(&org).await;
    assert!(page.body.contains("财务"));
    assert!(
        page.body.contains("138****0008"),
        "residents see phone numbers masked"
    );
    let mut worker = app.login(SOCIAL_WORKER).await;
    assert!(
        worker.get(&org).await.body.contains("13800000008"),
        "social workers see them whole"
    );

    let r = founder.post_form(&format!("{org}/leave"), &[]).await;
    assert_eq!(r.status, 409, "the last leader cannot leave");
    assert!(r.body.contains("至少要有一位负责人"));
    let r = founder
        .post_form(
            &format!("{org}/members"),
            &[("phone", OTHER_RESIDENT), ("role", "member")],
        )
        .await;
    assert_eq!(
        r.status, 422,
        "someone from another community cannot be added"
    );
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[("kind", "club"), ("name", "羽毛球队")],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[("kind", "owners_committee"), ("name", "假业委会")],
        )
        .await;
    assert_eq!(r.status, 403, "residents found clubs, not committees");
    let r = founder
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[("kind", "cult"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, 422);
    let list = founder
        .get(&format!("/regions/{community}/orgs?kind=club"))
        .await;
    assert!(list.body.contains("翠竹园读书会"));
    let second = founder
        .get(&format!("/regions/{community}/orgs?kind=club&page=2"))
        .await;
    assert!(
        second.body.contains("羽毛球队"),
        "the new club is on the second page of 32"
    );
    assert!(
        list.body.contains("第 1 / 2") || list.body.contains("1 / 2"),
        "the list is paginated"
    );
    assert!(
        !list.body.contains("业主委员会"),
        "the filter shows clubs only"
    );
}

/// The roster is searched by name, unit or number and narrowed to the residents not yet
/// registered; numbers are links that call; the search is logged with the read.
async fn the_roster_is_searched_and_filtered_and_its_numbers_call(app: &TestApp) {
    let building = first_building(app).await;
    let mut worker = app.login(SOCIAL_WORKER).await;
    let all = worker.get(&format!("/regions/{building}/roster")).await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("href=\"tel:13800000005\""), "tap to call");
    let (name, unit) = {
        let n = app
            .strings(&format!(
                "SELECT x.name || '|' || h.unit_label FROM residents x JOIN households h ON h.id = x.household_id \
                 WHERE x.region_id = {building} AND x.user_id IS NULL ORDER BY x.id LIMIT 1"
            ))
            .await;
        let (a, b) = n[0].split_once('|').unwrap();
        (a.to_string(), b.to_string())
    };
    let unregistered = app
        .i64s(&format!(
            "SELECT COUNT(*) FROM residents WHERE region_id = {building} AND user_id IS NULL"
        ))
        .await[0];
    let registered_name = app
        .strings(&format!(
            "SELECT name FROM residents WHERE region_id = {building} AND user_id IS NOT NULL ORDER BY id LIMIT 1"
        ))
        .await
        .remove(0);
    let only = worker
        .get(&format!("/regions/{building}/roster?unregistered=1"))
        .await;
    assert_eq!(only.status, 200);
    assert!(
        only.body
            .contains(&format!("符合条件的居民：{unregistered}")),
        "{unregistered} not registered"
    );
    assert!(
        !only.body.contains(&format!(">{registered_name}<")),
        "registered ones are left out"
    );
    let q = linli_testkit::encode_form(&[("q", &name)]);
    let found = worker.get(&format!("/regions/{building}/roster?{q}")).await;
    assert!(found.body.contains(&name) && found.body.contains(&unit));
    assert!(
        !found.body.contains(&format!(">{registered_name}<")) || registered_name.contains(&name)
    );
    // LIKE's wildcards are taken literally: a lone % finds nobody.
    let none = worker
        .get(&format!("/regions/{building}/roster?q=%25"))
        .await;
    assert!(none.body.contains("符合条件的居民：0") && none.body.contains("没有符合条件的居民"));
    let api = worker
        .get(&format!(
            "/api/v1/regions/{building}/roster?unregistered=true"
        ))
        .await
        .json();
    assert_eq!(api["total"], unregistered);
    let long = "长".repeat(51);
    let q = linli_testkit::encode_form(&[("q", &long)]);
    let r = worker.get(&format!("/regions/{building}/roster?{q}")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("最多 50 个字"));
    let logged = app
        .strings("SELECT detail FROM audit_log WHERE action = 'pii.read' ORDER BY id")
        .await;
    assert!(
        logged.iter().any(|d| d.ends_with(&format!(" · {name}"))),
        "{logged:?}"
    );
    assert!(
        logged.iter().any(|d| d.ends_with(" · unregistered")),
        "{logged:?}"
    );
}

async fn the_roster_shows_phones_to_social_workers_only_and_logs_each_read(app: &TestApp) {
    let building = first_building(app).await;
    let before = app
        .count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "pii.read",
        )
        .await;
    let mut worker = app.login(SOCIAL_WORKER).await;
    let r = worker.get(&format!("/regions/{building}/roster")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("13800000005"),
        "full numbers for the social worker"
    );
    let after = app
        .count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "pii.read",
        )
        .await;
    assert_eq!(after, before + 1, "the read is logged");
    let mut rep = app.login(BUILDING_REP).await;
    assert_eq!(
        rep.get(&format!("/regions/{building}/roster")).await.status,
        403
    );
    let page = rep.get(&format!("/regions/{building}")).await;
    let phones = app
        .strings(&format!(
            "SELECT phone FROM residents WHERE region_id = {building} AND phone IS NOT NULL"
        ))
        .await;
    assert!(phones.len() > 5, "the building has residents with phones");
    for phone in &phones {
        assert!(
            !page.body.contains(phone.as_str()),
            "the building page shows no phone number ({phone})"
        );
    }
}

async fn forms_and_cookie_api_calls_without_the_csrf_token_are_refused(app: &TestApp) {
    let mut c = app.login(RESIDENT).await;
    let r = c.post_form_raw("/prefs", &[("elderly", "1")]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("表单已过期"));
    // The refusal is the same error page as any other (the site's layout, its language).
    assert!(
        r.body.contains("<nav") || r.body.contains("class=\"site"),
        "rendered with the layout: {}",
        r.body
    );
    let en = c
        .send(
            "POST",
            "/prefs",
            Some("application/x-www-form-urlencoded"),
            b"elderly=1".to_vec(),
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!(en.status, 403);
    assert!(en.body.contains("lang=\"en\""), "{}", en.body);
    let r = c
        .post_form_raw("/prefs", &[("_csrf", "forged"), ("elderly", "1")])
        .await;
    assert_eq!(r.status, 403);
    let r = c
        .send(
            "POST",
            "/api/v1/me/household",
            Some("application/json"),
            br#"{"code":"ABCD-EFGH"}"#.to_vec(),
            &[],
        )
        .await;
    assert_eq!(
        r.status, 403,
        "a cookie session needs X-CSRF-Token on the API"
    );
    let r = c
        .json("POST", "/api/v1/me/household", json!({"code": "ABCD-EFGH"}))
        .await;
    assert_eq!(
        r.status, 422,
        "with the header the call goes through to validation"
    );
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, 303);
    assert!(c.cookie("linli_session").is_none());
}

async fn logins_are_throttled_after_repeated_failures(app: &TestApp) {
    let mut c = app.client();
    for _ in 0..5 {
        let r = c
            .json(
                "POST",
                "/api/v1/sessions",
                json!({"phone": RESIDENT, "password": "wrong-password"}),
            )
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"]["code"], "login_failed");
    }
    let r = c
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": RESIDENT, "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 429, "even the right password waits");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15")
    );
}

async fn elderly_mode_and_language_are_chosen_once_and_kept(app: &TestApp) {
    let mut c = app.login(RESIDENT).await;
    let r = c
        .post_form("/prefs", &[("elderly", "1"), ("back", "/settings")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/settings");
    assert!(c.get("/").await.body.contains("class=\"elderly\""));
    // On another device, logging in brings the choice along.
    let mut other = app.login(RESIDENT).await;
    assert!(other.get("/").await.body.contains("class=\"elderly\""));
    let r = other.post_form("/prefs", &[("lang", "en")]).await;
    assert_eq!(r.status, 303);
    let home = other.get("/").await;
    assert!(home.body.contains("My home") && home.body.contains("lang=\"en\""));
    // Visitors get the switch too, kept in a cookie.
    let mut visitor = app.client();
    visitor.post_form("/prefs", &[("elderly", "1")]).await;
    assert!(
        visitor
            .get("/login")
            .await
            .body
            .contains("class=\"elderly\"")
    );
    let r = other.post_form("/prefs", &[("lang", "klingon")]).await;
    assert_eq!(r.status, 303);
    let home = other.get("/").await;
    assert!(
        home.body.contains("My home") && home.body.contains("lang=\"en\""),
        "an unknown language keeps the current one"
    );
}

async fn the_api_serves_the_same_data_with_bearer_tokens(app: &TestApp) {
    let mut c = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["name"], "陈晓");
    assert!(
        me["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["role"] == "owner")
    );
    let building = me["household"]["building_id"].as_i64().unwrap();
    let v = c
        .get(&format!("/api/v1/regions/{building}?per_page=5"))
        .await
        .json();
    assert_eq!(
        v["households"].as_array().unwrap().len(),
        5,
        "lists are paginated"
    );
    assert_eq!(v["households_total"], 24);
    let r = c
        .json(
            "PUT",
            "/api/v1/me/preferences",
            json!({"lang": "en", "elderly": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = c
        .json(
            "PUT",
            "/api/v1/me/preferences",
            json!({"lang": "fr", "elderly": true}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["error"]["message"],
        "That language is not supported.",
        "errors speak the account's language"
    );
    let r = c
        .send("DELETE", "/api/v1/sessions/current", None, vec![], &[])
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(c.get("/api/v1/me").await.status, 401);

    let doc = app.client().get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/users",
        "/api/v1/sessions",
        "/api/v1/regions/{id}",
        "/api/v1/roles",
        "/api/v1/audit",
        "/api/v1/households/{id}/invitations",
        "/api/v1/organizations/{id}/ledger/transactions",
        "/api/v1/organizations/{id}/ledger/statement",
        "/api/v1/organizations/{id}/ledger/verify",
        "/api/v1/claims/{id}/payment",
        "/api/v1/organizations/{id}/donations",
        "/api/v1/organizations/{id}/grants",
        "/api/v1/grants/{id}/votes",
        "/api/v1/grants/{id}/closing",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
}

async fn an_invitation_admits_no_more_people_than_its_places_under_concurrency(app: &TestApp) {
    let building = first_building(app).await;
    let household = empty_household(app, building, 1).await;
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let inv = rep
        .json(
            "POST",
            &format!("/api/v1/households/{household}/invitations"),
            json!({"max_uses": 2}),
        )
        .await;
    assert_eq!(inv.status, 201, "{}", inv.body);
    let code = inv.json()["code"].as_str().unwrap().to_string();
    let mut clients = vec![];
    for i in 0..8 {
        let phone = format!("1360000{:04}", i);
        assert_eq!(app.register(&phone, "邻居", None).await.status, 201);
        clients.push(app.api_client(&phone, "neighbour-2026").await);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let code = code.clone();
            tokio::spawn(async move {
                c.json("POST", "/api/v1/me/household", json!({"code": code}))
                    .await
                    .status
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(s == 200 || s == 422, "unexpected status {s}");
        ok += usize::from(s == 200);
    }
    assert_eq!(ok, 2, "exactly the invitation's places were used");
    let used = app
        .count_where("SELECT uses FROM invitations WHERE code = $1", &code)
        .await;
    assert_eq!(used, 2);
}

async fn health_metrics_and_assets_are_served_by_linli_itself(app: &TestApp) {
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    let home = c.get("/").await;
    assert!(
        !home.body.contains("http://") && !home.body.contains("https://"),
        "no external asset on the page"
    );
    assert!(home.body.contains("/static/app.css") && home.body.contains("/static/htmx.min.js"));
    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.body.contains("html.elderly"));
    let js = c.get("/static/htmx.min.js").await;
    assert_eq!(js.status, 200);
    let weight = home.body.len() + css.body.len() + js.body.len();
    assert!(
        weight < 100_000,
        "home page with its assets weighs {weight} bytes before compression"
    );
    let m = c.get("/metrics").await;
    assert!(m.body.contains("linli_http_requests_total{class=\"2xx\"}"));
    assert!(m.body.contains("linli_db_up 1"));
    assert_eq!(c.get("/regions/1").await.status, 303, "pages need a login");
    assert_eq!(c.get("/static/nope.js").await.status, 404);
    // The browser's tab icon, asked for at the fixed address and linked from every page.
    assert!(home.body.contains("rel=\"icon\" href=\"/static/icon.svg\""));
    let icon = c.get("/favicon.ico").await;
    assert_eq!(icon.status, 200);
    assert!(icon.body.starts_with("<svg"), "{}", icon.body);
}

async fn admins_read_the_whole_tree_and_the_audit_log(app: &TestApp) {
    let mut admin = app.login(ADMIN).await;
    let root = admin.get("/regions/1").await;
    assert_eq!(root.status, 200);
    assert!(root.body.contains("青溪区"));
    let district = app.region_id("青溪区").await;
    let page = admin.get(&format!("/regions/{district}")).await;
    assert!(page.body.contains("翠竹街道") && page.body.contains("回天街道"));
    assert!(
        page.body.contains("2976"),
        "the district counts its households"
    );
    // Reading a roster is logged, and the log shows who read what, where.
    let building = first_building(app).await;
    assert_eq!(
        admin
            .get(&format!("/regions/{building}/roster"))
            .await
            .status,
        200
    );
    let audit = admin.get("/admin/audit").await;
    assert_eq!(audit.status, 200);
    let row = audit
        .body
        .split("<tr>")
        .find(|r| r.contains("查看个人信息"))
        .expect("the roster read is in the log");
    assert!(row.contains("李平"), "by the admin: {row}");
    assert!(
        row.contains(&format!("roster:{building}")),
        "of the building: {row}"
    );
}

async fn nothing_of_another_community_is_reachable_by_any_route(app: &TestApp) {
    let building = first_building(app).await;
    let household = empty_household(app, building, 2).await;
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let inv = rep
        .json(
            "POST",
            &format!("/api/v1/households/{household}/invitations"),
            json!({}),
        )
        .await
        .json();
    let code = inv["code"].as_str().unwrap().to_string();
    let v = rep.get(&format!("/api/v1/regions/{building}")).await;
    assert!(
        v.body.contains("郑强") && !v.body.contains("13800000005"),
        "representatives are named, their phones not shown"
    );
    let community = app.region_id("翠竹园社区").await;
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let orgs = api
        .get(&format!(
            "/api/v1/regions/{community}/organizations?kind=club"
        ))
        .await
        .json();
    let club = orgs["organizations"][0]["id"].as_i64().unwrap();

    let mut stranger = app.login(OTHER_RESIDENT).await;
    for path in [
        format!("/regions/{building}"),
        format!("/orgs/{club}"),
        format!("/households/{household}/invitations"),
        format!("/invitations/{code}"),
        format!("/regions/{building}/roster"),
    ] {
        assert_eq!(stranger.get(&path).await.status, 403, "{path}");
    }
    assert_eq!(
        stranger
            .post_form(&format!("/orgs/{club}/join"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        stranger
            .post_form(&format!("/households/{household}/invitations"), &[])
            .await
            .status,
        403
    );
    let other = app.region_id("清泉社区").await;
    let mut officer = app.api_client(COMMUNITY_OFFICER, DEMO_PASSWORD).await;
    assert_eq!(
        officer
            .get(&format!("/api/v1/audit?region={other}"))
            .await
            .status,
        403
    );
    assert_eq!(
        officer
            .get(&format!("/api/v1/roles?region={other}"))
            .await
            .status,
        403
    );
}

async fn malformed_addresses_get_localized_errors(app: &TestApp) {
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = api.get("/api/v1/regions/abc").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    let r = api.get("/api/v1/no-such-thing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "找不到这个页面。");
    let mut page = app.login(RESIDENT).await;
    let r = page.get("/regions/1?page=many").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("网址里的参数不对"));
    let r = page.get("/nowhere").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("找不到这个页面"));
}

async fn only_leaders_hand_out_leadership_and_members_can_be_removed(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut leader = app.api_client(CLUB_LEADER, DEMO_PASSWORD).await;
    let orgs = leader
        .get(&format!(
            "/api/v1/regions/{community}/organizations?kind=club"
        ))
        .await
        .json();
    let club = orgs["organizations"][0]["id"].as_i64().unwrap();
    let set = |phone: &str, role: &str| json!({"phone": phone, "role": role});
    let r = leader
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/members"),
            set(RESIDENT, "deputy_leader"),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let mut deputy = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = deputy
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/members"),
            set(RESIDENT, "leader"),
        )
        .await;
    assert_eq!(r.status, 403, "a deputy cannot make themselves leader");
    let r = deputy
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/members"),
            set(CLUB_LEADER, "member"),
        )
        .await;
    assert_eq!(r.status, 403, "nor demote the leader");
    let r = deputy
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/members"),
            set("13999999999", "member"),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "user_not_reachable");
    let r = deputy
        .json(
            "POST",
            &format!("/api/v1/organizations/{club}/members"),
            set(OTHER_RESIDENT, "member"),
        )
        .await;
    assert_eq!(
        r.json()["error"]["code"],
        "user_not_reachable",
        "unregistered and elsewhere look the same"
    );

    let leader_id = leader.get("/api/v1/me").await.json()["id"]
        .as_i64()
        .unwrap();
    let r = leader
        .send(
            "DELETE",
            &format!("/api/v1/organizations/{club}/members/{leader_id}"),
            None,
            vec![],
            &[],
        )
        .await;
    assert_eq!(r.status, 409, "the last leader cannot be removed");
    let member_id = deputy.get("/api/v1/me").await.json()["id"]
        .as_i64()
        .unwrap();
    let r = leader
        .send(
            "DELETE",
            &format!("/api/v1/organizations/{club}/members/{member_id}"),
            None,
            vec![],
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let removed = app
        .count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "org.member.remove",
        )
        .await;
    assert_eq!(removed, 1);
}

/// Store-level rules, checked directly against the database on both backends.
async fn the_store_enforces_its_constraints(app: &TestApp) {
    use linli_store::{accounts as st, regions};
    let db = &app.db;
    // The subtree range selects the node and its descendants only.
    let compound = regions::get(db, app.region_id("翠竹园一期").await)
        .await
        .unwrap()
        .unwrap();
    let (lo, hi) = compound.region_path().subtree_bounds();
    let stats = regions::stats(db, &lo, &hi).await.unwrap();
    assert_eq!(
        stats.households,
        11 * 24,
        "eleven buildings of 24 households"
    );
    let other = regions::get(db, app.region_id("翠竹园二期").await)
        .await
        .unwrap()
        .unwrap();
    let (lo2, hi2) = other.region_path().subtree_bounds();
    assert_eq!(
        regions::stats(db, &lo2, &hi2).await.unwrap().households,
        10 * 24
    );
    // One active grant of a role per user and node; after revoking, it may be granted again.
    let user = st::user_by_phone(db, RESIDENT).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    let id = st::insert_grant(&mut tx, user.id, compound.id, "expert", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let dup = st::insert_grant(&mut tx, user.id, compound.id, "expert", None).await;
    assert!(
        dup.as_ref().is_err_and(linli_store::is_unique_violation),
        "{dup:?}"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    assert!(st::revoke_grant(&mut tx, id, user.id).await.unwrap());
    assert!(
        !st::revoke_grant(&mut tx, id, user.id).await.unwrap(),
        "revoked once only"
    );
    st::insert_grant(&mut tx, user.id, compound.id, "expert", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // An invitation is never used past its places.
    let household = empty_household(app, first_building(app).await, 3).await;
    let mut tx = db.begin().await.unwrap();
    let far = app.now_ms() + 60_000;
    st::insert_invitation(&mut tx, "ABCDEFGH", household, compound.id, user.id, 1, far)
        .await
        .unwrap();
    assert!(
        st::use_invitation(&mut tx, "ABCDEFGH")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        st::use_invitation(&mut tx, "ABCDEFGH")
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();
    // A household's floor area must be positive.
    let mut tx = db.begin().await.unwrap();
    let bad = regions::bulk_insert(
        &mut tx,
        &[],
        &[regions::NewHousehold {
            id: 999_999,
            region_id: compound.id,
            unit_label: "X".into(),
            floor_area: 0,
        }],
        &[],
    )
    .await;
    assert!(bad.is_err(), "a zero floor area is refused by the database");
}

/// 100 wrong passwords for one number sent at once: the check and the record are one
/// atomic step, so no more are checked than the rule lets through (five at once, then one
/// after each doubling wait) — before, 99 to 100 of them were checked.
async fn a_hundred_wrong_passwords_at_once_are_mostly_refused_unchecked(app: &TestApp) {
    let started = std::time::Instant::now();
    let mut tries = vec![];
    for _ in 0..100 {
        let mut c = app.client();
        tries.push(tokio::spawn(async move {
            c.json(
                "POST",
                "/api/v1/sessions",
                json!({"phone": RESIDENT, "password": "wrong-password"}),
            )
            .await
            .status
        }));
    }
    let mut statuses = vec![];
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let elapsed_s = started.elapsed().as_millis() as u64 / 1000;
    let checked = statuses.iter().filter(|s| **s == 401).count() as u64;
    let slowed = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert_eq!(checked + slowed, 100, "{statuses:?}");
    // Five at once, then one more after 1 s, after 2 s more, after 4 s more …
    let allowed = 5 + (elapsed_s + 1).ilog2() as u64;
    assert!(
        (5..=allowed).contains(&checked),
        "{checked} passwords checked in {elapsed_s} s"
    );
}

/// Behind an HTTPS proxy without `--public-url`, the check-in QR code's link follows the
/// trusted proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`; the same headers from a
/// client that is not a trusted proxy change nothing.
async fn qr_links_follow_the_trusted_proxy_behind_https(app: &TestApp) {
    let proxied = linli_testkit::spawn_with(
        app.backend,
        linli_testkit::Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..linli_testkit::test_config()
        },
    )
    .await;
    let headers = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "linli.example.cn"),
    ];
    for (server, trusted) in [(&proxied, true), (app, false)] {
        let (mut leader, activity) = server.reading_evening(3).await;
        let page = leader.send("GET", &activity, None, vec![], &headers).await;
        assert_eq!(page.status, 200);
        let link = format!("https://linli.example.cn{activity}/checkin?code=");
        assert_eq!(
            page.body.contains(&link),
            trusted,
            "trusted proxy: {trusted}"
        );
        if !trusted {
            assert!(
                page.body
                    .contains(&format!("http://{}{activity}/checkin", server.addr))
            );
        }
    }
    proxied.finish().await;
}

/// Behind the recommended proxy every request comes from 127.0.0.1: the client is the
/// address the proxy reports, so one address's failures do not shut everyone out; the
/// header is ignored from anyone who is not a trusted proxy.
async fn behind_a_trusted_proxy_each_client_has_its_own_throttle(app: &TestApp) {
    let proxied = linli_testkit::spawn_with(
        app.backend,
        linli_testkit::Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..linli_testkit::test_config()
        },
    )
    .await;
    let attempt = |c: &mut linli_testkit::Client,
                   phone: String,
                   from: &'static str,
                   password: &'static str| {
        let mut c = std::mem::replace(c, proxied.client());
        async move {
            let r = c
                .json_with(
                    "POST",
                    "/api/v1/sessions",
                    json!({"phone": phone, "password": password}),
                    &[("x-forwarded-for", from)],
                )
                .await;
            (c, r.status)
        }
    };
    let mut c = proxied.client();
    // 30 failures (different numbers) from one phone behind the proxy …
    for i in 0..30 {
        let (back, status) = attempt(
            &mut c,
            format!("1390000{i:04}"),
            "203.0.113.1",
            "wrong-password",
        )
        .await;
        c = back;
        assert_eq!(status, 401);
    }
    let (back, status) = attempt(
        &mut c,
        "13900009999".into(),
        "203.0.113.1",
        "wrong-password",
    )
    .await;
    c = back;
    assert_eq!(status, 429, "that address is slowed down");
    // … and a neighbour behind the same proxy logs in as usual.
    let (back, status) = attempt(&mut c, RESIDENT.into(), "203.0.113.2", DEMO_PASSWORD).await;
    c = back;
    assert_eq!(status, 201, "another client is not shut out");
    drop(c);
    proxied.finish().await;
    // Without a trusted proxy the header is someone's claim and changes nothing.
    let mut direct = app.client();
    for i in 0..30 {
        let from = format!("198.51.100.{i}");
        let r = direct
            .json_with(
                "POST",
                "/api/v1/sessions",
                json!({"phone": format!("1390001{i:04}"), "password": "wrong-password"}),
                &[("x-forwarded-for", from.as_str())],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let r = direct
        .json_with(
            "POST",
            "/api/v1/sessions",
            json!({"phone": "13900019999", "password": "wrong-password"}),
            &[("x-forwarded-for", "192.0.2.77")],
        )
        .await;
    assert_eq!(
        r.status, 429,
        "a forged X-Forwarded-For does not reset the count"
    );
}

/// Five wrong passwords slow the number down, but never lock its owner out: an SMS code
/// logs them in, on the page and in the API, and clears the count.
async fn the_owner_of_a_slowed_number_logs_in_with_an_sms_code(app: &TestApp) {
    let mut c = app.client();
    for _ in 0..5 {
        let r = c
            .post_form(
                "/login",
                &[("phone", RESIDENT), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let page = c
        .post_form(
            "/login",
            &[("phone", RESIDENT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(
        page.body.contains("用短信验证码登录"),
        "the way in is offered"
    );
    assert!(
        page.body.contains("id=\"login-by-code\" open"),
        "and opened"
    );
    let sent = c.post_form("/login/code", &[("phone", RESIDENT)]).await;
    assert_eq!(sent.status, 200);
    assert!(sent.body.contains("id=\"login-sms\""), "{}", sent.body);
    let code = app.sms.last_code(RESIDENT).unwrap();
    let csrf_before = c.csrf();
    let r = c
        .post_form("/login/sms", &[("phone", RESIDENT), ("code", &code)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(c.get("/").await.body.contains("陈晓"));
    assert_ne!(
        c.csrf(),
        csrf_before,
        "the CSRF token is new after logging in"
    );
    // The count is cleared: the password works again at once.
    let mut api = app.client();
    let r = api
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": RESIDENT, "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The API takes the code too; a used code does not work twice. (One code a minute.)
    let r = api
        .json("POST", "/api/v1/sms-codes", json!({"phone": RESIDENT}))
        .await;
    assert_eq!(r.json()["error"]["code"], "sms_too_soon");
    app.clock.advance(61_000);
    let r = api
        .json("POST", "/api/v1/sms-codes", json!({"phone": RESIDENT}))
        .await;
    assert_eq!(r.status, 202);
    let code = app.sms.last_code(RESIDENT).unwrap();
    let r = api
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": RESIDENT, "sms_code": code}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = api
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": RESIDENT, "sms_code": code}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "sms_code_wrong");
    let r = api
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": RESIDENT, "password": "x", "sms_code": code}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "password_or_code");
}

/// Nobody learns from the answers whether a number has an account.
async fn the_answers_do_not_tell_which_numbers_are_registered(app: &TestApp) {
    let mut c = app.client();
    let known = c
        .json("POST", "/api/v1/sms-codes", json!({"phone": RESIDENT}))
        .await;
    let unknown = c
        .json("POST", "/api/v1/sms-codes", json!({"phone": "13912345678"}))
        .await;
    assert_eq!(
        (known.status, known.body.as_str()),
        (unknown.status, unknown.body.as_str())
    );
    assert_eq!(known.status, 202);
    let known = c
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": CLUB_LEADER, "password": "wrong-password"}),
        )
        .await;
    let unknown = c
        .json(
            "POST",
            "/api/v1/sessions",
            json!({"phone": "13912345678", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (known.status, known.body.as_str()),
        (unknown.status, unknown.body.as_str())
    );
}

/// Each SMS costs money: codes are capped per client address and per hour overall.
async fn sms_codes_are_capped_per_address_and_overall(app: &TestApp) {
    let capped = linli_testkit::spawn_with(
        app.backend,
        linli_testkit::Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            sms_caps: linli_app::accounts::SmsCaps {
                per_address_hour: 3,
                per_hour: 5,
            },
            ..linli_testkit::Config::default()
        },
    )
    .await;
    let mut c = capped.client();
    let mut ask = async |phone: &str, from: &str| {
        c.json_with(
            "POST",
            "/api/v1/sms-codes",
            json!({"phone": phone}),
            &[("x-forwarded-for", from)],
        )
        .await
        .status
    };
    for i in 0..3 {
        assert_eq!(ask(&format!("1370000000{i}"), "203.0.113.5").await, 202);
    }
    assert_eq!(
        ask("13700000009", "203.0.113.5").await,
        429,
        "a fourth from one address"
    );
    assert_eq!(ask("13700000010", "203.0.113.6").await, 202);
    assert_eq!(ask("13700000011", "203.0.113.7").await, 202);
    assert_eq!(
        ask("13700000012", "203.0.113.8").await,
        429,
        "a sixth in the hour overall"
    );
    assert_eq!(capped.sms.count(), 5, "five messages paid for, no more");
    capped.finish().await;
}

/// Control characters (NUL among them, which PostgreSQL cannot store) are refused at the
/// edge with a clear 4xx on both databases, and nothing is written.
async fn control_characters_in_text_are_refused_alike_on_both_databases(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut c = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let (issues, orgs) = (app.count("issues").await, app.count("organizations").await);
    for (path, body) in [
        (
            format!("/api/v1/regions/{community}/issues"),
            json!({"title": "路灯坏了\u{0}", "text": "一号楼门口"}),
        ),
        (
            format!("/api/v1/regions/{community}/issues"),
            json!({"title": "路灯坏了", "text": "一号楼\u{1b}[31m门口"}),
        ),
        (
            format!("/api/v1/regions/{community}/organizations"),
            json!({"kind": "club", "name": "夜跑\u{0}团"}),
        ),
    ] {
        let r = c.json("POST", &path, body).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "control_character");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("控制字符")
        );
    }
    let mut page = app.login(RESIDENT).await;
    let r = page
        .post_form(
            &format!("/regions/{community}/orgs"),
            &[("kind", "club"), ("name", "夜跑\u{0}团")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("控制字符"));
    assert_eq!(
        (app.count("issues").await, app.count("organizations").await),
        (issues, orgs)
    );
    // Line breaks and tabs are text.
    let r = c
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/issues"),
            json!({"title": "路灯坏了", "text": "一号楼门口\n晚上很黑\t请修"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// The last platform admin cannot remove themselves; a user can end all their sessions.
async fn the_last_admin_stays_and_sessions_end_everywhere(app: &TestApp) {
    let mut admin = app.api_client(ADMIN, DEMO_PASSWORD).await;
    let me = admin.get("/api/v1/me").await.json();
    let grant = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "platform_admin")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = admin
        .json("DELETE", &format!("/api/v1/roles/{grant}"), json!(null))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "last_admin");
    assert!(
        admin.get("/api/v1/me").await.json()["roles"]
            .to_string()
            .contains("platform_admin")
    );
    // Log out everywhere: every session of the account ends, others' stay.
    let mut phone = app.login(RESIDENT).await;
    let mut laptop = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let mut neighbour = app.api_client(CLUB_LEADER, DEMO_PASSWORD).await;
    let settings = phone.get("/settings").await;
    assert!(settings.body.contains("退出所有设备"));
    let r = phone.post_form("/logout/everywhere", &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        laptop.get("/api/v1/me").await.status,
        401,
        "the other device is out"
    );
    assert_eq!(phone.get("/").await.status, 200);
    assert!(!phone.get("/").await.body.contains("陈晓"), "this one too");
    assert_eq!(
        neighbour.get("/api/v1/me").await.status,
        200,
        "others stay in"
    );
    // Pages say where scripts may come from and that no other site may frame them.
    let r = app.client().get("/login").await;
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(r.headers.get("referrer-policy").unwrap(), "same-origin");
}

/// The OpenAPI document describes what the API does, so a generated client works: query
/// parameters are query parameters, every schema name is one type, uploads have a body,
/// every refusal is documented, and the bounds it states are enforced.
async fn the_api_document_describes_what_the_api_does(app: &TestApp) {
    let doc = app.client().get("/api/openapi.json").await.json();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is not in the path"
                    );
                }
            }
            assert!(
                op["responses"].get("default").is_some(),
                "{method} {path} documents its refusals"
            );
        }
    }
    for name in [
        "MicroGrantRow",
        "GrantRow",
        "BodyMemberRow",
        "MemberRow",
        "GrantVoteReq",
        "MotionVoteCreated",
        "VoteCreated",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    let grants = &doc["paths"]["/api/v1/organizations/{id}/grants"]["get"]["responses"]["200"];
    assert!(grants.to_string().contains("GrantList"));
    assert!(
        schemas["GrantList"].to_string().contains("MicroGrantRow"),
        "micro-grants are not role grants"
    );
    assert!(schemas["VoteCreated"]["properties"].get("id").is_some());
    assert!(
        schemas["NewVote"]["properties"].get("region_id").is_none(),
        "the node comes from the path"
    );
    let upload = &doc["paths"]["/api/v1/organizations/{id}/vouchers"]["post"]["requestBody"];
    assert!(
        upload["content"].get("image/jpeg").is_some(),
        "uploads document their body"
    );
    let mut c = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = c.get("/api/v1/notifications?per_page=201").await;
    assert_eq!(
        r.status, 400,
        "per_page above its documented maximum is refused"
    );
    assert_eq!(
        c.get("/api/v1/notifications?per_page=200").await.status,
        200
    );
}

/// Every API route, taken from the OpenAPI document (so a new route is walked without
/// anyone remembering it), is tried with real ids of 翠竹园社区's records, by a resident
/// of another community and by an anonymous visitor: no GET answers 200 with it, and no
/// write is accepted or changes any table. Routes public by design are listed with why.
async fn every_api_route_keeps_a_community_to_itself(app: &TestApp) {
    linli_demo::seed_stories(&app.db).await.unwrap();
    // Public by design: the caller's own account and messages, and the anonymous doors in.
    // Ending one's own sessions is not walked: it would turn the outsider anonymous.
    let own = [
        "/api/v1/me",
        "/api/v1/notifications",
        "/api/v1/notifications/read",
        "/api/v1/notifications/settings",
    ];
    let own_sessions = ["/api/v1/sessions/current"];
    let doors = ["/api/v1/sessions", "/api/v1/sms-codes", "/api/v1/users"];
    let community = app.region_id("翠竹园社区").await;
    let path_of_a = app
        .strings(&format!("SELECT path FROM regions WHERE id = {community}"))
        .await
        .remove(0);
    let in_a = |table: &str, via: &str| {
        format!(
            "SELECT CAST(COALESCE(MIN(t.id), 0) AS BIGINT) FROM {table} t {via} JOIN regions r ON r.id = x.region_id \
             WHERE r.path LIKE '{path_of_a}%'"
        )
    };
    let mut ids = std::collections::HashMap::new();
    for (segment, sql) in [
        ("regions", format!("SELECT CAST({community} AS BIGINT)")),
        (
            "actions",
            in_a("action_items", "JOIN action_items x ON x.id = t.id"),
        ),
        (
            "activities",
            in_a("activities", "JOIN activities x ON x.id = t.id"),
        ),
        ("bodies", in_a("bodies", "JOIN bodies x ON x.id = t.id")),
        (
            "claims",
            in_a("reimbursements", "JOIN reimbursements x ON x.id = t.id"),
        ),
        ("decisions", in_a("votes", "JOIN votes x ON x.id = t.id")),
        ("grants", in_a("grants", "JOIN grants x ON x.id = t.id")),
        (
            "households",
            in_a("households", "JOIN households x ON x.id = t.id"),
        ),
        ("issues", in_a("issues", "JOIN issues x ON x.id = t.id")),
        (
            "life-meetings",
            in_a("life_meetings", "JOIN life_meetings x ON x.id = t.id"),
        ),
        (
            "motions",
            in_a("motions", "JOIN sittings x ON x.id = t.sitting_id"),
        ),
        (
            "organizations",
            format!(
                "SELECT CAST({} AS BIGINT)",
                app.org_id("翠竹园读书会").await
            ),
        ),
        (
            "posts",
            in_a("issue_posts", "JOIN issues x ON x.id = t.issue_id"),
        ),
        (
            "sittings",
            in_a("sittings", "JOIN sittings x ON x.id = t.id"),
        ),
        (
            "transactions",
            in_a("ledger_txns", "JOIN ledgers x ON x.id = t.ledger_id"),
        ),
        ("votes", in_a("votes", "JOIN votes x ON x.id = t.id")),
        (
            "roles",
            in_a("role_grants", "JOIN role_grants x ON x.id = t.id"),
        ),
    ] {
        ids.insert(segment, app.i64s(&sql).await[0]);
    }
    let resident = app
        .count_where("SELECT id FROM users WHERE phone = $1", RESIDENT)
        .await;
    let issue = ids["issues"];
    let tables = app
        .strings(match app.backend {
            linli_testkit::Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '_sqlx%'"
            }
            linli_testkit::Backend::Postgres => {
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '_sqlx%'"
            }
        })
        .await;
    let fingerprint = || async {
        let mut f = vec![];
        for t in &tables {
            // Logging in and out is what these callers may do; everything else must stand.
            if !["sessions", "throttle", "sms_codes"].contains(&t.as_str()) {
                f.push((t.clone(), app.count(t).await));
            }
        }
        f
    };
    let before = fingerprint().await;
    let doc = app.client().get("/api/openapi.json").await.json();
    let mut outsider = app.api_client(OTHER_RESIDENT, DEMO_PASSWORD).await;
    let mut anonymous = app.client();
    let (mut walked, mut with_record, mut leaks) = (0, 0, vec![]);
    for (template, ops) in doc["paths"].as_object().unwrap() {
        let segment = template.split('/').nth(3).unwrap();
        let id = ids.get(segment).copied().unwrap_or(0);
        let path = template
            .replace("{id}", &id.to_string())
            .replace("{user_id}", &resident.to_string())
            .replace("{issue_id}", &issue.to_string());
        if template.contains("{id}") && id > 0 {
            with_record += 1;
        }
        for method in ops.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            walked += 1;
            if method == "DELETE"
                && (own_sessions.contains(&template.as_str()) || template == "/api/v1/sessions")
            {
                continue;
            }
            for (who, client) in [("outsider", &mut outsider), ("anonymous", &mut anonymous)] {
                let body = if method == "GET" {
                    json!(null)
                } else {
                    json!({})
                };
                let r = client.json(&method, &path, body).await;
                let public = doors.contains(&template.as_str())
                    || (who == "outsider" && own.contains(&template.as_str()));
                let leaked = if method == "GET" {
                    r.status == 200 && !public
                } else {
                    (200..300).contains(&r.status) && !public
                };
                assert!(
                    r.status < 500,
                    "{who} {method} {path}: {} {}",
                    r.status,
                    r.body
                );
                if leaked {
                    leaks.push(format!("{who} {method} {path}: {}", r.status));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    assert_eq!(
        fingerprint().await,
        before,
        "no refused write changed a table"
    );
    assert!(walked >= 111, "every operation walked ({walked})");
    assert!(
        with_record >= 60,
        "most routes walked with a real record ({with_record})"
    );
}

/// The hot path reuses a user's grants between requests; a role revoked anywhere — here
/// straight in the database, as another server process would — is refused on the very
/// next request, and a new grant is honoured at once.
async fn a_revoked_role_is_refused_on_the_next_request(app: &TestApp) {
    let building = first_building(app).await;
    let mut worker = app.login(SOCIAL_WORKER).await;
    let roster = format!("/regions/{building}/roster");
    for _ in 0..3 {
        let r = worker.get(&roster).await;
        assert_eq!(r.status, 200, "the grants are read, then reused");
        assert!(r.body.contains("13800000005"));
    }
    let at = linli_store::clock::now_ms();
    let revoke = format!(
        "UPDATE role_grants SET revoked_at = {at} WHERE revoked_at IS NULL AND role = 'social_worker' \
         AND user_id = (SELECT id FROM users WHERE phone = '{SOCIAL_WORKER}')"
    );
    app.exec(&revoke).await;
    assert_eq!(
        app.i64s(
            "SELECT COUNT(*) FROM role_grants WHERE revoked_at IS NULL AND role = 'social_worker'"
        )
        .await,
        [0],
        "revoked in the database"
    );
    let r = worker.get(&roster).await;
    assert!(
        !r.body.contains("13800000005"),
        "no phone number once the role is gone: {} {}",
        r.status,
        r.body
    );
    // Granted again through the admin page: honoured on the next request.
    let mut admin = app.login("13800000003").await;
    let community = app.region_id("翠竹园社区").await;
    let g = admin
        .post_form(
            "/admin/roles",
            &[
                ("phone", SOCIAL_WORKER),
                ("region_id", &community.to_string()),
                ("role", "social_worker"),
            ],
        )
        .await;
    assert_eq!(g.status, 303, "{}", g.body);
    assert!(worker.get(&roster).await.body.contains("13800000005"));
}

/// An internal failure is logged once with its cause, and the user sees an error number
/// that the log line and the `X-Request-Id` header carry too; the API returns it as
/// `request_id`. Refusals (4xx) carry no number.
async fn an_internal_error_shows_an_error_number(app: &TestApp) {
    let mut c = app.login(RESIDENT).await;
    let ok = c.get("/notifications").await;
    assert_eq!(ok.status, 200);
    assert!(
        !ok.headers["x-request-id"].is_empty(),
        "every answer has an id"
    );
    // Break the store under the page, as a lost disk or a bad upgrade would.
    app.exec("DROP TABLE notification_mutes").await;
    let r = c.get("/notifications").await;
    assert_eq!(r.status, 500);
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 12);
    assert!(
        r.body.contains("错误编号") && r.body.contains(&id),
        "{}",
        r.body
    );
    assert!(!r.body.contains("notification_mutes"), "no internals shown");
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let j = api.get("/api/v1/notifications/settings").await;
    assert_eq!(j.status, 500);
    assert_eq!(
        j.json()["error"]["request_id"].as_str(),
        j.headers["x-request-id"].to_str().ok()
    );
    let refused = api.get("/api/v1/jobs").await;
    assert_eq!(refused.status, 403);
    assert!(refused.json()["error"].get("request_id").is_none());
}

on_both_databases!(
    an_internal_error_shows_an_error_number,
    a_revoked_role_is_refused_on_the_next_request,
    every_api_route_keeps_a_community_to_itself,
    the_api_document_describes_what_the_api_does,
    a_hundred_wrong_passwords_at_once_are_mostly_refused_unchecked,
    behind_a_trusted_proxy_each_client_has_its_own_throttle,
    qr_links_follow_the_trusted_proxy_behind_https,
    the_owner_of_a_slowed_number_logs_in_with_an_sms_code,
    the_answers_do_not_tell_which_numbers_are_registered,
    sms_codes_are_capped_per_address_and_overall,
    control_characters_in_text_are_refused_alike_on_both_databases,
    the_last_admin_stays_and_sessions_end_everywhere,
    nothing_of_another_community_is_reachable_by_any_route,
    malformed_addresses_get_localized_errors,
    only_leaders_hand_out_leadership_and_members_can_be_removed,
    the_store_enforces_its_constraints,
    a_neighbour_registers_with_an_invitation_code_and_sees_their_building,
    bad_registration_input_is_refused_with_a_clear_message_and_changes_nothing,
    a_resident_reads_their_own_community_and_nothing_of_another,
    roles_are_granted_and_revoked_on_nodes_with_an_audit_trail,
    organizations_have_members_roles_and_always_a_leader,
    the_roster_shows_phones_to_social_workers_only_and_logs_each_read,
    the_roster_is_searched_and_filtered_and_its_numbers_call,
    forms_and_cookie_api_calls_without_the_csrf_token_are_refused,
    logins_are_throttled_after_repeated_failures,
    elderly_mode_and_language_are_chosen_once_and_kept,
    the_api_serves_the_same_data_with_bearer_tokens,
    an_invitation_admits_no_more_people_than_its_places_under_concurrency,
    health_metrics_and_assets_are_served_by_linli_itself,
    admins_read_the_whole_tree_and_the_audit_log,
);

/// The command line: help, migrate, demo and a consistent online backup on SQLite.
#[tokio::test]
async fn the_command_line_migrates_seeds_and_backs_up() {
    let bin = env!("CARGO_BIN_EXE_linli");
    let dir = std::env::temp_dir().join(format!("linli-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env_remove("DATABASE_URL")
            .env("LINLI_LOG", "warn")
            .output()
            .expect("run linli")
    };
    let help = run(&["--help"]);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for cmd in ["serve", "migrate", "demo", "backup"] {
        assert!(help.contains(cmd), "--help lists {cmd}");
    }
    let data = dir.to_string_lossy().to_string();
    assert!(run(&["--data", &data, "migrate"]).status.success());
    let demo = run(&["--data", &data, "demo"]);
    assert!(
        String::from_utf8_lossy(&demo.stdout).contains("13800000000"),
        "demo prints the logins"
    );
    let copy = dir.join("copy.db");
    let out = run(&["--data", &data, "backup", &copy.to_string_lossy()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = linli_store::Db::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let stats = linli_store::regions::stats(&db, "/", "0").await.unwrap();
    assert_eq!(stats.households, 2976, "the copy holds the whole demo");
    db.close().await;
    let again = run(&["--data", &data, "backup", &copy.to_string_lossy()]);
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    // The way back when no admin is left: `linli admin grant PHONE` on the server.
    let out = run(&["--data", &data, "admin", "grant", "13800000007"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("platform admin"));
    let unknown = run(&["--data", &data, "admin", "grant", "13911112222"]);
    assert!(
        !unknown.status.success(),
        "an unregistered number is refused"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The two migration folders must build the same schema: every table, column, type
/// (as each database spells it), nullability and index — unique or not, on which
/// columns — compared between a migrated SQLite and a migrated PostgreSQL database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(linli_skip_pg, ignore = "LINLI_SKIP_PG=1: PostgreSQL leg skipped")]
async fn both_databases_are_migrated_to_the_same_schema() {
    let sqlite = linli_testkit::spawn(linli_testkit::Backend::Sqlite).await;
    let postgres = linli_testkit::spawn(linli_testkit::Backend::Postgres).await;
    fn ty(t: &str) -> &'static str {
        let t = t.to_lowercase();
        match t.as_str() {
            _ if t.contains("int") || t.contains("serial") => "integer",
            "text" | "character varying" | "varchar" => "text",
            _ if t.contains("bool") => "boolean",
            "bytea" | "blob" => "bytes",
            _ => "other",
        }
    }
    let columns = |rows: Vec<String>| {
        rows.into_iter()
            .map(|r| {
                let f: Vec<&str> = r.split('|').collect();
                let required = matches!(f[3], "1" | "true");
                format!(
                    "{}.{} {} {}",
                    f[0],
                    f[1],
                    ty(f[2]),
                    if required { "NOT NULL" } else { "NULL" }
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    let s_cols = columns(
        sqlite
            .strings(
                "SELECT m.name || '|' || p.name || '|' || p.type || '|' || (p.\"notnull\" OR p.pk) \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name NOT LIKE '_sqlx%'",
            )
            .await,
    );
    let p_cols = columns(
        postgres
            .strings(
                "SELECT table_name || '|' || column_name || '|' || data_type || '|' || (is_nullable = 'NO')::text \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
            )
            .await,
    );
    let s_idx: std::collections::BTreeSet<String> = sqlite
        .strings(
            "SELECT m.name || '|' || il.\"unique\" || '|' || \
             (SELECT group_concat(name, ',') FROM (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) \
             FROM sqlite_master m, pragma_index_list(m.name) il \
             WHERE m.type = 'table' AND m.name NOT LIKE '_sqlx%' AND il.origin <> 'pk'",
        )
        .await
        .into_iter()
        .map(|r| r.replace("|1|", " unique ").replace("|0|", " index "))
        .collect();
    let p_idx: std::collections::BTreeSet<String> = postgres
        .strings(
            "SELECT t.relname || CASE WHEN ix.indisunique THEN ' unique ' ELSE ' index ' END || \
             array_to_string(array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) \
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') \
             FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace ns ON ns.oid = t.relnamespace \
             WHERE ns.nspname = 'public' AND t.relname NOT LIKE '_sqlx%' AND NOT ix.indisprimary",
        )
        .await
        .into_iter()
        .collect();
    assert!(
        s_cols.len() > 300 && s_idx.len() > 40,
        "{} columns, {} indexes",
        s_cols.len(),
        s_idx.len()
    );
    let only = |a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>| {
        a.difference(b).cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        only(&s_cols, &p_cols),
        Vec::<String>::new(),
        "columns only on SQLite"
    );
    assert_eq!(
        only(&p_cols, &s_cols),
        Vec::<String>::new(),
        "columns only on PostgreSQL"
    );
    assert_eq!(
        only(&s_idx, &p_idx),
        Vec::<String>::new(),
        "indexes only on SQLite"
    );
    assert_eq!(
        only(&p_idx, &s_idx),
        Vec::<String>::new(),
        "indexes only on PostgreSQL"
    );
    sqlite.finish().await;
    postgres.finish().await;
}
