//! The idempotency contract against the in-memory twin (the DynamoDB run is in `tests/adapters`).

switchyard_idempotency::contract_tests!(switchyard_idempotency::InMemoryIdempotencyStore::new());
