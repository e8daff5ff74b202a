//! The cart in the page: add/quantity controls on products, the bar that leads to
//! the cart, the cart page with its code field and checkout link, and the return
//! page that reports the purchase. The rules are in `linkshelf_core::cart`.
//!
//! Styled by the global `style/cart.css` rather than a scoped `style_sheet!`: scoping
//! adds a class to every element, which cost about 1 KB of the (full) bundle budget.
//! Its class names are used by no other component.

use crate::runtime::platform::{self, FetchError, StorageKind};
use crate::runtime::tracking::{self, PurchaseOutcome};
use crate::ui::icons::{icon, Glyph};
use crate::ui::in_app::{escape_bar, Before};
use crate::ui::profile::way_back;
use crate::ui::route::Route;
use crate::ui::text::{self, fill, t};
use crate::ui::{use_clock, use_shopper, use_store};
use leptos::prelude::*;
use linkshelf_core::cart::{self, Cart, ProductAction};
use linkshelf_core::checkout::{self, Handoff};
use linkshelf_core::discount;
use linkshelf_core::locale::{Count, Counted, Key};
use linkshelf_core::model::{Product, Storefront};
use linkshelf_core::stored::CART_KEY;
use linkshelf_core::{embed, page_data};
use std::sync::Arc;
use std::time::Duration;

/// How long a notice ("Added …") stays on screen.
const NOTICE_MS: u64 = 5_000;

/// The cart and the last thing said about it, shared by every component.
#[derive(Clone, Copy)]
pub struct CartState {
    /// Change it with [`CartState::update`], which also saves it.
    cart: RwSignal<Cart>,
    /// Where the cart is kept: localStorage under standard privacy, otherwise in
    /// memory for the visit (pages change in place, so it lasts from page to page).
    keep: RwSignal<StorageKind>,
    /// Shown above the cart bar and announced politely, for a few seconds.
    notice: RwSignal<String>,
}

thread_local! {
    /// The page's data plus the products its cart holds that the page does not show,
    /// fetched from their files (`page_data::product_file`): what the cart's lines,
    /// totals and checkout link are read from. Not a signal of its own (one more signal
    /// type cost about 1 KB brotli of WASM): it only changes in [`fetch_pending`], which
    /// then updates the cart signal, and everything that reads it reads the cart too.
    static KNOWN: std::cell::RefCell<Option<Arc<Storefront>>> = const { std::cell::RefCell::new(None) };
}

/// See [`KNOWN`]; the page's own data until anything was fetched.
fn known() -> Arc<Storefront> {
    KNOWN.with(|k| k.borrow().clone()).unwrap_or_else(use_store)
}

impl CartState {
    /// Changes the cart and, when allowed, saves it for the next visit. `None` only
    /// if the page is being torn down.
    fn update<R>(&self, change: impl FnOnce(&mut Cart) -> R) -> Option<R> {
        let result = self.cart.try_update(change);
        if let (Some(kind), Some(text)) = (self.keep.try_get_untracked(), self.cart.try_with_untracked(Cart::encode)) {
            platform::storage_set(kind, CART_KEY, &text);
        }
        result
    }

    /// The id of the applied code (tracked), for the code card's applied state.
    pub fn applied_code_id(&self) -> Option<String> {
        self.cart.with(|c| c.code.clone())
    }

    /// What the applied code says (tracked), for links that carry it.
    pub fn applied_code(&self) -> Option<String> {
        self.cart.with(|c| c.applied_code(&known()).map(|c| c.code.clone()))
    }

    pub fn tell(&self, message: String) {
        let notice = self.notice;
        notice.set(message.clone());
        // Cleared unless a newer notice replaced it.
        set_timeout(
            move || {
                // The page may be gone by then (another page took its place).
                if notice.try_with_untracked(|n| *n == message) == Some(true) {
                    notice.set(String::new());
                }
            },
            Duration::from_millis(NOTICE_MS),
        );
    }
}

/// The cart, its notice and where it is kept, from context.
pub fn use_cart() -> CartState {
    expect_context::<CartState>()
}

