//! Taps before the app runs: what a page tells its early-tap script.
//!
//! The page is on screen a second or more before its WASM has downloaded and taken it
//! over, and a shopper who came for one product taps its Buy link in that second. The
//! link must go at once, carry a click id, and its `begin_checkout` must still reach
//! the creator's backends with the visit's campaign. So every page carries a small
//! script (`early-taps.js`, inlined into the page shell and minified by
//! `end2end/tools/minify-assets.mjs` with only the formats of the config's sinks, about
//! 3 KB brotli) that, until the app marks the
//! page ready, handles a tap on a Buy link or a product link itself:
//!
//! - it makes the click id (UUIDv7, like the core), writes it into the link the browser
//!   is about to follow (from a template this module renders with the core's
//!   `checkout::product_link`, one per code the product can carry), and lets the tap
//!   go on untouched: nothing is delayed;
//! - it sends the visit's `page_view` and the tap's `begin_checkout` (or `select_item`)
//!   by `sendBeacon` to every sink, in each sink's format, with the campaign read from
//!   the landing URL as `attribution::from_landing` reads it;
//! - under `standard` privacy (and no Global Privacy Control / Do Not Track) it keeps
//!   them in the tracker's stored outbox too, as the tracker itself does at
//!   `pagehide`, and the last checkout for the return page; under `strict` it keeps
//!   nothing;
//! - it marks the page as leaving, so an app that arrives in the last moment does not
//!   count the page twice.
//!
//! The script cannot call the core, so it restates the few rules it needs (reading
//! the landing URL, the envelope and the five sink formats, the stored line formats);
//! everything else it gets from here as data: limits, the in-app browser table, the
//! checkout links, prices after each code. `tests/early_taps.rs` runs the script in
//! Node on the same inputs as the core and fails on any difference.
//!
//! The script also holds what the app would pay more for in WASM than in JavaScript
//! (measured in docs/testing.md): the Share buttons' listener, the page's one way to
//! copy (`copyText`, which the app calls as `linkshelfEarly.copy`) and the drawing of
//! the in-app browser bars (`drawInApp`, from lines the app writes: `ui::in_app`).
//!
//! Left to the app on purpose: the Add button (a cart needs the app; it is a
//! `needs-js` control), taps that open a new tab (the page stays and the app reports
//! them), and the campaign tags on an early Buy link (the shop gets the click id; the
//! event it joins to carries the campaign).

use crate::ui::route::Route;
use linkshelf_core::attribution::{CLICK_ID_KEYS, MAX_PAIRS, MAX_VALUE_CHARS};
use linkshelf_core::cart::Cart;
use linkshelf_core::checkout::{self, Handoff};
use linkshelf_core::events::{IN_APP_BROWSERS, SCHEMA_VERSION};
use linkshelf_core::locale::Key;
use linkshelf_core::model::{Privacy, Product, Sink, Storefront};
use linkshelf_core::money::Money;
use linkshelf_core::stored::{outbox_key, CART_KEY, CHECKOUT_KEY};
use serde_json::{json, Value};

/// Where a Buy link template wants the click id. The tokens are short (every Buy link's
/// template carries six, in every page) and made of characters the form encoder leaves
/// as they are; the script matches a whole parameter value, never a part.
pub const CLICK_TOKEN: &str = "_lsc_";
/// Where a Buy link template wants each campaign tag, in `Attribution::campaign_pairs`
/// order: the template is the core's link for a visit that had every tag, and the
/// script puts in the visit's own values and drops the pairs of tags it lacks (or
/// that Stripe's length limit leaves out), so its link is the core's for any visit.
pub const CAMPAIGN_TOKENS: [(&str, &str); 6] = [
    ("utm_source", "_ls1_"),
    ("utm_medium", "_ls2_"),
    ("utm_campaign", "_ls3_"),
    ("utm_content", "_ls4_"),
    ("utm_term", "_ls5_"),
    ("affiliate", "_ls6_"),
];
/// The id of the page's early-tap data element.
pub const DATA_ID: &str = "linkshelf-early";

