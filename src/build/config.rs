//! The creator's config file: reading it, and checking every rule before a build.
//!
//! The file is JSON (`storefront.json`) with a JSON Schema beside it
//! (`storefront.schema.json`) so editors autocomplete and underline mistakes as the
//! creator types. Values a creator writes by hand are strings here (`"32.00 EUR"`,
//! `"2026-12-05T11:00"`, URLs): that keeps a typo from stopping the parser, so
//! [`validate`] can report *every* problem at once, each with its field path.

use crate::build::calendar;
use linkshelf_core::model::Roster;

mod roster;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use linkshelf_core::checkout;
use linkshelf_core::limits::{self, CodeProblem};
use linkshelf_core::locale::{CalendarWords, Key, Locale, LocaleFile};
use linkshelf_core::model::Sink;
use linkshelf_core::model::{
    Badge, Checkout, Code, Collection, Creator, Disclosure, Image, Offer, Place, Popup, Privacy, Product, Scope, Site,
    SocialKind, SocialLink, Storefront, Tracking, UtcMillis,
};
use linkshelf_core::money::{Money, MoneyParseError};
use linkshelf_core::theme::{self, Rgb};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// The file as written.
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// A Linkshelf storefront: one creator's profile, codes, products, collections and
/// pop-ups. Check it with `linkshelf check storefront.json`.
#[schemars(title = "Linkshelf storefront")]
pub struct RawConfig {
    /// The schema this file follows, for editors.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Where the shop will live on the web.
    #[serde(default)]
    pub site: RawSite,
    pub creator: RawCreator,
    #[serde(default)]
    pub theme: RawTheme,
    #[serde(default)]
    pub codes: Vec<RawCode>,
    #[serde(default)]
    pub products: Vec<RawProduct>,
    #[serde(default)]
    pub collections: Vec<RawCollection>,
    #[serde(default)]
    pub popups: Vec<RawPopup>,
    #[serde(default)]
    pub tracking: RawTracking,
    /// The default Shopify shop for products whose checkout is "shopify" without a
    /// "shop" of their own.
    #[serde(default)]
    pub shopify: Option<RawShopify>,
    /// Brand mode: the brand's affiliates, each with a page of their own at
    /// /c/<handle>/ (see "Brand mode" in docs/configuration.md). Here `creator` is the
    /// brand.
    #[serde(default)]
    pub affiliates: Option<RawAffiliates>,
}

/// A brand's affiliates: written here in `list`, or one per row of a CSV file
/// (`roster`), or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAffiliates {
    /// A CSV file next to this config with one affiliate per row, as a spreadsheet or
    /// affiliate platform exports it. Columns: see docs/configuration.md.
    #[serde(default)]
    pub roster: Option<String>,
    /// Show the brand's collections on each affiliate's page, after their picks.
    #[serde(default = "yes")]
    pub catalogue: bool,
    /// List every affiliate on a page of the site (/c/). Off unless set: many brands
    /// keep their roster to themselves.
    #[serde(default)]
    pub directory: bool,
    /// Shown on an affiliate's page unless they have their own, e.g. "I earn a
    /// commission on sales through this page."
    #[serde(default)]
    pub disclosure: String,
    /// Affiliates written in this file (the roster's rows follow them).
    #[serde(default)]
    pub list: Vec<RawAffiliate>,
}

fn yes() -> bool {
    true
}

/// One affiliate.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAffiliate {
    /// Their page's address: /c/<handle>/. Letters, digits, ".", "_" and "-", as on
    /// TikTok and Instagram; a leading "@" and capitals are fine (the page uses it
    /// lowercased).
    pub handle: String,
    pub name: String,
    /// Their photo; without it, the brand's avatar.
    #[serde(default)]
    pub avatar: Option<RawImage>,
    #[serde(default)]
    pub bio: String,
    /// Their own disclosure; without it, affiliates.disclosure.
    #[serde(default)]
    pub disclosure: Option<String>,
    #[serde(default)]
    pub links: Vec<RawSocialLink>,
    /// Their codes (the page applies the first), with the same rules as the brand's.
    #[serde(default)]
    pub codes: Vec<RawCode>,
    /// Product ids from the brand's catalogue, in the order shown.
    #[serde(default)]
    pub picks: Vec<String>,
    /// Their own pop-ups and lives, shown before the brand's.
    #[serde(default)]
    pub popups: Vec<RawPopup>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShopify {
    /// The shop's domain, e.g. "fable-studio.myshopify.com" or "shop.fable.example".
    pub shop: String,
}

/// Where click and purchase events go. Without sinks nothing is sent.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTracking {
    /// "strict" (default: nothing stored on the shopper's device) or "standard"
    /// (a localStorage outbox so no event is lost across reloads and offline spells).
    #[serde(default)]
    pub privacy: Privacy,
    #[serde(default)]
    pub sinks: Vec<RawSink>,
}

/// One backend. Every event goes to every sink.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawSink {
    /// Linkshelf's own collector: a JSON array of events per request.
    Collector { endpoint: String },
    /// Plausible's Events API. `domain` is the site as registered in Plausible.
    Plausible {
        #[serde(default = "default_plausible_endpoint")]
        endpoint: String,
        domain: String,
    },
    /// Umami's /api/send, with the website id (a UUID) from Umami's settings.
    Umami { endpoint: String, website_id: String },
    /// PostHog's /batch/ with the project's public API key (phc_…).
    Posthog {
        #[serde(default = "default_posthog_endpoint")]
        endpoint: String,
        api_key: String,
    },
    /// Any URL that accepts {"source":"linkshelf","events":[…]} as text/plain.
    Webhook { endpoint: String },
}

fn default_plausible_endpoint() -> String {
    "https://plausible.io/api/event".to_owned()
}

fn default_posthog_endpoint() -> String {
    "https://us.i.posthog.com/batch/".to_owned()
}

