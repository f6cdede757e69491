//! The `/wp-json/wc/v3` endpoints, and the gate every call passes first (record, rate limit,
//! injected faults, credentials — in that order).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use crate::errors::{error_body, invalid_param, wc};
use crate::store::{Kind, Product, Store};
use crate::{RecordedCall, Sandbox};

/// WooCommerce's batch limit (`woocommerce_rest_batch_items_limit`, 100 by default).
pub(crate) const BATCH_LIMIT: usize = 100;
/// WordPress's `per_page` maximum on every collection.
const MAX_PER_PAGE: usize = 100;
/// Largest request body read (a batch of 100 small updates is a few kB).
const MAX_BODY: usize = 1 << 20;

/// Records the call, then applies the rate limit, injected faults and the credentials.
pub(crate) async fn gate(
    State(sandbox): State<Arc<Sandbox>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // The /_sandbox routes stand for a person at the admin screens: not API calls.
    if !parts.uri.path().starts_with("/wp-json/") {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return wc(
            StatusCode::PAYLOAD_TOO_LARGE,
            "rest_request_too_large",
            "The request body is too large.",
        );
    };
    let uri = parts.uri.clone();
    let mut call = RecordedCall {
        method: parts.method.to_string(),
        path: uri.path().to_string(),
        query: without_credentials(uri.query().unwrap_or("")),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        status: 0,
    };
    let response = if let Some(wait) = sandbox.over_rate() {
        let mut response = wc(
            StatusCode::TOO_MANY_REQUESTS,
            "rest_too_many_requests",
            "Too many requests. Please wait and try again.",
        );
        // Whole seconds, rounded up, as HTTP's Retry-After carries them.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        response
    } else if let Some(status) = sandbox.take_fault() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        wc(
            status,
            "sandbox_fault",
            "The sandbox was told to fail this call.",
        )
    } else if let Some(refused) = check_credentials(&sandbox, &parts.method, &parts.headers) {
        refused
    } else {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    };
    call.status = response.status().as_u16();
    tracing::info!(
        method = %call.method,
        path = %call.path,
        status = call.status,
        "request"
    );
    sandbox
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(call);
    response
}

/// The query string without `consumer_key` / `consumer_secret` (WooCommerce accepts them there
/// too over HTTPS; the call log must never hold them).
fn without_credentials(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !name.is_empty() && name != "consumer_key" && name != "consumer_secret"
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// HTTP Basic with the consumer key as user and the secret as password, as WooCommerce takes
/// them over HTTPS; the error codes and messages are WooCommerce's.
fn check_credentials(sandbox: &Sandbox, method: &Method, headers: &HeaderMap) -> Option<Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .and_then(|v| String::from_utf8(v).ok());
    let Some(basic) = basic else {
        // No credentials: WordPress treats the caller as a visitor, who may not list or change.
        return Some(if method == Method::GET {
            wc(
                StatusCode::UNAUTHORIZED,
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot list resources.",
            )
        } else {
            wc(
                StatusCode::UNAUTHORIZED,
                "woocommerce_rest_cannot_batch",
                "Sorry, you are not allowed to batch manipulate this resource.",
            )
        });
    };
    let (key, secret) = basic.split_once(':').unwrap_or((basic.as_str(), ""));
    if key != sandbox.consumer_key {
        return Some(wc(
            StatusCode::UNAUTHORIZED,
            "woocommerce_rest_authentication_error",
            "Consumer key is invalid.",
        ));
    }
    if secret != sandbox.consumer_secret {
        return Some(wc(
            StatusCode::UNAUTHORIZED,
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
        ));
    }
    None
}

/// `page` and `per_page`, validated as WordPress does.
fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), Box<Response>> {
    let per_page = match query.get("per_page") {
        None => 10,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
            _ => {
                return Err(Box::new(invalid_param(
                    "per_page",
                    "per_page must be between 1 (inclusive) and 100 (inclusive)",
                )));
            }
        },
    };
    let page = match query.get("page") {
        None => 1,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(Box::new(invalid_param(
                    "page",
                    "page must be greater than or equal to 1",
                )));
            }
        },
    };
    Ok((page, per_page))
}

