//! The numbers a creator needs: the funnel, conversion rates and revenue per currency,
//! in total and broken down by creator, code, utm_source, utm_medium and product.
//!
//! Rules, with their reasons:
//! - Money is never summed across currencies: revenue is a list, one entry per code.
//! - Verified (shop webhooks) and unverified (the browser's thank-you page) purchases
//!   are counted apart. `purchases` / `all` is the best single figure: every verified
//!   order plus every unverified purchase that no verified order confirms. A browser
//!   purchase is confirmed by an order with the same transaction id or the same
//!   `click_id`, so a sale reported both ways counts once there.
//! - Events are placed in time by their clock-corrected `event_time`; orders by the
//!   shop's order time. `from` is inclusive, `to` exclusive.
//! - `refunded` is what was given back on the orders in the range (whenever refunded).
//! - An order is joined to the click that led to it (see [`resolve`]) when stats are
//!   asked for, so a click that arrives after its order's webhook still counts.
//! - Money is added up in `i128` (`limits::sum_minor`, `limits::line_total`): no number
//!   of events or orders can overflow a sum, in debug (a panic) or release (a wrap).
//! - A stored row that cannot be counted (a row from before the shared limits, or
//!   edited by hand: an amount outside them, items that cannot be read) is left out of
//!   every figure and *reported* in `excluded`, never fatal to a report: one bad row must
//!   not take the stats down.

use crate::event::StoredItem;
use linkshelf_core::limits::{self, MAX_AMOUNT_MINOR, MAX_LINES};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The breakdowns, in the order they are shown.
pub const DIMENSIONS: [&str; 5] = ["creator", "code", "utm_source", "utm_medium", "product"];
/// The key of events or orders without a value for a dimension.
pub const NONE: &str = "(none)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub from: i64,
    pub to: i64,
    pub creator: Option<String>,
}

/// One event as stats read it.
#[derive(Clone, Debug, Default)]
pub struct EventRow {
    pub name: String,
    pub creator_id: String,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub currency: Option<String>,
    pub value: Option<i64>,
    pub transaction_id: Option<String>,
    pub click_id: Option<String>,
    pub items: Vec<StoredItem>,
    pub path: Option<String>,
    /// Set when the stored row could not be read as an event (see [`Exclusion`]).
    pub unreadable: Option<Exclusion>,
}

impl EventRow {
    /// Why this event cannot be counted, if it cannot: what ingest refuses today.
    pub fn exclusion(&self) -> Option<Exclusion> {
        if let Some(why) = self.unreadable {
            return Some(why);
        }
        if self.value.is_some_and(|v| !(0..=MAX_AMOUNT_MINOR).contains(&v)) {
            return Some(Exclusion::EventValue);
        }
        if self.items.len() > MAX_LINES || !self.items.iter().all(StoredItem::in_bounds) {
            return Some(Exclusion::EventItems);
        }
        None
    }
}

/// Why a stored row was left out of the figures. Rows the collector writes today always
/// pass; these come from before the shared limits, or from edits by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// An event's value is not a whole number from 0 to `MAX_AMOUNT_MINOR`.
    EventValue,
    /// An event's line items cannot be read, are too many, or have a price or quantity
    /// outside the limits.
    EventItems,
    /// An order's total is not a whole number from 0 to `MAX_AMOUNT_MINOR`.
    OrderValue,
    /// A refund's amount is not a whole number from 1 to `MAX_AMOUNT_MINOR`.
    RefundAmount,
}

impl Exclusion {
    /// The kind of row: `event`, `order` or `refund`.
    pub fn row(self) -> &'static str {
        match self {
            Exclusion::EventValue | Exclusion::EventItems => "event",
            Exclusion::OrderValue => "order",
            Exclusion::RefundAmount => "refund",
        }
    }

    /// What it means, in a creator's words.
    pub fn message(self) -> &'static str {
        match self {
            Exclusion::EventValue => "an event whose value is outside the limits or not a whole number",
            Exclusion::EventItems => "an event whose items cannot be read or are outside the limits",
            Exclusion::OrderValue => "an order whose total is outside the limits or not a whole number",
            Exclusion::RefundAmount => "a refund whose amount is outside the limits or not a whole number",
        }
    }
}

