//! A community loads its buildings, units, owners and residents from Excel (issue 15):
//! the template, the dry run (every bad row named by row and column, nothing written),
//! the two choices, the background writing and its progress, a re-import that updates
//! instead of adding twice, the export (full for officers, masked for a building's
//! representative, logged), on SQLite and PostgreSQL, through the pages and the API.

use linli_app::xlsx::{Cell, Writer};
use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const COMMITTEE: &str = "13800000003";
const BUILDING_REP: &str = "13800000005";
const RESIDENT: &str = "13800000007";

/// A sheet of 3 buildings × 24 units, each with an owner and a head of household; the
/// owner of 1栋 101 also owns 2栋 101 (the same name and phone); 3栋 商铺 is the
/// developer's; and two bad rows: an area in words (row 5) and a phone of five digits
/// (row 30).
pub fn compound_sheet() -> Vec<u8> {
    let header = [
        "楼栋",
        "房号",
        "面积",
        "用途",
        "业主",
        "业主电话",
        "开发商持有",
        "住户",
        "住户电话",
        "户主",
    ];
    let mut w = Writer::new(Vec::new(), "名册", &header).unwrap();
    let mut row = 1;
    for b in 1..=3 {
        for floor in 1..=12 {
            for door in 1..=2 {
                row += 1;
                let building = format!("{b}栋");
                let label = format!("{floor}0{door}");
                let area = if row == 5 {
                    "一百平".to_string()
                } else {
                    format!("{}.5", 80 + floor)
                };
                let (owner, phone) = if b == 2 && floor == 1 && door == 1 {
                    ("业主一一".to_string(), "13911000101".to_string())
                } else {
                    (
                        format!("业主{b}{floor}{door}"),
                        format!("139{b:02}{floor:03}{door:03}"),
                    )
                };
                let (owner, phone) = if b == 1 && floor == 1 && door == 1 {
                    ("业主一一".to_string(), "13911000101".to_string())
                } else {
                    (owner, phone)
                };
                let phone = if row == 30 {
                    "12345".to_string()
                } else {
                    phone
                };
                let resident = format!("住户{b}{floor}{door}");
                w.row(&[
                    Cell::Text(&building),
                    Cell::Text(&label),
                    Cell::Text(&area),
                    Cell::Text("住宅"),
                    Cell::Text(&owner),
                    Cell::Text(&phone),
                    Cell::Text("否"),
                    Cell::Text(&resident),
                    Cell::Empty,
                    Cell::Text("是"),
                ])
                .unwrap();
            }
        }
    }
    w.row(&[
        Cell::Text("3栋"),
        Cell::Text("商铺1"),
        Cell::Number(45.0),
        Cell::Text("商铺"),
        Cell::Empty,
        Cell::Empty,
        Cell::Text("是"),
    ])
    .unwrap();
    w.finish().unwrap()
}

