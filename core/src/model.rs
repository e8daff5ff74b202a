//! The validated storefront: what the build hands to the page.
//!
//! The human-edited config (`config` module) is checked and resolved natively at build
//! time into these types, encoded into the built page (see `embed`), and decoded by the
//! WASM app.
//! Everything here is already valid: ids resolve, URLs are http(s), times are UTC
//! instants in milliseconds since the Unix epoch, money is integer minor units.
//! Native prerendering (a later step) renders from exactly the same values.

use crate::locale::{Key, Locale, Text};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC. The same unit as JavaScript's `Date.now()`.
pub type UtcMillis = i64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Storefront {
    /// When this page was built; the clock the page starts from before it reads the
    /// browser's own.
    pub baked_at: UtcMillis,
    pub site: Site,
    pub creator: Creator,
    /// Not in the page's data (`crate::embed`): the page's CSS carries it, written at
    /// build time, and the app never reads it (decoding it cost WASM bytes).
    #[serde(skip)]
    pub theme: Theme,
    pub codes: Vec<Code>,
    pub products: Vec<Product>,
    pub collections: Vec<Collection>,
    pub popups: Vec<Popup>,
    pub tracking: Tracking,
    /// The handle of the affiliate this page belongs to (`/c/<handle>/`, brand mode),
    /// whose code the page applies and whom the visit is credited to; `None` on every
    /// other page. See [`Roster`].
    pub affiliate: Option<String>,
    /// The page's words, in the language of the copy of the site it is in
    /// (`crate::locale`).
    pub text: Text,
}

impl Storefront {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }
}

/// A brand's affiliates (brand mode): creators who each get a page of their own,
/// `/c/<handle>/`, from the brand's catalogue. Build-time only: every page carries at
/// most one affiliate (`Storefront::for_affiliate`), never the roster, so a page's
/// bytes do not grow with the number of affiliates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Roster {
    pub affiliates: Vec<Affiliate>,
    /// Whether an affiliate's page shows the brand's collections after their picks.
    pub catalogue: bool,
    /// Whether the site lists its affiliates (`/c/`). Off by default: many brands keep
    /// their roster to themselves.
    pub directory: bool,
}

/// One affiliate, checked: a unique handle, their own profile, codes and pop-ups, and
/// picks that name products of the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct Affiliate {
    /// Lowercase, `limits::is_handle`: the `<handle>` of `/c/<handle>/` and what events,
    /// checkout links and reports name them by.
    pub handle: String,
    /// Their profile; its `id` is the brand's (events stay the brand's, credited to
    /// the affiliate through `Attribution::affiliate`).
    pub profile: Creator,
    pub codes: Vec<Code>,
    /// Product ids, in the affiliate's order.
    pub picks: Vec<String>,
    pub popups: Vec<Popup>,
}

/// Where the shop lives on the web: for canonical links, link previews, search
/// results, the sitemap, and (from its path) the base of every link in the site.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The home page's public address: https, no query or fragment, ending in `/`
    /// (`https://junopark.example/`, `https://name.github.io/shop/`).
    pub url: String,
    /// The picture link previews show for the home page (otherwise the avatar). Only
    /// in the page's head tags, written at build time: not in its data (`crate::embed`).
    #[serde(skip)]
    pub share_image: Option<Image>,
    /// The languages the site is built in, the creator's default (`site.locale`) first:
    /// the default's pages at the site's root, each other's in its folder
    /// ([`Locale::folder`]). Build-time only: a page needs only `folder`.
    #[serde(skip)]
    pub languages: Vec<Locale>,
    /// The language of this copy of the site (build-time only, as `languages`).
    #[serde(skip)]
    pub locale: Locale,
    /// This copy's folder under the site's root, where its pages link within: empty
    /// for the default language, `es/` for Spanish. Set with [`Site::in_language`].
    pub folder: String,
}

impl Site {
    /// The path the site is served under: `/` at a domain's root, `/shop/` under a
    /// sub-path.
    pub fn base_path(&self) -> &str {
        let after_scheme = self.url.find("://").map_or(0, |i| i + 3);
        self.url[after_scheme..].find('/').map_or("/", |i| &self.url[after_scheme + i..])
    }

    /// This site in `locale`'s copy: its links within that copy.
    pub fn in_language(&self, locale: Locale) -> Site {
        Site { locale, folder: self.folder_of(locale), ..self.clone() }
    }

    /// Where this copy's pages are, under the site's root: nothing for the default
    /// language, `es/` for Spanish.
    pub fn language_folder(&self) -> String {
        self.folder.clone()
    }

