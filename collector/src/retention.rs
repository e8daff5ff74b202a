//! Retention (`--retention-days`): raw events older than the period are purged, from
//! SQLite and from ClickHouse, and a small daily rollup stays.
//!
//! - **What stays**: the `daily` table, one row per UTC day × creator × event name ×
//!   utm_source × affiliate × currency, with the number of events and the sum of their
//!   values (within the shared limits). It is modest on purpose: the fuller rollups come
//!   later (another change); this one exists so a purge never drops the last trace of a
//!   day. Orders and refunds are never purged: they are few and each one is money.
//! - **When a day is final**: an event may reach the collector up to 8 days after it
//!   happened (the storefront's outbox), so the last [`SETTLING_DAYS`] whole days are
//!   recounted every run, and every day before them exactly once more after they
//!   settled (a cursor in `forward_cursor` records how far days are final). A purge only
//!   ever removes days that are final and counted. Recounting replaces a day's rows, so
//!   two collectors (or two runs) counting the same day agree.
//! - **Where**: with ClickHouse, the rollup is counted there (`events FINAL`, every
//!   collector's events) into its `daily` table, a `ReplacingMergeTree` whose newest
//!   count wins, and old events go with `ALTER TABLE … DELETE` (a mutation, which a
//!   replicated table carries to every replica); SQLite then only drops rows ClickHouse
//!   has acknowledged. Without ClickHouse, both happen in SQLite, through the writer,
//!   in chunks of `store::PURGE_CHUNK` rows so ingest never waits long.
//!   A collector's rows still waiting for ClickHouse when their day is counted for the
//!   last time are not in that count (only a ClickHouse down for more than 8 days does
//!   that; the buffer budget stops ingest long before).
//! - **Stats** over a range that reaches before the cutoff count what is left: the raw
//!   events are gone by design; `daily` holds their counts.

use crate::clickhouse::{self as ch, ChError};
use crate::ship::Table;
use crate::store::{self, StoreError, Write, Writer, Written};
use rusqlite::OptionalExtension;
use std::path::PathBuf;
use std::time::Duration;

pub const DAY_MS: i64 = 86_400_000;
/// Whole days still recounted every run: events arrive up to 8 days late
/// (`event::MAX_AGE_MS`), plus one for the clock.
pub const SETTLING_DAYS: i64 = 9;
/// How often retention runs.
pub const EVERY: Duration = Duration::from_secs(3600);
/// The `forward_cursor` row holding the first day (days since the epoch) not yet final.
pub const FINAL_CURSOR: &str = "retention:final-days";

/// The shortest period allowed: the days still settling, and the attribution window an
/// order looks back for its click.
pub fn min_days(attribution_window_hours: u32) -> u32 {
    (SETTLING_DAYS as u32).max(attribution_window_hours.div_ceil(24))
}

/// One run's work, in Unix ms (whole UTC days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Recount days in `[rollup_from, rollup_to)`.
    pub rollup_from: i64,
    pub rollup_to: i64,
    /// Days before this are final once the rollup is done (the new cursor, in days).
    pub final_days: i64,
    /// Purge raw events before this.
    pub purge_before: i64,
}

/// The plan for `now`, keeping `days`, with days before `final_days` already final and
/// counted (0 at first: everything is counted once) and the oldest event at
/// `oldest_event` (ms; where a first count starts).
pub fn plan(now_ms: i64, days: u32, final_days: i64, oldest_event: Option<i64>) -> Plan {
    let today = now_ms.div_euclid(DAY_MS);
    let settled = today - SETTLING_DAYS;
    let first = oldest_event.map_or(settled, |t| t.div_euclid(DAY_MS));
    let from_day = final_days.max(first).min(settled);
    let cutoff_day = today - i64::from(days);
    Plan {
        rollup_from: from_day * DAY_MS,
        rollup_to: today * DAY_MS,
        final_days: settled,
        // Never a day not yet counted (the purge waits for the rollup's cursor).
        purge_before: cutoff_day.min(settled) * DAY_MS,
    }
}

