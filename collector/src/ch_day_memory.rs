//! The day counts a collector read for its reports (`event_days`, `recent_days`,
//! `purchase_days`, `recent_purchases`), remembered by the marker they were read under.
//!
//! - **Why**: a season's report at 10^8 events read 412,000 rows of `event_days` and
//!   310,000 of `purchase_days` with `FINAL` at every report, with each key's texts:
//!   about 1.1 s of ClickHouse's time (0.3 and 0.55 s for the counts, 0.14 and 0.2 s for
//!   the texts), on the two cores the collector needs for the rest of the report.
//! - **Why it is safe**: a day's rows are read only under its marker (`event_days_done`
//!   and the others), which a count writes after its rows, with the count's `ver`, and
//!   for the recent tables the fingerprint of the parts it read. A day counted again has
//!   a new marker; the same marker stands for the same count. So the rows read once
//!   under a marker, checked against it (`ch_days::counted_rows`), are the rows to read
//!   under that marker at every report. A row's key is a hash of its texts, so a key's
//!   texts never change.
//! - **What is read again**: every marker (a few bytes a day), the rows of the days whose
//!   marker is not the one remembered, and, for purchases, the moves (which purchases
//!   counted unconfirmed an order confirms now: that depends on the orders, not on the
//!   count).
//! - **The limit**: [`MAX_REMEMBERED_DAY_ROWS`] rows per table (40 bytes each); full, a
//!   memory forgets its oldest days first (reports ask for recent ranges most).

use crate::ch_days::{DayCount, DoneDays, Texts};
use crate::ch_purchases::UnconfirmedPurchase;
use crate::clickhouse::{DayDone, PurchaseDayDone, RecentDone, RecentPurchasesDone};
use crate::stats::rollup::{DayRow, PurchaseRow};
use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The rows a memory holds of one table, at most: a season at 10^8 events has 412,000
/// in `event_days`, so this holds about four seasons (80 MB).
pub const MAX_REMEMBERED_DAY_ROWS: usize = 2_000_000;

/// The keys whose texts a memory holds, at most (a season at 10^8 events has 5,088 in
/// `event_days`); past it, the memory starts again empty.
pub const MAX_REMEMBERED_KEYS: usize = 200_000;

/// A day's marker: the same marker read again stands for the same rows.
pub trait DayMarker: Clone + PartialEq + Send {
    fn day(&self) -> i64;
}

/// Every marker keeps its day in its `day` field.
macro_rules! day_markers {
    ($($marker:ty),*) => {
        $(impl DayMarker for $marker {
            fn day(&self) -> i64 {
                self.day
            }
        })*
    };
}

day_markers!(DayDone, RecentDone, PurchaseDayDone, RecentPurchasesDone);

/// What a collector remembers of one table's day counts: per day, the marker and the
/// rows read under it; per key, its texts.
#[derive(Debug)]
pub struct DayMemory<M, T> {
    held: Mutex<Held<M, T>>,
}

#[derive(Debug)]
struct Held<M, T> {
    days: BTreeMap<i64, (M, Arc<[DayCount]>)>,
    texts: foldhash::HashMap<[u8; 16], T>,
    rows: usize,
}

impl<M, T> Default for DayMemory<M, T> {
    fn default() -> Self {
        DayMemory { held: Mutex::new(Held { days: BTreeMap::new(), texts: Default::default(), rows: 0 }) }
    }
}

impl<M: DayMarker, T: Texts + Clone> DayMemory<M, T> {
    /// How many days it holds.
    pub fn days_held(&self) -> usize {
        lock(&self.held).days.len()
    }

    /// The rows of the days of `markers` remembered under that very marker, as
    /// `ch_days::counted_rows` read them, and the markers of the other days (to read).
    pub fn recall(&self, markers: &[M]) -> (DoneDays<T>, Vec<M>) {
        let held = lock(&self.held);
        let mut done = DoneDays::default();
        let mut missing = Vec::new();
        for m in markers {
            match held.days.get(&m.day()) {
                Some((marker, counts)) if marker == m => {
                    for c in counts.iter() {
                        // (Held with its day: `remember` takes a day only with every key's
                        // texts, and forgets texts only with every day.)
                        if let (Entry::Vacant(slot), Some(texts)) = (done.texts.entry(c.key), held.texts.get(&c.key)) {
                            slot.insert(texts.clone());
                        }
                    }
                    done.counts.extend_from_slice(counts);
                    done.days.insert(m.day());
                }
                _ => missing.push(m.clone()),
            }
        }
        (done, missing)
    }

