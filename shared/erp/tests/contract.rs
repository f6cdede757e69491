//! The `SalesOrders` contract on the in-memory twin: the fast tier (no service). The same cases
//! run against a real Tryton in `tests/adapters` (`on_tryton`); a case that passes there and
//! fails here means the twin is wrong.

switchyard_erp::sales_orders_contract!(
    backend: switchyard_erp::InMemoryErp::new(),
    fixture: switchyard_erp::contract::Fixture::demo("twin"),
);

/// The read side (stock, prices, change feed) on the twin.
mod catalog {
    switchyard_erp::erp_catalog_contract!(
        backend: switchyard_erp::InMemoryErp::new(),
        fixture: switchyard_erp::contract::CatalogFixture::demo("TWIN"),
    );
}

/// The fulfilment side (shipments, invoices, returns) on the twin.
mod fulfilment {
    switchyard_erp::erp_fulfilment_contract!(
        backend: switchyard_erp::InMemoryErp::new(),
        fixture: switchyard_erp::contract::fulfilment::FulfilmentFixture::demo("TWIN"),
    );
}
