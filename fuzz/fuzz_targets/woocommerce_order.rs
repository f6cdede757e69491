//! A WooCommerce `order.created` / `order.updated` / `order.deleted` webhook body (and the ping).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_webhooks::MapContext;
use switchyard_webhooks::woocommerce::{is_ping, order_id, order_status, read_order};

fuzz_target!(|data: &[u8]| {
    let ctx = MapContext {
        order_id: switchyard_fuzz::order_id(),
        channel: switchyard_fuzz::channel(),
        default_customer: Some(switchyard_fuzz::DEFAULT_CUSTOMER.into()),
        custom_item_sku: None,
    };
    let ping = is_ping(Some("application/x-www-form-urlencoded"), data);
    let _ = is_ping(Some("application/json"), data);
    let id = order_id(data);
    let status = order_status(data);
    let Ok(order) = read_order(data, &ctx) else {
        return;
    };
    assert!(!ping, "a body that maps to an order is not a ping");
    switchyard_fuzz::assert_canonical(&order);
    // Status changes and deletions of this order must find it by the same id.
    assert_eq!(
        id.as_ref().ok(),
        Some(&order.external_id),
        "order_id disagrees with read_order"
    );
    if let Ok((status_id, _)) = status {
        assert_eq!(status_id, order.external_id);
    }
});
