//! The early-tap script (`src/build/early-taps.js`) restates a few of the core's rules
//! in JavaScript (see `build::early`). This runs it in Node on hostile landing URLs,
//! in-app browsers, codes and every sink kind, and holds each result to what the core
//! makes of the same inputs: the link, every request body, every stored line.

use linkshelf::build::{config, early, prerender};
use linkshelf::ui::route::Route;
use linkshelf_core::attribution;
use linkshelf_core::cart::{self, item_ecommerce, Cart};
use linkshelf_core::checkout::{self, Handoff};
use linkshelf_core::delivery::{Outbox, Queued};
use linkshelf_core::events::{
    uuid_v7, CheckoutRecord, Context, Envelope, EventName, InAppBrowser, Outbound, Subject, SCHEMA_VERSION,
};
use linkshelf_core::model::{Privacy, Sink, Storefront};
use linkshelf_core::stored::encode_outbox;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const ORIGIN: &str = "https://junopark.example";
const NOW: i64 = 1_796_200_000_000; // 2026-12-02, while JUNO15 runs
const LOADED: i64 = NOW - 900;

fn store() -> Storefront {
    let (mut store, _) = config::load(Path::new("demo/storefront.json"), NOW).expect("demo config");
    store.tracking.privacy = Privacy::Standard;
    store.tracking.sinks = vec![
        Sink::Collector { endpoint: "https://c.example/v1/events".into() },
        Sink::Webhook { endpoint: "https://hook.example/in".into() },
        Sink::Plausible { endpoint: "https://plausible.io/api/event".into(), domain: "junopark.example".into() },
        Sink::Umami {
            endpoint: "https://umami.example/api/send".into(),
            website_id: "5f3c2a1e-0000-4000-8000-000000000001".into(),
        },
        Sink::PostHog { endpoint: "https://eu.i.posthog.com/batch/".into(), api_key: "phc_test".into() },
    ];
    store
}

struct Case {
    route: Route,
    /// `buy` or `open`.
    kind: &'static str,
    product: &'static str,
    list: Option<&'static str>,
    index: u32,
    search: String,
    referrer: &'static str,
    user_agent: &'static str,
    stored_code: Option<&'static str>,
    /// On an affiliate's page (`Storefront::affiliate`): the visit is theirs whatever the
    /// link says, and their code applies unasked.
    affiliate_page: bool,
}

/// The storefront a case's page carries.
fn page_store(store: &Storefront, case: &Case) -> Storefront {
    let mut page = store.clone();
    if case.affiliate_page {
        page.affiliate = Some("juno.park".into());
    }
    page
}

fn cases() -> Vec<Case> {
    let long = format!("{}{}", "a".repeat(198), "👩‍💻é\u{301}tail");
    let many: Vec<String> = (0..70).map(|i| format!("k{i}=v")).collect();
    let searches = [
        "?utm_source=tiktok&utm_campaign=spring%20drop&ttclid=E.C.P&code=juno15&affiliate=juno.park".to_owned(),
        format!("?UTM_Source=%20%20Insta%0Agram%20&utm_source=second&ref=qr&gclid=a&fbclid=b&utm_term={long}"),
        "?utm_medium=%EF%BB%BFbom&utm_content=%C2%85nel%C2%85&MSCL%E2%84%AAID=x&msclkid=y&code=nope&affiliate=Not%20One&affiliate=mia_k-2".to_owned(),
        format!("?{}&utm_source=late", many.join("&")),
        format!("?utm_source=a+b%zz%E2%82&utm_campaign=%F0%9F%87%AF%F0%9F%87%B5&&ref=&utm_term=%20&code=JUNO5&affiliate={}", "a".repeat(65)),
        String::new(),
    ];
    let agents = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Instagram 300.0",
        "Mozilla/5.0 (Linux; Android 14) musical_ly_2023",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
    ];
    let referrers =
        ["", "https://User@WWW.TikTok.com:443/path?x", "android-app://com.instagram", "HTTPS://l.instagram.com/"];
    let mut out = Vec::new();
    for (i, search) in searches.iter().enumerate() {
        let (route, kind, product, list, index) = match i % 4 {
            0 => (Route::Home, "buy", "linen-napkins", Some("kitchen"), 2),
            1 => (Route::Product("brass-pen".into()), "buy", "brass-pen", None, 0),
            2 => (Route::Home, "open", "speckled-mug", Some("kitchen"), 0),
            _ => (Route::Home, "buy", "felt-mousepad", Some("desk"), 5),
        };
        out.push(Case {
            route,
            kind,
            product,
            list,
            index,
            search: search.clone(),
            referrer: referrers[i % referrers.len()],
            user_agent: agents[i % agents.len()],
            stored_code: (i % 2 == 1).then_some("fable-15"),
            affiliate_page: false,
        });
    }
    // Product links carry the campaign and the applied code (from the link, or kept).
    for (search, stored_code) in
        [("?code=juno15&utm_source=tiktok&fbclid=x", None), ("?utm_medium=qr", Some("fable-15"))]
    {
        out.push(Case {
            route: Route::Home,
            kind: "open",
            product: "speckled-mug",
            list: Some("kitchen"),
            index: 0,
            search: search.into(),
            referrer: "",
            user_agent: agents[2],
            stored_code,
            affiliate_page: false,
        });
    }
    // Every checkout kind, bought straight away.
    for product in ["oak-board", "dot-grid-notebook", "desk-lamp", "felt-mousepad"] {
        out.push(Case {
            route: Route::Product(product.into()),
            kind: "buy",
            product,
            list: None,
            index: 0,
            search: "?code=JUNO15&utm_source=ig&affiliate=juno.park".into(),
            referrer: "",
            user_agent: agents[2],
            stored_code: None,
            affiliate_page: false,
        });
    }
    // An affiliate's page: credited to them over the link's affiliate, their code
    // applied without a `?code=` (and a link's code still wins).
    for (kind, product, search) in [
        ("buy", "dot-grid-notebook", "?utm_source=tiktok&affiliate=someone.else"),
        ("open", "speckled-mug", "?utm_source=tiktok"),
        ("buy", "felt-mousepad", "?code=JUNOSHIPS"),
    ] {
        out.push(Case {
            route: Route::Affiliate("juno.park".into()),
            kind,
            product,
            list: Some("picks"),
            index: 0,
            search: search.into(),
            referrer: "",
            user_agent: agents[0],
            stored_code: None,
            affiliate_page: true,
        });
    }
    out
}

