//! Server-side forwarding to PostHog, for creators who outgrow one machine or want
//! PostHog's tools on the same events.
//!
//! PostHog is the one target that suits forwarding from a server: its `/batch/` takes
//! many events at once, honours their timestamps and drops repeats of a `uuid` (our
//! `event_id`, a UUIDv7). Plausible and Umami count visitors by the request's IP address
//! and user agent, which only the browser's own request carries, so for them the
//! storefront's browser sinks are the right tool (see the README).
//!
//! Events go in `events.id` order; the last id delivered is kept in `forward_cursor`
//! (through the one writer), so a restart resumes where it stopped. Sending is "at
//! least once": a batch delivered just before a crash may go again, and PostHog's dedup
//! on `uuid` absorbs it. Failures back off exponentially, up to five minutes.

use crate::event::StoredItem;
use crate::store::{self, Write, Writer};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use linkshelf_core::attribution::{Attribution, ClickId};
use linkshelf_core::events::{
    Context, Ecommerce, Envelope, EventName, InAppBrowser, Item, Outbound, Subject, SCHEMA_VERSION,
};
use linkshelf_core::limits::MAX_AMOUNT_MINOR;
use linkshelf_core::sinks;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Events per request (PostHog accepts far more; this keeps a request small).
pub const BATCH: usize = 500;
/// Longest wait between attempts after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
const TARGET: &str = "posthog";

#[derive(Clone, Debug)]
pub struct PostHog {
    /// e.g. `https://eu.i.posthog.com`
    pub host: String,
    /// The project's public key, `phc_…`.
    pub api_key: String,
    pub interval: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("reading events: {0}")]
    Read(#[from] store::StoreError),
    #[error("reading events: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the request to PostHog failed: {0}")]
    Http(String),
    #[error("PostHog answered {0}")]
    Status(u16),
}

