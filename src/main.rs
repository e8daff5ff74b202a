//! The browser entry point: takes over the page's prerendered HTML in place
//! (hydration), and changes pages in place too.
//!
//! A tap on a link to another page of the shop fetches that page (written at build
//! time, like this one), puts its HTML and data in place of this page's and takes it
//! over the same way. The bundle never builds a page, only takes one over (building
//! pages in the browser cost 15.6 KB brotli of WASM, measured), while what lasts for
//! the visit stays in memory between pages: the tracker with the campaign the shopper
//! came from and its outbox, and the cart under strict privacy. If the fetch fails,
//! the browser loads the page itself.

// No `fn main`: the page starts the app through wasm-bindgen's start function, without
// std's wrapper around `main` (its runtime set-up and the stdout flush at exit, which
// a page never needs): 0.8 KB raw, 0.2 KB brotli of WASM, measured 2026-12-03.
#![no_main]

use linkshelf::runtime::platform;
use linkshelf::ui::{app, route::Route};
use linkshelf_core::model::Site;
use std::any::Any;
use std::cell::RefCell;

thread_local! {
    /// The page taken over now; dropping it lets the page go (its effects and nodes).
    static PAGE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Runs once the WASM module is instantiated (wasm-bindgen's start function).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
fn start() {
    let Some((root, path)) = platform::prerendered_page() else { return };
    let Some(site) = take_over(&root, &path) else { return };
    platform::listen_navigation(
        move |path| site.path_in_site(path).is_some_and(|inside| Route::from_path(inside) != Route::NotFound),
        move |path| leptos::task::spawn_local(change_page(root.clone(), path)),
    );
}

/// Takes over the page in `root`, written for `path` (inside the site), and says
/// where the site lives. `None` when its data cannot be read: the page's buttons
/// would do nothing, so it says so instead.
fn take_over(root: &web_sys::HtmlElement, path: &str) -> Option<Site> {
    match platform::read_embedded_data() {
        Ok(store) => {
            let (route, site) = (Route::from_path(path), store.site.clone());
            let page = leptos::mount::hydrate_from(root.clone(), move || app(store, route));
            PAGE.with(|p| *p.borrow_mut() = Some(Box::new(page)));
            Some(site)
        }
        Err(error) => {
            platform::show_failure(root, &error);
            None
        }
    }
}

async fn change_page(root: web_sys::HtmlElement, path: String) {
    let Some(page) = platform::fetch_page(&path).await else { return platform::load(&path) };
    // A later tap (or Back) moved on while this page was on its way.
    if platform::current_path() != path {
        return;
    }
    PAGE.with(|p| p.borrow_mut().take());
    platform::show_page(&root, &page);
    if take_over(&root, &page.route).is_some() {
        platform::focus_heading();
    }
}
