//! Each adapter's payload against its service's documented wire format and limits.

use super::*;
use crate::domain::events::tests::sample;
use crate::domain::events::{Ecommerce, EventName};
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

#[test]
fn collector_gets_a_json_array_of_envelopes() {
    let events = vec![sample(), sample()];
    let body = Sink::Collector { endpoint: "https://c.example/v1/events".into() }.body(&events, ORIGIN);
    match parse(&body) {
        Value::Array(a) => assert_eq!(a.len(), 2),
        _ => panic!("not an array"),
    }
    assert_eq!(Envelope::from_json(&body[1..body.find("},{").map_or(body.len() - 1, |i| i + 1)]), Some(sample()));
}

#[test]
fn webhook_wraps_events() {
    let body = Sink::Webhook { endpoint: "https://hook.example".into() }.body(&[sample()], ORIGIN);
    let value = parse(&body);
    assert_eq!(text(get(&value, &["source"])), "linkshelf");
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
}

#[test]
fn plausible_limits_are_enforced() {
    let mut event = sample();
    event.attribution.utm_campaign = Some("é".repeat(3000));
    event.context.path = format!("/{}", "p".repeat(5000));
    for i in 0..40 {
        event.attribution.click_ids.push(crate::domain::events::ClickId { name: format!("k{i}"), value: "v".into() });
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
    let events = vec![sample(), purchase()];
    let v = parse(&posthog(&events, "phc_public", ORIGIN));
    assert_eq!(text(get(&v, &["api_key"])), "phc_public");
    let Value::Array(batch) = get(&v, &["batch"]) else { panic!("batch") };
    assert_eq!(batch.len(), 2);
    let first = &batch[0];
    assert_eq!(text(get(first, &["event"])), "begin_checkout");
    assert_eq!(text(get(first, &["uuid"])), sample().event_id);
    assert_eq!(text(get(first, &["distinct_id"])), "pl-1");
    assert_eq!(text(get(first, &["timestamp"])), "2026-11-27T18:30:00.000Z");
    assert!(matches!(get(first, &["properties", "$process_person_profile"]), Value::Bool(false)));
    assert_eq!(text(get(first, &["properties", "$current_url"])), "https://junopark.example/p/speckled-mug/?utm_source=tiktok");
}

#[test]
fn batch_sizes_per_sink() {
    assert_eq!(Sink::Plausible { endpoint: String::new(), domain: String::new() }.max_batch(), 1);
    assert_eq!(Sink::Umami { endpoint: String::new(), website_id: String::new() }.max_batch(), 1);
    assert_eq!(Sink::Collector { endpoint: String::new() }.max_batch(), COLLECTOR_MAX_EVENTS);
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
        let expected = jiff::Timestamp::from_millisecond(ms).expect("in range").strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        assert_eq!(iso8601(ms), expected, "{ms}");
    }
}
