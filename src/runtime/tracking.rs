//! The browser half of event delivery: builds envelopes, keeps the outboxes, and sends
//! them by the rules in `linkshelf_core::delivery`.
//!
//! Components call [`track`] from event handlers and effects; it only queues and never
//! blocks, waits or cancels anything, so a tap on a Buy link navigates at once even
//! when a backend hangs or an ad blocker eats the request. One outbox per sink: in
//! `standard` privacy it is mirrored to localStorage (bounded), so events survive
//! reloads, offline spells and closed tabs, and are replayed at the next start-up; in
//! `strict` privacy (or with Global Privacy Control / Do Not Track) nothing touches
//! device storage. Backends deduplicate by `event_id`, which stays the same on every
//! retry, so "at least once" delivery lands as "exactly once".

use crate::runtime::platform::{self, StorageKind};
use linkshelf_core::attribution::{self, Attribution};
use linkshelf_core::cart::item_ecommerce;
use linkshelf_core::checkout;
use linkshelf_core::delivery::{
    self, Outbox, Outcome, Queued, KEEPALIVE_FETCH_MAX_BYTES, KEEPALIVE_MAX_BYTES, MEMORY_LIMITS, STORED_LIMITS,
};
use linkshelf_core::events::{
    uuid_v7, CheckoutRecord, Context, Ecommerce, Envelope, EventName, InAppBrowser, Outbound, Subject, SCHEMA_VERSION,
};
use linkshelf_core::model::Sink;
use linkshelf_core::model::{Privacy, Product, Storefront};
use linkshelf_core::stored::{
    self, decode_outbox, encode_outbox, Lease, PurchaseJoin, ATTRIBUTION_KEY, CHECKOUT_KEY, LEASE_KEY, PURCHASES_KEY,
};
use std::cell::RefCell;
use std::time::Duration;

/// Wait after a non-urgent event before sending, so a burst goes as one batch.
const DEBOUNCE_MS: u64 = 1_000;
/// Send at once when this many events are waiting.
const BATCH_TRIGGER: usize = 10;
/// A request that has not answered by then is treated as a network error.
const REQUEST_TIMEOUT_MS: u32 = 10_000;
/// After a beacon, keep an event this long before sending it again (for sinks that
/// deduplicate): a beacon can be accepted and never sent.
const BEACON_CONFIRM_MS: i64 = 30_000;
/// Longest an outbox change waits before it is written to storage.
const SAVE_EVERY_MS: u64 = 250;
/// How long one tab's claim on the shared outbox lasts without renewal.
const LEASE_MS: i64 = 15_000;

/// What a component reports; the tracker adds everything else.
#[derive(Clone, Debug, Default)]
pub struct EventSpec {
    pub subject: Subject,
    pub ecommerce: Option<Ecommerce>,
    pub outbound: Option<Outbound>,
    /// The campaign to report instead of this visit's (a purchase reports the
    /// visit that led to the checkout).
    pub attribution: Option<Attribution>,
}

struct SinkState {
    sink: Sink,
    outbox: Outbox,
    storage_key: String,
    /// Events in the request under way (a keepalive fetch survives the page, so a
    /// beacon must not send them again).
    in_flight: Vec<String>,
    /// Lowered after a 413 so the next batches fit.
    batch_limit: usize,
}

struct Tracker {
    creator_id: String,
    persist: bool,
    page_load_id: String,
    tab_id: String,
    seq: u32,
    attribution: Attribution,
    context: Context,
    sinks: Vec<SinkState>,
    /// Events made by this page load: always ours to send, lease or not. (Vecs, not
    /// sets: they stay small, and a set's hashing code costs bundle bytes.)
    own: Vec<String>,
    seen_lists: Vec<String>,
    seen_promotions: Vec<String>,
    /// When the pending timer fires, if one is set.
    wake_at: Option<i64>,
    /// Outboxes changed since they were last written to storage.
    dirty: bool,
    save_pending: bool,
}

thread_local! {
    static TRACKER: RefCell<Option<Tracker>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Tracker) -> R) -> Option<R> {
    TRACKER.with(|t| t.try_borrow_mut().ok().and_then(|mut t| t.as_mut().map(f)))
}

fn new_id() -> String {
    uuid_v7(platform::now(), &platform::random_bytes::<10>())
}

/// A fresh id for one outbound click, written into the URL and its event.
pub fn click_id() -> String {
    new_id()
}

