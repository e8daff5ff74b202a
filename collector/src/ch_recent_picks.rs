//! The picks of the orders whose windows have not settled, taken in the background and
//! kept under a snapshot of the `events` blocks they saw (`recent_picks`), so a report
//! joins again only the orders a checkout that arrived since could change.
//!
//! - **Why**: `ch_picks` keeps the picks of settled orders only; the orders of the last
//!   ten days were joined live by every report (`ch_checkouts::picked`): at 10^8 events,
//!   1.4–1.6 s of a week's 2.2–2.4 s, and the long pole of a season's.
//! - **A batch** ([`step`]): every order not settled (`ch_picks::settled_bound`) picked
//!   as `ch_picks` picks them, written under one version, then a marker
//!   (`recent_picks_done`) holding that version and the snapshot ([`Snapshot`]) taken
//!   *before* the pick read anything. A collector writes a new batch when the parts of
//!   `events` or `orders` changed since the last marker, and drops the batches of days
//!   before yesterday (a partition per day).
//! - **What changed since** ([`Snapshot::new_parts`]): ClickHouse numbers the blocks
//!   each insert writes, per partition, and a part names the range of blocks it holds;
//!   merges join ranges and mutations keep them. A part whose blocks the snapshot's
//!   parts covered holds nothing the pick did not see. Any other part may (a block
//!   committed after the snapshot, or a merge across a block number the snapshot
//!   lacked: an insert then in flight, an abandoned one, or on a server without
//!   replication another partition's), and is read again: more rows, the same answer.
//!   Block numbers are the same on every replica, so a report may read another replica
//!   than the one the batch was picked on.
//! - **Which orders are joined again** ([`beaten`]): those a checkout of those parts
//!   would join instead of their pick: with their code (or source, medium and campaign),
//!   their creator, inside their window, and later than the checkout picked in its role
//!   (by code before by source). A checkout read again that the pick saw is never later
//!   than the one picked, so merged parts cost reading, not joins. Orders without a pick
//!   in the batch (made since, or edited: `ch_picks::fingerprint`) are joined live too.
//!
//! Correctness is held by the ClickHouse test
//! `orders_joined_by_code_or_source_get_the_checkout_sqlite_picks`: a report from recent
//! picks answers what SQLite answers, before and after a later checkout arrives.

use crate::ch_days::QUERY_TIMEOUT;
use crate::ch_picks::{self, KeptClick, Picked, Remembered, NONE};
use crate::clickhouse::{self as ch, ChError, OrderRow};
use crate::stats::{KeptJoins, CLOCK_SLACK_MS};
use clickhouse::Row;
use foldhash::HashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How a batch's version is made from the time it was picked: milliseconds times this,
/// plus a random number below it, so two collectors picking in the same millisecond
/// write batches apart.
const VER_PER_MS: u64 = 1000;

/// One active part of `events`, as `system.parts` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Row, Deserialize)]
pub struct Part {
    pub partition_id: String,
    pub name: String,
    pub min_block_number: i64,
    pub max_block_number: i64,
}

/// The blocks each partition of `events` held at a pick: ranges `[first, last]`, sorted,
/// those that follow each other joined.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    blocks: BTreeMap<String, Vec<(i64, i64)>>,
}

impl Snapshot {
    pub fn of(parts: &[Part]) -> Snapshot {
        let mut blocks: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        for p in parts {
            blocks.entry(p.partition_id.clone()).or_default().push((p.min_block_number, p.max_block_number));
        }
        for ranges in blocks.values_mut() {
            ranges.sort_unstable();
            let mut joined: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
            for &(first, last) in ranges.iter() {
                match joined.last_mut() {
                    Some(prev) if first <= prev.1.saturating_add(1) => prev.1 = prev.1.max(last),
                    _ => joined.push((first, last)),
                }
            }
            *ranges = joined;
        }
        Snapshot { blocks }
    }

    /// Whether every block of `part` was in the snapshot.
    fn covers(&self, part: &Part) -> bool {
        let Some(ranges) = self.blocks.get(&part.partition_id) else { return false };
        // The last range starting at or before the part's first block.
        let i = ranges.partition_point(|&(first, _)| first <= part.min_block_number);
        i > 0 && ranges[i - 1].1 >= part.max_block_number
    }

