//! The WooCommerce mapper against a realistic `order.created` payload and edits of it.

mod common;

use common::{bytes, ctx, field_errors, fields, fixture, fixture_json};
use serde_json::json;
use switchyard_webhooks::MappingError;
use switchyard_webhooks::signature::{SignatureError, sign_woocommerce, verify_woocommerce};
use switchyard_webhooks::woocommerce::{
    WooStatus, WooTopic, is_ping, order_id, order_status, read_order,
};

const FIXTURE: &str = "woocommerce_order_created.json";
const FORM: &str = "application/x-www-form-urlencoded";

fn prices(order: &switchyard_model::Order) -> Vec<(String, String, String)> {
    order
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.to_string(),
                l.quantity.value().to_string(),
                l.unit_price.amount.to_string(),
            )
        })
        .collect()
}

#[test]
fn the_sample_order_maps_with_discounted_prices_from_the_string_totals() {
    let order = read_order(&fixture(FIXTURE), &ctx(None)).unwrap();
    assert_eq!(order.external_id.as_str(), "727");
    assert_eq!(order.currency.code(), "EUR");
    assert_eq!(order.customer.account, "DEMO-SHOP");
    assert_eq!(order.customer.name, "Max Mustermann");
    assert_eq!(order.customer.email.as_deref(), Some("max@muster.example"));
    // The shipping object is all empty strings, so the billing address is shipped to.
    assert_eq!(
        order.ship_to.name.as_deref(),
        Some("Max Mustermann, Muster GmbH")
    );
    assert_eq!(order.ship_to.line1, "Hauptstraße 5");
    assert_eq!(order.ship_to.city, "Köln");
    assert_eq!(order.ship_to.region.as_deref(), Some("NW"));
    assert_eq!(order.ship_to.country.as_str(), "DE");
    assert_eq!(order.bill_to.as_ref(), Some(&order.ship_to));
    // Subtotal 29.97 / 3 = 9.99, less the coupon's 3.00 / 3 = 1.00.
    assert_eq!(
        prices(&order),
        [
            ("WIDGET-S".into(), "3".into(), "8.99".into()),
            ("GADGET-1".into(), "1".into(), "30.00".into()),
        ]
    );
    // Equal to the order's item totals (26.97 + 30.00), excluding shipping and tax.
    assert_eq!(order.total().amount.to_string(), "56.97");
    let notes = order.notes.unwrap();
    assert_eq!(
        notes,
        "WooCommerce order #727\nNote from buyer: Bitte vor 12 Uhr liefern."
    );
}

#[test]
fn a_filled_in_shipping_address_is_shipped_to() {
    let mut body = fixture_json(FIXTURE);
    body["shipping"] = json!({"first_name": "Erika", "last_name": "Muster", "company": "",
        "address_1": "Lagerweg 1", "address_2": "Tor 3", "city": "Bonn", "state": "",
        "postcode": "53111", "country": "DE", "phone": ""});
    let order = read_order(&bytes(&body), &ctx(None)).unwrap();
    assert_eq!(order.ship_to.name.as_deref(), Some("Erika Muster"));
    assert_eq!(order.ship_to.line2.as_deref(), Some("Tor 3"));
    assert_eq!(order.ship_to.region, None);
    assert_eq!(order.bill_to.unwrap().city, "Köln");

    body["shipping"]["city"] = json!("");
    assert_eq!(
        fields(read_order(&bytes(&body), &ctx(None))),
        ["shipping.city"]
    );
}

#[test]
fn the_float_price_field_is_never_read() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][0]["price"] = json!(1.0e300);
    let order = read_order(&bytes(&body), &ctx(None)).unwrap();
    assert_eq!(order.lines[0].unit_price.amount.to_string(), "8.99");
}

#[test]
fn a_subtotal_that_does_not_divide_exactly_is_refused() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][0]["subtotal"] = json!("10.00");
    body["line_items"][0]["total"] = json!("10.00");
    assert_eq!(
        field_errors(read_order(&bytes(&body), &ctx(None))),
        [(
            "line_items[0].subtotal".to_string(),
            "divided by the quantity 3 is not exact to 4 decimal places".to_string()
        )]
    );
}

#[test]
fn a_discount_that_does_not_divide_exactly_keeps_the_price_and_says_so() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][0]["total"] = json!("28.97");
    let order = read_order(&bytes(&body), &ctx(None)).unwrap();
    assert_eq!(order.lines[0].unit_price.amount.to_string(), "9.99");
    assert!(order.notes.unwrap().contains(
        "Line 0: discount 1.00 over 3 units does not divide exactly; unit price kept at 9.99"
    ));
}

#[test]
fn a_total_above_the_subtotal_is_refused() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][1]["total"] = json!("30.01");
    assert_eq!(
        field_errors(read_order(&bytes(&body), &ctx(None))),
        [(
            "line_items[1].total".to_string(),
            "must not be greater than subtotal".to_string()
        )]
    );
}

