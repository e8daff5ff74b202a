//! `event_lookup`: the few events a report needs whatever its range, found by their
//! own key instead of by scanning every event.
//!
//! `events` is sorted by time (`clickhouse`), so a report's time ranges are cheap; three
//! of its reads are not about a range, and would read every event's columns:
//! - **the clicks of orders** (`stats::load::resolve`): any event whose click id an
//!   order carries, at any age. Every event with a click id is listed, under it.
//! - **who owns a code** (`stats::load::code_owner`): the earliest event that carried
//!   the code with an affiliate. Each block lists its earliest per code, creator and
//!   affiliate: the season's earliest is among those.
//! - **a code or source used outside an order's window** (`stats::load::outside_window`):
//!   any checkout with it before or after the window. Each block lists its earliest
//!   and latest checkout per code (without case), source and creator: if any checkout
//!   is outside the window, the season's earliest or latest is.
//!
//! The shipper adds a block's rows (`Lookups`) beside the block, in one order for the
//! same block, so a retry is the same insert and a replicated table drops it.
//! A row points at its event by `(name, occurred_at, event_id)`, `events`' sorting key;
//! the report then reads the event itself from `events FINAL`. The earliest and latest
//! compare each copy's own `event_time`; two copies of one event differ by
//! milliseconds, so only two events of one code that far apart could be told apart
//! differently than from SQLite.

use crate::clickhouse::EventRow;
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a row of `event_lookup` lists its event under.
pub const CLICK: &str = "click";
pub const CODE_OWNER: &str = "code_owner";
pub const CHECKOUT: &str = "checkout";

/// A row of `event_lookup`: the key it is found by (empty where the kind has none),
/// and the event it points at.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Row, Serialize, Deserialize)]
pub struct LookupRow {
    pub kind: String,
    pub click_id: String,
    /// The code: as carried for a code's owner, lowercased (ASCII, as ClickHouse's
    /// `lower` and SQLite's `NOCASE`) for a checkout.
    pub code: String,
    pub source: String,
    pub creator_id: String,
    pub affiliate: String,
    pub event_time: i64,
    pub name: String,
    pub occurred_at: i64,
    pub event_id: String,
    pub ver: u64,
}

/// A block's `event_lookup` rows, gathered as the block is read.
#[derive(Debug, Default)]
pub struct Lookups {
    clicks: Vec<LookupRow>,
    /// Per (code, creator, affiliate): the earliest.
    owners: BTreeMap<(String, String, String), LookupRow>,
    /// Per (code without case, source, creator): the earliest and the latest.
    checkouts: BTreeMap<(String, String, String), (LookupRow, LookupRow)>,
}

impl Lookups {
    pub fn add(&mut self, e: &EventRow) {
        let row = |kind: &str| LookupRow {
            kind: kind.to_owned(),
            creator_id: e.creator_id.to_string(),
            event_time: e.event_time,
            name: e.name.to_string(),
            occurred_at: e.occurred_at,
            event_id: e.event_id.to_string(),
            ver: e.ver,
            ..LookupRow::default()
        };
        if let Some(click_id) = &e.click_id {
            self.clicks.push(LookupRow { click_id: click_id.to_string(), ..row(CLICK) });
        }
        if let (Some(code), Some(affiliate)) = (&e.coupon, &e.affiliate) {
            let key = (code.to_string(), e.creator_id.to_string(), affiliate.to_string());
            let new = LookupRow { code: key.0.clone(), affiliate: key.2.clone(), ..row(CODE_OWNER) };
            let first = self.owners.entry(key).or_insert_with(|| new.clone());
            if earlier(&new, first) {
                *first = new;
            }
        }
        if e.name == "begin_checkout" {
            let code = e.coupon.as_deref().unwrap_or_default().to_ascii_lowercase();
            let source = e.utm_source.as_deref().unwrap_or_default().to_owned();
            let new = LookupRow { code: code.clone(), source: source.clone(), ..row(CHECKOUT) };
            let key = (code, source, e.creator_id.to_string());
            let (first, last) = self.checkouts.entry(key).or_insert_with(|| (new.clone(), new.clone()));
            if earlier(&new, first) {
                *first = new;
            } else if earlier(last, &new) {
                *last = new;
            }
        }
    }