/// Where the shop lives on the web.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// The home page's public address, like "https://junopark.example/" or
    /// "https://name.github.io/shop/" (a sub-path works: every link follows it).
    /// Needed for canonical links, link previews, search results and the sitemap.
    #[serde(default)]
    pub url: String,
    /// The picture link previews show for the home page (otherwise the avatar):
    /// ideally 1200 × 630.
    #[serde(default)]
    pub share_image: Option<RawImage>,
    /// The language of the site's own words (buttons, notices, the calendar files) for
    /// shoppers whose browser asks for none of `languages`, and of the pages at the
    /// site's root: "en" (the default), "es", "de", "fr", "pt-BR" or "ja". Your own
    /// text (names, titles, descriptions) stays as you write it.
    #[serde(default)]
    pub locale: Option<String>,
    /// The languages the site is built in (each in its own folder: /es/, /ja/ …), the
    /// shopper's browser choosing among them. Default: every language Linkshelf
    /// speaks. `["en"]` builds one language only (a brand with a big roster builds
    /// each page once per language).
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCreator {
    /// A short id for the creator, used in calendar UIDs and event data.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    pub name: String,
    /// The handle shoppers know, e.g. "@junomakes".
    pub handle: String,
    #[serde(default)]
    pub bio: String,
    pub avatar: RawImage,
    /// Shown under the bio, e.g. "Some links earn me a commission."
    #[serde(default)]
    pub disclosure: String,
    /// The creator's IANA time zone ("Europe/Berlin"): the default for codes and pop-ups.
    pub time_zone: String,
    #[serde(default)]
    pub links: Vec<RawSocialLink>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    /// A path next to this file ("media/mug.jpg") or an https:// URL.
    pub src: String,
    /// What the image shows, for screen readers. Required.
    #[serde(default)]
    pub alt: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSocialLink {
    pub kind: SocialKind,
    /// An https:// link (for "email": the address).
    pub url: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTheme {
    /// The brand colour as "#rrggbb". Text colours are derived from it to meet WCAG AA.
    #[schemars(regex(pattern = r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"))]
    pub accent: String,
    /// The look: "studio" (the default), "bold", "editorial", "soft" or "mono". Each
    /// sets the background and surface colours for light and dark, the heading font,
    /// the button shape and the card style; see docs/configuration.md.
    #[serde(default)]
    pub preset: Option<String>,
}

impl Default for RawTheme {
    fn default() -> Self {
        RawTheme { accent: "#b4532a".to_owned(), preset: None }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCode {
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    /// What the shopper types at checkout, e.g. "JUNO15".
    pub code: String,
    /// Whose code it is, e.g. "Fable Studio".
    pub brand: String,
    pub offer: RawOffer,
    /// When it starts: "2026-12-05T11:00" (in time_zone) or with an offset.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// When it ends (exclusive), same forms as starts_at.
    #[serde(default)]
    pub ends_at: Option<String>,
    /// IANA zone for local times; defaults to creator.time_zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Limits the code to these products and collections; without it, everything.
    #[serde(default)]
    pub applies_to: Option<RawScope>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScope {
    /// Product ids.
    #[serde(default)]
    pub products: Vec<String>,
    /// Collection ids: every product in them.
    #[serde(default)]
    pub collections: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawOffer {
    PercentOff {
        percent: i64,
        #[serde(default)]
        min_subtotal: Option<String>,
    },
    AmountOff {
        amount: String,
        #[serde(default)]
        min_subtotal: Option<String>,
    },
    FreeShipping {
        #[serde(default)]
        min_subtotal: Option<String>,
    },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProduct {
    /// Appears in the product's link, /p/<id>/.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Amount and ISO 4217 currency, e.g. "32.00 EUR", "3800 JPY", "1.250 KWD".
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)? [A-Z]{3}$"))]
    pub price: String,
    /// The higher "was" price, same currency.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)? [A-Z]{3}$"))]
    pub compare_at: Option<String>,
    pub images: Vec<RawImage>,
    #[serde(default)]
    pub badges: Vec<Badge>,
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
    /// Where the product is bought; see "Checkout" in the README.
    pub checkout: RawCheckout,
    /// For a drop: when it goes on sale ("2026-12-05T18:00" in time_zone, or with an
    /// offset). Until then it shows a countdown and can't be bought.
    #[serde(default)]
    pub available_at: Option<String>,
    /// IANA zone for available_at; defaults to creator.time_zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// How a product is bought.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawCheckout {
    /// A Shopify variant. Products of one shop share a cart and check out together
    /// through a cart permalink carrying the code and the click id.
    Shopify {
        /// The shop's domain; defaults to the top-level "shopify.shop".
        #[serde(default)]
        shop: Option<String>,
        /// The numeric variant id (Admin → Products → the variant; it is in the URL).
        variant: String,
    },
    /// A Stripe Payment Link (https://buy.stripe.com/…). Codes it may receive must be
    /// letters and digits only: Stripe silently drops any other code.
    Stripe { url: String },
    /// A Lemon Squeezy checkout link (https://<store>.lemonsqueezy.com/checkout/buy/<variant>).
    LemonSqueezy { url: String },
    /// A Gumroad product link (https://<user>.gumroad.com/l/<permalink>).
    Gumroad { url: String },
    /// Any other shop page: the click id and campaign tags are appended.
    Link { url: String },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCollection {
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Product ids, in the order shown.
    pub products: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPopup {
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,63}$"))]
    pub id: String,
    pub title: String,
    /// Local time at the venue, "2026-12-05T11:00", or with an offset.
    pub starts_at: String,
    pub ends_at: String,
    /// The venue's zone; defaults to the creator's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// An in-person pop-up (give this or stream).
    #[serde(default)]
    pub venue: Option<RawVenue>,
    /// A live stream (give this or venue).
    #[serde(default)]
    pub stream: Option<RawStream>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVenue {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub map_url: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStream {
    pub platform: String,
    pub url: String,
}

// ---------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------

/// One problem in the config, at one place.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Where, as a field path: `collections[1].products[3]`. Empty for the whole file.
    pub path: String,
    pub kind: ConfigErrorKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConfigErrorKind {
    /// The file could not be read at all.
    Unreadable(String),
    /// Not valid JSON, or a field of the wrong type or name.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    Shape(String),
    /// The file has nothing in it (or only white space).
    EmptyFile,
    Empty,
    /// Text made only of invisible characters (zero-width spaces and the like).
    Invisible,
    /// A character that changes the direction of the text around it.
    DirectionControl(char),
    BadCode {
        code: String,
        problem: CodeProblem,
    },
    TooExpensive {
        value: String,
        max: String,
    },
    NotMoney(String),
    BadId(String),
    DuplicateId {
        id: String,
        first: String,
    },
    UnknownProduct(String),
    Money {
        value: String,
        problem: MoneyParseError,
    },
    UnknownCurrency(String),
    CurrencyMismatch {
        expected: String,
        found: String,
    },
    CompareAtNotHigher,
    /// A secret PostHog key where the public project key belongs.
    SecretKey,
    NotUuid(String),
    BadDomain(String),
    PercentOutOfRange(i64),
    UnknownTimeZone(String),
    BadTime {
        value: String,
    },
    NonexistentLocalTime {
        value: String,
        zone: String,
    },
    AmbiguousLocalTime {
        value: String,
        zone: String,
    },
    EndBeforeStart,
    BadUrl {
        value: String,
    },
    UrlScheme {
        value: String,
    },
    /// `https://name@host/`: the part before `@` hides the real host.
    UrlUserInfo {
        value: String,
    },
    /// `site.url` is missing.
    NoSiteUrl,
    /// `site.url` is not an https address without query or fragment.
    SiteUrl {
        value: String,
    },
    MissingAlt,
    BadImagePath {
        value: String,
    },
    MissingImage {
        value: String,
    },
    /// A hidden file (a name starting with a dot) named as an image.
    HiddenImage {
        value: String,
    },
    NotImageType {
        value: String,
    },
    NotImageContent {
        value: String,
        kind: &'static str,
    },
    /// An SVG with script or event handlers: opened from the site it would run there.
    ActiveSvg {
        value: String,
    },
    /// A link (symlink) that leads outside the config's folder.
    ImageOutside {
        value: String,
    },
    BadColor(String),
    UnknownPreset(String),
    /// A language Linkshelf has no locale file for.
    UnknownLanguage(String),
    NoPlace,
    TwoPlaces,
    BadShop(String),
    NoShop,
    BadVariant(String),
    NotCheckoutLink {
        provider: &'static str,
        expected: &'static str,
    },
    UnknownCollection(String),
    /// A code that can reach a Stripe product but that Stripe would silently drop.
    StripeDropsCode {
        code: String,
        product: String,
    },
    BadHandle(String),
    /// A handle that is one of the site's own paths or files.
    ReservedHandle(String),
    DuplicateHandle {
        handle: String,
        first: String,
    },
    /// One code text for two affiliates (or an affiliate and the brand): a sale with
    /// it could not be credited to one of them.
    DuplicateCode {
        code: String,
        first: String,
    },
    /// A collection id the site uses for affiliates' picks.
    ReservedCollectionId(String),
    NoPicks,
    TooManyPicks(usize),
    UnknownColumn {
        name: String,
    },
    DuplicateColumn(String),
    MissingColumn(&'static str),
    FieldCount {
        found: usize,
        expected: usize,
    },
    BadOffer(String),
    OfferWithoutCode,
    /// A roster file path that leaves the config's folder.
    BadRosterPath(String),
}

impl fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ConfigErrorKind::*;
        match self {
            Unreadable(why) => write!(f, "cannot read the file: {why}"),
            Syntax { line, column, message } => write!(f, "line {line}, column {column}: {message}"),
            Shape(message) => write!(f, "{message}"),
            EmptyFile => write!(f, "the file is empty: start from demo/storefront.json and change it"),
            Empty => write!(f, "must not be empty"),
            Invisible => write!(f, "shows nothing: it has only invisible characters (zero-width spaces or similar)"),
            DirectionControl(c) => write!(
                f,
                "contains U+{:04X}, a character that changes the direction of the text around it and can make it display as something else; remove it",
                u32::from(*c)
            ),
            BadCode { code, problem } => write!(f, "\"{code}\": {problem}"),
            TooExpensive { value, max } => write!(f, "\"{value}\" is more than the largest amount a shop takes ({max})"),
            NotMoney(code) => write!(f, "\"{code}\" is not a currency shoppers pay in (it is an ISO 4217 test, metal or fund code)"),
            BadId(id) => write!(
                f,
                "\"{id}\" is not a valid id: use lowercase letters, digits and dashes (it appears in links)"
            ),
            DuplicateId { id, first } => write!(f, "duplicate id \"{id}\" (first used at {first})"),
            UnknownProduct(id) => write!(f, "unknown product \"{id}\""),
            Money { value, problem } => write!(f, "\"{value}\": {problem}"),
            UnknownCurrency(code) => write!(f, "unknown currency \"{code}\" (not an ISO 4217 code)"),
            CurrencyMismatch { expected, found } => {
                write!(f, "currency {found} does not match the price's currency {expected}")
            }
            CompareAtNotHigher => write!(f, "the compare-at price must be higher than the price"),
            SecretKey => write!(
                f,
                "use the project's public API key (it starts with \"phc_\"); this page is public, so a personal or secret key would leak"
            ),
            NotUuid(value) => write!(f, "\"{value}\" is not a website id (a UUID like 4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b)"),
            BadDomain(value) => write!(f, "\"{value}\" is not a domain: write it as in Plausible, like \"shop.example.com\""),
            PercentOutOfRange(p) => write!(f, "a percentage must be between 1 and 100, not {p}"),
            UnknownTimeZone(zone) => write!(
                f,
                "unknown time zone \"{zone}\": use an IANA name such as \"Europe/Berlin\" or \"America/New_York\""
            ),
            BadTime { value } => write!(
                f,
                "\"{value}\" is not a date and time: write \"2026-12-05T11:00\" (local time in the time zone) or add an offset like \"2026-12-05T11:00+01:00\""
            ),
            NonexistentLocalTime { value, zone } => write!(
                f,
                "\"{value}\" does not exist in {zone} (the clocks skip it for daylight saving time)"
            ),
            AmbiguousLocalTime { value, zone } => write!(
                f,
                "\"{value}\" happens twice in {zone} (the clocks go back); add the offset you mean, like \"{value}+01:00\""
            ),
            EndBeforeStart => write!(f, "ends before it starts"),
            BadUrl { value } => write!(f, "\"{value}\" is not a valid URL"),
            UrlScheme { value } => write!(f, "\"{value}\" must start with https:// or http://"),
            UrlUserInfo { value } => write!(
                f,
                "\"{value}\" has a name and \"@\" before its host: shoppers would see one site and land on another; remove the part before \"@\""
            ),
            NoSiteUrl => write!(
                f,
                "add the address where the shop will live, like \"https://name.github.io/shop/\": canonical links, link previews and the sitemap need it"
            ),
            SiteUrl { value } => write!(
                f,
                "\"{value}\" must be the shop's https:// address with no ?query or #fragment, like \"https://name.github.io/shop/\""
            ),
            MissingAlt => write!(f, "describe the image in \"alt\" for shoppers who use screen readers"),
            BadImagePath { value } => write!(
                f,
                "\"{value}\" must be an http(s) URL or a path inside the config's folder (no \"..\")"
            ),
            MissingImage { value } => write!(f, "image file \"{value}\" not found next to the config"),
            HiddenImage { value } => write!(
                f,
                "\"{value}\" is a hidden file (its name starts with a dot); images are published, so hidden files never are"
            ),
            NotImageType { value } => write!(
                f,
                "\"{value}\" is not an image file: use a .png, .jpg, .jpeg, .gif, .webp, .avif or .svg file"
            ),
            NotImageContent { value, kind } => write!(f, "\"{value}\" is named as {kind} but its content is not {kind}"),
            ActiveSvg { value } => write!(
                f,
                "\"{value}\" contains script or event handlers; use an SVG without them (or a PNG/WebP)"
            ),
            ImageOutside { value } => write!(
                f,
                "\"{value}\" leads outside the config's folder (through a link); copy the image into the folder"
            ),
            BadColor(value) => write!(f, "\"{value}\" is not a colour: write it as \"#rrggbb\""),
            UnknownLanguage(value) => {
                let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
                write!(
                    f,
                    "\"{value}\" is not a language Linkshelf speaks: use one of {} (docs/languages.md says how to add one)",
                    tags.join(", ")
                )
            }
            UnknownPreset(value) => {
                let names: Vec<&str> = theme::Preset::ALL.iter().map(|p| p.name()).collect();
                write!(f, "\"{value}\" is not a preset: use one of {}", names.join(", "))
            }
            NoPlace => write!(f, "give either a \"venue\" (in person) or a \"stream\" (live)"),
            TwoPlaces => write!(f, "give a \"venue\" or a \"stream\", not both"),
            BadShop(value) => write!(
                f,
                "\"{value}\" is not a shop domain: write it like \"fable-studio.myshopify.com\", without https:// or a path"
            ),
            NoShop => write!(f, "say which Shopify shop: add \"shop\" here, or a top-level \"shopify\": {{\"shop\": …}}"),
            BadVariant(value) => write!(
                f,
                "\"{value}\" is not a Shopify variant id: it is a number, like \"44012345678901\""
            ),
            NotCheckoutLink { provider, expected } => write!(f, "this is not a {provider} checkout link (expected {expected})"),
            UnknownCollection(id) => write!(f, "unknown collection \"{id}\""),
            StripeDropsCode { code, product } => write!(
                f,
                "Stripe would silently drop the code \"{code}\" for product \"{product}\": Stripe promotion codes are letters and digits only (at most 200); rename the code or limit it with applies_to"
            ),
            BadHandle(handle) => write!(
                f,
                "\"{handle}\" is not a handle: use letters, digits, \".\", \"_\" and \"-\" (at most {}), starting and ending with a letter or digit; it is the page's address /c/<handle>/",
                limits::MAX_HANDLE_CHARS
            ),
            ReservedHandle(handle) => write!(
                f,
                "\"{handle}\" is one of the site's own paths or file names; pick another handle"
            ),
            DuplicateHandle { handle, first } => write!(
                f,
                "the handle \"{handle}\" is taken already (at {first}); handles are compared ignoring capitals, as addresses are"
            ),
            DuplicateCode { code, first } => write!(
                f,
                "the code \"{code}\" is given already (at {first}); each code belongs to one affiliate, or their sales could not be told apart (codes are compared ignoring capitals, as shops do)"
            ),
            ReservedCollectionId(id) => write!(
                f,
                "\"{id}\" is the id of each affiliate's picks on their page; give this collection another id"
            ),
            NoPicks => write!(
                f,
                "an affiliate needs at least one pick (product ids from the catalogue), or set affiliates.catalogue to true"
            ),
            TooManyPicks(count) => write!(
                f,
                "{count} picks is more than {} (a page this long loses shoppers; the rest of the catalogue can follow with affiliates.catalogue)",
                limits::MAX_PICKS
            ),
            UnknownColumn { name } => write!(
                f,
                "unknown column \"{name}\": the columns are {}",
                roster::COLUMNS.join(", ")
            ),
            DuplicateColumn(name) => write!(f, "the column \"{name}\" appears twice"),
            MissingColumn(name) => write!(f, "the roster needs a \"{name}\" column"),
            FieldCount { found, expected } => write!(
                f,
                "this row has {found} fields but the header has {expected}: a value with a comma, quote or line break must be in double quotes (\"like, this\")"
            ),
            BadOffer(value) => write!(
                f,
                "\"{value}\" is not an offer: write \"15%\", an amount like \"5.00 EUR\", or \"free shipping\""
            ),
            OfferWithoutCode => write!(f, "an offer needs a code in the \"code\" column"),
            BadRosterPath(value) => write!(
                f,
                "\"{value}\" must be a CSV file inside the config's folder (no \"..\", not starting with /)"
            ),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

// ---------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------

/// Parses the JSON text. Syntax and type errors stop parsing (JSON gives no reliable
/// way past them), so this returns the first one with its line, column and path.
///
/// A leading byte-order mark (Notepad writes one) is skipped, and an empty file says
/// so instead of "EOF while parsing".
pub fn parse(text: &str) -> Result<RawConfig, ConfigError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ConfigError { path: String::new(), kind: ConfigErrorKind::EmptyFile });
    }
    // Serde reads a struct from a list of its fields' values too, so `"creator": [{…}]`
    // would fail deep inside with a misleading path; the shapes are checked first.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Some(error) = shape_error(&value, String::new()) {
            return Err(error);
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // The path ends in `?` where the parser could not name the field.
        let path = path.trim_end_matches('?').trim_end_matches('.');
        let path = if path == "." { String::new() } else { path.to_owned() };
        ConfigError {
            path,
            kind: ConfigErrorKind::Syntax {
                line: inner.line(),
                column: inner.column(),
                message: plain_words(&strip_position(&inner.to_string())),
            },
        }
    })
}

/// The file's bytes as text, or where they stop being UTF-8 (line and column, counted
/// in characters as an editor shows them).
pub fn text_of(bytes: &[u8]) -> Result<&str, ConfigError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let column = good.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        let byte = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
        ConfigError {
            path: String::new(),
            kind: ConfigErrorKind::Syntax {
                line,
                column,
                message: format!(
                    "the file is not UTF-8 text (byte 0x{byte:02X} here): save it as UTF-8 in your editor"
                ),
            },
        }
    })
}

/// Fields whose value is an object, and those whose value is a list: each name means
/// one shape wherever it appears in the config.
const OBJECT_FIELDS: [&str; 11] = [
    "creator",
    "theme",
    "tracking",
    "shopify",
    "avatar",
    "offer",
    "applies_to",
    "checkout",
    "venue",
    "stream",
    "affiliates",
];
const LIST_FIELDS: [&str; 10] =
    ["codes", "products", "collections", "popups", "sinks", "links", "images", "badges", "list", "picks"];

/// The first place where an object stands for a list or the other way round.
fn shape_error(value: &serde_json::Value, path: String) -> Option<ConfigError> {
    use serde_json::Value;
    let wrong = |path: String, expected: &str, found: &Value| {
        let found = match found {
            Value::Array(_) => "a list [ … ]",
            Value::Object(_) => "an object { … }",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "true or false",
            Value::Null => "null",
        };
        Some(ConfigError { path, kind: ConfigErrorKind::Shape(format!("expected {expected}, found {found}")) })
    };
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let at = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                if OBJECT_FIELDS.contains(&name.as_str()) && !field.is_object() && !field.is_null() {
                    return wrong(at, "an object { … }", field);
                }
                if LIST_FIELDS.contains(&name.as_str()) && !field.is_array() {
                    return wrong(at, "a list [ … ]", field);
                }
                if let Some(error) = shape_error(field, at) {
                    return Some(error);
                }
            }
            None
        }
        Value::Array(items) if !path.is_empty() => {
            items.iter().enumerate().find_map(|(i, item)| shape_error(item, format!("{path}[{i}]")))
        }
        _ if path.is_empty() => {
            wrong(path, "the whole config as one object { \"creator\": …, \"products\": [ … ] }", value)
        }
        _ => None,
    }
}

