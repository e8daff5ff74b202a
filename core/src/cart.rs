//! The shopper's cart: what may join it, its totals with the applied code, how it is
//! kept on the device, and the checkout link it becomes.
//!
//! Rules:
//! - a cart is one checkout: only products of one Shopify shop share it, all in one
//!   currency (a cart permalink is one shop's checkout, and money never mixes);
//!   one-product links (Stripe, Lemon Squeezy, Gumroad, other shops) are bought
//!   straight away instead;
//! - sold-out products and drops before their release can't be added;
//! - a line holds at most [`MAX_QUANTITY`] and a cart at most [`MAX_LINES`] lines (the
//!   shared limits, so every event the cart produces is one the collector takes); the
//!   shop's own stock rules apply at checkout;
//! - the applied code is kept even when it does not apply yet (the shopper may add
//!   the missing items), and the reason is shown.

use crate::checkout::{self, Handoff};
use crate::discount::{self, CodeStatus};
use crate::events::{Ecommerce, Item};
use crate::locale::{Count, Counted, Key, Text};
use crate::model::{Checkout, Code, Product, Storefront, UtcMillis};
use crate::money::Money;
use crate::pricing::{self, Applied, Line, NotApplied};

pub use crate::limits::{MAX_LINES, MAX_QUANTITY};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// The id of the applied code (not its text), if any.
    pub code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: u32,
}

/// Why a product can't join the cart, in words a shopper understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CannotAdd {
    SoldOut,
    /// A drop: on sale from this instant.
    NotYet(UtcMillis),
    /// Bought straight from its own checkout link.
    BuyDirect,
    /// The cart already holds another shop's products.
    OtherShop {
        cart_shop: String,
    },
    /// The cart is in another currency.
    OtherCurrency {
        cart_currency: String,
    },
    AtLimit,
    /// The cart already holds [`MAX_LINES`] different products.
    Full,
    Unknown,
}

impl CannotAdd {
    /// Why, in `text`'s language, for the shopper.
    pub fn message(&self, text: &Text) -> String {
        match self {
            CannotAdd::SoldOut => text.get(Key::CannotSoldOut).to_owned(),
            CannotAdd::NotYet(_) => text.get(Key::CannotNotYet).to_owned(),
            CannotAdd::BuyDirect => text.get(Key::CannotBuyDirect).to_owned(),
            CannotAdd::OtherShop { cart_shop } => text.fill(Key::CannotOtherShop, &[("shop", cart_shop)]),
            CannotAdd::OtherCurrency { cart_currency } => {
                text.fill(Key::CannotOtherCurrency, &[("currency", cart_currency)])
            }
            CannotAdd::AtLimit => text.fill(Key::CannotAtLimit, &[("max", &MAX_QUANTITY.to_string())]),
            CannotAdd::Full => text.fill(Key::CannotFull, &[("max", &MAX_LINES.to_string())]),
            CannotAdd::Unknown => text.get(Key::CannotUnknown).to_owned(),
        }
    }
}

/// What a product's control offers at a moment: exactly one of these is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductAction {
    SoldOut,
    /// A drop before its release: its countdown on its last day ("Drops in 5 h"),
    /// otherwise `None` and the page names the day ("Drops 1 Mar", see [`drops_in`]).
    Upcoming(Option<Count>),
    /// A one-product checkout link: bought straight away.
    BuyDirect,
    /// A cart product that cannot join this cart (the cart holds another shop's or
    /// currency's products): offered on its own checkout link, marked "Checks out
    /// separately" before the tap. One cart is one checkout link, which carries one
    /// shop's cart in one currency; a shopper who wants both checks out twice, and
    /// says so by tapping, rather than being refused after the tap.
    Separately,
    /// Not in the cart yet.
    Add,
    /// In the cart, this many: a quantity stepper.
    InCart(u32),
}

/// Where the cart's money stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Totals {
    pub subtotal: Money,
    /// The code's effect, or why it does not apply; `None` without a code.
    pub code: Option<Result<Applied, NotApplied>>,
    pub total: Money,
}

