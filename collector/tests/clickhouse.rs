//! ClickHouse as the shared store (issue #15), against real servers: a two-replica
//! `ReplicatedReplacingMergeTree` cluster coordinated by ZooKeeper, started by
//! `scripts/clickhouse-cluster.sh` (scripts/test.sh does it, then runs these with
//! `LINKSHELF_CLICKHOUSE_TESTS=1` and the replicas' addresses in the environment).
//! Without that environment each test says "skipped" and passes: the cluster needs
//! Debian's clickhouse-server and zookeeper packages, which plain `cargo test` cannot
//! assume.
//!
//! Every test uses a database of its own on the shared cluster, so they run in parallel.

mod common;
use common::*;
use linkshelf_collector::load::{run, Load, Mix};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REPORT_SECRET: &str = "report-secret-of-the-brand-0123456789abcdef";
const AFFILIATE: &str = "juno.park";

/// The outage test stops a replica the others read: it runs alone (write), the others
/// side by side (read).
static OUTAGE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

struct Cluster {
    urls: [String; 2],
    dir: PathBuf,
}

/// The running cluster, or `None` (and a loud "skipped") when the tests were not asked for.
fn cluster(test: &str) -> Option<Cluster> {
    if std::env::var("LINKSHELF_CLICKHOUSE_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: {test} needs a ClickHouse cluster; run scripts/test.sh, or \
             `scripts/clickhouse-cluster.sh start DIR && source DIR/env` first"
        );
        return None;
    }
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (see DIR/env)"));
    Some(Cluster {
        urls: [var("LINKSHELF_CH_URL1"), var("LINKSHELF_CH_URL2")],
        dir: PathBuf::from(var("LINKSHELF_CH_DIR")),
    })
}

/// A database name of this test run's own.
fn database(test: &str) -> String {
    format!("t_{test}_{}_{}", std::process::id(), now_ms() % 1_000_000)
}

fn ch_args(url: &str, db: &str) -> Vec<String> {
    ch_args_with(url, db, "50", "100")
}

/// With shipping rounds every `interval_ms` when idle, and `batch` rows per insert.
fn ch_args_with(url: &str, db: &str, interval_ms: &str, batch: &str) -> Vec<String> {
    let mut args = default_args();
    args.extend(
        [
            "--default-creator",
            "juno-park",
            "--report-secret",
            REPORT_SECRET,
            "--clickhouse-url",
            url,
            "--clickhouse-database",
            db,
            "--clickhouse-cluster",
            "linkshelf",
            "--clickhouse-interval-ms",
            interval_ms,
            "--clickhouse-batch-rows",
            batch,
        ]
        .map(String::from),
    );
    args
}

/// The collector's own ClickHouse settings, for tests that call `clickhouse::prepare`.
fn ch_settings(url: &str, db: &str, cluster: Option<&str>) -> linkshelf_collector::clickhouse::Settings {
    linkshelf_collector::clickhouse::Settings {
        url: url.to_owned(),
        database: db.to_owned(),
        cluster: cluster.map(str::to_owned),
        user: "default".into(),
        password: None,
    }
}

fn ch(url: &str, db: &str) -> clickhouse::Client {
    clickhouse::Client::default().with_url(url).with_database(db).with_validation(false)
}

async fn number(url: &str, db: &str, sql: &str) -> u64 {
    ch(url, db).query(sql).fetch_one::<u64>().await.unwrap_or(u64::MAX)
}