/// Rows left out of the figures, by reason; `count` is their total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub count: u64,
    pub reasons: Vec<ExcludedReason>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExcludedReason {
    pub row: &'static str,
    pub reason: Exclusion,
    pub message: &'static str,
    pub count: u64,
}

impl Excluded {
    fn from_counts(counts: BTreeMap<Exclusion, u64>) -> Excluded {
        let reasons: Vec<ExcludedReason> = counts
            .into_iter()
            .map(|(reason, count)| ExcludedReason { row: reason.row(), reason, message: reason.message(), count })
            .collect();
        Excluded { count: reasons.iter().map(|r| r.count).sum(), reasons }
    }
}

/// The click an order was joined to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Click {
    /// How it was found: `click_id`, `code` or `utm`.
    pub how: &'static str,
    pub event_id: String,
    pub creator_id: String,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    #[serde(skip)]
    pub items: Vec<StoredItem>,
}

/// A verified order, joined to its click.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    pub provider: String,
    pub order_id: String,
    pub creator_id: Option<String>,
    pub created_at: i64,
    pub currency: String,
    pub value: i64,
    /// The sum of its readable refunds (`i128`: refunds are summed, never overflow).
    pub refunded: i128,
    pub click_id: Option<String>,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub click: Option<Click>,
    /// Stripe's PaymentIntent id, which its refunds name.
    #[serde(skip)]
    pub payment_ref: Option<String>,
    /// Set when the stored total could not be read (the order is left out).
    #[serde(skip)]
    pub unreadable: Option<Exclusion>,
    /// Refunds of this order left out of `refunded` (their amount was unreadable).
    #[serde(skip)]
    pub refunds_excluded: u64,
}

impl OrderRow {
    /// The creator it counts for: the shop's own note, else its click's.
    pub fn creator(&self) -> Option<&str> {
        self.creator_id.as_deref().or(self.click.as_ref().map(|c| c.creator_id.as_str()))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Funnel {
    pub page_views: u64,
    pub product_selects: u64,
    pub checkouts_started: u64,
    /// Verified plus unconfirmed unverified: each sale once.
    pub purchases: u64,
    pub purchases_verified: u64,
    pub purchases_unverified: u64,
}

/// Ratios of the funnel's steps, rounded to 4 decimals; `None` when nothing to divide by.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rates {
    pub view_to_select: Option<f64>,
    pub select_to_checkout: Option<f64>,
    pub checkout_to_purchase: Option<f64>,
    pub view_to_purchase: Option<f64>,
}

/// Revenue in one currency, minor units. Sums are `i128`, so they are exact over any
/// number of rows (JSON numbers past 2^53 need a reader that keeps integers exact).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Revenue {
    pub currency: String,
    pub all: i128,
    pub verified: i128,
    pub unverified: i128,
    pub refunded: i128,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Group {
    #[serde(flatten)]
    pub funnel: Funnel,
    pub rates: Rates,
    pub revenue: Vec<Revenue>,
    #[serde(skip)]
    by_currency: BTreeMap<String, Revenue>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    #[serde(flatten)]
    pub group: Group,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub from: i64,
    pub to: i64,
    pub creator: Option<String>,
    pub totals: Group,
    /// Dimension → rows, sorted by key.
    pub by: BTreeMap<&'static str, Vec<Row>>,
    pub orders: Vec<OrderRow>,
    /// Stored rows in the range that could not be counted, and why.
    pub excluded: Excluded,
}

impl Group {
    fn money(&mut self, currency: &str) -> &mut Revenue {
        self.by_currency
            .entry(currency.to_owned())
            .or_insert_with(|| Revenue { currency: currency.to_owned(), ..Revenue::default() })
    }

