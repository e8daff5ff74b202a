//! The shipper: copies committed SQLite rows to ClickHouse, in order, exactly as
//! often as it takes, and never marks a row shipped before ClickHouse has it.
//!
//! SQLite stays each collector's durable outbox: ingest answers as soon as SQLite has
//! committed, whether ClickHouse is up or not. The shipper then walks each table
//! (`events`, `orders`, `refunds`) in rowid order, in blocks:
//!
//! 1. **Plan** the next block, `(shipped, through]` by rowid, at most `batch` rows, and
//!    commit `through` as the table's *block* cursor before sending anything.
//! 2. **Send** it as one `INSERT` and wait for ClickHouse's acknowledgement.
//! 3. **Mark** it shipped: commit `through` as the table's *shipped* cursor.
//!
//! A crash, a timeout or a refused insert between 1 and 3 leaves the block cursor ahead
//! of the shipped one, and the next attempt (after a restart too) resends **exactly the
//! same block**: the same rows in the same order, so the same bytes. A replicated table
//! recognises the block by its hash and drops it ("Block with ID … already exists");
//! a plain `ReplacingMergeTree` keeps both until a merge, and reads are `FINAL` anyway.
//! Why a block cursor rather than "the next N rows": rows keep arriving, so without it
//! a retried block could hold more rows than the first attempt, hash differently and be
//! stored twice.
//!
//! Rowids only grow (one writer commits in order), with two guards kept elsewhere: a
//! refund whose running total grows is moved to a new rowid, so it ships again (see
//! `store::apply`), and the retention purge never deletes a table's newest row, so
//! SQLite never hands out a rowid again.
//!
//! While ClickHouse is down the rows wait in SQLite, bounded by `--buffer-budget-mb`:
//! the status (`/healthz`) shows how much waits, a warning is logged at each tenth of
//! the budget it grows past, and at the budget ingest answers 503 with Retry-After (the
//! storefront keeps the events in its outbox and retries, so none is lost; webhooks are
//! still taken, since a shop's retries eventually give up). Failures back off
//! exponentially up to [`max_backoff`].

use crate::clickhouse::{self as ch, ChError, EventRow, OrderRow, RefundRow};
use crate::store::{self, StoreError, Write, Writer};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Test-only: when this environment variable is `1`, the collector aborts right after
/// ClickHouse acknowledges the first block it sends and before that block is marked
/// shipped, to prove the resend in `tests/clickhouse.rs`. Never set it in production.
pub const CRASH_AFTER_INSERT: &str = "LINKSHELF_TEST_CRASH_AFTER_INSERT";

/// The most rows `--clickhouse-batch-rows` allows in one insert: a block is held in
/// memory twice (the rows, then their encoding), a few hundred megabytes at this size.
pub const MAX_BATCH_ROWS: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Events,
    Orders,
    Refunds,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Events, Table::Orders, Table::Refunds];

    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Orders => "orders",
            Table::Refunds => "refunds",
        }
    }

    /// The `forward_cursor` row holding the last rowid ClickHouse acknowledged.
    pub fn shipped_cursor(self) -> &'static str {
        match self {
            Table::Events => "clickhouse:events",
            Table::Orders => "clickhouse:orders",
            Table::Refunds => "clickhouse:refunds",
        }
    }

    /// The `forward_cursor` row holding the last rowid of the block being sent.
    pub fn block_cursor(self) -> &'static str {
        match self {
            Table::Events => "clickhouse:events:block",
            Table::Orders => "clickhouse:orders:block",
            Table::Refunds => "clickhouse:refunds:block",
        }
    }
}

/// How the shipper runs (from `--clickhouse-*` and `--buffer-budget-mb`).
#[derive(Clone, Debug)]
pub struct Options {
    pub batch: usize,
    pub interval: Duration,
    pub budget_bytes: u64,
}

