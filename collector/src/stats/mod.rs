//! The numbers a creator needs: the funnel, conversion rates and revenue per currency,
//! in total and broken down by creator, affiliate, code, utm_source, utm_medium,
//! utm_campaign, utm_content and product, and the ranked "what sold" table (source ·
//! campaign · code).
//!
//! Rules, with their reasons:
//! - **A rate compares two counts of the same thing**, so it can never pass 100 %:
//!   `checkout_to_order` is the share of `begin_checkout` events whose click id came
//!   back on a verified order (the numerator is a subset of the denominator). Ratios of
//!   different events (checkouts over product taps, sales over page views) are not
//!   rates: a Buy link checks out without a tap, one view can lead to two orders, and an
//!   order can arrive with tags no page view had. Those counts are shown side by side,
//!   never divided.
//! - **Code views** (`code_views`) are `view_promotion` events: the code's card was on
//!   screen (once per code per page load; a code applied from a `?code=` link shows its
//!   card as applied, and is counted when that card is seen). The event names the code
//!   by its id (`subject.promotion_id`, the slug of its text: `JUNO-15` → `juno-15`);
//!   the code breakdown puts it under the code text that checkouts and orders carry
//!   (see [`code_id`]), or under the id when no event in the range carried the text.
//!   **Code used** is `checkouts_started` in the code's row: checkouts carrying it.
//! - **Product revenue is what was paid**: a purchase's value (after its code's
//!   discount) or an order's total is split over its lines in proportion to their list
//!   price × quantity (see [`split`]), so the product rows add up to the totals exactly.
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
//!   **Joined** means found by the order's own click id; a click found by code or UTM is
//!   a guess and is counted among the reasons the others did not join (see [`Join`]).
//! - The funnel over time ([`Series`]) counts the same events and orders as the totals,
//!   each in the UTC day of its `event_time` (orders: the shop's order time).
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
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The breakdowns, in the order they are shown.
pub const DIMENSIONS: [&str; 8] =
    ["creator", "affiliate", "code", "utm_source", "utm_medium", "utm_campaign", "utm_content", "product"];
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
    /// The clock-corrected time (Unix ms): places the event in the daily series.
    pub event_time: i64,
    pub creator_id: String,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    /// A `view_promotion`'s code id (`subject.promotion_id`).
    pub promotion_id: Option<String>,
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
    /// How many events the row stands for (see [`Weight`]).
    pub weight: Weight,
    /// A rolled-up purchase that a verified order confirms (the rollup keeps no
    /// transaction or click ids, so it keeps this instead; see `rollup`). Raw purchases
    /// are checked against [`Confirmed`] and leave it false.
    pub confirmed: bool,
    /// A rolled-up purchase's value per product, as `products_of_event` gave it for
    /// each of its events (the rollup keeps products, not line prices).
    pub shares: Option<Vec<(String, Option<i128>)>>,
    /// Rollup rows of one key read as one (`rollup::collapsed`): each day's earliest
    /// time and count, for the series (the row's `event_time` is the earliest of all).
    pub days: Option<Vec<(i64, u64)>>,
}

/// How many events an [`EventRow`] stands for: stats at 10^8 events read a day's
/// rollup rows instead of its raw events (see [`rollup`]), and the rollup has no
/// click ids, so the checkouts a verified order confirmed come back as rows of their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Weight {
    /// One raw event.
    #[default]
    One,
    /// A rollup row: this many events of one UTC day with these keys (for purchases,
    /// also the same currency, value, split over products, and confirmation).
    Rolled(u64),
    /// A checkout already counted in a rollup row, read again only because a verified
    /// order carries its click id: adds to `checkouts_ordered`, nothing else.
    Ordered,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Every reason, for [`Exclusion::from_name`].
    const ALL: [Exclusion; 4] =
        [Exclusion::EventValue, Exclusion::EventItems, Exclusion::OrderValue, Exclusion::RefundAmount];

    /// Its name in the JSON and in the rollup table.
    pub fn name(self) -> &'static str {
        match self {
            Exclusion::EventValue => "event_value",
            Exclusion::EventItems => "event_items",
            Exclusion::OrderValue => "order_value",
            Exclusion::RefundAmount => "refund_amount",
        }
    }

    pub fn from_name(name: &str) -> Option<Exclusion> {
        Exclusion::ALL.into_iter().find(|e| e.name() == name)
    }

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
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
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

/// How a verified order met the click that led to it, or why it did not: the report's
/// join rate is the share of [`Join::ClickId`], and the rest tell the creator what to fix
/// (a shop that drops the click id, a tracker blocked, an attribution window too short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// Joined: the order's own click id found its checkout.
    ClickId,
    /// Only a checkout with the order's discount code was found: a guess.
    CodeOnly,
    /// Only a checkout with the order's UTM tags was found: a guess.
    UtmOnly,
    /// The order carried a click id that no stored click has (the shopper's tracker was
    /// blocked, or the click went to another collector).
    ClickIdUnknown,
    /// No click id, and a checkout with its code or source exists only outside the
    /// attribution window.
    OutsideWindow,
    /// No click id, and nothing else to join by.
    NoClickId,
}

impl Join {
    /// Every outcome, in the order the report lists them.
    pub const ALL: [Join; 6] =
        [Join::ClickId, Join::CodeOnly, Join::UtmOnly, Join::ClickIdUnknown, Join::OutsideWindow, Join::NoClickId];

