//! Daily rollups, so stats over a season of 10^8 events read thousands of rows instead
//! of every event, and hourly ones for the partial days of a range to the millisecond.
//!
//! - **What is rolled up**: the events that only add to counts (`page_view`,
//!   `view_promotion`, `select_item`, `begin_checkout`: [`ROLLED`]) become one row per
//!   UTC day and everything stats group or filter them by (creator, affiliate, the four
//!   UTM tags, code, code id, the products and their titles, or why the event cannot be
//!   counted), with how many events it stands for and the earliest one's time (which
//!   decides a code's spelling and a product's title, see `aggregate`). Purchases are
//!   rolled up apart, into `purchase_days`, keyed also by currency, value, the value's
//!   split over products, and whether a verified order confirms them: the rollup keeps
//!   no transaction or click ids, so the confirmation is decided when a purchase is
//!   rolled up (is there an order for it?) and kept true by the order that comes later
//!   ([`confirm`], in that order's write). Every event stays raw for as long as it is
//!   not rolled up.
//! - **Hours too** ([`Unit`]): the same rows per UTC hour, in `event_hours` and
//!   `purchase_hours`, behind their own cursor ([`HOUR_CURSOR`]), for a range that does
//!   not start or end at midnight: its partial first and last days were read raw, a
//!   million events a day at 10^8. Whole days are still read from the days' tables (a
//!   season in hours would be 24 times the rows).
//! - **When**: the writer rolls up events in id order, [`CHUNK`] at a time, behind a
//!   cursor in `forward_cursor` ([`CURSOR`]), a few seconds after they are stored
//!   (`run`). Rolling by id, not by day, means an event that arrives days late (the
//!   storefront's outbox) is rolled into its own day like any other, and a report never
//!   waits for a day to close.
//! - **How stats read them** ([`sources`]): for the whole UTC days of the range, the
//!   days' rollup rows; for the whole hours of its partial first and last days, the
//!   hours' (once [`HOUR_CURSOR`] has caught up with [`CURSOR`]; until then those days
//!   are read raw); over both, the raw events past the cursor, the raw purchases not
//!   rolled up (those between [`PURCHASE_CURSOR`] and [`CURSOR`]), and the rolled
//!   checkouts whose click id a verified order carries (the rollup has no click ids, and
//!   "checkouts that became orders" needs them: [`Weight::Ordered`]); for the part of an
//!   hour at each end, the raw events. The figures are the raw events' exactly
//!   (a property test holds the two to each other); only the time differs.
//! - **From ClickHouse** (`stats_source`) no roller runs: a report's range, to the
//!   millisecond, is added up there per day by one `GROUP BY`, keyed by [`row`] and
//!   summed through a [`Collapser`] like a file's rollup rows, its purchases keyed in
//!   Rust likewise ([`purchase`]); beside them an in-memory copy holds only what joins
//!   orders, and [`sources`] is told the rows cover the range, so it counts none of the
//!   copy's events. Settled days are keyed once by [`row`] into ClickHouse's own
//!   `event_days` and `event_hours` (`ch_days`) and read back as they are.
//! - **Retention** purges only events already rolled up into both units, so a day's and
//!   an hour's counts and money outlive their raw events.

use super::load::{raw_event, EVENT_COLUMNS};
use super::*;
use rusqlite::types::ToSql;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// The `forward_cursor` row: the last event id rolled up.
pub const CURSOR: &str = "rollup:event-days";
/// The `forward_cursor` row: the last event id whose purchases are rolled up (into
/// `purchase_days`). Apart from [`CURSOR`] so that a file from before purchases were
/// rolled up catches up on them: [`sources`] reads raw the purchases between the two.
pub const PURCHASE_CURSOR: &str = "rollup:purchase-days";
/// The events rolled up: those stats only count.
pub const ROLLED: [&str; 4] = ["page_view", "view_promotion", "select_item", "begin_checkout"];
/// Raw events rolled up per write: about 50 ms of the writer's time, so ingest never
/// waits long behind it.
pub const CHUNK: i64 = 20_000;
/// A UTC day: the rollup's unit.
pub const DAY_MS: i64 = 86_400_000;
/// A UTC hour: the unit of the second pair of tables (`event_hours`, `purchase_hours`),
/// read only for the part of a range that is not whole days.
pub const HOUR_MS: i64 = 3_600_000;
/// The `forward_cursor` row: the last event id rolled up into the hours' tables. Apart
/// from [`CURSOR`] so that a file rolled up before the hours were catches up on them
/// (reading its partial days raw meanwhile: [`sources`] reads hours only once their
/// cursor is the days').
pub const HOUR_CURSOR: &str = "rollup:event-hours";

/// The rollup's two units, each with its pair of tables. Days answer a report's whole
/// days; hours answer the whole hours of a range's partial first and last days, which
/// were read raw (a day at 10^8 events is a million rows, over a second). Hours are not
/// read for whole days: a season would read 24 times the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Unit {
    Day,
    Hour,
}

impl Unit {
    fn ms(self) -> i64 {
        match self {
            Unit::Day => DAY_MS,
            Unit::Hour => HOUR_MS,
        }
    }

    /// The day or hour (since the epoch) that instant `t` falls in.
    fn of(self, t: i64) -> i64 {
        t.div_euclid(self.ms())
    }

    /// The tables' first column: the day or the hour.
    fn column(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::Hour => "hour",
        }
    }

    fn events(self) -> &'static str {
        match self {
            Unit::Day => "event_days",
            Unit::Hour => "event_hours",
        }
    }

    fn purchases(self) -> &'static str {
        match self {
            Unit::Day => "purchase_days",
            Unit::Hour => "purchase_hours",
        }
    }
}

/// Everything a rolled-up event is grouped by: the fields [`aggregate`] reads of a
/// counting event. An event that cannot be counted keeps only what filters it and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
struct Key {
    name: String,
    creator_id: String,
    affiliate: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    coupon: Option<String>,
    promotion_id: Option<String>,
    /// The products it counts for ([`products_of_event`], `(none)` left out), each with
    /// the title its lines gave (the smallest, when lines disagree).
    products: Vec<(String, Option<String>)>,
    exclusion: Option<Exclusion>,
}

impl Key {
    fn of(e: &EventRow) -> Key {
        let (name, creator_id, affiliate) = (e.name.clone(), e.creator_id.clone(), e.affiliate.clone());
        if let Some(why) = e.exclusion() {
            return Key { name, creator_id, affiliate, exclusion: Some(why), ..Key::default() };
        }
        let products = products_of_event(e)
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| id != NONE)
            .map(|id| {
                let title = e
                    .items
                    .iter()
                    .filter(|i| i.item_id == id)
                    .filter_map(|i| i.item_name.as_ref().filter(|n| !n.trim().is_empty()))
                    .min()
                    .cloned();
                (id, title)
            })
            .collect();
        Key {
            name,
            creator_id,
            affiliate,
            utm_source: e.utm_source.clone(),
            utm_medium: e.utm_medium.clone(),
            utm_campaign: e.utm_campaign.clone(),
            utm_content: e.utm_content.clone(),
            coupon: e.coupon.clone(),
            promotion_id: e.promotion_id.clone(),
            products,
            exclusion: None,
        }
    }
}