/// Creates the cart for this page, empty as the page was written. Once the page is
/// taken over it is read back from where it is kept (see [`CartState::keep`]) and the
/// code to apply is applied (a `?code=` in the landing URL, or on an affiliate's page
/// theirs: `cart::code_to_apply`); lines whose product the page does not carry count
/// at once, and are priced once [`fetch_pending`] brings their products, as is the
/// code of the visit's affiliate on a page that does not list it (a shared product,
/// cart or thank-you page of a brand).
pub fn provide(store: Arc<Storefront>) -> CartState {
    let state = CartState {
        cart: RwSignal::new(Cart::default()),
        keep: RwSignal::new(StorageKind::Memory),
        notice: RwSignal::new(String::new()),
    };
    KNOWN.with(|k| *k.borrow_mut() = Some(store.clone()));
    provide_context(state);
    Effect::new(move |_| {
        let keep = if tracking::may_store(&store) { StorageKind::Local } else { StorageKind::Memory };
        let cart = platform::storage_get(keep, CART_KEY).map(|text| Cart::decode(&text, &store)).unwrap_or_default();
        let affiliate = tracking::current_attribution().affiliate.filter(|h| store.affiliate.as_ref() != Some(h));
        state.keep.set(keep);
        let pending: Vec<String> = cart.pending(&store).map(str::to_owned).collect();
        state.update(|c| *c = cart);
        leptos::task::spawn_local(fetch_pending(state, store.clone(), pending, affiliate));
    });
    state
}

/// Fetches the products of the cart's pending lines (all at once; a cart holds one
/// to three lines as a rule, [`cart::MAX_LINES`] at most) and the part of the visit's
/// `affiliate` when this page does not carry it, and reads the cart again with them: a
/// product whose file is gone left the shop and its line is dropped, as it always was;
/// one that could not be fetched (offline) stays pending, counted but not totalled,
/// and is fetched again on the next page. Then applies the code the page was opened
/// with (`cart::code_to_apply`), quietly (the code card and the cart bar show it; a
/// notice here covered the page the shopper had just opened), after the fetch so an
/// affiliate's code in a link to a shared page is found; one the shop does not know
/// says why. (One function for both, with nothing to fetch as a rule: a second caller
/// of the code's part cost about 0.9 KB of WASM.)
async fn fetch_pending(state: CartState, page: Arc<Storefront>, pending: Vec<String>, affiliate: Option<String>) {
    let mut paths: Vec<String> = pending.iter().map(|id| page.site.file_href(&page_data::product_file(id))).collect();
    if let Some(handle) = affiliate {
        paths.push(page.site.file_href(&page_data::affiliate_file(&handle)));
    }
    if !paths.is_empty() {
        // The page's data read again rather than cloned: a derived `Clone` of the whole
        // model cost about 2 KB brotli of WASM, and the reader is there anyway.
        let Ok(mut known) = platform::read_embedded_data() else { return };
        let mut gone = Vec::new();
        for (i, answer) in platform::fetch_texts(&paths).await.into_iter().enumerate() {
            match answer.map(|text| embed::decode(&embed::from_text(&text))) {
                Ok(Ok(part)) => known.add_products_of(part),
                Err(FetchError::Gone) => gone.extend(pending.get(i)),
                // Unreadable (a file from another deploy) or unreachable: still pending.
                Ok(Err(_)) | Err(FetchError::Unreachable) => {}
            }
        }
        if state.cart.is_disposed() {
            return;
        }
        let known = Arc::new(known);
        KNOWN.with(|k| *k.borrow_mut() = Some(known.clone()));
        state.update(|c| {
            for id in gone {
                c.set_quantity(id, 0);
            }
            *c = Cart::decode(&c.encode(), &known);
        });
    }
    // The page may have been replaced while the files were on their way.
    if state.cart.is_disposed() {
        return;
    }
    let known = known();
    if let Some(typed) = cart::code_to_apply(&platform::landing().0, &known) {
        match cart::find_code(&known, &typed, platform::now()) {
            Ok(code) => _ = state.update(|c| c.code = Some(code.id.clone())),
            Err(why) => state.tell(why.message(&known.text)),
        }
    }
}

