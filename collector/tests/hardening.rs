//! Issue #9, over real HTTP against a real SQLite file: one event or one webhook must
//! not take the stats down, impossible webhook amounts are refused without making the
//! provider retry, and every error is JSON without internal text (a panic included).

mod common;
use common::*;
use hmac::{Hmac, Mac};
use linkshelf_core::limits::{MAX_AMOUNT_MINOR, MAX_PRICE_MINOR};
use serde_json::{json, Value};
use sha2::Sha256;

fn stripe_signature(body: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn stripe(http: &Client, c: &Collector, body: &str) -> Answer {
    let signature = stripe_signature(body, now_ms() / 1000);
    let headers = [("content-type", "application/json"), ("stripe-signature", signature.as_str())];
    http.send("POST", &c.url("/v1/webhooks/stripe"), &headers, body.to_owned()).await.expect("post")
}

fn purchase(id: &str, tx: &str, value: Value, price: Value, quantity: Value) -> Value {
    let mut e = event(id, "purchase");
    e["ecommerce"] = json!({"currency": "EUR", "value": value, "coupon": null, "transaction_id": tx,
        "items": [{"item_id": "mug", "item_name": "Mug", "price": price, "quantity": quantity, "index": 0}]});
    e
}

/// GETs the three stats answers and checks each is a 200.
async fn all_stats(http: &Client, c: &Collector) -> (Value, String, String) {
    let auth = [("authorization", format!("Bearer {TOKEN}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let json = http.get(&c.url("/v1/stats"), &auth).await.expect("stats");
    assert_eq!(json.status, 200, "{}", json.body);
    let csv = http.get(&c.url("/v1/stats.csv"), &auth).await.expect("csv");
    assert_eq!(csv.status, 200, "{}", csv.body);
    let html = http.get(&c.url("/v1/report"), &auth).await.expect("report");
    assert_eq!(html.status, 200, "{}", html.body);
    (json.json(), csv.body, html.body)
}

/// Before the fix: price 10^12 × quantity u32::MAX (each inside the documented limits)
/// was accepted, and `/v1/stats`, `.csv` and `/v1/report` answered 500 with the panic
/// text for every period including it.
#[tokio::test]
async fn one_event_at_the_old_limits_cannot_take_the_stats_down() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let body = batch(&[
        purchase("p-bad", "T-bad", json!(5), json!(MAX_PRICE_MINOR), json!(u32::MAX)),
        purchase("p-ok", "T-ok", json!(MAX_AMOUNT_MINOR), json!(MAX_PRICE_MINOR), json!(10)),
    ]);
    let a = http.post_text(&c.url("/v1/events"), body).await.expect("post").json();
    assert_eq!((a["accepted"].as_u64(), a["rejected"].as_u64()), (Some(1), Some(1)), "{a}");
    assert_eq!(a["results"][0]["reason"], "ecommerce.items.quantity must be from 1 to 10");
    assert_eq!(c.count("SELECT count(*) FROM events WHERE event_id = 'p-bad'"), 0, "a rejected event is not stored");

    // A row stored before the fix (the same event), and a refund no real shop sends.
    let now = now_ms();
    c.sqlite()
        .execute_batch(&format!(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value,
               transaction_id, items)
             VALUES ('legacy', 'purchase', 'juno-park', {now} - 5000, 0, 0, 'EUR', 5, 'T-legacy',
               '[{{\"item_id\":\"mug\",\"price\":1000000000000,\"quantity\":4294967295}}]');
             INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value,
               transaction_id)
             VALUES ('legacy-2', 'purchase', 'juno-park', {now} - 5000, 0, 0, 'EUR', 9223372036854775807, 'T-l2');"
        ))
        .expect("legacy rows");
    let (json, csv, html) = all_stats(&http, &c).await;
    assert_eq!(json["totals"]["purchases"], 1);
    assert_eq!(
        json["totals"]["revenue"],
        json!([{"currency": "EUR", "all": MAX_AMOUNT_MINOR, "verified": 0, "unverified": MAX_AMOUNT_MINOR, "refunded": 0}])
    );
    assert_eq!(json["excluded"]["count"], 2, "{}", json["excluded"]);
    let reasons: Vec<&str> =
        json["excluded"]["reasons"].as_array().expect("reasons").iter().filter_map(|r| r["reason"].as_str()).collect();
    assert_eq!(reasons, ["event_value", "event_items"]);
    assert!(csv.contains(",EUR,500000000000000,0,500000000000000,0,2\r\n"), "{csv}");
    assert!(csv.contains("\r\nexcluded,event:event_items,"), "{csv}");
    assert!(html.contains("2 stored rows were left out of these figures"), "{html}");
    assert!(!c.logs().contains("panicked"), "{}", c.logs());
}

/// A signed webhook with an impossible amount is answered 200 (so Stripe and Shopify do
/// not retry it for days), stored nowhere, logged at error level, and revenue stays
/// exact. Before the fix a negative or enormous amount went straight into the sums.
#[tokio::test]
async fn signed_webhooks_with_impossible_amounts_are_refused_with_a_200() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let session = |id: &str, amount: Value| {
        json!({"id": format!("evt_{id}"), "type": "checkout.session.completed", "created": now_ms() / 1000,
            "data": {"object": {"id": id, "amount_total": amount, "currency": "eur", "payment_status": "paid",
                "payment_intent": format!("pi_{id}")}}})
        .to_string()
    };
    let refund = |id: &str, amount: Value| {
        json!({"id": format!("evt_{id}"), "type": "charge.refunded", "created": now_ms() / 1000,
            "data": {"object": {"id": id, "payment_intent": "pi_cs_ok", "amount_refunded": amount, "currency": "eur"}}})
        .to_string()
    };
    let ok = stripe(&http, &c, &session("cs_ok", json!(MAX_AMOUNT_MINOR))).await;
    assert_eq!(ok.json()["status"], "recorded", "{}", ok.body);
    for (body, what) in [
        (session("cs_neg", json!(-1)), "order total"),
        (session("cs_big", json!(i64::MAX)), "order total"),
        (session("cs_over", json!(MAX_AMOUNT_MINOR + 1)), "order total"),
        (refund("ch_neg", json!(-500)), "refund amount"),
        (refund("ch_zero", json!(0)), "refund amount"),
        (refund("ch_big", json!(i64::MAX)), "refund amount"),
    ] {
        let a = stripe(&http, &c, &body).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.json()["status"], "rejected", "{}", a.body);
        assert!(a.json()["reason"].as_str().is_some_and(|r| r.contains(what)), "{}", a.body);
    }
    assert_eq!(c.count("SELECT count(*) FROM orders"), 1);
    assert_eq!(c.count("SELECT count(*) FROM refunds"), 0);
    let real = stripe(&http, &c, &refund("ch_ok", json!(700))).await;
    assert_eq!(real.json()["status"], "recorded");
    let (json, _, _) = all_stats(&http, &c).await;
    assert_eq!(
        json["totals"]["revenue"],
        json!([{"currency": "EUR", "all": MAX_AMOUNT_MINOR, "verified": MAX_AMOUNT_MINOR, "unverified": 0, "refunded": 700}])
    );
    assert_eq!(json["excluded"]["count"], 0);
    let logs = c.logs();
    assert_eq!(logs.matches("impossible amount").count(), 6, "{logs}");
    assert!(logs.contains("ERROR"), "{logs}");
}

