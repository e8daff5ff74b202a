//! ClickHouse as the shared store (issue #15): the tables, the rows that travel to them,
//! and the client every collector of a deployment talks to.
//!
//! Each collector keeps writing its own SQLite file, which is its durable outbox; the
//! shipper (`ship`) copies committed rows here, and stats read from here when a
//! ClickHouse is configured, so every collector behind a load balancer answers the same
//! figures.
//!
//! Decisions, with their reasons:
//! - **One row per key, whoever sent it.** Tables are `ReplacingMergeTree` (the
//!   `Replicated…` variant when `--clickhouse-cluster` names a cluster) sorted by the
//!   key that makes a row unique: `(name, occurred_at, event_id)` for events, `(provider, order_id)` for
//!   orders, `(provider, refund_id)` for refunds. Two collectors that both took the same
//!   event (a storefront retry landing elsewhere) insert two rows that collapse at merge
//!   time, and every read is duplicate-free (`FINAL`, then the same unique constraints as
//!   SQLite's, see `stats_source`).
//! - **The first copy wins, as in SQLite.** SQLite keeps the first of two events with one
//!   id (`INSERT OR IGNORE`); the version column `ver` is `u64::MAX - received_at`, so
//!   the replacing merge also keeps the copy received first. Refunds keep the largest
//!   running total (`ver` = the amount), as SQLite's upsert does.
//! - **Partitions by the device's day** (`occurred_at`), not by `event_time`: a replacing
//!   merge only collapses rows inside one partition, and `occurred_at` is the one time
//!   both copies of an event share (`event_time` is corrected with each collector's own
//!   receive time). A partition per day (not per 30 days) so that a day's data has parts
//!   of its own: their names change whenever a row of the day arrives, which is what
//!   tells `ch_days` whether its count of a settling day still holds
//!   ([`day_partition`]). `far_clock` is partitioned by its `event_time`'s day for the
//!   same reason. A block whose phones' clocks are wildly off touches many partitions:
//!   servers that cap that (`max_partitions_per_insert_block`, newer than 18.16) are
//!   told not to ([`prepare`]), since a refused block would stop the shipper for good.
//! - **Events sorted by `(name, occurred_at, event_id)`**, so the events of one kind
//!   in a time range are a few contiguous granules rather than a few rows in every
//!   granule. Sorted by `event_id` alone (random ids), every range read decompressed the
//!   whole table: a report took 18–26 s at 10^7 events. Sorted by time alone, a
//!   season's 67,000 purchases still sat in nearly every granule of the season: picking
//!   them out took 4–5 s at 10^7, 0.2 s with the name first (and a day's counting
//!   events skip the kinds stats do not count). The triple is still unique per event
//!   and shared by its copies, so the replacing merge collapses them as before. Reads ask for
//!   `event_time` (the corrected time every figure uses) through [`event_time_within`],
//!   which bounds `occurred_at` to the range widened by [`FAR_CLOCK_MS`] and looks up the
//!   few events whose device clock was further off in `far_clock`, written by the
//!   shipper beside each block; the reads not bounded by time go through
//!   `event_lookup` (`ch_lookup`); both side tables point at an event by the whole
//!   sorting key. Tables of an older layout are refused at start with the steps to
//!   re-key them (docs/collector.md, "Re-keying events").
//! - **Old and new servers alike.** Tested against Debian's 18.16.1. The client runs with
//!   `with_validation(false)` (18.16 lacks `RowBinaryWithNamesAndTypes`), and only sends
//!   settings the server has: `async_insert = 0` is set when `system.settings` lists it
//!   (current servers may default it to 1, and an asynchronous insert would be
//!   acknowledged before it is a block, which breaks the shipper's "acknowledged means
//!   stored" and the replicated block dedup its retries rely on); 18.16 rejects unknown
//!   settings, so it is not sent there. Nothing else newer is used
//!   (`insert_deduplication_token`, `non_replicated_deduplication_window`).
//! - **DDL only when a table is missing**: `CREATE … ON CLUSTER` waits for every replica,
//!   so a collector starting while one replica is down would hang on it; it first asks
//!   the server it talks to whether the tables exist.

use clickhouse::Row;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::Duration;

/// How long one ClickHouse request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How far an event's corrected time (`event_time`) may be from its device's
/// `occurred_at` before the event is also listed in `far_clock`. An hour covers transit
/// and the clock drift of phones that set their time from the network; a phone set by
/// hand to another day is the case the side table is for.
pub const FAR_CLOCK_MS: i64 = 3_600_000;

