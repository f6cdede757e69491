//! Every sample event in `events/orders-api/` parses, survives a serialise → reparse round trip,
//! and reads as the request it claims to be.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use switchyard_intake::apigw::request_from_event;
use switchyard_intake::samples::sample_events;

#[test]
fn sample_events_round_trip_and_read_as_requests() {
    let events = sample_events::<ApiGatewayV2httpRequest>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/orders-api"
    ));
    for (path, event) in &events {
        let request = request_from_event(event);
        let route = event.route_key.clone().unwrap();
        let (method, _) = route.split_once(' ').unwrap();
        assert_eq!(request.method, method, "{}", path.display());
        assert!(request.path.starts_with("/v1/orders"), "{}", path.display());
        if method == "POST" {
            assert!(request.header("idempotency-key").is_some());
            serde_json::from_slice::<serde_json::Value>(&request.body).unwrap();
        }
    }
    assert!(
        events.len() >= 3,
        "expected the sample events, found {}",
        events.len()
    );
}
