//! An SP-API `getOrder` answer and a `getOrderItems` page, as the order mapper receives them.
//! The input is the two JSON documents separated by one NUL byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_amazon::orders::{GetOrderItemsResponse, GetOrderResponse};
use switchyard_amazon::{MapContext, to_order};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let (Some(order), Some(items)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(order) = serde_json::from_slice::<GetOrderResponse>(order) else {
        return;
    };
    let Ok(items) = serde_json::from_slice::<GetOrderItemsResponse>(items) else {
        return;
    };
    let ctx = MapContext {
        order_id: switchyard_fuzz::order_id(),
        channel: switchyard_fuzz::channel(),
        default_customer: Some(switchyard_fuzz::DEFAULT_CUSTOMER.into()),
    };
    match to_order(&order.payload, &items.payload.order_items, &ctx) {
        Ok(mapped) => {
            switchyard_fuzz::assert_canonical(&mapped);
            assert_eq!(mapped.external_id.as_str(), order.payload.amazon_order_id);
        }
        Err(errors) => assert!(
            !errors.is_empty(),
            "a refused order names at least one field"
        ),
    }
});
