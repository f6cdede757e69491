//! The Shopify mapper against a realistic `orders/create` payload and edits of it.

mod common;

use common::{bytes, ctx, field_errors, fields, fixture, fixture_json};
use serde_json::json;
use switchyard_webhooks::MappingError;
use switchyard_webhooks::shopify::{ShopifyTopic, order_reference, read_order};
use switchyard_webhooks::signature::{SignatureError, sign_shopify, verify_shopify};

const FIXTURE: &str = "shopify_orders_create.json";

#[test]
fn the_sample_order_maps_with_its_exact_id_discount_and_custom_item() {
    let order = read_order(&fixture(FIXTURE), &ctx(Some("MISC"))).unwrap();
    // 5678901234567890123 is not representable as f64 (it would read 5678901234567890000).
    assert_eq!(order.external_id.as_str(), "5678901234567890123");
    assert_eq!(order.currency.code(), "USD");
    assert_eq!(order.customer.account, "DEMO-SHOP");
    assert_eq!(order.customer.name, "Jane Doe");
    assert_eq!(
        order.customer.email.as_deref(),
        Some("jane.doe@example.com")
    );

    assert_eq!(order.ship_to.name.as_deref(), Some("Jane Doe, Acme Retail"));
    assert_eq!(order.ship_to.line1, "31875 Solon Rd");
    assert_eq!(order.ship_to.line2.as_deref(), Some("Suite 200"));
    assert_eq!(order.ship_to.region.as_deref(), Some("OH"));
    assert_eq!(order.ship_to.postal_code.as_deref(), Some("44139"));
    assert_eq!(order.ship_to.country.as_str(), "US");
    let bill_to = order.bill_to.as_ref().unwrap();
    assert_eq!(bill_to.line2, None, "an empty address2 is absent");
    assert_eq!(bill_to.name.as_deref(), Some("Jane Doe"));

    let lines: Vec<(String, String, String)> = order
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.to_string(),
                l.quantity.value().to_string(),
                l.unit_price.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("WIDGET-S".into(), "2".into(), "22.99".into()),
            ("MISC".into(), "1".into(), "17.97".into()),
        ]
    );
    // The ERP's total equals Shopify's subtotal after discounts.
    assert_eq!(order.total().amount.to_string(), "63.95");

    let notes = order.notes.unwrap();
    assert!(notes.starts_with("Shopify order #1001\n"), "{notes}");
    assert!(notes.contains("Custom item \"Engraving service\" (line 1) booked as MISC."));
    assert!(notes.ends_with("Note from buyer: Please leave the parcel at the side door."));
}

#[test]
fn a_custom_item_is_refused_when_the_channel_has_no_custom_item_sku() {
    let errors = field_errors(read_order(&fixture(FIXTURE), &ctx(None)));
    assert_eq!(
        errors,
        [(
            "line_items[1].sku".to_string(),
            "is empty (a custom item); configure the channel's custom_item_sku to accept custom \
             items"
                .to_string()
        )]
    );
    // An empty string is a custom item too.
    let mut body = fixture_json(FIXTURE);
    body["line_items"][1]["sku"] = json!("");
    assert_eq!(
        fields(read_order(&bytes(&body), &ctx(None))),
        ["line_items[1].sku"]
    );
}

#[test]
fn a_discount_that_does_not_divide_exactly_keeps_the_price_and_says_so() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][0]["quantity"] = json!(3);
    body["line_items"][0]["total_discount"] = json!("1.00");
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.lines[0].unit_price.amount.to_string(), "24.99");
    assert!(order.notes.unwrap().contains(
        "Line 0: discount 1.00 over 3 units does not divide exactly; unit price kept at 24.99"
    ));
}

#[test]
fn a_discount_larger_than_the_line_is_refused() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][0]["total_discount"] = json!("50.00");
    assert_eq!(
        field_errors(read_order(&bytes(&body), &ctx(Some("MISC")))),
        [(
            "line_items[0].total_discount".to_string(),
            "must not exceed the line's price times its quantity".to_string()
        )]
    );
}

#[test]
fn without_a_shipping_address_the_billing_address_is_shipped_to() {
    let mut body = fixture_json(FIXTURE);
    body["shipping_address"] = json!(null);
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.ship_to.line2, None);
    assert_eq!(order.ship_to.name.as_deref(), Some("Jane Doe"));

    body["billing_address"]["city"] = json!("");
    assert_eq!(
        fields(read_order(&bytes(&body), &ctx(Some("MISC")))),
        ["billing_address.city"]
    );

    body.as_object_mut().unwrap().remove("billing_address");
    assert_eq!(
        field_errors(read_order(&bytes(&body), &ctx(Some("MISC")))),
        [(
            "shipping_address".to_string(),
            "is required: the order has neither a shipping nor a billing address".to_string()
        )]
    );
}

#[test]
fn a_partial_billing_address_is_dropped_not_refused() {
    let mut body = fixture_json(FIXTURE);
    body["billing_address"] = json!({"country_code": "US", "zip": "44139"});
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.bill_to, None);
    assert_eq!(order.ship_to.line2.as_deref(), Some("Suite 200"));
}

