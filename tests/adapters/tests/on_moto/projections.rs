//! The projection store contract on DynamoDB: versioned conditional writes and batched reads.

switchyard_projections::projection_store_contract_tests!(
    store: {
        let config = switchyard_adapter_tests::moto::moto_config().await;
        let (client, table) =
            switchyard_adapter_tests::moto::create_sorted_table(&config, "projections").await;
        switchyard_projections::DynamoDbProjectionStore::new(client, table)
    },
    run: switchyard_adapter_tests::unique_name("run"),
);
