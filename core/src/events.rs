//! The tracking event envelope: one shape for every event, named as GA4 names them.
//!
//! Serialised with `miniserde` (JSON with a fraction of serde_json's code size, which
//! matters in the WASM bundle). Times are milliseconds since the Unix epoch, UTC, as
//! `Date.now()` gives them; a backend corrects a wrong device clock with
//! `received_at − (sent_at − occurred_at)`. Nothing personal is ever put in an event:
//! no IP, no user agent string, no stored visitor id in strict privacy mode.

use crate::attribution::Attribution;
use crate::json::JsonObject;
use crate::model::UtcMillis;

/// Bumped when the envelope changes shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub enum EventName {
    #[cfg_attr(test, serde(rename = "page_view"))]
    PageView,
    #[cfg_attr(test, serde(rename = "view_item_list"))]
    ViewItemList,
    #[cfg_attr(test, serde(rename = "select_item"))]
    SelectItem,
    #[cfg_attr(test, serde(rename = "view_promotion"))]
    ViewPromotion,
    #[cfg_attr(test, serde(rename = "select_promotion"))]
    SelectPromotion,
    #[cfg_attr(test, serde(rename = "add_to_cart"))]
    AddToCart,
    #[cfg_attr(test, serde(rename = "remove_from_cart"))]
    RemoveFromCart,
    #[cfg_attr(test, serde(rename = "begin_checkout"))]
    BeginCheckout,
    #[cfg_attr(test, serde(rename = "add_to_calendar"))]
    AddToCalendar,
    #[cfg_attr(test, serde(rename = "select_event"))]
    SelectEvent,
    #[cfg_attr(test, serde(rename = "outbound_click"))]
    OutboundClick,
    #[cfg_attr(test, serde(rename = "purchase"))]
    Purchase,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::PageView => "page_view",
            EventName::ViewItemList => "view_item_list",
            EventName::SelectItem => "select_item",
            EventName::ViewPromotion => "view_promotion",
            EventName::SelectPromotion => "select_promotion",
            EventName::AddToCart => "add_to_cart",
            EventName::RemoveFromCart => "remove_from_cart",
            EventName::BeginCheckout => "begin_checkout",
            EventName::AddToCalendar => "add_to_calendar",
            EventName::SelectEvent => "select_event",
            EventName::OutboundClick => "outbound_click",
            EventName::Purchase => "purchase",
        }
    }

    /// Every event the storefront sends, so a backend (the collector) accepts exactly
    /// these names and learns a new one when it is added here.
    pub const ALL: [EventName; 12] = [
        EventName::PageView,
        EventName::ViewItemList,
        EventName::SelectItem,
        EventName::ViewPromotion,
        EventName::SelectPromotion,
        EventName::AddToCart,
        EventName::RemoveFromCart,
        EventName::BeginCheckout,
        EventName::AddToCalendar,
        EventName::SelectEvent,
        EventName::OutboundClick,
        EventName::Purchase,
    ];

    /// Reads a name as [`EventName::as_str`] writes it.
    pub fn parse(name: &str) -> Option<EventName> {
        EventName::ALL.into_iter().find(|n| n.as_str() == name)
    }

    /// Events sent at once rather than after the debounce: the shopper is about to
    /// leave the page.
    pub fn is_urgent(self) -> bool {
        matches!(
            self,
            EventName::SelectItem | EventName::BeginCheckout | EventName::OutboundClick | EventName::Purchase
        )
    }
}

impl Context {
    fn to_json(&self) -> String {
        let mut o = JsonObject::new();
        o.string("path", &self.path)
            .string("locale", &self.locale)
            .string("time_zone", &self.time_zone)
            .string("in_app_browser", self.in_app_browser.as_str());
        o.finish()
    }
}

impl Subject {
    fn to_json(&self) -> String {
        let mut o = JsonObject::new();
        o.optional("promotion_id", &self.promotion_id);
        o.optional("popup_id", &self.popup_id);
        o.optional("item_list_id", &self.item_list_id);
        o.finish()
    }
}

impl Ecommerce {
    fn to_json(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| {
                let mut o = JsonObject::new();
                o.string("item_id", &i.item_id)
                    .string("item_name", &i.item_name)
                    .raw("price", &i.price.to_string())
                    .raw("quantity", &i.quantity.to_string())
                    .raw("index", &i.index.to_string());
                o.optional("item_list_id", &i.item_list_id);
                o.finish()
            })
            .collect();
        let mut o = JsonObject::new();
        o.string("currency", &self.currency).raw("value", &self.value.to_string());
        o.optional("coupon", &self.coupon);
        o.optional("transaction_id", &self.transaction_id);
        o.raw("items", &format!("[{}]", items.join(",")));
        o.finish()
    }
}

