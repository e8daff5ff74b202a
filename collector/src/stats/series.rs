//! The funnel over time: one point per UTC day of the range (per week, or a multiple of
//! a week, when the range is longer than [`MAX_POINTS`] days), for the report's chart.

use super::*;

const DAY_MS: i64 = 86_400_000;
/// Points a chart can show legibly at 360 px (about 4 px per bar): three months of days.
pub const MAX_POINTS: i64 = 92;

/// The counts of one period, each counted as in [`Funnel`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The period's first UTC day (`YYYY-MM-DD`).
    pub date: String,
    /// Its start, Unix ms (the range's `from` for the first point when that is mid-day).
    pub start: i64,
    pub page_views: u64,
    pub product_selects: u64,
    pub checkouts_started: u64,
    /// Verified orders (shop webhooks), placed by the shop's order time.
    pub purchases_verified: u64,
    /// Thank-you-page purchases (the browser's claim), confirmed or not.
    pub purchases_unverified: u64,
}

/// The range cut into whole UTC days, or into blocks of `bucket_days` days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Series {
    pub bucket_days: i64,
    pub points: Vec<Point>,
    /// The range's end (exclusive): nothing at or after it is counted.
    #[serde(skip)]
    end: i64,
}

impl Series {
    /// Empty points covering `from` (inclusive) to `to` (exclusive); none when the range
    /// is empty. Days are UTC days: a report's dates are UTC dates (see `parse_time`).
    pub fn new(from: i64, to: i64) -> Series {
        if to <= from {
            return Series { bucket_days: 1, points: Vec::new(), end: to };
        }
        let first = from.div_euclid(DAY_MS);
        let last = (to - 1).div_euclid(DAY_MS);
        let days = last - first + 1;
        let bucket_days = if days <= MAX_POINTS { 1 } else { 7 * ((days + 7 * MAX_POINTS - 1) / (7 * MAX_POINTS)) };
        let n = (days + bucket_days - 1) / bucket_days;
        let points = (0..n)
            .map(|i| {
                let day = first + i * bucket_days;
                let start = day.saturating_mul(DAY_MS).max(from);
                Point { date: date(day.saturating_mul(DAY_MS)), start, ..Point::default() }
            })
            .collect();
        Series { bucket_days, points, end: to }
    }

    /// The point holding time `t`, if `t` is in the range.
    pub fn at(&mut self, t: i64) -> Option<&mut Point> {
        let first = self.points.first()?.start;
        // The loader gives only rows in range; one outside is not counted on some other day.
        if t < first || t >= self.end {
            return None;
        }
        let i = (t.div_euclid(DAY_MS) - first.div_euclid(DAY_MS)) / self.bucket_days;
        self.points.get_mut(usize::try_from(i).ok()?)
    }
}

/// A UTC day as `YYYY-MM-DD`; the milliseconds when outside jiff's range.
pub fn date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.strftime("%Y-%m-%d").to_string())
}
