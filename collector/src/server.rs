//! The HTTP side: routes, CORS, limits, rate limiting and the answers the storefront's
//! delivery policy (`linkshelf_core::delivery::classify`) expects:
//! 2xx done; 413 split the batch; 408/429/5xx retry (honouring Retry-After); any other
//! 4xx drop. So a batch with some bad events is still 200 (with a per-event result),
//! and only a body that is not a JSON array at all is 400.
//!
//! Every error is JSON of one shape, `{"error": "<what went wrong, for a person>"}`, the
//! framework's own answers included (413, 404, 405, 408, 400/415; see `json_errors`).
//! A 500 also carries `"id"`, the same id as the error line in the log, and never any
//! internal text (see [`panic_response`]).

use crate::config::Config;
use crate::credential::{self, Refused};
use crate::event::{self, EventResult, Status};
use crate::ship;
use crate::stats::{self, Query, Scope};
use crate::stats_source::{self, Source};
use crate::store::{self, StoreError, Write, Writer, Written};
use crate::webhook::{self, Delivery};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query as UrlQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

/// Events per request (the storefront's `COLLECTOR_MAX_EVENTS`).
pub const MAX_EVENTS: usize = 50;
/// Bytes per event request: a beacon's whole budget is 64 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Webhook bodies: a large Shopify order is still far below this.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// Longest an event or webhook request may take, reading its body included.
pub const REQUEST_TIMEOUT_SECS: u64 = 10;
/// Longest a stats request may take.
pub const STATS_TIMEOUT_SECS: u64 = 120;

#[derive(Clone)]
pub struct AppState {
    pub writer: Writer,
    pub config: Arc<Config>,
    origins: Arc<HashSet<String>>,
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    salt: Arc<Mutex<DailySalt>>,
    /// Where stats read from: ClickHouse when configured, else the SQLite file.
    source: Source,
    /// The ClickHouse shipper's state, when one runs (`/healthz`, the buffer budget).
    shipping: Option<Arc<ship::Status>>,
}

impl AppState {
    pub fn new(writer: Writer, config: Config) -> AppState {
        let limiter = NonZeroU32::new(config.rate_limit).map(|rate| {
            let burst = NonZeroU32::new(config.rate_burst).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
        });
        let source = match config.clickhouse() {
            Some(settings) => Source::clickhouse(crate::clickhouse::client(&settings)),
            None => Source::Sqlite(config.db.clone()),
        };
        AppState {
            writer,
            origins: Arc::new(config.allowed_origins.iter().cloned().collect()),
            config: Arc::new(config),
            limiter,
            salt: Arc::new(Mutex::new(DailySalt::default())),
            source,
            shipping: None,
        }
    }

    /// With the shipper's state: `/healthz` reports it and ingest keeps to its budget.
    pub fn with_shipping(mut self, status: Arc<ship::Status>) -> AppState {
        self.shipping = Some(status);
        self
    }

    /// Forgets idle clients of the rate limiter, so its memory stays bounded.
    /// Where stats and the report read from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn limiter(&self) -> Option<Arc<DefaultKeyedRateLimiter<IpAddr>>> {
        self.limiter.clone()
    }
}

pub fn router(state: AppState) -> Router {
    app(state, Router::new())
}