/// The one error shape, `{"error": "…"}`, for the answers axum and tower-http make
/// themselves too. Before the fix the 413 was plain text and 404/405 had no body.
#[tokio::test]
async fn every_error_is_json() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let is_error = |a: &Answer, status: u16| {
        assert_eq!(a.status, status, "{}", a.body);
        assert_eq!(a.header("content-type"), Some("application/json"), "{status}: {:?}", a.headers);
        let j = a.json();
        assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()), "{status}: {}", a.body);
        assert_eq!(j.as_object().map(|o| o.len()), Some(1), "only `error`: {}", a.body);
    };
    let huge = format!("[{}]", "\"x\",".repeat(20_000) + "\"x\"");
    let too_large = http
        .send("POST", &c.url("/v1/events"), &[("content-type", "text/plain"), ("origin", ORIGIN)], huge)
        .await
        .expect("post");
    is_error(&too_large, 413);
    assert!(!too_large.body.contains("length limit"), "no framework text: {}", too_large.body);
    assert_eq!(too_large.header("access-control-allow-origin"), Some(ORIGIN), "the page can still read it");
    let big_webhook = "x".repeat(1024 * 1024 + 1);
    is_error(&http.send("POST", &c.url("/v1/webhooks/stripe"), &[], big_webhook).await.expect("post"), 413);
    is_error(&http.get(&c.url("/v1/nothing-here"), &[]).await.expect("get"), 404);
    is_error(&http.get(&c.url("/"), &[]).await.expect("get"), 404);
    let wrong_method = http.get(&c.url("/v1/events"), &[]).await.expect("get");
    is_error(&wrong_method, 405);
    assert!(wrong_method.header("allow").is_some_and(|a| a.contains("POST")), "{:?}", wrong_method.headers);
    is_error(&http.send("DELETE", &c.url("/v1/stats"), &[], "").await.expect("delete"), 405);
    is_error(&http.post_text(&c.url("/v1/events"), "{nope").await.expect("post"), 400);
    is_error(&http.get(&c.url(&format!("/v1/stats?token={TOKEN}&from=soon")), &[]).await.expect("get"), 400);
    is_error(&http.get(&c.url("/v1/stats"), &[]).await.expect("get"), 401);
}