    /// An order's outcome from its resolved click; `outside_window` is whether a checkout
    /// with its code or source exists outside the window (the loader knows, the row not).
    pub fn of(o: &OrderRow, outside_window: bool) -> Join {
        match o.click.as_ref().map(|c| c.how) {
            Some("click_id") => Join::ClickId,
            Some("code") => Join::CodeOnly,
            Some(_) => Join::UtmOnly,
            None if o.click_id.is_some() => Join::ClickIdUnknown,
            None if outside_window => Join::OutsideWindow,
            None => Join::NoClickId,
        }
    }

    /// Its name on a chart's bar: short enough for a phone.
    pub fn label(self) -> &'static str {
        match self {
            Join::ClickId => "Joined by click id",
            Join::CodeOnly => "Code only",
            Join::UtmOnly => "UTM tags only",
            Join::ClickIdUnknown => "Click id not found",
            Join::OutsideWindow => "Outside the window",
            Join::NoClickId => "No click id",
        }
    }

    /// What it means, in a creator's words.
    pub fn message(self) -> &'static str {
        match self {
            Join::ClickId => "joined by its click id",
            Join::CodeOnly => "matched by discount code only",
            Join::UtmOnly => "matched by UTM tags only",
            Join::ClickIdUnknown => "with a click id no stored click has (tracker blocked or events lost)",
            Join::OutsideWindow => "with no click id and a matching checkout outside the attribution window",
            Join::NoClickId => "with no click id and nothing to match by",
        }
    }
}

/// How many of the verified orders were joined to their click (`joined`, the
/// [`Join::ClickId`] ones), and why the others were not.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Joins {
    pub orders: u64,
    pub joined: u64,
    /// `joined / orders`, at most 1; `None` without orders.
    pub rate: Option<f64>,
    /// One entry per outcome, [`Join::ALL`]'s order, zeros included.
    pub outcomes: Vec<JoinCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinCount {
    pub outcome: Join,
    pub message: &'static str,
    pub count: u64,
}

impl Joins {
    fn from_counts(counts: &BTreeMap<Join, u64>) -> Joins {
        let count = |j: Join| counts.get(&j).copied().unwrap_or(0);
        let orders = counts.values().sum();
        let joined = count(Join::ClickId);
        let outcomes =
            Join::ALL.iter().map(|&j| JoinCount { outcome: j, message: j.message(), count: count(j) }).collect();
        Joins { orders, joined, rate: ratio(joined, orders), outcomes }
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
    /// Shared: a click kept for an order is remembered between reports
    /// (`ch_picks::Remembered`), and a season's 300,000 were copied for each.
    pub click: Option<Arc<Click>>,
    /// The affiliate the order is credited to, and by which rule (see [`credit`]).
    pub affiliate: Option<String>,
    pub credited_by: Option<Credit>,
    /// How it met its click (see [`Join`]). A loader that knows the attribution window
    /// sets it (`OutsideWindow` needs the database); else `aggregate` does from the row.
    pub join: Option<Join>,
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
    /// Its join as decided before the copy (see [`KeptJoin`]), carried with the order:
    /// a season's 300,000 at 10^8 events, put in a map by order id and found there
    /// again, took about 100 ms of each report.
    #[serde(skip)]
    pub kept: Option<KeptJoin>,
}

impl OrderRow {
    /// The creator it counts for: the shop's own note, else its click's.
    pub fn creator(&self) -> Option<&str> {
        self.creator_id.as_deref().or(self.click.as_ref().map(|c| c.creator_id.as_str()))
    }

    /// Why this order cannot be counted, if it cannot (its refunds aside).
    pub fn exclusion(&self) -> Option<Exclusion> {
        self.unreadable.or((!(0..=MAX_AMOUNT_MINOR).contains(&self.value)).then_some(Exclusion::OrderValue))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Funnel {
    pub page_views: u64,
    /// `view_promotion` events: a code's card was on screen.
    pub code_views: u64,
    pub product_selects: u64,
    pub checkouts_started: u64,
    /// Of `checkouts_started`, those whose click id a verified order carries.
    pub checkouts_ordered: u64,
    /// Verified plus unconfirmed unverified: each sale once.
    pub purchases: u64,
    pub purchases_verified: u64,
    pub purchases_unverified: u64,
}

impl Funnel {
    /// Adds `other`'s counts to these.
    fn absorb(&mut self, other: Funnel) {
        let Funnel {
            page_views,
            code_views,
            product_selects,
            checkouts_started,
            checkouts_ordered,
            purchases,
            purchases_verified,
            purchases_unverified,
        } = other;
        self.page_views += page_views;
        self.code_views += code_views;
        self.product_selects += product_selects;
        self.checkouts_started += checkouts_started;
        self.checkouts_ordered += checkouts_ordered;
        self.purchases += purchases;
        self.purchases_verified += purchases_verified;
        self.purchases_unverified += purchases_unverified;
    }
}

/// Rates whose two ends count the same thing (a part over its whole, so at most 1),
/// rounded to 4 decimals; `None` when nothing to divide by. See the module's rules for
/// why ratios of different events are not here.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rates {
    /// `checkouts_ordered / checkouts_started`.
    pub checkout_to_order: Option<f64>,
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
    /// A product's title, as its events named it (product rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(flatten)]
    pub group: Group,
}

/// The most orders [`Stats::orders`] lists. Every order of the range is counted; listing
/// them all made a season's answer at 10^8 events with 332,959 orders 172 MB of JSON.
/// A reader who wants every order asks for shorter ranges (a day holds fewer); the
/// figures and the report do not depend on the list.
pub const MAX_LISTED_ORDERS: usize = 1000;

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
    /// Sales by source · campaign · code, best first (see [`Sold`]).
    pub what_sold: Vec<Sold>,
    /// The range's latest verified orders, at most [`MAX_LISTED_ORDERS`], in time order
    /// (`joins.orders` counts them all).
    pub orders: Vec<OrderRow>,
    /// Stored rows in the range that could not be counted, and why.
    pub excluded: Excluded,
    /// The funnel per day of the range (see [`Series`]).
    pub series: Series,
    /// How many verified orders were joined to their click, and why not the others.
    pub joins: Joins,
}

/// One row of "what sold": the sales that came by one `utm_source`, `utm_campaign`
/// and code, verified and unverified apart as in every breakdown, revenue per currency.
/// Ranked by `purchases`, then `purchases_verified`, then the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sold {
    pub utm_source: String,
    pub utm_campaign: String,
    pub code: String,
    pub purchases: u64,
    pub purchases_verified: u64,
    pub purchases_unverified: u64,
    pub revenue: Vec<Revenue>,
}

