//! Stats' day rollup kept in ClickHouse for settled days, so a report over a season
//! reads a few thousand rows per day instead of grouping every event of it again.
//!
//! - **Why**: a report's whole days are added up by one `GROUP BY` over `events FINAL`
//!   (`stats_source::day_groups`), about 2 s per 10^6 events, paid again by every
//!   report. A day whose events can no longer change need be added up only once.
//! - **Which days**: the settled ones. An event can arrive up to 8 days late, so a day
//!   before the last [`SETTLING_DAYS`] whole days is final (retention's rule). Each such
//!   day that has events and is not yet done is grouped (the very query a report runs,
//!   for that day), keyed in Rust by `rollup::row` (the function SQLite's rollup uses),
//!   written into `event_days`, and then marked in `event_days_done` with its number of
//!   rows and events.
//! - **Two collectors** may count the same day: a settled day's events do not change,
//!   so both write identical rows (`ReplacingMergeTree` keeps one per `(day, key)`) and
//!   identical markers. Groups that differ only in what the key leaves out (a path, a
//!   price) are merged here into one row first, as SQLite's upsert does, since the table
//!   would keep only one of them.
//! - **Reading** ([`done_rows`]): a day counts as done only when its marker's row and
//!   event counts match the rows read (on a cluster, the replica asked may have the
//!   marker before the rows); the other days are grouped from the events as before.
//! - **Hours too**: the same rows per UTC hour (`event_hours`, `event_hours_done`),
//!   written from the same groups (the step groups a chunk's events per hour; the day
//!   rows are the hour rows merged, [`per_day`]), so a report to the millisecond reads
//!   its partial days' whole hours rather than grouping them (`stats_source`). A day
//!   done before the hours existed is pending for its hours alone.
//! - **Retention** purges a day's raw events only once it is done here, its days and
//!   its hours (`retention`).
//! - **Days not yet settled** are counted too, provisionally ([`recount`]): each count
//!   under a fingerprint of the parts it read ([`fingerprints`]), used by a report only
//!   while the parts are the same (no row of the day arrived since), dropped once the
//!   day is settled and done ([`drop_settled`]).

use crate::ch_day_memory::{recall, DayMarker, DayMemory};
use crate::clickhouse::{self as ch, ChError, DayDone, RecentDone, RecentHoursDone};
use crate::retention::SETTLING_DAYS;
use crate::stats::rollup::{self, DayRow, PurchaseRow, DAY_MS};
use clickhouse::Row;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// How often the background task looks for newly settled days.
pub const EVERY: Duration = Duration::from_secs(600);
/// Days grouped per query while catching up: a first run over a season of events is
/// many queries, each of which scans the events once.
pub const DAYS_PER_QUERY: usize = 7;
/// How long one of those queries may take (a report's requests wait less): `FINAL` on
/// ClickHouse 18.16 merges the whole table, about 2 s per 10^6 events.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(1800);

#[derive(Debug, thiserror::Error)]
pub enum DaysError {
    #[error("day rollup: {0}")]
    ClickHouse(#[from] ChError),
    #[error("day rollup: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("day rollup: reading the outbox: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("day rollup: the outbox reader failed: {0}")]
    Join(String),
    #[error("day rollup: keying a day group: {0}")]
    Key(#[from] serde_json::Error),
}

/// What a step wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rolled {
    pub days: usize,
    pub rows: usize,
    pub events: u64,
    /// `event_hours` rows written (`recent_hours` for a recount).
    pub hour_rows: usize,
    /// `purchase_days` rows written, and the purchases they count.
    pub purchase_rows: usize,
    pub purchases: u64,
}

/// The first day (days since the epoch) not yet settled at `now_ms`: days before it are
/// final.
pub fn settled_before(now_ms: i64) -> i64 {
    now_ms.div_euclid(DAY_MS) - SETTLING_DAYS
}

/// Consecutive days as `(first_day, end_day)` spans (end exclusive), for one query.
pub fn spans(days: impl IntoIterator<Item = i64>) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for day in days {
        match spans.last_mut() {
            Some(last) if last.1 == day => last.1 = day + 1,
            _ => spans.push((day, day + 1)),
        }
    }
    spans
}

/// SQL for "`event_time` in one of the day spans `spans`" (`(first_day, end_day)` each),
/// through `clickhouse::event_time_within`, which `events`' sorting key answers.
pub fn within_days(spans: &[(i64, i64)]) -> String {
    within(&in_ms(spans))
}

/// Day spans `(first_day, end_day)` as time spans `[from, to)` in ms.
pub fn in_ms(spans: &[(i64, i64)]) -> Vec<(i64, i64)> {
    spans.iter().map(|&(first_day, end_day)| (first_day * DAY_MS, end_day * DAY_MS)).collect()
}

/// SQL for "`event_time` in one of the time spans `spans`" (`[from, to)` each, in ms).
pub fn within(spans: &[(i64, i64)]) -> String {
    let each = spans.iter().map(|&(from, to)| ch::event_time_within(from, to));
    each.collect::<Vec<_>>().join(" OR ")
}

/// The spans of `[first_day, end_day)` without a day of `days` (sorted), found by
/// walking `days`, not the range.
pub fn gaps(first_day: i64, end_day: i64, days: &std::collections::BTreeSet<i64>) -> Vec<(i64, i64)> {
    let mut gaps = Vec::new();
    let mut from = first_day;
    for &day in days.range(first_day..end_day) {
        if from < day {
            gaps.push((from, day));
        }
        from = day + 1;
    }
    if from < end_day {
        gaps.push((from, end_day));
    }
    gaps
}

