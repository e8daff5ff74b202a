//! Turning money and instants into text for the current shopper.
//!
//! Before the shopper's locale is known (and natively) these give the deterministic
//! fallbacks from `domain`; in the browser they use the platform's `Intl`, which
//! knows every locale's separators, symbols and clock conventions.

use crate::runtime::platform::{self, DateStyle, ShopperBrowser};
use crate::ui::use_store;
use linkshelf_core::locale::{Count, Key};
use linkshelf_core::money::Money;

/// The page's text for `key` (`linkshelf_core::locale`): every word of ours on a page
/// comes through here or [`fill`].
#[inline(never)]
pub fn t(key: Key) -> String {
    use_store().text.get(key).to_owned()
}

/// The page's text for `key` with its placeholders filled.
#[inline(never)]
pub fn fill(key: Key, args: &[(&str, &str)]) -> String {
    use_store().text.fill(key, args)
}

/// A counted text for `count.n`, in the form the page language's plural rules pick.
#[inline(never)]
pub fn count(count: Count) -> String {
    let text = &use_store().text;
    text.count(count.key, count.n, platform::plural(text.locale.tag(), count.n))
}

/// `key`'s text with the creator's `value` for `{name}`, between U+2068 FIRST STRONG
/// ISOLATE and U+2069 POP DIRECTIONAL ISOLATE: a right-to-left name can't reorder our
/// words around it, as a `<bdi>` would do, in one text node (a `<bdi>` splits the
/// sentence into a view per part, and the parts' order is the language's).
pub fn fill_isolated(key: Key, name: &str, value: &str) -> String {
    fill(key, &[(name, &format!("\u{2068}{value}\u{2069}"))])
}

/// `key`'s text on either side of `mark` (its placeholder, `"{order}"`), for the one
/// sentence whose value goes in an element of its own (the order number's `<strong>`).
pub fn around(key: Key, mark: &str) -> (String, String) {
    let whole = t(key);
    match whole.split_once(mark) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (whole, String::new()),
    }
}

pub fn money(amount: &Money, shopper: Option<&ShopperBrowser>) -> String {
    shopper.and_then(|s| platform::format_money(amount, &s.locale)).unwrap_or_else(|| amount.fallback_display())
}

/// "Sat 5 Dec, 11:00 – 18:00" in `time_zone`, or `None` before the locale is known.
/// No zone abbreviation: the page names the zone by its city (`schedule::zone_city`).
pub fn time_range(starts_at: i64, ends_at: i64, time_zone: &str, shopper: &ShopperBrowser) -> Option<String> {
    let locale = &shopper.locale;
    let start = platform::format_datetime(starts_at, time_zone, locale, DateStyle::DateAndTime)?;
    let day = |at| platform::format_datetime(at, time_zone, locale, DateStyle::Day);
    let same_day = day(starts_at).is_some_and(|d| Some(d) == day(ends_at));
    let style = if same_day { DateStyle::TimeOnly } else { DateStyle::DateAndTime };
    let end = platform::format_datetime(ends_at, time_zone, locale, style)?;
    Some(format!("{start} – {end}"))
}

/// The day of `at` in the shopper's calendar, "24 Dec" (en-GB) or "Dec 24" (en-US).
pub fn day(at: i64, shopper: &ShopperBrowser) -> Option<String> {
    platform::format_datetime(at, &shopper.time_zone, &shopper.locale, DateStyle::DayMonth)
}