impl Group {
    /// The money in `currency`, made on first use (the currency is copied only then: a
    /// season's orders at 10^8 events each counted into ten groups).
    fn money(&mut self, currency: &str) -> &mut Revenue {
        if !self.by_currency.contains_key(currency) {
            let made = Revenue { currency: currency.to_owned(), ..Revenue::default() };
            self.by_currency.insert(currency.to_owned(), made);
        }
        self.by_currency.get_mut(currency).unwrap_or_else(|| unreachable!("the money was just made"))
    }

    /// Adds `other`'s counts and money to these (before either is finished).
    fn absorb(&mut self, other: Group) {
        self.funnel.absorb(other.funnel);
        for (currency, r) in other.by_currency {
            let Revenue { currency: _, all, verified, unverified, refunded } = r;
            let money = self.money(&currency);
            money.all += all;
            money.verified += verified;
            money.unverified += unverified;
            money.refunded += refunded;
        }
    }

    fn finish(&mut self) {
        let f = &self.funnel;
        debug_assert!(f.checkouts_ordered <= f.checkouts_started, "a part of its whole");
        self.rates = Rates { checkout_to_order: ratio(f.checkouts_ordered, f.checkouts_started) };
        self.revenue = self.by_currency.values().cloned().collect();
    }
}

/// `part / whole`, for a part counted among the whole's own rows (at most 1).
fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part.min(whole) as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// A code's id as the storefront names it in `view_promotion` (`subject.promotion_id`),
/// from its text: the config check's rule for a roster's codes
/// (`linkshelf_core::discount::id_from_text`). Two code texts that read alike get a
/// numbered id there (`juno-15-2`), and a code written in the config has the id written
/// beside it; such a view is then shown under its id.
pub fn code_id(code: &str) -> String {
    linkshelf_core::discount::id_from_text(code)
}

/// What a verified order confirms: browser purchases with these transaction ids or
/// click ids are the same sales. (foldhash, not std's SipHash: a season's report at
/// 10^8 events fills these with 300,000 order ids.)
#[derive(Clone, Debug, Default)]
pub struct Confirmed {
    pub transaction_ids: foldhash::HashSet<String>,
    pub click_ids: foldhash::HashSet<String>,
}

/// Whether a verified order confirms a browser purchase or checkout, by its transaction
/// id or its click id: [`Confirmed`]'s sets, or a loader's that reads them only when a
/// raw event first asks (a report whose days are all rolled up asks nothing, and reading
/// every order's ids took 0.11 s of a season's report at 10^8 events).
pub trait Confirms {
    fn transaction(&self, id: &str) -> bool;
    fn click(&self, id: &str) -> bool;
}

impl Confirms for Confirmed {
    fn transaction(&self, id: &str) -> bool {
        self.transaction_ids.contains(id)
    }

    fn click(&self, id: &str) -> bool {
        self.click_ids.contains(id)
    }
}

/// Adds up events and orders. Pure, so the math is tested without a database.
pub fn aggregate(
    query: &Query,
    events: impl IntoIterator<Item = EventRow>,
    orders: Vec<OrderRow>,
    confirmed: &Confirmed,
) -> Stats {
    aggregate_with(query, events, orders, RolledOrders::default(), confirmed)
}

/// Orders a report did not read one by one: the sums of whole days rolled up
/// (`order_days`), and the latest of those days' orders, read only to be listed.
#[derive(Debug, Default)]
pub struct RolledOrders {
    counts: DayCounts,
    /// Listed (the latest [`MAX_LISTED_ORDERS`] of the range are among them and the
    /// orders counted one by one), never counted: `counts` holds them.
    listed: Vec<OrderRow>,
}