/// The settled days (before [`settled_before`]) that have events and are not marked
/// done in all of `event_days_done`, `event_hours_done` and `purchase_days_done`,
/// oldest first: retention purges a day's events only once every rollup holds them.
/// Days before 1970 are left alone (no collector stores them).
pub async fn pending(client: &clickhouse::Client, now_ms: i64) -> Result<Vec<i64>, ChError> {
    let (events, hours, purchases) = tokio::try_join!(
        pending_in(client, "event_days_done", now_ms),
        pending_in(client, "event_hours_done", now_ms),
        pending_in(client, "purchase_days_done", now_ms)
    )?;
    let mut days: Vec<i64> = events.into_iter().chain(hours).chain(purchases).collect();
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// The settled days that have events and are not marked in `markers` (a marker table).
async fn pending_in(client: &clickhouse::Client, markers: &str, now_ms: i64) -> Result<Vec<i64>, ChError> {
    ch::timed_within(
        QUERY_TIMEOUT,
        client
            .query(&format!(
                "SELECT intDiv(event_time, 86400000) AS d FROM events
                 WHERE event_time >= 0 AND event_time < ? AND d NOT IN (SELECT day FROM {markers} FINAL)
                 GROUP BY d ORDER BY d"
            ))
            .bind(settled_before(now_ms).saturating_mul(DAY_MS))
            .fetch_all::<i64>(),
    )
    .await
    .map(|mut days| {
        // (18.16 gave `SELECT DISTINCT` duplicates here; the order and uniqueness are
        // what callers rely on, so they are made sure of.)
        days.sort_unstable();
        days.dedup();
        days
    })
}

/// Counts settled days from the events: `days` into `event_days` and `hours` into
/// `event_hours` (a day in both, as a rule; in one only while a collector catches up
/// on a rollup it did not write before), each marked done after its rows,
/// [`DAYS_PER_QUERY`] days at a time; `ver` is the time of the count. One query per
/// chunk groups the events per hour: the hours' rows are those groups keyed, and the
/// days' are the hours' merged ([`per_day`]), so both count the same events alike.
pub async fn roll_days(
    client: &clickhouse::Client,
    days: &[i64],
    hours: &[i64],
    ver: u64,
) -> Result<Rolled, DaysError> {
    let (days, hours): (HashSet<i64>, HashSet<i64>) = (days.iter().copied().collect(), hours.iter().copied().collect());
    let all: std::collections::BTreeSet<i64> = days.union(&hours).copied().collect();
    let all: Vec<i64> = all.into_iter().collect();
    let mut rolled = Rolled::default();
    for chunk in all.chunks(DAYS_PER_QUERY) {
        let groups = crate::stats_source::hour_groups(client, &spans(chunk.iter().copied()), QUERY_TIMEOUT).await?;
        let hourly = keyed(&groups)?;
        let with_hours: Vec<i64> = chunk.iter().copied().filter(|d| hours.contains(d)).collect();
        let hour_rows: Vec<DayRow> = hourly.iter().filter(|r| hours.contains(&r.day)).cloned().collect();
        write(client, ("event_hours", "event_hours_done"), &hour_rows, &with_hours, ver).await?;
        rolled.hour_rows += hour_rows.len();
        let with_days: Vec<i64> = chunk.iter().copied().filter(|d| days.contains(d)).collect();
        let day_rows: Vec<DayRow> = per_day(hourly).into_iter().filter(|r| days.contains(&r.day)).collect();
        write(client, ("event_days", "event_days_done"), &day_rows, &with_days, ver).await?;
        rolled.days += with_days.len();
        rolled.rows += day_rows.len();
        rolled.events += day_rows.iter().map(|r| r.events).sum::<u64>();
    }
    Ok(rolled)
}

/// Writes `rows` into `table` (`event_days` or `event_hours`), then marks each of
/// `days` done in `markers`, with its number of rows and events (none for a day
/// without events: "done, nothing there").
async fn write(
    client: &clickhouse::Client,
    (table, markers): (&str, &str),
    rows: &[DayRow],
    days: &[i64],
    ver: u64,
) -> Result<(), ChError> {
    if days.is_empty() {
        return Ok(());
    }
    // The rows first: a marker promises they are all there.
    if !rows.is_empty() {
        crate::ship::insert(client, table, rows).await?;
    }
    crate::ship::insert(client, markers, &done_markers(rows, days, ver)).await
}

/// The markers of `days` for `rows` (each of one of them): per day, its rows and
/// events.
fn done_markers(rows: &[DayRow], days: &[i64], ver: u64) -> Vec<DayDone> {
    let mut done: BTreeMap<i64, DayDone> =
        days.iter().map(|&day| (day, DayDone { day, groups: 0, events: 0, ver })).collect();
    for r in rows {
        if let Some(d) = done.get_mut(&r.day) {
            d.groups += 1;
            d.events += r.events;
        }
    }
    done.into_values().collect()
}

/// Hour groups keyed into rollup rows by `rollup::row`, one row per hour (its earliest
/// event's) and key: groups alike but for what the key leaves out fold into one, as
/// SQLite's upsert folds them (a table keyed by `(hour, key)` would keep only one of
/// them).
fn keyed(groups: &[crate::stats_source::DayGroup]) -> Result<Vec<DayRow>, serde_json::Error> {
    let rows = groups.iter().map(|g| rollup::row(&g.event(), g.first_time, g.events)).collect::<Result<Vec<_>, _>>()?;
    Ok(merged(rows, |row| row.first_time.div_euclid(rollup::HOUR_MS)))
}

/// Hour rows (of [`keyed`]) merged into one row per day and key: what keying the same
/// events grouped per day gives (a row's key does not depend on its time, its day is
/// its earliest event's, and its events add up).
fn per_day(hourly: Vec<DayRow>) -> Vec<DayRow> {
    merged(hourly, |row| row.day)
}

/// `rows` merged into one per `unit` (a row's day or hour) and key (`DayRow::merge`),
/// in that order.
fn merged(rows: Vec<DayRow>, unit: impl Fn(&DayRow) -> i64) -> Vec<DayRow> {
    let mut merged: BTreeMap<(i64, [u8; 16]), DayRow> = BTreeMap::new();
    for row in rows {
        match merged.entry((unit(&row), row.key)) {
            std::collections::btree_map::Entry::Occupied(mut r) => r.get_mut().merge(&row),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(row);
            }
        }
    }
    merged.into_values().collect()
}

