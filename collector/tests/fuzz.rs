//! Issue #9: property tests of the ingest → store → stats path with extreme values.
//!
//! Batches of envelopes (limits, limits + 1, 0, i64::MAX/MIN, u32::MAX quantities,
//! huge item lists, odd unicode and control characters, duplicate ids, purchases with
//! and without values) and signed-webhook payloads (extreme totals and refunds) go
//! through the collector's real checks (`event::parse`, `webhook::stripe`) into a real
//! SQLite file (`store::apply`), then `stats::load` adds them up. Properties: stats never
//! fail or panic, every accepted event is counted exactly (funnel and revenue), nothing
//! rejected is stored, nothing stored is excluded. A second property writes rows that
//! bypass the checks (legacy rows) and expects each to be counted or reported.
//!
//! Case counts are bounded so the whole collector suite stays within minutes on 2 cores.
//! The inputs that found bugs before the fix are kept as explicit tests at the end (and
//! in `stats_tests.rs`, `event_tests.rs`, `hardening.rs`).

use linkshelf_collector::event::{self, Event, Status};
use linkshelf_collector::stats::{self, Query, Stats};
use linkshelf_collector::store::{self, Durability, Write, Written};
use linkshelf_collector::webhook::{self, Delivery};
use linkshelf_core::events::EventName;
use linkshelf_core::limits::{
    MAX_AMOUNT_MINOR, MAX_CODE_CHARS, MAX_HANDLE_CHARS, MAX_LINES, MAX_PRICE_MINOR, MAX_QUANTITY, MAX_TAG_CHARS,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The server's clock for every case.
const NOW: i64 = 1_795_804_260_000;
const HOUR: i64 = 3_600_000;

/// Bounded runs, and failures kept in `collector/proptest-regressions/fuzz.txt` (the
/// default place is found from `src/lib.rs`, which an integration test does not have).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/fuzz.txt"))),
        ..ProptestConfig::default()
    }
}

fn everything() -> Query {
    Query { from: 0, to: i64::MAX, ..Query::default() }
}

fn fresh() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = store::open(&dir.path().join("fuzz.sqlite"), Durability::Normal).expect("open");
    (dir, conn)
}

// ---- Strategies ----

/// Numbers at and around every limit, the extremes of the JSON number range, and some
/// that are not integers at all.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(vec![
            json!(0), json!(1), json!(-1), json!(MAX_QUANTITY), json!(MAX_QUANTITY + 1),
            json!(MAX_PRICE_MINOR), json!(MAX_PRICE_MINOR + 1), json!(MAX_AMOUNT_MINOR), json!(MAX_AMOUNT_MINOR + 1),
            json!(i64::MAX), json!(i64::MIN), json!(u64::MAX), json!(u32::MAX), json!(u32::MAX as u64 + 1),
            json!(1.5), json!(-0.0), json!(1e300), Value::Null, json!("12"),
        ]),
        2 => (0..=MAX_PRICE_MINOR).prop_map(|v| json!(v)),
        1 => any::<i64>().prop_map(|v| json!(v)),
    ]
}

/// Mostly a valid value from `valid`, else anything from `number()`.
fn mostly(valid: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = Value> {
    prop_oneof![6 => valid.prop_map(|v| json!(v)), 1 => number()]
}

/// Free text: at the tag limit (in characters, with emoji), one past, invisible and
/// direction-changing characters, controls, and arbitrary unicode.
fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(vec![
            Value::Null, json!(""), json!("tiktok"), json!("🌿".repeat(MAX_TAG_CHARS)),
            json!("🌿".repeat(MAX_TAG_CHARS + 1)), json!("a\u{0}b"), json!("\u{202E}evil"), json!("zero\u{200B}width"),
            json!("line\nbreak"), json!("é".repeat(MAX_TAG_CHARS)), json!("👩‍👩‍👧".repeat(20)),
        ]),
        3 => "[a-z0-9 ._~-]{0,40}".prop_map(Value::String),
        1 => any::<String>().prop_map(Value::String),
    ]
}

