//! The read side of the ERP port on Tryton: stock per warehouse, prices as Tryton itself
//! computes them, and a change feed.
//!
//! - **Stock**: per warehouse, one `product.product.search_read` with the context
//!   `locations: [warehouse]` for every asked SKU: `quantity` is on hand (done moves only),
//!   `forecast_quantity` is available-to-promise (draft and assigned moves too, so a confirmed
//!   sale lowers it at once). The version is the newest `last_modified_at` (Tryton's
//!   `COALESCE(write_date, create_date)`, searchable and orderable over RPC) of the product and
//!   of its stock moves into or out of the warehouse.
//! - **Prices**: never recomputed here. `product.product.sale_price_uom` is a function field
//!   that Tryton evaluates in the context it is read in; `sale_price_list` makes it apply the
//!   context's `price_list` at the context's `quantity` (`PriceList.compute`: the first line
//!   that matches the product, its category, the quantity and, with
//!   `product_price_list_dates`, today). So each break is one read in the context
//!   `{price_list, quantity}`, for all asked SKUs at once; the thresholds come from the list's
//!   lines' `quantity`.
//! - **Changes**: every source record (stock moves, products, templates, price lists and their
//!   lines, parties, whose price list assignment writes them) is ordered by `(last_modified_at, id)`.
//!   Tryton stamps a record with the *start* time of the transaction that wrote it, which may
//!   commit after a later-stamped one; so a pass re-reads [`FEED_OVERLAP`] before where the
//!   previous pass ended, and consumers de-duplicate. See [`FeedCursor`] for the encoding.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::{TrytonClient, codec, id_of};
use crate::catalog::{
    ChangeBatch, ChangeCursor, ChangeFeed, CustomerPriceList, ErpVersion, LIST_PRICE, PriceBreak,
    PriceListPrices, PriceLists, StockLevels, WarehouseStock,
};
use crate::{ErpError, RejectionCode};

/// How far before the end of the previous pass the change feed starts its next pass. It must
/// exceed the longest Tryton transaction that writes stock or prices (plus any clock difference
/// between Switchyard and the ERP): a record stamped earlier but committed later is still read.
pub const FEED_OVERLAP: Duration = Duration::from_secs(10);

/// Stock moves read per page when looking for each product's newest move in a warehouse.
const MOVE_PAGE: u32 = 500;

/// A warehouse: its `stock.location` id, code and storage location.
#[derive(Debug, Clone)]
struct Warehouse {
    id: i64,
    code: String,
    storage: Option<i64>,
}

/// A stamp as a version: microseconds since the epoch.
fn version_of(stamp: DateTime<Utc>) -> ErpVersion {
    ErpVersion(stamp.timestamp_micros())
}

/// `last_modified_at` of a row (or of the nested row `field.` for a dotted read).
fn stamp(row: &Value) -> Option<DateTime<Utc>> {
    row.get("last_modified_at").and_then(codec::parse_datetime)
}

fn nested<'a>(row: &'a Value, field: &str) -> Option<&'a Value> {
    row.get(format!("{field}.")).filter(|v| !v.is_null())
}

