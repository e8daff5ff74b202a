//! The checkouts a report's orders are joined to by code or source, read from ClickHouse.
//!
//! An order without a click id is joined to the latest checkout in its attribution
//! window with its code (then its source, medium and campaign: `stats::load::resolve`),
//! and one joined to none is told apart by whether such a checkout lies outside its
//! window (`outside_window`). A report used to copy every checkout of its range
//! carrying one of its orders' codes or sources so that SQLite could answer both: with
//! an order for half the purchases, 1.6 million checkouts of a season at 10^7 events,
//! read in 6.6 s and copied in 14–17 s. Only a few of them can be an answer
//! ([`for_orders`]), and ClickHouse finds most of those itself ([`picked`], then
//! [`read`]): 3.4–3.8 s for that season. At 10^8 events with 332,959 orders a season
//! took 23–27 s, most of it the join (`latest_in_buckets`); now each settled order's
//! picks are kept between reports (`ch_picks`, built on [`picks_of`]), the others' are
//! picked in the background batch by batch (`ch_recent_picks`), and only the orders a
//! checkout that arrived since may join otherwise, or without picks, are joined here.

use crate::clickhouse::{self as ch, ChError, OrderRow};
use crate::stats::{KeptJoin, CLOCK_SLACK_MS};
use crate::stats_source::{kept_events, CopiedEvent};
use foldhash::HashMap;
use std::collections::BTreeSet;

/// The width of the time buckets an order's checkout is first looked for in: the
/// order's last [`BUCKETS`] (where its window ends).
const BUCKET_MS: i64 = 60_000;

/// How many buckets an order's checkout is first looked for in. With a code on a
/// checkout every minute or so per creator (the benchmark's season at 10^7 events),
/// the last two minutes held one for 90 % of the orders and the other 10 % were read
/// over their whole windows (nearly all the checkouts again: 12–16 s for a season);
/// ten minutes hold one for nearly all, and cost the join little more.
const BUCKETS: i64 = 10;

/// The most windows apart that the orders read over their whole windows are read by,
/// one time condition each.
const MAX_SPANS: usize = 100;

/// What an order is joined by, besides its click id.
#[derive(Clone, Copy)]
enum By {
    Code,
    Source,
}

impl By {
    /// The checkout's value (SQL), as the order's is compared with it: a code without
    /// case (ClickHouse's `lower`, ASCII only, as SQLite's `NOCASE`).
    fn checkout_value(self) -> &'static str {
        match self {
            By::Code => "lower(ifNull(coupon, ''))",
            By::Source => "ifNull(utm_source, '')",
        }
    }

    /// The order's value (SQL), for orders that have one.
    fn order_value(self) -> &'static str {
        match self {
            By::Code => "lower(assumeNotNull(coupon))",
            By::Source => "assumeNotNull(utm_source)",
        }
    }

    /// The orders whose checkout is looked for in their last buckets, joined this way:
    /// by source only those without a code, since an order with a code that its
    /// buckets do not join by code is read over its whole window anyway
    /// (`Groups::found_in_buckets`).
    fn order_looked_for(self) -> &'static str {
        match self {
            By::Code => "coupon IS NOT NULL",
            By::Source => "coupon IS NULL AND utm_source IS NOT NULL",
        }
    }
}

/// Which of [`picked`]'s searches the orders of a range need: none is asked for that
/// no order can use (each one scans the checkouts of the range: 0.6 s of a week's
/// report at 10^8 events, with orders that all had codes and none a source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Searches {
    /// Some order has a code.
    pub code: bool,
    /// Some order has a source and no code.
    pub source: bool,
}

impl Searches {
    pub const ALL: Searches = Searches { code: true, source: true };

    pub fn of(orders: &[&OrderRow]) -> Searches {
        Searches {
            code: orders.iter().any(|o| o.coupon.is_some()),
            source: orders.iter().any(|o| o.coupon.is_none() && o.utm_source.is_some()),
        }
    }
}

