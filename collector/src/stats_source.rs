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
//! construction, and the test that compares them checks the copy. What a season at
//! 10^8 events made too slow to copy is handed to `stats::load_with` beside it
//! (`stats::Given`), each held to the copy's answer by a test: the range's rollup
//! rows, the range's orders as rows, and the settled orders' joins, decided from the
//! checkouts kept for them (`ch_picks::join_of`, against `resolve` in the property test
//! `the_checkouts_kept_for_orders_join_them_as_all_do`).
//!
//! The rows a report can touch, for orders and events in `[from, to)`:
//! - of the events stats only count (`rollup::ROLLED`), none copied: all of `[from, to)`
//!   is added up in ClickHouse, one `GROUP BY` row per UTC day and everything that
//!   decides their rollup key (`rollup::Key`: the tags, code, code id, items, path, and
//!   whether the value can be counted), with how many events it stands for and the
//!   earliest one's time. Each is keyed by the function the file's roller uses
//!   (`rollup::row`) and goes straight into the sum, one row per key across the days
//!   (`rollup::Collapser`, then `stats::load_with`), as a rolled-up file's rows do; the
//!   rows cover the range to the millisecond (`stats::Given::covers_range`), so
//!   `stats::load` counts none of the copy's events, which are there only to join
//!   orders (the benchmark's 10^6 events over 90 days: about 270,000 groups, read in one
//!   query rather than copied one event at a time). Whole days that ClickHouse's own
//!   day rollup holds complete (`ch_days`: settled days) are not grouped again: their
//!   `event_days` rows join the same sum (read as counts per row, and the texts once
//!   per key, `ch_days::DoneDays`). A partial first or last day's whole hours come
//!   likewise from its hour rollup (`event_hours`, `recent_hours`), and the rest of it,
//!   under an hour at each end, is grouped over exactly its part of the range (a range
//!   to the millisecond copied partial days raw until session 32, a million events a
//!   day at 10^8, seconds, and grouped them whole until session 33, 0.7-0.8 s);
//! - the purchases in `[from, to)`: those of the whole days ClickHouse's purchase
//!   rollup holds complete (`ch_purchases`: settled days) or counted provisionally in a
//!   count that still holds (`recent_purchases`: days not yet settled) as their rows,
//!   with the moves to confirmed rows that the orders make; the others (other whole
//!   days, and the partial days' part of the range) read raw and keyed in Rust into the
//!   rows the file's roller would make of them (`rollup::purchase`, confirmed by the
//!   orders read) and added to the same sum, not copied.
//!   With the raw ones, who sold what from ten days before them (creator, transaction
//!   id, event id, time: `ch_purchases::SaleCopy`): of a creator's purchases with one
//!   transaction id only the first counts, as the copy's unique rule keeps it (`kept`);
//! - every `begin_checkout` in `[from − attribution window, to + 5 min]` whose code
//!   (without case) or source is an order's of
//!   the range: what an order is joined to by code or UTM (the others are counted from
//!   the day groups; at 10^6 events with no orders this skipped
//!   copying about 160,000 rows), found by the codes and sources of the range's orders,
//!   which are read first (none: no read); of a settled order, none: its join was
//!   decided once its window had settled and is read whole (`ch_picks`), and handed to
//!   `stats::load_with` beside the copy with its order (`stats::OrderRow::kept`);
//! - every event carrying the click id of any order (a click id joins at any age, and a
//!   checkout of the range whose order came later is one of `checkouts_ordered`);
//! - for every code, the earliest event carrying it with an affiliate, per creator and
//!   affiliate (who owns a code, and an affiliate's own codes);
//! - per code or source of an order in the range, and creator, one checkout outside
//!   `[from − window, to + 5 min]` (whether an order's code was used outside its window);
//! - (the last three found through `event_lookup`, `ch_lookup`, not by reading every
//!   event;)
//! - the range's orders, first, and every refund; then, once the events are read, the
//!   orders that may confirm one of them (a browser purchase is confirmed by any verified
//!   order, by its transaction id or click id: found by key, [`confirming_orders`]).
//!   Of the orders, the copy holds those that confirm a copied event; the range's go to
//!   `stats::load_with` as rows (`stats::Given`, see [`fill`]).
//!
//! Copies are put in `(event_time, event_id)` order, so the in-memory rowids order ties
//! as the event ids do. (SQLite's own tie-break is its local rowid, which differs from
//! collector to collector; only events in the same millisecond can tell.) SQLite's unique
//! rules apply to the copy as to the file: one row per event id, one browser purchase
//! per (creator, transaction id), the first kept.

use crate::ch_day_memory::DayMemories;
use crate::ch_picks::Remembered;
use crate::ch_purchases::{DonePurchases, FirstSales, SaleCopy};
use crate::clickhouse::{self as ch, ChError, OrderRow, RecentDone, RecentHoursDone, RecentPurchasesDone, RefundRow};
use crate::stats::rollup::{self, DayRow, DAY_MS};
use crate::stats::{self, Query, Stats, Weight, CLOCK_SLACK_MS};
use crate::store::{self, StoreError};
use clickhouse::Row;
use linkshelf_core::limits::MAX_AMOUNT_MINOR;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection};
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub enum Source {
    Sqlite(PathBuf),
    /// ClickHouse, and what this collector's reports read of it that stays true
    /// ([`Memory`]).
    ClickHouse(Box<clickhouse::Client>, Arc<Memory>),
}

/// What a collector remembers between its reports of what it read from ClickHouse:
/// each only while what it was read under still holds.
#[derive(Debug, Default)]
pub struct Memory {
    /// What kept picks decided (`ch_picks::Remembered`).
    pub picks: Remembered,
    /// The day counts, by their markers (`ch_day_memory`).
    pub days: DayMemories,
}

impl Source {
    /// ClickHouse through `client`, remembering nothing yet.
    pub fn clickhouse(client: clickhouse::Client) -> Source {
        Source::ClickHouse(Box::new(client), Arc::default())
    }
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

/// An event as a copy holds it: the columns stats read of `events`, about half of
/// them. Some of a report's reads (clicks of orders, code owners) still gather rows
/// scattered over the whole table, where each column asked for is read in full, so
/// fewer columns is most of what such a read can save.
#[derive(Clone, Debug, Default, PartialEq, Row, Deserialize)]
pub struct CopiedEvent {
    pub event_id: String,
    pub name: String,
    pub creator_id: String,
    pub event_time: i64,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub path: Option<String>,
    pub promotion_id: Option<String>,
    pub currency: Option<String>,
    pub value: Option<i64>,
    pub value_unreadable: u8,
    pub coupon: Option<String>,
    pub transaction_id: Option<String>,
    pub items: Option<String>,
    pub click_id: Option<String>,
    pub affiliate: Option<String>,
    /// The copy's version (`ReplacingMergeTree`'s: `FINAL` keeps the highest), for
    /// reads without `FINAL` ([`latest`]).
    pub ver: u64,
}

impl CopiedEvent {
    /// The event as `stats::load` reads its row from the copy (`load::raw_event`): the
    /// value and items read by the same rule, so unreadable ones are left out for the
    /// same reason.
    pub fn into_event(self) -> stats::EventRow {
        let items = self.items.map_or(SqlValue::Null, SqlValue::Text);
        let (value, items, unreadable) = stats::value_and_items(amount(self.value, self.value_unreadable), items);
        stats::EventRow {
            name: self.name,
            event_time: self.event_time,
            creator_id: self.creator_id,
            coupon: self.coupon,
            utm_source: self.utm_source,
            utm_medium: self.utm_medium,
            utm_campaign: self.utm_campaign,
            utm_content: self.utm_content,
            promotion_id: self.promotion_id,
            currency: self.currency,
            value,
            transaction_id: self.transaction_id,
            click_id: self.click_id,
            items,
            path: self.path,
            affiliate: self.affiliate,
            unreadable,
            ..stats::EventRow::default()
        }
    }
}

/// What a ClickHouse read brought back.
#[derive(Debug, Default)]
pub struct Slice {
    pub events: Vec<CopiedEvent>,
    /// The orders of the range and those that may confirm one of `events` (the purchases
    /// added up in ClickHouse's rows are confirmed by any order there).
    pub orders: Vec<OrderRow>,
    /// The report's range: only the orders it can read are copied ([`fill`]), and its
    /// counting events and purchases are handed over as rollup rows, never copied
    /// (`groups`, `done`, `purchases_done`, and the range's purchases among `events`
    /// added up: see [`fill`]). `None` copies every order and event.
    pub range: Option<(i64, i64)>,
    pub refunds: Vec<RefundRow>,
    /// The range's counting events added up in ClickHouse, per UTC day (the whole days
    /// `done` does not hold, and the part of the partial first and last days inside the
    /// range).
    pub groups: Vec<DayGroup>,
    /// The rollup rows of the whole days ClickHouse's `event_days` holds complete
    /// (`ch_days`): those days are not in `groups`.
    pub done: crate::ch_days::DoneDays,
    /// The purchase that counts of each creator and transaction id the raw purchases
    /// have, among those from `ch_purchases::LOOKBACK_MS` before them on (see `kept`).
    pub firsts: FirstSales,
    /// The purchases of the whole days ClickHouse's `purchase_days` holds complete
    /// (`ch_purchases`): those days' purchases are not among `events`.
    pub purchases_done: DonePurchases,
    /// For each of `orders`, in its place (or none at all: nothing decided), its join
    /// when its kept picks decide it (`ch_checkouts::Read::kept`): their checkouts are
    /// not among `events`. Only with a `range`, whose orders are handed to the sum with
    /// their joins ([`fill`]).
    pub kept: Vec<Option<stats::KeptJoin>>,
}

/// Events of one UTC day alike in everything their rollup key is made of: the raw
/// columns it is derived from, read as `stats::load` reads an event (see
/// [`DayGroup::event`]).
#[derive(Clone, Debug, Default, PartialEq, Row, Deserialize)]
pub struct DayGroup {
    pub name: String,
    pub creator_id: String,
    pub affiliate: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub coupon: Option<String>,
    pub promotion_id: Option<String>,
    pub items: Option<String>,
    pub path: Option<String>,
    pub value_unreadable: u8,
    /// The value when it is outside `0..=MAX_AMOUNT_MINOR` (which leaves the events
    /// out), else 0: a value the stats can count is no part of the key, so grouping by
    /// it would only split groups.
    pub odd_value: i64,
    /// The earliest event's time: decides the row's day, and a code's spelling and a
    /// product's title (see `rollup`).
    pub first_time: i64,
    pub events: u64,
}

impl DayGroup {
    /// The group as one event that `rollup::row` keys as it would each of its events:
    /// the value and items read by the rule a copied raw row is read by
    /// (`stats::value_and_items` on the value [`fill`] would store), so unreadable ones
    /// are left out for the same reason.
    pub fn event(&self) -> stats::EventRow {
        let stored = CopiedEvent {
            name: self.name.clone(),
            creator_id: self.creator_id.clone(),
            event_time: self.first_time,
            utm_source: self.utm_source.clone(),
            utm_medium: self.utm_medium.clone(),
            utm_campaign: self.utm_campaign.clone(),
            utm_content: self.utm_content.clone(),
            path: self.path.clone(),
            promotion_id: self.promotion_id.clone(),
            value: Some(self.odd_value),
            value_unreadable: self.value_unreadable,
            coupon: self.coupon.clone(),
            items: self.items.clone(),
            affiliate: self.affiliate.clone(),
            ..CopiedEvent::default()
        };
        stats::EventRow { weight: Weight::Rolled(self.events), ..stored.into_event() }
    }
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
                let mut conn = store::open_reader(&db)?;
                // One read transaction: every statement sees the same snapshot (an order
                // and the checkout it joins committed between two of them cannot make
                // the figures disagree), and the file's locks are taken once rather than
                // per statement (a season with 33,258 orders ran some 130,000).
                let snapshot = conn.transaction()?;
                Ok(stats::load(&snapshot, &query, window_ms, default_creator.as_deref())?)
            })
            .await
            .map_err(|e| SourceError::Join(e.to_string()))?;
        }
        Source::ClickHouse(client, memory) => read(client, query.from, query.to, window_ms, Some(memory)).await?,
    };
    tokio::task::spawn_blocking(move || -> Result<Stats, SourceError> {
        let started = std::time::Instant::now();
        let (events, rows) = (copy.events.len(), copy.done.counts.len());
        let conn = store::open_memory()?;
        let given = fill(&conn, copy)?;
        let filled = started.elapsed();
        let stats = stats::load_with(&conn, &query, window_ms, default_creator.as_deref(), given)?;
        tracing::debug!(
            events,
            rows,
            fill_ms = filled.as_millis() as u64,
            stats_ms = (started.elapsed() - filled).as_millis() as u64,
            "stats: the in-memory copy"
        );
        Ok(stats)
    })
    .await
    .map_err(|e| SourceError::Join(e.to_string()))?
}