/// Where a purge with ClickHouse stops: before `purge_before`, and before the first
/// settled day that has events but is not yet in stats' day rollup (`ch_days`), whose
/// raw events are the only record a report can read of it.
pub fn purge_limit(purge_before: i64, first_pending_day: Option<i64>) -> i64 {
    first_pending_day.map_or(purge_before, |day| purge_before.min(day.saturating_mul(DAY_MS)))
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("retention: {0}")]
    Store(#[from] StoreError),
    #[error("retention: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("retention: {0}")]
    ClickHouse(#[from] ChError),
    #[error("retention: the database task failed: {0}")]
    Join(String),
}

/// Reads (cursor of final days, oldest event time, the last event id that may be purged:
/// shipped to ClickHouse, or without it rolled up).
async fn state(db: &std::path::Path, clickhouse: bool) -> Result<(i64, Option<i64>, i64), RetentionError> {
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || -> Result<_, RetentionError> {
        let conn = store::open_reader(&db)?;
        let cursor = |target: &str| -> rusqlite::Result<i64> {
            Ok(conn
                .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", [target], |r| r.get(0))
                .optional()?
                .unwrap_or(0))
        };
        let oldest: Option<i64> = conn.query_row("SELECT min(event_time) FROM events", [], |r| r.get(0))?;
        // Without ClickHouse, only what stats' rollups hold may go (`stats::rollup`: its
        // events and, from a file older than the purchases' rollup, purchases too).
        let kept = if clickhouse {
            cursor(Table::Events.shipped_cursor())?
        } else {
            use crate::stats::rollup::{CURSOR, HOUR_CURSOR, PURCHASE_CURSOR};
            // And only what the orders' kept joins and day sums have seen (`stats::picks`,
            // `stats::order_days`).
            cursor(CURSOR)?
                .min(cursor(PURCHASE_CURSOR)?)
                .min(cursor(HOUR_CURSOR)?)
                .min(cursor(crate::stats::picks::CHECKOUT_CURSOR)?)
                .min(cursor(crate::stats::order_days::EVENT_CURSOR)?)
        };
        Ok((cursor(FINAL_CURSOR)?, oldest, kept))
    })
    .await
    .map_err(|e| RetentionError::Join(e.to_string()))?
}

/// Deletes SQLite's raw events before `before` (ids up to `through_id`), chunk by chunk.
async fn purge_sqlite(writer: &Writer, before: i64, through_id: i64) -> Result<usize, RetentionError> {
    let mut total = 0;
    loop {
        match writer.write(Write::Purge { before, through_id }).await? {
            Written::Purged(n) => {
                total += n;
                if (n as i64) < store::PURGE_CHUNK {
                    return Ok(total);
                }
            }
            _ => return Ok(total),
        }
    }
}

/// Recounts ClickHouse's `daily` rows for `[from, to)` from every collector's events.
pub async fn rollup_clickhouse(client: &clickhouse::Client, from: i64, to: i64, now_ms: i64) -> Result<(), ChError> {
    let sql = format!(
        "INSERT INTO daily (day, creator_id, name, utm_source, affiliate, currency, events, value, ver)
                 SELECT intDiv(event_time, 86400000) AS d, creator_id, name, ifNull(utm_source, '') AS s,
                   ifNull(affiliate, '') AS a, ifNull(currency, '') AS c, count(),
                   sum(toDecimal128(if(value_unreadable = 0 AND ifNull(value, 0) BETWEEN 0 AND ?, ifNull(value, 0), 0), 0)),
                   ?
                 FROM events FINAL WHERE {}
                 GROUP BY d, creator_id, name, s, a, c",
        ch::event_time_within(from, to)
    );
    ch::timed(client.query(&sql).bind(linkshelf_core::limits::MAX_AMOUNT_MINOR).bind(now_ms.max(0) as u64).execute())
        .await
}

