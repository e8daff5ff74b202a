//! Daily rollups, so stats over a season of 10^8 events read thousands of rows instead
//! of every event.
//!
//! - **What is rolled up**: the events that only add to counts (`page_view`,
//!   `view_promotion`, `select_item`, `begin_checkout`: [`ROLLED`]) become one row per
//!   UTC day and everything stats group or filter them by (creator, affiliate, the four
//!   UTM tags, code, code id, the products and their titles, or why the event cannot be
//!   counted), with how many events it stands for and the earliest one's time (which
//!   decides a code's spelling and a product's title, see `aggregate`). Purchases stay
//!   raw: each carries money, a transaction id and a click id that a verified order may
//!   confirm. So does every event for as long as it is not rolled up.
//! - **When**: the writer rolls up events in id order, [`CHUNK`] at a time, behind a
//!   cursor in `forward_cursor` ([`CURSOR`]), a few seconds after they are stored
//!   (`run`). Rolling by id, not by day, means an event that arrives days late (the
//!   storefront's outbox) is rolled into its own day like any other, and a report never
//!   waits for a day to close.
//! - **How stats read them** ([`sources`]): for the whole UTC days of the range, the
//!   rollup rows plus the raw events past the cursor, the raw purchases, and the rolled
//!   checkouts whose click id a verified order carries (the rollup has no click ids, and
//!   "checkouts that became orders" needs them: [`Weight::Ordered`]); for a range's
//!   partial first and last day, the raw events. The figures are the raw events' exactly
//!   (a property test holds the two to each other); only the time differs.
//! - **From ClickHouse** (`stats_source`) no roller runs: a report's whole days are
//!   added up there by one `GROUP BY` and written into the in-memory copy's
//!   `event_days` through [`add`], behind a cursor past every copied event, so
//!   [`sources`] reads them as it reads a rolled-up file. Settled days are keyed once
//!   by [`row`] into ClickHouse's own `event_days` (`ch_days`) and read back through
//!   [`insert`].
//! - **Retention** purges only events already rolled up, so a day's counts outlive its
//!   raw events.

use super::load::{raw_event, EVENT_COLUMNS};
use super::*;
use rusqlite::types::ToSql;
use std::collections::HashMap;

/// The `forward_cursor` row: the last event id rolled up.
pub const CURSOR: &str = "rollup:event-days";
/// The events rolled up: those stats only count.
pub const ROLLED: [&str; 4] = ["page_view", "view_promotion", "select_item", "begin_checkout"];
/// Raw events rolled up per write: about 50 ms of the writer's time, so ingest never
/// waits long behind it.
pub const CHUNK: i64 = 20_000;
/// A UTC day: the rollup's unit.
pub const DAY_MS: i64 = 86_400_000;

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
    Ok(conn
        .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", [CURSOR], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Rolls up to `max_rows` events past the cursor into `event_days`, inside the caller's
/// transaction, and moves the cursor. Returns the events read (fewer than `max_rows`:
/// caught up).
pub fn roll(conn: &Connection, max_rows: i64) -> rusqlite::Result<usize> {
    let after = cursor(conn)?;
    let mut read =
        conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS}, id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"))?;
    let mut rows = read.query(params![after, max_rows])?;
    // (day, key) → (an event of the group, its earliest event_time, events): one write
    // per group rather than per event.
    let mut days: HashMap<(i64, Key), (EventRow, i64, u64)> = HashMap::new();
    let (mut last, mut count) = (after, 0);
    while let Some(r) = rows.next()? {
        last = r.get(16)?;
        count += 1;
        let e = raw_event(r)?;
        if !ROLLED.contains(&e.name.as_str()) {
            continue;
        }
        let (day, time) = (e.event_time.div_euclid(DAY_MS), e.event_time);
        let entry = days.entry((day, Key::of(&e))).or_insert_with(|| (e, time, 0));
        entry.1 = entry.1.min(time);
        entry.2 += 1;
    }
    for (e, first, events) in days.into_values() {
        add(conn, &e, first, events)?;
    }
    if count > 0 {
        advance_cursor(conn, last)?;
    }
    Ok(count)
}