    /// Remembers the rows `read` holds of each day it read done under its marker among
    /// `markers` (replacing what the day held), with their keys' texts.
    pub fn remember(&self, markers: &[M], read: &DoneDays<T>) {
        let mut by_day: BTreeMap<i64, Vec<DayCount>> = BTreeMap::new();
        for c in &read.counts {
            by_day.entry(c.day).or_default().push(c.clone());
        }
        let mut held = lock(&self.held);
        for m in markers.iter().filter(|m| read.days.contains(&m.day())) {
            let counts = by_day.remove(&m.day()).unwrap_or_default();
            let texts: Option<foldhash::HashMap<[u8; 16], &T>> =
                counts.iter().map(|c| Some((c.key, read.texts.get(&c.key)?))).collect();
            let Some(texts) = texts else { continue };
            let new_keys = texts.keys().filter(|k| !held.texts.contains_key(*k)).count();
            if held.texts.len() + new_keys > MAX_REMEMBERED_KEYS {
                *held = Held { days: BTreeMap::new(), texts: Default::default(), rows: 0 };
            }
            for (key, t) in texts {
                held.texts.entry(key).or_insert_with(|| t.clone());
            }
            held.rows += counts.len();
            if let Some((_, before)) = held.days.insert(m.day(), (m.clone(), counts.into())) {
                held.rows -= before.len();
            }
            if held.rows > MAX_REMEMBERED_DAY_ROWS {
                // The oldest days first, down to half, rather than one day per new one.
                while held.rows > MAX_REMEMBERED_DAY_ROWS / 2 {
                    let Some((_, (_, oldest))) = held.days.pop_first() else { break };
                    held.rows -= oldest.len();
                }
            }
        }
    }

    /// How many days are remembered.
    pub fn days(&self) -> usize {
        lock(&self.held).days.len()
    }
}

/// The memories of the four tables of day counts a report reads.
#[derive(Debug, Default)]
pub struct DayMemories {
    pub event_days: DayMemory<DayDone, DayRow>,
    pub recent_days: DayMemory<RecentDone, DayRow>,
    pub purchase_days: PurchaseMemory<PurchaseDayDone>,
    pub recent_purchases: PurchaseMemory<RecentPurchasesDone>,
}

/// What a collector remembers of a table of purchase counts: its rows, and the moves
/// out of them (`ch_purchases::DonePurchases::moves`).
#[derive(Debug, Default)]
pub struct PurchaseMemory<M> {
    pub rows: DayMemory<M, PurchaseRow>,
    pub moves: MovesMemory<M>,
}

/// The rows of moves a memory holds, at most (a season at 10^8 events has none in its
/// settled days and 33,000 in its recent ones).
pub const MAX_REMEMBERED_MOVES: usize = 1_000_000;

/// The purchases counted unconfirmed that an order confirms, asked per day: by the
/// day's marker (its unconfirmed purchases) and the orders' ids they were asked against
/// ([`OrderIds`]). Asking built the set of every order's id and scanned the days'
/// unconfirmed purchases: at 10^8 events, 0.25 s of ClickHouse's time for a season's
/// settled days and as much for its recent ones, at every report. Any order stored
/// since (or any copy merged away) asks again.
#[derive(Debug)]
pub struct MovesMemory<M> {
    held: Mutex<(AskedMoves<M>, usize)>,
}

impl<M> Default for MovesMemory<M> {
    fn default() -> Self {
        MovesMemory { held: Mutex::new((BTreeMap::new(), 0)) }
    }
}

/// Per day: the marker and orders' ids its moves were asked under, and the moves.
type AskedMoves<M> = BTreeMap<i64, (M, OrderIds, Arc<[UnconfirmedPurchase]>)>;

/// What the orders stored confirm purchases by, in a few numbers: how many copies, and
/// the sums of their ids' hashes and of their click ids' (`ch_purchases::Confirming`).
/// Another order, another copy or one merged away changes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clickhouse::Row, serde::Deserialize)]
pub struct OrderIds {
    pub copies: u64,
    pub ids: u64,
    pub click_ids: u64,
}

