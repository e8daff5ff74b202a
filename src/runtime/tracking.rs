//! The browser half of event delivery: runs the core's [`Tracker`] and carries out the
//! effects it asks for (requests, beacons, storage writes, timers) with the platform
//! calls. Every decision (batching, retries, the lease, purchase-once, replay) is the
//! core's, tested natively in `core/src/tracker_tests.rs`.
//!
//! Components call these functions from event handlers and effects; they only queue
//! and never block, wait or cancel anything, so a tap on a Buy link navigates at once
//! even when a backend hangs or an ad blocker eats the request. In `standard` privacy
//! the outboxes are mirrored to localStorage (bounded), so events survive reloads,
//! offline spells and closed tabs; in `strict` privacy (or with Global Privacy Control
//! / Do Not Track) nothing touches device storage. Backends deduplicate by `event_id`,
//! which stays the same on every retry, so "at least once" lands as "exactly once".

use crate::runtime::platform::{self, StorageKind};
use leptos::prelude::{GetUntracked, RwSignal, Set};
use linkshelf_core::attribution::{self, Attribution};
use linkshelf_core::checkout;
use linkshelf_core::events::{uuid_v7, Context, Ecommerce, EventName, InAppBrowser, Outbound, Subject};
use linkshelf_core::model::{Privacy, Product, Storefront};
use linkshelf_core::stored::{ATTRIBUTION_KEY, CHECKOUT_KEY, LEASE_KEY, PURCHASES_KEY};
use linkshelf_core::tracker::{Effect, Now, Setup, Tracker, REQUEST_TIMEOUT_MS};
pub use linkshelf_core::tracker::{EventSpec, PurchaseOutcome};
use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    static TRACKER: RefCell<Option<Tracker>> = const { RefCell::new(None) };
    /// The affiliate whose page this is (`Storefront::affiliate`): the visit is theirs
    /// whatever the landing link said.
    static PAGE_AFFILIATE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The landing URL's attribution, credited to the page's affiliate on theirs.
fn landing() -> Attribution {
    let (search, referrer) = platform::landing();
    let mut found = attribution::from_landing(&search, &referrer);
    if let Some(handle) = PAGE_AFFILIATE.with(|a| a.borrow().clone()) {
        found.affiliate = Some(handle);
    }
    found
}

/// This moment as the tracker sees it.
fn now(persist: bool) -> Now {
    Now {
        at: platform::now(),
        random: platform::random_bytes(),
        lease: if persist { platform::storage_get(StorageKind::Local, LEASE_KEY) } else { None },
    }
}

/// Runs `step` on the tracker (`None` when tracking is off) and carries out what it
/// asks for. The effects run after the tracker is released, since some report
/// straight back.
fn run<R>(step: impl FnOnce(&mut Tracker, &Now) -> (R, Vec<Effect>)) -> Option<R> {
    let (result, effects) = TRACKER.with(|t| {
        let mut t = t.try_borrow_mut().ok()?;
        let t = t.as_mut()?;
        let now = now(t.persists());
        Some(step(t, &now))
    })?;
    effects.into_iter().for_each(apply);
    Some(result)
}

fn apply(effect: Effect) {
    match effect {
        Effect::Send { request, endpoint, body, keepalive } => leptos::task::spawn_local(async move {
            let answer = platform::post(&endpoint, &body, keepalive, REQUEST_TIMEOUT_MS).await;
            let (status, retry_after) = answer.map_or((None, None), |(s, r)| (Some(s), r));
            queue(|t, now| t.answered(now, request, status, retry_after.as_deref()));
        }),
        Effect::Beacon { request, endpoint, body } => {
            let accepted = platform::send_beacon(&endpoint, &body);
            queue(|t, now| t.beaconed(now, request, accepted));
        }
        Effect::Store { key, value: Some(value) } => {
            platform::storage_set(StorageKind::Local, &key, &value);
        }
        Effect::Store { key, value: None } => platform::storage_remove(StorageKind::Local, &key),
        Effect::WakeAt(at) => {
            let after = (at - platform::now()).max(0) as u64;
            leptos::prelude::set_timeout(|| queue(Tracker::wake), Duration::from_millis(after));
        }
    }
}

/// [`run`] for a step that only queues.
fn queue(step: impl FnOnce(&mut Tracker, &Now) -> Vec<Effect>) {
    run(|t, now| ((), step(t, now)));
}

/// A fresh id for one outbound click, written into the URL and its event.
pub fn click_id() -> String {
    uuid_v7(platform::now(), &platform::random_bytes())
}

/// Whether this visit may keep anything on the device (outbox, cart, the last
/// checkout): only when the creator chose `standard` privacy and the shopper has not
/// objected (Global Privacy Control, Do Not Track).
pub fn may_store(store: &Storefront) -> bool {
    store.tracking.privacy == Privacy::Standard && !platform::privacy_signal()
}

/// The campaign this visit came from, for checkout links (also without sinks).
pub fn current_attribution() -> Attribution {
    TRACKER.with(|t| t.try_borrow().ok()?.as_ref().map(|t| t.attribution().clone())).unwrap_or_else(landing)
}