/// Whether an event goes into `far_clock` as well (see [`FAR_CLOCK_MS`]).
pub fn far_clock(event_time: i64, occurred_at: i64) -> bool {
    event_time.abs_diff(occurred_at) > FAR_CLOCK_MS as u64
}

/// SQL for "`event_time` in `[from, to)`" over `events` that its sorting key can answer:
/// an event there either has `occurred_at` within [`FAR_CLOCK_MS`] of the range, or was
/// listed in `far_clock` with that very `event_time` by the shipper that sent this copy.
/// (The bounds are numbers the collector computed, never a caller's text.)
///
/// The listed ones are asked for by `(name, occurred_at)`, a prefix of the sorting key
/// (so ClickHouse still reads only the granules near the range or holding one), not by
/// the whole key: `event_time` decides anyway, and an event in the range whose device
/// time is that of a listed one is in the range too. Asking by `event_id` as well made
/// every row's id read and hashed: 0.22–0.28 s → 0.14 s to count 17 days of checkouts
/// (3 million) at 10^8 events (0.07 s for the near ones alone).
pub fn event_time_within(from: i64, to: i64) -> String {
    format!(
        "(event_time >= {from} AND event_time < {to} AND (occurred_at >= {} AND occurred_at < {} OR \
         (name, occurred_at) IN \
         (SELECT name, occurred_at FROM far_clock WHERE event_time >= {from} AND event_time < {to})))",
        from.saturating_sub(FAR_CLOCK_MS),
        to.saturating_add(FAR_CLOCK_MS),
    )
}

/// `events`' sorting key (see the module's notes).
pub const EVENTS_KEY: &str = "(name, occurred_at, event_id)";
/// `events`' partition of a time (`of`: a column or a number): the device's day, its
/// days starting at 01:00 UTC. Why the hour: a day's events (by `event_time`) have
/// their `occurred_at` within [`FAR_CLOCK_MS`] of the day (or are in `far_clock`), so
/// they sit in two partitions, the day's own and the last two hours of the one before;
/// today's events (after 01:00) are in a partition of their own, and a count of
/// yesterday still holds while they arrive (`ch_days::partitions_of`, which names a
/// day's partitions by the same arithmetic: change both together).
pub fn day_partition(of: &str) -> String {
    format!("intDiv({of} - {FAR_CLOCK_MS}, 86400000)")
}
/// `far_clock`'s partition: the corrected time's day, the day whose count its rows
/// change.
pub const FAR_CLOCK_PARTITION: &str = "intDiv(event_time, 86400000)";
/// The side tables of `events`, which point at an event by its whole sorting key.
pub const SIDE_TABLES: [&str; 2] = ["far_clock", "event_lookup"];

/// Where and how to reach ClickHouse (from `--clickhouse-*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// e.g. `http://127.0.0.1:8123`
    pub url: String,
    pub database: String,
    /// A cluster from the servers' `remote_servers`: the tables are then replicated and
    /// created `ON CLUSTER`.
    pub cluster: Option<String>,
    pub user: String,
    pub password: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChError {
    #[error("ClickHouse: {0}")]
    Client(#[from] clickhouse::error::Error),
    #[error("ClickHouse did not answer within {0} s")]
    Timeout(u64),
    #[error(
        "ClickHouse's tables in {0} were made by an older collector (events sorted another way); \
         stop every collector and re-key them as docs/collector.md (\"Re-keying events\") shows, then start them again"
    )]
    OldEventsKey(String),
}

/// Runs `f` with the request timeout.
pub async fn timed<T>(f: impl std::future::Future<Output = clickhouse::error::Result<T>>) -> Result<T, ChError> {
    timed_within(REQUEST_TIMEOUT, f).await
}

/// Runs `f` with a timeout of its own: background work that may scan a season of events
/// (`ch_days`) waits longer than a report's request.
pub async fn timed_within<T>(
    timeout: Duration,
    f: impl std::future::Future<Output = clickhouse::error::Result<T>>,
) -> Result<T, ChError> {
    match tokio::time::timeout(timeout, f).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(ChError::Timeout(timeout.as_secs())),
    }
}

