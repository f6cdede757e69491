//! The event publisher contract against the in-memory twin (the EventBridge run is in
//! `tests/adapters`).

switchyard_events::event_publisher_contract_tests!(switchyard_events::InMemoryPublisher::new());
