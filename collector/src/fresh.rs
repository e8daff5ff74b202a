//! Events the writer has just committed, handed to the shipper in memory.
//!
//! Shipping a live collector's events meant reading back from SQLite, column by column,
//! rows the writer had in memory a moment before: about a quarter of shipping's CPU on
//! the core ingest needs (`docs/collector.md`, Benchmark). So the writer, once a group
//! has committed, moves its accepted events here with their rowids instead of dropping
//! them, and the shipper takes them from here for the part of a block they cover.
//!
//! SQLite stays the outbox and the truth: what is here is only ever a copy of committed
//! rows, field for field what [`crate::ship::each_event`] reads back (a test holds the
//! two to each other), so a block sends the same bytes whichever way its rows came, and
//! a resend, which always reads SQLite, sends the same block again. Whatever is not
//! here (after a restart, past the bound while ClickHouse is down, a row that raced the
//! shipper's plan) is read from SQLite as before.

use crate::clickhouse::{self as ch, EventRow};
use crate::event::Event;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// An event as the writer committed it.
pub struct Committed {
    /// Its rowid in SQLite's `events`.
    pub id: i64,
    /// Its batch's client (the day's salted hash of the sender), shared by the batch.
    pub client: Option<Arc<str>>,
    pub event: Event,
}

/// An optional text as the row borrows it.
fn text(t: &Option<String>) -> Option<Cow<'_, str>> {
    t.as_deref().map(Cow::Borrowed)
}

impl Committed {
    /// The row as shipped: what `ship::each_event` reads back from SQLite for it.
    pub fn row(&self) -> EventRow<'_> {
        let e = &self.event;
        EventRow {
            event_id: Cow::Borrowed(&e.event_id),
            name: Cow::Borrowed(e.name),
            creator_id: Cow::Borrowed(&e.creator_id),
            event_time: e.event_time,
            occurred_at: e.occurred_at,
            sent_at: e.sent_at,
            received_at: e.received_at,
            page_load_id: text(&e.page_load_id),
            seq: e.seq.map(i64::from),
            client: self.client.as_deref().map(Cow::Borrowed),
            utm_source: text(&e.utm_source),
            utm_medium: text(&e.utm_medium),
            utm_campaign: text(&e.utm_campaign),
            utm_content: text(&e.utm_content),
            utm_term: text(&e.utm_term),
            ref_tag: text(&e.ref_tag),
            referrer_host: text(&e.referrer_host),
            platform_click_ids: text(&e.platform_click_ids),
            path: text(&e.path),
            locale: text(&e.locale),
            time_zone: text(&e.time_zone),
            in_app_browser: text(&e.in_app_browser),
            promotion_id: text(&e.promotion_id),
            popup_id: text(&e.popup_id),
            item_list_id: text(&e.item_list_id),
            currency: text(&e.currency),
            value: e.value,
            // Ingest stores integers only; the flag is for rows older than the limits.
            value_unreadable: 0,
            coupon: text(&e.coupon),
            transaction_id: text(&e.transaction_id),
            items: text(&e.items),
            click_id: text(&e.click_id),
            destination_host: text(&e.destination_host),
            affiliate: text(&e.affiliate),
            ver: ch::first_wins(e.received_at),
        }
    }
}

/// The committed events not yet taken, as one unbroken run of rowids and at most
/// `bound` of them: an event is kept only when it follows the last one kept (or nothing
/// is kept) and there is room, so a run never has a hole the shipper could send across.
/// Whatever is left out is read from SQLite when its block comes.
pub struct Fresh {
    bound: usize,
    run: Mutex<VecDeque<Committed>>,
}

impl Fresh {
    /// Keeps at most `bound` events (the shipper's block size is the natural bound: a
    /// shipper that keeps up takes them within a round; one that does not reads SQLite).
    pub fn new(bound: usize) -> Fresh {
        Fresh { bound: bound.max(1), run: Mutex::new(VecDeque::new()) }
    }

