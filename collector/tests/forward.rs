//! Server-side forwarding to a stand-in PostHog over real HTTP: every event arrives in
//! PostHog's batch format, a failing PostHog is retried, and a restart does not resend
//! what was delivered.

mod common;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use common::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Fake {
    bodies: Arc<Mutex<Vec<Value>>>,
    /// Requests still to refuse with 503.
    refuse: Arc<Mutex<u32>>,
}

async fn batch_endpoint(State(fake): State<Fake>, body: Bytes) -> StatusCode {
    {
        let mut refuse = fake.refuse.lock().expect("lock");
        if *refuse > 0 {
            *refuse -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.bodies.lock().expect("lock").push(json);
    StatusCode::OK
}

fn received(fake: &Fake) -> Vec<Value> {
    fake.bodies.lock().expect("lock").iter().flat_map(|b| b["batch"].as_array().cloned().unwrap_or_default()).collect()
}

/// Waits up to 10 s until PostHog has `n` events.
async fn wait_for(fake: &Fake, n: usize) {
    for _ in 0..100 {
        if received(fake).len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn forwards_every_event_to_posthog_once() {
    let fake = Fake { refuse: Arc::new(Mutex::new(1)), ..Fake::default() };
    let app = axum::Router::new().route("/batch/", axum::routing::post(batch_endpoint)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let host = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("forward.sqlite");
    let mut args = default_args();
    args.extend(
        ["--forward-posthog-host", &host, "--forward-posthog-key", "phc_test", "--forward-interval-secs", "1"]
            .map(String::from),
    );
    let mut c = Collector::start_on(&db, &args);
    let uuid = "019b0e5b-1f40-7707-8707-070707070707";
    let events = [event(uuid, "page_view"), event("e-2", "select_item"), event("e-3", "begin_checkout")];
    let a = Client::default().post_text(&c.url("/v1/events"), batch(&events)).await.expect("post");
    assert_eq!(a.json()["accepted"], 3);

    // The first attempt gets 503; the retry (after 1 s, then 2 s) delivers.
    wait_for(&fake, 3).await;
    let got = received(&fake);
    assert_eq!(got.len(), 3, "{got:?}");
    let bodies = fake.bodies.lock().expect("lock").clone();
    assert_eq!(bodies[0]["api_key"], "phc_test");
    assert_eq!(got[0]["uuid"], uuid);
    assert_eq!(got[0]["distinct_id"], "pl-1");
    assert_eq!(
        got.iter().map(|e| e["event"].as_str().unwrap_or("")).collect::<Vec<_>>(),
        ["page_view", "select_item", "begin_checkout"]
    );
    assert!(c.logs().contains("forwarding to PostHog failed"), "{}", c.logs());
    assert_eq!(c.stop().code(), Some(0));

    // Restarted on the same file: nothing is sent again, new events are.
    let c = Collector::start_on(&db, &args);
    let a = Client::default().post_text(&c.url("/v1/events"), batch(&[event("e-4", "page_view")])).await.expect("post");
    assert_eq!(a.json()["accepted"], 1);
    wait_for(&fake, 4).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(received(&fake).len(), 4, "each event delivered once");
}
