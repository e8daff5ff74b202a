//! Verified purchases and stats, over real HTTP against a real SQLite file. Webhook
//! signatures are made here by each provider's documented scheme (the unit tests also
//! check hand-computed vectors).

mod common;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

fn hmac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// `Stripe-Signature` for `body` signed at `t` (Unix seconds).
fn stripe_signature(body: &str, t: i64, secret: &str) -> String {
    format!("t={t},v1={}", hex::encode(hmac(secret, &[t.to_string().as_bytes(), b".", body.as_bytes()])))
}

fn shopify_signature(body: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac(secret, &[body.as_bytes()]))
}

async fn stripe(http: &Client, c: &Collector, body: &str, signature: Option<String>) -> Answer {
    let mut headers = vec![("content-type", "application/json")];
    let sig;
    if let Some(s) = signature {
        sig = s;
        headers.push(("stripe-signature", sig.as_str()));
    }
    http.send("POST", &c.url("/v1/webhooks/stripe"), &headers, body.to_owned()).await.expect("post")
}

async fn shopify(http: &Client, c: &Collector, topic: &str, body: &str, signature: &str) -> Answer {
    let headers =
        [("content-type", "application/json"), ("x-shopify-topic", topic), ("x-shopify-hmac-sha256", signature)];
    http.send("POST", &c.url("/v1/webhooks/shopify"), &headers, body.to_owned()).await.expect("post")
}

fn session(id: &str, click: &str, amount: i64, currency: &str) -> String {
    json!({"id": format!("evt_{id}"), "type": "checkout.session.completed", "created": now_ms() / 1000,
        "data": {"object": {"id": id, "object": "checkout.session", "client_reference_id": click, "amount_total": amount,
            "currency": currency, "payment_status": "paid", "payment_intent": format!("pi_{id}"), "created": now_ms() / 1000}}})
    .to_string()
}

fn shopify_order(id: u64, total: &str, code: Option<&str>, click: Option<&str>, landing: &str) -> String {
    let codes: Vec<Value> =
        code.map(|c| json!({"code": c, "amount": "1.00", "type": "fixed_amount"})).into_iter().collect();
    let notes: Vec<Value> = click.map(|c| json!({"name": "click_id", "value": c})).into_iter().collect();
    let created = jiff::Timestamp::from_millisecond(now_ms()).expect("now").to_string();
    json!({"id": id, "name": format!("#{id}"), "currency": "EUR", "total_price": total, "created_at": created,
        "discount_codes": codes, "note_attributes": notes, "landing_site": landing, "line_items": []})
    .to_string()
}

#[tokio::test]
async fn stripe_signatures_replays_and_refunds() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let body = session("cs_test_1", "c-1", 2720, "eur");
    let now = now_ms() / 1000;
    for (why, signature) in [
        ("wrong secret", Some(stripe_signature(&body, now, "whsec_wrong"))),
        ("too old", Some(stripe_signature(&body, now - 600, STRIPE_SECRET))),
        ("no header", None),
        ("garbage", Some("t=1,v1=zz".to_owned())),
    ] {
        let a = stripe(&http, &c, &body, signature).await;
        assert_eq!(a.status, 401, "{why}: {}", a.body);
    }
    assert_eq!(c.count("SELECT count(*) FROM orders"), 0, "a bad signature stores nothing");
    let good = stripe(&http, &c, &body, Some(stripe_signature(&body, now, STRIPE_SECRET))).await;
    assert_eq!((good.status, good.json()["status"].as_str()), (200, Some("recorded")), "{}", good.body);
    // Stripe retries a delivery (and an attacker may replay one inside the tolerance).
    let replay = stripe(&http, &c, &body, Some(stripe_signature(&body, now + 1, STRIPE_SECRET))).await;
    assert_eq!(replay.json()["status"], "duplicate");
    assert_eq!(c.count("SELECT count(*) FROM orders"), 1);
    let refund = json!({"id": "evt_r", "type": "charge.refunded", "created": now,
        "data": {"object": {"id": "ch_1", "payment_intent": "pi_cs_test_1", "amount_refunded": 700, "currency": "eur"}}})
    .to_string();
    let a = stripe(&http, &c, &refund, Some(stripe_signature(&refund, now, STRIPE_SECRET))).await;
    assert_eq!(a.json()["status"], "recorded", "{}", a.body);
    let stats =
        http.get(&c.url("/v1/stats"), &[("authorization", &format!("Bearer {TOKEN}"))]).await.expect("stats").json();
    assert_eq!(stats["orders"][0]["refunded"], 700, "{stats}");
    assert_eq!(
        stats["totals"]["revenue"],
        json!([{"currency": "EUR", "all": 2720, "verified": 2720, "unverified": 0, "refunded": 700}])
    );
    // Unconfigured provider: off, not open.
    let (_dir2, bare) = Collector::start_on_fresh(&["--read-token", TOKEN]);
    assert_eq!(stripe(&http, &bare, &body, Some(stripe_signature(&body, now, STRIPE_SECRET))).await.status, 404);
}

