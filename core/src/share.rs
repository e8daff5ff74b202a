//! The links the Share action hands on (a product, a code, a pop-up).
//!
//! A shared link is the page's public address tagged `utm_source=share` and
//! `utm_campaign=<what was shared>` (the product, code or pop-up id, as the QR codes
//! tag theirs with `utm_source=qr`), so shares are counted apart from the creator's own
//! posts and a backend sees which product or pop-up travelled. It carries the page's
//! affiliate (a brand's sale stays theirs) and, for a code, the code itself, applied on
//! arrival. It never carries the sharer's own campaign or click ids: the friend's visit
//! is theirs, not the sharer's ad click. Written at build time into the page (the
//! address is the site's public one, so a link copied on a phone works anywhere).

use crate::model::Site;

/// What is shared, which names its campaign and page.
pub enum Shared<'a> {
    /// A product's own page.
    Product(&'a str),
    /// A code: the home page with the code applied.
    Code { id: &'a str, code: &'a str },
    /// A pop-up or live: the home page, where the schedule is.
    Popup(&'a str),
}

/// The link to share for `what`, on the page of `affiliate` if it is theirs.
pub fn link(site: &Site, what: &Shared, affiliate: Option<&str>) -> String {
    let (path, campaign, code) = match what {
        Shared::Product(id) => (format!("p/{id}/"), *id, None),
        Shared::Code { id, code } => (String::new(), *id, Some(*code)),
        Shared::Popup(id) => (String::new(), *id, None),
    };
    // An affiliate's shared home is their page.
    let path = match (affiliate, path.is_empty()) {
        (Some(handle), true) => format!("c/{handle}/"),
        _ => path,
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("utm_source", "share").append_pair("utm_campaign", campaign);
    if let Some(handle) = affiliate {
        query.append_pair("affiliate", handle);
    }
    if let Some(code) = code {
        query.append_pair("code", code);
    }
    format!("{}?{}", site.page_url(&path), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(url: &str) -> Site {
        Site { url: url.into(), ..Default::default() }
    }

    #[test]
    fn tags_the_share_and_what_was_shared() {
        let root = site("https://junopark.example/");
        assert_eq!(
            link(&root, &Shared::Product("speckled-mug"), None),
            "https://junopark.example/p/speckled-mug/?utm_source=share&utm_campaign=speckled-mug"
        );
        assert_eq!(
            link(&root, &Shared::Code { id: "juno15", code: "JUNO 15&" }, None),
            "https://junopark.example/?utm_source=share&utm_campaign=juno15&code=JUNO+15%26"
        );
        assert_eq!(
            link(&root, &Shared::Popup("berlin-winter-market"), None),
            "https://junopark.example/?utm_source=share&utm_campaign=berlin-winter-market"
        );
    }

    #[test]
    fn keeps_the_affiliate_and_the_sub_path() {
        let shop = site("https://name.github.io/brand-shop/");
        assert_eq!(
            link(&shop, &Shared::Popup("launch"), Some("juno.park")),
            "https://name.github.io/brand-shop/c/juno.park/?utm_source=share&utm_campaign=launch&affiliate=juno.park"
        );
        assert_eq!(
            link(&shop, &Shared::Product("mug"), Some("juno.park")),
            "https://name.github.io/brand-shop/p/mug/?utm_source=share&utm_campaign=mug&affiliate=juno.park"
        );
        // What the link says reads back as that campaign on arrival.
        let url = link(&shop, &Shared::Code { id: "juno15", code: "JUNO15" }, Some("juno.park"));
        let landing = crate::attribution::from_landing(url.split_once('?').map_or("", |(_, q)| q), "");
        assert_eq!(landing.utm_source.as_deref(), Some("share"));
        assert_eq!(landing.utm_campaign.as_deref(), Some("juno15"));
        assert_eq!(landing.affiliate.as_deref(), Some("juno.park"));
    }
}
