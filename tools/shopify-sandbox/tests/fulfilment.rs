//! The `ChannelFulfilment` contract against the real `ShopifyFulfilment` talking to the sandbox
//! in-process, read back through the GraphQL Admin API; then what only Shopify has: split
//! fulfillment orders, fulfillment-order statuses, `userErrors`, faults and throttling.

mod common;

use common::{Admin, TOKEN, start};
use serde_json::{Value, json};
use shopify_sandbox::DEMO_LOCATION_ID;
use switchyard_fulfilment::contract::{FulfilmentUnderTest, SeenFulfilment};
use switchyard_fulfilment::{
    ChannelFulfilment, ChannelShipment, FulfilOutcome, FulfilledLine, PushError,
};
use switchyard_shopify::{AccessToken, ShopifyConfig, ShopifyFulfilment};

const READ_BACK: &str = "query Seen($id: ID!) { order(id: $id) { displayFulfillmentStatus \
    fulfillments(first: 50) { id trackingInfo(first: 10) { company number } \
      fulfillmentLineItems(first: 50) { nodes { quantity lineItem { sku } } } } } }";

fn client(addr: std::net::SocketAddr) -> ShopifyFulfilment {
    ShopifyFulfilment::new(ShopifyConfig::new(
        format!("http://{addr}"),
        AccessToken::new(TOKEN),
        DEMO_LOCATION_ID,
    ))
    .unwrap()
}

/// The client plus the sandbox's admin side.
struct Shop {
    client: ShopifyFulfilment,
    admin: Admin,
}

impl Shop {
    async fn new(bucket: f64, restore: f64) -> Self {
        let addr = start(bucket, restore).await;
        Self {
            client: client(addr),
            admin: Admin::new(addr),
        }
    }