/// Polls `sql` until it gives `expected` (up to `secs`); the last answer.
async fn wait_for(url: &str, db: &str, sql: &str, expected: u64, secs: u64) -> u64 {
    let started = Instant::now();
    loop {
        let got = number(url, db, sql).await;
        if got == expected || started.elapsed() > Duration::from_secs(secs) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn cluster_script(dir: &std::path::Path, what: &str, replica: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/clickhouse-cluster.sh");
    let status = std::process::Command::new("bash")
        .args([script, what])
        .arg(dir)
        .arg(replica)
        .status()
        .expect("the cluster script runs");
    assert!(status.success(), "clickhouse-cluster.sh {what} {replica} failed");
}

/// A replica stopped (SIGTERM, by its PID) until this is dropped, so a failing test
/// still leaves the cluster whole for the others.
struct ReplicaDown {
    dir: PathBuf,
    replica: &'static str,
    up: bool,
}

impl ReplicaDown {
    async fn stop(dir: &std::path::Path, replica: &'static str) -> ReplicaDown {
        let owned = dir.to_owned();
        tokio::task::spawn_blocking(move || cluster_script(&owned, "stop-replica", replica)).await.expect("stop");
        ReplicaDown { dir: dir.to_owned(), replica, up: false }
    }

    async fn start(mut self) {
        let dir = self.dir.clone();
        let replica = self.replica;
        tokio::task::spawn_blocking(move || cluster_script(&dir, "start-replica", replica)).await.expect("start");
        self.up = true;
    }
}

impl Drop for ReplicaDown {
    fn drop(&mut self) {
        if !self.up {
            cluster_script(&self.dir, "start-replica", self.replica);
        }
    }
}

async fn post(http: &Client, c: &Collector, events: &[Value]) -> Value {
    let a = http.post_text(&c.url("/v1/events"), batch(events)).await.expect("post");
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

async fn stripe(http: &Client, c: &Collector, body: &str) -> Answer {
    use hmac::{Hmac, Mac};
    let t = now_ms() / 1000;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    let signature = format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()));
    let headers = [("content-type", "application/json"), ("stripe-signature", signature.as_str())];
    http.send("POST", &c.url("/v1/webhooks/stripe"), &headers, body.to_owned()).await.expect("post")
}

async fn stats(http: &Client, c: &Collector, path: &str, from: i64, to: i64) -> Answer {
    let url = c.url(&format!("{path}?from={from}&to={to}"));
    let a = http.get(&url, &[("authorization", &format!("Bearer {TOKEN}"))]).await.expect("get");
    assert_eq!(a.status, 200, "{path}: {}", a.body);
    a
}

/// The known event set: a creator's visits, three checkouts joined three ways, a
/// thank-you page reloaded.
fn known_events() -> (Vec<Value>, Value) {
    let tagged = |id: &str, name: &str, source: &str, medium: &str| {
        let mut e = event(id, name);
        e["attribution"]["utm_source"] = source.into();
        e["attribution"]["utm_medium"] = medium.into();
        e
    };
    let with_item = |mut e: Value, product: &str, price: i64, coupon: Option<&str>, click: Option<&str>| {
        e["ecommerce"] = json!({"currency": "EUR", "value": price, "coupon": coupon, "transaction_id": null,
            "items": [{"item_id": product, "item_name": product, "price": price, "quantity": 1, "index": 0, "item_list_id": null}]});
        if let Some(click) = click {
            e["outbound"] = json!({"click_id": click, "destination_host": "shop.example"});
        }
        e
    };
    let mut events = Vec::new();
    for i in 0..8 {
        events.push(match i {
            0..=3 => tagged(&format!("pv-{i}"), "page_view", "tiktok", "clip"),
            4 | 5 => tagged(&format!("pv-{i}"), "page_view", "popup", "qr"),
            _ => event(&format!("pv-{i}"), "page_view"),
        });
    }
    events.push(with_item(tagged("sel-1", "select_item", "tiktok", "clip"), "mug", 3200, None, None));
    events.push(with_item(tagged("sel-2", "select_item", "tiktok", "clip"), "mug", 3200, None, None));
    events.push(with_item(tagged("sel-3", "select_item", "popup", "qr"), "tote", 1800, None, None));
    events.push(with_item(event("sel-4", "select_item"), "tote", 1800, None, None));
    events.push(with_item(tagged("co-1", "begin_checkout", "tiktok", "clip"), "mug", 3200, None, Some("c-1")));
    events.push(with_item(event("co-2", "begin_checkout"), "tote", 1800, Some("JUNO15"), Some("c-2")));
    events.push(with_item(tagged("co-3", "begin_checkout", "popup", "qr"), "tote", 1800, None, Some("c-3")));
    let mut thanks = with_item(tagged("pu-1", "purchase", "tiktok", "clip"), "mug", 3200, None, Some("c-1"));
    thanks["ecommerce"]["transaction_id"] = "cs_live_1".into();
    let mut reload = thanks.clone();
    reload["event_id"] = "pu-1-reload".into();
    let mut other = with_item(event("pu-2", "purchase"), "tote", 1800, None, Some("c-9"));
    other["ecommerce"]["transaction_id"] = "T-77".into();
    events.extend([thanks, other]);
    // A brand's affiliate: a visit through their page, and the checkout with their code.
    for e in events.iter_mut().filter(|e| e["event_id"] == "pv-0" || e["event_id"] == "co-2") {
        e["attribution"]["affiliate"] = AFFILIATE.into();
    }
    (events, reload)
}

fn session(id: &str, click: &str, amount: i64) -> String {
    json!({"id": format!("evt_{id}"), "type": "checkout.session.completed", "created": now_ms() / 1000,
        "data": {"object": {"id": id, "object": "checkout.session", "client_reference_id": click, "amount_total": amount,
            "currency": "eur", "payment_status": "paid", "payment_intent": format!("pi_{id}"), "created": now_ms() / 1000}}})
    .to_string()
}

/// (a) and (d): two collectors, one per replica, each fed part of a known event set
/// with duplicates across them (events both got, a webhook delivered to both, a
/// thank-you page reloaded on the other), give exactly the expected stats from either
/// collector, and the same figures, to the last field, as one collector on SQLite alone
/// fed the set once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_share_one_cluster_and_answer_what_sqlite_answers() {
    let Some(cluster) = cluster("two_collectors_share_one_cluster") else { return };
    let _shared = OUTAGE.read().await;
    let db = database("shared");
    let dir = tempfile::tempdir().expect("tempdir");
    // A one-hour window, so a checkout three hours old is outside it.
    let window = ["--attribution-window-hours", "1"].map(String::from);
    let a =
        Collector::start_on(&dir.path().join("a.sqlite"), &[ch_args(&cluster.urls[0], &db), window.to_vec()].concat());
    let b =
        Collector::start_on(&dir.path().join("b.sqlite"), &[ch_args(&cluster.urls[1], &db), window.to_vec()].concat());
    let mut reference_args = default_args();
    reference_args.extend(["--default-creator", "juno-park", "--report-secret", REPORT_SECRET].map(String::from));
    reference_args.extend(window);
    let reference = Collector::start_on(&dir.path().join("reference.sqlite"), &reference_args);
    let http = Client::default();

    let (events, reload) = known_events();
    assert_eq!(events.len(), 17);
    // A takes the first 12, B the last 11: six events reach both.
    assert_eq!(post(&http, &a, &events[..12]).await["accepted"], 12);
    assert_eq!(post(&http, &b, &events[6..]).await["accepted"], 11);
    // The thank-you page reloaded, its event landing on the other collector.
    assert_eq!(post(&http, &a, std::slice::from_ref(&reload)).await["accepted"], 1);
    // A checkout with a code, three hours ago: its order (below) has no click id, and
    // the only checkout with its code is outside the window.
    let mut old = events[13].clone();
    old["event_id"] = "co-old".into();
    old["occurred_at"] = (now_ms() - 3 * 3_600_000).into();
    old["ecommerce"]["coupon"] = "OLD10".into();
    old["outbound"]["click_id"] = "c-old".into();
    old["attribution"]["affiliate"] = Value::Null;
    assert_eq!(post(&http, &b, std::slice::from_ref(&old)).await["accepted"], 1);
    assert_eq!(post(&http, &reference, &[old]).await["accepted"], 1);
    // A visit from a phone whose clock is two days behind: its time, corrected by
    // `sent_at`, is now, but its `occurred_at` (ClickHouse's sorting key) two days ago,
    // so a report finds it through `far_clock`. Both collectors take it.
    let mut behind = event("pv-behind", "page_view");
    let two_days = 2 * 86_400_000;
    behind["occurred_at"] = (now_ms() - two_days - 1000).into();
    behind["sent_at"] = (now_ms() - two_days).into();
    for c in [&a, &b, &reference] {
        assert_eq!(post(&http, c, std::slice::from_ref(&behind)).await["accepted"], 1);
    }
    let r = post(&http, &reference, &events).await;
    assert_eq!(post(&http, &reference, &[reload]).await["duplicates"], 1, "SQLite keeps one purchase per transaction");
    assert_eq!(r["accepted"], 17);

    let s1 = session("cs_live_1", "c-1", 3200);
    let s2 = session("cs_live_2", "c-2", 1620);
    let s3 = session("cs_live_3", "c-3", 1800);
    let refund = json!({"id": "evt_r", "type": "charge.refunded", "created": now_ms() / 1000,
        "data": {"object": {"id": "ch_1", "payment_intent": "pi_cs_live_1", "amount_refunded": 700, "currency": "eur"}}})
    .to_string();
    // An order with the old checkout's code and no click id.
    let s4 = json!({"id": "evt_cs_live_4", "type": "checkout.session.completed", "created": now_ms() / 1000,
        "data": {"object": {"id": "cs_live_4", "object": "checkout.session", "amount_total": 1000, "currency": "eur",
            "payment_status": "paid", "metadata": {"coupon": "old10"}, "created": now_ms() / 1000}}})
    .to_string();
    // Stripe delivers the first order twice, to each collector once.
    for (collector, body) in [(&a, &s1), (&b, &s1), (&a, &s2), (&b, &s3), (&a, &s4), (&b, &refund)] {
        assert_eq!(stripe(&http, collector, body).await.status, 200);
    }
    for body in [&s1, &s2, &s3, &s4, &refund] {
        assert_eq!(stripe(&http, &reference, body).await.status, 200);
    }

    let url = &cluster.urls[0];
    assert_eq!(
        wait_for(url, &db, "SELECT uniqExact(event_id) FROM events", 20, 30).await,
        20,
        "every event id arrives"
    );
    assert_eq!(wait_for(url, &db, "SELECT uniqExact(provider, order_id) FROM orders", 4, 30).await, 4);
    assert_eq!(wait_for(url, &db, "SELECT count() FROM refunds FINAL", 1, 30).await, 1);
    assert_eq!(number(url, &db, "SELECT count() FROM events FINAL").await, 20, "FINAL collapses the copies");
    assert_eq!(
        number(url, &db, "SELECT uniqExact(event_id) FROM far_clock").await,
        1,
        "only the event from the phone two days behind is listed apart"
    );
    // Both collectors shipped everything (nothing left waiting).
    for c in [&a, &b] {
        let started = Instant::now();
        loop {
            let h = http.get(&c.url("/healthz"), &[]).await.expect("healthz").json();
            if h["clickhouse"]["unshipped_rows"] == 0 && h["clickhouse"]["shipped_rows"].as_u64() > Some(0) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "still unshipped: {h}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let (from, to) = (now_ms() - 3_600_000, now_ms() + 3_600_000);
    let from_a = stats(&http, &a, "/v1/stats", from, to).await.json();
    let from_b = stats(&http, &b, "/v1/stats", from, to).await.json();
    let from_sqlite = stats(&http, &reference, "/v1/stats", from, to).await.json();
    let totals = &from_a["totals"];
    assert_eq!(
        [
            &totals["page_views"],
            &totals["product_selects"],
            &totals["checkouts_started"],
            &totals["checkouts_ordered"],
            &totals["purchases_verified"],
            &totals["purchases_unverified"],
            &totals["purchases"],
        ],
        [9, 4, 3, 3, 4, 2, 5],
        "{totals}: the visit from the phone two days behind counts once"
    );
    assert_eq!(
        totals["revenue"],
        json!([{"currency": "EUR", "all": 9420, "verified": 7620, "unverified": 5000, "refunded": 700}]),
        "{totals}"
    );
    let joined: Vec<&str> =
        from_a["orders"].as_array().expect("orders").iter().filter_map(|o| o["click"]["how"].as_str()).collect();
    assert_eq!(joined, ["click_id", "click_id", "click_id"], "every order with a click id found it in ClickHouse");
    let joins: Vec<&str> =
        from_a["orders"].as_array().expect("orders").iter().filter_map(|o| o["join"].as_str()).collect();
    assert_eq!(
        joins.iter().filter(|j| **j == "outside_window").count(),
        1,
        "{joins:?}: the old code's order, read from ClickHouse"
    );
    assert_eq!(from_a, from_b, "either collector answers the same");
    assert_eq!(from_a, from_sqlite, "ClickHouse and SQLite answer the same for the same events");
    // One affiliate's share, as the brand sees it and as their own report link does.
    let brand_view = |c: &Collector| c.url(&format!("/v1/stats?from={from}&to={to}&affiliate={AFFILIATE}"));
    let credential =
        linkshelf_collector::credential::issue(REPORT_SECRET.as_bytes(), AFFILIATE, now_ms() / 1000 + 3600)
            .expect("credential");
    let own_view = |c: &Collector| c.url(&format!("/v1/stats?from={from}&to={to}&token={credential}"));
    let auth = format!("Bearer {TOKEN}");
    let mut views = Vec::new();
    for c in [&a, &b, &reference] {
        let brand = http.get(&brand_view(c), &[("authorization", &auth)]).await.expect("get");
        let own = http.get(&own_view(c), &[]).await.expect("get");
        assert_eq!((brand.status, own.status), (200, 200), "{} {}", brand.body, own.body);
        views.push((brand.json(), own.json()));
    }
    let (brand, own) = &views[0];
    assert_eq!(brand["totals"]["page_views"], 1, "{brand}");
    assert_eq!(own["totals"]["checkouts_started"], 1, "{own}");
    let credited: Vec<&str> =
        own["orders"].as_array().expect("orders").iter().filter_map(|o| o["order_id"].as_str()).collect();
    assert_eq!(credited, ["cs_live_2"], "the order of their checkout, credited by its click");
    assert_eq!(views[0], views[1], "an affiliate's figures are the same from either collector");
    assert_eq!(views[0], views[2], "and the same as from SQLite");
    let report_a = stats(&http, &a, "/v1/report", from, to).await.body;
    let report_sqlite = stats(&http, &reference, "/v1/report", from, to).await.body;
    assert_eq!(report_a, report_sqlite, "the HTML report too");
    let csv_a = stats(&http, &a, "/v1/stats.csv", from, to).await.body;
    let csv_sqlite = stats(&http, &reference, "/v1/stats.csv", from, to).await.body;
    assert_eq!(csv_a, csv_sqlite);
}

/// (b) kill -9 between insert and mark-shipped: the collector aborts right after
/// ClickHouse acknowledged a block (the test-only hook), then restarts on the same file:
/// the same block goes again, the replicated table drops it, and every event is there
/// exactly once, counted without FINAL. The first attempt's rows came from the writer's
/// hand-over in memory (`fresh`) and the resend's from SQLite, so this also holds the two
/// to the same bytes (a field changed in one of them leaves a duplicate here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_insert_and_mark_shipped_neither_loses_nor_duplicates() {
    let Some(cluster) = cluster("a_crash_between_insert_and_mark_shipped") else { return };
    let _shared = OUTAGE.read().await;
    let db = database("crash");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crash.sqlite");
    let url = &cluster.urls[0];
    // Slow rounds, so every event is in SQLite before the first block is planned.
    let args = ch_args_with(url, &db, "1500", "100");
    let mut c = Collector::start_on_with_env(&path, &args, &[("LINKSHELF_TEST_CRASH_AFTER_INSERT", "1")]);
    let http = Client::default();
    let events: Vec<Value> = (0..250).map(|i| event(&format!("crash-{i}"), "page_view")).collect();
    for chunk in events.chunks(50) {
        let answer = http.post_text(&c.url("/v1/events"), batch(chunk)).await;
        if answer.is_err() {
            break; // the collector crashed early: what it acknowledged is what counts
        }
    }
    let status = c.wait_exit(Duration::from_secs(30)).expect("the collector aborted after the insert");
    assert!(!status.success(), "it crashed");
    let in_clickhouse = number(url, &db, "SELECT count() FROM events").await;
    assert!((1..=100).contains(&in_clickhouse), "one acknowledged block is in ClickHouse: {in_clickhouse}");
    let stored = c.count("SELECT count(*) FROM events");
    let cursor = |target: &str| {
        c.count(&format!("SELECT coalesce(max(last_id), 0) FROM forward_cursor WHERE target = '{target}'"))
    };
    assert_eq!(cursor("clickhouse:events"), 0, "the block was not marked shipped");
    assert!(cursor("clickhouse:events:block") > 0, "the block was planned");

    let mut c = Collector::start_on(&path, &ch_args(url, &db));
    let total = stored as u64;
    assert_eq!(wait_for(url, &db, "SELECT uniqExact(event_id) FROM events", total, 30).await, total, "no loss");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(number(url, &db, "SELECT count() FROM events").await, total, "no duplicate, even before merges");
    assert_eq!(number(&cluster.urls[1], &db, "SELECT count() FROM events").await, total, "the other replica too");
    assert!(c.logs().contains("resending a block"), "the same block went again");
    assert_eq!(c.stop().code(), Some(0));
}

/// (c) ClickHouse stopped for a while under load, then restarted: ingest kept answering
/// 2xx, and every acknowledged event arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_down_under_load_then_back_everything_arrives_once() {
    let Some(cluster) = cluster("clickhouse_down_under_load") else { return };
    let _alone = OUTAGE.write().await;
    let db = database("outage");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = cluster.urls[1].clone();
    let mut c = Collector::start_on(&dir.path().join("outage.sqlite"), &ch_args_with(&url, &db, "50", "5000"));
    let http = Client::default();
    // The tables exist before the outage.
    assert_eq!(post(&http, &c, &[event("before-outage", "page_view")]).await["accepted"], 1);
    assert_eq!(wait_for(&url, &db, "SELECT count() FROM events", 1, 30).await, 1);

    let load = Load {
        url: c.url("/v1/events"),
        concurrency: 1,
        duration: Duration::from_secs(12),
        batch: 50,
        prefix: "outage".into(),
        keep_ids: true,
        mix: Mix::Visits,
    };
    let running = tokio::spawn(run(load));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let down = ReplicaDown::stop(&cluster.dir, "2").await;
    let down_at = Instant::now();
    // Rows pile up in SQLite and the failure shows in /healthz.
    loop {
        let health = http.get(&c.url("/healthz"), &[]).await.expect("healthz").json();
        let waiting = health["clickhouse"]["unshipped_rows"].as_u64().unwrap_or(0);
        if waiting > 100 && health["clickhouse"]["last_error"].is_string() {
            break;
        }
        assert!(down_at.elapsed() < Duration::from_secs(8), "no backlog while ClickHouse is down: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!running.is_finished(), "the load still runs while ClickHouse is down");
    // Stats read the shared store: while it is away they ask to be retried.
    let stats_now = http.get(&c.url("/v1/stats"), &[("authorization", &format!("Bearer {TOKEN}"))]).await.expect("get");
    assert_eq!((stats_now.status, stats_now.header("retry-after")), (503, Some("5")), "{}", stats_now.body);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let health = http.get(&c.url("/healthz"), &[]).await.expect("healthz").json();
    assert!(health["clickhouse"]["lag_ms"].as_i64() > Some(900), "the oldest waiting event waits: {health}");
    down.start().await;
    eprintln!("replica 2 was down for {:?}; the backlog then: {}", down_at.elapsed(), health["clickhouse"]);
    let report = running.await.expect("load");
    assert_eq!(report.errors, 0, "ingest answered 2xx throughout the outage");
    let expected = report.acknowledged + 1;
    assert!(report.acknowledged > 100, "the load ran: {}", report.acknowledged);
    let started = Instant::now();
    let got = wait_for(&url, &db, "SELECT uniqExact(event_id) FROM events", expected, 60).await;
    assert_eq!(got, expected, "every acknowledged event arrives");
    eprintln!("caught up {:?} after the load ended", started.elapsed());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids = ch(&url, &db).query("SELECT event_id FROM events").fetch_all::<String>().await.expect("ids");
    assert_eq!(ids.len() as u64, expected, "exactly once, even before merges");
    let ids: std::collections::HashSet<String> = ids.into_iter().collect();
    assert!(report.acknowledged_ids.iter().all(|id| ids.contains(id)), "each acknowledged id is there");
    assert_eq!(c.stop().code(), Some(0));
}

/// Retention on the cluster: old raw events are counted into `daily`, then purged from
/// both replicas; recent ones stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_counts_old_days_then_purges_them() {
    use linkshelf_collector::clickhouse::{self as store_ch, EventRow};
    use linkshelf_collector::retention::{self, DAY_MS};
    let Some(cluster) = cluster("retention_counts_old_days_then_purges_them") else { return };
    let _shared = OUTAGE.read().await;
    let db = database("retention");
    let settings = ch_settings(&cluster.urls[0], &db, Some("linkshelf"));
    let client = store_ch::prepare(&settings).await.expect("tables");
    let now = now_ms();
    let today = now.div_euclid(DAY_MS);
    let row = |id: &'static str, day: i64, value: i64| EventRow {
        event_id: id.into(),
        name: "purchase".into(),
        creator_id: "juno-park".into(),
        event_time: day * DAY_MS + 1000,
        occurred_at: day * DAY_MS + 1000,
        currency: Some("EUR".into()),
        value: Some(value),
        ver: 1,
        ..EventRow::default()
    };
    // A page view of the old day at 10:20, which its hour's rollup row outlives.
    const HOUR: i64 = 3_600_000;
    let viewed = (today - 40) * DAY_MS + 10 * HOUR + 20 * 60_000;
    let view = EventRow {
        name: "page_view".into(),
        event_time: viewed,
        occurred_at: viewed,
        currency: None,
        value: None,
        ..row("old-view", today - 40, 0)
    };
    let mut insert = client.insert::<EventRow>("events").await.expect("insert");
    for r in [row("old-1", today - 40, 500), row("old-2", today - 40, 700), row("new-1", today - 1, 300), view] {
        insert.write(&r).await.expect("write");
    }
    insert.end().await.expect("end");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("retention.sqlite");
    let (writer, thread, _) = linkshelf_collector::store::start(
        linkshelf_collector::store::open(&path, linkshelf_collector::store::Durability::Normal).expect("sqlite"),
    );
    let url = &settings.url;
    let on = ch(url, &db);
    let parts = |partition: i64| {
        let sql = format!(
            "SELECT name FROM system.parts WHERE database = '{db}' AND table = 'events' AND active
               AND partition_id = '{partition}' ORDER BY name"
        );
        let query = on.query(&sql);
        async move { query.fetch_all::<String>().await.expect("parts") }
    };
    // new-1's partition (its device day, from 01:00: the day before).
    let recent = parts(today - 2).await;
    assert!(!recent.is_empty());
    retention::round(&path, Some(&client), &writer, 30, now).await.expect("retention");
    // The old day's partition is dropped (at once, on both replicas), not rewritten by a
    // mutation: the recent parts keep their names, so their provisional counts hold.
    for url in &cluster.urls {
        assert_eq!(wait_for(url, &db, "SELECT count() FROM events", 1, 20).await, 1, "only the recent event stays");
    }
    assert_eq!(parts(today - 2).await, recent, "the recent parts untouched");
    let mutations = format!("SELECT count() FROM system.mutations WHERE database = '{db}' AND table = 'events'");
    assert_eq!(number(url, &db, &mutations).await, 0, "no mutation");

    let daily = |day: i64| format!("SELECT sum(events) FROM daily FINAL WHERE day = {day}");
    assert_eq!(number(&settings.url, &db, &daily(today - 40)).await, 3, "the old day is counted");
    assert_eq!(number(&settings.url, &db, &daily(today - 1)).await, 1, "and the recent one");
    let value: String = ch(&settings.url, &db)
        .query(&format!("SELECT toString(sum(value)) FROM daily FINAL WHERE day = {}", today - 40))
        .fetch_one()
        .await
        .expect("value");
    assert_eq!(value, "1200");
    // Stats' day rollup holds the old day, its days and its hours, before its raw
    // events go; a range to the millisecond over it still counts its whole hours (the
    // page view's), from the hours' rows, and nothing is left to group.
    for table in ["event_days_done", "event_hours_done"] {
        let done = format!("SELECT count() FROM {table} FINAL WHERE day = {}", today - 40);
        assert_eq!(number(&settings.url, &db, &done).await, 1, "the old day is in {table}");
    }
    let (from, to) = (viewed - 50 * 60_000, viewed + 2 * HOUR + 25 * 60_000);
    let read = linkshelf_collector::stats_source::read(&client, from, to, 7 * DAY_MS, None).await.expect("read");
    let counts: Vec<(i64, u64)> = read.done.counts.iter().map(|c| (c.first_time, c.events)).collect();
    assert_eq!(counts, [(viewed, 1)], "the page view's hour");
    assert!(read.groups.is_empty(), "{:?}", read.groups);
    // An old event again, beside an event of yesterday from a phone whose clock said 39
    // days ago (listed in `far_clock`): their partition stays, and the old event goes by
    // a mutation, in the background.
    let far = EventRow { event_time: (today - 1) * DAY_MS + 5000, ..row("far-1", today - 40, 100) };
    let mut insert = client.insert::<EventRow>("events").await.expect("insert");
    for r in [row("old-4", today - 40, 900), far.clone()] {
        insert.write(&r).await.expect("write");
    }
    insert.end().await.expect("end");
    let listed = format!(
        "INSERT INTO far_clock (event_time, name, occurred_at, event_id, ver) VALUES ({}, 'purchase', {}, 'far-1', 1)",
        far.event_time, far.occurred_at
    );
    ch(url, &db).query(&listed).execute().await.expect("far_clock");
    retention::round(&path, Some(&client), &writer, 30, now).await.expect("retention");
    drop(writer);
    thread.join().expect("writer");
    for url in &cluster.urls {
        let sql = "SELECT count() FROM events WHERE event_id IN ('far-1', 'new-1')";
        assert_eq!(wait_for(url, &db, "SELECT count() FROM events", 2, 20).await, 2, "the old one went");
        assert_eq!(number(url, &db, sql).await, 2, "yesterday's stay, whatever their phone's clock");
    }
}