/// SQL for `(joined_by, time)` of each order's latest checkout (`within`: the checkouts'
/// time condition) in its last buckets and its window, for the orders created in the
/// time spans `spans` (`[from, to)` each), joined `by`: as `resolve` picks it, the
/// creator when the order names one, and by source also the medium and campaign when
/// the order has them.
///
/// Two joins: the order's last bucket checkout by checkout (a checkout there may come
/// after the window's end), and the buckets before it by their latest checkout per
/// value, creator (and medium and campaign) and minute, which lies inside the window
/// when it is not before it. Joining every checkout of the ten buckets made the join's
/// rows grow with the orders times the checkouts per minute: 54 million at 10^8 events
/// with 332,959 orders; a season's join took 11.1 s, the two take 9.5 s (the same
/// picks), a week's the same as before. (A bucket whose latest is past the window's end, which `intDiv`'s
/// rounding towards zero allows only before 1970, is left out: the order is then read
/// over its whole window, the same answer.)
fn latest_in_buckets(by: By, spans: &[(i64, i64)], window_ms: i64, within: &str) -> String {
    let (checkout_value, order_value, order_has) = (by.checkout_value(), by.order_value(), by.order_looked_for());
    let created: Vec<String> =
        spans.iter().map(|(from, to)| format!("created_at >= {from} AND created_at < {to}")).collect();
    let orders = format!("orders FINAL WHERE {order_has} AND ({})", created.join(" OR "));
    let (checkout_tags, tags_kept, order_tags, tags_match) = match by {
        By::Code => ("", "", "", ""),
        By::Source => (
            ", utm_medium AS checkout_medium, utm_campaign AS checkout_campaign",
            ", checkout_medium, checkout_campaign",
            ", utm_medium AS order_medium, utm_campaign AS order_campaign",
            " AND (order_medium IS NULL OR order_medium = checkout_medium)
              AND (order_campaign IS NULL OR order_campaign = checkout_campaign)",
        ),
    };
    let last = format!("intDiv(created_at + {CLOCK_SLACK_MS}, {BUCKET_MS})");
    let checkouts = format!(
        "FROM events WHERE name = 'begin_checkout' AND {within} AND {checkout_value} IN (SELECT {order_value} FROM {orders})"
    );
    let order_columns =
        format!("provider, order_id, {order_value} AS joined_by, creator_id AS order_creator, created_at{order_tags}");
    let matches =
        format!("created_at - {window_ms} AND (order_creator IS NULL OR order_creator = checkout_creator){tags_match}");
    format!(
        "SELECT joined_by, max(t) AS t FROM (
           SELECT provider, order_id, joined_by, event_time AS t FROM (
             SELECT {checkout_value} AS joined_by, creator_id AS checkout_creator, event_time,
               intDiv(event_time, {BUCKET_MS}) AS bucket{checkout_tags}
             {checkouts}
           ) ALL INNER JOIN (
             SELECT {order_columns}, {last} AS bucket FROM {orders}
           ) USING (joined_by, bucket)
           WHERE event_time <= created_at + {CLOCK_SLACK_MS} AND event_time >= {matches}
           UNION ALL
           SELECT provider, order_id, joined_by, top AS t FROM (
             SELECT {checkout_value} AS joined_by, creator_id AS checkout_creator{checkout_tags},
               intDiv(event_time, {BUCKET_MS}) AS bucket, max(event_time) AS top
             {checkouts}
             GROUP BY joined_by, checkout_creator{tags_kept}, bucket
           ) ALL INNER JOIN (
             SELECT {order_columns}, arrayJoin(arrayMap(i -> {last} - 1 - i, range({}))) AS bucket FROM {orders}
           ) USING (joined_by, bucket)
           WHERE top <= created_at + {CLOCK_SLACK_MS} AND top >= {matches}
         )
         GROUP BY provider, order_id, joined_by",
        BUCKETS - 1
    )
}

/// SQL for `(joined_by, creator, time)` of the earliest and the latest checkout per value
/// joined `by` and creator (`within`: the checkouts' time condition), for `n` values
/// (a `?` each).
fn ends(by: By, n: usize, within: &str) -> String {
    let value = by.checkout_value();
    format!(
        "SELECT {value} AS joined_by, creator_id, arrayJoin([min(event_time), max(event_time)]) FROM events
         WHERE name = 'begin_checkout' AND {within} AND {value} IN ({})
         GROUP BY joined_by, creator_id",
        vec!["?"; n].join(", ")
    )
}

/// The checkouts of `[earliest, latest]` (the attribution window around a report's
/// range) that ClickHouse picks for the orders created in the time spans `spans` (in
/// time order, inside the range), in one read: each order's latest in its last
/// buckets, by code and (for orders without a code) by source, with any at the same
/// time. (The join reads the checkouts without
/// `FINAL`: should two copies of one checkout have different times, an order may miss
/// it in its buckets and be read over its whole window, the same answer, slower.)
pub async fn picked(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
    bounds: (i64, i64),
    window_ms: i64,
    searches: Searches,
) -> Result<Vec<CopiedEvent>, ChError> {
    match picked_condition(spans, bounds, window_ms, searches) {
        Some((condition, in_buckets)) => chosen(client, &condition, &[], in_buckets).await,
        None => Ok(Vec::new()),
    }
}