    fn finish(&mut self) {
        let f = &self.funnel;
        self.rates = Rates {
            view_to_select: ratio(f.product_selects, f.page_views),
            select_to_checkout: ratio(f.checkouts_started, f.product_selects),
            checkout_to_purchase: ratio(f.purchases, f.checkouts_started),
            view_to_purchase: ratio(f.purchases, f.page_views),
        };
        self.revenue = self.by_currency.values().cloned().collect();
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// What a verified order confirms: browser purchases with these transaction ids or
/// click ids are the same sales.
#[derive(Clone, Debug, Default)]
pub struct Confirmed {
    pub transaction_ids: HashSet<String>,
    pub click_ids: HashSet<String>,
}

/// Adds up events and orders. Pure, so the math is tested without a database.
pub fn aggregate(
    query: &Query,
    events: impl IntoIterator<Item = EventRow>,
    orders: Vec<OrderRow>,
    confirmed: &Confirmed,
) -> Stats {
    let mut totals = Group::default();
    let mut by: BTreeMap<&'static str, BTreeMap<String, Group>> =
        DIMENSIONS.iter().map(|d| (*d, BTreeMap::new())).collect();
    let mut excluded: BTreeMap<Exclusion, u64> = BTreeMap::new();
    let mut exclude = |why: Exclusion, n: u64| {
        if n > 0 {
            *excluded.entry(why).or_default() += n;
        }
    };
    for e in events {
        if let Some(why) = e.exclusion() {
            exclude(why, 1);
            continue;
        }
        let step: fn(&mut Funnel) = match e.name.as_str() {
            "page_view" => |f| f.page_views += 1,
            "select_item" => |f| f.product_selects += 1,
            "begin_checkout" => |f| f.checkouts_started += 1,
            "purchase" => |f| f.purchases_unverified += 1,
            _ => continue,
        };
        let purchase = e.name == "purchase";
        let unconfirmed = purchase
            && !e.transaction_id.as_ref().is_some_and(|t| confirmed.transaction_ids.contains(t))
            && !e.click_id.as_ref().is_some_and(|c| confirmed.click_ids.contains(c));
        // Counts and money of this event for one group; `value` differs per product.
        let count = |g: &mut Group, value: Option<i128>| {
            step(&mut g.funnel);
            if unconfirmed {
                g.funnel.purchases += 1;
            }
            if let (true, Some(currency), Some(value)) = (purchase, e.currency.as_deref(), value) {
                let money = g.money(currency);
                money.unverified += value;
                if unconfirmed {
                    money.all += value;
                }
            }
        };
        let value = e.value.map(i128::from);
        count(&mut totals, value);
        let keys = [
            ("creator", e.creator_id.clone()),
            ("code", key(&e.coupon)),
            ("utm_source", key(&e.utm_source)),
            ("utm_medium", key(&e.utm_medium)),
        ];
        for (dim, k) in keys {
            count(group(&mut by, dim, k), value);
        }
        for (product, value) in products_of_event(&e) {
            count(group(&mut by, "product", product), value);
        }
    }
    let mut orders = orders;
    orders.retain(|o| {
        exclude(Exclusion::RefundAmount, o.refunds_excluded);
        let why = o.unreadable.or((!(0..=MAX_AMOUNT_MINOR).contains(&o.value)).then_some(Exclusion::OrderValue));
        if let Some(why) = why {
            exclude(why, 1);
        }
        why.is_none()
    });
    for o in &orders {
        let click = o.click.as_ref();
        let value = i128::from(o.value);
        let count = |g: &mut Group, value: i128, refunded: i128| {
            g.funnel.purchases += 1;
            g.funnel.purchases_verified += 1;
            let money = g.money(&o.currency);
            money.verified += value;
            money.all += value;
            money.refunded += refunded;
        };
        count(&mut totals, value, o.refunded);
        let keys = [
            ("creator", o.creator().map_or_else(|| NONE.to_owned(), str::to_owned)),
            ("code", key(&o.coupon.clone().or_else(|| click.and_then(|c| c.coupon.clone())))),
            ("utm_source", key(&click.and_then(|c| c.utm_source.clone()).or_else(|| o.utm_source.clone()))),
            ("utm_medium", key(&click.and_then(|c| c.utm_medium.clone()).or_else(|| o.utm_medium.clone()))),
        ];
        for (dim, k) in keys {
            count(group(&mut by, dim, k), value, o.refunded);
        }
        // A click whose items cannot be counted splits nothing: the order is `(none)`'s.
        let items = click
            .map(|c| c.items.as_slice())
            .filter(|i| i.len() <= MAX_LINES && i.iter().all(StoredItem::in_bounds))
            .unwrap_or_default();
        let values = split(value, items);
        let refunds = split(o.refunded, items);
        for ((product, value), (_, refunded)) in values.into_iter().zip(refunds) {
            count(group(&mut by, "product", product), value, refunded);
        }
    }
    totals.finish();
    let by = by
        .into_iter()
        .map(|(dim, groups)| {
            let rows = groups
                .into_iter()
                .map(|(key, mut group)| {
                    group.finish();
                    Row { key, group }
                })
                .collect();
            (dim, rows)
        })
        .collect();
    let excluded = Excluded::from_counts(excluded);
    Stats { from: query.from, to: query.to, creator: query.creator.clone(), totals, by, orders, excluded }
}

fn key(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| NONE.to_owned())
}

fn group<'a>(
    by: &'a mut BTreeMap<&'static str, BTreeMap<String, Group>>,
    dim: &'static str,
    key: String,
) -> &'a mut Group {
    by.entry(dim).or_default().entry(key).or_default()
}