/// One ClickHouse server without a cluster: plain `ReplacingMergeTree` tables, and two
/// collectors that took the same events still count them once (`FINAL`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_without_a_cluster_keeps_plain_tables_and_counts_once() {
    let Some(cluster) = cluster("one_server_without_a_cluster") else { return };
    let _shared = OUTAGE.read().await;
    let db = database("single");
    let url = &cluster.urls[0];
    let args: Vec<String> = {
        let all = ch_args(url, &db);
        let at = all.iter().position(|a| a == "--clickhouse-cluster").expect("cluster flag");
        all.iter().enumerate().filter(|(i, _)| *i != at && *i != at + 1).map(|(_, a)| a.clone()).collect()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Collector::start_on(&dir.path().join("a.sqlite"), &args);
    let b = Collector::start_on(&dir.path().join("b.sqlite"), &args);
    let http = Client::default();
    let events: Vec<Value> = (0..30).map(|i| event(&format!("single-{i}"), "page_view")).collect();
    assert_eq!(post(&http, &a, &events).await["accepted"], 30);
    assert_eq!(post(&http, &b, &events[10..]).await["accepted"], 20, "b takes 20 of the same events");
    assert_eq!(wait_for(url, &db, "SELECT uniqExact(event_id) FROM events", 30, 30).await, 30);
    // Both copies went (a background merge may already have collapsed them).
    for (c, sent) in [(&a, 30), (&b, 20)] {
        let started = Instant::now();
        while http.get(&c.url("/healthz"), &[]).await.expect("healthz").json()["clickhouse"]["shipped_rows"] != sent {
            assert!(started.elapsed() < Duration::from_secs(30), "{sent} rows not shipped");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(number(url, &db, "SELECT count() FROM events FINAL").await, 30, "they count once");
    let engine: String = ch(url, "system")
        .query("SELECT engine FROM system.tables WHERE database = ? AND name = 'events'")
        .bind(&db)
        .fetch_one()
        .await
        .expect("engine");
    assert_eq!(engine, "ReplacingMergeTree");
    assert_eq!(
        number(&cluster.urls[1], "system", &format!("SELECT count() FROM system.tables WHERE database = '{db}'")).await,
        0,
        "nothing on the other server"
    );
    let (from, to) = (now_ms() - 3_600_000, now_ms() + 3_600_000);
    let s = stats(&http, &b, "/v1/stats", from, to).await.json();
    assert_eq!(s["totals"]["page_views"], 30, "{s}");

    use linkshelf_collector::clickhouse as store_ch;
    // A database whose `events` a collector from before the re-keying made (sorted by
    // `event_id`): refused, with the way out, and left as it was.
    let old = format!("{db}_old_key");
    let server = ch(url, "system");
    server.query(&format!("CREATE DATABASE {old}")).execute().await.expect("database");
    server
        .query(&format!(
            "CREATE TABLE {old}.events (event_id String, occurred_at Int64, ver UInt64)
             ENGINE = ReplacingMergeTree(ver) PARTITION BY intDiv(occurred_at, 2592000000) ORDER BY event_id"
        ))
        .execute()
        .await
        .expect("old table");
    let settings = ch_settings(url, &old, None);
    let Err(refused) = store_ch::prepare(&settings).await else { panic!("an old events table is refused") };
    assert!(matches!(refused, store_ch::ChError::OldEventsKey(_)), "{refused}");
    assert!(refused.to_string().contains("Re-keying events"), "{refused}");
    assert_eq!(
        number(url, "system", &format!("SELECT count() FROM system.tables WHERE database = '{old}'")).await,
        1,
        "nothing created beside it"
    );
    // Half-way through re-keying (`events` renamed away, a side table of session 14
    // left): refused too, rather than failing at the first block.
    let half = format!("{db}_half_way");
    server.query(&format!("CREATE DATABASE {half}")).execute().await.expect("database");
    server
        .query(&format!(
            "CREATE TABLE {half}.far_clock (event_time Int64, occurred_at Int64, event_id String, ver UInt64)
             ENGINE = ReplacingMergeTree(ver) PARTITION BY tuple() ORDER BY (event_time, occurred_at, event_id)"
        ))
        .execute()
        .await
        .expect("old side table");
    let Err(refused) = store_ch::prepare(&ch_settings(url, &half, None)).await else {
        panic!("an old side table is refused")
    };
    assert!(matches!(refused, store_ch::ChError::OldEventsKey(_)), "{refused}");
    // Session 15's layout: sorted as today, but `events` in 30-day partitions and
    // `far_clock` in one (no parts of a day's own to tell a change by).
    let monthly = format!("{db}_monthly");
    server.query(&format!("CREATE DATABASE {monthly}")).execute().await.expect("database");
    let today = store_ch::ddl(&ch_settings(url, &monthly, None));
    for (_, sql) in &today {
        let sql = sql
            .replace(
                "PARTITION BY intDiv(occurred_at - 3600000, 86400000)",
                "PARTITION BY intDiv(occurred_at, 2592000000)",
            )
            .replace("PARTITION BY intDiv(event_time, 86400000)", "PARTITION BY tuple()");
        server.query(&sql).execute().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let Err(refused) = store_ch::prepare(&ch_settings(url, &monthly, None)).await else {
        panic!("monthly partitions are refused")
    };
    assert!(matches!(refused, store_ch::ChError::OldEventsKey(_)), "{refused}");
}

/// Stats read ClickHouse through day groups (one `GROUP BY`, see `stats_source`), the
/// partial first and last days grouped over their part of the range: a collector on ClickHouse
/// answers what one on SQLite alone answers (itself reading its own rollup) for the same
/// events spread over five days, to the last field, in JSON, CSV and HTML. The events
/// vary in everything a rollup row is keyed by (tags, both spellings of a code, code
/// ids, products by line and by page, titles, an affiliate), purchases and checkouts
/// that orders confirm fall on whole days, and one checkout arrives late (after SQLite
/// rolled its day up) and is its day's earliest, so its spelling of the code wins there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_days_read_from_clickhouse_day_groups_answer_what_sqlite_answers() {
    let Some(cluster) = cluster("whole_days_read_from_clickhouse_day_groups") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let Fed { a, reference, http, db: _, today, _dir } = fed(url, "days").await;
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    // Partial days at both ends, whatever the time of day (the orders, made now, are in
    // it but in the day's last minute).
    let from = today - 4 * DAY + 6 * HOUR;
    let to = today + DAY - 60_000;
    // Also whole days only, from the late checkout's day and from the next one's.
    same_figures(&http, &a, &reference, &[(from, to), (today - 3 * DAY, today), (today - 2 * DAY, today)]).await;
    // And to the millisecond (the days' events lie from 10:00 to 10:20): the partial
    // days grouped over exactly their part of the range, one end cutting a day's events
    // (10:00 to 10:09:00.005); and a range with no whole day.
    const MINUTE: i64 = 60_000;
    let ms = [
        (today - 4 * DAY + 9 * HOUR + 30 * MINUTE + 3, today - DAY + 10 * HOUR + 9 * MINUTE + 5),
        (today - 4 * DAY + 10 * HOUR + 5 * MINUTE + 1, today - 2 * DAY + 11 * HOUR + 1),
        (today - 3 * DAY + 9 * HOUR + 59 * MINUTE, today - 3 * DAY + 11 * HOUR + 30_000),
    ];
    same_figures(&http, &a, &reference, &ms).await;
    // The range holds every event: the comparison above compared all of them.
    let s = stats(&http, &a, "/v1/stats", from, to).await.json();
    let totals = &s["totals"];
    assert_eq!(
        [&totals["page_views"], &totals["product_selects"], &totals["checkouts_started"], &totals["checkouts_ordered"]],
        [31, 15, 33, 4],
        "{totals}"
    );
    let joins: Vec<(&str, i64)> = s["joins"]["outcomes"]
        .as_array()
        .expect("joins")
        .iter()
        .filter_map(|o| Some((o["outcome"].as_str()?, o["count"].as_i64()?)))
        .filter(|(_, count)| *count > 0)
        .collect();
    assert_eq!(joins, [("click_id", 4), ("code_only", 1), ("utm_only", 1)], "every order joined");
    let series: Vec<i64> = s["series"]["points"]
        .as_array()
        .expect("series")
        .iter()
        .filter_map(|p| p["checkouts_started"].as_i64())
        .collect();
    assert_eq!(series, [6, 8, 7, 6, 6], "each day's checkouts in its own day, the late one in day 3");
}

/// Orders joined by code or by source (no click id) are joined to the checkout SQLite
/// picks, the latest in their window: found by ClickHouse where checkouts are dense (in
/// the order's last two minutes, `ch_checkouts::picked`), read over the whole window
/// where they are not (the fed orders, whose checkouts are days old).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_joined_by_code_or_source_get_the_checkout_sqlite_picks() {
    use linkshelf_collector::clickhouse as store_ch;
    let Some(cluster) = cluster("orders_joined_by_code_or_source") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let Fed { a, reference, http, db, today, _dir } = fed(url, "joins").await;
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    // Orders made five minutes ago, and checkouts four to five minutes after them (inside
    // their windows, which end five minutes after them: the shop's clock may lag; and
    // in their last two one-minute buckets) and before now, as a busy code has them.
    let created = (now_ms() - 295_000) / 1000 * 1000;
    let checkout = |id: &str, offset: i64, code: Option<&str>, source: Option<(&str, &str)>| {
        let mut e = event(id, "begin_checkout");
        e["occurred_at"] = (created + offset).into();
        e["sent_at"] = Value::Null;
        e["ecommerce"] = json!({"currency": "EUR", "value": 1620, "coupon": code, "transaction_id": null,
            "items": [{"item_id": "tote", "item_name": "Tote", "price": 1620, "quantity": 1, "index": 0, "item_list_id": null}]});
        if let Some((source, medium)) = source {
            e["attribution"]["utm_source"] = source.into();
            e["attribution"]["utm_medium"] = medium.into();
        }
        e
    };
    let checkouts = [
        checkout("bk-1", 250_000, Some("BUCKET5"), None),
        checkout("bk-2", 260_000, Some("bucket5"), None),
        checkout("bk-3", 270_000, Some("Bucket5"), None),
        checkout("rl-0", 245_000, None, Some(("reel", "story"))),
        checkout("rl-1", 255_000, None, Some(("reel", "clip"))),
        checkout("rl-2", 280_000, None, Some(("reel", "story"))),
    ];
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, &checkouts).await["accepted"], checkouts.len());
    }
    // And an order with a code no checkout carries, five minutes earlier (its window
    // ends as the others are made).
    for (id, metadata, at) in [
        ("cs_bucket", json!({"coupon": "bucket5"}), created),
        ("cs_reel", json!({"utm_source": "reel", "utm_medium": "clip"}), created),
        ("cs_nobody", json!({"coupon": "nobody5"}), created - 300_000),
    ] {
        let body = json!({"id": format!("evt_{id}"), "type": "checkout.session.completed", "created": at / 1000,
            "data": {"object": {"id": id, "object": "checkout.session", "amount_total": 1620, "currency": "eur",
                "payment_status": "paid", "metadata": metadata, "created": at / 1000}}})
        .to_string();
        for c in [&a, &reference] {
            assert_eq!(stripe(&http, c, &body).await.status, 200);
        }
    }
    let sql = "SELECT count() FROM events FINAL WHERE event_id IN ('bk-1', 'bk-2', 'bk-3', 'rl-0', 'rl-1', 'rl-2')";
    assert_eq!(wait_for(url, &db, sql, 6, 30).await, 6);
    assert_eq!(wait_for(url, &db, "SELECT count() FROM orders FINAL", 9, 30).await, 9);
    let (from, to) = (today - 4 * DAY + 6 * HOUR, today + DAY - 60_000);
    let window = 7 * DAY;
    let client = store_ch::prepare(&ch_settings(url, &db, Some("linkshelf"))).await.expect("tables");
    let picked = linkshelf_collector::ch_checkouts::picked(
        &client,
        &[(from, to)],
        (from - window, to + 300_000),
        window,
        linkshelf_collector::ch_checkouts::Searches::ALL,
    )
    .await
    .expect("picked");
    let ids: Vec<&str> = picked.iter().map(|e| e.event_id.as_str()).collect();
    // rl-1 is neither the earliest nor the latest with its source: the join found it.
    assert!(ids.contains(&"bk-3") && ids.contains(&"rl-1"), "each order's latest, found by ClickHouse: {ids:?}");
    assert!(!ids.contains(&"bk-2"), "not a code's earliest, latest or an order's: {ids:?}");
    same_figures(&http, &a, &reference, &[(from, to), (today, to)]).await;
    let s = stats(&http, &a, "/v1/stats", from, to).await.json();
    let joined: Vec<(&str, &str)> = s["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| Some((o["order_id"].as_str()?, o["click"]["event_id"].as_str()?)))
        .filter(|(order, _)| ["cs_bucket", "cs_reel", "cs_days_code", "cs_days_utm"].contains(order))
        .collect();
    assert_eq!(
        joined,
        [("cs_bucket", "bk-3"), ("cs_reel", "rl-1"), ("cs_days_code", "d2-co-code"), ("cs_days_utm", "d3-co-utm")],
        "{}",
        s["orders"]
    );
    // None of these orders has settled: a batch of recent picks decides them, with the
    // same answer, until a checkout arrives that beats one.
    let recent = |at| linkshelf_collector::ch_recent_picks::step(&client, at, window, None);
    let batch = recent(now_ms()).await.expect("recent picks");
    let marked: Vec<u64> = ch(url, &db)
        .query("SELECT orders FROM recent_picks_done ORDER BY ver DESC LIMIT 1")
        .fetch_all()
        .await
        .expect("marker");
    // (The collector's own loop may have picked them all already: then none is picked.)
    assert!(batch.is_none_or(|n| n == 9) && marked == [9], "every order, in one batch: {batch:?} {marked:?}");
    assert_eq!(recent(now_ms()).await.expect("again"), None, "nothing arrived: no new batch");
    assert_eq!(stats(&http, &a, "/v1/stats", from, to).await.json(), s, "the same answer from the recent picks");
    let beats = checkout("bk-4", 290_000, Some("BUCKET5"), None);
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, std::slice::from_ref(&beats)).await["accepted"], 1);
    }
    assert_eq!(wait_for(url, &db, "SELECT count() FROM events FINAL WHERE event_id = 'bk-4'", 1, 30).await, 1);
    let s = stats(&http, &a, "/v1/stats", from, to).await.json();
    let clicked = |s: &Value, order: &str| {
        let orders = s["orders"].as_array().expect("orders");
        orders.iter().find(|o| o["order_id"] == order).map(|o| o["click"]["event_id"].clone())
    };
    assert_eq!(clicked(&s, "cs_bucket"), Some(json!("bk-4")), "the later checkout, arrived since the batch");
    assert_eq!(clicked(&s, "cs_reel"), Some(json!("rl-1")), "still its pick");
    same_figures(&http, &a, &reference, &[(from, to), (today, to)]).await;
    // A new batch, which picked bk-4 and saw its part: reports decide from it, not from
    // the rows of the batch before, which the collector remembered since its reports.
    let batch = recent(now_ms()).await.expect("a new batch");
    assert!(batch.is_none_or(|n| n == 9), "a checkout arrived: a new batch of every order: {batch:?}");
    let s = stats(&http, &a, "/v1/stats", from, to).await.json();
    assert_eq!(clicked(&s, "cs_bucket"), Some(json!("bk-4")), "its pick in the new batch");
    same_figures(&http, &a, &reference, &[(from, to), (today, to)]).await;
    // Eleven days on, every order's window has settled: their checkouts are picked once
    // and kept (`ch_picks`), and reports read those instead of joining the orders again,
    // with the same figures and the same clicks.
    let later = now_ms() + 11 * DAY;
    let pick = |unshipped| linkshelf_collector::ch_picks::step(&client, later, window, unshipped);
    // A collector with an event of two days ago still in its outbox picks none of them:
    // their windows reach it.
    assert_eq!(pick(Some(today - 2 * DAY)).await.expect("pick"), 0, "a checkout may still come");
    assert_eq!(pick(None).await.expect("pick"), 9, "every order");
    assert_eq!(pick(None).await.expect("again"), 0, "picked once");
    let picks: Vec<(String, String, String)> = ch(url, &db)
        .query(
            "SELECT order_id, role, event_id FROM order_picks FINAL
             WHERE order_id IN ('cs_bucket', 'cs_reel', 'cs_days_code', 'cs_days_utm', 'cs_days_1', 'cs_nobody')
             ORDER BY order_id, event_id",
        )
        .fetch_all()
        .await
        .expect("picks");
    let picks: Vec<(&str, &str, &str)> = picks.iter().map(|(o, r, e)| (o.as_str(), r.as_str(), e.as_str())).collect();
    assert_eq!(
        picks,
        [
            ("cs_bucket", "code", "bk-4"),
            ("cs_days_1", "none", ""),
            ("cs_days_code", "code", "d2-co-code"),
            ("cs_days_utm", "source", "d3-co-utm"),
            ("cs_nobody", "undecided", ""),
            ("cs_reel", "source", "rl-1"),
        ],
        "by code, by source with its medium, none for an order with a click id only, and undecided for a code no \
         checkout carries"
    );
    let orders: Vec<linkshelf_collector::clickhouse::OrderRow> =
        ch(url, &db).query("SELECT ?fields FROM orders FINAL").fetch_all().await.expect("orders");
    let mut kept =
        linkshelf_collector::ch_picks::kept(&client, &[(from, to)], window, orders.len()).await.expect("kept");
    assert!(orders.iter().all(|o| kept.take(o).is_some()), "a report finds every order's picks");
    let mut other_window =
        linkshelf_collector::ch_picks::kept(&client, &[(from, to)], window + 3_600_000, orders.len())
            .await
            .expect("kept");
    assert!(orders.iter().all(|o| other_window.take(o).is_none()), "picked for another window: joined live");
    same_figures(&http, &a, &reference, &[(from, to), (today, to)]).await;
    assert_eq!(stats(&http, &a, "/v1/stats", from, to).await.json(), s, "the same answer from the picks");
    let join_of = |s: &Value, order: &str| {
        let orders = s["orders"].as_array().expect("orders");
        orders.iter().find(|o| o["order_id"] == order).map(|o| o["join"].clone())
    };
    assert_eq!(join_of(&s, "cs_nobody"), Some(json!("no_click_id")));
    // Its code on a checkout now, after its window: it was outside its window after all,
    // which a report finds though the order's picks are kept.
    let mut late = checkout("nb-1", 0, Some("NOBODY5"), None);
    late["occurred_at"] = now_ms().into();
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, &[late.clone()]).await["accepted"], 1);
    }
    assert_eq!(wait_for(url, &db, "SELECT count() FROM events FINAL WHERE event_id = 'nb-1'", 1, 30).await, 1);
    // (Whole days: a partial day's events are copied raw, the checkout with them.)
    let whole = (today - 4 * DAY, today + DAY);
    let after = stats(&http, &a, "/v1/stats", whole.0, whole.1).await.json();
    assert_eq!(join_of(&after, "cs_nobody"), Some(json!("outside_window")), "{}", after["orders"]);
    same_figures(&http, &a, &reference, &[whole, (from, to), (today, to)]).await;
    // An order that arrives after the picks, made before the last one picked: it has no
    // picks, so it is joined live, to its code's latest checkout (days old), as SQLite
    // joins it.
    let at = (created - 400_000) / 1000;
    let body = json!({"id": "evt_cs_straggler", "type": "checkout.session.completed", "created": at,
        "data": {"object": {"id": "cs_straggler", "object": "checkout.session", "amount_total": 1620,
            "currency": "eur", "payment_status": "paid", "metadata": {"coupon": "juno15"}, "created": at}}})
    .to_string();
    for c in [&a, &reference] {
        assert_eq!(stripe(&http, c, &body).await.status, 200);
    }
    assert_eq!(wait_for(url, &db, "SELECT count() FROM orders FINAL", 10, 30).await, 10);
    let joined = stats(&http, &a, "/v1/stats", whole.0, whole.1).await.json();
    assert_eq!(join_of(&joined, "cs_straggler"), Some(json!("code_only")), "{}", joined["orders"]);
    same_figures(&http, &a, &reference, &[whole, (from, to)]).await;
    // The collector remembers what the picks decided (`ch_picks::Remembered`), for each
    // order as it was. A copy of an order received earlier than the one shipped (by a
    // collector that was down), with a code where the other had a source, makes the
    // order another one: it is joined live, by its code, not to its remembered pick.
    assert_eq!(clicked(&joined, "cs_reel"), Some(json!("rl-1")), "its pick, remembered");
    let mut first: linkshelf_collector::clickhouse::OrderRow = ch(url, &db)
        .query("SELECT ?fields FROM orders FINAL WHERE order_id = 'cs_reel'")
        .fetch_one()
        .await
        .expect("cs_reel");
    first.received_at -= 1;
    first.ver = store_ch::first_wins(first.received_at);
    (first.coupon, first.utm_source, first.utm_medium) = (Some("bucket5".into()), None, None);
    let mut insert = ch(url, &db).insert::<linkshelf_collector::clickhouse::OrderRow>("orders").await.expect("insert");
    insert.write(&first).await.expect("write");
    insert.end().await.expect("end");
    let sql = "SELECT count() FROM orders FINAL WHERE order_id = 'cs_reel' AND coupon = 'bucket5'";
    assert_eq!(wait_for(url, &db, sql, 1, 30).await, 1);
    let edited = stats(&http, &a, "/v1/stats", whole.0, whole.1).await.json();
    assert_eq!(clicked(&edited, "cs_reel"), Some(json!("bk-4")), "{}", edited["orders"]);
}

