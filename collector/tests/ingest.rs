//! `POST /v1/events` over real HTTP against a real SQLite file.

mod common;
use common::*;

#[tokio::test]
async fn stores_a_batch_once_and_reports_each_event() {
    let (_dir, mut c) = start(&[]);
    let http = Client::default();
    let body = batch(&[event("e-1", "page_view"), event("e-2", "select_item"), event("e-1", "page_view")]);
    let a = http.post_text(&c.url("/v1/events"), body.clone()).await.expect("post");
    assert_eq!(a.status, 200, "{}", a.body);
    let j = a.json();
    assert_eq!((j["accepted"].as_u64(), j["duplicates"].as_u64(), j["rejected"].as_u64()), (Some(2), Some(1), Some(0)));
    assert_eq!(j["results"][0], serde_json::json!({"event_id": "e-1", "status": "accepted"}));
    assert_eq!(j["results"][2]["status"], "duplicate");
    // A retry of the same batch (the browser never heard the answer): all duplicates.
    let again = http.post_text(&c.url("/v1/events"), body).await.expect("post").json();
    assert_eq!((again["accepted"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(3)));
    // JSON content type works too.
    let json = http
        .send(
            "POST",
            &c.url("/v1/events"),
            &[("content-type", "application/json")],
            batch(&[event("e-3", "page_view")]),
        )
        .await
        .expect("post");
    assert_eq!(json.json()["accepted"], 1);

    assert_eq!(c.stop().code(), Some(0), "SIGTERM is a clean stop:\n{}", c.logs());
    assert!(c.logs().contains("stopped cleanly"), "{}", c.logs());
    assert_eq!(c.count("SELECT count(*) FROM events"), 3);
    // Only a salted hash of the client is kept, never the address.
    let client: String = c.sqlite().query_row("SELECT client FROM events LIMIT 1", [], |r| r.get(0)).expect("client");
    assert_eq!(client.len(), 16);
    let file = std::fs::read(&c.db).expect("db file");
    assert!(!file.windows(9).any(|w| w == b"127.0.0.1"), "the raw IP address is in the database file");
    // Request bodies are never logged.
    assert!(!c.logs().contains("e-1") && !c.logs().contains("juno-park"), "{}", c.logs());
}

#[tokio::test]
async fn rejects_bad_events_but_keeps_the_good_ones() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let mut wrong_version = event("bad-1", "page_view");
    wrong_version["v"] = 9.into();
    let mut value_without_currency = event("bad-2", "begin_checkout");
    value_without_currency["ecommerce"] = serde_json::json!({"value": 3200, "items": []});
    let body = batch(&[
        event("good-1", "page_view"),
        wrong_version,
        serde_json::json!(42),
        value_without_currency,
        event("bad-3", "sign_up"),
    ]);
    let a = http.post_text(&c.url("/v1/events"), body).await.expect("post");
    assert_eq!(a.status, 200, "rejected events are the sender's bug: not retried, so still 200");
    let j = a.json();
    assert_eq!((j["accepted"].as_u64(), j["rejected"].as_u64()), (Some(1), Some(4)));
    assert_eq!(j["results"][1]["reason"], "schema version 9 is not supported (this collector reads v1)");
    assert_eq!(j["results"][2]["event_id"], serde_json::Value::Null);
    assert_eq!(j["results"][3]["reason"], "ecommerce.value needs ecommerce.currency");
    assert_eq!(j["results"][4]["reason"], "unknown event name \"sign_up\"");
    assert_eq!(c.count("SELECT count(*) FROM events"), 1);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    for body in ["[{\"v\":1,", "{\"v\":1}", "", "null"] {
        let a = http.post_text(&c.url("/v1/events"), body).await.expect("post");
        assert_eq!(a.status, 400, "{body:?}: {}", a.body);
        assert!(a.json()["error"].as_str().is_some_and(|e| e.starts_with("the body must be a JSON array")));
    }
    assert_eq!(c.count("SELECT count(*) FROM events"), 0);
}

