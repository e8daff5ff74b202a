//! Each settled order's checkouts, picked once and kept in ClickHouse (`order_picks`), so
//! a report reads them instead of joining its orders to the checkouts again.
//!
//! - **Why**: an order without a click id is joined to the latest checkout in its
//!   attribution window with its code (then its source), and told apart by whether one
//!   lies outside its window (`stats::load::resolve`, `outside_window`). ClickHouse finds
//!   those checkouts with a join (`ch_checkouts`) that grows with the orders: at 10^8
//!   events with 332,959 orders a season's report spent 17–21 s of its 23–27 s there.
//! - **Which orders**: those whose window ends before the settled days
//!   (`ch_days::settled_before`): no checkout can arrive in it any more, so its pick is
//!   final. Each is keyed by the window it was picked for and a fingerprint of what
//!   the pick depends on (its time, code, source, medium, campaign and creator,
//!   [`fingerprint`]): an order edited since, or a collector with another window, finds
//!   none and is joined live, as before.
//! - **What is kept** per order ([`OrderPick`]), each checkout whole as a report copies it:
//!   the latest checkout in its window by code (every one at that time), else by source,
//!   else one with its code or source outside the window (`outside`, final once there);
//!   else a row saying nothing joins it (`none`: no code or source) or that no checkout
//!   lies outside its window yet (`undecided`: a later checkout may, after its window,
//!   so each report asks for the latest per code or source, for these orders only).
//! - **Two collectors** may pick the same order: they read the same settled data and
//!   write identical rows, which the `ReplacingMergeTree` collapses.
//! - **Retention** leaves the picks alone, as it leaves the day rollups: a report on a
//!   range whose raw events were purged still joins its orders to their clicks. (From a
//!   SQLite file alone, whose purged events are gone, it no longer can.)

use crate::ch_checkouts;
use crate::ch_days::{self, DAYS_PER_QUERY, QUERY_TIMEOUT};
use crate::clickhouse::{self as ch, ChError, OrderRow};
use crate::stats::rollup::DAY_MS;
use crate::stats::{ByOrder, Click, KeptJoin, CLOCK_SLACK_MS};
use crate::stats_source::CopiedEvent;
use clickhouse::Row;
use foldhash::HashSet;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// The role of an order's row when nothing joins it by code or source (it has neither).
pub const NONE: &str = "none";
/// The role of an order's row when nothing joins it and no checkout with its code or
/// source lies outside its window yet.
pub const UNDECIDED: &str = "undecided";

/// One row of `order_picks`: an order, and one checkout kept for it (`role`, see
/// `ch_checkouts::Role`) as a report copies it; or, with the roles [`NONE`] and
/// [`UNDECIDED`], no checkout (its columns empty). The checkout's columns repeat
/// `CopiedEvent`'s: the `clickhouse` crate's rows cannot nest one struct in another.
#[derive(Clone, Debug, Default, PartialEq, Row, Serialize, Deserialize)]
pub struct OrderPick {
    pub created_at: i64,
    pub provider: String,
    pub order_id: String,
    pub window_ms: i64,
    pub fingerprint: u64,
    pub role: String,
    pub event_id: String,
    pub name: String,
    pub creator_id: String,
    pub event_time: i64,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub path: Option<String>,
    pub promotion_id: Option<String>,
    pub currency: Option<String>,
    pub value: Option<i64>,
    pub value_unreadable: u8,
    pub coupon: Option<String>,
    pub transaction_id: Option<String>,
    pub items: Option<String>,
    pub click_id: Option<String>,
    pub affiliate: Option<String>,
    /// The checkout's own version (`CopiedEvent::ver`).
    pub event_ver: u64,
    /// When it was picked.
    pub ver: u64,
}

impl OrderPick {
    /// The row for `o`, picked for `window_ms` at `ver`, with `checkout` in `role` (or,
    /// without one, the role [`NONE`] or [`UNDECIDED`]).
    fn of(o: &OrderRow, window_ms: i64, role: &str, checkout: Option<&CopiedEvent>, ver: u64) -> OrderPick {
        let head = OrderPick {
            created_at: o.created_at,
            provider: o.provider.clone(),
            order_id: o.order_id.clone(),
            window_ms,
            fingerprint: fingerprint(o),
            role: role.to_owned(),
            ver,
            ..OrderPick::default()
        };
        let Some(c) = checkout.cloned() else { return head };
        OrderPick {
            event_id: c.event_id,
            name: c.name,
            creator_id: c.creator_id,
            event_time: c.event_time,
            utm_source: c.utm_source,
            utm_medium: c.utm_medium,
            utm_campaign: c.utm_campaign,
            utm_content: c.utm_content,
            path: c.path,
            promotion_id: c.promotion_id,
            currency: c.currency,
            value: c.value,
            value_unreadable: c.value_unreadable,
            coupon: c.coupon,
            transaction_id: c.transaction_id,
            items: c.items,
            click_id: c.click_id,
            affiliate: c.affiliate,
            event_ver: c.ver,
            ..head
        }
    }
}