impl Cart {
    pub fn quantity(&self, product_id: &str) -> u32 {
        self.lines.iter().find(|l| l.product_id == product_id).map_or(0, |l| l.quantity)
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub(crate) fn products<'a>(&'a self, store: &'a Storefront) -> impl Iterator<Item = (&'a Product, u32)> + 'a {
        self.lines.iter().filter_map(move |l| store.product(&l.product_id).map(|p| (p, l.quantity)))
    }

    /// The lines whose product `store` does not hold yet (see [`Cart::decode`]).
    pub fn pending<'a>(&'a self, store: &'a Storefront) -> impl Iterator<Item = &'a str> + 'a {
        self.lines.iter().map(|l| l.product_id.as_str()).filter(|id| store.product(id).is_none())
    }

    /// The shop the cart checks out at (its first line the page knows the product of).
    pub fn shop<'a>(&self, store: &'a Storefront) -> Option<&'a str> {
        self.lines.iter().find_map(|l| store.product(&l.product_id)).and_then(|p| p.checkout.cart_shop())
    }

    /// Whether one more of `product` may join the cart at `now`.
    pub fn can_add(&self, store: &Storefront, product: &Product, now: UtcMillis) -> Result<(), CannotAdd> {
        if product.is_sold_out() {
            return Err(CannotAdd::SoldOut);
        }
        if let Some(at) = product.available_at.filter(|_| product.is_upcoming(now)) {
            return Err(CannotAdd::NotYet(at));
        }
        let Some(shop) = product.checkout.cart_shop() else { return Err(CannotAdd::BuyDirect) };
        if let Some((first, _)) = self.products(store).next() {
            let cart_shop = first.checkout.cart_shop().unwrap_or_default();
            if cart_shop != shop {
                return Err(CannotAdd::OtherShop { cart_shop: cart_shop.to_owned() });
            }
            if first.price.currency != product.price.currency {
                return Err(CannotAdd::OtherCurrency { cart_currency: first.price.currency.code().to_owned() });
            }
        }
        match self.quantity(&product.id) {
            0 if self.lines.len() >= MAX_LINES => Err(CannotAdd::Full),
            n if n >= MAX_QUANTITY => Err(CannotAdd::AtLimit),
            _ => Ok(()),
        }
    }

    /// Adds one of a product; returns the line's new quantity.
    pub fn add(&mut self, store: &Storefront, product_id: &str, now: UtcMillis) -> Result<u32, CannotAdd> {
        let product = store.product(product_id).ok_or(CannotAdd::Unknown)?;
        self.can_add(store, product, now)?;
        match self.lines.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) => {
                line.quantity += 1;
                Ok(line.quantity)
            }
            None => {
                self.lines.push(CartLine { product_id: product_id.to_owned(), quantity: 1 });
                Ok(1)
            }
        }
    }

    /// Sets a line's quantity (capped at [`MAX_QUANTITY`]); zero removes the line.
    pub fn set_quantity(&mut self, product_id: &str, quantity: u32) {
        if quantity == 0 {
            self.lines.retain(|l| l.product_id != product_id);
        } else if let Some(line) = self.lines.iter_mut().find(|l| l.product_id == product_id) {
            line.quantity = quantity.min(MAX_QUANTITY);
        }
    }

    /// The applied code, if it still exists in the shop.
    pub fn applied_code<'a>(&self, store: &'a Storefront) -> Option<&'a Code> {
        self.code.as_ref().and_then(|id| store.codes.iter().find(|c| &c.id == id))
    }

    /// Subtotal, the code's effect and the total; `None` for an empty cart, and while
    /// a line is [`Cart::pending`] (a total without it would be wrong).
    pub fn totals(&self, store: &Storefront, now: UtcMillis) -> Option<Totals> {
        if self.pending(store).next().is_some() {
            return None;
        }
        let lines: Vec<Line> = self
            .products(store)
            .map(|(p, quantity)| Line { product_id: p.id.clone(), unit_price: p.price.clone(), quantity })
            .collect();
        let first = lines.first()?;
        let subtotal = Money {
            minor: lines.iter().map(Line::total).fold(0, i64::saturating_add),
            currency: first.unit_price.currency.clone(),
        };
        let code = self.applied_code(store).map(|c| pricing::apply(c, &lines, &store.collections, now));
        let total = match &code {
            Some(Ok(applied)) => applied.total.clone(),
            _ => subtotal.clone(),
        };
        Some(Totals { subtotal, code, total })
    }

    /// What `product`'s control offers at `now`: sold out and drops first, then how it
    /// is bought.
    pub fn action(&self, store: &Storefront, product: &Product, now: UtcMillis) -> ProductAction {
        if product.is_sold_out() {
            return ProductAction::SoldOut;
        }
        if let Some(at) = product.available_at.filter(|&at| now < at) {
            return ProductAction::Upcoming(drops_in(now, at));
        }
        if product.checkout.cart_shop().is_none() {
            return ProductAction::BuyDirect;
        }
        match self.quantity(&product.id) {
            0 => match self.can_add(store, product, now) {
                Err(CannotAdd::OtherShop { .. } | CannotAdd::OtherCurrency { .. }) => ProductAction::Separately,
                _ => ProductAction::Add,
            },
            n => ProductAction::InCart(n),
        }
    }

    /// The code to send with `product` bought on its own: the applied one, when it is
    /// active and covers the product (and the product's checkout takes codes).
    pub fn code_for<'a>(&self, store: &'a Storefront, product: &Product, now: UtcMillis) -> Option<&'a Code> {
        self.applied_code(store).filter(|c| {
            product.checkout.takes_code()
                && discount::status(c, now) == CodeStatus::Active
                && c.scope.covers(&product.id, &store.collections)
        })
    }

    /// What tapping Buy on one product sends: the code it carries, and the
    /// `begin_checkout` ecommerce with the value after that code.
    pub fn direct_buy<'a>(
        &self,
        store: &'a Storefront,
        product: &Product,
        list_id: Option<&str>,
        index: u32,
        now: UtcMillis,
    ) -> (Option<&'a Code>, Ecommerce) {
        let code = self.code_for(store, product, now);
        let mut ecommerce = item_ecommerce(product, list_id, index);
        if let Some(code) = code {
            ecommerce.value -= card_saving(code, product, store, now).map_or(0, |m| m.minor);
            ecommerce.coupon = Some(code.code.clone());
        }
        (code, ecommerce)
    }

    /// The `begin_checkout` ecommerce for the whole cart: its lines, the total after
    /// the code, and the code only when it applies.
    pub fn checkout_ecommerce(&self, store: &Storefront, totals: &Totals) -> Ecommerce {
        let items = self
            .products(store)
            .enumerate()
            .map(|(i, (p, quantity))| Item {
                item_id: p.id.clone(),
                item_name: p.title.clone(),
                price: p.price.minor,
                quantity,
                index: i as u32,
                item_list_id: None,
            })
            .collect();
        let coupon = match &totals.code {
            Some(Ok(_)) => self.applied_code(store).map(|c| c.code.clone()),
            _ => None,
        };
        Ecommerce {
            currency: totals.total.currency.code().to_owned(),
            value: totals.total.minor,
            coupon,
            transaction_id: None,
            items,
        }
    }

    /// The Shopify cart permalink for the whole cart, with the code only when it
    /// applies (a shop would refuse it anyway, after the shopper was told it works).
    pub fn checkout_link(
        &self,
        store: &Storefront,
        click_id: &str,
        attribution: &crate::attribution::Attribution,
        now: UtcMillis,
    ) -> Option<String> {
        // A pending line would be left out of the shop's cart.
        if self.pending(store).next().is_some() {
            return None;
        }
        let shop = self.shop(store)?;
        let lines: Vec<(&str, u32)> = self
            .products(store)
            .filter_map(|(p, q)| match &p.checkout {
                Checkout::Shopify { variant, .. } => Some((variant.as_str(), q)),
                _ => None,
            })
            .collect();
        let applies = matches!(self.totals(store, now).and_then(|t| t.code), Some(Ok(_)));
        let code = self.applied_code(store).filter(|_| applies).map(|c| c.code.as_str());
        let handoff = Handoff { click_id, code, attribution, creator_id: &store.creator.id };
        Some(checkout::shopify_cart(shop, &lines, &handoff))
    }
}

