//! Every sample event in `events/orders-api/` parses, survives a serialise → reparse round trip,
//! and reads as the request it claims to be: its route's path, and for the read APIs parameters
//! (and for validate a body) that the handler accepts.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use orders_api::catalog::{by_warehouse_param, quantity_param, skus_param};
use switchyard_intake::apigw::request_from_event;
use switchyard_intake::samples::sample_events;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::{ChannelName, OrderId};

#[test]
fn sample_events_round_trip_and_read_as_requests() {
    let events = sample_events::<ApiGatewayV2httpRequest>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/orders-api"
    ));
    let mut routes = vec![];
    for (path, event) in &events {
        let request = request_from_event(event);
        let route = event.route_key.clone().unwrap();
        let (method, template) = route.split_once(' ').unwrap();
        assert_eq!(request.method, method, "{}", path.display());
        let prefix = template.split("/{").next().unwrap();
        assert!(request.path.starts_with(prefix), "{}", path.display());
        match route.as_str() {
            "POST /v1/orders" => {
                assert!(request.header("idempotency-key").is_some());
                serde_json::from_slice::<serde_json::Value>(&request.body).unwrap();
            }
            "POST /v1/orders/validate" => {
                // Validation claims no key, so its sample sends none.
                assert!(request.header("idempotency-key").is_none());
                let body = serde_json::from_slice(&request.body).unwrap();
                let ctx = CaptureContext {
                    order_id: OrderId::generate(),
                    channel: ChannelName::try_from("sample").unwrap(),
                    default_customer: None,
                };
                parse_order(&body, &ctx).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            "GET /v1/inventory" => {
                let skus = skus_param(&request).unwrap();
                assert_eq!(
                    skus.len(),
                    2,
                    "repeated sku parameters, as API Gateway joins them"
                );
                assert!(by_warehouse_param(&request).unwrap());
            }
            "GET /v1/prices" => {
                assert_eq!(skus_param(&request).unwrap().len(), 2);
                assert_eq!(quantity_param(&request).unwrap().to_string(), "50");
            }
            _ => {}
        }
        routes.push(route);
    }
    for expected in [
        "GET /v1/orders/{id}",
        "POST /v1/orders",
        "GET /v1/inventory",
        "GET /v1/prices",
        "POST /v1/orders/validate",
    ] {
        assert!(
            routes.iter().any(|r| r == expected),
            "no sample event for {expected}: {routes:?}"
        );
    }
}
