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

use crate::locale::Key;
use crate::model::{Affiliate, Collection, Storefront};
use crate::route::Route;

/// Where a product's part of the storefront is written, from the site's root: the
/// data its own page embeds, fetched by pages whose cart holds the product.
pub fn product_file(product_id: &str) -> String {
    format!("p/{product_id}/product.txt")
}

/// Where an affiliate's part is written ([`Storefront::affiliate_part`]): fetched by
/// the shared pages (products, cart, thank-you) of a visit that came through the
/// affiliate, so their code prices the cart there too.
pub fn affiliate_file(handle: &str) -> String {
    format!("c/{handle}/affiliate.txt")
}

/// The id of the collection of an affiliate's picks on their page: what `item_list_id`
/// says in events ("sold from the picks"). The config check keeps it free in brand mode.
pub const PICKS_ID: &str = "picks";

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
                .without_descriptions()
            }
            Route::Product(id) => self.with_products(&[id.as_str()]),
            // An affiliate's page is made from the roster ([`Storefront::for_affiliate`]);
            // one not in it is a missing page.
            Route::Cart | Route::Thanks | Route::NotFound | Route::Affiliate(_) => {
                self.with_products(&self.picks()).without_descriptions()
            }
        }
    }

    /// Products' descriptions show only on their own page: a page that shows cards
    /// leaves them out of its data (the demo's home page carried 2.3 KB of them).
    fn without_descriptions(mut self) -> Storefront {
        for product in &mut self.products {
            product.description.clear();
        }
        self
    }

    /// The page of `affiliate` at `/c/<handle>/`, from the brand's storefront: their
    /// profile (with the brand's id, see [`Affiliate::profile`]), their codes only (the
    /// page applies the first; a brand code beside it would take the credit), their
    /// picks as the first collection, the brand's collections after them when
    /// `catalogue`, their pop-ups then the brand's, and only the products those show.
    /// Nothing of any other affiliate: the page weighs the same in a roster of ten or
    /// ten thousand.
    pub fn for_affiliate(&self, affiliate: &Affiliate, catalogue: bool) -> Storefront {
        let picks = Collection {
            id: PICKS_ID.to_owned(),
            title: self.text.get(Key::MyPicks).to_owned(),
            description: None,
            products: affiliate.picks.clone(),
        };
        let mut collections = vec![picks];
        if catalogue {
            collections.extend(self.collections.iter().cloned());
        }
        let shown = |id: &str| collections.iter().any(|c| c.products.iter().any(|p| p == id));
        let products = self.products.iter().filter(|p| shown(&p.id)).cloned().collect();
        let mut popups = affiliate.popups.clone();
        popups.extend(self.popups.iter().cloned());
        popups.sort_by_key(|p| p.starts_at);
        Storefront {
            baked_at: self.baked_at,
            site: self.site.clone(),
            creator: affiliate.profile.clone(),
            theme: self.theme.clone(),
            codes: affiliate.codes.clone(),
            products,
            collections,
            popups,
            tracking: self.tracking.clone(),
            affiliate: Some(affiliate.handle.clone()),
            text: self.text.clone(),
        }
        .without_descriptions()
    }

    /// What the shared pages of an affiliate's visit fetch ([`affiliate_file`]): the
    /// affiliate's codes, with the brand's collections their scopes name (for
    /// `Scope::covers`), and no product or pop-up. Added to a page with
    /// [`Storefront::add_products_of`].
    pub fn affiliate_part(&self, affiliate: &Affiliate) -> Storefront {
        let named = |c: &&Collection| affiliate.codes.iter().any(|code| code.scope.collections.contains(&c.id));
        Storefront {
            products: Vec::new(),
            collections: self.collections.iter().filter(named).cloned().collect(),
            popups: Vec::new(),
            ..self.for_affiliate(&Affiliate { picks: Vec::new(), popups: Vec::new(), ..affiliate.clone() }, false)
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
            affiliate: self.affiliate.clone(),
            text: self.text.clone(),
        }
    }

    /// Adds the products and codes of `part` (another page's part of the same build,
    /// e.g. a fetched [`product_file`] or [`affiliate_file`]) that this one lacks, with
    /// their collections, so the cart can price, scope codes over, and check out lines
    /// this page does not show, with an affiliate's code this page does not list.
    /// Products, codes and collections already here are kept as they are.
    pub fn add_products_of(&mut self, part: Storefront) {
        for code in part.codes {
            if !self.codes.iter().any(|c| c.id == code.id) {
                self.codes.push(code);
            }
        }
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
        assert!(s.products.iter().any(|p| !p.description.is_empty()), "the fixture has descriptions");
        assert!(home.products.iter().all(|p| p.description.is_empty()), "cards show none: left out");
        let mug = s.for_page(&Route::Product("mug".into()));
        assert_eq!(mug.products[0].description, s.products[0].description, "a product's own page keeps it");
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

    fn affiliate(handle: &str, picks: &[&str]) -> Affiliate {
        let s = store();
        let mut code = s.codes[0].clone();
        code.id = format!("{handle}-code");
        code.code = handle.to_uppercase();
        code.scope.collections = vec!["lighting".into()];
        Affiliate {
            handle: handle.into(),
            profile: crate::model::Creator { name: handle.to_uppercase(), ..s.creator.clone() },
            codes: vec![code],
            picks: picks.iter().map(|p| (*p).to_owned()).collect(),
            popups: Vec::new(),
        }
    }

    #[test]
    fn an_affiliate_page_carries_their_profile_code_and_picks_first() {
        let s = with_popup_and_two_collections();
        let juno = affiliate("juno", &["lamp", "bowl"]);
        let page = s.for_affiliate(&juno, true);
        assert_eq!(page.affiliate.as_deref(), Some("juno"));
        assert_eq!(page.creator.name, "JUNO");
        assert_eq!(page.creator.id, s.creator.id, "events stay the brand's");
        assert_eq!(page.codes, juno.codes, "their code only");
        let lists: Vec<&str> = page.collections.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(lists, [PICKS_ID, "kitchen", "lighting"], "picks first, then the catalogue");
        assert_eq!(page.collections[0].products, ["lamp", "bowl"], "in the affiliate's order");
        assert_eq!(ids(&page), ["mug", "bowl", "lamp"], "only what the page shows, in the catalogue's order");
        assert_eq!(page.popups, s.popups);
        let without = s.for_affiliate(&juno, false);
        assert_eq!(ids(&without), ["bowl", "lamp"]);
        assert_eq!(without.collections.len(), 1);
    }

    // Page weight does not grow with the roster: a page is made from its affiliate
    // alone, so the same affiliate in a roster of one or of a thousand gives the same
    // page.
    #[test]
    fn an_affiliate_page_is_the_same_in_any_roster() {
        let s = with_popup_and_two_collections();
        let juno = affiliate("juno", &["lamp"]);
        let roster: Vec<Affiliate> = (0..1000).map(|i| affiliate(&format!("a{i}"), &["mug", "lamp"])).collect();
        let alone = s.for_affiliate(&juno, true);
        assert!(roster.iter().all(|other| s.for_affiliate(other, true).affiliate != alone.affiliate));
        assert_eq!(crate::embed::encode(&alone), crate::embed::encode(&s.for_affiliate(&juno, true)));
    }

    #[test]
    fn an_affiliate_part_prices_their_code_on_shared_pages() {
        let s = with_popup_and_two_collections();
        let juno = affiliate("juno", &["lamp"]);
        let part = s.affiliate_part(&juno);
        assert!(part.products.is_empty() && part.popups.is_empty());
        assert_eq!(part.codes, juno.codes);
        let named: Vec<&str> = part.collections.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(named, ["lighting"], "the collections the code's scope names, whole");
        let mut page = s.for_page(&Route::Product("mug".into()));
        page.add_products_of(part.clone());
        assert!(page.codes.iter().any(|c| c.id == "juno-code"));
        let code = &juno.codes[0];
        for id in ["mug", "lamp"] {
            assert_eq!(code.scope.covers(id, &page.collections), code.scope.covers(id, &s.collections), "{id}");
        }
        let once = page.clone();
        page.add_products_of(part);
        assert_eq!(page, once, "adding a code that is there changes nothing");
    }

    #[test]
    fn product_files_sit_beside_their_pages() {
        assert_eq!(affiliate_file("juno.park"), "c/juno.park/affiliate.txt");
        assert_eq!(
            Route::from_path(affiliate_file("juno").trim_end_matches("affiliate.txt")),
            Route::Affiliate("juno".into())
        );
        assert_eq!(product_file("mug"), "p/mug/product.txt");
        assert_eq!(Route::from_path(product_file("mug").trim_end_matches("product.txt")), Route::Product("mug".into()));
    }
}