/// The condition (SQL) of the checkouts [`picked`] reads, and the time they lie in
/// (`[earliest, latest]`; `None`: no search is needed).
fn picked_condition(
    spans: &[(i64, i64)],
    (earliest, latest): (i64, i64),
    window_ms: i64,
    searches: Searches,
) -> Option<(String, (i64, i64))> {
    let &(first, _) = spans.first()?;
    // The buckets' checkouts: from the first order's first bucket on (a bucket early, as
    // ClickHouse's `intDiv` rounds towards zero), not the whole window before the range
    // (half the checkouts a week's report scanned). Every one picked is among them, so
    // the picks are looked for there too, and read back around there (a season's
    // report at 10^8 read both over the window before its first order too; a week's
    // join went from 1.6 s to 1.2 s).
    let first_bucket = window_end_at(first).div_euclid(BUCKET_MS).saturating_sub(BUCKETS).saturating_mul(BUCKET_MS);
    let from = earliest.max(first_bucket);
    let in_buckets = ch::event_time_within(from, latest.saturating_add(1));
    let latest_of = |by: By| {
        format!(
            "({}, event_time) IN (SELECT joined_by, t FROM ({}))",
            by.checkout_value(),
            latest_in_buckets(by, spans, window_ms, &in_buckets)
        )
    };
    let mut searched = Vec::new();
    if searches.code {
        searched.push(latest_of(By::Code));
    }
    if searches.source {
        searched.push(latest_of(By::Source));
    }
    if searched.is_empty() {
        return None;
    }
    let condition = format!("name = 'begin_checkout' AND {in_buckets} AND ({})", searched.join("\n OR "));
    Some((condition, (from, latest)))
}

/// Every copy of the checkouts `condition` (SQL, its `?`s bound to `values` in order)
/// picks, then the one `FINAL` keeps, picked in Rust, within `[earliest, latest]`: a few
/// rows per order, where `FINAL` (`kept_events`) merged every checkout of the window
/// first (4.4–4.9 s of a season's report at 10^7 with 33,314 orders). Two copies of one
/// event have times an hour apart at most, so the read is that much wider.
async fn chosen(
    client: &clickhouse::Client,
    condition: &str,
    values: &[String],
    (earliest, latest): (i64, i64),
) -> Result<Vec<CopiedEvent>, ChError> {
    let wider = ch::event_time_within(
        earliest.saturating_sub(ch::FAR_CLOCK_MS),
        latest.saturating_add(ch::FAR_CLOCK_MS).saturating_add(1),
    );
    let sql = format!(
        "SELECT ?fields FROM events WHERE name = 'begin_checkout' AND {wider}
           AND event_id IN (SELECT event_id FROM events WHERE {condition})"
    );
    let mut query = client.query(&sql);
    for value in values {
        query = query.bind(value.as_str());
    }
    let copies = ch::timed_within(ch::REQUEST_TIMEOUT, query.fetch_all::<CopiedEvent>()).await?;
    let mut kept = crate::stats_source::latest(copies);
    kept.retain(|c| (earliest..=latest).contains(&c.event_time));
    Ok(kept)
}

