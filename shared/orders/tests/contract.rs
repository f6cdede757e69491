//! The order store and orders queue contracts against the in-memory twins (the DynamoDB and SQS
//! runs are in `tests/adapters`).

mod order_store {
    switchyard_orders::order_store_contract_tests!(switchyard_orders::InMemoryOrderStore::new());
}

mod order_queue {
    switchyard_orders::order_queue_contract_tests!(
        switchyard_orders::contract::QueueUnderTest::in_memory()
    );
}
