//! What a code takes off a cart, and why it does not apply when it does not.
//!
//! Groundwork for the cart (issue 4): pure arithmetic on integer minor units. The
//! rules, so a shopper, a creator and a shop all see the same number:
//! - a code applies only between its start (inclusive) and end (exclusive);
//! - a scope (products and/or collections) limits which lines count; no scope means
//!   every line;
//! - the minimum subtotal is checked against the *eligible* lines;
//! - a percentage is taken of the eligible subtotal once (not per line) and rounded
//!   half away from zero to the currency's minor unit, so 15 % of €0.10 is €0.02 and
//!   15 % of €0.09 is €0.01;
//! - a fixed amount never takes off more than the eligible subtotal, and must be in the
//!   cart's currency;
//! - free shipping takes nothing off the goods; it is reported for the checkout.

use crate::discount::{self, CodeStatus};
use crate::locale::{Key, Text};
#[cfg(test)]
use crate::model::Scope;
use crate::model::{Code, Collection, Offer, UtcMillis};
use crate::money::Money;

/// One cart line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub product_id: String,
    pub unit_price: Money,
    pub quantity: u32,
}

impl Line {
    /// Saturating, never wrapping; the shared limits keep real carts far below `i64::MAX`.
    pub fn total(&self) -> i64 {
        self.unit_price.minor.saturating_mul(i64::from(self.quantity))
    }
}

/// The result of applying a code.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub subtotal: Money,
    /// Taken off the goods (zero for free shipping).
    pub discount: Money,
    pub total: Money,
    pub free_shipping: bool,
}

/// Why a code does not apply, in words a shopper understands.
#[derive(Clone, Debug, PartialEq)]
pub enum NotApplied {
    EmptyCart,
    NotStarted,
    Ended,
    /// Nothing in the cart is covered by the code.
    NothingInScope,
    /// The covered items come to less than the minimum; `missing` more would do.
    BelowMinimum {
        minimum: Money,
        missing: Money,
    },
    /// The cart mixes currencies, or the code's amount is in another currency.
    CurrencyMismatch,
}

impl NotApplied {
    /// Why, in `text`'s language; `money` formats the amounts (the browser's `Intl`, or
    /// the fallback natively).
    pub fn message(&self, text: &Text, money: impl Fn(&Money) -> String) -> String {
        match self {
            NotApplied::EmptyCart => text.get(Key::NotAppliedEmptyCart).to_owned(),
            NotApplied::NotStarted => text.get(Key::NotAppliedNotStarted).to_owned(),
            NotApplied::Ended => text.get(Key::NotAppliedEnded).to_owned(),
            NotApplied::NothingInScope => text.get(Key::NotAppliedNothingInScope).to_owned(),
            NotApplied::BelowMinimum { minimum, missing } => {
                text.fill(Key::NotAppliedBelowMinimum, &[("minimum", &money(minimum)), ("missing", &money(missing))])
            }
            NotApplied::CurrencyMismatch => text.get(Key::NotAppliedCurrency).to_owned(),
        }
    }
}

/// `value × percent / 100`, rounded half away from zero. In i64 (i128 division
/// would add its runtime helpers to the WASM bundle); only amounts beyond 92
/// quadrillion minor units saturate.
pub fn percent_of(value: i64, percent: u8) -> i64 {
    if percent >= 100 {
        return value;
    }
    let scaled = value.saturating_mul(i64::from(percent));
    if scaled >= 0 {
        scaled.saturating_add(50) / 100
    } else {
        scaled.saturating_sub(50) / 100
    }
}

