//! Small inline icons (24×24, `currentColor`), drawn for Linkshelf. Inline SVG costs
//! no request and follows the theme's text colour. Every icon is decorative: the
//! link or button around it carries the accessible name.

use leptos::prelude::*;
use linkshelf_core::model::SocialKind;

fn path_for(kind: SocialKind) -> &'static str {
    match kind {
        SocialKind::Tiktok => "M14 3h3a4.5 4.5 0 0 0 4 4v3a7.4 7.4 0 0 1-4-1.3V15a6 6 0 1 1-6-6v3.2A2.8 2.8 0 1 0 14 15Z",
        SocialKind::Instagram => "M7 3h10a4 4 0 0 1 4 4v10a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4Zm0 2a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2Zm5 3.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7Zm0 2a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3ZM17.2 5.6a1.2 1.2 0 1 1 0 2.4 1.2 1.2 0 0 1 0-2.4Z",
        SocialKind::Youtube => "M4.5 5.5C7 5 17 5 19.5 5.5A2.6 2.6 0 0 1 21.6 7.6C22 9.6 22 14.4 21.6 16.4a2.6 2.6 0 0 1-2.1 2.1C17 19 7 19 4.5 18.5a2.6 2.6 0 0 1-2.1-2.1C2 14.4 2 9.6 2.4 7.6a2.6 2.6 0 0 1 2.1-2.1ZM10 9v6l5.2-3Z",
        SocialKind::Twitch => "M5 3h16v11l-5 5h-4l-3 3H7v-3H3V7Zm2 2v11h3v2.2L12.2 16H16l3-3V5Zm5 3h2v5h-2Zm4 0h2v5h-2Z",
        SocialKind::Pinterest => "M12 2a10 10 0 0 0-3.6 19.3c-.1-.8-.1-2 .1-2.9l1.2-5s-.3-.6-.3-1.5c0-1.4.8-2.4 1.8-2.4.9 0 1.3.6 1.3 1.4 0 .9-.5 2.1-.8 3.3-.2 1 .5 1.8 1.5 1.8 1.8 0 3.1-1.9 3.1-4.6 0-2.4-1.7-4.1-4.2-4.1-2.9 0-4.5 2.1-4.5 4.4 0 .9.3 1.8.8 2.3l.1.4-.3 1.1c0 .2-.2.3-.4.2-1.3-.6-2-2.4-2-3.9 0-3.2 2.3-6.1 6.6-6.1 3.5 0 6.2 2.5 6.2 5.8 0 3.4-2.2 6.2-5.2 6.2-1 0-2-.5-2.3-1.2l-.6 2.4c-.2.9-.8 2-1.2 2.6A10 10 0 1 0 12 2Z",
        SocialKind::X => "M4 3h4.6l4 5.6L17.4 3H20l-6.2 7.2L21 21h-4.6l-4.4-6.1L6.6 21H4l6.8-7.8Zm3.2 2H6.2l10.7 14h1Z",
        SocialKind::Threads => "M12.2 22C6.6 22 3.4 18.3 3.4 12S6.6 2 12.2 2c4.2 0 7.2 2.1 8.3 5.9l-2 .6c-.9-3-3.1-4.5-6.3-4.5-4.3 0-6.7 2.9-6.7 8s2.4 8 6.7 8c3.4 0 5.5-1.7 5.5-4.1 0-1.5-.8-2.5-2.2-3.1-.3 2.6-1.9 4-4.2 4-2.1 0-3.6-1.2-3.6-3 0-2 1.7-3.2 4.4-3.2.6 0 1.2 0 1.7.1-.2-1.3-1-2-2.4-2-1 0-1.8.4-2.3 1.1L7.4 8.6C8.2 7.5 9.6 6.9 11.3 6.9c2.6 0 4.2 1.5 4.4 4.2 2.4.9 3.9 2.7 3.9 5 0 3.5-3 5.9-7.4 5.9Zm.6-9c-1.6 0-2.5.5-2.5 1.3 0 .7.7 1.1 1.7 1.1 1.3 0 2.2-.8 2.3-2.3a8 8 0 0 0-1.5-.1Z",
        SocialKind::Website => "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20Zm2.9 11H9.1c.2 3 1.3 5.5 2.9 6.9 1.6-1.4 2.7-3.9 2.9-6.9Zm5 0h-3a16 16 0 0 1-1.8 6.3A8 8 0 0 0 19.9 13ZM7.1 13h-3a8 8 0 0 0 4.8 6.3A16 16 0 0 1 7.1 13Zm1.8-8.3A8 8 0 0 0 4.1 11h3a16 16 0 0 1 1.8-6.3ZM12 4.1C10.4 5.5 9.3 8 9.1 11h5.8c-.2-3-1.3-5.5-2.9-6.9Zm3.1.6a16 16 0 0 1 1.8 6.3h3a8 8 0 0 0-4.8-6.3Z",
        SocialKind::Email => "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 3.2V17h16V8.2l-8 5.3Zm.8-1.2 7.2 4.8L19.2 7Z",
    }
}

pub fn social_icon(kind: SocialKind) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path fill="currentColor" fill-rule="evenodd" d=path_for(kind)/>
        </svg>
    }
}

/// Named icons used on buttons and labels.
#[derive(Clone, Copy)]
pub enum Glyph {
    Copy,
    Check,
    Calendar,
    Pin,
    Live,
    Back,
    Bag,
    Share,
}

fn glyph_path(glyph: Glyph) -> &'static str {
    match glyph {
        Glyph::Copy => "M8 3h10a2 2 0 0 1 2 2v10h-2V5H8Zm-3 4h9a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2Zm0 2v10h9V9Z",
        Glyph::Check => "m9.5 16.2-4.2-4.2-1.4 1.4 5.6 5.6 11-11-1.4-1.4Z",
        Glyph::Calendar => "M7 2h2v2h6V2h2v2h2a2 2 0 0 1 2 2v13a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2Zm12 8H5v9h14Zm-9 2v2H7v-2Zm0 3v2H7v-2Zm4-3v2h-3v-2Z",
        Glyph::Pin => "M12 2a7 7 0 0 1 7 7c0 5-7 13-7 13S5 14 5 9a7 7 0 0 1 7-7Zm0 4.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z",
        Glyph::Live => "M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6ZM6.3 5.9l1.4 1.4a6.5 6.5 0 0 0 0 9.4l-1.4 1.4a8.5 8.5 0 0 1 0-12.2Zm11.4 0a8.5 8.5 0 0 1 0 12.2l-1.4-1.4a6.5 6.5 0 0 0 0-9.4Z",
        Glyph::Back => "M11 5.6 12.4 7l-4 4H20v2H8.4l4 4-1.4 1.4L4.6 12Z",
        Glyph::Bag => "M8 7V6a4 4 0 1 1 8 0v1h3l1 14H4L5 7Zm2 0h4V6a2 2 0 1 0-4 0Zm-3.1 2-.7 10h11.6l-.7-10Z",
        Glyph::Share => "M12 2.6 16.4 7 15 8.4l-2-2V15h-2V6.4l-2 2L7.6 7ZM4 10h4v2H6v8h12v-8h-2v-2h4v12H4Z",
    }
}

pub fn icon(glyph: Glyph) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="currentColor" d=glyph_path(glyph)/>
        </svg>
    }
}
