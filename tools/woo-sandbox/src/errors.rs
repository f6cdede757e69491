//! Error answers in the shape the WordPress REST API (and so WooCommerce) uses:
//! `{"code": "...", "message": "...", "data": {"status": N}}`.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A WooCommerce REST error.
pub(crate) fn wc(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(error_body(status, code, message))).into_response()
}

/// The body of a WooCommerce REST error, also used for one item of a batch answer.
pub(crate) fn error_body(status: StatusCode, code: &str, message: &str) -> Value {
    json!({"code": code, "message": message, "data": {"status": status.as_u16()}})
}

/// WordPress's answer to a query parameter outside its schema.
pub(crate) fn invalid_param(name: &str, why: &str) -> Response {
    let mut body = error_body(
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
        &format!("Invalid parameter(s): {name}"),
    );
    body["data"]["params"] = json!({ name: why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Any path the sandbox does not serve (WordPress's own 404).
pub(crate) async fn no_route(uri: Uri) -> Response {
    wc(
        StatusCode::NOT_FOUND,
        "rest_no_route",
        &format!(
            "No route was found matching the URL and request method ({}).",
            uri.path()
        ),
    )
}
