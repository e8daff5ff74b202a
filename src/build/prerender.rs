//! Every page written at build time as real HTML, by the same views the browser runs:
//! the page is the first paint, readable without JavaScript, by search engines and by
//! link previews. In the browser the app takes this HTML over in place (hydration).

use crate::ui::{app, route::Route};
use leptos::prelude::*;
use linkshelf_core::model::Storefront;

/// `route`'s page as HTML, as the app renders it before anything of the shopper's is
/// known: the build's clock, no locale, an empty cart.
pub fn render(store: &Storefront, route: &Route) -> String {
    let owner = Owner::new();
    owner.with(|| app(store.clone(), route.clone()).to_html())
}
