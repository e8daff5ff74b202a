//! Brand mode, over real HTTP against a real SQLite file: every event names the affiliate
//! of the visit, orders are credited to affiliates by the stats module's rules, the brand
//! sees every affiliate, and each affiliate's signed report link shows their own figures
//! and nothing that names anyone else, through any route and any parameter.

mod common;
use common::*;
use hmac::{Hmac, Mac};
use linkshelf_collector::credential;
use serde_json::{json, Value};
use sha2::Sha256;

const REPORT_SECRET: &str = "report-secret-of-the-brand-0123456789abcdef";
const JUNO: &str = "juno.park";
const MIKA: &str = "mika";
/// Strings that only mika's or nobody's data holds: none may reach juno's view.
const NOT_JUNOS: [&str; 8] = ["mika", "MIKA10", "mika-lamp", "src-mika", "3004", "3005", "ls-900", "brand-note"];

fn hmac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn now_iso() -> String {
    jiff::Timestamp::from_millisecond(now_ms()).expect("now").to_string()
}

async fn shopify(http: &Client, c: &Collector, body: &Value) -> Answer {
    use base64::Engine;
    let body = body.to_string();
    let sig = base64::engine::general_purpose::STANDARD.encode(hmac(SHOPIFY_SECRET, &[body.as_bytes()]));
    let headers =
        [("content-type", "application/json"), ("x-shopify-topic", "orders/paid"), ("x-shopify-hmac-sha256", &sig)];
    http.send("POST", &c.url("/v1/webhooks/shopify"), &headers, body).await.expect("post")
}

async fn stripe(http: &Client, c: &Collector, body: &Value) -> Answer {
    let (body, t) = (body.to_string(), now_ms() / 1000);
    let sig =
        format!("t={t},v1={}", hex::encode(hmac(STRIPE_SECRET, &[t.to_string().as_bytes(), b".", body.as_bytes()])));
    let headers = [("content-type", "application/json"), ("stripe-signature", &sig)];
    http.send("POST", &c.url("/v1/webhooks/stripe"), &headers, body).await.expect("post")
}

async fn lemonsqueezy(http: &Client, c: &Collector, body: &Value) -> Answer {
    let body = body.to_string();
    let sig = hex::encode(hmac(LEMONSQUEEZY_SECRET, &[body.as_bytes()]));
    let headers = [("content-type", "application/json"), ("x-signature", &sig)];
    http.send("POST", &c.url("/v1/webhooks/lemonsqueezy"), &headers, body).await.expect("post")
}

/// A Shopify `orders/paid` body: note attributes as (name, value), a discount code.
fn shopify_order(id: u64, total: &str, notes: &[(&str, &str)], code: Option<&str>) -> Value {
    let notes: Vec<Value> = notes.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
    let codes: Vec<Value> =
        code.map(|c| json!({"code": c, "amount": "1.00", "type": "fixed_amount"})).into_iter().collect();
    json!({"id": id, "currency": "EUR", "total_price": total, "created_at": now_iso(), "discount_codes": codes,
        "note_attributes": notes, "landing_site": "/", "line_items": []})
}

/// An event of a visit through `affiliate`'s page (none: the brand's own page).
fn visit(id: &str, name: &str, affiliate: Option<&str>) -> Value {
    let mut e = event(id, name);
    e["creator_id"] = "brand-a".into();
    e["attribution"]["affiliate"] = affiliate.into();
    e["attribution"]["utm_source"] = affiliate.map(|a| format!("src-{}", a.replace('.', "-"))).into();
    e
}

/// `visit` with a cart line, a code and a click id.
fn shopping(
    id: &str,
    name: &str,
    affiliate: Option<&str>,
    product: &str,
    code: Option<&str>,
    click: Option<&str>,
) -> Value {
    let mut e = visit(id, name, affiliate);
    e["ecommerce"] = json!({"currency": "EUR", "value": 1000, "coupon": code, "transaction_id": null,
        "items": [{"item_id": product, "item_name": product, "price": 1000, "quantity": 1, "index": 0}]});
    if let Some(click) = click {
        e["outbound"] = json!({"click_id": click, "destination_host": "shop.example"});
    }
    e
}

