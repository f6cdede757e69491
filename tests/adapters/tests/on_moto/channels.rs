//! The channel directory contract on DynamoDB.

switchyard_channels::channel_directory_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    let (client, table) = switchyard_adapter_tests::moto::create_table(&config, "channels").await;
    switchyard_channels::DynamoDbChannelDirectory::new(client, table)
});
