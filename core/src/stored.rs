//! Everything Linkshelf keeps on a shopper's device, in one place: the storage keys,
//! the text formats, and the one version rule they follow.
//!
//! Plain text rather than JSON, so the bundle needs no JSON parser.
//!
//! **The version rule.** A versioned format writes its version as its first field
//! (`1;…` for the cart, `1<tab>…` for the checkout record), and a reader that does not
//! know the version reads the value as absent. The formats that predate the rule (the
//! outbox, the attribution, the lease, the sent purchases) are version 0: a change to
//! one of them adds a leading version field that cannot be read as their first field
//! (an event id, a query string, a tab id, an order id), and its reader keeps reading
//! version 0, so nothing a shopper's device already holds (above all, unsent events) is
//! lost by an update.
//!
//! **Hostile input.** Storage can be edited by the shopper or an extension, or written
//! by another version of the page. Every reader takes any text, keeps what it can read
//! and never panics (a property test feeds them arbitrary text).

use crate::attribution::{self, Attribution};
use crate::cart::{Cart, CartLine, MAX_LINES, MAX_QUANTITY};
use crate::delivery::{Outbox, Queued};
use crate::events::{CheckoutRecord, Ecommerce, EventName, Item, Outbound};
use crate::model::Storefront;

/// The visit's attribution (session storage): [`Attribution::to_stored`].
pub const ATTRIBUTION_KEY: &str = "linkshelf:attribution";
/// Which tab delivers the stored outboxes now: [`Lease`].
pub const LEASE_KEY: &str = "linkshelf:lease";
/// The last checkout handoff, for the return page: [`CheckoutRecord::encode`].
pub const CHECKOUT_KEY: &str = "linkshelf:checkout";
/// Order ids whose `purchase` this device already sent, newest last: [`add_purchase`].
pub const PURCHASES_KEY: &str = "linkshelf:purchases";
/// How many sent order ids are kept.
pub const PURCHASES_KEPT: usize = 20;
/// The cart: [`Cart::encode`].
pub const CART_KEY: &str = "linkshelf:cart";

/// One sink's stored outbox: [`encode_outbox`].
pub fn outbox_key(endpoint: &str) -> String {
    format!("linkshelf:outbox:{endpoint}")
}

// ---- The outbox (version 0): one queued event per line, fields separated by tabs,
// the queued item (JSON, which escapes tabs and newlines) last.

