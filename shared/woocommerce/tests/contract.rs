//! The ChannelStock contract against `WooInventory` talking to the woo-sandbox in-process: once
//! with simple products, once with every SKU a variation (so each push goes through the parent's
//! variations batch, 260 variations of one parent split into batches of at most 100).

mod common;

mod simple_products {
    use super::common;
    switchyard_inventory::channel_stock_contract_tests!(
        channel: common::Woo::simple().await,
        run: common::run(),
    );
}

mod variations {
    use super::common;
    switchyard_inventory::channel_stock_contract_tests!(
        channel: common::Woo::variations().await,
        run: common::run(),
    );
}