/// A row of `event_days`: what SQLite's table and ClickHouse's (`clickhouse::ddl`) hold
/// alike. Made only by [`row`], so every store keys events one way.
#[derive(Clone, Debug, PartialEq, Eq, clickhouse::Row, Serialize, serde::Deserialize)]
pub struct DayRow {
    /// The UTC day (days since the epoch) of `first_time`.
    pub day: i64,
    /// 16 bytes of the SHA-256 of the key's JSON ([`key_hash`]).
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
    /// Folds in another row of the same day and key (events alike but for what the key
    /// leaves out): what SQLite's upsert in [`insert`] does, for a writer that must hand
    /// over one row per key (ClickHouse's `ReplacingMergeTree` keeps only one).
    pub fn merge(&mut self, other: &DayRow) {
        self.events = self.events.saturating_add(other.events);
        self.first_time = self.first_time.min(other.first_time);
    }
}

/// `events` events like `e`, the earliest at `first_time`, as the `event_days` row of
/// `first_time`'s UTC day and `e`'s key. The one place an event becomes a rollup row:
/// [`roll`] (through [`add`]) uses it for the file's events, and ClickHouse's day
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

/// Adds `events` events like `e`, the earliest at `first_time`, to SQLite's
/// `event_days` ([`row`], then [`insert`]).
pub fn add(conn: &Connection, e: &EventRow, first_time: i64, events: u64) -> rusqlite::Result<()> {
    insert(conn, &row(e, first_time, events).map_err(to_sql_error)?)
}

/// Adds a row to SQLite's `event_days`, or its events to the row already there with its
/// day and key (the earliest time kept). The one way rows go in, whether made here
/// ([`add`]) or read back from ClickHouse's `event_days` (`stats_source`).
pub fn insert(conn: &Connection, r: &DayRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO event_days (day, key, name, creator_id, affiliate, utm_source, utm_medium, utm_campaign,
           utm_content, coupon, promotion_id, products, exclusion, first_time, events)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (day, key) DO UPDATE SET
           events = events + excluded.events, first_time = min(first_time, excluded.first_time)",
    )?
    .execute(params![
        r.day,
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
/// exclusive), or `None` when it holds none: what [`sources`] reads from the rollup,
/// and so what `stats_source` rolls up from ClickHouse.
pub fn whole_days(from: i64, to: i64) -> Option<(i64, i64)> {
    let first_day = from.div_euclid(DAY_MS) + i64::from(from.rem_euclid(DAY_MS) != 0);
    let end_day = to.div_euclid(DAY_MS);
    (first_day < end_day).then_some((first_day, end_day))
}

/// Moves the cursor up to `last_id` (never back): the events up to it count as rolled
/// up, and [`sources`] reads only those past it raw.
pub fn advance_cursor(conn: &Connection, last_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)
         ON CONFLICT (target) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
    )?
    .execute(params![CURSOR, last_id])?;
    Ok(())
}

/// A row of `event_days` as the events it stands for.
fn rolled_event(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    let products: Vec<(String, Option<String>)> = serde_json::from_str(&r.get::<_, String>(9)?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))?;
    let exclusion = r.get::<_, Option<String>>(10)?;
    let events: i64 = r.get(12)?;
    Ok(EventRow {
        name: r.get(0)?,
        creator_id: r.get(1)?,
        affiliate: r.get(2)?,
        utm_source: r.get(3)?,
        utm_medium: r.get(4)?,
        utm_campaign: r.get(5)?,
        utm_content: r.get(6)?,
        coupon: r.get(7)?,
        promotion_id: r.get(8)?,
        items: products
            .into_iter()
            .map(|(item_id, item_name)| StoredItem { item_id, item_name, price: 0, quantity: 1 })
            .collect(),
        // A reason this version does not know still leaves the events out.
        unreadable: exclusion.map(|why| Exclusion::from_name(&why).unwrap_or(Exclusion::EventItems)),
        event_time: r.get(11)?,
        weight: Weight::Rolled(u64::try_from(events).unwrap_or(0)),
        ..EventRow::default()
    })
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
}

impl Source {
    pub fn params(&self) -> Vec<(&str, &dyn ToSql)> {
        self.params.iter().map(|(name, value)| (*name, value as &dyn ToSql)).collect()
    }
}

