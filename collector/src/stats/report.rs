//! The stats as a small HTML page a creator opens on a phone, written with maud so that
//! every piece of stored text is escaped by construction: a date-range form, the key
//! figures, then charts (see [`chart`]) each with its plain-language line
//! ([`sentence`]), the table of its figures and that table's CSV.

use super::chart::{self, Band, BarRow, Style};
use super::sentence::grouped;
use super::*;
use linkshelf_core::money::{decimal_from_digits, Currency};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// What the page needs besides the figures: how the request was authorised and when it
/// is, for the range form, its presets and the CSV links.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The credential, when it came in the URL (`?token=`, how a report link is opened
    /// on a phone): the form and links carry it on, or they would not authorise. `None`
    /// when it came as a header, which a link cannot carry (and must not be written out).
    pub token: Option<String>,
    /// Now (Unix ms): the presets count back from today.
    pub now: i64,
}

impl Page {
    /// A query string for a report or CSV link: `extra`, the reader's own filters and
    /// the credential.
    fn query(&self, filters: Filters, extra: &[(&str, &str)]) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        for (k, v) in filters.pairs() {
            q.append_pair(k, v);
        }
        if let Some(t) = &self.token {
            q.append_pair("token", t);
        }
        q.finish()
    }

    /// The CSV of one table of this very report (same range to the millisecond). Times
    /// as RFC 3339 rather than Unix ms: readable in the link, and no long run of digits
    /// that reads like a figure (the privacy tests look for those).
    fn csv(&self, stats: &Stats, table: &str) -> String {
        let time = |ms: i64| jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string());
        let (from, to) = (time(stats.from), time(stats.to));
        format!("stats.csv?{}", self.query(Filters::of(stats), &[("table", table), ("from", &from), ("to", &to)]))
    }
}

/// A brand's narrowing of the report (`affiliate=`, `creator=`), carried by its links
/// and form. An affiliate's own link takes neither, so it never has any.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filters<'a> {
    pub affiliate: Option<&'a str>,
    pub creator: Option<&'a str>,
}