/// Everything rolled-up purchases are grouped by: a counting event's [`Key`], and what
/// their money and its confirmation need. Events alike in all of it add up to a row
/// whose money is its value times its events, split over products as each was.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
struct PurchaseKey {
    key: Key,
    currency: Option<String>,
    value: Option<i64>,
    /// [`products_of_event`]: each product's share of the value, `(none)` included.
    shares: Vec<(String, Option<i128>)>,
    /// A verified order confirms the purchase (its transaction id or its click id is an
    /// order's: see `Confirmed`). Kept true by [`confirm`] when the order comes later.
    confirmed: bool,
}

impl PurchaseKey {
    fn of(e: &EventRow, confirmed: bool) -> PurchaseKey {
        let key = Key::of(e);
        // A purchase that cannot be counted is only counted out, confirmed or not.
        if key.exclusion.is_some() {
            return PurchaseKey { key, currency: None, value: None, shares: Vec::new(), confirmed: false };
        }
        PurchaseKey { key, currency: e.currency.clone(), value: e.value, shares: products_of_event(e), confirmed }
    }
}

/// A row's key: 16 bytes of the SHA-256 of its JSON (a collision needs about 2^64 rows).
fn key_hash(json: &str) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(json.as_bytes());
    let mut key = [0; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

fn to_sql_error(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// The last event id rolled up (0: none yet).
pub fn cursor(conn: &Connection) -> rusqlite::Result<i64> {
    cursor_of(conn, CURSOR)
}

/// The last event id whose purchases are rolled up (0: none yet).
pub fn purchase_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    cursor_of(conn, PURCHASE_CURSOR)
}

/// The last event id rolled up into the hours' tables (0: none yet).
pub fn hour_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    cursor_of(conn, HOUR_CURSOR)
}

fn cursor_of(conn: &Connection, target: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", [target], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Rolls up to `max_rows` events past the cursors into the days' and the hours' tables,
/// inside the caller's transaction, and moves the cursors. Returns the events read
/// (fewer than `max_rows`: caught up).
pub fn roll(conn: &Connection, max_rows: i64) -> rusqlite::Result<usize> {
    let (events_after, purchases_after, hours_after) = (cursor(conn)?, purchase_cursor(conn)?, hour_cursor(conn)?);
    let after = events_after.min(purchases_after).min(hours_after);
    let mut read =
        conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS}, id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"))?;
    let mut rows = read.query(params![after, max_rows])?;
    // (unit, day or hour, key) → (an event of the group, its earliest event_time,
    // events): one write per group rather than per event.
    let mut groups: HashMap<(Unit, i64, Key), (EventRow, i64, u64)> = HashMap::new();
    let mut purchases: HashMap<(Unit, i64, PurchaseKey), (i64, u64)> = HashMap::new();
    let (mut last, mut count) = (after, 0);
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(16)?;
        (last, count) = (id, count + 1);
        let e = raw_event(r)?;
        let time = e.event_time;
        if ROLLED.contains(&e.name.as_str()) {
            let key = Key::of(&e);
            if id > hours_after {
                let entry = groups
                    .entry((Unit::Hour, Unit::Hour.of(time), key.clone()))
                    .or_insert_with(|| (e.clone(), time, 0));
                entry.1 = entry.1.min(time);
                entry.2 += 1;
            }
            if id > events_after {
                let entry = groups.entry((Unit::Day, Unit::Day.of(time), key)).or_insert_with(|| (e, time, 0));
                entry.1 = entry.1.min(time);
                entry.2 += 1;
            }
        } else if e.name == "purchase" && (id > purchases_after || id > hours_after) {
            let key = PurchaseKey::of(&e, is_confirmed(conn, &e)?);
            for unit in [(Unit::Day, id > purchases_after), (Unit::Hour, id > hours_after)]
                .into_iter()
                .filter_map(|(unit, new)| new.then_some(unit))
            {
                let entry = purchases.entry((unit, unit.of(time), key.clone())).or_insert((time, 0));
                entry.0 = entry.0.min(time);
                entry.1 += 1;
            }
        }
    }
    // A key lands in a day's group and an hour's: its row (JSON, hash) is made once.
    let mut rows: HashMap<&Key, DayRow> = HashMap::new();
    for ((unit, _, key), (e, first_time, events)) in &groups {
        let row = match rows.entry(key) {
            Entry::Occupied(made) => made.into_mut(),
            Entry::Vacant(new) => new.insert(row(e, *first_time, *events).map_err(to_sql_error)?),
        };
        let day = first_time.div_euclid(DAY_MS);
        insert(conn, *unit, &DayRow { day, first_time: *first_time, events: *events, ..row.clone() })?;
    }
    let mut made: HashMap<&PurchaseKey, PurchaseTexts> = HashMap::new();
    for ((unit, _, key), (first, events)) in &purchases {
        let texts = match made.entry(key) {
            Entry::Occupied(made) => made.into_mut(),
            Entry::Vacant(new) => new.insert(PurchaseTexts::of(key).map_err(to_sql_error)?),
        };
        add_purchases(conn, *unit, key, texts, *first, *events)?;
    }
    if count > 0 {
        advance_event_cursors(conn, last)?;
        advance(conn, PURCHASE_CURSOR, last)?;
    }
    Ok(count)
}

/// Whether a verified order confirms purchase `e` now (as `Confirmed` would say).
fn is_confirmed(conn: &Connection, e: &EventRow) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE order_id = ?1) OR EXISTS (SELECT 1 FROM orders WHERE click_id = ?2)",
    )?
    .query_row(params![e.transaction_id, e.click_id], |r| r.get(0))
}

/// What a purchase row stores of its key as text: its hash, its products and shares as
/// JSON. Made once per key, for its day's row and its hour's.
struct PurchaseTexts {
    hash: [u8; 16],
    products: String,
    shares: String,
}

impl PurchaseTexts {
    fn of(key: &PurchaseKey) -> Result<PurchaseTexts, serde_json::Error> {
        Ok(PurchaseTexts {
            hash: key_hash(&serde_json::to_string(key)?),
            products: serde_json::to_string(&key.key.products)?,
            shares: serde_json::to_string(&key.shares)?,
        })
    }
}

