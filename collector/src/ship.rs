//! The shipper: copies committed SQLite rows to ClickHouse, in order, exactly as
//! often as it takes, and never marks a row shipped before ClickHouse has it.
//!
//! SQLite stays each collector's durable outbox: ingest answers as soon as SQLite has
//! committed, whether ClickHouse is up or not. The shipper then walks each table
//! (`events`, `orders`, `refunds`) in rowid order, in blocks:
//!
//! 1. **Plan** the next block, `(shipped, through]` by rowid, at most `batch` rows, and
//!    commit `through` as the table's *block* cursor before sending anything.
//! 2. **Send** it as one `INSERT` and wait for ClickHouse's acknowledgement. Events are
//!    encoded into the request as they are read, borrowed from SQLite's rows, a couple
//!    of thousand per read transaction ([`each_event`]): shipping is work taken from
//!    ingest on the same cores, and owning every row first cost it about half again.
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

use crate::ch_lookup::Lookups;
use crate::clickhouse::{self as ch, ChError, EventRow, FarClockRow, OrderRow, RefundRow};
use crate::fresh::{Committed, Fresh};
use crate::store::{self, StoreError, Write, Writer};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Test-only: when this environment variable is `1`, the collector aborts right after
/// ClickHouse acknowledges the first block it sends and before that block is marked
/// shipped, to prove the resend in `tests/clickhouse.rs`. Never set it in production.
pub const CRASH_AFTER_INSERT: &str = "LINKSHELF_TEST_CRASH_AFTER_INSERT";

/// The most rows `--clickhouse-batch-rows` allows in one insert. A block streams (it is
/// not held in memory), but it is one request that must finish within
/// `ch::REQUEST_TIMEOUT` and what a retry sends again: 100,000 rows took under a second
/// here (133,500 rows/s shipping 10^7 events).
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

/// The next block of a table, from its cursors and its last rowid. Pure, so the rule is
/// tested alone. A new block is the next `batch` rowids after the shipped cursor: rowids
/// after it are dense (one writer appends; only a refund whose total grew leaves a gap,
/// which makes that block a row short), so no row needs reading to find its end.
pub fn plan(shipped: i64, block: i64, last: Option<i64>, batch: usize) -> Option<Block> {
    if block > shipped {
        return Some(Block { after: shipped, through: block, resend: true });
    }
    let last = last.filter(|&last| last > shipped)?;
    let through = shipped.saturating_add(i64::try_from(batch.max(1)).unwrap_or(i64::MAX)).min(last);
    Some(Block { after: shipped, through, resend: false })
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
/// row can never stall the shipper. Borrowed from SQLite's row where it is text.
fn text<'r>(r: &'r rusqlite::Row, i: usize) -> rusqlite::Result<Option<Cow<'r, str>>> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => None,
        // `from_utf8` first: it checks a word at a time, where `from_utf8_lossy` goes
        // byte by byte (a tenth of the shipper's CPU in a profile; shipping 10^6 events
        // took 3.1 µs of CPU per row instead of 3.4), and every text ingest stored is
        // UTF-8; a row edited by hand still ships, its bad bytes replaced.
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Some(std::str::from_utf8(t).map_or_else(|_| String::from_utf8_lossy(t), Cow::Borrowed))
        }
        ValueRef::Integer(v) => Some(Cow::Owned(v.to_string())),
        ValueRef::Real(v) => Some(Cow::Owned(v.to_string())),
    })
}

fn text_or_empty<'r>(r: &'r rusqlite::Row, i: usize) -> rusqlite::Result<Cow<'r, str>> {
    Ok(text(r, i)?.unwrap_or_default())
}

fn owned(text: Option<Cow<'_, str>>) -> Option<String> {
    text.map(Cow::into_owned)
}

/// An amount column: the integer, or `None` and the unreadable flag set.
fn amount(r: &rusqlite::Row, i: usize) -> rusqlite::Result<(Option<i64>, u8)> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => (None, 0),
        ValueRef::Integer(v) => (Some(v), 0),
        _ => (None, 1),
    })
}

fn int(r: &rusqlite::Row, i: usize) -> rusqlite::Result<i64> {
    Ok(opt_int(r, i)?.unwrap_or(0))
}