fn text(row: &Value, field: &str) -> Option<String> {
    row.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn number(row: &Value, field: &str) -> Result<Decimal, ErpError> {
    row.get(field)
        .and_then(codec::parse_decimal)
        .map(|d| d.normalize())
        .ok_or_else(|| ErpError::unavailable(format!("Tryton sent no number {field} in {row}")))
}

fn rows(method: &str, value: Value) -> Result<Vec<Value>, ErpError> {
    match value {
        Value::Array(rows) => Ok(rows),
        other => Err(ErpError::unavailable(format!(
            "{method}: expected a list, got {other}"
        ))),
    }
}

/// A Tryton Float (quantities) as JSON: its exact decimal text as a JSON number.
fn float(value: Decimal) -> Value {
    serde_json::from_str(&value.normalize().to_string()).unwrap_or(Value::Null)
}

impl TrytonClient {
    /// `search_read` with an offset, an order and extra context (merged over the session's).
    #[allow(clippy::too_many_arguments)]
    async fn search_read_in(
        &self,
        model: &str,
        domain: Value,
        limit: Option<u32>,
        order: Value,
        fields: &[&str],
        context: Option<&Map<String, Value>>,
    ) -> Result<Vec<Value>, ErpError> {
        let method = format!("model.{model}.search_read");
        let params = vec![domain, json!(0), json!(limit), order, json!(fields)];
        let result = self
            .call_raw_in(&method, params, context)
            .await?
            .map_err(|fault| fault.into_error(&method))?;
        rows(&method, result)
    }

    async fn warehouses(&self) -> Result<Vec<Warehouse>, ErpError> {
        let rows = self
            .search_read(
                "stock.location",
                json!([["type", "=", "warehouse"]]),
                None,
                &["id", "code", "name", "storage_location"],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Warehouse {
                    id: id_of(row, "id")?,
                    code: text(row, "code")
                        .or_else(|| text(row, "name"))
                        .unwrap_or_default(),
                    storage: row.get("storage_location").and_then(Value::as_i64),
                })
            })
            .collect()
    }

    /// The newest `last_modified_at` of each product's stock moves into or out of the
    /// warehouse (or any location under it). Reads newest first and narrows the search to the
    /// products not yet seen after each page, so usually one page answers for every product.
    async fn newest_moves(
        &self,
        warehouse: i64,
        products: &[i64],
    ) -> Result<HashMap<i64, DateTime<Utc>>, ErpError> {
        let mut remaining: BTreeSet<i64> = products.iter().copied().collect();
        let mut newest = HashMap::new();
        while !remaining.is_empty() {
            let rows = self
                .search_read_in(
                    "stock.move",
                    json!([
                        ["product", "in", remaining],
                        [
                            "OR",
                            ["from_location", "child_of", [warehouse], "parent"],
                            ["to_location", "child_of", [warehouse], "parent"]
                        ]
                    ]),
                    Some(MOVE_PAGE),
                    json!([["last_modified_at", "DESC"], ["id", "DESC"]]),
                    &["product", "last_modified_at"],
                    None,
                )
                .await?;
            for row in &rows {
                if let Some(product) = row.get("product").and_then(Value::as_i64)
                    && remaining.remove(&product)
                    && let Some(stamp) = stamp(row)
                {
                    newest.insert(product, stamp);
                }
            }
            if rows.len() < MOVE_PAGE as usize {
                break;
            }
        }
        Ok(newest)
    }

    /// Moves `delta` units of `sku` into (positive) or out of (negative) the storage of the
    /// warehouse with this code, done at once, against the warehouse's lost-and-found. In: a
    /// stock move, created and done. Out: a move out of storage would need an assignment, which
    /// Tryton does not expose over RPC, so a one-line `stock.inventory` counts `delta` less
    /// than Tryton expects and is confirmed. For tests and the demo
    /// (`scripts/erp.sh move-stock`); returns the move's or the inventory's id.
    pub async fn move_stock(
        &self,
        sku: &str,
        warehouse: &str,
        delta: Decimal,
    ) -> Result<i64, ErpError> {
        if delta.is_zero() {
            return Err(ErpError::rejected(
                RejectionCode::ErpRule,
                "a stock move needs a quantity",
            ));
        }
        let products = self
            .search_read(
                "product.product",
                json!([["code", "=", sku]]),
                Some(1),
                &["id", "default_uom"],
            )
            .await?;
        let product = products.first().ok_or_else(|| {
            ErpError::rejected(RejectionCode::UnknownSku, format!("unknown SKU {sku:?}"))
        })?;
        let product_id = id_of(product, "id")?;
        let warehouses = self.warehouses().await?;
        let warehouse = warehouses
            .iter()
            .find(|w| w.code == warehouse)
            .ok_or_else(|| {
                ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!("unknown warehouse {warehouse:?}"),
                )
            })?;
        let storage = warehouse.storage.ok_or_else(|| {
            ErpError::rejected(RejectionCode::ErpRule, "the warehouse has no storage")
        })?;
        if delta > Decimal::ZERO {
            let lost_found = self
                .search_read(
                    "stock.location",
                    json!([["type", "=", "lost_found"]]),
                    Some(1),
                    &["id"],
                )
                .await?;
            let lost_found = lost_found.first().ok_or_else(|| {
                ErpError::rejected(RejectionCode::ErpRule, "no lost-and-found location")
            })?;
            let company = self.session().await?.context.get("company").cloned();
            let move_id = self
                .create(
                    "stock.move",
                    json!({
                        "product": product_id,
                        "from_location": id_of(lost_found, "id")?,
                        "to_location": storage,
                        "quantity": float(delta),
                        "unit": product.get("default_uom").cloned().unwrap_or(Value::Null),
                        "company": company,
                    }),
                )
                .await?;
            self.call("model.stock.move.do", vec![json!([move_id])])
                .await?;
            tracing::info!(sku, warehouse = %warehouse.code, %delta, move_id, "moved stock in");
            return Ok(move_id);
        }
        // Other products of the location get lines without a quantity: `keep` leaves them.
        let inventory = self
            .create(
                "stock.inventory",
                json!({
                    "location": storage,
                    "empty_quantity": "keep",
                    "lines": [["create", [{"product": product_id, "quantity": 0}]]],
                }),
            )
            .await?;
        self.call(
            "model.stock.inventory.complete_lines",
            vec![json!([inventory])],
        )
        .await?;
        let lines = self
            .search_read(
                "stock.inventory.line",
                json!([["inventory", "=", inventory], ["product", "=", product_id]]),
                Some(1),
                &["id", "expected_quantity"],
            )
            .await?;
        let line = lines
            .first()
            .ok_or_else(|| ErpError::unavailable("the inventory lost its line"))?;
        let expected = number(line, "expected_quantity")?;
        self.call(
            "model.stock.inventory.line.write",
            vec![
                json!([id_of(line, "id")?]),
                json!({"quantity": float(expected + delta)}),
            ],
        )
        .await?;
        self.call("model.stock.inventory.confirm", vec![json!([inventory])])
            .await?;
        tracing::info!(sku, warehouse = %warehouse.code, %delta, inventory, "moved stock out");
        Ok(inventory)
    }

    /// Product id → code, inactive products included (a feed names what changed, even if it
    /// was then archived; the reads then leave it out).
    async fn product_codes(&self, ids: &BTreeSet<i64>) -> Result<BTreeMap<i64, String>, ErpError> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut context = Map::new();
        context.insert("active_test".into(), json!(false));
        let rows = self
            .search_read_in(
                "product.product",
                json!([["id", "in", ids]]),
                None,
                json!([["id", "ASC"]]),
                &["id", "code"],
                Some(&context),
            )
            .await?;
        let mut codes = BTreeMap::new();
        for row in &rows {
            if let Some(code) = text(row, "code") {
                codes.insert(id_of(row, "id")?, code);
            }
        }
        Ok(codes)
    }

    async fn company_currency(&self) -> Result<String, ErpError> {
        let company = self.session().await?.context.get("company").cloned();
        let rows = self
            .search_read(
                "company.company",
                json!([["id", "=", company]]),
                Some(1),
                &["currency.code"],
            )
            .await?;
        rows.first()
            .and_then(|row| nested(row, "currency"))
            .and_then(|c| text(c, "code"))
            .ok_or_else(|| ErpError::unavailable("the Tryton company has no currency"))
    }

    async fn today(&self) -> Result<NaiveDate, ErpError> {
        let today = self.call("model.ir.date.today", vec![]).await?;
        codec::parse_date(&today)
            .ok_or_else(|| ErpError::unavailable(format!("ir.date.today answered {today}")))
    }
}