async fn new_compound(app: &TestApp, name: &str) -> i64 {
    let community = app.region_id("翠竹园社区").await;
    let mut rc = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = rc
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/children"),
            json!({"kind": "compound", "name": name}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn units_under(app: &TestApp, compound: i64) -> i64 {
    app.count_where(
        "SELECT COUNT(*) FROM households h JOIN regions b ON b.id = h.region_id \
         WHERE CAST(b.parent_id AS TEXT) = $1",
        &compound.to_string(),
    )
    .await
}

async fn run_jobs(app: &TestApp) {
    app.on_clock(linli_app::jobs::run_due(&app.db, "test-worker", 10))
        .await
        .unwrap();
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The residents' committee imports a sheet on the pages: the dry run names the two bad
/// rows and writes nothing; "all or nothing" then refuses, saying why; "valid rows only"
/// writes the rest in the background, with its progress; the same sheet again changes
/// nothing and adds nothing.
async fn a_committee_imports_a_compound_from_a_sheet(app: &TestApp) {
    let compound = new_compound(app, "导入苑").await;
    let mut rc = app.login(COMMITTEE).await;
    let setup = rc.get(&format!("/regions/{compound}/setup")).await;
    assert!(setup.body.contains(&format!("/regions/{compound}/import")));
    let page = rc.get(&format!("/regions/{compound}/import")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("下载模板") && page.body.contains("楼栋"));
    let template = rc
        .get(&format!("/regions/{compound}/import/template.xlsx"))
        .await;
    assert_eq!(template.status, 200);
    assert_eq!(template.headers["content-type"], XLSX);
    let rows = linli_app::xlsx::read_first_sheet(&template.bytes).unwrap();
    assert_eq!(rows[0][0], "楼栋");

    let sheet = compound_sheet();
    let households = app.count("households").await;
    let r = rc
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "名册.xlsx", XLSX, &sheet)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let report_url = r.location().to_string();
    let report = rc.get(&report_url).await;
    assert_eq!(report.status, 200);
    assert!(
        report.body.contains("id=\"bad-rows\">2<"),
        "{}",
        report.body
    );
    assert!(
        report.body.contains("id=\"valid-units\">71<"),
        "72 units and a shop, less two bad rows"
    );
    assert!(report.body.contains("一百平") && report.body.contains("12345"));
    assert!(
        report.body.contains("<td>5</td><td>C 面积</td>"),
        "row 5, column C"
    );
    assert!(
        report.body.contains("<td>30</td><td>F 业主电话</td>"),
        "row 30, column F"
    );
    assert_eq!(
        app.count("households").await,
        households,
        "a dry run writes nothing"
    );
    assert_eq!(units_under(app, compound).await, 0);

    let commit = format!("{report_url}/commit");
    let r = rc.post_form(&commit, &[("mode", "all")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("全部导入"), "says why: {}", r.body);
    assert_eq!(
        app.count_where("SELECT COUNT(*) FROM jobs WHERE kind = $1", "import")
            .await,
        0,
        "and queued nothing"
    );
    assert_eq!(
        app.count("households").await,
        households,
        "all or nothing: nothing"
    );

    let r = rc.post_form(&commit, &[("mode", "valid")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let queued = rc.get(&report_url).await;
    assert!(
        queued.body.contains("<progress"),
        "a progress bar while it waits"
    );
    assert!(
        queued.body.contains("http-equiv=\"refresh\""),
        "which refreshes itself"
    );
    let again = rc.post_form(&commit, &[("mode", "valid")]).await;
    assert_eq!(again.status, 409, "a second click starts nothing");
    run_jobs(app).await;
    let done = rc.get(&report_url).await;
    assert!(done.body.contains("已导入"), "{}", done.body);
    assert!(!done.body.contains("http-equiv=\"refresh\""));
    assert!(done.body.contains("id=\"done-units\">71<"));
    assert_eq!(units_under(app, compound).await, 71);
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM regions WHERE kind = 'building' AND CAST(parent_id AS TEXT) = $1",
            &compound.to_string()
        )
        .await,
        3,
        "the three buildings were added"
    );
    // One buyer of two units is one owner; the shop is the developer's.
    assert_eq!(
        app.count_where(
            "SELECT COUNT(DISTINCT o.owner_key) FROM unit_owners o JOIN regions b ON b.id = o.region_id \
             WHERE o.owner_name = '业主一一' AND CAST(b.parent_id AS TEXT) = $1",
            &compound.to_string()
        )
        .await,
        1
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM unit_owners o JOIN regions b ON b.id = o.region_id \
             WHERE o.owner_name = '业主一一' AND CAST(b.parent_id AS TEXT) = $1",
            &compound.to_string()
        )
        .await,
        2
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM unit_owners o JOIN regions b ON b.id = o.region_id \
             WHERE o.developer AND CAST(b.parent_id AS TEXT) = $1",
            &compound.to_string()
        )
        .await,
        1
    );
    // Each unit's page tells where it came from.
    let unit = app
        .i64s(&format!(
            "SELECT h.id FROM households h JOIN regions b ON b.id = h.region_id \
             WHERE b.parent_id = {compound} AND h.unit_label = '102' AND b.name = '1栋'"
        ))
        .await[0];
    let unit_page = rc.get(&format!("/households/{unit}")).await;
    assert!(unit_page.body.contains("住户112"), "{}", unit_page.body);
    assert!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'units.import' AND CAST(region_id AS TEXT) = $1",
            &compound.to_string()
        )
        .await
            == 1
    );

    // The same sheet again: matched by building and label, nothing added twice.
    let people = app.count("residents").await;
    let r = rc
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "名册.xlsx", XLSX, &sheet)),
            true,
        )
        .await;
    let second = r.location().to_string();
    let r = rc
        .post_form(&format!("{second}/commit"), &[("mode", "valid")])
        .await;
    assert_eq!(r.status, 303);
    run_jobs(app).await;
    let done = rc.get(&second).await;
    assert!(done.body.contains("已导入"));
    assert_eq!(units_under(app, compound).await, 71);
    assert_eq!(app.count("residents").await, people, "nobody listed twice");
}