/// serde's messages name our Rust types ("expected struct RawCreator"); a creator
/// needs the JSON shape instead.
fn plain_words(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, json) in [("struct Raw", "an object { … }"), ("internally tagged enum Raw", "an object with a \"kind\"")]
    {
        while let Some(start) = out.find(rust) {
            let name_end = out[start + rust.len()..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .map_or(out.len(), |i| start + rust.len() + i);
            out.replace_range(start..name_end, json);
        }
    }
    out.replace("expected a sequence", "expected a list [ … ]")
        .replace("invalid type: sequence", "found a list [ … ]")
        .replace("invalid type: map", "found an object { … }")
        .replace("invalid type: ", "found ")
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// What the site needs besides the storefront every page is made from.
#[derive(Debug, Default)]
pub struct Assets {
    /// Image files to copy into it: paths relative to the config's folder, as they
    /// will appear in the site.
    pub images: Vec<String>,
    /// The brand's affiliates (brand mode), each written as a page of its own; empty
    /// for a single creator's site.
    pub roster: Roster,
}

/// Where images referenced by relative paths are looked up; `None` skips the check
/// that the files exist (used by unit tests of unrelated rules).
pub struct Options<'a> {
    pub base_dir: Option<&'a Path>,
    /// The build time, stamped into calendar files.
    pub now: UtcMillis,
}