/// The checkouts `for_orders` needs for `orders` (those of a range, with the attribution
/// window around it `bounds`; `last_kept`, the time of the range's last order with picks
/// kept, `ch_picks::last_kept`). A settled order's were picked once and kept
/// (`order_picks`, `ch_picks`: read, not joined again, while the order is as it was
/// then), and decide its join ([`Read::kept`]) rather than being copied; so do the
/// recent picks of an order not settled (`ch_recent_picks`, when `recent` says so),
/// unless a checkout that arrived since beats them. What the kept picks decided is
/// remembered between reports in `remembered` (`ch_picks::Remembered`; the pick of a
/// batch has none), and only the orders it does not hold have their picks read. For the
/// others, those ClickHouse
/// [`picked`], then, for the orders whose last buckets hold none they join, every
/// checkout of their windows with their code or source; and the earliest and latest in
/// `bounds` per code or source of theirs and creator (whether one lies outside an
/// order's window: asked only for these orders, since an order found in its buckets is
/// joined to a click; asked for every order, they cost 4 s of a season's report at
/// 10^8 events). For the kept orders none was
/// known to lie outside of, the latest of all per code or source and creator, by key.
pub async fn read(
    client: &clickhouse::Client,
    orders: &[&OrderRow],
    last_kept: Option<i64>,
    bounds: (i64, i64),
    window_ms: i64,
    recent: Recent,
    remembered: Option<&crate::ch_picks::Remembered>,
) -> Result<Read, ChError> {
    let started = std::time::Instant::now();
    // No order after the last one picked has picks kept (`last_kept`: `ch_picks` picks
    // settled orders, oldest first): those are decided from the recent picks, or joined,
    // while the picks are read (a season's took 1.2–2 s), not after.
    let is_settled = |o: &OrderRow| last_kept.is_some_and(|t| o.created_at <= t);
    let (settled, unsettled): (Vec<&OrderRow>, Vec<&OrderRow>) = orders.iter().partition(|o| is_settled(o));
    // Where each settled one is among `orders`.
    let settled_at: Vec<usize> = (0..orders.len()).filter(|&i| is_settled(orders[i])).collect();
    // What the picks decided for the settled orders remembered since an earlier report;
    // the others' picks are read, for the time spans that hold them.
    let recalling = std::time::Instant::now();
    let recalled = match remembered {
        Some(r) => r.recall(&settled, window_ms),
        None => vec![None; settled.len()],
    };
    let recall_ms = recalling.elapsed().as_millis() as u64;
    let to_read = recalled.iter().filter(|r| r.is_none()).count();
    let spans = spans_of(settled.iter().zip(&recalled).map(|(o, r)| (o.created_at, r.is_none())).collect());
    // Boxed: inline, it made a report's future too big for a 2 MiB stack in a debug build.
    let recent_and_live = Box::pin(async {
        let decided = match recent {
            Recent::Use => crate::ch_recent_picks::decide(client, unsettled, window_ms, remembered).await?,
            Recent::Ignore => crate::ch_recent_picks::Decided { live: unsettled, ..Default::default() },
        };
        let joined = join_live(client, orders, &decided.live, bounds, window_ms).await?;
        Ok::<_, ChError>((decided, joined))
    });
    let (mut kept, (decided, mut joined)) =
        tokio::try_join!(crate::ch_picks::kept(client, &spans, window_ms, to_read), recent_and_live)?;
    let kept_ms = started.elapsed().as_millis() as u64;
    let mut found = Vec::new();
    // One per order, in place: a map by order id (each id copied) took 50 ms of a
    // season's report at 10^8 events to fill, and as long again to find them in.
    let mut joins: Vec<Option<KeptJoin>> = vec![None; orders.len()];
    let mut decided_joins = decided.joins;
    if !decided_joins.is_empty() {
        for (join, o) in joins.iter_mut().zip(orders) {
            if !is_settled(o) {
                *join = decided_joins.remove(&o.provider, &o.order_id);
            }
        }
    }
    let mut undecided = decided.undecided;
    let mut live = decided.live;
    let mut stragglers = Vec::new();
    let mut decided_now = Vec::with_capacity(to_read);
    for ((o, at), recalled) in settled.into_iter().zip(settled_at).zip(recalled) {
        let join = match recalled {
            Some(join) => join,
            None => {
                let Some(picks) = kept.take(o) else {
                    stragglers.push(o);
                    continue;
                };
                let join = crate::ch_picks::join_of(&picks);
                if remembered.is_some() {
                    decided_now.push((o, join.clone()));
                }
                join
            }
        };
        match join {
            Some(join) => joins[at] = Some(join),
            None => undecided.push(o),
        }
    }
    drop(kept);
    if let Some(r) = remembered {
        r.remember(decided_now, window_ms);
    }
    // Settled orders without picks (not picked yet, or changed since): joined now.
    joined.extend(join_live(client, orders, &stragglers, bounds, window_ms).await?);
    live.extend(stragglers);
    tracing::debug!(
        recall_ms,
        kept_ms,
        read = to_read,
        kept = joins.iter().filter(|j| j.is_some()).count(),
        live = live.len(),
        join_ms = started.elapsed().as_millis() as u64,
        "stats: checkouts kept and joined"
    );
    let groups = Groups::of(&joined);
    let behind: Vec<&OrderRow> = live.iter().copied().filter(|o| !groups.found_in_buckets(o, window_ms)).collect();
    drop(groups);
    found.extend(joined);
    let whole = async {
        if behind.is_empty() {
            return Ok(Vec::new());
        }
        let (condition, values) = whole_windows(&behind, window_ms);
        let mut query = client.query(&kept_events(&condition));
        for value in &values {
            query = query.bind(value.as_str());
        }
        ch::timed_within(ch::REQUEST_TIMEOUT, query.fetch_all::<CopiedEvent>()).await
    };
    let ends = async {
        if behind.is_empty() {
            return Ok(Vec::new());
        }
        let (condition, values) = group_ends(&behind, bounds);
        chosen(client, &condition, &values, bounds).await
    };
    // A kept order with no checkout outside its window then: one can only come after it.
    let (codes, sources) = values_of(&undecided);
    let latest = crate::stats_source::latest_checkouts(client, &codes, &sources);
    let (whole, ends, latest) = tokio::try_join!(whole, ends, latest)?;
    found.extend(whole.into_iter().chain(ends).chain(latest));
    Ok(Read { checkouts: found, kept: joins })
}

/// Whether [`read`] decides the orders not settled from their recent picks
/// (`ch_recent_picks`): a report does; the pick of a batch does not (it is what makes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recent {
    Use,
    Ignore,
}

/// What [`read`] found for a range's orders.
#[derive(Debug, Default)]
pub struct Read {
    /// The checkouts the in-memory copy joins the orders without kept picks to.
    pub checkouts: Vec<CopiedEvent>,
    /// For each order [`read`] was given, in its place: its join when its kept picks
    /// decide it (`ch_picks::join_of`; its checkouts are not copied).
    pub kept: Vec<Option<KeptJoin>>,
}