/// The page's early-tap data ([`data`]) as a `<script type="application/json">` element: the
/// products that `page_html`'s cards link to (their `data-product` attributes) and a
/// product page's own product, and the sinks
/// and rules the script needs.
pub fn data_element(store: &Storefront, route: &Route, page_html: &str) -> String {
    // `<` never appears in JSON outside strings; inside them `\u003c` reads the same,
    // so no text can close the element.
    let json = data(store, route, page_html).to_string().replace('<', "\\u003c");
    format!("<script type=\"application/json\" id=\"{DATA_ID}\">{json}</script>")
}

pub fn data(store: &Storefront, route: &Route, page_html: &str) -> Value {
    let mut products = serde_json::Map::new();
    let mut ids = linked_products(page_html);
    // A product page's own Buy link sits outside any card.
    if let Route::Product(id) = route {
        ids.push(id.clone());
    }
    for id in ids {
        if let Some(product) = store.product(&id) {
            products.insert(id, product_data(store, product));
        }
    }
    let codes: Vec<Value> = store
        .codes
        .iter()
        .map(|c| json!({"id": c.id, "code": c.code, "starts_at": c.starts_at, "ends_at": c.ends_at}))
        .collect();
    let mut data = json!({
        "v": SCHEMA_VERSION,
        "creator_id": store.creator.id,
        "path": store.site.href(&route.path()),
        "persist": store.tracking.privacy == Privacy::Standard,
        "max_chars": MAX_VALUE_CHARS,
        "max_pairs": MAX_PAIRS,
        "click_keys": CLICK_ID_KEYS,
        "in_app": IN_APP_BROWSERS.iter().map(|(mark, b)| [*mark, b.as_str()]).collect::<Vec<_>>(),
        "click_token": CLICK_TOKEN,
        "campaign_tokens": CAMPAIGN_TOKENS.iter().map(|(key, token)| (token.to_string(), json!(key))).collect::<serde_json::Map<_, _>>(),
        "outbox_key": outbox_key(""),
        "checkout_key": CHECKOUT_KEY,
        "cart_key": CART_KEY,
        "sinks": store.tracking.sinks.iter().map(sink).collect::<Vec<_>>(),
        "codes": codes,
        "products": products,
        "share_words": [store.text.get(Key::LinkCopied), store.text.get(Key::CouldntCopy)],
    });
    // An affiliate's page credits the visit to them and applies their code
    // (`tracking::start`, `cart::provide`); other pages leave the key out (every byte
    // here is in every page).
    if let (Some(handle), Some(data)) = (&store.affiliate, data.as_object_mut()) {
        data.insert("affiliate".into(), json!(handle));
    }
    data
}