/// Checks every rule and resolves the config into the storefront the page renders.
/// Returns every error found, in file order.
///
/// A roster named in the config is read from `options.base_dir` (see
/// [`validate_with_roster`] for giving its text directly).
pub fn validate(raw: &RawConfig, options: &Options<'_>) -> Result<(Storefront, Assets), Vec<ConfigError>> {
    let roster = roster::read(raw, options.base_dir);
    validate_with_roster(raw, options, roster)
}

/// [`validate`] with the roster's file name and text (or why it could not be read).
pub fn validate_with_roster(
    raw: &RawConfig,
    options: &Options<'_>,
    roster: Option<Result<(String, String), ConfigError>>,
) -> Result<(Storefront, Assets), Vec<ConfigError>> {
    let mut v = Validator {
        errors: Vec::new(),
        assets: Assets::default(),
        options,
        image_seen: HashSet::new(),
        words: LocaleFile::shipped_or_blank(Locale::default()),
    };
    let store = v.storefront(raw);
    if let Some(affiliates) = &raw.affiliates {
        v.assets.roster = v.roster(raw, affiliates, roster, &store);
    }
    if v.errors.is_empty() {
        Ok((store, v.assets))
    } else {
        Err(v.errors)
    }
}

struct Window {
    starts_at: Option<UtcMillis>,
    ends_at: Option<UtcMillis>,
    zone: Option<(String, TimeZone)>,
}

struct Validator<'a> {
    errors: Vec<ConfigError>,
    assets: Assets,
    options: &'a Options<'a>,
    /// `assets.images` as a set: a roster names thousands of avatars.
    image_seen: HashSet<String>,
    /// The words dates are written in: the default language's (`site.locale`), once
    /// the site is read. Other languages' copies are written again by `localize`.
    words: LocaleFile,
}

