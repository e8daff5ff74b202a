//! The SQLite file and its one writer.
//!
//! SQLite allows one writer at a time, and a commit costs an fsync. So every write goes
//! through a channel to a single writer thread, which takes whatever requests are
//! waiting (up to [`MAX_GROUP`]), writes them in one transaction, commits once, and only
//! then answers each request ("group commit"): one fsync serves many requests, and no
//! request hears "accepted" before its events are on disk. Readers (stats) use their
//! own connections; WAL mode lets them read while the writer writes.

use crate::event::{Event, Status};
use crate::fresh::Fresh;
use crate::webhook::{Order, Refund};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Requests written in one transaction at most.
pub const MAX_GROUP: usize = 128;
/// Requests waiting for the writer before senders wait too (back-pressure).
const QUEUE: usize = 1024;

/// How hard a commit waits for the disk (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// fsync the WAL on every commit: an acknowledged event survives a killed process
    /// *and* a power cut. The default.
    Full,
    /// fsync only at checkpoints: survives a killed process (the WAL is in the OS page
    /// cache), but a power cut can lose the last acknowledged commits.
    Normal,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database write failed: {0}")]
    Write(String),
    #[error("the writer has stopped (the collector is shutting down)")]
    Stopped,
}

/// One thing to write.
pub enum Write {
    /// A batch's valid events; `client` is the day's salted hash of the sender.
    Events {
        events: Vec<Event>,
        client: Option<String>,
    },
    Order(Order),
    Refund(Refund),
    /// A forwarder delivered every event up to `last_id`.
    Cursor {
        target: &'static str,
        last_id: i64,
    },
    /// Recounts the `daily` rows of the UTC days in `[from, to)` (Unix ms, whole days)
    /// from the raw events (see `retention`).
    Rollup {
        from: i64,
        to: i64,
    },
    /// Rolls up to this many events into stats' daily rollup (`stats::rollup`).
    RollEvents(i64),
    /// Brings the orders' kept joins up to date for this attribution window
    /// (`stats::picks::step`), seeing up to `max_events` new events.
    PickOrders {
        window_ms: i64,
        max_events: i64,
    },
    /// Brings the orders' day rollup up to date (`stats::order_days::step`) for this
    /// window and default creator, seeing up to `max_events` new events and rolling the
    /// days over by `now_ms`.
    RollOrders {
        window_ms: i64,
        default_creator: Option<String>,
        max_events: i64,
        now_ms: i64,
    },
    /// Deletes up to [`PURGE_CHUNK`] raw events older than `before` with an id of at
    /// most `through_id`, never the newest row (so SQLite never reuses its id).
    Purge {
        before: i64,
        through_id: i64,
    },
}

/// Raw events deleted per write, so a purge never holds the writer long.
pub const PURGE_CHUNK: i64 = 5000;

/// What a write did.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Per event, in order: accepted or duplicate.
    Events(Vec<Status>),
    /// `true` when new, `false` when a replay of something stored.
    Recorded(bool),
    /// Raw events deleted.
    Purged(usize),
    /// Raw events rolled up (fewer than asked: caught up).
    Rolled(usize),
    /// Whether the orders' kept joins caught up with the events and orders stored.
    Picked(bool),
    /// Whether the orders' day rollup caught up.
    OrdersRolled(bool),
}

struct Job {
    write: Write,
    reply: oneshot::Sender<Result<Written, String>>,
}

/// A handle for sending writes; cheap to clone. The writer stops when every handle
/// is dropped, after writing what was sent.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Writes and waits for the commit.
    pub async fn write(&self, write: Write) -> Result<Written, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { write, reply }).await.map_err(|_| StoreError::Stopped)?;
        match answer.await {
            Ok(Ok(written)) => Ok(written),
            Ok(Err(message)) => Err(StoreError::Write(message)),
            Err(_) => Err(StoreError::Stopped),
        }
    }
}

