//! The storefront's pages and the paths that reach them.
//!
//! Written here instead of using `leptos_router`: with two routes, the router cost
//! about 18 KB brotli of WASM (measured), more than 10 % of the page budget. The
//! browser half (history and link clicks) is in the app's `platform::listen_navigation`.
//! In the core (not the app) because which data a page carries is a rule of the core
//! (`page_data`), and it is asked by page.

use crate::locale::Key;
use crate::model::Storefront;

/// A page of the storefront.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    /// `/p/<id>/`: one product.
    Product(String),
    /// `/cart/`: the cart and its checkout link.
    Cart,
    /// `/thanks/`: where a shop sends the shopper after paying.
    Thanks,
    /// `/c/<handle>/`: an affiliate's page (brand mode).
    Affiliate(String),
    NotFound,
}

impl Route {
    /// Reads a URL path. Static hosts may serve the same page as `/p/x`, `/p/x/` or
    /// `/p/x/index.html`; all three are the product `x`.
    pub fn from_path(path: &str) -> Route {
        let path = path.strip_suffix("index.html").unwrap_or(path);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Route::Home,
            ["p", id] => Route::Product((*id).to_owned()),
            ["c", handle] => Route::Affiliate((*handle).to_owned()),
            ["cart"] => Route::Cart,
            ["thanks"] => Route::Thanks,
            _ => Route::NotFound,
        }
    }

    /// The page's title, as the prerendered page and the tab both show it.
    pub fn title(&self, store: &Storefront) -> String {
        let name = &store.creator.name;
        let product = match self {
            Route::Product(id) => store.product(id),
            _ => None,
        };
        let text = &store.text;
        match (self, product) {
            (_, Some(product)) => format!("{} · {name}", product.title),
            (Route::Cart, _) => text.fill(Key::TitleCart, &[("name", name)]),
            (Route::Thanks, _) => text.fill(Key::TitleThanks, &[("name", name)]),
            _ => text.fill(Key::TitleShop, &[("name", name), ("handle", &store.creator.handle)]),
        }
    }

    /// The page's file in the built site, from its root: how a prerendered page says
    /// which page it is (`/404.html` for the page of missing paths).
    pub fn file_path(&self) -> String {
        match self {
            Route::NotFound => "/404.html".to_owned(),
            route => route.path(),
        }
    }

    /// The canonical path: what links point at and what the static site has a file for.
    pub fn path(&self) -> String {
        match self {
            Route::Home | Route::NotFound => "/".to_owned(),
            Route::Product(id) => format!("/p/{id}/"),
            Route::Cart => "/cart/".to_owned(),
            Route::Thanks => "/thanks/".to_owned(),
            Route::Affiliate(handle) => format!("/c/{handle}/"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_a_static_host_serves() {
        assert_eq!(Route::from_path("/"), Route::Home);
        assert_eq!(Route::from_path(""), Route::Home);
        assert_eq!(Route::from_path("/index.html"), Route::Home);
        for path in ["/p/mug", "/p/mug/", "/p/mug/index.html", "//p//mug"] {
            assert_eq!(Route::from_path(path), Route::Product("mug".into()), "{path}");
        }
        assert_eq!(Route::from_path("/p/"), Route::NotFound);
        assert_eq!(Route::from_path("/p/mug/extra"), Route::NotFound);
        assert_eq!(Route::from_path("/calendar/x.ics"), Route::NotFound);
        assert_eq!(Route::from_path("/cart"), Route::Cart);
        assert_eq!(Route::from_path("/thanks/index.html"), Route::Thanks);
        assert_eq!(Route::from_path("/c/juno.park/"), Route::Affiliate("juno.park".into()));
        assert_eq!(Route::from_path("/c/"), Route::NotFound);
    }

    #[test]
    fn paths_round_trip() {
        for route in
            [Route::Home, Route::Product("tote".into()), Route::Cart, Route::Thanks, Route::Affiliate("juno.p".into())]
        {
            assert_eq!(Route::from_path(&route.path()), route);
        }
        for route in [Route::Home, Route::Product("tote".into()), Route::Cart, Route::Thanks, Route::NotFound] {
            assert_eq!(Route::from_path(&route.file_path()), route);
        }
    }
}