impl Validator<'_> {
    fn error(&mut self, path: impl Into<String>, kind: ConfigErrorKind) {
        self.errors.push(ConfigError { path: path.into(), kind });
    }

    /// A short piece of creator text that must show something: a name, a title, a
    /// brand. Every direction control is refused here: these sit next to our own words
    /// ("Add … to cart"), where one could make a title display as a fake price.
    fn required(&mut self, path: String, value: &str) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.error(path, ConfigErrorKind::Empty);
        } else if !limits::has_visible_text(value) {
            self.error(path, ConfigErrorKind::Invisible);
        } else {
            self.no_direction_controls(path, value, limits::is_bidi_control);
        }
        value.to_owned()
    }

    /// Optional short text (a handle): the same rules as [`Self::required`] when given.
    fn short_text(&mut self, path: String, value: &str) -> String {
        let value = value.trim();
        if value.is_empty() {
            return String::new();
        }
        self.required(path, value)
    }

    /// Longer free text (a bio, a description, an address). Right-to-left writers use
    /// the direction *marks* (U+200E, U+200F, U+061C) legitimately and they only affect
    /// neighbouring punctuation, so only embeddings, overrides and isolates, which
    /// reorder everything after them, are refused.
    fn free_text(&mut self, path: String, value: &str) -> String {
        let value = value.trim();
        self.no_direction_controls(path, value, |c| {
            limits::is_bidi_control(c) && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
        });
        value.to_owned()
    }

    fn no_direction_controls(&mut self, path: String, value: &str, refused: impl Fn(char) -> bool) {
        if let Some(c) = value.chars().find(|&c| refused(c)) {
            self.error(path, ConfigErrorKind::DirectionControl(c));
        }
    }

    /// Ids appear in URLs (`/p/<id>/`) and event data, so they are kept simple
    /// (`limits::is_id`, the rule the collector shares).
    fn id(&mut self, path: String, id: &str, seen: &mut HashMap<String, String>) {
        if !limits::is_id(id) {
            self.error(path.clone(), ConfigErrorKind::BadId(id.to_owned()));
        }
        if let Some(first) = seen.get(id) {
            let first = first.clone();
            self.error(path, ConfigErrorKind::DuplicateId { id: id.to_owned(), first });
        } else {
            seen.insert(id.to_owned(), path);
        }
    }

    fn url(&mut self, path: String, value: &str) -> String {
        match url::Url::parse(value.trim()) {
            Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
                self.error(path, ConfigErrorKind::UrlUserInfo { value: value.to_owned() });
                String::new()
            }
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => parsed.to_string(),
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                self.error(path, ConfigErrorKind::BadUrl { value: value.to_owned() });
                String::new()
            }
            Ok(_) => {
                self.error(path, ConfigErrorKind::UrlScheme { value: value.to_owned() });
                String::new()
            }
            Err(_) => {
                self.error(path, ConfigErrorKind::BadUrl { value: value.to_owned() });
                String::new()
            }
        }
    }

    fn social_url(&mut self, path: String, link: &RawSocialLink) -> String {
        // An email link is the one place a non-web scheme is allowed.
        if link.kind == SocialKind::Email {
            let address = link.url.trim().trim_start_matches("mailto:");
            let plausible = address.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !address.contains(char::is_whitespace)
            });
            if !plausible {
                self.error(path, ConfigErrorKind::BadUrl { value: link.url.clone() });
            }
            return format!("mailto:{address}");
        }
        self.url(path, &link.url)
    }

    fn image(&mut self, path: String, raw: &RawImage) -> Image {
        if !limits::has_visible_text(&raw.alt) {
            self.error(format!("{path}.alt"), ConfigErrorKind::MissingAlt);
        }
        let src = raw.src.trim();
        let src_path = format!("{path}.src");
        let src = if src.contains("://") || src.contains(':') {
            self.url(src_path, src)
        } else if src.is_empty() || src.starts_with('/') || src.split('/').any(|part| part == "..") {
            self.error(src_path, ConfigErrorKind::BadImagePath { value: src.to_owned() });
            String::new()
        } else if src.split('/').any(|part| part.starts_with('.')) {
            self.error(src_path, ConfigErrorKind::HiddenImage { value: src.to_owned() });
            String::new()
        } else {
            match image_kind(src) {
                None => self.error(src_path.clone(), ConfigErrorKind::NotImageType { value: src.to_owned() }),
                Some(kind) => {
                    if let Some(base) = self.options.base_dir {
                        if let Err(kind) = check_image_file(base, src, kind) {
                            self.error(src_path, kind);
                        }
                    }
                }
            }
            if self.image_seen.insert(src.to_owned()) {
                self.assets.images.push(src.to_owned());
            }
            src.to_owned()
        };
        Image { src, alt: self.free_text(format!("{path}.alt"), &raw.alt) }
    }

    fn money(&mut self, path: String, value: &str) -> Option<Money> {
        match Money::parse(value) {
            Ok(money) => {
                let code = money.currency.code();
                if iso_currency::Currency::from_code(code).is_none() {
                    self.error(path, ConfigErrorKind::UnknownCurrency(code.to_owned()));
                    return None;
                }
                if limits::is_not_money(code) {
                    self.error(path, ConfigErrorKind::NotMoney(code.to_owned()));
                    return None;
                }
                // One bound for every amount in the file: a price this high, times the
                // most a cart holds, is still an amount the collector takes.
                if money.minor > limits::MAX_PRICE_MINOR {
                    let max = Money { minor: limits::MAX_PRICE_MINOR, currency: money.currency.clone() };
                    self.error(
                        path,
                        ConfigErrorKind::TooExpensive { value: value.to_owned(), max: max.fallback_display() },
                    );
                    return None;
                }
                Some(money)
            }
            Err(problem) => {
                self.error(path, ConfigErrorKind::Money { value: value.to_owned(), problem });
                None
            }
        }
    }

    fn zone(&mut self, path: String, name: &str) -> Option<TimeZone> {
        match jiff::tz::db().get(name) {
            Ok(tz) => Some(tz),
            Err(_) => {
                self.error(path, ConfigErrorKind::UnknownTimeZone(name.to_owned()));
                None
            }
        }
    }

    fn instant(&mut self, path: String, value: &str, zone: Option<&(String, TimeZone)>) -> Option<UtcMillis> {
        // A local time in a zone that is itself invalid: that zone's error says it all.
        if zone.is_none() && value.trim().parse::<DateTime>().is_ok() && value.trim().parse::<Timestamp>().is_err() {
            return None;
        }
        instant(value, zone).map_err(|kind| self.error(path, kind)).ok()
    }

    /// An item's own zone (`<at>.time_zone`), else the creator's.
    fn own_zone(
        &mut self,
        at: &str,
        time_zone: Option<&str>,
        creator_zone: Option<&(String, TimeZone)>,
    ) -> Option<(String, TimeZone)> {
        match time_zone {
            Some(name) => self.zone(format!("{at}.time_zone"), name).map(|tz| (name.to_owned(), tz)),
            None => creator_zone.cloned(),
        }
    }

    /// The time window shared by codes and pop-ups: its zone (own or the creator's),
    /// both ends as instants, and the rule that it ends after it starts.
    fn window(
        &mut self,
        at: &str,
        starts_at: Option<&str>,
        ends_at: Option<&str>,
        time_zone: Option<&str>,
        creator_zone: Option<&(String, TimeZone)>,
    ) -> Window {
        let zone = self.own_zone(at, time_zone, creator_zone);
        let starts_at = starts_at.and_then(|s| self.instant(format!("{at}.starts_at"), s, zone.as_ref()));
        let ends_at = ends_at.and_then(|s| self.instant(format!("{at}.ends_at"), s, zone.as_ref()));
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                self.error(format!("{at}.ends_at"), ConfigErrorKind::EndBeforeStart);
            }
        }
        Window { starts_at, ends_at, zone }
    }

    fn storefront(&mut self, raw: &RawConfig) -> Storefront {
        let creator_zone = self
            .zone("creator.time_zone".into(), raw.creator.time_zone.trim())
            .map(|tz| (raw.creator.time_zone.trim().to_owned(), tz));
        let site = self.site(&raw.site);
        let site_locale = site.locale;
        self.words = LocaleFile::shipped_or_blank(site_locale);
        let creator = self.creator(&raw.creator);
        let accent = match Rgb::parse(raw.theme.accent.trim()) {
            Some(rgb) => rgb,
            None => {
                self.error("theme.accent", ConfigErrorKind::BadColor(raw.theme.accent.clone()));
                Rgb(0, 0, 0)
            }
        };
        let preset = match raw.theme.preset.as_deref().map(str::trim) {
            None => theme::Preset::default(),
            Some(name) => theme::Preset::parse(name).unwrap_or_else(|| {
                self.error("theme.preset", ConfigErrorKind::UnknownPreset(name.to_owned()));
                theme::Preset::default()
            }),
        };
        let codes = self.codes("", &raw.codes, creator_zone.as_ref());
        let products = self.products(&raw.products, raw.shopify.as_ref(), creator_zone.as_ref());
        let collections = self.collections(&raw.collections, &products);
        self.check_code_reach("", &raw.codes, &codes, &products, &collections);
        let popups = self.popups("", &raw.popups, creator_zone.as_ref(), &creator);
        let tracking = self.tracking(&raw.tracking);
        Storefront {
            baked_at: self.options.now,
            site,
            creator,
            theme: theme::derive(accent, preset),
            codes,
            products,
            collections,
            popups,
            tracking,
            affiliate: None,
            text: self.words.text.clone(),
        }
    }

    fn tracking(&mut self, raw: &RawTracking) -> Tracking {
        let sinks = raw
            .sinks
            .iter()
            .enumerate()
            .map(|(i, sink)| {
                let at = format!("tracking.sinks[{i}]");
                match sink {
                    RawSink::Collector { endpoint } => {
                        Sink::Collector { endpoint: self.url(format!("{at}.endpoint"), endpoint) }
                    }
                    RawSink::Webhook { endpoint } => {
                        Sink::Webhook { endpoint: self.url(format!("{at}.endpoint"), endpoint) }
                    }
                    RawSink::Plausible { endpoint, domain } => {
                        let domain = domain.trim();
                        let valid = !domain.is_empty()
                            && !domain.contains("://")
                            && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
                        if !valid {
                            self.error(format!("{at}.domain"), ConfigErrorKind::BadDomain(domain.to_owned()));
                        }
                        Sink::Plausible {
                            endpoint: self.url(format!("{at}.endpoint"), endpoint),
                            domain: domain.to_owned(),
                        }
                    }
                    RawSink::Umami { endpoint, website_id } => {
                        let id = website_id.trim().to_ascii_lowercase();
                        if uuid::Uuid::try_parse(&id).is_err() {
                            self.error(format!("{at}.website_id"), ConfigErrorKind::NotUuid(website_id.clone()));
                        }
                        Sink::Umami { endpoint: self.url(format!("{at}.endpoint"), endpoint), website_id: id }
                    }
                    RawSink::Posthog { endpoint, api_key } => {
                        if !api_key.trim().starts_with("phc_") {
                            self.error(format!("{at}.api_key"), ConfigErrorKind::SecretKey);
                        }
                        Sink::PostHog {
                            endpoint: self.url(format!("{at}.endpoint"), endpoint),
                            api_key: api_key.trim().to_owned(),
                        }
                    }
                }
            })
            .collect();
        Tracking { privacy: raw.privacy, sinks }
    }

    /// The site's address: https only (link previews and search engines want it, and
    /// a shop should not be served without it), no user name, query or fragment;
    /// written with a final `/` so that pages are addresses under it.
    fn site(&mut self, raw: &RawSite) -> Site {
        let value = raw.url.trim();
        let share_image = raw.share_image.as_ref().map(|i| self.image("site.share_image".into(), i));
        let (languages, locale) = self.languages(raw);
        if value.is_empty() {
            self.error("site.url", ConfigErrorKind::NoSiteUrl);
            return Site { url: String::new(), share_image, languages, ..Default::default() }.in_language(locale);
        }
        let url = match url::Url::parse(value) {
            Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
                self.error("site.url", ConfigErrorKind::UrlUserInfo { value: value.to_owned() });
                String::new()
            }
            Ok(mut parsed)
                if parsed.scheme() == "https"
                    && parsed.host().is_some()
                    && parsed.query().is_none()
                    && parsed.fragment().is_none() =>
            {
                if !parsed.path().ends_with('/') {
                    let path = format!("{}/", parsed.path());
                    parsed.set_path(&path);
                }
                parsed.to_string()
            }
            _ => {
                self.error("site.url", ConfigErrorKind::SiteUrl { value: value.to_owned() });
                String::new()
            }
        };
        Site { url, share_image, languages, ..Default::default() }.in_language(locale)
    }

    /// `site.languages` with `site.locale` first (added when not listed), and the
    /// default copy's language. Tags match as a browser's would (`es-MX` is Spanish),
    /// and each language is built once.
    fn languages(&mut self, raw: &RawSite) -> (Vec<Locale>, Locale) {
        let mut parse = |at: String, tag: &str| {
            let found = Locale::from_tag(tag.trim());
            if found.is_none() {
                self.error(at, ConfigErrorKind::UnknownLanguage(tag.to_owned()));
            }
            found
        };
        let locale = raw.locale.as_deref().and_then(|tag| parse("site.locale".into(), tag)).unwrap_or_default();
        let listed: Vec<Locale> = match &raw.languages {
            Some(tags) => {
                tags.iter().enumerate().filter_map(|(i, tag)| parse(format!("site.languages[{i}]"), tag)).collect()
            }
            None => Locale::ALL.to_vec(),
        };
        let mut languages = vec![locale];
        for language in listed {
            if !languages.contains(&language) {
                languages.push(language);
            }
        }
        (languages, locale)
    }

    fn creator(&mut self, raw: &RawCreator) -> Creator {
        let mut seen = HashMap::new();
        self.id("creator.id".into(), &raw.id, &mut seen);
        let links = raw
            .links
            .iter()
            .enumerate()
            .map(|(i, link)| SocialLink {
                kind: link.kind,
                url: self.social_url(format!("creator.links[{i}].url"), link),
            })
            .collect();
        Creator {
            id: raw.id.clone(),
            name: self.required("creator.name".into(), &raw.name),
            handle: self.short_text("creator.handle".into(), &raw.handle),
            bio: self.free_text("creator.bio".into(), &raw.bio),
            avatar: self.image("creator.avatar".into(), &raw.avatar),
            disclosure: self.free_text("creator.disclosure".into(), &raw.disclosure),
            links,
        }
    }

    /// The codes at `{prefix}codes[…]` (the brand's, or an affiliate's).
    fn codes(&mut self, prefix: &str, raw: &[RawCode], creator_zone: Option<&(String, TimeZone)>) -> Vec<Code> {
        let mut seen = HashMap::new();
        raw.iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("{prefix}codes[{i}]");
                self.id(format!("{at}.id"), &c.id, &mut seen);
                let code = c.code.trim().to_owned();
                if let Some(problem) = limits::code_problem(&code) {
                    self.error(format!("{at}.code"), ConfigErrorKind::BadCode { code: c.code.clone(), problem });
                }
                let window = self.window(
                    &at,
                    c.starts_at.as_deref(),
                    c.ends_at.as_deref(),
                    c.time_zone.as_deref(),
                    creator_zone,
                );
                let (starts_at, ends_at) = (window.starts_at, window.ends_at);
                let offer = self.offer(&format!("{at}.offer"), &c.offer);
                let scope = c
                    .applies_to
                    .as_ref()
                    .map(|s| Scope { products: s.products.clone(), collections: s.collections.clone() })
                    .unwrap_or_default();
                // The last moment it works names the day (an end at midnight is the day before).
                let ends_label = ends_at
                    .zip(window.zone.as_ref())
                    .map(|(end, (_, tz))| day_label(end - 1, tz, &self.words.calendar));
                Code {
                    id: c.id.clone(),
                    code,
                    brand: self.required(format!("{at}.brand"), &c.brand),
                    offer,
                    starts_at,
                    ends_at,
                    ends_label,
                    scope,
                    time_zone: window.zone.as_ref().map(|(name, _)| name.clone()),
                }
            })
            .collect()
    }

    fn offer(&mut self, at: &str, raw: &RawOffer) -> Offer {
        let min = |v: &mut Self, m: &Option<String>| m.as_ref().and_then(|s| v.money(format!("{at}.min_subtotal"), s));
        match raw {
            RawOffer::PercentOff { percent, min_subtotal } => {
                if !(1..=100).contains(percent) {
                    self.error(format!("{at}.percent"), ConfigErrorKind::PercentOutOfRange(*percent));
                }
                Offer::PercentOff { percent: (*percent).clamp(0, 100) as u8, min_subtotal: min(self, min_subtotal) }
            }
            RawOffer::AmountOff { amount, min_subtotal } => {
                let amount = self.money(format!("{at}.amount"), amount);
                let min_subtotal = min(self, min_subtotal);
                if let (Some(a), Some(m)) = (&amount, &min_subtotal) {
                    if a.currency != m.currency {
                        self.error(
                            format!("{at}.min_subtotal"),
                            ConfigErrorKind::CurrencyMismatch {
                                expected: a.currency.code().to_owned(),
                                found: m.currency.code().to_owned(),
                            },
                        );
                    }
                }
                Offer::AmountOff { amount: amount.unwrap_or_else(|| Money::new(0, "EUR")), min_subtotal }
            }
            RawOffer::FreeShipping { min_subtotal } => Offer::FreeShipping { min_subtotal: min(self, min_subtotal) },
        }
    }

    fn products(
        &mut self,
        raw: &[RawProduct],
        default_shop: Option<&RawShopify>,
        creator_zone: Option<&(String, TimeZone)>,
    ) -> Vec<Product> {
        let mut seen = HashMap::new();
        raw.iter()
            .enumerate()
            .map(|(i, p)| {
                let at = format!("products[{i}]");
                self.id(format!("{at}.id"), &p.id, &mut seen);
                let price = self.money(format!("{at}.price"), &p.price);
                let compare_at = p.compare_at.as_ref().and_then(|s| self.money(format!("{at}.compare_at"), s));
                if let (Some(price), Some(compare)) = (&price, &compare_at) {
                    if price.currency != compare.currency {
                        self.error(
                            format!("{at}.compare_at"),
                            ConfigErrorKind::CurrencyMismatch {
                                expected: price.currency.code().to_owned(),
                                found: compare.currency.code().to_owned(),
                            },
                        );
                    } else if compare.minor <= price.minor {
                        self.error(format!("{at}.compare_at"), ConfigErrorKind::CompareAtNotHigher);
                    }
                }
                if p.images.is_empty() {
                    self.error(format!("{at}.images"), ConfigErrorKind::Empty);
                }
                let images =
                    p.images.iter().enumerate().map(|(j, img)| self.image(format!("{at}.images[{j}]"), img)).collect();
                let zone =
                    p.available_at.as_ref().and_then(|_| self.own_zone(&at, p.time_zone.as_deref(), creator_zone));
                let available_at = p
                    .available_at
                    .as_deref()
                    .and_then(|when| self.instant(format!("{at}.available_at"), when, zone.as_ref()));
                let available_label =
                    available_at.zip(zone.as_ref()).map(|(when, (_, tz))| day_label(when, tz, &self.words.calendar));
                Product {
                    id: p.id.clone(),
                    title: self.required(format!("{at}.title"), &p.title),
                    description: self.free_text(format!("{at}.description"), &p.description),
                    price: price.unwrap_or_else(|| Money::new(0, "EUR")),
                    compare_at,
                    images,
                    badges: p.badges.clone(),
                    disclosure: p.disclosure,
                    checkout: self.checkout(&format!("{at}.checkout"), &p.checkout, default_shop),
                    available_at,
                    available_label,
                    time_zone: zone.as_ref().map(|(name, _)| name.clone()),
                }
            })
            .collect()
    }

    fn checkout(&mut self, at: &str, raw: &RawCheckout, default_shop: Option<&RawShopify>) -> Checkout {
        let link = |v: &mut Self, url: &str, provider: &'static str, marker: &'static str, expected: &'static str| {
            let url = v.url(format!("{at}.url"), url);
            if !url.is_empty() && !url.contains(marker) {
                v.error(format!("{at}.url"), ConfigErrorKind::NotCheckoutLink { provider, expected });
            }
            url
        };
        match raw {
            RawCheckout::Shopify { shop, variant } => {
                let shop = match (shop, default_shop) {
                    (Some(shop), _) => self.shop_domain(format!("{at}.shop"), shop),
                    (None, Some(default)) => self.shop_domain("shopify.shop".into(), &default.shop),
                    (None, None) => {
                        self.error(format!("{at}.shop"), ConfigErrorKind::NoShop);
                        String::new()
                    }
                };
                let variant = variant.trim();
                if variant.is_empty() || variant.len() > 20 || !variant.bytes().all(|b| b.is_ascii_digit()) {
                    self.error(format!("{at}.variant"), ConfigErrorKind::BadVariant(variant.to_owned()));
                }
                Checkout::Shopify { shop, variant: variant.to_owned() }
            }
            RawCheckout::Stripe { url } => {
                // The click id and code ride on Stripe's own parameters, so the link must
                // be a Payment Link on Stripe's host (a custom domain is a `link`).
                let url = self.url(format!("{at}.url"), url);
                let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned));
                if !url.is_empty() && host.as_deref() != Some("buy.stripe.com") {
                    self.error(
                        format!("{at}.url"),
                        ConfigErrorKind::NotCheckoutLink {
                            provider: "Stripe Payment Link",
                            expected: "https://buy.stripe.com/<link>",
                        },
                    );
                }
                Checkout::Stripe { url }
            }
            RawCheckout::LemonSqueezy { url } => Checkout::LemonSqueezy {
                url: link(
                    self,
                    url,
                    "Lemon Squeezy",
                    "/checkout/buy/",
                    "https://<store>.lemonsqueezy.com/checkout/buy/<variant>",
                ),
            },
            RawCheckout::Gumroad { url } => {
                Checkout::Gumroad { url: link(self, url, "Gumroad", "/l/", "https://<user>.gumroad.com/l/<permalink>") }
            }
            RawCheckout::Link { url } => Checkout::Link { url: self.url(format!("{at}.url"), url) },
        }
    }

    /// A shop's bare domain; the same error is reported once per place it is used.
    fn shop_domain(&mut self, path: String, value: &str) -> String {
        let shop = value.trim().to_ascii_lowercase();
        let valid = shop.contains('.')
            && !shop.starts_with(['.', '-'])
            && !shop.ends_with(['.', '-'])
            && shop.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !valid && !self.errors.iter().any(|e| e.path == path) {
            self.error(path, ConfigErrorKind::BadShop(value.to_owned()));
        }
        shop
    }

    /// Code scopes name real products and collections, and a code that can reach a
    /// Stripe product is one Stripe keeps.
    fn check_code_reach(
        &mut self,
        prefix: &str,
        raw: &[RawCode],
        codes: &[Code],
        products: &[Product],
        collections: &[Collection],
    ) {
        for (i, (raw, code)) in raw.iter().zip(codes).enumerate() {
            if let Some(scope) = &raw.applies_to {
                for (j, id) in scope.products.iter().enumerate() {
                    if !products.iter().any(|p| &p.id == id) {
                        self.error(
                            format!("{prefix}codes[{i}].applies_to.products[{j}]"),
                            ConfigErrorKind::UnknownProduct(id.clone()),
                        );
                    }
                }
                for (j, id) in scope.collections.iter().enumerate() {
                    if !collections.iter().any(|c| &c.id == id) {
                        self.error(
                            format!("{prefix}codes[{i}].applies_to.collections[{j}]"),
                            ConfigErrorKind::UnknownCollection(id.clone()),
                        );
                    }
                }
            }
            let stripe = products
                .iter()
                .find(|p| matches!(p.checkout, Checkout::Stripe { .. }) && code.scope.covers(&p.id, collections));
            if let Some(product) = stripe {
                if !checkout::stripe_accepts_code(&code.code) {
                    self.error(
                        format!("{prefix}codes[{i}].code"),
                        ConfigErrorKind::StripeDropsCode { code: code.code.clone(), product: product.id.clone() },
                    );
                }
            }
        }
    }

    fn collections(&mut self, raw: &[RawCollection], products: &[Product]) -> Vec<Collection> {
        let mut seen = HashMap::new();
        raw.iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("collections[{i}]");
                self.id(format!("{at}.id"), &c.id, &mut seen);
                if c.products.is_empty() {
                    self.error(format!("{at}.products"), ConfigErrorKind::Empty);
                }
                self.product_list(&format!("{at}.products"), &c.products, |id| products.iter().any(|p| p.id == id));
                Collection {
                    id: c.id.clone(),
                    title: self.required(format!("{at}.title"), &c.title),
                    description: c
                        .description
                        .as_ref()
                        .map(|d| self.free_text(format!("{at}.description"), d))
                        .filter(|d| !d.is_empty()),
                    products: c.products.clone(),
                }
            })
            .collect()
    }

    /// The pop-ups at `{prefix}popups[…]` (the brand's, or an affiliate's).
    /// A list of product ids at `at` (a collection's products, an affiliate's picks):
    /// each one known, none twice.
    fn product_list(&mut self, at: &str, ids: &[String], known: impl Fn(&str) -> bool) {
        let mut listed: HashMap<&str, String> = HashMap::new();
        for (j, id) in ids.iter().enumerate() {
            let path = format!("{at}[{j}]");
            if !known(id) {
                self.error(path, ConfigErrorKind::UnknownProduct(id.clone()));
            } else if let Some(first) = listed.get(id.as_str()) {
                let first = first.clone();
                self.error(path, ConfigErrorKind::DuplicateId { id: id.clone(), first });
            } else {
                listed.insert(id, path);
            }
        }
    }

    fn popups(
        &mut self,
        prefix: &str,
        raw: &[RawPopup],
        creator_zone: Option<&(String, TimeZone)>,
        creator: &Creator,
    ) -> Vec<Popup> {
        let mut seen = HashMap::new();
        raw.iter()
            .enumerate()
            .map(|(i, p)| {
                let at = format!("{prefix}popups[{i}]");
                self.id(format!("{at}.id"), &p.id, &mut seen);
                let window =
                    self.window(&at, Some(&p.starts_at), Some(&p.ends_at), p.time_zone.as_deref(), creator_zone);
                let (starts_at, ends_at, zone) = (window.starts_at, window.ends_at, window.zone);
                let place = match (&p.venue, &p.stream) {
                    (Some(venue), None) => Place::Venue {
                        name: self.required(format!("{at}.venue.name"), &venue.name),
                        address: self.required(format!("{at}.venue.address"), &venue.address),
                        map_url: venue.map_url.as_ref().map(|u| self.url(format!("{at}.venue.map_url"), u)),
                    },
                    (None, Some(stream)) => Place::Stream {
                        platform: self.required(format!("{at}.stream.platform"), &stream.platform),
                        url: self.url(format!("{at}.stream.url"), &stream.url),
                    },
                    (None, None) => {
                        self.error(at.clone(), ConfigErrorKind::NoPlace);
                        Place::Stream { platform: String::new(), url: String::new() }
                    }
                    (Some(_), Some(_)) => {
                        self.error(at.clone(), ConfigErrorKind::TwoPlaces);
                        Place::Stream { platform: String::new(), url: String::new() }
                    }
                };
                let (zone_name, tz) = zone.unwrap_or_else(|| ("UTC".to_owned(), TimeZone::UTC));
                let (start, end) = (starts_at.unwrap_or(0), ends_at.unwrap_or(0));
                let mut popup = Popup {
                    id: p.id.clone(),
                    title: self.required(format!("{at}.title"), &p.title),
                    starts_at: start,
                    ends_at: end,
                    when_label: when_label(start, end, &tz, &zone_name, &self.words),
                    time_zone: zone_name,
                    place,
                    ics_path: format!("calendar/{}.ics", p.id),
                    google_calendar_url: String::new(),
                };
                popup.google_calendar_url = calendar::google_calendar_url(&popup, creator);
                popup
            })
            .collect()
    }
}

