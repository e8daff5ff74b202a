//! Money as integer minor units plus an ISO 4217 currency code.
//!
//! Amounts never pass through floating point: the config's `"32.00 EUR"` is parsed
//! digit by digit into `3200` minor units, and turned back into an exact decimal
//! string (`"32.00"`) for display. Locale-aware presentation (symbol, separators) is
//! the browser's job (`Intl.NumberFormat`, fed the exact decimal string); this module
//! owns the amounts, the currency exponents and a deterministic fallback format used
//! before the shopper's locale is known and when rendering natively.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A three-letter ISO 4217 code such as `EUR`. Validity against the ISO list is
/// checked when the config is validated (see `config`); here it is only carried.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(pub String);

impl Currency {
    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point in this currency's minor unit.
    ///
    /// Most currencies use 2. The exceptions are listed here rather than pulling an
    /// ISO table into the WASM bundle; a native test checks this list against the
    /// full ISO 4217 table of the `iso_currency` crate.
    pub fn exponent(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
            | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }

    /// A short symbol for the fallback format, for the currencies creators use most.
    fn fallback_symbol(&self) -> Option<&'static str> {
        Some(match self.code() {
            "EUR" => "€",
            "USD" => "$",
            "GBP" => "£",
            "JPY" => "¥",
            "INR" => "₹",
            "KRW" => "₩",
            _ => return None,
        })
    }
}

/// An amount of money: integer minor units of one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units: cents for EUR, yen for JPY, fils (1/1000) for KWD.
    pub minor: i64,
    pub currency: Currency,
}

/// Why a config amount such as `"32.00 EUR"` could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyParseError {
    /// Not of the shape `"<amount> <CODE>"`.
    Shape,
    /// The amount is below zero.
    Negative,
    /// The amount has digits we cannot read (`"12,50"`, `"1e3"`, `""`).
    BadAmount,
    /// More decimals than the currency has (`"12.345 EUR"`, `"100.5 JPY"`).
    TooManyDecimals { exponent: u32 },
    /// The code is not three capital letters.
    BadCurrencyCode,
    /// The amount does not fit.
    TooLarge,
}

impl fmt::Display for MoneyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape => write!(f, "write an amount and a currency code, like \"32.00 EUR\""),
            Self::Negative => write!(f, "a price cannot be negative"),
            Self::BadAmount => {
                write!(f, "the amount must be digits with an optional '.' for decimals, like \"32.00 EUR\"")
            }
            Self::TooManyDecimals { exponent: 0 } => {
                write!(f, "this currency has no decimals; write a whole number")
            }
            Self::TooManyDecimals { exponent } => {
                write!(f, "this currency has at most {exponent} decimals")
            }
            Self::BadCurrencyCode => {
                write!(f, "the currency must be a three-letter ISO 4217 code such as EUR")
            }
            Self::TooLarge => write!(f, "the amount is too large"),
        }
    }
}

impl Money {
    pub fn new(minor: i64, currency: &str) -> Self {
        Money { minor, currency: Currency(currency.to_owned()) }
    }

    /// Parses the config form `"<amount> <CODE>"`, e.g. `"32.00 EUR"`, `"1200 JPY"`,
    /// `"1.250 KWD"`. Whether the code is a real ISO 4217 currency is checked by the
    /// config validator, which has the full table.
    pub fn parse(text: &str) -> Result<Money, MoneyParseError> {
        let mut parts = text.split(' ');
        let (Some(amount), Some(code), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(MoneyParseError::Shape);
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(MoneyParseError::BadCurrencyCode);
        }
        Money::from_major(amount, code)
    }

