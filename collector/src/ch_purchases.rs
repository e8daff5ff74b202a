//! Purchases in ClickHouse: which of them count (the file's unique rule), and their day
//! rollup, for settled days and provisionally for the others, so a season's report reads
//! rows instead of every purchase.
//!
//! - **Which count.** The file keeps one purchase per creator and transaction id, the
//!   first stored (a unique index: a thank-you page reloaded is not a second sale).
//!   ClickHouse keeps every copy it is sent, so the rule is applied when reading: a
//!   purchase counts when it is the first, by time then id, of every purchase its
//!   creator made with its transaction id ([`first_sales`], from [`SaleCopy`] rows read
//!   for the transaction ids in question: from any time for a settled day, from
//!   [`LOOKBACK_MS`] before for a report's raw purchases).
//! - **Settled days** are counted once, in the background (`ch_days::step`, through
//!   [`roll_purchase_days`]): their purchases keyed as the file's roller keys them
//!   (`rollup::purchase_row`), into `purchase_days`, confirmed by the orders a
//!   collector had received before the day settled ([`settles_at`]: a cut-off every
//!   collector agrees on, so two that count one day write the same rows).
//! - **Later orders.** A purchase counted unconfirmed is listed in
//!   `unconfirmed_purchases` with the ids an order confirms it by; a report moves the
//!   ones an order there now confirms to their confirmed row ([`DonePurchases::moves`]),
//!   as the file's `rollup::confirm` does when the order arrives.
//! - **Days not yet settled** are counted the same way, provisionally ([`recount`]):
//!   under a fingerprint of the parts of the day and the ten before it, confirmed by no
//!   order (every order is applied when reading), into `recent_purchases` and
//!   `recent_unconfirmed`, used by a report while the fingerprint holds.
//! - **Reading** ([`markers`], then [`rows_of`]; `ch_days::recent_markers`, then
//!   [`recent_rows_of`]): a day counts as done only when its rows (and, when there are
//!   orders, its unconfirmed purchases) match its marker; the others' purchases are
//!   read raw.

use crate::ch_day_memory::{recall, DayMarker, OrderIds, PurchaseMemory};
use crate::ch_days::{
    counted_rows, spans, stale, unchanged, within_days, DaysError, DoneDays, RecentMarker, Rolled, DAYS_PER_QUERY,
    QUERY_TIMEOUT,
};
use crate::clickhouse::{self as ch, ChError, OrderRow, PurchaseDayDone, RecentPurchasesDone};
use crate::retention::SETTLING_DAYS;
use crate::stats::rollup::{self, PurchaseRow, DAY_MS};
use crate::stats_source::{kept_events, CopiedEvent};
use clickhouse::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A copy of a purchase with a transaction id, as far as the unique rule needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, serde::Deserialize)]
pub struct SaleCopy {
    pub creator_id: String,
    pub transaction_id: String,
    pub event_id: String,
    pub ver: u64,
    pub event_time: i64,
}

/// How far before a report's raw purchases their earlier sales are looked for
/// ([`SaleCopy::of`]): the days not yet settled and one more. A settled day's purchases
/// are counted against every earlier sale ([`roll_purchase_days`]), but doing so for a
/// report's raw ones scanned the transaction ids of every purchase ever made, a third
/// of a second at 10^8 events, to catch a sale repeated more than ten days later.
pub const LOOKBACK_MS: i64 = (SETTLING_DAYS + 1) * DAY_MS;

impl SaleCopy {
    /// SQL for every copy of a purchase where `earlier` holds (SQL; `1`: any) whose
    /// transaction id one of the purchases where `condition` holds has: without `FINAL`
    /// (a season's purchases through it cost seconds), so [`first_sales`] picks the copy
    /// `FINAL` would keep.
    pub fn of(condition: &str, earlier: &str) -> String {
        format!(
            "SELECT creator_id, assumeNotNull(transaction_id), event_id, ver, event_time FROM events
             WHERE name = 'purchase' AND ({earlier}) AND transaction_id IN
               (SELECT assumeNotNull(transaction_id) FROM events WHERE transaction_id IS NOT NULL AND {condition})"
        )
    }
}

/// The purchase that counts for each creator and transaction id: its event id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirstSales(foldhash::HashMap<String, Vec<(String, String)>>);

impl FirstSales {
    /// The event id of the first purchase `creator` made with `transaction_id`, if the
    /// copies read hold it.
    pub fn first(&self, creator: &str, transaction_id: &str) -> Option<&str> {
        self.0.get(transaction_id)?.iter().find(|(c, _)| c == creator).map(|(_, id)| id.as_str())
    }
}