/// The products an event is about, each with its share of the event's value: line
/// items (price × quantity), or for a page view of `/p/{id}/` that product.
fn products_of_event(e: &EventRow) -> Vec<(String, Option<i128>)> {
    if !e.items.is_empty() {
        let mut seen = HashSet::new();
        return e
            .items
            .iter()
            .filter(|i| seen.insert(i.item_id.as_str()))
            .map(|i| {
                let lines = e.items.iter().filter(|j| j.item_id == i.item_id);
                (i.item_id.clone(), Some(lines.map(|j| limits::line_total(j.price, j.quantity)).sum()))
            })
            .collect();
    }
    let product = e
        .path
        .as_deref()
        .and_then(|p| p.strip_prefix("/p/"))
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty() && !p.contains('/'));
    vec![(product.map_or_else(|| NONE.to_owned(), str::to_owned), e.value.map(i128::from))]
}

/// Splits an order's amount over its click's products in proportion to their list
/// prices (integer minor units; the remainder goes to the first product, so the parts
/// always add up to the whole). Without items the whole amount is `(none)`'s.
/// Exact for any amount a report holds: the callers pass amounts and weights within
/// the limits (an order ≤ `MAX_AMOUNT_MINOR`, refunds summed in `i128`, lines ≤
/// `MAX_PRICE_MINOR` × `MAX_QUANTITY`), so `amount × weight` stays far inside `i128`;
/// the multiplication saturates rather than panics all the same.
pub fn split(amount: i128, items: &[StoredItem]) -> Vec<(String, i128)> {
    let mut weights: Vec<(String, i128)> = Vec::new();
    for i in items {
        let w = limits::line_total(i.price, i.quantity);
        match weights.iter_mut().find(|(id, _)| *id == i.item_id) {
            Some((_, total)) => *total += w,
            None => weights.push((i.item_id.clone(), w)),
        }
    }
    if weights.is_empty() {
        return vec![(NONE.to_owned(), amount)];
    }
    let total: i128 = weights.iter().map(|(_, w)| *w).sum();
    if total <= 0 {
        // No prices to weigh by: equal shares.
        let n = weights.len() as i128;
        let mut parts: Vec<(String, i128)> = weights.into_iter().map(|(id, _)| (id, amount / n)).collect();
        parts[0].1 += amount - amount / n * n;
        return parts;
    }
    let mut parts: Vec<(String, i128)> =
        weights.into_iter().map(|(id, w)| (id, amount.saturating_mul(w) / total)).collect();
    let given: i128 = parts.iter().map(|(_, p)| *p).sum();
    parts[0].1 += amount - given;
    parts
}

// ---- Reading from SQLite ----