/// The tables as first written. Columns added since are in [`ADDED_COLUMNS`].
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  creator_id TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  occurred_at INTEGER NOT NULL,
  sent_at INTEGER,
  received_at INTEGER NOT NULL,
  page_load_id TEXT, seq INTEGER, client TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, utm_term TEXT,
  ref TEXT, referrer_host TEXT, platform_click_ids TEXT,
  path TEXT, locale TEXT, time_zone TEXT, in_app_browser TEXT,
  promotion_id TEXT, popup_id TEXT, item_list_id TEXT,
  currency TEXT, value INTEGER, coupon TEXT, transaction_id TEXT, items TEXT,
  click_id TEXT, destination_host TEXT
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (event_time);
-- A reload of the shop's thank-you page must not count a sale twice.
CREATE UNIQUE INDEX IF NOT EXISTS events_purchase_once ON events (creator_id, transaction_id) WHERE name = 'purchase';
CREATE INDEX IF NOT EXISTS events_by_click ON events (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_checkout_by_code ON events (coupon COLLATE NOCASE, event_time) WHERE name = 'begin_checkout' AND coupon IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_checkout_by_source ON events (utm_source, event_time) WHERE name = 'begin_checkout' AND utm_source IS NOT NULL;
CREATE TABLE IF NOT EXISTS orders (
  provider TEXT NOT NULL,
  order_id TEXT NOT NULL,
  creator_id TEXT,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  currency TEXT NOT NULL,
  value INTEGER NOT NULL,
  click_id TEXT, coupon TEXT, utm_source TEXT, utm_medium TEXT, utm_campaign TEXT,
  payment_ref TEXT,
  PRIMARY KEY (provider, order_id)
);
CREATE INDEX IF NOT EXISTS orders_by_payment ON orders (provider, payment_ref) WHERE payment_ref IS NOT NULL;
-- How far each forwarder has sent (the last events.id it delivered).
CREATE TABLE IF NOT EXISTS forward_cursor (
  target TEXT PRIMARY KEY,
  last_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
  provider TEXT NOT NULL,
  refund_id TEXT NOT NULL,
  order_ref TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (provider, refund_id)
);
";

/// Columns added since the tables above were first written, as (table, column, type).
/// [`open`] adds each one a file lacks, so a database from any earlier version keeps
/// working: `ALTER TABLE … ADD COLUMN` is instant and old rows read NULL (no affiliate,
/// which is what they had). A fresh file goes through the same steps, so there is one
/// schema, whatever the file's age.
pub const ADDED_COLUMNS: [(&str, &str, &str); 2] = [
    // The affiliate the storefront's attribution named (`attribution.affiliate`).
    ("events", "affiliate", "TEXT"),
    // The affiliate the shop sent back with the order (note attribute, custom data).
    ("orders", "affiliate", "TEXT"),
];

/// Indexes on the added columns (created once the columns exist), and tables added since.
const ADDED_INDEXES: &str = "
-- What stays of purged raw events (`--retention-days`): counts and value per UTC day,
-- creator, event name, utm_source, affiliate and currency ('' for none).
CREATE TABLE IF NOT EXISTS daily (
  day INTEGER NOT NULL, creator_id TEXT NOT NULL, name TEXT NOT NULL, utm_source TEXT NOT NULL,
  affiliate TEXT NOT NULL, currency TEXT NOT NULL, events INTEGER NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (day, creator_id, name, utm_source, affiliate, currency)
);
-- An affiliate's own report reads only their events.
CREATE INDEX IF NOT EXISTS events_by_affiliate ON events (affiliate, event_time) WHERE affiliate IS NOT NULL;
-- Stats' daily rollup (`stats::rollup`): one row per UTC day and everything stats group
-- counting events by; `key` is the first 16 bytes of the SHA-256 of all of that as JSON
-- (NULLs would not be equal in a UNIQUE index, and the JSON itself doubled the table).
CREATE TABLE IF NOT EXISTS event_days (
  day INTEGER NOT NULL, key BLOB NOT NULL,
  name TEXT NOT NULL, creator_id TEXT NOT NULL, affiliate TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, coupon TEXT, promotion_id TEXT,
  products TEXT NOT NULL, exclusion TEXT, first_time INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (day, key)
) WITHOUT ROWID;
-- Purchases rolled up the same way (`stats::rollup`), keyed also by currency, value,
-- its split over products (`shares`, JSON `[[product, minor units or null], …]`) and
-- whether a verified order confirms them (`confirmed`, kept true by the order's write).
CREATE TABLE IF NOT EXISTS purchase_days (
  day INTEGER NOT NULL, key BLOB NOT NULL,
  creator_id TEXT NOT NULL, affiliate TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, coupon TEXT,
  products TEXT NOT NULL, exclusion TEXT, currency TEXT, value INTEGER, shares TEXT NOT NULL,
  confirmed INTEGER NOT NULL, first_time INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (day, key)
) WITHOUT ROWID;
-- The same two rollups per UTC hour (`hour`: hours since the epoch), for the part of a
-- range to the millisecond that is not whole days: its whole hours are read here rather
-- than a day's raw events.
CREATE TABLE IF NOT EXISTS event_hours (
  hour INTEGER NOT NULL, key BLOB NOT NULL,
  name TEXT NOT NULL, creator_id TEXT NOT NULL, affiliate TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, coupon TEXT, promotion_id TEXT,
  products TEXT NOT NULL, exclusion TEXT, first_time INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (hour, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS purchase_hours (
  hour INTEGER NOT NULL, key BLOB NOT NULL,
  creator_id TEXT NOT NULL, affiliate TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, coupon TEXT,
  products TEXT NOT NULL, exclusion TEXT, currency TEXT, value INTEGER, shares TEXT NOT NULL,
  confirmed INTEGER NOT NULL, first_time INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (hour, key)
) WITHOUT ROWID;
-- Whether an order confirms a purchase, asked both ways: by the roller of each purchase,
-- and by each new order of the purchases already rolled up.
CREATE INDEX IF NOT EXISTS orders_by_order_id ON orders (order_id);
CREATE INDEX IF NOT EXISTS orders_by_click ON orders (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_purchase_by_transaction ON events (transaction_id) WHERE name = 'purchase';
-- The raw purchases of a report's whole days, read from the index alone (it holds every
-- column stats read): purchases are spread over the whole file, one page each otherwise.
CREATE INDEX IF NOT EXISTS events_purchase_by_time ON events (event_time, name, creator_id, coupon, utm_source,
  utm_medium, currency, value, transaction_id, click_id, items, path, affiliate, utm_campaign, utm_content,
  promotion_id) WHERE name = 'purchase';
-- The codes an affiliate's own events carried (`stats::private`), read by skipping from
-- one code to the next.
CREATE INDEX IF NOT EXISTS events_affiliate_codes ON events (affiliate, coupon)
  WHERE affiliate IS NOT NULL AND coupon IS NOT NULL;
-- Who owns a discount code: the earliest event that carried it together with an affiliate.
CREATE INDEX IF NOT EXISTS events_code_owner ON events (coupon COLLATE NOCASE, event_time)
  WHERE coupon IS NOT NULL AND affiliate IS NOT NULL;
-- Each order's join to its click by code or UTM, kept (`stats::picks`), by the order's
-- rowid (a report reads them in one scan of the orders, an integer lookup each; its
-- provider and order id are kept too, and a row naming another order is not taken): the
-- checkout (`how` 'code' or 'utm', its columns as a report reads them) or none, and
-- whether one lies outside the window; an order nothing joins and none lies outside
-- the window of keeps its code and source in `undecided_*`, so any new checkout with
-- them finds it.
CREATE TABLE IF NOT EXISTS order_picks (
  order_rowid INTEGER PRIMARY KEY, provider TEXT NOT NULL, order_id TEXT NOT NULL,
  how TEXT, outside INTEGER NOT NULL,
  event_id TEXT, creator_id TEXT, coupon TEXT, utm_source TEXT, utm_medium TEXT, utm_campaign TEXT,
  utm_content TEXT, affiliate TEXT, items TEXT, undecided_coupon TEXT, undecided_source TEXT
);
CREATE INDEX IF NOT EXISTS order_picks_undecided_code ON order_picks (undecided_coupon COLLATE NOCASE)
  WHERE undecided_coupon IS NOT NULL;
CREATE INDEX IF NOT EXISTS order_picks_undecided_source ON order_picks (undecided_source)
  WHERE undecided_source IS NOT NULL;
-- The orders a new checkout may join: by code or source and time.
CREATE INDEX IF NOT EXISTS orders_by_code ON orders (coupon COLLATE NOCASE, created_at) WHERE coupon IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_by_source ON orders (utm_source, created_at) WHERE utm_source IS NOT NULL;
-- Each UTC day's verified orders added up (`stats::order_days`), one row per creator and
-- affiliate of the day (`counts`: what `aggregate` adds up of them, as JSON), so a
-- season's report reads hundreds of rows instead of joining every order.
-- A day's orders, for the roller that sums it and a report that lists or reads it: a
-- scan of every order took 15-18 ms at 10^8 events, each time.
CREATE INDEX IF NOT EXISTS orders_by_time ON orders (created_at);
-- `private_counts`: an affiliate's orders as their own report link shows them.
CREATE TABLE IF NOT EXISTS order_days (
  day INTEGER NOT NULL, creator_id TEXT, affiliate TEXT, orders INTEGER NOT NULL, counts TEXT NOT NULL,
  private_counts TEXT
);
CREATE INDEX IF NOT EXISTS order_days_by_day ON order_days (day);
-- The days with orders, and whether `order_days` holds them (1) or they wait (0).
CREATE TABLE IF NOT EXISTS order_day_state (day INTEGER PRIMARY KEY, rolled INTEGER NOT NULL);
-- The codes (lowercased) and sources of a rolled day's orders that nothing joins and no
-- checkout lies outside the window of: any new checkout with them may change the day.
CREATE TABLE IF NOT EXISTS order_day_undecided (
  kind TEXT NOT NULL, value TEXT NOT NULL, day INTEGER NOT NULL, PRIMARY KEY (kind, value, day)
) WITHOUT ROWID;
-- What the rolled days are for: the attribution window and the default creator.
CREATE TABLE IF NOT EXISTS order_days_for (
  one INTEGER PRIMARY KEY CHECK (one = 1), window_ms INTEGER NOT NULL, default_creator TEXT
);
";

/// Opens (creating if needed) the database for writing and checks its schema.
pub fn open(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    let existing: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'events'", [], |r| {
            r.get(0)
        })?;
    conn.execute_batch(SCHEMA)?;
    migrate(&conn, existing)?;
    Ok(conn)
}

/// Brings a file of any earlier version up to this one (see [`ADDED_COLUMNS`]), in one
/// transaction: a crash half-way leaves the file as it was. A new database (`existing`
/// false) is made the same way, silently: the log line is for a file that was upgraded
/// (every report from ClickHouse makes an in-memory one).
fn migrate(conn: &Connection, existing: bool) -> rusqlite::Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    for (table, column, kind) in ADDED_COLUMNS {
        let present: bool = tx.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
            params![table, column],
            |r| r.get(0),
        )?;
        if !present {
            if existing {
                tracing::info!(table, column, "adding a column to an existing database");
            }
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    tx.execute_batch(ADDED_INDEXES)?;
    tx.commit()
}

/// A private in-memory database with the collector's schema: stats read from ClickHouse
/// copy what they need into one and run the same queries as on the file (see
/// `stats_source`).
pub fn open_memory() -> Result<Connection, StoreError> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(SCHEMA)?;
    migrate(&conn, false)?;
    Ok(conn)
}

/// A read-only connection for stats.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    Ok(conn)
}