/// What [`picked`] finds for `live` (some of `orders`, those of a report's range,
/// inside its `bounds`), read for the time spans that hold them.
async fn join_live(
    client: &clickhouse::Client,
    orders: &[&OrderRow],
    live: &[&OrderRow],
    bounds: (i64, i64),
    window_ms: i64,
) -> Result<Vec<CopiedEvent>, ChError> {
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let live_ids: std::collections::HashSet<(&str, &str)> =
        live.iter().map(|o| (o.provider.as_str(), o.order_id.as_str())).collect();
    let times = orders.iter().map(|o| (o.created_at, live_ids.contains(&(o.provider.as_str(), o.order_id.as_str()))));
    let spans = spans_of(times.collect());
    // The live orders' windows lie in a part of the bounds: the checkouts read for them
    // (and read back by event id) are those of that part only.
    let live_bounds = match spans.first() {
        Some(&(first, _)) => (bounds.0.max(first.saturating_sub(window_ms)), bounds.1),
        None => bounds,
    };
    picked(client, &spans, live_bounds, window_ms, Searches::of(live)).await
}

/// The time spans (`[from, to)` each, in time order) that hold the orders whose
/// `(created_at, live)` is `true` and as few of the others as can be: each run of live
/// ones in time order, at most [`MAX_SPANS`] (past that, the time from the first to the
/// last). A straggler (an order that came after its day was picked) costs a span.
pub fn spans_of(mut orders: Vec<(i64, bool)>) -> Vec<(i64, i64)> {
    // At one time, the live ones first: a span ends just after its last live order.
    orders.sort_unstable_by_key(|&(t, live)| (t, !live));
    let mut spans: Vec<(i64, i64)> = Vec::new();
    let mut open = false;
    for (t, live) in orders {
        match spans.last_mut() {
            Some(last) if live && open => last.1 = t.saturating_add(1),
            _ if live => spans.push((t, t.saturating_add(1))),
            _ => {}
        }
        open = live;
    }
    if let (true, Some(&(first, _)), Some(&(_, last))) = (spans.len() > MAX_SPANS, spans.first(), spans.last()) {
        spans = vec![(first, last)];
    }
    spans
}

/// The condition (SQL, with a `?` per value, and the values in order) for the earliest
/// and the latest checkout in `[earliest, latest]` per code or source of `behind` and
/// creator.
fn group_ends(behind: &[&OrderRow], (earliest, latest): (i64, i64)) -> (String, Vec<String>) {
    let within = ch::event_time_within(earliest, latest.saturating_add(1));
    let (codes, sources) = values_of(behind);
    let mut ends_of = Vec::new();
    for (by, values) in [(By::Code, &codes), (By::Source, &sources)] {
        if !values.is_empty() {
            let value = by.checkout_value();
            ends_of.push(format!("({value}, creator_id, event_time) IN ({})", ends(by, values.len(), &within)));
        }
    }
    if ends_of.is_empty() {
        ends_of.push("0".to_owned());
    }
    let condition = format!("name = 'begin_checkout' AND {within} AND ({})", ends_of.join(" OR "));
    (condition, codes.into_iter().chain(sources).collect())
}

/// The codes of `orders` (lowercased as ClickHouse's `lower` does, ASCII only, as
/// SQLite's `NOCASE` compares them) and their sources, each once: what a checkout must
/// carry for `stats::load::resolve` or `outside_window` to look at it.
pub fn values_of(orders: &[&OrderRow]) -> (BTreeSet<String>, BTreeSet<String>) {
    let codes = orders.iter().filter_map(|o| o.coupon.as_deref()).map(str::to_ascii_lowercase).collect();
    let sources = orders.iter().filter_map(|o| o.utm_source.clone()).collect();
    (codes, sources)
}