/// Why a typed code was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeEntryError {
    Blank,
    Unknown(String),
    /// Refused rather than kept: it will never apply again. (A code that has not
    /// started, or needs more in the cart, is kept and says why it does not apply yet.)
    Ended(String),
}

impl CodeEntryError {
    /// Why, in `text`'s language, for the shopper.
    pub fn message(&self, text: &Text) -> String {
        match self {
            CodeEntryError::Blank => text.get(Key::CodeBlank).to_owned(),
            CodeEntryError::Unknown(code) => text.fill(Key::CodeUnknown, &[("code", code)]),
            CodeEntryError::Ended(code) => text.fill(Key::CodeEnded, &[("code", code)]),
        }
    }
}

/// Finds the code a shopper typed or a link carried: surrounding spaces and the case
/// of A–Z don't matter (shops treat codes case-insensitively; full Unicode case
/// folding would cost its tables in the WASM bundle, and codes are ASCII in practice).
pub fn find_code<'a>(store: &'a Storefront, typed: &str, now: UtcMillis) -> Result<&'a Code, CodeEntryError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(CodeEntryError::Blank);
    }
    let code = store
        .codes
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(typed))
        .ok_or_else(|| CodeEntryError::Unknown(typed.chars().take(40).collect()))?;
    if crate::discount::status(code, now) == crate::discount::CodeStatus::Ended {
        return Err(CodeEntryError::Ended(code.code.clone()));
    }
    Ok(code)
}

