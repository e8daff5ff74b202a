//! Discount codes: when a code shows, and how its offer is worded.

use crate::model::{Code, Offer, UtcMillis};
use crate::money::Money;
use std::fmt;

/// Where a code stands at a given instant. Only `Active` codes are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeStatus {
    NotStarted,
    Active,
    Ended,
}

/// A code is active from `starts_at` (inclusive) until `ends_at` (exclusive).
pub fn status(code: &Code, now: UtcMillis) -> CodeStatus {
    if code.starts_at.is_some_and(|start| now < start) {
        CodeStatus::NotStarted
    } else if code.ends_at.is_some_and(|end| now >= end) {
        CodeStatus::Ended
    } else {
        CodeStatus::Active
    }
}

/// What a code gives, in words a shopper scans: "15% off everything", "€5 off orders
/// over €40", "15% off selected items", "Free shipping". `money` formats amounts
/// (the browser passes its locale-aware formatter; native code passes the fallback).
pub fn describe(code: &Code, money: impl Fn(&Money) -> String) -> String {
    let scoped = !code.scope.products.is_empty() || !code.scope.collections.is_empty();
    let (head, min) = head(code, &money, "Free shipping");
    let what = if scoped { "selected items" } else { "orders" };
    match (&code.offer, min) {
        (Offer::FreeShipping { .. }, Some(min)) => format!("{head} on {what} over {}", money(min)),
        (Offer::FreeShipping { .. }, None) if scoped => format!("{head} on selected items"),
        (Offer::FreeShipping { .. }, None) => head,
        (_, Some(min)) => format!("{head} {what} over {}", money(min)),
        (_, None) if scoped => format!("{head} selected items"),
        (_, None) => format!("{head} everything"),
    }
}

/// "15% off", "€5 off" or `free_shipping`, and the offer's minimum.
fn head<'a>(code: &'a Code, money: &impl Fn(&Money) -> String, free_shipping: &str) -> (String, &'a Option<Money>) {
    match &code.offer {
        Offer::PercentOff { percent, min_subtotal } => (format!("{percent}% off"), min_subtotal),
        Offer::AmountOff { amount, min_subtotal } => (format!("{} off", money(amount)), min_subtotal),
        Offer::FreeShipping { min_subtotal } => (free_shipping.to_owned(), min_subtotal),
    }
}

/// What the code card says once the code is applied (from the link or the cart), so a
/// shopper who arrived with it sees it is working rather than being asked to copy it:
/// whether the prices on the page already include it ([`crate::cart::card_saving`]
/// shows it on every card it covers when it does not depend on the rest of the cart)
/// or it is taken off at checkout.
pub fn applied_note(code: &Code, money: impl Fn(&Money) -> String) -> String {
    let scoped = !code.scope.products.is_empty() || !code.scope.collections.is_empty();
    let (head, min) = head(code, &money, "free shipping");
    match (&code.offer, min) {
        (_, Some(min)) => format!("Applied: {head} at checkout on orders over {}", money(min)),
        (Offer::FreeShipping { .. }, None) => "Applied: free shipping at checkout".to_owned(),
        _ if scoped => format!("Applied: {head} the marked prices"),
        _ => format!("Applied: prices below include {head}"),
    }
}

/// How long until a code ends, for "Ends in 5 hours". Only on its last day: a person
/// counts the hours then, and names the day before it ("Ends 24 Dec"), so `ends_in`
/// returns `None` and the page shows the day (`Code::ends_label`, or the shopper's
/// own calendar day once it is known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndsIn {
    Minutes(u64),
    Hours(u64),
}

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

pub fn ends_in(now: UtcMillis, ends_at: UtcMillis) -> Option<EndsIn> {
    let left = ends_at - now;
    if left <= 0 || left >= DAY {
        None
    } else if left < HOUR {
        // Round minutes up: "ends in 1 minute" until it has ended, never "0 minutes".
        Some(EndsIn::Minutes(((left + MINUTE - 1) / MINUTE) as u64))
    } else {
        Some(EndsIn::Hours((left / HOUR) as u64))
    }
}

impl fmt::Display for EndsIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            EndsIn::Minutes(n) => (n, "minute"),
            EndsIn::Hours(n) => (n, "hour"),
        };
        let plural = if n == 1 { "" } else { "s" };
        write!(f, "Ends in {n} {unit}{plural}")
    }
}

