//! Browser test in headless Chromium (Debian's `chromium` + `chromedriver`): a building
//! representative prints an invitation code; a neighbour registers with it on a phone-
//! sized screen, switches on elderly mode and sees their building page; an issue goes
//! from raised through support, a sitting's vote and an action item to done; a resident
//! searches from the header box in elderly mode and opens a result. Screenshots
//! go to `target/screenshots/`.

use fantoccini::{ClientBuilder, Locator};
use linli_testkit::{Backend, TestApp};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BUILDING_REP: &str = "13800000005";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a port it picks itself (`--port=0`) and reads the port from the
/// line it prints once it listens, so no other process can take the port in between.
/// Missing Chromium is a failure, not a skip: `.ci/run` installs it.
async fn start_driver() -> (Driver, u16) {
    use std::io::BufRead;
    let mut child =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
    let stdout = child.stdout.take().expect("chromedriver's output");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            // "ChromeDriver was started successfully on port 34543."
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port: u16 = rest.trim_end_matches('.').trim().parse().unwrap_or(0);
                let _ = tx.send(port);
            }
        }
    });
    let port = tokio::task::spawn_blocking(move || rx.recv_timeout(wait_limit()))
        .await
        .unwrap()
        .expect("chromedriver said which port it listens on");
    (Driver(child), port)
}

