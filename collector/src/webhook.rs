//! Verified purchases: Stripe's and Shopify's webhooks.
//!
//! A purchase reported by the shop's own server is the one a creator can trust (the
//! browser's `purchase` from a thank-you page can be missed, reloaded or faked). Both
//! providers sign the raw body with a shared secret; the signature is checked before
//! the body is even parsed, and a bad one stores nothing.
//!
//! - Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=…]`, where v1 is
//!   HMAC-SHA256 of `"{t}.{raw body}"` keyed with the endpoint secret (`whsec_…`, used
//!   as-is); a timestamp outside the tolerance is refused (replay protection).
//! - Shopify: `X-Shopify-Hmac-Sha256: <base64>` of HMAC-SHA256 of the raw body keyed
//!   with the app's client secret.
//! - Lemon Squeezy: `X-Signature: <hex>` of HMAC-SHA256 of the raw body keyed with the
//!   webhook's signing secret.
//!
//! Comparison is constant-time (`hmac`'s `verify_slice`).

use base64::Engine;
use hmac::{Hmac, Mac};
use linkshelf_core::limits::{self, MAX_AMOUNT_MINOR};
use linkshelf_core::money::Money;
use serde::Deserialize;
use sha2::Sha256;
use std::collections::HashMap;

type HmacSha256 = Hmac<Sha256>;

/// Stripe's own default tolerance.
pub const STRIPE_TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the {0} s tolerance")]
    Stale(i64),
    #[error("the signature does not match")]
    Mismatch,
}

/// Checks a `Stripe-Signature` header against the raw body at `now` (Unix seconds).
pub fn verify_stripe(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(hex::decode(sig).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // Check the signature before the time, so a forged header learns nothing either way.
    if !signatures.iter().any(|sig| mac.clone().verify_slice(sig).is_ok()) {
        return Err(SignatureError::Mismatch);
    }
    if (now - timestamp).abs() > tolerance {
        return Err(SignatureError::Stale(tolerance));
    }
    Ok(())
}

/// Checks an `X-Shopify-Hmac-Sha256` header (base64) against the raw body.
pub fn verify_shopify(header: Option<&str>, body: &[u8], secret: &str) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let sig = base64::engine::general_purpose::STANDARD.decode(header.trim());
    verify_body(&sig.map_err(|_| SignatureError::Malformed)?, body, secret)
}

/// Checks a Lemon Squeezy `X-Signature` header (hex) against the raw body.
pub fn verify_lemonsqueezy(header: Option<&str>, body: &[u8], secret: &str) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    verify_body(&hex::decode(header.trim()).map_err(|_| SignatureError::Malformed)?, body, secret)
}

/// `sig` must be HMAC-SHA256 of the body alone, keyed with the secret.
fn verify_body(sig: &[u8], body: &[u8], secret: &str) -> Result<(), SignatureError> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(sig).map_err(|_| SignatureError::Mismatch)
}

/// A paid order from a shop, as stored. Money in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub provider: &'static str,
    /// Stripe: the Checkout Session id (what `{CHECKOUT_SESSION_ID}` puts on the
    /// return page); Shopify: the order id. Also the transaction id.
    pub order_id: String,
    pub creator_id: Option<String>,
    pub created_at: i64,
    pub received_at: i64,
    pub currency: String,
    pub value: i64,
    pub click_id: Option<String>,
    pub coupon: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    /// Stripe's PaymentIntent id: refunds name it, not the session.
    pub payment_ref: Option<String>,
    /// The affiliate the shop sent back (see [`affiliate_sent`]): the first rule of crediting
    /// an order (`stats` module).
    pub affiliate: Option<String>,
}

/// Money given back on an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub provider: &'static str,
    pub refund_id: String,
    /// Shopify: the order id; Stripe: the PaymentIntent id.
    pub order_ref: String,
    pub currency: String,
    pub amount: RefundAmount,
    pub created_at: i64,
    pub received_at: i64,
}

/// An amount of money given back, in minor units: from 1 to [`MAX_AMOUNT_MINOR`]. Its
/// own type so a refund can never carry a zero, negative or impossible amount into the
/// store (where it would be subtracted from, or overflow, a creator's revenue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RefundAmount(i64);

