use super::*;

fn item(id: &str, price: i64, quantity: u32) -> StoredItem {
    StoredItem { item_id: id.into(), price, quantity, ..StoredItem::default() }
}

fn ev(name: &str) -> EventRow {
    EventRow { name: name.into(), creator_id: "juno".into(), ..EventRow::default() }
}

fn tagged(mut e: EventRow, source: &str, medium: &str) -> EventRow {
    e.utm_source = Some(source.into());
    e.utm_medium = Some(medium.into());
    e
}

/// 10 views (4 from TikTok clips, one of them on the mug's page), 4 product taps,
/// 2 checkouts, 2 thank-you-page purchases (one confirmed by a Stripe order), a second
/// verified order in yen with no click.
fn known_set() -> (Vec<EventRow>, Vec<OrderRow>, Confirmed) {
    let mut events = Vec::new();
    for i in 0..10 {
        let mut e = ev("page_view");
        if i == 0 {
            e.path = Some("/p/mug/".into());
        }
        events.push(if i < 4 { tagged(e, "tiktok", "clip") } else { e });
    }
    for id in ["mug", "mug", "mug", "tote"] {
        events.push(EventRow { items: vec![item(id, 2720, 1)], currency: Some("EUR".into()), ..ev("select_item") });
    }
    let checkout_mug = EventRow {
        items: vec![item("mug", 3200, 1)],
        currency: Some("EUR".into()),
        value: Some(3200),
        coupon: Some("JUNO15".into()),
        click_id: Some("c-1".into()),
        ..tagged(ev("begin_checkout"), "tiktok", "clip")
    };
    let checkout_tote =
        EventRow { items: vec![item("tote", 1000, 1)], click_id: Some("c-2".into()), ..ev("begin_checkout") };
    events.extend([checkout_mug, checkout_tote]);
    let purchase = |tx: &str, click: &str, value: i64, product: &str| EventRow {
        transaction_id: Some(tx.into()),
        click_id: Some(click.into()),
        currency: Some("EUR".into()),
        value: Some(value),
        items: vec![item(product, value, 1)],
        ..ev("purchase")
    };
    events.push(purchase("cs_1", "c-1", 2720, "mug"));
    events.push(purchase("T-9", "c-9", 1000, "tote"));
    let stripe = OrderRow {
        provider: "stripe".into(),
        order_id: "cs_1".into(),
        currency: "EUR".into(),
        value: 2720,
        refunded: 500,
        click_id: Some("c-1".into()),
        click: Some(Arc::new(Click {
            how: "click_id",
            event_id: "e-checkout".into(),
            creator_id: "juno".into(),
            coupon: Some("JUNO15".into()),
            utm_source: Some("tiktok".into()),
            utm_medium: Some("clip".into()),
            affiliate: None,
            items: vec![item("mug", 3200, 1)],
            ..Click::default()
        })),
        ..OrderRow::default()
    };
    let shopify = OrderRow {
        provider: "shopify".into(),
        order_id: "77".into(),
        currency: "JPY".into(),
        value: 3800,
        ..OrderRow::default()
    };
    let confirmed = Confirmed {
        transaction_ids: ["cs_1".to_owned(), "77".to_owned()].into_iter().collect(),
        click_ids: ["c-1".to_owned()].into_iter().collect(),
    };
    (events, vec![stripe, shopify], confirmed)
}

fn stats() -> Stats {
    let (events, orders, confirmed) = known_set();
    aggregate(&Query { from: 0, to: 1, ..Query::default() }, events, orders, &confirmed)
}

fn revenue(currency: &str, all: i128, verified: i128, unverified: i128, refunded: i128) -> Revenue {
    Revenue { currency: currency.into(), all, verified, unverified, refunded }
}

fn row<'a>(s: &'a Stats, dim: &str, key: &str) -> &'a Group {
    &s.by[dim].iter().find(|r| r.key == key).unwrap_or_else(|| panic!("no {dim} row {key}")).group
}

#[test]
fn the_funnel_counts_each_sale_once() {
    let s = stats();
    let f = &s.totals.funnel;
    assert_eq!(
        f,
        &Funnel {
            page_views: 10,
            code_views: 0,
            product_selects: 4,
            checkouts_started: 2,
            checkouts_ordered: 1,
            purchases: 3,
            purchases_verified: 2,
            purchases_unverified: 2
        }
    );
    // One of the two checkouts (c-1) came back on a verified order.
    assert_eq!(s.totals.rates, Rates { checkout_to_order: Some(0.5) });
}

#[test]
fn revenue_stays_per_currency_and_verified_apart() {
    let s = stats();
    // EUR: the confirmed browser purchase (2720) is the Stripe order's sale: counted once
    // in `all`; the unconfirmed one (1000) adds to it.
    assert_eq!(s.totals.revenue, vec![revenue("EUR", 3720, 2720, 3720, 500), revenue("JPY", 3800, 3800, 0, 0)]);
}

#[test]
fn breakdowns_by_source_channel_code_creator_and_product() {
    let s = stats();
    let tiktok = row(&s, "utm_source", "tiktok");
    assert_eq!(
        (
            tiktok.funnel.page_views,
            tiktok.funnel.checkouts_started,
            tiktok.funnel.purchases_verified,
            tiktok.funnel.purchases
        ),
        (4, 1, 1, 1)
    );
    assert_eq!(tiktok.revenue, vec![revenue("EUR", 2720, 2720, 0, 500)]);
    assert_eq!(tiktok.rates.checkout_to_order, Some(1.0));
    assert_eq!(row(&s, "utm_medium", "clip").funnel.page_views, 4);
    let none = row(&s, "utm_source", NONE);
    assert_eq!((none.funnel.page_views, none.funnel.purchases), (6, 2));
    let code = row(&s, "code", "JUNO15");
    assert_eq!((code.funnel.checkouts_started, code.funnel.purchases_verified), (1, 1));
    let juno = row(&s, "creator", "juno");
    assert_eq!((juno.funnel.page_views, juno.funnel.purchases, juno.funnel.purchases_verified), (10, 2, 1));
    // The yen order has no creator and no click.
    assert_eq!(row(&s, "creator", NONE).revenue, vec![revenue("JPY", 3800, 3800, 0, 0)]);
    let mug = row(&s, "product", "mug");
    assert_eq!(
        (mug.funnel.page_views, mug.funnel.product_selects, mug.funnel.checkouts_started, mug.funnel.purchases),
        (1, 3, 1, 1)
    );
    assert_eq!(mug.revenue, vec![revenue("EUR", 2720, 2720, 2720, 500)]);
    let tote = row(&s, "product", "tote");
    assert_eq!(tote.revenue, vec![revenue("EUR", 1000, 0, 1000, 0)]);
    assert_eq!(row(&s, "product", NONE).funnel.page_views, 9);
}

#[test]
fn splits_an_order_over_its_products_exactly() {
    assert_eq!(split(1000, &[]), vec![(NONE.to_owned(), 1000)]);
    // 333.33 and 666.67: the unit left over goes to the larger remainder.
    let parts = split(1000, &[item("a", 100, 1), item("b", 200, 1)]);
    assert_eq!(parts, vec![("a".to_owned(), 333), ("b".to_owned(), 667)]);
    // Three equal thirds of 1000: the one unit left goes to the first listed.
    let parts = split(1000, &[item("a", 5, 1), item("b", 5, 1), item("c", 5, 1)]);
    assert_eq!(parts, vec![("a".to_owned(), 334), ("b".to_owned(), 333), ("c".to_owned(), 333)]);
    let parts = split(1001, &[item("a", 0, 1), item("b", 0, 2), item("a", 0, 1)]);
    assert_eq!(parts, vec![("a".to_owned(), 501), ("b".to_owned(), 500)]);
    assert_eq!(split(999, &[item("a", 5, 3), item("a", 5, 1)]), vec![("a".to_owned(), 999)]);
}

#[test]
fn csv_has_a_header_and_quotes_per_rfc_4180() {
    let (mut events, orders, confirmed) = known_set();
    events[0].creator_id = "juno, \"the maker\"".into();
    let s = aggregate(&Query { from: 0, to: 1, ..Query::default() }, events, orders, &confirmed);
    let csv = to_csv(&s).expect("csv");
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some(CSV_HEADER.join(",").as_str()));
    assert_eq!(lines.next(), Some("total,,,10,0,4,2,1,3,2,2,0.5,EUR,3720,2720,3720,500,0"));
    assert_eq!(lines.next(), Some("total,,,10,0,4,2,1,3,2,2,0.5,JPY,3800,3800,0,0,0"));
    assert!(csv.contains("creator,\"juno, \"\"the maker\"\"\",,1,0,0,0,0,0,0,0,,,,,,,\r\n"), "{csv}");
    assert!(csv.ends_with("\r\n"));
}

#[test]
fn html_escapes_everything_and_formats_money() {
    let (mut events, orders, confirmed) = known_set();
    events[0].utm_source = Some("<script>alert(1)</script>".into());
    let s = aggregate(
        &Query { from: 0, to: 1, creator: Some("a&b".into()), ..Query::default() },
        events,
        orders,
        &confirmed,
    );
    let html = to_html(&s);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Stats for a&amp;b"));
    assert!(html.contains("37.20 EUR"), "{html}");
    assert!(html.contains("3,800 JPY"));
    assert!(html.contains("name=\"viewport\""));
    assert_eq!(format_money(5, "KWD"), "0.005 KWD");
    assert_eq!(format_money(-1250, "EUR"), "-12.50 EUR");
    assert_eq!(format_money(-123_456_789, "EUR"), "-1,234,567.89 EUR");
    assert_eq!(format_money(100_000, "JPY"), "100,000 JPY");
    assert_eq!(format_money(1_234_567, "KWD"), "1,234.567 KWD");
}

/// A season's figures read on a phone: digits in threes.
#[test]
fn counts_are_grouped_in_threes() {
    use super::sentence::grouped;
    let cases = [(0u64, "0"), (999, "999"), (1000, "1,000"), (1_100_024, "1,100,024"), (12_345, "12,345")];
    for (n, text) in cases {
        assert_eq!(grouped(n), text);
    }
    assert_eq!(grouped(u128::MAX), "340,282,366,920,938,463,463,374,607,431,768,211,455");
}

