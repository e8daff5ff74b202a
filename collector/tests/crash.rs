//! Stopping the collector in the middle of sustained load, then restarting it on the
//! same file: every event that was acknowledged is there, after a kill -9 as after a
//! SIGTERM. Short and never timing-asserting, so it can run in CI.

mod common;
use common::*;
use linkshelf_collector::load::{run, Load, Mix, Report};
use std::collections::HashSet;
use std::time::Duration;

/// Runs load, calls `stop` 1.2 s in, restarts and checks every acknowledged id.
async fn acknowledged_events_survive(
    name: &str,
    stop: impl FnOnce(&mut Collector),
) -> (Report, Collector, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(format!("{name}.sqlite"));
    let mut args = default_args();
    args.extend(["--durability", "full"].map(String::from));
    let mut c = Collector::start_on(&db, &args);
    let load = Load {
        url: c.url("/v1/events"),
        concurrency: 8,
        duration: Duration::from_millis(2500),
        batch: 50,
        prefix: name.into(),
        keep_ids: true,
        mix: Mix::Visits,
    };
    let running = tokio::spawn(run(load));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop(&mut c);
    let report = running.await.expect("load");
    assert!(report.acknowledged > 0, "no event was acknowledged before the stop");
    assert!(report.errors > 0, "the stop happened after the load ended: nothing was tested");

    // Restart on the same file (SQLite replays the WAL after a kill) and look for every id.
    let c = Collector::start_on(&db, &default_args());
    let stored: HashSet<String> = {
        let conn = c.sqlite();
        let mut s = conn.prepare("SELECT event_id FROM events").expect("select");
        let ids = s.query_map([], |r| r.get::<_, String>(0)).expect("query").collect::<Result<_, _>>().expect("rows");
        ids
    };
    let lost: Vec<&String> = report.acknowledged_ids.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{name}: {} of {} acknowledged events lost, e.g. {:?}",
        lost.len(),
        report.acknowledged,
        &lost[..lost.len().min(5)]
    );
    eprintln!(
        "{name}: {} events acknowledged before the stop, all found after restart ({} stored)",
        report.acknowledged,
        stored.len()
    );
    (report, c, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_event_survives_kill_9() {
    let (_, mut c, _dir) = acknowledged_events_survive("kill9", Collector::kill9).await;
    // The restarted collector still works.
    let a = Client::default()
        .post_text(&c.url("/v1/events"), batch(&[event("after-crash", "page_view")]))
        .await
        .expect("post");
    assert_eq!(a.json()["accepted"], 1);
    assert_eq!(c.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_in_flight_requests_and_exits_0() {
    let mut code = None;
    let (_, mut c, _dir) = acknowledged_events_survive("sigterm", |c| code = c.stop().code()).await;
    assert_eq!(code, Some(0), "SIGTERM under load is a clean stop");
    c.stop();
}
