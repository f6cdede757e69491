//! A redrive of 100 dead-lettered orders, killed half way and run again: every order is posted
//! exactly once, none is lost. (The redrive sends each message before deleting it, so the kill
//! can at worst leave one sent twice; the processor posts an order once.)

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use switchyard_e2e::{aws, setting, tryton, unique, wait_until};
use switchyard_failures::{DynamoDbFailureStore, Failure, FailureClass, FailureKey, FailureStore};
use switchyard_model::OrderStatus;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_orders::{DynamoDbOrderStore, OrderRecord, OrderStore};

const ORDERS: usize = 100;
const POSTED_WITHIN: Duration = Duration::from_secs(240);

fn switchyard() -> std::process::Command {
    std::process::Command::new(format!(
        "{}/bin/switchyard",
        setting("SWITCHYARD_STACK_DIR")
    ))
}

#[tokio::test]
async fn a_redrive_of_100_orders_killed_half_way_and_run_again_posts_each_once() {
    let config = aws().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let orders = Arc::new(DynamoDbOrderStore::new(
        dynamodb.clone(),
        setting("SWITCHYARD_ORDERS_TABLE"),
    ));
    let failures = DynamoDbFailureStore::new(dynamodb, setting("SWITCHYARD_OPS_TABLE"));
    let sqs = aws_sdk_sqs::Client::new(&config);
    let dlq_url = setting("SWITCHYARD_ORDERS_DLQ_URL");
    let dlq = dlq_url.rsplit('/').next().unwrap().to_string();
    // A channel of this test's own, so the redrive's filter leaves other tests' dead letters.
    let channel = unique("rd").to_lowercase();

    // What an ERP outage past maxReceiveCount leaves: each order RECEIVED, its failure record
    // dead-lettered, its message in the orders DLQ.
    let mut placed = vec![];
    for n in 0..ORDERS {
        let order = switchyard_orders::contract::order(&channel, &format!("PO-{n}"));
        let record = OrderRecord::received(order.clone(), unique("key"), Utc::now());
        orders.create(&record).await.unwrap();
        let id = order.id.to_string();
        let envelope = Envelope::new(
            channel.clone(),
            id.clone(),
            OrderSubmitted {
                order: order.clone(),
            },
        );
        failures
            .record(&Failure {
                key: FailureKey::new("orders", id.clone()),
                class: FailureClass::Transient,
                error: "ERP unavailable (delivery 10 of 10: moving to the dead-letter queue)"
                    .into(),
                function: "order-processor".into(),
                queue: "orders".into(),
                correlation_id: Some(id.clone()),
                channel: Some(channel.clone()),
                message_id: None,
                dead_lettered: true,
                at: Utc::now(),
            })
            .await
            .unwrap();
        sqs.send_message()
            .queue_url(&dlq_url)
            .message_body(serde_json::to_string(&envelope).unwrap())
            .send()
            .await
            .unwrap();
        placed.push(order);
    }
    let filter = format!("channel={channel}");

    // Slowly, so it can be killed half way: once a third of the orders are posted.
    let mut first = switchyard()
        .args([
            "dlq",
            "redrive",
            &dlq,
            "--filter",
            &filter,
            "--rate",
            "10/s",
            "--execute",
            "--yes",
            "--json",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the redrive");
    let accepted = |orders: Arc<DynamoDbOrderStore>, ids: Vec<switchyard_model::OrderId>| async move {
        let mut n = 0;
        for id in ids {
            if let Some(r) = orders.get(id).await.unwrap()
                && r.value.status == OrderStatus::Accepted
            {
                n += 1;
            }
        }
        n
    };
    let ids: Vec<_> = placed.iter().map(|o| o.id).collect();
    wait_until(POSTED_WITHIN, "a third of the orders posted", || {
        let (orders, ids) = (orders.clone(), ids.clone());
        async move { (accepted(orders, ids).await >= ORDERS / 3).then_some(()) }
    })
    .await;
    first.kill().expect("kill the redrive");
    let _ = first.wait();
    let half_way = accepted(orders.clone(), ids.clone()).await;
    assert!(
        half_way < ORDERS,
        "killed before the end ({half_way} posted)"
    );

    let second = switchyard()
        .args([
            "dlq",
            "redrive",
            &dlq,
            "--filter",
            &filter,
            "--execute",
            "--yes",
            "--json",
        ])
        .output()
        .expect("run the redrive again");
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );

    wait_until(POSTED_WITHIN, "every order posted", || {
        let (orders, ids) = (orders.clone(), ids.clone());
        async move {
            let n = accepted(orders, ids).await;
            if n == ORDERS {
                Ok(())
            } else {
                Err(format!("{n} of {ORDERS}"))
            }
        }
    })
    .await;
    let erp = tryton();
    for order in &placed {
        let sales = erp
            .sales_with_reference(&order.erp_reference())
            .await
            .unwrap();
        assert_eq!(sales.len(), 1, "{}: exactly one sale", order.external_id);
        let record = failures
            .get(&FailureKey::new("orders", order.id.to_string()))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !record.is_open(),
            "{}: its failure record resolved",
            order.id
        );
    }
}
