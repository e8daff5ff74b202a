//! The contract between the storefront and the collector (issue #9): whatever the
//! storefront's config check accepts, the storefront can send and the collector takes
//! and counts. Events are written by the storefront's own writer
//! (`linkshelf_core::events::Envelope::to_json`, as `src/runtime/tracking.rs` builds
//! them) at the very limits of `linkshelf_core::limits`, sent over real HTTP to a real
//! collector on a fresh SQLite file, and read back from `/v1/stats` with exact revenue.

mod common;
use common::*;
use linkshelf_core::attribution::{Attribution, ClickId, CLICK_ID_KEYS};
use linkshelf_core::checkout::ORDER_ID_MAX;
use linkshelf_core::events::{
    uuid_v7, Context, Ecommerce, Envelope, EventName, InAppBrowser, Item, Outbound, Subject, SCHEMA_VERSION,
};
use linkshelf_core::limits::{
    self, MAX_AMOUNT_MINOR, MAX_CODE_CHARS, MAX_HANDLE_CHARS, MAX_ID_CHARS, MAX_LINES, MAX_PRICE_MINOR, MAX_QUANTITY,
    MAX_TAG_CHARS,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// An id the config check accepts, exactly `MAX_ID_CHARS` long.
fn long_id(prefix: &str) -> String {
    let id = format!("{prefix}{}", "x".repeat(MAX_ID_CHARS - prefix.len()));
    assert!(limits::is_id(&id), "{id}");
    id
}

/// `text` repeated to exactly `chars` characters (not bytes).
fn chars(text: &str, chars: usize) -> String {
    text.chars().cycle().take(chars).collect()
}

static RANDOM: AtomicU64 = AtomicU64::new(1);

/// A UUIDv7 event id, as the storefront makes them (`tracking::new_id`).
fn new_id() -> String {
    let n = RANDOM.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    uuid_v7(now_ms(), &[n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], 0x5a, 0xa5])
}

/// An affiliate handle the config check accepts, exactly `MAX_HANDLE_CHARS` long.
fn long_handle() -> String {
    let handle = format!("{}7", chars("juno.park_", MAX_HANDLE_CHARS - 1));
    assert!(limits::is_handle(&handle), "{handle}");
    handle
}

/// Campaign tags at the tag limit, with emoji (one `char` each, four bytes), and the
/// longest affiliate handle.
fn tags_at_the_limit() -> Attribution {
    Attribution {
        utm_source: Some(chars("tiktok🌿", MAX_TAG_CHARS)),
        utm_medium: Some(chars("clip 🎬 ", MAX_TAG_CHARS)),
        utm_campaign: Some(chars("été-drop-", MAX_TAG_CHARS)),
        utm_content: Some(chars("vid-42-", MAX_TAG_CHARS)),
        utm_term: Some(chars("søm ", MAX_TAG_CHARS)),
        ref_tag: Some(chars("bio👩‍👩‍👧", MAX_TAG_CHARS)),
        affiliate: Some(long_handle()),
        click_ids: CLICK_ID_KEYS
            .iter()
            .map(|name| ClickId { name: (*name).to_owned(), value: chars("E.C.P.abc", MAX_TAG_CHARS) })
            .collect(),
        referrer_host: Some("www.tiktok.com".into()),
    }
}

/// One shopper's page load: what `tracking::start` and the cart/checkout calls build.
struct Visit {
    creator_id: String,
    attribution: Attribution,
    page_load_id: String,
    seq: u32,
}

impl Visit {
    fn envelope(&mut self, name: EventName, ecommerce: Option<Ecommerce>, outbound: Option<Outbound>) -> Envelope {
        let now = now_ms();
        self.seq += 1;
        Envelope {
            v: SCHEMA_VERSION,
            event_id: new_id(),
            name,
            occurred_at: now - 1500,
            sent_at: Some(now - 500),
            page_load_id: self.page_load_id.clone(),
            seq: self.seq - 1,
            creator_id: self.creator_id.clone(),
            attribution: self.attribution.clone(),
            context: Context {
                path: "/p/speckled-mug/".into(),
                locale: "de-CH".into(),
                time_zone: "Europe/Zurich".into(),
                in_app_browser: InAppBrowser::Tiktok,
            },
            subject: Subject::default(),
            ecommerce,
            outbound,
        }
    }
}

/// A cart line as the storefront writes it.
fn line(item_id: String, price: i64, quantity: u32, index: u32) -> Item {
    Item { item_id, item_name: format!("Produkt {index} ☕"), price, quantity, index, item_list_id: None }
}