/// Starts the writer thread on an open connection. Join the handle after dropping
/// every [`Writer`] to be sure everything sent was written. The receiver resolves when
/// the thread ends, normally or not: while requests are being served that means it
/// died, and the collector should stop (and be restarted) rather than answer 503s.
pub fn start(conn: Connection) -> (Writer, std::thread::JoinHandle<()>, oneshot::Receiver<()>) {
    start_handing(conn, None)
}

/// [`start`], and after each commit the accepted events go to `fresh` (when given) with
/// their rowids, for the ClickHouse shipper to take without reading them back.
pub fn start_handing(
    conn: Connection,
    fresh: Option<Arc<Fresh>>,
) -> (Writer, std::thread::JoinHandle<()>, oneshot::Receiver<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let (ended, stopped) = oneshot::channel();
    let handle = std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            let _ended = Ended(Some(ended));
            run(conn, rx, fresh)
        })
        .expect("the OS refused to start a thread at startup");
    (Writer { tx }, handle, stopped)
}

/// Says the writer ended when dropped, which also happens while a panic unwinds.
struct Ended(Option<oneshot::Sender<()>>);

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>, fresh: Option<Arc<Fresh>>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    let mut ids = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let writes: Vec<&Write> = jobs.iter().map(|job| &job.write).collect();
        ids.clear();
        let answers = write_all(&mut conn, &writes, &mut ids);
        let mut ids = ids.drain(..);
        for (Job { write, reply }, answer) in jobs.drain(..).zip(answers) {
            if let (Some(fresh), Write::Events { events, client }, Ok(Written::Events(statuses))) =
                (&fresh, write, &answer)
            {
                fresh.add_accepted(events, client, statuses, &mut ids);
            }
            // The requester may have gone away; what was committed stays committed.
            let _ = reply.send(answer);
        }
    }
    // Leave a tidy single file behind on a clean stop.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %e, "checkpoint at shutdown failed (the WAL is replayed on next start)");
    }
    tracing::info!("writer stopped; every acknowledged write is committed");
}

