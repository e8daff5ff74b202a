//! The shopper's language: every word of ours a page shows or says (buttons, labels,
//! notices, errors, screen-reader announcements, the `.ics` text) comes from a locale
//! file (`locales/<tag>.json`), never from the code. Creator content stays as written.
//!
//! A page carries the words of its own language only, as [`Text`] in its data: the
//! bundle holds no sentence in any language, so a language costs the pages that use it
//! and nothing else. The build writes one copy of the site per language the creator
//! offers (`/` in the creator's `locale`, `/es/`, `/ja/` …: see `docs/languages.md`).
//!
//! Words that depend on a number ("1 hour", "5 hours") are [`Counted`]: each form is
//! picked by the language's plural rules (CLDR), `Intl.PluralRules` in the browser and
//! the `intl_pluralrules` crate natively, which follow the same CLDR data.

use serde::{Deserialize, Serialize};

/// A language the storefront speaks: a locale file in `locales/`. Adding one is adding
/// its file and a line here (`docs/languages.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    En,
    Es,
    De,
    Fr,
    PtBr,
    Ja,
}

impl Locale {
    pub const ALL: [Locale; 6] = [Locale::En, Locale::Es, Locale::De, Locale::Fr, Locale::PtBr, Locale::Ja];

    /// The BCP 47 tag: `<html lang>`, `hreflang`, the locale file's name and `Intl`'s.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::PtBr => "pt-BR",
            Locale::Ja => "ja",
        }
    }

    /// The language's name in itself, as the language links show it.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Es => "Español",
            Locale::De => "Deutsch",
            Locale::Fr => "Français",
            Locale::PtBr => "Português (Brasil)",
            Locale::Ja => "日本語",
        }
    }

    /// The folder of the language's copy of the site, when it is not the creator's
    /// default (which is at the site's root): `es/`, `pt-br/`. Lowercase, because some
    /// static hosts match paths case-sensitively and people type them lowercase.
    pub fn folder(self) -> String {
        format!("{}/", self.tag().to_ascii_lowercase())
    }

    /// The language a BCP 47 tag asks for (`es-MX`, `pt`, `PT_br`, `ja-JP`): its
    /// primary language, so every Spanish gets Spanish; Portuguese of any region gets
    /// the Brazilian text, the one we ship. `None` for a language we don't speak.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag().split('-').next() == Some(primary.as_str()))
    }
}

/// The locale a page formats prices and dates in (`Intl`): the browser's own when it
/// is the page's language (`en-US` on an English page keeps its month-first dates),
/// otherwise the page's (an English browser on the Spanish copy reads "24 dic", not
/// "24 Dec" inside Spanish words).
pub fn intl_locale(browser: &str, page: Locale) -> String {
    match Locale::from_tag(browser) {
        Some(language) if language == page => browser.to_owned(),
        _ => page.tag().to_owned(),
    }
}

/// A CLDR plural category: which form of a [`Counted`] text a number takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Plural {
    pub const ALL: [Plural; 6] = [Plural::Zero, Plural::One, Plural::Two, Plural::Few, Plural::Many, Plural::Other];

    /// CLDR's name for the category (what `Intl.PluralRules.select` answers and what a
    /// locale file writes).
    pub fn name(self) -> &'static str {
        match self {
            Plural::Zero => "zero",
            Plural::One => "one",
            Plural::Two => "two",
            Plural::Few => "few",
            Plural::Many => "many",
            Plural::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Plural {
        Plural::ALL.into_iter().find(|p| p.name() == name).unwrap_or(Plural::Other)
    }
}

macro_rules! keys {
    ($enum:ident { $($key:ident = $name:literal,)* }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $enum { $($key,)* }

        impl $enum {
            pub const ALL: &'static [$enum] = &[$($enum::$key,)*];

            /// The key in the locale files.
            pub fn name(self) -> &'static str {
                match self { $($enum::$key => $name,)* }
            }
        }
    };
}

