//! One product on its own shareable page, `/p/<id>/`.

use crate::ui::cart::{cart_control, code_saving};
use crate::ui::collections::{badges, collections_of, price};
use crate::ui::icons::{icon, Glyph};
use crate::ui::use_store;
use leptos::prelude::*;

pub fn product_page(id: String) -> impl IntoView {
    let shop = use_store();
    {
        let store = shop.clone();
        let Some(product) = store.product(&id).cloned() else {
            return view! {
                <main class="page state" id="main">
                    <h1>"This product isn't here"</h1>
                    <p>"It may have been removed from the shop."</p>
                    <a class="button" href="/">"See the whole shop"</a>
                </main>
            }
            .into_any();
        };
        let images = product
            .images
            .iter()
            .enumerate()
            .map(|(i, img)| {
                view! {
                    <li class="slide">
                        <img src=img.url() alt=img.alt.clone() width="600" height="600"
                            loading=if i == 0 { "eager" } else { "lazy" }/>
                    </li>
                }
            })
            .collect_view();
        let part_of = collections_of(&store, &product.id).join(", ");
        view! {
            <main class="page detail" id="main">
                <nav class="detail-nav" aria-label="Back">
                    <a class="back" href="/">{icon(Glyph::Back)} <span><bdi>{store.creator.name.clone()}</bdi> "'s shop"</span></a>
                </nav>
                // Focusable so keyboard users can scroll the photos sideways.
                <ul class="gallery" aria-label="Photos" tabindex="0">{images}</ul>
                <div class="info">
                    <h1 class="detail-title">{product.title.clone()}</h1>
                    {price(product.clone())}
                    {code_saving(product.clone())}
                    {badges(product.clone())}
                    {cart_control(product.clone(), None, 0, true)}
                    <p class="description">{product.description.clone()}</p>
                    {(!part_of.is_empty()).then(|| view! { <p class="part-of">"In " <bdi>{part_of}</bdi></p> })}
                </div>
            </main>
        }
        .into_any()
    }
}