/// A client for `settings`, not yet connected (the first request connects). See
/// [`prepare`] for the settings that depend on the server.
pub fn client(settings: &Settings) -> clickhouse::Client {
    let mut client = clickhouse::Client::default()
        .with_url(settings.url.clone())
        .with_database(settings.database.clone())
        .with_user(settings.user.clone())
        .with_validation(false);
    if let Some(password) = &settings.password {
        client = client.with_password(password.clone());
    }
    client
}

/// `ON CLUSTER name`, or nothing.
fn on_cluster(settings: &Settings) -> String {
    settings.cluster.as_deref().map_or_else(String::new, |c| format!(" ON CLUSTER {c}"))
}

/// The table engine, replacing by `ver`; `path` names the table in ZooKeeper.
fn engine(settings: &Settings, path: &str) -> String {
    match &settings.cluster {
        Some(_) => format!(
            "ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{}.{path}', '{{replica}}', ver)",
            settings.database
        ),
        None => "ReplacingMergeTree(ver)".to_owned(),
    }
}

/// The tables' DDL, in the order they are created (the documentation shows the same).
pub fn ddl(settings: &Settings) -> Vec<(&'static str, String)> {
    let (db, on) = (&settings.database, on_cluster(settings));
    let s = "Nullable(String)";
    // A stats rollup row's key and texts, and its earliest time and count
    // (`stats::rollup::DayRow` but its day), in `event_days`, `event_hours`,
    // `recent_days` and `recent_hours`.
    let row_columns = format!(
        "key FixedString(16), name String, creator_id String, affiliate {s},
  utm_source {s}, utm_medium {s}, utm_campaign {s}, utm_content {s},
  coupon {s}, promotion_id {s}, products String, exclusion {s},
  first_time Int64, events UInt64"
    );
    // An order and a checkout picked for it (`ch_picks::OrderPick`), in `order_picks` and
    // `recent_picks`.
    let pick_columns = format!(
        "  created_at Int64, provider String, order_id String, window_ms Int64, fingerprint UInt64, role String,
  event_id String, name String, creator_id String, event_time Int64,
  utm_source {s}, utm_medium {s}, utm_campaign {s}, utm_content {s}, path {s}, promotion_id {s},
  currency {s}, value Nullable(Int64), value_unreadable UInt8, coupon {s}, transaction_id {s}, items {s},
  click_id {s}, affiliate {s}, event_ver UInt64,
  ver UInt64"
    );
    // The side tables of `events` first: a start finds `events` only where they exist
    // (see `prepare`).
    vec![
        // The events whose corrected time is more than `FAR_CLOCK_MS` from their
        // device's: what `event_time_within` cannot find by `occurred_at`. One row per
        // copy (each collector corrects the time with its own receive time).
        (
            "far_clock",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.far_clock{on} (
  event_time Int64, name String, occurred_at Int64, event_id String,
  ver UInt64
) ENGINE = {}
PARTITION BY {FAR_CLOCK_PARTITION}
ORDER BY (event_time, name, occurred_at, event_id)",
                engine(settings, "far_clock_by_day")
            ),
        ),
        // `ch_lookup`: the events a report needs whatever its range (the clicks of
        // orders, a code's owner, checkouts outside a window), found by their key.
        (
            "event_lookup",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.event_lookup{on} (
  kind String, click_id String, code String, source String, creator_id String, affiliate String,
  event_time Int64, name String, occurred_at Int64, event_id String,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (kind, click_id, code, source, creator_id, affiliate, event_time, event_id)",
                engine(settings, "event_lookup_by_name")
            ),
        ),
        (
            "events",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.events{on} (
  event_id String, name String, creator_id String,
  event_time Int64, occurred_at Int64, sent_at Nullable(Int64), received_at Int64,
  page_load_id {s}, seq Nullable(Int64), client {s},
  utm_source {s}, utm_medium {s}, utm_campaign {s}, utm_content {s}, utm_term {s},
  ref {s}, referrer_host {s}, platform_click_ids {s},
  path {s}, locale {s}, time_zone {s}, in_app_browser {s},
  promotion_id {s}, popup_id {s}, item_list_id {s},
  currency {s}, value Nullable(Int64), value_unreadable UInt8, coupon {s}, transaction_id {s}, items {s},
  click_id {s}, destination_host {s}, affiliate {s},
  ver UInt64
) ENGINE = {}
PARTITION BY {}
ORDER BY {EVENTS_KEY}",
                // Its replication path names the layout: a table re-keyed from an
                // old one (path `….events` sorted by `event_id`, `….events_by_time`
                // by `(occurred_at, event_id)`, `….events_by_name_time` in 30-day
                // partitions) is made beside it.
                engine(settings, "events_by_name_day"),
                day_partition("occurred_at")
            ),
        ),
        (
            "orders",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.orders{on} (
  provider String, order_id String, creator_id {s},
  created_at Int64, received_at Int64, currency String,
  value Int64, value_unreadable UInt8,
  click_id {s}, coupon {s}, utm_source {s}, utm_medium {s}, utm_campaign {s},
  payment_ref {s}, affiliate {s},
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (provider, order_id)",
                engine(settings, "orders")
            ),
        ),
        (
            "refunds",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.refunds{on} (
  provider String, refund_id String, order_ref String, currency String,
  amount Int64, amount_unreadable UInt8, created_at Int64, received_at Int64,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (provider, refund_id)",
                engine(settings, "refunds")
            ),
        ),
        (
            "daily",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.daily{on} (
  day Int64, creator_id String, name String, utm_source String, affiliate String, currency String,
  events UInt64, value Decimal(38, 0),
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (day, creator_id, name, utm_source, affiliate, currency)",
                engine(settings, "daily")
            ),
        ),
        // Stats' day rollup (`stats::rollup::DayRow`) of settled days, written by
        // `ch_days` so a report reads a day's rows instead of grouping its events. The
        // version is the time of the count: two collectors counting a settled day write
        // identical rows, and either copy may stay.
        (
            "event_days",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.event_days{on} (
  day Int64, {row_columns},
  ver UInt64 DEFAULT toUInt64(now())
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (day, key)",
                engine(settings, "event_days")
            ),
        ),
        // The days whose `event_days` rows are all written, with how many rows and
        // events (a reader checks the rows it got against the count: on a cluster a
        // replica may have this row before the rows themselves).
        (
            "event_days_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.event_days_done{on} (
  day Int64, groups UInt64, events UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY day",
                engine(settings, "event_days_done")
            ),
        ),
        // The settled days' purchases (`stats::rollup::PurchaseRow`, written by
        // `ch_days::roll_purchase_days`): the file's `purchase_days`, each purchase
        // counted only when it is the first of its creator's with its transaction id,
        // and confirmed by the orders there when the day was counted.
        (
            "purchase_days",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.purchase_days{on} (
  day Int64, key FixedString(16), creator_id String, affiliate {s},
  utm_source {s}, utm_medium {s}, utm_campaign {s}, utm_content {s},
  coupon {s}, products String, exclusion {s},
  currency {s}, value Nullable(Int64), shares String, confirmed UInt8,
  first_time Int64, events UInt64,
  ver UInt64 DEFAULT toUInt64(now())
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (day, key)",
                engine(settings, "purchase_days")
            ),
        ),
        // The purchases of `purchase_days` that no order confirmed when their day was
        // counted, by the ids an order confirms them by: a report moves those a later
        // order confirms to their confirmed row (`confirmed_key`), as the file's
        // `rollup::confirm` does when the order arrives.
        (
            "unconfirmed_purchases",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.unconfirmed_purchases{on} (
  day Int64, event_id String, transaction_id {s}, click_id {s},
  key FixedString(16), confirmed_key FixedString(16), event_time Int64,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (day, event_id)",
                engine(settings, "unconfirmed_purchases")
            ),
        ),
        // The days whose `purchase_days` and `unconfirmed_purchases` rows are all
        // written, with how many of each (as `event_days_done`).
        (
            "purchase_days_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.purchase_days_done{on} (
  day Int64, groups UInt64, events UInt64, unconfirmed UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY day",
                engine(settings, "purchase_days_done")
            ),
        ),
        // Provisional counts of the days not yet settled (`ch_days::recount`): rows as
        // `event_days`', each count under the fingerprint of the parts it was taken
        // from (`parts`), which a report compares with the parts there now. A day per
        // partition, dropped once the day is settled and done.
        (
            "recent_days",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_days{on} (
  day Int64, parts UInt64, {row_columns},
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts, key)",
                engine(settings, "recent_days")
            ),
        ),
        (
            "recent_days_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_days_done{on} (
  day Int64, parts UInt64, groups UInt64, events UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts)",
                engine(settings, "recent_days_done")
            ),
        ),
        // The same rows per UTC hour, for the part of a range to the millisecond that
        // is not whole days: its whole hours are read here rather than grouped from
        // the events (a partial day at 10^8 events is a million events, 0.7-0.8 s of a
        // season's report). Written from the same groups as a day's rows
        // (`ch_days::roll_days`), marked done per day in `event_hours_done` (as
        // `event_days_done`). `hour` (hours since the epoch) is its earliest event's,
        // as `day` is, so the rows are written as `event_days`' are (`DayRow`, one per
        // hour and key). Sorted by day first: a reader asks for a day's hours as it
        // asks for a day.
        (
            "event_hours",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.event_hours{on} (
  day Int64, hour Int64 DEFAULT intDiv(first_time, 3600000), {row_columns},
  ver UInt64 DEFAULT toUInt64(now())
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (day, hour, key)",
                engine(settings, "event_hours")
            ),
        ),
        (
            "event_hours_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.event_hours_done{on} (
  day Int64, groups UInt64, events UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY tuple()
ORDER BY day",
                engine(settings, "event_hours_done")
            ),
        ),
        // Provisional counts of the hours of the days not yet settled, as `recent_days`
        // (under the same fingerprint, from the same groups: `ch_days::recount`).
        (
            "recent_hours",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_hours{on} (
  day Int64, parts UInt64, hour Int64 DEFAULT intDiv(first_time, 3600000), {row_columns},
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts, hour, key)",
                engine(settings, "recent_hours")
            ),
        ),
        (
            "recent_hours_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_hours_done{on} (
  day Int64, parts UInt64, groups UInt64, events UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts)",
                engine(settings, "recent_hours_done")
            ),
        ),
        // Provisional counts of the purchases of the days not yet settled
        // (`ch_purchases::recount`): rows as `purchase_days`', the purchases no order
        // confirmed at the count as `unconfirmed_purchases`', and the markers, each
        // under the fingerprint of the parts the count read (the day's and those of
        // the days whose sales it looked at). A day per partition, dropped once the day
        // is settled and its purchases done.
        (
            "recent_purchases",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_purchases{on} (
  day Int64, parts UInt64, key FixedString(16), creator_id String, affiliate {s},
  utm_source {s}, utm_medium {s}, utm_campaign {s}, utm_content {s},
  coupon {s}, products String, exclusion {s},
  currency {s}, value Nullable(Int64), shares String, confirmed UInt8,
  first_time Int64, events UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts, key)",
                engine(settings, "recent_purchases")
            ),
        ),
        (
            "recent_unconfirmed",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_unconfirmed{on} (
  day Int64, parts UInt64, event_id String, transaction_id {s}, click_id {s},
  key FixedString(16), confirmed_key FixedString(16), event_time Int64,
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts, event_id)",
                engine(settings, "recent_unconfirmed")
            ),
        ),
        (
            "recent_purchases_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_purchases_done{on} (
  day Int64, parts UInt64, groups UInt64, events UInt64, unconfirmed UInt64,
  ver UInt64
) ENGINE = {}
PARTITION BY day
ORDER BY (day, parts)",
                engine(settings, "recent_purchases_done")
            ),
        ),
        // Each settled order's checkouts, picked once (`ch_picks`) for the attribution
        // window and the order as they were then (`fingerprint`), so a report reads
        // them instead of joining the order again. Two collectors write identical rows.
        (
            "order_picks",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.order_picks{on} (
{pick_columns}
) ENGINE = {}
PARTITION BY tuple()
ORDER BY (created_at, provider, order_id, window_ms, fingerprint, role, event_id)",
                engine(settings, "order_picks")
            ),
        ),
        // The picks of the orders not settled yet, a batch at a time (`ch_recent_picks`):
        // the rows of the batch `ver`, then its marker with the snapshot of `events`'
        // blocks it saw. A day of batches per partition, dropped the day after next.
        (
            "recent_picks",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_picks{on} (
{pick_columns}
) ENGINE = {}
PARTITION BY {}
ORDER BY (ver, window_ms, created_at, provider, order_id, fingerprint, role, event_id)",
                engine(settings, "recent_picks"),
                crate::ch_recent_picks::PARTITION
            ),
        ),
        (
            "recent_picks_done",
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.recent_picks_done{on} (
  window_ms Int64, ver UInt64, orders UInt64, parts String, orders_parts UInt64
) ENGINE = {}
PARTITION BY {}
ORDER BY (window_ms, ver)",
                engine(settings, "recent_picks_done"),
                crate::ch_recent_picks::PARTITION
            ),
        ),
    ]
}