/// The code a link carried (`?code=JUNO15`), if any.
pub fn landing_code(search: &str) -> Option<String> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(key, value)| key == "code" && !value.trim().is_empty())
        .map(|(_, value)| value.into_owned())
}

/// The code a page applies when it is opened: the link's `?code=`, else on an
/// affiliate's page (`Storefront::affiliate`) their first code, as if their link had
/// carried it.
pub fn code_to_apply(search: &str, store: &Storefront) -> Option<String> {
    landing_code(search).or_else(|| store.affiliate.as_ref().and(store.codes.first()).map(|c| c.code.clone()))
}

/// The countdown on a drop's last day: "Drops in 5 h", "Drops in 12 min". Earlier
/// it is `None`: a person names the day ("Drops 1 Mar", which the page writes in the
/// shopper's calendar), and "Drops in 89 days" was both vague and too long for the
/// button it sits in.
pub fn drops_in(now: UtcMillis, at: UtcMillis) -> Option<Count> {
    const MINUTE: i64 = 60_000;
    // Rounded up: "1 min" until it drops, never "0 min".
    let minutes = ((at - now).max(0) + MINUTE - 1) / MINUTE;
    match minutes / 60 {
        0 => Some(Count { key: Counted::DropsInMinutes, n: minutes as u64 }),
        hours @ 1..24 => Some(Count { key: Counted::DropsInHours, n: hours as u64 }),
        _ => None,
    }
}

/// One product as an event's ecommerce part: one of it at its price, at `index` in
/// the list it was shown in.
pub fn item_ecommerce(product: &Product, list_id: Option<&str>, index: u32) -> Ecommerce {
    Ecommerce {
        currency: product.price.currency.code().to_owned(),
        value: product.price.minor,
        coupon: None,
        transaction_id: None,
        items: vec![Item {
            item_id: product.id.clone(),
            item_name: product.title.clone(),
            price: product.price.minor,
            quantity: 1,
            index,
            item_list_id: list_id.map(str::to_owned),
        }],
    }
}

