use super::*;

const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
const T: i64 = 1_795_804_200;
// Computed outside Rust, by each provider's documented scheme:
//   printf '%s' '1795804200.{body}' | openssl dgst -sha256 -hmac whsec_test_secret
const STRIPE_V1: &str = "a3c885e1021b0b4800af9d9cdaa048a1905545508bf2e6ea4f73fd7e97f0e6e2";
//   python3: base64(hmac(b'shpss_test_secret', body, sha256))
const SHOPIFY: &str = "Y3uwj625iIdsrfaUJZF4psBF0TPOKKl1O5n7eoSnKpk=";

#[test]
fn stripe_signature_by_the_documented_scheme() {
    let header = format!("t={T},v1={STRIPE_V1}");
    assert_eq!(verify_stripe(Some(&header), BODY, "whsec_test_secret", T + 10, 300), Ok(()));
    // Several v1 (during secret rotation) and a v0 are fine if one v1 matches.
    let rotated = format!("t={T},v1={},v1={STRIPE_V1},v0=abc", "00".repeat(32));
    assert_eq!(verify_stripe(Some(&rotated), BODY, "whsec_test_secret", T, 300), Ok(()));
}

#[test]
fn stripe_refuses_wrong_secret_body_time_and_headers() {
    let header = format!("t={T},v1={STRIPE_V1}");
    assert_eq!(verify_stripe(Some(&header), BODY, "whsec_other", T, 300), Err(SignatureError::Mismatch));
    assert_eq!(verify_stripe(Some(&header), b"{}", "whsec_test_secret", T, 300), Err(SignatureError::Mismatch));
    assert_eq!(verify_stripe(Some(&header), BODY, "whsec_test_secret", T + 301, 300), Err(SignatureError::Stale(300)));
    assert_eq!(verify_stripe(Some(&header), BODY, "whsec_test_secret", T - 301, 300), Err(SignatureError::Stale(300)));
    // The timestamp is signed: moving it breaks the signature.
    let moved = format!("t={},v1={STRIPE_V1}", T + 1);
    assert_eq!(verify_stripe(Some(&moved), BODY, "whsec_test_secret", T, 300), Err(SignatureError::Mismatch));
    assert_eq!(verify_stripe(None, BODY, "whsec_test_secret", T, 300), Err(SignatureError::Missing));
    assert_eq!(verify_stripe(Some("v1=zz"), BODY, "whsec_test_secret", T, 300), Err(SignatureError::Malformed));
    assert_eq!(
        verify_stripe(Some(&format!("t={T}")), BODY, "whsec_test_secret", T, 300),
        Err(SignatureError::Malformed)
    );
}

#[test]
fn shopify_signature_by_the_documented_scheme() {
    assert_eq!(verify_shopify(Some(SHOPIFY), BODY, "shpss_test_secret"), Ok(()));
    assert_eq!(verify_shopify(Some(SHOPIFY), BODY, "shpss_other"), Err(SignatureError::Mismatch));
    assert_eq!(verify_shopify(Some(SHOPIFY), b"{}", "shpss_test_secret"), Err(SignatureError::Mismatch));
    assert_eq!(verify_shopify(Some("not base64!"), BODY, "shpss_test_secret"), Err(SignatureError::Malformed));
    assert_eq!(verify_shopify(None, BODY, "shpss_test_secret"), Err(SignatureError::Missing));
}