// ---- Issue #9: one event must not take the stats down ----

/// A thank-you-page purchase as ingest stores it, with `items` and `value`.
fn purchase_row(tx: &str, value: Option<i64>, items: Vec<StoredItem>) -> EventRow {
    EventRow { transaction_id: Some(tx.into()), currency: Some("EUR".into()), value, items, ..ev("purchase") }
}

fn aggregate_all(events: Vec<EventRow>, orders: Vec<OrderRow>) -> Stats {
    aggregate(&Query { from: 0, to: 1, ..Query::default() }, events, orders, &Confirmed::default())
}

/// Before the fix: price 10^12 (inside the old limit) × quantity u32::MAX overflowed
/// `i64` in the product breakdown: a panic (500) in debug, a wrapped sum in release.
#[test]
fn a_legacy_line_at_the_old_limits_is_excluded_not_a_panic() {
    let legacy = purchase_row("T-1", Some(5), vec![item("mug", 1_000_000_000_000, u32::MAX)]);
    let fine = purchase_row("T-2", Some(2720), vec![item("mug", 2720, 1)]);
    let s = aggregate_all(vec![legacy, fine], vec![]);
    assert_eq!(s.totals.funnel.purchases, 1, "the legacy row is left out of every figure");
    assert_eq!(s.totals.revenue, vec![revenue("EUR", 2720, 0, 2720, 0)]);
    assert_eq!(row(&s, "product", "mug").revenue, vec![revenue("EUR", 2720, 0, 2720, 0)]);
    assert_eq!(s.excluded.count, 1);
    assert_eq!(s.excluded.reasons[0].reason, Exclusion::EventItems);
    assert_eq!(s.excluded.reasons[0].row, "event");
    let json = serde_json::to_value(&s).expect("json");
    assert_eq!(json["excluded"]["count"], 1);
    assert_eq!(json["excluded"]["reasons"][0]["reason"], "event_items");
}

/// Values summed past `i64::MAX` (18 447 purchases at the largest amount) stay exact.
#[test]
fn revenue_sums_past_i64_are_exact() {
    let n = 20_000;
    let max = linkshelf_core::limits::MAX_AMOUNT_MINOR;
    let events = (0..n).map(|i| purchase_row(&format!("T-{i}"), Some(max), vec![]));
    let s = aggregate(&Query { from: 0, to: 1, ..Query::default() }, events, vec![], &Confirmed::default());
    let expected = i128::from(max) * n;
    assert!(expected > i128::from(i64::MAX));
    assert_eq!(s.totals.revenue, vec![revenue("EUR", expected, 0, expected, 0)]);
    assert_eq!(s.excluded, Excluded::default());
    let csv = to_csv(&s).expect("csv");
    assert!(csv.contains(&format!(",EUR,{expected},0,{expected},0,0\r\n")), "{csv}");
    assert!(to_html(&s).contains("100,000,000,000,000,000.00 EUR"));
}

/// Negative, enormous and unreadable amounts (stored before the checks, or by hand)
/// are excluded and reported; the rest still adds up.
#[test]
fn out_of_range_values_orders_and_refunds_are_reported() {
    let events = vec![
        purchase_row("T-neg", Some(-5), vec![]),
        purchase_row("T-max", Some(i64::MAX), vec![]),
        purchase_row("T-min", Some(i64::MIN), vec![]),
        EventRow { unreadable: Some(Exclusion::EventValue), ..purchase_row("T-real", None, vec![]) },
        purchase_row("T-ok", Some(100), vec![]),
    ];
    let order = |id: &str, value: i64| OrderRow {
        provider: "stripe".into(),
        order_id: id.into(),
        currency: "EUR".into(),
        value,
        ..OrderRow::default()
    };
    let orders = vec![
        order("o-max", i64::MAX),
        order("o-neg", -1),
        OrderRow { refunds_excluded: 2, refunded: 50, ..order("o-ok", 1000) },
    ];
    let s = aggregate_all(events, orders);
    assert_eq!(s.totals.revenue, vec![revenue("EUR", 1100, 1000, 100, 50)]);
    assert_eq!((s.totals.funnel.purchases_unverified, s.totals.funnel.purchases_verified), (1, 1));
    assert_eq!(s.orders.len(), 1, "excluded orders are not listed either");
    assert_eq!(s.excluded.count, 3 + 1 + 2 + 2);
    let counts: Vec<(Exclusion, u64)> = s.excluded.reasons.iter().map(|r| (r.reason, r.count)).collect();
    assert_eq!(
        counts,
        vec![(Exclusion::EventValue, 4), (Exclusion::OrderValue, 2), (Exclusion::RefundAmount, 2)],
        "{:?}",
        s.excluded
    );
    let csv = to_csv(&s).expect("csv");
    assert!(csv.contains(",EUR,1100,1000,100,50,8\r\n"), "{csv}");
    assert!(csv.contains("excluded,order:order_value,,,,,,,,,,,,,,,,2\r\n"), "{csv}");
    assert!(csv.contains("excluded,refund:refund_amount,,,,,,,,,,,,,,,,2\r\n"), "{csv}");
    let html = to_html(&s);
    assert!(html.contains("8 stored rows were left out of these figures"), "{html}");
    assert!(html.contains("2 × an order whose total is outside the limits"), "{html}");
}

#[test]
fn splits_the_largest_amounts_without_overflow() {
    let max_line = item("a", linkshelf_core::limits::MAX_PRICE_MINOR, linkshelf_core::limits::MAX_QUANTITY);
    let amount = i128::from(linkshelf_core::limits::MAX_AMOUNT_MINOR) * 1000;
    let parts = split(amount, &[max_line.clone(), item("b", 1, 1)]);
    assert_eq!(parts.iter().map(|(_, p)| p).sum::<i128>(), amount);
    let parts = split(-7, &[max_line, item("b", 0, 1)]);
    assert_eq!(parts.iter().map(|(_, p)| p).sum::<i128>(), -7);
}

// ---- Brand mode: affiliates ----

fn click(how: &'static str, affiliate: Option<&str>, coupon: Option<&str>) -> Click {
    Click {
        how,
        event_id: "e-click".into(),
        creator_id: "brand".into(),
        coupon: coupon.map(str::to_owned),
        affiliate: affiliate.map(str::to_owned),
        ..Click::default()
    }
}

/// The rules in order: the shop's, the order's own click's, the code owner's, none.
#[test]
fn an_order_is_credited_by_the_first_rule_that_names_an_affiliate() {
    type Owner = Result<Option<String>, ()>;
    fn owner(h: Option<&'static str>) -> impl FnOnce() -> Result<Option<String>, ()> {
        move || Ok(h.map(str::to_owned))
    }
    let never = || -> Owner { panic!("the code owner is asked only when the first rules give none") };
    let own = click("click_id", Some("mika"), None);
    assert_eq!(credit(Some("juno"), Some(&own), never), Ok(Some(("juno".into(), Credit::Shop))));
    assert_eq!(credit(None, Some(&own), never), Ok(Some(("mika".into(), Credit::Click))));
    // A click found by code or UTM is a guess about some checkout: it never moves money.
    for how in ["code", "utm"] {
        let guess = click(how, Some("mika"), None);
        assert_eq!(credit(None, Some(&guess), owner(Some("juno"))), Ok(Some(("juno".into(), Credit::Code))));
        assert_eq!(credit(None, Some(&guess), owner(None)), Ok(None));
    }
    let anonymous = click("click_id", None, None);
    assert_eq!(credit(None, Some(&anonymous), owner(Some("juno"))), Ok(Some(("juno".into(), Credit::Code))));
    assert_eq!(credit(None, None, owner(None)), Ok(None));
    assert_eq!(credit(None, None, || -> Owner { Err(()) }), Err(()), "a failed lookup is not \"none\"");
}

/// Two affiliates, each with visits, a checkout, a verified order and a browser-only
/// purchase; one verified order in yen; nothing summed across currencies.
fn affiliate_set() -> (Vec<EventRow>, Vec<OrderRow>) {
    let of = |mut e: EventRow, affiliate: &str| {
        e.affiliate = Some(affiliate.into());
        e
    };
    let purchase = |tx: &str, value: i64| EventRow {
        transaction_id: Some(tx.into()),
        currency: Some("EUR".into()),
        value: Some(value),
        ..ev("purchase")
    };
    let events = vec![
        of(ev("page_view"), "juno.park"),
        of(ev("page_view"), "juno.park"),
        of(ev("select_item"), "juno.park"),
        of(ev("begin_checkout"), "juno.park"),
        of(purchase("T-juno", 1500), "juno.park"),
        of(ev("page_view"), "mika"),
        of(purchase("T-mika", 900), "mika"),
        ev("page_view"),
    ];
    let order = |id: &str, currency: &str, value: i64, affiliate: Option<&str>, by: Option<Credit>| OrderRow {
        provider: "shopify".into(),
        order_id: id.into(),
        currency: currency.into(),
        value,
        affiliate: affiliate.map(str::to_owned),
        credited_by: by,
        ..OrderRow::default()
    };
    let orders = vec![
        order("1", "EUR", 3200, Some("juno.park"), Some(Credit::Shop)),
        order("2", "JPY", 3800, Some("juno.park"), Some(Credit::Code)),
        order("3", "EUR", 2000, Some("mika"), Some(Credit::Click)),
        order("4", "EUR", 700, None, None),
    ];
    (events, orders)
}