/// Reads a config time: an RFC 3339 instant with an offset (`2026-12-05T11:00+01:00`,
/// `…Z`), or a local wall-clock time (`2026-12-05T11:00`) in `zone`. Local times
/// that the clocks skip or repeat around a daylight-saving change are rejected rather
/// than guessed, with a message that says how to disambiguate.
pub fn instant(value: &str, zone: Option<&(String, TimeZone)>) -> Result<UtcMillis, ConfigErrorKind> {
    let value = value.trim();
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let bad = || ConfigErrorKind::BadTime { value: value.to_owned() };
    let local: DateTime = value.parse().map_err(|_| bad())?;
    // Without a valid zone the error is already reported on the zone field.
    let Some((name, tz)) = zone else { return Err(ConfigErrorKind::UnknownTimeZone(String::new())) };
    let ambiguous = tz.to_ambiguous_timestamp(local);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => ambiguous.unambiguous().map(|ts| ts.as_millisecond()).map_err(|_| bad()),
        AmbiguousOffset::Gap { .. } => {
            Err(ConfigErrorKind::NonexistentLocalTime { value: value.to_owned(), zone: name.clone() })
        }
        AmbiguousOffset::Fold { .. } => {
            Err(ConfigErrorKind::AmbiguousLocalTime { value: value.to_owned(), zone: name.clone() })
        }
    }
}