#[test]
fn reads_a_paid_stripe_checkout_session() {
    let body = br#"{"id":"evt_9","type":"checkout.session.completed","created":1795804300,
      "data":{"object":{"id":"cs_test_a1","object":"checkout.session","client_reference_id":"c-1",
        "amount_total":2720,"currency":"eur","payment_status":"paid","payment_intent":"pi_1",
        "created":1795804250,"metadata":{"coupon":"JUNO15"}}}}"#;
    let Ok(Delivery::Order(o)) = stripe(body, 5) else { panic!("not an order") };
    assert_eq!((o.provider, o.order_id.as_str(), o.currency.as_str(), o.value), ("stripe", "cs_test_a1", "EUR", 2720));
    assert_eq!(
        (o.click_id.as_deref(), o.coupon.as_deref(), o.payment_ref.as_deref()),
        (Some("c-1"), Some("JUNO15"), Some("pi_1"))
    );
    assert_eq!(o.created_at, 1_795_804_250_000);
    // A time no clock gives saturates rather than wrapping into the past.
    let far = serde_json::json!({"type": "checkout.session.completed", "created": i64::MAX, "data": {"object": {
        "id": "cs_far", "amount_total": 100, "currency": "eur", "payment_status": "paid", "created": i64::MIN}}});
    let Ok(Delivery::Order(o)) = stripe(far.to_string().as_bytes(), 5) else { panic!("not an order") };
    assert_eq!(o.created_at, i64::MIN);
    let far = serde_json::json!({"type": "charge.refunded", "created": i64::MAX, "data": {"object": {
        "id": "ch_far", "payment_intent": "pi_1", "amount_refunded": 100, "currency": "eur"}}});
    let Ok(Delivery::Refund(r)) = stripe(far.to_string().as_bytes(), 5) else { panic!("not a refund") };
    assert_eq!(r.created_at, i64::MAX);
    let unpaid = br#"{"type":"checkout.session.completed","data":{"object":{"id":"cs_2","payment_status":"unpaid"}}}"#;
    assert!(matches!(stripe(unpaid, 5), Ok(Delivery::Ignored(_))));
    assert!(matches!(stripe(br#"{"type":"invoice.paid","data":{"object":{}}}"#, 5), Ok(Delivery::Ignored(_))));
    assert!(matches!(stripe(b"[1]", 5), Err(PayloadError::Json(_))));
}

#[test]
fn reads_a_stripe_refund() {
    let body = br#"{"type":"charge.refunded","created":1795900000,"data":{"object":{"id":"ch_1","payment_intent":"pi_1","amount_refunded":1000,"currency":"eur"}}}"#;
    let Ok(Delivery::Refund(r)) = stripe(body, 5) else { panic!("not a refund") };
    assert_eq!(
        (r.refund_id.as_str(), r.order_ref.as_str(), r.amount.get(), r.currency.as_str()),
        ("ch_1", "pi_1", 1000, "EUR")
    );
}

#[test]
fn reads_a_paid_shopify_order() {
    let body = br##"{"id":820982911946154508,"name":"#1001","currency":"JPY","total_price":"3800",
      "created_at":"2026-11-20T10:00:00+01:00","processed_at":null,
      "discount_codes":[{"code":"JUNO15","amount":"500","type":"fixed_amount"}],
      "note_attributes":[{"name":"click_id","value":"c-7"},{"name":"gift","value":"no"}],
      "landing_site":"/cart/1:1?utm_source=tiktok&utm_medium=live&attributes%5Bclick_id%5D=c-7"}"##;
    let Ok(Delivery::Order(o)) = shopify("orders/paid", body, 5) else { panic!("not an order") };
    assert_eq!((o.order_id.as_str(), o.currency.as_str(), o.value), ("820982911946154508", "JPY", 3800));
    assert_eq!((o.click_id.as_deref(), o.coupon.as_deref()), (Some("c-7"), Some("JUNO15")));
    assert_eq!((o.utm_source.as_deref(), o.utm_medium.as_deref()), (Some("tiktok"), Some("live")));
    assert_eq!(o.created_at, 1_795_165_200_000);
}

#[test]
fn reads_a_shopify_refund() {
    let body = br#"{"id":929361462,"order_id":820982911946154508,"created_at":"2026-11-21T10:00:00Z",
      "transactions":[{"amount":"10.50","currency":"EUR","kind":"refund","status":"success"},
                      {"amount":"99.00","currency":"EUR","kind":"refund","status":"failure"}]}"#;
    let Ok(Delivery::Refund(r)) = shopify("refunds/create", body, 5) else { panic!("not a refund") };
    assert_eq!((r.order_ref.as_str(), r.amount.get(), r.currency.as_str()), ("820982911946154508", 1050, "EUR"));
    assert!(matches!(shopify("orders/create", b"{}", 5), Ok(Delivery::Ignored(_))));
}

#[test]
fn converts_major_units_exactly() {
    assert_eq!(major_to_minor("32.00", "EUR"), Some(3200));
    assert_eq!(major_to_minor("32.5", "EUR"), Some(3250));
    assert_eq!(major_to_minor("0.10", "USD"), Some(10));
    assert_eq!(major_to_minor("3800", "JPY"), Some(3800));
    assert_eq!(major_to_minor("3800.00", "JPY"), Some(3800));
    assert_eq!(major_to_minor("1.250", "KWD"), Some(1250));
    assert_eq!(major_to_minor("1.255", "EUR"), None);
    assert_eq!(major_to_minor("-1.00", "EUR"), None);
    assert_eq!(major_to_minor("1e3", "EUR"), None);
    assert_eq!(major_to_minor("1.00", "XXY"), None);
    assert_eq!(major_to_minor("99999999999999999999", "EUR"), None);
}