/// Deletes ClickHouse's raw events before `before`, when there are any: whole
/// partitions of `events` and `far_clock` dropped, rather than a mutation. A mutation
/// (`ALTER TABLE … DELETE`) rewrites every part of the table on ClickHouse 18.16, so
/// every recent day's parts got new names and every provisional count
/// (`ch_days::fingerprints`) went stale, each retention run. A day's events sit in
/// its device-day partition and the one before ([`partitions_done`]): the partition
/// holding the last hours before `before` waits for the next run, a day late. Old events
/// kept in a partition that must stay (a far-off device clock puts an event of a recent
/// day, or of an old one, in a partition not its day's) go by a mutation, which only
/// they can call for. `event_lookup` (one partition) still goes by mutation: no
/// fingerprint reads its parts. Returns the old events there were.
pub async fn purge_clickhouse(client: &clickhouse::Client, before: i64) -> Result<u64, ChError> {
    let old: u64 =
        ch::timed(client.query("SELECT count() FROM events WHERE event_time < ?").bind(before).fetch_one()).await?;
    if old == 0 {
        return Ok(0);
    }
    let partitions = |table: &str| {
        let sql = format!(
            "SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase() AND table = '{table}'
               AND active"
        );
        async move {
            let ids: Vec<String> = ch::timed(client.query(&sql).fetch_all()).await?;
            Ok::<Vec<i64>, ChError>(ids.iter().filter_map(|id| id.parse().ok()).collect())
        }
    };
    // The partitions that hold an event of `before` or later whose device clock was far off.
    let held: Vec<i64> = ch::timed(
        client
            .query(&format!(
                "SELECT DISTINCT {} FROM far_clock WHERE event_time >= ?",
                ch::day_partition("occurred_at")
            ))
            .bind(before)
            .fetch_all(),
    )
    .await?;
    let (events, far) = tokio::try_join!(partitions("events"), partitions("far_clock"))?;
    for p in partitions_done(&events, &held, before) {
        ch::timed(client.query(&format!("ALTER TABLE events DROP PARTITION {p}")).execute()).await?;
    }
    for d in far.into_iter().filter(|&d| d.saturating_add(1).saturating_mul(DAY_MS) <= before) {
        ch::timed(client.query(&format!("ALTER TABLE far_clock DROP PARTITION {d}")).execute()).await?;
    }
    // Old events a partition that stays still holds, beyond the one partition a day late.
    let stuck = before.saturating_sub(DAY_MS);
    let left: u64 =
        ch::timed(client.query("SELECT count() FROM events WHERE event_time < ?").bind(stuck).fetch_one()).await?;
    if left > 0 {
        ch::timed(client.query("ALTER TABLE events DELETE WHERE event_time < ?").bind(stuck).execute()).await?;
    }
    // What `event_lookup` lists of those events: a stale entry would only be looked up in
    // vain, and a code's owner goes with its events, as in SQLite.
    let listed: u64 =
        ch::timed(client.query("SELECT count() FROM event_lookup WHERE event_time < ?").bind(before).fetch_one())
            .await?;
    if listed > 0 {
        ch::timed(client.query("ALTER TABLE event_lookup DELETE WHERE event_time < ?").bind(before).execute()).await?;
    }
    Ok(old)
}

/// Of `events`' partitions `partitions` (device days from 01:00 UTC:
/// `clickhouse::day_partition`), those whose every event is before `before`, but for
/// the `held` ones: an event not listed in `far_clock` is within `FAR_CLOCK_MS` of its
/// device's time, so partition `p`'s are before `(p + 1)` days and two hours.
pub fn partitions_done(partitions: &[i64], held: &[i64], before: i64) -> Vec<i64> {
    let end = |p: i64| p.saturating_add(1).saturating_mul(DAY_MS).saturating_add(2 * ch::FAR_CLOCK_MS);
    partitions.iter().copied().filter(|&p| end(p) <= before && !held.contains(&p)).collect()
}

