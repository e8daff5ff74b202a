//! The tracker as a state machine: every decision about an event between the tap and
//! the backend's answer, with no browser in sight.
//!
//! Each method takes [`Now`] (the time, fresh random bytes and what the other tabs
//! left in the shared lease) and returns [`Effect`]s for the page to carry out: send
//! this body, hand that one to `sendBeacon`, store this text, wake me at `t`. The page
//! (`src/runtime/tracking.rs`) only interprets them and reports back what happened
//! ([`Tracker::answered`], [`Tracker::beaconed`], [`Tracker::wake`]). So the rules that
//! keep events from being lost or doubled (outbox limits, batching, backoff, the lease,
//! purchase-once, replay after a reload) run in native tests, including property tests
//! that throw any sequence of failures, reloads and repeated answers at them
//! (`tracker_tests.rs`).
//!
//! The pieces it applies live beside it: the policy in [`crate::delivery`], the stored
//! formats in [`crate::stored`], the payloads in [`crate::sinks`].

use crate::attribution::Attribution;
use crate::cart::item_ecommerce;
use crate::delivery::{
    self, Outbox, Outcome, Queued, KEEPALIVE_FETCH_MAX_BYTES, KEEPALIVE_MAX_BYTES, MEMORY_LIMITS, STORED_LIMITS,
};
use crate::events::{
    uuid_v7, CheckoutRecord, Context, Ecommerce, Envelope, EventName, Outbound, Subject, SCHEMA_VERSION,
};
use crate::model::{Product, Sink, UtcMillis};
use crate::stored::{self, Lease, PurchaseJoin, CHECKOUT_KEY, LEASE_KEY, PURCHASES_KEY};

/// Wait after a non-urgent event before sending, so a burst goes as one batch.
pub const DEBOUNCE_MS: i64 = 1_000;
/// Send at once when this many events are waiting.
pub const BATCH_TRIGGER: usize = 10;
/// A request that has not answered by then is reported as a network error.
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;
/// After a beacon, keep an event this long before sending it again (for sinks that
/// deduplicate): a beacon can be accepted and never sent.
pub const BEACON_CONFIRM_MS: i64 = 30_000;
/// Longest an outbox change waits before it is written to storage, so a burst of taps
/// costs one write, not one per tap (leaving the page writes at once).
pub const SAVE_EVERY_MS: i64 = 250;
/// How long one tab's claim on the shared outbox lasts without renewal.
pub const LEASE_MS: i64 = 15_000;
/// Shortest wait before a retry, whatever the backoff drew.
pub const MIN_RETRY_MS: i64 = 250;

/// What the page knows at one moment. The tracker reads nothing else from the world.
#[derive(Clone, Debug, Default)]
pub struct Now {
    pub at: UtcMillis,
    /// Fresh random bytes: an event id, a backoff's jitter.
    pub random: [u8; 10],
    /// The stored lease (shared by every tab of the shop), read when the tracker
    /// [`Tracker::persists`]; `None` otherwise.
    pub lease: Option<String>,
}

impl Now {
    /// A number in `[0, 1)` from the random bytes, for the backoff's jitter.
    fn unit(&self) -> f64 {
        let [a, b, c, d, ..] = self.random;
        f64::from(u32::from_le_bytes([a, b, c, d])) / 4_294_967_296.0
    }
}

/// Something the page must do for the tracker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// POST `body` to `endpoint` (with `keepalive` when set, so it survives the page),
    /// then report the answer to [`Tracker::answered`] with `request`.
    Send { request: u32, endpoint: String, body: String, keepalive: bool },
    /// Hand `body` to `sendBeacon` now, then report whether the browser took it to
    /// [`Tracker::beaconed`] with `request`.
    Beacon { request: u32, endpoint: String, body: String },
    /// Write `value` to device storage under `key`, or remove the key when `None`. A
    /// write may fail (storage full or blocked): the events stay in memory.
    Store { key: String, value: Option<String> },
    /// Call [`Tracker::wake`] at this time (or soon after).
    WakeAt(UtcMillis),
}

