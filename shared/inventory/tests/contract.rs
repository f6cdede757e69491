//! The ChannelStock contract against the in-memory twin (the sandboxes run it in their crates).

switchyard_inventory::channel_stock_contract_tests!(
    channel: switchyard_inventory::InMemoryChannelStock::new(),
    run: "twin".to_string(),
);
