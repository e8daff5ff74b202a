//! Where a visit came from: read once from the landing URL, kept for the visit, and
//! attached to every event.
//!
//! Links in bios and ads carry whatever a platform or a prankster puts in them, so
//! reading is defensive: values are trimmed, stripped of control characters and cut to
//! a fixed length (never inside an emoji or a letter with its accents), repeated keys keep their first value, and
//! only the first [`MAX_PAIRS`] pairs of a query are looked at. Nothing here can panic
//! on any input.

use crate::json::JsonObject;

/// Longest value kept, in characters: the shared tag limit the collector enforces.
pub use crate::limits::MAX_TAG_CHARS as MAX_VALUE_CHARS;
/// Pairs of a query string looked at; the rest are ignored.
pub const MAX_PAIRS: usize = 64;

/// The click ids platforms append to outbound links, by the name they use, and our
/// own [`FROM_VISIT`]. Kept with the platforms' on purpose: like them it ties this
/// visit to a tap made elsewhere, and every sink format, the early-tap script and the
/// collector already carry click ids, so a jump needs no new field anywhere.
pub const CLICK_ID_KEYS: [&str; 8] = ["ttclid", "fbclid", "gclid", "msclkid", "twclid", "epik", "sccid", FROM_VISIT];

/// The in-app browser visit (its `page_load_id`) this visit continues: set by the "Open
/// in your browser" link ([`Attribution::jump_query`]), so a backend tells a shopper who
/// jumped out of Instagram from a new visit.
pub const FROM_VISIT: &str = "from_visit";

/// A platform's click id, e.g. `ttclid` = `E.C.P…`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct ClickId {
    pub name: String,
    pub value: String,
}

/// Where the visit came from; every event carries it as its `attribution`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Attribution {
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
    /// The creator's own `?ref=` tag (a clip id, a pop-up QR code …).
    #[cfg_attr(test, serde(rename = "ref"))]
    pub ref_tag: Option<String>,
    /// The affiliate whose page (`/c/<handle>/`) or link (`?affiliate=<handle>`) the
    /// visit came through: a brand's sale is credited to them. Only a valid handle
    /// ([`crate::limits::is_handle`]) is kept.
    pub affiliate: Option<String>,
    /// Each platform click id present, in [`CLICK_ID_KEYS`] order.
    pub click_ids: Vec<ClickId>,
    /// The referring site's host only (never its path, which can be personal).
    pub referrer_host: Option<String>,
}