fn code() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            Value::Null,
            json!(""),
            json!("JUNO15"),
            json!("ÉTÉ-20%"),
            json!("É".repeat(MAX_CODE_CHARS)),
            json!("É".repeat(MAX_CODE_CHARS + 1)),
            json!("JUNO 15"),
            json!("\u{202E}51ONUJ"),
            json!("JU\u{200D}NO"),
            json!("a\tb"),
        ]),
        "[A-Z0-9Ééß-]{1,20}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

fn item() -> impl Strategy<Value = Value> {
    let ids = vec!["mug", "mug", "tote", "tote", "a-b-c", "", "Mug!", "ü"];
    (prop::sample::select(ids), mostly(0..=MAX_PRICE_MINOR), mostly(1..=i64::from(MAX_QUANTITY)), any::<bool>())
        .prop_map(|(id, price, quantity, with_quantity)| {
            let mut item = json!({"item_id": id, "item_name": "Name ☕", "price": price, "index": 0});
            if with_quantity {
                item["quantity"] = quantity;
            }
            item
        })
}

fn items() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::vec(item(), 0..=3),
        1 => prop::collection::vec(item(), MAX_LINES - 1..=MAX_LINES + 1),
        1 => prop::collection::vec(item(), 150..=200),
    ]
    .prop_map(Value::Array)
}

fn ecommerce() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![json!("EUR"), json!("EUR"), json!("JPY"), json!("KWD"), json!("XYZ"), Value::Null]),
        mostly(0..=MAX_AMOUNT_MINOR),
        code(),
        prop::sample::select(vec![json!("T-1"), json!("T-2"), json!("T-3"), Value::Null, json!("")]),
        items(),
        any::<bool>(),
    )
        .prop_map(|(currency, value, coupon, tx, items, with_value)| {
            let mut e = json!({"currency": currency, "coupon": coupon, "transaction_id": tx, "items": items});
            if with_value {
                e["value"] = value;
            }
            e
        })
}

/// Half chaotic envelopes (any field may be extreme), half tame ones (every value within
/// the limits, at them included), so both the refusals and the sums get exercised.
fn envelope() -> impl Strategy<Value = Value> {
    prop_oneof![chaotic_envelope(), tame_envelope()]
}

fn tame_envelope() -> impl Strategy<Value = Value> {
    let item = (
        prop::sample::select(vec!["mug", "tote", "a-b-c"]),
        prop_oneof![Just(MAX_PRICE_MINOR), Just(0), 0..=MAX_PRICE_MINOR],
        prop_oneof![Just(MAX_QUANTITY), 1..=MAX_QUANTITY],
    )
        .prop_map(|(id, price, quantity)| json!({"item_id": id, "price": price, "quantity": quantity}));
    let ecommerce = (
        prop::sample::select(vec!["EUR", "JPY", "KWD"]),
        prop::option::of(prop_oneof![Just(MAX_AMOUNT_MINOR), Just(0), 0..=MAX_AMOUNT_MINOR]),
        prop::option::of("[A-Z0-9Ééß-]{1,64}"),
        prop::sample::select(vec!["T-1", "T-2", "T-3", "T-4"]),
        prop::collection::vec(item, 0..=MAX_LINES),
    )
        .prop_map(|(currency, value, coupon, tx, items)| {
            json!({"currency": currency, "value": value, "coupon": coupon, "transaction_id": tx, "items": items})
        });
    (
        prop::sample::select(vec!["e-1", "e-2", "e-3", "e-4", "e-5", "e-6", "e-7", "e-8", "e-9", "e-10"]),
        prop::sample::select(EventName::ALL.to_vec()),
        prop::option::weighted(0.8, ecommerce),
        "[a-z0-9🌿 ]{0,30}",
    )
        .prop_map(|(id, name, ecommerce, source)| {
            json!({"v": 1, "event_id": id, "name": name.as_str(), "occurred_at": NOW - 2000, "sent_at": NOW - 1000,
                "creator_id": "juno-park", "attribution": {"utm_source": source}, "ecommerce": ecommerce})
        })
}

