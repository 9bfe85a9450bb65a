//! The background job queue: a vote closes at its time through the queue with nobody
//! looking; a failing job is retried with backoff, then given up as dead, shown on the
//! admin page and retried from there; two processes on one database never run a job
//! twice; only platform administrators see the queue.

use linli_app::jobs;
use linli_store::Db;
use linli_store::jobs::NewJob;
use linli_testkit::{DEMO_PASSWORD, TestApp, on_both_databases};
use serde_json::json;

const ADMIN: &str = "13800000000";
const COMMITTEE: &str = "13800000003";
const RESIDENT: &str = "13800000007";

async fn enqueue_raw(db: &Db, kind: &str, payload: &str, max_attempts: i64) {
    let mut tx = db.begin().await.unwrap();
    linli_store::jobs::enqueue(
        &mut tx,
        &NewJob {
            kind,
            payload,
            dedupe_key: None,
            run_at: linli_store::clock::now_ms(),
            max_attempts,
        },
        linli_store::clock::now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn a_vote_closes_at_its_time_through_the_queue(app: &TestApp) {
    let community = app.region_id("翠竹园社区").await;
    let mut c = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    let r = c
        .json(
            "POST",
            &format!("/api/v1/regions/{community}/votes"),
            json!({"title": "活动室周末开放", "method": "majority", "electorate": "residents",
                   "region_id": community, "minutes_open": 30}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let vote = r.json()["id"].as_i64().unwrap();
    let status = format!("SELECT status FROM votes WHERE id = {vote}");
    let job = format!("SELECT status FROM jobs WHERE kind = 'vote.close' AND payload = '{vote}'");
    assert_eq!(
        app.strings(&job).await,
        ["queued"],
        "enqueued with the vote"
    );
    // Not due yet: the worker sends the opening notice and leaves the closing.
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 1);
    assert_eq!(app.strings(&job).await, ["queued"]);
    assert_eq!(app.strings(&status).await, ["open"]);
    app.clock.advance(31 * 60_000);
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 1);
    assert_eq!(
        app.strings(&status).await,
        ["closed"],
        "closed with nobody looking"
    );
    assert_eq!(app.strings(&job).await, ["done"]);
    let result = c.get(&format!("/api/v1/votes/{vote}")).await;
    assert_eq!(result.status, 200, "{}", result.body);
    assert_eq!(result.json()["vote"]["status"], "closed", "{}", result.body);
}

async fn a_failing_job_is_retried_then_given_up_and_an_admin_retries_it(app: &TestApp) {
    enqueue_raw(&app.db, "vote.close", "not-a-number", 3).await;
    let row =
        "SELECT status || ' ' || CAST(attempts AS TEXT) FROM jobs WHERE payload = 'not-a-number'";
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 1);
    assert_eq!(app.strings(row).await, ["queued 1"], "retried later");
    // The retry waits 30 s: not before.
    app.clock.advance(20_000);
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 0);
    app.clock.advance(11_000);
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 1);
    assert_eq!(app.strings(row).await, ["queued 2"]);
    // Then 60 s.
    app.clock.advance(61_000);
    assert_eq!(jobs::run_due(&app.db, "w1", 10).await.unwrap(), 1);
    assert_eq!(
        app.strings(row).await,
        ["dead 3"],
        "given up after its attempts"
    );
    app.clock.advance(3_600_000);
    assert_eq!(
        jobs::run_due(&app.db, "w1", 10).await.unwrap(),
        0,
        "dead stays dead"
    );

    // The admin page shows it with its error, and its retry button queues it again.
    let mut admin = app.login(ADMIN).await;
    let page = admin.get("/admin/jobs?status=dead").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("已放弃"), "{}", page.body);
    assert!(
        page.body.contains("bad vote id"),
        "the error is shown: {}",
        page.body
    );
    let id = app
        .i64s("SELECT id FROM jobs WHERE payload = 'not-a-number'")
        .await[0];
    assert!(page.body.contains(&format!("/admin/jobs/{id}/retry")));
    let r = admin
        .post_form(&format!("/admin/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.strings(row).await, ["queued 0"]);
    // A job that is not dead cannot be retried: the refusal says why.
    let again = admin
        .post_form(&format!("/admin/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(again.status, 409);
    assert!(
        again.body.contains("只有已放弃的任务可以重试"),
        "{}",
        again.body
    );
    let audit = admin.get("/admin/audit").await;
    assert!(audit.body.contains("重试后台任务"), "the retry is audited");
}

async fn two_processes_never_run_a_job_twice(app: &TestApp) {
    // Vote ids that do not exist: the handler has nothing to do and finishes at once.
    for i in 0..300 {
        enqueue_raw(&app.db, "vote.close", &(1_000_000 + i).to_string(), 3).await;
    }
    let second = Db::connect(&app.db_url).await.unwrap();
    let run = |db: Db, name: &'static str| {
        linli_store::clock::spawn(async move {
            let mut ran = 0;
            loop {
                let n = jobs::run_due(&db, name, 7).await.unwrap();
                if n == 0 {
                    break ran;
                }
                ran += n;
            }
        })
    };
    let (a, b, c) = (
        run(app.db.clone(), "a"),
        run(second.clone(), "b"),
        run(second.clone(), "c"),
    );
    let total = a.await.unwrap() + b.await.unwrap() + c.await.unwrap();
    assert_eq!(total, 300, "each job claimed once in all");
    assert_eq!(
        app.strings("SELECT status || ' ' || CAST(attempts AS TEXT) || ' ' || CAST(COUNT(*) AS TEXT) FROM jobs \
                     WHERE payload LIKE '10%' GROUP BY status, attempts")
            .await,
        ["done 1 300"],
        "every job done after exactly one attempt"
    );
    second.close().await;
}

async fn only_platform_administrators_see_the_queue(app: &TestApp) {
    let mut resident = app.login(RESIDENT).await;
    let page = resident.get("/admin/jobs").await;
    assert_eq!(page.status, 403);
    let mut api = app.api_client(RESIDENT, DEMO_PASSWORD).await;
    assert_eq!(api.get("/api/v1/jobs").await.status, 403);
    let mut committee = app.api_client(COMMITTEE, DEMO_PASSWORD).await;
    assert_eq!(committee.get("/api/v1/jobs").await.status, 403);
    let mut admin = app.api_client(ADMIN, DEMO_PASSWORD).await;
    let r = admin.get("/api/v1/jobs?status=queued").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bad = admin.get("/api/v1/jobs?status=lost").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("job_bad_status") && bad.body.contains("任务状态只能是"),
        "{}",
        bad.body
    );
}

on_both_databases!(
    a_vote_closes_at_its_time_through_the_queue,
    a_failing_job_is_retried_then_given_up_and_an_admin_retries_it,
    two_processes_never_run_a_job_twice,
    only_platform_administrators_see_the_queue,
);