    /// Where `locale`'s copy of the site is, under its root (nothing for the default).
    pub fn folder_of(&self, locale: Locale) -> String {
        match self.languages.first() {
            Some(default) if *default != locale => locale.folder(),
            _ => String::new(),
        }
    }

    /// The absolute address of the page at `path` in this copy (`/p/mug/` →
    /// `https://junopark.example/es/p/mug/`).
    pub fn page_url(&self, path: &str) -> String {
        format!("{}{}{}", self.url, self.language_folder(), path.trim_start_matches('/'))
    }

    /// The absolute address of a file shared by every language (`media/a.png`).
    pub fn file_url(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }

    /// The link to the page at `path` in this copy (`/p/mug/`, `calendar/x.ics`, whose
    /// text is in the page's language), under the base path: `/shop/es/p/mug/` for
    /// Spanish in a site at `https://name.github.io/shop/`.
    pub fn href(&self, path: &str) -> String {
        format!("{}{}{}", self.base_path(), self.language_folder(), path.trim_start_matches('/'))
    }

    /// The link to a file every language shares (images, the icon, a product's data).
    pub fn file_href(&self, path: &str) -> String {
        format!("{}{}", self.base_path(), path.trim_start_matches('/'))
    }

    /// Where an image loads from: its own address, or its file under the base path.
    pub fn image_url(&self, image: &Image) -> String {
        if image.is_remote() {
            image.src.clone()
        } else {
            self.file_href(&image.src)
        }
    }

    /// A path the browser shows, as a path inside this copy of the site
    /// (`/shop/es/p/mug/` → `/p/mug/`), for reading which page it is; `None` for a
    /// path outside it (another site, or from a language's copy another language's).
    /// In the default copy another language's path reads as a path of no page
    /// (`/es/p/mug/`), so the browser loads it, with its own `<html lang>`.
    pub fn path_in_site<'a>(&self, path: &'a str) -> Option<&'a str> {
        let base = self.base_path().trim_end_matches('/');
        let rest = path.strip_prefix(base).filter(|r| r.is_empty() || r.starts_with('/'))?;
        match self.folder.trim_end_matches('/') {
            "" => Some(rest),
            folder => rest.strip_prefix('/')?.strip_prefix(folder).filter(|i| i.is_empty() || i.starts_with('/')),
        }
    }
}

/// How much the page may keep on the shopper's device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Privacy {
    /// Nothing on the device: events queue in memory only, attribution lasts the visit.
    #[default]
    Strict,
    /// An outbox in localStorage (so events survive reloads and going offline) and
    /// the visit's attribution in sessionStorage. Still no cookies, no visitor id.
    Standard,
}

