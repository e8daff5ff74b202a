//! The plain-language line under each chart ("tiktok brought 62 % of verified revenue
//! (EUR) from 1 Nov to 30 Nov 2026."): what a creator would say reading it, from the
//! same figures, so the line and the chart cannot disagree. Also each chart's `<desc>`.

use super::series::Series;
use super::{format_money, Join, Joins};

/// The range as a reader says it: `1 Nov to 30 Nov 2026` (the year once when both ends
/// share it), `to` exclusive as everywhere, so its last day is `to - 1`.
pub fn period(from: i64, to: i64) -> String {
    let last = to.saturating_sub(1).max(from);
    let same_year = day(from, true).get(day(from, true).len().saturating_sub(4)..)
        == day(last, true).get(day(last, true).len().saturating_sub(4)..);
    if day(from, true) == day(last, true) {
        return format!("on {}", day(from, true));
    }
    format!("from {} to {}", day(from, !same_year), day(last, true))
}

/// A UTC day as read: `1 Nov 2026`, or `1 Nov`.
fn day(ms: i64, year: bool) -> String {
    let format = if year { "%-d %b %Y" } else { "%-d %b" };
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.strftime(format).to_string())
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `part` in whole percent of `whole` (half up), in integers: exact for any sums.
fn percent_of(part: i128, whole: i128) -> i128 {
    if whole <= 0 {
        return 0;
    }
    // Exact while `part × 200` fits (any real revenue); past that, a float is near enough.
    match (part.checked_mul(200).and_then(|p| p.checked_add(whole)), whole.checked_mul(2)) {
        (Some(p), Some(w)) => p / w,
        _ => (part as f64 / whole as f64 * 100.0).round() as i128,
    }
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// A whole number as a creator reads it on a phone: digits in groups of three
/// (`1,100,024`), as English writes them (the report is in English).
pub fn grouped(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line of a revenue-share chart in one currency: who brought the largest share of
/// the verified revenue (every one tied for it), or, with no verified revenue, what the
/// thank-you pages reported, unverified. A name always starts its sentence, so a row's words ("No
/// source tag") are written capitalised and a key as it is stored. `rows` are (name as read, verified, unverified) in minor units.
pub fn revenue_share(rows: &[(String, i128, i128)], currency: &str, period: &str) -> String {
    let verified: i128 = rows.iter().map(|r| r.1.max(0)).sum();
    let unverified: i128 = rows.iter().map(|r| r.2.max(0)).sum();
    if verified <= 0 {
        return if unverified > 0 {
            format!(
                "No verified revenue in {currency} {period}; thank-you pages reported {}, unverified (not confirmed by the shop).",
                format_money(unverified, currency)
            )
        } else {
            format!("No revenue in {currency} {period}.")
        };
    }
    let top = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let leaders: Vec<String> = rows.iter().filter(|r| r.1 == top).map(|r| r.0.clone()).collect();
    let share = percent_of(top, verified);
    if leaders.len() == 1 && top == verified {
        return format!("{} brought all verified revenue ({currency}) {period}.", list(&leaders));
    }
    let each = if leaders.len() > 1 { " each" } else { "" };
    format!("{} brought {share} %{each} of verified revenue ({currency}) {period}.", list(&leaders))
}

/// The line before the revenue charts when money came in several currencies: each has
/// its own charts, and nothing adds them up. `None` for one currency (or none), where
/// every chart already names it.
pub fn currencies(codes: &[String]) -> Option<String> {
    (codes.len() > 1).then(|| {
        format!("Revenue came in {}: each currency has its own charts and figures, never added together.", list(codes))
    })
}

/// The line of the funnel chart: the totals of each step and the busiest period.
pub fn funnel(series: &Series, period: &str) -> String {
    let p = &series.points;
    let sum = |f: fn(&super::Point) -> u64| p.iter().map(f).sum::<u64>();
    let (views, taps, checkouts, verified, unverified) = (
        sum(|p| p.page_views),
        sum(|p| p.product_selects),
        sum(|p| p.checkouts_started),
        sum(|p| p.purchases_verified),
        sum(|p| p.purchases_unverified),
    );
    if views + taps + checkouts + verified + unverified == 0 {
        return format!("No visits, taps, checkouts or orders {period}.");
    }
    let mut line = format!(
        "{}: {}, {}, {}, {} and {}.",
        capitalised(period),
        count(views, "visit", "visits"),
        count(taps, "product tap", "product taps"),
        count(checkouts, "checkout", "checkouts"),
        count(verified, "verified order", "verified orders"),
        count(unverified, "thank-you-page purchase", "thank-you-page purchases"),
    );
    // A busiest day is news only among several; `rev` so ties name the earliest.
    let busiest = p.iter().rev().max_by_key(|p| p.page_views).filter(|b| b.page_views > 0 && p.len() > 1);
    if let Some(b) = busiest {
        let when = if series.bucket_days == 1 {
            format!("Busiest day: {}", day(b.start, false))
        } else {
            format!("Busiest {} days: from {}", series.bucket_days, day(b.start, false))
        };
        line.push_str(&format!(" {when}, with {}.", count(b.page_views, "visit", "visits")));
    }
    line
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The line of the join chart: how many verified orders were joined to their click, and
/// why the others were not, largest reason first.
pub fn joins(j: &Joins, period: &str) -> String {
    if j.orders == 0 {
        return format!("No verified orders {period}, so none to join to a click.");
    }
    if j.joined == j.orders {
        return format!(
            "{} {period} joined to the click that led to {}.",
            if j.orders == 1 {
                "The one verified order".to_owned()
            } else {
                format!("All {} verified orders", grouped(j.orders))
            },
            if j.orders == 1 { "it" } else { "them" }
        );
    }
    // To a tenth, as the report's card shows the same rate ("77.6 %"), so the two agree.
    let tenths = percent_of(i128::from(j.joined) * 10, i128::from(j.orders));
    let share = format!("{}.{}", tenths / 10, tenths % 10);
    let mut others: Vec<(u64, Join)> =
        j.outcomes.iter().filter(|o| o.outcome != Join::ClickId && o.count > 0).map(|o| (o.count, o.outcome)).collect();
    // Largest first; a stable sort keeps the listed order among equals.
    others.sort_by_key(|o| std::cmp::Reverse(o.0));
    let why: Vec<String> = others.iter().map(|(n, o)| format!("{} {}", grouped(*n), o.message())).collect();
    format!(
        "{} of {} {period} ({share} %) joined to the click that led to {}; the {}: {}.",
        grouped(j.joined),
        count(j.orders, "verified order", "verified orders"),
        if j.orders == 1 { "it" } else { "them" },
        if j.orders - j.joined == 1 { "other".to_owned() } else { format!("other {}", grouped(j.orders - j.joined)) },
        why.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::super::series::Point;
    use super::super::JoinCount;
    use super::*;

    const NOV_1: i64 = 1_793_491_200_000;
    const DAY: i64 = 86_400_000;

    fn rows(r: &[(&str, i128, i128)]) -> Vec<(String, i128, i128)> {
        r.iter().map(|(k, v, c)| (k.to_string(), *v, *c)).collect()
    }

    #[test]
    fn a_period_reads_as_days() {
        assert_eq!(period(NOV_1, NOV_1 + 30 * DAY), "from 1 Nov to 30 Nov 2026");
        assert_eq!(period(NOV_1, NOV_1 + DAY), "on 1 Nov 2026");
        assert_eq!(period(NOV_1, NOV_1 + 70 * DAY), "from 1 Nov 2026 to 9 Jan 2027");
        assert_eq!(period(NOV_1 + 5, NOV_1 + 2 * DAY), "from 1 Nov to 2 Nov 2026");
    }

    #[test]
    fn the_largest_share_of_verified_revenue_is_named() {
        let p = "from 1 Nov to 30 Nov 2026";
        assert_eq!(
            revenue_share(&rows(&[("TikTok", 6200, 0), ("Instagram", 3000, 900), ("(none)", 800, 0)]), "EUR", p),
            "TikTok brought 62 % of verified revenue (EUR) from 1 Nov to 30 Nov 2026."
        );
        // Ties name every leader, with "each".
        assert_eq!(
            revenue_share(&rows(&[("a", 100, 0), ("b", 100, 0), ("c", 100, 0), ("d", 0, 5)]), "USD", p),
            "a, b and c brought 33 % each of verified revenue (USD) from 1 Nov to 30 Nov 2026."
        );
        assert_eq!(
            revenue_share(&rows(&[("a", 1, 0), ("b", 1, 0)]), "JPY", p),
            "a and b brought 50 % each of verified revenue (JPY) from 1 Nov to 30 Nov 2026."
        );
        assert_eq!(
            revenue_share(&rows(&[("JUNO15", 4500, 100), ("MIKA10", 0, 100)]), "EUR", p),
            "JUNO15 brought all verified revenue (EUR) from 1 Nov to 30 Nov 2026."
        );
        // No verified revenue: the claim, said to be one.
        assert_eq!(
            revenue_share(&rows(&[("tiktok", 0, 8160)]), "EUR", p),
            "No verified revenue in EUR from 1 Nov to 30 Nov 2026; thank-you pages reported 81.60 EUR, unverified (not \
             confirmed by the shop)."
        );
        assert_eq!(revenue_share(&[], "EUR", p), "No revenue in EUR from 1 Nov to 30 Nov 2026.");
        // Rounded half up, in integers.
        assert_eq!(percent_of(1, 8), 13);
        assert_eq!(percent_of(2, 3), 67);
        assert_eq!(percent_of(i128::MAX / 4, i128::MAX / 2), 50);
    }

    #[test]
    fn several_currencies_are_said_to_stay_apart() {
        let codes = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(currencies(&codes(&[])), None);
        assert_eq!(currencies(&codes(&["EUR"])), None);
        assert_eq!(
            currencies(&codes(&["EUR", "JPY", "USD"])).as_deref(),
            Some(
                "Revenue came in EUR, JPY and USD: each currency has its own charts and figures, never added together."
            )
        );
    }

    #[test]
    fn the_funnel_line_counts_each_step_and_names_the_busiest_day() {
        let mut s = Series::new(NOV_1, NOV_1 + 3 * DAY);
        let point = |p: &mut Point, views, taps, checkouts, verified, unverified| {
            (p.page_views, p.product_selects, p.checkouts_started, p.purchases_verified, p.purchases_unverified) =
                (views, taps, checkouts, verified, unverified);
        };
        let p = period(NOV_1, NOV_1 + 3 * DAY);
        assert_eq!(funnel(&s, &p), "No visits, taps, checkouts or orders from 1 Nov to 3 Nov 2026.");
        point(&mut s.points[0], 10, 1, 1, 0, 1);
        point(&mut s.points[1], 40, 3, 0, 1, 0);
        point(&mut s.points[2], 40, 0, 0, 0, 0);
        assert_eq!(
            funnel(&s, &p),
            "From 1 Nov to 3 Nov 2026: 90 visits, 4 product taps, 1 checkout, 1 verified order and 1 thank-you-page \
             purchase. Busiest day: 2 Nov, with 40 visits."
        );
        let mut one = Series::new(NOV_1, NOV_1 + DAY);
        point(&mut one.points[0], 1, 0, 0, 0, 0);
        assert_eq!(
            funnel(&one, "on 1 Nov 2026"),
            "On 1 Nov 2026: 1 visit, 0 product taps, 0 checkouts, 0 verified orders and 0 thank-you-page purchases."
        );
    }

    fn joins_of(counts: [u64; 6]) -> Joins {
        let outcomes: Vec<JoinCount> = Join::ALL
            .iter()
            .zip(counts)
            .map(|(&outcome, count)| JoinCount { outcome, message: outcome.message(), count })
            .collect();
        let orders = counts.iter().sum();
        Joins { orders, joined: counts[0], rate: None, outcomes }
    }

    #[test]
    fn the_join_line_gives_the_rate_and_the_reasons_largest_first() {
        let p = "from 1 Nov to 30 Nov 2026";
        assert_eq!(
            joins(&joins_of([18, 0, 0, 0, 1, 2]), p),
            "18 of 21 verified orders from 1 Nov to 30 Nov 2026 (85.7 %) joined to the click that led to them; the \
             other 3: 2 with no click id and nothing to match by; 1 with no click id and a matching checkout outside \
             the attribution window."
        );
        assert_eq!(
            joins(&joins_of([0, 1, 0, 0, 0, 0]), p),
            "0 of 1 verified order from 1 Nov to 30 Nov 2026 (0.0 %) joined to the click that led to it; the other: 1 \
             matched by discount code only."
        );
        assert_eq!(
            joins(&joins_of([4, 0, 0, 0, 0, 0]), p),
            "All 4 verified orders from 1 Nov to 30 Nov 2026 joined to the click that led to them."
        );
        assert_eq!(
            joins(&joins_of([1, 0, 0, 0, 0, 0]), p),
            "The one verified order from 1 Nov to 30 Nov 2026 joined to the click that led to it."
        );
        assert_eq!(
            joins(&joins_of([0; 6]), p),
            "No verified orders from 1 Nov to 30 Nov 2026, so none to join to a click."
        );
    }
}
