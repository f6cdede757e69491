//! The shop's data: one variant per product, one inventory item per variant, each stocked at the
//! demo location; plus what the sandbox remembers between calls (idempotency keys, pending
//! faults and races, the call log).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A product to create: one variant with `sku`, `quantity` available at the demo location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductSeed {
    /// The variant's SKU.
    pub sku: String,
    /// Units available at the demo location.
    pub quantity: i64,
    /// The product's title (defaults to the SKU).
    #[serde(default)]
    pub title: Option<String>,
}

/// One product with its single variant and inventory item. Ids are Shopify-shaped GIDs whose
/// numbers are derived from the record's index, so they are stable for a seed.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) sku: String,
    pub(crate) title: String,
    pub(crate) available: i64,
}

impl Record {
    pub(crate) fn product_id(index: usize) -> String {
        format!("gid://shopify/Product/{}", 1001 + index)
    }
    pub(crate) fn variant_id(index: usize) -> String {
        format!("gid://shopify/ProductVariant/{}", 2001 + index)
    }
    pub(crate) fn item_id(index: usize) -> String {
        format!("gid://shopify/InventoryItem/{}", 3001 + index)
    }
    pub(crate) fn level_id(index: usize) -> String {
        format!(
            "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
            1,
            3001 + index
        )
    }
}

/// What one `inventorySetQuantities` call produced, kept per idempotency key so a duplicate gets
/// the first result back (rendered again with the duplicate's own selection).
#[derive(Debug, Clone)]
pub(crate) struct SetResult {
    /// `Some` when the quantities were set.
    pub(crate) group: Option<AdjustmentGroup>,
    pub(crate) user_errors: Vec<UserError>,
}

/// An `InventoryAdjustmentGroup`: the changes one successful call made.
#[derive(Debug, Clone)]
pub(crate) struct AdjustmentGroup {
    pub(crate) id: String,
    pub(crate) created_at: String,
    pub(crate) reason: String,
    pub(crate) reference_document_uri: Option<String>,
    pub(crate) changes: Vec<Change>,
}

/// One `InventoryChange`.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) item: usize,
    pub(crate) delta: i64,
    pub(crate) quantity_after: i64,
}

/// An `InventorySetQuantitiesUserError`.
#[derive(Debug, Clone)]
pub(crate) struct UserError {
    pub(crate) code: &'static str,
    pub(crate) field: Vec<String>,
    pub(crate) message: String,
}

/// A remembered idempotency key: the input it came with and what that call answered.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    pub(crate) input: Value,
    pub(crate) result: SetResult,
}

/// One GraphQL call as `GET /_sandbox/calls` shows it. Never the access token.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Call {
    pub(crate) seq: u64,
    pub(crate) api_version: String,
    /// `query` or `mutation` (absent when the document could not be read).
    pub(crate) operation: Option<String>,
    pub(crate) operation_name: Option<String>,
    /// The root fields selected (`productVariants`, `nodes`, `inventorySetQuantities`, …).
    pub(crate) fields: Vec<String>,
    pub(crate) variables: Value,
    pub(crate) idempotency_key: Option<String>,
    /// `ok`, `user_errors`, `replayed`, `throttled`, `graphql_errors`, `unauthorized`, `fault`,
    /// `unsupported_version` or `bad_request`.
    pub(crate) outcome: String,
    /// User-error or GraphQL-error codes, when there were any.
    pub(crate) codes: Vec<String>,
    /// True when the call changed an inventory level.
    pub(crate) applied: bool,
    pub(crate) status: u16,
    pub(crate) requested_query_cost: Option<u64>,
    pub(crate) actual_query_cost: Option<u64>,
}

/// The shop and the sandbox's memory.
#[derive(Debug, Default)]
pub(crate) struct Shop {
    pub(crate) records: Vec<Record>,
    pub(crate) by_sku: HashMap<String, usize>,
    pub(crate) idempotency: HashMap<String, Remembered>,
    pub(crate) groups_made: u64,
    /// GraphQL calls still to answer with this status.
    pub(crate) faults: Vec<u16>,
    /// SKU → (the quantity to set right after the next read of that SKU's level, how many
    /// more reads to follow like that).
    pub(crate) races: BTreeMap<String, (i64, u32)>,
    pub(crate) calls: Vec<Call>,
}

impl Shop {
    /// Adds a product; a SKU the shop already has is refused (the admin would show two).
    pub(crate) fn create(&mut self, seed: ProductSeed) -> Result<usize, String> {
        if seed.sku.trim().is_empty() {
            return Err("a SKU cannot be empty".into());
        }
        if self.by_sku.contains_key(&seed.sku) {
            return Err(format!("SKU {} already exists", seed.sku));
        }
        let index = self.records.len();
        self.records.push(Record {
            title: seed.title.unwrap_or_else(|| seed.sku.clone()),
            sku: seed.sku.clone(),
            available: seed.quantity,
        });
        self.by_sku.insert(seed.sku, index);
        Ok(index)
    }

    /// The record an inventory item GID names.
    pub(crate) fn item_index(&self, gid: &str) -> Option<usize> {
        let n: usize = gid
            .strip_prefix("gid://shopify/InventoryItem/")?
            .parse()
            .ok()?;
        let index = n.checked_sub(3001)?;
        (index < self.records.len()).then_some(index)
    }

    /// The record a variant GID names.
    pub(crate) fn variant_index(&self, gid: &str) -> Option<usize> {
        let n: usize = gid
            .strip_prefix("gid://shopify/ProductVariant/")?
            .parse()
            .ok()?;
        let index = n.checked_sub(2001)?;
        (index < self.records.len()).then_some(index)
    }

    /// The record a product GID names.
    pub(crate) fn product_index(&self, gid: &str) -> Option<usize> {
        let n: usize = gid.strip_prefix("gid://shopify/Product/")?.parse().ok()?;
        let index = n.checked_sub(1001)?;
        (index < self.records.len()).then_some(index)
    }
}