    /// The names of the parts of `now` that may hold a row the snapshot did not.
    pub fn new_parts<'a>(&self, now: &'a [Part]) -> Vec<&'a str> {
        now.iter().filter(|p| !self.covers(p)).map(|p| p.name.as_str()).collect()
    }
}

/// The marker of a complete batch: written after its rows.
#[derive(Clone, Debug, Default, PartialEq, Row, Serialize, Deserialize)]
pub struct Done {
    pub window_ms: i64,
    /// The batch's rows' `ver`.
    pub ver: u64,
    pub orders: u64,
    /// The snapshot ([`Snapshot`], JSON) of `events`' blocks, taken before the pick.
    pub parts: String,
    /// A fingerprint of `orders`' parts then (`ch_days::fingerprint`): unchanged, no
    /// order arrived or changed.
    pub orders_parts: u64,
}

/// The active parts of `events`: what a snapshot is taken of, and what a report finds
/// the fresh ones among.
async fn events_parts(client: &clickhouse::Client) -> Result<Vec<Part>, ChError> {
    ch::timed(
        client
            .query(
                "SELECT partition_id, name, min_block_number, max_block_number FROM system.parts
                 WHERE database = currentDatabase() AND table = 'events' AND active",
            )
            .fetch_all::<Part>(),
    )
    .await
}

/// The active parts of `events`, and the fingerprint of those of `orders` (a batch's
/// marker holds both; a report needs the first only).
async fn parts_now(client: &clickhouse::Client) -> Result<(Vec<Part>, u64), ChError> {
    let (events, orders) = tokio::try_join!(
        events_parts(client),
        ch::timed(
            client
                .query(
                    "SELECT table, partition_id, name FROM system.parts
                     WHERE database = currentDatabase() AND table = 'orders' AND active",
                )
                .fetch_all::<(String, String, String)>()
        )
    )?;
    let partitions: Vec<(&str, String)> = orders.iter().map(|(_, p, _)| ("orders", p.clone())).collect();
    Ok((events, crate::ch_days::fingerprint(&partitions, &orders)))
}

/// The marker of the latest complete batch picked for `window_ms`.
async fn latest(client: &clickhouse::Client, window_ms: i64) -> Result<Option<Done>, ChError> {
    let done = ch::timed(
        client
            .query("SELECT ?fields FROM recent_picks_done WHERE window_ms = ? ORDER BY ver DESC LIMIT 1")
            .bind(window_ms)
            .fetch_all::<Done>(),
    )
    .await?;
    Ok(done.into_iter().next())
}

/// Picks every order not settled at `now_ms` (see `ch_picks::settled_bound`) into a new
/// batch, when the parts of `events` or `orders` changed since the latest batch; returns
/// how many orders it picked (`None`: nothing changed, no batch written).
pub async fn step(
    client: &clickhouse::Client,
    now_ms: i64,
    window_ms: i64,
    unshipped_from: Option<i64>,
) -> Result<Option<usize>, ChError> {
    // First: a row that arrives while the batch is picked is then in a part the
    // snapshot does not cover.
    let (parts, orders_parts) = parts_now(client).await?;
    let snapshot = serde_json::to_string(&Snapshot::of(&parts)).unwrap_or_default();
    let last = latest(client, window_ms).await?;
    if last.is_some_and(|d| d.parts == snapshot && d.orders_parts == orders_parts) {
        return Ok(None);
    }
    let from = ch_picks::settled_bound(now_ms, unshipped_from);
    let orders = ch::timed_within(
        QUERY_TIMEOUT,
        client.query("SELECT ?fields FROM orders FINAL WHERE created_at >= ?").bind(from).fetch_all::<OrderRow>(),
    )
    .await?;
    let mut random = [0u8; 8];
    // Without randomness (never seen on Linux), batches of one millisecond share a ver.
    let _ = getrandom::getrandom(&mut random);
    let ver = (now_ms.max(0) as u64).saturating_mul(VER_PER_MS) + u64::from_le_bytes(random) % VER_PER_MS;
    let theirs: Vec<&OrderRow> = orders.iter().collect();
    let picked = ch_picks::pick_into(client, "recent_picks", &theirs, i64::MAX, window_ms, ver).await?;
    let done = Done { window_ms, ver, orders: picked as u64, parts: snapshot, orders_parts };
    crate::ship::insert(client, "recent_picks_done", std::slice::from_ref(&done)).await?;
    drop_before(client, now_ms).await?;
    Ok(Some(picked))
}