/// "24 Dec": the calendar day of one instant in a zone, as a person names a deadline,
/// in `words`' language (`24. Dez.`, `12月24日`).
pub fn day_label(at: UtcMillis, tz: &TimeZone, words: &CalendarWords) -> String {
    match Timestamp::from_millisecond(at) {
        Ok(at) => {
            let date = at.to_zoned(tz.clone()).date();
            words.day_month(date.day(), date.month())
        }
        Err(_) => String::new(),
    }
}

/// "Sat 5 Dec, 11:00–18:00, Berlin time", or with both dates when it spans midnight:
/// the zone named by its city (`schedule::zone_city`), as the page names it, in
/// `file`'s language.
pub fn when_label(
    starts_at: UtcMillis,
    ends_at: UtcMillis,
    tz: &TimeZone,
    zone_name: &str,
    file: &LocaleFile,
) -> String {
    let (Ok(start), Ok(end)) = (Timestamp::from_millisecond(starts_at), Timestamp::from_millisecond(ends_at)) else {
        return String::new();
    };
    let (start, end) = (start.to_zoned(tz.clone()), end.to_zoned(tz.clone()));
    let words = &file.calendar;
    let date = |z: &jiff::Zoned| {
        let d = z.date();
        words.date(usize::from(d.weekday().to_monday_zero_offset().unsigned_abs()), d.day(), d.month())
    };
    let time = |z: &jiff::Zoned| z.strftime("%H:%M").to_string();
    let range = if start.date() == end.date() {
        format!("{}, {}–{}", date(&start), time(&start), time(&end))
    } else {
        format!("{}, {} – {}, {}", date(&start), time(&start), date(&end), time(&end))
    };
    let city = linkshelf_core::schedule::zone_city(zone_name);
    file.text.fill(Key::ZoneTime, &[("time", &range), ("city", &city)])
}

