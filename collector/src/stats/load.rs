//! Reading events, orders and refunds from SQLite for [`super::aggregate`], joining
//! each order to the click that led to it and crediting it to its affiliate.

use super::*;
use rusqlite::types::ValueRef;

/// Reads and adds up everything in the query's range.
/// `default_creator` is who an order counts for when neither the shop nor a click says.
pub fn load(
    conn: &Connection,
    query: &Query,
    window_ms: i64,
    default_creator: Option<&str>,
) -> rusqlite::Result<Stats> {
    load_with(conn, query, window_ms, default_creator, Given::default())
}

/// An order's join as it was decided before the copy, from the checkouts ClickHouse
/// kept for it once its window had settled (`ch_picks`): what [`resolve`] would answer
/// by code or UTM, and [`outside_window`]. Its click id, when it has one, is still
/// looked up first (a click joins at any age). A season at 10^8 events has 300,000 of
/// them: copying each one's checkout into the in-memory database and finding it there
/// again took seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeptJoin {
    pub click: Option<Arc<Click>>,
    pub outside: bool,
}

/// [`KeptJoin`]s by provider and order id.
pub type KeptJoins = ByOrder<KeptJoin>;

/// Values by order (provider, then order id), found by the order's own `&str`s. A
/// report at 10^8 events looks up each of up to 300,000 orders in two such maps, and
/// building a key of two new strings for every lookup was 5 % of its CPU. Providers
/// are few, so a map per provider; the first provider's is sized for
/// [`ByOrder::with_capacity`]'s orders at once (growing it 300,000 orders at a time was
/// another 5 %), and any other's grows (most stores sell through one shop, and sizing
/// each for every order would reserve it several times over).
#[derive(Clone, Debug, PartialEq)]
pub struct ByOrder<V> {
    by_provider: foldhash::HashMap<String, foldhash::HashMap<String, V>>,
    capacity: usize,
}

impl<V> Default for ByOrder<V> {
    fn default() -> Self {
        ByOrder::with_capacity(0)
    }
}

impl<V> ByOrder<V> {
    pub fn with_capacity(orders: usize) -> Self {
        ByOrder { by_provider: Default::default(), capacity: orders }
    }

    /// The value of the order (`provider`, `order_id`), made with `V::default()` if it
    /// has none yet.
    pub fn entry(&mut self, provider: &str, order_id: String) -> &mut V
    where
        V: Default,
    {
        self.of_provider(provider).entry(order_id).or_default()
    }

    /// Sets the order's value; returns the one it replaces.
    pub fn insert(&mut self, provider: &str, order_id: String, value: V) -> Option<V> {
        self.of_provider(provider).insert(order_id, value)
    }

    pub fn get(&self, provider: &str, order_id: &str) -> Option<&V> {
        self.by_provider.get(provider)?.get(order_id)
    }

    pub fn get_mut(&mut self, provider: &str, order_id: &str) -> Option<&mut V> {
        self.by_provider.get_mut(provider)?.get_mut(order_id)
    }

    pub fn remove(&mut self, provider: &str, order_id: &str) -> Option<V> {
        self.by_provider.get_mut(provider)?.remove(order_id)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.by_provider.values().flat_map(|orders| orders.values())
    }

