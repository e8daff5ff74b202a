//! Every limit the config check, the storefront and the collector share, defined once.
//!
//! The rule that ties them together: **whatever the check accepts, the storefront can
//! build and the collector accepts.** A price the check lets through must survive being
//! multiplied by the largest quantity and summed over the fullest cart without leaving
//! the range the collector takes, or that product's events would be refused, and a
//! refused event is never retried. So the bounds below are derived from each other, and
//! compile-time assertions keep them consistent when one is changed.
//!
//! Where a bound applies:
//! - config check (`src/build/config.rs`): prices, ids, codes, required text;
//! - storefront (`cart`, `attribution`): quantities, cart lines, value lengths;
//! - collector (`collector/src/event.rs`, webhooks): every number and string it stores.

/// Largest price of one product, in minor units: ten billion of a two-decimal currency
/// (a price in Indonesian rupiah or Korean won still fits with room to spare).
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000_000;

/// Most of one product a cart line (and an event's line item) holds. The shop's own
/// stock rules still apply at checkout.
pub const MAX_QUANTITY: u32 = 10;

/// Most lines in one cart, and line items in one event.
pub const MAX_LINES: usize = 50;

/// Largest amount an event or a webhook order carries, in minor units: the fullest cart
/// at the highest price. Sums of many such amounts are taken in `i128` (see
/// [`sum_minor`]), so no number of events can overflow a report.
pub const MAX_AMOUNT_MINOR: i64 = MAX_PRICE_MINOR * MAX_QUANTITY as i64 * MAX_LINES as i64;

/// Ids (products, collections, codes, pop-ups, the creator): they appear in URLs
/// (`/p/<id>/`) and event data.
pub const MAX_ID_CHARS: usize = 64;

/// Discount codes as a shopper types them. Stripe allows 200 letters and digits, Shopify
/// 255 characters; a code nobody can type on a phone is no use, so 64 is the limit.
pub const MAX_CODE_CHARS: usize = 64;

/// Campaign tags and click ids kept from a landing URL (and accepted by the collector).
pub const MAX_TAG_CHARS: usize = 200;

/// Affiliate handles: the `<handle>` of `/c/<handle>/`, in event data and reports.
/// Instagram allows 30 characters and TikTok 24; 64 leaves room for a brand's own ids.
pub const MAX_HANDLE_CHARS: usize = 64;

/// An affiliate's picks: what their page lists before the brand's catalogue. A page
/// carries its products, so this bounds an affiliate page's weight.
pub const MAX_PICKS: usize = 60;

// The chain above must hold: the largest cart's value fits what the collector takes,
// and a billion such values still fit the `i128` sums with room to spare.
const _: () = assert!(MAX_PRICE_MINOR.checked_mul(MAX_QUANTITY as i64).is_some());
const _: () = assert!(MAX_AMOUNT_MINOR / MAX_LINES as i64 / MAX_QUANTITY as i64 == MAX_PRICE_MINOR);
const _: () = assert!(MAX_ID_CHARS <= MAX_TAG_CHARS && MAX_CODE_CHARS <= MAX_TAG_CHARS);
const _: () = assert!(MAX_HANDLE_CHARS <= MAX_TAG_CHARS);

/// Adds amounts without any chance of overflow: `i128` holds more than 10^20 of the
/// largest amount, so a report over any number of stored events is exact.
pub fn sum_minor(amounts: impl IntoIterator<Item = i64>) -> i128 {
    amounts.into_iter().map(i128::from).sum()
}

/// A price × quantity, exact for any `i64` price and `u32` quantity.
pub fn line_total(price_minor: i64, quantity: u32) -> i128 {
    i128::from(price_minor) * i128::from(quantity)
}

/// ISO 4217 codes that are not money a shopper pays in: "no currency" (`XXX`), the
/// testing code (`XTS`), precious metals, bond-market units, special drawing rights and
/// the fund codes. The config check and the collector both refuse them as currencies.
pub const NOT_MONEY: [&str; 22] = [
    "XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "BOV", "CHE", "CHW",
    "CLF", "COU", "MXV", "USN", "UYI", "UYW",
];

/// Whether an ISO 4217 code is one of [`NOT_MONEY`].
pub fn is_not_money(code: &str) -> bool {
    NOT_MONEY.contains(&code)
}