/// A kept row as a report reads it: the columns [`join_of`] needs of [`OrderPick`]'s,
/// which make up the order's click (a season's 300,000 rows at 10^8 events: 62 MB to
/// read where the whole rows are 86 MB, 0.43 s in ClickHouse where they took 0.7 s).
#[derive(Clone, Debug, Default, PartialEq, Row, Deserialize)]
pub struct KeptClick {
    pub provider: String,
    pub order_id: String,
    pub fingerprint: u64,
    pub role: String,
    pub event_id: String,
    pub creator_id: String,
    pub event_time: i64,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub affiliate: Option<String>,
    pub items: Option<String>,
}

impl From<OrderPick> for KeptClick {
    fn from(p: OrderPick) -> KeptClick {
        KeptClick {
            provider: p.provider,
            order_id: p.order_id,
            fingerprint: p.fingerprint,
            role: p.role,
            event_id: p.event_id,
            creator_id: p.creator_id,
            event_time: p.event_time,
            coupon: p.coupon,
            utm_source: p.utm_source,
            utm_medium: p.utm_medium,
            utm_campaign: p.utm_campaign,
            utm_content: p.utm_content,
            affiliate: p.affiliate,
            items: p.items,
        }
    }
}

/// The join an order's kept rows answer (`None`: [`UNDECIDED`], asked again by each
/// report). Of the checkouts kept in one role, which all share the latest time, the one
/// with the greatest event id, as the in-memory copy's `resolve` takes it (copies go
/// in by time and event id, and its index hands the last of a time first).
///
/// Only the row chosen is copied into the click (a batch's 33,000 orders at 10^8 events
/// had all their rows copied to decide it).
pub fn join_of(rows: &[KeptClick]) -> Option<KeptJoin> {
    let mut join = KeptJoin::default();
    let mut best: Option<(&'static str, &KeptClick)> = None;
    for row in rows {
        let how = match row.role.as_str() {
            UNDECIDED => return None,
            "code" => "code",
            "source" => "utm",
            "outside" => {
                join.outside = true;
                continue;
            }
            _ => continue,
        };
        // By code before by source (an order has picks in one of them only).
        let better = match &best {
            None => true,
            Some((h, b)) => {
                (how == "code" && *h == "utm")
                    || (how == *h && (row.event_time, &row.event_id) > (b.event_time, &b.event_id))
            }
        };
        if better {
            best = Some((how, row));
        }
    }
    join.click = best.map(|(how, c)| {
        std::sync::Arc::new(Click {
            how,
            event_id: c.event_id.clone(),
            creator_id: c.creator_id.clone(),
            coupon: c.coupon.clone(),
            utm_source: c.utm_source.clone(),
            utm_medium: c.utm_medium.clone(),
            utm_campaign: c.utm_campaign.clone(),
            utm_content: c.utm_content.clone(),
            affiliate: c.affiliate.clone(),
            items: crate::stats::click_items(c.items.clone()),
        })
    });
    Some(join)
}

/// What an order's pick depends on besides the checkouts: its time, code (without
/// case, as it is compared), source, medium, campaign and creator, hashed (SHA-256's
/// first 8 bytes of their JSON, the same on every collector and version).
pub fn fingerprint(o: &OrderRow) -> u64 {
    use sha2::Digest;
    let code = o.coupon.as_deref().map(str::to_ascii_lowercase);
    let what = (o.created_at, code, &o.utm_source, &o.utm_medium, &o.utm_campaign, &o.creator_id);
    let json = serde_json::to_vec(&what).unwrap_or_default();
    let digest = sha2::Sha256::digest(&json);
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The picks kept for a report's orders, by order.
#[derive(Default)]
pub struct Kept {
    by_order: ByOrder<Vec<KeptClick>>,
}

impl Kept {
    /// The rows `query` reads, by order (about `orders` of them: the map is sized once).
    /// Each row goes into its order's place as it is decoded, not into a list first: a
    /// list of a 30-day report's 87,000 rows at 10^8 events (about 30 MB) grew by
    /// copying itself, and held every row twice until the map was built. (No change in
    /// the report's time could be told from the noise.) Each row's order id is moved
    /// into the key, not cloned (nothing reads it from the row after this).
    pub async fn read(query: clickhouse::query::Query, orders: usize) -> Result<Kept, ChError> {
        let read = async {
            let mut cursor = query.fetch::<KeptClick>()?;
            let mut kept = Kept { by_order: ByOrder::with_capacity(orders) };
            while let Some(row) = cursor.next().await? {
                kept.add(row);
            }
            Ok(kept)
        };
        ch::timed_within(ch::REQUEST_TIMEOUT, read).await
    }

    fn add(&mut self, mut row: KeptClick) {
        let order_id = std::mem::take(&mut row.order_id);
        self.by_order.entry(&row.provider, order_id).push(row);
    }

    /// Takes `o`'s rows, when they were picked for it as it is now (`None`: it is joined
    /// live). Taken, not borrowed: a season's 300,000 checkouts are moved into the copy,
    /// not cloned.
    pub fn take(&mut self, o: &OrderRow) -> Option<Vec<KeptClick>> {
        let mut rows = self.by_order.remove(&o.provider, &o.order_id)?;
        let now = fingerprint(o);
        rows.retain(|r| r.fingerprint == now);
        (!rows.is_empty()).then_some(rows)
    }
}

/// How many orders' joins a collector remembers ([`Remembered`]), and as many orders'
/// rows of a batch: about 500 bytes each (the click's texts and items), so at most about
/// 500 MB of each. A season at 10^8 events has 330,000; past the limit, the older half
/// is forgotten (see [`put`]).
pub const MAX_REMEMBERED_ORDERS: usize = 1_000_000;

/// How many orders make it worth recalling half of them on a thread of their own (one
/// costs tens of microseconds; an order's recall a quarter of one).
const RECALLED_PER_THREAD: usize = 20_000;

/// The joins kept picks decided (or that they left undecided), remembered between a
/// collector's reports. A pick is never taken again ([`step`]) and two collectors write
/// the same rows, so what an order's rows decide for the order as it is now (the same
/// window, the same [`fingerprint`]) is what they decide at every report: a report reads
/// and decides only the orders it does not remember. Reading and deciding them was the
/// longest of a report's reads at 10^8 events: 0.5 s of a 30-day report's (107,000
/// orders), 1.1 s of a season's (330,000). A collector starts with none (the first
/// report after a start reads them all); an undecided order is remembered as such (each
/// report still asks for its code's latest checkout).
///
/// The rows of the latest batch of recent picks (`ch_recent_picks`) are remembered the
/// same way, for that batch only: a batch is written at most once per background step,
/// when events or orders came, and each report read and decided its 33,000 rows at
/// 10^8 events (the longest read of a 30-day report, once the settled ones were
/// remembered).
#[derive(Debug, Default)]
pub struct Remembered {
    joins: Mutex<ByOrder<RememberedJoin>>,
    batch: Mutex<ByOrder<RememberedRows>>,
}

/// What an order's pick depends on besides the checkouts, as the order was when it
/// was picked (what [`fingerprint`] hashes): compared as it is with the order now,
/// rather than hashed again at every report (hashing a season's 300,000 orders took a
/// third of a second). A code written in other capitals is another pick's, though it
/// would pick the same: it is read again.
#[derive(Clone, Debug)]
struct PickInputs {
    created_at: i64,
    coupon: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    creator_id: Option<String>,
}

impl PickInputs {
    fn of(o: &OrderRow) -> PickInputs {
        PickInputs {
            created_at: o.created_at,
            coupon: o.coupon.clone(),
            utm_source: o.utm_source.clone(),
            utm_medium: o.utm_medium.clone(),
            utm_campaign: o.utm_campaign.clone(),
            creator_id: o.creator_id.clone(),
        }
    }

    fn are_of(&self, o: &OrderRow) -> bool {
        self.created_at == o.created_at
            && self.coupon == o.coupon
            && self.utm_source == o.utm_source
            && self.utm_medium == o.utm_medium
            && self.utm_campaign == o.utm_campaign
            && self.creator_id == o.creator_id
    }
}

/// What a settled order's kept picks decided (`None`: undecided, [`join_of`]), for the
/// window and the order as they were picked.
#[derive(Clone, Debug)]
struct RememberedJoin {
    window_ms: i64,
    inputs: PickInputs,
    join: Option<KeptJoin>,
}

/// An order's rows in a batch of recent picks (`ch_recent_picks`), picked for the window
/// and the order as they were.
#[derive(Clone, Debug)]
struct RememberedRows {
    ver: u64,
    window_ms: i64,
    inputs: PickInputs,
    picked: Arc<Picked>,
}

/// An order's picks, with the join they decide (decided once, when they are read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picked {
    pub rows: Vec<KeptClick>,
    /// `None`: undecided ([`join_of`]).
    pub join: Option<KeptJoin>,
}

impl Picked {
    pub fn of(rows: Vec<KeptClick>) -> Picked {
        Picked { join: join_of(&rows), rows }
    }
}

impl Remembered {
    /// For each of `orders`, in order: what its picks decided for it as it is now
    /// (`Some(None)`: undecided), or `None` when that is not remembered (its picks are
    /// read).
    ///
    /// Many orders are recalled in two runs at once: a season's 333,000 at 10^8 events
    /// took 80–160 ms on one core, while the other waited for them.
    pub fn recall(&self, orders: &[&OrderRow], window_ms: i64) -> Vec<Option<Option<KeptJoin>>> {
        let joins = lock(&self.joins);
        let joins: &ByOrder<RememberedJoin> = &joins;
        let recall = |orders: &[&OrderRow]| -> Vec<Option<Option<KeptJoin>>> {
            orders
                .iter()
                .map(|o| {
                    let r = joins.get(&o.provider, &o.order_id)?;
                    (r.window_ms == window_ms && r.inputs.are_of(o)).then(|| r.join.clone())
                })
                .collect()
        };
        if orders.len() < RECALLED_PER_THREAD * 2 {
            return recall(orders);
        }
        let (first, second) = orders.split_at(orders.len() / 2);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| recall(second));
            let mut recalled = recall(first);
            match second.join() {
                Ok(second) => recalled.extend(second),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            recalled
        })
    }

    /// Remembers what the picks read for `decided` (picked for `window_ms`) decided
    /// (see [`put`] for the limit).
    pub fn remember<'a>(&self, decided: impl IntoIterator<Item = (&'a OrderRow, Option<KeptJoin>)>, window_ms: i64) {
        let joins =
            decided.into_iter().map(|(o, join)| (o, RememberedJoin { window_ms, inputs: PickInputs::of(o), join }));
        put(&mut lock(&self.joins), joins, |r| r.inputs.created_at);
    }

    /// For each of `orders`, in order: its rows in the batch `ver` picked for
    /// `window_ms`, as it is now, or `None` when they are not remembered (they are read).
    pub fn recall_batch(&self, orders: &[&OrderRow], ver: u64, window_ms: i64) -> Vec<Option<Arc<Picked>>> {
        let batch = lock(&self.batch);
        orders
            .iter()
            .map(|o| {
                let r = batch.get(&o.provider, &o.order_id)?;
                (r.ver == ver && r.window_ms == window_ms && r.inputs.are_of(o)).then(|| r.picked.clone())
            })
            .collect()
    }

    /// Remembers the rows of the batch `ver` read for `read`, forgetting any other
    /// batch's (a report reads the latest; see [`put`] for the limit).
    pub fn remember_batch<'a>(
        &self,
        read: impl IntoIterator<Item = (&'a OrderRow, Arc<Picked>)>,
        ver: u64,
        window_ms: i64,
    ) {
        let mut batch = lock(&self.batch);
        let mut read = read.into_iter().peekable();
        if read.peek().is_none() {
            return;
        }
        batch.retain(|r| r.ver == ver && r.window_ms == window_ms);
        let rows = read.map(|(o, picked)| (o, RememberedRows { ver, window_ms, inputs: PickInputs::of(o), picked }));
        put(&mut batch, rows, |r| r.inputs.created_at);
    }

    /// How many orders' joins are remembered.
    pub fn len(&self) -> usize {
        lock(&self.joins).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Puts each order's value in `memory`, replacing the one it had. Full (at
/// [`MAX_REMEMBERED_ORDERS`]), it first forgets the older half of what it holds, by the
/// orders' time (`created_at` of a value): reports ask for recent ranges most, and a
/// memory full of past seasons' orders would never take this season's.
fn put<'a, V>(memory: &mut ByOrder<V>, values: impl IntoIterator<Item = (&'a OrderRow, V)>, created_at: fn(&V) -> i64) {
    for (o, value) in values {
        match memory.get_mut(&o.provider, &o.order_id) {
            Some(held) => *held = value,
            None => {
                if memory.len() >= MAX_REMEMBERED_ORDERS {
                    let mut times: Vec<i64> = memory.values().map(created_at).collect();
                    let half = times.len() / 2;
                    let (_, &mut middle, _) = times.select_nth_unstable(half);
                    memory.retain(|v| created_at(v) > middle);
                }
                memory.insert(&o.provider, o.order_id.clone(), value);
            }
        }
    }
}

