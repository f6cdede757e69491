//! `POST /auth/o2/token`: Login-with-Amazon's refresh-token grant.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::Sandbox;
use crate::errors::lwa;

/// Lifetime of an issued token, as Amazon's.
const EXPIRES_IN: u64 = 3600;

/// Issues `Atza|sandbox-<n>` for any non-empty client id, client secret and refresh token.
pub(crate) async fn issue(
    State(sandbox): State<Arc<Sandbox>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return lwa(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be an application/x-www-form-urlencoded form",
        );
    };
    let field = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or("");
    if field("grant_type") != "refresh_token" {
        return lwa(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be refresh_token",
        );
    }
    for name in ["refresh_token", "client_id", "client_secret"] {
        if field(name).is_empty() {
            return lwa(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{name} is required"),
            );
        }
    }
    let n = sandbox.tokens_issued.fetch_add(1, Ordering::Relaxed) + 1;
    Json(json!({
        "access_token": format!("Atza|sandbox-{n}"),
        "refresh_token": field("refresh_token"),
        "token_type": "bearer",
        "expires_in": EXPIRES_IN,
    }))
    .into_response()
}