/// Whether an id is one the check accepts: lowercase ASCII letters, digits and hyphens,
/// not starting with a hyphen, 1 to [`MAX_ID_CHARS`] long.
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// Whether `handle` is an affiliate handle as the site uses it (already lowercased;
/// the config check normalises what the brand wrote first): 1 to [`MAX_HANDLE_CHARS`]
/// lowercase ASCII letters, digits, `.`, `_` and `-`, starting and ending with a letter
/// or digit. The characters the platforms allow in handles, and safe as one segment of
/// a path on every static host (no escaping, no trailing dot Windows would drop).
pub fn is_handle(handle: &str) -> bool {
    let bytes = handle.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    handle.len() <= MAX_HANDLE_CHARS
        && edge(bytes.first())
        && edge(bytes.last())
        && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

/// Why a discount code can't be used, in words a creator understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeProblem {
    Empty,
    TooLong,
    /// Spaces, control characters, invisible or direction-changing characters: a shopper
    /// could not type it, and it could display as something else.
    Unprintable(char),
}

impl std::fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeProblem::Empty => write!(f, "a code needs at least one character"),
            CodeProblem::TooLong => write!(f, "a code has at most {MAX_CODE_CHARS} characters"),
            CodeProblem::Unprintable(c) => {
                write!(f, "a code can't contain U+{:04X} (spaces, invisible or control characters)", u32::from(*c))
            }
        }
    }
}

/// Checks a discount code: 1 to [`MAX_CODE_CHARS`] characters, each one a shopper can
/// see and type (no spaces, controls, invisible or bidirectional characters).
pub fn code_problem(code: &str) -> Option<CodeProblem> {
    if code.is_empty() {
        return Some(CodeProblem::Empty);
    }
    if code.chars().count() > MAX_CODE_CHARS {
        return Some(CodeProblem::TooLong);
    }
    code.chars().find(|&c| c.is_whitespace() || c.is_control() || is_invisible(c)).map(CodeProblem::Unprintable)
}

/// Characters that change how text around them is displayed: the Unicode bidirectional
/// controls (embeddings, overrides, isolates and marks). Creator text never needs them
/// (pages isolate it with `<bdi>`), and an override lets "Tote" display as a fake price.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing on their own: the Unicode `Default_Ignorable_Code_Point`
/// ranges that occur in practice (zero-width spaces and joiners, word joiners, the
/// byte-order mark, variation selectors, tags, fillers), plus the bidirectional controls.
/// A name made only of these looks blank.
pub fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether text shows anything: at least one character that is not white space, a
/// control or invisible.
pub fn has_visible_text(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(c))
}

/// The longest start of `text` with at most `max_chars` characters that does not split
/// a user-perceived character: an emoji with skin tone or joined family, a flag, a
/// keycap, a letter with its accents.
///
/// Written by hand rather than with `unicode-segmentation`, whose tables would cost the
/// storefront's bundle more than its whole remaining budget. It knows the extenders
/// that occur in practice (combining marks of the Latin, Greek, Cyrillic, Hebrew,
/// Arabic, Indic, Thai and kana blocks, joiners, variation selectors, skin tones, tags,
/// Hangul vowel and final jamo) and regional-indicator pairs; a property test holds it
/// against `unicode-segmentation` on text made of those. Elsewhere it still cuts on a
/// character boundary, never inside one.
pub fn cut_at_grapheme(text: &str, max_chars: usize) -> &str {
    let Some((mut end, _)) = text.char_indices().nth(max_chars) else { return text };
    loop {
        let (before, after) = text.split_at(end);
        let next = after.chars().next();
        let prev = before.chars().next_back();
        let (Some(next), Some(prev)) = (next, prev) else { break };
        let joined = extends(next)
            || prev == '\u{200D}'
            || (is_regional(next) && odd_regionals_before(before))
            || (prev == '\u{094D}' && is_devanagari_consonant(next));
        if !joined {
            break;
        }
        end -= prev.len_utf8();
    }
    &text[..end]
}

