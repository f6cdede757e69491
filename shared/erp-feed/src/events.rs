//! From what the ERP read side answers to canonical event payloads, stamped with when they
//! were read (taken just before the read, so a later read always has a later stamp).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use switchyard_erp::{CustomerPriceList, PriceListPrices, WarehouseStock};
use switchyard_model::catalog_events::{
    CustomerPriceListChanged, InventoryChanged, PriceBreak, PriceChanged, WarehouseLevel,
};
use switchyard_model::{Currency, Sku};

/// One `InventoryChanged` per SKU, its warehouses together. A SKU the canonical model cannot
/// carry (an ERP code with spaces, say) is left out and logged: no channel can sell it anyway.
pub fn inventory_events(
    levels: &[WarehouseStock],
    observed_at: DateTime<Utc>,
) -> Vec<InventoryChanged> {
    let mut by_sku: BTreeMap<&str, Vec<&WarehouseStock>> = BTreeMap::new();
    for level in levels {
        by_sku.entry(&level.sku).or_default().push(level);
    }
    by_sku
        .into_iter()
        .filter_map(|(code, warehouses)| {
            let sku = canonical_sku(code)?;
            let first = warehouses[0];
            Some(InventoryChanged {
                sku,
                on_hand: warehouses.iter().map(|w| w.on_hand).sum::<Decimal>(),
                available: warehouses.iter().map(|w| w.available).sum::<Decimal>(),
                warehouses: warehouses
                    .iter()
                    .map(|w| WarehouseLevel {
                        warehouse: w.warehouse.clone(),
                        on_hand: w.on_hand,
                        available: w.available,
                        as_of: w.as_of,
                    })
                    .collect(),
                unit: first.unit.clone(),
                whole_units: first.whole_units,
                as_of: warehouses
                    .iter()
                    .map(|w| w.as_of)
                    .max()
                    .unwrap_or(first.as_of),
                erp_version: warehouses.iter().map(|w| w.version.0).max().unwrap_or(0),
                observed_at,
            })
        })
        .collect()
}

/// One `PriceChanged` per SKU and price list.
pub fn price_events(prices: &[PriceListPrices], observed_at: DateTime<Utc>) -> Vec<PriceChanged> {
    prices
        .iter()
        .filter_map(|p| {
            let sku = canonical_sku(&p.sku)?;
            let Some(currency) = Currency::from_code(&p.currency) else {
                tracing::warn!(sku = %p.sku, price_list = %p.price_list, currency = %p.currency, "price in a currency the model does not know: left out");
                return None;
            };
            Some(PriceChanged {
                sku,
                price_list: p.price_list.clone(),
                currency,
                breaks: p
                    .breaks
                    .iter()
                    .map(|b| PriceBreak {
                        min_quantity: b.min_quantity,
                        unit_price: b.unit_price,
                    })
                    .collect(),
                valid_from: p.valid_from,
                valid_until: p.valid_until,
                as_of: p.as_of,
                erp_version: p.version.0,
                observed_at,
            })
        })
        .collect()
}

/// The `CustomerPriceListChanged` of one assignment.
pub fn customer_event(
    assignment: &CustomerPriceList,
    observed_at: DateTime<Utc>,
) -> CustomerPriceListChanged {
    CustomerPriceListChanged {
        customer_account: assignment.customer_account.clone(),
        price_list: assignment.price_list.clone(),
        as_of: assignment.as_of,
        erp_version: assignment.version.0,
        observed_at,
    }
}

fn canonical_sku(code: &str) -> Option<Sku> {
    match Sku::try_from(code) {
        Ok(sku) => Some(sku),
        Err(e) => {
            tracing::warn!(sku = %code, error = %e, "ERP product code is not a valid SKU: left out");
            None
        }
    }
}
