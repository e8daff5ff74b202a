//! A small storefront for the core's tests: seven products across two shops and two
//! currencies, one collection, a collection-scoped code and a whole-cart code.

use crate::model::{Badge, Checkout, Code, Collection, Offer, Product, Scope, Storefront};
use crate::money::Money;

pub fn product(id: &str, price: Money, checkout: Checkout) -> Product {
    Product {
        id: id.into(),
        title: id.into(),
        description: format!("All about the {id}."),
        price,
        compare_at: None,
        images: vec![],
        badges: vec![],
        disclosure: None,
        checkout,
        available_at: None,
        available_label: None,
        time_zone: None,
    }
}

pub fn shopify(shop: &str, variant: &str) -> Checkout {
    Checkout::Shopify { shop: shop.into(), variant: variant.into() }
}

pub fn store() -> Storefront {
    use crate::model::{Creator, Image, Site, Theme, Tracking};
    let mut s = Storefront {
        baked_at: 0,
        affiliate: None,
        site: Site { url: "https://juno.example/".into(), ..Default::default() },
        creator: Creator {
            id: "juno-park".into(),
            name: "Juno".into(),
            handle: "@juno".into(),
            bio: String::new(),
            avatar: Image { src: "a.svg".into(), alt: "Juno".into() },
            disclosure: String::new(),
            links: vec![],
        },
        theme: Theme {
            preset: Default::default(),
            accent: String::new(),
            on_accent: String::new(),
            accent_text_light: String::new(),
            accent_text_dark: String::new(),
        },
        codes: vec![],
        products: vec![],
        collections: vec![],
        popups: vec![],
        tracking: Tracking::default(),
        text: crate::locale::Text::shipped(crate::locale::Locale::En),
    };
    s.products = vec![
        product("mug", Money::new(3200, "EUR"), shopify("fable.example", "111")),
        product("bowl", Money::new(2400, "EUR"), shopify("fable.example", "222")),
        product("lamp", Money::new(8900, "EUR"), shopify("lumen.example", "333")),
        product("yen", Money::new(3800, "JPY"), shopify("fable.example", "444")),
        product("zine", Money::new(1200, "EUR"), Checkout::Gumroad { url: "https://j.gumroad.com/l/zine".into() }),
        Product {
            badges: vec![Badge::SoldOut],
            ..product("gone", Money::new(100, "EUR"), shopify("fable.example", "555"))
        },
        Product {
            available_at: Some(1_000),
            ..product("drop", Money::new(5000, "EUR"), shopify("fable.example", "666"))
        },
    ];
    s.collections = vec![Collection {
        id: "kitchen".into(),
        title: "Kitchen".into(),
        description: None,
        products: vec!["mug".into()],
    }];
    s.codes = vec![
        Code {
            id: "juno15".into(),
            code: "JUNO15".into(),
            brand: "Fable".into(),
            offer: Offer::PercentOff { percent: 15, min_subtotal: None },
            starts_at: None,
            ends_at: None,
            ends_label: None,
            time_zone: None,
            scope: Scope { products: vec![], collections: vec!["kitchen".into()] },
        },
        Code {
            id: "five".into(),
            code: "Five Off".into(),
            brand: "Fable".into(),
            offer: Offer::AmountOff { amount: Money::new(500, "EUR"), min_subtotal: Some(Money::new(4000, "EUR")) },
            starts_at: None,
            ends_at: None,
            ends_label: None,
            time_zone: None,
            scope: Scope::default(),
        },
    ];
    s
}