    /// Keeps only the values for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        for orders in self.by_provider.values_mut() {
            orders.retain(|_, v| keep(v));
        }
    }

    /// How many orders have a value.
    pub fn len(&self) -> usize {
        self.by_provider.values().map(|m| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn of_provider(&mut self, provider: &str) -> &mut foldhash::HashMap<String, V> {
        // Looked up first: a provider's name is allocated once, not per order.
        if !self.by_provider.contains_key(provider) {
            let map =
                foldhash::HashMap::with_capacity_and_hasher(std::mem::take(&mut self.capacity), Default::default());
            self.by_provider.insert(provider.to_owned(), map);
        }
        self.by_provider.get_mut(provider).expect("inserted above")
    }
}

impl<V> Extend<((String, String), V)> for ByOrder<V> {
    fn extend<I: IntoIterator<Item = ((String, String), V)>>(&mut self, orders: I) {
        for ((provider, order_id), value) in orders {
            self.insert(&provider, order_id, value);
        }
    }
}

impl<V> FromIterator<((String, String), V)> for ByOrder<V> {
    fn from_iter<I: IntoIterator<Item = ((String, String), V)>>(orders: I) -> Self {
        let mut map = ByOrder::default();
        map.extend(orders);
        map
    }
}

/// What a loader that read ClickHouse hands [`load_with`] beside the in-memory copy
/// (`stats_source`): what it already added up or decided, so the copy need not hold it.
#[derive(Clone, Debug, Default)]
pub struct Given {
    /// Rollup rows, one per key (`rollup::Collapser`), for every creator and affiliate
    /// (the query's are kept).
    pub rolled: Vec<EventRow>,
    /// Whether `rolled` holds every counting event and purchase of the range, to the
    /// millisecond (ClickHouse's: see `rollup::sources`), so that the copy's events are
    /// never counted raw.
    pub covers_range: bool,
    /// The query's orders (as [`orders_in`] reads them, in any order: see `Place`), and
    /// what every order confirms, when they are handed over rather than read from the
    /// copy: a season's 333,000 at 10^8 events took a second to copy in and read back.
    pub orders: Option<(Vec<OrderRow>, Confirmed)>,
}

/// [`load()`], with what a loader already read or decided ([`Given`]).
pub fn load_with(
    conn: &Connection,
    query: &Query,
    window_ms: i64,
    default_creator: Option<&str>,
    given: Given,
) -> rusqlite::Result<Stats> {
    let Given { rolled, orders, covers_range } = given;
    // Whole days whose orders are added up already (`order_days`), in a file: not in
    // ClickHouse's copy, whose orders are handed over.
    let settings = order_days::Settings::new(window_ms, default_creator);
    let days = match &orders {
        None => order_days::Days::read(conn, query, &settings)?,
        Some(_) => None,
    };
    let (mut orders, confirmed) = match orders {
        Some((orders, confirmed)) => (orders, Some(confirmed)),
        None => {
            let mut orders = Vec::new();
            for (from, to) in order_days::not_rolled(query, days.as_ref()) {
                orders.extend(orders_in(conn, from, to, window_ms)?);
            }
            (orders, None)
        }
    };
    let refunds = Refunds::read(conn)?;
    join_orders(conn, &mut orders, &settings, &refunds)?;
    let wanted = |o: &OrderRow| {
        query.creator.as_deref().is_none_or(|c| o.creator() == Some(c))
            && query.scope.affiliate().is_none_or(|a| o.affiliate.as_deref() == Some(a))
    };
    orders.retain(wanted);
    // An affiliate's own view: nothing in their orders or events may name anyone else.
    let mut codes = match &query.scope {
        Scope::Affiliate(me) => Some(private::Codes::new(conn, me)),
        Scope::Brand { .. } => None,
    };
    if let Some(codes) = codes.as_mut() {
        for o in &mut orders {
            private::order(o, codes)?;
        }
    }
    let rolled_orders = match days {
        Some(days) => days.finish(&orders, |day| {
            let (start, end) = order_days::day_span(day);
            let mut listed = orders_in(conn, start, end, window_ms)?;
            join_orders(conn, &mut listed, &settings, &refunds)?;
            listed.retain(wanted);
            if let Some(codes) = codes.as_mut() {
                for o in &mut listed {
                    private::order(o, codes)?;
                }
            }
            Ok(listed)
        })?,
        None => RolledOrders::default(),
    };
    let read_later = OrdersConfirm { conn, read: Default::default(), failed: Default::default() };
    let confirmed: &dyn Confirms = match &confirmed {
        Some(confirmed) => confirmed,
        None => &read_later,
    };
    // Raw events, a day's rollup rows, or both (see `rollup::sources`); rollup rows one
    // per key (`rollup::collapsed`), raw events streamed.
    let sources = rollup::sources(conn, query, covers_range)?;
    let mut rolled: Vec<EventRow> = rolled
        .into_iter()
        .filter(|e| {
            query.creator.as_deref().is_none_or(|c| e.creator_id == c)
                && query.scope.affiliate().is_none_or(|a| e.affiliate.as_deref() == Some(a))
        })
        .collect();
    let mut statements = Vec::with_capacity(sources.len());
    for source in &sources {
        match source.collapse {
            Some(c) => rolled.extend(rollup::collapsed(conn, source, c)?),
            None => statements.push((conn.prepare(&source.sql)?, source)),
        }
    }
    // Streamed: a million events are added up without being held in memory.
    let failed = std::cell::RefCell::new(None);
    let fail = |e| *failed.borrow_mut() = Some(e);
    let events = statements
        .iter_mut()
        .flat_map(|(statement, source)| {
            statement
                .query(source.params().as_slice())
                .map_err(fail)
                .ok()
                .map(|rows| rows.mapped(source.read))
                .into_iter()
                .flatten()
        })
        .chain(rolled.into_iter().map(Ok))
        .map_while(|row| {
            let mut event = row.map_err(fail).ok()?;
            if let Some(codes) = codes.as_mut() {
                private::event(&mut event, codes).map_err(fail).ok()?;
            }
            Some(event)
        });
    let stats = aggregate_with(query, events, orders, rolled_orders, confirmed);
    match failed.into_inner().or(read_later.failed.into_inner()) {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

/// What the file's orders confirm ([`Confirmed`]), read when a raw event first asks.
struct OrdersConfirm<'c> {
    conn: &'c Connection,
    read: std::cell::OnceCell<Confirmed>,
    /// Why they could not be read: the report fails with it.
    failed: std::cell::RefCell<Option<rusqlite::Error>>,
}

impl OrdersConfirm<'_> {
    fn sets(&self) -> &Confirmed {
        self.read.get_or_init(|| {
            Self::read(self.conn).unwrap_or_else(|e| {
                *self.failed.borrow_mut() = Some(e);
                Confirmed::default()
            })
        })
    }

    fn read(conn: &Connection) -> rusqlite::Result<Confirmed> {
        let mut confirmed = Confirmed::default();
        let mut all = conn.prepare("SELECT order_id, click_id FROM orders")?;
        let mut rows = all.query([])?;
        while let Some(r) = rows.next()? {
            confirmed.transaction_ids.insert(r.get(0)?);
            if let Some(c) = r.get::<_, Option<String>>(1)? {
                confirmed.click_ids.insert(c);
            }
        }
        Ok(confirmed)
    }
}

impl Confirms for OrdersConfirm<'_> {
    fn transaction(&self, id: &str) -> bool {
        self.sets().transaction(id)
    }

    fn click(&self, id: &str) -> bool {
        self.sets().click(id)
    }
}