/// Who the tracker reports for and where.
#[derive(Clone, Debug)]
pub struct Setup {
    pub creator_id: String,
    pub sinks: Vec<Sink>,
    /// Whether the outboxes, the last checkout and sent purchases may live in device
    /// storage (`standard` privacy and no objection from the shopper).
    pub persist: bool,
    pub attribution: Attribution,
    pub context: Context,
    /// The page's origin, for the sinks that report full URLs.
    pub origin: String,
}

/// What a component reports; the tracker adds everything else.
#[derive(Clone, Debug, Default)]
pub struct EventSpec {
    pub subject: Subject,
    pub ecommerce: Option<Ecommerce>,
    pub outbound: Option<Outbound>,
    /// The campaign to report instead of this visit's (a purchase reports the visit
    /// that led to the checkout).
    pub attribution: Option<Attribution>,
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

struct SinkState {
    sink: Sink,
    outbox: Outbox,
    storage_key: String,
    /// Lowered after a 413 so the next batches fit.
    batch_limit: usize,
}

/// A request or beacon the page has not reported back yet.
struct InFlight {
    request: u32,
    sink: usize,
    events: Vec<String>,
}

/// One page load's tracker.
pub struct Tracker {
    creator_id: String,
    persist: bool,
    /// Also this tab's name in the lease: one page load is one claimant.
    page_load_id: String,
    origin: String,
    seq: u32,
    attribution: Attribution,
    context: Context,
    sinks: Vec<SinkState>,
    in_flight: Vec<InFlight>,
    next_request: u32,
    /// Events made by this page load: always ours to send, lease or not. (Vecs, not
    /// sets: they stay small, and a set's hashing code costs bundle bytes.)
    own: Vec<String>,
    seen_lists: Vec<String>,
    seen_promotions: Vec<String>,
    /// When a flush is due, if one is.
    flush_at: Option<UtcMillis>,
    /// When changed outboxes are due to be written, if any changed.
    save_at: Option<UtcMillis>,
    /// The earliest wake-up the page has been asked for and not yet delivered.
    wake_at: Option<UtcMillis>,
}

impl Tracker {
    /// A tracker for this page load. `load` reads device storage (only called when
    /// `setup.persist`): the outboxes earlier visits left are replayed straight away.
    pub fn start(setup: Setup, now: &Now, load: impl Fn(&str) -> Option<String>) -> (Tracker, Vec<Effect>) {
        let sinks = setup
            .sinks
            .into_iter()
            .map(|sink| {
                let storage_key = stored::outbox_key(sink.endpoint());
                let mut outbox = if setup.persist {
                    load(&storage_key).map(|s| stored::decode_outbox(&s)).unwrap_or_default()
                } else {
                    Outbox::default()
                };
                // The page that queued these is gone: whatever it was waiting for (a
                // backoff, a beacon's confirmation) no longer applies.
                for event in &mut outbox.events {
                    event.not_before = event.not_before.min(now.at);
                }
                SinkState { batch_limit: sink.max_batch(), sink, outbox, storage_key }
            })
            .collect();
        let mut tracker = Tracker {
            creator_id: setup.creator_id,
            persist: setup.persist,
            page_load_id: uuid_v7(now.at, &now.random),
            origin: setup.origin,
            seq: 0,
            attribution: setup.attribution,
            context: setup.context,
            sinks,
            in_flight: Vec::new(),
            next_request: 0,
            own: Vec::new(),
            seen_lists: Vec::new(),
            seen_promotions: Vec::new(),
            flush_at: None,
            save_at: None,
            wake_at: None,
        };
        let mut out = Vec::new();
        tracker.flush_within(now.at, 0, &mut out);
        (tracker, out)
    }

    /// Whether this tracker keeps anything on the device.
    pub fn persists(&self) -> bool {
        self.persist
    }

    /// This page load's id, which every event it makes carries.
    pub fn page_load_id(&self) -> &str {
        &self.page_load_id
    }

    /// This visit's campaign.
    pub fn attribution(&self) -> &Attribution {
        &self.attribution
    }

    /// The shopper is now on `path` (client-side navigation).
    pub fn set_path(&mut self, path: &str) {
        self.context.path = path.to_owned();
    }

    /// Events waiting for each sink, in sink order (for tests and diagnostics).
    pub fn waiting(&self) -> Vec<usize> {
        self.sinks.iter().map(|s| s.outbox.events.len()).collect()
    }