#[tokio::test]
async fn shopify_signatures_replays_and_refunds() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let body = shopify_order(1001, "38.00", None, Some("c-5"), "/");
    let bad = shopify(&http, &c, "orders/paid", &body, &shopify_signature(&body, "shpss_wrong")).await;
    assert_eq!(bad.status, 401);
    let tampered = body.replace("38.00", "0.01");
    assert_eq!(
        shopify(&http, &c, "orders/paid", &tampered, &shopify_signature(&body, SHOPIFY_SECRET)).await.status,
        401
    );
    assert_eq!(c.count("SELECT count(*) FROM orders"), 0);
    let sig = shopify_signature(&body, SHOPIFY_SECRET);
    assert_eq!(shopify(&http, &c, "orders/paid", &body, &sig).await.json()["status"], "recorded");
    assert_eq!(shopify(&http, &c, "orders/paid", &body, &sig).await.json()["status"], "duplicate");
    let refund = json!({"id": 5, "order_id": 1001, "created_at": "2026-11-22T10:00:00Z",
        "transactions": [{"amount": "8.00", "currency": "EUR", "kind": "refund", "status": "success"}]})
    .to_string();
    let a = shopify(&http, &c, "refunds/create", &refund, &shopify_signature(&refund, SHOPIFY_SECRET)).await;
    assert_eq!(a.json()["status"], "recorded");
    let ignored = shopify(&http, &c, "orders/create", &body, &sig).await;
    assert_eq!((ignored.status, ignored.json()["status"].as_str()), (200, Some("ignored")));
    let stats = http.get(&c.url(&format!("/v1/stats?token={TOKEN}")), &[]).await.expect("stats").json();
    assert_eq!(stats["orders"][0]["order_id"], "1001");
    assert_eq!(stats["orders"][0]["refunded"], 800);
    assert_eq!(c.count("SELECT count(*) FROM orders"), 1);
}