/// Joins each order to its click and credits it to its affiliate, as every report and
/// the orders' day rollup (`order_days`) do: its refunds, its click (kept or live), how
/// it met it, its creator (else `default_creator`'s) and its affiliate.
pub(super) fn join_orders(
    conn: &Connection,
    orders: &mut [OrderRow],
    settings: &order_days::Settings,
    refunds: &Refunds,
) -> rusqlite::Result<()> {
    let (window_ms, default_creator) = (settings.window_ms, settings.default_creator.as_deref());
    let mut owners = Owners::default();
    for o in orders {
        (o.refunded, o.refunds_excluded) = refunds.of(o);
        // Before the affiliate's view drops a click that is not theirs: how the order was
        // joined is a fact about the shop's data, and names nobody.
        let outside = match o.kept.take() {
            Some(join) => {
                o.click = by_click_id(conn, o)?.map(Arc::new).or(join.click);
                o.click.is_none() && o.click_id.is_none() && join.outside
            }
            None => {
                o.click = resolve(conn, o, window_ms)?.map(Arc::new);
                o.click.is_none() && o.click_id.is_none() && outside_window(conn, o, window_ms)?
            }
        };
        o.join = Some(Join::of(o, outside));
        if o.creator().is_none() {
            o.creator_id = default_creator.map(str::to_owned);
        }
        let own_click = o.click.as_deref().filter(|c| c.is_the_orders_own());
        let code = o.coupon.as_deref().or_else(|| own_click.and_then(|c| c.coupon.as_deref()));
        // The code's owner among the order's own storefront's affiliates (the creator the
        // shop sent, else its own click's; a click found by code is a guess and says
        // nothing): another storefront's sale with the same code text is no affiliate's
        // of this one.
        let creator = o.creator_id.as_deref().or_else(|| own_click.map(|c| c.creator_id.as_str()));
        let owner = || code.map_or(Ok(None), |code| owners.of(conn, code, creator));
        let credited = credit(o.affiliate_sent.as_deref(), o.click.as_deref(), owner)?;
        (o.affiliate, o.credited_by) = credited.unzip();
    }
    Ok(())
}

