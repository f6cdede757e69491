//! The published OpenAPI document: served without a key, well formed, and listing exactly the
//! `/v1` routes both Terraform roots give API Gateway, so that neither can drift from the other.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use orders_api::{OrdersApi, Ports, Settings};
use serde_json::Value;
use switchyard_channels::InMemoryChannelDirectory;
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, Intake};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_projections::InMemoryProjectionStore;
use switchyard_throttle::InMemoryRateLimiter;

fn api() -> OrdersApi {
    OrdersApi::new(
        Ports {
            channels: Arc::new(InMemoryChannelDirectory::new()),
            intake: Intake::new(
                Arc::new(InMemoryOrderStore::new()),
                Arc::new(InMemoryIdempotencyStore::new()),
                Arc::new(InMemoryQueue::new()),
            ),
            limiter: Arc::new(InMemoryRateLimiter::new()),
            projections: Arc::new(InMemoryProjectionStore::new()),
        },
        Settings::default(),
    )
}

async fn served_document() -> Value {
    let request = HttpRequest {
        method: "GET".into(),
        path: "/v1/openapi.json".into(),
        ..HttpRequest::default()
    };
    let response = api()
        .handle(&request, SystemTime::now() + Duration::from_secs(5))
        .await;
    assert_eq!(response.status, 200, "served without an API key");
    assert_eq!(response.header("content-type"), Some("application/json"));
    serde_json::from_str(&response.body).expect("the document is JSON")
}

/// `METHOD /path` of every `/v1` route a Terraform root gives API Gateway.
fn terraform_routes(root: &str) -> BTreeSet<String> {
    let path = format!("{}/../../infra/{root}/main.tf", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.split('"')
        .filter(|s| {
            s.split_once(' ').is_some_and(|(method, path)| {
                ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method)
                    && path.starts_with("/v1/")
            })
        })
        .map(str::to_string)
        .collect()
}

fn documented_routes(doc: &Value) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.insert(format!("{} {path}", method.to_ascii_uppercase()));
        }
    }
    routes
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_api_gateway_serves() {
    let doc = served_document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = documented_routes(&doc);
    for root in ["local", "aws"] {
        let routes = terraform_routes(root);
        assert!(routes.len() >= 15, "{root}: read {routes:?}");
        assert_eq!(
            documented, routes,
            "infra/{root}/main.tf and the OpenAPI document disagree"
        );
    }
}

fn refs_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_schema_reference_resolves_and_every_operation_answers_problems() {
    let doc = served_document().await;
    let mut refs = vec![];
    refs_in(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is referenced but not defined"
        );
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path == "/v1/openapi.json" {
                continue;
            }
            let problems: Vec<&String> = responses
                .iter()
                .filter(|(_, r)| r["content"]["application/problem+json"].is_object())
                .map(|(status, _)| status)
                .collect();
            assert!(
                problems.iter().any(|s| s.starts_with('4'))
                    && problems.contains(&&"503".to_string()),
                "{method} {path} documents its client errors and 503 as problems: {problems:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_order_request_schema_carries_the_readers_rules() {
    let doc = served_document().await;
    let order = &doc["components"]["schemas"]["OrderRequest"];
    let required: BTreeSet<&str> = order["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        BTreeSet::from(["external_id", "customer", "currency", "ship_to", "lines"])
    );
    assert_eq!(order["properties"]["lines"]["minItems"], 1);
    assert_eq!(
        order["properties"]["external_id"]["pattern"],
        "^[!-~]{1,64}$"
    );
}

#[tokio::test]
async fn links_name_their_target_operation_as_openapi_spells_it() {
    let doc = served_document().await;
    let links = &doc["paths"]["/v1/orders"]["post"]["responses"]["202"]["links"];
    assert_eq!(links["GetOrder"]["operationId"], "get_order");
    assert_eq!(links["GetOrder"]["parameters"]["id"], "$response.body#/id");
    let paths = doc["paths"].as_object().unwrap();
    let operations = || {
        paths
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
    };
    let operation_ids: BTreeSet<&str> = operations()
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let targets: Vec<&str> = operations()
        .flat_map(|op| op["responses"].as_object().unwrap().values())
        .filter_map(|response| response["links"].as_object())
        .flat_map(|links| links.values())
        .map(|link| link["operationId"].as_str().expect("operationId"))
        .collect();
    assert!(targets.len() >= 6, "{targets:?}");
    for target in targets {
        assert!(
            operation_ids.contains(target),
            "a link targets no operation {target}"
        );
    }
}