/// The condition (SQL, with a `?` per value, and the values in order) for every
/// checkout in the windows of `behind` (orders whose buckets hold none they join) with
/// one of their codes or sources (few on a quiet site, where this happens).
fn whole_windows(behind: &[&OrderRow], window_ms: i64) -> (String, Vec<String>) {
    let mut spans: Vec<(i64, i64)> =
        behind.iter().map(|o| (o.created_at.saturating_sub(window_ms), window_end(o).saturating_add(1))).collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (from, to) in spans {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    // A statement has a size limit (256 KiB by default): past [`MAX_SPANS`] windows apart,
    // the time from the first to the last is read (more rows, the same answers).
    if let (true, Some(&(first, _)), Some(&(_, last))) = (merged.len() > MAX_SPANS, merged.first(), merged.last()) {
        merged = vec![(first, last)];
    }
    let windows: Vec<String> = merged.iter().map(|&(from, to)| ch::event_time_within(from, to)).collect();
    let (codes, sources) = values_of(behind);
    let one_of = |column: &str, values: &BTreeSet<String>| {
        if values.is_empty() {
            "0".to_owned()
        } else {
            format!("{column} IN ({})", vec!["?"; values.len()].join(", "))
        }
    };
    let condition = format!(
        "name = 'begin_checkout' AND ({}) AND ({} OR {})",
        windows.join(" OR "),
        one_of(By::Code.checkout_value(), &codes),
        one_of(By::Source.checkout_value(), &sources)
    );
    (condition, codes.into_iter().chain(sources).collect())
}

/// Where `o`'s attribution window ends: a click may be logged a little after the order
/// by the shop's clock. (Saturating: an order's time is the shop's to send.)
fn window_end(o: &OrderRow) -> i64 {
    window_end_at(o.created_at)
}

/// Where the attribution window of an order created at `created_at` ends.
fn window_end_at(created_at: i64) -> i64 {
    created_at.saturating_add(CLOCK_SLACK_MS)
}

/// Checkouts by code (without case) and by source, each list sorted by time then id.
struct Groups<'a> {
    checkouts: &'a [CopiedEvent],
    by_code: HashMap<String, Vec<usize>>,
    by_source: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Groups<'a> {
    fn of(checkouts: &'a [CopiedEvent]) -> Self {
        let mut order: Vec<usize> = (0..checkouts.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&checkouts[a], &checkouts[b]);
            (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id))
        });
        let mut groups = Groups { checkouts, by_code: HashMap::default(), by_source: HashMap::default() };
        for i in order {
            let c = &checkouts[i];
            if let Some(code) = &c.coupon {
                groups.by_code.entry(code.to_ascii_lowercase()).or_default().push(i);
            }
            if let Some(source) = &c.utm_source {
                groups.by_source.entry(source.as_str()).or_default().push(i);
            }
        }
        groups
    }

    /// The checkouts `o` joins by code, or by source (with its medium and campaign),
    /// from the latest at or before `latest` back to `earliest`: calls `each` with each
    /// until it answers `false`.
    fn joined(&self, o: &OrderRow, by: By, (earliest, latest): (i64, i64), each: &mut dyn FnMut(usize) -> bool) {
        let list = match by {
            By::Code => o.coupon.as_ref().and_then(|code| self.by_code.get(&code.to_ascii_lowercase())),
            By::Source => o.utm_source.as_deref().and_then(|source| self.by_source.get(source)),
        };
        let Some(list) = list else { return };
        let same = |want: &Option<String>, got: &Option<String>| want.is_none() || want == got;
        let end = list.partition_point(|&i| self.checkouts[i].event_time <= latest);
        for &i in list[..end].iter().rev() {
            let c = &self.checkouts[i];
            if c.event_time < earliest {
                break;
            }
            let tags = matches!(by, By::Code)
                || (same(&o.utm_medium, &c.utm_medium) && same(&o.utm_campaign, &c.utm_campaign));
            if o.creator_id.as_ref().is_none_or(|creator| *creator == c.creator_id) && tags && !each(i) {
                break;
            }
        }
    }

    /// A checkout with `o`'s code or source (and its creator, when it names one) outside
    /// `[earliest, latest]`, as `outside_window` looks for one: the earliest before it,
    /// else the latest after it.
    fn outside(&self, o: &OrderRow, (earliest, latest): (i64, i64)) -> Option<usize> {
        let lists = [
            o.coupon.as_ref().and_then(|code| self.by_code.get(&code.to_ascii_lowercase())),
            o.utm_source.as_deref().and_then(|source| self.by_source.get(source)),
        ];
        let theirs =
            |i: &&usize| o.creator_id.as_ref().is_none_or(|creator| *creator == self.checkouts[**i].creator_id);
        // Sorted by time: the first of theirs is before the window if any is.
        let before = lists
            .iter()
            .flatten()
            .find_map(|l| l.iter().find(theirs).filter(|&&i| self.checkouts[i].event_time < earliest));
        let after = || {
            lists
                .iter()
                .flatten()
                .find_map(|l| l.iter().rev().find(theirs).filter(|&&i| self.checkouts[i].event_time > latest))
        };
        before.or_else(after).copied()
    }

    /// Whether the checkouts hold one that `o` joins, by code or (when it has no code,
    /// or none by code is there) by source, in its last buckets and its window:
    /// then they hold the latest (ClickHouse picked it); otherwise its window is read
    /// whole.
    fn found_in_buckets(&self, o: &OrderRow, window_ms: i64) -> bool {
        let latest = window_end(o);
        let first = (latest.div_euclid(BUCKET_MS) - (BUCKETS - 1)).saturating_mul(BUCKET_MS);
        let first = first.max(o.created_at.saturating_sub(window_ms));
        let found = |by: By| {
            let mut any = false;
            self.joined(o, by, (first, latest), &mut |_| {
                any = true;
                false
            });
            any
        };
        let by_code = o.coupon.is_some() && found(By::Code);
        // An order found by code is joined by it, whatever its source.
        by_code || (o.coupon.is_none() && (o.utm_source.is_none() || found(By::Source)))
    }
}

/// What a checkout kept for an order (`order_picks`) is to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The latest in its window with its code (each, when several share that time):
    /// what `resolve` joins it to when its click id does not.
    Code,
    /// With none by code, the latest with its source (and medium and campaign).
    Source,
    /// With neither, one with its code or source outside its window: `outside_window`'s
    /// answer, which a later checkout cannot change once one exists.
    Outside,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Code => "code",
            Role::Source => "source",
            Role::Outside => "outside",
        }
    }
}

