//! The idempotency contract on DynamoDB.

switchyard_idempotency::contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) =
        switchyard_adapter_tests::moto::create_table(&config, "idempotency").await;
    switchyard_idempotency::DynamoDbIdempotencyStore::new(client, table)
});
