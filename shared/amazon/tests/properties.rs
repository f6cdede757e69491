//! Property tests: nothing Amazon (or an attacker on the queue) sends can make the reader or the
//! mapping panic.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchyard_amazon::{AmazonOrder, AmazonOrderItem, MapContext, parse_notification, to_order};
use switchyard_model::{ChannelName, OrderId};

const FIXTURE: &str = include_str!("fixtures/order-change-unshipped.json");

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Decimal strings, the awkward ones included.
fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000, 0u32..100).prop_map(|(a, c)| format!("{a}.{c:02}")),
        Just("79228162514264337593543950335".to_string()),
        Just("-79228162514264337593543950335".to_string()),
        Just("0.0000000000000000000000000001".to_string()),
        Just("1e10".to_string()),
        Just("-0.00".to_string()),
        ".{0,10}",
    ]
}

fn maybe(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![Just(Value::Null), value]
}

fn money() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("USD".to_string()),
            Just("EUR".to_string()),
            "[A-Za-z]{0,4}"
        ],
        amount(),
    )
        .prop_map(|(c, a)| json!({"CurrencyCode": c, "Amount": a}))
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("")),
        Just(json!("US")),
        ".{0,70}".prop_map(Value::String)
    ]
}

fn order_json() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("111-0000001-0000001".to_string()), ".{0,70}"],
        maybe(money()),
        maybe(
            (text(), text(), text(), text(), text())
                .prop_map(|(n, l, c, s, cc)| json!({"Name": n, "AddressLine1": l, "City": c, "StateOrRegion": s, "CountryCode": cc})),
        ),
        maybe(prop_oneof![Just(json!("ATVPDKIKX0DER")), text()]),
        maybe(prop_oneof![Just(json!("AFN")), Just(json!("MFN"))]),
    )
        .prop_map(|(id, total, address, marketplace, channel)| {
            json!({
                "AmazonOrderId": id, "PurchaseDate": "2025-03-14T09:12:04Z",
                "OrderStatus": "Unshipped", "OrderTotal": total, "ShippingAddress": address,
                "MarketplaceId": marketplace, "FulfillmentChannel": channel,
            })
        })
}

fn item_json() -> impl Strategy<Value = Value> {
    (
        maybe(prop_oneof![Just(json!("WIDGET-S")), text()]),
        prop_oneof![0u64..5, Just(u64::MAX), Just(1_000_001u64)],
        maybe(money()),
    )
        .prop_map(|(sku, qty, price)| {
            json!({"ASIN": "B0", "OrderItemId": "1", "SellerSKU": sku,
                   "QuantityOrdered": qty, "ItemPrice": price})
        })
}

fn ctx(customer: Option<String>) -> MapContext {
    MapContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("amazon-us").unwrap(),
        default_customer: customer,
    }
}

proptest! {
    #[test]
    fn parse_notification_never_panics_on_text(body in ".{0,400}") {
        let _ = parse_notification(&body);
    }

    #[test]
    fn parse_notification_never_panics_on_json(value in any_json()) {
        let _ = parse_notification(&value.to_string());
    }

    #[test]
    fn parse_notification_never_panics_on_a_damaged_fixture(
        cut in 0..FIXTURE.len(),
        value in any_json(),
    ) {
        // Replace the JSON from `cut` to the next comma with an arbitrary value.
        let end = FIXTURE[cut..].find(',').map_or(FIXTURE.len(), |i| cut + i);
        if FIXTURE.is_char_boundary(cut) {
            let body = format!("{}{}{}", &FIXTURE[..cut], value, &FIXTURE[end..]);
            let _ = parse_notification(&body);
        }
    }

    #[test]
    fn to_order_never_panics(
        order in order_json(),
        items in prop::collection::vec(item_json(), 0..6),
        customer in prop::option::of(".{0,10}"),
    ) {
        let order: Result<AmazonOrder, _> = serde_json::from_value(order);
        let items: Result<Vec<AmazonOrderItem>, _> = serde_json::from_value(Value::Array(items));
        if let (Ok(order), Ok(items)) = (order, items)
            && let Ok(mapped) = to_order(&order, &items, &ctx(customer))
        {
            // Whatever maps is a valid canonical order whose total does not overflow.
            prop_assert!(!mapped.lines.is_empty());
            let _ = mapped.total();
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_order_readers(value in any_json()) {
        let _ = serde_json::from_value::<AmazonOrder>(value.clone());
        let _ = serde_json::from_value::<Vec<AmazonOrderItem>>(value);
    }
}