/// Whether this visit may keep anything on the device (outbox, cart, the last
/// checkout): only when the creator chose `standard` privacy and the shopper has not
/// objected (Global Privacy Control, Do Not Track).
pub fn may_store(store: &Storefront) -> bool {
    store.tracking.privacy == Privacy::Standard && !platform::privacy_signal()
}

/// The campaign this visit came from, for checkout links (also without sinks).
pub fn current_attribution() -> Attribution {
    with(|t| t.attribution.clone()).unwrap_or_else(|| {
        let (search, referrer) = platform::landing();
        attribution::from_landing(&search, &referrer)
    })
}

/// Starts tracking for this page load. Does nothing without sinks.
pub fn start(store: &Storefront, path: &str) {
    if store.tracking.sinks.is_empty() {
        return;
    }
    let persist = may_store(store);
    let (search, referrer) = platform::landing();
    let landing = attribution::from_landing(&search, &referrer);
    let attribution: Attribution = if persist {
        let kept =
            platform::storage_get(StorageKind::Session, ATTRIBUTION_KEY).and_then(|s| Attribution::read_stored(&s));
        let merged = attribution::merge(kept, landing);
        platform::storage_set(StorageKind::Session, ATTRIBUTION_KEY, &merged.to_stored());
        merged
    } else {
        landing
    };
    let locale = platform::shopper_locale();
    let sinks = store
        .tracking
        .sinks
        .iter()
        .map(|sink| {
            let storage_key = stored::outbox_key(sink.endpoint());
            let mut outbox = if persist {
                platform::storage_get(StorageKind::Local, &storage_key).map(|s| decode_outbox(&s)).unwrap_or_default()
            } else {
                Outbox::default()
            };
            // The page that queued these is gone: whatever it was waiting for (a
            // backoff, a beacon's confirmation) no longer applies.
            let now = platform::now();
            for event in &mut outbox.events {
                event.not_before = event.not_before.min(now);
            }
            SinkState { batch_limit: sink.max_batch(), sink: sink.clone(), outbox, storage_key, in_flight: Vec::new() }
        })
        .collect();
    let tracker = Tracker {
        creator_id: store.creator.id.clone(),
        persist,
        page_load_id: new_id(),
        tab_id: new_id(),
        seq: 0,
        attribution,
        context: Context {
            path: path.to_owned(),
            locale: locale.as_ref().map(|l| l.locale.clone()).unwrap_or_default(),
            time_zone: locale.map(|l| l.time_zone).unwrap_or_default(),
            in_app_browser: InAppBrowser::detect(&platform::user_agent()),
        },
        sinks,
        own: Vec::new(),
        seen_lists: Vec::new(),
        seen_promotions: Vec::new(),
        wake_at: None,
        dirty: false,
        save_pending: false,
    };
    TRACKER.with(|t| *t.borrow_mut() = Some(tracker));
    platform::on_lifecycle(send_beacons, flush);
    // Replay what earlier visits left behind.
    schedule_flush(0);
}

/// Records that the shopper is now on `path` (client-side navigation).
pub fn set_path(path: &str) {
    with(|t| t.context.path = path.to_owned());
}

/// Queues one event. Never blocks; urgent events start sending at once.
pub fn track(name: EventName, spec: EventSpec) {
    track_event(name, spec);
}

/// [`track`], returning the event as queued (`None` when tracking is off).
fn track_event(name: EventName, spec: EventSpec) -> Option<Envelope> {
    let urgent = name.is_urgent();
    let queued = with(|t| {
        let envelope = Envelope {
            v: SCHEMA_VERSION,
            event_id: new_id(),
            name,
            occurred_at: platform::now(),
            sent_at: None,
            page_load_id: t.page_load_id.clone(),
            seq: t.seq,
            creator_id: t.creator_id.clone(),
            attribution: spec.attribution.unwrap_or_else(|| t.attribution.clone()),
            context: t.context.clone(),
            subject: spec.subject,
            ecommerce: spec.ecommerce,
            outbound: spec.outbound,
        };
        t.seq += 1;
        t.own.push(envelope.event_id.clone());
        let now = envelope.occurred_at;
        let persist = t.persist;
        let origin = platform::origin();
        let mut waiting = 0;
        for s in &mut t.sinks {
            let queued = Queued {
                event_id: envelope.event_id.clone(),
                name,
                json: s.sink.item(&envelope, &origin),
                queued_at: now,
                attempts: 0,
                not_before: now,
            };
            s.outbox.push(queued, now, MEMORY_LIMITS);
            waiting = waiting.max(s.outbox.events.len());
        }
        t.dirty = persist;
        (waiting, envelope)
    });
    schedule_save();
    match &queued {
        Some((n, _)) if urgent || *n >= BATCH_TRIGGER => flush(),
        Some(_) => schedule_flush(DEBOUNCE_MS),
        None => {}
    }
    queued.map(|(_, envelope)| envelope)
}

