//! Discount codes: what each gives, whose it is, when it ends, and one-tap copy.

use crate::domain::discount::{self, CodeStatus};
use crate::domain::model::Code;
use crate::ui::icons::{Glyph, Icon};
use crate::domain::events::{EventName, Subject};
use crate::ui::{platform, text, tracking, Clock, Shop, Shopper};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use stylers_macro::style_sheet;

#[component]
pub fn Codes() -> impl IntoView {
    let class = style_sheet!("style/components/codes.css");
    let shop = expect_context::<Shop>();
    let clock = expect_context::<Clock>();
    let active = Memo::new(move |_| {
        let now = clock.0.get();
        shop.0.codes.iter().filter(|c| discount::status(c, now) == CodeStatus::Active).cloned().collect::<Vec<_>>()
    });
    move || {
        (!active.read().is_empty()).then(|| {
            view! { class = class,
                <section class="codes" aria-labelledby="codes-title">
                    <h2 id="codes-title" class="section-title">"Discount codes"</h2>
                    <ul class="card-list code-list">
                        <For each=move || active.get() key=|c| c.id.clone() let:code>
                            <CodeCard code=code/>
                        </For>
                    </ul>
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

#[component]
fn CodeCard(code: Code) -> impl IntoView {
    let class = style_sheet!("style/components/codes.css");
    let clock = expect_context::<Clock>();
    let shopper = expect_context::<Shopper>();
    let state = RwSignal::new(CopyState::Idle);
    let offer = code.offer.clone();
    let offer_text = move || discount::describe(&offer, |m| text::money(m, shopper.0.get().as_ref()));
    let ends_at = code.ends_at;
    let ends = move || {
        let end = ends_at?;
        let relative = discount::ends_in(clock.0.get(), end).map(|e| e.to_string());
        let exact = shopper.0.get().and_then(|s| text::instant(end, &s));
        match (relative, exact) {
            (Some(r), Some(e)) => Some(format!("{r} · {e}")),
            (Some(r), None) => Some(r),
            (None, Some(e)) => Some(format!("Ends {e}")),
            (None, None) => None,
        }
    };
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
    let code_text = code.code.clone();
    let announcement = move || match state.get() {
        CopyState::Idle => String::new(),
        CopyState::Copied => format!("Copied {code_text} to the clipboard"),
        CopyState::Failed => "Couldn't copy. Press and hold the code to copy it.".to_owned(),
    };
    let label = format!("Copy code {}", code.code);
    view! { class = class,
        <li class="code-card" node_ref=card>
            <p class="offer">{offer_text}</p>
            <p class="brand">"with " {code.brand.clone()}</p>
            <div class="code-row">
                <span class="code" translate="no">{code.code.clone()}</span>
                <button type="button" class="copy" aria-label=label on:click=copy
                    class:copied=move || state.get() == CopyState::Copied>
                    {move || match state.get() {
                        CopyState::Copied => view! { <Icon glyph=Glyph::Check/> "Copied" }.into_any(),
                        _ => view! { <Icon glyph=Glyph::Copy/> "Copy" }.into_any(),
                    }}
                </button>
            </div>
            {move || ends().map(|e| view! { class = class, <p class="ends">{e}</p> })}
            <p class="status" role="status" aria-live="polite">{announcement}</p>
        </li>
    }
}
