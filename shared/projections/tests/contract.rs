//! The ProjectionStore contract against the in-memory twin (DynamoDB runs it in tests/adapters).

switchyard_projections::projection_store_contract_tests!(
    store: switchyard_projections::InMemoryProjectionStore::new(),
    run: "twin".to_string(),
);