    /// Queues one event. Urgent events start sending at once; others wait a moment
    /// so a burst goes as one batch.
    pub fn track(&mut self, now: &Now, name: EventName, spec: EventSpec) -> Vec<Effect> {
        let mut out = Vec::new();
        self.queue(now, name, spec, &mut out);
        out
    }

    fn queue(&mut self, now: &Now, name: EventName, spec: EventSpec, out: &mut Vec<Effect>) -> Envelope {
        let envelope = Envelope {
            v: SCHEMA_VERSION,
            event_id: uuid_v7(now.at, &now.random),
            name,
            occurred_at: now.at,
            sent_at: None,
            page_load_id: self.page_load_id.clone(),
            seq: self.seq,
            creator_id: self.creator_id.clone(),
            attribution: spec.attribution.unwrap_or_else(|| self.attribution.clone()),
            context: self.context.clone(),
            subject: spec.subject,
            ecommerce: spec.ecommerce,
            outbound: spec.outbound,
        };
        self.seq += 1;
        self.own.push(envelope.event_id.clone());
        let mut waiting = 0;
        for s in &mut self.sinks {
            let queued = Queued {
                event_id: envelope.event_id.clone(),
                name,
                json: s.sink.item(&envelope, &self.origin),
                queued_at: now.at,
                attempts: 0,
                not_before: now.at,
            };
            s.outbox.push(queued, now.at, MEMORY_LIMITS);
            waiting = waiting.max(s.outbox.events.len());
        }
        self.changed(now.at, out);
        if name.is_urgent() || waiting >= BATCH_TRIGGER {
            self.flush(now, out);
        } else {
            self.flush_within(now.at, DEBOUNCE_MS, out);
        }
        envelope
    }

    /// `view_item_list` once per collection per page load.
    pub fn list_viewed(&mut self, now: &Now, list_id: &str) -> Vec<Effect> {
        if !first_time(&mut self.seen_lists, list_id) {
            return Vec::new();
        }
        let subject = Subject { item_list_id: Some(list_id.to_owned()), ..Default::default() };
        self.track(now, EventName::ViewItemList, EventSpec { subject, ..Default::default() })
    }

    /// `view_promotion` once per code per page load.
    pub fn promotion_viewed(&mut self, now: &Now, code_id: &str) -> Vec<Effect> {
        if !first_time(&mut self.seen_promotions, code_id) {
            return Vec::new();
        }
        let subject = Subject { promotion_id: Some(code_id.to_owned()), ..Default::default() };
        self.track(now, EventName::ViewPromotion, EventSpec { subject, ..Default::default() })
    }

    /// `select_item`: a product card was opened.
    pub fn select_item(&mut self, now: &Now, product: &Product, list_id: Option<&str>, index: u32) -> Vec<Effect> {
        let subject = Subject { item_list_id: list_id.map(str::to_owned), ..Default::default() };
        let ecommerce = Some(item_ecommerce(product, list_id, index));
        self.track(now, EventName::SelectItem, EventSpec { subject, ecommerce, ..Default::default() })
    }

    /// `add_to_cart` (`change` > 0) or `remove_from_cart`, for `change` of `product`.
    pub fn cart_changed(&mut self, now: &Now, product: &Product, change: i32) -> Vec<Effect> {
        let name = if change > 0 { EventName::AddToCart } else { EventName::RemoveFromCart };
        let mut ecommerce = item_ecommerce(product, None, 0);
        let quantity = change.unsigned_abs();
        ecommerce.value = product.price.minor.saturating_mul(i64::from(quantity));
        if let Some(line) = ecommerce.items.first_mut() {
            line.quantity = quantity;
        }
        self.track(now, name, EventSpec { ecommerce: Some(ecommerce), ..Default::default() })
    }

