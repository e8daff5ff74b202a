//! The few browser APIs the app uses, behind plain functions.
//!
//! Components call these only from effects and event handlers, never while rendering,
//! so the same components render natively (tests now, prerendering later). Native
//! builds get the non-browser answers: no locale yet, no clipboard.

use linkshelf_core::in_app::{Escape, InAppBrowser};
use linkshelf_core::locale::Plural;
use linkshelf_core::model::Storefront;
use linkshelf_core::money::Money;
use std::fmt;

/// Why the storefront data embedded in the page could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum DataError {
    /// The page has no `<script id="linkshelf-data">`: it was not built by
    /// `linkshelf bake`, or the element was removed.
    Missing,
    /// The element is there but does not hold a storefront.
    Unreadable(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Missing => write!(f, "the page has no storefront data"),
            DataError::Unreadable(why) => write!(f, "the storefront data could not be read: {why}"),
        }
    }
}

/// The shopper's own browser: its locale and time zone, and the app whose built-in
/// browser it is (if any), known once the page runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ShopperBrowser {
    pub locale: String,
    pub time_zone: String,
    pub in_app: InAppBrowser,
    /// The way out of that app's browser, when one is known to work there.
    pub escape: Option<Escape>,
}

/// Another page of the site, fetched to be shown in place of this one.
pub struct FetchedPage {
    /// The page's path, as its app element names it (`data-route`).
    pub route: String,
    /// The HTML inside its app element.
    pub html: String,
    /// Its embedded data.
    pub data: String,
    pub title: String,
    /// The links to the page in each language (`LANGUAGES_ELEMENT_ID`), if the site
    /// has more than one.
    pub languages: Option<String>,
}

/// Why a file of the site could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The host answered 404 or 410: the file is not in the site (any more).
    Gone,
    /// Offline, blocked, or another answer: it may be there next time.
    Unreachable,
}

/// Which Web Storage area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// Survives reloads and new visits: the outbox.
    Local,
    /// Lasts for the tab: the visit's attribution.
    Session,
    /// Lasts while the shopper stays on the site (pages change in place): the cart
    /// under strict privacy, which may not touch the device.
    Memory,
}