/// WooCommerce's `sku` filter: comma-separated SKUs, and the whole string too when it has
/// commas (so a SKU that itself holds a comma can still be found alone).
fn sku_filter(query: &HashMap<String, String>) -> Option<BTreeSet<String>> {
    let raw = query.get("sku")?.trim();
    if raw.is_empty() {
        return None;
    }
    let mut skus: BTreeSet<String> = raw.split(',').map(|s| s.trim().to_string()).collect();
    if skus.len() > 1 {
        skus.insert(raw.to_string());
    }
    Some(skus)
}

fn id_list(query: &HashMap<String, String>, name: &str) -> Option<BTreeSet<u64>> {
    let raw = query.get(name)?;
    Some(
        raw.split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
    )
}

/// One page of `matching`, with WordPress's pagination headers.
fn page_of(store: &Store, matching: Vec<&Product>, page: usize, per_page: usize) -> Response {
    let total = matching.len();
    let pages = total.div_ceil(per_page);
    if page > 1 && page > pages {
        return wc(
            StatusCode::BAD_REQUEST,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        );
    }
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|p| p.to_json(store))
        .collect();
    let mut response = Json(items).into_response();
    let headers = response.headers_mut();
    headers.insert("x-wp-total", HeaderValue::from(total));
    headers.insert("x-wp-totalpages", HeaderValue::from(pages));
    response
}