/// Adds `events` purchases alike in `key` (`texts`: what it stores of it), the earliest
/// at `first_time`, to the `unit`'s purchases table (or to the row already there).
fn add_purchases(
    conn: &Connection,
    unit: Unit,
    key: &PurchaseKey,
    texts: &PurchaseTexts,
    first_time: i64,
    events: u64,
) -> rusqlite::Result<()> {
    let k = &key.key;
    let PurchaseTexts { hash, products, shares } = texts;
    let (table, column) = (unit.purchases(), unit.column());
    conn.prepare_cached(&format!(
        "INSERT INTO {table} ({column}, key, creator_id, affiliate, utm_source, utm_medium, utm_campaign,
           utm_content, coupon, products, exclusion, currency, value, shares, confirmed, first_time, events)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT ({column}, key) DO UPDATE SET
           events = events + excluded.events, first_time = min(first_time, excluded.first_time)"
    ))?
    .execute(params![
        unit.of(first_time),
        &hash[..],
        k.creator_id,
        k.affiliate,
        k.utm_source,
        k.utm_medium,
        k.utm_campaign,
        k.utm_content,
        k.coupon,
        products,
        k.exclusion.map(|why| why.name()),
        key.currency,
        key.value,
        shares,
        key.confirmed,
        first_time,
        i64::try_from(events).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// Moves the purchases already rolled up that `order` (just stored) confirms, and no
/// order before it did, from their unconfirmed rows to confirmed ones: the rollup then
/// says what `Confirmed` says of the raw events, whenever the order comes. Runs in the
/// order's write, so no roll can come between. (The moved purchase's old row keeps its
/// earliest time: another of its events or this one, now in the confirmed row, has
/// that time and the same texts, so titles and spellings come out the same.)
pub fn confirm(conn: &Connection, order: &crate::webhook::Order) -> rusqlite::Result<()> {
    let (days_rolled, hours_rolled) = (purchase_cursor(conn)?, hour_cursor(conn)?);
    let rolled = days_rolled.max(hours_rolled);
    if rolled == 0 {
        return Ok(());
    }
    let mut find = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS}, id FROM events WHERE name = 'purchase' AND id <= ?1 AND transaction_id = ?2
         UNION SELECT {EVENT_COLUMNS}, id FROM events WHERE name = 'purchase' AND id <= ?1 AND click_id = ?3"
    ))?;
    let purchases =
        find.query_map(params![rolled, order.order_id, order.click_id], |r| Ok((raw_event(r)?, r.get::<_, i64>(16)?)))?;
    let mut earlier = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE order_id = ?1 AND NOT (provider = ?3 AND order_id = ?4))
           OR EXISTS (SELECT 1 FROM orders WHERE click_id = ?2 AND NOT (provider = ?3 AND order_id = ?4))",
    )?;
    for p in purchases {
        let (p, id) = p?;
        if p.exclusion().is_some()
            || earlier.query_row(params![p.transaction_id, p.click_id, order.provider, order.order_id], |r| {
                r.get::<_, bool>(0)
            })?
        {
            continue;
        }
        let (from, to) = (PurchaseKey::of(&p, false), PurchaseKey::of(&p, true));
        let hash = key_hash(&serde_json::to_string(&from).map_err(to_sql_error)?);
        let texts = PurchaseTexts::of(&to).map_err(to_sql_error)?;
        for unit in [(Unit::Day, id <= days_rolled), (Unit::Hour, id <= hours_rolled)]
            .into_iter()
            .filter_map(|(unit, rolled)| rolled.then_some(unit))
        {
            let (table, column, at) = (unit.purchases(), unit.column(), unit.of(p.event_time));
            conn.prepare_cached(&format!("UPDATE {table} SET events = events - 1 WHERE {column} = ?1 AND key = ?2"))?
                .execute(params![at, &hash[..]])?;
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE {column} = ?1 AND key = ?2 AND events <= 0"))?
                .execute(params![at, &hash[..]])?;
            add_purchases(conn, unit, &to, &texts, p.event_time, 1)?;
        }
    }
    Ok(())
}

/// A row of `event_days`: what SQLite's table and ClickHouse's (`clickhouse::ddl`) hold
/// alike. Made only by [`row`], so every store keys events one way.
#[derive(Clone, Debug, PartialEq, Eq, clickhouse::Row, Serialize, serde::Deserialize)]
pub struct DayRow {
    /// The UTC day (days since the epoch) of `first_time`.
    pub day: i64,
    /// 16 bytes of the SHA-256 of the key's JSON (`key_hash`).
    pub key: [u8; 16],
    pub name: String,
    pub creator_id: String,
    pub affiliate: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub coupon: Option<String>,
    pub promotion_id: Option<String>,
    /// The key's products as JSON: `[[id, title or null], …]`.
    pub products: String,
    /// Why the events cannot be counted ([`Exclusion::name`]), if they cannot.
    pub exclusion: Option<String>,
    /// The earliest event's time.
    pub first_time: i64,
    pub events: u64,
}

impl DayRow {
    /// The events the row stands for, as stats add them up.
    pub fn event(&self) -> Result<EventRow, serde_json::Error> {
        let products: Vec<(String, Option<String>)> = serde_json::from_str(&self.products)?;
        Ok(EventRow {
            name: self.name.clone(),
            creator_id: self.creator_id.clone(),
            affiliate: self.affiliate.clone(),
            utm_source: self.utm_source.clone(),
            utm_medium: self.utm_medium.clone(),
            utm_campaign: self.utm_campaign.clone(),
            utm_content: self.utm_content.clone(),
            coupon: self.coupon.clone(),
            promotion_id: self.promotion_id.clone(),
            items: products
                .into_iter()
                .map(|(item_id, item_name)| StoredItem { item_id, item_name, price: 0, quantity: 1 })
                .collect(),
            // A reason this version does not know still leaves the events out.
            unreadable: self.exclusion.as_deref().map(|why| Exclusion::from_name(why).unwrap_or(Exclusion::EventItems)),
            event_time: self.first_time,
            weight: Weight::Rolled(self.events),
            ..EventRow::default()
        })
    }

    /// Folds in another row of the same day and key (events alike but for what the key
    /// leaves out): what SQLite's upsert in `insert` does, for a writer that must hand
    /// over one row per key (ClickHouse's `ReplacingMergeTree` keeps only one).
    pub fn merge(&mut self, other: &DayRow) {
        self.events = self.events.saturating_add(other.events);
        self.first_time = self.first_time.min(other.first_time);
    }
}

/// `events` events like `e`, the earliest at `first_time`, as the `event_days` row of
/// `first_time`'s UTC day and `e`'s key. The one place an event becomes a rollup row:
/// [`roll`] uses it (once per key) for the file's events, and ClickHouse's day
/// rollup (`ch_days`) and `stats_source` for the day groups they read there, so every
/// store keys events alike (and a ClickHouse group that differs only in what the key
/// leaves out, a path or a price, belongs to the same row).
pub fn row(e: &EventRow, first_time: i64, events: u64) -> Result<DayRow, serde_json::Error> {
    let k = Key::of(e);
    let key = key_hash(&serde_json::to_string(&k)?);
    let products = serde_json::to_string(&k.products)?;
    Ok(DayRow {
        day: first_time.div_euclid(DAY_MS),
        key,
        name: k.name,
        creator_id: k.creator_id,
        affiliate: k.affiliate,
        utm_source: k.utm_source,
        utm_medium: k.utm_medium,
        utm_campaign: k.utm_campaign,
        utm_content: k.utm_content,
        coupon: k.coupon,
        promotion_id: k.promotion_id,
        products,
        exclusion: k.exclusion.map(|why| why.name().to_owned()),
        first_time,
        events,
    })
}

/// Adds a row to SQLite's `event_days` or `event_hours`, or its events to the row
/// already there with its day (hour) and key (the earliest time kept). The row's day or
/// hour is its earliest time's.
fn insert(conn: &Connection, unit: Unit, r: &DayRow) -> rusqlite::Result<()> {
    let (table, column) = (unit.events(), unit.column());
    conn.prepare_cached(&format!(
        "INSERT INTO {table} ({column}, key, name, creator_id, affiliate, utm_source, utm_medium, utm_campaign,
           utm_content, coupon, promotion_id, products, exclusion, first_time, events)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT ({column}, key) DO UPDATE SET
           events = events + excluded.events, first_time = min(first_time, excluded.first_time)"
    ))?
    .execute(params![
        unit.of(r.first_time),
        &r.key[..],
        r.name,
        r.creator_id,
        r.affiliate,
        r.utm_source,
        r.utm_medium,
        r.utm_campaign,
        r.utm_content,
        r.coupon,
        r.promotion_id,
        r.products,
        r.exclusion,
        r.first_time,
        i64::try_from(r.events).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// The whole UTC days of `[from, to)`, as `(first_day, end_day)` day numbers (end
/// exclusive), or `None` when it holds none: what [`sources`] reads from the days'
/// rollup, and what `stats_source` reads from ClickHouse's (the rest of a range is
/// grouped from its events there).
pub fn whole_days(from: i64, to: i64) -> Option<(i64, i64)> {
    whole(Unit::Day, from, to)
}

/// The whole UTC hours of `[from, to)`, as `(first_hour, end_hour)` hour numbers (end
/// exclusive), or `None` when it holds none: what `stats_source` reads from
/// ClickHouse's hour rollup of a range's partial days.
pub fn whole_hours(from: i64, to: i64) -> Option<(i64, i64)> {
    whole(Unit::Hour, from, to)
}

/// The whole days or hours of `[from, to)`, as `(first, end)` numbers (end exclusive).
fn whole(unit: Unit, from: i64, to: i64) -> Option<(i64, i64)> {
    let first = unit.of(from) + i64::from(from.rem_euclid(unit.ms()) != 0);
    let end = unit.of(to);
    (first < end).then_some((first, end))
}

/// Moves the events' cursors, the days' and the hours', up to `last_id` (never back):
/// the events up to it count as rolled up in both units, and [`sources`] reads only
/// those past it raw.
fn advance_event_cursors(conn: &Connection, last_id: i64) -> rusqlite::Result<()> {
    advance(conn, CURSOR, last_id)?;
    advance(conn, HOUR_CURSOR, last_id)
}

fn advance(conn: &Connection, target: &str, last_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)
         ON CONFLICT (target) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
    )?
    .execute(params![target, last_id])?;
    Ok(())
}

