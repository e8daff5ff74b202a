//! Each order's join to its click by code or UTM, picked once and kept in the file
//! (`order_picks`), so a report reads it beside the order instead of asking for it.
//!
//! - **Why**: [`resolve`] and [`outside_window`] ask the events table two or three
//!   questions per order, about 9 µs each at 10^7 events and more at 10^8, where the
//!   checkouts are spread over a 35 GB file: a season's report with 333,016 orders took
//!   4.3–4.9 s that way, 1.55–1.97 s with the picks (ClickHouse keeps its picks for the
//!   same reason: `ch_picks`).
//! - **What is kept** per order ([`KeptJoin`]): the latest checkout in its window with its
//!   code (else its source), or none and whether one lies outside the window. Its click id
//!   is still looked up live (a click joins at any age and is one indexed lookup).
//! - **Exact, not settled**: an order's pick depends on the order (never edited: a shop's
//!   order is stored once), the attribution window, and the checkouts with its code or
//!   source. The roller ([`step`], after `rollup::roll`) walks the new events in id
//!   order behind [`CHECKOUT_CURSOR`] and picks again every kept order a new checkout
//!   could change: one with its code or source whose window holds the checkout's time,
//!   or that nothing joins and no checkout lies outside the window of yet ("undecided":
//!   any checkout with its code or source may). Then it picks the orders stored since
//!   [`ORDER_CURSOR`]. A report ([`Unapplied`]) takes a pick only when no checkout past
//!   the cursor could change it, and joins the others live, as before: kept or not, the
//!   figures are the same (a property test holds the two to each other).
//! - **Another window** (a collector restarted with another `--attribution-window-hours`)
//!   drops every pick and starts again; a report with a window other than the picks'
//!   joins live.
//! - **Retention** purges only events the picks have seen ([`CHECKOUT_CURSOR`]), and
//!   leaves the picks alone, as it leaves the day rollups and as ClickHouse does: an order
//!   picked before its click was purged keeps that click. (An order first picked after,
//!   or picked again after because a late checkout came, finds what is left.)

use super::load::{by_code_or_source, order_row, ORDER_COLUMNS};
use super::*;
use std::collections::{BTreeMap, BTreeSet};

/// The `forward_cursor` row: the last event id whose checkouts the picks have seen.
pub const CHECKOUT_CURSOR: &str = "picks:checkouts";
/// The `forward_cursor` row: the last `orders` rowid picked.
pub const ORDER_CURSOR: &str = "picks:orders";
/// The `forward_cursor` row: the attribution window the picks are for, in ms.
pub const WINDOW: &str = "picks:window-ms";
/// Orders picked per write: about 15 µs each, so one write holds ingest some 30 ms (at
/// 10^8 events: 28 ms in the median, 81 ms at most).
pub const ORDERS_PER_STEP: i64 = 2_000;

pub(super) fn cursor(conn: &Connection, target: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT last_id FROM forward_cursor WHERE target = ?1")?
        .query_row([target], |r| r.get(0))
        .optional()
}

pub(super) fn set(conn: &Connection, target: &str, value: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO forward_cursor (target, last_id) VALUES (?1, ?2)
         ON CONFLICT (target) DO UPDATE SET last_id = excluded.last_id",
    )?
    .execute(params![target, value])?;
    Ok(())
}

/// The last event id the picks have seen (0: none): retention purges no event past it.
pub fn checkout_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(cursor(conn, CHECKOUT_CURSOR)?.unwrap_or(0))
}