#[test]
fn every_bad_field_is_named_with_its_path() {
    let mut body = fixture_json(FIXTURE);
    body["currency"] = json!("XXY");
    body["shipping_address"]["country_code"] = json!("USA");
    body["line_items"] = json!([
        {"sku": "WIDGET S", "quantity": 0, "price": 24.99},
        {"sku": "A", "quantity": "2", "price": "-1.00"},
        {"sku": 5, "quantity": 2.0, "price": "abc", "total_discount": "x"},
        "not an object"
    ]);
    let errors = field_errors(read_order(&bytes(&body), &ctx(Some("MISC"))));
    let paths: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        paths,
        [
            "currency",
            "shipping_address.country_code",
            "line_items[0].sku",
            "line_items[0].quantity",
            "line_items[0].price",
            "line_items[1].quantity",
            "line_items[1].price",
            "line_items[2].sku",
            "line_items[2].quantity",
            "line_items[2].price",
            "line_items[2].total_discount",
            "line_items[3]",
        ]
    );
    let has = |f: &str, r: &str| errors.contains(&(f.to_string(), r.to_string()));
    assert!(has(
        "line_items[0].price",
        "must be a decimal string such as \"9.25\", not a JSON number"
    ));
    assert!(has("line_items[0].quantity", "must be greater than 0"));
    assert!(has(
        "line_items[0].sku",
        "must be printable ASCII without spaces"
    ));
    assert!(has("line_items[1].quantity", "must be a whole number"));
    assert!(has("line_items[1].price", "must not be negative"));
    assert!(has("line_items[2].sku", "must be a string"));
}

#[test]
fn an_id_that_went_through_a_float_or_is_missing_is_refused() {
    let mut body = fixture_json(FIXTURE);
    body["id"] = json!(5.678_901_234_567_89e18);
    assert_eq!(
        field_errors(read_order(&bytes(&body), &ctx(Some("MISC")))),
        [(
            "id".to_string(),
            "must be a positive whole number".to_string()
        )]
    );
    body.as_object_mut().unwrap().remove("id");
    assert_eq!(
        fields(read_order(&bytes(&body), &ctx(Some("MISC")))),
        ["id"]
    );
}

#[test]
fn a_channel_without_a_default_customer_cannot_take_orders() {
    let mut context = ctx(Some("MISC"));
    context.default_customer = None;
    assert_eq!(
        fields(read_order(&fixture(FIXTURE), &context)),
        ["customer"]
    );
}

#[test]
fn the_customer_name_falls_back_to_the_addresses_then_the_email() {
    let mut body = fixture_json(FIXTURE);
    body.as_object_mut().unwrap().remove("customer");
    body["shipping_address"]["name"] = json!(null);
    body["shipping_address"]["first_name"] = json!("Sam");
    body["shipping_address"]["last_name"] = json!("Roe");
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.customer.name, "Sam Roe");

    body["shipping_address"] = json!(null);
    body["billing_address"] = json!(null);
    let errors = fields(read_order(&bytes(&body), &ctx(Some("MISC"))));
    assert_eq!(
        errors,
        ["shipping_address"],
        "the email still names the customer"
    );
}

#[test]
fn long_notes_are_cut_to_2000_characters() {
    let mut body = fixture_json(FIXTURE);
    body["note"] = json!("ü".repeat(5000));
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.notes.unwrap().chars().count(), 2000);
}

#[test]
fn bodies_that_are_not_json_objects_are_unparseable() {
    for body in [&b"not json"[..], b"[1,2]", b"\"order\"", b""] {
        assert!(matches!(
            read_order(body, &ctx(None)),
            Err(MappingError::Unparseable(_))
        ));
    }
    assert!(matches!(
        order_reference(b"{"),
        Err(MappingError::Unparseable(_))
    ));
}

#[test]
fn a_cancellation_reads_the_exact_id_time_and_reason() {
    let mut body = fixture_json(FIXTURE);
    body["cancelled_at"] = json!("2026-03-15T09:00:00-04:00");
    body["cancel_reason"] = json!("customer");
    let r = order_reference(&bytes(&body)).unwrap();
    assert_eq!(r.external_id.as_str(), "5678901234567890123");
    assert_eq!(r.name.as_deref(), Some("#1001"));
    assert_eq!(
        r.cancelled_at.unwrap().to_rfc3339(),
        "2026-03-15T13:00:00+00:00"
    );
    assert_eq!(r.cancel_reason.as_deref(), Some("customer"));

    let open = order_reference(&fixture(FIXTURE)).unwrap();
    assert_eq!(open.cancelled_at, None);

    body["cancelled_at"] = json!("yesterday");
    assert_eq!(fields(order_reference(&bytes(&body))), ["cancelled_at"]);
    assert_eq!(fields(order_reference(b"{}")), ["id"]);
}

#[test]
fn topics_parse_from_the_header() {
    assert_eq!(
        ShopifyTopic::from("orders/create"),
        ShopifyTopic::OrdersCreate
    );
    assert_eq!(
        ShopifyTopic::from("orders/updated"),
        ShopifyTopic::OrdersUpdated
    );
    assert_eq!(
        ShopifyTopic::from("orders/cancelled"),
        ShopifyTopic::OrdersCancelled
    );
    assert_eq!(
        ShopifyTopic::from("products/create"),
        ShopifyTopic::Other("products/create".into())
    );
    assert_eq!(ShopifyTopic::OrdersCancelled.as_str(), "orders/cancelled");
}

#[test]
fn the_raw_fixture_bytes_are_what_is_signed() {
    let body = fixture(FIXTURE);
    let header = sign_shopify(b"shop-secret", &body);
    assert_eq!(verify_shopify(b"shop-secret", &body, Some(&header)), Ok(()));
    // Re-serialising changes the bytes, so it must not verify: verification is over raw bytes.
    let reserialised = bytes(&fixture_json(FIXTURE));
    assert_eq!(
        verify_shopify(b"shop-secret", &reserialised, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}