/// Reads and adds up everything in the query's range.
/// `default_creator` is who an order counts for when neither the shop nor a click says.
pub fn load(
    conn: &Connection,
    query: &Query,
    window_ms: i64,
    default_creator: Option<&str>,
) -> rusqlite::Result<Stats> {
    let mut orders = orders_in(conn, query.from, query.to)?;
    for o in &mut orders {
        (o.refunded, o.refunds_excluded) = refunds_of(conn, o)?;
        o.click = resolve(conn, o, window_ms)?;
        if o.creator().is_none() {
            o.creator_id = default_creator.map(str::to_owned);
        }
    }
    orders.retain(|o| query.creator.as_deref().is_none_or(|c| o.creator() == Some(c)));
    let mut confirmed = Confirmed::default();
    let mut all = conn.prepare("SELECT order_id, click_id FROM orders")?;
    let mut rows = all.query([])?;
    while let Some(r) = rows.next()? {
        confirmed.transaction_ids.insert(r.get(0)?);
        if let Some(c) = r.get::<_, Option<String>>(1)? {
            confirmed.click_ids.insert(c);
        }
    }
    let mut statement = conn.prepare(
        "SELECT name, creator_id, coupon, utm_source, utm_medium, currency, value, transaction_id, click_id, items, path
         FROM events
         WHERE event_time >= ?1 AND event_time < ?2 AND (?3 IS NULL OR creator_id = ?3)
           AND name IN ('page_view', 'select_item', 'begin_checkout', 'purchase')",
    )?;
    let rows = statement.query_map(params![query.from, query.to, query.creator], |r| {
        let (value, bad_value) = match r.get::<_, SqlValue>(6)? {
            SqlValue::Null => (None, false),
            SqlValue::Integer(v) => (Some(v), false),
            _ => (None, true),
        };
        let items = stored_items(r.get::<_, SqlValue>(9)?);
        let unreadable =
            if bad_value { Some(Exclusion::EventValue) } else { items.is_none().then_some(Exclusion::EventItems) };
        Ok(EventRow {
            name: r.get(0)?,
            creator_id: r.get(1)?,
            coupon: r.get(2)?,
            utm_source: r.get(3)?,
            utm_medium: r.get(4)?,
            currency: r.get(5)?,
            value,
            transaction_id: r.get(7)?,
            click_id: r.get(8)?,
            items: items.unwrap_or_default(),
            path: r.get(10)?,
            unreadable,
        })
    })?;
    // Streamed: a million events are added up without being held in memory.
    let mut failed = None;
    let events = rows.map_while(|row| row.map_err(|e| failed = Some(e)).ok());
    let stats = aggregate(query, events, orders, &confirmed);
    match failed {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

/// A row's stored items; `None` when they cannot be read (not JSON text of items).
fn stored_items(json: SqlValue) -> Option<Vec<StoredItem>> {
    match json {
        SqlValue::Null => Some(Vec::new()),
        SqlValue::Text(j) => serde_json::from_str(&j).ok(),
        _ => None,
    }
}

/// The items of the click an order is joined to; unreadable ones count as none (the
/// order is then `(none)`'s in the product breakdown).
fn items(json: Option<String>) -> Vec<StoredItem> {
    stored_items(json.map_or(SqlValue::Null, SqlValue::Text)).unwrap_or_default()
}

/// The sum of an order's refunds, and how many were left out because their amount is
/// not a whole number from 1 to `MAX_AMOUNT_MINOR`. Summed here in `i128` rather than
/// with SQL's `sum()`, which fails the whole query on an integer overflow.
fn refunds_of(conn: &Connection, o: &OrderRow) -> rusqlite::Result<(i128, u64)> {
    let mut statement = conn.prepare_cached(
        "SELECT amount FROM refunds WHERE provider = ?1 AND (order_ref = ?2 OR order_ref = ?3) ORDER BY refund_id",
    )?;
    let mut rows = statement.query(params![o.provider, o.order_id, o.payment_ref])?;
    let (mut amounts, mut excluded) = (Vec::new(), 0);
    while let Some(r) = rows.next()? {
        match r.get::<_, SqlValue>(0)? {
            SqlValue::Integer(a) if (1..=MAX_AMOUNT_MINOR).contains(&a) => amounts.push(a),
            _ => excluded += 1,
        }
    }
    Ok((limits::sum_minor(amounts), excluded))
}

fn orders_in(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<OrderRow>> {
    let mut statement = conn.prepare(
        "SELECT o.provider, o.order_id, o.creator_id, o.created_at, o.currency, o.value, o.payment_ref,
           o.click_id, o.coupon, o.utm_source, o.utm_medium, o.utm_campaign
         FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 ORDER BY o.created_at, o.order_id",
    )?;
    let rows = statement.query_map(params![from, to], |r| {
        let (value, unreadable) = match r.get::<_, SqlValue>(5)? {
            SqlValue::Integer(v) => (v, None),
            _ => (0, Some(Exclusion::OrderValue)),
        };
        Ok(OrderRow {
            provider: r.get(0)?,
            order_id: r.get(1)?,
            creator_id: r.get(2)?,
            created_at: r.get(3)?,
            currency: r.get(4)?,
            value,
            payment_ref: r.get(6)?,
            click_id: r.get(7)?,
            coupon: r.get(8)?,
            utm_source: r.get(9)?,
            utm_medium: r.get(10)?,
            utm_campaign: r.get(11)?,
            unreadable,
            ..OrderRow::default()
        })
    })?;
    rows.collect()
}

/// A click may be logged a little after the order by the shop's clock.
const CLOCK_SLACK_MS: i64 = 5 * 60 * 1000;

/// Joins an order to the click that led to it, trying in turn:
/// 1. its `click_id` (Stripe `client_reference_id`, Shopify note attribute), the
///    checkout handoff that carried it;
/// 2. the creator's latest `begin_checkout` with the order's discount code within the
///    attribution window before the order;
/// 3. the latest `begin_checkout` with the order's utm_source (and medium and campaign
///    when the order has them) within the window.
pub fn resolve(conn: &Connection, o: &OrderRow, window_ms: i64) -> rusqlite::Result<Option<Click>> {
    const COLUMNS: &str = "event_id, creator_id, coupon, utm_source, utm_medium, items";
    let read = |how: &'static str| {
        move |r: &rusqlite::Row| {
            Ok(Click {
                how,
                event_id: r.get(0)?,
                creator_id: r.get(1)?,
                coupon: r.get(2)?,
                utm_source: r.get(3)?,
                utm_medium: r.get(4)?,
                items: items(r.get(5)?),
            })
        }
    };
    if let Some(click_id) = &o.click_id {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE click_id = ?1 AND name IN ('begin_checkout', 'outbound_click')
             ORDER BY name = 'begin_checkout' DESC, event_time LIMIT 1"
        );
        if let Some(click) = conn.query_row(&sql, params![click_id], read("click_id")).optional()? {
            return Ok(Some(click));
        }
    }
    let (earliest, latest) = (o.created_at - window_ms, o.created_at + CLOCK_SLACK_MS);
    if let Some(code) = &o.coupon {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE name = 'begin_checkout' AND coupon = ?1 COLLATE NOCASE
               AND event_time >= ?2 AND event_time <= ?3 AND (?4 IS NULL OR creator_id = ?4)
             ORDER BY event_time DESC LIMIT 1"
        );
        if let Some(click) =
            conn.query_row(&sql, params![code, earliest, latest, o.creator_id], read("code")).optional()?
        {
            return Ok(Some(click));
        }
    }
    if let Some(source) = &o.utm_source {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE name = 'begin_checkout' AND utm_source = ?1
               AND event_time >= ?2 AND event_time <= ?3 AND (?4 IS NULL OR creator_id = ?4)
               AND (?5 IS NULL OR utm_medium = ?5) AND (?6 IS NULL OR utm_campaign = ?6)
             ORDER BY event_time DESC LIMIT 1"
        );
        let found = conn
            .query_row(&sql, params![source, earliest, latest, o.creator_id, o.utm_medium, o.utm_campaign], read("utm"))
            .optional()?;
        return Ok(found);
    }
    Ok(None)
}