/// What a product card or page offers: add to the cart (then a quantity stepper), a
/// Buy link for one-product checkouts, or why it can't be bought now ("Sold out", a
/// drop's countdown). One closure draws it from a snapshot; the parts that do not
/// apply are hidden, so an update changes the DOM in place (focus stays) and the
/// bundle carries one view type instead of one per state.
pub fn cart_control(product: Product, list_id: Option<String>, index: u32, wide: bool) -> impl IntoView {
    let (shop, clock, state, shopper) = (use_store(), use_clock(), use_cart(), use_shopper());
    let product = Arc::new(product);
    let host = product.checkout.host();
    let (buy_label, buy_text) = if wide {
        let at = fill(Key::BuyAt, &[("host", &host)]);
        (at.clone(), at)
    } else {
        (fill(Key::BuyProduct, &[("title", &product.title)]), t(Key::Buy))
    };
    // The name starts with the visible text ("Add" on cards, "Add to cart" on the
    // product page: WCAG 2.5.3, label in name).
    let add_label =
        fill(if wide { Key::AddToCartProduct } else { Key::AddProductToCart }, &[("title", &product.title)]);
    let add_text = t(if wide { Key::AddToCart } else { Key::Add });
    let (sold_out, separately, drops) = (t(Key::SoldOut), t(Key::ChecksOutSeparately), t(Key::Drops));
    let (href, rel) = (product.checkout.base_url(), shop_rel(&product));
    // The Buy link as it leaves: with the click id it carries, the visit's campaign and
    // the code that covers the product (the page's HTML has the plain link).
    let click = tracking::link_click_id();
    let (linked, link_shop) = (product.clone(), shop.clone());
    let link = move |click_id: &str, attribution: &linkshelf_core::attribution::Attribution, now| {
        let code = state.cart.with_untracked(|c| c.code_for(&link_shop, &linked, now).map(|c| c.code.clone()));
        let handoff = Handoff { click_id, code: code.as_deref(), attribution, creator_id: &link_shop.creator.id };
        checkout::product_link(&linked.checkout, &handoff)
    };
    let (bought, tap_link) = (product.clone(), link.clone());
    let buy = move |ev: leptos::ev::MouseEvent| {
        let now = clock.get_untracked();
        let ecommerce = state.cart.with_untracked(|c| c.direct_buy(&shop, &bought, list_id.as_deref(), index, now).1);
        let link = |click_id: &str, attribution: &_| tap_link(click_id, attribution, now);
        tracking::begin_checkout(&ev, click, &link, host.clone(), ecommerce, list_id.as_deref());
    };
    let added = product.clone();
    let add = move |_| change(&added, 1);
    let drop_day = product.available_label.clone();
    move || {
        let now = clock.get();
        let action = state.cart.with(|c| c.action(&known(), &product, now));
        let buy_href = match click.get() {
            id if id.is_empty() => href.clone(),
            id => link(&id, &tracking::current_attribution(), now),
        };
        let quantity = match action {
            ProductAction::InCart(n) => n,
            _ => 0,
        };
        // "Drops in 5 h" on its last day, before that the day in the shopper's calendar.
        let countdown = match &action {
            ProductAction::Upcoming(soon) => soon.map(text::count).or_else(|| {
                let at = product.available_at?;
                let day = shopper.get().and_then(|s| text::day(at, &s)).or_else(|| drop_day.clone())?;
                Some(linkshelf_core::locale::fill(&drops, &[("day", &day)]))
            }),
            _ => None,
        };
        let upcoming = matches!(action, ProductAction::Upcoming(_));
        let direct = matches!(action, ProductAction::BuyDirect | ProductAction::Separately);
        view! {
            <div class="control">
                <span class="buy sold-out" hidden=action != ProductAction::SoldOut>{sold_out.clone()}</span>
                <span class="buy upcoming" hidden=!upcoming>{countdown}</span>
                <a class="buy" class:wide=wide href=buy_href rel=rel aria-label=buy_label.clone() on:click=buy.clone()
                    hidden=!direct>
                    {wide.then(|| icon(Glyph::Bag))}
                    {buy_text.clone()}
                </a>
                <button type="button" class="buy needs-js" class:wide=wide aria-label=add_label.clone()
                    on:click=add.clone() hidden=action != ProductAction::Add>
                    {wide.then(|| icon(Glyph::Bag))}
                    {add_text.clone()}
                </button>
                // Without JavaScript there is no cart: the product's own checkout link.
                <a class="buy only-without-js" class:wide=wide href=href.clone() rel=rel aria-label=buy_label.clone()
                    hidden=action != ProductAction::Add>
                    {buy_text.clone()}
                </a>
                {stepper(product.clone(), quantity, quantity == 0)}
                <span class="separately" hidden=action != ProductAction::Separately>{separately.clone()}</span>
            </div>
        }
    }
}

