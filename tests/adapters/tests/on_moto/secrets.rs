//! The secret store contract on SSM (each case names its own parameters, so cases share moto).

switchyard_secrets::secret_store_contract_tests!({
    let config = switchyard_adapter_tests::moto::moto_config().await;
    switchyard_secrets::SsmSecretStore::new(aws_sdk_ssm::Client::new(&config))
});
