//! Pop-ups and live streams: what's live now, what's next, and add-to-calendar.

use crate::runtime::tracking;
use crate::ui::icons::{icon, Glyph};
use crate::ui::in_app::{escape_bar, Before};
use crate::ui::share::share_button;
use crate::ui::text::{self, fill, t};
use crate::ui::{use_clock, use_shopper, use_store};
use leptos::prelude::*;
use linkshelf_core::events::{EventName, Subject};
use linkshelf_core::locale::{fill as fill_in, Count, Counted, Key};
use linkshelf_core::model::{Place, Popup};
use linkshelf_core::schedule::{self, PopupStatus};
use linkshelf_core::share::Shared;

/// With `live`, the pop-ups and streams on right now, for the top of the page (nothing
/// at all the rest of the time); otherwise the ones still to come, for below the
/// collections: the next one, and "+2 more" opening the rest (a `<details>`: it opens
/// without the app, and costs the bundle nothing).
pub fn popups(live: bool) -> impl IntoView {
    let shop = use_store();
    let clock = use_clock();
    let shown = Memo::new(move |_| {
        schedule::visible(&shop.popups, clock.get())
            .into_iter()
            .filter(|(_, status)| (*status == PopupStatus::LiveNow) == live)
            .map(|(p, s)| (p.clone(), s))
            .collect::<Vec<_>>()
    });
    let (title_id, title) =
        if live { ("live-title", t(Key::LiveNow)) } else { ("schedule-title", t(Key::PopupsAndLives)) };
    // Rebuilt only when a pop-up starts, ends or drops off (a plain list: `<For>`'s
    // keyed diffing cost ~5 KB of bundle per use).
    move || {
        let mut cards = shown.get();
        (!cards.is_empty()).then(|| {
            let rest = cards.split_off(if live { cards.len() } else { 1 });
            let more = text::count(Count { key: Counted::More, n: rest.len() as u64 });
            let no_more = rest.is_empty();
            let card = |(popup, status)| popup_card(popup, status);
            view! {
                <section class="schedule" class:live-now=live aria-labelledby=title_id>
                    <h2 id=title_id class="section-title">{title.clone()}</h2>
                    <ul class="card-list popup-list">{cards.into_iter().map(card).collect_view()}</ul>
                    <details class="more-popups" hidden=no_more>
                        <summary>{more}</summary>
                        <ul class="card-list popup-list">{rest.into_iter().map(card).collect_view()}</ul>
                    </details>
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
            EventName::AddToCalendar => tracking::track(name, tracking::EventSpec { subject, ..Default::default() }),
            _ => tracking::leave(name, &url, subject),
        }
    }
}

fn popup_card(popup: Popup, status: PopupStatus) -> impl IntoView {
    let shopper = use_shopper();
    let live = status == PopupStatus::LiveNow;
    let (start, end, zone) = (popup.starts_at, popup.ends_at, popup.time_zone.clone());
    let fallback = popup.when_label.clone();
    let zone_for_venue = zone.clone();
    // One line in the venue's zone, named by its city ("…, Berlin time").
    let city = schedule::zone_city(&zone);
    let (zone_time, your_time) = (t(Key::ZoneTime), t(Key::YourTime));
    let venue_time = move || {
        shopper
            .get()
            .and_then(|s| text::time_range(start, end, &zone_for_venue, &s))
            .map(|range| fill_in(&zone_time, &[("time", &range), ("city", &city)]))
            .unwrap_or_else(|| fallback.clone())
    };
    // The shopper's own time, only when it reads differently from the venue's.
    let own_time = move || {
        let s = shopper.get()?;
        let theirs = text::time_range(start, end, &zone, &s)?;
        let mine = text::time_range(start, end, &s.time_zone, &s)?;
        (theirs != mine).then(|| fill_in(&your_time, &[("time", &mine)]))
    };
    // Venue and stream share one layout (parts that don't apply are hidden), so the
    // bundle carries one card type.
    // The stream's action names the platform (creator text) between isolates
    // (`text::fill_isolated`), so a right-to-left name can't reorder "Watch now on".
    let (kind_label, glyph, place_text, link, link_text, link_detail, action_text) = match &popup.place {
        Place::Venue { name, address, map_url } => (
            t(Key::Popup),
            Glyph::Pin,
            Some((name.clone(), address.clone())),
            map_url.clone(),
            t(Key::Map),
            fill(Key::MapFor, &[("name", name)]),
            t(Key::GetDirections),
        ),
        Place::Stream { platform, url } => (
            t(Key::LiveStream),
            Glyph::Live,
            None,
            Some(url.clone()),
            platform.clone(),
            platform.clone(),
            text::fill_isolated(Key::WatchOn, "platform", platform),
        ),
    };
    let link_url = link.clone().unwrap_or_default();
    let (venue_name, venue_address) = place_text.clone().unwrap_or_default();
    let tracked_link = tracked(EventName::SelectEvent, &popup.id, &link_url);
    let tracked_action = tracked(EventName::SelectEvent, &popup.id, &link_url);
    // Names start with the visible text ("label in name", WCAG 2.5.3), so "Add to
    // calendar" spoken by a speech-input user finds the link.
    let ics_label = fill(Key::AddToCalendarFile, &[("title", &popup.title)]);
    let google_label = fill(Key::AddToGoogleCalendar, &[("title", &popup.title)]);
    view! {
        <li class="popup" class:live=live>
            <p class="kind">
                <span class="live-badge" hidden=!live>{t(Key::LiveNow)}</span>
                {kind_label}
                {share_button(Shared::Popup(&popup.id), fill(Key::ShareThing, &[("name", &popup.title)]))}
            </p>
            <h3 class="popup-title">{popup.title.clone()}</h3>
            <p class="when">{venue_time}</p>
            <p class="own-time">{move || own_time()}</p>
            <p class="place">
                {icon(glyph)}
                <span hidden=place_text.is_none()><strong>{venue_name}</strong> ", " <bdi>{venue_address}</bdi></span>
                " "
                <a class="place-link" hidden=link.is_none() href=link_url.clone() target="_blank" rel="noopener" on:click=tracked_link
                    aria-label=link_detail>
                    {link_text}
                </a>
            </p>
            <a class="button primary" hidden=!(live && link.is_some()) href=link_url target="_blank" rel="noopener" on:click=tracked_action>
                {icon(glyph)} <span>{action_text}</span>
            </a>
            <p class="calendar">
                {icon(Glyph::Calendar)}
                // In an in-app browser a download does nothing: `html[data-in-app]`
                // hides this link (style/main.css) and the bar below offers a way out.
                <a href=use_store().site.href(&popup.ics_path) download=format!("{}.ics", popup.id) aria-label=ics_label
                    on:click=tracked(EventName::AddToCalendar, &popup.id, &popup.ics_path)>{t(Key::AddToCalendar)}</a>
                <a href=popup.google_calendar_url.clone() target="_blank" rel="noopener" aria-label=google_label
                    on:click=tracked(EventName::AddToCalendar, &popup.id, &popup.google_calendar_url)>{t(Key::GoogleCalendar)}</a>
            </p>
            {escape_bar(Before::Calendar)}
        </li>
    }
}