/// How long a condition may take to hold before a browser test fails: generous, because the
/// machine is shared (2 cores, often compiling); waits end as soon as the condition holds.
fn wait_limit() -> Duration {
    std::env::var("LINLI_BROWSER_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

async fn browser(port: u16, profile: &std::path::Path) -> fantoccini::Client {
    chromium(port, profile, true).await
}

/// A Chromium with JavaScript switched off, as some users have it.
async fn browser_without_javascript(port: u16, profile: &std::path::Path) -> fantoccini::Client {
    chromium(port, profile, false).await
}

async fn chromium(port: u16, profile: &std::path::Path, javascript: bool) -> fantoccini::Client {
    let mut prefs = serde_json::json!({"intl.accept_languages": "zh-CN,zh"});
    if !javascript {
        prefs["profile.managed_default_content_settings.javascript"] = 2.into();
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=400,860", "--lang=zh-CN",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": prefs
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("start a Chromium session")
}

fn shot_dir() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn shot(b: &fantoccini::Client, name: &str) {
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(shot_dir().join(name), png).unwrap();
}

async fn fill(b: &fantoccini::Client, css: &str, value: &str) {
    let e = b
        .wait()
        .at_most(wait_limit())
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.ok();
    e.send_keys(value).await.unwrap();
}

async fn click(b: &fantoccini::Client, css: &str) {
    b.wait()
        .at_most(wait_limit())
        .at_most(wait_limit())
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_for_text(b: &fantoccini::Client, text: &str) -> String {
    let deadline = std::time::Instant::now() + wait_limit();
    while std::time::Instant::now() < deadline {
        let src = b.source().await.unwrap();
        if src.contains(text) {
            return src;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {text:?}: {}", b.source().await.unwrap());
}

async fn login(b: &fantoccini::Client, app: &TestApp, phone: &str, password: &str) {
    b.goto(&app.url("/login")).await.unwrap();
    fill(b, "input[name=phone]", phone).await;
    fill(b, "input[name=password]", password).await;
    click(b, "form.form button[type=submit]").await;
    wait_for_text(b, "我的家").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_neighbour_registers_with_an_invitation_switches_to_elderly_mode_and_sees_the_building() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-{}", std::process::id()));

    // A wrong password is refused in words on the page with JavaScript on (htmx swaps a
    // refusal like any page), and the number typed stays in its field.
    let rep = browser(port, &profile.join("rep")).await;
    rep.goto(&app.url("/login")).await.unwrap();
    fill(&rep, "#login-password input[name=phone]", BUILDING_REP).await;
    fill(
        &rep,
        "#login-password input[name=password]",
        "wrong-password",
    )
    .await;
    click(&rep, "#login-password button[type=submit]").await;
    wait_for_text(&rep, "手机号或密码不对").await;
    let kept = rep
        .find(Locator::Css("#login-password input[name=phone]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(BUILDING_REP));
    // The building representative opens their building and prints an invitation.
    login(&rep, &app, BUILDING_REP, linli_testkit::DEMO_PASSWORD).await;
    click(&rep, "ul.places a.tile").await;
    rep.wait()
        .at_most(wait_limit())
        .for_element(Locator::Css("#households"))
        .await
        .unwrap();
    shot(&rep, "building-rep.png").await;
    let invite_links = rep
        .find_all(Locator::Css("#households a[href$='/invitations']"))
        .await
        .unwrap();
    invite_links
        .last()
        .expect("the representative may invite")
        .click()
        .await
        .unwrap();
    click(&rep, "form.form button[type=submit]").await;
    wait_for_text(&rep, "入户邀请").await;
    let code = rep
        .find(Locator::Css("#invite-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 9, "code like K7QF-3MWA: {code}");
    assert!(
        rep.find(Locator::Css(".qr svg")).await.is_ok(),
        "the sheet has a QR code"
    );
    shot(&rep, "invitation-sheet.png").await;
    rep.close().await.ok();

    // The neighbour follows the QR code's link on a phone.
    let b = browser(port, &profile.join("neighbour")).await;
    b.goto(&app.url(&format!("/join?code={code}")))
        .await
        .unwrap();
    wait_for_text(&b, "获取验证码").await;
    fill(&b, "#send-code input[name=phone]", "13987654321").await;
    click(&b, "#send-code button").await;
    wait_for_text(&b, "验证码已发送").await;
    let sms = app.sms.last_code("13987654321").expect("SMS code sent");
    fill(&b, "#register input[name=code]", &sms).await;
    fill(&b, "#register input[name=name]", "林小雨").await;
    fill(&b, "#register input[name=password]", "garden-2026").await;
    let prefilled = b
        .find(Locator::Css("#register input[name=invite]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        prefilled.as_deref(),
        Some(code.as_str()),
        "the invitation code came along from the QR link"
    );
    shot(&b, "register.png").await;
    click(&b, "#register button[type=submit]").await;
    let home = wait_for_text(&b, "我的家").await;
    assert!(
        home.contains("林小雨") && home.contains("1号楼"),
        "home shows the new household"
    );

    // Elderly mode: one switch on the home page, large text and large controls.
    click(&b, ".elderly-switch button").await;
    wait_for_text(&b, "关闭长辈版").await;
    let class = b
        .execute("return document.documentElement.className", vec![])
        .await
        .unwrap();
    assert_eq!(class, "elderly");
    let font = b
        .execute(
            "return parseFloat(getComputedStyle(document.body).fontSize)",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(font >= 18.0, "body text is {font}px in elderly mode");
    let button_h = b
        .execute("return document.querySelector('.elderly-switch button').getBoundingClientRect().height", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(button_h >= 60.0, "main controls are {button_h}px high");
    shot(&b, "home-elderly.png").await;

    // The building page, still in elderly mode.
    click(&b, "ul.places a.tile").await;
    b.wait()
        .at_most(wait_limit())
        .for_element(Locator::Css("#households"))
        .await
        .unwrap();
    let page = b.source().await.unwrap();
    assert!(page.contains("郑强") && page.contains("class=\"elderly\""));
    shot(&b, "building-elderly.png").await;
    b.close().await.ok();

    // The residents' committee makes the newcomer a building representative, on the page.
    let officer = browser(port, &profile.join("officer")).await;
    login(&officer, &app, "13800000003", linli_testkit::DEMO_PASSWORD).await;
    // From the building's page to its roles page, where the building is the one picked.
    let building_id = page_building_id(&page);
    officer
        .goto(&app.url(&format!("/regions/{building_id}")))
        .await
        .unwrap();
    click(
        &officer,
        &format!("a[href='/admin/roles?region={building_id}']"),
    )
    .await;
    fill(&officer, "input[name=phone]", "13987654321").await;
    let picked = officer
        .execute(
            "return document.querySelector('select[name=region_id]').value",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(picked, serde_json::json!(building_id));
    officer
        .find(Locator::Css("select[name=role] option[value=building_rep]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&officer, "form.form button[type=submit]").await;
    let roles = wait_for_text(&officer, "林小雨").await;
    assert!(roles.contains("楼栋代表"));
    shot(&officer, "roles-admin.png").await;
    officer.goto(&app.url("/admin/audit")).await.unwrap();
    wait_for_text(&officer, "授予角色").await;
    shot(&officer, "audit-log.png").await;
    officer.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// The building's id from its page (the link to its roster or households fragment).
fn page_building_id(html: &str) -> String {
    let i = html.find("/regions/").expect("a region link");
    let rest = &html[i + "/regions/".len()..];
    let id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    id
}

/// The micro-grant flow on the pages: the reading club's leader applies, two committee
/// members approve, the fund's leader pays, the club's treasurer reports a receipt and
/// closes the grant; the public statement shows the money.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_club_applies_for_a_micro_grant_and_closes_it_with_receipts() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-grant-{}", std::process::id()));
    let community = app.region_id("翠竹园社区").await;
    let mut api = app
        .api_client("13800000007", linli_testkit::DEMO_PASSWORD)
        .await;
    let orgs = api
        .get(&format!(
            "/api/v1/regions/{community}/organizations?per_page=50"
        ))
        .await
        .json();
    let find = |name: &str| -> i64 {
        orgs["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (fund, club) = (find("翠竹社区基金"), find("翠竹园读书会"));
    let receipt = profile.join("receipt.png");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(
        &receipt,
        include_bytes!("../../../demo/src/receipts/print.png"),
    )
    .unwrap();

    let b = browser(port, &profile.join("b")).await;
    let switch_to = |phone: &'static str| {
        let (b, app) = (&b, &app);
        async move {
            b.delete_all_cookies().await.unwrap();
            login(b, app, phone, linli_testkit::DEMO_PASSWORD).await;
        }
    };

    switch_to("13800000008").await;
    b.goto(&app.url(&format!("/orgs/{fund}/grants")))
        .await
        .unwrap();
    fill(&b, "#apply-grant input[name=title]", "共读《乡土中国》").await;
    fill(
        &b,
        "#apply-grant textarea[name=purpose]",
        "每月一次共读，邀请老人讲村里的故事",
    )
    .await;
    fill(&b, "#apply-grant input[name=item1]", "购书 10 本").await;
    fill(&b, "#apply-grant input[name=amount1]", "560").await;
    fill(&b, "#apply-grant input[name=item2]", "茶点").await;
    fill(&b, "#apply-grant input[name=amount2]", "240").await;
    shot(&b, "grant-apply.png").await;
    click(&b, "#apply-grant button[type=submit]").await;
    wait_for_text(&b, "管委会表决").await;
    let url = b.current_url().await.unwrap();
    let grant = url.path().to_string();
    assert!(grant.starts_with("/grants/"), "{url}");

    for member in ["13800000003", "13800000004"] {
        switch_to(member).await;
        b.goto(&app.url(&grant)).await.unwrap();
        click(&b, "#vote-form button[value='1']").await;
        wait_for_text(&b, "您已表决").await;
    }
    assert!(b.source().await.unwrap().contains("已批准"));

    switch_to("13800000012").await;
    b.goto(&app.url(&grant)).await.unwrap();
    click(&b, "#disburse-form button").await;
    wait_for_text(&b, "¥800.00</b><span>已拨付").await;

    switch_to("13800000005").await;
    b.goto(&app.url(&grant)).await.unwrap();
    fill(&b, "#report-form input[name=item]", "购书 10 本").await;
    fill(&b, "#report-form input[name=amount]", "560").await;
    let file = b
        .find(Locator::Css("#report-form input[type=file]"))
        .await
        .unwrap();
    file.send_keys(&receipt.to_string_lossy()).await.unwrap();
    click(&b, "#report-form button").await;
    wait_for_text(&b, "¥560.00</b><span>已报告支出").await;
    click(&b, "#close-form button").await;
    let page = wait_for_text(&b, "¥240.00</b><span>已退回").await;
    for step in [
        "提交申请",
        "投票同意",
        "批准",
        "拨付",
        "报告支出",
        "退回结余",
        "结项",
    ] {
        assert!(page.contains(step), "the timeline shows {step}");
    }
    shot(&b, "grant-closed.png").await;

    b.goto(&app.url(&format!("/orgs/{club}/statement")))
        .await
        .unwrap();
    let statement = wait_for_text(&b, "资助收入").await;
    assert!(statement.contains("<ul class=\"bars\""));
    shot(&b, "statement.png").await;
    b.goto(&app.url(&format!("/orgs/{club}/ledger")))
        .await
        .unwrap();
    wait_for_text(&b, "小额资金 #").await;
    shot(&b, "ledger.png").await;
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// A club from proposal to a settled activity, on the pages: a resident proposes a club,
/// a neighbour joins, the founder publishes an activity with an AA fee, the neighbour
/// signs up and checks in through the door code's link, the founder records the fee,
/// enters the cost with a receipt and settles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_club_is_proposed_joined_and_its_activity_settled() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-club-{}", std::process::id()));
    std::fs::create_dir_all(&profile).unwrap();
    let receipt = profile.join("receipt.png");
    std::fs::write(
        &receipt,
        include_bytes!("../../../demo/src/receipts/print.png"),
    )
    .unwrap();
    let community = app.region_id("翠竹园社区").await;
    let b = browser(port, &profile.join("b")).await;
    let switch_to = |phone: &'static str| {
        let (b, app) = (&b, &app);
        async move {
            b.delete_all_cookies().await.unwrap();
            login(b, app, phone, linli_testkit::DEMO_PASSWORD).await;
        }
    };

    // 陈晓 proposes a walking club: she is its responsible leader.
    switch_to("13800000007").await;
    b.goto(&app.url(&format!("/regions/{community}/orgs/new")))
        .await
        .unwrap();
    fill(&b, "input[name=name]", "晚饭后散步队").await;
    fill(&b, "textarea[name=intro]", "每天晚饭后绕小区走两圈").await;
    click(&b, "form.form button[type=submit]").await;
    wait_for_text(&b, "id=\"club-stage\"").await;
    let club = b.current_url().await.unwrap().path().to_string();

    // 郑强 joins.
    switch_to("13800000005").await;
    b.goto(&app.url(&club)).await.unwrap();
    click(&b, &format!("form[action='{club}/join'] button")).await;
    wait_for_text(&b, "您是：").await;

    // The founder publishes an activity: 60 yuan of costs, 5% surplus, 3 places.
    switch_to("13800000007").await;
    b.goto(&app.url(&format!("{club}/activities")))
        .await
        .unwrap();
    fill(&b, "#new-activity input[name=title]", "第一次夜走").await;
    fill(&b, "#new-activity input[name=place]", "小区东门").await;
    // A start in the past is refused in words above the form, and what was typed stays.
    let yesterday = local_day(-1).format("%Y-%m-%dT%H:%M").to_string();
    set_value(&b, "#new-activity input[name=starts_at]", &yesterday).await;
    fill(&b, "#new-activity input[name=capacity]", "3").await;
    click(&b, "#new-activity button[type=submit]").await;
    refused_above_form(&b, "#new-activity", "开始时间要在以后").await;
    assert_eq!(
        field_value(&b, "#new-activity input[name=title]").await,
        "第一次夜走"
    );
    assert_eq!(path(&b).await, format!("{club}/activities"));
    let start = (linli_testkit::now() + chrono::Duration::hours(8 + 2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    b.execute(
        "document.querySelector('#new-activity input[name=starts_at]').value = arguments[0]",
        vec![serde_json::json!(start)],
    )
    .await
    .unwrap();
    fill(&b, "#new-activity input[name=capacity]", "3").await;
    fill(&b, "#new-activity input[name=cancel_hours]", "1").await;
    fill(&b, "#new-activity input[name=planned_cost]", "60").await;
    click(&b, "#new-activity button[type=submit]").await;
    let page = wait_for_text(&b, "fee-arithmetic").await;
    assert!(page.contains("¥60.00 × (1 + 5.0%) ÷ 3 = ¥21.00"));
    let activity = b.current_url().await.unwrap().path().to_string();
    let code = page.split("checkin?code=").nth(1).unwrap()[..8].to_string();
    shot(&b, "activity-organizer.png").await;

    // 郑强 signs up and checks in through the QR code's link at the door.
    switch_to("13800000005").await;
    b.goto(&app.url(&activity)).await.unwrap();
    click(&b, "#my-signup button").await;
    wait_for_text(&b, "您已报名成功").await;
    b.goto(&app.url(&format!("{activity}/checkin?code={code}")))
        .await
        .unwrap();
    click(&b, "form.form button").await;
    wait_for_text(&b, "✓ 已签到").await;
    shot(&b, "activity-checked-in.png").await;

    // The founder records the fee, enters the cost with its receipt and settles.
    switch_to("13800000007").await;
    b.goto(&app.url(&activity)).await.unwrap();
    click(&b, "form[action*='/paid/'] button").await;
    wait_for_text(&b, "¥21.00</td>").await;
    fill(&b, "#cost-form input[name=item]", "荧光手环").await;
    fill(&b, "#cost-form input[name=amount]", "15").await;
    b.find(Locator::Css("#cost-form input[type=file]"))
        .await
        .unwrap()
        .send_keys(&receipt.to_string_lossy())
        .await
        .unwrap();
    click(&b, "#cost-form button").await;
    wait_for_text(&b, "荧光手环").await;
    // The activity has to have taken place before it is settled.
    let id: i64 = activity.trim_start_matches("/activities/").parse().unwrap();
    app.exec(&format!(
        "UPDATE activities SET starts_at = starts_at - 86400000 WHERE id = {id}"
    ))
    .await;
    click(&b, "#settle-form button").await;
    let settled = wait_for_text(&b, "已结算").await;
    assert!(settled.contains("已收 AA 费 ¥21.00") && settled.contains("结余归组织 ¥6.00"));
    shot(&b, "activity-settled.png").await;
    b.goto(&app.url(&format!("/regions/{community}/growth")))
        .await
        .unwrap();
    wait_for_text(&b, "个自组织").await;
    // The chart's numbers are there as text too: twelve months, three clubs a year ago,
    // and each column's total over its bar equals its row in the table.
    let rows = b
        .execute(
            "return [...document.querySelectorAll('table.list tbody tr')]
                .map(r => [...r.cells].slice(1).map(c => Number(c.textContent)))",
            vec![],
        )
        .await
        .unwrap();
    let rows: Vec<Vec<i64>> = serde_json::from_value(rows).unwrap();
    assert_eq!(rows.len(), 12);
    assert_eq!(
        rows[0],
        vec![0, 0, 3, 0, 0, 0],
        "three active clubs a year ago"
    );
    assert_eq!(rows[10], vec![0, 5, 24, 0, 2, 0], "last month");
    let totals = b
        .execute(
            "return [...document.querySelectorAll('ul.bars.stacked li b.num')]
                .map(t => Number(t.textContent))",
            vec![],
        )
        .await
        .unwrap();
    let totals: Vec<i64> = serde_json::from_value(totals).unwrap();
    let sums: Vec<i64> = rows.iter().map(|r| r.iter().sum()).collect();
    assert_eq!(totals, sums);
    // Colour is never the only signal: each stage has its own pattern, in the bars and in
    // the legend beside its name.
    let patterns = b
        .execute(
            "return [...document.querySelectorAll('.legend .swatch')].map(s => getComputedStyle(s).backgroundImage)",
            vec![],
        )
        .await
        .unwrap();
    let patterns: Vec<String> = serde_json::from_value(patterns).unwrap();
    let distinct: std::collections::BTreeSet<_> = patterns.iter().collect();
    assert_eq!((patterns.len(), distinct.len()), (6, 6), "{patterns:?}");
    // On the phone-sized window each month is a card whose figures carry their labels.
    let labels = b
        .execute(
            "return [...document.querySelectorAll('table.cards tbody tr:first-child td')]
                .map(td => getComputedStyle(td, '::before').content)",
            vec![],
        )
        .await
        .unwrap();
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert_eq!(labels.len(), 7);
    assert!(
        labels.iter().all(|l| l.len() > 2 && l != "none"),
        "every figure has its label: {labels:?}"
    );
    shot(&b, "growth.png").await;
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// Waits until the form `form_css` shows `message` in its refusal box above its fields
/// (JavaScript on: the page is not replaced, so the form and its input stay).
async fn refused_above_form(b: &fantoccini::Client, form_css: &str, message: &str) {
    let css = format!("{form_css} > .form-refusal");
    let deadline = std::time::Instant::now() + wait_limit();
    loop {
        if let Ok(e) = b.find(Locator::Css(&css)).await
            && e.text().await.unwrap_or_default().contains(message)
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{form_css} never showed {message:?} above its fields: {}",
            b.source().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn field_value(b: &fantoccini::Client, css: &str) -> String {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The vote form's refusal, with JavaScript on and off: the residents' committee asks for a vote
/// of a body without naming the body. With JavaScript the message appears above the
/// form's fields and the title typed stays; without it the refusal page says what is
/// wrong and how to get back, and Back returns to the form as it was filled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_vote_form_says_why_and_keeps_what_was_typed_with_and_without_javascript() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-vote-{}", std::process::id()));
    let community = app.region_id("翠竹园社区").await;
    let votes = format!("/regions/{community}/votes");
    for js in [true, false] {
        let b = if js {
            browser(port, &profile.join("js")).await
        } else {
            browser_without_javascript(port, &profile.join("nojs")).await
        };
        login(&b, &app, "13800000003", linli_testkit::DEMO_PASSWORD).await;
        b.goto(&app.url(&votes)).await.unwrap();
        click(&b, "#new-vote > summary").await;
        fill(&b, "#new-vote input[name=title]", "楼道灯换成感应灯").await;
        select(&b, "#new-vote select[name=electorate] option[value=body]").await;
        click(&b, "#new-vote button.btn").await;
        if js {
            refused_above_form(&b, "#new-vote form", "请选择是哪个议事机构").await;
            assert_eq!(path(&b).await, votes, "the page was not replaced");
            shot(&b, "vote-form-refused.png").await;
        } else {
            let page = wait_for_text(&b, "请选择是哪个议事机构").await;
            assert!(page.contains("按浏览器的“返回”回到表单"), "{page}");
            b.back().await.unwrap();
            wait_for_text(&b, "id=\"new-vote\"").await;
        }
        assert_eq!(
            field_value(&b, "#new-vote input[name=title]").await,
            "楼道灯换成感应灯"
        );
        b.close().await.ok();
    }
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// The home page puts what is waiting first, readable in both modes: a vote to cast
/// (with its deadline) and an activity signed up for (when, where, the fee and how to pay
/// it). In elderly mode every waiting tile is a target of at least 60 × 60 px and its
/// text at least 18 px. Screenshots: `home.png`, `home-elderly.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_starts_with_what_is_waiting_in_both_modes() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let community = app.region_id("翠竹园社区").await;
    let mut committee = app
        .api_client("13800000003", linli_testkit::DEMO_PASSWORD)
        .await;
    let r = committee
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            serde_json::json!({"title": "周末开放活动室", "method": "majority",
                   "electorate": "residents", "region_id": community, "minutes_open": 600}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, activity) = app.reading_evening(2).await;
    let mut resident = app.login("13800000007").await;
    let r = resident.post_form(&format!("{activity}/signup"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-home-{}", std::process::id()));
    let b = browser(port, &profile.join("b")).await;
    login(&b, &app, "13800000007", linli_testkit::DEMO_PASSWORD).await;
    let page = wait_for_text(&b, "等您投票").await;
    assert!(page.contains("周末开放活动室") && page.contains("读书分享会"));
    let first = b
        .execute("return document.querySelector('main section').id", vec![])
        .await
        .unwrap();
    assert_eq!(
        first,
        serde_json::json!("waiting"),
        "what is waiting comes first"
    );
    shot(&b, "home.png").await;
    click(&b, ".elderly-switch button").await;
    wait_for_text(&b, "关闭长辈版").await;
    let small = b
        .execute(
            "return [...document.querySelectorAll('#waiting .tile')].flatMap(t => {
               const r = t.getBoundingClientRect(), out = [];
               if (r.width < 60 || r.height < 60) out.push('tile ' + r.width + 'x' + r.height);
               t.querySelectorAll('b, span').forEach(e => {
                 const px = parseFloat(getComputedStyle(e).fontSize);
                 if (px < 18) out.push(e.textContent.trim() + ' ' + px + 'px');
               });
               return out;
             })",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        small,
        serde_json::json!([]),
        "elderly-mode rules on the waiting list"
    );
    shot(&b, "home-elderly.png").await;
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// Opens the `<details>` around the form whose action ends with `action_end`.
async fn open_details(b: &fantoccini::Client, action_end: &str) {
    click(
        b,
        &format!("details:has(form[action$='{action_end}']) > summary"),
    )
    .await;
}

/// Sets an `<input>` the driver cannot type into reliably (date, datetime-local).
async fn set_value(b: &fantoccini::Client, css: &str, value: &str) {
    b.execute(
        "document.querySelector(arguments[0]).value = arguments[1]",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await
    .unwrap();
}

async fn select(b: &fantoccini::Client, css: &str) {
    b.wait()
        .at_most(wait_limit())
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn path(b: &fantoccini::Client) -> String {
    b.current_url().await.unwrap().path().to_string()
}

fn local_day(offset_days: i64) -> chrono::DateTime<chrono::Utc> {
    linli_testkit::now() + chrono::Duration::hours(8) + chrono::Duration::days(offset_days)
}

/// Issue 5 on the pages: a resident raises an issue, three neighbours support it onto the
/// agenda of the community's joint meeting; the chair schedules a sitting, puts it on
/// the agenda and opens it; members sign in, one moves a motion, another seconds, the
/// chair puts it to the vote, the members vote yes and the chair closes the vote; the
/// chair sets an action item whose owner marks it done; the accountability page shows
/// it and the author is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_is_raised_supported_decided_at_a_sitting_and_its_action_done() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-issue-{}", std::process::id()));
    let community = app.region_id("翠竹园社区").await;
    let b = browser(port, &profile.join("b")).await;
    let switch_to = |phone: &'static str| {
        let (b, app) = (&b, &app);
        async move {
            b.delete_all_cookies().await.unwrap();
            login(b, app, phone, linli_testkit::DEMO_PASSWORD).await;
        }
    };

    // The residents' committee sets up the joint meeting and seats its members.
    switch_to("13800000003").await;
    b.goto(&app.url(&format!("/regions/{community}/bodies")))
        .await
        .unwrap();
    open_details(&b, "/bodies").await;
    select(&b, "select[name=kind] option[value=joint_meeting]").await;
    fill(&b, "input[name=name]", "四方联席会议").await;
    fill(&b, "input[name=support_threshold]", "3").await;
    click(&b, "form[action$='/bodies'] button").await;
    wait_for_text(&b, "id=\"members\"").await;
    let body = path(&b).await;
    assert!(body.starts_with("/bodies/"), "{body}");
    let (start, end) = (
        local_day(-30).format("%Y-%m-%d").to_string(),
        local_day(335).format("%Y-%m-%d").to_string(),
    );
    for (phone, party, seat, name) in [
        ("13800000003", "residents_committee", "主任", "周红"),
        ("13800000009", "owners_committee", "业委会主任", "卫东"),
        ("13800000010", "property", "项目经理", "蒋涛"),
        ("13800000011", "social_org", "秘书", "沈芳"),
        ("13800000005", "resident", "居民代表", "郑强"),
    ] {
        open_details(&b, "/members").await;
        fill(&b, "form[action$='/members'] input[name=phone]", phone).await;
        select(
            &b,
            &format!("form[action$='/members'] select[name=party] option[value={party}]"),
        )
        .await;
        fill(&b, "form[action$='/members'] input[name=seat]", seat).await;
        set_value(
            &b,
            "form[action$='/members'] input[name=term_start]",
            &start,
        )
        .await;
        set_value(&b, "form[action$='/members'] input[name=term_end]", &end).await;
        click(&b, "form[action$='/members'] button").await;
        wait_for_text(&b, &format!("\">{name}</td>")).await;
    }

    // 陈晓 raises the issue on the community's issue list.
    switch_to("13800000007").await;
    b.goto(&app.url(&format!("/regions/{community}/issues")))
        .await
        .unwrap();
    fill(&b, "#raise-form input[name=title]", "东门加装无障碍坡道").await;
    fill(
        &b,
        "#raise-form textarea[name=text]",
        "东门只有台阶，推婴儿车和轮椅的邻居进出很难。",
    )
    .await;
    click(&b, "#raise-form button").await;
    wait_for_text(&b, "id=\"issue-status\"").await;
    let issue = path(&b).await;
    assert!(issue.starts_with("/issues/"), "{issue}");
    let issue_id: i64 = issue.trim_start_matches("/issues/").parse().unwrap();
    let page = b.source().await.unwrap();
    assert!(page.contains("征集支持中") && page.contains("四方联席会议"));

    // Three neighbours support it: it goes on the agenda.
    for phone in ["13800000005", "13800000006", "13800000008"] {
        switch_to(phone).await;
        b.goto(&app.url(&issue)).await.unwrap();
        click(&b, "form[action$='/support'] button").await;
        wait_for_text(&b, "您已支持这个议题").await;
    }
    let page = b.source().await.unwrap();
    assert!(page.contains(">3/3</b>"), "three of three supporters");
    assert!(
        page.contains("<span class=\"kind\" id=\"issue-status\">已列入议程</span>"),
        "on the agenda"
    );
    shot(&b, "issue-on-agenda.png").await;

    // The chair schedules a sitting, puts the issue on its agenda, opens it and signs in
    // those in the room.
    switch_to("13800000003").await;
    b.goto(&app.url(&body)).await.unwrap();
    open_details(&b, "/sittings").await;
    fill(
        &b,
        "form[action$='/sittings'] input[name=title]",
        "十二月联席会议",
    )
    .await;
    let starts = (linli_testkit::now() + chrono::Duration::hours(8 + 1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    set_value(
        &b,
        "form[action$='/sittings'] input[name=starts_at]",
        &starts,
    )
    .await;
    fill(
        &b,
        "form[action$='/sittings'] input[name=place]",
        "社区活动中心二楼",
    )
    .await;
    click(&b, "form[action$='/sittings'] button").await;
    wait_for_text(&b, "id=\"sitting-status\"").await;
    let sitting = path(&b).await;
    assert!(sitting.starts_with("/sittings/"), "{sitting}");
    click(&b, "form[action$='/agenda'] button").await;
    wait_for_text(&b, "东门加装无障碍坡道 <small>").await;
    click(&b, "form[action$='/open'] button").await;
    wait_for_text(&b, "id=\"sitting-status\">进行中").await;
    for (n, name) in ["周红", "蒋涛", "郑强"].iter().enumerate() {
        b.find(Locator::XPath(&format!(
            "//tr[td[starts-with(., '{name}')]]//form[contains(@action, '/attend')]//button"
        )))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .click()
        .await
        .unwrap();
        wait_for_text(&b, &format!("出席 {} / 在任成员 5", n + 1)).await;
    }

    // 沈芳 signs herself in and moves a motion; 卫东 signs in and seconds it.
    switch_to("13800000011").await;
    b.goto(&app.url(&sitting)).await.unwrap();
    click(&b, "form[action$='/attend'] button").await;
    wait_for_text(&b, "出席 4 / 在任成员 5").await;
    fill(
        &b,
        "form[action$='/motions'] textarea[name=text]",
        "在东门建一条无障碍坡道，由物业在一个月内完成。",
    )
    .await;
    click(&b, "form[action$='/motions'] button").await;
    wait_for_text(&b, "动议人：沈芳").await;
    switch_to("13800000009").await;
    b.goto(&app.url(&sitting)).await.unwrap();
    click(&b, "form[action$='/attend'] button").await;
    wait_for_text(&b, "出席 5 / 在任成员 5").await;
    click(&b, "form[action$='/second'] button").await;
    wait_for_text(&b, "附议人：卫东").await;

    // The chair puts it to the vote; three members vote yes; the chair closes the vote.
    switch_to("13800000003").await;
    b.goto(&app.url(&sitting)).await.unwrap();
    assert!(b.source().await.unwrap().contains("✓ 达到法定人数"));
    shot(&b, "sitting.png").await;
    open_details(&b, "/vote").await;
    click(&b, "form[action$='/vote'] button").await;
    wait_for_text(&b, "id=\"my-ballot\"").await;
    let vote = path(&b).await;
    assert!(vote.starts_with("/votes/"), "{vote}");
    for phone in ["13800000003", "13800000009", "13800000010"] {
        if phone != "13800000003" {
            switch_to(phone).await;
            b.goto(&app.url(&vote)).await.unwrap();
        }
        click(&b, "form[action$='/ballot'] button[value=yes]").await;
        // One more step names the matter and the choice before the ballot is cast.
        let confirm = wait_for_text(&b, "id=\"confirm-ballot\"").await;
        assert!(confirm.contains("id=\"confirm-choice\">赞成"), "{confirm}");
        if phone == "13800000003" {
            shot(&b, "vote-confirm.png").await;
        }
        click(&b, "#confirm-button").await;
        let voted = wait_for_text(&b, "✓ 已投票").await;
        assert!(
            voted.contains("您投了：赞成"),
            "the page says what was voted"
        );
    }
    switch_to("13800000003").await;
    b.goto(&app.url(&vote)).await.unwrap();
    click(&b, &format!("form[action='{vote}/close'] button")).await;
    let page = wait_for_text(&b, "✓ 通过").await;
    assert!(page.contains("id=\"vote-status\">已结束"));
    shot(&b, "vote-result.png").await;
    b.goto(&app.url(&issue)).await.unwrap();
    wait_for_text(&b, "id=\"issue-status\">已形成决定").await;

    // The chair sets an action item; the property manager, its owner, marks it done.
    b.goto(&app.url(&format!("/regions/{community}/decisions")))
        .await
        .unwrap();
    let form = format!("/decisions/{issue_id}/actions");
    open_details(&b, &form).await;
    fill(
        &b,
        &format!("form[action='{form}'] input[name=title]"),
        "坡道施工",
    )
    .await;
    fill(
        &b,
        &format!("form[action='{form}'] input[name=owner_phone]"),
        "13800000010",
    )
    .await;
    set_value(
        &b,
        &format!("form[action='{form}'] input[name=due_on]"),
        &local_day(30).format("%Y-%m-%d").to_string(),
    )
    .await;
    click(&b, &format!("form[action='{form}'] button")).await;
    wait_for_text(&b, "坡道施工</a>").await;
    let action = b
        .find(Locator::Css(&format!(
            "#issue-{issue_id} a[href^='/actions/']"
        )))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // The owner follows the link (sent in their notification) to the item.
    switch_to("13800000010").await;
    b.goto(&app.url("/notifications")).await.unwrap();
    wait_for_text(&b, "您负责一项落实事项").await;
    click(&b, &format!("#notifications a[href='{action}']")).await;
    fill(
        &b,
        "form[action$='/progress'] textarea[name=note]",
        "坡道完工，已验收",
    )
    .await;
    fill(&b, "form[action$='/progress'] input[name=percent]", "100").await;
    click(&b, "form[action$='/progress'] input[name=done]").await;
    click(&b, "form[action$='/progress'] button").await;
    wait_for_text(&b, "坡道完工，已验收").await;
    let page = wait_for_text(&b, "id=\"progress\">100%").await;
    assert!(page.contains("已完成"));

    // The author sees the issue done, the accountability page, and is told.
    switch_to("13800000007").await;
    b.goto(&app.url(&issue)).await.unwrap();
    wait_for_text(&b, "id=\"issue-status\">已办结").await;
    b.goto(&app.url(&format!("/regions/{community}/decisions")))
        .await
        .unwrap();
    let page = wait_for_text(&b, &format!("id=\"issue-{issue_id}\"")).await;
    for text in [
        "东门加装无障碍坡道",
        "坡道施工",
        "蒋涛",
        "100% · 已完成",
        "已办结",
    ] {
        assert!(page.contains(text), "the accountability page shows {text}");
    }
    shot(&b, "accountability.png").await;
    b.goto(&app.url("/notifications")).await.unwrap();
    let page = wait_for_text(&b, "您关心的议题已办结：东门加装无障碍坡道").await;
    assert!(page.contains("您提出的议题已列入议程：东门加装无障碍坡道"));
    let colours = b
        .execute(
            "return [getComputedStyle(document.querySelector('#notice-link .kind')).color, \
                     getComputedStyle(document.querySelector('header.top')).backgroundColor]",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        colours[0], colours[1],
        "the unread count shows on the header bar"
    );
    shot(&b, "notifications.png").await;
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}

/// A resident types into the header's search box on a phone-sized screen, in elderly
/// mode, and opens a club found by a word of its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_searches_from_the_header_and_opens_a_result() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("linli-chromium-search-{}", std::process::id()));
    std::fs::create_dir_all(&profile).unwrap();
    let b = browser(port, &profile.join("b")).await;
    login(&b, &app, "13800000007", linli_testkit::DEMO_PASSWORD).await;
    click(&b, ".elderly-switch button").await;
    wait_for_text(&b, "关闭长辈版").await;
    let size = |css: &'static str, what: &'static str| {
        let b = &b;
        async move {
            b.execute(
                &format!("return document.querySelector('{css}').getBoundingClientRect().{what}"),
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap()
        }
    };
    let (input_h, button_h, button_w) = (
        size(".top-search input", "height").await,
        size(".top-search button", "height").await,
        size(".top-search button", "width").await,
    );
    assert!(
        input_h >= 60.0 && button_h >= 60.0 && button_w >= 60.0,
        "the search box is large in elderly mode: {input_h} {button_h}×{button_w}"
    );

    fill(&b, ".top-search input[name=q]", "广场舞").await;
    click(&b, ".top-search button").await;
    let page = wait_for_text(&b, "id=\"search-count\"").await;
    assert!(page.contains("<mark>广场舞</mark>队"), "{page}");
    let font = b
        .execute(
            "return parseFloat(getComputedStyle(document.querySelector('.search-hit .snippet')).fontSize)",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(font >= 18.0, "results read at {font}px in elderly mode");
    shot(&b, "search-elderly.png").await;
    click(&b, ".search-hit a").await;
    wait_for_text(&b, "id=\"club-stage\"").await;
    let path = b.current_url().await.unwrap().path().to_string();
    assert_eq!(path, format!("/orgs/{}", app.org_id("广场舞队").await));
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
}

/// The checks the tour walk makes on every page, in the page itself: every `<details>` is
/// opened (a form folded away is still a form), then it lists each control smaller than the
/// mode's rule (elderly 60 × 60 px, normal 44 × 44 px; a checkbox or radio counts with its
/// label), each text under 18 px in elderly mode (SVG text at the size it is drawn), each
/// catalogue key shown raw (a word `prefix.rest` whose prefix is a catalogue's), a page
/// that is a refusal, and a page wider than the screen.
const TOUR_CHECK: &str = r#"
const prefixes = new Set(arguments[0]);
const elderly = document.documentElement.classList.contains('elderly');
const min = elderly ? 60 : 44;
const out = [];
document.querySelectorAll('details').forEach(d => d.open = true);
const name = e => (e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '')
  + ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || e.name || '').trim().slice(0, 24) + '"');
const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !e.closest('[hidden], .visually-hidden, thead'); };
for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
  const t = e.matches('input[type=checkbox], input[type=radio]') ? (e.closest('label') || e) : e;
  if (!shown(t)) continue;
  const r = t.getBoundingClientRect();
  if (r.width < min - 0.5 || r.height < min - 0.5)
    out.push('control ' + name(e) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
}
if (elderly) {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || seen.has(p) || !n.textContent.trim() || p.closest('script, style, title, thead')) continue;
    seen.add(p);
    if (!shown(p) && !(p instanceof SVGElement)) continue;
    let px = parseFloat(getComputedStyle(p).fontSize);
    if (p instanceof SVGElement && p.ownerSVGElement) px *= p.ownerSVGElement.getScreenCTM().a;
    if (px < 17.95) out.push('text "' + n.textContent.trim().slice(0, 24) + '" ' + px.toFixed(1) + 'px');
  }
}
const words = document.body.innerText.match(/\b[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\b/g) || [];
for (const w of words) if (prefixes.has(w.split('.')[0])) out.push('raw key ' + w);
for (const e of document.querySelectorAll('.error, .ok, .kind'))
  if (getComputedStyle(e).display === 'inline' && parseFloat(getComputedStyle(e).paddingTop) > 0)
    out.push('badge drawn over its line ' + name(e));
if (document.querySelector('[data-refusal]')) out.push('refusal ' + document.querySelector('[data-refusal]').innerText.slice(0, 80));
if (document.documentElement.scrollWidth > window.innerWidth + 1)
  out.push('wider than the screen: ' + [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table.list:not(.cards), thead'))
    .slice(-1).map(e => name(e) + ' ends at ' + Math.round(e.getBoundingClientRect().right)).join());
return out;
"#;

/// The first segment of every catalogue key (`nav` of `nav.home`), read from the catalogues.
fn catalogue_prefixes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/locales");
    let mut out = std::collections::BTreeSet::new();
    for lang in std::fs::read_dir(dir).unwrap() {
        for file in std::fs::read_dir(lang.unwrap().path()).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                if let Some((key, _)) = line.split_once(" = ") {
                    if let Some((prefix, _)) = key.split_once('.') {
                        out.insert(prefix.trim().to_string());
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The README's tour on a 390 × 844 phone: every page of it, as the residents' committee
/// (who sees the staff forms) and as the building representative who keeps the reading
/// club's books, in normal and elderly mode, in Chinese and English. Any control or text
/// under its mode's size rule, any raw catalogue key, any refusal where a page should be
/// and any page wider than the phone fails the test, with the page and the element named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tour_meets_the_size_rules_in_both_modes_and_languages() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    linli_demo::seed_stories(&app.db).await.unwrap();
    let club = app.org_id("翠竹园读书会").await;
    let (mut leader, activity_path) = app.reading_evening(3).await;
    let r = leader
        .post_form(&format!("{activity_path}/share"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let token = app
        .strings("SELECT share_token FROM activities WHERE share_token IS NOT NULL")
        .await
        .remove(0);
    let shared = format!("/s/{token}");
    // A micro-grant application and a life meeting, which the demo does not seed, so their
    // pages are walked too.
    let fund = app.org_id("翠竹社区基金").await;
    let mut api = app
        .api_client("13800000008", linli_testkit::DEMO_PASSWORD)
        .await;
    let r = api
        .json(
            "POST",
            &format!("/api/v1/organizations/{fund}/grants"),
            serde_json::json!({"applicant_org_id": club, "title": "共读《乡土中国》", "purpose": "每月一次共读与分享",
                   "lines": [{"item": "购书", "amount_fen": 30000}, {"item": "场地", "amount_fen": 20000}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let grant = r.json()["id"].as_i64().unwrap();
    let mut worker = app.login("13800000004").await;
    let today = local_day(0).format("%Y-%m-%d").to_string();
    let r = worker
        .post_form(
            &format!("/regions/{}/meetings", app.region_id("翠竹园社区").await),
            &[("title", "十二月生活会"), ("held_on", &today)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let meeting = r.location().to_string();
    let one = |sql: &'static str| {
        let app = &app;
        async move {
            *app.i64s(sql)
                .await
                .first()
                .unwrap_or_else(|| panic!("the demo has {sql}"))
        }
    };
    let community = app.region_id("翠竹园社区").await;
    let building = one("SELECT id FROM regions WHERE kind = 'building' ORDER BY id").await;
    let compound = one("SELECT id FROM regions WHERE kind = 'compound' ORDER BY id").await;
    let household = one("SELECT id FROM households ORDER BY id").await;
    let activity = one("SELECT id FROM activities ORDER BY id DESC").await;
    let issue = one("SELECT id FROM issues ORDER BY id").await;
    let body = one("SELECT id FROM bodies ORDER BY id").await;
    let sitting = one("SELECT id FROM sittings ORDER BY id").await;
    let vote = one("SELECT id FROM votes ORDER BY id").await;
    let action = one("SELECT id FROM action_items ORDER BY id").await;
    // A checked sheet with two bad rows: the import report and its table of problems.
    let mut committee = app
        .api_client("13800000003", linli_testkit::DEMO_PASSWORD)
        .await;
    let r = committee
        .send(
            "POST",
            &format!("/api/v1/regions/{compound}/imports?filename=sheet.xlsx"),
            None,
            crate::imports::compound_sheet(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let import_report = format!("/imports/{}", r.json()["import"]["id"]);
    let committee_pages = vec![
        "/".to_string(),
        format!("/regions/{community}"),
        format!("/regions/{compound}"),
        format!("/regions/{building}"),
        format!("/regions/{community}/orgs"),
        format!("/regions/{community}/orgs/new"),
        format!("/regions/{building}/roster"),
        format!("/regions/{community}/growth"),
        format!("/regions/{community}/meetings"),
        format!("/regions/{community}/issues"),
        format!("/issues/{issue}"),
        format!("/regions/{community}/bodies"),
        format!("/bodies/{body}"),
        format!("/sittings/{sitting}"),
        format!("/regions/{community}/votes"),
        format!("/votes/{vote}"),
        format!("/votes/{vote}/paper"),
        format!("/regions/{community}/decisions"),
        format!("/actions/{action}"),
        format!("/orgs/{club}"),
        format!("/orgs/{club}/activities"),
        format!("/activities/{activity}"),
        format!("/orgs/{fund}/grants"),
        format!("/grants/{grant}"),
        meeting.clone(),
        "/admin/roles".to_string(),
        "/admin/audit".to_string(),
        "/notifications".to_string(),
        "/settings".to_string(),
        "/search?q=%E8%AF%BB%E4%B9%A6".to_string(),
        format!("/regions/{community}/setup"),
        format!("/regions/{building}/setup"),
        format!("/households/{household}"),
        format!("/regions/{compound}/import"),
        import_report.clone(),
    ];
    let treasurer_pages = vec![
        format!("/households/{household}/invitations"),
        format!("/regions/{building}/slips"),
        format!("/orgs/{club}/ledger"),
        format!("/orgs/{club}/statement"),
        format!("/orgs/{club}/claims"),
        format!("/orgs/{club}/donations"),
        format!("/orgs/{club}/ledger/verify"),
    ];
    let admin_pages = vec!["/admin/jobs".to_string()];
    let organizer_pages = vec![activity_path.clone(), format!("/orgs/{club}")];
    let walks = [
        ("13800000003", &committee_pages),
        (BUILDING_REP, &treasurer_pages),
        ("13800000000", &admin_pages),
        ("13800000008", &organizer_pages),
    ];
    // Each page answers 200 to its user first, so the walk never measures a refusal page.
    for (phone, pages) in walks {
        let mut c = app.login(phone).await;
        for p in pages {
            let r = c.get(p).await;
            assert_eq!(r.status, 200, "{phone} {p}: {}", r.body);
        }
    }

    let prefixes = serde_json::json!(catalogue_prefixes());
    let (_driver, port) = start_driver().await;
    let profile = std::env::temp_dir().join(format!("linli-chromium-tour-{}", std::process::id()));
    let b = browser(port, &profile.join("b")).await;
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&app.url("/login")).await.unwrap();
    let screen = b
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await
        .unwrap();
    assert_eq!(screen[0], 390, "the phone's width: {screen}");
    let mut problems = vec![];
    for (phone, pages) in walks {
        b.delete_all_cookies().await.unwrap();
        b.goto(&app.url("/login")).await.unwrap();
        for (elderly, english) in [(false, false), (true, false), (true, true), (false, true)] {
            set_prefs(&b, elderly, english).await;
            // The pages before logging in are walked once per combination.
            if phone == BUILDING_REP {
                for p in ["/login", "/register", shared.as_str()] {
                    tour_page(&b, &app, p, &prefixes, &mut problems).await;
                }
            }
            if b.find(Locator::Css("#notice-link")).await.is_err() {
                login_any_lang(&b, &app, phone).await;
            }
            for p in pages.iter() {
                tour_page(&b, &app, p, &prefixes, &mut problems).await;
            }
            if phone == BUILDING_REP && !english {
                let mode = if elderly { "-elderly" } else { "" };
                for (page, at, name) in [
                    ("ledger", ".txns", "ledger"),
                    ("statement", "ul.bars", "statement"),
                ] {
                    b.goto(&app.url(&format!("/orgs/{club}/{page}")))
                        .await
                        .unwrap();
                    b.execute(
                        &format!("document.querySelector('{at}').scrollIntoView()"),
                        vec![],
                    )
                    .await
                    .unwrap();
                    shot(&b, &format!("{name}{mode}.png")).await;
                }
            }
            if phone == "13800000003" && !english {
                let mode = if elderly { "-elderly" } else { "" };
                b.goto(&app.url(&format!("/regions/{community}/growth")))
                    .await
                    .unwrap();
                b.execute("document.querySelector('ul.bars').scrollIntoView()", vec![])
                    .await
                    .unwrap();
                shot(&b, &format!("growth{mode}.png")).await;
            }
        }
    }
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} size-rule, raw-key or refusal problems on the tour:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Logs in from the login page whatever the page's language.
async fn login_any_lang(b: &fantoccini::Client, app: &TestApp, phone: &str) {
    b.goto(&app.url("/login")).await.unwrap();
    fill(b, "input[name=phone]", phone).await;
    fill(b, "input[name=password]", linli_testkit::DEMO_PASSWORD).await;
    click(b, "form.form button[type=submit]").await;
    wait_for_text(b, "id=\"notice-link\"").await;
}

/// Switches mode and language with the page's own buttons (header and footer), until the
/// page says it is in the wanted ones.
async fn set_prefs(b: &fantoccini::Client, elderly: bool, english: bool) {
    for _ in 0..4 {
        let state = b
            .execute(
                "return [document.documentElement.classList.contains('elderly'), document.documentElement.lang.startsWith('en')]",
                vec![],
            )
            .await
            .unwrap();
        let (is_elderly, is_english) = (state[0].as_bool().unwrap(), state[1].as_bool().unwrap());
        if is_elderly != elderly {
            click(b, ".foot button[name=elderly]").await;
        } else if is_english != english {
            click(b, ".top button[name=lang]").await;
        } else {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("the page never switched to elderly={elderly} english={english}");
}

async fn tour_page(
    b: &fantoccini::Client,
    app: &TestApp,
    p: &str,
    prefixes: &serde_json::Value,
    problems: &mut Vec<String>,
) {
    b.goto(&app.url(p)).await.unwrap();
    let found = b.execute(TOUR_CHECK, vec![prefixes.clone()]).await.unwrap();
    let mode = b
        .execute(
            "return (document.documentElement.className + ' ' + document.documentElement.lang).trim()",
            vec![],
        )
        .await
        .unwrap();
    for f in found.as_array().unwrap() {
        problems.push(format!(
            "{p} [{}]: {}",
            mode.as_str().unwrap(),
            f.as_str().unwrap()
        ));
    }
}

/// A residents' committee imports a sheet of 3 buildings × 24 units with owners in the
/// browser: the dry run names the two bad rows; the valid rows are imported in the
/// background while the page shows its progress; one building's invitation slips are
/// printed and the PDF's QR codes open registration with a code; an owners' vote over the
/// compound counts the imported owners and areas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committee_imports_a_sheet_prints_slips_and_an_owners_vote_counts_the_owners() {
    let app = linli_testkit::spawn(Backend::Sqlite).await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("linli-chromium-import-{}", std::process::id()));
    std::fs::create_dir_all(&profile).unwrap();
    let community = app.region_id("翠竹园社区").await;
    let mut api = app
        .api_client("13800000003", linli_testkit::DEMO_PASSWORD)
        .await;
    let r = api
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/children"),
            serde_json::json!({"kind": "compound", "name": "新建苑"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let compound = r.json()["id"].as_i64().unwrap();
    let sheet = profile.join("新建苑名册.xlsx");
    std::fs::write(&sheet, crate::imports::compound_sheet()).unwrap();

    let b = browser(port, &profile.join("b")).await;
    login(&b, &app, "13800000003", linli_testkit::DEMO_PASSWORD).await;
    b.goto(&app.url(&format!("/regions/{compound}/setup")))
        .await
        .unwrap();
    click(&b, "#import-link").await;
    wait_for_text(&b, "第二步：上传并检查").await;
    shot(&b, "import-start.png").await;
    b.wait()
        .at_most(wait_limit())
        .for_element(Locator::Css("input[name=sheet]"))
        .await
        .unwrap()
        .send_keys(&sheet.display().to_string())
        .await
        .unwrap();
    click(&b, "#upload-sheet button[type=submit]").await;
    let report = wait_for_text(&b, "导入检查结果").await;
    assert!(report.contains("id=\"bad-rows\">2<"), "two bad rows");
    assert!(report.contains("一百平") && report.contains("12345"));
    b.execute(
        "document.querySelector('#problems').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    shot(&b, "import-report.png").await;
    click(&b, "#commit-valid button[type=submit]").await;
    wait_for_text(&b, "导入进度").await;
    shot(&b, "import-progress.png").await;
    // The server's worker is not running in tests: run it, and let the page refresh.
    app.on_clock(linli_app::jobs::run_due(&app.db, "browser-test", 10))
        .await
        .unwrap();
    let done = wait_for_text(&b, "导入完成").await;
    assert!(done.contains("id=\"done-units\">71<"), "71 units written");
    shot(&b, "import-done.png").await;

    // The slips of one imported building, printed from its page.
    let building = app
        .i64s(&format!(
            "SELECT id FROM regions WHERE parent_id = {compound} AND name = '1栋'"
        ))
        .await[0];
    b.goto(&app.url(&format!("/regions/{building}")))
        .await
        .unwrap();
    click(
        &b,
        &format!("form[action='/regions/{building}/invitations'] button"),
    )
    .await;
    let slips = wait_for_text(&b, "slips.pdf").await;
    assert_eq!(
        slips.matches("class=\"slip\"").count(),
        23,
        "one per unit: 24 less the bad row 5"
    );
    let mut c = app.login("13800000003").await;
    let pdf = c.get(&format!("/regions/{building}/slips.pdf")).await;
    assert_eq!(pdf.status, 200);
    let (text, urls) = crate::setup::read_pdf(&pdf.bytes);
    assert!(text.contains("1栋"), "{text}");
    assert_eq!(urls.len(), 8, "the first page's eight QR codes decode");
    assert!(urls.iter().all(|u| u.contains("/join?code=")), "{urls:?}");

    // An owners' vote over the compound: the imported owners and their areas.
    let r = api
        .json(
            "POST",
            &format!("/api/v1/regions/{compound}/votes"),
            serde_json::json!({"title": "增设电动车充电桩", "method": "owners", "electorate": "owners",
                   "region_id": compound, "minutes_open": 600}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let vote = r.json()["id"].as_i64().unwrap();
    // Paper ballots are printed one per owner; the buyer of two homes has one ballot.
    let pdf = c.get(&format!("/votes/{vote}/ballots.pdf")).await;
    assert_eq!(pdf.status, 200);
    let (text, urls) = crate::setup::read_pdf(&pdf.bytes);
    assert_eq!(
        text.matches("业主大会表决票").count(),
        70,
        "one ballot per owner"
    );
    assert!(text.contains("共 2 套"), "{text}");
    assert!(
        !urls.is_empty() && urls.iter().all(|u| u.ends_with(&format!("/votes/{vote}"))),
        "{urls:?}"
    );
    let roll = api
        .get(&format!("/api/v1/votes/{vote}/owners?limit=2"))
        .await
        .json();
    let code = roll[1]["ballot_code"].as_str().unwrap().to_string();
    // A teller enters a paper ballot by its printed number on the page; a mistyped
    // number is refused in words above the form, and a second teller's entry counts it.
    b.goto(&app.url(&format!("/votes/{vote}/paper")))
        .await
        .unwrap();
    let form = format!("form[action='/votes/{vote}/paper']");
    let digits: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
    let last = digits.chars().last().unwrap().to_digit(10).unwrap();
    let typo = format!("{}{}", &digits[..digits.len() - 1], (last + 1) % 10);
    fill(&b, &format!("{form} input[name=paper_no]"), &typo).await;
    click(&b, &format!("{form} button[value=yes]")).await;
    refused_above_form(&b, &form, "校验位对不上").await;
    fill(&b, &format!("{form} input[name=paper_no]"), &code).await;
    click(&b, &format!("{form} button[value=yes]")).await;
    wait_for_text(&b, "已录入一次").await;
    shot(&b, "owners-paper-entry.png").await;
    let mut sw = app
        .api_client("13800000004", linli_testkit::DEMO_PASSWORD)
        .await;
    let r = sw
        .json(
            "POST",
            &format!("/api/v1/votes/{vote}/paper"),
            serde_json::json!({"paper_no": code, "choice": "yes"}),
        )
        .await;
    assert_eq!(r.json()["outcome"], "counted", "{}", r.body);
    b.goto(&app.url(&format!("/votes/{vote}/owners")))
        .await
        .unwrap();
    wait_for_text(&b, &code).await;
    shot(&b, "owners-roll.png").await;
    let r = api
        .json(
            "POST",
            &format!("/api/v1/votes/{vote}/close"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = &r.json()["tally"]["art278"];
    assert_eq!(a["voting_owners"], 1, "{a}");
    // 70 homes (72 less the two bad rows) of 69 owners (one owns two) and the shop, which
    // is the developer's: 70 owners; each floor's areas were 80.5 + floor.
    assert_eq!(a["total_owners"], 70, "{a}");
    let area = app
        .i64s(&format!(
            "SELECT CAST(SUM(h.floor_area) AS BIGINT) FROM households h JOIN regions b ON b.id = h.region_id \
             WHERE b.parent_id = {compound}"
        ))
        .await[0];
    assert_eq!(a["total_area"], area);
    b.goto(&app.url(&format!("/votes/{vote}"))).await.unwrap();
    let page = wait_for_text(&b, "业主总数（开始表决时） 70").await;
    assert!(
        page.contains("按业主人数") && page.contains("1 人 · 1.42%"),
        "{page}"
    );
    shot(&b, "import-owners-vote.png").await;
    b.close().await.ok();
    let _ = std::fs::remove_dir_all(&profile);
    app.finish().await;
}
