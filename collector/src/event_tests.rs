use super::*;

/// The shared contract (`core/fixtures/envelopes.json`): one envelope of every event
/// name, written by the storefront's own `Envelope::to_json` and kept equal to it by the
/// core's tests, so these tests read exactly what the page sends.
const CONTRACT: &str = include_str!("../../core/fixtures/envelopes.json");
const NOW: i64 = 1_795_804_260_000;

fn contract() -> Vec<serde_json::Value> {
    serde_json::from_str(CONTRACT).expect("the contract is a JSON array")
}

/// The contract's `begin_checkout` (a tagged TikTok visit, two lines and a code).
static STOREFRONT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    contract().into_iter().find(|e| e["name"] == "begin_checkout").map(|e| e.to_string()).unwrap_or_default()
});

#[test]
fn accepts_every_envelope_of_the_shared_contract() {
    let envelopes = contract();
    assert_eq!(envelopes.len(), linkshelf_core::events::EventName::ALL.len(), "one envelope per event name");
    for e in envelopes {
        let raw = e.to_string();
        if let Err((_, error)) = parse(&raw, NOW) {
            panic!("the collector refuses the storefront's {}: {error}", e["name"]);
        }
    }
}

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&STOREFRONT).expect("fixture is JSON");
    edit(&mut v);
    v.to_string()
}

fn reason(raw: &str) -> String {
    match parse(raw, NOW) {
        Ok(_) => panic!("accepted: {raw}"),
        Err((_, e)) => e.to_string(),
    }
}

#[test]
fn reads_the_storefronts_envelope() {
    let e = parse(&STOREFRONT, NOW).expect("valid");
    assert_eq!(e.name, "begin_checkout");
    assert_eq!(e.creator_id, "juno-park");
    assert_eq!(e.utm_source.as_deref(), Some("tiktok"));
    assert_eq!(e.utm_medium.as_deref(), Some("social"));
    assert_eq!(e.ref_tag.as_deref(), Some("popup-qr"));
    assert_eq!(e.referrer_host.as_deref(), Some("www.tiktok.com"));
    assert_eq!(e.platform_click_ids.as_deref(), Some("ttclid=E.C.P.abc"));
    assert_eq!(e.in_app_browser.as_deref(), Some("tiktok"));
    assert_eq!(e.currency.as_deref(), Some("EUR"));
    assert_eq!(e.value, Some(10_880));
    assert_eq!(e.coupon.as_deref(), Some("JUNO15"));
    assert_eq!(e.click_id.as_deref(), Some("0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9d"));
    assert_eq!(e.destination_host.as_deref(), Some("fable-studio.myshopify.com"));
    assert_eq!(
        e.items.as_deref(),
        Some(
            r#"[{"item_id":"speckled-mug","item_name":"speckled-mug \"quoted\" ☕","price":3200,"quantity":2},{"item_id":"linen-tote","item_name":"linen-tote \"quoted\" ☕","price":6400,"quantity":1}]"#
        )
    );
    assert_eq!(e.path.as_deref(), Some("/"));
    // Sent 4,993 ms after it happened: it happened that long before it arrived.
    assert_eq!(e.event_time, NOW - 4_993);
}

#[test]
fn corrects_a_wrong_device_clock() {
    // A phone an hour fast: occurred and sent are both an hour ahead.
    let hour = 3_600_000;
    assert_eq!(event_time(NOW + hour - 2000, Some(NOW + hour), NOW), Ok((NOW - 2000, Some(NOW + hour))));
    // A phone a year behind, event queued offline for two days.
    let year = 365 * 24 * hour;
    assert_eq!(event_time(NOW - year - 48 * hour, Some(NOW - year), NOW).map(|t| t.0), Ok(NOW - 48 * hour));
    // A small backwards step of the clock counts as no wait.
    assert_eq!(event_time(NOW + 5000, Some(NOW), NOW).map(|t| t.0), Ok(NOW));
    // Without sent_at the device time is used if plausible.
    assert_eq!(event_time(NOW - 1000, None, NOW).map(|t| t.0), Ok(NOW - 1000));
}