/// Settled days rolled into ClickHouse's `event_days` (`ch_days`), read beside a whole
/// day still grouped from the events and partial days read raw, answer what a
/// collector on SQLite alone answers, to the last field; counting the same days again,
/// as a second collector would, changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settled_days_from_clickhouse_event_days_answer_what_sqlite_answers() {
    use linkshelf_collector::clickhouse as store_ch;
    use linkshelf_collector::{ch_days, stats_source};
    let Some(cluster) = cluster("settled_days_from_clickhouse_event_days") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let Fed { a, reference, http, db, today, _dir } = fed(url, "settled").await;
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    let day = today / DAY;
    // Events alike but for what a rollup key leaves out (a price, a path): three day
    // groups in ClickHouse, one rollup row (3 days ago, rolled up below).
    let alike = |id: &str, minutes: i64, price: i64, path: &str| {
        let mut e = event(id, "select_item");
        e["occurred_at"] = (today - 3 * DAY + 13 * HOUR + minutes * 60_000).into();
        e["sent_at"] = Value::Null;
        e["context"]["path"] = path.into();
        e["ecommerce"] = json!({"currency": "EUR", "value": price, "coupon": null, "transaction_id": null,
            "items": [{"item_id": "mug", "item_name": "Mug", "price": price, "quantity": 1, "index": 0, "item_list_id": null}]});
        e
    };
    let extra = [alike("alike-1", 0, 3200, "/"), alike("alike-2", 1, 3000, "/"), alike("alike-3", 2, 3200, "/about/")];
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, &extra).await["accepted"], 3);
    }
    let sql = "SELECT count() FROM events FINAL WHERE event_id LIKE 'alike-%'";
    assert_eq!(wait_for(url, &db, sql, 3, 30).await, 3);
    // A purchase whose order comes only after its day is counted (by its click id).
    // (A sale repeated on another day never reaches ClickHouse from one collector: its
    // outbox keeps one per transaction id. `ch_purchases`' unit tests have that case.)
    let bought = |id: &str, tx: &str, click: &str, time: i64| {
        let mut e = event(id, "purchase");
        e["occurred_at"] = time.into();
        e["sent_at"] = Value::Null;
        e["ecommerce"] = json!({"currency": "EUR", "value": 2400, "coupon": null, "transaction_id": tx,
            "items": [{"item_id": "tote", "item_name": "Tote", "price": 2400, "quantity": 1, "index": 0, "item_list_id": null}]});
        e["outbound"] = json!({"click_id": click, "destination_host": "shop.example"});
        e
    };
    let sale = [bought("late-sale", "T-late", "c-late", today - 3 * DAY + 15 * HOUR)];
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, &sale).await["accepted"], 1);
    }
    let sql = "SELECT count() FROM events FINAL WHERE event_id = 'late-sale'";
    assert_eq!(wait_for(url, &db, sql, 1, 30).await, 1);
    let settings = ch_settings(url, &db, Some("linkshelf"));
    let client = store_ch::prepare(&settings).await.expect("tables");
    // Eight days on, the days before yesterday have settled (4, 3 and 2 days ago); two
    // collectors count them at once.
    let later = today + 8 * DAY + 1;
    assert_eq!(ch_days::pending(&client, later).await.expect("pending"), [day - 4, day - 3, day - 2]);
    // A collector whose outbox still holds an event of 3 days ago counts only the day
    // before it.
    let first = ch_days::step(&client, later, Some(today - 3 * DAY + 5)).await.expect("step");
    assert_eq!(first.days, 1, "{first:?}");
    assert_eq!(ch_days::pending(&client, later).await.expect("pending"), [day - 3, day - 2]);
    let (one, two) = tokio::join!(ch_days::step(&client, later, None), ch_days::step(&client, later, None));
    let (one, two) = (one.expect("step"), two.expect("step"));
    assert!(one.days + two.days >= 2, "{one:?} {two:?}");
    assert_eq!(ch_days::pending(&client, later).await.expect("pending"), Vec::<i64>::new(), "nothing left");
    let read = ch_days::done_rows(&client, day - 5, day + 1).await.expect("done rows");
    let rows = read.counts;
    let mut done: Vec<i64> = read.days.into_iter().collect();
    done.sort_unstable();
    assert_eq!(done, [day - 4, day - 3, day - 2], "the settled days are done, the others not");
    // A collector that serves reports reads the last --warm-days days once at start
    // (`stats_source::warm`): its memory then holds their settled days for the first
    // report. The last 3 days hold one of them (2 days ago); 40, read as the default 30
    // and then 40, all three; 0 reads nothing.
    for (days, held) in [(0, 0), (3, 1), (40, 3)] {
        let memory = std::sync::Arc::new(stats_source::Memory::default());
        let source = stats_source::Source::ClickHouse(Box::new(client.clone()), memory.clone());
        stats_source::warm(source, 7 * DAY, days).await;
        assert_eq!(memory.days.event_days.days_held(), held, "the settled days of the last {days}");
    }
    assert!(rows.iter().all(|r| read.texts.contains_key(&r.key)), "every key's texts");
    assert!(rows.len() > 30, "{} rows", rows.len());
    // Ranges mixing rolled days (2, 3 ago), a day grouped from the events (yesterday),
    // and partial days.
    let ranges = [
        (today - 4 * DAY + 6 * HOUR, today + DAY - 60_000),
        (today - 3 * DAY, today),
        (today - 4 * DAY, today - 2 * DAY),
        (today - 3 * DAY + HOUR, today - DAY + HOUR),
        // Both partial days settled: from 09:30 (its 10:00 events in its hours' rows)
        // to 10:07:30 (its first events grouped from the events, under an hour).
        (today - 4 * DAY + 9 * HOUR + 30 * 60_000, today - 2 * DAY + 10 * HOUR + 450_000),
    ];
    // That range's partial days: their whole hours from `event_hours`, only the last
    // margin's events grouped. (Without the provisional counts the collector's own
    // task may have taken of these days, by the clock still recent: dropped now that
    // they are rolled up, as that task does.)
    ch_days::drop_settled(&client, now_ms()).await.expect("drop");
    let (from, to) = ranges[4];
    let hours = stats_source::read(&client, from, to, 7 * DAY, None).await.expect("read");
    let margin = (today - 2 * DAY + 10 * HOUR)..to;
    assert!(!hours.groups.is_empty(), "the margin's events");
    assert!(hours.groups.iter().all(|g| margin.contains(&g.first_time)), "{:?}", hours.groups);
    let hour_counts: Vec<&ch_days::DayCount> = hours.done.counts.iter().filter(|c| c.day == day - 4).collect();
    assert!(!hour_counts.is_empty(), "day 4 ago's 10:00 hour");
    assert!(hour_counts.iter().all(|c| c.first_time / HOUR == (today - 4 * DAY) / HOUR + 10), "{hour_counts:?}");
    let hour_rows = format!("SELECT count() FROM event_hours FINAL WHERE day >= {} AND day < {}", day - 4, day - 1);
    assert!(number(url, &db, &hour_rows).await > rows.len() as u64, "rows of more hours than days");
    let sum =
        |table: &str| format!("SELECT sum(events) FROM {table} FINAL WHERE day >= {} AND day < {}", day - 4, day - 1);
    assert_eq!(number(url, &db, &sum("event_hours")).await, number(url, &db, &sum("event_days")).await);
    same_figures(&http, &a, &reference, &ranges).await;
    let (from, to) = ranges[0];
    let before = stats(&http, &a, "/v1/stats", from, to).await.json();
    // Another collector that saw the same days pending counts them once more.
    let settled = [day - 4, day - 3, day - 2];
    let again = ch_days::roll_days(&client, &settled, &settled, later as u64 + 5).await.expect("again");
    assert_eq!(again.rows, rows.len());
    assert_eq!(number(url, &db, &hour_rows).await, again.hour_rows as u64, "the hours' copies collapse too");
    assert_eq!(again.events, rows.iter().map(|r| r.events).sum::<u64>(), "the same count");
    assert_eq!(stats(&http, &a, "/v1/stats", from, to).await.json(), before, "no double count");
    same_figures(&http, &a, &reference, &ranges[..1]).await;
    let sql = format!("SELECT count() FROM event_days FINAL WHERE day >= {} AND day < {}", day - 4, day - 1);
    assert_eq!(number(url, &db, &sql).await, rows.len() as u64, "the copies collapse");
    // The purchases of the settled days are counted too: the first sale of T-3 only,
    // the late one unconfirmed, listed for the order that may confirm it.
    let sql = format!("SELECT sum(events) FROM purchase_days FINAL WHERE day >= {} AND day < {}", day - 4, day - 1);
    assert_eq!(number(url, &db, &sql).await, 4, "a sale a day, and the late one");
    let sql = "SELECT count() FROM unconfirmed_purchases FINAL WHERE event_id = 'late-sale'";
    assert_eq!(number(url, &db, sql).await, 1);
    // Its order comes now: the report moves it to the confirmed row, as the file does.
    let order = session("cs_late", "c-late", 2400);
    for c in [&a, &reference] {
        assert_eq!(stripe(&http, c, &order).await.status, 200);
    }
    assert_eq!(wait_for(url, &db, "SELECT count() FROM orders FINAL WHERE order_id = 'cs_late'", 1, 30).await, 1);
    let confirmed = stats(&http, &a, "/v1/stats", from, to).await.json();
    let verified = |s: &Value| s["totals"]["purchases_verified"].as_u64();
    assert_eq!(verified(&confirmed), verified(&before).map(|n| n + 1), "the late order confirms its purchase");
    same_figures(&http, &a, &reference, &ranges).await;
}