keys!(Key {
    MadeWith = "made_with",
    Languages = "languages",
    Back = "back",
    ShopOf = "shop_of",
    BackToShopOf = "back_to_shop_of",
    SeeWholeShop = "see_whole_shop",
    ProductMissing = "product_missing",
    ProductMissingDetail = "product_missing_detail",
    PageMissing = "page_missing",
    PageMissingDetail = "page_missing_detail",
    SocialLinks = "social_links",
    OnPlatform = "on_platform",
    TitleCart = "title_cart",
    TitleThanks = "title_thanks",
    TitleShop = "title_shop",
    Photos = "photos",
    Labels = "labels",
    In = "in",
    BadgeNew = "badge_new",
    BadgeLimited = "badge_limited",
    SoldOut = "sold_out",
    DisclosureAffiliate = "disclosure_affiliate",
    DisclosureGifted = "disclosure_gifted",
    DisclosurePaid = "disclosure_paid",
    Buy = "buy",
    BuyProduct = "buy_product",
    BuyAt = "buy_at",
    Add = "add",
    AddToCart = "add_to_cart",
    AddProductToCart = "add_product_to_cart",
    AddToCartProduct = "add_to_cart_product",
    ChecksOutSeparately = "checks_out_separately",
    Drops = "drops",
    PriceWithCode = "price_with_code",
    Was = "was",
    MyPicks = "my_picks",
    Added = "added",
    Removed = "removed",
    InYourCart = "in_your_cart",
    InYourCartCount = "in_your_cart_count",
    OneFewer = "one_fewer",
    OneMore = "one_more",
    ViewCart = "view_cart",
    YourCart = "your_cart",
    CartEmpty = "cart_empty",
    BrowseShop = "browse_shop",
    KeepShopping = "keep_shopping",
    Subtotal = "subtotal",
    Discount = "discount",
    Shipping = "shipping",
    Free = "free",
    Total = "total",
    CheckOutAt = "check_out_at",
    PayAtShop = "pay_at_shop",
    Remove = "remove",
    RemoveProduct = "remove_product",
    CannotSoldOut = "cannot_sold_out",
    CannotNotYet = "cannot_not_yet",
    CannotBuyDirect = "cannot_buy_direct",
    CannotOtherShop = "cannot_other_shop",
    CannotOtherCurrency = "cannot_other_currency",
    CannotAtLimit = "cannot_at_limit",
    CannotFull = "cannot_full",
    CannotUnknown = "cannot_unknown",
    DiscountCodes = "discount_codes",
    DiscountCode = "discount_code",
    EnterCode = "enter_code",
    Apply = "apply",
    CodeApplied = "code_applied",
    CodeRemoved = "code_removed",
    RemoveCode = "remove_code",
    CodeBlank = "code_blank",
    CodeUnknown = "code_unknown",
    CodeEnded = "code_ended",
    NotAppliedEmptyCart = "not_applied_empty_cart",
    NotAppliedNotStarted = "not_applied_not_started",
    NotAppliedEnded = "not_applied_ended",
    NotAppliedNothingInScope = "not_applied_nothing_in_scope",
    NotAppliedBelowMinimum = "not_applied_below_minimum",
    NotAppliedCurrency = "not_applied_currency",
    Ends = "ends",
    Copy = "copy",
    Copied = "copied",
    CopyCode = "copy_code",
    CopiedCode = "copied_code",
    CopiedToClipboard = "copied_to_clipboard",
    CopyFailed = "copy_failed",
    WithBrand = "with_brand",
    OfferPercent = "offer_percent",
    OfferAmount = "offer_amount",
    OfferFreeShipping = "offer_free_shipping",
    OfferEverything = "offer_everything",
    OfferSelected = "offer_selected",
    OfferOrdersOver = "offer_orders_over",
    OfferSelectedOver = "offer_selected_over",
    OfferFreeShippingSelected = "offer_free_shipping_selected",
    OfferFreeShippingOver = "offer_free_shipping_over",
    OfferFreeShippingSelectedOver = "offer_free_shipping_selected_over",
    AppliedAtCheckoutOver = "applied_at_checkout_over",
    AppliedFreeShipping = "applied_free_shipping",
    AppliedFreeShippingOver = "applied_free_shipping_over",
    AppliedMarked = "applied_marked",
    AppliedIncluded = "applied_included",
    ThankYou = "thank_you",
    ShopWillEmail = "shop_will_email",
    YourOrder = "your_order",
    LiveNow = "live_now",
    PopupsAndLives = "popups_and_lives",
    ZoneTime = "zone_time",
    YourTime = "your_time",
    Popup = "popup",
    Map = "map",
    MapFor = "map_for",
    GetDirections = "get_directions",
    LiveStream = "live_stream",
    WatchOn = "watch_on",
    AddToCalendar = "add_to_calendar",
    AddToCalendarFile = "add_to_calendar_file",
    GoogleCalendar = "google_calendar",
    AddToGoogleCalendar = "add_to_google_calendar",
    IcsTimesShown = "ics_times_shown",
    Share = "share",
    ShareThing = "share_thing",
    ShareCode = "share_code",
    LinkCopied = "link_copied",
    CouldntCopy = "couldnt_copy",
    InAppCheckout = "in_app_checkout",
    InAppCalendar = "in_app_calendar",
    OpenInBrowser = "open_in_browser",
    OpenInSafari = "open_in_safari",
    OpenInOwnBrowser = "open_in_own_browser",
    CopyLink = "copy_link",
    CopyLinkFailed = "copy_link_failed",
    Offline = "offline",
    OfflineDetail = "offline_detail",
    OfflineSeen = "offline_seen",
    OfflineTitle = "offline_title",
    OpenShop = "open_shop",
    TryAgain = "try_again",
    DirectoryTitle = "directory_title",
});