/// The longest wait between attempts after failures: twenty idle intervals, at most 30 s,
/// so a ClickHouse that returns is used again soon.
pub fn max_backoff(interval: Duration) -> Duration {
    (interval * 20).min(Duration::from_secs(30))
}

/// Rowids `(after, through]` of a table, sent as one insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub after: i64,
    pub through: i64,
    /// A block planned before and not acknowledged: resend it as it was.
    pub resend: bool,
}

/// The next block of a table, from its cursors and the rowids after `shipped` (in
/// order, at most `batch` of them, read just now). Pure, so the rule is tested alone.
pub fn plan(shipped: i64, block: i64, next: &[i64], batch: usize) -> Option<Block> {
    if block > shipped {
        return Some(Block { after: shipped, through: block, resend: true });
    }
    next[..next.len().min(batch.max(1))].last().map(|&through| Block { after: shipped, through, resend: false })
}

/// What `/healthz` shows of the shipping, refreshed every round.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Rows committed in SQLite and not yet acknowledged by ClickHouse, all tables.
    pub unshipped_rows: u64,
    /// Their estimated size on disk: their share of the SQLite file's used bytes.
    pub unshipped_bytes: u64,
    pub budget_bytes: u64,
    /// At the budget: ingest answers 503 until the backlog shrinks.
    pub over_budget: bool,
    /// How long the oldest unshipped event has waited, in milliseconds, as of the
    /// moment the report is read (not of the last measure, which a backoff can make
    /// seconds old while the wait goes on growing).
    pub lag_ms: Option<i64>,
    /// When the oldest unshipped event was received (Unix ms), as last measured.
    pub oldest_waiting_at: Option<i64>,
    /// When ClickHouse last acknowledged a block (Unix ms).
    pub last_shipped_at: Option<i64>,
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    /// Rows acknowledged since this collector started.
    pub shipped_rows: u64,
}

/// Shared between the shipper (writes) and the server (reads).
#[derive(Debug, Default)]
pub struct Status {
    report: Mutex<Report>,
    over_budget: AtomicBool,
    /// The tenth of the budget last warned about, so each step is logged once.
    warned_step: Mutex<u64>,
}

impl Status {
    pub fn new(budget_bytes: u64) -> Status {
        let status = Status::default();
        if let Ok(mut r) = status.report.lock() {
            r.budget_bytes = budget_bytes;
        }
        status
    }

    pub fn report(&self) -> Report {
        self.report_at(crate::server::now_ms())
    }

    /// The report with `lag_ms` taken at `now_ms`.
    pub fn report_at(&self, now_ms: i64) -> Report {
        let mut report = self.report.lock().map(|r| r.clone()).unwrap_or_default();
        report.lag_ms = report.oldest_waiting_at.map(|t| (now_ms - t).max(0));
        report
    }

    /// Whether ingest should refuse new events for now.
    pub fn over_budget(&self) -> bool {
        self.over_budget.load(Ordering::Relaxed)
    }

    fn update(&self, f: impl FnOnce(&mut Report)) {
        if let Ok(mut r) = self.report.lock() {
            f(&mut r);
        }
    }

    /// Records a new measure of the backlog, logging a warning each time it grows past
    /// another tenth of the budget.
    fn measured(&self, backlog: Backlog) {
        let mut over = false;
        self.update(|r| {
            r.unshipped_rows = backlog.rows;
            r.unshipped_bytes = backlog.bytes;
            r.oldest_waiting_at = backlog.oldest_waiting_at;
            over = backlog.bytes >= r.budget_bytes;
            r.over_budget = over;
        });
        self.over_budget.store(over, Ordering::Relaxed);
        let budget = self.report().budget_bytes;
        if let Ok(mut warned) = self.warned_step.lock() {
            match growth_step(backlog.bytes, budget, *warned) {
                Step::Grew(step) => {
                    *warned = step;
                    tracing::warn!(
                        unshipped_rows = backlog.rows,
                        unshipped_mb = backlog.bytes / 1_000_000,
                        budget_mb = budget / 1_000_000,
                        percent = step * 10,
                        "rows waiting for ClickHouse are growing (at 100 % ingest answers 503)"
                    );
                }
                Step::Drained => {
                    *warned = 0;
                    tracing::info!(unshipped_rows = backlog.rows, "the backlog for ClickHouse has drained");
                }
                Step::Same => {}
            }
        }
    }
}

