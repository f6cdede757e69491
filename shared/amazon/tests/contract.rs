//! The `AmazonOrders` contract against the in-memory twin, loaded from `local/sp-api` (the
//! files the SP-API sandbox serves to the real client in `tools/sp-api-sandbox/tests/contract.rs`).

use std::sync::Arc;

use switchyard_amazon::contract::{Backend, Recorded};
use switchyard_amazon::{Fault, InMemoryAmazonOrders};

fn twin() -> InMemoryAmazonOrders {
    InMemoryAmazonOrders::from_dir(Recorded::local_sp_api().data_dir)
        .expect("local/sp-api loads into the twin")
}

fn failing(fault: Fault) -> Backend {
    let twin = twin();
    twin.fail_with(fault);
    Arc::new(twin)
}

switchyard_amazon::amazon_orders_contract! {
    recorded: Recorded::local_sp_api(),
    healthy: Arc::new(twin()),
    throttled: failing(Fault::Throttled),
    unavailable: failing(Fault::Unavailable),
}