#[test]
fn a_product_without_a_sku_needs_the_channels_custom_item_sku() {
    let mut body = fixture_json(FIXTURE);
    body["line_items"][1]["sku"] = json!("");
    assert_eq!(
        fields(read_order(&bytes(&body), &ctx(None))),
        ["line_items[1].sku"]
    );
    let order = read_order(&bytes(&body), &ctx(Some("MISC"))).unwrap();
    assert_eq!(order.lines[1].sku.as_str(), "MISC");
    assert!(
        order
            .notes
            .unwrap()
            .contains("Product without SKU \"Gadget\" (line 1) booked as MISC.")
    );
}

#[test]
fn every_bad_field_is_named_with_its_path() {
    let mut body = fixture_json(FIXTURE);
    body["id"] = json!(-5);
    body["currency"] = json!(978);
    body["billing"]["country"] = json!("Deutschland");
    body["line_items"] = json!([
        {"sku": "A", "quantity": 1, "subtotal": 9.99, "total": "9.99"},
        {"sku": "B", "quantity": -1, "subtotal": "-2.00"},
        {"sku": "C", "quantity": 1, "subtotal": "5.00", "total": "five"}
    ]);
    let errors = field_errors(read_order(&bytes(&body), &ctx(None)));
    let paths: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        paths,
        [
            "id",
            "currency",
            "billing.country",
            "line_items[0].subtotal",
            "line_items[1].quantity",
            "line_items[1].subtotal",
            "line_items[2].total",
        ]
    );
    assert!(errors.contains(&(
        "line_items[0].subtotal".into(),
        "must be a decimal string such as \"9.25\", not a JSON number".into()
    )));
    assert!(errors.contains(&("currency".into(), "must be a string".into())));
}

#[test]
fn an_order_without_any_address_or_lines_is_refused() {
    let errors = fields(read_order(
        br#"{"id": 1, "currency": "EUR", "billing": {"email": "a@b.example"}}"#,
        &ctx(None),
    ));
    assert_eq!(errors, ["shipping", "line_items"]);
    let mut context = ctx(None);
    context.default_customer = None;
    assert_eq!(
        fields(read_order(&fixture(FIXTURE), &context)),
        ["customer"]
    );
}

#[test]
fn status_and_id_are_read_for_updates_and_deletions() {
    let mut body = fixture_json(FIXTURE);
    let (id, status) = order_status(&bytes(&body)).unwrap();
    assert_eq!((id.as_str(), status), ("727", WooStatus::Processing));
    body["status"] = json!("cancelled");
    assert_eq!(order_status(&bytes(&body)).unwrap().1, WooStatus::Cancelled);
    body["status"] = json!("wc-custom");
    assert_eq!(
        order_status(&bytes(&body)).unwrap().1,
        WooStatus::Other("wc-custom".into())
    );
    assert_eq!(fields(order_status(br#"{"id": 727}"#)), ["status"]);
    assert_eq!(order_id(br#"{"id": 727}"#).unwrap().as_str(), "727");
    assert_eq!(fields(order_id(br#"{"id": 7.5}"#)), ["id"]);
    assert!(matches!(
        order_id(b"webhook_id=42"),
        Err(MappingError::Unparseable(_))
    ));
    assert_eq!(WooStatus::OnHold.as_str(), "on-hold");
}

#[test]
fn the_unsigned_ping_is_recognised_and_nothing_else_is() {
    let ping = fixture("woocommerce_ping.txt");
    assert!(is_ping(Some(FORM), &ping));
    assert!(is_ping(
        Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        &ping
    ));
    assert!(!is_ping(Some("application/json"), &ping));
    assert!(!is_ping(None, &ping));
    assert!(!is_ping(Some(FORM), b"webhook_id="));
    assert!(!is_ping(Some(FORM), b"webhook_id=42&x=1"));
    assert!(!is_ping(Some(FORM), &fixture(FIXTURE)));
}

#[test]
fn topics_parse_from_the_header() {
    assert_eq!(WooTopic::from("order.created"), WooTopic::OrderCreated);
    assert_eq!(WooTopic::from("order.updated"), WooTopic::OrderUpdated);
    assert_eq!(WooTopic::from("order.deleted"), WooTopic::OrderDeleted);
    assert_eq!(WooTopic::from("order.restored"), WooTopic::OrderRestored);
    assert_eq!(
        WooTopic::from("product.created"),
        WooTopic::Other("product.created".into())
    );
    assert_eq!(WooTopic::OrderRestored.as_str(), "order.restored");
}

#[test]
fn a_tampered_delivery_does_not_verify() {
    let body = fixture(FIXTURE);
    let header = sign_woocommerce(b"wc-secret", &body);
    assert_eq!(
        verify_woocommerce(b"wc-secret", &body, Some(&header)),
        Ok(())
    );
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("\"26.97\"", "\"0.01\"");
    assert_eq!(
        verify_woocommerce(b"wc-secret", tampered.as_bytes(), Some(&header)),
        Err(SignatureError::Mismatch)
    );
}