/// A brand's collector with the report secret, and the week's traffic and sales of two
/// affiliates (juno.park, mika) and of the brand's own page. Each order is credited by
/// one rule:
/// - 3001 (shop): the note says juno.park, though its click id is mika's checkout;
/// - 3002 (click): only the note's click id, juno's checkout;
/// - cs_j2 (click, Stripe): only `client_reference_id`, juno's checkout, in USD;
/// - 3003 (code): only the code `juno15`, which juno's page carried (in another case);
/// - 3004 (code): only `MIKA10`: found a click by code (mika's), credited as the code's;
/// - ls-900 (shop): Lemon Squeezy's custom data says mika, in USD;
/// - 3005 (none): nothing to go by (the shop's note names a storefront, not an affiliate).
async fn brand_with_sales() -> (tempfile::TempDir, Collector) {
    let (dir, c) = start(&["--report-secret", REPORT_SECRET]);
    let http = Client::default();
    let mut events = vec![
        visit("j-pv-1", "page_view", Some(JUNO)),
        visit("j-pv-2", "page_view", Some(JUNO)),
        visit("j-pv-3", "page_view", Some(JUNO)),
        shopping("j-sel", "select_item", Some(JUNO), "mug", None, None),
        shopping("j-co-1", "begin_checkout", Some(JUNO), "mug", None, Some("c-j1")),
        shopping("j-co-2", "begin_checkout", Some(JUNO), "mug", None, Some("c-j2")),
        shopping("j-cart", "add_to_cart", Some(JUNO), "mug", Some("JUNO15"), None),
        visit("m-pv-1", "page_view", Some(MIKA)),
        visit("m-pv-2", "page_view", Some(MIKA)),
        shopping("m-co-1", "begin_checkout", Some(MIKA), "mika-lamp", Some("MIKA10"), Some("c-m1")),
        visit("b-pv-1", "page_view", None),
    ];
    // A thank-you page no order confirms: juno's claimed, unverified sale.
    let mut claimed = shopping("j-thanks", "purchase", Some(JUNO), "mug", None, Some("c-j9"));
    claimed["ecommerce"]["transaction_id"] = "T-j-claimed".into();
    claimed["ecommerce"]["value"] = 1500.into();
    events.push(claimed);
    let a = http.post_text(&c.url("/v1/events"), batch(&events)).await.expect("post").json();
    assert_eq!((a["accepted"].as_u64(), a["rejected"].as_u64()), (Some(events.len() as u64), Some(0)), "{a}");

    let orders = [
        shopify_order(3001, "20.00", &[("affiliate", JUNO), ("click_id", "c-m1")], None),
        shopify_order(3002, "32.00", &[("click_id", "c-j1")], None),
        shopify_order(3003, "10.00", &[], Some("juno15")),
        shopify_order(3004, "12.00", &[], Some("MIKA10")),
        shopify_order(3005, "7.00", &[("creator_id", "brand-note")], None),
    ];
    for o in &orders {
        let a = shopify(&http, &c, o).await;
        assert_eq!(a.json()["status"], "recorded", "{}", a.body);
    }
    let session = json!({"type": "checkout.session.completed", "created": now_ms() / 1000,
        "data": {"object": {"id": "cs_j2", "client_reference_id": "c-j2", "amount_total": 4500, "currency": "usd",
            "payment_status": "paid", "payment_intent": "pi_j2", "created": now_ms() / 1000}}});
    assert_eq!(stripe(&http, &c, &session).await.json()["status"], "recorded");
    let lemon = json!({"meta": {"event_name": "order_created", "custom_data": {"affiliate": MIKA}},
        "data": {"type": "orders", "id": "ls-900", "attributes": {"currency": "USD", "total": 1299, "status": "paid",
            "refunded_amount": 0, "created_at": now_iso()}}});
    assert_eq!(lemonsqueezy(&http, &c, &lemon).await.json()["status"], "recorded");
    (dir, c)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn get(http: &Client, c: &Collector, path: &str, token: &str) -> Answer {
    http.get(&c.url(path), &[("authorization", &bearer(token))]).await.expect("get")
}

fn juno_link() -> String {
    credential::issue(REPORT_SECRET.as_bytes(), JUNO, now_ms() / 1000 + 3600).expect("juno's credential")
}

fn row<'a>(stats: &'a Value, dim: &str, key: &str) -> &'a Value {
    stats["by"][dim]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["key"] == key))
        .unwrap_or_else(|| panic!("no {dim} row {key:?} in {}", stats["by"][dim]))
}

