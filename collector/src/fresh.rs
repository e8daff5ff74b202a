//! Events the writer has just committed, handed to the shipper in memory.
//!
//! Shipping a live collector's events meant reading back from SQLite, column by column,
//! rows the writer had in memory a moment before: about a quarter of shipping's CPU on
//! the core ingest needs (1.7 µs a row, against 0.1 µs from memory; `docs/collector.md`,
//! Benchmark). So the writer, once a group has committed, moves each request's accepted
//! events here, as the request's own list with the rowid of its first, instead of
//! dropping them, and the shipper takes them from here for the part of a block they
//! cover.
//!
//! SQLite stays the outbox and the truth: what is here is only ever a copy of committed
//! rows, field for field what [`crate::ship::each_event`] reads back (a test holds the
//! two to each other), so a block sends the same bytes whichever way its rows came, and
//! a resend, which always reads SQLite, sends the same block again. Whatever is not
//! here (after a restart, past the bound while ClickHouse is down, a row that raced the
//! shipper's plan) is read from SQLite as before.

use crate::clickhouse::{self as ch, EventRow};
use crate::event::{Event, Status};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Events the writer committed from one request, with consecutive rowids: kept as the
/// request's own list, so handing them over moves no event (a block's 50,000 events
/// moved one by one, 780 bytes each, were 40 MB to copy a round).
pub struct Committed {
    /// The rowid of the first event in SQLite's `events`; the others follow it.
    pub first: i64,
    /// The request's client (the day's salted hash of the sender).
    pub client: Option<Arc<str>>,
    pub events: Vec<Event>,
}

impl Committed {
    /// The rowid of the last event (the first's when there is none).
    pub fn last(&self) -> i64 {
        self.first.saturating_add(self.events.len().saturating_sub(1) as i64)
    }

    /// The rows as shipped, in rowid order, with their rowids.
    pub fn rows(&self) -> impl Iterator<Item = (i64, EventRow<'_>)> {
        let client = self.client.as_deref();
        (self.first..).zip(self.events.iter().map(move |e| row(e, client)))
    }
}

/// An optional text as the row borrows it.
fn text(t: &Option<String>) -> Option<Cow<'_, str>> {
    t.as_deref().map(Cow::Borrowed)
}

