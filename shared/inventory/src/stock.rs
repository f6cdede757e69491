//! The stock projection: each SKU's latest [`InventoryChanged`], every warehouse included.

use switchyard_model::Sku;
use switchyard_model::catalog_events::InventoryChanged;
use switchyard_platform::ServiceError;
use switchyard_projections::{Applied, Key, ProjectionStore, Version};

/// Where a SKU's level lives.
pub fn stock_key(sku: &Sku) -> Key {
    Key::new(format!("stock#{sku}"), "level")
}

/// Keeps `level` unless a newer (or the same) ERP version is already projected.
pub async fn project_stock(
    store: &dyn ProjectionStore,
    level: &InventoryChanged,
) -> Result<Applied, ServiceError> {
    let doc = serde_json::to_value(level).expect("levels serialise");
    store
        .put_if_newer(
            &stock_key(&level.sku),
            Version::observed(level.erp_version, level.observed_at),
            &doc,
        )
        .await
}

/// The projected level of each SKU, in order; `None` for a SKU the ERP never reported.
pub async fn read_stock(
    store: &dyn ProjectionStore,
    skus: &[Sku],
) -> Result<Vec<Option<InventoryChanged>>, ServiceError> {
    let keys: Vec<Key> = skus.iter().map(stock_key).collect();
    store
        .get_many(&keys)
        .await?
        .into_iter()
        .map(|stored| {
            stored
                .map(|s| {
                    serde_json::from_value(s.doc).map_err(|e| {
                        ServiceError::new(
                            "projections",
                            format!("a stored level is unreadable: {e}"),
                        )
                    })
                })
                .transpose()
        })
        .collect()
}
