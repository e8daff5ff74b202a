//! What each page of the built site carries: only what that page shows, so a page's
//! bytes do not grow with the catalogue (issue #11: a 2,000-product shop embedded the
//! whole storefront in each of its 2,004 pages, ~995 MB, past GitHub Pages' 1 GB).
//!
//! The build renders every page from its own part ([`Storefront::for_page`]) and
//! embeds exactly that part, so the page's HTML is what hydration renders from the
//! page's data. The cart (on every page) holds products a page may not carry: the
//! build also writes each product's part as a small file (`p/<id>/product.txt`), and
//! the page adds the ones its cart needs ([`Storefront::add_products_of`]). See
//! `docs/design.md` ("Each page carries only what it shows") for why per-product files
//! and not one catalogue file or snapshots in the stored cart.

use crate::model::{Collection, Storefront};
use crate::route::Route;

/// Where a product's part of the storefront is written, from the site's root: the
/// data its own page embeds, fetched by pages whose cart holds the product.
pub fn product_file(product_id: &str) -> String {
    format!("p/{product_id}/product.txt")
}

/// How many picks the way-back pages show: one row on a phone, and a few pictures'
/// bytes on pages that otherwise carry no product.
pub const PICKS: usize = 3;

impl Storefront {
    /// The part of the storefront `route`'s page shows and links to:
    /// - home: every collection with its products, the pop-ups, the codes;
    /// - a product page: that product, the collections it is in (their other products
    ///   left out: the page names them, nothing more), the codes;
    /// - cart, thanks and missing pages: the creator's picks ([`Storefront::picks`],
    ///   shown as the way back into the shop), no pop-up (the cart fetches its other
    ///   products), the codes.
    ///
    /// Every page keeps the creator, site, theme, tracking and every code: the cart
    /// bar on every page totals the applied code, which may cover none of the page's
    /// products, and a code the page did not know would read as removed from the
    /// shop (`Cart::decode` drops it). Codes are the creator's handful and do not grow
    /// with the catalogue.
    pub fn for_page(&self, route: &Route) -> Storefront {
        match route {
            Route::Home => {
                let shown = |id: &str| self.collections.iter().any(|c| c.products.iter().any(|p| p == id));
                Storefront {
                    products: self.products.iter().filter(|p| shown(&p.id)).cloned().collect(),
                    ..self.clone()
                }
            }
            Route::Product(id) => self.with_products(&[id.as_str()]),
            Route::Cart | Route::Thanks | Route::NotFound => self.with_products(&self.picks()),
        }
    }

    /// The creator's picks for pages that end a path (thank-you, empty cart, missing
    /// page): the first product of each collection, the first [`PICKS`] distinct ones,
    /// so those pages lead back into the shop rather than ending the visit.
    pub fn picks(&self) -> Vec<&str> {
        let mut picks: Vec<&str> = Vec::new();
        for id in self.collections.iter().filter_map(|c| c.products.iter().find(|id| self.product(id).is_some())) {
            if picks.len() < PICKS && !picks.contains(&id.as_str()) {
                picks.push(id);
            }
        }
        picks
    }

    /// The storefront without pop-ups and with only the products `ids` (and only the
    /// collections holding them, listing only them: what `Scope::covers` and "In …"
    /// need for these products). Built without cloning the whole catalogue.
    fn with_products(&self, ids: &[&str]) -> Storefront {
        let wanted = |id: &String| ids.contains(&id.as_str());
        Storefront {
            baked_at: self.baked_at,
            site: self.site.clone(),
            creator: self.creator.clone(),
            theme: self.theme.clone(),
            codes: self.codes.clone(),
            products: self.products.iter().filter(|p| wanted(&p.id)).cloned().collect(),
            collections: self
                .collections
                .iter()
                .filter(|c| c.products.iter().any(wanted))
                .map(|c| Collection {
                    products: c.products.iter().filter(|p| wanted(p)).cloned().collect(),
                    ..c.clone_without_products()
                })
                .collect(),
            popups: Vec::new(),
            tracking: self.tracking.clone(),
        }
    }

    /// Adds the products of `part` (another page's part of the same build, e.g. a
    /// fetched [`product_file`]) that this one lacks, with their collections, so the
    /// cart can price, scope codes over, and check out lines this page does not show.
    /// Products and collections already here are kept as they are.
    pub fn add_products_of(&mut self, part: Storefront) {
        for product in part.products {
            if self.product(&product.id).is_none() {
                self.products.push(product);
            }
        }
        for collection in part.collections {
            match self.collections.iter_mut().find(|c| c.id == collection.id) {
                Some(known) => {
                    for id in collection.products {
                        if !known.products.contains(&id) {
                            known.products.push(id);
                        }
                    }
                }
                None => self.collections.push(collection),
            }
        }
    }
}

