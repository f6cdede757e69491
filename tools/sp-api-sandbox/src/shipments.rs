//! Orders that change: `confirmShipment` (Orders v0), the Orders v2026-01-01 `getOrder` that
//! shows an order's packages, and `POST /_sandbox/orders` to place an order for a test.
//!
//! The recorded orders in `<data>/orders/` are read-only files. The first time one is shipped it
//! is copied into memory (every `getOrderItems` page followed), and from then on `getOrder`,
//! `getOrderItems` and the v2026-01-01 `getOrder` answer from that copy, so a confirmation shows
//! up everywhere Amazon shows it: `QuantityShipped` per item, `OrderStatus` `PartiallyShipped` /
//! `Shipped`, and the package under `packages`. Placed orders live only in memory.
//!
//! `confirmShipment` follows Amazon's documented semantics: a `packageReferenceId` is unique
//! within the order, and confirming one that exists *edits* that package (its items replace the
//! old ones) instead of adding a package. Quantities are checked against what was ordered,
//! counting every other package of the order.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Sandbox;
use crate::errors::sp_api;
use crate::orders::{has_token, is_safe_name};

/// The marketplace placed orders belong to unless told otherwise (amazon.com).
const DEFAULT_MARKETPLACE: &str = "ATVPDKIKX0DER";
/// Most `getOrderItems` pages followed when a recorded order is copied into memory.
const MAX_PAGES: usize = 100;

/// One confirmed package.
#[derive(Debug, Clone)]
struct Package {
    reference_id: String,
    carrier_code: String,
    carrier_name: Option<String>,
    shipping_method: Option<String>,
    tracking_number: String,
    ship_date: String,
    created: String,
    /// (orderItemId, quantity)
    items: Vec<(String, i64)>,
}

/// An order the sandbox holds in memory: the v0 payload, its items and its packages.
#[derive(Debug, Clone)]
pub(crate) struct StoredOrder {
    /// The `getOrder` payload (v0 field names).
    order: Value,
    /// The `getOrderItems` `OrderItems` (v0 field names), every page.
    items: Vec<Value>,
    /// Packages, in the order they were first confirmed.
    packages: Vec<Package>,
}

impl StoredOrder {
    fn marketplace(&self) -> &str {
        self.order["MarketplaceId"]
            .as_str()
            .unwrap_or(DEFAULT_MARKETPLACE)
    }

    fn status(&self) -> &str {
        self.order["OrderStatus"].as_str().unwrap_or("Unshipped")
    }

    fn ordered(&self, item_id: &str) -> Option<i64> {
        self.items
            .iter()
            .find(|i| i["OrderItemId"].as_str() == Some(item_id))
            .map(|i| i["QuantityOrdered"].as_i64().unwrap_or(0))
    }

    fn shipped(&self, item_id: &str, except_package: Option<&str>) -> i64 {
        self.packages
            .iter()
            .filter(|p| Some(p.reference_id.as_str()) != except_package)
            .flat_map(|p| p.items.iter())
            .filter(|(id, _)| id == item_id)
            .map(|(_, q)| q)
            .sum()
    }

    /// Brings `QuantityShipped`, `OrderStatus` and the item counts in line with the packages.
    fn recompute(&mut self, now: &str) {
        let mut ordered_total = 0;
        let mut shipped_total = 0;
        let shipped: Vec<i64> = self
            .items
            .iter()
            .map(|item| self.shipped(item["OrderItemId"].as_str().unwrap_or(""), None))
            .collect();
        for (item, shipped) in self.items.iter_mut().zip(shipped) {
            ordered_total += item["QuantityOrdered"].as_i64().unwrap_or(0);
            shipped_total += shipped;
            item["QuantityShipped"] = json!(shipped);
        }
        let status = if shipped_total == 0 {
            self.status().to_string()
        } else if shipped_total >= ordered_total {
            "Shipped".to_string()
        } else {
            "PartiallyShipped".to_string()
        };
        self.order["OrderStatus"] = json!(status);
        self.order["NumberOfItemsShipped"] = json!(shipped_total);
        self.order["NumberOfItemsUnshipped"] = json!(ordered_total - shipped_total);
        self.order["LastUpdateDate"] = json!(now);
    }

