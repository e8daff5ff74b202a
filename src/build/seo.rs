//! What search engines and link previews read: each page's canonical address, its
//! OpenGraph and Twitter card tags, schema.org JSON-LD (`ProfilePage` with the creator
//! as `Person`, `Product` with its `Offer`, an `Event` per pop-up), the sitemap and
//! robots.txt. All of it needs the site's public address (`site.url` in the config).
//!
//! The JSON-LD follows Google's documented properties: for Product snippets `name` and
//! `offers` (`price`, `priceCurrency`, `availability`, `url`); for events `name`,
//! `startDate` and `location`, with `endDate`, `eventAttendanceMode` and `image`.

use crate::build::html_escape as escape;
use crate::ui::route::Route;
use linkshelf_core::model::{Image, Place, Popup, Product, Roster, Site, Storefront};
use serde_json::{json, Value};

/// An image's absolute address (previews and search engines need one).
fn absolute(store: &Storefront, image: &Image) -> String {
    match image.src.starts_with("http://") || image.src.starts_with("https://") {
        true => image.src.clone(),
        false => store.site.file_url(&image.src),
    }
}

/// What the page is about, for its description and preview.
fn description(store: &Storefront, route: &Route) -> String {
    match route {
        Route::Product(id) => match store.product(id) {
            Some(p) if !p.description.is_empty() => p.description.clone(),
            _ => store.creator.bio.clone(),
        },
        _ => store.creator.bio.clone(),
    }
}

/// The page's preview image, and whether it is a large picture: the product's first
/// photo, or the site's share image, or else the creator's avatar (a small square).
fn preview_image<'a>(store: &'a Storefront, route: &Route) -> (&'a Image, bool) {
    let product = match route {
        Route::Product(id) => store.product(id).and_then(|p| p.images.first()),
        _ => None,
    };
    match product.or(store.site.share_image.as_ref()) {
        Some(image) => (image, true),
        None => (&store.creator.avatar, false),
    }
}

/// The `<head>` tags of one page, after its `<title>`.
pub fn head_tags(store: &Storefront, route: &Route) -> String {
    let title = route.title(store);
    let description = description(store, route);
    let (image, large) = preview_image(store, route);
    let mut tags = vec![format!("<meta name=\"description\" content=\"{}\">", escape(&description))];
    // The cart, the return page and the page of missing paths are nobody's search
    // result, and have no address of their own to share.
    if matches!(route, Route::Cart | Route::Thanks | Route::NotFound) {
        tags.push("<meta name=\"robots\" content=\"noindex\">".to_owned());
        return tags.join("\n");
    }
    let url = store.site.page_url(&route.path());
    let kind = if matches!(route, Route::Product(_)) { "product" } else { "profile" };
    for (name, value) in [
        ("og:type", kind),
        ("og:site_name", &store.creator.name),
        ("og:title", &title),
        ("og:description", &description),
        ("og:url", &url),
        ("og:image", &absolute(store, image)),
        ("og:image:alt", &image.alt),
    ] {
        tags.push(format!("<meta property=\"{name}\" content=\"{}\">", escape(value)));
    }
    let card = if large { "summary_large_image" } else { "summary" };
    for (name, value) in [
        ("twitter:card", card),
        ("twitter:title", &title),
        ("twitter:description", &description),
        ("twitter:image", &absolute(store, image)),
        ("twitter:image:alt", &image.alt),
    ] {
        tags.push(format!("<meta name=\"{name}\" content=\"{}\">", escape(value)));
    }
    tags.insert(0, format!("<link rel=\"canonical\" href=\"{}\">", escape(&url)));
    if let Some(data) = json_ld(store, route) {
        // `<` escaped so no text can end the script element.
        let text = data.to_string().replace('<', "\\u003c");
        tags.push(format!("<script type=\"application/ld+json\">{text}</script>"));
    }
    tags.join("\n")
}