/// For each of `orders`, the checkouts of `checkouts` that `stats::load::resolve` and
/// `outside_window` answer with for it, as far as `checkouts` hold them: read for these
/// orders by [`read`] (with their windows' ends) and the checkouts outside the bounds
/// ([`outside`]), they hold every one there is. Indexes into `checkouts`; none for an
/// order that nothing joins and for which no checkout lies outside its window.
pub fn picks_of(checkouts: &[CopiedEvent], orders: &[&OrderRow], window_ms: i64) -> Vec<Vec<(Role, usize)>> {
    let groups = Groups::of(checkouts);
    orders
        .iter()
        .map(|o| {
            let window = (o.created_at.saturating_sub(window_ms), window_end(o));
            for (by, role) in [(By::Code, Role::Code), (By::Source, Role::Source)] {
                let mut picked = Vec::new();
                let mut at: Option<i64> = None;
                groups.joined(o, by, window, &mut |i| {
                    let time = checkouts[i].event_time;
                    if at.is_some_and(|t| time < t) {
                        return false;
                    }
                    picked.push((role, i));
                    at = Some(time);
                    true
                });
                if !picked.is_empty() {
                    return picked;
                }
            }
            groups.outside(o, window).map(|i| vec![(Role::Outside, i)]).unwrap_or_default()
        })
        .collect()
}