keys!(Counted {
    EndsInMinutes = "ends_in_minutes",
    EndsInHours = "ends_in_hours",
    DropsInMinutes = "drops_in_minutes",
    DropsInHours = "drops_in_hours",
    Items = "items",
    More = "more",
    DirectoryIntro = "directory_intro",
});

/// A number to say with a counted text ("Ends in {count} hours").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub key: Counted,
    pub n: u64,
}

/// A page's words in its language: what the page's data carries (`embed`), read by
/// key. Built from a locale file by the build (`Text::from_json`, native only), so a
/// page never holds a key it cannot answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub locale: Locale,
    /// In [`Key::ALL`]'s order.
    words: Vec<String>,
    /// Per [`Counted`] key, one form per [`Plural`] category (in `Plural::ALL`'s
    /// order); a form the language does not use is empty and reads as `other`.
    counted: Vec<String>,
}

impl Text {
    /// The text of `key`, as written (placeholders unfilled). Empty only in a `Text`
    /// that was never loaded (`Text::default()`).
    pub fn get(&self, key: Key) -> &str {
        self.words.get(key as usize).map_or("", String::as_str)
    }

    /// `key`'s text with its `{name}` placeholders filled from `args`. A name not in
    /// `args` stays as written; a value is never read for placeholders again, so a
    /// creator's "{code}" in a title stays text.
    pub fn fill(&self, key: Key, args: &[(&str, &str)]) -> String {
        fill(self.get(key), args)
    }

    /// The form of `key` for `n` in `plural`'s category (the language's rules for `n`,
    /// from `Intl.PluralRules` or `intl_pluralrules`), with `{count}` filled.
    pub fn count(&self, key: Counted, n: u64, plural: Plural) -> String {
        let at = |p: Plural| self.counted.get(key as usize * Plural::ALL.len() + p as usize).filter(|s| !s.is_empty());
        let form = at(plural).or_else(|| at(Plural::Other)).map_or("", String::as_str);
        fill(form, &[("count", &n.to_string())])
    }
}

/// Which words each page can show or say: a page's data carries those only
/// ([`Text::for_route`], applied where the build embeds a page's data), every other
/// word empty (one byte each). Checked by the build's
/// tests: every page rendered with its words is the page rendered with all of them.
mod shown {
    use super::Key::{self, *};