/// Makes the database and tables when missing, and returns a client with the settings
/// this server needs (see the module's notes on versions).
pub async fn prepare(settings: &Settings) -> Result<clickhouse::Client, ChError> {
    let client = client(settings);
    let server = client.clone().with_database("system");
    let tables: Vec<String> =
        timed(server.query("SELECT name FROM system.tables WHERE database = ?").bind(&settings.database).fetch_all())
            .await?;
    if !current_layout(&server, settings, &tables).await? {
        return Err(ChError::OldEventsKey(settings.database.clone()));
    }
    let wanted = ddl(settings);
    if wanted.iter().any(|(name, _)| !tables.iter().any(|t| t == name)) {
        let create = format!("CREATE DATABASE IF NOT EXISTS {}{}", settings.database, on_cluster(settings));
        timed(server.query(&create).execute()).await?;
        for (name, sql) in wanted {
            if !tables.iter().any(|t| t == name) {
                tracing::info!(table = name, database = %settings.database, "creating a ClickHouse table");
                timed(server.query(&sql).execute()).await?;
            }
        }
    }
    // Settings 18.16 does not know (it refuses unknown ones), set where the server has them.
    let newer: Vec<String> = timed(
        server
            .query("SELECT name FROM system.settings WHERE name IN ('async_insert', 'max_partitions_per_insert_block')")
            .fetch_all(),
    )
    .await?;
    let mut client = client;
    for (name, value) in [("async_insert", "0"), ("max_partitions_per_insert_block", "0")] {
        if newer.iter().any(|n| n == name) {
            client = client.with_setting(name, value);
        }
    }
    Ok(client)
}

