//! Each adapter's payload against its service's documented wire format and limits.

use super::*;
use crate::events::tests::sample;
use crate::events::{Ecommerce, EventName};
use crate::json::quote;
use miniserde::json::{self, Value};

const ORIGIN: &str = "https://junopark.example";

fn parse(body: &str) -> Value {
    json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

fn get<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| match v {
        Value::Object(o) => o.get(*key).unwrap_or_else(|| panic!("no {key} in {}", json::to_string(v))),
        _ => panic!("{key}: not an object"),
    })
}

fn text(value: &Value) -> &str {
    match value {
        Value::String(s) => s,
        other => panic!("not a string: {}", json::to_string(other)),
    }
}

fn purchase() -> Envelope {
    let mut event = sample();
    event.name = EventName::Purchase;
    event.ecommerce = Some(Ecommerce {
        currency: "JPY".into(),
        value: 3800,
        coupon: None,
        transaction_id: Some("order-123".into()),
        items: vec![],
    });
    event
}

fn send(sink: &Sink, events: &[Envelope], sent_at: i64) -> String {
    let items: Vec<String> = events.iter().map(|e| sink.item(e, ORIGIN)).collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    sink.body(&refs, sent_at)
}

#[test]
fn collector_gets_a_json_array_of_envelopes_stamped_with_sent_at() {
    let sink = Sink::Collector { endpoint: "https://c.example/v1/events".into() };
    let body = send(&sink, &[sample(), purchase()], 1_795_804_201_000);
    let Value::Array(list) = parse(&body) else { panic!("not an array") };
    assert_eq!(list.len(), 2);
    assert_eq!(json::to_string(get(&list[0], &["sent_at"])), "1795804201000");
    let mut expected = sample();
    expected.sent_at = Some(1_795_804_201_000);
    assert_eq!(Envelope::from_json(&json::to_string(&list[0])), Some(expected));
}