/// The page's schema.org data: the creator's profile page with the pop-ups on the
/// home page, the product on its page.
pub fn json_ld(store: &Storefront, route: &Route) -> Option<Value> {
    match route {
        // An affiliate's page is their profile page too (`Storefront::for_affiliate`).
        Route::Home | Route::Affiliate(_) => {
            let creator = &store.creator;
            let person = json!({
                "@type": "Person",
                "name": creator.name,
                "alternateName": creator.handle,
                "description": creator.bio,
                "image": absolute(store, &creator.avatar),
                "sameAs": creator.links.iter().filter(|l| l.url.starts_with("http")).map(|l| &l.url).collect::<Vec<_>>(),
            });
            let mut graph = vec![json!({
                "@type": "ProfilePage",
                "url": store.site.page_url(&route.path()),
                "name": route.title(store),
                "mainEntity": person,
            })];
            graph.extend(store.popups.iter().map(|p| event(store, p)));
            Some(json!({ "@context": "https://schema.org", "@graph": graph }))
        }
        Route::Product(id) => store.product(id).map(|p| product(store, p)),
        _ => None,
    }
}

fn product(store: &Storefront, product: &Product) -> Value {
    let availability = if product.is_sold_out() {
        "https://schema.org/SoldOut"
    } else if product.is_upcoming(store.baked_at) {
        "https://schema.org/PreOrder"
    } else {
        "https://schema.org/InStock"
    };
    json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.description,
        "image": product.images.iter().map(|i| absolute(store, i)).collect::<Vec<_>>(),
        "sku": product.id,
        "offers": {
            "@type": "Offer",
            "price": product.price.decimal_string(),
            "priceCurrency": product.price.currency.code(),
            "availability": availability,
            "url": store.site.page_url(&Route::Product(product.id.clone()).path()),
        },
    })
}

/// `2026-12-05T11:00:00+01:00`: the venue's local time with its offset, as the
/// event's own page would say it.
fn local_time(millis: i64, zone: &str) -> String {
    let Ok(instant) = jiff::Timestamp::from_millisecond(millis) else { return String::new() };
    match jiff::tz::TimeZone::get(zone) {
        Ok(tz) => instant.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => instant.to_string(),
    }
}

fn event(store: &Storefront, popup: &Popup) -> Value {
    let (mode, location) = match &popup.place {
        Place::Venue { name, address, .. } => (
            "https://schema.org/OfflineEventAttendanceMode",
            json!({ "@type": "Place", "name": name, "address": address }),
        ),
        Place::Stream { url, .. } => {
            ("https://schema.org/OnlineEventAttendanceMode", json!({ "@type": "VirtualLocation", "url": url }))
        }
    };
    json!({
        "@type": "Event",
        "name": popup.title,
        "startDate": local_time(popup.starts_at, &popup.time_zone),
        "endDate": local_time(popup.ends_at, &popup.time_zone),
        "eventAttendanceMode": mode,
        "eventStatus": "https://schema.org/EventScheduled",
        "location": location,
        "image": absolute(store, &store.creator.avatar),
        "organizer": { "@type": "Person", "name": store.creator.name, "url": store.site.page_url("/") },
    })
}

/// `sitemap.xml`: the home page, every product page, and every affiliate's page, in
/// every language the site is built in.
pub fn sitemap(store: &Storefront, roster: &Roster) -> String {
    let mut paths = vec![Route::Home.path()];
    paths.extend(store.products.iter().map(|p| Route::Product(p.id.clone()).path()));
    paths.extend(roster.affiliates.iter().map(|a| Route::Affiliate(a.handle.clone()).path()));
    let copies: Vec<Site> = store.site.languages.iter().map(|l| store.site.in_language(*l)).collect();
    let urls: String = copies
        .iter()
        .flat_map(|site| paths.iter().map(move |path| site.page_url(path)))
        .map(|url| format!("<url><loc>{}</loc></url>\n", escape(&url)))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{urls}</urlset>\n")
}