fn opt_int(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<i64>> {
    Ok(match r.get_ref(i)? {
        ValueRef::Integer(v) => Some(v),
        _ => None,
    })
}

/// Rows read per statement while a block of events streams: each chunk is its own
/// short read transaction, so a block that waits on ClickHouse never holds a snapshot
/// long enough to keep SQLite from checkpointing its WAL back to the start.
const EVENTS_PER_READ: i64 = 2_000;

/// Hands each event of `block` to `send`, in rowid order, borrowed from SQLite (no row
/// is copied into memory of its own: `send` encodes it straight into the insert), and
/// returns how many there were.
pub fn each_event<E>(
    conn: &Connection,
    block: Block,
    mut send: impl FnMut(&EventRow<'_>) -> Result<(), E>,
) -> Result<usize, E>
where
    E: From<rusqlite::Error>,
{
    let mut s = conn.prepare_cached(
        "SELECT event_id, name, creator_id, event_time, occurred_at, sent_at, received_at, page_load_id, seq,
           client, utm_source, utm_medium, utm_campaign, utm_content, utm_term, ref, referrer_host,
           platform_click_ids, path, locale, time_zone, in_app_browser, promotion_id, popup_id, item_list_id,
           currency, value, coupon, transaction_id, items, click_id, destination_host, affiliate, id
         FROM events WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
    )?;
    let (mut after, mut sent) = (block.after, 0);
    loop {
        let mut rows = s.query(params![after, block.through, EVENTS_PER_READ])?;
        let mut read = 0;
        while let Some(r) = rows.next()? {
            let (value, value_unreadable) = amount(r, 26)?;
            let received_at = int(r, 6)?;
            send(&EventRow {
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
            })?;
            after = r.get(33)?;
            read += 1;
        }
        sent += read;
        if read < EVENTS_PER_READ as usize {
            return Ok(sent);
        }
    }
}

/// The orders of a block (few: read into memory).
pub fn read_orders(conn: &Connection, block: Block) -> rusqlite::Result<Vec<OrderRow>> {
    let mut s = conn.prepare_cached(
        "SELECT provider, order_id, creator_id, created_at, received_at, currency, value, click_id, coupon,
           utm_source, utm_medium, utm_campaign, payment_ref, affiliate
         FROM orders WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid",
    )?;
    let rows = s.query_map(params![block.after, block.through], |r| {
        let (value, value_unreadable) = amount(r, 6)?;
        let received_at = int(r, 4)?;
        Ok(OrderRow {
            provider: text_or_empty(r, 0)?.into_owned(),
            order_id: text_or_empty(r, 1)?.into_owned(),
            creator_id: owned(text(r, 2)?),
            created_at: int(r, 3)?,
            received_at,
            currency: text_or_empty(r, 5)?.into_owned(),
            value: value.unwrap_or(0),
            value_unreadable: value_unreadable.max(u8::from(value.is_none())),
            click_id: owned(text(r, 7)?),
            coupon: owned(text(r, 8)?),
            utm_source: owned(text(r, 9)?),
            utm_medium: owned(text(r, 10)?),
            utm_campaign: owned(text(r, 11)?),
            payment_ref: owned(text(r, 12)?),
            affiliate: owned(text(r, 13)?),
            ver: ch::first_wins(received_at),
        })
    })?;
    rows.collect()
}

/// The refunds of a block (few: read into memory).
pub fn read_refunds(conn: &Connection, block: Block) -> rusqlite::Result<Vec<RefundRow>> {
    let mut s = conn.prepare_cached(
        "SELECT provider, refund_id, order_ref, currency, amount, created_at, received_at
         FROM refunds WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid",
    )?;
    let rows = s.query_map(params![block.after, block.through], |r| {
        let (amount, amount_unreadable) = amount(r, 4)?;
        Ok(RefundRow {
            provider: text_or_empty(r, 0)?.into_owned(),
            refund_id: text_or_empty(r, 1)?.into_owned(),
            order_ref: text_or_empty(r, 2)?.into_owned(),
            currency: text_or_empty(r, 3)?.into_owned(),
            amount: amount.unwrap_or(0),
            amount_unreadable: amount_unreadable.max(u8::from(amount.is_none())),
            created_at: int(r, 5)?,
            received_at: int(r, 6)?,
            // The largest running total wins, as in SQLite.
            ver: amount.unwrap_or(0).max(0) as u64,
        })
    })?;
    rows.collect()
}

/// The next block of `table`, or `None` when everything is shipped: from its cursors
/// and its last rowid, without reading a row (see [`plan`]).
pub fn next_block(conn: &Connection, table: Table, batch: usize) -> rusqlite::Result<Option<Block>> {
    let shipped = cursor(conn, table.shipped_cursor())?;
    let block = cursor(conn, table.block_cursor())?;
    let last: Option<i64> = conn.query_row(&format!("SELECT max(rowid) FROM {}", table.name()), [], |r| r.get(0))?;
    Ok(plan(shipped, block, last, batch))
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
/// opened again after SQLite failed, in case the connection itself is what broke.
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
            if !matches!(result, Err(ShipError::Store(_) | ShipError::Sqlite(_))) {
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
    fresh: Option<&Fresh>,
) -> Result<u64, ShipError> {
    let mut shipped = 0;
    for table in Table::ALL {
        let Some(block) = reader.read(move |conn| Ok(next_block(conn, table, batch)?)).await? else { continue };
        if !block.resend {
            writer.write(Write::Cursor { target: table.block_cursor(), last_id: block.through }).await?;
        } else {
            tracing::info!(table = table.name(), after = block.after, through = block.through, "resending a block");
        }
        let rows = match table {
            Table::Events => send_events(reader, client, block, fresh).await?,
            Table::Orders => {
                let rows = reader.read(move |conn| Ok(read_orders(conn, block)?)).await?;
                if !rows.is_empty() {
                    insert(client, "orders", &rows).await?;
                }
                rows.len()
            }
            Table::Refunds => {
                let rows = reader.read(move |conn| Ok(read_refunds(conn, block)?)).await?;
                if !rows.is_empty() {
                    insert(client, "refunds", &rows).await?;
                }
                rows.len()
            }
        };
        if rows > 0 && crash_after_insert {
            eprintln!("{CRASH_AFTER_INSERT}: aborting after ClickHouse acknowledged a block, before marking it");
            std::process::abort();
        }
        writer.write(Write::Cursor { target: table.shipped_cursor(), last_id: block.through }).await?;
        shipped += rows as u64;
    }
    Ok(shipped)
}

/// Sends a block of events as one insert, within the request timeout, each row encoded
/// as it is read ([`each_event`]) on the outbox reader's thread. Reading every row
/// into memory first cost the collector about twice as much CPU per row (a `String` per
/// column, then the copy).
///
/// Then the block's far-clock events (`ch::far_clock`) go into `far_clock` and its
/// lookup rows (`ch_lookup`) into `event_lookup`, before the block is marked shipped: a
/// retry sends all three again, and a report in the moment between the inserts misses
/// at most those few events of this block.
///
/// The block's first rows come from `fresh` where the writer left them there (never for
/// a resend, which reads SQLite as it must), the rest from SQLite: the same rows, so the
/// same block either way.
async fn send_events(
    reader: &Reader,
    client: &clickhouse::Client,
    block: Block,
    fresh: Option<&Fresh>,
) -> Result<usize, ShipError> {
    let deadline = tokio::time::Instant::now() + ch::REQUEST_TIMEOUT;
    let timeout = || ChError::Timeout(ch::REQUEST_TIMEOUT.as_secs());
    let mut insert = client.insert::<EventRow<'static>>("events").await.map_err(ChError::from)?;
    let runtime = tokio::runtime::Handle::current();
    let kept = match fresh {
        Some(fresh) if !block.resend => fresh.take(block.after, block.through),
        _ => Default::default(),
    };
    let (insert, rows, far, lookups) = reader
        .read(move |conn| {
            let (mut far, mut lookups) = (Vec::new(), Lookups::default());
            let mut send = |row: &EventRow<'_>| -> Result<(), ShipError> {
                lookups.add(row);
                if ch::far_clock(row.event_time, row.occurred_at) {
                    far.push(FarClockRow {
                        event_time: row.event_time,
                        name: row.name.clone().into_owned(),
                        occurred_at: row.occurred_at,
                        event_id: row.event_id.clone().into_owned(),
                        ver: row.ver,
                    });
                }
                // Encoding happens in `write` itself; its future only hands full
                // chunks to the request, so blocking on it here is brief.
                runtime
                    .block_on(tokio::time::timeout_at(deadline, insert.write(row)))
                    .map_err(|_| timeout())?
                    .map_err(ChError::from)?;
                Ok(())
            };
            let mut rows = 0;
            for (_, row) in kept.iter().flat_map(Committed::rows) {
                send(&row)?;
                rows += 1;
            }
            let rest = Block { after: kept.last().map_or(block.after, Committed::last), ..block };
            let read = if rest.after < rest.through { each_event(conn, rest, &mut send)? } else { 0 };
            Ok((insert, rows + read, far, lookups.into_rows()))
        })
        .await?;
    if rows > 0 {
        tokio::time::timeout_at(deadline, insert.end()).await.map_err(|_| timeout())?.map_err(ChError::from)?;
    }
    send_rows(client, "far_clock", &far, deadline).await?;
    send_rows(client, "event_lookup", &lookups, deadline).await?;
    Ok(rows)
}

/// Inserts `rows` (when there are any) as one block, by `deadline`.
async fn send_rows<T: for<'a> clickhouse::Row<Value<'a> = T> + serde::Serialize>(
    client: &clickhouse::Client,
    table: &str,
    rows: &[T],
    deadline: tokio::time::Instant,
) -> Result<(), ChError> {
    if rows.is_empty() {
        return Ok(());
    }
    let timeout = || ChError::Timeout(ch::REQUEST_TIMEOUT.as_secs());
    let mut insert = client.insert::<T>(table).await?;
    for row in rows {
        tokio::time::timeout_at(deadline, insert.write(row)).await.map_err(|_| timeout())??;
    }
    tokio::time::timeout_at(deadline, insert.end()).await.map_err(|_| timeout())??;
    Ok(())
}

/// Ships until the task is dropped (the collector aborts it at shutdown; what was not
/// marked shipped goes again next time, as the same block).
///
/// `fresh` is where the writer hands its committed events (`store::start_handing`).
pub async fn run(
    db: PathBuf,
    settings: ch::Settings,
    options: Options,
    writer: Writer,
    status: Arc<Status>,
    fresh: Option<Arc<Fresh>>,
) {
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
            Some(c) => round(&reader, c, &writer, options.batch, crash_after_insert, fresh.as_deref()).await,
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
    fn texts_ship_as_stored_and_bad_bytes_as_replacement_characters() {
        let conn = Connection::open_in_memory().expect("memory");
        conn.query_row("SELECT 'juno ✓', CAST(x'6a75ff6e6f' AS TEXT), x'41', 42, NULL", [], |r| {
            assert!(matches!(text(r, 0)?, Some(Cow::Borrowed("juno ✓"))), "valid text is borrowed");
            assert_eq!(text(r, 1)?.as_deref(), Some("ju\u{fffd}no"), "a hand-edited row still ships");
            assert_eq!(text(r, 2)?.as_deref(), Some("A"));
            assert_eq!(text(r, 3)?.as_deref(), Some("42"));
            assert_eq!(text(r, 4)?, None);
            Ok(())
        })
        .expect("row");
    }

    #[test]
    fn a_block_not_acknowledged_is_resent_as_it_was() {
        // Nothing waiting.
        assert_eq!(plan(10, 10, Some(10), 100), None);
        assert_eq!(plan(0, 0, None, 100), None, "an empty table");
        // New rows: up to `batch` of them.
        assert_eq!(plan(10, 10, Some(15), 2), Some(Block { after: 10, through: 12, resend: false }));
        assert_eq!(plan(10, 10, Some(15), 100), Some(Block { after: 10, through: 15, resend: false }));
        // A planned block beyond the shipped cursor: the same range again, whatever
        // has arrived since.
        assert_eq!(plan(10, 12, Some(16), 100), Some(Block { after: 10, through: 12, resend: true }));
        assert_eq!(plan(10, 10, Some(11), 0), Some(Block { after: 10, through: 11, resend: false }), "batch 0 is 1");
        assert_eq!(
            plan(10, 10, Some(i64::MAX), usize::MAX),
            Some(Block { after: 10, through: i64::MAX, resend: false })
        );
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
        let block = next_block(&conn, Table::Events, 2).expect("read").expect("a block");
        assert_eq!(block, Block { after: 0, through: 2, resend: false });
        let rows = event_ids(&conn, block);
        assert_eq!(rows, [("e1".to_owned(), ch::first_wins(7)), ("e2".to_owned(), ch::first_wins(7))]);
        // Planned, not acknowledged: the same block again.
        apply(&conn, &Write::Cursor { target: Table::Events.block_cursor(), last_id: 2 }).expect("cursor");
        apply(&conn, &Write::Events { events: vec![event("e6")], client: None }).expect("insert");
        let again = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        assert_eq!(again, Block { after: 0, through: 2, resend: true });
        assert_eq!(event_ids(&conn, again), rows, "the same rows in the same order");
        // Acknowledged: on to the rest.
        apply(&conn, &Write::Cursor { target: Table::Events.shipped_cursor(), last_id: 2 }).expect("cursor");
        let next = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        assert_eq!(next, Block { after: 2, through: 6, resend: false });
        let ids: Vec<String> = event_ids(&conn, next).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["e3", "e4", "e5", "e6"]);
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
        let block = next_block(&conn, Table::Refunds, 10).expect("read").expect("shipped again");
        assert_eq!(block.after, 2);
        let rows = read_refunds(&conn, block).expect("refunds");
        assert_eq!((rows.len(), rows[0].amount, rows[0].ver), (1, 800, 800));

        // The backlog is counted from rowids: exact when shipped rows were purged from
        // the start, and at most one over per refund that grew while it waited.
        conn.execute_batch("DELETE FROM events WHERE id <= 2").expect("purge the shipped start");
        assert_eq!(backlog(&conn).expect("backlog").rows, 4 + 1);
        apply(&conn, &refund(900)).expect("refund");
        assert_eq!(backlog(&conn).expect("backlog").rows, 4 + 2, "one refund waiting, counted twice");
        // A block over the gap the move left is a row short, and still ships the rest.
        let block = next_block(&conn, Table::Refunds, 1).expect("read").expect("a block");
        assert_eq!((block.through, read_refunds(&conn, block).expect("refunds").len()), (3, 0));
    }

    /// The ids and versions of a block's events, as `each_event` hands them on.
    fn event_ids(conn: &Connection, block: Block) -> Vec<(String, u64)> {
        let mut ids = Vec::new();
        let sent = each_event::<rusqlite::Error>(conn, block, |row| {
            ids.push((row.event_id.to_string(), row.ver));
            Ok(())
        })
        .expect("read");
        assert_eq!(sent, ids.len());
        ids
    }

    #[test]
    fn a_block_longer_than_one_read_arrives_whole_and_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("s.sqlite"), Durability::Normal).expect("open");
        let n = EVENTS_PER_READ as usize * 2 + 7;
        let events = (0..n).map(|i| event(&format!("e{i:05}"))).collect();
        apply(&conn, &Write::Events { events, client: None }).expect("insert");
        let block = next_block(&conn, Table::Events, n + 10).expect("read").expect("a block");
        let ids: Vec<String> = event_ids(&conn, block).into_iter().map(|(id, _)| id).collect();
        let want: Vec<String> = (0..n).map(|i| format!("e{i:05}")).collect();
        assert_eq!(ids, want);
        // Exactly a chunk's worth ends on the empty read that follows it.
        let block = Block { after: 0, through: EVENTS_PER_READ, resend: false };
        assert_eq!(event_ids(&conn, block).len(), EVENTS_PER_READ as usize);
        // A failure to send stops the read there.
        let mut sent = 0;
        let stopped = each_event(&conn, block, |_| {
            sent += 1;
            if sent == 3 {
                Err(rusqlite::Error::InvalidQuery)
            } else {
                Ok(())
            }
        });
        assert!(stopped.is_err());
        assert_eq!(sent, 3);
    }

    #[test]
    fn odd_legacy_values_ship_flagged_instead_of_stalling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("s.sqlite"), Durability::Normal).expect("open");
        conn.execute_batch(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value, path, coupon)
             VALUES ('a', 'purchase', 'juno', 1, 1, 1, 'EUR', 1e30, 42, X'4a554e4fff');",
        )
        .expect("legacy row");
        let block = next_block(&conn, Table::Events, 10).expect("read").expect("a block");
        let mut seen = Vec::new();
        each_event::<rusqlite::Error>(&conn, block, |row| {
            seen.push((row.value, row.value_unreadable, owned(row.path.clone()), owned(row.coupon.clone())));
            Ok(())
        })
        .expect("read");
        assert_eq!(seen, [(None, 1, Some("42".to_owned()), Some("JUNO\u{fffd}".to_owned()))]);
    }
}
