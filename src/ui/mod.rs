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
//! "Back to …'s shop": a `<bdi>` where the creator text is a bare text node (measured:
//! the six of them cost about 0.1 KB brotli of bundle, less than a wrapper's CSS class
//! would), CSS `unicode-bidi: plaintext` where an element already holds only that text
//! (the venue's `<strong>`: no bundle bytes), and U+2068…U+2069 inside the one line
//! that is a single string (the price "with <code>": a `<bdi>` there needs a view per
//! state, 0.8 KB). Long unbroken words wrap (`overflow-wrap: anywhere`, style/main.css).

mod cart;
mod codes;
mod collections;
mod icons;
mod product_page;
mod profile;
pub mod route;
mod schedule;
mod text;

use crate::runtime::platform::{self, DataError, ShopperLocale};
use crate::runtime::tracking;
use leptos::prelude::*;
use linkshelf_core::events::EventName;
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
struct Shopper(RwSignal<Option<ShopperLocale>>);

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
pub fn use_shopper() -> RwSignal<Option<ShopperLocale>> {
    expect_context::<Shopper>().0
}

/// The whole app. `path` is the URL path it opens on; `data` is the storefront
/// decoded from the page (or why it could not be).
pub fn app(data: Result<Storefront, DataError>, path: String) -> impl IntoView {
    Effect::new(move |_| platform::mark_ready());
    match data {
        Ok(store) => storefront(store, path).into_any(),
        Err(error) => error_state(error).into_any(),
    }
}

fn storefront(store: Storefront, path: String) -> impl IntoView {
    let route = RwSignal::new(Route::from_path(&path));
    let title = format!("{} ({}) · Shop", store.creator.name, store.creator.handle);
    let clock = Clock(RwSignal::new(store.baked_at));
    let shopper = Shopper(RwSignal::new(None));
    let store = Arc::new(store);
    provide_context(Shop(store.clone()));
    provide_context(clock);
    provide_context(shopper);
    cart::provide(store.clone());
    Effect::new(move |_| {
        shopper.0.set(platform::shopper_locale());
        clock.0.set(platform::now());
        set_interval(move || clock.0.set(platform::now()), Duration::from_secs(30));
        platform::listen_navigation(
            |path| Route::from_path(path) != Route::NotFound,
            move |path| route.set(Route::from_path(&path)),
        );
    });
    // The tab title follows the page; focus moves to the new heading after a change;
    // each page shown is a `page_view`.
    let tracked_store = store.clone();
    Effect::new(move |previous: Option<Route>| {
        let current = route.get();
        if previous.is_none() {
            tracking::start(&tracked_store, &current.path());
        }
        if previous.as_ref() != Some(&current) {
            tracking::set_path(&current.path());
            tracking::track(EventName::PageView, tracking::EventSpec::default());
        }
        let page_title = match &current {
            Route::Product(id) => store.product(id).map(|p| format!("{} · {}", p.title, store.creator.name)),
            Route::Cart => Some(format!("Your cart · {}", store.creator.name)),
            Route::Thanks => Some(format!("Thank you · {}", store.creator.name)),
            _ => None,
        };
        platform::set_title(page_title.as_deref().unwrap_or(&title));
        if previous.is_some_and(|p| p != current) {
            platform::focus_heading();
        }
        current
    });
    view! {
        {move || match route.get() {
            Route::Home => home().into_any(),
            Route::Product(id) => product_page::product_page(id).into_any(),
            Route::Cart => cart::cart_page().into_any(),
            Route::Thanks => cart::thanks_page().into_any(),
            Route::NotFound => not_found().into_any(),
        }}
        {cart::cart_bar(route)}
    }
}

fn home() -> impl IntoView {
    view! {
        <main class="page" id="main">
            {profile::profile()}
            {codes::codes()}
            {schedule::popups()}
            {collections::collections()}
            <footer class="site-footer">
                <p>"Made with Linkshelf"</p>
            </footer>
        </main>
    }
}

fn not_found() -> impl IntoView {
    view! {
        <main class="page state" id="main">
            <h1>"This page isn't here"</h1>
            <p>"The link may be old, or the product was removed."</p>
            <a class="button" href="/">"See the whole shop"</a>
        </main>
    }
}

/// Shown instead of a blank page when the embedded storefront is missing or broken.
fn error_state(error: DataError) -> impl IntoView {
    view! {
        <main class="page state" id="main" role="alert">
            <h1>"This shop couldn't load"</h1>
            <p>"Something went wrong on our side. Please try again in a moment."</p>
            <a class="button" href="">"Reload"</a>
            <p class="state-detail">"Details for the shop owner: " {error.to_string()}</p>
        </main>
    }
}