fn chaotic_envelope() -> impl Strategy<Value = Value> {
    let names: Vec<String> =
        EventName::ALL.iter().map(|n| n.as_str().to_owned()).chain(["sign_up".to_owned(), String::new()]).collect();
    (
        prop::sample::select(vec!["e-1", "e-2", "e-3", "e-4", "e-5", "e-6", "e-7", "e-8", "e-9", "e-10", "", "é-1"]),
        prop::sample::select(names),
        prop::sample::select(vec!["juno-park", "juno-park", "juno-park", "other", "x".repeat(65).leak(), "juno park"]),
        text(),
        text(),
        prop::option::weighted(0.6, ecommerce()),
        prop::sample::select(vec![Value::Null, json!("c-1"), json!("c-2")]),
        prop::sample::select(vec![0i64, 1000, 1000, 1000, -HOUR, 9 * 24 * HOUR]),
        affiliate(),
    )
        .prop_map(|(id, name, creator, source, path, ecommerce, click, waited, affiliate)| {
            json!({
                "v": 1, "event_id": id, "name": name, "occurred_at": NOW - 1000 - waited, "sent_at": NOW - 1000,
                "page_load_id": "pl-1", "seq": 0, "creator_id": creator,
                "attribution": {"utm_source": source, "utm_medium": "clip", "utm_campaign": null, "utm_content": null,
                    "utm_term": null, "ref": null, "affiliate": affiliate, "click_ids": [{"name": "ttclid", "value": "abc"}],
                    "referrer_host": null},
                "context": {"path": path, "locale": "en-GB", "time_zone": "Europe/London", "in_app_browser": "none"},
                "subject": {"promotion_id": null, "popup_id": null, "item_list_id": null},
                "ecommerce": ecommerce,
                "outbound": click.as_str().map(|c| json!({"click_id": c, "destination_host": "shop.example"})),
            })
        })
}

/// Affiliate handles: valid ones (at the length limit too), and what is not a handle.
fn affiliate() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(vec![
            Value::Null, json!("juno.park"), json!("mika"), json!(""), json!("Juno"), json!("juno."), json!("a/b"),
            json!("a".repeat(MAX_HANDLE_CHARS)), json!("a".repeat(MAX_HANDLE_CHARS + 1)), json!(7), json!("jüno"),
        ]),
        1 => "[a-z0-9._ -]{0,8}".prop_map(Value::String),
    ]
}

/// A signed Stripe delivery's body (the signature is checked before this, elsewhere).
#[derive(Clone, Debug)]
enum Hook {
    Order { n: u8, amount: Value },
    Refund { n: u8, k: u8, amount: Value },
}

impl Hook {
    fn body(&self) -> String {
        let created = NOW / 1000 - 60;
        match self {
            Hook::Order { n, amount } => json!({"type": "checkout.session.completed", "created": created,
                "data": {"object": {"id": format!("cs_{n}"), "amount_total": amount, "currency": "eur",
                    "payment_status": "paid", "payment_intent": format!("pi_{n}"), "created": created}}}),
            Hook::Refund { n, k, amount } => json!({"type": "charge.refunded", "created": created,
                "data": {"object": {"id": format!("ch_{n}_{k}"), "payment_intent": format!("pi_{n}"),
                    "amount_refunded": amount, "currency": "eur"}}}),
        }
        .to_string()
    }
}

fn hook() -> impl Strategy<Value = Hook> {
    prop_oneof![
        (0u8..4, number()).prop_map(|(n, amount)| Hook::Order { n, amount }),
        (0u8..4, 0u8..2, number()).prop_map(|(n, k, amount)| Hook::Refund { n, k, amount }),
    ]
}

// ---- The model: what stats must say about what was stored ----

#[derive(Debug, Default, PartialEq, Eq)]
struct Money {
    all: i128,
    verified: i128,
    unverified: i128,
    refunded: i128,
}

#[derive(Default)]
struct Expected {
    page_views: u64,
    selects: u64,
    checkouts: u64,
    purchases_unverified: u64,
    orders: u64,
    money: BTreeMap<String, Money>,
    stored_events: HashSet<String>,
}