fn first_time(seen: &mut Vec<String>, id: &str) -> bool {
    let new = !seen.iter().any(|s| s == id);
    if new {
        seen.push(id.to_owned());
    }
    new
}

/// `view_item_list` once per collection per page load.
pub fn list_viewed(list_id: &str) {
    if with(|t| first_time(&mut t.seen_lists, list_id)) == Some(true) {
        let subject = Subject { item_list_id: Some(list_id.to_owned()), ..Default::default() };
        track(EventName::ViewItemList, EventSpec { subject, ..Default::default() });
    }
}

/// `view_promotion` once per code per page load.
pub fn promotion_viewed(code_id: &str) {
    if with(|t| first_time(&mut t.seen_promotions, code_id)) == Some(true) {
        let subject = Subject { promotion_id: Some(code_id.to_owned()), ..Default::default() };
        track(EventName::ViewPromotion, EventSpec { subject, ..Default::default() });
    }
}

/// `select_item`: a product card was opened.
pub fn select_item(product: &Product, list_id: Option<&str>, index: u32) {
    let subject = Subject { item_list_id: list_id.map(str::to_owned), ..Default::default() };
    track(
        EventName::SelectItem,
        EventSpec { subject, ecommerce: Some(item_ecommerce(product, list_id, index)), ..Default::default() },
    );
}

/// `add_to_cart` (`change` > 0) or `remove_from_cart`, for `change` of `product`.
pub fn cart_changed(product: &Product, change: i32) {
    let name = if change > 0 { EventName::AddToCart } else { EventName::RemoveFromCart };
    let mut ecommerce = item_ecommerce(product, None, 0);
    let quantity = change.unsigned_abs();
    ecommerce.value = product.price.minor.saturating_mul(i64::from(quantity));
    if let Some(line) = ecommerce.items.first_mut() {
        line.quantity = quantity;
    }
    track(name, EventSpec { ecommerce: Some(ecommerce), ..Default::default() });
}

/// `begin_checkout` on a checkout tap: a fresh click id goes into the link the
/// browser is about to follow (`link` builds it from the click id) and into the
/// event. The click is never stopped or delayed. Under `standard` privacy the event
/// is also kept as "the last checkout", so the shop's return page can report the
/// purchase with the same click id and campaign.
pub fn begin_checkout(
    event: &leptos::ev::MouseEvent,
    link: &dyn Fn(&str, &Attribution) -> String,
    host: String,
    ecommerce: Ecommerce,
    list_id: Option<&str>,
) {
    let click_id = click_id();
    platform::retarget_link(event, &link(&click_id, &current_attribution()));
    let outbound = Outbound { click_id, destination_host: host };
    let subject = Subject { item_list_id: list_id.map(str::to_owned), ..Default::default() };
    let spec = EventSpec { subject, ecommerce: Some(ecommerce), outbound: Some(outbound), attribution: None };
    if let Some(envelope) = track_event(EventName::BeginCheckout, spec) {
        if let (Some(true), Some(ecommerce), Some(outbound)) =
            (with(|t| t.persist), envelope.ecommerce, envelope.outbound)
        {
            let record = CheckoutRecord {
                occurred_at: envelope.occurred_at,
                attribution: envelope.attribution,
                ecommerce,
                outbound,
            };
            platform::storage_set(StorageKind::Local, CHECKOUT_KEY, &record.encode());
        }
    }
}

/// What the return page did about an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurchaseOutcome {
    /// `purchase` queued, joined to this device's last checkout.
    Sent,
    /// This device already reported this order (a reload, or back).
    AlreadySent,
    /// No checkout on this device to join it to (strict privacy, another browser, or
    /// tracking off): nothing is sent; the shop's webhook reports the order.
    NotJoined,
}

