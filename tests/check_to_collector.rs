//! Issue #9: nothing the config check accepts is lost. Configs are generated with
//! hostile and extreme values (prices around the limit in currencies with 0, 2 and 3
//! decimals, codes with spaces, controls, invisible characters and of every length);
//! every config the real check accepts is turned into the events the storefront would
//! send (the core's own cart and checkout rules, the storefront's own writer), and the
//! real collector's ingest check must accept every one of them.

use linkshelf::build::config::{self, Options};
use linkshelf_core::attribution::Attribution;
use linkshelf_core::cart::{item_ecommerce, Cart};
use linkshelf_core::events::{uuid_v7, Context, Ecommerce, Envelope, EventName, InAppBrowser, Outbound, Subject};
use linkshelf_core::limits::{MAX_PRICE_MINOR, MAX_QUANTITY};
use linkshelf_core::model::Storefront;
use linkshelf_core::money::Money;
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: i64 = 1_795_804_200_000;

/// A money string as a creator writes it, for `minor` units of `currency`.
fn money(minor: i64, currency: &str) -> String {
    format!("{} {currency}", Money::new(minor, currency).decimal_string())
}

fn price() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(MAX_PRICE_MINOR),
        Just(MAX_PRICE_MINOR + 1),
        (MAX_PRICE_MINOR - 1000)..=MAX_PRICE_MINOR,
        0..=MAX_PRICE_MINOR,
        (MAX_PRICE_MINOR..=MAX_PRICE_MINOR * 100),
    ]
}

fn code() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z0-9]{1,12}",
        "[A-Za-zÉЖß0-9%_-]{1,70}",
        "[A-Z]{1,5}[ \\t\u{7}\u{200B}\u{202E}][A-Z]{1,5}",
        Just(String::new()),
    ]
}

fn checkout(i: usize, kind: u8) -> Value {
    match kind {
        0 => json!({"kind": "shopify", "variant": format!("4401234567{i}")}),
        1 => json!({"kind": "stripe", "url": format!("https://buy.stripe.com/test_{i}")}),
        2 => json!({"kind": "gumroad", "url": format!("https://ana.gumroad.com/l/p{i}")}),
        _ => json!({"kind": "link", "url": format!("https://shop.example.com/p{i}")}),
    }
}

fn config(products: &[(i64, &str, u8)], codes: &[(String, u8)]) -> Value {
    json!({
        "site": {"url": "https://ana.example/"},
        "creator": {
            "id": "ana", "name": "Ana", "handle": "@ana", "time_zone": "Europe/Berlin",
            "avatar": {"src": "https://cdn.example.com/ana.png", "alt": "Ana"}
        },
        "shopify": {"shop": "fable.myshopify.com"},
        "codes": codes.iter().enumerate().map(|(i, (code, percent))| json!({
            "id": format!("code-{i}"), "code": code, "brand": "Brand",
            "offer": {"kind": "percent_off", "percent": 1 + u32::from(*percent) % 100}
        })).collect::<Vec<_>>(),
        "products": products.iter().enumerate().map(|(i, (minor, currency, kind))| json!({
            "id": format!("p-{i}"), "title": format!("Product {i}"), "price": money(*minor, currency),
            "checkout": checkout(i, *kind),
            "images": [{"src": format!("https://cdn.example.com/p{i}.png"), "alt": "A product"}]
        })).collect::<Vec<_>>(),
        "collections": [{"id": "all", "title": "All", "products": (0..products.len()).map(|i| format!("p-{i}")).collect::<Vec<_>>()}]
    })
}

fn envelope(store: &Storefront, seq: u32, name: EventName, ecommerce: Ecommerce, outbound: bool) -> String {
    let mut e = Envelope {
        v: linkshelf_core::events::SCHEMA_VERSION,
        event_id: uuid_v7(NOW, &[seq as u8, (seq >> 8) as u8, 1, 2, 3, 4, 5, 6, 7, 8]),
        name,
        occurred_at: NOW,
        sent_at: Some(NOW + 1_000),
        page_load_id: "0195f3a4-0000-7000-8000-000000000001".into(),
        seq,
        creator_id: store.creator.id.clone(),
        attribution: Attribution::default(),
        context: Context {
            path: "/".into(),
            locale: "en-GB".into(),
            time_zone: "Europe/Berlin".into(),
            in_app_browser: InAppBrowser::None,
        },
        subject: Subject::default(),
        ecommerce: Some(ecommerce),
        outbound: None,
    };
    if outbound {
        e.outbound = Some(Outbound {
            click_id: "0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9d".into(),
            destination_host: "fable.myshopify.com".into(),
        });
    }
    e.to_json()
}