/// What is not a sheet, or not this sheet, is refused with the reason, and changes
/// nothing; those without the right to import are refused.
async fn bad_files_and_strangers_are_refused(app: &TestApp) {
    let compound = new_compound(app, "拒收苑").await;
    let mut rc = app.login(COMMITTEE).await;
    let imports = app.count("imports").await;
    let r = rc
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "名册.xlsx", XLSX, b"name,phone\n")),
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不是 Excel"), "{}", r.body);
    let r = rc
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "名册.csv", "text/csv", &compound_sheet())),
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.count("imports").await, imports);
    // A sheet with other columns: the report says which are missing, and nothing can
    // be imported from it.
    let mut w = Writer::new(Vec::new(), "x", &["姓名", "电话"]).unwrap();
    w.row(&[Cell::Text("张三"), Cell::Text("13800001111")])
        .unwrap();
    let wrong = w.finish().unwrap();
    let r = rc
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "x.xlsx", XLSX, &wrong)),
            true,
        )
        .await;
    assert_eq!(r.status, 303);
    let report = rc.get(r.location()).await;
    assert!(report.body.contains("缺少这一列"), "{}", report.body);
    assert!(report.body.contains("楼栋") && report.body.contains("面积"));
    let r = rc
        .post_form(&format!("{}/commit", r.location()), &[("mode", "valid")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("没有可以导入的行"));

    let mut resident = app.login(RESIDENT).await;
    assert_eq!(
        resident
            .get(&format!("/regions/{compound}/import"))
            .await
            .status,
        403
    );
    let r = resident
        .post_multipart(
            &format!("/regions/{compound}/import"),
            &[],
            Some(("sheet", "名册.xlsx", XLSX, &compound_sheet())),
            true,
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        resident
            .get(&format!("/regions/{compound}/units.xlsx"))
            .await
            .status,
        403
    );
}

