//! Reading and checking the storefront's event envelopes (`linkshelf_core::events` writes
//! them with `Envelope::to_json`).
//!
//! Every event of a batch is judged on its own: a bad one is rejected with a reason and
//! never stored, the others still are. Rejected events are the sender's bug, so the
//! request still gets a 2xx and the browser does not retry them (see the storefront's
//! `delivery::classify`). Unknown fields are ignored, so a newer storefront that adds a
//! field keeps working; a new *shape* bumps the schema version `v`, which is refused
//! here until the collector learns it.
//!
//! Why a reader of its own (`RawEnvelope`) rather than the core's `Envelope`: this is
//! the lenient first step of the same pipeline the config uses (lenient raw types →
//! every problem named with its field → a checked value). The core's types are what the
//! page writes, all fields present; the reader must also take what an older page or
//! another sender omits and name the field that is wrong. What ties the two together is
//! checked, not copied: the event names and every bound come from the core
//! (`EventName::ALL`, `limits`), and the unit tests ingest the contract file
//! `core/fixtures/envelopes.json`, which the core keeps equal to its writer.

use linkshelf_core::events::EventName;
use linkshelf_core::limits::{
    self, CodeProblem, MAX_AMOUNT_MINOR, MAX_HANDLE_CHARS, MAX_ID_CHARS, MAX_LINES, MAX_PRICE_MINOR, MAX_QUANTITY,
};
use serde::{Deserialize, Serialize};

/// The envelope version this collector reads (`SCHEMA_VERSION` in the storefront).
pub const SCHEMA_VERSION: u32 = 1;

// The bounds the storefront's config check also enforces come from
// `linkshelf_core::limits` (ids, tags, codes, prices, quantities, lines, amounts): whatever
// the check accepts, the collector takes, and nothing beyond. The ones below are the
// collector's own (the storefront has no matching rule).
pub use linkshelf_core::limits::MAX_TAG_CHARS;

/// Paths and hosts.
pub const MAX_PATH_CHARS: usize = 2000;
pub const MAX_HOST_CHARS: usize = 253;
/// Short context values (locale, time zone, in-app browser).
pub const MAX_SHORT_CHARS: usize = 64;
/// Platform click ids carried in the attribution (the storefront knows seven).
pub const MAX_PLATFORM_CLICK_IDS: usize = 16;
/// How long an event may wait on the device before it is sent: the storefront keeps
/// its outbox for 7 days; a day more for slow retries.
pub const MAX_AGE_MS: i64 = 8 * 24 * 3600 * 1000;
/// A device clock may step back (an NTP sync) between an event and its sending.
pub const MAX_BACKWARD_STEP_MS: i64 = 60 * 1000;
/// Without `sent_at` there is nothing to correct the clock with: `occurred_at` must
/// then be at most this far in the future.
pub const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;

/// An event that passed every check, ready to store. Times are milliseconds since the
/// Unix epoch, UTC.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Event {
    pub event_id: String,
    pub name: &'static str,
    pub creator_id: String,
    /// The device's clock when it happened.
    pub occurred_at: i64,
    pub sent_at: Option<i64>,
    /// Server time when the batch arrived.
    pub received_at: i64,
    /// When it happened by the server's clock: `received_at − (sent_at − occurred_at)`.
    pub event_time: i64,
    pub page_load_id: Option<String>,
    pub seq: Option<u32>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
    pub ref_tag: Option<String>,
    /// The affiliate (a brand's creator) whose page or link the visit came through: a
    /// handle by `limits::is_handle`. Stats credit the event to them.
    pub affiliate: Option<String>,
    pub referrer_host: Option<String>,
    /// Platform click ids (`ttclid`, `fbclid`, …) as a query string.
    pub platform_click_ids: Option<String>,
    pub path: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub in_app_browser: Option<String>,
    pub promotion_id: Option<String>,
    pub popup_id: Option<String>,
    pub item_list_id: Option<String>,
    pub currency: Option<String>,
    pub value: Option<i64>,
    pub coupon: Option<String>,
    pub transaction_id: Option<String>,
    /// Line items as compact JSON (`[{"item_id","price","quantity"}]`).
    pub items: Option<String>,
    /// The checkout handoff's click id (`outbound.click_id`): joins orders to clicks.
    pub click_id: Option<String>,
    pub destination_host: Option<String>,
}

/// What happened to one event of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventResult {
    pub event_id: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Duplicate,
    Rejected,
}

/// A line item as stored: what stats need, nothing more.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    pub item_id: String,
    /// The product's title as the page showed it (`item_name`), so a report names
    /// products rather than ids. Absent on rows stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    pub price: i64,
    pub quantity: u32,
}