#[test]
fn the_affiliate_breakdown_keeps_verified_and_claimed_apart_per_currency() {
    let (events, orders) = affiliate_set();
    let s = aggregate_all(events, orders);
    let juno = row(&s, "affiliate", "juno.park");
    assert_eq!(
        (juno.funnel.page_views, juno.funnel.product_selects, juno.funnel.checkouts_started),
        (2, 1, 1),
        "visits, product taps and checkouts of the affiliate's page"
    );
    assert_eq!((juno.funnel.purchases_verified, juno.funnel.purchases_unverified, juno.funnel.purchases), (2, 1, 3));
    assert_eq!(juno.revenue, vec![revenue("EUR", 4700, 3200, 1500, 0), revenue("JPY", 3800, 3800, 0, 0)]);
    let mika = row(&s, "affiliate", "mika");
    assert_eq!((mika.funnel.purchases_verified, mika.funnel.purchases_unverified), (1, 1));
    assert_eq!(mika.revenue, vec![revenue("EUR", 2900, 2000, 900, 0)]);
    let none = row(&s, "affiliate", NONE);
    assert_eq!((none.funnel.page_views, none.funnel.purchases_verified), (1, 1));
    // The rows add up to the totals.
    let sales: u64 = s.by["affiliate"].iter().map(|r| r.group.funnel.purchases).sum();
    assert_eq!(sales, s.totals.funnel.purchases);
    let json = serde_json::to_value(&s).expect("json");
    assert_eq!(json["orders"][0]["affiliate"], "juno.park");
    assert_eq!(json["orders"][0]["credited_by"], "shop");
    assert_eq!(json["orders"][1]["credited_by"], "code");
    assert_eq!(json["orders"][3]["credited_by"], serde_json::Value::Null);
    let csv = to_csv(&s).expect("csv");
    // Juno's checkout carried no click id: none of it is known to have become an order.
    assert!(csv.contains("\r\naffiliate,juno.park,,2,0,1,1,0,3,2,1,0,EUR,4700,3200,1500,0,\r\n"), "{csv}");
    assert!(csv.contains("\r\naffiliate,juno.park,,2,0,1,1,0,3,2,1,0,JPY,3800,3800,0,0,\r\n"), "{csv}");
    let html = to_html(&s);
    assert!(html.contains("By affiliate"), "{html}");
    assert!(html.contains("47.00 EUR"), "{html}");
    assert!(html.contains("2 verified · 1 unverified"), "{html}");
}

/// An affiliate's own view (already filtered to their rows by `load`) leaves out the
/// creator breakdown and every order's creator.
#[test]
fn an_affiliates_view_names_no_creator() {
    let (events, orders) = affiliate_set();
    let mine = |a: &Option<String>| a.as_deref() == Some("juno.park");
    let events = events.into_iter().filter(|e| mine(&e.affiliate)).collect::<Vec<_>>();
    let orders = orders
        .into_iter()
        .filter(|o| mine(&o.affiliate))
        .map(|o| OrderRow { creator_id: Some("brand-a".into()), ..o })
        .collect();
    let query = Query { from: 0, to: 1, scope: Scope::Affiliate("juno.park".into()), ..Query::default() };
    let s = aggregate(&query, events, orders, &Confirmed::default());
    assert!(!s.by.contains_key("creator"), "{:?}", s.by.keys());
    assert_eq!(s.by["affiliate"].iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["juno.park"]);
    assert!(s.orders.iter().all(|o| o.creator_id.is_none()));
    assert_eq!((s.creator.as_deref(), s.affiliate.as_deref()), (None, Some("juno.park")));
    let html = to_html(&s);
    assert!(html.contains("Stats for juno.park") && html.contains("Your own figures"), "{html}");
    assert!(!html.contains("brand-a") && !to_csv(&s).expect("csv").contains("brand-a"));
}

// ---- Issue #15 point 5: right numbers first ----

fn verified(id: &str, currency: &str, value: i64, click: Option<Click>) -> OrderRow {
    OrderRow {
        provider: "shopify".into(),
        order_id: id.into(),
        currency: currency.into(),
        value,
        click_id: click.as_ref().filter(|c| c.how == "click_id").map(|c| c.event_id.clone()),
        click: click.map(Arc::new),
        ..OrderRow::default()
    }
}

#[test]
fn the_latest_orders_are_listed_and_every_one_counted() {
    let orders: Vec<OrderRow> = (0..MAX_LISTED_ORDERS + 5)
        .map(|i| OrderRow { created_at: i as i64, ..verified(&format!("o{i:05}"), "EUR", 100, None) })
        .collect();
    let query = Query { from: 0, to: i64::MAX, ..Query::default() };
    let s = aggregate(&query, vec![], orders.clone(), &Confirmed::default());
    assert_eq!(s.orders.len(), MAX_LISTED_ORDERS);
    assert_eq!((s.orders[0].order_id.as_str(), s.orders[MAX_LISTED_ORDERS - 1].created_at), ("o00005", 1004));
    assert_eq!(s.joins.orders, MAX_LISTED_ORDERS as u64 + 5, "every order counted");
    let all = (MAX_LISTED_ORDERS as i128 + 5) * 100;
    assert_eq!(s.totals.revenue, vec![revenue("EUR", all, all, 0, 0)]);
    // Given in any order (a loader hands them over as read), the same latest are listed,
    // in order: by time, then order id, then shop.
    let mut shuffled = orders;
    shuffled.reverse();
    shuffled.swap(3, 700);
    shuffled[1].created_at = 1004;
    shuffled[1].order_id = "o00005b".into();
    shuffled[2].created_at = 1004;
    shuffled[2].order_id = "o00005b".into();
    shuffled[2].provider = "lemonsqueezy".into();
    let s = aggregate(&query, vec![], shuffled, &Confirmed::default());
    let listed: Vec<(i64, &str, &str)> =
        s.orders.iter().map(|o| (o.created_at, o.order_id.as_str(), o.provider.as_str())).collect();
    assert_eq!(listed.len(), MAX_LISTED_ORDERS);
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "in order");
    assert_eq!(listed[0], (5, "o00005", "shopify"), "the earliest five left out");
    assert_eq!(
        listed[MAX_LISTED_ORDERS - 3..],
        [(1004, "o00005b", "lemonsqueezy"), (1004, "o00005b", "shopify"), (1004, "o01004", "shopify")]
    );
}

fn own_click(click_id: &str, source: &str, campaign: &str, content: &str, code: &str, items: Vec<StoredItem>) -> Click {
    Click {
        how: "click_id",
        event_id: click_id.into(),
        creator_id: "juno".into(),
        coupon: Some(code.into()),
        utm_source: Some(source.into()),
        utm_medium: Some("clip".into()),
        utm_campaign: Some(campaign.into()),
        utm_content: Some(content.into()),
        items,
        ..Click::default()
    }
}

/// A channel with 1 view, 2 Buy-link checkouts (no product tap) and 2 verified orders
/// showed "Conv. 200 %" (sales over views). The one rate left compares checkouts with
/// the checkouts among them that came back on an order: 1 of 2.
#[test]
fn a_rate_compares_a_part_with_its_whole_and_never_passes_100_percent() {
    let checkout =
        |click: &str| EventRow { click_id: Some(click.into()), ..tagged(ev("begin_checkout"), "tiktok", "clip") };
    let events = vec![tagged(ev("page_view"), "tiktok", "clip"), checkout("c-1"), checkout("c-2")];
    let orders = vec![
        verified("1", "EUR", 1000, Some(own_click("c-1", "tiktok", "spring", "clip-7", "JUNO15", vec![]))),
        OrderRow {
            utm_source: Some("tiktok".into()),
            utm_medium: Some("clip".into()),
            ..verified("2", "EUR", 1000, None)
        },
    ];
    let confirmed = Confirmed { click_ids: ["c-1".to_owned()].into_iter().collect(), ..Confirmed::default() };
    let s = aggregate(&Query::default(), events, orders, &confirmed);
    let clip = row(&s, "utm_medium", "clip");
    assert_eq!(
        (clip.funnel.page_views, clip.funnel.checkouts_started, clip.funnel.checkouts_ordered, clip.funnel.purchases),
        (1, 2, 1, 2)
    );
    assert_eq!(clip.rates, Rates { checkout_to_order: Some(0.5) });
    assert_eq!(s.totals.rates, Rates { checkout_to_order: Some(0.5) });
    let html = to_html(&s);
    assert!(html.contains("50.0 %") && !html.contains("200.0 %"), "{html}");
    assert!(html.contains("1 of 2 became a verified order"), "{html}");
    let json = serde_json::to_value(&s).expect("json");
    assert_eq!(json["totals"]["rates"], serde_json::json!({"checkout_to_order": 0.5}));
}

/// Code views are `view_promotion` events, which name the code by its id; they are put
/// under the code text checkouts carry. "Code used" is the checkouts carrying it.
#[test]
fn code_views_are_counted_under_the_code_they_show() {
    let view = |id: &str| EventRow { promotion_id: Some(id.into()), ..ev("view_promotion") };
    let events = vec![
        // Landed with ?code=JUNO-15 from a clip: the applied card was seen on 3 page loads.
        tagged(view("juno-15"), "tiktok", "clip"),
        view("juno-15"),
        view("juno-15"),
        view("welcome"),
        tagged(ev("page_view"), "tiktok", "clip"),
        EventRow { coupon: Some("JUNO-15".into()), ..ev("begin_checkout") },
    ];
    let s = aggregate_all(events, vec![]);
    assert_eq!(s.totals.funnel.code_views, 4);
    assert_eq!(s.totals.funnel.page_views, 1, "a code view is not a page view");
    let juno = row(&s, "code", "JUNO-15");
    assert_eq!((juno.funnel.code_views, juno.funnel.checkouts_started), (3, 1));
    // Never carried by a checkout in the range: shown under its id.
    assert_eq!(row(&s, "code", "welcome").funnel.code_views, 1);
    assert_eq!(row(&s, "code", NONE).funnel.code_views, 0);
    assert_eq!(row(&s, "utm_source", "tiktok").funnel.code_views, 1);
    assert!(s.by["product"].iter().all(|r| r.group.funnel.code_views == 0), "a code's card is no product");
    assert_eq!(
        (code_id("JUNO-15"), code_id("Five Off!"), code_id("--")),
        ("juno-15".into(), "five-off".into(), "code".into())
    );
    let csv = to_csv(&s).expect("csv");
    assert!(csv.contains("\r\ncode,JUNO-15,,0,3,0,1,0,0,0,0,0,,,,,,\r\n"), "{csv}");
}

