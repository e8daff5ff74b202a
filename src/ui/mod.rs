//! The Leptos components: thin views over the `domain` rules.

mod codes;
mod collections;
mod icons;
mod product_page;
mod profile;
mod schedule;
mod text;
pub mod platform;

pub use crate::domain::model::DATA_ELEMENT_ID;

use crate::domain::model::{Storefront, UtcMillis};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use platform::{DataError, ShopperLocale};
use std::sync::Arc;
use std::time::Duration;

/// The validated storefront, shared by every component.
#[derive(Clone)]
pub struct Shop(pub Arc<Storefront>);

/// The current time. It starts at the build time so rendering is deterministic, and
/// follows the browser's clock once the page runs (ticking every 30 s, so a code
/// expires and a stream goes live without a reload).
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<UtcMillis>);

/// The shopper's locale and zone; `None` until known (and always `None` natively).
#[derive(Clone, Copy)]
pub struct Shopper(pub RwSignal<Option<ShopperLocale>>);

#[component]
pub fn App(data: Result<Storefront, DataError>) -> impl IntoView {
    Effect::new(move |_| platform::mark_ready());
    match data {
        Ok(store) => view! { <Storefront store=store/> }.into_any(),
        Err(error) => view! { <ErrorState error=error/> }.into_any(),
    }
}

#[component]
fn Storefront(store: Storefront) -> impl IntoView {
    let clock = Clock(RwSignal::new(store.baked_at));
    let shopper = Shopper(RwSignal::new(None));
    provide_context(Shop(Arc::new(store)));
    provide_context(clock);
    provide_context(shopper);
    Effect::new(move |_| {
        shopper.0.set(platform::shopper_locale());
        clock.0.set(platform::now());
        set_interval(move || clock.0.set(platform::now()), Duration::from_secs(30));
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/p/:id") view=product_page::ProductPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <main class="page" id="main">
            <profile::Profile/>
            <codes::Codes/>
            <schedule::Schedule/>
            <collections::Collections/>
            <footer class="site-footer">
                <p>"Made with " <a href="https://github.com/linkshelf/linkshelf">"Linkshelf"</a></p>
            </footer>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="page state" id="main">
            <h1>"This page isn't here"</h1>
            <p>"The link may be old, or the product was removed."</p>
            <a class="button" href="/">"See the whole shop"</a>
        </main>
    }
}

/// Shown instead of a blank page when the embedded storefront is missing or broken.
#[component]
fn ErrorState(error: DataError) -> impl IntoView {
    view! {
        <main class="page state" id="main" role="alert">
            <h1>"This shop couldn't load"</h1>
            <p>"Something went wrong on our side. Please try again in a moment."</p>
            <a class="button" href="">"Reload"</a>
            <p class="state-detail">"Details for the shop owner: " {error.to_string()}</p>
        </main>
    }
}