/// The partition (`recent_picks`, `recent_picks_done`) of a batch's `ver`: its day.
pub const PARTITION: &str = "intDiv(ver, 86400000000)";

/// Drops the batches of the days before the one before `picked_ms` (the latest batch's
/// time): a report reads the latest only.
async fn drop_before(client: &clickhouse::Client, picked_ms: i64) -> Result<(), ChError> {
    let day = picked_ms.div_euclid(crate::stats::rollup::DAY_MS);
    let old: Vec<(String, i64)> = ch::timed(
        client
            .query(
                "SELECT DISTINCT table, toInt64(partition_id) AS day FROM system.parts
                 WHERE database = currentDatabase() AND table IN ('recent_picks', 'recent_picks_done') AND active
                   AND day < ?",
            )
            .bind(day - 1)
            .fetch_all(),
    )
    .await?;
    for (table, day) in old {
        ch::timed(client.query(&format!("ALTER TABLE {table} DROP PARTITION {day}")).execute()).await?;
    }
    Ok(())
}

/// A checkout in a part a batch did not see: what [`beaten`] compares with a pick.
#[derive(Clone, Debug, Default, PartialEq, Row, Deserialize)]
pub struct Arrived {
    pub event_id: String,
    pub creator_id: String,
    pub event_time: i64,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
}

/// Whether `o`, whose picks are `rows`, would be joined to `c` instead: `c` lies in its
/// window with its creator (when it names one) and its code, or its source (with its
/// medium and campaign when it has them), and comes after the checkout picked in that
/// role, as `stats::load::resolve` orders them (a code's before a source's; the
/// latest, then the greatest event id). An order picked `outside` or `undecided` had
/// none in its window: any one joins it. One picked [`NONE`] has no code or source.
pub fn beaten(o: &OrderRow, rows: &[KeptClick], c: &Arrived, window_ms: i64) -> bool {
    let (earliest, latest) = (o.created_at.saturating_sub(window_ms), o.created_at.saturating_add(CLOCK_SLACK_MS));
    if !(earliest..=latest).contains(&c.event_time) || o.creator_id.as_ref().is_some_and(|id| *id != c.creator_id) {
        return false;
    }
    let same = |want: &Option<String>, got: &Option<String>| want.is_none() || want == got;
    let by_code = o.coupon.as_ref().zip(c.coupon.as_ref()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
    let by_source = o.utm_source.is_some()
        && o.utm_source == c.utm_source
        && same(&o.utm_medium, &c.utm_medium)
        && same(&o.utm_campaign, &c.utm_campaign);
    let picked = |role: &str| rows.iter().filter(|r| r.role == role).map(|r| (r.event_time, r.event_id.as_str())).max();
    let later = |than: Option<(i64, &str)>| than.is_none_or(|p| (c.event_time, c.event_id.as_str()) > p);
    if rows.iter().any(|r| r.role == "code") {
        by_code && later(picked("code"))
    } else if rows.iter().any(|r| r.role == "source") {
        by_code || (by_source && later(picked("source")))
    } else if rows.iter().any(|r| r.role == NONE) {
        false
    } else {
        by_code || by_source
    }
}

/// What the latest batch decides for some of a report's orders.
#[derive(Default)]
pub struct Decided<'a> {
    /// The orders whose picks decide their join.
    pub joins: KeptJoins,
    /// Those picked `undecided`: whether a checkout lies outside their windows is asked
    /// by the report, as for settled ones.
    pub undecided: Vec<&'a OrderRow>,
    /// The others: joined live.
    pub live: Vec<&'a OrderRow>,
}

