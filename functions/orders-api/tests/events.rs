//! Every sample event in `events/orders-api/` parses, survives a serialise → reparse round trip,
//! and reads as the request it claims to be.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use switchyard_intake::apigw::request_from_event;

#[test]
fn sample_events_round_trip_and_read_as_requests() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/orders-api");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let event: ApiGatewayV2httpRequest =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again: ApiGatewayV2httpRequest =
            serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event, "{}", path.display());
        let request = request_from_event(&event);
        let route = event.route_key.clone().unwrap();
        let (method, _) = route.split_once(' ').unwrap();
        assert_eq!(request.method, method, "{}", path.display());
        assert!(request.path.starts_with("/v1/orders"), "{}", path.display());
        if method == "POST" {
            assert!(request.header("idempotency-key").is_some());
            serde_json::from_slice::<serde_json::Value>(&request.body).unwrap();
        }
        seen += 1;
    }
    assert!(seen >= 3, "expected the sample events, found {seen}");
}
