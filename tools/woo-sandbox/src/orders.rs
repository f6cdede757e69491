//! `/wp-json/wc/v3/orders/{id}` and `/orders/{id}/notes`: read an order, change its status, read
//! and add its notes, with WooCommerce's validation and error bodies.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Sandbox;
use crate::errors::{error_body, invalid_param, wc};
use crate::store::{Note, ORDER_STATUSES, now};

fn invalid_order() -> Response {
    wc(
        StatusCode::NOT_FOUND,
        "woocommerce_rest_shop_order_invalid_id",
        "Invalid ID.",
    )
}

fn order_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

/// `GET /orders/{id}`.
pub(crate) async fn get_order(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
) -> Response {
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    match order_id(&id).and_then(|id| store.orders.get(&id)) {
        Some(order) => Json(order.to_json()).into_response(),
        None => invalid_order(),
    }
}

/// `PUT /orders/{id}` (and `POST`/`PATCH`, which WordPress routes to the same update): only
/// `status` is modelled; other fields are accepted and left as they were. A status change adds
/// the system note WooCommerce adds.
pub(crate) async fn update_order(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(Value::Object(update)) = serde_json::from_slice::<Value>(&body) else {
        return wc(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        );
    };
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(id) = order_id(&id).filter(|id| store.orders.contains_key(id)) else {
        return invalid_order();
    };
    if let Some(status) = update.get("status") {
        let Some(status) = status.as_str().filter(|s| ORDER_STATUSES.contains(s)) else {
            return invalid_param(
                "status",
                &format!("status is not one of {}.", ORDER_STATUSES.join(", ")),
            );
        };
        let note_id = store.next_id();
        let order = store.orders.get_mut(&id).expect("checked above");
        if order.status != status {
            let note = format!(
                "Order status changed from {} to {}.",
                label(&order.status),
                label(status)
            );
            order.status = status.to_string();
            order.notes.push(Note {
                id: note_id,
                note,
                customer_note: false,
                author: "system".into(),
                date_created: now(),
            });
        }
    }
    Json(store.orders[&id].to_json()).into_response()
}

/// How WooCommerce names a status in its notes.
fn label(status: &str) -> String {
    let mut chars = status.replace('-', " ").chars().collect::<Vec<_>>();
    if let Some(first) = chars.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    chars.into_iter().collect()
}

/// `GET /orders/{id}/notes?type=any|customer|internal`: every note, newest first (WooCommerce
/// does not page order notes).
pub(crate) async fn list_notes(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let kind = query.get("type").map_or("any", String::as_str);
    if !matches!(kind, "any" | "customer" | "internal") {
        return invalid_param("type", "type is not one of any, customer, and internal.");
    }
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(order) = order_id(&id).and_then(|id| store.orders.get(&id)) else {
        return note_order_invalid();
    };
    let notes: Vec<Value> = order
        .notes
        .iter()
        .rev()
        .filter(|n| match kind {
            "customer" => n.customer_note,
            "internal" => !n.customer_note,
            _ => true,
        })
        .map(Note::to_json)
        .collect();
    Json(notes).into_response()
}

fn note_order_invalid() -> Response {
    wc(
        StatusCode::NOT_FOUND,
        "woocommerce_rest_order_invalid_id",
        "Invalid order ID.",
    )
}

/// `POST /orders/{id}/notes {"note", "customer_note"?, "added_by_user"?}`: `201` with the note.
/// A customer note is what WooCommerce emails to the customer.
pub(crate) async fn add_note(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(Value::Object(new)) = serde_json::from_slice::<Value>(&body) else {
        return wc(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        );
    };
    let text = match new.get("note") {
        Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
        Some(Value::String(_)) => {
            return wc(
                StatusCode::BAD_REQUEST,
                "woocommerce_rest_invalid_order_note",
                "Cannot create order note, please try again.",
            );
        }
        Some(_) => return invalid_param("note", "note is not of type string."),
        None => {
            let mut body = error_body(
                StatusCode::BAD_REQUEST,
                "rest_missing_callback_param",
                "Missing parameter(s): note",
            );
            body["data"]["params"] = json!(["note"]);
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    // `None` when the field is there but not a boolean.
    let flag = |name: &str| match new.get(name) {
        None => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => None,
    };
    let not_boolean = |name: &str| invalid_param(name, &format!("{name} is not of type boolean."));
    let Some(customer_note) = flag("customer_note") else {
        return not_boolean("customer_note");
    };
    let Some(added_by_user) = flag("added_by_user") else {
        return not_boolean("added_by_user");
    };
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(id) = order_id(&id).filter(|id| store.orders.contains_key(id)) else {
        return note_order_invalid();
    };
    let note = Note {
        id: store.next_id(),
        note: text,
        customer_note,
        author: if added_by_user {
            "switchyard"
        } else {
            "system"
        }
        .into(),
        date_created: now(),
    };
    let shown = note.to_json();
    store
        .orders
        .get_mut(&id)
        .expect("checked above")
        .notes
        .push(note);
    (StatusCode::CREATED, Json(shown)).into_response()
}