/// The memory's map, whatever a thread that panicked holding it left (each entry is
/// written whole).
fn lock<T>(memory: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// When the last order created in `[from, to)` with picks kept for `window_ms` was
/// created (`None`: there is none).
pub async fn last_kept(
    client: &clickhouse::Client,
    (from, to): (i64, i64),
    window_ms: i64,
) -> Result<Option<i64>, ChError> {
    let (n, last): (u64, i64) = ch::timed(
        client
            .query("SELECT count(), max(created_at) FROM order_picks WHERE created_at >= ? AND created_at < ? AND window_ms = ?")
            .bind(from)
            .bind(to)
            .bind(window_ms)
            .fetch_one(),
    )
    .await?;
    Ok((n > 0).then_some(last))
}

/// The picks kept for the orders created in `spans` (`[from, to)` each), picked for
/// `window_ms`.
/// Read without `FINAL` (which on 18.16 merges every column it reads before filtering:
/// 0.63–0.72 s of a season's report at 10^8 events, 0.32–0.37 s without): a row twice,
/// as two collectors picking one order write it until a merge, decides the same join
/// ([`join_of`] takes the best of the rows, and a twin is no better).
/// `orders`: about how many orders they are for (sizes the map).
pub async fn kept(
    client: &clickhouse::Client,
    spans: &[(i64, i64)],
    window_ms: i64,
    orders: usize,
) -> Result<Kept, ChError> {
    if spans.is_empty() {
        return Ok(Kept::default());
    }
    let within = vec!["created_at >= ? AND created_at < ?"; spans.len()].join(" OR ");
    let mut query =
        client.query(&format!("SELECT ?fields FROM order_picks WHERE window_ms = ? AND ({within})")).bind(window_ms);
    for &(from, to) in spans {
        query = query.bind(from).bind(to);
    }
    Kept::read(query, orders).await
}

/// Picks the checkouts of every settled order at `now_ms` without picks for
/// `window_ms` as it is now, [`DAYS_PER_QUERY`] days of orders per read; returns how
/// many orders were picked. None whose window reaches `unshipped_from` (the oldest
/// event this collector has not shipped yet, `ch_days::oldest_unshipped`): a pick is
/// never taken again, so it must not miss a checkout still on its way.
pub async fn step(
    client: &clickhouse::Client,
    now_ms: i64,
    window_ms: i64,
    unshipped_from: Option<i64>,
) -> Result<usize, ChError> {
    let settled = settled_bound(now_ms, unshipped_from);
    let (orders, have) = tokio::try_join!(
        ch::timed_within(
            QUERY_TIMEOUT,
            client
                .query("SELECT ?fields FROM orders FINAL WHERE created_at >= 0 AND created_at < ?")
                .bind(settled)
                .fetch_all::<OrderRow>()
        ),
        ch::timed_within(
            QUERY_TIMEOUT,
            client
                .query(
                    "SELECT provider, order_id, fingerprint FROM order_picks WHERE window_ms = ?
                     GROUP BY provider, order_id, fingerprint",
                )
                .bind(window_ms)
                .fetch_all::<(String, String, u64)>()
        )
    )?;
    let have: HashSet<(String, String, u64)> = have.into_iter().collect();
    let missing: Vec<&OrderRow> =
        orders.iter().filter(|o| !have.contains(&(o.provider.clone(), o.order_id.clone(), fingerprint(o)))).collect();
    pick_into(client, "order_picks", &missing, settled, window_ms, now_ms.max(0) as u64).await
}

/// Where the orders whose picks are final end at `now_ms` (those created before it): an
/// order is settled when its window (which ends a little after it) is, and its window
/// must not reach `unshipped_from` (the oldest event this collector has not shipped
/// yet), since a final pick is never taken again.
pub fn settled_bound(now_ms: i64, unshipped_from: Option<i64>) -> i64 {
    ch_days::settled_before(now_ms)
        .saturating_mul(DAY_MS)
        .min(unshipped_from.unwrap_or(i64::MAX))
        .saturating_sub(CLOCK_SLACK_MS)
}

/// Picks `orders` (all created before `end`) at `ver`, [`DAYS_PER_QUERY`] days of them
/// per read, into `table` (`order_picks`, or `recent_picks` for `ch_recent_picks`);
/// returns how many were picked.
pub async fn pick_into(
    client: &clickhouse::Client,
    table: &str,
    orders: &[&OrderRow],
    end: i64,
    window_ms: i64,
    ver: u64,
) -> Result<usize, ChError> {
    let mut days: Vec<i64> = orders.iter().map(|o| o.created_at.div_euclid(DAY_MS)).collect();
    days.sort_unstable();
    days.dedup();
    let mut picked = 0;
    for chunk in days.chunks(DAYS_PER_QUERY) {
        for (first_day, end_day) in ch_days::spans(chunk.iter().copied()) {
            let range = (first_day.saturating_mul(DAY_MS), end_day.saturating_mul(DAY_MS).min(end));
            let theirs: Vec<&OrderRow> =
                orders.iter().copied().filter(|o| (range.0..range.1).contains(&o.created_at)).collect();
            let rows = pick(client, &theirs, range, window_ms, ver).await?;
            crate::ship::insert(client, table, &rows).await?;
            picked += theirs.len();
        }
    }
    Ok(picked)
}

/// The rows of `orders` (created in `range`), picked at `ver`.
async fn pick(
    client: &clickhouse::Client,
    orders: &[&OrderRow],
    range: (i64, i64),
    window_ms: i64,
    ver: u64,
) -> Result<Vec<OrderPick>, ChError> {
    let bounds = (range.0.saturating_sub(window_ms), range.1.saturating_add(CLOCK_SLACK_MS));
    let (codes, sources) = ch_checkouts::values_of(orders);
    let last_kept = last_kept(client, range, window_ms).await?;
    let (read, outside) = tokio::try_join!(
        ch_checkouts::read(client, orders, last_kept, bounds, window_ms, ch_checkouts::Recent::Ignore, None),
        crate::stats_source::outside_bounds(client, &codes, &sources, bounds)
    )?;
    // (None of `orders` has rows kept as it is now, and recent picks are not asked for,
    // so `read.kept` holds no join: each is picked from the checkouts.)
    let mut checkouts = read.checkouts;
    checkouts.extend(outside);
    let picks = ch_checkouts::picks_of(&checkouts, orders, window_ms);
    Ok(rows_of(orders, picks, &checkouts, window_ms, ver))
}

/// The rows kept for `orders`, given what `ch_checkouts::picks_of` picked for each of
/// them among `checkouts`, picked for `window_ms` at `ver`.
pub fn rows_of(
    orders: &[&OrderRow],
    picks: Vec<Vec<(ch_checkouts::Role, usize)>>,
    checkouts: &[CopiedEvent],
    window_ms: i64,
    ver: u64,
) -> Vec<OrderPick> {
    let mut rows = Vec::new();
    for (o, picks) in orders.iter().zip(picks) {
        if picks.is_empty() {
            let role = if o.coupon.is_none() && o.utm_source.is_none() { NONE } else { UNDECIDED };
            rows.push(OrderPick::of(o, window_ms, role, None, ver));
        }
        let mut seen = HashSet::default();
        for (role, i) in picks {
            let c = &checkouts[i];
            // A checkout read twice (by the join and as a window's end) is kept once.
            if seen.insert(c.event_id.as_str()) {
                rows.push(OrderPick::of(o, window_ms, role.name(), Some(c), ver));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, created_at: i64, code: Option<&str>) -> OrderRow {
        OrderRow {
            provider: "stripe".into(),
            order_id: id.into(),
            created_at,
            coupon: code.map(str::to_owned),
            ..OrderRow::default()
        }
    }

    #[test]
    fn an_orders_fingerprint_changes_with_what_its_pick_depends_on_only() {
        let o = order("cs_1", 1_000, Some("JUNO15"));
        let same_code = OrderRow { coupon: Some("juno15".into()), value: 99, received_at: 5, ..o.clone() };
        assert_eq!(fingerprint(&o), fingerprint(&same_code), "the code without case; the value is not the pick's");
        for changed in edited_in_what_its_pick_depends_on(&o) {
            assert_ne!(fingerprint(&o), fingerprint(&changed), "{changed:?}");
        }
    }

    /// `o` changed in each thing its pick depends on, one at a time.
    fn edited_in_what_its_pick_depends_on(o: &OrderRow) -> [OrderRow; 6] {
        [
            OrderRow { created_at: o.created_at + 1, ..o.clone() },
            OrderRow { coupon: Some("JUNO20".into()), ..o.clone() },
            OrderRow { utm_source: Some("reel".into()), ..o.clone() },
            OrderRow { utm_medium: Some("story".into()), ..o.clone() },
            OrderRow { utm_campaign: Some("spring".into()), ..o.clone() },
            OrderRow { creator_id: Some("juno".into()), ..o.clone() },
        ]
    }

    #[test]
    fn a_report_uses_the_rows_picked_for_the_order_as_it_is_now() {
        let o = order("cs_1", 1_000, Some("JUNO15"));
        let edited = OrderRow { coupon: Some("JUNO20".into()), ..o.clone() };
        let checkout = CopiedEvent { event_id: "co-1".into(), coupon: Some("JUNO15".into()), ..CopiedEvent::default() };
        let old = OrderPick::of(&o, 60_000, "code", Some(&checkout), 7);
        let new = OrderPick::of(&edited, 60_000, UNDECIDED, None, 8);
        let kept = || {
            let mut kept = Kept::default();
            kept.by_order.insert("stripe", "cs_1".into(), vec![old.clone().into(), new.clone().into()]);
            kept
        };
        assert_eq!(kept().take(&o), Some(vec![old.clone().into()]));
        assert_eq!(kept().take(&edited), Some(vec![new.clone().into()]));
        assert_eq!(kept().take(&OrderRow { created_at: 2_000, ..o.clone() }), None, "edited again: joined live");
        assert_eq!(kept().take(&order("cs_2", 1_000, None)), None, "never picked");
    }

    #[test]
    fn many_orders_are_recalled_in_their_order_as_one_by_one() {
        let orders: Vec<OrderRow> = (0..RECALLED_PER_THREAD as i64 * 3)
            .map(|i| order(&format!("cs_{i}"), 1_000 + i, Some(if i % 2 == 0 { "JUNO15" } else { "MIRA10" })))
            .collect();
        let join = |i: usize| (!i.is_multiple_of(3)).then_some(KeptJoin { click: None, outside: i % 3 == 1 });
        let remembered = Remembered::default();
        // Every fifth order not remembered; every seventh changed since.
        let held = orders.iter().enumerate().filter(|(i, _)| !i.is_multiple_of(5));
        remembered.remember(held.map(|(i, o)| (o, join(i))), 60_000);
        let now: Vec<OrderRow> = orders
            .iter()
            .enumerate()
            .map(|(i, o)| if i.is_multiple_of(7) { OrderRow { coupon: None, ..o.clone() } } else { o.clone() })
            .collect();
        let refs: Vec<&OrderRow> = now.iter().collect();
        let recalled = remembered.recall(&refs, 60_000);
        let one_by_one: Vec<_> = refs.iter().flat_map(|o| remembered.recall(&[o], 60_000)).collect();
        assert_eq!(recalled, one_by_one);
        let expected: Vec<_> =
            (0..refs.len()).map(|i| (!i.is_multiple_of(5) && !i.is_multiple_of(7)).then(|| join(i))).collect();
        assert_eq!(recalled, expected);
    }

    #[test]
    fn a_remembered_join_is_recalled_for_the_order_as_it_was_only() {
        let o = order("cs_1", 1_000, Some("JUNO15"));
        let undecided = order("cs_2", 2_000, Some("NOBODY5"));
        let join = KeptJoin { click: None, outside: true };
        let remembered = Remembered::default();
        assert_eq!(remembered.recall(&[&o], 60_000), [None], "nothing remembered yet");
        remembered.remember([(&o, Some(join.clone())), (&undecided, None)], 60_000);
        assert_eq!(remembered.len(), 2);
        assert_eq!(remembered.recall(&[&o, &undecided], 60_000), [Some(Some(join.clone())), Some(None)]);
        let never = order("cs_3", 1_000, None);
        // (The code in other capitals too: another pick's, though it would pick the same.)
        let others = [
            OrderRow { coupon: Some("juno15".into()), ..o.clone() },
            OrderRow { provider: "shopify".into(), ..o.clone() },
            never,
        ];
        for changed in edited_in_what_its_pick_depends_on(&o).into_iter().chain(others) {
            assert_eq!(remembered.recall(&[&changed], 60_000), [None], "read again: {changed:?}");
        }
        let paid_more = OrderRow { value: 99, received_at: 5, ..o.clone() };
        assert_eq!(remembered.recall(&[&paid_more], 60_000), [Some(Some(join.clone()))], "not what it was picked on");
        assert_eq!(remembered.recall(&[&o], 120_000), [None], "picked for another window");
        // Picked again as the order is now (edited), for that window: it replaces the old.
        let edited = OrderRow { coupon: Some("JUNO20".into()), ..o.clone() };
        remembered.remember([(&edited, None)], 120_000);
        assert_eq!(remembered.len(), 2);
        assert_eq!(remembered.recall(&[&edited, &o], 120_000), [Some(None), None]);
    }

    #[test]
    fn a_batchs_rows_are_recalled_for_that_batch_and_the_order_as_it_was_only() {
        let o = order("cs_1", 1_000, Some("JUNO15"));
        let other = order("cs_2", 2_000, None);
        let checkout = CopiedEvent { event_id: "co-1".into(), coupon: Some("JUNO15".into()), ..CopiedEvent::default() };
        let picked = Arc::new(Picked::of(vec![OrderPick::of(&o, 60_000, "code", Some(&checkout), 7).into()]));
        assert_eq!(picked.join.as_ref().and_then(|j| j.click.as_ref()).map(|c| c.event_id.as_str()), Some("co-1"));
        let remembered = Remembered::default();
        remembered.remember_batch([(&o, picked.clone())], 7, 60_000);
        assert_eq!(remembered.recall_batch(&[&o, &other], 7, 60_000), [Some(picked.clone()), None]);
        assert_eq!(remembered.recall_batch(&[&o], 8, 60_000), [None], "another batch");
        assert_eq!(remembered.recall_batch(&[&o], 7, 120_000), [None], "picked for another window");
        let edited = OrderRow { utm_source: Some("reel".into()), ..o.clone() };
        assert_eq!(remembered.recall_batch(&[&edited], 7, 60_000), [None], "edited since");
        assert!(remembered.is_empty(), "a batch's rows are not a settled order's join");
        // A newer batch's rows: the older batch's are forgotten, those of orders it did
        // not read too.
        let newer = Arc::new(Picked::of(Vec::new()));
        remembered.remember_batch([(&other, newer.clone())], 8, 60_000);
        assert_eq!(remembered.recall_batch(&[&o, &other], 8, 60_000), [None, Some(newer.clone())]);
        assert_eq!(remembered.recall_batch(&[&o], 7, 60_000), [None], "forgotten");
        remembered.remember_batch([], 7, 60_000);
        assert_eq!(remembered.recall_batch(&[&other], 8, 60_000), [Some(newer)], "nothing read: nothing forgotten");
    }

    #[test]
    fn a_full_memory_forgets_its_older_half_for_a_new_order() {
        let orders: Vec<OrderRow> =
            (0..=MAX_REMEMBERED_ORDERS).map(|i| order(&format!("cs_{i}"), i as i64, None)).collect();
        let (newest, held) = orders.split_last().expect("orders");
        let remembered = Remembered::default();
        remembered.remember(held.iter().map(|o| (o, None)), 60_000);
        assert_eq!(remembered.len(), MAX_REMEMBERED_ORDERS, "full");
        // Full, an order remembered already is updated in place.
        let edited = OrderRow { coupon: Some("JUNO15".into()), ..held[0].clone() };
        remembered.remember([(&edited, Some(KeptJoin::default()))], 60_000);
        assert_eq!(remembered.len(), MAX_REMEMBERED_ORDERS);
        assert_eq!(remembered.recall(&[&edited], 60_000), [Some(Some(KeptJoin::default()))]);
        // A new one: the older half goes, the new one and the newer half stay.
        remembered.remember([(newest, None)], 60_000);
        let half = MAX_REMEMBERED_ORDERS / 2;
        assert_eq!(remembered.len(), MAX_REMEMBERED_ORDERS - half);
        let (oldest, last_old, first_kept) = (&held[0], &held[half], &held[half + 1]);
        assert_eq!(
            remembered.recall(&[newest, first_kept, last_old, oldest], 60_000),
            [Some(None), Some(None), None, None]
        );
    }

    #[test]
    fn the_kept_rows_decide_an_orders_join_but_an_undecided_one() {
        let o = order("cs_1", 10_000, Some("JUNO15"));
        let checkout = |id: &str, time: i64, items: Option<&str>| CopiedEvent {
            event_id: id.into(),
            name: "begin_checkout".into(),
            creator_id: "juno".into(),
            event_time: time,
            coupon: Some("juno15".into()),
            utm_source: Some("reel".into()),
            items: items.map(str::to_owned),
            affiliate: Some("mika".into()),
            ..CopiedEvent::default()
        };
        let row = |role: &str, c: Option<&CopiedEvent>| -> KeptClick { OrderPick::of(&o, 60_000, role, c, 1).into() };
        let items = r#"[{"item_id":"tee","price":1000,"quantity":1}]"#;
        let (a, b) = (checkout("co-a", 9_000, None), checkout("co-b", 9_000, Some(items)));
        // Two at the latest time: the greater event id, as the copy's `resolve` takes it.
        let join = join_of(&[row("code", Some(&b)), row("code", Some(&a))]).expect("decided");
        let twice = vec![row("code", Some(&a)), row("code", Some(&b)), row("code", Some(&a)), row("code", Some(&b))];
        assert_eq!(join_of(&twice), Some(join.clone()), "rows read twice (without FINAL) decide the same");
        let click = join.click.expect("a click");
        assert_eq!((click.how, click.event_id.as_str(), join.outside), ("code", "co-b", false));
        assert_eq!(click.items.len(), 1, "its items read");
        assert_eq!(click.affiliate.as_deref(), Some("mika"));
        let by_source = join_of(&[row("source", Some(&a))]).expect("decided").click.expect("a click");
        assert_eq!(by_source.how, "utm");
        assert_eq!(join_of(&[row("outside", Some(&a))]), Some(KeptJoin { click: None, outside: true }));
        assert_eq!(join_of(&[row(NONE, None)]), Some(KeptJoin::default()));
        assert_eq!(join_of(&[row(UNDECIDED, None)]), None, "asked again by the report");
    }
}
