//! The page ↔ collector contract as one file both sides test against.
//!
//! `core/fixtures/envelopes.json` holds one envelope of every event name, written by the
//! storefront's own writer (`Envelope::to_json`), covering every optional part both
//! absent and present. This test keeps the file equal to what the writer produces; the
//! collector's tests ingest the same file and must accept every event; the JavaScript
//! test sink (`end2end/tools/event-sink.mjs`) refuses any envelope whose shape is not
//! one of these. A change to the envelope therefore fails all three until the file is
//! regenerated: `LINKSHELF_BLESS=1 cargo test -p linkshelf-core --test contract`.

use linkshelf_core::attribution::{Attribution, ClickId};
use linkshelf_core::events::{
    uuid_v7, Context, Ecommerce, Envelope, EventName, InAppBrowser, Item, Outbound, Subject, SCHEMA_VERSION,
};

const FIXTURE: &str = "fixtures/envelopes.json";
const AT: i64 = 1_795_804_200_000;

/// Every event name, in a match so a new name cannot be forgotten here.
fn all_names() -> Vec<EventName> {
    use EventName::*;
    let names = vec![
        PageView,
        ViewItemList,
        SelectItem,
        ViewPromotion,
        SelectPromotion,
        AddToCart,
        RemoveFromCart,
        BeginCheckout,
        AddToCalendar,
        SelectEvent,
        OutboundClick,
        Purchase,
    ];
    for name in &names {
        match name {
            PageView | ViewItemList | SelectItem | ViewPromotion | SelectPromotion | AddToCart | RemoveFromCart
            | BeginCheckout | AddToCalendar | SelectEvent | OutboundClick | Purchase => {}
        }
    }
    names
}

fn item(id: &str, price: i64, quantity: u32, index: u32, list: Option<&str>) -> Item {
    Item {
        item_id: id.into(),
        item_name: format!("{id} \"quoted\" ☕"),
        price,
        quantity,
        index,
        item_list_id: list.map(Into::into),
    }
}

fn envelope(seq: u32, name: EventName) -> Envelope {
    use EventName::*;
    let mut random = [0u8; 10];
    random[0] = seq as u8;
    let mut e = Envelope {
        v: SCHEMA_VERSION,
        event_id: uuid_v7(AT + i64::from(seq), &random),
        name,
        occurred_at: AT + i64::from(seq),
        sent_at: (!seq.is_multiple_of(2)).then_some(AT + 5_000),
        page_load_id: "0195f3a4-0000-7000-8000-000000000001".into(),
        seq,
        creator_id: "juno-park".into(),
        attribution: Attribution::default(),
        context: Context {
            path: "/".into(),
            locale: "en-GB".into(),
            time_zone: "Europe/London".into(),
            in_app_browser: InAppBrowser::None,
        },
        subject: Subject::default(),
        ecommerce: None,
        outbound: None,
    };
    // Every third event, and the checkout the collector's own tests read most, come
    // from a tagged TikTok visit; the others from an untagged one.
    if seq.is_multiple_of(3) || name == BeginCheckout {
        e.attribution = Attribution {
            utm_source: Some("tiktok".into()),
            utm_medium: Some("social".into()),
            utm_campaign: Some("winter-drop 🎁".into()),
            utm_content: Some("clip-42".into()),
            utm_term: Some("mug".into()),
            ref_tag: Some("popup-qr".into()),
            affiliate: Some("juno.park".into()),
            click_ids: vec![ClickId { name: "ttclid".into(), value: "E.C.P.abc".into() }],
            referrer_host: Some("www.tiktok.com".into()),
        };
        e.context.in_app_browser = InAppBrowser::Tiktok;
    }
    let eur = |value: i64, coupon: Option<&str>, transaction: Option<&str>, items: Vec<Item>| Ecommerce {
        currency: "EUR".into(),
        value,
        coupon: coupon.map(Into::into),
        transaction_id: transaction.map(Into::into),
        items,
    };
    match name {
        ViewItemList => {
            e.subject.item_list_id = Some("kitchen".into());
            e.ecommerce = Some(eur(0, None, None, vec![item("speckled-mug", 3200, 1, 0, Some("kitchen"))]));
        }
        SelectItem | AddToCart | RemoveFromCart => {
            e.context.path = "/p/speckled-mug/".into();
            e.ecommerce = Some(eur(3200, None, None, vec![item("speckled-mug", 3200, 1, 2, Some("kitchen"))]));
        }
        ViewPromotion | SelectPromotion => e.subject.promotion_id = Some("juno15".into()),
        BeginCheckout => {
            e.ecommerce = Some(eur(
                10_880,
                Some("JUNO15"),
                None,
                vec![item("speckled-mug", 3200, 2, 0, None), item("linen-tote", 6400, 1, 1, None)],
            ));
            e.outbound = Some(Outbound {
                click_id: "0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9d".into(),
                destination_host: "fable-studio.myshopify.com".into(),
            });
        }
        AddToCalendar | SelectEvent => e.subject.popup_id = Some("winter-market".into()),
        OutboundClick => {
            e.outbound = Some(Outbound {
                click_id: "0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9e".into(),
                destination_host: "www.instagram.com".into(),
            });
        }
        Purchase => {
            e.context.path = "/thanks/".into();
            e.ecommerce = Some(eur(5440, Some("JUNO15"), Some("1001"), vec![item("speckled-mug", 3200, 2, 0, None)]));
            e.outbound = Some(Outbound {
                click_id: "0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9d".into(),
                destination_host: "fable-studio.myshopify.com".into(),
            });
        }
        PageView => {}
    }
    e
}

fn fixture_text() -> String {
    let lines: Vec<String> =
        all_names().into_iter().enumerate().map(|(i, name)| envelope(i as u32, name).to_json()).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

#[test]
fn the_shared_fixture_is_what_the_storefront_writes() {
    let expected = fixture_text();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("LINKSHELF_BLESS").is_some() {
        std::fs::write(&path, &expected).expect("write the fixture");
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "{FIXTURE} is not what Envelope::to_json writes; if the change is intended, regenerate it with \
         LINKSHELF_BLESS=1 cargo test -p linkshelf-core --test contract, and make the collector and the test sink \
         accept it"
    );
}

#[test]
fn every_event_name_is_in_the_fixture_with_every_optional_part_both_ways() {
    let text = fixture_text();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).map(|l| l.trim_end_matches(',')).collect();
    let names: Vec<EventName> = lines
        .iter()
        .map(|line| {
            let name = line.split("\"name\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
            EventName::parse(name).unwrap_or_else(|| panic!("no event name in {line}"))
        })
        .collect();
    assert_eq!(names, all_names());
    for optional in ["\"sent_at\":null", "\"ecommerce\":null", "\"outbound\":null", "\"coupon\":null", "\"ref\":null"] {
        assert!(lines.iter().any(|l| l.contains(optional)), "no envelope has {optional}");
        let key = optional.split(':').next().unwrap_or_default();
        assert!(lines.iter().any(|l| l.contains(key) && !l.contains(optional)), "no envelope has a {key}");
    }
}
