//! The backends a creator can send events to, and each one's wire format and limits.
//!
//! Formats follow each service's documented API (see `shared/REFERENCE.md`): our own
//! collector takes a JSON array of envelopes; Plausible's Events API one event per
//! request with revenue in major units and at most 30 scalar props; Umami's
//! `/api/send` one event; PostHog's `/batch/` with the public project key and
//! `uuid` = `event_id` for dedup; a generic webhook gets `{"source","events"}`.
//! Bodies go out as `text/plain` strings, so browsers send them without a CORS
//! preflight (which could not finish while a page unloads).

use crate::domain::events::{EventName, Envelope};
use crate::domain::money::Money;
use miniserde::json::{self, Array, Number, Object, Value};

/// Where events go, as configured by the creator.
#[derive(Clone, Debug, PartialEq)]
pub enum Sink {
    /// Linkshelf's own collector: `POST {endpoint}` with a JSON array.
    Collector { endpoint: String },
    /// Plausible's Events API, e.g. `https://plausible.io/api/event`.
    Plausible { endpoint: String, domain: String },
    /// Umami's `/api/send`, with the website id (a UUID).
    Umami { endpoint: String, website_id: String },
    /// PostHog's `/batch/`, with the public (write-only) project key `phc_…`.
    PostHog { endpoint: String, api_key: String },
    /// Any endpoint that accepts `{"source":"linkshelf","events":[…]}`.
    Webhook { endpoint: String },
}

/// Plausible's documented limits.
pub const PLAUSIBLE_MAX_PROPS: usize = 30;
pub const PLAUSIBLE_MAX_KEY_BYTES: usize = 300;
pub const PLAUSIBLE_MAX_VALUE_BYTES: usize = 2000;
pub const PLAUSIBLE_MAX_NAME_BYTES: usize = 120;
pub const PLAUSIBLE_MAX_URL_BYTES: usize = 2000;
/// Umami's limit on event names.
pub const UMAMI_MAX_NAME_CHARS: usize = 50;
/// Our collector's limit per request (the collector answers 413 beyond it).
pub const COLLECTOR_MAX_EVENTS: usize = 50;

impl Sink {
    pub fn endpoint(&self) -> &str {
        match self {
            Sink::Collector { endpoint }
            | Sink::Plausible { endpoint, .. }
            | Sink::Umami { endpoint, .. }
            | Sink::PostHog { endpoint, .. }
            | Sink::Webhook { endpoint } => endpoint,
        }
    }

    /// Events per request.
    pub fn max_batch(&self) -> usize {
        match self {
            Sink::Plausible { .. } | Sink::Umami { .. } => 1,
            Sink::Collector { .. } | Sink::PostHog { .. } | Sink::Webhook { .. } => COLLECTOR_MAX_EVENTS,
        }
    }

    /// The request body for these events (at most [`Sink::max_batch`]), as seen from
    /// a page at `origin` (`https://shop.example`).
    pub fn body(&self, events: &[Envelope], origin: &str) -> String {
        match self {
            Sink::Collector { .. } => {
                let list: Vec<String> = events.iter().map(Envelope::to_json).collect();
                format!("[{}]", list.join(","))
            }
            Sink::Webhook { .. } => {
                let list: Vec<String> = events.iter().map(Envelope::to_json).collect();
                format!("{{\"source\":\"linkshelf\",\"events\":[{}]}}", list.join(","))
            }
            Sink::Plausible { domain, .. } => events.first().map(|e| plausible(e, domain, origin)).unwrap_or_default(),
            Sink::Umami { website_id, .. } => events.first().map(|e| umami(e, website_id, origin)).unwrap_or_default(),
            Sink::PostHog { api_key, .. } => posthog(events, api_key, origin),
        }
    }
}

fn string(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Object>())
}

/// Cuts a string to at most `max` bytes on a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The page URL with the visit's UTM tags, so analytics tools that read campaigns
/// from the URL (Plausible, Umami) attribute the event too.
fn page_url(event: &Envelope, origin: &str) -> String {
    let a = &event.attribution;
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("utm_source", &a.utm_source),
        ("utm_medium", &a.utm_medium),
        ("utm_campaign", &a.utm_campaign),
        ("utm_content", &a.utm_content),
        ("utm_term", &a.utm_term),
        ("ref", &a.ref_tag),
    ] {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    let sep = if query.is_empty() { "" } else { "?" };
    format!("{origin}{}{sep}{query}", event.context.path)
}

