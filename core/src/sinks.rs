//! The backends a creator can send events to, and each one's wire format and limits.
//!
//! Formats follow each service's documented API (see `shared/REFERENCE.md`): our own
//! collector takes a JSON array of envelopes; Plausible's Events API one event per
//! request with revenue in major units and at most 30 scalar props; Umami's
//! `/api/send` one event; PostHog's `/batch/` with the public project key and
//! `uuid` = `event_id` for dedup; a generic webhook gets `{"source","events"}`.
//! Bodies go out as `text/plain` strings, so browsers send them without a CORS
//! preflight (which could not finish while a page unloads).
//!
//! JSON is written with a small ordered writer ([`JsonObject`]) rather than a value
//! tree: in the WASM bundle that saved the sorted-map and sort code miniserde's
//! `Value` pulls in.

use crate::events::{Envelope, EventName};
use crate::json::JsonObject;
use crate::model::Sink;
use crate::money::Money;

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

    /// Whether the backend drops repeats of an `event_id`, so resending an event whose
    /// delivery is uncertain is safe. Plausible and Umami count every request.
    pub fn deduplicates(&self) -> bool {
        matches!(self, Sink::Collector { .. } | Sink::PostHog { .. } | Sink::Webhook { .. })
    }

    /// Events per request.
    pub fn max_batch(&self) -> usize {
        match self {
            Sink::Plausible { .. } | Sink::Umami { .. } => 1,
            Sink::Collector { .. } | Sink::PostHog { .. } | Sink::Webhook { .. } => COLLECTOR_MAX_EVENTS,
        }
    }

    /// What this sink queues for one event: the envelope itself (collector, webhook),
    /// one batch entry (PostHog), or the whole request (Plausible, Umami). Built once
    /// when the event happens, so sending needs no parsing.
    pub fn item(&self, event: &Envelope, origin: &str) -> String {
        match self {
            Sink::Collector { .. } | Sink::Webhook { .. } => event.to_json(),
            Sink::Plausible { domain, .. } => plausible(event, domain, origin),
            Sink::Umami { website_id, .. } => umami(event, website_id, origin),
            Sink::PostHog { .. } => posthog_item(event, Some(origin)),
        }
    }

    /// The request body for queued items (at most [`Sink::max_batch`]), stamped
    /// with this attempt's `sent_at`.
    pub fn body(&self, items: &[&str], sent_at: i64) -> String {
        let stamped = || items.iter().map(|i| with_sent_at(i, sent_at)).collect::<Vec<_>>().join(",");
        match self {
            Sink::Collector { .. } => format!("[{}]", stamped()),
            Sink::Webhook { .. } => format!("{{\"source\":\"linkshelf\",\"events\":[{}]}}", stamped()),
            Sink::PostHog { api_key, .. } => {
                let mut body = JsonObject::new();
                body.string("api_key", api_key);
                body.string("sent_at", &iso8601(sent_at));
                body.raw("batch", &format!("[{}]", items.join(",")));
                body.finish()
            }
            Sink::Plausible { .. } | Sink::Umami { .. } => items.first().map(|i| (*i).to_owned()).unwrap_or_default(),
        }
    }
}

