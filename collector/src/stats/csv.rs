//! The stats as CSV, for spreadsheets.

use super::*;

/// The CSV header; one row per (dimension, key, currency). A group's funnel counts
/// repeat on each of its currency rows; a group without revenue has one row with an
/// empty currency. The last column, `excluded`, is the number of stored rows left out
/// of the figures: on the `total` rows, then one `excluded` row per reason (`key` is
/// `event:event_value` and the like) with its count; empty elsewhere.
pub const CSV_HEADER: [&str; 17] = [
    "dimension",
    "key",
    "page_views",
    "product_selects",
    "checkouts_started",
    "purchases",
    "purchases_verified",
    "purchases_unverified",
    "view_to_select",
    "select_to_checkout",
    "checkout_to_purchase",
    "currency",
    "revenue_all",
    "revenue_verified",
    "revenue_unverified",
    "refunded",
    "excluded",
];

/// The stats as CSV (RFC 4180: quoted where needed, CRLF line ends).
pub fn to_csv(stats: &Stats) -> Result<String, ::csv::Error> {
    let mut out = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    out.write_record(CSV_HEADER)?;
    let mut rows: Vec<(&str, &str, &Group)> = vec![("total", "", &stats.totals)];
    for (dim, list) in &stats.by {
        rows.extend(list.iter().map(|r| (*dim, r.key.as_str(), &r.group)));
    }
    let rate = |r: Option<f64>| r.map_or(String::new(), |r| r.to_string());
    for (dim, key, g) in rows {
        let excluded = if dim == "total" { stats.excluded.count.to_string() } else { String::new() };
        let f = &g.funnel;
        let head = [
            dim.to_owned(),
            key.to_owned(),
            f.page_views.to_string(),
            f.product_selects.to_string(),
            f.checkouts_started.to_string(),
            f.purchases.to_string(),
            f.purchases_verified.to_string(),
            f.purchases_unverified.to_string(),
            rate(g.rates.view_to_select),
            rate(g.rates.select_to_checkout),
            rate(g.rates.checkout_to_purchase),
        ];
        if g.revenue.is_empty() {
            out.write_record(head.iter().map(String::as_str).chain(["", "", "", "", "", &excluded]))?;
        }
        for m in &g.revenue {
            let money = [
                m.currency.clone(),
                m.all.to_string(),
                m.verified.to_string(),
                m.unverified.to_string(),
                m.refunded.to_string(),
                excluded.clone(),
            ];
            out.write_record(head.iter().chain(money.iter()))?;
        }
    }
    for r in &stats.excluded.reasons {
        let key = format!("{}:{}", r.row, exclusion_code(r.reason));
        let mut record = vec![String::new(); CSV_HEADER.len()];
        record[0] = "excluded".to_owned();
        record[1] = key;
        record[CSV_HEADER.len() - 1] = r.count.to_string();
        out.write_record(&record)?;
    }
    let bytes = out.into_inner().map_err(|e| ::csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The reason's code as JSON writes it (`event_value`).
fn exclusion_code(reason: Exclusion) -> String {
    serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