// The shop sends the code back lowercased (`juno15`), the page spelled it `JUNO15`: one
// code row, as the creator wrote it, with the checkout and the order in it.
#[test]
fn a_code_is_one_row_whatever_its_case() {
    let checkout = EventRow { coupon: Some("JUNO15".into()), ..ev("begin_checkout") };
    let order = OrderRow { coupon: Some("juno15".into()), ..verified("1", "EUR", 5440, None) };
    let other = OrderRow { coupon: Some("Mika10".into()), ..verified("2", "EUR", 1000, None) };
    let again = OrderRow { coupon: Some("MIKA10".into()), ..verified("3", "EUR", 2000, None) };
    let s = aggregate_all(vec![checkout], vec![order, other, again]);
    let keys: Vec<&str> = s.by["code"].iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys.iter().filter(|k| k.eq_ignore_ascii_case("juno15")).count(), 1, "{keys:?}");
    let juno = row(&s, "code", "JUNO15");
    assert_eq!((juno.funnel.checkouts_started, juno.funnel.purchases_verified), (1, 1));
    // No page carried Mika's: the first spelling an order sent.
    assert_eq!(row(&s, "code", "Mika10").funnel.purchases_verified, 2);
    assert_eq!(s.what_sold.iter().filter(|w| w.code.eq_ignore_ascii_case("mika10")).count(), 1);
}

/// A €252 list-price basket bought for €228.91 with a code: the product rows add up to
/// what was paid, the leftover cent going to the larger remainder.
#[test]
fn product_revenue_is_what_was_paid_after_the_code() {
    let basket = || {
        vec![
            StoredItem { item_name: Some("Speckled mug".into()), ..item("mug", 12000, 1) },
            StoredItem { item_name: Some("Linen tote".into()), ..item("tote", 6600, 2) },
        ]
    };
    let unverified = EventRow { coupon: Some("JUNO15".into()), ..purchase_row("T-1", Some(22891), basket()) };
    let order = verified("2", "EUR", 21420, Some(own_click("c-2", "tiktok", "spring", "clip-7", "JUNO15", basket())));
    let s = aggregate_all(vec![unverified], vec![order]);
    assert_eq!(s.totals.revenue, vec![revenue("EUR", 44311, 21420, 22891, 0)]);
    // 22891 × 12000/25200 = 10900.48, × 13200/25200 = 11990.52 → 10900 + 11991.
    // 21420 × 12000/25200 = 10200, × 13200/25200 = 11220 exactly.
    assert_eq!(row(&s, "product", "mug").revenue, vec![revenue("EUR", 21100, 10200, 10900, 0)]);
    assert_eq!(row(&s, "product", "tote").revenue, vec![revenue("EUR", 23211, 11220, 11991, 0)]);
    assert_eq!(row(&s, "product", "mug").funnel.purchases, 2);
    // Titles, not ids, where the events carry the item's name.
    assert_eq!(
        s.by["product"].iter().map(|r| r.title.as_deref()).collect::<Vec<_>>(),
        [Some("Speckled mug"), Some("Linen tote")]
    );
    let html = to_html(&s);
    assert!(html.contains("Speckled mug<small>mug</small>"), "{html}");
    assert!(html.contains("211.00 EUR") && html.contains("232.11 EUR") && !html.contains("252.00 EUR"), "{html}");
    assert!(to_csv(&s)
        .expect("csv")
        .contains("\r\nproduct,mug,Speckled mug,0,0,0,0,0,2,1,1,,EUR,21100,10200,10900,0,\r\n"));
}

/// "Which clip sold": campaign and content breakdowns, and one ranked table by source ·
/// campaign · code, verified and unverified apart, one revenue per currency.
#[test]
fn what_sold_ranks_source_campaign_and_code() {
    let unverified = |tx: &str, value: i64| EventRow {
        utm_source: Some("tiktok".into()),
        utm_campaign: Some("spring".into()),
        utm_content: Some("clip-7".into()),
        coupon: Some("JUNO15".into()),
        ..purchase_row(tx, Some(value), vec![])
    };
    let orders = vec![
        verified("1", "EUR", 2000, Some(own_click("c-1", "tiktok", "spring", "clip-7", "JUNO15", vec![]))),
        verified("2", "USD", 1500, Some(own_click("c-2", "tiktok", "spring", "clip-7", "JUNO15", vec![]))),
        OrderRow { utm_source: Some("instagram".into()), ..verified("3", "EUR", 900, None) },
        OrderRow { utm_source: Some("instagram".into()), ..verified("4", "EUR", 800, None) },
        verified("5", "EUR", 700, Some(own_click("c-5", "tiktok", "spring", "clip-9", "JUNO15", vec![]))),
    ];
    let s = aggregate_all(vec![unverified("T-1", 1000), ev("page_view")], orders);
    let ranked: Vec<(&str, &str, &str, u64, u64, u64)> = s
        .what_sold
        .iter()
        .map(|r| {
            (
                r.utm_source.as_str(),
                r.utm_campaign.as_str(),
                r.code.as_str(),
                r.purchases,
                r.purchases_verified,
                r.purchases_unverified,
            )
        })
        .collect();
    assert_eq!(ranked, [("tiktok", "spring", "JUNO15", 4, 3, 1), ("instagram", NONE, NONE, 2, 2, 0)]);
    assert_eq!(s.what_sold[0].revenue, vec![revenue("EUR", 3700, 2700, 1000, 0), revenue("USD", 1500, 1500, 0, 0)]);
    assert_eq!(s.what_sold[1].revenue, vec![revenue("EUR", 1700, 1700, 0, 0)]);
    let clip7 = row(&s, "utm_content", "clip-7");
    assert_eq!((clip7.funnel.purchases, clip7.funnel.purchases_verified), (3, 2));
    assert_eq!(clip7.revenue, vec![revenue("EUR", 3000, 2000, 1000, 0), revenue("USD", 1500, 1500, 0, 0)]);
    assert_eq!(row(&s, "utm_content", "clip-9").revenue, vec![revenue("EUR", 700, 700, 0, 0)]);
    assert_eq!(row(&s, "utm_campaign", "spring").funnel.purchases, 4);
    let csv = to_csv(&s).expect("csv");
    assert!(csv.contains("\r\nwhat_sold,tiktok · spring · JUNO15,,,,,,,4,3,1,,EUR,3700,2700,1000,0,\r\n"), "{csv}");
    assert!(csv.contains("\r\nwhat_sold,tiktok · spring · JUNO15,,,,,,,4,3,1,,USD,1500,1500,0,0,\r\n"), "{csv}");
    let html = to_html(&s);
    assert!(html.contains("<h2>What sold</h2>") && html.contains("By clip (utm_content)"), "{html}");
    let json = serde_json::to_value(&s).expect("json");
    assert_eq!(json["what_sold"][1]["utm_source"], "instagram");
}

/// On a 390 px phone no figure is cut off: tables scroll inside their own box, with
/// the row's name kept in view; names wrap.
#[test]
fn the_report_keeps_every_figure_reachable_on_a_phone() {
    let html = to_html(&stats());
    // Wide screens: a table scrolls inside its box with its row names in view; phones:
    // each row becomes a card of labelled figures (no column can be cut off).
    assert!(html.contains(".scroll{overflow-x:auto;max-width:100%"), "{html}");
    assert!(html.contains("th[scope=row]{position:sticky;left:0"), "{html}");
    assert!(html.contains("@media (max-width:30rem)"), "{html}");
    assert!(html.contains("td::before{content:attr(data-label)"), "{html}");
    assert_eq!(html.matches("<table>").count(), html.matches("<div class=\"scroll\"><table>").count());
    // Every figure cell says what it is.
    assert_eq!(
        html.matches("<td").count(),
        html.matches("<td data-label=").count() + html.matches("<td class=\"k\" data-label=").count()
    );
}

mod join {
    use super::*;
    use crate::event::Event;
    use crate::store::{self, Durability, Write};

    const HOUR: i64 = 3_600_000;
    const ORDER_AT: i64 = 1_795_804_200_000;

    fn checkout(
        id: &str,
        creator: &str,
        at: i64,
        code: Option<&str>,
        source: Option<&str>,
        click: Option<&str>,
    ) -> Event {
        Event {
            event_id: id.into(),
            name: "begin_checkout",
            creator_id: creator.into(),
            event_time: at,
            coupon: code.map(str::to_owned),
            utm_source: source.map(str::to_owned),
            utm_medium: source.map(|_| "clip".to_owned()),
            click_id: click.map(str::to_owned),
            ..Event::default()
        }
    }

