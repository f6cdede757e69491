//! The rate limiter contract on DynamoDB.

switchyard_throttle::rate_limiter_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "rate").await;
    switchyard_throttle::DynamoDbRateLimiter::new(client, table)
});