/// Writes a group in one transaction; `ids` gets the rowid of each event it accepted, in
/// order, when it commits (and nothing when it does not).
fn write_group(conn: &mut Connection, writes: &[&Write], ids: &mut Vec<i64>) -> Result<Vec<Written>, rusqlite::Error> {
    let before = ids.len();
    let written = (|| {
        let tx = conn.transaction()?;
        let mut results = Vec::with_capacity(writes.len());
        for write in writes {
            results.push(apply_noting(&tx, write, Some(ids))?);
        }
        tx.commit()?;
        Ok(results)
    })();
    if written.is_err() {
        ids.truncate(before);
    }
    written
}

/// Writes a group in one transaction, one answer per write. If the group fails, each
/// write is tried in its own transaction, so one bad write fails only its own request.
/// `ids` gets the rowids of the events accepted, in order (see [`write_group`]).
pub fn write_all(conn: &mut Connection, writes: &[&Write], ids: &mut Vec<i64>) -> Vec<Result<Written, String>> {
    match write_group(conn, writes, ids) {
        Ok(results) => results.into_iter().map(Ok).collect(),
        Err(e) if writes.len() > 1 => {
            tracing::warn!(error = %e, writes = writes.len(), "group commit failed; writing one by one");
            writes
                .iter()
                .map(|w| write_group(conn, &[w], ids).map(|mut r| r.remove(0)).map_err(|e| e.to_string()))
                .collect()
        }
        Err(e) => vec![Err(e.to_string())],
    }
}

