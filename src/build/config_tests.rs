//! Every config rule, one failing config at a time, plus the demo config.

use super::config::{self, ConfigError, Options};
use iso_currency::IntoEnumIterator;
use linkshelf_core::model::Place;
use serde_json::{json, Value};
use std::path::Path;

fn minimal() -> Value {
    json!({
        "site": {"url": "https://ana.example/"},
        "creator": {
            "id": "ana", "name": "Ana", "handle": "@ana", "time_zone": "Europe/Berlin",
            "avatar": {"src": "https://cdn.example.com/ana.png", "alt": "Ana"},
            "links": [{"kind": "tiktok", "url": "https://www.tiktok.com/@ana"}]
        },
        "codes": [{"id": "ana10", "code": "ANA10", "brand": "Brand", "offer": {"kind": "percent_off", "percent": 10}}],
        "products": [
            {"id": "mug", "title": "Mug", "price": "12.00 EUR", "checkout": {"kind": "link", "url": "https://shop.example.com/mug"},
             "images": [{"src": "https://cdn.example.com/mug.png", "alt": "A mug"}]},
            {"id": "tote", "title": "Tote", "price": "1200 JPY", "checkout": {"kind": "link", "url": "https://shop.example.com/tote"},
             "images": [{"src": "https://cdn.example.com/tote.png", "alt": "A tote"}]}
        ],
        "collections": [{"id": "all", "title": "All", "products": ["mug", "tote"]}],
        "popups": [{"id": "live", "title": "Live", "starts_at": "2026-12-05T11:00", "ends_at": "2026-12-05T12:00",
                    "stream": {"platform": "TikTok", "url": "https://www.tiktok.com/@ana/live"}}]
    })
}

fn check(config: Value) -> Result<linkshelf_core::model::Storefront, Vec<ConfigError>> {
    let raw = config::parse(&config.to_string()).map_err(|e| vec![e])?;
    config::validate(&raw, &Options { base_dir: None, now: 0 }).map(|(store, _)| store)
}

