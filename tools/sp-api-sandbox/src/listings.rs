//! Listings Items API v2021-08-01: `getListingsItem` and `patchListingsItem`, over listings kept
//! in memory (seeded from `<data>/listings.json`, arranged through `/_sandbox/listings`).
//!
//! Validation follows SP-API's split: a request that is not the documented shape (no
//! `marketplaceIds`, an unknown `includedData`, a body that is not `{productType, patches[≥1]}`,
//! an unsupported `op`, a path that is not a top-level attribute) is `400 InvalidInput`; a
//! well-formed patch whose attribute values are wrong is `200` with `status: "INVALID"` and its
//! `issues`. An accepted patch is applied at once (Amazon applies it within minutes).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchyard_amazon::TokenBucket;

use crate::Sandbox;
use crate::errors::sp_api;

/// The seller the sandbox's demo data belongs to (`amazon-us` in `make up`).
pub(crate) const DEMO_SELLER: &str = "A2SWITCHYARD01";
/// amazon.com.
pub(crate) const DEMO_MARKETPLACE: &str = "ATVPDKIKX0DER";
/// The datasets `includedData` may name.
const DATASETS: [&str; 8] = [
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
];
/// When the recorded listings were created; the sandbox has no clock-dependent behaviour.
const CREATED: &str = "2026-01-05T09:00:00Z";

/// One listing, as seeded or created.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listing {
    #[serde(default = "demo_seller")]
    pub seller_id: String,
    pub sku: String,
    #[serde(default = "demo_marketplace")]
    pub marketplace_id: String,
    #[serde(default = "default_product_type")]
    pub product_type: String,
    #[serde(default)]
    pub asin: Option<String>,
    #[serde(default)]
    pub item_name: Option<String>,
    /// `DEFAULT` (merchant-fulfilled) or an Amazon channel such as `AMAZON_NA`.
    #[serde(default = "default_channel")]
    pub fulfillment_channel_code: String,
    /// The quantity for the fulfilment channel; `None` until one is set.
    #[serde(default)]
    pub quantity: Option<i64>,
}

fn demo_seller() -> String {
    DEMO_SELLER.into()
}
fn demo_marketplace() -> String {
    DEMO_MARKETPLACE.into()
}
fn default_product_type() -> String {
    "PRODUCT".into()
}
fn default_channel() -> String {
    "DEFAULT".into()
}

/// Listings by seller, then SKU.
pub(crate) type Listings = BTreeMap<(String, String), Listing>;

/// Reads `<data>/listings.json` (a JSON array of listings) if it exists.
pub(crate) fn seed(path: &std::path::Path) -> Result<Listings, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listings::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let listings: Vec<Listing> = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JSON array of listings: {e}", path.display()))?;
    Ok(listings
        .into_iter()
        .map(|l| ((l.seller_id.clone(), l.sku.clone()), l))
        .collect())
}

fn invalid(message: &str) -> Response {
    sp_api(StatusCode::BAD_REQUEST, "InvalidInput", message)
}

fn not_found(sku: &str, marketplace: &str) -> Response {
    sp_api(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("SKU '{sku}' not found in marketplace {marketplace}"),
    )
}

