//! The sample events in `events/webhooks/` round-trip, read as webhook deliveries, and the signed
//! ones verify with the placeholder secret they were signed with.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use switchyard_intake::apigw::request_from_event;
use switchyard_intake::samples::sample_events;
use switchyard_webhooks::signature::{verify_shopify, verify_woocommerce};
use switchyard_webhooks::woocommerce::is_ping;

const SECRET: &[u8] = b"replace-with-the-channel-secret";

#[test]
fn sample_deliveries_round_trip_and_verify() {
    let events = sample_events::<ApiGatewayV2httpRequest>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/webhooks"
    ));
    let (mut verified, mut pings) = (0, 0);
    for (path, event) in &events {
        let request = request_from_event(event);
        assert!(
            request.path.starts_with("/v1/webhooks/"),
            "{}",
            path.display()
        );
        if let Some(sig) = request.header("x-shopify-hmac-sha256") {
            verify_shopify(SECRET, &request.body, Some(sig)).unwrap();
            verified += 1;
        } else if let Some(sig) = request.header("x-wc-webhook-signature") {
            verify_woocommerce(SECRET, &request.body, Some(sig)).unwrap();
            verified += 1;
        } else {
            assert!(
                is_ping(request.header("content-type"), &request.body),
                "{}",
                path.display()
            );
            pings += 1;
        }
    }
    assert_eq!((verified, pings), (2, 1));
}