impl<'a> Decided<'a> {
    /// Decides the orders `picked` (each with its rows in the batch) given the checkouts
    /// `arrived` since it: joined live if one beats its pick, else by its rows.
    pub fn add(&mut self, picked: Vec<(&'a OrderRow, Arc<Picked>)>, arrived: &[Arrived], window_ms: i64) {
        let arrived = Arrivals::of(arrived);
        for (o, picked) in picked {
            if arrived.for_order(o).any(|c| beaten(o, &picked.rows, c, window_ms)) {
                self.live.push(o);
                continue;
            }
            match &picked.join {
                Some(join) => {
                    self.joins.insert(&o.provider, o.order_id.clone(), join.clone());
                }
                None => self.undecided.push(o),
            }
        }
    }
}

/// Decides `orders` (a report's) from the latest batch picked for `window_ms` and the
/// checkouts that arrived since; the batch's rows are recalled from `remembered` when
/// an earlier report read them, and remembered when read.
pub async fn decide<'a>(
    client: &clickhouse::Client,
    orders: Vec<&'a OrderRow>,
    window_ms: i64,
    remembered: Option<&Remembered>,
) -> Result<Decided<'a>, ChError> {
    let Some(done) = (if orders.is_empty() { None } else { latest(client, window_ms).await? }) else {
        return Ok(Decided { live: orders, ..Decided::default() });
    };
    let Ok(snapshot) = serde_json::from_str::<Snapshot>(&done.parts) else {
        tracing::warn!(ver = done.ver, "recent picks: a batch's snapshot is unreadable; its orders are joined live");
        return Ok(Decided { live: orders, ..Decided::default() });
    };
    // The rows remembered from an earlier report on this batch; the others' are read,
    // for the time spans that hold them.
    let recalled = match remembered {
        Some(r) => r.recall_batch(&orders, done.ver, window_ms),
        None => vec![None; orders.len()],
    };
    let to_read = recalled.iter().filter(|r| r.is_none()).count();
    let spans =
        crate::ch_checkouts::spans_of(orders.iter().zip(&recalled).map(|(o, r)| (o.created_at, r.is_none())).collect());
    let read = async {
        if spans.is_empty() {
            return Ok(ch_picks::Kept::default());
        }
        let within = vec!["created_at >= ? AND created_at < ?"; spans.len()].join(" OR ");
        let mut query = client
            .query(&format!("SELECT ?fields FROM recent_picks WHERE ver = ? AND window_ms = ? AND ({within})"))
            .bind(done.ver)
            .bind(window_ms);
        for &(from, to) in spans.iter() {
            query = query.bind(from).bind(to);
        }
        ch_picks::Kept::read(query, to_read).await
    };
    let (parts, mut kept) = tokio::try_join!(events_parts(client), read)?;
    let mut decided = Decided::default();
    let mut picked: Vec<(&OrderRow, Arc<Picked>)> = Vec::with_capacity(orders.len());
    let mut read_now = Vec::with_capacity(to_read);
    for (o, recalled) in orders.into_iter().zip(recalled) {
        let rows = match recalled {
            Some(rows) => rows,
            None => match kept.take(o) {
                Some(rows) => {
                    let rows = Arc::new(Picked::of(rows));
                    read_now.push((o, rows.clone()));
                    rows
                }
                None => {
                    decided.live.push(o);
                    continue;
                }
            },
        };
        picked.push((o, rows));
    }
    drop(kept);
    if let Some(r) = remembered {
        r.remember_batch(read_now, done.ver, window_ms);
    }
    let fresh = snapshot.new_parts(&parts);
    let arrived = arrived(client, &fresh, &picked, window_ms).await?;
    decided.add(picked, &arrived, window_ms);
    tracing::debug!(
        read = to_read,
        fresh_parts = fresh.len(),
        arrived = arrived.len(),
        decided = decided.joins.len() + decided.undecided.len(),
        live = decided.live.len(),
        "stats: recent picks"
    );
    Ok(decided)
}