/// The id a code gets from its text when none is written (a brand's roster row):
/// ASCII letters and digits lowercased, any run of other characters one `-`, cut to
/// leave room for a `-N` suffix (`JUNO-15` → `juno-15`, `Été 20 %` → `t-20`; `code` when
/// nothing is left). The config check numbers two texts that read alike (`juno-15-2`);
/// the collector uses the same rule to show a `view_promotion` (which names the id)
/// under the code's text.
pub fn id_from_text(code: &str) -> String {
    let mut slug = String::new();
    for c in code.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let base = crate::limits::cut_at_grapheme(slug.trim_end_matches('-'), crate::limits::MAX_ID_CHARS - 4)
        .trim_end_matches('-');
    if base.is_empty() { "code" } else { base }.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_from_code_texts() {
        assert_eq!(super::id_from_text("JUNO-15"), "juno-15");
        assert_eq!(super::id_from_text("MIA_10"), "mia-10");
        assert_eq!(super::id_from_text("Été 20 %"), "t-20");
        assert_eq!(super::id_from_text("🎁"), "code");
        let long = super::id_from_text(&"A".repeat(100));
        assert_eq!(long.len(), crate::limits::MAX_ID_CHARS - 4);
        assert!(crate::limits::is_id(&long));
    }

    use super::*;

    fn code(starts_at: Option<i64>, ends_at: Option<i64>) -> Code {
        Code {
            id: "c".into(),
            code: "C".into(),
            brand: "B".into(),
            offer: Offer::FreeShipping { min_subtotal: None },
            starts_at,
            ends_at,
            ends_label: None,
            scope: Default::default(),
        }
    }

    #[test]
    fn status_boundaries_are_start_inclusive_end_exclusive() {
        let c = code(Some(1000), Some(2000));
        assert_eq!(status(&c, 999), CodeStatus::NotStarted);
        assert_eq!(status(&c, 1000), CodeStatus::Active);
        assert_eq!(status(&c, 1999), CodeStatus::Active);
        assert_eq!(status(&c, 2000), CodeStatus::Ended);
        assert_eq!(status(&code(None, None), i64::MIN), CodeStatus::Active);
        assert_eq!(status(&code(None, Some(5)), 5), CodeStatus::Ended);
        assert_eq!(status(&code(Some(5), None), i64::MAX), CodeStatus::Active);
    }

    #[test]
    fn describes_each_offer() {
        let fmt = |m: &Money| m.fallback_display();
        let eur = |minor| Some(Money::new(minor, "EUR"));
        let with = |offer: Offer| Code { offer, ..code(None, None) };
        assert_eq!(describe(&with(Offer::PercentOff { percent: 15, min_subtotal: None }), fmt), "15% off everything");
        assert_eq!(
            describe(&with(Offer::PercentOff { percent: 10, min_subtotal: eur(5000) }), fmt),
            "10% off orders over €50"
        );
        assert_eq!(
            describe(&with(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), fmt),
            "€5 off orders over €40"
        );
        assert_eq!(
            describe(&with(Offer::AmountOff { amount: Money::new(1000, "JPY"), min_subtotal: None }), fmt),
            "¥1,000 off everything"
        );
        assert_eq!(describe(&with(Offer::FreeShipping { min_subtotal: None }), fmt), "Free shipping");
        assert_eq!(
            describe(&with(Offer::FreeShipping { min_subtotal: eur(2550) }), fmt),
            "Free shipping on orders over €25.50"
        );
        let scoped = |offer: Offer| Code {
            offer,
            scope: crate::model::Scope { products: vec!["mug".into()], collections: vec![] },
            ..code(None, None)
        };
        assert_eq!(
            describe(&scoped(Offer::PercentOff { percent: 15, min_subtotal: None }), fmt),
            "15% off selected items"
        );
        assert_eq!(
            describe(&scoped(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), fmt),
            "€5 off selected items over €40"
        );
        assert_eq!(
            describe(&scoped(Offer::FreeShipping { min_subtotal: None }), fmt),
            "Free shipping on selected items"
        );
    }

    #[test]
    fn applied_note_says_where_the_saving_shows() {
        let fmt = |m: &Money| m.fallback_display();
        let eur = |minor| Some(Money::new(minor, "EUR"));
        let with = |offer: Offer| Code { offer, ..code(None, None) };
        let scoped = |offer: Offer| Code {
            offer,
            scope: crate::model::Scope { products: vec!["mug".into()], collections: vec![] },
            ..code(None, None)
        };
        let percent = Offer::PercentOff { percent: 15, min_subtotal: None };
        assert_eq!(applied_note(&with(percent.clone()), fmt), "Applied: prices below include 15% off");
        assert_eq!(applied_note(&scoped(percent), fmt), "Applied: 15% off the marked prices");
        assert_eq!(
            applied_note(&with(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), fmt),
            "Applied: €5 off at checkout on orders over €40"
        );
        assert_eq!(
            applied_note(&with(Offer::FreeShipping { min_subtotal: None }), fmt),
            "Applied: free shipping at checkout"
        );
        assert_eq!(
            applied_note(&scoped(Offer::FreeShipping { min_subtotal: eur(2550) }), fmt),
            "Applied: free shipping at checkout on orders over €25.50"
        );
    }

    #[test]
    fn ends_in_picks_a_readable_unit() {
        assert_eq!(ends_in(0, 0), None);
        assert_eq!(ends_in(10, 0), None);
        assert_eq!(ends_in(0, 1), Some(EndsIn::Minutes(1)));
        assert_eq!(ends_in(0, 59 * MINUTE + 1), Some(EndsIn::Minutes(60)));
        assert_eq!(ends_in(0, HOUR), Some(EndsIn::Hours(1)));
        assert_eq!(ends_in(0, DAY - 1), Some(EndsIn::Hours(23)));
        assert_eq!(ends_in(0, DAY), None);
        assert_eq!(ends_in(0, 14 * DAY), None);
    }

    #[test]
    fn ends_in_reads_naturally() {
        assert_eq!(EndsIn::Hours(23).to_string(), "Ends in 23 hours");
        assert_eq!(EndsIn::Hours(1).to_string(), "Ends in 1 hour");
        assert_eq!(EndsIn::Minutes(5).to_string(), "Ends in 5 minutes");
    }
}
