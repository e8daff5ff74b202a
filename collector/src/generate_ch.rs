//! The benchmark's season generated inside ClickHouse: the very rows `generate::fill`
//! writes to SQLite and the shipper then sends, made by `INSERT … SELECT … FROM
//! numbers()`, so stats can be timed at 10^8 events without a 35 GB SQLite file and
//! hours of shipping (issue #15: "generate the events, don't wait for them").
//!
//! Every column is computed as `generate::visit_event` and `event::parse` make it,
//! with the same splitmix64 ([`mix`]) over the same row numbers; the test
//! `generated_in_clickhouse_is_what_the_shipper_sends` holds the two to each other row
//! by row. The side tables are then filled from the events by
//! `ch_lookup::backfill`, the statements the re-keying steps run.

use crate::generate::{visits, AFFILIATES, CAMPAIGNS, CODES, CREATORS, EVENTS_PER_VISIT, PRODUCTS, SOURCES};

/// Rows per `INSERT … SELECT`: each is one request, so a season is several, each well
/// inside a request's timeout and reporting progress.
pub const ROWS_PER_INSERT: u64 = 10_000_000;

/// SQL for `generate::mix` (splitmix64) of the `UInt64` expression `x`: ClickHouse's
/// `UInt64` arithmetic wraps as Rust's `wrapping_*` does.
pub fn mix(x: &str) -> String {
    let z0 = format!("plus(toUInt64({x}), toUInt64(11400714819323198485))");
    let z1 = format!("multiply(bitXor({z0}, bitShiftRight({z0}, 30)), toUInt64(13787848793156543929))");
    let z2 = format!("multiply(bitXor({z1}, bitShiftRight({z1}, 27)), toUInt64(10723151780598845931))");
    format!("bitXor({z2}, bitShiftRight({z2}, 31))")
}

/// SQL for `format!("{:016x}", x)` of the `UInt64` expression `x`. (`hex` drops leading
/// zero bytes, so each 32-bit half is lifted past 2^32 and its first byte cut off.)
pub fn hex16(x: &str) -> String {
    let half = |h: String| format!("substring(hex(plus({h}, toUInt64(4294967296))), 3, 8)");
    format!(
        "lower(concat({}, {}))",
        half(format!("bitShiftRight(toUInt64({x}), 32)")),
        half(format!("bitAnd(toUInt64({x}), toUInt64(4294967295))"))
    )
}

/// A ClickHouse array literal of texts (`None` as `''`, read back with `nullIf`).
fn texts<'a>(items: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let quoted: Vec<String> =
        items.into_iter().map(|s| format!("'{}'", s.unwrap_or("").replace('\'', "\\'"))).collect();
    format!("[{}]", quoted.join(", "))
}