/// Who owns a code, asked once per code (without case, as [`code_owner`] compares) and
/// creator: a season's orders share a few codes. Found by the order's borrowed texts,
/// the code lowercased into a buffer kept between orders: building a key of new strings
/// for each of a season's 330,000 orders at 10^8 events was a tenth of the sum's time.
#[derive(Default)]
struct Owners {
    /// By creator, then by code without case.
    by_creator: foldhash::HashMap<String, foldhash::HashMap<String, Option<String>>>,
    /// Of orders for no creator.
    no_creator: foldhash::HashMap<String, Option<String>>,
    lowered: String,
}

impl Owners {
    fn of(&mut self, conn: &Connection, code: &str, creator: Option<&str>) -> rusqlite::Result<Option<String>> {
        self.lowered.clear();
        self.lowered.extend(code.chars().map(|c| c.to_ascii_lowercase()));
        let owners = match creator {
            Some(creator) => {
                if !self.by_creator.contains_key(creator) {
                    self.by_creator.insert(creator.to_owned(), Default::default());
                }
                self.by_creator.get_mut(creator).unwrap_or_else(|| unreachable!("inserted above"))
            }
            None => &mut self.no_creator,
        };
        if let Some(owner) = owners.get(self.lowered.as_str()) {
            return Ok(owner.clone());
        }
        let owner = code_owner(conn, code, creator)?;
        owners.insert(self.lowered.clone(), owner.clone());
        Ok(owner)
    }
}

/// The columns [`raw_event`] reads, in its order.
pub(super) const EVENT_COLUMNS: &str =
    "name, creator_id, coupon, utm_source, utm_medium, currency, value, transaction_id,
  click_id, items, path, affiliate, utm_campaign, utm_content, promotion_id, event_time";

/// One stored event as stats read it, from a row of [`EVENT_COLUMNS`].
pub(super) fn raw_event(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    let (value, items, unreadable) = value_and_items(r.get(6)?, r.get(9)?);
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
        items,
        path: r.get(10)?,
        affiliate: r.get(11)?,
        utm_campaign: r.get(12)?,
        utm_content: r.get(13)?,
        promotion_id: r.get(14)?,
        event_time: r.get(15)?,
        unreadable,
        weight: Weight::One,
        confirmed: false,
        shares: None,
        days: None,
    })
}

/// A stored event's value and items as stats read them, and why the event cannot be
/// counted when either cannot be read (a value that is not an integer; items that are
/// not JSON text of items). Shared by [`raw_event`] and the day groups read from
/// ClickHouse (`stats_source`), so a group is left out exactly as its events would be.
pub(crate) fn value_and_items(value: SqlValue, items: SqlValue) -> (Option<i64>, Vec<StoredItem>, Option<Exclusion>) {
    let (value, bad_value) = match value {
        SqlValue::Null => (None, false),
        SqlValue::Integer(v) => (Some(v), false),
        _ => (None, true),
    };
    let items = stored_items(ValueRef::from(&items));
    let unreadable =
        if bad_value { Some(Exclusion::EventValue) } else { items.is_none().then_some(Exclusion::EventItems) };
    (value, items.unwrap_or_default(), unreadable)
}

/// A row's stored items; `None` when they cannot be read (not JSON text of items).
fn stored_items(json: ValueRef) -> Option<Vec<StoredItem>> {
    match json {
        ValueRef::Null => Some(Vec::new()),
        ValueRef::Text(j) => std::str::from_utf8(j).ok().and_then(|j| serde_json::from_str(j).ok()),
        _ => None,
    }
}

/// The items of the click an order is joined to; unreadable ones count as none (the
/// order is then `(none)`'s in the product breakdown).
/// [`click_items`] from the row's own bytes, with no copy of the JSON.
fn borrowed_items(json: ValueRef) -> Vec<StoredItem> {
    stored_items(json).unwrap_or_default()
}

pub(crate) fn click_items(json: Option<String>) -> Vec<StoredItem> {
    borrowed_items(json.as_deref().map_or(ValueRef::Null, |j| ValueRef::Text(j.as_bytes())))
}

/// Every refund's amount, by provider and the order reference it names ([`ByOrder`]):
/// read once per report rather than asked for order by order (a statement per order,
/// 333,000 of them in a season at 10^8 events with an order for half the purchases),
/// and an order's looked up by its borrowed texts (no key copied per order).
pub(super) struct Refunds(ByOrder<Vec<SqlValue>>);