/// The collector's routes plus `extra` (tests add a route that panics, to prove a panic
/// is a logged, opaque 500), under the same error handling.
pub fn app(state: AppState, extra: Router<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            state.config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .allow_private_network(true)
        .max_age(Duration::from_secs(600));
    // A client that trickles its body must not hold a request (or a clean shutdown)
    // open: 408, which the storefront retries. Stats over many events take longer.
    let timeout = |secs| TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(secs));
    let events = Router::new()
        .route("/v1/events", post(ingest))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(timeout(REQUEST_TIMEOUT_SECS))
        .layer(cors);
    let webhooks = Router::new()
        .route("/v1/webhooks/stripe", post(stripe_webhook))
        .route("/v1/webhooks/shopify", post(shopify_webhook))
        .route("/v1/webhooks/lemonsqueezy", post(lemonsqueezy_webhook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
        .layer(timeout(REQUEST_TIMEOUT_SECS));
    let reads = Router::new()
        .route("/v1/stats", get(stats_json))
        .route("/v1/stats.csv", get(stats_csv))
        .route("/v1/report", get(report))
        .route("/healthz", get(healthz))
        .layer(timeout(STATS_TIMEOUT_SECS));
    Router::new()
        .merge(events)
        .merge(webhooks)
        .merge(reads)
        .merge(extra)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// A panic in a handler is a bug of ours: the request gets a 500 with an opaque id and
/// the log gets the panic's message under that id, at error level. The message never
/// goes to the client (it can hold internal detail), and the process keeps serving (the
/// `collector` profile unwinds; see the workspace `Cargo.toml`).
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    internal_error("a handler panicked", &message)
}

/// Logs `detail` under a new id and answers an opaque 500 naming only that id.
fn internal_error(what: &str, detail: &dyn std::fmt::Display) -> Response {
    let id = error_id();
    tracing::error!(%id, error = %detail, "{what}");
    let body =
        serde_json::json!({ "error": "internal error; the operator can find it in the log by its id", "id": id });
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// 16 hex digits, random (or the clock's nanoseconds if the OS has no randomness).
fn error_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::getrandom(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes = (nanos as u64).to_be_bytes();
    }
    hex::encode(bytes)
}

/// Gives every error answer the collector's one JSON shape. Ours already have it; the
/// ones axum and tower-http make themselves are plain text or empty (413 body too large,
/// 404 no such route, 405 wrong method, 408 timeout, 400/415 an unreadable query or
/// body), and their text is the framework's. Headers (CORS, Retry-After, Allow) are kept.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    // Ours are JSON, except the report's page for a range it cannot read, made for a
    // person (no layer answers in HTML).
    if content_type.is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html")) {
        return response;
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return internal_error("a plain 500 from a layer", &"no details");
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large",
        StatusCode::NOT_FOUND => "there is nothing at this address",
        StatusCode::METHOD_NOT_ALLOWED => "this address does not take this method",
        StatusCode::REQUEST_TIMEOUT => "the request took too long; send it again",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "the request's content type is not one this address reads",
        StatusCode::TOO_MANY_REQUESTS => "too many requests from this client; slow down",
        StatusCode::SERVICE_UNAVAILABLE => "the collector cannot answer now; try again",
        s if s.is_server_error() => "the collector could not answer; try again",
        _ => "the request is not one this address can read",
    };
    let (mut parts, _) = response.into_parts();
    let body = serde_json::json!({ "error": message }).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, Body::from(body))
}

/// One log line per request: method, path (never the query, which may hold the read
/// token), status and time. Bodies are never logged.
async fn log_request(request: Request, next: Next) -> Response {
    let (method, path, started) = (request.method().clone(), request.uri().path().to_owned(), Instant::now());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, %path, status, ms, "request");
    } else {
        tracing::debug!(%method, %path, status, ms, "request");
    }
    response
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(serde_json::json!({ "error": message.into() })))
        .into_response()
}

