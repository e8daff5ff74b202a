//! Calendar files (RFC 5545 `.ics`) and Google Calendar links for pop-ups.
//!
//! Written here rather than with the `icalendar` crate: its line folder mixes char and
//! byte offsets and its text escaper leaves carriage returns in, and both matter for
//! creators who write emoji and paste multi-line descriptions. The subset a single
//! published event needs is small and fully tested below.

use jiff::Timestamp;
use linkshelf_core::locale::{Key, Text};
use linkshelf_core::model::{Creator, Place, Popup, UtcMillis};

/// RFC 5545 basic UTC form, `20261205T100000Z`.
pub fn utc_stamp(at: UtcMillis) -> String {
    match Timestamp::from_millisecond(at) {
        Ok(ts) => ts.strftime("%Y%m%dT%H%M%SZ").to_string(),
        // Instants come from validated config and are always in range; an
        // out-of-range value would be a bug, so fall back to the epoch visibly.
        Err(_) => "19700101T000000Z".to_owned(),
    }
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line
/// breaks (any of CRLF, CR, LF becomes `\n`); other control characters, which TEXT
/// does not allow, are dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line to at most 75 octets per physical line (RFC 5545 §3.1):
/// continuation lines start with a single space, and a UTF-8 sequence is never split.
pub fn fold_line(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > LIMIT {
            out.push_str("\r\n ");
            used = 1; // the leading space
        }
        out.push(c);
        used += width;
    }
    out
}

/// A stable UID, so a re-download of the same pop-up updates the calendar entry
/// instead of duplicating it.
pub fn uid(popup: &Popup, creator: &Creator) -> String {
    format!("{}.{}@linkshelf", popup.id, creator.id)
}

fn location(place: &Place) -> String {
    match place {
        Place::Venue { name, address, .. } => format!("{name}, {address}"),
        Place::Stream { platform, url } => format!("{platform}: {url}"),
    }
}

fn place_url(place: &Place) -> Option<&str> {
    match place {
        Place::Venue { map_url, .. } => map_url.as_deref(),
        Place::Stream { url, .. } => Some(url),
    }
}

/// One `VEVENT` in one `VCALENDAR`, CRLF line ends, every line folded.
/// Our words in it (the description's line about times) are in `text`'s language,
/// which the description says (`LANGUAGE`, RFC 5545 §3.2.10).
pub fn ics(popup: &Popup, creator: &Creator, text: &Text, stamped_at: UtcMillis) -> String {
    let summary = format!("{} · {}", popup.title, creator.name);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Linkshelf//Storefront//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", uid(popup, creator)),
        format!("DTSTAMP:{}", utc_stamp(stamped_at)),
        format!("DTSTART:{}", utc_stamp(popup.starts_at)),
        format!("DTEND:{}", utc_stamp(popup.ends_at)),
        format!("SUMMARY:{}", escape_text(&summary)),
        format!("LOCATION:{}", escape_text(&location(&popup.place))),
    ];
    if let Some(url) = place_url(&popup.place) {
        lines.push(format!("URL:{url}"));
    }
    let times = text.fill(Key::IcsTimesShown, &[("zone", &popup.time_zone), ("when", &popup.when_label)]);
    lines.push(format!("DESCRIPTION;LANGUAGE={}:{}", text.locale.tag(), escape_text(&format!("{summary}\n{times}"))));
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold_line(&line));
        out.push_str("\r\n");
    }
    out
}