pub fn encode_outbox(outbox: &Outbox) -> String {
    outbox
        .events
        .iter()
        .map(|q| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                q.event_id,
                q.name.as_str(),
                q.queued_at,
                q.attempts,
                q.not_before,
                q.json
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Damaged lines are skipped rather than crashing the page.
pub fn decode_outbox(text: &str) -> Outbox {
    let events = text
        .lines()
        .filter_map(|line| {
            let mut f = line.splitn(6, '\t');
            Some(Queued {
                event_id: f.next()?.to_owned(),
                name: EventName::parse(f.next()?)?,
                queued_at: f.next()?.parse().ok()?,
                attempts: f.next()?.parse().ok()?,
                not_before: f.next()?.parse().ok()?,
                json: f.next()?.to_owned(),
            })
        })
        .collect();
    Outbox { events }
}

// ---- The lease (version 0): `<tab id> <until, Unix ms>`.

/// One tab at a time delivers the stored outboxes; its lease runs out unless renewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub tab: String,
    pub until: i64,
}

impl Lease {
    pub fn encode(&self) -> String {
        format!("{} {}", self.tab, self.until)
    }

    pub fn decode(text: &str) -> Option<Lease> {
        let (tab, until) = text.split_once(' ')?;
        Some(Lease { tab: tab.to_owned(), until: until.parse().ok()? })
    }

    /// Whether `tab` may deliver at `now` with `stored` in storage: nobody holds the
    /// lease, `tab` does, it ran out, or the stored value is unreadable.
    pub fn is_free(stored: Option<&str>, tab: &str, now: i64) -> bool {
        stored.and_then(Lease::decode).is_none_or(|lease| lease.tab == tab || lease.until < now)
    }
}

// ---- Sent purchases (version 0): one order id per line, newest last.

/// Whether `order_id` is among the stored sent purchases.
pub fn purchase_sent(stored: &str, order_id: &str) -> bool {
    stored.lines().any(|id| id == order_id)
}

/// The stored list with `order_id` added, keeping the newest [`PURCHASES_KEPT`].
pub fn add_purchase(stored: &str, order_id: &str) -> String {
    let mut ids: Vec<&str> = stored.lines().collect();
    ids.push(order_id);
    let keep = ids.len().saturating_sub(PURCHASES_KEPT);
    ids[keep..].join("\n")
}

/// A handoff older than this is not joined to a return (the shopper came back
/// another way).
pub const CHECKOUT_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What the shop's return page does with an order id, from what the device holds.
#[derive(Clone, Debug, PartialEq)]
pub enum PurchaseJoin {
    /// This device already reported this order (a reload, or back).
    AlreadySent,
    /// No checkout on this device to join it to, or one older than [`CHECKOUT_TTL_MS`]:
    /// nothing is sent; the shop's webhook reports the order.
    NotJoined,
    /// Send one `purchase` with this checkout (its ecommerce now carries the order id),
    /// then store `purchases` and forget the checkout.
    Send { checkout: Box<CheckoutRecord>, purchases: String },
}

/// The purchase-once rule: one `purchase` per order per device, joined to the last
/// checkout handoff so it reports the campaign and click that led to it. `sent` is the
/// stored purchases text, `checkout` the stored checkout record.
pub fn join_purchase(sent: &str, checkout: Option<&str>, order_id: &str, now: i64) -> PurchaseJoin {
    if purchase_sent(sent, order_id) {
        return PurchaseJoin::AlreadySent;
    }
    let checkout =
        checkout.and_then(CheckoutRecord::decode).filter(|r| now.saturating_sub(r.occurred_at) < CHECKOUT_TTL_MS);
    let Some(mut checkout) = checkout else { return PurchaseJoin::NotJoined };
    checkout.ecommerce.transaction_id = Some(order_id.to_owned());
    PurchaseJoin::Send { checkout: Box::new(checkout), purchases: add_purchase(sent, order_id) }
}

// ---- The attribution (version 0): the landing query, a newline, the referrer URL.

impl Attribution {
    /// Two lines for device storage: the landing query, and the referrer as a URL.
    pub fn to_stored(&self) -> String {
        let referrer = self.referrer_host.as_ref().map(|h| format!("https://{h}/")).unwrap_or_default();
        format!("{}\n{referrer}", self.to_query())
    }

    /// Reads [`Attribution::to_stored`]'s two lines.
    pub fn from_stored(query: &str, referrer: &str) -> Attribution {
        attribution::from_landing(query, referrer)
    }

    /// Reads [`Attribution::to_stored`]'s text; `None` if it is not two lines.
    pub fn read_stored(text: &str) -> Option<Attribution> {
        text.split_once('\n').map(|(query, referrer)| Attribution::from_stored(query, referrer))
    }
}

// ---- The cart (version 1).

impl Cart {
    /// The cart as kept in storage: `1;<code id>;<product>:<qty>,…` (ids never hold
    /// `;`, `:` or `,`).
    pub fn encode(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(|l| format!("{}:{}", l.product_id, l.quantity)).collect();
        format!("1;{};{}", self.code.as_deref().unwrap_or_default(), lines.join(","))
    }

    /// Reads [`Cart::encode`]'s text against the page's data: lines for products that
    /// can no longer share this cart are dropped, and anything unreadable is an empty
    /// cart (never an error for the shopper). A line whose product the page does not
    /// carry (each page carries only what it shows, `crate::page_data`) is kept as it
    /// is, *pending* ([`Cart::pending`]): the page fetches that product and reads the
    /// cart again with it, or drops the line ([`Cart::set_quantity`] 0) if the product
    /// left the shop. Only well-formed ids are kept, since they name the file fetched.
    ///
    /// The applied code is kept in the same way when the page does not list it: it may
    /// be an affiliate's, known once their part arrives (`page_data::affiliate_file`).
    /// Until the page knows it, it applies to nothing and shows nowhere
    /// ([`Cart::applied_code`]), like a code removed from the shop.
    pub fn decode(text: &str, store: &Storefront) -> Cart {
        let mut parts = text.splitn(3, ';');
        if parts.next() != Some("1") {
            return Cart::default();
        }
        let code = parts.next().filter(|c| !c.is_empty()).map(str::to_owned);
        let mut cart = Cart { lines: Vec::new(), code };
        for pair in parts.next().unwrap_or_default().split(',') {
            let Some((id, quantity)) = pair.split_once(':') else { continue };
            let Ok(quantity) = quantity.parse::<u32>() else { continue };
            // Checked with the shop rules only: a line already in the cart stays even
            // if it sold out since (the cart shows it as such).
            let joins = match store.product(id) {
                Some(product) => {
                    product.checkout.cart_shop().is_some()
                        && cart.shop(store).is_none_or(|shop| Some(shop) == product.checkout.cart_shop())
                        && cart
                            .products(store)
                            .next()
                            .is_none_or(|(first, _)| first.price.currency == product.price.currency)
                }
                None => crate::limits::is_id(id),
            };
            if joins && quantity > 0 && cart.quantity(id) == 0 && cart.lines.len() < MAX_LINES {
                cart.lines.push(CartLine { product_id: id.to_owned(), quantity: quantity.min(MAX_QUANTITY) });
            }
        }
        cart
    }
}

// ---- The checkout record (version 1).

/// Tabs and line breaks would split a stored field.
fn field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

impl CheckoutRecord {
    pub fn encode(&self) -> String {
        let e = &self.ecommerce;
        let mut out = format!(
            "1\t{}\t{}\t{}\t{}\t{}\t{}\n{}",
            self.occurred_at,
            field(&self.outbound.click_id),
            field(&self.outbound.destination_host),
            field(&e.currency),
            e.value,
            field(e.coupon.as_deref().unwrap_or_default()),
            self.attribution.to_stored(),
        );
        for i in &e.items {
            out.push_str(&format!("\n{}\t{}\t{}\t{}", field(&i.item_id), i.price, i.quantity, field(&i.item_name)));
        }
        out
    }

    /// `None` for anything damaged or from another format.
    pub fn decode(text: &str) -> Option<CheckoutRecord> {
        let mut lines = text.split('\n');
        let mut head = lines.next()?.split('\t');
        if head.next()? != "1" {
            return None;
        }
        let occurred_at = head.next()?.parse().ok()?;
        let click_id = head.next()?.to_owned();
        let destination_host = head.next()?.to_owned();
        let currency = head.next()?.to_owned();
        let value = head.next()?.parse().ok()?;
        let coupon = head.next().filter(|c| !c.is_empty()).map(str::to_owned);
        let attribution = Attribution::from_stored(lines.next()?, lines.next()?);
        let items = lines
            .enumerate()
            .map(|(index, line)| {
                let mut f = line.splitn(4, '\t');
                Some(Item {
                    item_id: f.next()?.to_owned(),
                    price: f.next()?.parse().ok()?,
                    quantity: f.next()?.parse().ok()?,
                    item_name: f.next()?.to_owned(),
                    index: index as u32,
                    item_list_id: None,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CheckoutRecord {
            occurred_at,
            attribution,
            ecommerce: Ecommerce { currency, value, coupon, transaction_id: None, items },
            outbound: Outbound { click_id, destination_host },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stored_outbox_round_trips_and_skips_damage() {
        let outbox = Outbox {
            events: vec![Queued {
                event_id: "e1".into(),
                name: EventName::SelectPromotion,
                json: r#"{"a":"tab\tand\nnewline"}"#.into(),
                queued_at: 5,
                attempts: 2,
                not_before: 9,
            }],
        };
        let text = encode_outbox(&outbox);
        assert_eq!(decode_outbox(&text), outbox);
        let damaged = format!("{text}\ngarbage\ne2\tnot_a_name\t1\t0\t1\t{{}}");
        assert_eq!(decode_outbox(&damaged), outbox);
        assert_eq!(decode_outbox(""), Outbox::default());
    }

    #[test]
    fn the_lease_is_free_when_absent_ours_expired_or_unreadable() {
        let lease = Lease { tab: "tab-a".into(), until: 1_000 };
        assert_eq!(Lease::decode(&lease.encode()), Some(lease.clone()));
        let stored = lease.encode();
        assert!(Lease::is_free(None, "tab-b", 500));
        assert!(Lease::is_free(Some(&stored), "tab-a", 500), "ours");
        assert!(!Lease::is_free(Some(&stored), "tab-b", 500), "another tab's, running");
        assert!(Lease::is_free(Some(&stored), "tab-b", 1_001), "ran out");
        assert!(Lease::is_free(Some("garbage"), "tab-b", 500));
        assert!(Lease::is_free(Some("tab-a soon"), "tab-b", 500));
    }

    #[test]
    fn sent_purchases_keep_the_newest() {
        let mut stored = String::new();
        for i in 0..PURCHASES_KEPT + 5 {
            stored = add_purchase(&stored, &format!("order-{i}"));
        }
        assert_eq!(stored.lines().count(), PURCHASES_KEPT);
        assert!(!purchase_sent(&stored, "order-0"), "the oldest are dropped");
        assert!(purchase_sent(&stored, &format!("order-{}", PURCHASES_KEPT + 4)));
        assert!(!purchase_sent(&stored, "order-1 "), "whole ids only");
    }

    #[test]
    fn a_return_sends_one_purchase_per_order_joined_to_a_fresh_checkout() {
        let record = CheckoutRecord {
            occurred_at: 1_000,
            attribution: attribution::from_landing("utm_source=tiktok", ""),
            ecommerce: Ecommerce {
                currency: "EUR".into(),
                value: 5440,
                coupon: Some("JUNO15".into()),
                transaction_id: None,
                items: vec![Item {
                    item_id: "mug".into(),
                    item_name: "Mug".into(),
                    price: 3200,
                    quantity: 2,
                    index: 0,
                    item_list_id: None,
                }],
            },
            outbound: Outbound { click_id: "c-1".into(), destination_host: "shop.example".into() },
        };
        let stored = record.encode();
        let PurchaseJoin::Send { checkout, purchases } = join_purchase("", Some(&stored), "1001", 2_000) else {
            panic!("a fresh checkout joins")
        };
        assert_eq!(checkout.ecommerce.transaction_id.as_deref(), Some("1001"));
        assert_eq!(
            (checkout.outbound.click_id.as_str(), checkout.attribution.utm_source.as_deref()),
            ("c-1", Some("tiktok"))
        );
        // The same order again (a reload): never twice, even with the checkout still there.
        assert_eq!(join_purchase(&purchases, Some(&stored), "1001", 3_000), PurchaseJoin::AlreadySent);
        // Another order with no checkout left, an old checkout, or a damaged one: not joined.
        assert_eq!(join_purchase(&purchases, None, "1002", 3_000), PurchaseJoin::NotJoined);
        assert_eq!(join_purchase("", Some(&stored), "1002", 1_000 + CHECKOUT_TTL_MS), PurchaseJoin::NotJoined);
        assert_eq!(join_purchase("", Some("1\tgarbage"), "1002", 2_000), PurchaseJoin::NotJoined);
    }

    #[test]
    fn stored_attribution_reads_back() {
        let a = attribution::from_landing("utm_source=tiktok&ttclid=abc", "https://www.tiktok.com/@juno");
        assert_eq!(Attribution::read_stored(&a.to_stored()), Some(a));
        assert_eq!(Attribution::read_stored("no newline"), None);
    }

    proptest! {
        /// Storage can hold anything: every reader keeps what it can and never panics.
        #[test]
        fn readers_take_any_text(text in "(?s).{0,300}", tab in "[a-z-]{0,8}", now in any::<i64>()) {
            let outbox = decode_outbox(&text);
            prop_assert_eq!(decode_outbox(&encode_outbox(&outbox)), outbox);
            let _ = Lease::decode(&text);
            let _ = Lease::is_free(Some(&text), &tab, now);
            let _ = purchase_sent(&text, &tab);
            prop_assert!(add_purchase(&text, "x").lines().count() <= PURCHASES_KEPT);
            let _ = Attribution::read_stored(&text);
            let _ = CheckoutRecord::decode(&text);
            let _ = CheckoutRecord::decode(&format!("1\t{text}"));
        }
    }
}