fn random(k: u8) -> [u8; 10] {
    [k.wrapping_mul(37) ^ 0xF0, 0xA5, 0xC0 | k.wrapping_mul(7), 3, 250, 9, k, 1, 2, 255]
}

/// What the core makes of a case: the link, the requests, the stored writes.
fn expected(store: &Storefront, case: &Case) -> Value {
    let product = store.product(case.product).expect("product");
    let mut attribution = attribution::from_landing(&case.search, case.referrer);
    // tracking::start
    if let Some(handle) = &store.affiliate {
        attribution.affiliate = Some(handle.clone());
    }
    let page_load_id = uuid_v7(NOW, &random(0));
    let context = Context {
        path: store.site.href(&case.route.path()),
        locale: "de-DE".into(),
        time_zone: "Europe/Berlin".into(),
        in_app_browser: InAppBrowser::detect(case.user_agent),
    };
    let envelope = |seq: u32, event_id: String, name, at, subject, ecommerce, outbound| Envelope {
        v: SCHEMA_VERSION,
        event_id,
        name,
        occurred_at: at,
        sent_at: None,
        page_load_id: page_load_id.clone(),
        seq,
        creator_id: store.creator.id.clone(),
        attribution: attribution.clone(),
        context: context.clone(),
        subject,
        ecommerce,
        outbound,
    };
    let view = envelope(0, uuid_v7(LOADED, &random(1)), EventName::PageView, LOADED, Subject::default(), None, None);
    let subject = Subject { item_list_id: case.list.map(str::to_owned), ..Default::default() };
    let (tap, href) = if case.kind == "buy" {
        // cart::provide: the kept cart's code, replaced by a good one from the link.
        let mut cart = Cart { code: case.stored_code.map(str::to_owned), ..Cart::default() };
        if let Some(typed) = cart::code_to_apply(&case.search, store) {
            if let Ok(code) = cart::find_code(store, &typed, NOW) {
                cart.code = Some(code.id.clone());
            }
        }
        let (code, ecommerce) = cart.direct_buy(store, product, case.list, case.index, NOW);
        let click_id = uuid_v7(NOW, &random(2));
        let href = checkout::product_link(
            &product.checkout,
            &Handoff {
                click_id: &click_id,
                code: code.map(|c| c.code.as_str()),
                attribution: &attribution,
                creator_id: &store.creator.id,
            },
        );
        let outbound = Outbound { click_id, destination_host: product.checkout.host() };
        let tap = envelope(
            1,
            uuid_v7(NOW, &random(3)),
            EventName::BeginCheckout,
            NOW,
            subject,
            Some(ecommerce),
            Some(outbound),
        );
        (tap, href)
    } else {
        let ecommerce = item_ecommerce(product, case.list, case.index);
        let tap = envelope(1, uuid_v7(NOW, &random(2)), EventName::SelectItem, NOW, subject, Some(ecommerce), None);
        // The product page's link as the app writes it: the campaign and the applied code.
        let mut cart = Cart { code: case.stored_code.map(str::to_owned), ..Cart::default() };
        if let Some(typed) = cart::code_to_apply(&case.search, store) {
            if let Ok(code) = cart::find_code(store, &typed, NOW) {
                cart.code = Some(code.id.clone());
            }
        }
        let code = cart.applied_code(store).map(|c| c.code.as_str());
        (tap, format!("https://junopark.example/p/speckled-mug/{}", attribution.campaign_query(code)))
    };
    let events = [view, tap];
    let mut requests = Vec::new();
    let mut writes = Vec::new();
    for sink in &store.tracking.sinks {
        let items: Vec<String> = events.iter().map(|e| sink.item(e, ORIGIN)).collect();
        let batches: Vec<Vec<&str>> = if sink.max_batch() == 1 {
            items.iter().map(|i| vec![i.as_str()]).collect()
        } else {
            vec![items.iter().map(String::as_str).collect()]
        };
        for batch in batches {
            requests.push(json!({"endpoint": sink.endpoint(), "body": parse(&sink.body(&batch, NOW))}));
        }
        let outbox = Outbox {
            events: events
                .iter()
                .zip(&items)
                .map(|(e, item)| Queued {
                    event_id: e.event_id.clone(),
                    name: e.name,
                    json: item.clone(),
                    queued_at: e.occurred_at,
                    attempts: 0,
                    not_before: NOW,
                })
                .collect(),
        };
        writes.push(json!({"key": linkshelf_core::stored::outbox_key(sink.endpoint()), "lines": lines(&encode_outbox(&outbox))}));
    }
    let [_, tap] = events;
    if let (Some(ecommerce), Some(outbound)) = (tap.ecommerce, tap.outbound) {
        let record = CheckoutRecord { occurred_at: tap.occurred_at, attribution, ecommerce, outbound };
        writes.push(json!({"key": linkshelf_core::stored::CHECKOUT_KEY, "value": record.encode()}));
    }
    json!({"href": href, "requests": requests, "writes": writes})
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Outbox lines with their JSON field parsed, so key order does not matter.
fn lines(text: &str) -> Value {
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(6, '\t').collect();
            let mut value: Vec<Value> = fields[..5].iter().map(|f| json!(f)).collect();
            value.push(parse(fields[5]));
            Value::Array(value)
        })
        .collect()
}