/// `rel` for a link to a shop: `sponsored` when the creator is paid for it.
pub fn shop_rel(product: &Product) -> &'static str {
    if product.disclosure.is_some() {
        "noopener sponsored"
    } else {
        "noopener"
    }
}

/// Adds (`delta` = 1) or removes (`delta` = -1) one of `product`, with the event and
/// a notice.
fn change(product: &Product, delta: i32) {
    let (clock, state) = (use_clock(), use_cart());
    let shop = known();
    let now = clock.get_untracked();
    let before = state.cart.with_untracked(|c| c.quantity(&product.id));
    let result = if delta > 0 {
        state.update(|c| c.add(&shop, &product.id, now).map(|_| ())).unwrap_or(Ok(()))
    } else {
        state.update(|c| c.set_quantity(&product.id, before.saturating_sub(1)));
        Ok(())
    };
    match result {
        Ok(()) => {
            tracking::cart_changed(product, delta);
            let after = state.cart.with_untracked(|c| c.quantity(&product.id));
            let title = ("title", product.title.as_str());
            state.tell(match (before, after) {
                (0, _) => fill(Key::Added, &[title]),
                (_, 0) => fill(Key::Removed, &[title]),
                _ => fill(Key::InYourCartCount, &[title, ("count", &after.to_string())]),
            });
        }
        Err(why) => state.tell(why.message(&shop.text)),
    }
}

/// − n + for one product, drawn from plain values: callers re-run it inside a
/// reactive closure, and the DOM is updated in place (focus stays where it was).
/// `+` at the limit stays focusable (aria-disabled) so a tap can say why nothing
/// happens.
fn stepper(product: Arc<Product>, quantity: u32, hidden: bool) -> impl IntoView {
    let group = fill(Key::InYourCart, &[("title", &product.title)]);
    let fewer = product.clone();
    view! {
        <div class="stepper needs-js" role="group" aria-label=group hidden=hidden>
            <button type="button" aria-label=t(Key::OneFewer) on:click=move |_| change(&fewer, -1)>"−"</button>
            <output aria-live="polite">{quantity}</output>
            <button type="button" aria-label=t(Key::OneMore) aria-disabled=(quantity >= cart::MAX_QUANTITY).then_some("true")
                on:click=move |_| change(&product, 1)>"+"</button>
        </div>
    }
}