#[test]
fn refuses_times_that_cannot_be_corrected() {
    assert!(event_time(NOW, Some(NOW - 2 * MAX_BACKWARD_STEP_MS), NOW).is_err());
    assert!(event_time(NOW - MAX_AGE_MS - 1, Some(NOW), NOW).is_err());
    assert!(event_time(-1, Some(NOW), NOW).is_err());
    assert!(event_time(NOW, Some(1 << 60), NOW).is_err());
    assert!(event_time(NOW + 10 * MAX_FUTURE_MS, None, NOW).is_err());
    assert!(event_time(NOW - MAX_AGE_MS - 1, None, NOW).is_err());
}

#[test]
fn refuses_unknown_versions_and_names() {
    assert_eq!(reason(&with(|v| v["v"] = 2.into())), "schema version 2 is not supported (this collector reads v1)");
    assert_eq!(reason(&with(|v| v["name"] = "sign_up".into())), r#"unknown event name "sign_up""#);
    // The cart's events are known.
    assert!(parse(&with(|v| v["name"] = "add_to_cart".into()), NOW).is_ok());
    assert!(parse(&with(|v| v["name"] = "remove_from_cart".into()), NOW).is_ok());
}

#[test]
fn names_the_field_of_a_type_error_and_keeps_the_id() {
    let raw = with(|v| v["ecommerce"]["value"] = "32.00".into());
    let (id, e) = parse(&raw, NOW).expect_err("string value");
    let expected: serde_json::Value = serde_json::from_str(&STOREFRONT).expect("json");
    assert_eq!(id.as_deref(), expected["event_id"].as_str());
    assert!(e.to_string().starts_with("not an event object: ecommerce.value: invalid type"), "{e}");
    let (id, e) = parse("\"a string\"", NOW).expect_err("not an object");
    assert_eq!(id, None);
    assert!(e.to_string().contains("expected struct"), "{e}");
    assert!(reason(&with(|v| v.as_object_mut().map(|o| o.remove("event_id")).map(drop).unwrap_or(())))
        .contains("missing field `event_id`"));
}

#[test]
fn value_only_with_currency() {
    assert_eq!(
        reason(&with(|v| v["ecommerce"]["currency"] = serde_json::Value::Null)),
        "ecommerce.value needs ecommerce.currency"
    );
    assert_eq!(
        reason(&with(|v| v["ecommerce"]["currency"] = "EURO".into())),
        "ecommerce.currency is longer than 3 characters"
    );
    assert_eq!(
        reason(&with(|v| v["ecommerce"]["currency"] = "XYZ".into())),
        r#"ecommerce.currency "XYZ" is not an ISO 4217 code"#
    );
    // Test, metal and fund codes are not money: the config check refuses them too.
    for code in ["XXX", "XTS", "XAU"] {
        assert!(reason(&with(|v| v["ecommerce"]["currency"] = code.into())).contains(code));
    }
    assert_eq!(
        reason(&with(|v| v["ecommerce"]["value"] = (-1).into())),
        "ecommerce.value must be from 0 to 500000000000000"
    );
}

// ---- Issue #9: the collector takes what the storefront's check accepts, nothing more ----

fn with_item(item: serde_json::Value) -> String {
    with(|v| v["ecommerce"]["items"] = serde_json::json!([item]))
}

// A product title has no bound in the config: a long one (or one with a stray control
// character) still arrives, cut for the report, and the event is kept.
#[test]
fn a_long_product_title_is_cut_not_refused() {
    let title = format!("{}\u{7}é", "Handmade ".repeat(60));
    let e =
        parse(&with_item(serde_json::json!({"item_id": "mug", "item_name": title, "price": 5})), NOW).expect("kept");
    let items: serde_json::Value = serde_json::from_str(e.items.as_deref().expect("items")).expect("JSON");
    let name = items[0]["item_name"].as_str().expect("a title");
    assert_eq!(name.chars().count(), linkshelf_core::limits::MAX_TAG_CHARS);
    assert!(name.starts_with("Handmade Handmade") && !name.contains('\u{7}'));
}

#[test]
fn prices_quantities_lines_and_values_use_the_shared_limits() {
    use linkshelf_core::limits::{MAX_AMOUNT_MINOR, MAX_LINES, MAX_PRICE_MINOR, MAX_QUANTITY};
    let line = |price: i64, quantity: serde_json::Value| {
        with_item(serde_json::json!({"item_id": "mug", "price": price, "quantity": quantity}))
    };
    // At the limits: accepted.
    assert!(parse(&line(MAX_PRICE_MINOR, MAX_QUANTITY.into()), NOW).is_ok());
    assert!(parse(&line(0, 1.into()), NOW).is_ok());
    assert!(parse(&with(|v| v["ecommerce"]["value"] = MAX_AMOUNT_MINOR.into()), NOW).is_ok());
    let full: Vec<serde_json::Value> = (0..MAX_LINES)
        .map(|i| serde_json::json!({"item_id": format!("p{i}"), "price": MAX_PRICE_MINOR, "quantity": MAX_QUANTITY}))
        .collect();
    assert!(parse(&with(|v| v["ecommerce"]["items"] = full.into()), NOW).is_ok());
    // One past: refused. Before the fix any u32 quantity was taken, and with a price
    // of 10^12 one event overflowed revenue and took the stats down.
    assert_eq!(reason(&line(MAX_PRICE_MINOR + 1, 1.into())), "ecommerce.items.price must be from 0 to 1000000000000");
    assert_eq!(reason(&line(1, (MAX_QUANTITY + 1).into())), "ecommerce.items.quantity must be from 1 to 10");
    assert_eq!(reason(&line(1_000_000_000_000, u32::MAX.into())), "ecommerce.items.quantity must be from 1 to 10");
    assert_eq!(reason(&line(1, 0.into())), "ecommerce.items.quantity must be from 1 to 10");
    assert_eq!(reason(&line(-1, 1.into())), "ecommerce.items.price must be from 0 to 1000000000000");
    assert!(reason(&line(1, (-1).into())).starts_with("not an event object: ecommerce.items[0].quantity"));
    assert_eq!(
        reason(&with(|v| v["ecommerce"]["value"] = (MAX_AMOUNT_MINOR + 1).into())),
        "ecommerce.value must be from 0 to 500000000000000"
    );
    assert!(reason(&with(|v| v["ecommerce"]["value"] = serde_json::json!(u64::MAX))).starts_with("not an event"));
    // A missing quantity is one, as the storefront's GA4 shape means.
    let e = parse(&with_item(serde_json::json!({"item_id": "mug", "price": 5})), NOW).expect("valid");
    assert_eq!(e.items.as_deref(), Some(r#"[{"item_id":"mug","price":5,"quantity":1}]"#));
}

#[test]
fn coupons_follow_the_discount_code_rule() {
    use linkshelf_core::limits::MAX_CODE_CHARS;
    let code = |c: &str| with(|v| v["ecommerce"]["coupon"] = c.into());
    assert!(parse(&code(&"É".repeat(MAX_CODE_CHARS)), NOW).is_ok(), "non-ASCII letters, at the limit");
    assert!(parse(&code("ÉTÉ-20%"), NOW).is_ok());
    assert_eq!(parse(&code(""), NOW).expect("no code").coupon, None);
    assert_eq!(reason(&code(&"A".repeat(MAX_CODE_CHARS + 1))), "ecommerce.coupon: a code has at most 64 characters");
    for bad in ["JUNO 15", "JUNO\u{200B}15", "\u{202E}51ONUJ", "JUNO\t15"] {
        assert!(reason(&code(bad)).starts_with("ecommerce.coupon: a code can't contain U+"), "{bad:?}");
    }
}

#[test]
fn every_storefront_event_name_is_known() {
    for name in linkshelf_core::events::EventName::ALL {
        let e = parse(&with(|v| v["name"] = name.as_str().into()), NOW).map(|e| e.name);
        // A purchase needs a transaction id, which the fixture's checkout lacks.
        if name != linkshelf_core::events::EventName::Purchase {
            assert_eq!(e, Ok(name.as_str()));
        }
    }
    assert_eq!(reason(&with(|v| v["name"] = "sign_up".into())), "unknown event name \"sign_up\"");
}

#[test]
fn field_sizes_are_bounded() {
    assert_eq!(reason(&with(|v| v["event_id"] = "x".repeat(65).into())), "event_id is longer than 64 characters");
    assert_eq!(reason(&with(|v| v["event_id"] = "".into())), "event_id is empty");
    assert_eq!(
        reason(&with(|v| v["creator_id"] = "juno park".into())),
        "creator_id contains characters not allowed in an id"
    );
    assert_eq!(
        reason(&with(|v| v["attribution"]["utm_source"] = "x".repeat(201).into())),
        "attribution.utm_source is longer than 200 characters"
    );
    // Characters, not bytes: 200 emoji are fine.
    assert!(parse(&with(|v| v["attribution"]["utm_source"] = "🎉".repeat(200).into()), NOW).is_ok());
    assert_eq!(
        reason(&with(|v| v["context"]["path"] = "/a\u{0}b".into())),
        "text fields must not contain control characters"
    );
    let many: Vec<serde_json::Value> =
        (0..51).map(|i| serde_json::json!({"item_id": format!("p{i}"), "price": 1, "quantity": 1})).collect();
    assert_eq!(reason(&with(|v| v["ecommerce"]["items"] = many.into())), "ecommerce.items has more than 50 entries");
}

#[test]
fn a_purchase_needs_a_transaction_id() {
    let purchase = |tx: serde_json::Value| {
        with(|v| {
            v["name"] = "purchase".into();
            v["ecommerce"]["transaction_id"] = tx;
        })
    };
    assert_eq!(reason(&purchase(serde_json::Value::Null)), "a purchase needs ecommerce.transaction_id");
    assert_eq!(reason(&purchase("".into())), "a purchase needs ecommerce.transaction_id");
    let ok = parse(&purchase("cs_test_1".into()), NOW).expect("valid purchase");
    assert_eq!(ok.transaction_id.as_deref(), Some("cs_test_1"));
    assert_eq!(ok.click_id.as_deref(), Some("0195f3a4-7c2e-7b61-9d0a-3e5f6a7b8c9d"));
    // Without an amount it still counts as a sale, with no revenue.
    let no_value = with(|v| {
        v["name"] = "purchase".into();
        v["ecommerce"] = serde_json::json!({"transaction_id": "cs_2", "items": []});
    });
    let ok = parse(&no_value, NOW).expect("valid purchase without value");
    assert_eq!((ok.value, ok.currency), (None, None));
}

#[test]
fn minimal_events_and_unknown_fields_are_fine() {
    let raw = format!(
        r#"{{"v":1,"event_id":"e1","name":"page_view","occurred_at":{NOW},"creator_id":"c","future_field":{{"x":1}}}}"#
    );
    let e = parse(&raw, NOW).expect("valid");
    assert_eq!((e.name, e.event_time, e.items), ("page_view", NOW, None));
}

// ---- Brand mode: the affiliate of the visit ----

#[test]
fn reads_the_affiliate_of_the_contract() {
    let e = parse(&STOREFRONT, NOW).expect("valid");
    assert_eq!(e.affiliate.as_deref(), Some("juno.park"), "the contract's checkout came through juno.park's page");
}

#[test]
fn an_affiliate_is_a_handle_or_absent() {
    use linkshelf_core::limits::MAX_HANDLE_CHARS;
    let affiliate = |value: serde_json::Value| with(|v| v["attribution"]["affiliate"] = value);
    let longest = format!("{}9", "a.b_c-".repeat(20).chars().take(MAX_HANDLE_CHARS - 1).collect::<String>());
    for ok in ["juno.park", "mia_k-2", "7", longest.as_str()] {
        assert_eq!(parse(&affiliate(ok.into()), NOW).expect(ok).affiliate.as_deref(), Some(ok));
    }
    // Absent, null or empty: no affiliate (an older page, a visit to the brand's own page).
    let absent = with(|v| {
        v["attribution"].as_object_mut().map(|a| a.remove("affiliate"));
    });
    for raw in [absent, affiliate(serde_json::Value::Null), affiliate("".into())] {
        assert_eq!(parse(&raw, NOW).expect("valid").affiliate, None, "{raw}");
    }
    let expected = format!(
        "attribution.affiliate is not an affiliate handle: 1 to {MAX_HANDLE_CHARS} lowercase letters, digits, '.', \
         '_' or '-', starting and ending with a letter or digit"
    );
    let too_long = format!("{longest}x");
    for bad in ["Juno.Park", "@juno", "juno.", ".juno", "juno park", "jüno", "a/b", "juno\n", too_long.as_str()] {
        assert_eq!(reason(&affiliate(bad.into())), expected, "{bad:?}");
    }
    assert!(reason(&affiliate(5.into())).starts_with("not an event object: attribution.affiliate: invalid type"));
}
