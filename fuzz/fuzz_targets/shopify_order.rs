//! A Shopify `orders/create` / `orders/updated` / `orders/cancelled` webhook body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_webhooks::MapContext;
use switchyard_webhooks::shopify::{order_reference, read_order};

fuzz_target!(|data: &[u8]| {
    let ctx = MapContext {
        order_id: switchyard_fuzz::order_id(),
        channel: switchyard_fuzz::channel(),
        default_customer: Some(switchyard_fuzz::DEFAULT_CUSTOMER.into()),
        custom_item_sku: Some(switchyard_fuzz::custom_item_sku()),
    };
    let reference = order_reference(data);
    let Ok(order) = read_order(data, &ctx) else {
        return;
    };
    switchyard_fuzz::assert_canonical(&order);
    assert_eq!(order.customer.account, switchyard_fuzz::DEFAULT_CUSTOMER);
    // A cancellation of this order must find it: the reference names the same order.
    if let Ok(reference) = reference {
        assert_eq!(reference.external_id, order.external_id);
    }
});