/// `robots.txt`: everything may be read but the cart and the return page; where the
/// sitemap is. (A shop under a sub-path can't speak for the host's root: its
/// robots.txt only counts where it is the host's own.)
pub fn robots(store: &Storefront) -> String {
    let site = &store.site;
    let mut folders = vec![String::new()];
    folders.extend(site.languages.iter().map(|l| site.folder_of(*l)).filter(|f| !f.is_empty()));
    let rules: String = folders
        .iter()
        .map(|f| format!("Disallow: {base}{f}cart/\nDisallow: {base}{f}thanks/\n", base = site.base_path()))
        .collect();
    format!("User-agent: *\n{rules}\nSitemap: {}\n", site.file_url("sitemap.xml"))
}

/// The language tags of a page's head: where each other language's copy of the page
/// is (`hreflang`, the creator's default as `x-default`), so a search engine shows
/// each shopper the page in their language.
pub fn language_links(store: &Storefront, route: &Route) -> String {
    let site = &store.site;
    if site.languages.len() < 2 || matches!(route, Route::Cart | Route::Thanks | Route::NotFound) {
        return String::new();
    }
    let mut links: Vec<String> = site
        .languages
        .iter()
        .map(|l| {
            let url = site.in_language(*l).page_url(&route.path());
            format!("<link rel=\"alternate\" hreflang=\"{}\" href=\"{}\">", l.tag(), escape(&url))
        })
        .collect();
    let default = site.in_language(site.languages[0]).page_url(&route.path());
    links.push(format!("<link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\">", escape(&default)));
    links.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::config;
    use std::path::Path;

    fn demo() -> Storefront {
        config::load(Path::new("demo/storefront.json"), 1_795_804_200_000).map(|(s, _)| s).expect("demo config")
    }

    /// The JSON-LD inside a page's tags, parsed.
    fn ld(tags: &str) -> Value {
        let start = tags.find("<script type=\"application/ld+json\">").expect("JSON-LD") + 35;
        let end = tags[start..].find("</script>").expect("closed") + start;
        serde_json::from_str(&tags[start..end]).expect("JSON-LD parses")
    }

    fn has(value: &Value, fields: &[&str]) {
        for field in fields {
            let present = value.get(field).is_some_and(|v| !v.is_null() && v != "" && v != &json!([]));
            assert!(present, "{field} missing in {value:#}");
        }
    }

    #[test]
    fn product_pages_carry_a_product_with_its_offer() {
        let store = demo();
        let tags = head_tags(&store, &Route::Product("speckled-mug".into()));
        assert!(tags.contains("<link rel=\"canonical\" href=\"https://shop.junopark.example/p/speckled-mug/\">"));
        assert!(tags.contains("<meta property=\"og:type\" content=\"product\">"));
        assert!(tags.contains("<meta property=\"og:image\" content=\"https://shop.junopark.example/media/"));
        assert!(tags.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
        let product = ld(&tags);
        assert_eq!(product["@type"], "Product");
        // Google's Product snippets: name, offers (price, priceCurrency), image; availability and url recommended.
        has(&product, &["name", "image", "description", "offers"]);
        let offer = &product["offers"];
        has(offer, &["price", "priceCurrency", "availability", "url"]);
        assert_eq!(offer["price"], "32.00", "a decimal string, never a float");
        assert_eq!(offer["priceCurrency"], "EUR");
        assert_eq!(offer["availability"], "https://schema.org/InStock");
    }

    #[test]
    fn sold_out_and_upcoming_products_say_so() {
        let mut store = demo();
        let id = store.products[0].id.clone();
        store.products[0].badges.push(linkshelf_core::model::Badge::SoldOut);
        assert_eq!(
            ld(&head_tags(&store, &Route::Product(id.clone())))["offers"]["availability"],
            "https://schema.org/SoldOut"
        );
        store.products[0].badges.clear();
        store.products[0].available_at = Some(store.baked_at + 1);
        assert_eq!(
            ld(&head_tags(&store, &Route::Product(id)))["offers"]["availability"],
            "https://schema.org/PreOrder"
        );
    }

    #[test]
    fn the_home_page_is_the_creators_profile_with_their_events() {
        let mut store = demo();
        let tags = head_tags(&store, &Route::Home);
        assert!(tags.contains("<link rel=\"canonical\" href=\"https://shop.junopark.example/\">"));
        assert!(tags.contains("<meta property=\"og:image\" content=\"https://shop.junopark.example/media/share.png\">"));
        assert!(tags.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
        // Without a share image, the avatar: a small square card.
        store.site.share_image = None;
        let avatar = head_tags(&store, &Route::Home);
        assert!(avatar.contains("content=\"https://shop.junopark.example/media/avatar.svg\">"));
        assert!(avatar.contains("<meta name=\"twitter:card\" content=\"summary\">"), "an avatar is a small square");
        let data = ld(&tags);
        let graph = data["@graph"].as_array().expect("a graph");
        let page = &graph[0];
        assert_eq!(page["@type"], "ProfilePage");
        assert_eq!(page["mainEntity"]["@type"], "Person");
        has(&page["mainEntity"], &["name", "alternateName", "image", "sameAs"]);
        let events: Vec<&Value> = graph.iter().filter(|v| v["@type"] == "Event").collect();
        assert_eq!(events.len(), store.popups.len());
        for event in &events {
            // Google's events: name, startDate, location; endDate, eventAttendanceMode, image recommended.
            has(event, &["name", "startDate", "endDate", "location", "eventAttendanceMode", "eventStatus", "image"]);
        }
        let live = events.iter().find(|e| e["location"]["@type"] == "VirtualLocation").expect("the live stream");
        assert_eq!(live["eventAttendanceMode"], "https://schema.org/OnlineEventAttendanceMode");
        let market = events.iter().find(|e| e["location"]["@type"] == "Place").expect("a market");
        has(&market["location"], &["name", "address"]);
        assert!(market["startDate"].as_str().is_some_and(|d| d.ends_with("+01:00")), "venue time with its offset");
    }

    #[test]
    fn the_cart_and_missing_pages_are_not_indexed() {
        let store = demo();
        for route in [Route::Cart, Route::Thanks, Route::NotFound] {
            let tags = head_tags(&store, &route);
            assert!(tags.contains("<meta name=\"robots\" content=\"noindex\">"));
            assert!(!tags.contains("canonical") && !tags.contains("ld+json"));
        }
    }

    #[test]
    fn creator_text_cannot_break_out_of_the_tags() {
        let mut store = demo();
        store.creator.bio = "\"><script>alert(1)</script>".into();
        store.creator.name = "</script><b>".into();
        let tags = head_tags(&store, &Route::Home);
        assert!(!tags.contains("<script>alert") && !tags.contains("</script><b>"));
        assert_eq!(ld(&tags)["@graph"][0]["mainEntity"]["name"], "</script><b>", "and the JSON-LD keeps it exact");
    }

    #[test]
    fn the_sitemap_lists_every_page_and_robots_points_at_it() {
        let mut store = demo();
        let sitemap = sitemap(&store, &Roster::default());
        assert_eq!(sitemap.matches("<url>").count(), 6 * (1 + store.products.len()), "in every language");
        assert!(sitemap.contains("<loc>https://shop.junopark.example/p/speckled-mug/</loc>"));
        assert!(sitemap.contains("<loc>https://shop.junopark.example/pt-br/p/speckled-mug/</loc>"));
        assert!(!sitemap.contains("/cart/"));
        let robots_txt = robots(&store);
        assert!(robots_txt.contains("Disallow: /cart/\nDisallow: /thanks/\nDisallow: /es/cart/\n"), "{robots_txt}");
        store.site.languages = vec![linkshelf_core::locale::Locale::En];
        assert_eq!(
            robots(&store),
            "User-agent: *\nDisallow: /cart/\nDisallow: /thanks/\n\nSitemap: https://shop.junopark.example/sitemap.xml\n"
        );
    }
}