/// A failure the sender should retry soon: the storefront retries 503 with Retry-After.
fn unavailable(e: StoreError) -> Response {
    tracing::error!(error = %e, "write failed");
    let mut response = error(StatusCode::SERVICE_UNAVAILABLE, "could not store the request; try again");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    response
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

// ---- Ingest ----

#[derive(Serialize)]
struct IngestAnswer {
    results: Vec<EventResult>,
    accepted: usize,
    duplicates: usize,
    rejected: usize,
}

async fn ingest(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin.to_str().is_ok_and(|o| s.origins.contains(o));
        if !allowed {
            return error(StatusCode::FORBIDDEN, "this origin may not send events here (see --allowed-origins)");
        }
    }
    let ip = client_ip(&headers, peer, s.config.trust_forwarded_for);
    if let Some(limiter) = &s.limiter {
        if let Err(not_until) = limiter.check_key(&ip) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(limiter.clock()));
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "too many requests from this client; slow down");
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            return response;
        }
    }
    // The outbox for ClickHouse is at its budget: the storefront keeps these events in
    // its own outbox and retries after Retry-After, so refusing loses nothing, where
    // taking them could fill the disk.
    if s.shipping.as_ref().is_some_and(|status| status.over_budget()) {
        let mut response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector is holding too many events for ClickHouse; try again later",
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return response;
    }
    let batch: Vec<&RawValue> = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("the body must be a JSON array of events: {e}")),
    };
    if batch.len() > MAX_EVENTS {
        return error(StatusCode::PAYLOAD_TOO_LARGE, format!("at most {MAX_EVENTS} events per request"));
    }
    let received_at = now_ms();
    let mut results = Vec::with_capacity(batch.len());
    let mut valid = Vec::with_capacity(batch.len());
    let mut slots = Vec::with_capacity(batch.len());
    for raw in batch {
        match event::parse(raw.get(), received_at) {
            Ok(e) => {
                slots.push(results.len());
                results.push(EventResult {
                    event_id: Some(e.event_id.clone()),
                    status: Status::Accepted,
                    reason: None,
                });
                valid.push(e);
            }
            Err((event_id, why)) => {
                tracing::info!(reason = %why, "event rejected");
                results.push(EventResult { event_id, status: Status::Rejected, reason: Some(why.to_string()) });
            }
        }
    }
    if !valid.is_empty() {
        let client = s.salt.lock().map(|mut salt| salt.hash(ip, received_at)).ok();
        match s.writer.write(Write::Events { events: valid, client }).await {
            Ok(Written::Events(statuses)) => {
                for (slot, status) in slots.into_iter().zip(statuses) {
                    if status == Status::Duplicate {
                        results[slot].status = Status::Duplicate;
                        results[slot].reason = Some("already recorded".into());
                    }
                }
            }
            Ok(
                Written::Recorded(_)
                | Written::Purged(_)
                | Written::Rolled(_)
                | Written::Picked(_)
                | Written::OrdersRolled(_),
            ) => return unavailable(StoreError::Stopped),
            Err(e) => return unavailable(e),
        }
    }
    let count = |status| results.iter().filter(|r| r.status == status).count();
    let answer = IngestAnswer {
        accepted: count(Status::Accepted),
        duplicates: count(Status::Duplicate),
        rejected: count(Status::Rejected),
        results,
    };
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response()
}

