//! The secret store contract against the in-memory twin (the SSM run is in `tests/adapters`).

switchyard_secrets::secret_store_contract_tests!(switchyard_secrets::InMemorySecretStore::new());