/// The script's result in the same shape as [`expected`].
fn actual(result: &Value) -> Value {
    let requests: Vec<Value> = result["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| json!({"endpoint": r["endpoint"], "body": parse(r["body"].as_str().expect("body"))}))
        .collect();
    let writes: Vec<Value> = result["writes"]
        .as_array()
        .expect("writes")
        .iter()
        .map(|w| match w.get("lines") {
            Some(l) => {
                let text: Vec<&str> = l.as_array().expect("lines").iter().filter_map(Value::as_str).collect();
                json!({"key": w["key"], "lines": lines(&text.join("\n"))})
            }
            None => json!({"key": w["key"], "value": w["value"]}),
        })
        .collect();
    json!({"href": result["href"], "requests": requests, "writes": writes})
}

#[test]
fn the_early_tap_script_agrees_with_the_core() {
    let store = store();
    let cases = cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|case| {
            let store = page_store(&store, case);
            let html = prerender::render(&store, &case.route);
            json!({
                "data": early::data(&store, &case.route, &html),
                "tap": {"kind": case.kind, "product": case.product, "list": case.list, "index": case.index},
                "env": {
                    "search": case.search, "referrer": case.referrer, "user_agent": case.user_agent,
                    "locale": "de-DE", "time_zone": "Europe/Berlin", "origin": ORIGIN, "now": NOW,
                    "loaded_at": LOADED, "persist": true, "stored_code": case.stored_code,
                    "href": "https://junopark.example/p/speckled-mug/",
                },
                "randoms": (0..4).map(random).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut node = Command::new("node")
        .arg("tests/early_taps.mjs")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node must be installed (scripts/bootstrap.sh checks it)");
    node.stdin.take().expect("stdin").write_all(Value::Array(input).to_string().as_bytes()).expect("write");
    let output = node.wait_with_output().expect("node ran");
    assert!(output.status.success(), "the script failed: {}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).expect("the script's JSON");
    assert_eq!(results.len(), cases.len());
    for (case, result) in cases.iter().zip(&results) {
        let (want, got) = (expected(&page_store(&store, case), case), actual(result));
        assert_eq!(got["href"], want["href"], "link for {} {:?}", case.product, case.search);
        let (want_r, got_r) = (want["requests"].as_array().expect("r"), got["requests"].as_array().expect("r"));
        assert_eq!(got_r.len(), want_r.len());
        for (g, w) in got_r.iter().zip(want_r) {
            assert_eq!(g, w, "request for {} {:?}", case.product, case.search);
        }
        assert_eq!(got["writes"], want["writes"], "stored for {} {:?}", case.product, case.search);
    }
}