fn errors(config: Value) -> Vec<String> {
    match check(config) {
        Ok(_) => vec![],
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn with(mut config: Value, pointer: &str, value: Value) -> Value {
    *config.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer} in test config")) = value;
    config
}

fn assert_error(config: Value, expected: &str) {
    let found = errors(config);
    assert!(found.iter().any(|e| e == expected), "expected {expected:?}, got {found:#?}");
}

#[test]
fn the_minimal_config_is_valid() {
    let store = check(minimal()).expect("valid");
    assert_eq!(store.products.len(), 2);
    assert_eq!(store.popups[0].starts_at, 1_796_464_800_000); // 11:00 CET = 10:00Z
}

#[test]
fn unknown_product_reference() {
    let config = with(minimal(), "/collections/0/products/1", json!("tote-xl"));
    assert_error(config, "collections[0].products[1]: unknown product \"tote-xl\"");
}

#[test]
fn duplicate_ids() {
    let config = with(minimal(), "/products/1/id", json!("mug"));
    assert_error(config, "products[1].id: duplicate id \"mug\" (first used at products[0].id)");
    let config = with(minimal(), "/collections/0/products", json!(["mug", "mug"]));
    assert_error(config, "collections[0].products[1]: duplicate id \"mug\" (first used at collections[0].products[0])");
}

#[test]
fn ids_must_be_url_safe() {
    let config = with(minimal(), "/products/0/id", json!("Mug XL"));
    assert!(errors(config).iter().any(|e| e.starts_with("products[0].id: \"Mug XL\" is not a valid id")));
}

#[test]
fn negative_and_malformed_prices() {
    assert_error(
        with(minimal(), "/products/0/price", json!("-3.00 EUR")),
        "products[0].price: \"-3.00 EUR\": a price cannot be negative",
    );
    let found = errors(with(minimal(), "/products/0/price", json!("12,50 EUR")));
    assert!(found[0].starts_with("products[0].price: \"12,50 EUR\": the amount must be digits"), "{found:?}");
    assert_error(
        with(minimal(), "/products/1/price", json!("12.5 JPY")),
        "products[1].price: \"12.5 JPY\": this currency has no decimals; write a whole number",
    );
    // A number instead of a string is a type error with its path.
    let found = errors(with(minimal(), "/products/0/price", json!(12)));
    assert!(found[0].starts_with("products[0].price: line 1, column"), "{found:?}");
}

#[test]
fn unknown_currency() {
    assert_error(
        with(minimal(), "/products/0/price", json!("12.00 XYZ")),
        "products[0].price: unknown currency \"XYZ\" (not an ISO 4217 code)",
    );
}

#[test]
fn compare_at_rules() {
    let mut config = minimal();
    config["products"][0]["compare_at"] = json!("10.00 EUR");
    assert_error(config.clone(), "products[0].compare_at: the compare-at price must be higher than the price");
    assert_error(
        with(config, "/products/0/compare_at", json!("20.00 USD")),
        "products[0].compare_at: currency USD does not match the price's currency EUR",
    );
}

#[test]
fn end_before_start() {
    let config = with(minimal(), "/popups/0/ends_at", json!("2026-12-05T10:00"));
    assert_error(config, "popups[0].ends_at: ends before it starts");
    let mut config = minimal();
    config["codes"][0]["starts_at"] = json!("2026-12-01T00:00");
    config["codes"][0]["ends_at"] = json!("2026-11-01T00:00");
    assert_error(config, "codes[0].ends_at: ends before it starts");
}

#[test]
fn unknown_time_zones() {
    let found = errors(with(minimal(), "/creator/time_zone", json!("Europe/Atlantis")));
    assert!(found[0].starts_with("creator.time_zone: unknown time zone \"Europe/Atlantis\""), "{found:?}");
    let mut config = minimal();
    config["popups"][0]["time_zone"] = json!("CEST+2");
    assert!(errors(config).iter().any(|e| e.starts_with("popups[0].time_zone: unknown time zone \"CEST+2\"")));
}

#[test]
fn malformed_times() {
    let found = errors(with(minimal(), "/popups/0/starts_at", json!("5 Dec 2026 11am")));
    assert!(found[0].starts_with("popups[0].starts_at: \"5 Dec 2026 11am\" is not a date and time"), "{found:?}");
}

#[test]
fn local_times_skipped_or_repeated_by_dst_are_rejected() {
    let mut config = minimal();
    config["popups"][0]["starts_at"] = json!("2026-03-29T02:30");
    config["popups"][0]["ends_at"] = json!("2026-03-29T05:00");
    assert_error(config, "popups[0].starts_at: \"2026-03-29T02:30\" does not exist in Europe/Berlin (the clocks skip it for daylight saving time)");
    let mut config = minimal();
    config["popups"][0]["starts_at"] = json!("2026-10-25T02:30");
    config["popups"][0]["ends_at"] = json!("2026-10-25T05:00");
    assert!(errors(config)
        .iter()
        .any(|e| e.starts_with("popups[0].starts_at: \"2026-10-25T02:30\" happens twice in Europe/Berlin")));
    // With an explicit offset the same wall time is accepted.
    let mut config = minimal();
    config["popups"][0]["starts_at"] = json!("2026-10-25T02:30+01:00");
    config["popups"][0]["ends_at"] = json!("2026-10-25T05:00");
    assert!(check(config).is_ok());
}

#[test]
fn an_event_spanning_a_dst_change_has_its_real_duration() {
    // Clocks go forward at 02:00 on 29 March 2026 in Berlin: 01:00 to 04:00 local is 2 hours.
    let mut config = minimal();
    config["popups"][0]["starts_at"] = json!("2026-03-29T01:00");
    config["popups"][0]["ends_at"] = json!("2026-03-29T04:00");
    let store = check(config).expect("valid");
    let popup = &store.popups[0];
    assert_eq!(popup.ends_at - popup.starts_at, 2 * 3_600_000);
    assert_eq!(popup.when_label, "Sun 29 Mar, 01:00–04:00, Berlin time");
    // And back in autumn, 01:00 to 04:00 local is 4 hours.
    let mut config = minimal();
    config["popups"][0]["starts_at"] = json!("2026-10-25T01:00");
    config["popups"][0]["ends_at"] = json!("2026-10-25T04:00");
    let store = check(config).expect("valid");
    assert_eq!(store.popups[0].ends_at - store.popups[0].starts_at, 4 * 3_600_000);
}

#[test]
fn urls_must_be_http_or_https() {
    assert_error(
        with(minimal(), "/products/0/checkout/url", json!("javascript:alert(1)")),
        "products[0].checkout.url: \"javascript:alert(1)\" must start with https:// or http://",
    );
    assert_error(
        with(minimal(), "/creator/links/0/url", json!("data:text/html,hi")),
        "creator.links[0].url: \"data:text/html,hi\" must start with https:// or http://",
    );
    assert_error(
        with(minimal(), "/products/0/checkout/url", json!("shop.example.com/mug")),
        "products[0].checkout.url: \"shop.example.com/mug\" is not a valid URL",
    );
    let mut config = minimal();
    config["popups"][0]["stream"]["url"] = json!(" JavaScript:alert(1)");
    assert!(errors(config)
        .iter()
        .any(|e| e.starts_with("popups[0].stream.url:") && e.ends_with("must start with https:// or http://")));
}

#[test]
fn missing_alt_text() {
    assert_error(
        with(minimal(), "/products/1/images/0/alt", json!("  ")),
        "products[1].images[0].alt: describe the image in \"alt\" for shoppers who use screen readers",
    );
    let mut config = minimal();
    config["creator"]["avatar"] = json!({"src": "https://cdn.example.com/a.png"});
    assert_error(config, "creator.avatar.alt: describe the image in \"alt\" for shoppers who use screen readers");
}

#[test]
fn image_paths_stay_inside_the_config_folder_and_exist() {
    assert!(errors(with(minimal(), "/products/0/images/0/src", json!("../secret.png")))[0]
        .starts_with("products[0].images[0].src: \"../secret.png\" must be"));
    let raw = config::parse(&with(minimal(), "/products/0/images/0/src", json!("media/nope.svg")).to_string())
        .expect("parses");
    let errors =
        config::validate(&raw, &Options { base_dir: Some(Path::new("demo")), now: 0 }).err().unwrap_or_default();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "products[0].images[0].src: image file \"media/nope.svg\" not found next to the config"
    );
}