/// Token, throttling, then `marketplaceIds`: the order SP-API checks them in.
fn admit(
    bucket: &TokenBucket,
    rate: f64,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Vec<String>, Box<Response>> {
    let has_token = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !has_token {
        return Err(Box::new(sp_api(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
        )));
    }
    if !bucket.try_acquire() {
        let mut response = sp_api(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
        );
        crate::add_rate_limit_header(&mut response, rate);
        return Err(Box::new(response));
    }
    let marketplaces: Vec<String> = query
        .get("marketplaceIds")
        .map(|v| {
            v.split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if marketplaces.is_empty() {
        return Err(Box::new(invalid(
            "Missing required 'marketplaceIds' query parameter.",
        )));
    }
    Ok(marketplaces)
}

/// `GET /listings/2021-08-01/items/{sellerId}/{sku}`.
pub(crate) async fn get_listings_item(
    State(sandbox): State<Arc<Sandbox>>,
    Path((seller_id, sku)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let plan = sandbox.listings_plan;
    let marketplaces = match admit(
        &sandbox.get_listings_item,
        plan.get_rate_per_second,
        &headers,
        &query,
    ) {
        Ok(m) => m,
        Err(response) => return *response,
    };
    let included: Vec<String> = match query.get("includedData") {
        None => vec!["summaries".into()],
        Some(v) => v.split(',').map(|d| d.trim().to_string()).collect(),
    };
    if let Some(unknown) = included.iter().find(|d| !DATASETS.contains(&d.as_str())) {
        return invalid(&format!(
            "'{unknown}' is not a valid includedData value; valid values are {}",
            DATASETS.join(", ")
        ));
    }
    let listings = sandbox.listings.lock().unwrap_or_else(|e| e.into_inner());
    let Some(listing) = listings
        .get(&(seller_id, sku.clone()))
        .filter(|l| marketplaces.contains(&l.marketplace_id))
    else {
        return not_found(&sku, &marketplaces[0]);
    };
    let mut item = json!({ "sku": listing.sku });
    for dataset in &included {
        match dataset.as_str() {
            "summaries" => {
                item["summaries"] = json!([{
                    "marketplaceId": listing.marketplace_id,
                    "asin": listing.asin,
                    "productType": listing.product_type,
                    "conditionType": "new_new",
                    "status": ["BUYABLE", "DISCOVERABLE"],
                    "itemName": listing.item_name,
                    "createdDate": CREATED,
                    "lastUpdatedDate": CREATED,
                }]);
            }
            "fulfillmentAvailability" => {
                item["fulfillmentAvailability"] = match listing.quantity {
                    Some(quantity) => json!([{
                        "fulfillmentChannelCode": listing.fulfillment_channel_code,
                        "quantity": quantity,
                    }]),
                    None => json!([]),
                };
            }
            "attributes" => {
                item["attributes"] = match listing.quantity {
                    Some(quantity) => json!({"fulfillment_availability": [{
                        "fulfillment_channel_code": listing.fulfillment_channel_code,
                        "quantity": quantity,
                        "marketplace_id": listing.marketplace_id,
                    }]}),
                    None => json!({}),
                };
            }
            "issues" => item["issues"] = json!([]),
            // Datasets the sandbox records nothing for come back empty.
            other => item[other] = json!([]),
        }
    }
    ok(item, plan.get_rate_per_second)
}

fn ok(body: Value, rate: f64) -> Response {
    let mut response = (StatusCode::OK, Json(body)).into_response();
    crate::add_rate_limit_header(&mut response, rate);
    response
}

/// `PATCH /listings/2021-08-01/items/{sellerId}/{sku}`.
pub(crate) async fn patch_listings_item(
    State(sandbox): State<Arc<Sandbox>>,
    Path((seller_id, sku)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let plan = sandbox.listings_plan;
    let marketplaces = match admit(
        &sandbox.patch_listings_item,
        plan.patch_rate_per_second,
        &headers,
        &query,
    ) {
        Ok(m) => m,
        Err(response) => return *response,
    };
    if marketplaces.len() > 1 {
        return invalid("patchListingsItem takes exactly one marketplaceIds value.");
    }
    let patches = match parse_patch_body(&body) {
        Ok(p) => p,
        Err(message) => return invalid(&message),
    };
    let mut listings = sandbox.listings.lock().unwrap_or_else(|e| e.into_inner());
    let Some(listing) = listings
        .get_mut(&(seller_id, sku.clone()))
        .filter(|l| marketplaces.contains(&l.marketplace_id))
    else {
        return not_found(&sku, &marketplaces[0]);
    };
    let n = sandbox.submissions.fetch_add(1, Ordering::Relaxed) + 1;
    let submission_id = format!("sandbox-submission-{n:08}");
    let mut issues = Vec::new();
    if patches.product_type != listing.product_type {
        issues.push(issue(
            "productType",
            &format!(
                "The product type '{}' does not match the listing's product type '{}'.",
                patches.product_type, listing.product_type
            ),
        ));
    }
    let mut new_quantity = listing.quantity;
    for patch in &patches.patches {
        if patch.attribute != "fulfillment_availability" {
            // Other attributes are accepted and not kept: the sandbox only tracks stock.
            continue;
        }
        match patch.op.as_str() {
            "delete" => new_quantity = None,
            _ => match fulfillment_quantity(&patch.value, &listing.fulfillment_channel_code) {
                Ok(quantity) => new_quantity = Some(quantity),
                Err(message) => issues.push(issue("fulfillment_availability", &message)),
            },
        }
    }
    if !issues.is_empty() {
        return ok(
            json!({"sku": sku, "status": "INVALID", "submissionId": submission_id, "issues": issues}),
            plan.patch_rate_per_second,
        );
    }
    listing.quantity = new_quantity;
    ok(
        json!({"sku": sku, "status": "ACCEPTED", "submissionId": submission_id, "issues": []}),
        plan.patch_rate_per_second,
    )
}

fn issue(attribute: &str, message: &str) -> Value {
    json!({
        "code": "SANDBOX_INVALID_ATTRIBUTE",
        "message": message,
        "severity": "ERROR",
        "attributeNames": [attribute],
        "categories": ["INVALID_ATTRIBUTE"],
    })
}

struct PatchBody {
    product_type: String,
    patches: Vec<Patch>,
}

struct Patch {
    op: String,
    attribute: String,
    value: Value,
}

/// The documented request shape, or `400 InvalidInput` saying what is wrong.
fn parse_patch_body(body: &[u8]) -> Result<PatchBody, String> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err("The request body must be a JSON object.".into());
    };
    let Some(product_type) = body.get("productType").and_then(Value::as_str) else {
        return Err("Missing required 'productType'.".into());
    };
    let Some(raw) = body.get("patches").and_then(Value::as_array) else {
        return Err("Missing required 'patches'.".into());
    };
    if raw.is_empty() {
        return Err("'patches' must hold at least one operation.".into());
    }
    let mut patches = Vec::new();
    for (n, patch) in raw.iter().enumerate() {
        let op = patch.get("op").and_then(Value::as_str).unwrap_or("");
        if !["add", "replace", "merge", "delete"].contains(&op) {
            return Err(format!(
                "patches[{n}].op must be one of add, replace, merge, delete."
            ));
        }
        let path = patch.get("path").and_then(Value::as_str).unwrap_or("");
        let attribute = path.strip_prefix("/attributes/").unwrap_or("");
        if attribute.is_empty() || attribute.contains('/') {
            return Err(format!(
                "patches[{n}].path must be a top-level attribute, /attributes/<name>; nested attributes cannot be patched."
            ));
        }
        let value = patch.get("value").cloned().unwrap_or(Value::Null);
        if op != "delete" && !value.is_array() {
            return Err(format!(
                "patches[{n}].value is required for '{op}' and must be an array."
            ));
        }
        patches.push(Patch {
            op: op.to_string(),
            attribute: attribute.to_string(),
            value,
        });
    }
    Ok(PatchBody {
        product_type: product_type.to_string(),
        patches,
    })
}

/// The quantity of the listing's fulfilment channel in a `fulfillment_availability` value.
fn fulfillment_quantity(value: &Value, channel: &str) -> Result<i64, String> {
    let entries = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut found = None;
    for entry in entries {
        let Some(code) = entry
            .get("fulfillment_channel_code")
            .and_then(Value::as_str)
        else {
            return Err("'fulfillment_channel_code' is required but not supplied.".into());
        };
        if code != channel {
            continue;
        }
        match entry.get("quantity") {
            Some(q) => match q.as_i64() {
                Some(q) if q >= 0 => found = Some(q),
                _ => {
                    return Err(format!(
                        "'quantity' must be a whole number of at least 0, not {q}."
                    ));
                }
            },
            None => return Err("'quantity' is required but not supplied.".into()),
        }
    }
    found.ok_or_else(|| format!("No fulfillment_availability entry for channel '{channel}'."))
}