#[async_trait::async_trait]
impl StockLevels for TrytonClient {
    async fn stock_levels(&self, skus: &[String]) -> Result<Vec<WarehouseStock>, ErpError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: BTreeSet<&str> = skus.iter().map(String::as_str).collect();
        let mut levels = Vec::new();
        for warehouse in self.warehouses().await? {
            let mut context = Map::new();
            context.insert("locations".into(), json!([warehouse.id]));
            let products = self
                .search_read_in(
                    "product.product",
                    json!([["code", "in", wanted]]),
                    None,
                    json!([["code", "ASC"], ["id", "ASC"]]),
                    &[
                        "id",
                        "code",
                        "quantity",
                        "forecast_quantity",
                        "default_uom.symbol",
                        "default_uom.rounding",
                        "last_modified_at",
                    ],
                    Some(&context),
                )
                .await?;
            let ids: Vec<i64> = products.iter().filter_map(|r| r["id"].as_i64()).collect();
            let moves = self.newest_moves(warehouse.id, &ids).await?;
            let mut seen = BTreeSet::new();
            for row in &products {
                let Some(code) = text(row, "code") else {
                    continue;
                };
                if !seen.insert(code.clone()) {
                    continue; // two products with one code: the first (lowest id) wins
                }
                let id = id_of(row, "id")?;
                let uom = nested(row, "default_uom");
                let as_of = [stamp(row), moves.get(&id).copied()]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or_default();
                levels.push(WarehouseStock {
                    sku: code,
                    warehouse: warehouse.code.clone(),
                    on_hand: number(row, "quantity")?,
                    available: number(row, "forecast_quantity")?,
                    unit: uom.and_then(|u| text(u, "symbol")).unwrap_or_default(),
                    whole_units: uom
                        .and_then(|u| u.get("rounding"))
                        .and_then(codec::parse_decimal)
                        .is_some_and(|r| r >= Decimal::ONE),
                    as_of,
                    version: version_of(as_of),
                });
            }
        }
        Ok(levels)
    }

    async fn catalog_skus(&self) -> Result<Vec<String>, ErpError> {
        let rows = self
            .search_read_in(
                "product.product",
                json!([["salable", "=", true], ["code", "!=", null]]),
                None,
                json!([["code", "ASC"]]),
                &["code"],
                None,
            )
            .await?;
        let codes: BTreeSet<String> = rows.iter().filter_map(|r| text(r, "code")).collect();
        Ok(codes.into_iter().collect())
    }
}