/// The storefront's events for one creator, then three verified orders joined three
/// ways, then the numbers: exact.
#[tokio::test]
async fn stats_for_a_known_event_set() {
    let (_dir, c) = start(&["--default-creator", "juno-park"]);
    let http = Client::default();
    let tagged = |id: &str, name: &str, source: &str, medium: &str| {
        let mut e = event(id, name);
        e["attribution"]["utm_source"] = source.into();
        e["attribution"]["utm_medium"] = medium.into();
        e
    };
    let with_item = |mut e: Value, product: &str, price: i64, coupon: Option<&str>, click: Option<&str>| {
        e["ecommerce"] = json!({"currency": "EUR", "value": price, "coupon": coupon, "transaction_id": null,
            "items": [{"item_id": product, "item_name": product, "price": price, "quantity": 1, "index": 0, "item_list_id": null}]});
        if let Some(click) = click {
            e["outbound"] = json!({"click_id": click, "destination_host": "shop.example"});
        }
        e
    };
    let mut events = Vec::new();
    // 8 page views: 4 from TikTok clips, 2 from a pop-up QR code, 2 untagged.
    for i in 0..8 {
        events.push(match i {
            0..=3 => tagged(&format!("pv-{i}"), "page_view", "tiktok", "clip"),
            4 | 5 => tagged(&format!("pv-{i}"), "page_view", "popup", "qr"),
            _ => event(&format!("pv-{i}"), "page_view"),
        });
    }
    events.push(with_item(tagged("sel-1", "select_item", "tiktok", "clip"), "mug", 3200, None, None));
    events.push(with_item(tagged("sel-2", "select_item", "tiktok", "clip"), "mug", 3200, None, None));
    events.push(with_item(tagged("sel-3", "select_item", "popup", "qr"), "tote", 1800, None, None));
    events.push(with_item(event("sel-4", "select_item"), "tote", 1800, None, None));
    // Three checkouts: by click id (Stripe), with a code (Shopify), from the pop-up (Shopify, UTM).
    events.push(with_item(tagged("co-1", "begin_checkout", "tiktok", "clip"), "mug", 3200, None, Some("c-1")));
    events.push(with_item(event("co-2", "begin_checkout"), "tote", 1800, Some("JUNO15"), Some("c-2")));
    events.push(with_item(tagged("co-3", "begin_checkout", "popup", "qr"), "tote", 1800, None, Some("c-3")));
    // The Stripe sale's thank-you page (reloaded once), and one browser-only sale.
    let mut thanks = with_item(tagged("pu-1", "purchase", "tiktok", "clip"), "mug", 3200, None, Some("c-1"));
    thanks["ecommerce"]["transaction_id"] = "cs_live_1".into();
    let mut reload = thanks.clone();
    reload["event_id"] = "pu-1-reload".into();
    let mut other = with_item(event("pu-2", "purchase"), "tote", 1800, None, Some("c-9"));
    other["ecommerce"]["transaction_id"] = "T-77".into();
    events.extend([thanks, reload, other]);
    let a = http.post_text(&c.url("/v1/events"), batch(&events)).await.expect("post").json();
    assert_eq!(
        (a["accepted"].as_u64(), a["duplicates"].as_u64(), a["rejected"].as_u64()),
        (Some(17), Some(1), Some(0)),
        "{a}"
    );

    let now = now_ms() / 1000;
    let s1 = session("cs_live_1", "c-1", 3200, "eur");
    assert_eq!(stripe(&http, &c, &s1, Some(stripe_signature(&s1, now, STRIPE_SECRET))).await.status, 200);
    let s2 = shopify_order(2002, "16.20", Some("juno15"), None, "/");
    let s3 = shopify_order(2003, "18.00", None, None, "/cart/9:1?utm_source=popup&utm_medium=qr");
    for body in [&s2, &s3] {
        let a = shopify(&http, &c, "orders/paid", body, &shopify_signature(body, SHOPIFY_SECRET)).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let (from, to) = (now_ms() - 3_600_000, now_ms() + 3_600_000);
    let url = c.url(&format!("/v1/stats?from={from}&to={to}&creator=juno-park"));
    assert_eq!(http.get(&url, &[("authorization", "Bearer wrong-token-0123456789")]).await.expect("get").status, 401);
    assert_eq!(http.get(&url, &[]).await.expect("get").status, 401);
    let auth = format!("Bearer {TOKEN}");
    let s = http.get(&url, &[("authorization", &auth)]).await.expect("get").json();
    let totals = &s["totals"];
    assert_eq!(
        [
            &totals["page_views"],
            &totals["product_selects"],
            &totals["checkouts_started"],
            &totals["purchases"],
            &totals["purchases_verified"],
            &totals["purchases_unverified"]
        ],
        [8, 4, 3, 4, 3, 2].map(Value::from).each_ref(),
        "{totals}"
    );
    // Four sales over three checkouts was "133 %" before: only the Stripe checkout's
    // click id came back on its order (the Shopify ones were joined by code and UTM).
    assert_eq!((&totals["checkouts_ordered"], &totals["code_views"]), (&json!(1), &json!(0)));
    assert_eq!(totals["rates"], json!({"checkout_to_order": 0.3333}));
    assert_eq!(
        totals["revenue"],
        json!([{"currency": "EUR", "all": 8420, "verified": 6620, "unverified": 5000, "refunded": 0}])
    );
    let joins: Vec<(&str, &str)> = s["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| (o["order_id"].as_str().unwrap_or(""), o["click"]["how"].as_str().unwrap_or("none")))
        .collect();
    assert_eq!(joins, vec![("cs_live_1", "click_id"), ("2002", "code"), ("2003", "utm")]);
    let row = |dim: &str, key: &str| {
        s["by"][dim]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["key"] == key))
            .cloned()
            .unwrap_or_else(|| panic!("{dim}/{key}: {s}"))
    };
    let tiktok = row("utm_source", "tiktok");
    assert_eq!(
        (&tiktok["page_views"], &tiktok["purchases"], &tiktok["purchases_verified"]),
        (&json!(4), &json!(1), &json!(1))
    );
    assert_eq!(
        tiktok["revenue"],
        json!([{"currency": "EUR", "all": 3200, "verified": 3200, "unverified": 3200, "refunded": 0}])
    );
    let qr = row("utm_medium", "qr");
    assert_eq!((&qr["page_views"], &qr["checkouts_started"], &qr["purchases"]), (&json!(2), &json!(1), &json!(1)));
    assert_eq!(qr["revenue"][0]["verified"], 1800);
    let code = row("code", "JUNO15");
    // The shop's `juno15` is the page's `JUNO15`: one row, as the creator spelled it.
    assert_eq!((&code["checkouts_started"], &code["purchases_verified"]), (&json!(1), &json!(1)));
    assert!(!s.to_string().contains("\"key\":\"juno15\""), "no second row for the shop's spelling: {s}");
    let tote = row("product", "tote");
    assert_eq!(
        (&tote["product_selects"], &tote["checkouts_started"], &tote["purchases"]),
        (&json!(2), &json!(2), &json!(3))
    );
    assert_eq!(tote["revenue"][0]["all"], 1620 + 1800 + 1800);
    assert_eq!(row("creator", "juno-park")["purchases"], 4);

    let csv = http
        .get(&c.url(&format!("/v1/stats.csv?from={from}&to={to}")), &[("authorization", &auth)])
        .await
        .expect("csv");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.starts_with("dimension,key,title,page_views,code_views,"), "{}", csv.body);
    assert!(csv.body.contains("\r\ntotal,,,8,0,4,3,1,4,3,2,0.3333,EUR,8420,6620,5000,0,0\r\n"), "{}", csv.body);
    let html = http.get(&c.url(&format!("/v1/report?token={TOKEN}&from={from}&to={to}")), &[]).await.expect("report");
    assert_eq!(html.status, 200);
    assert!(html.body.contains("84.20 EUR"), "{}", html.body);
    report_shows_charts_and_links_every_table(&http, &c, &html.body, from, to).await;
    assert_eq!((&s["joins"]["orders"], &s["joins"]["joined"]), (&json!(3), &json!(1)), "{}", s["joins"]);
    // Another creator's numbers are empty.
    let other = http
        .get(&c.url(&format!("/v1/stats?from={from}&to={to}&creator=someone-else")), &[("authorization", &auth)])
        .await
        .expect("get")
        .json();
    assert_eq!(other["totals"]["page_views"], 0);
    assert_eq!(other["orders"], json!([]));
}