/// One retention run.
pub async fn round(
    db: &std::path::Path,
    clickhouse: Option<&clickhouse::Client>,
    writer: &Writer,
    days: u32,
    now_ms: i64,
) -> Result<(), RetentionError> {
    let (final_days, oldest, purgeable) = state(db, clickhouse.is_some()).await?;
    match clickhouse {
        Some(client) => {
            // The oldest of every collector's events, not only this one's.
            let (count, min): (u64, i64) =
                ch::timed(client.query("SELECT count(), min(event_time) FROM events").fetch_one()).await?;
            let plan = plan(now_ms, days, final_days, (count > 0).then_some(min));
            rollup_clickhouse(client, plan.rollup_from, plan.rollup_to, now_ms).await?;
            writer.write(Write::Cursor { target: FINAL_CURSOR, last_id: plan.final_days }).await?;
            // Stats' day rollup of the settled days first (its own task may not have
            // run yet), and never a day it does not hold.
            let step = async {
                let unshipped = crate::ch_days::oldest_unshipped(db).await?;
                crate::ch_days::step(client, now_ms, unshipped).await
            };
            if let Err(e) = step.await {
                tracing::warn!(error = %e, "retention: the day rollup failed; its days are kept");
            }
            let pending = crate::ch_days::pending(client, now_ms).await?;
            let before = purge_limit(plan.purge_before, pending.first().copied());
            let purged = purge_clickhouse(client, before).await?;
            // Only rows ClickHouse has: the rest are still this collector's outbox.
            let local = purge_sqlite(writer, before, purgeable).await?;
            tracing::info!(clickhouse = purged, sqlite = local, before, "retention: purged raw events");
        }
        None => {
            let plan = plan(now_ms, days, final_days, oldest);
            // A day per write: a first count over years of events never holds the
            // writer (and so ingest) for long.
            for day in (plan.rollup_from..plan.rollup_to).step_by(DAY_MS as usize) {
                writer.write(Write::Rollup { from: day, to: day + DAY_MS }).await?;
            }
            writer.write(Write::Cursor { target: FINAL_CURSOR, last_id: plan.final_days }).await?;
            let local = purge_sqlite(writer, plan.purge_before, purgeable).await?;
            tracing::info!(sqlite = local, before = plan.purge_before, "retention: purged raw events");
        }
    }
    Ok(())
}

