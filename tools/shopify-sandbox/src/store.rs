//! The shop's data: one variant per product, one inventory item per variant, each stocked at the
//! demo location; plus what the sandbox remembers between calls (idempotency keys, pending
//! faults and races, the call log); and orders with their fulfillment orders and fulfillments.

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
    /// Orders by their numeric id.
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) counters: Counters,
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

/// An order as the sandbox keeps it: its lines, the fulfillment orders Shopify split it into,
/// and the fulfillments made against those.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) lines: Vec<OrderLine>,
    pub(crate) fulfillment_orders: Vec<FulfillmentOrder>,
    pub(crate) fulfillments: Vec<Fulfillment>,
}

/// A `LineItem`.
#[derive(Debug, Clone)]
pub(crate) struct OrderLine {
    pub(crate) id: u64,
    pub(crate) sku: String,
    pub(crate) quantity: i64,
}

/// A `FulfillmentOrder`: some of the order's lines, to be fulfilled from one location.
#[derive(Debug, Clone)]
pub(crate) struct FulfillmentOrder {
    pub(crate) id: u64,
    /// `OPEN`, `IN_PROGRESS` or `CLOSED`.
    pub(crate) status: &'static str,
    pub(crate) lines: Vec<FoLine>,
}

/// A `FulfillmentOrderLineItem`.
#[derive(Debug, Clone)]
pub(crate) struct FoLine {
    pub(crate) id: u64,
    /// Index of the order line it stands for.
    pub(crate) line: usize,
    pub(crate) total: i64,
    pub(crate) remaining: i64,
}

/// A `Fulfillment`.
#[derive(Debug, Clone)]
pub(crate) struct Fulfillment {
    pub(crate) id: u64,
    pub(crate) created_at: String,
    pub(crate) tracking: Vec<Tracking>,
    /// (`FulfillmentLineItem` id, index of the order line, quantity).
    pub(crate) lines: Vec<(u64, usize, i64)>,
    pub(crate) notify_customer: bool,
}

/// A `FulfillmentTrackingInfo`.
#[derive(Debug, Clone)]
pub(crate) struct Tracking {
    pub(crate) company: Option<String>,
    pub(crate) number: Option<String>,
    pub(crate) url: Option<String>,
}

/// A plain `UserError` (`field`, `message`), as `fulfillmentCreate` reports them; `code` is the
/// sandbox's own label for the call log (Shopify's `UserError` has none).
#[derive(Debug, Clone)]
pub(crate) struct PlainError {
    pub(crate) code: &'static str,
    pub(crate) field: Vec<String>,
    pub(crate) message: String,
}

/// What one `fulfillmentCreate` answered: the order and index of the new fulfillment, or errors.
#[derive(Debug, Clone)]
pub(crate) struct FulfilResult {
    pub(crate) fulfillment: Option<(u64, usize)>,
    pub(crate) user_errors: Vec<PlainError>,
}

/// One line of an order placed through `/_sandbox/orders`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderLineSeed {
    pub(crate) sku: String,
    pub(crate) quantity: i64,
    /// Which fulfillment order the line goes to (0 unless given): lines with different numbers
    /// land in different fulfillment orders, as when Shopify splits an order.
    #[serde(default)]
    pub(crate) fulfillment_order: usize,
}

/// The order ids and line-level ids the shop hands out, Shopify-sized.
#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) order: u64,
    pub(crate) line_item: u64,
    pub(crate) fulfillment_order: u64,
    pub(crate) fo_line: u64,
    pub(crate) fulfillment: u64,
    pub(crate) fulfillment_line: u64,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            order: 5_100_000_000,
            line_item: 13_200_000_000,
            fulfillment_order: 6_300_000_000,
            fo_line: 14_400_000_000,
            fulfillment: 4_500_000_000,
            fulfillment_line: 11_600_000_000,
        }
    }
}

/// The number of a GID of `kind` (`gid://shopify/{kind}/{n}`).
pub(crate) fn gid_number(gid: &str, kind: &str) -> Option<u64> {
    gid.strip_prefix("gid://shopify/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?
        .parse()
        .ok()
}

impl Shop {
    /// Places an order: one fulfillment order per distinct `fulfillment_order` number, one
    /// fulfillment-order line per order line.
    pub(crate) fn place_order(
        &mut self,
        id: Option<u64>,
        lines: Vec<OrderLineSeed>,
    ) -> Result<u64, String> {
        if lines.is_empty() {
            return Err("an order needs at least one line item".into());
        }
        if let Some(bad) = lines
            .iter()
            .find(|l| l.quantity <= 0 || l.sku.trim().is_empty())
        {
            return Err(format!(
                "line {:?} × {} needs a SKU and a positive quantity",
                bad.sku, bad.quantity
            ));
        }
        let id = match id {
            Some(id) if self.orders.contains_key(&id) => {
                return Err(format!("order {id} already exists"));
            }
            Some(id) => id,
            None => {
                self.counters.order += 1;
                while self.orders.contains_key(&self.counters.order) {
                    self.counters.order += 1;
                }
                self.counters.order
            }
        };
        let mut order = Order {
            id,
            lines: Vec::new(),
            fulfillment_orders: Vec::new(),
            fulfillments: Vec::new(),
        };
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (index, seed) in lines.into_iter().enumerate() {
            self.counters.line_item += 1;
            order.lines.push(OrderLine {
                id: self.counters.line_item,
                sku: seed.sku,
                quantity: seed.quantity,
            });
            groups
                .entry(seed.fulfillment_order)
                .or_default()
                .push(index);
        }
        for members in groups.into_values() {
            self.counters.fulfillment_order += 1;
            let mut fo = FulfillmentOrder {
                id: self.counters.fulfillment_order,
                status: "OPEN",
                lines: Vec::new(),
            };
            for line in members {
                self.counters.fo_line += 1;
                let quantity = order.lines[line].quantity;
                fo.lines.push(FoLine {
                    id: self.counters.fo_line,
                    line,
                    total: quantity,
                    remaining: quantity,
                });
            }
            order.fulfillment_orders.push(fo);
        }
        self.orders.insert(id, order);
        Ok(id)
    }

    /// The order holding the fulfillment order with this number, and its index there.
    pub(crate) fn fulfillment_order(&self, number: u64) -> Option<(u64, usize)> {
        self.orders.values().find_map(|o| {
            o.fulfillment_orders
                .iter()
                .position(|fo| fo.id == number)
                .map(|i| (o.id, i))
        })
    }
}
