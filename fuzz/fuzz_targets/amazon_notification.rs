//! An SP-API `ORDER_CHANGE` notification, as the SQS message body the notifications function reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_amazon::{NotificationError, parse_notification};
use switchyard_model::order::check_identifier;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    match parse_notification(body) {
        Ok(n) => {
            // What the function keys on must be usable as a key.
            assert!(
                check_identifier(&n.amazon_order_id).is_ok(),
                "{:?}",
                n.amazon_order_id
            );
            assert!(!n.notification_id.trim().is_empty());
        }
        Err(NotificationError::UnexpectedType(t)) => assert_ne!(t, "ORDER_CHANGE"),
        Err(_) => {}
    }
});