/// Forwards until the task is dropped (the collector aborts it at shutdown).
pub async fn run(db: PathBuf, target: PostHog, writer: Writer) {
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let url = format!("{}/batch/", target.host.trim_end_matches('/'));
    let mut backoff = target.interval;
    loop {
        match round(&db, &target, &url, &client, &writer).await {
            Ok(sent) => {
                backoff = target.interval;
                if sent > 0 {
                    tracing::info!(events = sent, "forwarded to PostHog");
                }
                if sent == BATCH {
                    continue; // more are waiting
                }
                tokio::time::sleep(target.interval).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "forwarding to PostHog failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Sends the next batch; returns how many events went.
async fn round(
    db: &std::path::Path,
    target: &PostHog,
    url: &str,
    client: &Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    writer: &Writer,
) -> Result<usize, ForwardError> {
    let db = db.to_owned();
    let (rows, last_id) = tokio::task::spawn_blocking(move || -> Result<(Vec<Value>, Option<i64>), ForwardError> {
        let conn = store::open_reader(&db)?;
        Ok(next_batch(&conn)?)
    })
    .await
    .map_err(|e| ForwardError::Http(e.to_string()))??;
    let Some(last_id) = last_id else { return Ok(0) };
    let body = json!({ "api_key": target.api_key, "batch": rows }).to_string();
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ForwardError::Http(e.to_string()))?;
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .map_err(|_| ForwardError::Http("no answer within 30 s".into()))?
        .map_err(|e| ForwardError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    // Read the answer to the end so the connection can be reused.
    let _ = response.into_body().collect().await;
    if !(200..300).contains(&status) {
        return Err(ForwardError::Status(status));
    }
    writer.write(Write::Cursor { target: TARGET, last_id }).await?;
    Ok(rows.len())
}

/// The next events after the cursor as PostHog batch entries, and the last id among them.
///
/// Each stored row becomes the envelope the storefront sent (with the clock-corrected
/// time) and goes through the core's `sinks::posthog_item`, so the forwarder and the
/// browser's `posthog` sink send one schema. The collector does not know the site's
/// origin, so `$current_url` is left out (`$pathname` is there).
pub fn next_batch(conn: &Connection) -> rusqlite::Result<(Vec<Value>, Option<i64>)> {
    let after: i64 = conn
        .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", params![TARGET], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mut statement = conn.prepare(
        "SELECT id, event_id, page_load_id, name, event_time, creator_id, utm_source, utm_medium, utm_campaign,
           utm_content, utm_term, ref, referrer_host, path, locale, in_app_browser, currency, value, coupon,
           transaction_id, click_id, seq, time_zone, platform_click_ids, promotion_id, popup_id, item_list_id,
           items, destination_host, affiliate
         FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let mut last = None;
    let rows = statement
        .query_map(params![after, BATCH as i64], |r| {
            last = Some(r.get::<_, i64>(0)?);
            let text = |i: usize| r.get::<_, Option<String>>(i);
            let event_id: String = r.get(1)?;
            let name: String = r.get(3)?;
            // A row from before the shared limits may hold any value (a REAL, a
            // negative): forward the event without it rather than stall the forwarder
            // on that row for ever.
            let value = r.get::<_, Option<i64>>(17).ok().flatten().filter(|v| (0..=MAX_AMOUNT_MINOR).contains(v));
            let items: Vec<StoredItem> = text(27)?.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
            let click_ids = text(23)?
                .map(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .map(|(name, value)| ClickId { name: name.into_owned(), value: value.into_owned() })
                        .collect()
                })
                .unwrap_or_default();
            let (coupon, transaction_id, destination_host) = (text(18)?, text(19)?, text(28)?.unwrap_or_default());
            let envelope = Envelope {
                v: SCHEMA_VERSION,
                event_id: event_id.clone(),
                // Ingest stores only known names; the stored name is written back below,
                // so a hand-edited row is never relabelled.
                name: EventName::parse(&name).unwrap_or(EventName::PageView),
                occurred_at: r.get(4)?,
                sent_at: None,
                page_load_id: text(2)?.unwrap_or_else(|| event_id.clone()),
                seq: r.get::<_, Option<u32>>(21).ok().flatten().unwrap_or(0),
                creator_id: r.get(5)?,
                attribution: Attribution {
                    utm_source: text(6)?,
                    utm_medium: text(7)?,
                    utm_campaign: text(8)?,
                    utm_content: text(9)?,
                    utm_term: text(10)?,
                    ref_tag: text(11)?,
                    affiliate: text(29)?,
                    click_ids,
                    referrer_host: text(12)?,
                },
                context: Context {
                    path: text(13)?.unwrap_or_default(),
                    locale: text(14)?.unwrap_or_default(),
                    time_zone: text(22)?.unwrap_or_default(),
                    in_app_browser: InAppBrowser::parse(&text(15)?.unwrap_or_default()),
                },
                subject: Subject { promotion_id: text(24)?, popup_id: text(25)?, item_list_id: text(26)? },
                ecommerce: text(16)?.map(|currency| Ecommerce {
                    currency,
                    value: value.unwrap_or(0),
                    coupon,
                    transaction_id,
                    items: items
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| Item {
                            item_id: item.item_id,
                            item_name: String::new(),
                            price: item.price,
                            quantity: item.quantity,
                            index: i as u32,
                            item_list_id: None,
                        })
                        .collect(),
                }),
                outbound: text(20)?.map(|click_id| Outbound { click_id, destination_host }),
            };
            let mut entry: Value = serde_json::from_str(&sinks::posthog_item(&envelope, None)).unwrap_or(Value::Null);
            entry["event"] = Value::String(name);
            // No amount stored (or one from before the limits): no `value`, rather
            // than a made-up zero.
            if value.is_none() {
                if let Some(properties) = entry["properties"].as_object_mut() {
                    properties.remove("value");
                }
            }
            // PostHog dedups on `uuid`, which must be a UUID; other ids go without.
            if !is_uuid(&event_id) {
                if let Some(entry) = entry.as_object_mut() {
                    entry.remove("uuid");
                }
            }
            Ok(entry)
        })?
        .collect::<rusqlite::Result<Vec<Value>>>()?;
    Ok((rows, last))
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(
            |(i, b)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    b == b'-'
                } else {
                    b.is_ascii_hexdigit()
                }
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::store::{apply, open, Durability, Write};

    /// Issue #9: a legacy row whose value is not an integer in range must not stop
    /// the forwarder (it used to fail every round on that row).
    #[test]
    fn a_legacy_value_is_left_out_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("f.sqlite"), Durability::Normal).expect("open");
        conn.execute_batch(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value)
             VALUES ('a', 'purchase', 'juno', 1, 1, 1, 'EUR', 1e30), ('b', 'purchase', 'juno', 1, 1, 1, 'EUR', -5);",
        )
        .expect("legacy rows");
        let (rows, last) = next_batch(&conn).expect("the batch is read");
        assert_eq!((rows.len(), last), (2, Some(2)));
        assert!(rows.iter().all(|r| r["properties"].get("value").is_none()), "{rows:?}");
    }

    #[test]
    fn maps_events_to_posthog_batch_entries_after_the_cursor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("f.sqlite"), Durability::Normal).expect("open");
        let event = |id: &str| Event {
            event_id: id.into(),
            name: "begin_checkout",
            creator_id: "juno".into(),
            event_time: 1_795_804_200_000,
            page_load_id: Some("pl-1".into()),
            utm_source: Some("tiktok".into()),
            affiliate: Some("juno.park".into()),
            currency: Some("EUR".into()),
            value: Some(3200),
            ..Event::default()
        };
        let uuid = "019b0e5b-1f40-7707-8707-070707070707";
        apply(&conn, &Write::Events { events: vec![event(uuid), event("not-a-uuid")], client: None }).expect("insert");
        let (rows, last) = next_batch(&conn).expect("batch");
        assert_eq!(last, Some(2));
        assert_eq!(rows[0]["uuid"], uuid);
        assert_eq!(rows[0]["event"], "begin_checkout");
        assert_eq!(rows[0]["distinct_id"], "pl-1");
        assert_eq!(rows[0]["timestamp"], "2026-11-27T18:30:00.000Z");
        assert_eq!(rows[0]["properties"]["utm_source"], "tiktok");
        assert_eq!(rows[0]["properties"]["affiliate"], "juno.park", "the affiliate goes on with the event");
        // The browser's PostHog schema (core::sinks::posthog_item): value in major units.
        assert_eq!(rows[0]["properties"]["value"], "32.00");
        assert_eq!(rows[0]["properties"]["currency"], "EUR");
        assert_eq!(rows[0]["properties"]["creator_id"], "juno");
        assert_eq!(rows[0]["properties"]["source"], "linkshelf");
        assert_eq!(rows[0]["properties"]["$process_person_profile"], false);
        assert!(rows[0]["properties"].get("coupon").is_none(), "no nulls sent");
        assert!(rows[1].get("uuid").is_none());
        apply(&conn, &Write::Cursor { target: TARGET, last_id: 2 }).expect("cursor");
        assert_eq!(next_batch(&conn).expect("batch"), (vec![], None));
        // The cursor never moves back.
        apply(&conn, &Write::Cursor { target: TARGET, last_id: 1 }).expect("cursor");
        assert_eq!(next_batch(&conn).expect("batch").1, None);
    }

    #[test]
    fn recognises_uuids() {
        assert!(is_uuid("019b0e5b-1f40-7707-8707-070707070707"));
        assert!(!is_uuid("019b0e5b-1f40-7707-8707-07070707070"));
        assert!(!is_uuid("019b0e5b_1f40-7707-8707-070707070707"));
        assert!(!is_uuid("e-1"));
    }
}