/// The first purchase of each creator and transaction id among `copies`: each event's
/// copy `FINAL` keeps (the highest version; of two with one version, the earlier), then
/// per creator and transaction id the earliest by time, then id.
pub fn first_sales(copies: &[SaleCopy]) -> FirstSales {
    let mut kept: foldhash::HashMap<&str, &SaleCopy> = Default::default();
    for c in copies {
        let better =
            |k: &&SaleCopy| (c.ver, std::cmp::Reverse(c.event_time)) > (k.ver, std::cmp::Reverse(k.event_time));
        match kept.get(c.event_id.as_str()) {
            Some(k) if !better(k) => {}
            _ => {
                kept.insert(&c.event_id, c);
            }
        }
    }
    let mut first: foldhash::HashMap<(&str, &str), &SaleCopy> = Default::default();
    for c in kept.into_values() {
        let pair = (c.creator_id.as_str(), c.transaction_id.as_str());
        match first.get(&pair) {
            Some(f) if (f.event_time, &f.event_id) <= (c.event_time, &c.event_id) => {}
            _ => {
                first.insert(pair, c);
            }
        }
    }
    let mut sales = FirstSales::default();
    for ((creator, tx), c) in first {
        sales.0.entry(tx.to_owned()).or_default().push((creator.to_owned(), c.event_id.clone()));
    }
    sales
}

/// When day `day` settles: from then on no event of it arrives, and the orders received
/// before it are the ones its rollup is confirmed by.
pub fn settles_at(day: i64) -> i64 {
    (day + 1 + SETTLING_DAYS).saturating_mul(DAY_MS)
}

/// A purchase counted unconfirmed in `purchase_days`, by the ids an order confirms it
/// by, with its row's key and the key of the row it moves to when one does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Row, serde::Serialize, serde::Deserialize)]
pub struct UnconfirmedPurchase {
    pub day: i64,
    pub event_id: String,
    pub transaction_id: Option<String>,
    pub click_id: Option<String>,
    pub key: [u8; 16],
    pub confirmed_key: [u8; 16],
    pub event_time: i64,
    pub ver: u64,
}

/// The `purchase_days` rows of days' `purchases` (as `FINAL` gives them), one per day
/// and key, and the purchases among them no order confirms: each purchase that counts
/// (`first`, and one per event id), confirmed when an order received before
/// `cut_off(day)` has its transaction id or its click id (the file's rule), keyed by
/// `rollup::purchase_row`. A settled day's cut-off is when it settled ([`settles_at`]);
/// a provisional count's is none (every order there when it counts).
pub fn purchase_days(
    purchases: &[CopiedEvent],
    first: &FirstSales,
    orders: &[OrderRow],
    cut_off: impl Fn(i64) -> i64,
) -> Result<(Vec<PurchaseRow>, Vec<UnconfirmedPurchase>), serde_json::Error> {
    // The earliest receipt of an order with each id.
    let mut by_id: HashMap<&str, i64> = HashMap::new();
    let mut by_click: HashMap<&str, i64> = HashMap::new();
    for o in orders {
        let at = by_id.entry(&o.order_id).or_insert(o.received_at);
        *at = (*at).min(o.received_at);
        if let Some(c) = o.click_id.as_deref() {
            let at = by_click.entry(c).or_insert(o.received_at);
            *at = (*at).min(o.received_at);
        }
    }
    let mut sorted: Vec<&CopiedEvent> = purchases.iter().collect();
    sorted.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
    let mut seen: HashSet<&str> = HashSet::new();
    let mut rows: BTreeMap<(i64, [u8; 16]), PurchaseRow> = BTreeMap::new();
    let mut unconfirmed = Vec::new();
    for p in sorted {
        let counts = match p.transaction_id.as_deref() {
            Some(tx) => first.first(&p.creator_id, tx) == Some(p.event_id.as_str()),
            None => true,
        };
        if !counts || !seen.insert(&p.event_id) {
            continue;
        }
        let cut_off = cut_off(p.event_time.div_euclid(DAY_MS));
        let before = |at: Option<&i64>| at.is_some_and(|&at| at < cut_off);
        let confirmed = before(p.transaction_id.as_deref().and_then(|t| by_id.get(t)))
            || before(p.click_id.as_deref().and_then(|c| by_click.get(c)));
        let e = p.clone().into_event();
        let row = rollup::purchase_row(&e, confirmed, p.event_time, 1)?;
        if !confirmed && row.exclusion.is_none() {
            unconfirmed.push(UnconfirmedPurchase {
                day: row.day,
                event_id: p.event_id.clone(),
                transaction_id: p.transaction_id.clone(),
                click_id: p.click_id.clone(),
                key: row.key,
                confirmed_key: rollup::purchase_row(&e, true, p.event_time, 1)?.key,
                event_time: p.event_time,
                ver: 0,
            });
        }
        match rows.get_mut(&(row.day, row.key)) {
            Some(r) => r.merge(&row),
            None => {
                rows.insert((row.day, row.key), row);
            }
        }
    }
    Ok((rows.into_values().collect(), unconfirmed))
}