/// [`aggregate`], with orders already added up by day, and what orders confirm asked
/// only when a raw event needs it ([`Confirms`]).
pub fn aggregate_with(
    query: &Query,
    events: impl IntoIterator<Item = EventRow>,
    orders: Vec<OrderRow>,
    rolled: RolledOrders,
    confirmed: &dyn Confirms,
) -> Stats {
    let mut totals = Group::default();
    let mut by = ByDimension::default();
    let mut sold: BTreeMap<(String, String, String), Group> = BTreeMap::new();
    // Code views by code id, put under their code text once every text is known.
    let mut code_views: BTreeMap<String, u64> = BTreeMap::new();
    // A product's title and a code's spelling are the earliest event's (ties: the
    // smaller text), so the figures do not depend on the order rows are read in (raw
    // events or a day's rollup rows give the same report).
    let mut titles = Earliest::default();
    // One row per code whatever its case: shops keep codes case-insensitive and some send
    // them back lowercased (`juno15` for the page's `JUNO15`). Shown as first spelled,
    // events before orders, so as the creator wrote it when their page carried it. Rows
    // are keyed by the code in capitals until the spelling is known.
    let mut spellings = Earliest::default();
    let mut series = Series::new(query.from, query.to);
    let mut excluded: BTreeMap<Exclusion, u64> = BTreeMap::new();
    let mut exclude = |why: Exclusion, n: u64| {
        if n > 0 {
            *excluded.entry(why).or_default() += n;
        }
    };
    for e in events {
        let n = match e.weight {
            Weight::One => 1,
            Weight::Rolled(n) => n,
            Weight::Ordered => 0,
        };
        if let Some(why) = e.exclusion() {
            exclude(why, n);
            continue;
        }
        let step: fn(&mut Funnel, u64) = match e.name.as_str() {
            "page_view" => |f, n| f.page_views += n,
            "view_promotion" => |f, n| f.code_views += n,
            "select_item" => |f, n| f.product_selects += n,
            "begin_checkout" => |f, n| f.checkouts_started += n,
            "purchase" => |f, n| f.purchases_unverified += n,
            _ => continue,
        };
        let mut on_day = |time: i64, n: u64| {
            if let Some(p) = series.at(time) {
                match e.name.as_str() {
                    "page_view" => p.page_views += n,
                    "select_item" => p.product_selects += n,
                    "begin_checkout" => p.checkouts_started += n,
                    "purchase" => p.purchases_unverified += n,
                    _ => {}
                }
            }
        };
        match &e.days {
            Some(days) => days.iter().for_each(|&(time, n)| on_day(time, n)),
            None => on_day(e.event_time, n),
        }
        let purchase = e.name == "purchase";
        let confirms = |c: &Option<String>| c.as_ref().is_some_and(|c| confirmed.click(c));
        let ordered = match e.weight {
            Weight::One => u64::from(e.name == "begin_checkout" && confirms(&e.click_id)),
            Weight::Rolled(_) => 0,
            Weight::Ordered => 1,
        };
        let unconfirmed = purchase
            && !e.confirmed
            && !e.transaction_id.as_ref().is_some_and(|t| confirmed.transaction(t))
            && !confirms(&e.click_id);
        // Counts and money of this event for one group; `value` differs per product.
        let count = |g: &mut Group, value: Option<i128>| {
            step(&mut g.funnel, n);
            g.funnel.checkouts_ordered += ordered;
            if unconfirmed {
                g.funnel.purchases += n;
            }
            // `value` is already the row's `n` events' (a rolled-up purchase row's events
            // share one value and split).
            if let (true, Some(currency), Some(value)) = (purchase, e.currency.as_deref(), value) {
                let money = g.money(currency);
                money.unverified += value;
                if unconfirmed {
                    money.all += value;
                }
            }
        };
        // At most MAX_AMOUNT_MINOR × u64::MAX: far inside i128.
        let times = |v: i128| v.saturating_mul(i128::from(n));
        let value = e.value.map(|v| times(i128::from(v)));
        count(&mut totals, value);
        // Borrowed keys: a season's rollup rows are counted without a copy of each key.
        let keys = [
            (Dim::Creator, e.creator_id.as_str()),
            (Dim::Affiliate, key_ref(&e.affiliate)),
            (Dim::UtmSource, key_ref(&e.utm_source)),
            (Dim::UtmMedium, key_ref(&e.utm_medium)),
            (Dim::UtmCampaign, key_ref(&e.utm_campaign)),
            (Dim::UtmContent, key_ref(&e.utm_content)),
        ];
        for (dim, k) in keys {
            count(by.group(dim, k), value);
        }
        for i in &e.items {
            if let Some(name) = i.item_name.as_ref().filter(|n| !n.trim().is_empty()) {
                titles.offer(&i.item_id, e.event_time, name);
            }
        }
        if e.name == "view_promotion" {
            // A code's card, not a product: counted under its code once the texts are known.
            *code_views.entry(key(&e.promotion_id)).or_default() += n;
            continue;
        }
        let code = code_key(e.coupon.as_deref());
        if let Some(spelled) = e.coupon.as_ref().filter(|_| code != NONE && code != OTHER) {
            spellings.offer(&code, e.event_time, spelled);
        }
        count(by.group(Dim::Code, &code), value);
        for (product, value) in products_of_event(&e) {
            count(by.group(Dim::Product, &product), value.map(times));
        }
        if purchase {
            let k = (key(&e.utm_source), key(&e.utm_campaign), code);
            count(sold.entry(k).or_default(), value);
        }
    }
    let mut orders = orders;
    let mut counted = DayCounts::of(&mut orders);
    for o in &orders {
        if let Some(p) = series.at(o.created_at) {
            p.purchases_verified += 1;
        }
    }
    let RolledOrders { counts: rolled, listed } = rolled;
    for (&day, &n) in &rolled.days {
        // A whole day of the range: its start is in it.
        if let Some(p) = series.at(day.saturating_mul(rollup::DAY_MS).max(query.from)) {
            p.purchases_verified += n;
        }
    }
    counted.absorb(rolled);
    let DayCounts { counts: counted, joins, excluded: orders_excluded, days: _ } = counted;
    for (why, n) in orders_excluded {
        exclude(why, n);
    }
    orders.extend(listed.into_iter().filter(|o| o.exclusion().is_none()));
    // Events before orders: an order's spelling only names a code no event carried, and
    // its click's titles only products no event named.
    let (event_spellings, event_titles) = (spellings.done(), titles.done());
    totals.absorb(counted.totals);
    by.absorb(counted.by);
    for (k, g) in counted.sold {
        sold.entry(k).or_default().absorb(g);
    }
    let text = |(k, (_, text)): (String, (Place, String))| (k, text);
    let order_spellings: BTreeMap<String, String> = counted.spellings.into_iter().map(text).collect();
    let click_titles = counted.titles.into_iter().map(text);
    let spelling = |k: String| event_spellings.get(&k).or_else(|| order_spellings.get(&k)).cloned().unwrap_or(k);
    let codes = by.of(Dim::Code);
    *codes = std::mem::take(codes).into_iter().map(|(k, g)| (spelling(k), g)).collect();
    let sold: BTreeMap<(String, String, String), Group> =
        sold.into_iter().map(|((source, campaign, code), g)| ((source, campaign, spelling(code)), g)).collect();
    let mut titles = event_titles;
    for (id, title) in click_titles {
        titles.entry(id).or_insert(title);
    }
    for (id, n) in code_views {
        // The text whose id this is, among the codes checkouts and orders carried.
        // (The least such text, whatever order the groups are kept in.)
        let text = codes.keys().filter(|k| **k == id || (*k != NONE && *k != OTHER && code_id(k) == id)).min().cloned();
        codes.entry(text.unwrap_or(id)).or_default().funnel.code_views += n;
    }
    totals.finish();
    let by = by
        .named()
        .map(|(dim, groups)| {
            let mut groups: Vec<(String, Group)> = groups.into_iter().collect();
            groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let rows = groups
                .into_iter()
                .map(|(key, mut group)| {
                    group.finish();
                    let title = if dim == "product" { titles.get(&key).cloned() } else { None };
                    Row { key, title, group }
                })
                .collect();
            (dim, rows)
        })
        .collect();
    let mut what_sold: Vec<Sold> = sold
        .into_iter()
        .map(|((utm_source, utm_campaign, code), mut g)| {
            g.finish();
            let f = g.funnel;
            Sold {
                utm_source,
                utm_campaign,
                code,
                purchases: f.purchases,
                purchases_verified: f.purchases_verified,
                purchases_unverified: f.purchases_unverified,
                revenue: g.revenue,
            }
        })
        .collect();
    // Best first; a stable sort keeps the keys' order among equals.
    what_sold.sort_by_key(|s| std::cmp::Reverse((s.purchases, s.purchases_verified)));
    let excluded = Excluded::from_counts(excluded);
    // Listed: the latest, in order (by place; they come in any order); every one is
    // counted above.
    let by_place = |a: &OrderRow, b: &OrderRow| place(a).cmp(&place(b));
    let earlier = orders.len().saturating_sub(MAX_LISTED_ORDERS);
    if earlier > 0 {
        orders.select_nth_unstable_by(earlier, by_place);
        orders.drain(..earlier);
    }
    orders.sort_unstable_by(by_place);
    let mut stats = Stats {
        from: query.from,
        to: query.to,
        creator: query.creator.clone(),
        affiliate: query.scope.affiliate().map(str::to_owned),
        scope: query.scope.clone(),
        totals,
        by,
        what_sold,
        orders,
        excluded,
        series,
        joins: Joins::from_counts(&joins),
    };
    if let Scope::Affiliate(_) = query.scope {
        private::finish(&mut stats);
    }
    stats
}