#[test]
fn sent_at_is_stamped_on_the_field_not_on_text_that_looks_like_it() {
    let mut event = sample();
    event.context.path = r#"/p/"sent_at":null/"#.into();
    let stamped = with_sent_at(&event.to_json(), 42);
    let back = Envelope::from_json(&stamped).expect("still JSON");
    assert_eq!(back.sent_at, Some(42));
    assert_eq!(back.context.path, r#"/p/"sent_at":null/"#);
}

#[test]
fn webhook_wraps_events() {
    let body = send(&Sink::Webhook { endpoint: "https://hook.example".into() }, &[sample()], 1);
    let value = parse(&body);
    assert_eq!(text(get(&value, &["source"])), "linkshelf");
    let Value::Array(events) = get(&value, &["events"]) else { panic!("events") };
    assert_eq!(events.len(), 1);
}

#[test]
fn plausible_payload_follows_the_events_api() {
    let body = plausible(&sample(), "junopark.example", ORIGIN);
    let v = parse(&body);
    assert_eq!(text(get(&v, &["name"])), "begin_checkout");
    assert_eq!(text(get(&v, &["domain"])), "junopark.example");
    assert_eq!(text(get(&v, &["url"])), "https://junopark.example/p/speckled-mug/?utm_source=tiktok");
    assert!(matches!(get(&v, &["referrer"]), Value::Null));
    assert_eq!(text(get(&v, &["props", "coupon"])), "JUNO15");
    assert_eq!(text(get(&v, &["props", "value"])), "32.00");
    assert_eq!(text(get(&v, &["props", "ttclid"])), "abc");
    assert_eq!(text(get(&v, &["props", "in_app_browser"])), "tiktok");
    assert!(matches!(get(&v, &["interactive"]), Value::Bool(true)));
    // Revenue only on purchases, in major units, exact.
    assert!(!body.contains("\"revenue\""));
    let v = parse(&plausible(&purchase(), "junopark.example", ORIGIN));
    assert_eq!(text(get(&v, &["revenue", "amount"])), "3800");
    assert_eq!(text(get(&v, &["revenue", "currency"])), "JPY");
    let mut kwd = purchase();
    if let Some(e) = kwd.ecommerce.as_mut() {
        e.currency = "KWD".into();
        e.value = 1250;
    }
    assert_eq!(text(get(&parse(&plausible(&kwd, "d", ORIGIN)), &["revenue", "amount"])), "1.250");
    // One event per request: the queued item is the whole body.
    let sink = Sink::Plausible { endpoint: "https://plausible.io/api/event".into(), domain: "junopark.example".into() };
    assert_eq!(send(&sink, &[sample()], 5), body);
}

#[test]
fn plausible_limits_are_enforced() {
    let mut event = sample();
    event.attribution.utm_campaign = Some("é".repeat(3000));
    event.context.path = format!("/{}", "p".repeat(5000));
    for i in 0..40 {
        event.attribution.click_ids.push(crate::attribution::ClickId { name: format!("k{i}"), value: "v".into() });
    }
    let v = parse(&plausible(&event, "d", ORIGIN));
    match get(&v, &["props"]) {
        Value::Object(props) => {
            assert_eq!(props.len(), PLAUSIBLE_MAX_PROPS);
            for (k, value) in props.iter() {
                assert!(k.len() <= PLAUSIBLE_MAX_KEY_BYTES);
                assert!(text(value).len() <= PLAUSIBLE_MAX_VALUE_BYTES);
            }
            assert!(props.contains_key("event_id"), "the most useful props are kept first");
        }
        _ => panic!("props"),
    }
    assert!(text(get(&v, &["url"])).len() <= PLAUSIBLE_MAX_URL_BYTES);
}

#[test]
fn passive_events_are_not_interactive_for_plausible() {
    let mut event = sample();
    event.name = EventName::ViewItemList;
    assert!(matches!(get(&parse(&plausible(&event, "d", ORIGIN)), &["interactive"]), Value::Bool(false)));
}

#[test]
fn umami_payload_follows_api_send() {
    let v = parse(&umami(&sample(), "6a7d6b8e-0000-4000-8000-000000000000", ORIGIN));
    assert_eq!(text(get(&v, &["type"])), "event");
    assert_eq!(text(get(&v, &["payload", "website"])), "6a7d6b8e-0000-4000-8000-000000000000");
    assert_eq!(text(get(&v, &["payload", "hostname"])), "junopark.example");
    assert_eq!(text(get(&v, &["payload", "url"])), "/p/speckled-mug/?utm_source=tiktok");
    assert_eq!(text(get(&v, &["payload", "name"])), "begin_checkout");
    assert_eq!(text(get(&v, &["payload", "language"])), "en-GB");
    assert_eq!(text(get(&v, &["payload", "data", "coupon"])), "JUNO15");
    assert_eq!(json::to_string(get(&v, &["payload", "timestamp"])), "1795804200", "Unix seconds");
}

#[test]
fn posthog_batch_is_anonymous_and_deduplicated_by_uuid() {
    let sink = Sink::PostHog { endpoint: "https://us.i.posthog.com/batch/".into(), api_key: "phc_public".into() };
    let v = parse(&send(&sink, &[sample(), purchase()], 1_795_804_201_000));
    assert_eq!(text(get(&v, &["api_key"])), "phc_public");
    assert_eq!(text(get(&v, &["sent_at"])), "2026-11-27T18:30:01.000Z");
    let Value::Array(batch) = get(&v, &["batch"]) else { panic!("batch") };
    assert_eq!(batch.len(), 2);
    let first = &batch[0];
    assert_eq!(text(get(first, &["event"])), "begin_checkout");
    assert_eq!(text(get(first, &["uuid"])), sample().event_id);
    assert_eq!(text(get(first, &["distinct_id"])), "pl-1");
    assert_eq!(text(get(first, &["timestamp"])), "2026-11-27T18:30:00.000Z");
    assert!(matches!(get(first, &["properties", "$process_person_profile"]), Value::Bool(false)));
    assert_eq!(
        text(get(first, &["properties", "$current_url"])),
        "https://junopark.example/p/speckled-mug/?utm_source=tiktok"
    );
    // The one schema the collector's forwarder shares (see `posthog_item`).
    for (key, value) in [
        ("$pathname", "/p/speckled-mug/"),
        ("creator_id", "juno-park"),
        ("locale", "en-GB"),
        ("source", "linkshelf"),
        ("value", "32.00"),
        ("currency", "EUR"),
        ("coupon", "JUNO15"),
        ("click_id", "c-1"),
        ("utm_source", "tiktok"),
        ("ttclid", "abc"),
    ] {
        assert_eq!(text(get(first, &["properties", key])), value, "{key}");
    }
    // Without the site's origin (the collector), no `$current_url`; the rest is equal.
    let bare = parse(&posthog_item(&sample(), None));
    let Value::Object(properties) = get(&bare, &["properties"]) else { panic!("properties") };
    assert!(!properties.contains_key("$current_url"));
    assert_eq!(text(get(&bare, &["properties", "$pathname"])), "/p/speckled-mug/");
}

#[test]
fn batch_sizes_and_dedup_per_sink() {
    let plausible = Sink::Plausible { endpoint: String::new(), domain: String::new() };
    assert_eq!(plausible.max_batch(), 1);
    assert!(!plausible.deduplicates());
    assert_eq!(Sink::Umami { endpoint: String::new(), website_id: String::new() }.max_batch(), 1);
    let collector = Sink::Collector { endpoint: String::new() };
    assert_eq!(collector.max_batch(), COLLECTOR_MAX_EVENTS);
    assert!(collector.deduplicates());
}

#[test]
fn json_object_escapes_and_keeps_order() {
    let mut o = JsonObject::new();
    o.string("b", "quote \" and \\ and\nnewline ☕").raw("a", "1");
    let written = o.finish();
    assert!(written.starts_with(r#"{"b":"#), "{written}");
    assert_eq!(text(get(&parse(&written), &["b"])), "quote \" and \\ and\nnewline ☕");
    assert_eq!(JsonObject::new().finish(), "{}");
}

#[test]
fn cut_respects_character_boundaries() {
    assert_eq!(cut("héllo", 2), "h");
    assert_eq!(cut("héllo", 3), "hé");
    assert_eq!(cut("🎉🎉", 5), "🎉");
    assert_eq!(cut("abc", 10), "abc");
}

#[test]
fn iso8601_matches_jiff() {
    for ms in [0, 1, 951_782_400_000, 1_795_804_200_123, -1, -86_400_001, 4_102_444_799_999, 253_402_207_199_999] {
        let expected =
            jiff::Timestamp::from_millisecond(ms).expect("in range").strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        assert_eq!(iso8601(ms), expected, "{ms}");
    }
}

#[test]
fn quote_matches_miniserde_for_every_kind_of_character() {
    let nasty: String = (0u32..0x80).filter_map(char::from_u32).collect::<String>() + "é☕🎉\u{2028}\u{7f}";
    for text in ["", "plain", "quote \" backslash \\ slash /", nasty.as_str()] {
        assert_eq!(quote(text), json::to_string(text), "{text:?}");
        let back: String = json::from_str(&quote(text)).expect("valid JSON string");
        assert_eq!(back, text);
    }
}