/// The purchases of `days` counted ([`purchase_days`]), confirmed by the orders
/// received before `cut_off(day)` or, with `None`, by none (a provisional count: the
/// orders are then not read): every copy of a purchase with one of their transaction
/// ids is read, from any time, so the count is the one the day will have once settled
/// (at the cost of a scan of every purchase's transaction id: fine in the background,
/// too slow for a report).
async fn count(
    client: &clickhouse::Client,
    days: &[i64],
    cut_off: Option<fn(i64) -> i64>,
) -> Result<(Vec<PurchaseRow>, Vec<UnconfirmedPurchase>), DaysError> {
    let condition = format!("name = 'purchase' AND ({})", within_days(&spans(days.iter().copied())));
    let purchases = ch::timed_within(QUERY_TIMEOUT, client.query(&kept_events(&condition)).fetch_all::<CopiedEvent>());
    let copies = ch::timed_within(QUERY_TIMEOUT, client.query(&SaleCopy::of(&condition, "1")).fetch_all::<SaleCopy>());
    let orders = async {
        match cut_off {
            Some(_) => ch::timed(client.query("SELECT ?fields FROM orders FINAL").fetch_all::<OrderRow>()).await,
            None => Ok(Vec::new()),
        }
    };
    let (purchases, copies, orders) = tokio::try_join!(purchases, copies, orders)?;
    Ok(purchase_days(&purchases, &first_sales(&copies), &orders, cut_off.unwrap_or(|_| i64::MIN))?)
}

/// What a marker says of a day's counted purchases: how many rows, purchases and
/// unconfirmed ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub groups: u64,
    pub events: u64,
    pub unconfirmed: u64,
}

/// The tally of each of `days` (counted or not) in `rows` and `unconfirmed`.
pub fn tally(days: &[i64], rows: &[PurchaseRow], unconfirmed: &[UnconfirmedPurchase]) -> BTreeMap<i64, Tally> {
    let mut tallies: BTreeMap<i64, Tally> = days.iter().map(|&day| (day, Tally::default())).collect();
    for r in rows {
        if let Some(t) = tallies.get_mut(&r.day) {
            t.groups += 1;
            t.events += r.events;
        }
    }
    for u in unconfirmed {
        if let Some(t) = tallies.get_mut(&u.day) {
            t.unconfirmed += 1;
        }
    }
    tallies
}

/// Counts the purchases of `days` (each a settled day) into `purchase_days` and
/// `unconfirmed_purchases` (`count`, confirmed by the orders received before each
/// day settled), then marks them done in `purchase_days_done`, [`DAYS_PER_QUERY`] at a
/// time; `ver` is the time of the count.
pub async fn roll_purchase_days(client: &clickhouse::Client, days: &[i64], ver: u64) -> Result<Rolled, DaysError> {
    let mut rolled = Rolled::default();
    for chunk in days.chunks(DAYS_PER_QUERY) {
        let (rows, unconfirmed) = count(client, chunk, Some(settles_at)).await?;
        let done: Vec<PurchaseDayDone> = tally(chunk, &rows, &unconfirmed)
            .into_iter()
            .map(|(day, t)| PurchaseDayDone {
                day,
                groups: t.groups,
                events: t.events,
                unconfirmed: t.unconfirmed,
                ver,
            })
            .collect();
        let unconfirmed: Vec<UnconfirmedPurchase> =
            unconfirmed.into_iter().map(|u| UnconfirmedPurchase { ver, ..u }).collect();
        // The rows first: a marker promises they are all there.
        if !rows.is_empty() {
            crate::ship::insert(client, "purchase_days", &rows).await?;
        }
        if !unconfirmed.is_empty() {
            crate::ship::insert(client, "unconfirmed_purchases", &unconfirmed).await?;
        }
        crate::ship::insert(client, "purchase_days_done", &done).await?;
        rolled.days += done.len();
        rolled.purchase_rows += rows.len();
        rolled.purchases += rows.iter().map(|r| r.events).sum::<u64>();
    }
    Ok(rolled)
}

