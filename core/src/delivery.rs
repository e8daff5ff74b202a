//! How events get to a backend without being lost, doubled or slowing a tap: the
//! pure policy (what to retry, when, what to evict, how to split). The tracker
//! (`tracker.rs`) applies it; the page only carries out the tracker's effects.
//!
//! Modelled on what the best trackers do: posthog-js's jittered exponential backoff
//! and beacon batch splitting, Snowplow's bounded persistent queue and its refusal to
//! retry client errors.

use crate::events::EventName;
use crate::model::UtcMillis;

/// What to do with a batch after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again later; `after_ms` when the server said how long to wait.
    Retry {
        after_ms: Option<u64>,
    },
    /// The server will never accept it: drop and count.
    Drop,
    /// Too large for the server: send each half on its own.
    Split,
}

/// Longest wait honoured from a `Retry-After` header.
pub const MAX_RETRY_AFTER_MS: u64 = 10 * 60 * 1000;

/// Classifies an attempt: `status` is `None` for a network error (offline, DNS, an
/// ad blocker: they look the same), `retry_after` is the header's raw value.
pub fn classify(status: Option<u16>, retry_after: Option<&str>) -> Outcome {
    let Some(status) = status else { return Outcome::Retry { after_ms: None } };
    match status {
        200..=299 => Outcome::Delivered,
        413 => Outcome::Split,
        408 | 425 | 429 | 500..=599 => Outcome::Retry { after_ms: retry_after.and_then(parse_retry_after) },
        // 400, 401, 403, 404, 410, 422 and every other answer: retrying cannot help.
        _ => Outcome::Drop,
    }
}

/// `Retry-After` as delta-seconds, capped. (The HTTP-date form is rare from the
/// backends we speak to; it falls back to the normal backoff.)
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let seconds: u64 = value.trim().parse().ok()?;
    Some(seconds.saturating_mul(1000).min(MAX_RETRY_AFTER_MS))
}

pub const BACKOFF_BASE_MS: u64 = 1_000;
pub const BACKOFF_CAP_MS: u64 = 60_000;

/// Exponential backoff with full jitter: a uniformly random wait in
/// `[0, min(cap, base · 2^attempt)]`. `unit` is a random number in `[0, 1)`.
/// Full jitter spreads a crowd of recovering clients instead of making them retry in
/// lockstep.
pub fn backoff_ms(attempt: u32, unit: f64) -> u64 {
    let ceiling = BACKOFF_BASE_MS.saturating_mul(1u64 << attempt.min(20)).min(BACKOFF_CAP_MS);
    let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.0 };
    (ceiling as f64 * unit) as u64
}

/// One event waiting in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub event_id: String,
    pub name: EventName,
    /// The serialised envelope, exactly as it will be sent.
    pub json: String,
    pub queued_at: UtcMillis,
    pub attempts: u32,
    pub not_before: UtcMillis,
}

/// Bounds of the persisted outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_age_ms: i64,
}

const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

/// What is kept in localStorage per sink: enough for a long offline spell (an event is
/// about 1 KB), well inside the 5 MB a browser gives an origin, and nothing older than
/// Safari's own 7-day storage limit.
pub const STORED_LIMITS: Limits = Limits { max_events: 500, max_bytes: 512 * 1024, max_age_ms: WEEK_MS };

/// What a page keeps in memory per sink, so a burst of taps while the backend is down
/// loses nothing, yet a page left open for days cannot grow without bound.
pub const MEMORY_LIMITS: Limits = Limits { max_events: 5_000, max_bytes: 4 * 1024 * 1024, max_age_ms: WEEK_MS };

/// The queue of undelivered events. Bounded so it can live in localStorage; when
/// full, the oldest events that are not purchases go first, because a purchase is the
/// one event a creator cannot reconstruct.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    pub events: Vec<Queued>,
}

/// What an outbox change threw away, for the counters a creator can see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evicted {
    pub for_space: usize,
    pub expired: usize,
    pub duplicates: usize,
}

impl Outbox {
    pub fn bytes(&self) -> usize {
        self.events.iter().map(|e| e.json.len()).sum()
    }