/// How a date-time is written: with the weekday and date, or only the clock time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateStyle {
    DateAndTime,
    TimeOnly,
    /// Only the calendar day, for telling whether two instants share one.
    Day,
    /// "24 Dec": a deadline as a person names it.
    DayMonth,
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn read_embedded_data() -> Result<Storefront, DataError> {
        let window = web_sys::window().ok_or(DataError::Missing)?;
        let element = window
            .document()
            .and_then(|d| d.get_element_by_id(linkshelf_core::model::DATA_ELEMENT_ID))
            .ok_or(DataError::Missing)?;
        let text = element.text_content().unwrap_or_default();
        let bytes = linkshelf_core::embed::from_text(&text);
        linkshelf_core::embed::decode(&bytes).map_err(|e| DataError::Unreadable(e.to_string()))
    }

    pub fn now() -> i64 {
        js_sys::Date::now() as i64
    }

    /// The element holding the page written at build time, and the path of the page
    /// it is (`data-route`), when there is one.
    pub fn prerendered_page() -> Option<(web_sys::HtmlElement, String)> {
        let document = web_sys::window()?.document()?;
        // The early-tap script (`build::early`) already reported this page and a tap
        // that is taking the shopper elsewhere: taking it over now would count it twice.
        if document.document_element()?.has_attribute("data-early-tap") {
            return None;
        }
        let element = document.get_element_by_id(linkshelf_core::model::APP_ELEMENT_ID)?;
        let path = element.get_attribute("data-route")?;
        Some((element.dyn_into().ok()?, path))
    }

    fn options(pairs: &[(&str, &str)]) -> Object {
        let object = Object::new();
        for (key, value) in pairs {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        object
    }

    fn locales(locale: &str) -> Array {
        Array::of1(&JsValue::from_str(locale))
    }

    pub fn shopper_browser() -> Option<ShopperBrowser> {
        let format = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
        let resolved = format.resolved_options();
        let get = |key: &str| Reflect::get(&resolved, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
        let agent = user_agent();
        let in_app = InAppBrowser::detect(&agent);
        let escape = Escape::for_app(in_app, linkshelf_core::in_app::System::detect(&agent));
        Some(ShopperBrowser { locale: get("locale")?, time_zone: get("timeZone")?, in_app, escape })
    }

    /// `Intl.NumberFormat` given the exact decimal string, so no float rounding.
    pub fn format_money(money: &Money, locale: &str) -> Option<String> {
        let exponent = money.currency.exponent().to_string();
        let opts = options(&[
            ("style", "currency"),
            ("currency", money.currency.code()),
            (
                "minimumFractionDigits",
                if money.minor % 10_i64.pow(money.currency.exponent()) == 0 { "0" } else { &exponent },
            ),
            ("maximumFractionDigits", &exponent),
        ]);
        let format = js_sys::Intl::NumberFormat::new(&locales(locale), &opts);
        let function: Function = format.format();
        function
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(&money.decimal_string()))
            .ok()
            .and_then(|v| v.as_string())
    }

    /// `n`'s CLDR plural category in the page's language, from `Intl.PluralRules` (the
    /// browser's own CLDR data: no rules in the bundle).
    pub fn plural(language: &str, n: u64) -> Plural {
        let rules = js_sys::Intl::PluralRules::new(&locales(language), &Object::new());
        rules.select(n as f64).as_string().map_or(Plural::Other, |name| Plural::from_name(&name))
    }

    pub fn format_datetime(at: i64, time_zone: &str, locale: &str, style: DateStyle) -> Option<String> {
        let mut pairs = vec![("timeZone", time_zone)];
        match style {
            DateStyle::Day => pairs.extend([("year", "numeric"), ("month", "2-digit"), ("day", "2-digit")]),
            DateStyle::TimeOnly => pairs.extend([("hour", "numeric"), ("minute", "2-digit")]),
            DateStyle::DayMonth => pairs.extend([("day", "numeric"), ("month", "short")]),
            DateStyle::DateAndTime => pairs.extend([
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("hour", "numeric"),
                ("minute", "2-digit"),
            ]),
        }
        let format = js_sys::Intl::DateTimeFormat::new(&locales(locale), &options(&pairs));
        let function: Function = format.format();
        let date = js_sys::Date::new(&JsValue::from_f64(at as f64));
        function.call1(&JsValue::UNDEFINED, &date).ok().and_then(|v| v.as_string())
    }

    /// Copies with the early script's `copyText` (the Clipboard API, else a selected
    /// textarea where an in-app browser denies it): one way to copy for the page, in
    /// JavaScript, which costs less than the same bindings in the WASM.
    pub async fn copy_text(text: String) -> bool {
        let Ok(promise) = early::copy(&text) else { return false };
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok_and(|done| done.is_truthy())
    }

    /// Draws the in-app bars with the early script's `inApp` (`ui::in_app` writes what
    /// they say; `early-taps.js` says how the lines are read). Marks the page
    /// `html[data-in-app]`, which hides the links an in-app browser cannot follow
    /// (calendar downloads: style/main.css).
    pub fn draw_in_app_bars(lines: &str) {
        let _ = early::in_app(lines);
    }

    /// The early-tap script's functions (`src/build/early-taps.js`), which every page
    /// carries. `catch`: a page without it (edited by hand) copies nothing and shows no
    /// bar, and the app goes on.
    mod early {
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen(js_namespace = linkshelfEarly)]
        extern "C" {
            #[wasm_bindgen(catch)]
            pub fn copy(text: &str) -> Result<js_sys::Promise, JsValue>;
            #[wasm_bindgen(catch, js_name = inApp)]
            pub fn in_app(lines: &str) -> Result<(), JsValue>;
        }
    }

    pub fn current_path() -> String {
        web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
    }

    /// Client-side navigation: same-origin clicks on links to a storefront page
    /// (`is_page(path)`) update the history and call `on_change` instead of loading a
    /// new document; back and forward call it too. Links that open elsewhere (other
    /// origins, `target`, `download`, modifier keys, files like `.ics`) are left to the
    /// browser untouched.
    pub fn listen_navigation(is_page: impl Fn(&str) -> bool + 'static, on_change: impl Fn(String) + 'static) {
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else { return };
        let on_change = std::rc::Rc::new(on_change);
        let on_pop = {
            let on_change = on_change.clone();
            Closure::<dyn Fn()>::new(move || on_change(current_path()))
        };
        let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget();
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event: web_sys::MouseEvent| {
            if event.default_prevented()
                || event.button() != 0
                || event.meta_key()
                || event.ctrl_key()
                || event.shift_key()
                || event.alt_key()
            {
                return;
            }
            let Some(anchor) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
            else {
                return;
            };
            if anchor.has_attribute("download") || anchor.get_attribute("target").is_some_and(|t| t != "_self") {
                return;
            }
            let Some(window) = web_sys::window() else { return };
            let location = window.location();
            let (Ok(origin), Some(href)) = (location.origin(), anchor.get_attribute("href")) else { return };
            let Ok(url) = web_sys::Url::new_with_base(&href, &location.href().unwrap_or_default()) else { return };
            if url.origin() != origin || !is_page(&url.pathname()) {
                return;
            }
            event.prevent_default();
            if let Ok(history) = window.history() {
                let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&url.href()));
            }
            window.scroll_to_with_x_and_y(0.0, 0.0);
            on_change(url.pathname());
        });
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        }
        on_click.forget();
    }

    /// Fetches another page of the site, to show it in place of this one: `None`
    /// when it cannot be had (offline, or a missing page, which the host answers with
    /// 404: the browser then loads it itself).
    pub async fn fetch_page(path: &str) -> Option<FetchedPage> {
        use linkshelf_core::model::{APP_ELEMENT_ID, DATA_ELEMENT_ID, LANGUAGES_ELEMENT_ID};
        use wasm_bindgen_futures::JsFuture;
        let response: web_sys::Response =
            JsFuture::from(web_sys::window()?.fetch_with_str(path)).await.ok()?.dyn_into().ok()?;
        if !response.ok() {
            return None;
        }
        let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
        let page = web_sys::DomParser::new().ok()?.parse_from_string(&text, web_sys::SupportedType::TextHtml).ok()?;
        let app = page.get_element_by_id(APP_ELEMENT_ID)?;
        Some(FetchedPage {
            route: app.get_attribute("data-route")?,
            html: app.inner_html(),
            data: page.get_element_by_id(DATA_ELEMENT_ID)?.text_content()?,
            title: page.title(),
            languages: page.get_element_by_id(LANGUAGES_ELEMENT_ID).map(|e| e.inner_html()),
        })
    }

    /// Fetches files of the site as text, all at once (each request starts before
    /// the first answer is awaited), answering in the order asked.
    pub async fn fetch_texts(paths: &[String]) -> Vec<Result<String, FetchError>> {
        use wasm_bindgen_futures::JsFuture;
        let Some(window) = web_sys::window() else { return vec![Err(FetchError::Unreachable); paths.len()] };
        let started: Vec<JsFuture> = paths.iter().map(|p| JsFuture::from(window.fetch_with_str(p))).collect();
        let mut texts = Vec::with_capacity(paths.len());
        for request in started {
            texts.push(read_text(request).await);
        }
        texts
    }

    async fn read_text(request: wasm_bindgen_futures::JsFuture) -> Result<String, FetchError> {
        let response: web_sys::Response =
            request.await.ok().and_then(|r| r.dyn_into().ok()).ok_or(FetchError::Unreachable)?;
        match response.status() {
            404 | 410 => return Err(FetchError::Gone),
            _ if !response.ok() => return Err(FetchError::Unreachable),
            _ => {}
        }
        let text = response.text().map_err(|_| FetchError::Unreachable)?;
        wasm_bindgen_futures::JsFuture::from(text).await.ok().and_then(|t| t.as_string()).ok_or(FetchError::Unreachable)
    }

    /// Puts a fetched page in place of this one: its HTML, its data and its title.
    pub fn show_page(root: &web_sys::HtmlElement, page: &FetchedPage) {
        root.set_inner_html(&page.html);
        let _ = root.set_attribute("data-route", &page.route);
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(data) = document.get_element_by_id(linkshelf_core::model::DATA_ELEMENT_ID) {
                data.set_text_content(Some(&page.data));
            }
            let links = document.get_element_by_id(linkshelf_core::model::LANGUAGES_ELEMENT_ID);
            if let (Some(links), Some(html)) = (links, &page.languages) {
                links.set_inner_html(html);
            }
            document.set_title(&page.title);
        }
    }

    /// Loads `path` as a new document.
    pub fn load(path: &str) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(path);
        }
    }

    /// After a client-side page change, puts keyboard and screen-reader focus on the
    /// new page's heading, as a full page load would.
    pub fn focus_heading() {
        let heading = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("main h1").ok().flatten())
            .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(heading) = heading {
            let _ = heading.set_attribute("tabindex", "-1");
            let _ = heading.focus();
        }
    }

    // --- Tracking: randomness, storage, privacy signals, delivery, lifecycle ---

    pub fn random_bytes<const N: usize>() -> [u8; N] {
        let mut bytes = [0u8; N];
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
        if !filled {
            for b in bytes.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
        bytes
    }

    pub fn random_unit() -> f64 {
        js_sys::Math::random()
    }

    fn storage(kind: StorageKind) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        // Reading the property itself throws a SecurityError where storage is blocked.
        match kind {
            StorageKind::Local => window.local_storage().ok().flatten(),
            StorageKind::Session => window.session_storage().ok().flatten(),
            StorageKind::Memory => None,
        }
    }

    thread_local! {
        /// [`StorageKind::Memory`]: gone when the shopper leaves the site.
        static MEMORY: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    pub fn storage_get(kind: StorageKind, key: &str) -> Option<String> {
        if kind == StorageKind::Memory {
            return MEMORY.with(|m| m.borrow().iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
        }
        storage(kind)?.get_item(key).ok().flatten()
    }

    /// False when storage is blocked or full; the caller keeps the data in memory.
    pub fn storage_set(kind: StorageKind, key: &str, value: &str) -> bool {
        if kind == StorageKind::Memory {
            storage_remove(kind, key);
            MEMORY.with(|m| m.borrow_mut().push((key.to_owned(), value.to_owned())));
            return true;
        }
        storage(kind).is_some_and(|s| s.set_item(key, value).is_ok())
    }

    pub fn storage_remove(kind: StorageKind, key: &str) {
        if kind == StorageKind::Memory {
            return MEMORY.with(|m| m.borrow_mut().retain(|(k, _)| k != key));
        }
        if let Some(s) = storage(kind) {
            let _ = s.remove_item(key);
        }
    }

    /// Global Privacy Control or Do Not Track is on.
    pub fn privacy_signal() -> bool {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return false };
        let gpc = Reflect::get(&navigator, &JsValue::from_str("globalPrivacyControl"))
            .map(|v| v.is_truthy())
            .unwrap_or(false);
        let dnt = Reflect::get(&navigator, &JsValue::from_str("doNotTrack"))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|v| v == "1" || v == "yes");
        gpc || dnt
    }

    pub fn user_agent() -> String {
        web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default()
    }

    /// The landing URL's query string and the document's referrer.
    pub fn landing() -> (String, String) {
        let window = web_sys::window();
        let search = window.as_ref().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let referrer = window.and_then(|w| w.document()).map(|d| d.referrer()).unwrap_or_default();
        (search, referrer)
    }

    pub fn origin() -> String {
        web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
    }

    /// POSTs a text/plain body (no CORS preflight). `keepalive` lets the request
    /// outlive the page; it is aborted after `timeout_ms`. Returns the status and any
    /// Retry-After, or `None` for a network error (offline, blocked, timed out).
    pub async fn post(url: &str, body: &str, keepalive: bool, timeout_ms: u32) -> Option<(u16, Option<String>)> {
        let window = web_sys::window()?;
        let controller = web_sys::AbortController::new().ok();
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
        // web-sys has no setter for `keepalive`; it is a plain RequestInit member.
        let _ = Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::from_bool(keepalive));
        init.set_credentials(web_sys::RequestCredentials::Omit);
        if let Some(c) = &controller {
            init.set_signal(Some(&c.signal()));
        }
        // A string body is sent as text/plain;charset=UTF-8 by default: a CORS
        // "simple" request, no preflight.
        let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
        if let Some(c) = controller {
            // Aborting a request that has already finished does nothing.
            leptos::prelude::set_timeout(move || c.abort(), std::time::Duration::from_millis(timeout_ms.into()));
        }
        let result = wasm_bindgen_futures::JsFuture::from(window.fetch_with_request(&request)).await;
        let response: web_sys::Response = result.ok()?.dyn_into().ok()?;
        let retry_after = response.headers().get("Retry-After").ok().flatten();
        let status = response.status();
        // Read the (small) answer to the end: until then Chrome counts a keepalive
        // request's body against the page's 64 KiB keepalive budget, and later
        // keepalive requests fail with "Failed to fetch".
        if let Ok(text) = response.text() {
            let _ = wasm_bindgen_futures::JsFuture::from(text).await;
        }
        Some((status, retry_after))
    }

    /// Hands a body to the browser to send after the page is gone. `false` when the
    /// browser refused it (over its 64 KiB budget, or no beacon support).
    pub fn send_beacon(url: &str, body: &str) -> bool {
        web_sys::window().is_some_and(|w| w.navigator().send_beacon_with_opt_str(url, Some(body)).unwrap_or(false))
    }

    /// Calls `on_leave` when the page is hidden or being unloaded (iOS never fires
    /// `unload`), and `on_online` when the network comes back.
    pub fn on_lifecycle(on_leave: impl Fn() + 'static, on_online: impl Fn() + 'static) {
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else { return };
        let on_leave = std::rc::Rc::new(on_leave);
        let hidden = {
            let on_leave = on_leave.clone();
            Closure::<dyn Fn()>::new(move || {
                let is_hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
                if is_hidden {
                    on_leave();
                }
            })
        };
        let pagehide = Closure::<dyn Fn()>::new(move || on_leave());
        let online = Closure::<dyn Fn()>::new(on_online);
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("visibilitychange", hidden.as_ref().unchecked_ref());
        }
        let _ = window.add_event_listener_with_callback("pagehide", pagehide.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        hidden.forget();
        pagehide.forget();
        online.forget();
    }

    /// Calls `on_visible` once, the first time any of `element` is in view.
    pub fn observe_once(element: &web_sys::Element, on_visible: impl FnOnce() + 'static) {
        use wasm_bindgen::closure::Closure;
        let callback = std::cell::RefCell::new(Some(on_visible));
        let closure = Closure::<dyn FnMut(Array, web_sys::IntersectionObserver)>::new(
            move |entries: Array, observer: web_sys::IntersectionObserver| {
                let visible = entries
                    .iter()
                    .any(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().is_ok_and(|e| e.is_intersecting()));
                if visible {
                    if let Some(f) = callback.borrow_mut().take() {
                        f();
                    }
                    observer.disconnect();
                }
            },
        );
        if let Ok(observer) = web_sys::IntersectionObserver::new(closure.as_ref().unchecked_ref()) {
            observer.observe(element);
        }
        closure.forget();
    }

    /// Points the link being clicked at `href` before the browser follows it (the
    /// browser reads `href` after click handlers run), without stopping the click.
    pub fn retarget_link(event: &web_sys::MouseEvent, href: &str) {
        if let Some(anchor) = event.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
            anchor.set_href(href);
        }
    }

    /// Replaces the page with a message and a way to reload, for a page whose data
    /// cannot be read (a damaged upload): static HTML, no views.
    pub fn show_failure(root: &web_sys::HtmlElement, error: &DataError) {
        root.set_inner_html(FAILURE_HTML);
        if let Some(detail) = root.query_selector(".state-detail span").ok().flatten() {
            detail.set_text_content(Some(&error.to_string()));
        }
        mark_ready();
    }

    const FAILURE_HTML: &str = "<main class=\"page state\" id=\"main\" role=\"alert\">\
        <h1>This shop couldn't load</h1>\
        <p>Something went wrong on our side. Please try again in a moment.</p>\
        <a class=\"button\" href=\"\">Reload</a>\
        <p class=\"state-detail\">Details for the shop owner: <span></span></p></main>";

    /// Tells tests (and styles) that the app has taken over the page.
    pub fn mark_ready() {
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-ready", "true");
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod native {
    use super::*;

    pub fn read_embedded_data() -> Result<Storefront, DataError> {
        Err(DataError::Missing)
    }
    pub fn now() -> i64 {
        0
    }
    pub fn shopper_browser() -> Option<ShopperBrowser> {
        None
    }
    pub fn format_money(_: &Money, _: &str) -> Option<String> {
        None
    }
    pub fn format_datetime(_: i64, _: &str, _: &str, _: DateStyle) -> Option<String> {
        None
    }
    /// The same CLDR rules as the browser's `Intl.PluralRules`, from `intl_pluralrules`,
    /// so the page rendered at build time says what the browser will.
    pub fn plural(language: &str, n: u64) -> Plural {
        linkshelf_core::locale::plural(linkshelf_core::locale::Locale::from_tag(language).unwrap_or_default(), n)
    }
    pub async fn copy_text(_: String) -> bool {
        false
    }
    pub fn draw_in_app_bars(_: &str) {}
    pub fn random_bytes<const N: usize>() -> [u8; N] {
        [0; N]
    }
    pub fn random_unit() -> f64 {
        0.0
    }
    pub fn storage_get(_: StorageKind, _: &str) -> Option<String> {
        None
    }
    pub fn storage_set(_: StorageKind, _: &str, _: &str) -> bool {
        false
    }
    pub fn storage_remove(_: StorageKind, _: &str) {}
    pub fn privacy_signal() -> bool {
        false
    }
    pub fn user_agent() -> String {
        String::new()
    }
    pub fn landing() -> (String, String) {
        (String::new(), String::new())
    }
    pub fn origin() -> String {
        String::new()
    }
    pub async fn fetch_texts(paths: &[String]) -> Vec<Result<String, FetchError>> {
        vec![Err(FetchError::Unreachable); paths.len()]
    }
    pub async fn post(_: &str, _: &str, _: bool, _: u32) -> Option<(u16, Option<String>)> {
        None
    }
    pub fn send_beacon(_: &str, _: &str) -> bool {
        false
    }
    pub fn on_lifecycle(_: impl Fn() + 'static, _: impl Fn() + 'static) {}
    pub fn retarget_link(_: &leptos::ev::MouseEvent, _: &str) {}
    pub fn observe_once(_: &leptos::web_sys::Element, _: impl FnOnce() + 'static) {}
    pub fn mark_ready() {}
    pub fn current_path() -> String {
        "/".to_owned()
    }
}

#[cfg(feature = "hydrate")]
pub use browser::*;
#[cfg(not(feature = "hydrate"))]
pub use native::*;