/// Whether the tables already there are today's layout: `events` sorted by
/// [`EVENTS_KEY`] in day partitions beside both side tables, and every side table there
/// pointing at events by name, `far_clock` in day partitions. (A database with none of
/// them is new, and current.)
async fn current_layout(server: &clickhouse::Client, settings: &Settings, tables: &[String]) -> Result<bool, ChError> {
    let has = |name: &str| tables.iter().any(|t| t == name);
    let named: Vec<String> = timed(
        server
            .query("SELECT table FROM system.columns WHERE database = ? AND name = 'name' AND has(?, table)")
            .bind(&settings.database)
            .bind(SIDE_TABLES.as_slice())
            .fetch_all(),
    )
    .await?;
    if SIDE_TABLES.iter().any(|side| has(side) && !named.iter().any(|t| t == side)) {
        return Ok(false);
    }
    let creates: Vec<(String, String)> = timed(
        server
            .query(
                "SELECT name, create_table_query FROM system.tables
                 WHERE database = ? AND name IN ('events', 'far_clock')",
            )
            .bind(&settings.database)
            .fetch_all(),
    )
    .await?;
    if creates.iter().any(|(table, create)| table == "far_clock" && !far_clock_by_day(create)) {
        return Ok(false);
    }
    let Some((_, events)) = creates.iter().find(|(table, _)| table == "events") else {
        return Ok(true);
    };
    Ok(SIDE_TABLES.iter().all(|side| has(side)) && events_layout(events))
}