impl Outbound {
    fn to_json(&self) -> String {
        let mut o = JsonObject::new();
        o.string("click_id", &self.click_id).string("destination_host", &self.destination_host);
        o.finish()
    }
}

/// Which in-app browser the page runs in, if any: they block downloads and sometimes
/// the clipboard, and their beacons are the least reliable.
pub use crate::in_app::{InAppBrowser, IN_APP_BROWSERS};

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Context {
    pub path: String,
    pub locale: String,
    pub time_zone: String,
    pub in_app_browser: InAppBrowser,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Item {
    pub item_id: String,
    pub item_name: String,
    /// Minor units of the ecommerce currency.
    pub price: i64,
    pub quantity: u32,
    pub index: u32,
    pub item_list_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Ecommerce {
    /// ISO 4217; always present when `value` is.
    pub currency: String,
    /// Minor units.
    pub value: i64,
    pub coupon: Option<String>,
    pub transaction_id: Option<String>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Outbound {
    /// Fresh for every click; also written into the outgoing URL so the order can be
    /// joined back to this click.
    pub click_id: String,
    pub destination_host: String,
}

/// Details that only some events have (a promotion's code, a pop-up's id).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Subject {
    pub promotion_id: Option<String>,
    pub popup_id: Option<String>,
    pub item_list_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(miniserde::Serialize, miniserde::Deserialize))]
pub struct Envelope {
    pub v: u32,
    /// UUIDv7: made once, reused on every retry, so backends can dedup.
    pub event_id: String,
    pub name: EventName,
    pub occurred_at: UtcMillis,
    /// Set on each delivery attempt.
    pub sent_at: Option<UtcMillis>,
    /// Random per page load (not stored), to group one visit's events.
    pub page_load_id: String,
    /// Order within the page load, from 0.
    pub seq: u32,
    pub creator_id: String,
    pub attribution: Attribution,
    pub context: Context,
    pub subject: Subject,
    pub ecommerce: Option<Ecommerce>,
    pub outbound: Option<Outbound>,
}

impl Envelope {
    /// The envelope as JSON, fields in declaration order (`sent_at` before any free
    /// text, which `sinks::with_sent_at` relies on). Written with the small ordered
    /// writer rather than miniserde's derive, which cost more in the WASM bundle; the
    /// tests read it back with the derive to prove the two agree.
    pub fn to_json(&self) -> String {
        let mut o = JsonObject::new();
        o.raw("v", &self.v.to_string())
            .string("event_id", &self.event_id)
            .string("name", self.name.as_str())
            .raw("occurred_at", &self.occurred_at.to_string())
            .raw("sent_at", &self.sent_at.map_or("null".to_owned(), |t| t.to_string()))
            .string("page_load_id", &self.page_load_id)
            .raw("seq", &self.seq.to_string())
            .string("creator_id", &self.creator_id)
            .raw("attribution", &self.attribution.to_json())
            .raw("context", &self.context.to_json())
            .raw("subject", &self.subject.to_json())
            .raw("ecommerce", &self.ecommerce.as_ref().map_or("null".to_owned(), Ecommerce::to_json))
            .raw("outbound", &self.outbound.as_ref().map_or("null".to_owned(), Outbound::to_json));
        o.finish()
    }

    /// Reads an envelope back with miniserde's derive: the test oracle for `to_json`.
    #[cfg(test)]
    pub fn from_json(text: &str) -> Option<Envelope> {
        miniserde::json::from_str(text).ok()
    }
}

/// The last checkout handoff, kept on the device (standard privacy only) so the
/// shop's return page can report the purchase with the same click id, items and
/// campaign. Stored as tab-separated lines rather than JSON: reading JSON back would
/// add a deserializer to the WASM bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckoutRecord {
    pub occurred_at: UtcMillis,
    pub attribution: Attribution,
    pub ecommerce: Ecommerce,
    pub outbound: Outbound,
}