impl Expected {
    fn event(&mut self, e: &Event) {
        self.stored_events.insert(e.event_id.clone());
        match e.name {
            "page_view" => self.page_views += 1,
            "select_item" => self.selects += 1,
            "begin_checkout" => self.checkouts += 1,
            "purchase" => {
                self.purchases_unverified += 1;
                // Thank-you-page purchases carry `T-…` ids and orders `cs_…`: none is
                // confirmed by an order, so each counts in `all` too.
                if let (Some(currency), Some(value)) = (&e.currency, e.value) {
                    let m = self.money.entry(currency.clone()).or_default();
                    m.unverified += i128::from(value);
                    m.all += i128::from(value);
                }
            }
            _ => {}
        }
    }
}

/// Runs the events and webhooks through the real checks into `conn`; returns the
/// model of what was stored.
fn ingest(conn: &Connection, batches: &[Vec<Value>], hooks: &[Hook]) -> Expected {
    let mut expected = Expected::default();
    let mut rejected = HashSet::new();
    for batch in batches {
        let mut valid = Vec::new();
        for raw in batch {
            match event::parse(&raw.to_string(), NOW) {
                Ok(e) => valid.push(e),
                Err((id, _)) => {
                    rejected.extend(id);
                }
            }
        }
        let Written::Events(statuses) =
            store::apply(conn, &Write::Events { events: valid.clone(), client: None }).expect("store")
        else {
            panic!("not an events answer")
        };
        for (e, status) in valid.iter().zip(statuses) {
            if status == Status::Accepted {
                expected.event(e);
            }
        }
    }
    let mut orders: HashMap<u8, i64> = HashMap::new();
    let mut refunds: HashMap<(u8, u8), i64> = HashMap::new();
    for h in hooks {
        match (h, webhook::stripe(h.body().as_bytes(), NOW)) {
            (Hook::Order { n, .. }, Ok(Delivery::Order(o))) => {
                assert!((0..=MAX_AMOUNT_MINOR).contains(&o.value), "{h:?} let through {}", o.value);
                let value = o.value;
                if store::apply(conn, &Write::Order(o)).expect("order") == Written::Recorded(true) {
                    orders.insert(*n, value);
                }
            }
            (Hook::Refund { n, k, .. }, Ok(Delivery::Refund(r))) => {
                let amount = r.amount.get();
                assert!((1..=MAX_AMOUNT_MINOR).contains(&amount), "{h:?} let through {amount}");
                store::apply(conn, &Write::Refund(r)).expect("refund");
                let kept = refunds.entry((*n, *k)).or_default();
                *kept = (*kept).max(amount);
            }
            // Refused (an impossible amount, a missing or non-integer one): nothing stored.
            (_, Err(_)) => {}
            (h, other) => panic!("{h:?} read as {other:?}"),
        }
    }
    for (n, value) in &orders {
        expected.orders += 1;
        let m = expected.money.entry("EUR".into()).or_default();
        m.verified += i128::from(*value);
        m.all += i128::from(*value);
        m.refunded += refunds.iter().filter(|((r, _), _)| r == n).map(|(_, a)| i128::from(*a)).sum::<i128>();
    }
    // Nothing rejected was stored under an id that no accepted event has.
    for id in rejected.difference(&expected.stored_events) {
        let n: i64 =
            conn.query_row("SELECT count(*) FROM events WHERE event_id = ?1", [id], |r| r.get(0)).expect("count");
        assert_eq!(n, 0, "rejected {id} was stored");
    }
    expected
}