/// The one price line of a card or product page: the price, and the compared-at
/// price struck through; with an applied code that covers the product, the price
/// after it and the code instead, the full price struck through ("€27.20 with JUNO15
/// ~~€32~~"). One line, so a covered card doesn't carry three prices.
pub fn price(product: Product) -> impl IntoView {
    let (clock, shopper) = (use_clock(), use_shopper());
    let state = use_cart();
    let (with_code, was_word) = (t(Key::PriceWithCode), t(Key::Was));
    let amounts = move || {
        // The known codes, not only the page's: an affiliate's code prices the brand's
        // shared pages once their part arrives (`fetch_pending`, which updates the cart).
        let store = &known();
        let now = clock.get();
        let locale = shopper.get();
        let money = |m: &linkshelf_core::money::Money| text::money(m, locale.as_ref());
        let code = state.cart.with(|c| c.code_for(store, &product, now).cloned());
        let saving = code.as_ref().and_then(|code| Some((code, cart::card_saving(code, &product, store, now)?)));
        let (class, now_text, was) = match saving {
            // The code is the creator's text: U+2068/U+2069 (first-strong isolate … pop)
            // keep a right-to-left code from reordering our "with", as a `<bdi>` would.
            // Text-level isolates, because this line is one string: a `<bdi>` here needs
            // a view per state, measured at 0.8 KB brotli of bundle.
            Some((code, saving)) => {
                let after = linkshelf_core::money::Money {
                    minor: product.price.minor - saving.minor,
                    currency: saving.currency,
                };
                let isolated = format!("\u{2068}{}\u{2069}", code.code);
                let text = linkshelf_core::locale::fill(&with_code, &[("price", &money(&after)), ("code", &isolated)]);
                ("now with-code", text, Some(money(&product.price)))
            }
            None => ("now", money(&product.price), product.compare_at.as_ref().map(money)),
        };
        let no_was = was.is_none();
        view! {
            <span class=class>{now_text}</span>
            <s class="was" hidden=no_was><span class="sr-only">{was_word.clone()} " "</span>{was}</s>
        }
    };
    view! { <p class="price">{amounts}</p> }
}

/// The notice line and, while the cart holds something, the bar that opens it.
pub fn cart_bar(on_cart: bool) -> impl IntoView {
    let (shop, clock, shopper) = (use_store(), use_clock(), use_shopper());
    let state = use_cart();
    let bar = move || {
        let known = known();
        let (count, totals) = state.cart.with(|c| (c.item_count(), c.totals(&known, clock.get())));
        let items = text::count(Count { key: Counted::Items, n: u64::from(count) });
        let total = totals.map(|t| text::money(&t.total, shopper.get().as_ref()));
        let hide = count == 0 || on_cart;
        // The applied code rides along, so the shopper sees it is kept.
        let code = state.cart.with(|c| c.applied_code(&known).map(|c| c.code.clone()));
        let no_code = code.is_none();
        view! {
            <a class="cart-bar" href=shop.site.href("cart/") hidden=hide>
                {icon(Glyph::Bag)}
                <span class="cart-bar-label">{t(Key::ViewCart)}</span>
                <span class="cart-bar-count">{items}</span>
                <span class="cart-bar-code" translate="no" hidden=no_code>{code}</span>
                <span class="cart-bar-total">{total}</span>
            </a>
        }
    };
    view! {
        <div class="cart-dock">
            <p class="notice" class:quiet=move || state.notice.with(String::is_empty) role="status" aria-live="polite">
                {move || state.notice.get()}
            </p>
            {bar}
        </div>
    }
}