/// A product as `prices` needs it.
struct PricedProduct {
    id: i64,
    code: String,
    list_price: Option<Decimal>,
    changed: Option<DateTime<Utc>>,
}

/// A price list line as `prices` needs it.
struct Line {
    price_list: i64,
    product: Option<i64>,
    quantity: Option<Value>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    changed: Option<DateTime<Utc>>,
}

impl Line {
    fn applies_to(&self, product: i64) -> bool {
        self.product.is_none_or(|p| p == product)
    }
}

#[async_trait::async_trait]
impl PriceLists for TrytonClient {
    async fn prices(&self, skus: &[String]) -> Result<Vec<PriceListPrices>, ErpError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: BTreeSet<&str> = skus.iter().map(String::as_str).collect();
        let currency = self.company_currency().await?;
        let today = self.today().await?;
        // Without a `price_list` in the context, `sale_price_uom` is the list price (in the
        // sale unit), exactly what a sale line would get.
        let rows = self
            .search_read_in(
                "product.product",
                json!([["code", "in", wanted]]),
                None,
                json!([["code", "ASC"], ["id", "ASC"]]),
                &[
                    "id",
                    "code",
                    "sale_price_uom",
                    "last_modified_at",
                    "template.last_modified_at",
                ],
                None,
            )
            .await?;
        let mut products: Vec<PricedProduct> = Vec::new();
        for row in &rows {
            let Some(code) = text(row, "code") else {
                continue;
            };
            if products.iter().any(|p| p.code == code) {
                continue;
            }
            products.push(PricedProduct {
                id: id_of(row, "id")?,
                code,
                list_price: row.get("sale_price_uom").and_then(codec::parse_decimal),
                changed: [stamp(row), nested(row, "template").and_then(stamp)]
                    .into_iter()
                    .flatten()
                    .max(),
            });
        }
        if products.is_empty() {
            return Ok(Vec::new());
        }
        let product_ids: Vec<i64> = products.iter().map(|p| p.id).collect();

        let mut out = Vec::new();
        for product in &products {
            if let (Some(price), Some(changed)) = (product.list_price, product.changed) {
                out.push(PriceListPrices {
                    price_list: LIST_PRICE.to_owned(),
                    sku: product.code.clone(),
                    currency: currency.clone(),
                    breaks: vec![PriceBreak {
                        min_quantity: Decimal::ZERO,
                        unit_price: price.normalize(),
                    }],
                    valid_from: None,
                    valid_until: None,
                    as_of: changed,
                    version: version_of(changed),
                });
            }
        }