/// A Google Calendar "create event" link with the pop-up prefilled.
pub fn google_calendar_url(popup: &Popup, creator: &Creator) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("action", "TEMPLATE")
        .append_pair("text", &format!("{} · {}", popup.title, creator.name))
        .append_pair("dates", &format!("{}/{}", utc_stamp(popup.starts_at), utc_stamp(popup.ends_at)))
        .append_pair("ctz", &popup.time_zone)
        .append_pair("location", &location(&popup.place));
    if let Some(url) = place_url(&popup.place) {
        query.append_pair("details", url);
    }
    format!("https://calendar.google.com/calendar/render?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use linkshelf_core::model::Image;

    fn creator() -> Creator {
        Creator {
            id: "juno".into(),
            name: "Juno Park".into(),
            handle: "@junomakes".into(),
            bio: String::new(),
            avatar: Image { src: "a.svg".into(), alt: "Juno".into() },
            disclosure: String::new(),
            links: vec![],
        }
    }

    fn popup(title: &str) -> Popup {
        Popup {
            id: "market".into(),
            title: title.into(),
            starts_at: 1_796_464_800_000, // 2026-12-05T10:00:00Z
            ends_at: 1_796_490_000_000,   // 2026-12-05T17:00:00Z
            time_zone: "Europe/Berlin".into(),
            when_label: "Sat 5 Dec, 11:00–18:00 CET".into(),
            place: Place::Venue {
                name: "Hall; 2".into(),
                address: "Main St 1, Berlin".into(),
                map_url: Some("https://maps.example.com/?q=Main+St".into()),
            },
            ics_path: "calendar/market.ics".into(),
            google_calendar_url: String::new(),
        }
    }

    /// Reverses folding (RFC 5545 §3.1) so tests can compare logical lines.
    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "")
    }

    #[test]
    fn stamps_are_utc_basic_format() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_796_464_800_000), "20261205T100000Z");
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\r\ntwo\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("bell\u{7}gone"), "bellgone");
        assert_eq!(escape_text("Café ☕ 🎉"), "Café ☕ 🎉");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let ascii = format!("SUMMARY:{}", "x".repeat(200));
        for line in fold_line(&ascii).split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert_eq!(unfold(&fold_line(&ascii)), ascii);

        // 4-byte emoji and 2-byte letters never straddle a fold.
        let multibyte = format!("DESCRIPTION:{}", "é🎉ü☕".repeat(40));
        let folded = fold_line(&multibyte);
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
            assert!(std::str::from_utf8(line.as_bytes()).is_ok());
        }
        assert!(folded.split("\r\n").skip(1).all(|l| l.starts_with(' ')));
        assert_eq!(unfold(&folded), multibyte);

        // A line of exactly 75 octets is not folded; 76 is.
        assert!(!fold_line(&"y".repeat(75)).contains("\r\n"));
        assert!(fold_line(&"y".repeat(76)).contains("\r\n"));
    }

    #[test]
    fn builds_a_complete_calendar() {
        let text = ics(
            &popup("Winter market 🎄, pottery; & more"),
            &creator(),
            &Text::shipped(linkshelf_core::locale::Locale::En),
            1_796_000_000_000,
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in output");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75);
        }
        let logical = unfold(&text);
        assert!(logical.contains("UID:market.juno@linkshelf\r\n"));
        assert!(logical.contains("DTSTART:20261205T100000Z\r\n"));
        assert!(logical.contains("DTEND:20261205T170000Z\r\n"));
        assert!(logical.contains(r"SUMMARY:Winter market 🎄\, pottery\; & more · Juno Park"));
        assert!(logical.contains(r"LOCATION:Hall\; 2\, Main St 1\, Berlin"));
        assert!(logical.contains("URL:https://maps.example.com/?q=Main+St\r\n"));
        assert_eq!(logical.matches("BEGIN:VEVENT").count(), 1);
        assert!(logical.contains("DESCRIPTION;LANGUAGE=en:Winter market"), "{logical}");
        assert!(logical.contains(r"Times shown in Europe/Berlin: Sat 5 Dec\, 11:00–18:00 CET"), "{logical}");
        // The Spanish copy's file: our words in Spanish, the creator's as written.
        let spanish =
            unfold(&ics(&popup("Winter market"), &creator(), &Text::shipped(linkshelf_core::locale::Locale::Es), 0));
        assert!(spanish.contains("DESCRIPTION;LANGUAGE=es:Winter market · Juno Park"), "{spanish}");
        assert!(!spanish.contains("Times shown"), "{spanish}");
    }

    #[test]
    fn uid_is_stable_across_builds() {
        let a = ics(&popup("A"), &creator(), &Text::default(), 1);
        let b = ics(&popup("A"), &creator(), &Text::default(), 2);
        let uid_line = |s: &str| s.lines().find(|l| l.starts_with("UID:")).map(str::to_owned);
        assert_eq!(uid_line(&a), uid_line(&b));
    }

    #[test]
    fn google_link_carries_utc_dates_and_zone() {
        let link = google_calendar_url(&popup("Winter market"), &creator());
        assert!(link.starts_with("https://calendar.google.com/calendar/render?action=TEMPLATE&"));
        assert!(link.contains("dates=20261205T100000Z%2F20261205T170000Z"));
        assert!(link.contains("ctz=Europe%2FBerlin"));
        assert!(link.contains("text=Winter+market+%C2%B7+Juno+Park"));
    }
}