/// Reports `order_id` as a `purchase`, at most once per device. The browser can't
/// prove a purchase, so these are unverified by nature; the collector verifies
/// orders from the shops' webhooks.
pub fn purchase(order_id: &str) -> PurchaseOutcome {
    if with(|t| t.persist) != Some(true) {
        return PurchaseOutcome::NotJoined;
    }
    let sent = platform::storage_get(StorageKind::Local, PURCHASES_KEY).unwrap_or_default();
    let checkout = platform::storage_get(StorageKind::Local, CHECKOUT_KEY);
    match stored::join_purchase(&sent, checkout.as_deref(), order_id, platform::now()) {
        PurchaseJoin::AlreadySent => PurchaseOutcome::AlreadySent,
        PurchaseJoin::NotJoined => PurchaseOutcome::NotJoined,
        PurchaseJoin::Send { checkout, purchases } => {
            let checkout = *checkout;
            let spec = EventSpec {
                ecommerce: Some(checkout.ecommerce),
                outbound: Some(checkout.outbound),
                attribution: Some(checkout.attribution),
                ..Default::default()
            };
            track(EventName::Purchase, spec);
            platform::storage_set(StorageKind::Local, PURCHASES_KEY, &purchases);
            platform::storage_remove(StorageKind::Local, CHECKOUT_KEY);
            PurchaseOutcome::Sent
        }
    }
}

/// A tap on a link that leaves the shop (social profiles, streams, maps).
pub fn leave(name: EventName, url: &str, subject: Subject) {
    let outbound = Outbound { click_id: click_id(), destination_host: checkout::host(url) };
    track(name, EventSpec { subject, outbound: Some(outbound), ..Default::default() });
}

/// Makes sure a flush happens within `after_ms` (an earlier pending timer covers it).
fn schedule_flush(after_ms: u64) {
    let due = platform::now() + after_ms as i64;
    let needed = with(|t| {
        let needed = t.wake_at.is_none_or(|at| due < at);
        if needed {
            t.wake_at = Some(due);
        }
        needed
    });
    if needed == Some(true) {
        leptos::prelude::set_timeout(
            move || {
                with(|t| {
                    if t.wake_at == Some(due) {
                        t.wake_at = None;
                    }
                });
                flush();
            },
            Duration::from_millis(after_ms),
        );
    }
}

/// Whether this tab may send events other tabs queued. One tab at a time replays the
/// shared outbox; without storage every tab only has its own events anyway.
fn holds_lease(t: &Tracker, now: i64) -> bool {
    if !t.persist {
        return true;
    }
    let current = platform::storage_get(StorageKind::Local, LEASE_KEY);
    let free = Lease::is_free(current.as_deref(), &t.tab_id, now);
    if free {
        let lease = Lease { tab: t.tab_id.clone(), until: now + LEASE_MS };
        platform::storage_set(StorageKind::Local, LEASE_KEY, &lease.encode());
    }
    free
}

/// Picks the next batch for each idle sink and sends it.
pub fn flush() {
    let now = platform::now();
    let batches = with(|t| {
        let lease = holds_lease(t, now);
        let own = t.own.clone();
        let mut batches = Vec::new();
        for (i, s) in t.sinks.iter_mut().enumerate() {
            // One request per sink at a time, except that a tap's urgent event never
            // waits behind a slow one: it goes in a request of its own.
            let ready = if s.in_flight.is_empty() {
                s.outbox.ready(now, s.batch_limit, KEEPALIVE_MAX_BYTES)
            } else {
                s.outbox.urgent_ready(now, &s.in_flight, s.batch_limit, KEEPALIVE_MAX_BYTES)
            };
            let ready: Vec<Queued> =
                ready.into_iter().filter(|q| lease || own.contains(&q.event_id)).cloned().collect();
            if !ready.is_empty() {
                s.in_flight.extend(ready.iter().map(|q| q.event_id.clone()));
                batches.push((i, s.sink.clone(), ready));
            }
        }
        batches
    })
    .unwrap_or_default();
    for (index, sink, batch) in batches {
        leptos::task::spawn_local(send(index, sink, batch));
    }
    // Wake again for what must wait: a backoff, a beacon's confirmation, or another
    // tab's lease running out.
    let next = with(|t| {
        let lease_wait = (!holds_lease(t, now)).then_some(now + LEASE_MS);
        t.sinks.iter().filter_map(|s| s.outbox.next_due(&s.in_flight)).chain(lease_wait).filter(|at| *at > now).min()
    })
    .flatten();
    if let Some(at) = next {
        schedule_flush((at - now) as u64);
    }
}

fn body(sink: &Sink, batch: &[Queued], now: i64) -> String {
    let items: Vec<&str> = batch.iter().map(|q| q.json.as_str()).collect();
    sink.body(&items, now)
}