/// Days not yet settled counted in the background into `recent_days` (`ch_days::recount`)
/// and their purchases into `recent_purchases` (`ch_purchases::recount`) are what a
/// report reads of them while no row of theirs arrives, and the figures are SQLite's; a
/// late event makes its day's count stale (and, for purchases, the counts of the days
/// after it: the report reads them raw, with the event), until the next count; an order
/// arriving after a count confirms its purchase; once the days settle and are rolled up,
/// their provisional counts are dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_days_counted_in_the_background_answer_what_sqlite_answers() {
    use linkshelf_collector::clickhouse::{self as store_ch, RecentDone, RecentPurchasesDone};
    use linkshelf_collector::{ch_days, ch_purchases, stats_source};
    let Some(cluster) = cluster("recent_days_counted_in_the_background") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let Fed { a, reference, http, db, today, _dir } = fed(url, "recent").await;
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    let day = today / DAY;
    let client = store_ch::prepare(&ch_settings(url, &db, Some("linkshelf"))).await.expect("tables");
    // Counts every day not settled (the 10 days to today), until all of them hold at once
    // (a background merge renames parts, which makes a count stale), and returns the
    // days a report on `[from, to)` read from the counts.
    let counted = |from: i64, to: i64| {
        let client = client.clone();
        async move {
            for _ in 0..20 {
                ch_days::recount(&client, now_ms()).await.expect("recount");
                ch_purchases::recount(&client, now_ms()).await.expect("recount purchases");
                let read = stats_source::read(&client, from, to, 7 * DAY, None).await.expect("read");
                let mut days: Vec<i64> = read.done.days.into_iter().collect();
                days.sort_unstable();
                let mut purchase_days: Vec<i64> = read.purchases_done.rows.days.into_iter().collect();
                purchase_days.sort_unstable();
                // (Whole days only: no group at all means every day was counted.)
                if read.groups.is_empty() && purchase_days == days {
                    return days;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            panic!("the recent days' counts never held together")
        }
    };
    let ranges = [
        (today - 3 * DAY, today + DAY),
        (today - 4 * DAY + 6 * HOUR, today + DAY - 60_000),
        // Partial days only, from 09:30 (its 10:00 events in the day's hours' count) to
        // 10:07:30 (the first events grouped from the events, under an hour).
        (today - 3 * DAY + 9 * HOUR + 30 * 60_000, today - DAY + 10 * HOUR + 450_000),
    ];
    assert_eq!(counted(ranges[0].0, ranges[0].1).await, [day - 3, day - 2, day - 1, day], "every whole day counted");
    // The partial days' whole hours are read from `recent_hours` (once a count of each
    // holds: a merge may rename parts meanwhile), only the last margin grouped.
    let (from, to) = ranges[2];
    let margin = (today - DAY + 10 * HOUR)..to;
    let mut hours_read = false;
    for _ in 0..20 {
        ch_days::recount(&client, now_ms()).await.expect("recount");
        let read = stats_source::read(&client, from, to, 7 * DAY, None).await.expect("read");
        let from_hours = read.done.counts.iter().any(|c| c.day == day - 3 && c.first_time / HOUR == from / HOUR + 1);
        if from_hours && read.groups.iter().all(|g| margin.contains(&g.first_time)) {
            assert!(!read.groups.is_empty(), "the margin's events");
            hours_read = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(hours_read, "the recent days' hours never held");
    let settling = ch_days::settling(now_ms());
    assert_eq!(settling, day - 9..day + 1, "the 9 settling days and today");
    let markers =
        ch_days::recent_markers::<RecentDone>(&client, settling.start, settling.end, now_ms()).await.expect("markers");
    assert_eq!(markers.len(), 10, "a marker for each day not settled, with events or not: {markers:?}");
    assert_eq!(
        markers.iter().filter(|m| m.events > 0).map(|m| m.day).collect::<Vec<_>>(),
        [day - 4, day - 3, day - 2, day - 1, day]
    );
    let bought = ch_days::recent_markers::<RecentPurchasesDone>(&client, settling.start, settling.end, now_ms())
        .await
        .expect("markers");
    assert_eq!(bought.len(), 10, "{bought:?}");
    let summary: Vec<(i64, u64, u64)> =
        bought.iter().filter(|m| m.events > 0).map(|m| (m.day, m.events, m.unconfirmed)).collect();
    let want: Vec<(i64, u64, u64)> = (day - 4..=day).map(|d| (d, 1, 1)).collect();
    assert_eq!(summary, want, "a sale a day, each listed for the order that confirms it");
    same_figures(&http, &a, &reference, &ranges).await;
    // Today's order comes after the count: the report confirms today's purchase by it.
    let before = stats(&http, &a, "/v1/stats", ranges[0].0, ranges[0].1).await.json();
    let order = session("cs_days_0", "c-0", 3200);
    for c in [&a, &reference] {
        assert_eq!(stripe(&http, c, &order).await.status, 200);
    }
    assert_eq!(wait_for(url, &db, "SELECT count() FROM orders FINAL WHERE order_id = 'cs_days_0'", 1, 30).await, 1);
    let after = stats(&http, &a, "/v1/stats", ranges[0].0, ranges[0].1).await.json();
    let verified = |s: &Value| s["totals"]["purchases_verified"].as_u64();
    assert_eq!(verified(&after), verified(&before).map(|n| n + 1), "{after}");
    same_figures(&http, &a, &reference, &ranges).await;

    // A late sale of two days ago: the purchase counts of that day and the days after
    // it no longer hold (its sale could be the first of a later purchase's). (Those
    // before it do, unless a background merge renamed their parts meanwhile.)
    let mut sale = event("late-sale-2", "purchase");
    sale["occurred_at"] = (today - 2 * DAY + 16 * HOUR).into();
    sale["sent_at"] = Value::Null;
    sale["ecommerce"] = json!({"currency": "EUR", "value": 1800, "coupon": null, "transaction_id": "T-late-2",
        "items": [{"item_id": "tote", "item_name": "Tote", "price": 1800, "quantity": 1, "index": 0, "item_list_id": null}]});
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, std::slice::from_ref(&sale)).await["accepted"], 1);
    }
    let sql = "SELECT count() FROM events FINAL WHERE event_id = 'late-sale-2'";
    assert_eq!(wait_for(url, &db, sql, 1, 30).await, 1);
    let held = ch_days::recent_markers::<RecentPurchasesDone>(&client, settling.start, settling.end, now_ms())
        .await
        .expect("markers");
    assert!(!held.iter().any(|m| m.day >= day - 2), "the counts from two days ago on are stale: {held:?}");
    same_figures(&http, &a, &reference, &ranges).await;
    assert_eq!(counted(ranges[0].0, ranges[0].1).await, [day - 3, day - 2, day - 1, day], "counted again");
    same_figures(&http, &a, &reference, &ranges).await;

    // A late page view of yesterday: yesterday's count no longer holds (new parts in its
    // partition), and a report groups yesterday from the events, with it.
    let mut late = event("late-yesterday", "page_view");
    late["occurred_at"] = (today - DAY + 12 * HOUR).into();
    late["sent_at"] = Value::Null;
    for c in [&a, &reference] {
        assert_eq!(post(&http, c, std::slice::from_ref(&late)).await["accepted"], 1);
    }
    let sql = "SELECT count() FROM events FINAL WHERE event_id = 'late-yesterday'";
    assert_eq!(wait_for(url, &db, sql, 1, 30).await, 1);
    let held =
        ch_days::recent_markers::<RecentDone>(&client, settling.start, settling.end, now_ms()).await.expect("markers");
    assert!(!held.iter().any(|m| m.day == day - 1), "yesterday's count is stale: {held:?}");
    same_figures(&http, &a, &reference, &ranges).await;
    assert_eq!(counted(ranges[0].0, ranges[0].1).await, [day - 3, day - 2, day - 1, day], "counted again");
    same_figures(&http, &a, &reference, &ranges).await;

    // Ten days on, all five days are settled; rolled up, their counts go.
    let later = today + 10 * DAY;
    let rolled = ch_days::step(&client, later, None).await.expect("step");
    assert_eq!(rolled.days, 5, "{rolled:?}");
    let dropped = ch_days::drop_settled(&client, now_ms()).await.expect("drop");
    assert_eq!(dropped, (day - 4..=day).collect::<Vec<_>>(), "the days rolled up");
    for table in ["recent_days_done", "recent_hours_done", "recent_hours"] {
        let left = format!("SELECT count() FROM {table} WHERE day >= {} AND day <= {day}", day - 4);
        assert_eq!(number(url, &db, &left).await, 0, "the settled days' counts are gone from {table}");
    }
    let others = "SELECT uniqExact(day) FROM recent_days_done WHERE events = 0";
    assert_eq!(number(url, &db, others).await, 5, "the days without events stay while a report may read them");
    let left = format!("SELECT count() FROM recent_purchases_done WHERE day >= {} AND day <= {day}", day - 4);
    assert_eq!(number(url, &db, &left).await, 0, "and so are the counts of their purchases");
    let others = "SELECT uniqExact(day) FROM recent_purchases_done WHERE events = 0";
    assert_eq!(number(url, &db, others).await, 5);
    same_figures(&http, &a, &reference, &ranges).await;
    // Ten days on, a report no longer looks at them: they go too (never marked done).
    let dropped = ch_days::drop_settled(&client, later).await.expect("drop");
    assert_eq!(dropped, (day - 9..day - 4).collect::<Vec<_>>(), "the days without events");
    assert_eq!(number(url, &db, "SELECT count() FROM recent_days_done").await, 0);
    for table in ["recent_purchases", "recent_unconfirmed", "recent_purchases_done"] {
        assert_eq!(number(url, &db, &format!("SELECT count() FROM {table}")).await, 0, "{table}");
    }
}

