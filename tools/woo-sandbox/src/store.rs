//! The store: products, variations and orders in one id space, as WordPress posts are.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

/// A product in the seed file (`--data`).
#[derive(Debug, Clone, Deserialize)]
pub struct SeedProduct {
    /// The product's SKU.
    pub sku: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `simple` (default) or `variable`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Stock of a simple product (managed when given).
    #[serde(default)]
    pub stock_quantity: Option<i64>,
    /// The variations of a variable product.
    #[serde(default)]
    pub variations: Vec<SeedVariation>,
}

/// A variation in the seed file.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedVariation {
    /// The variation's own SKU.
    pub sku: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its stock (managed when given).
    #[serde(default)]
    pub stock_quantity: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Simple,
    Variable,
    Variation,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Simple => "simple",
            Kind::Variable => "variable",
            Kind::Variation => "variation",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: u64,
    pub parent_id: u64,
    pub kind: Kind,
    pub sku: String,
    pub name: String,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
}

impl Product {
    /// The product as the REST API shows it (the fields a stock client reads).
    pub fn to_json(&self, store: &Store) -> Value {
        let stock_status = match (self.manage_stock, self.stock_quantity) {
            (true, Some(q)) if q <= 0 => "outofstock",
            _ => "instock",
        };
        let mut body = json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind.as_str(),
            "status": "publish",
            "sku": self.sku,
            "parent_id": self.parent_id,
            "manage_stock": self.manage_stock,
            "stock_quantity": self.stock_quantity,
            "stock_status": stock_status,
        });
        if self.kind == Kind::Variable {
            body["variations"] = json!(store.variation_ids(self.id));
        }
        body
    }
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    next_id: u64,
    products: BTreeMap<u64, Product>,
    /// Orders by id.
    pub orders: BTreeMap<u64, Order>,
}

impl Store {
    pub fn seed(&mut self, seed: &SeedProduct) {
        let variable = seed.kind.as_deref() == Some("variable") || !seed.variations.is_empty();
        let name = seed.name.clone().unwrap_or_else(|| seed.sku.clone());
        if variable {
            let parent = self.insert(Kind::Variable, 0, &seed.sku, &name, None);
            for v in &seed.variations {
                let name = v.name.clone().unwrap_or_else(|| v.sku.clone());
                self.insert(Kind::Variation, parent, &v.sku, &name, v.stock_quantity);
            }
        } else {
            self.insert(Kind::Simple, 0, &seed.sku, &name, seed.stock_quantity);
        }
    }

    pub fn insert(
        &mut self,
        kind: Kind,
        parent_id: u64,
        sku: &str,
        name: &str,
        stock_quantity: Option<i64>,
    ) -> u64 {
        // WordPress post ids start well above 1 on any real site; so do ours, and they are never
        // reused, so a deleted product's id stays invalid.
        let id = self.next_id();
        self.products.insert(
            id,
            Product {
                id,
                parent_id,
                kind,
                sku: sku.to_string(),
                name: name.to_string(),
                manage_stock: stock_quantity.is_some() && kind != Kind::Variable,
                stock_quantity: if kind == Kind::Variable {
                    None
                } else {
                    stock_quantity
                },
            },
        );
        id
    }

    pub fn get(&self, id: u64) -> Option<&Product> {
        self.products.get(&id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Product> {
        self.products.get_mut(&id)
    }

    pub fn by_sku(&self, sku: &str) -> Option<&Product> {
        self.products.values().find(|p| p.sku == sku)
    }

    pub fn by_sku_mut(&mut self, sku: &str) -> Option<&mut Product> {
        self.products.values_mut().find(|p| p.sku == sku)
    }

    /// Deletes the product with this SKU (a variable product takes its variations with it).
    pub fn delete_sku(&mut self, sku: &str) -> bool {
        let Some(id) = self.by_sku(sku).map(|p| p.id) else {
            return false;
        };
        self.products.retain(|_, p| p.id != id && p.parent_id != id);
        true
    }

    pub fn variation_ids(&self, parent: u64) -> Vec<u64> {
        self.products
            .values()
            .filter(|p| p.parent_id == parent)
            .map(|p| p.id)
            .collect()
    }

    pub fn all(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }
}

/// The statuses WooCommerce's order schema accepts.
pub(crate) const ORDER_STATUSES: &[&str] = &[
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// An order: its lines, status and notes.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: u64,
    pub status: String,
    pub line_items: Vec<OrderLine>,
    /// Oldest first.
    pub notes: Vec<Note>,
    pub date_created: String,
}

/// One `line_items` entry.
#[derive(Debug, Clone)]
pub(crate) struct OrderLine {
    pub id: u64,
    pub sku: String,
    pub quantity: i64,
    /// The product (or variation) with this SKU when the store has one; 0 otherwise.
    pub product_id: u64,
}

/// An order note.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub id: u64,
    pub note: String,
    pub customer_note: bool,
    /// `system`, or the API user's name when `added_by_user` was set.
    pub author: String,
    pub date_created: String,
}

impl Note {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "author": self.author,
            "date_created": self.date_created,
            "date_created_gmt": self.date_created,
            "note": self.note,
            "customer_note": self.customer_note,
        })
    }
}

impl Order {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "currency": "USD",
            "date_created": self.date_created,
            "line_items": self.line_items.iter().map(|l| json!({
                "id": l.id,
                "name": l.sku,
                "sku": l.sku,
                "product_id": l.product_id,
                "quantity": l.quantity,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Now, as WordPress writes dates in the REST API (`2026-12-01T14:03:11`; site time is UTC).
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Store {
    /// The next post id (orders, notes and products share WordPress's id space).
    pub fn next_id(&mut self) -> u64 {
        if self.next_id == 0 {
            self.next_id = 100;
        }
        self.next_id += 1;
        self.next_id
    }

    /// Places an order with these (SKU, quantity) lines.
    pub fn place_order(&mut self, status: &str, lines: &[(String, i64)]) -> u64 {
        let id = self.next_id();
        let mut line_items = Vec::new();
        for (sku, quantity) in lines {
            let line_id = self.next_id();
            line_items.push(OrderLine {
                id: line_id,
                sku: sku.clone(),
                quantity: *quantity,
                product_id: self.by_sku(sku).map_or(0, |p| p.id),
            });
        }
        self.orders.insert(
            id,
            Order {
                id,
                status: status.to_string(),
                line_items,
                notes: Vec::new(),
                date_created: now(),
            },
        );
        id
    }
}
