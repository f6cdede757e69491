//! Reconciliation on the local stack: an order whose queue message was lost (deleted by hand,
//! a purged queue) is found by the scheduled reconciler and posted, once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use switchyard_e2e::{Stack, aws, setting, tryton, unique};
use switchyard_orders::{DynamoDbOrderStore, OrderRecord, OrderStore};

/// The reconciler runs every 10 s locally and calls an order stuck after a minute.
const FOUND_WITHIN: Duration = Duration::from_secs(90);

#[tokio::test]
async fn an_order_whose_queue_message_was_deleted_is_found_by_reconciliation_and_posted_once() {
    let stack = Stack::from_env();
    let orders = Arc::new(DynamoDbOrderStore::new(
        aws_sdk_dynamodb::Client::new(&aws().await),
        setting("SWITCHYARD_ORDERS_TABLE"),
    ));
    // What the intake leaves when its message is then deleted from the queue by hand: the
    // record, RECEIVED five minutes ago, and nothing in any queue.
    let external_id = unique("LOST");
    let order = switchyard_orders::contract::order("demo-shop", &external_id);
    let id = order.id.to_string();
    let reference = order.erp_reference();
    let record = OrderRecord::received(
        order,
        unique("key"),
        Utc::now() - chrono::Duration::minutes(5),
    );
    orders.create(&record).await.unwrap();

    let view = stack.wait_final(&id, FOUND_WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let sales = tryton().sales_with_reference(&reference).await.unwrap();
    assert_eq!(sales.len(), 1, "exactly one sale");
    assert_eq!(view["erp_reference"].as_str(), sales[0].number.as_deref());
    let log = switchyard_e2e::runner_log();
    assert!(
        log.lines().any(|l| l.starts_with("[reconciler#")
            && l.contains(&id)
            && l.contains("queued again")),
        "the reconciler reported the order it queued again"
    );
}