// ---- CSV and HTML ----

/// The CSV header; one row per (dimension, key, currency). A group's funnel counts
/// repeat on each of its currency rows; a group without revenue has one row with an
/// empty currency. The last column, `excluded`, is the number of stored rows left out
/// of the figures: on the `total` rows, then one `excluded` row per reason (`key` is
/// `event:event_value` and the like) with its count; empty elsewhere.
pub const CSV_HEADER: [&str; 17] = [
    "dimension",
    "key",
    "page_views",
    "product_selects",
    "checkouts_started",
    "purchases",
    "purchases_verified",
    "purchases_unverified",
    "view_to_select",
    "select_to_checkout",
    "checkout_to_purchase",
    "currency",
    "revenue_all",
    "revenue_verified",
    "revenue_unverified",
    "refunded",
    "excluded",
];

/// The stats as CSV (RFC 4180: quoted where needed, CRLF line ends).
pub fn to_csv(stats: &Stats) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    out.write_record(CSV_HEADER)?;
    let mut rows: Vec<(&str, &str, &Group)> = vec![("total", "", &stats.totals)];
    for (dim, list) in &stats.by {
        rows.extend(list.iter().map(|r| (*dim, r.key.as_str(), &r.group)));
    }
    let rate = |r: Option<f64>| r.map_or(String::new(), |r| r.to_string());
    for (dim, key, g) in rows {
        let excluded = if dim == "total" { stats.excluded.count.to_string() } else { String::new() };
        let f = &g.funnel;
        let head = [
            dim.to_owned(),
            key.to_owned(),
            f.page_views.to_string(),
            f.product_selects.to_string(),
            f.checkouts_started.to_string(),
            f.purchases.to_string(),
            f.purchases_verified.to_string(),
            f.purchases_unverified.to_string(),
            rate(g.rates.view_to_select),
            rate(g.rates.select_to_checkout),
            rate(g.rates.checkout_to_purchase),
        ];
        if g.revenue.is_empty() {
            out.write_record(head.iter().map(String::as_str).chain(["", "", "", "", "", &excluded]))?;
        }
        for m in &g.revenue {
            let money = [
                m.currency.clone(),
                m.all.to_string(),
                m.verified.to_string(),
                m.unverified.to_string(),
                m.refunded.to_string(),
                excluded.clone(),
            ];
            out.write_record(head.iter().chain(money.iter()))?;
        }
    }
    for r in &stats.excluded.reasons {
        let key = format!("{}:{}", r.row, exclusion_code(r.reason));
        let mut record = vec![String::new(); CSV_HEADER.len()];
        record[0] = "excluded".to_owned();
        record[1] = key;
        record[CSV_HEADER.len() - 1] = r.count.to_string();
        out.write_record(&record)?;
    }
    let bytes = out.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The reason's code as JSON writes it (`event_value`).
