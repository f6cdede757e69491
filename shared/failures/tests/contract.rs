//! The failure store and audit log contracts on the in-memory twins.

switchyard_failures::failure_store_contract_tests!(switchyard_failures::InMemoryFailureStore::new());
switchyard_failures::audit_log_contract_tests!(switchyard_failures::InMemoryAuditLog::new());