/// Whether an `events` table's DDL (as `system.tables` gives it) has today's sorting key
/// and partitions.
fn events_layout(create_table_query: &str) -> bool {
    create_table_query.contains(&format!("PARTITION BY {} ORDER BY {EVENTS_KEY}", day_partition("occurred_at")))
}

/// Whether a `far_clock` table's DDL has today's partitions.
fn far_clock_by_day(create_table_query: &str) -> bool {
    create_table_query.contains(&format!("PARTITION BY {FAR_CLOCK_PARTITION} "))
}

/// A row of `far_clock` (see [`FAR_CLOCK_MS`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct FarClockRow {
    pub event_time: i64,
    pub name: String,
    pub occurred_at: i64,
    pub event_id: String,
    pub ver: u64,
}

/// `u64::MAX - received_at`: the copy received first has the highest version.
pub fn first_wins(received_at: i64) -> u64 {
    u64::MAX - received_at.max(0) as u64
}

/// An event as stored in ClickHouse: the SQLite row without its local `id`. Its text
/// borrows from the SQLite row it is read from (`ship::each_event`), which the
/// shipper encodes straight into the insert.
#[derive(Clone, Debug, Default, PartialEq, Row, Serialize)]
pub struct EventRow<'a> {
    pub event_id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub creator_id: Cow<'a, str>,
    pub event_time: i64,
    pub occurred_at: i64,
    pub sent_at: Option<i64>,
    pub received_at: i64,
    pub page_load_id: Option<Cow<'a, str>>,
    pub seq: Option<i64>,
    pub client: Option<Cow<'a, str>>,
    pub utm_source: Option<Cow<'a, str>>,
    pub utm_medium: Option<Cow<'a, str>>,
    pub utm_campaign: Option<Cow<'a, str>>,
    pub utm_content: Option<Cow<'a, str>>,
    pub utm_term: Option<Cow<'a, str>>,
    #[serde(rename = "ref")]
    pub ref_tag: Option<Cow<'a, str>>,
    pub referrer_host: Option<Cow<'a, str>>,
    pub platform_click_ids: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub locale: Option<Cow<'a, str>>,
    pub time_zone: Option<Cow<'a, str>>,
    pub in_app_browser: Option<Cow<'a, str>>,
    pub promotion_id: Option<Cow<'a, str>>,
    pub popup_id: Option<Cow<'a, str>>,
    pub item_list_id: Option<Cow<'a, str>>,
    pub currency: Option<Cow<'a, str>>,
    pub value: Option<i64>,
    /// 1 when the SQLite row's value was not an integer (a row from before the shared
    /// limits): stats then leave the event out, as they do reading SQLite.
    pub value_unreadable: u8,
    pub coupon: Option<Cow<'a, str>>,
    pub transaction_id: Option<Cow<'a, str>>,
    pub items: Option<Cow<'a, str>>,
    pub click_id: Option<Cow<'a, str>>,
    pub destination_host: Option<Cow<'a, str>>,
    pub affiliate: Option<Cow<'a, str>>,
    pub ver: u64,
}

