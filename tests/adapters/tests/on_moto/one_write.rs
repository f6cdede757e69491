//! The one-write capture contract on DynamoDB: the order, its external id and the completed key
//! in one transaction across the orders and idempotency tables.

use std::sync::Arc;

use switchyard_adapter_tests::moto::{create_orders_table, create_table, moto_config};
use switchyard_idempotency::DynamoDbIdempotencyStore;
use switchyard_intake::DynamoDbOneWriteCapture;
use switchyard_intake::one_write::contract::Subject;
use switchyard_orders::DynamoDbOrderStore;

switchyard_intake::one_write_capture_contract_tests!({
    let config = moto_config().await;
    let (client, orders_table) = create_orders_table(&config).await;
    let (_, idempotency_table) = create_table(&config, "idempotency").await;
    let orders = DynamoDbOrderStore::new(client.clone(), orders_table);
    let idempotency = DynamoDbIdempotencyStore::new(client.clone(), idempotency_table);
    Subject {
        capture: Arc::new(DynamoDbOneWriteCapture::new(
            client,
            orders.clone(),
            idempotency.clone(),
        )),
        orders: Arc::new(orders),
        idempotency: Arc::new(idempotency),
    }
});