/// Starts tracking for this visit, on `path`; on later pages of the visit (pages
/// change in place) only the path changes. Does nothing without sinks.
pub fn start(store: &Storefront, path: &str) {
    PAGE_AFFILIATE.with(|a| a.borrow_mut().clone_from(&store.affiliate));
    if store.tracking.sinks.is_empty() || TRACKER.with(|t| t.borrow().is_some()) {
        return set_path(path);
    }
    let persist = may_store(store);
    let landing = landing();
    let attribution = if persist {
        let kept =
            platform::storage_get(StorageKind::Session, ATTRIBUTION_KEY).and_then(|s| Attribution::read_stored(&s));
        let merged = attribution::merge(kept, landing);
        platform::storage_set(StorageKind::Session, ATTRIBUTION_KEY, &merged.to_stored());
        merged
    } else {
        landing
    };
    let browser = platform::shopper_browser();
    let setup = Setup {
        creator_id: store.creator.id.clone(),
        sinks: store.tracking.sinks.clone(),
        persist,
        attribution,
        context: Context {
            path: path.to_owned(),
            locale: browser.as_ref().map(|b| b.locale.clone()).unwrap_or_default(),
            time_zone: browser.as_ref().map(|b| b.time_zone.clone()).unwrap_or_default(),
            in_app_browser: browser.map_or(InAppBrowser::None, |b| b.in_app),
        },
        origin: platform::origin(),
    };
    let (tracker, effects) = Tracker::start(setup, &now(persist), |key| platform::storage_get(StorageKind::Local, key));
    TRACKER.with(|t| *t.borrow_mut() = Some(tracker));
    effects.into_iter().for_each(apply);
    platform::on_lifecycle(|| queue(Tracker::leave), || queue(Tracker::online));
}

/// Records that the shopper is now on `path` (client-side navigation).
pub fn set_path(path: &str) {
    run(|t, _| (t.set_path(path), Vec::new()));
}

/// Queues one event. Never blocks; urgent events start sending at once.
pub fn track(name: EventName, spec: EventSpec) {
    queue(|t, now| t.track(now, name, spec));
}

/// `view_item_list` once per collection per page load.
pub fn list_viewed(list_id: &str) {
    queue(|t, now| t.list_viewed(now, list_id));
}

/// `view_promotion` once per code per page load.
pub fn promotion_viewed(code_id: &str) {
    queue(|t, now| t.promotion_viewed(now, code_id));
}

/// `select_item`: a product card was opened.
pub fn select_item(product: &Product, list_id: Option<&str>, index: u32) {
    queue(|t, now| t.select_item(now, product, list_id, index));
}

/// `add_to_cart` (`change` > 0) or `remove_from_cart`, for `change` of `product`.
pub fn cart_changed(product: &Product, change: i32) {
    queue(|t, now| t.cart_changed(now, product, change));
}

/// The click id a checkout link on screen carries in its `href` (empty in the page's
/// HTML, filled once the app runs), so a link copied or long-pressed before any tap
/// already carries the visit's attribution; [`begin_checkout`] sends the same id and
/// then gives the link a fresh one.
pub fn link_click_id() -> RwSignal<String> {
    let click = RwSignal::new(String::new());
    leptos::prelude::Effect::new(move |_| click.set(click_id()));
    click
}

/// `begin_checkout` on a checkout tap: the link's click id (see [`link_click_id`]) goes
/// into the link the browser is about to follow (`link` builds it from the click id)
/// and into the event; once the browser has taken the link, it gets a fresh id for
/// the next tap. The click is never stopped or delayed.
pub fn begin_checkout(
    event: &leptos::ev::MouseEvent,
    click: RwSignal<String>,
    link: &dyn Fn(&str, &Attribution) -> String,
    host: String,
    ecommerce: Ecommerce,
    list_id: Option<&str>,
) {
    let click_id = click.get_untracked();
    let click_id = if click_id.is_empty() { self::click_id() } else { click_id };
    platform::retarget_link(event, &link(&click_id, &current_attribution()));
    let outbound = Outbound { click_id, destination_host: host };
    queue(|t, now| t.begin_checkout(now, outbound, ecommerce, list_id));
    // After the browser has read the link (its default action follows the handlers).
    leptos::prelude::set_timeout(move || _ = click.try_set(self::click_id()), Duration::ZERO);
}

/// The query a link to another page of the shop carries (the visit's campaign and
/// `code`: `Attribution::campaign_query`).
pub fn campaign_query(code: Option<&str>) -> String {
    current_attribution().campaign_query(code)
}

/// The query of the link that continues this visit in the shopper's own browser
/// (`Attribution::jump_query`): this page load's id names the visit it continues.
pub fn jump_query(code: Option<&str>) -> String {
    let visit = TRACKER.with(|t| t.try_borrow().ok()?.as_ref().map(|t| t.page_load_id().to_owned()));
    current_attribution().jump_query(code, &visit.unwrap_or_else(click_id))
}

/// Reports `order_id` as a `purchase`, at most once per device (see
/// [`Tracker::purchase`]).
pub fn purchase(order_id: &str) -> PurchaseOutcome {
    run(|t, now| {
        if !t.persists() {
            return (PurchaseOutcome::NotJoined, Vec::new());
        }
        let sent = platform::storage_get(StorageKind::Local, PURCHASES_KEY).unwrap_or_default();
        let checkout = platform::storage_get(StorageKind::Local, CHECKOUT_KEY);
        t.purchase(now, order_id, &sent, checkout.as_deref())
    })
    .unwrap_or(PurchaseOutcome::NotJoined)
}

/// A tap on a link that leaves the shop (social profiles, streams, maps).
pub fn leave(name: EventName, url: &str, subject: Subject) {
    let outbound = Outbound { click_id: click_id(), destination_host: checkout::host(url) };
    track(name, EventSpec { subject, outbound: Some(outbound), ..Default::default() });
}