/// SQL for "`code` is one of `codes` or `source` one of `sources`" (either list may be
/// empty, not both), with a `?` per value, bound by [`bind_all`] in the same order.
fn carries(code: &str, codes: &BTreeSet<String>, source: &str, sources: &BTreeSet<String>) -> String {
    let one_of = |column: &str, n: usize| format!("{column} IN ({})", vec!["?"; n].join(", "));
    let mut parts = Vec::new();
    if !codes.is_empty() {
        parts.push(one_of(code, codes.len()));
    }
    if !sources.is_empty() {
        parts.push(one_of(source, sources.len()));
    }
    format!("({})", parts.join(" OR "))
}

fn bind_all<'a>(
    mut query: clickhouse::query::Query,
    values: impl IntoIterator<Item = &'a String>,
) -> clickhouse::query::Query {
    for v in values {
        query = query.bind(v.as_str());
    }
    query
}

/// Tries this many times to warm the memory at start ([`warm`]), a second apart, then
/// twice as long each time (31 s in all: the shipper creates the tables on its first
/// round, and ClickHouse may be starting beside the collector).
const WARM_ATTEMPTS: u32 = 5;

/// The most days `--warm-days` may read at start: a year (with a leap day). A collector
/// that must answer longer ranges at once is better served by the first report's read.
pub const MAX_WARM_DAYS: u32 = 366;

/// Reads the last `days` UTC days (today included) once, for what a read remembers:
/// the first report after a start read every pick and day count of its range (30 days at
/// 10^8 events: 1.2 s, against 0.4 s for the next; a season 2.2–3.8 s against 0.85 s),
/// and a collector starts at every deploy. The default report's range
/// ([`server::DEFAULT_REPORT_DAYS`]) is read first when `days` is longer, so the report
/// most opened after a deploy need not wait for a season's read. The copy itself is
/// dropped. A memory is nothing to a SQLite source, and what cannot be read now is read
/// by the first report instead, so this never fails: it logs.
///
/// [`server::DEFAULT_REPORT_DAYS`]: crate::server::DEFAULT_REPORT_DAYS
pub async fn warm(source: Source, window_ms: i64, days: u32) {
    let Source::ClickHouse(client, memory) = &source else { return };
    let default = crate::server::DEFAULT_REPORT_DAYS;
    let ranges = match i64::from(days) {
        0 => vec![],
        days if days > default => vec![default, days],
        days => vec![days],
    };
    for days in ranges {
        if !warm_range(client, memory, window_ms, days).await {
            return;
        }
    }
}

