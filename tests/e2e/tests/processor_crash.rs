//! The order-processor dies after Tryton created the sale but before anything was recorded:
//! the redelivery still leaves exactly one sale. Real DynamoDB (moto) and real Tryton; the kill
//! is the processor's task being dropped mid-flight, as a process kill would leave it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::sqs::SqsMessage;
use chrono::Utc;
use order_processor::batch::MessageOutcome;
use order_processor::{BatchProcessor, Ports, RetryPolicy};
use switchyard_e2e::{aws, tryton, unique};
use switchyard_erp::{ErpError, ErpSale, SaleRequest, SalesOrders, TrytonClient};
use switchyard_events::EventBridgePublisher;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_model::{ChannelName, OrderId, OrderStatus};
use switchyard_orders::SqsQueue;
use switchyard_orders::{DynamoDbOrderStore, OrderRecord, OrderStore};

/// Tryton, except that the process "dies" right after the sale is created.
struct DiesAfterCreate {
    inner: TrytonClient,
    created: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl SalesOrders for DiesAfterCreate {
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError> {
        self.inner.find_sale(reference).await
    }
    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError> {
        let sale = self.inner.create_sale(request).await?;
        self.created.notify_one();
        std::future::pending::<()>().await;
        Ok(sale)
    }
    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.confirm_sale(sale_id).await
    }
    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.cancel_sale(sale_id).await
    }
}

#[async_trait::async_trait]
impl switchyard_erp::SaleReturns for DiesAfterCreate {
    async fn find_return(
        &self,
        reference: &str,
    ) -> Result<Option<switchyard_erp::ErpReturn>, ErpError> {
        self.inner.find_return(reference).await
    }
    async fn create_return(
        &self,
        request: &switchyard_erp::ReturnRequest,
    ) -> Result<switchyard_erp::ErpReturn, ErpError> {
        self.inner.create_return(request).await
    }
    async fn confirm_return(&self, id: i64) -> Result<switchyard_erp::ErpReturn, ErpError> {
        self.inner.confirm_return(id).await
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set; run with make test"))
}

async fn processor(erp: Arc<dyn switchyard_erp::Erp>) -> BatchProcessor {
    let config = aws().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let ports = Ports {
        orders: Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            env("SWITCHYARD_ORDERS_TABLE"),
        )),
        erp,
        events: Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&config),
            env("SWITCHYARD_EVENT_BUS"),
        )),
        retries: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            env("SWITCHYARD_ORDERS_QUEUE_URL"),
        )),
        failures: Arc::new(switchyard_failures::DynamoDbFailureStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            env("SWITCHYARD_OPS_TABLE"),
        )),
    };
    BatchProcessor::new(
        ports,
        RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(30),
            max_receive_count: 5,
        },
    )
}

#[tokio::test]
async fn a_crash_after_the_erp_created_the_sale_leaves_one_sale_after_redelivery() {
    let external_id = unique("CRASH");
    let body = serde_json::json!({"external_id": external_id, "currency": "USD",
        "customer": {"account": "ACME-001", "name": "Acme"},
        "ship_to": {"line1": "31875 Solon Rd", "city": "Solon", "region": "OH", "postal_code": "44139", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 1, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: None,
    };
    let order = parse_order(&body, &ctx).unwrap();
    let config = aws().await;
    let orders = DynamoDbOrderStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        env("SWITCHYARD_ORDERS_TABLE"),
    );
    orders
        .create(&OrderRecord::received(
            order.clone(),
            unique("k"),
            Utc::now(),
        ))
        .await
        .unwrap();
    let envelope = Envelope::new(
        "demo-shop",
        order.id.to_string(),
        OrderSubmitted {
            order: order.clone(),
        },
    );
    let mut message = SqsMessage::default();
    message.message_id = Some("first-delivery".into());
    message.body = Some(serde_json::to_string(&envelope).unwrap());
    message
        .attributes
        .insert("ApproximateReceiveCount".into(), "1".into());

    // First delivery: the ERP creates the sale, then the process dies.
    let dying = Arc::new(DiesAfterCreate {
        inner: tryton(),
        created: tokio::sync::Notify::new(),
    });
    let first = processor(dying.clone()).await;
    let lease_ends = SystemTime::now() + Duration::from_secs(3);
    let msg = message.clone();
    let task = tokio::spawn(async move { first.process_message(&msg, lease_ends).await });
    tokio::time::timeout(Duration::from_secs(30), dying.created.notified())
        .await
        .expect("the sale is created");
    task.abort();
    let _ = task.await;

    let reference = format!("demo-shop:{external_id}");
    let erp = tryton();
    assert_eq!(erp.sales_with_reference(&reference).await.unwrap().len(), 1);
    assert_eq!(
        orders.get(order.id).await.unwrap().unwrap().value.status,
        OrderStatus::Received
    );

    // Redelivery after the dead invocation's lease (its deadline) ran out.
    tokio::time::sleep(Duration::from_secs(4)).await;
    message.message_id = Some("redelivery".into());
    message
        .attributes
        .insert("ApproximateReceiveCount".into(), "2".into());
    let second = processor(Arc::new(tryton())).await;
    let outcome = second
        .process_message(&message, SystemTime::now() + Duration::from_secs(30))
        .await;
    assert!(
        matches!(outcome, MessageOutcome::Done(Some(_))),
        "{outcome:?}"
    );

    let sales = erp.sales_with_reference(&reference).await.unwrap();
    assert_eq!(sales.len(), 1, "still exactly one sale");
    assert!(sales[0].state.is_confirmed());
    let record = orders.get(order.id).await.unwrap().unwrap().value;
    assert_eq!(record.status, OrderStatus::Accepted);
    assert_eq!(record.erp_reference, sales[0].number);
}

/// Tryton, except that the process "dies" right after the return sale is created.
struct DiesAfterCreatingTheReturn {
    inner: TrytonClient,
    created: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl SalesOrders for DiesAfterCreatingTheReturn {
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError> {
        self.inner.find_sale(reference).await
    }
    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError> {
        self.inner.create_sale(request).await
    }
    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.confirm_sale(sale_id).await
    }
    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.cancel_sale(sale_id).await
    }
}

