//! Shipment confirmations in the sandbox, driven by the real `SpApiShipments` client in-process
//! on 127.0.0.1:0: the ChannelFulfilment contract (probe: `/_sandbox/orders` to place orders, the
//! Orders v2026-01-01 `getOrder` and v0 `getOrder` to read them back, as a seller's own tools
//! would), the body Amazon documents, and the sandbox's own checks of what it is sent.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use sp_api_sandbox::{ListingsPlan, SandboxConfig, ShipmentsPlan, router};
use switchyard_amazon::shipments::{package_reference_id, shipment_key_of};
use switchyard_amazon::{LwaCredentials, Secret, SpApiConfig, SpApiShipments, TokenBucket};
use switchyard_fulfilment::contract::{FulfilmentUnderTest, SeenFulfilment};
use switchyard_fulfilment::{
    ChannelFulfilment, ChannelShipment, FulfilOutcome, FulfilledLine, PushError,
};

const MARKETPLACE: &str = "ATVPDKIKX0DER";

fn recorded_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../local/sp-api")
}

async fn start(shipments: ShipmentsPlan) -> SocketAddr {
    let app = router(SandboxConfig {
        data_dir: recorded_data(),
        rate_per_second: 0.5,
        burst: 30,
        listings: ListingsPlan::default(),
        shipments,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn config(addr: SocketAddr) -> SpApiConfig {
    SpApiConfig::new(
        format!("http://{addr}"),
        format!("http://{addr}/auth/o2/token"),
        LwaCredentials {
            client_id: "amzn1.application-oa2-client.local".into(),
            client_secret: Secret::new("local-secret"),
            refresh_token: Secret::new("Atzr|local"),
        },
    )
}

/// The sandbox at its documented plans, the client at the same, and the probe.
struct Amazon {
    addr: SocketAddr,
    client: SpApiShipments,
    http: reqwest::Client,
}

impl Amazon {
    async fn documented() -> Self {
        let addr = start(ShipmentsPlan::default()).await;
        Self::at(
            addr,
            SpApiShipments::new(config(addr), MARKETPLACE).unwrap(),
        )
    }

    fn at(addr: SocketAddr, client: SpApiShipments) -> Self {
        Amazon {
            addr,
            client,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn calls(&self) -> Vec<Value> {
        let response = self
            .http
            .get(self.url("/_sandbox/calls"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    fn confirmations(calls: &[Value]) -> Vec<&Value> {
        calls
            .iter()
            .filter(|c| {
                c["method"] == "POST"
                    && c["path"]
                        .as_str()
                        .is_some_and(|p| p.ends_with("/shipmentConfirmation"))
            })
            .collect()
    }

    /// A raw SP-API call with a token, for the sandbox's own behaviour.
    async fn raw(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("x-amz-access-token", "Atza|raw");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Places an order; answers its id and `(SellerSKU, OrderItemId)` per line.
    async fn place(&self, lines: &[(&str, i64)]) -> (String, Vec<(String, String)>) {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, q)| json!({"sku": sku, "quantity": q}))
            .collect();
        let response = self
            .http
            .post(self.url("/_sandbox/orders"))
            .json(&json!({ "lines": lines }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let items = body["OrderItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["SellerSKU"].as_str().unwrap().to_string(),
                    i["OrderItemId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (body["AmazonOrderId"].as_str().unwrap().to_string(), items)
    }

    async fn order_v2026(&self, id: &str) -> Value {
        let (status, body) = self
            .raw(
                reqwest::Method::GET,
                &format!("/orders/2026-01-01/orders/{id}?includedData=PACKAGES"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["order"].clone()
    }
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for Amazon {
    fn channel(&self) -> &dyn ChannelFulfilment {
        &self.client
    }

    async fn place_order(&self, lines: &[(&str, i64)]) -> String {
        self.place(lines).await.0
    }

    /// Amazon's packages grouped by the shipment their reference id names, oldest first.
    async fn fulfilments(&self, channel_order_id: &str) -> Vec<SeenFulfilment> {
        let order = self.order_v2026(channel_order_id).await;
        let sku_of = |item: &str| {
            order["orderItems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["orderItemId"] == item)
                .and_then(|i| i["product"]["sellerSku"].as_str())
                .unwrap()
                .to_string()
        };
        let mut seen: Vec<(String, SeenFulfilment)> = Vec::new();
        for package in order["packages"].as_array().unwrap() {
            let key = shipment_key_of(package["packageReferenceId"].as_str().unwrap()).to_string();
            let at = match seen.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    seen.push((
                        key,
                        SeenFulfilment {
                            tracking_numbers: Vec::new(),
                            lines: Vec::new(),
                        },
                    ));
                    seen.len() - 1
                }
            };
            let fulfilment = &mut seen[at].1;
            if let Some(tracking) = package["trackingNumber"].as_str().filter(|t| !t.is_empty()) {
                fulfilment.tracking_numbers.push(tracking.to_string());
            }
            for item in package["packageItems"].as_array().unwrap() {
                let sku = sku_of(item["orderItemId"].as_str().unwrap());
                let quantity = item["quantity"].as_i64().unwrap();
                match fulfilment.lines.iter_mut().find(|l| l.sku == sku) {
                    Some(line) => line.quantity += quantity,
                    None => fulfilment.lines.push(FulfilledLine { sku, quantity }),
                }
            }
        }
        seen.into_iter().map(|(_, f)| f).collect()
    }

    /// The v0 `getOrder`'s `OrderStatus`, as the order consumer reads it.
    async fn completed(&self, channel_order_id: &str) -> bool {
        let (status, body) = self
            .raw(
                reqwest::Method::GET,
                &format!("/orders/v0/orders/{channel_order_id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["payload"]["OrderStatus"] == "Shipped"
    }
}

mod contract {
    use super::Amazon;
    switchyard_fulfilment::channel_fulfilment_contract_tests!(Amazon::documented().await);
}

fn shipment(order: &str, lines: &[(&str, i64)], tracking: &[&str]) -> ChannelShipment {
    ChannelShipment {
        channel_order_id: order.to_string(),
        shipment_id: format!("CS{}", ulid::Ulid::new()),
        lines: lines
            .iter()
            .map(|(sku, quantity)| FulfilledLine {
                sku: sku.to_string(),
                quantity: *quantity,
            })
            .collect(),
        carrier: Some("United Parcel Service".into()),
        service: Some("Ground".into()),
        tracking_numbers: tracking.iter().map(|t| t.to_string()).collect(),
        shipped_at: Utc.with_ymd_and_hms(2026, 12, 1, 14, 5, 0).unwrap(),
        completes_order: false,
    }
}

#[tokio::test]
async fn the_sandbox_receives_the_body_amazon_documents() {
    let amazon = Amazon::documented().await;
    let (order, items) = amazon.place(&[("WIDGET-S", 2), ("WIDGET-M", 1)]).await;
    let item_s = &items[0].1;
    let s = shipment(&order, &[("WIDGET-S", 2)], &["1ZSWITCHYARD0001"]);
    let outcome = amazon.client.fulfil(&s).await.unwrap();
    let reference = package_reference_id(&s.shipment_id, 1);
    assert_eq!(
        outcome,
        FulfilOutcome::Created {
            channel_fulfilment_id: reference.clone()
        }
    );
    let calls = amazon.calls().await;
    let confirmations = Amazon::confirmations(&calls);
    assert_eq!(confirmations.len(), 1, "{calls:?}");
    assert_eq!(
        confirmations[0]["path"],
        format!("/orders/v0/orders/{order}/shipmentConfirmation")
    );
    assert_eq!(confirmations[0]["status"], 204);
    assert_eq!(
        confirmations[0]["body"],
        json!({
            "marketplaceId": MARKETPLACE,
            "packageDetail": {
                "packageReferenceId": reference,
                "carrierCode": "UPS",
                "shippingMethod": "Ground",
                "trackingNumber": "1ZSWITCHYARD0001",
                "shipDate": "2026-12-01T14:05:00Z",
                "orderItems": [{"orderItemId": item_s, "quantity": 2}],
            }
        })
    );
    // The package reference is a positive number, as Amazon requires.
    assert!(reference.bytes().all(|b| b.is_ascii_digit()) && !reference.starts_with('0'));
    // The order read first, through the API version that shows packages.
    assert_eq!(
        calls[0]["path"],
        format!("/orders/2026-01-01/orders/{order}")
    );
    assert_eq!(calls[0]["query"], "includedData=PACKAGES");
}

#[tokio::test]
async fn a_carrier_amazon_does_not_list_is_other_with_its_name() {
    let amazon = Amazon::documented().await;
    let (order, _) = amazon.place(&[("WIDGET-L", 1)]).await;
    let mut s = shipment(&order, &[("WIDGET-L", 1)], &["JD0002"]);
    s.carrier = Some("Speedy Regional Freight".into());
    amazon.client.fulfil(&s).await.unwrap();
    let calls = amazon.calls().await;
    let detail = &Amazon::confirmations(&calls)[0]["body"]["packageDetail"];
    assert_eq!(detail["carrierCode"], "Other");
    assert_eq!(detail["carrierName"], "Speedy Regional Freight");
    let package = &amazon.order_v2026(&order).await["packages"][0];
    assert_eq!(package["carrier"], "Speedy Regional Freight");
}

#[tokio::test]
async fn confirmed_quantities_show_in_get_order_items_and_the_status() {
    let amazon = Amazon::documented().await;
    let (order, _) = amazon.place(&[("WIDGET-S", 2), ("WIDGET-L", 4)]).await;
    amazon
        .client
        .fulfil(&shipment(&order, &[("WIDGET-L", 3)], &["1Z1"]))
        .await
        .unwrap();
    let path = format!("/orders/v0/orders/{order}/orderItems");
    let (status, items) = amazon.raw(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let shipped: Vec<(String, i64)> = items["payload"]["OrderItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["SellerSKU"].as_str().unwrap().to_string(),
                i["QuantityShipped"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shipped,
        vec![("WIDGET-S".to_string(), 0), ("WIDGET-L".to_string(), 3)]
    );
    let (_, got) = amazon
        .raw(
            reqwest::Method::GET,
            &format!("/orders/v0/orders/{order}"),
            None,
        )
        .await;
    assert_eq!(got["payload"]["OrderStatus"], "PartiallyShipped");
    assert_eq!(got["payload"]["NumberOfItemsShipped"], 3);
    assert_eq!(got["payload"]["NumberOfItemsUnshipped"], 3);
}

#[tokio::test]
async fn a_recorded_order_can_be_shipped_and_keeps_its_recorded_items() {
    let amazon = Amazon::documented().await;
    // Five lines over three recorded pages: the client maps SKUs over all of them.
    let (_, before) = amazon
        .raw(
            reqwest::Method::GET,
            "/orders/2026-01-01/orders/111-0000003-0000003",
            None,
        )
        .await;
    let skus: Vec<String> = before["order"]["orderItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product"]["sellerSku"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(skus.len(), 5, "{before}");
    let last = skus.last().unwrap().clone();
    let s = shipment("111-0000003-0000003", &[(&last, 1)], &["1ZREC"]);
    amazon.client.fulfil(&s).await.unwrap();
    let (_, got) = amazon
        .raw(
            reqwest::Method::GET,
            "/orders/v0/orders/111-0000003-0000003",
            None,
        )
        .await;
    assert_eq!(got["payload"]["OrderStatus"], "PartiallyShipped");
}

#[tokio::test]
async fn a_crash_between_two_packages_sends_only_the_missing_one() {
    let amazon = Amazon::documented().await;
    let (order, items) = amazon.place(&[("WIDGET-S", 1), ("WIDGET-M", 1)]).await;
    let s = shipment(&order, &[("WIDGET-S", 1), ("WIDGET-M", 1)], &["1ZA", "1ZB"]);
    // The first package made it before the crash; the second did not.
    let first = json!({
        "marketplaceId": MARKETPLACE,
        "packageDetail": {
            "packageReferenceId": package_reference_id(&s.shipment_id, 1),
            "carrierCode": "UPS", "trackingNumber": "1ZA",
            "shipDate": "2026-12-01T14:05:00Z",
            "orderItems": [{"orderItemId": items[0].1, "quantity": 1}],
        }
    });
    let path = format!("/orders/v0/orders/{order}/shipmentConfirmation");
    let (status, body) = amazon.raw(reqwest::Method::POST, &path, Some(first)).await;
    assert_eq!(status, 204, "{body}");
    let outcome = amazon.client.fulfil(&s).await.unwrap();
    assert!(
        matches!(outcome, FulfilOutcome::Created { .. }),
        "{outcome:?}"
    );
    let calls = amazon.calls().await;
    let confirmations = Amazon::confirmations(&calls);
    assert_eq!(confirmations.len(), 2, "the raw one and the missing one");
    assert_eq!(
        confirmations[1]["body"]["packageDetail"]["trackingNumber"],
        "1ZB"
    );
    assert_eq!(
        amazon.order_v2026(&order).await["packages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(amazon.completed(&order).await);
}

#[tokio::test]
async fn more_than_ordered_and_an_unknown_sku_are_refused_before_anything_is_sent() {
    let amazon = Amazon::documented().await;
    let (order, _) = amazon.place(&[("WIDGET-S", 1)]).await;
    for lines in [&[("WIDGET-S", 2)][..], &[("NOT-ON-ORDER", 1)][..]] {
        match amazon.client.fulfil(&shipment(&order, lines, &[])).await {
            Err(PushError::Refused(_)) => {}
            other => panic!("{lines:?}: {other:?}"),
        }
    }
    assert!(Amazon::confirmations(&amazon.calls().await).is_empty());
}

#[tokio::test]
async fn the_sandbox_refuses_what_amazon_refuses() {
    // Refused calls count against the plan too, as on Amazon: more than a burst of 10 here.
    let addr = start(ShipmentsPlan {
        confirm_rate_per_second: 1000.0,
        confirm_burst: 50,
        ..ShipmentsPlan::default()
    })
    .await;
    let amazon = Amazon::at(
        addr,
        SpApiShipments::new(config(addr), MARKETPLACE).unwrap(),
    );
    let (order, items) = amazon.place(&[("WIDGET-S", 2)]).await;
    let item = items[0].1.clone();
    let body = |reference: &str, item: &str, quantity: i64| {
        json!({
            "marketplaceId": MARKETPLACE,
            "packageDetail": {
                "packageReferenceId": reference, "carrierCode": "UPS",
                "trackingNumber": "1Z", "shipDate": "2026-12-01T14:05:00Z",
                "orderItems": [{"orderItemId": item, "quantity": quantity}],
            }
        })
    };
    let path = format!("/orders/v0/orders/{order}/shipmentConfirmation");
    let post = |b: Value| amazon.raw(reqwest::Method::POST, &path, Some(b));
    let cases = [
        (
            json!({"packageDetail": body("1", &item, 1)["packageDetail"]}),
            "marketplaceId",
        ),
        (body("PKG-1", &item, 1), "packageReferenceId"),
        (body("0", &item, 1), "packageReferenceId"),
        (body("1", "99999999999999", 1), "no order item"),
        (body("1", &item, 3), "of 2 ordered"),
        (body("1", &item, 0), "at least 1"),
    ];
    for (b, says) in cases {
        let (status, answer) = post(b.clone()).await;
        assert_eq!(status, 400, "{b}: {answer}");
        assert_eq!(answer["errors"][0]["code"], "InvalidInput");
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message} should say {says}");
    }
    let mut other = body("1", &item, 1);
    other["packageDetail"]["carrierCode"] = json!("Other");
    assert_eq!(post(other).await.0, 400, "Other needs a carrierName");
    let mut bad_date = body("1", &item, 1);
    bad_date["packageDetail"]["shipDate"] = json!("01/12/2026");
    assert_eq!(post(bad_date).await.0, 400);

    // Two units over two packages; the second again with the same reference edits, not adds.
    assert_eq!(post(body("1", &item, 1)).await.0, 204);
    assert_eq!(post(body("2", &item, 1)).await.0, 204);
    assert_eq!(
        post(body("2", &item, 1)).await.0,
        204,
        "an edit of package 2"
    );
    assert_eq!(
        post(body("3", &item, 1)).await.0,
        400,
        "a third unit was not ordered"
    );
    assert_eq!(
        amazon.order_v2026(&order).await["packages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (status, answer) = amazon
        .raw(
            reqwest::Method::POST,
            "/orders/v0/orders/902-0000000-0000404/shipmentConfirmation",
            Some(body("1", &item, 1)),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    // Without a token, as every SP-API operation.
    let response = amazon
        .http
        .post(amazon.url(&path))
        .json(&body("1", &item, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn confirm_shipment_is_throttled_beyond_its_burst_and_the_client_paces_within_it() {
    // The documented plan on the sandbox: 2/s, burst 10.
    let amazon = Amazon::documented().await;
    let (order, items) = amazon.place(&[("WIDGET-S", 40)]).await;
    let item = items[0].1.clone();
    let path = format!("/orders/v0/orders/{order}/shipmentConfirmation");
    let mut statuses = Vec::new();
    for n in 1..=11 {
        let body = json!({
            "marketplaceId": MARKETPLACE,
            "packageDetail": {
                "packageReferenceId": n.to_string(), "carrierCode": "UPS",
                "trackingNumber": "1Z", "shipDate": "2026-12-01T14:05:00Z",
                "orderItems": [{"orderItemId": item, "quantity": 1}],
            }
        });
        statuses.push(amazon.raw(reqwest::Method::POST, &path, Some(body)).await.0);
    }
    assert_eq!(&statuses[..10], &[204; 10]);
    assert_eq!(statuses[10], 429, "the eleventh at once is over the burst");

    // The client with the documented plan on a fresh sandbox: 12 packages in one shipment go
    // out without a single 429 (the bucket waits for the refill).
    let amazon = Amazon::documented().await;
    let (order, _) = amazon.place(&[("WIDGET-S", 12)]).await;
    let tracking: Vec<String> = (0..12).map(|n| format!("1ZP{n}")).collect();
    let refs: Vec<&str> = tracking.iter().map(String::as_str).collect();
    amazon
        .client
        .fulfil(&shipment(&order, &[("WIDGET-S", 12)], &refs))
        .await
        .unwrap();
    let calls = amazon.calls().await;
    assert!(calls.iter().all(|c| c["status"] != 429), "{calls:?}");
    assert_eq!(Amazon::confirmations(&calls).len(), 12);
    assert!(amazon.completed(&order).await);
}

#[tokio::test]
async fn errors_map_onto_push_errors() {
    // A 5xx is Unavailable; throttling beyond the retries is Throttled.
    let amazon = Amazon::documented().await;
    let (order, _) = amazon.place(&[("WIDGET-S", 1)]).await;
    let response = amazon
        .http
        .post(amazon.url("/_sandbox/faults"))
        .json(&json!({"count": 1, "status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let s = shipment(&order, &[("WIDGET-S", 1)], &["1Z"]);
    assert!(matches!(
        amazon.client.fulfil(&s).await,
        Err(PushError::Unavailable(_))
    ));

    let addr = start(ShipmentsPlan {
        confirm_rate_per_second: 0.001,
        confirm_burst: 1,
        ..ShipmentsPlan::default()
    })
    .await;
    let mut cfg = config(addr);
    cfg.max_retries = 1;
    cfg.max_retry_after = std::time::Duration::from_millis(10);
    // The client's own bucket is generous, so the server's 429s are what it meets.
    let client = SpApiShipments::new(cfg, MARKETPLACE)
        .unwrap()
        .with_rate_limits(
            TokenBucket::new(100.0, 30).unwrap(),
            TokenBucket::new(1000.0, 100).unwrap(),
        );
    let amazon = Amazon::at(addr, client);
    let (order, _) = amazon.place(&[("WIDGET-S", 2)]).await;
    amazon
        .client
        .fulfil(&shipment(&order, &[("WIDGET-S", 1)], &["1Z"]))
        .await
        .unwrap();
    match amazon
        .client
        .fulfil(&shipment(&order, &[("WIDGET-S", 1)], &["1Z"]))
        .await
    {
        Err(PushError::Throttled { retry_after }) => {
            assert!(retry_after >= std::time::Duration::from_secs(1))
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
}