#[test]
fn lemonsqueezy_signature_and_order() {
    // python3: hmac(b'ls_test_secret', body, sha256).hexdigest()
    let body = br#"{"meta":{"event_name":"order_created"}}"#;
    let sig = "9aa71c73244a8712e0d7aefcfcdf97ca865a2bf88808b3f7bc9f4e794ff267a8";
    assert_eq!(verify_lemonsqueezy(Some(sig), body, "ls_test_secret"), Ok(()));
    assert_eq!(verify_lemonsqueezy(Some(sig), body, "ls_other"), Err(SignatureError::Mismatch));
    assert_eq!(verify_lemonsqueezy(Some("xyz"), body, "ls_test_secret"), Err(SignatureError::Malformed));
    let order = br#"{"meta":{"event_name":"order_created","custom_data":{"click_id":"c-3"}},
      "data":{"type":"orders","id":"42","attributes":{"currency":"USD","total":999,"status":"paid",
        "refunded_amount":0,"created_at":"2026-11-20T09:00:00.000000Z"}}}"#;
    let Ok(Delivery::Order(o)) = lemonsqueezy(order, 5) else { panic!("not an order") };
    assert_eq!(
        (o.order_id.as_str(), o.currency.as_str(), o.value, o.click_id.as_deref()),
        ("42", "USD", 999, Some("c-3"))
    );
    assert_eq!(o.created_at, 1_795_165_200_000);
    let refund = br#"{"meta":{"event_name":"order_refunded"},
      "data":{"id":"42","attributes":{"currency":"USD","total":999,"status":"refunded","refunded_amount":500}}}"#;
    let Ok(Delivery::Refund(r)) = lemonsqueezy(refund, 5) else { panic!("not a refund") };
    assert_eq!((r.order_ref.as_str(), r.amount.get()), ("42", 500));
    let pending = br#"{"meta":{"event_name":"order_created"},"data":{"id":"43","attributes":{"currency":"USD","total":1,"status":"pending"}}}"#;
    assert!(matches!(lemonsqueezy(pending, 5), Ok(Delivery::Ignored(_))));
}

// ---- Issue #9: webhook amounts are range- and sign-checked ----

fn stripe_session(amount: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"type": "checkout.session.completed", "created": T, "data": {"object": {
        "id": "cs_1", "amount_total": amount, "currency": "eur", "payment_status": "paid"}}})
    .to_string()
    .into_bytes()
}

fn stripe_refund(amount: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"type": "charge.refunded", "created": T, "data": {"object": {
        "id": "ch_1", "payment_intent": "pi_1", "amount_refunded": amount, "currency": "eur"}}})
    .to_string()
    .into_bytes()
}