/// Product ids in the page's `data-product` attributes, in order, once each.
fn linked_products(html: &str) -> Vec<String> {
    const ATTRIBUTE: &str = "data-product=\"";
    let mut ids: Vec<String> = Vec::new();
    for (at, _) in html.match_indices(ATTRIBUTE) {
        let rest = &html[at + ATTRIBUTE.len()..];
        let id = rest.split('"').next().unwrap_or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// The sink's `kind` as the config names it.
pub fn kind(sink: &Sink) -> &'static str {
    match sink {
        Sink::Collector { .. } => "collector",
        Sink::Webhook { .. } => "webhook",
        Sink::Plausible { .. } => "plausible",
        Sink::Umami { .. } => "umami",
        Sink::PostHog { .. } => "posthog",
    }
}

/// The sinks whose formats the page shell's early-tap script lacks. The minifier keeps
/// only the formats of the sinks in the config it read (`data-sinks` on the script);
/// a shell built for another config would silently drop those events. A shell without
/// the script (a bare one in tests) lacks nothing.
pub fn missing_sinks(shell: &str, store: &Storefront) -> Vec<&'static str> {
    const ATTRIBUTE: &str = "<script data-sinks=\"";
    let Some(at) = shell.find(ATTRIBUTE) else { return Vec::new() };
    let listed = shell[at + ATTRIBUTE.len()..].split('"').next().unwrap_or_default();
    let mut missing: Vec<&'static str> =
        store.tracking.sinks.iter().map(kind).filter(|k| !listed.split(' ').any(|l| l == *k)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

fn sink(sink: &Sink) -> Value {
    let mut out = json!({"endpoint": sink.endpoint(), "deduplicates": sink.deduplicates(), "kind": kind(sink)});
    let extra = match sink {
        Sink::Collector { .. } | Sink::Webhook { .. } => json!({}),
        Sink::Plausible { domain, .. } => json!({"domain": domain}),
        Sink::Umami { website_id, .. } => json!({"website_id": website_id}),
        Sink::PostHog { api_key, .. } => json!({"api_key": api_key}),
    };
    if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend(extra);
    }
    out
}

/// What a tap on `product` needs: its item, and for a product bought straight from
/// its shop, the checkout link without and with each code it can carry.
fn product_data(store: &Storefront, product: &Product) -> Value {
    let price = &product.price;
    // The decimal amount only the flat formats (Plausible, Umami, PostHog) send: left out
    // of pages whose sinks do not need it (these bytes are in every page).
    let decimal = store
        .tracking
        .sinks
        .iter()
        .any(|s| matches!(s, Sink::Plausible { .. } | Sink::Umami { .. } | Sink::PostHog { .. }));
    let mut out = json!({
        "name": product.title,
        "price": price.minor,
        "currency": price.currency.code(),
        "host": product.checkout.host(),
    });
    if let (true, Some(out)) = (decimal, out.as_object_mut()) {
        out.insert("decimal".into(), json!(price.decimal_string()));
    }
    if product.checkout.cart_shop().is_none() {
        let codes: Vec<Value> = store
            .codes
            .iter()
            .filter_map(|code| {
                // Priced as of the moment the code starts, if that is after the build;
                // the script checks its window at the tap.
                let at = code.starts_at.map_or(store.baked_at, |s| s.max(store.baked_at));
                let cart = Cart { code: Some(code.id.clone()), ..Cart::default() };
                let (applied, ecommerce) = cart.direct_buy(store, product, None, 0, at);
                applied?;
                let mut entry = json!({
                    "id": code.id,
                    "value": ecommerce.value,
                    "href": link(store, product, Some(&code.code)),
                });
                if let (true, Some(entry)) = (decimal, entry.as_object_mut()) {
                    let amount = Money::new(ecommerce.value, &ecommerce.currency).decimal_string();
                    entry.insert("decimal".into(), json!(amount));
                }
                Some(entry)
            })
            .collect();
        if let Some(out) = out.as_object_mut() {
            out.insert("href".into(), json!(link(store, product, None)));
            out.insert("codes".into(), json!(codes));
            // Stripe leaves out tags longer than this (`checkout::product_link`); other
            // kinds have no limit, and no key (every byte here is in every page).
            if matches!(product.checkout, linkshelf_core::model::Checkout::Stripe { .. }) {
                out.insert("utm_max".into(), json!(checkout::STRIPE_UTM_MAX));
            }
        }
    }
    out
}

/// The checkout link with [`CLICK_TOKEN`] where the click id goes and [`CAMPAIGN_TOKENS`]
/// where the campaign tags go.
fn link(store: &Storefront, product: &Product, code: Option<&str>) -> String {
    let token = |key: &str| CAMPAIGN_TOKENS.iter().find(|(k, _)| *k == key).map(|(_, t)| t.to_string());
    let attribution = linkshelf_core::attribution::Attribution {
        utm_source: token("utm_source"),
        utm_medium: token("utm_medium"),
        utm_campaign: token("utm_campaign"),
        utm_content: token("utm_content"),
        utm_term: token("utm_term"),
        affiliate: token("affiliate"),
        ..Default::default()
    };
    let handoff = Handoff { click_id: CLICK_TOKEN, code, attribution: &attribution, creator_id: &store.creator.id };
    checkout::product_link(&product.checkout, &handoff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn demo() -> Storefront {
        crate::build::config::load(Path::new("demo/storefront.json"), 0).map(|(s, _)| s).expect("demo config")
    }

    #[test]
    fn a_page_carries_the_products_it_links_to() {
        let store = demo();
        let route = Route::Product("speckled-mug".into());
        let html = crate::build::prerender::render(&store, &route);
        let data = data(&store, &route, &html);
        let products = data["products"].as_object().expect("products");
        assert_eq!(products.keys().collect::<Vec<_>>(), ["speckled-mug"]);
        assert_eq!(data["path"], "/p/speckled-mug/");
        let home = crate::build::prerender::render(&store, &Route::Home);
        let linked = linked_products(&home);
        assert!(linked.len() > 3 && linked.iter().all(|id| store.product(id).is_some()), "{linked:?}");
    }

    #[test]
    fn buy_links_are_templates_of_the_core_checkout_link() {
        let store = demo();
        let product = store.product("dot-grid-notebook").expect("a Gumroad product");
        let value = product_data(&store, product);
        let href = value["href"].as_str().expect("href");
        assert!(href.contains(CLICK_TOKEN), "{href}");
        let attribution = Default::default();
        let handoff = |code| Handoff { click_id: "abc", code, attribution: &attribution, creator_id: "juno-park" };
        let plain = |href: &str| {
            let mut href = href.replace(CLICK_TOKEN, "abc");
            for (key, token) in CAMPAIGN_TOKENS {
                href = href.replace(&format!("&{key}={token}"), "");
            }
            href
        };
        assert_eq!(plain(href), checkout::product_link(&product.checkout, &handoff(None)));
        // JUNOSHIPS covers it; JUNO15 (Shopify products only) and JUNO5 (ended) do not.
        let codes = value["codes"].as_array().expect("codes");
        assert_eq!(codes.iter().map(|c| c["id"].as_str()).collect::<Vec<_>>(), [Some("nordform-ship")]);
        let with_code = plain(codes[0]["href"].as_str().expect("href"));
        assert_eq!(with_code, checkout::product_link(&product.checkout, &handoff(Some("JUNOSHIPS"))));
        // A plain link takes no code, and a cart product has no Buy link at all.
        let napkins = product_data(&store, store.product("linen-napkins").expect("napkins"));
        assert_eq!(napkins["codes"].as_array().map(Vec::len), Some(0));
        assert!(product_data(&store, store.product("speckled-mug").expect("mug")).get("href").is_none());
    }

    #[test]
    fn a_shell_built_for_other_sinks_is_named() {
        let mut store = demo();
        let shell = "<head><script data-sinks=\"collector\">…</script></head>";
        assert!(missing_sinks(shell, &store).is_empty());
        assert!(missing_sinks("<head></head>", &store).is_empty(), "no script, nothing to miss");
        store
            .tracking
            .sinks
            .push(Sink::Plausible { endpoint: "https://p.example/api/event".into(), domain: "j".into() });
        assert_eq!(missing_sinks(shell, &store), ["plausible"]);
        store.tracking.sinks.push(Sink::Collector { endpoint: "https://c.example/".into() });
        store
            .tracking
            .sinks
            .push(Sink::Plausible { endpoint: "https://q.example/api/event".into(), domain: "k".into() });
        assert_eq!(missing_sinks(shell, &store), ["plausible"], "each kind named once");
    }

    #[test]
    fn no_text_can_close_the_element() {
        let mut store = demo();
        store.products[0].title = "</script><b>".into();
        let html = crate::build::prerender::render(&store, &Route::Home);
        let element = data_element(&store, &Route::Home, &html);
        assert_eq!(element.matches("</script>").count(), 1, "only its own end");
        let json = element.trim_start_matches(|c| c != '>').trim_start_matches('>').trim_end_matches("</script>");
        let value: Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(value["products"][&store.products[0].id]["name"], "</script><b>");
    }
}
