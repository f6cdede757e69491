//! Error answers in the shapes Shopify uses.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Shopify's non-GraphQL error body: `{"errors": "…"}` (401, 404, 5xx).
pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errors": message }))).into_response()
}

/// A sandbox admin route refusing what it was asked.
pub(crate) fn admin(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Any path the sandbox does not serve: Shopify answers `404 {"errors":"Not Found"}`.
pub(crate) async fn no_route(_uri: Uri) -> Response {
    plain(StatusCode::NOT_FOUND, "Not Found")
}
