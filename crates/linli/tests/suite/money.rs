//! Money through HTTP on SQLite and PostgreSQL: postings, refusals that change nothing,
//! reversals, closed periods, vouchers, the public statement, tamper evidence, postings
//! under concurrency, reimbursements and donations.

use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::{Value, json};

const TREASURER: &str = "13800000005";
const LEADER: &str = "13800000008";
const MEMBER: &str = "13800000007";
const OUTSIDER: &str = "13800000015";
/// A real (1×1) PNG, as a phone photo of a receipt would be.
const PNG: &[u8] = include_bytes!("../../../demo/src/receipts/books_6.png");

/// The demo reading club (its treasurer is the building representative 郑强).
async fn club(app: &TestApp) -> i64 {
    app.org_id("翠竹园读书会").await
}

fn today() -> String {
    linli_store::clock::today().as_str().to_string()
}

fn balance(ledger: &Value, code: &str) -> i64 {
    ledger["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code)
        .unwrap()["balance"]
        .as_i64()
        .unwrap()
}

async fn upload(c: &mut linli_testkit::Client, org: i64) -> i64 {
    let r = c
        .send(
            "POST",
            &format!("/api/v1/organizations/{org}/vouchers?filename=receipt.png"),
            Some("image/png"),
            PNG.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn pair(debit: &str, credit: &str, fen: i64) -> Value {
    json!([{"account": debit, "debit_fen": fen}, {"account": credit, "credit_fen": fen}])
}

async fn a_treasurer_posts_and_the_public_statement_adds_up(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let month = &today()[..7];
    let before = t
        .get(&format!(
            "/api/v1/organizations/{org}/ledger/statement?month={month}"
        ))
        .await
        .json();
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "AA 费", "entries": pair("wallet", "income_fees", 5000)}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let voucher = upload(&mut t, org).await;
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "茶叶", "entries": pair("expense_food", "cash", 1234), "voucher_id": voucher}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let after = t
        .get(&format!(
            "/api/v1/organizations/{org}/ledger/statement?month={month}"
        ))
        .await
        .json();
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap();
    assert_eq!(n(&after, "total_income"), n(&before, "total_income") + 5000);
    assert_eq!(
        n(&after, "total_expense"),
        n(&before, "total_expense") + 1234
    );
    assert_eq!(
        n(&after, "closing_money"),
        n(&before, "closing_money") + 5000 - 1234
    );
    assert_eq!(
        n(&after, "closing_money") - n(&after, "opening_money"),
        n(&after, "total_income") - n(&after, "total_expense"),
        "money moved only through income and expenses this month"
    );

    // Any period: from the first of the month to today gives the same figures.
    let period = t
        .get(&format!(
            "/api/v1/organizations/{org}/ledger/statement?from={month}-01&to={}",
            today()
        ))
        .await
        .json();
    assert_eq!(period["total_income"], after["total_income"]);
    assert_eq!(period["closing_money"], after["closing_money"]);
    let r = t
        .get(&format!(
            "/api/v1/organizations/{org}/ledger/statement?from={}&to=2000-01-01",
            today()
        ))
        .await;
    assert_eq!(r.status, 422, "a period that ends before it starts");

    // Any resident of the community reads the statement page, with its chart; others do not.
    let mut member = app.login(MEMBER).await;
    let page = member
        .get(&format!("/orgs/{org}/statement?month={month}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<ul class=\"bars\"") && page.body.contains("餐饮支出"));
    let page = member
        .get(&format!(
            "/orgs/{org}/statement?from={month}-01&to={}",
            today()
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("{month}-01 — {}", today())),
        "the page shows the chosen period"
    );
    let mut outsider = app.login(OUTSIDER).await;
    assert_eq!(
        outsider.get(&format!("/orgs/{org}/statement")).await.status,
        403
    );
    assert_eq!(
        outsider.get(&format!("/vouchers/{voucher}")).await.status,
        403
    );
    let v = member.get(&format!("/vouchers/{voucher}")).await;
    assert_eq!(v.status, 200);
    assert_eq!(v.headers["content-type"], "image/png");
    assert_eq!(v.headers["x-content-type-options"], "nosniff");
}

async fn bad_postings_are_refused_with_a_reason_and_change_nothing(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let url = format!("/api/v1/organizations/{org}/ledger/transactions");
    let seq = |l: &Value| l["ledger"]["head_seq"].as_i64().unwrap();
    let ledger = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    let entries = app.count("ledger_entries").await;
    let vouchers = app.count("files").await;
    let post = |memo: &'static str, entries: Value| json!({"occurred_on": today(), "memo": memo, "entries": entries});
    let cases = [
        (
            post(
                "不平",
                json!([{"account": "cash", "debit_fen": 100}, {"account": "income_fees", "credit_fen": 99}]),
            ),
            "unbalanced",
        ),
        (
            post(
                "负数",
                json!([{"account": "cash", "debit_fen": -5}, {"account": "income_fees", "credit_fen": -5}]),
            ),
            "invalid_amount",
        ),
        (
            post(
                "小数",
                json!([{"account": "cash", "debit_fen": 12.5}, {"account": "income_fees", "credit_fen": 12.5}]),
            ),
            "invalid_amount",
        ),
        (
            post(
                "两边",
                json!([{"account": "cash", "debit_fen": 1, "credit_fen": 1}, {"account": "bank", "credit_fen": 1}]),
            ),
            "invalid_amount",
        ),
        (post("科目", pair("gold", "cash", 100)), "unknown_account"),
        (
            post("无凭证", pair("expense_food", "cash", 100)),
            "voucher_required",
        ),
        (
            json!({"occurred_on": "2026-02-30", "memo": "日期", "entries": pair("cash", "income_fees", 100)}),
            "invalid_date",
        ),
        (post("", pair("cash", "income_fees", 100)), "memo_required"),
        (post("同账户", pair("cash", "cash", 100)), "moves_nothing"),
        (
            post("控制字符\u{0}", pair("cash", "income_fees", 100)),
            "control_character",
        ),
    ];
    for (body, code) in cases {
        let r = t.json("POST", &url, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{body}");
    }
    // A closed period refuses postings dated in it.
    let r = t
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/ledger/close"),
            json!({"through": "2026-01-31"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t.json("POST", &url, json!({"occurred_on": "2026-01-15", "memo": "补记", "entries": pair("cash", "income_fees", 100)})).await;
    assert_eq!(r.json()["error"]["code"], "period_closed");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("结账")
    );
    let r = t
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/ledger/close"),
            json!({"through": "2025-12-31"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "close_backwards");
    // Members who do not keep the books post nothing; a voucher of another ledger is refused.
    let mut member = app.api_client(MEMBER, DEMO_PASSWORD).await;
    assert_eq!(
        member
            .json("POST", &url, post("越权", pair("cash", "income_fees", 100)))
            .await
            .status,
        403
    );
    let after = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(seq(&after), seq(&ledger), "nothing was posted");
    assert_eq!(app.count("ledger_entries").await, entries);
    assert_eq!(balance(&after, "cash"), balance(&ledger, "cash"));

    // The page form refuses a negative amount with the message on the page.
    let mut page = app.login(TREASURER).await;
    let r = page
        .post_multipart(
            &format!("/orgs/{org}/ledger"),
            &[
                ("occurred_on", &today()),
                ("memo", "x"),
                ("amount", "-5"),
                ("debit", "cash"),
                ("credit", "income_fees"),
            ],
            None,
            true,
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("金额不对"));
    let r = page
        .post_multipart(
            &format!("/orgs/{org}/ledger"),
            &[
                ("occurred_on", &today()),
                ("memo", "x"),
                ("amount", "5"),
                ("debit", "cash"),
                ("credit", "income_fees"),
            ],
            None,
            false,
        )
        .await;
    assert_eq!(
        r.status, 403,
        "an upload form without the CSRF token is refused"
    );
    let r = page
        .post_multipart(
            &format!("/orgs/{org}/ledger"),
            &[
                ("occurred_on", &today()),
                ("memo", "收据是网页"),
                ("amount", "5"),
                ("debit", "expense_food"),
                ("credit", "cash"),
            ],
            Some((
                "voucher",
                "x.png",
                "image/png",
                b"<html><script>alert(1)</script>",
            )),
            true,
        )
        .await;
    assert_eq!(
        r.status, 422,
        "a file that is not what it claims is refused"
    );
    assert_eq!(
        app.count("files").await,
        vouchers,
        "no orphan voucher was stored"
    );
}

async fn the_page_form_posts_an_expense_with_its_receipt(app: &TestApp) {
    let org = club(app).await;
    let mut page = app.login(TREASURER).await;
    let r = page
        .post_multipart(
            &format!("/orgs/{org}/ledger"),
            &[
                ("occurred_on", &today()),
                ("memo", "横幅制作"),
                ("amount", "88.50"),
                ("debit", "expense_materials"),
                ("credit", "cash"),
            ],
            Some(("voucher", "banner.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ledger = page.get(&format!("/orgs/{org}/ledger")).await;
    assert!(
        ledger.body.contains("横幅制作")
            && ledger.body.contains("88.50")
            && ledger.body.contains("查看凭证")
    );
}

async fn reversals_correct_without_erasing(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "会费", "entries": pair("wallet", "income_fees", 5000)}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let before = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "记错了", "entries": pair("cash", "income_other", 777)}))
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let r = t
        .json(
            "POST",
            &format!("/api/v1/transactions/{id}/reversal"),
            json!({"reason": "金额记错"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let reversal = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["kind"], "reversal");
    let after = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(
        balance(&after, "cash"),
        balance(&before, "cash"),
        "the balance is back"
    );
    assert_eq!(
        after["ledger"]["head_seq"].as_i64().unwrap(),
        before["ledger"]["head_seq"].as_i64().unwrap() + 2,
        "both stay in the ledger"
    );
    let r = t
        .json(
            "POST",
            &format!("/api/v1/transactions/{id}/reversal"),
            json!({"reason": "再来"}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = t
        .json(
            "POST",
            &format!("/api/v1/transactions/{reversal}/reversal"),
            json!({"reason": "再来"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "cannot_reverse_reversal");
    let v = t
        .get(&format!("/api/v1/organizations/{org}/ledger/verify"))
        .await
        .json();
    assert_eq!(v["ok"], true);
}

/// Editing any stored row — an amount, a memo, a date, an account, a balance, a hash —
/// is detected by the chain check, and undoing the edit makes the ledger whole again.
async fn editing_any_stored_row_is_detected(app: &TestApp) {
    let org = club(app).await;
    let mut reader = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let verify = format!("/api/v1/organizations/{org}/ledger/verify");
    assert_eq!(reader.get(&verify).await.json()["ok"], true);
    let ledger = reader
        .get(&format!("/api/v1/organizations/{org}/ledger?per_page=200"))
        .await
        .json();
    let txns = ledger["txns"].as_array().unwrap();
    let middle = &txns[txns.len() / 2];
    let (tid, seq) = (
        middle["id"].as_i64().unwrap(),
        middle["seq"].as_i64().unwrap(),
    );
    let lid = ledger["ledger"]["id"].as_i64().unwrap();
    let on = middle["occurred_on"].as_str().unwrap();
    let tampers: [(String, String, &str); 9] = [
        (
            format!(
                "UPDATE ledger_entries SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            format!(
                "UPDATE ledger_entries SET amount = amount - 1 WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            "unbalanced",
        ),
        (
            format!("UPDATE ledger_txns SET memo = memo || '改' WHERE id = {tid}"),
            format!(
                "UPDATE ledger_txns SET memo = SUBSTR(memo, 1, LENGTH(memo) - 1) WHERE id = {tid}"
            ),
            "hash",
        ),
        (
            format!(
                "UPDATE ledger_txns SET occurred_on = '2000-01-01', posted_at = posted_at + 1 WHERE id = {tid}"
            ),
            format!(
                "UPDATE ledger_txns SET occurred_on = '{}', posted_at = posted_at - 1 WHERE id = {tid}",
                middle["occurred_on"].as_str().unwrap()
            ),
            "copy",
        ),
        (
            format!("UPDATE ledger_txns SET hash = 'f' || hash WHERE id = {tid}"),
            format!("UPDATE ledger_txns SET hash = SUBSTR(hash, 2) WHERE id = {tid}"),
            "hash",
        ),
        (
            format!(
                "UPDATE ledger_accounts SET balance = balance + 100 WHERE code = 'cash' AND ledger_id = {}",
                ledger["ledger"]["id"]
            ),
            format!(
                "UPDATE ledger_accounts SET balance = balance - 100 WHERE code = 'cash' AND ledger_id = {}",
                ledger["ledger"]["id"]
            ),
            "balance",
        ),
        (
            format!("UPDATE ledger_txns SET seq = seq + 1000 WHERE id = {tid}"),
            format!("UPDATE ledger_txns SET seq = seq - 1000 WHERE id = {tid}"),
            "gap",
        ),
        (
            format!(
                "UPDATE ledger_entries SET occurred_on = '2000-01-01' WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            format!(
                "UPDATE ledger_entries SET occurred_on = '{on}' WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            "copy",
        ),
        (
            format!(
                "UPDATE ledger_entries SET ledger_id = ledger_id + 1 WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            format!(
                "UPDATE ledger_entries SET ledger_id = {lid} WHERE id = (SELECT MIN(id) FROM ledger_entries WHERE txn_id = {tid})"
            ),
            "copy",
        ),
        (
            format!(
                "UPDATE ledger_accounts SET kind = 'income' WHERE code = 'expense_food' AND ledger_id = {lid}"
            ),
            format!(
                "UPDATE ledger_accounts SET kind = 'expense' WHERE code = 'expense_food' AND ledger_id = {lid}"
            ),
            "copy",
        ),
    ];
    for (tamper, undo, problem) in &tampers {
        app.exec(tamper).await;
        let v = reader.get(&verify).await.json();
        assert_eq!(v["ok"], false, "{tamper}");
        assert_eq!(v["problem"], *problem, "{tamper}");
        if !matches!(*problem, "balance" | "gap" | "copy") {
            assert_eq!(v["first_bad_seq"], seq, "{tamper}");
        }
        let page = app
            .login(MEMBER)
            .await
            .get(&format!("/orgs/{org}/ledger/verify"))
            .await;
        assert!(page.body.contains("校验未通过"), "the public page shows it");
        app.exec(undo).await;
        assert_eq!(
            reader.get(&verify).await.json()["ok"],
            true,
            "undone: {undo}"
        );
    }
    // A receipt photo swapped for other bytes is detected too.
    app.exec(&format!("UPDATE files SET data = CAST(digest AS {}) WHERE id = (SELECT MIN(id) FROM files WHERE ledger_id = {lid})",
        if app.backend == linli_testkit::Backend::Postgres { "BYTEA" } else { "BLOB" })).await;
    assert_eq!(reader.get(&verify).await.json()["problem"], "voucher");
    app.exec_bytes(
        "UPDATE files SET data = $1 WHERE id = (SELECT MIN(id) FROM files WHERE purpose = 'voucher')",
        PNG,
    )
    .await;
    assert_eq!(reader.get(&verify).await.json()["ok"], true);
}

async fn simultaneous_postings_never_lose_an_entry(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "会费", "entries": pair("wallet", "income_fees", 5000)}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let before = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    let token = t.bearer.clone();
    let n = 40i64;
    let tasks: Vec<_> = (1..=n)
        .map(|i| {
            let mut c = app.client();
            c.bearer = token.clone();
            tokio::spawn(async move {
                c.json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
                       json!({"occurred_on": today(), "memo": format!("并发 {i}"), "entries": pair("cash", "income_fees", i)}))
                    .await
                    .status
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let after = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(
        balance(&after, "cash"),
        balance(&before, "cash") + n * (n + 1) / 2,
        "every posting counted, exactly"
    );
    assert_eq!(
        balance(&after, "income_fees"),
        balance(&before, "income_fees") + n * (n + 1) / 2
    );
    assert_eq!(
        after["ledger"]["head_seq"].as_i64().unwrap(),
        before["ledger"]["head_seq"].as_i64().unwrap() + n
    );
    let v = t
        .get(&format!("/api/v1/organizations/{org}/ledger/verify"))
        .await
        .json();
    assert_eq!(v["ok"], true, "{v}");
}

async fn advance_payments_are_claimed_approved_by_someone_else_and_paid(app: &TestApp) {
    let org = club(app).await;
    let mut member = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let voucher = upload(&mut member, org).await;
    let claim = |amount: Value| json!({"amount_fen": amount, "category": "expense_food", "purpose": "读书会茶点", "spent_on": today(), "voucher_id": voucher});
    let r = member
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/claims"),
            claim(json!(-100)),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "invalid_amount");
    let r = member
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/claims"),
            claim(json!(4560)),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        member
            .json(
                "POST",
                &format!("/api/v1/claims/{id}/decision"),
                json!({"approve": true})
            )
            .await
            .status,
        403
    );

    // The treasurer's own claim must be approved by someone else.
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let tv = upload(&mut t, org).await;
    let own = t.json("POST", &format!("/api/v1/organizations/{org}/claims"),
        json!({"amount_fen": 999, "category": "expense_materials", "purpose": "胶带", "spent_on": today(), "voucher_id": tv})).await.json();
    let r = t
        .json(
            "POST",
            &format!("/api/v1/claims/{}/decision", own["id"]),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "own_claim");
    let mut leader = app.api_client(LEADER, DEMO_PASSWORD).await;
    let r = leader
        .json(
            "POST",
            &format!("/api/v1/claims/{}/decision", own["id"]),
            json!({"approve": false}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "reason_required");
    let r = leader
        .json(
            "POST",
            &format!("/api/v1/claims/{}/decision", own["id"]),
            json!({"approve": false, "reason": "已由物业提供"}),
        )
        .await;
    assert_eq!(r.json()["status"], "rejected");
    let told = t.get("/api/v1/notifications").await.json();
    assert_eq!(
        told["items"][0]["msg_key"], "notice.claim_rejected",
        "the claimant is told the claim was refused: {told}"
    );
    assert_eq!(told["items"][0]["arg"], "胶带");
    assert_eq!(told["items"][0]["kind"], "claim");

    let before = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    let r = t
        .json(
            "POST",
            &format!("/api/v1/claims/{id}/payment"),
            json!({"from_account": "cash"}),
        )
        .await;
    assert_eq!(r.status, 409, "not approved yet");
    assert_eq!(
        t.json(
            "POST",
            &format!("/api/v1/claims/{id}/decision"),
            json!({"approve": true})
        )
        .await
        .json()["status"],
        "approved"
    );
    let r = t
        .json(
            "POST",
            &format!("/api/v1/claims/{id}/payment"),
            json!({"from_account": "cash"}),
        )
        .await;
    assert_eq!(r.json()["status"], "paid", "{}", r.body);
    let again = t
        .json(
            "POST",
            &format!("/api/v1/claims/{id}/payment"),
            json!({"from_account": "cash"}),
        )
        .await;
    assert_eq!(again.status, 409, "paid once");
    assert_eq!(again.json()["error"]["code"], "claim_already_paid");
    let after = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(balance(&after, "cash"), balance(&before, "cash") - 4560);
    assert_eq!(
        balance(&after, "expense_food"),
        balance(&before, "expense_food") + 4560
    );
    assert_eq!(after["txns"][0]["kind"], "reimbursement");
    assert_eq!(
        after["txns"][0]["voucher_id"], voucher,
        "the payment carries the claim's receipt"
    );
    for action in ["claim.file", "claim.approve", "claim.reject"] {
        assert!(
            app.count_where("SELECT COUNT(*) FROM audit_log WHERE action = $1", action)
                .await
                >= 1,
            "{action} audited"
        );
    }
}

async fn donations_of_money_goods_and_time_are_recorded(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "会费", "entries": pair("wallet", "income_fees", 5000)}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let before = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    let url = format!("/api/v1/organizations/{org}/donations");
    let r = t.json("POST", &url, json!({"kind": "money", "donor_name": "王阿姨", "anonymous": true, "amount_fen": 20000, "into_account": "wallet"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let money = r.json();
    assert!(money["txn_id"].is_i64());
    let r = t
        .json(
            "POST",
            &url,
            json!({"kind": "goods", "donor_name": "李叔叔", "goods": "儿童绘本", "quantity": 30}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.json()["txn_id"].is_null(),
        "goods go to the charity shop, not the ledger"
    );
    let r = t
        .json(
            "POST",
            &url,
            json!({"kind": "time", "donor_name": "陈老师", "hours": 12}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = t
        .json(
            "POST",
            &url,
            json!({"kind": "money", "donor_name": "x", "amount_fen": 0}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "invalid_amount");
    let after = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(
        balance(&after, "wallet"),
        balance(&before, "wallet") + 20000
    );
    assert_eq!(
        balance(&after, "income_donations"),
        balance(&before, "income_donations") + 20000
    );

    let mut member = app.login(MEMBER).await;
    let list = member.get(&format!("/orgs/{org}/donations")).await;
    assert!(
        list.body.contains("匿名") && !list.body.contains("王阿姨"),
        "anonymous donors stay anonymous in public"
    );
    assert!(list.body.contains("儿童绘本") && list.body.contains("12 小时"));
    assert_eq!(
        member
            .get(&format!("/donations/{}/receipt", money["id"]))
            .await
            .status,
        403
    );
    let mut page = app.login(TREASURER).await;
    let receipt = page
        .get(&format!("/donations/{}/receipt", money["id"]))
        .await;
    assert!(
        receipt.body.contains("王阿姨")
            && receipt.body.contains("200.00")
            && receipt.body.contains(money["receipt_no"].as_str().unwrap())
    );
}

/// The demo fund (翠竹社区基金) and its committee: 韩磊 leads, 周红 and 吴静 sit on it.
async fn fund(app: &TestApp) -> i64 {
    app.org_id("翠竹社区基金").await
}

const FUND_LEADER: &str = "13800000012";
const COMMITTEE: [&str; 2] = ["13800000003", "13800000004"];

async fn a_micro_grant_goes_from_application_to_closing_on_both_ledgers(app: &TestApp) {
    let (fund, club) = (fund(app).await, club(app).await);
    let mut leader = app.api_client(LEADER, DEMO_PASSWORD).await;
    let apply = |lines: Value| json!({"applicant_org_id": club, "title": "共读《乡土中国》", "purpose": "每月一次共读与分享", "lines": lines});
    let r = leader.json("POST", &format!("/api/v1/organizations/{fund}/grants"),
        apply(json!([{"item": "购书", "amount_fen": 300000}, {"item": "场地", "amount_fen": 300000}]))).await;
    assert_eq!(
        r.json()["error"]["code"],
        "over_fund_limit",
        "6,000 yuan is above the fund's 5,000 rule"
    );
    let mut member = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let r = member
        .json(
            "POST",
            &format!("/api/v1/organizations/{fund}/grants"),
            apply(json!([{"item": "购书", "amount_fen": 100}])),
        )
        .await;
    assert_eq!(r.status, 403, "only the club's leaders apply");
    let r = leader.json("POST", &format!("/api/v1/organizations/{fund}/grants"),
        apply(json!([{"item": "购书", "amount_fen": 60000}, {"item": "茶点", "amount_fen": 40000}]))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["amount"], 100000);
    assert_eq!(
        leader
            .json(
                "POST",
                &format!("/api/v1/grants/{id}/comments"),
                json!({"body": "书单已附"})
            )
            .await
            .status,
        204
    );

    // The committee votes: two approvals are needed up to 1,000 yuan.
    let mut c1 = app.api_client(COMMITTEE[0], DEMO_PASSWORD).await;
    let r = c1
        .json(
            "POST",
            &format!("/api/v1/grants/{id}/votes"),
            json!({"approve": true, "reason": "很好"}),
        )
        .await;
    assert_eq!(r.json()["status"], "applied", "{}", r.body);
    assert_eq!(
        c1.json(
            "POST",
            &format!("/api/v1/grants/{id}/votes"),
            json!({"approve": true})
        )
        .await
        .status,
        409,
        "one vote each"
    );
    assert_eq!(
        member
            .json(
                "POST",
                &format!("/api/v1/grants/{id}/votes"),
                json!({"approve": true})
            )
            .await
            .status,
        403
    );
    let mut fl = app.api_client(FUND_LEADER, DEMO_PASSWORD).await;
    assert_eq!(
        fl.json(
            "POST",
            &format!("/api/v1/grants/{id}/disbursement"),
            json!({"from_account": "bank"})
        )
        .await
        .status,
        409,
        "not approved yet"
    );
    let mut c2 = app.api_client(COMMITTEE[1], DEMO_PASSWORD).await;
    let r = c2
        .json(
            "POST",
            &format!("/api/v1/grants/{id}/votes"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(r.json()["status"], "approved");

    let fund_before = fl
        .get(&format!("/api/v1/organizations/{fund}/ledger"))
        .await
        .json();
    let club_before = leader
        .get(&format!("/api/v1/organizations/{club}/ledger"))
        .await
        .json();
    let r = fl
        .json(
            "POST",
            &format!("/api/v1/grants/{id}/disbursement"),
            json!({"from_account": "bank"}),
        )
        .await;
    assert_eq!(r.json()["status"], "disbursed", "{}", r.body);
    let fund_after = fl
        .get(&format!("/api/v1/organizations/{fund}/ledger"))
        .await
        .json();
    let club_after = leader
        .get(&format!("/api/v1/organizations/{club}/ledger"))
        .await
        .json();
    assert_eq!(
        balance(&fund_after, "bank"),
        balance(&fund_before, "bank") - 100000
    );
    assert_eq!(
        balance(&club_after, "cash"),
        balance(&club_before, "cash") + 100000
    );
    assert_eq!(balance(&club_after, "income_grants"), 100000);

    // The club's treasurer reports spending with receipts, never more than was given.
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let voucher = upload(&mut t, club).await;
    let report = |fen: i64| json!({"item": "购书 6 本", "amount_fen": fen, "category": "expense_materials", "voucher_id": voucher});
    assert_eq!(
        t.json(
            "POST",
            &format!("/api/v1/grants/{id}/reports"),
            report(100001)
        )
        .await
        .json()["error"]["code"],
        "report_exceeds_grant"
    );
    let r = t
        .json(
            "POST",
            &format!("/api/v1/grants/{id}/reports"),
            report(60000),
        )
        .await;
    assert_eq!(r.json()["spent"], 60000, "{}", r.body);
    let r = t
        .json("POST", &format!("/api/v1/grants/{id}/closing"), json!({}))
        .await;
    assert_eq!(r.json()["status"], "closed", "{}", r.body);
    assert_eq!(r.json()["returned"], 40000, "the unused part goes back");
    let club_end = leader
        .get(&format!("/api/v1/organizations/{club}/ledger"))
        .await
        .json();
    assert_eq!(balance(&club_end, "income_grants"), 60000);
    assert_eq!(
        balance(&club_end, "cash"),
        balance(&club_before, "cash") + 100000 - 60000 - 40000
    );
    let fund_end = fl
        .get(&format!("/api/v1/organizations/{fund}/ledger"))
        .await
        .json();
    assert_eq!(balance(&fund_end, "expense_grants"), 60000);
    for org in [fund, club] {
        assert_eq!(
            fl.get(&format!("/api/v1/organizations/{org}/ledger/verify"))
                .await
                .json()["ok"],
            true
        );
    }
    let v = leader.get(&format!("/api/v1/grants/{id}")).await.json();
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "applied",
            "comment",
            "vote_yes",
            "vote_yes",
            "approved",
            "disbursed",
            "report",
            "returned",
            "closed"
        ]
    );
    assert_eq!(
        t.json("POST", &format!("/api/v1/grants/{id}/closing"), json!({}))
            .await
            .status,
        409
    );
}

async fn money_workflows_guard_their_records(app: &TestApp) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let url = format!("/api/v1/organizations/{org}/ledger/transactions");
    let voucher = upload(&mut t, org).await;
    let body = json!({"occurred_on": today(), "memo": "茶", "entries": pair("expense_food", "cash", 300), "voucher_id": voucher});
    assert_eq!(t.json("POST", &url, body.clone()).await.status, 201);
    let r = t.json("POST", &url, body).await;
    assert_eq!(
        r.json()["error"]["code"],
        "voucher_used",
        "one receipt backs one posting"
    );
    let r = t
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/ledger/close"),
            json!({"through": "2099-12-31"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "close_future");
    let d = t
        .json(
            "POST",
            &format!("/api/v1/organizations/{org}/donations"),
            json!({"kind": "money", "donor_name": "赵", "amount_fen": 500}),
        )
        .await
        .json();
    let r = t
        .json(
            "POST",
            &format!("/api/v1/transactions/{}/reversal", d["txn_id"]),
            json!({"reason": "撤回"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "reverse_in_workflow");
    // A claim larger than the bank account holds is not paid; a receipt backs one claim.
    let mut member = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let v = upload(&mut member, org).await;
    let c = member.json("POST", &format!("/api/v1/organizations/{org}/claims"),
        json!({"amount_fen": 99_999_999, "category": "expense_other", "purpose": "大额", "spent_on": today(), "voucher_id": v})).await.json();
    let r = member.json("POST", &format!("/api/v1/organizations/{org}/claims"),
        json!({"amount_fen": 100, "category": "expense_other", "purpose": "同一张收据", "spent_on": today(), "voucher_id": v})).await;
    assert_eq!(r.json()["error"]["code"], "voucher_used");
    t.json(
        "POST",
        &format!("/api/v1/claims/{}/decision", c["id"]),
        json!({"approve": true}),
    )
    .await;
    let r = t
        .json(
            "POST",
            &format!("/api/v1/claims/{}/payment", c["id"]),
            json!({"from_account": "bank"}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "insufficient_funds");
}

/// Several treasurers pressing "pay" on the same claim at once: it is paid once, and
/// everyone else is told it is already paid (not a confusing voucher error).
async fn a_claim_paid_by_several_at_once_is_paid_once(app: &TestApp) {
    let org = app.org_id("翠竹园读书会").await;
    let mut member = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let v = upload(&mut member, org).await;
    let c = member.json("POST", &format!("/api/v1/organizations/{org}/claims"),
        json!({"amount_fen": 1_000, "category": "expense_other", "purpose": "打印海报", "spent_on": today(), "voucher_id": v})).await.json();
    let id = c["id"].as_i64().unwrap();
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    t.json(
        "POST",
        &format!("/api/v1/claims/{id}/decision"),
        json!({"approve": true}),
    )
    .await;
    let before = app.count("ledger_txns").await;
    let mut payers = vec![];
    for _ in 0..8 {
        let mut c = app.api_client(TREASURER, DEMO_PASSWORD).await;
        payers.push(tokio::spawn(async move {
            let r = c
                .json(
                    "POST",
                    &format!("/api/v1/claims/{id}/payment"),
                    json!({"from_account": "cash"}),
                )
                .await;
            (
                r.status,
                r.json()["error"]["code"].as_str().unwrap_or("").to_string(),
            )
        }));
    }
    let mut answers = vec![];
    for p in payers {
        answers.push(p.await.unwrap());
    }
    let paid = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(paid, 1, "{answers:?}");
    for (status, code) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!((*status, code.as_str()), (409, "claim_already_paid"));
    }
    assert_eq!(app.count("ledger_txns").await, before + 1);
    // The statement's month is asked for as a month, and a wrong one says so.
    let r = t
        .get(&format!(
            "/api/v1/organizations/{org}/ledger/statement?month=2026-13"
        ))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["code"], "invalid_month");
}

/// A Windows program with a `.jpg` name and an image type, as a phone might send it.
const EXE_AS_JPG: &[u8] =
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xffThis program cannot be run in DOS mode.";

async fn purpose_of(app: &TestApp, id: i64) -> String {
    app.strings(&format!("SELECT purpose FROM files WHERE id = {id}"))
        .await
        .pop()
        .unwrap_or_default()
}

/// A life meeting in the reading club's community, scheduled by the social worker.
async fn a_life_meeting(app: &TestApp) -> String {
    let community = app.region_id("翠竹园社区").await;
    let mut worker = app.login("13800000004").await;
    let r = worker
        .post_form(
            &format!("/regions/{community}/meetings"),
            &[("title", "十二月自组织生活会"), ("held_on", &today())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location().to_string()
}

async fn vouchers_issue_photos_and_meeting_photos_are_one_files_table_with_one_check(
    app: &TestApp,
) {
    let org = club(app).await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    // A voucher, through the ledger's upload.
    let voucher = upload(&mut t, org).await;
    // An issue photo, through the issue's upload.
    let building = app
        .count_where(
            "SELECT g.region_id FROM role_grants g JOIN users u ON u.id = g.user_id \
             WHERE u.phone = $1 AND g.role = 'building_rep'",
            TREASURER,
        )
        .await;
    let mut resident = app.api_client(MEMBER, DEMO_PASSWORD).await;
    let r = resident
        .json(
            "POST",
            &format!("/api/v1/regions/{building}/issues"),
            json!({"title": "楼道灯坏了", "text": "晚上看不见台阶。"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let issue = r.json()["id"].as_i64().unwrap();
    let photo_url = format!("/api/v1/issues/{issue}/photos?filename=%E6%A5%BC%E9%81%93.png");
    let r = resident
        .send("POST", &photo_url, Some("image/png"), PNG.to_vec(), &[])
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let issue_photo = app
        .i64s(&format!(
            "SELECT file_id FROM issue_files WHERE issue_id = {issue}"
        ))
        .await[0];
    // A life-meeting photo, through the share form.
    let meeting = a_life_meeting(app).await;
    let mut leader = app.login(LEADER).await;
    let share =
        |story: &'static str| vec![("org_id", org.to_string()), ("story", story.to_string())];
    let fields = share("我们一起读完了《边城》");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = leader
        .post_multipart(
            &meeting,
            &fields,
            Some(("voucher", "读书会合影.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let meeting_photo = app
        .i64s("SELECT photo_id FROM life_meeting_shares WHERE photo_id IS NOT NULL ORDER BY id DESC LIMIT 1")
        .await[0];

    // One table, told apart by purpose; the names kept (Chinese included).
    assert_eq!(purpose_of(app, voucher).await, "voucher");
    assert_eq!(purpose_of(app, issue_photo).await, "photo");
    assert_eq!(purpose_of(app, meeting_photo).await, "photo");
    assert_eq!(
        app.strings(&format!(
            "SELECT filename FROM files WHERE id IN ({issue_photo}, {meeting_photo}) ORDER BY id"
        ))
        .await,
        vec!["楼道.png".to_string(), "读书会合影.png".to_string()]
    );
    assert_eq!(
        app.i64s(&format!(
            "SELECT COUNT(*) FROM files WHERE id = {meeting_photo} AND ledger_id IS NULL"
        ))
        .await,
        vec![1],
        "a life-meeting photo is no longer a voucher of the club's ledger"
    );
    // The meeting still shows its photo to the community's residents, and only to them.
    let mut reader = app.login(MEMBER).await;
    assert!(
        reader
            .get(&meeting)
            .await
            .body
            .contains(&format!("/vouchers/{meeting_photo}"))
    );
    let img = reader.get(&format!("/vouchers/{meeting_photo}")).await;
    assert_eq!(img.status, 200);
    assert_eq!(img.headers["content-type"], "image/png");
    assert_eq!(img.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        reader.get(&format!("/files/{issue_photo}")).await.status,
        200
    );
    let mut outsider = app.login(OUTSIDER).await;
    assert_eq!(
        outsider
            .get(&format!("/vouchers/{meeting_photo}"))
            .await
            .status,
        403
    );
    assert_eq!(
        outsider.get(&format!("/files/{issue_photo}")).await.status,
        403
    );

    // The same check everywhere: a program renamed .jpg is refused, in words, and
    // nothing is stored.
    let files = app.count("files").await;
    let r = t
        .send(
            "POST",
            &format!("/api/v1/organizations/{org}/vouchers?filename=receipt.jpg"),
            Some("image/jpeg"),
            EXE_AS_JPG.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "voucher_type");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("凭证只能是 JPG、PNG、WebP、GIF 图片或 PDF")
    );
    let r = resident
        .send(
            "POST",
            &format!("/api/v1/issues/{issue}/photos?filename=photo.jpg"),
            Some("image/jpeg"),
            EXE_AS_JPG.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "photo_type");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("只能上传 JPEG 或 PNG 照片")
    );
    let fields = share("再分享一次");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = leader
        .post_multipart(
            &meeting,
            &fields,
            Some(("voucher", "合影.jpg", "image/jpeg", EXE_AS_JPG)),
            true,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("只能上传 JPEG 或 PNG 照片"));
    assert_eq!(app.count("files").await, files, "nothing stored");

    // Over 5 MB is refused the same way everywhere (a PNG one byte too long).
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let r = t
        .send(
            "POST",
            &format!("/api/v1/organizations/{org}/vouchers?filename=big.png"),
            Some("image/png"),
            big.clone(),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "voucher_too_large");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 MB")
    );
    let r = resident
        .send("POST", &photo_url, Some("image/png"), big.clone(), &[])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "photo_too_large");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 MB")
    );
    let r = leader
        .post_multipart(
            &meeting,
            &fields,
            Some(("voucher", "big.png", "image/png", &big)),
            true,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("5 MB"));
    assert_eq!(app.count("files").await, files, "nothing stored");
    assert_eq!(
        app.i64s("SELECT COUNT(*) FROM life_meeting_shares WHERE story = '再分享一次'")
            .await,
        vec![0]
    );
}

async fn a_settlement_posted_by_clubs_verifies_in_the_chain(app: &TestApp) {
    let org = club(app).await;
    let mut leader = app.login(LEADER).await;
    let r = leader
        .post_form(
            &format!("/orgs/{org}/activities"),
            &[
                ("title", "读书分享茶话会"),
                ("place", "活动室"),
                ("starts_at", &app.local_at(1, 19, 30)),
                ("capacity", "10"),
                ("planned_cost", "20"),
                ("surplus", "0"),
                ("cancel_hours", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let activity = r.location().to_string();
    let id: i64 = activity.trim_start_matches("/activities/").parse().unwrap();
    let r = leader
        .post_multipart(
            &format!("{activity}/costs"),
            &[("item", "茶叶"), ("amount", "20")],
            Some(("voucher", "茶叶收据.png", "image/png", PNG)),
            true,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.exec(&format!(
        "UPDATE activities SET starts_at = starts_at - 3 * 86400000 WHERE id = {id}"
    ))
    .await;
    let mut t = app.api_client(TREASURER, DEMO_PASSWORD).await;
    let r = t
        .json("POST", &format!("/api/v1/organizations/{org}/ledger/transactions"),
              json!({"occurred_on": today(), "memo": "会费", "entries": pair("wallet", "income_fees", 5000)}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let before = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json()["ledger"]["head_seq"]
        .as_i64()
        .unwrap();
    let r = leader.post_form(&format!("{activity}/settle"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ledger = t
        .get(&format!("/api/v1/organizations/{org}/ledger"))
        .await
        .json();
    assert_eq!(ledger["ledger"]["head_seq"].as_i64().unwrap(), before + 1);
    let newest = &ledger["txns"][0];
    assert_eq!(newest["kind"], "activity");
    let voucher = newest["voucher_id"].as_i64().expect("the cost's receipt");
    assert_eq!(purpose_of(app, voucher).await, "voucher");
    let report = t
        .get(&format!("/api/v1/organizations/{org}/ledger/verify"))
        .await
        .json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["checked"].as_i64().unwrap(), before + 1);
    // The receipt is covered: changing its bytes breaks the chain check.
    app.exec(&format!(
        "UPDATE files SET digest = 'x' WHERE id = {voucher}"
    ))
    .await;
    let report = t
        .get(&format!("/api/v1/organizations/{org}/ledger/verify"))
        .await
        .json();
    assert_eq!(report["ok"], false);
}

on_both_databases!(
    vouchers_issue_photos_and_meeting_photos_are_one_files_table_with_one_check,
    a_settlement_posted_by_clubs_verifies_in_the_chain,
    a_claim_paid_by_several_at_once_is_paid_once,
    money_workflows_guard_their_records,
    a_micro_grant_goes_from_application_to_closing_on_both_ledgers,
    a_treasurer_posts_and_the_public_statement_adds_up,
    bad_postings_are_refused_with_a_reason_and_change_nothing,
    the_page_form_posts_an_expense_with_its_receipt,
    reversals_correct_without_erasing,
    editing_any_stored_row_is_detected,
    simultaneous_postings_never_lose_an_entry,
    advance_payments_are_claimed_approved_by_someone_else_and_paid,
    donations_of_money_goods_and_time_are_recorded,
);
