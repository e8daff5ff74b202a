//! The way out of an in-app browser, shown only inside one (Instagram's, TikTok's …).
//!
//! Placed right below what it helps with (a Buy link, the cart's checkout, a pop-up's
//! calendar links), never above it: it appears once the app knows the browser, and the
//! thing the shopper is about to tap must not move. Which way out is offered is the
//! core's rule (`linkshelf_core::in_app`): "Open in …" only where it is known to work
//! on that app and system, "Copy link" always.
//!
//! Built as an empty, hidden slot that the page's early script draws into
//! (`platform::draw_in_app_bars`, `drawInApp` in `early-taps.js`) from the lines this
//! module writes, not as a reactive view: measured on the demo's release bundle, the
//! same bar as a Leptos view cost 5.7 KB brotli of WASM (its type is copied into the
//! render, hydrate and rebuild code of every view that holds it; type-erased with
//! `AnyView`, 14 KB), the same DOM calls in the WASM about 1 KB, and in the script
//! about 0.3 KB. The page's HTML has the empty slot only (the build cannot know the
//! browser), so hydration matches.

use crate::runtime::platform::{self, ShopperBrowser};
use crate::runtime::tracking;
use leptos::prelude::*;
use linkshelf_core::in_app::InAppBrowser;
use linkshelf_core::locale::{Key, Text};

/// What the shopper is about to do, which the bar's sentence names.
#[derive(Clone, Copy)]
pub enum Before {
    Checkout,
    Calendar,
}

impl Before {
    fn as_str(self) -> &'static str {
        match self {
            Before::Checkout => "checkout",
            Before::Calendar => "calendar",
        }
    }
}

/// Where the bar goes: an empty slot [`fill`] fills in an in-app browser.
pub fn escape_bar(before: Before) -> impl IntoView {
    view! { <div class="in-app" data-before=before.as_str() hidden></div> }
}

/// Fills every slot on the page for `browser` (nothing outside an in-app browser), with
/// a link to this page that carries the visit's campaign, `code` and id
/// ([`tracking::jump_query`]).
pub fn fill(browser: &ShopperBrowser, code: Option<&str>, text: &Text) {
    if browser.in_app == InAppBrowser::None {
        return;
    }
    let app = [("app", browser.in_app.app_name())];
    let url = format!("{}{}{}", platform::origin(), platform::current_path(), tracking::jump_query(code));
    let (open, open_word) = browser.escape.and_then(|e| Some((e.link(&url)?, text.get(e.label())))).unwrap_or_default();
    // The lines `drawInApp` reads, in its order; none of them holds a line break (ours
    // are single lines, and a URL cannot).
    let (checkout, calendar) = (text.fill(Key::InAppCheckout, &app), text.fill(Key::InAppCalendar, &app));
    let lines = [
        checkout.as_str(),
        &calendar,
        &open,
        open_word,
        &url,
        text.get(Key::OpenInOwnBrowser),
        text.get(Key::CopyLink),
        text.get(Key::LinkCopied),
        text.get(Key::CopyLinkFailed),
    ];
    platform::draw_in_app_bars(&lines.join("\n"));
}