    /// On every page: the cart bar and its notices (an add, a refused add, a landing
    /// code that does not apply), the in-app bar, Share, the socials, the back link.
    pub const EVERY_PAGE: &[Key] = &[
        Back,
        ViewCart,
        Added,
        Removed,
        InYourCartCount,
        CannotSoldOut,
        CannotNotYet,
        CannotBuyDirect,
        CannotOtherShop,
        CannotOtherCurrency,
        CannotAtLimit,
        CannotFull,
        CannotUnknown,
        CodeBlank,
        CodeUnknown,
        CodeEnded,
        LinkCopied,
        InAppCheckout,
        InAppCalendar,
        OpenInBrowser,
        OpenInSafari,
        OpenInOwnBrowser,
        CopyLink,
        CopyLinkFailed,
        SocialLinks,
        OnPlatform,
        Share,
        ShareThing,
        ShareCode,
        CouldntCopy,
    ];
    /// Where products are offered (cards, a product's page).
    pub const PRODUCTS: &[Key] = &[
        Buy,
        BuyProduct,
        BuyAt,
        Add,
        AddToCart,
        AddProductToCart,
        AddToCartProduct,
        SoldOut,
        ChecksOutSeparately,
        Drops,
        PriceWithCode,
        Was,
        Labels,
        BadgeNew,
        BadgeLimited,
        DisclosureAffiliate,
        DisclosureGifted,
        DisclosurePaid,
        InYourCart,
        OneFewer,
        OneMore,
    ];
    /// What a code's offer says, on its card and in the cart.
    pub const OFFERS: &[Key] = &[
        OfferPercent,
        OfferAmount,
        OfferFreeShipping,
        OfferEverything,
        OfferSelected,
        OfferOrdersOver,
        OfferSelectedOver,
        OfferFreeShippingSelected,
        OfferFreeShippingOver,
        OfferFreeShippingSelectedOver,
    ];
    /// The home page (and an affiliate's): codes, pop-ups, the footer.
    pub const HOME: &[Key] = &[
        MadeWith,
        DiscountCodes,
        Ends,
        Copy,
        Copied,
        CopyCode,
        CopiedCode,
        CopiedToClipboard,
        CopyFailed,
        WithBrand,
        AppliedAtCheckoutOver,
        AppliedFreeShipping,
        AppliedFreeShippingOver,
        AppliedMarked,
        AppliedIncluded,
        LiveNow,
        PopupsAndLives,
        ZoneTime,
        YourTime,
        Popup,
        Map,
        MapFor,
        GetDirections,
        LiveStream,
        WatchOn,
        AddToCalendar,
        AddToCalendarFile,
        GoogleCalendar,
        AddToGoogleCalendar,
    ];
    pub const PRODUCT: &[Key] = &[Photos, In, ShopOf];
    pub const CART: &[Key] = &[
        YourCart,
        CartEmpty,
        BrowseShop,
        KeepShopping,
        Subtotal,
        Discount,
        Shipping,
        Free,
        Total,
        CheckOutAt,
        PayAtShop,
        Remove,
        RemoveProduct,
        DiscountCode,
        EnterCode,
        Apply,
        CodeApplied,
        CodeRemoved,
        RemoveCode,
        NotAppliedEmptyCart,
        NotAppliedNotStarted,
        NotAppliedEnded,
        NotAppliedNothingInScope,
        NotAppliedBelowMinimum,
        NotAppliedCurrency,
        InYourCart,
        OneFewer,
        OneMore,
    ];
    pub const THANKS: &[Key] = &[ThankYou, ShopWillEmail, YourOrder, BackToShopOf];
    pub const MISSING: &[Key] = &[ProductMissing, ProductMissingDetail, PageMissing, PageMissingDetail, SeeWholeShop];
}

