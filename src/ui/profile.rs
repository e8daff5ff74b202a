//! The creator's header: avatar, name, handle, bio, disclosure and social links.

use crate::runtime::tracking;
use crate::ui::icons::social_icon;
use crate::ui::use_store;
use leptos::prelude::*;
use linkshelf_core::events::EventName;

pub fn profile() -> impl IntoView {
    let shop = use_store();
    let creator = &shop.creator;
    let links = creator
        .links
        .iter()
        .map(|link| {
            let label = format!("{} on {}", creator.name, link.kind.label());
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
    view! {
        <header class="profile">
            <img class="avatar" src=use_store().site.image_url(&creator.avatar) alt=creator.avatar.alt.clone() width="96" height="96"/>
            <h1 class="name">{creator.name.clone()}</h1>
            <p class="handle">{creator.handle.clone()}</p>
            <p class="bio">{creator.bio.clone()}</p>
            <p class="disclosure" hidden=creator.disclosure.is_empty()>{creator.disclosure.clone()}</p>
            <ul class="socials" aria-label="Social links">{links}</ul>
        </header>
    }
}