/// Fills in an envelope's `sent_at`. The envelope serialises `"sent_at":null` as a
/// top-level field before any text a creator or shopper wrote, and quotes inside
/// strings are escaped, so the first match is always the field itself.
pub fn with_sent_at(envelope_json: &str, sent_at: i64) -> String {
    envelope_json.replacen("\"sent_at\":null", &format!("\"sent_at\":{sent_at}"), 1)
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
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in event.attribution.campaign_pairs() {
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
    for (key, value) in a.campaign_pairs() {
        add(key, value);
    }
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
    props.push(("in_app_browser".into(), event.context.in_app_browser.as_str().to_owned()));
    props.push(("page_load_id".into(), event.page_load_id.clone()));
    props
}

fn props_object(props: impl IntoIterator<Item = (String, String)>) -> String {
    let mut object = JsonObject::new();
    for (k, v) in props {
        object.string(&k, &v);
    }
    object.finish()
}

/// Plausible ignores client timestamps and deduplicates nothing; revenue goes only on
/// purchases, in major units as an exact decimal string.
pub fn plausible(event: &Envelope, domain: &str, origin: &str) -> String {
    let props = flat_props(event)
        .into_iter()
        .take(PLAUSIBLE_MAX_PROPS)
        .map(|(k, v)| (cut(&k, PLAUSIBLE_MAX_KEY_BYTES).to_owned(), cut(&v, PLAUSIBLE_MAX_VALUE_BYTES).to_owned()));
    let mut body = JsonObject::new();
    body.string("name", cut(event.name.as_str(), PLAUSIBLE_MAX_NAME_BYTES))
        .string("url", cut(&page_url(event, origin), PLAUSIBLE_MAX_URL_BYTES))
        .string("domain", domain);
    match &event.attribution.referrer_host {
        Some(host) => body.string("referrer", &format!("https://{host}/")),
        None => body.raw("referrer", "null"),
    };
    body.raw("props", &props_object(props));
    // Passive events (a list scrolled into view) must not count as engagement.
    let interactive = !matches!(event.name, EventName::ViewItemList | EventName::ViewPromotion);
    body.raw("interactive", if interactive { "true" } else { "false" });
    if let (EventName::Purchase, Some(e)) = (event.name, &event.ecommerce) {
        let mut revenue = JsonObject::new();
        revenue.string("amount", &Money::new(e.value, &e.currency).decimal_string()).string("currency", &e.currency);
        body.raw("revenue", &revenue.finish());
    }
    body.finish()
}

pub fn umami(event: &Envelope, website_id: &str, origin: &str) -> String {
    let host = origin.split("://").nth(1).unwrap_or(origin);
    let url = page_url(event, origin);
    let path_and_query = url.strip_prefix(origin).unwrap_or(&url);
    let referrer = event.attribution.referrer_host.as_ref().map_or(String::new(), |h| format!("https://{h}/"));
    let name: String = event.name.as_str().chars().take(UMAMI_MAX_NAME_CHARS).collect();
    let mut payload = JsonObject::new();
    payload
        .string("website", website_id)
        .string("hostname", host)
        .string("url", path_and_query)
        .string("referrer", &referrer)
        .string("language", &event.context.locale)
        .string("name", &name)
        .raw("data", &props_object(flat_props(event)))
        .raw("timestamp", &(event.occurred_at / 1000).to_string());
    let mut body = JsonObject::new();
    body.string("type", "event").raw("payload", &payload.finish());
    body.finish()
}

/// One PostHog batch entry: anonymous (`$process_person_profile: false`),
/// deduplicated by `uuid`, the page-load id as `distinct_id` (no stored visitor id).
///
/// The one PostHog schema: the browser's `posthog` sink and the collector's forwarder
/// both send this, so a creator who switches between them keeps every property name.
/// The properties are [`flat_props`] (ids, campaign tags, `coupon`, `transaction_id`,
/// `currency`, `value` in major units as a decimal string, `item_ids`, `click_id`,
/// `destination_host`, platform click ids, `in_app_browser`, `page_load_id`), then
/// `creator_id`, `locale`, `$pathname`, `$referring_domain` (when known), `source` =
/// `linkshelf`, and `$current_url` (the page URL with its campaign tags) when the
/// sender knows the site's `origin` (the browser does; the collector does not).
pub fn posthog_item(event: &Envelope, origin: Option<&str>) -> String {
    let mut properties = JsonObject::new();
    for (k, v) in flat_props(event) {
        properties.string(&k, &v);
    }
    properties
        .string("creator_id", &event.creator_id)
        .string("locale", &event.context.locale)
        .string("$pathname", &event.context.path)
        .string("source", "linkshelf")
        .raw("$process_person_profile", "false");
    if let Some(origin) = origin {
        properties.string("$current_url", &page_url(event, origin));
    }
    if let Some(host) = &event.attribution.referrer_host {
        properties.string("$referring_domain", host);
    }
    let mut item = JsonObject::new();
    item.string("event", event.name.as_str())
        .string("distinct_id", &event.page_load_id)
        .string("uuid", &event.event_id)
        .string("timestamp", &iso8601(event.occurred_at))
        .raw("properties", &properties.finish());
    item.finish()
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
