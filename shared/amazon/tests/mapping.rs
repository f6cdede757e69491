//! Mapping Amazon orders to canonical orders.

use switchyard_amazon::mapping::OrderAction;
use switchyard_amazon::{
    AmazonOrder, AmazonOrderItem, MARKETPLACES, MapContext, action_for_status, is_actionable,
    to_order,
};
use switchyard_model::{ChannelName, FieldError, OrderId};

fn ctx() -> MapContext {
    MapContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("amazon-us").unwrap(),
        default_customer: Some("AMAZON-US".into()),
    }
}

fn order(json: &str) -> AmazonOrder {
    serde_json::from_str(json).unwrap()
}

fn items(json: &str) -> Vec<AmazonOrderItem> {
    serde_json::from_str(json).unwrap()
}

const ORDER: &str = r#"{
  "AmazonOrderId": "111-0000001-0000001", "PurchaseDate": "2025-03-14T09:12:04Z",
  "OrderStatus": "Unshipped", "FulfillmentChannel": "MFN", "MarketplaceId": "ATVPDKIKX0DER",
  "OrderTotal": {"CurrencyCode": "USD", "Amount": "74.48"},
  "ShippingAddress": {"Name": "Jane Doe", "AddressLine1": "410 Terry Ave N", "AddressLine2": "Suite 4",
    "City": "Seattle", "StateOrRegion": "WA", "PostalCode": "98109", "CountryCode": "US"},
  "BuyerInfo": {"BuyerEmail": "abc123@marketplace.amazon.com"}
}"#;

const ITEMS: &str = r#"[
  {"ASIN": "B000000001", "SellerSKU": "WIDGET-S", "OrderItemId": "1", "Title": "Widget S",
   "QuantityOrdered": 2, "ItemPrice": {"CurrencyCode": "USD", "Amount": "19.98"}},
  {"ASIN": "B000000002", "SellerSKU": "WIDGET-M", "OrderItemId": "2", "Title": "Widget M",
   "QuantityOrdered": 1, "ItemPrice": {"CurrencyCode": "USD", "Amount": "24.50"}},
  {"ASIN": "B000000003", "SellerSKU": "WIDGET-X", "OrderItemId": "3", "Title": "Cancelled",
   "QuantityOrdered": 0},
  {"ASIN": "B000000004", "SellerSKU": "WIDGET-L", "OrderItemId": "4", "Title": "Widget L",
   "QuantityOrdered": 3, "ItemPrice": {"CurrencyCode": "USD", "Amount": "30.00"}}
]"#;

#[test]
fn lines_carry_the_unit_price_not_amazons_line_total() {
    let o = to_order(&order(ORDER), &items(ITEMS), &ctx()).unwrap();
    assert_eq!(o.external_id.as_str(), "111-0000001-0000001");
    assert_eq!(o.currency.code(), "USD");
    let lines: Vec<(String, String, String)> = o
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
        vec![
            ("WIDGET-S".into(), "2".into(), "9.99".into()),
            ("WIDGET-M".into(), "1".into(), "24.50".into()),
            ("WIDGET-L".into(), "3".into(), "10.00".into()),
        ]
    );
    assert_eq!(o.total().amount.to_string(), "74.48");
    assert_eq!(o.customer.account, "AMAZON-US");
    assert_eq!(o.customer.name, "Jane Doe");
    assert_eq!(
        o.customer.email.as_deref(),
        Some("abc123@marketplace.amazon.com")
    );
    assert_eq!(o.ship_to.line1, "410 Terry Ave N");
    assert_eq!(o.ship_to.line2.as_deref(), Some("Suite 4"));
    assert_eq!(o.ship_to.city, "Seattle");
    assert_eq!(o.ship_to.region.as_deref(), Some("WA"));
    assert_eq!(o.ship_to.country.as_str(), "US");
    assert_eq!(o.notes, None);
}

#[test]
fn an_inexact_unit_price_is_rounded_half_even_and_noted() {
    let lines = items(
        r#"[{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":3,
        "ItemPrice":{"CurrencyCode":"USD","Amount":"10.00"}},
        {"ASIN":"B2","SellerSKU":"WIDGET-M","OrderItemId":"2","QuantityOrdered":8,
        "ItemPrice":{"CurrencyCode":"USD","Amount":"0.01"}}]"#,
    );
    let o = to_order(&order(ORDER), &lines, &ctx()).unwrap();
    assert_eq!(o.lines[0].unit_price.amount.to_string(), "3.3333");
    // 0.01 / 8 = 0.00125: the midpoint goes to the even digit.
    assert_eq!(o.lines[1].unit_price.amount.to_string(), "0.0012");
    let notes = o.notes.unwrap();
    assert!(notes.contains("OrderItems[0] (WIDGET-S)"), "{notes}");
    assert!(notes.contains("OrderItems[1] (WIDGET-M)"), "{notes}");
    assert!(notes.contains("half-even"), "{notes}");
}

