//! Sustained load on `POST /v1/events`: `concurrency` clients each sending batches of
//! storefront-like events back to back for a while. Used by the benchmark binary
//! (`linkshelf-collector-load`) and by the crash test, which needs to know exactly which
//! events were acknowledged.

use crate::client::Client;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Load {
    /// `http://host:port/v1/events`
    pub url: String,
    pub concurrency: usize,
    pub duration: Duration,
    pub batch: usize,
    /// Makes event ids unique across runs.
    pub prefix: String,
    /// Keep the ids of acknowledged events (the crash test); off for benchmarks.
    pub keep_ids: bool,
    pub mix: Mix,
}

#[derive(Debug, Default)]
pub struct Report {
    /// Events in batches answered 200 with every event accepted.
    pub acknowledged: u64,
    pub batches: u64,
    /// Requests that failed or got another answer.
    pub errors: u64,
    pub latencies_us: Vec<u64>,
    pub elapsed: Duration,
    pub acknowledged_ids: Vec<String>,
}

impl Report {
    /// The latency below which `q` (0..1) of the batches were answered, in ms.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        percentile_ms(&self.latencies_us, q)
    }

    pub fn events_per_second(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The value below which `q` (0..1) of `samples_us` lie (nearest rank), in ms; 0 when
/// there are none.
pub fn percentile_ms(samples_us: &[u64], q: f64) -> f64 {
    let mut sorted = samples_us.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

/// One storefront-like envelope (about 750 bytes, like a tagged `select_item`).
pub fn envelope(id: &str, now_ms: i64, seq: usize) -> String {
    format!(
        r#"{{"v":1,"event_id":"{id}","name":"select_item","occurred_at":{o},"sent_at":{now_ms},"page_load_id":"pl-{seq}","seq":{seq},"creator_id":"juno-park","attribution":{{"utm_source":"tiktok","utm_medium":"clip","utm_campaign":"winter-drop","utm_content":"vid-42","utm_term":null,"ref":"bio","click_ids":[{{"name":"ttclid","value":"E.C.P.abc123"}}],"referrer_host":"www.tiktok.com"}},"context":{{"path":"/p/speckled-mug/","locale":"en-GB","time_zone":"Europe/London","in_app_browser":"tiktok"}},"subject":{{"promotion_id":null,"popup_id":null,"item_list_id":"kitchen"}},"ecommerce":{{"currency":"EUR","value":3200,"coupon":null,"transaction_id":null,"items":[{{"item_id":"speckled-mug","item_name":"Speckled stoneware mug","price":3200,"quantity":1,"index":0,"item_list_id":"kitchen"}}]}},"outbound":null}}"#,
        o = now_ms - 1200
    )
}

/// One event of a typical visit, for `--mix visits`: six events per page load (two
/// page views, a list and a code seen, a product tapped, a checkout started), half the
/// visits from a tagged TikTok link, half untagged, as the storefront sends them.
pub fn visit_envelope(id: &str, now_ms: i64, i: usize, visit: &str) -> String {
    let tagged = (i / 6).is_multiple_of(2);
    let attribution = if tagged {
        r#"{"utm_source":"tiktok","utm_medium":"clip","utm_campaign":null,"utm_content":null,"utm_term":null,"ref":"bio","click_ids":[{"name":"ttclid","value":"E.C.P.abc123"}],"referrer_host":"www.tiktok.com"}"#
    } else {
        r#"{"utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_content":null,"utm_term":null,"ref":null,"click_ids":[],"referrer_host":null}"#
    };
    let item = r#"{"currency":"EUR","value":3200,"coupon":null,"transaction_id":null,"items":[{"item_id":"speckled-mug","item_name":"Speckled stoneware mug","price":3200,"quantity":1,"index":0,"item_list_id":"kitchen"}]}"#;
    let (name, path, subject, ecommerce, outbound) = match i % 6 {
        0 => (
            "page_view",
            "/",
            r#"{"promotion_id":null,"popup_id":null,"item_list_id":null}"#,
            "null",
            "null".to_owned(),
        ),
        1 => (
            "view_item_list",
            "/",
            r#"{"promotion_id":null,"popup_id":null,"item_list_id":"kitchen"}"#,
            "null",
            "null".to_owned(),
        ),
        2 => (
            "view_promotion",
            "/",
            r#"{"promotion_id":"juno15","popup_id":null,"item_list_id":null}"#,
            "null",
            "null".to_owned(),
        ),
        3 => (
            "select_item",
            "/",
            r#"{"promotion_id":null,"popup_id":null,"item_list_id":"kitchen"}"#,
            item,
            "null".to_owned(),
        ),
        4 => (
            "page_view",
            "/p/speckled-mug/",
            r#"{"promotion_id":null,"popup_id":null,"item_list_id":null}"#,
            "null",
            "null".to_owned(),
        ),
        _ => (
            "begin_checkout",
            "/p/speckled-mug/",
            r#"{"promotion_id":null,"popup_id":null,"item_list_id":null}"#,
            item,
            format!(r#"{{"click_id":"{id}","destination_host":"fable-studio.example"}}"#),
        ),
    };
    format!(
        r#"{{"v":1,"event_id":"{id}","name":"{name}","occurred_at":{o},"sent_at":{now_ms},"page_load_id":"{visit}","seq":{seq},"creator_id":"juno-park","attribution":{attribution},"context":{{"path":"{path}","locale":"en-GB","time_zone":"Europe/London","in_app_browser":"{iab}"}},"subject":{subject},"ecommerce":{ecommerce},"outbound":{outbound}}}"#,
        o = now_ms - 1200,
        seq = i % 6,
        iab = if tagged { "tiktok" } else { "none" },
    )
}

/// What the load sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// Every event a fully tagged `select_item` (the heaviest common event).
    Tagged,
    /// Typical visits: six events per page load, half of them tagged.
    Visits,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Runs the load and adds up what every client saw.
pub async fn run(load: Load) -> Report {
    let started = Instant::now();
    let deadline = started + load.duration;
    let client = Client::default();
    let workers: Vec<_> = (0..load.concurrency)
        .map(|w| {
            let (client, load) = (client.clone(), load.clone());
            tokio::spawn(async move {
                let mut report = Report::default();
                let mut n = 0usize;
                while Instant::now() < deadline {
                    let ids: Vec<String> = (0..load.batch).map(|i| format!("{}-{w}-{n}-{i}", load.prefix)).collect();
                    let now = now_ms();
                    let body = format!(
                        "[{}]",
                        ids.iter()
                            .enumerate()
                            .map(|(i, id)| match load.mix {
                                Mix::Tagged => envelope(id, now, i),
                                Mix::Visits =>
                                    visit_envelope(id, now, i, &format!("{}-{w}-{n}-v{}", load.prefix, i / 6)),
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                    n += 1;
                    let sent = Instant::now();
                    match client.post_text(&load.url, body).await {
                        Ok(a) if a.status == 200 && a.json()["accepted"].as_u64() == Some(load.batch as u64) => {
                            report.latencies_us.push(sent.elapsed().as_micros() as u64);
                            report.batches += 1;
                            report.acknowledged += load.batch as u64;
                            if load.keep_ids {
                                report.acknowledged_ids.extend(ids);
                            }
                        }
                        _ => {
                            report.errors += 1;
                            // The server is gone or refusing: do not spin.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                report
            })
        })
        .collect();
    let mut total = Report::default();
    for worker in workers {
        if let Ok(r) = worker.await {
            total.acknowledged += r.acknowledged;
            total.batches += r.batches;
            total.errors += r.errors;
            total.latencies_us.extend(r.latencies_us);
            total.acknowledged_ids.extend(r.acknowledged_ids);
        }
    }
    total.elapsed = started.elapsed().min(load.duration.max(Duration::from_millis(1)));
    total
}

/// The lag from acknowledgement to visible in ClickHouse (issue #15): during the load,
/// one extra event every `every`, each with a known id; once the collector has answered
/// 200, ClickHouse is asked every `poll` whether the id is there yet.
#[derive(Clone, Debug)]
pub struct Probe {
    /// `http://host:port/v1/events` of the collector.
    pub url: String,
    /// ClickHouse's HTTP interface, e.g. `http://127.0.0.1:8123`.
    pub clickhouse_url: String,
    /// The collector's ClickHouse database (`--clickhouse-database`).
    pub database: String,
    pub prefix: String,
    /// How long to send probes (the load's duration).
    pub duration: Duration,
    pub every: Duration,
    pub poll: Duration,
    /// After the last probe, how long to wait for the unseen ones before counting them lost.
    pub give_up: Duration,
}

#[derive(Debug, Default)]
pub struct ProbeReport {
    /// Probes acknowledged by the collector.
    pub sent: u64,
    /// Acknowledgement → first poll that saw it, per probe seen.
    pub lags_us: Vec<u64>,
    /// Acknowledged but not seen before `give_up`.
    pub unseen: u64,
    /// Polls that failed (ClickHouse down or refusing); they do not stop the probe.
    pub poll_errors: u64,
}

/// The ids of `sql`'s answer in ClickHouse's `TabSeparated` format, one per line.
pub fn seen_ids(body: &str) -> impl Iterator<Item = &str> {
    body.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// `SELECT event_id … WHERE event_id IN (…)` for ids the probe made itself (letters,
/// digits and '-', so quoting them is safe).
pub fn probe_query(database: &str, ids: &[&str]) -> String {
    let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
    format!("SELECT event_id FROM {database}.events WHERE event_id IN ({}) FORMAT TabSeparated", list.join(","))
}

/// Runs the probe; it ends `give_up` after its last probe at the latest.
pub async fn probe(p: Probe) -> ProbeReport {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    let client = Client::default();
    let pending: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let started = Instant::now();
    let sender = {
        let (client, pending, p) = (client.clone(), pending.clone(), p.clone());
        tokio::spawn(async move {
            let mut sent = 0u64;
            let mut tick = tokio::time::interval(p.every);
            let mut k = 0u64;
            while started.elapsed() < p.duration {
                tick.tick().await;
                let id = format!("{}-probe-{k}", p.prefix);
                k += 1;
                let body = format!("[{}]", envelope(&id, now_ms(), 0));
                if let Ok(a) = client.post_text(&p.url, body).await {
                    if a.status == 200 && a.json()["accepted"].as_u64() == Some(1) {
                        let acked = Instant::now();
                        if let Ok(mut map) = pending.lock() {
                            map.insert(id, acked);
                            sent += 1;
                        }
                    }
                }
            }
            sent
        })
    };
    let mut report = ProbeReport::default();
    let mut last_seen_pending = Instant::now();
    loop {
        tokio::time::sleep(p.poll).await;
        let ids: Vec<String> = pending.lock().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let sending = !sender.is_finished();
        if ids.is_empty() {
            if !sending {
                break;
            }
            last_seen_pending = Instant::now();
            continue;
        }
        if sending {
            last_seen_pending = Instant::now();
        } else if last_seen_pending.elapsed() > p.give_up {
            report.unseen = ids.len() as u64;
            break;
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let url = format!("{}/", p.clickhouse_url.trim_end_matches('/'));
        match client.send("POST", &url, &[], probe_query(&p.database, &refs)).await {
            Ok(a) if a.status == 200 => {
                let now = Instant::now();
                if let Ok(mut map) = pending.lock() {
                    for id in seen_ids(&a.body) {
                        if let Some(acked) = map.remove(id) {
                            report.lags_us.push(now.saturating_duration_since(acked).as_micros() as u64);
                        }
                    }
                }
            }
            _ => report.poll_errors += 1,
        }
    }
    report.sent = sender.await.unwrap_or(0);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&samples, 0.5), 50.0);
        assert_eq!(percentile_ms(&samples, 0.99), 99.0);
        assert_eq!(percentile_ms(&samples, 1.0), 100.0);
        assert_eq!(percentile_ms(&samples, 0.0), 1.0, "the lowest, not an index below it");
        assert_eq!(percentile_ms(&[], 0.99), 0.0);
        assert_eq!(percentile_ms(&[7_500, 2_500], 0.5), 2.5, "unsorted input");
    }

    #[test]
    fn probe_query_and_answer() {
        assert_eq!(
            probe_query("linkshelf", &["p-1", "p-2"]),
            "SELECT event_id FROM linkshelf.events WHERE event_id IN ('p-1','p-2') FORMAT TabSeparated"
        );
        assert_eq!(seen_ids("p-1\np-2\n\n").collect::<Vec<_>>(), ["p-1", "p-2"]);
    }
}