/// What the collector should count for one checkout + purchase.
struct Cart {
    currency: &'static str,
    lines: Vec<Item>,
    value: i64,
    coupon: Option<String>,
    order_id: String,
}

/// Sends `add_to_cart` per line, `begin_checkout` and `purchase` for `cart`, in the
/// storefront's own JSON, and asserts each is accepted.
async fn shop(http: &Client, c: &Collector, visit: &mut Visit, cart: &Cart) {
    let mut events = Vec::new();
    for l in &cart.lines {
        // `tracking::cart_changed`: value = price × quantity, one line.
        let value = l.price.saturating_mul(i64::from(l.quantity));
        let ecommerce = Ecommerce {
            currency: cart.currency.into(),
            value,
            coupon: None,
            transaction_id: None,
            items: vec![l.clone()],
        };
        events.push(visit.envelope(EventName::AddToCart, Some(ecommerce), None));
    }
    let ecommerce = Ecommerce {
        currency: cart.currency.into(),
        value: cart.value,
        coupon: cart.coupon.clone(),
        transaction_id: None,
        items: cart.lines.clone(),
    };
    let outbound = Outbound { click_id: new_id(), destination_host: "fable-studio.example".into() };
    events.push(visit.envelope(EventName::BeginCheckout, Some(ecommerce.clone()), Some(outbound.clone())));
    // `tracking::purchase`: the stored checkout with the order id.
    let purchase = Ecommerce { transaction_id: Some(cart.order_id.clone()), ..ecommerce };
    events.push(visit.envelope(EventName::Purchase, Some(purchase), Some(outbound)));
    // Batches as the storefront sends them (at most 50 events, 64 KiB).
    let mut batch: Vec<String> = Vec::new();
    let mut batches = Vec::new();
    for e in events {
        let json = e.to_json();
        if batch.len() == 50 || batch.iter().map(String::len).sum::<usize>() + json.len() > 60 * 1024 {
            batches.push(std::mem::take(&mut batch));
        }
        batch.push(json);
    }
    batches.push(batch);
    for b in batches {
        let n = b.len();
        let a = http.post_text(&c.url("/v1/events"), format!("[{}]", b.join(","))).await.expect("post");
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.json()["accepted"].as_u64(), Some(n as u64), "every storefront event is accepted: {}", a.body);
    }
}

async fn stats_for(http: &Client, c: &Collector, creator: &str) -> Value {
    let a = http
        .get(&c.url(&format!("/v1/stats?creator={creator}")), &[("authorization", &format!("Bearer {TOKEN}"))])
        .await
        .expect("stats");
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn row<'a>(stats: &'a Value, dim: &str, key: &str) -> &'a Value {
    stats["by"][dim]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["key"] == key))
        .unwrap_or_else(|| panic!("no {dim} row {key:?} in {}", stats["by"][dim]))
}

/// Every limit at once: MAX_LINES lines of MAX_QUANTITY at MAX_PRICE_MINOR (so the
/// value is MAX_AMOUNT_MINOR), a code of MAX_CODE_CHARS non-ASCII letters, ids of
/// MAX_ID_CHARS, tags of MAX_TAG_CHARS with emoji, an order id of ORDER_ID_MAX.
#[tokio::test]
async fn the_storefronts_largest_events_are_accepted_and_counted_exactly() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let creator = long_id("juno-park-");
    let mut visit =
        Visit { creator_id: creator.clone(), attribution: tags_at_the_limit(), page_load_id: new_id(), seq: 0 };
    let lines: Vec<Item> =
        (0..MAX_LINES).map(|i| line(long_id(&format!("p{i:02}-")), MAX_PRICE_MINOR, MAX_QUANTITY, i as u32)).collect();
    let value = limits::sum_minor(lines.iter().map(|l| MAX_PRICE_MINOR * i64::from(l.quantity)));
    assert_eq!(value, i128::from(MAX_AMOUNT_MINOR));
    let code = chars("ÉTÉßØ", MAX_CODE_CHARS);
    assert_eq!(limits::code_problem(&code), None, "the config check accepts the code");
    let purchases = 3;
    for n in 0..purchases {
        let cart = Cart {
            currency: "EUR",
            lines: lines.clone(),
            value: MAX_AMOUNT_MINOR,
            coupon: Some(code.clone()),
            order_id: format!("{n}{}", "9".repeat(ORDER_ID_MAX - 1)),
        };
        shop(&http, &c, &mut visit, &cart).await;
    }

    let stats = stats_for(&http, &c, &creator).await;
    let t = &stats["totals"];
    assert_eq!((t["checkouts_started"].as_u64(), t["purchases_unverified"].as_u64()), (Some(3), Some(3)), "{t}");
    assert_eq!(t["purchases"], 3);
    let total = i128::from(MAX_AMOUNT_MINOR) * purchases;
    let revenue = &t["revenue"][0];
    assert_eq!(
        (revenue["currency"].as_str(), revenue["unverified"].as_i64()),
        (Some("EUR"), i64::try_from(total).ok())
    );
    assert_eq!(revenue["all"], revenue["unverified"]);
    assert_eq!(stats["excluded"]["count"], 0);
    // Each product: MAX_PRICE_MINOR × MAX_QUANTITY per purchase.
    let product = row(&stats, "product", &lines[MAX_LINES - 1].item_id);
    assert_eq!(product["revenue"][0]["unverified"].as_i64(), Some(MAX_PRICE_MINOR * i64::from(MAX_QUANTITY) * 3));
    assert_eq!(row(&stats, "code", &code)["purchases"], 3);
    let source = tags_at_the_limit().utm_source.expect("source");
    assert_eq!(row(&stats, "utm_source", &source)["checkouts_started"], 3);
    assert_eq!(row(&stats, "creator", &creator)["purchases"], 3);
    assert_eq!(row(&stats, "affiliate", &long_handle())["purchases_unverified"], 3);
    // Stored as sent: the tag with its emoji, the code with its accents.
    let stored: String = c
        .sqlite()
        .query_row("SELECT utm_source FROM events WHERE name = 'purchase' LIMIT 1", [], |r| r.get(0))
        .expect("stored");
    assert_eq!(stored, source);
}

