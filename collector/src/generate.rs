//! Fixture generator for the stats benchmark (issue #15): fills a SQLite file with `n`
//! storefront events spread over a season, without sending them. Each event is written
//! as the storefront would send it (JSON), checked by the collector's own
//! [`event::parse`] and stored by the collector's own [`store::apply`], so the rows are
//! exactly what ingest would have written; only the pace differs (one transaction per
//! [`ROWS_PER_TRANSACTION`], `synchronous=OFF`: it is a fixture, a crash means run again).

use crate::event;
use crate::store::{self, Durability, Write};
use crate::webhook::Order;
use std::path::Path;

/// Rows per transaction: large enough that commits cost nothing, small enough that the
/// WAL stays a few tens of MB.
pub const ROWS_PER_TRANSACTION: u64 = 100_000;
/// Events per visit, in the order of [`visit_event`].
pub const EVENTS_PER_VISIT: u64 = 6;

pub(crate) const SOURCES: [Option<&str>; 4] = [Some("tiktok"), Some("instagram"), Some("youtube"), None];
pub(crate) const CAMPAIGNS: [&str; 5] = ["winter-drop", "spring-restock", "collab-week", "bio-evergreen", "live-sale"];
pub(crate) const CODES: [&str; 4] = ["JUNO15", "WINTER10", "FRIENDS", "LIVE20"];
pub(crate) const PRODUCTS: [(&str, &str, i64); 8] = [
    ("speckled-mug", "Speckled stoneware mug", 3200),
    ("linen-apron", "Linen apron", 4500),
    ("oak-board", "Oak serving board", 5800),
    ("tea-towel-set", "Tea towel set", 2400),
    ("glaze-bowl", "Glazed bowl", 2900),
    ("pour-over", "Pour-over kettle", 7900),
    ("spoon-rest", "Spoon rest", 1500),
    ("recipe-zine", "Recipe zine", 1200),
];
pub(crate) const AFFILIATES: [Option<&str>; 3] = [Some("juno.park"), Some("sam.lee"), None];
pub(crate) const CREATORS: [&str; 3] = ["juno-park", "juno-park", "sam-lee"];

/// Visits in an `n`-event season (the last one cut short if `n` is not a multiple of
/// [`EVENTS_PER_VISIT`]).
pub fn visits(n: u64) -> u64 {
    n.div_ceil(EVENTS_PER_VISIT)
}

/// A deterministic 64-bit mix (splitmix64): the same `n` gives the same file.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// When visit `v` of `visits` starts: visits in time order over `[start_ms, start_ms +
/// span_ms)` (as ingest would see them, so row ids follow time), with a little jitter.
pub fn visit_start(v: u64, visits: u64, start_ms: i64, span_ms: i64) -> i64 {
    let step = span_ms / visits.max(1) as i64;
    start_ms + step * v as i64 + (mix(v) % step.max(1) as u64) as i64 / 2
}

/// What visit `v` is, each part from its own bits of the visit's mix (`generate_ch`
/// makes the same choices in SQL).
struct Visit {
    source: Option<&'static str>,
    campaign: &'static str,
    code: &'static str,
    product: (&'static str, &'static str, i64),
    affiliate: Option<&'static str>,
    creator: &'static str,
    /// One visit in 25 ends in a purchase.
    bought: bool,
    /// Of those, every other one's order reaches the collector ([`order_of`]).
    ordered: bool,
}

impl Visit {
    fn of(v: u64) -> Visit {
        let r = mix(v);
        Visit {
            source: SOURCES[(r % 4) as usize],
            campaign: CAMPAIGNS[((r >> 8) % 5) as usize],
            code: CODES[((r >> 16) % 4) as usize],
            product: PRODUCTS[((r >> 24) % 8) as usize],
            affiliate: AFFILIATES[((r >> 32) % 3) as usize],
            creator: CREATORS[((r >> 40) % 3) as usize],
            bought: (r >> 48).is_multiple_of(25),
            ordered: (r >> 58).is_multiple_of(2),
        }
    }
}