impl Text {
    /// The words `route`'s page can show ([`shown`]): the rest left empty, as are the
    /// counted texts the page never counts.
    pub fn for_route(&self, route: &crate::route::Route) -> Text {
        use crate::route::Route;
        use shown::*;
        let (groups, counted): (&[&[Key]], &[Counted]) = match route {
            Route::Home | Route::Affiliate(_) => (
                &[EVERY_PAGE, PRODUCTS, OFFERS, HOME],
                &[
                    Counted::Items,
                    Counted::DropsInMinutes,
                    Counted::DropsInHours,
                    Counted::EndsInMinutes,
                    Counted::EndsInHours,
                    Counted::More,
                ],
            ),
            Route::Product(_) => {
                (&[EVERY_PAGE, PRODUCTS, PRODUCT], &[Counted::Items, Counted::DropsInMinutes, Counted::DropsInHours])
            }
            Route::Cart => (&[EVERY_PAGE, OFFERS, CART], &[Counted::Items]),
            Route::Thanks => (&[EVERY_PAGE, THANKS], &[Counted::Items]),
            Route::NotFound => (&[EVERY_PAGE, MISSING], &[Counted::Items]),
        };
        let mut page = self.clone();
        for (i, word) in page.words.iter_mut().enumerate() {
            if !groups.iter().any(|g| g.iter().any(|k| *k as usize == i)) {
                word.clear();
            }
        }
        let forms = Plural::ALL.len();
        for (i, form) in page.counted.iter_mut().enumerate() {
            if !counted.iter().any(|c| *c as usize == i / forms) {
                form.clear();
            }
        }
        page
    }
}

/// Fills `{name}` placeholders in one pass over `template`.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(any(test, feature = "locales"))]
pub use files::*;

/// Reading the locale files: at build time and in tests, never in the bundle.
#[cfg(any(test, feature = "locales"))]
mod files {
    use super::*;
    use std::collections::BTreeSet;
    use std::fmt;

