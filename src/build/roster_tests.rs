//! Brand mode: the affiliates written in the config and read from a roster CSV, and
//! every refusal, each pointing at its field or its line and column.

use super::config::{self, ConfigError, Options};
use linkshelf_core::model::{Offer, Roster, SocialKind};
use proptest::prelude::*;
use serde_json::{json, Value};

fn brand() -> Value {
    json!({
        "site": {"url": "https://northwind.example/"},
        "creator": {
            "id": "northwind", "name": "Northwind", "handle": "@northwind", "time_zone": "Europe/Berlin",
            "avatar": {"src": "https://cdn.example.com/logo.png", "alt": "Northwind logo"},
            "disclosure": "Brand page."
        },
        "shopify": {"shop": "northwind.myshopify.com"},
        "codes": [{"id": "welcome", "code": "WELCOME", "brand": "Northwind", "offer": {"kind": "percent_off", "percent": 5}}],
        "products": [
            {"id": "mug", "title": "Mug", "price": "12.00 EUR", "checkout": {"kind": "shopify", "variant": "1"},
             "images": [{"src": "https://cdn.example.com/mug.png", "alt": "A mug"}]},
            {"id": "tote", "title": "Tote", "price": "20.00 EUR", "checkout": {"kind": "shopify", "variant": "2"},
             "images": [{"src": "https://cdn.example.com/tote.png", "alt": "A tote"}]},
            {"id": "lamp", "title": "Lamp", "price": "80.00 EUR", "checkout": {"kind": "shopify", "variant": "3"},
             "images": [{"src": "https://cdn.example.com/lamp.png", "alt": "A lamp"}]}
        ],
        "collections": [{"id": "all", "title": "All", "products": ["mug", "tote", "lamp"]}],
        "affiliates": {
            "roster": "affiliates.csv",
            "disclosure": "I earn a commission on sales through this page.",
            "list": [{
                "handle": "@Juno.Park", "name": "Juno Park", "bio": "Clay and coffee.",
                "avatar": {"src": "https://cdn.example.com/juno.png", "alt": "Juno smiling"},
                "codes": [{"id": "juno15", "code": "JUNO15", "brand": "Northwind", "offer": {"kind": "percent_off", "percent": 15}}],
                "picks": ["lamp", "mug"],
                "popups": [{"id": "juno-live", "title": "Juno live", "starts_at": "2026-12-05T11:00", "ends_at": "2026-12-05T12:00",
                            "stream": {"platform": "TikTok", "url": "https://www.tiktok.com/@juno/live"}}]
            }]
        }
    })
}

const ROSTER: &str = "handle,name,avatar,bio,picks,code,offer,min_subtotal,code_ends_at,tiktok,instagram\n\
    mia_k,Mia König,https://cdn.example.com/mia.png,\"Linen, mostly. \"\"Slow\"\" living.\",tote mug,MIA10,10%,,,https://www.tiktok.com/@mia_k,\n\
    sato,佐藤 美咲,,,mug,SATO5,5.00 EUR,40.00 EUR,2027-06-30T23:59,,https://www.instagram.com/sato\n\
    \n\
    leila,ليلى حداد,,,lamp,LEILA,free shipping,,,,\n";

fn check(config: Value, roster: &str) -> Result<Roster, Vec<ConfigError>> {
    let raw = config::parse(&config.to_string()).map_err(|e| vec![e])?;
    let file = Some(Ok(("affiliates.csv".to_owned(), roster.to_owned())));
    config::validate_with_roster(&raw, &Options { base_dir: None, now: 0 }, file).map(|(_, assets)| assets.roster)
}

