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
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;font-size:.9rem}\
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top;white-space:nowrap}\
th[scope=row],td.k{text-align:left;white-space:normal;min-width:5.5rem;max-width:11rem;overflow-wrap:anywhere}\
th[scope=row]{position:sticky;left:0;background:#fff}td small{white-space:normal;min-width:7rem}\
@media (max-width:30rem){body{margin:.6rem}.scroll{overflow:visible}table{width:100%}\
table,tbody,tr,th,td{display:block}tr.head{display:none}tr{border-bottom:1px solid #ddd;padding:.35rem 0}\
th,td{border:0;padding:.1rem 0;white-space:normal}th[scope=row]{position:static;max-width:none}\
td{text-align:right}td::before{content:attr(data-label);float:left;margin-right:1rem;color:#555}tr::after{content:'';display:block;clear:both}\
td.k{max-width:none}td small{min-width:0}}\
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}th[scope=row]{background:#111}p,small,.cards span,td::before{color:#aaa}.cards div,th,td{border-color:#333}}";

/// The breakdowns shown, with their titles.
const TITLES: [(&str, &str); 8] = [
    ("creator", "creator"),
    ("affiliate", "affiliate"),
    ("code", "code"),
    ("utm_source", "source"),
    ("utm_medium", "channel"),
    ("utm_campaign", "campaign"),
    ("utm_content", "clip (utm_content)"),
    ("product", "product"),
];

fn percent(rate: Option<f64>) -> String {
    rate.map_or("–".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// A group's revenue, one line per currency, with the verified / unverified /
/// refunded split where it says something.
fn money(group: &Group) -> Markup {
    revenue(&group.revenue)
}

fn revenue(revenue: &[Revenue]) -> Markup {
    html! {
        @if revenue.is_empty() {
            "–"
        }
        @for (i, m) in revenue.iter().enumerate() {
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
    sales_of(funnel.purchases, funnel.purchases_verified, funnel.purchases_unverified)
}

fn sales_of(all: u64, verified: u64, unverified: u64) -> Markup {
    html! {
        (all)
        @if unverified > 0 || verified > 0 {
            small { (verified) " verified · " (unverified) " unverified" }
        }
    }
}

/// A row's name: a product's title with its id below, else the key.
fn name(row: &Row) -> Markup {
    html! {
        @match &row.title {
            Some(title) => { (title) small { (row.key) } }
            None => (row.key),
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
                    div {
                        span { "Checkouts → orders" }
                        b {
                            (percent(t.rates.checkout_to_order))
                            small { (f.checkouts_ordered) " of " (f.checkouts_started) " became a verified order" }
                        }
                    }
                    div { span { "Views" } b { (f.page_views) } }
                    div { span { "Code views" } b { (f.code_views) } }
                    div { span { "Product taps" } b { (f.product_selects) } }
                    div { span { "Checkouts" } b { (f.checkouts_started) } }
                }
                p {
                    "Code views: a code's card was on screen. Checkouts → orders: the share of checkouts whose \
                    link came back on a verified order. Counts of different steps are not divided: a Buy link \
                    checks out without a tap, and one visit can buy twice."
                }
                @if !stats.what_sold.is_empty() {
                    h2 { "What sold" }
                    div.scroll {
                        table {
                            tr.head { th { "Source" } th { "Campaign" } th { "Code" } th { "Sales" } th { "Revenue" } }
                            @for s in &stats.what_sold {
                                tr {
                                    td.k data-label="Source" { (s.utm_source) }
                                    td.k data-label="Campaign" { (s.utm_campaign) }
                                    td.k data-label="Code" { (s.code) }
                                    td data-label="Sales" { (sales_of(s.purchases, s.purchases_verified, s.purchases_unverified)) }
                                    td data-label="Revenue" { (revenue(&s.revenue)) }
                                }
                            }
                        }
                    }
                }
                @for (dim, title) in TITLES {
                    @if let Some(rows) = stats.by.get(dim).filter(|r| !r.is_empty()) {
                        h2 { "By " (title) }
                        div.scroll {
                            table {
                                tr.head {
                                    th {} th { "Sales" } th { "Revenue" } th { "Views" } th { "Code views" }
                                    th { "Taps" } th { "Checkouts" } th { "→ orders" }
                                }
                                @for r in rows {
                                    tr {
                                        th scope="row" { (name(r)) }
                                        td data-label="Sales" { (sales(&r.group.funnel)) }
                                        td data-label="Revenue" { (money(&r.group)) }
                                        td data-label="Views" { (r.group.funnel.page_views) }
                                        td data-label="Code views" { (r.group.funnel.code_views) }
                                        td data-label="Taps" { (r.group.funnel.product_selects) }
                                        td data-label="Checkouts" { (r.group.funnel.checkouts_started) }
                                        td data-label="→ orders" { (percent(r.group.rates.checkout_to_order)) }
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