    fn db(events: Vec<Event>) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = store::open(&dir.path().join("join.sqlite"), Durability::Normal).expect("open");
        store::apply(&conn, &Write::Events { events, client: None }).expect("insert");
        (dir, conn)
    }

    fn order(click: Option<&str>, code: Option<&str>, source: Option<&str>, creator: Option<&str>) -> OrderRow {
        OrderRow {
            created_at: ORDER_AT,
            click_id: click.map(str::to_owned),
            coupon: code.map(str::to_owned),
            utm_source: source.map(str::to_owned),
            creator_id: creator.map(str::to_owned),
            ..OrderRow::default()
        }
    }

    fn found(conn: &Connection, o: &OrderRow) -> Option<(&'static str, String)> {
        resolve(conn, o, 168 * HOUR).expect("resolve").map(|c| (c.how, c.event_id))
    }

    #[test]
    fn click_id_first_then_code_then_utm() {
        let (_d, conn) = db(vec![
            checkout("by-click", "juno", ORDER_AT - 200 * HOUR, None, None, Some("c-1")),
            checkout("by-code-old", "juno", ORDER_AT - 5 * HOUR, Some("JUNO15"), Some("tiktok"), None),
            checkout("by-code-new", "juno", ORDER_AT - HOUR, Some("JUNO15"), None, None),
            checkout("by-utm", "juno", ORDER_AT - 2 * HOUR, None, Some("tiktok"), None),
        ]);
        // A click id matches whatever its age: the shop handed it back.
        assert_eq!(
            found(&conn, &order(Some("c-1"), Some("JUNO15"), None, None)),
            Some(("click_id", "by-click".into()))
        );
        // An unknown click id falls back to the code: the latest checkout with it, any case.
        assert_eq!(
            found(&conn, &order(Some("c-404"), Some("juno15"), None, None)),
            Some(("code", "by-code-new".into()))
        );
        assert_eq!(found(&conn, &order(None, None, Some("tiktok"), None)), Some(("utm", "by-utm".into())));
        assert_eq!(found(&conn, &order(None, Some("OTHER"), None, None)), None);
        assert_eq!(found(&conn, &order(None, None, None, None)), None);
    }

    #[test]
    fn code_and_utm_only_within_the_window_and_for_the_creator() {
        let (_d, conn) = db(vec![
            checkout("too-old", "juno", ORDER_AT - 169 * HOUR, Some("JUNO15"), Some("tiktok"), None),
            checkout("after", "juno", ORDER_AT + 10 * 60 * 1000, Some("JUNO15"), Some("tiktok"), None),
            checkout("other-creator", "mika", ORDER_AT - HOUR, Some("MIKA10"), Some("live"), None),
        ]);
        assert_eq!(found(&conn, &order(None, Some("JUNO15"), None, None)), None, "outside the window");
        assert_eq!(found(&conn, &order(None, None, Some("tiktok"), None)), None, "outside the window");
        assert_eq!(found(&conn, &order(None, Some("MIKA10"), None, Some("juno"))), None, "another creator's checkout");
        assert_eq!(found(&conn, &order(None, Some("MIKA10"), None, None)), Some(("code", "other-creator".into())));
    }

    #[test]
    fn an_order_missed_only_by_the_window_says_so() {
        let (_d, conn) = db(vec![
            checkout("too-old", "juno", ORDER_AT - 169 * HOUR, Some("JUNO15"), None, None),
            checkout("after", "juno", ORDER_AT + 10 * 60 * 1000, None, Some("tiktok"), None),
            checkout("other-creator", "mika", ORDER_AT - 200 * HOUR, Some("MIKA10"), None, None),
        ]);
        let outside = |o: &OrderRow| outside_window(&conn, o, 168 * HOUR).expect("query");
        assert!(outside(&order(None, Some("juno15"), None, None)), "a week and an hour before, any case");
        assert!(outside(&order(None, None, Some("tiktok"), None)), "after the order and its clock slack");
        assert!(!outside(&order(None, Some("MIKA10"), None, Some("juno"))), "another creator's checkout");
        assert!(!outside(&order(None, Some("NOPE"), Some("live"), None)));
        assert!(!outside(&order(None, None, None, None)));
        // Through the loader: the order's `join` says it.
        let paid = crate::webhook::Order {
            provider: "stripe",
            order_id: "cs_w".into(),
            creator_id: None,
            created_at: ORDER_AT,
            received_at: ORDER_AT,
            currency: "EUR".into(),
            value: 1000,
            click_id: None,
            coupon: Some("JUNO15".into()),
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            payment_ref: None,
            affiliate: None,
        };
        store::apply(&conn, &Write::Order(paid)).expect("order");
        let query = Query { from: ORDER_AT - HOUR, to: ORDER_AT + HOUR, ..Query::default() };
        let s = load(&conn, &query, 168 * HOUR, None).expect("stats");
        assert_eq!(s.orders[0].join, Some(Join::OutsideWindow));
        assert_eq!((s.joins.orders, s.joins.joined), (1, 0));
    }

    /// Rows stored before the checks (or edited by hand), read straight from SQLite:
    /// a REAL or TEXT amount, items that are not JSON, a refund sum past `i64::MAX`
    /// (SQL's `sum()` failed the whole query on it). Stats answer and report them.
    #[test]
    fn legacy_rows_in_the_database_are_reported_not_fatal() {
        let (_d, conn) = db(vec![]);
        conn.execute_batch(&format!(
            "INSERT INTO events (event_id, name, creator_id, event_time, occurred_at, received_at, currency, value, transaction_id, items)
             VALUES ('e1', 'purchase', 'juno', {ORDER_AT}, 0, 0, 'EUR', 1e30, 'T1', NULL),
                    ('e2', 'purchase', 'juno', {ORDER_AT}, 0, 0, 'EUR', 'lots', 'T2', NULL),
                    ('e3', 'purchase', 'juno', {ORDER_AT}, 0, 0, 'EUR', 10, 'T3', 'not json'),
                    ('e4', 'purchase', 'juno', {ORDER_AT}, 0, 0, 'EUR', 10, 'T4', '[{{\"item_id\":\"m\",\"price\":1000000000000,\"quantity\":4294967295}}]'),
                    ('e5', 'purchase', 'juno', {ORDER_AT}, 0, 0, 'EUR', 2720, 'T5', '[{{\"item_id\":\"m\",\"price\":2720,\"quantity\":1}}]');
             INSERT INTO orders (provider, order_id, created_at, received_at, currency, value, payment_ref)
             VALUES ('stripe', 'cs_1', {ORDER_AT}, 0, 'EUR', 1000, 'pi_1'),
                    ('stripe', 'cs_2', {ORDER_AT}, 0, 'EUR', 9223372036854775807, NULL),
                    ('stripe', 'cs_3', {ORDER_AT}, 0, 'EUR', 12.5, NULL);
             INSERT INTO refunds (provider, refund_id, order_ref, currency, amount, created_at, received_at)
             VALUES ('stripe', 'r1', 'pi_1', 'EUR', 9223372036854775807, 0, 0),
                    ('stripe', 'r2', 'pi_1', 'EUR', 9223372036854775807, 0, 0),
                    ('stripe', 'r3', 'cs_1', 'EUR', 300, 0, 0),
                    ('stripe', 'r4', 'cs_1', 'EUR', -300, 0, 0);"
        ))
        .expect("legacy rows");
        let query = Query { from: ORDER_AT - HOUR, to: ORDER_AT + HOUR, ..Query::default() };
        let s = load(&conn, &query, 168 * HOUR, None).expect("stats answer");
        assert_eq!(s.totals.revenue, vec![revenue("EUR", 3720, 1000, 2720, 300)]);
        let counts: Vec<(Exclusion, u64)> = s.excluded.reasons.iter().map(|r| (r.reason, r.count)).collect();
        assert_eq!(
            counts,
            vec![
                (Exclusion::EventValue, 2),
                (Exclusion::EventItems, 2),
                (Exclusion::OrderValue, 2),
                (Exclusion::RefundAmount, 3)
            ]
        );
        assert_eq!(s.excluded.count, 9);
        assert!(to_csv(&s).is_ok());
    }

    /// An order's refunds are those of its provider naming its order id or its payment
    /// reference, each once, even when the two are the same text.
    #[test]
    fn an_orders_refunds_are_its_providers_by_either_reference_each_once() {
        let (_d, conn) = db(vec![]);
        conn.execute_batch(&format!(
            "INSERT INTO orders (provider, order_id, created_at, received_at, currency, value, payment_ref)
             VALUES ('shopify', '1001', {ORDER_AT}, 0, 'EUR', 5000, '1001'),
                    ('stripe', 'cs_9', {ORDER_AT}, 0, 'EUR', 4000, 'pi_9');
             INSERT INTO refunds (provider, refund_id, order_ref, currency, amount, created_at, received_at)
             VALUES ('shopify', 'r1', '1001', 'EUR', 700, 0, 0),
                    ('stripe', 'r2', '1001', 'EUR', 900, 0, 0),
                    ('stripe', 'r3', 'cs_9', 'EUR', 100, 0, 0),
                    ('stripe', 'r4', 'pi_9', 'EUR', 200, 0, 0);"
        ))
        .expect("rows");
        let query = Query { from: ORDER_AT - HOUR, to: ORDER_AT + HOUR, ..Query::default() };
        let s = load(&conn, &query, 168 * HOUR, None).expect("stats");
        let refunded: Vec<(&str, i128)> = s.orders.iter().map(|o| (o.order_id.as_str(), o.refunded)).collect();
        assert_eq!(refunded, [("1001", 700), ("cs_9", 300)], "not stripe's r2, and r1 once");
        assert_eq!(s.totals.revenue, vec![revenue("EUR", 9000, 9000, 0, 1000)]);
    }

    // ---- Crediting orders to affiliates, over a real database ----

    /// An event of `affiliate`'s page with `code` and `click`.
    fn visit(
        id: &str,
        name: &'static str,
        at: i64,
        affiliate: Option<&str>,
        code: Option<&str>,
        click: Option<&str>,
    ) -> Event {
        Event {
            affiliate: affiliate.map(str::to_owned),
            name,
            ..checkout(id, "brand", at, code, Some(&format!("src-{id}")), click)
        }
    }

    fn paid(id: &str, sent: Option<&str>, click: Option<&str>, code: Option<&str>) -> crate::webhook::Order {
        crate::webhook::Order {
            provider: "shopify",
            order_id: id.into(),
            creator_id: None,
            created_at: ORDER_AT,
            received_at: ORDER_AT,
            currency: "EUR".into(),
            value: 1000,
            click_id: click.map(str::to_owned),
            coupon: code.map(str::to_owned),
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            payment_ref: None,
            affiliate: sent.map(str::to_owned),
        }
    }

    fn stats_of(conn: &Connection, scope: Scope) -> Stats {
        let query = Query { from: ORDER_AT - HOUR, to: ORDER_AT + HOUR, scope, ..Query::default() };
        load(conn, &query, 168 * HOUR, None).expect("stats")
    }

    fn credited(s: &Stats) -> Vec<(String, Option<String>, Option<Credit>)> {
        s.orders.iter().map(|o| (o.order_id.clone(), o.affiliate.clone(), o.credited_by)).collect()
    }

    #[test]
    fn a_codes_owner_is_the_earliest_affiliate_seen_with_it() {
        let (_d, conn) = db(vec![
            visit("first", "add_to_cart", ORDER_AT - 300 * HOUR, Some("juno.park"), Some("JUNO15"), None),
            visit("later-forged", "begin_checkout", ORDER_AT - HOUR, Some("mika"), Some("JUNO15"), None),
            visit("anonymous", "begin_checkout", ORDER_AT - 400 * HOUR, None, Some("MIKA10"), None),
            visit("mika", "begin_checkout", ORDER_AT + 30 * HOUR, Some("mika"), Some("mika10"), None),
        ]);
        assert_eq!(code_owner(&conn, "juno15", None).expect("owner").as_deref(), Some("juno.park"));
        // Learned from any time: an event after the order still tells whose code it is.
        assert_eq!(code_owner(&conn, "MIKA10", None).expect("owner").as_deref(), Some("mika"));
        assert_eq!(code_owner(&conn, "MIKA10", Some("another-brand")).expect("owner"), None);
        assert_eq!(code_owner(&conn, "NOBODY", None).expect("owner"), None);
    }

    #[test]
    fn orders_are_credited_shop_first_then_click_then_code() {
        let (_d, conn) = db(vec![
            visit("co-mika", "begin_checkout", ORDER_AT - HOUR, Some("mika"), None, Some("c-mika")),
            visit("co-juno", "begin_checkout", ORDER_AT - HOUR, Some("juno.park"), None, Some("c-juno")),
            visit("co-plain", "begin_checkout", ORDER_AT - HOUR, None, Some("JUNO15"), Some("c-plain")),
            visit("cart", "add_to_cart", ORDER_AT - 500 * HOUR, Some("juno.park"), Some("JUNO15"), None),
        ]);
        for o in [
            paid("shop", Some("juno.park"), Some("c-mika"), None),
            paid("stripe-style", None, Some("c-mika"), None),
            paid("code", None, None, Some("juno15")),
            paid("own-click-code", None, Some("c-plain"), None),
            paid("none", None, Some("c-404"), Some("NOBODY")),
        ] {
            store::apply(&conn, &Write::Order(o)).expect("order");
        }
        let s = stats_of(&conn, Scope::default());
        let by = |id: &str| credited(&s).into_iter().find(|(o, _, _)| o == id).expect(id);
        assert_eq!(by("shop"), ("shop".into(), Some("juno.park".into()), Some(Credit::Shop)));
        assert_eq!(by("stripe-style"), ("stripe-style".into(), Some("mika".into()), Some(Credit::Click)));
        assert_eq!(by("code"), ("code".into(), Some("juno.park".into()), Some(Credit::Code)));
        // Its own click had no affiliate, but the click's code is juno's.
        assert_eq!(by("own-click-code"), ("own-click-code".into(), Some("juno.park".into()), Some(Credit::Code)));
        assert_eq!(by("none"), ("none".into(), None, None));
        assert_eq!(row_of(&s, "affiliate", "juno.park").funnel.purchases_verified, 3);
        assert_eq!(row_of(&s, "affiliate", "mika").funnel.purchases_verified, 1);
        // The brand narrowed to one affiliate: their orders and their events only.
        let juno = stats_of(&conn, Scope::Brand { affiliate: Some("juno.park".into()) });
        assert_eq!(juno.orders.len(), 3);
        assert_eq!(juno.totals.funnel.checkouts_started, 1);
        assert_eq!(juno.by["affiliate"].iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["juno.park"]);
        assert!(juno.by.contains_key("creator"), "the brand sees everything");
    }

    /// A report asks who owns a code once per code and creator: orders of two
    /// storefronts with one code text, in any case, each go to their own storefront's
    /// owner, and an order naming no storefront to the earliest of all.
    #[test]
    fn a_codes_owner_is_asked_once_per_code_and_storefront() {
        let seen = |id: &str, creator: &str, hours: i64, affiliate: &str| Event {
            creator_id: creator.into(),
            ..visit(id, "add_to_cart", ORDER_AT - hours * HOUR, Some(affiliate), Some("SHARE10"), None)
        };
        let (_d, conn) = db(vec![seen("ana-card", "shop-a", 300, "ana"), seen("bea-card", "shop-b", 200, "bea")]);
        for (id, creator, code) in [
            ("a1", Some("shop-a"), "share10"),
            ("b1", Some("shop-b"), "SHARE10"),
            ("a2", Some("shop-a"), "Share10"),
            ("b2", Some("shop-b"), "share10"),
            ("n1", None, "share10"),
        ] {
            let order =
                crate::webhook::Order { creator_id: creator.map(str::to_owned), ..paid(id, None, None, Some(code)) };
            store::apply(&conn, &Write::Order(order)).expect("order");
        }
        let s = stats_of(&conn, Scope::default());
        let owners: Vec<(String, Option<String>)> =
            credited(&s).into_iter().map(|(order, affiliate, _)| (order, affiliate)).collect();
        let expected = [("a1", "ana"), ("a2", "ana"), ("b1", "bea"), ("b2", "bea"), ("n1", "ana")]
            .map(|(o, a)| (o.to_owned(), Some(a.to_owned())));
        assert_eq!(owners, expected);
    }

    // One collector for a brand and a creator of their own: the creator's sale with a
    // code text the brand's affiliate also uses is the creator's, no affiliate's (found
    // by the end-to-end brand journey, where it showed in Juno's own report).
    #[test]
    fn a_code_credits_only_within_the_orders_own_storefront() {
        let solo_checkout = Event {
            affiliate: None,
            ..checkout("co-solo", "juno-park", ORDER_AT - HOUR, Some("JUNO15"), Some("src-solo"), Some("c-solo"))
        };
        let (_d, conn) = db(vec![
            visit("cart", "add_to_cart", ORDER_AT - 500 * HOUR, Some("juno.park"), Some("JUNO15"), None),
            solo_checkout,
        ]);
        store::apply(&conn, &Write::Order(paid("solo-sale", None, Some("c-solo"), Some("JUNO15")))).expect("order");
        store::apply(&conn, &Write::Order(paid("brand-sale", None, None, Some("JUNO15")))).expect("order");
        let s = stats_of(&conn, Scope::default());
        let by = |id: &str| credited(&s).into_iter().find(|(o, _, _)| o == id).expect(id);
        assert_eq!(by("solo-sale"), ("solo-sale".into(), None, None));
        // Without a creator or a click the code is all there is to go on.
        assert_eq!(by("brand-sale"), ("brand-sale".into(), Some("juno.park".into()), Some(Credit::Code)));
        let juno = stats_of(&conn, Scope::Affiliate("juno.park".into()));
        assert_eq!(juno.orders.iter().map(|o| o.order_id.as_str()).collect::<Vec<_>>(), ["brand-sale"]);
    }

    fn row_of<'a>(s: &'a Stats, dim: &str, key: &str) -> &'a Group {
        &s.by[dim].iter().find(|r| r.key == key).unwrap_or_else(|| panic!("no {dim} row {key}")).group
    }

    /// Juno's order was found a click by code that is mika's visit (with mika's tags and
    /// products); another of juno's orders used mika's code; juno's own page sent an
    /// event with a code nobody owns. Juno's view names none of it; the brand's does.
    #[test]
    fn an_affiliates_own_view_names_nobody_else() {
        let mut mika_checkout =
            visit("co-mika", "begin_checkout", ORDER_AT - HOUR, Some("mika"), Some("MIKA10"), Some("c-mika"));
        mika_checkout.items = Some(r#"[{"item_id":"mika-lamp","price":1000,"quantity":1}]"#.into());
        let mut juno_checkout =
            visit("co-juno", "begin_checkout", ORDER_AT - HOUR, Some("juno.park"), Some("JUNO15"), Some("c-juno"));
        juno_checkout.items = Some(r#"[{"item_id":"mug","price":1000,"quantity":1}]"#.into());
        let (_d, conn) = db(vec![
            mika_checkout,
            juno_checkout,
            visit("stray", "begin_checkout", ORDER_AT - HOUR, Some("juno.park"), Some("WELCOME"), None),
            visit("welcome-owner", "add_to_cart", ORDER_AT - 900 * HOUR, Some("zed"), Some("WELCOME"), None),
            // Code cards seen on juno's page: juno's own, and one of mika's.
            Event {
                promotion_id: Some("juno15".into()),
                ..visit("seen-juno", "view_promotion", ORDER_AT - HOUR, Some("juno.park"), None, None)
            },
            Event {
                promotion_id: Some("mika10".into()),
                ..visit("seen-other", "view_promotion", ORDER_AT - HOUR, Some("juno.park"), None, None)
            },
        ]);
        for o in [
            // Shop says juno; no click id; the code join finds mika's checkout.
            paid("guessed", Some("juno.park"), None, Some("MIKA10")),
            paid("own", None, Some("c-juno"), None),
        ] {
            store::apply(&conn, &Write::Order(o)).expect("order");
        }
        let brand = stats_of(&conn, Scope::Brand { affiliate: Some("juno.park".into()) });
        let juno = stats_of(&conn, Scope::Affiliate("juno.park".into()));
        assert_eq!(brand.totals, juno.totals, "the same figures, read by the brand or by the affiliate");
        let text = serde_json::to_string(&juno).expect("json") + &to_csv(&juno).expect("csv") + &to_html(&juno);
        for other in ["mika", "MIKA10", "mika-lamp", "src-co-mika", "WELCOME", "zed"] {
            assert!(!text.contains(other), "juno's view names {other:?}: {text}");
        }
        let keys = |dim: &str| juno.by[dim].iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys("code"), [OTHER, "JUNO15"]);
        let views = |s: &Stats, code: &str| row_of(s, "code", code).funnel.code_views;
        assert_eq!((views(&juno, "JUNO15"), views(&juno, OTHER)), (1, 1));
        // "What sold" is built from the codes as shown: another's code is `(other)`.
        let sold: Vec<&str> = juno.what_sold.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(sold, [OTHER, "JUNO15"]);
        // The brand sees the code views under the codes' own texts.
        assert_eq!((views(&brand, "JUNO15"), views(&brand, "MIKA10")), (1, 1));
        assert_eq!(keys("product"), [NONE, "mug"]);
        let guessed = juno.orders.iter().find(|o| o.order_id == "guessed").expect("juno's order");
        assert_eq!((guessed.coupon.as_deref(), guessed.click.is_none()), (Some(OTHER), true));
        let own = juno.orders.iter().find(|o| o.order_id == "own").expect("juno's order");
        assert_eq!(own.click.as_ref().map(|c| c.event_id.as_str()), Some("co-juno"));
        // The brand, narrowed to juno, sees the code and the guessed click as they are.
        let brand_text = serde_json::to_string(&brand).expect("json");
        assert!(brand_text.contains("MIKA10") && brand_text.contains("mika-lamp"), "{brand_text}");
    }
}