impl RefundAmount {
    pub fn new(minor: i64) -> Result<RefundAmount, PayloadError> {
        if (1..=MAX_AMOUNT_MINOR).contains(&minor) {
            Ok(RefundAmount(minor))
        } else {
            Err(PayloadError::Amount { field: "refund amount", min: 1, value: i128::from(minor) })
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// An order total in minor units: from 0 (a free order) to [`MAX_AMOUNT_MINOR`], the
/// largest amount the storefront can send.
fn order_amount(minor: i64) -> Result<i64, PayloadError> {
    if (0..=MAX_AMOUNT_MINOR).contains(&minor) {
        Ok(minor)
    } else {
        Err(PayloadError::Amount { field: "order total", min: 0, value: i128::from(minor) })
    }
}

/// What a webhook delivery means for us.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Order(Order),
    Refund(Refund),
    /// A type we do not record (answered 200 so the provider does not retry).
    Ignored(String),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not the expected JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Invalid(&'static str),
    /// A signed delivery with an amount no real order has (see `server::record` for
    /// what the provider is answered).
    #[error("the {field} {value} is outside {min}..={MAX_AMOUNT_MINOR} minor units")]
    Amount { field: &'static str, min: i64, value: i128 },
}

impl PayloadError {
    /// Whether the delivery is readable but impossible: a retry would carry the same
    /// amount, so retrying cannot help.
    pub fn is_impossible_amount(&self) -> bool {
        matches!(self, PayloadError::Amount { .. })
    }
}

// ---- Stripe ----

#[derive(Deserialize)]
struct StripeEvent {
    #[serde(rename = "type")]
    kind: String,
    created: Option<i64>,
    data: StripeData,
}

#[derive(Deserialize)]
struct StripeData {
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct StripeSession {
    id: String,
    client_reference_id: Option<String>,
    amount_total: Option<i64>,
    currency: Option<String>,
    payment_status: Option<String>,
    payment_intent: Option<String>,
    created: Option<i64>,
    #[serde(default)]
    metadata: HashMap<String, String>,
}

#[derive(Deserialize)]
struct StripeCharge {
    id: String,
    payment_intent: Option<String>,
    amount_refunded: i64,
    currency: String,
    created: Option<i64>,
}

/// A Stripe time (Unix seconds) in milliseconds, saturating: the number is the sender's,
/// and an absurd one must neither wrap nor lose the order (a refused webhook is retried
/// and then given up by the shop), so it is kept at whichever end of time it points to.
fn stripe_ms(seconds: i64) -> i64 {
    seconds.saturating_mul(1000)
}

/// Reads a Stripe event: `checkout.session.completed` (and
/// `checkout.session.async_payment_succeeded`) when paid, `charge.refunded`.
pub fn stripe(body: &[u8], received_at: i64) -> Result<Delivery, PayloadError> {
    let event: StripeEvent = serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let s: StripeSession =
                serde_json::from_value(event.data.object).map_err(|e| PayloadError::Json(e.to_string()))?;
            if !matches!(s.payment_status.as_deref(), Some("paid" | "no_payment_required")) {
                // Delayed payment methods: the money comes with async_payment_succeeded.
                return Ok(Delivery::Ignored(format!("{} (not paid yet)", event.kind)));
            }
            let currency = s.currency.ok_or(PayloadError::Invalid("the session has no currency"))?.to_ascii_uppercase();
            let value = order_amount(s.amount_total.ok_or(PayloadError::Invalid("the session has no amount_total"))?)?;
            let meta = |k: &str| s.metadata.get(k).filter(|v| !v.is_empty()).cloned();
            Ok(Delivery::Order(Order {
                provider: "stripe",
                order_id: s.id,
                creator_id: meta("creator_id"),
                created_at: s.created.or(event.created).map_or(received_at, stripe_ms),
                received_at,
                currency,
                value,
                click_id: s.client_reference_id.filter(|c| !c.is_empty()).or_else(|| meta("click_id")),
                coupon: meta("coupon"),
                utm_source: meta("utm_source"),
                utm_medium: meta("utm_medium"),
                utm_campaign: meta("utm_campaign"),
                payment_ref: s.payment_intent,
                affiliate: affiliate_sent(meta("affiliate")),
            }))
        }
        "charge.refunded" => {
            let c: StripeCharge =
                serde_json::from_value(event.data.object).map_err(|e| PayloadError::Json(e.to_string()))?;
            let order_ref = c.payment_intent.ok_or(PayloadError::Invalid("the charge has no payment_intent"))?;
            Ok(Delivery::Refund(Refund {
                provider: "stripe",
                refund_id: c.id,
                order_ref,
                currency: c.currency.to_ascii_uppercase(),
                amount: RefundAmount::new(c.amount_refunded)?,
                created_at: event.created.or(c.created).map_or(received_at, stripe_ms),
                received_at,
            }))
        }
        other => Ok(Delivery::Ignored(other.to_owned())),
    }
}

// ---- Shopify ----

#[derive(Deserialize)]
struct ShopifyOrder {
    id: u64,
    currency: String,
    total_price: String,
    created_at: Option<String>,
    processed_at: Option<String>,
    #[serde(default)]
    discount_codes: Vec<ShopifyDiscount>,
    #[serde(default)]
    note_attributes: Vec<ShopifyAttribute>,
    landing_site: Option<String>,
}

#[derive(Deserialize)]
struct ShopifyDiscount {
    code: String,
}

#[derive(Deserialize)]
struct ShopifyAttribute {
    name: String,
    value: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ShopifyRefund {
    id: u64,
    order_id: u64,
    created_at: Option<String>,
    #[serde(default)]
    transactions: Vec<ShopifyTransaction>,
}

#[derive(Deserialize)]
struct ShopifyTransaction {
    amount: String,
    currency: Option<String>,
    kind: Option<String>,
    status: Option<String>,
}

/// Reads a Shopify webhook by its `X-Shopify-Topic`: `orders/paid`, `refunds/create`.
/// The cart permalink's `attributes[click_id]` and `attributes[affiliate]` come back as
/// the order's note attributes of those names.
pub fn shopify(topic: &str, body: &[u8], received_at: i64) -> Result<Delivery, PayloadError> {
    let json = |e: serde_json::Error| PayloadError::Json(e.to_string());
    match topic {
        "orders/paid" => {
            let o: ShopifyOrder = serde_json::from_slice(body).map_err(json)?;
            let currency = o.currency.to_ascii_uppercase();
            let value = order_amount(
                major_to_minor(&o.total_price, &currency)
                    .ok_or(PayloadError::Invalid("total_price is not an amount in the order's currency"))?,
            )?;
            let attr = |k: &str| {
                o.note_attributes.iter().find(|a| a.name == k).and_then(|a| match &a.value {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
            };
            let landing = o.landing_site.as_deref().and_then(|l| l.split_once('?')).map(|(_, q)| q).unwrap_or("");
            let tag = |k: &str| {
                form_urlencoded::parse(landing.as_bytes())
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.into_owned())
                    .filter(|v| !v.is_empty())
            };
            Ok(Delivery::Order(Order {
                provider: "shopify",
                order_id: o.id.to_string(),
                creator_id: attr("creator_id"),
                created_at: o
                    .processed_at
                    .as_deref()
                    .or(o.created_at.as_deref())
                    .and_then(rfc3339_millis)
                    .unwrap_or(received_at),
                received_at,
                currency,
                value,
                click_id: attr("click_id"),
                coupon: o.discount_codes.first().map(|d| d.code.clone()).filter(|c| !c.is_empty()),
                utm_source: tag("utm_source"),
                utm_medium: tag("utm_medium"),
                utm_campaign: tag("utm_campaign"),
                payment_ref: None,
                // The cart permalink's `attributes[affiliate]`; a plain link to the shop
                // carries `affiliate=` in the landing URL instead.
                affiliate: affiliate_sent(attr("affiliate")).or_else(|| affiliate_sent(tag("affiliate"))),
            }))
        }
        "refunds/create" => {
            let r: ShopifyRefund = serde_json::from_slice(body).map_err(json)?;
            let mut amount: i128 = 0;
            let mut currency = None;
            for t in r
                .transactions
                .iter()
                .filter(|t| t.kind.as_deref() == Some("refund") && t.status.as_deref() == Some("success"))
            {
                let code = t
                    .currency
                    .clone()
                    .ok_or(PayloadError::Invalid("a refund transaction has no currency"))?
                    .to_ascii_uppercase();
                if currency.get_or_insert_with(|| code.clone()) != &code {
                    return Err(PayloadError::Invalid("a refund in two currencies"));
                }
                amount += i128::from(
                    major_to_minor(&t.amount, &code)
                        .ok_or(PayloadError::Invalid("a refund amount is not an amount"))?,
                );
            }
            let Some(currency) = currency else {
                return Ok(Delivery::Ignored("refunds/create without money".into()));
            };
            Ok(Delivery::Refund(Refund {
                provider: "shopify",
                refund_id: r.id.to_string(),
                order_ref: r.order_id.to_string(),
                currency,
                amount: i64::try_from(amount).map_or_else(
                    |_| Err(PayloadError::Amount { field: "refund amount", min: 1, value: amount }),
                    RefundAmount::new,
                )?,
                created_at: r.created_at.as_deref().and_then(rfc3339_millis).unwrap_or(received_at),
                received_at,
            }))
        }
        other => Ok(Delivery::Ignored(other.to_owned())),
    }
}

// ---- Lemon Squeezy ----

#[derive(Deserialize)]
struct LemonEvent {
    meta: LemonMeta,
    data: LemonData,
}

#[derive(Deserialize)]
struct LemonMeta {
    event_name: String,
    #[serde(default)]
    custom_data: HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct LemonData {
    id: String,
    attributes: LemonOrder,
}

#[derive(Deserialize)]
struct LemonOrder {
    currency: String,
    /// Minor units.
    total: i64,
    status: Option<String>,
    #[serde(default)]
    refunded_amount: i64,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// Reads a Lemon Squeezy event: `order_created` when paid, `order_refunded`. The click
/// id comes back as `meta.custom_data.click_id` (the checkout link's
/// `checkout[custom][click_id]`), the affiliate as `meta.custom_data.affiliate`.
pub fn lemonsqueezy(body: &[u8], received_at: i64) -> Result<Delivery, PayloadError> {
    let event: LemonEvent = serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    let custom = |k: &str| match event.meta.custom_data.get(k) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let order = &event.data.attributes;
    let time = |t: &Option<String>| t.as_deref().and_then(rfc3339_millis).unwrap_or(received_at);
    match event.meta.event_name.as_str() {
        "order_created" if order.status.as_deref() == Some("paid") => Ok(Delivery::Order(Order {
            value: order_amount(order.total)?,
            provider: "lemonsqueezy",
            order_id: event.data.id.clone(),
            creator_id: custom("creator_id"),
            created_at: time(&order.created_at),
            received_at,
            currency: order.currency.to_ascii_uppercase(),
            click_id: custom("click_id"),
            coupon: custom("coupon"),
            utm_source: custom("utm_source"),
            utm_medium: custom("utm_medium"),
            utm_campaign: custom("utm_campaign"),
            payment_ref: None,
            affiliate: affiliate_sent(custom("affiliate")),
        })),
        // Lemon Squeezy reports the running total refunded on the order.
        "order_refunded" => Ok(Delivery::Refund(Refund {
            provider: "lemonsqueezy",
            refund_id: format!("order-{}", event.data.id),
            order_ref: event.data.id.clone(),
            currency: order.currency.to_ascii_uppercase(),
            amount: RefundAmount::new(order.refunded_amount)?,
            created_at: time(&order.updated_at),
            received_at,
        })),
        other => Ok(Delivery::Ignored(other.to_owned())),
    }
}

/// An affiliate handle as a shop sends it back: what the checkout link carried, which
/// the storefront wrote from a checked handle. A person may have retyped it in the shop's
/// admin, so it is lowercased first; anything that is still not a handle
/// (`limits::is_handle`) is dropped rather than credited, and the order then goes by the
/// next crediting rule. The order itself is always kept: it is real money.
pub fn affiliate_sent(sent: Option<String>) -> Option<String> {
    sent.map(|h| h.trim().to_ascii_lowercase()).filter(|h| limits::is_handle(h))
}

/// A shop's amount (`"32.50"` in `EUR` → 3250) by the core's money rule
/// ([`Money::from_major`]: digit by digit, never a float). Shops write every currency
/// with two decimals (`"3800.00"` JPY), so zeros past the currency's own decimals are
/// dropped first. `None` for an unknown currency, or for anything that is not a plain
/// non-negative amount of it.
pub fn major_to_minor(amount: &str, currency: &str) -> Option<i64> {
    iso_currency::Currency::from_code(currency)?;
    let amount = amount.trim();
    let amount = match amount.split_once('.') {
        Some((whole, fraction)) => match fraction.trim_end_matches('0') {
            "" => whole,
            kept => &amount[..whole.len() + 1 + kept.len()],
        },
        None => amount,
    };
    Money::from_major(amount, currency).ok().map(|m| m.minor)
}

fn rfc3339_millis(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
