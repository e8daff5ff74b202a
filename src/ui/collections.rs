//! Curated collections and the product cards inside them.

use crate::domain::model::{Product, Storefront};
use crate::ui::{platform, text, tracking, Shop, Shopper};
use leptos::prelude::*;
use stylers_macro::style_sheet;

/// Cards above this index in the page load eagerly; the rest wait until scrolled to.
const EAGER_IMAGES: usize = 2;

#[component]
pub fn Collections() -> impl IntoView {
    let class = style_sheet!("style/components/collections.css");
    let shop = expect_context::<Shop>();
    let store = shop.0.clone();
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
                    view! { class = class, <ProductCard product=product.clone() lazy=lazy list_id=list index=position as u32/> }
                })
                .collect_view();
            view! { class = class,
                <section class="collection" aria-labelledby=labelled_by node_ref=section>
                    <h2 id=title_id class="section-title">{collection.title.clone()}</h2>
                    {collection.description.clone().map(|d| view! { class = class, <p class="collection-description">{d}</p> })}
                    <ul class="card-list product-grid">{cards}</ul>
                </section>
            }
        })
        .collect_view()
}

/// `rel` for a link to a shop: `sponsored` when the creator is paid for it.
pub fn shop_rel(product: &Product) -> &'static str {
    if product.disclosure.is_some() { "noopener sponsored" } else { "noopener" }
}

/// The shop's page for a product inside this site.
pub fn product_href(product: &Product) -> String {
    format!("/p/{}/", product.id)
}

#[component]
pub fn ProductCard(product: Product, lazy: bool, list_id: String, index: u32) -> impl IntoView {
    let class = style_sheet!("style/components/collections.css");
    let image = product.images.first().cloned();
    let href = product_href(&product);
    let buy_label = format!("Buy {}", product.title);
    let (selected, selected_list) = (product.clone(), list_id.clone());
    let open = move |_| tracking::select_item(&selected, Some(&selected_list), index);
    view! { class = class,
        <li class="product-card">
            <a class="product-link" href=href on:click=open>
                {image.map(|img| view! { class = class,
                    <img class="product-image" src=img.url() alt=img.alt width="600" height="600"
                        loading=if lazy { "lazy" } else { "eager" } decoding="async"/>
                })}
                <span class="product-title">{product.title.clone()}</span>
            </a>
            <Badges product=product.clone()/>
            <Price product=product.clone()/>
            <BuyButton product=product label=buy_label list_id=Some(list_id) index=index/>
        </li>
    }
}

#[component]
pub fn Badges(product: Product) -> impl IntoView {
    let class = style_sheet!("style/components/badges.css");
    let badges = product.badges.iter().map(|b| {
        let kind = format!("badge badge-{}", b.label().to_lowercase().replace(' ', "-"));
        view! { class = class, <li class=kind>{b.label()}</li> }
    });
    let disclosure = product.disclosure.map(|d| view! { class = class, <li class="badge badge-disclosure">{d.label()}</li> });
    (!product.badges.is_empty() || product.disclosure.is_some()).then(|| {
        view! { class = class, <ul class="badges" aria-label="Labels">{badges.collect_view()}{disclosure}</ul> }
    })
}

#[component]
pub fn Price(product: Product) -> impl IntoView {
    let class = style_sheet!("style/components/badges.css");
    let shopper = expect_context::<Shopper>();
    let price = product.price.clone();
    let compare_at = product.compare_at.clone();
    view! { class = class,
        <p class="price">
            <span class="now">{move || text::money(&price, shopper.0.get().as_ref())}</span>
            {compare_at.map(|was| view! { class = class,
                <s class="was"><span class="sr-only">"was "</span>{move || text::money(&was, shopper.0.get().as_ref())}</s>
            })}
        </p>
    }
}

/// A real `<a href>` to the shop: the tap is tracked on the way out, never delayed.
#[component]
pub fn BuyButton(product: Product, label: String, list_id: Option<String>, index: u32) -> impl IntoView {
    let class = style_sheet!("style/components/badges.css");
    if product.is_sold_out() {
        view! { class = class, <span class="buy sold-out">"Sold out"</span> }.into_any()
    } else {
        let href = product.checkout_url.clone();
        let rel = shop_rel(&product);
        let buy = move |ev: leptos::ev::MouseEvent| tracking::begin_checkout(&ev, &product, list_id.as_deref(), index);
        view! { class = class,
            <a class="buy" href=href rel=rel aria-label=label on:click=buy>"Buy"</a>
        }
        .into_any()
    }
}

/// The collections a product appears in, for "Part of …" on its page.
pub fn collections_of<'a>(store: &'a Storefront, product_id: &str) -> Vec<&'a str> {
    store
        .collections
        .iter()
        .filter(|c| c.products.iter().any(|p| p == product_id))
        .map(|c| c.title.as_str())
        .collect()
}
