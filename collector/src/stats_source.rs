//! Where stats and the report read from: the collector's own SQLite file, or, when a
//! ClickHouse is configured, the shared store every collector ships to (so each one
//! answers the same figures).
//!
//! **Why ClickHouse is read through an in-memory SQLite.** The figures come from
//! `stats::load`: its queries join orders to clicks (`resolve`), find a code's owner
//! (`code_owner`), hide what an affiliate may not see (`stats::private`) and feed the
//! pure `stats::aggregate`. Rewriting those rules in ClickHouse SQL would make two
//! implementations that must agree to the cent. Instead the ClickHouse loader reads,
//! duplicate-free (`FINAL`), exactly the rows those queries can touch, puts them into a
//! private in-memory database with the collector's own schema, and runs the very same
//! `stats::load` on it. The figures are then the same from either store by
//! construction, and the test that compares them checks the copy.
//!
//! The rows a report can touch, for orders and events in `[from, to)`:
//! - every event in `[from − attribution window, to + 5 min]` (the range's events, and
//!   the checkouts an order there can be joined to by code or UTM);
//! - every event carrying the click id of an order in the range (a click id joins at
//!   any age);
//! - for every code, the earliest event carrying it with an affiliate, per creator and
//!   affiliate (who owns a code, and an affiliate's own codes);
//! - per code or source of an order in the range, and creator, one checkout outside
//!   `[from − window, to + 5 min]` (whether an order's code was used outside its window);
//! - every order and refund (a browser purchase is confirmed by any verified order;
//!   orders and refunds are few beside events).
//!
//! Copies are put in `(event_time, event_id)` order, so the in-memory rowids order ties
//! as the event ids do. (SQLite's own tie-break is its local rowid, which differs from
//! collector to collector; only events in the same millisecond can tell.) SQLite's unique
//! rules apply to the copy as to the file: one row per event id, one browser purchase
//! per (creator, transaction id), the first kept.

use crate::clickhouse::{self as ch, ChError, EventRow, OrderRow, RefundRow};
use crate::stats::{self, Query, Stats};
use crate::store::{self, StoreError};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection};
use std::path::PathBuf;

/// A click may be logged a little after the order by the shop's clock (as in `stats`).
const CLOCK_SLACK_MS: i64 = 5 * 60 * 1000;

#[derive(Clone)]
pub enum Source {
    Sqlite(PathBuf),
    ClickHouse(Box<clickhouse::Client>),
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading stats: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("reading stats from {0}")]
    ClickHouse(#[from] ChError),
    #[error("the stats task failed: {0}")]
    Join(String),
}

/// What a ClickHouse read brought back.
#[derive(Debug, Default)]
pub struct Slice {
    pub events: Vec<EventRow>,
    pub orders: Vec<OrderRow>,
    pub refunds: Vec<RefundRow>,
}

/// Adds up the query's figures from `source` (see `stats::load` for the arguments).
pub async fn load(
    source: &Source,
    query: Query,
    window_ms: i64,
    default_creator: Option<String>,
) -> Result<Stats, SourceError> {
    let copy = match source {
        Source::Sqlite(db) => {
            let db = db.clone();
            return tokio::task::spawn_blocking(move || -> Result<Stats, SourceError> {
                let conn = store::open_reader(&db)?;
                Ok(stats::load(&conn, &query, window_ms, default_creator.as_deref())?)
            })
            .await
            .map_err(|e| SourceError::Join(e.to_string()))?;
        }
        Source::ClickHouse(client) => read(client, query.from, query.to, window_ms).await?,
    };
    tokio::task::spawn_blocking(move || -> Result<Stats, SourceError> {
        let conn = store::open_memory()?;
        fill(&conn, copy)?;
        Ok(stats::load(&conn, &query, window_ms, default_creator.as_deref())?)
    })
    .await
    .map_err(|e| SourceError::Join(e.to_string()))?
}

/// Reads every row a report on `[from, to)` can touch (see the module's list).
pub async fn read(client: &clickhouse::Client, from: i64, to: i64, window_ms: i64) -> Result<Slice, ChError> {
    let (earliest, latest) = (from.saturating_sub(window_ms), to.saturating_add(CLOCK_SLACK_MS));
    let mut events: Vec<EventRow> = ch::timed(
        client
            .query("SELECT ?fields FROM events FINAL WHERE event_time >= ? AND event_time <= ?")
            .bind(earliest)
            .bind(latest)
            .fetch_all(),
    )
    .await?;
    events.extend(
        ch::timed(
            client
                .query(
                    "SELECT ?fields FROM events FINAL WHERE click_id IN
                       (SELECT click_id FROM orders FINAL WHERE created_at >= ? AND created_at < ? AND click_id IS NOT NULL)",
                )
                .bind(from)
                .bind(to)
                .fetch_all::<EventRow>(),
        )
        .await?,
    );
    events.extend(
        ch::timed(
            client
                .query(
                    "SELECT ?fields FROM events FINAL WHERE coupon IS NOT NULL AND affiliate IS NOT NULL
                     ORDER BY event_time, event_id LIMIT 1 BY coupon, creator_id, affiliate",
                )
                .fetch_all::<EventRow>(),
        )
        .await?,
    );
    // Whether an order's code or source was used outside its window ("outside the
    // window", `stats::load::outside_window`) asks for any such checkout: every order in
    // the range has its window inside `[earliest, latest]`, so one checkout outside that
    // per code or source and creator answers it, as the whole table would.
    events.extend(
        ch::timed(
            client
                .query(
                    "SELECT ?fields FROM events FINAL WHERE name = 'begin_checkout' AND (event_time < ? OR event_time > ?)
                       AND (lower(ifNull(coupon, '')) IN (SELECT lower(assumeNotNull(coupon)) FROM orders FINAL
                              WHERE created_at >= ? AND created_at < ? AND coupon IS NOT NULL)
                         OR ifNull(utm_source, '') IN (SELECT assumeNotNull(utm_source) FROM orders FINAL
                              WHERE created_at >= ? AND created_at < ? AND utm_source IS NOT NULL))
                     ORDER BY event_time, event_id LIMIT 1 BY lower(ifNull(coupon, '')), utm_source, creator_id",
                )
                .bind(earliest)
                .bind(latest)
                .bind(from)
                .bind(to)
                .bind(from)
                .bind(to)
                .fetch_all::<EventRow>(),
        )
        .await?,
    );
    let orders = ch::timed(client.query("SELECT ?fields FROM orders FINAL").fetch_all()).await?;
    let refunds = ch::timed(client.query("SELECT ?fields FROM refunds FINAL").fetch_all()).await?;
    Ok(Slice { events, orders, refunds })
}