    async fn order(&self, body: Value) -> Value {
        let response = self
            .admin
            .http
            .post(format!("{}/_sandbox/orders", self.admin.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    }

    async fn seen(&self, order: &str) -> Value {
        let body = self
            .admin
            .query(
                READ_BACK,
                json!({ "id": format!("gid://shopify/Order/{order}") }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["order"].clone()
    }

    async fn admin_view(&self, order: &str) -> Value {
        self.admin
            .http
            .get(format!("{}/_sandbox/orders/{order}", self.admin.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for Shop {
    fn channel(&self) -> &dyn ChannelFulfilment {
        &self.client
    }

    async fn place_order(&self, lines: &[(&str, i64)]) -> String {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, quantity)| json!({ "sku": sku, "quantity": quantity }))
            .collect();
        let order = self.order(json!({ "line_items": lines })).await;
        order["id"].as_u64().unwrap().to_string()
    }

    async fn fulfilments(&self, channel_order_id: &str) -> Vec<SeenFulfilment> {
        let order = self.seen(channel_order_id).await;
        order["fulfillments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| SeenFulfilment {
                tracking_numbers: f["trackingInfo"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|t| t["number"].as_str().map(str::to_string))
                    .collect(),
                lines: f["fulfillmentLineItems"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| FulfilledLine {
                        sku: l["lineItem"]["sku"].as_str().unwrap().to_string(),
                        quantity: l["quantity"].as_i64().unwrap(),
                    })
                    .collect(),
            })
            .collect()
    }

    async fn completed(&self, channel_order_id: &str) -> bool {
        self.seen(channel_order_id).await["displayFulfillmentStatus"] == "FULFILLED"
    }
}

// Shopify Plus's rate, so the contract's several reads per case are not paced for seconds.
switchyard_fulfilment::channel_fulfilment_contract_tests!(Shop::new(4000.0, 2000.0).await);

fn shipment(order: &str, id: &str, lines: &[(&str, i64)], tracking: &[&str]) -> ChannelShipment {
    ChannelShipment {
        channel_order_id: order.into(),
        shipment_id: id.into(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| FulfilledLine {
                sku: sku.to_string(),
                quantity: *quantity,
            })
            .collect(),
        carrier: Some("UPS".into()),
        service: Some("Ground".into()),
        tracking_numbers: tracking.iter().map(|t| t.to_string()).collect(),
        shipped_at: chrono::Utc::now(),
        completes_order: false,
    }
}

#[tokio::test]
async fn a_sku_split_over_two_fulfillment_orders_is_one_fulfillment_of_both() {
    let shop = Shop::new(4000.0, 2000.0).await;
    let order = shop
        .order(json!({ "line_items": [
            { "sku": "A", "quantity": 2, "fulfillment_order": 0 },
            { "sku": "A", "quantity": 3, "fulfillment_order": 1 },
            { "sku": "B", "quantity": 1, "fulfillment_order": 1 },
        ]}))
        .await;
    let id = order["id"].as_u64().unwrap().to_string();
    assert_eq!(order["fulfillment_orders"].as_array().unwrap().len(), 2);

    let outcome = shop
        .client
        .fulfil(&shipment(&id, "CS-S1", &[("A", 4)], &["1ZSPLIT"]))
        .await
        .unwrap();
    assert!(matches!(outcome, FulfilOutcome::Created { .. }));

    let view = shop.admin_view(&id).await;
    assert_eq!(view["fulfillments"].as_array().unwrap().len(), 1);
    // The first fulfillment order is done; the second still holds one A and the B.
    assert_eq!(view["fulfillment_orders"][0]["status"], "CLOSED");
    assert_eq!(view["fulfillment_orders"][1]["status"], "IN_PROGRESS");
    assert_eq!(
        view["fulfillment_orders"][1]["line_items"][0]["remaining"],
        1
    );
    let f = &view["fulfillments"][0];
    assert_eq!(f["notify_customer"], true);
    assert_eq!(f["tracking_company"], "UPS");
    assert_eq!(f["tracking_numbers"], json!(["1ZSPLIT"]));
    assert_eq!(
        shop.seen(&id).await["displayFulfillmentStatus"],
        "PARTIALLY_FULFILLED"
    );
}

#[tokio::test]
async fn more_than_is_left_is_refused_and_writes_nothing() {
    let shop = Shop::new(4000.0, 2000.0).await;
    let id = shop.place_order(&[("A", 2)]).await;
    let error = shop
        .client
        .fulfil(&shipment(&id, "CS-X", &[("A", 3)], &["1ZX"]))
        .await
        .unwrap_err();
    assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    let error = shop
        .client
        .fulfil(&shipment(&id, "CS-Y", &[("NOT-ON-ORDER", 1)], &["1ZY"]))
        .await
        .unwrap_err();
    assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    assert!(shop.fulfilments(&id).await.is_empty());
    let calls = shop.admin.calls().await;
    assert!(
        calls.iter().all(|c| c["operation"] != "mutation"),
        "{calls:#?}"
    );
}

#[tokio::test]
async fn the_sandbox_refuses_quantities_above_remaining_with_user_errors() {
    let shop = Shop::new(4000.0, 2000.0).await;
    let order = shop
        .order(json!({ "line_items": [{ "sku": "A", "quantity": 2 }] }))
        .await;
    let fo = order["fulfillment_orders"][0].as_str().unwrap().to_string();
    let lines = shop
        .admin
        .query(
            "query($id: ID!) { node(id: $id) { ... on FulfillmentOrder { status lineItems(first: 5) { nodes { id remainingQuantity totalQuantity } } } } }",
            json!({ "id": fo }),
        )
        .await;
    let fo_node = &lines["data"]["node"];
    assert_eq!(fo_node["status"], "OPEN");
    let line = fo_node["lineItems"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let create = |quantity: i64| {
        json!({ "f": {
            "lineItemsByFulfillmentOrder": [{
                "fulfillmentOrderId": fo,
                "fulfillmentOrderLineItems": [{ "id": line, "quantity": quantity }],
            }],
        }})
    };
    const M: &str = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id status } userErrors { field message } } }";
    let too_many = shop.admin.query(M, create(3)).await;
    assert!(too_many["data"]["fulfillmentCreate"]["fulfillment"].is_null());
    assert_eq!(
        too_many["data"]["fulfillmentCreate"]["userErrors"][0]["message"],
        "Invalid fulfillment order line item quantity requested."
    );
    let part = shop.admin.query(M, create(1)).await;
    assert_eq!(
        part["data"]["fulfillmentCreate"]["fulfillment"]["status"],
        "SUCCESS"
    );
    let view = shop.admin_view(&order["id"].to_string()).await;
    assert_eq!(view["fulfillment_orders"][0]["status"], "IN_PROGRESS");
    let rest = shop.admin.query(M, create(1)).await;
    assert!(
        rest["data"]["fulfillmentCreate"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let view = shop.admin_view(&order["id"].to_string()).await;
    assert_eq!(view["fulfillment_orders"][0]["status"], "CLOSED");
    // A closed fulfillment order takes nothing more.
    let again = shop.admin.query(M, create(1)).await;
    assert!(
        !again["data"]["fulfillmentCreate"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // 2026-04 has no idempotency key on fulfillmentCreate: the directive is refused.
    let keyed = shop
        .admin
        .query(
            "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) @idempotent(key: \"k1\") { fulfillment { id } } }",
            create(1),
        )
        .await;
    assert!(
        keyed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("@idempotent"),
        "{keyed}"
    );
    // An input field FulfillmentInput does not have is a GraphQL error, not ignored.
    let bad = shop
        .admin
        .query(
            M,
            json!({ "f": { "lineItemsByFulfillmentOrder": [], "trackingNumber": "1Z" } }),
        )
        .await;
    assert!(
        bad["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{bad}"
    );
}

#[tokio::test]
async fn a_failing_shop_is_unavailable_and_the_retry_fulfils_once() {
    let shop = Shop::new(4000.0, 2000.0).await;
    let id = shop.place_order(&[("A", 1)]).await;
    let s = shipment(&id, "CS-F", &[("A", 1)], &["1ZF"]);
    shop.admin.faults(1).await;
    let error = shop.client.fulfil(&s).await.unwrap_err();
    assert!(
        matches!(error, PushError::Unavailable(_)) && error.is_transient(),
        "{error:?}"
    );
    assert!(shop.fulfilments(&id).await.is_empty());
    let outcome = shop.client.fulfil(&s).await.unwrap();
    assert!(matches!(outcome, FulfilOutcome::Created { .. }));
    assert_eq!(shop.fulfilments(&id).await.len(), 1);
}

#[tokio::test]
async fn a_long_throttle_is_returned_with_its_wait_and_fulfils_nothing() {
    // 700 points, refilling at 1 a second: after one read the next waits minutes.
    let shop = Shop::new(700.0, 1.0).await;
    let id = shop.place_order(&[("A", 1)]).await;
    // Another app spends most of the bucket first (200 items read: 400 points, all used).
    shop.admin.list("SPEND", 1).await;
    let item = shop.admin.item_id("SPEND").await;
    let spent = shop
        .admin
        .query(
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: \"gid://shopify/Location/1\") { id } } } }",
            json!({ "ids": vec![item; 200] }),
        )
        .await;
    assert_eq!(
        spent["extensions"]["cost"]["actualQueryCost"], 400,
        "{spent}"
    );
    let error = shop
        .client
        .fulfil(&shipment(&id, "CS-T", &[("A", 1)], &["1ZT"]))
        .await
        .unwrap_err();
    match error {
        PushError::Throttled { retry_after } => {
            assert!(retry_after.as_secs() > 5, "{retry_after:?}")
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert!(
        shop.admin_view(&id).await["fulfillments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