/// 429 keeps the shape (and its Retry-After).
#[tokio::test]
async fn rate_limited_answers_are_json() {
    let (_dir, c) = start(&["--rate-limit", "1", "--rate-burst", "1"]);
    let http = Client::default();
    let mut last = None;
    for i in 0..10 {
        let a = http.post_text(&c.url("/v1/events"), batch(&[event(&format!("r-{i}"), "page_view")])).await;
        let a = a.expect("post");
        if a.status == 429 {
            last = Some(a);
            break;
        }
    }
    let a = last.expect("limited");
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert!(a.json()["error"].is_string() && a.header("retry-after").is_some(), "{}", a.body);
}

// ---- A panic in a handler: a logged 500 with an opaque id, and the server lives on ----

/// Log lines written by the in-process server, to find the panic's id in them.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }
}

const SECRET_PANIC_TEXT: &str = "internal detail: db password is hunter2";

/// What a bug in a handler looks like: a panic with text that must not reach a client.
fn panic_now() -> &'static str {
    panic!("{SECRET_PANIC_TEXT}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_a_logged_opaque_500() {
    use axum::routing::{get, post};
    use clap::Parser;
    use linkshelf_collector::config::Config;
    use linkshelf_collector::server::{app, AppState};
    use linkshelf_collector::store::{self, Durability};
    use std::net::SocketAddr;

    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("panic.sqlite");
    let config =
        Config::try_parse_from(["linkshelf-collector", "--db", db.to_str().expect("utf-8 path")]).expect("config");
    let (writer, _thread, _ended) = store::start(store::open(&db, Durability::Normal).expect("db"));
    // Test-only routes: one that panics, one with axum's own JSON extractor (its
    // rejections are plain text: 415 for a wrong content type, 400 for bad JSON).
    let extra = axum::Router::new()
        .route("/test/panic", get(|| async { panic_now() }))
        .route("/test/json", post(|axum::Json(v): axum::Json<Value>| async move { axum::Json(v) }));
    let router = app(AppState::new(writer, config), extra);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server =
        tokio::spawn(
            async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
        );

    let http = Client::default();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let a = http.get(&format!("{base}/test/panic"), &[]).await.expect("an answer, not a dropped connection");
        assert_eq!(a.status, 500, "{}", a.body);
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert!(!a.body.contains("hunter2") && !a.body.contains("panic"), "the panic text leaked: {}", a.body);
        let j = a.json();
        assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", a.body);
        let id = j["id"].as_str().expect("an id").to_owned();
        assert_eq!(id.len(), 16, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "each panic has its own id");
    // Still serving.
    let health = http.get(&format!("{base}/healthz"), &[]).await.expect("health");
    assert_eq!(health.status, 200);
    assert!(!server.is_finished());
    // Logged at error level with the message, under the id the client got.
    let log = logs.text();
    for id in &ids {
        let line =
            log.lines().find(|l| l.contains(id.as_str())).unwrap_or_else(|| panic!("no log line for {id}: {log}"));
        assert!(line.contains("ERROR") && line.contains(SECRET_PANIC_TEXT), "{line}");
    }
    // The framework's own rejections get the one shape too.
    let json = |a: &Answer| a.json()["error"].is_string() && a.header("content-type") == Some("application/json");
    let wrong_type = http.post_text(&format!("{base}/test/json"), "{}").await.expect("post");
    assert!(wrong_type.status == 415 && json(&wrong_type), "{} {}", wrong_type.status, wrong_type.body);
    let bad = http
        .send("POST", &format!("{base}/test/json"), &[("content-type", "application/json")], "{nope")
        .await
        .expect("post");
    assert!(bad.status == 400 && json(&bad), "{} {}", bad.status, bad.body);
    assert!(!bad.body.contains("Failed to parse"), "no framework text: {}", bad.body);
    server.abort();
}
