//! The stats as CSV, for spreadsheets.

use super::*;

/// The CSV header; one row per (dimension, key, currency). A group's funnel counts
/// repeat on each of its currency rows; a group without revenue has one row with an
/// empty currency. `title` is a product's title (product rows). The "what sold" table
/// follows the breakdowns as `what_sold` rows keyed `source · campaign · code`, with
/// only the sales and revenue columns filled. The last column, `excluded`, is the number
/// of stored rows left out of the figures: on the `total` rows, then one `excluded` row
/// per reason (`key` is `event:event_value` and the like) with its count; empty elsewhere.
pub const CSV_HEADER: [&str; 18] = [
    "dimension",
    "key",
    "title",
    "page_views",
    "code_views",
    "product_selects",
    "checkouts_started",
    "checkouts_ordered",
    "purchases",
    "purchases_verified",
    "purchases_unverified",
    "checkout_to_order",
    "currency",
    "revenue_all",
    "revenue_verified",
    "revenue_unverified",
    "refunded",
    "excluded",
];

/// The key of a "what sold" row.
pub fn sold_key(s: &Sold) -> String {
    format!("{} · {} · {}", s.utm_source, s.utm_campaign, s.code)
}

/// The stats as CSV (RFC 4180: quoted where needed, CRLF line ends).
pub fn to_csv(stats: &Stats) -> Result<String, ::csv::Error> {
    rows_where(stats, |_| true)
}

/// The header of the `series` table: one row per day (or block of days) of the range.
pub const SERIES_HEADER: [&str; 7] = [
    "date",
    "start",
    "page_views",
    "product_selects",
    "checkouts_started",
    "purchases_verified",
    "purchases_unverified",
];
/// The header of the `joins` table: one row per outcome (see [`Join`]).
pub const JOINS_HEADER: [&str; 3] = ["outcome", "message", "count"];

/// One table of the report as CSV (see [`super::TABLES`]); `None` for a name that is no
/// table. The totals, the breakdowns, "what sold" and the excluded rows are the rows of
/// [`to_csv`] whose `dimension` is the table's name, under the same header, so a
/// spreadsheet made for the whole file reads each; the series and the joins have their own.
pub fn table_csv(stats: &Stats, table: &str) -> Option<Result<String, ::csv::Error>> {
    match table {
        "series" => Some(series_csv(stats)),
        "joins" => Some(joins_csv(stats)),
        t if super::TABLES.contains(&t) => Some(rows_where(stats, |dim| dim == t)),
        _ => None,
    }
}

fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new())
}

fn finish(out: ::csv::Writer<Vec<u8>>) -> Result<String, ::csv::Error> {
    let bytes = out.into_inner().map_err(|e| ::csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn series_csv(stats: &Stats) -> Result<String, ::csv::Error> {
    let mut out = writer();
    out.write_record(SERIES_HEADER)?;
    for p in &stats.series.points {
        out.write_record([
            p.date.clone(),
            p.start.to_string(),
            p.page_views.to_string(),
            p.product_selects.to_string(),
            p.checkouts_started.to_string(),
            p.purchases_verified.to_string(),
            p.purchases_unverified.to_string(),
        ])?;
    }
    finish(out)
}

fn joins_csv(stats: &Stats) -> Result<String, ::csv::Error> {
    let mut out = writer();
    out.write_record(JOINS_HEADER)?;
    for o in &stats.joins.outcomes {
        let code = serde_json::to_value(o.outcome).ok().and_then(|v| v.as_str().map(str::to_owned));
        out.write_record([code.unwrap_or_default(), o.message.to_owned(), o.count.to_string()])?;
    }
    finish(out)
}

/// The rows of the whole file whose `dimension` passes `keep`.
fn rows_where(stats: &Stats, keep: impl Fn(&str) -> bool) -> Result<String, ::csv::Error> {
    let mut out = writer();
    out.write_record(CSV_HEADER)?;
    let mut rows: Vec<(&str, &str, Option<&str>, &Group)> = vec![("total", "", None, &stats.totals)];
    for (dim, list) in &stats.by {
        rows.extend(list.iter().map(|r| (*dim, r.key.as_str(), r.title.as_deref(), &r.group)));
    }
    let rate = |r: Option<f64>| r.map_or(String::new(), |r| r.to_string());
    let money = |m: &Revenue, excluded: &str| {
        [
            m.currency.clone(),
            m.all.to_string(),
            m.verified.to_string(),
            m.unverified.to_string(),
            m.refunded.to_string(),
            excluded.to_owned(),
        ]
    };
    for (dim, key, title, g) in rows {
        if !keep(dim) {
            continue;
        }
        let excluded = if dim == "total" { stats.excluded.count.to_string() } else { String::new() };
        let f = &g.funnel;
        let head = [
            dim.to_owned(),
            key.to_owned(),
            title.unwrap_or_default().to_owned(),
            f.page_views.to_string(),
            f.code_views.to_string(),
            f.product_selects.to_string(),
            f.checkouts_started.to_string(),
            f.checkouts_ordered.to_string(),
            f.purchases.to_string(),
            f.purchases_verified.to_string(),
            f.purchases_unverified.to_string(),
            rate(g.rates.checkout_to_order),
        ];
        if g.revenue.is_empty() {
            out.write_record(head.iter().map(String::as_str).chain(["", "", "", "", "", &excluded]))?;
        }
        for m in &g.revenue {
            out.write_record(head.iter().chain(money(m, &excluded).iter()))?;
        }
    }
    for s in stats.what_sold.iter().filter(|_| keep("what_sold")) {
        let head = [
            "what_sold".to_owned(),
            sold_key(s),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            s.purchases.to_string(),
            s.purchases_verified.to_string(),
            s.purchases_unverified.to_string(),
            String::new(),
        ];
        if s.revenue.is_empty() {
            out.write_record(head.iter().map(String::as_str).chain(["", "", "", "", "", ""]))?;
        }
        for m in &s.revenue {
            out.write_record(head.iter().chain(money(m, "").iter()))?;
        }
    }
    for r in stats.excluded.reasons.iter().filter(|_| keep("excluded")) {
        let key = format!("{}:{}", r.row, exclusion_code(r.reason));
        let mut record = vec![String::new(); CSV_HEADER.len()];
        record[0] = "excluded".to_owned();
        record[1] = key;
        record[CSV_HEADER.len() - 1] = r.count.to_string();
        out.write_record(&record)?;
    }
    finish(out)
}

/// The reason's code as JSON writes it (`event_value`).
fn exclusion_code(reason: Exclusion) -> String {
    serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