/// The checkouts in the parts `fresh` with a code or source of `picked`'s orders, in
/// their windows.
async fn arrived(
    client: &clickhouse::Client,
    fresh: &[&str],
    picked: &[(&OrderRow, Arc<Picked>)],
    window_ms: i64,
) -> Result<Vec<Arrived>, ChError> {
    let orders: Vec<&OrderRow> = picked.iter().map(|(o, _)| *o).collect();
    let (codes, sources) = crate::ch_checkouts::values_of(&orders);
    let (Some(first), Some(last)) =
        (orders.iter().map(|o| o.created_at).min(), orders.iter().map(|o| o.created_at).max())
    else {
        return Ok(Vec::new());
    };
    if fresh.is_empty() || (codes.is_empty() && sources.is_empty()) {
        return Ok(Vec::new());
    }
    let marks = |n: usize| vec!["?"; n].join(", ");
    let one_of = |column: &str, n: usize| if n == 0 { "0".to_owned() } else { format!("{column} IN ({})", marks(n)) };
    let sql = format!(
        "SELECT ?fields FROM events WHERE _part IN ({}) AND name = 'begin_checkout'
           AND event_time >= ? AND event_time <= ? AND ({} OR {})",
        marks(fresh.len()),
        one_of("lower(ifNull(coupon, ''))", codes.len()),
        one_of("ifNull(utm_source, '')", sources.len())
    );
    let mut query = client.query(&sql);
    for part in fresh {
        query = query.bind(*part);
    }
    query = query.bind(first.saturating_sub(window_ms)).bind(last.saturating_add(CLOCK_SLACK_MS));
    for value in codes.iter().chain(&sources) {
        query = query.bind(value.as_str());
    }
    ch::timed_within(ch::REQUEST_TIMEOUT, query.fetch_all::<Arrived>()).await
}

/// The arrived checkouts by code (without case) and by source.
struct Arrivals<'a> {
    by_code: HashMap<String, Vec<&'a Arrived>>,
    by_source: HashMap<&'a str, Vec<&'a Arrived>>,
}

impl<'a> Arrivals<'a> {
    fn of(arrived: &'a [Arrived]) -> Self {
        let mut by_code: HashMap<String, Vec<&Arrived>> = HashMap::default();
        let mut by_source: HashMap<&str, Vec<&Arrived>> = HashMap::default();
        for c in arrived {
            if let Some(code) = &c.coupon {
                by_code.entry(code.to_ascii_lowercase()).or_default().push(c);
            }
            if let Some(source) = &c.utm_source {
                by_source.entry(source.as_str()).or_default().push(c);
            }
        }
        Arrivals { by_code, by_source }
    }