/// The days in `[first_day, end_day)` marked done in `purchase_days_done`.
pub async fn markers(
    client: &clickhouse::Client,
    first_day: i64,
    end_day: i64,
) -> Result<Vec<PurchaseDayDone>, ChError> {
    ch::timed(
        client
            .query("SELECT ?fields FROM purchase_days_done FINAL WHERE day >= ? AND day < ?")
            .bind(first_day)
            .bind(end_day)
            .fetch_all::<PurchaseDayDone>(),
    )
    .await
}

/// What `purchase_days` holds complete of a report's whole days.
#[derive(Clone, Debug, Default)]
pub struct DonePurchases {
    pub rows: DoneDays<PurchaseRow>,
    /// The purchases of those days counted unconfirmed that an order confirms now, one
    /// per event.
    pub moves: Vec<UnconfirmedPurchase>,
}

/// What the orders stored can confirm a purchase by, which a report asks first: a
/// purchase counted unconfirmed is looked for among the orders' ids, and their click ids,
/// only when there are any (building the set of every order's click id, with `FINAL`,
/// cost ClickHouse about 40 ms of CPU each time at 10^8 events, three times a report,
/// for a shop whose orders carry none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confirming {
    /// Any order at all.
    pub orders: bool,
    /// Any order with a click id (in any copy of it).
    pub click_ids: bool,
    /// The orders' ids and click ids, in a few numbers: moves asked against the same
    /// are remembered (`ch_day_memory::MovesMemory`).
    pub ids: OrderIds,
}

impl Confirming {
    /// What [`Confirming::of`] reads: one scan of `orders` (12 ms at 10^8 events).
    pub const SQL: &'static str = "SELECT countIf(click_id IS NOT NULL),
         count(), sum(cityHash64(order_id)), sum(cityHash64(ifNull(click_id, ''))) FROM orders";

    /// From what [`Confirming::SQL`] reads.
    pub fn of((click_ids, copies, ids, click_id_hashes): (u64, u64, u64, u64)) -> Confirming {
        let ids = OrderIds { copies, ids, click_ids: click_id_hashes };
        Confirming { orders: copies > 0, click_ids: click_ids > 0, ids }
    }
}

/// The rows of the days `markers` mark done (see `ch_days::counted_rows`), from
/// `memory` where it holds them under the same marker (`ch_day_memory`), and, when
/// there are orders (`confirming`), the moves they make: a day whose unconfirmed
/// purchases are not all there yet (a replica catching up) is not done.
pub async fn rows_of(
    client: &clickhouse::Client,
    markers: &[PurchaseDayDone],
    confirming: Confirming,
    memory: Option<&PurchaseMemory<PurchaseDayDone>>,
) -> Result<DonePurchases, ChError> {
    let tables = ["purchase_days", "unconfirmed_purchases"];
    let days = |markers: &[PurchaseDayDone]| crate::ch_days::days_in(markers.iter().map(|m| m.day));
    let tally = |m: &PurchaseDayDone| Tally { groups: m.groups, events: m.events, unconfirmed: m.unconfirmed };
    recalled_or_counted(client, tables, (markers, days, tally), memory, confirming).await
}

/// The rows of the provisional counts `markers` (as [`rows_of`] those of settled days).
pub async fn recent_rows_of(
    client: &clickhouse::Client,
    markers: &[RecentPurchasesDone],
    confirming: Confirming,
    memory: Option<&PurchaseMemory<RecentPurchasesDone>>,
) -> Result<DonePurchases, ChError> {
    let tables = ["recent_purchases", "recent_unconfirmed"];
    let pairs = |markers: &[RecentPurchasesDone]| crate::ch_days::parts_in(markers.iter().map(|m| (m.day, m.parts)));
    let tally = |m: &RecentPurchasesDone| Tally { groups: m.groups, events: m.events, unconfirmed: m.unconfirmed };
    recalled_or_counted(client, tables, (markers, pairs, tally), memory, confirming).await
}