        let lists = self
            .search_read(
                "product.price_list",
                json!([]),
                None,
                &["id", "name", "last_modified_at"],
            )
            .await?;
        if lists.is_empty() {
            return Ok(out);
        }
        let list_ids: Vec<i64> = lists.iter().filter_map(|r| r["id"].as_i64()).collect();
        let dated = self
            .call(
                "model.product.price_list.line.fields_get",
                vec![json!(["start_date", "end_date"])],
            )
            .await?
            .as_object()
            .is_some_and(|f| f.contains_key("start_date") && f.contains_key("end_date"));
        let mut fields = vec![
            "id",
            "price_list",
            "product",
            "quantity",
            "last_modified_at",
        ];
        if dated {
            fields.extend(["start_date", "end_date"]);
        }
        let line_rows = self
            .search_read_in(
                "product.price_list.line",
                json!([
                    ["price_list", "in", list_ids],
                    ["OR", ["product", "=", null], ["product", "in", product_ids]]
                ]),
                None,
                json!([["price_list", "ASC"], ["sequence", "ASC"], ["id", "ASC"]]),
                &fields,
                None,
            )
            .await?;
        let lines: Vec<Line> = line_rows
            .iter()
            .map(|row| Line {
                price_list: row["price_list"].as_i64().unwrap_or_default(),
                product: row.get("product").and_then(Value::as_i64),
                quantity: row.get("quantity").filter(|q| q.is_number()).cloned(),
                start: row.get("start_date").and_then(codec::parse_date),
                end: row.get("end_date").and_then(codec::parse_date),
                changed: stamp(row),
            })
            .collect();

        for list in &lists {
            let list_id = id_of(list, "id")?;
            let name = text(list, "name").unwrap_or_else(|| list_id.to_string());
            let list_lines: Vec<&Line> = lines.iter().filter(|l| l.price_list == list_id).collect();
            if list_lines.is_empty() {
                continue;
            }
            // Every threshold any line of this list may start at, the zero break included.
            let mut thresholds: BTreeMap<String, (Decimal, Value)> = BTreeMap::new();
            thresholds.insert("0".into(), (Decimal::ZERO, json!(0)));
            for line in &list_lines {
                if let Some(quantity) = &line.quantity
                    && let Some(min) = codec::parse_decimal(quantity)
                {
                    thresholds.insert(
                        min.normalize().to_string(),
                        (min.normalize(), quantity.clone()),
                    );
                }
            }
            // Tryton prices each threshold for every product in one read.
            let mut priced: Vec<(Decimal, HashMap<i64, Option<Decimal>>)> = Vec::new();
            for (min, raw) in thresholds.values() {
                let mut context = Map::new();
                context.insert("price_list".into(), json!(list_id));
                context.insert("quantity".into(), raw.clone());
                let rows = self
                    .search_read_in(
                        "product.product",
                        json!([["id", "in", product_ids]]),
                        None,
                        json!([["id", "ASC"]]),
                        &["id", "sale_price_uom"],
                        Some(&context),
                    )
                    .await?;
                let prices = rows
                    .iter()
                    .filter_map(|r| {
                        let id = r["id"].as_i64()?;
                        Some((id, r.get("sale_price_uom").and_then(codec::parse_decimal)))
                    })
                    .collect();
                priced.push((*min, prices));
            }
            priced.sort_by_key(|(min, _)| *min);

            for product in &products {
                let applying: Vec<&&Line> = list_lines
                    .iter()
                    .filter(|l| l.applies_to(product.id))
                    .collect();
                if applying.is_empty() {
                    continue;
                }
                let own_thresholds: BTreeSet<Decimal> = std::iter::once(Decimal::ZERO)
                    .chain(applying.iter().filter_map(|l| {
                        l.quantity
                            .as_ref()
                            .and_then(codec::parse_decimal)
                            .map(|d| d.normalize())
                    }))
                    .collect();
                let mut breaks: Vec<PriceBreak> = Vec::new();
                for (min, prices) in &priced {
                    if !own_thresholds.contains(min) {
                        continue;
                    }
                    let Some(Some(price)) = prices.get(&product.id) else {
                        continue;
                    };
                    let price = price.normalize();
                    // A threshold whose line does not match (another category, another day)
                    // prices like the break below it: not a break of its own.
                    if breaks.last().is_some_and(|b| b.unit_price == price) {
                        continue;
                    }
                    breaks.push(PriceBreak {
                        min_quantity: *min,
                        unit_price: price,
                    });
                }
                if breaks.is_empty() {
                    continue; // no line of this list prices this product
                }
                let current: Vec<&&&Line> = applying
                    .iter()
                    .filter(|l| {
                        l.start.is_none_or(|s| s <= today) && l.end.is_none_or(|e| e >= today)
                    })
                    .collect();
                let valid_from = current.iter().filter_map(|l| l.start).max();
                let valid_until = current
                    .iter()
                    .filter_map(|l| l.end)
                    .chain(
                        applying
                            .iter()
                            .filter_map(|l| l.start.filter(|s| *s > today))
                            .filter_map(|s| s.pred_opt()),
                    )
                    .min();
                let changed = applying
                    .iter()
                    .filter_map(|l| l.changed)
                    .chain(stamp(list))
                    .chain(product.changed)
                    .max()
                    .unwrap_or_default();
                out.push(PriceListPrices {
                    price_list: name.clone(),
                    sku: product.code.clone(),
                    currency: currency.clone(),
                    breaks,
                    valid_from,
                    valid_until,
                    as_of: changed,
                    version: version_of(changed),
                });
            }
        }
        Ok(out)
    }

    async fn customer_price_lists(
        &self,
        accounts: Option<&[String]>,
    ) -> Result<Vec<CustomerPriceList>, ErpError> {
        let domain = match accounts {
            Some([]) => return Ok(Vec::new()),
            Some(accounts) => json!([["code", "in", accounts]]),
            None => json!([["code", "!=", null]]),
        };
        let parties = self
            .search_read_in(
                "party.party",
                domain,
                None,
                json!([["code", "ASC"], ["id", "ASC"]]),
                &[
                    "id",
                    "code",
                    "sale_price_list.name",
                    "sale_price_list.last_modified_at",
                    "last_modified_at",
                ],
                None,
            )
            .await?;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for row in &parties {
            let Some(code) = text(row, "code") else {
                continue;
            };
            if !seen.insert(code.clone()) {
                continue;
            }
            // The assignment is a company-dependent value in its own model, which is not
            // exposed over RPC; setting it writes the party, so the party's stamp moves.
            let list = nested(row, "sale_price_list");
            let changed = stamp(row)
                .into_iter()
                .chain(list.and_then(stamp))
                .max()
                .unwrap_or_default();
            out.push(CustomerPriceList {
                customer_account: code,
                price_list: list.and_then(|l| text(l, "name")),
                as_of: changed,
                version: version_of(changed),
            });
        }
        Ok(out)
    }
}