/// A row of `event_days` as the events it stands for (its columns in [`DayRow`]'s
/// order, from `name`).
fn rolled_event(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    let events: i64 = r.get(12)?;
    let row = DayRow {
        day: 0,
        key: [0; 16],
        name: r.get(0)?,
        creator_id: r.get(1)?,
        affiliate: r.get(2)?,
        utm_source: r.get(3)?,
        utm_medium: r.get(4)?,
        utm_campaign: r.get(5)?,
        utm_content: r.get(6)?,
        coupon: r.get(7)?,
        promotion_id: r.get(8)?,
        products: r.get(9)?,
        exclusion: r.get(10)?,
        first_time: r.get(11)?,
        events: u64::try_from(events).unwrap_or(0),
    };
    row.event().map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))
}

/// `events` purchases like `e`, the earliest at `e`'s time, as a rollup row: the key
/// `purchase_days` would file them under (with their confirmation), and what
/// `rolled_purchase` reads back of that row. For purchases added up outside a file
/// (ClickHouse's report, `stats_source::fill`), so they count as the file's rolled-up
/// purchases do; a test holds the two to each other.
pub fn purchase(e: &EventRow, confirmed: bool, events: u64) -> Result<([u8; 16], EventRow), serde_json::Error> {
    let row = purchase_row(e, confirmed, e.event_time, events)?;
    Ok((row.key, row.event()?))
}

/// A row of `purchase_days` as ClickHouse's day rollup stores it (`ch_days`): the
/// file's columns, and the key they hash to. Made only by [`purchase_row`].
#[derive(Clone, Debug, PartialEq, Eq, clickhouse::Row, Serialize, serde::Deserialize)]
pub struct PurchaseRow {
    /// The UTC day (days since the epoch) of `first_time`.
    pub day: i64,
    pub key: [u8; 16],
    pub creator_id: String,
    pub affiliate: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub coupon: Option<String>,
    /// As [`DayRow::products`].
    pub products: String,
    pub exclusion: Option<String>,
    pub currency: Option<String>,
    pub value: Option<i64>,
    /// Each product's share of the value as JSON (`[[id, share or null], …]`).
    pub shares: String,
    /// 1 when a verified order confirms the purchases (a `UInt8` column: ClickHouse
    /// 18.16 has no `Bool`).
    pub confirmed: u8,
    pub first_time: i64,
    pub events: u64,
}

impl PurchaseRow {
    /// The purchases the row stands for, as stats add them up.
    pub fn event(&self) -> Result<EventRow, serde_json::Error> {
        // What it has in common with an `event_days` row, read as one.
        let row = DayRow {
            day: self.day,
            key: self.key,
            name: "purchase".to_owned(),
            creator_id: self.creator_id.clone(),
            affiliate: self.affiliate.clone(),
            utm_source: self.utm_source.clone(),
            utm_medium: self.utm_medium.clone(),
            utm_campaign: self.utm_campaign.clone(),
            utm_content: self.utm_content.clone(),
            coupon: self.coupon.clone(),
            promotion_id: None,
            products: self.products.clone(),
            exclusion: self.exclusion.clone(),
            first_time: self.first_time,
            events: self.events,
        };
        Ok(EventRow {
            currency: self.currency.clone(),
            value: self.value,
            shares: Some(serde_json::from_str(&self.shares)?),
            confirmed: self.confirmed != 0,
            ..row.event()?
        })
    }

    /// Folds in another row of the same day and key (see [`DayRow::merge`]).
    pub fn merge(&mut self, other: &PurchaseRow) {
        self.events = self.events.saturating_add(other.events);
        self.first_time = self.first_time.min(other.first_time);
    }
}

/// `events` purchases like `e`, the earliest at `first_time`, as the `purchase_days` row
/// of `first_time`'s UTC day, keyed as the file keys them (`PurchaseKey`).
pub fn purchase_row(
    e: &EventRow,
    confirmed: bool,
    first_time: i64,
    events: u64,
) -> Result<PurchaseRow, serde_json::Error> {
    let key = PurchaseKey::of(e, confirmed);
    let hash = key_hash(&serde_json::to_string(&key)?);
    let PurchaseKey { key: k, currency, value, shares, confirmed } = key;
    Ok(PurchaseRow {
        day: first_time.div_euclid(DAY_MS),
        key: hash,
        creator_id: k.creator_id,
        affiliate: k.affiliate,
        utm_source: k.utm_source,
        utm_medium: k.utm_medium,
        utm_campaign: k.utm_campaign,
        utm_content: k.utm_content,
        coupon: k.coupon,
        products: serde_json::to_string(&k.products)?,
        exclusion: k.exclusion.map(|why| why.name().to_owned()),
        currency,
        value,
        shares: serde_json::to_string(&shares)?,
        confirmed: u8::from(confirmed),
        first_time,
        events,
    })
}

/// A row of `purchase_days` as the purchases it stands for.
fn rolled_purchase(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    let events: i64 = r.get(14)?;
    let row = PurchaseRow {
        day: 0,
        key: [0; 16],
        creator_id: r.get(0)?,
        affiliate: r.get(1)?,
        utm_source: r.get(2)?,
        utm_medium: r.get(3)?,
        utm_campaign: r.get(4)?,
        utm_content: r.get(5)?,
        coupon: r.get(6)?,
        products: r.get(7)?,
        exclusion: r.get(8)?,
        currency: r.get(9)?,
        value: r.get(10)?,
        shares: r.get(11)?,
        confirmed: u8::from(r.get::<_, bool>(12)?),
        first_time: r.get(13)?,
        events: u64::try_from(events).unwrap_or(0),
    };
    // (Products or shares that are not JSON: a hand-edited row.)
    row.event().map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e)))
}

/// A rolled-up checkout read again because a verified order carries its click id.
fn ordered_event(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow { weight: Weight::Ordered, ..raw_event(r)? })
}

