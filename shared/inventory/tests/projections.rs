//! The typed stock and price projections over the in-memory store (the store's own contract runs
//! on DynamoDB): reordered and repeated events never move a projection back, and a quote picks
//! the contract price, its quantity break and its validity.

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use switchyard_inventory::prices::{
    LIST_PRICE, customer_price_list, project_customer_price_list, project_prices, read_pricing,
};
use switchyard_inventory::stock::{project_stock, read_stock};
use switchyard_model::catalog_events::{
    CustomerPriceListChanged, InventoryChanged, PriceBreak, PriceChanged, WarehouseLevel,
};
use switchyard_model::{Currency, Sku};
use switchyard_projections::{Applied, InMemoryProjectionStore};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::try_from(s).unwrap()
}

fn level(available: &str, version: i64) -> InventoryChanged {
    InventoryChanged {
        sku: sku("WIDGET-S"),
        on_hand: dec("500"),
        available: dec(available),
        warehouses: vec![WarehouseLevel {
            warehouse: "WH".into(),
            on_hand: dec("500"),
            available: dec(available),
            as_of: Utc::now(),
        }],
        unit: "u".into(),
        whole_units: true,
        as_of: Utc::now(),
        erp_version: version,
        observed_at: Utc::now(),
    }
}

#[tokio::test]
async fn reordered_and_repeated_levels_never_move_the_projection_back() {
    let store = InMemoryProjectionStore::new();
    // The newest level, an older one arriving late, the newest again (a redelivery), the oldest.
    let newest = level("480", 3);
    let events = [newest.clone(), level("490", 2), newest, level("500", 1)];
    let applied: Vec<Applied> = project_all(&store, &events).await;
    assert_eq!(
        applied,
        [
            Applied::Written,
            Applied::Stale,
            Applied::Stale,
            Applied::Stale
        ]
    );
    let read = read_stock(&store, &[sku("WIDGET-S"), sku("NOPE")])
        .await
        .unwrap();
    assert_eq!(read[0].as_ref().unwrap().available, dec("480"));
    assert_eq!(read[1], None);
    project_stock(&store, &level("470", 4)).await.unwrap();
    let read = read_stock(&store, &[sku("WIDGET-S")]).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().available, dec("470"));
    // The same ERP version read again later (a transaction that committed late under an old
    // stamp) is a newer state, and replaces it.
    let mut later = level("465", 4);
    later.observed_at += chrono::Duration::seconds(1);
    project_stock(&store, &later).await.unwrap();
    let read = read_stock(&store, &[sku("WIDGET-S")]).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().available, dec("465"));
}

async fn project_all(store: &InMemoryProjectionStore, events: &[InventoryChanged]) -> Vec<Applied> {
    let mut applied = vec![];
    for e in events {
        applied.push(project_stock(store, e).await.unwrap());
    }
    applied
}

fn prices(list: &str, breaks: &[(&str, &str)], until: Option<NaiveDate>) -> PriceChanged {
    PriceChanged {
        sku: sku("WIDGET-S"),
        price_list: list.into(),
        currency: Currency::from_code("USD").unwrap(),
        breaks: breaks
            .iter()
            .map(|(q, p)| PriceBreak {
                min_quantity: dec(q),
                unit_price: dec(p),
            })
            .collect(),
        valid_from: None,
        valid_until: until,
        as_of: Utc::now(),
        erp_version: 1,
        observed_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_contract_customer_gets_its_price_and_its_quantity_break() {
    let store = InMemoryProjectionStore::new();
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    project_prices(&store, &prices(LIST_PRICE, &[("0", "9.25")], None))
        .await
        .unwrap();
    project_prices(
        &store,
        &prices(
            "ACME contract",
            &[("0", "8.3250"), ("50", "7.8625")],
            NaiveDate::from_ymd_opt(2026, 12, 31),
        ),
    )
    .await
    .unwrap();
    project_customer_price_list(
        &store,
        &CustomerPriceListChanged {
            customer_account: "ACME-001".into(),
            price_list: Some("ACME contract".into()),
            as_of: Utc::now(),
            erp_version: 1,
            observed_at: Utc::now(),
        },
    )
    .await
    .unwrap();

    let list = customer_price_list(&store, "ACME-001")
        .await
        .unwrap()
        .unwrap();
    let pricing = read_pricing(&store, list.price_list.as_deref(), &[sku("WIDGET-S")])
        .await
        .unwrap();
    let one = pricing[0].quote(dec("1"), today).unwrap();
    assert_eq!(
        (one.unit_price, one.source.as_str()),
        (dec("8.3250"), "ACME contract")
    );
    let fifty = pricing[0].quote(dec("50"), today).unwrap();
    assert_eq!(fifty.unit_price, dec("7.8625"));
    assert_eq!(fifty.breaks.len(), 2);

    // Once the contract has expired, the list price applies.
    let later = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let expired = pricing[0].quote(dec("50"), later).unwrap();
    assert_eq!(
        (expired.unit_price, expired.source.as_str()),
        (dec("9.25"), LIST_PRICE)
    );

    // A customer without a contract pays the list price.
    assert_eq!(
        customer_price_list(&store, "DEMO-SHOP").await.unwrap(),
        None
    );
    let pricing = read_pricing(&store, None, &[sku("WIDGET-S"), sku("NOPE")])
        .await
        .unwrap();
    assert_eq!(
        pricing[0].quote(dec("50"), today).unwrap().unit_price,
        dec("9.25")
    );
    assert_eq!(pricing[1].quote(dec("1"), today), None);
}
