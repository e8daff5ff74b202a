//! Discount codes: what each gives, whose it is, when it ends, and one-tap copy.

use crate::runtime::{platform, tracking};
use crate::ui::cart::use_cart;
use crate::ui::icons::{icon, Glyph};
use crate::ui::share::share_button;
use crate::ui::text::{self, fill, t};
use crate::ui::{use_clock, use_shopper, use_store};
use leptos::prelude::*;
use leptos::task::spawn_local;
use linkshelf_core::discount::{self, CodeStatus};
use linkshelf_core::events::{EventName, Subject};
use linkshelf_core::locale::Key;
use linkshelf_core::model::Code;
use linkshelf_core::share::Shared;
use std::time::Duration;

pub fn codes() -> impl IntoView {
    let shop = use_store();
    let clock = use_clock();
    let active = Memo::new(move |_| {
        let now = clock.get();
        shop.codes.iter().filter(|c| discount::status(c, now) == CodeStatus::Active).cloned().collect::<Vec<_>>()
    });
    // Rebuilt only when the set of active codes changes (a plain list: `<For>`'s keyed
    // diffing cost ~5 KB of bundle per use; one closure for the section and its list,
    // rather than one each, is 0.5 KB less).
    move || {
        let cards = active.get();
        (!cards.is_empty()).then(|| {
            view! {
                <section class="codes" aria-labelledby="codes-title">
                    <h2 id="codes-title" class="section-title">{t(Key::DiscountCodes)}</h2>
                    <ul class="card-list code-list">{cards.into_iter().map(code_card).collect_view()}</ul>
                </section>
            }
        })
    }
}

/// What the copy button last did, for its label and the screen-reader announcement.
#[derive(Clone, Copy, PartialEq)]
enum CopyState {
    Idle,
    Copied,
    Failed,
}

fn code_card(code: Code) -> impl IntoView {
    let (clock, shopper, cart) = (use_clock(), use_shopper(), use_cart());
    let state = RwSignal::new(CopyState::Idle);
    let (code_id_for_share, code_text) = (code.id.clone(), code.code.clone());
    let value = code.code.clone();
    let code_id = code.id.clone();
    // `view_promotion` once the card is seen.
    let card = NodeRef::<leptos::html::Li>::new();
    let seen_id = code.id.clone();
    Effect::new(move |_| {
        if let Some(element) = card.get() {
            let id = seen_id.clone();
            platform::observe_once(&element, move || tracking::promotion_viewed(&id));
        }
    });
    let copy = move |_| {
        let subject = Subject { promotion_id: Some(code_id.clone()), ..Default::default() };
        tracking::track(EventName::SelectPromotion, tracking::EventSpec { subject, ..Default::default() });
        let value = value.clone();
        spawn_local(async move {
            let copied = platform::copy_text(value).await;
            state.set(if copied { CopyState::Copied } else { CopyState::Failed });
            if copied {
                set_timeout(move || state.set(CopyState::Idle), Duration::from_millis(2500));
            }
        });
    };
    // One snapshot of the card's changing parts (offer wording, countdown, copy
    // state), redrawn in place when any changes.
    let shop = use_store();
    let parts = move || {
        let words = &shop.text;
        let locale = shopper.get();
        let money = |m: &_| text::money(m, locale.as_ref());
        let offer = discount::describe(&code, words, money);
        // Hours on its last day, otherwise the last day it works in the shopper's own
        // calendar (an end at midnight names the day before, as a person would).
        let ends = code.ends_at.and_then(|end| {
            discount::ends_in(clock.get(), end).map(|e| text::count(e.count())).or_else(|| {
                let day = locale.as_ref().and_then(|s| text::day(end - 1, s)).or_else(|| code.ends_label.clone())?;
                Some(words.fill(Key::Ends, &[("day", &day)]))
            })
        });
        // Applied (from the link or in the cart): the card says so and copying
        // becomes the secondary action.
        let applied = cart.applied_code_id().as_deref() == Some(code.id.as_str());
        let note = applied.then(|| discount::applied_note(&code, words, money));
        let copied = state.get() == CopyState::Copied;
        let verb = words.get(if copied { Key::Copied } else { Key::Copy }).to_owned();
        let label = words.fill(if copied { Key::CopiedCode } else { Key::CopyCode }, &[("code", &code.code)]);
        let no_end = ends.is_none();
        let announcement = match state.get() {
            CopyState::Idle => String::new(),
            CopyState::Copied => words.fill(Key::CopiedToClipboard, &[("code", &code.code)]),
            CopyState::Failed => words.get(Key::CopyFailed).to_owned(),
        };
        view! {
            <p class="offer">{offer}</p>
            <p class="applied-note" hidden=!applied>{icon(Glyph::Check)}{note}</p>
            <p class="brand">{text::fill_isolated(Key::WithBrand, "brand", &code.brand)}</p>
            <div class="code-row">
                <span class="code" translate="no">{code.code.clone()}</span>
                // The name starts with the visible word, "Copy" or "Copied" (WCAG 2.5.3).
                <button type="button" class="copy needs-js" aria-label=label on:click=copy.clone() class:copied=copied class:secondary=applied>
                    {icon(if copied { Glyph::Check } else { Glyph::Copy })}
                    {verb}
                </button>
            </div>
            <p class="ends" hidden=no_end>{ends}</p>
            <p class="status" role="status" aria-live="polite">{announcement}</p>
        }
    };
    // Its applied look comes from CSS (`:has(.applied-note:not([hidden]))`): a reactive
    // class on the card cost bundle bytes for what the note already says.
    let share = share_button(
        Shared::Code { id: &code_id_for_share, code: &code_text },
        fill(Key::ShareCode, &[("code", &code_text)]),
    );
    view! { <li class="code-card" node_ref=card>{parts}<p class="code-share">{share}</p></li> }
}
