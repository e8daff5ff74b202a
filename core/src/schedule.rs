//! Pop-ups and live streams over time: which show, in what order, and which is live.

use crate::model::{Popup, UtcMillis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PopupStatus {
    Upcoming,
    /// Between start (inclusive) and end (exclusive).
    LiveNow,
    Past,
}

pub fn status(popup: &Popup, now: UtcMillis) -> PopupStatus {
    if now < popup.starts_at {
        PopupStatus::Upcoming
    } else if now < popup.ends_at {
        PopupStatus::LiveNow
    } else {
        PopupStatus::Past
    }
}

/// The pop-ups a shopper should see at `now`: live ones first, then upcoming ones
/// soonest first; past ones are left out. Ties keep the config's order.
pub fn visible(popups: &[Popup], now: UtcMillis) -> Vec<(&Popup, PopupStatus)> {
    let mut shown: Vec<_> =
        popups.iter().map(|p| (p, status(p, now))).filter(|(_, s)| *s != PopupStatus::Past).collect();
    // Unstable sort (smaller in the bundle); the id breaks ties so the order is still fixed.
    shown.sort_unstable_by(|(a, sa), (b, sb)| {
        (*sa != PopupStatus::LiveNow, a.starts_at, &a.id).cmp(&(*sb != PopupStatus::LiveNow, b.starts_at, &b.id))
    });
    shown
}

/// The place a zone is named after, for "11:00–18:00, Berlin time": the last part of
/// its IANA name ("America/New_York" → "New York", "America/Argentina/Buenos_Aires" →
/// "Buenos Aires"). Shoppers know cities; "GMT+1" and "CET" need decoding, and the
/// names the browser's `Intl` gives for far-away zones are offsets.
pub fn zone_city(time_zone: &str) -> String {
    time_zone.rsplit('/').next().unwrap_or(time_zone).replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Place;

    #[test]
    fn zone_city_names_the_place() {
        assert_eq!(zone_city("Europe/Berlin"), "Berlin");
        assert_eq!(zone_city("America/New_York"), "New York");
        assert_eq!(zone_city("America/Argentina/Buenos_Aires"), "Buenos Aires");
        assert_eq!(zone_city("UTC"), "UTC");
    }

    fn popup(id: &str, starts_at: i64, ends_at: i64) -> Popup {
        Popup {
            id: id.into(),
            title: id.into(),
            starts_at,
            ends_at,
            time_zone: "UTC".into(),
            when_label: String::new(),
            place: Place::Stream { platform: "TikTok".into(), url: "https://example.com".into() },
            ics_path: String::new(),
            google_calendar_url: String::new(),
        }
    }

    #[test]
    fn status_boundaries() {
        let p = popup("a", 100, 200);
        assert_eq!(status(&p, 99), PopupStatus::Upcoming);
        assert_eq!(status(&p, 100), PopupStatus::LiveNow);
        assert_eq!(status(&p, 199), PopupStatus::LiveNow);
        assert_eq!(status(&p, 200), PopupStatus::Past);
    }

    #[test]
    fn live_first_then_soonest_and_past_hidden() {
        let popups =
            vec![popup("later", 500, 600), popup("past", 0, 50), popup("soon", 300, 400), popup("live", 90, 150)];
        let ids: Vec<_> = visible(&popups, 100).iter().map(|(p, _)| p.id.as_str()).collect();
        assert_eq!(ids, ["live", "soon", "later"]);
        let ids: Vec<_> = visible(&popups, 1000).iter().map(|(p, _)| p.id.as_str()).collect();
        assert!(ids.is_empty());
    }
}