// ---- The same over generated carts within the limits ----

fn cart() -> impl Strategy<Value = (&'static str, Vec<(i64, u32)>, Option<String>)> {
    (
        prop::sample::select(vec!["EUR", "JPY", "KWD", "IDR", "USD"]),
        prop::collection::vec(
            (prop_oneof![Just(MAX_PRICE_MINOR), Just(0), 0..=MAX_PRICE_MINOR], 1..=MAX_QUANTITY),
            1..=MAX_LINES,
        ),
        prop::option::of("[A-Z0-9ÉÜßØ%-]{1,64}"),
    )
}

/// One collector for every case (stopped by PID when the test ends); each case is its
/// own creator, so its stats are its own.
#[test]
fn any_cart_within_the_limits_is_accepted_and_counted_exactly() {
    let (_dir, c) = start(&[]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let config = ProptestConfig {
        cases: 24,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "proptest-regressions/contract.txt",
        ))),
        ..ProptestConfig::default()
    };
    let case = AtomicU64::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(cart(), 1..4), |carts| {
        let case = case.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(one_case(&c, case, carts))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

type Carts = Vec<(&'static str, Vec<(i64, u32)>, Option<String>)>;

async fn one_case(c: &Collector, case: u64, carts: Carts) -> Result<(), TestCaseError> {
    let creator = long_id(&format!("case-{case}-"));
    let http = Client::default();
    let mut visit =
        Visit { creator_id: creator.clone(), attribution: tags_at_the_limit(), page_load_id: new_id(), seq: 0 };
    let mut expected: BTreeMap<String, i128> = BTreeMap::new();
    for (n, (currency, lines, coupon)) in carts.iter().enumerate() {
        let lines: Vec<Item> = lines
            .iter()
            .enumerate()
            .map(|(i, (price, quantity))| line(format!("p-{i}"), *price, *quantity, i as u32))
            .collect();
        let value = limits::sum_minor(lines.iter().map(|l| l.price * i64::from(l.quantity)));
        let value = i64::try_from(value).map_err(|_| TestCaseError::fail("a cart past i64"))?;
        prop_assert!((0..=MAX_AMOUNT_MINOR).contains(&value));
        *expected.entry((*currency).to_owned()).or_default() += i128::from(value);
        let cart = Cart { currency, lines, value, coupon: coupon.clone(), order_id: format!("order-{case}-{n}") };
        shop(&http, c, &mut visit, &cart).await;
    }
    let stats = stats_for(&http, c, &creator).await;
    prop_assert_eq!(stats["totals"]["purchases_unverified"].as_u64(), Some(carts.len() as u64));
    prop_assert_eq!(stats["totals"]["checkouts_started"].as_u64(), Some(carts.len() as u64));
    prop_assert_eq!(&stats["excluded"]["count"], &Value::from(0));
    let got: BTreeMap<String, i128> = stats["totals"]["revenue"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|r| {
                    let unverified = r["unverified"].as_i64().map_or(-1, i128::from);
                    (r["currency"].as_str().unwrap_or_default().to_owned(), unverified)
                })
                .collect()
        })
        .unwrap_or_default();
    prop_assert_eq!(got, expected);
    Ok(())
}
