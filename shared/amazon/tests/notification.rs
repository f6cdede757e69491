//! Parsing `ORDER_CHANGE` notifications as Amazon delivers them to SQS.

use switchyard_amazon::notification::NotificationItem;
use switchyard_amazon::{NotificationError, parse_notification};

const UNSHIPPED: &str = include_str!("fixtures/order-change-unshipped.json");
const OTHER_TYPE: &str = include_str!("fixtures/any-offer-changed.json");

#[test]
fn a_documented_order_change_parses() {
    let n = parse_notification(UNSHIPPED).unwrap();
    assert_eq!(n.notification_id, "d0e9e693-c3ad-4373-979f-ed4ec98dd746");
    assert_eq!(n.event_time.to_rfc3339(), "2025-03-14T09:26:53.589+00:00");
    assert_eq!(n.amazon_order_id, "113-2646919-3481020");
    assert_eq!(n.change_type, "OrderStatusChange");
    assert_eq!(n.order_status.as_deref(), Some("Unshipped"));
    assert_eq!(n.marketplace_id.as_deref(), Some("ATVPDKIKX0DER"));
    assert_eq!(n.fulfillment_type.as_deref(), Some("MFN"));
    assert_eq!(n.seller_id.as_deref(), Some("A3TH9S8BH6GOGM"));
    assert_eq!(
        n.subscription_id.as_deref(),
        Some("93b098e1-c42-2f45-93a1-78910a6a8369")
    );
    assert_eq!(
        n.items,
        vec![
            NotificationItem {
                order_item_id: Some("68828574383266".into()),
                seller_sku: Some("WIDGET-S".into()),
                quantity: Some(2),
            },
            NotificationItem {
                order_item_id: Some("68828574383267".into()),
                seller_sku: Some("WIDGET-M".into()),
                quantity: Some(1),
            },
        ]
    );
}

#[test]
fn another_notification_type_is_a_distinct_error() {
    assert_eq!(
        parse_notification(OTHER_TYPE).unwrap_err(),
        NotificationError::UnexpectedType("ANY_OFFER_CHANGED".into())
    );
}

#[test]
fn a_minimal_buyer_requested_change_without_summary_parses() {
    let body = r#"{"NotificationType":"ORDER_CHANGE","EventTime":"2025-03-14T09:26:53Z",
        "Payload":{"OrderChangeNotification":{"AmazonOrderId":"111-0000001-0000001",
        "OrderChangeType":"BuyerRequestedChange","Summary":{"OrderItems":null}}},
        "NotificationMetadata":{"NotificationId":"n-1"}}"#;
    let n = parse_notification(body).unwrap();
    assert_eq!(n.change_type, "BuyerRequestedChange");
    assert_eq!(n.order_status, None);
    assert!(n.items.is_empty());
}

#[test]
fn broken_bodies_are_malformed_or_invalid() {
    assert!(matches!(
        parse_notification("not json"),
        Err(NotificationError::Malformed(_))
    ));
    // The right type but no order id.
    let no_id = UNSHIPPED.replace("\"AmazonOrderId\": \"113-2646919-3481020\",", "");
    assert!(matches!(
        parse_notification(&no_id),
        Err(NotificationError::Malformed(_))
    ));
    let blank_id = UNSHIPPED.replace("113-2646919-3481020", "");
    assert!(matches!(
        parse_notification(&blank_id),
        Err(NotificationError::Invalid {
            field: "Payload.OrderChangeNotification.AmazonOrderId",
            ..
        })
    ));
    let bad_time = UNSHIPPED.replace("2025-03-14T09:26:53.589Z", "yesterday");
    assert!(matches!(
        parse_notification(&bad_time),
        Err(NotificationError::Malformed(_))
    ));
}
