//! Turning money and instants into text for the current shopper.
//!
//! Before the shopper's locale is known (and natively) these give the deterministic
//! fallbacks from `domain`; in the browser they use the platform's `Intl`, which
//! knows every locale's separators, symbols and clock conventions.

use crate::runtime::platform::{self, DateStyle, ShopperBrowser};
use linkshelf_core::money::Money;

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