/// The rows of the days of `markers` in `tables` (see [`counted`]; `condition` says
/// where some markers' rows are, `tally` what a marker says to find), from `memory`
/// where it holds them under the same marker, the others read and remembered; and their
/// moves, from `memory` where it holds them under the same marker and orders' ids.
async fn recalled_or_counted<M: DayMarker>(
    client: &clickhouse::Client,
    tables: [&str; 2],
    (markers, condition, tally): (&[M], impl Fn(&[M]) -> String, impl Fn(&M) -> Tally),
    memory: Option<&PurchaseMemory<M>>,
    confirming: Confirming,
) -> Result<DonePurchases, ChError> {
    if markers.is_empty() {
        return Ok(DonePurchases::default());
    }
    let (recalled, missing) = recall(memory.map(|m| &m.rows), markers);
    let expected = missing.iter().map(|m| (m.day(), tally(m))).collect();
    let read = (!missing.is_empty()).then(|| condition(&missing));
    let remember = |read: &DoneDays<PurchaseRow>| {
        if let Some(memory) = memory {
            memory.rows.remember(&missing, read);
        }
    };
    // Without orders there is nothing to ask.
    let (known, to_ask) = match memory {
        Some(memory) if confirming.orders => memory.moves.recall(markers, confirming.ids),
        _ if confirming.orders => (Vec::new(), markers.to_vec()),
        _ => (Vec::new(), Vec::new()),
    };
    let ask = (!to_ask.is_empty()).then(|| condition(&to_ask));
    let remember_moves = |asked: &[UnconfirmedPurchase]| {
        if let Some(memory) = memory {
            memory.moves.remember(&to_ask, confirming.ids, asked);
        }
    };
    let moves = (ask.as_deref(), known, remember_moves);
    counted(client, tables, read.as_deref(), &expected, (recalled, remember), moves, confirming).await
}

/// The rows and moves of counts in `tables` (the rows' and the unconfirmed purchases'):
/// the rows of `recalled`'s days as it holds them, the others' read where `read` holds
/// (of the days `expected` says what to find of, handed to `remember` once checked);
/// the moves `known`, and those asked where `ask` holds (handed to `remember_moves`).
async fn counted(
    client: &clickhouse::Client,
    [rows_table, unconfirmed_table]: [&str; 2],
    read: Option<&str>,
    expected: &HashMap<i64, Tally>,
    (recalled, remember): (DoneDays<PurchaseRow>, impl FnOnce(&DoneDays<PurchaseRow>)),
    (ask, known, remember_moves): (Option<&str>, Vec<UnconfirmedPurchase>, impl FnOnce(&[UnconfirmedPurchase])),
    confirming: Confirming,
) -> Result<DonePurchases, ChError> {
    let rows_expected = expected.iter().map(|(&day, t)| (day, (t.groups, t.events))).collect();
    let rows = async {
        match read {
            Some(read) => counted_rows::<PurchaseRow>(client, rows_table, read, &rows_expected).await,
            None => Ok(DoneDays::default()),
        }
    };
    // The order ids without `FINAL`: an order id is in the sorting key, so every copy of
    // an order has it, and the set is the same (at 10^8 events the query took 0.14-0.19 s
    // alone with it, 0.10-0.15 s without). Its click id may change from copy to copy, so
    // that set is the latest copies' (asked only when an order has one).
    let moves = async {
        let Some(ask) = ask else { return Ok(Vec::new()) };
        let by_click_id = match confirming.click_ids {
            true => "OR click_id IN (SELECT assumeNotNull(click_id) FROM orders FINAL WHERE click_id IS NOT NULL)",
            false => "",
        };
        let sql = format!(
            "SELECT ?fields FROM {unconfirmed_table} WHERE {ask} AND (
               transaction_id IN (SELECT order_id FROM orders) {by_click_id})"
        );
        ch::timed(client.query(&sql).fetch_all::<UnconfirmedPurchase>()).await
    };
    // Whether the days read have all their unconfirmed purchases (those recalled had
    // them when they were read under the same marker).
    let listed = async {
        match read.filter(|_| confirming.orders) {
            Some(read) => {
                let sql = format!("SELECT day, uniqExact(event_id) FROM {unconfirmed_table} WHERE {read} GROUP BY day");
                ch::timed(client.query(&sql).fetch_all::<(i64, u64)>()).await
            }
            None => Ok(Vec::new()),
        }
    };
    let (mut rows, mut moves, listed) = tokio::try_join!(rows, moves, listed)?;
    if confirming.orders {
        let listed: HashMap<i64, u64> = listed.into_iter().collect();
        let complete = |(day, t): (&i64, &Tally)| listed.get(day).copied().unwrap_or(0) == t.unconfirmed;
        let incomplete: HashSet<i64> = expected.iter().filter(|&m| !complete(m)).map(|(&day, _)| day).collect();
        rows.days.retain(|d| !incomplete.contains(d));
        rows.counts.retain(|c| rows.days.contains(&c.day));
    }
    remember(&rows);
    rows.extend(recalled);
    // (Those of a day not done are remembered all the same: a day's moves depend on its
    // marker and the orders, not on whether its rows were all there.)
    remember_moves(&moves);
    moves.extend(known);
    let mut seen = HashSet::new();
    let moves = moves.into_iter().filter(|m| rows.days.contains(&m.day) && seen.insert(m.event_id.clone())).collect();
    Ok(DonePurchases { rows, moves })
}