/// A UUIDv7 (RFC 9562) from a millisecond timestamp and 10 random bytes. The caller
/// supplies the randomness (the browser's `crypto.getRandomValues`), which keeps a
/// random-number crate out of the bundle and makes this testable.
pub fn uuid_v7(millis: UtcMillis, random: &[u8; 10]) -> String {
    uuid::Builder::from_unix_timestamp_millis(millis.max(0) as u64, random).into_uuid().to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::attribution::ClickId;

    /// A realistic `begin_checkout`, shared by the adapters' tests.
    pub(crate) fn sample() -> Envelope {
        Envelope {
            v: SCHEMA_VERSION,
            event_id: uuid_v7(1_795_804_200_000, &[7; 10]),
            name: EventName::BeginCheckout,
            occurred_at: 1_795_804_200_000,
            sent_at: None,
            page_load_id: "pl-1".into(),
            seq: 3,
            creator_id: "juno-park".into(),
            attribution: Attribution {
                utm_source: Some("tiktok".into()),
                click_ids: vec![ClickId { name: "ttclid".into(), value: "abc".into() }],
                ..<Attribution as Default>::default()
            },
            context: Context {
                path: "/p/speckled-mug/".into(),
                locale: "en-GB".into(),
                time_zone: "Europe/London".into(),
                in_app_browser: InAppBrowser::Tiktok,
            },
            subject: <Subject as Default>::default(),
            ecommerce: Some(Ecommerce {
                currency: "EUR".into(),
                value: 3200,
                coupon: Some("JUNO15".into()),
                transaction_id: None,
                items: vec![Item {
                    item_id: "speckled-mug".into(),
                    item_name: "Speckled \"stoneware\" mug ☕".into(),
                    price: 3200,
                    quantity: 1,
                    index: 0,
                    item_list_id: Some("kitchen".into()),
                }],
            }),
            outbound: Some(Outbound { click_id: "c-1".into(), destination_host: "fable-studio.example".into() }),
        }
    }

    #[test]
    fn serialises_with_ga4_names_and_round_trips() {
        let event = sample();
        let json = event.to_json();
        assert!(json.contains(r#""name":"begin_checkout""#), "{json}");
        assert!(json.contains(r#""ref":null"#), "{json}");
        assert!(json.contains(r#""in_app_browser":"tiktok""#), "{json}");
        assert!(json.contains(r#"Speckled \"stoneware\" mug ☕"#), "{json}");
        assert_eq!(Envelope::from_json(&json), Some(event.clone()));
        assert_eq!(Envelope::from_json("{not json"), None);
        // The hand-ordered writer and miniserde's derive produce the same document.
        assert_eq!(json, miniserde::json::to_string(&event));
        let mut bare = event;
        bare.ecommerce = None;
        bare.outbound = None;
        bare.sent_at = Some(5);
        assert_eq!(bare.to_json(), miniserde::json::to_string(&bare));
    }

    #[test]
    fn uuid_v7_is_time_ordered_and_versioned() {
        let a = uuid_v7(1_000, &[0; 10]);
        let b = uuid_v7(2_000, &[0; 10]);
        assert!(a < b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "7", "{a}");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_ne!(uuid_v7(1_000, &[1; 10]), uuid_v7(1_000, &[2; 10]));
    }

    #[test]
    fn names_round_trip() {
        for name in [
            EventName::PageView,
            EventName::Purchase,
            EventName::SelectEvent,
            EventName::AddToCalendar,
            EventName::AddToCart,
            EventName::RemoveFromCart,
        ] {
            assert_eq!(EventName::parse(name.as_str()), Some(name));
            assert_eq!(miniserde::json::to_string(&name), format!("\"{}\"", name.as_str()));
        }
        assert_eq!(EventName::parse("nope"), None);
        for name in EventName::ALL {
            assert_eq!(EventName::parse(name.as_str()), Some(name), "every name in ALL reads back");
        }
        let mut names: Vec<&str> = EventName::ALL.iter().map(|n| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventName::ALL.len(), "no name twice");
    }

    #[test]
    fn checkout_records_round_trip_and_refuse_damage() {
        let sample = sample();
        let record = CheckoutRecord {
            occurred_at: sample.occurred_at,
            attribution: Attribution { referrer_host: Some("www.tiktok.com".into()), ..sample.attribution.clone() },
            ecommerce: Ecommerce { coupon: Some("A\tB".into()), ..sample.ecommerce.clone().expect("ecommerce") },
            outbound: Outbound { click_id: "c1".into(), destination_host: "fable.example".into() },
        };
        let text = record.encode();
        let back = CheckoutRecord::decode(&text).expect("decodes");
        assert_eq!(back.ecommerce.coupon.as_deref(), Some("A B"), "a tab cannot split a field");
        // The list an item was picked from is the begin_checkout's business, not kept.
        let mut expected = record.clone();
        expected.ecommerce.coupon = Some("A B".into());
        expected.ecommerce.items.iter_mut().for_each(|i| i.item_list_id = None);
        assert_eq!(back, expected);
        assert_eq!(CheckoutRecord::decode(""), None);
        assert_eq!(CheckoutRecord::decode(&text.replacen('1', "2", 1)), None);
        assert_eq!(CheckoutRecord::decode(&format!("{text}\nbroken")), None);
        assert_eq!(CheckoutRecord::decode(&text[..text.len() / 3]), None);
    }

    #[test]
    fn urgent_events_are_the_ones_before_leaving() {
        assert!(EventName::BeginCheckout.is_urgent());
        assert!(EventName::SelectItem.is_urgent());
        assert!(EventName::Purchase.is_urgent(), "the return page may be closed at once");
        assert!(!EventName::PageView.is_urgent());
        assert!(!EventName::AddToCart.is_urgent());
    }
}