impl Attribution {
    /// The campaign tags as query pairs (`utm_*`, `ref` and `affiliate`), for URLs and
    /// storage.
    pub fn campaign_pairs(&self) -> [(&'static str, &Option<String>); 7] {
        [
            ("utm_source", &self.utm_source),
            ("utm_medium", &self.utm_medium),
            ("utm_campaign", &self.utm_campaign),
            ("utm_content", &self.utm_content),
            ("utm_term", &self.utm_term),
            ("ref", &self.ref_tag),
            ("affiliate", &self.affiliate),
        ]
    }

    /// The landing query this attribution was read from (tags and click ids), so it
    /// can be kept as text and read back with [`from_landing`].
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.campaign_pairs() {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        for c in &self.click_ids {
            query.append_pair(&c.name, &c.value);
        }
        query.finish()
    }

    /// The query a link to another page of the shop carries, so a copied or
    /// long-pressed link keeps where the visit came from: the campaign tags and the
    /// applied code (`?utm_source=tiktok&code=JUNO15`), or "" without either. Not the
    /// platform click ids: those name one person's ad click, and a link passed on to
    /// someone else must not claim it.
    pub fn campaign_query(&self, code: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
        for (key, value) in self.campaign_pairs() {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        if let Some(code) = code {
            query.append_pair("code", code);
        }
        let query = query.finish();
        if query.len() > 1 {
            query
        } else {
            String::new()
        }
    }

    /// The query of the link that takes this visit out of an in-app browser into the
    /// shopper's own: the campaign and code ([`Attribution::campaign_query`]), the
    /// platform click ids (the same person's own click, going on in another browser,
    /// which shares no storage with this one) and [`FROM_VISIT`] = `visit`.
    pub fn jump_query(&self, code: Option<&str>, visit: &str) -> String {
        let campaign = self.campaign_query(code);
        let mut query =
            form_urlencoded::Serializer::for_suffix(if campaign.is_empty() { "?".into() } else { campaign }, 1);
        for c in self.click_ids.iter().filter(|c| c.name != FROM_VISIT) {
            query.append_pair(&c.name, &c.value);
        }
        query.append_pair(FROM_VISIT, visit);
        query.finish()
    }

    /// As JSON, fields in declaration order (see `events::Envelope::to_json`).
    pub fn to_json(&self) -> String {
        let mut o = JsonObject::new();
        for (key, value) in self.campaign_pairs() {
            o.optional(key, value);
        }
        let ids: Vec<String> = self
            .click_ids
            .iter()
            .map(|c| {
                let mut o = JsonObject::new();
                o.string("name", &c.name).string("value", &c.value);
                o.finish()
            })
            .collect();
        o.raw("click_ids", &format!("[{}]", ids.join(",")));
        o.optional("referrer_host", &self.referrer_host);
        o.finish()
    }

    /// Whether the landing URL itself said where the visit came from.
    pub fn is_tagged(&self) -> bool {
        self.utm_source.is_some()
            || self.utm_medium.is_some()
            || self.utm_campaign.is_some()
            || self.ref_tag.is_some()
            || self.affiliate.is_some()
            || !self.click_ids.is_empty()
    }
}

/// Removes control characters, trims, and cuts to [`MAX_VALUE_CHARS`]; `None` if
/// nothing is left.
pub fn clean(value: &str) -> Option<String> {
    let cleaned: String = value.chars().filter(|c| !c.is_control()).take(MAX_VALUE_CHARS * 2).collect();
    let trimmed = crate::limits::cut_at_grapheme(cleaned.trim(), MAX_VALUE_CHARS).trim_end().to_owned();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Reads attribution from a landing URL's query string (with or without the `?`)
/// and the page's referrer URL (empty when there is none).
pub fn from_landing(query: &str, referrer: &str) -> Attribution {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut found = Attribution { referrer_host: referrer_host(referrer), ..<Attribution as Default>::default() };
    // One slot per known click id, so they come out in `CLICK_ID_KEYS` order without
    // a sort (sorting code is surprisingly large in WASM).
    let mut click_ids: [Option<String>; CLICK_ID_KEYS.len()] = Default::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()).take(MAX_PAIRS) {
        let key = key.trim().to_ascii_lowercase();
        let Some(value) = clean(&value) else { continue };
        let slot = match key.as_str() {
            "utm_source" => &mut found.utm_source,
            "utm_medium" => &mut found.utm_medium,
            "utm_campaign" => &mut found.utm_campaign,
            "utm_content" => &mut found.utm_content,
            "utm_term" => &mut found.utm_term,
            "ref" => &mut found.ref_tag,
            "affiliate" if crate::limits::is_handle(&value) => &mut found.affiliate,
            other => {
                if let Some(i) = CLICK_ID_KEYS.iter().position(|k| *k == other) {
                    click_ids[i].get_or_insert(value);
                }
                continue;
            }
        };
        // Repeated keys: the first value wins.
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    found.click_ids = CLICK_ID_KEYS
        .iter()
        .zip(click_ids)
        .filter_map(|(key, value)| Some(ClickId { name: (*key).to_owned(), value: value? }))
        .collect();
    found
}

/// The host of a referrer URL, lowercased; `None` for empty or unreadable values.
pub fn referrer_host(referrer: &str) -> Option<String> {
    let (scheme, rest) = referrer.trim().split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Drop any user info and the port.
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    valid.then_some(host)
}

/// The attribution to keep when a visit lands again (a reload, another tagged
/// link): a tagged landing replaces what was kept; an untagged one keeps it.
pub fn merge(kept: Option<Attribution>, landing: Attribution) -> Attribution {
    match kept {
        Some(kept) if !landing.is_tagged() => kept,
        _ => landing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_attribution_round_trips() {
        let a = from_landing("utm_source=tik tok&ref=bio&ttclid=x&gclid=y", "https://www.tiktok.com/x");
        let stored = a.to_stored();
        let (query, referrer) = stored.split_once('\n').expect("two lines");
        assert_eq!(Attribution::from_stored(query, referrer), a);
    }

    fn click(name: &str, value: &str) -> ClickId {
        ClickId { name: name.into(), value: value.into() }
    }

    #[test]
    fn keeps_as_a_query_and_reads_back() {
        let a = from_landing("utm_source=tik tok&ref=bio&ttclid=x&gclid=y&utm_term=%F0%9F%8E%89", "");
        assert_eq!(from_landing(&a.to_query(), ""), a);
        assert_eq!(<Attribution as Default>::default().to_query(), "");
    }

    #[test]
    fn json_matches_the_derive() {
        let a = from_landing("utm_source=tiktok&ref=bio&ttclid=x", "https://www.tiktok.com/");
        assert_eq!(a.to_json(), miniserde::json::to_string(&a));
        assert_eq!(
            <Attribution as Default>::default().to_json(),
            miniserde::json::to_string(&<Attribution as Default>::default())
        );
    }

    #[test]
    fn reads_utm_ref_and_click_ids() {
        let a = from_landing(
            "?utm_source=tiktok&utm_medium=clip&utm_campaign=winter%20drop&utm_content=vid-42&utm_term=mug&ref=bio&ttclid=E.C.P.abc&gclid=xyz",
            "https://www.tiktok.com/@junomakes/video/1?lang=en",
        );
        assert_eq!(a.utm_source.as_deref(), Some("tiktok"));
        assert_eq!(a.utm_medium.as_deref(), Some("clip"));
        assert_eq!(a.utm_campaign.as_deref(), Some("winter drop"));
        assert_eq!(a.utm_content.as_deref(), Some("vid-42"));
        assert_eq!(a.utm_term.as_deref(), Some("mug"));
        assert_eq!(a.ref_tag.as_deref(), Some("bio"));
        assert_eq!(a.click_ids, vec![click("ttclid", "E.C.P.abc"), click("gclid", "xyz")]);
        assert_eq!(a.referrer_host.as_deref(), Some("www.tiktok.com"));
        assert!(a.is_tagged());
    }

    #[test]
    fn hostile_values_are_cut_cleaned_or_dropped() {
        let huge = "x".repeat(10 * 1024);
        let a = from_landing(&format!("utm_source={huge}&utm_medium=%00%01%1F&utm_campaign=a%0Ab%0Dc%09d"), "");
        assert_eq!(a.utm_source.as_ref().map(|s| s.chars().count()), Some(MAX_VALUE_CHARS));
        assert_eq!(a.utm_medium, None, "only control characters: dropped");
        assert_eq!(a.utm_campaign.as_deref(), Some("abcd"));
        // Broken %-escapes are kept as text, never a crash.
        let a = from_landing("utm_source=%E0%A4%A&utm_medium=%zz%&ref=100%", "");
        assert_eq!(a.utm_medium.as_deref(), Some("%zz%"));
        assert_eq!(a.ref_tag.as_deref(), Some("100%"));
        assert!(a.utm_source.is_some());
        // Multibyte text is cut on a character boundary.
        let emoji = "🎉".repeat(500);
        let a = from_landing(&format!("utm_content={emoji}"), "");
        assert_eq!(a.utm_content.map(|s| s.chars().count()), Some(MAX_VALUE_CHARS));
        // An emoji with a skin tone across the cut is dropped whole, never split into
        // a thumb and a lone colour swatch.
        let a = from_landing(&format!("utm_content={}👍🏽", "a".repeat(MAX_VALUE_CHARS - 1)), "");
        assert_eq!(a.utm_content, Some("a".repeat(MAX_VALUE_CHARS - 1)));
        let flags = "🇫🇷".repeat(150);
        let a = from_landing(&format!("utm_term=x{flags}"), "");
        assert_eq!(a.utm_term, Some(format!("x{}", "🇫🇷".repeat(99))));
    }

    #[test]
    fn repeated_keys_keep_the_first_value_and_case_does_not_matter() {
        let a = from_landing("utm_source=first&UTM_SOURCE=second&utm_source=third&fbclid=1&fbclid=2", "");
        assert_eq!(a.utm_source.as_deref(), Some("first"));
        assert_eq!(a.click_ids, vec![click("fbclid", "1")]);
    }

    #[test]
    fn only_the_first_pairs_are_read() {
        let noise: Vec<String> = (0..MAX_PAIRS).map(|i| format!("k{i}=v")).collect();
        let a = from_landing(&format!("{}&utm_source=late", noise.join("&")), "");
        assert_eq!(a.utm_source, None);
        assert!(!a.is_tagged());
    }

    #[test]
    fn empty_and_untagged_landings() {
        assert_eq!(from_landing("", ""), <Attribution as Default>::default());
        assert_eq!(from_landing("?", ""), <Attribution as Default>::default());
        assert_eq!(from_landing("&&=&utm_source=", ""), <Attribution as Default>::default());
        assert!(!from_landing("color=red", "https://example.com/").is_tagged());
    }

    #[test]
    fn referrer_keeps_only_a_valid_host() {
        assert_eq!(referrer_host("https://l.instagram.com/?u=secret"), Some("l.instagram.com".into()));
        assert_eq!(referrer_host("HTTPS://User:pw@Example.COM:8443/path"), Some("example.com".into()));
        assert_eq!(referrer_host(""), None);
        assert_eq!(referrer_host("android-app://com.zhiliaoapp.musically/"), None);
        assert_eq!(referrer_host("https://exa mple.com/"), None);
        assert_eq!(referrer_host("not a url"), None);
        assert_eq!(referrer_host(&format!("https://{}.com/", "a".repeat(300))), None);
    }

    #[test]
    fn a_tagged_landing_replaces_what_was_kept() {
        let tiktok = from_landing("utm_source=tiktok", "");
        let insta = from_landing("utm_source=instagram", "");
        let reload = from_landing("", "https://junopark.example/");
        assert_eq!(merge(Some(tiktok.clone()), reload.clone()), tiktok);
        assert_eq!(merge(Some(tiktok), insta.clone()), insta);
        assert_eq!(merge(None, reload.clone()), reload);
    }

    #[test]
    fn a_jump_carries_the_campaign_the_click_ids_and_the_visit_it_continues() {
        let landing = from_landing(
            "?utm_source=instagram&utm_content=reel-9&fbclid=IwAR1&from_visit=old",
            "https://l.instagram.com/",
        );
        let query = landing.jump_query(Some("JUNO15"), "0190a1b2-visit");
        assert_eq!(
            query,
            "?utm_source=instagram&utm_content=reel-9&code=JUNO15&fbclid=IwAR1&from_visit=0190a1b2-visit"
        );
        // The visit in the shopper's own browser reads the same campaign and the jump.
        let outside = from_landing(&query, "");
        assert_eq!(outside.campaign_pairs(), landing.campaign_pairs());
        assert_eq!(outside.click_ids, vec![click("fbclid", "IwAR1"), click(FROM_VISIT, "0190a1b2-visit")]);
        assert_eq!(Attribution::default().jump_query(None, "v&1"), "?from_visit=v%261");
    }

    #[test]
    fn campaign_query_carries_tags_and_code_but_no_click_ids() {
        let landing = from_landing("?utm_source=tiktok&utm_campaign=fall%20drop&fbclid=abc&ref=clip-7", "");
        assert_eq!(landing.campaign_query(None), "?utm_source=tiktok&utm_campaign=fall+drop&ref=clip-7");
        assert_eq!(
            landing.campaign_query(Some("JUNO 15&")),
            "?utm_source=tiktok&utm_campaign=fall+drop&ref=clip-7&code=JUNO+15%26"
        );
        assert_eq!(Attribution::default().campaign_query(None), "");
        assert_eq!(Attribution::default().campaign_query(Some("JUNO15")), "?code=JUNO15");
        // What it writes reads back as the same campaign.
        let again = from_landing(&landing.campaign_query(Some("JUNO15")), "");
        assert_eq!(again.campaign_pairs(), landing.campaign_pairs());
        assert!(again.click_ids.is_empty());
    }
}