/// Writes the dates the build puts in words (a code's last day, a drop's day, a
/// pop-up's times) and the page's words in `locale`: the copy of the site in that
/// language. Dates in a zone the check refused are left as they are.
pub fn localize(store: &mut Storefront, affiliates: &mut [linkshelf_core::model::Affiliate], locale: Locale) {
    let Ok(file) = LocaleFile::shipped(locale) else { return };
    let zone = |name: &str| TimeZone::get(name).ok();
    let relabel_codes = |codes: &mut [Code]| {
        for code in codes {
            if let (Some(end), Some(tz)) = (code.ends_at, code.time_zone.as_deref().and_then(zone)) {
                code.ends_label = Some(day_label(end - 1, &tz, &file.calendar));
            }
        }
    };
    let relabel_popups = |popups: &mut [Popup]| {
        for popup in popups {
            if let Some(tz) = zone(&popup.time_zone) {
                popup.when_label = when_label(popup.starts_at, popup.ends_at, &tz, &popup.time_zone, &file);
            }
        }
    };
    relabel_codes(&mut store.codes);
    relabel_popups(&mut store.popups);
    for product in &mut store.products {
        if let (Some(at), Some(tz)) = (product.available_at, product.time_zone.as_deref().and_then(zone)) {
            product.available_label = Some(day_label(at, &tz, &file.calendar));
        }
    }
    for affiliate in affiliates {
        relabel_codes(&mut affiliate.codes);
        relabel_popups(&mut affiliate.popups);
    }
    store.site = store.site.in_language(locale);
    store.text = file.text;
}

/// The image type a file name promises, by its extension: `None` for anything else,
/// so a secrets file or the config itself can never be published as an "image".
fn image_kind(src: &str) -> Option<&'static str> {
    let extension = src.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "a PNG",
        "jpg" | "jpeg" => "a JPEG",
        "gif" => "a GIF",
        "webp" => "a WebP",
        "avif" => "an AVIF",
        "svg" => "an SVG",
        _ => return None,
    })
}

/// Checks an image file next to the config: it exists, stays inside the config's folder
/// once links are followed, and its first bytes are the type its name says. SVGs are
/// text a browser runs when opened directly from the site, so script and event handlers
/// are refused.
fn check_image_file(base: &Path, src: &str, kind: &'static str) -> Result<(), ConfigErrorKind> {
    let file = base.join(src);
    if !file.is_file() {
        return Err(ConfigErrorKind::MissingImage { value: src.to_owned() });
    }
    let inside = match (base.canonicalize(), file.canonicalize()) {
        (Ok(base), Ok(file)) => file.starts_with(base),
        _ => false,
    };
    if !inside {
        return Err(ConfigErrorKind::ImageOutside { value: src.to_owned() });
    }
    let bytes = std::fs::read(&file).map_err(|e| ConfigErrorKind::Unreadable(format!("{src}: {e}")))?;
    let matches = match kind {
        "a PNG" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "a JPEG" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "a GIF" => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        "a WebP" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "an AVIF" => bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && matches!(&bytes[8..12], b"avif" | b"avis"),
        _ => {
            let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
            if !text.contains("<svg") {
                false
            } else if svg_is_active(&text) {
                return Err(ConfigErrorKind::ActiveSvg { value: src.to_owned() });
            } else {
                true
            }
        }
    };
    if matches {
        Ok(())
    } else {
        Err(ConfigErrorKind::NotImageContent { value: src.to_owned(), kind })
    }
}

/// Script, `javascript:` links, embedded HTML or an `on…=` event handler in SVG text
/// (already lowercased).
fn svg_is_active(text: &str) -> bool {
    if ["<script", "javascript:", "<foreignobject", "<iframe", "<embed", "<object"].iter().any(|t| text.contains(t)) {
        return true;
    }
    // An attribute whose name starts with "on", preceded by white space: onload=, onclick= …
    text.match_indices("on").any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let name: String = text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let after = text[i + name.len()..].trim_start();
        before.is_some_and(char::is_whitespace) && name.len() > 2 && after.starts_with('=')
    })
}

/// The JSON Schema of the config file, as written to `storefront.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawConfig);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// Reads and checks a config file: the errors, or the storefront and its assets.
pub fn load(path: &Path, now: UtcMillis) -> Result<(Storefront, Assets), Vec<ConfigError>> {
    let bytes = std::fs::read(path)
        .map_err(|e| vec![ConfigError { path: String::new(), kind: ConfigErrorKind::Unreadable(e.to_string()) }])?;
    let raw = text_of(&bytes).and_then(parse).map_err(|e| vec![e])?;
    let base_dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    validate(&raw, &Options { base_dir: Some(&base_dir), now })
}
