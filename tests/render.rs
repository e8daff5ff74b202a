//! The components render natively (no browser), from the same data the page gets:
//! the ground prerendering will stand on.

use leptos::prelude::*;
use linkshelf::build::config;
use linkshelf::ui::app;
use std::path::Path;

/// 2026-11-27T18:30:00Z: the demo's live stream is on, JUNO15 is the active code.
const DURING_THE_LIVE: i64 = 1_795_804_200_000;

fn render(path: &str) -> String {
    let (store, _) = config::load(Path::new("demo/storefront.json"), DURING_THE_LIVE).expect("demo config");
    let owner = Owner::new();
    owner.with(|| {
        let path = path.to_owned();
        app(store, linkshelf::ui::route::Route::from_path(&path)).to_html()
    })
}

#[test]
fn home_renders_the_whole_storefront() {
    let html = render("/");
    assert!(html.contains("Juno Park"));
    assert!(html.contains("Some links earn me a commission"));
    assert!(html.contains("15% off selected items"));
    // The code's end is on the first paint, in its own zone, so nothing moves when the
    // page refines it in the shopper's locale.
    assert!(html.contains("Ends 24 Dec"), "the code's last day from the build");
    assert!(!html.contains("JUNO5<"), "an expired code must not render");
    assert!(html.contains("Live now"));
    assert!(html.contains("Fri 27 Nov, 19:00–20:30, Berlin time"), "venue time from the build");
    // Shopper first: what's live, the codes, the products, then what is still to come.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} in the page"));
    assert!(at("id=\"live-title\"") < at("id=\"codes-title\""));
    assert!(at("id=\"codes-title\"") < at("class=\"product-card"));
    assert!(at("class=\"product-card") < at("id=\"schedule-title\""));
    assert!(html.contains("+2 more"), "the schedule's next one shown, the other two behind it");
    assert_eq!(html.matches("class=\"product-card").count(), 20);
    assert!(html.contains("href=\"/p/speckled-mug/\""));
    assert!(html.contains("€32"));
}

#[test]
fn product_page_renders_by_path() {
    let html = render("/p/canvas-tote/");
    assert!(html.contains("Heavy canvas market tote"));
    assert!(html.contains("Add to cart"), "a Shopify product joins the cart");
    let stripe = render("/p/desk-lamp/");
    assert!(stripe.contains("Buy at buy.stripe.com"), "a payment link is bought straight away");
    assert!(render("/cart/").contains("Your cart is empty"));
    assert!(render("/thanks/").contains("Thank you!"));
    assert!(html.contains("/media/canvas-tote-2.svg"));
    // A missing product is the page of missing paths (404.html); in the browser it
    // then says "This product isn't here" (end2end/tests/product-detail.spec.ts).
    let missing = render("/p/nope/");
    assert!(missing.contains("This page isn't here"));
}