mod over_time {
    use super::*;

    const DAY: i64 = 86_400_000;
    /// 2026-11-01T00:00Z.
    const NOV_1: i64 = 1_793_491_200_000;

    fn at(name: &str, t: i64) -> EventRow {
        EventRow { event_time: t, ..ev(name) }
    }

    fn order_at(id: &str, t: i64, click: Option<Click>, click_id: Option<&str>) -> OrderRow {
        OrderRow {
            provider: "stripe".into(),
            order_id: id.into(),
            created_at: t,
            currency: "EUR".into(),
            value: 1000,
            click: click.map(Arc::new),
            click_id: click_id.map(str::to_owned),
            ..OrderRow::default()
        }
    }

    #[test]
    fn each_event_and_order_counts_on_its_utc_day() {
        let events = vec![
            at("page_view", NOV_1),
            at("page_view", NOV_1 + DAY - 1),
            at("page_view", NOV_1 + DAY),
            at("select_item", NOV_1 + DAY + 5),
            at("begin_checkout", NOV_1 + DAY + 6),
            at("purchase", NOV_1 + 2 * DAY + 7),
            at("view_promotion", NOV_1 + 7),
            // Outside the range: in the totals if a loader sent it, never on another day.
            at("page_view", NOV_1 + 3 * DAY),
            at("page_view", NOV_1 - 1),
        ];
        let orders = vec![order_at("a", NOV_1 + 2 * DAY, None, None), order_at("b", NOV_1 + 2 * DAY + 9, None, None)];
        let query = Query { from: NOV_1, to: NOV_1 + 3 * DAY, ..Query::default() };
        let s = aggregate(&query, events, orders, &Confirmed::default());
        assert_eq!(s.series.bucket_days, 1);
        let p = |date: &str, start, views, taps, checkouts, verified, unverified| Point {
            date: date.into(),
            start,
            page_views: views,
            product_selects: taps,
            checkouts_started: checkouts,
            purchases_verified: verified,
            purchases_unverified: unverified,
        };
        assert_eq!(
            s.series.points,
            [
                p("2026-11-01", NOV_1, 2, 0, 0, 0, 0),
                p("2026-11-02", NOV_1 + DAY, 1, 1, 1, 0, 0),
                p("2026-11-03", NOV_1 + 2 * DAY, 0, 0, 0, 2, 1),
            ]
        );
        assert_eq!(s.totals.funnel.page_views, 5, "the totals count what the loader gave");
    }