impl StoredItem {
    /// Whether the line is one ingest accepts today. Rows stored before the shared
    /// limits (or edited by hand) may hold any price or quantity; stats leave those out.
    pub fn in_bounds(&self) -> bool {
        (0..=MAX_PRICE_MINOR).contains(&self.price) && (1..=MAX_QUANTITY).contains(&self.quantity)
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    v: u32,
    event_id: String,
    name: String,
    occurred_at: i64,
    #[serde(default)]
    sent_at: Option<i64>,
    #[serde(default)]
    page_load_id: Option<String>,
    #[serde(default)]
    seq: Option<u32>,
    creator_id: String,
    #[serde(default)]
    attribution: Option<RawAttribution>,
    #[serde(default)]
    context: Option<RawContext>,
    #[serde(default)]
    subject: Option<RawSubject>,
    #[serde(default)]
    ecommerce: Option<RawEcommerce>,
    #[serde(default)]
    outbound: Option<RawOutbound>,
}

#[derive(Deserialize, Default)]
struct RawAttribution {
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    utm_term: Option<String>,
    #[serde(rename = "ref")]
    ref_tag: Option<String>,
    affiliate: Option<String>,
    #[serde(default)]
    click_ids: Option<Vec<RawClickId>>,
    referrer_host: Option<String>,
}

#[derive(Deserialize)]
struct RawClickId {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct RawContext {
    path: Option<String>,
    locale: Option<String>,
    time_zone: Option<String>,
    in_app_browser: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawSubject {
    promotion_id: Option<String>,
    popup_id: Option<String>,
    item_list_id: Option<String>,
}

#[derive(Deserialize)]
struct RawEcommerce {
    currency: Option<String>,
    value: Option<i64>,
    coupon: Option<String>,
    transaction_id: Option<String>,
    #[serde(default)]
    items: Option<Vec<RawItem>>,
}

#[derive(Deserialize)]
struct RawItem {
    item_id: String,
    #[serde(default)]
    item_name: Option<String>,
    #[serde(default)]
    price: Option<i64>,
    #[serde(default)]
    quantity: Option<u32>,
}

#[derive(Deserialize)]
struct RawOutbound {
    click_id: Option<String>,
    destination_host: Option<String>,
}

/// Why an event was refused; the text goes back to the sender as `reason`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("not an event object: {0}")]
    Malformed(String),
    #[error("schema version {0} is not supported (this collector reads v{SCHEMA_VERSION})")]
    Version(u32),
    #[error("unknown event name {0:?}")]
    UnknownName(String),
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} has more than {max} entries")]
    TooMany { field: &'static str, max: usize },
    #[error("{field} contains characters not allowed in an id")]
    BadId { field: &'static str },
    #[error("{0}")]
    Rule(&'static str),
    #[error("ecommerce.currency {0:?} is not an ISO 4217 code")]
    Currency(String),
    #[error("{field} is out of range")]
    Range { field: &'static str },
    #[error("{field} must be from {min} to {max}")]
    Bounds { field: &'static str, min: i64, max: i64 },
    #[error("ecommerce.coupon: {0}")]
    Code(CodeProblem),
    #[error(
        "{field} is not an affiliate handle: 1 to {MAX_HANDLE_CHARS} lowercase letters, digits, '.', '_' or '-', \
         starting and ending with a letter or digit"
    )]
    Handle { field: &'static str },
}

/// Reads one element of a batch. `raw` is the element's JSON text.
pub fn parse(raw: &str, received_at: i64) -> Result<Event, (Option<String>, Invalid)> {
    let mut de = serde_json::Deserializer::from_str(raw);
    match serde_path_to_error::deserialize::<_, RawEnvelope>(&mut de) {
        Ok(envelope) => {
            let id = envelope.event_id.clone();
            check(envelope, received_at).map_err(|e| (Some(id).filter(|s| !s.is_empty()), e))
        }
        Err(error) => {
            // Still name the event in the answer when its id is readable.
            let id = serde_json::from_str::<serde_json::Value>(raw)
                .ok()
                .and_then(|v| v.get("event_id").and_then(|id| id.as_str()).map(str::to_owned));
            let path = error.path().to_string();
            let message = error.into_inner().to_string();
            let message = if path == "." { message } else { format!("{path}: {message}") };
            Err((id, Invalid::Malformed(message)))
        }
    }
}

fn check(e: RawEnvelope, received_at: i64) -> Result<Event, Invalid> {
    if e.v != SCHEMA_VERSION {
        return Err(Invalid::Version(e.v));
    }
    let name = EventName::parse(&e.name).ok_or_else(|| Invalid::UnknownName(cut(&e.name, 64)))?.as_str();
    let event_id = id("event_id", e.event_id)?;
    let creator_id = id("creator_id", e.creator_id)?;
    let page_load_id = e.page_load_id.map(|p| id("page_load_id", p)).transpose()?;
    let (event_time, sent_at) = event_time(e.occurred_at, e.sent_at, received_at)?;

    let a = e.attribution.unwrap_or_default();
    let click_ids = a.click_ids.unwrap_or_default();
    if click_ids.len() > MAX_PLATFORM_CLICK_IDS {
        return Err(Invalid::TooMany { field: "attribution.click_ids", max: MAX_PLATFORM_CLICK_IDS });
    }
    let mut platform = form_urlencoded::Serializer::new(String::new());
    for c in &click_ids {
        platform.append_pair(
            &text("attribution.click_ids.name", Some(c.name.clone()), MAX_SHORT_CHARS)?.unwrap_or_default(),
            &text("attribution.click_ids.value", Some(c.value.clone()), MAX_TAG_CHARS)?.unwrap_or_default(),
        );
    }
    let platform = platform.finish();

    let c = e.context.unwrap_or_default();
    let s = e.subject.unwrap_or_default();
    let mut event = Event {
        event_id,
        name,
        creator_id,
        occurred_at: e.occurred_at,
        sent_at,
        received_at,
        event_time,
        page_load_id,
        seq: e.seq,
        utm_source: text("attribution.utm_source", a.utm_source, MAX_TAG_CHARS)?,
        utm_medium: text("attribution.utm_medium", a.utm_medium, MAX_TAG_CHARS)?,
        utm_campaign: text("attribution.utm_campaign", a.utm_campaign, MAX_TAG_CHARS)?,
        utm_content: text("attribution.utm_content", a.utm_content, MAX_TAG_CHARS)?,
        utm_term: text("attribution.utm_term", a.utm_term, MAX_TAG_CHARS)?,
        ref_tag: text("attribution.ref", a.ref_tag, MAX_TAG_CHARS)?,
        affiliate: handle("attribution.affiliate", a.affiliate)?,
        referrer_host: text("attribution.referrer_host", a.referrer_host, MAX_HOST_CHARS)?,
        platform_click_ids: (!platform.is_empty()).then_some(platform),
        path: text("context.path", c.path, MAX_PATH_CHARS)?,
        locale: text("context.locale", c.locale, MAX_SHORT_CHARS)?,
        time_zone: text("context.time_zone", c.time_zone, MAX_SHORT_CHARS)?,
        in_app_browser: text("context.in_app_browser", c.in_app_browser, MAX_SHORT_CHARS)?,
        promotion_id: text("subject.promotion_id", s.promotion_id, MAX_TAG_CHARS)?,
        popup_id: text("subject.popup_id", s.popup_id, MAX_TAG_CHARS)?,
        item_list_id: text("subject.item_list_id", s.item_list_id, MAX_TAG_CHARS)?,
        ..Event::default()
    };
    if let Some(o) = e.outbound {
        event.click_id = text("outbound.click_id", o.click_id, MAX_TAG_CHARS)?;
        event.destination_host = text("outbound.destination_host", o.destination_host, MAX_HOST_CHARS)?;
    }
    if let Some(ec) = e.ecommerce {
        let currency = text("ecommerce.currency", ec.currency, 3)?;
        if ec.value.is_some() && currency.is_none() {
            return Err(Invalid::Rule("ecommerce.value needs ecommerce.currency"));
        }
        if let Some(code) = &currency {
            // The same currencies the config check takes: ISO 4217, and money people pay in.
            if iso_currency::Currency::from_code(code).is_none() || linkshelf_core::limits::is_not_money(code) {
                return Err(Invalid::Currency(code.clone()));
            }
        }
        if ec.value.is_some_and(|v| !(0..=MAX_AMOUNT_MINOR).contains(&v)) {
            return Err(Invalid::Bounds { field: "ecommerce.value", min: 0, max: MAX_AMOUNT_MINOR });
        }
        let items = ec.items.unwrap_or_default();
        if items.len() > MAX_LINES {
            return Err(Invalid::TooMany { field: "ecommerce.items", max: MAX_LINES });
        }
        let mut stored = Vec::with_capacity(items.len());
        for item in items {
            let price = item.price.unwrap_or(0);
            if !(0..=MAX_PRICE_MINOR).contains(&price) {
                return Err(Invalid::Bounds { field: "ecommerce.items.price", min: 0, max: MAX_PRICE_MINOR });
            }
            if price > 0 && currency.is_none() {
                return Err(Invalid::Rule("ecommerce.items.price needs ecommerce.currency"));
            }
            let quantity = item.quantity.unwrap_or(1);
            if !(1..=MAX_QUANTITY).contains(&quantity) {
                let max = i64::from(MAX_QUANTITY);
                return Err(Invalid::Bounds { field: "ecommerce.items.quantity", min: 1, max });
            }
            // The title only names the product in the report: the config puts no bound on
            // a title, so a long one is cut (between characters), never a reason to refuse
            // the event; control characters are dropped.
            let item_name = item.item_name.map(|name| {
                let shown: String = name.chars().filter(|c| !c.is_control()).take(MAX_TAG_CHARS * 2).collect();
                linkshelf_core::limits::cut_at_grapheme(shown.trim(), MAX_TAG_CHARS).to_owned()
            });
            let item_name = item_name.filter(|n| !n.is_empty());
            stored.push(StoredItem {
                item_id: id("ecommerce.items.item_id", item.item_id)?,
                item_name,
                price,
                quantity,
            });
        }
        event.currency = currency;
        event.value = ec.value;
        // The storefront only sends codes its config check accepted: the same rule here.
        // An empty code is no code (as for every optional text).
        event.coupon = ec.coupon.filter(|c| !c.is_empty());
        if let Some(problem) = event.coupon.as_deref().and_then(limits::code_problem) {
            return Err(Invalid::Code(problem));
        }
        event.transaction_id = text("ecommerce.transaction_id", ec.transaction_id, MAX_TAG_CHARS)?;
        event.items = (!stored.is_empty()).then(|| serde_json::to_string(&stored).unwrap_or_default());
    }
    // A thank-you page may not know the amount; the sale still counts (GA4's rule too:
    // only the transaction id is required). Its revenue counts when value is there.
    if name == "purchase" && event.transaction_id.is_none() {
        return Err(Invalid::Rule("a purchase needs ecommerce.transaction_id"));
    }
    Ok(event)
}

/// When the event happened by the server's clock. The device's clock may be wrong by
/// any amount, but it is wrong by the same amount at `occurred_at` and at `sent_at`,
/// so their difference (how long the event waited) is right: subtract it from the
/// moment the batch arrived. Returns that time and the `sent_at` used.
pub fn event_time(occurred_at: i64, sent_at: Option<i64>, received_at: i64) -> Result<(i64, Option<i64>), Invalid> {
    const MAX_MS: i64 = 1 << 53; // what a JavaScript number holds exactly
    if !(0..MAX_MS).contains(&occurred_at) {
        return Err(Invalid::Range { field: "occurred_at" });
    }
    match sent_at {
        Some(sent) => {
            if !(0..MAX_MS).contains(&sent) {
                return Err(Invalid::Range { field: "sent_at" });
            }
            let waited = sent - occurred_at;
            if waited < -MAX_BACKWARD_STEP_MS {
                return Err(Invalid::Rule("sent_at is before occurred_at"));
            }
            if waited > MAX_AGE_MS {
                return Err(Invalid::Rule("the event waited more than 8 days to be sent"));
            }
            Ok((received_at - waited.max(0), Some(sent)))
        }
        None => {
            if occurred_at > received_at + MAX_FUTURE_MS || occurred_at < received_at - MAX_AGE_MS {
                return Err(Invalid::Rule(
                    "occurred_at is far from the server's time and there is no sent_at to correct it",
                ));
            }
            Ok((occurred_at.min(received_at), None))
        }
    }
}

/// An id: required, short, printable ASCII without spaces.
fn id(field: &'static str, value: String) -> Result<String, Invalid> {
    if value.is_empty() {
        return Err(Invalid::Empty { field });
    }
    if value.chars().count() > MAX_ID_CHARS {
        return Err(Invalid::TooLong { field, max: MAX_ID_CHARS });
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Invalid::BadId { field });
    }
    Ok(value)
}

/// Optional free text: no control characters, at most `max` characters; empty is none.
fn text(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(value) = value else { return Ok(None) };
    if value.chars().count() > max {
        return Err(Invalid::TooLong { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::Rule("text fields must not contain control characters"));
    }
    Ok((!value.is_empty()).then_some(value))
}

/// An optional affiliate handle: the storefront keeps only handles `limits::is_handle`
/// accepts, so anything else is a sender's bug, refused rather than credited to a name no
/// brand gave out. Empty is none, as for every optional text.
fn handle(field: &'static str, value: Option<String>) -> Result<Option<String>, Invalid> {
    match value.filter(|h| !h.is_empty()) {
        Some(h) if !limits::is_handle(&h) => Err(Invalid::Handle { field }),
        kept => Ok(kept),
    }
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