/// A verified order as stored in ClickHouse.
#[derive(Clone, Debug, Default, PartialEq, Row, Serialize, Deserialize)]
pub struct OrderRow {
    pub provider: String,
    pub order_id: String,
    pub creator_id: Option<String>,
    pub created_at: i64,
    pub received_at: i64,
    pub currency: String,
    pub value: i64,
    pub value_unreadable: u8,
    pub click_id: Option<String>,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub payment_ref: Option<String>,
    pub affiliate: Option<String>,
    pub ver: u64,
}

/// A day whose `event_days` rows are complete: how many rows (`groups`) and events it
/// holds, written after them. `ver` is the time it was counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct DayDone {
    pub day: i64,
    pub groups: u64,
    pub events: u64,
    pub ver: u64,
}

/// A day whose purchases are in `purchase_days` (`groups` rows, `events` purchases)
/// and `unconfirmed_purchases` (`unconfirmed` rows), written after them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct PurchaseDayDone {
    pub day: i64,
    pub groups: u64,
    pub events: u64,
    pub unconfirmed: u64,
    pub ver: u64,
}

/// A provisional count of a day not yet settled (`ch_days::recount`): like [`DayDone`],
/// and the fingerprint of the parts it was counted from (`ch_days::fingerprints`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct RecentDone {
    pub day: i64,
    pub parts: u64,
    pub groups: u64,
    pub events: u64,
    pub ver: u64,
}

/// A provisional count of a day's hours not yet settled (`recent_hours_done`): as
/// [`RecentDone`], whose count it is taken with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct RecentHoursDone {
    pub day: i64,
    pub parts: u64,
    pub groups: u64,
    pub events: u64,
    pub ver: u64,
}

/// A provisional count of the purchases of a day not yet settled
/// (`ch_purchases::recount`): like [`PurchaseDayDone`], and the fingerprint of the parts
/// it was counted from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct RecentPurchasesDone {
    pub day: i64,
    pub parts: u64,
    pub groups: u64,
    pub events: u64,
    pub unconfirmed: u64,
    pub ver: u64,
}