/// The address rate limiting and the daily hash are keyed by. An IPv6 client is its
/// /64: one household or phone gets a whole /64 and may rotate addresses inside it.
fn client_ip(headers: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> IpAddr {
    let mut ip = peer.ip();
    if trust_forwarded_for {
        let forwarded = headers
            .get_all(HeaderName::from_static("x-forwarded-for"))
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back();
        if let Some(found) = forwarded.and_then(|v| v.rsplit(',').next()).and_then(|ip| ip.trim().parse().ok()) {
            ip = found;
        }
    }
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

/// A random salt per UTC day, kept only in memory: today's events from one address
/// share a hash (enough to count visitors), yet nobody, the operator included, can turn
/// a stored hash back into an address or link two days. A restart starts a new salt.
#[derive(Default)]
pub struct DailySalt {
    day: i64,
    salt: Option<[u8; 32]>,
}

impl DailySalt {
    /// The first 16 hex digits of sha256(salt ‖ address); `now` in Unix milliseconds.
    pub fn hash(&mut self, ip: IpAddr, now: i64) -> String {
        let day = now.div_euclid(86_400_000);
        if self.day != day || self.salt.is_none() {
            let mut salt = [0u8; 32];
            // Without OS randomness, hash nothing rather than something guessable.
            self.salt = getrandom::getrandom(&mut salt).ok().map(|()| salt);
            self.day = day;
        }
        let Some(salt) = self.salt else {
            return String::new();
        };
        let mut h = Sha256::new();
        h.update(salt);
        h.update(ip.to_string().as_bytes());
        hex::encode(&h.finalize()[..8])
    }
}

// ---- Webhooks ----

/// Answers 404 when a provider is not configured and 401 when its signature check
/// fails (logging why, never the body); `Ok` with the secret otherwise.
// The error is the answer itself, built once per refused request: not worth a Box.
#[allow(clippy::result_large_err)]
fn signed<'a>(
    provider: &str,
    secret: &'a Option<String>,
    verify: impl FnOnce(&str) -> Result<(), webhook::SignatureError>,
) -> Result<&'a str, Response> {
    let Some(secret) = secret else {
        let flag = format!("--{provider}-webhook-secret");
        return Err(error(StatusCode::NOT_FOUND, format!("the {provider} webhook is not configured ({flag})")));
    };
    verify(secret).map(|()| secret.as_str()).map_err(|e| {
        tracing::warn!(provider, reason = %e, "webhook refused");
        error(StatusCode::UNAUTHORIZED, e.to_string())
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn stripe_webhook(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let now = now_ms();
    let check = |secret: &str| {
        let tolerance = webhook::STRIPE_TOLERANCE_SECS;
        webhook::verify_stripe(header(&headers, "stripe-signature"), &body, secret, now / 1000, tolerance)
    };
    if let Err(refused) = signed("stripe", &s.config.stripe_webhook_secret, check) {
        return refused;
    }
    record(&s, "stripe", webhook::stripe(&body, now)).await
}

async fn shopify_webhook(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let check = |secret: &str| webhook::verify_shopify(header(&headers, "x-shopify-hmac-sha256"), &body, secret);
    if let Err(refused) = signed("shopify", &s.config.shopify_webhook_secret, check) {
        return refused;
    }
    let topic = header(&headers, "x-shopify-topic").unwrap_or("");
    record(&s, "shopify", webhook::shopify(topic, &body, now_ms())).await
}

async fn lemonsqueezy_webhook(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let check = |secret: &str| webhook::verify_lemonsqueezy(header(&headers, "x-signature"), &body, secret);
    if let Err(refused) = signed("lemonsqueezy", &s.config.lemonsqueezy_webhook_secret, check) {
        return refused;
    }
    record(&s, "lemonsqueezy", webhook::lemonsqueezy(&body, now_ms())).await
}

/// Stores a verified delivery.
///
/// **A signed delivery with an impossible amount** (an order total or refund outside
/// `0..=MAX_AMOUNT_MINOR`, a refund of zero or less) is answered **200** with
/// `{"status": "rejected", "reason": …}`, stored nowhere, and logged at error level.
/// Why not a 4xx: the signature proves the provider sent it, so it is not a client to
/// correct, and a retry carries the same amount. Stripe retries a non-2xx for up to three
/// days and then disables the endpoint; Shopify retries for 48 hours and then deletes the
/// webhook subscription: every later, valid order would be lost to a delivery that can
/// never succeed. The error log line (provider, reason, never the body) is how the
/// operator learns of it. A body we cannot *read* stays a 400: that one a collector
/// update can fix, and the provider's retries then deliver it.
async fn record(s: &AppState, provider: &str, delivery: Result<Delivery, webhook::PayloadError>) -> Response {
    let write = match delivery {
        Ok(Delivery::Order(o)) => Write::Order(o),
        Ok(Delivery::Refund(r)) => Write::Refund(r),
        Ok(Delivery::Ignored(kind)) => {
            return Json(serde_json::json!({ "status": "ignored", "type": kind })).into_response()
        }
        Err(e) if e.is_impossible_amount() => {
            tracing::error!(provider, reason = %e, "signed webhook rejected: impossible amount (answered 200)");
            return Json(serde_json::json!({ "status": "rejected", "reason": e.to_string() })).into_response();
        }
        Err(e) => {
            tracing::warn!(provider, reason = %e, "webhook unreadable");
            return error(StatusCode::BAD_REQUEST, e.to_string());
        }
    };
    match s.writer.write(write).await {
        Ok(Written::Recorded(new)) => {
            tracing::info!(provider, new, "webhook recorded");
            Json(serde_json::json!({ "status": if new { "recorded" } else { "duplicate" } })).into_response()
        }
        Ok(
            Written::Events(_)
            | Written::Purged(_)
            | Written::Rolled(_)
            | Written::Picked(_)
            | Written::OrdersRolled(_),
        ) => unavailable(StoreError::Stopped),
        Err(e) => unavailable(e),
    }
}

// ---- Stats ----

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize)]
struct StatsParams {
    from: Option<String>,
    to: Option<String>,
    creator: Option<String>,
    affiliate: Option<String>,
    token: Option<String>,
    format: Option<String>,
    /// One table of the report as CSV (`stats::TABLES`); the whole file without it.
    table: Option<String>,
}

/// Who reads the stats, by the token they gave.
#[derive(Debug, PartialEq, Eq)]
enum Reader {
    /// The read token: everything.
    Brand,
    /// An affiliate's report link (see `credential`): their own figures only.
    Affiliate(String),
}

/// Who `given` (the bearer token or `?token=`) is, or the answer refusing it: 404 when
/// stats are off, 401 for anything but the read token or a genuine, unexpired affiliate
/// credential. The read token is compared by digest (timing independent of the token),
/// an affiliate credential by its MAC in constant time.
// The error is the answer itself, built once per refused request: not worth a Box.
#[allow(clippy::result_large_err)]
fn reader(config: &Config, given: &str, now_ms: i64) -> Result<Reader, Response> {
    let (read_token, secret) = (config.read_token.as_deref(), config.report_secret.as_deref());
    if read_token.is_none() && secret.is_none() {
        return Err(error(
            StatusCode::NOT_FOUND,
            "stats are off: start the collector with --read-token (and --report-secret for affiliates' links)",
        ));
    }
    if read_token.is_some_and(|t| Sha256::digest(given.as_bytes()) == Sha256::digest(t.as_bytes())) {
        return Ok(Reader::Brand);
    }
    if let Some(secret) = secret.filter(|_| given.starts_with(credential::PREFIX)) {
        match credential::verify(secret.as_bytes(), given, now_ms.div_euclid(1000)) {
            Ok(handle) => return Ok(Reader::Affiliate(handle)),
            // Only a genuine link gets here (the MAC is checked first): tell its owner why.
            Err(expired @ Refused::Expired(_)) => return Err(error(StatusCode::UNAUTHORIZED, expired.to_string())),
            Err(refused) => tracing::info!(reason = %refused, "affiliate report link refused"),
        }
    }
    Err(error(
        StatusCode::UNAUTHORIZED,
        "a valid read token or affiliate report link is required (Authorization: Bearer … or ?token=)",
    ))
}

/// Whose figures a reader gets. An affiliate's link fixes its scope: `affiliate=` and
/// `creator=` are refused with 403 (even naming the link's own handle), so no edit of
/// the link can show, or probe, anything else. The brand may narrow to one affiliate.
#[allow(clippy::result_large_err)]
fn scope(reader: Reader, affiliate: Option<String>, creator: &Option<String>) -> Result<Scope, Response> {
    match reader {
        Reader::Affiliate(handle) => {
            if affiliate.is_some() || creator.is_some() {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "this report link shows one affiliate's own figures: it does not take affiliate= or creator=",
                ));
            }
            Ok(Scope::Affiliate(handle))
        }
        Reader::Brand => match affiliate.filter(|a| !a.is_empty()) {
            Some(a) if !linkshelf_core::limits::is_handle(&a) => Err(error(
                StatusCode::BAD_REQUEST,
                "affiliate: an affiliate handle, lowercase letters, digits, '.', '_' or '-' (as in the brand's config)",
            )),
            affiliate => Ok(Scope::Brand { affiliate }),
        },
    }
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Csv,
    Html,
}

