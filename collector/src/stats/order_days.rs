//! Each UTC day's verified orders added up once and kept (`order_days`), so a season's
//! report reads a few hundred rows instead of joining every order of the season.
//!
//! - **Why**: at 10^8 events a season holds 333,016 orders, and reading each one with
//!   its kept join (`picks`), then joining, crediting and counting it, was 0.8–0.96 s of
//!   a 1.55–1.97 s report. What a report adds up of a run of orders ([`DayCounts`]) adds
//!   up again across runs, so a day's sum can be kept per creator and affiliate (the two
//!   things a report filters orders by) and summed with the others.
//! - **What is kept** per day, creator and affiliate: the day's [`DayCounts`] as JSON
//!   (funnel, money per currency, every breakdown, "what sold", the first spelling of
//!   each code and title of each product with the place of the order that gave it, the
//!   join outcomes, the rows left out). Orders are listed one by one only for the
//!   latest [`MAX_LISTED_ORDERS`]: a report reads the last days' orders again for the
//!   list ([`Days::finish`]), never to count them.
//! - **Exact, not settled**: a day's sum depends on its orders and on what they are joined
//!   and credited by, and each of those is watched ([`dirty`]): new orders (their day),
//!   refunds (their order's day), checkouts and outbound clicks carrying an order's click
//!   id (that order's day), checkouts with a code or source (the days whose orders could
//!   take them by the attribution window, and the days where an order with that code or
//!   source joins nothing yet: `order_day_undecided`), and events that change who owns a
//!   code (every day, when an order could use that code: rare, since an owner is the
//!   code's earliest event with an affiliate). The roller ([`step`], after the picks)
//!   marks the days such rows change as waiting and rolls the waiting days that are over
//!   ([`ORDERS_PER_STEP`] orders at a time); a report ([`Days::read`]) takes a day's
//!   sums only when it is rolled and nothing stored since the roller's cursors could
//!   change it, and reads the other days' orders one by one as before. Rolled or not, the
//!   figures are the same (a property test holds the two to each other).
//! - **What the sums are for**: the attribution window and the default creator
//!   (`order_days_for`). Another of either drops every day and rolls them again; a
//!   report with another reads every order.
//! - **An affiliate's own view** hides parts of each order that are not theirs
//!   (`private`): a day's orders with an affiliate are also kept summed as that
//!   affiliate's view shows them (`private_counts`).
//! - **Not rolled**: reports from ClickHouse (their orders come from there), and a
//!   range's partial first and last day.
//! - **Retention** purges only events the roller has seen ([`EVENT_CURSOR`]); a rolled day
//!   keeps the clicks it was summed with after they are purged, as the picks and the
//!   event rollup do. Orders and refunds are never deleted by the collector: in a file
//!   whose orders are deleted by hand, empty `order_days_for`, and the roller sums every
//!   day again.

use super::load::{join_orders, orders_in, Refunds};
use super::picks::{checkout_times, cursor, set, spans};
use super::rollup::{whole_days, DAY_MS};
use super::*;
use std::collections::BTreeSet;

/// The `forward_cursor` row: the last event id the day sums have seen.
pub const EVENT_CURSOR: &str = "order-days:events";
/// The `forward_cursor` row: the last `refunds` rowid the day sums have seen.
pub const REFUND_CURSOR: &str = "order-days:refunds";
/// The `forward_cursor` row: the last `orders` rowid the day sums have seen.
pub const ORDER_CURSOR: &str = "order-days:orders";
/// Orders rolled per write, whole days at a time: a day is summed in one go, and a write
/// stops after the day that passes this many. At 10^8 events a day holds about 3,700
/// orders, so one day per write: 4,000 (two days) held the writer 196 ms in the median
/// and 1.2 s at most on a collector's first start on that 35 GB file, its pages cold.
pub const ORDERS_PER_STEP: u64 = 2_000;

/// What a day's sums are for: what joins (the attribution window) and credits (the
/// creator an order with none counts for) its orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub window_ms: i64,
    pub default_creator: Option<String>,
}