/// Applies one write inside the open transaction.
pub fn apply(conn: &Connection, write: &Write) -> Result<Written, rusqlite::Error> {
    apply_noting(conn, write, None)
}

/// [`apply`], noting in `ids` the rowid of each event accepted.
fn apply_noting(conn: &Connection, write: &Write, mut ids: Option<&mut Vec<i64>>) -> Result<Written, rusqlite::Error> {
    match write {
        Write::Events { events, client } => {
            let mut insert = conn.prepare_cached(
                "INSERT OR IGNORE INTO events (event_id, name, creator_id, event_time, occurred_at, sent_at, received_at,
                   page_load_id, seq, client, utm_source, utm_medium, utm_campaign, utm_content, utm_term, ref,
                   referrer_host, platform_click_ids, path, locale, time_zone, in_app_browser, promotion_id, popup_id,
                   item_list_id, currency, value, coupon, transaction_id, items, click_id, destination_host, affiliate)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                   ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
            )?;
            let mut statuses = Vec::with_capacity(events.len());
            for e in events {
                let changed = insert.execute(params![
                    e.event_id,
                    e.name,
                    e.creator_id,
                    e.event_time,
                    e.occurred_at,
                    e.sent_at,
                    e.received_at,
                    e.page_load_id,
                    e.seq,
                    client,
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
                    e.value,
                    e.coupon,
                    e.transaction_id,
                    e.items,
                    e.click_id,
                    e.destination_host,
                    e.affiliate
                ])?;
                statuses.push(if changed == 1 {
                    if let Some(ids) = ids.as_mut() {
                        ids.push(conn.last_insert_rowid());
                    }
                    Status::Accepted
                } else {
                    Status::Duplicate
                });
            }
            Ok(Written::Events(statuses))
        }
        Write::Order(o) => {
            let changed = conn.prepare_cached(
                "INSERT OR IGNORE INTO orders (provider, order_id, creator_id, created_at, received_at, currency, value,
                   click_id, coupon, utm_source, utm_medium, utm_campaign, payment_ref, affiliate)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                o.provider,
                o.order_id,
                o.creator_id,
                o.created_at,
                o.received_at,
                o.currency,
                o.value,
                o.click_id,
                o.coupon,
                o.utm_source,
                o.utm_medium,
                o.utm_campaign,
                o.payment_ref,
                o.affiliate
            ])?;
            if changed == 1 {
                crate::stats::rollup::confirm(conn, o)?;
            }
            Ok(Written::Recorded(changed == 1))
        }
        Write::Cursor { target, last_id } => {
            conn.prepare_cached(
                "INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)
                 ON CONFLICT (target) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
            )?
            .execute(params![target, last_id])?;
            Ok(Written::Recorded(true))
        }
        Write::Rollup { from, to } => {
            conn.prepare_cached("DELETE FROM daily WHERE day >= ?1 / 86400000 AND day < ?2 / 86400000")?
                .execute(params![from, to])?;
            // Only amounts within the shared limits count, as in stats; a day whose sum
            // would pass i64 fails here (SQLite's sum() refuses to overflow) and nothing
            // is purged until it is resolved.
            conn.prepare_cached(
                "INSERT INTO daily (day, creator_id, name, utm_source, affiliate, currency, events, value)
                 SELECT event_time / 86400000, creator_id, name, coalesce(utm_source, ''), coalesce(affiliate, ''),
                   coalesce(currency, ''), count(*),
                   coalesce(sum(CASE WHEN typeof(value) = 'integer' AND value BETWEEN 0 AND ?3 THEN value END), 0)
                 FROM events WHERE event_time >= ?1 AND event_time < ?2
                 GROUP BY 1, 2, 3, 4, 5, 6",
            )?
            .execute(params![from, to, linkshelf_core::limits::MAX_AMOUNT_MINOR])?;
            Ok(Written::Recorded(true))
        }
        Write::RollEvents(max_rows) => Ok(Written::Rolled(crate::stats::rollup::roll(conn, *max_rows)?)),
        Write::PickOrders { window_ms, max_events } => {
            Ok(Written::Picked(crate::stats::picks::step(conn, *window_ms, *max_events)?))
        }
        Write::RollOrders { window_ms, default_creator, max_events, now_ms } => {
            let settings = crate::stats::order_days::Settings::new(*window_ms, default_creator.as_deref());
            Ok(Written::OrdersRolled(crate::stats::order_days::step(conn, &settings, *max_events, *now_ms)?))
        }
        Write::Purge { before, through_id } => {
            let deleted = conn
                .prepare_cached(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE event_time < ?1 AND id <= ?2
                       AND id < (SELECT max(id) FROM events) LIMIT ?3)",
                )?
                .execute(params![before, through_id, PURGE_CHUNK])?;
            Ok(Written::Purged(deleted))
        }
        Write::Refund(r) => {
            // Stripe reports a charge's refunds as a running total: keep the largest. A
            // grown total moves the row to a new, highest rowid, so the ClickHouse shipper
            // (which walks rowids in order, see `ship`) sends it again.
            let before: Option<i64> = conn
                .query_row(
                    "SELECT amount FROM refunds WHERE provider = ?1 AND refund_id = ?2",
                    params![r.provider, r.refund_id],
                    |row| row.get(0),
                )
                .optional()?;
            if before.is_some_and(|b| b >= r.amount.get()) {
                return Ok(Written::Recorded(false));
            }
            conn.prepare_cached(
                "INSERT INTO refunds (provider, refund_id, order_ref, currency, amount, created_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (provider, refund_id) DO UPDATE SET amount = excluded.amount, created_at = excluded.created_at,
                   rowid = (SELECT max(rowid) FROM refunds) + 1",
            )?
            .execute(params![
                r.provider,
                r.refund_id,
                r.order_ref,
                r.currency,
                r.amount.get(),
                r.created_at,
                r.received_at
            ])?;
            Ok(Written::Recorded(true))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn event(id: &str, name: &'static str, tx: Option<&str>) -> Event {
        Event {
            event_id: id.into(),
            name,
            creator_id: "juno".into(),
            transaction_id: tx.map(str::to_owned),
            ..Event::default()
        }
    }

    fn insert(conn: &Connection, events: Vec<Event>) -> Written {
        apply(conn, &Write::Events { events, client: None }).expect("insert")
    }

    #[test]
    fn dedups_on_event_id_and_on_a_purchases_transaction() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("t.sqlite"), Durability::Normal).expect("open");
        let got = insert(
            &conn,
            vec![event("a", "page_view", None), event("a", "page_view", None), event("b", "purchase", Some("T1"))],
        );
        assert_eq!(got, Written::Events(vec![Status::Accepted, Status::Duplicate, Status::Accepted]));
        // A reload of /thanks: new event id, same transaction.
        let got = insert(&conn, vec![event("c", "purchase", Some("T1")), event("d", "purchase", Some("T2"))]);
        assert_eq!(got, Written::Events(vec![Status::Duplicate, Status::Accepted]));
        // Other events may share a transaction id.
        assert_eq!(insert(&conn, vec![event("e", "page_view", Some("T1"))]), Written::Events(vec![Status::Accepted]));
    }

    #[test]
    fn one_failing_write_fails_only_its_own_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = open(&dir.path().join("t.sqlite"), Durability::Normal).expect("open");
        conn.execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_id = 'poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END;",
        )
        .expect("trigger");
        let batch = |id: &str| Write::Events { events: vec![event(id, "page_view", None)], client: None };
        let (a, bad, b) = (batch("a"), batch("poison"), batch("b"));
        let mut ids = Vec::new();
        let answers = write_all(&mut conn, &[&a, &bad, &b], &mut ids);
        assert_eq!(ids, [1, 2], "only the rowids of what committed, though the failed group had given 'a' one");
        assert_eq!(answers[0], Ok(Written::Events(vec![Status::Accepted])));
        assert!(answers[1].as_ref().is_err_and(|e| e.contains("poisoned")), "{answers:?}");
        assert_eq!(answers[2], Ok(Written::Events(vec![Status::Accepted])));
        let stored: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
        assert_eq!(stored, 2);
    }

    #[test]
    fn opening_an_older_file_adds_the_new_columns_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite");
        // A file as the collector wrote it before the affiliate columns, with a row.
        let old = Connection::open(&path).expect("create");
        old.execute_batch(SCHEMA).expect("the first schema");
        old.execute_batch(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at)
             VALUES ('old-1', 'page_view', 'juno', 1, 1, 1);",
        )
        .expect("an old row");
        drop(old);
        let columns = |conn: &Connection, table: &str| -> Vec<String> {
            let mut s = conn.prepare("SELECT name FROM pragma_table_info(?1)").expect("pragma");
            s.query_map([table], |r| r.get(0)).expect("columns").collect::<Result<_, _>>().expect("names")
        };
        for _ in 0..2 {
            let conn = open(&path, Durability::Normal).expect("opens, twice");
            for (table, column, _) in ADDED_COLUMNS {
                assert_eq!(columns(&conn, table).iter().filter(|c| *c == column).count(), 1, "{table}.{column}");
            }
        }
        let conn = open(&path, Durability::Normal).expect("open");
        let old_row: Option<String> =
            conn.query_row("SELECT affiliate FROM events WHERE event_id = 'old-1'", [], |r| r.get(0)).expect("row");
        assert_eq!(old_row, None, "an old row has no affiliate");
        let mut new = event("new-1", "page_view", None);
        new.affiliate = Some("juno.park".into());
        insert(&conn, vec![new]);
        let stored: String =
            conn.query_row("SELECT affiliate FROM events WHERE event_id = 'new-1'", [], |r| r.get(0)).expect("row");
        assert_eq!(stored, "juno.park");
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT affiliate FROM events WHERE coupon = 'X' COLLATE NOCASE
                   AND affiliate IS NOT NULL ORDER BY event_time, id LIMIT 1",
                [],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(plan.contains("events_code_owner"), "a code's owner is found by its index: {plan}");
    }

    #[test]
    fn refunds_keep_the_running_total() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("t.sqlite"), Durability::Normal).expect("open");
        let refund = |amount| Refund {
            provider: "stripe",
            refund_id: "ch_1".into(),
            order_ref: "pi_1".into(),
            currency: "EUR".into(),
            amount: crate::webhook::RefundAmount::new(amount).expect("in range"),
            created_at: 1,
            received_at: 1,
        };
        assert_eq!(apply(&conn, &Write::Refund(refund(500))).ok(), Some(Written::Recorded(true)));
        assert_eq!(apply(&conn, &Write::Refund(refund(500))).ok(), Some(Written::Recorded(false)));
        assert_eq!(apply(&conn, &Write::Refund(refund(800))).ok(), Some(Written::Recorded(true)));
        let total: i64 = conn.query_row("SELECT sum(amount) FROM refunds", [], |r| r.get(0)).expect("sum");
        assert_eq!(total, 800);
    }
}