impl<'a> Filters<'a> {
    fn of(stats: &'a Stats) -> Filters<'a> {
        match &stats.scope {
            Scope::Brand { affiliate } => {
                Filters { affiliate: affiliate.as_deref(), creator: stats.creator.as_deref() }
            }
            Scope::Affiliate(_) => Filters::default(),
        }
    }

    fn pairs(self) -> impl Iterator<Item = (&'static str, &'a str)> {
        [("affiliate", self.affiliate), ("creator", self.creator)].into_iter().filter_map(|(k, v)| Some((k, v?)))
    }
}

/// The tables `/v1/stats.csv?table=` gives, each the one of the report of that name.
pub const TABLES: [&str; 13] = [
    "total",
    "series",
    "joins",
    "what_sold",
    "creator",
    "affiliate",
    "code",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "product",
    "excluded",
];

/// Minor units as a decimal amount with the currency's exponent: `2720 EUR` →
/// `27.20 EUR`, by the core's rule (the sums here are 128-bit).
pub fn format_money(minor: i128, currency: &str) -> String {
    let exponent = Currency(currency.to_owned()).exponent();
    // Grouped like counts (`811,025.00 EUR`): the integer part of the decimal text.
    let plain = decimal_from_digits(minor < 0, &minor.unsigned_abs().to_string(), exponent);
    let (sign, digits) = plain.split_at(usize::from(plain.starts_with('-')));
    let (whole, fraction) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let whole = whole.parse::<u128>().map_or_else(|_| whole.to_owned(), sentence::grouped);
    format!("{sign}{whole}{fraction} {currency}")
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:1rem;max-width:60rem;color:#222;background:#fff}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.4rem 0 .3rem}p{margin:0 0 1rem;color:#555}\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(10.5rem,calc(50% - .25rem)),1fr));gap:.5rem}\
.cards div{border:1px solid #ddd;border-radius:.5rem;padding:.5rem .7rem}.cards span{display:block;color:#555;font-size:.85rem}\
.cards b{font-size:clamp(1rem,4.6vw,1.3rem);overflow-wrap:anywhere}.warn{color:#8a4b00;border-left:3px solid #d98a00;padding-left:.5rem}small{display:block;font-size:.75rem;font-weight:normal;color:#555}\
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;font-size:.9rem}\
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top;white-space:nowrap}\
th[scope=row],td.k{text-align:left;white-space:normal;min-width:5.5rem;max-width:11rem;overflow-wrap:anywhere}\
th[scope=row]{position:sticky;left:0;background:#fff}td small{white-space:normal;min-width:7rem}\
@media (max-width:30rem){body{margin:.6rem}.scroll{overflow:visible}table{width:100%}\
table,tbody,tr,th,td{display:block}tr.head{display:none}tr{border-bottom:1px solid #ddd;padding:.35rem 0}\
th,td{border:0;padding:.1rem 0;white-space:normal}th[scope=row]{position:static;max-width:none}\
td{text-align:right}td::before{content:attr(data-label);float:left;margin-right:1rem;color:#555}tr::after{content:'';display:block;clear:both}\
td.k{max-width:none}td small{min-width:0}}\
figure{margin:.4rem 0 .8rem}figure svg{display:block;max-width:28rem;height:auto}figcaption{margin:.3rem 0 0;max-width:40rem}\
svg text{fill:currentColor;font-size:11px}svg text.l{font-weight:600}.s0{fill:#1d4ed8}.s1{stroke:#9a4a00;stroke-width:1}\
.hb{fill:#fff}.hl{stroke:#9a4a00;stroke-width:2.2}.axis{stroke:#888;stroke-width:.6}small.inline{display:inline}\
form.range{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:end;margin:.5rem 0 .2rem}\
form.range label{display:flex;flex-direction:column;font-size:.85rem;color:#555}\
form.range input,form.range button{font:inherit;padding:.3rem .5rem;min-height:2.75rem;border:1px solid #888;border-radius:.3rem;background:#fff;color:#222}.presets{margin:.2rem 0 1rem}\
.csv{margin:.3rem 0 1rem;font-size:.85rem}details{margin:.3rem 0}summary{cursor:pointer;padding:.3rem 0}\
a{color:#1d4ed8}\
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}th[scope=row]{background:#111}p,small,.cards span,td::before{color:#aaa}.cards div,th,td{border-color:#333}\
.warn{color:#ffb366}.s0{fill:#8ab4ff}.s1{stroke:#ffb366}.hb{fill:#111}.hl{stroke:#ffb366}a{color:#8ab4ff}form.range label{color:#aaa}\
form.range input,form.range button{background:#222;color:#eee;border:1px solid #555}}";

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

/// Whether a currency's line carries its verified / unverified / refunded split.
fn detailed(m: &Revenue) -> bool {
    m.unverified > 0 || m.refunded > 0
}

fn revenue(revenue: &[Revenue]) -> Markup {
    html! {
        @if revenue.is_empty() {
            "–"
        }
        @for (i, m) in revenue.iter().enumerate() {
            // After a currency's split (a block of its own) the next starts on its own
            // line already; a break there left an empty line.
            @if i > 0 && !detailed(&revenue[i - 1]) { br; }
            (format_money(m.all, &m.currency))
            @if detailed(m) {
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
        (grouped(all))
        @if unverified > 0 || verified > 0 {
            small { (grouped(verified)) " verified · " (grouped(unverified)) " unverified" }
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

const DAY_MS: i64 = 86_400_000;

/// The breakdowns drawn as revenue charts: where the money came from, by what, and (a
/// brand's view) through whom.
const CHARTED: [&str; 4] = ["utm_source", "code", "product", "affiliate"];
/// Bars per revenue chart; the table below it has every row.
const CHART_ROWS: usize = 8;

/// A key as a chart reads it: a product's title rather than its id, and words for the
/// rows without a value (`(none)`, an affiliate's `(other)`).
fn chart_label(dim: &str, row: &Row) -> String {
    if let Some(title) = &row.title {
        return title.clone();
    }
    match (dim, row.key.as_str()) {
        ("utm_source", NONE) => "No source tag".to_owned(),
        ("code", NONE) => "No code".to_owned(),
        ("code", OTHER) => "Codes not yours".to_owned(),
        ("product", NONE) => "Product unknown".to_owned(),
        ("affiliate", NONE) => "No affiliate".to_owned(),
        (_, NONE) => "None".to_owned(),
        (_, key) => key.to_owned(),
    }
}

/// The currencies of a breakdown's revenue, in order.
fn currencies(rows: &[Row]) -> Vec<String> {
    let mut all: Vec<String> = rows.iter().flat_map(|r| r.group.revenue.iter().map(|m| m.currency.clone())).collect();
    all.sort();
    all.dedup();
    all
}

/// A breakdown's rows with revenue in `currency` as (label, verified, unverified), largest
/// verified first, then unverified; the stable sort keeps the keys' order among equals.
fn revenue_figures(dim: &str, rows: &[Row], currency: &str) -> Vec<(String, i128, i128)> {
    let mut figures: Vec<(String, i128, i128)> = rows
        .iter()
        .filter_map(|r| {
            let m = r.group.revenue.iter().find(|m| m.currency == currency)?;
            (m.verified > 0 || m.unverified > 0).then(|| (chart_label(dim, r), m.verified, m.unverified))
        })
        .collect();
    figures.sort_by_key(|f| std::cmp::Reverse((f.1, f.2)));
    figures
}

/// One revenue chart per currency of a breakdown, verified and unverified (thank-you
/// pages) as two bars per row, never added; each with its line.
fn revenue_charts(dim: &str, title: &str, rows: &[Row], period: &str, next_id: &mut u32) -> Markup {
    html! {
        @for currency in currencies(rows) {
            @let figures = revenue_figures(dim, rows, &currency);
            @if !figures.is_empty() {
                @let line = sentence::revenue_share(&figures, &currency, period);
                @let more = figures.len().saturating_sub(CHART_ROWS);
                // A kind with nothing in this currency gets no bars (all would read 0.00).
                @let kinds: Vec<(&str, Style, bool)> = [
                    ("verified", Style::Solid, figures.iter().any(|f| f.1 > 0)),
                    ("unverified (thank-you page)", Style::Hatched, figures.iter().any(|f| f.2 > 0)),
                ]
                .into_iter()
                .filter(|k| k.2)
                .collect();
                @let series: Vec<(&str, Style)> = kinds.iter().map(|k| (k.0, k.1)).collect();
                @let bars: Vec<BarRow> = figures
                    .iter()
                    .take(CHART_ROWS)
                    .map(|(label, verified, unverified)| {
                        let mut bars = Vec::new();
                        for (_, style, _) in &kinds {
                            let (value, word) = if *style == Style::Solid { (*verified, "verified") } else { (*unverified, "unverified") };
                            bars.push((value as f64, format!("{} {word}", format_money(value, &currency))));
                        }
                        BarRow { label: label.clone(), bars }
                    })
                    .collect();
                @let id = { *next_id += 1; format!("chart{next_id}") };
                @let heading = format!("Revenue by {title} ({currency})");
                @let desc = if more > 0 { format!("{line} The table below has {more} more.") } else { line.clone() };
                figure {
                    (chart::hbars(&id, &heading, &desc, &series, &bars))
                    figcaption { (line) @if more > 0 { " " small.inline { "(" (more) " more in the table)" } } }
                }
            }
        }
    }
}

/// A table's CSV link.
fn csv_link(page: &Page, stats: &Stats, table: &str, what: &str) -> Markup {
    html! { p.csv { a href=(page.csv(stats, table)) download { "CSV of " (what) } } }
}

/// The range form: two dates (UTC days, both included) and presets, as a GET to this
/// page with the reader's credential and filters carried in hidden fields.
fn range_form(page: &Page, filters: Filters, from: &str, to: &str) -> Markup {
    let today = page.now.div_euclid(DAY_MS);
    let day = |d: i64| series::date(d.saturating_mul(DAY_MS));
    let month_start = jiff::Timestamp::from_millisecond(page.now)
        .ok()
        .and_then(|t| t.to_zoned(jiff::tz::TimeZone::UTC).first_of_month().ok())
        .map(|z| z.date().to_string());
    let mut presets: Vec<(&str, String, String)> = [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days")]
        .map(|(n, name)| (name, day(today - n + 1), day(today)))
        .into();
    if let Some(start) = month_start {
        presets.push(("This month", start, day(today)));
    }
    let link = |f: &str, t: &str| format!("report?{}", page.query(filters, &[("from", f), ("to", t)]));
    html! {
        form.range method="get" action="report" aria-label="Date range" {
            label { "From " input type="date" name="from" value=(from) required; }
            label { "To " input type="date" name="to" value=(to) required; }
            @for (name, value) in filters.pairs() { input type="hidden" name=(name) value=(value); }
            @if let Some(t) = &page.token { input type="hidden" name="token" value=(t); }
            button type="submit" { "Show" }
        }
        p.presets {
            @for (i, (name, f, t)) in presets.iter().enumerate() {
                @if i > 0 { " · " }
                @if f == from && t == to {
                    a href=(link(f, t)) aria-current="true" { b { (name) } }
                } @else {
                    a href=(link(f, t)) { (name) }
                }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            // No icon of its own: without this line every browser asks the collector for
            // /favicon.ico and logs its 404.
            link rel="icon" href="data:,";
            title { (title) }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// The page for a range the collector cannot read (a date that is no date, `from` not
/// before `to`): what is wrong, and the form to fix it, still authorised.
pub fn range_error(message: &str, page: &Page, filters: Filters, from: &str, to: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Linkshelf stats: check the dates"))
            body {
                h1 { "Stats" }
                p.warn role="alert" { (message) }
                (range_form(page, filters, from, to))
            }
        }
    }
    .into_string()
}

/// [`to_page`] as of the range's end, with no credential to carry (tests, tools).
pub fn to_html(stats: &Stats) -> String {
    to_page(stats, &Page { token: None, now: stats.to })
}

/// A small page a creator can open on a phone: the range, the key figures first as
/// cards, the funnel per day and the join rate as charts, then one table per breakdown
/// (sales and revenue in the first columns, what shows before any sideways scrolling),
/// the revenue ones drawn first per currency; each table with its CSV.
pub fn to_page(stats: &Stats, page: &Page) -> String {
    let t = &stats.totals;
    let f = &t.funnel;
    let excluded = &stats.excluded;
    let period = sentence::period(stats.from, stats.to);
    let mut next_id = 0;
    let dates: Vec<String> = stats.series.points.iter().map(|p| p.date.clone()).collect();
    let per =
        if stats.series.bucket_days == 1 { "day".to_owned() } else { format!("{} days", stats.series.bucket_days) };
    let bands: Vec<Band> = [
        ("visits", Style::Solid, (|p: &Point| p.page_views) as fn(&Point) -> u64),
        ("product taps", Style::Solid, |p| p.product_selects),
        ("checkouts", Style::Solid, |p| p.checkouts_started),
        ("verified orders", Style::Solid, |p| p.purchases_verified),
        // Short, so its line fits a phone with a season's figures (the chart's text
        // and the hatching say it is the thank-you page's claim).
        ("unverified orders", Style::Hatched, |p| p.purchases_unverified),
    ]
    .into_iter()
    .map(|(name, style, of)| Band {
        name: name.to_owned(),
        style,
        values: stats.series.points.iter().map(of).collect(),
    })
    .collect();
    let funnel_line = sentence::funnel(&stats.series, &period);
    let joins = &stats.joins;
    let join_line = sentence::joins(joins, &period);
    let join_bars: Vec<BarRow> = joins
        .outcomes
        .iter()
        .map(|o| BarRow { label: o.outcome.label().to_owned(), bars: vec![(o.count as f64, grouped(o.count))] })
        .collect();
    let all_currencies: Vec<String> = t.revenue.iter().map(|m| m.currency.clone()).collect();
    let shows_affiliates = matches!(stats.scope, Scope::Brand { affiliate: None })
        && stats.by.get("affiliate").is_some_and(|rows| rows.iter().any(|r| r.key != NONE));
    let page_html = html! {
        (DOCTYPE)
        html lang="en" {
            (head("Linkshelf stats"))
            body {
                h1 {
                    "Stats"
                    @if let Some(creator) = &stats.creator { " for " (creator) }
                    @if let Some(affiliate) = &stats.affiliate {
                        (if stats.creator.is_some() { ", affiliate " } else { " for " }) (affiliate)
                    }
                }
                (range_form(page, Filters::of(stats), &series::date(stats.from), &series::date(stats.to.saturating_sub(1).max(stats.from))))
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
                        (grouped(excluded.count)) " stored " (if excluded.count == 1 { "row was" } else { "rows were" })
                        " left out of these figures: "
                        @for (i, r) in excluded.reasons.iter().enumerate() {
                            @if i > 0 { "; " }
                            (grouped(r.count)) " × " (r.message)
                        }
                        "."
                    }
                    (csv_link(page, stats, "excluded", "the rows left out"))
                }
                div.cards {
                    div { span { "Sales" } b { (grouped(f.purchases)) small { (grouped(f.purchases_verified)) " verified" } } }
                    div { span { "Revenue" } b { (money(t)) } }
                    div {
                        span { "Checkouts → orders" }
                        b {
                            (percent(t.rates.checkout_to_order))
                            small { (grouped(f.checkouts_ordered)) " of " (grouped(f.checkouts_started)) " became a verified order" }
                        }
                    }
                    div {
                        span { "Orders joined to a click" }
                        b {
                            (percent(joins.rate))
                            small { (grouped(joins.joined)) " of " (grouped(joins.orders)) " verified orders" }
                        }
                    }
                    div { span { "Views" } b { (grouped(f.page_views)) } }
                    div { span { "Code views" } b { (grouped(f.code_views)) } }
                    div { span { "Product taps" } b { (grouped(f.product_selects)) } }
                    div { span { "Checkouts" } b { (grouped(f.checkouts_started)) } }
                }
                p {
                    "Code views: a code's card was on screen. Checkouts → orders: the share of checkouts whose \
                    link came back on a verified order. Counts of different steps are not divided: a Buy link \
                    checks out without a tap, and one visit can buy twice."
                }
                (csv_link(page, stats, "total", "the totals"))
                @if let Some(line) = sentence::currencies(&all_currencies) {
                    p { (line) }
                }
                h2 { "Visits to orders, per " (per) }
                // Nothing counted, or one day: the line says it all; five flat rows, or five
                // full-height columns, would say nothing more.
                @if dates.len() > 1 && bands.iter().any(|b| b.values.iter().any(|v| *v > 0)) {
                    @let id = { next_id += 1; format!("chart{next_id}") };
                    figure {
                        (chart::columns(&id, &format!("Visits, product taps, checkouts and orders per {per}"), &funnel_line, &per, &dates, &bands))
                        figcaption { (funnel_line) " Each row has its own scale." }
                    }
                } @else {
                    p { (funnel_line) }
                }
                @if !stats.series.points.is_empty() {
                    details {
                        summary { "The figures per " (per) }
                        div.scroll {
                            table {
                                tr.head {
                                    th { "From" } th { "Views" } th { "Taps" } th { "Checkouts" } th { "Verified orders" } th { "Claimed" }
                                }
                                @for p in &stats.series.points {
                                    tr {
                                        th scope="row" { (p.date) }
                                        td data-label="Views" { (p.page_views) }
                                        td data-label="Taps" { (p.product_selects) }
                                        td data-label="Checkouts" { (p.checkouts_started) }
                                        td data-label="Verified orders" { (p.purchases_verified) }
                                        td data-label="Claimed" { (p.purchases_unverified) }
                                    }
                                }
                            }
                        }
                    }
                    (csv_link(page, stats, "series", &format!("the figures per {per}")))
                }
                h2 { "Orders joined to their click" }
                @if joins.orders > 0 {
                    @let id = { next_id += 1; format!("chart{next_id}") };
                    figure {
                        (chart::hbars(&id, "Verified orders by how they met their click", &join_line, &[("orders", Style::Solid)], &join_bars))
                        figcaption { (join_line) }
                    }
                    p {
                        "Joined: the shop handed back the click id of the checkout link, so the order is tied to \
                        that very visit. Matched by code or UTM: a recent checkout with the same code or tags, a \
                        guess. A click id no stored click has: the shopper's browser blocked the tracker, or \
                        events were lost. Outside the window: a matching checkout exists, but longer before the \
                        order than the attribution window."
                    }
                    div.scroll {
                        table {
                            tr.head { th { "How" } th { "Orders" } }
                            @for o in &joins.outcomes {
                                tr { th scope="row" { (capital(o.message)) } td data-label="Orders" { (grouped(o.count)) } }
                            }
                        }
                    }
                    (csv_link(page, stats, "joins", "the join outcomes"))
                } @else {
                    p { (join_line) }
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
                    (csv_link(page, stats, "what_sold", "what sold"))
                }
                @for (dim, title) in TITLES {
                    @if let Some(rows) = stats.by.get(dim).filter(|r| !r.is_empty()) {
                        h2 { "By " (title) }
                        @if CHARTED.contains(&dim) && (dim != "affiliate" || shows_affiliates) {
                            (revenue_charts(dim, title, rows, &period, &mut next_id))
                        }
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
                                        td data-label="Views" { (grouped(r.group.funnel.page_views)) }
                                        td data-label="Code views" { (grouped(r.group.funnel.code_views)) }
                                        td data-label="Taps" { (grouped(r.group.funnel.product_selects)) }
                                        td data-label="Checkouts" { (grouped(r.group.funnel.checkouts_started)) }
                                        td data-label="→ orders" { (percent(r.group.rates.checkout_to_order)) }
                                    }
                                }
                            }
                        }
                        (csv_link(page, stats, dim, &format!("the {title} table")))
                    }
                }
            }
        }
    };
    page_html.into_string()
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod money_lines {
    use super::*;

    fn line(currency: &str, all: i128, unverified: i128) -> Revenue {
        Revenue { currency: currency.into(), all, verified: all - unverified, unverified, refunded: 0 }
    }

    /// Each currency on its own line, never an empty one between (a split is a block).
    #[test]
    fn each_currency_starts_one_line_down() {
        let split_first = revenue(&[line("EUR", 330_870, 260_790), line("USD", 36_151, 0)]).into_string();
        assert!(split_first.contains("refunded 0.00 EUR</small>361.51 USD"), "{split_first}");
        let plain_first = revenue(&[line("USD", 36_151, 0), line("EUR", 330_870, 0)]).into_string();
        assert_eq!(plain_first, "361.51 USD<br>3,308.70 EUR");
    }
}