#[test]
fn popups_need_exactly_one_place() {
    let mut config = minimal();
    config["popups"][0]["venue"] = json!({"name": "Hall", "address": "Main St 1"});
    assert_error(config, "popups[0]: give a \"venue\" or a \"stream\", not both");
    let mut config = minimal();
    config["popups"][0].as_object_mut().map(|o| o.remove("stream"));
    assert_error(config, "popups[0]: give either a \"venue\" (in person) or a \"stream\" (live)");
}

#[test]
fn offers_are_checked() {
    assert_error(
        with(minimal(), "/codes/0/offer/percent", json!(150)),
        "codes[0].offer.percent: a percentage must be between 1 and 100, not 150",
    );
    let config = with(
        minimal(),
        "/codes/0/offer",
        json!({"kind": "amount_off", "amount": "5.00 EUR", "min_subtotal": "40 USD"}),
    );
    assert_error(config, "codes[0].offer.min_subtotal: currency USD does not match the price's currency EUR");
    let found = errors(with(minimal(), "/codes/0/offer", json!({"kind": "bogo"})));
    assert!(
        found[0].starts_with("codes[0].offer.kind: line 1") && found[0].contains("unknown variant `bogo`"),
        "{found:?}"
    );
}

#[test]
fn bad_accent_colour() {
    let mut config = minimal();
    config["theme"] = json!({"accent": "orange"});
    assert_error(config, "theme.accent: \"orange\" is not a colour: write it as \"#rrggbb\"");
}

#[test]
fn unknown_fields_are_named() {
    let mut config = minimal();
    config["products"][0]["prise"] = json!("1 EUR");
    let found = errors(config);
    assert!(
        found[0].starts_with("products[0].prise: line 1") && found[0].contains("unknown field `prise`"),
        "{found:?}"
    );
}

#[test]
fn syntax_errors_give_line_and_column() {
    let err = config::parse("{\n  \"creator\": {,\n}").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.starts_with("creator: line 2, column"), "{err}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut config = minimal();
    config["products"][0]["price"] = json!("-1 EUR");
    config["products"][1]["checkout"]["url"] = json!("javascript:void(0)");
    config["collections"][0]["products"][0] = json!("nope");
    config["creator"]["time_zone"] = json!("Mars/Olympus");
    assert_eq!(errors(config).len(), 4);
}

#[test]
fn email_links_become_mailto() {
    let mut config = minimal();
    config["creator"]["links"] = json!([{"kind": "email", "url": "hi@ana.example"}, {"kind": "email", "url": "nope"}]);
    let found = errors(config.clone());
    assert_eq!(found, vec!["creator.links[1].url: \"nope\" is not a valid URL"]);
    config["creator"]["links"].as_array_mut().map(|a| a.pop());
    let store = check(config).expect("valid");
    assert_eq!(store.creator.links[0].url, "mailto:hi@ana.example");
}