    /// Those with `o`'s code or source.
    fn for_order(&self, o: &OrderRow) -> impl Iterator<Item = &'a Arrived> + '_ {
        let code = o.coupon.as_ref().and_then(|code| self.by_code.get(&code.to_ascii_lowercase()));
        let source = o.utm_source.as_deref().and_then(|source| self.by_source.get(source));
        code.into_iter().chain(source).flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(partition: &str, first: i64, last: i64) -> Part {
        Part {
            partition_id: partition.into(),
            name: format!("{partition}_{first}_{last}_1"),
            min_block_number: first,
            max_block_number: last,
        }
    }

    #[test]
    fn a_part_is_new_unless_the_snapshots_parts_held_all_its_blocks() {
        let snapshot =
            Snapshot::of(&[part("20702", 0, 0), part("20702", 1, 3), part("20702", 5, 5), part("20703", 0, 4)]);
        let now = [
            part("20702", 0, 3), // merged from parts seen: nothing new
            part("20702", 5, 5), // seen
            part("20702", 6, 6), // inserted since
            part("20702", 3, 5), // across block 4, which the snapshot lacked (in flight then?)
            part("20703", 1, 2), // inside a part seen (mutated)
            part("20704", 0, 0), // a partition the snapshot had not
        ];
        assert_eq!(snapshot.new_parts(&now), ["20702_6_6_1", "20702_3_5_1", "20704_0_0_1"]);
        let json = serde_json::to_string(&snapshot).expect("json");
        assert_eq!(serde_json::from_str::<Snapshot>(&json).expect("read back"), snapshot, "kept as JSON");
    }

    fn order(code: Option<&str>, source: Option<&str>) -> OrderRow {
        OrderRow {
            provider: "stripe".into(),
            order_id: "cs_1".into(),
            created_at: 100_000_000,
            coupon: code.map(str::to_owned),
            utm_source: source.map(str::to_owned),
            utm_medium: source.map(|_| "story".to_owned()),
            creator_id: Some("juno".into()),
            ..OrderRow::default()
        }
    }

    fn row(role: &str, id: &str, time: i64) -> KeptClick {
        KeptClick { role: role.into(), event_id: id.into(), event_time: time, ..KeptClick::default() }
    }

    fn checkout(id: &str, time: i64, code: Option<&str>, source: Option<&str>) -> Arrived {
        Arrived {
            event_id: id.into(),
            creator_id: "juno".into(),
            event_time: time,
            coupon: code.map(str::to_owned),
            utm_source: source.map(str::to_owned),
            utm_medium: source.map(|_| "story".to_owned()),
            ..Arrived::default()
        }
    }

    #[test]
    fn a_checkout_that_arrived_rejoins_an_order_only_where_it_beats_the_pick() {
        let window = 60_000_000;
        let (at, start, end) = (100_000_000, 40_000_000, 100_000_000 + CLOCK_SLACK_MS);
        let coded = order(Some("JUNO15"), Some("reel"));
        let by_code = [row("code", "co-5", 90_000_000)];
        let beats = |o: &OrderRow, rows: &[KeptClick], c: Arrived| beaten(o, rows, &c, window);
        assert!(beats(&coded, &by_code, checkout("co-6", 95_000_000, Some("juno15"), None)), "later, without case");
        assert!(beats(&coded, &by_code, checkout("co-6", 90_000_000, Some("JUNO15"), None)), "same time, greater id");
        assert!(!beats(&coded, &by_code, checkout("co-5", 90_000_000, Some("JUNO15"), None)), "the one picked");
        assert!(!beats(&coded, &by_code, checkout("co-1", 90_000_000, Some("JUNO15"), None)), "same time, smaller id");
        assert!(!beats(&coded, &by_code, checkout("co-6", 80_000_000, Some("JUNO15"), None)), "earlier");
        assert!(!beats(&coded, &by_code, checkout("co-6", end + 1, Some("JUNO15"), None)), "after its window");
        assert!(beats(&coded, &by_code, checkout("co-6", end, Some("JUNO15"), None)), "its window's last instant");
        assert!(!beats(&coded, &by_code, checkout("co-6", 95_000_000, None, Some("reel"))), "a code's pick holds");
        let other = Arrived { creator_id: "mika".into(), ..checkout("co-6", 95_000_000, Some("JUNO15"), None) };
        assert!(!beats(&coded, &by_code, other), "another creator's");
        let by_source = [row("source", "rl-5", 90_000_000)];
        assert!(beats(&coded, &by_source, checkout("co-1", 50_000_000, Some("JUNO15"), None)), "any code beats it");
        assert!(beats(&coded, &by_source, checkout("rl-6", 95_000_000, None, Some("reel"))), "a later source");
        assert!(!beats(&coded, &by_source, checkout("rl-1", 85_000_000, None, Some("reel"))), "an earlier source");
        let clip = Arrived { utm_medium: Some("clip".into()), ..checkout("rl-6", 95_000_000, None, Some("reel")) };
        assert!(!beats(&coded, &by_source, clip), "another medium");
        for role in ["outside", ch_picks::UNDECIDED] {
            let rows = [row(role, "", 0)];
            assert!(beats(&coded, &rows, checkout("co-1", start, Some("juno15"), None)), "{role}: its window's first");
            assert!(!beats(&coded, &rows, checkout("co-1", start - 1, Some("juno15"), None)), "{role}: before it");
            assert!(beats(&coded, &rows, checkout("rl-1", at, None, Some("reel"))), "{role}: by source");
        }
        let nothing = order(None, None);
        assert!(!beats(&nothing, &[row(NONE, "", 0)], checkout("co-1", at, Some("JUNO15"), Some("reel"))));
    }

    mod sequences {
        use super::*;
        use crate::stats_source::CopiedEvent;
        use proptest::prelude::*;

        const CODES: [Option<&str>; 3] = [Some("JUNO15"), Some("juno15"), None];
        const SOURCES: [Option<&str>; 2] = [Some("reel"), None];
        const CREATORS: [&str; 2] = ["juno", "mika"];

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            /// Checkouts arrive in any order, and a batch is picked after some of them:
            /// an order none of the later ones beats (`Decided::add`) is decided from the
            /// batch as it would be from a pick taken after all of them; an undecided one
            /// has no click then either (the report asks whether one lies outside).
            #[test]
            fn an_order_no_later_checkout_beats_keeps_the_join_of_a_pick_taken_after_all(
                checkouts in proptest::collection::vec((0u16..600, 0..CODES.len(), 0..SOURCES.len(), 0..CREATORS.len()), 0..30),
                orders in proptest::collection::vec((0u16..600, 0..CODES.len() + 1, 0..SOURCES.len(), proptest::option::of(0..CREATORS.len())), 1..8),
                seen in 0usize..31,
            ) {
                let window = 120 * 60_000;
                let all: Vec<CopiedEvent> = checkouts
                    .iter()
                    .enumerate()
                    .map(|(i, &(minute, code, source, creator))| CopiedEvent {
                        event_id: format!("c{i:02}"),
                        name: "begin_checkout".into(),
                        creator_id: CREATORS[creator].into(),
                        event_time: i64::from(minute % 300) * 60_000,
                        coupon: CODES[code].map(str::to_owned),
                        utm_source: SOURCES[source].map(str::to_owned),
                        utm_medium: SOURCES[source].map(|_| "clip".to_owned()),
                        ..CopiedEvent::default()
                    })
                    .collect();
                let orders: Vec<OrderRow> = orders
                    .iter()
                    .enumerate()
                    .map(|(i, &(minute, code, source, creator))| OrderRow {
                        provider: "shopify".into(),
                        order_id: format!("o{i}"),
                        creator_id: creator.map(|c| CREATORS[c].to_owned()),
                        created_at: i64::from(minute) * 60_000,
                        coupon: CODES.get(code).copied().unwrap_or(Some("NOBODY")).map(str::to_owned),
                        utm_source: SOURCES[source].map(str::to_owned),
                        ..OrderRow::default()
                    })
                    .collect();
                let refs: Vec<&OrderRow> = orders.iter().collect();
                let rows = |checkouts: &[CopiedEvent]| -> Vec<Vec<KeptClick>> {
                    let picks = crate::ch_checkouts::picks_of(checkouts, &refs, window);
                    let rows = ch_picks::rows_of(&refs, picks, checkouts, window, 1);
                    refs.iter()
                        .map(|o| rows.iter().filter(|r| r.order_id == o.order_id).cloned().map(Into::into).collect())
                        .collect()
                };
                let seen = seen.min(all.len());
                let batch = rows(&all[..seen]);
                let after_all = rows(&all);
                let arrived: Vec<Arrived> = all[seen..]
                    .iter()
                    .map(|c| Arrived {
                        event_id: c.event_id.clone(),
                        creator_id: c.creator_id.clone(),
                        event_time: c.event_time,
                        coupon: c.coupon.clone(),
                        utm_source: c.utm_source.clone(),
                        utm_medium: c.utm_medium.clone(),
                        utm_campaign: c.utm_campaign.clone(),
                    })
                    .collect();
                let mut decided = Decided::default();
                decided.add(refs.iter().copied().zip(batch.into_iter().map(|rows| Arc::new(Picked::of(rows)))).collect(), &arrived, window);
                for (o, rows) in refs.iter().zip(after_all) {
                    let now = ch_picks::join_of(&rows);
                    if let Some(join) = decided.joins.get(&o.provider, &o.order_id) {
                        prop_assert_eq!(Some(join), now.as_ref(), "{}", o.order_id);
                    } else if decided.undecided.iter().any(|u| u.order_id == o.order_id) {
                        prop_assert!(now.is_none_or(|j| j.click.is_none()), "{}", o.order_id);
                    } else {
                        prop_assert!(decided.live.iter().any(|l| l.order_id == o.order_id));
                    }
                }
            }
        }
    }
}