/// What juno's figures must be, whoever reads them.
fn assert_junos_figures(s: &Value) {
    let t = &s["totals"];
    assert_eq!(
        [
            &t["page_views"],
            &t["product_selects"],
            &t["checkouts_started"],
            &t["purchases_verified"],
            &t["purchases_unverified"]
        ],
        [3, 1, 2, 4, 1].map(Value::from).each_ref(),
        "{t}"
    );
    assert_eq!(
        t["revenue"],
        json!([{"currency": "EUR", "all": 7700, "verified": 6200, "unverified": 1500, "refunded": 0},
               {"currency": "USD", "all": 4500, "verified": 4500, "unverified": 0, "refunded": 0}])
    );
}

// ---- Ingest ----

#[tokio::test]
async fn events_carry_the_affiliate_of_the_visit() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let mut absent = event("absent", "page_view");
    absent["attribution"].as_object_mut().map(|a| a.remove("affiliate"));
    let body = batch(&[visit("valid", "page_view", Some(JUNO)), visit("bad", "page_view", Some("Juno.Park")), absent]);
    let a = http.post_text(&c.url("/v1/events"), body).await.expect("post").json();
    assert_eq!((a["accepted"].as_u64(), a["rejected"].as_u64()), (Some(2), Some(1)), "{a}");
    assert_eq!(a["results"][1]["event_id"], "bad");
    let reason = a["results"][1]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("attribution.affiliate is not an affiliate handle: 1 to 64 lowercase"), "{reason}");
    let stored = |id: &str| -> Option<String> {
        c.sqlite().query_row("SELECT affiliate FROM events WHERE event_id = ?1", [id], |r| r.get(0)).expect("row")
    };
    assert_eq!(stored("valid").as_deref(), Some(JUNO));
    assert_eq!(stored("absent"), None);
    assert_eq!(c.count("SELECT count(*) FROM events WHERE event_id = 'bad'"), 0, "a refused event is not stored");
}

/// The schema of a database file written before brand mode (no affiliate columns).
const OLD_SCHEMA: &str = "
CREATE TABLE events (
  id INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, creator_id TEXT NOT NULL,
  event_time INTEGER NOT NULL, occurred_at INTEGER NOT NULL, sent_at INTEGER, received_at INTEGER NOT NULL,
  page_load_id TEXT, seq INTEGER, client TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_content TEXT, utm_term TEXT,
  ref TEXT, referrer_host TEXT, platform_click_ids TEXT,
  path TEXT, locale TEXT, time_zone TEXT, in_app_browser TEXT,
  promotion_id TEXT, popup_id TEXT, item_list_id TEXT,
  currency TEXT, value INTEGER, coupon TEXT, transaction_id TEXT, items TEXT,
  click_id TEXT, destination_host TEXT
);
CREATE INDEX events_by_time ON events (event_time);
CREATE UNIQUE INDEX events_purchase_once ON events (creator_id, transaction_id) WHERE name = 'purchase';
CREATE INDEX events_by_click ON events (click_id) WHERE click_id IS NOT NULL;
CREATE TABLE orders (
  provider TEXT NOT NULL, order_id TEXT NOT NULL, creator_id TEXT, created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL, currency TEXT NOT NULL, value INTEGER NOT NULL,
  click_id TEXT, coupon TEXT, utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, payment_ref TEXT,
  PRIMARY KEY (provider, order_id)
);
CREATE TABLE forward_cursor (target TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TABLE refunds (
  provider TEXT NOT NULL, refund_id TEXT NOT NULL, order_ref TEXT NOT NULL, currency TEXT NOT NULL,
  amount INTEGER NOT NULL, created_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
  PRIMARY KEY (provider, refund_id)
);
";

/// A database file from before brand mode: the collector adds the columns at start, the
/// old rows still count (with no affiliate), and new ones carry theirs.
#[tokio::test]
async fn an_older_database_file_keeps_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("old.sqlite");
    let now = now_ms();
    let old = rusqlite::Connection::open(&db).expect("create");
    old.execute_batch(OLD_SCHEMA).expect("old schema");
    old.execute_batch(&format!(
        "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, coupon, click_id)
         VALUES ('old-pv', 'page_view', 'brand-a', {now} - 9000, 0, 0, NULL, NULL),
                ('old-co', 'begin_checkout', 'brand-a', {now} - 9000, 0, 0, 'JUNO15', 'c-old');
         INSERT INTO orders (provider, order_id, created_at, received_at, currency, value, click_id)
         VALUES ('shopify', 'old-order', {now} - 8000, 0, 'EUR', 1000, 'c-old');"
    ))
    .expect("old rows");
    drop(old);
    let c = Collector::start_on(&db, &default_args());
    let http = Client::default();
    let a = http.post_text(&c.url("/v1/events"), batch(&[visit("new-pv", "page_view", Some(JUNO))])).await;
    assert_eq!(a.expect("post").json()["accepted"], 1);
    let s = get(&http, &c, "/v1/stats", TOKEN).await;
    assert_eq!(s.status, 200, "{}", s.body);
    let s = s.json();
    assert_eq!((s["totals"]["page_views"].as_u64(), s["totals"]["purchases_verified"].as_u64()), (Some(2), Some(1)));
    assert_eq!(row(&s, "affiliate", JUNO)["page_views"], 1);
    let none = row(&s, "affiliate", "(none)");
    assert_eq!((&none["page_views"], &none["purchases_verified"]), (&json!(1), &json!(1)), "old rows: no affiliate");
    assert_eq!(s["orders"][0]["click"]["how"], "click_id", "the old order still joins its old click");
    assert_eq!(c.count("SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'affiliate'"), 1);
}