/// What the applied code takes off one of `product`, for its card. Only when that
/// does not depend on the rest of the cart: a percentage, or a fixed amount without
/// a minimum, active at `now`, covering the product, in its currency.
pub fn card_saving(code: &Code, product: &Product, store: &Storefront, now: UtcMillis) -> Option<Money> {
    let line = Line { product_id: product.id.clone(), unit_price: product.price.clone(), quantity: 1 };
    let minimum = match &code.offer {
        crate::model::Offer::PercentOff { min_subtotal, .. } | crate::model::Offer::AmountOff { min_subtotal, .. } => {
            min_subtotal
        }
        crate::model::Offer::FreeShipping { .. } => return None,
    };
    if minimum.is_some() {
        return None;
    }
    pricing::apply(code, &[line], &store.collections, now).ok().map(|a| a.discount).filter(|d| d.minor > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Attribution;
    use crate::fixture::{product, shopify, store};
    use crate::model::Badge;

    #[test]
    fn one_shop_one_currency_per_cart() {
        let s = store();
        let mut cart = Cart::default();
        assert_eq!(cart.add(&s, "mug", 0), Ok(1));
        assert_eq!(cart.add(&s, "mug", 0), Ok(2));
        assert_eq!(cart.add(&s, "bowl", 0), Ok(1));
        assert_eq!(cart.add(&s, "lamp", 0), Err(CannotAdd::OtherShop { cart_shop: "fable.example".into() }));
        assert_eq!(cart.add(&s, "yen", 0), Err(CannotAdd::OtherCurrency { cart_currency: "EUR".into() }));
        assert_eq!(cart.add(&s, "zine", 0), Err(CannotAdd::BuyDirect));
        assert_eq!(cart.add(&s, "nope", 0), Err(CannotAdd::Unknown));
        assert_eq!(cart.item_count(), 3);
        assert!(CannotAdd::OtherShop { cart_shop: "fable.example".into() }
            .message(&Text::shipped(crate::locale::Locale::En))
            .contains("checks out at fable.example"));
        // An emptied cart takes any shop again.
        cart.set_quantity("mug", 0);
        cart.set_quantity("bowl", 0);
        assert!(cart.is_empty());
        assert_eq!(cart.add(&s, "lamp", 0), Ok(1));
    }

    #[test]
    fn sold_out_drops_and_limits() {
        let s = store();
        let mut cart = Cart::default();
        assert_eq!(cart.add(&s, "gone", 0), Err(CannotAdd::SoldOut));
        assert_eq!(cart.add(&s, "drop", 999), Err(CannotAdd::NotYet(1_000)));
        assert_eq!(cart.add(&s, "drop", 1_000), Ok(1));
        for _ in 1..MAX_QUANTITY {
            assert!(cart.add(&s, "drop", 1_000).is_ok());
        }
        assert_eq!(cart.add(&s, "drop", 1_000), Err(CannotAdd::AtLimit));
        cart.set_quantity("drop", 99);
        assert_eq!(cart.quantity("drop"), MAX_QUANTITY);
    }

    #[test]
    fn a_full_cart_takes_no_new_product_and_the_fullest_cart_at_the_highest_price_adds_up() {
        let mut s = store();
        let top = Money::new(crate::limits::MAX_PRICE_MINOR, "EUR");
        s.products =
            (0..=MAX_LINES).map(|i| product(&format!("p{i}"), top.clone(), shopify("fable.example", "1"))).collect();
        let mut cart = Cart::default();
        for i in 0..MAX_LINES {
            cart.add(&s, &format!("p{i}"), 0).expect("room");
            cart.set_quantity(&format!("p{i}"), MAX_QUANTITY);
        }
        assert_eq!(cart.add(&s, &format!("p{MAX_LINES}"), 0), Err(CannotAdd::Full));
        assert_eq!(cart.add(&s, "p0", 0), Err(CannotAdd::AtLimit));
        // Reading back a stored cart keeps the same bound.
        let text = format!("1;;{}", (0..=MAX_LINES).map(|i| format!("p{i}:1")).collect::<Vec<_>>().join(","));
        assert_eq!(Cart::decode(&text, &s).lines.len(), MAX_LINES);
        // Never wraps: exactly the shared maximum amount.
        assert_eq!(cart.totals(&s, 0).expect("totals").total.minor, crate::limits::MAX_AMOUNT_MINOR);
    }

    #[test]
    fn totals_with_a_scoped_code_and_a_minimum() {
        let s = store();
        let mut cart = Cart { code: Some("juno15".into()), ..Cart::default() };
        assert_eq!(cart.totals(&s, 0), None);
        cart.add(&s, "mug", 0).ok();
        cart.add(&s, "bowl", 0).ok();
        let t = cart.totals(&s, 0).expect("totals");
        // 15 % of the kitchen mug only: €4.80 off €56.00.
        assert_eq!((t.subtotal.minor, t.total.minor), (5600, 5120));
        cart.code = Some("five".into());
        let t = cart.totals(&s, 0).expect("totals");
        assert_eq!(t.total.minor, 5100);
        cart.set_quantity("mug", 0);
        let t = cart.totals(&s, 0).expect("totals");
        assert!(matches!(t.code, Some(Err(NotApplied::BelowMinimum { .. }))));
        assert_eq!(t.total.minor, 2400);
    }

    #[test]
    fn checkout_link_carries_the_code_only_when_it_applies() {
        let s = store();
        let a = Attribution { utm_source: Some("tiktok".into()), ..Attribution::default() };
        let mut cart = Cart { code: Some("juno15".into()), ..Cart::default() };
        assert_eq!(cart.checkout_link(&s, "c1", &a, 0), None);
        cart.add(&s, "bowl", 0).ok();
        assert_eq!(
            cart.checkout_link(&s, "c1", &a, 0).as_deref(),
            Some("https://fable.example/cart/222:1?ref=juno-park&attributes%5Bclick_id%5D=c1&utm_source=tiktok")
        );
        cart.add(&s, "mug", 0).ok();
        cart.add(&s, "mug", 0).ok();
        assert_eq!(
            cart.checkout_link(&s, "c1", &a, 0).as_deref(),
            Some("https://fable.example/cart/222:1,111:2?discount=JUNO15&ref=juno-park&attributes%5Bclick_id%5D=c1&utm_source=tiktok")
        );
    }

    #[test]
    fn storage_round_trip_and_hostile_text() {
        let s = store();
        let mut cart = Cart { code: Some("five".into()), ..Cart::default() };
        cart.add(&s, "mug", 0).ok();
        cart.add(&s, "bowl", 0).ok();
        cart.add(&s, "bowl", 0).ok();
        assert_eq!(cart.encode(), "1;five;mug:1,bowl:2");
        assert_eq!(Cart::decode(&cart.encode(), &s), cart);
        assert_eq!(Cart::decode("", &s), Cart::default());
        assert_eq!(Cart::decode("2;five;mug:1", &s), Cart::default());
        // Other shops, malformed ids, junk and huge numbers are dropped or capped; a
        // product the page does not carry is pending, and so is a code it does not list
        // (an affiliate's): kept, applying to nothing until the page knows it.
        let read = Cart::decode("1;gone-code;mug:x,nope:1,mug:999,lamp:1,bowl:0,zine:1,mug:3,../x:1,Nope:1,,:", &s);
        let line = |id: &str, quantity| CartLine { product_id: id.into(), quantity };
        let lines = vec![line("nope", 1), line("mug", MAX_QUANTITY)];
        assert_eq!(read, Cart { code: Some("gone-code".into()), lines: lines.clone() });
        assert_eq!(read.applied_code(&s), None);
        assert_eq!(read.pending(&s).collect::<Vec<_>>(), ["nope"]);
    }

    // While a line's product is on its way, the cart counts it but neither totals nor
    // checks out (either would leave the line out); with it, both are as usual.
    #[test]
    fn a_pending_line_counts_but_holds_back_totals_and_checkout() {
        let whole = store();
        // A cart page that holds none of the lines' products (its picks taken away).
        let mut page = whole.for_page(&crate::route::Route::Cart);
        page.products.clear();
        page.collections.clear();
        let cart = Cart::decode("1;five;mug:2,bowl:1", &page);
        assert_eq!((cart.item_count(), cart.pending(&page).count()), (3, 2));
        assert_eq!(cart.totals(&page, 0), None);
        assert_eq!(cart.checkout_link(&page, "c", &Attribution::default(), 0), None);
        let mut known = page.clone();
        known.add_products_of(whole.for_page(&crate::route::Route::Product("mug".into())));
        assert_eq!(cart.totals(&known, 0), None, "the bowl is still on its way");
        known.add_products_of(whole.for_page(&crate::route::Route::Product("bowl".into())));
        assert_eq!(cart.totals(&known, 0), cart.totals(&whole, 0));
        assert!(cart.totals(&known, 0).is_some());
        assert_eq!(
            cart.checkout_link(&known, "c", &Attribution::default(), 0),
            cart.checkout_link(&whole, "c", &Attribution::default(), 0)
        );
    }

    #[test]
    fn landing_codes_and_drop_countdowns() {
        assert_eq!(landing_code("?utm_source=tiktok&code=JUNO15").as_deref(), Some("JUNO15"));
        assert_eq!(landing_code("?code=A%26B+1").as_deref(), Some("A&B 1"));
        assert_eq!(landing_code("?code=&x=1"), None);
        assert_eq!(landing_code(""), None);
        let mut page = crate::fixture::store();
        assert_eq!(code_to_apply("", &page), None, "a creator's page applies nothing unasked");
        page.affiliate = Some("juno".into());
        assert_eq!(
            code_to_apply("", &page).as_deref(),
            Some(page.codes[0].code.as_str()),
            "an affiliate's applies theirs"
        );
        assert_eq!(code_to_apply("?code=OTHER", &page).as_deref(), Some("OTHER"), "the link's code wins");
        const MIN: i64 = 60_000;
        let en = Text::shipped(crate::locale::Locale::En);
        let say = |now, at| drops_in(now, at).map(|c| en.count(c.key, c.n, crate::locale::plural(en.locale, c.n)));
        assert_eq!(say(0, 1).as_deref(), Some("Drops in 1 min"));
        assert_eq!(say(0, 59 * MIN).as_deref(), Some("Drops in 59 min"));
        assert_eq!(say(0, 59 * MIN + 1).as_deref(), Some("Drops in 1 h"), "rounded up to the hour");
        assert_eq!(say(0, 5 * 60 * MIN + 20 * MIN).as_deref(), Some("Drops in 5 h"));
        assert_eq!(say(0, 24 * 60 * MIN - MIN).as_deref(), Some("Drops in 23 h"));
        assert_eq!(drops_in(0, 24 * 60 * MIN), None, "a later day is named, not counted");
    }

    #[test]
    fn typed_codes_and_card_savings() {
        let s = store();
        assert_eq!(find_code(&s, "  juno15 ", 0).map(|c| c.id.as_str()), Ok("juno15"));
        assert_eq!(find_code(&s, "five off", 0).map(|c| c.id.as_str()), Ok("five"));
        assert_eq!(find_code(&s, " ", 0), Err(CodeEntryError::Blank));
        assert_eq!(find_code(&s, "JUNO16", 0).map(|c| c.id.clone()), Err(CodeEntryError::Unknown("JUNO16".into())));
        let mut ended = s.clone();
        ended.codes[0].ends_at = Some(100);
        assert_eq!(find_code(&ended, "juno15", 99).map(|c| c.id.as_str()), Ok("juno15"));
        assert_eq!(find_code(&ended, "juno15", 100).map(|c| c.id.clone()), Err(CodeEntryError::Ended("JUNO15".into())));
        assert_eq!(
            CodeEntryError::Ended("JUNO15".into()).message(&Text::shipped(crate::locale::Locale::En)),
            "JUNO15 has ended."
        );
        let juno = &s.codes[0];
        let mug = s.product("mug").expect("mug");
        let bowl = s.product("bowl").expect("bowl");
        assert_eq!(card_saving(juno, mug, &s, 0), Some(Money::new(480, "EUR")));
        assert_eq!(card_saving(juno, bowl, &s, 0), None, "out of scope");
        assert_eq!(card_saving(&s.codes[1], mug, &s, 0), None, "depends on the cart's minimum");
        let ended = Code { ends_at: Some(0), ..juno.clone() };
        assert_eq!(card_saving(&ended, mug, &s, 0), None);
    }

    #[test]
    fn a_direct_buy_carries_the_applied_code_only_where_it_applies() {
        let mut s = store();
        // The zine is bought on its own at Gumroad; the 15 % code covers the kitchen.
        s.collections[0].products.push("zine".into());
        let zine = s.product("zine").expect("zine").clone();
        let cart = Cart { code: Some("juno15".into()), ..Cart::default() };
        let (code, ecommerce) = cart.direct_buy(&s, &zine, Some("kitchen"), 3, 0);
        assert_eq!(code.map(|c| c.id.as_str()), Some("juno15"));
        assert_eq!((ecommerce.value, ecommerce.coupon.as_deref()), (1020, Some("JUNO15")));
        assert_eq!(ecommerce.items[0].price, 1200, "the item keeps its list price");
        assert_eq!((ecommerce.items[0].index, ecommerce.items[0].item_list_id.as_deref()), (3, Some("kitchen")));
        // Not active yet, or not covering the product: no code, full value.
        s.codes[0].starts_at = Some(1_000);
        let (code, ecommerce) = cart.direct_buy(&s, &zine, None, 0, 0);
        assert_eq!((code, ecommerce.value, ecommerce.coupon), (None, 1200, None));
        s.codes[0].starts_at = None;
        s.collections[0].products.retain(|p| p != "zine");
        assert_eq!(cart.direct_buy(&s, &zine, None, 0, 0).0, None);
    }

    #[test]
    fn the_cart_checkout_event_has_every_line_and_the_code_only_when_it_applies() {
        let s = store();
        let mut cart = Cart { code: Some("five".into()), ..Cart::default() };
        cart.add(&s, "mug", 0).ok();
        let totals = cart.totals(&s, 0).expect("totals");
        let ecommerce = cart.checkout_ecommerce(&s, &totals);
        assert_eq!((ecommerce.value, ecommerce.coupon), (3200, None), "below the minimum: no coupon");
        cart.add(&s, "bowl", 0).ok();
        cart.add(&s, "bowl", 0).ok();
        let totals = cart.totals(&s, 0).expect("totals");
        let ecommerce = cart.checkout_ecommerce(&s, &totals);
        assert_eq!((ecommerce.value, ecommerce.coupon.as_deref()), (8000 - 500, Some("Five Off")));
        assert_eq!(ecommerce.currency, "EUR");
        let lines: Vec<_> = ecommerce.items.iter().map(|i| (i.item_id.as_str(), i.quantity, i.index)).collect();
        assert_eq!(lines, vec![("mug", 1, 0), ("bowl", 2, 1)]);
    }

    #[test]
    fn each_product_offers_exactly_one_action() {
        let mut s = store();
        let mut cart = Cart::default();
        let mug = s.product("mug").expect("mug").clone();
        assert_eq!(cart.action(&s, &mug, 0), ProductAction::Add);
        cart.add(&s, "mug", 0).ok();
        cart.add(&s, "mug", 0).ok();
        assert_eq!(cart.action(&s, &mug, 0), ProductAction::InCart(2));
        let zine = s.product("zine").expect("zine").clone();
        assert_eq!(cart.action(&s, &zine, 0), ProductAction::BuyDirect);
        let (lamp, yen) = (s.product("lamp").expect("lamp").clone(), s.product("yen").expect("yen").clone());
        assert_eq!(cart.action(&s, &lamp, 0), ProductAction::Separately, "another shop");
        assert_eq!(cart.action(&s, &yen, 0), ProductAction::Separately, "another currency");
        assert_eq!(Cart::default().action(&s, &lamp, 0), ProductAction::Add, "an empty cart takes any shop");
        s.products[0].available_at = Some(3 * 24 * 3_600_000 + 1);
        let drop = s.products[0].clone();
        assert_eq!(cart.action(&s, &drop, 0), ProductAction::Upcoming(None));
        let last_day = 2 * 24 * 3_600_000 + 2 * 3_600_000;
        assert_eq!(
            cart.action(&s, &drop, last_day),
            ProductAction::Upcoming(Some(Count { key: Counted::DropsInHours, n: 22 }))
        );
        assert_eq!(cart.action(&s, &drop, 3 * 24 * 3_600_000 + 1), ProductAction::InCart(2), "released");
        s.products[0].badges.push(Badge::SoldOut);
        assert_eq!(cart.action(&s, &s.products[0], 0), ProductAction::SoldOut, "sold out wins over a countdown");
    }
}