    /// `begin_checkout` for a checkout tap whose link carries `outbound.click_id`.
    /// When the tracker persists, the event is also kept as "the last checkout", so
    /// the shop's return page can report the purchase with the same click id and
    /// campaign.
    pub fn begin_checkout(
        &mut self,
        now: &Now,
        outbound: Outbound,
        ecommerce: Ecommerce,
        list_id: Option<&str>,
    ) -> Vec<Effect> {
        let subject = Subject { item_list_id: list_id.map(str::to_owned), ..Default::default() };
        let spec = EventSpec { subject, ecommerce: Some(ecommerce), outbound: Some(outbound), attribution: None };
        let mut out = Vec::new();
        let envelope = self.queue(now, EventName::BeginCheckout, spec, &mut out);
        if let (true, Some(ecommerce), Some(outbound)) = (self.persist, envelope.ecommerce, envelope.outbound) {
            let record = CheckoutRecord {
                occurred_at: envelope.occurred_at,
                attribution: envelope.attribution,
                ecommerce,
                outbound,
            };
            out.push(Effect::Store { key: CHECKOUT_KEY.to_owned(), value: Some(record.encode()) });
        }
        out
    }

    /// Reports `order_id` as a `purchase`, at most once per device, by
    /// [`stored::join_purchase`]. `sent` and `checkout` are what storage holds under
    /// [`PURCHASES_KEY`] and [`CHECKOUT_KEY`]. The browser can't prove a purchase, so
    /// these are unverified by nature; the collector verifies orders from the shops'
    /// webhooks.
    pub fn purchase(
        &mut self,
        now: &Now,
        order_id: &str,
        sent: &str,
        checkout: Option<&str>,
    ) -> (PurchaseOutcome, Vec<Effect>) {
        if !self.persist {
            return (PurchaseOutcome::NotJoined, Vec::new());
        }
        match stored::join_purchase(sent, checkout, order_id, now.at) {
            PurchaseJoin::AlreadySent => (PurchaseOutcome::AlreadySent, Vec::new()),
            PurchaseJoin::NotJoined => (PurchaseOutcome::NotJoined, Vec::new()),
            PurchaseJoin::Send { checkout, purchases } => {
                let checkout = *checkout;
                let spec = EventSpec {
                    ecommerce: Some(checkout.ecommerce),
                    outbound: Some(checkout.outbound),
                    attribution: Some(checkout.attribution),
                    ..Default::default()
                };
                let mut out = self.track(now, EventName::Purchase, spec);
                out.push(Effect::Store { key: PURCHASES_KEY.to_owned(), value: Some(purchases) });
                out.push(Effect::Store { key: CHECKOUT_KEY.to_owned(), value: None });
                (PurchaseOutcome::Sent, out)
            }
        }
    }

    /// A timer the tracker asked for ([`Effect::WakeAt`]) went off: does what is due.
    pub fn wake(&mut self, now: &Now) -> Vec<Effect> {
        let mut out = Vec::new();
        self.wake_at = None;
        if self.save_at.is_some_and(|at| at <= now.at) {
            self.save(now.at, &mut out);
        }
        if self.flush_at.is_some_and(|at| at <= now.at) {
            self.flush(now, &mut out);
        }
        self.ask_wake(&mut out);
        out
    }

    /// The network is back: try everything that waits now.
    pub fn online(&mut self, now: &Now) -> Vec<Effect> {
        let mut out = Vec::new();
        self.flush(now, &mut out);
        out
    }

    /// The answer to [`Effect::Send`] `request`: `status` is `None` for a network
    /// error or a timeout, `retry_after` the header's raw value. A second answer to
    /// the same request changes nothing.
    pub fn answered(&mut self, now: &Now, request: u32, status: Option<u16>, retry_after: Option<&str>) -> Vec<Effect> {
        let mut out = Vec::new();
        let Some(InFlight { sink, events: ids, .. }) = self.take_request(request) else { return out };
        let Some(s) = self.sinks.get_mut(sink) else { return out };
        let retry_in = match delivery::classify(status, retry_after) {
            Outcome::Delivered => {
                s.outbox.remove(&ids);
                s.batch_limit = s.sink.max_batch();
                0
            }
            Outcome::Split if ids.len() > 1 => {
                s.batch_limit = (ids.len() / 2).max(1);
                0
            }
            Outcome::Drop | Outcome::Split => {
                s.outbox.remove(&ids);
                0
            }
            Outcome::Retry { after_ms } => {
                let attempts = s.outbox.events.iter().filter(|q| ids.contains(&q.event_id)).map(|q| q.attempts).max();
                let wait = after_ms.unwrap_or_else(|| delivery::backoff_ms(attempts.unwrap_or(0), now.unit()));
                s.outbox.defer(&ids, now.at, wait);
                (wait as i64).max(MIN_RETRY_MS)
            }
        };
        let more = !s.outbox.events.is_empty();
        self.changed(now.at, &mut out);
        if !more {
            // Nothing more for this sink.
        } else if retry_in == 0 {
            self.flush(now, &mut out);
        } else {
            self.flush_within(now.at, retry_in, &mut out);
        }
        self.ask_wake(&mut out);
        out
    }