/// What a run of verified orders adds up to (see [`aggregate`]): their counts and money,
/// how they joined their clicks, those left out, and how many there are per UTC day.
/// Sums of any runs of orders add up ([`DayCounts::absorb`]), so a day's can be kept
/// (`order_days`).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct DayCounts {
    counts: OrderCounts,
    joins: BTreeMap<Join, u64>,
    /// Orders and refunds left out.
    excluded: BTreeMap<Exclusion, u64>,
    /// Orders counted per UTC day (the day's number since 1970).
    days: BTreeMap<i64, u64>,
}

impl DayCounts {
    /// Counts `orders`, keeping only those that can be counted, each with its join set.
    fn of(orders: &mut Vec<OrderRow>) -> DayCounts {
        let mut c = DayCounts::default();
        orders.retain(|o| {
            if o.refunds_excluded > 0 {
                *c.excluded.entry(Exclusion::RefundAmount).or_default() += o.refunds_excluded;
            }
            let why = o.exclusion();
            if let Some(why) = why {
                *c.excluded.entry(why).or_default() += 1;
            }
            why.is_none()
        });
        for o in orders.iter_mut() {
            let join = o.join.unwrap_or_else(|| Join::of(o, false));
            o.join = Some(join);
            *c.joins.entry(join).or_default() += 1;
            *c.days.entry(o.created_at.div_euclid(rollup::DAY_MS)).or_default() += 1;
        }
        c.counts = OrderCounts::of(orders);
        c
    }

    fn absorb(&mut self, other: DayCounts) {
        let DayCounts { counts, joins, excluded, days } = other;
        self.counts.absorb(counts);
        for (j, n) in joins {
            *self.joins.entry(j).or_default() += n;
        }
        for (why, n) in excluded {
            *self.excluded.entry(why).or_default() += n;
        }
        for (day, n) in days {
            *self.days.entry(day).or_default() += n;
        }
    }
}