impl DonePurchases {
    /// Both reads' days together (their days are apart: a day is read from one count).
    pub fn extend(&mut self, other: DonePurchases) {
        self.rows.extend(other.rows);
        self.moves.extend(other.moves);
    }

    /// Adds the rows to `collapser` as the purchases they stand for, each moved one in
    /// its confirmed row (a row left with none is gone, as in the file).
    ///
    /// The rows in the order read (the sum does not depend on it), less the moves out
    /// of each: a season's 310,000 rows at 10^8 events were put in order by day and key
    /// first, for the few rows a move leaves.
    pub fn add_to(&self, collapser: &mut rollup::Collapser) -> Result<(), serde_json::Error> {
        let mut moved: foldhash::HashMap<(i64, [u8; 16]), u64> = Default::default();
        for m in &self.moves {
            *moved.entry((m.day, m.key)).or_default() += 1;
        }
        let texts = &self.rows.texts;
        let missing = || serde::de::Error::custom("purchase_days: a key read without its texts");
        for c in &self.rows.counts {
            let (day, key, first_time) = (c.day, c.key, c.first_time);
            let events = c.events.saturating_sub(moved.get(&(day, key)).copied().unwrap_or(0));
            if events == 0 {
                continue;
            }
            let row = texts.get(&key).ok_or_else(missing)?;
            collapser.add(Some(key), first_time, events, || {
                PurchaseRow { day, first_time, events, ..row.clone() }.event()
            })?;
        }
        for m in &self.moves {
            let row = texts.get(&m.key).ok_or_else(missing)?;
            collapser.add(Some(m.confirmed_key), m.event_time, 1, || {
                let moved = PurchaseRow {
                    day: m.day,
                    key: m.confirmed_key,
                    confirmed: 1,
                    first_time: m.event_time,
                    events: 1,
                    ..row.clone()
                };
                moved.event()
            })?;
        }
        Ok(())
    }
}

// The days not yet settled. Their raw purchases, and the copies of every sale with one
// of their transaction ids, were the two largest reads left in a season's report at
// 10^8 events (0.4–0.8 s and 0.3–0.6 s). So they are counted in the background too
// ([`recount`]), as `ch_days::recount` counts their other events: each count under a
// fingerprint of the parts it read, used by a report while the parts are the same.

/// A provisional count of a day's purchases reads the day and the [`SETTLING_DAYS`]
/// before it: whether a purchase counts depends on the earlier sales with its
/// transaction id, and those of days not yet settled may still arrive (the days before
/// are settled, their sales final). So a row of any of those days makes the count stale,
/// and a late event costs a recount of the days after it, minutes later.
impl RecentMarker for RecentPurchasesDone {
    const TABLE: &'static str = "recent_purchases_done";
    const REACH: i64 = SETTLING_DAYS;
    fn day(&self) -> i64 {
        self.day
    }
    fn parts(&self) -> u64 {
        self.parts
    }
}

/// A row of `recent_purchases`: a `PurchaseRow` counted from the parts `parts`
/// fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Row, serde::Serialize)]
struct RecentPurchaseRow {
    day: i64,
    parts: u64,
    key: [u8; 16],
    creator_id: String,
    affiliate: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    coupon: Option<String>,
    products: String,
    exclusion: Option<String>,
    currency: Option<String>,
    value: Option<i64>,
    shares: String,
    confirmed: u8,
    first_time: i64,
    events: u64,
    ver: u64,
}

impl RecentPurchaseRow {
    /// (Its columns are `PurchaseRow`'s, in order, with `parts` and `ver`: a test holds
    /// them to it.)
    fn new(r: PurchaseRow, parts: u64, ver: u64) -> Self {
        RecentPurchaseRow {
            day: r.day,
            parts,
            key: r.key,
            creator_id: r.creator_id,
            affiliate: r.affiliate,
            utm_source: r.utm_source,
            utm_medium: r.utm_medium,
            utm_campaign: r.utm_campaign,
            utm_content: r.utm_content,
            coupon: r.coupon,
            products: r.products,
            exclusion: r.exclusion,
            currency: r.currency,
            value: r.value,
            shares: r.shares,
            confirmed: r.confirmed,
            first_time: r.first_time,
            events: r.events,
            ver,
        }
    }
}