#[test]
fn an_order_from_every_marketplace_maps_with_its_address_withheld() {
    for m in MARKETPLACES {
        let withheld = order(&format!(
            r#"{{"AmazonOrderId":"111-0000003-0000003","PurchaseDate":"2025-03-14T09:12:04Z",
            "OrderStatus":"Unshipped","MarketplaceId":"{}",
            "OrderTotal":{{"CurrencyCode":"{}","Amount":"10.00"}}}}"#,
            m.id, m.currency
        ));
        let lines = items(&format!(
            r#"[{{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":1,
            "ItemPrice":{{"CurrencyCode":"{}","Amount":"10.00"}}}}]"#,
            m.currency
        ));
        let mapped = to_order(&withheld, &lines, &ctx())
            .unwrap_or_else(|e| panic!("marketplace {} ({}): {e}", m.id, m.country));
        assert_eq!(mapped.ship_to.country.as_str(), m.country, "{}", m.id);
        assert_eq!(mapped.currency.code(), m.currency, "{}", m.id);
        assert_eq!(mapped.ship_to.city, "(withheld)");
    }
    assert_eq!(MARKETPLACES.len(), 23, "every marketplace SP-API documents");
}

#[test]
fn a_withheld_address_points_to_seller_central_and_keeps_what_is_there() {
    let o = order(
        r#"{"AmazonOrderId":"111-0000002-0000002","PurchaseDate":"2025-03-14T09:12:04Z",
        "OrderStatus":"Unshipped","MarketplaceId":"A1PA6795UKMFR9",
        "OrderTotal":{"CurrencyCode":"EUR","Amount":"10.00"},
        "ShippingAddress":{"City":"Berlin","PostalCode":"10115"}}"#,
    );
    let lines = items(
        r#"[{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":1,
        "ItemPrice":{"CurrencyCode":"EUR","Amount":"10.00"}}]"#,
    );
    let mapped = to_order(&o, &lines, &ctx()).unwrap();
    assert_eq!(
        mapped.ship_to.line1,
        "Amazon order 111-0000002-0000002 (address withheld; see Seller Central)"
    );
    assert_eq!(mapped.ship_to.city, "Berlin");
    assert_eq!(mapped.ship_to.postal_code.as_deref(), Some("10115"));
    assert_eq!(
        mapped.ship_to.country.as_str(),
        "DE",
        "from the marketplace"
    );
    assert_eq!(mapped.customer.name, "Amazon customer");
    assert!(mapped.notes.unwrap().contains("withheld"));

    // No address, no known marketplace: the country cannot be guessed.
    let unknown = order(
        r#"{"AmazonOrderId":"111-0000002-0000002","PurchaseDate":"2025-03-14T09:12:04Z",
        "OrderStatus":"Unshipped","MarketplaceId":"XXXX",
        "OrderTotal":{"CurrencyCode":"EUR","Amount":"10.00"}}"#,
    );
    let err = to_order(&unknown, &lines, &ctx()).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].field, "ShippingAddress.CountryCode");
}

#[test]
fn the_currency_comes_from_the_items_when_the_total_is_missing() {
    let o = order(
        r#"{"AmazonOrderId":"111-0000003-0000003","PurchaseDate":"2025-03-14T09:12:04Z",
        "OrderStatus":"Unshipped","MarketplaceId":"A1VC38T7YXB528"}"#,
    );
    let lines = items(
        r#"[{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":2,
        "ItemPrice":{"CurrencyCode":"JPY","Amount":"2000"}}]"#,
    );
    let mapped = to_order(&o, &lines, &ctx()).unwrap();
    assert_eq!(mapped.currency.code(), "JPY");
    assert_eq!(mapped.lines[0].unit_price.amount.to_string(), "1000");
    assert_eq!(mapped.ship_to.country.as_str(), "JP");
}

#[test]
fn every_problem_is_reported_with_amazons_field_path() {
    let lines = items(
        r#"[{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":1,
        "ItemPrice":{"CurrencyCode":"USD","Amount":"1.00"}},
        {"ASIN":"B2","SellerSKU":"WIDGET-M","OrderItemId":"2","QuantityOrdered":1,
        "ItemPrice":{"CurrencyCode":"EUR","Amount":"1.00"}},
        {"ASIN":"B3","OrderItemId":"3","QuantityOrdered":1},
        {"ASIN":"B4","SellerSKU":"W","OrderItemId":"4","QuantityOrdered":1,
        "ItemPrice":{"CurrencyCode":"USD","Amount":"-1.00"}}]"#,
    );
    let mut context = ctx();
    context.default_customer = None;
    let err = to_order(&order(ORDER), &lines, &context).unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "customer",
            "OrderItems[1].ItemPrice.CurrencyCode",
            "OrderItems[2].SellerSKU",
            "OrderItems[2].ItemPrice",
            "OrderItems[3].ItemPrice",
        ],
        "{err}"
    );
    assert_eq!(
        err.0[1],
        FieldError::new(
            "OrderItems[1].ItemPrice.CurrencyCode",
            "must be in the order currency USD"
        )
    );
}

#[test]
fn an_order_whose_lines_were_all_cancelled_is_refused() {
    let lines =
        items(r#"[{"ASIN":"B1","SellerSKU":"WIDGET-S","OrderItemId":"1","QuantityOrdered":0}]"#);
    let err = to_order(&order(ORDER), &lines, &ctx()).unwrap_err();
    assert_eq!(err.0[0].field, "OrderItems");
}

#[test]
fn only_paid_orders_create_sales() {
    for status in ["Unshipped", "PartiallyShipped", "Shipped"] {
        assert!(is_actionable(status), "{status}");
    }
    for status in [
        "Pending",
        "PendingAvailability",
        "Canceled",
        "Unfulfillable",
        "Weird",
    ] {
        assert!(!is_actionable(status), "{status}");
    }
    assert_eq!(action_for_status("Canceled"), OrderAction::Cancel);
    assert_eq!(action_for_status("Pending"), OrderAction::Wait);
    assert_eq!(action_for_status("Unfulfillable"), OrderAction::Ignore);
}