    /// An amount in major units (`"32.50"`) of `currency`, digit by digit: no sign, no
    /// exponent, no more decimals than the currency has. The config's prices and the
    /// shops' order totals (webhooks) both come through here.
    pub fn from_major(amount: &str, currency: &str) -> Result<Money, MoneyParseError> {
        let currency = Currency(currency.to_owned());
        if amount.starts_with('-') {
            return Err(MoneyParseError::Negative);
        }
        let exponent = currency.exponent();
        let (whole, fraction) = match amount.split_once('.') {
            Some((w, f)) => (w, f),
            None => (amount, ""),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
            return Err(MoneyParseError::BadAmount);
        }
        if amount.contains('.') && fraction.is_empty() {
            return Err(MoneyParseError::BadAmount);
        }
        if fraction.len() > exponent as usize {
            return Err(MoneyParseError::TooManyDecimals { exponent });
        }
        let scale = 10i64.pow(exponent);
        let whole: i64 = whole.parse().map_err(|_| MoneyParseError::TooLarge)?;
        let mut frac_minor: i64 = 0;
        for (i, b) in fraction.bytes().enumerate() {
            frac_minor += i64::from(b - b'0') * 10i64.pow(exponent - 1 - i as u32);
        }
        let minor =
            whole.checked_mul(scale).and_then(|m| m.checked_add(frac_minor)).ok_or(MoneyParseError::TooLarge)?;
        Ok(Money { minor, currency })
    }

    /// The exact amount in major units as a plain decimal string with the currency's
    /// full number of decimals: `3200 EUR` → `"32.00"`, `1200 JPY` → `"1200"`,
    /// `1250 KWD` → `"1.250"`. This is what `Intl.NumberFormat.format` is given, so
    /// no amount is ever rounded through a float.
    pub fn decimal_string(&self) -> String {
        decimal_from_digits(self.minor < 0, &self.minor.unsigned_abs().to_string(), self.currency.exponent())
    }

    /// A locale-neutral rendering used before the shopper's locale is known (and in
    /// native rendering): `€32.00`, `¥1,200`, `KWD 1.250`. Whole amounts of
    /// two-decimal currencies drop the `.00` (`€5`), as price tags do.
    pub fn fallback_display(&self) -> String {
        let decimal = self.decimal_string();
        let (number, negative) = match decimal.strip_prefix('-') {
            Some(rest) => (rest.to_owned(), true),
            None => (decimal, false),
        };
        let (whole, fraction) = match number.split_once('.') {
            Some((w, f)) => (w.to_owned(), Some(f.to_owned())),
            None => (number, None),
        };
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let number = match fraction {
            Some(f) if f.bytes().any(|b| b != b'0') || self.currency.exponent() != 2 => {
                format!("{grouped}.{f}")
            }
            _ => grouped,
        };
        let sign = if negative { "-" } else { "" };
        match self.currency.fallback_symbol() {
            Some(symbol) => format!("{sign}{symbol}{number}"),
            None => format!("{sign}{} {number}", self.currency.code()),
        }
    }
}