/// The queries that give a report's events: raw ones where nothing is rolled up (or the
/// range holds no whole UTC day), else rollup rows for the whole days and raw events
/// for the rest (see the module's rules).
pub fn sources(conn: &Connection, query: &Query) -> rusqlite::Result<Vec<Source>> {
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
    };
    let rolled = cursor(conn)?;
    let Some((first_day, end_day)) = whole_days(query.from, query.to).filter(|_| rolled > 0) else {
        return Ok(vec![raw(query.from, query.to)]);
    };
    let (start, end) = (first_day * DAY_MS, end_day * DAY_MS);
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
    });
    sources.push(Source {
        sql: format!(
            "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_purchase_by_time
             WHERE name = 'purchase' AND event_time >= :from AND event_time < :to AND id <= :rolled AND {filter}"
        ),
        params: with(&whole),
        read: raw_event,
    });
    sources.push(Source {
        sql: format!(
            "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_by_click
             WHERE click_id IS NOT NULL AND click_id IN (SELECT click_id FROM orders WHERE click_id IS NOT NULL)
               AND name = 'begin_checkout'
               AND event_time >= :from AND event_time < :to AND id <= :rolled AND {filter}"
        ),
        params: with(&whole),
        read: ordered_event,
    });
    sources.push(Source {
        sql: format!(
            "SELECT name, creator_id, affiliate, utm_source, utm_medium, utm_campaign, utm_content, coupon,
               promotion_id, products, exclusion, first_time, events
             FROM event_days WHERE day >= :first_day AND day < :end_day AND {filter}"
        ),
        params: with(&[(":first_day", first_day), (":end_day", end_day)]),
        read: rolled_event,
    });
    Ok(sources)
}

/// How long the roller rests once caught up: a report reads the events past the cursor
/// raw, so a few seconds of them cost nothing.
pub const REST: std::time::Duration = std::time::Duration::from_secs(5);

/// Rolls events up as they come, [`CHUNK`] per write, resting [`REST`] once caught up.
/// Runs when stats read SQLite (no ClickHouse): from the first start of a file with a
/// season of events in it, it catches up in the background while reports read raw.
pub async fn run(writer: crate::store::Writer) {
    use crate::store::{Write, Written};
    loop {
        match writer.write(Write::RollEvents(CHUNK)).await {
            Ok(Written::Rolled(n)) if n as i64 >= CHUNK => tokio::task::yield_now().await,
            Ok(_) => tokio::time::sleep(REST).await,
            Err(e) => {
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
                currency: Some("EUR".into()),
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
            n in 0..1000u32,
            click in text(&[None, Some("c1"), Some("c2"), Some("c5")]),
            coupon in text(&[None, Some("JUNO15"), Some("mika10")]),
            creator in text(&[None, Some("juno")]),
            at in 0..4 * DAY_MS,
        ) -> Order {
            Order {
                provider: "stripe",
                order_id: format!("o-{n}"),
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

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever is rolled up, in whatever chunks, and whatever arrives after, a report
        /// reads the same figures as from the raw events alone.
        #[test]
        fn rollups_give_the_raw_events_figures(
            first in proptest::collection::vec(event(), 0..40),
            late in proptest::collection::vec(event(), 0..10),
            orders in proptest::collection::vec(order(), 0..5),
            chunk in 1i64..50,
            query in query(),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let conn = store::open(&dir.path().join("r.sqlite"), Durability::Normal).expect("open");
            let number = |events: Vec<Event>, prefix: &str| -> Vec<Event> {
                events.into_iter().enumerate().map(|(i, e)| Event { event_id: format!("{prefix}{i}"), ..e }).collect()
            };
            store::apply(&conn, &Write::Events { events: number(first, "a"), client: None }).expect("insert");
            for o in orders {
                store::apply(&conn, &Write::Order(o)).expect("order");
            }
            let window = 7 * 24 * 3_600_000;
            let raw = load(&conn, &query, window, None).expect("raw");
            // Part rolled up (one chunk), then all, then more arrive and are read raw.
            roll(&conn, chunk).expect("roll");
            prop_assert_eq!(&load(&conn, &query, window, None).expect("part"), &raw);
            while roll(&conn, chunk).expect("roll") as i64 == chunk {}
            prop_assert_eq!(&load(&conn, &query, window, None).expect("all"), &raw);
            store::apply(&conn, &Write::Events { events: number(late, "b"), client: None }).expect("insert");
            // The same file without its rollup reads everything raw.
            let with_late = {
                let cursor = cursor(&conn).expect("cursor");
                conn.execute("DELETE FROM forward_cursor WHERE target = ?1", [CURSOR]).expect("forget");
                let raw = load(&conn, &query, window, None).expect("raw");
                conn.execute("INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)", params![CURSOR, cursor])
                    .expect("restore");
                raw
            };
            prop_assert_eq!(&load(&conn, &query, window, None).expect("late, raw"), &with_late);
            while roll(&conn, chunk).expect("roll") as i64 == chunk {}
            prop_assert_eq!(&load(&conn, &query, window, None).expect("late, rolled"), &with_late);
        }
    }
}