    /// The page is going away: whatever waits goes to `sendBeacon`, the lease is let
    /// go so another tab (or the next page load) replays the outbox straight away, and
    /// the outboxes are written now, not on a timer.
    pub fn leave(&mut self, now: &Now) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.persist && now.lease.as_deref().is_some_and(|v| v.starts_with(&self.page_load_id)) {
            out.push(Effect::Store { key: LEASE_KEY.to_owned(), value: None });
        }
        // Written first: if the browser drops the beacons, storage still has them.
        self.save(now.at, &mut out);
        for i in 0..self.sinks.len() {
            let busy = self.busy(i);
            let s = &self.sinks[i];
            let ready: Vec<&Queued> = s
                .outbox
                .ready(now.at, s.batch_limit, KEEPALIVE_MAX_BYTES)
                .into_iter()
                .filter(|q| !busy.contains(&q.event_id))
                .collect();
            if ready.is_empty() {
                continue;
            }
            let body = body(&s.sink, &ready, now.at);
            let events = ready.iter().map(|q| q.event_id.clone()).collect();
            let endpoint = s.sink.endpoint().to_owned();
            let request = self.begin_request(i, events);
            out.push(Effect::Beacon { request, endpoint, body });
        }
        out
    }

    /// Whether the browser took [`Effect::Beacon`] `request`. A beacon can be taken
    /// and never sent, so for sinks that deduplicate (and only when the outbox
    /// survives the page) its events stay, to be sent again after
    /// [`BEACON_CONFIRM_MS`] if the page lives on, or by the next visit.
    pub fn beaconed(&mut self, now: &Now, request: u32, accepted: bool) -> Vec<Effect> {
        let mut out = Vec::new();
        let Some(InFlight { sink, events: ids, .. }) = self.take_request(request) else { return out };
        let persist = self.persist;
        let Some(s) = self.sinks.get_mut(sink) else { return out };
        if accepted {
            if s.sink.deduplicates() && persist {
                s.outbox.defer(&ids, now.at, BEACON_CONFIRM_MS as u64);
            } else {
                s.outbox.remove(&ids);
            }
        }
        if persist {
            out.push(save_sink(s, now.at));
        }
        out
    }

    /// Picks the next batch for each sink and sends it.
    fn flush(&mut self, now: &Now, out: &mut Vec<Effect>) {
        self.flush_at = None;
        let lease = self.claim_lease(now, out);
        for i in 0..self.sinks.len() {
            let busy = self.busy(i);
            let s = &self.sinks[i];
            // One request per sink at a time, except that a tap's urgent event never
            // waits behind a slow one: it goes in a request of its own.
            let ready = if busy.is_empty() {
                s.outbox.ready(now.at, s.batch_limit, KEEPALIVE_MAX_BYTES)
            } else {
                s.outbox.urgent_ready(now.at, &busy, s.batch_limit, KEEPALIVE_MAX_BYTES)
            };
            let ready: Vec<&Queued> = ready.into_iter().filter(|q| lease || self.own.contains(&q.event_id)).collect();
            if ready.is_empty() {
                continue;
            }
            let body = body(&s.sink, &ready, now.at);
            let keepalive = body.len() <= KEEPALIVE_FETCH_MAX_BYTES;
            let events = ready.iter().map(|q| q.event_id.clone()).collect();
            let endpoint = s.sink.endpoint().to_owned();
            let request = self.begin_request(i, events);
            out.push(Effect::Send { request, endpoint, body, keepalive });
        }
        // Wake again for what must wait: a backoff, a beacon's confirmation, or another
        // tab's lease running out.
        let waiting = self.sinks.iter().any(|s| !s.outbox.events.is_empty());
        let lease_ends = now.lease.as_deref().and_then(Lease::decode).map_or(now.at + LEASE_MS, |l| l.until + 1);
        let lease_wait = (!lease && waiting).then_some(lease_ends);
        let next = (0..self.sinks.len())
            .filter_map(|i| self.sinks[i].outbox.next_due(&self.busy(i)))
            .chain(lease_wait)
            .filter(|at| *at > now.at)
            .min();
        if let Some(at) = next {
            self.flush_within(now.at, at - now.at, out);
        }
        self.ask_wake(out);
    }