impl<M: DayMarker> MovesMemory<M> {
    /// The moves of the days of `markers` asked under that very marker against `ids`,
    /// and the markers of the other days (to ask).
    pub fn recall(&self, markers: &[M], ids: OrderIds) -> (Vec<UnconfirmedPurchase>, Vec<M>) {
        let held = lock(&self.held);
        let mut moves = Vec::new();
        let mut missing = Vec::new();
        for m in markers {
            match held.0.get(&m.day()) {
                Some((marker, asked, rows)) if marker == m && *asked == ids => moves.extend_from_slice(rows),
                _ => missing.push(m.clone()),
            }
        }
        (moves, missing)
    }

    /// Remembers `moves`, asked for the days of `markers` against `ids`.
    pub fn remember(&self, markers: &[M], ids: OrderIds, moves: &[UnconfirmedPurchase]) {
        let mut by_day: BTreeMap<i64, Vec<UnconfirmedPurchase>> = BTreeMap::new();
        for m in moves {
            by_day.entry(m.day).or_default().push(m.clone());
        }
        let mut held = lock(&self.held);
        let (days, rows) = &mut *held;
        for m in markers {
            let moves = by_day.remove(&m.day()).unwrap_or_default();
            *rows += moves.len();
            if let Some((.., before)) = days.insert(m.day(), (m.clone(), ids, moves.into())) {
                *rows -= before.len();
            }
            if *rows > MAX_REMEMBERED_MOVES {
                while *rows > MAX_REMEMBERED_MOVES / 2 {
                    let Some((_, (.., oldest))) = days.pop_first() else { break };
                    *rows -= oldest.len();
                }
            }
        }
    }
}

/// [`DayMemory::recall`] when there is a memory; otherwise nothing is recalled.
pub fn recall<M: DayMarker, T: Texts + Clone>(
    memory: Option<&DayMemory<M, T>>,
    markers: &[M],
) -> (DoneDays<T>, Vec<M>) {
    match memory {
        Some(memory) => memory.recall(markers),
        None => (DoneDays::default(), markers.to_vec()),
    }
}