    #[test]
    fn a_range_starting_mid_day_starts_its_first_point_there() {
        let s = Series::new(NOV_1 + 10 * 3_600_000, NOV_1 + DAY + 1);
        let dates: Vec<(&str, i64)> = s.points.iter().map(|p| (p.date.as_str(), p.start)).collect();
        assert_eq!(dates, [("2026-11-01", NOV_1 + 10 * 3_600_000), ("2026-11-02", NOV_1 + DAY)]);
    }

    #[test]
    fn long_ranges_are_cut_into_weeks_and_empty_ones_into_nothing() {
        let quarter = Series::new(NOV_1, NOV_1 + 92 * DAY);
        assert_eq!((quarter.bucket_days, quarter.points.len()), (1, 92));
        let year = Series::new(NOV_1, NOV_1 + 365 * DAY);
        assert_eq!((year.bucket_days, year.points.len()), (7, 53));
        assert_eq!(year.points[1].date, "2026-11-08");
        let mut ages = Series::new(0, NOV_1);
        assert!(ages.points.len() <= 92, "{}", ages.points.len());
        assert_eq!(ages.bucket_days % 7, 0);
        assert!(ages.at(NOV_1 - 1).is_some() && ages.at(NOV_1).is_none());
        assert!(Series::new(NOV_1, NOV_1).points.is_empty());
        assert!(Series::new(NOV_1, NOV_1 - DAY).points.is_empty());
        // Any i64 a client can send as Unix ms: no overflow, at most 92 points.
        let all = Series::new(i64::MIN, i64::MAX);
        assert!(!all.points.is_empty() && all.points.len() <= 92);
    }

    #[test]
    fn the_join_rate_counts_orders_found_by_their_click_id_and_says_why_not_the_others() {
        let how = |h: &'static str| Some(Click { how: h, ..Click::default() });
        let orders = vec![
            order_at("1", NOV_1, how("click_id"), Some("c-1")),
            order_at("2", NOV_1, how("click_id"), Some("c-2")),
            order_at("3", NOV_1, how("code"), None),
            // An unknown click id, then found by code: the code was the guess.
            order_at("4", NOV_1, how("code"), Some("c-404")),
            order_at("5", NOV_1, how("utm"), None),
            order_at("6", NOV_1, None, Some("c-405")),
            order_at("7", NOV_1, None, None),
            // The loader saw a checkout outside the window.
            OrderRow { join: Some(Join::OutsideWindow), ..order_at("8", NOV_1, None, None) },
        ];
        let query = Query { from: NOV_1, to: NOV_1 + DAY, ..Query::default() };
        let s = aggregate(&query, Vec::new(), orders, &Confirmed::default());
        let j = &s.joins;
        assert_eq!((j.orders, j.joined, j.rate), (8, 2, Some(0.25)));
        let counts: Vec<(Join, u64)> = j.outcomes.iter().map(|o| (o.outcome, o.count)).collect();
        assert_eq!(
            counts,
            [
                (Join::ClickId, 2),
                (Join::CodeOnly, 2),
                (Join::UtmOnly, 1),
                (Join::ClickIdUnknown, 1),
                (Join::OutsideWindow, 1),
                (Join::NoClickId, 1)
            ]
        );
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["joins"]["outcomes"][3]["outcome"], "click_id_unknown");
        assert_eq!(json["orders"][0]["join"], "click_id");
        assert_eq!(json["series"]["points"][0]["purchases_verified"], 8);
        // Without orders there is no rate, not 0 %.
        let none = aggregate(&query, Vec::new(), Vec::new(), &Confirmed::default());
        assert_eq!((none.joins.orders, none.joins.rate), (0, None));
    }
}

// ---- Issue #15 point 4: a report that shows, not tells ----

mod report_page {
    use super::*;

    /// `from=0&to=1` as the report's CSV links write it (RFC 3339, URL-encoded).
    const RANGE: &str = "from=1970-01-01T00%3A00%3A00Z&amp;to=1970-01-01T00%3A00%3A00.001Z";

    fn page(token: Option<&str>) -> Page {
        Page { token: token.map(str::to_owned), now: 0 }
    }

