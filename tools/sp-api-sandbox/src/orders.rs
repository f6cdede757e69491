//! `getOrder` and `getOrderItems`, answered from recorded files.
//!
//! `GET /orders/v0/orders/{id}` serves `<data>/orders/<id>.json`;
//! `GET /orders/v0/orders/{id}/orderItems` serves `<data>/orders/<id>.items.json`, and with
//! `?NextToken=<t>` serves `<data>/orders/<id>.items.<t>.json`, so pagination can be recorded.
//! An order held in memory (placed through `/_sandbox/orders`, or shipped since the sandbox
//! started) is answered from memory instead, with its items on one page.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchyard_amazon::TokenBucket;

use crate::Sandbox;
use crate::errors::sp_api;

/// `getOrder`.
pub(crate) async fn get_order(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(
        &sandbox,
        &sandbox.get_order,
        &headers,
        &id,
        || crate::shipments::v0_order(&sandbox, &id),
        || format!("{id}.json"),
    )
    .await
}

/// `getOrderItems`.
pub(crate) async fn get_order_items(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let page = query.get("NextToken").cloned();
    if let Some(token) = &page
        && !is_safe_name(token)
    {
        return sp_api(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "NextToken is not one the sandbox issued",
        );
    }
    serve(
        &sandbox,
        &sandbox.get_order_items,
        &headers,
        &id,
        || {
            page.is_none()
                .then(|| crate::shipments::v0_items(&sandbox, &id))
                .flatten()
        },
        || match &page {
            Some(token) => format!("{id}.items.{token}.json"),
            None => format!("{id}.items.json"),
        },
    )
    .await
}

/// Checks the token, the id and the rate limit, in Amazon's order, then serves the file.
async fn serve(
    sandbox: &Sandbox,
    bucket: &TokenBucket,
    headers: &HeaderMap,
    id: &str,
    in_memory: impl FnOnce() -> Option<serde_json::Value>,
    file: impl FnOnce() -> String,
) -> Response {
    if !has_token(headers) {
        return unauthorized();
    }
    // Ids become file names: nothing that could leave the orders directory.
    if !is_safe_name(id) {
        return sp_api(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "an order id is letters, digits and dashes",
        );
    }
    if !bucket.try_acquire() {
        let mut response = sp_api(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
        );
        crate::add_rate_limit_header(&mut response, sandbox.rate_per_second);
        return response;
    }
    if let Some(body) = in_memory() {
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        crate::add_rate_limit_header(&mut response, sandbox.rate_per_second);
        return response;
    }
    let path: PathBuf = sandbox.data_dir.join("orders").join(file());
    match tokio::fs::read(&path).await {
        Ok(body) => {
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            crate::add_rate_limit_header(&mut response, sandbox.rate_per_second);
            response
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => sp_api(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("no recorded response for order {id}"),
        ),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot read a recorded response");
            sp_api(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "We encountered an internal error. Please try again.",
            )
        }
    }
}

/// Whether the request carries an access token (any non-empty one: the sandbox issues them).
pub(crate) fn has_token(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty())
}

/// Amazon's answer to a call without a token.
pub(crate) fn unauthorized() -> Response {
    sp_api(
        StatusCode::FORBIDDEN,
        "Unauthorized",
        "Access to requested resource is denied.",
    )
}

/// Ids and tokens become file names: letters, digits, `-` and `_` only.
pub(crate) fn is_safe_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