fn check(conn: &Connection, expected: &Expected) -> Stats {
    let s = stats::load(conn, &everything(), 168 * HOUR, None).expect("stats never fail");
    let stored: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
    assert_eq!(stored as usize, expected.stored_events.len(), "only accepted events are stored");
    let f = &s.totals.funnel;
    assert_eq!(
        (f.page_views, f.product_selects, f.checkouts_started, f.purchases_unverified, f.purchases_verified),
        (expected.page_views, expected.selects, expected.checkouts, expected.purchases_unverified, expected.orders)
    );
    assert_eq!(f.purchases, f.purchases_unverified + f.purchases_verified);
    let money: BTreeMap<String, Money> = s
        .totals
        .revenue
        .iter()
        .map(|r| {
            let m = Money { all: r.all, verified: r.verified, unverified: r.unverified, refunded: r.refunded };
            (r.currency.clone(), m)
        })
        .collect();
    assert_eq!(money, expected.money);
    assert_eq!(s.excluded.count, 0, "whatever ingest accepts, stats count: {:?}", s.excluded);
    // Every breakdown adds up to the total's sales.
    for dim in ["creator", "affiliate", "utm_source", "utm_medium", "code"] {
        let sales: u64 = s.by[dim].iter().map(|r| r.group.funnel.purchases).sum();
        assert_eq!(sales, f.purchases, "{dim}");
    }
    stats::to_csv(&s).expect("csv");
    stats::to_html(&s);
    serde_json::to_string(&s).expect("json");
    s
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn accepted_events_and_orders_are_counted_exactly(
        batches in prop::collection::vec(prop::collection::vec(envelope(), 1..12), 1..4),
        hooks in prop::collection::vec(hook(), 0..10),
    ) {
        let (_dir, conn) = fresh();
        let expected = ingest(&conn, &batches, &hooks);
        check(&conn, &expected);
    }
}

/// The property above must not test rejections alone: a fair share of the generated
/// events passes ingest.
#[test]
fn the_generated_events_are_often_valid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut valid, mut all, mut reasons) = (0, 0, BTreeMap::<String, usize>::new());
    for _ in 0..400 {
        let raw = envelope().new_tree(&mut runner).expect("tree").current();
        all += 1;
        match event::parse(&raw.to_string(), NOW) {
            Ok(_) => valid += 1,
            Err((_, why)) => *reasons.entry(why.to_string().chars().take(50).collect()).or_default() += 1,
        }
    }
    assert!(valid * 3 >= all, "only {valid} of {all} generated events are valid: {reasons:#?}");
}

// ---- Rows that bypass the checks (stored before them, or by hand) ----

fn sql_number() -> impl Strategy<Value = Sql> {
    prop_oneof![
        3 => number().prop_map(|v| v.as_i64().map_or(Sql::Null, Sql::Integer)),
        2 => any::<i64>().prop_map(Sql::Integer),
        1 => any::<f64>().prop_map(Sql::Real),
        1 => Just(Sql::Text("lots".into())),
        1 => Just(Sql::Blob(vec![0, 1])),
    ]
}

/// Orders and refunds have NOT NULL amounts.
fn not_null() -> impl Strategy<Value = Sql> {
    sql_number().prop_map(|v| if v == Sql::Null { Sql::Integer(0) } else { v })
}

fn sql_items() -> impl Strategy<Value = Sql> {
    prop_oneof![
        Just(Sql::Null),
        Just(Sql::Text("not json".into())),
        Just(Sql::Integer(5)),
        items().prop_map(|v| Sql::Text(v.to_string())),
        prop::collection::vec((any::<i64>(), any::<u32>()), 0..60).prop_map(|lines| {
            let items: Vec<Value> =
                lines.iter().map(|(p, q)| json!({"item_id": "mug", "price": p, "quantity": q})).collect();
            Sql::Text(Value::Array(items).to_string())
        }),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn legacy_rows_are_counted_or_reported_never_fatal(
        events in prop::collection::vec(
            (prop::sample::select(vec!["page_view", "select_item", "begin_checkout", "purchase"]), sql_number(), sql_items()),
            0..20,
        ),
        orders in prop::collection::vec((not_null(), prop::collection::vec(not_null(), 0..3)), 0..6),
    ) {
        let (_dir, conn) = fresh();
        for (i, (name, value, items)) in events.iter().enumerate() {
            conn.execute(
                "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value,
                   transaction_id, items) VALUES (?1, ?2, 'juno', ?3, 0, 0, 'EUR', ?4, ?1, ?5)",
                rusqlite::params![format!("e{i}"), name, NOW, value, items],
            ).expect("legacy event");
        }
        let mut refunds = 0;
        for (i, (value, amounts)) in orders.iter().enumerate() {
            conn.execute(
                "INSERT INTO orders (provider, order_id, created_at, received_at, currency, value, payment_ref)
                 VALUES ('stripe', ?1, ?2, 0, 'EUR', ?3, ?4)",
                rusqlite::params![format!("cs_{i}"), NOW, value, format!("pi_{i}")],
            ).expect("legacy order");
            for (k, amount) in amounts.iter().enumerate() {
                conn.execute(
                    "INSERT INTO refunds (provider, refund_id, order_ref, currency, amount, created_at, received_at)
                     VALUES ('stripe', ?1, ?2, 'EUR', ?3, 0, 0)",
                    rusqlite::params![format!("ch_{i}_{k}"), format!("pi_{i}"), amount],
                ).expect("legacy refund");
                refunds += 1;
            }
        }
        let s = stats::load(&conn, &everything(), 168 * HOUR, None).expect("stats never fail");
        let f = &s.totals.funnel;
        let excluded = |row: &str| -> u64 {
            s.excluded.reasons.iter().filter(|r| r.row == row).map(|r| r.count).sum()
        };
        let counted_events = f.page_views + f.product_selects + f.checkouts_started + f.purchases_unverified;
        prop_assert_eq!(counted_events + excluded("event"), events.len() as u64);
        prop_assert_eq!(f.purchases_verified + excluded("order"), orders.len() as u64);
        prop_assert!(excluded("refund") <= refunds);
        prop_assert_eq!(s.excluded.count, excluded("event") + excluded("order") + excluded("refund"));
        stats::to_csv(&s).expect("csv");
        stats::to_html(&s);
    }
}