/// What the verified orders add up to, apart from the events' (see [`aggregate`]).
#[derive(Debug, Default, PartialEq)]
struct OrderCounts {
    totals: Group,
    by: ByDimension,
    sold: BTreeMap<(String, String, String), Group>,
    /// A code's spelling (by its key) as the first order carrying it spelled it, with
    /// that order's [`Place`].
    spellings: BTreeMap<String, (Place, String)>,
    /// A product's title as the first order's click named it, with that order's place.
    titles: BTreeMap<String, (Place, String)>,
}

/// Where an order stands among a report's: by its time, then its id, then its shop
/// (`provider`). The first order carrying a code or naming a product is the first by
/// place, and the orders listed are the last by place, whatever order they are given
/// in: putting a season's 333,000 orders at 10^8 events in order before they were
/// counted took 3 % of a report's CPU, and then read their texts all over memory
/// (counted in the order read, a season's report took 55–65 ms less).
type Place = (i64, String, String);

/// An order's [`Place`], borrowed.
type PlaceRef<'a> = (i64, &'a str, &'a str);

fn place(o: &OrderRow) -> PlaceRef<'_> {
    (o.created_at, o.order_id.as_str(), o.provider.as_str())
}

/// Keeps `text` for `key` when it comes from an earlier place than the one held.
fn keep_first(held: &mut BTreeMap<String, (Place, String)>, key: String, at: Place, text: String) {
    match held.get_mut(&key) {
        Some((first, _)) if *first <= at => {}
        Some(first) => *first = (at, text),
        None => {
            held.insert(key, (at, text));
        }
    }
}

/// How many orders make it worth counting a part of them on a thread of its own (one
/// costs tens of microseconds; an order about a microsecond).
const ORDERS_PER_THREAD: usize = 20_000;

impl OrderCounts {
    /// Counted in parts on the machine's cores when there are many: the sum runs after
    /// every read, when the other core has nothing to do (a 30-day report at 10^8 events
    /// counts 107,000 orders in about 130 ms on one).
    fn of(orders: &[OrderRow]) -> OrderCounts {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        OrderCounts::in_parts(orders, (orders.len() / ORDERS_PER_THREAD).clamp(1, cores))
    }