/// The memory's state, whatever a thread that panicked holding it left (each day is
/// written whole, with its texts first).
fn lock<T>(memory: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A row's texts as a test needs them.
    #[derive(Clone, Debug, PartialEq, clickhouse::Row, serde::Deserialize)]
    struct Named {
        key: [u8; 16],
        name: String,
    }

    impl Texts for Named {
        const COLUMNS: &'static str = "key, name";
        fn key(&self) -> [u8; 16] {
            self.key
        }
    }

    fn marker(day: i64, ver: u64) -> DayDone {
        DayDone { day, groups: 2, events: 5, ver }
    }

    /// What `counted_rows` reads of `days`: two keys a day (one shared by every day), all
    /// with their texts unless `without_texts`.
    fn read(days: &[i64], without_texts: Option<i64>) -> DoneDays<Named> {
        let mut done = DoneDays::default();
        for &day in days {
            for (key, events) in [([1; 16], 2), ([day as u8 + 10; 16], 3)] {
                done.counts.push(DayCount { day, key, first_time: day * 1000 + events as i64, events });
                if without_texts != Some(day) {
                    done.texts.insert(key, Named { key, name: format!("key {}", key[0]) });
                }
            }
            done.days.insert(day);
        }
        done
    }

    fn days_of(done: &DoneDays<Named>) -> Vec<i64> {
        let mut days: Vec<i64> = done.days.iter().copied().collect();
        days.sort_unstable();
        days
    }

    #[test]
    fn a_days_rows_are_recalled_under_the_marker_they_were_read_under_only() {
        let memory = DayMemory::<DayDone, Named>::default();
        let markers = [marker(1, 10), marker(2, 10), marker(3, 10)];
        // Day 3 was read without being done (its rows did not match its marker yet).
        let mut first = read(&[1, 2, 3], None);
        first.days.remove(&3);
        memory.remember(&markers, &first);
        assert_eq!(memory.days(), 2);
        // Day 2 counted again since (a new `ver`), day 4 never read.
        let now = [marker(1, 10), marker(2, 11), marker(3, 10), marker(4, 10)];
        let (recalled, missing) = memory.recall(&now);
        assert_eq!(days_of(&recalled), [1]);
        assert_eq!(missing, [marker(2, 11), marker(3, 10), marker(4, 10)]);
        let want = read(&[1], None);
        assert_eq!(recalled.counts, want.counts);
        let texts: HashSet<[u8; 16]> = recalled.texts.keys().copied().collect();
        assert_eq!(texts, HashSet::from([[1; 16], [11; 16]]), "the texts of its keys only");
        assert_eq!(recalled.texts[&[11; 16]].name, "key 11");
        // The new count replaces the old one's rows.
        memory.remember(&now, &read(&[2, 3, 4], None));
        let (recalled, missing) = memory.recall(&now);
        assert_eq!((days_of(&recalled), missing), (vec![1, 2, 3, 4], vec![]));
        assert_eq!(recalled.counts.len(), 8);
        assert_eq!(memory.recall(&[marker(2, 10)]).1, [marker(2, 10)], "the old count is gone");
    }

    #[test]
    fn a_day_read_without_every_keys_texts_is_not_remembered() {
        let memory = DayMemory::<DayDone, Named>::default();
        let markers = [marker(1, 10), marker(2, 10)];
        memory.remember(&markers, &read(&[1, 2], Some(2)));
        let (recalled, missing) = memory.recall(&markers);
        assert_eq!((days_of(&recalled), missing), (vec![1], vec![marker(2, 10)]));
    }

    #[test]
    fn a_full_memory_forgets_its_oldest_days_first() {
        let memory = DayMemory::<DayDone, Named>::default();
        let per_day = MAX_REMEMBERED_DAY_ROWS / 4;
        let big = |day: i64| {
            let mut done = DoneDays::default();
            let key = [day as u8; 16];
            done.counts = vec![DayCount { day, key, first_time: 0, events: 1 }; per_day];
            done.texts.insert(key, Named { key, name: String::new() });
            done.days.insert(day);
            done
        };
        for day in [5, 1, 3, 2] {
            memory.remember(&[marker(day, 1)], &big(day));
        }
        assert_eq!(memory.days(), 4, "full, not over");
        memory.remember(&[marker(4, 1)], &big(4));
        let all: Vec<DayDone> = (1..=5).map(|d| marker(d, 1)).collect();
        let (recalled, _) = memory.recall(&all);
        assert_eq!(days_of(&recalled), [4, 5], "down to half, the oldest first");
    }

    fn moved(day: i64, event_id: &str) -> UnconfirmedPurchase {
        UnconfirmedPurchase { day, event_id: event_id.into(), ..UnconfirmedPurchase::default() }
    }

    #[test]
    fn a_days_moves_are_recalled_under_its_marker_and_the_orders_ids_they_were_asked_against_only() {
        let memory = MovesMemory::<PurchaseDayDone>::default();
        let day = |day: i64, ver: u64| PurchaseDayDone { day, groups: 1, events: 3, unconfirmed: 2, ver };
        let ids = OrderIds { copies: 10, ids: 77, click_ids: 5 };
        let markers = [day(1, 10), day(2, 10), day(3, 10)];
        // Day 3 has none: remembered as none.
        memory.remember(&markers, ids, &[moved(1, "a"), moved(2, "b"), moved(1, "c")]);
        let (moves, missing) = memory.recall(&markers, ids);
        let mut events: Vec<&str> = moves.iter().map(|m| m.event_id.as_str()).collect();
        events.sort_unstable();
        assert_eq!((events, missing), (vec!["a", "b", "c"], vec![]));
        // Another order (or copy) since, or the day counted again: asked again.
        for other in [OrderIds { copies: 11, ..ids }, OrderIds { ids: 78, ..ids }, OrderIds { click_ids: 6, ..ids }] {
            assert_eq!(memory.recall(&markers, other), (vec![], markers.to_vec()), "{other:?}");
        }
        let recounted = [day(1, 11), day(2, 10)];
        assert_eq!(memory.recall(&recounted, ids), (vec![moved(2, "b")], vec![day(1, 11)]));
        // Asked again, it replaces what the day held.
        memory.remember(&recounted[..1], ids, &[]);
        assert_eq!(memory.recall(&recounted, ids), (vec![moved(2, "b")], vec![]));
    }
}
