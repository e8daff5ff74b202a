//! The stats as a small HTML page a creator opens on a phone, written with maud so that
//! every piece of stored text is escaped by construction.

use super::*;
use linkshelf_core::money::{decimal_from_digits, Currency};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Minor units as a decimal amount with the currency's exponent: `2720 EUR` →
/// `27.20 EUR`, by the core's rule (the sums here are 128-bit).
pub fn format_money(minor: i128, currency: &str) -> String {
    let exponent = Currency(currency.to_owned()).exponent();
    format!("{} {currency}", decimal_from_digits(minor < 0, &minor.unsigned_abs().to_string(), exponent))
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:1rem;max-width:60rem;color:#222;background:#fff}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.4rem 0 .3rem}p{margin:0 0 1rem;color:#555}\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem}\
.cards div{border:1px solid #ddd;border-radius:.5rem;padding:.5rem .7rem}.cards span{display:block;color:#555;font-size:.85rem}\
.cards b{font-size:1.3rem}.warn{color:#8a4b00;border-left:3px solid #d98a00;padding-left:.5rem}small{display:block;font-size:.75rem;font-weight:normal;color:#555}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}\
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top;white-space:nowrap}\
th[scope=row]{text-align:left;white-space:normal;min-width:6.5rem;overflow-wrap:anywhere}\
td small{white-space:normal;min-width:8rem}\
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}p,small,.cards span{color:#aaa}.cards div,th,td{border-color:#333}}";

/// The breakdowns shown, with their titles.
const TITLES: [(&str, &str); 6] = [
    ("creator", "creator"),
    ("affiliate", "affiliate"),
    ("code", "code"),
    ("utm_source", "source"),
    ("utm_medium", "channel"),
    ("product", "product"),
];

fn percent(rate: Option<f64>) -> String {
    rate.map_or("–".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// A group's revenue, one line per currency, with the verified / unverified /
/// refunded split where it says something.
fn money(group: &Group) -> Markup {
    html! {
        @if group.revenue.is_empty() {
            "–"
        }
        @for (i, m) in group.revenue.iter().enumerate() {
            @if i > 0 { br; }
            (format_money(m.all, &m.currency))
            @if m.unverified > 0 || m.refunded > 0 {
                small {
                    "verified " (format_money(m.verified, &m.currency))
                    " · unverified " (format_money(m.unverified, &m.currency))
                    " · refunded " (format_money(m.refunded, &m.currency))
                }
            }
        }
    }
}

/// A group's sales with the verified / unverified split: a brand pays affiliates on
/// what the shop confirmed, so the two are never shown as one number alone.
fn sales(funnel: &Funnel) -> Markup {
    html! {
        (funnel.purchases)
        @if funnel.purchases_unverified > 0 || funnel.purchases_verified > 0 {
            small { (funnel.purchases_verified) " verified · " (funnel.purchases_unverified) " unverified" }
        }
    }
}

fn utc(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .map_or_else(|_| millis.to_string(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

/// A small page a creator can open on a phone: the key figures first as cards, then
/// one table per breakdown with sales and revenue in the first columns (what shows
/// before any sideways scrolling).
pub fn to_html(stats: &Stats) -> String {
    let t = &stats.totals;
    let f = &t.funnel;
    let excluded = &stats.excluded;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Linkshelf stats" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 {
                    "Stats"
                    @if let Some(creator) = &stats.creator { " for " (creator) }
                    @if let Some(affiliate) = &stats.affiliate {
                        (if stats.creator.is_some() { ", affiliate " } else { " for " }) (affiliate)
                    }
                }
                p {
                    (utc(stats.from)) " to " (utc(stats.to)) ". Sales count every verified order (from the shop) \
                    and each thank-you-page purchase no verified order confirms; revenue is never added across \
                    currencies."
                }
                @if let Scope::Affiliate(_) = stats.scope {
                    p {
                        "Your own figures: visits to your page and links, and the orders credited to you (the \
                        affiliate the shop reported, else the one of the checkout link, else the owner of the \
                        discount code). Codes that are not yours show as " (OTHER) "."
                    }
                }
                @if excluded.count > 0 {
                    p.warn role="status" {
                        (excluded.count) " stored " (if excluded.count == 1 { "row was" } else { "rows were" })
                        " left out of these figures: "
                        @for (i, r) in excluded.reasons.iter().enumerate() {
                            @if i > 0 { "; " }
                            (r.count) " × " (r.message)
                        }
                        "."
                    }
                }
                div.cards {
                    div { span { "Sales" } b { (f.purchases) small { (f.purchases_verified) " verified" } } }
                    div { span { "Revenue" } b { (money(t)) } }
                    div { span { "Conversion" } b { (percent(t.rates.view_to_purchase)) small { "views to sales" } } }
                    div { span { "Views" } b { (f.page_views) } }
                    div { span { "Product taps" } b { (f.product_selects) } }
                    div { span { "Checkouts" } b { (f.checkouts_started) } }
                }
                @for (dim, title) in TITLES {
                    @if let Some(rows) = stats.by.get(dim).filter(|r| !r.is_empty()) {
                        h2 { "By " (title) }
                        div.scroll {
                            table {
                                tr {
                                    th {} th { "Sales" } th { "Revenue" } th { "Views" } th { "Taps" }
                                    th { "Checkouts" } th { "Conv." }
                                }
                                @for r in rows {
                                    tr {
                                        th scope="row" { (r.key) }
                                        td { (sales(&r.group.funnel)) }
                                        td { (money(&r.group)) }
                                        td { (r.group.funnel.page_views) }
                                        td { (r.group.funnel.product_selects) }
                                        td { (r.group.funnel.checkouts_started) }
                                        td { (percent(r.group.rates.view_to_purchase)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}
