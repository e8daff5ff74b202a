//! One product on its own shareable page, `/p/<id>/`.

use crate::ui::collections::{collections_of, shop_rel, Badges, Price};
use crate::ui::icons::{Glyph, Icon};
use crate::ui::{tracking, Shop};
use leptos::prelude::*;
use stylers_macro::style_sheet;

#[component]
pub fn ProductPage(id: String) -> impl IntoView {
    let class = style_sheet!("style/components/product_page.css");
    let shop = expect_context::<Shop>();
    {
        let store = shop.0.clone();
        let Some(product) = store.product(&id).cloned() else {
            return view! { class = class,
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
                view! { class = class,
                    <li class="slide">
                        <img src=img.url() alt=img.alt.clone() width="600" height="600"
                            loading=if i == 0 { "eager" } else { "lazy" }/>
                    </li>
                }
            })
            .collect_view();
        let part_of = collections_of(&store, &product.id).join(", ");
        let buy = if product.is_sold_out() {
            view! { class = class, <p class="sold-out-note">"Sold out for now."</p> }.into_any()
        } else {
            let bought = product.clone();
            let buy = move |ev: leptos::ev::MouseEvent| tracking::begin_checkout(&ev, &bought, None, 0);
            view! { class = class,
                <a class="button primary buy-wide" href=product.checkout_url.clone() rel=shop_rel(&product) on:click=buy>
                    <Icon glyph=Glyph::Bag/> "Buy from the shop"
                </a>
            }
            .into_any()
        };
        view! { class = class,
            <main class="page detail" id="main">
                <nav class="detail-nav" aria-label="Back">
                    <a class="back" href="/"><Icon glyph=Glyph::Back/> {store.creator.name.clone()} "'s shop"</a>
                </nav>
                // Focusable so keyboard users can scroll the photos sideways.
                <ul class="gallery" aria-label="Photos" tabindex="0">{images}</ul>
                <div class="info">
                    <h1 class="detail-title">{product.title.clone()}</h1>
                    <Price product=product.clone()/>
                    <Badges product=product.clone()/>
                    {buy}
                    <p class="description">{product.description.clone()}</p>
                    {(!part_of.is_empty()).then(|| view! { class = class, <p class="part-of">"In " {part_of}</p> })}
                </div>
            </main>
        }
        .into_any()
    }
}