    /// The rows, in one order for the same block (sorted, without repeats).
    pub fn into_rows(self) -> Vec<LookupRow> {
        let mut rows = self.clicks;
        rows.extend(self.owners.into_values());
        for (first, last) in self.checkouts.into_values() {
            rows.push(first);
            rows.push(last);
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// The statements that fill `database`'s side tables (`far_clock`, `event_lookup`)
/// from every event of its table `events`, listing what the shipper lists block by
/// block (the season's earliest and latest stand for every block's): the re-keying
/// steps (docs/collector.md, whose SQL a test holds to these) and the benchmark's
/// events generated inside ClickHouse (`generate_ch`).
pub fn backfill(database: &str, events: &str) -> Vec<String> {
    let (db, from) = (database, format!("{database}.{events}"));
    let checkouts = |order: &str| {
        format!(
            "INSERT INTO {db}.event_lookup (kind, code, source, creator_id, event_time, name, occurred_at, event_id, ver)
  SELECT '{CHECKOUT}', lower(ifNull(coupon, '')) AS c, ifNull(utm_source, '') AS s, creator_id, event_time, name, occurred_at, event_id, ver
  FROM {from} WHERE name = 'begin_checkout'
  ORDER BY {order} LIMIT 1 BY c, s, creator_id"
        )
    };
    vec![
        format!(
            "INSERT INTO {db}.far_clock SELECT event_time, name, occurred_at, event_id, ver FROM {from}
  WHERE abs(event_time - occurred_at) > {}",
            crate::clickhouse::FAR_CLOCK_MS
        ),
        format!(
            "INSERT INTO {db}.event_lookup (kind, click_id, creator_id, event_time, name, occurred_at, event_id, ver)
  SELECT '{CLICK}', assumeNotNull(click_id), creator_id, event_time, name, occurred_at, event_id, ver
  FROM {from} WHERE click_id IS NOT NULL"
        ),
        format!(
            "INSERT INTO {db}.event_lookup (kind, code, creator_id, affiliate, event_time, name, occurred_at, event_id, ver)
  SELECT '{CODE_OWNER}', assumeNotNull(coupon), creator_id, assumeNotNull(affiliate), event_time, name, occurred_at, event_id, ver
  FROM {from} WHERE coupon IS NOT NULL AND affiliate IS NOT NULL
  ORDER BY event_time, event_id LIMIT 1 BY coupon, creator_id, affiliate"
        ),
        checkouts("event_time, event_id"),
        checkouts("event_time DESC, event_id DESC"),
    ]
}

/// Events compare by time, then id, as stats order them.
fn earlier(a: &LookupRow, b: &LookupRow) -> bool {
    (a.event_time, &a.event_id) < (b.event_time, &b.event_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn event(id: &'static str, name: &'static str, time: i64) -> EventRow<'static> {
        EventRow {
            event_id: Cow::Borrowed(id),
            name: Cow::Borrowed(name),
            creator_id: Cow::Borrowed("juno-park"),
            event_time: time,
            occurred_at: time - 40,
            ..EventRow::default()
        }
    }

    fn tagged(mut e: EventRow<'static>, code: &'static str, source: &'static str) -> EventRow<'static> {
        e.coupon = Some(Cow::Borrowed(code));
        e.utm_source = Some(Cow::Borrowed(source));
        e
    }

    fn ids(rows: &[LookupRow], kind: &str) -> Vec<String> {
        rows.iter().filter(|r| r.kind == kind).map(|r| r.event_id.clone()).collect()
    }

    #[test]
    fn every_click_is_listed_under_its_id() {
        let mut l = Lookups::default();
        for (id, click) in [("a", Some("c-1")), ("b", None), ("c", Some("c-2"))] {
            let mut e = event(id, "outbound_click", 1_000);
            e.click_id = click.map(Cow::Borrowed);
            l.add(&e);
        }
        let rows = l.into_rows();
        assert_eq!(ids(&rows, CLICK), ["a", "c"]);
        assert_eq!(rows[0].click_id, "c-1");
    }

    #[test]
    fn a_codes_owner_is_the_blocks_earliest_event_with_it_per_affiliate() {
        let mut l = Lookups::default();
        let with = |id: &'static str, time: i64, code: &'static str, affiliate: Option<&'static str>| {
            let mut e = tagged(event(id, "page_view", time), code, "tiktok");
            e.affiliate = affiliate.map(Cow::Borrowed);
            e
        };
        for e in [
            with("late", 3_000, "JUNO15", Some("mia")),
            with("early", 1_000, "JUNO15", Some("mia")),
            with("tie-b", 2_000, "JUNO15", Some("sam")),
            with("tie-a", 2_000, "JUNO15", Some("sam")),
            with("no-affiliate", 500, "JUNO15", None),
            with("other-spelling", 4_000, "juno15", Some("mia")),
        ] {
            l.add(&e);
        }
        let rows = l.into_rows();
        assert_eq!(
            ids(&rows, CODE_OWNER),
            ["early", "tie-a", "other-spelling"],
            "sorted by code (upper case first), then affiliate"
        );
        assert!(rows.iter().filter(|r| r.kind == CODE_OWNER).all(|r| !r.affiliate.is_empty()));
    }

    #[test]
    fn checkouts_keep_their_first_and_last_per_code_without_case_source_and_creator() {
        let mut l = Lookups::default();
        for e in [
            tagged(event("mid", "begin_checkout", 2_000), "JUNO15", "tiktok"),
            tagged(event("first", "begin_checkout", 1_000), "juno15", "tiktok"),
            tagged(event("last", "begin_checkout", 3_000), "Juno15", "tiktok"),
            tagged(event("alone", "begin_checkout", 5_000), "", "popup"),
            tagged(event("a-visit", "page_view", 0), "JUNO15", "tiktok"),
        ] {
            l.add(&e);
        }
        let rows = l.into_rows();
        assert_eq!(ids(&rows, CHECKOUT), ["alone", "first", "last"], "one row for a lone checkout");
        assert!(rows.iter().filter(|r| r.kind == CHECKOUT && r.source == "tiktok").all(|r| r.code == "juno15"));
    }

    #[test]
    fn the_same_block_gives_the_same_rows_in_the_same_order() {
        let block: Vec<EventRow> = (0..50)
            .map(|i| {
                let mut e = tagged(event("x", "begin_checkout", 1_000 + (i * 7919) % 50), "CODE", "s");
                e.affiliate = Some(Cow::Borrowed("mia"));
                e.click_id = Some(Cow::Owned(format!("c-{}", i % 7)));
                e.event_id = Cow::Owned(format!("e-{i}"));
                e
            })
            .collect();
        let rows = |order: &mut dyn Iterator<Item = &EventRow>| {
            let mut l = Lookups::default();
            order.for_each(|e| l.add(e));
            l.into_rows()
        };
        let forward = rows(&mut block.iter());
        assert_eq!(forward, rows(&mut block.iter().rev()), "whatever order the rows were read in");
        assert_eq!(ids(&forward, CLICK).len(), 50);
        assert_eq!(ids(&forward, CHECKOUT), ["e-0", "e-21"], "the times 1000 and 1049");
    }
}