/// Every event the storefront sends with money in it, for every product and code: the
/// product alone (select, add, a direct Buy with each code), and full carts (every
/// product that may join, at the largest quantity, with each code).
fn events(store: &Storefront) -> Vec<String> {
    let mut out = Vec::new();
    let mut seq = 0;
    let mut push = |name, ecommerce, outbound| {
        seq += 1;
        out.push(envelope(store, seq, name, ecommerce, outbound));
    };
    let codes: Vec<Option<String>> =
        std::iter::once(None).chain(store.codes.iter().map(|c| Some(c.id.clone()))).collect();
    for product in &store.products {
        push(EventName::SelectItem, item_ecommerce(product, Some("all"), 0), false);
        push(EventName::AddToCart, item_ecommerce(product, None, 0), false);
        for code in &codes {
            let cart = Cart { code: code.clone(), ..Cart::default() };
            let (_, ecommerce) = cart.direct_buy(store, product, Some("all"), 0, NOW);
            push(EventName::BeginCheckout, ecommerce, true);
        }
    }
    for code in &codes {
        let mut cart = Cart { code: code.clone(), ..Cart::default() };
        for product in &store.products {
            if cart.add(store, &product.id, NOW).is_ok() {
                cart.set_quantity(&product.id, MAX_QUANTITY);
            }
        }
        if let Some(totals) = cart.totals(store, NOW) {
            let ecommerce = cart.checkout_ecommerce(store, &totals);
            push(EventName::BeginCheckout, ecommerce.clone(), true);
            let purchase = Ecommerce { transaction_id: Some("1001".into()), ..ecommerce };
            push(EventName::Purchase, purchase, true);
        }
    }
    out
}

fn check(config: &Value) -> Option<Storefront> {
    let raw = config::parse(&config.to_string()).ok()?;
    config::validate(&raw, &Options { base_dir: None, now: NOW }).ok().map(|(store, _)| store)
}

fn assert_collector_accepts(store: &Storefront) -> Result<(), TestCaseError> {
    for raw in events(store) {
        if let Err((_, why)) = linkshelf_collector::event::parse(&raw, NOW + 2_000) {
            return Err(TestCaseError::fail(format!(
                "the collector refused an event of an accepted config: {why}\n{raw}"
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_config_the_check_accepts_makes_events_the_collector_accepts(
        products in proptest::collection::vec(
            (price(), prop::sample::select(vec!["EUR", "JPY", "KWD", "USD", "IDR", "XTS"]), 0u8..4),
            1..5,
        ),
        codes in proptest::collection::vec((code(), any::<u8>()), 0..3),
    ) {
        let products: Vec<(i64, &str, u8)> = products;
        if let Some(store) = check(&config(&products, &codes)) {
            assert_collector_accepts(&store)?;
        }
    }
}

/// The property above only means something if many generated configs pass the check:
/// the extremes it accepts are exactly the ones that used to be lost.
#[test]
fn the_largest_config_the_check_accepts_is_accepted_end_to_end() {
    let products: Vec<(i64, &str, u8)> =
        vec![(MAX_PRICE_MINOR, "EUR", 0), (MAX_PRICE_MINOR, "EUR", 0), (MAX_PRICE_MINOR, "JPY", 2)];
    let codes = vec![("Ж".repeat(linkshelf_core::limits::MAX_CODE_CHARS), 99), ("JUNO15".to_owned(), 14)];
    let store = check(&config(&products, &codes)).expect("the check accepts the limits");
    assert!(events(&store).len() > 10);
    assert_collector_accepts(&store).expect("the collector accepts every event");
    // One unit over the price limit is refused by the check, not later by the collector.
    let over = vec![(MAX_PRICE_MINOR + 1, "EUR", 0)];
    assert!(check(&config(&over, &[])).is_none());
}