    #[test]
    fn each_chart_is_a_titled_figure_with_its_line_its_table_and_its_csv() {
        let s = stats();
        let html = to_page(&s, &page(Some("aff1.juno&x")));
        let figures = html.matches("<figure>").count();
        // The joins, then source, code and product, once per currency (one day: no funnel).
        assert_eq!(figures, 7, "{html}");
        assert_eq!(html.matches(r#"<svg role="img" aria-labelledby=""#).count(), figures);
        assert_eq!(html.matches("<figcaption>").count(), figures);
        for i in 1..=figures {
            assert!(html.contains(&format!(r#"aria-labelledby="chart{i}-t chart{i}-d""#)), "chart{i}: {html}");
            assert!(html.contains(&format!(r#"<title id="chart{i}-t">"#)), "chart{i}");
            assert!(html.contains(&format!(r#"<desc id="chart{i}-d">"#)), "chart{i}");
        }
        assert!(html.contains("<figcaption>tiktok brought all verified revenue (EUR) on 1 Jan 1970.</figcaption>"));
        assert!(html.contains("No source tag brought all verified revenue (JPY) on 1 Jan 1970."), "{html}");
        assert!(html.contains(
            "1 of 2 verified orders on 1 Jan 1970 (50.0 %) joined to the click that led to them; the other: 1 with no \
             click id and nothing to match by."
        ));
        // Product rows by title, not id, in the charts as in the tables.
        let (mut events, orders, confirmed) = known_set();
        events[10].items[0].item_name = Some("Speckled <mug>".into());
        let titled = to_html(&aggregate(&Query { from: 0, to: 1, ..Query::default() }, events, orders, &confirmed));
        assert!(titled.contains(r#"<text class="l" x="0" y="33.0">Speckled &lt;mug&gt;</text>"#), "{titled}");
        assert!(!titled.contains(">mug</text>"), "{titled}");
        // Verified and unverified are separate bars, never one sum.
        assert!(html.contains(">27.20 EUR verified</text>") && html.contains(">27.20 EUR unverified</text>"), "{html}");
        assert!(!html.contains("54.40"), "verified and unverified added up: {html}");
        // Every table has its CSV, for this very range and credential.
        for table in TABLES.iter().filter(|t| **t != "excluded") {
            let link = format!(r#"href="stats.csv?table={table}&amp;{RANGE}&amp;token=aff1.juno%26x" download"#);
            assert!(html.contains(&link), "{link}: {html}");
        }
        assert!(!html.contains("table=excluded"), "no rows left out, no table of them");
        // The range form carries the credential it came with.
        assert!(html.contains(r#"<form class="range" method="get" action="report""#), "{html}");
        assert!(html.contains(r#"<input type="date" name="from" value="1970-01-01" required>"#), "{html}");
        assert!(html.contains(r#"<input type="date" name="to" value="1970-01-01" required>"#), "{html}");
        assert!(html.contains(r#"<input type="hidden" name="token" value="aff1.juno&amp;x">"#), "{html}");
        assert!(html.contains(r#"href="report?from=1969-12-26&amp;to=1970-01-01&amp;token=aff1.juno%26x">Last 7 days"#));
        // Every table still keeps its figures reachable on a phone.
        assert_eq!(html.matches("<table>").count(), html.matches("<div class=\"scroll\"><table>").count());
        assert_eq!(
            html.matches("<td").count(),
            html.matches("<td data-label=").count() + html.matches("<td class=\"k\" data-label=").count()
        );
    }

    #[test]
    fn an_empty_range_says_so_instead_of_drawing_empty_charts() {
        let query = Query { from: 0, to: 86_400_000, ..Query::default() };
        let html = to_html(&aggregate(&query, Vec::new(), Vec::new(), &Confirmed::default()));
        assert!(!html.contains("<svg"), "{html}");
        assert!(html.contains("<p>No visits, taps, checkouts or orders on 1 Jan 1970.</p>"), "{html}");
        assert!(html.contains("<p>No verified orders on 1 Jan 1970, so none to join to a click.</p>"), "{html}");
    }

    #[test]
    fn the_funnel_is_drawn_over_several_days_and_told_for_one() {
        let (events, orders, confirmed) = known_set();
        let two_days = Query { from: 0, to: 2 * 86_400_000, ..Query::default() };
        let html = to_html(&aggregate(&two_days, events, orders, &confirmed));
        assert!(html.contains(r#"<title id="chart1-t">Visits, product taps, checkouts and orders per day</title>"#));
        assert!(html.contains(">1970-01-01</text>") && html.contains(">1970-01-02</text>"), "{html}");
        let one_day = to_html(&stats());
        assert!(!one_day.contains("orders per day</title>"), "{one_day}");
        assert!(one_day.contains("<p>On 1 Jan 1970: 10 visits, 4 product taps, 2 checkouts, 2 verified orders and 2"));
    }

    #[test]
    fn a_credential_from_a_header_is_never_written_into_the_page() {
        let html = to_page(&stats(), &page(None));
        assert!(!html.contains("token"), "{html}");
        assert!(html.contains(&format!(r#"href="stats.csv?table=total&amp;{RANGE}" download"#)), "{html}");
    }

    #[test]
    fn affiliates_are_charted_for_the_brand_only() {
        let (events, orders) = affiliate_set();
        let brand = aggregate_all(events.clone(), orders.clone());
        let html = to_html(&brand);
        assert!(html.contains("<title id=\"chart2-t\">Revenue by affiliate (EUR)</title>"), "{html}");
        assert!(html.contains("juno.park brought 54 % of verified revenue (EUR)"), "{html}");
        // One affiliate's figures, as the brand or as the affiliate: no chart of "everyone".
        for scope in [Scope::Brand { affiliate: Some("juno.park".into()) }, Scope::Affiliate("juno.park".into())] {
            let query = Query { from: 0, to: 1, scope: scope.clone(), ..Query::default() };
            let mine = |a: &Option<String>| a.as_deref() == Some("juno.park");
            let events = events.iter().filter(|e| mine(&e.affiliate)).cloned().collect::<Vec<_>>();
            let orders = orders.iter().filter(|o| mine(&o.affiliate)).cloned().collect();
            let html = to_page(&aggregate(&query, events, orders, &Confirmed::default()), &page(None));
            assert!(!html.contains("Revenue by affiliate"), "{scope:?}: {html}");
            assert!(!html.contains("mika"), "{scope:?}: {html}");
            // A brand's narrowing goes on in the links; an affiliate's link takes none.
            let carried = html.contains("affiliate=juno.park");
            assert_eq!(carried, matches!(scope, Scope::Brand { .. }), "{scope:?}: {html}");
        }
    }

    #[test]
    fn a_bad_range_page_says_what_is_wrong_and_keeps_the_form() {
        let filters = Filters { affiliate: Some("mika"), creator: None };
        let html = range_error("from must be before to", &page(Some("t0k")), filters, "2026-12-01", "<x>");
        assert!(html.contains(r#"<p class="warn" role="alert">from must be before to</p>"#), "{html}");
        assert!(html.contains(r#"name="from" value="2026-12-01""#) && html.contains(r#"value="&lt;x&gt;""#));
        assert!(html.contains(r#"<input type="hidden" name="affiliate" value="mika">"#), "{html}");
        assert!(html.contains(r#"<input type="hidden" name="token" value="t0k">"#), "{html}");
    }

    #[test]
    fn the_csv_of_one_table_is_its_rows_of_the_whole_file_or_its_own() {
        let s = stats();
        let source = table_csv(&s, "utm_source").expect("a table").expect("csv");
        let whole = to_csv(&s).expect("csv");
        let mut lines = source.split("\r\n");
        assert_eq!(lines.next(), Some(CSV_HEADER.join(",").as_str()));
        let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        assert!(!rows.is_empty() && rows.iter().all(|r| r.starts_with("utm_source,")), "{source}");
        assert!(rows.iter().all(|r| whole.contains(&format!("\r\n{r}\r\n"))), "the same rows as the whole file");
        let series = table_csv(&s, "series").expect("a table").expect("csv");
        assert_eq!(series, format!("{}\r\n1970-01-01,0,10,4,2,2,2\r\n", SERIES_HEADER.join(",")));
        let joins = table_csv(&s, "joins").expect("a table").expect("csv");
        assert!(joins.starts_with("outcome,message,count\r\nclick_id,joined by its click id,1\r\n"), "{joins}");
        assert!(joins.contains("\r\nno_click_id,with no click id and nothing to match by,1\r\n"), "{joins}");
        assert!(table_csv(&s, "orders").is_none());
    }
}

/// Orders of two currencies, refunds, codes spelled two ways, affiliates, sources and
/// clicks naming products (one title given twice, differently), in time order.
fn orders_to_count() -> Vec<OrderRow> {
    let click = |code: &str, source: &str, items: Vec<StoredItem>| Click {
        how: "click_id",
        creator_id: "juno".into(),
        coupon: Some(code.into()),
        utm_source: Some(source.into()),
        utm_campaign: Some(format!("{source}-drop")),
        utm_content: Some("clip-7".into()),
        items,
        ..Click::default()
    };
    let named = |id: &str, name: &str, price: i64| StoredItem { item_name: Some(name.into()), ..item(id, price, 1) };
    (0..9i64)
        .map(|i| OrderRow {
            provider: if i % 2 == 0 { "stripe" } else { "shopify" }.into(),
            order_id: format!("o-{i}"),
            created_at: i,
            currency: if i % 3 == 0 { "JPY" } else { "EUR" }.into(),
            value: 1000 + 100 * i,
            refunded: if i % 4 == 1 { 250 } else { 0 }.into(),
            coupon: (i % 3 != 2).then(|| if i < 5 { "juno15" } else { "JUNO15" }.into()),
            affiliate: (i % 2 == 1).then(|| "mia".into()),
            click: (i % 3 != 1).then(|| {
                let title = if i < 4 { "Blue mug" } else { "Mug, blue" };
                Arc::new(click(
                    "Juno15",
                    if i < 6 { "tiktok" } else { "instagram" },
                    vec![named("mug", title, 3200), item("tote", 1000, 2)],
                ))
            }),
            ..OrderRow::default()
        })
        .collect()
}

#[test]
fn orders_counted_in_parts_are_counted_as_in_one_run() {
    let orders = orders_to_count();
    let one = OrderCounts::in_parts(&orders, 1);
    assert_eq!(one.totals.funnel.purchases_verified, 9);
    assert_eq!(one.spellings["JUNO15"].1, "juno15", "the first order's spelling");
    assert_eq!(one.titles["mug"].1, "Blue mug", "the first click's title");
    assert!(one.by.0[Dim::Product as usize].contains_key("tote") && one.sold.len() > 1);
    // In any order, and in parts: the first by place still spells and names.
    let mut reversed = orders.clone();
    reversed.reverse();
    let mut swapped = orders.clone();
    swapped.swap(0, 8);
    swapped.swap(1, 5);
    for parts in [1, 2, 3, 4, 9, 20] {
        assert_eq!(OrderCounts::in_parts(&orders, parts), one, "{parts} parts");
        assert_eq!(OrderCounts::in_parts(&reversed, parts), one, "{parts} parts, reversed");
        assert_eq!(OrderCounts::in_parts(&swapped, parts), one, "{parts} parts, swapped");
    }
    assert_eq!(OrderCounts::in_parts(&[], 3), OrderCounts::default(), "no orders");
}

#[test]
fn a_funnel_and_its_money_absorb_every_count() {
    let funnel = |n: u64| Funnel {
        page_views: n,
        code_views: 2 * n,
        product_selects: 3 * n,
        checkouts_started: 5 * n,
        checkouts_ordered: 4 * n,
        purchases: 6 * n,
        purchases_verified: 7 * n,
        purchases_unverified: 8 * n,
    };
    let group = |n: u64, currencies: &[&str]| {
        let mut g = Group { funnel: funnel(n), ..Group::default() };
        for c in currencies {
            *g.money(c) = revenue(c, n.into(), 2 * i128::from(n), 3 * i128::from(n), 4 * i128::from(n));
        }
        g
    };
    let mut a = group(1, &["EUR"]);
    a.absorb(group(10, &["EUR", "JPY"]));
    a.finish();
    assert_eq!(a.funnel, funnel(11));
    assert_eq!(a.revenue, [revenue("EUR", 11, 22, 33, 44), revenue("JPY", 10, 20, 30, 40)]);
}

#[test]
fn each_dimension_is_found_in_its_place() {
    let all = [
        (Dim::Creator, "creator"),
        (Dim::Affiliate, "affiliate"),
        (Dim::Code, "code"),
        (Dim::UtmSource, "utm_source"),
        (Dim::UtmMedium, "utm_medium"),
        (Dim::UtmCampaign, "utm_campaign"),
        (Dim::UtmContent, "utm_content"),
        (Dim::Product, "product"),
    ];
    assert_eq!(all.len(), DIMENSIONS.len());
    for (dim, name) in all {
        let mut by = ByDimension::default();
        by.group(dim, "k").funnel.purchases = 1;
        let named: Vec<(&str, usize)> = by.named().map(|(d, groups)| (d, groups.len())).collect();
        assert!(named.iter().all(|&(d, n)| n == usize::from(d == name)), "{dim:?}: {named:?}");
    }
}
