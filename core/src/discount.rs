//! Discount codes: when a code shows, and how its offer is worded.

use crate::locale::{Count, Counted, Key, Text};
use crate::model::{Code, Offer, UtcMillis};
use crate::money::Money;

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
/// over €40", "15% off selected items", "Free shipping", in `text`'s language.
/// `money` formats amounts (the browser passes its locale-aware formatter; native
/// code passes the fallback).
pub fn describe(code: &Code, text: &Text, money: impl Fn(&Money) -> String) -> String {
    let scoped = !code.scope.products.is_empty() || !code.scope.collections.is_empty();
    let (offer, min) = head(code, text, &money);
    let min = min.as_ref().map(&money);
    let key = match (&code.offer, &min, scoped) {
        (Offer::FreeShipping { .. }, Some(_), false) => Key::OfferFreeShippingOver,
        (Offer::FreeShipping { .. }, Some(_), true) => Key::OfferFreeShippingSelectedOver,
        (Offer::FreeShipping { .. }, None, true) => Key::OfferFreeShippingSelected,
        (Offer::FreeShipping { .. }, None, false) => Key::OfferFreeShipping,
        (_, Some(_), false) => Key::OfferOrdersOver,
        (_, Some(_), true) => Key::OfferSelectedOver,
        (_, None, true) => Key::OfferSelected,
        (_, None, false) => Key::OfferEverything,
    };
    text.fill(key, &[("offer", &offer), ("minimum", min.as_deref().unwrap_or(""))])
}

/// "15% off" or "€5 off" (empty for free shipping, whose texts say it whole), and the
/// offer's minimum.
fn head<'a>(code: &'a Code, text: &Text, money: &impl Fn(&Money) -> String) -> (String, &'a Option<Money>) {
    match &code.offer {
        Offer::PercentOff { percent, min_subtotal } => {
            (text.fill(Key::OfferPercent, &[("percent", &percent.to_string())]), min_subtotal)
        }
        Offer::AmountOff { amount, min_subtotal } => {
            (text.fill(Key::OfferAmount, &[("amount", &money(amount))]), min_subtotal)
        }
        Offer::FreeShipping { min_subtotal } => (String::new(), min_subtotal),
    }
}

/// What the code card says once the code is applied (from the link or the cart), so a
/// shopper who arrived with it sees it is working rather than being asked to copy it:
/// whether the prices on the page already include it ([`crate::cart::card_saving`]
/// shows it on every card it covers when it does not depend on the rest of the cart)
/// or it is taken off at checkout.
pub fn applied_note(code: &Code, text: &Text, money: impl Fn(&Money) -> String) -> String {
    let scoped = !code.scope.products.is_empty() || !code.scope.collections.is_empty();
    let (offer, min) = head(code, text, &money);
    let min = min.as_ref().map(&money);
    let key = match (&code.offer, &min) {
        (Offer::FreeShipping { .. }, Some(_)) => Key::AppliedFreeShippingOver,
        (_, Some(_)) => Key::AppliedAtCheckoutOver,
        (Offer::FreeShipping { .. }, None) => Key::AppliedFreeShipping,
        _ if scoped => Key::AppliedMarked,
        _ => Key::AppliedIncluded,
    };
    text.fill(key, &[("offer", &offer), ("minimum", min.as_deref().unwrap_or(""))])
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

impl EndsIn {
    /// The counted text that says it ("Ends in 5 hours").
    pub fn count(self) -> Count {
        match self {
            EndsIn::Minutes(n) => Count { key: Counted::EndsInMinutes, n },
            EndsIn::Hours(n) => Count { key: Counted::EndsInHours, n },
        }
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
            time_zone: None,
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
        let en = Text::shipped(crate::locale::Locale::En);
        let eur = |minor| Some(Money::new(minor, "EUR"));
        let with = |offer: Offer| Code { offer, ..code(None, None) };
        assert_eq!(
            describe(&with(Offer::PercentOff { percent: 15, min_subtotal: None }), &en, fmt),
            "15% off everything"
        );
        assert_eq!(
            describe(&with(Offer::PercentOff { percent: 10, min_subtotal: eur(5000) }), &en, fmt),
            "10% off orders over €50"
        );
        assert_eq!(
            describe(&with(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), &en, fmt),
            "€5 off orders over €40"
        );
        assert_eq!(
            describe(&with(Offer::AmountOff { amount: Money::new(1000, "JPY"), min_subtotal: None }), &en, fmt),
            "¥1,000 off everything"
        );
        assert_eq!(describe(&with(Offer::FreeShipping { min_subtotal: None }), &en, fmt), "Free shipping");
        assert_eq!(
            describe(&with(Offer::FreeShipping { min_subtotal: eur(2550) }), &en, fmt),
            "Free shipping on orders over €25.50"
        );
        let scoped = |offer: Offer| Code {
            offer,
            scope: crate::model::Scope { products: vec!["mug".into()], collections: vec![] },
            ..code(None, None)
        };
        assert_eq!(
            describe(&scoped(Offer::PercentOff { percent: 15, min_subtotal: None }), &en, fmt),
            "15% off selected items"
        );
        assert_eq!(
            describe(&scoped(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), &en, fmt),
            "€5 off selected items over €40"
        );
        assert_eq!(
            describe(&scoped(Offer::FreeShipping { min_subtotal: None }), &en, fmt),
            "Free shipping on selected items"
        );
    }

    #[test]
    fn applied_note_says_where_the_saving_shows() {
        let fmt = |m: &Money| m.fallback_display();
        let en = Text::shipped(crate::locale::Locale::En);
        let eur = |minor| Some(Money::new(minor, "EUR"));
        let with = |offer: Offer| Code { offer, ..code(None, None) };
        let scoped = |offer: Offer| Code {
            offer,
            scope: crate::model::Scope { products: vec!["mug".into()], collections: vec![] },
            ..code(None, None)
        };
        let percent = Offer::PercentOff { percent: 15, min_subtotal: None };
        assert_eq!(applied_note(&with(percent.clone()), &en, fmt), "Applied: prices below include 15% off");
        assert_eq!(applied_note(&scoped(percent), &en, fmt), "Applied: 15% off the marked prices");
        assert_eq!(
            applied_note(&with(Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: eur(4000) }), &en, fmt),
            "Applied: €5 off at checkout on orders over €40"
        );
        assert_eq!(
            applied_note(&with(Offer::FreeShipping { min_subtotal: None }), &en, fmt),
            "Applied: free shipping at checkout"
        );
        assert_eq!(
            applied_note(&scoped(Offer::FreeShipping { min_subtotal: eur(2550) }), &en, fmt),
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
        use crate::locale::{plural, Locale};
        let say = |e: EndsIn, locale| {
            let Count { key, n } = e.count();
            Text::shipped(locale).count(key, n, plural(locale, n))
        };
        assert_eq!(say(EndsIn::Hours(23), Locale::En), "Ends in 23 hours");
        assert_eq!(say(EndsIn::Hours(1), Locale::En), "Ends in 1 hour");
        assert_eq!(say(EndsIn::Minutes(5), Locale::En), "Ends in 5 minutes");
        assert!(say(EndsIn::Minutes(5), Locale::Ja).contains('5'));
    }
}
