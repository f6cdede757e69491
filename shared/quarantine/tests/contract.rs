//! The quarantine contract against the in-memory twin (the SQS run is in `tests/adapters`).

switchyard_quarantine::quarantine_contract_tests!(switchyard_quarantine::InMemoryQuarantine::new());