impl Collection {
    fn clone_without_products(&self) -> Collection {
        Collection {
            id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            products: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::store;
    use crate::model::{Collection, Popup};

    fn ids(store: &Storefront) -> Vec<&str> {
        store.products.iter().map(|p| p.id.as_str()).collect()
    }

    fn with_popup_and_two_collections() -> Storefront {
        let mut s = store();
        s.collections.push(Collection {
            id: "lighting".into(),
            title: "Lighting".into(),
            description: Some("Lamps".into()),
            products: vec!["lamp".into(), "mug".into()],
        });
        s.popups.push(Popup {
            id: "fair".into(),
            title: "Fair".into(),
            starts_at: 0,
            ends_at: 1,
            time_zone: "UTC".into(),
            when_label: String::new(),
            place: crate::model::Place::Stream { platform: "Twitch".into(), url: "https://twitch.tv/j".into() },
            ics_path: "calendar/fair.ics".into(),
            google_calendar_url: String::new(),
        });
        s
    }

    #[test]
    fn a_product_page_carries_its_product_and_its_collections_only() {
        let s = with_popup_and_two_collections();
        let page = s.for_page(&Route::Product("mug".into()));
        assert_eq!(ids(&page), ["mug"]);
        let collections: Vec<(&str, &[String])> =
            page.collections.iter().map(|c| (c.id.as_str(), c.products.as_slice())).collect();
        assert_eq!(collections, [("kitchen", &["mug".to_owned()][..]), ("lighting", &["mug".to_owned()][..])]);
        assert_eq!(page.collections[1].description.as_deref(), Some("Lamps"));
        assert!(page.popups.is_empty());
        assert_eq!(page.codes, s.codes, "every code: the cart bar totals the applied one");
        assert_eq!(
            (&page.creator, &page.site, &page.theme, &page.tracking),
            (&s.creator, &s.site, &s.theme, &s.tracking)
        );
        let bowl = s.for_page(&Route::Product("bowl".into()));
        assert_eq!(ids(&bowl), ["bowl"]);
        assert!(bowl.collections.is_empty(), "the bowl is in no collection");
        assert!(s.for_page(&Route::Product("no-such".into())).products.is_empty());
    }

    #[test]
    fn the_home_page_carries_its_collections_products_and_pop_ups() {
        let s = with_popup_and_two_collections();
        let home = s.for_page(&Route::Home);
        assert_eq!(ids(&home), ["mug", "lamp"], "in the shop's order, products in no collection left out");
        assert_eq!((home.collections, home.popups, home.codes), (s.collections, s.popups, s.codes));
    }

    #[test]
    fn cart_thanks_and_missing_pages_carry_only_the_picks() {
        let s = with_popup_and_two_collections();
        assert_eq!(s.picks(), ["mug", "lamp"], "the first product of each collection");
        for route in [Route::Cart, Route::Thanks, Route::NotFound] {
            let page = s.for_page(&route);
            assert_eq!(ids(&page), ["mug", "lamp"], "{route:?}");
            assert!(page.popups.is_empty(), "{route:?}");
            assert_eq!(page.codes, s.codes);
            assert_eq!(page.creator, s.creator);
        }
    }

    #[test]
    fn picks_are_distinct_known_and_few() {
        let mut s = store();
        let collection = |id: &str, products: &[&str]| Collection {
            id: id.into(),
            title: id.into(),
            description: None,
            products: products.iter().map(|p| (*p).to_owned()).collect(),
        };
        s.collections = vec![
            collection("a", &["gone-from-shop", "mug"]),
            collection("b", &["mug", "lamp"]),
            collection("c", &["zine"]),
            collection("d", &["yen"]),
            collection("e", &["drop"]),
        ];
        // "gone-from-shop" is no product: "a" offers the mug; "b"'s mug is taken already.
        assert_eq!(s.picks(), ["mug", "zine", "yen"]);
        assert_eq!(s.picks().len(), PICKS);
        s.collections.clear();
        assert!(s.picks().is_empty());
    }

    // What the cart computes from a page plus the products it fetched is what it
    // computes from the whole storefront: codes scoped by collection included.
    #[test]
    fn products_added_to_a_page_scope_codes_as_in_the_whole_shop() {
        let s = with_popup_and_two_collections();
        // From a page that holds none of them (the picks taken away).
        let mut page = s.for_page(&Route::Cart);
        page.products.clear();
        page.collections.clear();
        for id in ["mug", "lamp", "mug"] {
            page.add_products_of(s.for_page(&Route::Product(id.into())));
        }
        assert_eq!(ids(&page), ["mug", "lamp"], "each product once");
        let lighting = page.collections.iter().find(|c| c.id == "lighting").map(|c| c.products.clone());
        assert_eq!(lighting, Some(vec!["mug".to_owned(), "lamp".to_owned()]));
        for code in &s.codes {
            for id in ["mug", "lamp"] {
                assert_eq!(code.scope.covers(id, &page.collections), code.scope.covers(id, &s.collections), "{id}");
            }
        }
        let known = page.clone();
        page.add_products_of(s.for_page(&Route::Product("mug".into())));
        assert_eq!(page, known, "adding what is there changes nothing");
    }

    #[test]
    fn product_files_sit_beside_their_pages() {
        assert_eq!(product_file("mug"), "p/mug/product.txt");
        assert_eq!(Route::from_path(product_file("mug").trim_end_matches("product.txt")), Route::Product("mug".into()));
    }
}