/// A refund as stored in ClickHouse.
#[derive(Clone, Debug, Default, PartialEq, Row, Serialize, Deserialize)]
pub struct RefundRow {
    pub provider: String,
    pub refund_id: String,
    pub order_ref: String,
    pub currency: String,
    pub amount: i64,
    pub amount_unreadable: u8,
    pub created_at: i64,
    pub received_at: i64,
    pub ver: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn settings(cluster: Option<&str>) -> Settings {
        Settings {
            url: "http://127.0.0.1:8123".into(),
            database: "linkshelf".into(),
            cluster: cluster.map(str::to_owned),
            user: "default".into(),
            password: None,
        }
    }

    #[test]
    fn replicated_tables_on_a_cluster_plain_ones_on_one_server() {
        let one = ddl(&settings(None));
        assert!(one
            .iter()
            .all(|(_, sql)| sql.contains("ENGINE = ReplacingMergeTree(ver)") && !sql.contains("ON CLUSTER")));
        let cluster = ddl(&settings(Some("linkshelf")));
        let (_, events) = cluster.iter().find(|(name, _)| *name == "events").expect("events");
        let names: Vec<&str> = cluster.iter().map(|(name, _)| *name).collect();
        assert_eq!(names[..3], ["far_clock", "event_lookup", "events"], "the side tables before events");
        assert!(events.contains("linkshelf.events ON CLUSTER linkshelf ("), "{events}");
        assert!(
            events.contains(
                "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/linkshelf.events_by_name_day', '{replica}', ver)"
            ),
            "{events}"
        );
        assert!(events
            .ends_with("PARTITION BY intDiv(occurred_at - 3600000, 86400000)\nORDER BY (name, occurred_at, event_id)"));
        // As `system.tables` shows them (one line).
        let shown = |ddl: &str| ddl.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(events_layout(&shown(events)), "a table made today passes the start-up check");
        let (_, far) = cluster.iter().find(|(name, _)| *name == "far_clock").expect("far_clock");
        assert!(far_clock_by_day(&shown(far)), "{far}");
        assert!(!far_clock_by_day(
            "CREATE TABLE linkshelf.far_clock (event_time Int64) ENGINE = ReplacingMergeTree(ver) \
             PARTITION BY tuple() ORDER BY (event_time, name, occurred_at, event_id) SETTINGS index_granularity = 8192"
        ));
        for old in [
            "intDiv(occurred_at, 2592000000) ORDER BY (name, occurred_at, event_id)",
            "intDiv(occurred_at, 2592000000) ORDER BY (occurred_at, event_id)",
            "intDiv(occurred_at, 2592000000) ORDER BY event_id",
        ] {
            let create = format!(
                "CREATE TABLE linkshelf.events (event_id String) ENGINE = ReplacingMergeTree(ver) \
                 PARTITION BY {old} SETTINGS index_granularity = 8192"
            );
            assert!(!events_layout(&create), "{create}");
        }
    }

    #[test]
    fn only_events_an_hour_or_more_off_their_device_clock_are_listed_apart() {
        assert!(!far_clock(10_000_000, 10_000_000 - FAR_CLOCK_MS));
        assert!(!far_clock(10_000_000, 10_000_000 + FAR_CLOCK_MS));
        assert!(far_clock(10_000_000, 10_000_000 - FAR_CLOCK_MS - 1));
        assert!(far_clock(10_000_000 + FAR_CLOCK_MS + 1, 10_000_000));
        assert!(far_clock(i64::MAX, i64::MIN), "no overflow at the extremes");
    }

    #[test]
    fn a_time_range_is_read_by_device_time_plus_the_far_clock_list() {
        let sql = event_time_within(100 * DAY, 101 * DAY);
        assert!(sql.starts_with(&format!("(event_time >= {} AND event_time < {}", 100 * DAY, 101 * DAY)), "{sql}");
        assert!(sql.contains(&format!(
            "occurred_at >= {} AND occurred_at < {}",
            100 * DAY - FAR_CLOCK_MS,
            101 * DAY + FAR_CLOCK_MS
        )));
        assert!(sql.contains(&format!(
            "(name, occurred_at) IN (SELECT name, occurred_at FROM far_clock WHERE event_time >= {} AND event_time < {}",
            100 * DAY,
            101 * DAY
        )));
        assert!(event_time_within(i64::MIN, i64::MAX).contains(&format!("occurred_at >= {}", i64::MIN)), "saturates");
    }

    #[test]
    fn the_first_copy_received_has_the_highest_version() {
        assert!(first_wins(1_000) > first_wins(2_000));
        assert_eq!(first_wins(-5), u64::MAX, "a negative time cannot wrap");
    }
}