/// One step: every settled day at `now_ms` that has events and is not done yet (its
/// events in `event_days`, its purchases in `purchase_days`), but none from the day of
/// `unshipped_from` on (the oldest event this collector has not shipped yet,
/// [`oldest_unshipped`]): a file with a season of events shipped for the first time
/// must not have its old days counted half-way.
pub async fn step(client: &clickhouse::Client, now_ms: i64, unshipped_from: Option<i64>) -> Result<Rolled, DaysError> {
    let (mut events, mut hours, mut purchases) = tokio::try_join!(
        pending_in(client, "event_days_done", now_ms),
        pending_in(client, "event_hours_done", now_ms),
        pending_in(client, "purchase_days_done", now_ms)
    )?;
    if let Some(t) = unshipped_from {
        for days in [&mut events, &mut hours, &mut purchases] {
            days.retain(|&day| day < t.div_euclid(DAY_MS));
        }
    }
    let ver = now_ms.max(0) as u64;
    let mut rolled = roll_days(client, &events, &hours, ver).await?;
    let bought = crate::ch_purchases::roll_purchase_days(client, &purchases, ver).await?;
    let mut days: Vec<i64> = events.into_iter().chain(hours).chain(purchases).collect();
    days.sort_unstable();
    days.dedup();
    rolled.days = days.len();
    rolled.purchase_rows = bought.purchase_rows;
    rolled.purchases = bought.purchases;
    Ok(rolled)
}