// ---- The inputs that found the bugs, kept as plain tests ----

fn purchase(id: &str, tx: &str, value: i64, price: Value, quantity: Value) -> Value {
    json!({"v": 1, "event_id": id, "name": "purchase", "occurred_at": NOW - 1000, "sent_at": NOW - 1000,
        "creator_id": "juno-park", "ecommerce": {"currency": "EUR", "value": value, "transaction_id": tx,
        "items": [{"item_id": "mug", "price": price, "quantity": quantity}]}})
}

/// Price 10^12 × quantity u32::MAX: accepted before the fix, then the stats' product
/// breakdown overflowed `i64` (a 500 in debug builds, a wrapped sum in release).
#[test]
fn regression_old_limit_price_times_u32_quantity() {
    let (_dir, conn) = fresh();
    let batch = vec![
        purchase("e-1", "T-1", 5, json!(1_000_000_000_000i64), json!(u32::MAX)),
        purchase("e-2", "T-2", 2720, json!(2720), json!(1)),
    ];
    let expected = ingest(&conn, &[batch], &[]);
    assert_eq!(expected.stored_events.len(), 1, "the overflowing event is refused");
    check(&conn, &expected);
}

/// Purchases at the largest amount whose sum passes `i64::MAX`, and a signed order and
/// refunds at the extremes: the sums stay exact, the impossible amounts never land.
#[test]
fn regression_sums_past_i64_and_extreme_webhooks() {
    let (_dir, conn) = fresh();
    let batches: Vec<Vec<Value>> = (0..400)
        .map(|b| {
            (0..50)
                .map(|i| {
                    let id = format!("e-{b}-{i}");
                    purchase(&id, &format!("T-{b}-{i}"), MAX_AMOUNT_MINOR, json!(MAX_PRICE_MINOR), json!(MAX_QUANTITY))
                })
                .collect()
        })
        .collect();
    let hooks = vec![
        Hook::Order { n: 0, amount: json!(MAX_AMOUNT_MINOR) },
        Hook::Order { n: 1, amount: json!(i64::MAX) },
        Hook::Order { n: 2, amount: json!(-1) },
        Hook::Refund { n: 0, k: 0, amount: json!(i64::MIN) },
        Hook::Refund { n: 0, k: 1, amount: json!(MAX_AMOUNT_MINOR) },
    ];
    let expected = ingest(&conn, &batches, &hooks);
    let s = check(&conn, &expected);
    let eur = &s.totals.revenue[0];
    assert_eq!(eur.unverified, i128::from(MAX_AMOUNT_MINOR) * 20_000);
    assert!(eur.all > i128::from(i64::MAX));
    assert_eq!((eur.verified, eur.refunded), (i128::from(MAX_AMOUNT_MINOR), i128::from(MAX_AMOUNT_MINOR)));
}