    /// The shipped locale files, compiled into the build tool.
    pub fn shipped_file(locale: Locale) -> &'static str {
        match locale {
            Locale::En => include_str!("../../locales/en.json"),
            Locale::Es => include_str!("../../locales/es.json"),
            Locale::De => include_str!("../../locales/de.json"),
            Locale::Fr => include_str!("../../locales/fr.json"),
            Locale::PtBr => include_str!("../../locales/pt-BR.json"),
            Locale::Ja => include_str!("../../locales/ja.json"),
        }
    }

    /// What is wrong with a locale file, every problem at once.
    #[derive(Clone, Debug, PartialEq)]
    pub enum LocaleError {
        NotJson(String),
        Missing(String),
        Unknown(String),
        /// A counted text without a form its language's rules need.
        MissingForm {
            key: String,
            form: &'static str,
        },
        /// A text whose `{placeholders}` differ from English's: a dropped `{title}` loses
        /// the product's name, an invented one shows braces.
        Placeholders {
            key: String,
            expected: Vec<String>,
            found: Vec<String>,
        },
        NotText(String),
    }

    impl fmt::Display for LocaleError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                LocaleError::NotJson(why) => write!(f, "not a JSON object of texts: {why}"),
                LocaleError::Missing(key) => write!(f, "`{key}` is missing"),
                LocaleError::Unknown(key) => write!(f, "`{key}` is not a key Linkshelf uses (misspelt?)"),
                LocaleError::MissingForm { key, form } => {
                    write!(f, "`{key}` needs its `{form}` form in this language")
                }
                LocaleError::Placeholders { key, expected, found } => write!(
                    f,
                    "`{key}` must use the placeholders {{{}}}, it uses {{{}}}",
                    expected.join("}, {"),
                    found.join("}, {")
                ),
                LocaleError::NotText(key) => write!(f, "`{key}` must be text (or, for a counted text, its forms)"),
            }
        }
    }

    /// The locale's words and its calendar names, from its file.
    pub struct LocaleFile {
        pub text: Text,
        pub calendar: CalendarWords,
    }

    /// Names the build writes dates with (the page's own dates before the browser's
    /// `Intl` takes over, and the `.ics` text).
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct CalendarWords {
        /// January first.
        pub months: Vec<String>,
        /// Monday first.
        pub weekdays: Vec<String>,
        /// "{weekday} {day} {month}": placeholders `weekday`, `day`, `month`.
        pub date: String,
        /// "{day} {month}".
        pub day_month: String,
    }

    /// Every `{name}` in a text, sorted.
    pub fn placeholders(text: &str) -> Vec<String> {
        let mut names = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if let Some(close) = rest.find('}') {
                names.insert(rest[..close].to_owned());
                rest = &rest[close + 1..];
            }
        }
        names.into_iter().collect()
    }

    /// The plural categories `locale` uses for the whole numbers a page counts (0 to
    /// 200: minutes, hours, items): the forms a counted text must have. French, Spanish
    /// and Portuguese use `many` only for exact millions, so it is not required there
    /// (`other` stands in), while a Polish file would need it (5 to 21).
    pub fn needed_forms(locale: Locale) -> Vec<Plural> {
        let mut forms: Vec<Plural> = (0..=200).map(|n| plural(locale, n)).collect();
        forms.push(Plural::Other);
        Plural::ALL.into_iter().filter(|p| forms.contains(p)).collect()
    }

    /// `n`'s plural category in `locale` (CLDR cardinal rules, `intl_pluralrules`).
    pub fn plural(locale: Locale, n: u64) -> Plural {
        use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
        let language = |tag: &str| tag.parse::<unic_langid::LanguageIdentifier>().ok();
        // By the primary language: the crate knows `pt` (Brazil's rules, as CLDR and the
        // browser give for `pt-BR`), not `pt-BR`.
        let primary = locale.tag().split('-').next().unwrap_or("en");
        let rules = language(primary)
            .and_then(|id| PluralRules::create(id, PluralRuleType::CARDINAL).ok())
            .or_else(|| PluralRules::create(language("en")?, PluralRuleType::CARDINAL).ok());
        match rules.and_then(|r| r.select(n).ok()) {
            Some(PluralCategory::ZERO) => Plural::Zero,
            Some(PluralCategory::ONE) => Plural::One,
            Some(PluralCategory::TWO) => Plural::Two,
            Some(PluralCategory::FEW) => Plural::Few,
            Some(PluralCategory::MANY) => Plural::Many,
            _ => Plural::Other,
        }
    }

    impl Text {
        /// The shipped text of `locale`. The shipped files are checked by this crate's
        /// tests, so this cannot fail for them.
        pub fn shipped(locale: Locale) -> Text {
            LocaleFile::shipped_or_blank(locale).text
        }
    }

    impl LocaleFile {
        pub fn shipped(locale: Locale) -> Result<LocaleFile, Vec<LocaleError>> {
            LocaleFile::parse(locale, shipped_file(locale))
        }

        /// The shipped file, for code that has no way to report a problem with it: the
        /// shipped files are checked by this crate's tests
        /// (`every_shipped_locale_has_every_key`), so the blank stand-in never shows.
        pub fn shipped_or_blank(locale: Locale) -> LocaleFile {
            LocaleFile::shipped(locale).unwrap_or_else(|_| LocaleFile {
                text: Text { locale, ..Text::default() },
                calendar: CalendarWords::default(),
            })
        }

        /// Reads `json` as `locale`'s file, checked against English: every key there,
        /// none more, the same placeholders, every plural form the language needs.
        pub fn parse(locale: Locale, json: &str) -> Result<LocaleFile, Vec<LocaleError>> {
            use serde_json::Value;
            let object: serde_json::Map<String, Value> =
                serde_json::from_str(json).map_err(|e| vec![LocaleError::NotJson(e.to_string())])?;
            let english: Option<serde_json::Map<String, Value>> =
                (locale != Locale::En).then(|| serde_json::from_str(shipped_file(Locale::En)).ok()).flatten();
            let mut errors = Vec::new();
            let known: BTreeSet<&str> = Key::ALL
                .iter()
                .map(|k| k.name())
                .chain(Counted::ALL.iter().map(|k| k.name()))
                .chain(["months", "weekdays", "date", "day_month", "_about"])
                .collect();
            errors
                .extend(object.keys().filter(|k| !known.contains(k.as_str())).map(|k| LocaleError::Unknown(k.clone())));
            let placeholder_error = |key: &str, found: &str| -> Option<LocaleError> {
                let reference = english.as_ref().and_then(|e| e.get(key));
                let expected = match reference {
                    Some(Value::String(s)) => placeholders(s),
                    Some(Value::Object(forms)) => {
                        forms.get("other").and_then(Value::as_str).map(placeholders).unwrap_or_default()
                    }
                    _ => return None,
                };
                let found = placeholders(found);
                // A counted text may leave the number out of a form ("an hour").
                let found_or_count: Vec<String> = found.iter().filter(|n| *n != "count").cloned().collect();
                let expected_or_count: Vec<String> = expected.iter().filter(|n| *n != "count").cloned().collect();
                (found_or_count != expected_or_count).then(|| LocaleError::Placeholders {
                    key: key.to_owned(),
                    expected,
                    found,
                })
            };
            let mut words = Vec::new();
            for key in Key::ALL {
                match object.get(key.name()) {
                    Some(Value::String(s)) => {
                        errors.extend(placeholder_error(key.name(), s));
                        words.push(s.clone());
                    }
                    Some(_) => errors.push(LocaleError::NotText(key.name().to_owned())),
                    None => errors.push(LocaleError::Missing(key.name().to_owned())),
                }
            }
            let mut counted = Vec::new();
            for key in Counted::ALL {
                let Some(value) = object.get(key.name()) else {
                    errors.push(LocaleError::Missing(key.name().to_owned()));
                    continue;
                };
                let Some(forms) = value.as_object() else {
                    errors.push(LocaleError::NotText(key.name().to_owned()));
                    continue;
                };
                for form in needed_forms(locale) {
                    if !forms.contains_key(form.name()) {
                        errors.push(LocaleError::MissingForm { key: key.name().to_owned(), form: form.name() });
                    }
                }
                for (name, form) in forms {
                    match form.as_str() {
                        Some(s) if Plural::ALL.iter().any(|p| p.name() == name) => {
                            errors.extend(placeholder_error(key.name(), s))
                        }
                        _ => errors.push(LocaleError::NotText(format!("{}.{name}", key.name()))),
                    }
                }
                counted.extend(
                    Plural::ALL.iter().map(|p| forms.get(p.name()).and_then(Value::as_str).unwrap_or("").to_owned()),
                );
            }
            let list = |key: &str| -> Vec<String> {
                let items: Vec<String> = object
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                items
            };
            let (months, weekdays) = (list("months"), list("weekdays"));
            if months.len() != 12 {
                errors.push(LocaleError::Missing("months (twelve names, January first)".to_owned()));
            }
            if weekdays.len() != 7 {
                errors.push(LocaleError::Missing("weekdays (seven names, Monday first)".to_owned()));
            }
            let pattern = |key: &str, errors: &mut Vec<LocaleError>| match object.get(key).and_then(Value::as_str) {
                Some(s) => s.to_owned(),
                None => {
                    errors.push(LocaleError::Missing(key.to_owned()));
                    String::new()
                }
            };
            let date = pattern("date", &mut errors);
            let day_month = pattern("day_month", &mut errors);
            if errors.is_empty() {
                Ok(LocaleFile {
                    text: Text { locale, words, counted },
                    calendar: CalendarWords { months, weekdays, date, day_month },
                })
            } else {
                Err(errors)
            }
        }
    }

    impl CalendarWords {
        /// "Sat 5 Dec" (`date`) for a civil date; `weekday` 0 is Monday.
        pub fn date(&self, weekday: usize, day: i8, month: i8) -> String {
            let name = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
            fill(
                &self.date,
                &[
                    ("weekday", &name(&self.weekdays, weekday)),
                    ("day", &day.to_string()),
                    ("month", &name(&self.months, (month as usize).saturating_sub(1))),
                ],
            )
        }

        /// "5 Dec" (`day_month`).
        pub fn day_month(&self, day: i8, month: i8) -> String {
            let month = self.months.get((month as usize).saturating_sub(1)).cloned().unwrap_or_default();
            fill(&self.day_month, &[("day", &day.to_string()), ("month", &month)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test the issue asks for: a locale that misses a key (or has a stray one, a
    /// wrong placeholder, a missing plural form) fails here, naming the key.
    #[test]
    fn every_shipped_locale_has_every_key() {
        for locale in Locale::ALL {
            if let Err(errors) = LocaleFile::shipped(locale) {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                panic!("locales/{}.json:\n  {}", locale.tag(), list.join("\n  "));
            }
        }
    }

    #[test]
    fn a_missing_key_a_stray_key_and_a_lost_placeholder_are_each_named() {
        let mut file: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(shipped_file(Locale::Es)).expect("Spanish parses");
        file.remove("add_to_cart");
        file.insert("add_too_cart".into(), "Añadir".into());
        file.insert("buy_product".into(), "Comprar".into());
        file.insert("items".into(), serde_json::json!({ "other": "{count} artículos" }));
        let errors =
            LocaleFile::parse(Locale::Es, &serde_json::Value::Object(file).to_string()).err().expect("refused");
        assert!(errors.contains(&LocaleError::Missing("add_to_cart".into())), "{errors:?}");
        assert!(errors.contains(&LocaleError::Unknown("add_too_cart".into())), "{errors:?}");
        assert!(errors.contains(&LocaleError::MissingForm { key: "items".into(), form: "one" }), "{errors:?}");
        assert!(
            errors.iter().any(|e| matches!(e, LocaleError::Placeholders { key, .. } if key == "buy_product")),
            "{errors:?}"
        );
    }

    #[test]
    fn fill_is_one_pass_and_keeps_unknown_braces() {
        assert_eq!(fill("Add {title} to cart", &[("title", "Mug {code}")]), "Add Mug {code} to cart");
        assert_eq!(fill("{a}{b}", &[("a", "1"), ("b", "2")]), "12");
        assert_eq!(fill("{x} and {", &[]), "{x} and {");
        assert_eq!(fill("日本{name}語", &[("name", "ü")]), "日本ü語");
    }

    #[test]
    fn counted_texts_follow_each_language_s_rules() {
        let count = |locale, n| Text::shipped(locale).count(Counted::EndsInHours, n, plural(locale, n));
        assert_eq!(count(Locale::En, 1), "Ends in 1 hour");
        assert_eq!(count(Locale::En, 0), "Ends in 0 hours");
        assert_eq!(count(Locale::En, 5), "Ends in 5 hours");
        // French and Brazilian Portuguese count 0 and 1 as one; Spanish and German do not.
        assert_eq!(plural(Locale::Fr, 0), Plural::One);
        assert_eq!(plural(Locale::PtBr, 0), Plural::One);
        assert_eq!(plural(Locale::Es, 0), Plural::Other);
        assert_eq!(plural(Locale::De, 1), Plural::One);
        assert_eq!(plural(Locale::Ja, 1), Plural::Other, "Japanese has one form");
        assert_eq!(count(Locale::Fr, 0), count(Locale::Fr, 1).replace('1', "0"));
        assert_ne!(count(Locale::Es, 1).replace('1', "2"), count(Locale::Es, 2), "Spanish has a singular");
    }

    #[test]
    fn dates_and_prices_follow_the_page_s_language() {
        assert_eq!(intl_locale("en-US", Locale::En), "en-US");
        assert_eq!(intl_locale("en-GB", Locale::Es), "es");
        assert_eq!(intl_locale("pt-PT", Locale::PtBr), "pt-PT", "a Portuguese browser keeps its conventions");
        assert_eq!(intl_locale("", Locale::Ja), "ja");
    }

    #[test]
    fn a_browser_s_languages_map_to_ours() {
        assert_eq!(Locale::from_tag("es-MX"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("pt-PT"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("PT_br"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("ja-JP"), Some(Locale::Ja));
        assert_eq!(Locale::from_tag("en"), Some(Locale::En));
        assert_eq!(Locale::from_tag("ar"), None);
        assert_eq!(Locale::from_tag(""), None);
        assert_eq!(Locale::PtBr.folder(), "pt-br/");
    }

    #[test]
    fn every_language_names_every_month_and_day() {
        for locale in Locale::ALL {
            let file = LocaleFile::shipped(locale).unwrap_or_else(|e| panic!("{}: {e:?}", locale.tag()));
            let date = file.calendar.date(5, 5, 12);
            assert!(date.contains('5') && !date.contains('{'), "{}: {date}", locale.tag());
        }
    }
}