/// `GET /products`: with `sku`, products and variations having one of those SKUs; without,
/// the top-level products. `include` narrows to ids.
pub(crate) async fn list_products(
    State(sandbox): State<Arc<Sandbox>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (page, per_page) = match paging(&query) {
        Ok(p) => p,
        Err(e) => return *e,
    };
    let skus = sku_filter(&query);
    let include = id_list(&query, "include");
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let matching: Vec<&Product> = store
        .all()
        .filter(|p| match &skus {
            Some(skus) => skus.contains(&p.sku),
            None => p.kind != Kind::Variation,
        })
        .filter(|p| include.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .collect();
    page_of(&store, matching, page, per_page)
}

/// `GET /products/{id}`.
pub(crate) async fn get_product(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
) -> Response {
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    match id.parse().ok().and_then(|id| store.get(id)) {
        Some(p) if p.kind != Kind::Variation => Json(p.to_json(&store)).into_response(),
        _ => invalid_product_id(),
    }
}

fn invalid_product_id() -> Response {
    wc(
        StatusCode::NOT_FOUND,
        "woocommerce_rest_product_invalid_id",
        "Invalid ID.",
    )
}

/// `GET /products/{id}/variations`.
pub(crate) async fn list_variations(
    State(sandbox): State<Arc<Sandbox>>,
    Path(parent): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (page, per_page) = match paging(&query) {
        Ok(p) => p,
        Err(e) => return *e,
    };
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(parent) = variable_parent(&store, &parent) else {
        return invalid_product_id();
    };
    let skus = sku_filter(&query);
    let include = id_list(&query, "include");
    let matching: Vec<&Product> = store
        .all()
        .filter(|p| p.kind == Kind::Variation && p.parent_id == parent)
        .filter(|p| skus.as_ref().is_none_or(|s| s.contains(&p.sku)))
        .filter(|p| include.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .collect();
    page_of(&store, matching, page, per_page)
}

fn variable_parent(store: &Store, id: &str) -> Option<u64> {
    let id: u64 = id.parse().ok()?;
    store
        .get(id)
        .filter(|p| p.kind == Kind::Variable)
        .map(|p| p.id)
}

/// `POST /products/batch`.
pub(crate) async fn batch_products(
    State(sandbox): State<Arc<Sandbox>>,
    body: axum::body::Bytes,
) -> Response {
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    batch(&mut store, &body, None)
}

/// `POST /products/{id}/variations/batch`.
pub(crate) async fn batch_variations(
    State(sandbox): State<Arc<Sandbox>>,
    Path(parent): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(parent) = variable_parent(&store, &parent) else {
        return invalid_product_id();
    };
    batch(&mut store, &body, Some(parent))
}

/// A batch request: the limit is checked over `create` + `update` + `delete` together, before
/// anything is touched; then each item succeeds or carries its own `error`.
fn batch(store: &mut Store, body: &[u8], parent: Option<u64>) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(body) else {
        return wc(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        );
    };
    let list = |name: &str| -> Vec<Value> {
        match request.get(name) {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        }
    };
    let (create, update, delete) = (list("create"), list("update"), list("delete"));
    if create.len() + update.len() + delete.len() > BATCH_LIMIT {
        return wc(
            StatusCode::PAYLOAD_TOO_LARGE,
            "woocommerce_rest_request_entity_too_large",
            &format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
        );
    }
    let invalid_id = || {
        let code = if parent.is_some() {
            "woocommerce_rest_product_variation_invalid_id"
        } else {
            "woocommerce_rest_product_invalid_id"
        };
        error_body(StatusCode::BAD_REQUEST, code, "Invalid ID.")
    };
    // The item must be of this endpoint: a variation of `parent`, or a top-level product.
    let belongs = |p: &Product| match parent {
        Some(parent) => p.kind == Kind::Variation && p.parent_id == parent,
        None => p.kind != Kind::Variation,
    };
    let mut answer = serde_json::Map::new();
    if !create.is_empty() {
        let items = create
            .iter()
            .map(|_| {
                json!({"id": 0, "error": error_body(
                    StatusCode::BAD_REQUEST,
                    "woocommerce_rest_sandbox_unsupported",
                    "The sandbox creates products through POST /_sandbox/products.",
                )})
            })
            .collect();
        answer.insert("create".into(), Value::Array(items));
    }
    if !update.is_empty() {
        let mut items = Vec::new();
        for item in &update {
            let id = item.get("id").and_then(Value::as_u64).unwrap_or(0);
            let Some(product) = store.get(id).filter(|p| belongs(p)).cloned() else {
                items.push(json!({"id": id, "error": invalid_id()}));
                continue;
            };
            match apply_update(product, item) {
                Ok(updated) => {
                    let shown = updated.to_json(store);
                    if let Some(slot) = store.get_mut(id) {
                        *slot = updated;
                    }
                    items.push(shown);
                }
                Err(error) => items.push(json!({"id": id, "error": error})),
            }
        }
        answer.insert("update".into(), Value::Array(items));
    }
    if !delete.is_empty() {
        let mut items = Vec::new();
        for id in &delete {
            let id = id.as_u64().unwrap_or(0);
            match store.get(id).filter(|p| belongs(p)).cloned() {
                Some(product) => {
                    let shown = product.to_json(store);
                    store.delete_sku(&product.sku);
                    items.push(shown);
                }
                None => items.push(json!({"id": id, "error": invalid_id()})),
            }
        }
        answer.insert("delete".into(), Value::Array(items));
    }
    Json(Value::Object(answer)).into_response()
}

/// `manage_stock` and `stock_quantity` of one update; other fields are accepted and ignored.
/// As in WooCommerce, a quantity on a product that does not manage stock is not stored.
fn apply_update(mut product: Product, item: &Value) -> Result<Product, Value> {
    let bad = |name: &str, why: &str| {
        let mut body = error_body(
            StatusCode::BAD_REQUEST,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {name}"),
        );
        body["data"]["params"] = json!({ name: why });
        body
    };
    match item.get("manage_stock") {
        None => {}
        Some(Value::Bool(on)) => product.manage_stock = *on,
        Some(_) => return Err(bad("manage_stock", "manage_stock is not of type boolean.")),
    }
    match item.get("stock_quantity") {
        None => {}
        Some(Value::Null) if product.manage_stock => product.stock_quantity = None,
        Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(q) => {
                if product.manage_stock {
                    product.stock_quantity = Some(q);
                }
            }
            None => {
                return Err(bad(
                    "stock_quantity",
                    "stock_quantity is not of type integer.",
                ));
            }
        },
    }
    Ok(product)
}