fn exclusion_code(reason: Exclusion) -> String {
    serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Minor units as a decimal amount with the currency's exponent: `2720 EUR` → `27.20`.
pub fn format_money(minor: i128, currency: &str) -> String {
    let exponent = iso_currency::Currency::from_code(currency).and_then(|c| c.exponent()).unwrap_or(2) as u32;
    if exponent == 0 {
        return format!("{minor} {currency}");
    }
    let scale = 10i128.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$} {currency}", minor.abs() / scale, minor.abs() % scale, width = exponent as usize)
}

/// Text made safe for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small page a creator can open on a phone: the key figures first as cards, then
/// one table per breakdown with sales and revenue in the first columns (what shows
/// before any sideways scrolling). Every piece of text is escaped.
pub fn to_html(stats: &Stats) -> String {
    let pct = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{:.1} %", r * 100.0));
    let money = |g: &Group| {
        if g.revenue.is_empty() {
            return "–".to_owned();
        }
        let line = |m: &Revenue| {
            let mut s = escape(&format_money(m.all, &m.currency));
            if m.unverified > 0 || m.refunded > 0 {
                s.push_str(&format!(
                    "<small>verified {} · unverified {} · refunded {}</small>",
                    escape(&format_money(m.verified, &m.currency)),
                    escape(&format_money(m.unverified, &m.currency)),
                    escape(&format_money(m.refunded, &m.currency))
                ));
            }
            s
        };
        g.revenue.iter().map(line).collect::<Vec<_>>().join("<br>")
    };
    let t = &stats.totals;
    let f = &t.funnel;
    let cards = [
        ("Sales", format!("{}<small>{} verified</small>", f.purchases, f.purchases_verified)),
        ("Revenue", money(t)),
        ("Conversion", format!("{}<small>views to sales</small>", escape(&pct(t.rates.view_to_purchase)))),
        ("Views", f.page_views.to_string()),
        ("Product taps", f.product_selects.to_string()),
        ("Checkouts", f.checkouts_started.to_string()),
    ];
    let mut body = String::new();
    if stats.excluded.count > 0 {
        let reasons: Vec<String> =
            stats.excluded.reasons.iter().map(|r| format!("{} × {}", r.count, escape(r.message))).collect();
        body.push_str(&format!(
            "<p class=warn role=status>{} stored {} left out of these figures: {}.</p>\n",
            stats.excluded.count,
            if stats.excluded.count == 1 { "row was" } else { "rows were" },
            reasons.join("; ")
        ));
    }
    body.push_str("<div class=cards>");
    for (label, value) in cards {
        body.push_str(&format!("<div><span>{label}</span><b>{value}</b></div>"));
    }
    body.push_str("</div>\n");
    let head =
        "<tr><th></th><th>Sales</th><th>Revenue</th><th>Views</th><th>Taps</th><th>Checkouts</th><th>Conv.</th></tr>\n";
    let titles = [
        ("creator", "creator"),
        ("code", "code"),
        ("utm_source", "source"),
        ("utm_medium", "channel"),
        ("product", "product"),
    ];
    for (dim, title) in titles {
        let Some(rows) = stats.by.get(dim).filter(|r| !r.is_empty()) else {
            continue;
        };
        body.push_str(&format!("<h2>By {title}</h2><div class=scroll><table>{head}"));
        for r in rows {
            let (g, f) = (&r.group, &r.group.funnel);
            body.push_str(&format!(
                "<tr><th scope=row>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&r.key),
                f.purchases,
                money(g),
                f.page_views,
                f.product_selects,
                f.checkouts_started,
                escape(&pct(g.rates.view_to_purchase))
            ));
        }
        body.push_str("</table></div>\n");
    }
    let range = |t: i64| {
        jiff::Timestamp::from_millisecond(t)
            .map_or_else(|_| t.to_string(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
    };
    let style = "body{font:15px/1.4 system-ui,sans-serif;margin:1rem;max-width:60rem;color:#222;background:#fff}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.4rem 0 .3rem}p{margin:0 0 1rem;color:#555}\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem}\
.cards div{border:1px solid #ddd;border-radius:.5rem;padding:.5rem .7rem}.cards span{display:block;color:#555;font-size:.85rem}\
.cards b{font-size:1.3rem}.warn{color:#8a4b00;border-left:3px solid #d98a00;padding-left:.5rem}small{display:block;font-size:.75rem;font-weight:normal;color:#555}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}\
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top;white-space:nowrap}\
th[scope=row]{text-align:left;white-space:normal;min-width:6.5rem;overflow-wrap:anywhere}\
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}p,small,.cards span{color:#aaa}.cards div,th,td{border-color:#333}}";
    format!(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\
<meta name=viewport content=\"width=device-width, initial-scale=1\"><title>Linkshelf stats</title>\
<style>{style}</style></head>\n<body><h1>Stats{}</h1><p>{} to {}. Sales count every verified order \
(from the shop) and each thank-you-page purchase no verified order confirms; revenue is never added \
across currencies.</p>\n{body}</body></html>\n",
        stats.creator.as_deref().map_or(String::new(), |c| format!(" for {}", escape(c))),
        escape(&range(stats.from)),
        escape(&range(stats.to)),
    )
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
