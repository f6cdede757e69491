//! Tryton stops while orders flow, then comes back: every order ends ACCEPTED exactly once.
//! (Its own test binary: stopping the shared Tryton must not overlap other tests.)

use std::time::Duration;

use switchyard_e2e::{Stack, aws, erp, order, setting, tryton, unique, wait_until};
use switchyard_model::OrderId;
use switchyard_orders::{DynamoDbOrderStore, OrderStore};

/// Restarts Tryton even when an assertion fails half way.
struct RestartOnDrop(bool);
impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if self.0 {
            erp("start");
        }
    }
}

#[tokio::test]
async fn orders_survive_an_erp_outage_and_post_exactly_once() {
    let stack = Stack::from_env();
    erp("stop");
    let mut guard = RestartOnDrop(true);

    let mut submitted = Vec::new();
    for _ in 0..3 {
        let external_id = unique("OUTAGE");
        let answer = stack
            .submit(
                &stack.demo_key,
                &unique("key"),
                &order(&external_id, &[("WIDGET-M", 1, "14.50")]),
            )
            .await;
        assert_eq!(
            answer.status, 202,
            "capture does not need the ERP: {}",
            answer.body
        );
        submitted.push((external_id, answer.body["id"].as_str().unwrap().to_string()));
    }
    // Evidence that the processor got to each order while the ERP was down: it notes the
    // failed delivery on the record. Only then does "still RECEIVED" mean something.
    let orders = &DynamoDbOrderStore::new(
        aws_sdk_dynamodb::Client::new(&aws().await),
        setting("SWITCHYARD_ORDERS_TABLE"),
    );
    for (_, id) in &submitted {
        let order_id: OrderId = id.parse().unwrap();
        let noted = wait_until(
            Duration::from_secs(60),
            &format!("the processor to try order {id} and note the ERP failure"),
            || async move {
                let record = orders.get(order_id).await.unwrap().unwrap().value;
                record
                    .last_error
                    .ok_or_else(|| format!("status {:?}, no failure noted", record.status))
            },
        )
        .await;
        assert!(noted.contains("(delivery "), "{noted}");
        let view = stack.order(&stack.demo_key, id).await;
        assert_eq!(
            view.body["status"], "RECEIVED",
            "nothing can be accepted while the ERP is down"
        );
    }

    erp("start");
    guard.0 = false;
    let erp = tryton();
    for (external_id, id) in &submitted {
        let view = stack.wait_final(id, Duration::from_secs(90)).await;
        assert_eq!(view["status"], "ACCEPTED", "{view}");
        let sales = erp
            .sales_with_reference(&format!("demo-shop:{external_id}"))
            .await
            .unwrap();
        assert_eq!(sales.len(), 1, "exactly one sale for {external_id}");
    }
}