/// An amount as an exact decimal string with `exponent` decimals, from the digits of
/// its absolute value in minor units: `("5", 2)` → `"0.05"`, `("1200", 0)` → `"1200"`.
/// Taking digits lets the collector print its 128-bit sums with the same rule, without
/// putting 128-bit arithmetic in the page's bundle.
pub fn decimal_from_digits(negative: bool, digits: &str, exponent: u32) -> String {
    let sign = if negative { "-" } else { "" };
    let exponent = exponent as usize;
    if exponent == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = exponent + 1);
    let (whole, fraction) = padded.split_at(padded.len() - exponent);
    format!("{sign}{whole}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_zero_and_three_decimal_currencies() {
        assert_eq!(Money::parse("32.00 EUR"), Ok(Money::new(3200, "EUR")));
        assert_eq!(Money::parse("32 EUR"), Ok(Money::new(3200, "EUR")));
        assert_eq!(Money::parse("32.5 EUR"), Ok(Money::new(3250, "EUR")));
        assert_eq!(Money::parse("0.05 USD"), Ok(Money::new(5, "USD")));
        assert_eq!(Money::parse("1200 JPY"), Ok(Money::new(1200, "JPY")));
        assert_eq!(Money::parse("1.250 KWD"), Ok(Money::new(1250, "KWD")));
        assert_eq!(Money::parse("0.001 KWD"), Ok(Money::new(1, "KWD")));
        assert_eq!(Money::parse("0 EUR"), Ok(Money::new(0, "EUR")));
    }

    #[test]
    fn rejects_malformed_amounts() {
        assert_eq!(Money::parse("-5.00 EUR"), Err(MoneyParseError::Negative));
        assert_eq!(Money::parse("12,50 EUR"), Err(MoneyParseError::BadAmount));
        assert_eq!(Money::parse("1e3 EUR"), Err(MoneyParseError::BadAmount));
        assert_eq!(Money::parse(".50 EUR"), Err(MoneyParseError::BadAmount));
        assert_eq!(Money::parse("12. EUR"), Err(MoneyParseError::BadAmount));
        assert_eq!(Money::parse("+12 EUR"), Err(MoneyParseError::BadAmount));
        assert_eq!(Money::parse("12.345 EUR"), Err(MoneyParseError::TooManyDecimals { exponent: 2 }));
        assert_eq!(Money::parse("100.5 JPY"), Err(MoneyParseError::TooManyDecimals { exponent: 0 }));
        assert_eq!(Money::parse("32.00"), Err(MoneyParseError::Shape));
        assert_eq!(Money::parse("32.00  EUR"), Err(MoneyParseError::Shape));
        assert_eq!(Money::parse("32.00 eur"), Err(MoneyParseError::BadCurrencyCode));
        assert_eq!(Money::parse("32.00 EURO"), Err(MoneyParseError::BadCurrencyCode));
        assert_eq!(Money::parse("99999999999999999999 EUR"), Err(MoneyParseError::TooLarge));
        assert_eq!(Money::parse("92233720368547758.08 EUR"), Err(MoneyParseError::TooLarge));
    }

    #[test]
    fn decimal_string_is_exact() {
        assert_eq!(Money::new(3200, "EUR").decimal_string(), "32.00");
        assert_eq!(Money::new(5, "EUR").decimal_string(), "0.05");
        assert_eq!(Money::new(-5, "EUR").decimal_string(), "-0.05");
        assert_eq!(Money::new(1200, "JPY").decimal_string(), "1200");
        assert_eq!(Money::new(1250, "KWD").decimal_string(), "1.250");
        assert_eq!(Money::new(7, "KWD").decimal_string(), "0.007");
        assert_eq!(Money::new(i64::MAX, "EUR").decimal_string(), "92233720368547758.07");
        assert_eq!(Money::new(i64::MIN, "EUR").decimal_string(), "-92233720368547758.08");
    }

    #[test]
    fn decimals_from_digits_of_any_width() {
        assert_eq!(decimal_from_digits(false, "0", 2), "0.00");
        assert_eq!(decimal_from_digits(true, "5", 3), "-0.005");
        assert_eq!(decimal_from_digits(false, "1200", 0), "1200");
        let sum = i128::from(i64::MAX) * 50;
        assert_eq!(decimal_from_digits(false, &sum.to_string(), 2), "4611686018427387903.50");
    }

    #[test]
    fn from_major_is_parse_without_the_code() {
        assert_eq!(Money::from_major("32.5", "EUR"), Ok(Money::new(3250, "EUR")));
        assert_eq!(Money::from_major("1.250", "KWD"), Ok(Money::new(1250, "KWD")));
        assert_eq!(Money::from_major("3800.00", "JPY"), Err(MoneyParseError::TooManyDecimals { exponent: 0 }));
        assert_eq!(Money::from_major(" 1", "EUR"), Err(MoneyParseError::BadAmount));
    }

    proptest::proptest! {
        /// Every amount prints and reads back exactly, in 0, 2, 3 and 4-decimal currencies.
        #[test]
        fn decimal_strings_read_back(minor in 0..=i64::MAX, code in proptest::sample::select(vec!["JPY", "EUR", "KWD", "CLF"])) {
            let money = Money::new(minor, code);
            proptest::prop_assert_eq!(Money::from_major(&money.decimal_string(), code), Ok(money));
        }
    }

    #[test]
    fn fallback_display_groups_and_trims() {
        assert_eq!(Money::new(3200, "EUR").fallback_display(), "€32");
        assert_eq!(Money::new(3250, "EUR").fallback_display(), "€32.50");
        assert_eq!(Money::new(123456789, "USD").fallback_display(), "$1,234,567.89");
        assert_eq!(Money::new(1200, "JPY").fallback_display(), "¥1,200");
        assert_eq!(Money::new(1250, "KWD").fallback_display(), "KWD 1.250");
        assert_eq!(Money::new(1000, "KWD").fallback_display(), "KWD 1.000");
        assert_eq!(Money::new(-500, "GBP").fallback_display(), "-£5");
        assert_eq!(Money::new(0, "CHF").fallback_display(), "CHF 0");
    }
}