    /// Adds an event (ignoring one already queued with the same id) and enforces the
    /// limits.
    pub fn push(&mut self, event: Queued, now: UtcMillis, limits: Limits) -> Evicted {
        let mut evicted = Evicted::default();
        if self.events.iter().any(|e| e.event_id == event.event_id) {
            evicted.duplicates = 1;
        } else {
            self.events.push(event);
        }
        let mut more = self.enforce(now, limits);
        more.duplicates += evicted.duplicates;
        more
    }

    /// Drops expired events, then evicts until within the count and size limits.
    pub fn enforce(&mut self, now: UtcMillis, limits: Limits) -> Evicted {
        let before = self.events.len();
        self.events.retain(|e| now - e.queued_at <= limits.max_age_ms);
        let mut evicted = Evicted { expired: before - self.events.len(), ..Evicted::default() };
        while self.events.len() > limits.max_events || self.bytes() > limits.max_bytes {
            let victim = self
                .events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.name != EventName::Purchase)
                .min_by_key(|(_, e)| e.queued_at)
                .or_else(|| self.events.iter().enumerate().min_by_key(|(_, e)| e.queued_at))
                .map(|(i, _)| i);
            match victim {
                Some(i) => {
                    self.events.remove(i);
                    evicted.for_space += 1;
                }
                None => break,
            }
        }
        evicted
    }

    /// Removes the events with these ids (delivered, or dropped for good).
    pub fn remove(&mut self, ids: &[String]) {
        self.events.retain(|e| !ids.contains(&e.event_id));
    }

    /// The next batch that may be sent at `now`: events in queue order whose wait is
    /// over, at most `max_events`, and whose JSON array fits in `max_bytes`.
    pub fn ready(&self, now: UtcMillis, max_events: usize, max_bytes: usize) -> Vec<&Queued> {
        let ready: Vec<&Queued> = self.events.iter().filter(|e| e.not_before <= now).take(max_events).collect();
        let fits = fit_batch(&ready.iter().map(|e| e.json.len()).collect::<Vec<_>>(), max_bytes);
        ready.into_iter().take(fits).collect()
    }

    /// Urgent events (a tap that leaves the page) due at `now` and not in `busy`: sent
    /// in a request of their own while another request of the sink is still in
    /// flight, so a tap never waits for an earlier, slow request.
    pub fn urgent_ready(&self, now: UtcMillis, busy: &[String], max_events: usize, max_bytes: usize) -> Vec<&Queued> {
        let ready: Vec<&Queued> = self
            .events
            .iter()
            .filter(|e| e.not_before <= now && e.name.is_urgent() && !busy.contains(&e.event_id))
            .take(max_events)
            .collect();
        let fits = fit_batch(&ready.iter().map(|e| e.json.len()).collect::<Vec<_>>(), max_bytes);
        ready.into_iter().take(fits).collect()
    }

    /// The earliest time a waiting event may be sent, among those not in `busy`.
    pub fn next_due(&self, busy: &[String]) -> Option<UtcMillis> {
        self.events.iter().filter(|e| !busy.contains(&e.event_id)).map(|e| e.not_before).min()
    }

    /// A copy within `limits`, for storage that holds less than memory.
    pub fn bounded(&self, now: UtcMillis, limits: Limits) -> Outbox {
        let mut copy = self.clone();
        copy.enforce(now, limits);
        copy
    }

    /// Records a failed attempt: the next try waits for `wait_ms`.
    pub fn defer(&mut self, ids: &[String], now: UtcMillis, wait_ms: u64) {
        for e in self.events.iter_mut().filter(|e| ids.contains(&e.event_id)) {
            e.attempts += 1;
            e.not_before = now + wait_ms as i64;
        }
    }
}

/// How many of these items (their JSON lengths, in order) fit in one JSON array of
/// at most `max_bytes` (brackets and commas included). At least one item is always
/// offered, so a single oversized event still gets its answer (413, then dropped).
pub fn fit_batch(lengths: &[usize], max_bytes: usize) -> usize {
    let mut total = 2; // []
    for (i, len) in lengths.iter().enumerate() {
        let add = len + usize::from(i > 0);
        if i > 0 && total + add > max_bytes {
            return i;
        }
        total += add;
    }
    lengths.len()
}