impl Refunds {
    pub(super) fn read(conn: &Connection) -> rusqlite::Result<Refunds> {
        let mut by_order: ByOrder<Vec<SqlValue>> = ByOrder::default();
        let mut statement = conn.prepare("SELECT provider, order_ref, amount FROM refunds")?;
        let mut rows = statement.query([])?;
        while let Some(r) = rows.next()? {
            let provider: String = r.get(0)?;
            by_order.entry(&provider, r.get(1)?).push(r.get(2)?);
        }
        Ok(Refunds(by_order))
    }

    /// The sum of `o`'s refunds (those of its provider naming its order id or its
    /// payment reference), and how many were left out because their amount is not a
    /// whole number from 1 to `MAX_AMOUNT_MINOR`. Summed in `i128` rather than with
    /// SQL's `sum()`, which fails the whole query on an integer overflow.
    fn of(&self, o: &OrderRow) -> (i128, u64) {
        // A payment reference equal to the order id names the same refunds, once.
        let payment = o.payment_ref.as_deref().filter(|p| *p != o.order_id);
        let (mut amounts, mut excluded) = (Vec::new(), 0);
        for r in std::iter::once(o.order_id.as_str()).chain(payment) {
            for amount in self.0.get(&o.provider, r).into_iter().flatten() {
                match amount {
                    SqlValue::Integer(a) if (1..=MAX_AMOUNT_MINOR).contains(a) => amounts.push(*a),
                    _ => excluded += 1,
                }
            }
        }
        (limits::sum_minor(amounts), excluded)
    }
}

/// The columns of `orders o` that [`order_row`] reads, in its order.
pub(super) const ORDER_COLUMNS: &str = "o.provider, o.order_id, o.creator_id, o.created_at, o.currency, o.value,
  o.payment_ref, o.click_id, o.coupon, o.utm_source, o.utm_medium, o.utm_campaign, o.affiliate";

/// A stored order as stats read it, from a row starting with [`ORDER_COLUMNS`].
pub(super) fn order_row(r: &rusqlite::Row) -> rusqlite::Result<OrderRow> {
    let (value, unreadable) = order_value(r.get(5)?);
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
        affiliate_sent: affiliate_sent(r.get(12)?),
        unreadable,
        ..OrderRow::default()
    })
}

/// The orders of `[from, to)`, each with its kept pick for `window_ms` when that still
/// holds (`picks`), in no particular order (see `Place`).
pub(super) fn orders_in(conn: &Connection, from: i64, to: i64, window_ms: i64) -> rusqlite::Result<Vec<OrderRow>> {
    let unapplied = picks::Unapplied::read(conn, window_ms)?;
    let mut statement = conn.prepare(&format!(
        "SELECT {ORDER_COLUMNS},
           p.outside, p.how, p.event_id, p.creator_id, p.coupon, p.utm_source, p.utm_medium, p.utm_campaign,
           p.utm_content, p.affiliate, p.items
         FROM orders o LEFT JOIN order_picks p
           ON p.order_rowid = o.rowid AND p.provider = o.provider AND p.order_id = o.order_id
         WHERE o.created_at >= ?1 AND o.created_at < ?2"
    ))?;
    // Orders stored one after another often joined the same checkout: its items are
    // read once. (Not a map of every click: at 10^8 events a season's 333,016 orders
    // joined 327,076 checkouts, and filling the map cost more than it saved.)
    let mut last: Option<Arc<Click>> = None;
    let mut rows = statement.query(params![from, to])?;
    let mut orders = Vec::new();
    while let Some(r) = rows.next()? {
        let mut o = order_row(r)?;
        if let Some(outside) = r.get::<_, Option<bool>>(13)? {
            let how = match r.get_ref(14)?.as_str_or_null()? {
                Some("code") => Some("code"),
                Some("utm") => Some("utm"),
                _ => None,
            };
            if unapplied.holds(&o, how.is_none() && !outside, window_ms) {
                let click = match (how, r.get_ref(15)?.as_str_or_null()?) {
                    (Some(how), Some(event_id)) => Some(match &last {
                        Some(click) if click.how == how && click.event_id == event_id => click.clone(),
                        _ => {
                            let click = Arc::new(Click {
                                how,
                                event_id: event_id.to_owned(),
                                creator_id: r.get(16)?,
                                coupon: r.get(17)?,
                                utm_source: r.get(18)?,
                                utm_medium: r.get(19)?,
                                utm_campaign: r.get(20)?,
                                utm_content: r.get(21)?,
                                affiliate: r.get(22)?,
                                items: borrowed_items(r.get_ref(23)?),
                            });
                            last = Some(click.clone());
                            click
                        }
                    }),
                    _ => None,
                };
                o.kept = Some(KeptJoin { click, outside });
            }
        }
        orders.push(o);
    }
    Ok(orders)
}