fn errors(config: Value, roster: &str) -> Vec<String> {
    match check(config, roster) {
        Ok(_) => vec![],
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn assert_error(config: Value, roster: &str, expected: &str) {
    let found = errors(config, roster);
    assert!(found.iter().any(|e| e == expected), "expected {expected:?}, got {found:#?}");
}

#[test]
fn affiliates_from_the_config_and_the_roster() {
    let roster = check(brand(), ROSTER).expect("valid");
    let handles: Vec<&str> = roster.affiliates.iter().map(|a| a.handle.as_str()).collect();
    assert_eq!(
        handles,
        ["juno.park", "mia_k", "sato", "leila"],
        "the config's first, then the rows; blank rows skipped"
    );
    assert!(roster.catalogue && !roster.directory, "the defaults");
    let juno = &roster.affiliates[0];
    assert_eq!((juno.profile.name.as_str(), juno.profile.handle.as_str()), ("Juno Park", "@juno.park"));
    assert_eq!(juno.profile.id, "northwind", "events stay the brand's");
    assert_eq!(juno.profile.disclosure, "I earn a commission on sales through this page.");
    assert_eq!(juno.picks, ["lamp", "mug"]);
    assert_eq!(juno.popups[0].id, "juno-live");
    let mia = &roster.affiliates[1];
    assert_eq!(mia.profile.bio, "Linen, mostly. \"Slow\" living.", "quoted commas and quotes");
    assert_eq!(mia.profile.avatar.alt, "Mia König", "the name is the photo's alt text");
    assert_eq!(mia.profile.links.len(), 1);
    assert_eq!(mia.profile.links[0].kind, SocialKind::Tiktok);
    assert_eq!(mia.codes[0].id, "mia10");
    assert_eq!(mia.codes[0].brand, "Northwind");
    assert!(matches!(mia.codes[0].offer, Offer::PercentOff { percent: 10, min_subtotal: None }));
    let sato = &roster.affiliates[2];
    assert_eq!(sato.profile.avatar.src, "https://cdn.example.com/logo.png", "no photo: the brand's");
    assert!(
        matches!(&sato.codes[0].offer, Offer::AmountOff { amount, min_subtotal: Some(min) } if amount.minor == 500 && min.minor == 4000)
    );
    assert_eq!(sato.codes[0].ends_label.as_deref(), Some("30 Jun"));
    assert!(matches!(roster.affiliates[3].codes[0].offer, Offer::FreeShipping { min_subtotal: None }));
}

#[test]
fn every_bad_row_is_named_by_its_line_and_column() {
    let roster = "handle,name,picks,code,offer\n\
        good,Good,mug,GOOD1,10%\n\
        bad handle,Bad,mug,BAD1,10%\n\
        fine,Fine,mug,FINE1,10%\n\
        other,Other,nope,OTHER1,ten percent\n\
        short,Short\n";
    let found = errors(brand(), roster);
    assert_eq!(
        found,
        [
            "affiliates.csv line 3, column 1 (handle): \"bad handle\" is not a handle: use letters, digits, \".\", \"_\" and \"-\" (at most 64), starting and ending with a letter or digit; it is the page's address /c/<handle>/",
            "affiliates.csv line 5, column 3 (picks): unknown product \"nope\"",
            "affiliates.csv line 5, column 5 (offer): \"ten percent\" is not an offer: write \"15%\", an amount like \"5.00 EUR\", or \"free shipping\"",
            "affiliates.csv line 6: this row has 2 fields but the header has 5: a value with a comma, quote or line break must be in double quotes (\"like, this\")",
        ]
    );
}

// 10,000 rows with 3 bad ones: exactly those 3 are named, and nothing else.
#[test]
fn a_large_roster_names_exactly_its_bad_rows() {
    let mut roster = String::from("handle,name,picks,code,offer\n");
    for i in 0..10_000 {
        match i {
            17 => roster.push_str("Juno.Park,Dup,mug,X17,10%\n"),
            4_000 => roster.push_str("a4000,A,mug tote mug,C4000,10%\n"),
            9_998 => roster.push_str("a9998,A,mug,c5,15%\n"),
            _ => roster.push_str(&format!("a{i},Name {i},mug tote,C{i},10%\n")),
        }
    }
    let found = errors(brand(), &roster);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("affiliates.csv line 19, column 1 (handle): the handle \"juno.park\" is taken already (at affiliates.list[0].handle)"), "{}", found[0]);
    assert_eq!(found[1], "affiliates.csv line 4002, column 3 (picks): duplicate id \"mug\" (first used at affiliates.csv line 4002, column 3 (picks))");
    assert!(found[2].starts_with("affiliates.csv line 10000, column 4 (code): the code \"c5\" is given already (at affiliates.csv line 7, column 4 (code))"), "{}", found[2]);
}

#[test]
fn handles_are_compared_as_addresses_are() {
    // Capitals, a leading @, full-width letters: all the same address.
    let roster = "handle,name,picks\n@MIA,Mia,mug\nｍｉａ,Mia 2,mug\n";
    assert_error(
        brand(),
        roster,
        "affiliates.csv line 3, column 1 (handle): the handle \"mia\" is taken already (at affiliates.csv line 2, column 1 (handle)); handles are compared ignoring capitals, as addresses are",
    );
    for reserved in ["cart", "P", "qr", "juno.html", "sitemap"] {
        let roster = format!("handle,name,picks\n{reserved},X,mug\n");
        let found = errors(brand(), &roster);
        assert!(found.iter().any(|e| e.contains("one of the site's own paths")), "{reserved}: {found:#?}");
    }
    for bad in ["jüno", "juno.", "-juno", "a/b", "..", "佐藤"] {
        let roster = format!("handle,name,picks\n{bad},X,mug\n");
        let found = errors(brand(), &roster);
        assert!(found.iter().any(|e| e.contains("is not a handle")), "{bad}: {found:#?}");
    }
}

#[test]
fn a_code_belongs_to_one_affiliate_and_not_to_the_brand_too() {
    assert_error(
        brand(),
        "handle,name,picks,code,offer\nmia,Mia,mug,juno15,10%\n",
        "affiliates.csv line 2, column 4 (code): the code \"juno15\" is given already (at affiliates.list[0].codes[0].code); each code belongs to one affiliate, or their sales could not be told apart (codes are compared ignoring capitals, as shops do)",
    );
    let found = errors(brand(), "handle,name,picks,code,offer\nmia,Mia,mug,Welcome,10%\n");
    assert!(found.iter().any(|e| e.contains("(at codes[0].code)")), "{found:#?}");
    // Two texts that read alike as ids still get ids of their own.
    let roster =
        check(brand(), "handle,name,picks,code,offer\na,A,mug,MIA-10,10%\nb,B,mug,MIA_10,10%\n").expect("valid");
    let ids: Vec<&str> = roster.affiliates[1..].iter().map(|a| a.codes[0].id.as_str()).collect();
    assert_eq!(ids, ["mia-10", "mia-10-2"]);
}

// A row with two problems names both, even when one is an offer that does not read.
#[test]
fn a_row_with_a_bad_offer_still_has_its_code_checked() {
    let found = errors(brand(), "handle,name,picks,code,offer\nmia,Mia,mug,JUNO15,20 percent\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("affiliates.csv line 2, column 4 (code): the code \"JUNO15\" is given already"));
    assert!(found[1].starts_with("affiliates.csv line 2, column 5 (offer): \"20 percent\" is not an offer"));
}