/// A collector on ClickHouse (`a`) and one on SQLite alone (`reference`, with the same
/// default creator and report secret), both fed [`feed_days`]'s events: what the day
/// tests compare.
struct Fed {
    a: Collector,
    reference: Collector,
    http: Client,
    db: String,
    today: i64,
    _dir: tempfile::TempDir,
}

async fn fed(url: &str, label: &str) -> Fed {
    let db = database(label);
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Collector::start_on(&dir.path().join("a.sqlite"), &ch_args(url, &db));
    let mut reference_args = default_args();
    reference_args.extend(["--default-creator", "juno-park", "--report-secret", REPORT_SECRET].map(String::from));
    let reference = Collector::start_on(&dir.path().join("reference.sqlite"), &reference_args);
    let http = Client::default();
    let today = feed_days(&http, &a, &reference, url, &db).await;
    Fed { a, reference, http, db, today, _dir: dir }
}

/// Feeds `a` (on ClickHouse) and `reference` (SQLite alone) the same events over five
/// days, orders and late events (see the test below), and waits until ClickHouse has
/// them all; returns the start of today (ms).
async fn feed_days(http: &Client, a: &Collector, reference: &Collector, url: &str, db: &str) -> i64 {
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    let now = now_ms();
    let today = now.div_euclid(DAY) * DAY;
    // Without `sent_at` the event's time is its `occurred_at` exactly, on both collectors.
    let at = |id: &str, name: &str, time: i64| {
        let mut e = event(id, name);
        e["occurred_at"] = time.min(now).into();
        e["sent_at"] = Value::Null;
        e
    };
    let tagged = |mut e: Value, source: &str, campaign: Option<&str>| {
        e["attribution"]["utm_source"] = source.into();
        e["attribution"]["utm_medium"] = "clip".into();
        e["attribution"]["utm_campaign"] = campaign.into();
        e
    };
    let item = |mut e: Value, product: &str, title: &str, price: i64, coupon: Option<&str>, click: Option<&str>| {
        e["ecommerce"] = json!({"currency": "EUR", "value": price, "coupon": coupon, "transaction_id": null,
            "items": [{"item_id": product, "item_name": title, "price": price, "quantity": 1, "index": 0, "item_list_id": null}]});
        if let Some(click) = click {
            e["outbound"] = json!({"click_id": click, "destination_host": "shop.example"});
        }
        e
    };
    let mut events = Vec::new();
    // Day 4 ago is the range's partial first day (from 06:00), today its partial last one.
    for ago in 0..=4i64 {
        // Today's from midnight on (held at `now` by `at` just after midnight).
        let base = if ago == 0 { today } else { today - ago * DAY + 10 * HOUR };
        let id = |what: &str| format!("d{ago}-{what}");
        let t = |minutes: i64| base + minutes * 60_000;
        events.push(tagged(at(&id("pv-1"), "page_view", t(0)), "tiktok", Some("spring")));
        events.push(tagged(at(&id("pv-2"), "page_view", t(1)), "tiktok", None));
        events.push(tagged(at(&id("pv-3"), "page_view", t(2)), "popup", None));
        let mut product_page = at(&id("pv-4"), "page_view", t(3));
        product_page["context"]["path"] = "/p/mug/".into();
        events.push(product_page);
        let mut theirs = at(&id("pv-5"), "page_view", t(4));
        theirs["attribution"]["affiliate"] = AFFILIATE.into();
        events.push(theirs);
        // Alike but for the path, the items or the code's spelling: a day group each.
        events.push(at(&id("pv-6"), "page_view", t(4)));
        let mut card = at(&id("vp-1"), "view_promotion", t(5));
        card["subject"]["promotion_id"] = "juno15".into();
        events.push(card);
        // The product's title changes on day 2: the earliest line's title names it.
        let title = if ago == 2 { "Mug (blue)" } else { "Mug" };
        events.push(item(
            tagged(at(&id("sel-1"), "select_item", t(6)), "tiktok", None),
            "mug",
            title,
            3200,
            None,
            None,
        ));
        events.push(item(at(&id("sel-2"), "select_item", t(7)), "tote", "Tote", 1800, None, None));
        events.push(item(at(&id("sel-3"), "select_item", t(7)), "mug", title, 3200, None, None));
        // Both spellings of one code, the other one first on alternate days.
        let (first, second) = if ago % 2 == 0 { ("JUNO15", "juno15") } else { ("juno15", "JUNO15") };
        let mut code = item(at(&id("co-1"), "begin_checkout", t(8)), "tote", "Tote", 1620, Some(first), None);
        code["attribution"]["affiliate"] = AFFILIATE.into();
        // The same again later: a group of two, whose earliest time decides the spelling.
        let mut again = code.clone();
        again["event_id"] = id("co-6").into();
        again["occurred_at"] = t(20).min(now).into();
        events.push(code);
        events.push(again);
        events.push(item(at(&id("co-2"), "begin_checkout", t(9)), "mug", "Mug", 2720, Some(second), None));
        events.push(item(at(&id("co-5"), "begin_checkout", t(10)), "mug", "Mug", 2720, Some(first), None));
        // Checkouts that orders with no click id (below) are joined to by code and by
        // source: on whole days, so they are read from ClickHouse as checkouts an order
        // can use, not as a partial day's events.
        if ago == 2 {
            events.push(item(at(&id("co-code"), "begin_checkout", t(13)), "mug", "Mug", 2720, Some("MIKA10"), None));
        }
        if ago == 3 {
            let checkout = tagged(at(&id("co-utm"), "begin_checkout", t(13)), "newsletter", None);
            events.push(item(checkout, "tote", "Tote", 1800, None, None));
        }
        // A checkout that an order (below) confirms by its click id, and one no order does.
        let click = format!("c-{ago}");
        events.push(item(
            tagged(at(&id("co-3"), "begin_checkout", t(10)), "tiktok", None),
            "mug",
            "Mug",
            3200,
            None,
            Some(&click),
        ));
        events.push(item(
            at(&id("co-4"), "begin_checkout", t(11)),
            "tote",
            "Tote",
            1800,
            None,
            Some(&format!("x-{ago}")),
        ));
        let mut bought = item(at(&id("pu-1"), "purchase", t(12)), "mug", "Mug", 3200, None, Some(&click));
        bought["ecommerce"]["transaction_id"] = format!("T-{ago}").into();
        events.push(bought);
    }
    let n = events.len() as u64;
    for c in [a, reference] {
        for chunk in events.chunks(50) {
            assert_eq!(post(http, c, chunk).await["accepted"], chunk.len());
        }
    }
    // Orders now, with the click ids of the checkouts of days 1 to 3 (whole days) and 4.
    for ago in 1..=4 {
        let body = session(&format!("cs_days_{ago}"), &format!("c-{ago}"), 3200);
        for c in [a, reference] {
            assert_eq!(stripe(http, c, &body).await.status, 200);
        }
    }
    for (id, metadata) in
        [("cs_days_code", json!({"coupon": "mika10"})), ("cs_days_utm", json!({"utm_source": "newsletter"}))]
    {
        let body = json!({"id": format!("evt_{id}"), "type": "checkout.session.completed", "created": now / 1000,
            "data": {"object": {"id": id, "object": "checkout.session", "amount_total": 2000, "currency": "eur",
                "payment_status": "paid", "metadata": metadata, "created": now / 1000}}})
        .to_string();
        for c in [a, reference] {
            assert_eq!(stripe(http, c, &body).await.status, 200);
        }
    }
    // SQLite rolls its events up (every few seconds); then a late checkout comes, from a
    // phone's outbox: the earliest of day 3, with a third spelling of the code.
    let started = Instant::now();
    while reference.count("SELECT count(*) FROM event_days") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the reference never rolled up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let late = [
        item(at("late-co", "begin_checkout", today - 3 * DAY + 9 * HOUR), "tote", "Tote", 1620, Some("Juno15"), None),
        tagged(at("late-pv", "page_view", today - 2 * DAY + 23 * HOUR), "tiktok", Some("spring")),
    ];
    for c in [a, reference] {
        assert_eq!(post(http, c, &late).await["accepted"], 2);
    }

    let total = n + 2;
    assert_eq!(wait_for(url, db, "SELECT uniqExact(event_id) FROM events", total, 30).await, total);
    assert_eq!(wait_for(url, db, "SELECT uniqExact(provider, order_id) FROM orders", 6, 30).await, 6);
    today
}