/// Of the checkouts read for the orders of a range (`checkouts`: those in the
/// attribution window around it carrying one of their codes or sources), the ones
/// `stats::load::resolve` and `outside_window` can answer with for `orders` (those
/// created in the range): for each order, the latest checkout in its window that its
/// code would join it to, and the latest its source (with its medium and campaign)
/// would, each with any at the same time; and for each code (without case, as SQLite's
/// `NOCASE`) or source and creator, the earliest and the latest checkout (whether one
/// lies outside an order's window). The others change no answer.
pub fn for_orders(checkouts: Vec<CopiedEvent>, orders: &[&OrderRow], window_ms: i64) -> Vec<CopiedEvent> {
    let mut keep = vec![false; checkouts.len()];
    let groups = Groups::of(&checkouts);
    // The earliest and the latest of each creator's, per code and per source.
    for list in groups.by_code.values().chain(groups.by_source.values()) {
        let mut ends: HashMap<&str, (usize, usize)> = HashMap::default();
        for &i in list {
            ends.entry(checkouts[i].creator_id.as_str()).and_modify(|e| e.1 = i).or_insert((i, i));
        }
        for (first, last) in ends.into_values() {
            keep[first] = true;
            keep[last] = true;
        }
    }
    // Per order, the latest in its window by code and by source, with any at that time.
    for o in orders {
        for by in [By::Code, By::Source] {
            let mut at: Option<i64> = None;
            groups.joined(o, by, (o.created_at.saturating_sub(window_ms), window_end(o)), &mut |i| {
                let time = checkouts[i].event_time;
                if at.is_some_and(|t| time < t) {
                    return false;
                }
                keep[i] = true;
                at = Some(time);
                true
            });
        }
    }
    drop(groups);
    checkouts.into_iter().zip(keep).filter_map(|(c, keep)| keep.then_some(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(created_at: i64, code: Option<&str>, source: Option<&str>) -> OrderRow {
        OrderRow {
            created_at,
            coupon: code.map(str::to_owned),
            utm_source: source.map(str::to_owned),
            ..OrderRow::default()
        }
    }

    #[test]
    fn only_the_searches_some_order_can_use_are_asked_for() {
        let orders = [order(0, Some("JUNO15"), None), order(0, Some("JUNO15"), Some("reel"))];
        let refs: Vec<&OrderRow> = orders.iter().collect();
        assert_eq!(Searches::of(&refs), Searches { code: true, source: false });
        let source_only = order(0, None, Some("reel"));
        assert_eq!(Searches::of(&[&source_only]), Searches { code: false, source: true });
        assert_eq!(Searches::of(&[&order(0, None, None)]), Searches { code: false, source: false });
        let (day, window) = (86_400_000, 7 * 86_400_000);
        let range = (100 * day, 107 * day);
        let bounds = (range.0 - window, range.1 + CLOCK_SLACK_MS);
        let sql = |searches| picked_condition(&[range], bounds, window, searches);
        assert_eq!(sql(Searches::of(&[&order(0, None, None)])), None, "no search, no read");
        let (by_code, read_in) = sql(Searches::of(&refs)).expect("a read");
        assert_eq!(by_code.matches("GROUP BY provider, order_id").count(), 1, "one join, by code: {by_code}");
        assert!(!by_code.contains("utm_source"), "{by_code}");
        // The buckets' checkouts from a bucket before the first order's first, not the
        // window's; the picks looked for and read back there too.
        let first_bucket = ((range.0 + CLOCK_SLACK_MS) / BUCKET_MS - BUCKETS) * BUCKET_MS;
        assert!(by_code.contains(&format!("event_time >= {first_bucket}")), "{by_code}");
        assert!(!by_code.contains(&format!("event_time >= {}", bounds.0)), "not the window's: {by_code}");
        assert_eq!(read_in, (first_bucket, bounds.1));
        let (all, _) = sql(Searches::ALL).expect("a read");
        assert_eq!(all.matches("GROUP BY provider, order_id").count(), 2, "a join by code and by source: {all}");
        assert!(all.contains("coupon IS NULL AND utm_source IS NOT NULL"), "by source only orders without a code");
    }

    #[test]
    fn the_ends_are_asked_for_the_codes_and_sources_of_the_orders_behind() {
        let hour = 3_600_000;
        let orders = [order(10 * hour, Some("JUNO15"), None), order(11 * hour, Some("juno15"), Some("reel"))];
        let refs: Vec<&OrderRow> = orders.iter().collect();
        let (condition, values) = group_ends(&refs, (0, 20 * hour));
        assert_eq!(values, ["juno15", "reel"]);
        assert_eq!(condition.matches('?').count(), 2);
        assert_eq!(condition.matches("GROUP BY joined_by, creator_id").count(), 2, "{condition}");
        let (condition, values) = group_ends(&refs[..1], (0, 20 * hour));
        assert_eq!((values.len(), condition.matches("GROUP BY").count()), (1, 1), "no source, no ends by source");
    }

    #[test]
    fn the_orders_read_whole_ask_for_each_code_and_source_once_over_their_windows() {
        let hour = 3_600_000;
        let orders = [order(10 * hour, Some("JUNO15"), None), order(11 * hour, Some("juno15"), Some("reel"))];
        let refs: Vec<&OrderRow> = orders.iter().collect();
        let (condition, values) = whole_windows(&refs, 2 * hour);
        assert_eq!(values, ["juno15", "reel"], "codes without case, each once, then sources");
        assert_eq!(condition.matches('?').count(), 2);
        assert_eq!(condition.matches("occurred_at >=").count(), 1, "overlapping windows are one: {condition}");
        let (condition, values) = whole_windows(&refs[..1], 2 * hour);
        assert_eq!(values, ["juno15"]);
        assert!(condition.contains("(lower(ifNull(coupon, '')) IN (?) OR 0)"), "{condition}");
        // Windows far apart, more of them than a statement should hold: the whole span.
        let apart: Vec<OrderRow> = (0..MAX_SPANS as i64 + 5).map(|i| order(i * 10 * hour, Some("x"), None)).collect();
        let refs: Vec<&OrderRow> = apart.iter().collect();
        let (condition, _) = whole_windows(&refs, hour);
        assert_eq!(condition.matches("occurred_at >=").count(), 1, "{condition}");
        let (condition, _) = whole_windows(&refs[..MAX_SPANS], hour);
        assert_eq!(condition.matches("occurred_at >=").count(), MAX_SPANS);
    }

    #[test]
    fn the_live_join_reads_the_runs_of_orders_without_kept_picks() {
        // Times with whether the order is joined live (no picks kept for it as it is).
        let orders = vec![(50, true), (10, false), (20, true), (30, true), (40, false), (60, true), (60, false)];
        assert_eq!(spans_of(orders), [(20, 31), (50, 61)], "each run, to just after its last");
        assert_eq!(spans_of(vec![(10, false), (20, false)]), [], "every pick kept: no join");
        assert_eq!(spans_of(vec![(5, true), (5, false)]), [(5, 6)]);
        assert_eq!(spans_of(vec![(i64::MAX, true)]), [(i64::MAX, i64::MAX)], "saturates (and reads nothing)");
        let many: Vec<(i64, bool)> = (0..2 * MAX_SPANS as i64 + 2).map(|i| (i, i % 2 == 0)).collect();
        assert_eq!(spans_of(many), [(0, 2 * MAX_SPANS as i64 + 1)], "past MAX_SPANS runs: the whole time");
    }

    #[test]
    fn an_order_at_the_ends_of_time_joins_nothing_and_panics_nowhere() {
        let orders = [order(i64::MAX, Some("x"), Some("s")), order(i64::MIN, Some("x"), Some("s"))];
        let refs: Vec<&OrderRow> = orders.iter().collect();
        let (_, values) = whole_windows(&refs, i64::MAX);
        assert_eq!(values, ["x", "s"]);
        let checkout = CopiedEvent { coupon: Some("X".into()), event_time: 5, ..CopiedEvent::default() };
        let kept = for_orders(vec![checkout], &refs, i64::MAX);
        assert_eq!(kept.len(), 1, "the code's earliest and latest, still kept");
        let groups_of = [kept[0].clone()];
        let groups = Groups::of(&groups_of);
        assert!(refs.iter().all(|o| !groups.found_in_buckets(o, 1000)));
    }
}
