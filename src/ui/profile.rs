//! The creator's header: avatar, name, handle, bio, disclosure and social links.

use crate::runtime::tracking;
use crate::ui::icons::social_icon;
use crate::ui::route::Route;
use crate::ui::use_store;
use leptos::prelude::*;
use linkshelf_core::events::EventName;
use linkshelf_core::locale::Key;

pub fn profile() -> impl IntoView {
    let shop = use_store();
    let creator = &shop.creator;
    view! {
        <header class="profile">
            <img class="avatar" src=use_store().site.image_url(&creator.avatar) alt=creator.avatar.alt.clone() width="96" height="96"/>
            <h1 class="name">{creator.name.clone()}</h1>
            <p class="handle">{creator.handle.clone()}</p>
            <p class="bio">{creator.bio.clone()}</p>
            <p class="disclosure" hidden=creator.disclosure.is_empty()>{creator.disclosure.clone()}</p>
            {socials()}
        </header>
    }
}

/// The creator's social links, in the header and on the pages that end a path.
pub fn socials() -> impl IntoView {
    let shop = use_store();
    let creator = &shop.creator;
    let links = creator
        .links
        .iter()
        .map(|link| {
            let label = shop.text.fill(Key::OnPlatform, &[("name", &creator.name), ("platform", link.kind.label())]);
            let url = link.url.clone();
            let leave = move |_| tracking::leave(EventName::OutboundClick, &url, Default::default());
            view! {
                <li>
                    <a class="social" href=link.url.clone() aria-label=label.clone() title=label rel="me noopener" on:click=leave>
                        {social_icon(link.kind)}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="socials" aria-label=shop.text.get(Key::SocialLinks).to_owned()>{links}</ul> }
}

/// Where a page that ends a path (thank-you, empty cart, missing page) leads on: the
/// creator's picks (`Storefront::picks`, the only products those pages carry) and
/// their socials, so the visit goes on instead of stopping there.
pub fn way_back() -> impl IntoView {
    let shop = use_store();
    let picks = shop
        .products
        .iter()
        .map(|product| {
            let image = product.images.first().map(|img| shop.site.image_url(img));
            // The picture is decoration here: the title names the link.
            view! {
                <li>
                    <a class="pick" href=shop.site.href(&Route::Product(product.id.clone()).path())>
                        <img src=image alt="" width="600" height="600" loading="lazy"/>
                        <span>{product.title.clone()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="way-back" aria-labelledby="way-back-title">
            <h2 id="way-back-title" class="section-title"><bdi>{shop.creator.name.clone()}</bdi> "'s picks"</h2>
            <ul class="picks">{picks}</ul>
            {socials()}
        </nav>
    }
}