#[tokio::test]
async fn oversize_bodies_and_batches_are_413() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let mut big = event("big", "page_view");
    big["context"]["path"] = "/".repeat(1000).into();
    let huge = batch(&vec![big; 70]);
    assert!(huge.len() > 64 * 1024);
    assert_eq!(http.post_text(&c.url("/v1/events"), huge).await.expect("post").status, 413);
    let many: Vec<_> = (0..51).map(|i| event(&format!("m-{i}"), "page_view")).collect();
    let a = http.post_text(&c.url("/v1/events"), batch(&many)).await.expect("post");
    assert_eq!(a.status, 413, "{}", a.body);
    let fifty: Vec<_> = (0..50).map(|i| event(&format!("m-{i}"), "page_view")).collect();
    assert_eq!(http.post_text(&c.url("/v1/events"), batch(&fifty)).await.expect("post").json()["accepted"], 50);
    assert_eq!(c.count("SELECT count(*) FROM events"), 50);
}

#[tokio::test]
async fn only_configured_origins() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let url = c.url("/v1/events");
    let body = batch(&[event("o-1", "page_view")]);
    let wrong = http
        .send("POST", &url, &[("content-type", "text/plain"), ("origin", "https://evil.example")], body.clone())
        .await
        .expect("post");
    assert_eq!(wrong.status, 403);
    assert_eq!(wrong.header("access-control-allow-origin"), None);
    assert_eq!(c.count("SELECT count(*) FROM events"), 0, "nothing stored from a wrong origin");
    let right =
        http.send("POST", &url, &[("content-type", "text/plain"), ("origin", ORIGIN)], body).await.expect("post");
    assert_eq!(right.status, 200);
    assert_eq!(right.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(right.header("access-control-expose-headers").map(str::to_lowercase).as_deref(), Some("retry-after"));
    let preflight = http
        .send(
            "OPTIONS",
            &url,
            &[
                ("origin", ORIGIN),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            "",
        )
        .await
        .expect("preflight");
    assert!(preflight.status < 300);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    let bad_preflight = http
        .send("OPTIONS", &url, &[("origin", "https://evil.example"), ("access-control-request-method", "POST")], "")
        .await
        .expect("preflight");
    assert_eq!(bad_preflight.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn rate_limited_clients_get_429_with_retry_after() {
    let (_dir, c) = start(&["--rate-limit", "1", "--rate-burst", "2"]);
    let http = Client::default();
    // Burst 2, then one a second: however slow the machine, ten quick requests overrun it.
    let mut statuses = Vec::new();
    for i in 0..10 {
        let headers = [("content-type", "text/plain"), ("origin", ORIGIN)];
        let a = http
            .send("POST", &c.url("/v1/events"), &headers, batch(&[event(&format!("r-{i}"), "page_view")]))
            .await
            .expect("post");
        statuses.push(a.status);
        if a.status == 429 {
            assert!(
                a.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s >= 1),
                "{:?}",
                a.headers
            );
            // The page can read Retry-After across origins.
            assert_eq!(a.header("access-control-allow-origin"), Some(ORIGIN));
            assert_eq!(
                a.header("access-control-expose-headers").map(str::to_lowercase).as_deref(),
                Some("retry-after")
            );
            break;
        }
    }
    assert_eq!(&statuses[..2], &[200, 200]);
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert_eq!(c.count("SELECT count(*) FROM events"), statuses.len() as i64 - 1, "a limited request stores nothing");
}

#[tokio::test]
async fn health_and_refused_settings() {
    let (_dir, c) = start(&[]);
    let a = Client::default().get(&c.url("/healthz"), &[]).await.expect("get");
    assert_eq!((a.status, a.json()["status"].as_str()), (200, Some("ok")));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linkshelf-collector"))
        .args(["--listen", "0.0.0.0:0"])
        .env_remove("LINKSHELF_COLLECTOR_READ_TOKEN")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--read-token is required when listening on 0.0.0.0:0"), "{err}");
}

/// A client that sends half a body and stalls gets 408 (which the storefront retries)
/// instead of holding the request, and a clean shutdown, open forever.
#[test]
fn a_trickling_body_times_out_with_408() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let (_dir, c) = start(&[]);
    let address = c.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n[{{\"v\":1"
    );
    stream.write_all(head.as_bytes()).expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut chunk = vec![0u8; 1024];
    while !answer.ends_with(b"}") {
        let n = stream.read(&mut chunk).expect("answered within 30 s");
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(started.elapsed() >= Duration::from_secs(9), "answered too early: {:?}", started.elapsed());
    // In the collector's one error shape (issue #9; it had an empty body before).
    assert!(text.contains("content-type: application/json"), "{text}");
    assert!(text.ends_with(r#"{"error":"the request took too long; send it again"}"#), "{text}");
}
