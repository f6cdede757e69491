//! The failure store and audit log contracts on DynamoDB: version-conditional folds and
//! transactional, never-overwriting audit appends, each test on its own ops table.

switchyard_failures::failure_store_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_sorted_table(&config, "ops").await;
    switchyard_failures::DynamoDbFailureStore::new(client, table)
});

switchyard_failures::audit_log_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_sorted_table(&config, "ops").await;
    switchyard_failures::DynamoDbAuditLog::new(client, table)
});