/// One query whose rows stats add up.
pub struct Source {
    pub sql: String,
    params: Vec<(&'static str, SqlValue)>,
    pub read: fn(&rusqlite::Row) -> rusqlite::Result<EventRow>,
    /// Rollup rows: read through [`collapsed`], not one by one.
    pub collapse: Option<Collapse>,
}

/// Where a rollup row's key, earliest time and count are among its columns.
#[derive(Clone, Copy, Debug)]
pub struct Collapse {
    key: usize,
    time: usize,
    events: usize,
}

/// Rollup rows as one [`EventRow`] per key, holding each day's count for the series
/// (`EventRow::days`). A season is about 90 rows of each key, one a day, and the sum
/// per group is the dearest part of a report: done once per key it is done about 90
/// times less. (Rows alike in their key are alike in every column read but the day,
/// time and count: the key is their hash.)
#[derive(Default)]
pub struct Collapser {
    at: foldhash::HashMap<[u8; 16], usize>,
    rows: Vec<EventRow>,
}

impl Collapser {
    /// Adds a row of `key` (`None`: a row of its own) standing for `events` events, the
    /// earliest at `time`; `event` makes its [`EventRow`], only for a key not seen yet.
    pub fn add<E>(
        &mut self,
        key: Option<[u8; 16]>,
        time: i64,
        events: u64,
        event: impl FnOnce() -> Result<EventRow, E>,
    ) -> Result<(), E> {
        match key.and_then(|k| self.at.get(&k).copied()) {
            Some(i) => {
                let e = &mut self.rows[i];
                e.event_time = e.event_time.min(time);
                if let Weight::Rolled(total) = e.weight {
                    e.weight = Weight::Rolled(total.saturating_add(events));
                }
                e.days.get_or_insert_with(Vec::new).push((time, events));
            }
            None => {
                let mut e = event()?;
                e.days = Some(vec![(time, events)]);
                if let Some(k) = key {
                    self.at.insert(k, self.rows.len());
                }
                self.rows.push(e);
            }
        }
        Ok(())
    }