/// Where events go and how privately. Global Privacy Control and Do Not Track force
/// `Strict` in the browser whatever is configured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    pub privacy: Privacy,
    pub sinks: Vec<Sink>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Creator {
    pub id: String,
    pub name: String,
    pub handle: String,
    pub bio: String,
    pub avatar: Image,
    /// Shown under the bio without scrolling or hovering, e.g. "I earn a commission
    /// on some of these links."
    pub disclosure: String,
    pub links: Vec<SocialLink>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// A path inside the built site (`media/mug.svg`) or an absolute http(s) URL.
    pub src: String,
    pub alt: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SocialKind {
    Tiktok,
    Instagram,
    Youtube,
    Twitch,
    Pinterest,
    X,
    Threads,
    Website,
    Email,
}

impl SocialKind {
    /// The name a screen reader reads and a tooltip shows.
    pub fn label(self) -> &'static str {
        match self {
            SocialKind::Tiktok => "TikTok",
            SocialKind::Instagram => "Instagram",
            SocialKind::Youtube => "YouTube",
            SocialKind::Twitch => "Twitch",
            SocialKind::Pinterest => "Pinterest",
            SocialKind::X => "X",
            SocialKind::Threads => "Threads",
            SocialKind::Website => "Website",
            SocialKind::Email => "Email",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SocialLink {
    pub kind: SocialKind,
    pub url: String,
}

/// Colours derived from the creator's accent so every pairing meets WCAG AA.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// The look (`theme.preset`): colours, heading font, shapes.
    pub preset: crate::theme::Preset,
    /// The creator's accent, used for filled buttons.
    pub accent: String,
    /// Text on an accent-filled surface (black or white, whichever contrasts more).
    pub on_accent: String,
    /// The accent adjusted to read as text on the light background.
    pub accent_text_light: String,
    /// The accent adjusted to read as text on the dark background.
    pub accent_text_dark: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Code {
    pub id: String,
    /// What the shopper types at checkout, e.g. `JUNO15`.
    pub code: String,
    /// Whose code it is, e.g. the brand "Fable Studio".
    pub brand: String,
    pub offer: Offer,
    pub starts_at: Option<UtcMillis>,
    pub ends_at: Option<UtcMillis>,
    /// The last day it works in its own zone, written at build time ("24 Dec"; an end
    /// at midnight names the day before, as a person would): what "Ends …" names until
    /// the page knows the shopper's calendar, so the line is there from the first
    /// paint and nothing moves when it is refined.
    pub ends_label: Option<String>,
    /// Which products the code covers; the default (both lists empty) is everything.
    pub scope: Scope,
    /// The IANA zone `ends_label` is written in: the build writes the label again in
    /// each language's words. Not in the page's data.
    #[serde(skip)]
    pub time_zone: Option<String>,
}

/// Which cart lines a code counts: the products named, plus every product of the
/// collections named. Empty lists on both sides mean the whole cart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub products: Vec<String>,
    pub collections: Vec<String>,
}

impl Scope {
    pub fn covers(&self, product_id: &str, collections: &[Collection]) -> bool {
        (self.products.is_empty() && self.collections.is_empty())
            || self.products.iter().any(|p| p == product_id)
            || collections
                .iter()
                .filter(|c| self.collections.contains(&c.id))
                .any(|c| c.products.iter().any(|p| p == product_id))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offer {
    PercentOff { percent: u8, min_subtotal: Option<Money> },
    AmountOff { amount: Money, min_subtotal: Option<Money> },
    FreeShipping { min_subtotal: Option<Money> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Badge {
    New,
    Limited,
    SoldOut,
}

impl Badge {
    pub fn label(self) -> Key {
        match self {
            Badge::New => Key::BadgeNew,
            Badge::Limited => Key::BadgeLimited,
            Badge::SoldOut => Key::SoldOut,
        }
    }
}

/// How the creator is connected to a product: the disclosure a shopper is owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Disclosure {
    /// The creator earns a commission on a sale through this link.
    Affiliate,
    /// The brand gave the product to the creator.
    Gifted,
    /// The brand paid for this placement.
    Paid,
}

impl Disclosure {
    pub fn label(self) -> Key {
        match self {
            Disclosure::Affiliate => Key::DisclosureAffiliate,
            Disclosure::Gifted => Key::DisclosureGifted,
            Disclosure::Paid => Key::DisclosurePaid,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub images: Vec<Image>,
    pub badges: Vec<Badge>,
    pub disclosure: Option<Disclosure>,
    pub checkout: Checkout,
    /// A drop: the product shows before this instant but can't be bought until it.
    pub available_at: Option<UtcMillis>,
    /// The drop's day in its own zone, written at build time ("1 Mar"): what "Drops …"
    /// names until the page knows the shopper's calendar.
    pub available_label: Option<String>,
    /// The IANA zone `available_label` is written in (build-time only, as for codes).
    #[serde(skip)]
    pub time_zone: Option<String>,
}

impl Product {
    pub fn is_sold_out(&self) -> bool {
        self.badges.contains(&Badge::SoldOut)
    }

    /// A drop whose release time has not come.
    pub fn is_upcoming(&self, now: UtcMillis) -> bool {
        self.available_at.is_some_and(|at| now < at)
    }
}

/// Where a product is bought, which decides how its checkout link is built and
/// whether it can share a cart (its rules and links are in `crate::checkout`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checkout {
    /// A variant in a Shopify shop (`shop` is its domain). Products of one shop share
    /// a cart, which checks out as one cart permalink.
    Shopify { shop: String, variant: String },
    /// A Stripe Payment Link (one product per link).
    Stripe { url: String },
    /// A Lemon Squeezy checkout link (`…/checkout/buy/<variant>`).
    LemonSqueezy { url: String },
    /// A Gumroad product link (`…/l/<permalink>`).
    Gumroad { url: String },
    /// Any other shop page.
    Link { url: String },
}

/// Where events go, as configured by the creator (each one's payloads are in
/// `crate::sinks`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Sink {
    /// Linkshelf's own collector: `POST {endpoint}` with a JSON array.
    Collector { endpoint: String },
    /// Plausible's Events API, e.g. `https://plausible.io/api/event`.
    Plausible { endpoint: String, domain: String },
    /// Umami's `/api/send`, with the website id (a UUID).
    Umami { endpoint: String, website_id: String },
    /// PostHog's `/batch/`, with the public (write-only) project key `phc_…`.
    PostHog { endpoint: String, api_key: String },
    /// Any endpoint that accepts `{"source":"linkshelf","events":[…]}`.
    Webhook { endpoint: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Product ids in the creator's order; every one resolves.
    pub products: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// An in-person pop-up.
    Venue { name: String, address: String, map_url: Option<String> },
    /// A live stream.
    Stream { platform: String, url: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Popup {
    pub id: String,
    pub title: String,
    pub starts_at: UtcMillis,
    pub ends_at: UtcMillis,
    /// The venue's IANA zone (for a stream: the creator's), e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// When it happens in the venue's zone, rendered at build time
    /// ("Sat 5 Dec, 11:00–18:00 CET"); the page refines it with the shopper's locale.
    pub when_label: String,
    pub place: Place,
    /// Path of the prebuilt `.ics` file inside the site.
    pub ics_path: String,
    /// A Google Calendar "add event" link.
    pub google_calendar_url: String,
}

/// The id of the `<script>` element that carries the storefront inside the built page.
pub const DATA_ELEMENT_ID: &str = "linkshelf-data";
/// The element after the app's with the links to this page in each language
/// (`build::languages`): written at build time, outside the app, and swapped with the
/// page when the app changes pages in place.
pub const LANGUAGES_ELEMENT_ID: &str = "languages";
/// The id of the element each page is written into at build time, which the app
/// takes over in the browser.
pub const APP_ELEMENT_ID: &str = "app";

impl Image {
    /// Whether `src` is a full http(s) address rather than a file of the site.
    pub fn is_remote(&self) -> bool {
        self.src.starts_with("http://") || self.src.starts_with("https://")
    }
}

#[cfg(test)]
mod site_tests {
    use super::Site;
    use crate::locale::Locale;

    #[test]
    fn base_paths_and_page_addresses() {
        let root = Site { url: "https://junopark.example/".into(), ..Default::default() };
        assert_eq!(root.base_path(), "/");
        assert_eq!(root.page_url("/p/mug/"), "https://junopark.example/p/mug/");
        let project = Site { url: "https://juno.github.io/shop/".into(), ..Default::default() };
        assert_eq!(project.base_path(), "/shop/");
        assert_eq!(project.page_url("media/a.png"), "https://juno.github.io/shop/media/a.png");
        assert_eq!(project.page_url("/"), "https://juno.github.io/shop/");
        assert_eq!(project.href("/p/mug/"), "/shop/p/mug/");
        assert_eq!(root.href("calendar/x.ics"), "/calendar/x.ics");
        assert_eq!(project.path_in_site("/shop/p/mug/"), Some("/p/mug/"));
        assert_eq!(project.path_in_site("/shop"), Some(""));
        assert_eq!(project.path_in_site("/shopping/"), None, "only a whole segment");
        assert_eq!(root.path_in_site("/p/mug/"), Some("/p/mug/"));
        let photo = super::Image { src: "media/a.png".into(), alt: String::new() };
        assert_eq!(project.image_url(&photo), "/shop/media/a.png");
        // The Spanish copy: its pages in `es/`, the files every language shares at the root.
        let spanish = Site { languages: vec![Locale::En, Locale::Es], ..project.clone() }.in_language(Locale::Es);
        assert_eq!(spanish.href("/p/mug/"), "/shop/es/p/mug/");
        assert_eq!(spanish.page_url("/"), "https://juno.github.io/shop/es/");
        assert_eq!(spanish.image_url(&photo), "/shop/media/a.png");
        assert_eq!(spanish.file_url("media/a.png"), "https://juno.github.io/shop/media/a.png");
        assert_eq!(spanish.path_in_site("/shop/es/p/mug/"), Some("/p/mug/"));
        assert_eq!(spanish.path_in_site("/shop/es"), Some(""));
        assert_eq!(spanish.path_in_site("/shop/p/mug/"), None, "the default copy is another site");
        assert_eq!(spanish.path_in_site("/shop/esx/"), None);
        let english = spanish.in_language(Locale::En);
        assert_eq!(english.href("/p/mug/"), "/shop/p/mug/");
        assert_eq!(english.path_in_site("/shop/p/mug/"), Some("/p/mug/"));
        let elsewhere = english.path_in_site("/shop/es/p/mug/");
        assert_eq!(elsewhere, Some("/es/p/mug/"), "Spanish is another copy: ");
        assert_eq!(
            elsewhere.map(crate::route::Route::from_path),
            Some(crate::route::Route::NotFound),
            "no page of this one"
        );
        assert_eq!(
            Site { languages: vec![Locale::Es, Locale::En], ..project.clone() }.in_language(Locale::Es).href("/"),
            "/shop/"
        );
        let remote = super::Image { src: "https://cdn.example/a.png".into(), alt: String::new() };
        assert_eq!(project.image_url(&remote), "https://cdn.example/a.png");
    }
}