/// Characters that never start a user-perceived character: they join the one before.
fn extends(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}' | '\u{05C7}' | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}'
        | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{093C}' | '\u{093E}'..='\u{094F}' | '\u{0951}'..='\u{0957}'
        | '\u{0962}'..='\u{0963}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{1160}'..='\u{11FF}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{200C}'..='\u{200D}'
        | '\u{20D0}'..='\u{20FF}' | '\u{3099}'..='\u{309A}' | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}'
        | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// A virama between two Devanagari consonants makes one conjunct (क्ष).
fn is_devanagari_consonant(c: char) -> bool {
    matches!(c, '\u{0915}'..='\u{0939}' | '\u{0958}'..='\u{095F}' | '\u{0978}'..='\u{097F}')
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Flags are pairs of regional indicators: after an odd number of them, the next one
/// completes a flag.
fn odd_regionals_before(before: &str) -> bool {
    before.chars().rev().take_while(|&c| is_regional(c)).count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fullest_cart_at_the_highest_price_is_an_amount_the_collector_takes() {
        let line = line_total(MAX_PRICE_MINOR, MAX_QUANTITY);
        let cart = sum_minor(std::iter::repeat_n(i64::try_from(line).expect("fits"), MAX_LINES));
        assert_eq!(cart, i128::from(MAX_AMOUNT_MINOR));
    }

    #[test]
    fn sums_never_overflow() {
        assert_eq!(sum_minor([i64::MAX, i64::MAX, i64::MAX]), 3 * i128::from(i64::MAX));
        assert_eq!(line_total(i64::MAX, u32::MAX), i128::from(i64::MAX) * i128::from(u32::MAX));
        assert_eq!(sum_minor([i64::MIN, -1]), i128::from(i64::MIN) - 1);
    }

    #[test]
    fn non_currencies() {
        for code in ["XXX", "XTS", "XAU", "XDR", "UYI", "CHE"] {
            assert!(is_not_money(code), "{code}");
        }
        for code in ["EUR", "USD", "JPY", "IDR", "CHF", "UYU", "XOF", "XAF", "XCD", "XPF"] {
            assert!(!is_not_money(code), "{code} is money people pay in");
        }
    }

    #[test]
    fn ids() {
        assert!(is_id("tote-bag-2"));
        assert!(is_id(&"a".repeat(MAX_ID_CHARS)));
        for bad in ["", "-tote", "Tote", "tote bag", "tote_bag", "tötе", &"a".repeat(MAX_ID_CHARS + 1)] {
            assert!(!is_id(bad), "{bad}");
        }
    }

    #[test]
    fn handles() {
        for good in ["juno", "juno.park", "mia_k-2", "7", &"a".repeat(MAX_HANDLE_CHARS)] {
            assert!(is_handle(good), "{good}");
        }
        let long = "a".repeat(MAX_HANDLE_CHARS + 1);
        for bad in ["", "Juno", "@juno", "juno.", ".juno", "-juno", "juno park", "jüno", "ｊｕｎｏ", "a/b", "..", &long]
        {
            assert!(!is_handle(bad), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(code_problem("JUNO15"), None);
        assert_eq!(code_problem("ÉTÉ-20%"), None);
        assert_eq!(code_problem(&"A".repeat(MAX_CODE_CHARS)), None);
        assert_eq!(code_problem(""), Some(CodeProblem::Empty));
        assert_eq!(code_problem(&"A".repeat(MAX_CODE_CHARS + 1)), Some(CodeProblem::TooLong));
        assert_eq!(code_problem("JUNO 15"), Some(CodeProblem::Unprintable(' ')));
        assert_eq!(code_problem("JUNO\n15"), Some(CodeProblem::Unprintable('\n')));
        assert_eq!(code_problem("JUNO\u{200B}15"), Some(CodeProblem::Unprintable('\u{200B}')));
        assert_eq!(code_problem("\u{202E}51ONUJ"), Some(CodeProblem::Unprintable('\u{202E}')));
        assert!(CodeProblem::Unprintable('\u{202E}').to_string().contains("U+202E"));
    }

    #[test]
    fn visible_text() {
        assert!(has_visible_text("Juno"));
        assert!(has_visible_text(" 🌿 "));
        assert!(has_visible_text("ب"));
        for blank in ["", "   ", "\u{200B}\u{200C}\u{200D}", "\u{FEFF}", "\u{2060}\u{3164}", "\u{202E}\u{2066}", "\t\n"]
        {
            assert!(!has_visible_text(blank), "{blank:?}");
        }
    }

    #[test]
    fn cuts_keep_emoji_flags_and_accents_whole() {
        let family = "👩\u{200D}👩\u{200D}👧";
        for (text, max, expected) in [
            ("a\u{915}\u{94D}\u{937}", 3, "a"),
            ("abc", 5, "abc"),
            ("abcdef", 3, "abc"),
            ("ab👍🏽", 3, "ab"),
            ("ab👍🏽", 4, "ab👍🏽"),
            (&format!("a{family}"), 4, "a"),
            (&format!("a{family}"), 6, &format!("a{family}")),
            ("🇫🇷🇩🇪", 3, "🇫🇷"),
            ("a🇫🇷🇩🇪", 2, "a"),
            ("1\u{FE0F}\u{20E3}x", 2, ""),
            ("cafe\u{301}s", 4, "caf"),
            ("\u{915}\u{94D}\u{937}", 1, ""),
        ] {
            assert_eq!(cut_at_grapheme(text, max), expected, "{text:?} at {max}");
        }
    }

    proptest::proptest! {
        /// The cut lands on a boundary `unicode-segmentation` agrees with, and keeps
        /// every whole cluster that fits.
        #[test]
        fn cuts_agree_with_unicode_segmentation(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Z", "7", " ", "é", "e\u{301}", "ü", "ж", "ب", "بِ", "ש\u{5B8}", "क्ष", "ก\u{E31}", "か\u{3099}",
                "👍", "👍🏽", "👩\u{200D}👩\u{200D}👧", "❤\u{FE0F}", "1\u{FE0F}\u{20E3}", "🇫🇷", "🇩🇪", "🇯",
                "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}", "\u{1100}\u{1161}\u{11A8}", "한",
            ]), 0..40),
            max in 0usize..80,
        ) {
            use unicode_segmentation::UnicodeSegmentation;
            let text: String = pieces.concat();
            let cut = cut_at_grapheme(&text, max);
            proptest::prop_assert!(cut.chars().count() <= max);
            let mut boundaries = text.grapheme_indices(true).map(|(i, _)| i).chain([text.len()]);
            proptest::prop_assert!(boundaries.any(|i| i == cut.len()), "{text:?} cut at {}", cut.len());
            let next_whole = text.grapheme_indices(true).map(|(i, g)| i + g.len()).find(|&end| end > cut.len());
            if let Some(end) = next_whole {
                proptest::prop_assert!(text[..end].chars().count() > max, "{text:?}: {cut:?} stops early");
            }
        }
    }

    #[test]
    fn bidi_controls() {
        for c in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{061C}']
        {
            assert!(is_bidi_control(c), "{c:?}");
        }
        assert!(!is_bidi_control('a'));
        assert!(!is_bidi_control('\u{200D}'), "a joiner is invisible but not a direction control");
    }
}

