//! The Leptos views: thin functions over the rules in `linkshelf_core`.
//!
//! One convention: every view is a plain function returning `impl IntoView`, called
//! as `{name(args)}`, not a `#[component]`. Measured on the release bundle
//! (2026-12-02, the demo): the same 17 views as components cost 0.9 KB more WASM
//! (388.0 against 387.1 KB raw, 136.5 against 136.2 KB brotli), for a props builder
//! per component that nothing needs: all views are called from Rust. Signals are read
//! only inside closures, as a component's untracked body would require anyway.
//!
//! Creator text (names, codes, brands, venues, titles) that sits next to our own words
//! is isolated, so a right-to-left name or a stray direction character can't reorder
//! "Back to …'s shop": our words come from the page's language (`text::t`), so a
//! sentence with creator text in it is one string, the creator text between U+2068
//! FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE (`text::fill_isolated`; a
//! `<bdi>` would split the sentence into a view per part, 0.2 KB more, and the parts'
//! order is the language's), and CSS `unicode-bidi: plaintext` where an element holds
//! only creator text (the venue's `<strong>`: no bundle bytes). Long unbroken words wrap (`overflow-wrap: anywhere`, style/main.css).

mod cart;
mod codes;
mod collections;
mod icons;
mod in_app;
mod product_page;
mod profile;
pub mod route;
mod schedule;
mod share;
mod text;

use crate::runtime::platform::{self, ShopperBrowser};
use crate::runtime::tracking;
use leptos::either::EitherOf5;
use leptos::prelude::*;
use linkshelf_core::events::EventName;
use linkshelf_core::locale::Key;
use linkshelf_core::model::{Storefront, UtcMillis};
use route::Route;
use std::sync::Arc;
use std::time::Duration;

/// The validated storefront, shared by every component (read it with [`use_store`]).
#[derive(Clone)]
struct Shop(Arc<Storefront>);

/// The current time. It starts at the build time so rendering is deterministic, and
/// follows the browser's clock once the page runs (ticking every 30 s, so a code
/// expires and a stream goes live without a reload).
#[derive(Clone, Copy)]
struct Clock(RwSignal<UtcMillis>);

/// The shopper's locale and zone; `None` until known (and always `None` natively).
#[derive(Clone, Copy)]
struct Shopper(RwSignal<Option<ShopperBrowser>>);

// Context helpers: each view asks for what it reads by name, and the newtypes that
// keep the three contexts apart stay private to this module.

/// The storefront being shown.
pub fn use_store() -> Arc<Storefront> {
    expect_context::<Shop>().0
}

/// The current time ([`Clock`]).
pub fn use_clock() -> RwSignal<UtcMillis> {
    expect_context::<Clock>().0
}

/// The shopper's locale and zone ([`Shopper`]).
pub fn use_shopper() -> RwSignal<Option<ShopperBrowser>> {
    expect_context::<Shopper>().0
}

/// The whole app on `route`: the page the HTML was written for, when it takes over a
/// prerendered page. (When the page's data cannot be read, `main` shows a static
/// error instead: see `platform::show_failure`.)
pub fn app(store: Storefront, route: Route) -> impl IntoView {
    Effect::new(move |_| platform::mark_ready());
    storefront(store, route)
}

fn storefront(store: Storefront, route: Route) -> impl IntoView {
    let clock = Clock(RwSignal::new(store.baked_at));
    let shopper = Shopper(RwSignal::new(None));
    let store = Arc::new(store);
    provide_context(Shop(store.clone()));
    provide_context(clock);
    provide_context(shopper);
    cart::provide(store.clone());
    let (path, tracked) = (store.site.href(&route.path()), store.clone());
    // After the take-over: the shopper's locale and clock replace the build's, and
    // the page is reported (the tracker starts with the first page of the visit).
    let page_language = store.text.locale;
    Effect::new(move |_| {
        // Prices and dates in the page's language (`locale::intl_locale`).
        let browser = platform::shopper_browser()
            .map(|b| ShopperBrowser { locale: linkshelf_core::locale::intl_locale(&b.locale, page_language), ..b });
        shopper.0.set(browser);
        clock.0.set(platform::now());
        if let Ok(tick) = set_interval_with_handle(move || clock.0.set(platform::now()), Duration::from_secs(30)) {
            on_cleanup(move || tick.clear());
        }
        tracking::start(&tracked, &path);
        tracking::track(EventName::PageView, tracking::EventSpec::default());
    });
    // In an in-app browser: the bars with the way out (`in_app`), again whenever the
    // clock redraws the schedule or the applied code changes the link.
    let (cart, words) = (cart::use_cart(), store.clone());
    Effect::new(move |_| {
        clock.0.track();
        if let Some(browser) = shopper.0.get() {
            in_app::fill(&browser, cart.applied_code().as_deref(), &words.text);
        }
    });
    // The page never changes under the app: another page is fetched and taken over in
    // its place (see `main.rs`).
    let on_cart = matches!(route, Route::Cart | Route::Thanks);
    view! {
        {match route {
            // An affiliate's page is a home page with their profile, code and picks
            // (`Storefront::for_affiliate`).
            Route::Home | Route::Affiliate(_) => EitherOf5::A(home()),
            Route::Product(id) => match store.product(&id) {
                Some(product) => EitherOf5::B(product_page::product_page(product.clone())),
                None => EitherOf5::E(not_found()),
            },
            Route::Cart => EitherOf5::C(cart::cart_page()),
            Route::Thanks => EitherOf5::D(cart::thanks_page()),
            Route::NotFound => EitherOf5::E(not_found()),
        }}
        {cart::cart_bar(on_cart)}
    }
}

fn home() -> impl IntoView {
    view! {
        <main class="page" id="main">
            // Shopper first: who this is, what's on right now, the codes, then the
            // products; the schedule after them (issue #12: the first product card
            // starts within the first screen of a phone).
            {profile::profile()}
            {schedule::popups(true)}
            {codes::codes()}
            {collections::collections()}
            {schedule::popups(false)}
            <footer class="site-footer">
                <p>{text::t(Key::MadeWith)}</p>
            </footer>
        </main>
    }
}

/// The page of missing paths (`404.html`, which hosts answer every missing path
/// with). Both wordings are written; `html[data-missing="product"]` (set before the
/// first paint by the page's own script, `build::languages::missing_script`) shows a
/// missing product's (style/main.css). Static, so the bundle carries no logic for it.
fn not_found() -> impl IntoView {
    let home = use_store().site.href("/");
    view! {
        <main class="page state" id="main">
            <div class="missing-page">
                <h1>{text::t(Key::PageMissing)}</h1>
                <p>{text::t(Key::PageMissingDetail)}</p>
            </div>
            <div class="missing-product">
                <h1>{text::t(Key::ProductMissing)}</h1>
                <p>{text::t(Key::ProductMissingDetail)}</p>
            </div>
            <a class="button" href=home>{text::t(Key::SeeWholeShop)}</a>
            {profile::way_back()}
        </main>
    }
}