/// An amount as SQLite held it: the integer, or (flagged unreadable) a text that the
/// stats loader leaves out and reports, as it does a legacy row in the file.
fn amount(value: Option<i64>, unreadable: u8) -> SqlValue {
    match (value, unreadable) {
        (_, 1..) => SqlValue::Text("unreadable".into()),
        (Some(v), _) => SqlValue::Integer(v),
        (None, _) => SqlValue::Null,
    }
}

/// Writes a slice into an in-memory database made by `store::open_memory`.
pub fn fill(conn: &Connection, mut slice: Slice) -> rusqlite::Result<()> {
    slice.events.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)?;
    {
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO events (event_id, name, creator_id, event_time, occurred_at, sent_at, received_at,
               page_load_id, seq, client, utm_source, utm_medium, utm_campaign, utm_content, utm_term, ref,
               referrer_host, platform_click_ids, path, locale, time_zone, in_app_browser, promotion_id, popup_id,
               item_list_id, currency, value, coupon, transaction_id, items, click_id, destination_host, affiliate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
               ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        )?;
        for e in &slice.events {
            insert.execute(params![
                e.event_id,
                e.name,
                e.creator_id,
                e.event_time,
                e.occurred_at,
                e.sent_at,
                e.received_at,
                e.page_load_id,
                e.seq,
                e.client,
                e.utm_source,
                e.utm_medium,
                e.utm_campaign,
                e.utm_content,
                e.utm_term,
                e.ref_tag,
                e.referrer_host,
                e.platform_click_ids,
                e.path,
                e.locale,
                e.time_zone,
                e.in_app_browser,
                e.promotion_id,
                e.popup_id,
                e.item_list_id,
                e.currency,
                amount(e.value, e.value_unreadable),
                e.coupon,
                e.transaction_id,
                e.items,
                e.click_id,
                e.destination_host,
                e.affiliate
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO orders (provider, order_id, creator_id, created_at, received_at, currency, value,
               click_id, coupon, utm_source, utm_medium, utm_campaign, payment_ref, affiliate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for o in &slice.orders {
            insert.execute(params![
                o.provider,
                o.order_id,
                o.creator_id,
                o.created_at,
                o.received_at,
                o.currency,
                amount(Some(o.value), o.value_unreadable),
                o.click_id,
                o.coupon,
                o.utm_source,
                o.utm_medium,
                o.utm_campaign,
                o.payment_ref,
                o.affiliate
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO refunds (provider, refund_id, order_ref, currency, amount, created_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for r in &slice.refunds {
            insert.execute(params![
                r.provider,
                r.refund_id,
                r.order_ref,
                r.currency,
                amount(Some(r.amount), r.amount_unreadable),
                r.created_at,
                r.received_at
            ])?;
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, time: i64, name: &str, tx: Option<&str>) -> EventRow {
        EventRow {
            event_id: id.into(),
            name: name.into(),
            creator_id: "juno".into(),
            event_time: time,
            transaction_id: tx.map(str::to_owned),
            ..EventRow::default()
        }
    }

    #[test]
    fn the_copy_keeps_sqlites_unique_rules_and_orders_ties_by_event_id() {
        let conn = store::open_memory().expect("memory");
        let mut bad = event("legacy", 5, "purchase", Some("T9"));
        bad.value_unreadable = 1;
        let slice = Slice {
            events: vec![
                event("b", 10, "page_view", None),
                event("a", 10, "page_view", None),
                event("b", 10, "page_view", None),
                event("p2", 30, "purchase", Some("T1")),
                event("p1", 20, "purchase", Some("T1")),
                bad,
            ],
            orders: vec![OrderRow {
                provider: "stripe".into(),
                order_id: "cs_1".into(),
                value_unreadable: 1,
                ..OrderRow::default()
            }],
            refunds: vec![],
        };
        fill(&conn, slice).expect("fill");
        let ids: Vec<String> = conn
            .prepare("SELECT event_id FROM events ORDER BY id")
            .expect("select")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(ids, ["legacy", "a", "b", "p1"], "one per id, one purchase per transaction, in time then id order");
        let kinds: (String, String) = conn
            .query_row(
                "SELECT typeof(e.value), typeof(o.value) FROM events e, orders o WHERE e.event_id = 'legacy'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("types");
        assert_eq!(kinds, ("text".to_owned(), "text".to_owned()), "unreadable stays unreadable");
    }
}