async fn send(index: usize, sink: Sink, batch: Vec<Queued>) {
    let now = platform::now();
    let body = body(&sink, &batch, now);
    let answer =
        platform::post(sink.endpoint(), &body, body.len() <= KEEPALIVE_FETCH_MAX_BYTES, REQUEST_TIMEOUT_MS).await;
    let outcome = match &answer {
        Some((status, retry_after)) => delivery::classify(Some(*status), retry_after.as_deref()),
        None => delivery::classify(None, None),
    };
    let ids: Vec<String> = batch.iter().map(|q| q.event_id.clone()).collect();
    let retry_in = with(|t| {
        let persist = t.persist;
        let s = t.sinks.get_mut(index)?;
        // Only this request's events: an urgent request may still be in flight beside it.
        s.in_flight.retain(|id| !ids.contains(id));
        let retry_in = match outcome {
            Outcome::Delivered => {
                s.outbox.remove(&ids);
                s.batch_limit = s.sink.max_batch();
                Some(0)
            }
            Outcome::Drop => {
                s.outbox.remove(&ids);
                Some(0)
            }
            Outcome::Split if ids.len() > 1 => {
                s.batch_limit = (ids.len() / 2).max(1);
                Some(0)
            }
            Outcome::Split => {
                s.outbox.remove(&ids);
                Some(0)
            }
            Outcome::Retry { after_ms } => {
                let attempts = batch.iter().map(|q| q.attempts).max().unwrap_or(0);
                let wait = after_ms.unwrap_or_else(|| delivery::backoff_ms(attempts, platform::random_unit()));
                s.outbox.defer(&ids, platform::now(), wait);
                Some(wait.max(250))
            }
        };
        let more = !s.outbox.events.is_empty();
        t.dirty = persist;
        // Nothing more to do when this sink's outbox is empty.
        retry_in.filter(|_| more)
    })
    .flatten();
    schedule_save();
    match retry_in {
        Some(0) => flush(),
        Some(wait) => schedule_flush(wait),
        None => {}
    }
}

/// The page is going away: hand whatever waits to `sendBeacon`. A beacon can be
/// accepted and never sent, so for sinks that deduplicate the events stay in the
/// outbox (sent again later if the page lives on, or by the next visit).
fn send_beacons() {
    let now = platform::now();
    with(|t| {
        let persist = t.persist;
        // Let another tab (or the next page load) replay the outbox straight away.
        if persist && platform::storage_get(StorageKind::Local, LEASE_KEY).is_some_and(|v| v.starts_with(&t.tab_id)) {
            platform::storage_remove(StorageKind::Local, LEASE_KEY);
        }
        for s in &mut t.sinks {
            let ready: Vec<Queued> = s
                .outbox
                .ready(now, s.batch_limit, KEEPALIVE_MAX_BYTES)
                .into_iter()
                .filter(|q| !s.in_flight.contains(&q.event_id))
                .cloned()
                .collect();
            if ready.is_empty() {
                continue;
            }
            if platform::send_beacon(s.sink.endpoint(), &body(&s.sink, &ready, now)) {
                let ids: Vec<String> = ready.iter().map(|q| q.event_id.clone()).collect();
                if s.sink.deduplicates() && persist {
                    s.outbox.defer(&ids, now, BEACON_CONFIRM_MS as u64);
                } else {
                    s.outbox.remove(&ids);
                }
            }
        }
        // The page may be gone in a moment: write now, not on a timer.
        if persist {
            t.sinks.iter().for_each(save);
            t.dirty = false;
        }
    });
}

/// Writes changed outboxes to storage at most every [`SAVE_EVERY_MS`], so a burst of
/// taps costs one write, not one per tap (leaving the page writes at once).
fn schedule_save() {
    let start = with(|t| t.dirty && !std::mem::replace(&mut t.save_pending, true)).unwrap_or(false);
    if start {
        leptos::prelude::set_timeout(
            || {
                with(|t| {
                    t.save_pending = false;
                    if std::mem::replace(&mut t.dirty, false) {
                        t.sinks.iter().for_each(save);
                    }
                });
            },
            Duration::from_millis(SAVE_EVERY_MS),
        );
    }
}

fn save(s: &SinkState) {
    if s.outbox.events.is_empty() {
        platform::storage_remove(StorageKind::Local, &s.storage_key);
    } else {
        // Storage holds less than memory; a full or blocked storage leaves the events
        // in memory, still sent during this visit.
        let stored = s.outbox.bounded(platform::now(), STORED_LIMITS);
        platform::storage_set(StorageKind::Local, &s.storage_key, &encode_outbox(&stored));
    }
}