    /// Keeps committed events, in rowid order.
    pub fn add(&self, events: impl IntoIterator<Item = Committed>) {
        let mut run = self.run.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for event in events {
            let follows = run.back().is_none_or(|last| last.id.checked_add(1) == Some(event.id));
            if !follows || run.len() >= self.bound {
                // Everything after a left-out event would leave a hole: keep nothing
                // more until the shipper has taken the run.
                return;
            }
            run.push_back(event);
        }
    }

    /// The kept events that start the block `(after, through]`, in rowid order: from
    /// rowid `after + 1` on, as far as the run goes within the block. Every kept event
    /// up to `through` leaves the memory: those at or before `after` went from SQLite
    /// before, and when the run does not start right after `after` none is returned and
    /// the whole block goes from SQLite.
    pub fn take(&self, after: i64, through: i64) -> VecDeque<Committed> {
        let mut taken = {
            let mut run = self.run.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let within = run.partition_point(|c| c.id <= through);
            // Moved out whole when the block covers the run (the usual case): the writer,
            // which adds under the same lock, never waits while 50,000 events are moved
            // or freed.
            if within == run.len() {
                std::mem::take(&mut *run)
            } else {
                let rest = run.split_off(within);
                std::mem::replace(&mut *run, rest)
            }
        };
        let shipped = taken.partition_point(|c| c.id <= after);
        taken.drain(..shipped);
        if taken.front().is_none_or(|first| Some(first.id) != after.checked_add(1)) {
            return VecDeque::new();
        }
        taken
    }

    /// How many events are kept.
    pub fn kept(&self) -> usize {
        self.run.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ship::{each_event, Block};
    use crate::store::{self, Durability, Write};
    use proptest::prelude::*;

    fn kept(id: i64) -> Committed {
        Committed { id, client: None, event: Event { event_id: format!("e{id}"), ..Event::default() } }
    }

    fn ids<'a>(events: impl IntoIterator<Item = &'a Committed>) -> Vec<i64> {
        events.into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn the_run_never_has_a_hole() {
        let fresh = Fresh::new(10);
        fresh.add([kept(5), kept(6), kept(8), kept(9)]);
        assert_eq!(fresh.kept(), 2, "8 does not follow 6: nothing after it is kept");
        fresh.add([kept(7)]);
        assert_eq!(fresh.kept(), 3, "7 follows 6");
        fresh.add([kept(10)]);
        assert_eq!(fresh.kept(), 3, "10 does not follow 7");
        assert_eq!(ids(&fresh.take(4, 100)), [5, 6, 7]);
        fresh.add([kept(11), kept(12)]);
        assert_eq!(ids(&fresh.take(10, 100)), [11, 12], "an empty run starts again anywhere");
    }

    #[test]
    fn past_its_bound_nothing_more_is_kept_until_the_run_is_taken() {
        let fresh = Fresh::new(3);
        fresh.add((1..=5).map(kept));
        assert_eq!(fresh.kept(), 3);
        fresh.add([kept(6)]);
        assert_eq!(fresh.kept(), 3, "6 would leave 4 and 5 out of the run");
        assert_eq!(ids(&fresh.take(0, 2)), [1, 2], "a block takes only its own rows");
        fresh.add([kept(6)]);
        assert_eq!(ids(&fresh.take(2, 10)), [3], "6 was not kept after the hole");
    }

    #[test]
    fn a_block_takes_only_a_run_that_starts_right_after_what_is_shipped() {
        let fresh = Fresh::new(10);
        fresh.add((20..=25).map(kept));
        assert!(fresh.take(10, 15).is_empty(), "the block ends before the run");
        assert_eq!(fresh.kept(), 6, "which waits for its turn");
        assert!(fresh.take(15, 22).is_empty(), "16 to 19 are only in SQLite: the block goes from there");
        assert_eq!(fresh.kept(), 3, "20 to 22 with it");
        assert_eq!(ids(&fresh.take(22, 24)), [23, 24]);
        assert!(fresh.take(24, 24).is_empty(), "an empty block");
        assert_eq!(ids(&fresh.take(24, i64::MAX)), [25]);
        assert_eq!(fresh.kept(), 0);
        fresh.add((30..=32).map(kept));
        assert!(fresh.take(27, 40).is_empty(), "28 and 29 are only in SQLite: the block goes from there");
        assert_eq!(fresh.kept(), 0);
        // A resend reads SQLite and takes nothing: its events are dropped at the next block.
        fresh.add((40..=44).map(kept));
        assert_eq!(ids(&fresh.take(41, 50)), [42, 43, 44], "40 and 41 went with the resend of (39, 41]");
    }

    /// The writer hands over exactly the events it accepted, with their rowids, and a
    /// block of them encodes to the rows the shipper reads back from SQLite.
    fn ships_as_stored(batches: Vec<(Vec<Event>, Option<String>)>) -> Result<(), TestCaseError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("outbox.sqlite");
        let fresh = Arc::new(Fresh::new(10_000));
        let (writer, thread, _) =
            store::start_handing(store::open(&db, Durability::Normal).expect("open"), Some(fresh.clone()));
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let mut accepted = 0;
        for (events, client) in batches {
            let written = runtime.block_on(writer.write(Write::Events { events, client })).expect("write");
            if let store::Written::Events(statuses) = written {
                accepted += statuses.iter().filter(|s| **s == crate::event::Status::Accepted).count();
            }
        }
        drop(writer);
        thread.join().expect("writer");
        let taken = fresh.take(0, i64::MAX);
        prop_assert_eq!(taken.len(), accepted);
        let rows: Vec<EventRow<'_>> = taken.iter().map(Committed::row).collect();
        let conn = store::open_reader(&db).expect("reader");
        let through = taken.back().map_or(0, |c| c.id);
        let mut read = rows.iter();
        let sent =
            each_event(&conn, Block { after: 0, through, resend: false }, |row| -> Result<(), rusqlite::Error> {
                assert_eq!(Some(row), read.next(), "a row from memory differs from the one SQLite gives back");
                Ok(())
            })
            .expect("read back");
        prop_assert_eq!(sent, accepted);
        prop_assert_eq!(ids(&taken), (1..=accepted as i64).collect::<Vec<_>>());
        Ok(())
    }