/// [`warm`] over the last `days` days; whether it was read.
async fn warm_range(client: &clickhouse::Client, memory: &Memory, window_ms: i64, days: i64) -> bool {
    let mut wait = std::time::Duration::from_secs(1);
    for attempt in 1..=WARM_ATTEMPTS {
        let to = crate::server::end_of_utc_day(crate::server::now_ms());
        let from = to.saturating_sub(days * DAY_MS);
        let started = std::time::Instant::now();
        match read(client, from, to, window_ms, Some(memory)).await {
            Ok(slice) => {
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    orders = slice.orders.len(),
                    days,
                    "stats: the last days read once, so that the first report over them answers as fast as the next"
                );
                return true;
            }
            Err(e) if attempt < WARM_ATTEMPTS => {
                tracing::debug!(error = %e, attempt, "stats: warming the memory failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => tracing::info!(error = %e, "stats: the memory was not warmed; the first report reads it all"),
        }
    }
    false
}

/// The part of `[from, to)` outside its whole UTC days (`whole`, as
/// `rollup::whole_days` gives them), in ms: its partial first and last days, or all of
/// it when it holds no whole day.
fn partial_days(from: i64, to: i64, whole: Option<(i64, i64)>) -> Vec<(i64, i64)> {
    let spans = match whole {
        Some((first_day, end_day)) => vec![(from, first_day * DAY_MS), (end_day * DAY_MS, to)],
        None => vec![(from, to)],
    };
    spans.into_iter().filter(|(a, b)| a < b).collect()
}

/// Reads every row a report on `[from, to)` can touch (see the module's list); what
/// `memory` holds still true (the joins kept picks decided, the day counts) is recalled
/// from it when given, and what is read is remembered.
pub async fn read(
    client: &clickhouse::Client,
    from: i64,
    to: i64,
    window_ms: i64,
    memory: Option<&Memory>,
) -> Result<Slice, ChError> {
    let days_memory = memory.map(|m| &m.days);
    let whole = rollup::whole_days(from, to);
    // The partial days' whole hours are read from the hour rollup and the rest grouped
    // over exactly its part of the range, as the whole days are: nothing of the range
    // is copied raw (a partial day at 10^8 events is a million events, which copied raw
    // took seconds, and grouped 0.7-0.8 s).
    let partial = partial_days(from, to, whole);
    // The counting events, started first and read beside everything else, which does
    // not depend on them: grouping a partial day is a report's longest read (0.5-0.7 s
    // at 10^8), and it waited for the range's orders (0.2 s for a season's).
    let days = async {
        let days = async {
            match whole {
                Some(span) => whole_days(client, span, days_memory).await,
                None => Ok(Default::default()),
            }
        };
        // Boxed, as `read_rest` below.
        let partial = took("partial days", Box::pin(partial_days_counted(client, &partial)));
        let ((mut done, mut groups), (hours, partial_groups)) = tokio::try_join!(days, partial)?;
        groups.extend(partial_groups);
        // The hours' counts beside the days' (their days are not whole days of the
        // range, so `done.days` does not list them).
        done.counts.extend(hours.counts);
        done.texts.extend(hours.texts);
        Ok::<_, ChError>((done, groups))
    };
    // Boxed: held inline, these reads made a report's future too big for a 2 MiB stack
    // in a debug build.
    let rest = Box::pin(read_rest(client, (from, to), whole, window_ms, memory));
    let ((done, groups), slice) = tokio::try_join!(days, rest)?;
    Ok(Slice { groups, done, ..slice })
}

/// Everything [`read`] reads but the range's counting events (`Slice::groups`,
/// `Slice::done`): its purchases, orders, refunds and the events that join orders.
async fn read_rest(
    client: &clickhouse::Client,
    (from, to): (i64, i64),
    whole: Option<(i64, i64)>,
    window_ms: i64,
    memory: Option<&Memory>,
) -> Result<Slice, ChError> {
    let remembered = memory.map(|m| &m.picks);
    let days_memory = memory.map(|m| &m.days);
    let (earliest, latest) = (from.saturating_sub(window_ms), to.saturating_add(CLOCK_SLACK_MS));
    // The orders first (a few rows, read in milliseconds): which checkouts to read
    // depends on their codes and sources; and which whole days `purchase_days` holds,
    // or a provisional count in `recent_purchases` that still holds (a few bytes a
    // day), whose purchases are not read raw.
    let purchase_markers = async {
        let Some((first_day, end_day)) = whole else {
            return Ok(Default::default());
        };
        let now = crate::server::now_ms();
        tokio::try_join!(
            crate::ch_purchases::markers(client, first_day, end_day),
            crate::ch_days::recent_markers::<RecentPurchasesDone>(client, first_day, end_day, now)
        )
    };
    // Only the range's orders first (a week's 26,000 at 10^8 events, where all 333,000
    // took 0.3 s before anything else could start); all of them with the other reads.
    let range_orders = ch::timed(
        client
            .query("SELECT ?fields FROM orders WHERE created_at >= ? AND created_at < ?")
            .bind(from)
            .bind(to)
            .fetch_all::<OrderRow>(),
    );
    // Whether there is any order at all: without one, no purchase counted unconfirmed
    // can have been confirmed since; and any with a click id, in any copy (without one,
    // neither a purchase nor a checkout is any order's by its click id); and what their
    // ids add up to (the moves of the purchase days asked against the same are
    // remembered).
    let confirming = ch::timed(client.query(crate::ch_purchases::Confirming::SQL).fetch_one());
    // Which of them have picks kept (`ch_checkouts::read`), asked beside them: a scan of
    // the range's picks (70 ms of ClickHouse's time for a season at 10^8 events) that
    // held up the checkouts' read after them.
    let last_kept = crate::ch_picks::last_kept(client, (from, to), window_ms);
    let (range_orders, (purchase_markers, mut recent_markers), confirming, last_kept) = tokio::try_join!(
        took("the range's orders", async { Ok(latest_orders(range_orders.await?)) }),
        took("purchase days' markers", purchase_markers),
        confirming,
        took("the last order with picks kept", last_kept)
    )?;
    let confirming = crate::ch_purchases::Confirming::of(confirming);
    let in_range: Vec<&OrderRow> = range_orders.iter().collect();
    let (codes, sources) = crate::ch_checkouts::values_of(&in_range);
    let joinable = !(codes.is_empty() && sources.is_empty());
    // Then independent queries, sent together: each mostly waits on a scan of its own.
    // Each time range through `ch::event_time_within`, which the sorting key answers;
    // with the event's name first in that key, each kind of event is its own range.
    // The range's purchases (stats count them in it, and nothing else reads them: orders
    // are joined to checkouts and outbound clicks): the rows of the days `purchase_days`
    // holds, the others raw, with the copies of every purchase that shares a
    // transaction id with one of them (which of them counts, `ch_purchases`).
    let settled: BTreeSet<i64> = purchase_markers.iter().map(|m| m.day).collect();
    recent_markers.retain(|m| !settled.contains(&m.day));
    let marked: BTreeSet<i64> = settled.into_iter().chain(recent_markers.iter().map(|m| m.day)).collect();
    let purchases_done = async {
        let (mut done, recent) = tokio::try_join!(
            took(
                "settled days from purchase_days",
                crate::ch_purchases::rows_of(
                    client,
                    &purchase_markers,
                    confirming,
                    days_memory.map(|m| &m.purchase_days)
                )
            ),
            took(
                "recent days from recent_purchases",
                crate::ch_purchases::recent_rows_of(
                    client,
                    &recent_markers,
                    confirming,
                    days_memory.map(|m| &m.recent_purchases)
                )
            )
        )?;
        done.extend(recent);
        Ok(done)
    };
    let raw_spans = without_days(from, to, &marked);
    let purchases = took("purchases", raw_purchases(client, &raw_spans));
    // Checkouts only where an order of the range could be joined to them by its code or
    // its source (`stats::load::resolve`): the rest are counted from the day groups, and
    // a season has far more checkouts than orders (1.6 million
    // against none in the benchmark's: reading them cost 1.3 s of a season's report at
    // 10^7 events when they were asked for whatever the orders).
    // Of those, only the ones an order's join can pick (`ch_checkouts`): a season with
    // an order for half its purchases carried 1.6 million at 10^7 events.
    let checkouts = async {
        if !joinable {
            return Ok(Default::default());
        }
        let read = crate::ch_checkouts::read(
            client,
            &in_range,
            last_kept,
            (earliest, latest),
            window_ms,
            crate::ch_checkouts::Recent::Use,
            remembered,
        )
        .await?;
        let checkouts = crate::ch_checkouts::for_orders(read.checkouts, &in_range, window_ms);
        Ok::<_, ChError>(crate::ch_checkouts::Read { checkouts, kept: read.kept })
    };
    // Any order's, not only the range's: a checkout of the range whose order came after
    // it still counts in `checkouts_ordered`.
    // These three are not bounded by the range: their events are found through
    // `event_lookup` (`ch_lookup`).
    let clicks = async {
        if !confirming.click_ids {
            return Ok(Vec::new());
        }
        let query = kept_events(&listed(
            "kind = 'click' AND click_id IN
               (SELECT assumeNotNull(click_id) FROM orders FINAL WHERE click_id IS NOT NULL)",
        ));
        ch::timed(client.query(&query).fetch_all::<CopiedEvent>()).await
    };
    let owners = ch::timed(
        client
            .query(&kept_events(&listed(
                "kind = 'code_owner' ORDER BY event_time, event_id LIMIT 1 BY code, creator_id, affiliate",
            )))
            .fetch_all::<CopiedEvent>(),
    );
    // Whether an order's code or source was used outside its window ("outside the
    // window", `stats::load::outside_window`) asks for any such checkout: every order in
    // the range has its window inside `[earliest, latest]`, so one checkout outside that
    // per code or source and creator answers it, as the whole table would.
    let outside = outside_bounds(client, &codes, &sources, (earliest, latest));
    let refunds = ch::timed(client.query("SELECT ?fields FROM refunds FINAL").fetch_all::<RefundRow>());
    // Boxed: held inline, these reads made a report's future too big for a 2 MiB stack
    // in a debug build.
    let ((mut events, mut copies), purchases_done, checkouts, clicks, owners, outside, refunds) = Box::pin(async {
        tokio::try_join!(
            purchases,
            purchases_done,
            took("checkouts with an order's code or source", checkouts),
            took("clicks of orders", clicks),
            took("code owners", owners),
            took("checkouts outside the window", outside),
            took("refunds", refunds)
        )
    })
    .await?;
    // Marked days whose rows did not match their marker (a replica catching up): raw.
    let behind = crate::ch_days::in_ms(&crate::ch_days::spans(
        marked.iter().copied().filter(|d| !purchases_done.rows.days.contains(d)),
    ));
    let (late, late_copies) = took("purchases of days behind their marker", raw_purchases(client, &behind)).await?;
    events.extend(late);
    copies.extend(late_copies);
    events.extend(checkouts.checkouts.into_iter().chain(clicks).chain(owners).chain(outside));
    let firsts = crate::ch_purchases::first_sales(&copies);
    // The range's orders as its first read gave them (those arrived since are left for
    // the next report: their checkouts were not read), less any a copy outside the range
    // wins over (received earlier, shipped since), and the orders the copied events need.
    let confirming = took("orders confirming a copied event", confirming_orders(client, &events, (from, to))).await?;
    let (orders, kept) = match confirming.is_empty() {
        true => (range_orders, checkouts.kept),
        false => {
            // The joins stay beside their orders, none for those confirming.
            let mut kept = checkouts.kept;
            kept.resize(range_orders.len() + confirming.len(), None);
            latest_orders_with(range_orders.into_iter().chain(confirming).collect(), kept)
        }
    };
    Ok(Slice { events, orders, range: Some((from, to)), refunds, firsts, purchases_done, kept, ..Slice::default() })
}

/// Per code (without case) of `codes` or source of `sources` and creator, one checkout
/// outside `[earliest, latest]` (none without codes and sources): every order whose
/// window lies inside it and has one of them is outside its window when any such
/// checkout exists (`stats::load::outside_window`), as the whole table would tell.
pub async fn outside_bounds(
    client: &clickhouse::Client,
    codes: &BTreeSet<String>,
    sources: &BTreeSet<String>,
    (earliest, latest): (i64, i64),
) -> Result<Vec<CopiedEvent>, ChError> {
    let outside = "(event_time < ? OR event_time > ?) AND";
    listed_checkouts(client, codes, sources, outside, &[earliest, latest], "event_time, event_id").await
}

/// Per code (without case) of `codes` or source of `sources` and creator, the latest
/// checkout of all (none without codes and sources): whether any lies after an order's
/// window, for the settled orders none was known to lie outside of (`ch_picks`'s
/// `undecided`: a checkout can only arrive after their windows now), found by key
/// rather than by scanning the range's checkouts.
pub async fn latest_checkouts(
    client: &clickhouse::Client,
    codes: &BTreeSet<String>,
    sources: &BTreeSet<String>,
) -> Result<Vec<CopiedEvent>, ChError> {
    listed_checkouts(client, codes, sources, "", &[], "event_time DESC, event_id").await
}

/// The checkouts `event_lookup` lists with one of `codes` or `sources` and the time
/// condition `time` (SQL ending in `AND`, its `?`s bound to `times`), one per code,
/// source and creator: the first in `order`.
async fn listed_checkouts(
    client: &clickhouse::Client,
    codes: &BTreeSet<String>,
    sources: &BTreeSet<String>,
    time: &str,
    times: &[i64],
    order: &str,
) -> Result<Vec<CopiedEvent>, ChError> {
    if codes.is_empty() && sources.is_empty() {
        return Ok(Vec::new());
    }
    let condition = format!(
        "kind = 'checkout' AND {time} {} ORDER BY {order} LIMIT 1 BY code, source, creator_id",
        carries("code", codes, "source", sources)
    );
    let mut query = client.query(&kept_events(&listed(&condition)));
    for &t in times {
        query = query.bind(t);
    }
    ch::timed(bind_all(query, codes.iter().chain(sources)).fetch_all::<CopiedEvent>()).await
}

/// The purchases in the time spans `spans` (`[from, to)` each), and the copies of every
/// purchase that has the transaction id of one of them, from `ch_purchases::LOOKBACK_MS`
/// before the spans on (`ch_purchases::SaleCopy`).
async fn raw_purchases(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
) -> Result<(Vec<CopiedEvent>, Vec<SaleCopy>), ChError> {
    if spans.is_empty() {
        return Ok(Default::default());
    }
    let within = |back: i64| {
        let each = spans.iter().map(|&(from, to)| ch::event_time_within(from.saturating_sub(back), to));
        each.collect::<Vec<_>>().join(" OR ")
    };
    let condition = format!("name = 'purchase' AND ({})", within(0));
    let earlier = within(crate::ch_purchases::LOOKBACK_MS);
    // Each span read an hour wider at its end: two collectors' copies of one event have
    // times a little apart (each corrects the device's clock with its own), and the
    // copy `FINAL` keeps decides which day, so which read, the purchase is in.
    let wider = spans.iter().map(|&(from, to)| {
        let margin = ch::FAR_CLOCK_MS;
        ch::event_time_within(from.saturating_sub(margin), to.saturating_add(margin))
    });
    let wider = format!("name = 'purchase' AND ({})", wider.collect::<Vec<_>>().join(" OR "));
    let purchases = async {
        let copies = client.query(&format!("SELECT ?fields FROM events WHERE {wider}")).fetch_all::<CopiedEvent>();
        let mut kept = latest(ch::timed(copies).await?);
        kept.retain(|e| spans.iter().any(|&(from, to)| (from..to).contains(&e.event_time)));
        Ok(kept)
    };
    tokio::try_join!(
        took("raw purchases", purchases),
        took("their sales", ch::timed(client.query(&SaleCopy::of(&condition, &earlier)).fetch_all::<SaleCopy>()))
    )
}

/// The copy of each event that `FINAL` would keep among `copies` (all copies of the
/// events read): the highest version, and of two with one version the earlier (as
/// [`fill`] keeps of the two a `FINAL` read can give). Reading a report's raw purchases
/// this way rather than through [`kept_events`] took a third of the time (10 days'
/// purchases at 10^7 events: 37 ms against 110 ms), since `FINAL` on 18.16 merges what
/// it reads before filtering.
pub fn latest(mut copies: Vec<CopiedEvent>) -> Vec<CopiedEvent> {
    copies.sort_unstable_by(|a, b| {
        (&a.event_id, std::cmp::Reverse(a.ver), a.event_time).cmp(&(
            &b.event_id,
            std::cmp::Reverse(b.ver),
            b.event_time,
        ))
    });
    copies.dedup_by(|later, first| later.event_id == first.event_id);
    copies
}

/// The copy of each order `FINAL` would keep among `copies` (every copy read without
/// it), in the order read: the highest version (`ch::first_wins`: the copy received
/// first), and of two with one version (one order received twice in a millisecond) the
/// one made earlier. `FINAL` merged every column of `orders` before the report could
/// start: 250 ms of every report at 10^8 events with 332,959 orders, where reading them
/// without it takes 55–70 ms. (Nothing downstream depends on their order: the sum
/// takes an order's place by time, order id and provider, `stats::Place`.)
pub fn latest_orders(copies: Vec<OrderRow>) -> Vec<OrderRow> {
    let n = copies.len();
    latest_orders_with(copies, vec![(); n]).0
}

/// [`latest_orders`], with a value beside each copy (`with`, one per copy), kept or
/// dropped with it.
pub fn latest_orders_with<T>(mut copies: Vec<OrderRow>, mut with: Vec<T>) -> (Vec<OrderRow>, Vec<T>) {
    debug_assert_eq!(copies.len(), with.len(), "one value per copy");
    use std::collections::hash_map::Entry;
    let mut best: foldhash::HashMap<(&str, &str), usize> =
        foldhash::HashMap::with_capacity_and_hasher(copies.len(), Default::default());
    let mut beaten = Vec::new();
    for (i, o) in copies.iter().enumerate() {
        match best.entry((o.provider.as_str(), o.order_id.as_str())) {
            Entry::Occupied(mut kept) => {
                let k = &copies[*kept.get()];
                if (o.ver, std::cmp::Reverse(o.created_at)) > (k.ver, std::cmp::Reverse(k.created_at)) {
                    beaten.push(kept.insert(i));
                } else {
                    beaten.push(i);
                }
            }
            Entry::Vacant(new) => {
                new.insert(i);
            }
        }
    }
    drop(best);
    if beaten.is_empty() {
        return (copies, with);
    }
    beaten.sort_unstable();
    let kept = |i: usize| beaten.binary_search(&i).is_err();
    let mut i = 0;
    copies.retain(|_| {
        i += 1;
        kept(i - 1)
    });
    let mut i = 0;
    with.retain(|_| {
        i += 1;
        kept(i - 1)
    });
    (copies, with)
}

/// The most ids [`confirming_orders`] asks for by name (a statement is at most 256 KiB):
/// past them, every order outside the range is read.
const MAX_CONFIRMING_IDS: usize = 2000;

/// The orders outside `[from, to)` that may confirm one of `events` (a purchase by its
/// transaction id, any event by its click id), as `fill` looks for them, found by key.
/// Every order was read before (0.3 s of every report at 10^8 events with 333,000 of
/// them; the range's copied events are few: 16 to 48 in the benchmark's reports).
async fn confirming_orders(
    client: &clickhouse::Client,
    events: &[CopiedEvent],
    (from, to): (i64, i64),
) -> Result<Vec<OrderRow>, ChError> {
    let transaction_ids: BTreeSet<&str> =
        events.iter().filter(|e| e.name == "purchase").filter_map(|e| e.transaction_id.as_deref()).collect();
    let click_ids: BTreeSet<&str> = events.iter().filter_map(|e| e.click_id.as_deref()).collect();
    if transaction_ids.is_empty() && click_ids.is_empty() {
        return Ok(Vec::new());
    }
    let outside = "(created_at < ? OR created_at >= ?)";
    let query = if transaction_ids.len() + click_ids.len() > MAX_CONFIRMING_IDS {
        client.query(&format!("SELECT ?fields FROM orders WHERE {outside}")).bind(from).bind(to)
    } else {
        let one_of = |column: &str, n: usize| match n {
            0 => "0".to_owned(),
            n => format!("{column} IN ({})", vec!["?"; n].join(", ")),
        };
        let sql = format!(
            "SELECT ?fields FROM orders WHERE {outside} AND ({} OR {})",
            one_of("order_id", transaction_ids.len()),
            one_of("click_id", click_ids.len())
        );
        let mut query = client.query(&sql).bind(from).bind(to);
        for id in transaction_ids.iter().chain(&click_ids) {
            query = query.bind(*id);
        }
        query
    };
    ch::timed(query.fetch_all::<OrderRow>()).await
}

/// `[from, to)` without the UTC days `days` (whole days inside it), as time spans.
fn without_days(from: i64, to: i64, days: &BTreeSet<i64>) -> Vec<(i64, i64)> {
    let mut spans = Vec::new();
    let mut at = from;
    for &day in days.range(from.div_euclid(DAY_MS)..=to.div_euclid(DAY_MS)) {
        let (start, end) = (day * DAY_MS, (day + 1) * DAY_MS);
        if at < start.min(to) {
            spans.push((at, start.min(to)));
        }
        at = at.max(end);
    }
    if at < to {
        spans.push((at, to));
    }
    spans
}

/// Runs one of a report's reads, logging (at debug level) how long it took: where a
/// slow report's time goes, read by read (they run side by side).
async fn took<T>(read: &'static str, f: impl std::future::Future<Output = Result<T, ChError>>) -> Result<T, ChError> {
    let started = std::time::Instant::now();
    let result = f.await;
    tracing::debug!(read, ms = started.elapsed().as_millis() as u64, "stats: a ClickHouse read");
    result
}

/// A condition on `events` for the events `event_lookup` lists where `condition` holds.
fn listed(condition: &str) -> String {
    format!("(name, occurred_at, event_id) IN (SELECT name, occurred_at, event_id FROM event_lookup WHERE {condition})")
}

/// The rows `events FINAL WHERE {condition}` gives, read in two steps: the `(name,
/// occurred_at, event_id, ver)` of the rows FINAL keeps, then the rows with those (found
/// by the sorting key). On 18.16 FINAL merges every column it is asked for across the
/// whole table before filtering (about 2 s for 10^6 events when asked for all of
/// them), the key and version alone a tenth of that. Two
/// copies with one id and one version both come back: the same block inserted twice and
/// not yet merged (identical rows), or, vanishingly rarely, two collectors' copies
/// received in the same millisecond (FINAL keeps the one merged last). [`fill`] keeps
/// one per id, the earlier `(event_time, event_id)`.
pub fn kept_events(condition: &str) -> String {
    format!(
        "SELECT ?fields FROM events WHERE (name, occurred_at, event_id, ver) IN
           (SELECT name, occurred_at, event_id, ver FROM events FINAL WHERE {condition})"
    )
}

/// The whole days `[first_day, end_day)` of a report: the rows of the days ClickHouse's
/// `event_days` holds complete (cheap: a range of its sorting key), the rows of the days
/// not yet settled whose provisional count in `recent_days` still holds (`ch_days`:
/// no row of the day arrived since), and the day groups of the others, counted from the
/// events in one `GROUP BY` ([`day_groups`]). The markers come first (a few bytes per
/// day), so the days neither holds are grouped while the others' rows are read, not
/// after; a marked day whose rows do not match its marker (a replica still catching up)
/// is grouped then.
async fn whole_days(
    client: &clickhouse::Client,
    (first_day, end_day): (i64, i64),
    memory: Option<&DayMemories>,
) -> Result<(crate::ch_days::DoneDays, Vec<DayGroup>), ChError> {
    use crate::ch_days::{gaps, markers, recent_markers, recent_rows_of, rows_of, spans};
    use std::collections::BTreeSet;
    let (markers, mut recent) = tokio::try_join!(
        took("done days' markers", markers(client, first_day, end_day)),
        took("recent days' markers", recent_markers::<RecentDone>(client, first_day, end_day, crate::server::now_ms()))
    )?;
    let marked: HashSet<i64> = markers.iter().map(|m| m.day).collect();
    recent.retain(|m| !marked.contains(&m.day));
    // Walked by the days counted, never day by day over the range: a range is whatever
    // a report link asks for.
    let counted: BTreeSet<i64> = marked.iter().copied().chain(recent.iter().map(|m| m.day)).collect();
    let uncounted = gaps(first_day, end_day, &counted);
    let (mut done, recent, mut groups) = tokio::try_join!(
        took("settled days from event_days", rows_of(client, &markers, memory.map(|m| &m.event_days))),
        took("recent days from recent_days", recent_rows_of(client, &recent, memory.map(|m| &m.recent_days))),
        took("day groups", day_groups(client, &uncounted, ch::REQUEST_TIMEOUT))
    )?;
    done.extend(recent);
    let behind = spans(counted.iter().copied().filter(|d| !done.days.contains(d)));
    groups.extend(
        took("day groups of days behind their marker", day_groups(client, &behind, ch::REQUEST_TIMEOUT)).await?,
    );
    Ok((done, groups))
}

/// A range's partial days cut at their whole UTC hours ([`cut_hours`]).
#[derive(Debug, Default, PartialEq, Eq)]
struct HourCut {
    /// The whole hours, as `(day, first_hour, end_hour)` (hour numbers, end exclusive):
    /// one entry per day they fall in.
    hours: Vec<(i64, i64, i64)>,
    /// What is left at the ends, `[from, to)` in ms: under an hour each, or a whole span
    /// that holds no whole hour.
    margins: Vec<(i64, i64)>,
}

impl HourCut {
    /// The hours of the days `which` picks, as `[from, to)` spans in ms.
    fn spans_of(&self, which: impl Fn(i64) -> bool) -> Vec<(i64, i64)> {
        self.hours
            .iter()
            .filter(|(day, _, _)| which(*day))
            .map(|&(_, first, end)| (first * rollup::HOUR_MS, end * rollup::HOUR_MS))
            .collect()
    }

    /// Whether the rollup row of `day` whose earliest event is at `first_time` is one
    /// of the whole hours.
    fn holds(&self, day: i64, first_time: i64) -> bool {
        let hour = first_time.div_euclid(rollup::HOUR_MS);
        self.hours.iter().any(|&(d, first, end)| d == day && (first..end).contains(&hour))
    }
}

/// `spans` (`[from, to)` each, in ms: a range's partial days, [`partial_days`]) cut into
/// their whole UTC hours, per day, and the margins left at each end: together they
/// cover exactly the spans, each once.
fn cut_hours(spans: &[(i64, i64)]) -> HourCut {
    use rollup::HOUR_MS;
    const HOURS: i64 = DAY_MS / HOUR_MS;
    let mut cut = HourCut::default();
    for &(from, to) in spans.iter().filter(|(from, to)| from < to) {
        let Some((first, end)) = rollup::whole_hours(from, to) else {
            cut.margins.push((from, to));
            continue;
        };
        if from < first * HOUR_MS {
            cut.margins.push((from, first * HOUR_MS));
        }
        let mut hour = first;
        while hour < end {
            let day = hour.div_euclid(HOURS);
            let day_end = end.min((day + 1) * HOURS);
            cut.hours.push((day, hour, day_end));
            hour = day_end;
        }
        if end * HOUR_MS < to {
            cut.margins.push((end * HOUR_MS, to));
        }
    }
    cut
}

/// The counting events of a range's partial days (`partial`, in ms, [`partial_days`]):
/// the whole hours of the days ClickHouse's hour rollup holds (`event_hours` for a
/// settled day, a provisional count in `recent_hours` that still holds for the others)
/// as its rows, and the rest grouped from the events: the margins, under an hour at each
/// end, and the hours of the days neither holds. The markers come first (a few bytes
/// per day), then the rows beside the groups, as [`whole_days`] reads; the counts kept
/// are the range's hours only.
async fn partial_days_counted(
    client: &clickhouse::Client,
    partial: &[(i64, i64)],
) -> Result<(crate::ch_days::DoneDays, Vec<DayGroup>), ChError> {
    use crate::ch_days::{hour_markers, hour_rows_of, recent_hour_rows_of, recent_markers};
    let cut = cut_hours(partial);
    let (Some(first), Some(last)) = (cut.hours.first(), cut.hours.last()) else {
        return Ok((Default::default(), groups(client, &cut.margins, DAY_MS, ch::REQUEST_TIMEOUT).await?));
    };
    let (first_day, end_day) = (first.0, last.0 + 1);
    let wanted: HashSet<i64> = cut.hours.iter().map(|h| h.0).collect();
    let now = crate::server::now_ms();
    let (mut markers, mut recent) = tokio::try_join!(
        took("hours' markers", hour_markers(client, first_day, end_day)),
        took("recent hours' markers", recent_markers::<RecentHoursDone>(client, first_day, end_day, now))
    )?;
    markers.retain(|m| wanted.contains(&m.day));
    let marked: HashSet<i64> = markers.iter().map(|m| m.day).collect();
    recent.retain(|m| wanted.contains(&m.day) && !marked.contains(&m.day));
    let counted: HashSet<i64> = marked.iter().copied().chain(recent.iter().map(|m| m.day)).collect();
    let mut raw = cut.margins.clone();
    raw.extend(cut.spans_of(|day| !counted.contains(&day)));
    let (mut done, recent, mut grouped) = tokio::try_join!(
        took("settled hours from event_hours", hour_rows_of(client, &markers)),
        took("recent hours from recent_hours", recent_hour_rows_of(client, &recent)),
        took("partial days' groups", groups(client, &raw, DAY_MS, ch::REQUEST_TIMEOUT))
    )?;
    done.extend(recent);
    // Marked days whose rows did not match their marker (a replica catching up).
    let behind = cut.spans_of(|day| counted.contains(&day) && !done.days.contains(&day));
    grouped.extend(took("hours behind their marker", groups(client, &behind, DAY_MS, ch::REQUEST_TIMEOUT)).await?);
    done.counts.retain(|c| cut.holds(c.day, c.first_time));
    Ok((done, grouped))
}

/// The counting events of the day spans `[first_day, end_day)` given, in one `GROUP BY`:
/// per UTC day, every column `rollup::Key` is derived from (`DayGroup`), the count and
/// the earliest time, within `timeout`. SQL that ClickHouse 18.16 has (items stay
/// text, read in Rust).
pub async fn day_groups(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
    timeout: std::time::Duration,
) -> Result<Vec<DayGroup>, ChError> {
    groups(client, &crate::ch_days::in_ms(spans), DAY_MS, timeout).await
}

/// [`day_groups`] per UTC hour: what the day rollup writes, its hours' rows as they are
/// and its days' merged from them (`ch_days::roll_days`).
pub async fn hour_groups(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
    timeout: std::time::Duration,
) -> Result<Vec<DayGroup>, ChError> {
    groups(client, &crate::ch_days::in_ms(spans), rollup::HOUR_MS, timeout).await
}

/// [`day_groups`] over the time spans `spans` (`[from, to)` each, in ms, whole days or
/// not): per UTC day (`unit`: `DAY_MS`) or hour (`HOUR_MS`), of the events in them.
async fn groups(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
    unit: i64,
    timeout: std::time::Duration,
) -> Result<Vec<DayGroup>, ChError> {
    // The start of the first span's UTC day: the groups' days are UTC days.
    let Some(start) = spans.iter().map(|&(from, _)| from.div_euclid(DAY_MS) * DAY_MS).min() else {
        return Ok(Vec::new());
    };
    let names = rollup::ROLLED.map(|n| format!("'{n}'")).join(", ");
    // `event_time - start` is never negative here, so `intDiv` (which rounds toward
    // zero) numbers the days (hours: a day's start is an hour's) as `div_euclid` does.
    // A day's events may be grouped in several pieces: every reader adds up the groups
    // of one day and key (`rollup::Collapser`, `ch_days::keyed`).
    let select = |within: String| {
        format!(
            "SELECT name, creator_id, affiliate, utm_source, utm_medium, utm_campaign, utm_content, coupon,
               promotion_id, items, path, value_unreadable,
               if(ifNull(value, 0) >= 0 AND ifNull(value, 0) <= {MAX_AMOUNT_MINOR}, toInt64(0), ifNull(value, 0))
                 AS odd_value,
               min(event_time) AS first_time, count() AS events
             FROM events FINAL
             WHERE name IN ({names}) AND ({within})
             GROUP BY intDiv(event_time - {start}, {unit}), name, creator_id, affiliate, utm_source, utm_medium,
               utm_campaign, utm_content, coupon, promotion_id, items, path, value_unreadable, odd_value"
        )
    };
    // As many spans as pieces or more (days scattered between counted ones): one
    // `SELECT`, as before pieces, not a `UNION ALL` that could pass a statement's size.
    let sql = match spans.len() {
        n if n >= PIECES => select(crate::ch_days::within(spans)),
        _ => {
            let branches: Vec<String> =
                pieces(spans).into_iter().map(|piece| select(crate::ch_days::within(&[piece]))).collect();
            branches.join(" UNION ALL ")
        }
    };
    ch::timed_within(timeout, client.query(&sql).fetch_all()).await
}

/// How many pieces [`groups`] cuts its time into, each grouped by its own `SELECT`,
/// joined by `UNION ALL`: ClickHouse 18.16 reads a `FINAL` query in one stream, and runs
/// the branches of a `UNION ALL` side by side. Measured at 10^8 on this 2-core machine,
/// a season to the millisecond's partial days (a day's events): one `SELECT` 0.92-0.98
/// s, three or four pieces 0.50-0.60 s, six 0.66-0.69 s (each piece reads an hour more
/// at both ends, `clickhouse::event_time_within`).
const PIECES: usize = 4;
/// The shortest piece cut: below it, the hour read at each end would cost more than the
/// parallel streams save.
const MIN_PIECE_MS: i64 = 4 * rollup::HOUR_MS;

/// `spans` (fewer than [`PIECES`]) cut into at most [`PIECES`] pieces, the longest
/// halved first and none shorter than twice [`MIN_PIECE_MS`] cut: together they cover
/// exactly the spans, each once.
fn pieces(spans: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut pieces: Vec<(i64, i64)> = spans.iter().copied().filter(|(from, to)| from < to).collect();
    while pieces.len() < PIECES {
        let Some((i, (from, to))) = pieces.iter().copied().enumerate().max_by_key(|(_, (from, to))| to - from) else {
            break;
        };
        if to - from < 2 * MIN_PIECE_MS {
            break;
        }
        let middle = from + (to - from) / 2;
        pieces[i] = (from, middle);
        pieces.insert(i + 1, (middle, to));
    }
    pieces
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

/// Writes a slice into an in-memory database made by `store::open_memory`, and returns
/// what `stats::load_with` is given beside it (`stats::Given`): the range's orders (see
/// below) with their kept joins, and with a range, its rollup rows, one per key
/// (`rollup::Collapser`): the day groups keyed as the file's roller keys events
/// (`rollup::row`), ClickHouse's `event_days` rows, and the range's purchases
/// (`add_purchases`). Those are not written into the copy (a season's 240,000 rows cost
/// seconds to insert and read back), and they cover the range (`Given::covers_range`):
/// the copy's events are read only to join orders.
pub fn fill(conn: &Connection, mut slice: Slice) -> rusqlite::Result<stats::Given> {
    let joins = std::mem::take(&mut slice.kept);
    debug_assert!(slice.range.is_some() || joins.iter().all(Option::is_none), "joins go with the range's orders");
    debug_assert!(slice.range.is_some() || slice.groups.is_empty(), "groups stand for the range's events");
    let orders = std::mem::take(&mut slice.orders);
    // The orders stats read: those of the range (`orders_in`), and those that confirm
    // a copied event (`Confirmed`: a purchase by its transaction id, a purchase or
    // checkout by its click id). A week's report at 10^8 events read 333,000 orders
    // for its 26,000 (0.6 s). The copy holds only those that confirm a copied event
    // (its own queries look them up); the range's are handed to `stats::load_with`
    // as rows, with what each of them confirms (a season's 333,000 took a second
    // to copy and read back). Without a range, every order is copied and read back.
    // foldhash, as `Confirmed`'s: std's SipHash on these sets was 3 % of the CPU of a
    // 30-day report at 10^8 events.
    let transaction_ids: foldhash::HashSet<&str> =
        slice.events.iter().filter(|e| e.name == "purchase").filter_map(|e| e.transaction_id.as_deref()).collect();
    let click_ids: foldhash::HashSet<&str> = slice.events.iter().filter_map(|e| e.click_id.as_deref()).collect();
    let confirms = |o: &OrderRow| {
        transaction_ids.contains(o.order_id.as_str()) || o.click_id.as_deref().is_some_and(|c| click_ids.contains(c))
    };
    let in_range = |o: &OrderRow| slice.range.is_some_and(|(from, to)| (from..to).contains(&o.created_at));
    // As the copy's unique rule keeps them: the first of each provider and order id.
    // (Those read first: a week's report reads 26,000 of a season's 333,000.)
    let read = |o: &OrderRow| slice.range.is_none() || in_range(o) || confirms(o);
    let mut seen: foldhash::HashSet<(&str, &str)> =
        foldhash::HashSet::with_capacity_and_hasher(orders.len(), Default::default());
    // Whether each order is read, and whether it confirms a copied event.
    let read: Vec<Option<bool>> = orders
        .iter()
        .map(|o| (read(o) && seen.insert((o.provider.as_str(), o.order_id.as_str()))).then(|| confirms(o)))
        .collect();
    drop(seen);
    let copied: Vec<OrderRow> = orders
        .iter()
        .zip(&read)
        .filter(|(_, read)| read.is_some_and(|confirms| slice.range.is_none() || confirms))
        .map(|(o, _)| o.clone())
        .collect();
    // The orders' side (what they confirm, and the range's as rows) on a thread of its
    // own beside the copy: a 30-day report at 10^8 events hands 107,000 orders over,
    // and the other core had nothing to do while they were made.
    let range = slice.range;
    std::thread::scope(|scope| {
        let given = scope.spawn(move || given_orders(orders, joins, &read, range));
        let rolled = copy(conn, &slice, &copied)?;
        let (given, confirmed) = given.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let covers_range = range.is_some();
        Ok(stats::Given { rolled, orders: range.map(|_| (given, confirmed)), covers_range })
    })
}

/// Copies `slice`'s events, the orders `orders` and the refunds into the in-memory
/// database, and returns the rollup rows of its range (see [`fill`]).
fn copy(conn: &Connection, slice: &Slice, orders: &[OrderRow]) -> rusqlite::Result<Vec<stats::EventRow>> {
    // Sorted by reference: a season's 662,000 rows of 18 fields each moved about while
    // sorting were a tenth of a report's time.
    // Purchases of the days `purchase_days` holds are counted there (another read, the
    // clicks of orders, may have brought some of them too).
    let done_purchase = |e: &CopiedEvent| {
        e.name == "purchase" && slice.purchases_done.rows.days.contains(&e.event_time.div_euclid(DAY_MS))
    };
    let mut events: Vec<&CopiedEvent> = slice.events.iter().filter(|e| !done_purchase(e)).collect();
    events.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
    let kept = kept(&events, &slice.firsts);
    let whole = slice.range.map(|(from, to)| from..to);
    let rolled_purchase =
        |e: &CopiedEvent| e.name == "purchase" && whole.as_ref().is_some_and(|w| w.contains(&e.event_time));
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)?;
    // The events' plain indexes are built once after the copy rather than row by row
    // (200,000 purchases: 1.8 s with them, 1.0 s so, at 10^8 a season has 666,862). The
    // unique ones stay: they are the rules `INSERT OR IGNORE` keeps.
    let indexes: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    {
        // The device's and the receiving collector's times are not read by stats: the
        // event's time stands in for both (the columns are NOT NULL).
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO events (event_id, name, creator_id, event_time, occurred_at, received_at,
               utm_source, utm_medium, utm_campaign, utm_content, path, promotion_id, currency, value, coupon,
               transaction_id, items, click_id, affiliate)
             VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        for e in events.iter().zip(&kept).filter(|(e, kept)| **kept && !rolled_purchase(e)).map(|(e, _)| e) {
            insert.execute(params![
                e.event_id,
                e.name,
                e.creator_id,
                e.event_time,
                e.utm_source,
                e.utm_medium,
                e.utm_campaign,
                e.utm_content,
                e.path,
                e.promotion_id,
                e.currency,
                amount(e.value, e.value_unreadable),
                e.coupon,
                e.transaction_id,
                e.items,
                e.click_id,
                e.affiliate
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO orders (provider, order_id, creator_id, created_at, received_at, currency, value,
               click_id, coupon, utm_source, utm_medium, utm_campaign, payment_ref, affiliate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for o in orders {
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
        for (_, sql) in &indexes {
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()?;
    let mut collapser = rollup::Collapser::default();
    let to_sql = |e: serde_json::Error| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    let texts = &slice.done.texts;
    for c in &slice.done.counts {
        // (`done_rows` keeps only days whose every key has its texts.)
        collapser.add(Some(c.key), c.first_time, c.events, || match texts.get(&c.key) {
            // The texts' row, with this row's own day, time and events.
            Some(row) => {
                DayRow { day: c.day, first_time: c.first_time, events: c.events, ..row.clone() }.event().map_err(to_sql)
            }
            None => Err(rusqlite::Error::ToSqlConversionFailure("event_days: a key read without its texts".into())),
        })?;
    }
    for g in &slice.groups {
        let row = rollup::row(&g.event(), g.first_time, g.events).map_err(to_sql)?;
        collapser.add(Some(row.key), row.first_time, row.events, || row.event()).map_err(to_sql)?;
    }
    let purchases = events.iter().zip(&kept).filter(|(e, kept)| **kept && rolled_purchase(e)).map(|(e, _)| *e);
    // (Any order that confirms one of them confirms a copied event, so it is in `orders`.)
    add_purchases(&mut collapser, purchases, orders).map_err(to_sql)?;
    slice.purchases_done.add_to(&mut collapser).map_err(to_sql)?;
    Ok(collapser.rows())
}

/// What the orders a report reads (`read`: for each of `orders`, whether it is read and
/// then whether it confirms a copied event) confirm, and those of `range` as
/// `stats::load` reads them, in the order read (the sum does not depend on it, see
/// `stats::Place`). Only the events copied are checked against `Confirmed`, so only the
/// orders that confirm one are put in it (a season's 333,000 ids copied into a set were
/// a tenth of the sum). The orders are moved into the rows, not copied, and not put in
/// order: counted in the order they were read (and their texts made), a season's report
/// at 10^8 events took 55–65 ms less.
fn given_orders(
    mut orders: Vec<OrderRow>,
    mut joins: Vec<Option<stats::KeptJoin>>,
    read: &[Option<bool>],
    range: Option<(i64, i64)>,
) -> (Vec<stats::OrderRow>, stats::Confirmed) {
    let mut confirmed = stats::Confirmed::default();
    let mut given: Vec<usize> = Vec::new();
    for (i, (o, read)) in orders.iter().zip(read).enumerate() {
        let Some(confirms) = read else { continue };
        if *confirms {
            confirmed.transaction_ids.insert(o.order_id.clone());
            confirmed.click_ids.extend(o.click_id.clone());
        }
        if range.is_some_and(|(from, to)| (from..to).contains(&o.created_at)) {
            given.push(i);
        }
    }
    let given = given
        .into_iter()
        .map(|i| stats::OrderRow {
            kept: joins.get_mut(i).and_then(Option::take),
            ..into_read(std::mem::take(&mut orders[i]))
        })
        .collect();
    (given, confirmed)
}

/// An order as `stats::load` reads it from the copy (`orders_in`).
fn into_read(o: OrderRow) -> stats::OrderRow {
    let (value, unreadable) = stats::order_value(amount(Some(o.value), o.value_unreadable));
    stats::OrderRow {
        provider: o.provider,
        order_id: o.order_id,
        creator_id: o.creator_id,
        created_at: o.created_at,
        currency: o.currency,
        payment_ref: o.payment_ref,
        click_id: o.click_id,
        coupon: o.coupon,
        utm_source: o.utm_source,
        utm_medium: o.utm_medium,
        utm_campaign: o.utm_campaign,
        affiliate_sent: stats::affiliate_sent(o.affiliate),
        value,
        unreadable,
        ..stats::OrderRow::default()
    }
}

/// Which of `events` (in the order [`fill`] inserts them) the copy keeps: the first of
/// each event id, and of a creator's purchases with one transaction id the one that
/// counts (`first`: the first made, read with them), as SQLite's unique rules keep
/// them in the file; decided here for the purchases that are added up rather than
/// inserted. (A purchase `first` does not know, the first of those here.)
fn kept(events: &[&CopiedEvent], first: &FirstSales) -> Vec<bool> {
    use foldhash::{HashSet, HashSetExt};
    let mut ids: HashSet<&str> = HashSet::with_capacity(events.len());
    let mut sales: HashSet<(&str, &str)> = HashSet::new();
    events
        .iter()
        .map(|e| {
            let sale = e.transaction_id.as_deref().filter(|_| e.name == "purchase").map(|t| (e.creator_id.as_str(), t));
            let first_sale = |(c, t): (&str, &str)| match first.first(c, t) {
                Some(id) => id == e.event_id,
                None => !sales.contains(&(c, t)),
            };
            // A row left out registers neither its id nor its sale, as in SQLite.
            let keep = !ids.contains(e.event_id.as_str()) && sale.is_none_or(first_sale);
            if keep {
                ids.insert(&e.event_id);
                sales.extend(sale);
            }
            keep
        })
        .collect()
}

/// Adds `purchases` (of the range) to `collapser` as the rollup rows a file's roller
/// would make of them (`rollup::purchase`), each confirmed as stats decide it for a raw
/// purchase: an order (any) has its transaction id or its click id. Copying a season's
/// purchases into the in-memory database cost seconds at 10^8 events (666,862), and
/// adding them up there as raw rows as much again. Purchases alike in everything the
/// key is made of, on one day, are keyed once.
fn add_purchases<'a>(
    collapser: &mut rollup::Collapser,
    purchases: impl Iterator<Item = &'a CopiedEvent>,
    orders: &[OrderRow],
) -> Result<(), serde_json::Error> {
    use foldhash::{HashMap, HashMapExt, HashSet};
    let transaction_ids: HashSet<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
    let click_ids: HashSet<&str> = orders.iter().filter_map(|o| o.click_id.as_deref()).collect();
    type Alike<'a> = ([Option<&'a str>; 11], Option<i64>, u8, bool);
    // Per kind of purchase (alike in all of the key), one of them and, per day, the
    // earliest time and how many: a season's kinds are keyed once each, not once a day
    // (at 10^7 events, 3,072 kinds against 55,548 day groups).
    type Days = HashMap<i64, (i64, u64)>;
    let mut alike: HashMap<Alike, (&CopiedEvent, Days)> = HashMap::new();
    for e in purchases {
        let confirmed = e.transaction_id.as_deref().is_some_and(|t| transaction_ids.contains(t))
            || e.click_id.as_deref().is_some_and(|c| click_ids.contains(c));
        let texts = [
            Some(e.creator_id.as_str()),
            e.affiliate.as_deref(),
            e.utm_source.as_deref(),
            e.utm_medium.as_deref(),
            e.utm_campaign.as_deref(),
            e.utm_content.as_deref(),
            e.coupon.as_deref(),
            e.promotion_id.as_deref(),
            e.items.as_deref(),
            // (A purchase without items is the product's whose page it was on.)
            e.path.as_deref(),
            e.currency.as_deref(),
        ];
        let (_, days) =
            alike.entry((texts, e.value, e.value_unreadable, confirmed)).or_insert_with(|| (e, HashMap::new()));
        let day = days.entry(e.event_time.div_euclid(DAY_MS)).or_insert((e.event_time, 0));
        day.0 = day.0.min(e.event_time);
        day.1 += 1;
    }
    for ((.., confirmed), (e, days)) in alike {
        // The row's key and texts are the same on every day (the key has no day).
        let (key, row) = rollup::purchase(&e.clone().into_event(), confirmed, 1)?;
        for (time, events) in days.into_values() {
            let row = || Ok(stats::EventRow { event_time: time, weight: Weight::Rolled(events), ..row.clone() });
            collapser.add(Some(key), time, events, row)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rollup::HOUR_MS;

    fn event(id: &str, time: i64, name: &str, tx: Option<&str>) -> CopiedEvent {
        CopiedEvent {
            event_id: id.into(),
            name: name.into(),
            creator_id: "juno".into(),
            event_time: time,
            transaction_id: tx.map(str::to_owned),
            ..CopiedEvent::default()
        }
    }

    /// What `groups` asks ClickHouse, done here on the same rows: per UTC day of the
    /// spans `spans` (`[from, to)` in ms) and raw key columns, the count and earliest
    /// time.
    fn grouped(events: &[CopiedEvent], spans: &[(i64, i64)]) -> Vec<DayGroup> {
        let mut groups: Vec<DayGroup> = Vec::new();
        for e in events.iter().filter(|e| rollup::ROLLED.contains(&e.name.as_str())) {
            let day = e.event_time.div_euclid(DAY_MS);
            if !spans.iter().any(|(from, to)| (from..to).contains(&&e.event_time)) {
                continue;
            }
            let odd_value = e.value.filter(|v| !(0..=MAX_AMOUNT_MINOR).contains(v)).unwrap_or(0);
            let g = DayGroup {
                name: e.name.clone(),
                creator_id: e.creator_id.clone(),
                affiliate: e.affiliate.clone(),
                utm_source: e.utm_source.clone(),
                utm_medium: e.utm_medium.clone(),
                utm_campaign: e.utm_campaign.clone(),
                utm_content: e.utm_content.clone(),
                coupon: e.coupon.clone(),
                promotion_id: e.promotion_id.clone(),
                items: e.items.clone(),
                path: e.path.clone(),
                value_unreadable: e.value_unreadable,
                odd_value,
                first_time: e.event_time,
                events: 1,
            };
            let same = |o: &DayGroup| {
                o.first_time.div_euclid(DAY_MS) == day
                    && DayGroup { first_time: 0, events: 0, ..o.clone() }
                        == DayGroup { first_time: 0, events: 0, ..g.clone() }
            };
            match groups.iter_mut().find(|o| same(o)) {
                Some(o) => {
                    o.first_time = o.first_time.min(g.first_time);
                    o.events += 1;
                }
                None => groups.push(g),
            }
        }
        groups
    }

    /// What `ch_days::done_rows` reads of `event_days` once `roll_days` has written the
    /// days of `groups`: a count per day and key, and per key one row whose texts
    /// count (its events and time summed over the days, as the query's `GROUP BY key`).
    fn done_days(groups: &[DayGroup]) -> crate::ch_days::DoneDays {
        use crate::ch_days::{DayCount, DoneDays};
        let mut rows: std::collections::BTreeMap<(i64, [u8; 16]), DayRow> = Default::default();
        for g in groups {
            let row = rollup::row(&g.event(), g.first_time, g.events).expect("row");
            match rows.get_mut(&(row.day, row.key)) {
                Some(r) => r.merge(&row),
                None => {
                    rows.insert((row.day, row.key), row);
                }
            }
        }
        let mut done = DoneDays::<DayRow>::default();
        for r in rows.into_values() {
            done.days.insert(r.day);
            done.counts.push(DayCount { day: r.day, key: r.key, first_time: r.first_time, events: r.events });
            match done.texts.get_mut(&r.key) {
                Some(t) => {
                    t.events += r.events;
                    t.first_time = t.first_time.min(r.first_time);
                }
                None => {
                    done.texts.insert(r.key, r);
                }
            }
        }
        done
    }

    /// What `ch_purchases::rows_of` reads once `roll_purchase_days` has counted the
    /// days of `span` with the orders `at_roll` received before `cut_off` (or what
    /// `recent_rows_of` reads of a provisional count: `cut_off` the earliest time), when
    /// the orders there now are `orders`: the rows per day and key, their texts per key,
    /// and the moves (unconfirmed purchases an order now has the transaction or click id
    /// of).
    fn done_purchases(
        events: &[CopiedEvent],
        (first_day, end_day): (i64, i64),
        firsts: &FirstSales,
        (at_roll, cut_off): (&[OrderRow], fn(i64) -> i64),
        orders: &[OrderRow],
    ) -> DonePurchases {
        use crate::ch_days::DayCount;
        let purchases: Vec<CopiedEvent> = events
            .iter()
            .filter(|e| e.name == "purchase" && (first_day * DAY_MS..end_day * DAY_MS).contains(&e.event_time))
            .cloned()
            .collect();
        let (rows, unconfirmed) =
            crate::ch_purchases::purchase_days(&purchases, firsts, at_roll, cut_off).expect("rows");
        let mut done = DonePurchases::default();
        for r in rows {
            done.rows.days.insert(r.day);
            done.rows.counts.push(DayCount { day: r.day, key: r.key, first_time: r.first_time, events: r.events });
            done.rows.texts.entry(r.key).or_insert(r);
        }
        done.rows.days.extend(first_day..end_day);
        let ids: BTreeSet<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
        let clicks: BTreeSet<&str> = orders.iter().filter_map(|o| o.click_id.as_deref()).collect();
        done.moves = unconfirmed
            .into_iter()
            .filter(|u| {
                u.transaction_id.as_deref().is_some_and(|t| ids.contains(t))
                    || u.click_id.as_deref().is_some_and(|c| clicks.contains(c))
            })
            .collect();
        done
    }

    /// A spread of events over four days: every name, both spellings of a code, titled
    /// and untitled products, product pages, click ids an order carries, and rows stats
    /// leave out (an unreadable or out-of-range value, unreadable items).
    fn season(day0: i64) -> Vec<CopiedEvent> {
        const NAMES: [&str; 6] =
            ["page_view", "view_promotion", "select_item", "begin_checkout", "purchase", "view_item_list"];
        let line = |id: &str, title: Option<&str>, price: i64| {
            let item = crate::event::StoredItem {
                item_id: id.into(),
                item_name: title.map(str::to_owned),
                price,
                quantity: 1,
            };
            serde_json::to_string(&[item]).expect("items")
        };
        let items =
            [None, Some(line("mug", Some("Mug"), 1200)), Some(line("tote", None, 800)), Some("not items".into())];
        let coupons = [None, Some("JUNO15"), Some("juno15")];
        let values = [None, Some(1200), Some(-5), Some(0)];
        (0..160i64)
            .map(|i| {
                let name = NAMES[(i % 6) as usize];
                let time = day0 + (i * 7919 % 4) * DAY_MS + (i * 104_729) % DAY_MS;
                let mut e = event(&format!("e{i:03}"), time, name, None);
                e.coupon = coupons[(i % 3) as usize].map(str::to_owned);
                e.promotion_id = (i % 5 == 0).then(|| "juno15".to_owned());
                e.items = items[(i % 4) as usize].clone();
                e.value = values[(i / 4 % 4) as usize];
                e.value_unreadable = u8::from(i % 23 == 0);
                e.path = [None, Some("/"), Some("/p/mug/")][(i % 7 % 3) as usize].map(str::to_owned);
                e.utm_source = (i % 2 == 0).then(|| "tiktok".to_owned());
                e.affiliate = (i % 9 == 0).then(|| "ana".to_owned());
                e.click_id = (i % 11 == 0).then(|| format!("c{}", i % 3));
                e.transaction_id = (name == "purchase").then(|| format!("t{i}"));
                e
            })
            .collect()
    }

    /// The Rust half of the rollup path: a range given as day groups (its whole days and
    /// its partial days' part, to the millisecond) and the events `read` copies to join
    /// orders give the figures of every event copied.
    #[test]
    fn day_groups_give_the_figures_of_the_events_they_stand_for() {
        let day0 = 20_400 * DAY_MS;
        let mut events = season(day0);
        // Some events again on another day, so that keys span days, and some purchases
        // again with their transaction id: 40 minutes on (a thank-you page reloaded,
        // inside the test's 1-hour window) or on that other day (days before or after):
        // of a creator's purchases with one transaction id only the first counts.
        let again: Vec<CopiedEvent> = events[..60]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let day = (e.event_time - day0).div_euclid(DAY_MS);
                let shift = if day == 3 { -3 * DAY_MS } else { DAY_MS };
                let same_tx = i % 2 == 0 && e.name == "purchase";
                let reloaded = i % 4 == 0 && same_tx;
                let tx = |t: &String| if same_tx { t.clone() } else { format!("{t}-again") };
                CopiedEvent {
                    event_id: format!("{}-again", e.event_id),
                    event_time: e.event_time + if reloaded { 40 * 60_000 } else { shift },
                    transaction_id: e.transaction_id.as_ref().map(tx),
                    click_id: None,
                    ..e.clone()
                }
            })
            .collect();
        assert!(
            again
                .iter()
                .filter(|e| e.name == "purchase" && !e.transaction_id.as_ref().is_some_and(|t| t.ends_with("-again")))
                .count()
                >= 2
        );
        events.extend(again);
        // Every name again every 150 s over two and a half hours (from 5:00 on the first
        // day, from 1:00 on the last), so that a range to the millisecond has events in
        // the hours' margins it copies raw and in the whole hours grouped.
        let turns: Vec<CopiedEvent> = (0..120i64)
            .map(|i| {
                let e = &events[(i % 60) as usize];
                let base = if i < 60 { day0 + 5 * HOUR_MS } else { day0 + 3 * DAY_MS + HOUR_MS };
                CopiedEvent {
                    event_id: format!("turn{i:03}"),
                    event_time: base + (i % 60) * 150_000,
                    transaction_id: e.transaction_id.as_ref().map(|t| format!("{t}-turn")),
                    click_id: None,
                    ..e.clone()
                }
            })
            .collect();
        events.extend(turns);
        let order = |id: &str, click: &str, at: i64| OrderRow {
            provider: "stripe".into(),
            order_id: id.into(),
            creator_id: Some("juno".into()),
            created_at: at,
            received_at: at,
            currency: "EUR".into(),
            value: 2000,
            click_id: Some(click.into()),
            coupon: Some("Juno15".into()),
            ..OrderRow::default()
        };
        // Orders by click id, and one by a repeated sale's transaction id.
        let orders = vec![
            order("o1", "c0", day0 + 2 * DAY_MS),
            order("o2", "c1", day0 + DAY_MS + 7),
            order("t22", "c9", day0),
            order("t70", "c8", day0 + DAY_MS),
        ];
        // Every purchase's copy, for which of a creator's purchases with one transaction
        // id counts.
        let copies: Vec<SaleCopy> = events
            .iter()
            .filter(|e| e.name == "purchase")
            .filter_map(|e| {
                Some(SaleCopy {
                    creator_id: e.creator_id.clone(),
                    transaction_id: e.transaction_id.clone()?,
                    event_id: e.event_id.clone(),
                    ver: 1,
                    event_time: e.event_time,
                })
            })
            .collect();
        let firsts = crate::ch_purchases::first_sales(&copies);
        let window = 3_600_000;
        let minute = 60_000;
        for (from, to) in [
            (day0 + 5 * HOUR_MS, day0 + 3 * DAY_MS + 2 * HOUR_MS),
            (day0, day0 + 4 * DAY_MS),
            (day0 + DAY_MS - 1, day0 + 3 * DAY_MS),
            // To the millisecond: whole days, and partial days that start and end in
            // the middle of an hour.
            (day0 + 5 * HOUR_MS + 17 * minute + 3, day0 + 3 * DAY_MS + 2 * HOUR_MS + 41 * minute + 7),
            // No whole day: a partial day only.
            (day0 + 5 * HOUR_MS + 17 * minute, day0 + 7 * HOUR_MS + 12 * minute + 1),
            // Not even a whole hour.
            (day0 + 5 * HOUR_MS + 3 * minute, day0 + 5 * HOUR_MS + 50 * minute),
        ] {
            let whole = rollup::whole_days(from, to);
            let partial = partial_days(from, to, whole);
            // As `read` reads them: the range's purchases, the window's checkouts (no
            // other event of the range), and who sold what in the window before it.
            let copied: Vec<CopiedEvent> = events
                .iter()
                .filter(|e| {
                    let t = e.event_time;
                    (e.name == "purchase" && (from..to).contains(&t))
                        || (e.name == "begin_checkout" && t >= from - window && t <= to + CLOCK_SLACK_MS)
                })
                .cloned()
                .collect();
            assert!(copied.len() < events.len() / 2, "the whole days are not copied");
            let raw = store::open_memory().expect("memory");
            fill(&raw, Slice { events: events.clone(), orders: orders.clone(), ..Slice::default() }).expect("fill");
            let rolled = store::open_memory().expect("memory");
            let days: Vec<(i64, i64)> = whole.iter().map(|&(a, b)| (a * DAY_MS, b * DAY_MS)).collect();
            let (day_groups, partial_groups) = (grouped(&events, &days), grouped(&events, &partial));
            let slice = Slice {
                events: copied.clone(),
                orders: orders.clone(),
                range: Some((from, to)),
                groups: day_groups.iter().chain(&partial_groups).cloned().collect(),
                firsts: firsts.clone(),
                ..Slice::default()
            };
            let given = fill(&rolled, slice).expect("fill");
            let rows = &given.rolled;
            assert!(given.covers_range, "no event of the range counted from the copy");
            assert!(!rows.is_empty() && rows.len() < events.len() / 4, "one row per key: {}", rows.len());
            let copies = |c: &Connection, name: &str| -> i64 {
                c.query_row("SELECT count(*) FROM events WHERE name = ?1", [name], |r| r.get(0)).expect("count")
            };
            let queries = [
                Query { from, to, ..Query::default() },
                Query { from, to, creator: Some("juno".into()), scope: stats::Scope::Affiliate("ana".into()) },
            ];
            let Some(span) = whole else {
                // Without whole days, only the groups and the copy.
                let want = stats::load(&raw, &queries[0], window, None).expect("raw");
                assert!(want.totals.funnel.page_views > 0 && want.totals.funnel.purchases > 0, "{want:?}");
                for query in queries {
                    let want = stats::load(&raw, &query, window, None).expect("raw");
                    let from_rows = stats::load_with(&rolled, &query, window, None, given.clone()).expect("rolled");
                    assert_eq!(from_rows, want, "{query:?}");
                }
                continue;
            };
            assert!(rows.iter().any(|r| r.name == "purchase" && r.confirmed), "confirmed purchases among the rows");
            assert!(rows.iter().any(|r| r.name == "purchase" && !r.confirmed));
            assert!(copies(&rolled, "purchase") < copies(&raw, "purchase") / 2, "the whole days' purchases not copied");
            assert!(copies(&raw, "purchase") > 20);
            // The same days as ClickHouse's `event_days` gives them when all are done.
            let done = done_days(&day_groups);
            assert!(done.counts.len() > done.texts.len(), "some keys on several days");
            // And the whole days' purchases as `purchase_days` gives them: counted
            // when the order by click id `c1` and the one by transaction id `t70` had
            // not arrived (received after the days settled), so the report moves the
            // purchases they confirm.
            let late = |o: &OrderRow| OrderRow {
                received_at: crate::ch_purchases::settles_at(day0 / DAY_MS + 4),
                ..o.clone()
            };
            let at_roll: Vec<OrderRow> = orders
                .iter()
                .map(|o| if ["o2", "t70"].contains(&o.order_id.as_str()) { late(o) } else { o.clone() })
                .collect();
            let settled = done_purchases(&events, span, &firsts, (&at_roll, crate::ch_purchases::settles_at), &orders);
            assert!(!settled.moves.is_empty(), "a later order confirms rolled purchases");
            // Or as `recent_purchases` gives them: counted confirmed by no order, every
            // order's purchases moved.
            let provisional = done_purchases(&events, span, &firsts, (&[], |_| i64::MIN), &orders);
            assert!(provisional.moves.len() > settled.moves.len(), "{}", provisional.moves.len());
            let mut done_rows = Vec::new();
            for purchases_done in [settled, provisional] {
                let slice = Slice {
                    // (With the whole days' purchases still among them, as the clicks of
                    // orders bring some: they count once, from `purchase_days`.)
                    events: copied.clone(),
                    orders: orders.clone(),
                    range: Some((from, to)),
                    groups: partial_groups.clone(),
                    done: done.clone(),
                    firsts: firsts.clone(),
                    purchases_done,
                    ..Slice::default()
                };
                let copy = store::open_memory().expect("memory");
                let rows = fill(&copy, slice).expect("fill");
                done_rows.push((copy, rows));
            }
            for query in queries {
                let want = stats::load(&raw, &query, window, None).expect("raw");
                assert!(want.totals.funnel.page_views > 0 && want.excluded.count > 0, "{want:?}");
                let from_rows = stats::load_with(&rolled, &query, window, None, given.clone()).expect("rolled");
                assert_eq!(from_rows, want, "{query:?}");
                for ((copy, rows), counts) in done_rows.iter().zip(["settled", "provisional"]) {
                    let from_done = stats::load_with(copy, &query, window, None, rows.clone()).expect("done");
                    assert_eq!(from_done, want, "{query:?} from event_days and {counts} purchase counts");
                }
            }
        }
    }

    mod joins {
        use super::*;
        use proptest::prelude::*;

        const CODES: [Option<&str>; 4] = [None, Some("JUNO15"), Some("juno15"), Some("Mika10")];
        const SOURCES: [Option<&str>; 3] = [None, Some("tiktok"), Some("instagram")];
        const TAGS: [Option<&str>; 2] = [None, Some("spring")];
        const CREATORS: [&str; 2] = ["juno", "mika"];

        /// A checkout: minutes into three days (so some share a time), a code, a source,
        /// a campaign and a creator, each picked from a few; and whether a twin made at
        /// the same time with the same tags but another content follows it (which of
        /// the two an order is joined to must not depend on the path).
        fn checkout() -> impl Strategy<Value = (u16, usize, usize, usize, usize, bool)> {
            (
                0u16..4320,
                0..CODES.len(),
                0..SOURCES.len(),
                0..TAGS.len(),
                0..CREATORS.len(),
                proptest::bool::weighted(0.2),
            )
        }

        /// An order: when, its code (or one no checkout has), source, campaign and creator
        /// (or none).
        fn order() -> impl Strategy<Value = (u16, usize, usize, usize, Option<usize>)> {
            (0u16..4320, 0..CODES.len() + 1, 0..SOURCES.len(), 0..TAGS.len(), proptest::option::of(0..CREATORS.len()))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

            /// The checkouts `for_orders` keeps join every order as all of them do, and
            /// tell the same of those joined to none (outside the window or not): the
            /// figures, orders and joins are the same to the last field. So do the
            /// orders' picks alone (`picks_of`, what `ch_picks` keeps of settled orders).
            #[test]
            fn the_checkouts_kept_for_orders_join_them_as_all_do(
                checkouts in proptest::collection::vec(checkout(), 0..60),
                orders in proptest::collection::vec(order(), 1..12),
            ) {
                let day0 = 20_400 * DAY_MS;
                let window = 6 * 3_600_000;
                let events: Vec<CopiedEvent> = checkouts
                    .iter()
                    .enumerate()
                    .flat_map(|(i, &(minute, code, source, campaign, creator, twin))| {
                        let one = CopiedEvent {
                            coupon: CODES[code].map(str::to_owned),
                            utm_source: SOURCES[source].map(str::to_owned),
                            utm_medium: SOURCES[source].map(|_| "clip".to_owned()),
                            utm_campaign: TAGS[campaign].map(str::to_owned),
                            creator_id: CREATORS[creator].into(),
                            ..event(&format!("c{i:02}"), day0 + i64::from(minute) * 60_000, "begin_checkout", None)
                        };
                        let twin = twin.then(|| CopiedEvent {
                            event_id: format!("c{i:02}t"),
                            utm_content: Some("twin".into()),
                            ..one.clone()
                        });
                        std::iter::once(one).chain(twin)
                    })
                    .collect();
                let orders: Vec<OrderRow> = orders
                    .iter()
                    .enumerate()
                    .map(|(i, &(minute, code, source, campaign, creator))| OrderRow {
                        provider: "shopify".into(),
                        order_id: format!("o{i}"),
                        creator_id: creator.map(|c| CREATORS[c].to_owned()),
                        created_at: day0 + i64::from(minute) * 60_000,
                        received_at: day0 + i64::from(minute) * 60_000,
                        currency: "EUR".into(),
                        value: 1000,
                        coupon: CODES.get(code).copied().unwrap_or(Some("NOBODY")).map(str::to_owned),
                        utm_source: SOURCES[source].map(str::to_owned),
                        utm_campaign: TAGS[campaign].map(str::to_owned),
                        ..OrderRow::default()
                    })
                    .collect();
                let (from, to) = (day0, day0 + 3 * DAY_MS);
                let refs: Vec<&OrderRow> = orders.iter().collect();
                let kept = crate::ch_checkouts::for_orders(events.clone(), &refs, window);
                prop_assert!(kept.len() <= events.len());
                // What is kept of each order once its checkouts are settled (`ch_picks`).
                let picks = crate::ch_checkouts::picks_of(&events, &refs, window);
                let picked: BTreeSet<usize> = picks.iter().flatten().map(|&(_, i)| i).collect();
                let picked: Vec<CopiedEvent> = picked.into_iter().map(|i| events[i].clone()).collect();
                // And the joins those rows decide, with no checkout copied: an undecided
                // order (none in or outside its window, the table is whole here) is
                // joined in the copy, to nothing.
                let rows = crate::ch_picks::rows_of(&refs, picks, &events, window, 1);
                let mut by_order: std::collections::BTreeMap<(String, String), Vec<crate::ch_picks::OrderPick>> =
                    std::collections::BTreeMap::new();
                for r in rows {
                    by_order.entry((r.provider.clone(), r.order_id.clone())).or_default().push(r);
                }
                let joins: stats::KeptJoins = by_order
                    .into_iter()
                    .filter_map(|(k, rows)| {
                        let rows: Vec<_> = rows.into_iter().map(Into::into).collect();
                        crate::ch_picks::join_of(&rows).map(|j| (k, j))
                    })
                    .collect();
                let mut answers = Vec::new();
                for (events, kept) in [(events, None), (kept, None), (picked, None), (Vec::new(), Some(joins))] {
                    let conn = store::open_memory().expect("memory");
                    let slice = Slice {
                        events,
                        orders: orders.clone(),
                        range: Some((from, to)),
                        kept: kept.map_or_else(Vec::new, |joins: stats::KeptJoins| {
                            orders.iter().map(|o| joins.get(&o.provider, &o.order_id).cloned()).collect()
                        }),
                        ..Slice::default()
                    };
                    let given = fill(&conn, slice).expect("fill");
                    let query = Query { from, to, ..Query::default() };
                    answers.push(stats::load_with(&conn, &query, window, None, given).expect("stats"));
                }
                prop_assert_eq!(&answers[0], &answers[1]);
                prop_assert_eq!(&answers[0], &answers[2], "the picks alone");
                prop_assert_eq!(&answers[0], &answers[3], "the joins the picks decide");
            }
        }
    }

    #[test]
    fn pieces_cut_the_longest_span_first_and_cover_the_spans_once() {
        let h = HOUR_MS;
        // A season to the millisecond's partial days: 17 h and 7 h.
        assert_eq!(pieces(&[(7 * h, 24 * h), (90 * 24 * h, 90 * 24 * h + 7 * h)]).len(), 4);
        assert_eq!(
            pieces(&[(0, 17 * h)]),
            [(0, 17 * h / 4), (17 * h / 4, 17 * h / 2), (17 * h / 2, 17 * h * 3 / 4), (17 * h * 3 / 4, 17 * h)]
        );
        // Too short to cut, and empty spans dropped.
        assert_eq!(pieces(&[(0, 2 * MIN_PIECE_MS - 1), (5 * h, 5 * h)]), [(0, 2 * MIN_PIECE_MS - 1)]);
        assert_eq!(pieces(&[(0, 2 * MIN_PIECE_MS)]), [(0, MIN_PIECE_MS), (MIN_PIECE_MS, 2 * MIN_PIECE_MS)]);
        proptest::proptest!(|(cuts in proptest::collection::btree_set(0i64..400 * h, 0..=2 * (PIECES - 1)))| {
            let cuts: Vec<i64> = cuts.into_iter().collect();
            let spans: Vec<(i64, i64)> = cuts.chunks_exact(2).map(|c| (c[0], c[1])).collect();
            let got = pieces(&spans);
            proptest::prop_assert!(got.len() <= PIECES.max(spans.len()));
            // Each span is its pieces, end to end, in order.
            let mut at = got.iter();
            for &(from, to) in &spans {
                let mut end = from;
                while end < to {
                    let &(a, b) = at.next().expect("a piece");
                    proptest::prop_assert_eq!(a, end);
                    proptest::prop_assert!(a < b && b <= to);
                    proptest::prop_assert!(b - a >= MIN_PIECE_MS || (a, b) == (from, to), "{a}..{b}");
                    end = b;
                }
            }
            proptest::prop_assert!(at.next().is_none());
        });
    }

    #[test]
    fn partial_days_are_cut_into_their_whole_hours_per_day_and_margins() {
        let (h, d) = (HOUR_MS, DAY_MS);
        let day = 20_000;
        let at = |hours: i64, ms: i64| day * d + hours * h + ms;
        // A season's partial days: from 06:30 to midnight, and from midnight to 09:10.
        let cut = cut_hours(&[(at(6, 1_800_000), at(24, 0)), (at(24 * 90, 0), at(24 * 90 + 9, 600_000))]);
        let hour0 = day * 24;
        assert_eq!(cut.hours, [(day, hour0 + 7, hour0 + 24), (day + 90, hour0 + 24 * 90, hour0 + 24 * 90 + 9)]);
        assert_eq!(cut.margins, [(at(6, 1_800_000), at(7, 0)), (at(24 * 90 + 9, 0), at(24 * 90 + 9, 600_000))]);
        assert_eq!(cut.spans_of(|d| d == day + 90), [(at(24 * 90, 0), at(24 * 90 + 9, 0))]);
        assert!(cut.holds(day, at(23, h - 1)) && !cut.holds(day, at(6, 1_900_000)) && !cut.holds(day + 1, at(23, 0)));
        assert!(cut.holds(day + 90, at(24 * 90 + 8, 0)) && !cut.holds(day + 90, at(24 * 90 + 9, 0)), "the end's hour");
        // A range inside two days without a whole day: its hours on each day apart.
        let cut = cut_hours(&[(at(22, 5), at(26, 7))]);
        assert_eq!(cut.hours, [(day, hour0 + 23, hour0 + 24), (day + 1, hour0 + 24, hour0 + 26)]);
        assert_eq!(cut.margins, [(at(22, 5), at(23, 0)), (at(26, 0), at(26, 7))]);
        // No whole hour: all margin; an empty span: nothing.
        assert_eq!(cut_hours(&[(at(3, 5), at(4, 2)), (at(5, 0), at(5, 0))]).margins, [(at(3, 5), at(4, 2))]);
        assert_eq!(cut_hours(&[(at(5, 0), at(5, 0))]), HourCut::default());
        proptest::proptest!(|(from in 0i64..3 * d, length in 0i64..2 * d)| {
            let (from, to) = (day * d + from, day * d + from + length);
            let cut = cut_hours(&[(from, to)]);
            // Together they are the span, each instant once, in order.
            let mut pieces: Vec<(i64, i64)> = cut.margins.clone();
            pieces.extend(cut.spans_of(|_| true));
            pieces.sort_unstable();
            let mut end = from;
            for &(a, b) in &pieces {
                proptest::prop_assert_eq!(a, end);
                proptest::prop_assert!(a < b);
                end = b;
            }
            proptest::prop_assert_eq!(end, to.max(from));
            for &(a, b) in &cut.margins {
                proptest::prop_assert!(b - a < h || cut.hours.is_empty(), "{a}..{b}");
            }
            for &(day, first, end) in &cut.hours {
                proptest::prop_assert!(first < end && first.div_euclid(24) == day && (end - 1).div_euclid(24) == day);
            }
        });
    }

    #[test]
    fn of_an_events_copies_the_one_final_keeps_is_read() {
        let copy = |id: &str, ver: u64, time: i64| CopiedEvent { ver, ..event(id, time, "purchase", None) };
        let kept = latest(vec![copy("a", 1, 5), copy("b", 1, 9), copy("a", 2, 7), copy("b", 1, 8), copy("c", 3, 1)]);
        let kept: Vec<(&str, u64, i64)> = kept.iter().map(|e| (e.event_id.as_str(), e.ver, e.event_time)).collect();
        assert_eq!(kept, [("a", 2, 7), ("b", 1, 8), ("c", 3, 1)], "the highest version, then the earlier");
    }

    #[test]
    fn of_an_orders_copies_the_one_final_keeps_is_read_in_key_order() {
        let copy = |provider: &str, id: &str, ver: u64, created_at: i64| OrderRow {
            provider: provider.into(),
            order_id: id.into(),
            ver,
            created_at,
            ..OrderRow::default()
        };
        let copies = vec![
            copy("shopify", "b", 1, 9),
            copy("stripe", "a", 2, 7),
            copy("stripe", "b", 1, 5),
            copy("stripe", "a", 3, 8),
            copy("stripe", "b", 1, 4),
            copy("stripe", "a", 1, 1),
        ];
        let kept = latest_orders(copies.clone());
        let kept: Vec<(&str, &str, u64, i64)> =
            kept.iter().map(|o| (o.provider.as_str(), o.order_id.as_str(), o.ver, o.created_at)).collect();
        assert_eq!(
            kept,
            [("shopify", "b", 1, 9), ("stripe", "a", 3, 8), ("stripe", "b", 1, 4)],
            "the highest version, then the earlier; in the order read"
        );
        // A value beside each copy (a report's kept joins) goes with it.
        let (orders, with) = latest_orders_with(copies, vec!["b9", "a7", "b5", "a8", "b4", "a1"]);
        assert_eq!(with, ["b9", "a8", "b4"]);
        assert_eq!(orders.len(), 3);
    }

    #[test]
    fn a_range_without_its_rolled_days_is_the_spans_between_them() {
        let d = DAY_MS;
        let days: BTreeSet<i64> = [3, 4, 6].into();
        assert_eq!(without_days(2 * d + 5, 8 * d - 1, &days), [(2 * d + 5, 3 * d), (5 * d, 6 * d), (7 * d, 8 * d - 1)]);
        assert_eq!(without_days(3 * d, 5 * d, &days), []);
        assert_eq!(without_days(3 * d, 5 * d + 1, &days), [(5 * d, 5 * d + 1)]);
        assert_eq!(without_days(0, 2 * d, &days), [(0, 2 * d)]);
    }

    /// The first column of `sql`'s rows.
    fn texts(conn: &Connection, sql: &str) -> Vec<String> {
        let mut statement = conn.prepare(sql).expect(sql);
        let rows = statement.query_map([], |r| r.get(0)).expect(sql);
        rows.collect::<Result<_, _>>().expect(sql)
    }

    #[test]
    fn the_ranges_orders_are_handed_over_and_those_that_confirm_its_events_copied_with_the_same_figures() {
        let (from, to) = (10 * DAY_MS, 11 * DAY_MS);
        let order = |id: &str, at: i64, click: Option<&str>| OrderRow {
            provider: "shopify".into(),
            order_id: id.into(),
            created_at: at,
            received_at: at,
            currency: "EUR".into(),
            value: 1200,
            click_id: click.map(str::to_owned),
            ..OrderRow::default()
        };
        let orders = vec![
            order("in-range", from + 5, None),
            // Read as the copy reads them: an unreadable total left out, an affiliate
            // that is not a handle credits nobody, and of one order id the first kept.
            OrderRow { value_unreadable: 1, ..order("unreadable", from + 6, None) },
            OrderRow { affiliate: Some("ana".into()), ..order("sent", from + 7, None) },
            OrderRow { affiliate: Some("not a handle!".into()), ..order("odd", from + 8, None) },
            OrderRow { value: 99, ..order("in-range", from + 9, None) },
            order("T-later", to + DAY_MS, None),
            order("by-click", from - DAY_MS, Some("k-1")),
            order("elsewhere", to + 2 * DAY_MS, Some("k-9")),
        ];
        let purchase = |id: &str, tx: &str| CopiedEvent {
            currency: Some("EUR".into()),
            value: Some(1200),
            ..event(id, from + 60_000, "purchase", Some(tx))
        };
        let checkout =
            CopiedEvent { click_id: Some("k-1".into()), ..event("co", from + 30_000, "begin_checkout", None) };
        let events = vec![purchase("p1", "T-later"), purchase("p2", "T-nobody"), checkout];
        let mut answers = Vec::new();
        for range in [None, Some((from, to))] {
            let conn = store::open_memory().expect("memory");
            // With the range, its checkout counted in ClickHouse, as `read` gives it.
            let groups = range.map_or_else(Vec::new, |range| grouped(&events, &[range]));
            let slice = Slice { events: events.clone(), orders: orders.clone(), range, groups, ..Slice::default() };
            let given = fill(&conn, slice).expect("fill");
            let copied = texts(&conn, "SELECT order_id FROM orders ORDER BY order_id");
            if range.is_some() {
                // The range's order handed over as a row, not copied; nor one that
                // confirms nothing.
                assert_eq!(copied, ["T-later", "by-click"]);
                let (handed, _) = given.orders.as_ref().expect("the range's orders");
                let ids: Vec<&str> = handed.iter().map(|o| o.order_id.as_str()).collect();
                assert_eq!(ids, ["in-range", "unreadable", "sent", "odd"]);
            }
            let query = Query { from, to, ..Query::default() };
            answers.push(stats::load_with(&conn, &query, DAY_MS, None, given).expect("stats"));
        }
        assert_eq!(answers[0], answers[1]);
        let funnel = &answers[1].totals.funnel;
        // The range's three readable orders and p2 (p1 is T-later's, counted with that
        // order), and the checkout k-1's order came from: without the orders outside
        // the range, (5, 0).
        assert_eq!((funnel.purchases, funnel.checkouts_ordered), (4, 1));
        assert_eq!(answers[1].excluded.count, 1, "the unreadable total");
        let affiliates: Vec<&str> = answers[1].by["affiliate"].iter().map(|r| r.key.as_str()).collect();
        assert_eq!(affiliates, ["(none)", "ana"]);
        assert_eq!(answers[1].totals.revenue[0].verified, 3 * 1200, "the first of an order id kept");
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
            ..Slice::default()
        };
        fill(&conn, slice).expect("fill");
        // Every index is there again after the copy (the plain ones are built after it).
        let indexes = |c: &Connection| -> Vec<(String, String)> {
            c.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
                .expect("indexes")
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))
                .expect("indexes")
                .collect::<rusqlite::Result<_>>()
                .expect("indexes")
        };
        let fresh = store::open_memory().expect("memory");
        assert_eq!(indexes(&conn), indexes(&fresh));
        assert!(indexes(&fresh).len() > 8);
        let ids = texts(&conn, "SELECT event_id FROM events ORDER BY id");
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