/// An event as shipped: what `ship::each_event` reads back from SQLite for it.
pub fn row<'a>(e: &'a Event, client: Option<&'a str>) -> EventRow<'a> {
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
        client: client.map(Cow::Borrowed),
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

/// The committed events not yet taken, as one unbroken run of rowids and at most
/// `bound` of them: a request's events are kept only when they follow the last kept (or
/// nothing is kept) and there is room, so a run never has a hole the shipper could send
/// across. Whatever is left out is read from SQLite when its block comes.
pub struct Fresh {
    bound: usize,
    held: Mutex<Run>,
}

#[derive(Default)]
struct Run {
    batches: VecDeque<Committed>,
    events: usize,
}

impl Fresh {
    /// Keeps at most `bound` events (the shipper's block size is the natural bound: a
    /// shipper that keeps up takes them within a round; one that does not reads SQLite).
    pub fn new(bound: usize) -> Fresh {
        Fresh { bound: bound.max(1), held: Mutex::new(Run::default()) }
    }

    fn run(&self) -> std::sync::MutexGuard<'_, Run> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the events of a committed request that were accepted (`statuses`, in
    /// order), their rowids taken from `ids` (the writer notes one per accepted event).
    /// One transaction's inserts take rowids that follow each other; should some not,
    /// only those before the gap are kept (the others would leave a hole).
    pub fn add_accepted(
        &self,
        mut events: Vec<Event>,
        client: Option<String>,
        statuses: &[Status],
        ids: &mut impl Iterator<Item = i64>,
    ) {
        let mut accepted = statuses.iter().map(|s| *s == Status::Accepted);
        events.retain(|_| accepted.next().unwrap_or(false));
        let mut rowids = ids.by_ref().take(events.len());
        let Some(first) = rowids.next() else { return };
        let following = 1 + rowids.by_ref().zip(first.saturating_add(1)..).take_while(|(id, want)| id == want).count();
        // This request's other rowids, used up.
        rowids.for_each(drop);
        events.truncate(following);
        self.add(Committed { first, client: client.map(Arc::from), events });
    }

    /// Keeps a request's committed events.
    pub fn add(&self, committed: Committed) {
        if committed.events.is_empty() {
            return;
        }
        let mut run = self.run();
        let follows = run.batches.back().is_none_or(|last| last.last().checked_add(1) == Some(committed.first));
        // Past a left-out request, everything would leave a hole: nothing more is kept
        // until the shipper has taken the run.
        if follows && run.events + committed.events.len() <= self.bound {
            run.events += committed.events.len();
            run.batches.push_back(committed);
        }
    }

    /// The kept events that start the block `(after, through]`, in rowid order: from
    /// rowid `after + 1` on, as far as the run goes within the block. Every kept event
    /// up to `through` leaves the memory: those at or before `after` went from SQLite
    /// before, and when the run does not start right after `after` none is returned and
    /// the whole block goes from SQLite.
    pub fn take(&self, after: i64, through: i64) -> Vec<Committed> {
        let mut taken: Vec<Committed> = {
            let mut run = self.run();
            let within = run.batches.partition_point(|c| c.last() <= through);
            let mut taken: Vec<Committed> = run.batches.drain(..within).collect();
            // A request split by the block's end: its first events go, the others stay.
            if let Some(split) = run.batches.front_mut().filter(|c| c.first <= through) {
                let rest = split.events.split_off((through - split.first + 1) as usize);
                let head = std::mem::replace(&mut split.events, rest);
                taken.push(Committed { first: split.first, client: split.client.clone(), events: head });
                split.first = through + 1;
            }
            run.events -= taken.iter().map(|c| c.events.len()).sum::<usize>();
            taken
        };
        // Those at or before `after`, freed after the lock is let go.
        let shipped = taken.partition_point(|c| c.last() <= after);
        taken.drain(..shipped);
        if let Some(split) = taken.first_mut().filter(|c| c.first <= after) {
            split.events.drain(..(after - split.first + 1) as usize);
            split.first = after + 1;
        }
        if taken.first().is_none_or(|first| Some(first.first) != after.checked_add(1)) {
            return Vec::new();
        }
        taken
    }

    /// How many events are kept.
    pub fn kept(&self) -> usize {
        self.run().events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ship::{each_event, Block};
    use crate::store::{self, Durability, Write};
    use proptest::prelude::*;

    fn request(first: i64, events: usize) -> Committed {
        let event = |i: usize| Event { event_id: format!("e{first}-{i}"), ..Event::default() };
        Committed { first, client: None, events: (0..events).map(event).collect() }
    }

    fn ids<'a>(taken: impl IntoIterator<Item = &'a Committed>) -> Vec<i64> {
        taken.into_iter().flat_map(Committed::rows).map(|(id, _)| id).collect()
    }

    #[test]
    fn the_run_never_has_a_hole() {
        let fresh = Fresh::new(10);
        fresh.add(request(5, 2));
        fresh.add(request(8, 2));
        assert_eq!(fresh.kept(), 2, "8 does not follow 6");
        fresh.add(request(7, 1));
        assert_eq!(fresh.kept(), 3, "7 follows 6");
        fresh.add(request(10, 1));
        assert_eq!(fresh.kept(), 3, "10 does not follow 7");
        assert_eq!(ids(&fresh.take(4, 100)), [5, 6, 7]);
        fresh.add(request(11, 2));
        assert_eq!(ids(&fresh.take(10, 100)), [11, 12], "an empty run starts again anywhere");
    }

    #[test]
    fn past_its_bound_nothing_more_is_kept_until_the_run_is_taken() {
        let fresh = Fresh::new(3);
        fresh.add(request(1, 2));
        fresh.add(request(3, 2));
        assert_eq!(fresh.kept(), 2, "no room for 3 and 4");
        fresh.add(request(5, 1));
        assert_eq!(fresh.kept(), 2, "5 would leave 3 and 4 out of the run");
        assert_eq!(ids(&fresh.take(0, 1)), [1], "a block takes only its own rows, though they came together");
        assert_eq!(ids(&fresh.take(1, 10)), [2]);
        fresh.add(request(5, 1));
        assert_eq!(ids(&fresh.take(4, 10)), [5]);
    }

    #[test]
    fn a_block_takes_only_a_run_that_starts_right_after_what_is_shipped() {
        let fresh = Fresh::new(100);
        fresh.add(request(20, 3));
        fresh.add(request(23, 3));
        assert!(fresh.take(10, 15).is_empty(), "the block ends before the run");
        assert_eq!(fresh.kept(), 6, "which waits for its turn");
        assert!(fresh.take(15, 22).is_empty(), "16 to 19 are only in SQLite: the block goes from there");
        assert_eq!(fresh.kept(), 3, "20 to 22 with it");
        assert_eq!(ids(&fresh.take(22, 24)), [23, 24]);
        assert!(fresh.take(24, 24).is_empty(), "an empty block");
        assert_eq!(ids(&fresh.take(24, i64::MAX)), [25]);
        assert_eq!(fresh.kept(), 0);
        fresh.add(request(30, 3));
        assert!(fresh.take(27, 40).is_empty(), "28 and 29 are only in SQLite: the block goes from there");
        assert_eq!(fresh.kept(), 0);
        // A resend reads SQLite and takes nothing: its events are dropped at the next block.
        fresh.add(request(40, 5));
        assert_eq!(ids(&fresh.take(41, 50)), [42, 43, 44], "40 and 41 went with the resend of (39, 41]");
        // A request cut by both ends of a block.
        fresh.add(request(50, 10));
        fresh.add(request(60, 1));
        assert_eq!(ids(&fresh.take(52, 55)), [53, 54, 55]);
        assert_eq!(fresh.kept(), 5);
        assert_eq!(ids(&fresh.take(55, 100)), [56, 57, 58, 59, 60]);
        let taken = {
            fresh.add(request(61, 4));
            fresh.take(60, 62)
        };
        let events: Vec<&str> = taken.iter().flat_map(|c| &c.events).map(|e| e.event_id.as_str()).collect();
        assert_eq!(events, ["e61-0", "e61-1"], "each rowid with its own event");
        assert_eq!(ids(&fresh.take(62, 70)), [63, 64]);
    }

    #[test]
    fn only_accepted_events_are_kept_with_the_rowids_noted_for_them() {
        use crate::event::Status::{Accepted, Duplicate};
        let fresh = Fresh::new(100);
        let events = request(0, 6).events;
        let mut noted = [7, 8, 10, 11, 12, 13].into_iter();
        let statuses = [Accepted, Duplicate, Accepted, Accepted, Accepted, Accepted];
        fresh.add_accepted(events, Some("c".into()), &statuses, &mut noted);
        assert_eq!(noted.next(), Some(13), "five rowids were this request's");
        let taken = fresh.take(6, 100);
        assert_eq!(ids(&taken), [7, 8], "10 does not follow 8: it and what follows it go from SQLite");
        let events: Vec<&str> = taken.iter().flat_map(|c| &c.events).map(|e| e.event_id.as_str()).collect();
        assert_eq!(events, ["e0-0", "e0-2"]);
        assert_eq!(taken[0].client.as_deref(), Some("c"));
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
        let rows: Vec<(i64, EventRow<'_>)> = taken.iter().flat_map(Committed::rows).collect();
        prop_assert_eq!(rows.len(), accepted);
        let conn = store::open_reader(&db).expect("reader");
        let through = taken.last().map_or(0, Committed::last);
        let mut read = rows.iter();
        let sent =
            each_event(&conn, Block { after: 0, through, resend: false }, |row| -> Result<(), rusqlite::Error> {
                assert_eq!(
                    Some(row),
                    read.next().map(|(_, r)| r),
                    "a row from memory differs from the one SQLite gives back"
                );
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