/// How the backlog moved relative to the budget's tenths.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Past a higher tenth than last warned about (1 to 10).
    Grew(u64),
    /// Back under the first tenth after a warning.
    Drained,
    Same,
}

/// Which tenth of `budget` the backlog `bytes` has reached, against the last `warned`.
pub fn growth_step(bytes: u64, budget: u64, warned: u64) -> Step {
    let tenth = (budget / 10).max(1);
    let step = (bytes / tenth).min(10);
    if step > warned {
        Step::Grew(step)
    } else if step == 0 && warned > 0 {
        Step::Drained
    } else {
        Step::Same
    }
}

/// The backlog as measured in SQLite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    pub rows: u64,
    pub bytes: u64,
    /// `received_at` of the oldest unshipped event.
    pub oldest_waiting_at: Option<i64>,
}

/// `used_bytes × unshipped / total`, without overflow.
pub fn share_of(used_bytes: u64, unshipped: u64, total: u64) -> u64 {
    if total == 0 {
        return 0;
    }
    (u128::from(used_bytes) * u128::from(unshipped.min(total)) / u128::from(total)) as u64
}

fn cursor(conn: &Connection, target: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", [target], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Measures the backlog: rows after each shipped cursor, and their share of the file.
pub fn backlog(conn: &Connection) -> rusqlite::Result<Backlog> {
    let (mut rows, mut total) = (0u64, 0u64);
    for table in Table::ALL {
        let shipped = cursor(conn, table.shipped_cursor())?;
        let name = table.name();
        // Counted from rowids, which are dense after the shipped cursor (one writer
        // appends, and a purge removes only shipped rows) and, but for the start a
        // purge removed, before it: both ends of a b-tree, without scanning the rows
        // (this runs before every block). A refund whose total grew while it waited
        // moved to a new rowid and left its old one empty: counted once more, never
        // less.
        // One `max` or `min` per SELECT: SQLite reads only an end of the b-tree for a
        // lone one, but every row for both together.
        let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
            &format!("SELECT (SELECT min(rowid) FROM {name}), (SELECT max(rowid) FROM {name})"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (waiting, span) = match (first, last) {
            (Some(first), Some(last)) => (last.saturating_sub(shipped.max(first - 1)), last - first + 1),
            _ => (0, 0),
        };
        rows += waiting.max(0) as u64;
        total += span.max(0) as u64;
    }
    let pages: i64 =
        conn.query_row("SELECT page_count - freelist_count FROM pragma_page_count, pragma_freelist_count", [], |r| {
            r.get(0)
        })?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let used = (pages.max(0) as u64).saturating_mul(page_size.max(0) as u64);
    let shipped = cursor(conn, Table::Events.shipped_cursor())?;
    let oldest: Option<i64> = conn
        .query_row("SELECT received_at FROM events WHERE id > ?1 ORDER BY id LIMIT 1", [shipped], |r| r.get(0))
        .optional()?;
    Ok(Backlog { rows, bytes: share_of(used, rows, total), oldest_waiting_at: oldest })
}

/// A TEXT column as text, whatever an old or hand-edited row holds there, so one odd
/// row can never stall the shipper.
fn text(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(match r.get::<_, SqlValue>(i)? {
        SqlValue::Null => None,
        SqlValue::Text(t) => Some(t),
        SqlValue::Integer(v) => Some(v.to_string()),
        SqlValue::Real(v) => Some(v.to_string()),
        SqlValue::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
    })
}

fn text_or_empty(r: &rusqlite::Row, i: usize) -> rusqlite::Result<String> {
    Ok(text(r, i)?.unwrap_or_default())
}

/// An amount column: the integer, or `None` and the unreadable flag set.
fn amount(r: &rusqlite::Row, i: usize) -> rusqlite::Result<(Option<i64>, u8)> {
    Ok(match r.get::<_, SqlValue>(i)? {
        SqlValue::Null => (None, 0),
        SqlValue::Integer(v) => (Some(v), 0),
        _ => (None, 1),
    })
}

fn int(r: &rusqlite::Row, i: usize) -> rusqlite::Result<i64> {
    Ok(match r.get::<_, SqlValue>(i)? {
        SqlValue::Integer(v) => v,
        _ => 0,
    })
}

fn opt_int(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<i64>> {
    Ok(match r.get::<_, SqlValue>(i)? {
        SqlValue::Integer(v) => Some(v),
        _ => None,
    })
}

/// The rows of one block, in rowid order.
pub enum Rows {
    Events(Vec<EventRow>),
    Orders(Vec<OrderRow>),
    Refunds(Vec<RefundRow>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Events(r) => r.len(),
            Rows::Orders(r) => r.len(),
            Rows::Refunds(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads the rows of `table` after rowid `after`, up to `through` and at most `limit`
/// of them (`-1`: all), in rowid order, with their rowids.
fn read_rows(
    conn: &Connection,
    table: Table,
    after: i64,
    through: i64,
    limit: i64,
) -> rusqlite::Result<(Vec<i64>, Rows)> {
    let range = params![after, through, limit];
    let mut ids = Vec::new();
    let rows = match table {
        Table::Events => {
            let mut s = conn.prepare_cached(
                "SELECT event_id, name, creator_id, event_time, occurred_at, sent_at, received_at, page_load_id, seq,
                   client, utm_source, utm_medium, utm_campaign, utm_content, utm_term, ref, referrer_host,
                   platform_click_ids, path, locale, time_zone, in_app_browser, promotion_id, popup_id, item_list_id,
                   currency, value, coupon, transaction_id, items, click_id, destination_host, affiliate, id
                 FROM events WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
            )?;
            let rows = s.query_map(range, |r| {
                ids.push(r.get(33)?);
                let (value, value_unreadable) = amount(r, 26)?;
                let received_at = int(r, 6)?;
                Ok(EventRow {
                    event_id: text_or_empty(r, 0)?,
                    name: text_or_empty(r, 1)?,
                    creator_id: text_or_empty(r, 2)?,
                    event_time: int(r, 3)?,
                    occurred_at: int(r, 4)?,
                    sent_at: opt_int(r, 5)?,
                    received_at,
                    page_load_id: text(r, 7)?,
                    seq: opt_int(r, 8)?,
                    client: text(r, 9)?,
                    utm_source: text(r, 10)?,
                    utm_medium: text(r, 11)?,
                    utm_campaign: text(r, 12)?,
                    utm_content: text(r, 13)?,
                    utm_term: text(r, 14)?,
                    ref_tag: text(r, 15)?,
                    referrer_host: text(r, 16)?,
                    platform_click_ids: text(r, 17)?,
                    path: text(r, 18)?,
                    locale: text(r, 19)?,
                    time_zone: text(r, 20)?,
                    in_app_browser: text(r, 21)?,
                    promotion_id: text(r, 22)?,
                    popup_id: text(r, 23)?,
                    item_list_id: text(r, 24)?,
                    currency: text(r, 25)?,
                    value,
                    value_unreadable,
                    coupon: text(r, 27)?,
                    transaction_id: text(r, 28)?,
                    items: text(r, 29)?,
                    click_id: text(r, 30)?,
                    destination_host: text(r, 31)?,
                    affiliate: text(r, 32)?,
                    ver: ch::first_wins(received_at),
                })
            })?;
            Rows::Events(collect(rows, limit)?)
        }
        Table::Orders => {
            let mut s = conn.prepare_cached(
                "SELECT provider, order_id, creator_id, created_at, received_at, currency, value, click_id, coupon,
                   utm_source, utm_medium, utm_campaign, payment_ref, affiliate, rowid
                 FROM orders WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid LIMIT ?3",
            )?;
            let rows = s.query_map(range, |r| {
                ids.push(r.get(14)?);
                let (value, value_unreadable) = amount(r, 6)?;
                let received_at = int(r, 4)?;
                Ok(OrderRow {
                    provider: text_or_empty(r, 0)?,
                    order_id: text_or_empty(r, 1)?,
                    creator_id: text(r, 2)?,
                    created_at: int(r, 3)?,
                    received_at,
                    currency: text_or_empty(r, 5)?,
                    value: value.unwrap_or(0),
                    value_unreadable: value_unreadable.max(u8::from(value.is_none())),
                    click_id: text(r, 7)?,
                    coupon: text(r, 8)?,
                    utm_source: text(r, 9)?,
                    utm_medium: text(r, 10)?,
                    utm_campaign: text(r, 11)?,
                    payment_ref: text(r, 12)?,
                    affiliate: text(r, 13)?,
                    ver: ch::first_wins(received_at),
                })
            })?;
            Rows::Orders(collect(rows, limit)?)
        }
        Table::Refunds => {
            let mut s = conn.prepare_cached(
                "SELECT provider, refund_id, order_ref, currency, amount, created_at, received_at, rowid
                 FROM refunds WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid LIMIT ?3",
            )?;
            let rows = s.query_map(range, |r| {
                ids.push(r.get(7)?);
                let (amount, amount_unreadable) = amount(r, 4)?;
                Ok(RefundRow {
                    provider: text_or_empty(r, 0)?,
                    refund_id: text_or_empty(r, 1)?,
                    order_ref: text_or_empty(r, 2)?,
                    currency: text_or_empty(r, 3)?,
                    amount: amount.unwrap_or(0),
                    amount_unreadable: amount_unreadable.max(u8::from(amount.is_none())),
                    created_at: int(r, 5)?,
                    received_at: int(r, 6)?,
                    // The largest running total wins, as in SQLite.
                    ver: amount.unwrap_or(0).max(0) as u64,
                })
            })?;
            Rows::Refunds(collect(rows, limit)?)
        }
    };
    Ok((ids, rows))
}

/// The rows into a vector made as long as `limit` at once (`-1` or more than a block:
/// left to grow): a block of events is tens of megabytes of `EventRow`s, which growing
/// by doubling would copy about twice over.
fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<T>>, limit: i64) -> rusqlite::Result<Vec<T>> {
    let mut out = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(MAX_BATCH_ROWS));
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

/// The next block of `table` and its rows, or `None` when everything is shipped.
/// A new block's rows are read once, the next `batch` after the shipped cursor (their
/// rowids decide where the block ends); a resent block's are read by its rowid range.
pub fn next_block(conn: &Connection, table: Table, batch: usize) -> rusqlite::Result<Option<(Block, Rows)>> {
    let shipped = cursor(conn, table.shipped_cursor())?;
    let block = cursor(conn, table.block_cursor())?;
    let (next, rows) = if block > shipped {
        (Vec::new(), None)
    } else {
        let (ids, rows) = read_rows(conn, table, shipped, i64::MAX, batch.max(1) as i64)?;
        (ids, Some(rows))
    };
    let Some(block) = plan(shipped, block, &next, batch) else { return Ok(None) };
    let rows = match rows {
        Some(rows) => rows,
        None => read_rows(conn, table, block.after, block.through, -1)?.1,
    };
    Ok(Some((block, rows)))
}

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("reading the outbox: {0}")]
    Store(#[from] StoreError),
    #[error("reading the outbox: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    ClickHouse(#[from] ChError),
    #[error("the outbox reader stopped: {0}")]
    Join(String),
}

/// The shipper's read connection to the outbox, kept open from block to block: a fresh
/// one per block parsed the schema and started with a cold page cache each time. It is
/// opened again after any failed read, in case the connection itself is what broke.
#[derive(Clone)]
struct Reader {
    path: PathBuf,
    conn: Arc<Mutex<Option<Connection>>>,
}

impl Reader {
    fn new(path: PathBuf) -> Reader {
        Reader { path, conn: Arc::new(Mutex::new(None)) }
    }

    /// Runs `read` on the connection, off the async threads.
    async fn read<T, F>(&self, read: F) -> Result<T, ShipError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ShipError> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut held = this.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let conn = match held.take() {
                Some(conn) => conn,
                None => store::open_reader(&this.path)?,
            };
            let result = read(&conn);
            if result.is_ok() {
                *held = Some(conn);
            }
            result
        })
        .await
        .map_err(|e| ShipError::Join(e.to_string()))?
    }
}

/// Inserts `rows` into `table` as one block, within the request timeout.
pub(crate) async fn insert<T>(client: &clickhouse::Client, table: &str, rows: &[T]) -> Result<(), ChError>
where
    T: clickhouse::Row + for<'a> clickhouse::RowWrite<Value<'a> = T> + Serialize,
{
    ch::timed(async {
        let mut insert = client.insert::<T>(table).await?;
        for row in rows {
            insert.write(row).await?;
        }
        insert.end().await
    })
    .await
}

/// Ships one block per table; returns how many rows ClickHouse acknowledged.
async fn round(
    reader: &Reader,
    client: &clickhouse::Client,
    writer: &Writer,
    batch: usize,
    crash_after_insert: bool,
) -> Result<u64, ShipError> {
    let mut shipped = 0;
    for table in Table::ALL {
        let next = reader.read(move |conn| Ok(next_block(conn, table, batch)?)).await?;
        let Some((block, rows)) = next else { continue };
        if !block.resend {
            writer.write(Write::Cursor { target: table.block_cursor(), last_id: block.through }).await?;
        } else {
            tracing::info!(table = table.name(), after = block.after, through = block.through, "resending a block");
        }
        if !rows.is_empty() {
            match &rows {
                Rows::Events(r) => insert(client, "events", r).await?,
                Rows::Orders(r) => insert(client, "orders", r).await?,
                Rows::Refunds(r) => insert(client, "refunds", r).await?,
            }
            if crash_after_insert {
                eprintln!("{CRASH_AFTER_INSERT}: aborting after ClickHouse acknowledged a block, before marking it");
                std::process::abort();
            }
        }
        writer.write(Write::Cursor { target: table.shipped_cursor(), last_id: block.through }).await?;
        shipped += rows.len() as u64;
    }
    Ok(shipped)
}

/// Ships until the task is dropped (the collector aborts it at shutdown; what was not
/// marked shipped goes again next time, as the same block).
pub async fn run(db: PathBuf, settings: ch::Settings, options: Options, writer: Writer, status: Arc<Status>) {
    let crash_after_insert = std::env::var(CRASH_AFTER_INSERT).is_ok_and(|v| v == "1");
    let mut client: Option<clickhouse::Client> = None;
    let mut backoff = options.interval;
    let reader = Reader::new(db);
    loop {
        match reader.read(|conn| Ok(backlog(conn)?)).await {
            Ok(measured) => status.measured(measured),
            Err(e) => tracing::warn!(error = %e, "measuring the ClickHouse backlog failed"),
        }
        let attempt = match &client {
            Some(c) => round(&reader, c, &writer, options.batch, crash_after_insert).await,
            None => match ch::prepare(&settings).await {
                Ok(c) => {
                    tracing::info!(url = %settings.url, database = %settings.database, "ClickHouse is ready");
                    client = Some(c);
                    continue;
                }
                Err(e) => Err(e.into()),
            },
        };
        match attempt {
            Ok(rows) => {
                backoff = options.interval;
                if rows > 0 {
                    tracing::debug!(rows, "shipped to ClickHouse");
                    status.update(|r| {
                        r.last_error = None;
                        r.last_shipped_at = Some(crate::server::now_ms());
                        r.shipped_rows += rows;
                    });
                } else {
                    status.update(|r| r.last_error = None);
                    tokio::time::sleep(options.interval).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "shipping to ClickHouse failed");
                status.update(|r| r.last_error = Some(e.to_string()));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(max_backoff(options.interval));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::store::{apply, open, Durability};
    use crate::webhook::{Refund, RefundAmount};

    #[test]
    fn a_block_not_acknowledged_is_resent_as_it_was() {
        // Nothing waiting.
        assert_eq!(plan(10, 10, &[], 100), None);
        // New rows: up to `batch` of them.
        assert_eq!(plan(10, 10, &[11, 12, 15], 2), Some(Block { after: 10, through: 12, resend: false }));
        assert_eq!(plan(10, 10, &[11, 12, 15], 100), Some(Block { after: 10, through: 15, resend: false }));
        // A planned block beyond the shipped cursor: the same range again, whatever
        // has arrived since.
        assert_eq!(plan(10, 12, &[11, 12, 15, 16], 100), Some(Block { after: 10, through: 12, resend: true }));
        assert_eq!(plan(10, 10, &[11], 0), Some(Block { after: 10, through: 11, resend: false }), "batch 0 is 1");
    }

    #[test]
    fn each_tenth_of_the_budget_is_reported_once() {
        let mb = 1_000_000;
        assert_eq!(growth_step(5 * mb, 100 * mb, 0), Step::Same);
        assert_eq!(growth_step(10 * mb, 100 * mb, 0), Step::Grew(1));
        assert_eq!(growth_step(19 * mb, 100 * mb, 1), Step::Same);
        assert_eq!(growth_step(55 * mb, 100 * mb, 1), Step::Grew(5));
        assert_eq!(growth_step(500 * mb, 100 * mb, 5), Step::Grew(10), "capped at the budget");
        assert_eq!(growth_step(500 * mb, 100 * mb, 10), Step::Same);
        assert_eq!(growth_step(30 * mb, 100 * mb, 10), Step::Same, "shrinking is not news until drained");
        assert_eq!(growth_step(0, 100 * mb, 3), Step::Drained);
        assert_eq!(growth_step(0, 0, 0), Step::Same);
        assert_eq!(share_of(1000, 25, 100), 250);
        assert_eq!(share_of(u64::MAX, u64::MAX, u64::MAX), u64::MAX, "no overflow");
        assert_eq!(share_of(1000, 5, 0), 0);
    }

    #[test]
    fn over_budget_closes_ingest_and_reopens_when_drained() {
        let status = Status::new(1000);
        status.measured(Backlog { rows: 10, bytes: 999, oldest_waiting_at: Some(5) });
        assert!(!status.over_budget());
        status.measured(Backlog { rows: 11, bytes: 1000, oldest_waiting_at: Some(5) });
        assert!(status.over_budget());
        assert!(status.report().over_budget);
        status.measured(Backlog { rows: 0, bytes: 0, oldest_waiting_at: None });
        assert!(!status.over_budget());
        assert_eq!(status.report_at(100).lag_ms, None, "nothing waits");
    }

    #[test]
    fn the_lag_keeps_growing_between_measures() {
        let status = Status::new(1000);
        status.measured(Backlog { rows: 3, bytes: 30, oldest_waiting_at: Some(1_000) });
        assert_eq!(status.report_at(1_500).lag_ms, Some(500));
        assert_eq!(status.report_at(9_000).lag_ms, Some(8_000), "a backoff between measures does not freeze it");
        assert_eq!(status.report_at(900).lag_ms, Some(0), "a clock step back is no negative wait");
    }

    fn event(id: &str) -> Event {
        Event { event_id: id.into(), name: "page_view", creator_id: "juno".into(), received_at: 7, ..Event::default() }
    }

    #[test]
    fn blocks_follow_the_cursors_and_a_grown_refund_ships_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("s.sqlite"), Durability::Normal).expect("open");
        let events = (1..=5).map(|i| event(&format!("e{i}"))).collect();
        apply(&conn, &Write::Events { events, client: None }).expect("insert");
        let (block, rows) = next_block(&conn, Table::Events, 2).expect("read").expect("a block");
        assert_eq!((block, rows.len()), (Block { after: 0, through: 2, resend: false }, 2));
        let Rows::Events(rows) = rows else { panic!("events") };
        assert_eq!((rows[0].event_id.as_str(), rows[1].event_id.as_str()), ("e1", "e2"));
        assert_eq!(rows[0].ver, ch::first_wins(7));
        // Planned, not acknowledged: the same block again.
        apply(&conn, &Write::Cursor { target: Table::Events.block_cursor(), last_id: 2 }).expect("cursor");
        apply(&conn, &Write::Events { events: vec![event("e6")], client: None }).expect("insert");
        let (again, rows) = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        assert_eq!((again, rows.len()), (Block { after: 0, through: 2, resend: true }, 2));
        // Acknowledged: on to the rest.
        apply(&conn, &Write::Cursor { target: Table::Events.shipped_cursor(), last_id: 2 }).expect("cursor");
        let (next, rows) = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        assert_eq!((next, rows.len()), (Block { after: 2, through: 6, resend: false }, 4));
        let measured = backlog(&conn).expect("backlog");
        assert_eq!(measured.rows, 4);
        assert_eq!(measured.oldest_waiting_at, Some(7));
        assert!(measured.bytes > 0);

        let refund = |amount| {
            Write::Refund(Refund {
                provider: "stripe",
                refund_id: "re_1".into(),
                order_ref: "pi_1".into(),
                currency: "EUR".into(),
                amount: RefundAmount::new(amount).expect("amount"),
                created_at: 1,
                received_at: 1,
            })
        };
        let other = Write::Refund(Refund {
            provider: "stripe",
            refund_id: "re_2".into(),
            order_ref: "pi_2".into(),
            currency: "EUR".into(),
            amount: RefundAmount::new(100).expect("amount"),
            created_at: 1,
            received_at: 1,
        });
        apply(&conn, &refund(500)).expect("refund");
        apply(&conn, &other).expect("refund");
        apply(&conn, &Write::Cursor { target: Table::Refunds.shipped_cursor(), last_id: 2 }).expect("shipped");
        assert!(next_block(&conn, Table::Refunds, 10).expect("read").is_none());
        // The running total grows: the refund moves past the shipped cursor.
        apply(&conn, &refund(800)).expect("refund");
        let (block, rows) = next_block(&conn, Table::Refunds, 10).expect("read").expect("shipped again");
        assert_eq!(block.after, 2);
        let Rows::Refunds(rows) = rows else { panic!("refunds") };
        assert_eq!((rows.len(), rows[0].amount, rows[0].ver), (1, 800, 800));

        // The backlog is counted from rowids: exact when shipped rows were purged from
        // the start, and at most one over per refund that grew while it waited.
        conn.execute_batch("DELETE FROM events WHERE id <= 2").expect("purge the shipped start");
        assert_eq!(backlog(&conn).expect("backlog").rows, 4 + 1);
        apply(&conn, &refund(900)).expect("refund");
        assert_eq!(backlog(&conn).expect("backlog").rows, 4 + 2, "one refund waiting, counted twice");
    }

    #[test]
    fn odd_legacy_values_ship_flagged_instead_of_stalling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("s.sqlite"), Durability::Normal).expect("open");
        conn.execute_batch(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value, path)
             VALUES ('a', 'purchase', 'juno', 1, 1, 1, 'EUR', 1e30, 42);",
        )
        .expect("legacy row");
        let (_, rows) = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        let Rows::Events(rows) = rows else { panic!("events") };
        assert_eq!((rows[0].value, rows[0].value_unreadable, rows[0].path.as_deref()), (None, 1, Some("42")));
    }
}