impl Settings {
    pub fn new(window_ms: i64, default_creator: Option<&str>) -> Settings {
        Settings { window_ms, default_creator: default_creator.map(str::to_owned) }
    }

    fn stored(conn: &Connection) -> rusqlite::Result<Option<Settings>> {
        conn.prepare_cached("SELECT window_ms, default_creator FROM order_days_for WHERE one = 1")?
            .query_row([], |r| Ok(Settings { window_ms: r.get(0)?, default_creator: r.get(1)? }))
            .optional()
    }
}

/// The last event id the day sums have seen (0: none): retention purges no event past it.
pub fn event_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(cursor(conn, EVENT_CURSOR)?.unwrap_or(0))
}

/// The days whose sums what was stored past the cursors may change.
#[derive(Debug, Default, PartialEq, Eq)]
struct Dirty {
    /// Every day (who owns a code some order uses changed).
    all: bool,
    /// Days with new orders, or whose orders may join or count differently.
    days: BTreeSet<i64>,
    /// Of those, the days of new orders (the roller adds them to its days).
    ordered: BTreeSet<i64>,
}

/// Rows stored in a range of ids: after the first, up to the second.
type Span = (i64, i64);

fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The times of `day`, `[start, end)` (saturating: a day is made from a stored order's
/// time, which a hand-edited row may put at the end of time).
pub(super) fn day_span(day: i64) -> (i64, i64) {
    (day.saturating_mul(DAY_MS), day.saturating_add(1).saturating_mul(DAY_MS))
}

/// The days that events `events`, refunds `refunds` and orders `orders` (each a span of
/// ids or rowids) may change: see the module's doc.
fn dirty(conn: &Connection, events: Span, refunds: Span, orders: Span, window_ms: i64) -> rusqlite::Result<Dirty> {
    let mut dirty = Dirty::default();
    if orders.1 > orders.0 {
        let mut statement = conn.prepare_cached("SELECT created_at FROM orders WHERE rowid > ?1 AND rowid <= ?2")?;
        for at in statement.query_map(params![orders.0, orders.1], |r| r.get::<_, i64>(0))? {
            dirty.ordered.insert(day_of(at?));
        }
        dirty.days.extend(&dirty.ordered);
    }
    let mut days_of = |sql: &str, span: Span| -> rusqlite::Result<()> {
        if span.1 > span.0 {
            for at in conn.prepare_cached(sql)?.query_map(params![span.0, span.1], |r| r.get::<_, i64>(0))? {
                dirty.days.insert(day_of(at?));
            }
        }
        Ok(())
    };
    // A refund names its order by id, or by payment (Stripe's PaymentIntent).
    days_of(
        "SELECT o.created_at FROM refunds r JOIN orders o ON o.provider = r.provider AND o.order_id = r.order_ref
         WHERE r.rowid > ?1 AND r.rowid <= ?2
         UNION ALL
         SELECT o.created_at FROM refunds r JOIN orders o ON o.provider = r.provider AND o.payment_ref = r.order_ref
         WHERE r.rowid > ?1 AND r.rowid <= ?2",
        refunds,
    )?;
    days_of(
        "SELECT o.created_at FROM events e JOIN orders o ON o.click_id = e.click_id
         WHERE e.id > ?1 AND e.id <= ?2 AND e.click_id IS NOT NULL AND e.name IN ('begin_checkout', 'outbound_click')",
        events,
    )?;
    if events.1 <= events.0 {
        return Ok(dirty);
    }
    // Checkouts: the days of the orders whose window holds one (every day of each span:
    // a day without such an order is only summed again), and the days where an order
    // with its code or source joins nothing and none lies outside its window yet.
    let (codes, sources) = checkout_times(conn, events.0, events.1)?;
    for (kind, times) in [("code", codes), ("source", sources)] {
        let mut undecided =
            conn.prepare_cached("SELECT day FROM order_day_undecided WHERE kind = ?1 AND value = ?2")?;
        for (value, times) in times {
            for (from, to) in spans(times, window_ms) {
                dirty.days.extend(day_of(from)..=day_of(to));
            }
            for day in undecided.query_map(params![kind, value], |r| r.get::<_, i64>(0))? {
                dirty.days.insert(day?);
            }
        }
    }
    dirty.all = owner_changed(conn, events)?;
    Ok(dirty)
}

/// Whether events `events` change who owns a code that some order may be credited by:
/// a code's owner is its earliest event with an affiliate (`code_owner`), per creator
/// and for orders of none.
fn owner_changed(conn: &Connection, events: Span) -> rusqlite::Result<bool> {
    let mut carried: BTreeSet<(String, String)> = BTreeSet::new();
    let mut statement = conn.prepare_cached(
        "SELECT coupon, creator_id FROM events
         WHERE id > ?1 AND id <= ?2 AND coupon IS NOT NULL AND affiliate IS NOT NULL",
    )?;
    for row in statement.query_map(params![events.0, events.1], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
        let (code, creator) = row?;
        carried.insert((code.to_ascii_lowercase(), creator));
    }
    let owner = |code: &str, creator: Option<&str>, upto: i64| -> rusqlite::Result<Option<String>> {
        conn.prepare_cached(
            "SELECT affiliate FROM events
             WHERE coupon = ?1 COLLATE NOCASE AND affiliate IS NOT NULL AND (?2 IS NULL OR creator_id = ?2)
               AND id <= ?3
             ORDER BY event_time, id LIMIT 1",
        )?
        .query_row(params![code, creator, upto], |r| r.get(0))
        .optional()
    };
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for (code, creator) in &carried {
        for creator in [Some(creator.as_str()), None] {
            if owner(code, creator, events.0)? != owner(code, creator, events.1)? {
                changed.insert(code);
            }
        }
    }
    for code in changed {
        // An order's code is its own, else its own click's (found by its click id).
        let used: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE coupon = ?1 COLLATE NOCASE)
               OR EXISTS (SELECT 1 FROM orders o JOIN events e ON e.click_id = o.click_id
                          WHERE o.click_id IS NOT NULL AND e.coupon = ?1 COLLATE NOCASE
                            AND e.name IN ('begin_checkout', 'outbound_click'))",
            )?
            .query_row([code], |r| r.get(0))?;
        if used {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The last id (or rowid) stored in `table`.
fn last(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("SELECT coalesce(max(rowid), 0) FROM {table}"), [], |r| r.get(0))
}

/// Brings the day sums up to date for `settings`, inside the caller's transaction:
/// marks the days changed by up to `max_events` new events (and every new refund and
/// order) as waiting, then rolls waiting days over by `now_ms`, oldest first, until
/// [`ORDERS_PER_STEP`] orders are rolled. Returns whether it caught up.
pub fn step(conn: &Connection, settings: &Settings, max_events: i64, now_ms: i64) -> rusqlite::Result<bool> {
    let started = std::time::Instant::now();
    let (last_event, last_refund, last_order) = (last(conn, "events")?, last(conn, "refunds")?, last(conn, "orders")?);
    if Settings::stored(conn)?.as_ref() != Some(settings) {
        // Sums made from now on see everything stored so far; every order's day waits.
        conn.execute_batch("DELETE FROM order_days; DELETE FROM order_day_state; DELETE FROM order_day_undecided;")?;
        conn.execute(
            "INSERT OR REPLACE INTO order_days_for (one, window_ms, default_creator) VALUES (1, ?1, ?2)",
            params![settings.window_ms, settings.default_creator],
        )?;
        set(conn, EVENT_CURSOR, last_event)?;
        set(conn, REFUND_CURSOR, last_refund)?;
        set(conn, ORDER_CURSOR, 0)?;
    }
    let seen = |target| Ok::<_, rusqlite::Error>(cursor(conn, target)?.unwrap_or(0));
    let (events, refunds, orders) = (seen(EVENT_CURSOR)?, seen(REFUND_CURSOR)?, seen(ORDER_CURSOR)?);
    let upto = last_event.min(events.saturating_add(max_events));
    let dirty = dirty(conn, (events, upto), (refunds, last_refund), (orders, last_order), settings.window_ms)?;
    if dirty.all {
        conn.execute_batch(
            "UPDATE order_day_state SET rolled = 0; DELETE FROM order_days; DELETE FROM order_day_undecided;",
        )?;
    }
    // New orders' days are added; a changed day without orders has nothing to roll.
    for day in &dirty.ordered {
        conn.prepare_cached("INSERT OR IGNORE INTO order_day_state (day, rolled) VALUES (?1, 0)")?.execute([day])?;
    }
    for day in &dirty.days {
        unroll(conn, *day)?;
    }
    set(conn, EVENT_CURSOR, upto)?;
    set(conn, REFUND_CURSOR, last_refund)?;
    set(conn, ORDER_CURSOR, last_order)?;
    // Days that are over: today's orders still come, and a report reads one day raw.
    let waiting: Vec<i64> = conn
        .prepare_cached("SELECT day FROM order_day_state WHERE rolled = 0 AND day < ?1 ORDER BY day")?
        .query_map([day_of(now_ms)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let (mut rolled_days, mut rolled_orders) = (0, 0);
    if !waiting.is_empty() {
        let refunds = Refunds::read(conn)?;
        for day in &waiting {
            if rolled_orders >= ORDERS_PER_STEP {
                break;
            }
            rolled_orders += roll_day(conn, *day, settings, &refunds)?;
            rolled_days += 1;
        }
    }
    if rolled_days > 0 || !dirty.days.is_empty() {
        let ms = started.elapsed().as_millis() as u64;
        tracing::debug!(
            days = rolled_days,
            orders = rolled_orders,
            changed = dirty.days.len(),
            ms,
            "order days rolled"
        );
    }
    Ok(upto == last_event && rolled_days == waiting.len())
}

/// Marks `day` as waiting, its sums gone.
fn unroll(conn: &Connection, day: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE order_day_state SET rolled = 0 WHERE day = ?1")?.execute([day])?;
    conn.prepare_cached("DELETE FROM order_days WHERE day = ?1")?.execute([day])?;
    conn.prepare_cached("DELETE FROM order_day_undecided WHERE day = ?1")?.execute([day])?;
    Ok(())
}

/// Sums `day`'s orders, per creator and affiliate, as a report would; returns how many.
fn roll_day(conn: &Connection, day: i64, settings: &Settings, refunds: &Refunds) -> rusqlite::Result<u64> {
    unroll(conn, day)?;
    let (start, end) = day_span(day);
    let mut orders = orders_in(conn, start, end, settings.window_ms)?;
    let n = orders.len() as u64;
    join_orders(conn, &mut orders, settings, refunds)?;
    let mut undecided =
        conn.prepare_cached("INSERT OR IGNORE INTO order_day_undecided (kind, value, day) VALUES (?1, ?2, ?3)")?;
    let mut by: BTreeMap<(Option<String>, Option<String>), Vec<OrderRow>> = BTreeMap::new();
    for o in orders {
        if o.join == Some(Join::NoClickId) {
            if let Some(code) = &o.coupon {
                undecided.execute(params!["code", code.to_ascii_lowercase(), day])?;
            }
            if let Some(source) = &o.utm_source {
                undecided.execute(params!["source", source, day])?;
            }
        }
        by.entry((o.creator().map(str::to_owned), o.affiliate.clone())).or_default().push(o);
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO order_days (day, creator_id, affiliate, orders, counts, private_counts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let json = |counts: &DayCounts| {
        serde_json::to_string(&stored::Counts::from(counts))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    for ((creator, affiliate), mut orders) in by {
        // An affiliate's orders also as their own view shows them (`private`).
        let private = match &affiliate {
            Some(me) => {
                let mut codes = private::Codes::new(conn, me);
                let mut seen = orders.clone();
                for o in &mut seen {
                    private::order(o, &mut codes)?;
                }
                Some(json(&DayCounts::of(&mut seen))?)
            }
            None => None,
        };
        let counts = DayCounts::of(&mut orders);
        insert.execute(params![day, creator, affiliate, orders.len() as i64, json(&counts)?, private])?;
    }
    conn.prepare_cached("UPDATE order_day_state SET rolled = 1 WHERE day = ?1")?.execute([day])?;
    Ok(n)
}

/// The whole days of a report whose orders it takes summed, and those sums.
#[derive(Debug)]
pub struct Days {
    /// The days taken.
    taken: BTreeSet<i64>,
    counts: DayCounts,
    /// The orders a report counts, per day taken (those it would list).
    listed: BTreeMap<i64, u64>,
}

impl Days {
    /// The sums of `query`'s whole days that hold for `settings` (none: every order is read
    /// one by one, as when nothing is rolled).
    pub fn read(conn: &Connection, query: &Query, settings: &Settings) -> rusqlite::Result<Option<Days>> {
        let Some((first_day, end_day)) = whole_days(query.from, query.to) else { return Ok(None) };
        if Settings::stored(conn)?.as_ref() != Some(settings) {
            return Ok(None);
        }
        let seen = |target| Ok::<_, rusqlite::Error>(cursor(conn, target)?.unwrap_or(0));
        let unseen = |target| Ok::<_, rusqlite::Error>((seen(target)?, i64::MAX));
        let dirty =
            dirty(conn, unseen(EVENT_CURSOR)?, unseen(REFUND_CURSOR)?, unseen(ORDER_CURSOR)?, settings.window_ms)?;
        if dirty.all {
            return Ok(None);
        }
        let mut taken: BTreeSet<i64> = conn
            .prepare_cached("SELECT day FROM order_day_state WHERE rolled = 1 AND day >= ?1 AND day < ?2")?
            .query_map(params![first_day, end_day], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        taken.retain(|day| !dirty.days.contains(day));
        if taken.is_empty() {
            return Ok(None);
        }
        let mut days = Days { taken, counts: DayCounts::default(), listed: BTreeMap::new() };
        // An affiliate's own view reads their orders as it shows them.
        let counts = match query.scope {
            Scope::Brand { .. } => "counts",
            Scope::Affiliate(_) => "private_counts",
        };
        let mut statement = conn.prepare_cached(&format!(
            "SELECT day, orders, {counts} FROM order_days
             WHERE day >= ?1 AND day < ?2 AND (?3 IS NULL OR creator_id = ?3) AND (?4 IS NULL OR affiliate = ?4)"
        ))?;
        let mut rows = statement.query(params![first_day, end_day, query.creator, query.scope.affiliate()])?;
        // A day whose sums cannot be read (a row edited by hand) is read order by order
        // instead: one bad row must not take the report down, nor leave a day out.
        let mut read: BTreeMap<i64, Vec<(u64, DayCounts)>> = BTreeMap::new();
        let mut unreadable: BTreeSet<i64> = BTreeSet::new();
        while let Some(r) = rows.next()? {
            let day: i64 = r.get(0)?;
            if !days.taken.contains(&day) {
                continue;
            }
            let orders = r.get::<_, u64>(1).ok();
            let counts = r.get_ref(2)?.as_str().ok().and_then(|json| serde_json::from_str::<stored::Counts>(json).ok());
            match orders.zip(counts) {
                Some((orders, counts)) => read.entry(day).or_default().push((orders, counts.into())),
                None => {
                    unreadable.insert(day);
                }
            }
        }
        days.taken.retain(|day| !unreadable.contains(day));
        for (day, sums) in read.into_iter().filter(|(day, _)| !unreadable.contains(day)) {
            for (orders, counts) in sums {
                *days.listed.entry(day).or_default() += orders;
                days.counts.absorb(counts);
            }
        }
        Ok(Some(days))
    }

    /// The sums, and the orders of the latest days taken that the report lists: walking
    /// back from the range's last day until [`MAX_LISTED_ORDERS`] are found, among the
    /// orders read one by one (`orders`) and those of the days taken (read by
    /// `read_day`, joined and filtered as the report's own).
    pub fn finish(
        self,
        orders: &[OrderRow],
        mut read_day: impl FnMut(i64) -> rusqlite::Result<Vec<OrderRow>>,
    ) -> rusqlite::Result<RolledOrders> {
        let mut per_day: BTreeMap<i64, u64> = self.listed.clone();
        for o in orders.iter().filter(|o| o.exclusion().is_none()) {
            *per_day.entry(day_of(o.created_at)).or_default() += 1;
        }
        let mut listed = Vec::new();
        let mut found = 0;
        for (day, n) in per_day.iter().rev() {
            if found >= MAX_LISTED_ORDERS as u64 {
                break;
            }
            if self.taken.contains(day) && *n > 0 {
                listed.extend(read_day(*day)?);
            }
            found += n;
        }
        Ok(RolledOrders { counts: self.counts, listed })
    }
}

/// The spans of `query`'s range whose orders a report reads one by one: all of it, or
/// what lies outside the days taken.
pub fn not_rolled(query: &Query, days: Option<&Days>) -> Vec<(i64, i64)> {
    let mut spans = Vec::new();
    let mut from = query.from;
    for day in days.map(|d| &d.taken).into_iter().flatten() {
        let start = day * DAY_MS;
        if from < start {
            spans.push((from, start));
        }
        from = start + DAY_MS;
    }
    if from < query.to {
        spans.push((from, query.to));
    }
    spans
}

/// [`DayCounts`] as kept in `order_days.counts`.
mod stored {
    use super::super::{ByDimension, DayCounts, Funnel, Group, OrderCounts, Place, Revenue};
    use super::*;

    /// A group of orders: its purchases, verified ones, and money per currency (all,
    /// verified, unverified, refunded). Orders count nothing else of a [`Funnel`] (the
    /// property test in `picks` would see it if they did).
    #[derive(Serialize, Deserialize)]
    pub struct StoredGroup(u64, u64, Vec<(String, i128, i128, i128, i128)>);

    #[derive(Serialize, Deserialize)]
    pub struct Counts {
        joins: Vec<(Join, u64)>,
        excluded: Vec<(Exclusion, u64)>,
        days: Vec<(i64, u64)>,
        totals: StoredGroup,
        by: Vec<Vec<(String, StoredGroup)>>,
        sold: Vec<((String, String, String), StoredGroup)>,
        spellings: Vec<(String, Place, String)>,
        titles: Vec<(String, Place, String)>,
    }

    impl From<&Group> for StoredGroup {
        fn from(g: &Group) -> StoredGroup {
            let money =
                g.by_currency.values().map(|r| (r.currency.clone(), r.all, r.verified, r.unverified, r.refunded));
            StoredGroup(g.funnel.purchases, g.funnel.purchases_verified, money.collect())
        }
    }

    impl From<StoredGroup> for Group {
        fn from(StoredGroup(purchases, purchases_verified, money): StoredGroup) -> Group {
            let funnel = Funnel { purchases, purchases_verified, ..Funnel::default() };
            let by_currency = money
                .into_iter()
                .map(|(currency, all, verified, unverified, refunded)| {
                    (currency.clone(), Revenue { currency, all, verified, unverified, refunded })
                })
                .collect();
            Group { funnel, by_currency, ..Group::default() }
        }
    }

    impl From<&DayCounts> for Counts {
        fn from(c: &DayCounts) -> Counts {
            let o = &c.counts;
            let texts = |m: &BTreeMap<String, (Place, String)>| {
                m.iter().map(|(k, (at, text))| (k.clone(), at.clone(), text.clone())).collect()
            };
            Counts {
                joins: c.joins.iter().map(|(j, n)| (*j, *n)).collect(),
                excluded: c.excluded.iter().map(|(e, n)| (*e, *n)).collect(),
                days: c.days.iter().map(|(d, n)| (*d, *n)).collect(),
                totals: (&o.totals).into(),
                by: o.by.0.iter().map(|groups| groups.iter().map(|(k, g)| (k.clone(), g.into())).collect()).collect(),
                sold: o.sold.iter().map(|(k, g)| (k.clone(), g.into())).collect(),
                spellings: texts(&o.spellings),
                titles: texts(&o.titles),
            }
        }
    }

    impl From<Counts> for DayCounts {
        fn from(c: Counts) -> DayCounts {
            let mut by = ByDimension::default();
            for (mine, groups) in by.0.iter_mut().zip(c.by) {
                mine.extend(groups.into_iter().map(|(k, g)| (k, g.into())));
            }
            let texts = |v: Vec<(String, Place, String)>| v.into_iter().map(|(k, at, text)| (k, (at, text))).collect();
            DayCounts {
                counts: OrderCounts {
                    totals: c.totals.into(),
                    by,
                    sold: c.sold.into_iter().map(|(k, g)| (k, g.into())).collect(),
                    spellings: texts(c.spellings),
                    titles: texts(c.titles),
                },
                joins: c.joins.into_iter().collect(),
                excluded: c.excluded.into_iter().collect(),
                days: c.days.into_iter().collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::picks::tests::{apply, everything, file, live, Op, HOUR, T0, WINDOW_MS};
    use super::*;

    fn order(minutes: i64, code: Option<usize>) -> Op {
        Op::Order { minutes, creator: None, code, source: None, click: None }
    }

    fn checkout(minutes: i64, code: Option<usize>) -> Op {
        Op::Checkout { minutes, creator: 0, code, source: None, click: None, affiliate: Some(0) }
    }

    fn roll(conn: &Connection, settings: &Settings, now_ms: i64) {
        while !step(conn, settings, 1000, now_ms).expect("step") {}
    }

    fn days_taken(conn: &Connection, query: &Query, settings: &Settings) -> usize {
        Days::read(conn, query, settings).expect("read").map_or(0, |d| d.taken.len())
    }

    /// The sums are for one window and one default creator: a report with another reads
    /// every order, and a roller with another sums every day again.
    #[test]
    fn sums_are_for_their_settings_and_others_start_them_again() {
        let (_dir, conn) = file();
        apply(&conn, 0, &checkout(-120, Some(0)));
        apply(&conn, 1, &order(0, Some(0)));
        apply(&conn, 2, &order(2 * 24 * 60, None));
        let (juno, none) = (Settings::new(WINDOW_MS, Some("juno")), Settings::new(WINDOW_MS, None));
        roll(&conn, &juno, T0 + 10 * 24 * HOUR);
        assert_eq!(days_taken(&conn, &everything(), &juno), 2);
        assert_eq!(days_taken(&conn, &everything(), &none), 0, "another default creator");
        assert_eq!(days_taken(&conn, &everything(), &Settings::new(HOUR, Some("juno"))), 0, "another window");
        let s = load(&conn, &everything(), WINDOW_MS, Some("juno")).expect("stats");
        let creators: Vec<&str> = s.by["creator"].iter().map(|r| r.key.as_str()).collect();
        assert_eq!(creators, ["juno"], "the order without a click counts for the default creator");
        roll(&conn, &none, T0 + 10 * 24 * HOUR);
        assert_eq!(days_taken(&conn, &everything(), &juno), 0);
        assert_eq!(days_taken(&conn, &everything(), &none), 2);
        let s = load(&conn, &everything(), WINDOW_MS, None).expect("stats");
        let creators: Vec<&str> = s.by["creator"].iter().map(|r| r.key.as_str()).collect();
        assert_eq!(creators, ["(none)", "juno"], "summed again: the click's creator, and none");
        assert_eq!(s, live(&conn, &everything()));
    }

    /// A day whose sums cannot be read (edited by hand) is read order by order.
    #[test]
    fn a_day_whose_sums_cannot_be_read_is_read_order_by_order() {
        let (_dir, conn) = file();
        apply(&conn, 0, &checkout(-120, Some(0)));
        apply(&conn, 1, &order(0, Some(0)));
        apply(&conn, 2, &order(2 * 24 * 60, Some(1)));
        let settings = Settings::new(WINDOW_MS, None);
        roll(&conn, &settings, T0 + 10 * 24 * HOUR);
        assert_eq!(days_taken(&conn, &everything(), &settings), 2);
        conn.execute("UPDATE order_days SET counts = '{' WHERE day = ?1", [day_of(T0)]).expect("break one");
        assert_eq!(days_taken(&conn, &everything(), &settings), 1, "the other day's sums are read");
        let s = load(&conn, &everything(), WINDOW_MS, None).expect("stats");
        assert_eq!(s.joins.orders, 2);
        assert_eq!(s, live(&conn, &everything()));
    }

    /// Sums are `i128` and stay exact as JSON past what an `i64` holds.
    #[test]
    fn a_days_sums_are_kept_exactly() {
        let mut counts = DayCounts::default();
        let money = counts.counts.totals.money("EUR");
        money.verified = i128::from(i64::MAX) * 3 + 1;
        money.refunded = -7;
        counts.counts.totals.funnel.purchases_verified = 2;
        counts.counts.totals.funnel.purchases = 2;
        counts.joins.insert(Join::CodeOnly, 2);
        counts.excluded.insert(Exclusion::RefundAmount, 1);
        counts.days.insert(-3, 2);
        let json = serde_json::to_string(&stored::Counts::from(&counts)).expect("json");
        let back: stored::Counts = serde_json::from_str(&json).expect("read back");
        assert_eq!(DayCounts::from(back), counts);
    }

    /// Only days that are over are summed: today's orders still come.
    #[test]
    fn a_day_is_summed_once_it_is_over() {
        let (_dir, conn) = file();
        apply(&conn, 0, &order(0, Some(0)));
        let settings = Settings::new(WINDOW_MS, None);
        roll(&conn, &settings, T0);
        assert_eq!(days_taken(&conn, &everything(), &settings), 0, "the order's day is today");
        roll(&conn, &settings, (day_of(T0) + 1) * DAY_MS);
        assert_eq!(days_taken(&conn, &everything(), &settings), 1, "and then over");
        apply(&conn, 1, &order(1, Some(1)));
        assert_eq!(days_taken(&conn, &everything(), &settings), 0, "an order came late: read one by one");
        assert_eq!(load(&conn, &everything(), WINDOW_MS, None).expect("stats").joins.orders, 2);
    }

    /// A report lists the range's latest orders from the days summed too, and only as
    /// many days back as it needs.
    #[test]
    fn the_latest_orders_are_listed_from_summed_days() {
        let (_dir, conn) = file();
        // 600 orders a day over the three days after T0's, the last day's read one by one.
        let first = ((day_of(T0) + 1) * DAY_MS - T0) / 60_000;
        let orders: Vec<Op> =
            (0..1800usize).map(|n| order(first + (n / 600) as i64 * 24 * 60 + (n % 600) as i64, Some(n % 4))).collect();
        for (n, op) in orders.iter().enumerate() {
            apply(&conn, n, op);
        }
        let settings = Settings::new(WINDOW_MS, None);
        roll(&conn, &settings, (day_of(T0) + 3) * DAY_MS);
        assert_eq!(days_taken(&conn, &everything(), &settings), 2);
        let mut read = Vec::new();
        let days = Days::read(&conn, &everything(), &settings).expect("read").expect("days");
        let today = day_of(T0) + 3;
        let live_orders = orders_in(&conn, today * DAY_MS, (today + 1) * DAY_MS, WINDOW_MS).expect("orders");
        assert_eq!(live_orders.len(), 600);
        let rolled = days
            .finish(&live_orders, |day| {
                read.push(day);
                Ok(Vec::new())
            })
            .expect("finish");
        assert_eq!(read, [day_of(T0) + 2], "the last summed day holds enough orders");
        assert!(rolled.listed.is_empty());
        let s = load(&conn, &everything(), WINDOW_MS, None).expect("stats");
        assert_eq!(s.joins.orders, 1800);
        assert_eq!(s.orders.len(), MAX_LISTED_ORDERS);
        assert_eq!(s.orders[0].order_id, "o-800", "the latest thousand");
        assert_eq!(s, live(&conn, &everything()));
    }
}
