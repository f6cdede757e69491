//! The channel directory contract against the in-memory twin (the DynamoDB run is in
//! `tests/adapters`).

switchyard_channels::channel_directory_contract_tests!(
    switchyard_channels::InMemoryChannelDirectory::new()
);
