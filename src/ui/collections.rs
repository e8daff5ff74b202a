//! Curated collections and the product cards inside them.

use crate::runtime::{platform, tracking};
use crate::ui::cart::{cart_control, price, use_cart};
use crate::ui::route::Route;
use crate::ui::text::t;
use crate::ui::{use_shopper, use_store};
use leptos::prelude::*;
use linkshelf_core::locale::Key;
use linkshelf_core::model::{Badge, Product, Storefront};
use stylers_macro::style_sheet;

/// Cards above this index in the page load eagerly; the rest wait until scrolled to.
const EAGER_IMAGES: usize = 2;

pub fn collections() -> impl IntoView {
    let class = collections_css();
    let shop = use_store();
    let store = shop.clone();
    let mut index = 0;
    store
        .collections
        .iter()
        .map(|collection| {
            let title_id = format!("collection-{}", collection.id);
            // `view_item_list` once the collection scrolls into view.
            let section = NodeRef::<leptos::html::Section>::new();
            let list_id = collection.id.clone();
            Effect::new(move |_| {
                if let Some(element) = section.get() {
                    let id = list_id.clone();
                    platform::observe_once(&element, move || tracking::list_viewed(&id));
                }
            });
            let labelled_by = title_id.clone();
            let cards = collection
                .products
                .iter()
                .filter_map(|id| store.product(id))
                .enumerate()
                .map(|(position, product)| {
                    let lazy = index >= EAGER_IMAGES;
                    index += 1;
                    let list = collection.id.clone();
                    product_card(product.clone(), lazy, list, position as u32)
                })
                .collect_view();
            view! { class = class,
                <section class="collection" aria-labelledby=labelled_by node_ref=section>
                    <h2 id=title_id class="section-title">{collection.title.clone()}</h2>
                    <p class="collection-description" hidden=collection.description.is_none()>{collection.description.clone()}</p>
                    <ul class="card-list product-grid">{cards}</ul>
                </section>
            }
        })
        .collect_view()
}

pub fn product_card(product: Product, lazy: bool, list_id: String, index: u32) -> impl IntoView {
    let class = collections_css();
    let image = product.images.first().cloned();
    let href = use_store().site.href(&Route::Product(product.id.clone()).path());
    // Once the app runs, the link carries the visit's campaign and applied code, so a
    // copied or long-pressed link keeps them (the page's HTML has the plain path).
    let (shopper, cart) = (use_shopper(), use_cart());
    let plain = href.clone();
    let href = move || match shopper.get() {
        None => plain.clone(),
        Some(_) => {
            let code = cart.applied_code();
            format!("{plain}{}", tracking::campaign_query(code.as_deref()))
        }
    };
    let (selected, selected_list) = (product.clone(), list_id.clone());
    let open = move |_| tracking::select_item(&selected, Some(&selected_list), index);
    view! { class = class,
        <li class="product-card">
            // The early-tap script (`build::early`) reads which product and where.
            <a class="product-link" href=href on:click=open data-product=product.id.clone() data-list=list_id.clone()
                data-index=index>
                {image.map(|img| view! { class = class,
                    <img class="product-image" src=use_store().site.image_url(&img) alt=img.alt width="600" height="600"
                        loading=if lazy { "lazy" } else { "eager" } decoding="async"/>
                })}
                <span class="product-title">{product.title.clone()}</span>
            </a>
            {badges(product.clone())}
            {price(product.clone())}
            {cart_control(product, Some(list_id), index, false)}
        </li>
    }
}

pub fn badges(product: Product) -> impl IntoView {
    let class = badges_css();
    let badges = product.badges.iter().map(|b| {
        // Whole class names, not derived from the label: lower-casing a `str` brings
        // Unicode's case tables into the bundle.
        let kind = match b {
            Badge::New => "badge badge-new",
            Badge::Limited => "badge badge-limited",
            Badge::SoldOut => "badge badge-sold-out",
        };
        view! { class = class, <li class=kind>{t(b.label())}</li> }
    });
    let disclosure = product.disclosure.map(|d| t(d.label()));
    let (empty, no_disclosure) = (product.badges.is_empty() && disclosure.is_none(), disclosure.is_none());
    view! { class = class,
        <ul class="badges" aria-label=t(Key::Labels) hidden=empty>
            {badges.collect_view()}
            <li class="badge badge-disclosure" hidden=no_disclosure>{disclosure}</li>
        </ul>
    }
}

/// The collections a product appears in, for "Part of …" on its page.
pub fn collections_of<'a>(store: &'a Storefront, product_id: &str) -> Vec<&'a str> {
    store.collections.iter().filter(|c| c.products.iter().any(|p| p == product_id)).map(|c| c.title.as_str()).collect()
}

/// The class scoping `style/components/collections.css`: one `style_sheet!` call per sheet,
/// since every call adds the whole sheet to the built CSS.
fn collections_css() -> &'static str {
    // A `let` in a top-level fn: the form stylers' build step finds and writes out.
    let class = style_sheet!("style/components/collections.css");
    class
}

/// The class scoping `style/components/badges.css`: one `style_sheet!` call per sheet,
/// since every call adds the whole sheet to the built CSS.
fn badges_css() -> &'static str {
    // A `let` in a top-level fn: the form stylers' build step finds and writes out.
    let class = style_sheet!("style/components/badges.css");
    class
}