/// A row of `recent_unconfirmed`: an `UnconfirmedPurchase` of the count `parts`
/// fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Row, serde::Serialize)]
struct RecentUnconfirmed {
    day: i64,
    parts: u64,
    event_id: String,
    transaction_id: Option<String>,
    click_id: Option<String>,
    key: [u8; 16],
    confirmed_key: [u8; 16],
    event_time: i64,
    ver: u64,
}

impl RecentUnconfirmed {
    /// (Its columns are `UnconfirmedPurchase`'s with `parts`: a test holds them to it.)
    fn new(u: UnconfirmedPurchase, parts: u64, ver: u64) -> Self {
        RecentUnconfirmed {
            day: u.day,
            parts,
            event_id: u.event_id,
            transaction_id: u.transaction_id,
            click_id: u.click_id,
            key: u.key,
            confirmed_key: u.confirmed_key,
            event_time: u.event_time,
            ver,
        }
    }
}

/// Counts the purchases of each day not yet settled at `now_ms` whose parts changed
/// since its last count (`ch_days::stale`) into `recent_purchases` and
/// `recent_unconfirmed`, and marks it in `recent_purchases_done`; kept only if the
/// fingerprint after the count is the one before (as `ch_days::recount`). The count is
/// confirmed by no order: it then depends on the events alone, so two collectors that
/// count a day under one fingerprint write the same rows, whatever orders each had
/// seen; a report moves the purchases the orders there confirm, as it does a settled
/// day's late ones. `ver` is the time of the count.
pub async fn recount(client: &clickhouse::Client, now_ms: i64) -> Result<Rolled, DaysError> {
    let ver = now_ms.max(0) as u64;
    let mut rolled = Rolled::default();
    for (day, parts) in stale::<RecentPurchasesDone>(client, now_ms).await? {
        let (rows, unconfirmed) = count(client, &[day], None).await?;
        if !unchanged::<RecentPurchasesDone>(client, day, parts).await? {
            tracing::debug!(day, "day rollup: rows arrived while counting a recent day's purchases; next time");
            continue;
        }
        let t = tally(&[day], &rows, &unconfirmed).remove(&day).unwrap_or_default();
        let marker =
            RecentPurchasesDone { day, parts, groups: t.groups, events: t.events, unconfirmed: t.unconfirmed, ver };
        let rows: Vec<RecentPurchaseRow> = rows.into_iter().map(|r| RecentPurchaseRow::new(r, parts, ver)).collect();
        let unconfirmed: Vec<RecentUnconfirmed> =
            unconfirmed.into_iter().map(|u| RecentUnconfirmed::new(u, parts, ver)).collect();
        // The rows first: a marker promises they are all there.
        if !rows.is_empty() {
            crate::ship::insert(client, "recent_purchases", &rows).await?;
        }
        if !unconfirmed.is_empty() {
            crate::ship::insert(client, "recent_unconfirmed", &unconfirmed).await?;
        }
        crate::ship::insert(client, "recent_purchases_done", std::slice::from_ref(&marker)).await?;
        rolled.days += 1;
        rolled.purchase_rows += rows.len();
        rolled.purchases += marker.events;
    }
    Ok(rolled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(creator: &str, tx: &str, id: &str, ver: u64, time: i64) -> SaleCopy {
        SaleCopy { creator_id: creator.into(), transaction_id: tx.into(), event_id: id.into(), ver, event_time: time }
    }

    #[test]
    fn the_first_sale_is_the_earliest_of_the_copies_final_keeps() {
        let first = first_sales(&[
            copy("juno", "T1", "b", 1, 20),
            copy("juno", "T1", "a", 1, 30),
            // "a" again, received by another collector later with an earlier time: the
            // copy `FINAL` keeps is the higher version's.
            copy("juno", "T1", "a", 2, 10),
            copy("juno", "T2", "c", 1, 50),
            copy("juno", "T2", "d", 1, 50),
            copy("mika", "T1", "e", 1, 90),
        ]);
        assert_eq!(first.first("juno", "T1"), Some("a"));
        assert_eq!(first.first("juno", "T2"), Some("c"), "a tie in time goes to the smaller id");
        assert_eq!(first.first("mika", "T1"), Some("e"), "another creator's sale is its own");
        assert_eq!(first.first("mika", "T2"), None);
    }

    #[test]
    fn a_settled_days_purchases_are_the_files_rows_confirmed_by_the_orders_before_it_settled() {
        let day = 20_000;
        let sale = |id: &str, tx: Option<&str>, click: &str, time: i64| CopiedEvent {
            event_id: id.into(),
            name: "purchase".into(),
            creator_id: "juno".into(),
            event_time: time,
            currency: Some("EUR".into()),
            value: Some(1200),
            transaction_id: tx.map(str::to_owned),
            click_id: Some(click.into()),
            ..CopiedEvent::default()
        };
        let t = day * DAY_MS + 3_600_000;
        let unreadable = CopiedEvent { value_unreadable: 1, ..sale("p4", None, "c4", t + 4) };
        let purchases = [
            sale("p1", Some("T1"), "c1", t),
            // The same event again (a second copy), and the same sale again later.
            sale("p1", Some("T1"), "c1", t),
            sale("p2", Some("T1"), "c5", t + 2),
            sale("p3", Some("T2"), "c3", t + 3),
            unreadable,
        ];
        let copies: Vec<SaleCopy> = purchases
            .iter()
            .filter_map(|p| Some(copy("juno", p.transaction_id.as_deref()?, &p.event_id, 1, p.event_time)))
            .collect();
        let order = |id: &str, click: &str, received_at: i64| OrderRow {
            order_id: id.into(),
            click_id: Some(click.into()),
            received_at,
            ..OrderRow::default()
        };
        // p1's order came in time; p3's only after the day settled; p2 would be
        // confirmed but does not count.
        let orders = [order("o1", "c1", t + 60_000), order("o3", "c3", settles_at(day)), order("o2", "c5", t)];
        let (rows, unconfirmed) = purchase_days(&purchases, &first_sales(&copies), &orders, settles_at).expect("rows");
        let summary: Vec<(u8, Option<&str>, u64)> =
            rows.iter().map(|r| (r.confirmed, r.exclusion.as_deref(), r.events)).collect();
        assert_eq!(summary.len(), 3, "{summary:?}");
        assert_eq!(rows.iter().map(|r| r.events).sum::<u64>(), 3, "p1 once, p3, and the unreadable one");
        assert!(summary.contains(&(1, None, 1)) && summary.contains(&(0, None, 1)), "{summary:?}");
        assert!(rows.iter().all(|r| r.day == day));
        let ids: Vec<&str> = unconfirmed.iter().map(|u| u.event_id.as_str()).collect();
        assert_eq!(ids, ["p3"], "only a countable purchase no order confirmed yet");
        let p3 = &unconfirmed[0];
        let unconfirmed_row = rows.iter().find(|r| r.confirmed == 0 && r.exclusion.is_none()).expect("row");
        assert_eq!(p3.key, unconfirmed_row.key);
        let confirmed_row = rows.iter().find(|r| r.confirmed == 1).expect("row");
        assert_eq!(p3.confirmed_key, confirmed_row.key, "p3 moves to p1's row: alike but for its ids");
        assert_eq!((p3.transaction_id.as_deref(), p3.click_id.as_deref()), (Some("T2"), Some("c3")));
        let tallied = tally(&[day - 1, day], &rows, &unconfirmed);
        assert_eq!(tallied[&day], Tally { groups: 3, events: 3, unconfirmed: 1 });
        assert_eq!(tallied[&(day - 1)], Tally::default(), "a day without purchases is counted too");

        // A provisional count is confirmed by no order: every purchase that counts is
        // listed, for whichever order confirms it when a report reads it.
        let (rows, unconfirmed) =
            purchase_days(&purchases, &first_sales(&copies), &orders, |_| i64::MIN).expect("rows");
        assert!(rows.iter().all(|r| r.confirmed == 0), "{rows:?}");
        let ids: Vec<&str> = unconfirmed.iter().map(|u| u.event_id.as_str()).collect();
        assert_eq!(ids, ["p1", "p3"]);
    }

    #[test]
    fn provisional_rows_are_the_settled_ones_with_their_parts() {
        let without = |columns: &[&'static str]| -> Vec<&'static str> {
            columns.iter().copied().filter(|c| !["parts", "ver"].contains(c)).collect()
        };
        assert_eq!(without(<RecentPurchaseRow as Row>::COLUMN_NAMES), <PurchaseRow as Row>::COLUMN_NAMES);
        assert_eq!(
            without(<RecentUnconfirmed as Row>::COLUMN_NAMES),
            without(<UnconfirmedPurchase as Row>::COLUMN_NAMES)
        );
        assert_eq!(<UnconfirmedPurchase as Row>::COLUMN_NAMES.last(), Some(&"ver"));
    }

    #[test]
    fn a_day_settles_after_the_settling_days() {
        assert_eq!(settles_at(10), (11 + SETTLING_DAYS) * DAY_MS);
        assert_eq!(crate::ch_days::settled_before(settles_at(10)), 11, "day 10 is settled then");
        assert_eq!(crate::ch_days::settled_before(settles_at(10) - 1), 10, "and not a millisecond before");
    }
}
