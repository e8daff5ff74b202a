//! Share: a product, a code or a pop-up goes to the phone's share sheet (Web Share
//! API), or its link is copied where there is none (most desktop browsers, some in-app
//! ones). The link is the core's (`linkshelf_core::share`: `utm_source=share` and what
//! was shared), written into the button at build time.
//!
//! The buttons are static markup; one listener in the page's small script
//! (`src/build/early-taps.js`, `listenShare`) serves them all, before and after the app
//! runs: the same listener in the WASM cost 1.2 KB brotli, in the script about 0.3 KB.

use crate::ui::icons::{icon, Glyph};
use crate::ui::use_store;
use leptos::prelude::*;
use linkshelf_core::locale::Key;
use linkshelf_core::share::{self, Shared};

/// The button for `what`, named `label` ("Share <name>": its visible word first).
pub fn share_button(what: Shared, label: String) -> impl IntoView {
    let store = use_store();
    let link = share::link(&store.site, &what, store.affiliate.as_deref());
    view! {
        <button type="button" class="share needs-js" data-share=link aria-label=label>
            {icon(Glyph::Share)} {store.text.get(Key::Share).to_owned()}
        </button>
    }
}