#[cfg(test)]
mod docs {
    /// The limits table in `docs/configuration.md` must say what the code does.
    #[test]
    fn the_documented_limits_table_matches_the_code() {
        let doc = include_str!("../../docs/configuration.md");
        let expected = [
            ("MAX_PRICE_MINOR", super::MAX_PRICE_MINOR.to_string()),
            ("MAX_QUANTITY", super::MAX_QUANTITY.to_string()),
            ("MAX_LINES", super::MAX_LINES.to_string()),
            ("MAX_AMOUNT_MINOR", super::MAX_AMOUNT_MINOR.to_string()),
            ("MAX_ID_CHARS", super::MAX_ID_CHARS.to_string()),
            ("MAX_CODE_CHARS", super::MAX_CODE_CHARS.to_string()),
            ("MAX_TAG_CHARS", super::MAX_TAG_CHARS.to_string()),
            ("MAX_HANDLE_CHARS", super::MAX_HANDLE_CHARS.to_string()),
            ("MAX_PICKS", super::MAX_PICKS.to_string()),
        ];
        for (name, value) in expected {
            let row = doc
                .lines()
                .find(|line| line.contains(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("docs/configuration.md has no row for {name}"));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            assert_eq!(cells.get(3).copied(), Some(value.as_str()), "{name} in docs/configuration.md: {row}");
        }
    }
}
