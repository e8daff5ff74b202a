//! Outgoing shop links that carry the click they came from.
//!
//! Every Buy tap gets a fresh `click_id`, written into the shop URL (so the order can
//! be joined back to the click) and into its `begin_checkout` event. Provider-specific
//! parameters (Shopify attributes, Stripe client_reference_id …) build on this.

/// The query parameter that carries a click id to the shop.
pub const CLICK_ID_PARAM: &str = "click_id";

/// Appends `click_id=<id>` to `url`'s query, before any `#fragment`, replacing a
/// `click_id` already there (a re-tapped link must carry only the newest click).
pub fn with_click_id(url: &str, click_id: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, q),
        None => (base, ""),
    };
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(CLICK_ID_PARAM))
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(click_id.as_bytes()).collect();
    let pair = format!("{CLICK_ID_PARAM}={encoded}");
    kept.push(&pair);
    let mut out = format!("{path}?{}", kept.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The host of an absolute http(s) URL, for the `outbound` part of an event.
pub fn host(url: &str) -> String {
    crate::domain::attribution::referrer_host(url).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_before_the_fragment_and_replaces_an_old_id() {
        assert_eq!(with_click_id("https://s.example/p/mug", "abc"), "https://s.example/p/mug?click_id=abc");
        assert_eq!(with_click_id("https://s.example/p?x=1", "abc"), "https://s.example/p?x=1&click_id=abc");
        assert_eq!(with_click_id("https://s.example/p?x=1#top", "abc"), "https://s.example/p?x=1&click_id=abc#top");
        assert_eq!(with_click_id("https://s.example/p?click_id=old&x=1", "new"), "https://s.example/p?x=1&click_id=new");
        assert_eq!(with_click_id("https://s.example/p?", "a b&c"), "https://s.example/p?click_id=a+b%26c");
    }

    #[test]
    fn host_of_shop_links() {
        assert_eq!(host("https://fable-studio.example/products/mug?x=1"), "fable-studio.example");
        assert_eq!(host("mailto:hi@example.com"), "");
    }
}