/// `a` and `reference` answer the same for each range, to the last field, in JSON, CSV
/// and HTML, and for one affiliate's share.
async fn same_figures(http: &Client, a: &Collector, reference: &Collector, ranges: &[(i64, i64)]) {
    let auth = format!("Bearer {TOKEN}");
    for &(from, to) in ranges {
        let ch_stats = stats(http, a, "/v1/stats", from, to).await.json();
        let sqlite_stats = stats(http, reference, "/v1/stats", from, to).await.json();
        assert_eq!(ch_stats, sqlite_stats, "ClickHouse and SQLite answer the same from {from} to {to}");
        for path in ["/v1/stats.csv", "/v1/report"] {
            let ch_body = stats(http, a, path, from, to).await.body;
            assert_eq!(ch_body, stats(http, reference, path, from, to).await.body, "{path} from {from} to {to}");
        }
        let brand_view = |c: &Collector| c.url(&format!("/v1/stats?from={from}&to={to}&affiliate={AFFILIATE}"));
        let mut views = Vec::new();
        for c in [a, reference] {
            let answer = http.get(&brand_view(c), &[("authorization", &auth)]).await.expect("get");
            assert_eq!(answer.status, 200, "{}", answer.body);
            views.push(answer.json());
        }
        assert_eq!(views[0], views[1], "one affiliate's share, from either store");
    }
}