/// `/cart/`: lines, code, totals and the checkout link. Each part is one closure
/// over a snapshot of the cart; a change re-runs it and the DOM is updated in place.
pub fn cart_page() -> impl IntoView {
    let (shop, clock, shopper) = (use_store(), use_clock(), use_shopper());
    let home = shop.site.href("/");
    let state = use_cart();
    let lines = move || {
        let locale = shopper.get();
        let store = known();
        state.cart.with(|c| {
            c.lines
                .iter()
                .filter_map(|l| store.product(&l.product_id).map(|p| line_view(p.clone(), l.quantity, locale.as_ref())))
                .collect_view()
        })
    };
    // The checkout link carries its click id and the visit's campaign from the start,
    // as Buy links do (`tracking::link_click_id`).
    let click = tracking::link_click_id();
    let go = move |ev: leptos::ev::MouseEvent| {
        let store = known();
        let now = clock.get_untracked();
        let cart = state.cart.get_untracked();
        let Some(totals) = cart.totals(&store, now) else { return };
        let ecommerce = cart.checkout_ecommerce(&store, &totals);
        let host = cart.shop(&store).unwrap_or_default().to_owned();
        let link_store = store.clone();
        let link = move |click_id: &str, attribution: &linkshelf_core::attribution::Attribution| {
            cart.checkout_link(&link_store, click_id, attribution, now).unwrap_or_default()
        };
        tracking::begin_checkout(&ev, click, &link, host, ecommerce, None);
    };
    let summary = move || {
        let store = known();
        let now = clock.get();
        let locale = shopper.get();
        let money = |m: &linkshelf_core::money::Money| text::money(m, locale.as_ref());
        let click_id = click.get();
        let (totals, href, host) = state.cart.with(|c| {
            let attribution = if click_id.is_empty() { Default::default() } else { tracking::current_attribution() };
            (
                c.totals(&store, now),
                c.checkout_link(&store, &click_id, &attribution, now),
                c.shop(&store).unwrap_or_default().to_owned(),
            )
        });
        let (subtotal, discount, free, total) = match &totals {
            Some(t) => {
                let (discount, free) = match &t.code {
                    Some(Ok(a)) => {
                        ((a.discount.minor > 0).then(|| format!("−{}", money(&a.discount))), a.free_shipping)
                    }
                    _ => (None, false),
                };
                (money(&t.subtotal), discount, free, money(&t.total))
            }
            None => Default::default(),
        };
        let no_discount = discount.is_none();
        view! {
            <dl class="totals">
                <div class="row"><dt>{t(Key::Subtotal)}</dt><dd>{subtotal}</dd></div>
                <div class="row" hidden=no_discount><dt>{t(Key::Discount)}</dt><dd>{discount}</dd></div>
                <div class="row" hidden=!free><dt>{t(Key::Shipping)}</dt><dd>{t(Key::Free)}</dd></div>
                <div class="row total"><dt>{t(Key::Total)}</dt><dd>{total}</dd></div>
            </dl>
            <a class="button primary checkout" href=href rel="noopener" on:click=go>
                {icon(Glyph::Bag)} {fill(Key::CheckOutAt, &[("host", &host)])}
            </a>
        }
    };
    let empty = move || state.cart.with(Cart::is_empty);
    view! {
        <main class="page cart-page" id="main">
            <nav class="detail-nav" aria-label=t(Key::Back)>
                <a class="back" href=home.clone()>{icon(Glyph::Back)} {t(Key::KeepShopping)}</a>
            </nav>
            <h1>{t(Key::YourCart)}</h1>
            <div class="empty" hidden=move || !empty()>
                <p>{t(Key::CartEmpty)}</p>
                <a class="button" href=home.clone()>{t(Key::BrowseShop)}</a>
                {way_back()}
            </div>
            <div hidden=empty>
                <ul class="lines">{lines}</ul>
                {code_field()}
                {summary}
                {escape_bar(Before::Checkout)}
                <p class="fine-print">{t(Key::PayAtShop)}</p>
            </div>
        </main>
    }
}

fn line_view(
    product: Product,
    quantity: u32,
    locale: Option<&crate::runtime::platform::ShopperBrowser>,
) -> impl IntoView {
    let (state, site) = (use_cart(), use_store().site.clone());
    let image = product.images.first().map(|i| site.image_url(i)).unwrap_or_default();
    let total = linkshelf_core::money::Money {
        minor: product.price.minor * i64::from(quantity),
        currency: product.price.currency.clone(),
    };
    let line_total = text::money(&total, locale);
    let product = Arc::new(product);
    let removed = product.clone();
    let removed_text = t(Key::Removed);
    let remove = move |_| {
        state.update(|c| c.set_quantity(&removed.id, 0));
        tracking::cart_changed(&removed, -(quantity as i32));
        state.tell(linkshelf_core::locale::fill(&removed_text, &[("title", &removed.title)]));
    };
    let remove_label = fill(Key::RemoveProduct, &[("title", &product.title)]);
    view! {
        <li class="line">
            <img class="thumb" src=image alt="" width="72" height="72"/>
            <div class="line-info">
                <a class="line-title" href=site.href(&Route::Product(product.id.clone()).path())>{product.title.clone()}</a>
                <span class="line-total">{line_total}</span>
                <div class="line-actions">
                    {stepper(product, quantity, false)}
                    <button type="button" class="remove" aria-label=remove_label on:click=remove>{t(Key::Remove)}</button>
                </div>
            </div>
        </li>
    }
}