/// Event `i` (0..[`EVENTS_PER_VISIT`]) of visit `v`, at `at` (Unix ms), as the storefront
/// sends it: page view, list seen, code seen, product tapped, product page, then a
/// checkout started — or, on one visit in 25, a purchase.
pub fn visit_event(v: u64, i: u64, at: i64) -> String {
    let Visit { source, campaign, code, product, affiliate, creator, bought, .. } = Visit::of(v);
    let (item_id, item_name, price) = product;
    let id = format!("{:016x}{:016x}", mix(v.wrapping_mul(8).wrapping_add(i)), mix(!v.wrapping_mul(8).wrapping_add(i)));
    let q = |s: Option<&str>| s.map_or_else(|| "null".to_owned(), |s| format!("\"{s}\""));
    let attribution = format!(
        r#"{{"utm_source":{},"utm_medium":{},"utm_campaign":{},"utm_content":null,"utm_term":null,"ref":"bio","affiliate":{},"click_ids":[],"referrer_host":{}}}"#,
        q(source),
        q(source.map(|_| "social")),
        q(source.map(|_| campaign)),
        q(affiliate),
        q(source.map(|s| match s {
            "tiktok" => "www.tiktok.com",
            "instagram" => "l.instagram.com",
            _ => "m.youtube.com",
        })),
    );
    let item = format!(
        r#"{{"item_id":"{item_id}","item_name":"{item_name}","price":{price},"quantity":1,"index":0,"item_list_id":"shop"}}"#
    );
    let ecommerce = |coupon: Option<&str>, tx: Option<String>| {
        format!(
            r#"{{"currency":"EUR","value":{price},"coupon":{},"transaction_id":{},"items":[{item}]}}"#,
            q(coupon),
            q(tx.as_deref())
        )
    };
    let subject = |promotion: Option<&str>, list: Option<&str>| {
        format!(r#"{{"promotion_id":{},"popup_id":null,"item_list_id":{}}}"#, q(promotion), q(list))
    };
    let product_path = format!("/p/{item_id}/");
    let (name, path, subject, ecommerce) = match i {
        0 => ("page_view", "/", subject(None, None), "null".to_owned()),
        1 => ("view_item_list", "/", subject(None, Some("shop")), "null".to_owned()),
        2 => ("view_promotion", "/", subject(Some(code), None), "null".to_owned()),
        3 => ("select_item", "/", subject(None, Some("shop")), ecommerce(None, None)),
        4 => ("page_view", product_path.as_str(), subject(None, None), "null".to_owned()),
        _ if bought => {
            ("purchase", product_path.as_str(), subject(None, None), ecommerce(Some(code), Some(format!("tx-{v}"))))
        }
        _ => ("begin_checkout", product_path.as_str(), subject(None, None), ecommerce(Some(code), None)),
    };
    format!(
        r#"{{"v":1,"event_id":"{id}","name":"{name}","occurred_at":{at},"sent_at":{at},"page_load_id":"gen-{v}","seq":{i},"creator_id":"{creator}","attribution":{attribution},"context":{{"path":"{path}","locale":"en-GB","time_zone":"Europe/London","in_app_browser":{iab}}},"subject":{subject},"ecommerce":{ecommerce},"outbound":null}}"#,
        iab = q(source),
    )
}

/// The order a shop's webhook sends for visit `v`'s purchase at `at` (its event time), on
/// every other purchase (another bit of the visit's mix decides which): the
/// transaction id and the checkout's code, no click id, as a shop that only knows the
/// code sends it, so stats join it to a checkout by code (what `--orders` benchmarks:
/// the ClickHouse benchmark's orders, `CH_STATS_ORDERS`, are the same kind).
pub fn order_of(v: u64, at: i64) -> Option<Order> {
    let visit = Visit::of(v);
    if !(visit.bought && visit.ordered) {
        return None;
    }
    Some(Order {
        provider: "shopify",
        order_id: format!("tx-{v}"),
        creator_id: Some(visit.creator.to_owned()),
        created_at: at,
        received_at: at + 60_000,
        currency: "EUR".to_owned(),
        value: visit.product.2,
        click_id: None,
        coupon: Some(visit.code.to_owned()),
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        payment_ref: None,
        affiliate: None,
    })
}

/// Writes `n` events (whole visits, the last one cut short if `n` is not a multiple of
/// six) over the `days` before `end_ms` into the database at `path`, and with `orders`
/// an order for every other purchase ([`order_of`]). Returns the events written.
/// `progress` is called after each transaction with the events so far.
pub fn fill(
    path: &Path,
    n: u64,
    end_ms: i64,
    days: i64,
    orders: bool,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let mut conn = store::open(path, Durability::Normal)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let span_ms = days.max(1) * 86_400_000;
    let start_ms = end_ms - span_ms;
    let visits = visits(n);
    let mut written = 0u64;
    let mut v = 0u64;
    while written < n {
        let tx = conn.transaction()?;
        let target = (written + ROWS_PER_TRANSACTION).min(n);
        while written < target {
            let at = visit_start(v, visits, start_ms, span_ms);
            let count = EVENTS_PER_VISIT.min(n - written);
            let mut events = Vec::with_capacity(count as usize);
            for i in 0..count {
                // Sent as it happened, received 40 ms later: event_time is `at + 5 s × i + 40`.
                let occurred = at + 5_000 * i as i64;
                let raw = visit_event(v, i, occurred);
                let parsed = event::parse(&raw, occurred + 40)
                    .map_err(|(id, why)| anyhow::anyhow!("generated event {id:?} was refused: {why}"))?;
                events.push(parsed);
            }
            let client = Some(format!("{:016x}", mix(v ^ 0xC11E)));
            let purchase = events.iter().find(|e| e.name == "purchase").map(|e| e.event_time);
            store::apply(&tx, &Write::Events { events, client })?;
            if let Some(order) = purchase.filter(|_| orders).and_then(|at| order_of(v, at)) {
                store::apply(&tx, &Write::Order(order))?;
            }
            written += count;
            v += 1;
        }
        tx.commit()?;
        progress(written);
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(written)
}

/// Rolls every event of the file at `path` up into stats' daily rollup
/// (`stats::rollup`) and picks every order's join (`stats::picks`, for the default
/// attribution window), as a collector does in the background, so the benchmark times
/// the reports a running collector gives. Returns the rollup rows (events' and
/// purchases').
pub fn roll_up(path: &Path) -> anyhow::Result<u64> {
    const CHUNK: i64 = 500_000;
    let mut conn = store::open(path, Durability::Normal)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    loop {
        let tx = conn.transaction()?;
        let read = crate::stats::rollup::roll(&tx, CHUNK)?;
        tx.commit()?;
        if (read as i64) < CHUNK {
            break;
        }
    }
    let window_ms = i64::from(crate::config::DEFAULT_WINDOW_HOURS) * 3_600_000;
    loop {
        let tx = conn.transaction()?;
        let caught_up = crate::stats::picks::step(&tx, window_ms, CHUNK)?;
        tx.commit()?;
        if caught_up {
            break;
        }
    }
    // And the days over by now summed, as a collector with no `--default-creator` does.
    let settings = crate::stats::order_days::Settings::new(window_ms, None);
    let now_ms = crate::server::now_ms();
    loop {
        let tx = conn.transaction()?;
        let caught_up = crate::stats::order_days::step(&tx, &settings, CHUNK, now_ms)?;
        tx.commit()?;
        if caught_up {
            break;
        }
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let rows: i64 =
        conn.query_row("SELECT (SELECT count(*) FROM event_days) + (SELECT count(*) FROM purchase_days)", [], |r| {
            r.get(0)
        })?;
    Ok(rows.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_event_is_accepted_by_ingest() {
        let now = 1_795_341_600_000;
        for v in 0..200 {
            for i in 0..EVENTS_PER_VISIT {
                let raw = visit_event(v, i, now);
                assert!(event::parse(&raw, now + 40).is_ok(), "{raw}");
            }
        }
    }

    #[test]
    fn visits_stay_in_the_season_and_in_order() {
        let (start, span, visits) = (1_000_000_000_000, 90 * 86_400_000, 1000);
        let times: Vec<i64> = (0..visits).map(|v| visit_start(v, visits, start, span)).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times.iter().all(|t| (start..start + span).contains(t)));
    }

    #[test]
    fn fills_a_database_with_whole_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gen.sqlite");
        let written = fill(&path, 1_003, 1_795_341_600_000, 90, false, |_| {}).expect("fill");
        assert_eq!(written, 1_003);
        let conn = store::open_reader(&path).expect("reader");
        let count: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
        assert_eq!(count, 1_003, "every id is unique");
        let bought: i64 =
            conn.query_row("SELECT count(*) FROM events WHERE name = 'purchase'", [], |r| r.get(0)).expect("count");
        assert!(bought > 0, "some visits end in a purchase");
        let rows = roll_up(&path).expect("roll up");
        let rolled: i64 = conn
            .query_row(
                "SELECT (SELECT sum(events) FROM event_days) + (SELECT sum(events) FROM purchase_days)",
                [],
                |r| r.get(0),
            )
            .expect("rolled events");
        let counting: i64 = conn
            .query_row(
                "SELECT count(*) FROM events
                 WHERE name IN ('page_view', 'view_promotion', 'select_item', 'begin_checkout', 'purchase')",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(rolled, counting, "every counting event and purchase is in the rollups once");
        assert!(rows > 0 && (rows as i64) < counting, "{rows} rows for {counting} events");
    }

    #[test]
    fn orders_are_sent_for_every_other_purchase_as_a_shop_knowing_only_the_code_would() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gen.sqlite");
        fill(&path, 30_000, 1_795_341_600_000, 90, true, |_| {}).expect("fill");
        let conn = store::open_reader(&path).expect("reader");
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
        let (purchases, orders) =
            (count("SELECT count(*) FROM events WHERE name = 'purchase'"), count("SELECT count(*) FROM orders"));
        assert!(purchases > 100, "{purchases} purchases");
        assert!(orders * 3 > purchases && orders * 3 < purchases * 2, "{orders} orders for {purchases} purchases");
        let matching = count(
            "SELECT count(*) FROM orders o JOIN events e ON e.name = 'purchase' AND e.transaction_id = o.order_id
             WHERE o.creator_id = e.creator_id AND o.coupon = e.coupon AND o.value = e.value
               AND o.created_at = e.event_time AND o.currency = 'EUR' AND o.click_id IS NULL",
        );
        assert_eq!(matching, orders, "each order is its purchase's, by code and with no click id");
        roll_up(&path).expect("roll up");
        let joined = count("SELECT count(*) FROM order_picks WHERE how = 'code'");
        assert_eq!(joined, orders, "every order's join is picked, each by its code");
        let summed = count("SELECT coalesce(sum(orders), 0) FROM order_days");
        assert_eq!(summed, orders, "every order's day is summed (the season ended before today)");
        assert_eq!(count("SELECT count(*) FROM order_day_state WHERE rolled = 0"), 0);
        let without = dir.path().join("plain.sqlite");
        fill(&without, 30_000, 1_795_341_600_000, 90, false, |_| {}).expect("fill");
        let plain = store::open_reader(&without).expect("reader");
        assert_eq!(plain.query_row("SELECT count(*) FROM orders", [], |r| r.get::<_, i64>(0)).expect("count"), 0);
    }
}
