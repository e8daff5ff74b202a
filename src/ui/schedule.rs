//! Pop-ups and live streams: what's live now, what's next, and add-to-calendar.

use crate::domain::model::{Place, Popup};
use crate::domain::schedule::{self, PopupStatus};
use crate::ui::icons::{Glyph, Icon};
use crate::domain::events::{EventName, Subject};
use crate::ui::{text, tracking, Clock, Shop, Shopper};
use leptos::prelude::*;
use stylers_macro::style_sheet;

#[component]
pub fn Schedule() -> impl IntoView {
    let class = style_sheet!("style/components/schedule.css");
    let shop = expect_context::<Shop>();
    let clock = expect_context::<Clock>();
    let visible = Memo::new(move |_| {
        schedule::visible(&shop.0.popups, clock.0.get())
            .into_iter()
            .map(|(p, s)| (p.clone(), s))
            .collect::<Vec<_>>()
    });
    move || {
        (!visible.read().is_empty()).then(|| {
            view! { class = class,
                <section class="schedule" aria-labelledby="schedule-title">
                    <h2 id="schedule-title" class="section-title">"Pop-ups & lives"</h2>
                    <ul class="card-list popup-list">
                        <For each=move || visible.get() key=|(p, s)| (p.id.clone(), *s) let:item>
                            <PopupCard popup=item.0 status=item.1/>
                        </For>
                    </ul>
                </section>
            }
        })
    }
}

/// A click handler that reports `name` for this pop-up on the way out.
fn tracked(name: EventName, popup_id: &str, url: &str) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    let (popup_id, url) = (popup_id.to_owned(), url.to_owned());
    move |_| {
        let subject = Subject { popup_id: Some(popup_id.clone()), ..Default::default() };
        match name {
            EventName::AddToCalendar => {
                tracking::track(name, tracking::EventSpec { subject, ..Default::default() })
            }
            _ => tracking::leave(name, &url, subject),
        }
    }
}

#[component]
fn PopupCard(popup: Popup, status: PopupStatus) -> impl IntoView {
    let class = style_sheet!("style/components/schedule.css");
    let shopper = expect_context::<Shopper>();
    let live = status == PopupStatus::LiveNow;
    let (start, end, zone) = (popup.starts_at, popup.ends_at, popup.time_zone.clone());
    let fallback = popup.when_label.clone();
    let zone_for_venue = zone.clone();
    let venue_time = move || {
        shopper
            .0
            .get()
            .and_then(|s| text::time_range(start, end, &zone_for_venue, &s))
            .unwrap_or_else(|| fallback.clone())
    };
    // The shopper's own time, only when it reads differently from the venue's.
    let own_time = move || {
        let s = shopper.0.get()?;
        let theirs = text::time_range(start, end, &zone, &s)?;
        let mine = text::time_range(start, end, &s.time_zone, &s)?;
        (theirs != mine).then(|| format!("Your time: {mine}"))
    };
    let (kind_label, place_view, action) = match &popup.place {
        Place::Venue { name, address, map_url } => {
            let map = map_url.clone().map(|url| {
                view! { class = class,
                    <a class="place-link" href=url.clone() target="_blank" rel="noopener" on:click=tracked(EventName::SelectEvent, &popup.id, &url)>"Map" <span class="sr-only">" for " {name.clone()}</span></a>
                }
            });
            let action = live.then(|| map_url.clone()).flatten().map(|url| {
                view! { class = class, <a class="button primary" href=url.clone() target="_blank" rel="noopener" on:click=tracked(EventName::SelectEvent, &popup.id, &url)><Icon glyph=Glyph::Pin/> "Get directions"</a> }
            });
            (
                "Pop-up".to_owned(),
                view! { class = class,
                    <p class="place"><Icon glyph=Glyph::Pin/> <span><strong>{name.clone()}</strong> ", " {address.clone()}</span> {map}</p>
                }
                .into_any(),
                action.map(IntoAny::into_any),
            )
        }
        Place::Stream { platform, url } => {
            let link_text = if live { format!("Watch now on {platform}") } else { format!("On {platform}") };
            let action = live.then(|| {
                view! { class = class, <a class="button primary" href=url.clone() target="_blank" rel="noopener" on:click=tracked(EventName::SelectEvent, &popup.id, url)><Icon glyph=Glyph::Live/> {link_text.clone()}</a> }
            });
            (
                "Live stream".to_owned(),
                view! { class = class,
                    <p class="place"><Icon glyph=Glyph::Live/> <a class="place-link" href=url.clone() target="_blank" rel="noopener" on:click=tracked(EventName::SelectEvent, &popup.id, url)>{format!("{platform}")}</a></p>
                }
                .into_any(),
                action.map(IntoAny::into_any),
            )
        }
    };
    let ics_label = format!("Add {} to your calendar (.ics file)", popup.title);
    let google_label = format!("Add {} to Google Calendar", popup.title);
    view! { class = class,
        <li class="popup" class:live=live>
            <p class="kind">
                {live.then(|| view! { class = class, <span class="live-badge">"Live now"</span> })}
                {kind_label}
            </p>
            <h3 class="popup-title">{popup.title.clone()}</h3>
            <p class="when">{venue_time}</p>
            {move || own_time().map(|t| view! { class = class, <p class="own-time">{t}</p> })}
            {place_view}
            {action}
            <p class="calendar">
                <Icon glyph=Glyph::Calendar/>
                <a href=format!("/{}", popup.ics_path) download=format!("{}.ics", popup.id) aria-label=ics_label
                    on:click=tracked(EventName::AddToCalendar, &popup.id, &popup.ics_path)>"Add to calendar"</a>
                <a href=popup.google_calendar_url.clone() target="_blank" rel="noopener" aria-label=google_label
                    on:click=tracked(EventName::AddToCalendar, &popup.id, &popup.google_calendar_url)>"Google Calendar"</a>
            </p>
        </li>
    }
}