async fn stats_json(s: State<AppState>, h: HeaderMap, p: UrlQuery<StatsParams>) -> Response {
    let format = if p.format.as_deref() == Some("csv") { Format::Csv } else { Format::Json };
    stats_as(s, h, p, format).await
}

async fn stats_csv(s: State<AppState>, h: HeaderMap, p: UrlQuery<StatsParams>) -> Response {
    stats_as(s, h, p, Format::Csv).await
}

async fn report(s: State<AppState>, h: HeaderMap, p: UrlQuery<StatsParams>) -> Response {
    stats_as(s, h, p, Format::Html).await
}

async fn stats_as(
    State(s): State<AppState>,
    headers: HeaderMap,
    UrlQuery(p): UrlQuery<StatsParams>,
    format: Format,
) -> Response {
    let now = now_ms();
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let given = bearer.or(p.token.as_deref()).unwrap_or("");
    let reader = match reader(&s.config, given, now) {
        Ok(reader) => reader,
        Err(refused) => return refused,
    };
    let scope = match scope(reader, p.affiliate.clone(), &p.creator) {
        Ok(scope) => scope,
        Err(refused) => return refused,
    };
    // The credential goes on in the report's form and links only when it came in the
    // URL, and only the one that authorised (a header wins over `?token=`).
    let page = stats::Page { token: if bearer.is_none() { p.token.clone() } else { None }, now };
    let refuse = |message: &str| match format {
        Format::Html => {
            let filters = stats::Filters { affiliate: p.affiliate.as_deref(), creator: p.creator.as_deref() };
            let form = |v: &Option<String>| v.clone().unwrap_or_default();
            let html = stats::range_error(message, &page, filters, &form(&p.from), &form(&p.to));
            (
                StatusCode::BAD_REQUEST,
                [(header::CACHE_CONTROL, "no-store"), (header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response()
        }
        Format::Json | Format::Csv => error(StatusCode::BAD_REQUEST, message),
    };
    // By default the last 30 UTC days, today included (the report's "Last 30 days"):
    // whole days, which stats read from their daily rollup.
    let to = match p.to.as_deref().map(|t| parse_time(t, true)) {
        None => end_of_utc_day(now),
        Some(Some(t)) => t,
        Some(None) => return refuse("to: use YYYY-MM-DD, an RFC 3339 time or Unix milliseconds"),
    };
    let from = match p.from.as_deref().map(|t| parse_time(t, false)) {
        None => to.saturating_sub(DEFAULT_REPORT_DAYS * DAY_MS),
        Some(Some(t)) => t,
        Some(None) => return refuse("from: use YYYY-MM-DD, an RFC 3339 time or Unix milliseconds"),
    };
    if from >= to {
        return refuse("from must be before to (dates are UTC days, both included: from=2026-11-01&to=2026-11-30)");
    }
    let table = match (format, p.table.as_deref()) {
        (Format::Csv, Some(t)) if !stats::TABLES.contains(&t) => {
            return refuse(&format!("table: one of {}", stats::TABLES.join(", ")))
        }
        (Format::Csv, table) => table.map(str::to_owned),
        _ => None,
    };
    let query = Query { from, to, creator: p.creator.filter(|c| !c.is_empty()), scope };
    let window = s.config.window_ms();
    let default_creator = s.config.default_creator.clone();
    let stats = match stats_source::load(&s.source, query, window, default_creator).await {
        Ok(stats) => stats,
        Err(stats_source::SourceError::Join(e)) => return internal_error("stats failed", &e),
        Err(e) => {
            tracing::error!(error = %e, "stats failed");
            let mut response = error(StatusCode::SERVICE_UNAVAILABLE, "the stats cannot be read now; try again");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return response;
        }
    };
    let no_store = (header::CACHE_CONTROL, "no-store");
    match format {
        Format::Json => ([no_store], Json(stats)).into_response(),
        Format::Csv => {
            match table.as_deref().and_then(|t| stats::table_csv(&stats, t)).unwrap_or_else(|| stats::to_csv(&stats)) {
                Ok(csv) => ([no_store, (header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response(),
                Err(e) => internal_error("CSV failed", &e),
            }
        }
        Format::Html => ([no_store, (header::CONTENT_TYPE, "text/html; charset=utf-8")], stats::to_page(&stats, &page))
            .into_response(),
    }
}

/// The days a report covers when it is not given `from`: the report's "Last 30 days".
pub const DEFAULT_REPORT_DAYS: i64 = 30;

/// The end of `now`'s UTC day (Unix ms): a report's `to` when it is not given one.
pub fn end_of_utc_day(now: i64) -> i64 {
    (now.div_euclid(DAY_MS) + 1).saturating_mul(DAY_MS)
}

/// `YYYY-MM-DD` (UTC; as `to`, the end of that day), an RFC 3339 time, or Unix ms.
pub fn parse_time(text: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        let date = if end_of_day { date.tomorrow().ok()? } else { date };
        return date.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp().as_millisecond());
    }
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

async fn healthz(State(s): State<AppState>) -> Response {
    let db = s.config.db.clone();
    let ok = tokio::task::spawn_blocking(move || {
        store::open_reader(&db).and_then(|c| Ok(c.query_row("SELECT count(*) FROM orders", [], |_| Ok(()))?))
    })
    .await
    .is_ok_and(|r| r.is_ok());
    if ok {
        match &s.shipping {
            Some(status) => Json(serde_json::json!({ "status": "ok", "clickhouse": status.report() })).into_response(),
            None => Json(serde_json::json!({ "status": "ok" })).into_response(),
        }
    } else {
        error(StatusCode::SERVICE_UNAVAILABLE, "the database cannot be read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stats_times() {
        assert_eq!(parse_time("2026-11-22", false), Some(1_795_305_600_000));
        assert_eq!(parse_time("2026-11-22", true), Some(1_795_392_000_000));
        assert_eq!(parse_time("2026-11-22T10:00:00Z", false), Some(1_795_341_600_000));
        assert_eq!(parse_time("1795341600000", false), Some(1_795_341_600_000));
        assert_eq!(parse_time("yesterday", false), None);
    }

    #[test]
    fn the_client_hash_is_stable_within_a_day_only() {
        let mut salt = DailySalt::default();
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let day = 1_795_305_600_000;
        let a = salt.hash(ip, day + 1);
        assert_eq!(a.len(), 16);
        assert_eq!(salt.hash(ip, day + 86_399_999), a);
        assert_ne!(salt.hash("203.0.113.8".parse().expect("ip"), day + 5), a);
        assert_ne!(salt.hash(ip, day + 86_400_000), a, "a new day, a new salt");
        // Hex digits only, so the address (with its dots) is not in it; "203" could be,
        // by chance, in one run of 300.
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1, 198.51.100.2"));
        let peer: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        assert_eq!(client_ip(&h, peer, false), peer.ip());
        assert_eq!(client_ip(&h, peer, true).to_string(), "198.51.100.2");
        let v6: SocketAddr = "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:5000".parse().expect("addr");
        assert_eq!(client_ip(&h, v6, false).to_string(), "2001:db8:1:2::");
        let mapped: SocketAddr = "[::ffff:203.0.113.9]:5000".parse().expect("addr");
        assert_eq!(client_ip(&h, mapped, false).to_string(), "203.0.113.9");
    }
}