/// The sources the feed reads, in the order a pass reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    StockMove,
    Product,
    Template,
    PriceList,
    PriceListLine,
    Party,
    // Fulfilment, appended so cursors written before them still name the same sources.
    ShipmentOut,
    Invoice,
    ShipmentReturn,
}

impl Source {
    const ALL: [Source; 9] = [
        Source::StockMove,
        Source::Product,
        Source::Template,
        Source::PriceList,
        Source::PriceListLine,
        Source::Party,
        Source::ShipmentOut,
        Source::Invoice,
        Source::ShipmentReturn,
    ];

    fn model(self) -> &'static str {
        match self {
            Self::StockMove => "stock.move",
            Self::Product => "product.product",
            Self::Template => "product.template",
            Self::PriceList => "product.price_list",
            Self::PriceListLine => "product.price_list.line",
            Self::Party => "party.party",
            Self::ShipmentOut => "stock.shipment.out",
            Self::Invoice => "account.invoice",
            Self::ShipmentReturn => "stock.shipment.out.return",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Self::StockMove | Self::PriceListLine => &["id", "last_modified_at", "product"],
            Self::Product | Self::Party => &["id", "last_modified_at", "code"],
            Self::Template => &["id", "last_modified_at", "products"],
            Self::PriceList => &["id", "last_modified_at", "lines"],
            Self::ShipmentOut | Self::Invoice | Self::ShipmentReturn => {
                &["id", "last_modified_at", "number"]
            }
        }
    }

    /// What else a record must be to count: customer invoices only (supplier ones are not
    /// Switchyard's business).
    fn filter(self) -> Option<Value> {
        match self {
            Self::Invoice => Some(json!(["type", "=", "out"])),
            _ => None,
        }
    }
}

/// Where the Tryton change feed is; [`ChangeCursor`] carries it as text.
///
/// Encoding: `v1:SETTLED` between passes, `v1:SETTLED:UNTIL:SOURCE:STAMP:ID` inside one. All
/// times are microseconds since the epoch (UTC). `SETTLED`: every record stamped at or before
/// it was delivered (0: nothing yet). A pass reads the records stamped in `(SETTLED, UNTIL]`,
/// source by source (stock moves, products, templates, price lists, their lines, parties, then
/// customer shipments, customer invoices and return shipments),
/// each in `(last_modified_at, id)` order; `SOURCE:STAMP:ID` is the
/// last record returned. When a pass ends, the next one starts at `UNTIL - FEED_OVERLAP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCursor {
    settled: i64,
    pass: Option<Pass>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pass {
    until: i64,
    source: usize,
    after: Option<(i64, i64)>,
}

