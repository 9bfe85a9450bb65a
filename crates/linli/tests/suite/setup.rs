//! A real community starts on Linli (issue 15): its officers set up their part of the
//! region tree — add, order, rename, move, retire and restore nodes — through the pages
//! and the API, on SQLite and PostgreSQL. The kind order, cycles, retired parents,
//! duplicate names and other communities are refused with the reason and change nothing;
//! a moved subtree takes its households, search entries and role holders with it.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const DISTRICT_OFFICER: &str = "13800000001";
const STREET_OFFICER: &str = "13800000002";
const COMMITTEE: &str = "13800000003";
const BUILDING_REP: &str = "13800000005";
const RESIDENT: &str = "13800000007";

fn code(r: &linli_testkit::Resp) -> String {
    r.json()["error"]["code"].as_str().unwrap_or("").to_string()
}

async fn children_names(app: &TestApp, id: i64) -> Vec<String> {
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let v = c.get(&format!("/api/v1/regions/{id}")).await.json();
    v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// A residents' committee adds a compound and its buildings on the setup page, in the
/// order it gives; bad input re-renders the page with the reason and adds nothing.
async fn a_residents_committee_sets_up_a_compound_and_its_buildings(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut rc = app.login(COMMITTEE).await;
    let page = rc.get(&format!("/regions/{community}")).await;
    assert!(
        page.body.contains(&format!("/regions/{community}/setup")),
        "the node page links to its setup"
    );
    let setup = rc.get(&format!("/regions/{community}/setup")).await;
    assert_eq!(setup.status, 200);
    assert!(setup.body.contains("添加下级") && setup.body.contains("value=\"compound\""));
    assert!(
        !setup.body.contains("value=\"street\""),
        "a community offers only what it may hold"
    );

    let r = rc
        .post_form(
            &format!("/regions/{community}/children"),
            &[
                ("kind", "compound"),
                ("name", " 翠竹园四期 "),
                ("sort_order", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("/regions/{community}/setup?done=added")
    );
    assert!(rc.get(r.location()).await.body.contains("已添加"));
    let compound = app.region_id("翠竹园四期").await;
    assert_eq!(
        children_names(app, community)
            .await
            .last()
            .map(String::as_str),
        Some("翠竹园四期"),
        "after the others when no order is given"
    );
    for (name, order) in [("2号楼", "2"), ("1号楼", "1"), ("10号楼", "10")] {
        let r = rc
            .post_form(
                &format!("/regions/{compound}/children"),
                &[("kind", "building"), ("name", name), ("sort_order", order)],
            )
            .await;
        assert_eq!(r.status, 303, "{name}: {}", r.body);
    }
    assert_eq!(
        children_names(app, compound).await,
        ["1号楼", "2号楼", "10号楼"],
        "in the officers' order, not by id or by text"
    );

    let before = app.count("regions").await;
    let audits = app.count("audit_log").await;
    for (fields, status, says) in [
        (
            vec![("kind", "street"), ("name", "翠竹街道二")],
            422,
            "这种地方不能放在这里",
        ),
        (
            vec![("kind", "tower"), ("name", "塔楼")],
            422,
            "没有这种地方类型",
        ),
        (
            vec![("kind", "building"), ("name", "1号楼")],
            409,
            "同一级里已经有这个名字了",
        ),
        (vec![("kind", "building"), ("name", "   ")], 422, "名称"),
        (
            vec![
                ("kind", "building"),
                ("name", "3号楼"),
                ("sort_order", "三"),
            ],
            422,
            "排序号要写",
        ),
        (
            vec![
                ("kind", "building"),
                ("name", "3号楼"),
                ("sort_order", "-1"),
            ],
            422,
            "排序号要写",
        ),
    ] {
        let r = rc
            .post_form(&format!("/regions/{compound}/children"), &fields)
            .await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(
            r.body.contains("role=\"alert\""),
            "{fields:?}: the page shows the refusal"
        );
        assert!(
            r.body.contains(says),
            "{fields:?} says why ({says}): {}",
            r.body
        );
        assert!(r.body.contains("id=\"add-child\""), "and the form again");
    }
    assert_eq!(app.count("regions").await, before, "refusals add nothing");
    assert_eq!(app.count("audit_log").await, audits, "nor audit lines");
    let created: i64 = app
        .count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'region.create' AND detail LIKE $1",
            "compound 翠竹园四期 %",
        )
        .await;
    assert_eq!(created, 1, "the compound's creation is in the audit log");

    // The API gives the same refusal with its stable code.
    let mut api = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = api
        .json(
            "POST",
            &format!("/api/v1/regions/{compound}/children"),
            json!({"kind": "community", "name": "X"}),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (422, "region_kind_order"),
        "{}",
        r.body
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不能放在这里")
    );
}

/// Each officer shapes what lies below their own node, and nothing of another community;
/// a resident shapes nothing.
async fn officers_shape_only_what_lies_below_their_node(app: &TestApp) {
    let district = app.region_id("青溪区").await;
    let street = app.region_id("翠竹街道").await;
    let other_community = app.region_id("清泉社区").await;
    let compound = app.region_id("翠竹园一期").await;
    let mut d = app.api_client(DISTRICT_OFFICER, DEMO_PASSWORD).await;
    let r = d
        .json(
            "POST",
            &format!("/api/v1/regions/{district}/children"),
            json!({"kind": "street", "name": "新城街道"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["kind"], "street");
    let mut s = app.api_client(STREET_OFFICER, DEMO_PASSWORD).await;
    let r = s
        .json(
            "POST",
            &format!("/api/v1/regions/{street}/children"),
            json!({"kind": "community", "name": "翠竹新社区"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .json(
            "POST",
            &format!("/api/v1/regions/{district}/children"),
            json!({"kind": "street", "name": "越权街道"}),
        )
        .await;
    assert_eq!(
        r.status, 404,
        "a street officer does not add streets (nor reads the district): {}",
        r.body
    );

    let mut rc = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{other_community}/children"),
            json!({"kind": "compound", "name": "越界小区"}),
        )
        .await;
    assert_eq!(
        r.status, 404,
        "another community is not even found: {}",
        r.body
    );
    let community = app.region_id("翠竹园社区").await;
    let r = rc
        .json(
            "PATCH",
            &format!("/api/v1/regions/{community}"),
            json!({"name": "改名社区"}),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "a committee does not rename its own community: {}",
        r.body
    );

    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = resident
        .json(
            "POST",
            &format!("/api/v1/regions/{compound}/children"),
            json!({"kind": "building", "name": "9号楼"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let mut page = app.login(RESIDENT).await;
    assert_eq!(
        page.get(&format!("/regions/{compound}/setup")).await.status,
        403
    );
    assert!(
        !page
            .get(&format!("/regions/{compound}"))
            .await
            .body
            .contains("/setup")
    );
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM regions WHERE name = $1", "越界小区")
            .await,
        0
    );
}

/// A building moves, with its households, its search entries and its representative's
/// role, to another compound in one transaction; a cycle, the wrong kind and a retired
/// target are refused. Retiring hides a compound and what lies below it from new records;
/// restoring brings it back.
async fn a_moved_building_takes_everything_below_it_and_retiring_keeps_history(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut rc = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/children"),
            json!({"kind": "compound", "name": "翠竹园五期"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let target = r.json()["id"].as_i64().unwrap();
    let target_path = r.json()["path"].as_str().unwrap().to_string();

    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let building = rep.get("/api/v1/me").await.json()["household"]["building_id"]
        .as_i64()
        .unwrap();
    let before = rep.get(&format!("/api/v1/regions/{building}")).await.json();
    let households = before["stats"]["households"].as_i64().unwrap();
    assert!(households > 0);
    let old_path = before["region"]["path"].as_str().unwrap().to_string();

    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/move"),
            json!({"parent_id": target}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["path"], format!("{target_path}{building}/"));
    assert_eq!(r.json()["parent_id"], target);
    // The representative's role follows the building: their next request sees it moved.
    let after = rep.get(&format!("/api/v1/regions/{building}")).await;
    assert_eq!(after.status, 200, "{}", after.body);
    let names: Vec<String> = after.json()["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"翠竹园五期".to_string()), "{names:?}");
    let five = rc.get(&format!("/api/v1/regions/{target}")).await.json();
    assert_eq!(
        five["stats"]["households"].as_i64().unwrap(),
        households,
        "the households came along"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM search_docs WHERE region_path LIKE $1",
            &format!("{old_path}%")
        )
        .await,
        0,
        "no search entry keeps the old path"
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            "region.move"
        )
        .await,
        1
    );

    // Refusals: a cycle, the wrong kind, a node of another community.
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{target}/move"),
            json!({"parent_id": building}),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (422, "region_move_cycle"),
        "{}",
        r.body
    );
    let first_compound = app.region_id("翠竹园一期").await;
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{target}/move"),
            json!({"parent_id": first_compound}),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (422, "region_kind_order"),
        "{}",
        r.body
    );
    let far = app.region_id("清泉花园").await;
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/move"),
            json!({"parent_id": far}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // A lone building straight under the community is allowed.
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/move"),
            json!({"parent_id": community}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/move"),
            json!({"parent_id": target}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Retire the compound on its parent's setup page: it and its building leave the lists.
    let mut page = app.login(COMMITTEE).await;
    let r = page
        .post_form(&format!("/regions/{target}/retire"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("/regions/{community}/setup?done=retired")
    );
    assert!(
        !children_names(app, community)
            .await
            .contains(&"翠竹园五期".to_string())
    );
    let setup = page.get(r.location()).await.body;
    assert!(
        setup.contains("已撤销的下级") && setup.contains("翠竹园五期"),
        "kept, listed as retired"
    );
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{target}/children"),
            json!({"kind": "building", "name": "新楼"}),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (409, "region_retired"),
        "{}",
        r.body
    );
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{target}/retire"),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (409, "region_already_retired"),
        "{}",
        r.body
    );
    // Its history stays readable.
    assert_eq!(
        rep.get(&format!("/api/v1/regions/{building}")).await.status,
        200
    );
    let r = page
        .post_form(&format!("/regions/{target}/restore"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        children_names(app, community)
            .await
            .contains(&"翠竹园五期".to_string())
    );
    // The building below stays retired until brought back itself.
    assert!(children_names(app, target).await.is_empty());
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(children_names(app, target).await.len(), 1);
    // Rename with an order, through the page.
    let r = page
        .post_form(
            &format!("/regions/{target}/rename"),
            &[("name", "翠竹园 5 期"), ("sort_order", "9")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        children_names(app, community)
            .await
            .contains(&"翠竹园 5 期".to_string())
    );
    for action in ["region.retire", "region.restore", "region.rename"] {
        assert!(
            app.count_where("SELECT COUNT(*) FROM audit_log WHERE action = $1", action)
                .await
                >= 1,
            "{action} is audited"
        );
    }
}

/// A social worker adds a unit with its area and use, lists who lives there and corrects
/// the unit; the unit's page shows each change, bad input is refused with the reason and
/// changes nothing, and a resident cannot see or change any of it.
async fn units_are_kept_with_their_history(app: &TestApp) {
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let building = rep.get("/api/v1/me").await.json()["household"]["building_id"]
        .as_i64()
        .unwrap();
    let mut sw = app.login("13800000004").await;
    let setup = sw.get(&format!("/regions/{building}/setup")).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert!(
        setup.body.contains("id=\"add-unit\""),
        "a building's setup offers units"
    );
    let r = sw
        .post_form(
            &format!("/regions/{building}/households"),
            &[
                ("unit_label", "3单元1201"),
                ("floor_area", "89.5"),
                ("kind", "residence"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let unit = app
        .count_where(
            "SELECT id FROM households WHERE unit_label = $1",
            "3单元1201",
        )
        .await;
    assert!(unit > 0);
    let before = app.count("households").await;
    for (label, area, kind, says) in [
        ("3单元1202", "一百平", "residence", "面积要写成数字"),
        ("3单元1202", "0", "residence", "面积要写成数字"),
        ("3单元1202", "89.505", "residence", "面积要写成数字"),
        ("3单元1201", "90", "residence", "已经有这个单元号"),
        ("3单元1202", "90", "villa", "用途只能是"),
        ("   ", "90", "shop", "请填写单元号"),
    ] {
        let r = sw
            .post_form(
                &format!("/regions/{building}/households"),
                &[("unit_label", label), ("floor_area", area), ("kind", kind)],
            )
            .await;
        assert!(
            r.status == 422 || r.status == 409,
            "{label} {area} {kind}: {}",
            r.status
        );
        assert!(
            r.body.contains(says),
            "{label} {area} {kind} says {says}: {}",
            r.body
        );
    }
    assert_eq!(
        app.count("households").await,
        before,
        "refusals add no unit"
    );

    // The unit's page: who lives there, then a correction of the area and the use.
    let page = sw.get(&format!("/households/{unit}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("89.50") && page.body.contains("建档"));
    let r = sw
        .post_form(
            &format!("/households/{unit}/residents"),
            &[
                ("name", "马大爷"),
                ("phone", "139 0000 1111"),
                ("is_head", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = sw
        .post_form(
            &format!("/households/{unit}/residents"),
            &[("name", "马小妹"), ("phone", "12345")],
        )
        .await;
    assert_eq!(r.status, 422, "a number that is not a mainland mobile");
    assert!(r.body.contains("role=\"alert\""));
    let r = sw
        .post_form(
            &format!("/households/{unit}/residents"),
            &[("name", "马小妹"), ("phone", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = sw
        .post_form(
            &format!("/households/{unit}/edit"),
            &[
                ("unit_label", "3单元1201"),
                ("floor_area", "92.30㎡"),
                ("kind", "shop"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = sw.get(r.location()).await.body;
    assert!(page.contains("已保存"), "{page}");
    assert!(
        page.contains("89.50 → 92.30"),
        "the area's change is in the history: {page}"
    );
    assert!(page.contains("residence → shop"), "{page}");
    assert!(
        page.contains("马大爷 (户主)") && page.contains("tel:13900001111"),
        "{page}"
    );

    let mut api = app.api_client("13800000004", DEMO_PASSWORD).await;
    let v = api.get(&format!("/api/v1/households/{unit}")).await.json();
    assert_eq!(v["household"]["floor_area"], 9230);
    assert_eq!(v["household"]["kind"], "shop");
    assert_eq!(v["residents"].as_array().unwrap().len(), 2);
    assert_eq!(v["residents"][0]["is_head"], true, "the head first");
    let young = v["residents"][1]["id"].as_i64().unwrap();
    let r = api
        .send(
            "DELETE",
            &format!("/api/v1/households/{unit}/residents/{young}"),
            None,
            vec![],
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let v = api.get(&format!("/api/v1/households/{unit}")).await.json();
    assert_eq!(v["residents"].as_array().unwrap().len(), 1);
    let fields: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "resident_removed",
            "kind",
            "area",
            "resident_added",
            "resident_added",
            "created"
        ]
    );
    assert!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'pii.read' AND target = $1",
            &format!("household:{unit}")
        )
        .await
            >= 3,
        "each read of the unit's residents is logged"
    );

    // A resident of the building sees the unit in the list, but not its page or its people.
    let mut resident = app.login(RESIDENT).await;
    assert_eq!(
        resident.get(&format!("/households/{unit}")).await.status,
        403
    );
    let list = resident.get(&format!("/regions/{building}")).await.body;
    assert!(
        list.contains("户") && !list.contains("href=\"/households/"),
        "no unit links for a resident"
    );
    let mut r_api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = r_api
        .json(
            "PATCH",
            &format!("/api/v1/households/{unit}"),
            json!({"unit_label": "X", "floor_area": "1"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

/// A building representative prints one slip per household nobody has joined: each with
/// a live code and a QR code of the join link; printing again makes no second code, a
/// neighbour joins with a slip's code, and a resident may not print.
async fn a_building_prints_one_invitation_slip_per_household(app: &TestApp) {
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let building = rep.get("/api/v1/me").await.json()["household"]["building_id"]
        .as_i64()
        .unwrap();
    let v = rep
        .get(&format!("/api/v1/regions/{building}?per_page=100"))
        .await
        .json();
    let total = v["households_total"].as_i64().unwrap();
    let joined = app
        .count_where(
            "SELECT COUNT(DISTINCT x.household_id) FROM residents x JOIN households h ON h.id = x.household_id \
             WHERE x.user_id IS NOT NULL AND CAST(h.region_id AS TEXT) = $1",
            &building.to_string(),
        )
        .await;
    assert!(joined > 0 && joined < total);
    let mut page = app.login(BUILDING_REP).await;
    assert!(
        page.get(&format!("/regions/{building}"))
            .await
            .body
            .contains("打印本楼邀请条")
    );
    let r = page
        .post_form(&format!("/regions/{building}/invitations"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sheet = page.get(r.location()).await;
    assert_eq!(sheet.status, 200);
    let slips = sheet.body.matches("class=\"slip\"").count() as i64;
    assert_eq!(
        slips,
        total - joined,
        "one slip per household nobody has joined"
    );
    assert_eq!(
        sheet.body.matches("<svg").count() as i64,
        slips,
        "each with its QR code"
    );
    assert!(sheet.body.contains("/join?code="));
    // The same slips as a PDF to print: each unit and code in its text, and the first
    // page's QR codes, read back from the rendered page, open registration with a code.
    assert!(
        sheet
            .body
            .contains(&format!("/regions/{building}/slips.pdf"))
    );
    let pdf = page.get(&format!("/regions/{building}/slips.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let (text, urls) = read_pdf(&pdf.bytes);
    let codes_shown: Vec<String> = sheet
        .body
        .match_indices("/join?code=")
        .map(|(i, _)| sheet.body[i + 11..i + 20].to_string())
        .collect();
    for code in &codes_shown {
        assert!(text.contains(code.as_str()), "{code} in the PDF's text");
    }
    assert_eq!(
        text.matches("/join?code=").count() as i64,
        slips,
        "one slip per household in the PDF too"
    );
    assert!(
        text.contains("邀请您加入"),
        "the Chinese text is text: {text}"
    );
    assert_eq!(
        urls.len() as i64,
        slips.min(8),
        "eight slips to the first page"
    );
    for url in &urls {
        let code = url.split("/join?code=").nth(1).unwrap_or("");
        assert!(
            url.starts_with("http") && codes_shown.iter().any(|c| c == code),
            "{url}"
        );
    }
    let codes = app.count("invitations").await;
    let r = rep
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/invitations"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["made"], 0, "printing again makes no second code");
    assert_eq!(r.json()["slips"].as_array().unwrap().len() as i64, slips);
    assert_eq!(app.count("invitations").await, codes);
    // A neighbour registers with the first slip's code and joins that household.
    let slip = &r.json()["slips"][0];
    let code = slip["code"].as_str().unwrap().to_string();
    let mut newcomer = app.client();
    newcomer.get("/register").await;
    newcomer
        .post_form(
            "/register/code",
            &[("phone", "13955550000"), ("invite", &code)],
        )
        .await;
    let sms = app.sms.last_code("13955550000").unwrap();
    let r = newcomer
        .post_form(
            "/register",
            &[
                ("phone", "13955550000"),
                ("code", &sms),
                ("name", "新邻居"),
                ("password", "slip-2026-ok"),
                ("invite", &code),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let me = newcomer.get("/api/v1/me").await.json();
    assert_eq!(me["household"]["unit_label"], slip["unit_label"], "{me}");
    let mut resident = app.login(RESIDENT).await;
    assert_eq!(
        resident
            .post_form(&format!("/regions/{building}/invitations"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        resident
            .get(&format!("/regions/{building}/slips"))
            .await
            .status,
        403
    );
}

/// The text of a PDF (pdftotext) and what the QR codes of its first page say, read
/// from the page rendered at 150 dpi in grey (pdftoppm), as a phone's camera would.
pub(crate) fn read_pdf(pdf: &[u8]) -> (String, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("linli-pdf-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("slips.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let pgm = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "pgm"))
        .expect("a rendered page");
    let img = std::fs::read(&pgm).unwrap();
    // P5 (binary grey): "P5\n<w> <h>\n255\n" then one byte a pixel.
    let mut fields = vec![];
    let mut at = 0;
    while fields.len() < 4 {
        while img[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !img[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&img[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &img[at + 1..];
    // Each slip on its own, as a phone frames one: two columns, four rows a page.
    let (cw, ch) = (w / 2, h / 4);
    let mut urls = vec![];
    for cell in 0..8 {
        let (x0, y0) = ((cell % 2) * cw, (cell / 2) * ch);
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(cw, ch, |x, y| {
            pixels[(y0 + y) * w + x0 + x]
        });
        urls.extend(
            prepared
                .detect_grids()
                .into_iter()
                .filter_map(|g| g.decode().ok().map(|(_, content)| content)),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    (text, urls)
}

fn rand_suffix() -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

/// Owners of units: a buyer of several units is picked, not typed twice, and is one owner;
/// a registered phone links the account; the developer's unit is marked as such and is
/// never an owner's too; a sale keeps the old owner in the history, with its date.
async fn an_owner_of_several_units_is_one_owner_and_a_sale_keeps_history(app: &TestApp) {
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let building = rep.get("/api/v1/me").await.json()["household"]["building_id"]
        .as_i64()
        .unwrap();
    let mut sw = app.api_client("13800000004", DEMO_PASSWORD).await;
    let v = sw.get(&format!("/api/v1/regions/{building}")).await.json();
    let units: Vec<i64> = v["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    let (a, b, c) = (units[3], units[4], units[5]);
    let r = sw
        .json(
            "PUT",
            &format!("/api/v1/households/{a}/owner"),
            json!({"name": "林业主", "phone": RESIDENT}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let key = r.json()["owner_key"].as_str().unwrap().to_string();
    assert!(
        r.json()["user_id"].is_number(),
        "a registered phone links the account: {}",
        r.body
    );
    let r = sw
        .json(
            "PUT",
            &format!("/api/v1/households/{b}/owner"),
            json!({"owner_key": key}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["units"], 2, "one owner, two units");
    assert_eq!(r.json()["owner_name"], "林业主");
    let r = sw
        .json(
            "PUT",
            &format!("/api/v1/households/{c}/owner"),
            json!({"developer": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["developer"], true);

    let before = sw.get(&format!("/api/v1/households/{a}")).await.json();
    for (body, status, code_) in [
        (
            json!({"owner_key": "nobody-has-this"}),
            404,
            "owner_not_found",
        ),
        (json!({"owner_key": "developer"}), 422, "owner_is_developer"),
        (
            json!({"owner_key": key, "developer": true}),
            422,
            "owner_is_developer",
        ),
        (
            json!({"name": "王买家", "date": "2027-02-30"}),
            422,
            "invalid_date",
        ),
        (
            json!({"name": "王买家", "phone": "12345"}),
            422,
            "invalid_phone",
        ),
        (json!({"name": ""}), 422, "invalid_name"),
        (
            json!({"name": "王买家", "share": "一半"}),
            422,
            "invalid_share",
        ),
        (
            json!({"name": "王买家", "share": "0"}),
            422,
            "invalid_share",
        ),
        (
            json!({"developer": true, "share": "50"}),
            422,
            "invalid_share",
        ),
    ] {
        let r = sw
            .json(
                "PUT",
                &format!("/api/v1/households/{a}/owner"),
                body.clone(),
            )
            .await;
        assert_eq!(
            (r.status, code(&r).as_str()),
            (status, code_),
            "{body}: {}",
            r.body
        );
    }
    let after = sw.get(&format!("/api/v1/households/{a}")).await.json();
    assert_eq!(before["owner"], after["owner"], "refusals change nothing");

    // A sale through the page: the new owner, the day, the old owner kept in the history.
    let mut page = app.login("13800000004").await;
    let unit_page = page.get(&format!("/households/{b}")).await.body;
    assert!(
        unit_page.contains("林业主") && unit_page.contains("名下单元数 2"),
        "{unit_page}"
    );
    assert!(
        unit_page.contains(&format!("value=\"{key}\"")),
        "the owner is offered to pick"
    );
    let r = page
        .post_form(
            &format!("/households/{a}/owner"),
            &[("who", "new"), ("name", "王买家"), ("date", "2027-03-01")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let body = page.get(r.location()).await.body;
    assert!(body.contains("林业主 → 王买家 (2027-03-01)"), "{body}");
    // A co-owned unit: the owner's share is kept, shown and in the history.
    let r = page
        .post_form(
            &format!("/households/{a}/owner"),
            &[("who", "new"), ("name", "赵共有"), ("share", "50%")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let body = page.get(r.location()).await.body;
    assert!(body.contains("产权份额 50%"), "{body}");
    assert!(body.contains("王买家 → 赵共有 · 50%"), "{body}");
    let r = sw.get(&format!("/api/v1/households/{a}")).await.json();
    assert_eq!(r["owner"]["share_bp"], 5000, "{r}");
    let r = page
        .post_form(
            &format!("/households/{a}/owner"),
            &[("who", "new"), ("name", "王买家"), ("date", "明天")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("role=\"alert\""));
    let b_owner = sw.get(&format!("/api/v1/households/{b}")).await.json();
    assert_eq!(
        b_owner["owner"]["units"], 1,
        "the other unit stays the first owner's"
    );
    let mut resident = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    let r = resident
        .json(
            "PUT",
            &format!("/api/v1/households/{a}/owner"),
            json!({"name": "我"}),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// Two officers move buildings across the same two compounds at the same moment, each
/// the other way: both moves land, every round, with no deadlock reported to either
/// (each move locks the node and both parents in one order).
async fn crossing_moves_at_once_both_land(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut a = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let mut b = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let add = async |c: &mut linli_testkit::Client, parent: i64, kind: &str, name: &str| {
        let r = c
            .json(
                "POST",
                &format!("/api/v1/regions/{parent}/children"),
                json!({"kind": kind, "name": name}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().unwrap()
    };
    let p = add(&mut a, community, "compound", "交叉甲苑").await;
    let q = add(&mut a, community, "compound", "交叉乙苑").await;
    let b1 = add(&mut a, p, "building", "甲1栋").await;
    let b2 = add(&mut a, q, "building", "乙1栋").await;
    for round in 0..40 {
        // Even rounds: b1 P→Q while b2 Q→P; odd rounds back again.
        let (to1, to2) = if round % 2 == 0 { (q, p) } else { (p, q) };
        let (m1, m2) = (
            format!("/api/v1/regions/{b1}/move"),
            format!("/api/v1/regions/{b2}/move"),
        );
        let (r1, r2) = tokio::join!(
            a.json("POST", &m1, json!({"parent_id": to1})),
            b.json("POST", &m2, json!({"parent_id": to2})),
        );
        assert_eq!(r1.status, 200, "round {round}: {}", r1.body);
        assert_eq!(r2.status, 200, "round {round}: {}", r2.body);
        assert_eq!(r1.json()["parent_id"], to1);
        assert_eq!(r2.json()["parent_id"], to2);
    }
}

on_both_databases!(
    crossing_moves_at_once_both_land,
    an_owner_of_several_units_is_one_owner_and_a_sale_keeps_history,
    a_building_prints_one_invitation_slip_per_household,
    units_are_kept_with_their_history,
    a_residents_committee_sets_up_a_compound_and_its_buildings,
    officers_shape_only_what_lies_below_their_node,
    a_moved_building_takes_everything_below_it_and_retiring_keeps_history,
);
