//! Orders as an ERP outage past `maxReceiveCount` leaves them: each record `RECEIVED`, its
//! failure record dead-lettered, its message in the orders DLQ. Seeded directly, so a test of
//! the operators' tools need not take Tryton down for minutes.

use chrono::Utc;
use switchyard_failures::{DynamoDbFailureStore, Failure, FailureClass, FailureKey, FailureStore};
use switchyard_model::Order;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_orders::{DynamoDbOrderStore, OrderRecord, OrderStore};

use crate::{aws, setting, unique};

/// The stack's order store, failure store and SQS client.
pub struct OpsStores {
    /// Order records.
    pub orders: DynamoDbOrderStore,
    /// Failure records.
    pub failures: DynamoDbFailureStore,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
}

impl OpsStores {
    /// The stores `local.env` names.
    pub async fn from_env() -> Self {
        let config = aws().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        Self {
            orders: DynamoDbOrderStore::new(dynamodb.clone(), setting("SWITCHYARD_ORDERS_TABLE")),
            failures: DynamoDbFailureStore::new(dynamodb, setting("SWITCHYARD_OPS_TABLE")),
            sqs: aws_sdk_sqs::Client::new(&config),
        }
    }

    /// A dead-lettered order of `channel` (a name of the test's own, so a redrive can filter
    /// on it and leave other tests' dead letters alone).
    pub async fn dead_lettered_order(&self, channel: &str, external_id: &str) -> Order {
        let order = switchyard_orders::contract::order(channel, external_id);
        let record = OrderRecord::received(order.clone(), unique("key"), Utc::now());
        self.orders.create(&record).await.unwrap();
        let id = order.id.to_string();
        self.failures
            .record(&Failure {
                key: FailureKey::new("orders", id.clone()),
                class: FailureClass::Transient,
                error: "ERP unavailable (delivery 10 of 10: moving to the dead-letter queue)"
                    .into(),
                function: "order-processor".into(),
                queue: "orders".into(),
                correlation_id: Some(id.clone()),
                channel: Some(channel.to_string()),
                message_id: None,
                dead_lettered: true,
                at: Utc::now(),
            })
            .await
            .unwrap();
        let envelope = Envelope::new(
            channel,
            id,
            OrderSubmitted {
                order: order.clone(),
            },
        );
        self.sqs
            .send_message()
            .queue_url(setting("SWITCHYARD_ORDERS_DLQ_URL"))
            .message_body(serde_json::to_string(&envelope).unwrap())
            .send()
            .await
            .unwrap();
        order
    }
}

/// The orders DLQ's name.
pub fn orders_dlq() -> String {
    setting("SWITCHYARD_ORDERS_DLQ_URL")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

/// The stack's `switchyard` binary.
pub fn switchyard() -> std::process::Command {
    std::process::Command::new(format!(
        "{}/bin/switchyard",
        setting("SWITCHYARD_STACK_DIR")
    ))
}
