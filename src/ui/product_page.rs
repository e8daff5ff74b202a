//! One product on its own shareable page, `/p/<id>/`.

use crate::ui::cart::{cart_control, price};
use crate::ui::collections::{badges, collections_of};
use crate::ui::icons::{icon, Glyph};
use crate::ui::in_app::{escape_bar, Before};
use crate::ui::share::share_button;
use crate::ui::text::{self, fill, t};
use crate::ui::use_store;
use leptos::prelude::*;
use linkshelf_core::locale::Key;
use linkshelf_core::model::Product;
use linkshelf_core::share::Shared;

pub fn product_page(product: Product) -> impl IntoView {
    let store = use_store();
    let images = product
        .images
        .iter()
        .enumerate()
        .map(|(i, img)| {
            view! {
                <li class="slide">
                    <img src=store.site.image_url(img) alt=img.alt.clone() width="600" height="600"
                        loading=if i == 0 { "eager" } else { "lazy" }/>
                </li>
            }
        })
        .collect_view();
    let part_of = collections_of(&store, &product.id).join(", ");
    view! {
        <main class="page detail" id="main">
            <nav class="detail-nav" aria-label=t(Key::Back)>
                <a class="back" href=store.site.href("/")>{icon(Glyph::Back)} <span>{text::fill_isolated(Key::ShopOf, "name", &store.creator.name)}</span></a>
                {share_button(Shared::Product(&product.id), fill(Key::ShareThing, &[("name", &product.title)]))}
            </nav>
            // Focusable so keyboard users can scroll the photos sideways.
            <ul class="gallery" aria-label=t(Key::Photos) tabindex="0">{images}</ul>
            <div class="info">
                <h1 class="detail-title">{product.title.clone()}</h1>
                {price(product.clone())}
                {badges(product.clone())}
                {cart_control(product.clone(), None, 0, true)}
                {escape_bar(Before::Checkout)}
                <p class="description">{product.description.clone()}</p>
                {(!part_of.is_empty()).then(|| view! { <p class="part-of">{text::fill_isolated(Key::In, "collections", &part_of)}</p> })}
            </div>
        </main>
    }
}