/// The time of the oldest event in this collector's file not yet shipped to ClickHouse
/// (`None`: everything is there). Read by id past the shipper's cursor: few rows, as a
/// rule.
pub async fn oldest_unshipped(db: &std::path::Path) -> Result<Option<i64>, DaysError> {
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Option<i64>, DaysError> {
        use rusqlite::OptionalExtension;
        let conn = crate::store::open_reader(&db)?;
        let shipped: i64 = conn
            .query_row(
                "SELECT last_id FROM forward_cursor WHERE target = ?1",
                [crate::ship::Table::Events.shipped_cursor()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok(conn.query_row("SELECT min(event_time) FROM events WHERE id > ?1", [shipped], |r| r.get(0))?)
    })
    .await
    .map_err(|e| DaysError::Join(e.to_string()))?
}

/// A row of `event_days` without its texts: what a report reads of each row. The texts
/// are the same for every row of a key (they are what the key is made of), so they
/// come once per key ([`DoneDays::texts`]): a season's 406,000 rows at 10^7 events were
/// 58 MB read in full, about 0.5 s, most of it the texts.
#[derive(Clone, Debug, PartialEq, Eq, Row, serde::Deserialize)]
pub struct DayCount {
    pub day: i64,
    pub key: [u8; 16],
    pub first_time: i64,
    pub events: u64,
}

/// What `event_days` (or `purchase_days`: `T` is then `PurchaseRow`) holds complete of
/// a range of days.
#[derive(Clone, Debug)]
pub struct DoneDays<T = DayRow> {
    /// The rows of the done days.
    pub counts: Vec<DayCount>,
    /// For each key of those rows, one row with its texts (its day, time and events
    /// are not those of any one day).
    pub texts: foldhash::HashMap<[u8; 16], T>,
    pub days: HashSet<i64>,
}

impl<T> Default for DoneDays<T> {
    fn default() -> Self {
        DoneDays { counts: Vec::new(), texts: Default::default(), days: HashSet::new() }
    }
}

/// A rollup row read once per key for its texts ([`counted_rows`]).
pub trait Texts: clickhouse::RowOwned + clickhouse::RowRead + Send {
    /// The columns to read, in the row's field order, of one row per key (`LIMIT 1 BY
    /// key`: the texts are the same on every row of a key, and the row's own day, time
    /// and events are not read: each day's come from its count).
    const COLUMNS: &'static str;
    fn key(&self) -> [u8; 16];
}

impl Texts for DayRow {
    const COLUMNS: &'static str = "day, key, name, creator_id, affiliate, utm_source, utm_medium, utm_campaign,
       utm_content, coupon, promotion_id, products, exclusion, first_time, events";
    fn key(&self) -> [u8; 16] {
        self.key
    }
}

impl Texts for PurchaseRow {
    const COLUMNS: &'static str = "day, key, creator_id, affiliate, utm_source, utm_medium, utm_campaign,
       utm_content, coupon, products, exclusion, currency, value, shares, confirmed, first_time, events";
    fn key(&self) -> [u8; 16] {
        self.key
    }
}

/// The rows of the days in `[first_day, end_day)` that `event_days` holds complete:
/// [`markers`], then [`rows_of`].
pub async fn done_rows(client: &clickhouse::Client, first_day: i64, end_day: i64) -> Result<DoneDays, ChError> {
    let markers = markers(client, first_day, end_day).await?;
    rows_of(client, &markers, None).await
}

/// The days in `[first_day, end_day)` marked done in `event_days_done`: a few bytes per
/// day, so a report knows which days to group from the events before their rows come.
pub async fn markers(client: &clickhouse::Client, first_day: i64, end_day: i64) -> Result<Vec<DayDone>, ChError> {
    markers_in(client, "event_days_done", first_day, end_day).await
}

/// The days in `[first_day, end_day)` whose hours are marked done in
/// `event_hours_done` (as [`markers`]).
pub async fn hour_markers(client: &clickhouse::Client, first_day: i64, end_day: i64) -> Result<Vec<DayDone>, ChError> {
    markers_in(client, "event_hours_done", first_day, end_day).await
}

async fn markers_in(
    client: &clickhouse::Client,
    table: &str,
    first_day: i64,
    end_day: i64,
) -> Result<Vec<DayDone>, ChError> {
    ch::timed(
        client
            .query(&format!("SELECT ?fields FROM {table} FINAL WHERE day >= ? AND day < ?"))
            .bind(first_day)
            .bind(end_day)
            .fetch_all::<DayDone>(),
    )
    .await
}

/// The `event_hours` rows of the days `markers` mark done (see [`counted_rows`]: a day
/// counts only when all its hours' rows came), every hour of them: each count's
/// `first_time` tells its hour.
pub async fn hour_rows_of(client: &clickhouse::Client, markers: &[DayDone]) -> Result<DoneDays, ChError> {
    if markers.is_empty() {
        return Ok(DoneDays::default());
    }
    let expected = markers.iter().map(|m| (m.day, (m.groups, m.events))).collect();
    counted_rows(client, "event_hours", &days_in(markers.iter().map(|m| m.day)), &expected).await
}

/// The `recent_hours` rows of the provisional counts `markers` (as [`hour_rows_of`]).
pub async fn recent_hour_rows_of(
    client: &clickhouse::Client,
    markers: &[RecentHoursDone],
) -> Result<DoneDays, ChError> {
    if markers.is_empty() {
        return Ok(DoneDays::default());
    }
    let expected = markers.iter().map(|m| (m.day, (m.groups, m.events))).collect();
    counted_rows(client, "recent_hours", &parts_in(markers.iter().map(|m| (m.day, m.parts))), &expected).await
}

/// The rows of the days `markers` mark done (see [`counted_rows`]): those `memory`
/// holds under the same marker from there, the others read (and remembered).
pub async fn rows_of(
    client: &clickhouse::Client,
    markers: &[DayDone],
    memory: Option<&DayMemory<DayDone, DayRow>>,
) -> Result<DoneDays, ChError> {
    let days = |markers: &[DayDone]| days_in(markers.iter().map(|m| m.day));
    recalled_or_counted(client, "event_days", (markers, days, |m| (m.groups, m.events)), memory).await
}

/// The rows of the days of `markers` in `table` (see [`counted_rows`]; `condition` says
/// where some markers' rows are, `counts` how many rows and events a marker says), from
/// `memory` where it holds them under the same marker, the others read and remembered.
async fn recalled_or_counted<M: DayMarker>(
    client: &clickhouse::Client,
    table: &str,
    (markers, condition, counts): (&[M], impl Fn(&[M]) -> String, impl Fn(&M) -> (u64, u64)),
    memory: Option<&DayMemory<M, DayRow>>,
) -> Result<DoneDays, ChError> {
    let (mut done, missing) = recall(memory, markers);
    if !missing.is_empty() {
        let expected = missing.iter().map(|m| (m.day(), counts(m))).collect();
        let read = counted_rows(client, table, &condition(&missing), &expected).await?;
        if let Some(memory) = memory {
            memory.remember(&missing, &read);
        }
        done.extend(read);
    }
    Ok(done)
}

/// SQL for "`day` is one of `days`" (not empty). ClickHouse finds a set of keys by
/// the sorting key as it does a range, and the days a memory lacks need not be one run.
pub fn days_in(days: impl IntoIterator<Item = i64>) -> String {
    let days: Vec<String> = days.into_iter().map(|d| d.to_string()).collect();
    format!("day IN ({})", days.join(", "))
}

/// The rows of `table` (`event_days` or `recent_days`) where `condition` holds, for the
/// days of `expected` (day → its marker's rows and events). A day counts only when the
/// rows read match its marker (a replica may have received the marker before the
/// rows), and when every key of its rows came with its texts (a day counted between
/// the reads may lack them): the caller groups the other days from the events.
pub async fn counted_rows<T: Texts>(
    client: &clickhouse::Client,
    table: &str,
    condition: &str,
    expected: &HashMap<i64, (u64, u64)>,
) -> Result<DoneDays<T>, ChError> {
    let counts = ch::timed(
        client.query(&format!("SELECT ?fields FROM {table} FINAL WHERE {condition}")).fetch_all::<DayCount>(),
    );
    // (The rows are read by position.) Without `FINAL`: every row of a key has the key's
    // texts (the key is their hash), so copies not yet merged change nothing read here,
    // and `FINAL` made this the dearest read of a season's report (81 days' 406,000 rows
    // at 10^7 events: 0.23–0.43 s with it, 0.06–0.11 s without).
    // `LIMIT 1 BY key` rather than `GROUP BY key` with `any()` of every column: the same
    // rows, in 60 % of the time (20 days of `event_days` at 10^8 events, 101,760 rows of
    // 5,088 keys: 0.033-0.049 s -> 0.019-0.026 s alone, and a 30-day report reads four).
    let texts = ch::timed(
        client.query(&format!("SELECT {} FROM {table} WHERE {condition} LIMIT 1 BY key", T::COLUMNS)).fetch_all::<T>(),
    );
    let (counts, texts) = tokio::try_join!(counts, texts)?;
    let texts: foldhash::HashMap<[u8; 16], T> = texts.into_iter().map(|r| (r.key(), r)).collect();
    let mut found: std::collections::HashMap<i64, (u64, u64)> = std::collections::HashMap::new();
    let mut lacking: HashSet<i64> = HashSet::new();
    for c in &counts {
        let f = found.entry(c.day).or_default();
        f.0 += 1;
        f.1 += c.events;
        if !texts.contains_key(&c.key) {
            lacking.insert(c.day);
        }
    }
    let days: HashSet<i64> = expected
        .iter()
        .filter(|(day, want)| found.get(day).copied().unwrap_or_default() == **want && !lacking.contains(day))
        .map(|(day, _)| *day)
        .collect();
    let counts = counts.into_iter().filter(|c| days.contains(&c.day)).collect();
    Ok(DoneDays { counts, texts, days })
}

impl<T> DoneDays<T> {
    /// Both reads' days together (their days are apart: a day is read from one table).
    pub fn extend(&mut self, other: DoneDays<T>) {
        self.counts.extend(other.counts);
        self.texts.extend(other.texts);
        self.days.extend(other.days);
    }
}

// Days not yet settled. A count of such a day holds only while no row of the day has
// arrived since, and grouping a day at 10^8 events took about 1.4 s (a 7-day report
// grouped all of them again). ClickHouse says for free whether rows arrived: a
// partition's active parts are renamed by every insert into it (and by merges, which
// only cost a needless recount). So each collector counts these days in the background
// too ([`recount`]), into `recent_days` under a fingerprint of the parts the count read
// ([`partitions_of`]), and a report uses a count whose fingerprint is the parts' now
// ([`recent_markers`]); the others it groups from the events as before.

/// The partitions a count of `day` reads, as `system.parts` names them (`(table,
/// partition_id)`): the two `events` partitions a day's events are in
/// (`clickhouse::day_partition`: the last two hours of the day before's and the day's
/// own), those of the events listed in `far_clock` for the day (`far`: their
/// partitions), and `far_clock`'s partition of the day. (A new copy of one of those far
/// events changes its partition; one whose corrected time falls on another day changes
/// that day's `far_clock` partition.) Days before 1970 are not asked for (`recount`'s
/// days start later), so the partition arithmetic is that of positive times, where
/// ClickHouse's `intDiv` and `div_euclid` agree.
pub fn partitions_of(day: i64, far: &[i64]) -> Vec<(&'static str, String)> {
    let events_partition = |time: i64| (time - ch::FAR_CLOCK_MS).div_euclid(DAY_MS);
    let (from, to) = (day * DAY_MS, (day + 1) * DAY_MS);
    let mut events: Vec<i64> = far.to_vec();
    events.extend([events_partition(from - ch::FAR_CLOCK_MS), events_partition(to + ch::FAR_CLOCK_MS - 1)]);
    events.sort_unstable();
    events.dedup();
    let mut partitions = vec![("far_clock", day.to_string())];
    partitions.extend(events.into_iter().map(|p| ("events", p.to_string())));
    partitions
}

/// The fingerprint of `partitions` ([`partitions_of`] one or more days): a hash of the
/// sorted names of their active parts (`parts`: `(table, partition_id, name)` each).
/// The same names on another replica are the same data: replicated parts are named by
/// the blocks they hold.
pub fn fingerprint(partitions: &[(&str, String)], parts: &[(String, String, String)]) -> u64 {
    use sha2::Digest;
    let mut names: Vec<String> = parts
        .iter()
        .filter(|(table, partition, _)| partitions.iter().any(|(t, p)| t == table && p == partition))
        .map(|(table, _, name)| format!("{table}/{name}"))
        .collect();
    names.sort_unstable();
    let digest = sha2::Sha256::digest(names.join(" ").as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The parts of `events` and `far_clock` now, as far as fingerprints of some days need
/// them: read once for all of them (twelve scalar subqueries over `system.parts`, one
/// per day, took 0.3–0.9 s of a report at 10^8 events on a busy machine).
#[derive(Clone, Debug, Default)]
pub struct Parts {
    /// The active parts: `(table, partition_id, name)`.
    names: Vec<(String, String, String)>,
    /// Per day, the partitions of its events listed in `far_clock`.
    far: HashMap<i64, Vec<i64>>,
}

impl Parts {
    /// The parts now, for fingerprints of days within `days`.
    pub async fn read(client: &clickhouse::Client, days: std::ops::RangeInclusive<i64>) -> Result<Parts, ChError> {
        let names = ch::timed(
            client
                .query(
                    "SELECT table, partition_id, name FROM system.parts
                     WHERE database = currentDatabase() AND active AND table IN ('events', 'far_clock')",
                )
                .fetch_all::<(String, String, String)>(),
        );
        let far = ch::timed(
            client
                .query(&format!(
                    "SELECT DISTINCT intDiv(event_time, {DAY_MS}), {} FROM far_clock WHERE event_time >= ? AND event_time < ?",
                    ch::day_partition("occurred_at")
                ))
                .bind(days.start().saturating_mul(DAY_MS))
                .bind(days.end().saturating_add(1).saturating_mul(DAY_MS))
                .fetch_all::<(i64, i64)>(),
        );
        let (names, far_days) = tokio::try_join!(names, far)?;
        let mut far: HashMap<i64, Vec<i64>> = HashMap::new();
        for (day, partition) in far_days {
            far.entry(day).or_default().push(partition);
        }
        Ok(Parts { names, far })
    }

    /// The fingerprint of the parts a count reading the events of `days` reads.
    pub fn fingerprint(&self, days: std::ops::RangeInclusive<i64>) -> u64 {
        let partitions: Vec<(&str, String)> =
            days.flat_map(|day| partitions_of(day, self.far.get(&day).map_or(&[][..], Vec::as_slice))).collect();
        fingerprint(&partitions, &self.names)
    }
}

/// The fingerprints of `days` (sorted) now, in their order: each of the parts of the
/// day and of the `reach` days before it (the days a count of it reads).
pub async fn fingerprints(client: &clickhouse::Client, days: &[i64], reach: i64) -> Result<Vec<u64>, ChError> {
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Ok(Vec::new());
    };
    let parts = Parts::read(client, first.saturating_sub(reach)..=last).await?;
    Ok(days.iter().map(|&day| parts.fingerprint(day.saturating_sub(reach)..=day)).collect())
}

/// The days not yet settled at `now_ms`, from the first day after the settled ones to
/// today: what [`recount`] counts.
pub fn settling(now_ms: i64) -> std::ops::Range<i64> {
    settled_before(now_ms).max(1)..now_ms.div_euclid(DAY_MS) + 1
}

/// The marker of a provisional count (`recent_days_done`, `recent_purchases_done`): its
/// day and the fingerprint of the parts it read.
pub trait RecentMarker: clickhouse::RowOwned + clickhouse::RowRead + Send {
    /// The markers' table.
    const TABLE: &'static str;
    /// How many days before its own a count reads, so its fingerprint covers
    /// ([`fingerprints`]).
    const REACH: i64;
    fn day(&self) -> i64;
    fn parts(&self) -> u64;
}

impl RecentMarker for RecentDone {
    const TABLE: &'static str = "recent_days_done";
    const REACH: i64 = 0;
    fn day(&self) -> i64 {
        self.day
    }
    fn parts(&self) -> u64 {
        self.parts
    }
}

impl RecentMarker for RecentHoursDone {
    const TABLE: &'static str = "recent_hours_done";
    const REACH: i64 = 0;
    fn day(&self) -> i64 {
        self.day
    }
    fn parts(&self) -> u64 {
        self.parts
    }
}

/// The provisional counts of days in `[first_day, end_day)` that still hold at `now_ms`:
/// their fingerprint is that of the parts there now. Only days from two before the
/// settling ones are looked at (a day that has just settled keeps its count until the
/// settled days' step, minutes later, has rolled it up), so the fingerprints are asked
/// for alongside the markers rather than after them.
pub async fn recent_markers<M: RecentMarker>(
    client: &clickhouse::Client,
    first_day: i64,
    end_day: i64,
    now_ms: i64,
) -> Result<Vec<M>, ChError> {
    let settling = settling(now_ms);
    let days: Vec<i64> = (first_day.max(settling.start - 2)..end_day.min(settling.end)).collect();
    Ok(holding(client, &days).await?.0)
}

/// The provisional counts of `days` (consecutive) that still hold, and each day's
/// fingerprint now.
pub async fn holding<M: RecentMarker>(
    client: &clickhouse::Client,
    days: &[i64],
) -> Result<(Vec<M>, Vec<u64>), ChError> {
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let markers = ch::timed(
        client
            .query(&format!("SELECT ?fields FROM {} FINAL WHERE day >= ? AND day <= ?", M::TABLE))
            .bind(first)
            .bind(last)
            .fetch_all::<M>(),
    );
    let (mut markers, now) = tokio::try_join!(markers, fingerprints(client, days, M::REACH))?;
    let by_day: HashMap<i64, u64> = days.iter().copied().zip(now.iter().copied()).collect();
    markers.retain(|m| by_day.get(&m.day()) == Some(&m.parts()));
    Ok((markers, now))
}

/// The days not yet settled at `now_ms` ([`settling`]) whose provisional count (`M`)
/// no longer holds (or was never taken), each with its fingerprint now: what a recount
/// counts.
pub async fn stale<M: RecentMarker>(client: &clickhouse::Client, now_ms: i64) -> Result<Vec<(i64, u64)>, ChError> {
    let days: Vec<i64> = settling(now_ms).collect();
    let (held, now) = holding::<M>(client, &days).await?;
    let held: HashSet<(i64, u64)> = held.iter().map(|m| (m.day(), m.parts())).collect();
    Ok(days.into_iter().zip(now).filter(|pair| !held.contains(pair)).collect())
}

/// Whether the parts a count (`M`) of `day` reads are still those `parts` fingerprints:
/// no row arrived while counting it.
pub async fn unchanged<M: RecentMarker>(client: &clickhouse::Client, day: i64, parts: u64) -> Result<bool, ChError> {
    Ok(fingerprints(client, &[day], M::REACH).await?.first() == Some(&parts))
}

/// The rows of the provisional counts `markers` (see [`counted_rows`]), from `memory`
/// where it holds them under the same marker (as [`rows_of`]).
pub async fn recent_rows_of(
    client: &clickhouse::Client,
    markers: &[RecentDone],
    memory: Option<&DayMemory<RecentDone, DayRow>>,
) -> Result<DoneDays, ChError> {
    let pairs = |markers: &[RecentDone]| parts_in(markers.iter().map(|m| (m.day, m.parts)));
    recalled_or_counted(client, "recent_days", (markers, pairs, |m| (m.groups, m.events)), memory).await
}

/// SQL for "`(day, parts)` is one of `pairs`" (not empty): the provisional counts of
/// those days taken from those parts.
pub fn parts_in(pairs: impl IntoIterator<Item = (i64, u64)>) -> String {
    let pairs: Vec<String> = pairs.into_iter().map(|(day, parts)| format!("({day}, {parts})")).collect();
    format!("(day, parts) IN ({})", pairs.join(", "))
}

/// A row of `recent_days`: a `DayRow` counted from the parts `parts` fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Row, serde::Serialize)]
struct RecentRow {
    day: i64,
    parts: u64,
    key: [u8; 16],
    name: String,
    creator_id: String,
    affiliate: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    coupon: Option<String>,
    promotion_id: Option<String>,
    products: String,
    exclusion: Option<String>,
    first_time: i64,
    events: u64,
    ver: u64,
}

impl RecentRow {
    /// (Its columns are `DayRow`'s, in order, with `parts` and `ver`: a test holds them
    /// to it.)
    fn new(r: DayRow, parts: u64, ver: u64) -> Self {
        RecentRow {
            day: r.day,
            parts,
            key: r.key,
            name: r.name,
            creator_id: r.creator_id,
            affiliate: r.affiliate,
            utm_source: r.utm_source,
            utm_medium: r.utm_medium,
            utm_campaign: r.utm_campaign,
            utm_content: r.utm_content,
            coupon: r.coupon,
            promotion_id: r.promotion_id,
            products: r.products,
            exclusion: r.exclusion,
            first_time: r.first_time,
            events: r.events,
            ver,
        }
    }
}

/// Counts each day not yet settled at `now_ms` ([`settling`]) whose parts changed since
/// its last count (of its days' or its hours' rows), into `recent_days` and
/// `recent_hours` under the fingerprint of its parts, and marks it in
/// `recent_days_done` and `recent_hours_done`: one query grouping the day's events per
/// hour, as [`roll_days`]. A count is kept only if the fingerprint after it is the one
/// before (no row arrived while counting; otherwise the next step counts again). Every
/// count is written, even of a day without events (its marker says "none", which a
/// report then need not look for). `ver` is the time of the count.
pub async fn recount(client: &clickhouse::Client, now_ms: i64) -> Result<Rolled, DaysError> {
    let ver = now_ms.max(0) as u64;
    let mut rolled = Rolled::default();
    let (days, hours) =
        tokio::try_join!(stale::<RecentDone>(client, now_ms), stale::<RecentHoursDone>(client, now_ms))?;
    // (Both fingerprint the same parts of a day: a day stale in one is stale now.)
    let stale: BTreeMap<i64, u64> = days.into_iter().chain(hours).collect();
    for (day, parts) in stale {
        let groups = crate::stats_source::hour_groups(client, &[(day, day + 1)], QUERY_TIMEOUT).await?;
        if !unchanged::<RecentDone>(client, day, parts).await? {
            tracing::debug!(day, "day rollup: rows arrived while counting a recent day; counting it next time");
            continue;
        }
        let hourly = keyed(&groups)?;
        let hour_rows: Vec<RecentRow> = hourly.iter().map(|r| RecentRow::new(r.clone(), parts, ver)).collect();
        let rows: Vec<RecentRow> = per_day(hourly).into_iter().map(|r| RecentRow::new(r, parts, ver)).collect();
        let (groups, events) = (hour_rows.len() as u64, hour_rows.iter().map(|r| r.events).sum());
        let hours_marker = RecentHoursDone { day, parts, groups, events, ver };
        let marker = RecentDone { day, parts, groups: rows.len() as u64, events, ver };
        // The rows first: a marker promises they are all there.
        for (table, rows) in [("recent_hours", &hour_rows), ("recent_days", &rows)] {
            if !rows.is_empty() {
                crate::ship::insert(client, table, rows).await?;
            }
        }
        crate::ship::insert(client, "recent_hours_done", std::slice::from_ref(&hours_marker)).await?;
        crate::ship::insert(client, "recent_days_done", std::slice::from_ref(&marker)).await?;
        rolled.days += 1;
        rolled.rows += rows.len();
        rolled.hour_rows += hour_rows.len();
        rolled.events += marker.events;
    }
    Ok(rolled)
}

/// Drops the provisional counts of days now settled and rolled up (`event_days_done`
/// marks them; `event_hours_done` for the hours' counts, `purchase_days_done` for the
/// purchases'), and of days before
/// those a report still looks at (`recent_markers`: a day without events is never
/// marked done): a day's counts are a partition of their own. Returns the days dropped.
pub async fn drop_settled(client: &clickhouse::Client, now_ms: i64) -> Result<Vec<i64>, ChError> {
    let mut days = Vec::new();
    for (tables, done) in [
        ("'recent_days', 'recent_days_done'", "event_days_done"),
        ("'recent_hours', 'recent_hours_done'", "event_hours_done"),
        ("'recent_purchases', 'recent_unconfirmed', 'recent_purchases_done'", "purchase_days_done"),
    ] {
        let parts: Vec<(String, i64)> = ch::timed(
            client
                .query(&format!(
                    "SELECT DISTINCT table, toInt64(partition_id) AS day FROM system.parts
                     WHERE database = currentDatabase() AND table IN ({tables}) AND active
                       AND (day < ? OR day IN (SELECT day FROM {done}))"
                ))
                .bind(settling(now_ms).start - 2)
                .fetch_all(),
        )
        .await?;
        for (table, day) in parts {
            ch::timed(client.query(&format!("ALTER TABLE {table} DROP PARTITION {day}")).execute()).await?;
            days.push(day);
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// Runs [`step`], [`drop_settled`], [`recount`], `ch_purchases::recount`,
/// `ch_picks::step` and `ch_recent_picks::step` (for the attribution window
/// `window_ms`) every `every` (the first a
/// few seconds after start), making the tables first if the shipper has not yet.
pub async fn run(db: std::path::PathBuf, settings: ch::Settings, every: Duration, window_ms: i64) {
    tokio::time::sleep(Duration::from_secs(5).min(every)).await;
    loop {
        let result = async {
            let client = ch::prepare(&settings).await?;
            let unshipped = oldest_unshipped(&db).await?;
            let settled = step(&client, crate::server::now_ms(), unshipped).await?;
            if settled.days > 0 {
                tracing::info!(
                    days = settled.days,
                    rows = settled.rows,
                    hour_rows = settled.hour_rows,
                    events = settled.events,
                    "day rollup: settled days written"
                );
            }
            let dropped = drop_settled(&client, crate::server::now_ms()).await?;
            if !dropped.is_empty() {
                tracing::debug!(?dropped, "day rollup: provisional counts of settled days dropped");
            }
            let events = recount(&client, crate::server::now_ms()).await?;
            let purchases = crate::ch_purchases::recount(&client, crate::server::now_ms()).await?;
            // Last: the counts above do not wait on a first pick of a season's orders
            // (30 s at 10^8), nor stop when a pick fails.
            let picked = crate::ch_picks::step(&client, crate::server::now_ms(), window_ms, unshipped).await?;
            if picked > 0 {
                tracing::info!(orders = picked, "day rollup: settled orders' checkouts picked");
            }
            let now = crate::server::now_ms();
            // Its own log line: the counts and settled picks above are written whether
            // or not a batch is, and a report joins the orders of a failed batch live.
            match crate::ch_recent_picks::step(&client, now, window_ms, unshipped).await {
                Ok(Some(picked)) => tracing::debug!(orders = picked, "day rollup: recent orders' checkouts picked"),
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    error = %e,
                    "recent orders' checkouts not picked; reports keep the last batch and join the orders since live"
                ),
            }
            Ok::<_, DaysError>(Rolled {
                days: events.days.max(purchases.days),
                purchase_rows: purchases.purchase_rows,
                purchases: purchases.purchases,
                ..events
            })
        }
        .await;
        match result {
            Ok(r) if r.days > 0 => tracing::debug!(
                days = r.days,
                rows = r.rows,
                events = r.events,
                purchase_rows = r.purchase_rows,
                purchases = r.purchases,
                "day rollup: recent days counted"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "day rollup failed; reports group those days from the events"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_groups_key_into_hour_rows_whose_days_are_the_days_rows() {
        use crate::stats_source::DayGroup;
        let h = rollup::HOUR_MS;
        let day0 = 20_000 * DAY_MS;
        let view = |path: &str, time: i64, events: u64| DayGroup {
            name: "page_view".into(),
            creator_id: "juno".into(),
            utm_source: Some("tiktok".into()),
            path: Some(path.into()),
            first_time: time,
            events,
            ..DayGroup::default()
        };
        // Alike but for the path (which the key leaves out) in one hour: one row.
        let groups = [
            view("/", day0 + 10 * h + 300_000, 3),
            view("/about/", day0 + 10 * h + 60_000, 2),
            view("/", day0 + 13 * h, 4),
            view("/", day0 + DAY_MS, 1),
        ];
        let hourly = keyed(&groups).expect("keyed");
        let summary = |rows: &[DayRow]| rows.iter().map(|r| (r.day, r.first_time, r.events)).collect::<Vec<_>>();
        let want = [(20_000, day0 + 10 * h + 60_000, 5), (20_000, day0 + 13 * h, 4), (20_001, day0 + DAY_MS, 1)];
        assert_eq!(summary(&hourly), want);
        assert!(hourly.iter().all(|r| r.key == hourly[0].key), "one key");
        let daily = per_day(hourly.clone());
        assert_eq!(summary(&daily), [(20_000, day0 + 10 * h + 60_000, 9), (20_001, day0 + DAY_MS, 1)]);
        // As the same events grouped per day key.
        let whole = rollup::row(&groups[0].event(), day0 + 10 * h + 60_000, 9).expect("row");
        assert_eq!(daily[0], whole);
        // Markers: each day's rows and events, and a day without any marked "none".
        let markers = done_markers(&hourly, &[20_000, 20_001, 20_002], 7);
        let summary: Vec<(i64, u64, u64)> = markers.iter().map(|m| (m.day, m.groups, m.events)).collect();
        assert_eq!(summary, [(20_000, 2, 9), (20_001, 1, 1), (20_002, 0, 0)]);
    }

    #[test]
    fn consecutive_days_make_one_span() {
        assert_eq!(spans([3, 4, 5, 8, 10, 11]), [(3, 6), (8, 9), (10, 12)]);
        assert_eq!(spans([]), []);
    }

    #[test]
    fn the_days_counted_provisionally_are_the_settling_ones_and_today() {
        let now = 100 * DAY_MS + 5;
        assert_eq!(settling(now), 100 - SETTLING_DAYS..101);
        assert_eq!(settling(3 * DAY_MS), 1..4, "never before day 1 (the partition arithmetic is of positive times)");
    }

    #[test]
    fn a_days_fingerprint_covers_the_partitions_its_events_can_be_in() {
        // Day 100's events: the shifted partitions 99 (its last two hours hold day 100's
        // first hour, by device time) and 100, and 97 for an event whose device clock
        // was days off; day 100 of `far_clock`.
        let partitions = partitions_of(100, &[97]);
        let want = [("far_clock", "100"), ("events", "97"), ("events", "99"), ("events", "100")];
        assert_eq!(partitions, want.map(|(t, p)| (t, p.to_owned())));
        let part = |table: &str, partition: &str, name: &str| (table.to_owned(), partition.to_owned(), name.to_owned());
        let mut parts = vec![
            part("events", "99", "99_1_1_0"),
            part("events", "100", "100_2_2_0"),
            part("far_clock", "100", "100_1_1_0"),
        ];
        let before = fingerprint(&partitions_of(100, &[]), &parts);
        assert_eq!(
            before,
            fingerprint(&partitions_of(100, &[]), &parts.iter().rev().cloned().collect::<Vec<_>>()),
            "in any order"
        );
        parts.push(part("events", "101", "101_3_3_0"));
        parts.push(part("far_clock", "101", "101_2_2_0"));
        assert_eq!(fingerprint(&partitions_of(100, &[]), &parts), before, "the next day's rows leave it as it was");
        parts.push(part("events", "100", "100_4_4_0"));
        let after = fingerprint(&partitions_of(100, &[]), &parts);
        assert_ne!(after, before, "a row of the day arrived");
        parts.push(part("events", "97", "97_5_5_0"));
        assert_eq!(fingerprint(&partitions_of(100, &[]), &parts), after);
        assert_ne!(
            fingerprint(&partitions_of(100, &[97]), &parts),
            after,
            "a far event's partition counts once it is listed"
        );
    }

    #[test]
    fn a_fingerprint_of_several_days_changes_with_any_of_them() {
        let part = |table: &str, partition: i64, name: &str| (table.to_owned(), partition.to_string(), name.to_owned());
        let mut parts = Parts {
            names: vec![part("events", 95, "95_1_1_0"), part("events", 100, "100_2_2_0")],
            far: HashMap::from([(96, vec![90])]),
        };
        let (week, day) = (parts.fingerprint(94..=100), parts.fingerprint(100..=100));
        parts.names.push(part("events", 95, "95_3_3_0"));
        assert_ne!(parts.fingerprint(94..=100), week, "a row of day 95 arrived");
        assert_eq!(parts.fingerprint(100..=100), day, "which day 100 alone does not read");
        let week = parts.fingerprint(94..=100);
        parts.names.push(part("events", 90, "90_4_4_0"));
        assert_ne!(parts.fingerprint(94..=100), week, "day 96's far events are read from partition 90");
        let week = parts.fingerprint(94..=100);
        parts.names.push(part("events", 101, "101_5_5_0"));
        parts.names.push(part("far_clock", 93, "93_6_6_0"));
        assert_eq!(parts.fingerprint(94..=100), week, "the days around it leave it as it was");
    }

    #[test]
    fn a_recent_row_is_a_day_row_with_its_parts_and_version() {
        let recent: Vec<&str> =
            <RecentRow as Row>::COLUMN_NAMES.iter().copied().filter(|c| !["parts", "ver"].contains(c)).collect();
        assert_eq!(recent, <DayRow as Row>::COLUMN_NAMES);
    }

    #[test]
    fn the_days_between_counted_ones_are_found_without_walking_the_range() {
        let days: std::collections::BTreeSet<i64> = [3, 4, 7, 12].into();
        assert_eq!(gaps(2, 10, &days), [(2, 3), (5, 7), (8, 10)]);
        assert_eq!(gaps(3, 5, &days), []);
        assert_eq!(gaps(0, 3, &Default::default()), [(0, 3)]);
        // A range of ten billion days: as fast as any other.
        assert_eq!(gaps(0, 10_000_000_000, &days), [(0, 3), (5, 7), (8, 12), (13, 10_000_000_000)]);
    }

    #[test]
    fn a_day_settles_after_the_settling_days() {
        let now = 100 * DAY_MS + 5;
        assert_eq!(settled_before(now), 100 - SETTLING_DAYS);
    }
}