/// Runs retention every [`EVERY`], the first time a minute after start.
pub async fn run(db: PathBuf, clickhouse: Option<ch::Settings>, writer: Writer, days: u32) {
    let client = clickhouse.as_ref().map(ch::client);
    tokio::time::sleep(Duration::from_secs(60)).await;
    loop {
        if let Err(e) = round(&db, client.as_ref(), &writer, days, crate::server::now_ms()).await {
            tracing::warn!(error = %e, "retention failed; nothing is purged before its day is counted");
        }
        tokio::time::sleep(EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::store::{apply, open, Durability};

    #[test]
    fn only_partitions_whose_every_event_is_old_are_dropped() {
        let before = 100 * DAY_MS;
        // Partition 98 holds device times up to day 99 01:00, so events up to 02:00 of day
        // 99: before day 100. Partition 99 holds events of day 100's first two hours.
        assert_eq!(partitions_done(&[97, 98, 99, 100], &[], before), [97, 98]);
        assert_eq!(partitions_done(&[97, 98, 99], &[97], before), [98], "97 holds a far-clock event of day 100 on");
        assert_eq!(partitions_done(&[i64::MAX, i64::MIN], &[], before), [i64::MIN], "saturates");
    }

    #[test]
    fn a_purge_waits_for_the_day_rollup() {
        assert_eq!(purge_limit(70 * DAY_MS, None), 70 * DAY_MS);
        assert_eq!(purge_limit(70 * DAY_MS, Some(60)), 60 * DAY_MS, "day 60 is not rolled up yet");
        assert_eq!(purge_limit(70 * DAY_MS, Some(80)), 70 * DAY_MS);
    }

    #[test]
    fn the_shortest_period_covers_late_events_and_the_attribution_window() {
        assert_eq!(min_days(168), 9);
        assert_eq!(min_days(24 * 30), 30);
        assert_eq!(min_days(25), 9);
    }

    #[test]
    fn only_final_counted_days_are_purged() {
        let now = 100 * DAY_MS + 5;
        // First run: count from the oldest event; purge before day 70 (30 days kept).
        let first = plan(now, 30, 0, Some(40 * DAY_MS + 7));
        assert_eq!(
            first,
            Plan { rollup_from: 40 * DAY_MS, rollup_to: 100 * DAY_MS, final_days: 91, purge_before: 70 * DAY_MS }
        );
        // Later: only the settling days are recounted.
        let later = plan(now, 30, 91, Some(70 * DAY_MS));
        assert_eq!((later.rollup_from, later.final_days), (91 * DAY_MS, 91));
        // A day later, day 91 is counted once more as it settles.
        assert_eq!(plan(now + DAY_MS, 30, 91, Some(70 * DAY_MS)).rollup_from, 91 * DAY_MS);
        // No events: nothing before the settling days.
        assert_eq!(plan(now, 30, 0, None).rollup_from, 91 * DAY_MS);
        // The purge never passes the settling days, whatever the period.
        assert_eq!(plan(now, 1, 91, None).purge_before, 91 * DAY_MS);
    }

    #[tokio::test]
    async fn a_round_without_clickhouse_counts_every_day_then_purges_the_old_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("round.sqlite");
        let now = 1000 * DAY_MS + 5;
        let event = |id: &str, day: i64| Event {
            event_id: id.into(),
            name: "page_view",
            creator_id: "juno".into(),
            event_time: day * DAY_MS + 1000,
            ..Event::default()
        };
        let conn = open(&path, Durability::Normal).expect("open");
        let events = vec![event("old-1", 900), event("old-2", 950), event("new-1", 999)];
        apply(&conn, &Write::Events { events, client: None }).expect("insert");
        apply(&conn, &Write::RollEvents(crate::stats::rollup::CHUNK)).expect("roll up");
        apply(&conn, &Write::PickOrders { window_ms: DAY_MS, max_events: crate::stats::rollup::CHUNK }).expect("pick");
        let sum = Write::RollOrders {
            window_ms: DAY_MS,
            default_creator: None,
            max_events: crate::stats::rollup::CHUNK,
            now_ms: now,
        };
        apply(&conn, &sum).expect("sum the orders' days");
        // Arrived after the rollup ran: old, but not yet in stats' rollup, so it stays.
        apply(&conn, &Write::Events { events: vec![event("late-1", 901)], client: None }).expect("insert");
        let (writer, thread, _) = store::start(conn);
        round(&path, None, &writer, 30, now).await.expect("round");
        drop(writer);
        thread.join().expect("writer");
        let conn = store::open_reader(&path).expect("read");
        let days: Vec<(i64, i64)> = conn
            .prepare("SELECT day, events FROM daily ORDER BY day")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(days, [(900, 1), (901, 1), (950, 1), (999, 1)], "every day counted, the first time from the oldest");
        let left: Vec<String> = conn
            .prepare("SELECT event_id FROM events ORDER BY id")
            .expect("select")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(left, ["new-1", "late-1"], "days before the 30 kept are purged once rolled up");
        let cursor: i64 = conn
            .query_row("SELECT last_id FROM forward_cursor WHERE target = ?1", [FINAL_CURSOR], |r| r.get(0))
            .expect("cursor");
        assert_eq!(cursor, 1000 - SETTLING_DAYS);
    }

    /// Each roller alone holds a purge back: a file from before one of them (the
    /// purchases' rollup, the hours', the orders' kept joins or their day sums) keeps its
    /// raw events until that roller has caught up on them.
    #[tokio::test]
    async fn a_purge_waits_for_every_roller() {
        use crate::stats::rollup::{CURSOR, HOUR_CURSOR, PURCHASE_CURSOR};
        use crate::stats::{order_days, picks};
        for behind in [CURSOR, PURCHASE_CURSOR, HOUR_CURSOR, picks::CHECKOUT_CURSOR, order_days::EVENT_CURSOR] {
            a_purge_waits_for(behind).await;
        }
    }

    /// Rolls a file up with every roller, forgets `behind` (as a file from before that
    /// roller), and checks that nothing is purged before it has caught up.
    async fn a_purge_waits_for(behind: &str) {
        use crate::stats::rollup::CHUNK;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("upgraded.sqlite");
        let now = 1000 * DAY_MS + 5;
        let conn = open(&path, Durability::Normal).expect("open");
        let old = Event {
            event_id: "old-1".into(),
            name: "purchase",
            creator_id: "juno".into(),
            transaction_id: Some("t1".into()),
            event_time: 900 * DAY_MS,
            ..Event::default()
        };
        // (A purge always keeps the newest event, whose id the next one follows.)
        let new = Event {
            event_id: "new-1".into(),
            transaction_id: Some("t2".into()),
            event_time: 999 * DAY_MS,
            ..old.clone()
        };
        apply(&conn, &Write::Events { events: vec![old, new], client: None }).expect("insert");
        let rollers = || {
            [
                Write::RollEvents(CHUNK),
                Write::PickOrders { window_ms: DAY_MS, max_events: CHUNK },
                Write::RollOrders { window_ms: DAY_MS, default_creator: None, max_events: CHUNK, now_ms: now },
            ]
        };
        for write in rollers() {
            apply(&conn, &write).expect("roll");
        }
        conn.execute("DELETE FROM forward_cursor WHERE target = ?1", [behind]).expect("as before");
        let (writer, thread, _) = store::start(conn);
        let left = || -> i64 {
            let conn = store::open_reader(&path).expect("read");
            conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count")
        };
        round(&path, None, &writer, 30, now).await.expect("round");
        assert_eq!(left(), 2, "{behind} has not seen the old purchase yet");
        for write in rollers() {
            writer.write(write).await.expect("the rollers catch up");
        }
        round(&path, None, &writer, 30, now).await.expect("round");
        assert_eq!(left(), 1, "then it may go ({behind})");
        drop(writer);
        thread.join().expect("writer");
    }

    #[test]
    fn sqlite_counts_days_then_purges_only_what_is_allowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("r.sqlite"), Durability::Normal).expect("open");
        let event = |id: &str, day: i64, value: Option<i64>| Event {
            event_id: id.into(),
            name: "purchase",
            creator_id: "juno".into(),
            event_time: day * DAY_MS + 1000,
            currency: value.map(|_| "EUR".into()),
            value,
            transaction_id: Some(id.into()),
            ..Event::default()
        };
        let events =
            vec![event("a", 10, Some(500)), event("b", 10, Some(700)), event("c", 11, None), event("d", 50, Some(1))];
        apply(&conn, &Write::Events { events, client: None }).expect("insert");
        apply(&conn, &Write::Rollup { from: 0, to: 60 * DAY_MS }).expect("rollup");
        let rows: Vec<(i64, String, i64, i64)> = conn
            .prepare("SELECT day, currency, events, value FROM daily ORDER BY day, currency")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(rows, [(10, "EUR".into(), 2, 1200), (11, String::new(), 1, 0), (50, "EUR".into(), 1, 1)]);
        // Recounting replaces, never adds.
        apply(&conn, &Write::Rollup { from: 10 * DAY_MS, to: 11 * DAY_MS }).expect("again");
        let day10: i64 = conn.query_row("SELECT sum(events) FROM daily WHERE day = 10", [], |r| r.get(0)).expect("sum");
        assert_eq!(day10, 2);
        // Ids up to 1 only (as if ClickHouse had acknowledged the first row).
        assert_eq!(apply(&conn, &Write::Purge { before: 40 * DAY_MS, through_id: 1 }).ok(), Some(Written::Purged(1)));
        assert_eq!(
            apply(&conn, &Write::Purge { before: 40 * DAY_MS, through_id: i64::MAX }).ok(),
            Some(Written::Purged(2))
        );
        // The newest row stays even when old, so its id is never handed out again.
        assert_eq!(
            apply(&conn, &Write::Purge { before: 99 * DAY_MS, through_id: i64::MAX }).ok(),
            Some(Written::Purged(0))
        );
        let left: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
        assert_eq!(left, 1);
        let kept: i64 = conn.query_row("SELECT sum(events) FROM daily", [], |r| r.get(0)).expect("sum");
        assert_eq!(kept, 4, "the counts stay");
    }
}