impl fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v1:{}", self.settled)?;
        if let Some(pass) = self.pass {
            let (stamp, id) = pass.after.unwrap_or((0, 0));
            write!(f, ":{}:{}:{stamp}:{id}", pass.until, pass.source)?;
        }
        Ok(())
    }
}

impl FromStr for FeedCursor {
    type Err = ErpError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ErpError::rejected(
                RejectionCode::ErpRule,
                format!("not a Tryton change cursor: {text:?}"),
            )
        };
        let mut parts = text.split(':');
        if parts.next() != Some("v1") {
            return Err(bad());
        }
        let numbers: Vec<i64> = parts
            .map(|p| p.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        match numbers.as_slice() {
            [settled] => Ok(Self {
                settled: *settled,
                pass: None,
            }),
            [settled, until, source, stamp, id]
                if (*source as usize) < Source::ALL.len() && *source >= 0 =>
            {
                Ok(Self {
                    settled: *settled,
                    pass: Some(Pass {
                        until: *until,
                        source: *source as usize,
                        after: (*id > 0).then_some((*stamp, *id)),
                    }),
                })
            }
            _ => Err(bad()),
        }
    }
}

fn at(micros: i64) -> Value {
    codec::datetime(DateTime::from_timestamp_micros(micros).unwrap_or_default())
}

/// What one page of one source names, before product ids become codes.
#[derive(Default)]
struct Named {
    stock_products: BTreeSet<i64>,
    price_products: BTreeSet<i64>,
    every_price: bool,
    price_lists: BTreeSet<i64>,
    customers: BTreeSet<String>,
    shipments: BTreeSet<String>,
    invoices: BTreeSet<String>,
    returns: BTreeSet<String>,
}

impl TrytonClient {
    async fn read_source(
        &self,
        source: Source,
        settled: i64,
        pass: &Pass,
        limit: usize,
        named: &mut Named,
    ) -> Result<(usize, Option<(i64, i64)>), ErpError> {
        let mut domain = vec![json!(["last_modified_at", "<=", at(pass.until)])];
        if settled > 0 {
            domain.push(json!(["last_modified_at", ">", at(settled)]));
        }
        domain.extend(source.filter());
        if let Some((stamp, id)) = pass.after {
            domain.push(json!([
                "OR",
                ["last_modified_at", ">", at(stamp)],
                [["last_modified_at", "=", at(stamp)], ["id", ">", id]]
            ]));
        }
        let mut context = Map::new();
        context.insert("active_test".into(), json!(false));
        let rows = self
            .search_read_in(
                source.model(),
                Value::Array(domain),
                Some(u32::try_from(limit).unwrap_or(u32::MAX)),
                json!([["last_modified_at", "ASC"], ["id", "ASC"]]),
                source.fields(),
                Some(&context),
            )
            .await?;
        for row in &rows {
            match source {
                Source::StockMove => named
                    .stock_products
                    .extend(row.get("product").and_then(Value::as_i64)),
                Source::Product => {
                    let id = id_of(row, "id")?;
                    named.stock_products.insert(id);
                    named.price_products.insert(id);
                }
                Source::Template => named.price_products.extend(
                    row.get("products")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_i64),
                ),
                Source::PriceList => {
                    named.price_lists.insert(id_of(row, "id")?);
                }
                Source::PriceListLine => match row.get("product").and_then(Value::as_i64) {
                    Some(product) => {
                        named.price_products.insert(product);
                    }
                    None => named.every_price = true,
                },
                Source::Party => named.customers.extend(text(row, "code")),
                // A record without a number (a draft invoice) is nothing a reader can name yet;
                // it gets one when posted, which writes it again.
                Source::ShipmentOut => named.shipments.extend(text(row, "number")),
                Source::Invoice => named.invoices.extend(text(row, "number")),
                Source::ShipmentReturn => named.returns.extend(text(row, "number")),
            }
        }
        let last = match rows.last() {
            Some(row) => Some((
                stamp(row).map_or(0, |s| s.timestamp_micros()),
                id_of(row, "id")?,
            )),
            None => None,
        };
        Ok((rows.len(), last))
    }
}