#[test]
fn the_roster_header_is_checked_first() {
    let found = errors(brand(), "handle,nmae,picks,picks\nmia,Mia,mug,mug\n");
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(found[0], "affiliates.csv line 1: the roster needs a \"name\" column");
    assert!(
        found[1].starts_with("affiliates.csv line 1, column 2: unknown column \"nmae\": the columns are handle, name,")
    );
    assert_eq!(found[2], "affiliates.csv line 1, column 4: the column \"picks\" appears twice");
}

#[test]
fn cells_of_codes_links_and_pictures_are_pointed_at() {
    let roster = "handle,name,avatar,picks,code,offer,min_subtotal,code_ends_at,instagram\n\
        mia,Mia,../mia.png,mug,MIA 10,10%,40.00 XYZ,2027-13-01,javascript:alert(1)\n\
        ana,Ana,,mug,,10%,,,\n";
    let found = errors(brand(), roster);
    for expected in [
        "affiliates.csv line 2, column 3 (avatar):",
        "affiliates.csv line 2, column 5 (code): \"MIA 10\": a code can't contain U+0020",
        "affiliates.csv line 2, column 7 (min_subtotal):",
        "affiliates.csv line 2, column 8 (code_ends_at):",
        "affiliates.csv line 2, column 9 (instagram):",
        "affiliates.csv line 3, column 6 (offer): an offer needs a code in the \"code\" column",
    ] {
        assert!(found.iter().any(|e| e.starts_with(expected)), "{expected}: {found:#?}");
    }
}

#[test]
fn picks_are_required_without_the_catalogue_and_bounded() {
    let mut config = brand();
    config["affiliates"]["catalogue"] = json!(false);
    assert_error(
        config,
        "handle,name\nmia,Mia\n",
        "affiliates.csv line 2: an affiliate needs at least one pick (product ids from the catalogue), or set affiliates.catalogue to true",
    );
    let many = vec!["mug"; linkshelf_core::limits::MAX_PICKS + 1].join(" ");
    let found = errors(brand(), &format!("handle,name,picks\nmia,Mia,{many}\n"));
    assert!(found.iter().any(|e| e.contains("picks is more than")), "{found:#?}");
}

#[test]
fn config_affiliates_are_pointed_at_by_field_path() {
    let mut config = brand();
    config["affiliates"]["list"][0]["picks"] = json!(["mug", "ghost"]);
    config["affiliates"]["list"][0]["popups"][0]["id"] = json!("Bad Id");
    config["collections"][0]["id"] = json!("picks");
    let found = errors(config, "");
    for expected in [
        "affiliates.list[0].picks[1]: unknown product \"ghost\"",
        "affiliates.list[0].popups[0].id: \"Bad Id\" is not a valid id",
        "collections[0].id: \"picks\" is the id of each affiliate's picks on their page",
    ] {
        assert!(found.iter().any(|e| e.starts_with(expected)), "{expected}: {found:#?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    // Whatever a spreadsheet exports, the check answers with errors or a roster, and
    // never panics; every error of a row names the roster file.
    #[test]
    fn any_roster_text_is_answered_without_panicking(text in "(handle,name,picks\n)?([a-zA-Z0-9@._ \",\n-]{0,40}\n){0,6}") {
        match check(brand(), &text) {
            Ok(roster) => prop_assert!(roster.affiliates.iter().all(|a| linkshelf_core::limits::is_handle(&a.handle))),
            Err(errors) => prop_assert!(errors.iter().all(|e| e.path.starts_with("affiliates.csv"))),
        }
    }
}