#[async_trait::async_trait]
impl switchyard_erp::SaleReturns for DiesAfterCreatingTheReturn {
    async fn find_return(
        &self,
        reference: &str,
    ) -> Result<Option<switchyard_erp::ErpReturn>, ErpError> {
        self.inner.find_return(reference).await
    }
    async fn create_return(
        &self,
        request: &switchyard_erp::ReturnRequest,
    ) -> Result<switchyard_erp::ErpReturn, ErpError> {
        let created = self.inner.create_return(request).await?;
        self.created.notify_one();
        std::future::pending::<()>().await;
        Ok(created)
    }
    async fn confirm_return(&self, id: i64) -> Result<switchyard_erp::ErpReturn, ErpError> {
        self.inner.confirm_return(id).await
    }
}

#[tokio::test]
async fn a_crash_after_the_erp_created_the_return_leaves_one_return_after_redelivery() {
    use switchyard_model::fulfilment_events::{Shipment, ShipmentDispatched, ShippedLine};
    use switchyard_model::returns::{ReturnLine, ReturnRequested, ReturnStatus};

    let external_id = unique("RETURN-CRASH");
    let body = serde_json::json!({"external_id": external_id, "currency": "USD",
        "customer": {"account": "ACME-001", "name": "Acme"},
        "ship_to": {"line1": "31875 Solon Rd", "city": "Solon", "region": "OH", "postal_code": "44139", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: None,
    };
    let order = parse_order(&body, &ctx).unwrap();
    let config = aws().await;
    let orders = DynamoDbOrderStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        env("SWITCHYARD_ORDERS_TABLE"),
    );
    orders
        .create(&OrderRecord::received(
            order.clone(),
            unique("k"),
            Utc::now(),
        ))
        .await
        .unwrap();
    let submitted = Envelope::new(
        "demo-shop",
        order.id.to_string(),
        OrderSubmitted {
            order: order.clone(),
        },
    );
    let mut message = SqsMessage::default();
    message.message_id = Some("order".into());
    message.body = Some(serde_json::to_string(&submitted).unwrap());
    message
        .attributes
        .insert("ApproximateReceiveCount".into(), "1".into());
    let normal = processor(Arc::new(tryton())).await;
    normal
        .process_message(&message, SystemTime::now() + Duration::from_secs(30))
        .await;

    // The warehouse ships it; the record holds the shipment and a return of one unit.
    let read = orders.get(order.id).await.unwrap().unwrap();
    let mut record = read.value;
    let sale = record.erp_reference.clone().expect("accepted");
    let shipment = switchyard_e2e::warehouse::warehouse(&[
        "ship",
        &sale,
        "--carrier",
        "UPS",
        "--tracking",
        &unique("1Z"),
    ]);
    record
        .record_shipment(
            &ShipmentDispatched {
                order_id: order.id,
                erp_reference: sale,
                shipment: Shipment {
                    shipment_id: shipment,
                    lines: vec![ShippedLine {
                        sku: "WIDGET-S".try_into().unwrap(),
                        quantity: 2.into(),
                    }],
                    carrier: Some("UPS".into()),
                    service: None,
                    tracking_numbers: vec![],
                    shipped_at: Utc::now(),
                },
                erp_version: 1,
                observed_at: Utc::now(),
            },
            "api",
            Utc::now(),
        )
        .unwrap();
    let return_id = record
        .request_return(
            vec![ReturnLine {
                sku: "WIDGET-S".try_into().unwrap(),
                quantity: 1.into(),
                reason: "damaged".into(),
            }],
            &unique("rk"),
            Utc::now(),
        )
        .unwrap()
        .id;
    orders.save(&record, read.version).await.unwrap();

    let request = Envelope::new(
        "demo-shop",
        order.id.to_string(),
        ReturnRequested {
            return_id: return_id.clone(),
            order_id: order.id,
        },
    );
    message.message_id = Some("return".into());
    message.body = Some(serde_json::to_string(&request).unwrap());
    let dying = Arc::new(DiesAfterCreatingTheReturn {
        inner: tryton(),
        created: tokio::sync::Notify::new(),
    });
    let first = processor(dying.clone()).await;
    let msg = message.clone();
    let task = tokio::spawn(async move {
        first
            .process_message(&msg, SystemTime::now() + Duration::from_secs(30))
            .await
    });
    tokio::time::timeout(Duration::from_secs(30), dying.created.notified())
        .await
        .expect("the return sale is created");
    task.abort();
    let _ = task.await;
    let reference = format!("return:{return_id}");
    let erp = tryton();
    assert_eq!(erp.sales_with_reference(&reference).await.unwrap().len(), 1);

    message
        .attributes
        .insert("ApproximateReceiveCount".into(), "2".into());
    let outcome = normal
        .process_message(&message, SystemTime::now() + Duration::from_secs(30))
        .await;
    assert!(matches!(outcome, MessageOutcome::Done(_)), "{outcome:?}");
    let returns = erp.sales_with_reference(&reference).await.unwrap();
    assert_eq!(returns.len(), 1, "still exactly one return sale");
    let record = orders.get(order.id).await.unwrap().unwrap().value;
    let the_return = record.return_of(&return_id).unwrap();
    assert_eq!(the_return.status, ReturnStatus::Authorized);
    assert_eq!(the_return.erp_reference, returns[0].number);
}