    /// `orders` counted in `parts` runs of consecutive orders, the first on this thread,
    /// then put together: the same counts as in one run (see [`absorb`]).
    ///
    /// [`absorb`]: OrderCounts::absorb
    fn in_parts(orders: &[OrderRow], parts: usize) -> OrderCounts {
        let mut runs = orders.chunks(orders.len().div_ceil(parts.max(1)).max(1));
        let first = runs.next().unwrap_or(&[]);
        std::thread::scope(|scope| {
            let later: Vec<_> = runs.map(|run| scope.spawn(move || OrderCounts::count(run))).collect();
            let mut counts = OrderCounts::count(first);
            for run in later {
                match run.join() {
                    Ok(c) => counts.absorb(c),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            counts
        })
    }

    /// Adds the counts of other orders: sums add up, and of two spellings or titles
    /// the one of the earlier place stays, as one run keeps it.
    fn absorb(&mut self, other: OrderCounts) {
        self.totals.absorb(other.totals);
        self.by.absorb(other.by);
        for (k, g) in other.sold {
            self.sold.entry(k).or_default().absorb(g);
        }
        for (k, (at, text)) in other.spellings {
            keep_first(&mut self.spellings, k, at, text);
        }
        for (id, (at, title)) in other.titles {
            keep_first(&mut self.titles, id, at, title);
        }
    }

    /// Counts `orders`, in any order. Codes are counted as spelled, then put under
    /// their key (in capitals) once per spelling; the "what sold" rows by the borrowed
    /// texts, then keyed: a key made for each of a season's 333,000 orders at 10^8
    /// events (a code in capitals, two texts copied) was most of the count's time.
    fn count(orders: &[OrderRow]) -> OrderCounts {
        let mut c = OrderCounts::default();
        let by = &mut c.by;
        // Per code as spelled: the first place of an order that carries it, and its group.
        let mut codes: foldhash::HashMap<Option<&str>, (PlaceRef, Group)> = Default::default();
        let mut sold: foldhash::HashMap<(&str, &str, Option<&str>), Group> = Default::default();
        // Per product id: the first place of an order whose click names it, and the name.
        let mut click_titles: foldhash::HashMap<&str, (PlaceRef, &str)> = Default::default();
        for o in orders {
            let at = place(o);
            let click = o.click.as_deref();
            let value = i128::from(o.value);
            let count = |g: &mut Group, value: i128, refunded: i128| {
                g.funnel.purchases += 1;
                g.funnel.purchases_verified += 1;
                let money = g.money(&o.currency);
                money.verified += value;
                money.all += value;
                money.refunded += refunded;
            };
            count(&mut c.totals, value, o.refunded);
            let spelled = o.coupon.as_deref().or_else(|| click.and_then(|c| c.coupon.as_deref()));
            // Borrowed keys, as the events' (a key is copied only into a new group).
            let tag = |of_click: fn(&Click) -> &Option<String>, own| order_tag(click, of_click, own);
            let (source, campaign) = (tag(|c| &c.utm_source, &o.utm_source), tag(|c| &c.utm_campaign, &o.utm_campaign));
            let keys = [
                (Dim::Creator, o.creator().unwrap_or(NONE)),
                (Dim::Affiliate, key_ref(&o.affiliate)),
                (Dim::UtmSource, source),
                (Dim::UtmMedium, tag(|c| &c.utm_medium, &o.utm_medium)),
                (Dim::UtmCampaign, campaign),
                (Dim::UtmContent, click.map_or(NONE, |c| key_ref(&c.utm_content))),
            ];
            for (dim, k) in keys {
                count(by.group(dim, k), value, o.refunded);
            }
            let (first, group) = codes.entry(spelled).or_insert_with(|| (at, Group::default()));
            *first = (*first).min(at);
            count(group, value, o.refunded);
            count(sold.entry((source, campaign, spelled)).or_default(), value, o.refunded);
            // A click whose items cannot be counted splits nothing: the order is `(none)`'s.
            let items = click
                .map(|c| c.items.as_slice())
                .filter(|i| i.len() <= MAX_LINES && i.iter().all(StoredItem::in_bounds))
                .unwrap_or_default();
            for i in items {
                if let Some(name) = i.item_name.as_ref().filter(|n| !n.trim().is_empty()) {
                    let (first, title) = click_titles.entry(i.item_id.as_str()).or_insert((at, name.as_str()));
                    if at < *first {
                        (*first, *title) = (at, name.as_str());
                    }
                }
            }
            let values = split_ids(value, items);
            match o.refunded {
                0 => values.into_iter().for_each(|(product, value)| count(by.group(Dim::Product, product), value, 0)),
                refunded => {
                    for ((product, value), (_, refunded)) in values.into_iter().zip(split_ids(refunded, items)) {
                        count(by.group(Dim::Product, product), value, refunded);
                    }
                }
            }
        }
        // A code's spelling is the first order's that carries it in any spelling.
        let owned = |(time, id, provider): PlaceRef| (time, id.to_owned(), provider.to_owned());
        for (spelled, (at, g)) in codes {
            let code = code_key(spelled);
            if let Some(spelled) = spelled.filter(|_| code != NONE && code != OTHER) {
                keep_first(&mut c.spellings, code.clone(), owned(at), spelled.to_owned());
            }
            c.by.of(Dim::Code).entry(code).or_default().absorb(g);
        }
        for (id, (at, title)) in click_titles {
            keep_first(&mut c.titles, id.to_owned(), owned(at), title.to_owned());
        }
        for ((source, campaign, spelled), g) in sold {
            c.sold.entry((source.to_owned(), campaign.to_owned(), code_key(spelled))).or_default().absorb(g);
        }
        c
    }
}

/// A code's row key: the code in capitals (shops keep codes case-insensitive), or
/// [`NONE`] or [`OTHER`] as they are.
fn code_key(code: Option<&str>) -> String {
    match code {
        None => NONE.to_owned(),
        Some(k) if k == NONE || k == OTHER => k.to_owned(),
        Some(k) => k.to_uppercase(),
    }
}

/// Per key, the text of the earliest time it was offered (ties: the smaller text).
#[derive(Default)]
struct Earliest(BTreeMap<String, (i64, String)>);

impl Earliest {
    fn offer(&mut self, key: &str, at: i64, text: &str) {
        match self.0.get_mut(key) {
            Some(best) => {
                if (at, text) < (best.0, best.1.as_str()) {
                    *best = (at, text.to_owned());
                }
            }
            None => {
                self.0.insert(key.to_owned(), (at, text.to_owned()));
            }
        }
    }

    fn done(self) -> BTreeMap<String, String> {
        self.0.into_iter().map(|(k, (_, text))| (k, text)).collect()
    }
}

fn key(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| NONE.to_owned())
}

fn key_ref(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or(NONE)
}

/// An order's tag: its click's (`of_click`), else its own, else [`NONE`].
fn order_tag<'a>(
    click: Option<&'a Click>,
    of_click: fn(&Click) -> &Option<String>,
    own: &'a Option<String>,
) -> &'a str {
    click.and_then(|c| of_click(c).as_deref()).or(own.as_deref()).unwrap_or(NONE)
}

/// One dimension's groups while counting, by key: hashed, not a `BTreeMap` (whose
/// lookups compared texts: 8 % of a 30-day report's CPU at 10^8 events); sorted by key
/// once counted ([`Row`]s are in key order).
type Groups = foldhash::HashMap<String, Group>;

/// A dimension of [`DIMENSIONS`], by its place there.
#[derive(Clone, Copy, Debug)]
enum Dim {
    Creator,
    Affiliate,
    Code,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmContent,
    Product,
}

/// The groups of each dimension, in [`DIMENSIONS`]' order: found by place, not by
/// name (looking a dimension up by its name, for each group of each of a season's
/// 330,000 orders and 450,000 rollup rows at 10^8 events, was about 6 % of a report's
/// CPU).
#[derive(Debug, Default, PartialEq)]
struct ByDimension([Groups; DIMENSIONS.len()]);

impl ByDimension {
    /// The group of `key` in `dim`, made on first use (the key is copied only then).
    fn group(&mut self, dim: Dim, key: &str) -> &mut Group {
        let groups = self.of(dim);
        if !groups.contains_key(key) {
            groups.insert(key.to_owned(), Group::default());
        }
        groups.get_mut(key).unwrap_or_else(|| unreachable!("the group was just made"))
    }

    fn of(&mut self, dim: Dim) -> &mut Groups {
        &mut self.0[dim as usize]
    }

