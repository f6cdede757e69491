//! Error answers in the shapes Amazon uses.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An SP-API error: `{"errors":[{"code","message","details"}]}`.
pub(crate) fn sp_api(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{"code": code, "message": message, "details": ""}]})),
    )
        .into_response()
}

/// A Login-with-Amazon error: `{"error","error_description"}`.
pub(crate) fn lwa(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Any path the sandbox does not serve.
pub(crate) async fn no_route(uri: Uri) -> Response {
    sp_api(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("the sandbox serves no resource at {}", uri.path()),
    )
}