    /// Whether this tab may send events other tabs queued, claiming or renewing the
    /// lease when it may. One tab at a time replays the shared outbox; without storage
    /// every tab only has its own events anyway.
    fn claim_lease(&self, now: &Now, out: &mut Vec<Effect>) -> bool {
        if !self.persist {
            return true;
        }
        let free = Lease::is_free(now.lease.as_deref(), &self.page_load_id, now.at);
        if free {
            let lease = Lease { tab: self.page_load_id.clone(), until: now.at + LEASE_MS };
            out.push(Effect::Store { key: LEASE_KEY.to_owned(), value: Some(lease.encode()) });
        }
        free
    }

    /// Event ids of `sink` in requests not answered yet.
    fn busy(&self, sink: usize) -> Vec<String> {
        self.in_flight.iter().filter(|r| r.sink == sink).flat_map(|r| r.events.iter().cloned()).collect()
    }

    fn begin_request(&mut self, sink: usize, events: Vec<String>) -> u32 {
        let request = self.next_request;
        self.next_request = self.next_request.wrapping_add(1);
        self.in_flight.push(InFlight { request, sink, events });
        request
    }

    fn take_request(&mut self, request: u32) -> Option<InFlight> {
        let i = self.in_flight.iter().position(|r| r.request == request)?;
        Some(self.in_flight.swap_remove(i))
    }

    /// Makes sure a flush happens within `after_ms` (an earlier one covers it).
    fn flush_within(&mut self, now: UtcMillis, after_ms: i64, out: &mut Vec<Effect>) {
        let due = now + after_ms;
        if self.flush_at.is_none_or(|at| due < at) {
            self.flush_at = Some(due);
        }
        self.ask_wake(out);
    }

    /// The outboxes changed: write them soon (when they live in storage).
    fn changed(&mut self, now: UtcMillis, out: &mut Vec<Effect>) {
        if self.persist && self.save_at.is_none() {
            self.save_at = Some(now + SAVE_EVERY_MS);
            self.ask_wake(out);
        }
    }

    /// Asks the page for a timer when the next due work comes before any timer it
    /// already set.
    fn ask_wake(&mut self, out: &mut Vec<Effect>) {
        let due = match (self.flush_at, self.save_at) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(at) => at,
                None => return,
            },
        };
        if self.wake_at.is_none_or(|at| due < at) {
            self.wake_at = Some(due);
            out.push(Effect::WakeAt(due));
        }
    }

    fn save(&mut self, now: UtcMillis, out: &mut Vec<Effect>) {
        self.save_at = None;
        if self.persist {
            out.extend(self.sinks.iter().map(|s| save_sink(s, now)));
        }
    }
}

/// Storage holds less than memory; a full or blocked storage leaves the events in
/// memory, still sent during this visit.
fn save_sink(s: &SinkState, now: UtcMillis) -> Effect {
    let value = (!s.outbox.events.is_empty()).then(|| stored::encode_outbox(&s.outbox.bounded(now, STORED_LIMITS)));
    Effect::Store { key: s.storage_key.clone(), value }
}

fn body(sink: &Sink, batch: &[&Queued], now: UtcMillis) -> String {
    let items: Vec<&str> = batch.iter().map(|q| q.json.as_str()).collect();
    sink.body(&items, now)
}

fn first_time(seen: &mut Vec<String>, id: &str) -> bool {
    let new = !seen.iter().any(|s| s == id);
    if new {
        seen.push(id.to_owned());
    }
    new
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;