/// The API: the dry run with the file as the body, the report, a bad mode, the commit
/// and its progress; then the export, full for the committee and masked for a building's
/// representative, each export logged.
async fn the_api_imports_and_the_list_exports(app: &TestApp) {
    let compound = new_compound(app, "接口苑").await;
    let mut api = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = api
        .send(
            "POST",
            &format!("/api/v1/regions/{compound}/imports?filename=%E5%90%8D%E5%86%8C.xlsx"),
            Some(XLSX),
            compound_sheet(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["import"]["status"], "checked");
    assert_eq!(v["import"]["bad_rows"], 2);
    assert_eq!(v["problems"][0]["row"], 5);
    assert_eq!(v["problems"][0]["column"], "C");
    assert_eq!(v["problems"][0]["code"], "invalid_area");
    let id = v["import"]["id"].as_i64().unwrap();
    let r = api
        .json(
            "POST",
            &format!("/api/v1/imports/{id}/commit"),
            json!({"mode": "most"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = api
        .json(
            "POST",
            &format!("/api/v1/imports/{id}/commit"),
            json!({"mode": "all"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "import_has_problems");
    let r = api
        .json(
            "POST",
            &format!("/api/v1/imports/{id}/commit"),
            json!({"mode": "valid"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["import"]["status"], "queued");
    run_jobs(app).await;
    let v = api.get(&format!("/api/v1/imports/{id}")).await.json();
    assert_eq!(v["import"]["status"], "done");
    assert_eq!(v["import"]["done_units"], 71);
    assert_eq!(v["written"]["units_added"], 71);
    assert_eq!(v["written"]["buildings_added"], 3);

    // The export, in the template's columns: one row per person, full for the committee.
    let r = api.get(&format!("/regions/{compound}/units.xlsx")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], XLSX);
    let rows = linli_app::xlsx::read_first_sheet(&r.bytes).unwrap();
    assert_eq!(rows[0][0], "楼栋");
    assert_eq!(rows.len(), 1 + 71);
    assert!(
        rows.iter().any(|r| r[5] == "13911000101"),
        "owner phones in full"
    );
    // Exported, edited nowhere and imported again: the same list, nothing twice.
    let r = api
        .send(
            "POST",
            &format!("/api/v1/regions/{compound}/imports?filename=again.xlsx"),
            Some(XLSX),
            r.bytes.clone(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["import"]["bad_rows"], 0, "{}", r.body);
    assert_eq!(r.json()["import"]["units"], 71);

    // A building's representative exports their own building, masked.
    let mut rep = app.api_client(BUILDING_REP, DEMO_PASSWORD).await;
    let building = rep.get("/api/v1/me").await.json()["household"]["building_id"]
        .as_i64()
        .unwrap();
    let r = rep.get(&format!("/regions/{building}/units.xlsx")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = linli_app::xlsx::read_first_sheet(&r.bytes).unwrap();
    assert!(rows.len() > 1);
    let phones: Vec<&String> = rows[1..]
        .iter()
        .map(|r| &r[8])
        .filter(|p| !p.is_empty())
        .collect();
    assert!(
        !phones.is_empty() && phones.iter().all(|p| p.contains("****")),
        "{phones:?}"
    );
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[7].is_empty() || r[7].contains('*'))
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'pii.export' AND detail LIKE $1",
            "%masked%"
        )
        .await,
        1
    );
}

/// A dry run nobody imports does not keep its units forever: a week on, the housekeeping
/// job drops them, the report still reads, and importing says why it cannot.
async fn a_dry_run_never_imported_is_dropped_after_a_week(app: &TestApp) {
    let compound = new_compound(app, "搁置苑").await;
    let mut api = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = api
        .send(
            "POST",
            &format!("/api/v1/regions/{compound}/imports?filename=a.xlsx"),
            Some(XLSX),
            compound_sheet(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["import"]["id"].as_i64().unwrap();
    let kept = || async {
        app.count_where(
            "SELECT COUNT(*) FROM imports WHERE payload IS NOT NULL AND CAST(id AS TEXT) = $1",
            &id.to_string(),
        )
        .await
    };
    assert_eq!(kept().await, 1);
    app.on_clock(linli_app::jobs::schedule_maintenance(&app.db))
        .await
        .unwrap();
    // Six days on, the housekeeping runs and keeps it; eight days on, it drops it.
    app.clock.advance(6 * 24 * 3600 * 1000);
    run_jobs(app).await;
    assert_eq!(kept().await, 1, "a week to decide");
    app.clock.advance(2 * 24 * 3600 * 1000);
    run_jobs(app).await;
    assert_eq!(kept().await, 0, "dropped after a week");
    let r = api.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["import"]["status"], "failed");
    assert_eq!(r.json()["problems"][0]["row"], 5, "the report still reads");
    let r = api
        .json(
            "POST",
            &format!("/api/v1/imports/{id}/commit"),
            json!({"mode": "valid"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "import_expired");
    assert_eq!(units_under(app, compound).await, 0);
    let mut page = app.login(COMMITTEE).await;
    let report = page.get(&format!("/imports/{id}")).await;
    assert!(report.body.contains("超过 7 天没有导入"), "{}", report.body);
}

on_both_databases!(
    a_committee_imports_a_compound_from_a_sheet,
    a_dry_run_never_imported_is_dropped_after_a_week,
    bad_files_and_strangers_are_refused,
    the_api_imports_and_the_list_exports,
);