/// `sendBeacon` and `fetch(…, {keepalive})` share a 64 KiB in-flight budget per
/// page, so no request may be larger than this (beacons and batches are cut to fit).
pub const KEEPALIVE_MAX_BYTES: usize = 60 * 1024;

/// Requests up to this size use `keepalive` (so they survive a tap that leaves the
/// page): the urgent events, sent alone or in twos. Bigger batches (a replay, a burst)
/// go without it, so several sinks never exhaust the shared budget; if the page closes
/// under them, the outbox still has their events.
pub const KEEPALIVE_FETCH_MAX_BYTES: usize = 16 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(id: &str, name: EventName, at: i64, bytes: usize) -> Queued {
        Queued { event_id: id.into(), name, json: "x".repeat(bytes), queued_at: at, attempts: 0, not_before: at }
    }

    #[test]
    fn urgent_events_go_out_beside_a_request_in_flight() {
        let mut outbox = Outbox::default();
        for (i, name) in [EventName::PageView, EventName::ViewItemList, EventName::BeginCheckout, EventName::Purchase]
            .into_iter()
            .enumerate()
        {
            outbox.push(queued(&format!("e{i}"), name, 10, 10), 10, STORED_LIMITS);
        }
        let busy = vec!["e0".to_owned(), "e1".to_owned()];
        let ids = |batch: Vec<&Queued>| batch.into_iter().map(|q| q.event_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(outbox.urgent_ready(10, &busy, 50, 1_000)), ["e2", "e3"]);
        // Not the ones already in flight, not before their wait is over, within the limits.
        assert_eq!(ids(outbox.urgent_ready(10, &["e2".to_owned()], 50, 1_000)), ["e3"]);
        assert!(outbox.urgent_ready(9, &busy, 50, 1_000).is_empty());
        assert_eq!(ids(outbox.urgent_ready(10, &busy, 1, 1_000)), ["e2"]);
    }

    #[test]
    fn status_policy() {
        assert_eq!(classify(Some(200), None), Outcome::Delivered);
        assert_eq!(classify(Some(202), None), Outcome::Delivered);
        assert_eq!(classify(None, None), Outcome::Retry { after_ms: None });
        for status in [408, 425, 500, 502, 503, 504] {
            assert_eq!(classify(Some(status), None), Outcome::Retry { after_ms: None }, "{status}");
        }
        assert_eq!(classify(Some(429), Some("7")), Outcome::Retry { after_ms: Some(7_000) });
        assert_eq!(classify(Some(503), Some("99999")), Outcome::Retry { after_ms: Some(MAX_RETRY_AFTER_MS) });
        assert_eq!(classify(Some(429), Some("Wed, 21 Oct 2015 07:28:00 GMT")), Outcome::Retry { after_ms: None });
        for status in [400, 401, 403, 404, 410, 422, 302] {
            assert_eq!(classify(Some(status), None), Outcome::Drop, "{status}");
        }
        assert_eq!(classify(Some(413), None), Outcome::Split);
    }

    #[test]
    fn backoff_is_bounded_jittered_and_grows() {
        assert_eq!(backoff_ms(0, 0.0), 0);
        assert_eq!(backoff_ms(0, 0.999_999), 999);
        assert_eq!(backoff_ms(3, 0.5), 4_000);
        for attempt in 0..100 {
            for unit in [0.0, 0.25, 0.5, 0.999_999, 1.0, f64::NAN, -3.0, 7.0] {
                assert!(backoff_ms(attempt, unit) <= BACKOFF_CAP_MS);
            }
        }
        assert_eq!(backoff_ms(30, 1.0), BACKOFF_CAP_MS);
    }

    #[test]
    fn outbox_evicts_oldest_non_purchase_first() {
        let limits = Limits { max_events: 3, max_bytes: 10_000, max_age_ms: 1_000_000 };
        let mut outbox = Outbox::default();
        outbox.push(queued("p1", EventName::Purchase, 1, 10), 10, limits);
        outbox.push(queued("v1", EventName::PageView, 2, 10), 10, limits);
        outbox.push(queued("v2", EventName::PageView, 3, 10), 10, limits);
        let evicted = outbox.push(queued("v3", EventName::SelectItem, 4, 10), 10, limits);
        assert_eq!(evicted.for_space, 1);
        let ids: Vec<_> = outbox.events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["p1", "v2", "v3"]);
    }

    #[test]
    fn outbox_respects_bytes_age_and_duplicates() {
        let limits = Limits { max_events: 100, max_bytes: 100, max_age_ms: 50 };
        let mut outbox = Outbox::default();
        outbox.push(queued("a", EventName::PageView, 0, 40), 0, limits);
        outbox.push(queued("b", EventName::PageView, 10, 40), 10, limits);
        let evicted = outbox.push(queued("c", EventName::PageView, 20, 40), 20, limits);
        assert_eq!(evicted.for_space, 1);
        assert!(outbox.bytes() <= 100);
        assert_eq!(outbox.push(queued("c", EventName::PageView, 21, 40), 21, limits).duplicates, 1);
        let evicted = outbox.enforce(65, limits);
        assert_eq!(evicted.expired, 1, "b is 55 ms old");
        assert_eq!(outbox.events.len(), 1);
    }

    #[test]
    fn purchases_go_last_even_when_only_purchases_remain() {
        let limits = Limits { max_events: 1, max_bytes: 10_000, max_age_ms: 1_000 };
        let mut outbox = Outbox::default();
        outbox.push(queued("p1", EventName::Purchase, 1, 10), 1, limits);
        outbox.push(queued("p2", EventName::Purchase, 2, 10), 2, limits);
        assert_eq!(outbox.events.len(), 1);
        assert_eq!(outbox.events[0].event_id, "p2");
    }

    #[test]
    fn ready_batches_respect_waits_and_size() {
        let limits = STORED_LIMITS;
        let mut outbox = Outbox::default();
        for i in 0..10 {
            outbox.push(queued(&format!("e{i}"), EventName::PageView, i, 100), i, limits);
        }
        outbox.defer(&["e0".into()], 10, 5_000);
        let batch = outbox.ready(10, 50, 2 + 3 * 100 + 2);
        let ids: Vec<_> = batch.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2", "e3"]);
        assert_eq!(outbox.ready(10, 2, 100_000).len(), 2);
        assert_eq!(outbox.events[0].attempts, 1);
        assert!(outbox.ready(5_010, 50, 100_000).iter().any(|e| e.event_id == "e0"));
        outbox.remove(&["e1".into(), "e2".into()]);
        assert_eq!(outbox.events.len(), 8);
    }

    #[test]
    fn next_due_and_bounded_copies() {
        let mut outbox = Outbox::default();
        for i in 0..5 {
            outbox.push(queued(&format!("e{i}"), EventName::PageView, 100 + i, 10), 100, MEMORY_LIMITS);
        }
        outbox.defer(&["e0".into()], 100, 50);
        assert_eq!(outbox.next_due(&[]), Some(101));
        assert_eq!(outbox.next_due(&["e1".into(), "e2".into(), "e3".into(), "e4".into()]), Some(150));
        assert_eq!(Outbox::default().next_due(&[]), None);
        let small = Limits { max_events: 2, max_bytes: 1_000, max_age_ms: 1_000 };
        let copy = outbox.bounded(105, small);
        assert_eq!(copy.events.len(), 2);
        assert_eq!(outbox.events.len(), 5, "the original keeps everything");
    }

    #[test]
    fn stored_limits_hold_a_long_offline_spell() {
        let mut outbox = Outbox::default();
        for i in 0..300 {
            let evicted = outbox.push(queued(&format!("e{i}"), EventName::SelectPromotion, i, 1_000), i, STORED_LIMITS);
            assert_eq!(evicted.for_space, 0, "event {i} evicted");
        }
    }

    #[test]
    fn batch_fitting_and_splitting() {
        assert_eq!(fit_batch(&[], 10), 0);
        assert_eq!(fit_batch(&[100], 10), 1, "one oversized item is still offered");
        assert_eq!(fit_batch(&[3, 3, 3], 2 + 3 + 1 + 3), 2);
        assert_eq!(fit_batch(&[3, 3, 3], 2 + 3 + 1 + 3 + 1 + 3), 3);
    }
}
