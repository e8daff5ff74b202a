//! The SQLite outbox for ClickHouse when ClickHouse cannot be reached at all (nothing
//! listens at its address), so this runs everywhere: events keep being taken until the
//! buffer budget, then ingest answers 503 with Retry-After while webhooks are still
//! recorded, and /healthz says why.

mod common;
use common::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_buffer_budget_ingest_answers_503_and_webhooks_still_land() {
    // A port nothing listens on: every shipping attempt fails at once.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{unused}");
    let (_dir, c) = start(&["--clickhouse-url", &url, "--buffer-budget-mb", "1", "--clickhouse-interval-ms", "20"]);
    let http = Client::default();
    let mut accepted = 0;
    let started = Instant::now();
    let refused = loop {
        let events: Vec<_> = (0..50).map(|i| event(&format!("b-{accepted}-{i}"), "page_view")).collect();
        let a = http.post_text(&c.url("/v1/events"), batch(&events)).await.expect("post");
        if a.status == 503 {
            break a;
        }
        assert_eq!(a.status, 200, "{}", a.body);
        accepted += 50;
        assert!(started.elapsed() < Duration::from_secs(60), "no 503 after {accepted} events");
        // Let the shipper measure now and then (it does once per attempt).
        if accepted % 1000 == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(refused.header("retry-after"), Some("30"));
    assert!(refused.json()["error"].as_str().is_some_and(|e| e.contains("ClickHouse")), "{}", refused.body);
    let stored = c.count("SELECT count(*) FROM events");
    assert_eq!(stored, accepted, "every accepted event is in SQLite, the refused batch is not");
    assert!(accepted >= 1000, "the budget (1 MB) holds more than {accepted} events");

    // The budget is measured once per shipping attempt, so a batch or two may land
    // between two measures; the next one counts them.
    let health = loop {
        let health = http.get(&c.url("/healthz"), &[]).await.expect("healthz").json();
        if health["clickhouse"]["unshipped_rows"].as_i64() == Some(stored)
            || started.elapsed() > Duration::from_secs(60)
        {
            break health;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let shipping = &health["clickhouse"];
    assert_eq!(shipping["over_budget"], true, "{health}");
    assert!(shipping["unshipped_bytes"].as_u64() >= Some(1_000_000), "{health}");
    assert_eq!(shipping["unshipped_rows"].as_i64(), Some(stored), "{health}");
    assert_eq!(shipping["shipped_rows"], 0);
    assert!(shipping["last_error"].is_string(), "{health}");

    // A verified order is still recorded: a shop stops retrying after a day or three.
    let t = now_ms() / 1000;
    let body = serde_json::json!({"id": "evt_1", "type": "checkout.session.completed", "created": t,
        "data": {"object": {"id": "cs_1", "object": "checkout.session", "client_reference_id": "c-1", "amount_total": 100,
            "currency": "eur", "payment_status": "paid", "payment_intent": "pi_1", "created": t}}})
    .to_string();
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    let signature = format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()));
    let headers = [("content-type", "application/json"), ("stripe-signature", signature.as_str())];
    let a = http.send("POST", &c.url("/v1/webhooks/stripe"), &headers, body).await.expect("post");
    assert_eq!((a.status, a.json()["status"].as_str()), (200, Some("recorded")), "{}", a.body);

    // Without the terminal's colour codes.
    let mut logs = String::new();
    let mut escape = false;
    for ch in c.logs().chars() {
        match (escape, ch) {
            (false, '\u{1b}') => escape = true,
            (true, 'm') => escape = false,
            (false, _) => logs.push(ch),
            (true, _) => {}
        }
    }
    assert!(logs.contains("rows waiting for ClickHouse are growing"), "a warning per tenth of the budget");
    assert!(logs.contains("percent=100"), "and at the budget");
}
