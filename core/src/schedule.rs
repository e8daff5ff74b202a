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
    // Placed one by one in order (a creator's handful of pop-ups): a library sort
    // brought about 2 KB of generic sorting code into the bundle. The id breaks ties,
    // so the order is fixed.
    fn key<'a>((p, s): &(&'a Popup, PopupStatus)) -> (bool, i64, &'a str) {
        (*s != PopupStatus::LiveNow, p.starts_at, p.id.as_str())
    }
    let mut shown: Vec<(&Popup, PopupStatus)> = Vec::new();
    for entry in popups.iter().map(|p| (p, status(p, now))).filter(|(_, s)| *s != PopupStatus::Past) {
        let at = shown.iter().position(|other| key(other) > key(&entry)).unwrap_or(shown.len());
        shown.insert(at, entry);
    }
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

    proptest::proptest! {
        /// The one-by-one placement orders exactly as a full sort on (not live, start,
        /// id) would, ties and duplicates included.
        #[test]
        fn placement_equals_a_sort(
            spans in proptest::collection::vec((0i64..20, 1i64..10, 0u8..4), 0..24),
            now in 0i64..30,
        ) {
            let popups: Vec<Popup> = spans
                .iter()
                .map(|&(start, length, id)| popup(&format!("p{id}"), start, start + length))
                .collect();
            let mut expected: Vec<(&Popup, PopupStatus)> =
                popups.iter().map(|p| (p, status(p, now))).filter(|(_, s)| *s != PopupStatus::Past).collect();
            expected.sort_by(|(a, sa), (b, sb)| {
                (*sa != PopupStatus::LiveNow, a.starts_at, &a.id).cmp(&(*sb != PopupStatus::LiveNow, b.starts_at, &b.id))
            });
            let key = |v: &[(&Popup, PopupStatus)]| v.iter().map(|(p, s)| (p.id.clone(), p.starts_at, *s)).collect::<Vec<_>>();
            proptest::prop_assert_eq!(key(&visible(&popups, now)), key(&expected));
        }
    }
}