    pub fn rows(self) -> Vec<EventRow> {
        self.rows
    }
}

/// A rollup source's rows through a [`Collapser`].
pub fn collapsed(conn: &Connection, source: &Source, c: Collapse) -> rusqlite::Result<Vec<EventRow>> {
    let mut statement = conn.prepare(&source.sql)?;
    let mut rows = statement.query(source.params().as_slice())?;
    let mut collapser = Collapser::default();
    while let Some(r) = rows.next()? {
        let (time, events): (i64, i64) = (r.get(c.time)?, r.get(c.events)?);
        // A key that is not 16 bytes (a hand-edited row) is its own row.
        let key = match r.get_ref(c.key)? {
            rusqlite::types::ValueRef::Blob(b) => <[u8; 16]>::try_from(b).ok(),
            _ => None,
        };
        collapser.add(key, time, u64::try_from(events).unwrap_or(0), || (source.read)(r))?;
    }
    Ok(collapser.rows())
}

impl Source {
    pub fn params(&self) -> Vec<(&str, &dyn ToSql)> {
        self.params.iter().map(|(name, value)| (*name, value as &dyn ToSql)).collect()
    }
}

/// The queries that give a report's events: raw ones where nothing is rolled up (or the
/// range holds no whole UTC day), else rollup rows for the whole days and raw events
/// for the rest (see the module's rules). `covered`: the rows handed to the sum beside
/// them stand for every counting event and purchase of the range, to the millisecond
/// (ClickHouse's report, `stats_source`, whose copy holds events only to join orders):
/// then only the checkouts that became orders are read, as "ordered", as they are read
/// for rolled-up days.
pub fn sources(conn: &Connection, query: &Query, covered: bool) -> rusqlite::Result<Vec<Source>> {
    const NAMES: &str = "name IN ('page_view', 'view_promotion', 'select_item', 'begin_checkout', 'purchase')";
    let mut filter = String::from("(:creator IS NULL OR creator_id = :creator)");
    let mut common: Vec<(&'static str, SqlValue)> =
        vec![(":creator", query.creator.clone().map_or(SqlValue::Null, SqlValue::Text))];
    // One affiliate's events are read by their index (`events_by_affiliate`), which an
    // `(:affiliate IS NULL OR …)` condition would keep SQLite from using.
    if let Some(affiliate) = query.scope.affiliate() {
        filter.push_str(" AND affiliate = :affiliate");
        common.push((":affiliate", SqlValue::Text(affiliate.to_owned())));
    }
    let with = |extra: &[(&'static str, i64)]| {
        let mut params = common.clone();
        params.extend(extra.iter().map(|(name, v)| (*name, SqlValue::Integer(*v))));
        params
    };
    let raw = |from: i64, to: i64| Source {
        sql: format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE event_time >= :from AND event_time < :to AND {NAMES} AND {filter}"
        ),
        params: with(&[(":from", from), (":to", to)]),
        read: raw_event,
        collapse: None,
    };
    // Rolled-up checkouts (ids up to `rolled`) in `[from, to)` read again because a
    // verified order carries their click id.
    let ordered = |from: i64, to: i64, rolled: i64| Source {
        sql: format!(
            "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_by_click
             WHERE click_id IS NOT NULL AND click_id IN (SELECT click_id FROM orders WHERE click_id IS NOT NULL)
               AND name = 'begin_checkout'
               AND event_time >= :from AND event_time < :to AND id <= :rolled AND {filter}"
        ),
        params: with(&[(":from", from), (":to", to), (":rolled", rolled)]),
        read: ordered_event,
        collapse: None,
    };
    if covered {
        return Ok(vec![ordered(query.from, query.to, i64::MAX)]);
    }
    let rolled = cursor(conn)?;
    if rolled == 0 {
        return Ok(vec![raw(query.from, query.to)]);
    }
    // The hours hold what the days hold once their cursor is the days' (a file rolled
    // up before they were catches up first).
    let hours = hour_cursor(conn)? == rolled;
    let days = whole(Unit::Day, query.from, query.to);
    // The part read from the rollup, `[start, end)`: whole hours where the hours are
    // rolled up, else whole days. What lies outside it (less than an hour, or a day, at
    // each end) is read raw.
    let unit = if hours { Unit::Hour } else { Unit::Day };
    let Some((first, last)) = whole(unit, query.from, query.to) else {
        return Ok(vec![raw(query.from, query.to)]);
    };
    let (start, end) = (first * unit.ms(), last * unit.ms());
    // The rollup tables read: the days' for whole days, the hours' for the rest.
    let mut tables = Vec::new();
    if let Some((first_day, end_day)) = days {
        tables.push((Unit::Day, first_day, end_day));
    }
    if hours {
        const HOURS: i64 = DAY_MS / HOUR_MS;
        let (day_start, day_end) = days.map_or((last, last), |(a, b)| (a * HOURS, b * HOURS));
        tables.extend([(Unit::Hour, first, day_start), (Unit::Hour, day_end, last)]);
    }
    tables.retain(|(_, a, b)| a < b);
    let mut sources = Vec::new();
    if query.from < start {
        sources.push(raw(query.from, start));
    }
    if end < query.to {
        sources.push(raw(end, query.to));
    }
    let whole = [(":from", start), (":to", end), (":rolled", rolled)];
    sources.push(Source {
        // Read by id (`NOT INDEXED` keeps SQLite off the time and affiliate indexes,
        // which would read a season): few rows are past the cursor.
        sql: format!(
            "SELECT {EVENT_COLUMNS} FROM events NOT INDEXED
             WHERE id > :rolled AND event_time >= :from AND event_time < :to
               AND {NAMES} AND {filter}"
        ),
        params: with(&whole),
        read: raw_event,
        collapse: None,
    });
    // Purchases rolled up into the hours but not yet into the days (a file from before
    // purchases were rolled up): only the days' tables can lack them.
    if let Some((first_day, end_day)) = days {
        sources.push(Source {
            sql: format!(
                "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_purchase_by_time
                 WHERE name = 'purchase' AND event_time >= :from AND event_time < :to
                   AND id > :purchases_rolled AND id <= :rolled AND {filter}"
            ),
            params: with(&[
                (":from", first_day * DAY_MS),
                (":to", end_day * DAY_MS),
                (":rolled", rolled),
                (":purchases_rolled", purchase_cursor(conn)?.min(rolled)),
            ]),
            read: raw_event,
            collapse: None,
        });
    }
    sources.push(ordered(start, end, rolled));
    for (unit, first, end) in tables {
        let (column, events, purchases) = (unit.column(), unit.events(), unit.purchases());
        sources.push(Source {
            sql: format!(
                "SELECT name, creator_id, affiliate, utm_source, utm_medium, utm_campaign, utm_content, coupon,
                   promotion_id, products, exclusion, first_time, events, key
                 FROM {events} WHERE {column} >= :first AND {column} < :end AND {filter}"
            ),
            params: with(&[(":first", first), (":end", end)]),
            read: rolled_event,
            collapse: Some(Collapse { time: 11, events: 12, key: 13 }),
        });
        sources.push(Source {
            sql: format!(
                "SELECT creator_id, affiliate, utm_source, utm_medium, utm_campaign, utm_content, coupon, products,
                   exclusion, currency, value, shares, confirmed, first_time, events, key
                 FROM {purchases} WHERE {column} >= :first AND {column} < :end AND {filter}"
            ),
            params: with(&[(":first", first), (":end", end)]),
            read: rolled_purchase,
            collapse: Some(Collapse { time: 13, events: 14, key: 15 }),
        });
    }
    Ok(sources)
}

/// How long the roller rests once caught up: a report reads the events past the cursor
/// raw, so a few seconds of them cost nothing.
pub const REST: std::time::Duration = std::time::Duration::from_secs(5);

/// Rolls events up as they come, [`CHUNK`] per write, resting [`REST`] once caught up.
/// Runs when stats read SQLite (no ClickHouse): from the first start of a file with a
/// season of events in it, it catches up in the background while reports read raw.
pub async fn run(writer: crate::store::Writer, window_ms: i64, default_creator: Option<String>) {
    use crate::store::{Write, Written};
    loop {
        let rolled = writer.write(Write::RollEvents(CHUNK)).await;
        // The orders' kept joins follow the same events (`picks`), and their day sums
        // follow both (`order_days`).
        let picked = writer.write(Write::PickOrders { window_ms, max_events: CHUNK }).await;
        let now_ms = crate::server::now_ms();
        let days = writer
            .write(Write::RollOrders { window_ms, default_creator: default_creator.clone(), max_events: CHUNK, now_ms })
            .await;
        match (rolled, picked, days) {
            (Ok(Written::Rolled(n)), Ok(Written::Picked(picked)), Ok(Written::OrdersRolled(summed)))
                if n as i64 >= CHUNK || !picked || !summed =>
            {
                tokio::task::yield_now().await
            }
            (Ok(_), Ok(_), Ok(_)) => tokio::time::sleep(REST).await,
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                tracing::warn!(error = %e, "rolling up events failed; reports read them raw meanwhile");
                tokio::time::sleep(REST).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::store::{self, Durability, Write};
    use crate::webhook::Order;
    use proptest::prelude::*;

    /// The start of a UTC day, a Tuesday.
    const DAY0: i64 = 20_400 * DAY_MS;
    const NAMES: [&str; 6] =
        ["page_view", "view_promotion", "select_item", "begin_checkout", "purchase", "view_item_list"];

    fn pick<T: Clone + std::fmt::Debug>(options: &[T]) -> impl Strategy<Value = T> {
        let options = options.to_vec();
        (0..options.len()).prop_map(move |i| options[i].clone())
    }

    fn text(options: &'static [Option<&'static str>]) -> impl Strategy<Value = Option<String>> {
        pick(options).prop_map(|o| o.map(str::to_owned))
    }

    /// Lines as ingest stores them, some outside the limits (rows from before them).
    fn items() -> impl Strategy<Value = Option<String>> {
        let line = (
            pick(&["mug", "tote", "pen"]),
            pick(&[None, Some("Mug"), Some("mug!"), Some(" ")]),
            pick(&[0i64, 1200, 3300, -1]),
            1u32..3,
        );
        prop_oneof![
            4 => proptest::collection::vec(line, 0..3).prop_map(|lines| {
                let lines: Vec<StoredItem> = lines
                    .into_iter()
                    .map(|(id, name, price, quantity)| StoredItem {
                        item_id: id.into(),
                        item_name: name.map(str::to_owned),
                        price,
                        quantity,
                    })
                    .collect();
                (!lines.is_empty()).then(|| serde_json::to_string(&lines).expect("items"))
            }),
            1 => Just(Some("not items".to_owned())),
        ]
    }

    prop_compose! {
        fn event()(
            name in pick(&NAMES),
            creator in pick(&["juno", "sam"]),
            affiliate in text(&[None, Some("ana"), Some("bo")]),
            source in text(&[None, Some("tiktok"), Some("instagram")]),
            campaign in text(&[None, Some("spring")]),
            content in text(&[None, Some("clip-7")]),
            coupon in text(&[None, Some("JUNO15"), Some("juno15"), Some("Mika10")]),
            promotion in text(&[None, Some("juno15"), Some("mika10")]),
            items in items(),
            value in pick(&[None, Some(0i64), Some(3200), Some(-5)]),
            currency in text(&[Some("EUR"), Some("EUR"), Some("USD"), None]),
            click in text(&[None, Some("c1"), Some("c2"), Some("c3"), Some("c4")]),
            tx in text(&[Some("t1"), Some("t2"), Some("t3"), Some("t4")]),
            path in text(&[None, Some("/"), Some("/p/mug/"), Some("/p/pen/")]),
            at in 0..4 * DAY_MS,
        ) -> Event {
            Event {
                name,
                creator_id: creator.into(),
                affiliate,
                utm_source: source,
                utm_medium: None,
                utm_campaign: campaign,
                utm_content: content,
                coupon,
                promotion_id: promotion,
                items,
                value,
                currency,
                click_id: click,
                transaction_id: tx.filter(|_| name == "purchase"),
                path,
                event_time: DAY0 + at,
                ..Event::default()
            }
        }
    }

    prop_compose! {
        fn order()(
            id in prop_oneof![(0..1000u32).prop_map(|n| format!("o-{n}")), pick(&["t1", "t2", "t3"]).prop_map(String::from)],
            click in text(&[None, Some("c1"), Some("c2"), Some("c5")]),
            coupon in text(&[None, Some("JUNO15"), Some("mika10")]),
            creator in text(&[None, Some("juno")]),
            at in 0..4 * DAY_MS,
        ) -> Order {
            Order {
                provider: "stripe",
                order_id: id,
                creator_id: creator,
                created_at: DAY0 + at,
                received_at: DAY0 + at,
                currency: "EUR".into(),
                value: 2000,
                click_id: click,
                coupon,
                utm_source: None,
                utm_medium: None,
                utm_campaign: None,
                payment_ref: None,
                affiliate: None,
            }
        }
    }

    fn query() -> impl Strategy<Value = Query> {
        let scope = prop_oneof![
            Just(Scope::default()),
            Just(Scope::Brand { affiliate: Some("ana".into()) }),
            Just(Scope::Affiliate("ana".into())),
        ];
        (-DAY_MS..5 * DAY_MS, 0..5 * DAY_MS, pick(&[None, Some("juno")]), scope, any::<bool>()).prop_map(
            |(from, length, creator, scope, whole)| {
                // Whole days half of the time: the report's ranges.
                let (from, length) = if whole {
                    (from - from.rem_euclid(DAY_MS), length - length.rem_euclid(DAY_MS) + DAY_MS)
                } else {
                    (from, length + 1)
                };
                Query { from: DAY0 + from, to: DAY0 + from + length, creator: creator.map(str::to_owned), scope }
            },
        )
    }

    fn checkout(id: &str, code: &str, at: i64) -> Event {
        Event {
            event_id: id.into(),
            name: "begin_checkout",
            creator_id: "juno".into(),
            coupon: Some(code.into()),
            event_time: DAY0 + at,
            ..Event::default()
        }
    }

    /// A late event that is the day's earliest moves its row's time back, so the code
    /// keeps the spelling the first checkout used; one row per day and spelling.
    #[test]
    fn a_late_event_counts_in_its_day_and_can_be_the_earliest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = store::open(&dir.path().join("r.sqlite"), Durability::Normal).expect("open");
        let write = |events| store::apply(&conn, &Write::Events { events, client: None }).expect("insert");
        write(vec![checkout("a", "JUNO15", 30_000), checkout("b", "juno15", 20_000)]);
        assert_eq!(roll(&conn, 10).expect("roll"), 2);
        // Sent from a phone's outbox a while later, but it happened first.
        write(vec![checkout("c", "JUNO15", 10_000), checkout("d", "JUNO15", DAY_MS + 5)]);
        assert_eq!(roll(&conn, 10).expect("roll"), 2);
        assert_eq!(roll(&conn, 10).expect("caught up"), 0);
        let rows: Vec<(i64, String, i64, i64)> = conn
            .prepare("SELECT day, coupon, first_time, events FROM event_days ORDER BY day, coupon")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let day = DAY0 / DAY_MS;
        assert_eq!(
            rows,
            [
                (day, "JUNO15".into(), DAY0 + 10_000, 2),
                (day, "juno15".into(), DAY0 + 20_000, 1),
                (day + 1, "JUNO15".into(), DAY0 + DAY_MS + 5, 1)
            ]
        );
        let query = Query { from: DAY0, to: DAY0 + 2 * DAY_MS, ..Query::default() };
        let stats = load(&conn, &query, DAY_MS, None).expect("stats");
        let codes: Vec<(&str, u64)> =
            stats.by["code"].iter().map(|r| (r.key.as_str(), r.group.funnel.checkouts_started)).collect();
        assert_eq!(codes, [("JUNO15", 4)]);
        assert_eq!(stats.series.points.iter().map(|p| p.checkouts_started).collect::<Vec<_>>(), [3, 1]);
    }

    /// A range to the millisecond reads its partial days' whole hours from the hours'
    /// rollup, and only the part of an hour at each end raw: with the raw events gone
    /// (as retention purges them), the whole hours still count and the partial ones do
    /// not; and the hours hold each event in its own hour, late ones too.
    #[test]
    fn a_partial_day_reads_its_whole_hours_from_the_hours() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = store::open(&dir.path().join("h.sqlite"), Durability::Normal).expect("open");
        let hour = |h: i64, ms: i64| h * HOUR_MS + ms;
        let checkouts = [
            // Before the range, in its first hour, in whole hours of day 0, in the whole
            // day 1, in whole hours of day 2, in its last hour, after it.
            checkout("a", "JUNO15", hour(1, 0)),
            checkout("b", "JUNO15", hour(2, 10)),
            checkout("c", "JUNO15", hour(2, 40 * 60_000)),
            checkout("d", "JUNO15", hour(3, 0)),
            checkout("e", "JUNO15", hour(23, HOUR_MS - 1)),
            checkout("f", "JUNO15", hour(30, 0)),
            checkout("g", "JUNO15", hour(48, 0)),
            checkout("h", "JUNO15", hour(50, 5)),
            checkout("i", "JUNO15", hour(51, 0)),
        ];
        store::apply(&conn, &Write::Events { events: checkouts.to_vec(), client: None }).expect("insert");
        assert_eq!(roll(&conn, 3).expect("roll"), 3);
        while roll(&conn, 3).expect("roll") == 3 {}
        let rows: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT hour, first_time, events FROM event_hours ORDER BY hour")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let h0 = DAY0 / HOUR_MS;
        assert_eq!(
            rows,
            [
                (h0 + 1, DAY0 + hour(1, 0), 1),
                (h0 + 2, DAY0 + hour(2, 10), 2),
                (h0 + 3, DAY0 + hour(3, 0), 1),
                (h0 + 23, DAY0 + hour(23, HOUR_MS - 1), 1),
                (h0 + 30, DAY0 + hour(30, 0), 1),
                (h0 + 48, DAY0 + hour(48, 0), 1),
                (h0 + 50, DAY0 + hour(50, 5), 1),
                (h0 + 51, DAY0 + hour(51, 0), 1),
            ]
        );
        let query = Query { from: DAY0 + hour(2, 20 * 60_000), to: DAY0 + hour(50, 60_000), ..Query::default() };
        let started =
            |conn: &Connection| load(conn, &query, DAY_MS, None).expect("stats").totals.funnel.checkouts_started;
        // c to h (c in the partial first hour, h in the partial last one).
        assert_eq!(started(&conn), 6);
        conn.execute("DELETE FROM events", []).expect("purge");
        // c and h were read raw: gone with the raw events.
        assert_eq!(started(&conn), 4);
        // Without the hours, the partial days were read raw: d, e and g gone too.
        conn.execute("DELETE FROM forward_cursor WHERE target = ?1", [HOUR_CURSOR]).expect("forget");
        assert_eq!(started(&conn), 1);
    }

    fn purchase(id: &str, tx: &str, at: i64) -> Event {
        let lines = [
            StoredItem { item_id: "mug".into(), item_name: Some("Mug".into()), price: 2000, quantity: 1 },
            StoredItem { item_id: "tote".into(), item_name: Some("Tote".into()), price: 1000, quantity: 1 },
        ];
        Event {
            event_id: id.into(),
            name: "purchase",
            creator_id: "juno".into(),
            coupon: Some("JUNO15".into()),
            currency: Some("EUR".into()),
            value: Some(2551),
            items: Some(serde_json::to_string(&lines).expect("items")),
            transaction_id: Some(tx.into()),
            event_time: DAY0 + at,
            ..Event::default()
        }
    }

    /// Purchases alike add up to one row whose money is the value times its events,
    /// split as each was; an order confirms one before and one after the roll, and the
    /// row for it moves, so `purchases` (each sale once) stays what the raw events say.
    #[test]
    fn rolled_purchases_keep_their_money_and_their_confirmations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = store::open(&dir.path().join("p.sqlite"), Durability::Normal).expect("open");
        let purchases = (0..4).map(|i| purchase(&format!("p{i}"), &format!("t{i}"), 1000 * (i + 1))).collect();
        store::apply(&conn, &Write::Events { events: purchases, client: None }).expect("insert");
        let order = |id: &str| Order {
            provider: "stripe",
            order_id: id.into(),
            creator_id: Some("juno".into()),
            created_at: DAY0 + 9000,
            received_at: DAY0 + 9000,
            currency: "EUR".into(),
            value: 2551,
            click_id: None,
            coupon: None,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            payment_ref: None,
            affiliate: None,
        };
        store::apply(&conn, &Write::Order(order("t0"))).expect("order before the roll");
        assert_eq!(roll(&conn, 100).expect("roll"), 4);
        let rows = |conn: &Connection| -> Vec<(bool, i64, i64)> {
            conn.prepare("SELECT confirmed, events, first_time FROM purchase_days ORDER BY confirmed")
                .expect("select")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(rows(&conn), [(false, 3, DAY0 + 2000), (true, 1, DAY0 + 1000)]);
        store::apply(&conn, &Write::Order(order("t2"))).expect("order after the roll");
        store::apply(&conn, &Write::Order(Order { provider: "shopify", ..order("t2") })).expect("a second order");
        assert_eq!(rows(&conn), [(false, 2, DAY0 + 2000), (true, 2, DAY0 + 1000)]);

        let query = Query { from: DAY0, to: DAY0 + DAY_MS, ..Query::default() };
        let stats = load(&conn, &query, DAY_MS, None).expect("stats");
        let f = &stats.totals.funnel;
        // 3 orders (t2 twice: two shops) and the 2 browser purchases no order confirms.
        assert_eq!((f.purchases, f.purchases_verified, f.purchases_unverified), (5, 3, 4));
        let eur = &stats.totals.revenue[0];
        assert_eq!((eur.unverified, eur.verified, eur.all), (4 * 2551, 3 * 2551, 5 * 2551));
        // 2551 split 2:1 is 1701 (the larger remainder) and 850, four times; the orders
        // have no click, so no products: theirs is `(none)`.
        let products: Vec<(&str, Option<&str>, i128)> = stats.by["product"]
            .iter()
            .map(|r| (r.key.as_str(), r.title.as_deref(), r.group.revenue[0].unverified))
            .collect();
        assert_eq!(products, [("(none)", None, 0), ("mug", Some("Mug"), 4 * 1701), ("tote", Some("Tote"), 4 * 850)]);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// A purchase added up outside a file (`purchase`) is the row the file's rollup
        /// would file it under and read back, key and all.
        #[test]
        fn a_purchase_rolled_outside_a_file_is_the_files_row(e in event(), confirmed in any::<bool>()) {
            use rusqlite::types::Value as SqlValue;
            let (value, items, unreadable) = super::super::load::value_and_items(
                e.value.map_or(SqlValue::Null, SqlValue::Integer),
                e.items.clone().map_or(SqlValue::Null, SqlValue::Text),
            );
            let row = EventRow {
                name: "purchase".into(),
                event_time: e.event_time,
                creator_id: e.creator_id.clone(),
                coupon: e.coupon.clone(),
                utm_source: e.utm_source.clone(),
                utm_campaign: e.utm_campaign.clone(),
                utm_content: e.utm_content.clone(),
                promotion_id: e.promotion_id.clone(),
                currency: e.currency.clone(),
                value,
                transaction_id: e.transaction_id.clone(),
                click_id: e.click_id.clone(),
                items,
                path: e.path.clone(),
                affiliate: e.affiliate.clone(),
                unreadable,
                ..EventRow::default()
            };
            let conn = store::open_memory().expect("memory");
            let key = PurchaseKey::of(&row, confirmed);
            let texts = PurchaseTexts::of(&key).expect("texts");
            add_purchases(&conn, Unit::Day, &key, &texts, row.event_time, 3).expect("add");
            let (key, filed) = conn
                .query_row(
                    "SELECT creator_id, affiliate, utm_source, utm_medium, utm_campaign, utm_content, coupon, products,
                       exclusion, currency, value, shares, confirmed, first_time, events, key FROM purchase_days",
                    [],
                    |r| Ok((r.get::<_, Vec<u8>>(15)?, rolled_purchase(r)?)),
                )
                .expect("the row");
            let (hash, rolled) = super::purchase(&row, confirmed, 3).expect("purchase");
            prop_assert_eq!(key, hash.to_vec());
            prop_assert_eq!(format!("{rolled:?}"), format!("{filed:?}"), "(`EventRow` has no `PartialEq`)");
        }

        /// Whatever is rolled up, in whatever chunks, and whatever arrives after, a report
        /// reads the same figures as from the raw events alone.
        #[test]
        fn rollups_give_the_raw_events_figures(
            first in proptest::collection::vec(event(), 0..40),
            late in proptest::collection::vec(event(), 0..10),
            orders in proptest::collection::vec(order(), 0..5),
            late_orders in proptest::collection::vec(order(), 0..4),
            chunk in 1i64..50,
            query in query(),
            forget_hours in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let conn = store::open(&dir.path().join("r.sqlite"), Durability::Normal).expect("open");
            let number = |events: Vec<Event>, prefix: &str| -> Vec<Event> {
                events.into_iter().enumerate().map(|(i, e)| Event { event_id: format!("{prefix}{i}"), ..e }).collect()
            };
            let add_orders = |orders: Vec<Order>| {
                for o in orders {
                    store::apply(&conn, &Write::Order(o)).expect("order");
                }
            };
            store::apply(&conn, &Write::Events { events: number(first, "a"), client: None }).expect("insert");
            add_orders(orders);
            let window = 7 * 24 * 3_600_000;
            // The same file without its rollup reads everything raw.
            let raw_now = || {
                let cursor = cursor(&conn).expect("cursor");
                conn.execute("DELETE FROM forward_cursor WHERE target = ?1", [CURSOR]).expect("forget");
                let raw = load(&conn, &query, window, None).expect("raw");
                conn.execute("INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)", params![CURSOR, cursor])
                    .expect("restore");
                raw
            };
            let raw = load(&conn, &query, window, None).expect("raw");
            // Part rolled up (one chunk), then all, then more arrive and are read raw.
            roll(&conn, chunk).expect("roll");
            prop_assert_eq!(&load(&conn, &query, window, None).expect("part"), &raw);
            while roll(&conn, chunk).expect("roll") as i64 == chunk {}
            prop_assert_eq!(&load(&conn, &query, window, None).expect("all"), &raw);
            if forget_hours {
                // A file rolled up before the hours were: it catches up on them alone.
                conn.execute_batch(
                    "DELETE FROM event_hours; DELETE FROM purchase_hours;
                     DELETE FROM forward_cursor WHERE target = 'rollup:event-hours'",
                )
                .expect("forget the hours");
                prop_assert_eq!(&load(&conn, &query, window, None).expect("no hours"), &raw);
                roll(&conn, chunk).expect("roll");
                prop_assert_eq!(&load(&conn, &query, window, None).expect("some hours"), &raw);
                while roll(&conn, chunk).expect("roll") as i64 == chunk {}
                prop_assert_eq!(&load(&conn, &query, window, None).expect("hours again"), &raw);
            }
            // Orders that confirm purchases already rolled up as unconfirmed.
            add_orders(late_orders);
            let confirmed_late = raw_now();
            prop_assert_eq!(&load(&conn, &query, window, None).expect("late orders"), &confirmed_late);
            store::apply(&conn, &Write::Events { events: number(late, "b"), client: None }).expect("insert");
            let with_late = raw_now();
            prop_assert_eq!(&load(&conn, &query, window, None).expect("late, raw"), &with_late);
            while roll(&conn, chunk).expect("roll") as i64 == chunk {}
            prop_assert_eq!(&load(&conn, &query, window, None).expect("late, rolled"), &with_late);
        }
    }
}