/// Brings the picks up to date for `window_ms`, inside the caller's transaction: the
/// checkouts of up to `max_events` new events first (picking again the orders they may
/// change), then up to [`ORDERS_PER_STEP`] orders never picked. Returns whether it
/// caught up.
pub fn step(conn: &Connection, window_ms: i64, max_events: i64) -> rusqlite::Result<bool> {
    let started = std::time::Instant::now();
    let last_event: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?;
    if cursor(conn, WINDOW)? != Some(window_ms) {
        // Picks made from now on see every event stored so far.
        conn.execute("DELETE FROM order_picks", [])?;
        set(conn, WINDOW, window_ms)?;
        set(conn, ORDER_CURSOR, 0)?;
        set(conn, CHECKOUT_CURSOR, last_event)?;
    }
    let seen = checkout_cursor(conn)?;
    let picked = cursor(conn, ORDER_CURSOR)?.unwrap_or(0);
    let upto = last_event.min(seen.saturating_add(max_events));
    let again = changed_by_checkouts(conn, seen, upto, picked, window_ms)?;
    for rowid in &again {
        pick_order(conn, *rowid, window_ms)?;
    }
    set(conn, CHECKOUT_CURSOR, upto)?;
    let mut new = conn.prepare_cached("SELECT rowid FROM orders WHERE rowid > ?1 ORDER BY rowid LIMIT ?2")?;
    let rowids: Vec<i64> = new.query_map(params![picked, ORDERS_PER_STEP], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for rowid in &rowids {
        pick_order(conn, *rowid, window_ms)?;
    }
    if let Some(last) = rowids.last() {
        set(conn, ORDER_CURSOR, *last)?;
    }
    if !again.is_empty() || !rowids.is_empty() {
        let ms = started.elapsed().as_millis() as u64;
        tracing::debug!(again = again.len(), new = rowids.len(), ms, "picks: orders joined and kept");
    }
    Ok(upto == last_event && (rowids.len() as i64) < ORDERS_PER_STEP)
}

/// The rowids of the picked orders (up to `picked`) that a checkout among events
/// `(after, upto]` may join differently: see the module's doc.
fn changed_by_checkouts(
    conn: &Connection,
    after: i64,
    upto: i64,
    picked: i64,
    window_ms: i64,
) -> rusqlite::Result<BTreeSet<i64>> {
    let mut again = BTreeSet::new();
    if upto <= after {
        return Ok(again);
    }
    let (codes, sources) = checkout_times(conn, after, upto)?;
    // Orders whose window [created_at - window, created_at + slack] holds one of the times.
    let by_code = conn.prepare_cached(
        "SELECT rowid FROM orders WHERE coupon = ?1 COLLATE NOCASE AND created_at >= ?2 AND created_at <= ?3
           AND rowid <= ?4",
    )?;
    let by_source = conn.prepare_cached(
        "SELECT rowid FROM orders WHERE utm_source = ?1 AND created_at >= ?2 AND created_at <= ?3 AND rowid <= ?4",
    )?;
    // Orders nothing joins yet and no checkout lies outside the window of: any may.
    let undecided_code =
        conn.prepare_cached("SELECT order_rowid FROM order_picks WHERE undecided_coupon = ?1 COLLATE NOCASE")?;
    let undecided_source = conn.prepare_cached("SELECT order_rowid FROM order_picks WHERE undecided_source = ?1")?;
    for (mut by_time, mut undecided, values) in
        [(by_code, undecided_code, codes), (by_source, undecided_source, sources)]
    {
        for (value, times) in values {
            for (from, to) in spans(times, window_ms) {
                for r in by_time.query_map(params![value, from, to, picked], |r| r.get(0))? {
                    again.insert(r?);
                }
            }
            for r in undecided.query_map([&value], |r| r.get(0))? {
                again.insert(r?);
            }
        }
    }
    Ok(again)
}

/// The times of the checkouts among events `(after, upto]`, by code (ASCII lowercase,
/// as `COLLATE NOCASE` compares) and by source: a step's 20,000 events hold thousands of
/// checkouts and a handful of codes, so the orders are asked for once per code and
/// stretch of time, not two to four times per checkout while ingest waits for the writer.
pub(super) type Times = BTreeMap<String, Vec<i64>>;

pub(super) fn checkout_times(conn: &Connection, after: i64, upto: i64) -> rusqlite::Result<(Times, Times)> {
    let (mut codes, mut sources) = (Times::new(), Times::new());
    let mut checkouts = conn.prepare_cached(
        "SELECT coupon, utm_source, event_time FROM events
         WHERE id > ?1 AND id <= ?2 AND name = 'begin_checkout' AND (coupon IS NOT NULL OR utm_source IS NOT NULL)",
    )?;
    let mut rows = checkouts.query(params![after, upto])?;
    while let Some(r) = rows.next()? {
        let at: i64 = r.get(2)?;
        if let Some(code) = r.get::<_, Option<String>>(0)? {
            codes.entry(code.to_ascii_lowercase()).or_default().push(at);
        }
        if let Some(source) = r.get::<_, Option<String>>(1)? {
            sources.entry(source).or_default().push(at);
        }
    }
    Ok((codes, sources))
}

/// The times orders may be created at for a checkout at one of `times` to lie in their
/// window (`[t - slack, t + window]`), as the fewest spans: overlapping ones merged
/// (sorted, each span ends no earlier than the one before).
pub(super) fn spans(mut times: Vec<i64>, window_ms: i64) -> Vec<(i64, i64)> {
    times.sort_unstable();
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for t in times {
        let (from, to) = (t.saturating_sub(CLOCK_SLACK_MS), t.saturating_add(window_ms));
        match spans.last_mut() {
            Some(last) if from <= last.1 => last.1 = to,
            _ => spans.push((from, to)),
        }
    }
    spans
}

/// Picks the order at `rowid` for `window_ms` (replacing its pick).
fn pick_order(conn: &Connection, rowid: i64, window_ms: i64) -> rusqlite::Result<()> {
    let o = conn
        .prepare_cached(&format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.rowid = ?1"))?
        .query_row([rowid], order_row)
        .optional()?;
    // A pick whose order is gone from that rowid (a `VACUUM` numbered the rows again):
    // dropped, not an error that would stop every later step.
    let Some(o) = o else {
        conn.prepare_cached("DELETE FROM order_picks WHERE order_rowid = ?1")?.execute([rowid])?;
        return Ok(());
    };
    let click = by_code_or_source(conn, &o, window_ms)?;
    let outside = click.is_none() && outside_window(conn, &o, window_ms)?;
    let undecided = click.is_none() && !outside;
    let c = click.as_ref().map(|(c, _)| c);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO order_picks (order_rowid, provider, order_id, how, outside, event_id, creator_id,
           coupon, utm_source, utm_medium, utm_campaign, utm_content, affiliate, items, undecided_coupon,
           undecided_source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        rowid,
        o.provider,
        o.order_id,
        c.map(|c| c.how),
        outside,
        c.map(|c| &c.event_id),
        c.map(|c| &c.creator_id),
        c.and_then(|c| c.coupon.as_ref()),
        c.and_then(|c| c.utm_source.as_ref()),
        c.and_then(|c| c.utm_medium.as_ref()),
        c.and_then(|c| c.utm_campaign.as_ref()),
        c.and_then(|c| c.utm_content.as_ref()),
        c.and_then(|c| c.affiliate.as_ref()),
        click.as_ref().and_then(|(_, items)| items.as_ref()),
        o.coupon.as_ref().filter(|_| undecided),
        o.utm_source.as_ref().filter(|_| undecided),
    ])?;
    Ok(())
}

/// What a report needs to know to take a kept pick ([`Unapplied::holds`]): the window the
/// picks are for, and the checkouts stored since the roller's last step, by code (ASCII
/// lowercase, as `COLLATE NOCASE` compares) and by source, each as the earliest and
/// latest of their times.
#[derive(Debug, Default)]
pub(super) struct Unapplied {
    window_ms: Option<i64>,
    by_code: foldhash::HashMap<String, (i64, i64)>,
    by_source: foldhash::HashMap<String, (i64, i64)>,
}

impl Unapplied {
    /// For a report with `window_ms`: a file whose picks are for another window (or
    /// none yet) has none it could take, so its checkouts are not read.
    pub fn read(conn: &Connection, window_ms: i64) -> rusqlite::Result<Unapplied> {
        let mut unapplied = Unapplied { window_ms: cursor(conn, WINDOW)?, ..Unapplied::default() };
        if unapplied.window_ms != Some(window_ms) {
            return Ok(unapplied);
        }
        let mut checkouts = conn.prepare_cached(
            "SELECT coupon, utm_source, event_time FROM events
             WHERE id > ?1 AND name = 'begin_checkout' AND (coupon IS NOT NULL OR utm_source IS NOT NULL)",
        )?;
        let mut rows = checkouts.query([checkout_cursor(conn)?])?;
        let widen = |range: &mut (i64, i64), at: i64| *range = (range.0.min(at), range.1.max(at));
        while let Some(r) = rows.next()? {
            let at: i64 = r.get(2)?;
            if let Some(code) = r.get::<_, Option<String>>(0)? {
                widen(unapplied.by_code.entry(code.to_ascii_lowercase()).or_insert((at, at)), at);
            }
            if let Some(source) = r.get::<_, Option<String>>(1)? {
                widen(unapplied.by_source.entry(source).or_insert((at, at)), at);
            }
        }
        Ok(unapplied)
    }

    /// Whether `o`'s pick for `window_ms` (`undecided`: nothing joins it and no checkout
    /// lies outside its window) is what a live join finds now: picked for this window,
    /// and no unseen checkout with its code or source could change it.
    pub fn holds(&self, o: &OrderRow, undecided: bool, window_ms: i64) -> bool {
        if self.window_ms != Some(window_ms) {
            return false;
        }
        let (earliest, latest) = (o.created_at.saturating_sub(window_ms), o.created_at.saturating_add(CLOCK_SLACK_MS));
        let changes = |range: Option<&(i64, i64)>| {
            range.is_some_and(|&(first, last)| undecided || (last >= earliest && first <= latest))
        };
        let by_code = || {
            !self.by_code.is_empty()
                && o.coupon.as_ref().is_some_and(|c| changes(self.by_code.get(&c.to_ascii_lowercase())))
        };
        let by_source = || o.utm_source.as_ref().is_some_and(|s| changes(self.by_source.get(s)));
        !(by_code() || by_source())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::load::orders_in;
    use super::*;
    use crate::event::Event;
    use crate::store::{self, Durability, Write};
    use proptest::prelude::*;

    pub(in crate::stats) const MINUTE: i64 = 60_000;
    pub(in crate::stats) const HOUR: i64 = 60 * MINUTE;
    pub(in crate::stats) const WINDOW_MS: i64 = 168 * HOUR;
    pub(in crate::stats) const T0: i64 = 1_795_804_200_000;
    const CODES: [&str; 4] = ["JUNO15", "juno15", "MIKA10", "LIVE5"];
    const SOURCES: [&str; 2] = ["tiktok", "instagram"];
    const CREATORS: [&str; 2] = ["juno", "mika"];
    const AFFILIATES: [&str; 2] = ["ana", "bo"];

    /// One thing that happens to a file, in the order it happens.
    #[derive(Clone, Debug)]
    pub(in crate::stats) enum Op {
        /// A checkout at `T0 + minutes` (late ones too: the outbox sends days later),
        /// through an affiliate's page or not (the first one with a code owns it).
        Checkout {
            minutes: i64,
            creator: usize,
            code: Option<usize>,
            source: Option<usize>,
            click: Option<usize>,
            affiliate: Option<usize>,
        },
        /// An order at `T0 + minutes`.
        Order { minutes: i64, creator: Option<usize>, code: Option<usize>, source: Option<usize>, click: Option<usize> },
        /// A refund of the order the op at this place made (if it made one).
        Refund { of: usize, amount: i64 },
        /// The roller's step, seeing up to this many new events.
        Step(i64),
        /// The orders' day roller's step, seeing up to this many new events, by
        /// `T0 + hours`.
        Roll { max_events: i64, hours: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        // Steps of 14 hours, so that times meet and the week's window ends on one, some
        // nudged a few minutes across an order's clock slack.
        let hours = (-20i64..20, 0..5usize).prop_map(|(h, n)| h * 14 * 60 + [0, -7, -3, 3, 7][n]);
        prop_oneof![
            4 => (hours.clone(), 0..2usize, proptest::option::of(0..4usize), proptest::option::of(0..2usize),
                proptest::option::weighted(0.2, 0..3usize), proptest::option::weighted(0.3, 0..2usize))
                .prop_map(|(minutes, creator, code, source, click, affiliate)| {
                    Op::Checkout { minutes, creator, code, source, click, affiliate }
                }),
            3 => (hours, proptest::option::of(0..2usize), proptest::option::of(0..4usize),
                proptest::option::of(0..2usize), proptest::option::weighted(0.2, 0..3usize))
                .prop_map(|(minutes, creator, code, source, click)| Op::Order { minutes, creator, code, source, click }),
            1 => (0..40usize, 1i64..800).prop_map(|(of, amount)| Op::Refund { of, amount }),
            2 => (1i64..6).prop_map(Op::Step),
            2 => (1i64..6, -300i64..300).prop_map(|(max_events, hours)| Op::Roll { max_events, hours }),
        ]
    }

    pub(in crate::stats) fn file() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = store::open(&dir.path().join("picks.sqlite"), Durability::Normal).expect("open");
        (dir, conn)
    }

    pub(in crate::stats) fn apply(conn: &Connection, n: usize, op: &Op) {
        let text = |options: &[&str], i: Option<usize>| i.map(|i| options[i].to_owned());
        let click = |i: Option<usize>| i.map(|i| format!("click-{i}"));
        let write = match op {
            Op::Checkout { minutes, creator, code, source, click: c, affiliate } => Write::Events {
                events: vec![Event {
                    event_id: format!("e-{n}"),
                    name: "begin_checkout",
                    creator_id: CREATORS[*creator].into(),
                    event_time: T0 + minutes * MINUTE,
                    coupon: text(&CODES, *code),
                    utm_source: text(&SOURCES, *source),
                    utm_medium: source.map(|_| "clip".to_owned()),
                    click_id: click(*c),
                    // The order's products come from its click's lines.
                    items: Some(format!(
                        r#"[{{"item_id":"{}","item_name":"{}","price":1000,"quantity":1}}]"#,
                        ["mug", "tote"][*creator],
                        ["Mug", "Tote"][*creator]
                    )),
                    affiliate: text(&AFFILIATES, *affiliate),
                    ..Event::default()
                }],
                client: None,
            },
            Op::Order { minutes, creator, code, source, click: c } => Write::Order(crate::webhook::Order {
                provider: "stripe",
                order_id: format!("o-{n}"),
                creator_id: text(&CREATORS, *creator),
                created_at: T0 + minutes * MINUTE,
                received_at: T0,
                currency: "EUR".into(),
                value: 1000,
                click_id: click(*c),
                coupon: text(&CODES, *code),
                utm_source: text(&SOURCES, *source),
                utm_medium: None,
                utm_campaign: None,
                payment_ref: None,
                affiliate: None,
            }),
            Op::Refund { of, amount } => Write::Refund(crate::webhook::Refund {
                provider: "stripe",
                refund_id: format!("r-{n}"),
                order_ref: format!("o-{of}"),
                currency: "EUR".into(),
                amount: crate::webhook::RefundAmount::new(*amount).expect("in bounds"),
                created_at: T0,
                received_at: T0,
            }),
            Op::Step(max_events) => Write::PickOrders { window_ms: WINDOW_MS, max_events: *max_events },
            Op::Roll { max_events, hours } => Write::RollOrders {
                window_ms: WINDOW_MS,
                default_creator: None,
                max_events: *max_events,
                now_ms: T0 + hours * HOUR,
            },
        };
        store::apply(conn, &write).expect("write");
    }

    pub(in crate::stats) fn everything() -> Query {
        Query { from: T0 - 1000 * HOUR, to: T0 + 1000 * HOUR, ..Query::default() }
    }

    /// The report as it is, and as it is when every order is joined live.
    fn kept_and_live(conn: &Connection) -> (Stats, Stats) {
        let kept = load(conn, &everything(), WINDOW_MS, None).expect("stats");
        let live = live(conn, &everything());
        (kept, live)
    }

    /// The report of `query` with nothing kept: every order read and joined one by one.
    pub(in crate::stats) fn live(conn: &Connection, query: &Query) -> Stats {
        conn.execute_batch("SAVEPOINT live; DELETE FROM order_picks; DELETE FROM order_days_for;").expect("drop");
        let live = load(conn, query, WINDOW_MS, None).expect("stats");
        conn.execute_batch("ROLLBACK TO live; RELEASE live;").expect("restore");
        live
    }

    /// The report of `query` with the picks but no day sums.
    fn picked(conn: &Connection, query: &Query) -> Stats {
        conn.execute_batch("SAVEPOINT picked; DELETE FROM order_days_for;").expect("drop");
        let picked = load(conn, query, WINDOW_MS, None).expect("stats");
        conn.execute_batch("ROLLBACK TO picked; RELEASE picked;").expect("restore");
        picked
    }

    /// Reports that read the day sums in different ways: every day (its partial first and
    /// last days far from the orders), whole days around the orders, one creator's, one
    /// affiliate's (the brand reading it, and their own report link).
    fn queries() -> Vec<Query> {
        let day = T0.div_euclid(super::super::rollup::DAY_MS);
        let days = Query {
            from: (day - 4) * super::super::rollup::DAY_MS,
            to: (day + 5) * super::super::rollup::DAY_MS,
            ..Query::default()
        };
        vec![
            everything(),
            days.clone(),
            Query { creator: Some("mika".into()), ..everything() },
            Query { scope: Scope::Brand { affiliate: Some("ana".into()) }, ..days.clone() },
            Query { scope: Scope::Affiliate("ana".into()), ..days },
        ]
    }

    fn kept_orders(conn: &Connection) -> usize {
        let orders = orders_in(conn, everything().from, everything().to, WINDOW_MS).expect("orders");
        orders.iter().filter(|o| o.kept.is_some()).count()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Whatever arrives in whatever order, late checkouts and all, and wherever the
        /// roller is: a report with the kept picks says what joining every order live says.
        #[test]
        fn a_kept_pick_is_what_a_live_join_finds(ops in proptest::collection::vec(op(), 1..40)) {
            let (_dir, conn) = file();
            for (n, op) in ops.iter().enumerate() {
                apply(&conn, n, op);
                for query in queries() {
                    let (kept, live) = (load(&conn, &query, WINDOW_MS, None).expect("stats"), live(&conn, &query));
                    prop_assert_eq!(&kept, &live, "after {:?} for {:?}", op, query);
                    prop_assert_eq!(picked(&conn, &query), live, "picks alone, after {:?} for {:?}", op, query);
                }
            }
            // Caught up, every order's pick is taken.
            while !step(&conn, WINDOW_MS, 1000).expect("step") {}
            let orders: i64 = conn.query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).expect("count");
            prop_assert_eq!(kept_orders(&conn) as i64, orders);
            let (kept, live) = kept_and_live(&conn);
            prop_assert_eq!(kept, live);
        }
    }

    /// A checkout logged a few minutes after the order (the shop's clock is behind) is in
    /// its window: before the roller sees it and after, the order joins it.
    #[test]
    fn a_checkout_in_the_orders_clock_slack_is_joined_seen_or_not() {
        let (_dir, conn) = file();
        apply(
            &conn,
            0,
            &Op::Checkout { minutes: -120, creator: 0, code: Some(0), source: None, click: None, affiliate: None },
        );
        apply(&conn, 1, &Op::Order { minutes: 0, creator: None, code: Some(0), source: None, click: None });
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"));
        apply(
            &conn,
            2,
            &Op::Checkout { minutes: 3, creator: 0, code: Some(1), source: None, click: None, affiliate: None },
        );
        let joined = |conn: &Connection| {
            let (kept, live) = kept_and_live(conn);
            assert_eq!(kept, live);
            kept.orders[0].click.as_ref().map(|c| c.event_id.clone())
        };
        assert_eq!(joined(&conn).as_deref(), Some("e-2"), "not seen yet");
        assert_eq!(kept_orders(&conn), 0, "joined live");
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"));
        assert_eq!(kept_orders(&conn), 1);
        assert_eq!(joined(&conn).as_deref(), Some("e-2"), "picked again");
    }

    #[test]
    fn picks_are_for_one_window_and_another_starts_them_again() {
        let (_dir, conn) = file();
        apply(
            &conn,
            0,
            &Op::Checkout { minutes: -120, creator: 0, code: Some(0), source: None, click: None, affiliate: None },
        );
        apply(&conn, 1, &Op::Order { minutes: 0, creator: None, code: Some(0), source: None, click: None });
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"), "caught up in one step");
        assert_eq!(kept_orders(&conn), 1);
        // A report for another window joins live.
        let orders = orders_in(&conn, everything().from, everything().to, HOUR).expect("orders");
        assert!(orders[0].kept.is_none());
        // A roller with a one-hour window picks again: the checkout is outside it.
        assert!(step(&conn, HOUR, 1000).expect("step"));
        let orders = orders_in(&conn, everything().from, everything().to, HOUR).expect("orders");
        assert_eq!(orders[0].kept, Some(KeptJoin { click: None, outside: true }));
        assert_eq!(kept_orders(&conn), 0, "none for the week's window now");
    }

    #[test]
    fn a_steps_checkouts_ask_for_orders_once_per_stretch_of_time() {
        let slack = CLOCK_SLACK_MS;
        assert_eq!(spans(vec![], HOUR), []);
        assert_eq!(spans(vec![2 * HOUR, 0, HOUR], HOUR), [(-slack, 3 * HOUR)], "each within the one before's");
        assert_eq!(spans(vec![3 * HOUR, 0], HOUR), [(-slack, HOUR), (3 * HOUR - slack, 4 * HOUR)], "two hours apart");
        assert_eq!(spans(vec![HOUR + slack, 0], HOUR), [(-slack, 2 * HOUR + slack)], "touching");
        assert_eq!(spans(vec![i64::MAX, i64::MIN], HOUR), [(i64::MIN, i64::MIN + HOUR), (i64::MAX - slack, i64::MAX)]);
    }

    /// A file's rowids are the orders' own as long as nobody runs `VACUUM` on it, which
    /// may number them again: a pick is taken only for the order it names.
    #[test]
    fn a_pick_is_taken_only_for_the_order_it_names() {
        let (_dir, conn) = file();
        apply(
            &conn,
            0,
            &Op::Checkout { minutes: -120, creator: 0, code: Some(0), source: None, click: None, affiliate: None },
        );
        apply(&conn, 1, &Op::Order { minutes: 0, creator: None, code: Some(0), source: None, click: None });
        apply(&conn, 2, &Op::Order { minutes: 60, creator: None, code: None, source: Some(1), click: None });
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"));
        assert_eq!(kept_orders(&conn), 2);
        conn.execute_batch(
            "UPDATE order_picks SET order_rowid = -order_rowid; UPDATE order_picks SET order_rowid = 3 + order_rowid",
        )
        .expect("swap");
        assert_eq!(kept_orders(&conn), 0);
        let (kept, live) = kept_and_live(&conn);
        assert_eq!(kept, live);
    }

    /// An order gone from the rowid its pick names (a `VACUUM`): the pick is dropped and
    /// the roller goes on.
    #[test]
    fn a_pick_of_an_order_gone_from_its_rowid_is_dropped() {
        let (_dir, conn) = file();
        apply(&conn, 0, &Op::Order { minutes: 0, creator: None, code: Some(0), source: None, click: None });
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"));
        conn.execute_batch("UPDATE order_picks SET order_rowid = 7").expect("move");
        // Two weeks before: outside the order's window, so only its undecided pick finds it.
        apply(
            &conn,
            1,
            &Op::Checkout { minutes: -20_000, creator: 0, code: Some(0), source: None, click: None, affiliate: None },
        );
        assert!(step(&conn, WINDOW_MS, 1000).expect("a checkout for the undecided pick"));
        let left: i64 = conn.query_row("SELECT count(*) FROM order_picks", [], |r| r.get(0)).expect("count");
        assert_eq!(left, 0);
    }

    /// Retention purges only what the picks have seen, and a pick keeps its click after.
    #[test]
    fn a_pick_outlives_the_purge_of_its_click() {
        let (_dir, conn) = file();
        apply(
            &conn,
            0,
            &Op::Checkout { minutes: -120, creator: 0, code: Some(0), source: None, click: None, affiliate: None },
        );
        apply(&conn, 1, &Op::Order { minutes: 0, creator: None, code: Some(0), source: None, click: None });
        apply(
            &conn,
            2,
            &Op::Checkout { minutes: 0, creator: 0, code: None, source: Some(0), click: None, affiliate: None },
        );
        assert!(step(&conn, WINDOW_MS, 1000).expect("step"));
        assert_eq!(checkout_cursor(&conn).expect("cursor"), 2, "both checkouts seen");
        store::apply(&conn, &Write::Purge { before: T0 - HOUR, through_id: 2 }).expect("purge");
        let left: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
        assert_eq!(left, 1, "the order's checkout is gone");
        let s = load(&conn, &everything(), WINDOW_MS, None).expect("stats");
        assert_eq!(s.orders[0].click.as_ref().map(|c| c.event_id.as_str()), Some("e-0"));
    }
}