#[tokio::test]
async fn lemonsqueezy_signatures_and_replays() {
    let (_dir, c) = start(&[]);
    let http = Client::default();
    let body = json!({"meta": {"event_name": "order_created", "custom_data": {"click_id": "c-8"}},
        "data": {"type": "orders", "id": "900", "attributes": {"currency": "USD", "total": 1299, "status": "paid",
            "refunded_amount": 0, "created_at": jiff::Timestamp::from_millisecond(now_ms()).expect("now").to_string()}}})
    .to_string();
    let send = |sig: String| {
        let (http, url, body) = (http.clone(), c.url("/v1/webhooks/lemonsqueezy"), body.clone());
        async move {
            http.send("POST", &url, &[("content-type", "application/json"), ("x-signature", &sig)], body)
                .await
                .expect("post")
        }
    };
    assert_eq!(send(hex::encode(hmac("ls_wrong", &[body.as_bytes()]))).await.status, 401);
    assert_eq!(c.count("SELECT count(*) FROM orders"), 0);
    let good = hex::encode(hmac(LEMONSQUEEZY_SECRET, &[body.as_bytes()]));
    assert_eq!(send(good.clone()).await.json()["status"], "recorded");
    assert_eq!(send(good).await.json()["status"], "duplicate");
    let stats = http.get(&c.url(&format!("/v1/stats?token={TOKEN}")), &[]).await.expect("stats").json();
    assert_eq!(
        stats["totals"]["revenue"],
        json!([{"currency": "USD", "all": 1299, "verified": 1299, "unverified": 0, "refunded": 0}])
    );
}