#[test]
fn order_totals_must_be_from_zero_to_the_largest_amount() {
    use linkshelf_core::limits::MAX_AMOUNT_MINOR;
    for ok in [0, 1, MAX_AMOUNT_MINOR] {
        let Ok(Delivery::Order(o)) = stripe(&stripe_session(ok.into()), 5) else { panic!("{ok} refused") };
        assert_eq!(o.value, ok);
    }
    for bad in [-1, i64::MIN, MAX_AMOUNT_MINOR + 1, i64::MAX] {
        let e = stripe(&stripe_session(bad.into()), 5).expect_err("impossible total");
        assert!(e.is_impossible_amount(), "{bad}: {e}");
        assert_eq!(e.to_string(), format!("the order total {bad} is outside 0..=500000000000000 minor units"));
    }
    let lemon = |total: i64| {
        format!(
            r#"{{"meta":{{"event_name":"order_created"}},"data":{{"id":"1","attributes":{{"currency":"USD","total":{total},"status":"paid"}}}}}}"#
        )
    };
    assert!(lemonsqueezy(lemon(-5).as_bytes(), 5).is_err_and(|e| e.is_impossible_amount()));
    let shopify_order = |total: &str| {
        format!(r#"{{"id":1,"currency":"EUR","total_price":"{total}","discount_codes":[],"note_attributes":[]}}"#)
    };
    assert!(matches!(shopify("orders/paid", shopify_order("5000000000000.00").as_bytes(), 5), Ok(Delivery::Order(_))));
    let too_big = shopify("orders/paid", shopify_order("5000000000000.01").as_bytes(), 5);
    assert!(too_big.is_err_and(|e| e.is_impossible_amount()));
}

#[test]
fn refunds_must_be_positive_and_in_range() {
    use linkshelf_core::limits::MAX_AMOUNT_MINOR;
    let Ok(Delivery::Refund(r)) = stripe(&stripe_refund(MAX_AMOUNT_MINOR.into()), 5) else { panic!("refused") };
    assert_eq!(r.amount.get(), MAX_AMOUNT_MINOR);
    for bad in [0, -1, i64::MIN, MAX_AMOUNT_MINOR + 1, i64::MAX] {
        let e = stripe(&stripe_refund(bad.into()), 5).expect_err("impossible refund");
        assert!(e.is_impossible_amount(), "{bad}: {e}");
    }
    assert!(RefundAmount::new(0).is_err() && RefundAmount::new(1).is_ok());
    // Shopify: transactions are summed in i128, so many huge ones cannot overflow.
    let huge = r#"{"amount":"90000000000000000.00","currency":"EUR","kind":"refund","status":"success"}"#;
    let body = format!(r#"{{"id":1,"order_id":2,"transactions":[{huge},{huge},{huge}]}}"#);
    assert!(shopify("refunds/create", body.as_bytes(), 5).is_err_and(|e| e.is_impossible_amount()));
    let lemon = r#"{"meta":{"event_name":"order_refunded"},"data":{"id":"42","attributes":{"currency":"USD","total":9,"refunded_amount":0}}}"#;
    assert!(lemonsqueezy(lemon.as_bytes(), 5).is_err_and(|e| e.is_impossible_amount()));
}

// ---- Brand mode: the affiliate the shop sends back ----

#[test]
fn reads_the_affiliate_each_shop_sends_back() {
    let stripe_body = br#"{"type":"checkout.session.completed","data":{"object":{"id":"cs_1","amount_total":1,
      "currency":"eur","payment_status":"paid","client_reference_id":"c-1","metadata":{"affiliate":"juno.park"}}}}"#;
    let Ok(Delivery::Order(o)) = stripe(stripe_body, 5) else { panic!("not an order") };
    assert_eq!((o.affiliate.as_deref(), o.click_id.as_deref()), (Some("juno.park"), Some("c-1")));

    let shopify_body = |notes: &str, landing: &str| {
        format!(
            r#"{{"id":1,"currency":"EUR","total_price":"1.00","discount_codes":[],"note_attributes":{notes},"landing_site":"{landing}"}}"#
        )
    };
    let shopify_affiliate =
        |notes: &str, landing: &str| match shopify("orders/paid", shopify_body(notes, landing).as_bytes(), 5) {
            Ok(Delivery::Order(o)) => o.affiliate,
            other => panic!("not an order: {other:?}"),
        };
    let note = r#"[{"name":"click_id","value":"c-7"},{"name":"affiliate","value":"juno.park"}]"#;
    assert_eq!(shopify_affiliate(note, "/"), Some("juno.park".into()));
    // A plain link to the shop carries it in the landing URL; the note wins when both do.
    assert_eq!(shopify_affiliate("[]", "/products/mug?affiliate=mika&utm_source=x"), Some("mika".into()));
    assert_eq!(shopify_affiliate(note, "/products/mug?affiliate=mika"), Some("juno.park".into()));
    // Retyped in the shop's admin: lowercased. Not a handle at all: dropped, the order kept.
    assert_eq!(shopify_affiliate(r#"[{"name":"affiliate","value":" Juno.Park "}]"#, "/"), Some("juno.park".into()));
    assert_eq!(shopify_affiliate(r#"[{"name":"affiliate","value":"<script>"}]"#, "/"), None);
    assert_eq!(shopify_affiliate(r#"[{"name":"affiliate","value":""}]"#, "/"), None);
    assert_eq!(shopify_affiliate("[]", "/"), None);

    let lemon = br#"{"meta":{"event_name":"order_created","custom_data":{"click_id":"c-3","affiliate":"mia_k-2"}},
      "data":{"type":"orders","id":"42","attributes":{"currency":"USD","total":999,"status":"paid"}}}"#;
    let Ok(Delivery::Order(o)) = lemonsqueezy(lemon, 5) else { panic!("not an order") };
    assert_eq!(o.affiliate.as_deref(), Some("mia_k-2"));
}