    /// Adds `later`'s groups into these, dimension by dimension and key by key.
    fn absorb(&mut self, later: ByDimension) {
        for (mine, theirs) in self.0.iter_mut().zip(later.0) {
            for (k, g) in theirs {
                mine.entry(k).or_default().absorb(g);
            }
        }
    }

    /// Each dimension's groups, with its name.
    fn named(self) -> impl Iterator<Item = (&'static str, Groups)> {
        DIMENSIONS.into_iter().zip(self.0)
    }
}

/// The products an event is about, each with its share of the event's value (what
/// was paid, after the code's discount: [`split`] over its lines), or for a page view
/// of `/p/{id}/` that product. Without a value, no product has revenue either. A
/// rolled-up purchase gives the split its events had (`EventRow::shares`).
pub(crate) fn products_of_event(e: &EventRow) -> Vec<(String, Option<i128>)> {
    if let Some(shares) = &e.shares {
        return shares.clone();
    }
    if !e.items.is_empty() {
        return match e.value {
            Some(value) => split(i128::from(value), &e.items).into_iter().map(|(id, v)| (id, Some(v))).collect(),
            None => {
                let mut seen = HashSet::new();
                e.items.iter().filter(|i| seen.insert(i.item_id.as_str())).map(|i| (i.item_id.clone(), None)).collect()
            }
        };
    }
    let product = e
        .path
        .as_deref()
        .and_then(|p| p.strip_prefix("/p/"))
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty() && !p.contains('/'));
    vec![(product.map_or_else(|| NONE.to_owned(), str::to_owned), e.value.map(i128::from))]
}

/// Splits an amount (an order's total, its refunds, a purchase's value) over the
/// products of its lines in proportion to their list price × quantity, in integer minor
/// units, so that the parts always add up to the whole exactly: each product gets the
/// floor of its exact share, and the minor units left over (fewer than the number of
/// products) go one each to the largest remainders, ties to the product listed first
/// (Hamilton's method: deterministic, and no part is off by a whole unit or more).
/// Lines of one product are added up first. Without prices to weigh by the shares are
/// equal; without items the whole amount is `(none)`'s.
/// Exact for any amount a report holds: amounts and weights are within the limits (an
/// order ≤ `MAX_AMOUNT_MINOR`, refunds summed in `i128`, lines ≤ `MAX_PRICE_MINOR` ×
/// `MAX_QUANTITY`), so `amount × weight` is far inside `i128`; the arithmetic is checked
/// all the same, and a product that could not be computed leaves the whole amount
/// `(none)`'s rather than a wrong split.
pub fn split(amount: i128, items: &[StoredItem]) -> Vec<(String, i128)> {
    split_ids(amount, items).into_iter().map(|(id, part)| (id.to_owned(), part)).collect()
}

/// [`split`], naming each product by its line's id: a report splits each of a season's
/// 333,000 orders over its click's lines, and copying the ids was most of the work.
pub(crate) fn split_ids(amount: i128, items: &[StoredItem]) -> Vec<(&str, i128)> {
    let whole = || vec![(NONE, amount)];
    let mut weights: Vec<(&str, i128)> = Vec::with_capacity(items.len());
    for i in items {
        let w = limits::line_total(i.price, i.quantity);
        match weights.iter_mut().find(|(id, _)| *id == i.item_id) {
            Some((_, total)) => *total = total.saturating_add(w),
            None => weights.push((&i.item_id, w)),
        }
    }
    if weights.is_empty() {
        return whole();
    }
    let Some(mut total) = weights.iter().try_fold(0i128, |sum, (_, w)| sum.checked_add(*w)) else { return whole() };
    if total <= 0 || weights.iter().any(|(_, w)| *w < 0) {
        // No prices to weigh by: equal shares.
        weights.iter_mut().for_each(|(_, w)| *w = 1);
        total = weights.len() as i128;
    }
    // (product, floor of its share, remainder of that division)
    let mut parts: Vec<(&str, i128, i128)> = Vec::with_capacity(weights.len());
    for (id, w) in weights {
        let Some(exact) = amount.checked_mul(w) else { return whole() };
        parts.push((id, exact.div_euclid(total), exact.rem_euclid(total)));
    }
    let given = parts.iter().try_fold(0i128, |sum, (_, p, _)| sum.checked_add(*p));
    let Some(left) = given.and_then(|g| amount.checked_sub(g)) else { return whole() };
    // 0 ≤ left < parts.len(): the floors fall short by less than one unit each.
    if left > 0 {
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2).then(a.cmp(&b)));
        for &i in order.iter().take(usize::try_from(left).unwrap_or(0)) {
            parts[i].1 += 1;
        }
    }
    parts.into_iter().map(|(id, p, _)| (id, p)).collect()
}

pub mod chart;
mod csv;
mod load;
pub mod order_days;
pub mod picks;
pub mod private;
mod report;
pub mod rollup;
pub mod sentence;
mod series;

pub use self::csv::{table_csv, to_csv, CSV_HEADER, JOINS_HEADER, SERIES_HEADER};
pub(crate) use load::value_and_items;
pub(crate) use load::{affiliate_sent, click_items, order_value};
pub use load::{
    code_owner, load, load_with, outside_window, resolve, ByOrder, Given, KeptJoin, KeptJoins, CLOCK_SLACK_MS,
};
pub use report::{format_money, range_error, to_html, to_page, Filters, Page, TABLES};
pub use series::{Point, Series};

#[cfg(test)]
mod tests;