    /// The v2026-01-01 `getOrder` view: the fields a fulfilment reads, named as that version
    /// names them.
    fn v2026(&self, with_packages: bool) -> Value {
        let fulfillment_status = match self.status() {
            "Pending" => "PENDING",
            "PartiallyShipped" => "PARTIALLY_SHIPPED",
            "Shipped" => "SHIPPED",
            "Canceled" => "CANCELLED",
            "Unfulfillable" => "UNFULFILLABLE",
            _ => "UNSHIPPED",
        };
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|item| {
                let ordered = item["QuantityOrdered"].as_i64().unwrap_or(0);
                let shipped = item["QuantityShipped"].as_i64().unwrap_or(0);
                json!({
                    "orderItemId": item["OrderItemId"],
                    "quantityOrdered": ordered,
                    "product": {
                        "asin": item["ASIN"],
                        "title": item["Title"],
                        "sellerSku": item["SellerSKU"],
                    },
                    "fulfillment": {
                        "quantityFulfilled": shipped,
                        "quantityUnfulfilled": ordered - shipped,
                    },
                })
            })
            .collect();
        let mut order = json!({
            "orderId": self.order["AmazonOrderId"],
            "createdTime": self.order["PurchaseDate"],
            "lastUpdatedTime": self.order["LastUpdateDate"],
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": self.marketplace(),
            },
            "fulfillment": {
                "fulfillmentStatus": fulfillment_status,
                "fulfilledBy": if self.order["FulfillmentChannel"] == "AFN" { "AMAZON" } else { "MERCHANT" },
            },
            "orderItems": items,
        });
        if with_packages {
            order["packages"] = self
                .packages
                .iter()
                .map(|p| {
                    json!({
                        "packageReferenceId": p.reference_id,
                        "createdTime": p.created,
                        // What a buyer sees: the carrier's name for `Other`, else the code.
                        "carrier": p.carrier_name.clone().filter(|_| p.carrier_code == "Other")
                            .unwrap_or_else(|| p.carrier_code.clone()),
                        "shipTime": p.ship_date,
                        "shippingService": p.shipping_method,
                        "trackingNumber": p.tracking_number,
                        "packageItems": p.items.iter()
                            .map(|(id, q)| json!({"orderItemId": id, "quantity": q}))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect::<Vec<_>>()
                .into();
        }
        json!({ "order": order })
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn invalid(message: &str) -> Response {
    sp_api(StatusCode::BAD_REQUEST, "InvalidInput", message)
}

fn quota_exceeded(rate: f64) -> Response {
    let mut response = sp_api(
        StatusCode::TOO_MANY_REQUESTS,
        "QuotaExceeded",
        "You exceeded your quota for the requested resource.",
    );
    crate::add_rate_limit_header(&mut response, rate);
    response
}

fn unknown_order(id: &str) -> Response {
    sp_api(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("no order {id} for this seller"),
    )
}

async fn read_json(path: std::path::PathBuf) -> Result<Option<Value>, Response> {
    match tokio::fs::read(&path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            tracing::error!(path = %path.display(), error = %e, "a recorded response is not JSON");
            sp_api(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "We encountered an internal error. Please try again.",
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot read a recorded response");
            Err(sp_api(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "We encountered an internal error. Please try again.",
            ))
        }
    }
}

/// The order from memory, or its recorded files (not stored: only a write copies it in).
pub(crate) async fn load(sandbox: &Sandbox, id: &str) -> Result<Option<StoredOrder>, Response> {
    if let Some(order) = sandbox.lock_orders().get(id) {
        return Ok(Some(order.clone()));
    }
    let dir = sandbox.data_dir.join("orders");
    let Some(order) = read_json(dir.join(format!("{id}.json"))).await? else {
        return Ok(None);
    };
    let mut items = Vec::new();
    let mut file = format!("{id}.items.json");
    for _ in 0..MAX_PAGES {
        let Some(page) = read_json(dir.join(&file)).await? else {
            break;
        };
        items.extend(
            page["payload"]["OrderItems"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        match page["payload"]["NextToken"].as_str() {
            Some(token) if is_safe_name(token) => file = format!("{id}.items.{token}.json"),
            _ => break,
        }
    }
    Ok(Some(StoredOrder {
        order: order["payload"].clone(),
        items,
        packages: Vec::new(),
    }))
}

/// The in-memory `getOrder` payload, if the order is held in memory.
pub(crate) fn v0_order(sandbox: &Sandbox, id: &str) -> Option<Value> {
    sandbox
        .lock_orders()
        .get(id)
        .map(|o| json!({ "payload": o.order }))
}

/// The in-memory `getOrderItems` answer (one page), if the order is held in memory.
pub(crate) fn v0_items(sandbox: &Sandbox, id: &str) -> Option<Value> {
    sandbox
        .lock_orders()
        .get(id)
        .map(|o| json!({ "payload": { "AmazonOrderId": id, "OrderItems": o.items } }))
}

fn ok_json(body: &Value, rate: f64) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    crate::add_rate_limit_header(&mut response, rate);
    response
}

/// Orders v2026-01-01 `getOrder`: items always, packages with `includedData=PACKAGES`.
pub(crate) async fn get_order_v2026(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let plan = sandbox.shipments_plan;
    if !has_token(&headers) {
        return crate::orders::unauthorized();
    }
    if !is_safe_name(&id) {
        return invalid("an order id is letters, digits and dashes");
    }
    if !sandbox.get_order_v2026.try_acquire() {
        return quota_exceeded(plan.get_order_rate_per_second);
    }
    let with_packages = query
        .get("includedData")
        .is_some_and(|v| v.split(',').any(|d| d.trim() == "PACKAGES"));
    match load(&sandbox, &id).await {
        Ok(Some(order)) => ok_json(&order.v2026(with_packages), plan.get_order_rate_per_second),
        Ok(None) => unknown_order(&id),
        Err(response) => response,
    }
}

/// `confirmShipment`'s body, read leniently so each missing or wrong field gets its own answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfirmShipmentRequest {
    marketplace_id: Option<String>,
    package_detail: Option<PackageDetail>,
    cod_collection_method: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageDetail {
    package_reference_id: Option<String>,
    carrier_code: Option<String>,
    carrier_name: Option<String>,
    shipping_method: Option<String>,
    tracking_number: Option<String>,
    ship_date: Option<String>,
    order_items: Option<Vec<ConfirmShipmentOrderItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmShipmentOrderItem {
    order_item_id: Option<String>,
    quantity: Option<i64>,
}

fn bad(message: &str) -> String {
    message.to_string()
}

/// A validated package, or what the 400 says.
fn validate(body: ConfirmShipmentRequest) -> Result<(String, Package), String> {
    let marketplace = body
        .marketplace_id
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| bad("marketplaceId is required"))?;
    if body
        .cod_collection_method
        .is_some_and(|m| m != "DirectPayment")
    {
        return Err(bad("codCollectionMethod must be DirectPayment"));
    }
    let detail = body
        .package_detail
        .ok_or_else(|| bad("packageDetail is required"))?;
    let reference_id = detail
        .package_reference_id
        .ok_or_else(|| bad("packageDetail.packageReferenceId is required"))?;
    // "Only positive numeric values are supported."
    if reference_id.is_empty()
        || !reference_id.bytes().all(|b| b.is_ascii_digit())
        || reference_id.bytes().all(|b| b == b'0')
    {
        return Err(bad(
            "packageDetail.packageReferenceId must be a positive number",
        ));
    }
    let carrier_code = detail
        .carrier_code
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| bad("packageDetail.carrierCode is required"))?;
    let carrier_name = detail.carrier_name.filter(|n| !n.trim().is_empty());
    if carrier_code == "Other" && carrier_name.is_none() {
        return Err(bad(
            "packageDetail.carrierName is required when carrierCode is Other",
        ));
    }
    let tracking_number = detail
        .tracking_number
        .ok_or_else(|| bad("packageDetail.trackingNumber is required"))?;
    let ship_date = detail
        .ship_date
        .ok_or_else(|| bad("packageDetail.shipDate is required"))?;
    if chrono::DateTime::parse_from_rfc3339(&ship_date).is_err() {
        return Err(bad("packageDetail.shipDate must be an ISO 8601 date-time"));
    }
    let order_items = detail
        .order_items
        .filter(|items| !items.is_empty())
        .ok_or_else(|| bad("packageDetail.orderItems must list at least one item"))?;
    let mut items: Vec<(String, i64)> = Vec::new();
    for item in order_items {
        let id = item
            .order_item_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| bad("orderItems[].orderItemId is required"))?;
        let quantity = item
            .quantity
            .ok_or_else(|| bad("orderItems[].quantity is required"))?;
        if quantity < 1 {
            return Err(bad("orderItems[].quantity must be at least 1"));
        }
        match items.iter_mut().find(|(known, _)| *known == id) {
            Some((_, q)) => *q += quantity,
            None => items.push((id, quantity)),
        }
    }
    Ok((
        marketplace,
        Package {
            reference_id,
            carrier_code,
            carrier_name,
            shipping_method: detail.shipping_method,
            tracking_number,
            ship_date,
            created: now(),
            items,
        },
    ))
}

/// Orders v0 `confirmShipment`: `204` once the package is recorded (or edited).
pub(crate) async fn confirm_shipment(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<ConfirmShipmentRequest>, JsonRejection>,
) -> Response {
    let plan = sandbox.shipments_plan;
    if !has_token(&headers) {
        return crate::orders::unauthorized();
    }
    if !is_safe_name(&id) {
        return invalid("an order id is letters, digits and dashes");
    }
    if !sandbox.confirm_shipment.try_acquire() {
        return quota_exceeded(plan.confirm_rate_per_second);
    }
    let Ok(Json(body)) = body else {
        return invalid("the body must be a ConfirmShipmentRequest JSON object");
    };
    let (marketplace, package) = match validate(body) {
        Ok(valid) => valid,
        Err(message) => return invalid(&message),
    };
    let order = match load(&sandbox, &id).await {
        Ok(Some(order)) => order,
        Ok(None) => return unknown_order(&id),
        Err(response) => return response,
    };
    let mut orders = sandbox.lock_orders();
    // Another request may have stored it meanwhile: the stored copy wins.
    let order = orders.entry(id.clone()).or_insert(order);
    if marketplace != order.marketplace() {
        return invalid(&format!(
            "order {id} belongs to marketplace {}",
            order.marketplace()
        ));
    }
    match order.status() {
        "Canceled" => return invalid(&format!("order {id} is cancelled")),
        "Pending" => return invalid(&format!("order {id} is pending and cannot ship yet")),
        _ => {}
    }
    for (item, quantity) in &package.items {
        let Some(ordered) = order.ordered(item) else {
            return invalid(&format!("order {id} has no order item {item}"));
        };
        let elsewhere = order.shipped(item, Some(&package.reference_id));
        if elsewhere + quantity > ordered {
            return invalid(&format!(
                "order item {item}: {quantity} more would ship {} of {ordered} ordered",
                elsewhere + quantity
            ));
        }
    }
    let now = now();
    match order
        .packages
        .iter_mut()
        .find(|p| p.reference_id == package.reference_id)
    {
        // Amazon: the same packageReferenceId again edits that package.
        Some(existing) => {
            let created = existing.created.clone();
            *existing = Package { created, ..package };
        }
        None => order.packages.push(package),
    }
    order.recompute(&now);
    let mut response = StatusCode::NO_CONTENT.into_response();
    crate::add_rate_limit_header(&mut response, plan.confirm_rate_per_second);
    response
}

/// `POST /_sandbox/orders` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewOrder {
    /// Defaults to a fresh `902-…` id.
    amazon_order_id: Option<String>,
    marketplace_id: Option<String>,
    /// Defaults to `Unshipped`.
    order_status: Option<String>,
    lines: Vec<NewLine>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewLine {
    sku: String,
    quantity: i64,
    /// The buyer's unit price (a decimal string, USD): with it the order is priced (`ItemPrice`
    /// per line, `OrderTotal`) and shipped to a demo address, as a buyer's real order is, so the
    /// notifications consumer can capture it.
    #[serde(default)]
    unit_price: Option<rust_decimal::Decimal>,
}

fn usd(amount: rust_decimal::Decimal) -> Value {
    json!({"CurrencyCode": "USD", "Amount": amount.round_dp(2).to_string()})
}

/// Places an order (`Unshipped`, merchant-fulfilled) with these lines; answers `201` with the
/// order id and each line's `OrderItemId`.
pub(crate) async fn place_order(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Response {
    let Ok(Json(new)) = body else {
        return invalid("expected {lines: [{sku, quantity}], amazonOrderId?, marketplaceId?}");
    };
    if new.lines.is_empty() || new.lines.iter().any(|l| l.sku.is_empty() || l.quantity < 1) {
        return invalid("an order needs lines, each with a sku and a quantity of at least 1");
    }
    let n = sandbox.placed.fetch_add(1, Ordering::Relaxed);
    let id = new
        .amazon_order_id
        .unwrap_or_else(|| format!("902-{:07}-{:07}", n % 10_000_000, sandbox.seed % 10_000_000));
    if !is_safe_name(&id) {
        return invalid("an order id is letters, digits and dashes");
    }
    let now = now();
    let items: Vec<Value> = new
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut item = json!({
                "ASIN": format!("B0SANDBOX{i}"),
                "SellerSKU": line.sku,
                "OrderItemId": format!("{:08}{:06}", sandbox.seed % 100_000_000, n * 100 + i as u64),
                "Title": line.sku,
                "QuantityOrdered": line.quantity,
                "QuantityShipped": 0,
            });
            if let Some(price) = line.unit_price {
                item["ItemPrice"] = usd(price * rust_decimal::Decimal::from(line.quantity));
                item["ItemTax"] = usd(rust_decimal::Decimal::ZERO);
                item["PromotionDiscount"] = usd(rust_decimal::Decimal::ZERO);
            }
            item
        })
        .collect();
    let priced = new.lines.iter().all(|l| l.unit_price.is_some());
    let total: rust_decimal::Decimal = new
        .lines
        .iter()
        .filter_map(|l| {
            l.unit_price
                .map(|p| p * rust_decimal::Decimal::from(l.quantity))
        })
        .sum();
    let ordered: i64 = new.lines.iter().map(|l| l.quantity).sum();
    let mut order = json!({
        "AmazonOrderId": id,
        "PurchaseDate": now,
        "LastUpdateDate": now,
        "OrderStatus": new.order_status.unwrap_or_else(|| "Unshipped".into()),
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.com",
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": ordered,
        "MarketplaceId": new.marketplace_id.unwrap_or_else(|| DEFAULT_MARKETPLACE.into()),
        "OrderType": "StandardOrder",
    });
    if priced {
        order["OrderTotal"] = usd(total);
        order["ShippingAddress"] = json!({"Name": "Sandbox Buyer", "AddressLine1": "410 Terry Ave N",
            "City": "Seattle", "StateOrRegion": "WA", "PostalCode": "98109", "CountryCode": "US",
            "AddressType": "Residential"});
    }
    let answer = json!({
        "AmazonOrderId": id,
        "OrderItems": items.iter().map(|i| json!({
            "SellerSKU": i["SellerSKU"], "OrderItemId": i["OrderItemId"]
        })).collect::<Vec<_>>(),
    });
    let mut orders = sandbox.lock_orders();
    if orders.contains_key(&id) {
        return sp_api(
            StatusCode::CONFLICT,
            "Conflict",
            &format!("order {id} exists"),
        );
    }
    orders.insert(
        id,
        StoredOrder {
            order,
            items,
            packages: Vec::new(),
        },
    );
    (StatusCode::CREATED, Json(answer)).into_response()
}