#[async_trait::async_trait]
impl ChangeFeed for TrytonClient {
    async fn changes_since(
        &self,
        cursor: Option<&ChangeCursor>,
        limit: usize,
    ) -> Result<ChangeBatch, ErpError> {
        let limit = limit.max(1);
        let cursor: FeedCursor = match cursor {
            Some(cursor) => cursor.0.parse()?,
            None => FeedCursor {
                settled: 0,
                pass: None,
            },
        };
        let mut pass = cursor.pass.unwrap_or(Pass {
            until: Utc::now().timestamp_micros(),
            source: 0,
            after: None,
        });
        let mut named = Named::default();
        let mut read = 0;
        let mut more = false;
        while pass.source < Source::ALL.len() {
            if read >= limit {
                more = true;
                break;
            }
            let source = Source::ALL[pass.source];
            let room = limit - read;
            let (count, last) = self
                .read_source(source, cursor.settled, &pass, room, &mut named)
                .await?;
            read += count;
            if count < room {
                // This source has nothing more in the pass.
                pass.source += 1;
                pass.after = None;
            } else {
                pass.after = last;
            }
        }

        // Product ids → codes; lists → the SKUs their lines price, and their customers.
        let mut price_products = named.price_products;
        if !named.price_lists.is_empty() {
            let lines = self
                .search_read(
                    "product.price_list.line",
                    json!([["price_list", "in", named.price_lists]]),
                    None,
                    &["product"],
                )
                .await?;
            for line in &lines {
                match line.get("product").and_then(Value::as_i64) {
                    Some(product) => {
                        price_products.insert(product);
                    }
                    None => named.every_price = true,
                }
            }
            // A renamed list changes what its customers' assignment reads.
            let assigned = self
                .search_read(
                    "party.party",
                    json!([["sale_price_lists.sale_price_list", "in", named.price_lists]]),
                    None,
                    &["code"],
                )
                .await?;
            named
                .customers
                .extend(assigned.iter().filter_map(|a| text(a, "code")));
        }
        let all: BTreeSet<i64> = named
            .stock_products
            .union(&price_products)
            .copied()
            .collect();
        let codes = self.product_codes(&all).await?;
        let code_of = |ids: &BTreeSet<i64>| -> BTreeSet<String> {
            ids.iter().filter_map(|id| codes.get(id).cloned()).collect()
        };
        let stock = code_of(&named.stock_products);
        let mut prices = code_of(&price_products);
        if named.every_price {
            prices.extend(self.catalog_skus().await?);
        }

        let next = if more {
            FeedCursor {
                settled: cursor.settled,
                pass: Some(pass),
            }
        } else {
            let overlap = i64::try_from(FEED_OVERLAP.as_micros()).unwrap_or(i64::MAX);
            FeedCursor {
                settled: cursor.settled.max(pass.until.saturating_sub(overlap)),
                pass: None,
            }
        };
        Ok(ChangeBatch {
            stock: stock.into_iter().collect(),
            prices: prices.into_iter().collect(),
            customers: named.customers.into_iter().collect(),
            shipments: named.shipments.into_iter().collect(),
            invoices: named.invoices.into_iter().collect(),
            returns: named.returns.into_iter().collect(),
            next: Some(ChangeCursor(next.to_string())),
            more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        for cursor in [
            FeedCursor {
                settled: 0,
                pass: None,
            },
            FeedCursor {
                settled: 1_796_040_564_948_291,
                pass: Some(Pass {
                    until: 1_796_040_574_948_291,
                    source: 4,
                    after: Some((1_796_040_570_000_001, 17)),
                }),
            },
            FeedCursor {
                settled: 5,
                pass: Some(Pass {
                    until: 9,
                    source: 2,
                    after: None,
                }),
            },
        ] {
            assert_eq!(cursor.to_string().parse::<FeedCursor>().unwrap(), cursor);
        }
        for garbage in ["", "v2:1", "v1:x", "v1:1:2", "v1:1:2:9:0:0", "twin:3"] {
            let err = garbage.parse::<FeedCursor>().unwrap_err();
            assert_eq!(
                err.rejection_code(),
                Some(RejectionCode::ErpRule),
                "{garbage}"
            );
        }
    }
}