/// The re-keying steps of docs/collector.md ("Re-keying events"), run as written on a
/// cluster whose tables a collector of session 14 made (`events` sorted by
/// `(occurred_at, event_id)`, side tables without `name`) and on one whose tables a
/// collector of session 15 made (sorted as today, in 30-day partitions, side tables
/// under today's names but for `far_clock`'s): the shipper is refused first, and
/// afterwards every event is there once and a time range finds the one from a phone
/// whose clock was days off. (`one_server_without_a_cluster_keeps_plain_tables_and_counts_once`
/// checks that the layouts before and half-way are refused too.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_keying_an_old_events_table_as_documented_keeps_every_event() {
    let Some(cluster) = cluster("re_keying_an_old_events_table") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let monthly = |today: &str| {
        today
            .replace(
                "PARTITION BY intDiv(occurred_at - 3600000, 86400000)",
                "PARTITION BY intDiv(occurred_at, 2592000000)",
            )
            .replace("PARTITION BY intDiv(event_time, 86400000)", "PARTITION BY tuple()")
    };
    // Session 14's: sorted by time alone, side tables pointing at events by
    // `(occurred_at, event_id)`, all under their old replication paths.
    let session_14 = |today: &str| {
        monthly(today)
            .replace("ORDER BY (name, occurred_at, event_id)", "ORDER BY (occurred_at, event_id)")
            .replace("event_time Int64, name String, occurred_at Int64", "event_time Int64, occurred_at Int64")
            .replace(
                "ORDER BY (event_time, name, occurred_at, event_id)",
                "ORDER BY (event_time, occurred_at, event_id)",
            )
            .replace("events_by_name_day'", "events_by_time'")
            .replace("_by_name'", "'")
            .replace("_by_day'", "'")
    };
    // Session 15's: `event_lookup` under the very replication path it is made again on.
    let session_15 = |today: &str| {
        monthly(today)
            .replace("events_by_name_day'", "events_by_name_time'")
            .replace("far_clock_by_day'", "far_clock_by_name'")
    };
    re_key(url, &database("rekey14"), &session_14).await;
    re_key(url, &database("rekey15"), &session_15).await;
}

/// Makes `db`'s `events` and side tables as `old` makes them of today's DDL, and re-keys
/// them as the docs say (see the test above).
async fn re_key(url: &str, db: &str, old: &dyn Fn(&str) -> String) {
    use linkshelf_collector::clickhouse::{self as store_ch, ChError, EventRow};
    let settings = ch_settings(url, db, Some("linkshelf"));
    let server = ch(url, "system");
    server.query(&format!("CREATE DATABASE {db} ON CLUSTER linkshelf")).execute().await.expect("database");
    for (_, today) in
        store_ch::ddl(&settings).iter().filter(|(name, _)| ["far_clock", "event_lookup", "events"].contains(name))
    {
        let old_ddl = old(today);
        server.query(&old_ddl).execute().await.unwrap_or_else(|e| panic!("{old_ddl}: {e}"));
    }
    let now = now_ms();
    let row = |id: &'static str, occurred_at: i64| EventRow {
        event_id: id.into(),
        name: "page_view".into(),
        creator_id: "juno-park".into(),
        event_time: now,
        occurred_at,
        received_at: now,
        ver: store_ch::first_wins(now),
        ..EventRow::default()
    };
    // A checkout with a click id and an affiliate's code, and an earlier visit with it.
    let mut checkout = row("near-1", now - 1000);
    checkout.name = "begin_checkout".into();
    checkout.click_id = Some("c-1".into());
    checkout.coupon = Some("JUNO15".into());
    checkout.affiliate = Some(AFFILIATE.into());
    let mut visit = row("near-2", now - 2000);
    visit.event_time = now - 1000;
    visit.coupon = Some("juno15".into());
    visit.affiliate = Some(AFFILIATE.into());
    let mut insert = ch(url, db).insert::<EventRow>("events").await.expect("insert");
    for r in [checkout, visit, row("behind", now - 2 * 86_400_000)] {
        insert.write(&r).await.expect("row");
    }
    insert.end().await.expect("insert");
    let Err(refused) = store_ch::prepare(&settings).await else { panic!("the old table is refused") };
    assert!(matches!(refused, ChError::OldEventsKey(_)), "{refused}");

    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/collector.md")).expect("docs");
    let section = docs.split("<a id=\"re-keying-events\"></a>").nth(1).expect("the re-keying section");
    let sql = section.split("```sql\n").nth(1).and_then(|s| s.split("```").next()).expect("its SQL");
    let uncommented: Vec<&str> = sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect();
    let statements: Vec<String> = uncommented
        .join("\n")
        .split(';')
        .map(|s| s.trim().replace("linkshelf.", &format!("{db}.")))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(statements.len(), 10, "{statements:?}");
    // The side tables' statements are the ones the code makes (`ch_lookup::backfill`).
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let backfill: Vec<String> =
        linkshelf_collector::ch_lookup::backfill(db, "events_old").iter().map(|s| words(s)).collect();
    assert_eq!(statements[4..9].iter().map(|s| words(s)).collect::<Vec<_>>(), backfill);
    let client = ch(url, db);
    for s in &statements[..3] {
        client.query(s).execute().await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    // "Start one collector": its start makes the new tables.
    let shipper = store_ch::prepare(&settings).await.expect("the new tables beside the old one");
    for s in &statements[3..] {
        client.query(s).execute().await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    assert_eq!(number(url, db, "SELECT count() FROM events FINAL").await, 3, "every event, once");
    assert_eq!(number(url, db, "SELECT count() FROM far_clock").await, 1, "the one days off is listed");
    let lookups = |kind: &str| format!("SELECT count() FROM event_lookup FINAL WHERE kind = '{kind}'");
    assert_eq!(number(url, db, &lookups("click")).await, 1, "the click");
    assert_eq!(number(url, db, &lookups("code_owner")).await, 2, "each spelling's first event with an affiliate");
    assert_eq!(number(url, db, &lookups("checkout")).await, 1, "the lone checkout, once");
    assert_eq!(
        number(
            url,
            "system",
            &format!("SELECT count() FROM system.tables WHERE database = '{db}' AND name LIKE 'events%'")
        )
        .await,
        1,
        "the old table is gone"
    );
    let slice = linkshelf_collector::stats_source::read(&shipper, now - 3_600_000, now + 3_600_000, 3_600_000, None)
        .await
        .expect("a report's read");
    // The range's events are counted in ClickHouse (its partial day grouped), none copied.
    let counted: u64 = slice.groups.iter().map(|g| g.events).sum();
    assert_eq!(counted, 3, "the last two hours, the phone days behind included: {:?}", slice.groups);
}

/// Each row of a table, as text (every column, `\N` for NULL), with its sort key:
/// `columns` in `table`'s order, `FINAL`.
async fn rows_as_text(url: &str, db: &str, table: &str, order: &str) -> Vec<(String, String)> {
    let columns: Vec<String> = ch(url, "system")
        .query("SELECT name FROM system.columns WHERE database = ? AND table = ?")
        .bind(db)
        .bind(table)
        .fetch_all()
        .await
        .expect("columns");
    let text = columns.iter().map(|c| format!("ifNull(toString({c}), '\\\\N')")).collect::<Vec<_>>().join(", '|', ");
    ch(url, db)
        .query(&format!("SELECT toString(tuple({order})), concat({text}) FROM {table} FINAL ORDER BY {order}"))
        .fetch_all::<(String, String)>()
        .await
        .expect("rows")
}

/// The benchmark's season made inside ClickHouse (`generate_ch`, for 10^8 events) is,
/// row by row and column by column, what `generate::fill` writes to SQLite and the
/// shipper sends, side tables included; a visit cut short at the end too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_in_clickhouse_is_what_the_shipper_sends() {
    use linkshelf_collector::{ch_lookup, clickhouse as store_ch, generate, generate_ch};
    let Some(cluster) = cluster("generated_in_clickhouse") else { return };
    let _shared = OUTAGE.read().await;
    let url = &cluster.urls[0];
    let (shipped, made) = (database("gen_shipped"), database("gen_made"));
    let (n, end_ms, days) = (1_003, now_ms(), 90);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("generated.sqlite");
    generate::fill(&file, n, end_ms, days, false, |_| {}).expect("generate");
    // One block, so the shipper's side-table rows are the season's (per block they
    // are each block's earliest and latest).
    let _a = Collector::start_on(&file, &ch_args_with(url, &shipped, "50", "5000"));
    assert_eq!(wait_for(url, &shipped, "SELECT count() FROM events FINAL", n, 60).await, n, "shipped");

    let client = store_ch::prepare(&ch_settings(url, &made, Some("linkshelf"))).await.expect("tables");
    for sql in generate_ch::inserts(&made, n, end_ms, days).into_iter().chain(ch_lookup::backfill(&made, "events")) {
        client.query(&sql).execute().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for (table, order) in [
        ("events", "name, occurred_at, event_id"),
        ("event_lookup", "kind, click_id, code, source, creator_id, affiliate, event_time, event_id"),
        ("far_clock", "event_time, name, occurred_at, event_id"),
    ] {
        let want = rows_as_text(url, &shipped, table, order).await;
        let got = rows_as_text(url, &made, table, order).await;
        assert_eq!(got.len(), want.len(), "{table}: rows");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{table}");
        }
    }
    let lookups = number(url, &made, "SELECT count() FROM event_lookup").await;
    assert!(lookups > 10, "code owners and checkouts listed: {lookups}");
}
