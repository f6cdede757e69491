//! The EDI store contract on DynamoDB.

switchyard_edi_outbox::edi_store_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_sorted_table(&config, "edi").await;
    switchyard_edi_outbox::DynamoDbEdiStore::new(client, table)
});