/// Issue #15.4: the report draws its charts with their lines, its range form carries the
/// credential it came with, and each table's CSV link answers with that table's rows.
async fn report_shows_charts_and_links_every_table(http: &Client, c: &Collector, page: &str, from: i64, to: i64) {
    let charts = page.matches(r#"<svg role="img" aria-labelledby="chart"#).count();
    // The funnel is drawn when the range spans two UTC days (it does between 23:00 and 01:00).
    assert!(charts >= 4, "joins, source, code and product: {charts}");
    assert_eq!(charts, page.matches("<figcaption>").count());
    assert!(page.contains(">Revenue by code (EUR)</title>"), "{page}");
    assert!(
        page.contains(
            "(33.3 %) joined to the click that led to them; the other 2: 1 matched by discount code only; 1 matched by \
             UTM tags only."
        ),
        "{page}"
    );
    assert!(page.contains(&format!(r#"<input type="hidden" name="token" value="{TOKEN}">"#)), "{page}");
    let links: Vec<String> = page
        .split(r#"href="stats.csv?"#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|q| format!("/v1/stats.csv?{}", q.replace("&amp;", "&")))
        .collect();
    assert_eq!(links.len(), 12, "every table but the excluded rows (none here): {links:?}");
    for link in &links {
        let time = |ms: i64| jiff::Timestamp::from_millisecond(ms).expect("in range").to_string().replace(':', "%3A");
        assert!(link.contains(&format!("&from={}&to={}&token={TOKEN}", time(from), time(to))), "{link}");
        let a = http.get(&c.url(link), &[]).await.expect("csv");
        assert_eq!((a.status, a.header("content-type")), (200, Some("text/csv; charset=utf-8")), "{link}");
        let table = link.split("table=").nth(1).and_then(|t| t.split('&').next()).unwrap_or_default();
        let mut lines = a.body.split("\r\n").filter(|l| !l.is_empty());
        let header = lines.next().unwrap_or_default();
        match table {
            "series" => assert!(header.starts_with("date,start,page_views,"), "{link}: {}", a.body),
            "joins" => assert_eq!(header, "outcome,message,count", "{link}"),
            _ => {
                assert!(header.starts_with("dimension,key,title,"), "{link}");
                assert!(lines.all(|l| l.starts_with(&format!("{table},"))), "{link}: {}", a.body);
            }
        }
    }
    // A range the collector cannot read: said in the page, with the form to fix it.
    let bad =
        http.get(&c.url(&format!("/v1/report?token={TOKEN}&from=2026-11-30&to=2026-11-01")), &[]).await.expect("get");
    assert_eq!((bad.status, bad.header("content-type")), (400, Some("text/html; charset=utf-8")));
    assert!(bad.body.contains(r#"role="alert">from must be before to"#), "{}", bad.body);
    assert!(bad.body.contains(&format!(r#"name="token" value="{TOKEN}""#)), "{}", bad.body);
    let csv = http.get(&c.url(&format!("/v1/stats.csv?token={TOKEN}&table=orders")), &[]).await.expect("get");
    assert_eq!(csv.status, 400);
    assert!(csv.json()["error"].as_str().is_some_and(|e| e.starts_with("table: one of total, series, joins")));
    let reversed = http.get(&c.url(&format!("/v1/stats?token={TOKEN}&from={to}&to={from}")), &[]).await.expect("get");
    assert_eq!(reversed.status, 400, "{}", reversed.body);
    // Read with a header, the page writes no credential anywhere.
    let auth = format!("Bearer {TOKEN}");
    let by_header =
        http.get(&c.url(&format!("/v1/report?from={from}&to={to}")), &[("authorization", &auth)]).await.expect("get");
    assert_eq!(by_header.status, 200);
    assert!(!by_header.body.contains(TOKEN) && !by_header.body.contains("token"), "{}", by_header.body);
    // Without dates: the last 30 UTC days, today included, as the "Last 30 days" preset.
    let day = 86_400_000;
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    let plain = http.get(&c.url(&format!("/v1/stats?token={TOKEN}")), &[]).await.expect("get").json();
    let tomorrow = (before / day + 1) * day;
    let to = plain["to"].as_i64().expect("to");
    assert!(to == tomorrow || to == tomorrow + day, "{plain}");
    assert_eq!(plain["from"].as_i64(), Some(to - 30 * day), "{plain}");
    let page = http.get(&c.url(&format!("/v1/report?token={TOKEN}")), &[]).await.expect("get").body;
    assert!(page.contains(r#"aria-current="true"><b>Last 30 days</b>"#), "{page}");
}