#[test]
fn the_demo_config_is_valid_and_complete() {
    let (store, assets) = config::load(Path::new("demo/storefront.json"), 0).expect("demo config is valid");
    assert_eq!(store.products.len(), 20);
    assert_eq!(store.collections.len(), 3);
    assert_eq!(store.codes.len(), 3);
    assert_eq!(store.popups.len(), 4);
    assert!(store.popups.iter().any(|p| matches!(p.place, Place::Stream { .. })));
    assert!(assets.images.iter().all(|i| Path::new("demo").join(i).is_file()));
}

#[test]
fn iso_exponents_agree_with_the_full_table() {
    for currency in iso_currency::Currency::iter() {
        let ours = linkshelf_core::money::Currency(currency.code().to_owned()).exponent();
        let theirs = currency.exponent().unwrap_or(0) as u32;
        // Funds and metals without a minor unit (XAU, XDR…) have no exponent in ISO;
        // prices are never set in them, and 0 or 2 are both harmless there.
        if currency.exponent().is_some() {
            assert_eq!(ours, theirs, "{}", currency.code());
        }
    }
}

#[test]
fn the_committed_schema_is_current() {
    let committed = std::fs::read_to_string("storefront.schema.json").unwrap_or_default();
    assert!(
        committed == config::json_schema(),
        "storefront.schema.json is stale: run `cargo run --features cli --bin linkshelf -- schema > storefront.schema.json`"
    );
}