/// Applies `code` to `lines` at `now`.
pub fn apply(code: &Code, lines: &[Line], collections: &[Collection], now: UtcMillis) -> Result<Applied, NotApplied> {
    let Some(first) = lines.first() else { return Err(NotApplied::EmptyCart) };
    let currency = first.unit_price.currency.clone();
    if lines.iter().any(|l| l.unit_price.currency != currency) {
        return Err(NotApplied::CurrencyMismatch);
    }
    match discount::status(code, now) {
        CodeStatus::NotStarted => return Err(NotApplied::NotStarted),
        CodeStatus::Ended => return Err(NotApplied::Ended),
        CodeStatus::Active => {}
    }
    let subtotal: i64 = lines.iter().map(Line::total).fold(0, i64::saturating_add);
    let eligible: i64 = lines
        .iter()
        .filter(|l| code.scope.covers(&l.product_id, collections))
        .map(Line::total)
        .fold(0, i64::saturating_add);
    if eligible == 0 {
        return Err(NotApplied::NothingInScope);
    }
    let minimum = match &code.offer {
        Offer::PercentOff { min_subtotal, .. }
        | Offer::AmountOff { min_subtotal, .. }
        | Offer::FreeShipping { min_subtotal } => min_subtotal,
    };
    if let Some(minimum) = minimum {
        if minimum.currency != currency {
            return Err(NotApplied::CurrencyMismatch);
        }
        if eligible < minimum.minor {
            let missing = Money { minor: minimum.minor - eligible, currency: currency.clone() };
            return Err(NotApplied::BelowMinimum { minimum: minimum.clone(), missing });
        }
    }
    let (off, free_shipping) = match &code.offer {
        Offer::PercentOff { percent, .. } => (percent_of(eligible, *percent).min(eligible), false),
        Offer::AmountOff { amount, .. } => {
            if amount.currency != currency {
                return Err(NotApplied::CurrencyMismatch);
            }
            (amount.minor.min(eligible), false)
        }
        Offer::FreeShipping { .. } => (0, true),
    };
    let money = |minor| Money { minor, currency: currency.clone() };
    Ok(Applied { subtotal: money(subtotal), discount: money(off), total: money(subtotal - off), free_shipping })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(offer: Offer, starts_at: Option<i64>, ends_at: Option<i64>) -> Code {
        Code {
            id: "c".into(),
            code: "C".into(),
            brand: "B".into(),
            offer,
            starts_at,
            ends_at,
            ends_label: None,
            time_zone: None,
            scope: Scope::default(),
        }
    }

    fn scoped(offer: Offer, scope: &Scope) -> Code {
        Code { scope: scope.clone(), ..code(offer, None, None) }
    }

    fn line(id: &str, minor: i64, currency: &str, quantity: u32) -> Line {
        Line { product_id: id.into(), unit_price: Money::new(minor, currency), quantity }
    }

    fn collections() -> Vec<Collection> {
        vec![Collection {
            id: "kitchen".into(),
            title: "Kitchen".into(),
            description: None,
            products: vec!["mug".into()],
        }]
    }

    fn percent(p: u8) -> Offer {
        Offer::PercentOff { percent: p, min_subtotal: None }
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_whole_subtotal() {
        assert_eq!(percent_of(10, 15), 2); // 1.5 → 2
        assert_eq!(percent_of(9, 15), 1); // 1.35 → 1
        assert_eq!(percent_of(3200, 15), 480);
        assert_eq!(percent_of(3333, 50), 1667); // 1666.5 → 1667
        assert_eq!(percent_of(-10, 15), -2);
        assert_eq!(percent_of(i64::MAX, 100), i64::MAX);
        // Three lines of €0.03 at 50 %: per line would round to 3 × 2 = 6; once is 5.
        let lines = vec![line("a", 3, "EUR", 1), line("b", 3, "EUR", 1), line("c", 3, "EUR", 1)];
        let applied = apply(&code(percent(50), None, None), &lines, &[], 0).expect("applies");
        assert_eq!(applied.discount, Money::new(5, "EUR"));
        assert_eq!(applied.total, Money::new(4, "EUR"));
    }

    #[test]
    fn zero_decimal_currencies_round_to_whole_yen() {
        let applied = apply(&code(percent(15), None, None), &[line("w", 3800, "JPY", 1)], &[], 0).expect("applies");
        assert_eq!(applied.discount, Money::new(570, "JPY"));
        let applied = apply(&code(percent(15), None, None), &[line("w", 99, "JPY", 1)], &[], 0).expect("applies");
        assert_eq!(applied.discount, Money::new(15, "JPY")); // 14.85 → 15
    }

    #[test]
    fn fixed_amounts_never_exceed_what_they_cover() {
        let off = Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: None };
        let applied = apply(&code(off.clone(), None, None), &[line("m", 300, "EUR", 1)], &[], 0).expect("applies");
        assert_eq!((applied.discount.minor, applied.total.minor), (300, 0));
        let usd = Offer::AmountOff { amount: Money::new(500, "USD"), min_subtotal: None };
        assert_eq!(
            apply(&code(usd, None, None), &[line("m", 3000, "EUR", 1)], &[], 0),
            Err(NotApplied::CurrencyMismatch)
        );
    }

    #[test]
    fn minimum_counts_only_eligible_lines_and_says_what_is_missing() {
        let off = Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: Some(Money::new(4000, "EUR")) };
        let scope = Scope { products: vec![], collections: vec!["kitchen".into()] };
        let lines = vec![line("mug", 3200, "EUR", 1), line("tote", 3900, "EUR", 1)];
        let result = apply(&scoped(off.clone(), &scope), &lines, &collections(), 0);
        assert_eq!(
            result,
            Err(NotApplied::BelowMinimum { minimum: Money::new(4000, "EUR"), missing: Money::new(800, "EUR") })
        );
        assert_eq!(
            result
                .err()
                .map(|e| e.message(&Text::shipped(crate::locale::Locale::En), Money::fallback_display))
                .unwrap_or_default(),
            "This code needs €40 of eligible items: add €8 more."
        );
        let lines = vec![line("mug", 3200, "EUR", 2), line("tote", 3900, "EUR", 1)];
        let applied = apply(&scoped(off, &scope), &lines, &collections(), 0).expect("applies");
        assert_eq!((applied.subtotal.minor, applied.discount.minor, applied.total.minor), (10300, 500, 9800));
    }

    #[test]
    fn scope_by_product_or_collection() {
        let lines = vec![line("mug", 1000, "EUR", 1), line("tote", 2000, "EUR", 1)];
        let by_product = Scope { products: vec!["tote".into()], collections: vec![] };
        let applied = apply(&scoped(percent(10), &by_product), &lines, &collections(), 0).expect("applies");
        assert_eq!(applied.discount.minor, 200);
        let by_collection = Scope { products: vec![], collections: vec!["kitchen".into()] };
        let applied = apply(&scoped(percent(10), &by_collection), &lines, &collections(), 0).expect("applies");
        assert_eq!(applied.discount.minor, 100);
        let nothing = Scope { products: vec!["lamp".into()], collections: vec![] };
        assert_eq!(apply(&scoped(percent(10), &nothing), &lines, &collections(), 0), Err(NotApplied::NothingInScope));
    }

    #[test]
    fn start_and_end_boundaries() {
        let c = code(percent(10), Some(100), Some(200));
        let lines = [line("m", 1000, "EUR", 1)];
        assert_eq!(apply(&c, &lines, &[], 99), Err(NotApplied::NotStarted));
        assert!(apply(&c, &lines, &[], 100).is_ok());
        assert!(apply(&c, &lines, &[], 199).is_ok());
        assert_eq!(apply(&c, &lines, &[], 200), Err(NotApplied::Ended));
    }

    #[test]
    fn free_shipping_and_mixed_or_empty_carts() {
        let free = Offer::FreeShipping { min_subtotal: None };
        let applied = apply(&code(free, None, None), &[line("m", 1000, "EUR", 2)], &[], 0).expect("applies");
        assert!(applied.free_shipping);
        assert_eq!((applied.discount.minor, applied.total.minor), (0, 2000));
        assert_eq!(apply(&code(percent(10), None, None), &[], &[], 0), Err(NotApplied::EmptyCart));
        let mixed = [line("m", 1000, "EUR", 1), line("w", 3800, "JPY", 1)];
        assert_eq!(apply(&code(percent(10), None, None), &mixed, &[], 0), Err(NotApplied::CurrencyMismatch));
    }
}