    const NAMES: [&str; 4] = ["page_view", "select_item", "begin_checkout", "purchase"];

    prop_compose! {
        fn an_event()(
            id in "[a-c]{1,2}",
            name in 0..NAMES.len(),
            creator in "\\PC{0,6}",
            times in (any::<i64>(), any::<i64>(), any::<i64>(), proptest::option::of(any::<i64>())),
            seq in proptest::option::of(any::<u32>()),
            value in proptest::option::of(any::<i64>()),
            texts in proptest::collection::vec(proptest::option::of("\\PC{0,8}"), 22),
        ) -> Event {
            let mut t = texts.into_iter();
            let mut next = || t.next().flatten();
            Event {
                event_id: id,
                name: NAMES[name],
                creator_id: creator,
                event_time: times.0,
                occurred_at: times.1,
                received_at: times.2,
                sent_at: times.3,
                seq,
                value,
                page_load_id: next(),
                utm_source: next(),
                utm_medium: next(),
                utm_campaign: next(),
                utm_content: next(),
                utm_term: next(),
                ref_tag: next(),
                affiliate: next(),
                referrer_host: next(),
                platform_click_ids: next(),
                path: next(),
                locale: next(),
                time_zone: next(),
                in_app_browser: next(),
                promotion_id: next(),
                popup_id: next(),
                item_list_id: next(),
                currency: next(),
                coupon: next(),
                transaction_id: next(),
                items: next(),
                click_id: next(),
                destination_host: next(),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Duplicate ids and transactions among them, so some events are refused.
        #[test]
        fn committed_events_ship_as_sqlite_gives_them_back(
            batches in proptest::collection::vec(
                (proptest::collection::vec(an_event(), 0..6), proptest::option::of("[0-9a-f]{0,16}")),
                1..6,
            ),
        ) {
            ships_as_stored(batches)?;
        }
    }
}