#[test]
fn tracking_sinks_are_checked() {
    let mut config = minimal();
    config["tracking"] = json!({
        "privacy": "standard",
        "sinks": [
            {"kind": "collector", "endpoint": "http://127.0.0.1:8787/v1/events"},
            {"kind": "plausible", "domain": "https://shop.example"},
            {"kind": "umami", "endpoint": "https://umami.example/api/send", "website_id": "not-a-uuid"},
            {"kind": "posthog", "api_key": "phx_secret"},
            {"kind": "webhook", "endpoint": "ftp://hooks.example"}
        ]
    });
    let found = errors(config);
    assert!(
        found.iter().any(|e| e.starts_with("tracking.sinks[1].domain: \"https://shop.example\" is not a domain")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|e| e.starts_with("tracking.sinks[2].website_id: \"not-a-uuid\" is not a website id")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|e| e.starts_with("tracking.sinks[3].api_key: use the project's public API key")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e == "tracking.sinks[4].endpoint: \"ftp://hooks.example\" must start with https:// or http://"),
        "{found:#?}"
    );
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn tracking_defaults_to_strict_with_no_sinks() {
    let store = check(minimal()).expect("valid");
    assert_eq!(store.tracking, linkshelf_core::model::Tracking::default());
    assert_eq!(store.tracking.privacy, linkshelf_core::model::Privacy::Strict);
    let mut config = minimal();
    config["tracking"] =
        json!({"sinks": [{"kind": "plausible", "domain": "shop.example"}, {"kind": "posthog", "api_key": "phc_abc"}]});
    let store = check(config).expect("valid");
    assert_eq!(store.tracking.sinks[0].endpoint(), "https://plausible.io/api/event");
    assert_eq!(store.tracking.sinks[1].endpoint(), "https://us.i.posthog.com/batch/");
}

#[test]
fn checkouts_by_provider() {
    let mut config = minimal();
    config["shopify"] = json!({"shop": "Fable-Studio.myshopify.com"});
    config["products"][0]["checkout"] = json!({"kind": "shopify", "variant": "44012345678901"});
    config["products"][1]["checkout"] = json!({"kind": "gumroad", "url": "https://ana.gumroad.com/l/zine"});
    let store = check(config.clone()).expect("valid");
    assert_eq!(
        store.products[0].checkout,
        linkshelf_core::model::Checkout::Shopify {
            shop: "fable-studio.myshopify.com".into(),
            variant: "44012345678901".into()
        }
    );
    config["shopify"] = json!({"shop": "https://fable.example/shop"});
    config["products"][0]["checkout"] = json!({"kind": "shopify", "variant": "44-01"});
    config["products"][1]["checkout"] = json!({"kind": "lemon_squeezy", "url": "https://ana.lemonsqueezy.com/buy/1"});
    assert_eq!(
        errors(config.clone()),
        vec![
            "shopify.shop: \"https://fable.example/shop\" is not a shop domain: write it like \"fable-studio.myshopify.com\", without https:// or a path",
            "products[0].checkout.variant: \"44-01\" is not a Shopify variant id: it is a number, like \"44012345678901\"",
            "products[1].checkout.url: this is not a Lemon Squeezy checkout link (expected https://<store>.lemonsqueezy.com/checkout/buy/<variant>)",
        ]
    );
    config.as_object_mut().map(|o| o.remove("shopify"));
    config["products"][0]["checkout"] = json!({"kind": "shopify", "variant": "1"});
    config["products"][1]["checkout"] = json!({"kind": "gumroad", "url": "https://ana.example/zine"});
    assert_eq!(
        errors(config),
        vec![
            "products[0].checkout.shop: say which Shopify shop: add \"shop\" here, or a top-level \"shopify\": {\"shop\": …}",
            "products[1].checkout.url: this is not a Gumroad checkout link (expected https://<user>.gumroad.com/l/<permalink>)",
        ]
    );
}

#[test]
fn codes_stripe_would_drop_are_refused_where_they_reach_stripe() {
    let mut config = minimal();
    config["products"][1]["checkout"] = json!({"kind": "stripe", "url": "https://buy.stripe.com/test_8wM"});
    config["codes"][0]["code"] = json!("ANA-10");
    assert_eq!(
        errors(config.clone()),
        vec!["codes[0].code: Stripe would silently drop the code \"ANA-10\" for product \"tote\": Stripe promotion codes are letters and digits only (at most 200); rename the code or limit it with applies_to"]
    );
    // Limited to the Shopify mug, the code never reaches Stripe: fine.
    config["codes"][0]["applies_to"] = json!({"products": ["mug"]});
    assert_eq!(errors(config.clone()), Vec::<String>::new());
    // A collection that holds the Stripe product reaches it again.
    config["codes"][0]["applies_to"] = json!({"collections": ["all"]});
    assert_eq!(errors(config.clone()).len(), 1);
    config["codes"][0]["code"] = json!("ANA10");
    assert_eq!(errors(config), Vec::<String>::new());
}

#[test]
fn code_scopes_name_real_products_and_collections() {
    let mut config = minimal();
    config["codes"][0]["applies_to"] = json!({"products": ["mug", "cup"], "collections": ["kitchen"]});
    assert_eq!(
        errors(config.clone()),
        vec![
            "codes[0].applies_to.products[1]: unknown product \"cup\"",
            "codes[0].applies_to.collections[0]: unknown collection \"kitchen\"",
        ]
    );
    config["codes"][0]["applies_to"] = json!({"products": ["mug"], "collections": ["all"]});
    let store = check(config).expect("valid");
    assert_eq!(store.codes[0].scope.products, vec!["mug".to_owned()]);
    assert_eq!(store.codes[0].scope.collections, vec!["all".to_owned()]);
}

#[test]
fn drops_have_a_release_time_in_their_zone() {
    let mut config = minimal();
    config["products"][0]["available_at"] = json!("2026-12-05T18:00");
    let store = check(config.clone()).expect("valid");
    // 18:00 in Berlin (CET, UTC+1) is 17:00 UTC.
    assert_eq!(store.products[0].available_at, Some(1_796_490_000_000));
    config["products"][0]["time_zone"] = json!("Asia/Tokyo");
    let store = check(config.clone()).expect("valid");
    assert_eq!(store.products[0].available_at, Some(1_796_490_000_000 - 8 * 3_600_000));
    config["products"][0]["available_at"] = json!("soon");
    assert_eq!(errors(config).len(), 1);
}

// ---------------------------------------------------------------------------
// Issue #9: nothing the check accepts is lost, no text lies, no file leaks.
// ---------------------------------------------------------------------------

#[test]
fn prices_stop_at_the_shared_limit_so_the_collector_takes_every_event() {
    use linkshelf_core::limits::MAX_PRICE_MINOR;
    // 10,000,000,000.00 EUR is the most; one cent more is refused, as is the old ceiling.
    let store = check(with(minimal(), "/products/0/price", json!("10000000000.00 EUR"))).expect("at the limit");
    assert_eq!(store.products[0].price.minor, MAX_PRICE_MINOR);
    assert_error(
        with(minimal(), "/products/0/price", json!("10000000000.01 EUR")),
        "products[0].price: \"10000000000.01 EUR\" is more than the largest amount a shop takes (€10,000,000,000)",
    );
    assert_eq!(errors(with(minimal(), "/products/0/price", json!("92233720368547758.07 EUR"))).len(), 1);
    // JPY has no minor unit: the same bound in yen.
    assert!(check(with(minimal(), "/products/1/price", json!("1000000000000 JPY"))).is_ok());
    assert_eq!(errors(with(minimal(), "/products/1/price", json!("1000000000001 JPY"))).len(), 1);
    // Amounts in offers follow the same rule.
    let config = with(minimal(), "/codes/0/offer", json!({"kind": "amount_off", "amount": "99999999999.00 EUR"}));
    assert!(errors(config)[0].starts_with("codes[0].offer.amount: \"99999999999.00 EUR\" is more than"));
}

#[test]
fn codes_are_short_and_typeable_wherever_they_apply() {
    // No Stripe product in scope: these used to pass and the collector refused them.
    let config = with(minimal(), "/codes/0/code", json!("A".repeat(65)));
    assert_error(config, &format!("codes[0].code: \"{}\": a code has at most 64 characters", "A".repeat(65)));
    assert_error(
        with(minimal(), "/codes/0/code", json!("ANA\u{7}10")),
        "codes[0].code: \"ANA\u{7}10\": a code can't contain U+0007 (spaces, invisible or control characters)",
    );
    assert_eq!(errors(with(minimal(), "/codes/0/code", json!("ANA 10"))).len(), 1);
    assert_eq!(errors(with(minimal(), "/codes/0/code", json!("ANA\u{200B}10"))).len(), 1);
    assert_eq!(errors(with(minimal(), "/codes/0/code", json!(""))).len(), 1);
    // Letters of any script are fine, up to the limit.
    assert!(check(with(minimal(), "/codes/0/code", json!(format!("ÉTÉ{}", "Ж".repeat(61))))).is_ok());
}

#[test]
fn urls_with_a_user_part_are_refused_everywhere() {
    let lookalike = "https://www.tiktok.com@evil.example/";
    let expected = format!(
        "creator.links[0].url: \"{lookalike}\" has a name and \"@\" before its host: shoppers would see one site and land on another; remove the part before \"@\""
    );
    assert_error(with(minimal(), "/creator/links/0/url", json!(lookalike)), &expected);
    for pointer in ["/products/0/checkout/url", "/creator/avatar/src", "/popups/0/stream/url"] {
        let found = errors(with(minimal(), pointer, json!("https://user:pass@shop.example.com/x.png")));
        assert!(found.iter().any(|e| e.contains("has a name and \"@\" before its host")), "{pointer}: {found:#?}");
    }
    // An @ in the path (a TikTok handle) is not a user part.
    assert!(check(with(minimal(), "/creator/links/0/url", json!("https://www.tiktok.com/@ana"))).is_ok());
}

#[test]
fn stripe_checkouts_must_be_payment_links() {
    let config = with(
        minimal(),
        "/products/0/checkout",
        json!({"kind": "stripe", "url": "https://buy.stripe.com.evil.example/x"}),
    );
    assert_error(
        config,
        "products[0].checkout.url: this is not a Stripe Payment Link checkout link (expected https://buy.stripe.com/<link>)",
    );
    let config =
        with(minimal(), "/products/0/checkout", json!({"kind": "stripe", "url": "https://shop.example.com/pay"}));
    assert_eq!(errors(config).len(), 1);
    let config =
        with(minimal(), "/products/0/checkout", json!({"kind": "stripe", "url": "https://buy.stripe.com/test_8wM"}));
    assert!(check(config).is_ok());
}

#[test]
fn images_are_images_inside_the_folder_and_never_hidden_files() {
    let dir = std::env::temp_dir().join(format!("linkshelf-images-{}", std::process::id()));
    let outside = std::env::temp_dir().join(format!("linkshelf-outside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("media")).expect("dir");
    std::fs::create_dir_all(&outside).expect("dir");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    std::fs::write(dir.join("media/ok.png"), png).expect("write");
    std::fs::write(dir.join("media/ok.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>").expect("write");
    std::fs::write(dir.join("media/fake.png"), "SECRET=hunter2").expect("write");
    std::fs::write(dir.join("media/active.svg"), "<svg onload=\"alert(1)\"></svg>").expect("write");
    std::fs::write(dir.join("media/script.svg"), "<svg><script>alert(1)</script></svg>").expect("write");
    std::fs::write(dir.join(".env"), "SECRET=hunter2").expect("write");
    std::fs::write(dir.join("storefront.json"), "{}").expect("write");
    std::fs::write(outside.join("x.png"), png).expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("x.png"), dir.join("media/link.png")).expect("symlink");

    let check_src = |src: &str| {
        let raw = config::parse(&with(minimal(), "/products/0/images/0/src", json!(src)).to_string()).expect("parses");
        match config::validate(&raw, &Options { base_dir: Some(&dir), now: 0 }) {
            Ok(_) => String::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
        }
    };
    assert_eq!(check_src("media/ok.png"), "");
    assert_eq!(check_src("media/ok.svg"), "");
    let at = "products[0].images[0].src";
    assert_eq!(
        check_src("storefront.json"),
        format!(
            "{at}: \"storefront.json\" is not an image file: use a .png, .jpg, .jpeg, .gif, .webp, .avif or .svg file"
        )
    );
    assert_eq!(check_src(".env"), format!("{at}: \".env\" is a hidden file (its name starts with a dot); images are published, so hidden files never are"));
    assert!(check_src("media/.hidden/x.png").contains("is a hidden file"));
    assert_eq!(
        check_src("media/fake.png"),
        format!("{at}: \"media/fake.png\" is named as a PNG but its content is not a PNG")
    );
    assert!(check_src("media/active.svg").contains("contains script or event handlers"));
    assert!(check_src("media/script.svg").contains("contains script or event handlers"));
    #[cfg(unix)]
    assert!(
        check_src("media/link.png").contains("leads outside the config's folder"),
        "{}",
        check_src("media/link.png")
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}

#[test]
fn the_demo_images_pass_the_image_rules() {
    let (_, assets) = config::load(Path::new("demo/storefront.json"), 0).expect("demo is valid");
    // SVG drawings, and one PNG: the share image link previews show (most apps draw no SVG).
    assert!(assets.images.iter().all(|src| src.ends_with(".svg") || src == "media/share.png"), "{:?}", assets.images);
    assert!(assets.images.iter().any(|src| src == "media/share.png"));
}

#[test]
fn required_text_must_show_something() {
    assert_error(
        with(minimal(), "/creator/name", json!("\u{200B}\u{200D}\u{FEFF}")),
        "creator.name: shows nothing: it has only invisible characters (zero-width spaces or similar)",
    );
    assert_eq!(errors(with(minimal(), "/products/0/title", json!("\u{2060}\u{3164}"))).len(), 1);
    assert_error(
        with(minimal(), "/creator/avatar/alt", json!("\u{200B}")),
        "creator.avatar.alt: describe the image in \"alt\" for shoppers who use screen readers",
    );
    assert!(check(with(minimal(), "/creator/name", json!("🌿"))).is_ok());
    assert!(check(with(minimal(), "/creator/name", json!("نور"))).is_ok());
}

#[test]
fn direction_controls_are_refused_in_names_titles_and_codes() {
    // "Tote" + RIGHT-TO-LEFT OVERRIDE: the rest of the line displays reversed (a fake price).
    assert_error(
        with(minimal(), "/products/1/title", json!("Tote \u{202E}00.1€")),
        "products[1].title: contains U+202E, a character that changes the direction of the text around it and can make it display as something else; remove it",
    );
    for pointer in ["/creator/name", "/creator/handle", "/collections/0/title", "/codes/0/brand", "/popups/0/title"] {
        assert_eq!(errors(with(minimal(), pointer, json!("Ana\u{2066}x"))).len(), 1, "{pointer}");
    }
    assert_eq!(errors(with(minimal(), "/codes/0/code", json!("\u{202E}01ANA"))).len(), 1);
    // Free text keeps the right-to-left marks writers use, and refuses overrides.
    let mut config = minimal();
    config["creator"]["bio"] = json!("مرحبا\u{200F} (2026)");
    assert!(check(config.clone()).is_ok());
    config["creator"]["bio"] = json!("hi \u{202D}reversed");
    assert_eq!(errors(config), vec!["creator.bio: contains U+202D, a character that changes the direction of the text around it and can make it display as something else; remove it"]);
}

#[test]
fn test_and_metal_codes_are_not_money() {
    for code in ["XXX", "XTS", "XAU"] {
        assert_error(
            with(minimal(), "/products/0/price", json!(format!("12.00 {code}"))),
            &format!("products[0].price: \"{code}\" is not a currency shoppers pay in (it is an ISO 4217 test, metal or fund code)"),
        );
    }
}

#[test]
fn file_level_errors_a_creator_can_act_on() {
    let empty = config::parse("").expect_err("empty");
    assert_eq!(empty.to_string(), "the file is empty: start from demo/storefront.json and change it");
    assert_eq!(config::parse(" \n\t").expect_err("blank").to_string(), empty.to_string());
    // Notepad's byte-order mark is skipped.
    assert!(check_text(&format!("\u{FEFF}{}", minimal())).is_ok());
    // Invalid UTF-8: where, as an editor counts.
    let bytes = b"{\n  \"creator\": {\"name\": \"Ju\xffno\"}\n}";
    assert_eq!(
        config::text_of(bytes).expect_err("not utf-8").to_string(),
        "line 2, column 26: the file is not UTF-8 text (byte 0xFF here): save it as UTF-8 in your editor"
    );
    assert_eq!(config::text_of("{\"a\": \"é\"}".as_bytes()).ok(), Some("{\"a\": \"é\"}"));
}

fn check_text(text: &str) -> Result<(), ConfigError> {
    config::parse(text).map(|_| ())
}

#[test]
fn wrong_nesting_names_the_expected_shape() {
    let mut config = minimal();
    config["creator"] = json!([config["creator"].clone()]);
    assert_eq!(
        check_text(&config.to_string()).expect_err("list").to_string(),
        "creator: expected an object { … }, found a list [ … ]"
    );
    let config = with(minimal(), "/products", minimal()["products"][0].clone());
    assert_eq!(
        check_text(&config.to_string()).expect_err("object").to_string(),
        "products: expected a list [ … ], found an object { … }"
    );
    let config = with(minimal(), "/products/1/checkout", json!("https://shop.example.com/tote"));
    assert_eq!(
        check_text(&config.to_string()).expect_err("string").to_string(),
        "products[1].checkout: expected an object { … }, found a string"
    );
    assert_eq!(
        check_text(&json!([minimal()]).to_string()).expect_err("top").to_string(),
        "expected the whole config as one object { \"creator\": …, \"products\": [ … ] }, found a list [ … ]"
    );
    // serde's own messages no longer name Rust types.
    let config = with(minimal(), "/creator/avatar", json!(null));
    let message = check_text(&config.to_string()).expect_err("null").to_string();
    assert!(!message.contains("Raw"), "{message}");
}

#[test]
fn the_site_url_is_required_https_and_plain() {
    let mentions = |config: Value, part: &str| {
        let found = errors(config);
        assert!(found.iter().any(|e| e.contains(part)), "expected {part:?}, got {found:#?}");
    };
    let mut config = minimal();
    config.as_object_mut().expect("object").remove("site");
    mentions(config, "site.url: add the address where the shop will live");
    for bad in ["http://ana.example/", "https://ana.example/?a=1", "https://ana.example/#top", "ana.example", "ftp://x"]
    {
        mentions(
            with(minimal(), "/site/url", json!(bad)),
            &format!("site.url: \"{bad}\" must be the shop's https:// address"),
        );
    }
    mentions(with(minimal(), "/site/url", json!("https://me@ana.example/")), "has a name and \"@\"");
    let store = check(with(minimal(), "/site/url", json!("https://ana.github.io/shop"))).expect("valid");
    assert_eq!(store.site.url, "https://ana.github.io/shop/", "a final slash is added");
    assert_eq!(store.site.base_path(), "/shop/");
}

#[test]
fn an_unknown_preset_names_the_ones_there_are() {
    let mut config = minimal();
    config["theme"] = json!({ "accent": "#a9502c", "preset": "brutal" });
    let errors = check(config).expect_err("unknown preset");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter().any(|t| t.contains("theme.preset")
            && t.contains("\"brutal\" is not a preset: use one of studio, bold, editorial, soft, mono")),
        "{text:?}"
    );
    let mut config = minimal();
    config["theme"] = json!({ "accent": "#a9502c", "preset": "editorial" });
    assert_eq!(check(config).expect("valid").theme.preset, linkshelf_core::theme::Preset::Editorial);
}