/// The applied code, why it does not apply (if so), and a field to type another.
fn code_field() -> impl IntoView {
    let (shop, clock, shopper) = (use_store(), use_clock(), use_shopper());
    let state = use_cart();
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(String::new());
    let store = shop.clone();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = input.get_untracked().map(|i| i.value()).unwrap_or_default();
        match cart::find_code(&store, &typed, clock.get_untracked()) {
            Ok(code) => {
                error.set(String::new());
                state.update(|c| c.code = Some(code.id.clone()));
                state.tell(store.text.fill(Key::CodeApplied, &[("code", &code.code)]));
                if let Some(i) = input.get_untracked() {
                    i.set_value("");
                }
            }
            Err(why) => error.set(why.message(&store.text)),
        }
    };
    let removed = t(Key::CodeRemoved);
    let remove = move |_| {
        state.update(|c| c.code = None);
        state.tell(removed.clone());
    };
    let applied = move || {
        let store = known();
        let (code, outcome) =
            state.cart.with(|c| (c.applied_code(&store).cloned(), c.totals(&store, clock.get()).and_then(|t| t.code)));
        let money = |m: &linkshelf_core::money::Money| text::money(m, shopper.get().as_ref());
        let reason = match outcome {
            Some(Err(why)) => why.message(&store.text, money),
            _ => String::new(),
        };
        let offer = code.as_ref().map(|c| discount::describe(c, &store.text, money));
        let text = code.as_ref().map(|c| c.code.clone()).unwrap_or_default();
        let (none, applying) = (code.is_none(), reason.is_empty());
        let label = store.text.fill(Key::RemoveCode, &[("code", &text)]);
        view! {
            <div class="applied" hidden=none class:not-applying=!applying>
                <p><bdi>{text.clone()}</bdi> ": " {offer}</p>
                <p class="reason">{reason}</p>
                <button type="button" class="remove" on:click=remove.clone() aria-label=label>{store.text.get(Key::Remove).to_owned()}</button>
            </div>
        }
    };
    view! {
        <section class="code-field" aria-labelledby="code-title">
            <h2 id="code-title" class="small-title">{t(Key::DiscountCode)}</h2>
            {applied}
            <form class="code-form" on:submit=apply>
                <label class="sr-only" for="code-input">{t(Key::DiscountCode)}</label>
                <input id="code-input" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"
                    placeholder=t(Key::EnterCode) node_ref=input
                    aria-describedby="code-error" aria-invalid=move || (!error.read().is_empty()).then_some("true")/>
                <button type="submit" class="button">{t(Key::Apply)}</button>
            </form>
            <p id="code-error" class="error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// `/thanks/`: the shop's success URL. Reads the order id, reports the purchase once,
/// and thanks the shopper.
pub fn thanks_page() -> impl IntoView {
    let shop = use_store();
    let state = use_cart();
    let order = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Ok(id) = checkout::order_id(&platform::landing().0) {
            if tracking::purchase(&id) == PurchaseOutcome::Sent {
                state.update(|c| *c = Cart::default());
            }
            order.set(id);
        }
    });
    let (will_email, (order_before, order_after)) = (t(Key::ShopWillEmail), text::around(Key::YourOrder, "{order}"));
    // Static paragraphs with a reactive attribute and number, not a view redrawn from
    // the order: the redrawn view cost its build code (measured on the missing page's
    // two wordings: 1.2 KB of bundle).
    let known = move || !order.read().is_empty();
    let detail = view! {
        <p hidden=known>{will_email}</p>
        <p hidden=move || !known()>
            {order_before} <strong class="order-id">{move || order.get()}</strong> {order_after}
        </p>
    };
    let back = text::fill_isolated(Key::BackToShopOf, "name", &shop.creator.name);
    view! {
        <main class="page state thanks" id="main">
            <h1>{t(Key::ThankYou)}</h1>
            {detail}
            // One span: the button is a flex box, where each bare text would be an item
            // of its own with a gap around the `<bdi>` ("Juno Park 's shop").
            <a class="button" href=shop.site.href("/")>{back}</a>
            {way_back()}
        </main>
    }
}
