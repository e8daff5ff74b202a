//! The numbers a creator needs: the funnel, conversion rates and revenue per currency,
//! in total and broken down by creator, affiliate, code, utm_source, utm_medium and
//! product.
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
//!
//! ## Affiliates (brand mode)
//!
//! A brand gives each affiliate their own page (`/c/<handle>/`); every event carries the
//! affiliate of the visit in its attribution, and checkout links hand it to the shop.
//!
//! - **An event's affiliate** is its attribution's (a browser `purchase` included): the
//!   page the shopper came through is the one thing the browser knows first-hand.
//! - **An order's affiliate** is, by the first rule that gives one (see [`credit`]):
//!   1. *the shop's*: the affiliate the shop sent back with the order (Shopify note
//!      attribute, Lemon Squeezy custom data, Stripe metadata). The shop signed it and it
//!      rode on this very checkout, so nothing is more direct;
//!   2. *the click's*: the affiliate of the click found by the order's own click id (the
//!      `begin_checkout` whose link the shop hands back; Stripe's `client_reference_id`).
//!      Only a click found by click id counts: one found by code or UTM is a guess about
//!      *some* checkout, possibly another shopper's, and must not move money;
//!   3. *the code's owner*: the affiliate of the **earliest** event that carried the
//!      order's discount code together with an affiliate (codes are unique per
//!      affiliate in a brand: the config check guarantees it). The earliest, because
//!      events reach the collector unauthenticated: an affiliate who later sends forged
//!      events with another's code cannot take its orders over. The code is the shop's,
//!      else the one on the order's own click;
//!   4. else none (`(none)` in the breakdown).
//!
//!   `orders[].credited_by` says which rule (`shop`, `click`, `code`).
//! - Verified and unverified stay apart per affiliate exactly as in total: an affiliate
//!   row's `verified` is the orders credited to them, `unverified` the thank-you-page
//!   purchases of their visits.
//! - **An affiliate's own view** ([`Scope::Affiliate`], a signed report link) holds only
//!   their events and the orders credited to them, and names nobody else (see
//!   [`private`]): no creator breakdown, codes that are not theirs counted under
//!   [`OTHER`], no click (and so no products, tags or code) of another affiliate's
//!   visit. A brand reading one affiliate ([`Scope::Brand`] with a handle) sees the same
//!   figures with nothing hidden.

use crate::event::StoredItem;
use linkshelf_core::limits::{self, MAX_AMOUNT_MINOR, MAX_LINES};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The breakdowns, in the order they are shown.
pub const DIMENSIONS: [&str; 6] = ["creator", "affiliate", "code", "utm_source", "utm_medium", "product"];
/// The key of events or orders without a value for a dimension.
pub const NONE: &str = "(none)";
/// In an affiliate's own view, the key of a discount code that is not theirs: the sale
/// counts, the code is not named.
pub const OTHER: &str = "(other)";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub from: i64,
    pub to: i64,
    pub creator: Option<String>,
    pub scope: Scope,
}

/// Whose figures, read by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The brand (the read token): everything, or one affiliate's share when a handle is
    /// given, with nothing hidden.
    Brand { affiliate: Option<String> },
    /// An affiliate's own report link: their events and orders only, and nothing that
    /// names anyone else.
    Affiliate(String),
}

impl Default for Scope {
    fn default() -> Scope {
        Scope::Brand { affiliate: None }
    }
}

impl Scope {
    /// The affiliate whose figures these are, if only one's.
    pub fn affiliate(&self) -> Option<&str> {
        match self {
            Scope::Brand { affiliate } => affiliate.as_deref(),
            Scope::Affiliate(handle) => Some(handle),
        }
    }
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
    /// The affiliate of the visit (`attribution.affiliate`).
    pub affiliate: Option<String>,
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
    /// The affiliate of the visit the click came from.
    pub affiliate: Option<String>,
    #[serde(skip)]
    pub items: Vec<StoredItem>,
}

impl Click {
    /// Found by the order's own click id: the very checkout that became the order, not a
    /// guess by code or UTM.
    pub fn is_the_orders_own(&self) -> bool {
        self.how == "click_id"
    }
}

/// Which rule credited an order to its affiliate (see the module's rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    /// The shop sent the affiliate back with the order.
    Shop,
    /// The order's own click (found by click id) came through the affiliate.
    Click,
    /// The affiliate owns the discount code the order used.
    Code,
}

/// An order's affiliate by the module's rules, in order: the one the shop `sent`, the one
/// of the order's own `click` (found by click id), the owner of its code (asked only when
/// the first two give none, since it costs a query).
pub fn credit<E>(
    sent: Option<&str>,
    click: Option<&Click>,
    code_owner: impl FnOnce() -> Result<Option<String>, E>,
) -> Result<Option<(String, Credit)>, E> {
    if let Some(handle) = sent {
        return Ok(Some((handle.to_owned(), Credit::Shop)));
    }
    if let Some(handle) = click.filter(|c| c.is_the_orders_own()).and_then(|c| c.affiliate.clone()) {
        return Ok(Some((handle, Credit::Click)));
    }
    Ok(code_owner()?.map(|handle| (handle, Credit::Code)))
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
    /// The affiliate the order is credited to, and by which rule (see [`credit`]).
    pub affiliate: Option<String>,
    pub credited_by: Option<Credit>,
    /// The affiliate the shop sent back, as stored (the first crediting rule).
    #[serde(skip)]
    pub affiliate_sent: Option<String>,
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
    /// The affiliate whose figures these are, when only one's.
    pub affiliate: Option<String>,
    /// Who reads them (the report's wording depends on it).
    #[serde(skip)]
    pub scope: Scope,
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
            ("affiliate", key(&e.affiliate)),
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
            ("affiliate", key(&o.affiliate)),
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
    let mut stats = Stats {
        from: query.from,
        to: query.to,
        creator: query.creator.clone(),
        affiliate: query.scope.affiliate().map(str::to_owned),
        scope: query.scope.clone(),
        totals,
        by,
        orders,
        excluded,
    };
    if let Scope::Affiliate(_) = query.scope {
        private::finish(&mut stats);
    }
    stats
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

mod csv;
mod load;
pub mod private;
mod report;

pub use self::csv::{to_csv, CSV_HEADER};
pub use load::{code_owner, load, resolve};
pub use report::{format_money, to_html};

#[cfg(test)]
mod tests;