/// The event's details as flat string props, most useful first (Plausible keeps the
/// first 30).
pub fn flat_props(event: &Envelope) -> Vec<(String, String)> {
    let a = &event.attribution;
    let mut props: Vec<(String, String)> = vec![("event_id".into(), event.event_id.clone())];
    let mut add = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            props.push((key.to_owned(), v.clone()));
        }
    };
    add("utm_source", &a.utm_source);
    add("utm_medium", &a.utm_medium);
    add("utm_campaign", &a.utm_campaign);
    add("utm_content", &a.utm_content);
    add("utm_term", &a.utm_term);
    add("ref", &a.ref_tag);
    add("promotion_id", &event.subject.promotion_id);
    add("popup_id", &event.subject.popup_id);
    add("item_list_id", &event.subject.item_list_id);
    if let Some(e) = &event.ecommerce {
        add("coupon", &e.coupon);
        add("transaction_id", &e.transaction_id);
        props.push(("currency".into(), e.currency.clone()));
        props.push(("value".into(), Money::new(e.value, &e.currency).decimal_string()));
        let ids: Vec<&str> = e.items.iter().map(|i| i.item_id.as_str()).collect();
        if !ids.is_empty() {
            props.push(("item_ids".into(), ids.join(",")));
        }
    }
    if let Some(o) = &event.outbound {
        props.push(("click_id".into(), o.click_id.clone()));
        props.push(("destination_host".into(), o.destination_host.clone()));
    }
    for c in &a.click_ids {
        props.push((c.name.clone(), c.value.clone()));
    }
    props.push(("in_app_browser".into(), json::to_string(&event.context.in_app_browser).trim_matches('"').to_owned()));
    props.push(("page_load_id".into(), event.page_load_id.clone()));
    props
}

/// Plausible ignores client timestamps and deduplicates nothing; revenue goes only on
/// purchases, in major units as an exact decimal string.
pub fn plausible(event: &Envelope, domain: &str, origin: &str) -> String {
    let props: Object = flat_props(event)
        .into_iter()
        .take(PLAUSIBLE_MAX_PROPS)
        .map(|(k, v)| {
            (cut(&k, PLAUSIBLE_MAX_KEY_BYTES).to_owned(), Value::String(cut(&v, PLAUSIBLE_MAX_VALUE_BYTES).to_owned()))
        })
        .collect();
    let referrer = event.attribution.referrer_host.as_ref().map_or(Value::Null, |h| string(&format!("https://{h}/")));
    let mut pairs = vec![
        ("name", string(cut(event.name.as_str(), PLAUSIBLE_MAX_NAME_BYTES))),
        ("url", string(cut(&page_url(event, origin), PLAUSIBLE_MAX_URL_BYTES))),
        ("domain", string(domain)),
        ("referrer", referrer),
        ("props", Value::Object(props)),
        // Passive events (a list scrolled into view) must not count as engagement.
        ("interactive", Value::Bool(!matches!(event.name, EventName::ViewItemList | EventName::ViewPromotion))),
    ];
    if let (EventName::Purchase, Some(e)) = (event.name, &event.ecommerce) {
        let amount = Money::new(e.value, &e.currency).decimal_string();
        pairs.push(("revenue", object(vec![("amount", string(&amount)), ("currency", string(&e.currency))])));
    }
    json::to_string(&object(pairs))
}

pub fn umami(event: &Envelope, website_id: &str, origin: &str) -> String {
    let host = origin.split("://").nth(1).unwrap_or(origin);
    let url = page_url(event, origin);
    let path_and_query = url.strip_prefix(origin).unwrap_or(&url).to_owned();
    let data: Object = flat_props(event).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let referrer = event.attribution.referrer_host.as_ref().map_or(String::new(), |h| format!("https://{h}/"));
    let name: String = event.name.as_str().chars().take(UMAMI_MAX_NAME_CHARS).collect();
    json::to_string(&object(vec![
        ("type", string("event")),
        (
            "payload",
            object(vec![
                ("website", string(website_id)),
                ("hostname", string(host)),
                ("url", Value::String(path_and_query)),
                ("referrer", Value::String(referrer)),
                ("language", string(&event.context.locale)),
                ("name", Value::String(name)),
                ("data", Value::Object(data)),
                ("timestamp", Value::Number(Number::I64(event.occurred_at / 1000))),
            ]),
        ),
    ]))
}

/// PostHog: anonymous events (`$process_person_profile: false`), deduplicated by
/// `uuid`, the visit's page-load id as `distinct_id` (no stored visitor id).
pub fn posthog(events: &[Envelope], api_key: &str, origin: &str) -> String {
    let batch: Array = events
        .iter()
        .map(|event| {
            let mut properties: Object =
                flat_props(event).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            properties.insert("$process_person_profile".into(), Value::Bool(false));
            properties.insert("$current_url".into(), Value::String(page_url(event, origin)));
            if let Some(host) = &event.attribution.referrer_host {
                properties.insert("$referring_domain".into(), string(host));
            }
            object(vec![
                ("event", string(event.name.as_str())),
                ("distinct_id", string(&event.page_load_id)),
                ("uuid", string(&event.event_id)),
                ("timestamp", Value::String(iso8601(event.occurred_at))),
                ("properties", Value::Object(properties)),
            ])
        })
        .collect();
    json::to_string(&object(vec![("api_key", string(api_key)), ("batch", Value::Array(batch))]))
}

/// `2026-11-27T18:30:00.000Z` from Unix milliseconds, without a date library in the
/// bundle (Howard Hinnant's days-to-civil algorithm; checked against jiff in tests).
pub fn iso8601(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let ms_of_day = millis.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, ms) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

#[cfg(test)]
#[path = "sinks_tests.rs"]
mod tests;
