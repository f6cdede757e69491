//! The EDI store contract against the in-memory twin (the DynamoDB run is in `tests/adapters`).

switchyard_edi_outbox::edi_store_contract_tests!(switchyard_edi_outbox::InMemoryEdiStore::new());