/// An order's stored total as stats read it: `None` beside it when it cannot be read
/// (the order is then left out).
pub(crate) fn order_value(value: SqlValue) -> (i64, Option<Exclusion>) {
    match value {
        SqlValue::Integer(v) => (v, None),
        _ => (0, Some(Exclusion::OrderValue)),
    }
}

/// The affiliate an order's shop sent back, as the first crediting rule reads it.
/// Webhooks store only handles; a row edited by hand to hold something else credits
/// nobody by this rule (the next rules still apply).
pub(crate) fn affiliate_sent(stored: Option<String>) -> Option<String> {
    stored.filter(|h| limits::is_handle(h))
}

/// A click may be logged a little after the order by the shop's clock (ClickHouse's reads
/// widen theirs by it too: `stats_source`).
pub const CLOCK_SLACK_MS: i64 = 5 * 60 * 1000;

/// Joins an order to the click that led to it, trying in turn:
/// 1. its `click_id` (Stripe `client_reference_id`, Shopify note attribute), the
///    checkout handoff that carried it;
/// 2. the creator's latest `begin_checkout` with the order's discount code within the
///    attribution window before the order;
/// 3. the latest `begin_checkout` with the order's utm_source (and medium and campaign
///    when the order has them) within the window.
pub fn resolve(conn: &Connection, o: &OrderRow, window_ms: i64) -> rusqlite::Result<Option<Click>> {
    if let Some(click) = by_click_id(conn, o)? {
        return Ok(Some(click));
    }
    Ok(by_code_or_source(conn, o, window_ms)?.map(|(click, _)| click))
}

/// [`resolve`]'s second and third rules, with the click's items as stored (kept beside
/// the order: `picks`).
pub(super) fn by_code_or_source(
    conn: &Connection,
    o: &OrderRow,
    window_ms: i64,
) -> rusqlite::Result<Option<(Click, Option<String>)>> {
    let (earliest, latest) = (o.created_at - window_ms, o.created_at + CLOCK_SLACK_MS);
    if let Some(code) = &o.coupon {
        let sql = format!(
            "SELECT {CLICK_COLUMNS} FROM events WHERE name = 'begin_checkout' AND coupon = ?1 COLLATE NOCASE
               AND event_time >= ?2 AND event_time <= ?3 AND (?4 IS NULL OR creator_id = ?4)
             ORDER BY event_time DESC LIMIT 1"
        );
        if let Some(click) = conn
            .prepare_cached(&sql)?
            .query_row(params![code, earliest, latest, o.creator_id], stored_click("code"))
            .optional()?
        {
            return Ok(Some(click));
        }
    }
    if let Some(source) = &o.utm_source {
        let sql = format!(
            "SELECT {CLICK_COLUMNS} FROM events WHERE name = 'begin_checkout' AND utm_source = ?1
               AND event_time >= ?2 AND event_time <= ?3 AND (?4 IS NULL OR creator_id = ?4)
               AND (?5 IS NULL OR utm_medium = ?5) AND (?6 IS NULL OR utm_campaign = ?6)
             ORDER BY event_time DESC LIMIT 1"
        );
        let found = conn
            .prepare_cached(&sql)?
            .query_row(
                params![source, earliest, latest, o.creator_id, o.utm_medium, o.utm_campaign],
                stored_click("utm"),
            )
            .optional()?;
        return Ok(found);
    }
    Ok(None)
}

/// The columns [`click_row`] reads, in its order.
const CLICK_COLUMNS: &str =
    "event_id, creator_id, coupon, utm_source, utm_medium, items, affiliate, utm_campaign, utm_content";

fn click_row(how: &'static str) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<Click> {
    move |r| Ok(stored_click(how)(r)?.0)
}