/// `SELECT` of rows `first .. first + count` of an `n`-event season over the `days`
/// before `end_ms` (as `generate::fill` numbers them), in `events`' column order.
pub fn select(first: u64, count: u64, n: u64, end_ms: i64, days: i64) -> String {
    let span_ms = days.max(1) * 86_400_000;
    let start_ms = end_ms - span_ms;
    let step = span_ms / visits(n).max(1) as i64;
    let sources = texts(SOURCES);
    let campaigns = texts(CAMPAIGNS.map(Some));
    let codes = texts(CODES.map(Some));
    let item_ids = texts(PRODUCTS.map(|(id, _, _)| Some(id)));
    let item_names = texts(PRODUCTS.map(|(_, name, _)| Some(name)));
    let prices = format!("[{}]", PRODUCTS.map(|(_, _, price)| price.to_string()).join(", "));
    let affiliates = texts(AFFILIATES);
    let creators = texts(CREATORS.map(Some));
    let id = "v * 8 + i";
    format!(
        "SELECT
  concat({first_half}, {second_half}) AS event_id,
  multiIf(i = 0 OR i = 4, 'page_view', i = 1, 'view_item_list', i = 2, 'view_promotion', i = 3, 'select_item',
    bought, 'purchase', 'begin_checkout') AS name,
  {creators}[bitShiftRight(r, 40) % 3 + 1] AS creator_id,
  occurred + 40 AS event_time, occurred AS occurred_at, toNullable(occurred) AS sent_at, occurred + 40 AS received_at,
  toNullable(concat('gen-', toString(v))) AS page_load_id, toNullable(toInt64(i)) AS seq,
  toNullable({client}) AS client,
  nullIf(src, '') AS utm_source, if(src = '', NULL, 'social') AS utm_medium,
  if(src = '', NULL, {campaigns}[bitShiftRight(r, 8) % 5 + 1]) AS utm_campaign,
  CAST(NULL AS Nullable(String)) AS utm_content, CAST(NULL AS Nullable(String)) AS utm_term,
  toNullable('bio') AS ref,
  multiIf(src = 'tiktok', 'www.tiktok.com', src = 'instagram', 'l.instagram.com', src = '', NULL, 'm.youtube.com')
    AS referrer_host,
  CAST(NULL AS Nullable(String)) AS platform_click_ids,
  toNullable(if(i < 4, '/', concat('/p/', item_id, '/'))) AS path,
  toNullable('en-GB') AS locale, toNullable('Europe/London') AS time_zone, nullIf(src, '') AS in_app_browser,
  if(i = 2, code, NULL) AS promotion_id, CAST(NULL AS Nullable(String)) AS popup_id,
  if(i = 1 OR i = 3, 'shop', NULL) AS item_list_id,
  if(i = 3 OR i = 5, 'EUR', NULL) AS currency, if(i = 3 OR i = 5, toInt64(price), NULL) AS value,
  toUInt8(0) AS value_unreadable,
  if(i = 5, code, NULL) AS coupon, if(i = 5 AND bought, concat('tx-', toString(v)), NULL) AS transaction_id,
  if(i = 3 OR i = 5,
    concat('[{{\"item_id\":\"', item_id, '\",\"item_name\":\"', item_name, '\",\"price\":', toString(price),
      ',\"quantity\":1}}]'),
    NULL) AS items,
  CAST(NULL AS Nullable(String)) AS click_id, CAST(NULL AS Nullable(String)) AS destination_host,
  nullIf({affiliates}[bitShiftRight(r, 32) % 3 + 1], '') AS affiliate,
  minus(toUInt64(18446744073709551615), toUInt64(occurred + 40)) AS ver
FROM (
  SELECT v, i, r, src, code, item_id, item_name, price, bought,
    toInt64({start_ms}) + toInt64({step}) * toInt64(v) + toInt64(intDiv(r % toUInt64({modulo}), 2)) + 5000 * toInt64(i)
      AS occurred
  FROM (
    SELECT intDiv(number + {first}, {per_visit}) AS v, (number + {first}) % {per_visit} AS i, {mix_v} AS r,
      {sources}[r % 4 + 1] AS src, {codes}[bitShiftRight(r, 16) % 4 + 1] AS code,
      bitShiftRight(r, 24) % 8 + 1 AS p, {item_ids}[p] AS item_id, {item_names}[p] AS item_name, {prices}[p] AS price,
      bitShiftRight(r, 48) % 25 = 0 AS bought
    FROM numbers({count})
  )
)",
        first_half = hex16(&mix(id)),
        second_half = hex16(&mix(&format!("bitNot(toUInt64({id}))"))),
        client = hex16(&mix("bitXor(v, 49438)")),
        modulo = step.max(1),
        per_visit = EVENTS_PER_VISIT,
        mix_v = mix("v"),
    )
}

/// The `INSERT`s that put an `n`-event season into `database.events`,
/// [`ROWS_PER_INSERT`] rows each.
pub fn inserts(database: &str, n: u64, end_ms: i64, days: i64) -> Vec<String> {
    (0..n)
        .step_by(ROWS_PER_INSERT as usize)
        .map(|first| {
            let count = ROWS_PER_INSERT.min(n - first);
            format!("INSERT INTO {database}.events {}", select(first, count, n, end_ms, days))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_insert_per_ten_million_rows_covering_each_row_once() {
        let sql = inserts("bench", 25_000_000, 1_795_341_600_000, 90);
        assert_eq!(sql.len(), 3);
        assert!(sql[0].contains("intDiv(number + 0, 6)") && sql[0].contains("FROM numbers(10000000)"));
        assert!(sql[2].contains("intDiv(number + 20000000, 6)") && sql[2].contains("FROM numbers(5000000)"));
        assert!(inserts("bench", 0, 0, 90).is_empty());
    }
}