// ---- Crediting and the breakdown ----

#[tokio::test]
async fn orders_are_credited_by_the_rules_and_broken_down_per_affiliate() {
    let (_dir, c) = brand_with_sales().await;
    let http = Client::default();
    let s = get(&http, &c, "/v1/stats", TOKEN).await.json();
    fn text(v: &Value) -> &str {
        v.as_str().unwrap_or("-")
    }
    let mut credited: Vec<(&str, &str, &str)> = s["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| (text(&o["order_id"]), text(&o["affiliate"]), text(&o["credited_by"])))
        .collect();
    credited.sort();
    assert_eq!(
        credited,
        [
            ("3001", JUNO, "shop"),
            ("3002", JUNO, "click"),
            ("3003", JUNO, "code"),
            ("3004", MIKA, "code"),
            ("3005", "-", "-"),
            ("cs_j2", JUNO, "click"),
            ("ls-900", MIKA, "shop"),
        ]
    );
    // Per affiliate: visits, taps, checkouts, verified and unverified apart, per currency.
    let juno = row(&s, "affiliate", JUNO);
    assert_eq!(
        [
            &juno["page_views"],
            &juno["product_selects"],
            &juno["checkouts_started"],
            &juno["purchases_verified"],
            &juno["purchases_unverified"]
        ],
        [3, 1, 2, 4, 1].map(Value::from).each_ref()
    );
    assert_eq!(
        juno["revenue"],
        json!([{"currency": "EUR", "all": 7700, "verified": 6200, "unverified": 1500, "refunded": 0},
               {"currency": "USD", "all": 4500, "verified": 4500, "unverified": 0, "refunded": 0}])
    );
    let mika = row(&s, "affiliate", MIKA);
    assert_eq!((&mika["page_views"], &mika["purchases_verified"]), (&json!(2), &json!(2)));
    assert_eq!(
        mika["revenue"],
        json!([{"currency": "EUR", "all": 1200, "verified": 1200, "unverified": 0, "refunded": 0},
               {"currency": "USD", "all": 1299, "verified": 1299, "unverified": 0, "refunded": 0}])
    );
    let none = row(&s, "affiliate", "(none)");
    assert_eq!((&none["page_views"], &none["purchases_verified"]), (&json!(1), &json!(1)));
    let csv = get(&http, &c, "/v1/stats.csv", TOKEN).await.body;
    assert!(csv.contains("\r\naffiliate,juno.park,,3,0,1,2,2,5,4,1,1,EUR,7700,6200,1500,0,\r\n"), "{csv}");
    assert!(csv.contains("\r\naffiliate,juno.park,,3,0,1,2,2,5,4,1,1,USD,4500,4500,0,0,\r\n"), "{csv}");
    assert!(csv.contains("\r\naffiliate,mika,,2,0,0,1,1,2,2,0,1,USD,1299,1299,0,0,\r\n"), "{csv}");
    let html = get(&http, &c, "/v1/report", TOKEN).await.body;
    assert!(html.contains("<h2>By affiliate</h2>"), "{html}");
    assert!(html.contains("77.00 EUR") && html.contains("45.00 USD") && html.contains("12.99 USD"), "{html}");
    assert!(html.contains("4 verified · 1 unverified"), "{html}");
}

// ---- Each affiliate sees their own numbers and nobody else's ----

#[tokio::test]
async fn an_affiliates_link_shows_their_figures_through_every_route_and_nothing_else() {
    let (_dir, c) = brand_with_sales().await;
    let http = Client::default();
    let juno = juno_link();
    let mika = credential::issue(REPORT_SECRET.as_bytes(), MIKA, now_ms() / 1000 + 3600).expect("mika's");
    let routes = ["/v1/stats", "/v1/stats?format=csv", "/v1/stats.csv", "/v1/report"];
    let far = "from=2000-01-01&to=2100-01-01";
    let params = [
        String::new(),
        far.to_owned(),
        "affiliate=mika".into(),
        "affiliate=juno.park".into(),
        "affiliate=".into(),
        "affiliate=%6Dika".into(),
        "affiliate=mika&affiliate=juno.park".into(),
        "affiliate[]=mika".into(),
        "Affiliate=mika".into(),
        "AFFILIATE=mika".into(),
        "creator=brand-a".into(),
        "creator=mika".into(),
        "creator=".into(),
        "affiliate=mika&creator=brand-a".into(),
        format!("{far}&affiliate=mika"),
        "format=json&affiliate=mika".into(),
        format!("token={mika}"),
        format!("token={TOKEN}"),
        format!("token={juno}&token={mika}"),
    ];
    let mut answered = 0;
    for route in routes {
        for p in &params {
            let sep = if route.contains('?') { '&' } else { '?' };
            // The link as sent (`?token=` first) and as a bearer header.
            let in_query = format!("{route}{sep}token={juno}{}{p}", if p.is_empty() { "" } else { "&" });
            let as_header = if p.is_empty() { route.to_owned() } else { format!("{route}{sep}{p}") };
            for a in [http.get(&c.url(&in_query), &[]).await.expect("get"), get(&http, &c, &as_header, &juno).await] {
                let what = format!("{route} {p}: {} {}", a.status, a.body);
                assert!(matches!(a.status, 200 | 400 | 403), "{what}");
                // The report's form and links carry Juno's own credential on; its expiry
                // and MAC are no one's figures (and could hold "3004" by chance).
                let shown = a.body.replace(juno.as_str(), "<juno's link>");
                for other in NOT_JUNOS {
                    assert!(!names(&shown, other), "juno's link reads {other:?} through {what}");
                }
                if a.status == 403 {
                    assert!(a.json()["error"].as_str().is_some_and(|e| e.contains("affiliate")), "{what}");
                }
                if a.status != 200 {
                    continue;
                }
                answered += 1;
                if route.ends_with("report") {
                    assert!(a.body.contains("Stats for juno.park"), "{what}");
                } else if route.contains("csv") {
                    assert!(a.body.contains("\r\naffiliate,juno.park,,3,0,1,2,2,5,4,1,"), "{what}");
                } else {
                    let s = a.json();
                    assert_junos_figures(&s);
                    assert_eq!(s["affiliate"], JUNO);
                    let keys: Vec<&str> = s["by"]["affiliate"]
                        .as_array()
                        .expect("rows")
                        .iter()
                        .filter_map(|r| r["key"].as_str())
                        .collect();
                    assert_eq!(keys, [JUNO], "{what}");
                    assert!(s["by"].get("creator").is_none(), "{what}");
                }
            }
        }
    }
    assert!(
        answered >= routes.len() * 2 * 3,
        "the plain link, a date range and an unknown parameter answer: {answered}"
    );
    // Scope-changing parameters are refused, not ignored.
    let a = http.get(&c.url(&format!("/v1/stats?token={juno}&affiliate=juno.park")), &[]).await.expect("get");
    assert_eq!(a.status, 403, "{}", a.body);
    // Mika's own link, the other way round.
    let m = get(&http, &c, "/v1/stats", &mika).await.json();
    assert_eq!(row(&m, "affiliate", MIKA)["purchases_verified"], 2);
    assert_eq!(m["by"]["affiliate"].as_array().map(Vec::len), Some(1));
    let m = m.to_string();
    for juno_only in ["juno", "JUNO15", "3001", "3002", "3003", "cs_j2", "T-j-claimed"] {
        assert!(!names(&m, juno_only), "mika's link reads {juno_only:?}: {m}");
    }
}

/// Whether `body` names `word`: an occurrence not inside a longer word or number. A
/// time in milliseconds (`"to":1796313005426`) holds "3005" by chance, one run in a few
/// hundred, and names no order.
fn names(body: &str, word: &str) -> bool {
    let inside = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    body.match_indices(word).any(|(at, _)| {
        let (before, after) = (body[..at].chars().next_back(), body[at + word.len()..].chars().next());
        !(word.starts_with(|c: char| c.is_ascii_alphanumeric()) && inside(before))
            && !(word.ends_with(|c: char| c.is_ascii_alphanumeric()) && inside(after))
    })
}

#[tokio::test]
async fn expired_tampered_and_foreign_links_are_refused() {
    let (_dir, c) = brand_with_sales().await;
    let http = Client::default();
    let now = now_ms() / 1000;
    let secret = REPORT_SECRET.as_bytes();
    let genuine = juno_link();
    let (signed, tag) = genuine.rsplit_once('.').expect("tag");
    let mika = credential::issue(secret, MIKA, now + 3600).expect("mika's credential");
    let (_, mika_tag) = mika.rsplit_once('.').expect("tag");
    let mut flipped = tag.to_owned().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let refused = [
        ("expired", credential::issue(secret, JUNO, now - 1).expect("old")),
        ("tampered signature", format!("{signed}.{}", String::from_utf8(flipped).expect("ascii"))),
        ("another handle", format!("aff1.{MIKA}.{}.{tag}", now + 3600)),
        ("a later expiry", format!("aff1.{JUNO}.{}.{tag}", now + 999_999)),
        ("mika's signature", format!("aff1.{JUNO}.{}.{mika_tag}", now + 3600)),
        ("another secret", credential::issue(b"another-brand-secret-0123456789abcdef", JUNO, now + 3600).expect("c")),
        ("no signature", format!("aff1.{JUNO}.{}", now + 3600)),
        ("garbage", "aff1.%00...--".to_owned()),
    ];
    for route in ["/v1/stats", "/v1/stats.csv", "/v1/report"] {
        for (why, token) in &refused {
            for a in [
                get(&http, &c, route, token).await,
                http.get(&c.url(&format!("{route}?token={}", urlencode(token))), &[]).await.expect("get"),
            ] {
                assert_eq!(a.status, 401, "{why} on {route}: {}", a.body);
                assert_eq!(a.json().as_object().map(|o| o.len()), Some(1), "only an error: {}", a.body);
                assert!(!a.body.contains("totals") && !a.body.contains(JUNO), "{why}: {}", a.body);
            }
        }
    }
    let expired = get(&http, &c, "/v1/report", &refused[0].1).await;
    assert!(expired.json()["error"].as_str().is_some_and(|e| e.contains("expired")), "{}", expired.body);
    let forged = get(&http, &c, "/v1/report", &refused[1].1).await;
    assert!(!forged.body.contains("expired"), "a forged link learns nothing about its date: {}", forged.body);
    // Without --report-secret, affiliate links are off: the genuine one is refused too.
    let (_d2, bare) = start(&[]);
    assert_eq!(get(&http, &bare, "/v1/stats", &genuine).await.status, 401);
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn the_brand_token_sees_every_affiliate_and_may_narrow_to_one() {
    let (_dir, c) = brand_with_sales().await;
    let http = Client::default();
    let all = get(&http, &c, "/v1/stats", TOKEN).await.json();
    let mut keys: Vec<&str> =
        all["by"]["affiliate"].as_array().expect("rows").iter().filter_map(|r| r["key"].as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["(none)", JUNO, MIKA]);
    assert_eq!(all["orders"].as_array().map(Vec::len), Some(7));
    let narrowed = get(&http, &c, "/v1/stats?affiliate=juno.park", TOKEN).await.json();
    assert_junos_figures(&narrowed);
    let own = get(&http, &c, "/v1/stats", &juno_link()).await.json();
    assert_eq!(narrowed["totals"], own["totals"], "the brand's view of juno is juno's own");
    assert!(narrowed["by"].get("creator").is_some(), "the brand sees everything about juno's share");
    assert!(narrowed.to_string().contains("c-m1"), "including the click of 3001");
    let bad = get(&http, &c, "/v1/stats?affiliate=Juno%20Park", TOKEN).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

/// The command a brand runs to hand an affiliate their link, and the link working.
#[tokio::test]
async fn the_affiliate_link_command_prints_a_working_link() {
    let (_dir, c) = brand_with_sales().await;
    let run = |args: &[&str], secret: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_linkshelf-collector"));
        command.arg("affiliate-link").args(args).env_remove("LINKSHELF_COLLECTOR_REPORT_SECRET");
        if let Some(secret) = secret {
            command.env("LINKSHELF_COLLECTOR_REPORT_SECRET", secret);
        }
        command.output().expect("run")
    };
    let out = run(&["--handle", JUNO, "--days", "90", "--base-url", &c.base], Some(REPORT_SECRET));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let link = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(link.starts_with(&format!("{}/v1/report?token=aff1.juno.park.", c.base)), "{link}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("juno.park's own report, valid until"));
    let page = Client::default().get(&link, &[]).await.expect("get");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Stats for juno.park") && page.body.contains("77.00 EUR"), "{}", page.body);
    for other in NOT_JUNOS {
        assert!(!names(&page.body, other), "{other}");
    }
    // The flag works as well as the environment variable.
    let flag =
        run(&["--handle", MIKA, "--base-url", "https://stats.brand.example", "--report-secret", REPORT_SECRET], None);
    assert!(String::from_utf8_lossy(&flag.stdout).starts_with("https://stats.brand.example/v1/report?token=aff1.mika."));
    for (args, secret, expected) in [
        (
            vec!["--handle", "Juno Park", "--base-url", "https://s.example"],
            Some(REPORT_SECRET),
            "is not an affiliate handle",
        ),
        (
            vec!["--handle", JUNO, "--base-url", "https://s.example"],
            None,
            "--report-secret (or LINKSHELF_COLLECTOR_REPORT_SECRET) is required",
        ),
        (vec!["--handle", JUNO, "--base-url", "https://s.example"], Some("short"), "at least 32 bytes"),
        (
            vec!["--handle", JUNO, "--days", "400", "--base-url", "https://s.example"],
            Some(REPORT_SECRET),
            "--days must be from 1 to 365",
        ),
        (vec!["--handle", JUNO, "--base-url", "s.example"], Some(REPORT_SECRET), "--base-url"),
    ] {
        let out = run(&args, secret);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "no link printed: {args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

/// A brand may run the collector with affiliate links and no brand token (on loopback):
/// links work, nothing else reads.
#[tokio::test]
async fn affiliate_links_work_without_a_read_token() {
    let (_dir, c) = Collector::start_on_fresh(&["--report-secret", REPORT_SECRET]);
    let http = Client::default();
    assert_eq!(get(&http, &c, "/v1/stats", &juno_link()).await.status, 200);
    assert_eq!(get(&http, &c, "/v1/stats", TOKEN).await.status, 401);
    let short = std::process::Command::new(env!("CARGO_BIN_EXE_linkshelf-collector"))
        .args(["--report-secret", "too-short"])
        .output()
        .expect("run");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("--report-secret must be at least 32 bytes"));
}

#[test]
fn the_privacy_sweep_finds_names_but_not_digits_inside_a_time() {
    assert!(names(r#"{"order_id":"3005"}"#, "3005"));
    assert!(names("<td>3005</td>", "3005"));
    assert!(names("src-mika,", "mika") && names("mika-lamp", "mika"));
    assert!(!names(r#"{"to":1796313005426}"#, "3005"));
    assert!(!names("token=aff1.juno.park.1796313005.ab3005cd", "3005"));
}