/// [`click_row`], with the click's items as stored.
fn stored_click(how: &'static str) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<(Click, Option<String>)> {
    move |r| {
        let items: Option<String> = r.get(5)?;
        let click = Click {
            how,
            event_id: r.get(0)?,
            creator_id: r.get(1)?,
            coupon: r.get(2)?,
            utm_source: r.get(3)?,
            utm_medium: r.get(4)?,
            items: click_items(items.clone()),
            affiliate: r.get(6)?,
            utm_campaign: r.get(7)?,
            utm_content: r.get(8)?,
        };
        Ok((click, items))
    }
}

/// [`resolve`]'s first rule: the checkout handoff (else the outbound click) that
/// carried the order's `click_id`.
fn by_click_id(conn: &Connection, o: &OrderRow) -> rusqlite::Result<Option<Click>> {
    let Some(click_id) = &o.click_id else { return Ok(None) };
    let sql = format!(
        "SELECT {CLICK_COLUMNS} FROM events WHERE click_id = ?1 AND name IN ('begin_checkout', 'outbound_click')
         ORDER BY name = 'begin_checkout' DESC, event_time LIMIT 1"
    );
    conn.prepare_cached(&sql)?.query_row(params![click_id], click_row("click_id")).optional()
}

/// Whether a checkout that [`resolve`] would have taken by code or UTM exists outside
/// the attribution window (before it, or after the order's clock slack): the window, not
/// the data, kept the order from its click. Asked only for orders with no click.
pub fn outside_window(conn: &Connection, o: &OrderRow, window_ms: i64) -> rusqlite::Result<bool> {
    let (earliest, latest) = (o.created_at - window_ms, o.created_at + CLOCK_SLACK_MS);
    // Two lookups, each on its partial index (`events_checkout_by_code`, `…_by_source`).
    let by = |column: &str, value: &Option<String>| -> rusqlite::Result<bool> {
        let Some(value) = value else { return Ok(false) };
        let collate = if column == "coupon" { " COLLATE NOCASE" } else { "" };
        conn.prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM events WHERE name = 'begin_checkout' AND {column} = ?1{collate}
               AND (event_time < ?2 OR event_time > ?3) AND (?4 IS NULL OR creator_id = ?4))"
        ))?
        .query_row(params![value, earliest, latest, o.creator_id], |r| r.get(0))
    };
    Ok(by("coupon", &o.coupon)? || by("utm_source", &o.utm_source)?)
}

/// The affiliate who owns a discount code: the one of the **earliest** event that carried
/// the code together with an affiliate, among `creator`'s events when given, compared
/// without case as shops do. Earliest rather than latest, because events arrive
/// unauthenticated: whoever first showed the code on their page owns it, and later
/// events (forged or not) cannot move its orders to someone else.
pub fn code_owner(conn: &Connection, code: &str, creator: Option<&str>) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT affiliate FROM events
         WHERE coupon = ?1 COLLATE NOCASE AND affiliate IS NOT NULL AND (?2 IS NULL OR creator_id = ?2)
         ORDER BY event_time, id LIMIT 1",
    )?
    .query_row(params![code, creator], |r| r.get(0))
    .optional()
}

#[cfg(test)]
mod tests {
    use super::ByOrder;

    #[test]
    fn an_order_is_its_provider_and_its_id_together() {
        let mut map: ByOrder<u32> = ByOrder::with_capacity(4);
        assert_eq!(map.insert("shopify", "1001".into(), 1), None);
        assert_eq!(map.insert("stripe", "1001".into(), 2), None, "another shop's order with the same id");
        *map.entry("stripe", "1002".into()) += 3;
        assert_eq!(map.insert("shopify", "1001".into(), 4), Some(1), "the same order replaced");
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("shopify", "1001"), Some(&4));
        assert_eq!(map.get("stripe", "1001"), Some(&2));
        assert_eq!(map.get("stripe", "1002"), Some(&3));
        assert_eq!(map.get("woocommerce", "1001"), None);
        map.extend([(("stripe".to_owned(), "1001".to_owned()), 5), (("woocommerce".to_owned(), "7".to_owned()), 6)]);
        assert_eq!(map.len(), 4);
        assert_eq!(map.remove("stripe", "1001"), Some(5), "extended over");
        assert_eq!(map.remove("stripe", "1001"), None, "taken once");
        assert_eq!(map.remove("woocommerce", "7"), Some(6));
        assert_eq!(map.len(), 2);
        assert!(!map.is_empty());
    }
}
